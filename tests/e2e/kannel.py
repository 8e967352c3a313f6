"""The real Kannel (Debian's bearerbox and smsbox) between the tests and the simulated
operator SMSC of tests/smsc (Node, the smpp package), for the SMS tests of issue 13.

    with kannel.Kannel(mo_url="http://127.0.0.1:PORT/sms") as k:
        k.smsc.send("+4512345678", "1919", "Hej")        # a phone sends an SMS
        k.sendsms("+4512345678", "Hej tilbage", dlr_url=...)  # smsbox's HTTP interface
        k.smsc.wait_received(lambda m: m["to"] == "+4512345678")  # what the phone got

Kannel() starts the simulator on free loopback ports, writes a kannel.conf of its own
into a temp folder (every port on 127.0.0.1, random passwords, the logs beside it), starts
bearerbox, then smsbox, and waits until the SMSC link is bound ("online" on bearerbox's
status page) and smsbox's sendsms port answers.  Leaving the `with` stops smsbox and
bearerbox (SIGTERM, then SIGKILL) and the simulator, whatever happened; they also die
with the test process (PR_SET_PDEATHSIG, and the simulator's stdin closes).  Debian's
packaged kannel service (/etc/kannel/kannel.conf, ports 13000 and 13002) is neither used
nor touched: nothing here binds a fixed port.

The SMS-service passes what arrives to mo_url as GET parameters: from (%p), to (%P),
text (%b, the message as it came, in charset %C: UTF-8, for UCS-2 too since smsbox
recodes it with mo-recode), coding (%c), charset (%C), id (%I, Kannel's message id),
smsc (%i), time (%T), udh (%u).  mo_params() reads them back, text decoded.
INDGANG_E2E_KEEP=1 keeps the temp folder (kannel.conf, bearerbox.log, smsbox.log, ...).
"""
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import harness as h

BEARERBOX = "/usr/sbin/bearerbox"
SMSBOX = "/usr/sbin/smsbox"
SMSC_DIR = os.path.join(h.SRC, "tests", "smsc")
SHORT_NUMBER = "1919"  # the service's number: phones send to it, it is the sender of replies
SMSC_ID = "sim"

# The MO parameters Kannel's get-url passes (sms-service escape codes).
MO_PARAMS = "from=%p&to=%P&text=%b&coding=%c&charset=%C&id=%I&smsc=%i&time=%T&udh=%u"
# For a dlr-url: the DLR type (%d: 1 delivered, 2 failed, 4 buffered, 8 accepted by
# the SMSC, 16 refused by it), the SMSC's answer (%A), its message id (%F), the phone
# (%p) and the time (%T).
DLR_PARAMS = "type=%d&answer=%A&smsc_id=%F&phone=%p&time=%T"


def secret_file(w):
    """A fresh sms_secret_file in world w's folder -> (its path, the secret)."""
    secret = "sms-secret-" + secrets.token_hex(12)
    path = os.path.join(w.tmp, "sms-secret")
    with open(path, "w") as f:
        f.write(secret + "\n")
    return path, secret


def set_member_sms(w, member, by="anna", **settings):
    """PUT /api/members/{id}/sms for w's member (a key of w.ids) as `by`, required to
    succeed; and the member's family without quiet hours (by default 21:00-07:00 Danish
    time, when an SMS to the family waits for the morning: a test run in the evening
    would see none go)."""
    st, _, body = w.http("PUT", "/api/members/%d/sms" % w.ids[member], settings,
                         token=w.token(by))
    h.eq(st, 200, "%s's SMS settings %s" % (member, settings))
    fam = w.fam[h.FAMILY_OF[member]]
    st, _, _ = w.http("PUT", "/api/families/%d/quiet-hours" % fam, {"from": "00:00", "to": "00:00"},
                      token=w.token(h.PAIR_OF[h.FAMILY_OF[member]]))
    h.eq(st, 200, "family %d without quiet hours" % fam)
    return body


def installed():
    return os.access(BEARERBOX, os.X_OK) and os.access(SMSBOX, os.X_OK)


def _get(url, timeout=5):
    """-> (status, body text); status 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, OSError):
        return 0, ""


def mo_params(query):
    """The parameters of one get-url request (its query string) as a dict, with "text"
    decoded by its charset (Kannel's %b is the message's bytes, URL-encoded)."""
    raw = urllib.parse.parse_qs(query, keep_blank_values=True, encoding="latin-1")
    p = {k: v[0] for k, v in raw.items()}
    charset = p.get("charset") or "UTF-8"
    if "text" in p:
        p["text"] = p["text"].encode("latin-1").decode(charset)
    for k in p:
        if k != "text":
            p[k] = p[k].encode("latin-1").decode("utf-8", "replace")
    return p


class SMSC:
    """The simulated operator SMSC (tests/smsc/server.mjs) and its phones."""

    def __init__(self, tmp, system_id, password):
        node = shutil.which("node")
        if node is None or not os.path.isdir(os.path.join(SMSC_DIR, "node_modules", "smpp")):
            raise h.Fail("the SMSC simulator needs node and tests/smsc's npm packages "
                         "(gateway/install-deps.sh; cd tests/smsc && npm ci)")
        self.log = open(os.path.join(tmp, "smsc.log"), "wb")
        self.proc = subprocess.Popen(
            [node, os.path.join(SMSC_DIR, "server.mjs"), "--system-id", system_id,
             "--password", password],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
            preexec_fn=h._pdeathsig)
        line = self.proc.stdout.readline()
        try:
            ports = json.loads(line)
            self.smpp_port, self.control_port = ports["smpp_port"], ports["control_port"]
        except (ValueError, KeyError, TypeError):
            self.stop()
            raise h.Fail("the SMSC simulator did not start: %r (smsc.log: %s)"
                         % (line, self._log_tail()))
        self.base = "http://127.0.0.1:%d" % self.control_port

    def _log_tail(self):
        self.log.flush()
        with open(self.log.name, "rb") as f:
            return f.read()[-800:].decode("utf-8", "replace")

    def _call(self, method, path, body=None, timeout=20):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            return {"http_status": e.code, **json.loads(e.read() or b"{}")}

    def send(self, sender, receiver, text):
        """A phone sends an SMS -> {parts, data_coding, statuses} (one deliver_sm_resp
        status per part, 0 when Kannel took it)."""
        return self._call("POST", "/control/send", {"from": sender, "to": receiver, "text": text})

    def received(self):
        """What the phones received: [{message_ids, from, to, text, data_coding, parts,
        registered_delivery, ...}], one entry per complete message."""
        return self._call("GET", "/control/received")

    def status(self):
        return self._call("GET", "/control/status")

    def config(self, **kw):
        """fail_next, fail_status, throttle_per_s, dlr_delay_ms, dlr_stat."""
        return self._call("POST", "/control/config", kw)

    def wait_received(self, pred=lambda m: True, n=1, timeout=15.0, what="messages to the phones"):
        """The first n messages the phones received that pass pred, waiting up to timeout."""
        end = time.monotonic() + timeout
        while True:
            got = self.received()
            mine = [m for m in got if pred(m)]
            if len(mine) >= n:
                return mine
            if time.monotonic() > end:
                h.fail("%s: %d within %.0fs" % (what, n, timeout), n, got)
            time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Kannel:
    """bearerbox + smsbox with a kannel.conf of their own, bound to a simulated SMSC."""

    def __init__(self, mo_url, log_level=0, throughput=0, access_log=True):
        if not installed():
            raise h.Skip("Kannel is not installed (%s, %s; gateway/install-deps.sh installs "
                         "the kannel package)" % (BEARERBOX, SMSBOX))
        self.mo_url = mo_url
        self.log_level = log_level
        self.throughput = throughput  # the smsc group's: what the operator's contract allows
        self.access_log = access_log  # production has none: it holds every message's text
        self.tmp = tempfile.mkdtemp(prefix="indgang-kannel-")
        self.admin_password = secrets.token_hex(12)
        self.sendsms_user = "indgang"
        self.sendsms_password = secrets.token_hex(12)
        self.system_id = "indgang"  # SMPP system_id: at most 15 characters
        self.smpp_password = secrets.token_hex(4)  # SMPP passwords: at most 8 characters
        self.smsc = None
        self.procs = []  # (name, Popen), in start order

    # -- lifecycle

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self, timeout=20.0):
        self.smsc = SMSC(self.tmp, self.system_id, self.smpp_password)
        self.admin_port, self.box_port, self.sendsms_port = (h.free_port() for _ in range(3))
        self.conf = os.path.join(self.tmp, "kannel.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(self.config_text())
        self._spawn("bearerbox", BEARERBOX)
        end = time.monotonic() + timeout
        self._wait(end, "bearerbox's admin port answering",
                   lambda: _get(self.admin_url("status.txt"))[0] == 200, "bearerbox")
        self._spawn("smsbox", SMSBOX)
        self._wait(end, "the SMSC link bound (\"online\" on bearerbox's status page)",
                   self.smsc_online, "bearerbox")
        self._wait(end, "smsbox's sendsms port answering",
                   lambda: _get("http://127.0.0.1:%d/" % self.sendsms_port)[0] != 0, "smsbox")

    def config_text(self):
        q = lambda v: '"%s"' % v  # noqa: E731  (values here never hold a quote)
        mo = self.mo_url + ("&" if "?" in self.mo_url else "?") + MO_PARAMS
        log = lambda name: q(os.path.join(self.tmp, name))  # noqa: E731
        return "\n".join([
            "# kannel.conf written by tests/e2e/kannel.py for one test run, on 127.0.0.1 only.",
            "# docs/kannel.md has the one an operator points at a real aggregator.",
            "",
            "group = core",
            "admin-port = %d" % self.admin_port,
            "admin-interface = 127.0.0.1",
            "admin-password = %s" % q(self.admin_password),
            'admin-deny-ip = "*.*.*.*"',
            'admin-allow-ip = "127.0.0.1"',
            "smsbox-port = %d" % self.box_port,
            "smsbox-interface = 127.0.0.1",
            'box-deny-ip = "*.*.*.*"',
            'box-allow-ip = "127.0.0.1"',
            "log-file = %s" % log("bearerbox.log"),
            "log-level = %d" % self.log_level,
            *(["access-log = %s" % log("bearerbox-access.log")] if self.access_log else []),
            "dlr-storage = internal",
            "# long texts from phones reach smsbox whole",
            "sms-combine-concatenated-mo = true",
            "# an SMS the SMSC refused for now (throttled) is tried again after 2 s, not 60",
            "sms-resend-freq = 2",
            "",
            "group = smsc",
            "smsc = smpp",
            "smsc-id = %s" % SMSC_ID,
            "host = 127.0.0.1",
            "port = %d" % self.smsc.smpp_port,
            "transceiver-mode = true",
            "smsc-username = %s" % q(self.system_id),
            "smsc-password = %s" % q(self.smpp_password),
            "# this bearerbox refuses an SMPP link without one; VMA is SMPP's usual default",
            'system-type = "VMA"',
            "# a refused or lost bind is tried again soon: tests wait seconds, not minutes",
            "reconnect-delay = 1",
            *(["throughput = %d" % self.throughput] if self.throughput else []),
            "log-file = %s" % log("smsc-sim.log"),
            "log-level = %d" % self.log_level,
            "",
            "group = smsbox",
            "bearerbox-host = 127.0.0.1",
            "bearerbox-port = %d" % self.box_port,
            "sendsms-port = %d" % self.sendsms_port,
            "sendsms-interface = 127.0.0.1",
            "global-sender = %s" % SHORT_NUMBER,
            "# UCS-2 texts from phones reach the service in UTF-8, as GSM ones do",
            "mo-recode = true",
            "# a get-url or dlr-url the gateway did not answer (it was restarting) is tried again",
            "http-request-retry = 30",
            "http-queue-delay = 1",
            "log-file = %s" % log("smsbox.log"),
            "log-level = %d" % self.log_level,
            *(["access-log = %s" % log("smsbox-access.log")] if self.access_log else []),
            "",
            "group = sendsms-user",
            "username = %s" % q(self.sendsms_user),
            "password = %s" % q(self.sendsms_password),
            'user-deny-ip = "*.*.*.*"',
            'user-allow-ip = "127.0.0.1"',
            "max-messages = 10",
            "concatenation = true",
            "",
            "group = sms-service",
            "keyword = default",
            "catch-all = true",
            "get-url = %s" % q(mo),
            "# the service's answer is not sent back as an SMS (replies go through sendsms)",
            "max-messages = 0",
            "",
        ])

    def pause(self):
        """Stops smsbox and bearerbox (an outage); the simulator and the ports stay."""
        self._stop_boxes()

    def resume(self, timeout=20.0):
        """Starts them again with the same kannel.conf, and waits until they serve."""
        self._spawn("bearerbox", BEARERBOX)
        end = time.monotonic() + timeout
        self._wait(end, "bearerbox's admin port answering",
                   lambda: _get(self.admin_url("status.txt"))[0] == 200, "bearerbox")
        self._spawn("smsbox", SMSBOX)
        self._wait(end, "the SMSC link bound", self.smsc_online, "bearerbox")
        self._wait(end, "smsbox's sendsms port answering",
                   lambda: _get("http://127.0.0.1:%d/" % self.sendsms_port)[0] != 0, "smsbox")

    def _spawn(self, name, binary):
        out = open(os.path.join(self.tmp, name + ".out"), "ab")
        # -v 1: info and up on the console (kept in NAME.out); the log-file has log-level.
        p = subprocess.Popen([binary, "-v", "1", self.conf], stdin=subprocess.DEVNULL,
                             stdout=out, stderr=subprocess.STDOUT, cwd=self.tmp,
                             preexec_fn=h._pdeathsig)
        out.close()
        self.procs.append((name, p))

    def _wait(self, end, what, ready, box):
        while not ready():
            for name, p in self.procs:
                if p.poll() is not None:
                    raise h.Fail("%s exited (status %s) before %s:\n%s"
                                 % (name, p.returncode, what, self.tail(name)))
            if time.monotonic() > end:
                raise h.Fail("no %s in time:\n%s" % (what, self.tail(box)))
            time.sleep(0.1)

    def _stop_boxes(self):
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs = []

    def stop(self):
        """smsbox, then bearerbox (SIGTERM, SIGKILL after 10 s), then the simulator."""
        self._stop_boxes()
        if self.smsc:
            self.smsc.stop()
            self.smsc = None
        if os.environ.get("INDGANG_E2E_KEEP"):
            print("kept %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- bearerbox's admin interface

    def admin_url(self, page, **params):
        params["password"] = self.admin_password
        return "http://127.0.0.1:%d/%s?%s" % (self.admin_port, page,
                                              urllib.parse.urlencode(params))

    def status(self):
        """bearerbox's status page, as text."""
        return _get(self.admin_url("status.txt"))[1]

    def smsc_online(self):
        """Is the simulator's link bound?  bearerbox's status lists each SMSC as
        '<smsc-id>[<admin-id>] SMPP:...:<system-id>/... (online Ns, ...)'."""
        return re.search(r"^\s*%s\b.*\(online " % re.escape(SMSC_ID), self.status(),
                         re.M) is not None

    # -- smsbox's HTTP interface

    def sendsms(self, to, text, dlr_url=None, dlr_mask=None, **extra):
        """GET /cgi-bin/sendsms -> (HTTP status, body).  extra: other CGI variables
        (coding, charset, from, ...)."""
        params = dict(username=self.sendsms_user, password=self.sendsms_password, to=to,
                      text=text, **extra)
        if dlr_url is not None:
            params["dlr-url"] = dlr_url
            params["dlr-mask"] = 31 if dlr_mask is None else dlr_mask
        return _get("http://127.0.0.1:%d/cgi-bin/sendsms?%s"
                    % (self.sendsms_port, urllib.parse.urlencode(params)), timeout=15)

    def attach(self, w, secret_file, *extra):
        """Restarts world w's gateway with SMS in and out through this Kannel (and extra
        flags)."""
        w.gw.extra += self.gateway_args(secret_file) + list(extra)
        w.gw.restart()

    def gateway_args(self, secret_file):
        """The gateway's flags for SMS out through this Kannel: its sendsms and
        sendsms-user (the password in a file beside kannel.conf), and the secret the
        delivery reports carry (secret_file, which sms_secret_file names too)."""
        pw = os.path.join(self.tmp, "sendsms-password")
        with open(pw, "w") as f:
            f.write(self.sendsms_password + "\n")
        return ["--sms-secret-file", secret_file,
                "--kannel-sendsms-url", "http://127.0.0.1:%d/cgi-bin/sendsms" % self.sendsms_port,
                "--kannel-username", self.sendsms_user, "--kannel-password-file", pw]

    # -- diagnosis

    def tail(self, name, n=25):
        """The last lines of a box's console output and log file."""
        out = []
        for f in (name + ".out", name + ".log"):
            try:
                with open(os.path.join(self.tmp, f), encoding="utf-8", errors="replace") as fh:
                    lines = fh.read().splitlines()[-n:]
            except OSError:
                continue
            out.append("    %s:\n%s" % (f, "\n".join("      | " + l for l in lines)))
        return "\n".join(out) or "    (no output from %s)" % name


def serve(secret_file, mo_url):
    """For tests in another language (tests/browser/lib/kannel.mjs): starts Kannel and
    the simulator, prints one JSON line {"args": the gateway's flags for SMS out,
    "smsc": the simulator's control URL}, and stops them when stdin closes."""
    import sys
    with Kannel(mo_url=mo_url) as k:
        print(json.dumps({"args": k.gateway_args(secret_file), "smsc": k.smsc.base}), flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 3:
        sys.exit("usage: kannel.py SECRET_FILE MO_URL")
    serve(sys.argv[1], sys.argv[2])
