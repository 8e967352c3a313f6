"""02 enrol: invite codes from the import, single use, new invites, several devices."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


async def test_enrol_import_code(w):
    code = w.invites["mette"]
    st, _, b = w.http("POST", "/api/enrol", {"code": code, "device": "Mettes telefon"})
    h.eq(st, 200, "POST /api/enrol with the import's invite code: status")
    h.check(isinstance(b.get("token"), str) and len(b["token"]) >= 32, "enrol: token",
            "string", b.get("token"))
    h.check_user(b.get("user"), "mette", "enrol: user", w)
    dev = b.get("device")
    h.check(isinstance(dev, dict) and h.is_id(dev.get("id")), "enrol: device.id", "int > 0", dev)
    h.eq(dev.get("name"), "Mettes telefon", "enrol: device.name")
    w._tokens[("mette", "phone")] = b["token"]
    w._tokens[("device", "mette", "phone")] = dev
    w._invite_used.add("mette")
    st, _, me = w.http("GET", "/api/me", token=b["token"])
    h.eq(st, 200, "GET /api/me with the enrolled device's token")
    h.check_user(me.get("user"), "mette", "/api/me user after enrol", w)
    c = await w.ws_connect(b["token"], "mette")
    h.check_user(c.welcome.get("user"), "mette", "welcome user after enrol", w)


async def test_code_single_use(w):
    st, _, b = w.http("POST", "/api/enrol", {"code": w.invites["mette"], "device": "igen"})
    h.eq(st, 410, "enrol with an already used invite code: status")
    h.check_error_body(b, "gone", "enrol with a used code")


async def test_unknown_code(w):
    st, _, b = w.http("POST", "/api/enrol", {"code": "ABCDE-FGHJK", "device": "x"})
    h.eq(st, 401, "enrol with an unknown invite code: status")
    h.check_error_body(b, "unauthorized", "enrol with an unknown code")


async def test_invite_by_admin_and_pair(w):
    now = time.time()
    for by in ("admin", "anna", "bo"):
        st, _, b = w.http("POST", "/api/invites", {"member": w.ids["jonas"]}, token=w.token(by))
        h.eq(st, 201, "POST /api/invites {member: Jonas} by %s: status" % by)
        h.check(isinstance(b.get("code"), str) and b["code"], "invite by %s: code" % by,
                "string", b)
        h.check(h.is_ts(b.get("expires_at")), "invite by %s: expires_at" % by, "RFC 3339 ms", b)
        h.check(h.ts_ms(b["expires_at"]) > (now + 3600) * 1000, "invite expires in the future "
                "(default 72 h)", "> now + 1 h", b["expires_at"])
    # the last one works for enrolment
    tok, user, dev = w.enrol(b["code"], "Jonas' telefon")
    h.check_user(user, "jonas", "enrol with bo's invite: user", w)
    # dora's team/pair is another family: may not invite for family A
    st, _, b = w.http("POST", "/api/invites", {"member": w.ids["jonas"]}, token=w.token("dora"))
    h.check(st in (403, 404), "dora (pair of family B) invites for Jonas (family A)", "403/404",
            (st, b))


async def test_invite_refused(w):
    st, _, b = w.http("POST", "/api/invites", {"member": w.ids["mette"]}, token=w.token("carl"))
    h.eq(st, 403, "POST /api/invites by carl (team member, not pair): status")
    h.check_error_body(b, "forbidden", "invite by team member")
    st, _, b = w.http("POST", "/api/invites", {"member": w.ids["jonas"]},
                      token=w.token("mette"))
    h.eq(st, 403, "POST /api/invites by Mette (a family member): status")
    st, _, b = w.http("POST", "/api/invites", {"member": w.ids["jonas"]})
    h.eq(st, 401, "POST /api/invites without a token: status")


async def test_two_devices(w):
    t1 = w.token("mette", "phone")
    code = w.new_invite("mette", by="anna")
    t2, user, dev2 = w.enrol(code, "Mettes tablet")
    h.check_user(user, "mette", "second device: user", w)
    h.check(dev2.get("id") != w.device("mette", "phone").get("id"),
            "second device has its own id", "different ids", (dev2, w.device("mette")))
    for t, label in ((t1, "phone"), (t2, "tablet")):
        st, _, me = w.http("GET", "/api/me", token=t)
        h.eq(st, 200, "GET /api/me with Mette's %s token" % label)
    c1 = await w.ws_connect(t1, "mette/phone")
    c2 = await w.ws_connect(t2, "mette/tablet")
    m = await c1.send_msg(w.conv["A"], "Hej fra telefonen")
    f = await c2.recv_until("message", pred=lambda f: f["message"]["id"] == m["id"])
    h.check_msg(f["message"], w, "Mette's tablet gets her phone's message", sender="mette")


async def test_enrol_bad_request(w):
    st, _, b = w.http("POST", "/api/enrol", {"code": 12345, "device": "x"})
    h.eq(st, 400, "enrol with a non-string code: status")
    st, _, b = w.http("POST", "/api/enrol", raw=b"{not json", headers={"Content-Type":
                                                                        "application/json"})
    h.eq(st, 400, "enrol with invalid JSON: status")


h.run([test_enrol_import_code, test_code_single_use, test_unknown_code,
       test_invite_by_admin_and_pair, test_invite_refused, test_two_devices,
       test_enrol_bad_request])
