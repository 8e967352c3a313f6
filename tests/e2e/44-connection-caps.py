"""44 connection caps: the per-address cap (connections_per_address, here 8) counts only
connections that have not signed in, because a mobile carrier's NAT puts many families
behind one address and an office NAT all its advisers.  From one address, more signed-in
WebSockets than the cap (several accounts and devices) all stay open; connections that
have not signed in are refused beyond the cap; signed-in ones are limited per account
(connections_per_account, 30) and per device or sign-in (connections_per_device, 10),
and the one over a limit gets an error frame rate_limited and close 4429."""
import asyncio
import http.client
import os
import select
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

PER_ADDRESS = 8
PER_ACCOUNT = 30  # the defaults
PER_DEVICE = 10
CLOSE_TOO_MANY = 4429


def refused_quickly(s, wait=3.0):
    """True when the server closed the socket (EOF or reset) within `wait` seconds."""
    r, _, _ = select.select([s], [], [], wait)
    if not r:
        return False
    try:
        return s.recv(1) == b""
    except OSError:
        return True


async def signed_in(w, token, label):
    try:
        return await w.ws_connect(token, label)
    except Exception as e:  # refused at accept, or closed before the welcome
        h.fail("%s: a signed-in connection from 127.0.0.1 is accepted" % label, "welcome",
               "%s: %s" % (type(e).__name__, e))


async def all_answer(clients, what):
    for c in clients:
        try:
            pong = await c.request({"type": "ping"})
        except (h.Closed, h.Fail) as e:
            h.fail("%s: %s still open" % (what, c.label), "pong", str(e))
        h.eq(pong.get("type"), "pong", "%s: %s answers" % (what, c.label))


async def test_signed_in_beyond_the_address_cap(w):
    """12 signed-in connections from one address with a cap of 8, then 8 that do not
    sign in; the 9th of those is refused at accept."""
    keys = ["anna", "bo", "carl", "dora", "erik", "frida", "mette", "jonas", "amina",
            "anna", "bo", "mette"]
    clients = []
    for i, k in enumerate(keys):
        clients.append(await signed_in(w, w.token(k), "%s-%d" % (k, i)))
    await all_answer(clients, "%d signed-in connections from one address (cap %d)"
                     % (len(keys), PER_ADDRESS))
    idle = []
    try:
        for i in range(PER_ADDRESS):
            s = socket.create_connection(("127.0.0.1", w.port), timeout=5)
            idle.append(s)
        for s in idle:
            h.check(not refused_quickly(s, 0.3), "a connection that has not signed in, "
                    "within the cap, is kept", "open", "closed")
        extra = socket.create_connection(("127.0.0.1", w.port), timeout=5)
        h.check(refused_quickly(extra), "connection %d that has not signed in is refused"
                % (PER_ADDRESS + 1), "closed at accept", "open")
        extra.close()
    finally:
        for s in idle:
            s.close()
    await all_answer(clients, "the signed-in connections meanwhile")
    # A signed-in connection gave back its address slot: 8 new ones fit again.
    await asyncio.sleep(0.5)
    more = []
    try:
        for i in range(PER_ADDRESS):
            more.append(socket.create_connection(("127.0.0.1", w.port), timeout=5))
        h.check(not any(refused_quickly(s, 0.3) for s in more),
                "the address has its %d slots for connections not signed in" % PER_ADDRESS,
                "open", "one closed")
    finally:
        for s in more:
            s.close()
    await w.close_clients()


async def refused_over_limit(w, token, label):
    c = await w.ws_open(label=label)
    await c.send_frame({"type": "auth", "token": token})
    f = await c.recv_frame(5)
    h.eq(h.error_code(f), "rate_limited", "%s: the error frame before the close" % label)
    code = await c.wait_close(5)
    h.eq(code, CLOSE_TOO_MANY, "%s: close code" % label)


async def test_per_device_and_account_limits(w):
    tokens = [w.login("anna") for _ in range(PER_ACCOUNT // PER_DEVICE + 1)]
    open_ = []
    for i in range(PER_DEVICE):
        open_.append(await signed_in(w, tokens[0], "anna-t0-%d" % i))
    await refused_over_limit(w, tokens[0], "anna's sign-in 0, connection %d" % (PER_DEVICE + 1))
    for t in range(1, PER_ACCOUNT // PER_DEVICE):
        for i in range(PER_DEVICE):
            open_.append(await signed_in(w, tokens[t], "anna-t%d-%d" % (t, i)))
    h.eq(len(open_), PER_ACCOUNT, "anna's open connections")
    await refused_over_limit(w, tokens[-1], "anna's connection %d" % (PER_ACCOUNT + 1))
    await all_answer(open_, "anna's connections within her limits")
    bo = await signed_in(w, w.token("bo"), "bo-after")
    await all_answer([bo], "another account")
    # One closes: the account has room again.
    await open_.pop().close()
    await asyncio.sleep(0.3)
    open_.append(await signed_in(w, tokens[-1], "anna-again"))
    await w.close_clients()


def keep_alive_get(w, path, token=None):
    """An HTTPS connection left open (keep-alive) after one GET; -> (conn, status)."""
    conn = http.client.HTTPSConnection("127.0.0.1", w.port, context=w.ssl, timeout=5)
    conn.request("GET", path, headers={"Authorization": "Bearer " + token} if token else {})
    r = conn.getresponse()
    r.read()
    return conn, r.status


async def test_proven_http_beyond_the_address_cap(w):
    """Kannel keeps a pool of delivery-report connections open, a town hall's NAT many
    browsers: HTTP connections whose request proved who sent it (a sign-in, Kannel's
    secret) give back their address slot, as a signed-in WebSocket does; anonymous ones
    keep theirs until they close."""
    token = w.token("anna")
    proven = []
    anonymous = []
    try:
        for i in range(PER_ADDRESS + 4):
            conn, status = keep_alive_get(w, "/api/me", token)
            h.eq(status, 200, "signed-in GET /api/me %d from 127.0.0.1" % i)
            proven.append(conn)
        for i in range(PER_ADDRESS):
            conn, status = keep_alive_get(w, "/healthz")
            h.eq(status, 200, "anonymous GET /healthz %d within the cap" % i)
            anonymous.append(conn)
        extra = socket.create_connection(("127.0.0.1", w.port), timeout=5)
        h.check(refused_quickly(extra), "with %d proven and %d anonymous keep-alive "
                "connections open, one more is refused" % (len(proven), len(anonymous)),
                "closed at accept", "open")
        extra.close()
        proven[0].request("GET", "/api/me", headers={"Authorization": "Bearer " + token})
        r = proven[0].getresponse()
        r.read()
        h.eq(r.status, 200, "a proven keep-alive connection takes its next request")
    finally:
        for c in proven + anonymous:
            c.close()


h.run([test_signed_in_beyond_the_address_cap, test_per_device_and_account_limits,
       test_proven_http_beyond_the_address_cap],
      extra_args=("--connections-per-address", str(PER_ADDRESS)), per_test_timeout=45)
