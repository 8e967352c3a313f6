"""52 sign-in CSRF: login and enrol take only JSON, and not from another site's page.

A form or text/plain POST needs no CORS preflight, so without these checks any web
page could sign a visitor's browser in as the attacker (login CSRF)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

EVIL = "https://evil.example"


def body(d):
    import json
    return json.dumps(d).encode()


async def test_login_refuses_text_plain_and_foreign_origin(w):
    creds = {"username": "anna", "password": h.PASSWORDS["anna"]}
    for ct in ("text/plain", "application/x-www-form-urlencoded", None):
        hd = {"Content-Type": ct} if ct else {}
        st, _, b = w.http("POST", "/api/login", raw=body(creds), headers=hd)
        h.eq(st, 400, "login with Content-Type %s: status" % ct)
        h.check_error_body(b, "bad_request", "login with Content-Type %s" % ct)
    st, hd, b = w.http("POST", "/api/login", creds, origin=EVIL)
    h.eq(st, 403, "login from a foreign Origin: status")
    h.check(not hd.get("Set-Cookie"), "no session cookie for a foreign Origin", "none",
            hd.get("Set-Cookie"))
    st, _, _ = w.http("POST", "/api/login", creds, origin=w.origin)
    h.eq(st, 200, "login from the gateway's own origin")
    st, _, _ = w.http("POST", "/api/login", creds,
                      headers={"Content-Type": "application/json; charset=utf-8"})
    h.eq(st, 200, "login without an Origin (a CLI), JSON with a charset")


async def test_enrol_refuses_text_plain_and_foreign_origin(w):
    code = w.invites["amina"]
    st, _, b = w.http("POST", "/api/enrol", raw=body({"code": code, "device": "x"}),
                      headers={"Content-Type": "text/plain"})
    h.eq(st, 400, "enrol with text/plain: status")
    st, _, b = w.http("POST", "/api/enrol", {"code": code, "device": "x"}, origin=EVIL)
    h.eq(st, 403, "enrol from a foreign Origin: status")
    st, _, b = w.http("POST", "/api/enrol", {"code": code, "device": "Aminas telefon"},
                      origin=w.origin)
    h.eq(st, 200, "the code still works from the gateway's own origin")


if __name__ == "__main__":
    h.run([test_login_refuses_text_plain_and_foreign_origin,
           test_enrol_refuses_text_plain_and_foreign_origin])
