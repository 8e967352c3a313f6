#!/usr/bin/env python3
"""diskfull.py - the database's file system fills up, then gets room again.

The real gateway with its database on a small tmpfs of its own (8 MiB):

  1. three clients send and every message is acknowledged;
  2. odd rounds: the WAL is checkpointed and truncated, a filler file takes
     every free byte, so no commit can find room.  Every send must be
     answered with an `error` frame of code `unavailable` (never an ack),
     HTTP writes (a sign-in creates a session token) answer 503
     `unavailable`, /healthz 503, and the gateway keeps running (a full
     disk is not a failed fsync); stopped with SIGTERM it exits 0, and it
     starts again on the full disk and goes on refusing.  Even rounds: the filler leaves 1 MiB and
     the clients' messages (3,900 characters each) fill it until each has
     been refused 5 times; here a small write may still fit in the space the
     WAL holds, so a sign-in may succeed (its token must then work);
  3. the filler is deleted: without any help the refused messages, resent
     with the same client_ids, are acknowledged, sign-in answers 200, and a
     checkpoint(TRUNCATE) completes beside the gateway (the WAL is not stuck);
  4. every acknowledged message is read back (same id, client_id, body), each
     client_id is stored once, SIGTERM gives exit 0 with the WAL
     checkpointed and truncated to 0 bytes, and PRAGMA integrity_check
     says ok.

Mounting needs root (CAP_SYS_ADMIN).  The test re-executes itself in a
private mount namespace (`unshare -m`) so the tmpfs disappears with it.
Without the right to mount it FAILS and says so: it never passes without
having filled a disk.  --dir DIR uses an existing, small, otherwise empty
file system instead (for a developer without root).

    python3 tests/faults/diskfull.py [--size-mib 8] [--rounds 2] [--dir DIR]

Environment as for tests/e2e (INDGANG_BIN, INDGANG_ADMIN, INDGANG_SRC).
"""
import argparse
import asyncio
import collections
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness as h  # noqa: E402

SENDERS = [("anna", "A"), ("mette", "A"), ("dora", "B")]
PER_PHASE = 20


def enter_private_namespace(script=__file__):
    """Re-run script (this one by default) in a private mount namespace, once."""
    if os.environ.get("INDGANG_FAULTS_NS") == "1" or os.geteuid() != 0:
        return
    if not shutil.which("unshare"):
        return
    if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        return
    env = dict(os.environ, INDGANG_FAULTS_NS="1")
    os.execvpe("unshare", ["unshare", "-m", "--propagation", "private", sys.executable,
                           os.path.abspath(script)] + sys.argv[1:], env)


def mount_tmpfs(size_mib):
    d = tempfile.mkdtemp(prefix="indgang-full-")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm,mode=0700" % size_mib,
                        "indgang-full", d], capture_output=True, text=True)
    if r.returncode != 0:
        os.rmdir(d)
        print("FAIL: cannot mount a %d MiB tmpfs (needs root or CAP_SYS_ADMIN): %s\n"
              "      this test only passes after it has really filled a file system; "
              "run it as root, or give --dir a small empty file system"
              % (size_mib, (r.stderr or r.stdout).strip()))
        sys.exit(1)
    return d


def free_bytes(d):
    st = os.statvfs(d)
    return st.f_bavail * st.f_frsize


def fill(d, leave=0, name="filler"):
    """A filler file taking every free byte but `leave`; returns (path, bytes written)."""
    path = os.path.join(d, name)
    n = 0
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        if leave:
            want = max(0, free_bytes(d) - leave)
            while n < want:
                n += f.write(chunk[:min(65536, want - n)])
            return path, n
        for size in (65536, 4096, 512, 1):
            while True:
                try:
                    n += f.write(chunk[:size])
                except OSError:
                    break
    return path, n


def truncate_wal(db):
    """Checkpoint and truncate the WAL so that no commit can reuse its space."""
    c = sqlite3.connect(db, timeout=10)
    try:
        for _ in range(50):
            busy, _, _ = c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy == 0:
                return True
            time.sleep(0.1)
        return False
    finally:
        c.close()


def items(k, phase, n, size=1500):
    return [("k%d-%s-%03d" % (k, phase, i), ("k%d %s %03d " % (k, phase, i)).ljust(size, "x"))
            for i in range(n)]


async def send_each(c, conv, todo, answers, until_refused=0):
    """One send at a time; answers[client_id] = the reply frame.  With
    until_refused=N it stops after the N-th `unavailable`."""
    refused = 0
    for cid, body in todo:
        r = await c.request({"type": "send", "conv": conv, "client_id": cid, "body": body},
                            timeout=30)
        answers[cid] = r
        if h.error_code(r) == "unavailable":
            refused += 1
            if until_refused and refused >= until_refused:
                return


async def read_back(w):
    out = {}
    for key in ("anna", "dora"):
        c = await w.client(key, label="%s-check" % key)
        for m in await c.sync_all(0, 500, timeout=30):
            out[m["id"]] = m
        await c.close()
    w.clients.clear()
    return out


async def main_async(a, mnt):
    t0 = time.monotonic()
    w = h.World(extra_args=["--ws-rate", "5000"])
    w.db = os.path.join(mnt, "indgang.db")  # only the database (and its WAL) on the small fs
    w.setup()
    problems = []
    figures = collections.OrderedDict()
    acked = {}  # client_id -> MSG
    bodies = {}
    clients = {}
    try:
        for k, (user, _) in enumerate(SENDERS):
            clients[k] = await w.ws_connect(w.token(user), label="k%d" % k, user_key=user)
        for key in ("anna", "dora", "bo"):
            w.token(key)

        async def phase(name, n, until_refused=0, size=1500):
            answers = {}
            todo = {k: items(k, name, n, size) for k in clients}
            await asyncio.gather(*(send_each(clients[k], w.conv[SENDERS[k][1]], todo[k],
                                             answers, until_refused) for k in clients))
            for k in todo:  # what was sent: the bodies of the answered client_ids
                bodies.update((cid, b) for cid, b in todo[k] if cid in answers)
            return answers

        def tally(answers, what):
            n_ack = n_unavail = 0
            for cid, r in answers.items():
                if r.get("type") == "ack":
                    n_ack += 1
                    acked[cid] = r["message"]
                elif h.error_code(r) == "unavailable":
                    n_unavail += 1
                    if not isinstance(r.get("message"), str) or not r.get("ref"):
                        problems.append("%s: error frame without message/ref: %s" % (what, r))
                else:
                    problems.append("%s: %s answered %s" % (what, cid, h.short(r, 200)))
            return n_ack, n_unavail

        # 1. room on the disk
        base = await phase("base", PER_PHASE)
        n_ack, n_un = tally(base, "before the disk filled")
        figures["before full: sends acked / refused"] = "%d / %d" % (n_ack, n_un)
        if n_ack != len(base):
            problems.append("with room on the disk %d of %d sends were acked"
                            % (n_ack, len(base)))

        for rnd in range(1, a.rounds + 1):
            # 2. full: odd rounds all at once (WAL truncated, every byte taken), even
            # rounds by the messages themselves (1 MiB left, a burst until refused)
            sudden = rnd % 2 == 1
            if sudden and not truncate_wal(w.db):
                problems.append("round %d: could not truncate the WAL (busy)" % rnd)
            filler, nfill = fill(mnt, 0 if sudden else 1 << 20)
            figures["round %d (%s): filler bytes, free after" % (
                rnd, "sudden" if sudden else "filled by messages")] = \
                "%d, %d" % (nfill, free_bytes(mnt))
            if sudden:
                full = await phase("full%d" % rnd, PER_PHASE // 2)
            else:
                full = await phase("full%d" % rnd, 2000, until_refused=5, size=3900)
            f_ack, f_un = tally(full, "disk full")
            figures["round %d, disk full: sends refused `unavailable` / acked" % rnd] = \
                "%d / %d" % (f_un, f_ack)
            if f_un == 0:
                problems.append("round %d: the disk was full and no send was refused" % rnd)
            st, _, body = await w.ahttp("POST", "/api/login",
                                        {"username": "bo", "password": h.PASSWORDS["bo"]})
            code = body.get("error", {}).get("code") if isinstance(body, dict) else None
            figures["round %d, disk full: POST /api/login" % rnd] = "%d %s" % (st, code or "")
            # when the disk filled by itself, a small write may still fit in the space
            # the WAL already holds: then 200 is the truth (the token must work)
            if st == 200 and not sudden:
                st_me, _, _ = await w.ahttp("GET", "/api/me", token=body.get("token"))
                if st_me != 200:
                    problems.append("round %d: login on a full disk answered 200, and its "
                                    "token got %d" % (rnd, st_me))
            elif st != 503 or code != "unavailable":
                problems.append("round %d: login on a full disk answered %d %s (expected 503 "
                                "unavailable)" % (rnd, st, h.short(body, 200)))
            st_h, _, _ = await w.ahttp("GET", "/healthz")
            figures["round %d, disk full: GET /healthz" % rnd] = st_h
            if st_h != 503 and (sudden or st_h != 200):
                problems.append("round %d: /healthz on a full disk answered %d" % (rnd, st_h))
            # it keeps running and keeps answering while full
            await asyncio.sleep(2)
            more = await phase("full%db" % rnd, 3)
            m_ack, m_un = tally(more, "still full")
            if not w.gw.running():
                problems.append("round %d: the gateway stopped on a full disk (exit status %s)"
                                % (rnd, w.gw.proc.returncode))
                break
            restarted = {}
            if sudden:
                # a restart while the disk is full: a clean stop, and it comes up again
                await w.close_clients()
                rc_full = await asyncio.to_thread(w.gw.stop, 30)
                filler2, _ = fill(mnt, 0, "filler2")  # what the stop's checkpoint freed
                try:
                    w.gw.start()
                    for k, (user, _) in enumerate(SENDERS):
                        clients[k] = await w.ws_connect(w.token(user), label="k%d" % k,
                                                        user_key=user)
                    restarted = await phase("full%dr" % rnd, 2)
                    x_ack, x_un = tally(restarted, "restarted on a full disk")
                    how = "exit %s, started, sends refused %d / acked %d" % (
                        rc_full, x_un, x_ack)
                    if rc_full != 0 or x_un == 0:
                        problems.append("round %d: restart on a full disk: %s" % (rnd, how))
                except h.Fail as e:
                    how = "exit %s, then: %s" % (rc_full, e)
                    problems.append("round %d: restart on a full disk: %s" % (rnd, how))
                figures["round %d, disk full: SIGTERM and restart" % rnd] = how
                os.unlink(filler2)
                if not w.gw.running():
                    break
            # 3. room again: the refused sends, resent with the same client_ids, are acked
            os.unlink(filler)
            t_free = time.monotonic()
            refused = [(cid, bodies[cid]) for cid in list(full) + list(more) + list(restarted)
                       if cid not in acked]
            by_client = collections.defaultdict(list)
            for cid, body in refused:
                by_client[int(cid[1:cid.index("-")])].append((cid, body))
            retry = {}
            await asyncio.gather(*(send_each(clients[k], w.conv[SENDERS[k][1]], by_client[k],
                                             retry) for k in by_client))
            r_ack, r_un = tally(retry, "after room returned")
            figures["round %d, room again: resent / acked / refused" % rnd] = \
                "%d / %d / %d (first answer %.2f s after the filler was deleted)" % (
                    len(refused), r_ack, r_un, time.monotonic() - t_free)
            if r_un or r_ack != len(refused):
                problems.append("round %d: after room returned %d of %d resends were acked"
                                % (rnd, r_ack, len(refused)))
            after = await phase("after%d" % rnd, 5)
            tally(after, "after room returned")
            st, _, body = await w.ahttp("POST", "/api/login",
                                        {"username": "bo", "password": h.PASSWORDS["bo"]})
            st_h, _, _ = await w.ahttp("GET", "/healthz")
            figures["round %d, room again: login / healthz" % rnd] = "%d / %d" % (st, st_h)
            if st != 200 or st_h != 200:
                problems.append("round %d: after room returned login %d, healthz %d"
                                % (rnd, st, st_h))
            # the WAL is not wedged: a full checkpoint completes beside the running gateway
            ok = truncate_wal(w.db)
            figures["round %d, room again: WAL checkpoint(TRUNCATE) beside the gateway" % rnd] \
                = "done" if ok else "busy"
            if not ok:
                problems.append("round %d: the WAL could not be checkpointed after the disk "
                                "had room again" % rnd)

        # 4. nothing acknowledged is missing, nothing twice
        await w.close_clients()
        stored = await read_back(w)
        lost = [cid for cid, m in acked.items()
                if stored.get(m["id"], {}).get("client_id") != cid
                or stored[m["id"]].get("body") != bodies[cid]]
        count = collections.Counter(m.get("client_id") for m in stored.values())
        dup = [cid for cid in bodies if count.get(cid, 0) > 1]
        unacked_stored = [cid for cid in bodies if cid not in acked and count.get(cid, 0)]
        figures["acknowledged / lost / stored twice"] = "%d / %d / %d" % (
            len(acked), len(lost), len(dup))
        figures["never acknowledged but stored"] = len(unacked_stored)
        if lost or dup:
            problems.append("lost %s; twice %s" % (lost[:5], dup[:5]))
        if len(acked) != len(bodies):
            problems.append("%d of %d messages were never acknowledged" %
                            (len(bodies) - len(acked), len(bodies)))
    except (h.Fail, h.Closed, OSError) as e:
        problems.append("%s: %s" % (type(e).__name__, e))
    finally:
        await w.close_clients()
    log = "\n".join(w.gw.lines)
    rc = w.gw.stop(20)
    sizes = ["%s %s" % (sfx, os.path.getsize(w.db + sfx) if os.path.exists(w.db + sfx)
                        else "absent") for sfx in ("-wal", "-shm")]
    figures["after the clean stop: bytes of"] = ", ".join(sizes)
    if os.path.exists(w.db + "-wal") and os.path.getsize(w.db + "-wal") != 0:
        problems.append("the WAL was not checkpointed away at the clean stop: %s" % sizes)
    db = sqlite3.connect(w.db)
    integrity = [r[0] for r in db.execute("PRAGMA integrity_check")]
    db.close()
    figures["commit_failed log lines (io_error=no / action=shutdown)"] = "%d (%d / %d)" % (
        log.count("commit_failed"), log.count("io_error=no"), log.count("action=shutdown"))
    # one line per 10 s of refusing (with the count since the last), not one per batch
    refused = sum(int(n) for n in re.findall(r"event=(?:commit|begin)_failed .*?refused=(\d+)", log))
    refused += sum(int(n) for n in re.findall(r"event=writes_resumed .*?refused_unlogged=(\d+)", log))
    lines = len(re.findall(r"event=(?:commit|begin)_failed", log))
    figures["batches refused / log lines about them"] = "%d / %d" % (refused, lines)
    if lines > 2 * a.rounds:
        problems.append("%d log lines for %d refused batches in %d rounds: the journal floods"
                        % (lines, refused, a.rounds))
    if "action=shutdown" in log:
        problems.append("a full disk was treated as a failed fsync (action=shutdown)")
    if log.count("commit_failed") == 0:
        problems.append("no commit_failed line in the gateway's log")
    figures["exit status after SIGTERM"] = rc
    figures["integrity_check"] = ",".join(integrity[:3])
    if rc != 0:
        problems.append("exit status after SIGTERM: %s" % rc)
    if integrity != ["ok"]:
        problems.append("integrity_check: %s" % integrity[:3])
    w.cleanup()
    print("diskfull: database on a %d MiB tmpfs, %d clients, %d round(s), %.1f s"
          % (a.size_mib, len(SENDERS), a.rounds, time.monotonic() - t0))
    for k, v in figures.items():
        print("  %s: %s" % (k, v))
    for p in problems:
        print("  problem: %s" % p)
    if problems:
        print("gateway stderr (last lines):\n%s" % w.gw.tail(20))
    print("%s: disk full" % ("FAIL" if problems else "PASS"))
    return not problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--dir", help="an existing small, empty file system to fill (no mount)")
    a = ap.parse_args()
    if a.dir:
        mnt = a.dir
        if free_bytes(mnt) > 256 << 20:
            print("FAIL: --dir %s has %d MiB free; give it a small file system (at most "
                  "256 MiB), it is filled to the last byte" % (mnt, free_bytes(mnt) >> 20))
            sys.exit(1)
    else:
        enter_private_namespace()
        mnt = mount_tmpfs(a.size_mib)
    try:
        ok = asyncio.run(main_async(a, mnt))
    finally:
        if not a.dir:
            subprocess.run(["umount", "-l", mnt], capture_output=True)
            os.rmdir(mnt)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
