"""25 access log: every read of a family's data by staff leaves a row (who, which family,
when, what), and one family's access log can be extracted for a subject access request
(GDPR art. 15) with `indgang-admin access-log` and GET /api/families/{id}/access-log.

The test makes a known set of reads and refusals against family A (and one against B),
then checks that the extracted log holds exactly those, in order, with names, roles and
times (UTC, and Danish time checked against Python's own Europe/Copenhagen zone), and
that a family member's reads of their own conversations are not in it.
"""
import csv
import datetime
import io
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

try:
    from zoneinfo import ZoneInfo
    CPH = ZoneInfo("Europe/Copenhagen")
except Exception:  # no tz database: the check is skipped, and reported SKIP
    CPH = None


def admin(w, *args):
    return subprocess.run([h.ADMIN, "--db", w.db] + list(args), capture_output=True, text=True,
                          timeout=30)


def access_log(w, fam, *extra):
    r = admin(w, "access-log", "--family", str(w.fam[fam]), "--format", "json", *extra)
    h.eq(r.returncode, 0, "indgang-admin access-log (%s)" % r.stderr.strip())
    return json.loads(r.stdout)


def who_what(entries):
    return [(e["kind"], e["actor"]["name"], e["what"]) for e in entries]


def check_local(e):
    h.check(h.TS_RE.match(e["at"]), "at is RFC 3339 UTC", "...Z", e["at"])
    if CPH is None:
        return  # the test reports the comparison skipped (h.skip)
    at = datetime.datetime.strptime(e["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)
    want = at.astimezone(CPH).replace(microsecond=0).isoformat()
    h.eq(e["local"], want, "local time of %s in Europe/Copenhagen" % e["at"])


EXPECTED = []  # (kind, actor name, what) in the order the reads are made


async def test_reads_leave_rows(w):
    A, B = w.conv["A"], w.conv["B"]
    t0 = time.time()
    anna_tok, carl_tok, dora_tok = w.token("anna"), w.token("carl"), w.token("dora")
    admin_tok = w.token("admin")
    mette = await w.client("mette")
    await mette.send_msg(A, "Hej, vi ses torsdag")
    anna = await w.client("anna")
    carl = await w.client("carl")
    dora = await w.client("dora")
    # a family member reading their own conversation is not an access to "their" data
    r = await mette.request({"type": "history", "conv": A})
    h.eq(r.get("type"), "messages", "Mette reads her own history")
    r = await anna.request({"type": "history", "conv": A})
    h.eq(r.get("type"), "messages", "Anna (pair) reads the history")
    EXPECTED.append(("access", "Anna Jensen", "history"))
    r = await anna.request({"type": "sync", "after": 0})
    h.eq(r.get("type"), "messages", "Anna syncs")
    EXPECTED.append(("access", "Anna Jensen", "sync"))
    st, _, _ = w.http("GET", "/api/conversations/%d/messages" % A, token=anna_tok)
    h.eq(st, 200, "Anna reads the history over HTTP")
    EXPECTED.append(("access", "Anna Jensen", "history"))
    st, _, _ = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=anna_tok)
    h.eq(st, 200, "Anna reads the contact log")
    EXPECTED.append(("access", "Anna Jensen", "log"))
    st, _, _ = w.http("GET", "/api/families/%d/log?format=csv" % w.fam["A"], token=anna_tok)
    h.eq(st, 200, "Anna exports the contact log")
    EXPECTED.append(("access", "Anna Jensen", "log export csv"))
    st, _, _ = w.http("GET", "/api/families/%d/devices" % w.fam["A"], token=anna_tok)
    h.eq(st, 200, "Anna lists the family's phones")
    EXPECTED.append(("access", "Anna Jensen", "devices"))
    r = await carl.request({"type": "history", "conv": A})
    h.eq(r.get("type"), "messages", "Carl (team) reads the history")
    EXPECTED.append(("access", "Carl Sundhed", "history"))
    st, _, _ = w.http("GET", "/api/families/%d/devices" % w.fam["A"], token=admin_tok)
    h.eq(st, 200, "the admin lists the family's phones")
    EXPECTED.append(("access", "Ida Admin", "devices"))
    # refusals: another family's pair, and a team member at the devices
    r = await dora.request({"type": "history", "conv": A})
    h.eq(h.error_code(r), "not_found", "Dora (other family) is refused the history")
    EXPECTED.append(("denied", "Dora Madsen", "history"))
    st, _, _ = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=dora_tok)
    h.eq(st, 404, "Dora is refused the contact log")
    EXPECTED.append(("denied", "Dora Madsen", "log"))
    st, _, _ = w.http("GET", "/api/families/%d/devices" % w.fam["A"], token=carl_tok)
    h.eq(st, 403, "Carl (team) may not list the phones")
    EXPECTED.append(("denied", "Carl Sundhed", "list devices"))
    # a read of family B only
    r = await dora.request({"type": "history", "conv": B})
    h.eq(r.get("type"), "messages", "Dora reads her own family's history")

    out = access_log(w, "A")
    entries = out["entries"]
    print("    %d reads and refusals made against family A; its access log holds %d rows"
          % (len(EXPECTED), len(entries)))
    for e in entries:
        print("      %s  %-6s %-13s %-8s %s%s" % (e["local"], e["kind"], e["actor"]["name"],
                                                 e["actor"]["role"], e["what"],
                                                 (" (%s)" % e["conversation"])
                                                 if e["conversation"] else ""))
    h.eq(who_what(entries), EXPECTED, "family A's access log: every read and refusal, in order")
    h.eq(out["family"], {"id": w.fam["A"], "name": "Familien Hansen"}, "the family")
    roles = {e["actor"]["name"]: e["actor"]["role"] for e in entries}
    h.eq(roles["Ida Admin"], "admin", "the admin's role")
    h.eq(roles["Anna Jensen"], "adviser", "Anna's role")
    users = {e["actor"]["name"]: e["username"] for e in entries}
    h.eq(users["Anna Jensen"], "anna", "Anna's username")
    h.check(all(e["actor"]["role"] != "family" for e in entries),
            "a family member's reads of their own conversations are not in it", "none", entries)
    for e in entries:
        check_local(e)
        h.check(t0 - 5 <= h.ts_ms(e["at"]) / 1000 <= time.time() + 5, "the time of each row",
                "during the test", e["at"])
    hist = [e for e in entries if e["what"] == "history" and e["kind"] == "access"]
    h.check(all(e["conv"] == A and e["conversation"] for e in hist),
            "history reads name the conversation", "conv %d with a title" % A, hist)
    b = access_log(w, "B")["entries"]
    h.eq(who_what(b), [("access", "Dora Madsen", "history")], "family B's access log")
    if CPH is None:
        h.skip("local times in Europe/Copenhagen", "no time zone database for Python here")


async def test_extraction_is_logged_and_formats(w):
    out = access_log(w, "A")
    last = out["entries"][-1]
    h.eq((last["kind"], last["actor"]["name"], last["what"]),
         ("access", "Console (indgang-admin)", "access log (indgang-admin)"),
         "the previous extraction is itself in the log")
    h.eq(last["username"], None, "the console has no username to show")
    n = len(out["entries"])
    r = subprocess.run([h.ADMIN, "--db", w.db, "access-log", "--family", str(w.fam["A"]),
                        "--format", "csv"], capture_output=True, timeout=30)
    h.eq(r.returncode, 0, "access-log --format csv (%s)" % r.stderr.strip())
    h.check(r.stdout.endswith(b"\r\n") and r.stdout.count(b"\r\n") == r.stdout.count(b"\n"),
            "CSV lines end in CRLF", "\\r\\n", r.stdout[-4:])
    text = r.stdout.decode("utf-8")
    h.check(text.startswith("\ufeff"), "CSV starts with a byte order mark", "\ufeff", text[:10])
    rows = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))
    h.eq(rows[0], ["Id", "Tidspunkt (dansk tid)", "Tidspunkt (UTC)", "Type", "Aktør-id", "Aktør",
                   "Rolle", "Brugernavn", "Samtale-id", "Samtale", "Hvad"], "CSV header")
    h.eq(len(rows) - 1, n + 1, "CSV rows: the JSON's and the JSON extraction's own")
    r = admin(w, "access-log", "--family", str(w.fam["A"]))
    h.eq(r.returncode, 0, "access-log as text (%s)" % r.stderr.strip())
    print("    text output, first lines:\n      " + "\n      ".join(r.stdout.splitlines()[:5]))
    h.check("Access log of Familien Hansen" in r.stdout and "Danish time" in r.stdout
            and "Anna Jensen (anna)" in r.stdout and "refused" in r.stdout,
            "the text output names the family, the time zone, people and refusals",
            "readable", r.stdout[:400])
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    h.eq(access_log(w, "A", "--since", tomorrow)["entries"], [], "--since a future date")
    since = access_log(w, "A", "--since", out["entries"][-1]["at"])["entries"]
    h.check(len(since) >= 1 and since[0]["id"] == last["id"], "--since an RFC 3339 time",
            "from row %d" % last["id"], [e["id"] for e in since])
    for bad in (["--format", "xml"], ["--since", "yesterday"], ["--family", "x"]):
        args = ["access-log", "--family", str(w.fam["A"])] + bad
        r = admin(w, *args)
        h.eq(r.returncode, 2, "access-log %s: usage error" % " ".join(bad))
    r = admin(w, "access-log", "--family", "999")
    h.eq(r.returncode, 1, "access-log of a family that does not exist")


async def test_http_endpoint(w):
    path = "/api/families/%d/access-log" % w.fam["A"]
    st, _, body = w.http("GET", path, token=w.token("admin"))
    h.eq(st, 200, "the admin reads the access log over HTTP")
    n = len(body["entries"])
    h.check(n >= len(EXPECTED), "it holds the rows", ">= %d" % len(EXPECTED), n)
    st, _, body = w.http("GET", path, token=w.token("anna"))
    h.eq(st, 200, "the pair reads the access log")
    h.eq(body["entries"][-1]["what"], "access log", "the admin's read is in it")
    st, hd, text = w.http("GET", path + "?format=csv", token=w.token("anna"))
    h.eq(st, 200, "CSV over HTTP")
    h.check(hd.get("Content-Type", "").startswith("text/csv"), "CSV content type", "text/csv",
            hd.get("Content-Type"))
    for who, want in (("carl", 403), ("dora", 404), ("mette", 403)):
        st, _, body = w.http("GET", path, token=w.token(who))
        h.eq(st, want, "%s may not read family A's access log" % who)
    st, _, body = w.http("GET", path + "?from=2020-01-01T00:00:00.000Z&to=2020-01-02T00:00:00.000Z",
                         token=w.token("admin"))
    h.eq((st, body.get("entries")), (200, []), "an empty period")
    st, _, _ = w.http("GET", path + "?format=xml", token=w.token("admin"))
    h.eq(st, 400, "a bad format")
    tail = who_what(access_log(w, "A")["entries"])[-6:]
    print("    the last rows after the HTTP reads: %s" % tail)
    for row in (("access", "Ida Admin", "access log"), ("access", "Anna Jensen", "access log"),
                ("access", "Anna Jensen", "access log csv"),
                ("denied", "Carl Sundhed", "access log"), ("denied", "Dora Madsen", "access log")):
        h.check(row in tail, "the HTTP read or refusal %s is logged" % (row,), row, tail)


h.run([test_reads_leave_rows, test_extraction_is_logged_and_formats, test_http_endpoint])
