"""65 sms in: an SMS handed over by Kannel's get-url (GET /sms/kannel) becomes a message
from the family member whose number it came from, in the family's default conversation,
live to both advisers, in the contact log (issue 13).  The endpoint answers only with the
secret from sms_secret_file and only from sms_allow; without a secret file it does not
exist.  The same SMS delivered again is stored once; an unknown number's text is never
stored (the log says one came, masked); STOP ends SMS to the number.  The real Kannel
carries SMS here in e2e 71."""
import http.client
import os
import sqlite3
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SECRET = "kannel-test-secret-0123456789"
state = {}


def get(w, **params):
    q = urllib.parse.urlencode(params)
    st, _, b = w.http("GET", "/sms/kannel?" + q)
    return st, b


def sms(w, frm, text, sms_id, secret=SECRET, charset="UTF-8"):
    if charset == "ISO-8859-1":
        q = "secret=%s&from=%s&text=%s&charset=%s&id=%s" % (
            urllib.parse.quote(secret), urllib.parse.quote(frm),
            urllib.parse.quote(text.encode("latin-1")), charset, sms_id)
        st, _, b = w.http("GET", "/sms/kannel?" + q)
        return st, b
    return get(w, secret=secret, to="1919", text=text, charset=charset, id=sms_id,
               **{"from": frm})


def stored(w, body):
    db = sqlite3.connect("file:%s?mode=ro" % w.db, uri=True)
    try:
        return db.execute("SELECT count(*) FROM messages WHERE body = ?", (body,)).fetchone()[0]
    finally:
        db.close()


async def test_no_endpoint_without_a_secret(w):
    st, _ = sms(w, "+4522345678", "Hej", "x1")
    h.eq(st, 404, "no sms_secret_file: no SMS endpoint")


async def test_refusals(w):
    path = os.path.join(w.tmp, "sms-secret")
    with open(path, "w") as f:
        f.write(SECRET + "\n")
    os.chmod(path, 0o600)
    w.gw.extra += ["--sms-secret-file", path]
    w.gw.restart()
    st, _, _ = w.http("PUT", "/api/members/%d/sms" % w.ids["mette"],
                      {"phone": "22 34 56 78", "channel": "fallback"}, token=w.token("anna"))
    h.eq(st, 200, "the pair gives Mette's number")
    h.eq(sms(w, "+4522345678", "Hej", "r1", secret="wrong-secret-0123456789")[0], 401,
         "a wrong secret")
    h.eq(sms(w, "+4522345678", "Hej", "r2", secret="")[0], 401, "no secret")
    h.eq(get(w, secret=SECRET, text="Hej", id="r3")[0], 400, "no sender")
    h.eq(sms(w, "Telenor", "Hej", "r4")[0], 400, "a sender that is no number")
    h.eq(sms(w, "+4522345678", "Hej", "r5", charset="UTF-16BE")[0], 400, "a charset not taken")
    conn = http.client.HTTPSConnection("127.0.0.1", w.port, context=w.ssl, timeout=15,
                                       source_address=("127.0.0.2", 0))
    try:
        conn.request("GET", "/sms/kannel?" + urllib.parse.urlencode(
            {"secret": SECRET, "from": "+4522345678", "text": "Hej", "id": "r6"}))
        st = conn.getresponse().status
    finally:
        conn.close()
    h.eq(st, 403, "the right secret from an address not in sms_allow")
    short = os.path.join(w.tmp, "short-secret")
    with open(short, "w") as f:
        f.write("kort\n")
    w.gw.extra[-1] = short
    try:
        w.gw.restart(timeout=5)
        started = True
    except Exception:  # noqa: BLE001 - the gateway refusing to start is what we want
        started = False
    h.check(not started, "a secret shorter than 16 bytes: the gateway does not start",
            "refused", "started")
    w.gw.extra[-1] = path
    w.gw.restart()


async def test_message_from_a_member(w):
    anna = await w.client("anna")
    bo = await w.client("bo")
    text = "Hej Anna, jeg har ingen data. Kan du ringe? Mvh Mette"
    st, b = sms(w, "4522345678", text, "kannel-id-1")  # as an SMSC gives it: no "+"
    h.eq(st, 200, "Kannel's hand-over is answered 200 once the message is stored")
    for who, c in (("anna", anna), ("bo", bo)):
        f = await c.recv_until("message", pred=lambda f: f["message"]["body"] == text)
        m = f["message"]
        h.eq((m["sender"]["id"], m["conv"], m.get("via")), (w.ids["mette"], w.conv["A"], "sms"),
             "%s gets it live, from Mette, in the family's conversation, marked SMS" % who)
    st, _, page = w.http("GET", "/api/conversations/%d/messages?limit=5" % w.conv["A"],
                         token=w.token("anna"))
    h.eq([x.get("via") for x in page["messages"] if x["body"] == text], ["sms"],
         "the history says so too")
    st, b = sms(w, "+4522345678", text, "kannel-id-1")
    h.eq(st, 200, "the same SMS again (Kannel retried)")
    h.eq(stored(w, text), 1, "stored once")
    st, _, log = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=w.token("anna"))
    h.check(any(e["kind"] == "message" and e["actor"]["id"] == w.ids["mette"]
                for e in log["entries"]), "in the contact log as Mette's message", "a row",
            log["entries"][-3:])
    latin = "Tak for hjælpen – æøå"
    h.eq(sms(w, "+4522345678", latin.replace("–", "-"), "kannel-id-2",
             charset="ISO-8859-1")[0], 200, "an ISO-8859-1 text")
    h.eq(stored(w, latin.replace("–", "-")), 1, "kept as UTF-8")


async def test_unknown_number_and_stop(w):
    secret_text = "Dette er en fremmed, der skriver"
    st, _ = sms(w, "+4599887766", secret_text, "unknown-1")
    h.eq(st, 200, "an unknown number's SMS is taken (Kannel need not retry it)")
    h.eq(stored(w, secret_text), 0, "and never stored")
    db = sqlite3.connect("file:%s?mode=ro" % w.db, uri=True)
    try:
        rows = [r[0] for r in db.execute("SELECT detail FROM contact_log WHERE kind = 'sms'")]
    finally:
        db.close()
    h.check(any("+45••••7766" in r for r in rows) and not any("99887766" in r for r in rows),
            "the log says one came, the number masked", "+45••••7766", rows)
    st, _ = sms(w, "+4522345678", " stop ", "stop-1")
    h.eq(st, 200, "STOP from Mette's phone")
    h.eq(stored(w, " stop "), 0, "STOP is no message")
    st, _, b = w.http("GET", "/api/members/%d/sms" % w.ids["mette"], token=w.token("anna"))
    h.check(h.is_ts(b.get("stopped_at")), "SMS to the number ended", "a time", b)


async def test_closed_case(w):
    """A member of a closed case (issue 16) writing by SMS is told kindly, once a day, that
    nobody reads here now; the text is not stored."""
    st, _, b = w.http("POST", "/api/families/%d/close" % w.fam["A"], {}, token=w.token("anna"))
    h.eq(st, 200, "the pair closes the case")
    text = "Er der nogen der læser dette?"
    for i in range(2):
        st, _ = sms(w, "+4522345678", text, "closed-%d" % i)
        h.eq(st, 200, "Kannel's hand-over is taken (need not retry)")
    h.eq(stored(w, text), 0, "the text is not stored")
    db = sqlite3.connect("file:%s?mode=ro" % w.db, uri=True)
    try:
        replies = [r[0] for r in db.execute(
            "SELECT body FROM sms_outbox WHERE kind = 'reply' AND phone = '+4522345678'")]
        logged = db.execute("SELECT count(*) FROM contact_log WHERE kind = 'sms' AND detail = "
                            "'sms to a closed case, not stored'").fetchone()[0]
    finally:
        db.close()
    h.check(len(replies) == 1 and "afsluttet" in replies[0], "told once that the case is closed",
            "one reply", replies)
    h.eq(logged, 2, "the family's log says each came")
    st, _, b = w.http("POST", "/api/families/%d/reopen" % w.fam["A"], {}, token=w.token("anna"))
    h.eq(st, 200, "reopened")


h.run([test_no_endpoint_without_a_secret, test_refusals, test_message_from_a_member,
       test_unknown_number_and_stop, test_closed_case])
