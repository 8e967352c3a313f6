"""37 backup age: indgang-admin backup --age-recipient makes ONE file, indgang-TIMESTAMP.tar.age,
while the gateway runs: the verified backup (database, push key, files) streamed through tar and
age, so no message text, file or SQLite page is readable in it, and only the matching identity
decrypts it (a wrong key fails).  backup_age_recipients in the config does the same unasked.
indgang-admin restore --age-identity puts it in place of a database in a new folder, and a
gateway started there serves the messages and the document; by hand, age -d | tar -x gives the
plain backup, which verifies.  What must fail does, clearly, exit 1, leaving nothing behind: a
malformed recipient, age or tar not on PATH, a name not ending in .tar.age, an existing file;
a restore with the wrong identity (the target unchanged), onto a database without --replace,
onto the running gateway's database.  --replace moves the old database aside.  status says
whether the data is on an encrypted volume (unit.gateway.test_atrest tests the walk itself)."""
import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import clamd as clamd_mod  # noqa: E402
import harness as h  # noqa: E402

# The document goes through the real clamd (tests/e2e/clamd.py), as every upload does.
CLAMD = clamd_mod.Clamd()
CLAMD.start()

MARK = "hemmelig-" + h.uid("m")  # in every message body and in the document
PDF = ("%%PDF-1.4\n%% %s-bilag\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       "trailer<</Root 1 0 R>>\n%%%%EOF\n" % MARK).encode()


def admin(*args, db=None, env=None):
    argv = [h.ADMIN] + (["--db", db] if db else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, timeout=60, **kw)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def snapshot(folder):
    """{name: sha256 or 'dir'} of everything in folder, to show nothing changed."""
    out = {}
    for base, dirs, files in os.walk(folder):
        for d in dirs:
            out[os.path.relpath(os.path.join(base, d), folder)] = "dir"
        for f in files:
            p = os.path.join(base, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, folder)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def staging_left(folder):
    return [n for n in os.listdir(folder) if n.startswith(".indgang-")]


def keygen(w, name):
    path = os.path.join(w.tmp, name)
    r = run(["age-keygen", "-o", path])
    h.eq(r.returncode, 0, "age-keygen -o %s (%s)" % (name, r.stderr))
    pub = run(["age-keygen", "-y", path], text=True).stdout.strip()
    h.check(pub.startswith("age1"), "the public key of %s" % name, "age1...", pub)
    return path, pub


def path_with(w, *programs):
    """A PATH holding only these programs (symlinks to the system's)."""
    d = os.path.join(w.tmp, "bin-" + "-".join(programs))
    os.makedirs(d, exist_ok=True)
    for p in programs:
        if not os.path.exists(os.path.join(d, p)):
            os.symlink(shutil.which(p), os.path.join(d, p))
    return dict(os.environ, PATH=d)


async def test_messages_and_a_document(w):
    if shutil.which("age") is None or shutil.which("age-keygen") is None:
        h.fail("age is not installed (gateway/install-deps.sh installs Debian's package age)")
    w.key, w.pub = keygen(w, "key.txt")
    w.wrong, _ = keygen(w, "wrong.txt")
    mette, anna = await w.client("mette"), await w.client("anna")
    w.bodies = ["%s %d fra %s" % (MARK, i, who) for i, who in enumerate(("mette", "anna", "mette"))]
    for body in w.bodies:
        await (mette if "mette" in body else anna).send_msg(w.conv["A"], body)
    st, _, b = await w.ahttp("POST", "/api/uploads?name=bilag.pdf", raw=PDF,
                             token=w.token("mette"))
    h.eq(st, 201, "upload of the document: %r" % (b,))
    f = await mette.recv_until("attachment", timeout=20,
                               pred=lambda f: f.get("attachment", {}).get("id") == b["id"])
    h.eq(f["attachment"].get("state"), "ready", "the document is checked: %r" % f)
    r = await mette.request({"type": "send", "conv": w.conv["A"], "client_id": h.uid("f"),
                             "body": "bilaget", "attachments": [b["id"]]})
    h.eq(r.get("type"), "ack", "the document is sent in a message: %r" % r)
    w.doc = b["id"]


async def test_encrypted_backup_while_running(w):
    out_dir = os.path.join(w.tmp, "share")  # stands for the backup host's unencrypted mount
    os.mkdir(out_dir, 0o700)
    r = await asyncio.to_thread(admin, "--json", "backup", out_dir, "--age-recipient", w.pub,
                                db=w.db)
    h.eq(r.returncode, 0, "backup --age-recipient while the gateway runs (%s)" % r.stderr)
    out = json.loads(r.stdout)
    h.eq((out.get("encrypted"), out.get("recipients"), out["verify"]["ok"], out["files"]),
         (True, 1, True, 1), "--json: encrypted, 1 recipient, verified, the document's file")
    names = os.listdir(out_dir)
    h.check(len(names) == 1 and names[0].startswith("indgang-") and names[0].endswith(".tar.age")
            and os.path.join(out_dir, names[0]) == out["backup"],
            "ONE file in the destination: indgang-TIMESTAMP.tar.age", "[indgang-*.tar.age]", names)
    w.sealed = out["backup"]
    h.eq(oct(mode(w.sealed)), oct(0o600), "the encrypted backup's mode")
    h.eq(staging_left(w.tmp), [], "no staging folder left beside the database")
    with open(w.sealed, "rb") as f:
        data = f.read()
    h.check(data.startswith(b"age-encryption.org/v1"), "it is an age file", "age header",
            data[:30])
    for what, needle in (("a message body", MARK.encode()), ("SQLite's header", b"SQLite format"),
                         ("the PDF", b"%PDF"), ("the push key", b"PRIVATE KEY")):
        h.check(needle not in data, "%s is not readable in the encrypted backup" % what,
                "absent", "found")
    r = run(["age", "-d", "-i", w.wrong, "-o", os.devnull, w.sealed], text=True)
    h.check(r.returncode != 0 and "no identity matched" in r.stderr,
            "age -d with a wrong key fails", "exit != 0, no identity matched",
            (r.returncode, r.stderr))


async def test_by_hand_age_and_tar(w):
    d = os.path.join(w.tmp, "by-hand")
    os.mkdir(d, 0o700)
    with open(w.sealed, "rb") as f:
        dec = subprocess.Popen(["age", "-d", "-i", w.key], stdin=f, stdout=subprocess.PIPE)
        tar = run(["tar", "-x", "-C", d], stdin=dec.stdout)
        dec.stdout.close()
        h.eq((dec.wait(30), tar.returncode), (0, 0), "age -d -i key | tar -x (%s)" % tar.stderr)
    inner = os.path.basename(w.sealed)[:-len(".tar.age")] + ".db"
    h.eq(sorted(os.listdir(d)), [inner, inner + ".files", inner + ".vapid.pem"],
         "the archive holds the plain backup: NAME.db, its .files and its .vapid.pem")
    with open(os.path.join(d, inner), "rb") as f:
        h.check(MARK.encode() in f.read(), "unencrypted, the database shows the message text "
                "(so its absence above means something)", "found", "absent")
    r = admin("--json", "verify", os.path.join(d, inner))
    h.eq(r.returncode, 0, "verify of the unpacked backup (%s%s)" % (r.stdout[-300:], r.stderr))
    h.eq(json.loads(r.stdout)["files"], 1, "verify read the document's file")


async def test_restore_into_a_new_folder(w):
    new = os.path.join(w.tmp, "restored")
    os.mkdir(new, 0o700)
    db = os.path.join(new, "indgang.db")
    r = admin("--json", "restore", w.sealed, "--age-identity", w.key, db=db)
    h.eq(r.returncode, 0, "restore of the .tar.age into a new folder (%s)" % r.stderr)
    out = json.loads(r.stdout)
    h.eq((out["encrypted"], out["verify"]["ok"], out["verify"]["files"], out["moved_aside"]),
         (True, True, 1, []), "--json: encrypted, verified with its file, nothing moved aside")
    h.eq(sorted(os.listdir(new)), ["indgang.db", "indgang.db.files", "indgang.db.vapid.pem"],
         "the database, its files folder and its key, and no staging folder")
    h.eq([oct(mode(os.path.join(new, n))) for n in sorted(os.listdir(new))],
         [oct(0o600), oct(0o700), oct(0o600)], "modes 0600, 0700, 0600")
    await w.close_clients()
    w.gw.stop(10)
    w.gw.db = db  # the same port, tokens and world: the restored copy behind them
    w.gw.start()
    anna = await w.client("anna", label="anna-restored")
    bodies = [m["body"] for m in await anna.sync_all(0)]
    h.check(all(b in bodies for b in w.bodies), "a gateway on the restored database serves "
            "the messages", w.bodies, bodies)
    st, _, body = await w.ahttp("GET", "/api/attachments/%d" % w.doc, token=w.token("anna"))
    h.check(st == 200 and MARK in body, "and the document", "200 with its text", (st, body[:80]))
    lines = [ln for ln in w.gw.lines if "event=at_rest_" in ln]
    h.check(len(lines) >= 1 and all(("at_rest_unencrypted" in ln) == ("level=warning" in ln)
                                    for ln in lines),
            "the gateway says at start whether its data is on an encrypted volume (a warning "
            "when not)", "event=at_rest_...", lines)
    w.restored = new


async def test_status_says_where_the_data_is(w):
    r = admin("--json", "status", "--url", "https://127.0.0.1:%d" % w.port, db=w.gw.db)
    h.eq(r.returncode, 0, "status --json (%s)" % r.stderr)
    rest = json.loads(r.stdout).get("at_rest") or {}
    h.check(rest.get("state") in ("encrypted", "not_encrypted", "unknown")
            and rest.get("encrypted") == (rest.get("state") == "encrypted") and rest.get("how"),
            "status --json has at_rest", "{state, encrypted, how, ...}", rest)
    r = admin("status", "--url", "https://127.0.0.1:%d" % w.port, db=w.gw.db)
    want = {"encrypted": "Data at rest: encrypted (", "unknown": "Data at rest: unknown",
            "not_encrypted": "Data at rest: NOT on an encrypted volume"}[rest["state"]]
    h.check(want in r.stdout and ("section 5a" in r.stdout) == (rest["state"] != "encrypted"),
            "status says it in words", want, r.stdout)


async def test_refusals_leave_the_target_alone(w):
    live = w.gw.db  # the restored database, served by the running gateway
    r = admin("restore", w.sealed, "--age-identity", w.key, "--replace", db=live)
    h.check(r.returncode == 1 and "in use" in r.stderr, "restore onto the running gateway's "
            "database is refused, even with --replace", "exit 1, in use",
            (r.returncode, r.stderr))
    h.eq([n for n in os.listdir(w.restored) if "before-restore" in n or n.startswith(".")], [],
         "and nothing was moved aside or left")
    w.gw.stop(10)
    before = snapshot(w.restored)
    r = admin("restore", w.sealed, "--age-identity", w.wrong, "--replace", db=live)
    h.check(r.returncode == 1 and "age" in r.stderr and "no identity matched" in r.stderr,
            "restore with the wrong identity fails, naming age's reason", "exit 1, age: no "
            "identity matched", (r.returncode, r.stderr))
    r = admin("restore", w.sealed, "--age-identity", w.key, db=live)
    h.check(r.returncode == 1 and "exists" in r.stderr and "--replace" in r.stderr,
            "restore onto an existing database without --replace is refused",
            "exit 1, exists: give --replace", (r.returncode, r.stderr))
    r = admin("restore", w.sealed, db=live)
    h.eq(r.returncode, 2, "an encrypted backup without --age-identity is bad usage")
    h.eq(snapshot(w.restored), before, "after the refusals the target is as it was")
    r = admin("--json", "restore", w.sealed, "--age-identity", w.key, "--replace", db=live)
    h.eq(r.returncode, 0, "restore --replace with the gateway stopped (%s)" % r.stderr)
    aside = json.loads(r.stdout)["moved_aside"]
    h.check(len(aside) >= 3 and all(".before-restore-" in p and os.path.exists(p) for p in aside),
            "--replace moved the old database, key and files aside", "*.before-restore-*", aside)
    r = admin("verify", aside[0])
    h.eq(r.returncode, 0, "the moved-aside database still verifies with its files (%s)"
         % r.stdout[-200:])
    w.gw.start()


async def test_failures_leave_nothing(w):
    d = os.path.join(w.tmp, "failures")
    os.mkdir(d, 0o700)
    cases = [
        ("a malformed recipient", ["--age-recipient", "age1notakey"], None, ("malformed",)),
        ("age not on PATH", ["--age-recipient", w.pub], path_with(w, "tar"),
         ("cannot run age", "age")),
        ("tar not on PATH", ["--age-recipient", w.pub], path_with(w, "age"), ("cannot run tar",)),
        ("an unreadable recipients file", ["--age-recipients-file", d + "/none.txt"], None,
         ("none.txt",)),
    ]
    for what, extra, env, words in cases:
        r = admin("backup", d, *extra, db=w.db, env=env)
        h.check(r.returncode == 1 and all(x in r.stderr for x in words),
                "backup with %s: a clear error, exit 1" % what, "exit 1, %s" % (words,),
                (r.returncode, r.stderr))
        h.eq((os.listdir(d), staging_left(w.tmp)), ([], []),
             "backup with %s leaves no file and no staging folder" % what)
    r = admin("backup", os.path.join(d, "x.db"), "--age-recipient", w.pub, db=w.db)
    h.check(r.returncode == 2 and ".tar.age" in r.stderr, "an encrypted backup's PATH must end "
            "in .tar.age", "exit 2", (r.returncode, r.stderr))
    with open(w.sealed, "rb") as f:
        old = f.read()
    r = admin("backup", w.sealed, "--age-recipient", w.pub, db=w.db)
    with open(w.sealed, "rb") as f:
        h.check(r.returncode == 1 and "exists" in r.stderr and f.read() == old,
                "an existing backup is never overwritten", "exit 1, exists, same bytes",
                (r.returncode, r.stderr))


async def test_recipients_from_the_config(w):
    d = os.path.join(w.tmp, "nightly")
    os.mkdir(d, 0o700)
    rcpt = os.path.join(w.tmp, "backup-recipients.txt")
    with open(rcpt, "w") as f:
        f.write("# the municipality's two backup keys\n%s\n\n%s\n" % (w.pub, keygen(w, "k2")[1]))
    conf = os.path.join(w.tmp, "admin.conf")
    with open(conf, "w") as f:
        f.write("db = %s\nbackup_age_recipients = %s\n" % (w.gw.db, rcpt))
    r = admin("--config", conf, "backup", d)
    h.eq(r.returncode, 0, "backup with backup_age_recipients in the config (%s)" % r.stderr)
    h.check("encrypted with age to 2 recipients" in r.stdout and "OK" in r.stdout,
            "it says it encrypted to the file's two keys", "2 recipients, OK", r.stdout)
    names = os.listdir(d)
    h.check(len(names) == 1 and names[0].endswith(".tar.age"), "one .tar.age, unasked",
            "[*.tar.age]", names)
    r = run(["age", "-d", "-i", w.key, "-o", os.devnull, os.path.join(d, names[0])], text=True)
    h.eq(r.returncode, 0, "the first key of the file decrypts it (%s)" % r.stderr)
    r = admin("--json", "--config", conf, "backup", d + "/plain.db", "--age-recipient", w.pub)
    h.check(r.returncode == 2, "a command line recipient still wants .tar.age", "exit 2",
            r.returncode)


async def test_restore_a_plain_backup(w):
    plain = os.path.join(w.tmp, "plain", "indgang-plain.db")
    os.mkdir(os.path.dirname(plain), 0o700)
    r = admin("--json", "backup", plain, db=w.gw.db)
    h.eq((r.returncode, json.loads(r.stdout or "{}").get("encrypted")), (0, False),
         "a plain backup says encrypted: false (%s)" % r.stderr)
    new = os.path.join(w.tmp, "from-plain")
    os.mkdir(new, 0o700)
    r = admin("--json", "restore", plain, db=os.path.join(new, "indgang.db"))
    h.eq(r.returncode, 0, "restore of a plain .db backup (%s)" % r.stderr)
    out = json.loads(r.stdout)
    h.eq((out["encrypted"], out["verify"]["ok"], out["verify"]["files"], out["push_key"]),
         (False, True, 1, True), "its file copied and checked, its push key beside it")
    shutil.rmtree(plain + ".files")
    r = admin("restore", plain, "--replace", db=os.path.join(new, "indgang.db"))
    h.check(r.returncode == 1 and "does not verify" in r.stderr and
            not [n for n in os.listdir(new) if "before-restore" in n],
            "a backup whose files are gone does not verify, and nothing is moved aside",
            "exit 1, does not verify", (r.returncode, r.stderr, os.listdir(new)))


try:
    h.run([test_messages_and_a_document, test_encrypted_backup_while_running,
           test_by_hand_age_and_tar, test_restore_into_a_new_folder,
           test_status_says_where_the_data_is, test_refusals_leave_the_target_alone,
           test_failures_leave_nothing, test_recipients_from_the_config,
           test_restore_a_plain_backup],
          extra_args=("--clamd-socket", CLAMD.socket), per_test_timeout=45)
finally:
    CLAMD.close()
