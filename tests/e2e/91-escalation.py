"""91 escalation: a family left without an answer is told on (issue 15).  indgang-admin sets a
team's response target in working hours and its working week (answer-time) and its leaders
(team-leader); a family message still unanswered after half the target reaches the partner
(the pair's adviser who is not primary) as an `escalation` frame, after all of it the team's
leaders, each step a row in the family's contact log, never a frame to the family.  The clock
is moved by moving the wait's start back in the database, as a day passing would."""
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def admin(w, *args):
    return subprocess.run([h.ADMIN, "--db", w.db] + list(args), capture_output=True, text=True,
                          timeout=30)


def age_wait(w, conv, minutes):
    """The wait began `minutes` earlier than it did, and is due for a look now."""
    db = sqlite3.connect(w.db, timeout=10)
    try:
        db.execute("UPDATE conv_state SET waiting_since = waiting_since - ?, escalate_at = 1 "
                   "WHERE conv_id = ?", (minutes * 60000, conv))
        db.commit()
    finally:
        db.close()


async def test_cli_refusals(w):
    r = admin(w, "answer-time", "Team Øst", "lidt")
    h.check(r.returncode != 0 and "working hours" in r.stderr, "answer-time: hours not a number",
            "refused", (r.returncode, r.stderr))
    r = admin(w, "answer-time", "Team Øst", "7.5", "hver dag")
    h.check(r.returncode != 0 and "working week" in r.stderr, "answer-time: a week not a week",
            "refused", (r.returncode, r.stderr))
    r = admin(w, "answer-time", "Team Nord", "7.5")
    h.check(r.returncode != 0 and "no team" in r.stderr, "answer-time: no such team",
            "refused", (r.returncode, r.stderr))
    r = admin(w, "team-leader", "Team Øst", "dora", "yes")
    h.check(r.returncode != 0 and "not on the staff" in r.stderr,
            "team-leader: someone of another team", "refused", (r.returncode, r.stderr))


async def test_partner_then_leader(w):
    conv = w.conv["A"]
    r = admin(w, "team-leader", "Team Øst", "carl", "yes")
    h.eq(r.returncode, 0, "team-leader carl (stderr %s)" % r.stderr)
    r = admin(w, "answer-time", "Team Øst", "1", "mon-sun 00:00-24:00")
    h.eq(r.returncode, 0, "answer-time 1 hour, every hour of the week (stderr %s)" % r.stderr)
    h.check("1 h 00 min" in r.stdout, "answer-time says what it set", "1 h 00 min", r.stdout)
    anna, bo, carl = await w.client("anna"), await w.client("bo"), await w.client("carl")
    mette = await w.client("mette")
    m = await mette.send_msg(conv, "Er der nogen?")
    for c in (anna, bo, carl, mette):
        await c.expect_no_frame(1.0, type="escalation", what="told on at once")

    age_wait(w, conv, 35)  # past half of the hour
    f = await bo.recv_until("escalation", timeout=5, conv=conv)
    h.eq((f["level"], f["answer_minutes"]), (1, 60), "Bo, the partner, is told: level 1")
    h.eq(f["waiting"]["from"], m["id"], "the escalation names the message waiting")
    for c in (anna, carl, mette):
        await c.expect_no_frame(0.5, type="escalation", what="level 1 reached someone else")

    age_wait(w, conv, 30)  # past the hour
    f = await carl.recv_until("escalation", timeout=5, conv=conv)
    h.eq(f["level"], 2, "Carl, the team's leader, is told: level 2")
    for c in (anna, bo, mette):
        await c.expect_no_frame(0.5, type="escalation", what="level 2 reached someone else")
    age_wait(w, conv, 600)
    await carl.expect_no_frame(1.0, type="escalation", what="told twice")

    st, _, body = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=w.token("anna"))
    h.eq(st, 200, "the contact log")
    rows = [e for e in body["entries"] if e["kind"] == "escalated"]
    h.eq([(e["detail"], e["message"]) for e in rows], [("partner", m["id"]), ("leaders", m["id"])],
         "each step in the family's contact log")

    await anna.send_msg(conv, "Undskyld ventetiden, jeg ringer nu")
    m2 = await mette.send_msg(conv, "Tak!")
    age_wait(w, conv, 35)
    f = await bo.recv_until("escalation", timeout=5, conv=conv)
    h.eq((f["level"], f["waiting"]["from"]), (1, m2["id"]), "answered, a new wait starts over")


h.run([test_cli_refusals, test_partner_then_leader])
