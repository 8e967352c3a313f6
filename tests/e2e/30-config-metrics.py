"""30 config, logs, metrics: indgang.conf is read and checked line by line (flags win),
every log line is one logfmt event with no body, token, password or invite code in it, and
GET /metrics answers in Prometheus text format to allowed addresses or an admin's token."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SECRET_BODY = "HEMMELIG-BESKED-30-"  # never to be seen in a log
LOGFMT = re.compile(r'^ts=\S+ level=(error|warning|info|debug) event=[a-z_]+( [a-z_]+=("([^"\\]|\\.)*"|\S+))*$')
# The gateway under test runs with metrics_allow set elsewhere: 127.0.0.1 needs a token.
EXTRA = ("--metrics-allow", "10.0.0.0/8", "--log-level", "debug")

REQUIRED = [
    "indgang_connections", "indgang_messages_received_total", "indgang_messages_stored_total",
    "indgang_messages_acked_total", "indgang_messages_delivered_total",
    "indgang_commit_duration_seconds_bucket", "indgang_commit_duration_seconds_count",
    "indgang_commit_batch_jobs_bucket", "indgang_write_queue_jobs", "indgang_http_queue_requests",
    "indgang_outbox_frames", "indgang_rate_limited_total", "indgang_auth_failures_total",
    "indgang_errors_total", "indgang_database_bytes", "indgang_uptime_seconds",
    "indgang_build_info", "indgang_tls_certificate_not_after_seconds",
]


def parse_metrics(text):
    """{'name{labels}': value} from Prometheus text; checks the format as it goes."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            h.check(not line or line.startswith("# HELP ") or line.startswith("# TYPE "),
                    "metrics: comment lines are HELP or TYPE", "# HELP/# TYPE", line)
            continue
        m = re.match(r'^([a-z_:][a-z0-9_:]*)(\{[^}]*\})? (\S+)$', line)
        h.check(m is not None, "metrics: sample line format", "name{labels} value", line)
        out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def value(ms, name, **labels):
    key = name + ("{" + ",".join('%s="%s"' % kv for kv in labels.items()) + "}" if labels else "")
    h.check(key in ms, "metric %s present" % key, key, sorted(k for k in ms if k.startswith(name)))
    return ms[key]


def scrape(port, ssl, token=None):
    import http.client
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ssl, timeout=10)
    c.request("GET", "/metrics", headers={"Authorization": "Bearer " + token} if token else {})
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    return r.status, r.getheader("Content-Type"), body


def second_gateway(w, conf_text, extra=()):
    """Another gateway on the same database, configured by a file (and flags)."""
    conf = os.path.join(w.tmp, "indgang-%d.conf" % h.free_port())
    with open(conf, "w") as f:
        f.write(conf_text)
    g = h.Gateway(w.tmp, w.db, os.path.join(w.tmp, "server.pem"),
                  os.path.join(w.tmp, "server-key.pem"), h.free_port(),
                  ["--config", conf] + list(extra))
    g.start()
    return g


def run_bad(conf_text, *flags):
    d = os.path.join(os.environ.get("TMPDIR", "/tmp"), "indgang-30-%d" % os.getpid())
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "bad.conf")
    with open(conf, "w") as f:
        f.write(conf_text)
    return subprocess.run([h.BIN, "--config", conf] + list(flags), capture_output=True,
                          text=True, timeout=20), conf


async def test_metrics_need_admin_token(w):
    st, _, body = scrape(w.port, w.ssl)
    h.eq(st, 401, "GET /metrics from an address outside metrics_allow, without a token")
    st, _, _ = scrape(w.port, w.ssl, w.token("anna"))
    h.eq(st, 403, "GET /metrics with an adviser's token")
    st, ctype, body = scrape(w.port, w.ssl, w.token("admin"))
    h.eq(st, 200, "GET /metrics with an admin's token")
    h.eq(ctype, "text/plain; version=0.0.4; charset=utf-8", "/metrics Content-Type")
    ms = parse_metrics(body)
    for name in REQUIRED:
        h.check(any(k == name or k.startswith(name + "{") for k in ms), "metric %s present" % name,
                name, sorted(ms)[:80])


async def test_metrics_count_traffic(w):
    admin = w.token("admin")
    before = parse_metrics(scrape(w.port, w.ssl, admin)[2])
    mette = await w.client("mette")
    anna = await w.client("anna")
    for i in range(5):
        await mette.send_msg(w.conv["A"], SECRET_BODY + str(i))
    await anna.recv_until("message", pred=lambda f: f["message"]["body"] == SECRET_BODY + "4")
    await mette.request({"type": "send", "conv": 999999, "client_id": h.uid(), "body": "x"})
    w.http("POST", "/api/login", {"username": "anna", "password": "wrong-password-30"})
    after = parse_metrics(scrape(w.port, w.ssl, admin)[2])

    def grew(name, by, **labels):
        d = value(after, name, **labels) - (value(before, name, **labels) if labels or name in before else 0)
        h.check(d >= by, "%s%s grew by at least %d" % (name, labels or "", by), ">= %d" % by, d)

    grew("indgang_messages_received_total", 5)
    grew("indgang_messages_stored_total", 5)
    grew("indgang_messages_acked_total", 5)
    grew("indgang_messages_delivered_total", 5)
    grew("indgang_commits_total", 1)
    grew("indgang_commit_duration_seconds_count", 1)
    grew("indgang_auth_failures_total", 1, kind="login")
    grew("indgang_errors_total", 1, transport="http", code="unauthorized")
    grew("indgang_errors_total", 1, transport="ws", code="not_found")
    h.check(value(after, "indgang_connections", role="family") >= 1, "a family connection counted",
            ">= 1", after.get('indgang_connections{role="family"}'))
    h.check(value(after, "indgang_connections", role="adviser") >= 1,
            "an adviser connection counted", ">= 1", after.get('indgang_connections{role="adviser"}'))
    h.check(value(after, "indgang_database_bytes", file="db") > 0, "database size", "> 0",
            after.get('indgang_database_bytes{file="db"}'))
    h.check(value(after, "indgang_tls_certificate_not_after_seconds") > 1.7e9,
            "certificate expiry exported", "a Unix time", None)
    await mette.close()
    await anna.close()


async def test_config_file_and_flags(w):
    # The file opens /metrics to this host and sets other values; the flags keep --db etc.
    g = second_gateway(w, "# a comment\n\nmetrics_allow = 10.1.2.3 127.0.0.0/8\n"
                          "log_level = info\nws_rate = 50\nhttp_workers = 3\n"
                          "allow_origin = https://a.example:8443 https://b.example\n")
    try:
        st, _, body = scrape(g.port, w.ssl)
        h.eq(st, 200, "GET /metrics from 127.0.0.1 allowed by metrics_allow in the config file")
        h.check("indgang_build_info{" in body, "the build info is there", "build_info", body[:200])
    finally:
        h.eq(g.stop(10), 0, "second gateway stops cleanly")
    # A flag replaces the file's list.
    g = second_gateway(w, "metrics_allow = 127.0.0.1\n", ["--metrics-allow", "10.0.0.1"])
    try:
        h.eq(scrape(g.port, w.ssl)[0], 401, "--metrics-allow replaces the file's metrics_allow")
    finally:
        g.stop(10)


async def test_bad_config_names_the_line(w):
    cases = [
        ("db = /tmp/x.db\nno_such_key = 1\n", ":2: unknown setting \"no_such_key\""),
        ("# ok\nws_rate = fast\n", ":2: ws_rate wants a number"),
        ("http_workers = 0\n", ":1: http_workers must be between 1 and 64"),
        ("listen = 127.0.0.1\n", ":1: listen wants ADDRESS:PORT"),
        ("listen = somewhere:80\n", ":1: listen: \"somewhere\" is not an IPv4 address"),
        ("log_level = chatty\n", ":1: log_level: \"chatty\" is not one of"),
        ("db = /a\ndb = /b\n", ":2: db is set twice (first on line 1)"),
        ("metrics_allow = 10.0.0.0/33\n", ":1: metrics_allow wants IPv4 addresses"),
        ("allow_origin = https://x.example/path\n", ":1: allow_origin wants https://host"),
        ("just words\n", ":1: expected \"key = value\""),
    ]
    for text, want in cases:
        r, conf = run_bad(text, "--cert", "c.pem", "--key", "k.pem")
        h.eq(r.returncode, 2, "exit status for a bad config (%r)" % text)
        h.check((conf + want) in r.stderr, "the error names file and line", conf + want,
                r.stderr.strip())
    r, _ = run_bad("db = /tmp/none.db\n", "--ws-rate", "-1", "--cert", "c", "--key", "k")
    h.eq(r.returncode, 2, "a bad flag value stops the start")
    h.check("--ws-rate" in r.stderr, "the error names the flag", "--ws-rate", r.stderr)
    r, conf = run_bad("db = /tmp/none.db\ncert = /tmp/c.pem\nkey = /tmp/k.pem\n", "--check-config")
    h.eq(r.returncode, 0, "--check-config of a good file (%s)" % r.stderr)
    h.check("configuration OK" in r.stdout, "--check-config says OK", "configuration OK", r.stdout)


async def test_log_lines(w):
    # Traffic of every kind, with things that must never be logged.
    tok = w.token("carl")
    code = w.new_invite("jonas")
    jt, _, _ = w.enrol(code, "Jonas' telefon")
    jonas = await w.ws_connect(jt, "jonas", "jonas")
    await jonas.send_msg(w.conv["A"], SECRET_BODY + "jonas")
    w.http("GET", "/api/me", token=tok)
    w.http("POST", "/api/enrol", {"code": "ZZZZZ-ZZZZZ", "device": "x"})
    bad = await w.ws_open(label="bad-auth")
    await bad.send_frame({"type": "auth", "token": "not-a-token-but-secret-30"})
    await bad.wait_close(5)
    await jonas.close()
    lines = [l for l in w.gw.lines if l.strip()]
    h.check(any(" event=listening " in l and "listening on 127.0.0.1:%d" % w.port in l
                for l in lines), "a 'listening' event names the address", "event=listening",
            lines[:5])
    h.check(any(" event=http " in l and "path=/api/me" in l and "status=200" in l for l in lines),
            "at log_level debug each HTTP request is one line", "event=http path=/api/me", lines[-10:])
    for l in lines:
        h.check(LOGFMT.match(l) is not None, "every log line is one logfmt event",
                "ts=... level=... event=... key=value...", l)
    secrets = [SECRET_BODY, tok, jt, code, "not-a-token-but-secret-30", "ZZZZZ-ZZZZZ"]
    secrets += list(h.PASSWORDS.values()) + [w.token(k) for k in ("anna", "admin", "mette")]
    for s in secrets:
        for l in lines:
            h.check(s not in l, "no body, token, password or invite code in the log", "absent",
                    l)


async def test_journal_and_notify(w):
    """Under systemd: syslog priorities instead of timestamps, and sd_notify states."""
    import signal
    import socket
    rfd, wfd = os.pipe()
    st = os.fstat(wfd)
    sock_path = os.path.join(w.tmp, "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(sock_path)
    notify.settimeout(10)
    env = dict(os.environ, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino), NOTIFY_SOCKET=sock_path)
    p = subprocess.Popen([h.BIN, "--db", w.db, "--listen", "127.0.0.1:%d" % h.free_port(),
                          "--cert", w.gw.cert, "--key", w.gw.key], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=wfd, env=env)
    os.close(wfd)
    try:
        h.eq(notify.recv(100), b"READY=1", "sd_notify READY=1 once it serves")
        p.send_signal(signal.SIGHUP)
        h.eq([notify.recv(100), notify.recv(100)], [b"RELOADING=1", b"READY=1"],
             "sd_notify around a reload")
        p.send_signal(signal.SIGTERM)
        h.eq(notify.recv(100), b"STOPPING=1", "sd_notify STOPPING=1 on SIGTERM")
        h.eq(p.wait(10), 0, "exit status")
    finally:
        if p.poll() is None:
            p.kill()
        notify.close()
    with os.fdopen(rfd) as f:
        lines = f.read().splitlines()
    h.check(lines and all(re.match(r"^<[3-7]>level=\w+ event=\w+", l) for l in lines),
            "journal lines start with the syslog priority and carry no timestamp",
            "<6>level=info event=...", lines[:4])
    h.check(any(l.startswith("<6>level=info event=listening ") for l in lines),
            "info is priority 6", "<6>level=info event=listening", lines[:4])


h.run([test_journal_and_notify, test_metrics_need_admin_token, test_metrics_count_traffic, test_config_file_and_flags,
       test_bad_config_names_the_line, test_log_lines], extra_args=EXTRA)
