#!/usr/bin/env python3
"""uploadfull.py - the files folder's file system fills up while photos and documents
arrive, then gets room again (issue 14).

The real gateway with its files folder (`files`) on a small tmpfs of its own (6 MiB) and
its database elsewhere:

  1. a 2 MB upload is acknowledged (201) and its bytes are on the tmpfs;
  2. a filler leaves 512 KiB: a 2 MB upload is refused with 503 `unavailable` and a
     sentence that says the disk is full, nothing of it is left in the spool, and
     the gateway goes on: messages are sent and acknowledged (their database has room),
     the first upload is still whole;
  3. the filler goes: the same upload is acknowledged, as sent.

Mounting needs root (CAP_SYS_ADMIN): it re-executes itself in a private mount namespace
like diskfull.py, and without the right to mount it FAILS and says so.

    python3 tests/faults/uploadfull.py [--dir DIR]
"""
import argparse
import asyncio
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "e2e"))
import diskfull as df  # noqa: E402
import harness as h  # noqa: E402

SIZE = 2 * 1024 * 1024


def pdf(tag):
    return b"%PDF-1.4\n%" + tag.encode() + os.urandom(SIZE) + b"\n%%EOF\n"


def spool(files):
    return sorted(os.listdir(os.path.join(files, "spool")))


async def run(files):
    w = h.World(("--files", files))
    ok = True
    try:
        w.setup()
        first = pdf("first")
        st, _, b = await w.ahttp("POST", "/api/uploads?name=a.pdf", raw=first, token=w.token("mette"),
                                 timeout=60)
        h.eq(st, 201, "an upload with room on the disk")
        with open(os.path.join(files, "spool", "%d.part" % b["id"]), "rb") as f:
            h.eq(f.read(), first, "its bytes are on the files' disk")
        before = spool(files)
        filler, n = df.fill(files, leave=512 * 1024)
        print("    filler: %d MiB, %d KiB left" % (n >> 20, df.free_bytes(files) >> 10))
        second = pdf("second")
        st, _, b = await w.ahttp("POST", "/api/uploads?name=b.pdf", raw=second,
                                 token=w.token("anna"), timeout=60)
        h.eq(st, 503, "an upload on a full disk: %r" % (b,))
        h.check_error_body(b, "unavailable", "the refusal")
        h.check("full" in b["error"]["message"], "the refusal says the disk is full",
                "... full ...", b["error"]["message"])
        h.eq(spool(files), before, "nothing of the refused upload is left in the spool")
        c = await w.client("anna")
        m = await c.send_msg(w.conv["A"], "Beskeder går stadig igennem")
        h.check(h.is_id(m.get("id")), "messages are still acknowledged", "an id", m)
        with open(os.path.join(files, "spool", before[0]), "rb") as f:
            h.eq(f.read(), first, "the first upload is still whole")
        os.unlink(filler)
        st, _, b = await w.ahttp("POST", "/api/uploads?name=b.pdf", raw=second,
                                 token=w.token("anna"), timeout=60)
        h.eq(st, 201, "the same upload once there is room again")
        with open(os.path.join(files, "spool", "%d.part" % b["id"]), "rb") as f:
            h.eq(f.read(), second, "stored as sent")
        await w.close_clients()
        h.eq(w.gw.stop(15), 0, "the gateway stops cleanly")
        print("PASS uploadfull")
    except Exception as e:  # noqa: BLE001 - reported, then the exit status says it
        ok = False
        print("FAIL uploadfull: %s" % e)
        if w.gw:
            print(w.gw.tail(15))
    finally:
        w.cleanup()
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", help="an existing small, empty file system to fill (no mount)")
    a = ap.parse_args()
    if a.dir:
        mnt = a.dir
    else:
        df.enter_private_namespace(__file__)
        mnt = df.mount_tmpfs(6)
    try:
        ok = asyncio.run(run(mnt))
    finally:
        if not a.dir:
            subprocess.run(["umount", "-l", mnt], capture_output=True)
            os.rmdir(mnt)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
