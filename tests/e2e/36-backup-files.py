"""36 backup files: indgang-admin backup copies the attachment files the database copy names
(checked files by their SHA-256, and the spool file of an upload still being checked) into
BACKUP.files in the same layout, hashing each as it goes; a second backup into the same place
leaves the files already there alone; a damaged or missing file in the source is named and
makes the backup exit 1 while the rest is still copied; verify hashes every named file and
fails with one line per problem (at most 20); quarantine and temporary spool files stay on
the server (issue 14).  The attachments rows are made by hand: no gateway runs."""
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def admin(*args, db=None):
    argv = [h.ADMIN] + (["--db", db] if db else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def admin_json(*args, db=None, rc=0):
    r = admin("--json", *args, db=db)
    h.eq(r.returncode, rc, "indgang-admin %s: exit status (stderr %s)"
         % (" ".join(args), r.stderr[-400:]))
    try:
        return json.loads(r.stdout)
    except ValueError:
        h.fail("indgang-admin --json %s: not one JSON document" % " ".join(args), "JSON",
               r.stdout)


def sha(data):
    return hashlib.sha256(data).hexdigest()


def stored(root, digest):
    return os.path.join(root, digest[:2], digest[2:])


def put(root, data):
    """A checked file, written where the gateway keeps it: root/ab/cdef..."""
    digest = sha(data)
    os.makedirs(os.path.join(root, digest[:2]), mode=0o700, exist_ok=True)
    with open(stored(root, digest), "wb") as f:
        f.write(data)
    return digest


def flip(path, at=1000):
    with open(path, "r+b") as f:
        f.seek(at)
        b = f.read(1)
        f.seek(at)
        f.write(bytes([b[0] ^ 0x55]))


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


class World:
    """A database made by init + import, with attachments rows and their files."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="indgang-e2e-")
        self.db = os.path.join(self.tmp, "indgang.db")
        self.files = self.db + ".files"

    def __enter__(self):
        r = subprocess.run([h.ADMIN, "--db", self.db, "init"], capture_output=True, text=True,
                           timeout=30)
        h.eq(r.returncode, 0, "indgang-admin init (%s)" % r.stderr[-400:])
        r = subprocess.run([h.ADMIN, "--db", self.db, "import", "-"],
                           input=json.dumps(h.WORLD_DOC), capture_output=True, text=True,
                           timeout=60)
        h.eq(r.returncode, 0, "indgang-admin import (%s)" % r.stderr[-400:])
        out = json.loads(r.stdout)
        self.mette = out["families"][0]["members"][0]["id"]
        rnd = os.urandom
        self.photo, self.thumb = rnd(150 * 1024 + 7), rnd(9 * 1024)  # > one 64 KiB buffer
        self.pdf, self.upload = rnd(200 * 1024), rnd(70 * 1024 + 3)
        self.photo_sha = put(self.files, self.photo)
        self.thumb_sha = put(self.files, self.thumb)
        self.pdf_sha = put(self.files, self.pdf)
        # What the backup leaves on the server: malware and an upload arriving.
        for d in ("spool", "quarantine"):
            os.makedirs(os.path.join(self.files, d), mode=0o700, exist_ok=True)
        with open(os.path.join(self.files, "quarantine", "99.part"), "wb") as f:
            f.write(b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR")
        with open(os.path.join(self.files, "spool", "new-00000000000000aa.part"), "wb") as f:
            f.write(b"half an upload")
        with sqlite3.connect(self.db) as c:
            def row(state, kind, mime, name, size, s1, s2):
                return c.execute(
                    "INSERT INTO attachments(owner_id, state, kind, mime, name, size, sha256, "
                    "thumb_sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1700000000000)",
                    (self.mette, state, kind, mime, name, size, s1, s2)).lastrowid
            self.a_photo = row("ready", "image", "image/jpeg", "a.jpg", len(self.photo),
                               self.photo_sha, self.thumb_sha)
            # The same photo sent again: its files are shared, copied once.
            self.a_again = row("ready", "image", "image/jpeg", "b.jpg", len(self.photo),
                               self.photo_sha, self.thumb_sha)
            self.a_pdf = row("ready", "pdf", "application/pdf", "c.pdf", len(self.pdf),
                             self.pdf_sha, None)
            self.a_checking = row("checking", "pdf", "application/pdf", "d.pdf",
                                  len(self.upload), None, None)
            self.a_rejected = row("rejected", "", "", "e.exe", 10, None, None)
            self.a_receiving = row("receiving", "", "", "", 10, None, None)
        with open(os.path.join(self.files, "spool", "%d.part" % self.a_checking), "wb") as f:
            f.write(self.upload)
        self.bytes = len(self.photo) + len(self.thumb) + len(self.pdf) + len(self.upload)
        return self

    def __exit__(self, *exc):
        if os.environ.get("INDGANG_E2E_KEEP"):
            print("kept %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def backup_path(self, name):
        os.makedirs(os.path.join(self.tmp, "bk"), mode=0o700, exist_ok=True)
        return os.path.join(self.tmp, "bk", name)


def check_copied(w, dest):
    bf = dest + ".files"
    for data, digest in ((w.photo, w.photo_sha), (w.thumb, w.thumb_sha), (w.pdf, w.pdf_sha)):
        p = stored(bf, digest)
        h.check(os.path.isfile(p), "the backup holds %s/%s" % (digest[:2], digest[2:]), p,
                sorted(os.listdir(bf)))
        with open(p, "rb") as f:
            h.check(f.read() == data, "its copy of %s is the file" % digest[:8], "same bytes",
                    "different")
        h.check(os.stat(p).st_ino != os.stat(stored(w.files, digest)).st_ino,
                "a copy, not a hard link to the original", "another inode", "the same")
        h.eq(oct(mode(p)), oct(0o600), "a copied file's mode")
        h.eq(oct(mode(os.path.dirname(p))), oct(0o700), "a folder's mode")
    with open(os.path.join(bf, "spool", "%d.part" % w.a_checking), "rb") as f:
        h.check(f.read() == w.upload, "the upload still being checked is in the backup's spool",
                "same bytes", "different")
    h.check(not os.path.exists(os.path.join(bf, "quarantine", "99.part")),
            "quarantine is not copied", "absent", os.listdir(bf))
    spool = sorted(os.listdir(os.path.join(bf, "spool")))
    h.eq(spool, ["%d.part" % w.a_checking], "only the uploads being checked are in the spool")
    left = [os.path.join(b, f) for b, _, fs in os.walk(bf) for f in fs if ".tmp" in f]
    h.eq(left, [], "no temporary file left behind")


def test_backup_copies_the_files(w):
    dest = w.backup_path("one.db")
    out = admin_json("backup", dest, db=w.db)
    got = {k: out.get(k) for k in ("files_dir", "files", "files_copied", "files_present",
                                   "file_bytes", "file_errors", "file_problems")}
    h.eq(got, {"files_dir": dest + ".files", "files": 4, "files_copied": 4, "files_present": 0,
               "file_bytes": w.bytes, "file_errors": 0, "file_problems": []},
         "backup --json: the files (photo and thumbnail shared by two rows, pdf, one upload)")
    check_copied(w, dest)
    r = admin("backup", w.backup_path("two.db"), db=w.db)
    h.eq(r.returncode, 0, "backup, human output: exit status (%s)" % r.stderr)
    h.check("4 files" in r.stdout and "4 copied" in r.stdout and w.backup_path("two.db.files")
            in r.stdout, "backup says where the files went and how many",
            "4 files, 4 copied, two.db.files", r.stdout)
    shutil.rmtree(w.backup_path("two.db.files"))
    for suffix in ("", ".vapid.pem"):
        os.unlink(w.backup_path("two.db" + suffix))


def test_verify_a_good_backup(w):
    dest = w.backup_path("one.db")
    out = admin_json("verify", dest)
    got = {k: out.get(k) for k in ("ok", "files_dir", "files", "file_bytes", "file_errors",
                                   "file_problems")}
    h.eq(got, {"ok": True, "files_dir": dest + ".files", "files": 4, "file_bytes": w.bytes,
               "file_errors": 0, "file_problems": []}, "verify --json of the backup")
    r = admin("verify", dest)
    h.eq(r.returncode, 0, "verify of the backup: exit status (%s)" % r.stdout)
    h.check(r.stdout.startswith("OK") and "attachments" in r.stdout and "4 files" in r.stdout,
            "verify shows the files it checked", "OK ... attachments  4 files", r.stdout)
    out = admin_json("verify", db=w.db)
    h.eq((out["ok"], out["files"], out["files_dir"]), (True, 4, w.files),
         "verify of the source: its files beside it")


def test_backup_into_a_directory(w):
    d = os.path.join(w.tmp, "nightly")
    os.mkdir(d, 0o700)
    out = admin_json("backup", d + "/", db=w.db)
    h.check(out["backup"].startswith(d + "/indgang-") and out["backup"].endswith(".db"),
            "a directory gets indgang-TIMESTAMP.db", d + "/indgang-*.db", out["backup"])
    h.eq((out["files_dir"], out["files_copied"]), (out["backup"] + ".files", 4),
         "and its files beside it")
    h.eq(admin_json("verify", out["backup"])["ok"], True, "verify of the directory's backup")
    shutil.rmtree(d)


def test_files_from_the_config(w):
    alt = os.path.join(w.tmp, "elsewhere")
    shutil.copytree(w.files, alt)
    conf = os.path.join(w.tmp, "indgang.conf")
    with open(conf, "w") as f:
        f.write("db = %s\nfiles = %s\n" % (w.db, alt))
    os.rename(w.files, w.files + ".aside")
    try:
        out = admin_json("--config", conf, "verify")
        h.eq((out["ok"], out["files_dir"], out["files"]), (True, alt, 4),
             "verify takes the files folder from the config's files")
        dest = w.backup_path("conf.db")
        out = admin_json("--config", conf, "backup", dest)
        h.eq((out["files_copied"], out["file_errors"]), (4, 0),
             "backup copies from the config's files folder")
    finally:
        os.rename(w.files + ".aside", w.files)
        shutil.rmtree(alt)


def test_again_into_the_same_place(w):
    dest = w.backup_path("one.db")
    bf = dest + ".files"
    before = {d: os.stat(stored(bf, d)) for d in (w.photo_sha, w.thumb_sha)}
    flip(stored(bf, w.pdf_sha))  # the backup's own copy damaged: copied anew
    for p in (dest, dest + ".vapid.pem"):
        os.unlink(p)
    out = admin_json("backup", dest, db=w.db)
    got = {k: out.get(k) for k in ("files", "files_copied", "files_present", "file_errors")}
    h.eq(got, {"files": 4, "files_copied": 2, "files_present": 2, "file_errors": 0},
         "a second backup into the same place: the files there with the right hash stay, a "
         "damaged one and the upload's spool file are copied")
    for d, st in before.items():
        now = os.stat(stored(bf, d))
        h.eq((now.st_ino, now.st_mtime_ns), (st.st_ino, st.st_mtime_ns),
             "a file already there is left alone (inode, mtime)")
    check_copied(w, dest)
    r = admin("backup", w.backup_path("one.db"), db=w.db)
    h.eq(r.returncode, 1, "an existing backup file is still never overwritten")


def test_damaged_source(w):
    flip(stored(w.files, w.pdf_sha))
    dest = w.backup_path("damaged.db")
    out = admin_json("backup", dest, db=w.db, rc=1)
    h.eq((out["file_errors"], out["files_copied"]), (1, 3),
         "backup of a source with a damaged file: one error, the other files copied")
    p = out["file_problems"]
    h.check(len(p) == 1 and ("attachment %d" % w.a_pdf) in p[0] and w.pdf_sha[2:] in p[0]
            and "not match" in p[0], "the problem names the attachment and its file",
            "attachment %d ... %s ... does not match" % (w.a_pdf, w.pdf_sha), p)
    h.check(not os.path.exists(stored(dest + ".files", w.pdf_sha)),
            "a damaged file is not copied under its name", "absent", "copied")
    h.check(os.path.exists(dest), "the database copy is kept", dest, "gone")
    dest2 = w.backup_path("damaged2.db")
    r = admin("backup", dest2, db=w.db)
    h.eq(r.returncode, 1, "backup with a damaged file, human output: exit status 1")
    h.check(("attachment %d" % w.a_pdf) in r.stdout and w.pdf_sha[2:] in r.stdout,
            "the human output names the attachment and the file", "attachment %d" % w.a_pdf,
            r.stdout)
    out = admin_json("verify", dest, rc=1)
    h.eq((out["ok"], out["file_errors"]), (False, 1),
         "verify of the backup that lacks the damaged file fails")


def test_verify_finds_damaged_and_missing(w):
    os.unlink(stored(w.files, w.thumb_sha))  # missing; the pdf is damaged since the last test
    out = admin_json("verify", db=w.db, rc=1)
    h.eq((out["ok"], out["files"], out["file_errors"]), (False, 4, 2),
         "verify of the source: 4 files named, 2 problems")
    text = "\n".join(out["file_problems"])
    h.check(("attachment %d" % w.a_pdf) in text and ("attachment %d" % w.a_photo) in text
            and "missing" in text and "not match" in text, "one line per problem",
            "attachment %d: ... does not match; attachment %d: ... missing"
            % (w.a_pdf, w.a_photo), out["file_problems"])
    os.unlink(os.path.join(w.files, "spool", "%d.part" % w.a_checking))
    r = admin("verify", db=w.db)
    h.eq(r.returncode, 1, "verify, human output: exit status 1")
    h.check(r.stdout.startswith("NOT OK") and ("spool/%d.part" % w.a_checking) in r.stdout
            and w.thumb_sha[2:] in r.stdout, "NOT OK and a line per problem, the upload's too",
            "NOT OK ... spool/%d.part ... %s" % (w.a_checking, w.thumb_sha), r.stdout)
    with sqlite3.connect(w.db) as c:
        for i in range(25):
            c.execute("INSERT INTO attachments(owner_id, state, size, sha256, created_at) "
                      "VALUES (?, 'ready', 1, ?, 1)", (w.mette, sha(b"gone %d" % i)))
    out = admin_json("verify", db=w.db, rc=1)
    h.eq((out["file_errors"], len(out["file_problems"])), (28, 20),
         "28 problems: 20 listed in the JSON")
    r = admin("verify", db=w.db)
    listed = [ln for ln in r.stdout.splitlines() if ln.strip().startswith("attachment ")]
    h.check(len(listed) == 20 and "and 8 more" in r.stdout, "20 lines, then a count",
            "20 lines and '... and 8 more'", r.stdout)


def test_backup_without_its_files(w):
    dest = w.backup_path("one.db")
    shutil.rmtree(dest + ".files")
    out = admin_json("verify", dest, rc=1)
    h.eq((out["ok"], out["files"], out["file_errors"]), (False, 4, 4),
         "verify of a backup whose .files folder is gone fails, every file missing")
    r = admin("verify", dest)
    h.check(r.returncode == 1 and r.stdout.startswith("NOT OK") and "missing" in r.stdout,
            "and says so", "NOT OK ... missing", r.stdout)


if __name__ == "__main__":
    h.run_without_gateway(
        [test_backup_copies_the_files, test_verify_a_good_backup, test_backup_into_a_directory,
         test_files_from_the_config, test_again_into_the_same_place, test_damaged_source,
         test_verify_finds_damaged_and_missing, test_backup_without_its_files],
        World, per_test_timeout=60)
