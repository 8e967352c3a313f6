"""83 attachment crash: kill -9 while uploads stream in loses no acknowledged upload (issue 14).

Uploads of 1.5 MB PDFs run from four family members and two advisers at once; some are
acknowledged (201: the file and its folder are fsynced before the answer), others are cut
off half way by a kill -9.  A message sent with acknowledged files is acknowledged too.
After the restart: every acknowledged upload is there, is checked (by the real clamd) and
served byte for byte to its sender; the message still carries its files; nothing of the
uploads cut off is left in the spool under a temporary name, and their rows do not count
against their senders (they may upload at once)."""
import asyncio
import hashlib
import os
import random
import socket
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import clamd as clamd_mod  # noqa: E402
import harness as h  # noqa: E402

# clamd is one of the gateway's dependencies (gateway/install-deps.sh): without it this fails.
CLAMD = clamd_mod.Clamd()
CLAMD.start()

SIZE = 1500 * 1024
UPLOADERS = ("mette", "jonas", "amina", "anna", "bo", "dora")


def pdf(seed):
    rnd = random.Random(seed)
    return b"%PDF-1.4\n%" + bytes(rnd.getrandbits(8) for _ in range(SIZE)) + b"\n%%EOF\n"


def half_upload(w, token, data):
    """Sends the headers and half of the body, and keeps the connection open."""
    s = socket.create_connection(("127.0.0.1", w.port), timeout=10)
    s = w.ssl.wrap_socket(s, server_hostname="127.0.0.1")
    s.sendall(("POST /api/uploads?name=halv.pdf HTTP/1.1\r\nHost: x\r\n"
               "Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n" % (token, len(data))).encode()
              + data[:len(data) // 2])
    return s


async def test_kill9_during_uploads(w):
    tokens = {k: w.token(k) for k in UPLOADERS}
    files = {}
    for i, k in enumerate(UPLOADERS):  # acknowledged before the kill
        data = pdf(i)
        st, _, b = await w.ahttp("POST", "/api/uploads?name=fuld-%d.pdf" % i, raw=data,
                                 token=tokens[k], timeout=60)
        h.eq(st, 201, "upload %d by %s acknowledged" % (i, k))
        files[b["id"]] = (k, data)
    mette = await w.client("mette")
    mine = [i for i, (k, _) in files.items() if k == "mette"]
    r = await mette.request({"type": "send", "conv": w.conv["A"], "client_id": "crash-files",
                             "body": "se vedhæftet", "attachments": mine})
    h.eq(r.get("type"), "ack", "a message with an acknowledged file: %r" % r)
    msg_id = r["message"]["id"]
    halves = [await asyncio.to_thread(half_upload, w, tokens[k], pdf(100 + i))
              for i, k in enumerate(UPLOADERS[:4])]
    await asyncio.sleep(0.5)  # the halves are on their way into the spool
    w.gw.kill9()
    for s in halves:
        s.close()
    spool = os.path.join(w.db + ".files", "spool")
    w.gw.start()
    w.gw.expect_down = False
    left = [n for n in os.listdir(spool) if n.startswith("new-")]
    h.eq(left, [], "no upload cut off is left under a temporary name")
    # Every acknowledged upload is checked and served as it was sent.  The checker runs
    # in SCHED_IDLE: on a machine whose cores are busy with other tests it gets what is
    # left, so it is given a minute.
    for upload_id, (k, data) in files.items():
        for _ in range(300):
            st, hdr, body = await w.ahttp("GET", "/api/attachments/%d" % upload_id, token=tokens[k])
            if st != 409:
                break
            await asyncio.sleep(0.2)
        h.eq(st, 200, "acknowledged upload %d of %s is served after the kill" % (upload_id, k))
    c = await w.client("anna", label="anna-after")
    got = await c.request({"type": "history", "conv": w.conv["A"], "limit": 20})
    msgs = {m["id"]: m for m in got.get("messages", [])}
    h.check(msg_id in msgs, "the acknowledged message survived", msg_id, list(msgs))
    h.eq([a["id"] for a in msgs[msg_id].get("attachments", [])], mine,
         "and still carries its file")
    # Byte for byte: the stored file is the one sent (a PDF is kept as sent).
    for upload_id, (k, data) in files.items():
        con = sqlite3.connect(w.db)
        sha = con.execute("SELECT sha256 FROM attachments WHERE id = ?", (upload_id,)).fetchone()[0]
        con.close()
        h.eq(sha, hashlib.sha256(data).hexdigest(), "upload %d is stored as sent" % upload_id)
    # The uploads cut off do not hold their senders back.
    for k in UPLOADERS[:4]:
        st, _, b = await w.ahttp("POST", "/api/uploads?name=igen.pdf", raw=pdf(200), token=tokens[k],
                                 timeout=60)
        h.eq(st, 201, "%s uploads again after the crash: %r" % (k, b if st != 201 else ""))


try:
    h.run([test_kill9_during_uploads], extra_args=("--clamd-socket", CLAMD.socket),
          per_test_timeout=120)
finally:
    CLAMD.close()
