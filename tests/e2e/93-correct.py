"""93 correct: a message sent by mistake, corrected or withdrawn by its author (issue 15).  The
`correct` frame changes the text and `withdraw` takes it back; everyone who sees the message
gets a `changed` frame with MSG as it is now (`edited_at`, `withdrawn`), and so do history and
sync; a note's change never reaches the family.  Someone else's message is refused (and
logged), a second change after a withdrawal is a conflict; the contact log has each change,
and the text before it stays in the database for the case file."""
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def is_changed(mid):
    return lambda f: f.get("type") == "changed" and f["message"]["id"] == mid


async def test_correct_and_withdraw(w):
    conv = w.conv["A"]
    anna, bo, mette = await w.client("anna"), await w.client("bo"), await w.client("mette")
    dora = await w.client("dora")
    m = await anna.send_msg(conv, "Mødet er tirsdag kl. 10")
    r = await anna.request({"type": "correct", "id": m["id"], "body": "  Mødet er onsdag kl. 10 "})
    h.eq(r["type"], "changed", "the author's reply")
    h.eq((r["message"]["body"], r["message"]["id"]), ("Mødet er onsdag kl. 10", m["id"]),
         "the corrected text, trimmed, the same message")
    h.check(h.is_ts(r["message"].get("edited_at")), "MSG.edited_at", "a time", r["message"])
    for c in (bo, mette):
        f = await c.recv_until(pred=is_changed(m["id"]))
        h.eq(f["message"]["body"], "Mødet er onsdag kl. 10", "%s sees the correction" % c.label)
    await dora.expect_no_frame(0.3, type="changed", what="another team heard")
    hist = await mette.request({"type": "history", "conv": conv, "limit": 5})
    got = next(x for x in hist["messages"] if x["id"] == m["id"])
    h.eq(got["body"], "Mødet er onsdag kl. 10", "history has the corrected text")

    r = await mette.request({"type": "correct", "id": m["id"], "body": "hacked"})
    h.eq((r["type"], r.get("code")), ("error", "forbidden"), "someone else's message")
    r = await dora.request({"type": "withdraw", "id": m["id"]})
    h.eq((r["type"], r.get("code")), ("error", "not_found"), "another team's adviser")
    r = await anna.request({"type": "correct", "id": m["id"], "body": "   "})
    h.eq((r["type"], r.get("code")), ("error", "bad_request"), "an empty correction")

    r = await anna.request({"type": "withdraw", "id": m["id"]})
    h.eq((r["message"]["withdrawn"], r["message"]["body"]), (True, "Beskeden er trukket tilbage."),
         "withdrawn: so it says, to a client that knows no 'withdrawn' too")
    f = await mette.recv_until(pred=is_changed(m["id"]))
    h.eq(f["message"]["withdrawn"], True, "Mette sees it withdrawn")
    r = await anna.request({"type": "withdraw", "id": m["id"]})
    h.eq((r["type"], r.get("code")), ("error", "conflict"), "withdrawn once only")
    r = await anna.request({"type": "correct", "id": m["id"], "body": "igen"})
    h.eq((r["type"], r.get("code")), ("error", "conflict"), "no correction after a withdrawal")

    note = await bo.send_msg(conv, "Intern: ring tirsdag", kind="note")
    await mette.drain()
    r = await bo.request({"type": "correct", "id": note["id"], "body": "Intern: ring onsdag"})
    h.eq(r["message"]["body"], "Intern: ring onsdag", "a note corrected")
    await anna.recv_until(pred=is_changed(note["id"]))
    await mette.expect_no_frame(0.3, type="changed", what="a note's correction reached the family")

    st, _, log = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=w.token("bo"))
    kinds = [(e["kind"], e["message"]) for e in log["entries"] if e["kind"] in ("edited", "withdrawn")]
    h.eq(kinds, [("edited", m["id"]), ("withdrawn", m["id"]), ("edited", note["id"])],
         "each change in the contact log")
    db = sqlite3.connect("file:%s?mode=ro" % w.db, uri=True)
    try:
        kept = [r[0] for r in db.execute(
            "SELECT body FROM message_versions WHERE message_id = ? ORDER BY id", (m["id"],))]
    finally:
        db.close()
    h.eq(kept, ["Mødet er tirsdag kl. 10", "Mødet er onsdag kl. 10"],
         "every text it had is kept, in order")


async def test_family_log(w):
    """The family's own log (scope=family): no staff sign-ins; kind= narrows it; message rows
    carry the message's text for the staff reading it."""
    conv = w.conv["A"]
    anna = await w.client("anna")
    m = await anna.send_msg(conv, "Husk lægebesøget")
    await anna.send_msg(conv, "Intern: følg op", kind="note")
    path = "/api/families/%d/log" % w.fam["A"]
    st, _, all_ = w.http("GET", path, token=w.token("bo"))
    h.check(any(e["kind"] == "login" for e in all_["entries"]),
            "the whole log (the contract's default) has the staff's sign-ins", "login rows",
            [e["kind"] for e in all_["entries"]])
    st, _, fam = w.http("GET", path + "?scope=family", token=w.token("bo"))
    h.eq(st, 200, "scope=family")
    kinds = {e["kind"] for e in fam["entries"]}
    h.check("login" not in kinds and "message" in kinds, "scope=family: the family's events only",
            "no login", sorted(kinds))
    st, _, msgs = w.http("GET", path + "?scope=family&kind=message,note", token=w.token("carl"))
    h.eq({e["kind"] for e in msgs["entries"]}, {"message", "note"}, "kind= narrows it")
    row = next(e for e in msgs["entries"] if e["message"] == m["id"])
    h.eq(row["text"], "Husk lægebesøget", "a message row carries its text for the staff")
    h.check(any(e.get("text") == "Intern: følg op" for e in msgs["entries"]),
            "a note row too, for the team", "the note's text", msgs["entries"][-3:])
    for bad in ("?scope=everything", "?kind=message,DROP", "?kind=" + "a" * 200):
        st, _, _ = w.http("GET", path + bad, token=w.token("bo"))
        h.eq(st, 400, "refused: " + bad[:30])


h.run([test_correct_and_withdraw, test_family_log])
