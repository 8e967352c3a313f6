"""82 attachment access: photos and documents in messages, and who may fetch them (issue 14).

A `send` frame carries `attachments` (the sender's upload ids); the message's MSG lists
them for everyone who receives it, and an empty body becomes the files' names so a client
that shows only text still shows something.  GET /api/attachments/{id} (and /thumb) serves
a checked file to its sender and to those who may see its message, and to nobody else
(the permission matrix: the pair, the team, the family, another family, another team,
an administrator, an internal note, a restricted conversation), with the server's type,
Content-Disposition inline only for images, nosniff and a sandboxing CSP; every staff
fetch is in the family's access log.  An upload can go in one message only, only its
sender can send it; one still arriving cannot be sent, a rejected one goes as rejected."""
import asyncio
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import clamd as clamd_mod  # noqa: E402
import harness as h  # noqa: E402

# clamd is one of the gateway's dependencies (gateway/install-deps.sh): without it this fails.
CLAMD = clamd_mod.Clamd()
CLAMD.start()

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def png():
    import struct
    import zlib

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    raw = b"".join(b"\x00" + b"".join(bytes((x * 7 % 256, y * 5 % 256, 90)) for x in range(32))
                   for y in range(24))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32, 24, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


async def upload(w, key, data, name):
    st, _, b = await w.ahttp("POST", "/api/uploads?name=" + name, raw=data, token=w.token(key))
    h.eq(st, 201, "upload %s by %s: %r" % (name, key, b))
    return b["id"]


async def ready(c, upload_id, timeout=20.0):
    f = await c.recv_until("attachment", timeout=timeout,
                           pred=lambda f: f.get("attachment", {}).get("id") == upload_id)
    h.eq(f["attachment"].get("state"), "ready", "upload %d checked: %r" % (upload_id, f))
    return f


async def fetch(w, key, upload_id, thumb=False):
    path = "/api/attachments/%d%s" % (upload_id, "/thumb" if thumb else "")
    return await w.ahttp("GET", path, token=w.token(key))


async def send_files(c, conv, ids, body="", kind=None):
    f = {"type": "send", "conv": conv, "client_id": h.uid("f"), "body": body, "attachments": ids}
    if kind:
        f["kind"] = kind
    return await c.request(f)


async def test_photo_in_a_message(w):
    mette = await w.client("mette")
    anna = await w.client("anna")
    pid = await upload(w, "mette", png(), "skolebrev.png")
    await ready(mette, pid)
    r = await send_files(mette, w.conv["A"], [pid])
    h.eq(r.get("type"), "ack", "a message of one photo is acknowledged: %r" % r)
    m = r["message"]
    h.eq(m.get("body"), "\U0001F4CE skolebrev.png", "an empty body becomes the file's name")
    att = m.get("attachments") or [{}]
    h.eq((len(m.get("attachments", [])), att[0].get("id"), att[0].get("state"), att[0].get("kind")),
         (1, pid, "ready", "image"), "the MSG lists its photo")
    got = await anna.recv_until("message", pred=lambda f: f["message"]["id"] == m["id"])
    h.eq([a["id"] for a in got["message"].get("attachments", [])], [pid], "the adviser's MSG lists it")
    st, hdr, body = await fetch(w, "anna", pid)
    h.eq(st, 200, "the pair fetches the photo")
    h.eq(hdr.get("Content-Type"), "image/png", "the type is the server's")
    h.check((hdr.get("Content-Disposition") or "").startswith("inline;"), "an image is inline",
            "inline; filename=...", hdr.get("Content-Disposition"))
    h.eq(hdr.get("X-Content-Type-Options"), "nosniff", "nosniff")
    csps = hdr.get_all("Content-Security-Policy") or []
    h.check(any("sandbox" in c for c in csps), "a sandboxing CSP", "sandbox", csps)
    st, hdr, thumb = await fetch(w, "anna", pid, thumb=True)
    h.eq(st, 200, "and its thumbnail")
    h.check(hdr.get("Content-Type") in ("image/jpeg", "image/png"), "the thumbnail's type",
            "image/jpeg or image/png", hdr.get("Content-Type"))
    w.photo = pid


async def test_who_may_fetch(w):
    pid = getattr(w, "photo", None)
    h.check(pid, "the photo of the test before", "an id", pid)
    # (key, allowed) -- carl is in the family's team, jonas in the family
    for key, allowed in (("mette", True), ("jonas", True), ("anna", True), ("bo", True),
                         ("carl", True), ("amina", False), ("dora", False), ("admin", False)):
        st, _, b = await fetch(w, key, pid)
        if allowed:
            h.eq(st, 200, "%s may fetch the photo" % key)
        else:
            h.check(st in (403, 404), "%s may not fetch the photo" % key, "403 or 404", (st, b))
    st, _, log = await w.ahttp("GET", "/api/families/%d/access-log" % w.fam["A"],
                               token=w.token("anna"))
    h.eq(st, 200, "the access log")
    whats = [(e.get("username"), e.get("what")) for e in log.get("entries", [])]
    for key in ("anna", "carl"):
        h.check((key, "attachment") in whats, "%s's fetch is in the access log" % key,
                "(%s, attachment)" % key, whats[-8:])


async def test_note_files_never_reach_the_family(w):
    anna = await w.client("anna")
    did = await upload(w, "anna", PDF, "notat.pdf")
    await ready(anna, did)
    r = await send_files(anna, w.conv["A"], [did], body="Til teamet", kind="note")
    h.eq(r.get("type"), "ack", "a note with a document: %r" % r)
    st, hdr, body = await fetch(w, "bo", did)
    h.eq(st, 200, "the other adviser fetches the note's document")
    h.check((hdr.get("Content-Disposition") or "").startswith("attachment;"),
            "a PDF is offered as a download", "attachment; ...", hdr.get("Content-Disposition"))
    for key in ("mette", "jonas"):
        st, _, _ = await fetch(w, key, did)
        h.eq(st, 404, "%s gets no such thing for a note's file" % key)


async def test_restricted_conversation(w):
    st, _, conv = await w.ahttp("POST", "/api/conversations",
                                {"family": w.fam["A"], "title": "Kun Jonas",
                                 "members": [w.ids["jonas"]]}, token=w.token("anna"))
    h.eq(st, 201, "a conversation with Jonas only")
    jonas = await w.client("jonas")
    jid = await upload(w, "jonas", PDF + b"% jonas\n", "skema.pdf")
    await ready(jonas, jid)
    r = await send_files(jonas, conv["id"], [jid], body="Her er skemaet")
    h.eq(r.get("type"), "ack", "Jonas sends it in his own conversation: %r" % r)
    for key, status in (("anna", 200), ("mette", 404)):
        st, _, _ = await fetch(w, key, jid)
        h.eq(st, status, "%s fetching a file of a conversation without her" % key
             if key == "mette" else "the pair fetches it")


async def test_only_once_and_only_ones_own(w):
    mette = await w.client("mette")
    anna = await w.client("anna")
    CLAMD.stop()  # so that it is sent while it waits to be checked
    try:
        mid = await upload(w, "mette", PDF + b"% mette\n", "kvittering.pdf")
        await sent_while_checking(w, mette, anna, mid)
    finally:
        if not CLAMD.running():
            await asyncio.to_thread(CLAMD.start)
    f = await anna.recv_until("attachment", timeout=30,
                              pred=lambda f: f.get("attachment", {}).get("id") == mid)
    h.eq((f.get("message"), f.get("conv"), f["attachment"].get("state")),
         (w.sent_while_checking, w.conv["A"], "ready"),
         "the adviser learns the file is ready, with its message")


async def sent_while_checking(w, mette, anna, mid):
    st, _, b = await fetch(w, "anna", mid)
    h.eq(st, 404, "an upload not yet sent is its sender's alone")
    r = await send_files(anna, w.conv["A"], [mid], body="tak")
    h.eq((r.get("type"), r.get("code")), ("error", "not_found"), "an adviser cannot send Mette's upload")
    r = await send_files(mette, w.conv["A"], [mid], body="kvittering")
    h.eq(r.get("type"), "ack", "Mette sends it while it is being checked: %r" % r)
    h.eq(r["message"]["attachments"][0]["state"], "checking", "her MSG says it is being checked")
    w.sent_while_checking = r["message"]["id"]
    r = await send_files(mette, w.conv["A"], [mid], body="igen")
    h.eq((r.get("type"), r.get("code")), ("error", "conflict"), "an upload goes in one message only")
    r = await mette.request({"type": "send", "conv": w.conv["A"], "client_id": h.uid("f"),
                             "body": "x", "attachments": list(range(1, 13))})
    h.eq((r.get("type"), r.get("code")), ("error", "bad_request"), "at most 10 files in a message")


try:
    h.run([test_photo_in_a_message, test_who_may_fetch, test_note_files_never_reach_the_family,
           test_restricted_conversation, test_only_once_and_only_ones_own],
          extra_args=("--clamd-socket", CLAMD.socket), per_test_timeout=45)
finally:
    CLAMD.close()
