"""58 push quiet hours: a message written in the family's quiet hours arrives at once, but
its notification waits, in the database, for the quiet hours to end, and is sent then even
across a kill -9 of the gateway, once, of the newest message (issue 12).  The test sets the quiet hours around the
current minute, so they end at the next minute: it waits up to a minute for that."""
import asyncio
import datetime
import os
import sqlite3
import sys
import time
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pushsvc  # noqa: E402

DK = ZoneInfo("Europe/Copenhagen")


def waiting(w):
    db = sqlite3.connect("file:%s?mode=ro" % w.db, uri=True)
    try:
        return db.execute("SELECT user_id, not_before FROM push_queue").fetchall()
    finally:
        db.close()


async def test_quiet_hours_hold_the_buzz_across_a_crash(w):
    svc = pushsvc.PushService(w)
    try:
        pushsvc.configure(w)
        s = svc.subscribe()
        st, _, _ = w.http("POST", "/api/push/subscriptions",
                          {"endpoint": s["endpoint"], "keys": s["keys"]}, token=w.token("mette"))
        h.eq(st, 201, "mette's phone subscribes")
        now = datetime.datetime.now(DK)
        if now.second > 45:  # leave the test time to send before the minute ends
            await asyncio.sleep(61 - now.second)
            now = datetime.datetime.now(DK)
        minute = now.hour * 60 + now.minute
        hhmm = lambda m: "%02d:%02d" % ((m % 1440) // 60, m % 60)  # noqa: E731
        st, _, _ = w.http("PUT", "/api/families/%d/quiet-hours" % w.fam["A"],
                          {"from": hhmm(minute - 1), "to": hhmm(minute + 1)},
                          token=w.token("anna"))
        h.eq(st, 200, "quiet hours around this minute")
        release = (now.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1))
        release_ms = int(release.timestamp() * 1000)
        st, _, _ = w.http("PUT", "/api/me/notifications", {"content": "preview"},
                          token=w.token("mette"))
        h.eq(st, 200, "mette's notifications show a preview")
        anna = await w.client("anna")
        mette = await w.client("mette")
        await mette.request({"type": "viewing", "conv": 0})
        await anna.send_msg(w.conv["A"], "Vi ses i morgen kl. 9")
        m = await anna.send_msg(w.conv["A"], "Husk sygesikringskortet")
        got = await mette.recv_until("message", pred=lambda f: f["message"]["id"] == m["id"])
        h.check(got is not None, "the messages themselves arrive at once")
        await mette.close()
        await asyncio.sleep(1.0)
        h.eq(svc.received(s), [], "no buzz in the quiet hours")
        h.eq(waiting(w), [(w.ids["mette"], release_ms)],
             "the notification waits in the database for the end of the quiet hours")
        w.gw.kill9()
        w.gw.start()
        left = (release_ms - time.time() * 1000) / 1000
        got = await svc.wait_for(s, 1, timeout=max(left, 0) + 8,
                                 what="the notification when the quiet hours end")
        h.check(got[0]["at"] >= release_ms, "not before the quiet hours end",
                release_ms, got[0]["at"])
        h.eq(pushsvc.payload(got[0])["conv"], w.conv["A"], "about the conversation")
        h.eq(pushsvc.payload(got[0])["body"], "Husk sygesikringskortet",
             "one notification, of the newest message")
        await asyncio.sleep(0.5)
        h.eq(len(svc.received(s)), 1, "once")
    finally:
        svc.stop()


if __name__ == "__main__":
    h.TIME_BUDGET = 110.0  # this file waits for the next minute
    h.run([test_quiet_hours_hold_the_buzz_across_a_crash], per_test_timeout=105.0)
