"""Runs a unit test program beside a private clamd (tests/e2e/clamd.py), as
unit.scan.test_clamd does (tests/CMakeLists.txt):

    run_with_clamd.py TEST_BINARY [ARGS...]

The program gets CLAMD_SOCKET (the clamd's Unix socket), CLAMD_EICAR_SIGNATURE (what
that clamd calls the EICAR test file) and CLAMD_STREAM_MAX (its StreamMaxLength in
bytes), and its exit status is ours.  Without ClamAV installed the program still runs,
without those variables (its cases with fake clamds), and a pass exits 77: CTest's SKIP.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "e2e"))
import clamd  # noqa: E402

EXIT_SKIPPED = 77
STREAM_MAX = 25 * 1024 * 1024  # what the clamd is given, as "25M"


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: run_with_clamd.py TEST_BINARY [ARGS...]")
    if not clamd.installed():
        print("SKIP the cases with a real clamd: ClamAV is not installed (%s, %s)"
              % (clamd.CLAMD, clamd.SIGTOOL), flush=True)
        rc = subprocess.call(argv[1:])
        return EXIT_SKIPPED if rc == 0 else rc
    t0 = time.monotonic()
    with clamd.Clamd(stream_max="%dM" % (STREAM_MAX // (1024 * 1024))) as c:
        print("clamd answered PING %.0f ms after it was started (%.0f ms with its "
              "database made)" % (c.start_seconds * 1000, (time.monotonic() - t0) * 1000),
              flush=True)
        env = dict(os.environ, CLAMD_SOCKET=c.socket,
                   CLAMD_EICAR_SIGNATURE=clamd.EICAR_SIGNATURE,
                   CLAMD_STREAM_MAX=str(STREAM_MAX))
        rc = subprocess.call(argv[1:], env=env)
        if rc != 0:
            print("clamd's log:\n%s" % c.tail(), flush=True)
        return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
