"""35 keep-alive: the gateway pings a signed-in WebSocket that has gone quiet and closes
one that stays silent, pong included, with 1001; a client that answers the pings stays
connected however long it says nothing else.

The gateway runs with idle_ping_seconds = 5 and idle_drop_seconds = 10 (the smallest
allowed).  Its sweep looks at each connection every 5 s, so the ping comes 5-10 s into
the silence and the close 10-15 s (documented in indgang.conf(5)).  Raw sockets
(rawws.py): a WebSocket library would answer the pings by itself.
"""
import asyncio
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from rawws import OP_CLOSE, OP_PING, OP_PONG, Raw  # noqa: E402

PING_S, DROP_S, SWEEP_S = 5, 10, 5
WATCH_S = DROP_S + SWEEP_S + 2  # how long both clients are watched


def answering(w, out):
    """Signs in, then only answers pings for WATCH_S; records when they came."""
    r = Raw(w).auth("anna")
    t0 = time.monotonic()
    pings, closed = [], None
    while time.monotonic() - t0 < WATCH_S:
        try:
            op, p = r.recv(timeout=max(0.1, WATCH_S - (time.monotonic() - t0)))
        except TimeoutError:
            break
        if op == OP_PING:
            pings.append(time.monotonic() - t0)
            r.send(r.frame(p, OP_PONG))
        elif op == OP_CLOSE:
            closed = time.monotonic() - t0
            break
    out["answering"] = (r, pings, closed)


def silent(w, out):
    """Signs in, then reads without ever answering."""
    r = Raw(w).auth("bo")
    out["silent"] = r.outcome(timeout=WATCH_S)
    r.close()


async def test_silent_closed_answering_kept(w):
    out = {}
    threads = [threading.Thread(target=f, args=(w, out), daemon=True)
               for f in (answering, silent)]
    for t in threads:
        t.start()
    await asyncio.to_thread(lambda: [t.join(WATCH_S + 10) for t in threads])

    kind, code, reason, secs, frames = out["silent"]
    pings = [f for f in frames if isinstance(f, tuple) and f[0] == "ping"]
    h.check(len(pings) == 1, "the silent client was pinged once", "1 ping", frames)
    h.check(kind == "close" and code == 1001, "the silent client is closed with 1001",
            "close 1001", "%s %s %r" % (kind, code, reason))
    h.eq(reason, "no answer to ping", "the close says why")
    h.check(DROP_S - 0.5 <= secs <= DROP_S + SWEEP_S + 1.5,
            "closed %d-%d s into the silence" % (DROP_S, DROP_S + SWEEP_S), "in range",
            "%.1f s" % secs)
    print("    note: the silent client was closed (1001) after %.1f s" % secs)

    r, times, closed = out["answering"]
    h.check(closed is None, "the answering client stays connected", "no Close",
            "closed after %s s" % closed)
    h.check(len(times) >= 2, "it was pinged again after each answer", ">= 2 pings", times)
    h.check(PING_S - 0.5 <= times[0] <= PING_S + SWEEP_S + 1.5,
            "first ping %d-%d s into the quiet" % (PING_S, PING_S + SWEEP_S), "in range",
            "%.1f s" % times[0])
    print("    note: pings to the answering client at %s s"
          % ", ".join("%.1f" % t for t in times))
    await asyncio.to_thread(r.ping_ok, "after %.0f s of pongs only" % WATCH_S)
    r.close()
    h.check(any("event=ws_closed_silent" in line for line in w.gw.lines),
            "the close is logged (ws_closed_silent)", "a log line", w.gw.tail(5))


h.run([test_silent_closed_answering_kept],
      extra_args=["--idle-ping-seconds", str(PING_S), "--idle-drop-seconds", str(DROP_S)],
      per_test_timeout=45)
