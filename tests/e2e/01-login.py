"""01 login: staff login, session cookie, /healthz, /api/me, logout, throttle."""
import os
import socket
import ssl
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


async def test_healthz(w):
    st, hd, b = w.http("GET", "/healthz")
    eq_ = h.eq
    eq_(st, 200, "GET /healthz status")
    eq_(b, {"status": "ok"}, "GET /healthz body")


async def test_login_ok(w):
    st, hd, b = w.http("POST", "/api/login", {"username": "anna", "password": h.PASSWORDS["anna"]})
    h.eq(st, 200, "POST /api/login (anna, right password) status")
    h.check("json" in (hd.get("Content-Type") or ""), "login response Content-Type",
            "application/json", hd.get("Content-Type"))
    h.check(isinstance(b.get("token"), str) and len(b["token"]) >= 32, "login: token string",
            "a long random string", b.get("token"))
    h.check(h.is_ts(b.get("expires_at")), "login: expires_at RFC 3339 ms UTC",
            "YYYY-MM-DDTHH:MM:SS.mmmZ", b.get("expires_at"))
    h.check(h.ts_ms(b["expires_at"]) > time.time() * 1000 + 60000, "login: expires_at is in "
            "the future", "> now", b["expires_at"])
    h.check_user(b.get("user"), "anna", "login: user", w)
    cookies = hd.get_all("Set-Cookie") or []
    h.check(cookies, "login sets a session cookie", "Set-Cookie header", hd.items())
    c = cookies[0]
    attrs = [a.strip().lower() for a in c.split(";")[1:]]
    for want in ("httponly", "secure", "samesite=strict"):
        h.check(want in attrs, "session cookie attribute %s" % want, "HttpOnly; Secure; "
                "SameSite=Strict", c)
    # the token works
    st, _, me = w.http("GET", "/api/me", token=b["token"])
    h.eq(st, 200, "GET /api/me with the fresh token")
    # admin logs in with role admin
    st, _, b = w.http("POST", "/api/login", {"username": "admin", "password": h.PASSWORDS["admin"]})
    h.eq(st, 200, "POST /api/login (admin) status")
    h.check_user(b.get("user"), "admin", "admin login: user", w)


async def test_login_wrong_same_answer(w):
    st1, _, b1 = w.http("POST", "/api/login", {"username": "anna", "password": "wrong-password-1"})
    st2, _, b2 = w.http("POST", "/api/login", {"username": "nobody", "password": "wrong-password-1"})
    h.eq(st1, 401, "login with wrong password: status")
    h.check_error_body(b1, "unauthorized", "login with wrong password")
    h.eq(st2, 401, "login as unknown user: status")
    h.eq(b2, b1, "unknown user and wrong password give the identical body")


async def test_me(w):
    st, _, b = w.http("GET", "/api/me", token=w.token("anna"))
    h.eq(st, 200, "GET /api/me (anna) status")
    h.check_user(b.get("user"), "anna", "/api/me user", w)
    convs = b.get("conversations")
    h.check(isinstance(convs, list), "/api/me conversations is a list", "list", b)
    for c in convs:
        h.check_conv(c, w, "/api/me conversation")
    ids = sorted(c["id"] for c in convs)
    h.check(w.conv["A"] in ids, "anna (pair of A) sees family A's conversation in /api/me",
            w.conv["A"], ids)
    h.check(w.conv["B"] not in ids, "anna does not see family B's conversation in /api/me",
            "absent", ids)
    ca = h.conv_of(b, w.conv["A"])
    h.eq(ca["family"], {"id": w.fam["A"], "name": "Familien Hansen"}, "/api/me CONV.family")


async def test_unauthorized(w):
    st, _, b = w.http("GET", "/api/me")
    h.eq(st, 401, "GET /api/me without a token: status")
    h.check_error_body(b, "unauthorized", "GET /api/me without a token")
    st, _, b = w.http("GET", "/api/me", token="0" * 64)
    h.eq(st, 401, "GET /api/me with an unknown token: status")
    h.check_error_body(b, "unauthorized", "GET /api/me with an unknown token")
    st, _, b = w.http("GET", "/api/me", token="not-a-token")
    h.eq(st, 401, "GET /api/me with a malformed token: status")


async def test_logout(w):
    tok = w.login("bo")
    c = await w.ws_connect(tok, "bo-ws")
    st, _, b = w.http("POST", "/api/logout", token=tok)
    h.eq(st, 204, "POST /api/logout status")
    st, _, b = w.http("GET", "/api/me", token=tok)
    h.eq(st, 401, "GET /api/me with a logged-out token")
    code = await c.wait_close(5)
    h.eq(code, 4403, "open WebSocket of a logged-out token: close code")
    # a fresh connection with that token is refused
    c2 = await w.ws_open(label="bo-ws2")
    await c2.send_frame({"type": "auth", "token": tok})
    f = await c2.recv_frame(5)
    h.eq(h.error_code(f), "unauthorized", "auth frame with a logged-out token")
    h.eq(await c2.wait_close(5), 4401, "close code after auth with a logged-out token")
    # other sessions are untouched
    st, _, _ = w.http("GET", "/api/me", token=w.token("anna"))
    h.eq(st, 200, "anna's own session still works after bo logged out")


async def test_tls_versions(w):
    raw = socket.create_connection(("127.0.0.1", w.port), timeout=5)
    with w.ssl.wrap_socket(raw, server_hostname="127.0.0.1") as s:
        print("    note: default handshake negotiated %s" % s.version())
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        s.recv(100)
        h.check(s.version() in ("TLSv1.3", "TLSv1.2"), "TLS version negotiated by default",
                "TLSv1.3 (preferred)", s.version())
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(w.ca)
    try:
        old.set_ciphers("DEFAULT:@SECLEVEL=0")
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ValueError, ssl.SSLError) as e:
        h.skip("a TLS 1.1 handshake is refused", "this client cannot offer TLS 1.1 (%s)" % e)
        return
    raw = socket.create_connection(("127.0.0.1", w.port), timeout=5)
    try:
        with old.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            h.fail("a TLS 1.1 handshake was accepted", "refused (TLS 1.2 minimum)", s.version())
    except (ssl.SSLError, ConnectionError) as e:
        pass


async def test_aborted_connections(w):
    """Port scanners, load-balancer probes and impatient phones open a
    connection and go away before sending a request; the gateway must live on."""
    time.sleep(0.1)
    raw = socket.create_connection(("127.0.0.1", w.port), timeout=5)
    raw.close()
    time.sleep(0.3)
    h.check(w.gw.running(), "gateway survives a TCP connect + close without any bytes",
            "still running", "exit status %s" % w.gw.proc.poll())
    raw = socket.create_connection(("127.0.0.1", w.port), timeout=5)
    s = w.ssl.wrap_socket(raw, server_hostname="127.0.0.1")
    s.close()
    time.sleep(0.3)
    h.check(w.gw.running(), "gateway survives a TLS handshake + close without a request",
            "still running", "exit status %s" % w.gw.proc.poll())
    st, _, b = w.http("GET", "/healthz")
    h.eq(st, 200, "/healthz after aborted connections")


async def test_throttle(w):
    # last: it throttles this client address
    statuses = []
    for i in range(30):
        st, _, b = w.http("POST", "/api/login", {"username": "carl", "password": "wrong-%d-xxxx" % i})
        statuses.append(st)
        if st == 429:
            h.check_error_body(b, "rate_limited", "login throttled")
            break
    h.check(429 in statuses, "repeated failed logins from one client are throttled",
            "429 within 30 failures", statuses)
    h.eq(statuses[0], 401, "the first failure of this burst is a plain 401")
    print("    note: first 429 after %d failed logins from this client (2 earlier in the file)"
          % len(statuses))


h.run([test_healthz, test_login_ok, test_login_wrong_same_answer, test_me, test_unauthorized,
       test_logout, test_tls_versions, test_aborted_connections,
       test_throttle])
