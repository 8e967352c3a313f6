"""06 notes: internal notes reach the pair and the team, never a family member."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def is_id(mid):
    return lambda f: f.get("type") == "message" and f["message"].get("id") == mid


def no_note(msgs, where, note_ids):
    bad = [m for m in msgs if m.get("kind") == "note" or m.get("id") in note_ids]
    h.check(not bad, "%s shows internal notes to a family member" % where, "no notes", bad)


async def test_note_routing(w):
    mette = await w.client("mette")
    jonas = await w.client("jonas")
    anna = await w.client("anna")
    bo = await w.client("bo")
    carl = await w.client("carl")
    # Mette reads everything so far, then anna writes a note
    t = await anna.send_msg(w.conv["A"], "Hvordan går det med Jonas' skole?")
    await mette.recv_until("message", 5, pred=is_id(t["id"]))
    r = await mette.request({"type": "read", "conv": w.conv["A"], "upto": t["id"]})
    h.eq(r.get("type"), "receipt", "Mette's read reply")
    n = await anna.send_msg(w.conv["A"], "Intern: mor virker presset, tal med skolen",
                            kind="note")
    h.check_msg(n, w, "note ack", conv=w.conv["A"], family=w.fam["A"], sender="anna", kind="note")
    w.note_ids = {n["id"]}
    for c in (bo, carl):
        f = await c.recv_until("message", 5, pred=is_id(n["id"]))
        h.eq(f["message"], n, "%s receives anna's note" % c.label)
    for c in (mette, jonas):
        await c.expect_no_frame(0.6, pred=lambda f: f.get("type") == "message"
                                and (f["message"].get("kind") == "note"
                                     or f["message"].get("id") == n["id"]),
                                what="family member received an internal note")


async def test_note_invisible_to_family(w):
    anna = await w.client("anna")
    n = await anna.send_msg(w.conv["A"], "Intern: underretning overvejes", kind="note")
    notes = getattr(w, "note_ids", set()) | {n["id"]}
    for key in ("mette", "jonas"):
        c = await w.client(key)
        no_note(await c.sync_all(0), "sync as %s" % key, notes)
        r = await c.request({"type": "history", "conv": w.conv["A"], "limit": 500})
        h.eq(r.get("type"), "messages", "history as %s" % key)
        no_note(r.get("messages", []), "history as %s" % key, notes)
        r = await c.request({"type": "history", "conv": w.conv["A"], "before": n["id"] + 1,
                             "limit": 5})
        no_note(r.get("messages", []), "history before=note+1 as %s" % key, notes)
        st, _, b = w.http("GET", "/api/conversations/%d/messages?limit=500" % w.conv["A"],
                          token=w.token(key))
        h.eq(st, 200, "GET /api/conversations/A/messages as %s" % key)
        no_note(b.get("messages", []), "HTTP messages as %s" % key, notes)
        wl = c.welcome
        h.check(wl.get("last_id", 0) < n["id"], "%s's welcome.last_id counts a note" % key,
                "< %d (the note)" % n["id"], wl.get("last_id"))
        cv = h.conv_of(wl, w.conv["A"])
        h.check(cv is not None and cv.get("last_id", 0) < n["id"],
                "%s's welcome CONV.last_id counts a note" % key, "< %d" % n["id"], cv)
        st, _, me = w.http("GET", "/api/me", token=w.token(key))
        cv2 = h.conv_of(me, w.conv["A"])
        h.check(cv2 is not None and cv2.get("last_id", 0) < n["id"],
                "/api/me CONV.last_id for %s counts a note" % key, "< %d" % n["id"], cv2)
    # Mette read up to the last text in test_note_routing; notes since must not be unread
    c = await w.client("mette", label="mette-again")
    cv = h.conv_of(c.welcome, w.conv["A"])
    h.eq(cv.get("unread"), 0, "Mette's unread after she read all texts and only notes followed")
    # staff do see them
    carl = await w.client("carl")
    got = {m["id"] for m in await carl.sync_all(0)}
    h.check(notes <= got, "carl (team) sees the notes in sync", sorted(notes), sorted(got)[-10:])


async def test_note_permissions(w):
    mette = await w.client("mette")
    carl = await w.client("carl")
    anna = await w.client("anna")
    amina = await w.client("amina")
    dora = await w.client("dora")
    r = await mette.try_send(w.conv["A"], "Jeg prøver en note", kind="note")
    h.eq(h.error_code(r), "forbidden", "Mette (family) sends kind=note")
    r = await carl.try_send(w.conv["A"], "Carl skriver til familien")
    h.eq(h.error_code(r), "forbidden", "carl (team, not pair) sends kind=text")
    r = await carl.try_send(w.conv["A"], "Carl skriver til familien", kind="text")
    h.eq(h.error_code(r), "forbidden", "carl (team) sends explicit kind=text")
    n = await carl.send_msg(w.conv["A"], "Sundhedsplejen: alt fint ved sidste besøg", kind="note")
    h.check_msg(n, w, "carl's note", sender="carl", kind="note")
    await anna.recv_until("message", 5, pred=is_id(n["id"]))
    await mette.expect_no_frame(0.4, type="message", what="family got carl's note or text")
    r = await amina.try_send(w.conv["A"], "Forkert familie")
    h.check(h.error_code(r) in ("forbidden", "not_found"),
            "Amina (family B) sends into family A's conversation", "forbidden/not_found", r)
    r = await dora.try_send(w.conv["A"], "Forkert team", kind="note")
    h.check(h.error_code(r) in ("forbidden", "not_found"),
            "dora (Team Vest) sends a note into family A", "forbidden/not_found", r)
    r = await dora.try_send(w.conv["A"], "Forkert team")
    h.check(h.error_code(r) in ("forbidden", "not_found"),
            "dora (Team Vest) sends text into family A", "forbidden/not_found", r)
    r = await anna.try_send(999999, "Findes ikke")
    h.check(h.error_code(r) in ("not_found", "forbidden"), "send to a conversation that does "
            "not exist", "not_found", r)
    await anna.expect_no_frame(0.3, type="message", what="a refused send was delivered")


h.run([test_note_routing, test_note_invisible_to_family, test_note_permissions])
