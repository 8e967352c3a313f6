"""11 log: the family's contact log (JSON and CSV), its filters and who may read it."""
import csv
import io
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

KINDS = {"message", "note", "receipt", "enrol", "login", "logout", "invite", "revoke", "access",
         "denied"}


def read_log(w, key, fam="A", query=""):
    st, hd, b = w.http("GET", "/api/families/%d/log%s" % (w.fam[fam], query), token=w.token(key))
    return st, hd, b


def entries_of(w, key, fam="A", query=""):
    st, _, b = read_log(w, key, fam, query)
    h.eq(st, 200, "GET /api/families/%s/log%s as %s: status" % (fam, query, key))
    h.check(isinstance(b, dict) and isinstance(b.get("entries"), list),
            "log body is {\"entries\":[...]}", "entries list", b)
    return b["entries"]


def check_entry(e, what):
    h.check(isinstance(e, dict), what + ": entry object", "object", e)
    h.check(h.is_id(e.get("id")), what + ": entry.id", "int > 0", e)
    h.check(h.is_ts(e.get("at")), what + ": entry.at RFC 3339 ms UTC", "timestamp", e)
    h.check(isinstance(e.get("kind"), str), what + ": entry.kind string", "string", e)
    a = e.get("actor")
    h.check(isinstance(a, dict) and h.is_id(a.get("id")) and isinstance(a.get("name"), str)
            and a.get("role") in h.ROLES, what + ": entry.actor is USER", "{id,name,role}", e)
    for f in ("conv", "message"):
        h.check(f in e and (e[f] is None or h.is_id(e[f])), what + ": entry.%s is an id or "
                "null" % f, "int|null", e)
    h.check(isinstance(e.get("detail"), str), what + ": entry.detail string", "string", e)


def find(entries, kind, actor=None, **fields):
    out = []
    for e in entries:
        if e.get("kind") != kind:
            continue
        if actor is not None and (e.get("actor") or {}).get("id") != actor:
            continue
        if all(e.get(k) == v for k, v in fields.items()):
            out.append(e)
    return out


async def activity(w):
    if hasattr(w, "act"):
        return w.act
    w.token("mette")  # enrol (the import's invite)
    w.token("anna")  # login
    mette = await w.client("mette")
    anna = await w.client("anna")
    m = await mette.send_msg(w.conv["A"], "Tak for i går")
    time.sleep(0.02)
    n = await anna.send_msg(w.conv["A"], "Intern: opfølgning om 14 dage", kind="note")
    time.sleep(0.02)
    r = await anna.request({"type": "read", "conv": w.conv["A"], "upto": n["id"]})
    h.eq(r.get("type"), "receipt", "anna's read")
    code = w.new_invite("jonas", by="anna")
    w.act = {"m": m, "n": n, "invite": code}
    await w.close_clients()
    return w.act


async def test_log_entries(w):
    act = await activity(w)
    es = entries_of(w, "anna")
    for e in es:
        check_entry(e, "log entry")
        h.check(e["kind"] in KINDS, "log entry kind is one of the contract's", sorted(KINDS), e)
    ids = [e["id"] for e in es]
    h.eq(ids, sorted(set(ids)), "log entry ids unique and ascending (oldest first)")
    ats = [h.ts_ms(e["at"]) for e in es]
    h.eq(ats, sorted(ats), "log entries oldest first by 'at'")
    A, m, n = w.conv["A"], act["m"], act["n"]
    h.check(find(es, "message", w.ids["mette"], conv=A, message=m["id"]),
            "log has a 'message' entry for Mette's message", {"kind": "message", "conv": A,
                                                             "message": m["id"]}, es[-12:])
    h.check(find(es, "note", w.ids["anna"], conv=A, message=n["id"]),
            "log has a 'note' entry for anna's note", {"kind": "note", "message": n["id"]},
            es[-12:])
    h.check(find(es, "receipt", w.ids["anna"], conv=A), "log has anna's 'receipt'",
            {"kind": "receipt", "actor": "anna"}, es[-12:])
    h.check(find(es, "enrol", w.ids["mette"]), "log has Mette's 'enrol'",
            {"kind": "enrol", "actor": "mette"}, es)
    h.check(find(es, "invite", w.ids["anna"]), "log has anna's 'invite' (for Jonas)",
            {"kind": "invite", "actor": "anna"}, es)
    h.check(find(es, "login", w.ids["anna"]), "log has anna's staff 'login'",
            {"kind": "login", "actor": "anna"}, es)
    es2 = entries_of(w, "anna")
    newer = [e for e in es2 if e["id"] > max(ids)]
    h.check(find(newer, "access", w.ids["anna"]), "reading the log is logged ('access' by anna "
            "appears on the next read)", {"kind": "access", "actor": "anna"}, newer)
    # other families' logs do not mix in
    esb = entries_of(w, "dora", "B")
    mixed = [e for e in esb if e.get("conv") == A or (e.get("actor") or {}).get("id") in
             (w.ids["mette"], w.ids["anna"])]
    h.eq(mixed, [], "family B's log contains family A's events")


async def test_history_access_logged(w):
    await activity(w)
    carl = await w.client("carl")
    before = max(e["id"] for e in entries_of(w, "anna"))
    r = await carl.request({"type": "history", "conv": w.conv["A"]})
    h.eq(r.get("type"), "messages", "carl's history of family A")
    es = [e for e in entries_of(w, "anna") if e["id"] > before]
    h.check(find(es, "access", w.ids["carl"]), "a staff member opening the history is logged "
            "('access' by carl)", {"kind": "access", "actor": "carl"}, es)


async def test_log_csv(w):
    await activity(w)
    es = entries_of(w, "anna")
    st, hd, text = read_log(w, "anna", query="?format=csv")
    h.eq(st, 200, "GET log?format=csv status")
    h.check((hd.get("Content-Type") or "").startswith("text/csv"), "CSV Content-Type",
            "text/csv", hd.get("Content-Type"))
    h.check(isinstance(text, str) and text.startswith("\ufeff"),
            "CSV body is text with a byte order mark", "\ufeff...", text[:20])
    # The spreadsheet form (tests/e2e/46-log-csv.py checks it in full): ';' between
    # fields, Danish headings in the columns of the contact, Danish time beside UTC.
    rows = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))
    h.check(len(rows) >= 2, "CSV has a header and rows", ">= 2 rows", text[:300])
    h.eq(rows[0], ["Id", "Tidspunkt (dansk tid)", "Tidspunkt (UTC)", "Hændelse", "Aktør-id",
                   "Aktør", "Samtale", "Besked", "Detaljer"], "CSV header")
    col = {k: i for i, k in enumerate(["id", "local", "at", "kind", "actor_id", "actor_name",
                                        "conv", "message", "detail"])}
    h.check(all(len(r) == len(rows[0]) for r in rows[1:]), "every CSV row has as many fields "
            "as the header", len(rows[0]), [len(r) for r in rows[1:]])
    byid = {r[col["id"]]: r for r in rows[1:]}
    for e in es:
        r = byid.get(str(e["id"]))
        h.check(r is not None, "CSV has the JSON entry %d" % e["id"], e, sorted(byid)[-10:])
        h.eq(r[col["kind"]], e["kind"], "CSV kind of entry %d" % e["id"])
        h.eq(r[col["at"]], e["at"], "CSV at of entry %d" % e["id"])
        h.eq((r[col["actor_id"]], r[col["actor_name"]]), (str(e["actor"]["id"]),
                                                          e["actor"]["name"]),
             "CSV row %d carries the actor's id and name" % e["id"])
        h.eq(r[col["message"]], "" if e["message"] is None else str(e["message"]),
             "CSV message column of entry %d (empty for null)" % e["id"])


async def test_log_filter(w):
    await activity(w)
    mette = await w.client("mette")
    for i in range(4):
        await mette.send_msg(w.conv["A"], "tidsstempel %d" % i)
        time.sleep(0.03)
    es = entries_of(w, "anna")
    distinct = sorted({e["at"] for e in es})
    h.check(len(distinct) >= 5, "enough distinct log times", ">= 5", distinct)
    lo, hi = distinct[len(distinct) // 3], distinct[2 * len(distinct) // 3]
    q = "?from=%s&to=%s" % (urllib.parse.quote(lo), urllib.parse.quote(hi))
    got = entries_of(w, "anna", query=q)
    bad = [e for e in got if not (lo <= e["at"] <= hi)]
    h.eq(bad, [], "log%s returns only entries within [from, to]" % q)
    inner = {e["id"] for e in es if lo < e["at"] < hi}
    missing = sorted(inner - {e["id"] for e in got})
    h.eq(missing, [], "log%s misses entries strictly between from and to" % q)
    h.check(got, "log with from/to returns entries", "some", got)
    got = entries_of(w, "anna", query="?from=%s" % urllib.parse.quote(hi))
    h.check(got and all(e["at"] >= hi for e in got), "log?from=X: only entries at or after X",
            ">= %s" % hi, [e["at"] for e in got][:5])


async def test_log_refused(w):
    await activity(w)
    for key in ("mette", "dora"):
        st, _, b = read_log(w, key)
        h.check(st in (403, 404), "%s reads family A's log" % key, "403/404", (st, b))
    st, _, b = read_log(w, "admin")
    h.eq(st, 403, "admin reads family A's log (admins read no content)")
    st, _, b = w.http("GET", "/api/families/%d/log" % w.fam["A"])
    h.eq(st, 401, "log without a token")
    st, _, b = w.http("GET", "/api/families/999999/log", token=w.token("anna"))
    h.check(st in (403, 404), "log of a family that does not exist", "404", (st, b))
    entries_of(w, "carl")  # the team may read it


h.run([test_log_entries, test_history_access_logged, test_log_csv, test_log_filter,
       test_log_refused])
