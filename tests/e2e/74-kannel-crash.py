"""74 kannel crash: the gateway is killed (SIGKILL) while it hands a burst of 500 SMS to
the real Kannel, and started again: every SMS reaches the phone, and the duplicates are
counted (target 0; issue 13).  An SMS being handed over when the gateway died is claimed
in the database without an outcome; it goes again after sms_unsure_seconds (here 8)
unless Kannel's delivery report, which smsbox retries while the gateway restarts
(http-request-retry), showed meanwhile that Kannel has it.  Prints how far the burst was
at the kill, how many went again and how many arrived twice."""
import collections
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import kannel  # noqa: E402

METTE = "+4522345678"
N = 500
UNSURE_S = 8


def counter(w, result):
    _, _, text = w.http("GET", "/metrics")
    m = re.search(r'^indgang_sms_out_total\{result="%s"\} (\d+)' % result, text, re.M)
    return int(m.group(1)) if m else 0


async def test_kill_during_burst(w):
    secret, _ = kannel.secret_file(w)
    with kannel.Kannel(mo_url="http://127.0.0.1:9/unused") as k:
        k.attach(w, secret, "--sms-unsure-seconds", str(UNSURE_S), "--ws-rate", "100000")
        kannel.set_member_sms(w, "mette", phone=METTE, channel="sms", consent=True)
        anna = await w.client("anna")
        conv = w.conv["A"]
        texts = ["Burst %03d" % i for i in range(N)]
        # All 500 acknowledged (committed with their SMS) before the kill: what was
        # acked must not be lost.
        for t in texts:
            await anna.send_msg(conv, t, timeout=30)
        end = time.monotonic() + 30
        handed = 0
        while handed < N // 4 and time.monotonic() < end:
            handed = counter(w, "accepted")
        w.gw.kill9()
        print("    killed with %d of %d handed to Kannel" % (handed, N))
        await w.close_clients()
        w.gw.start()
        to_mette = lambda m: m["to"] in (METTE, METTE[1:])  # noqa: E731
        t0 = time.monotonic()
        k.smsc.wait_received(lambda m: to_mette(m) and "Burst" in m["text"], n=N, timeout=120,
                             what="all %d SMS of the burst" % N)
        print("    all %d on the phone %.1f s after the restart" % (N, time.monotonic() - t0))
        time.sleep(UNSURE_S + 4)  # whatever goes again has gone by now
        got = collections.Counter(m["text"].split(": ", 1)[1] for m in k.smsc.received()
                                  if to_mette(m) and "Burst" in m["text"])
        missing = [t for t in texts if got[t] == 0]
        doubled = sum(n - 1 for n in got.values() if n > 1)
        unsure = counter(w, "unsure")
        print("    sent again after the crash: %d; arrived twice: %d; missing: %d"
              % (unsure, doubled, len(missing)))
        h.eq(missing, [], "no SMS of the burst is lost")
        h.eq(doubled, 0, "no SMS arrives twice")


h.run([test_kill_during_burst], per_test_timeout=240.0)
