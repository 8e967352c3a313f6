"""47 log paging: a family's contact log of 300,000 rows is read in pages and exported as
CSV in bounded chunks, with the gateway's memory bounded whatever the log's size.

Before the gateway starts, 300,000 rows go into the contact log directly with sqlite3
(family A's messages and reads by its team, sign-ins of its pair without a family, and
rows of family B that must not show).  Then, with the gateway's peak memory (VmHWM in
/proc/PID/status) taken after a warm-up:

- one CSV export is started and read only 64 KiB far (a slow reader), held open while
- a second CSV export of the contact log and one of the access log are read whole, and
  the JSON of both logs is paged through with `after`/`limit` to `next: null`;
- then the slow reader reads the rest.

Every export and the pages together hold exactly the expected rows, in id order; the
limits of a JSON page hold (500 by default, at most 1000); each export is logged once
(and each JSON page once); and the gateway's peak memory grew by less than 96 MiB.

That bound is what may legitimately grow: each of the two HTTP workers' SQLite
connections keeps a page cache of up to 32 MiB (cache_size in core/store/store.c), which
reading a big log fills, plus 32 MiB for everything else.  Before the fix one export alone
grew the gateway by 159 MiB: the whole log as rows and as one 30 MB CSV body.

Memory is the gateway's own: AddressSanitizer's quarantine of freed blocks is kept small
for this test (quarantine_size_mb), or it alone would hold 256 MiB of freed chunks.
"""
import csv
import datetime
import http.client
import io
import json
import os
import sqlite3
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

ROWS = 300_000
# The rows start at midnight (UTC) a year ago: before anything the world does, and
# well within the contact log's retention period (staff rows older than it are swept).
DAY0 = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=365)).replace(
    hour=0, minute=0, second=0, microsecond=0)
T0 = int(DAY0.timestamp()) * 1000


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


PERIOD = "from=%s&to=%s" % (iso(DAY0), iso(DAY0 + datetime.timedelta(days=1)))
WORKERS = 2
PAGE_CACHE_KB = 32 * 1024  # PRAGMA cache_size = -32768 per connection
GROWTH_MAX_KB = WORKERS * PAGE_CACHE_KB + 32 * 1024
LOG_HEAD = ["Id", "Tidspunkt (dansk tid)", "Tidspunkt (UTC)", "Hændelse", "Aktør-id", "Aktør",
            "Samtale", "Besked", "Detaljer"]

h.TIME_BUDGET = 280.0  # a big log under the sanitizers; CTest allows 300 s
os.environ["ASAN_OPTIONS"] = ":".join(
    x for x in (os.environ.get("ASAN_OPTIONS", ""), "quarantine_size_mb=16") if x)


def vm_hwm_kb(w):
    with open("/proc/%d/status" % w.gw.proc.pid, encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    h.fail("no VmHWM in /proc/%d/status" % w.gw.proc.pid)


def fill(w):
    """300,000 rows; -> (ids of family A's log, ids of its access log), ascending."""
    a_ids, access_ids = [], []
    db = sqlite3.connect(w.db)
    last = db.execute("SELECT ifnull(max(id), 0) FROM contact_log").fetchone()[0]
    rows = []
    for i in range(ROWS):
        rid = last + 1 + i
        at = T0 + i * 100
        if i % 7 == 3:  # family B: never in A's log
            rows.append((rid, at, "message", w.ids["amina"], w.fam["B"], w.conv["B"], i, ""))
            continue
        if i % 50 == 1:  # A's pair signs in (no family): in A's log
            rows.append((rid, at, "login", w.ids["anna"], None, None, None, "127.0.0.1"))
        elif i % 3 == 0:  # the team reads: in A's log and its access log
            rows.append((rid, at, "access", w.ids["carl"], w.fam["A"], w.conv["A"], None,
                         "history"))
            access_ids.append(rid)
        else:
            rows.append((rid, at, "message", w.ids["mette"], w.fam["A"], w.conv["A"], i,
                         "besked nr. %d; lidt tekst" % i))
        a_ids.append(rid)
    db.executemany("INSERT INTO contact_log(id, at, kind, actor_id, family_id, conv_id, "
                   "message_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()
    return a_ids, access_ids


def connect(w):
    return http.client.HTTPSConnection("127.0.0.1", w.port, context=w.ssl, timeout=120)


def open_export(w, path, tok):
    conn = connect(w)
    conn.request("GET", path, headers={"Authorization": "Bearer " + tok})
    r = conn.getresponse()
    h.eq(r.status, 200, "GET %s" % path)
    h.eq(r.getheader("Transfer-Encoding"), "chunked", "%s is streamed in chunks" % path)
    h.eq(r.getheader("Content-Length"), None, "%s has no length up front" % path)
    return conn, r


def csv_ids(text, what):
    h.check(text.startswith("\ufeff"), what + ": BOM", "\\ufeff", text[:10])
    rows = csv.reader(io.StringIO(text[1:], newline=""), delimiter=";")
    head = next(rows)
    return head, [int(r[0]) for r in rows]


def page_through(w, path, tok, limit):
    """-> (ids, number of pages), following "next" to null."""
    ids, pages, after = [], 0, None
    while True:
        q = "%s&limit=%d" % (path, limit) + ("&after=%d" % after if after else "")
        st, _, b = w.http("GET", q, token=tok, timeout=60)
        h.eq(st, 200, "GET %s" % q)
        h.check(isinstance(b, dict) and isinstance(b.get("entries"), list) and "next" in b,
                "a page is {\"entries\":[...],\"next\":...}", "entries, next", str(b)[:200])
        pages += 1
        es = b["entries"]
        h.check(len(es) <= limit, "a page holds at most limit entries", limit, len(es))
        ids += [e["id"] for e in es]
        if b["next"] is None:
            return ids, pages
        h.eq(b["next"], es[-1]["id"], "next is the last entry's id")
        after = b["next"]


def log_count(w, detail):
    db = sqlite3.connect(w.db)
    try:
        return db.execute("SELECT count(*) FROM contact_log WHERE kind = 'access' AND "
                          "family_id = ? AND actor_id = ? AND detail = ?",
                          (w.fam["A"], w.ids["anna"], detail)).fetchone()[0]
    finally:
        db.close()


async def test_big_log(w):
    tok = w.token("anna")  # a sign-in before the rows go in
    h.eq(w.gw.stop(), 0, "the gateway stops to have the rows put in")
    a_ids, access_ids = fill(w)
    w.gw.start()
    base = "/api/families/%d" % w.fam["A"]
    # Warm-up: a page of each kind and a short export, so that buffers and caches
    # that any request needs are there before the peak is taken.
    st, _, b = w.http("GET", base + "/log?" + PERIOD, token=tok, timeout=60)
    h.eq((st, len(b["entries"]), b["next"]), (200, 500, a_ids[499]),
         "without a limit, a page of 500 and the cursor after it")
    st, _, b = w.http("GET", base + "/log?%s&limit=5000" % PERIOD, token=tok, timeout=60)
    h.eq((st, len(b["entries"])), (200, 1000), "a limit over 1000 is taken as 1000")
    st, _, b = w.http("GET", base + "/log?%s&limit=0" % PERIOD, token=tok)
    h.eq(st, 400, "limit 0 is refused")
    st, _, text = w.http("GET", base + "/log?format=csv&from=%s&to=%s"
                         % (iso(DAY0), iso(DAY0 + datetime.timedelta(seconds=10))), token=tok)
    h.eq((st, csv_ids(text, "short export")[1]), (200, [i for i in a_ids if i < a_ids[0] + 100]),
         "a short export: the rows of its period")
    before = vm_hwm_kb(w)
    logged = (log_count(w, "log export csv"), log_count(w, "log"), log_count(w, "access log csv"),
              log_count(w, "access log"))

    slow, slow_r = open_export(w, base + "/log?format=csv&" + PERIOD, tok)
    head = slow_r.read(64 * 1024)
    h.check(len(head) == 64 * 1024, "the slow reader gets its first 64 KiB", 65536, len(head))

    conn, r = open_export(w, base + "/log?format=csv&" + PERIOD, tok)
    text = r.read().decode("utf-8")
    conn.close()
    cols, ids = csv_ids(text, "contact log export")
    h.eq(cols, LOG_HEAD, "contact log export: header")
    h.eq(len(ids), len(a_ids), "contact log export: as many rows as family A's log")
    h.check(ids == a_ids, "contact log export: exactly family A's rows, in id order",
            a_ids[:3], ids[:3])
    del text

    conn, r = open_export(w, base + "/access-log?format=csv&" + PERIOD, tok)
    _, ids = csv_ids(r.read().decode("utf-8"), "access log export")
    conn.close()
    h.check(ids == access_ids, "access log export: exactly the reads of family A, in order",
            "%d rows" % len(access_ids), "%d rows" % len(ids))

    ids, pages = page_through(w, base + "/log?" + PERIOD, tok, 1000)
    h.check(ids == a_ids, "the JSON pages put together are family A's log, in order",
            "%d rows" % len(a_ids), "%d rows" % len(ids))
    ids, access_pages = page_through(w, base + "/access-log?" + PERIOD, tok, 1000)
    h.check(ids == access_ids, "the access log's JSON pages put together", len(access_ids),
            len(ids))

    rest = slow_r.read()
    slow.close()
    _, ids = csv_ids((head + rest).decode("utf-8"), "slow export")
    h.check(ids == a_ids, "the slow reader's export is whole and exact", len(a_ids), len(ids))

    after = vm_hwm_kb(w)
    print("    %d rows in A's log, %d in its access log; %d + %d JSON pages; VmHWM %d -> %d kB"
          % (len(a_ids), len(access_ids), pages, access_pages, before, after))
    h.check(after - before < GROWTH_MAX_KB, "the gateway's peak memory grew by less than "
            "its workers' page caches and 32 MiB over the exports", "< %d kB" % GROWTH_MAX_KB,
            "%d kB" % (after - before))
    now = (log_count(w, "log export csv"), log_count(w, "log"), log_count(w, "access log csv"),
           log_count(w, "access log"))
    h.eq([n - o for n, o in zip(now, logged)], [2, pages, 1, access_pages],
         "each export logged once, each JSON page once")


h.run([test_big_log], extra_args=["--http-workers", str(WORKERS)], per_test_timeout=250.0)
