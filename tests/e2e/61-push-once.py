"""61 push once: one notification per conversation until it is read (issue 12).  After a
notification, newer messages in that conversation wait in its row until the person reads
(then the next message is told of at once) or until push_renotify_minutes have passed
(then one notification for them all); a row with nothing newer by then goes.  A family's
renewed notification keeps its quiet hours."""
import asyncio
import datetime
import os
import sqlite3
import sys
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pushsvc  # noqa: E402

DK = ZoneInfo("Europe/Copenhagen")
svc = None


def rows(w):
    db = sqlite3.connect("file:%s?mode=ro" % w.db, uri=True)
    try:
        return db.execute("SELECT user_id, message_id, notified_id, not_before "
                          "FROM push_queue ORDER BY id").fetchall()
    finally:
        db.close()


def subscribe(w, key):
    s = svc.subscribe()
    st, _, _ = w.http("POST", "/api/push/subscriptions",
                      {"endpoint": s["endpoint"], "keys": s["keys"]}, token=w.token(key))
    h.eq(st, 201, "%s subscribes" % key)
    return s


async def wait_rows(w, pred, what, timeout=10):
    for _ in range(int(timeout * 10)):
        if pred(rows(w)):
            return
        await asyncio.sleep(0.1)
    h.check(False, what, "", rows(w))


async def test_default_is_ten_minutes(w):
    global svc
    svc = pushsvc.PushService(w)
    pushsvc.configure(w, renotify=None)
    for fam, key in (("A", "anna"), ("B", "dora")):
        w.http("PUT", "/api/families/%d/quiet-hours" % w.fam[fam], {"from": "00:00", "to": "00:00"},
               token=w.token(key))
    anna = subscribe(w, "anna")
    mette = await w.client("mette")
    m1 = await mette.send_msg(w.conv["A"], "Hej Anna")
    await svc.wait_for(anna, 1, what="the first notification")
    m2 = await mette.send_msg(w.conv["A"], "Er du der?")
    await wait_rows(w, lambda r: len(r) == 1 and r[0][2] == m1["id"] < m2["id"],
                    "the newer message waits in the sent row, which keeps what it told of")
    wait = rows(w)[0][3] - svc.received(anna)[0]["at"]
    h.check(9.5 * 60000 <= wait <= 10.5 * 60000, "by default for ten minutes", "~600000 ms", wait)
    await asyncio.sleep(0.7)
    h.eq(len(svc.received(anna)), 1, "one notification until it is read")


async def test_one_until_read(w):
    w.gw.extra += ["--push-renotify-minutes", "0.05"]  # three seconds
    w.gw.restart()
    bo = subscribe(w, "bo")
    mette = await w.client("mette")
    bo_c = await w.client("bo")
    m1 = await mette.send_msg(w.conv["A"], "Første")
    got = await svc.wait_for(bo, 1, what="bo's first notification")
    first_at = got[0]["at"]
    await mette.send_msg(w.conv["A"], "Anden")
    m3 = await mette.send_msg(w.conv["A"], "Tredje")
    await asyncio.sleep(1.0)
    h.eq(len(svc.received(bo)), 1, "the next two wait: one notification per conversation")
    got = await svc.wait_for(bo, 2, timeout=8, what="one notification for the two after the wait")
    h.check(got[1]["at"] - first_at >= 2900, "no sooner than push_renotify_minutes", ">= 3000 ms",
            got[1]["at"] - first_at)
    h.eq(pushsvc.payload(got[1])["conv"], w.conv["A"], "about the same conversation")
    await asyncio.sleep(4.0)
    h.eq(len(svc.received(bo)), 2, "nothing newer came: no third")
    h.eq([r for r in rows(w) if r[0] == w.ids["bo"]], [], "and the row is gone")
    await mette.send_msg(w.conv["A"], "Fjerde")
    await svc.wait_for(bo, 3, what="a new message after the row went is told of at once")
    m5 = await mette.send_msg(w.conv["A"], "Femte")
    await asyncio.sleep(0.5)
    h.eq(len(svc.received(bo)), 3, "within the wait: not yet")
    await bo_c.request({"type": "read", "conv": w.conv["A"], "upto": m5["id"]})
    t = svc.received(bo)[-1]["at"]
    await mette.send_msg(w.conv["A"], "Sjette, efter at Bo læste")
    got = await svc.wait_for(bo, 4, what="after reading, the next is told of at once")
    h.check(got[3]["at"] - t < 2500, "at once, not after the wait", "< 2500 ms", got[3]["at"] - t)
    h.check(m1["id"] < m3["id"], "ids rise")


async def test_renewal_keeps_the_familys_quiet_hours(w):
    w.gw.extra[-1] = "1"  # a minute
    w.gw.restart()
    mette = subscribe(w, "mette")
    now = datetime.datetime.now(DK)
    if now.second > 40:
        await asyncio.sleep(61 - now.second)
        now = datetime.datetime.now(DK)
    minute = now.hour * 60 + now.minute
    hhmm = lambda m: "%02d:%02d" % ((m % 1440) // 60, m % 60)  # noqa: E731
    st, _, _ = w.http("PUT", "/api/families/%d/quiet-hours" % w.fam["A"],
                      {"from": hhmm(minute + 1), "to": hhmm(minute + 3)}, token=w.token("anna"))
    h.eq(st, 200, "quiet hours from the next minute")
    anna = await w.client("anna")
    m = await anna.send_msg(w.conv["A"], "Husk mødet i morgen")
    await svc.wait_for(mette, 1, what="mette's notification before the quiet hours")
    end = int((now.replace(second=0, microsecond=0) +
               datetime.timedelta(minutes=3)).timestamp() * 1000)
    await wait_rows(w, lambda r: (w.ids["mette"], m["id"], m["id"], end) in r,
                    "a minute later is in the quiet hours: the renewal waits for their end")


async def test_stop(w):
    svc.stop()


if __name__ == "__main__":
    h.run([test_default_is_ten_minutes, test_one_until_read,
           test_renewal_keeps_the_familys_quiet_hours, test_stop])
