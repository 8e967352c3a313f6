"""60 delivery state: the staff see how far their message reached a family member: delivered
to a named phone (its client confirmed it), notified (a push service took the notification),
read; live as `delivery` frames and in CONV.deliveries of a welcome (issue 12)."""
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pushsvc  # noqa: E402


def of(conv, key, w):
    return lambda f: f["conv"] == conv and f["user"]["id"] == w.ids[key]


async def test_delivered_to_a_named_phone(w):
    bo = await w.client("bo")
    anna = await w.client("anna")
    mette = await w.client("mette")
    m = await anna.send_msg(w.conv["A"], "Har du fået brevet?")
    await mette.recv_until("message")
    r = await mette.request({"type": "delivered", "conv": w.conv["A"], "upto": m["id"]})
    h.eq((r["type"], r["delivered"]["upto"]), ("delivery", m["id"]), "the phone confirms")
    f = await bo.recv_until("delivery", pred=of(w.conv["A"], "mette", w))
    h.eq((f["delivered"]["upto"], f["delivered"]["device"], f["notified"]),
         (m["id"], "Mette Hansen phone", None), "staff see it reached Mette's phone")
    h.check(h.is_ts(f["delivered"]["at"]), "with the time", "a time", f["delivered"])
    await mette.send_frame({"type": "delivered", "conv": w.conv["A"], "upto": m["id"]})
    await bo.expect_no_frame(0.4, type="delivery", what="the same position again tells nobody")
    note = await anna.send_msg(w.conv["A"], "Intern: hun ringer nok", kind="note")
    r = await mette.request({"type": "delivered", "conv": w.conv["A"], "upto": note["id"] + 99})
    h.eq(r["delivered"]["upto"], m["id"], "clamped to the last message she may see")


async def test_refusals_and_staff(w):
    amina = await w.client("amina")
    r = await amina.request({"type": "delivered", "conv": w.conv["A"], "upto": 1})
    h.eq(h.error_code(r), "not_found", "another family's conversation")
    bad = await amina.request({"type": "delivered", "conv": w.conv["B"], "upto": -1})
    h.eq(h.error_code(bad), "bad_request", "a negative position")
    bo = await w.client("bo")
    anna = await w.client("anna")
    r = await anna.request({"type": "delivered", "conv": w.conv["A"], "upto": 1})
    h.eq(r["type"], "delivery", "staff confirm too")
    await bo.expect_no_frame(0.4, type="delivery", pred=of(w.conv["A"], "anna", w),
                             what="a staff member's own delivery is not announced")


async def test_notified_when_away(w):
    svc = pushsvc.PushService(w)
    try:
        pushsvc.configure(w)
        st, _, _ = w.http("PUT", "/api/families/%d/quiet-hours" % w.fam["A"],
                          {"from": "00:00", "to": "00:00"}, token=w.token("anna"))
        h.eq(st, 200, "quiet hours off")
        s = svc.subscribe()
        st, _, _ = w.http("POST", "/api/push/subscriptions",
                          {"endpoint": s["endpoint"], "keys": s["keys"]}, token=w.token("mette"))
        h.eq(st, 201, "mette's phone subscribes")
        bo = await w.client("bo")
        anna = await w.client("anna")
        m = await anna.send_msg(w.conv["A"], "Ring når du kan")
        await svc.wait_for(s, 1, what="mette's notification")
        f = await bo.recv_until("delivery", pred=lambda f: f["notified"] is not None
                                and f["notified"]["upto"] == m["id"])
        h.eq(f["user"]["id"], w.ids["mette"], "staff see that Mette was told")
        carl = await w.client("carl")
        conv = h.conv_of(carl.welcome, w.conv["A"])
        mine = [d for d in conv["deliveries"] if d["user"]["id"] == w.ids["mette"]]
        h.eq(len(mine), 1, "a welcome carries the family's delivery state for staff")
        h.eq(mine[0]["notified"]["upto"], m["id"], "notified, in the welcome")
        h.check(mine[0]["delivered"] is not None, "delivered, in the welcome", "", mine[0])
        mette = await w.client("mette")
        h.eq(h.conv_of(mette.welcome, w.conv["A"])["deliveries"], [],
             "the family's welcome carries none")
    finally:
        svc.stop()


if __name__ == "__main__":
    h.run([test_delivered_to_a_named_phone, test_refusals_and_staff, test_notified_when_away])
