"""17 cli: indgang-cli, the terminal client, against the real gateway.

Runs the built binary (INDGANG_CLI, default $INDGANG_SRC/build/clients/cli/indgang-cli)
as a script would: sign-in with --password-stdin and the token file, convs,
send (also --lines, --note, --client-id retries), follow with a live message
from another user and across a gateway restart, the exit statuses (0 ok,
1 refused or network, 2 usage) and the human error messages.
"""
import asyncio
import json
import os
import signal
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

CLI = os.environ.get("INDGANG_CLI") or os.path.join(h.SRC, "build", "clients", "cli",
                                                    "indgang-cli")


class Run:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def lines(self):
        return [json.loads(l) for l in self.out.splitlines() if l.strip()]

    def __repr__(self):
        return "exit %s, stdout %r, stderr %r" % (self.rc, h.short(self.out, 400),
                                                   h.short(self.err, 400))


def base_args(w, token_file):
    return ["--url", "https://127.0.0.1:%d" % w.port, "--ca", w.ca, "--token-file", token_file]


def token_file(w, name):
    return os.path.join(w.tmp, "cli-%s" % name, "token")


def env():
    e = dict(os.environ)
    e.pop("XDG_CONFIG_HOME", None)
    e["HOME"] = "/nonexistent"  # only --token-file may be used
    e["TZ"] = "UTC"
    return e


async def cli(w, who, *args, stdin=b"", timeout=20, base=True):
    argv = [CLI] + (base_args(w, token_file(w, who)) if base else []) + list(args)
    p = await asyncio.create_subprocess_exec(*argv, stdin=asyncio.subprocess.PIPE,
                                             stdout=asyncio.subprocess.PIPE,
                                             stderr=asyncio.subprocess.PIPE, env=env())
    try:
        out, err = await asyncio.wait_for(p.communicate(stdin), timeout)
    except asyncio.TimeoutError:
        p.kill()
        await p.wait()
        h.fail("%s %s: no exit within %ds" % (CLI, " ".join(args), timeout))
    r = Run(p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))
    check_clean(r.err, " ".join(args))
    return r


def check_clean(err, what):
    """No crash, and under the sanitizers no error or leak report."""
    for bad in ("Traceback", "Segmentation", "Sanitizer", "runtime error:"):
        h.check(bad not in err, "%s: no %s on stderr" % (what, bad), "clean stderr", err)


async def login(w, who):
    r = await cli(w, who, "login", who, "--password-stdin",
                  stdin=(h.PASSWORDS[who] + "\n").encode())
    h.eq(r.rc, 0, "indgang-cli login %s: exit status (%r)" % (who, r))
    return r


class Follow:
    """indgang-cli follow running in the background; stdout read line by line."""

    def __init__(self, proc):
        self.proc = proc
        self.msgs = []
        self.err = b""

    @classmethod
    async def start(cls, w, who, *args):
        argv = [CLI, "--json"] + base_args(w, token_file(w, who)) + ["follow"] + list(args)
        p = await asyncio.create_subprocess_exec(*argv, stdin=asyncio.subprocess.DEVNULL,
                                                 stdout=asyncio.subprocess.PIPE,
                                                 stderr=asyncio.subprocess.PIPE, env=env())
        return cls(p)

    async def until(self, pred, what, timeout=10):
        """Read MSG lines until one satisfies pred; returns it."""
        for m in self.msgs:
            if pred(m):
                return m
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            left = deadline - loop.time()
            if left <= 0:
                h.fail("follow: no line for %s within %.0fs" % (what, timeout), what,
                       "lines: %s" % h.short(self.msgs[-5:]))
            try:
                line = await asyncio.wait_for(self.proc.stdout.readline(), left)
            except asyncio.TimeoutError:
                continue
            if not line:
                err = await self.proc.stderr.read()
                h.fail("follow ended early (exit %s) waiting for %s" % (self.proc.returncode,
                                                                       what),
                       "running", err.decode("utf-8", "replace"))
            m = json.loads(line)
            self.msgs.append(m)
            if pred(m):
                return m

    async def stop(self):
        """Ctrl-C: a clean exit 0, quickly."""
        self.proc.send_signal(signal.SIGINT)
        try:
            rest, err = await asyncio.wait_for(self.proc.communicate(), 5)
        except asyncio.TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            h.fail("follow did not exit within 5 s of SIGINT")
        for line in rest.decode().splitlines():
            if line.strip():
                self.msgs.append(json.loads(line))
        self.err = err.decode("utf-8", "replace")
        check_clean(self.err, "follow")
        return self.proc.returncode


# ---------------------------------------------------------------------------


async def test_usage(w):
    r = await cli(w, "nobody", "--help", base=False)
    h.eq(r.rc, 0, "--help exits 0")
    for word in ("login", "enrol", "logout", "convs", "follow", "send", "--json", "--ca"):
        h.check(word in r.out, "--help mentions %s" % word, word, r.out[:300])
    for args in (["send", "abc"], ["frobnicate"], ["convs", "--note"], ["follow"],
                 ["--url", "http://127.0.0.1:1", "convs"], ["follow", "1", "--last", "x"]):
        r = await cli(w, "nobody", *args)
        h.eq(r.rc, 2, "bad usage %s: exit status 2 (%r)" % (args, r))
        h.check(r.err.startswith("indgang-cli: "), "bad usage %s: one clear line" % args,
                "indgang-cli: ...", r.err)
    r = await cli(w, "nobody", "convs")
    h.eq(r.rc, 1, "convs without a sign-in: exit status")
    h.check("not signed in" in r.err and "indgang-cli login" in r.err,
            "convs without a sign-in: says so", "not signed in: run indgang-cli login", r.err)


async def test_wrong_password(w):
    r = await cli(w, "anna-wrong", "login", "anna", "--password-stdin",
                  stdin=b"not-the-password\n")
    h.eq(r.rc, 1, "login with a wrong password: exit status (%r)" % r)
    h.check("wrong username or password" in r.err, "wrong password: a clear message",
            "wrong username or password", r.err)
    h.eq(r.out, "", "wrong password: nothing on stdout")
    h.check(not os.path.exists(token_file(w, "anna-wrong")), "no token file after a failed "
            "login", "absent", token_file(w, "anna-wrong"))
    r = await cli(w, "anna-wrong", "--json", "login", "nobody-at-all", "--password-stdin",
                  stdin=b"whatever-1\n")
    h.eq(r.rc, 1, "login as an unknown user: exit status")
    h.check("wrong username or password" in r.err, "unknown user: the same message",
            "wrong username or password", r.err)


async def test_login_and_convs(w):
    r = await login(w, "anna")
    h.check("Anna Jensen" in r.out, "login says who signed in", "Anna Jensen", r.out)
    tf = token_file(w, "anna")
    mode = stat.S_IMODE(os.stat(tf).st_mode)
    h.eq(oct(mode), oct(0o600), "token file mode")
    r = await cli(w, "anna", "--json", "convs")
    h.eq(r.rc, 0, "convs --json: exit status (%r)" % r)
    convs = r.lines()
    for c in convs:
        h.check_conv(c, w, "convs --json line")
    h.eq(sorted(c["id"] for c in convs), [w.conv["A"]], "anna's conversations")
    r = await cli(w, "anna", "convs")
    h.eq(r.rc, 0, "convs (human): exit status")
    h.check("Familien Hansen" in r.out and "UNREAD" in r.out, "convs prints a table",
            "id, family, title, unread", r.out)
    # later commands need neither --url nor --ca: both are remembered with the token
    r = await cli(w, "anna", "--token-file", tf, "--json", "convs", base=False)
    h.eq(r.rc, 0, "convs with only --token-file: exit status (%r)" % r)


async def test_send_reaches_others(w):
    await login(w, "anna")
    bo = await w.client("bo")
    mette = await w.client("mette")
    body = "Hej Mette, vi ses torsdag kl. 10 🙂\nMed venlig hilsen Anna"
    r = await cli(w, "anna", "--json", "send", str(w.conv["A"]), stdin=body.encode())
    h.eq(r.rc, 0, "send: exit status (%r)" % r)
    [m] = r.lines()
    h.check_msg(m, w, "send --json output", conv=w.conv["A"], sender="anna", kind="text",
                body=body)
    for c in (bo, mette):
        f = await c.recv_until("message", 5, pred=lambda f: f["message"]["id"] == m["id"])
        h.eq(f["message"], m, "%s gets the CLI's message as acked" % c.label)
    # a note: to the pair and team, never to the family
    r = await cli(w, "anna", "--json", "send", str(w.conv["A"]), "--note",
                  stdin=b"Referat fra teammoedet")
    h.eq(r.rc, 0, "send --note: exit status (%r)" % r)
    [n] = r.lines()
    h.eq(n["kind"], "note", "send --note stores a note")
    await bo.recv_until("message", 5, pred=lambda f: f["message"]["id"] == n["id"])
    await mette.expect_no_frame(0.5, type="message", pred=lambda f: f["message"]["id"] == n["id"],
                                what="the family got an internal note")
    # the same --client-id twice: stored and delivered once
    args = ("--json", "send", str(w.conv["A"]), "--client-id", h.uid("cli"))
    r1 = await cli(w, "anna", *args, stdin=b"Kun een gang")
    r2 = await cli(w, "anna", *args, stdin=b"Kun een gang")
    h.eq((r1.rc, r2.rc), (0, 0), "send with the same --client-id twice: exit statuses")
    h.eq(r1.lines()[0]["id"], r2.lines()[0]["id"], "the retry answers with the same message")
    await bo.recv_until("message", 5, pred=lambda f: f["message"]["id"] == r1.lines()[0]["id"])
    await bo.expect_no_frame(0.5, type="message", what="a retried client_id was delivered twice")
    # --lines: one message per non-empty line, in order
    r = await cli(w, "anna", "--json", "send", str(w.conv["A"]), "--lines",
                  stdin="en\n\nto\ntre\n".encode())
    h.eq(r.rc, 0, "send --lines: exit status (%r)" % r)
    got = r.lines()
    h.eq([x["body"] for x in got], ["en", "to", "tre"], "send --lines bodies")
    h.check(got[0]["id"] < got[1]["id"] < got[2]["id"], "send --lines in order",
            "increasing ids", [x["id"] for x in got])


async def test_send_refused(w):
    await login(w, "anna")
    r = await cli(w, "anna", "send", "999999", stdin=b"Til ingen")
    h.eq(r.rc, 1, "send to a conversation that does not exist: exit status (%r)" % r)
    h.check("not_found" in r.err, "send to an unknown conversation: the error code on stderr",
            "indgang-cli: not_found: ...", r.err)
    await login(w, "carl")  # team member: notes only
    r = await cli(w, "carl", "send", str(w.conv["A"]), stdin=b"Hej familie")
    h.eq(r.rc, 1, "team member sending text: exit status (%r)" % r)
    h.check("forbidden" in r.err, "team member sending text: forbidden on stderr",
            "indgang-cli: forbidden: ...", r.err)
    r = await cli(w, "anna", "send", str(w.conv["A"]), stdin=b"   \n")
    h.eq(r.rc, 1, "send of an empty message: exit status")
    r = await cli(w, "anna", "send", str(w.conv["A"]), stdin=("x" * 4001).encode())
    h.eq(r.rc, 1, "send of 4001 characters: exit status")
    h.check("too_large" in r.err, "4001 characters: too_large", "too_large", r.err)


async def test_follow_live(w):
    await login(w, "anna")
    mette = await w.client("mette")
    first = await mette.send_msg(w.conv["A"], "Foer follow")
    f = await Follow.start(w, "anna", str(w.conv["A"]), "--last", "1")
    await f.until(lambda m: m["id"] == first["id"], "the newest message (--last 1)")
    m = await mette.send_msg(w.conv["A"], "Hej Anna, kan vi flytte moedet?")
    got = await f.until(lambda x: x["id"] == m["id"], "Mette's live message")
    h.eq(got, m, "follow prints the live message as the server sent it")
    # another family's message never shows; a note in the conversation does
    await (await w.client("amina")).send_msg(w.conv["B"], "Salaam")
    n = await (await w.client("carl")).send_msg(w.conv["A"], "Note til teamet", kind="note")
    await f.until(lambda x: x["id"] == n["id"], "carl's note")
    rc = await f.stop()
    h.eq(rc, 0, "follow exits 0 on Ctrl-C (stderr %r)" % f.err)
    ids = [x["id"] for x in f.msgs]
    h.eq(ids, sorted(set(ids)), "follow prints each message once, in order")
    h.check(all(x["conv"] == w.conv["A"] for x in f.msgs), "follow prints only its conversation",
            w.conv["A"], [x["conv"] for x in f.msgs])


async def test_follow_after_and_reconnect(w):
    await login(w, "bo")
    anna = await w.client("anna")
    m0 = await anna.send_msg(w.conv["A"], "Udgangspunkt")
    m1 = await anna.send_msg(w.conv["A"], "Efter udgangspunktet")
    f = await Follow.start(w, "bo", str(w.conv["A"]), "--after", str(m0["id"]))
    await f.until(lambda x: x["id"] == m1["id"], "the message after --after")
    h.check(m0["id"] not in [x["id"] for x in f.msgs], "--after N starts after N", "absent",
            [x["id"] for x in f.msgs])
    # follow sees 1001, backs off, reconnects and syncs.  (The restart blocks this
    # event loop, so the test's own WebSocket client is closed first: the gateway
    # would otherwise wait for its closing handshake.)
    await anna.close()
    w.gw.restart()
    mette = await w.client("mette")
    sent = [await mette.send_msg(w.conv["A"], "Mens du var vaek %d" % i) for i in range(3)]
    for s in sent:
        await f.until(lambda x: x["id"] == s["id"], "message %d sent across the restart"
                      % s["id"], timeout=15)
    rc = await f.stop()
    h.eq(rc, 0, "follow exits 0 on Ctrl-C")
    ids = [x["id"] for x in f.msgs]
    h.eq(ids, [m1["id"]] + [s["id"] for s in sent],
         "after the restart: every message once, in order, nothing missed")
    h.check("connecting again" in f.err, "follow says it reconnects", "connecting again", f.err)


async def test_enrol_send_logout(w):
    code = w.new_invite("jonas")
    r = await cli(w, "jonas", "enrol", code, "--device", "Jonas' terminal")
    h.eq(r.rc, 0, "enrol: exit status (%r)" % r)
    h.check("Jonas Hansen" in r.out, "enrol says who", "Jonas Hansen", r.out)
    r = await cli(w, "jonas2", "enrol", code)
    h.eq(r.rc, 1, "enrol with a used code: exit status")
    h.check("used" in r.err or "expired" in r.err, "used code: a clear message",
            "used already or expired", r.err)
    anna = await w.client("anna")
    r = await cli(w, "jonas", "--json", "send", str(w.conv["A"]), stdin=b"Hej fra Jonas")
    h.eq(r.rc, 0, "family member sends: exit status (%r)" % r)
    await anna.recv_until("message", 5, pred=lambda f: f["message"]["id"] == r.lines()[0]["id"])
    r = await cli(w, "jonas", "send", str(w.conv["A"]), "--note", stdin=b"Hemmelig")
    h.eq(r.rc, 1, "family member sending a note: exit status")
    h.check("forbidden" in r.err, "family note: forbidden", "forbidden", r.err)
    r = await cli(w, "jonas", "logout")
    h.eq(r.rc, 0, "logout: exit status (%r)" % r)
    h.check(not os.path.exists(token_file(w, "jonas")), "logout deletes the token file",
            "absent", token_file(w, "jonas"))
    r = await cli(w, "jonas", "convs")
    h.eq(r.rc, 1, "convs after logout: exit status")
    h.check("not signed in" in r.err, "after logout: not signed in", "not signed in", r.err)


async def test_revoked_token(w):
    await login(w, "dora")
    with open(token_file(w, "dora")) as fh:
        tok = json.load(fh)["token"]
    st, _, _ = await w.ahttp("POST", "/api/logout", token=tok)
    h.eq(st, 204, "logout behind the CLI's back")
    r = await cli(w, "dora", "convs")
    h.eq(r.rc, 1, "convs with a revoked token: exit status (%r)" % r)
    h.check("unauthorized" in r.err and "login" in r.err, "revoked token: says to sign in again",
            "indgang-cli: unauthorized: ... run indgang-cli login", r.err)


async def test_tls_verified(w):
    """Without --ca the dev CA is not trusted: the CLI refuses, clearly."""
    tf = os.path.join(w.tmp, "cli-tls", "token")
    r = await cli(w, "x", "--url", "https://127.0.0.1:%d" % w.port, "--token-file", tf,
                  "login", "anna", "--password-stdin", stdin=b"whatever-1\n", base=False)
    h.eq(r.rc, 1, "login against an untrusted certificate: exit status (%r)" % r)
    h.check("certificate" in r.err, "untrusted certificate: says so", "certificate", r.err)


h.run([test_usage, test_wrong_password, test_login_and_convs, test_send_reaches_others,
       test_send_refused, test_follow_live, test_follow_after_and_reconnect,
       test_enrol_send_logout, test_revoked_token, test_tls_verified])
