"""09 receipts: read positions are stored, shared with who may see them, and counted."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def is_id(mid):
    return lambda f: f.get("type") == "message" and f["message"].get("id") == mid


def check_receipt(f, w, conv, key, upto, what):
    h.eq(f.get("type"), "receipt", what + ": frame type")
    h.eq(f.get("conv"), conv, what + ": receipt.conv")
    h.check_user(f.get("user"), key, what + ": receipt.user", w)
    h.eq(f.get("upto"), upto, what + ": receipt.upto")
    h.check(h.is_ts(f.get("at")), what + ": receipt.at RFC 3339 ms", "timestamp", f.get("at"))


async def test_receipt_fanout(w):
    mette = await w.client("mette", "phone")
    tablet = await w.client("mette", "tablet")
    jonas = await w.client("jonas")
    anna = await w.client("anna")
    anna2 = await w.ws_connect(w.token("anna"), "anna#2", "anna")
    bo = await w.client("bo")
    carl = await w.client("carl")
    dora = await w.client("dora")
    amina = await w.client("amina")
    m1 = await mette.send_msg(w.conv["A"], "Er der nyt om bostøtten?")
    await anna.recv_until("message", 5, pred=is_id(m1["id"]))
    ref = "read-1"
    await anna.send_frame({"type": "read", "conv": w.conv["A"], "upto": m1["id"], "ref": ref})
    r = await anna.recv_until("receipt", 5, ref=ref)
    check_receipt(r, w, w.conv["A"], "anna", m1["id"], "receipt to the caller (with ref)")
    for c in (anna2, bo, carl, mette, tablet, jonas):
        f = await c.recv_until("receipt", 5, pred=lambda f: f["user"].get("id") == w.ids["anna"])
        check_receipt(f, w, w.conv["A"], "anna", m1["id"], "%s gets anna's receipt" % c.label)
    for c in (dora, amina):
        await c.expect_no_frame(0.4, what="family B side got a receipt of family A")
    # a family member's receipt reaches the advisers and the team
    await mette.request({"type": "read", "conv": w.conv["A"], "upto": m1["id"]})
    for c in (anna, anna2, bo, carl, jonas, tablet):
        f = await c.recv_until("receipt", 5, pred=lambda f: f["user"].get("id") == w.ids["mette"])
        check_receipt(f, w, w.conv["A"], "mette", m1["id"], "%s gets Mette's receipt" % c.label)
    await dora.expect_no_frame(0.2, what="Team Vest got Mette's receipt")


async def test_lower_upto_keeps_stored(w):
    mette = await w.client("mette")
    anna = await w.client("anna")
    ms = [await mette.send_msg(w.conv["A"], "besked %d" % i) for i in range(3)]
    r = await anna.request({"type": "read", "conv": w.conv["A"], "upto": ms[2]["id"]})
    h.eq(r.get("upto"), ms[2]["id"], "read upto newest: stored value")
    r = await anna.request({"type": "read", "conv": w.conv["A"], "upto": ms[0]["id"]})
    h.eq(r.get("type"), "receipt", "read with a lower upto: reply type")
    h.eq(r.get("upto"), ms[2]["id"], "read with a lower upto: the reply carries the stored value")


async def test_welcome_counts(w):
    mette = await w.client("mette")
    anna = await w.client("anna")
    ms = [await mette.send_msg(w.conv["A"], "ulæst %d" % i) for i in range(4)]
    r = await anna.request({"type": "read", "conv": w.conv["A"], "upto": ms[1]["id"]})
    h.eq(r.get("upto"), ms[1]["id"], "anna reads up to the 2nd of 4 new messages")
    await w.close_clients()
    anna = await w.client("anna", label="anna-reconnected")
    cv = h.conv_of(anna.welcome, w.conv["A"])
    h.eq(cv.get("read_upto"), ms[1]["id"], "welcome CONV.read_upto after reconnect")
    h.eq(cv.get("unread"), 2, "welcome CONV.unread after reading 2 of 4 new messages from Mette")
    h.eq(cv.get("last_id"), ms[3]["id"], "welcome CONV.last_id")
    st, _, me = w.http("GET", "/api/me", token=w.token("anna"))
    cv = h.conv_of(me, w.conv["A"])
    h.eq((cv.get("read_upto"), cv.get("unread")), (ms[1]["id"], 2), "/api/me CONV (read_upto, "
         "unread)")
    await anna.request({"type": "read", "conv": w.conv["A"], "upto": ms[3]["id"]})
    await w.close_clients()
    w.gw.restart()
    anna = await w.client("anna", label="anna-after-restart")
    cv = h.conv_of(anna.welcome, w.conv["A"])
    h.eq((cv.get("read_upto"), cv.get("unread")), (ms[3]["id"], 0),
         "welcome CONV (read_upto, unread) after a gateway restart")


async def test_read_refused(w):
    amina = await w.client("amina")
    r = await amina.request({"type": "read", "conv": w.conv["A"], "upto": 1})
    h.check(h.error_code(r) in ("forbidden", "not_found"), "Amina marks family A's conversation "
            "read", "forbidden/not_found", r)
    r = await amina.request({"type": "read", "conv": w.conv["B"], "upto": "1"})
    h.eq(h.error_code(r), "bad_request", "read with upto as a string")


h.run([test_receipt_fanout, test_lower_upto_keeps_stored, test_welcome_counts, test_read_refused])
