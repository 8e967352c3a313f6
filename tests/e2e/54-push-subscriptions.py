"""54 push subscriptions: a sign-in registers its browser's Web Push subscription, only to a
push service's https endpoint (never an address the gateway would call on its own
network), and the subscription ends with the sign-in: logout, a revoked phone, a
deactivated account (issue 12)."""
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
AUTH = "BTBZMqHH6r4Tts7J_aSIgg"


def sub(endpoint, p256dh=P256DH, auth=AUTH):
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": p256dh, "auth": auth}}


def rows(w):
    db = sqlite3.connect("file:%s?mode=ro" % w.db, uri=True)
    try:
        return {r[0]: r[1] for r in db.execute("SELECT endpoint, user_id FROM push_subscriptions")}
    finally:
        db.close()


async def test_subscribe_and_forgeries(w):
    fcm = "https://fcm.googleapis.com/fcm/send/anna-1"
    st, _, b = w.http("POST", "/api/push/subscriptions", sub(fcm), token=w.token("anna"))
    h.eq(st, 201, "a staff browser subscribes: status")
    h.check(isinstance(b, dict) and h.is_id(b.get("id")), "the answer has the id", "{id}", b)
    first = b["id"]
    st, _, b = w.http("POST", "/api/push/subscriptions", sub(fcm), token=w.token("anna"))
    h.eq((st, b.get("id")), (201, first), "the same endpoint again keeps its id")
    moz = "https://updates.push.services.mozilla.com/wpush/v2/mette-1"
    st, _, _ = w.http("POST", "/api/push/subscriptions", sub(moz), token=w.token("mette"))
    h.eq(st, 201, "a family member's phone subscribes")
    h.eq(rows(w), {fcm: w.ids["anna"], moz: w.ids["mette"]}, "stored subscriptions")
    for url in ("http://fcm.googleapis.com/fcm/send/x", "https://127.0.0.1:8443/x",
                "https://10.0.0.7/x", "https://localhost/x", "https://evil.example/x",
                "https://fcm.googleapis.com@127.0.0.1/x", "https://fcm.googleapis.com.evil.example/x"):
        st, _, b = w.http("POST", "/api/push/subscriptions", sub(url), token=w.token("anna"))
        h.eq(st, 400, "endpoint %s: status" % url)
        h.check_error_body(b, "bad_request", "endpoint %s" % url)
    for what, body in (("short p256dh", sub(fcm + "x", p256dh=P256DH[:-1])),
                       ("auth not base64url", sub(fcm + "x", auth="BTBZMqHH6r4Tts7J/aSIgg")),
                       ("no keys", {"endpoint": fcm + "x"})):
        st, _, b = w.http("POST", "/api/push/subscriptions", body, token=w.token("anna"))
        h.eq(st, 400, what)
    st, _, _ = w.http("POST", "/api/push/subscriptions", sub(fcm + "y"))
    h.eq(st, 401, "without a sign-in")
    h.eq(len(rows(w)), 2, "nothing refused was stored")


async def test_unsubscribe_only_own(w):
    url = "https://fcm.googleapis.com/fcm/send/bo-1"
    st, _, b = w.http("POST", "/api/push/subscriptions", sub(url), token=w.token("bo"))
    bo_sub = b["id"]
    other = w.http("DELETE", "/api/push/subscriptions/%d" % bo_sub, token=w.token("carl"))
    missing = w.http("DELETE", "/api/push/subscriptions/987654", token=w.token("carl"))
    h.eq((other[0], other[2]), (missing[0], missing[2]),
         "someone else's subscription is answered like a missing one")
    h.eq(other[0], 404, "someone else's subscription: status")
    st, _, _ = w.http("DELETE", "/api/push/subscriptions/%d" % bo_sub, token=w.token("bo"))
    h.eq(st, 204, "one's own: removed")
    h.check(url not in rows(w), "it is gone", "gone", rows(w))


async def test_ends_with_the_sign_in(w):
    urls = {k: "https://fcm.googleapis.com/fcm/send/%s-end" % k for k in ("erik", "jonas", "carl")}
    for k, url in urls.items():
        st, _, _ = w.http("POST", "/api/push/subscriptions", sub(url), token=w.token(k))
        h.eq(st, 201, "%s subscribes" % k)
    st, _, _ = w.http("POST", "/api/logout", token=w.token("erik"))
    h.eq(st, 204, "erik signs out")
    h.check(urls["erik"] not in rows(w), "logout ends the sign-in's subscription", "gone",
            rows(w))
    st, _, _ = w.http("DELETE", "/api/devices/%d" % w.device("jonas")["id"],
                      token=w.token("anna"))
    h.eq(st, 204, "the pair revokes Jonas' phone")
    h.check(urls["jonas"] not in rows(w), "a revoked phone's subscription ends", "gone",
            rows(w))
    r = subprocess.run([h.ADMIN, "--db", w.db, "deactivate", "carl"], capture_output=True,
                       text=True, timeout=30)
    h.eq(r.returncode, 0, "indgang-admin deactivate carl")
    h.check(urls["carl"] not in rows(w), "a deactivated account's subscriptions end", "gone",
            rows(w))


if __name__ == "__main__":
    h.run([test_subscribe_and_forgeries, test_unsubscribe_only_own, test_ends_with_the_sign_in])
