"""43 request deadline: every HTTP request must arrive whole within its deadline
(http_request_seconds, 20 s by default, counted from its headers).  A POST whose body
is trickled one byte every 2 s is answered 408 and closed once the deadline has passed,
and the gateway logs it; a body sent slowly but within the deadline is served, and
other users are not disturbed meanwhile."""
import asyncio
import os
import re
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

DEADLINE = 20   # the default of http_request_seconds
TRICKLE = 2.0   # seconds between two bytes of the trickled body
SLACK = 8       # scheduling slack under the sanitizers


def post_head(w, length):
    return ("POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (w.port, length)).encode()


def trickle(w, body, interval, give_up):
    """Sends the headers, then body one byte per interval, reading whatever the
    server says; returns (seconds from the headers to the end, what was read,
    bytes of the body sent)."""
    raw = socket.create_connection(("127.0.0.1", w.port), timeout=10)
    s = w.ssl.wrap_socket(raw, server_hostname="127.0.0.1")
    s.sendall(post_head(w, len(body)))
    start, got, sent = time.monotonic(), b"", 0
    s.settimeout(interval)
    try:
        while time.monotonic() - start < give_up:
            if sent < len(body):
                s.sendall(body[sent:sent + 1])
                sent += 1
            try:
                data = s.recv(65536)
            except socket.timeout:
                continue
            if not data:
                break
            got += data
            if b"\r\n\r\n" in got and sent >= len(body):
                break  # a whole answer to a whole request
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        s.close()
    return time.monotonic() - start, got, sent


async def test_trickled_body_times_out(w):
    body = b'{"username":"anna","password":"' + b"x" * 60 + b'"}'
    loop = asyncio.get_event_loop()
    job = loop.run_in_executor(None, trickle, w, body, TRICKLE, DEADLINE + TRICKLE + SLACK + 4)
    # Meanwhile the gateway serves others as usual.
    c = await w.client("bo", label="bo-meanwhile")
    await asyncio.sleep(3)
    pong = await c.request({"type": "ping"})
    h.eq(pong.get("type"), "pong", "another user is served while a body trickles in")
    took, got, sent = await job
    status = re.match(rb"HTTP/1\.1 (\d{3})", got)
    print("    note: ended after %.1f s, %d of %d body bytes sent, answer %r"
          % (took, sent, len(body), got[:40]))
    h.check(sent < len(body), "the trickled body was cut off before its end",
            "< %d bytes sent" % len(body), sent)
    h.check(took <= DEADLINE + TRICKLE + SLACK, "the connection ended by the deadline",
            "<= %d s" % (DEADLINE + TRICKLE + SLACK), "%.1f s" % took)
    h.check(took >= DEADLINE - 1, "not before the deadline", ">= %d s" % (DEADLINE - 1),
            "%.1f s" % took)
    h.eq(status and status.group(1), b"408", "the answer to a request that missed its deadline")
    # The log line is written as the connection closes; the harness reads the
    # gateway's stderr on a thread of its own, so give it a moment.
    for _ in range(40):
        if any("http_request_timeout" in l for l in w.gw.lines):
            break
        await asyncio.sleep(0.05)
    h.check(any("http_request_timeout" in l for l in w.gw.lines),
            "the gateway logs the timeout", "event=http_request_timeout", w.gw.tail(5))


async def test_slow_body_within_deadline(w):
    body = b'{"username":"anna","password":"%s"}' % h.PASSWORDS["anna"].encode()
    took, got, sent = await asyncio.get_event_loop().run_in_executor(
        None, trickle, w, body, 0.05, 20)
    status = re.match(rb"HTTP/1\.1 (\d{3})", got)
    h.eq(status and status.group(1), b"200", "a body sent slowly (%.1f s) within the deadline"
         % took)


h.run([test_slow_body_within_deadline, test_trickled_body_times_out], per_test_timeout=50)
