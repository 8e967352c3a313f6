"""57 push notifications: a message reaches the other side's push service as RFC 8291
encrypted, VAPID-signed Web Push (HTTP/2), decrypted here by the local push service
(tests/pushsvc, http_ece): no content by default, the reader's language, one Topic per
conversation, nobody buzzed about the conversation on their screen, notes never; 410
removes the subscription, 429 is retried after Retry-After; every outcome in /metrics
(issue 12)."""
import asyncio
import os
import re
import sqlite3
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pushsvc  # noqa: E402

svc = None
subs = {}


def subscribe(w, key, lang=None):
    s = svc.subscribe(lang)
    body = {k: s[k] for k in ("endpoint", "keys")}
    if lang:
        body["lang"] = lang
    st, _, b = w.http("POST", "/api/push/subscriptions", body, token=w.token(key))
    h.eq(st, 201, "%s subscribes to the local push service" % key)
    s["row"] = b["id"]
    subs[key] = s
    return s


def metric(w, name, label=None):
    with urllib.request.urlopen("https://127.0.0.1:%d/metrics" % w.port, context=w.ssl,
                                timeout=10) as r:
        text = r.read().decode()
    sel = r"\{[^}]*%s[^}]*\}" % re.escape(label) if label else r"(?:\{[^}]*\})?"
    m = re.search(r"^%s%s (\d+)" % (name, sel), text, re.M)
    return int(m.group(1)) if m else None


def sub_rows(w):
    db = sqlite3.connect("file:%s?mode=ro" % w.db, uri=True)
    try:
        return {r[0] for r in db.execute("SELECT id FROM push_subscriptions")}
    finally:
        db.close()


async def test_start(w):
    global svc
    svc = pushsvc.PushService(w)
    pushsvc.configure(w)
    for fam in ("A", "B"):  # quiet hours off: this test is about what arrives, not when
        st, _, _ = w.http("PUT", "/api/families/%d/quiet-hours" % w.fam[fam],
                          {"from": "00:00", "to": "00:00"}, token=w.token("anna" if fam == "A"
                                                                         else "dora"))
        h.eq(st, 200, "quiet hours off for family %s" % fam)
    subscribe(w, "anna")
    subscribe(w, "mette", lang="ar")


async def test_family_text_buzzes_the_pair_without_content(w):
    mette = await w.client("mette")
    m = await mette.send_msg(w.conv["A"], "Hej Anna, brevet fra kommunen er kommet")
    got = await svc.wait_for(subs["anna"], 1, what="anna's notification")
    p = pushsvc.payload(got[0])
    h.eq((p["title"], p["body"]), ("Indgang", "Ny besked fra en familie"),
         "no content on the lock screen by default")
    h.check("kommunen" not in got[0]["payload"], "the text is not in the payload", "", got[0])
    h.eq((p["conv"], p["family"], p["tag"]), (w.conv["A"], w.fam["A"], "conv-%d" % w.conv["A"]),
         "it opens the conversation")
    h.eq(got[0]["topic"], "conv-%d" % w.conv["A"], "Topic: one notification per conversation")
    h.check(got[0]["ttl"] > 0 and got[0]["urgency"] == "normal", "TTL and Urgency", "", got[0])
    h.eq(got[0]["http"], "2.0", "HTTP/2 to the push service")
    h.eq(got[0]["status"], 201, "the push service took it")
    await asyncio.sleep(0.5)
    h.eq(len(svc.received(subs["mette"])), 0, "the sender is not buzzed about her own message")
    h.check(m["id"] > 0, "stored", "", m)


async def test_pair_text_buzzes_the_family_in_its_language(w):
    anna = await w.client("anna")
    await anna.send_msg(w.conv["A"], "Hej Mette, jeg ringer i morgen")
    got = await svc.wait_for(subs["mette"], 1, what="mette's notification")
    p = pushsvc.payload(got[0])
    h.eq((p["body"], p["lang"], p["dir"]), ("رسالة جديدة من مستشاريك", "ar", "rtl"),
         "in the language her app is set to")
    await anna.send_msg(w.conv["A"], "Husk papirerne", kind="note")
    await asyncio.sleep(0.7)
    h.eq(len(svc.received(subs["mette"])), 1, "a note buzzes nobody")


async def test_preview_when_chosen(w):
    st, _, b = w.http("GET", "/api/me/notifications", token=w.token("anna"))
    h.eq((st, b), (200, {"content": "none"}), "the default shows nothing")
    st, _, b = w.http("PUT", "/api/me/notifications", {"content": "shout"}, token=w.token("anna"))
    h.eq(st, 400, "an unknown choice")
    st, _, b = w.http("PUT", "/api/me/notifications", {"content": "preview"},
                      token=w.token("anna"))
    h.eq((st, b), (200, {"content": "preview"}), "anna lets hers show a preview")
    n = len(svc.received(subs["anna"]))
    jonas = await w.client("jonas")
    await jonas.send_msg(w.conv["A"], "Kan vi flytte mødet?")
    got = await svc.wait_for(subs["anna"], n + 1, what="the preview")
    p = pushsvc.payload(got[n])
    h.eq((p["title"], p["body"]), ("Jonas Hansen", "Kan vi flytte mødet?"), "sender and text")
    w.http("PUT", "/api/me/notifications", {"content": "none"}, token=w.token("anna"))


async def test_no_buzz_while_reading(w):
    bo_sub = subscribe(w, "bo")
    bo = await w.client("bo")
    await bo.request({"type": "viewing", "conv": w.conv["A"]})
    mette = await w.client("mette")
    before = metric(w, "indgang_push_notifications_total", 'result="suppressed"')
    n_anna = len(svc.received(subs["anna"]))
    await mette.send_msg(w.conv["A"], "Er I der?")
    await svc.wait_for(subs["anna"], n_anna + 1, what="anna, not reading")
    await asyncio.sleep(0.5)
    h.eq(len(svc.received(bo_sub)), 0, "bo has the conversation on screen: no buzz")
    h.eq(metric(w, "indgang_push_notifications_total", 'result="suppressed"'), before + 1,
         "counted as suppressed")
    await bo.request({"type": "viewing", "conv": 0})
    await mette.send_msg(w.conv["A"], "Hallo?")
    await svc.wait_for(bo_sub, 1, what="bo, after putting the app away")
    bad = await bo.request({"type": "viewing", "conv": -3})
    h.eq(h.error_code(bad), "bad_request", "viewing a negative conversation")


async def test_retry_after_and_gone(w):
    anna = subs["anna"]
    n = len(svc.received(anna))
    svc.respond(anna, 429, retry_after=1)
    mette = await w.client("mette")
    await mette.send_msg(w.conv["A"], "Prøver igen")
    got = await svc.wait_for(anna, n + 2, timeout=12, what="the retry")
    h.eq((got[n]["status"], got[n + 1]["status"]), (429, 201), "429, then taken")
    h.check(got[n + 1]["at"] - got[n]["at"] >= 1000, "the retry waited for Retry-After",
            ">= 1000 ms", got[n + 1]["at"] - got[n]["at"])
    h.check(metric(w, "indgang_push_notifications_total", 'result="retried"') >= 1,
            "counted as retried")
    svc.respond(anna, 410)
    await mette.send_msg(w.conv["A"], "Er abonnementet væk?")
    await svc.wait_for(anna, n + 3, what="the push answered 410")
    for _ in range(50):
        if anna["row"] not in sub_rows(w):
            break
        await asyncio.sleep(0.1)
    h.check(anna["row"] not in sub_rows(w), "410 removed the subscription")
    h.eq(metric(w, "indgang_push_notifications_total", 'result="gone"'), 1, "counted as gone")
    await mette.send_msg(w.conv["A"], "Og nu?")
    await asyncio.sleep(0.7)
    h.eq(len(svc.received(anna)), n + 3, "nothing more to a subscription that is gone")


async def test_stop(w):
    svc.stop()


if __name__ == "__main__":
    h.run([test_start, test_family_text_buzzes_the_pair_without_content,
           test_pair_text_buzzes_the_family_in_its_language, test_preview_when_chosen,
           test_no_buzz_while_reading, test_retry_after_and_gone, test_stop])
