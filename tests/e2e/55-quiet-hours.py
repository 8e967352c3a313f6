"""55 quiet hours: each family's hours in Danish time when its phones are not buzzed (21:00 to
07:00 unless set), which the family and its pair set, its team reads, and nobody else sees;
every change is in the family's contact log (issue 12)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def path(w, fam="A"):
    return "/api/families/%d/quiet-hours" % w.fam[fam]


async def test_default_and_who_reads(w):
    for who in ("mette", "anna", "carl"):
        st, _, b = w.http("GET", path(w), token=w.token(who))
        h.eq((st, b), (200, {"from": "21:00", "to": "07:00", "timezone": "Europe/Copenhagen"}),
             "%s reads family A's quiet hours" % who)
    for who in ("dora", "amina"):
        st, _, b = w.http("GET", path(w), token=w.token(who))
        missing = w.http("GET", "/api/families/987654/quiet-hours", token=w.token(who))
        h.eq((st, b), (missing[0], missing[2]), "%s: like a family that does not exist" % who)
        h.eq(st, 404, "%s: status" % who)


async def test_family_and_pair_set(w):
    st, _, b = w.http("PUT", path(w), {"from": "22:30", "to": "06:45"}, token=w.token("mette"))
    h.eq((st, b.get("from"), b.get("to")), (200, "22:30", "06:45"), "Mette sets them")
    st, _, b = w.http("PUT", path(w), {"from": "20:00", "to": "08:00"}, token=w.token("bo"))
    h.eq((st, b.get("from"), b.get("to")), (200, "20:00", "08:00"), "the pair sets them")
    st, _, b = w.http("GET", path(w), token=w.token("jonas"))
    h.eq((b.get("from"), b.get("to")), ("20:00", "08:00"), "the family reads the new hours")
    st, _, b = w.http("PUT", path(w), {"from": "12:00", "to": "12:00"}, token=w.token("anna"))
    h.eq((st, b.get("from"), b.get("to")), (200, "12:00", "12:00"), "equal times: none")


async def test_refusals(w):
    st, _, b = w.http("PUT", path(w), {"from": "22:00", "to": "07:00"}, token=w.token("carl"))
    h.eq(st, 403, "a team member may not set them")
    st, _, b = w.http("PUT", path(w), {"from": "22:00", "to": "07:00"}, token=w.token("dora"))
    h.eq(st, 404, "another family's pair: like no such family")
    for bad in ({"from": "25:00", "to": "07:00"}, {"from": "7:00", "to": "08:00"},
                {"from": "22:00"}, {"from": 1320, "to": 420}):
        st, _, b = w.http("PUT", path(w), bad, token=w.token("mette"))
        h.eq(st, 400, "quiet hours %s" % bad)
        h.check_error_body(b, "bad_request", "quiet hours %s" % bad)


async def test_logged(w):
    st, _, b = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=w.token("anna"))
    settings = [(e["actor"]["name"], e["detail"]) for e in b["entries"] if e["kind"] == "settings"]
    h.eq(settings, [("Mette Hansen", "quiet hours 22:30-06:45"),
                    ("Bo Nielsen", "quiet hours 20:00-08:00"),
                    ("Anna Jensen", "quiet hours off")], "each change in the contact log")
    denied = [e["actor"]["name"] for e in b["entries"]
              if e["kind"] == "denied" and e["detail"] == "quiet hours"]
    h.eq(denied, ["Carl Sundhed", "Dora Madsen"], "refused attempts are logged as denied")


if __name__ == "__main__":
    h.run([test_default_and_who_reads, test_family_and_pair_set, test_refusals, test_logged])
