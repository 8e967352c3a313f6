#!/usr/bin/env python3
"""powerloss.py - random power cuts during a burst of sends; nothing acked may be lost.

Drives indgang-powerloss (powerloss.c: the real hub and writer thread on the
power-loss VFS of powerloss_vfs.c, fed through session_input() like the
gateway's sessions) and kills it with SIGKILL at random moments, then starts
it again on the same files.  Because the VFS keeps every unsynced write in
the dead process's memory, each kill is a power cut: whatever SQLite did not
fsync is gone.  After every restart, before anything else runs:

  - every message acknowledged so far must be stored, with the same id and
    body (LOST lines: must be 0);
  - every client resends what it did not see acknowledged, with the same
    client_id; a message that was committed before the cut but whose ack
    was lost must be acknowledged with its original id (DIFF lines: must
    be 0), never stored a second time.

At the end: every client_id stored exactly once (rows == messages),
PRAGMA integrity_check ok.

    python3 tests/durability/powerloss.py               # CI: 10 kills, 4,000 messages, 20 clients
    python3 tests/durability/powerloss.py --long        # 50 kills, 20,000 messages, 20 clients
    python3 tests/durability/powerloss.py --fail-sync 3 # and 3 % of fsyncs fail (fsyncgate)
    python3 tests/durability/powerloss.py --control     # lying fsync: must LOSE acked messages
    python3 tests/durability/powerloss.py --no-shim     # plain kill -9 of the same driver

Exit status 0 when every check holds (for --control: when the loss is seen).
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def find_driver():
    env = os.environ.get("INDGANG_POWERLOSS")
    if env:
        return env
    for p in ("build/tests/durability/indgang-powerloss", "build-durability/indgang-powerloss",
              "build-asan/tests/durability/indgang-powerloss"):
        full = os.path.join(ROOT, p)
        if os.access(full, os.X_OK):
            return full
    sys.exit("indgang-powerloss not found: build it (tests/durability/run.sh) or set "
             "INDGANG_POWERLOSS")


class Round:
    """One life of the driver: feed it the state, read its lines, maybe kill it."""

    def __init__(self, driver, db, acked, todo, extra):
        self.p = subprocess.Popen([driver, "--db", db] + extra, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  bufsize=1)
        self.lines = []
        self.err = []
        threading.Thread(target=self._stderr, daemon=True).start()
        feed = "".join("A %d %s %d\n" % (c, cid, i) for (c, cid), i in acked.items())
        feed += "".join("S %d %s\n" % (c, cid) for c, cid in todo)
        threading.Thread(target=self._feed, args=(feed,), daemon=True).start()

    def _feed(self, feed):
        try:
            self.p.stdin.write(feed)
            self.p.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    def _stderr(self):
        for line in self.p.stderr:
            self.err.append(line.rstrip())

    def kill(self):
        try:
            self.p.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--messages", type=int, default=4000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--long", action="store_true", help="50 kills, 20,000 messages, 20 clients")
    ap.add_argument("--control", action="store_true",
                    help="the VFS ignores fsync: the test must see acked messages lost")
    ap.add_argument("--no-shim", action="store_true", help="plain kill -9, the real VFS")
    ap.add_argument("--fail-sync", type=float, default=0.0, metavar="PERCENT",
                    help="also fail this share of fsyncs (dropping the unsynced writes)")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if a.long:
        a.kills, a.messages, a.clients = 50, 20000, 20
    if a.control:
        a.kills = min(a.kills, 2)
    seed = a.seed if a.seed is not None else int(time.time())
    rnd = random.Random(seed)
    driver = find_driver()
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    tmp = tempfile.mkdtemp(prefix="indgang-powerloss-", dir=base)
    db = os.path.join(tmp, "indgang.db")
    extra = ["--lie"] if a.control else (["--no-shim"] if a.no_shim else [])
    if a.fail_sync > 0:
        extra += ["--fail-sync", str(a.fail_sync)]
    label = "control (fsync ignored)" if a.control else ("plain kill -9" if a.no_shim
                                                         else "power loss")
    if a.fail_sync > 0:
        label += " + %.1f %% of fsyncs failing" % a.fail_sync
    print("powerloss: %s, %d kills, %d messages, %d clients, seed %d, driver %s"
          % (label, a.kills, a.messages, a.clients, seed, driver))
    t0 = time.monotonic()

    r = subprocess.run([driver, "--db", db, "--init"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("init failed: %s" % r.stderr)
    per = a.messages // a.clients
    items = [(c, "k%02d-%06d" % (c, i)) for i in range(per) for c in range(a.clients)]
    acked = {}  # (client, client_id) -> id
    lost, diffs, prestored, errors, checked = [], [], 0, 0, 0
    io_stops, failed_syncs = 0, 0
    kills_done = 0
    acks_at_kill = []
    rounds = 0
    while True:
        rounds += 1
        todo = [it for it in items if it not in acked]
        last = kills_done >= a.kills or not todo
        rd = Round(driver, db, acked, todo, extra)
        # when to cut the power: after some time (even at start-up), or else after some
        # acks (a round can end before the time comes: the gateway got faster)
        by_time = rnd.random() < 0.35
        expect_per_round = max(1, len(todo) // max(1, a.kills - kills_done + 1))
        kill_after_acks = rnd.randint(1, 2 * expect_per_round)
        kill_at = time.monotonic() + rnd.uniform(0.0, 0.15)
        new_acks = 0
        killed = False
        while True:
            if not last and by_time and time.monotonic() >= kill_at and not killed:
                rd.kill()
                killed = True
            line = rd.p.stdout.readline()
            if not line:
                break
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "ACK":
                key = (int(parts[1]), parts[2])
                acked[key] = int(parts[3])
                new_acks += 1
                if not last and new_acks >= kill_after_acks and not killed:
                    rd.kill()
                    killed = True
            elif parts[0] == "LOST":
                lost.append(line.strip())
            elif parts[0] == "DIFF":
                diffs.append(line.strip())
            elif parts[0] == "PRESTORED":
                prestored += int(parts[1])
            elif parts[0] == "ERROR":
                errors += 1
            elif parts[0] == "FAILED":
                io_stops += 1
                failed_syncs += int(parts[2].split("=")[1])
            elif parts[0] == "VERIFY":
                checked += int(parts[1].split("=")[1])
        rc = rd.p.wait()
        if killed:
            kills_done += 1
            acks_at_kill.append(new_acks)
        elif rc == 5:
            if io_stops > 20 * (a.kills + 1) + 200:
                print("driver keeps failing on I/O errors; giving up")
                sys.exit(1)
            continue  # stopped itself after an I/O error, as the gateway does: restart
        elif rc != 0:
            print("driver exited with %d:\n  %s" % (rc, "\n  ".join(rd.err[-10:])))
            sys.exit(1)
        if last and not killed:
            break
        if a.control and lost:
            break

    # final check: every message, exactly once, integrity
    fin = Round(driver, db, acked, [], ["--check"])
    out = fin.p.stdout.read().split("\n")
    fin.p.wait()
    rows, integrity = None, []
    for line in out:
        parts = line.split(" ", 1)
        if parts[0] == "LOST":
            lost.append(line)
        elif parts[0] == "ROWS":
            rows = int(parts[1])
        elif parts[0] == "INTEGRITY":
            integrity.append(parts[1])
    secs = time.monotonic() - t0
    stored_ok = rows == len(items)
    print("  kills: %d (acks before each: min %s, max %s)" % (
        kills_done, min(acks_at_kill) if acks_at_kill else "-",
        max(acks_at_kill) if acks_at_kill else "-"))
    print("  messages acknowledged: %d of %d; acknowledged-message checks after restarts: %d"
          % (len(acked), len(items), checked))
    print("  acknowledged messages lost: %d" % len(lost))
    for l in lost[:10]:
        print("    " + l)
    print("  committed before a cut, ack lost, resend answered with the original: %d"
          % prestored)
    print("  resends answered with another id (duplicates): %d" % len(diffs))
    for d in diffs[:10]:
        print("    " + d)
    print("  rows stored: %s (expected %d: every client_id exactly once)" % (rows, len(items)))
    print("  integrity_check: %s" % ", ".join(integrity[:3]))
    print("  sends refused and sent again: %d; rounds: %d; %.1f s" % (errors, rounds, secs))
    if a.fail_sync > 0:
        print("  stops after an I/O error on commit: %d (failed fsyncs %d), each followed by a "
              "restart and the checks above" % (io_stops, failed_syncs))
    if not a.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print("  kept %s" % tmp)
    if a.control:
        ok = len(lost) > 0
        print("CONTROL %s: with fsync ignored the test %s acknowledged messages lost"
              % ("PASS" if ok else "FAIL", "saw" if ok else "did NOT see"))
        sys.exit(0 if ok else 1)
    if kills_done < a.kills:
        print("  note: every message was acknowledged after %d of the %d planned kills"
              % (kills_done, a.kills))
    ok = not lost and not diffs and stored_ok and integrity == ["ok"] and \
        (kills_done > 0 or a.kills == 0)
    print("%s: %s" % ("PASS" if ok else "FAIL", label))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
