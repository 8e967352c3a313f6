"""45 skip reporting: a check that cannot run says SKIP, never PASS.

- The harness reports a test function that raises h.Skip, or that skipped one of its
  checks with h.skip(), as "SKIP name: why", counts it as skipped and not as passed,
  and a script whose every test was skipped exits 77 (CTest's SKIP_RETURN_CODE for
  the e2e tests, so CTest shows it as skipped); one with a failure still exits 1.
- No test script announces a skip with a print of its own (and then passes).
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
results = {"passed": 0, "failed": 0}

PROBE = '''
import sys
sys.path.insert(0, %r)
import harness as h

async def test_whole_skip(w):
    raise h.Skip("no such tool here")

async def test_one_check_skipped(w):
    h.check(True, "a check that ran")
    h.skip("the TLS 1.1 case", "this client cannot offer TLS 1.1")

async def test_runs(w):
    h.check(True, "a check that ran")

async def test_fails(w):
    h.check(False, "a failing check")

h.run([%s])
'''


def test(fn):
    try:
        fn()
        results["passed"] += 1
        print("PASS %s" % fn.__name__)
    except AssertionError as e:
        results["failed"] += 1
        print("FAIL %s: %s" % (fn.__name__, e))


def probe(*names):
    with tempfile.TemporaryDirectory(prefix="indgang-skip-") as tmp:
        path = os.path.join(tmp, "probe.py")
        with open(path, "w") as f:
            f.write(PROBE % (HERE, ", ".join(names)))
        p = subprocess.run(["/usr/bin/python3", path], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def test_all_skipped_exits_77():
    rc, out = probe("test_whole_skip", "test_one_check_skipped")
    lines = [l for l in out.splitlines() if re.match(r"(PASS|FAIL|SKIP) test_", l)]
    assert any(l.startswith("SKIP test_whole_skip") and "no such tool" in l for l in lines), \
        "a test raising h.Skip is not reported SKIP with its reason:\n" + out[-1500:]
    assert any(l.startswith("SKIP test_one_check_skipped") and "TLS 1.1" in l for l in lines), \
        "a test that skipped one check is not reported SKIP:\n" + out[-1500:]
    assert not any(l.startswith("PASS") for l in lines), "a skipped test said PASS:\n" + out
    assert "0 passed, 0 failed, 2 skipped" in out, "the summary:\n" + out[-500:]
    assert rc == 77, "exit status of a script whose every test was skipped: %d (want 77)" % rc


def test_mixed_exits_0_and_failure_1():
    rc, out = probe("test_whole_skip", "test_runs")
    assert "1 passed, 0 failed, 1 skipped" in out and rc == 0, \
        "one passed, one skipped: exit %d\n%s" % (rc, out[-800:])
    rc, out = probe("test_whole_skip", "test_fails")
    assert "0 passed, 1 failed, 1 skipped" in out and rc == 1, \
        "one failed, one skipped: exit %d\n%s" % (rc, out[-800:])


def test_no_script_prints_its_own_skip():
    found = []
    for d in ("tests/e2e", "tests/faults", "tests/durability"):
        for name in sorted(os.listdir(os.path.join(SRC, d))):
            if not name.endswith(".py") or name in ("harness.py", os.path.basename(__file__)):
                continue
            with open(os.path.join(SRC, d, name), encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    if re.search(r"print\(.*\b(skip|skipped|not compared|not checked)\b", line,
                                 re.I):
                        found.append("%s/%s:%d: %s" % (d, name, n, line.strip()))
    assert not found, "skips announced with print (use h.Skip / h.skip):\n      " + \
        "\n      ".join(found)


for t in (test_all_skipped_exits_77, test_mixed_exits_0_and_failure_1,
          test_no_script_prints_its_own_skip):
    test(t)
print("%d passed, %d failed" % (results["passed"], results["failed"]))
sys.exit(0 if results["failed"] == 0 else 1)
