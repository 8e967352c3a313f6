"""retention.py - deleting a closed case (issue 16): messages while a family's history goes.

    /usr/bin/python3 clients/bench/retention.py [--smoke] [--messages N] [--batches 500,2000,100]
                                                [--rate R] [--duration S] [--families F]

The retention rules delete a closed family's content in the writer's rhythm: every hub
tick (HUB_TICK_MS, 250 ms) hands the writer one JOB_RETAIN of at most retention_batch
messages, which the writer deletes 16 at a time while nothing else is queued, whatever
arrives joining the same transaction (core/writer/writer.c, core/service/retention.c).
This measures what that costs the message path.

The database: one family with --messages messages (1,000,000; 80-byte bodies, one in ten
an internal note, each with its contact-log row 'message' or 'note', spread over the two
years before the case was closed), made once with indgang-bench-gendb --log and kept in
$BENCH_DIR/retention-N.db, the family closed two years ago with the case file filed up to
the day it was made (a case_records row with next_at 0: nothing is due until the
benchmark says so).  Every run copies it.  indgang-bench families imports its own world
(--families families, one adviser per ten) into the copy on each phase, as the other
benchmarks do.

For each retention_batch in --batches, one gateway (`--retention-batch B`) on a fresh copy:

  a. alone: indgang-bench families in the open loop (--rate msg/s over --families
     families, --duration s measured): send -> both advisers p50/p99/p99.9.
  b. beside the deletion: the same load; as soon as its connections are ready (2 s of
     warm-up before its window) the family's row gets next_at = 1 from another
     connection, and the gateway starts deleting at its next tick.  The window is as
     long as the deletion can be at the fastest (ceil(N / B) ticks, less the warm-up),
     so it lies inside the deletion; how much of it did is reported.  Progress is read
     every second from case_records (the step's counters, which the writer commits with
     every batch) on a read-only connection; the end is the gateway's log line
     `event=retention_step family=F step=content`.  Also the gateway's and its writer
     thread's CPU over the window against phase a's, and the WAL's largest size.
  c. alone again, once the writer has truncated the WAL (`event=wal_truncated`).

--control: between a and b, the same load for as long as b with nothing deleted: what
the window's length (the load's conversations grow through it) does by itself.

Then, with the gateway stopped: the database's size before and after (page count and
pages on the free list), the WAL's size after the deletion, the family's messages left
(counted through its conversations: must be 0) and how often a word only the family's
messages held is still in the file (secure_delete: must be 0).

--smoke: 20,000 messages, 50 families at 200 msg/s, 2 s alone; fails (exit 1) when the
messages are not all gone, the tombstone is missing, the deleted text is still in the
file or the load saw an error.  Otherwise it prints figures and asserts nothing.
Appends one JSON line to $BENCH_DIR/results.jsonl (default build-bench/run).
Binaries: INDGANG_BIN, INDGANG_ADMIN, INDGANG_BENCH, INDGANG_BENCH_GENDB; unset, it
builds build-bench/ (RelWithDebInfo) as clients/bench/run.sh does.
"""
import argparse
import http.client
import json
import math
import mmap
import os
import resource
import shutil
import sqlite3
import ssl
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
BUILD = os.path.join(ROOT, "build-bench")
WORK = os.path.abspath(os.environ.get("BENCH_DIR", os.path.join(BUILD, "run")))

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--smoke", action="store_true", help="a tiny version that fails when nothing is deleted")
ap.add_argument("--messages", type=int, help="messages of the closed family (1000000)")
ap.add_argument("--batches", help="retention_batch values, one gateway each (500,2000,100)")
ap.add_argument("--rate", type=float, help="messages a second in the open loop (1000)")
ap.add_argument("--duration", type=float, help="seconds measured alone (30)")
ap.add_argument("--families", type=int, help="families of the load (1000)")
ap.add_argument("--poll", type=float, default=1.0,
                help="seconds between reads of the deletion's progress from the database (1)")
ap.add_argument("--control", action="store_true",
                help="also the load alone for as long as the deletion's window, before it")
ap.add_argument("--no-vacuum", action="store_true",
                help="the database converted to auto_vacuum NONE, as one made before the "
                     "incremental vacuum (its freed pages reused, the file keeps its size): "
                     "what the vacuum costs")
ARGS = ap.parse_args()
SMOKE = ARGS.smoke
N_MSGS = ARGS.messages or (20000 if SMOKE else 1000000)
BATCHES = [int(b) for b in (ARGS.batches or ("500" if SMOKE else "500,2000,100")).split(",")]
RATE = ARGS.rate or (200.0 if SMOKE else 1000.0)
DURATION = ARGS.duration or (2.0 if SMOKE else 30.0)
FAMILIES = ARGS.families or (50 if SMOKE else 1000)
WARMUP = 1.0 if SMOKE else 2.0
BODY = 80
DAYS_AGO = 760  # the family's two years of messages end before it was closed (730 days ago)
TICK_S = 0.25  # HUB_TICK_MS
MARKER = b"Sundhedsplejersken"  # in gendb's text, not in indgang-bench's
HZ = os.sysconf("SC_CLK_TCK")
MB = 1024 * 1024


def build():
    """The binaries: the environment's, or build-bench's, built now."""
    if os.environ.get("INDGANG_BIN"):
        return
    subprocess.run(["cmake", "-S", ROOT, "-B", BUILD, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", BUILD, "-j%d" % os.cpu_count(), "--target", "indgang",
                    "indgang-admin", "indgang-bench", "indgang-bench-gendb"],
                   check=True, stdout=subprocess.DEVNULL)


build()
COMMIT = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                        text=True).stdout.strip() + (
    "+changes" if subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "core", "gateway"],
                                 capture_output=True, text=True).stdout.strip() else "")
os.environ.setdefault("INDGANG_BIN", os.path.join(BUILD, "indgang"))
os.environ.setdefault("INDGANG_ADMIN", os.path.join(BUILD, "indgang-admin"))
BENCH = os.environ.get("INDGANG_BENCH", os.path.join(BUILD, "clients", "bench", "indgang-bench"))
GENDB = os.environ.get("INDGANG_BENCH_GENDB",
                       os.path.join(BUILD, "clients", "bench", "indgang-bench-gendb"))
ADMIN = os.environ["INDGANG_ADMIN"]
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness as h  # noqa: E402  (after INDGANG_BIN is set: it reads it)

try:
    os.nice(-10)
    NICE = -10
except OSError:
    NICE = os.nice(0)


class Failed(Exception):
    pass


def load():
    return float(open("/proc/loadavg").read().split()[0])


def size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


# ---------------------------------------------------------------------------
# The database


def schema_facts(db):
    c = sqlite3.connect(db)
    facts = {"schema": c.execute("PRAGMA user_version").fetchone()[0],
             "auto_vacuum": c.execute("PRAGMA auto_vacuum").fetchone()[0]}
    c.close()
    return facts


def fresh_facts():
    """The schema version and auto_vacuum mode indgang-admin gives a new database now."""
    d = os.path.join(WORK, "retention-probe")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    try:
        subprocess.run([ADMIN, "--db", os.path.join(d, "p.db"), "init"], check=True,
                       capture_output=True, timeout=60)
        return schema_facts(os.path.join(d, "p.db"))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def without_vacuum(db, meta):
    """A copy of the prepared database with auto_vacuum NONE (VACUUM), kept beside it."""
    nv = db[:-3] + "-novacuum.db"
    meta_path = nv + ".meta.json"
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            nmeta = json.load(f)
        if nmeta.get("made") == meta["made"]:
            return nv, nmeta
    t0 = time.monotonic()
    shutil.copyfile(db, nv)
    c = sqlite3.connect(nv)
    c.execute("PRAGMA auto_vacuum = NONE")
    c.execute("VACUUM")
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()
    nmeta = dict(meta, auto_vacuum=schema_facts(nv)["auto_vacuum"], db_bytes=size(nv))
    with open(meta_path, "w") as f:
        json.dump(nmeta, f)
    print("made %s (auto_vacuum %d) in %.0f s" % (nv, nmeta["auto_vacuum"], time.monotonic() - t0))
    return nv, nmeta


def prepare():
    """The closed family's database, made once (the smoke's every time, and again when
    a new database would now have another schema or auto_vacuum mode); returns (path,
    facts about it)."""
    db = os.path.join(WORK, "retention-smoke.db" if SMOKE else "retention-%d.db" % N_MSGS)
    meta_path = db + ".meta.json"
    if not SMOKE and os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        now = fresh_facts()
        if all(meta.get(k) == v for k, v in now.items()):
            print("using %s (%d messages, made %s)" % (db, meta["messages"], meta["made"]))
            return db, meta
        print("%s was made for %s, a new database is now %s: made again"
              % (db, dict((k, meta.get(k)) for k in now), now))
    for p in (db, db + "-wal", db + "-shm", db + ".world.json", meta_path):
        if os.path.exists(p):
            os.remove(p)
    t0 = time.monotonic()
    r = subprocess.run([GENDB, "--db", db, "--admin", ADMIN, "--messages", str(N_MSGS),
                        "--families", "1", "--advisers", "2", "--body", str(BODY), "--log",
                        "--days-ago", str(DAYS_AGO)], capture_output=True, text=True,
                       timeout=3600)
    if r.returncode != 0:
        raise Failed("indgang-bench-gendb failed: %s" % r.stderr[-800:])
    with open(db + ".world.json") as f:
        fam = json.load(f)["families"][0]["id"]
    now = int(time.time() * 1000)
    closed = now - 730 * 24 * 3600 * 1000
    c = sqlite3.connect(db)
    c.execute("INSERT INTO case_records(family_id, closed_at, filed_upto, phones_at, next_at) "
              "VALUES (?, ?, ?, ?, 0)", (fam, closed, now, closed))
    c.commit()
    texts, notes = c.execute("SELECT sum(kind = 'text'), sum(kind = 'note') FROM messages "
                             "WHERE family_id = ?", (fam,)).fetchone()
    logs = c.execute("SELECT count(*) FROM contact_log WHERE family_id = ?", (fam,)).fetchone()[0]
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()
    meta = dict(schema_facts(db))
    meta.update({"messages": N_MSGS, "family": fam, "texts": texts, "notes": notes, "log_rows": logs,
            "closed_at": closed, "filed_upto": now, "db_bytes": size(db),
            "marker_in_file": count_marker(db), "made": time.strftime("%Y-%m-%d %H:%M"),
            "seconds": round(time.monotonic() - t0, 1)})
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    print("made %s in %.0f s: family %d, %d texts, %d notes, %d log rows, %.0f MiB; "
          "schema %d, auto_vacuum %d" % (db, meta["seconds"], fam, texts, notes, logs,
                                         meta["db_bytes"] / MB, meta["schema"], meta["auto_vacuum"]))
    return db, meta


def count_marker(*paths):
    n = 0
    for p in paths:
        if size(p) == 0:
            continue
        with open(p, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            i = m.find(MARKER)
            while i >= 0:
                n += 1
                i = m.find(MARKER, i + 1)
    return n


def ro(db):
    return sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30,
                           check_same_thread=False)


# ---------------------------------------------------------------------------
# /proc


def cpu_ticks(pid):
    """(the process's utime + stime, its writer thread's) in clock ticks."""
    def ticks(path):
        with open(path) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    total = ticks("/proc/%d/stat" % pid)
    writer = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                if f.read().strip() == "indgang-writer":
                    writer = ticks("/proc/%d/task/%s/stat" % (pid, tid))
        except OSError:
            pass
    return total, writer


def metrics(port, ca):
    """The gateway's commit-duration histogram ({bound in ms: commits at most that long},
    cumulative, +Inf as inf) and its checkpoint count, from GET /metrics."""
    out = {"commit_le_ms": {}, "checkpoints": 0}
    try:
        c = http.client.HTTPSConnection("127.0.0.1", port, timeout=10,
                                        context=ssl.create_default_context(cafile=ca))
        c.request("GET", "/metrics")
        text = c.getresponse().read().decode()
        c.close()
    except (OSError, http.client.HTTPException):
        return out
    for line in text.splitlines():
        if line.startswith('indgang_commit_duration_seconds_bucket{le="'):
            le, n = line[len('indgang_commit_duration_seconds_bucket{le="'):].split('"} ')
            out["commit_le_ms"][float("inf") if le == "+Inf" else float(le) * 1000] = int(n)
        elif line.startswith("indgang_checkpoints_total "):
            out["checkpoints"] = int(line.split()[1])
    return out


def busy_ticks():
    """Clock ticks every CPU of the machine spent busy so far (/proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v[:8]) - v[3] - v[4]  # user nice system idle iowait irq softirq steal


def proc_ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except OSError:
        return 0


class Sample:
    def __init__(self, pid, db, port=None, ca=None, bench_pid=None):
        self.t = time.monotonic()
        self.busy = busy_ticks()
        self.cpu, self.writer = cpu_ticks(pid)
        self.ours = self.cpu + (proc_ticks(bench_pid) if bench_pid else 0) + \
            int(sum(os.times()[:2]) * HZ)
        self.wal = size(db + "-wal")
        self.m = metrics(port, ca) if port else None


def others_pct(a, b):
    """CPU the rest of the machine used between two samples (not the gateway, the load
    generator or this script), % of one core: what else ran on the two cores."""
    dt = b.t - a.t
    return round(((b.busy - a.busy) - (b.ours - a.ours)) * 100.0 / HZ / dt, 1) if dt > 0 else -1.0


def commits_between(a, b):
    """Commits between two samples: how many, and how many took longer than each bound."""
    if not a.m or not b.m or not b.m["commit_le_ms"]:
        return None
    le = dict((k, b.m["commit_le_ms"][k] - a.m["commit_le_ms"].get(k, 0)) for k in b.m["commit_le_ms"])
    n = le.get(float("inf"), 0)
    return {"commits": n, "checkpoints": b.m["checkpoints"] - a.m["checkpoints"],
            "over_ms": dict(("%g" % k, n - v) for k, v in sorted(le.items())
                            if k != float("inf") and k >= 5)}


def cpu_pct(a, b):
    """(gateway, writer) CPU between two samples, % of one core."""
    dt = b.t - a.t
    if dt <= 0:
        return -1.0, -1.0
    return ((b.cpu - a.cpu) * 100.0 / HZ / dt, (b.writer - a.writer) * 100.0 / HZ / dt)


# ---------------------------------------------------------------------------
# The load


def families(gw, ca, db, label, duration, on_ready=None):
    """One open-loop run of indgang-bench families against the gateway.  on_ready(t) is
    called as its connections are ready (its warm-up starts); the gateway's CPU is sampled
    at the edges of its measured window."""
    out = os.path.join(gw.tmp, "families-%s.jsonl" % label)
    argv = [BENCH, "families", "--port", str(gw.port), "--ca", ca, "--admin", ADMIN, "--db", db,
            "--server-pid", str(gw.proc.pid), "--families", str(FAMILIES),
            "--advisers", str(max(4, FAMILIES // 10)), "--rate", str(RATE),
            "--warmup", str(WARMUP), "--duration", "%.1f" % duration, "--json", out]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err, samples, timers = [], {}, []

    def sample(key):
        samples[key] = Sample(gw.proc.pid, db, gw.port, ca, p.pid)

    def read_err():
        for line in p.stderr:
            err.append(line)
            if "connections ready" in line and "t_ready" not in samples:
                samples["t_ready"] = time.monotonic()
                if on_ready:
                    on_ready(samples["t_ready"])
                for key, at in (("w0", WARMUP), ("w1", WARMUP + duration)):
                    t = threading.Timer(at, sample, (key,))
                    t.daemon = True
                    t.start()
                    timers.append(t)
    reader = threading.Thread(target=read_err, daemon=True)
    reader.start()
    stdout = p.stdout.read()
    try:
        rc = p.wait(timeout=duration + 900)
    except subprocess.TimeoutExpired:
        p.kill()
        raise Failed("indgang-bench families (%s) did not end" % label)
    reader.join(10)
    for t in timers:
        t.cancel()
    if rc != 0 or not os.path.exists(out):
        raise Failed("indgang-bench families (%s) failed (exit %d): %s%s"
                     % (label, rc, "".join(err)[-1200:], stdout[-800:]))
    with open(out) as f:
        line = json.loads(f.readlines()[-1])
    g = line["indgang"]
    res = {"msgs_per_s": g["msgs_per_s"], "all_ms": g["all_ms"], "ack_ms": g["ack_ms"],
           "send_lag_ms": g["send_lag_ms"], "server_cpu_us_per_msg": g["server_cpu_us_per_msg"],
           "errors": g["errors"], "fsync_ms": line.get("fsync_ms"), "duration_s": duration,
           "load": load()}
    if "w0" in samples and "w1" in samples:
        res["gateway_cpu_pct"], res["writer_cpu_pct"] = cpu_pct(samples["w0"], samples["w1"])
        res["window"] = (samples["w0"].t, samples["w1"].t)
        res["commits"] = commits_between(samples["w0"], samples["w1"])
        res["others_cpu_pct"] = others_pct(samples["w0"], samples["w1"])
    if sum(v for v in g["errors"].values() if isinstance(v, (int, float))) > 0:
        raise Failed("indgang-bench families (%s): errors %s" % (label, g["errors"]))
    return res


# ---------------------------------------------------------------------------
# The deletion


class Deletion(threading.Thread):
    """Sets the family's record due, then follows the deletion: the step's counters in
    case_records every second (read-only connection), the gateway's log lines, the WAL's
    size and the gateway's CPU, until the WAL was truncated after the step."""

    def __init__(self, gw, db, ca, fam, n, vacuum):
        super().__init__(daemon=True)
        self.gw, self.db, self.ca, self.fam, self.n = gw, db, ca, fam, n
        self.vacuum = vacuum  # auto_vacuum INCREMENTAL: follow the free pages to 0 too
        self.t0 = self.t_end = self.t_wal = self.t_vacuumed = None
        self.free_max, self.db_max, self.free_left, self.free_at_step = 0, 0, 0, 0
        self.s0 = self.s_end = None
        self.progress = []  # (seconds since t0, rows deleted, WAL bytes, free pages, file bytes)
        self.wal_max = self.wal_after = 0
        self.stop = threading.Event()
        self.done = threading.Event()
        self.error = None

    def trigger(self, _t=None):
        c = sqlite3.connect(self.db, timeout=30)
        self.s0 = Sample(self.gw.proc.pid, self.db, self.gw.port, self.ca)
        self.t0 = self.s0.t
        c.execute("UPDATE case_records SET next_at = 1 WHERE family_id = ?", (self.fam,))
        c.commit()
        c.close()
        self.start()

    def run(self):
        try:
            self.follow()
        except Exception as e:  # reported by the caller
            self.error = e
        finally:
            self.done.set()

    def free_at(self, t):
        """Free pages in the sample nearest to monotonic time t."""
        if not self.progress:
            return -1
        return min(self.progress, key=lambda p: abs(p[0] - (t - self.t0)))[3]

    def follow(self):
        c = ro(self.db)
        seen, next_poll, stable = len(self.gw.lines), 0.0, (None, 0.0)
        step = "event=retention_step family=%d step=content" % self.fam
        while not self.stop.is_set():
            now = time.monotonic()
            lines = self.gw.lines[seen:]
            seen += len(lines)
            for line in lines:
                if self.t_end is None and step in line:
                    self.t_end = now
                    self.s_end = Sample(self.gw.proc.pid, self.db, self.gw.port, self.ca)
                    self.free_at_step = c.execute("PRAGMA freelist_count").fetchone()[0]
                elif self.t_end is not None and self.t_wal is None and "event=wal_truncated" in line:
                    self.t_wal = now
                    self.wal_after = size(self.db + "-wal")
                if "retention_failed" in line:
                    raise Failed("the gateway: %s" % line)
            if now >= next_poll:
                next_poll = now + (0.5 if SMOKE else ARGS.poll if self.t_end is None else 1.0)
                row = c.execute("SELECT n_texts + n_notes + n_system + n_files, content_upto "
                                "FROM case_records WHERE family_id = ?", (self.fam,)).fetchone()
                free = c.execute("PRAGMA freelist_count").fetchone()[0]
                wal, dbsize = size(self.db + "-wal"), size(self.db)
                self.wal_max = max(self.wal_max, wal)
                self.free_max, self.db_max = max(self.free_max, free), max(self.db_max, dbsize)
                deleted = self.n if row[1] > 0 else row[0]
                self.progress.append((round(now - self.t0, 2), deleted, wal, free, dbsize))
                if free != stable[0]:
                    stable = (free, now)
                if self.t_wal is not None and self.t_vacuumed is None and (
                        not self.vacuum or free == 0 or now - stable[1] >= 5.0):
                    self.t_vacuumed, self.free_left = now, free
            if self.t_vacuumed is not None:
                break
            time.sleep(0.05)
        c.close()


# ---------------------------------------------------------------------------


def pct_line(r):
    a = r["all_ms"]
    return "p50 %.2f, p99 %.2f, p99.9 %.2f ms" % (a["p50"], a["p99"], a["p999"])


def one_batch(batch, prepared, meta, certs):
    """Phases a, b, c against one gateway with retention_batch = batch."""
    run_dir = os.path.join(WORK, "retention-run-%d" % batch)  # its logs are kept
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)
    db = os.path.join(run_dir, "indgang.db")
    shutil.copyfile(prepared, db)
    subprocess.run(["cat", db], stdout=subprocess.DEVNULL)  # warm: in the OS page cache
    fam = meta["family"]
    ca = os.path.join(certs, "ca.pem")
    res = {"retention_batch": batch, "db_bytes_before": size(db)}
    gw = h.Gateway(run_dir, db, os.path.join(certs, "server.pem"),
                   os.path.join(certs, "server-key.pem"), h.free_port(),
                   ("--ws-rate", "100000", "--connections-per-address", "65535",
                    "--retention-batch", str(batch),
                    # the load's advisers only read: a window longer than half an hour
                    # (retention_batch 100) would outlast their sign-ins' idle limit
                    "--staff-idle-minutes", "240"))
    gw.start(timeout=60)
    try:
        print("\n-- retention_batch %d: gateway pid %d on a copy of %s (%.0f MiB)"
              % (batch, gw.proc.pid, os.path.basename(prepared), res["db_bytes_before"] / MB))
        res["alone"] = families(gw, ca, db, "alone", DURATION)
        print("alone:            %s" % pct_line(res["alone"]))
        ticks = math.ceil(meta["messages"] / batch)
        beside_s = max(1.0, round(ticks * TICK_S - WARMUP))
        if ARGS.control:
            # the same load for as long, nothing deleted: what the window's length
            # and the conversations growing through it do by themselves
            res["control"] = families(gw, ca, db, "control", beside_s)
            print("control:          %s (%.0f s measured, nothing deleted)"
                  % (pct_line(res["control"]), beside_s))
        d = Deletion(gw, db, ca, fam, meta["messages"], meta.get("auto_vacuum") == 2)
        res["beside"] = families(gw, ca, db, "beside", beside_s, on_ready=d.trigger)
        print("beside deletion:  %s (%.0f s measured)" % (pct_line(res["beside"]), beside_s))
        limit = time.monotonic() + max(120.0, ticks * TICK_S * 4)
        while d.t_end is None and not d.done.is_set() and time.monotonic() < limit:
            time.sleep(0.1)
        if d.t_end is not None and d.vacuum and d.free_at_step > 0 and not SMOKE:
            # the free pages go back to the file system after the deletion, 64 a turn
            # (core/writer/writer.c): messages beside that too
            res["beside_vacuum"] = families(gw, ca, db, "vacuum", DURATION)
            w = res["beside_vacuum"].get("window")
            if w:
                res["beside_vacuum"]["free_pages"] = (d.free_at(w[0]), d.free_at(w[1]))
            print("beside the vacuum: %s (%.0f s measured; free pages %s at its edges, %d at "
                  "the step)" % (pct_line(res["beside_vacuum"]), DURATION,
                                 res["beside_vacuum"].get("free_pages"), d.free_at_step))
        if not d.done.wait(max(1.0, limit - time.monotonic())):
            d.stop.set()
            raise Failed("the deletion did not end: %s" % (d.progress[-3:],))
        if d.error:
            raise d.error
        del_s = d.t_end - d.t0
        w0, w1 = res["beside"].get("window", (d.t0, d.t0))
        inside = max(0.0, min(w1, d.t_end) - max(w0, d.t0))
        alone_g, alone_w = res["alone"].get("gateway_cpu_pct", 0), res["alone"].get("writer_cpu_pct", 0)
        g_pct, w_pct = cpu_pct(d.s0, d.s_end)
        res["deletion"] = {
            "messages": meta["messages"], "seconds": round(del_s, 2),
            "rows_per_s": round(meta["messages"] / del_s, 1),
            "ticks_at_least": ticks, "window_inside_share": round(inside / (w1 - w0), 3) if w1 > w0 else 0,
            "gateway_cpu_pct": round(g_pct, 1), "writer_cpu_pct": round(w_pct, 1),
            "writer_cpu_us_per_row": round(max(0.0, (w_pct - alone_w) / 100.0 * del_s) * 1e6
                                           / meta["messages"], 2),
            "gateway_extra_cpu_pct": round(g_pct - alone_g, 1),
            "writer_extra_cpu_pct": round(w_pct - alone_w, 1),
            "wal_max_bytes": d.wal_max, "wal_after_truncate_bytes": d.wal_after,
            "truncated_after_s": round(d.t_wal - d.t_end, 2),
            "vacuumed_after_s": round(d.t_vacuumed - d.t_end, 2), "free_pages_left": d.free_left,
            "free_pages_max": d.free_max, "db_bytes_max": d.db_max,
            "free_pages_at_step": d.free_at_step,
            "commits": commits_between(d.s0, d.s_end),
            "progress": d.progress[:: max(1, len(d.progress) // 60)]}
        print("deletion: %d messages in %.1f s, %.0f rows/s; WAL at most %.1f MiB, %d bytes "
              "after its truncation; free pages at most %d, %d left %.1f s after the step"
              % (meta["messages"], del_s, meta["messages"] / del_s, d.wal_max / MB,
                 d.wal_after, d.free_max, d.free_left, d.t_vacuumed - d.t_end))
        res["after"] = families(gw, ca, db, "after", DURATION)
        print("alone again:      %s" % pct_line(res["after"]))
    finally:
        rc = gw.stop(60)
        gw.logfile.close()
    if rc != 0:
        raise Failed("the gateway exited with %s: %s" % (rc, gw.tail()))
    c = ro(db)
    left = c.execute("SELECT count(*) FROM messages WHERE conv_id IN "
                     "(SELECT id FROM conversations WHERE family_id = ?)", (fam,)).fetchone()[0]
    logs = c.execute("SELECT count(*) FROM contact_log WHERE family_id = ?", (fam,)).fetchone()[0]
    tomb = c.execute("SELECT detail FROM contact_log WHERE family_id = ? AND kind = 'deleted' "
                     "AND detail LIKE 'step=content%'", (fam,)).fetchall()
    pages, free, psize = (c.execute("PRAGMA " + p).fetchone()[0]
                          for p in ("page_count", "freelist_count", "page_size"))
    all_msgs = c.execute("SELECT count(*) FROM messages").fetchone()[0]
    c.close()
    res.update({"messages_left": left, "log_rows_left": logs,
                "tombstone": tomb[0][0] if tomb else None,
                "db_bytes_after": size(db), "wal_bytes_after_stop": size(db + "-wal"),
                "free_pages_after": free, "pages_after": pages, "page_size": psize,
                "messages_in_db_after": all_msgs,
                "marker_before": meta["marker_in_file"],
                "marker_after": count_marker(db, db + "-wal")})
    base = (res["alone"]["all_ms"]["p99"] + res["after"]["all_ms"]["p99"]) / 2
    res["p99_ratio"] = round(res["beside"]["all_ms"]["p99"] / base, 3) if base > 0 else -1.0
    if "beside_vacuum" in res and base > 0:
        res["p99_ratio_vacuum"] = round(res["beside_vacuum"]["all_ms"]["p99"] / base, 3)
    for p in (db, db + "-wal", db + "-shm"):
        if os.path.exists(p):
            os.remove(p)
    return res


def report(runs, meta):
    print("\n== deleting a closed family's %d messages (%d texts, %d notes; %d log rows kept) "
          "beside %.0f msg/s over %d families (open loop), send -> both advisers =="
          % (meta["messages"], meta["texts"], meta["notes"], meta["log_rows"], RATE, FAMILIES))
    print("%-7s %-27s %-27s %-27s %6s %9s %8s %11s %11s"
          % ("batch", "alone", "beside the deletion", "alone again", "p99 x", "deletion",
             "rows/s", "writer CPU", "gw CPU"))
    for r in runs:
        d = r["deletion"]
        f = lambda x: "%.2f/%.2f/%.2f" % (x["all_ms"]["p50"], x["all_ms"]["p99"], x["all_ms"]["p999"])  # noqa: E731
        print("%-7d %-27s %-27s %-27s %6.2f %8.1fs %8.0f %4.0f->%3.0f%% %4.0f->%3.0f%%"
              % (r["retention_batch"], f(r["alone"]), f(r["beside"]), f(r["after"]),
                 r["p99_ratio"], d["seconds"], d["rows_per_s"],
                 r["alone"].get("writer_cpu_pct", -1), d["writer_cpu_pct"],
                 r["alone"].get("gateway_cpu_pct", -1), d["gateway_cpu_pct"]))
    print("(latencies p50/p99/p99.9 ms; p99 x: beside over the mean of the two alone; CPU in "
          "% of a core, alone -> during the deletion)")
    for r in runs:
        parts = []
        for key, what in (("alone", "alone"), ("beside", "beside"), ("after", "alone again")):
            c = r[key].get("commits")
            if c:
                parts.append("%s %d commits, %d checkpoints, over 10/25/100/250 ms: %s"
                             % (what, c["commits"], c["checkpoints"], "/".join(
                                 str(c["over_ms"].get(k, 0)) for k in ("10", "25", "100", "250"))))
        print("batch %d commits in the windows: %s" % (r["retention_batch"], "; ".join(parts)))
        if "beside_vacuum" in r:
            v = r["beside_vacuum"]
            print("batch %d beside the vacuum after the step: %s, p99 x %.2f; free pages %s at "
                  "the window's edges (%d at the step)"
                  % (r["retention_batch"], pct_line(v), r["p99_ratio_vacuum"], v.get("free_pages"),
                     r["deletion"]["free_pages_at_step"]))
        print("batch %d: other processes on the machine used %s %% of a core (alone, beside, "
              "alone again)" % (r["retention_batch"], ", ".join(
                  "%.0f" % r[k].get("others_cpu_pct", -1) for k in ("alone", "beside", "after"))))
    for r in runs:
        d = r["deletion"]
        print("batch %d: window %.0f s, %.0f %% of it inside the deletion; writer +%.1f us CPU "
              "per row deleted; WAL at most %.1f MiB during, %d bytes after truncation (%.1f s "
              "after the step); free pages at most %d during, %d left %.1f s after the step; "
              "file %.1f -> %.1f MiB (%d of %d pages free); messages of the "
              "family left %d; '%s' in the file %d -> %d; tombstone: %s"
              % (r["retention_batch"], r["beside"]["duration_s"], d["window_inside_share"] * 100,
                 d["writer_cpu_us_per_row"], d["wal_max_bytes"] / MB,
                 d["wal_after_truncate_bytes"], d["truncated_after_s"], d["free_pages_max"],
                 d["free_pages_left"], d["vacuumed_after_s"],
                 r["db_bytes_before"] / MB, r["db_bytes_after"] / MB, r["free_pages_after"],
                 r["pages_after"], r["messages_left"], MARKER.decode(), r["marker_before"],
                 r["marker_after"], r["tombstone"]))


def main():
    os.makedirs(WORK, exist_ok=True)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(65536, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
    load0 = load()
    print("gateway of %s (%s); nice %d" % (COMMIT, os.environ["INDGANG_BIN"], NICE))
    prepared, meta = prepare()
    if ARGS.no_vacuum:
        prepared, meta = without_vacuum(prepared, meta)
    certs = os.path.join(WORK, "retention-certs")
    os.makedirs(certs, exist_ok=True)
    h.make_certs(certs)
    runs, problems = [], []
    for b in BATCHES:
        r = one_batch(b, prepared, meta, certs)
        runs.append(r)
        if r["messages_left"] != 0:
            problems.append("batch %d: %d messages of the family left" % (b, r["messages_left"]))
        if not r["tombstone"]:
            problems.append("batch %d: no tombstone (a 'deleted' row step=content)" % b)
        if r["marker_after"] != 0:
            problems.append("batch %d: the deleted text is still in the file (%d times)"
                            % (b, r["marker_after"]))
    print("\nnice %d; load average %.2f at the start, %.2f at the end; 2 cores shared by the "
          "gateway, indgang-bench and this script" % (NICE, load0, load()))
    report(runs, meta)
    line = {"scenario": "retention", "smoke": SMOKE, "messages": N_MSGS, "rate": RATE,
            "families": FAMILIES, "duration_s": DURATION, "nice": NICE,
            "no_vacuum": ARGS.no_vacuum,
            "load_start": load0, "load_end": load(), "db": meta,
            "commit": COMMIT,
            "runs": [dict(r, **{k: dict((kk, vv) for kk, vv in r[k].items() if kk != "window")
                                for k in ("alone", "control", "beside", "after", "beside_vacuum")
                                if k in r})
                     for r in runs]}
    with open(os.path.join(WORK, "results.jsonl"), "a") as f:
        f.write(json.dumps(line) + "\n")
    if problems:
        print("FAIL: " + "; ".join(problems))
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    except Failed as e:
        print("FAIL: %s" % e)
        sys.exit(1)
