"""42 rate limit: rate_limited refusals close a connection with 1008 only when the client
sends on while refused.  A careful client that pipelines bursts, gets rate_limited, pauses
and resends the refused frames, again and again, stays open however many bursts it makes;
a client that keeps sending while refused (steadily, or in bursts with pauses too short
for the bucket to refill) is closed with 1008."""
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

RATE = 50     # frames per second per connection (burst 100): small, so bursts are quick
BURST = 200   # frames pipelined at a time: about 100 of each burst are refused
PAUSE = 1.5   # seconds a careful client waits after a refusal (the rule: 1 s)
MESSAGES = 400


async def collect(c, refs, timeout=10.0):
    """The direct replies to refs, by ref."""
    want, got = set(refs), {}
    while want - set(got):
        f = await c.recv_until(None, timeout, pred=lambda f: f.get("ref") in want)
        got[f["ref"]] = f
    return got


async def test_careful_client_stays_open(w):
    c = await w.client("mette", label="mette-careful")
    pending = ["careful-%d" % i for i in range(MESSAGES)]
    bursts = refused = 0
    while pending:
        bursts += 1
        burst, pending = pending[:BURST], pending[BURST:]
        for cid in burst:
            await c.send_frame({"type": "send", "conv": w.conv["A"], "client_id": cid,
                                "body": "burst %d" % bursts, "ref": cid})
        try:
            got = await collect(c, burst)
        except (h.Closed, h.Fail) as e:
            h.fail("the careful client was closed in burst %d after %d refusals, each burst "
                   "followed by a %.1f s pause" % (bursts, refused, PAUSE), "open", str(e))
        again = [cid for cid in burst if h.error_code(got[cid]) == "rate_limited"]
        bad = [got[cid] for cid in burst if got[cid].get("type") != "ack" and cid not in again]
        h.eq(bad[:3], [], "replies to the careful client's sends are ack or rate_limited")
        refused += len(again)
        pending = again + pending  # resend what was refused, after a pause
        if again:
            await asyncio.sleep(PAUSE)
    print("    note: %d messages in %d bursts, %d refusals in all" % (MESSAGES, bursts, refused))
    h.check(refused >= 300, "the careful client was refused more than 200 times in all",
            ">= 300", refused)
    await asyncio.sleep(PAUSE)  # and before what it does next, as a careful client would
    pong = await c.request({"type": "ping"})
    h.eq(pong.get("type"), "pong", "the careful client's connection still answers")
    mine = [m for m in await c.sync_all(0) if m["client_id"].startswith("careful-")]
    h.eq(len(mine), MESSAGES, "every message of the careful client is stored once")


async def flood_until_closed(c, bursts, size, pause):
    """Sends bursts of pings, `pause` seconds apart, never waiting for a reply
    (a reader beside it only drains the socket); returns the close code, or
    None when everything was sent and the connection is still open."""
    c.ignore = {"pong", "error"}

    async def sender():
        for _ in range(bursts):
            for _ in range(size):
                await c.send_frame({"type": "ping"})
            await asyncio.sleep(pause)

    send = asyncio.ensure_future(sender())
    read = asyncio.ensure_future(c.wait_close(bursts * (pause + 0.5) + 10))
    await asyncio.wait([send, read], return_when=asyncio.FIRST_COMPLETED)
    if read.done():
        send.cancel()
        await asyncio.gather(send, return_exceptions=True)
        return read.result()
    if send.exception() is None:
        read.cancel()
        await asyncio.gather(read, return_exceptions=True)
        return None
    return await read  # the socket closed under the sender


async def test_steady_abuser_closed(w):
    c = await w.client("jonas", label="jonas-steady")
    # four times the rate, one frame each 5 ms, for up to 10 s
    code = await flood_until_closed(c, 2000, 1, 0.005)
    h.eq(code, 1008, "a client sending steadily at 4x the rate while refused: close code")


async def test_short_pause_abuser_closed(w):
    c = await w.client("anna", label="anna-short-pause")
    # bursts of 150 with 0.3 s between them: the bucket never refills
    code = await flood_until_closed(c, 20, 150, 0.3)
    h.eq(code, 1008, "a client sending bursts 0.3 s apart while refused: close code")


h.run([test_careful_client_stays_open, test_steady_abuser_closed,
       test_short_pause_abuser_closed],
      extra_args=("--ws-rate", str(RATE)), per_test_timeout=45)
