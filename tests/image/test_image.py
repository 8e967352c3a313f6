"""test_image.py - indgang-image, the program the gateway runs on every uploaded
image (issue 14): metadata gone, orientation applied, bombs and liars refused,
the right formats and sizes out, nothing left behind on failure.

Every input is made here at run time: PNGs byte by byte with zlib, the rest
with the `vips` command line (Debian's libvips-tools, gateway/install-deps.sh)
from pixels written as PPM, and EXIF blocks by hand.  A case that needs a tool
that is missing prints SKIP and is reported skipped, never passed.

Environment: INDGANG_IMAGE, the program (default: the tree's build/).
Run: /usr/bin/python3 tests/image/test_image.py [-v]
"""

import json
import os
import random
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("INDGANG_IMAGE") or os.path.join(HERE, "..", "..", "build", "indgang-image")
VIPS = shutil.which("vips")
VIPSHEADER = shutil.which("vipsheader")

OK, USAGE, REFUSED, FAILED = 0, 2, 3, 4


def skip(test, why):
    print(f"\nSKIP {test.id().split('.')[-1]}: {why}", file=sys.stderr)
    test.skipTest(why)


# ---- making inputs --------------------------------------------------------


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width, height, depth, colour, rows, extra=b""):
    """A PNG from an iterable of raw rows (each with its filter byte),
    compressed as a stream so a huge image never sits in memory."""
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(r) for r in rows) + z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def ppm(width, height, pixel):
    """A binary PPM, pixel(x, y) -> (r, g, b)."""
    body = bytes(c for y in range(height) for x in range(width) for c in pixel(x, y))
    return b"P6 %d %d 255\n" % (width, height) + body


def exif_app1(orientation=6):
    """An APP1 Exif segment: IFD0 with Orientation 6 (stored pixels are to be
    turned 90 degrees clockwise; 1: upright as stored) and a GPS IFD with a
    position in Denmark."""

    def entry(tag, typ, count, value):
        return struct.pack("<HHI", tag, typ, count) + value

    gps_at = 8 + 2 + 2 * 12 + 4
    ifd0 = (struct.pack("<H", 2) + entry(0x0112, 3, 1, struct.pack("<HH", orientation, 0))
            + entry(0x8825, 4, 1, struct.pack("<I", gps_at)) + struct.pack("<I", 0))
    data_at = gps_at + 2 + 4 * 12 + 4
    lat = struct.pack("<6I", 55, 1, 40, 1, 3000, 100)
    datum = b"WGS-84\0"
    gps = (struct.pack("<H", 4) + entry(0x0001, 2, 2, b"N\0\0\0")
           + entry(0x0002, 5, 3, struct.pack("<I", data_at))
           + entry(0x0003, 2, 2, b"E\0\0\0")
           + entry(0x0012, 2, len(datum), struct.pack("<I", data_at + len(lat)))
           + struct.pack("<I", 0))
    body = b"Exif\0\0" + b"II*\0" + struct.pack("<I", 8) + ifd0 + gps + lat + datum
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


XMP_NS = b"http://ns.adobe.com/xap/1.0/\0"
XMP_MARK = b"indgang-xmp-secret"


def xmp_app1():
    packet = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf='
              b'"http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
              b'xmlns:dc="http://purl.org/dc/elements/1.1/" dc:source="' + XMP_MARK
              + b'"/></rdf:RDF></x:xmpmeta>')
    body = XMP_NS + packet
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def vips(*args):
    subprocess.run([VIPS, *args], check=True, capture_output=True)


def header(path):
    """vipsheader -a's fields, or None without vipsheader."""
    if not VIPSHEADER:
        return None
    out = subprocess.run([VIPSHEADER, "-a", path], check=True, capture_output=True, text=True)
    return out.stdout


def size_of(path):
    """(width, height) of an image file as libvips reads it."""
    out = subprocess.run([VIPSHEADER, path], check=True, capture_output=True, text=True).stdout
    dims = out.split(": ", 1)[1].split(" ", 1)[0]
    w, h = dims.split("x")
    return int(w), int(h)


def grey_at(path, x, y):
    out = subprocess.run([VIPS, "getpoint", path, str(x), str(y)], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0])


# ---- the tests --------------------------------------------------------------


class ImageTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="indgang-image-")
        self.out = self.path("out")
        self.thumb = self.path("thumb")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def need_vips(self):
        if not VIPS or not VIPSHEADER:
            skip(self, "no vips command line (libvips-tools) to make the input")

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name)

    def run_image(self, type_, src, *extra, preexec=None):
        args = [BIN, "--type", type_, "--in", src, "--out", self.out, "--thumb", self.thumb]
        t0 = time.monotonic()
        p = subprocess.run(args + list(extra), capture_output=True, text=True, timeout=120,
                           preexec_fn=preexec)
        p.elapsed = time.monotonic() - t0
        return p

    def ok(self, p):
        self.assertEqual(p.returncode, OK, f"exit {p.returncode}, stderr: {p.stderr!r}")
        lines = p.stdout.splitlines()
        self.assertEqual(len(lines), 1, f"one line of JSON on stdout, got {p.stdout!r}")
        return json.loads(lines[0])

    def refused(self, p, code=REFUSED, prefix="refused: "):
        self.assertEqual(p.returncode, code, f"exit {p.returncode}, stdout {p.stdout!r}, "
                         f"stderr {p.stderr!r}")
        self.assertTrue(p.stderr.startswith(prefix), f"stderr: {p.stderr!r}")
        self.assertEqual(len(p.stderr.splitlines()), 1, f"one line on stderr: {p.stderr!r}")
        self.assertEqual(p.stdout, "")
        self.assertFalse(os.path.exists(self.out), "no --out file is left behind")
        self.assertFalse(os.path.exists(self.thumb), "no --thumb file is left behind")

    def bytes_of(self, path):
        with open(path, "rb") as f:
            return f.read()

    def assert_jpeg(self, path):
        data = self.bytes_of(path)
        self.assertTrue(data.startswith(b"\xff\xd8\xff") and data.endswith(b"\xff\xd9"),
                        f"{path} is not a whole JPEG")

    def assert_no_metadata(self, path):
        data = self.bytes_of(path)
        for mark in (b"Exif", b"EXIF", b"WGS-84", XMP_MARK, b"http://ns.adobe.com/xap",
                     b"ICC_PROFILE", b"iCCP", b"eXIf", b"tEXt", b"zTXt", b"iTXt",
                     b"Photoshop"):
            self.assertFalse(mark in data, f"{os.path.basename(path)} still holds {mark!r}")

    def exif_jpeg(self, orientation=6):
        """64x48 stored pixels, left half white and right half black, with the
        EXIF above (Orientation 6, GPS) and an XMP packet after SOI."""
        self.need_vips()
        src = self.write("stored.ppm", ppm(64, 48, lambda x, y: (255,) * 3 if x < 32 else (0,) * 3))
        vips("copy", src, self.path("plain.jpg"))
        plain = self.bytes_of(self.path("plain.jpg"))
        path = self.write("gps.jpg", plain[:2] + exif_app1(orientation) + xmp_app1() + plain[2:])
        data = self.bytes_of(path)
        self.assertIn(b"Exif", data)
        self.assertIn(b"WGS-84", data)
        self.assertIn(XMP_MARK, data)
        fields = header(path)
        self.assertIn("exif-ifd3-GPSLatitude:", fields, "vips sees the GPS position")
        self.assertIn("orientation: %d" % orientation, fields)
        self.assertIn("xmp-data", fields)
        return path

    def test_upright_jpeg_streamed_without_its_metadata(self):
        """An upright camera JPEG goes from file to clean copy a strip at a time
        (never whole in memory), its thumbnail made from the clean copy: both
        without the GPS position and the XMP packet, the picture as stored."""
        src = self.exif_jpeg(orientation=1)
        r = self.ok(self.run_image("image/jpeg", src))
        self.assertEqual((r["type"], r["width"], r["height"]), ("image/jpeg", 64, 48))
        self.assertEqual((r["thumb_type"], r["thumb_width"], r["thumb_height"]),
                         ("image/jpeg", 64, 48))
        for path in (self.out, self.thumb):
            self.assert_jpeg(path)
            self.assert_no_metadata(path)
            self.assertNotIn("exif-", header(path))
        self.assertGreater(grey_at(self.out, 8, 24), 200, "the stored left half stays white")
        self.assertLess(grey_at(self.out, 56, 24), 50, "the stored right half stays black")

    def test_jpeg_exif_gps_removed_and_orientation_applied(self):
        src = self.exif_jpeg()
        r = self.ok(self.run_image("image/jpeg", src))
        self.assertEqual((r["type"], r["width"], r["height"]), ("image/jpeg", 48, 64),
                         "orientation 6 turns 64x48 stored pixels into a 48x64 picture")
        self.assertEqual((r["thumb_type"], r["thumb_width"], r["thumb_height"]),
                         ("image/jpeg", 48, 64), "a small image's thumbnail is not upscaled")
        for path in (self.out, self.thumb):
            self.assert_jpeg(path)
            self.assert_no_metadata(path)
        self.assertEqual(size_of(self.out), (48, 64))
        fields = header(self.out)
        self.assertNotIn("exif-", fields)
        self.assertNotIn("orientation", fields)
        # Turned clockwise: the stored left (white) half is now the top.
        self.assertGreater(grey_at(self.out, 24, 4), 200, "top is the stored left, white")
        self.assertLess(grey_at(self.out, 24, 59), 50, "bottom is the stored right, black")

    def test_png_bomb_refused_from_its_header(self):
        # 20000 x 20000 one-bit grey: 50 MB of rows, a 50 kB file, 400 MB once decoded.
        row = b"\0" * (1 + 20000 // 8)
        src = self.write("bomb.png", png(20000, 20000, 1, 0, (row for _ in range(20000))))
        self.assertLess(os.path.getsize(src), 1 << 20)
        p = self.run_image("image/png", src)
        self.refused(p)
        self.assertEqual(p.stderr.strip(),
                         "refused: 20000x20000 pixels is over the limit of 50000000")
        self.assertLess(p.elapsed, 1.0, "refused from the header, without decoding")
        # The limit is the caller's: a lower one refuses a smaller image too.
        small = self.write("small.png", png(100, 100, 8, 0, (b"\0" * 101 for _ in range(100))))
        self.refused(self.run_image("image/png", small, "--max-pixels", "9999"))
        self.ok(self.run_image("image/png", small, "--max-pixels", "10000"))

    def test_memory_limit_stops_a_bomb_let_through(self):
        # The second line of defence: with the pixel limit raised, the 400 MB
        # decode of the bomb fails under a 256 MiB address space limit.
        if "libasan" in subprocess.run(["ldd", BIN], capture_output=True, text=True).stdout:
            skip(self, "AddressSanitizer build: it runs without an address space limit")
        row = b"\0" * (1 + 20000 // 8)
        src = self.write("bomb.png", png(20000, 20000, 1, 0, (row for _ in range(20000))))
        p = self.run_image("image/png", src, "--max-pixels", "400000000", "--memory-mb", "256")
        self.refused(p)
        self.assertIn("out of memory", p.stderr)

    def test_png_claimed_as_jpeg_refused(self):
        src = self.write("liar.jpg", png(8, 8, 8, 0, (b"\0" * 9 for _ in range(8))))
        p = self.run_image("image/jpeg", src)
        self.refused(p)
        self.assertIn("image/jpeg", p.stderr)

    def test_random_bytes_refused_by_every_loader(self):
        src = self.write("noise", random.Random(14).randbytes(4096))
        for t in ("image/jpeg", "image/png", "image/webp", "image/heic"):
            with self.subTest(type=t):
                self.refused(self.run_image(t, src))

    def test_empty_file_refused_by_every_loader(self):
        # libvips 8.14.1's WebP loader aborts on an empty file (found by fuzz_image)
        src = self.write("empty", b"")
        for t in ("image/jpeg", "image/png", "image/webp", "image/heic"):
            with self.subTest(type=t):
                self.refused(self.run_image(t, src))

    def test_truncated_jpeg_refused(self):
        self.need_vips()
        rnd = random.Random(7)
        src = self.write("noise.ppm", ppm(256, 256, lambda x, y: (rnd.randrange(256),) * 3))
        vips("copy", src, self.path("whole.jpg"))
        data = self.bytes_of(self.path("whole.jpg"))
        self.ok(self.run_image("image/jpeg", self.path("whole.jpg")))
        os.unlink(self.out)
        os.unlink(self.thumb)
        cut = self.write("cut.jpg", data[: len(data) // 2])
        self.refused(self.run_image("image/jpeg", cut))

    def test_png_with_alpha_stays_png(self):
        rows = (b"\0" + b"".join(bytes((x % 256, y % 256, 128, 255 if x < 320 else 0))
                                 for x in range(640)) for y in range(480))
        text = png_chunk(b"tEXt", b"Comment\0indgang-png-secret")
        src = self.write("alpha.png", png(640, 480, 8, 6, rows, extra=text))
        self.assertIn(b"indgang-png-secret", self.bytes_of(src))
        r = self.ok(self.run_image("image/png", src))
        self.assertEqual((r["type"], r["width"], r["height"]), ("image/png", 640, 480))
        self.assertEqual(r["thumb_type"], "image/png", "a transparent thumbnail stays PNG")
        self.assertEqual((r["thumb_width"], r["thumb_height"]), (320, 240))
        for path in (self.out, self.thumb):
            data = self.bytes_of(path)
            self.assertTrue(data.startswith(b"\x89PNG\r\n\x1a\n"), f"{path} is a PNG")
            self.assertEqual(data[25], 6, "colour type 6: RGB with alpha")
            self.assertNotIn(b"indgang-png-secret", data)
            self.assert_no_metadata(path)

    def test_webp_stays_webp_without_metadata(self):
        src = self.exif_jpeg()
        vips("copy", src, self.path("gps.webp"))
        webp = self.path("gps.webp")
        data = self.bytes_of(webp)
        self.assertIn(b"EXIF", data, "the WebP input carries the EXIF chunk")
        self.assertIn(b"WGS-84", data)
        r = self.ok(self.run_image("image/webp", webp))
        self.assertEqual((r["type"], r["width"], r["height"]), ("image/webp", 48, 64))
        out = self.bytes_of(self.out)
        self.assertTrue(out[:4] == b"RIFF" and out[8:12] == b"WEBP", "output is a WebP")
        self.assertEqual(size_of(self.out), (48, 64))
        self.assert_no_metadata(self.out)
        self.assert_no_metadata(self.thumb)

    def test_heic_becomes_jpeg(self):
        self.need_vips()
        src = self.write("photo.ppm", ppm(64, 48, lambda x, y: (x * 4, y * 5, 128)))
        heic = self.path("photo.heic")
        # vips writes HEIC only when libheif has an encoder (x265).
        made = subprocess.run([VIPS, "copy", src, heic], capture_output=True)
        if made.returncode != 0:
            skip(self, "libheif here has no HEIC encoder: " + made.stderr.decode()[:200])
        r = self.ok(self.run_image("image/heic", heic))
        self.assertEqual((r["type"], r["width"], r["height"]), ("image/jpeg", 64, 48))
        self.assert_jpeg(self.out)
        self.assert_jpeg(self.thumb)
        self.assertEqual(size_of(self.out), (64, 48))
        self.assert_no_metadata(self.out)

    def test_large_jpeg_thumbnail_fits_320(self):
        self.need_vips()
        src = self.path("big.jpg")
        vips("black", src, "4000", "3000", "--bands", "3")
        r = self.ok(self.run_image("image/jpeg", src))
        self.assertEqual((r["width"], r["height"]), (4000, 3000))
        self.assertEqual((r["thumb_type"], r["thumb_width"], r["thumb_height"]),
                         ("image/jpeg", 320, 240))
        self.assertEqual(size_of(self.thumb), (320, 240))
        self.assertEqual(size_of(self.out), (4000, 3000))
        r = self.ok(self.run_image("image/jpeg", src, "--out", self.path("o2"), "--thumb",
                                   self.path("t2"), "--thumb-size", "100"))
        self.assertEqual((r["thumb_width"], r["thumb_height"]), (100, 75))

    def test_write_failure_leaves_nothing(self):
        # A full disk, as a file size limit: the write fails with EFBIG.
        self.need_vips()
        rnd = random.Random(3)
        src = self.write("noise.ppm", ppm(300, 300, lambda x, y: (rnd.randrange(256),) * 3))
        vips("copy", src, self.path("noise.jpg"))

        def tiny_files():
            resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

        p = self.run_image("image/jpeg", self.path("noise.jpg"), preexec=tiny_files)
        self.refused(p, code=FAILED, prefix="failed: ")

    def test_existing_output_is_not_overwritten(self):
        src = self.write("small.png", png(10, 10, 8, 0, (b"\0" * 11 for _ in range(10))))
        self.write("out", b"the caller's file")
        p = self.run_image("image/png", src)
        self.assertEqual(p.returncode, FAILED, p.stderr)
        self.assertTrue(p.stderr.startswith("failed: "), p.stderr)
        self.assertEqual(self.bytes_of(self.out), b"the caller's file")
        self.assertFalse(os.path.exists(self.thumb))

    def test_usage_errors(self):
        src = self.write("small.png", png(10, 10, 8, 0, (b"\0" * 11 for _ in range(10))))
        base = ["--in", src, "--out", self.out, "--thumb", self.thumb]
        for args in ([], ["--type", "image/gif"] + base, base,
                     ["--type", "image/png", "--in", src, "--out", self.out],
                     ["--type", "image/png", "--max-pixels", "lots"] + base,
                     ["--type", "image/png", "--thumb-size", "0"] + base,
                     ["--type", "image/png", "extra"] + base):
            with self.subTest(args=args):
                p = subprocess.run([BIN] + args, capture_output=True, text=True)
                self.assertEqual(p.returncode, USAGE, p.stderr)
                self.assertIn("usage:", p.stderr)
                self.assertFalse(os.path.exists(self.out))


if __name__ == "__main__":
    if not os.access(BIN, os.X_OK):
        sys.exit(f"test_image.py: no program at {BIN} (set INDGANG_IMAGE)")
    unittest.main(verbosity=2)
