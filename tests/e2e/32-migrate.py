"""32 migrate: the gateway starts on a database of every released schema version
(tests/unit/fixtures/schema-N.sql), copies an older one aside before it migrates it,
serves its history afterwards, and refuses a database of a newer schema untouched.
indgang-admin copies an older database aside the same way before it opens it."""
import glob
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

FIXTURES = os.path.join(h.SRC, "tests", "unit", "fixtures")
CURRENT = h.SCHEMA_VERSION  # STORE_SCHEMA_VERSION of this build


def versions():
    out = sorted(int(os.path.basename(p)[7:-4]) for p in glob.glob(os.path.join(FIXTURES, "schema-*.sql")))
    h.eq(out, list(range(1, CURRENT + 1)), "a fixture for every released schema version")
    return out


def load(path, version):
    with open(os.path.join(FIXTURES, "schema-%d.sql" % version), encoding="utf-8") as f:
        sql = f.read()
    con = sqlite3.connect(path)
    con.executescript(sql)
    con.close()


def q(path, sql):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def gateway(w, db):
    return h.Gateway(w.tmp, db, os.path.join(w.tmp, "server.pem"),
                     os.path.join(w.tmp, "server-key.pem"), h.free_port())


async def test_every_release_upgrades(w):
    for v in versions():
        db = os.path.join(w.tmp, "release-%d.db" % v)
        load(db, v)
        before = q(db, "SELECT id, sender_id, body FROM messages ORDER BY id")
        g = gateway(w, db)
        g.start()
        try:
            backups = glob.glob(db + ".schema-*.bak")
            logged = [l for l in g.lines if "event=backup_before_upgrade" in l]
            if v < CURRENT:
                h.eq(len(backups), 1, "schema %d: one backup made before the upgrade" % v)
                h.check(os.path.basename(backups[0]).startswith("release-%d.db.schema-%d." % (v, v)),
                        "the backup is named after the old schema", "...schema-%d.TS.bak" % v,
                        backups[0])
                h.eq(q(backups[0], "PRAGMA user_version")[0][0], v,
                     "schema %d: the backup is the old database" % v)
                h.eq(q(backups[0], "SELECT id, sender_id, body FROM messages ORDER BY id"), before,
                     "schema %d: the backup has every message" % v)
                h.check(len(logged) == 1 and backups[0] in logged[0],
                        "the backup is logged", "event=backup_before_upgrade backup=...", g.lines)
            else:
                h.eq((backups, logged), ([], []), "the current schema: no backup")
            h.eq(q(db, "PRAGMA user_version")[0][0], CURRENT, "schema %d: migrated" % v)
            h.eq(q(db, "SELECT id, sender_id, body FROM messages ORDER BY id"), before,
                 "schema %d: every message kept" % v)
            w.port, w.gw_other = g.port, g  # talk to this gateway with the World's helpers
            w._tokens.clear()
            st, _, _ = w.http("GET", "/healthz")
            h.eq(st, 200, "schema %d: /healthz after the upgrade (writes the new table)" % v)
            anna = await w.client("anna", label="anna-v%d" % v)
            got = await anna.sync_all(0)
            hansen = [r[0] for r in q(db, "SELECT m.id FROM messages m JOIN families f ON "
                                          "f.id = m.family_id WHERE f.name = 'Familien Hansen' "
                                          "ORDER BY m.id")]
            h.check(len(hansen) >= 5, "the fixture has Familien Hansen's messages", ">= 5", hansen)
            h.eq(sorted(m["id"] for m in got), hansen,
                 "schema %d: anna sees her families' whole history after the upgrade" % v)
            m = await anna.send_msg(got[0]["conv"], "efter opgraderingen")
            h.check(m["id"] > before[-1][0], "schema %d: new messages after the old" % v,
                    "> %d" % before[-1][0], m["id"])
            await anna.close()
            r = subprocess.run([h.ADMIN, "verify", db], capture_output=True, text=True, timeout=30)
            h.eq(r.returncode, 0, "schema %d: verify after the upgrade (%s)" % (v, r.stdout))
        finally:
            h.eq(g.stop(10), 0, "schema %d: clean stop" % v)
    w.port = w.gw.port
    w._tokens.clear()


async def test_newer_schema_refused(w):
    db = os.path.join(w.tmp, "newer.db")
    load(db, CURRENT)
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = %d" % (CURRENT + 7))
    con.close()
    r = subprocess.run([h.BIN, "--db", db, "--listen", "127.0.0.1:%d" % h.free_port(), "--cert",
                        os.path.join(w.tmp, "server.pem"), "--key",
                        os.path.join(w.tmp, "server-key.pem")],
                       capture_output=True, text=True, timeout=20)
    h.eq(r.returncode, 1, "a database of a newer schema stops the start")
    h.check("event=upgrade_refused" in r.stderr and "newer" in r.stderr,
            "and the log says why", "upgrade_refused ... newer", r.stderr)
    h.eq(q(db, "PRAGMA user_version")[0][0], CURRENT + 7, "the newer database is left alone")
    h.eq(glob.glob(db + ".schema-*"), [], "and not copied")


async def test_admin_backs_up_before_migrating(w):
    db = os.path.join(w.tmp, "admin-old.db")
    load(db, 1)
    r = subprocess.run([h.ADMIN, "--db", db, "list", "teams"], capture_output=True, text=True,
                       timeout=30)
    h.eq(r.returncode, 0, "indgang-admin on a schema 1 database (%s)" % r.stderr)
    h.check("before upgrading it to schema %d" % CURRENT in r.stderr, "it says it copied it first",
            "copied ... before upgrading", r.stderr)
    h.eq(len(glob.glob(db + ".schema-1.*.bak")), 1, "the copy is there")
    r = subprocess.run([h.ADMIN, "--db", db, "verify"], capture_output=True, text=True, timeout=30)
    h.eq(r.returncode, 0, "verify does not migrate and passes (%s)" % r.stdout)


h.run([test_every_release_upgrades, test_newer_schema_refused,
       test_admin_backs_up_before_migrating], per_test_timeout=45)
