"""03 welcome: the opening of a WebSocket, auth failures, the admin's empty view."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


async def test_welcome_family(w):
    # one message so that last_id counters are non-trivial
    anna = await w.client("anna")
    m = await anna.send_msg(w.conv["A"], "Velkommen, familien Hansen")
    before = time.time()
    c = await w.client("mette")
    wl = c.welcome
    h.eq(c.ws.subprotocol, "indgang.v1", "negotiated subprotocol")
    h.check_user(wl.get("user"), "mette", "welcome.user", w)
    h.check(h.is_ts(wl.get("server_time")), "welcome.server_time RFC 3339 ms UTC",
            "YYYY-MM-DDTHH:MM:SS.mmmZ", wl.get("server_time"))
    h.check(abs(h.ts_ms(wl["server_time"]) / 1000 - before) < 30, "welcome.server_time is now",
            before, wl["server_time"])
    h.check(isinstance(wl.get("last_id"), int) and wl["last_id"] >= m["id"],
            "welcome.last_id >= the newest message Mette may see", ">= %d" % m["id"],
            wl.get("last_id"))
    convs = wl.get("conversations")
    h.check(isinstance(convs, list), "welcome.conversations is a list", "list", convs)
    for cv in convs:
        h.check_conv(cv, w, "welcome conversation")
    h.eq(sorted(cv["id"] for cv in convs), [w.conv["A"]],
         "Mette's welcome lists exactly her family's default conversation")
    ca = h.conv_of(wl, w.conv["A"])
    h.eq(ca["family"], {"id": w.fam["A"], "name": "Familien Hansen"}, "welcome CONV.family")
    mids = {u["id"] for u in ca["members"]}
    h.check({w.ids["mette"], w.ids["jonas"]} <= mids, "default conversation members include "
            "Mette and Jonas", [w.ids["mette"], w.ids["jonas"]], ca["members"])
    h.check(w.ids["amina"] not in mids, "family A conversation has no member of family B",
            "no Amina", ca["members"])
    h.check(ca["last_id"] >= m["id"], "CONV.last_id >= anna's message", m["id"], ca["last_id"])
    h.eq(ca["read_upto"], 0, "CONV.read_upto before any read")
    h.check(ca["unread"] >= 1, "CONV.unread counts anna's message", ">= 1", ca["unread"])


async def test_welcome_staff(w):
    for key, sees, not_sees in (("anna", ["A"], ["B"]), ("bo", ["A"], ["B"]),
                                ("carl", ["A"], ["B"]), ("dora", ["B"], ["A"]),
                                ("frida", ["B"], ["A"])):
        c = await w.client(key)
        h.check_user(c.welcome.get("user"), key, "%s welcome.user" % key, w)
        ids = [cv.get("id") for cv in c.welcome.get("conversations") or []]
        for f in sees:
            h.check(w.conv[f] in ids, "%s sees family %s's conversation in welcome" % (key, f),
                    w.conv[f], ids)
        for f in not_sees:
            h.check(w.conv[f] not in ids, "%s must not see family %s's conversation" % (key, f),
                    "absent", ids)


async def test_frame_before_auth(w):
    c = await w.ws_open(label="noauth")
    await c.send_frame({"type": "ping", "ref": "p1"})
    f = await c.recv_frame(5)
    h.eq(h.error_code(f), "unauthorized", "a ping before auth: error code")
    h.eq(await c.wait_close(5), 4401, "a ping before auth: close code")
    c = await w.ws_open(label="noauth2")
    await c.send_frame({"type": "send", "conv": w.conv["A"], "client_id": "x", "body": "hej"})
    f = await c.recv_frame(5)
    h.eq(h.error_code(f), "unauthorized", "a send before auth: error code")
    h.eq(await c.wait_close(5), 4401, "a send before auth: close code")


async def test_bad_token(w):
    for tok in ("0" * 64, "nonsense", 42):
        c = await w.ws_open(label="badtoken")
        await c.send_frame({"type": "auth", "token": tok})
        f = await c.recv_frame(5)
        h.eq(h.error_code(f), "unauthorized", "auth with token %r: error code" % (tok,))
        h.eq(await c.wait_close(5), 4401, "auth with token %r: close code" % (tok,))


async def test_admin_sees_nothing(w):
    mette = await w.client("mette")
    await mette.send_msg(w.conv["A"], "Noget privat")
    c = await w.client("admin")
    h.check_user(c.welcome.get("user"), "admin", "admin welcome.user", w)
    h.eq(c.welcome.get("conversations"), [], "admin welcome.conversations")
    h.eq(c.welcome.get("last_id"), 0, "admin welcome.last_id (sees no message)")
    for kind in ("text", "note"):
        r = await c.try_send(w.conv["A"], "Admin skriver", kind=kind)
        h.check(h.error_code(r) in ("forbidden", "not_found"), "admin send kind=%s" % kind,
                "error forbidden/not_found", r)
    r = await c.request({"type": "sync", "after": 0})
    h.check(h.error_code(r) is not None or r.get("messages") == [],
            "admin sync reads no content", "[] or error", r)
    r = await c.request({"type": "history", "conv": w.conv["A"]})
    h.check(h.error_code(r) in ("forbidden", "not_found") or r.get("messages") == [],
            "admin history reads no content", "error forbidden/not_found", r)
    await mette.expect_no_frame(0.3, type="message", what="got a message from the admin")


async def test_no_auth_timeout(w):
    c = await w.ws_open(label="silent")
    t0 = time.monotonic()
    code = await c.wait_close(14)
    took = time.monotonic() - t0
    h.eq(code, 4401, "no auth within 10 s: close code")
    h.check(8 <= took <= 13.5, "no auth: closed after about 10 s", "~10 s", "%.1f s" % took)
    errs = [f for f in c.buf if f.get("type") == "error"]
    h.check(errs and errs[0].get("code") == "unauthorized", "no auth: error frame before close",
            "error unauthorized", c.buf)


h.run([test_welcome_family, test_welcome_staff, test_frame_before_auth, test_bad_token,
       test_admin_sees_nothing, test_no_auth_timeout])
