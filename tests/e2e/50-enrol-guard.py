"""50 enrol guard: nobody enrols as a family member unseen.

Whoever creates an invite could redeem it and read the family's messages as the
member.  So the enrolment names who made the invite, the member's other phones and
the pair are told at once by a system message, the member sees (and can revoke)
their own phones, an administrator cannot make a usable code for a member who has
a phone, and invite codes are stored only as hashes."""
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def log_entries(w, fam, token):
    st, _, b = w.http("GET", "/api/families/%d/log" % w.fam[fam], token=token)
    h.eq(st, 200, "GET log")
    return b["entries"]


async def test_enrol_names_the_inviter(w):
    code = w.new_invite("mette", by="anna")
    w.enrol(code, "Mettes telefon")
    enrols = [e for e in log_entries(w, "A", w.token("bo")) if e.get("kind") == "enrol"]
    h.check(enrols, "the contact log has the enrolment", "an enrol entry", enrols)
    h.check("Anna Jensen" in enrols[-1].get("detail", ""),
            "the enrol entry names who created the invite", "detail naming Anna Jensen",
            enrols[-1])


async def test_new_phone_is_announced(w):
    phone = await w.client("mette", "phone")
    anna = await w.client("anna")
    bo = await w.client("bo")
    amina = await w.client("amina")
    for c in (phone, anna, bo, amina):
        c.keep_notices = True
    w.enrol(w.new_invite("mette", by="bo"), "Ukendt tablet")

    def told(f):
        m = f.get("message") or {}
        return m.get("kind") == "system" and "Ukendt tablet" in m.get("body", "")
    for c in (phone, anna, bo):
        f = await c.recv_until("message", 5, pred=told)
        h.eq(f["message"].get("conv"), w.conv["A"], "%s: the notice is in the family's "
             "conversation" % c.label)
    await amina.expect_no_frame(0.3, type="message", what="another family was told")
    # it stays in the history for whoever was offline
    st, _, b = w.http("GET", "/api/conversations/%d/messages" % w.conv["A"],
                      token=w.token("jonas"))
    h.check(any(told({"message": m}) for m in b.get("messages", [])),
            "the notice is in the history", "a system message about the new phone", b)


async def test_member_sees_and_revokes_own_phones(w):
    w.token("jonas")  # another member's phone must not show
    st, _, b = w.http("GET", "/api/families/%d/devices" % w.fam["A"], token=w.token("mette"))
    h.eq(st, 200, "a member lists the family's devices: status")
    owners = {d["user"]["id"] for d in b.get("devices", [])}
    h.eq(owners, {w.ids["mette"]}, "a member sees only their own phones")
    unknown = [d for d in b["devices"] if d["name"] == "Ukendt tablet" and not d["revoked_at"]]
    h.check(unknown, "the phone added by someone else is listed", "Ukendt tablet", b)
    st, _, _ = w.http("DELETE", "/api/devices/%d" % unknown[0]["id"], token=w.token("mette"))
    h.eq(st, 204, "the member revokes it")


async def test_admin_cannot_invite_member_with_phone(w):
    w.token("mette")
    st, _, b = w.http("POST", "/api/invites", {"member": w.ids["mette"]}, token=w.token("admin"))
    h.eq(st, 409, "an admin's invite for a member who has a phone: status")
    h.check_error_body(b, "conflict", "an admin's invite for a member who has a phone")
    r = subprocess.run([h.ADMIN, "--db", w.db, "invite", str(w.ids["mette"])],
                       capture_output=True, text=True, timeout=30)
    h.check(r.returncode != 0 and "phone" in r.stderr, "indgang-admin invite refuses too",
            "non-zero exit naming the phone", (r.returncode, r.stderr))
    # the pair still can (a lost phone), and an admin can for a member without one
    w.new_invite("mette", by="anna")
    st, _, _ = w.http("DELETE", "/api/devices/%d" % w.device("amina")["id"],
                      token=w.token("dora"))
    h.eq(st, 204, "Amina's only phone is revoked")
    st, _, b = w.http("POST", "/api/invites", {"member": w.ids["amina"]}, token=w.token("admin"))
    h.eq(st, 201, "an admin's invite for a member without a phone")


async def test_codes_stored_as_hashes(w):
    code = w.new_invite("jonas", by="anna")
    db = sqlite3.connect("file:%s?mode=ro" % w.db, uri=True)
    try:
        dump = "\n".join(db.iterdump())
    finally:
        db.close()
    for c in list(w.invites.values()) + [code]:
        h.check(c not in dump and c.replace("-", "") not in dump,
                "invite code %s is not in the database file" % c, "only its hash", "found")
    w.enrol(code, "Jonas' nye telefon")  # and it still works


if __name__ == "__main__":
    h.run([test_enrol_names_the_inviter, test_new_phone_is_announced,
           test_member_sees_and_revokes_own_phones, test_admin_cannot_invite_member_with_phone,
           test_codes_stored_as_hashes])
