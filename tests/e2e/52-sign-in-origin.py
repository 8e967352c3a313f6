"""52 sign-in CSRF: login and enrol take only JSON, and not from another site's page.

A form or text/plain POST needs no CORS preflight, so without these checks any web
page could sign a visitor's browser in as the attacker (login CSRF)."""
import json
import os
import subprocess
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


def readme_curls():
    """The README's curl commands, each as one line (continuations joined)."""
    with open(os.path.join(h.SRC, "README.md"), encoding="utf-8") as f:
        text = f.read().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip().startswith("curl ")]


async def test_readme_curl_commands_sign_in(w):
    """What the README tells a newcomer to type must pass these checks."""
    cmds = [c for c in readme_curls() if "/api/login" in c or "/api/enrol" in c]
    h.eq(len(cmds), 2, "the README shows a login and an enrolment with curl")
    for cmd in cmds:
        cmd = (cmd.replace("certs/dev/ca.pem", w.ca)
               .replace("https://localhost:8443", "https://127.0.0.1:%d" % w.port)
               .replace("indgang-demo", h.PASSWORDS["anna"])
               .replace("ABCDE-FGHJK", w.invites["jonas"]))
        r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=30)
        try:
            body = json.loads(r.stdout)
        except ValueError:
            body = r.stdout
        h.check(r.returncode == 0 and isinstance(body, dict) and "token" in body,
                "the README's curl command signs in: %s" % cmd[:70], "{token,...}",
                (r.returncode, body, r.stderr[-200:]))


if __name__ == "__main__":
    h.run([test_login_refuses_text_plain_and_foreign_origin,
           test_enrol_refuses_text_plain_and_foreign_origin, test_readme_curl_commands_sign_in])
