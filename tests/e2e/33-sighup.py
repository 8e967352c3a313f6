"""33 sighup: SIGHUP swaps in a renewed certificate without dropping a connection (open
WebSockets go on, new connections get the new certificate), keeps the old one when the new
pair is unusable, and re-reads the config file: log_level at once, other settings named as
needing a restart, a broken file ignored with an error."""
import asyncio
import hashlib
import os
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

CONF_DIR = tempfile.mkdtemp(prefix="indgang-33-")
CONF = os.path.join(CONF_DIR, "indgang.conf")
with open(CONF, "w") as f:
    f.write("log_level = info\n")


def served_fingerprint(port):
    """SHA-256 of the certificate a new TLS connection gets (not verified here)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        with ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
            return hashlib.sha256(t.getpeercert(binary_form=True)).hexdigest()


def file_fingerprint(pem):
    with open(pem) as f:  # the first certificate of the chain: the leaf
        text = f.read()
    end = "-----END CERTIFICATE-----"
    der = ssl.PEM_cert_to_DER_cert(text[:text.index(end) + len(end)] + "\n")
    return hashlib.sha256(der).hexdigest()


def replace(src, dst):
    """As an ACME client does: write beside, then rename over."""
    shutil.copy(src, dst + ".new")
    os.replace(dst + ".new", dst)


async def wait_log(w, event, after, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in w.gw.lines[after:]:
            if " event=%s" % event in line:
                return line
        await asyncio.sleep(0.05)
    h.fail("no event=%s in the log after SIGHUP" % event, event, w.gw.tail(8))


def hup(w):
    n = len(w.gw.lines)
    w.gw.proc.send_signal(signal.SIGHUP)
    return n


async def test_renewed_certificate(w):
    old = served_fingerprint(w.port)
    h.eq(old, file_fingerprint(w.gw.cert), "the served certificate is the configured one")
    mette = await w.client("mette")
    anna = await w.client("anna")
    renewed = os.path.join(w.tmp, "renewed")
    os.makedirs(renewed)
    h.make_certs(renewed)  # a new key, a new certificate (and a new CA)
    replace(os.path.join(renewed, "server.pem"), w.gw.cert)
    replace(os.path.join(renewed, "server-key.pem"), w.gw.key)
    line = await wait_log(w, "certificate_reloaded", hup(w))
    h.check("not_after=" in line, "the reload logs the new expiry", "not_after=", line)
    new = served_fingerprint(w.port)
    h.check(new != old, "a new connection sees the new certificate", "a new fingerprint", new)
    h.eq(new, file_fingerprint(w.gw.cert), "it is the renewed certificate")
    # The connections opened before go on as if nothing happened.
    m = await mette.send_msg(w.conv["A"], "efter certifikatskiftet")
    f = await anna.recv_until("message", pred=lambda f: f["message"]["id"] == m["id"])
    h.eq(f["message"]["body"], "efter certifikatskiftet", "anna's old connection still delivers")
    h.eq(mette.close_code, None, "mette's connection was not closed")
    # New clients trust the new CA and work.
    w.ssl = ssl.create_default_context(cafile=os.path.join(renewed, "ca.pem"))
    w._tokens.clear()
    c = await w.client("bo", label="bo-new-cert")
    r = await c.request({"type": "ping"})
    h.eq(r.get("type"), "pong", "a WebSocket over the new certificate works")
    st, _, text = w.http("GET", "/metrics")
    h.check(st == 200 and 'indgang_tls_reloads_total{result="ok"} 1' in text,
            "the reload is counted", 'tls_reloads_total{result="ok"} 1', text[-400:])


async def test_bad_pair_keeps_old(w):
    served = served_fingerprint(w.port)
    other = os.path.join(w.tmp, "other")
    os.makedirs(other)
    h.make_certs(other)
    saved_key = w.gw.key + ".saved"
    shutil.copy(w.gw.key, saved_key)
    replace(os.path.join(other, "server-key.pem"), w.gw.key)  # a key of another certificate
    line = await wait_log(w, "certificate_reload_failed", hup(w))
    h.check("does not belong" in line and "kept_old_certificate" in line,
            "the log says why and that the old one stays", "does not belong ... kept", line)
    h.eq(served_fingerprint(w.port), served, "the old certificate is still served")
    h.check(w.gw.running(), "the gateway runs on", "running", "stopped")
    replace(saved_key, w.gw.key)
    c = await w.client("carl")
    h.eq((await c.request({"type": "ping"})).get("type"), "pong", "and still serves")


async def test_config_reload(w):
    with open(CONF, "w") as f:
        f.write("log_level = debug\nhttp_workers = 5\n")
    line = await wait_log(w, "reload_needs_restart", hup(w))
    h.check("http_workers" in line, "a setting that needs a restart is named", "http_workers", line)
    n = len(w.gw.lines)
    w.http("GET", "/healthz")
    await wait_log(w, "http", n)  # log_level debug took effect at once
    with open(CONF, "w") as f:
        f.write("log_level = info\nno_such_setting = 1\n")
    line = await wait_log(w, "reload_failed", hup(w))
    h.check(CONF + ":2:" in line, "a broken file is reported with its line", CONF + ":2:", line)
    h.check(w.gw.running(), "and the gateway runs on with what it had", "running", "stopped")
    with open(CONF, "w") as f:
        f.write("log_level = info\n")


try:
    h.run([test_renewed_certificate, test_bad_pair_keeps_old, test_config_reload],
          extra_args=("--config", CONF))
finally:
    shutil.rmtree(CONF_DIR, ignore_errors=True)
