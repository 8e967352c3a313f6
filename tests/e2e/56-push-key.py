"""56 push key: the gateway's Web Push (VAPID) key pair is made once by indgang-admin beside the
database, readable by its owner only, goes into every backup, and its public key is served to
the clients that subscribe (issue 12)."""
import base64
import json
import os
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def admin(w, *args):
    r = subprocess.run([h.ADMIN, "--db", w.db, "--json"] + list(args), capture_output=True,
                       text=True, timeout=60)
    h.eq(r.returncode, 0, "indgang-admin %s: exit status (stderr %s)" % (" ".join(args),
                                                                      r.stderr[-300:]))
    return json.loads(r.stdout)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


async def test_made_by_init_and_served(w):
    key = w.db + ".vapid.pem"
    h.check(os.path.exists(key), "init made the key beside the database", key, "missing")
    h.eq(oct(mode(key)), oct(0o600), "the key file's mode")
    st, _, b = w.http("GET", "/api/push/key")
    h.eq(st, 200, "GET /api/push/key without a sign-in")
    pub = b.get("public_key", "")
    raw = base64.urlsafe_b64decode(pub + "=" * (-len(pub) % 4))
    h.check(len(pub) == 87 and "=" not in pub and len(raw) == 65 and raw[0] == 4,
            "an uncompressed P-256 point in unpadded base64url", "87 characters, 0x04...", pub)
    out = admin(w, "push-key")
    h.eq((out["push_public_key"], out["push_key_created"]), (pub, False),
         "push-key prints the same key and makes no new one")


async def test_in_every_backup(w):
    dest = os.path.join(w.tmp, "backup.db")
    out = admin(w, "backup", dest)
    h.eq(out.get("push_key"), True, "the backup reports the key")
    copy = dest + ".vapid.pem"
    h.check(os.path.exists(copy), "the key is beside the backup", copy, "missing")
    h.eq(oct(mode(copy)), oct(0o600), "the copy's mode")
    with open(copy, "rb") as a, open(w.db + ".vapid.pem", "rb") as b:
        h.check(a.read() == b.read(), "the copy is the key", "same bytes", "different")


async def test_a_key_others_can_read_is_not_used(w):
    key = w.db + ".vapid.pem"
    os.chmod(key, 0o644)
    try:
        w.gw.restart()
        st, _, b = w.http("GET", "/api/push/key")
        h.eq(st, 404, "a key readable by others: the gateway sends no push")
        h.check("push_key_unusable" in w.gw.tail(200), "and logs why", "push_key_unusable",
                w.gw.tail(5))
    finally:
        os.chmod(key, 0o600)
        w.gw.restart()
    st, _, _ = w.http("GET", "/api/push/key")
    h.eq(st, 200, "with 0600 again it is used")


if __name__ == "__main__":
    h.run([test_made_by_init_and_served, test_in_every_backup,
           test_a_key_others_can_read_is_not_used])
