"""attach.py - the photos benchmark (issue 14): prints figures, asserts nothing.

    /usr/bin/python3 clients/bench/attach.py [--smoke] [--photos N] [--slots N]
                                             [--rate R] [--duration S] [--families F]
                                             [--helper-nice N] [--clamd-idle]
                                             [--messages-only] [--phones-idle] [--files DIR]

One gateway (INDGANG_BIN, INDGANG_ADMIN: by default build-bench's, with the
indgang-image built beside it) checking uploads with a private clamd (tests/e2e/
clamd.py: ClamAV's clamd with a signature database of the EICAR test file only, so its
CPU per file is what clamd costs to read and parse a file, not what ClamAV's full
database adds), all on loopback.  The photos are 12 MP JPEGs of about 4 MB (Q 92,
4:2:0), gradients under Gaussian noise made with the vips command line once and kept
in $BENCH_DIR/attach-photos; every upload is made different from every other (a comment
naming it and one entry of the quantisation table changed, so other bytes and other
pixels): clamd caches its verdict on a file it has seen (an unchanged 4 MB photo scans
in 15 ms instead of 250) and the store keeps a file once by its content.

1. One photo at a time (--photos of them after two not counted): from the upload's
   first byte (the TLS connection already open) to the 201 ("stored") and to the
   WebSocket frame {"type":"attachment", state "ready"} on the uploader's connection;
   per photo the gateway's CPU (utime + stime of /proc/PID/stat, and by thread), the
   CPU of its indgang-image children (cutime + cstime of the gateway: reaped children)
   and clamd's.  p50/p99/max and the mean.
2. Each stage alone, outside the gateway, on the same kind of photo: clamd's INSTREAM,
   one indgang-image run (its CPU and peak RSS from wait4), 4 MB written and fsynced.
3. --slots uploads at once (20: spread over seven people, at most three each, the
   gateway taking four arriving at once per person): the gateway's VmHWM (reset
   through /proc/PID/clear_refs just before), the peak RSS of the indgang-image
   children (their VmHWM, sampled every 10 ms in /proc) and clamd's VmHWM, and how long
   until all were stored and ready.
4. Message latency: indgang-bench families in the open loop (--rate msg/s over
   --families families, --duration s) against the same gateway, alone, then while
   --slots uploads keep running (each slot uploads again as soon as its photo is
   ready, so the checker never rests), then alone again: p50/p99 from the message's
   intended send to both advisers, and p99 beside the uploads over the mean p99 of the
   two runs alone (target: at most 1.20).

Runs nice -10 where permitted (the gateway, clamd and indgang-bench inherit it).
Appends one JSON line to $BENCH_DIR/results.jsonl (default build-bench/run).
"""
import argparse
import asyncio
import concurrent.futures
import http.client
import json
import os
import resource
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
BUILD = os.path.join(ROOT, "build-bench")
os.environ.setdefault("INDGANG_BIN", os.path.join(BUILD, "indgang"))
os.environ.setdefault("INDGANG_ADMIN", os.path.join(BUILD, "indgang-admin"))
BENCH = os.environ.get("INDGANG_BENCH", os.path.join(BUILD, "clients", "bench", "indgang-bench"))
IMAGE = os.path.join(os.path.dirname(os.environ["INDGANG_BIN"]), "indgang-image")
WORK = os.environ.get("BENCH_DIR", os.path.join(BUILD, "run"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--smoke", action="store_true", help="a few seconds, small photos: does it run?")
ap.add_argument("--photos", type=int, help="photos measured one at a time (50)")
ap.add_argument("--slots", type=int, help="uploads at once (20)")
ap.add_argument("--rate", type=float, help="messages a second in the open loop (1000)")
ap.add_argument("--duration", type=float, help="seconds measured per families run (30)")
ap.add_argument("--families", type=int, help="families in the families runs (1000)")
ap.add_argument("--clamd-idle", action="store_true",
                help="clamd in SCHED_IDLE, as CPUSchedulingPolicy=idle in its unit")
ap.add_argument("--helper-nice", type=int, default=None,
                help="run clamd at this nice level, as an operator could (default: as the "
                     "gateway; indgang-image lowers its own priority)")
ap.add_argument("--messages-only", action="store_true",
                help="only the fourth phase: messages alone, beside the uploads, alone again")
ap.add_argument("--phones-idle", action="store_true",
                help="this script's uploading thread in SCHED_IDLE during the fourth phase, so "
                     "the phones' stand-in takes no CPU from the server (indgang-bench keeps "
                     "its priority)")
ap.add_argument("--files", help="the gateway's files folder (spool and store) here instead, "
                "e.g. on tmpfs, to see what the disk's part is")
ARGS = ap.parse_args()
sys.argv = sys.argv[:1]  # the harness reads none of ours

SMOKE = ARGS.smoke
WIDTH, HEIGHT = (1600, 1200) if SMOKE else (4000, 3000)
POOL = 2 if SMOKE else 12  # distinct photos made with vips, kept between runs
N_SEQ = ARGS.photos or (3 if SMOKE else 50)
SLOTS = ARGS.slots or (4 if SMOKE else 20)
RATE = ARGS.rate or (200.0 if SMOKE else 1000.0)
DURATION = ARGS.duration or (2.0 if SMOKE else 30.0)
FAMILIES = ARGS.families or (20 if SMOKE else 1000)
# Who uploads in the concurrent phases, round robin: at most three each of the gateway's
# four arriving at once per person (a fourth would not be refused, but leaves no room).
UPLOADERS = ("mette", "jonas", "amina", "anna", "bo", "carl", "dora")
HZ = os.sysconf("SC_CLK_TCK")
MB = 1024 * 1024

try:
    os.nice(-10)
    NICE = -10
except OSError:
    NICE = os.nice(0)

import clamd as clamd_mod  # noqa: E402
import harness as h  # noqa: E402


# ---------------------------------------------------------------------------
# Photos


def make_pool():
    """POOL distinct JPEGs of WIDTH x HEIGHT, made once with vips and kept."""
    d = os.path.join(WORK, "attach-photos")
    os.makedirs(d, exist_ok=True)
    want = [os.path.join(d, "photo-%dx%d-%d.jpg" % (WIDTH, HEIGHT, i)) for i in range(POOL)]
    if all(os.path.exists(p) for p in want):
        return [open(p, "rb").read() for p in want]
    t0 = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="indgang-photos-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    v = lambda name: os.path.join(tmp, name)  # noqa: E731

    def vips(*a):
        subprocess.run(["vips"] + [str(x) for x in a], check=True, capture_output=True, timeout=120)
    try:
        # Three bands of gradients (x, y, x + y), once; each photo scales them its own
        # way and adds its own noise: sigma 7-8 gives 3.9-4.3 MB at Q 92, 4:2:0.
        vips("xyz", v("xy.v"), WIDTH, HEIGHT)
        vips("extract_band", v("xy.v"), v("x.v"), 0)
        vips("extract_band", v("xy.v"), v("y.v"), 1)
        vips("add", v("x.v"), v("y.v"), v("s.v"))
        vips("bandjoin", " ".join((v("x.v"), v("y.v"), v("s.v"))), v("grad.v"))
        for i, path in enumerate(want):
            if os.path.exists(path):
                continue
            a = [150.0 / WIDTH * (1 + 0.1 * (i % 5)), 200.0 / HEIGHT * (1 + 0.07 * (i % 3)),
                 90.0 / (WIDTH + HEIGHT)]
            b = [20 + 7 * (i % 7), 10 + 11 * (i % 4), 40 + 5 * (i % 9)]
            vips("linear", v("grad.v"), v("g.v"), " ".join(map(str, a)), " ".join(map(str, b)))
            vips("gaussnoise", v("n.v"), WIDTH, HEIGHT, "--sigma", 7 + (i % 3) * 0.5,
                 "--mean", 0, "--seed", 1000 + i)
            vips("add", v("g.v"), v("n.v"), v("sum.v"))
            vips("cast", v("sum.v"), v("u8.v"), "uchar")
            vips("copy", v("u8.v"), path + ".tmp.jpg[Q=92,subsample-mode=on,strip]")
            os.rename(path + ".tmp.jpg", path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("made %d photos of %dx%d in %.1f s (kept in %s)" % (POOL, WIDTH, HEIGHT,
                                                           time.monotonic() - t0, d))
    return [open(p, "rb").read() for p in want]


def variant(jpeg, n):
    """jpeg with a comment naming n and one quantisation-table entry changed by n:
    other bytes (clamd's cache of verdicts) and other pixels (the store's content
    addresses) for every n, the same size and cost to decode."""
    if jpeg[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    out = bytearray(jpeg)
    i = 2
    while i + 4 <= len(out) and out[i] == 0xFF:
        marker, seglen = out[i + 1], struct.unpack(">H", out[i + 2:i + 4])[0]
        if marker == 0xDB and out[i + 4] >> 4 == 0:  # an 8-bit table: 64 entries after Pq/Tq
            k = i + 5 + 1 + n % 63  # never the DC entry
            out[k] = 1 + (out[k] + n // 63) % 255
            break
        if marker == 0xDA:
            break
        i += 2 + seglen
    com = ("indgang-bench upload %d" % n).encode()
    return bytes(out[:2]) + b"\xff\xfe" + struct.pack(">H", len(com) + 2) + com + bytes(out[2:])


class Photos:
    def __init__(self, pool):
        self.pool = pool
        self.n = 0
        self.lock = threading.Lock()

    def next(self):
        with self.lock:
            self.n += 1
            n = self.n
        return variant(self.pool[n % len(self.pool)], n)


# ---------------------------------------------------------------------------
# /proc


def stat_fields(path):
    with open(path) as f:
        text = f.read()
    return text[1 + text.index("(", 0):text.rindex(")")], text.rsplit(")", 1)[1].split()


def cpu(pid):
    """(own utime + stime, reaped children's cutime + cstime) in seconds."""
    try:
        _, f = stat_fields("/proc/%d/stat" % pid)
    except OSError:
        return 0.0, 0.0
    return (int(f[11]) + int(f[12])) / HZ, (int(f[13]) + int(f[14])) / HZ


def threads_cpu(pid):
    """CPU seconds by thread name (the loop is the main thread: "loop")."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tids:
        try:
            name, f = stat_fields("/proc/%d/task/%s/stat" % (pid, tid))
        except OSError:
            continue
        if tid == str(pid):
            name = "loop"
        out[name] = out.get(name, 0.0) + (int(f[11]) + int(f[12])) / HZ
    return out


def status_kib(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset_hwm(pid):
    """VmHWM back to the current RSS (clear_refs 5, Linux 4.0); False if not allowed."""
    try:
        with open("/proc/%d/clear_refs" % pid, "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class ChildSampler:
    """The largest VmHWM of any child of pid, sampled every interval (indgang-image runs
    for a fraction of a second; its peak comes while it decodes, well before it ends)."""

    def __init__(self, pid, interval=0.01):
        self.pid, self.interval = pid, interval
        self.peak_kib, self.children, self.samples = 0, set(), 0
        self.stop_ev = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        ppid = str(self.pid)
        while not self.stop_ev.is_set():
            self.samples += 1
            for d in os.listdir("/proc"):
                if not d.isdigit():
                    continue
                try:
                    _, f = stat_fields("/proc/%s/stat" % d)
                except OSError:
                    continue
                if f[1] == ppid:
                    self.children.add(d)
                    self.peak_kib = max(self.peak_kib, status_kib(int(d), "VmHWM"))
            self.stop_ev.wait(self.interval)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_ev.set()
        self.thread.join()


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] if v else -1.0


def summary(v):
    return {"n": len(v), "p50": pct(v, .5), "p99": pct(v, .99), "max": max(v) if v else -1.0,
            "mean": sum(v) / len(v) if v else -1.0}


# ---------------------------------------------------------------------------
# Uploads


class Outcomes:
    """Reads one WebSocket's frames and keeps when each attachment frame came."""

    def __init__(self, client):
        self.ws = client.ws
        self.got = {}  # id -> (state, monotonic time)
        self.waiting = {}  # id -> future
        self.task = asyncio.get_running_loop().create_task(self.read())

    async def read(self):
        try:
            async for data in self.ws:
                t = time.monotonic()
                f = json.loads(data)
                a = f.get("attachment") if f.get("type") == "attachment" else None
                if not isinstance(a, dict) or a.get("state") not in ("ready", "rejected"):
                    continue
                self.got[a["id"]] = (a["state"], t, a.get("reason"))
                fut = self.waiting.pop(a["id"], None)
                if fut is not None and not fut.done():
                    fut.set_result(self.got[a["id"]])
        except Exception:  # closed at the end
            pass

    async def wait(self, upload_id, timeout=120.0):
        if upload_id not in self.got:
            fut = asyncio.get_running_loop().create_future()
            self.waiting[upload_id] = fut
            await asyncio.wait_for(fut, timeout)
        state, t, reason = self.got.pop(upload_id)
        if state != "ready":
            raise h.Fail("upload %d: %s (%s)" % (upload_id, state, reason))
        return t


PHONES = {"idle": False}  # --phones-idle, while the fourth phase runs


def phones_policy():
    """The calling thread in SCHED_IDLE while PHONES says so (indgang-bench, started from
    another thread, keeps its priority)."""
    want = os.SCHED_IDLE if PHONES["idle"] else os.SCHED_OTHER
    if os.sched_getscheduler(0) != want:
        os.sched_setscheduler(0, want, os.sched_param(0))


def post(w, token, data, name):
    """One upload on a fresh TLS connection -> (id, first byte, 201: monotonic times);
    (None, first byte, the error) when it was not stored."""
    phones_policy()
    conn = http.client.HTTPSConnection("127.0.0.1", w.port, context=w.ssl, timeout=60)
    t0 = time.monotonic()
    try:
        conn.connect()
        t0 = time.monotonic()
        conn.request("POST", "/api/uploads?name=" + name, body=data,
                     headers={"Authorization": "Bearer " + token,
                              "Content-Type": "image/jpeg"})
        r = conn.getresponse()
        body = r.read()
        t1 = time.monotonic()
    except (OSError, http.client.HTTPException) as e:
        return None, t0, "%s after %.1f s" % (type(e).__name__, time.monotonic() - t0)
    finally:
        conn.close()
    if r.status != 201:
        return None, t0, "HTTP %d %s" % (r.status, body[:200])
    return json.loads(body)["id"], t0, t1


STAFF_FAMILY = {"anna": "A", "bo": "A", "carl": "A", "dora": "B", "erik": "B", "frida": "B"}


class Uploader:
    def __init__(self, w, photos, pool_size):
        self.w, self.photos = w, photos
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=pool_size)
        self.outcomes = {}
        self.clients = {}
        self.tokens = {}
        self.failed = []  # why each upload that was not stored was not

    async def connect(self, keys):
        for k in keys:
            self.tokens[k] = self.w.token(k)
            self.clients[k] = await self.w.client(k)
            self.outcomes[k] = Outcomes(self.clients[k])

    async def send(self, key, upload_id):
        """The photo goes in a message, as from a phone: an upload never sent counts
        against its sender (fifty at most) until it expires."""
        conv = self.w.conv[h.FAMILY_OF.get(key) or STAFF_FAMILY[key]]
        await self.clients[key].send_frame({"type": "send", "conv": conv, "client_id": h.uid("p"),
                                            "body": "", "attachments": [upload_id]})

    async def one(self, key, n_name):
        """Upload one new photo as key -> (bytes, first byte, stored, ready); an upload
        that is not stored is counted in failed and made again with another photo."""
        loop = asyncio.get_running_loop()
        for _ in range(5):
            data = self.photos.next()
            upload_id, t0, t1 = await loop.run_in_executor(
                self.pool, post, self.w, self.tokens[key], data, "IMG_%04d.jpg" % n_name)
            if upload_id is not None:
                t2 = await self.outcomes[key].wait(upload_id)
                await self.send(key, upload_id)
                return len(data), t0, t1, t2
            self.failed.append(t1)
            print("    note: an upload by %s was not stored: %s" % (key, t1))
        raise h.Fail("five uploads in a row not stored")


async def sequential(up, gw_pid, clamd_pid):
    """Figure 1."""
    for i in range(2):  # not counted: the first scan, the helper's pages
        await up.one("mette", i)
    rows = []
    failed0 = len(up.failed)
    threads0 = threads_cpu(gw_pid)
    for i in range(N_SEQ):
        g0, c0 = cpu(gw_pid)
        k0, _ = cpu(clamd_pid)
        size, t0, t1, t2 = await up.one("mette", 100 + i)
        await asyncio.sleep(0.05)  # the checker's last steps after telling (tidying up)
        g1, c1 = cpu(gw_pid)
        k1, _ = cpu(clamd_pid)
        rows.append({"bytes": size, "stored_ms": (t1 - t0) * 1000, "ready_ms": (t2 - t0) * 1000,
                     "check_ms": (t2 - t1) * 1000, "gateway_ms": (g1 - g0) * 1000,
                     "image_ms": (c1 - c0) * 1000, "clamd_ms": (k1 - k0) * 1000})
    threads1 = threads_cpu(gw_pid)
    out = {k: summary([r[k] for r in rows]) for k in rows[0]}
    out["total_ms"] = summary([r["gateway_ms"] + r["image_ms"] + r["clamd_ms"] for r in rows])
    out["not_stored"] = len(up.failed) - failed0
    out["stored_over_500ms"] = sum(1 for r in rows if r["stored_ms"] > 500)
    out["threads_ms_per_photo"] = dict(
        (n, (threads1.get(n, 0) - threads0.get(n, 0)) * 1000 / N_SEQ) for n in threads1
        if threads1.get(n, 0) - threads0.get(n, 0) > 0)
    return out


def stages(photos, clamd):
    """Figure 2: each stage alone (indgang-image through /usr/bin/time)."""
    tmp = tempfile.mkdtemp(prefix="indgang-stages-", dir=WORK)
    scan_ms, scan_cpu, img_ms, img_cpu, img_rss, fsync_ms = [], [], [], [], [], []
    try:
        for i in range(3 if SMOKE else 8):
            data = photos.next()
            k0, _ = cpu(clamd.proc.pid)
            t0 = time.monotonic()
            verdict = clamd.scan(data)
            scan_ms.append((time.monotonic() - t0) * 1000)
            scan_cpu.append((cpu(clamd.proc.pid)[0] - k0) * 1000)
            if verdict != "OK":
                raise h.Fail("clamd on a photo: %s" % verdict)
            src = os.path.join(tmp, "in.jpg")
            t0 = time.monotonic()
            with open(src, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            fsync_ms.append((time.monotonic() - t0) * 1000)
            t0 = time.monotonic()
            # Through /usr/bin/time for the peak RSS: a child's ru_maxrss keeps the
            # forking Python's own RSS from before its exec.
            rss_file = os.path.join(tmp, "rss")
            p = subprocess.Popen(["/usr/bin/time", "-o", rss_file, "-f", "%M", IMAGE, "--type",
                                  "image/jpeg", "--in", src, "--out",
                                  os.path.join(tmp, "out%d.jpg" % i), "--thumb",
                                  os.path.join(tmp, "thumb%d.jpg" % i)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            img_ms.append((time.monotonic() - t0) * 1000)
            img_cpu.append((ru.ru_utime + ru.ru_stime) * 1000)
            with open(rss_file) as f:
                img_rss.append(int(f.read().split()[-1]))
            if p.returncode != 0:
                raise h.Fail("indgang-image on a photo: exit %d" % p.returncode)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"clamd_wall_ms": summary(scan_ms), "clamd_cpu_ms": summary(scan_cpu),
            "image_wall_ms": summary(img_ms), "image_cpu_ms": summary(img_cpu),
            "image_maxrss_kib": max(img_rss), "write_fsync_ms": summary(fsync_ms)}


async def at_once(up, gw_pid, clamd_pid):
    """Figure 3."""
    rss0 = status_kib(gw_pid, "VmRSS")
    reset = reset_hwm(gw_pid)
    clamd_hwm0 = status_kib(clamd_pid, "VmHWM")
    reset_hwm(clamd_pid)
    failed0 = len(up.failed)
    t0 = time.monotonic()
    with ChildSampler(gw_pid) as children:
        res = await asyncio.gather(*(up.one(UPLOADERS[i % len(UPLOADERS)], 1000 + i)
                                     for i in range(SLOTS)))
    stored = max(r[2] for r in res) - t0
    ready = max(r[3] for r in res) - t0
    return {"uploads": SLOTS, "gateway_rss_before_kib": rss0,
            "gateway_hwm_kib": status_kib(gw_pid, "VmHWM"), "hwm_reset": reset,
            "image_children": len(children.children),
            "image_peak_rss_kib": children.peak_kib, "sampler_rounds": children.samples,
            "clamd_hwm_kib": status_kib(clamd_pid, "VmHWM"), "clamd_hwm_since_start_kib": clamd_hwm0,
            "all_stored_s": stored, "all_ready_s": ready,
            "ready_s": summary([r[3] - r[1] for r in res]),
            "stored_s": summary([r[2] - r[1] for r in res]),
            "not_stored": len(up.failed) - failed0}


def families(w, gw_pid, label):
    """One open-loop run of indgang-bench families against the same gateway."""
    out = os.path.join(w.tmp, "families-%s.jsonl" % label)
    r = subprocess.run([BENCH, "families", "--port", str(w.port), "--ca", w.ca,
                        "--admin", os.environ["INDGANG_ADMIN"], "--db", w.db,
                        "--server-pid", str(gw_pid),
                        "--families", str(FAMILIES), "--advisers", str(max(4, FAMILIES // 10)),
                        "--rate", str(RATE), "--warmup", "1" if SMOKE else "2",
                        "--duration", str(DURATION), "--json", out],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise h.Fail("indgang-bench families (%s) failed: %s" % (label, r.stderr[-800:]))
    with open(out) as f:
        line = json.loads(f.readlines()[-1])
    g = line["indgang"]
    return {"fsync_ms": line.get("fsync_ms"), "msgs_per_s": g["msgs_per_s"], "all_ms": g["all_ms"], "ack_ms": g["ack_ms"],
            "send_lag_ms": g["send_lag_ms"], "server_cpu_us_per_msg": g["server_cpu_us_per_msg"],
            "errors": g["errors"], "load": float(open("/proc/loadavg").read().split()[0])}


async def beside(w, up, gw_pid, clamd_pid):
    """Figure 4: families alone, beside SLOTS uploads that never stop, alone again."""
    alone = await asyncio.to_thread(families, w, gw_pid, "alone")
    stop = asyncio.Event()
    done = []  # (bytes, first byte, stored, ready) of every upload that finished

    async def slot(i):
        n = 0
        while not stop.is_set():
            done.append(await up.one(UPLOADERS[i % len(UPLOADERS)], 10000 + 1000 * i + n))
            n += 1

    PHONES["idle"] = ARGS.phones_idle
    phones_policy()  # this thread (the WebSockets); post() does it in the pool's
    tasks = [asyncio.create_task(slot(i)) for i in range(SLOTS)]
    await asyncio.sleep(1.0)  # every slot sending, the checker at work
    g0, c0 = cpu(gw_pid)
    k0, _ = cpu(clamd_pid)
    t0 = time.monotonic()
    n0, f0 = len(done), len(up.failed)
    run = await asyncio.to_thread(families, w, gw_pid, "beside")
    t1 = time.monotonic()
    g1, c1 = cpu(gw_pid)
    k1, _ = cpu(clamd_pid)
    n1, f1 = len(done), len(up.failed)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 300)  # each slot's last one ready
    PHONES["idle"] = False
    phones_policy()
    during = done[n0:n1]
    run["uploads"] = {"slots": SLOTS, "ready": n1 - n0, "ready_per_s": (n1 - n0) / (t1 - t0),
                      "mb_per_s": sum(d[0] for d in during) / MB / (t1 - t0),
                      "ready_s": summary([d[3] - d[1] for d in during]),
                      "stored_s": summary([d[2] - d[1] for d in during]),
                      "not_stored": f1 - f0,
                      "gateway_cpu_pct": (g1 - g0) * 100 / (t1 - t0),
                      "image_cpu_pct": (c1 - c0) * 100 / (t1 - t0),
                      "clamd_cpu_pct": (k1 - k0) * 100 / (t1 - t0)}
    after = await asyncio.to_thread(families, w, gw_pid, "after")
    base = (alone["all_ms"]["p99"] + after["all_ms"]["p99"]) / 2
    return {"rate": RATE, "families": FAMILIES, "duration_s": DURATION, "alone": alone,
            "beside": run, "after": after,
            "p99_ratio": run["all_ms"]["p99"] / base if base > 0 else -1.0}


# ---------------------------------------------------------------------------


def lat(r):
    a = r["all_ms"]
    return "p50 %.2f, p99 %.2f, p99.9 %.2f ms" % (a["p50"], a["p99"], a["p999"])


def report(seq, stg, conc, bes):
    if seq is not None:
        report_photos(seq, stg, conc)
    report_messages(bes)


def report_photos(seq, stg, conc):
    print("\n== photos: %dx%d JPEG, %.2f MB mean, one at a time (%d) =="
          % (WIDTH, HEIGHT, seq["bytes"]["mean"] / MB, seq["bytes"]["n"]))
    print("%-42s %9s %9s %9s %9s" % ("per photo", "p50", "p99", "max", "mean"))
    for key, what in (("stored_ms", "first byte -> 201 stored (ms)"),
                      ("ready_ms", "first byte -> ready frame (ms)"),
                      ("check_ms", "201 -> ready (the check, ms)"),
                      ("gateway_ms", "gateway CPU (ms)"),
                      ("image_ms", "indgang-image CPU (ms)"),
                      ("clamd_ms", "clamd CPU (ms)"),
                      ("total_ms", "server CPU, all three (ms)")):
        s = seq[key]
        print("%-42s %9.1f %9.1f %9.1f %9.1f" % (what, s["p50"], s["p99"], s["max"], s["mean"]))
    print("not stored (cut off, made again): %d; stored after more than 0.5 s: %d"
          % (seq["not_stored"], seq["stored_over_500ms"]))
    print("gateway CPU by thread (ms per photo, clock ticks of %.0f ms): " % (1000 / HZ) + (", ".join(
        "%s %.1f" % kv for kv in sorted(seq["threads_ms_per_photo"].items(), key=lambda kv: -kv[1]))
        or "none a tick"))
    print("\n== each stage alone, outside the gateway (%d photos) ==" % stg["clamd_wall_ms"]["n"])
    print("clamd INSTREAM: wall p50 %.1f ms, CPU p50 %.1f ms" % (stg["clamd_wall_ms"]["p50"],
                                                                  stg["clamd_cpu_ms"]["p50"]))
    print("indgang-image: wall p50 %.1f ms, CPU p50 %.1f ms, peak RSS %.1f MiB"
          % (stg["image_wall_ms"]["p50"], stg["image_cpu_ms"]["p50"],
             stg["image_maxrss_kib"] / 1024))
    print("write + fsync of the photo: p50 %.1f ms, max %.1f ms"
          % (stg["write_fsync_ms"]["p50"], stg["write_fsync_ms"]["max"]))
    print("\n== %d uploads at once ==" % conc["uploads"])
    print("gateway VmRSS before %.1f MiB, VmHWM during %.1f MiB%s"
          % (conc["gateway_rss_before_kib"] / 1024, conc["gateway_hwm_kib"] / 1024,
             "" if conc["hwm_reset"] else " (since start: clear_refs not allowed)"))
    print("indgang-image children: %d seen, peak RSS %.1f MiB (sampled every 10 ms, %d rounds)"
          % (conc["image_children"], conc["image_peak_rss_kib"] / 1024, conc["sampler_rounds"]))
    print("clamd VmHWM during %.1f MiB" % (conc["clamd_hwm_kib"] / 1024))
    print("all stored after %.2f s, all ready after %.2f s (each stored: p50 %.2f s, max %.2f s;"
          " ready: p50 %.2f s, max %.2f s); not stored and made again: %d"
          % (conc["all_stored_s"], conc["all_ready_s"], conc["stored_s"]["p50"],
             conc["stored_s"]["max"], conc["ready_s"]["p50"], conc["ready_s"]["max"],
             conc["not_stored"]))


def report_messages(bes):
    u = bes["beside"]["uploads"]
    print("\n== messages at %.0f/s over %d families (open loop, %.0f s), send -> both advisers =="
          % (bes["rate"], bes["families"], bes["duration_s"]))
    for key, what in (("alone", "alone"), ("beside", "beside %d uploads" % SLOTS),
                      ("after", "alone again")):
        r = bes[key]
        print("%-22s %s; %.0f msg/s, server %.1f us/msg, load %.1f; disk probe fsync p99 %.2f ms"
              % (what, lat(r), r["msgs_per_s"], r["server_cpu_us_per_msg"], r["load"],
                 (r.get("fsync_ms") or {}).get("p99", -1.0)))
    print("p99 beside / mean p99 alone: %.3f (target <= 1.20: %s)"
          % (bes["p99_ratio"], "met" if 0 < bes["p99_ratio"] <= 1.2 else "not met"))
    print("the uploads meanwhile: %d ready, %.2f a second, %.1f MB/s; each first byte -> "
          "stored p50 %.2f s, max %.2f s, -> ready p50 %.1f s, max %.1f s; not stored and made "
          "again: %d; CPU: gateway %.0f %%, indgang-image %.0f %%, clamd %.0f %% of a core"
          % (u["ready"], u["ready_per_s"], u["mb_per_s"], u["stored_s"]["p50"],
             u["stored_s"]["max"], u["ready_s"]["p50"], u["ready_s"]["max"], u["not_stored"],
             u["gateway_cpu_pct"], u["image_cpu_pct"], u["clamd_cpu_pct"]))


async def run(w, clamd):
    gw_pid, clamd_pid = w.gw.proc.pid, clamd.proc.pid
    load0 = open("/proc/loadavg").read().split()[0]
    photos = Photos(make_pool())
    up = Uploader(w, photos, SLOTS + 4)
    await up.connect(UPLOADERS)
    seq = stg = conc = None
    if not ARGS.messages_only:
        seq = await sequential(up, gw_pid, clamd_pid)
        stg = await asyncio.to_thread(stages, photos, clamd)
        conc = await at_once(up, gw_pid, clamd_pid)
    bes = await beside(w, up, gw_pid, clamd_pid)
    print("nice %d%s; load average %s at the start, %s at the end; 2 cores shared by the gateway, "
          "clamd, indgang-image, indgang-bench and this script"
          % (NICE, " (indgang-image in SCHED_IDLE; clamd %s)"
             % ("in SCHED_IDLE" if ARGS.clamd_idle else "at nice %s" % (
                 NICE if ARGS.helper_nice is None else ARGS.helper_nice)),
             load0, open("/proc/loadavg").read().split()[0]))
    report(seq, stg, conc, bes)
    line = {"scenario": "attach", "smoke": SMOKE, "messages_only": ARGS.messages_only,
            "phones_idle": ARGS.phones_idle, "files": ARGS.files, "helper_nice": ARGS.helper_nice, "clamd_idle": ARGS.clamd_idle, "width": WIDTH, "height": HEIGHT,
            "nice": NICE, "load_start": float(load0),
            "load_end": float(open("/proc/loadavg").read().split()[0]),
            "one_at_a_time": seq, "stages": stg, "at_once": conc, "messages": bes}
    results = os.path.join(WORK, "results.jsonl")
    os.makedirs(WORK, exist_ok=True)
    with open(results, "a") as f:
        f.write(json.dumps(line) + "\n")


def main():
    if not os.access(IMAGE, os.X_OK):
        print("indgang-image missing beside %s (cmake --build build-bench)" % os.environ["INDGANG_BIN"])
        sys.exit(1)
    if not clamd_mod.installed():
        print("attach.py: clamd is not installed (gateway/install-deps.sh installs it)")
        sys.exit(1)
    os.makedirs(WORK, exist_ok=True)
    # Thousands of sockets (indgang-bench's families, the gateway's): as run.sh does.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(65536, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
    clamd = clamd_mod.Clamd()
    clamd.start()
    extra = ("--files", ARGS.files) if ARGS.files else ()
    # indgang-image puts itself in SCHED_IDLE (nice 19 where refused); clamd is the
    # operator's: --helper-nice N renices it, --clamd-idle as CPUSchedulingPolicy=idle
    # in its unit would (new threads inherit the main thread's).
    for t in os.listdir("/proc/%d/task" % clamd.proc.pid):  # every thread of it
        if ARGS.helper_nice is not None:
            os.setpriority(os.PRIO_PROCESS, int(t), ARGS.helper_nice)
        if ARGS.clamd_idle:
            os.sched_setscheduler(int(t), os.SCHED_IDLE, os.sched_param(0))

    async def test_attach_bench(w):
        await run(w, clamd)

    h.TIME_BUDGET = 1800.0  # a benchmark, not a test file under CTest's minute
    try:
        h.run([test_attach_bench], per_test_timeout=1800.0,
              extra_args=("--clamd-socket", clamd.socket, "--ws-rate", "100000",
                          "--connections-per-address", "65535") + extra)
    finally:
        clamd.close()


main()
