"""62 idle lock: an idle staff sign-in is locked, not ended (issue 12, "The clients").

The gateway runs with staff_idle_minutes = 0.1 (6 s) and staff_session_hours = 0.01
(36 s).  Open sockets are swept every 5 s, so an idle one closes between its deadline and
deadline + 5 s (+ slack for a loaded machine).

  - a locked sign-in is refused by every endpoint of api.c's route table (read from the
    source, so a new endpoint is covered without editing this test) and by the WebSocket,
    as before; it may only ask for its unread count, unlock, and sign out
  - GET /api/me/unread is the user's total unread count and nothing else, equal to the sum
    of CONV.unread; asking for it is no activity (polling it does not keep a sign-in alive)
  - the sign-in's Web Push subscription goes on working while it is locked; signing out of
    a locked sign-in ends it, and the subscription with it
  - POST /api/unlock: the sign-in's own user's password only (another's, a wrong one: the
    same 401 as a wrong sign-in), through the same throttle as POST /api/login (per
    address: ten failures of either kind turn both away there), CSRF-guarded like a
    sign-in; after it the sign-in is live (HTTP and WebSocket) and the log has a row
  - `delivered`, `viewing`, `sync` and `ping` frames, which clients send on their own, do
    not keep a sign-in from going idle
  - the absolute lifetime still ends a locked sign-in
"""
import asyncio
import http.client
import json
import os
import re
import ssl
import sys
import time

import websockets.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pushsvc  # noqa: E402

IDLE = 6.0       # staff_idle_minutes = 0.1
ABSOLUTE = 36.0  # staff_session_hours = 0.01
SWEEP = 5.0      # HUB_RECHECK_MS
SLACK = 3.0      # a loaded 2-core machine

# Answered without a sign-in, or the three things a locked one may do.
PUBLIC = {"GET /healthz", "GET /metrics", "POST /api/login", "POST /api/enrol",
          "GET /api/push/key", "GET /sms/kannel", "GET /sms/kannel/dlr"}
LOCKED_MAY = {"POST /api/unlock", "GET /api/me/unread", "POST /api/logout"}

svc = None
state = {}


def routes():
    """(method, path with {} for the id) of every row of api.c's route table."""
    with open(os.path.join(h.SRC, "core", "api", "api.c"), encoding="utf-8") as f:
        api = f.read()
    table = api[api.index("static const struct route routes[]"):]
    table = table[:table.index("};")]
    found = re.findall(r'\{"(\w+)", "([^"]+)", (NULL|"[^"]*"), ep_\w+\}', table)
    h.check(len(found) >= 20, "read the route table of api.c", ">= 20 rows", len(found))
    return [(m, p if s == "NULL" else p + "{}" + s.strip('"')) for m, p, s in found]


def post_from(w, source, path, body, token=None, headers=None):
    """A POST from another loopback address (the throttle counts per address)."""
    conn = http.client.HTTPSConnection("127.0.0.1", w.port, context=w.ssl, timeout=30,
                                       source_address=(source, 0))
    hdr = {"Content-Type": "application/json"}
    if token:
        hdr["Authorization"] = "Bearer " + token
    hdr.update(headers or {})
    try:
        conn.request("POST", path, body=json.dumps(body).encode(), headers=hdr)
        r = conn.getresponse()
        text = r.read().decode()
        return r.status, json.loads(text) if text else None
    finally:
        conn.close()


def unlock(w, token, password, **kw):
    st, _, b = w.http("POST", "/api/unlock", {"password": password}, token=token, **kw)
    return st, b


def unread(w, token):
    st, _, b = w.http("GET", "/api/me/unread", token=token)
    return st, b


def convs_unread(w, token):
    st, _, b = w.http("GET", "/api/me", token=token)
    h.eq(st, 200, "GET /api/me of a live sign-in")
    return sum(c["unread"] for c in b["conversations"])


def subscribe(w, token, what):
    s = svc.subscribe()
    st, _, b = w.http("POST", "/api/push/subscriptions",
                      {k: s[k] for k in ("endpoint", "keys")}, token=token)
    h.eq(st, 201, "%s subscribes to the local push service" % what)
    s["row"] = b["id"]
    return s


async def wait_locked(t_login):
    """Sleep until a sign-in made at t_login (and unused since) is idle."""
    await asyncio.sleep(max(0.0, t_login + IDLE + 0.5 - time.monotonic()))


async def test_start(w):
    global svc
    svc = pushsvc.PushService(w)
    pushsvc.configure(w)
    st, _, _ = w.http("PUT", "/api/families/%d/quiet-hours" % w.fam["A"],
                      {"from": "00:00", "to": "00:00"}, token=w.login("anna"))
    h.eq(st, 200, "quiet hours off for family A: this test is about what arrives")
    w.token("mette")
    w.token("amina")
    # Made now, used later: carl's sign-in locks while the others run; frida's
    # witnesses the absolute lifetime at the end.
    state["carl"] = (w.login("carl"), time.monotonic())
    state["frida"] = (w.login("frida"), time.monotonic())


async def test_unlock_throttled_like_login(w):
    tok, t_login = state["carl"]
    await wait_locked(t_login)
    st, b = unread(w, tok)
    h.eq(st, 200, "carl's sign-in is locked, not ended (unread count)")
    st, wrong = post_from(w, "127.0.0.7", "/api/unlock", {"password": "forkert"}, token=tok)
    h.eq(st, 401, "a wrong password from 127.0.0.7")
    n401 = 1
    for _ in range(9):
        st, _ = post_from(w, "127.0.0.7", "/api/unlock", {"password": "forkert"}, token=tok)
        n401 += st == 401
    h.eq(n401, 10, "ten wrong passwords from 127.0.0.7 reach the hash")
    st, b = post_from(w, "127.0.0.7", "/api/unlock", {"password": h.PASSWORDS["carl"]},
                      token=tok)
    h.eq(st, 429, "the eleventh, even the right one, is turned away before the hash")
    h.check_error_body(b, "rate_limited", "unlock throttled")
    print("    429 message: %r" % b["error"]["message"])
    st, b = post_from(w, "127.0.0.7", "/api/login",
                      {"username": "carl", "password": h.PASSWORDS["carl"]})
    h.eq(st, 429, "the same throttle: the sign-in form is turned away there too")
    for _ in range(10):
        post_from(w, "127.0.0.9", "/api/login", {"username": "nobody", "password": "forkert"})
    st, _ = post_from(w, "127.0.0.9", "/api/unlock", {"password": h.PASSWORDS["carl"]},
                      token=tok)
    h.eq(st, 429, "ten failed sign-ins from 127.0.0.9 turn unlocking away there")
    st, _ = unread(w, tok)
    h.eq(st, 200, "throttled, carl's sign-in is still locked")
    st, _, _ = w.http("GET", "/api/me", token=tok)
    h.eq(st, 401, "and still refused elsewhere")
    st, b = post_from(w, "127.0.0.8", "/api/unlock", {"password": h.PASSWORDS["carl"]},
                      token=tok)
    h.eq(st, 200, "carl, from an address that did not fail, gets in")


async def test_locked_not_ended(w):
    tok = w.login("anna")
    t0 = time.monotonic()
    sub = subscribe(w, tok, "anna's sign-in")
    before = convs_unread(w, tok)
    c = await w.ws_connect(tok, "anna")
    code = await c.wait_close(IDLE + SWEEP + SLACK + 2)
    at = time.monotonic() - t0
    print("    anna's silent socket: closed after %.1f s with %s %r" % (at, code,
                                                                     c.ws.close_reason))
    h.eq((code, c.ws.close_reason), (4401, "idle"), "an idle staff socket: 4401 `idle`")
    h.check(IDLE - 0.5 <= at <= IDLE + SWEEP + SLACK, "closed at the idle deadline",
            "%.0f..%.0f s" % (IDLE, IDLE + SWEEP + SLACK), "%.1f s" % at)
    st, b = unread(w, tok)
    h.eq((st, b), (200, {"unread": before}), "locked: GET /api/me/unread")
    # Every other endpoint refuses it, exactly as an idle sign-in before.
    ids = {"/api/conversations/": w.conv["A"], "/api/families/": w.fam["A"]}
    refused = 0
    for method, path in routes():
        key = "%s %s" % (method, path.replace("{}", "{id}"))
        if key in PUBLIC or key in LOCKED_MAY:
            continue
        prefix = path.split("{}")[0]
        real = path.replace("{}", str(ids.get(prefix, 1)))
        body = {} if method in ("POST", "PUT") else None
        st, _, b = w.http(method, real, body, token=tok)
        h.eq(st, 401, "locked: %s %s" % (method, real))
        h.check_error_body(b, "unauthorized", "locked: %s %s" % (method, real))
        h.check("activity" in b["error"]["message"], "locked: %s %s says why" % (method, real),
                "...activity...", b)
        refused += 1
    print("    %d endpoints refuse the locked sign-in with 401" % refused)
    c2 = await w.ws_open(label="anna-locked")
    await c2.send_frame({"type": "auth", "token": tok})
    f = await c2.recv_frame(5)
    h.eq(h.error_code(f), "unauthorized", "auth frame with the locked sign-in")
    h.eq(await c2.wait_close(5), 4401, "the WebSocket refuses it: close code")
    # A family member writes: the count rises, push goes on, nothing but a number.
    mette = await w.client("mette")
    text = "Hej Anna, kan du ringe til mig i dag?"
    await mette.send_msg(w.conv["A"], text)
    got = await svc.wait_for(sub, 1, timeout=10, what="a notification to the locked sign-in")
    h.eq(pushsvc.payload(got[0])["conv"], w.conv["A"], "the push to a locked sign-in")
    st, raw = unread(w, tok)
    h.eq((st, raw), (200, {"unread": before + 1}), "the count rose by the new message")
    body = json.dumps(raw, ensure_ascii=False)
    for secret in (text, "Mette", "Hansen", "Anna"):
        h.check(secret not in body, "no content or names in the count", "not %r" % secret,
                body)
    state["anna"] = tok


async def test_unlock_own_password_only(w):
    tok = state["anna"]
    st, _, wrong_login = w.http("POST", "/api/login", {"username": "anna", "password": "forkert"})
    h.eq(st, 401, "a wrong password at the sign-in form")
    st, b = unlock(w, tok, "forkert")
    h.eq((st, b), (401, wrong_login), "a wrong password: the sign-in form's answer exactly")
    st, b = unlock(w, tok, h.PASSWORDS["bo"])
    h.eq((st, b), (401, wrong_login), "another staff member's password does not unlock anna's")
    st, b = unlock(w, w.login("bo"), h.PASSWORDS["anna"])
    h.eq(st, 401, "bo's sign-in with anna's password: refused (it checks bo's own)")
    st, b = unlock(w, w.token("mette"), "noget")
    h.eq(st, 403, "a family member's phone has no password to unlock with")
    h.check_error_body(b, "forbidden", "unlock by a family member")
    st, _, _ = w.http("GET", "/api/me", token=tok)
    h.eq(st, 401, "after all that, anna's sign-in is still locked")
    st, _, b = w.http("POST", "/api/unlock", raw=b"password=x", token=tok,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    h.eq(st, 400, "unlock takes JSON only (no form posted by another site)")
    st, _, b = w.http("POST", "/api/unlock", {"secret": "x"}, token=tok)
    h.eq(st, 400, "unlock without a password")
    cookie = "indgang_session=" + tok
    st, b = unlock(w, None, h.PASSWORDS["anna"], cookie=cookie, origin="https://evil.example")
    h.eq(st, 403, "the cookie from another site's page (CSRF)")
    st, b = unlock(w, None, h.PASSWORDS["anna"], cookie=cookie, origin=w.origin)
    h.eq(st, 200, "anna's own password, from the gateway's own page")
    h.check(isinstance(b, dict) and b.get("user") == w.user("anna")
            and h.is_ts(b.get("session", {}).get("expires_at"))
            and h.is_ts(b.get("session", {}).get("idle_until")),
            "the answer: the user and the sign-in's deadlines", "{user, session}", b)
    st, _, _ = w.http("GET", "/api/me", token=tok)
    h.eq(st, 200, "unlocked: GET /api/me")
    c = await w.ws_connect(tok, "anna-unlocked")
    h.check(c.welcome["user"]["id"] == w.ids["anna"], "unlocked: the WebSocket welcomes anna",
            "welcome", c.welcome)
    st, _, log = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=tok)
    h.eq(st, 200, "anna reads family A's log")
    rows = [e for e in log["entries"] if e["kind"] == "unlock"]
    h.check(rows and rows[-1]["actor"]["id"] == w.ids["anna"]
            and rows[-1]["detail"] == "127.0.0.1",
            "the unlock is in the log like a sign-in (who, from where)",
            "kind unlock, actor anna, detail 127.0.0.1", rows)


async def test_unread_count_is_no_activity(w):
    tok = w.login("bo")
    t0 = time.monotonic()
    anna = await w.ws_connect(w.login("anna"), "anna")
    mette = await w.client("mette")
    start = convs_unread(w, tok)
    await mette.send_msg(w.conv["A"], "En besked mere")
    await anna.send_msg(w.conv["A"], "Husk mødet torsdag", kind="note")
    polls = 0
    while time.monotonic() - t0 < IDLE + 1.5:
        st, b = unread(w, tok)
        h.eq(st, 200, "bo polls his unread count")
        polls += 1
        await asyncio.sleep(1.0)
    h.eq(b, {"unread": start + 2}, "bo's count: mette's message and anna's note")
    st, _, b = w.http("GET", "/api/me", token=tok)
    print("    %d polls of /api/me/unread in %.1f s; then GET /api/me: %s" % (
        polls, time.monotonic() - t0, st))
    h.eq(st, 401, "polling the count did not keep bo's sign-in from going idle")
    mt = w.token("mette")
    st, b = unread(w, mt)
    h.eq((st, b), (200, {"unread": convs_unread(w, mt)}),
         "a family member's count is the sum of her CONV.unread (no notes)")


async def test_idle_despite_automatic_frames(w):
    tok = w.login("dora")
    t0 = time.monotonic()
    c = await w.ws_connect(tok, "dora")
    last = h.conv_of(c.welcome, w.conv["B"])["last_id"]
    answered = 0

    async def automatic():
        nonlocal answered
        try:
            while True:
                for f in ({"type": "delivered", "conv": w.conv["B"], "upto": last},
                          {"type": "viewing", "conv": w.conv["B"]},
                          {"type": "sync", "after": 10 ** 12},
                          {"type": "ping"}):
                    f["ref"] = c.new_ref()
                    await c.send_frame(f)
                answered = sum(1 for f in c.buf if f.get("type") in ("pong", "messages",
                                                                       "delivery"))
                await asyncio.sleep(1.0)
        except websockets.exceptions.ConnectionClosed:
            pass

    task = asyncio.ensure_future(automatic())
    code = await c.wait_close(IDLE + SWEEP + SLACK + 2)
    at = time.monotonic() - t0
    await task
    print("    dora's socket sending delivered, viewing, sync and ping each second: closed "
          "after %.1f s with %s %r (%d answers before)" % (at, code, c.ws.close_reason,
                                                          answered))
    h.check(answered >= 8, "the frames were answered while the sign-in lived", ">= 8", answered)
    h.eq((code, c.ws.close_reason), (4401, "idle"), "closed as idle all the same")
    h.check(IDLE - 0.5 <= at <= IDLE + SWEEP + SLACK, "at the idle deadline",
            "%.0f..%.0f s" % (IDLE, IDLE + SWEEP + SLACK), "%.1f s" % at)
    st, _ = unread(w, tok)
    h.eq(st, 200, "locked, not ended")


async def test_sign_out_of_a_locked_sign_in(w):
    tok = w.login("erik")
    t0 = time.monotonic()
    sub = subscribe(w, tok, "erik's sign-in")
    amina = await w.client("amina")
    await wait_locked(t0)
    st, _ = unread(w, tok)
    h.eq(st, 200, "erik's sign-in is locked")
    await amina.send_msg(w.conv["B"], "Hej Erik")
    await svc.wait_for(sub, 1, timeout=10, what="a notification to erik's locked sign-in")
    st, hdr, _ = w.http("POST", "/api/logout", token=tok)
    h.eq(st, 204, "a locked sign-in may sign out (the lock screen's \"Log ud\")")
    h.check("Max-Age=0" in (hdr.get("Set-Cookie") or ""), "signing out clears the cookie",
            "Max-Age=0", hdr.get("Set-Cookie"))
    st, _ = unread(w, tok)
    h.eq(st, 401, "signed out: not even the count")
    st, _ = unlock(w, tok, h.PASSWORDS["erik"])
    h.eq(st, 401, "signed out: the password no longer opens it")
    await amina.send_msg(w.conv["B"], "Er du der?")
    await asyncio.sleep(1.5)
    h.eq(len(svc.received(sub)), 1, "signed out: its subscription ended with it")


async def test_absolute_lifetime_ends_a_locked_sign_in(w):
    tok, t_login = state["frida"]
    st, _ = unread(w, tok)
    left = t_login + ABSOLUTE - time.monotonic()
    if left > 1.0:
        h.eq(st, 200, "frida's sign-in, unused, is locked before its lifetime is over")
    await asyncio.sleep(max(0.0, left + 0.5))
    st, b = unread(w, tok)
    h.eq(st, 401, "after its absolute lifetime: the count is refused")
    h.check("expired" in b["error"]["message"], "the 401 says it expired", "...expired...", b)
    st, b = unlock(w, tok, h.PASSWORDS["frida"])
    h.eq(st, 401, "after its absolute lifetime the right password does not unlock it")
    h.check("expired" in b["error"]["message"], "and says it expired", "...expired...", b)
    c = await w.ws_open(label="frida")
    await c.send_frame({"type": "auth", "token": tok})
    h.eq(await c.wait_close(5), 4401, "nor does the WebSocket take it")


async def test_stop(w):
    svc.stop()


h.TIME_BUDGET = 150.0
h.run([test_start, test_unlock_throttled_like_login, test_locked_not_ended,
       test_unlock_own_password_only, test_unread_count_is_no_activity,
       test_idle_despite_automatic_frames, test_sign_out_of_a_locked_sign_in,
       test_absolute_lifetime_ends_a_locked_sign_in, test_stop],
      extra_args=["--staff-idle-minutes", "0.1", "--staff-session-hours", "0.01"],
      per_test_timeout=60.0)
