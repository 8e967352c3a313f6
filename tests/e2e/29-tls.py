"""29 TLS: the security headers on every kind of HTTP answer, the TLS policy (Mozilla
"intermediate": TLS 1.2 and 1.3 only, ECDHE with AEAD ciphers only, the server's cipher
order), and Debian's testssl.sh against the running gateway with the test CA: no finding
of severity MEDIUM, HIGH or CRITICAL (its JSON output, --jsonfile, is parsed).

The gateway serves the web clients (--web clients/web) so that static files, redirects
and their errors are covered as well as the API and the error pages lws writes itself.

testssl rates a certificate without a CRL or OCSP address HIGH ("cert_revocation"): a
property of the certificate, not of the gateway (a public CA's certificates carry one).
For the scan the gateway is given a certificate from the same test CA that names a CRL
address; the finding for the development certificate is printed too.

    /usr/bin/python3 tests/e2e/29-tls.py            # needs testssl (gateway/install-deps.sh)
    INDGANG_TESTSSL_FULL=1 ...                      # + every cipher and client simulations
"""
import collections
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

FULL = os.environ.get("INDGANG_TESTSSL_FULL") == "1"
WEB = os.path.join(h.SRC, "clients", "web")
BAD = ("MEDIUM", "HIGH", "CRITICAL")
# What every answer carries (lowercase names); values checked by check_common().
COMMON = ("strict-transport-security", "x-content-type-options", "x-frame-options",
          "referrer-policy", "permissions-policy", "content-security-policy")


def raw_answer(w, request):
    """Sends bytes over TLS, returns (status, headers {lower: [values]}, body)."""
    s = w.ssl.wrap_socket(socket.create_connection(("127.0.0.1", w.port), timeout=10),
                          server_hostname="localhost")
    s.sendall(request)
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
            if b"\r\n\r\n" in data:
                head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
                m = re.search(r"(?im)^content-length:\s*(\d+)", head)
                if request.startswith(b"HEAD ") or (
                        m and len(data) >= len(head) + 4 + int(m.group(1))):
                    break
    except (socket.timeout, OSError):
        pass
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else None
    hdrs = collections.defaultdict(list)
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()].append(v.strip())
    return status, hdrs, body


def check_common(what, status, hdrs):
    for k in COMMON:
        h.eq(len(hdrs.get(k, [])), 1, "%s (%s): exactly one %s header" % (what, status, k))
    hsts = hdrs["strict-transport-security"][0]
    m = re.search(r"max-age=(\d+)", hsts)
    h.check(m and int(m.group(1)) >= 31536000 and "includesubdomains" in hsts.lower(),
            "%s: HSTS for at least a year, subdomains included" % what,
            "max-age >= 31536000; includeSubDomains", hsts)
    h.eq(hdrs["x-content-type-options"][0].lower(), "nosniff", "%s: nosniff" % what)
    h.eq(hdrs["x-frame-options"][0].upper(), "DENY", "%s: X-Frame-Options" % what)
    h.eq(hdrs["referrer-policy"][0], "no-referrer", "%s: Referrer-Policy" % what)
    pp = hdrs["permissions-policy"][0]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        h.check(feature in pp, "%s: Permissions-Policy denies %s" % (what, feature), feature, pp)
    csp = hdrs["content-security-policy"][0]
    for must in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'",
                 "base-uri 'none'"):
        h.check(must in csp, "%s: CSP has %s" % (what, must), must, csp)
    h.check("unsafe" not in csp and "*" not in csp, "%s: CSP allows no inline or wildcard"
            % what, "no 'unsafe-*' and no *", csp)


async def test_headers_on_every_answer(w):
    token = w.token("anna")
    host = "Host: 127.0.0.1:%d\r\n" % w.port
    cases = [
        # (what, request, expected status, is an API answer)
        ("API 200", "GET /healthz HTTP/1.1\r\n%s\r\n", 200, True),
        ("API 200 with a token", "GET /api/me HTTP/1.1\r\n%sAuthorization: Bearer " + token
         + "\r\n\r\n", 200, True),
        ("API 401", "GET /api/me HTTP/1.1\r\n%s\r\n", 401, True),
        ("API 404", "GET /api/nothing HTTP/1.1\r\n%s\r\n", 404, True),
        ("API 400", "POST /api/login HTTP/1.1\r\n%sContent-Length: 3\r\n\r\n{x}", 400, True),
        ("API 413", "POST /api/login HTTP/1.1\r\n%sContent-Length: 70000\r\n\r\n"
         + "x" * 70000, 413, True),
        ("static HTML", "GET /staff/ HTTP/1.1\r\n%s\r\n", 200, False),
        ("static JS", "GET /shared/api.js HTTP/1.1\r\n%s\r\n", 200, False),
        ("static HEAD", "HEAD /family/ HTTP/1.1\r\n%s\r\n", 200, False),
        ("redirect", "GET /staff HTTP/1.1\r\n%s\r\n", 301, False),
        ("static 404", "GET /nothing.html HTTP/1.1\r\n%s\r\n", 404, False),
        ("lws error page", "BREW / HTTP/1.1\r\n%s\r\n", 403, False),
    ]
    seen = []
    for what, req, status, api in cases:
        st, hdrs, body = raw_answer(w, (req % host).encode())
        h.eq(st, status, "%s: status" % what)
        check_common(what, st, hdrs)
        if api:
            h.eq(hdrs.get("cache-control"), ["no-store"], "%s: Cache-Control" % what)
        seen.append("%s %s" % (what, st))
    print("    security headers checked on %d answers: %s" % (len(seen), ", ".join(seen)))
    st, hdrs, _ = w.http("POST", "/api/login", {"username": "bo", "password": h.PASSWORDS["bo"]})
    h.eq(st, 200, "login")
    h.eq(hdrs.get("Cache-Control"), "no-store", "a login answer is never cached")
    cookie = hdrs.get("Set-Cookie") or ""
    for attr in ("Secure", "HttpOnly", "SameSite=Strict"):
        h.check(attr.lower() in cookie.lower(), "the session cookie is %s" % attr, attr, cookie)


def handshake(w, version=None, ciphers=None, tls13=None):
    """-> (protocol, cipher) or the error's class name."""
    ctx = ssl.create_default_context(cafile=w.ca)
    if version is not None:
        ctx.minimum_version = ctx.maximum_version = version
    if ciphers is not None:
        ctx.set_ciphers(ciphers)
    try:
        with socket.create_connection(("127.0.0.1", w.port), timeout=10) as raw, \
                ctx.wrap_socket(raw, server_hostname="localhost") as s:
            return s.version(), s.cipher()[0], s.compression()
    except (ssl.SSLError, OSError) as e:
        return type(e).__name__


async def test_tls_policy(w):
    V = ssl.TLSVersion
    rows = []

    def row(what, result):
        rows.append("%s -> %s" % (what, result if isinstance(result, str) else
                                  "%s %s" % result[:2]))
        return result

    # OpenSSL 3 at security level 1 or more refuses TLS 1.0/1.1 on the client side too;
    # "@SECLEVEL=0" lets the client offer them so that the server's answer is tested.
    for v in (V.TLSv1, V.TLSv1_1):
        r = row("only %s" % v.name, handshake(w, v, "DEFAULT:@SECLEVEL=0"))
        h.check(isinstance(r, str), "%s is refused" % v.name, "handshake failure", r)
    for cbc in ("ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES256-SHA", "AES128-GCM-SHA256"):
        r = row("TLS 1.2 with only %s" % cbc, handshake(w, V.TLSv1_2, cbc))
        h.check(isinstance(r, str), "TLS 1.2 without ECDHE+AEAD (%s) is refused" % cbc,
                "handshake failure", r)
    r = row("TLS 1.2, client prefers CHACHA20", handshake(
        w, V.TLSv1_2, "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:"
        "ECDHE-ECDSA-AES128-GCM-SHA256"))
    h.eq(r[:2] if not isinstance(r, str) else r, ("TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256"),
         "TLS 1.2: the server's cipher order wins")
    h.eq(r[2], None, "no TLS compression")
    r = row("default client", handshake(w))
    h.eq(r[0] if not isinstance(r, str) else r, "TLSv1.3", "a current client gets TLS 1.3")
    print("    " + "\n    ".join(rows))


def make_cert_with_crl(w):
    """A server certificate from the test CA that names a CRL address."""
    d = w.tmp
    p = lambda n: os.path.join(d, n)  # noqa: E731
    with open(p("crl.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "crlDistributionPoints=URI:http://crl.indgang.invalid/test-ca.crl\n")
    run = lambda *a: subprocess.run(a, check=True, capture_output=True, timeout=30)  # noqa
    run("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", p("crl-key.pem"))
    run("openssl", "req", "-new", "-sha256", "-key", p("crl-key.pem"), "-subj", "/CN=localhost",
        "-out", p("crl.csr"))
    run("openssl", "x509", "-req", "-sha256", "-in", p("crl.csr"), "-CA", p("ca.pem"), "-CAkey",
        p("ca-key.pem"), "-CAcreateserial", "-days", "397", "-extfile", p("crl.ext"), "-out",
        p("crl-leaf.pem"))
    with open(p("crl-chain.pem"), "w") as out:
        for n in ("crl-leaf.pem", "ca.pem"):
            out.write(open(p(n)).read())
    return p("crl-chain.pem"), p("crl-key.pem")


def testssl(w, name):
    exe = shutil.which("testssl") or shutil.which("testssl.sh")
    h.check(exe, "testssl is installed", "testssl (apt install testssl.sh; gateway/install-deps.sh)",
            "not found")
    out = os.path.join(w.tmp, name + ".json")
    # Protocols, cipher categories, forward secrecy, server order, server defaults
    # (certificate), HTTP headers, vulnerabilities; the long form adds every cipher (-E)
    # and the client simulations (-c).
    checks = ["-p", "-s", "-f", "-P", "-S", "-h", "-U"] + (["-E", "-c"] if FULL else [])
    argv = [exe, "--quiet", "--color", "0", "--warnings", "batch", "--add-ca", w.ca,
            "--ip", "127.0.0.1", "--jsonfile", out] + checks + ["https://localhost:%d" % w.port]
    t = time.monotonic()
    r = subprocess.run(argv, capture_output=True, text=True, timeout=240)
    took = time.monotonic() - t
    if not os.path.exists(out):
        print("    testssl exit status %d after %.0f s; its output ends:\n%s\n%s"
              % (r.returncode, took, r.stdout[-1500:], r.stderr[-800:]))
    h.check(os.path.exists(out), "testssl wrote its JSON", out, "no file")
    with open(out) as f:
        findings = json.load(f)
    count = collections.Counter(x.get("severity") for x in findings)
    bad = [x for x in findings if x.get("severity") in BAD]
    return findings, count, bad, took


def summary(count):
    return ", ".join("%s %d" % (k, count.get(k, 0))
                     for k in ("OK", "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL", "WARN"))


async def test_testssl(w):
    chain, key = make_cert_with_crl(w)
    w.gw.cert, w.gw.key = chain, key
    w.gw.restart()
    findings, count, bad, took = testssl(w, "testssl")
    print("    testssl%s in %.0f s, %d findings: %s" % (" (long form)" if FULL else "", took,
                                                        len(findings), summary(count)))
    for x in findings:
        if x.get("severity") in ("LOW", "WARN") + BAD:
            print("      %-8s %-24s %s" % (x["severity"], x["id"], x["finding"][:100]))
    for x in findings:
        if x["id"] in ("TLS1", "TLS1_1", "TLS1_2", "TLS1_3", "cipherlist_STRONG",
                       "cipherlist_AVERAGE", "PFS", "PFS_ECDHE_curves", "cipher_order",
                       "cipherorder_TLSv1_2", "cipherorder_TLSv1_3", "HSTS_time",
                       "X-Frame-Options", "Content-Security-Policy", "secure_client_renego",
                       "ROBOT", "BREACH"):
            print("      %-8s %-24s %s" % (x["severity"], x["id"], x["finding"][:100]))
    h.eq(["%s %s: %s" % (x["severity"], x["id"], x["finding"]) for x in bad], [],
         "testssl: no finding above LOW")


h.TIME_BUDGET = 200.0  # the scan alone takes a minute or more under the sanitizers
h.run([test_headers_on_every_answer, test_tls_policy, test_testssl],
      extra_args=("--web", WEB), per_test_timeout=190)
