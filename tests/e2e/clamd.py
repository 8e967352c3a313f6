"""A private clamd (ClamAV's scanning daemon) for the tests of attachment scanning
(issue 14): every upload goes through clamd's INSTREAM before anyone may fetch it.

    with clamd.Clamd() as c:
        c.socket                      # its Unix socket, for the gateway's clamd flag
        c.scan(clamd.EICAR)           # -> "Indgang.Test.EICAR.UNOFFICIAL FOUND"
        c.scan(b"hello")              # -> "OK"
        c.restart()                   # stop, then start on the same socket and database

Clamd() writes a clamd.conf of its own into a temp folder, with the socket, the
signature database, the log, the pid file and clamd's temporary files all in that
folder, and no TCP socket.  Debian's packaged clamd (/etc/clamav, /var/run/clamav,
/var/lib/clamav) is neither used nor touched.  There is no freshclam here (no
network): the database is made with sigtool from the EICAR test file, both as an MD5
signature of the file (.hdb) and as a body signature (.ndb), so EICAR is found inside
a bigger file or a PDF too; the body signature matches first, so clamd names it
EICAR_SIGNATURE (clamd adds ".UNOFFICIAL" to signatures of an unsigned database).

start() waits until clamd answers PING with PONG; start_seconds says how long that
took (about 0.1 s with this database, against 10-20 s with ClamAV's real one).
clamd dies with the test process: PR_SET_PDEATHSIG (it is killed when the thread that
started it ends, so start it from the main thread), and an atexit hook stops every
clamd still running.  It runs in a process group of its own, so a Ctrl-C reaches the
test, which stops clamd with SIGTERM (clamd then removes its socket).
INDGANG_E2E_KEEP=1 keeps the temp folder (clamd.conf, clamd.log, clamd.out, db/).

Only the standard library: tests/unit/scan/run_with_clamd.py uses this module too,
without the e2e harness's websockets.  Inside the e2e harness a missing clamd is a
harness Skip and a clamd that will not start a harness Fail.
"""
import atexit
import ctypes
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

try:
    import harness as h
    Skip, Fail = h.Skip, h.Fail
except ImportError:  # no websockets (the unit tests' wrapper): the same names, standalone
    class Skip(Exception):
        """clamd cannot run here (not installed)."""

    class Fail(AssertionError):
        """clamd did not start or did not answer."""

CLAMD = "/usr/sbin/clamd"
SIGTOOL = "/usr/bin/sigtool"

# The standard 68-byte antivirus test file (eicar.org): harmless, found by every scanner.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Indgang.Test.EICAR"  # the .ndb body signature's name
EICAR_SIGNATURE = SIGNATURE + ".UNOFFICIAL"  # as clamd reports it: "stream: <this> FOUND"
CHUNK = 64 * 1024

_running = set()  # every started Clamd, for the atexit hook


def installed():
    return os.access(CLAMD, os.X_OK) and os.access(SIGTOOL, os.X_OK)


def _child_setup(parent):
    """In the child before exec: a process group of its own, and death with the parent."""
    os.setpgid(0, 0)
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass
    if os.getppid() != parent:  # the parent died before prctl: nobody would stop us
        os._exit(1)


def _exchange(path, request, timeout):
    """Sends request to the clamd at path and returns its NUL-terminated reply, decoded,
    without the NUL.  OSError when clamd is not there."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        try:
            s.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # clamd answered early (a size limit) and closed: its answer is waiting
        reply = b""
        while not reply.endswith(b"\0"):
            got = s.recv(4096)
            if not got:
                break
            reply += got
        return reply.rstrip(b"\0").decode("utf-8", "replace")


def ping(path, timeout=2.0):
    """True when the clamd at path answers PING with PONG."""
    try:
        return _exchange(path, b"zPING\0", timeout) == "PONG"
    except OSError:
        return False


def instream(path, data, timeout=30.0):
    """Scans data with the clamd at path -> its answer without "stream: ": "OK",
    "<signature> FOUND", or an error such as "INSTREAM size limit exceeded. ERROR"."""
    parts = [b"zINSTREAM\0"]
    for i in range(0, len(data), CHUNK):
        chunk = data[i:i + CHUNK]
        parts += [struct.pack(">I", len(chunk)), chunk]
    parts.append(struct.pack(">I", 0))
    reply = _exchange(path, b"".join(parts), timeout)
    return reply[len("stream: "):] if reply.startswith("stream: ") else reply


class Clamd:
    """One clamd with a clamd.conf and a signature database of its own, in a temp folder."""

    def __init__(self, stream_max="25M", max_threads=4):
        if not installed():
            raise Skip("ClamAV is not installed (%s, %s; gateway/install-deps.sh installs "
                       "clamav-daemon and clamav)" % (CLAMD, SIGTOOL))
        self.stream_max = stream_max  # clamd's StreamMaxLength: a longer INSTREAM is refused
        self.max_threads = max_threads
        self.tmp = tempfile.mkdtemp(prefix="indgang-clamd-")
        self.socket = os.path.join(self.tmp, "clamd.sock")
        self.conf = os.path.join(self.tmp, "clamd.conf")
        self.db = os.path.join(self.tmp, "db")
        self.proc = None
        self.start_seconds = None  # how long the last start() waited for PONG
        os.mkdir(self.db)
        os.mkdir(os.path.join(self.tmp, "tmp"))
        self._make_database()
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(self.config_text())

    # -- lifecycle

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def start(self, timeout=30.0):
        """Starts clamd and waits until it answers PING; Fail, with its log, when it
        exits or does not answer within timeout."""
        if self.running():
            return
        out = open(os.path.join(self.tmp, "clamd.out"), "ab")
        t0 = time.monotonic()
        parent = os.getpid()
        self.proc = subprocess.Popen([CLAMD, "--config-file=" + self.conf],
                                     stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, cwd=self.tmp,
                                     preexec_fn=lambda: _child_setup(parent))
        out.close()
        _running.add(self)
        while not ping(self.socket, timeout=1.0):
            if self.proc.poll() is not None:
                rc = self.proc.returncode
                self.proc = None
                _running.discard(self)
                raise Fail("clamd exited (status %s) before answering PING:\n%s"
                           % (rc, self.tail()))
            if time.monotonic() - t0 > timeout:
                self.stop()
                raise Fail("clamd did not answer PING within %.0f s:\n%s"
                           % (timeout, self.tail()))
            time.sleep(0.02)
        self.start_seconds = time.monotonic() - t0

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10.0):
        """SIGTERM (clamd removes its socket), SIGKILL after timeout; -> exit status."""
        if self.proc is None:
            return None
        p, self.proc = self.proc, None
        _running.discard(self)
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        return p.returncode

    def restart(self, timeout=30.0):
        self.stop()
        self.start(timeout)

    def close(self):
        """Stops clamd and removes the temp folder (unless INDGANG_E2E_KEEP)."""
        self.stop()
        if os.environ.get("INDGANG_E2E_KEEP"):
            print("kept %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- talking to it

    def ping(self, timeout=2.0):
        return ping(self.socket, timeout)

    def scan(self, data, timeout=30.0):
        """INSTREAM data -> "OK", "<signature> FOUND" or clamd's "... ERROR"."""
        return instream(self.socket, data, timeout)

    # -- set-up

    def _make_database(self):
        """The EICAR file's MD5 signature (sigtool --md5) and a body signature of its
        bytes (sigtool --hex-dump), which clamd finds at any offset of any file."""
        eicar = os.path.join(self.tmp, "eicar.com")
        with open(eicar, "wb") as f:
            f.write(EICAR)
        md5 = self._sigtool(["--md5", eicar]).strip()  # "<md5>:68:<path>"
        digest, size, _ = md5.split(":", 2)
        hexbytes = self._sigtool(["--hex-dump"], stdin=EICAR).strip()
        with open(os.path.join(self.db, "indgang-test.hdb"), "w") as f:
            f.write("%s:%s:%s.File\n" % (digest, size, SIGNATURE))
        with open(os.path.join(self.db, "indgang-test.ndb"), "w") as f:
            f.write("%s:0:*:%s\n" % (SIGNATURE, hexbytes))  # name:any file type:any offset:hex

    def _sigtool(self, args, stdin=None):
        r = subprocess.run([SIGTOOL] + args, input=stdin, capture_output=True, timeout=30,
                           cwd=self.tmp)
        if r.returncode != 0:
            raise Fail("sigtool %s failed (status %d): %s"
                       % (" ".join(args), r.returncode, r.stderr.decode("utf-8", "replace")))
        return r.stdout.decode("ascii")

    def config_text(self):
        p = lambda *a: os.path.join(self.tmp, *a)  # noqa: E731
        return "\n".join([
            "# clamd.conf written by tests/e2e/clamd.py for one test run: everything in",
            "# this folder, a Unix socket only, the test signature database only.",
            "LocalSocket %s" % self.socket,
            "LocalSocketMode 600",
            "# a clamd killed with SIGKILL leaves its socket: the next start takes it over",
            "FixStaleSocket yes",
            "DatabaseDirectory %s" % self.db,
            "TemporaryDirectory %s" % p("tmp"),
            "PidFile %s" % p("clamd.pid"),
            "LogFile %s" % p("clamd.log"),
            "LogTime yes",
            "# every scan in the log, clean ones too: what a failing test wants to see",
            "LogClean yes",
            "# in the foreground: this module is its parent, stops it and sees it die",
            "Foreground yes",
            "StreamMaxLength %s" % self.stream_max,
            "MaxThreads %d" % self.max_threads,
            "ExitOnOOM yes",
            "# no bytecode database here (no freshclam)",
            "Bytecode no",
            "",
        ])

    # -- diagnosis

    def tail(self, n=25):
        """The last lines of clamd's console output and log file."""
        out = []
        for name in ("clamd.out", "clamd.log"):
            try:
                with open(os.path.join(self.tmp, name), encoding="utf-8",
                          errors="replace") as fh:
                    lines = fh.read().splitlines()[-n:]
            except OSError:
                continue
            out.append("    %s:\n%s" % (name, "\n".join("      | " + l for l in lines)))
        return "\n".join(out) or "    (no output from clamd)"


@atexit.register
def _stop_all():
    for c in list(_running):
        c.close()


if __name__ == "__main__":
    # A quick look by hand: start one, scan the test file, print how long it took.
    with Clamd() as c:
        print("clamd answered PING after %.3f s; socket %s" % (c.start_seconds, c.socket))
        print("EICAR: %s" % c.scan(EICAR))
        print("clean: %s" % c.scan(b"hello"))
