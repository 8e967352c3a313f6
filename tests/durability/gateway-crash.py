#!/usr/bin/env python3
"""gateway-crash.py - the real gateway killed again and again during a burst.

The unmodified `indgang` binary, real TLS WebSocket clients (the harness of
tests/e2e), random SIGKILLs and restarts on the same database:

    --kill9      (default) plain kill -9: the kernel keeps the dead process's writes
    --powerloss  the gateway runs with LD_PRELOAD=libindgang-powerloss.so, so
                 each kill is a power cut: what SQLite did not fsync is gone

After every restart, before the clients go on: every message acknowledged so
far is read back through the gateway (sync by the pair advisers of both
families) with its id, client_id and body.  Then each client resends, with
the same client_id, everything it did not see acknowledged; a message that
was committed before the kill must be acknowledged with its original id.  At
the end every client_id is stored exactly once and PRAGMA integrity_check
(after a clean SIGTERM stop) is ok.

    python3 tests/durability/gateway-crash.py              # CI: 5 kills, 2,000 msgs, 10 clients
    python3 tests/durability/gateway-crash.py --powerloss
    python3 tests/durability/gateway-crash.py --fail-sync 3  # power loss + 3 % failing fsyncs
    python3 tests/durability/gateway-crash.py --control      # fsync ignored: must see a loss
    python3 tests/durability/gateway-crash.py --long [--powerloss]  # 50 kills, 20,000, 20

Environment as for tests/e2e (INDGANG_BIN, INDGANG_ADMIN, INDGANG_SRC);
INDGANG_POWERLOSS_SO names the preload library.
"""
import argparse
import asyncio
import collections
import os
import random
import sqlite3
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness as h  # noqa: E402

# (user, conversation key, kind): who each client is; client k is SENDERS[k % 9]
SENDERS = [("anna", "A", None), ("mette", "A", None), ("bo", "A", None), ("jonas", "A", None),
           ("dora", "B", None), ("amina", "B", None), ("erik", "B", None),
           ("carl", "A", "note"), ("frida", "B", "note")]


def find_preload():
    env = os.environ.get("INDGANG_POWERLOSS_SO")
    if env:
        return env
    for p in ("build/tests/durability/libindgang-powerloss.so",
              "build-durability/libindgang-powerloss.so"):
        full = os.path.join(ROOT, p)
        if os.path.exists(full):
            return full
    sys.exit("libindgang-powerloss.so not found: build tests/durability or set "
             "INDGANG_POWERLOSS_SO")


def items_of(k, per):
    return [("k%02d-%06d" % (k, i), "k%02d burst %06d" % (k, i)) for i in range(per)]


async def read_back(w, label):
    """Every message, as the pair advisers of A (anna) and B (dora) see them."""
    out = {}
    for key in ("anna", "dora"):
        c = await w.client(key, label="%s-check-%s" % (key, label))
        for m in await c.sync_all(0, 500, timeout=30):
            out[m["id"]] = m
        await c.close()
    w.clients.clear()
    return out


async def main_async(a):
    rnd = random.Random(a.seed)
    w = h.World(extra_args=["--ws-rate", "5000"])
    w.setup()
    per = a.messages // a.clients
    clients = list(range(a.clients))
    tokens = {}
    for k in clients:
        user, _, _ = SENDERS[k % len(SENDERS)]
        tokens[k] = w.token(user, device="dev%d" % k) if user in h.FAMILY_OF else w.token(user)
    for key in ("anna", "dora"):
        w.token(key)
    preload = find_preload() if a.powerloss or a.control or a.fail_sync > 0 else None
    if preload:
        # from here on the gateway runs on the power-loss VFS
        w.gw.stop()
        os.environ["LD_PRELOAD"] = preload
        os.environ["POWERLOSS_QUIET"] = "1"
        if a.control:
            os.environ["POWERLOSS_LIE"] = "1"
        if a.fail_sync > 0:
            os.environ["POWERLOSS_FAIL_SYNC"] = str(a.fail_sync)
        os.environ["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + \
            ":verify_asan_link_order=0"
        w.gw.start()
    acked = {k: {} for k in clients}  # client_id -> MSG
    lost, changed, restarts, kill_acks = [], [], 0, []
    prestored_hits = 0
    errors = []
    self_stops = []
    t0 = time.monotonic()

    async def burst(k, stop):
        user, conv, kind = SENDERS[k % len(SENDERS)]
        todo = [it for it in items_of(k, per) if it[0] not in acked[k]]
        if not todo:
            return
        try:
            c = await w.ws_connect(tokens[k], label="k%02d" % k, user_key=user)
            # after a failed fsync the batch is answered "unavailable" (not acked): the
            # client stops and sends it again once the gateway is back
            await c.send_many(w.conv[conv], todo, kind=kind, acked=acked[k], window=16,
                              timeout=30, stop_codes=("unavailable",) if a.fail_sync > 0 else ())
        except Exception as e:  # a dropped connection is expected once the kill came
            if isinstance(e, h.Closed) and e.code == 1001 and a.fail_sync > 0:
                return  # the gateway shuts itself down after a failed fsync
            if not stop.is_set() and w.gw.running():
                errors.append("k%02d: %s: %s" % (k, type(e).__name__, str(e)[:300]))

    async def restart_if_down():
        """The gateway stopped by itself (an I/O error on commit): note how, start it."""
        nonlocal restarts
        if w.gw.running():
            try:  # it may be in its shutdown grace period
                await asyncio.to_thread(w.gw.proc.wait, 10)
            except Exception:
                return
        self_stops.append(w.gw.proc.returncode)
        w.gw.start()
        restarts += 1

    async def read_back_retrying(label):
        for attempt in range(20):
            try:
                return await read_back(w, label)
            except (h.Fail, h.Closed, OSError, h.websockets.exceptions.ConnectionClosed):
                # A send can meet the gateway closing (1001) after a failed fsync
                if a.fail_sync <= 0 or attempt == 19:
                    raise
                await w.close_clients()
                await restart_if_down()  # staff reads need the access row committed

    kills = 0
    rounds = 0
    while True:
        complete = all(len(acked[k]) == per for k in clients)
        last = kills >= a.kills
        if complete:
            break
        rounds += 1
        if rounds > 10 * (a.kills + 1) + 100:
            errors.append("giving up after %d rounds" % rounds)
            break
        before = {k: set(acked[k]) for k in clients}
        pre = {}
        if rounds > 1:
            # 1. every acknowledged message survived, unchanged
            stored = await read_back_retrying(str(rounds))
            for k in clients:
                for cid, m in acked[k].items():
                    s = stored.get(m["id"])
                    if s is None or s.get("client_id") != cid or s.get("body") != m.get("body"):
                        lost.append((k, cid, m["id"], "missing" if s is None else "changed"))
            by_cid = {(m["sender"]["id"], m.get("client_id")): m["id"] for m in stored.values()}
            for k in clients:
                uid = w.ids[SENDERS[k % len(SENDERS)][0]]
                for cid, _ in items_of(k, per):
                    if cid not in acked[k] and (uid, cid) in by_cid:
                        pre[(k, cid)] = by_cid[(uid, cid)]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(burst(k, stop)) for k in clients]
        killed = False
        if not last:
            n0 = sum(len(x) for x in acked.values())
            remaining = a.clients * per - n0
            target = n0 + rnd.randint(1, max(2, 2 * remaining // (a.kills - kills + 1)))
            deadline = time.monotonic() + rnd.uniform(0.0, 0.25)
            by_time = rnd.random() < 0.3
            if a.control:  # enough acks before the cut for a loss to be visible
                by_time, target = False, n0 + 100
            while not all(t.done() for t in tasks):
                n = sum(len(x) for x in acked.values())
                if (by_time and time.monotonic() >= deadline) or (not by_time and n >= target):
                    break
                await asyncio.sleep(0.002)
            stop.set()
            if w.gw.running() and not all(t.done() for t in tasks):
                w.gw.kill9()
                killed = True
                kills += 1
                kill_acks.append(sum(len(x) for x in acked.values()) - n0)
            if a.verbose:
                print("  round %d: %s after %d acks (target %s, by_time %s)"
                      % (rounds, "killed" if killed else "not killed",
                         sum(len(x) for x in acked.values()) - n0, target, by_time))
        await asyncio.gather(*tasks, return_exceptions=True)
        await w.close_clients()
        # resends of committed-but-unacked messages must carry the original id
        for (k, cid), old in pre.items():
            m = acked[k].get(cid)
            if m is not None and cid not in before[k]:
                prestored_hits += 1
                if m["id"] != old:
                    changed.append((k, cid, old, m["id"]))
        if killed:
            w.gw.start()
            restarts += 1
        elif not w.gw.running() or (a.fail_sync > 0 and
                                    not all(len(acked[k]) == per for k in clients)):
            # it stopped, or is stopping, by itself after a failed fsync
            await restart_if_down()

    final = await read_back_retrying("final")
    count = collections.Counter((m["sender"]["id"], m.get("client_id")) for m in final.values())
    not_once = []
    for k in clients:
        uid = w.ids[SENDERS[k % len(SENDERS)][0]]
        for cid, _ in items_of(k, per):
            if count.get((uid, cid), 0) != 1:
                not_once.append((k, cid, count.get((uid, cid), 0)))
    rc = w.gw.stop(20)
    db = sqlite3.connect(w.db)
    integrity = [r[0] for r in db.execute("PRAGMA integrity_check")]
    rows = db.execute("SELECT count(*) FROM messages").fetchone()[0]
    db.close()
    w.cleanup()
    secs = time.monotonic() - t0
    label = "power loss (LD_PRELOAD)" if a.powerloss else "kill -9"
    if a.fail_sync > 0:
        label = "power loss (LD_PRELOAD), %.1f %% of fsyncs failing" % a.fail_sync
    if a.control:
        label = "control: power loss with fsync ignored"
    print("gateway-crash: %s, %d kills, %d messages, %d clients, seed %d"
          % (label, a.kills, a.clients * per, a.clients, a.seed))
    lo, hi = (min(kill_acks), max(kill_acks)) if kill_acks else ("-", "-")
    print("  kills: %d, restarts: %d (acks between restart and kill: min %s, max %s)"
          % (kills, restarts, lo, hi))
    print("  acknowledged messages lost: %d" % len(lost))
    for x in lost[:10]:
        print("    %s" % (x,))
    print("  committed before a kill, ack lost, resent: %d; answered with another id: %d"
          % (prestored_hits, len(changed)))
    print("  client_ids not stored exactly once: %d" % len(not_once))
    for x in not_once[:10]:
        print("    %s" % (x,))
    print("  rows: %d; integrity_check: %s; exit status after SIGTERM: %s; %.1f s"
          % (rows, ",".join(integrity[:3]), rc, secs))
    print("  client errors before a kill: %d" % len(errors))
    if a.fail_sync > 0:
        print("  rounds ended by the gateway itself after a failed fsync: %d (exit statuses %s;"
              " expected 1)" % (len(self_stops), sorted(set(self_stops))))
    for x in errors[:5]:
        print("    " + x)
    if a.control:
        print("CONTROL %s: with fsync ignored the test %s acknowledged messages lost"
              % ("PASS" if lost else "FAIL", "saw" if lost else "did NOT see"))
        return bool(lost)
    ok = not lost and not changed and not not_once and integrity == ["ok"] and rc == 0 and \
        not errors and all(x == 1 for x in self_stops)
    print("%s: %s" % ("PASS" if ok else "FAIL", label))
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--powerloss", action="store_true")
    ap.add_argument("--long", action="store_true")
    ap.add_argument("--fail-sync", type=float, default=0.0, metavar="PERCENT",
                    help="power loss, and this share of fsyncs fails (the gateway must stop)")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--control", action="store_true",
                    help="power loss with fsync ignored: the test must see acked messages lost")
    a = ap.parse_args()
    if a.long:
        a.kills, a.messages, a.clients = 50, 20000, 20
    ok = asyncio.run(main_async(a))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
