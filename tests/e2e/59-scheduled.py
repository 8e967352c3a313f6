"""59 scheduled send: a pair adviser writes at night "send at 08:00"; the message waits,
seen by the pair and the team (never the family), may be changed or cancelled, and is
sent by the gateway when its time comes, exactly once, across a kill -9 (issue 12)."""
import asyncio
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def at(seconds):
    """An RFC 3339 time seconds from now."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + seconds)) + "Z"


def schedule(w, key, conv, body, seconds, client_id=None):
    return w.http("POST", "/api/conversations/%d/scheduled" % conv,
                  {"body": body, "send_at": at(seconds), "client_id": client_id or h.uid("s")},
                  token=w.token(key))


def sent_copies(w, sched_id):
    db = sqlite3.connect("file:%s?mode=ro" % w.db, uri=True)
    try:
        return db.execute("SELECT count(*) FROM messages WHERE client_id = ?",
                          ("sched-%d" % sched_id,)).fetchone()[0]
    finally:
        db.close()


async def test_waits_for_staff_only_then_goes(w):
    bo = await w.client("bo")
    mette = await w.client("mette")
    cid = h.uid("s")
    st, _, s = schedule(w, "anna", w.conv["A"], "Godmorgen Mette, vi ses kl. 10", 3, cid)
    h.eq(st, 201, "anna schedules a message")
    h.eq((s["state"], s["body"], s["sender"]["id"]), ("waiting", "Godmorgen Mette, vi ses kl. 10",
                                                       w.ids["anna"]), "it waits")
    st, _, again = schedule(w, "anna", w.conv["A"], "Godmorgen Mette, vi ses kl. 10", 3, cid)
    h.eq((st, again["id"]), (201, s["id"]), "the same client_id again is the same one")
    f = await bo.recv_until("scheduled")
    h.eq(f["scheduled"]["id"], s["id"], "the partner sees it waiting, live")
    await mette.expect_no_frame(0.3, type="scheduled", what="the family sees nothing waiting")
    for key, status in (("anna", 200), ("bo", 200), ("carl", 200), ("mette", None),
                        ("dora", 404)):
        st, _, b = w.http("GET", "/api/conversations/%d/scheduled" % w.conv["A"],
                          token=w.token(key))
        if status is None:
            h.check(st in (403, 404), "the family may not list it", "403/404", st)
        else:
            h.eq(st, status, "%s lists what waits" % key)
        if st == 200:
            h.eq([x["id"] for x in b["scheduled"]], [s["id"]], "%s sees it" % key)
    st, _, e = w.http("PUT", "/api/scheduled/%d" % s["id"], {"body": "Godmorgen Mette, kl. 11"},
                      token=w.token("bo"))
    h.eq((st, e["body"], e["state"]), (200, "Godmorgen Mette, kl. 11", "waiting"),
         "the partner corrects the text")
    f = await bo.recv_until("scheduled")
    h.eq(f["scheduled"]["body"], "Godmorgen Mette, kl. 11", "the change is announced")
    m = await mette.recv_until("message", timeout=6)
    h.eq((m["message"]["body"], m["message"]["sender"]["id"], m["message"]["kind"]),
         ("Godmorgen Mette, kl. 11", w.ids["anna"], "text"), "it reaches the family on time")
    f = await bo.recv_until("scheduled", pred=lambda f: f["scheduled"]["state"] == "sent")
    h.eq(f["scheduled"]["message_id"], m["message"]["id"], "staff see it went")
    st, _, _ = w.http("PUT", "/api/scheduled/%d" % s["id"], {"body": "for sent"},
                      token=w.token("anna"))
    h.eq(st, 409, "a message sent is no longer changed")
    h.eq(sent_copies(w, s["id"]), 1, "sent once")


async def test_cancel_and_refusals(w):
    st, _, s = schedule(w, "anna", w.conv["A"], "Aflyst", 2)
    h.eq(st, 201, "scheduled")
    st, _, c = w.http("DELETE", "/api/scheduled/%d" % s["id"], token=w.token("anna"))
    h.eq((st, c["state"]), (200, "cancelled"), "cancelled")
    for who, conv, seconds, what, want in (
            ("carl", w.conv["A"], 60, "a team member", (403,)),
            ("mette", w.conv["A"], 60, "a family member", (403, 404)),
            ("dora", w.conv["A"], 60, "another team's adviser", (404,)),
            ("anna", w.conv["A"], -60, "a time passed", (400,)),
            ("anna", w.conv["A"], 91 * 86400, "more than 90 days ahead", (400,))):
        st, _, b = schedule(w, who, conv, "nej", seconds)
        h.check(st in want, "%s: refused" % what, want, st)
    st, _, _ = w.http("DELETE", "/api/scheduled/%d" % s["id"], token=w.token("dora"))
    h.eq(st, 404, "another team's adviser cannot see it to cancel it")
    await asyncio.sleep(2.5)
    h.eq(sent_copies(w, s["id"]), 0, "a cancelled message is never sent")
    st, _, log = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=w.token("anna"))
    kinds = [e["kind"] for e in log["entries"]]
    h.check("scheduled" in kinds, "the contact log has it", "scheduled", kinds)


async def test_no_change_over_an_unseen_one(w):
    st, _, s = schedule(w, "anna", w.conv["A"], "Mødet er kl. 10", 600)
    h.eq(st, 201, "anna schedules a message")
    put = lambda key, body: w.http("PUT", "/api/scheduled/%d" % s["id"], body,  # noqa: E731
                                   token=w.token(key))
    st, _, bo = put("bo", {"body": "Mødet er kl. 11", "updated_at": s["updated_at"]})
    h.eq(st, 200, "bo changes it, from the version he saw")
    st, _, b = put("anna", {"body": "Mødet er kl. 10.30", "updated_at": s["updated_at"]})
    h.eq(st, 409, "anna's change from the older version is refused, not laid over bo's")
    h.check_error_body(b, "conflict", "a change over an unseen one")
    h.check("changed meanwhile" in b["error"]["message"], "it says why", "changed meanwhile", b)
    st, _, lst = w.http("GET", "/api/conversations/%d/scheduled" % w.conv["A"],
                        token=w.token("anna"))
    mine = [x for x in lst["scheduled"] if x["id"] == s["id"]]
    h.eq([x["body"] for x in mine], ["Mødet er kl. 11"], "bo's text stands")
    st, _, a = put("anna", {"body": "Mødet er kl. 10.30", "updated_at": bo["updated_at"]})
    h.eq((st, a["body"]), (200, "Mødet er kl. 10.30"), "from the new version she may")
    st, _, _ = put("anna", {"send_at": at(900)})
    h.eq(st, 200, "without updated_at a change is made as before")
    st, _, b = put("anna", {"body": "x", "updated_at": "i går"})
    h.eq(st, 400, "updated_at that is no time")
    st, _, _ = w.http("DELETE", "/api/scheduled/%d" % s["id"], token=w.token("anna"))
    h.eq(st, 200, "cancelled")
    st, _, b = put("bo", {"body": "y", "updated_at": a["updated_at"]})
    h.eq(st, 409, "a cancelled one is not changed")
    h.check("sent or cancelled" in b["error"]["message"], "and says so", "sent or cancelled", b)


async def test_exactly_once_across_kill9(w):
    st, _, s = schedule(w, "anna", w.conv["A"], "Efter et nedbrud", 2)
    h.eq(st, 201, "scheduled")
    w.gw.kill9()
    await asyncio.sleep(2.5)
    w.gw.start()
    for _ in range(40):
        if sent_copies(w, s["id"]):
            break
        await asyncio.sleep(0.1)
    h.eq(sent_copies(w, s["id"]), 1, "sent after the restart")
    w.gw.kill9()
    w.gw.start()
    await asyncio.sleep(1.0)
    h.eq(sent_copies(w, s["id"]), 1, "and only once")


if __name__ == "__main__":
    h.run([test_waits_for_staff_only_then_goes, test_cancel_and_refusals,
           test_no_change_over_an_unseen_one, test_exactly_once_across_kill9])
