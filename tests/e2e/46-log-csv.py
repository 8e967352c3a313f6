"""46 log CSV: the contact log and the access log as CSV files that Danish staff open in a
spreadsheet without fuss, and that cannot run a formula there.

A family member enrols a phone whose name holds formulas after `;` and `,` (Danish Excel
splits on `;`), a pair adviser names a conversation the same way, and a team member reads
it (so the title is in the access log too).  Each CSV export (contact log, access log over
HTTP, `indgang-admin access-log --format csv`) must then:

- start with a UTF-8 byte order mark, use `;` between fields and CRLF line ends;
- carry Danish column headings, Danish time (Europe/Copenhagen) beside UTC;
- parse with Python's csv module (delimiter `;`) into rows of equal length in which the
  hostile names survive (apart from the apostrophes that guard them);
- have no cell that starts a formula (= + - @ tab CR), whether it is read with `;` or
  `,` as the separator, with quotes honoured or split naively on every `;` `,` and line
  end.
"""
import csv
import datetime
import io
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

try:
    from zoneinfo import ZoneInfo
    CPH = ZoneInfo("Europe/Copenhagen")
except Exception:  # no tz database: the check is skipped, and says so
    CPH = None

DEVICE = "Mettes telefon;=cmd|' /C calc'!A0,@SUM(1;2)"
TITLE = "Plan,=1+1;-2+3;+4;@HYPERLINK(\"http://x\";\"klik\");\"=2\""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

LOG_HEAD = ["Id", "Tidspunkt (dansk tid)", "Tidspunkt (UTC)", "Hændelse", "Aktør-id", "Aktør",
            "Samtale", "Besked", "Detaljer"]
ACCESS_HEAD = ["Id", "Tidspunkt (dansk tid)", "Tidspunkt (UTC)", "Type", "Aktør-id", "Aktør",
               "Rolle", "Brugernavn", "Samtale-id", "Samtale", "Hvad"]


def unguarded(s):
    return s.replace("'", "")


def check_sheet(text, head, what):
    """The file's form and its formula guard; -> the rows parsed with ';' (header first)."""
    h.check(text.startswith("\ufeff"), what + ": starts with a UTF-8 BOM", "\\ufeff",
            repr(text[:20]))
    body = text[1:]
    h.check(body.endswith("\r\n"), what + ": ends with CRLF", "\\r\\n", repr(body[-10:]))
    rows = list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))
    h.eq(rows[0], head, what + ": the Danish header row")
    h.check(all(len(r) == len(head) for r in rows),
            what + ": every row has as many fields as the header", len(head),
            [r for r in rows if len(r) != len(head)][:3])
    bad = []
    for delim in (";", ","):
        for r in csv.reader(io.StringIO(body, newline=""), delimiter=delim):
            bad += [(delim, c) for c in r if c.startswith(FORMULA_START)]
    # Split naively, ignoring quotes: a program that does so sees these cells.
    for cell in re.split(r"[;,\r\n\t]", body):
        if cell.lstrip(' "').startswith(FORMULA_START):
            bad.append(("naive", cell))
    h.eq(bad, [], what + ": cells that would start a formula")
    return rows


def check_times(rows, what):
    if CPH is None:
        h.skip(what + ": Danish time against Python's zone", "no tz database")
        return
    for r in rows[1:]:
        at = datetime.datetime.strptime(r[2], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc)
        want = at.astimezone(CPH).strftime("%Y-%m-%d %H:%M:%S")
        h.eq(r[1], want, what + ": Danish time of %s" % r[2])


async def test_hostile_names(w):
    tok, _, dev = w.enrol(w.invites["jonas"], DEVICE)
    w._invite_used.add("jonas")
    h.eq(dev.get("name"), DEVICE, "the hostile device name is kept as given")
    st, _, conv = w.http("POST", "/api/conversations",
                         {"family": w.fam["A"], "title": TITLE, "members": [w.ids["jonas"]]},
                         token=w.token("anna"))
    h.eq(st, 201, "a conversation with a hostile title")
    w.hostile_conv = conv["id"]
    st, _, _ = w.http("GET", "/api/conversations/%d/messages" % conv["id"],
                      token=w.token("carl"))
    h.eq(st, 200, "carl (team) reads it: an access row naming the conversation")


async def test_contact_log_csv(w):
    st, hd, text = w.http("GET", "/api/families/%d/log?format=csv" % w.fam["A"],
                          token=w.token("anna"))
    h.eq(st, 200, "contact log CSV")
    h.eq(hd.get("Content-Type"), "text/csv; charset=utf-8", "content type")
    rows = check_sheet(text, LOG_HEAD, "contact log")
    enrol = [r for r in rows if r[3] == "enrol" and "cmd" in r[8]]
    # the detail is the device name and who made the invite (50-enrol-guard)
    h.check(len(enrol) == 1 and unguarded(enrol[0][8]).startswith(unguarded(DEVICE) + " (invite by"),
            "the enrolment's device name survives, guarded", DEVICE, enrol)
    titled = [r for r in rows if r[3] == "conversation"]
    h.check(len(titled) == 1 and unguarded(titled[0][8]) == unguarded(TITLE),
            "the conversation's title survives, guarded", TITLE, titled)
    st, _, js = w.http("GET", "/api/families/%d/log?limit=1000" % w.fam["A"],
                       token=w.token("anna"))
    ids = [str(e["id"]) for e in js["entries"] if e["id"] < int(rows[-1][0]) + 1]
    h.eq([r[0] for r in rows[1:]], ids, "the CSV has the JSON's entries, in order")
    by_id = {str(e["id"]): e for e in js["entries"]}
    for r in rows[1:]:
        e = by_id[r[0]]
        h.eq((r[2], r[4], unguarded(r[5])), (e["at"], str(e["actor"]["id"]),
                                             unguarded(e["actor"]["name"])),
             "row %s: UTC time and actor as in the JSON" % r[0])
    check_times(rows, "contact log")


async def test_access_log_csv(w):
    st, hd, text = w.http("GET", "/api/families/%d/access-log?format=csv" % w.fam["A"],
                          token=w.token("anna"))
    h.eq(st, 200, "access log CSV")
    rows = check_sheet(text, ACCESS_HEAD, "access log")
    read = [r for r in rows if r[3] == "access" and r[8] == str(w.hostile_conv)]
    h.check(len(read) == 1 and unguarded(read[0][9]) == unguarded(TITLE),
            "carl's read names the hostile title, guarded", TITLE, read)
    check_times(rows, "access log")
    r = subprocess.run([h.ADMIN, "--db", w.db, "access-log", "--family", str(w.fam["A"]),
                        "--format", "csv"], capture_output=True, timeout=60)
    h.eq(r.returncode, 0, "indgang-admin access-log --format csv (%s)" % r.stderr)
    rows = check_sheet(r.stdout.decode("utf-8"), ACCESS_HEAD, "indgang-admin access-log")
    h.check(any(unguarded(x[9]) == unguarded(TITLE) for x in rows),
            "indgang-admin's CSV names the hostile title", TITLE, rows[-3:])


h.run([test_hostile_names, test_contact_log_csv, test_access_log_csv])
