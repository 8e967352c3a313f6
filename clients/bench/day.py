"""day.py - the advisers' day benchmark (issue 15): prints figures, asserts nothing.

    /usr/bin/python3 clients/bench/day.py [--smoke]

One gateway (INDGANG_BIN, INDGANG_ADMIN: by default build-bench's, built by
clients/bench/run.sh) with the e2e world (tests/e2e/harness.py), and what the paths of
issue 15 cost beside the message path's:

1. The message path: indgang-bench families (closed loop, --families families writing to
   advisers who only read, so every conversation waits for an answer from its first
   message on): messages a second and the gateway's CPU per message.
2. Escalation: every one of those waits made a fortnight old and due for a look (as e2e 91
   does to one), then the time until the gateway has looked at them all (a job of 64 waits
   every hub tick, HUB_TICK_MS) and its CPU per escalation (the wait's row, the working
   time over the team's week and holidays, the notifications and the contact-log row).
3. A correction: Anna corrects her own message; the time from the `correct` frame to
   Bo's `changed`, p50/p99, and the gateway's CPU per correction; beside it the same for
   her messages sent one at a time (send → Bo's `message`), each a commit of its own as
   each correction is.
4. The template list: GET /api/me/templates with TEMPLATES templates in the team, each in
   five languages, over one keep-alive connection: p50/p99 and CPU per request.
5. The log page with text: GET /api/families/{id}/log?scope=family&limit=500 on a family
   with LOG_MESSAGES messages, each row with its message's text (one join on the page's
   rows) and each read itself logged: p50/p99 and CPU per page.

Appends one JSON line to $BENCH_DIR/results.jsonl (default build-bench/run).
"""
import asyncio
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
BUILD = os.path.join(ROOT, "build-bench")
os.environ.setdefault("INDGANG_BIN", os.path.join(BUILD, "indgang"))
os.environ.setdefault("INDGANG_ADMIN", os.path.join(BUILD, "indgang-admin"))
BENCH = os.environ.get("INDGANG_BENCH", os.path.join(BUILD, "clients", "bench", "indgang-bench"))
WORK = os.environ.get("BENCH_DIR", os.path.join(BUILD, "run"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness as h  # noqa: E402

SMOKE = "--smoke" in sys.argv
FAMILIES = 20 if SMOKE else 1000
DURATION = 2 if SMOKE else 5
N = 30 if SMOKE else 1000  # corrections, template lists
PAGES = 10 if SMOKE else 200
TEMPLATES = 5 if SMOKE else 40  # x 5 languages: a team keeps at most 200
LOG_MESSAGES = 100 if SMOKE else 2000
LANGS = ("da", "en", "ar", "so", "uk")
HZ = os.sysconf("SC_CLK_TCK")


def pct(v, p):
    v = sorted(v)
    return round(v[min(len(v) - 1, int(len(v) * p))], 3) if v else -1.0


def cpu_ms(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / HZ


class Cpu:
    """The gateway's CPU over a with-block, per operation (µs)."""

    def __init__(self, pid, n):
        self.pid, self.n = pid, n

    def __enter__(self):
        self.t0 = cpu_ms(self.pid)
        return self

    def __exit__(self, *exc):
        self.us = round((cpu_ms(self.pid) - self.t0) * 1000.0 / self.n, 1)


def families(w):
    """Figure 1; leaves FAMILIES families' conversations waiting."""
    out = os.path.join(w.tmp, "families.jsonl")
    r = subprocess.run([BENCH, "families", "--port", str(w.port), "--ca", w.ca,
                        "--admin", os.environ["INDGANG_ADMIN"], "--db", w.db,
                        "--families", str(FAMILIES), "--advisers", str(max(4, FAMILIES // 10)),
                        "--warmup", "1", "--duration", str(DURATION), "--json", out,
                        "--server-pid", str(w.gw.proc.pid)],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise h.Fail("indgang-bench families failed: %s" % r.stderr[-800:])
    with open(out) as f:
        ind = json.loads(f.readlines()[-1])["indgang"]
    return {"msgs_per_s": ind["msgs_per_s"], "server_cpu_us_per_msg": ind.get("server_cpu_us_per_msg")}


def sql(w, query, args=()):
    db = sqlite3.connect(w.db, timeout=30)
    try:
        rows = db.execute(query, args).fetchall()
        db.commit()
        return rows
    finally:
        db.close()


def escalations(w):
    """Figure 2."""
    fortnight = 14 * 24 * 3600 * 1000
    before = sql(w, "SELECT count(*) FROM contact_log WHERE kind = 'escalated'")[0][0]
    waits = sql(w, "SELECT count(*) FROM conv_state WHERE waiting_from IS NOT NULL")[0][0]
    pid = w.gw.proc.pid
    c0, t0 = cpu_ms(pid), time.monotonic()
    sql(w, "UPDATE conv_state SET waiting_since = waiting_since - ?, escalate_at = 1 "
        "WHERE waiting_from IS NOT NULL", (fortnight,))
    last, still = -1, time.monotonic()
    while time.monotonic() - still < 3.0:  # no new row for 3 s: all looked at
        n = sql(w, "SELECT count(*) FROM contact_log WHERE kind = 'escalated'")[0][0] - before
        if n != last:
            last, still, done = n, time.monotonic(), time.monotonic()
        time.sleep(0.1)
    cpu = cpu_ms(pid) - c0  # with 3 idle seconds, which cost next to nothing
    return {"waits": waits, "escalated_rows": last, "seconds": round(done - t0, 2),
            "server_cpu_us_per_row": round(cpu * 1000.0 / max(1, last), 1)}


async def corrections(w, anna, bo):
    """Figure 3."""
    conv = w.conv["A"]
    sent, send_ms = [], []
    with Cpu(w.gw.proc.pid, N) as send_cpu:  # the same, one at a time, for a message
        for i in range(N):
            t0 = time.monotonic()
            sent.append(await anna.send_msg(conv, "Mødet er tirsdag kl. %d" % (i % 24)))
            await bo.recv_until("message", timeout=10, pred=lambda f, i=sent[-1]["id"]: f["message"]["id"] == i)
            send_ms.append((time.monotonic() - t0) * 1000)
    await asyncio.sleep(0.5)
    bo.buf.clear()
    ms = []
    with Cpu(w.gw.proc.pid, N) as cpu:
        for m in sent:
            t0 = time.monotonic()
            await anna.send_frame({"type": "correct", "id": m["id"], "body": "Mødet er onsdag"})
            await bo.recv_until("changed", timeout=10, pred=lambda f, i=m["id"]: f["message"]["id"] == i)
            ms.append((time.monotonic() - t0) * 1000)
    return {"n": N, "p50_ms": pct(ms, .5), "p99_ms": pct(ms, .99), "server_cpu_us": cpu.us,
            "send_one_at_a_time": {"p50_ms": pct(send_ms, .5), "p99_ms": pct(send_ms, .99),
                                   "server_cpu_us": send_cpu.us}}


def timed_gets(w, path, token, n):
    conn = http.client.HTTPSConnection("127.0.0.1", w.port, context=w.ssl, timeout=30)
    ms, size = [], 0
    with Cpu(w.gw.proc.pid, n) as cpu:
        for _ in range(n):
            t0 = time.monotonic()
            conn.request("GET", path, headers={"Authorization": "Bearer " + token})
            r = conn.getresponse()
            body = r.read()
            ms.append((time.monotonic() - t0) * 1000)
            if r.status != 200:
                raise h.Fail("GET %s: %d %s" % (path, r.status, body[:200]))
            size = len(body)
    conn.close()
    return {"n": n, "p50_ms": pct(ms, .5), "p99_ms": pct(ms, .99), "server_cpu_us": cpu.us,
            "bytes": size}


def templates(w):
    """Figure 4."""
    st, _, teams = w.http("GET", "/api/me/teams", token=w.token("anna"))
    team = teams["teams"][0]["id"]
    for i in range(TEMPLATES):
        for lang in LANGS:
            st, _, body = w.http("POST", "/api/teams/%d/templates" % team,
                                 {"title": "Svar %d" % i, "lang": lang,
                                  "body": "Tak for din besked. Vi ringer til dig i morgen "
                                          "mellem kl. 9 og 12 om mødet på jobcentret (%d)." % i},
                                 token=w.token("anna"))
            if st not in (200, 201):
                raise h.Fail("POST template: %d %s" % (st, body))
    r = timed_gets(w, "/api/me/templates", w.token("bo"), N)
    r["templates"] = TEMPLATES * len(LANGS)
    return r


async def log_pages(w, anna):
    """Figure 5."""
    conv = w.conv["A"]
    for i in range(LOG_MESSAGES):
        await anna.send_frame({"type": "send", "conv": conv, "client_id": "log-%d" % i,
                               "body": "Husk mødet på jobcentret torsdag kl. 10, besked %d" % i})
        if i % 100 == 99:
            await anna.recv_until("ack", timeout=30, pred=lambda f, c="log-%d" % i: f.get("client_id") == c)
    fam = w.fam["A"]
    return timed_gets(w, "/api/families/%d/log?scope=family&kind=message&limit=500" % fam,
                      w.token("anna"), PAGES)


async def run(w):
    load0 = open("/proc/loadavg").read().split()[0]
    anna, bo = await w.client("anna"), await w.client("bo")
    res = {"scenario": "day", "smoke": SMOKE, "families": FAMILIES}
    res["corrections"] = await corrections(w, anna, bo)
    res["templates"] = await asyncio.to_thread(templates, w)
    res["log_pages"] = await log_pages(w, anna)
    await w.close_clients()
    res["messages"] = await asyncio.to_thread(families, w)
    res["escalation"] = await asyncio.to_thread(escalations, w)
    res["load"] = [float(load0), float(open("/proc/loadavg").read().split()[0])]
    print(json.dumps(res, indent=1))
    os.makedirs(WORK, exist_ok=True)
    with open(os.path.join(WORK, "results.jsonl"), "a") as f:
        f.write(json.dumps(res) + "\n")


async def test_day_bench(w):
    await run(w)


h.TIME_BUDGET = 900.0  # a benchmark, not a test file under CTest's minute
h.run([test_day_bench], per_test_timeout=900.0,
      extra_args=("--ws-rate", "100000", "--connections-per-address", "65535"))
