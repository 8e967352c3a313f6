"""95 handover: a leader of the family's team hands it over from the staff client (PUT
/api/families/{id}/pair), and the family hears who its new adviser is (a system message) while
everyone in the conversation gets its new pair (a `conversation` frame); a team member who is no
leader is refused, another team's adviser does not learn the family exists.  The family chooses
its coordinator (tovholder) among the pair (PUT /api/families/{id}/coordinator): the chosen one
becomes primary, the staff see the choice as a system message and in the contact log (issue 15)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def is_system(text):
    return lambda f: (f.get("type") == "message" and f["message"]["kind"] == "system"
                      and f["message"]["body"] == text)


async def test_handover_by_a_leader(w):
    fam = w.fam["A"]
    path = "/api/families/%d/pair" % fam
    pair = {"primary": w.ids["anna"], "secondary": w.ids["carl"]}
    st, _, _ = w.http("PUT", path, pair, token=w.token("carl"))
    h.eq(st, 403, "a team member who is no leader")
    st, _, _ = w.http("PUT", path, pair, token=w.token("dora"))
    h.eq(st, 404, "another team's adviser")
    st, _, _ = w.http("PUT", path, pair, token=w.token("mette"))
    h.eq(st, 403, "a family member")
    r = subprocess.run([h.ADMIN, "--db", w.db, "team-leader", "Team Øst", "carl", "yes"],
                       capture_output=True, text=True, timeout=30)
    h.eq(r.returncode, 0, "carl made a leader (%s)" % r.stderr)
    mette, bo = await w.client("mette"), await w.client("bo")
    st, _, _ = w.http("PUT", path, {"primary": w.ids["anna"], "secondary": w.ids["dora"]},
                      token=w.token("carl"))
    h.eq(st, 400, "a pair from another team")
    st, _, _ = w.http("PUT", path, pair, token=w.token("carl"))
    h.eq(st, 204, "Carl, the leader, hands the family over to Anna and himself")
    text = "Din nye rådgiver er Carl Sundhed."
    for c in (mette, bo):
        await c.recv_until(pred=is_system(text), timeout=5)
        f = await c.recv_until("conversation", timeout=5)
        h.eq((f["conversation"]["primary"], f["conversation"]["secondary"]),
             (w.ids["anna"], w.ids["carl"]), "%s: the conversation's new pair" % c.label)
    st, _, log = w.http("GET", "/api/families/%d/log" % fam, token=w.token("anna"))
    h.check(any(e["kind"] == "handover" for e in log["entries"]), "a handover row", "handover",
            [e["kind"] for e in log["entries"]])


async def test_family_chooses_coordinator(w):
    fam = w.fam["A"]
    path = "/api/families/%d/coordinator" % fam
    anna, mette = await w.client("anna"), await w.client("mette")
    st, _, _ = w.http("PUT", path, {"adviser": w.ids["carl"]}, token=w.token("anna"))
    h.eq(st, 403, "the staff do not choose for the family")
    st, _, _ = w.http("PUT", path, {"adviser": w.ids["bo"]}, token=w.token("mette"))
    h.eq(st, 400, "someone not in the pair")
    st, _, _ = w.http("PUT", path, {"adviser": w.ids["carl"]}, token=w.token("mette"))
    h.eq(st, 204, "Mette chooses Carl")
    await anna.recv_until(pred=is_system("Mette Hansen har valgt Carl Sundhed som tovholder."),
                          timeout=5)
    c = await w.client("jonas")
    conv = next(x for x in c.welcome["conversations"] if x["id"] == w.conv["A"])
    h.eq((conv["primary"], conv["secondary"]), (w.ids["carl"], w.ids["anna"]),
         "the chosen coordinator is the primary now")
    st, _, log = w.http("GET", "/api/families/%d/log?kind=coordinator" % fam, token=w.token("anna"))
    h.eq([e["detail"] for e in log["entries"]], ["Carl Sundhed"], "in the contact log")
    st, _, _ = w.http("PUT", path, {"adviser": w.ids["carl"]}, token=w.token("mette"))
    h.eq(st, 204, "the same choice again changes nothing")
    await anna.expect_no_frame(0.3, type="message", what="a second system message")


async def test_meeting_held(w):
    """The team marks its meeting about the family held: CONV.met_at for the staff from then on
    ("since the last meeting" starts there), a `meeting` row; not the family's, not another
    team's to mark."""
    path = "/api/families/%d/meeting" % w.fam["A"]
    st, _, _ = w.http("POST", path, token=w.token("mette"))
    h.eq(st, 403, "the family does not hold the team's meeting")
    st, _, _ = w.http("POST", path, token=w.token("dora"))
    h.eq(st, 404, "another team's adviser")
    c = await w.client("bo")
    conv = next(x for x in c.welcome["conversations"] if x["id"] == w.conv["A"])
    h.eq(conv["met_at"], None, "no meeting held yet")
    st, _, b = w.http("POST", path, token=w.token("bo"))
    h.eq(st, 200, "Bo marks the meeting held")
    c = await w.client("carl")
    conv = next(x for x in c.welcome["conversations"] if x["id"] == w.conv["A"])
    h.eq(conv["met_at"], b["met_at"], "CONV.met_at for the team")
    fam = await w.client("mette")
    conv = next(x for x in fam.welcome["conversations"] if x["id"] == w.conv["A"])
    h.check("met_at" not in conv, "the family's CONV has no met_at", "absent", conv)
    st, _, log = w.http("GET", "/api/families/%d/log?kind=meeting" % w.fam["A"], token=w.token("anna"))
    h.eq(len(log["entries"]), 1, "a meeting row")


h.run([test_handover_by_a_leader, test_family_chooses_coordinator, test_meeting_held])
