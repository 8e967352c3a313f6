"""72 kannel out: an adviser's message to a family member reached by SMS only goes through
the real Kannel (smsbox's sendsms, bearerbox bound over SMPP to the simulated SMSC of
tests/smsc) to her phone, and its state comes back to both advisers: accepted, then
delivered (Kannel's delivery reports at /sms/kannel/dlr).  The sensitivity guard holds:
without her recorded consent the phone gets a notice without content and the app's
address; with it, the text; a message marked "not by SMS" is a notice again; a note never
leaves.  A 600-character Danish text goes in GSM 03.38 parts, Arabic in UCS-2 (issue 13)."""
import datetime
import os
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import kannel  # noqa: E402

METTE = "+4522345678"
LINK = "https://indgang.example.dk/"
DANISH = ("Hej Mette. Jeg har talt med boligkontoret om huslejen, og de venter med rykkeren "
          "til efter mødet på torsdag. Tag brevet med, så kigger vi på det sammen. ")
ARABIC = "مرحبا منة، الاجتماع يوم الخميس الساعة العاشرة. أحضري الرسالة معك من فضلك."


async def sms_state(c, msg_id, state, timeout=15):
    f = await c.recv_until("sms", timeout=timeout,
                           pred=lambda f: f["sms"]["message"] == msg_id
                           and f["sms"]["state"] == state)
    return f["sms"]


async def test_sms_out_through_kannel(w):
    secret, value = kannel.secret_file(w)
    mo = "https://127.0.0.1:%d/sms/kannel?secret=%s" % (w.port, value)
    with kannel.Kannel(mo_url=mo) as k:
        k.attach(w, secret, "--sms-link", LINK)
        anna_t = w.token("anna")
        kannel.set_member_sms(w, "mette", phone="22345678", channel="sms")  # no consent yet
        anna = await w.client("anna")
        bo = await w.client("bo")
        conv = w.conv["A"]
        to_mette = lambda m: m["to"] in (METTE, METTE[1:])  # noqa: E731

        # Without consent: a notice, no content.
        t0 = time.monotonic()
        m = await anna.send_msg(conv, "Husk mødet torsdag kl. 10 om huslejen")
        got = k.smsc.wait_received(to_mette, what="the notice to Mette's phone")[-1]
        print("    notice on the phone %.0f ms after the send" % ((time.monotonic() - t0) * 1000))
        h.eq(got["text"], "Du har en ny besked fra din rådgiver: " + LINK,
             "without consent the phone gets a notice and the app's address, no content")
        for who, c in (("anna", anna), ("bo", bo)):
            s = await sms_state(c, m["id"], "accepted")
            h.eq((s["user"], s["full_text"]), (w.ids["mette"], False), who + " sees it accepted")
            await sms_state(c, m["id"], "delivered")
        print("    delivered to the handset %.0f ms after the send"
              % ((time.monotonic() - t0) * 1000))

        # With consent: the text, in parts when long, UCS-2 for Arabic.
        kannel.set_member_sms(w, "mette", consent=True)
        long_text = (DANISH * 4)[:600].strip()
        for text, coding, parts, what in ((long_text, 0, 4, "600 Danish characters"),
                                          (ARABIC, 8, 2, "Arabic")):
            m = await anna.send_msg(conv, text)
            want = "Anna Jensen: " + text
            got = k.smsc.wait_received(lambda r, t=want: to_mette(r) and r["text"] == t,
                                       what=what + " on the phone")[0]
            h.eq((got["data_coding"], got["parts"]), (coding, parts),
                 what + ": its coding and parts")
            s = await sms_state(anna, m["id"], "delivered")
            h.eq(s["full_text"], True, what + ": the text itself went")

        # "Not by SMS": a notice again.  A note: nothing.
        before = len([r for r in k.smsc.received() if to_mette(r)])
        m = await anna.send_msg(conv, "Dit CPR-nummer står i brevet", no_sms=True)
        h.eq(m.get("no_sms"), True, "the message says it was marked not by SMS")
        got = k.smsc.wait_received(to_mette, n=before + 1, what="the marked one's notice")[-1]
        h.eq("CPR" in got["text"], False, "a message marked not by SMS goes as a notice")
        await anna.send_msg(conv, "Intern: ring til skolen", kind="note")
        time.sleep(1.5)
        h.eq(len([r for r in k.smsc.received() if to_mette(r)]), before + 1,
             "a note never leaves by SMS")

        st, _, body = w.http("GET", "/api/conversations/%d/sms" % conv, token=w.token("carl"))
        h.eq(st, 200, "the team reads the SMS states")
        h.eq([s["state"] for s in body["sms"]][-1], "delivered", "the first SMS: delivered")
        st, _, _ = w.http("GET", "/api/conversations/%d/sms" % conv, token=w.token("mette"))
        h.eq(st, 403, "a family member does not read the SMS states")
        st, _, _ = w.http("GET", "/sms/kannel/dlr?secret=wrong&id=1&type=1")
        h.eq(st, 401, "a delivery report without the secret is refused")

        # STOP from her phone: confirmed; nothing more goes until START.
        k.smsc.send(METTE, kannel.SHORT_NUMBER, "STOP")
        got = k.smsc.wait_received(lambda r: to_mette(r) and r["text"].startswith(
            "Du får ikke flere SMS fra os"), what="the STOP confirmation")
        count = len([r for r in k.smsc.received() if to_mette(r)])
        await anna.send_msg(conv, "Er du der, Mette?")
        time.sleep(1.5)
        h.eq(len([r for r in k.smsc.received() if to_mette(r)]), count,
             "after STOP no SMS goes to her number")
        k.smsc.send(METTE, kannel.SHORT_NUMBER, "Start")
        k.smsc.wait_received(lambda r: to_mette(r) and r["text"].startswith(
            "Du får SMS fra os igen"), what="the START confirmation")
        await anna.send_msg(conv, "Velkommen tilbage")
        k.smsc.wait_received(lambda r: to_mette(r) and r["text"] == "Anna Jensen: Velkommen tilbage",
                             what="SMS after START")

        # The app, and SMS when the app does not reach her: without push, a notice
        # at once; one per conversation until she reads it.
        kannel.set_member_sms(w, "mette", channel="fallback")
        before = len([r for r in k.smsc.received() if to_mette(r)])
        m = await anna.send_msg(conv, "Kan du komme kl. 14?")
        await anna.send_msg(conv, "Eller kl. 15?")
        got = k.smsc.wait_received(to_mette, n=before + 1, what="the fallback notice")[-1]
        h.eq(got["text"], "Du har en ny besked fra din rådgiver: " + LINK,
             "the fallback is a notice without content")
        s = await sms_state(anna, m["id"], "delivered")
        h.eq(s["kind"], "fallback", "staff see it as the fallback notice")
        time.sleep(1.5)
        h.eq(len([r for r in k.smsc.received() if to_mette(r)]), before + 1,
             "one notice per conversation until she reads it")

        # An invite code straight to her number: the adviser never sees it.
        st, _, body = w.http("POST", "/api/invites", {"member": w.ids["mette"], "by_sms": True},
                             token=anna_t)
        h.eq((st, body.get("sent_to"), "code" in body), (201, "+45••••5678", False),
             "the invite goes by SMS, the code not shown")
        got = k.smsc.wait_received(lambda r: to_mette(r) and "#code=" in r["text"],
                                   what="the invite SMS")[-1]
        code = re.search(r"#code=([A-Za-z0-9-]+)", got["text"]).group(1)
        h.check(got["text"].startswith("Din rådgiver har inviteret dig til Indgang. Åbn "
                                       + LINK + "family/#code="),
                "the SMS links to the family app with the code", "the link", got["text"])
        tok = w.enrol(code, "Mettes nye telefon")
        h.check(bool(tok), "the code from the SMS enrols her phone", "a token", tok)
        db = sqlite3.connect("file:%s?mode=ro" % w.db, uri=True)
        left = db.execute("SELECT count(*) FROM sms_outbox WHERE kind = 'invite' AND body <> ''")
        h.eq(left.fetchone()[0], 0, "the code is not kept once it went")
        db.close()

        # An unknown number is told what this number is for, once.
        stranger = "+4531223344"
        for text in ("Hvem er I?", "Hallo?"):
            k.smsc.send(stranger, kannel.SHORT_NUMBER, text)
        k.smsc.wait_received(lambda r: r["to"] in (stranger, stranger[1:]),
                             what="the reply to an unknown number")
        time.sleep(1.5)
        h.eq(len([r for r in k.smsc.received() if r["to"] in (stranger, stranger[1:])]), 1,
             "an unknown number is answered once")


async def test_sms_rate_paces_a_burst(w):
    """sms_rate: a burst goes to Kannel evenly spaced, in order, not all at once."""
    secret, value = kannel.secret_file(w)
    mo = "https://127.0.0.1:%d/sms/kannel?secret=%s" % (w.port, value)
    with kannel.Kannel(mo_url=mo) as k:
        k.attach(w, secret, "--sms-rate", "5")
        kannel.set_member_sms(w, "mette", phone=METTE, channel="sms", consent=True)
        anna = await w.client("anna")
        for i in range(10):
            await anna.send_msg(w.conv["A"], "Byge %d" % i)
        got = k.smsc.wait_received(lambda r: r["text"].startswith("Anna Jensen: Byge"), n=10,
                                   timeout=30, what="the ten SMS at the phone")
        h.eq([r["text"] for r in got], ["Anna Jensen: Byge %d" % i for i in range(10)],
             "the burst reaches the phone in order")
        at = [datetime.datetime.fromisoformat(r["at"].replace("Z", "+00:00")).timestamp()
              for r in got]
        span = at[-1] - at[0]
        print("    ten SMS at 5 a second: %.2f s from the first to the last" % span)
        h.check(span >= 1.5, "handed over 5 a second, not at once", ">= 1.5 s", "%.2f s" % span)


async def test_correction_reaches_the_phone(w):
    """A member reached by SMS has no app to show a correction (issue 15): the message that
    went to her phone with its text is followed by an SMS with the new text, then one
    saying it was taken back (without its text); one withdrawn before it went never goes;
    staff see the change's SMS under the message."""
    secret, value = kannel.secret_file(w)
    mo = "https://127.0.0.1:%d/sms/kannel?secret=%s" % (w.port, value)
    with kannel.Kannel(mo_url=mo) as k:
        k.attach(w, secret)
        kannel.set_member_sms(w, "mette", phone=METTE, channel="sms", consent=True)
        anna = await w.client("anna")
        conv = w.conv["A"]
        to_mette = lambda m: m["to"] in (METTE, METTE[1:])  # noqa: E731
        m = await anna.send_msg(conv, "Mødet er tirsdag kl. 10")
        k.smsc.wait_received(lambda r: to_mette(r) and r["text"] == "Anna Jensen: Mødet er tirsdag kl. 10",
                             what="the message on the phone")
        await sms_state(anna, m["id"], "delivered")
        r = await anna.request({"type": "correct", "id": m["id"], "body": "Mødet er onsdag kl. 10"})
        h.eq(r["type"], "changed", "corrected")
        k.smsc.wait_received(lambda r: to_mette(r) and r["text"]
                             == "Rettelse fra Anna Jensen: Mødet er onsdag kl. 10",
                             what="the correction on the phone")
        s = await sms_state(anna, m["id"], "delivered")
        h.eq(s["kind"], "change", "staff see the correction's SMS under the message")
        r = await anna.request({"type": "withdraw", "id": m["id"]})
        h.eq(r["type"], "changed", "withdrawn")
        got = k.smsc.wait_received(lambda r: to_mette(r) and "trukket sin besked" in r["text"],
                                   what="the withdrawal on the phone")[-1]
        h.check(got["text"].startswith("Anna Jensen har trukket sin besked fra ")
                and "onsdag" not in got["text"], "the withdrawal says so without the text",
                "no text", got["text"])

        # Withdrawn at once: either it never goes, or (Kannel had it already) the
        # withdrawal follows it, never the message alone.
        before = len([r for r in k.smsc.received() if to_mette(r)])
        db = sqlite3.connect(w.db, timeout=10)
        m = await anna.send_msg(conv, "Til den forkerte familie")
        r = await anna.request({"type": "withdraw", "id": m["id"]})
        h.eq(r["type"], "changed", "withdrawn at once")
        time.sleep(3.0)
        states = [row[0] for row in db.execute(
            "SELECT state FROM sms_outbox WHERE message_id = ?", (m["id"],))]
        db.close()
        sent = [r for r in k.smsc.received() if to_mette(r)][before:]
        if any("forkerte" in r["text"] for r in sent):
            print("    (Kannel had it before the withdrawal: it went, and the withdrawal followed)")
            h.check(any("trukket sin besked" in r["text"] for r in sent),
                    "then the withdrawal follows it", "a withdrawal SMS", sent)
        else:
            h.eq(states, ["cancelled"], "withdrawn before it went: never sent")


h.run([test_sms_out_through_kannel, test_sms_rate_paces_a_burst,
       test_correction_reaches_the_phone], per_test_timeout=120.0)
