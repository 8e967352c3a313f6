"""13 crash: kill -9 during a burst loses nothing that was acked; resends are idempotent."""
import asyncio
import collections
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SENDERS = [("mette", None), ("jonas", None), ("anna", None), ("bo", None), ("carl", "note")]
PER = 400  # 2,000 messages in all
KILL_AFTER = 500  # acks


def items(key):
    return [("%s-crash-%03d" % (key, i), "%s burst %d" % (key, i)) for i in range(PER)]


async def test_kill9_mid_burst(w):
    for k, _ in SENDERS:
        w.token(k)
    cs = await asyncio.gather(*(w.client(k, label="%s-burst" % k) for k, _ in SENDERS))
    acked = {k: {} for k, _ in SENDERS}
    done = asyncio.Event()
    killed = {}

    async def burst(c, key, kind):
        try:
            await c.send_many(w.conv["A"], items(key), kind=kind, acked=acked[key], window=32)
        except h.Closed:
            pass

    async def killer():
        t0 = time.monotonic()
        while not done.is_set():
            n = sum(len(a) for a in acked.values())
            if n >= KILL_AFTER:
                break
            if time.monotonic() - t0 > 20:
                h.fail("burst too slow: %d acks in 20 s" % n)
            await asyncio.sleep(0.002)
        w.gw.kill9()
        killed["acks"] = sum(len(a) for a in acked.values())

    tasks = [asyncio.create_task(burst(c, k, kind)) for c, (k, kind) in zip(cs, SENDERS)]
    kt = asyncio.create_task(killer())
    await asyncio.gather(*tasks)
    done.set()
    await kt
    total = sum(len(a) for a in acked.values())
    h.check(total < len(SENDERS) * PER, "the kill happened mid-burst", "< 2000 acks before the "
            "connections dropped", total)
    print("    note: killed after %d acks; %d acks in all before the connections dropped"
          % (killed["acks"], total))
    await w.close_clients()
    w.gw.start()

    # 1. everything acked is stored, unchanged
    anna = await w.client("anna", label="anna-check")
    stored = {m["id"]: m for m in await anna.sync_all(0, 500, timeout=15)}
    lost = []
    for key, a in acked.items():
        for cid, m in a.items():
            s = stored.get(m["id"])
            if s is None or s.get("client_id") != cid or s.get("body") != m.get("body"):
                lost.append((key, cid, m["id"], s))
    h.eq(lost[:5], [], "acked messages missing or changed after kill -9 and restart (%d in all)"
         % len(lost))

    # 2. each client resends what it did not see acked
    cs = await asyncio.gather(*(w.client(k, label="%s-resend" % k) for k, _ in SENDERS))
    pre = {(m["sender"]["id"], m.get("client_id")): m["id"] for m in stored.values()}
    reacks = await asyncio.gather(*(
        c.send_many(w.conv["A"], [it for it in items(k) if it[0] not in acked[k]], kind=kind)
        for c, (k, kind) in zip(cs, SENDERS)))
    changed = []
    for (k, _), ra in zip(SENDERS, reacks):
        for cid, m in ra.items():
            old = pre.get((w.ids[k], cid))
            if old is not None and old != m["id"]:
                changed.append((k, cid, old, m["id"]))
    h.eq(changed[:5], [], "resend of a message committed before the crash must ack the "
         "original id (committed-but-unacked)")

    # 3. every client_id exactly once
    final = await anna.sync_all(0, 500, timeout=15)
    count = collections.Counter((m["sender"]["id"], m.get("client_id")) for m in final)
    for k, _ in SENDERS:
        for cid, _b in items(k):
            n = count.get((w.ids[k], cid), 0)
            if n != 1:
                h.fail("after resending, %s's client_id %s is stored %d times" % (k, cid, n),
                       "exactly once", n)
    ids = [m["id"] for m in final]
    h.eq(len(ids), len(set(ids)), "sync after recovery has no duplicate ids")


h.run([test_kill9_mid_burst], per_test_timeout=50)
