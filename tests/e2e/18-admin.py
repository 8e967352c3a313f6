"""18 admin: indgang-admin provisions exactly as the contract says, all or nothing, and
its everyday commands take effect on a running gateway (handover, invites, deactivation,
password reset and device revocation close live sockets)."""
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

# The example document of PROTOCOL.md, passwords omitted for two staff members.
EXAMPLE = {
    "admins": [{"username": "admin", "name": "Ida Admin", "password": "admin-kodeord-9"}],
    "teams": [{"name": "Team Øst",
               "staff": [{"username": "anna", "name": "Anna Jensen",
                          "password": "anna-kodeord-9"},
                         {"username": "bo", "name": "Bo Nielsen"},
                         {"username": "carl", "name": "Carl Sundhed"}]}],
    "families": [{"name": "Familien Hansen", "team": "Team Øst",
                  "primary": "anna", "secondary": "bo",
                  "members": [{"name": "Mette Hansen"}, {"name": "Jonas Hansen"}]}],
}


def admin(db, *args, stdin=None):
    return subprocess.run([h.ADMIN, "--db", db] + list(args), input=stdin, capture_output=True,
                          text=True, timeout=60)


def count_users(db):
    with sqlite3.connect(db) as c:
        return c.execute("SELECT count(*) FROM users").fetchone()[0]


async def test_import_example(w):
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "x.db")
        r = admin(db, "import", "-", stdin=json.dumps(EXAMPLE))
        h.eq(r.returncode, 0, "import of PROTOCOL.md's example: exit status (%s)" % r.stderr)
        out = json.loads(r.stdout)
        h.eq([a["username"] for a in out["admins"]], ["admin"], "import output: admins")
        h.check(h.is_id(out["admins"][0]["id"]), "admin id is a positive integer", "id", out)
        team = out["teams"][0]
        h.eq(team["name"], "Team Øst", "import output: team name")
        h.eq([s["username"] for s in team["staff"]], ["anna", "bo", "carl"], "team staff")
        gen = {s["username"]: s.get("password") for s in team["staff"]}
        h.check(gen["anna"] is None, "a given password is not printed", None, gen)
        h.check(isinstance(gen["bo"], str) and len(gen["bo"]) >= 10,
                "an omitted password is generated and printed once", ">= 10 chars", gen)
        fam = out["families"][0]
        h.check(h.is_id(fam["id"]) and h.is_id(fam["conversation"]),
                "family id and default conversation", "ids", fam)
        h.eq([m["name"] for m in fam["members"]], ["Mette Hansen", "Jonas Hansen"], "members")
        for m in fam["members"]:
            h.check(h.is_id(m["id"]) and isinstance(m["invite"], str) and len(m["invite"]) >= 10,
                    "each member has an id and an invite code", "id + invite", m)


async def test_import_all_or_nothing(w):
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "x.db")
        h.eq(admin(db, "init").returncode, 0, "init")
        before = count_users(db)
        bad = json.loads(json.dumps(EXAMPLE))
        bad["families"][0]["primary"] = "nobody"
        r = admin(db, "import", "-", stdin=json.dumps(bad))
        h.eq(r.returncode, 1, "import with an unknown primary adviser: exit status")
        h.check("families[0]" in r.stderr and "nobody" in r.stderr,
                "the error names the bad entry", "families[0] ... nobody", r.stderr)
        h.eq(count_users(db), before, "nothing of the bad document is stored")


async def test_handover(w):
    """set-pair: the new pair writes to the family and sees the whole history."""
    mette = await w.client("mette")
    r = await mette.request({"type": "send", "conv": w.conv["A"], "client_id": h.uid(),
                             "body": "Før overdragelsen"})
    h.eq(r.get("type"), "ack", "Mette's message before the handover")
    old_id = r["message"]["id"]
    res = admin(w.db, "set-pair", str(w.fam["A"]), "--primary", "carl", "--secondary", "bo")
    h.eq(res.returncode, 0, "set-pair carl/bo (%s)" % res.stderr)
    carl = await w.client("carl")
    page = await carl.request({"type": "history", "conv": w.conv["A"], "limit": 500})
    h.check(any(m["id"] == old_id for m in page.get("messages", [])),
            "the new primary adviser sees the history from before the handover", old_id, page)
    r = await carl.request({"type": "send", "conv": w.conv["A"], "client_id": h.uid(),
                            "body": "Hej, jeg er jeres nye rådgiver"})
    h.eq(r.get("type"), "ack", "the new pair adviser writes to the family")
    anna = await w.client("anna")
    r = await anna.request({"type": "send", "conv": w.conv["A"], "client_id": h.uid(),
                            "body": "stadig her?"})
    h.eq(h.error_code(r), "forbidden", "the old adviser (now only in the team) writes text")
    res = admin(w.db, "set-pair", str(w.fam["A"]), "--primary", "anna", "--secondary", "bo")
    h.eq(res.returncode, 0, "set-pair back to anna/bo")


async def test_invite_enrols(w):
    res = admin(w.db, "--json", "invite", str(w.ids["jonas"]))
    h.eq(res.returncode, 0, "invite for Jonas (%s)" % res.stderr)
    code = json.loads(res.stdout)["code"]
    st, _, body = w.http("POST", "/api/enrol", {"code": code, "device": "Jonas' tablet"})
    h.eq(st, 200, "enrolment with a code from indgang-admin invite")
    h.eq(body["user"]["id"], w.ids["jonas"], "the code belongs to Jonas")


async def test_deactivate_closes_sockets(w):
    tok = w.token("frida")
    c = await w.client("frida")
    res = admin(w.db, "deactivate", "frida")
    h.eq(res.returncode, 0, "deactivate frida (%s)" % res.stderr)
    h.eq(await c.wait_close(8), 4403, "frida's open WebSocket after deactivation: close code")
    st, _, _ = w.http("GET", "/api/me", token=tok)
    h.eq(st, 401, "frida's token after deactivation")
    st, _, _ = w.http("POST", "/api/login", {"username": "frida",
                                             "password": h.PASSWORDS["frida"]})
    h.eq(st, 401, "a deactivated account cannot log in")
    h.eq(admin(w.db, "activate", "frida").returncode, 0, "activate frida")
    st, _, _ = w.http("POST", "/api/login", {"username": "frida",
                                             "password": h.PASSWORDS["frida"]})
    h.eq(st, 200, "login after re-activation")
    w.forget_token("frida")


async def test_reset_password(w):
    c = await w.client("erik")
    res = admin(w.db, "reset-password", "erik", "--password", "nyt-kodeord-42")
    h.eq(res.returncode, 0, "reset-password erik (%s)" % res.stderr)
    h.eq(await c.wait_close(8), 4403, "erik's open WebSocket after a password reset")
    st, _, _ = w.http("POST", "/api/login", {"username": "erik", "password": "nyt-kodeord-42"})
    h.eq(st, 200, "login with the new password")
    st, _, _ = w.http("POST", "/api/login", {"username": "erik",
                                             "password": h.PASSWORDS["erik"]})
    h.eq(st, 401, "the old password no longer works")
    w.forget_token("erik")


async def test_revoke_device_from_console(w):
    dev = w.device("amina")
    c = await w.client("amina")
    res = admin(w.db, "revoke-device", str(dev["id"]))
    h.eq(res.returncode, 0, "revoke-device (%s)" % res.stderr)
    h.eq(await c.wait_close(8), 4403, "the revoked device's open WebSocket: close code")
    w.forget_token("amina")


h.run([test_import_example, test_import_all_or_nothing, test_handover, test_invite_enrols,
       test_deactivate_closes_sockets, test_reset_password, test_revoke_device_from_console])
