"""81 attachment checks: every upload is checked before anyone else may fetch it (issue 14),
by the real clamd (a private one with a signature database made by sigtool, tests/e2e/
clamd.py) and the real image pipeline (indgang-image, libvips).

What the sender and their advisers rely on: a clean document becomes ready and is stored
by its content, flushed, with the spool emptied; a photo comes out without its GPS
position and turned the right way; a file with malware (EICAR inside a PDF) is
quarantined, rejected as "malware", logged in the family's contact log, and both the
sender and the family's pair are told at once; a decompression bomb is refused without
harm; while clamd is away uploads wait as "checking" and are checked once it is back."""
import asyncio
import hashlib
import importlib.util
import os
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import clamd as clamd_mod  # noqa: E402
import harness as h  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "image_inputs", os.path.join(HERE, "..", "image", "test_image.py"))
image_inputs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(image_inputs)

EICAR_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n" + clamd_mod.EICAR
             + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

# clamd is one of the gateway's dependencies (gateway/install-deps.sh): without it this fails.
CLAMD = clamd_mod.Clamd()
CLAMD.start()


def files(w, *parts):
    return os.path.join(w.db + ".files", *parts)


def stored(w, sha):
    return files(w, sha[:2], sha[2:])


def gps_jpeg():
    """64x48 stored pixels with EXIF Orientation 6 and a GPS position, made with vips."""
    d = tempfile.mkdtemp(prefix="indgang-81-")
    ppm = os.path.join(d, "p.ppm")
    with open(ppm, "wb") as f:
        f.write(image_inputs.ppm(64, 48, lambda x, y: (255, 255, 255) if x < 32 else (0, 0, 0)))
    jpg = os.path.join(d, "p.jpg")
    subprocess.run(["vips", "copy", ppm, jpg], check=True, capture_output=True)
    with open(jpg, "rb") as f:
        plain = f.read()
    data = plain[:2] + image_inputs.exif_app1() + plain[2:]
    h.check(b"WGS-84" in data, "the test photo carries a GPS position", "WGS-84 in it", len(data))
    return data


async def upload(w, key, data, name):
    st, _, b = await w.ahttp("POST", "/api/uploads?name=" + name, raw=data, token=w.token(key))
    h.eq(st, 201, "upload %s by %s: %r" % (name, key, b))
    return b


async def outcome(c, upload_id, timeout=20.0):
    f = await c.recv_until("attachment", timeout=timeout,
                           pred=lambda f: f.get("attachment", {}).get("id") == upload_id)
    return f["attachment"]


async def test_clean_document_becomes_ready(w):
    mette = await w.client("mette")
    b = await upload(w, "mette", PDF, "brev.pdf")
    a = await outcome(mette, b["id"])
    h.eq((a.get("state"), a.get("type"), a.get("name")), ("ready", "application/pdf", "brev.pdf"),
         "a clean PDF is ready: %r" % a)
    sha = hashlib.sha256(PDF).hexdigest()
    with open(stored(w, sha), "rb") as f:
        h.eq(f.read(), PDF, "stored by its content as sent")
    h.check(not os.path.exists(files(w, "spool", "%d.part" % b["id"])), "the spool file is gone",
            "no spool/%d.part" % b["id"], sorted(os.listdir(files(w, "spool"))))


async def test_photo_loses_its_position(w):
    mette = await w.client("mette")
    data = gps_jpeg()
    b = await upload(w, "mette", data, "IMG_0001.jpg")
    a = await outcome(mette, b["id"])
    h.eq(a.get("state"), "ready", "the photo is ready: %r" % a)
    h.eq((a.get("width"), a.get("height")), (48, 64), "turned as its EXIF orientation says")
    con = sqlite3.connect(w.db)
    sha, thumb = con.execute("SELECT sha256, thumb_sha256 FROM attachments WHERE id = ?",
                             (b["id"],)).fetchone()
    con.close()
    for what, name in (("the photo", sha), ("its thumbnail", thumb)):
        with open(stored(w, name), "rb") as f:
            out = f.read()
        h.check(out[:3] == b"\xff\xd8\xff", "%s is a JPEG" % what, "FF D8 FF", out[:4])
        for mark in (b"Exif", b"WGS-84", b"GPS"):
            h.check(mark not in out, "%s keeps nothing of the EXIF (%r)" % (what, mark),
                    "absent", "present")
        h.eq(hashlib.sha256(out).hexdigest(), name, "%s is stored under its own hash" % what)
    h.check(data != out, "the original bytes are not what is kept", "different", "the same")


async def test_malware_is_quarantined_and_told(w):
    mette = await w.client("mette")
    anna = await w.client("anna")
    bo = await w.client("bo")
    b = await upload(w, "mette", EICAR_PDF, "regning.pdf")
    for who, c in (("the sender", mette), ("the primary adviser", anna), ("the secondary adviser", bo)):
        a = await outcome(c, b["id"])
        h.eq((a.get("state"), a.get("reason")), ("rejected", "malware"), "%s is told: %r" % (who, a))
    h.check(os.path.exists(files(w, "quarantine", "%d.part" % b["id"])), "the file is in quarantine",
            "quarantine/%d.part" % b["id"], os.listdir(files(w, "quarantine")))
    h.check(not os.path.exists(files(w, "spool", "%d.part" % b["id"])), "and not in the spool",
            "gone", "still there")
    st, _, log = await w.ahttp("GET", "/api/families/%d/log" % w.fam["A"], token=w.token("anna"))
    h.eq(st, 200, "the pair reads the family's log")
    rows = [e for e in log.get("entries", []) if e.get("kind") == "malware"]
    h.check(rows, "the contact log has the malware", "a row of kind malware", log.get("entries", [])[-3:])
    st, _, text = await w.ahttp("GET", "/metrics", token=w.token("admin"))
    h.check('indgang_attachment_checks_total{result="malware"} 1' in text,
            "the operator's metrics count it", 'result="malware"} 1',
            [l for l in text.splitlines() if "attachment_checks" in l])


async def test_bomb_is_refused(w):
    amina = await w.client("amina")
    row = b"\x00" + b"\x00" * 2500  # 20,000 pixels of 1 bit, filter byte first
    bomb = image_inputs.png(20000, 20000, 1, 0, (row for _ in range(20000)))
    h.check(len(bomb) < 200000, "the bomb is small on the wire", "< 200 kB", len(bomb))
    b = await upload(w, "amina", bomb, "kort.png")
    a = await outcome(amina, b["id"])
    h.eq((a.get("state"), a.get("reason")), ("rejected", "too_many_pixels"),
         "a 20,000 x 20,000 PNG is refused: %r" % a)


async def test_clamd_away_then_back(w):
    jonas = await w.client("jonas")
    CLAMD.stop()
    try:
        b = await upload(w, "jonas", PDF + b"% jonas\n", "skema.pdf")
        await jonas.expect_no_frame(timeout=2.5, type="attachment", what="nothing is decided while clamd is away")
        con = sqlite3.connect(w.db)
        state = con.execute("SELECT state FROM attachments WHERE id = ?", (b["id"],)).fetchone()[0]
        con.close()
        h.eq(state, "checking", "the upload waits while clamd is away")
    finally:
        await asyncio.to_thread(CLAMD.start)
    a = await outcome(jonas, b["id"], timeout=30)
    h.eq(a.get("state"), "ready", "checked once clamd is back: %r" % a)
    h.check(any("clamd_unavailable" in l for l in w.gw.lines), "the outage is logged",
            "event=clamd_unavailable", w.gw.tail(5))


try:
    h.run([test_clean_document_becomes_ready, test_photo_loses_its_position,
           test_malware_is_quarantined_and_told, test_bomb_is_refused, test_clamd_away_then_back],
          extra_args=("--clamd-socket", CLAMD.socket), per_test_timeout=45)
finally:
    CLAMD.close()
