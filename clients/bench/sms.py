"""sms.py - the SMS benchmark (issue 13): prints figures, asserts nothing.

    /usr/bin/python3 clients/bench/sms.py [--smoke]

One gateway (INDGANG_BIN, INDGANG_ADMIN: by default build-bench's, built by
clients/bench/run.sh) with SMS in and out through the real Kannel (bearerbox + smsbox,
Debian's) bound over SMPP to the simulated operator SMSC of tests/smsc, all on loopback
(tests/e2e/kannel.py starts and stops them).  Three figures:

1. SMS in: a phone sends an SMS; the time until it reaches both advisers' WebSockets as a
   message (through the SMSC, bearerbox, smsbox, the gateway's /sms/kannel, the commit and
   the fan-out), p50/p99/max over --in SMS sent 20 a second.
2. The outbox's sustained rate: --out messages from an adviser to a member reached by SMS
   only, with the simulator throttled to 50 SMS a second (beyond that it answers
   ESME_RTHROTTLED, as an operator does): SMS a second at the phones, and how long the
   last took.
3. The message path beside it: indgang-bench families (closed loop, --families) against
   the same gateway, before, while and after a second drain of --out (started as soon as
   they are queued): messages a second and the ratio of the run beside the drain to the
   mean of the two without.  Also the CPU each process (the gateway, bearerbox, smsbox,
   the simulator) spent per SMS in the first drain.

The gateway hands SMS to Kannel at sms_rate (BENCH_SMS_RATE, default the SMSC's 50 a
second, as docs/kannel.md has it; 0: as fast as Kannel takes them).

Appends one JSON line to $BENCH_DIR/results.jsonl (default build-bench/run).
"""
import asyncio
import datetime

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
BUILD = os.path.join(ROOT, "build-bench")
os.environ.setdefault("INDGANG_BIN", os.path.join(BUILD, "indgang"))
os.environ.setdefault("INDGANG_ADMIN", os.path.join(BUILD, "indgang-admin"))
BENCH = os.environ.get("INDGANG_BENCH", os.path.join(BUILD, "clients", "bench", "indgang-bench"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness as h  # noqa: E402
import kannel  # noqa: E402

SMOKE = "--smoke" in sys.argv
N_IN = 20 if SMOKE else 300
N_OUT = 50 if SMOKE else int(os.environ.get("BENCH_SMS_OUT", "1000"))
FAMILIES = 20 if SMOKE else 200
DURATION = 2 if SMOKE else 10
THROTTLE = 50
RATE = int(os.environ.get("BENCH_SMS_RATE", str(THROTTLE)))
METTE = "+4522345678"


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] if v else -1.0


async def sms_in(w, k, anna, bo):
    """Figure 1."""
    ms = []
    for i in range(N_IN):
        text = "SMS ind nr. %d fra Mettes telefon" % i
        t0 = time.monotonic()
        k.smsc.send(METTE, kannel.SHORT_NUMBER, text)
        for c in (anna, bo):
            await c.recv_until("message", timeout=15,
                               pred=lambda f, t=text: f["message"]["body"] == t)
        ms.append((time.monotonic() - t0) * 1000)
        await asyncio.sleep(max(0.0, 0.05 - (time.monotonic() - t0)))
    return {"n": N_IN, "p50_ms": pct(ms, .5), "p99_ms": pct(ms, .99), "max_ms": max(ms)}


def families(w, label):
    """One closed-loop run of indgang-bench families against the same gateway."""
    out = os.path.join(w.tmp, "families-%s.jsonl" % label)
    r = subprocess.run([BENCH, "families", "--port", str(w.port), "--ca", w.ca,
                        "--admin", os.environ["INDGANG_ADMIN"], "--db", w.db,
                        "--families", str(FAMILIES), "--advisers", str(max(4, FAMILIES // 10)),
                        "--warmup", "1", "--duration", str(DURATION), "--json", out],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise h.Fail("indgang-bench families (%s) failed: %s" % (label, r.stderr[-800:]))
    with open(out) as f:
        return json.loads(f.readlines()[-1])["indgang"]["msgs_per_s"]


def cpu_ticks(pid):
    """User + system clock ticks of a process so far."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except OSError:
        return 0


async def drain(w, k, anna, tag):
    """Queues N_OUT SMS to Mette -> (seconds to queue, the arrival times, the seconds
    until the last arrived) after `during` (a callable run while it drains) returns."""
    match = lambda m: (m["to"] in (METTE, METTE[1:]) and  # noqa: E731
                       m["text"].startswith("Anna Jensen: %s " % tag))
    t0 = time.monotonic()
    for i in range(N_OUT):
        await anna.send_msg(w.conv["A"], "%s %d til Mettes telefon" % (tag, i), timeout=30)
    return t0, time.monotonic() - t0, match


def arrivals(k, match, t0):
    got = k.smsc.wait_received(match, n=N_OUT, timeout=N_OUT / THROTTLE * 4 + 60,
                               what="all %d SMS at the phone" % N_OUT)
    drained_s = time.monotonic() - t0
    stamps = sorted(datetime.datetime.fromisoformat(m["at"].replace("Z", "+00:00")).timestamp()
                    for m in got)
    span = stamps[-1] - stamps[0]
    return (len(stamps) - 1) / span if span > 0 else -1.0, drained_s


async def sms_out(w, k, anna):
    """Figure 2, with what each process spent on it, and figure 3: the families runs
    before, beside and after a second drain."""
    kannel.set_member_sms(w, "mette", channel="sms", consent=True)
    k.smsc.config(throttle_per_s=THROTTLE)
    pids = dict((name, p.pid) for name, p in k.procs)
    pids.update(simulator=k.smsc.proc.pid, indgang=w.gw.proc.pid)
    ticks0 = dict((n, cpu_ticks(p)) for n, p in pids.items())
    t0, queued_s, match = await drain(w, k, anna, "Ud")
    rate, drained_s = arrivals(k, match, t0)
    hz = os.sysconf("SC_CLK_TCK")
    cpu_ms = dict((n, (cpu_ticks(p) - ticks0[n]) * 1000.0 / hz / N_OUT) for n, p in pids.items())
    before = families(w, "before")
    t1, _, match = await drain(w, k, anna, "Igen")
    beside = families(w, "beside")
    rate2, _ = arrivals(k, match, t1)
    after = families(w, "after")
    print("simulator: %s" % json.dumps(k.smsc.status()["stats"]))
    return ({"n": N_OUT, "throttle_per_s": THROTTLE, "sms_rate": RATE, "queued_s": queued_s, "sms_per_s": rate,
             "drained_s": drained_s, "cpu_ms_per_sms": cpu_ms,
             "sms_per_s_beside_families": rate2},
            {"families": FAMILIES, "msgs_per_s_before": before, "msgs_per_s_beside": beside,
             "msgs_per_s_after": after, "ratio": beside / ((before + after) / 2)})


async def run(w):
    secret, value = kannel.secret_file(w)
    mo = "https://127.0.0.1:%d/sms/kannel?secret=%s" % (w.port, value)
    # Kannel paces to the contract's rate and logs at level 2 without access logs, as
    # docs/kannel.md has it (at the tests' level 0 bearerbox spends five times the CPU on
    # its log); the SMSC refuses beyond the rate.
    with kannel.Kannel(mo_url=mo, throughput=THROTTLE, log_level=2, access_log=False) as k:
        k.attach(w, secret, "--ws-rate", "100000", "--connections-per-address", "65535",
                 "--sms-rate", str(RATE))
        kannel.set_member_sms(w, "mette", phone=METTE)
        anna = await w.client("anna")
        bo = await w.client("bo")
        fin = await sms_in(w, k, anna, bo)
        print("SMS in -> both advisers (%d): p50 %.1f ms, p99 %.1f ms, max %.1f ms"
              % (fin["n"], fin["p50_ms"], fin["p99_ms"], fin["max_ms"]))
        out, beside = await sms_out(w, k, anna)
        print("SMS out (%d, simulator throttled to %d/s): %.1f SMS/s at the phones; "
              "queued in %.1f s, all at the phone after %.1f s; beside the families "
              "benchmark %.1f SMS/s" % (out["n"], THROTTLE, out["sms_per_s"], out["queued_s"],
                                        out["drained_s"], out["sms_per_s_beside_families"]))
        print("CPU per SMS out: " + ", ".join("%s %.2f ms" % (n, v) for n, v in
                                             sorted(out["cpu_ms_per_sms"].items())))
        print("families beside it (%d families, closed loop): %.0f msg/s before, %.0f while "
              "the outbox drains, %.0f after: ratio %.3f"
              % (beside["families"], beside["msgs_per_s_before"], beside["msgs_per_s_beside"],
                 beside["msgs_per_s_after"], beside["ratio"]))
        line = {"scenario": "sms", "smoke": SMOKE, "sms_in": fin, "sms_out": out,
                "families_beside": beside}
        results = os.path.join(os.environ.get("BENCH_DIR", os.path.join(BUILD, "run")),
                               "results.jsonl")
        os.makedirs(os.path.dirname(results), exist_ok=True)
        with open(results, "a") as f:
            f.write(json.dumps(line) + "\n")


async def test_sms_bench(w):
    await run(w)


h.TIME_BUDGET = 1200.0  # a benchmark, not a test file under CTest's minute
h.run([test_sms_bench], per_test_timeout=1200.0)
