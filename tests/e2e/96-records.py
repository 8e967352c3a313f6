"""96 records: a family's case closed, filed, held and its content deleted (issue 16).  The
pair closes the case over HTTP; the family's next message gets `case_closed`, and so does the
adviser's; the record says closed, and who may see and change it is checked (the team sees
it, a member and another team do not, only an administrator holds).  The clock is moved by
moving the closing back in the database, as a year passing would: the phones are signed out
(their WebSocket closes), a legal hold keeps every message, lifting it lets the retention
rules delete the family's content in batches, leaving a tombstone in its log and the access
log, and the text is gone from the database file and its WAL themselves, not only from
queries.  The other family's messages stay."""
import asyncio
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SECRET = "Hemmelig-besked-7Q4Z-om-gaelden"  # a body to look for in the files
OTHER = "Amina-skriver-K2P9"


def iso_now():
    import datetime
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)


def db_rows(w, sql, args=()):
    db = sqlite3.connect(w.db, timeout=10)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def db_exec(w, sql, args=()):
    db = sqlite3.connect(w.db, timeout=10)
    try:
        db.execute(sql, args)
        db.commit()
    finally:
        db.close()


def in_files(w, needle):
    """The files (database, WAL) whose bytes hold needle."""
    found = []
    for path in (w.db, w.db + "-wal"):
        if os.path.exists(path):
            with open(path, "rb") as f:
                if needle.encode() in f.read():
                    found.append(os.path.basename(path))
    return found


def record(w, key, fam="A", method="GET", what="record", body=None):
    return w.http(method, "/api/families/%d/%s" % (w.fam[fam], what), body,
                  token=w.token(key))


async def wait_for(what, cond, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        await asyncio.sleep(0.2)
    h.fail("%s within %.0f s" % (what, timeout))


async def test_close_and_delete(w):
    mette, anna = await w.client("mette"), await w.client("anna")
    amina = await w.client("amina")
    for i in range(40):
        await mette.send_msg(w.conv["A"], "%s nr %d" % (SECRET, i))
    await anna.send_msg(w.conv["A"], "Intern: " + SECRET, kind="note")
    await amina.send_msg(w.conv["B"], OTHER)
    await anna.request({"type": "history", "conv": w.conv["A"]})  # an access row

    st, _, b = record(w, "mette", what="close", method="POST", body={})
    h.eq(st, 403, "a family member cannot close its case (%r)" % (b,))
    st, _, b = record(w, "dora", what="close", method="POST", body={})
    h.eq(st, 404, "another team's adviser does not even find it")
    st, _, b = record(w, "anna", what="close", method="POST",
                      body={"reason": "Forløbet er afsluttet efter planen"})
    h.eq(st, 200, "the pair closes the case (%r)" % (b,))
    h.eq(b.get("state"), "closed", "the record says closed")
    h.check(h.is_ts(b.get("closed_at")), "closed_at a time", "RFC 3339", b.get("closed_at"))
    h.eq(b["retention"]["next"], "phones", "the phones are next")
    st, _, b = record(w, "anna", what="close", method="POST", body={})
    h.eq(st, 409, "closing a closed case: conflict")

    frame = await mette.try_send(w.conv["A"], "Er der nogen?")
    h.eq(h.error_code(frame), "case_closed", "the family hears its case is closed")
    frame = await anna.try_send(w.conv["A"], "Hej Mette")
    h.eq(h.error_code(frame), "case_closed", "the adviser too")
    await amina.send_msg(w.conv["B"], "Den anden familie skriver stadig")

    st, _, b = record(w, "carl")
    h.eq(st, 200, "the team sees the record")
    st, _, b = record(w, "admin")
    h.eq(st, 200, "an administrator sees the record")
    st, _, b = record(w, "mette")
    h.eq(st, 403, "a member does not")
    st, _, b = record(w, "anna", what="hold", method="PUT", body={"reason": "klage"})
    h.eq(st, 403, "the pair cannot set a legal hold")
    st, _, b = record(w, "admin", what="hold", method="PUT", body={})
    h.eq(st, 400, "a hold without a reason")
    st, _, b = record(w, "admin", what="hold", method="PUT",
                      body={"reason": "Klage til Ankestyrelsen"})
    h.eq(st, 200, "an administrator sets a legal hold (%r)" % (b,))
    h.eq(b["hold"]["reason"], "Klage til Ankestyrelsen", "the hold's reason")
    st, _, b = record(w, "bo", what="filed", method="PUT", body={"upto": iso_now()})
    h.eq(st, 403, "the secondary adviser is not the coordinator")
    st, _, b = record(w, "anna", what="filed", method="PUT", body={"upto": iso_now()})
    h.eq(st, 200, "the coordinator confirms the export filed (%r)" % (b,))

    # a year and a half passes
    db_exec(w, "UPDATE case_records SET closed_at = closed_at - ?, next_at = 1",
            (550 * 86400 * 1000,))
    await wait_for("the phones of the closed case are signed out",
                   lambda: db_rows(w, "SELECT count(*) FROM tokens t JOIN users u ON u.id = "
                                   "t.user_id WHERE u.family_id = ? AND t.revoked_at IS NULL",
                                   (w.fam["A"],))[0][0] == 0)
    code = await mette.wait_close(timeout=10)
    h.eq(code, 4403, "the member's open app is closed")
    await asyncio.sleep(2)
    n = db_rows(w, "SELECT count(*) FROM messages WHERE family_id = ?", (w.fam["A"],))[0][0]
    h.check(n >= 41, "under the hold nothing is deleted", ">= 41 messages", n)
    st, _, b = record(w, "admin")
    h.eq(b["retention"]["blocked"], "hold", "the record says the hold keeps it")

    st, _, b = record(w, "admin", what="hold", method="DELETE",
                      body={"reason": "Sagen er afgjort"})
    h.eq(st, 200, "the hold lifted (%r)" % (b,))
    await wait_for("the family's messages deleted",
                   lambda: db_rows(w, "SELECT count(*) FROM messages WHERE family_id = ?",
                                   (w.fam["A"],))[0][0] == 0)
    h.eq(db_rows(w, "SELECT count(*) FROM messages WHERE family_id = ? AND body = ?",
                 (w.fam["B"], OTHER))[0][0], 1, "the other family's message stays")
    await wait_for("the text gone from the database file and its WAL",
                   lambda: not in_files(w, SECRET), timeout=30)
    h.check(in_files(w, OTHER), "the other family's text is still in the file",
            "found", in_files(w, OTHER))
    h.eq(db_rows(w, "PRAGMA auto_vacuum")[0][0], 2, "a new database is made to give space back")
    await wait_for("the freed pages given back to the file system",
                   lambda: db_rows(w, "PRAGMA freelist_count")[0][0] == 0)

    st, _, b = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=w.token("anna"))
    h.eq(st, 200, "the family's log")
    rows = b.get("entries") if isinstance(b, dict) else None
    h.check(isinstance(rows, list), "log entries", "a list", b)
    tomb = [r for r in rows if r.get("kind") == "deleted"]
    h.check(len(tomb) == 1 and "step=content" in tomb[0].get("detail", "")
            and "texts=40" in tomb[0]["detail"] and "notes=1" in tomb[0]["detail"],
            "one tombstone says what went and how many", "step=content texts=40 notes=1",
            tomb)
    h.check(SECRET not in str(rows), "the log holds no content", "no body", SECRET)
    h.check(any(r.get("kind") == "access" for r in rows), "the access log stays",
            "access rows", [r.get("kind") for r in rows])
    st, _, b = record(w, "carl")
    h.check(b["retention"]["steps"]["content"]["deleted_upto"] is not None,
            "the record says how far the content went", "a time", b["retention"])


def admin(w, *args):
    import subprocess
    return subprocess.run([h.ADMIN, "--db", w.db] + list(args), capture_output=True, text=True,
                          timeout=30)


async def test_cli_hold(w):
    r = admin(w, "hold", "--family", str(w.fam["B"]), "Sag ved Ombudsmanden")
    h.eq(r.returncode, 0, "indgang-admin hold (stderr %s)" % r.stderr)
    h.check("Ombudsmanden" in r.stdout, "it shows the hold", "the reason", r.stdout)
    st, _, b = record(w, "dora", fam="B")
    h.eq((b.get("hold") or {}).get("reason"), "Sag ved Ombudsmanden",
         "the running gateway's record has it")
    r = admin(w, "release", "--family", str(w.fam["B"]), "")
    h.eq(r.returncode, 2, "release without a reason: bad usage")
    r = admin(w, "release", "--family", str(w.fam["B"]), "Afgjort")
    h.eq(r.returncode, 0, "indgang-admin release (stderr %s)" % r.stderr)
    r = admin(w, "release", "--family", str(w.fam["B"]), "Igen")
    h.check(r.returncode == 1 and "no legal hold" in r.stderr, "nothing to release",
            "exit 1", (r.returncode, r.stderr))
    r = admin(w, "--json", "record", "--family", str(w.fam["B"]))
    h.eq(r.returncode, 0, "record --json")
    import json
    h.eq(json.loads(r.stdout)["state"], "open", "family B's case is open")
    st, _, log = w.http("GET", "/api/families/%d/log" % w.fam["B"], token=w.token("dora"))
    kinds = [e["kind"] for e in log["entries"]]
    h.check("hold" in kinds and "hold_lifted" in kinds, "both are in the family's log",
            "hold, hold_lifted", kinds)


ERASE = "Amina-vil-have-slettet-R8T3"


async def test_erasure_request(w):
    amina, dora = await w.client("amina"), await w.client("dora")
    await amina.send_msg(w.conv["B"], ERASE)
    await dora.send_msg(w.conv["B"], "Dora svarer")
    body = {"member": w.ids["amina"], "kind": "erasure", "received_at": iso_now(),
            "note": "Amina bad i telefonen om at få sine beskeder slettet"}
    st, _, b = w.http("POST", "/api/families/%d/requests" % w.fam["B"], body,
                      token=w.token("amina"))
    h.eq(st, 403, "a member does not record requests herself")
    st, _, b = w.http("POST", "/api/families/%d/requests" % w.fam["B"], body,
                      token=w.token("anna"))
    h.eq(st, 404, "another team's adviser does not find the family")
    st, _, b = w.http("POST", "/api/families/%d/requests" % w.fam["B"],
                      dict(body, member=w.ids["mette"]), token=w.token("dora"))
    h.eq(st, 400, "a member of another family")
    st, _, req = w.http("POST", "/api/families/%d/requests" % w.fam["B"], body,
                        token=w.token("dora"))
    h.eq(st, 201, "the pair records the request (%r)" % (req,))
    h.check(req["decision"] is None and req["kind"] == "erasure", "recorded, not answered",
            "decision null", req)
    answer = {"decision": "granted", "answer": "Beskederne findes i journalen og slettes her."}
    st, _, b = w.http("PUT", "/api/requests/%d" % req["id"], answer, token=w.token("dora"))
    h.eq(st, 409, "no erasure before the case file has the export (%r)" % (b,))
    st, _, b = w.http("PUT", "/api/families/%d/filed" % w.fam["B"], {"upto": iso_now()},
                      token=w.token("dora"))
    h.eq(st, 200, "the coordinator confirms the export filed")
    st, _, b = w.http("PUT", "/api/requests/%d" % req["id"], answer, token=w.token("dora"))
    h.eq(st, 200, "answered (%r)" % (b,))
    h.check(b["erasure"] and h.is_ts(b["erasure"]["upto"]), "an erasure up to the export",
            "erasure.upto", b)
    await wait_for("Amina's message erased",
                   lambda: db_rows(w, "SELECT count(*) FROM messages WHERE body = ?",
                                   (ERASE,))[0][0] == 0)
    h.eq(db_rows(w, "SELECT count(*) FROM messages WHERE body = 'Dora svarer'")[0][0], 1,
         "the adviser's message stays")
    await wait_for("her text gone from the files", lambda: not in_files(w, ERASE), timeout=30)
    st, _, b = w.http("GET", "/api/families/%d/requests" % w.fam["B"], token=w.token("erik"))
    h.eq(st, 200, "the pair's partner lists the requests")
    h.check(b["requests"][0]["erasure"]["done_at"] is not None
            and b["requests"][0]["erasure"]["texts"] >= 1, "carried out, with how many",
            "done_at", b["requests"][0])
    st, _, b = w.http("PUT", "/api/requests/%d" % req["id"], answer, token=w.token("dora"))
    h.eq(st, 409, "answered once")

    body = dict(body, kind="restriction", note="Amina klager og vil have data bevaret")
    st, _, req = w.http("POST", "/api/families/%d/requests" % w.fam["B"], body,
                        token=w.token("dora"))
    st, _, b = w.http("PUT", "/api/requests/%d" % req["id"],
                      {"decision": "granted", "answer": "Data bevares, mens klagen behandles."},
                      token=w.token("dora"))
    h.eq(st, 200, "a restriction granted")
    st, _, rec = record(w, "dora", fam="B")
    h.check(rec["hold"] and "art. 18" in rec["hold"]["reason"], "it is a legal hold",
            "hold", rec["hold"])


if __name__ == "__main__":
    h.run([test_close_and_delete, test_cli_hold, test_erasure_request])
