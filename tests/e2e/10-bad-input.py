"""10 bad input: errors with refs, the connection survives; protocol violations close."""
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


async def ping_ok(c, what):
    r = await c.request({"type": "ping"})
    h.eq(r.get("type"), "pong", "%s: connection survives (ping -> pong)" % what)


async def expect_error(c, frame, code, what):
    r = await c.request(frame)
    h.eq((r.get("type"), r.get("code")), ("error", code), what + ": error code")
    h.eq(r.get("ref"), frame.get("ref", r.get("ref")), what + ": error echoes ref")
    h.check(isinstance(r.get("message"), str), what + ": error has a message", "string", r)
    return r


async def test_ping(w):
    c = await w.client("anna")
    await c.send_frame({"type": "ping", "ref": "p-1"})
    r = await c.recv_frame(5)
    h.eq(r, {"type": "pong", "ref": "p-1"}, "ping with ref")
    await c.send_frame({"type": "ping"})
    r = await c.recv_frame(5)
    h.eq(r.get("type"), "pong", "ping without ref")
    h.check("ref" not in r or r["ref"] is None, "pong to a ping without ref has no ref",
            "no ref", r)
    ref = "x" * 64
    r = await c.request({"type": "ping", "ref": ref})
    h.eq(r.get("ref"), ref, "a ref of 64 characters is echoed")


async def test_malformed_frames(w):
    c = await w.client("mette")
    anna = await w.client("anna")
    for raw, what in (("{nope", "invalid JSON"), ("[1,2]", "a JSON array"), ("42", "a number"),
                      ('"ping"', "a string"), ("", "an empty text frame")):
        await c.send_raw(raw)
        r = await c.recv_frame(5)
        h.eq((r.get("type"), r.get("code")), ("error", "bad_request"), "%s: reply" % what)
        await ping_ok(c, what)
    A = w.conv["A"]
    cases = [
        ({"type": "dance", "ref": "r1"}, "unknown type"),
        ({"ref": "r2"}, "missing type"),
        ({"type": 5, "ref": "r2b"}, "type not a string"),
        ({"type": "send", "ref": "r3", "client_id": "k3", "body": "hej"}, "send without conv"),
        ({"type": "send", "ref": "r4", "conv": A, "body": "hej"}, "send without client_id"),
        ({"type": "send", "ref": "r5", "conv": A, "client_id": "k5"}, "send without body"),
        ({"type": "send", "ref": "r6", "conv": str(A), "client_id": "k6", "body": "hej"},
         'send with "conv":"%d" (string)' % A),
        ({"type": "send", "ref": "r6b", "conv": A + 0.5, "client_id": "k6b", "body": "hej"},
         "send with a fractional conv"),
        ({"type": "send", "ref": "r7", "conv": A, "client_id": 7, "body": "hej"},
         "send with numeric client_id"),
        ({"type": "send", "ref": "r8", "conv": A, "client_id": "k8", "body": 8},
         "send with numeric body"),
        ({"type": "send", "ref": "r9", "conv": A, "client_id": "k9", "body": "hej",
          "kind": "shout"}, "send with an unknown kind"),
        ({"type": "send", "ref": "r10", "conv": A, "client_id": "", "body": "hej"},
         "send with an empty client_id"),
        ({"type": "send", "ref": "r11", "conv": A, "client_id": "k" * 65, "body": "hej"},
         "send with a 65-character client_id"),
        ({"type": "send", "ref": "r12", "conv": A, "client_id": "k12", "body": ""},
         "send with an empty body"),
        ({"type": "send", "ref": "r13", "conv": A, "client_id": "k13", "body": " \n\t\u00a0 "},
         "send with a white-space-only body"),
        ({"type": "sync", "ref": "r14", "after": "0"}, 'sync with "after":"0"'),
        ({"type": "sync", "ref": "r15", "after": 0, "limit": "10"}, 'sync with "limit":"10"'),
        ({"type": "history", "ref": "r16", "conv": str(A)}, "history with a string conv"),
        ({"type": "read", "ref": "r17", "conv": A}, "read without upto"),
        ({"type": "read", "ref": "r18", "conv": A, "upto": True}, "read with a boolean upto"),
    ]
    for frame, what in cases:
        await expect_error(c, frame, "bad_request", what)
    await ping_ok(c, "after all bad frames")
    await anna.expect_no_frame(0.4, type="message", what="a refused (bad) send was delivered")


async def test_body_limits(w):
    c = await w.client("mette")
    A = w.conv["A"]
    await expect_error(c, {"type": "send", "ref": "big1", "conv": A, "client_id": h.uid(),
                           "body": "a" * 4001}, "too_large", "body of 4001 code points")
    await expect_error(c, {"type": "send", "ref": "big2", "conv": A, "client_id": h.uid(),
                           "body": "😀" * 4001}, "too_large", "body of 4001 emoji code points")
    for body, what in (("a" * 4000, "4000 ASCII"), ("ø" * 4000, "4000 two-byte code points"),
                       ("😀" * 4000, "4000 four-byte code points (16000 bytes)"),
                       ("  " + "b" * 4000 + "\n ", "4000 code points plus surrounding white "
                                                   "space")):
        m = await c.send_msg(A, body)
        h.check(m.get("body", "").strip() == body.strip(), "body of %s stored intact" % what,
                "%d code points" % len(body.strip()), "%d code points" % len(m.get("body", "")))
    await ping_ok(c, "after body limits")


async def test_oversized_frame(w):
    c = await w.client("anna", label="anna-big")
    await c.send_raw('{"type":"ping","pad":"' + "a" * (66 * 1024) + '"}')
    code = await c.wait_close(5)
    h.eq(code, 1009, "a text frame over 64 KiB: close code")
    # under the limit but with a body too large: an error, the connection survives
    c = await w.client("anna", label="anna-60k")
    await expect_error(c, {"type": "send", "ref": "60k", "conv": w.conv["A"],
                           "client_id": h.uid(), "body": "a" * 60000}, "too_large",
                       "a 60 KB frame with a 60000-character body")
    await ping_ok(c, "after a 60 KB frame")


async def test_binary_frame(w):
    c = await w.client("anna", label="anna-bin")
    await c.send_raw(b'{"type":"ping"}')
    h.eq(await c.wait_close(5), 1007, "a binary frame: close code")


async def test_invalid_utf8(w):
    c = await w.client("anna", label="anna-utf8")
    try:
        await c.ws.write_frame(True, h.OP_TEXT, b'{"type":"ping","ref":"\xff\xfe"}')
    except Exception as e:  # pragma: no cover - depends on the websockets version
        raise h.Skip("websockets cannot send invalid UTF-8: %s" % e)
    h.eq(await c.wait_close(5), 1007, "invalid UTF-8 in a text frame: close code")


N_FLOOD = 260  # over the default burst (2 x 100 frames/s), under 200 refusals


async def test_flood_replies_carry_ref(w):
    """Too many frames too fast -> rate_limited, but every frame still gets exactly
    one direct reply carrying its ref (else a client cannot tell which send to
    retry), and the connection survives a short burst."""
    c = await w.client("bo", label="bo-flood")
    refs = ["f%03d" % i for i in range(N_FLOOD)]
    for r in refs:
        await c.send_frame({"type": "ping", "ref": r})
    replies = []
    while True:
        try:
            replies.append(await c.recv_frame(1.5))
        except h.Fail:
            break
    limited = [f for f in replies if h.error_code(f) == "rate_limited"]
    print("    note: %d pings at once -> %d pong, %d rate_limited"
          % (N_FLOOD, len([f for f in replies if f.get("type") == "pong"]), len(limited)))
    bad = [f for f in replies if f.get("ref") not in refs]
    h.eq(bad[:3], [], "replies to a burst of %d pings that lack the ref of the frame they "
         "answer (%d of %d; e.g. rate_limited errors)" % (N_FLOOD, len(bad), len(replies)))
    got = sorted(f.get("ref") for f in replies)
    h.eq(got, refs, "each of %d pings answered exactly once (pong or rate_limited, by ref)"
         % N_FLOOD)
    await asyncio.sleep(2.5)
    await ping_ok(c, "after a burst of %d frames" % N_FLOOD)


h.run([test_ping, test_malformed_frames, test_body_limits, test_oversized_frame,
       test_binary_frame, test_invalid_utf8, test_flood_replies_carry_ref])
