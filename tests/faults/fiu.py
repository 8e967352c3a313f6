#!/usr/bin/env python3
"""fiu.py - the real gateway with failing pwrite() and fdatasync() (libfiu).

Debian's SQLite writes with pwrite64() and syncs with fdatasync() (see
`nm -D libsqlite3.so.0`).  The unmodified `indgang` runs with libfiu's
fiu_run_preload.so (libfiu and its remote control, as `fiu-run` sets them up)
and libindgang-fiu-io.so (fiu_io.c), which puts the failure points
posix/io/rw/pwrite and posix/io/sync/fdatasync into those two calls, named
as in libfiu's own POSIX preload library.  (`fiu-run -x` is not used: that
library also wraps malloc(), and libfiu 1.1 can deadlock in it; see
fiu_io.c.)  Each round:

  1. the gateway starts with no failure point enabled (so that start-up,
     migrations and recovery run clean);
  2. everything acknowledged so far is read back (same id, client_id, body);
  3. `fiu-ctrl` enables the points at random with the given probability
     (a failing call returns -1 with a random errno of its own list: EIO,
     ENOSPC, EINTR, ...).  A commit makes many pwrite() calls and one
     fdatasync(), so with both on a pwrite nearly always fails first: the
     rounds take turns with both points, fdatasync only and pwrite only;
  4. the clients send their messages with client_ids, pipelined, and resend
     with the same client_id what was answered `unavailable`;
  5. the round ends when the gateway stops by itself after an I/O error on
     a commit (it must: exit status 1, journal `action=shutdown`), or after
     --round-secs, when the points are disabled and it is stopped with
     SIGTERM (exit status 0).

Before each restart nothing is assumed: a COMMIT whose fdatasync failed may
still be in the WAL, so such a message must come back on resend with its
original id (the idempotency path), never as a second message.  After the
last round the gateway runs clean until every client has every message
acknowledged; then: 0 acknowledged messages lost, every client_id stored
exactly once, PRAGMA integrity_check ok, exit status 0 on SIGTERM.

    python3 tests/faults/fiu.py                 # CI: 8 rounds, 2,000 messages, 10 clients, 2 %
    python3 tests/faults/fiu.py --long          # 50 rounds, 20,000 messages, 20 clients
    python3 tests/faults/fiu.py --percent 5 --rounds 20 --seed 1

Needs fiu-ctrl and libfiu (Debian: fiu-utils, libfiu0, libfiu-dev to build
libindgang-fiu-io.so, found next to INDGANG_BIN under tests/faults/ or named
by INDGANG_FIU_IO) and a gateway built without AddressSanitizer (its runtime
must come first in the preload list): INDGANG_BIN / INDGANG_ADMIN as for
tests/e2e; tests/faults/run.sh builds both.
"""
import argparse
import asyncio
import collections
import errno
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness as h  # noqa: E402

# (user, conversation key, kind): client k is SENDERS[k % 9]
SENDERS = [("anna", "A", None), ("mette", "A", None), ("bo", "A", None), ("jonas", "A", None),
           ("dora", "B", None), ("amina", "B", None), ("erik", "B", None),
           ("carl", "A", "note"), ("frida", "B", "note")]
POINTS = ("posix/io/rw/pwrite", "posix/io/sync/fdatasync")
WORLDS = []  # to clean up after an unexpected failure


FIU_RUN_PRELOAD = "/usr/lib/fiu/fiu_run_preload.so"


def find_fiu_io():
    env = os.environ.get("INDGANG_FIU_IO")
    if env:
        return env
    p = os.path.join(os.path.dirname(h.BIN), "tests", "faults", "libindgang-fiu-io.so")
    return p if os.path.exists(p) else None


class FiuGateway(h.Gateway):
    """The same gateway with libfiu started in it (remote control on) and the
    failure points of libindgang-fiu-io.so in pwrite64() and fdatasync():
    what `fiu-run -f PREFIX` sets up, with our library instead of -x."""

    def argv(self):
        return ["env", "LD_PRELOAD=%s %s" % (FIU_RUN_PRELOAD, self.fiu_io),
                "FIU_CTRL_FIFO=" + self.fifo_prefix, "FIU_ENABLE="] + super().argv()

    def start(self, timeout=15):
        # should a start ever hang, show where before the harness kills it
        self.start_timeout = timeout
        timer = threading.Timer(timeout - 3, self.dump_stacks)
        timer.start()
        try:
            super().start(timeout)
        finally:
            timer.cancel()

    def dump_stacks(self):
        if self.proc is None or self.proc.poll() is not None or not shutil.which("gdb"):
            return
        r = subprocess.run(["gdb", "-p", str(self.proc.pid), "-batch", "-ex",
                            "thread apply all bt"], capture_output=True, text=True, timeout=60)
        print("the gateway (pid %d) has not started within %d s; its threads:\n%s"
              % (self.proc.pid, self.start_timeout - 3, r.stdout[-8000:]))
        sys.stdout.flush()

    def ctrl(self, *commands):
        args = ["fiu-ctrl", "-f", self.fifo_prefix]
        for c in commands:
            args += ["-c", c]
        r = subprocess.run(args + [str(self.proc.pid)], capture_output=True, text=True,
                           timeout=10)
        return r.returncode == 0


def items_of(k, per):
    return [("k%02d-%06d" % (k, i), "k%02d fiu %06d" % (k, i)) for i in range(per)]


async def read_back(w, label):
    out = {}
    for key in ("anna", "dora"):
        c = await w.client(key, label="%s-check-%s" % (key, label))
        for m in await c.sync_all(0, 500, timeout=30):
            out[m["id"]] = m
        await c.close()
    w.clients.clear()
    return out


async def main_async(a):
    if not shutil.which("fiu-ctrl") or not os.path.exists(FIU_RUN_PRELOAD):
        print("FAIL: fiu-ctrl or %s not found (apt-get install fiu-utils libfiu0)"
              % FIU_RUN_PRELOAD)
        return False
    fiu_io = find_fiu_io()
    if fiu_io is None:
        print("FAIL: libindgang-fiu-io.so not found next to %s (build the target "
              "indgang-fiu-io, needs libfiu-dev; or set INDGANG_FIU_IO)" % h.BIN)
        return False
    rnd = random.Random(a.seed)
    t0 = time.monotonic()
    w = h.World(extra_args=["--ws-rate", "5000"])
    WORLDS.append(w)
    w.setup()
    per = a.messages // a.clients
    clients = list(range(a.clients))
    tokens = {}
    for k in clients:
        user = SENDERS[k % len(SENDERS)][0]
        tokens[k] = w.token(user, device="dev%d" % k) if user in h.FAMILY_OF else w.token(user)
    for key in ("anna", "dora"):
        w.token(key)
    # from here on under fiu-run
    w.gw.stop()
    w.gw.__class__ = FiuGateway
    w.gw.fifo_prefix = os.path.join(w.tmp, "fiu-ctrl")
    w.gw.fiu_io = fiu_io
    w.gw.start()

    acked = {k: {} for k in clients}  # client_id -> MSG
    refused = collections.Counter()  # answers `unavailable`
    lost, changed, errors, bad_stops = [], [], [], []
    prestored_hits = 0
    stops = collections.Counter()  # how each round ended
    acks_per_round = []

    async def burst(k, stop):
        user, conv, kind = SENDERS[k % len(SENDERS)]
        while not stop.is_set():
            todo = [it for it in items_of(k, per) if it[0] not in acked[k]]
            if not todo:
                return
            n0 = len(acked[k])
            try:
                c = await w.ws_connect(tokens[k], label="k%02d" % k, user_key=user)
                await c.send_many(w.conv[conv], todo, kind=kind, acked=acked[k], window=16,
                                  timeout=30, stop_codes=("unavailable",))
                if len(acked[k]) < per:
                    refused[k] += 1
                await c.close()
            except (h.Closed, OSError, h.Fail) as e:
                if w.gw.running() and not stop.is_set() and not w.gw.expect_down:
                    # the gateway closes with 1001 when it stops after an I/O error
                    if not (isinstance(e, h.Closed) and e.code == 1001):
                        round_errors.append("k%02d: %s: %s" % (k, type(e).__name__,
                                                               str(e)[:300]))
                return
            if len(acked[k]) == n0:
                await asyncio.sleep(0.05)  # refused at once: do not spin

    def io_stops(lines):
        # an I/O error on a commit (writer or HTTP worker) or on a checkpoint
        return sum(1 for l in lines if "action=shutdown" in l)

    round_errors = []
    round_points = collections.Counter()

    def end_round(how):
        # while it shuts down after an I/O error the gateway refuses new connections
        # and closes new ones with 1001 before their welcome
        for e in round_errors:
            if how == "io_error" and ("WebSocket upgrade" in e or "close code 1001" in e):
                continue
            errors.append(e)
        round_errors.clear()

    for rnd_no in range(1, a.rounds + 1):
        if all(len(acked[k]) == per for k in clients):
            break
        if not w.gw.running():
            w.gw.start()
        # 1. every acknowledged message survived, unchanged
        stored = await read_back(w, str(rnd_no))
        for k in clients:
            for cid, m in acked[k].items():
                s = stored.get(m["id"])
                if s is None or s.get("client_id") != cid or s.get("body") != m.get("body"):
                    lost.append((k, cid, m["id"], "missing" if s is None else "changed"))
        by_cid = {(m["sender"]["id"], m.get("client_id")): m["id"] for m in stored.values()}
        pre = {}
        for k in clients:
            uid = w.ids[SENDERS[k % len(SENDERS)][0]]
            for cid, _ in items_of(k, per):
                if cid not in acked[k] and (uid, cid) in by_cid:
                    pre[(k, cid)] = by_cid[(uid, cid)]
        before = {k: set(acked[k]) for k in clients}
        n_before = sum(len(x) for x in acked.values())
        lines0 = len(w.gw.lines)
        # 2. failures on
        p = a.percent / 100.0
        # a commit makes many pwrite() calls and one fdatasync(): with both points on, a
        # pwrite almost always fails first, so the rounds take turns
        points = POINTS if a.points == "both" else (POINTS, POINTS[1:], POINTS[:1])[
            rnd_no % 3] if a.points == "mix" else [pt for pt in POINTS if a.points in pt]
        round_points[",".join(pt.rsplit("/", 1)[1] for pt in points)] += 1
        if not w.gw.ctrl(*("enable_random name=%s,probability=%g" % (pt, p) for pt in points)):
            errors.append("round %d: fiu-ctrl could not enable the failure points" % rnd_no)
        stop = asyncio.Event()
        tasks = [asyncio.create_task(burst(k, stop)) for k in clients]
        deadline = time.monotonic() + a.round_secs * rnd.uniform(0.5, 1.0)
        while w.gw.running() and time.monotonic() < deadline and \
                not all(t.done() for t in tasks):
            await asyncio.sleep(0.01)
        stop.set()
        if w.gw.running():
            # it did not hit an I/O error on a commit this round: failures off, clean stop
            w.gw.ctrl(*("disable name=%s" % pt for pt in POINTS))
            await asyncio.gather(*tasks, return_exceptions=True)
            await w.close_clients()
            # the stop may still meet an error injected just before the points were
            # disabled; then it must be the I/O-error stop
            rc = await asyncio.to_thread(w.gw.stop, 30)
            new = w.gw.lines[lines0:]
            how = "io_error" if io_stops(new) else "sigterm"
            if rc != (1 if how == "io_error" else 0):
                bad_stops.append((rnd_no, how, rc))
        else:
            w.gw.expect_down = True
            await asyncio.gather(*tasks, return_exceptions=True)
            await w.close_clients()
            rc = w.gw.proc.returncode
            new = w.gw.lines[lines0:]
            how = "io_error" if io_stops(new) else "other"
            if rc != 1 or how != "io_error":
                bad_stops.append((rnd_no, how, rc))
        stops[how] += 1
        end_round(how)
        acks_per_round.append(sum(len(x) for x in acked.values()) - n_before)
        for (k, cid), old in pre.items():
            m = acked[k].get(cid)
            if m is not None and cid not in before[k]:
                prestored_hits += 1
                if m["id"] != old:
                    changed.append((k, cid, old, m["id"]))
        if a.verbose:
            print("  round %d: %s (exit %s), %d acks" % (rnd_no, how, rc, acks_per_round[-1]))

    # the rest with no failures: everything must be acknowledged, once
    if not w.gw.running():
        w.gw.start()
    stored = await read_back(w, "final0")
    for k in clients:
        for cid, m in acked[k].items():
            s = stored.get(m["id"])
            if s is None or s.get("client_id") != cid or s.get("body") != m.get("body"):
                lost.append((k, cid, m["id"], "missing" if s is None else "changed"))
    by_cid = {(m["sender"]["id"], m.get("client_id")): m["id"] for m in stored.values()}
    before = {k: set(acked[k]) for k in clients}
    stop = asyncio.Event()
    await asyncio.gather(*(burst(k, stop) for k in clients))
    await w.close_clients()
    end_round("final")
    for k in clients:
        uid = w.ids[SENDERS[k % len(SENDERS)][0]]
        for cid, m in acked[k].items():
            if cid not in before[k] and (uid, cid) in by_cid:
                prestored_hits += 1
                if m["id"] != by_cid[(uid, cid)]:
                    changed.append((k, cid, by_cid[(uid, cid)], m["id"]))
    final = await read_back(w, "final")
    count = collections.Counter((m["sender"]["id"], m.get("client_id")) for m in final.values())
    not_once, unacked = [], 0
    for k in clients:
        uid = w.ids[SENDERS[k % len(SENDERS)][0]]
        for cid, _ in items_of(k, per):
            if count.get((uid, cid), 0) != 1:
                not_once.append((k, cid, count.get((uid, cid), 0)))
            if cid not in acked[k]:
                unacked += 1
        for cid, m in acked[k].items():
            s = final.get(m["id"])
            if s is None or s.get("client_id") != cid:
                lost.append((k, cid, m["id"], "missing at the end"))
    log = w.gw.lines
    injected = collections.Counter()
    for l in log:
        m = re.match(r"fiu-io: injected (\S+) errno=(\d+)", l)
        if m:
            injected[(m.group(1), errno.errorcode.get(int(m.group(2)), m.group(2)))] += 1
    kinds = collections.Counter()
    for l in log:
        if "event=commit_failed" in l:
            kinds["commit_failed io_error=yes" if "io_error=yes" in l
                  else "commit_failed io_error=no"] += 1
        elif "level=error" in l and "event=stopped" not in l:
            m = re.search(r"event=(\S+)", l)
            kinds[m.group(1) if m else "error"] += 1
    rc = w.gw.stop(20)
    db = sqlite3.connect(w.db)
    integrity = [r[0] for r in db.execute("PRAGMA integrity_check")]
    rows = db.execute("SELECT count(*) FROM messages").fetchone()[0]
    db.close()
    w.cleanup()
    secs = time.monotonic() - t0
    print("fiu: %.1f %% of pwrite() and fdatasync() failing, %d rounds, %d messages, "
          "%d clients, seed %d" % (a.percent, a.rounds, a.clients * per, a.clients, a.seed))
    print("  rounds by failure points on: %s" % ", ".join(
        "%s %d" % kv for kv in sorted(round_points.items())))
    print("  rounds ended by the gateway after an I/O error on commit or checkpoint (exit 1): %d; "
          "by SIGTERM with no such error (exit 0): %d; otherwise: %d"
          % (stops["io_error"], stops["sigterm"], stops["other"]))
    print("  acks per round: min %d, max %d, total %d (all %d acknowledged at the end)"
          % (min(acks_per_round or [0]), max(acks_per_round or [0]), sum(acks_per_round),
             sum(len(x) for x in acked.values())))
    for call in ("pwrite64", "fdatasync"):
        per = sorted(((e, n) for (c, e), n in injected.items() if c == call),
                     key=lambda x: -x[1])
        print("  injected %s failures: %d (%s)" % (call, sum(n for _, n in per),
                                                  ", ".join("%s %d" % x for x in per)))
    print("  what the gateway logged: %s"
          % (", ".join("%s %d" % kv for kv in sorted(kinds.items())) or "none"))
    print("  bursts ended by `unavailable` and resent: %d" % sum(refused.values()))
    print("  acknowledged messages lost: %d" % len(lost))
    for x in lost[:10]:
        print("    %s" % (x,))
    print("  stored but not acknowledged when the gateway stopped (a commit whose fdatasync "
          "failed after its frames were written, or an ack not yet delivered), resent: "
          "acked with the original id %d, with another id %d" % (prestored_hits, len(changed)))
    print("  client_ids not stored exactly once: %d; never acknowledged: %d"
          % (len(not_once), unacked))
    for x in not_once[:10]:
        print("    %s" % (x,))
    print("  rounds with a wrong exit status: %d %s" % (len(bad_stops), bad_stops[:5]))
    print("  rows: %d; integrity_check: %s; exit status after SIGTERM: %s; %.1f s"
          % (rows, ",".join(integrity[:3]), rc, secs))
    print("  client errors: %d" % len(errors))
    for x in errors[:5]:
        print("    " + x)
    ok = not lost and not changed and not not_once and not unacked and integrity == ["ok"] \
        and rc == 0 and not errors and not bad_stops and stops["io_error"] > 0 and injected
    if stops["io_error"] == 0:
        print("  problem: no round met an I/O error on a commit; raise --percent or --rounds")
    print("%s: injected I/O errors" % ("PASS" if ok else "FAIL"))
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--percent", type=float, default=2.0,
                    help="probability, in percent, of each pwrite and fdatasync failing")
    ap.add_argument("--points", choices=("mix", "both", "pwrite", "fdatasync"), default="mix",
                    help="mix (default): rounds take turns with both points, fdatasync "
                    "only and pwrite only")
    ap.add_argument("--round-secs", type=float, default=6.0,
                    help="a round without an I/O stop ends after 0.5-1 times this")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--long", action="store_true",
                    help="50 rounds, 20,000 messages, 20 clients")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    if a.long:
        a.rounds, a.messages, a.clients = 50, 20000, 20
    try:
        ok = asyncio.run(main_async(a))
    except (h.Fail, h.Closed, OSError) as e:
        print("FAIL: %s: %s" % (type(e).__name__, e))
        for w in WORLDS:
            if w.gw:
                print("gateway stderr (last lines):\n%s" % w.gw.tail(20))
            w.cleanup()
        ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
