"""28 connections: many connections from one address, half-open connections and clients
that never authenticate.  The per-address limit (connections_per_address, default 200)
holds at accept time, the deadlines close whatever never gets anywhere, the slots come
back when the connections are gone, and a family and an adviser on other addresses sign
in and exchange messages all the while.

From 127.0.0.1 (the gateway keys on the TCP peer address): 120 TCP connections that
never send a TLS ClientHello, 40 TLS connections that never send an HTTP request and 40
WebSockets that never authenticate fill the limit; 50 more are refused at once.  The
legitimate users connect from 127.0.0.2 (family) and 127.0.0.3 (adviser).  Prints the
counts and timings.

    /usr/bin/python3 tests/e2e/28-connections.py
"""
import asyncio
import base64
import http.client
import json
import os
import select
import socket
import ssl
import struct
import sys
import time

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

LIMIT = 200  # the default: the test runs the gateway without the flag
HALF_OPEN, TLS_IDLE, WS_NOAUTH, OVER = 120, 40, 40, 50
ATTACKER, FAMILY_ADDR, ADVISER_ADDR = "127.0.0.1", "127.0.0.2", "127.0.0.3"


def tcp(w, src, timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", w.port))
    return s


def refused_quickly(s, wait):
    """True when the server closed the socket (EOF or reset) within `wait` seconds."""
    r, _, _ = select.select([s], [], [], wait)
    if not r:
        return False
    try:
        return s.recv(1) == b""
    except OSError:
        return True


def tls(w, src):
    return w.ssl.wrap_socket(tcp(w, src), server_hostname="localhost")


def ws_noauth(w, src):
    """A TLS WebSocket upgraded by hand that then sends nothing."""
    s = tls(w, src)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: %s\r\n\r\n" % (w.port, key, h.SUBPROTOCOL)).encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        h.check(d, "a WebSocket upgrade from %s within the limit is answered" % src, "101", buf)
        buf += d
    h.check(buf.startswith(b"HTTP/1.1 101"), "upgrade answered with 101", "101", buf[:80])
    return s, buf.split(b"\r\n\r\n", 1)[1]


def server_frames(data):
    """(opcode, payload) of every whole server frame in data."""
    out, i = [], 0
    while i + 2 <= len(data):
        n, j = data[i + 1] & 0x7F, i + 2
        if n == 126:
            n, j = struct.unpack("!H", data[j:j + 2])[0], j + 2
        elif n == 127:
            n, j = struct.unpack("!Q", data[j:j + 8])[0], j + 8
        if j + n > len(data):
            break
        out.append((data[i] & 0x0F, data[j:j + n]))
        i = j + n
    return out


def watch_until_closed(conns, deadline_s):
    """conns: [{"sock", "t0", "buf"}]; reads until each is closed by the server.
    Sets "closed_after" and "first_data_after" (seconds since its t0) or leaves them None."""
    for c in conns:
        c["sock"].setblocking(False)
        c.setdefault("buf", b"")
        c["closed_after"] = c["first_data_after"] = None
    open_ = {c["sock"].fileno(): c for c in conns}
    end = time.monotonic() + deadline_s
    while open_ and time.monotonic() < end:
        pending = [c for c in open_.values()
                   if isinstance(c["sock"], ssl.SSLSocket) and c["sock"].pending()]
        r = pending or [open_[fd] for fd in select.select(list(open_), [], [], 0.2)[0]]
        for c in r:
            done = False
            try:
                while True:
                    d = c["sock"].recv(65536)
                    if not d:
                        done = True
                        break
                    if c["first_data_after"] is None:
                        c["first_data_after"] = time.monotonic() - c["t0"]
                    c["buf"] += d
            except (ssl.SSLWantReadError, BlockingIOError):
                pass
            except OSError:
                done = True
            if done:
                c["closed_after"] = time.monotonic() - c["t0"]
                del open_[c["sock"].fileno()]
    return conns


def spread(xs):
    xs = sorted(x for x in xs if x is not None)
    return "min %.1f s, median %.1f s, max %.1f s" % (xs[0], xs[len(xs) // 2], xs[-1]) if xs \
        else "none"


def https(w, src, method, path, body=None, token=None):
    conn = http.client.HTTPSConnection("127.0.0.1", w.port, context=w.ssl, timeout=15,
                                       source_address=(src, 0))
    hdrs = {"Content-Type": "application/json"}
    if token:
        hdrs["Authorization"] = "Bearer " + token
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers=hdrs)
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"null")
    finally:
        conn.close()


async def ws_from(w, src, token, label):
    sock = tcp(w, src)
    sock.setblocking(False)
    ws = await websockets.connect(w.ws_uri, ssl=w.ssl, sock=sock, server_hostname="127.0.0.1",
                                  subprotocols=[h.SUBPROTOCOL], max_size=None,
                                  ping_interval=None, close_timeout=1, compression=None,
                                  open_timeout=10)
    c = h.Client(ws, label)
    w.clients.append(c)
    await c.send_frame({"type": "auth", "token": token})
    f = await c.recv_frame(10)
    h.eq(f.get("type"), "welcome", "%s from %s: welcome" % (label, src))
    return c


async def legitimate_users(w, family_token):
    """The family member and the adviser sign in from other addresses and exchange
    messages; returns the timings."""
    t = time.monotonic()
    st, body = await asyncio.to_thread(
        https, w, ADVISER_ADDR, "POST", "/api/login",
        {"username": "anna", "password": h.PASSWORDS["anna"]})
    h.eq(st, 200, "the adviser signs in over HTTP from %s while %s is at its limit"
         % (ADVISER_ADDR, ATTACKER))
    login_s = time.monotonic() - t
    t = time.monotonic()
    anna = await ws_from(w, ADVISER_ADDR, body["token"], "anna@.3")
    mette = await ws_from(w, FAMILY_ADDR, family_token, "mette@.2")
    connect_s = time.monotonic() - t
    rtts = []
    conv = w.conv["A"]
    for i in range(10):
        for sender, receiver in ((mette, anna), (anna, mette)):
            t = time.monotonic()
            msg = await sender.send_msg(conv, "hej %d fra %s" % (i, sender.label))
            got = await receiver.recv_until("message", 10, pred=lambda f, m=msg:
                                            f.get("message", {}).get("id") == m["id"])
            h.eq(got["message"]["body"], msg["body"], "the message arrives intact")
            rtts.append(time.monotonic() - t)
    await anna.close()
    await mette.close()
    return login_s, connect_s, rtts


async def test_limits_hold_and_users_keep_working(w):
    family_token = w.token("mette")  # enrolled before the attack (the invite is single-use)
    opened = []
    t_start = time.monotonic()

    def attack():
        for _ in range(HALF_OPEN):
            opened.append({"kind": "half-open", "sock": tcp(w, ATTACKER), "t0": time.monotonic()})
        for _ in range(TLS_IDLE):
            opened.append({"kind": "tls-idle", "sock": tls(w, ATTACKER), "t0": time.monotonic()})
        for _ in range(WS_NOAUTH):
            t0 = time.monotonic()
            s, rest = ws_noauth(w, ATTACKER)
            opened.append({"kind": "ws-noauth", "sock": s, "t0": t0, "buf": rest})

    await asyncio.to_thread(attack)
    open_s = time.monotonic() - t_start
    h.eq(len(opened), LIMIT, "connections opened from %s" % ATTACKER)
    # The limit is full: every further connection from that address is closed at once.
    over = await asyncio.to_thread(lambda: [tcp(w, ATTACKER) for _ in range(OVER)])
    t = time.monotonic()
    refused = await asyncio.to_thread(lambda: sum(refused_quickly(s, 3) for s in over))
    refuse_s = time.monotonic() - t
    for s in over:
        s.close()
    # None of the 200 was dropped by the limit (the deadlines are 10 s and more).
    early = sum(refused_quickly(c["sock"], 0) for c in opened if c["kind"] == "half-open")
    print("    %d connections from %s in %.1f s (%d half-open TCP, %d TLS without a request, "
          "%d WebSockets without auth); %d more: %d refused at accept (%.2f s to see all)"
          % (LIMIT, ATTACKER, open_s, HALF_OPEN, TLS_IDLE, WS_NOAUTH, OVER, refused, refuse_s))
    h.eq(refused, OVER, "connections beyond %d from one address are refused" % LIMIT)
    h.eq(early, 0, "connections within the limit are not dropped early")

    # Meanwhile the legitimate users on other addresses work as usual.
    login_s, connect_s, rtts = await legitimate_users(w, family_token)
    rtts.sort()
    print("    meanwhile from %s/%s: sign-in %.2f s, two WebSockets %.2f s, %d messages, "
          "round trip median %.0f ms, max %.0f ms"
          % (FAMILY_ADDR, ADVISER_ADDR, login_s, connect_s, len(rtts),
             rtts[len(rtts) // 2] * 1000, rtts[-1] * 1000))

    # The deadlines close every connection that never got anywhere.
    await asyncio.to_thread(watch_until_closed, opened, 35)
    by_kind = {}
    for c in opened:
        by_kind.setdefault(c["kind"], []).append(c)
    for kind, cs in by_kind.items():
        times = [c["closed_after"] for c in cs]
        print("    %-10s %3d closed by the gateway: %s" % (kind, sum(t is not None for t in times),
                                                         spread(times)))
        h.check(all(t is not None for t in times), "every %s connection is closed by the "
                "gateway" % kind, "all %d" % len(cs), "%d still open after 35 s"
                % sum(t is None for t in times))
    codes = []
    for c in by_kind["ws-noauth"]:
        frames = server_frames(c["buf"])
        errors = [json.loads(p).get("code") for op, p in frames if op == 1]
        close = [struct.unpack("!H", p[:2])[0] for op, p in frames if op == 8 and len(p) >= 2]
        codes.append((tuple(errors), tuple(close)))
    h.eq(set(codes), {(("unauthorized",), (4401,))},
         "a WebSocket that never authenticates: an unauthorized error, then close 4401")
    noauth = [c["first_data_after"] for c in by_kind["ws-noauth"]]
    print("    ws-noauth: error and close 4401 sent %s after the upgrade (TCP cut 3 s later: "
          "these clients never answer the Close)" % spread(noauth))
    h.check(None not in noauth and 9.5 <= min(noauth) and max(noauth) <= 13,
            "the auth deadline is 10 s", "4401 sent 10-13 s after the upgrade", spread(noauth))

    # Every slot came back: the address gets its whole allowance again.
    def again():
        socks = [tcp(w, ATTACKER) for _ in range(LIMIT)]
        time.sleep(1.5)
        dropped = sum(refused_quickly(s, 0) for s in socks)
        extra = tcp(w, ATTACKER)
        extra_refused = refused_quickly(extra, 3)
        for s in socks + [extra]:
            s.close()
        return dropped, extra_refused

    dropped, extra_refused = await asyncio.to_thread(again)
    print("    afterwards: %d new connections from %s admitted, %d dropped; the next one "
          "refused: %s" % (LIMIT - dropped, ATTACKER, dropped, extra_refused))
    h.eq(dropped, 0, "after the deadlines the address has its %d slots again" % LIMIT)
    h.check(extra_refused, "and the limit still holds", "refused", "admitted")
    h.check(any("event=connections_refused" in l for l in w.gw.lines),
            "refusals are logged (connections_refused)", "a log line", w.gw.tail(5))
    for c in opened:
        c["sock"].close()


h.run([test_limits_hold_and_users_keep_working], per_test_timeout=50)
