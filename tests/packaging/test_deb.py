"""test_deb.py - the .deb, end to end, on this machine.

Builds the package with CPack from a separate build tree (-DCMAKE_INSTALL_PREFIX=/usr),
installs it with dpkg, checks the files, the system user and the data directory, checks the
unit with systemd-analyze, then does what an operator does after installing (certificates in
/etc/indgang/tls, listen address in /etc/indgang/indgang.conf, indgang-admin init and import
as the indgang user) and starts the gateway the way the installed unit does: its ExecStart,
as its User and Group, with its UMask, no new privileges and no capabilities, and a
NOTIFY_SOCKET to see READY=1 (Type=notify).  Then it talks to it: HTTPS, /metrics, a
WebSocket message between a family member and an adviser, SIGHUP, indgang-admin status and
backup, and a clean stop.  Finally it purges the package and removes what the test made.

Needs root and dpkg; exits 77 (skipped) otherwise, when INDGANG_PACKAGING_TEST=0, or when
an indgang package or /var/lib/indgang is already there (it never touches a real install).

    python3 tests/packaging/test_deb.py SOURCE_DIR BUILD_DIR
"""
import asyncio
import glob
import json
import os
import pwd
import grp
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import time

SRC = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                      os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(SRC, "build-pkg"))
sys.path.insert(0, os.path.join(SRC, "tests", "e2e"))
import harness as h  # noqa: E402  (world document, certificates, checks)

UNIT = "/lib/systemd/system/indgang.service"
BACKUP_UNIT = "/lib/systemd/system/indgang-backup.service"
TIMER = "/lib/systemd/system/indgang-backup.timer"
CONF = "/etc/indgang/indgang.conf"
SKIP = 77
results = {"passed": 0, "failed": 0}


def step(name, fn, *a):
    """Runs one check; a failure stops the test (later steps depend on it)."""
    t0 = time.monotonic()
    try:
        out = fn(*a)
    except Exception as e:
        results["failed"] += 1
        print("FAIL %s: %s" % (name, e))
        raise
    results["passed"] += 1
    print("PASS %s (%.1fs)" % (name, time.monotonic() - t0))
    return out


def run(argv, check=True, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=kw.pop("timeout", 900), **kw)
    if check and r.returncode != 0:
        raise h.Fail("%s: exit %d\n%s%s" % (" ".join(argv), r.returncode, r.stdout[-2000:],
                                            r.stderr[-2000:]))
    return r


def should_skip():
    if os.environ.get("INDGANG_PACKAGING_TEST") == "0":
        return "INDGANG_PACKAGING_TEST=0"
    if os.geteuid() != 0:
        return "needs root (dpkg -i)"
    if shutil.which("dpkg") is None or shutil.which("cpack") is None:
        return "needs dpkg and cpack"
    if run(["dpkg-query", "-W", "-f=${Status}", "indgang"], check=False).stdout.startswith(
            "install ok"):
        return "an indgang package is installed already; not touching it"
    if os.path.exists("/var/lib/indgang/indgang.db"):
        return "/var/lib/indgang/indgang.db exists; not touching it"
    return None


# ---- build and install -------------------------------------------------------------

def build_deb():
    run(["cmake", "-S", SRC, "-B", BUILD, "-DCMAKE_INSTALL_PREFIX=/usr",
         "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DINDGANG_SANITIZE=OFF"])
    run(["cmake", "--build", BUILD, "-j2", "--target", "indgang", "indgang-admin", "indgang-cli",
         "indgang-image", "man"])
    for old in glob.glob(os.path.join(BUILD, "indgang_*.deb")):
        os.unlink(old)
    run(["cpack", "-G", "DEB"], cwd=BUILD)
    debs = glob.glob(os.path.join(BUILD, "indgang_*.deb"))
    h.eq(len(debs), 1, "one .deb built")
    info = run(["dpkg-deb", "-f", debs[0], "Depends"]).stdout
    for dep in ("libwebsockets17", "libsqlite3-0", "libjansson4", "libargon2-1", "libssl3",
                "adduser"):
        h.check(dep in info, "Depends names %s" % dep, dep, info)
    return debs[0]


def install(deb):
    r = run(["dpkg", "-i", deb])
    h.check("indgang --check-config" in r.stdout + r.stderr,
            "postinst tells what to do next", "next steps", r.stdout)


def check_files():
    for path in ("/usr/bin/indgang", "/usr/bin/indgang-admin", "/usr/bin/indgang-cli", UNIT, CONF,
                 "/usr/share/man/man8/indgang.8.gz", "/usr/share/man/man8/indgang-admin.8.gz",
                 "/usr/share/man/man1/indgang-cli.1.gz",
                 "/usr/share/man/man5/indgang.conf.5.gz", "/usr/share/indgang/web/index.html",
                 "/usr/share/doc/indgang/operators-guide.md"):
        h.check(os.path.exists(path), "installed: %s" % path, "exists", "missing")
    pw = pwd.getpwnam("indgang")
    h.check(pw.pw_uid < 1000, "indgang is a system user", "uid < 1000", pw.pw_uid)
    h.check(pw.pw_shell.endswith("nologin"), "indgang cannot log in", "nologin", pw.pw_shell)
    st = os.stat("/var/lib/indgang")
    h.eq((pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name),
         ("indgang", "indgang"), "/var/lib/indgang owner")
    h.eq(stat.S_IMODE(st.st_mode), 0o750, "/var/lib/indgang mode")
    st = os.stat(CONF)
    h.eq((st.st_uid, grp.getgrgid(st.st_gid).gr_name, stat.S_IMODE(st.st_mode)),
         (0, "indgang", 0o640), "/etc/indgang/indgang.conf is root:indgang 0640")
    conffiles = run(["dpkg-query", "--control-show", "indgang", "conffiles"]).stdout
    h.check(CONF in conffiles, "the config is a conffile", CONF, conffiles)
    r = run(["/usr/bin/indgang", "--version"])
    h.check(r.stdout.startswith("indgang "), "indgang --version", "indgang X.Y.Z", r.stdout)


def check_unit():
    for u in (UNIT, BACKUP_UNIT, TIMER):
        r = run(["systemd-analyze", "verify", u], check=False)
        h.eq((r.returncode, r.stderr.strip()), (0, ""), "systemd-analyze verify %s" % u)
    unit = parse_unit()
    for key, want in (("Type", "notify"), ("User", "indgang"), ("ProtectSystem", "strict"),
                      ("NoNewPrivileges", "yes"), ("ReadWritePaths", "/var/lib/indgang"),
                      ("CapabilityBoundingSet", "")):
        h.eq(unit.get(key), want, "unit: %s" % key)
    return unit


def parse_unit(path=UNIT):
    """[Service] keys of the installed unit (the last value of a repeated key)."""
    out, section = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
            elif section == "[Service]" and "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                out[k] = v
    return out


# ---- configure and provision as an operator would -------------------------------------

def configure(tmp, port):
    h.make_certs(tmp)
    for src, dst in (("server.pem", "fullchain.pem"), ("server-key.pem", "privkey.pem")):
        shutil.copy(os.path.join(tmp, src), "/etc/indgang/tls/" + dst)
        os.chown("/etc/indgang/tls/" + dst, 0, grp.getgrnam("indgang").gr_gid)
        os.chmod("/etc/indgang/tls/" + dst, 0o640)
    with open(CONF) as f:
        text = f.read()
    h.check("listen = 0.0.0.0:8443" in text, "the shipped config listens on 8443",
            "listen = 0.0.0.0:8443", text)
    with open(CONF, "w") as f:  # the test listens on loopback only, on a free port
        f.write(text.replace("listen = 0.0.0.0:8443", "listen = 127.0.0.1:%d" % port))
    r = run(["runuser", "-u", "indgang", "--", "/usr/bin/indgang", "--check-config"])
    h.check("configuration OK (%s)" % CONF in r.stdout, "indgang --check-config as indgang",
            "OK", r.stdout)


def provision():
    run(["runuser", "-u", "indgang", "--", "/usr/bin/indgang-admin", "init"])
    r = run(["runuser", "-u", "indgang", "--", "/usr/bin/indgang-admin", "import", "-"],
            input=json.dumps(h.WORLD_DOC))
    return json.loads(r.stdout)


# ---- start it the way the unit does ----------------------------------------------------

def start_like_unit(unit, tmp):
    """ExecStart as User/Group, UMask, no new privileges, no capabilities, clean env."""
    notify_path = os.path.join(tmp, "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    os.chmod(tmp, 0o755)
    os.chmod(notify_path, 0o777)
    notify.settimeout(15)
    caps = "-all" if unit.get("CapabilityBoundingSet", "") == "" else "+" + unit["CapabilityBoundingSet"]
    argv = ["setpriv", "--reuid=" + unit["User"], "--regid=" + unit["Group"], "--init-groups",
            "--bounding-set=" + caps, "--inh-caps=-all"]
    if unit.get("NoNewPrivileges") == "yes":
        argv.append("--no-new-privs")
    argv += unit["ExecStart"].split()
    umask = int(unit.get("UMask", "0022"), 8)
    log = open(os.path.join(tmp, "gateway.log"), "w+")
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                            env={"PATH": "/usr/bin:/bin", "NOTIFY_SOCKET": notify_path},
                            preexec_fn=lambda: os.umask(umask), cwd="/")
    try:
        msg = notify.recv(256).decode()
    except socket.timeout:
        proc.kill()
        log.seek(0)
        raise h.Fail("no READY=1 on NOTIFY_SOCKET within 15 s; log:\n" + log.read()[-2000:])
    h.eq(msg, "READY=1", "sd_notify from the gateway")
    return proc, notify, log


def talk(port, out, tmp):
    ctx = ssl.create_default_context(cafile=os.path.join(tmp, "ca.pem"))
    w = h.World.__new__(h.World)  # only its HTTP helper, pointed at the installed gateway
    w.port, w.ssl = port, ctx
    st, _, b = w.http("GET", "/healthz")
    h.eq((st, b), (200, {"status": "ok"}), "GET /healthz")
    st, hd, page = w.http("GET", "/")
    h.check(st == 200 and "html" in (hd.get("Content-Type") or ""), "the web clients at /",
            "200 text/html", (st, hd.get("Content-Type")))
    st, _, text = w.http("GET", "/metrics")
    h.check(st == 200 and "indgang_build_info" in text, "GET /metrics from 127.0.0.1",
            "200 with indgang_build_info", (st, text[:200]))
    st, _, b = w.http("POST", "/api/login", {"username": "anna", "password": h.PASSWORDS["anna"]})
    h.eq(st, 200, "anna signs in")
    anna_token = b["token"]
    code = out["families"][0]["members"][0]["invite"]
    st, _, b = w.http("POST", "/api/enrol", {"code": code, "device": "Mettes telefon"})
    h.eq(st, 200, "Mette enrols her phone")
    asyncio.run(ws_exchange(port, ctx, b["token"], anna_token, out["families"][0]["conversation"]))
    cli(port, tmp, out["families"][0]["conversation"])


def cli(port, tmp, conv):
    """The packaged terminal client signs in and lists anna's conversations."""
    base = ["/usr/bin/indgang-cli", "--url", "https://127.0.0.1:%d" % port, "--ca",
            os.path.join(tmp, "ca.pem"), "--token-file", os.path.join(tmp, "cli-token")]
    r = run(base + ["login", "anna", "--password-stdin"], input=h.PASSWORDS["anna"] + "\n",
            check=False)
    h.eq(r.returncode, 0, "indgang-cli login from the package (%s)" % r.stderr)
    r = run(base + ["--json", "convs"], check=False)
    ids = [json.loads(line).get("id") for line in r.stdout.splitlines() if line.strip()]
    h.check(r.returncode == 0 and conv in ids, "indgang-cli convs lists the family's conversation",
            conv, (r.returncode, r.stdout[:300], r.stderr[:300]))


async def ws_exchange(port, ctx, mette_token, anna_token, conv):
    import websockets
    uri = "wss://127.0.0.1:%d/ws" % port

    async def connect(token):
        ws = await websockets.connect(uri, ssl=ctx, subprotocols=[h.SUBPROTOCOL])
        await ws.send(json.dumps({"type": "auth", "token": token}))
        h.eq(json.loads(await asyncio.wait_for(ws.recv(), 5))["type"], "welcome", "welcome")
        return ws

    mette, anna = await connect(mette_token), await connect(anna_token)
    await mette.send(json.dumps({"type": "send", "conv": conv, "client_id": "pkg-1",
                                 "body": "Hej fra den installerede pakke"}))
    h.eq(json.loads(await asyncio.wait_for(mette.recv(), 5))["type"], "ack", "mette's ack")
    f = json.loads(await asyncio.wait_for(anna.recv(), 5))
    h.eq((f["type"], f["message"]["body"]), ("message", "Hej fra den installerede pakke"),
         "anna gets mette's message")
    await mette.close()
    await anna.close()


def reload_and_admin(proc, port, tmp):
    proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    h.check(proc.poll() is None, "the gateway survives SIGHUP", "running", proc.returncode)
    r = run(["/usr/bin/indgang-admin", "status"], check=False)
    h.eq(r.returncode, 0, "indgang-admin status with the installed config (%s)" % r.stderr)
    h.check("messages        1 " in r.stdout and "connections" in r.stdout,
            "status shows the database and the gateway", "1 message, connections", r.stdout)
    r = run(["runuser", "-u", "indgang", "--", "/usr/bin/indgang-admin", "backup",
             "/var/lib/indgang/pkg-test-backup.db"], check=False)
    h.eq(r.returncode, 0, "indgang-admin backup as the indgang user (%s)" % r.stderr)


def backup_like_unit():
    """indgang-backup.service's commands, as its user, while the gateway runs."""
    unit = parse_unit(BACKUP_UNIT)
    for key in ("ExecStartPre", "ExecStart", "ExecStartPost"):
        argv = ["setpriv", "--reuid=" + unit["User"], "--regid=" + unit["Group"],
                "--init-groups", "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all"]
        run(argv + unit[key].split(), preexec_fn=lambda: os.umask(0o077), cwd="/")
    made = glob.glob("/var/lib/indgang/backups/indgang-*.db")
    h.eq(len(made), 1, "indgang-backup.service made one backup")
    r = run(["/usr/bin/indgang-admin", "verify", made[0]])
    h.check(r.stdout.startswith("OK"), "the nightly backup verifies", "OK", r.stdout)


def stop(proc, log):
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(15)
    log.seek(0)
    text = log.read()
    h.eq(rc, 0, "exit status after SIGTERM; log:\n" + text[-1500:])
    h.check("event=listening" in text and "event=certificate_reloaded" in text,
            "the log has the start and the reload", "listening, certificate_reloaded", text)
    st = os.stat("/var/lib/indgang/indgang.db")
    h.eq((pwd.getpwuid(st.st_uid).pw_name, stat.S_IMODE(st.st_mode)), ("indgang", 0o600),
         "the database is the indgang user's alone (UMask=0077)")


def purge():
    run(["dpkg", "--purge", "indgang"])
    h.check(not os.path.exists("/usr/bin/indgang"), "purge removes the binaries", "gone", "there")
    h.check(os.path.exists("/var/lib/indgang/indgang.db"), "purge keeps the case records",
            "kept", "deleted")


def cleanup():
    """What the test made beyond the package: the data, the certificates, the user."""
    if run(["dpkg-query", "-W", "-f=${Status}", "indgang"], check=False).stdout.startswith("install"):
        run(["dpkg", "--purge", "indgang"], check=False)
    shutil.rmtree("/var/lib/indgang", ignore_errors=True)
    shutil.rmtree("/etc/indgang", ignore_errors=True)
    if subprocess.run(["getent", "passwd", "indgang"], capture_output=True).returncode == 0:
        run(["deluser", "--system", "indgang"], check=False)
    if subprocess.run(["getent", "group", "indgang"], capture_output=True).returncode == 0:
        run(["delgroup", "--system", "indgang"], check=False)


def main():
    # Several build trees on one machine may run this at once: one at a time.
    import fcntl
    lock = open("/tmp/indgang-packaging-test.lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    why = should_skip()
    if why:
        print("SKIP: %s" % why)
        return SKIP
    tmp = tempfile.mkdtemp(prefix="indgang-pkg-")
    port = h.free_port()
    proc = None
    try:
        deb = step("build the .deb with CPack", build_deb)
        step("dpkg -i", install, deb)
        step("installed files, system user, data directory", check_files)
        unit = step("the systemd unit", check_unit)
        step("configure as an operator (certificates, listen)", configure, tmp, port)
        out = step("indgang-admin init and import as the indgang user", provision)
        proc, notify, log = step("start as the unit does (User, UMask, no caps, notify)",
                                 start_like_unit, unit, tmp)
        step("talk to it: HTTPS, /metrics, a WebSocket message", talk, port, out, tmp)
        step("SIGHUP, indgang-admin status and backup", reload_and_admin, proc, port, tmp)
        step("the nightly backup unit's commands", backup_like_unit)
        step("clean stop", stop, proc, log)
        proc = None
        step("dpkg --purge", purge)
    except Exception:
        pass
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (results["passed"], results["failed"]))
    return 0 if results["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
