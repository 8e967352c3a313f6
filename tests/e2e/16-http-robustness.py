"""16 HTTP robustness: bad requests get JSON errors and never hurt the gateway."""
import concurrent.futures
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def alive(w, what):
    time.sleep(0.2)
    h.check(w.gw.running(), "gateway still running after %s" % what, "running",
            "exit status %s" % w.gw.proc.poll())
    st, _, b = w.http("GET", "/healthz")
    h.eq(st, 200, "/healthz after %s" % what)


async def test_bad_bodies(w):
    for raw, what in ((b"{nope", "invalid JSON"), (b"[]", "a JSON array"), (b"", "an empty body"),
                      (b'{"username":5,"password":"x"}', "a numeric username"),
                      (b'{"username":"anna"}', "a missing password")):
        st, _, b = w.http("POST", "/api/login", raw=raw,
                          headers={"Content-Type": "application/json"})
        h.eq(st, 400, "POST /api/login with %s: status" % what)
        h.check_error_body(b, "bad_request", "POST /api/login with %s" % what)
    tok = w.token("anna")
    st, _, b = w.http("POST", "/api/conversations", raw=b"{", token=tok,
                      headers={"Content-Type": "application/json"})
    h.eq(st, 400, "POST /api/conversations with invalid JSON")
    st, _, b = w.http("POST", "/api/invites", {"member": "9"}, token=tok)
    h.eq(st, 400, "POST /api/invites with a string member id")
    alive(w, "bad bodies")


async def test_large_body(w):
    st, _, b = w.http("POST", "/api/login", raw=b'{"username":"' + b"a" * (2 << 20) + b'"}',
                      headers={"Content-Type": "application/json"})
    h.check(st in (400, 413), "POST /api/login with a 2 MiB body", "413 (or 400)", (st, b))
    alive(w, "a 2 MiB body")


async def test_unknown_paths(w):
    tok = w.token("anna")
    for method, path in (("GET", "/api/nothing"), ("GET", "/api/conversations/999999/messages"),
                         ("GET", "/api/conversations/abc/messages"),
                         ("GET", "/api/families/abc/log"), ("DELETE", "/api/devices/abc")):
        st, _, b = w.http(method, path, token=tok)
        h.check(st in (400, 404), "%s %s: status" % (method, path), "404 (or 400)", (st, b))
        h.check(isinstance(b, dict) and isinstance(b.get("error"), dict),
                "%s %s: JSON error body" % (method, path), {"error": {}}, b)
    alive(w, "unknown paths")


async def test_partial_requests(w):
    # a request cut off in the headers, and one that promises more body than it sends
    raw = socket.create_connection(("127.0.0.1", w.port), timeout=5)
    s = w.ssl.wrap_socket(raw, server_hostname="127.0.0.1")
    s.sendall(b"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
    s.close()
    raw = socket.create_connection(("127.0.0.1", w.port), timeout=5)
    s = w.ssl.wrap_socket(raw, server_hostname="127.0.0.1")
    s.sendall(b"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
              b"\r\nContent-Length: 100\r\n\r\n{\"username\":")
    s.close()
    alive(w, "requests cut off mid-way")


async def test_parallel_requests(w):
    tok = w.token("anna")
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        res = list(ex.map(lambda i: w.http("GET", "/api/me", token=tok)[0], range(64)))
    h.eq(res, [200] * 64, "64 parallel GET /api/me (16 at a time)")
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        res = list(ex.map(lambda k: w.http("POST", "/api/login",
                                           {"username": k, "password": h.PASSWORDS[k]})[0],
                          ["anna", "bo", "carl", "dora", "erik", "frida", "admin", "anna"]))
    h.eq(res, [200] * 8, "8 parallel logins")


h.run([test_bad_bodies, test_large_body, test_unknown_paths, test_partial_requests,
       test_parallel_requests])
