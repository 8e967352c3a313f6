"""51 receipts: only a real move is stored and told, and a family never learns of a note
through a read position or a receipt."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def receipt_by(w, key):
    return lambda f: (f.get("user") or {}).get("id") == w.ids[key]


async def test_repeated_read_is_quiet(w):
    mette = await w.client("mette")
    anna = await w.client("anna")
    bo = await w.client("bo")
    m = await mette.send_msg(w.conv["A"], "Hej, kan vi mødes?")
    await bo.recv_until("message", 5)
    await anna.request({"type": "read", "conv": w.conv["A"], "upto": m["id"]})
    await bo.recv_until("receipt", 5, pred=receipt_by(w, "anna"))
    for _ in range(200):
        r = await anna.request({"type": "read", "conv": w.conv["A"], "upto": m["id"]})
        h.eq(r.get("upto"), m["id"], "a repeated read still answers the stored position")
    await bo.expect_no_frame(0.5, type="receipt", what="a read that moved nothing was fanned out")
    st, _, b = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=w.token("bo"))
    rows = [e for e in b["entries"] if e.get("kind") == "receipt"
            and e["actor"]["id"] == w.ids["anna"] and e.get("message") == m["id"]]
    h.eq(len(rows), 1, "contact-log rows for 201 reads of the same position")


async def test_note_reads_do_not_reach_the_family(w):
    mette = await w.client("mette")
    anna = await w.client("anna")
    carl = await w.client("carl")
    m1 = await mette.send_msg(w.conv["A"], "Tak for i går")
    for reader in (anna, carl):
        await reader.request({"type": "read", "conv": w.conv["A"], "upto": m1["id"]})
        await mette.recv_until("receipt", 5, pred=receipt_by(w, reader.user_key))
    note = await carl.send_msg(w.conv["A"], "Intern: tjek boligstøtten", kind="note")
    await anna.recv_until("message", 5, pred=lambda f: f["message"]["id"] == note["id"])
    for reader in (carl, anna):
        r = await reader.request({"type": "read", "conv": w.conv["A"], "upto": note["id"]})
        h.eq(r.get("upto"), note["id"], "%s's own receipt shows the note read" % reader.label)
    await mette.expect_no_frame(0.6, type="receipt",
                                what="the family got a receipt for reading a note")
    await w.close_clients()
    mette = await w.client("mette", label="mette-again")
    conv = h.conv_of(mette.welcome, w.conv["A"])
    for r in conv.get("reads", []):
        h.check(r.get("upto", 0) < note["id"], "the family's welcome shows %s's position "
                "below the note" % r["user"]["name"], "< %d" % note["id"], r)
    st, _, me = w.http("GET", "/api/me", token=w.token("mette"))
    for r in h.conv_of(me, w.conv["A"]).get("reads", []):
        h.check(r.get("upto", 0) < note["id"], "/api/me for the family: positions below the note",
                "< %d" % note["id"], r)
    # staff still see the real position
    st, _, me = w.http("GET", "/api/me", token=w.token("bo"))
    anna_pos = [r for r in h.conv_of(me, w.conv["A"])["reads"] if r["user"]["id"] == w.ids["anna"]]
    h.eq(anna_pos[0]["upto"], note["id"], "staff see the pair's real position")
    # a later text moves the family's view again
    anna = await w.client("anna", label="anna-again")
    m2 = await mette.send_msg(w.conv["A"], "Hvornår ses vi?")
    await anna.request({"type": "read", "conv": w.conv["A"], "upto": m2["id"]})
    f = await mette.recv_until("receipt", 5, pred=receipt_by(w, "anna"))
    h.eq(f.get("upto"), m2["id"], "the family's receipt after a new text")


if __name__ == "__main__":
    h.run([test_repeated_read_is_quiet, test_note_reads_do_not_reach_the_family])
