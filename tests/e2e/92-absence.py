"""92 absence: an adviser says they are away (PUT /api/me/absence: from, to, a note for the
families), and the families of their pair see it in CONV.away at their next welcome until it
is over; GET tells it back, DELETE ends it early; each step is an `absence` row in those
families' contact logs.  Only advisers: a family member or an administrator is refused;
an absence that ends before it starts, is over already or lasts over a year is refused
(issue 15)."""
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def ts(delta_hours):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=delta_hours)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


async def welcome_away(w, key, conv):
    c = await w.client(key)
    try:
        return next(x for x in c.welcome["conversations"] if x["id"] == conv)["away"]
    finally:
        await c.close()


async def test_refusals(w):
    body = {"from": ts(0), "to": ts(48), "note": "På kursus"}
    st, _, _ = w.http("PUT", "/api/me/absence", body, token=w.token("mette"))
    h.eq(st, 403, "a family member is not away this way")
    st, _, _ = w.http("PUT", "/api/me/absence", body, token=w.token("admin"))
    h.eq(st, 403, "an administrator neither")
    for bad, what in (({"from": ts(2), "to": ts(1)}, "ends before it starts"),
                      ({"from": ts(-5), "to": ts(-1)}, "over already"),
                      ({"from": ts(0), "to": ts(24 * 400)}, "longer than a year"),
                      ({"from": "i morgen", "to": ts(5)}, "a time that is no time"),
                      ({"from": ts(0), "to": ts(5), "note": "x" * 161}, "a note too long")):
        st, _, b = w.http("PUT", "/api/me/absence", bad, token=w.token("bo"))
        h.eq(st, 400, "refused: " + what)
    st, _, b = w.http("GET", "/api/me/absence", token=w.token("bo"))
    h.eq((st, b), (200, {"absence": None}), "nothing stored by the refusals")


async def test_away_and_back(w):
    conv = w.conv["A"]
    h.eq(await welcome_away(w, "mette", conv), [], "nobody away yet")
    body = {"from": ts(-0.01), "to": ts(72), "note": "På kursus til mandag"}
    st, _, b = w.http("PUT", "/api/me/absence", body, token=w.token("bo"))
    h.eq(st, 200, "Bo says he is away")
    h.check_user(b["absence"]["user"], "bo", "the answer names Bo", w)
    h.eq(b["absence"]["note"], "På kursus til mandag", "the note kept")
    away = await welcome_away(w, "mette", conv)
    h.eq(len(away), 1, "Mette's welcome: one of her advisers away")
    h.check_user(away[0]["user"], "bo", "away: Bo", w)
    h.eq((away[0]["to"], away[0]["note"]), (b["absence"]["to"], "På kursus til mandag"),
         "away: until when, and the note")
    h.eq(len(await welcome_away(w, "anna", conv)), 1, "Anna sees her partner away too")
    h.eq(await welcome_away(w, "amina", w.conv["B"]), [], "another family's pair is not away")
    st, _, g = w.http("GET", "/api/me/absence", token=w.token("bo"))
    h.eq((st, g), (200, b), "GET tells it back")
    st, _, _ = w.http("DELETE", "/api/me/absence", token=w.token("bo"))
    h.eq(st, 204, "back early")
    h.eq(await welcome_away(w, "mette", conv), [], "back: nobody away")
    st, _, log = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=w.token("anna"))
    rows = [e for e in log["entries"] if e["kind"] == "absence"]
    h.eq(len(rows), 2, "away and back in the family's contact log")
    h.check(rows[0]["detail"].startswith("away ") and rows[1]["detail"] == "back",
            "the log rows say what", "away …, back", rows)
    st, _, log = w.http("GET", "/api/families/%d/log" % w.fam["B"], token=w.token("dora"))
    h.eq([e for e in log["entries"] if e["kind"] == "absence"], [],
         "not in the log of a family Bo is not in the pair of")


h.run([test_refusals, test_away_and_back])
