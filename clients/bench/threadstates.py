#!/usr/bin/env python3
"""threadstates.py - what each thread of a process is doing, sampled.

Reads /proc/PID/task/*/stat every few milliseconds for a while and prints,
per thread, the share of samples in each scheduler state (R running or
runnable, S sleeping, D uninterruptible wait - usually the disk -, other)
and its CPU busy share (utime + stime over the wall time).  The event
loop is the main thread (TID == PID); the gateway names the others
(indgang-writer, indgang-http, indgang-reader); a thread without a name of
its own is listed by the order it was created in.  When a thread is seen in D its wait channel
(/proc/.../wchan), the system call it is in (/proc/.../syscall) and, when
readable (root), its kernel stack (/proc/.../stack) are counted too, so the
report says what it waited for.  Prints figures; asserts nothing.

Usage: threadstates.py PID [--interval-ms 5] [--duration S] [--after S] [--sched]
                           [--stacks N] [--json FILE]
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time

SYSCALLS = {0: "read", 1: "write", 3: "close", 4: "stat", 5: "fstat", 6: "lstat",
            7: "poll", 8: "lseek", 9: "mmap", 10: "mprotect", 11: "munmap", 17: "pread64",
            18: "pwrite64", 20: "writev", 21: "access", 25: "mremap", 26: "msync",
            44: "sendto", 45: "recvfrom", 46: "sendmsg", 47: "recvmsg", 72: "fcntl",
            74: "fsync", 75: "fdatasync", 76: "truncate", 77: "ftruncate", 82: "rename",
            87: "unlink", 202: "futex", 232: "epoll_wait", 257: "openat", 262: "newfstatat",
            281: "epoll_pwait", 285: "fallocate", 332: "statx"}


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return None


def parse_stat(text):
    # comm may hold spaces and parentheses: split after the last ')'.
    rp = text.rfind(")")
    comm = text[text.find("(") + 1:rp]
    rest = text[rp + 2:].split()
    return comm, rest[0], int(rest[11]) + int(rest[12])  # state, utime + stime (ticks)


def syscall_name(text):
    if not text:
        return "?"
    first = text.split()[0]
    if first == "running":
        return "running"
    try:
        n = int(first)
    except ValueError:
        return first
    return SYSCALLS.get(n, "syscall %d" % n) if n >= 0 else "not in a syscall (fault)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pid", type=int)
    ap.add_argument("--interval-ms", type=float, default=5.0)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--after", type=float, default=0.0, help="wait this long before sampling")
    ap.add_argument("--stacks", type=int, default=6, help="kernel stacks shown per thread in D")
    ap.add_argument("--json", help="append the figures as one JSON line")
    ap.add_argument("--label", default="", help="a label for the JSON line")
    ap.add_argument("--sched", action="store_true",
                    help="also count, with perf, every switch away from each thread by its "
                         "state (exact, where sampling can miss short waits)")
    a = ap.parse_args()
    pid = a.pid
    time.sleep(a.after)
    tick = os.sysconf("SC_CLK_TCK")
    states = collections.defaultdict(collections.Counter)
    first_cpu, last_cpu, comms = {}, {}, {}
    dwhy = collections.defaultdict(collections.Counter)
    dsys = collections.defaultdict(collections.Counter)
    dstack = collections.defaultdict(collections.Counter)
    perf = None
    if a.sched:
        perf_data = tempfile.mktemp(prefix="threadstates-", suffix=".perf")
        try:
            perf = subprocess.Popen(["perf", "record", "-q", "-e", "sched:sched_switch", "-p",
                                     str(pid), "-o", perf_data, "--", "sleep", str(a.duration)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError as e:
            print("threadstates: no perf (%s): --sched left out" % e)
    t0 = time.monotonic()
    end = t0 + a.duration
    samples = 0
    while time.monotonic() < end:
        try:
            tids = sorted(int(t) for t in os.listdir("/proc/%d/task" % pid))
        except OSError:
            break
        for tid in tids:
            base = "/proc/%d/task/%d/" % (pid, tid)
            st = read(base + "stat")
            if st is None:
                continue
            comm, state, cpu = parse_stat(st)
            comms[tid] = comm
            first_cpu.setdefault(tid, (time.monotonic(), cpu))
            last_cpu[tid] = (time.monotonic(), cpu)
            states[tid][state] += 1
            if state == "D":
                dwhy[tid][read(base + "wchan") or "?"] += 1
                dsys[tid][syscall_name(read(base + "syscall"))] += 1
                stack = read(base + "stack")
                if stack:
                    frames = [ln.split("] ", 1)[-1].split("+")[0] for ln in stack.splitlines()]
                    dstack[tid][" < ".join(frames[:8])] += 1
        samples += 1
        time.sleep(a.interval_ms / 1000.0)
    wall = time.monotonic() - t0
    switches = collections.defaultdict(collections.Counter)
    if perf is not None:
        perf.wait()
        script = subprocess.run(["perf", "script", "-i", perf_data, "-F", "tid,trace"],
                                capture_output=True, text=True).stdout
        os.unlink(perf_data)
        for line in script.splitlines():
            fields = line.split()
            st = [f for f in fields if f.startswith("prev_state=")]
            if fields and st and fields[0].isdigit():
                switches[int(fields[0])][st[0][11:].rstrip("+")[:1] or "?"] += 1
    if not states:
        print("threadstates: no samples of pid %d" % pid)
        return 1
    order = sorted(states, key=lambda t: (t != pid, t))
    print("threadstates: pid %d, %d rounds in %.1f s (every %.0f ms), load average %s" %
          (pid, samples, wall, a.interval_ms, open("/proc/loadavg").read().split()[0]))
    print("  %-7s %-14s %7s %6s %6s %6s %6s %8s" %
          ("tid", "thread", "samples", "R %", "S %", "D %", "other", "busy %"))
    out = []
    for i, tid in enumerate(order):
        c = states[tid]
        n = sum(c.values())
        (ta, ca), (tb, cb) = first_cpu[tid], last_cpu[tid]
        busy = (cb - ca) / tick / (tb - ta) * 100 if tb > ta else 0.0
        name = "event loop" if tid == pid else comms[tid] if comms[tid] != comms[pid] \
            else "thread %d" % i
        other = n - c["R"] - c["S"] - c["D"]
        print("  %-7d %-14s %7d %6.1f %6.1f %6.1f %6.1f %8.1f" %
              (tid, name, n, 100 * c["R"] / n, 100 * c["S"] / n, 100 * c["D"] / n,
               100 * other / n, busy))
        out.append({"tid": tid, "thread": name, "comm": comms[tid], "samples": n,
                    "R": round(100 * c["R"] / n, 1), "S": round(100 * c["S"] / n, 1),
                    "D": round(100 * c["D"] / n, 1), "busy": round(busy, 1)})
        if perf is not None:
            sw = switches[tid]
            out[-1]["switches"] = dict(sw)
    if perf is not None:
        print("  switches away from each thread (perf sched:sched_switch), by the state left in:")
        for tid in order:
            sw = switches[tid]
            name = "event loop" if tid == pid else "%s (%d)" % (comms[tid], tid)
            print("    %-24s R %d, S %d, D %d, other %d" % (
                name, sw["R"], sw["S"], sw["D"], sum(sw.values()) - sw["R"] - sw["S"] - sw["D"]))
    for tid in order:
        if not dwhy[tid]:
            continue
        name = "event loop" if tid == pid else "%s (%d)" % (comms[tid], tid)
        print("  in D, %s: wchan %s; syscall %s" % (
            name, ", ".join("%s %d" % kv for kv in dwhy[tid].most_common(4)),
            ", ".join("%s %d" % kv for kv in dsys[tid].most_common(4))))
        for s, k in dstack[tid].most_common(a.stacks):
            print("      %4d  %s" % (k, s))
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps({"scenario": "threadstates", "label": a.label, "pid": pid,
                                "seconds": round(wall, 1), "interval_ms": a.interval_ms,
                                "loadavg": float(open("/proc/loadavg").read().split()[0]),
                                "threads": out}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
