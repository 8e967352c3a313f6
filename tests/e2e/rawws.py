"""rawws: one WebSocket connection made by hand over TLS, frame by frame.

For the tests that need what a WebSocket library will not do: send malformed
frames (20-raw-frames.py), or stay silent where a library would answer a ping
by itself (35-keepalive.py).  Only the standard library and harness.py.
"""
import base64
import hashlib
import json
import os
import socket
import struct
import time

import harness as h

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BIN, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


class Dropped(Exception):
    """The server closed TCP without (or after) a Close frame."""


class Raw:
    """One WebSocket connection made by hand over TLS."""

    def __init__(self, w, path="/ws", proto="indgang.v1", version="13", extra=(),
                 method="GET", timeout=5):
        self.w = w
        sock = socket.create_connection(("127.0.0.1", w.port), timeout=timeout)
        self.s = w.ssl.wrap_socket(sock, server_hostname="localhost")
        self.buf = b""
        self.key = base64.b64encode(os.urandom(16)).decode()
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1:%d" % w.port,
                 "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: " + self.key,
                 "Sec-WebSocket-Version: " + version]
        if proto:
            lines.append("Sec-WebSocket-Protocol: " + proto)
        lines += list(extra)
        self.s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.status, self.head = None, b""
        try:
            while b"\r\n\r\n" not in self.buf:
                d = self.s.recv(4096)
                if not d:
                    break
                self.buf += d
        except (OSError, socket.timeout):
            pass
        if b"\r\n\r\n" in self.buf:
            self.head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            parts = self.head.split(b" ", 2)
            self.status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None

    def upgraded(self):
        if self.status != 101:
            return False
        want = base64.b64encode(hashlib.sha1((self.key + GUID).encode()).digest()).decode()
        return ("sec-websocket-accept: " + want).lower() in self.head.decode().lower()

    @staticmethod
    def frame(payload=b"", opcode=OP_TEXT, fin=True, rsv=0, mask=True, length=None, key=None,
              len16=False):
        if isinstance(payload, str):
            payload = payload.encode()
        b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
        n = len(payload) if length is None else length
        m = 0x80 if mask else 0
        if n < 126 and not len16:
            hdr = struct.pack("!BB", b0, m | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", b0, m | 126, n)
        else:
            hdr = struct.pack("!BBQ", b0, m | 127, n)
        if mask:
            k = os.urandom(4) if key is None else key
            payload = bytes(c ^ k[i % 4] for i, c in enumerate(payload))
            hdr += k
        return hdr + payload

    def send(self, *frames):
        self.s.sendall(b"".join(frames))

    def text(self, obj, **kw):
        self.send(self.frame(json.dumps(obj, ensure_ascii=False), **kw))

    def _read(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError()
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                raise TimeoutError() from None
            except OSError as e:
                raise Dropped(str(e)) from None
            if not d:
                raise Dropped("EOF")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self, timeout=5.0):
        """-> (opcode, payload) of the next server frame."""
        dl = time.monotonic() + timeout
        b = self._read(2, dl)
        h.check(b[1] & 0x80 == 0, "server frames are not masked (RFC 6455 5.1)", "mask bit 0",
                b.hex())
        n = b[1] & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read(2, dl))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read(8, dl))[0]
        return b[0] & 0x0F, self._read(n, dl)

    def json(self, timeout=5.0):
        """The next text frame as JSON (server pings are answered, pongs skipped)."""
        while True:
            op, p = self.recv(timeout)
            if op == OP_TEXT:
                return json.loads(p)
            if op == OP_PING:
                self.send(self.frame(p, OP_PONG))
            elif op == OP_CLOSE:
                raise Dropped("close %s" % close_code(p)[0])

    def outcome(self, timeout=5.0):
        """Reads until the server closes: ('close', code, reason, secs, texts)
        or ('drop', None, '', secs, texts) or ('open', ...) after timeout."""
        t0 = time.monotonic()
        texts = []
        try:
            while True:
                op, p = self.recv(max(0.05, timeout - (time.monotonic() - t0)))
                if op == OP_CLOSE:
                    code, reason = close_code(p)
                    try:
                        self.send(self.frame(p[:2], OP_CLOSE))
                    except OSError:
                        pass
                    return ("close", code, reason, time.monotonic() - t0, texts)
                if op == OP_TEXT:
                    texts.append(json.loads(p))
                elif op == OP_PING:
                    texts.append(("ping", p))
                elif op == OP_PONG:
                    texts.append(("pong", p))
        except TimeoutError:
            return ("open", None, "", time.monotonic() - t0, texts)
        except Dropped:
            return ("drop", None, "", time.monotonic() - t0, texts)

    def auth(self, key="anna"):
        self.text({"type": "auth", "token": self.w.token(key)})
        f = self.json()
        h.eq(f.get("type"), "welcome", "raw connection: welcome after auth")
        return self

    def ping_ok(self, what):
        ref = "alive-%d" % time.monotonic_ns()
        self.text({"type": "ping", "ref": ref})
        while True:
            f = self.json()
            if f.get("ref") == ref:
                h.eq(f.get("type"), "pong", "%s: the connection survives (ping -> pong)" % what)
                return

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def close_code(p):
    if len(p) >= 2:
        return struct.unpack("!H", p[:2])[0], p[2:].decode("utf-8", "replace")
    return None, ""

