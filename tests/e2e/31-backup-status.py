"""31 backup, verify, status: indgang-admin backup takes a consistent copy during a burst of
sends (every message acked before it started is in it, and it is a prefix of the commit
order), verify checks it (and notices a damaged one), the gateway runs on the restored copy,
and status shows the database and the live counters."""
import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

PER = 250


def admin(*args, db=None, timeout=60):
    argv = [h.ADMIN] + (["--db", db] if db else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def stored(db):
    """{(sender id, client_id): message id} of a database file."""
    with sqlite3.connect("file:%s?mode=ro" % db, uri=True) as c:
        return {(s, k): i for i, s, k in c.execute("SELECT id, sender_id, client_id FROM messages")}


async def test_backup_during_burst(w):
    backup = os.path.join(w.tmp, "backup.db")
    senders = ["mette", "anna"]
    cs = [await w.client(k, label="%s-burst" % k) for k in senders]
    acked = {k: {} for k in senders}
    moments = {}

    async def burst(c, key):
        items = [("%s-bk-%03d" % (key, i), "%s %d" % (key, i)) for i in range(PER)]
        await c.send_many(w.conv["A"], items, acked=acked[key])

    async def take_backup():
        t0 = time.monotonic()
        while sum(len(a) for a in acked.values()) < 150:
            h.check(time.monotonic() - t0 < 20, "burst too slow", ">= 150 acks in 20 s", acked)
            await asyncio.sleep(0.005)
        moments["before"] = {(w.ids[k], cid) for k in senders for cid in acked[k]}
        r = await asyncio.to_thread(admin, "--json", "backup", backup, db=w.db)
        moments["result"] = r

    await asyncio.gather(*(burst(c, k) for c, k in zip(cs, senders)), take_backup())
    r = moments["result"]
    h.eq(r.returncode, 0, "indgang-admin backup during the burst: exit status (%s)" % r.stderr)
    out = json.loads(r.stdout)
    h.eq(out["backup"], backup, "backup: the file it wrote")
    h.check(out["verify"]["ok"] is True and out["verify"]["schema_version"] == h.SCHEMA_VERSION,
            "backup: verified right after it was taken", "ok, schema %d" % h.SCHEMA_VERSION,
            out["verify"])
    h.check(not os.path.exists(backup + "-wal") and not os.path.exists(backup + ".tmp"),
            "the backup is one self-contained file", "no -wal, no .tmp", os.listdir(w.tmp))
    b, live = stored(backup), stored(w.db)
    missing = moments["before"] - set(b)
    h.check(not missing, "every message acked before the backup started is in it",
            "none missing", sorted(missing)[:10])
    h.check(len(b) < len(live), "the burst went on during the backup (a meaningful test)",
            "backup < live", (len(b), len(live)))
    top = max(b.values())
    h.eq(sorted(i for i in live.values() if i <= top), sorted(b.values()),
         "the backup is the database as of one commit (a prefix of the ids)")
    print("    note: %d messages acked before the backup, %d in it, %d at the end"
          % (len(moments["before"]), len(b), len(live)))
    w.backup_ids = b


async def test_verify_and_damage(w):
    backup = os.path.join(w.tmp, "backup.db")
    r = admin("verify", backup)
    h.eq(r.returncode, 0, "verify of the backup: exit status (%s)" % r.stderr)
    h.check(r.stdout.startswith("OK"), "verify says OK", "OK...", r.stdout)
    r = admin("--json", "verify", db=w.db)
    h.eq(r.returncode, 0, "verify of the live database while the gateway runs (%s)" % r.stderr)
    h.eq(json.loads(r.stdout)["ok"], True, "verify --json ok")
    damaged = os.path.join(w.tmp, "damaged.db")
    shutil.copy(backup, damaged)
    size = os.path.getsize(damaged)
    with open(damaged, "r+b") as f:  # scribble over every page but the first
        for off in range(4096, size, 4096):
            f.seek(off + 100)
            f.write(b"\xde\xad\xbe\xef" * 64)
    r = admin("verify", damaged)
    h.eq(r.returncode, 1, "verify of a damaged copy fails (%s%s)" % (r.stdout, r.stderr))
    r = admin("backup", backup, db=w.db)
    h.eq(r.returncode, 1, "backup never overwrites an existing file")
    h.check("exists" in r.stderr, "and says why", "exists", r.stderr)


async def test_restore(w):
    backup = os.path.join(w.tmp, "backup.db")
    w.gw.stop(10)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(w.db + suffix):
            os.unlink(w.db + suffix)
    shutil.copy(backup, w.db)
    w.gw.start()
    anna = await w.client("anna", label="anna-restored")
    got = await anna.sync_all(0)
    h.eq(sorted(m["id"] for m in got), sorted(w.backup_ids.values()),
         "after the restore the gateway serves exactly the backup's messages")
    m = await anna.send_msg(w.conv["A"], "efter gendannelsen")
    h.check(m["id"] > max(w.backup_ids.values()), "and takes new messages", "a new id", m)


async def test_status(w):
    url = "https://127.0.0.1:%d" % w.port
    r = admin("status", "--url", url, db=w.db)
    h.eq(r.returncode, 0, "status with the gateway running: exit status (%s)" % r.stderr)
    for word in ("schema version  %d" % h.SCHEMA_VERSION, "connections", "messages", "commits", "certificate"):
        h.check(word in r.stdout, "status shows %r" % word, word, r.stdout)
    r = admin("--json", "status", "--url", url, db=w.db)
    out = json.loads(r.stdout)
    h.eq(out["gateway"]["running"], True, "status --json: gateway running")
    h.check(out["gateway"]["metrics"].get("indgang_messages_stored_total", 0) >= 1,
            "status --json carries the metrics", ">= 1 stored", out["gateway"])
    h.check(out["database"]["counts"]["messages"] >= 1, "status --json counts messages",
            ">= 1", out["database"])
    r = admin("status", "--url", "https://127.0.0.1:%d" % h.free_port(), db=w.db)
    h.eq(r.returncode, 3, "status when no gateway answers: exit status 3 (%s)" % r.stdout)
    h.check("not running" in r.stdout, "and says so", "not running", r.stdout)


async def test_status_from_config(w):
    conf = os.path.join(w.tmp, "admin.conf")
    with open(conf, "w") as f:
        f.write("db = %s\nlisten = 127.0.0.1:%d\n" % (w.db, w.port))
    r = admin("--config", conf, "--json", "status")
    h.eq(r.returncode, 0, "status with db and listen from --config (%s)" % r.stderr)
    h.eq(json.loads(r.stdout)["gateway"]["url"], "https://127.0.0.1:%d/metrics" % w.port,
         "status asks the gateway at the config's listen address")
    r = admin("--config", conf, "list", "teams")
    h.eq(r.returncode, 0, "an everyday command takes db from --config (%s)" % r.stderr)


h.run([test_backup_during_burst, test_verify_and_damage, test_restore, test_status,
       test_status_from_config], per_test_timeout=45)
