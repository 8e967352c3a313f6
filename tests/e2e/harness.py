"""
harness.py - shared machinery for the Indgang end-to-end tests.

Each numbered test script (NN-name.py) does

    import harness as h
    async def test_something(w): ...
    h.run([test_something, ...])

run() builds a throwaway world -- test CA and server certificate, a database
provisioned with `indgang-admin init` + `import -`, and a running `indgang` on a
free port -- then runs the test functions in order (each gets the World `w`),
prints PASS/FAIL/SKIP per function and a closing "N passed, N failed, N
skipped" line, stops every process it started and exits 0 when nothing failed
and something passed, 77 (SKIP_RETURN_CODE) when every test was skipped, else 1.

A check that cannot run here is never a PASS: `raise h.Skip(why)` skips the
rest of a test function, `h.skip(what, why)` records one skipped check and
goes on; either way the function is reported "SKIP name: why".

Everything is checked against the wire contract (PROTOCOL.md, shared by the
clients and the gateway; gateway/PROTOCOL-NOTES.md has this gateway's additions).
Only the standard library and Debian's python3-websockets (10.4) are used.

Environment: INDGANG_BIN, INDGANG_ADMIN (binaries; default the tree's build/),
INDGANG_SRC (repo root; default the tree this file lies in),
INDGANG_E2E_KEEP=1 keeps the temp directory (database, gateway log) for
inspection.
"""

import asyncio
import collections
import ctypes
import http.client
import itertools
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import websockets
import websockets.exceptions
from websockets.frames import OP_TEXT  # noqa: F401  (used by 10-bad-input.py)

# The tree this file lies in (tests/e2e/harness.py), wherever it was cloned.
SRC = os.environ.get("INDGANG_SRC") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("INDGANG_BIN") or os.path.join(SRC, "build", "indgang")
ADMIN = os.environ.get("INDGANG_ADMIN") or os.path.join(SRC, "build", "indgang-admin")

# The schema version this source tree's store migrates to (core/store/store.h).
with open(os.path.join(SRC, "core", "store", "store.h"), encoding="utf-8") as _f:
    SCHEMA_VERSION = int(re.search(r"#define STORE_SCHEMA_VERSION (\d+)", _f.read()).group(1))

SUBPROTOCOL = "indgang.v1"
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ROLES = ("family", "adviser", "admin")

# ---------------------------------------------------------------------------
# The world every test file starts from.

PASSWORDS = {
    "admin": "admin-kodeord-1",
    "anna": "anna-kodeord-1",
    "bo": "bo-kodeord-12",
    "carl": "carl-kodeord-1",
    "dora": "dora-kodeord-1",
    "erik": "erik-kodeord-1",
    "frida": "frida-kodeord-1",
}
NAMES = {
    "admin": "Ida Admin",
    "anna": "Anna Jensen",
    "bo": "Bo Nielsen",
    "carl": "Carl Sundhed",
    "dora": "Dora Madsen",
    "erik": "Erik Holm",
    "frida": "Frida Skov",
    "mette": "Mette Hansen",
    "jonas": "Jonas Hansen",
    "amina": "Amina Ali",
}
ROLE_OF = dict({k: "adviser" for k in ("anna", "bo", "carl", "dora", "erik", "frida")},
               admin="admin", mette="family", jonas="family", amina="family")
MEMBER_KEY = {"Mette Hansen": "mette", "Jonas Hansen": "jonas", "Amina Ali": "amina"}
FAMILY_OF = {"mette": "A", "jonas": "A", "amina": "B"}
PAIR_OF = {"A": "anna", "B": "dora"}  # who makes new invites for a member
FAMILY_NAMES = {"A": "Familien Hansen", "B": "Familien Ali"}


def staff(key):
    return {"username": key, "name": NAMES[key], "password": PASSWORDS[key]}


WORLD_DOC = {
    "admins": [staff("admin")],
    "teams": [
        {"name": "Team Øst", "staff": [staff("anna"), staff("bo"), staff("carl")]},
        {"name": "Team Vest", "staff": [staff("dora"), staff("erik"), staff("frida")]},
    ],
    "families": [
        {"name": "Familien Hansen", "team": "Team Øst", "primary": "anna", "secondary": "bo",
         "members": [{"name": "Mette Hansen"}, {"name": "Jonas Hansen"}]},
        {"name": "Familien Ali", "team": "Team Vest", "primary": "dora", "secondary": "erik",
         "members": [{"name": "Amina Ali"}]},
    ],
}

# ---------------------------------------------------------------------------
# Assertions with messages a gateway author can act on.


EXIT_SKIPPED = 77  # CTest's SKIP_RETURN_CODE for the e2e tests (tests/CMakeLists.txt)


class Skip(Exception):
    """A test function cannot run here (a missing tool or capability)."""


_skipped_checks = []  # (what, why) skipped by the running test function


def skip(what, why):
    """One check of the running test function cannot run here: it is reported
    SKIP (never PASS) once the function ends."""
    _skipped_checks.append((what, why))
    print("    skipped: %s: %s" % (what, why))


class Fail(AssertionError):
    pass


def short(v, n=600):
    s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


def fail(what, expected=None, got=None):
    msg = what
    if expected is not None or got is not None:
        msg += "\n      expected: %s\n      got:      %s" % (short(expected), short(got))
    raise Fail(msg)


def check(cond, what, expected=None, got=None):
    if not cond:
        fail(what, expected, got)


def eq(got, expected, what):
    if got != expected:
        fail(what, expected, got)


def is_ts(v):
    return isinstance(v, str) and bool(TS_RE.match(v))


def is_id(v):
    return isinstance(v, int) and not isinstance(v, bool) and v > 0


def ts_ms(s):
    """RFC 3339 '...Z' with milliseconds -> ms since epoch."""
    import datetime
    d = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(round(d.timestamp() * 1000))


def check_user(u, key, what, w):
    """USER = {"id","name","role"} and it is the world's user `key`."""
    check(isinstance(u, dict), what + ": USER object", "object", u)
    exp = {"id": w.ids[key], "name": NAMES[key], "role": ROLE_OF[key]}
    got = {k: u.get(k) for k in ("id", "name", "role")}
    eq(got, exp, what + ": USER")


def check_error_body(body, code, what):
    """HTTP error body {"error":{"code":C,"message":M}}."""
    ok = (isinstance(body, dict) and isinstance(body.get("error"), dict)
          and body["error"].get("code") == code and isinstance(body["error"].get("message"), str))
    check(ok, what + ": error body", {"error": {"code": code, "message": "<string>"}}, body)


def check_msg(m, w, what, conv=None, family=None, sender=None, kind=None, body=None,
              client_id=None):
    """MSG = {id, conv, family, sender USER, kind, body, client_id, created_at}."""
    check(isinstance(m, dict), what + ": MSG object", "object", m)
    for f in ("id", "conv", "family"):
        check(is_id(m.get(f)), what + ": MSG.%s is a positive integer" % f, "int > 0", m.get(f))
    check(m.get("kind") in ("text", "note", "system"), what + ": MSG.kind", "text|note|system",
          m.get("kind"))
    check(isinstance(m.get("body"), str), what + ": MSG.body is a string", "string", m.get("body"))
    check(is_ts(m.get("created_at")), what + ": MSG.created_at RFC 3339 ms UTC",
          "YYYY-MM-DDTHH:MM:SS.mmmZ", m.get("created_at"))
    check(isinstance(m.get("sender"), dict), what + ": MSG.sender", "USER", m.get("sender"))
    if conv is not None:
        eq(m.get("conv"), conv, what + ": MSG.conv")
    if family is not None:
        eq(m.get("family"), family, what + ": MSG.family")
    if sender is not None:
        check_user(m.get("sender"), sender, what + ": MSG.sender", w)
    if kind is not None:
        eq(m.get("kind"), kind, what + ": MSG.kind")
    if body is not None:
        eq(m.get("body"), body, what + ": MSG.body")
    if client_id is not None:
        eq(m.get("client_id"), client_id, what + ": MSG.client_id")


def check_conv(c, w, what):
    """CONV = {id, family{id,name}, title, members[USER], last_id, read_upto, unread}."""
    check(isinstance(c, dict), what + ": CONV object", "object", c)
    check(is_id(c.get("id")), what + ": CONV.id", "int > 0", c.get("id"))
    fam = c.get("family")
    check(isinstance(fam, dict) and is_id(fam.get("id")) and isinstance(fam.get("name"), str),
          what + ": CONV.family is {id,name}", {"id": "<int>", "name": "<string>"}, fam)
    check(isinstance(c.get("title"), str), what + ": CONV.title is a string", "string",
          c.get("title"))
    mem = c.get("members")
    check(isinstance(mem, list) and all(isinstance(u, dict) and is_id(u.get("id"))
                                        and isinstance(u.get("name"), str)
                                        and u.get("role") in ROLES for u in mem),
          what + ": CONV.members is [USER]", "[{id,name,role}]", mem)
    for f in ("last_id", "read_upto", "unread"):
        v = c.get(f)
        check(isinstance(v, int) and not isinstance(v, bool) and v >= 0,
              what + ": CONV.%s is an integer >= 0" % f, "int >= 0", v)


def error_code(frame):
    return frame.get("code") if isinstance(frame, dict) and frame.get("type") == "error" else None


# ---------------------------------------------------------------------------
# Processes


def _pdeathsig():
    # Children die with the test script, even if it is killed with SIGKILL.
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certs(d):
    """ca.pem, server.pem, server-key.pem in d.  Uses certs/make-dev-certs.sh when present."""
    script = os.path.join(SRC, "certs", "make-dev-certs.sh")
    if os.path.exists(script):
        r = subprocess.run(["bash", script, "--force", d], capture_output=True, text=True,
                           timeout=30)
        if r.returncode == 0 and all(os.path.exists(os.path.join(d, f))
                                     for f in ("ca.pem", "server.pem", "server-key.pem")):
            return
        print("note: %s failed (rc %d: %s); making certificates inline"
              % (script, r.returncode, r.stderr.strip()[-300:]))
    ext = os.path.join(d, "server.ext")
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n")
    p = lambda *a: os.path.join(d, *a)  # noqa: E731
    cmds = [
        ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", p("ca-key.pem")],
        ["openssl", "req", "-x509", "-new", "-sha256", "-key", p("ca-key.pem"), "-days", "2",
         "-subj", "/CN=Indgang Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-addext",
         "subjectKeyIdentifier=hash", "-out", p("ca.pem")],
        ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out",
         p("server-key.pem")],
        ["openssl", "req", "-new", "-sha256", "-key", p("server-key.pem"), "-subj", "/CN=localhost",
         "-out", p("server.csr")],
        ["openssl", "x509", "-req", "-sha256", "-in", p("server.csr"), "-CA", p("ca.pem"),
         "-CAkey", p("ca-key.pem"), "-CAcreateserial", "-days", "2", "-extfile", ext, "-out",
         p("server.pem")],
    ]
    for c in cmds:
        subprocess.run(c, check=True, capture_output=True, timeout=30)


class Gateway:
    """One `indgang` process on a fixed port and database; restartable."""

    def __init__(self, tmp, db, cert, key, port, extra=()):
        self.tmp, self.db, self.cert, self.key, self.port = tmp, db, cert, key, port
        self.extra = list(extra)
        self.proc = None
        self.lines = []  # all stderr lines, every run
        self.logfile = open(os.path.join(tmp, "gateway.log"), "a", encoding="utf-8",
                            errors="replace")
        self.expect_down = False

    def argv(self):
        return [BIN, "--db", self.db, "--listen", "127.0.0.1:%d" % self.port, "--cert",
                self.cert, "--key", self.key] + self.extra

    def start(self, timeout=15):
        ready = threading.Event()
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     preexec_fn=_pdeathsig)
        proc = self.proc
        self.logfile.write("=== start pid %d: %s\n" % (proc.pid, " ".join(self.argv())))

        listening = threading.Event()

        def pump():
            for raw in proc.stderr:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.lines.append(line)
                self.logfile.write(line + "\n")
                self.logfile.flush()
                if "listening on" in line:
                    listening.set()
                    ready.set()
            ready.set()  # EOF: the process ended (it may not be reaped yet)

        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(timeout) or not listening.is_set() or proc.poll() is not None:
            rc = proc.poll()
            self.kill9()
            raise Fail("gateway did not log 'listening on' within %ds (exit status %s); "
                       "stderr tail:\n%s" % (timeout, rc, self.tail()))
        self.expect_down = False

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10):
        """SIGTERM and wait; returns the exit status (None if it had to be killed)."""
        if not self.running():
            return self.proc.returncode if self.proc else None
        self.expect_down = True
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            return None

    def kill9(self):
        if self.running():
            self.expect_down = True
            self.proc.kill()
            self.proc.wait()

    def restart(self, timeout=15):
        if self.running():
            self.stop()
        self.start(timeout)

    def tail(self, n=25):
        return "\n".join("      | " + l for l in self.lines[-n:])


# ---------------------------------------------------------------------------
# WebSocket client wrapper


class Closed(Exception):
    def __init__(self, label, code, reason=""):
        super().__init__("%s: connection closed (code %s %r)" % (label, code, reason))
        self.code = code


def is_enrol_notice(frame):
    """A "message" frame with the system message of an enrolment."""
    m = frame.get("message") if frame.get("type") == "message" else None
    return (isinstance(m, dict) and m.get("kind") == "system"
            and str(m.get("client_id", "")).startswith("enrol-"))


class Client:
    """One WebSocket connection with a mailbox: frames are buffered as they
    arrive and taken out by type/predicate, so checking for one frame never
    loses another.  Frames whose type is in `ignore` are dropped on arrival
    (use for bulk traffic), and so are the system messages that announce a
    new phone (the world enrols phones lazily, in the middle of other tests),
    unless keep_notices is set (50-enrol-guard.py)."""

    def __init__(self, ws, label, user_key=None):
        self.ws = ws
        self.label = label
        self.user_key = user_key
        self.buf = []
        self.ignore = set()
        self.keep_notices = False
        self.welcome = None
        self._refs = itertools.count(1)

    # -- raw

    async def send_frame(self, frame):
        await self.ws.send(json.dumps(frame, ensure_ascii=False))

    async def send_raw(self, data):
        await self.ws.send(data)

    def new_ref(self):
        return "%s-%d" % (self.label, next(self._refs))

    @property
    def close_code(self):
        return self.ws.close_code

    async def _pull(self, timeout):
        try:
            data = await asyncio.wait_for(self.ws.recv(), timeout)
        except websockets.exceptions.ConnectionClosed as e:
            raise Closed(self.label, self.ws.close_code, self.ws.close_reason) from None
        if isinstance(data, bytes):
            fail("%s: server sent a binary frame" % self.label, "text frames only", data[:80])
        try:
            frame = json.loads(data)
        except ValueError:
            fail("%s: server sent a text frame that is not JSON" % self.label, "JSON", data)
        check(isinstance(frame, dict) and isinstance(frame.get("type"), str),
              "%s: server frame is an object with a type" % self.label, '{"type":...}', frame)
        if frame["type"] not in self.ignore and (self.keep_notices
                                                 or not is_enrol_notice(frame)):
            self.buf.append(frame)

    @staticmethod
    def _matches(f, type, pred, fields):
        if type is not None and f.get("type") != type:
            return False
        for k, v in fields.items():
            if f.get(k) != v:
                return False
        return pred is None or pred(f)

    async def recv_frame(self, timeout=5.0):
        return await self.recv_until(None, timeout)

    async def recv_until(self, type=None, timeout=5.0, pred=None, **fields):
        """The first buffered or arriving frame that matches; fails on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for i, f in enumerate(self.buf):
                if self._matches(f, type, pred, fields):
                    return self.buf.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                want = type or "any"
                if fields:
                    want += " " + short(fields, 200)
                fail("%s: no '%s' frame within %.1fs" % (self.label, want, timeout),
                     "a matching frame", "other frames: " + short(self.buf[-5:], 900))
            try:
                await self._pull(left)
            except asyncio.TimeoutError:
                pass
            except Closed as e:
                fail("%s: connection closed while waiting for a '%s' frame" % (self.label, type),
                     "frame", "close code %s; buffered: %s" % (e.code, short(self.buf[-5:], 600)))

    async def expect_no_frame(self, timeout=0.5, type=None, pred=None, what=None, **fields):
        """Proves that no matching frame is (or becomes) available within timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for f in self.buf:
                if self._matches(f, type, pred, fields):
                    fail("%s: %s" % (self.label, what or "received a frame it must not get"),
                         "no such frame", f)
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                await self._pull(left)
            except asyncio.TimeoutError:
                pass
            except Closed:
                # nothing more can arrive; final scan of the buffer then done
                deadline = 0

    async def drain(self, quiet=0.2):
        """Empty the mailbox, also of frames still in flight."""
        while True:
            try:
                await self._pull(quiet)
            except (asyncio.TimeoutError, Closed):
                break
        out, self.buf = self.buf, []
        return out

    async def request(self, frame, timeout=5.0):
        """Send frame with a fresh ref; return the reply carrying that ref."""
        frame = dict(frame)
        ref = frame.setdefault("ref", self.new_ref())
        await self.send_frame(frame)
        return await self.recv_until(None, timeout, pred=lambda f: f.get("ref") == ref)

    async def try_send(self, conv, body, client_id=None, kind=None, timeout=5.0, no_sms=None):
        f = {"type": "send", "conv": conv, "client_id": client_id or uid("c"), "body": body}
        if kind is not None:
            f["kind"] = kind
        if no_sms is not None:
            f["no_sms"] = no_sms
        return await self.request(f, timeout)

    async def send_msg(self, conv, body, client_id=None, kind=None, timeout=5.0, no_sms=None):
        """Send and require an ack; returns the MSG of the ack."""
        cid = client_id or uid("c")
        r = await self.try_send(conv, body, cid, kind, timeout, no_sms)
        check(r.get("type") == "ack", "%s: send kind=%s to conv %s acked" % (self.label, kind, conv),
              "ack", r)
        eq(r.get("client_id"), cid, "%s: ack.client_id" % self.label)
        check(isinstance(r.get("message"), dict), "%s: ack carries message" % self.label, "MSG", r)
        return r["message"]

    async def sync_all(self, after=0, limit=500, timeout=10.0):
        """Page through sync until more=false; returns all messages."""
        out = []
        while True:
            r = await self.request({"type": "sync", "after": after, "limit": limit}, timeout)
            check(r.get("type") == "messages", "%s: sync reply" % self.label, "messages", r)
            msgs = r.get("messages")
            check(isinstance(msgs, list), "%s: sync messages list" % self.label, "list", r)
            out.extend(msgs)
            if not r.get("more"):
                return out
            check(msgs, "%s: sync said more=true with an empty page" % self.label, "messages", r)
            after = msgs[-1]["id"]

    async def send_many(self, conv, items, kind=None, window=32, acked=None, timeout=15.0,
                        stop_codes=()):
        """Pipelined sends of items [(client_id, body)], at most `window`
        outstanding.  Returns {client_id: MSG}; fills `acked` as acks arrive.
        Raises Closed when the connection goes away (acked keeps what was
        acked).  Errors whose code is in stop_codes end the burst quietly.

        Like a careful client it slows down after `rate_limited` (20 frames/s)
        and resends refused frames with the same client_id (idempotent).  A
        rate_limited error without the ref of the refused frame cannot be
        matched; then everything still unanswered after a quiet 0.6 s is
        resent (harmless thanks to client_id) and the count is reported."""
        acked = {} if acked is None else acked
        queue = collections.deque(items)
        pending = {}
        self.ignore |= {"message", "receipt"}
        interval, last = 0.0, 0.0
        stats = {"rate_limited": 0, "without_ref": 0, "resent": 0}
        unknown_drops = 0
        while queue or pending:
            while queue and len(pending) < window:
                if interval:
                    await asyncio.sleep(max(0.0, last + interval - time.monotonic()))
                cid, body = queue.popleft()
                ref = self.new_ref()
                f = {"type": "send", "ref": ref, "conv": conv, "client_id": cid, "body": body}
                if kind is not None:
                    f["kind"] = kind
                pending[ref] = (cid, body)
                last = time.monotonic()
                try:
                    await self.send_frame(f)
                except websockets.exceptions.ConnectionClosed:
                    raise Closed(self.label, self.ws.close_code, self.ws.close_reason) from None
            deadline = time.monotonic() + timeout
            got = None
            while got is None:
                for i, fr in enumerate(self.buf):
                    if fr.get("ref") in pending or (error_code(fr) == "rate_limited"
                                                    and fr.get("ref") is None):
                        got = self.buf.pop(i)
                        break
                if got is not None:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    fail("%s: no reply to a send within %.0fs (%d outstanding)"
                         % (self.label, timeout, len(pending)), "ack", short(self.buf[-3:]))
                try:
                    await self._pull(min(left, 0.6))
                except asyncio.TimeoutError:
                    if unknown_drops and pending:
                        stats["resent"] += len(pending)
                        queue.extendleft(reversed(list(pending.values())))
                        pending.clear()
                        unknown_drops = 0
                        break
            if got is None:
                continue
            if error_code(got) == "rate_limited":
                stats["rate_limited"] += 1
                if not interval:  # first refusal: let the server's budget refill once
                    await asyncio.sleep(0.5)
                interval = 0.05
                if got.get("ref") is None:
                    stats["without_ref"] += 1
                    unknown_drops += 1
                else:
                    queue.appendleft(pending.pop(got["ref"]))
                continue
            cid, body = pending.pop(got["ref"])
            if got.get("type") == "ack":
                acked[cid] = got.get("message")
            elif error_code(got) in stop_codes:
                return acked
            else:
                fail("%s: bulk send of %s answered with" % (self.label, cid), "ack", got)
        if stats["rate_limited"]:
            print("    note: %s bulk send of %d: %d rate_limited errors (%d without the ref of "
                  "the refused send), %d sends resent" % (self.label, len(items),
                                                          stats["rate_limited"],
                                                          stats["without_ref"], stats["resent"]))
        return acked

    async def wait_close(self, timeout=5.0):
        """Wait for the server to close; returns the close code (frames are kept)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                fail("%s: server did not close the connection within %.1fs" % (self.label, timeout),
                     "close", "still open; buffered: %s" % short(self.buf[-3:]))
            try:
                await self._pull(left)
            except asyncio.TimeoutError:
                pass
            except Closed as e:
                return e.code

    async def close(self):
        try:
            await asyncio.wait_for(self.ws.close(), 2)
        except Exception:
            pass


_uid = itertools.count(1)


def uid(prefix="c"):
    return "%s-%d-%d" % (prefix, os.getpid(), next(_uid))


# ---------------------------------------------------------------------------
# The world


class World:
    def __init__(self, extra_args=()):
        self.tmp = tempfile.mkdtemp(prefix="indgang-e2e-")
        self.db = os.path.join(self.tmp, "indgang.db")
        self.port = free_port()
        self.origin = "https://127.0.0.1:%d" % self.port
        self.extra_args = extra_args
        self.gw = None
        self.ids = {}  # user key -> id
        self.fam = {}  # "A"/"B" -> family id
        self.conv = {}  # "A"/"B" -> default conversation id
        self.invites = {}  # member key -> invite code from the import
        self.import_out = None
        self._tokens = {}
        self._invite_used = set()
        self.clients = []

    # -- setup

    def setup(self):
        for b in (BIN, ADMIN):
            if not os.access(b, os.X_OK):
                raise Fail("binary missing: %s (build first: cmake --build build)" % b)
        make_certs(self.tmp)
        self.ca = os.path.join(self.tmp, "ca.pem")
        self.ssl = ssl.create_default_context(cafile=self.ca)
        r = subprocess.run([ADMIN, "--db", self.db, "init"], capture_output=True, text=True,
                           timeout=30)
        if r.returncode != 0:
            raise Fail("indgang-admin init failed (rc %d): %s" % (r.returncode, r.stderr[-800:]))
        r = subprocess.run([ADMIN, "--db", self.db, "import", "-"], input=json.dumps(WORLD_DOC),
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise Fail("indgang-admin import failed (rc %d): %s" % (r.returncode, r.stderr[-800:]))
        try:
            out = json.loads(r.stdout)
        except ValueError:
            raise Fail("indgang-admin import: stdout is not one JSON document: %s"
                       % short(r.stdout))
        self.import_out = out
        try:
            self.ids["admin"] = out["admins"][0]["id"]
            for t in out["teams"]:
                for s in t["staff"]:
                    self.ids[s["username"]] = s["id"]
            for fam, key in zip(out["families"], ("A", "B")):
                eq(fam["name"], FAMILY_NAMES[key], "import output family order/name")
                self.fam[key] = fam["id"]
                self.conv[key] = fam["conversation"]
                for m in fam["members"]:
                    mk = MEMBER_KEY[m["name"]]
                    self.ids[mk] = m["id"]
                    self.invites[mk] = m["invite"]
        except (KeyError, IndexError, TypeError) as e:
            raise Fail("indgang-admin import output lacks %r: %s" % (e, short(out, 1500)))
        self.gw = Gateway(self.tmp, self.db, os.path.join(self.tmp, "server.pem"),
                          os.path.join(self.tmp, "server-key.pem"), self.port, self.extra_args)
        self.gw.start()

    def cleanup(self):
        if self.gw:
            self.gw.stop(5)
            self.gw.kill9()
            self.gw.logfile.close()
        if os.environ.get("INDGANG_E2E_KEEP"):
            print("kept %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- HTTP

    def http(self, method, path, body=None, token=None, cookie=None, origin=None, raw=None,
             headers=None, timeout=15):
        """-> (status, headers, parsed JSON or text).  headers is an
        http.client.HTTPMessage (case-insensitive .get(), .get_all())."""
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ssl,
                                           timeout=timeout)
        h = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            h.setdefault("Content-Type", "application/json")
        if token:
            h["Authorization"] = "Bearer " + token
        if cookie:
            h["Cookie"] = cookie
        if origin:
            h["Origin"] = origin
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            text = r.read().decode("utf-8", "replace")
        except (socket.timeout, TimeoutError):
            fail("HTTP %s %s: no complete response within %ds" % (method, path, timeout))
        except (ConnectionError, ssl.SSLError, http.client.HTTPException) as e:
            fail("HTTP %s %s: connection failed: %s: %s" % (method, path, type(e).__name__, e))
        finally:
            conn.close()
        parsed = text
        ct = r.getheader("Content-Type", "") or ""
        if "json" in ct or text[:1] in ("{", "["):
            try:
                parsed = json.loads(text)
            except ValueError:
                pass
        return r.status, r.msg, parsed

    async def ahttp(self, *a, **kw):
        return await asyncio.to_thread(self.http, *a, **kw)

    def login(self, username, password=None):
        password = PASSWORDS.get(username) if password is None else password
        st, _, b = self.http("POST", "/api/login", {"username": username, "password": password})
        check(st == 200 and isinstance(b, dict) and isinstance(b.get("token"), str),
              "login %s" % username, "200 {token,...}", (st, b))
        return b["token"]

    def enrol(self, code, device):
        """-> (token, user, device)."""
        st, _, b = self.http("POST", "/api/enrol", {"code": code, "device": device})
        check(st == 200 and isinstance(b, dict) and isinstance(b.get("token"), str),
              "enrol %s as %r" % (code, device), "200 {token,user,device}", (st, b))
        return b["token"], b.get("user"), b.get("device")

    def new_invite(self, member, by=None):
        by = by or PAIR_OF[FAMILY_OF[member]]
        st, _, b = self.http("POST", "/api/invites", {"member": self.ids[member]},
                             token=self.token(by))
        check(st == 201 and isinstance(b, dict) and isinstance(b.get("code"), str),
              "POST /api/invites for %s by %s" % (member, by), "201 {code,expires_at}", (st, b))
        return b["code"]

    def token(self, key, device="phone"):
        """A working token for user key (staff: login; member: enrol a device)."""
        k = (key, device if key in FAMILY_OF else None)
        if k not in self._tokens:
            if key in FAMILY_OF:
                if key not in self._invite_used:
                    code = self.invites[key]
                    self._invite_used.add(key)
                else:
                    code = self.new_invite(key)
                tok, _, dev = self.enrol(code, "%s %s" % (NAMES[key], device))
                self._tokens[k] = tok
                self._tokens[("device",) + k] = dev
            else:
                self._tokens[k] = self.login(key)
        return self._tokens[k]

    def device(self, key, device="phone"):
        self.token(key, device)
        return self._tokens[("device", key, device)]

    def forget_token(self, key, device="phone"):
        self._tokens.pop((key, device if key in FAMILY_OF else None), None)

    def user(self, key):
        return {"id": self.ids[key], "name": NAMES[key], "role": ROLE_OF[key]}

    # -- WebSocket

    @property
    def ws_uri(self):
        return "wss://127.0.0.1:%d/ws" % self.port

    async def ws_open(self, headers=None, origin=None, label="raw"):
        """A connection that is not yet authenticated (no frame sent)."""
        ws = await websockets.connect(self.ws_uri, ssl=self.ssl, subprotocols=[SUBPROTOCOL],
                                      extra_headers=headers or {}, origin=origin, max_size=None,
                                      max_queue=None, ping_interval=None, close_timeout=1,
                                      compression=None, open_timeout=10)
        c = Client(ws, label)
        self.clients.append(c)
        return c

    async def ws_connect(self, token, label="client", user_key=None):
        """Connect, authenticate by first frame, read the welcome."""
        try:
            c = await self.ws_open(label=label)
        except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as e:
            fail("%s: WebSocket upgrade to %s failed: %s: %s" % (label, self.ws_uri,
                                                                 type(e).__name__, e))
        c.user_key = user_key
        await c.send_frame({"type": "auth", "token": token})
        f = await c.recv_frame(5)
        check(f.get("type") == "welcome", "%s: first frame after auth is welcome" % label,
              "welcome", f)
        c.welcome = f
        return c

    async def client(self, key, device="phone", label=None):
        label = label or (key if device == "phone" else "%s/%s" % (key, device))
        return await self.ws_connect(self.token(key, device), label, key)

    async def close_clients(self):
        cs, self.clients = self.clients, []
        await asyncio.gather(*(c.close() for c in cs), return_exceptions=True)


def conv_of(welcome_or_me, conv_id):
    for c in welcome_or_me.get("conversations") or []:
        if isinstance(c, dict) and c.get("id") == conv_id:
            return c
    return None


# ---------------------------------------------------------------------------
# The runner

TIME_BUDGET = 52.0  # seconds for one file, well under CTest's and the brief's 60


class _Tally:
    """One script's PASS/FAIL/SKIP lines, its closing line and its exit status (run() and
    run_without_gateway() share them)."""

    def __init__(self):
        self.t0 = time.monotonic()
        self.passed = self.failed = self.skipped = 0

    def left(self):
        return TIME_BUDGET - (time.monotonic() - self.t0)

    def out_of_time(self, tname):
        if self.left() >= 2:
            return False
        print("FAIL %s: not run, time budget of %.0fs used up" % (tname, TIME_BUDGET))
        self.failed += 1
        return True

    def done(self, tname, ts):
        """The test returned: PASS, or SKIP when some of its checks were skipped."""
        if _skipped_checks:
            self.skipped += 1
            print("SKIP %s: %s (%.1fs)" % (tname, "; ".join(
                "%s: %s" % s for s in _skipped_checks), time.monotonic() - ts))
        else:
            self.passed += 1
            print("PASS %s (%.1fs)" % (tname, time.monotonic() - ts))

    def raised(self, tname, ts, e):
        """The test raised e (called in its except block)."""
        self.failed += 1
        if isinstance(e, asyncio.TimeoutError):
            print("FAIL %s: timed out after %.1fs" % (tname, time.monotonic() - ts))
        elif isinstance(e, Fail):
            print("FAIL %s: %s" % (tname, e))
        else:
            print("FAIL %s: %s: %s" % (tname, type(e).__name__, e))
            traceback.print_exc(limit=4)

    def close(self, name):
        print("%s took %.1fs" % (name, time.monotonic() - self.t0))
        print("%d passed, %d failed, %d skipped" % (self.passed, self.failed, self.skipped))
        sys.stdout.flush()

    def exit(self):
        if self.failed == 0 and self.passed == 0 and self.skipped > 0:
            sys.exit(EXIT_SKIPPED)
        sys.exit(0 if self.failed == 0 and self.passed > 0 else 1)


def run(tests, extra_args=(), per_test_timeout=40.0):
    tally = _Tally()
    w = World(extra_args)
    name = os.path.basename(sys.argv[0])
    print("%s: gateway %s" % (name, BIN))
    try:
        try:
            w.setup()
        except Exception as e:
            print("SETUP FAILED: %s" % e)
            if not isinstance(e, Fail):
                traceback.print_exc()
            tally.failed = len(tests)
            tests = []

        async def main():
            for t in tests:
                tname = t.__name__
                if tally.out_of_time(tname):
                    continue
                if not w.gw.running():
                    print("  (gateway was not running before %s; exit status %s; restarting)\n%s"
                          % (tname, w.gw.proc.returncode, w.gw.tail()))
                    try:
                        w.gw.start()
                    except Exception as e:
                        print("FAIL %s: %s" % (tname, e))
                        tally.failed += 1
                        continue
                ts = time.monotonic()
                del _skipped_checks[:]
                try:
                    try:
                        await asyncio.wait_for(t(w), min(per_test_timeout, tally.left()))
                    except Skip as e:
                        _skipped_checks.append(("the rest of it", str(e)))
                    if w.gw.proc.poll() is not None and not w.gw.expect_down:
                        fail("the gateway died during this test (exit status %s); stderr tail:\n%s"
                             % (w.gw.proc.returncode, w.gw.tail()))
                    tally.done(tname, ts)
                except Exception as e:  # noqa: BLE001 - every failure is reported, then the next test
                    tally.raised(tname, ts, e)
                finally:
                    await w.close_clients()

        if tests:
            asyncio.run(main())
        # A clean stop is part of every test: exit status 0 after SIGTERM (under
        # the sanitizers a leak or an error report makes it non-zero).
        if w.gw and w.gw.running():
            rc = w.gw.stop(15)
            if rc != 0:
                tally.failed += 1
                print("FAIL clean stop: gateway exit status after SIGTERM\n"
                      "      expected: 0\n      got:      %s\n%s" % (rc, w.gw.tail(40)))
    finally:
        if tally.failed and w.gw:
            print("gateway stderr (last lines):\n%s" % w.gw.tail(15))
        w.cleanup()
        tally.close(name)
    tally.exit()


def run_without_gateway(tests, setup, per_test_timeout=40.0):
    """run() for a script that needs no gateway (70-kannel-smoke: Kannel and the
    simulated SMSC).  setup() returns a context manager; what it enters to is handed
    to every test function (plain or async; an async one is cut off after
    per_test_timeout), and leaving it stops what it started, whatever happened.  A
    Skip from setup skips every test with its reason; the PASS/FAIL/SKIP lines, the
    closing line and the exit statuses are run()'s."""
    tally = _Tally()
    name = os.path.basename(sys.argv[0])
    cm = None
    try:
        try:
            cm = setup()
            ctx = cm.__enter__()
        except Skip as e:
            cm = None
            for t in tests:
                tally.skipped += 1
                print("SKIP %s: %s" % (t.__name__, e))
            tests = []
        except Exception as e:
            cm = None
            print("SETUP FAILED: %s" % e)
            if not isinstance(e, Fail):
                traceback.print_exc()
            tally.failed = len(tests)
            tests = []
        for t in tests:
            tname = t.__name__
            if tally.out_of_time(tname):
                continue
            ts = time.monotonic()
            del _skipped_checks[:]
            try:
                try:
                    r = t(ctx)
                    if asyncio.iscoroutine(r):
                        asyncio.run(asyncio.wait_for(r, min(per_test_timeout, tally.left())))
                except Skip as e:
                    _skipped_checks.append(("the rest of it", str(e)))
                tally.done(tname, ts)
            except Exception as e:  # noqa: BLE001 - every failure is reported, then the next test
                tally.raised(tname, ts, e)
    finally:
        if cm is not None:
            try:
                cm.__exit__(None, None, None)
            except Exception as e:
                tally.failed += 1
                print("FAIL stopping what setup started: %s: %s" % (type(e).__name__, e))
        tally.close(name)
    tally.exit()
