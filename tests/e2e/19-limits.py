"""19 limits: a consumer that stops reading is cut off (4408) without the server holding
its backlog, and gets everything in order after it reconnects and syncs; a client that
keeps flooding past rate_limited is closed with 1008; an expired invite is gone (410)."""
import asyncio
import hashlib
import json
import os
import socket
import sqlite3
import sys

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

OUTBOX_FRAMES = 256
RATE = 400  # frames per second per connection (burst 800)
BODY = "ø" * 3000  # ~6 KB of UTF-8 per message, to fill socket buffers quickly


async def slow_reader(w, key):
    """A connection whose socket buffer is tiny and which stops reading after the welcome."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", w.port))
    ws = await websockets.connect(w.ws_uri, ssl=w.ssl, sock=sock, server_hostname="127.0.0.1",
                                  subprotocols=[h.SUBPROTOCOL], max_size=None, max_queue=1,
                                  ping_interval=None, close_timeout=1, compression=None)
    await ws.send(json.dumps({"type": "auth", "token": w.token(key)}))
    welcome = json.loads(await ws.recv())
    h.eq(welcome.get("type"), "welcome", "the slow reader's welcome")
    return ws, welcome["last_id"]


async def test_lagging_consumer(w):
    ws, last_seen = await slow_reader(w, "carl")
    mette = await w.client("mette", label="mette-flood")
    total = 2400
    for r in range(total // 100):
        await mette.send_many(w.conv["A"], [("lag-%d-%d" % (r, i), BODY) for i in range(100)])
    # The server had to drop the consumer: reading now yields part of the
    # backlog and then the end of the connection, never all 2,400 messages.
    received = 0
    try:
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 15))
            received += frame.get("type") == "message"
    except websockets.exceptions.ConnectionClosed:
        pass
    h.check(ws.close_code in (4408, 1006), "the lagging consumer is disconnected",
            "4408 (or 1006 if the server had to drop it before the client read the close)",
            ws.close_code)
    h.check(received < total, "the server did not hold the whole backlog for it",
            "< %d messages" % total, received)
    print("    note: lagging consumer closed with %s after %d of %d messages"
          % (ws.close_code, received, total))
    # It reconnects and syncs from the last id it saw: everything, in order, once.
    c = await w.client("carl", label="carl-resync")
    got = await c.sync_all(last_seen, 500, timeout=30)
    ids = [m["id"] for m in got]
    h.eq(ids, sorted(set(ids)), "the resync is ascending without duplicates")
    mine = [m for m in got if m["client_id"].startswith("lag-")]
    h.eq(len(mine), total, "the resync delivers every message sent while it lagged")


async def test_flood_closes_1008(w):
    c = await w.client("jonas", label="jonas-flood")
    code = None
    try:
        for _ in range(20):
            await asyncio.gather(*(c.send_frame({"type": "ping"}) for _ in range(200)))
            await asyncio.sleep(0)
    except h.Closed as e:
        code = e.code
    except websockets.exceptions.ConnectionClosed:
        code = c.ws.close_code
    if code is None:
        code = await c.wait_close(10)
    h.eq(code, 1008, "a client that keeps flooding past rate_limited: close code")


async def test_expired_invite(w):
    code = w.invites["amina"]
    with sqlite3.connect(w.db) as db:
        db.execute("UPDATE invites SET expires_at = 1 WHERE code_hash = ?",
                   (hashlib.sha256(code.encode()).hexdigest(),))
    st, _, body = w.http("POST", "/api/enrol", {"code": code, "device": "phone"})
    h.eq(st, 410, "an expired invite code: status")
    h.check_error_body(body, "gone", "an expired invite code")


h.run([test_lagging_consumer, test_flood_closes_1008, test_expired_invite],
      extra_args=("--outbox-frames", str(OUTBOX_FRAMES), "--ws-rate", str(RATE)),
      per_test_timeout=50)
