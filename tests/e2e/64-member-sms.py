"""64 member sms: a family member's phone number and how they are reached (issue 13).
The pair or an administrator sets the number (typed as people type it: Danish numbers
without +45 are understood) and the channel (app, app with SMS fallback, SMS only); the
member sees theirs and chooses the channel, not the number; the team sees it (an access
row), another family's pair does not.  Full text by SMS needs consent, recorded with who
and when; a new number drops it.  One member per number.  Every change is a "settings"
row in the family's log with the number masked."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def sms(w, key, member, body=None):
    path = "/api/members/%d/sms" % w.ids[member]
    st, _, b = w.http("PUT" if body is not None else "GET", path, body, token=w.token(key))
    return st, b


async def test_defaults_and_who_sees(w):
    st, b = sms(w, "anna", "mette")
    h.eq((st, b), (200, {"phone": None, "channel": "app", "consent": None, "stopped_at": None}),
         "by default: the app, no number")
    h.eq(sms(w, "mette", "mette")[0], 200, "the member sees her own")
    h.eq(sms(w, "carl", "mette")[0], 200, "the team sees it")
    h.eq(sms(w, "admin", "mette")[0], 200, "an administrator sees it")
    h.check(sms(w, "dora", "mette")[0] in (403, 404), "another family's pair does not",
            "403/404", sms(w, "dora", "mette")[0])
    h.check(sms(w, "jonas", "mette")[0] in (403, 404), "another member of the family does not",
            "403/404", sms(w, "jonas", "mette")[0])
    h.eq(sms(w, "anna", "bo")[0], 404, "staff have no SMS settings here")


async def test_pair_sets_number_and_channel(w):
    st, b = sms(w, "anna", "mette", {"phone": "22 34 56 78", "channel": "sms"})
    h.eq((st, b["phone"], b["channel"]), (200, "+4522345678", "sms"),
         "the pair sets a Danish number as typed, and SMS only")
    st, b = sms(w, "carl", "mette", {"channel": "app"})
    h.eq(st, 403, "the team may not change it")
    st, b = sms(w, "dora", "mette", {"channel": "app"})
    h.check(st in (403, 404), "another family's pair may not", "403/404", st)
    for bad in ({"phone": "1234"}, {"phone": "+45 2234 567"}, {"channel": "telegram"},
                {"consent": "yes"}, {}, {"phone": 22345678}):
        st, b = sms(w, "anna", "mette", bad)
        h.eq(st, 400, "refused: %r" % bad)
    st, b = sms(w, "anna", "amina", {"phone": "+45 22345678"})
    h.check(st in (403, 404), "anna is not Amina's adviser", "403/404", st)
    st, b = sms(w, "dora", "amina", {"phone": "+45 22345678"})
    h.eq(st, 409, "one member per number")
    h.check("another family member" in b["error"]["message"].lower(), "it says why",
            "another family member", b)
    st, b = sms(w, "admin", "amina", {"phone": "0046 70 123 45 67", "channel": "fallback"})
    h.eq((st, b["phone"], b["channel"]), (200, "+46701234567", "fallback"),
         "an administrator sets a Swedish number and SMS as fallback")
    st, b = sms(w, "dora", "amina", {"phone": None})
    h.eq(st, 400, "no number while SMS is the fallback")
    st, b = sms(w, "dora", "amina", {"phone": None, "channel": "app"})
    h.eq((st, b["phone"], b["channel"]), (200, None, "app"), "number and SMS off together")


async def test_member_chooses_channel_not_number(w):
    st, b = sms(w, "mette", "mette", {"channel": "fallback"})
    h.eq((st, b["channel"]), (200, "fallback"), "the member chooses the app with SMS as fallback")
    st, b = sms(w, "mette", "mette", {"phone": "+45 33445566"})
    h.eq(st, 403, "the member does not change the number")
    h.check("adviser" in b["error"]["message"], "it says who does", "adviser", b)


async def test_consent_recorded_and_dropped_with_a_new_number(w):
    st, b = sms(w, "bo", "mette", {"consent": True})
    h.eq(st, 200, "the pair records the member's consent to full text by SMS")
    h.eq(b["consent"]["by"], w.user("bo"), "who recorded it")
    h.check(h.is_ts(b["consent"]["at"]), "and when", "a time", b["consent"])
    st, b = sms(w, "anna", "mette", {"phone": "+4533445566"})
    h.eq((st, b["consent"]), (200, None), "a new number drops the consent (given for the old)")
    st, b = sms(w, "mette", "mette", {"consent": True})
    h.eq(b["consent"]["by"], w.user("mette"), "the member may agree herself")
    st, b = sms(w, "mette", "mette", {"consent": False})
    h.eq((st, b["consent"]), (200, None), "and withdraw it")


async def test_logged_with_the_number_masked(w):
    st, _, log = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=w.token("anna"))
    h.eq(st, 200, "family A's log")
    rows = [e["detail"] for e in log["entries"]
            if e["kind"] == "settings" and e["detail"].startswith("sms of ")]
    h.check(any("number +45••••5678" in r and "channel sms" in r for r in rows),
            "the first change: the number masked and the channel", "+45••••5678", rows)
    h.check(all("22345678" not in r and "33445566" not in r for r in rows),
            "never the whole number", "masked", rows)
    h.check(any("full text agreed" in r for r in rows) and
            any("full text not agreed" in r for r in rows), "consent given and withdrawn",
            "agreed / not agreed", rows)
    access = [e for e in log["entries"] if e["kind"] == "access" and e["detail"] == "member sms"]
    h.check(len(access) >= 1, "the team's look is access-logged", ">= 1", len(access))
    before = len(rows)
    sms(w, "anna", "mette", {"channel": "fallback"})  # no change: the member chose it
    st, _, log = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=w.token("anna"))
    rows = [e for e in log["entries"] if e["kind"] == "settings" and
            e["detail"].startswith("sms of ")]
    h.eq(len(rows), before, "a change to what it already is writes no row")


async def test_administrator_sets_the_number(w):
    r = subprocess.run([h.ADMIN, "--db", w.db, "sms-number", str(w.ids["amina"]), "31 22 33 44"],
                       capture_output=True, text=True, timeout=30)
    h.eq(r.returncode, 0, "indgang-admin sms-number: %s" % r.stderr.strip())
    h.check("+4531223344" in r.stdout, "it prints the number as kept", "+4531223344", r.stdout)
    st, _, v = w.http("GET", "/api/members/%d/sms" % w.ids["amina"], token=w.token("dora"))
    h.eq((st, v.get("phone")), (200, "+4531223344"), "her pair sees it")
    r = subprocess.run([h.ADMIN, "--db", w.db, "sms-number", str(w.ids["amina"]), "12"],
                       capture_output=True, text=True, timeout=30)
    h.check(r.returncode != 0 and r.stderr.strip() != "", "a wrong number is refused, said why",
            "an error", (r.returncode, r.stderr))


h.run([test_defaults_and_who_sees, test_pair_sets_number_and_channel,
       test_member_chooses_channel_not_number, test_consent_recorded_and_dropped_with_a_new_number,
       test_logged_with_the_number_masked, test_administrator_sets_the_number])
