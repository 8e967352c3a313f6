"""24 sessions: idle timeout and absolute lifetime of staff sign-ins (NIST SP 800-63B),
and that every way a sign-in ends closes the sockets already open on it.

The gateway runs with lifetimes of seconds instead of minutes and hours:
staff_idle_minutes = 0.1 (6 s) and staff_session_hours = 0.005 (18 s).  Open sockets
are swept every 5 s (HUB_RECHECK_MS), so a socket must close between its deadline and
deadline + 5 s (+ slack for a loaded machine).  Each test prints the measured times.

  - an idle staff token is refused: HTTP 401 and WebSocket `unauthorized` + 4401
  - a silent socket is closed at the idle deadline: `unauthorized` error, then 4401
  - `ping` frames (which clients send by themselves) are not activity: a socket that only
    pings is closed at the idle deadline too
  - activity extends the idle deadline: a socket that syncs, and a silent socket of a
    token used over HTTP, both outlive twice the idle limit; then the absolute lifetime
    ends them (the syncing one at its next frame, the silent one by the sweep)
  - logout and device revocation (HTTP) close open sockets at once (4403); staff
    deactivation and password reset (indgang-admin, another process) within the sweep
"""
import asyncio
import os
import subprocess
import sys
import time

import websockets.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

IDLE = 6.0       # staff_idle_minutes = 0.1
ABSOLUTE = 18.0  # staff_session_hours = 0.005
SWEEP = 5.0      # HUB_RECHECK_MS
SLACK = 3.0      # a loaded 2-core machine


def admin(db, *args):
    return subprocess.run([h.ADMIN, "--db", db] + list(args), capture_output=True, text=True,
                          timeout=30)


async def close_after(c, t0, timeout):
    """-> (seconds since t0 at the close, close code, frames received before it)."""
    code = await c.wait_close(timeout)
    return time.monotonic() - t0, code, list(c.buf)


def error_frames(frames, code):
    return [f for f in frames if f.get("type") == "error" and f.get("code") == code]


async def keep_pinging(c, every=1.0):
    """What a web client does by itself: `ping` frames, which are not activity."""
    n = 0
    try:
        while True:
            await c.send_frame({"type": "ping"})
            n += 1
            await asyncio.sleep(every)
    except websockets.exceptions.ConnectionClosed:
        return n


async def test_idle_socket_closed_and_token_refused(w):
    tok = w.login("carl")
    t0 = time.monotonic()
    c = await w.ws_connect(tok, "carl-silent")
    pinger = await w.ws_connect(tok, "carl-only-pings")
    pings = asyncio.ensure_future(keep_pinging(pinger))
    (at, code, frames), (p_at, p_code, p_frames) = await asyncio.gather(
        close_after(c, t0, IDLE + SWEEP + SLACK + 2),
        close_after(pinger, t0, IDLE + SWEEP + SLACK + 2))
    n_pings = await pings
    print("    silent staff socket: closed after %.1f s with %s (idle limit %.0f s, sweep %.0f s)"
          % (at, code, IDLE, SWEEP))
    print("    a socket of the same token sending only `ping` (%d of them): closed after %.1f s "
          "with %s" % (n_pings, p_at, p_code))
    h.eq(p_code, 4401, "pings alone do not keep a sign-in alive: close code")
    h.check(IDLE - 0.5 <= p_at <= IDLE + SWEEP + SLACK, "the pinging socket ends at the idle "
            "deadline too", "%.0f..%.0f s" % (IDLE, IDLE + SWEEP + SLACK), "%.1f s" % p_at)
    h.check(error_frames(p_frames, "unauthorized"), "the pinging socket got `unauthorized`",
            "an error frame", p_frames[-3:])
    h.eq(code, 4401, "a silent socket at the idle deadline: close code")
    h.eq(c.ws.close_reason, "idle", "the close reason of an idle sign-in")
    h.check(IDLE - 0.5 <= at <= IDLE + SWEEP + SLACK, "closed at the idle deadline, by the sweep",
            "%.0f..%.0f s" % (IDLE, IDLE + SWEEP + SLACK), "%.1f s" % at)
    errs = error_frames(frames, "unauthorized")
    h.check(len(errs) == 1, "an `unauthorized` error frame comes before the close", 1, frames)
    print("    its message: %r" % errs[0].get("message"))
    st, _, body = w.http("GET", "/api/me", token=tok)
    h.eq(st, 401, "the idle token over HTTP: status")
    h.check_error_body(body, "unauthorized", "the idle token over HTTP")
    msg = body["error"]["message"]
    print("    HTTP 401 message: %r" % msg)
    h.check("activity" in msg, "the 401 says the sign-in ended for inactivity", "...activity...",
            msg)
    c2 = await w.ws_open(label="carl-again")
    await c2.send_frame({"type": "auth", "token": tok})
    f = await c2.recv_frame(5)
    h.eq(h.error_code(f), "unauthorized", "auth frame with the idle token")
    h.eq(await c2.wait_close(5), 4401, "auth with the idle token: close code")
    # signing in again works at once
    st, _, _ = w.http("GET", "/api/me", token=w.login("carl"))
    h.eq(st, 200, "a fresh sign-in after the idle sign-out")


async def test_activity_extends_then_absolute_ends(w):
    t0 = time.monotonic()
    tok = w.login("anna")
    pinger = await w.ws_connect(tok, "anna-syncing")
    silent = await w.ws_connect(tok, "anna-silent")
    silent_close = asyncio.ensure_future(close_after(silent, t0, ABSOLUTE + SWEEP + SLACK + 4))
    http_ok = 0
    ping_ok = 0
    last_ok_at = 0.0
    pinger_close = None
    while time.monotonic() - t0 < ABSOLUTE + SWEEP + SLACK:
        await asyncio.sleep(2.0)
        st, _, _ = await w.ahttp("GET", "/api/me", token=tok)
        if st == 200:
            http_ok += 1
            last_ok_at = time.monotonic() - t0
        try:
            ref = pinger.new_ref()  # a sync that finds nothing: a real request, no access row
            await pinger.send_frame({"type": "sync", "after": 10 ** 12, "ref": ref})
            f = await pinger.recv_until(None, 5, pred=lambda f: f.get("ref") == ref)
        except (h.Fail, websockets.exceptions.ConnectionClosed):
            # the sweep came first: its error frame carries no ref
            errs = error_frames(pinger.buf, "unauthorized")
            f = errs[0] if errs else None
        if f is not None and f.get("type") == "messages":
            ping_ok += 1
            continue
        pinger_close = (time.monotonic() - t0, f)
        break
    h.check(pinger_close is not None, "the syncing socket is refused after the absolute lifetime",
            "refused", "still answering after %.1f s" % (time.monotonic() - t0))
    p_at, p_frame = pinger_close
    p_code = await pinger.wait_close(5)
    s_at, s_code, s_frames = await silent_close
    print("    staff token used every 2 s (idle limit %.0f s, lifetime %.0f s): %d syncs, "
          "%d HTTP 200s, the last at %.1f s" % (IDLE, ABSOLUTE, ping_ok, http_ok, last_ok_at))
    print("    syncing socket: refused at %.1f s (%s), closed %s; silent socket of the same "
          "token: closed at %.1f s with %s" % (p_at, h.error_code(p_frame) if p_frame else None,
                                              p_code, s_at, s_code))
    h.check(p_at >= 2 * IDLE, "activity kept the syncing socket past twice the idle limit",
            ">= %.0f s" % (2 * IDLE), "%.1f s" % p_at)
    h.check(s_at >= 2 * IDLE, "HTTP use of the token kept its silent socket open past twice the "
            "idle limit", ">= %.0f s" % (2 * IDLE), "%.1f s" % s_at)
    h.check(ABSOLUTE - 1 <= p_at <= ABSOLUTE + 2 + SLACK, "the syncing socket ends at the "
            "absolute lifetime", "%.0f s" % ABSOLUTE, "%.1f s" % p_at)
    h.check(ABSOLUTE - 1 <= s_at <= ABSOLUTE + SWEEP + SLACK, "the silent socket is closed by "
            "the sweep at the absolute lifetime", "%.0f..%.0f s" % (ABSOLUTE, ABSOLUTE + SWEEP),
            "%.1f s" % s_at)
    h.eq(h.error_code(p_frame) if p_frame else None, "unauthorized",
         "the frame after the absolute lifetime is answered `unauthorized`")
    h.eq(p_code, 4401, "the syncing socket after the absolute lifetime: close code")
    h.eq(s_code, 4401, "the silent socket after the absolute lifetime: close code")
    h.eq(silent.ws.close_reason, "expired", "the close reason of an expired sign-in")
    h.check(error_frames(s_frames, "unauthorized"), "the silent socket got `unauthorized` "
            "before the close", "an error frame", s_frames)
    st, _, body = w.http("GET", "/api/me", token=tok)
    h.eq(st, 401, "the token after its absolute lifetime")
    print("    HTTP 401 message: %r" % body["error"]["message"])
    h.check("expired" in body["error"]["message"], "the 401 says the sign-in expired",
            "...expired...", body)


async def timed_close(c, what, action, within):
    t0 = time.monotonic()
    await action()
    code = await c.wait_close(within + SLACK)
    dt = time.monotonic() - t0
    print("    %s: open socket closed %.2f s later with %s" % (what, dt, code))
    h.eq(code, 4403, "%s: close code" % what)
    h.check(dt <= within + SLACK, "%s: closed in time" % what, "<= %.0f s" % within, "%.2f s" % dt)
    return dt


async def test_every_end_closes_open_sockets(w):
    # logout (HTTP): at once
    bo = w.login("bo")
    c = await w.ws_connect(bo, "bo")

    async def logout():
        st, _, _ = await w.ahttp("POST", "/api/logout", token=bo)
        h.eq(st, 204, "logout")
    await timed_close(c, "logout", logout, 1.0)
    # device revocation by the pair (HTTP): at once
    dev = w.device("amina")
    c = await w.client("amina")
    dora = w.login("dora")

    async def revoke():
        st, _, _ = await w.ahttp("DELETE", "/api/devices/%d" % dev["id"], token=dora)
        h.eq(st, 204, "revoke Amina's phone")
    await timed_close(c, "device revoked by the pair", revoke, 1.0)
    w.forget_token("amina")
    # staff deactivation and password reset (indgang-admin): within the sweep
    c = await w.ws_connect(w.login("frida"), "frida")

    async def deactivate():
        r = await asyncio.to_thread(admin, w.db, "deactivate", "frida")
        h.eq(r.returncode, 0, "deactivate frida (%s)" % r.stderr)
    await timed_close(c, "staff deactivated (indgang-admin)", deactivate, SWEEP)
    c = await w.ws_connect(w.login("erik"), "erik")

    async def reset():
        r = await asyncio.to_thread(admin, w.db, "reset-password", "erik", "--password",
                                    "nyt-kodeord-24")
        h.eq(r.returncode, 0, "reset-password erik (%s)" % r.stderr)
    await timed_close(c, "password reset (indgang-admin)", reset, SWEEP)


h.TIME_BUDGET = 110.0
h.run([test_idle_socket_closed_and_token_refused, test_activity_extends_then_absolute_ends,
       test_every_end_closes_open_sockets],
      extra_args=["--staff-idle-minutes", "0.1", "--staff-session-hours", "0.005"],
      per_test_timeout=60.0)
