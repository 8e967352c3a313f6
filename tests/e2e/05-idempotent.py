"""05 idempotent: the same client_id from the same user stores and delivers once."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def is_id(mid):
    return lambda f: f["message"].get("id") == mid


async def test_same_client_id_twice(w):
    mette = await w.client("mette")
    anna = await w.client("anna")
    jonas = await w.client("jonas")
    cid = h.uid("idem")
    m1 = await mette.send_msg(w.conv["A"], "Kan vi flytte mødet?", client_id=cid)
    m2 = await mette.send_msg(w.conv["A"], "Kan vi flytte mødet?", client_id=cid)
    h.eq(m2, m1, "second send with the same client_id: ack carries the original message")
    # a retry with a different body still answers with the original
    m3 = await mette.send_msg(w.conv["A"], "Anden tekst", client_id=cid)
    h.eq(m3, m1, "retry with same client_id but other body: ack carries the original message")
    for c in (anna, jonas):
        await c.recv_until("message", 5, pred=is_id(m1["id"]))
        await c.expect_no_frame(0.6, type="message", what="message delivered twice (or a retry "
                                "created a new message)")
    msgs = await anna.sync_all(0)
    h.eq(len([x for x in msgs if x.get("client_id") == cid]), 1,
         "sync as anna: messages stored with that client_id")


async def test_retry_from_other_device(w):
    phone = await w.client("mette", "phone")
    tablet = await w.client("mette", "tablet")
    bo = await w.client("bo")
    cid = h.uid("idem2")
    m1 = await phone.send_msg(w.conv["A"], "Fra telefonen", client_id=cid)
    await tablet.recv_until("message", 5, pred=is_id(m1["id"]))
    m2 = await tablet.send_msg(w.conv["A"], "Fra telefonen", client_id=cid)
    h.eq(m2, m1, "same user, other device, same client_id: original message")
    await bo.recv_until("message", 5, pred=is_id(m1["id"]))
    await bo.expect_no_frame(0.5, type="message", what="duplicate delivered after device retry")
    await phone.expect_no_frame(0.1, type="message", what="sender got a message copy on retry")


async def test_other_user_same_client_id(w):
    mette = await w.client("mette")
    jonas = await w.client("jonas")
    anna = await w.client("anna")
    cid = h.uid("shared")
    m1 = await mette.send_msg(w.conv["A"], "Mette her", client_id=cid)
    m2 = await jonas.send_msg(w.conv["A"], "Jonas her", client_id=cid)
    h.check(m2["id"] != m1["id"], "another user's send with the same client_id is a new message",
            "different ids", (m1, m2))
    h.check_msg(m2, w, "Jonas' message", sender="jonas", body="Jonas her", client_id=cid)
    await anna.recv_until("message", 5, pred=is_id(m1["id"]))
    await anna.recv_until("message", 5, pred=is_id(m2["id"]))
    await mette.recv_until("message", 5, pred=is_id(m2["id"]))


async def test_idempotent_after_restart(w):
    mette = await w.client("mette")
    cid = h.uid("restart")
    m1 = await mette.send_msg(w.conv["A"], "Før genstart", client_id=cid)
    await w.close_clients()
    w.gw.restart()
    mette = await w.client("mette")
    m2 = await mette.send_msg(w.conv["A"], "Før genstart", client_id=cid)
    h.eq(m2, m1, "same client_id after a gateway restart: original message")


h.run([test_same_client_id_twice, test_retry_from_other_device, test_other_user_same_client_id,
       test_idempotent_after_restart])
