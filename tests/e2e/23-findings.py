"""23 findings: regression tests for gateway bugs found by the trust tests (docs/trust.md).

Each test states the finding, reproduces it, and asserts the behaviour the
contract (or a careful client author) expects.  They fail until the
gateway is fixed; then they keep the bug from coming back.

  F1  the login throttle lets more than 10 guesses from one address reach the
      password hash when requests run in parallel (check-then-count race)
  F3  "read" stores any upto, also beyond the conversation's last message: the
      family member's new messages then never count as unread, and the pair is
      told they were read
"""
import concurrent.futures
import http.client
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def login_status(w, body, source):
    conn = http.client.HTTPSConnection("127.0.0.1", w.port, context=w.ssl, timeout=30,
                                       source_address=(source, 0))
    try:
        conn.request("POST", "/api/login", body=json.dumps(body).encode(),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


async def test_f1_throttle_holds_under_parallel_requests(w):
    """PROTOCOL-NOTES: after 10 failed sign-ins from one address in 15 minutes that
    address gets 429 before any password is hashed.  300 wrong passwords, 16 at a
    time, against a gateway with 8 HTTP workers: at most 10 may reach the hash."""
    bodies = [{"username": "anna", "password": "guess-%d" % i} for i in range(300)]
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        statuses = list(ex.map(lambda b: login_status(w, b, "127.0.0.9"), bodies))
    hashed = statuses.count(401)
    print("    300 parallel wrong passwords from one address: %d reached the hash, %d got 429"
          % (hashed, statuses.count(429)))
    h.check(hashed <= 10, "F1: failed sign-ins from one address that reached the hash",
            "<= 10", hashed)


async def test_f3_read_upto_beyond_last_message(w):
    """A read position beyond the conversation's last message must not hide later
    messages: the stored (and announced) position is at most the last message the
    user may see, and new messages count as unread."""
    A = w.conv["A"]
    mette = await w.client("mette")
    anna = await w.client("anna")
    first = await anna.send_msg(A, "Hej Mette")
    r = await mette.request({"type": "read", "conv": A, "upto": 10 ** 12})
    h.eq(r.get("type"), "receipt", "read with a huge upto is answered with a receipt")
    h.check(r.get("upto", 0) <= first["id"],
            "F3: the receipt announces no read position beyond the last message",
            "<= %d" % first["id"], r.get("upto"))
    await anna.send_msg(A, "Nyt møde tirsdag kl. 10")
    await w.close_clients()
    again = await w.client("mette", label="mette-again")
    c = h.conv_of(again.welcome, A)
    h.eq(c.get("unread"), 1, "F3: a message after the huge read position counts as unread")


h.run([test_f1_throttle_holds_under_parallel_requests, test_f3_read_upto_beyond_last_message],
      extra_args=["--http-workers", "8"])
