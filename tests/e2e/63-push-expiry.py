"""63 push expiry: a phone about to be signed out for disuse says so in time (issue 12,
"one about to expire says so in time").  A phone that is used stays signed in (its end
slides with each use), so the one that ends is one nobody opens: the app cannot say it,
a Web Push notice can.  The gateway runs with device_idle_days = 0.0003 (25.9 s): a
phone is told when half of that is left, once per stretch of disuse, in its language,
never in its family's quiet hours, and a revoked phone is not told."""
import asyncio
import datetime
import os
import sys
import time
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pushsvc  # noqa: E402

IDLE = 0.0003 * 86400  # 25.92 s
DK = ZoneInfo("Europe/Copenhagen")
svc = None


def subscribe(w, key, lang="da"):
    s = svc.subscribe()
    st, _, _ = w.http("POST", "/api/push/subscriptions",
                      {"endpoint": s["endpoint"], "keys": s["keys"], "lang": lang},
                      token=w.token(key))
    h.eq(st, 201, "%s's phone subscribes" % key)
    return s, time.monotonic()


def no_quiet_hours(w, fam):
    st, _, _ = w.http("PUT", "/api/families/%d/quiet-hours" % w.fam[fam],
                      {"from": "00:00", "to": "00:00"}, token=w.login("anna"))
    h.eq(st, 200, "no quiet hours for family %s" % fam)


async def test_told_before_the_end_once(w):
    global svc
    svc = pushsvc.PushService(w)
    pushsvc.configure(w)
    no_quiet_hours(w, "A")
    sub, used = subscribe(w, "mette")
    got = await svc.wait_for(sub, 1, timeout=IDLE, what="the warning")
    at = time.monotonic() - used
    p = pushsvc.payload(got[0])
    print("    told %.1f s after the last use (signed out at %.1f s): %r" % (at, IDLE, p["body"]))
    h.check(IDLE / 2 - 1 <= at < IDLE - 2, "told when half the idle time is left, in time",
            "%.0f..%.0f s" % (IDLE / 2, IDLE - 2), "%.1f s" % at)
    h.eq((p["title"], p["tag"], p["conv"], p["lang"]), ("Indgang", "indgang", 0, "da"),
         "about the app, not a conversation, in Danish")
    h.check("logget ud" in p["body"] and "Åbn appen" in p["body"], "it says what to do",
            "...logget ud... Åbn appen...", p["body"])
    await asyncio.sleep(3.0)
    h.eq(len(svc.received(sub)), 1, "once per stretch of disuse")
    st, _, _ = w.http("GET", "/api/me", token=w.token("mette"))
    h.eq(st, 200, "the phone is used: still signed in, and its end slides")
    got = await svc.wait_for(sub, 2, timeout=IDLE, what="told again after a new stretch")
    await asyncio.sleep(IDLE / 2 + 3)
    st, _, _ = w.http("GET", "/api/me", token=w.token("mette"))
    h.eq(st, 401, "unused after the warning: signed out at the idle limit")
    w.forget_token("mette")


async def test_in_the_members_language_not_in_quiet_hours(w):
    now = datetime.datetime.now(DK)
    minute = now.hour * 60 + now.minute
    hhmm = lambda m: "%02d:%02d" % ((m % 1440) // 60, m % 60)  # noqa: E731
    st, _, _ = w.http("PUT", "/api/families/%d/quiet-hours" % w.fam["B"],
                      {"from": hhmm(minute - 1), "to": hhmm(minute + 2)}, token=w.login("dora"))
    h.eq(st, 200, "family B's quiet hours around now")
    sub, _ = subscribe(w, "amina", lang="ar")
    await asyncio.sleep(IDLE / 2 + 2.5)
    h.eq(svc.received(sub), [], "no warning in the family's quiet hours")
    st, _, _ = w.http("PUT", "/api/families/%d/quiet-hours" % w.fam["B"],
                      {"from": "00:00", "to": "00:00"}, token=w.login("dora"))
    h.eq(st, 200, "quiet hours off")
    got = await svc.wait_for(sub, 1, timeout=IDLE / 2, what="the warning after the quiet hours")
    p = pushsvc.payload(got[0])
    h.eq((p["lang"], p["dir"]), ("ar", "rtl"), "in Arabic, right to left")
    w.forget_token("amina")


async def test_revoked_phone_not_told(w):
    sub, _ = subscribe(w, "jonas")
    dev = w.device("jonas")["id"]
    st, _, _ = w.http("DELETE", "/api/devices/%d" % dev, token=w.login("anna"))
    h.eq(st, 204, "the pair revokes Jonas' phone")
    await asyncio.sleep(IDLE / 2 + 3)
    h.eq(svc.received(sub), [], "a revoked phone is not told (its subscription went with it)")
    w.forget_token("jonas")


async def test_stop(w):
    svc.stop()


if __name__ == "__main__":
    h.TIME_BUDGET = 200.0
    h.run([test_told_before_the_end_once, test_in_the_members_language_not_in_quiet_hours,
           test_revoked_phone_not_told, test_stop],
          extra_args=["--device-idle-days", "0.0003"], per_test_timeout=90.0)
