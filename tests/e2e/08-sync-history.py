"""08 sync and history: paging over many messages, limits, HTTP equivalent."""
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

PER_SENDER = 140  # 4 senders: 560 messages, more than the 500 cap of one page


async def fill(w):
    """Send the messages once per file; remember their ids."""
    if hasattr(w, "sent"):
        return w.sent
    senders = ["mette", "jonas", "anna", "bo"]
    for k in senders:
        w.token(k)
    w.token("carl")
    w.token("dora")
    cs = await asyncio.gather(*(w.client(k, label="%s-bulk" % k) for k in senders))
    carl = await w.client("carl", label="carl-listener")  # team: sees every message
    dora = await w.client("dora", label="dora-listener")  # other team: sees none
    results = await asyncio.gather(*(
        c.send_many(w.conv["A"], [("%s-%03d" % (k, i), "%s nr. %d" % (k, i))
                                  for i in range(PER_SENDER)])
        for k, c in zip(senders, cs)))
    w.sent = sorted(m["id"] for r in results for m in r.values())
    h.eq(len(set(w.sent)), len(senders) * PER_SENDER, "distinct acked message ids")
    # fan-out under load: the listener got every message once, in id order
    pushed = []
    while len(pushed) < len(w.sent):
        f = await carl.recv_until("message", 5)
        pushed.append(f["message"]["id"])
    h.eq(pushed, w.sent, "carl (team listener) got each of the %d concurrent messages once, "
         "in id order" % len(w.sent))
    await carl.expect_no_frame(0.3, type="message", what="extra pushed message after the burst")
    await dora.expect_no_frame(0.1, what="Team Vest listener got a frame during family A's burst")
    return w.sent


async def test_sync_paging(w):
    sent = await fill(w)
    anna = await w.client("anna")
    after, pages, seen = 0, [], []
    while True:
        r = await anna.request({"type": "sync", "after": after, "limit": 100})
        h.eq(r.get("type"), "messages", "sync reply type")
        msgs = r.get("messages")
        h.check(isinstance(msgs, list) and isinstance(r.get("more"), bool),
                "sync reply has messages list and more flag", "{messages:[],more:bool}", r)
        h.check(len(msgs) <= 100, "sync limit=100 returns at most 100", "<= 100", len(msgs))
        ids = [m["id"] for m in msgs]
        h.eq(ids, sorted(ids), "sync page is ascending")
        h.check(all(i > after for i in ids), "sync returns only ids > after", "> %d" % after, ids)
        if not pages:
            h.eq(len(msgs), 100, "first sync page with limit=100 (560+ messages exist)")
            h.eq(r["more"], True, "first page: more")
            h.check_msg(msgs[0], w, "synced MSG")
        pages.append(ids)
        seen.extend(ids)
        if not r["more"]:
            break
        h.check(msgs, "sync said more=true but returned nothing", "messages", r)
        h.check(len(msgs) == 100, "a page before the last is full", 100, len(msgs))
        after = ids[-1]
        h.check(len(pages) < 20, "sync paging terminates", "< 20 pages", len(pages))
    h.eq(len(seen), len(set(seen)), "every message exactly once over all pages (no duplicates)")
    missing = sorted(set(sent) - set(seen))
    h.eq(missing, [], "sent messages missing from sync paging")
    h.eq(seen, sorted(seen), "ids ascending across pages")
    w.all_ids = seen


async def test_sync_limits(w):
    sent = await fill(w)
    anna = await w.client("anna")
    r = await anna.request({"type": "sync", "after": 0, "limit": 1000})
    h.eq(len(r.get("messages", [])), 500, "sync limit=1000 is treated as 500: page size")
    h.eq(r.get("more"), True, "sync limit=1000: more (560+ messages exist)")
    r = await anna.request({"type": "sync", "after": 0})
    h.eq(len(r.get("messages", [])), 100, "sync without limit: default 100")
    r = await anna.request({"type": "sync", "after": sent[-1]})
    h.eq((r.get("messages"), r.get("more")), ([], False), "sync after the newest id")
    r = await anna.request({"type": "sync", "after": sent[-3], "limit": 2})
    h.eq(([m["id"] for m in r.get("messages", [])], r.get("more")), (sent[-2:], False),
         "sync of the last two with limit=2")
    # Mette (family) sees everything here too: all are texts in her conversation
    mette = await w.client("mette")
    got = {m["id"] for m in await mette.sync_all(0, 500)}
    h.eq(sorted(set(sent) - got), [], "Mette's sync misses messages of her conversation")
    dora = await w.client("dora")
    got = [m for m in await dora.sync_all(0, 500) if m.get("conv") == w.conv["A"]]
    h.eq(got, [], "dora (other team) syncs family A's messages")


async def test_history(w):
    sent = await fill(w)
    anna = await w.client("anna")
    allc = [m["id"] for m in await anna.sync_all(0) if m.get("conv") == w.conv["A"]]
    cases = [(None, 20), (None, 50), (allc[300], 30), (allc[300], 500), (allc[10], 50),
             (allc[0], 10), (allc[-1] + 1000, 5)]
    for before, limit in cases:
        f = {"type": "history", "conv": w.conv["A"], "limit": limit}
        if before is not None:
            f["before"] = before
        r = await anna.request(f)
        h.eq(r.get("type"), "messages", "history reply type")
        older = [i for i in allc if before is None or i < before]
        want = older[-limit:]
        got = [m["id"] for m in r.get("messages", [])]
        h.eq(got, want, "history before=%s limit=%d: ids (newest L older than before, "
             "ascending)" % (before, limit))
        h.eq(r.get("more"), len(older) > limit, "history before=%s limit=%d: more" %
             (before, limit))
        # HTTP equivalent
        q = "limit=%d" % limit + ("&before=%d" % before if before is not None else "")
        st, _, b = w.http("GET", "/api/conversations/%d/messages?%s" % (w.conv["A"], q),
                          token=w.token("anna"))
        h.eq(st, 200, "GET /api/conversations/A/messages?%s status" % q)
        h.eq(([m["id"] for m in b.get("messages", [])], b.get("more")), (want, len(older) > limit),
             "GET /api/conversations/A/messages?%s (ids, more)" % q)
        h.eq(b.get("messages"), r.get("messages"), "HTTP and WebSocket history give the same MSGs")
    r = await anna.request({"type": "history", "conv": w.conv["A"]})
    got = [m["id"] for m in r.get("messages", [])]
    h.check(got and got == allc[-len(got):], "history without limit or before: the newest "
            "messages, ascending", "a suffix of %s" % allc[-5:], got[-5:])
    st, _, b = w.http("GET", "/api/conversations/%d/messages" % w.conv["B"], token=w.token("anna"))
    h.check(st in (403, 404), "anna reads family B's conversation over HTTP", "403/404", (st, b))
    r = await anna.request({"type": "history", "conv": w.conv["B"]})
    h.check(h.error_code(r) in ("forbidden", "not_found"), "anna: history of family B's "
            "conversation", "forbidden/not_found", r)


h.run([test_sync_paging, test_sync_limits, test_history])
