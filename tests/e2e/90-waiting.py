"""90 waiting: which conversations need an answer (issue 15).  A family member's text makes
its conversation wait, for the pair and the team alike (a `waiting` frame, CONV.waiting at the
next welcome), from the first text on; a pair adviser's text ends it for both, and so does
`handled` ("no answer needed") up to the message named, while a family text after it keeps
it waiting; only the pair may mark it, and the family never sees any of it.  An SMS from a
member waits like a message from the app.  CONV.last shows the newest message's start."""
import datetime
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SECRET = "kannel-test-secret-0123456789"


def is_waiting(conv):
    return lambda f: f.get("type") == "waiting" and f.get("conv") == conv


async def conv_of(w, key, conv):
    c = await w.client(key)
    for x in c.welcome["conversations"]:
        if x["id"] == conv:
            await c.close()
            return x
    h.fail("%s: conversation %s in the welcome" % (key, conv), "present", c.welcome)


async def test_family_text_waits_for_both(w):
    conv = w.conv["A"]
    anna, bo, carl = await w.client("anna"), await w.client("bo"), await w.client("carl")
    mette, dora = await w.client("mette"), await w.client("dora")
    m1 = await mette.send_msg(conv, "Jeg har fået et brev fra kommunen")
    for c in (anna, bo, carl):
        f = await c.recv_until(pred=is_waiting(conv))
        h.eq(f["waiting"], {"from": m1["id"], "since": m1["created_at"]},
             "%s: waiting since Mette's first text" % c.label)
        h.eq(f["answered"], None, "%s: never answered yet" % c.label)
    for c in (mette, dora):
        await c.expect_no_frame(0.3, type="waiting", what="the family or another team heard")
    m2 = await mette.send_msg(conv, "Kan I ringe?")
    await anna.recv_until("message", pred=lambda f: f["message"]["id"] == m2["id"])
    await anna.expect_no_frame(0.3, type="waiting", what="a second text changed the wait")

    a = await conv_of(w, "anna", conv)
    b = await conv_of(w, "bo", conv)
    h.eq(a["waiting"], b["waiting"], "both advisers' welcome: the same wait")
    h.eq(a["waiting"]["from"], m1["id"], "the welcome: waiting from the first")
    h.eq(a["last"]["id"], m2["id"], "CONV.last: the newest message")
    h.eq(a["last"]["preview"], "Kan I ringe?", "CONV.last.preview")
    h.check_user(a["last"]["sender"], "mette", "CONV.last.sender", w)
    fam = await conv_of(w, "mette", conv)
    h.check("waiting" not in fam and "answered" not in fam,
            "the family's CONV has no waiting state", "absent", fam)
    h.eq(fam["last"]["id"], m2["id"], "the family's CONV.last")
    h.eq((fam["answer_minutes"], a["answer_minutes"]), (450, 450),
         "CONV.answer_minutes: the team's target, one working day by default")

    note = await anna.send_msg(conv, "Jeg tager den", kind="note")
    await anna.expect_no_frame(0.3, type="waiting", what="a note answered")
    reply = await bo.send_msg(conv, "Jeg ringer kl. 14")
    for c in (anna, carl):
        f = await c.recv_until(pred=is_waiting(conv))
        h.eq(f["waiting"], None, "%s: answered, nothing waits" % c.label)
        h.eq((f["answered"]["how"], f["answered"]["upto"]), ("reply", reply["id"]),
             "%s: answered by a reply" % c.label)
        h.check_user(f["answered"]["by"], "bo", "%s: answered by Bo" % c.label, w)
    a = await conv_of(w, "anna", conv)
    h.eq(a["waiting"], None, "Anna's welcome: nothing waits after Bo answered")
    fam = await conv_of(w, "mette", conv)
    h.eq(fam["last"]["id"], reply["id"], "the family's CONV.last skips the note %d" % note["id"])


async def test_handled(w):
    conv = w.conv["A"]
    anna, bo, carl = await w.client("anna"), await w.client("bo"), await w.client("carl")
    mette, dora = await w.client("mette"), await w.client("dora")
    t1 = await mette.send_msg(conv, "Tak for i dag!")
    await bo.recv_until(pred=is_waiting(conv))
    r = await carl.request({"type": "handled", "conv": conv, "upto": t1["id"]})
    h.eq((r["type"], r.get("code")), ("error", "forbidden"), "a team member may not mark it")
    r = await dora.request({"type": "handled", "conv": conv, "upto": t1["id"]})
    h.eq((r["type"], r.get("code")), ("error", "not_found"), "another team's adviser")
    r = await mette.request({"type": "handled", "conv": conv, "upto": t1["id"]})
    h.eq(r["type"], "error", "a family member may not mark it")
    r = await anna.request({"type": "handled", "conv": "x", "upto": 1})
    h.eq((r["type"], r.get("code")), ("error", "bad_request"), "a conv that is no number")

    t2 = await mette.send_msg(conv, "Og god weekend")
    await bo.drain()
    r = await anna.request({"type": "handled", "conv": conv, "upto": t1["id"]})
    h.eq(r["type"], "waiting", "the reply to handled")
    h.eq(r["waiting"], {"from": t2["id"], "since": t2["created_at"]},
         "marked up to the first: it waits from the one after")
    h.eq((r["answered"]["how"], r["answered"]["upto"]), ("handled", t1["id"]), "answered: handled")
    f = await bo.recv_until(pred=is_waiting(conv))
    h.eq(f["waiting"], r["waiting"], "Bo hears the same")
    h.check("ref" not in f, "Bo's frame carries no one else's ref", "no ref", f)
    r = await anna.request({"type": "handled", "conv": conv, "upto": t2["id"]})
    h.eq(r["waiting"], None, "marked up to the newest: nothing waits")
    await bo.recv_until(pred=lambda f: is_waiting(conv)(f) and f["waiting"] is None)
    r = await anna.request({"type": "handled", "conv": conv, "upto": t2["id"]})
    h.eq((r["type"], r["waiting"]), ("waiting", None), "again: the state as it is")
    await bo.expect_no_frame(0.3, type="waiting", what="a mark that changed nothing was told")
    await mette.expect_no_frame(0.2, type="waiting", what="the family heard of the mark")

    st, _, body = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=w.token("bo"))
    h.eq(st, 200, "the contact log")
    rows = [e for e in body["entries"] if e["kind"] == "handled"]
    h.eq(len(rows), 2, "two marks that changed something, two log rows")
    h.eq(rows[0]["message"], t1["id"], "the log row names the message marked up to")
    h.check_user(rows[0]["actor"], "anna", "the log row's actor", w)


async def test_answering(w):
    """ "I'm answering": the partner and the team see it at once, with when it lapses
    (a minute on); withdrawn, they see it end; only the pair may say it."""
    conv = w.conv["A"]
    anna, bo, carl = await w.client("anna"), await w.client("bo"), await w.client("carl")
    mette, dora = await w.client("mette"), await w.client("dora")
    r = await bo.request({"type": "answering", "conv": conv})
    h.eq((r["type"], r["conv"]), ("answering", conv), "Bo's reply")
    h.check_user(r["user"], "bo", "the reply names Bo", w)
    for c in (anna, carl):
        f = await c.recv_until("answering", conv=conv)
        h.check_user(f["user"], "bo", "%s sees Bo answering" % c.label, w)
        h.eq(f["until"], r["until"], "%s: the same lapse time" % c.label)
        h.check("ref" not in f, "%s: no ref of Bo's" % c.label, "no ref", f)
    until = datetime.datetime.fromisoformat(r["until"].replace("Z", "+00:00"))
    lapse = (until - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    h.check(50 <= lapse <= 61, "it lapses about a minute on", "50-61 s", lapse)
    for c in (mette, dora):
        await c.expect_no_frame(0.3, type="answering", what="the family or another team heard")
    r = await bo.request({"type": "answering", "conv": conv, "stop": True})
    h.eq(r["until"], None, "withdrawn: until null")
    f = await anna.recv_until("answering", conv=conv)
    h.eq(f["until"], None, "Anna sees it end")
    r = await carl.request({"type": "answering", "conv": conv})
    h.eq((r["type"], r.get("code")), ("error", "forbidden"), "a team member does not answer")
    r = await dora.request({"type": "answering", "conv": conv})
    h.eq((r["type"], r.get("code")), ("error", "not_found"), "another team's adviser")
    r = await mette.request({"type": "answering", "conv": conv})
    h.eq(r["type"], "error", "a family member")
    r = await anna.request({"type": "answering", "conv": conv, "stop": "yes"})
    h.eq((r["type"], r.get("code")), ("error", "bad_request"), "stop must be a boolean")


async def test_sms_waits(w):
    path = os.path.join(w.tmp, "sms-secret")
    with open(path, "w") as f:
        f.write(SECRET + "\n")
    os.chmod(path, 0o600)
    w.gw.extra += ["--sms-secret-file", path]
    w.gw.restart()
    st, _, _ = w.http("PUT", "/api/members/%d/sms" % w.ids["amina"],
                      {"phone": "22 11 22 33", "channel": "fallback"}, token=w.token("dora"))
    h.eq(st, 200, "the pair gives Amina's number")
    dora = await w.client("dora")
    q = urllib.parse.urlencode({"secret": SECRET, "from": "+4522112233", "text": "Hej Dora",
                                "id": "sms-90-1"})
    st, _, body = w.http("GET", "/sms/kannel?" + q)
    h.eq(st, 200, "Kannel's hand-over")
    f = await dora.recv_until(pred=is_waiting(w.conv["B"]))
    h.check(f["waiting"] is not None, "an SMS from a member waits for an answer", "waiting", f)


h.run([test_family_text_waits_for_both, test_handled, test_answering, test_sms_waits])
