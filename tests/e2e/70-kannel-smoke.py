"""70 Kannel smoke (issue 13 groundwork): the SMS chain the gateway will stand at the end
of works, with the real Kannel (Debian's bearerbox and smsbox) bound over SMPP 3.4 to
the simulated operator SMSC of tests/smsc, and a small HTTP listener here in the place
of Indgang's future endpoints.

- A phone's "Hej fra telefonen" reaches the sms-service's get-url with the sender's
  number, the service number and the text.
- A 600-character Danish text (æøå, GSM 03.38) sent in concatenated parts arrives whole,
  in one request; so does an Arabic text in UCS-2 parts.
- smsbox's /cgi-bin/sendsms reaches the phone (from the service number), and its
  delivery report reaches the dlr-url: accepted by the SMSC (8), then delivered (1),
  with the SMSC's message id.  A long reply arrives whole at the phone, an Arabic one
  in UCS-2.

Needs no gateway.  Skipped only when Kannel is not installed (gateway/install-deps.sh
installs it, so CI never skips it); the simulator needs tests/smsc's npm packages
(CTest's smsc.setup installs them).
"""
import contextlib
import http.server
import re
import threading
import time
import types
import urllib.parse
import uuid

import harness as h
import kannel

PHONE = "+4512345678"
DANISH = ("Kære rådgiver, tak for mødet på tirsdag. Vi har talt om det i familien, og "
          "børnene glæder sig til at komme på besøg i næste uge. Må vi tage bedstemor "
          "med? Hun kører selv fra Århus og når frem ved halv ti. ")
ARABIC = ("مرحبا، شكرا على الاجتماع يوم الثلاثاء. تحدثنا عن الأمر في العائلة، "
          "والأطفال يتطلعون إلى الزيارة في الأسبوع القادم.")


class Listener:
    """Indgang's future SMS endpoints, for now: records every GET and answers 200."""

    def __init__(self):
        self.requests = []  # (path, query) in arrival order
        self.cond = threading.Condition()
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                path, _, query = self.path.partition("?")
                with listener.cond:
                    listener.requests.append((path, query))
                    listener.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.server.server_address[1], path)

    def wait(self, path, pred, n=1, timeout=15.0, what="requests"):
        """The first n requests to path whose parameters (kannel.mo_params) pass pred."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                got = [p for path_, q in self.requests if path_ == path
                       for p in [kannel.mo_params(q)] if pred(p)]
                if len(got) >= n:
                    return got
                left = end - time.monotonic()
                if left <= 0:
                    h.fail("%s: %d request(s) to %s within %.0fs" % (what, n, path, timeout), n,
                           [(p, q) for p, q in self.requests])
                self.cond.wait(left)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def world():
    web = Listener()
    try:
        with kannel.Kannel(mo_url=web.url("/sms")) as k:
            yield types.SimpleNamespace(web=web, k=k, smsc=k.smsc)
    finally:
        web.close()


def phone_sends(w, sender, text, parts, data_coding):
    """The phone sends text to the service number; the SMSC's deliver_sm(s) are taken."""
    r = w.smsc.send(sender, kannel.SHORT_NUMBER, text)
    h.eq((r.get("parts"), r.get("data_coding")), (parts, data_coding),
         "parts and data_coding of the simulated phone's SMS")
    h.eq(r.get("statuses"), [0] * parts, "Kannel's deliver_sm_resp status for every part")


def arrives_whole(w, sender, text, what):
    """Exactly one request to the get-url from sender, with the whole text."""
    got = w.web.wait("/sms", lambda p: p.get("from") == sender, what=what)
    time.sleep(0.3)  # parts passed on one by one would come right behind the first
    got = w.web.wait("/sms", lambda p: p.get("from") == sender)
    h.eq(len(got), 1, "%s: requests to the get-url from %s" % (what, sender))
    h.eq(got[0].get("to"), kannel.SHORT_NUMBER, what + ": the number the phone sent to")
    h.eq(got[0].get("text"), text, what + ": the text")
    h.eq(got[0].get("smsc"), kannel.SMSC_ID, what + ": the SMSC it came through")
    return got[0]


def test_phone_text_reaches_the_service(w):
    phone_sends(w, PHONE, "Hej fra telefonen", 1, 0)
    got = arrives_whole(w, PHONE, "Hej fra telefonen", "a short SMS from a phone")
    h.check(re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
                     got.get("id", "")), "Kannel's message id (%I) is a UUID", "UUID", got.get("id"))


def test_long_danish_text_arrives_whole(w):
    text = (DANISH * 4)[:600]
    h.eq(len(text), 600, "the Danish text's length")
    phone_sends(w, "+4522222222", text, 4, 0)  # 153 GSM septets a part
    arrives_whole(w, "+4522222222", text, "a 600-character Danish SMS in 4 parts")


def test_arabic_text_arrives_intact(w):
    h.check(len(ARABIC) > 70, "the Arabic text needs more than one UCS-2 part", "> 70",
            len(ARABIC))
    phone_sends(w, "+4533333333", ARABIC, 2, 8)  # 67 UTF-16 units a part
    got = arrives_whole(w, "+4533333333", ARABIC, "an Arabic SMS in 2 UCS-2 parts")
    # mo-recode: the service gets UTF-8 whatever the phone sent
    h.eq((got.get("charset"), got.get("coding")), ("UTF-8", "0"), "charset and coding at the service")


def received_by(w, phone, text, what):
    """The one message the phone received, checked to be text from the service number."""
    got = w.smsc.wait_received(lambda m: m["to"] == phone, what=what)
    h.eq(len(got), 1, what + ": messages the phone received")
    h.eq((got[0]["from"], got[0]["text"]), (kannel.SHORT_NUMBER, text),
         what + ": sender and text at the phone")
    return got[0]


def test_sendsms_reaches_the_phone_and_reports_delivery(w):
    ref = uuid.uuid4().hex
    text = "Hej fra kommunen, vi ses på mandag"
    status, body = w.k.sendsms(PHONE, text,
                               dlr_url=w.web.url("/dlr?ref=%s&%s" % (ref, kannel.DLR_PARAMS)))
    h.eq(status, 202, "sendsms accepts the message (body %r)" % body)
    msg = received_by(w, PHONE, text, "an SMS through sendsms")
    h.eq((msg["data_coding"], msg["parts"]), (0, 1), "one GSM 03.38 part")
    h.check(msg["registered_delivery"] & 0x03, "dlr-mask 31 asks the SMSC for a receipt",
            "registered_delivery 1 or 2", msg["registered_delivery"])
    # dlr-mask 31: 8 when the SMSC took it (submit_sm_resp), 1 when delivered (receipt).
    dlrs = w.web.wait("/dlr", lambda p: p.get("ref") == ref, n=2, what="delivery reports")
    time.sleep(0.3)
    dlrs = w.web.wait("/dlr", lambda p: p.get("ref") == ref)
    h.eq(sorted(int(d["type"]) for d in dlrs), [1, 8], "DLR types: accepted by the SMSC, delivered")
    delivered = [d for d in dlrs if d["type"] == "1"][0]
    h.eq(delivered.get("smsc_id"), msg["message_ids"][0], "the DLR carries the SMSC's message id")
    h.check("stat:DELIVRD" in delivered.get("answer", ""), "the DLR carries the receipt",
            "...stat:DELIVRD...", delivered.get("answer"))


def test_long_reply_arrives_whole(w):
    text = (DANISH * 2)[:300]
    status, body = w.k.sendsms("+4544444444", text)
    h.eq(status, 202, "sendsms accepts the message (body %r)" % body)
    msg = received_by(w, "+4544444444", text, "a 300-character reply through sendsms")
    h.eq((msg["data_coding"], msg["parts"]), (0, 2), "two concatenated GSM 03.38 parts")


def test_arabic_reply_arrives_in_ucs2(w):
    status, body = w.k.sendsms("+4555555555", ARABIC, coding=2, charset="UTF-8")
    h.eq(status, 202, "sendsms accepts the message (body %r)" % body)
    msg = received_by(w, "+4555555555", ARABIC, "an Arabic reply through sendsms")
    h.eq((msg["data_coding"], msg["parts"]), (8, 2), "two concatenated UCS-2 parts")


h.run_without_gateway([
    test_phone_text_reaches_the_service,
    test_long_danish_text_arrives_whole,
    test_arabic_text_arrives_intact,
    test_sendsms_reaches_the_phone_and_reports_delivery,
    test_long_reply_arrives_whole,
    test_arabic_reply_arrives_in_ucs2,
], world)
