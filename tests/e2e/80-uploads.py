"""80 uploads: a photo or document is streamed to POST /api/uploads?name= (issue 14).

What a sender relies on: the file is stored before the 201 answers (the spool file holds
exactly its bytes), the type is the server's, decided from the bytes (a program named
photo.jpg is refused with 415 whatever its Content-Type says), the name is cleaned (no
path).  What the operator relies on: an upload that may not be stored is refused from
its headers before a byte of its body is read (no token 401, an administrator 403, over
the limit 413, no Content-Length 411, a fifth at once 429), an upload trickled past its
deadline is cut off with 408, and nothing of a refused or broken upload stays on disk."""
import asyncio
import os
import re
import socket
import ssl
import struct
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

REQUEST_S = 3  # http_request_seconds for this gateway: the trickle test waits for it
MB = 1024 * 1024


def png(width=2, height=2):
    """A small valid RGB PNG."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    raw = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def spool(w, upload_id):
    return os.path.join(w.db + ".files", "spool", "%d.part" % upload_id)


def upload(w, token, data, name=None, content_type="application/octet-stream"):
    path = "/api/uploads"
    if name is not None:
        from urllib.parse import quote
        path += "?name=" + quote(name)
    return w.http("POST", path, raw=data, token=token, headers={"Content-Type": content_type})


def raw_conn(w):
    s = socket.create_connection(("127.0.0.1", w.port), timeout=10)
    return w.ssl.wrap_socket(s, server_hostname="127.0.0.1")


def head_only(w, token, length, extra=""):
    """Sends an upload's headers and no body; -> (status, answer text, seconds)."""
    s = raw_conn(w)
    auth = "Authorization: Bearer %s\r\n" % token if token else ""
    start = time.monotonic()
    s.sendall(("POST /api/uploads?name=x.jpg HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s"
               "Content-Length: %d\r\n%s\r\n" % (w.port, auth, length, extra)).encode())
    got = b""
    try:
        while b"\r\n\r\n" not in got or not got.rstrip().endswith(b"}"):
            data = s.recv(65536)
            if not data:
                break
            got += data
    except (socket.timeout, ConnectionError, ssl.SSLError):
        pass
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.1 (\d{3})", got)
    return (int(m.group(1)) if m else None), got.decode("utf-8", "replace"), time.monotonic() - start


async def test_photo_is_stored_and_typed_from_its_bytes(w):
    data = png()
    st, _, b = await w.ahttp("POST", "/api/uploads?name=" + "Brev%20fra%20skolen.jpg", raw=data,
                             token=w.token("mette"), headers={"Content-Type": "image/jpeg"})
    h.eq(st, 201, "a family member's photo upload: %r" % (b,))
    h.check(h.is_id(b.get("id")), "the upload has an id", "a positive integer", b)
    h.eq(b.get("state"), "checking", "a new upload waits to be checked")
    h.eq(b.get("kind"), "image", "kind from the bytes")
    h.eq(b.get("type"), "image/png", "the type from the bytes, not the client's image/jpeg")
    h.eq(b.get("name"), "Brev fra skolen.jpg.png", "the name keeps what was typed, with the real type's extension")
    h.eq(b.get("size"), len(data), "size")
    with open(spool(w, b["id"]), "rb") as f:
        h.eq(f.read(), data, "the spool file holds exactly the bytes sent, before the 201")


async def test_staff_document_name_loses_its_path(w):
    st, _, b = await w.ahttp("POST", "/api/uploads?name=..%2F..%2Fetc%2FM%C3%B8deindkaldelse.pdf",
                             raw=PDF, token=w.token("anna"))
    h.eq(st, 201, "an adviser's PDF: %r" % (b,))
    h.eq((b.get("kind"), b.get("type")), ("pdf", "application/pdf"), "a PDF")
    h.eq(b.get("name"), "Mødeindkaldelse.pdf", "only the last part of a path is kept")


async def test_lying_file_is_refused_and_not_kept(w):
    exe = b"MZ\x90\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode"
    # the checker may be at work on the uploads before: their files come and go
    ours = lambda: {n for n in os.listdir(os.path.join(w.db + ".files", "spool"))  # noqa: E731
                    if not re.match(r"[12]\.part", n)}
    before = ours()
    st, _, b = await w.ahttp("POST", "/api/uploads?name=photo.jpg", raw=exe,
                             token=w.token("mette"), headers={"Content-Type": "image/jpeg"})
    h.eq(st, 415, "a program called photo.jpg sent as image/jpeg: %r" % (b,))
    h.check_error_body(b, "unsupported_type", "the refusal of a lying file")
    h.eq(ours() - before, set(), "nothing of the refused file stays in the spool")


async def test_refused_from_headers_before_the_body(w):
    big = 50 * MB
    for who, token, status in (("nobody", None, 401), ("an administrator", w.token("admin"), 403),
                               ("a family member, 11 MB", w.token("mette"), 413)):
        length = 11 * MB if status == 413 else big
        st, text, took = await asyncio.to_thread(head_only, w, token, length)
        h.eq(st, status, "%s: answered from the headers, no body sent (%s)" % (who, text[-200:]))
        h.check(took < 5, "%s: answered at once" % who, "< 5 s", "%.1f s" % took)
    st, text, _ = await asyncio.to_thread(head_only, w, w.token("mette"), 0)
    h.eq(st, 400, "an empty upload (%s)" % text[-120:])


async def test_no_length_no_upload(w):
    s = raw_conn(w)
    s.sendall(("POST /api/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" % w.token("mette")).encode())
    got = b""
    try:
        while True:
            d = s.recv(4096)
            if not d:
                break
            got += d
    except (socket.timeout, ConnectionError, ssl.SSLError):
        pass
    s.close()
    h.check(got.startswith(b"HTTP/1.1 411"), "a chunked upload gets 411 Length Required",
            "HTTP/1.1 411", got[:80])


async def test_five_at_once_is_one_too_many(w):
    token = w.token("jonas")
    socks = []
    try:
        for _ in range(4):
            s = raw_conn(w)
            s.sendall(("POST /api/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                       "Content-Length: 100000\r\n\r\n" % token).encode() + png()[:8])
            socks.append(s)
        await asyncio.sleep(0.5)  # each accepted by a worker
        st, text, _ = await asyncio.to_thread(head_only, w, token, 1000)
        h.eq(st, 429, "a fifth upload while four arrive (%s)" % text[-160:])
        st, _, b = await w.ahttp("POST", "/api/uploads", raw=png(), token=w.token("mette"))
        h.eq(st, 201, "another member uploads meanwhile: %r" % (b,))
    finally:
        for s in socks:
            s.close()
    # Cut off half way, their spool files go at once.
    for _ in range(40):
        left = os.listdir(os.path.join(w.db + ".files", "spool"))
        if len(left) <= 3:  # the three completed uploads of the tests before
            break
        await asyncio.sleep(0.05)
    h.check(len(left) <= 3, "uploads cut off leave no spool file", "<= 3 files", sorted(left))


async def test_trickled_upload_is_cut_off(w):
    data = png(40, 40)  # about 100 bytes: the deadline is REQUEST_S plus a fraction of a second
    def trickle():
        s = raw_conn(w)
        s.sendall(("POST /api/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "Content-Length: %d\r\n\r\n" % (w.token("amina"), len(data))).encode())
        start, got, sent = time.monotonic(), b"", 0
        s.settimeout(0.5)
        try:
            while time.monotonic() - start < REQUEST_S + 15 and sent < len(data):
                s.sendall(data[sent:sent + 1])
                sent += 1
                try:
                    d = s.recv(4096)
                    if not d:
                        break
                    got += d
                except socket.timeout:
                    pass
            while not got:
                d = s.recv(4096)
                if not d:
                    break
                got += d
        except (socket.timeout, ConnectionError, ssl.SSLError) as e:
            print("    note: %s after %d bytes" % (e, sent))
        s.close()
        return time.monotonic() - start, got, sent
    took, got, sent = await asyncio.to_thread(trickle)
    h.check(sent < len(data), "the trickled upload was cut off", "< %d bytes" % len(data), sent)
    h.check(got.startswith(b"HTTP/1.1 408"), "answered 408", "HTTP/1.1 408", got[:60])
    h.check(took < REQUEST_S + 8, "by its deadline", "< %d s" % (REQUEST_S + 8), "%.1f s" % took)


h.run([test_photo_is_stored_and_typed_from_its_bytes, test_staff_document_name_loses_its_path,
       test_lying_file_is_refused_and_not_kept, test_refused_from_headers_before_the_body,
       test_no_length_no_upload, test_five_at_once_is_one_too_many,
       test_trickled_upload_is_cut_off],
      extra_args=("--http-request-seconds", str(REQUEST_S)))
