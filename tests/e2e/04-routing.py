"""04 routing: one message reaches every connection that may see it, and nobody else."""
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


async def everyone(w):
    """Open connections for everybody; anna twice, Mette on two devices."""
    spec = [("mette", "phone"), ("mette", "tablet"), ("jonas", "phone"), ("anna", "phone"),
            ("bo", "phone"), ("carl", "phone"), ("dora", "phone"), ("erik", "phone"),
            ("frida", "phone"), ("amina", "phone")]
    for k, d in spec:  # tokens first (HTTP), then connect in parallel
        w.token(k, d)
    cs = await asyncio.gather(*(w.client(k, d) for k, d in spec))
    c = dict(zip(["%s/%s" % s for s in spec], cs))
    c["anna/2"] = await w.ws_connect(w.token("anna"), "anna#2", "anna")
    return c


def gets(c, mid):
    return c.recv_until("message", 5, pred=lambda f: f["message"].get("id") == mid)


async def test_family_message_routes(w):
    c = await everyone(w)
    sender = c["mette/phone"]
    body = "Hej, vi kommer kl. 10 i morgen 🙂"
    cid = h.uid("route")
    ack = await sender.request({"type": "send", "conv": w.conv["A"], "client_id": cid,
                                "body": body})
    h.eq(ack.get("type"), "ack", "Mette's send is answered by ack")
    h.eq(ack.get("client_id"), cid, "ack.client_id")
    m = ack.get("message")
    h.check_msg(m, w, "ack.message", conv=w.conv["A"], family=w.fam["A"], sender="mette",
                kind="text", body=body, client_id=cid)
    # committed: readable over HTTP right after the ack
    st, _, r = w.http("GET", "/api/conversations/%d/messages" % w.conv["A"], token=w.token("anna"))
    h.eq(st, 200, "GET messages of conv A as anna")
    h.check(m["id"] in [x.get("id") for x in r.get("messages", [])],
            "acked message is stored (visible over HTTP at once)", m["id"], r)
    for key in ("anna/phone", "anna/2", "bo/phone", "carl/phone", "jonas/phone", "mette/tablet"):
        f = await gets(c[key], m["id"])
        h.eq(f["message"], m, "%s: pushed message equals the acked message" % key)
    await sender.expect_no_frame(0.5, type="message", what="the sending connection got a copy "
                                 "of its own message (it must get only the ack)")
    for key in ("dora/phone", "erik/phone", "frida/phone", "amina/phone"):
        await c[key].expect_no_frame(0.2, what="family B / Team Vest got a frame about family A")


async def test_adviser_reply_routes(w):
    c = await everyone(w)
    m = await c["anna/phone"].send_msg(w.conv["A"], "Det passer fint. Vi ses!")
    h.check_msg(m, w, "anna's reply", conv=w.conv["A"], family=w.fam["A"], sender="anna",
                kind="text")
    for key in ("mette/phone", "mette/tablet", "jonas/phone", "anna/2", "bo/phone", "carl/phone"):
        f = await gets(c[key], m["id"])
        h.eq(f["message"], m, "%s gets anna's reply" % key)
    await c["anna/phone"].expect_no_frame(0.4, type="message",
                                          what="sender connection got its own message")
    for key in ("dora/phone", "erik/phone", "frida/phone", "amina/phone"):
        await c[key].expect_no_frame(0.2, what="family B side got a frame about family A")
    # bo replies too; family B replies in its own conversation stay there
    m2 = await c["bo/phone"].send_msg(w.conv["A"], "Husk sundhedsplejersken på torsdag")
    for key in ("mette/phone", "jonas/phone", "anna/phone", "anna/2", "carl/phone"):
        await gets(c[key], m2["id"])
    m3 = await c["amina/phone"].send_msg(w.conv["B"], "Salaam, kan vi mødes?")
    h.check_msg(m3, w, "Amina's message", conv=w.conv["B"], family=w.fam["B"], sender="amina")
    for key in ("dora/phone", "erik/phone", "frida/phone"):
        await gets(c[key], m3["id"])
    for key in ("mette/phone", "mette/tablet", "jonas/phone", "anna/phone", "anna/2",
                "bo/phone", "carl/phone"):
        await c[key].expect_no_frame(0.2, type="message",
                                     pred=lambda f: f["message"].get("id") == m3["id"],
                                     what="family A side got family B's message")


async def test_ids_increase(w):
    c = await everyone(w)
    ids = []
    for i, key in enumerate(["mette/phone", "anna/phone", "jonas/phone", "bo/phone"] * 3):
        m = await c[key].send_msg(w.conv["A"], "besked %d" % i)
        ids.append(m["id"])
    h.eq(ids, sorted(set(ids)), "message ids are unique and strictly increasing in send order")
    # the order in which anna#2 received them is id order
    got = []
    while len(got) < len(ids):
        f = await c["anna/2"].recv_until("message", 5, pred=lambda f: f["message"]["id"] in ids)
        got.append(f["message"]["id"])
    h.eq(got, ids, "pushed messages arrive in id order on one connection")

h.run([test_family_message_routes, test_adviser_reply_routes, test_ids_increase])
