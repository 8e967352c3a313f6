"""03 welcome: the opening of a WebSocket, auth failures, the admin's empty view."""
import asyncio
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


async def test_welcome_while_messages_flow(w):
    """Signing in while messages are being sent: the welcome is the first
    frame, the reply to a frame pipelined with the auth comes after it, and
    every message above the welcome's last_id arrives live, in id order:
    none is lost between the sign-in and the welcome (built off the loop)."""
    anna = await w.client("anna", label="anna-flow")
    items = [(h.uid("flow"), "Strøm %d" % i) for i in range(150)]
    acked = {}
    sender = asyncio.create_task(anna.send_many(w.conv["A"], items, window=16, acked=acked))
    conns = []
    for i in range(6):
        await asyncio.sleep(0.03 * i)  # spread the sign-ins over the stream
        c = await w.ws_open(label="mette-flow-%d" % i)
        await c.send_frame({"type": "auth", "token": w.token("mette")})
        await c.send_frame({"type": "ping", "ref": "after-auth-%d" % i})
        first = await c.recv_frame(10)
        h.eq(first.get("type"), "welcome", "mette-flow-%d: the first frame after auth" % i)
        conns.append((c, first))
    await sender
    sent = sorted(m["id"] for m in acked.values())
    h.eq(len(sent), len(items), "anna: every message of the stream acked")
    for i, (c, wl) in enumerate(conns):
        await c.recv_until("pong", 10, ref="after-auth-%d" % i)
        last = wl.get("last_id", 0)
        if sent[-1] > last:  # wait for the newest; recv_until takes it out of the buffer
            await c.recv_until("message", 10, pred=lambda f: f["message"]["id"] == sent[-1])
        live = [f["message"]["id"] for f in await c.drain(0.2)
                if f.get("type") == "message"] + ([sent[-1]] if sent[-1] > last else [])
        missing = [m for m in sent if m > last and m not in live]
        h.eq(missing, [], "mette-flow-%d: messages above welcome.last_id %d all arrive live"
             % (i, last))
        h.eq(live, sorted(set(live)), "mette-flow-%d: live messages in id order, once" % i)
    await anna.close()


h.run([test_welcome_family, test_welcome_staff, test_frame_before_auth, test_bad_token,
       test_admin_sees_nothing, test_welcome_while_messages_flow, test_no_auth_timeout])
