#!/usr/bin/env python3
"""valgrind.py - the gateway under valgrind's memcheck: no leak, no error.

A build without sanitizers (tests/faults/run.sh makes one in build-faults/,
RelWithDebInfo) runs under

    valgrind --leak-check=full --show-leak-kinds=definite,indirect
             --errors-for-leak-kinds=definite,indirect --error-exitcode=99

while 5 clients send 1,000 messages over TLS WebSockets (pipelined, with
client_ids), with sign-ins and an enrolment (argon2id, tokens), welcomes,
sync and history over the WebSocket, a resend answered as a duplicate, a
read receipt, and HTTP calls (/api/me, conversations, messages, the family
log, devices, an invite, a restricted conversation, logout,
/healthz, /metrics).  Then SIGTERM: the
exit status must be 0 (99 would mean an error or a definite or indirect
leak), and valgrind's summary must say 0 errors and 0 bytes definitely or
indirectly lost.  The figures of the summary are printed.

    python3 tests/faults/valgrind.py [--messages 1000] [--clients 5]

Environment as for tests/e2e (INDGANG_BIN, INDGANG_ADMIN, INDGANG_SRC); the
binary must not be built with INDGANG_SANITIZE.
"""
import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness as h  # noqa: E402

SENDERS = [("anna", "A"), ("mette", "A"), ("bo", "A"), ("dora", "B"), ("amina", "B")]


class ValgrindGateway(h.Gateway):
    def argv(self):
        return ["valgrind", "--tool=memcheck", "--leak-check=full",
                "--show-leak-kinds=definite,indirect",
                "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99",
                "--track-origins=yes", "--num-callers=30",
                "--log-file=" + self.vg_log] + super().argv()

    def start(self, timeout=180):
        super().start(timeout)


def summary(text):
    """The figures of valgrind's final report."""
    out = {}
    m = re.findall(r"ERROR SUMMARY: ([\d,]+) errors from ([\d,]+) contexts", text)
    if m:
        out["errors"] = int(m[-1][0].replace(",", ""))
        out["contexts"] = int(m[-1][1].replace(",", ""))
    for kind in ("definitely lost", "indirectly lost", "possibly lost", "still reachable",
                 "suppressed"):
        m = re.findall(kind + r": ([\d,]+) bytes in ([\d,]+) blocks", text)
        if m:
            out[kind] = (int(m[-1][0].replace(",", "")), int(m[-1][1].replace(",", "")))
    m = re.findall(r"total heap usage: ([\d,]+) allocs, ([\d,]+) frees, ([\d,]+) bytes", text)
    if m:
        out["heap"] = tuple(int(x.replace(",", "")) for x in m[-1])
    if "All heap blocks were freed -- no leaks are possible" in text:
        for kind in ("definitely lost", "indirectly lost", "possibly lost", "still reachable"):
            out.setdefault(kind, (0, 0))
    return out


async def workload(w, a):
    per = a.messages // a.clients
    tokens = {}
    for k in range(a.clients):
        user = SENDERS[k % len(SENDERS)][0]
        tokens[k] = await asyncio.to_thread(w.token, user, "dev%d" % k)
    clients = [await w.ws_connect(tokens[k], label="k%d" % k,
                                  user_key=SENDERS[k % len(SENDERS)][0])
               for k in range(a.clients)]
    listener = await w.client("carl", label="carl")  # team member: receives the fan-out

    async def send(k):
        items = [("vg%d-%05d" % (k, i), "valgrind %d %05d æøå" % (k, i)) for i in range(per)]
        acked = await clients[k].send_many(w.conv[SENDERS[k % len(SENDERS)][1]], items,
                                           window=8, timeout=120)
        h.eq(len(acked), per, "k%d: acks" % k)
        return acked

    results = await asyncio.gather(*(send(k) for k in range(a.clients)))
    acked = sum(len(r) for r in results)
    # a resend is answered with the original message
    cid, m = next(iter(results[0].items()))
    again = await clients[0].send_msg(w.conv["A"], m["body"], client_id=cid, timeout=60)
    h.eq(again["id"], m["id"], "resend answered with the original id")
    r = await clients[0].request({"type": "history", "conv": w.conv["A"], "limit": 50}, 60)
    h.check(r.get("type") == "messages", "history", "messages", r)
    msgs = await clients[2].sync_all(0, 200, timeout=120)
    h.check(len(msgs) >= per, "sync as bo", ">= %d messages" % per, len(msgs))
    await clients[1].send_frame({"type": "read", "conv": w.conv["A"], "upto": msgs[-1]["id"]})
    r = await clients[1].request({"type": "history", "conv": w.conv["A"], "limit": 5}, 60)
    h.check(r.get("type") == "messages", "history after read", "messages", r)
    got = await listener.drain(1.0)
    h.check(len([f for f in got if f.get("type") == "message"]) >= per,
            "carl received the family's messages", ">= %d" % per, len(got))
    # HTTP
    anna = w.token("anna")
    calls = [("GET", "/api/me", anna),
             ("GET", "/api/conversations/%d/messages?limit=20" % w.conv["A"], anna),
             ("GET", "/api/families/%d/log" % w.fam["A"], anna),
             ("GET", "/api/families/%d/devices" % w.fam["A"], anna),
             ("GET", "/healthz", None), ("GET", "/metrics", None)]
    statuses = []
    for method, path, tok in calls:
        st, _, _ = await w.ahttp(method, path, token=tok, timeout=120)
        statuses.append(st)
        h.check(st == 200, "HTTP %s %s" % (method, path), 200, st)
    st, _, b = await w.ahttp("POST", "/api/invites", {"member": w.ids["jonas"]}, token=anna,
                             timeout=120)
    h.check(st == 201, "POST /api/invites", 201, (st, b))
    st, _, b = await w.ahttp("POST", "/api/conversations",
                             {"family": w.fam["A"], "title": "valgrind",
                              "members": [w.ids["jonas"]]}, token=anna, timeout=120)
    h.check(st == 201, "POST /api/conversations", 201, (st, b))
    st, _, b = await w.ahttp("POST", "/api/login", {"username": "anna", "password": "wrong"},
                             timeout=120)
    h.check(st == 401, "a wrong password", 401, st)
    tok = await asyncio.to_thread(w.login, "erik")
    st, _, _ = await w.ahttp("POST", "/api/logout", token=tok, timeout=120)
    h.check(st in (200, 204), "POST /api/logout", "200/204", st)
    await w.close_clients()
    return acked, len(calls) + 5


async def main_async(a):
    if not shutil.which("valgrind"):
        print("FAIL: valgrind not found (apt-get install valgrind)")
        return False
    r = subprocess.run(["nm", "-D", h.BIN], capture_output=True, text=True)
    if "__asan_init" in r.stdout or "__asan_init" in open(h.BIN, "rb").read().decode(
            "latin-1"):
        print("FAIL: %s is built with AddressSanitizer; valgrind needs a plain build "
              "(tests/faults/run.sh makes one in build-faults/)" % h.BIN)
        return False
    t0 = time.monotonic()
    w = h.World(extra_args=["--ws-rate", "5000"])
    w.setup()  # starts a plain gateway; the tokens are made under valgrind below
    w.gw.stop()
    w.gw.__class__ = ValgrindGateway
    w.gw.vg_log = os.path.join(w.tmp, "valgrind.log")
    t_start = time.monotonic()
    w.gw.start()
    started = time.monotonic() - t_start
    problems = []
    acked = calls = 0
    try:
        acked, calls = await workload(w, a)
    except Exception as e:
        problems.append("workload: %s: %s" % (type(e).__name__, e))
    finally:
        await w.close_clients()
    t_stop = time.monotonic()
    rc = w.gw.stop(300)
    stopped = time.monotonic() - t_stop
    with open(w.gw.vg_log, encoding="utf-8", errors="replace") as f:
        text = f.read()
    s = summary(text)
    if rc != 0:
        problems.append("exit status after SIGTERM: %s (99: valgrind found errors or leaks)"
                        % rc)
    if s.get("errors") != 0:
        problems.append("ERROR SUMMARY: %s errors" % s.get("errors"))
    for kind in ("definitely lost", "indirectly lost"):
        if s.get(kind, (None,))[0] != 0:
            problems.append("%s: %s" % (kind, s.get(kind)))
    print("valgrind: memcheck on %s, %d messages from %d clients, %.1f s (start %.1f s, "
          "stop after SIGTERM %.1f s)" % (h.BIN, a.messages, a.clients,
                                          time.monotonic() - t0, started, stopped))
    print("  messages acknowledged: %d; HTTP calls: %d; exit status: %s" % (acked, calls, rc))
    print("  ERROR SUMMARY: %s errors from %s contexts" % (s.get("errors"), s.get("contexts")))
    for kind in ("definitely lost", "indirectly lost", "possibly lost", "still reachable",
                 "suppressed"):
        if kind in s:
            print("  %s: %d bytes in %d blocks" % ((kind,) + s[kind]))
    if "heap" in s:
        print("  total heap usage: %d allocs, %d frees, %d bytes allocated" % s["heap"])
    for p in problems:
        print("  problem: %s" % p)
    if problems:
        tail = [l for l in text.splitlines() if l.startswith("==")][-80:]
        print("valgrind log (%s, last lines):\n%s" % (w.gw.vg_log, "\n".join(tail)))
        os.environ["INDGANG_E2E_KEEP"] = "1"
    w.cleanup()
    print("%s: valgrind" % ("FAIL" if problems else "PASS"))
    return not problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=5)
    a = ap.parse_args()
    sys.exit(0 if asyncio.run(main_async(a)) else 1)


if __name__ == "__main__":
    main()
