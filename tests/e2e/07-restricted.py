"""07 restricted: a youth's own thread with the pair, hidden from the rest of the family."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

TITLE = "Jonas og rådgiverne"


def is_id(mid):
    return lambda f: f.get("type") == "message" and f["message"].get("id") == mid


async def create(w):
    if not hasattr(w, "restricted"):
        st, _, b = w.http("POST", "/api/conversations",
                          {"family": w.fam["A"], "title": TITLE, "members": [w.ids["jonas"]]},
                          token=w.token("anna"))
        h.eq(st, 201, "POST /api/conversations by anna (pair): status")
        w.restricted = b
    return w.restricted


async def test_create(w):
    b = await create(w)
    h.check_conv(b, w, "created CONV")
    h.eq(b["family"], {"id": w.fam["A"], "name": "Familien Hansen"}, "created CONV.family")
    h.eq(b["title"], TITLE, "created CONV.title")
    mids = {u["id"] for u in b["members"]}
    h.check(w.ids["jonas"] in mids, "created CONV.members include Jonas", w.ids["jonas"],
            b["members"])
    h.check(w.ids["mette"] not in mids, "created CONV.members exclude Mette", "no Mette",
            b["members"])
    h.check(b["id"] != w.conv["A"], "a new conversation id", "!= default", b["id"])


async def test_visibility(w):
    conv = (await create(w))["id"]
    jonas = await w.client("jonas")
    mette = await w.client("mette")
    anna = await w.client("anna")
    bo = await w.client("bo")
    carl = await w.client("carl")
    dora = await w.client("dora")
    for c, sees in ((jonas, True), (mette, False), (anna, True), (bo, True), (carl, True),
                    (dora, False)):
        ids = [x.get("id") for x in c.welcome.get("conversations", [])]
        h.check((conv in ids) == sees, "%s's welcome %s the restricted conversation"
                % (c.label, "lists" if sees else "must not list"), sees, ids)
    cv = h.conv_of(jonas.welcome, conv)
    h.eq(cv.get("title"), TITLE, "Jonas' welcome: title of the restricted conversation")
    m = await anna.send_msg(conv, "Hej Jonas, hvordan går det i skolen?")
    h.check_msg(m, w, "anna's message in the restricted conversation", conv=conv,
                family=w.fam["A"], sender="anna", kind="text")
    for c in (jonas, bo, carl):
        await c.recv_until("message", 5, pred=is_id(m["id"]))
    await mette.expect_no_frame(0.6, pred=lambda f: "message" in f and f["message"].get("conv") == conv,
                                what="Mette got a message of Jonas' restricted conversation")
    await dora.expect_no_frame(0.1, what="Team Vest got a frame about family A")
    r = await jonas.send_msg(conv, "Det går okay. Kan vi tale om praktik?")
    for c in (anna, bo, carl):
        await c.recv_until("message", 5, pred=is_id(r["id"]))
    await mette.expect_no_frame(0.4, pred=lambda f: "message" in f and f["message"].get("conv") == conv,
                                what="Mette got Jonas' reply in his restricted conversation")
    w.restricted_msgs = [m["id"], r["id"]]
    # read receipts of the restricted conversation stay inside it too
    rc = await anna.request({"type": "read", "conv": conv, "upto": r["id"]})
    h.eq(rc.get("type"), "receipt", "anna reads the restricted conversation")
    await jonas.recv_until("receipt", 5, conv=conv)
    await mette.expect_no_frame(0.5, type="receipt", conv=conv,
                                what="Mette got a receipt of Jonas' restricted conversation")


async def test_mette_locked_out(w):
    conv = (await create(w))["id"]
    mette = await w.client("mette")
    r = await mette.request({"type": "history", "conv": conv})
    h.check(h.error_code(r) in ("not_found", "forbidden"), "Mette: history of Jonas' "
            "restricted conversation", "not_found/forbidden", r)
    r = await mette.try_send(conv, "Må jeg være med?")
    h.check(h.error_code(r) in ("not_found", "forbidden"), "Mette: send into Jonas' restricted "
            "conversation", "not_found/forbidden", r)
    r = await mette.request({"type": "read", "conv": conv, "upto": 1})
    h.check(h.error_code(r) in ("not_found", "forbidden"), "Mette: read receipt in Jonas' "
            "restricted conversation", "not_found/forbidden", r)
    msgs = await mette.sync_all(0)
    bad = [x for x in msgs if x.get("conv") == conv]
    h.eq(bad, [], "Mette's sync shows messages of Jonas' restricted conversation")
    st, _, b = w.http("GET", "/api/conversations/%d/messages" % conv, token=w.token("mette"))
    h.check(st in (403, 404), "Mette: GET /api/conversations/{restricted}/messages", "403/404",
            (st, b))
    newest = max(getattr(w, "restricted_msgs", [0]))
    h.check(mette.welcome.get("last_id", 0) < newest, "Mette's welcome.last_id counts a message "
            "of Jonas' restricted conversation", "< %d" % newest, mette.welcome.get("last_id"))
    st, _, me = w.http("GET", "/api/me", token=w.token("mette"))
    h.check(h.conv_of(me, conv) is None, "Mette's /api/me lists the restricted conversation",
            "absent", me.get("conversations"))
    # Jonas and the team do get the history
    jonas = await w.client("jonas")
    r = await jonas.request({"type": "history", "conv": conv})
    h.eq(r.get("type"), "messages", "Jonas: history of his restricted conversation")
    got = [x["id"] for x in r["messages"]]
    for mid in getattr(w, "restricted_msgs", []):
        h.check(mid in got, "Jonas' history contains the thread's messages", mid, got)
    st, _, b = w.http("GET", "/api/conversations/%d/messages" % conv, token=w.token("carl"))
    h.eq(st, 200, "carl (team): GET messages of the restricted conversation")


async def test_create_refused(w):
    body = {"family": w.fam["A"], "title": "Carls tråd", "members": [w.ids["jonas"]]}
    st, _, b = w.http("POST", "/api/conversations", body, token=w.token("carl"))
    h.eq(st, 403, "carl (team, not pair) creates a conversation")
    st, _, b = w.http("POST", "/api/conversations", body, token=w.token("mette"))
    h.eq(st, 403, "Mette (family member) creates a conversation")
    st, _, b = w.http("POST", "/api/conversations", body, token=w.token("dora"))
    h.check(st in (403, 404), "dora (other family's pair) creates one in family A", "403/404",
            (st, b))
    st, _, b = w.http("POST", "/api/conversations", {"family": w.fam["A"], "title": "Blandet",
                                                      "members": [w.ids["amina"]]},
                      token=w.token("anna"))
    h.check(400 <= st < 500, "anna adds a member of another family to a family A conversation",
            "4xx", (st, b))
    st, _, b = w.http("POST", "/api/conversations", {"family": w.fam["A"], "title": "x",
                                                      "members": [str(w.ids["jonas"])]},
                      token=w.token("anna"))
    h.eq(st, 400, "members given as strings (wrong JSON type)")


async def test_cap_per_family(w):
    """At most 100 restricted conversations per family (PROTOCOL-NOTES.md):
    the 101st is refused with 409 conflict, and nothing is created."""
    cap = 100
    st, _, me = w.http("GET", "/api/me", token=w.token("dora"))
    h.eq(st, 200, "dora: GET /api/me")
    have = [c for c in me["conversations"]
            if c["family"]["id"] == w.fam["B"] and c["id"] != w.conv["B"]]
    body = {"family": w.fam["B"], "title": "Aminas tråd", "members": [w.ids["amina"]]}
    for i in range(len(have), cap):
        body["title"] = "Aminas tråd %d" % i
        st, _, b = w.http("POST", "/api/conversations", body, token=w.token("dora"))
        if st != 201:
            h.eq(st, 201, "dora creates restricted conversation %d of %d" % (i + 1, cap))
            return
    body["title"] = "En for meget"
    st, _, b = w.http("POST", "/api/conversations", body, token=w.token("dora"))
    h.eq(st, 409, "the 101st restricted conversation of a family: status")
    err = (b or {}).get("error", {})
    h.eq(err.get("code"), "conflict", "the 101st restricted conversation: error code")
    h.check("100" in err.get("message", ""), "the refusal names the cap", "mentions 100", err)
    amina = await w.client("amina")
    titles = [c.get("title") for c in amina.welcome.get("conversations", [])]
    h.eq(len(titles), cap + 1, "Amina's welcome: the default and 100 restricted conversations")
    h.check("En for meget" not in titles, "the refused conversation was not created", "absent",
            titles[-3:])
    await amina.close()


h.run([test_create, test_visibility, test_mette_locked_out, test_create_refused,
       test_cap_per_family])
