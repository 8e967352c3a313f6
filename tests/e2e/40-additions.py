"""40 additions: what the gateway adds to contract v1 for its clients (PROTOCOL-NOTES.md):
the pair and read positions in CONV, a "conversation" frame when one is created, and the
family's device list for the pair."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


async def test_conv_names_the_pair(w):
    mette = await w.client("mette")
    conv = h.conv_of(mette.welcome, w.conv["A"])
    h.eq(conv.get("primary"), w.ids["anna"], "CONV.primary for family A")
    h.eq(conv.get("secondary"), w.ids["bo"], "CONV.secondary for family A")


async def test_reads_survive_a_reload(w):
    mette = await w.client("mette")
    r = await mette.request({"type": "send", "conv": w.conv["A"], "client_id": h.uid(),
                             "body": "Har I set den?"})
    msg_id = r["message"]["id"]
    anna = await w.client("anna")
    await anna.request({"type": "read", "conv": w.conv["A"], "upto": msg_id})
    st, _, me = w.http("GET", "/api/me", token=w.token("mette"))
    h.eq(st, 200, "GET /api/me as Mette")
    conv = h.conv_of(me, w.conv["A"])
    reads = {r["user"]["id"]: r["upto"] for r in conv.get("reads", [])}
    h.eq(reads.get(w.ids["anna"]), msg_id, "Anna's read position in Mette's CONV.reads")
    h.check(w.ids["carl"] not in reads, "team members' reads are not shown to the family",
            "no carl", reads)


async def test_conversation_frame(w):
    jonas = await w.client("jonas")
    mette = await w.client("mette")
    bo = await w.client("bo")
    st, _, conv = w.http("POST", "/api/conversations",
                         {"family": w.fam["A"], "title": "Jonas' egen tråd",
                          "members": [w.ids["jonas"]]}, token=w.token("anna"))
    h.eq(st, 201, "anna creates a restricted conversation")
    for c, who in ((jonas, "Jonas"), (bo, "Bo")):
        f = await c.recv_until("conversation", 5)
        h.eq(f["conversation"]["id"], conv["id"], "the conversation frame to %s" % who)
    await mette.expect_no_frame(0.7, type="conversation")


async def test_device_list(w):
    w.token("mette", "phone")
    dev = w.device("mette", "phone")
    st, _, body = w.http("GET", "/api/families/%d/devices" % w.fam["A"], token=w.token("anna"))
    h.eq(st, 200, "the pair lists family A's devices")
    ids = {d["id"]: d for d in body["devices"]}
    h.check(dev["id"] in ids, "Mette's phone is listed", dev["id"], body)
    h.eq(ids[dev["id"]]["user"]["id"], w.ids["mette"], "the device's owner")
    h.eq(ids[dev["id"]]["revoked_at"], None, "an active device has revoked_at null")
    st, _, _ = w.http("GET", "/api/families/%d/devices" % w.fam["A"], token=w.token("admin"))
    h.eq(st, 200, "an admin lists devices")
    st, _, _ = w.http("GET", "/api/families/%d/devices" % w.fam["A"], token=w.token("carl"))
    h.eq(st, 403, "a team member (not pair) lists devices")
    st, _, _ = w.http("GET", "/api/families/%d/devices" % w.fam["A"], token=w.token("dora"))
    h.eq(st, 404, "another family's adviser lists devices")


h.run([test_conv_names_the_pair, test_reads_survive_a_reload, test_conversation_frame,
       test_device_list])
