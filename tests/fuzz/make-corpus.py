#!/usr/bin/env python3
"""make-corpus.py - writes the seed corpora of the fuzz targets (checked in
under tests/fuzz/corpus/<target>/).  Run it again after changing the input
formats described at the top of fuzz_frame.c, fuzz_api.c, fuzz_import.c,
fuzz_upload.c and fuzz_image.c.  The image seeds are made with the `vips`
command line (libvips-tools; HEIC needs libheif's x265 encoder); without it
corpus/image/ is left as it is.

The world (tests/unit/world.c + fuzz_world.c) has these ids: users admin 1,
anna 2, bo 3, carl 4, dora 5, erik 6, frida 7, mette 8, jonas 9, amina 10;
families A 1, B 2; conversations A 1, B 2, R (Jonas' restricted one) 3;
devices mette 1, jonas 2, amina 3.  Tokens are "%064d" % (index + 1) with
index the order above starting at 0 (admin "000...001")."""
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
USERS = ["admin", "anna", "bo", "carl", "dora", "erik", "frida", "mette", "jonas", "amina"]
TOKEN = {u: "%064d" % (i + 1) for i, u in enumerate(USERS)}
SEP = b"\xff"


def j(o):
    return json.dumps(o, ensure_ascii=False).encode()


def write(target, items):
    d = os.path.join(HERE, "corpus", target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for data in items:
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    print("%s: %d seeds" % (target, len(items)))


def frame_seeds():
    out = []
    frames = [
        {"type": "ping"}, {"type": "ping", "ref": "r1"},
        {"type": "send", "conv": 1, "client_id": "c1", "body": "Hej"},
        {"type": "send", "conv": 1, "client_id": "c2", "body": "Intern note", "kind": "note"},
        {"type": "send", "conv": 2, "client_id": "c3", "body": "Hej Amina", "ref": "s"},
        {"type": "send", "conv": 3, "client_id": "c4", "body": "Kun Jonas"},
        {"type": "send", "conv": 3, "client_id": "c5", "body": "note R", "kind": "note"},
        {"type": "send", "conv": 1, "client_id": "c6", "body": "  \u00a0 trimmed \n"},
        {"type": "send", "conv": 1, "client_id": "\u00e6\u00f8\u00e5", "body": "\U0001F600" * 10},
        {"type": "sync"}, {"type": "sync", "after": 0, "limit": 500, "ref": "y"},
        {"type": "sync", "after": 3, "limit": 2},
        {"type": "history", "conv": 1}, {"type": "history", "conv": 3, "before": 5, "limit": 1},
        {"type": "history", "conv": 2, "limit": 1000},
        {"type": "read", "conv": 1, "upto": 1}, {"type": "read", "conv": 3, "upto": 100},
        {"type": "read", "conv": 2, "upto": 0, "ref": "rd"},
    ]
    for actor in range(10):
        out.append(bytes([actor]) + SEP.join(j(f) for f in frames))
        # a fresh session that authenticates by frame, then works
        auth = {"type": "auth", "token": TOKEN[USERS[actor]], "ref": "a"}
        out.append(bytes([0x10 | actor]) +
                   SEP.join([j(auth)] + [j(f) for f in frames[:6]]))
        # a resend of the same client_id, twice in one input
        s = {"type": "send", "conv": 1 if actor != 9 else 2, "client_id": "dup", "body": "x"}
        out.append(bytes([actor]) + SEP.join([j(s), j(s), j({"type": "sync"})]))
    bad = [b"", b"{", b"[]", b"42", b"null", b'"ping"', b'{"type":"dance"}',
           b'{"type":"ping","type":"send"}',
           b'{"type":"send","conv":"1","client_id":"k","body":"b"}',
           b'{"type":"send","conv":1.0,"client_id":"k","body":"b"}',
           b'{"type":"send","conv":1,"client_id":"k","body":"' + b"a" * 4001 + b'"}',
           b'{"type":"send","conv":1,"client_id":"' + b"k" * 65 + b'","body":"b"}',
           b'{"type":"sync","after":null}', b'{"type":"history","conv":1,"before":0}',
           b'{"type":"read","conv":1,"upto":-1}', b'{"type":"ping","ref":"' + b"r" * 65 + b'"}',
           b'{"type":"auth","token":""}', b'{"type":"send","conv":9223372036854775807,'
           b'"client_id":"k","body":"b"}', b'{"type":"ping","ref":"\\u0000"}',
           b'{"type":"send","conv":1,"client_id":"k","body":"\\ud800"}']
    out.append(bytes([1]) + SEP.join(bad))
    out.append(bytes([0x17]) + SEP.join(bad))  # unauthenticated jonas: first bad frame closes
    out.append(bytes([0x30 | 7]))  # no frames, the deadline fires
    return out


def api_seeds():
    out = []

    def req(method, path, idv, cred, parts, peer=1):
        out.append(bytes([method, path, idv, cred, peer]) + SEP.join(parts))

    GET, POST, DELETE = 0, 1, 2
    for u in range(10):
        req(GET, 4, 0, u, [b""])
        for conv in (1, 2, 3):
            req(GET, 5, conv, u, [b"limit=2&before=100"])
        for fam in (1, 2):
            req(GET, 8, fam, u, [b"format=json"])
            req(GET, 8, fam, u,
            [b"format=csv&from=2020-01-01T00:00:00Z&to=2099-01-01T00:00:00.000Z"])
            req(GET, 12, fam, u, [b"format=json"])  # the access log (GDPR art. 15)
            req(GET, 12, fam, u, [b"format=csv&from=2020-01-01T00:00:00Z"])
        req(POST, 6, 0, u, [b"", j({"family": 1, "title": "Ny tr\u00e5d", "members": [9]})])
        req(POST, 7, 0, u, [b"", j({"member": 8})])
        req(POST, 7, 0, u, [b"", j({"member": 10})])
        for dev in (1, 2, 3):
            req(DELETE, 9, dev, u, [b""])
        req(POST, 3, 0, u, [b""])
    req(POST, 1, 0, 10, [b"", j({"username": "anna", "password": "indgang-fuzz-pw"})])
    req(POST, 1, 0, 10, [b"", j({"username": "anna", "password": "wrong"})])
    req(POST, 1, 0, 10, [b"", j({"username": "mette", "password": "indgang-fuzz-pw"})])
    req(POST, 2, 0, 10, [b"", j({"code": "abcde fghjk", "device": "Mettes telefon"})])
    req(POST, 2, 0, 10, [b"", j({"code": "ZZZZZ-ZZZZZ", "device": "x"})])
    req(GET, 0, 0, 10, [b""])
    req(GET, 11, 1, 0, [b""])  # /metrics as admin
    req(GET, 11, 1, 10, [b""], peer=7)  # /metrics from an allowed address
    req(GET, 11, 1, 1, [b""])  # /metrics as anna: refused
    req(GET, 10, 0, 10, [b"/api/conversations/1/messages", b"limit=1", b""])
    req(GET, 10, 0, 1, [b"/api/families/1/log/", b"", b""])
    # cookie with own, foreign, allowed and no Origin
    for bits in (0x10, 0x30, 0x50, 0x90):
        req(GET, 4, 0, bits | 1, [b""])
        req(POST, 7, 0, bits | 1, [b"", j({"member": 8})])
    return out


def import_seeds():
    def staff(u, name, pw=True):
        d = {"username": u, "name": name}
        if pw:
            d["password"] = u + "-kodeord-1"
        return d

    docs = [
        {"admins": [staff("root", "Ida Admin")],
         "teams": [{"name": "Team Nord", "staff": [staff("xa", "X A"), staff("xb", "X B", False),
                                                  staff("xc", "X C")]}],
         "families": [{"name": "Familien Nord", "team": "Team Nord", "primary": "xa",
                       "secondary": "xb", "members": [{"name": "Mor"}, {"name": "Barn"}]}]},
        # existing staff added to a new team, family in an existing team
        {"teams": [{"name": "Team Syd", "staff": [{"username": "anna", "name": "Anna Jensen"},
                                                 {"username": "bo", "name": "Bo Nielsen"}]}],
         "families": [{"name": "F", "team": "Team Øst", "primary": "anna", "secondary": "carl",
                       "members": []}]},
        {"families": [{"name": "F", "team": "Team Øst", "primary": "anna", "secondary": "anna"}]},
        {"admins": [staff("admin", "Ida Admin")]},
        {"teams": [{"name": "T", "staff": [staff("dup", "D")]}, {"name": "T"}]},
        {"teams": [{"name": "T1", "staff": [staff("s1", "S")]},
                   {"name": "T2", "staff": [{"username": "s1", "name": "S"}]}]},
        {"admins": [{"username": "Bad Name", "name": "x", "password": "short"}]},
        {"admins": [], "teams": [], "families": [], "extra": 1},
        {"families": [{"name": "  ", "team": "x", "primary": "a", "secondary": "b"}]},
        {"teams": [{"name": "T\u0001", "staff": []}]},
    ]
    out = [j(d) for d in docs]
    out += [b"{}", b"[]", b'{"admins":{}}', b'{"admins":[1]}',
            b'{"teams":[{"name":"a","name":"b"}]}']
    return out


# ---- upload and image: small real files of each type, and liars ----------

def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiny_png(width=2, height=2, ihdr_size=None, extra=b""):
    """A 8-bit RGB PNG; ihdr_size=(w, h) claims another size in IHDR."""
    raw = b"".join(b"\0" + bytes(v for x in range(width) for v in (x * 90, y * 90, 120))
                   for y in range(height))
    w, h = ihdr_size or (width, height)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + extra + png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b""))


def vips_images():
    """{name: bytes} of tiny images made with vips, {} without it."""
    sys.path.insert(0, os.path.join(HERE, "..", "image"))
    import test_image  # exif_app1, xmp_app1: the image test's metadata blocks
    vips = shutil.which("vips")
    if not vips:
        return {}
    out = {}
    with tempfile.TemporaryDirectory() as d:
        def run(*args):
            return subprocess.run([vips, *args], capture_output=True).returncode == 0

        def path(n):
            return os.path.join(d, n)

        with open(path("a.ppm"), "wb") as f:
            f.write(b"P6 4 4 255\n" + bytes((i * 37) % 256 for i in range(48)))
        with open(path("g.pgm"), "wb") as f:
            f.write(b"P5 3 5 255\n" + bytes(i * 16 for i in range(15)))
        made = {
            "rgb.jpg": ("copy", "a.ppm", "rgb.jpg[Q=50,strip]"),
            "grey.jpg": ("copy", "g.pgm", "grey.jpg[Q=50,strip]"),
            "rgb.png": ("copy", "a.ppm", "rgb.png[strip]"),
            "rgb.webp": ("copy", "a.ppm", "rgb.webp[Q=50,strip]"),
            "lossless.webp": ("copy", "a.ppm", "lossless.webp[lossless,strip]"),
            "rgb.heic": ("copy", "a.ppm", "rgb.heic[Q=30,strip]"),
            "rgba.png": ("bandjoin_const", "a.ppm", "rgba.png[strip]", "128"),
            "rgba.webp": ("bandjoin_const", "a.ppm", "rgba.webp[Q=50,strip]", "128"),
        }
        for name, args in made.items():
            if run(*(path(a) if i in (1, 2) else a for i, a in enumerate(args))):
                with open(path(name), "rb") as f:
                    out[name] = f.read()
        if "rgb.jpg" in out:  # EXIF (orientation 6, GPS) and XMP after SOI
            j = out["rgb.jpg"]
            out["exif.jpg"] = j[:2] + test_image.exif_app1() + test_image.xmp_app1() + j[2:]
            with open(path("exif.jpg"), "wb") as f:
                f.write(out["exif.jpg"])
            for name in ("exif.webp", "exif.heic", "exif.png"):  # metadata kept: no strip
                if run("copy", path("exif.jpg"), path(name)):
                    with open(path(name), "rb") as f:
                        out[name] = f.read()
    return out


IMAGE_TYPES = {"jpg": 0, "png": 1, "webp": 2, "heic": 3}  # fuzz_image.c's byte 0


def image_seeds(images):
    out = [bytes([IMAGE_TYPES[n.rsplit(".", 1)[1]]]) + data for n, data in images.items()]
    out.append(b"\x01" + tiny_png())
    out.append(b"\x01" + tiny_png(ihdr_size=(100000, 100000)))  # a bomb's header
    out.append(b"\x01" + tiny_png(extra=png_chunk(b"tEXt", b"Comment\0secret")
                                  + png_chunk(b"eXIf", test_image_exif())))
    if "rgb.png" in images:
        out.append(b"\x00" + images["rgb.png"])  # a PNG claimed as a JPEG
    if "rgb.jpg" in images:
        out.append(b"\x00" + images["rgb.jpg"][:len(images["rgb.jpg"]) // 2])  # truncated
    return out


def test_image_exif():
    import test_image
    return test_image.exif_app1()[10:]  # the TIFF block after "Exif\0\0"


def upload_seeds(images):
    """fuzz_upload.c: who, mode, split, delta, name length, name, body."""
    def up(body, name=b"IMG_0001.jpg", who=7, mode=0, split=0, delta=0):
        return bytes([who, mode, split, delta, len(name)]) + name + body

    pdf = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages"
           b"/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    heic_box = struct.pack(">I", 24) + b"ftypheic" + b"\0\0\0\0" + b"mif1heic"
    mif1_box = struct.pack(">I", 28) + b"ftypmif1" + b"\0\0\0\0" + b"mif1miafheix"
    avif_box = struct.pack(">I", 28) + b"ftypavif" + b"\0\0\0\0" + b"mif1miafavif"
    riff = b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8 " + b"\0" * 18
    bodies = {n: d for n, d in images.items() if n in ("rgb.jpg", "rgb.png", "rgb.webp",
                                                        "rgb.heic")}
    bodies.update({"tiny.png": tiny_png(), "doc.pdf": pdf, "heic.heic": heic_box + b"\0" * 8,
                   "mif1.heic": mif1_box, "riff.webp": riff,
                   "jpeg-head.jpg": b"\xff\xd8\xff\xe0\0\x10JFIF\0\1\1\0\0\1\0\1\0\0"})
    lies = [b"MZ\x90\0\3\0\0\0\4\0\0\0\xff\xff\0\0", avif_box, b"Hej, her er brevet.\n",
            b"GIF89a\1\0\1\0\0\0\0;", b"RIFF\0\0\0\0AVI LIST", b"%PDF", b"\xff\xd8"]
    out = []
    for i, (n, body) in enumerate(sorted(bodies.items())):
        out.append(up(body, n.encode(), who=(7, 8, 9, 1, 3, 6)[i % 6]))
    for body in lies:
        out.append(up(body, b"virus.pdf", who=2))
    names = [b"../../etc/passwd", b"brev.exe", b'a"b\\c/d.pdf', "ÆØÅ æøå.png".encode(),
             b"x" * 200 + b".jpg", b"\x01ctl\x7f\xc2\x85.pdf", b"%00.pdf", b" .. ",
             b"\xff\xfe\xed\xa0\x80bad.jpg", b"IMG.JPEG", "مستند.pdf".encode()]
    for k, name in enumerate(names):
        out.append(up(pdf, name, who=7, mode=(k % 4) << 3))
    jpg = bodies.get("rgb.jpg", bodies["jpeg-head.jpg"])
    for mode in range(8):  # every Content-Length
        out.append(up(jpg, who=3, mode=mode, split=7, delta=3))
    for when in range(8):  # every moment of the decision, cut off or not
        out.append(up(pdf, b"doc.pdf", who=9, mode=when << 5, split=5))
    for who in range(12):
        out.append(up(pdf, b"doc.pdf", who=who, split=16))
    return out


write("frame", frame_seeds())
write("api", api_seeds())
write("import", import_seeds())
images = vips_images()
write("upload", upload_seeds(images))
if images:
    write("image", image_seeds(images))
else:
    print("image: no vips command line; corpus/image left as it is")
