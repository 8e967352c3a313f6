"""14 sigterm: a clean shutdown during a burst flushes, acks, closes 1001 and exits 0."""
import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SENDERS = [("mette", None), ("anna", None), ("bo", None), ("carl", "note")]
PER = 300
TERM_AFTER = 200


async def test_sigterm_mid_burst(w):
    for k in [k for k, _ in SENDERS] + ["dora"]:
        w.token(k)
    cs = await asyncio.gather(*(w.client(k, label="%s-burst" % k) for k, _ in SENDERS))
    idle = await w.client("dora", label="dora-idle")
    acked = {k: {} for k, _ in SENDERS}
    codes = {}
    state = {}

    async def burst(c, key, kind):
        try:
            await c.send_many(w.conv["A"], [("%s-term-%03d" % (key, i), "%s %d" % (key, i))
                                            for i in range(PER)], kind=kind, acked=acked[key],
                              stop_codes=("unavailable",))
            codes[key] = await c.wait_close(10)
        except h.Closed as e:
            codes[key] = e.code
            # A send can fail on the closing socket while frames the server sent
            # before its Close are still queued in the client library: read them.
            try:
                while True:
                    await c._pull(0.5)
            except (h.Closed, asyncio.TimeoutError):
                pass
        # acks that arrived after the burst stopped (e.g. on 'unavailable') still count
        for f in c.buf:
            if f.get("type") == "ack" and isinstance(f.get("message"), dict):
                acked[key][f.get("client_id")] = f["message"]

    async def terminator():
        t0 = time.monotonic()
        while sum(len(a) for a in acked.values()) < TERM_AFTER:
            if time.monotonic() - t0 > 20:
                h.fail("burst too slow", ">= %d acks in 20 s" % TERM_AFTER,
                       sum(len(a) for a in acked.values()))
            await asyncio.sleep(0.002)
        state["acks_at_term"] = sum(len(a) for a in acked.values())
        state["t"] = time.monotonic()
        w.gw.expect_down = True
        w.gw.proc.send_signal(15)

    tasks = [asyncio.create_task(burst(c, k, kind)) for c, (k, kind) in zip(cs, SENDERS)]
    await terminator()
    idle_code = await idle.wait_close(10)
    await asyncio.gather(*tasks)
    try:
        rc = await asyncio.to_thread(w.gw.proc.wait, 10)
    except Exception:
        rc = "still running after 10 s"
    took = time.monotonic() - state["t"]
    total = sum(len(a) for a in acked.values())
    print("    note: SIGTERM after %d acks; %d acks in all; exit %s after %.1fs"
          % (state["acks_at_term"], total, rc, took))
    h.eq(idle_code, 1001, "an idle connection at SIGTERM: close code")
    for k, _ in SENDERS:
        h.eq(codes.get(k), 1001, "%s's busy connection at SIGTERM: close code" % k)
    h.eq(rc, 0, "gateway exit status after SIGTERM")
    h.check(took < 8, "gateway exits within a few seconds of SIGTERM", "< 8 s", "%.1f s" % took)

    w.gw.start()
    anna = await w.client("anna", label="anna-check")
    stored = {m["id"]: m for m in await anna.sync_all(0, 500, timeout=15)}
    lost = [(k, cid, m["id"]) for k, a in acked.items() for cid, m in a.items()
            if stored.get(m["id"], {}).get("client_id") != cid]
    h.eq(lost[:5], [], "acked messages missing after SIGTERM and restart (%d in all)" % len(lost))
    ackset = {(w.ids[k], cid) for k, a in acked.items() for cid in a}
    ours = {"%s-term-%03d" % (k, i) for k, _ in SENDERS for i in range(PER)}
    silent = [(m["sender"]["name"], m["client_id"]) for m in stored.values()
              if m.get("client_id") in ours and (m["sender"]["id"], m["client_id"]) not in ackset]
    h.eq(silent[:5], [], "messages committed at shutdown but never acked before the 1001 close "
         "(%d in all; the contract flushes and acks pending commits first)" % len(silent))


h.run([test_sigterm_mid_burst], per_test_timeout=50)
