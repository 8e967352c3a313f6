"""71 kannel in: through the real Kannel (bearerbox bound over SMPP to the simulated
SMSC of tests/smsc), a family member's SMS from their phone reaches both advisers live as
a message from them, long and Danish, and Arabic (UCS-2) too; an unknown number's SMS is
not stored (issue 13).  Kannel calls the gateway's GET /sms/kannel over HTTPS with the
secret of sms_secret_file."""
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import kannel  # noqa: E402

SECRET = "kannel-in-secret-" + os.urandom(8).hex()
METTE = "+4522345678"
DANISH = ("Hej Anna. Jeg har fået et brev fra kommunen om huslejen, og jeg forstår det ikke. "
          "Kan vi tale om det på torsdag? Børnene har det godt, men Jonas er træt om morgenen. ")
ARABIC = "مرحبا، لقد وصلتني رسالة من البلدية ولا أفهمها. هل يمكننا أن نتحدث يوم الخميس؟"


def stored(w, body):
    db = sqlite3.connect("file:%s?mode=ro" % w.db, uri=True)
    try:
        return db.execute("SELECT count(*) FROM messages WHERE body = ?", (body,)).fetchone()[0]
    finally:
        db.close()


async def test_sms_through_kannel(w):
    path = os.path.join(w.tmp, "sms-secret")
    with open(path, "w") as f:
        f.write(SECRET)
    w.gw.extra += ["--sms-secret-file", path]
    w.gw.restart()
    st, _, _ = w.http("PUT", "/api/members/%d/sms" % w.ids["mette"], {"phone": METTE},
                      token=w.token("anna"))
    h.eq(st, 200, "Mette's number")
    anna = await w.client("anna")
    bo = await w.client("bo")
    mo = "https://127.0.0.1:%d/sms/kannel?secret=%s" % (w.port, SECRET)
    with kannel.Kannel(mo_url=mo) as k:
        for text, what in (("Hej fra Mettes telefon", "a short SMS"),
                           ((DANISH * 4)[:600], "600 Danish characters in four parts"),
                           (ARABIC, "Arabic in UCS-2")):
            t0 = time.monotonic()
            k.smsc.send(METTE, kannel.SHORT_NUMBER, text)
            for who, c in (("anna", anna), ("bo", bo)):
                f = await c.recv_until("message", timeout=15,
                                       pred=lambda f, t=text: f["message"]["body"] == t)
                h.eq((f["message"]["sender"]["id"], f["message"].get("via")),
                     (w.ids["mette"], "sms"), "%s: %s gets it from Mette, by SMS" % (what, who))
            print("    %s: at both advisers %.0f ms after the phone sent it"
                  % (what, (time.monotonic() - t0) * 1000))
            h.eq(stored(w, text), 1, what + ": stored once")
        k.smsc.send("+4531223344", kannel.SHORT_NUMBER, "Hvem er I?")
        time.sleep(1.5)
        h.eq(stored(w, "Hvem er I?"), 0, "an unknown number's SMS is not stored")


h.run([test_sms_through_kannel], per_test_timeout=90.0)
