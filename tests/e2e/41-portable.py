"""41 portable: no test or script depends on where the checkout lies.

A fresh clone may sit in any folder on any machine, so:
- no file of the tree names the folder the checkout lies in (nor the checkout
  itself) as an absolute path;
- a copy of the tree in a new temporary folder, run with none of the INDGANG_*
  variables set, finds itself: the e2e harness and a durability program started
  from the copy use the copy's own build/ binaries (wrappers that leave a mark
  and run the real ones this build made).
Needs INDGANG_BIN and INDGANG_ADMIN (CTest sets them) to know the real binaries.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.realpath(os.environ.get("INDGANG_SRC") or os.path.join(HERE, "..", ".."))
PY = "/usr/bin/python3"
results = {"passed": 0, "failed": 0}


def test(fn, *args):
    try:
        fn(*args)
        results["passed"] += 1
        print("PASS %s" % fn.__name__)
    except AssertionError as e:
        results["failed"] += 1
        print("FAIL %s: %s" % (fn.__name__, e))


# Build output, VCS data and installed packages are not part of the tree.
def skipped_dir(name):
    return name.startswith("build") or name in (".git", "node_modules", "__pycache__")


def tree_files(root):
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if not skipped_dir(x)]
        for f in files:
            if f == ".git":  # a worktree's pointer to its repository
                continue
            yield os.path.join(d, f)


def test_no_file_names_the_checkout_folder():
    # The checkout's own path, and the folder it lies in (where other
    # checkouts or machine folders sit): a file naming either works only here.
    needles = [SRC + "/"]
    parent = os.path.dirname(SRC)
    # The folder it lies in, unless that is one every machine has (a clone in
    # /tmp must not make each mention of /tmp/ a finding).
    if parent not in ("/", "/tmp", "/var/tmp", "/home", "/root", "/srv", "/opt", "/usr/src"):
        needles.append(parent + "/")
    found = []
    for path in tree_files(SRC):
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if any(x in line for x in needles):
                found.append("%s:%d: %s" % (os.path.relpath(path, SRC), n, line.strip()[:120]))
    assert not found, "absolute paths to %s:\n      %s" % (" or ".join(needles),
                                                          "\n      ".join(found))


def wrapper(path, real, mark):
    with open(path, "w") as f:
        f.write("#!/bin/sh\n: > '%s'\nexec '%s' \"$@\"\n" % (mark, real))
    os.chmod(path, 0o755)


def copy_tree(dest):
    """The tree (no build output) copied to dest, with build/indgang and
    build/indgang-admin as wrappers that leave a mark in dest/marks/."""
    shutil.copytree(SRC, dest, ignore=lambda d, names: [x for x in names if skipped_dir(x)])
    os.makedirs(os.path.join(dest, "build"))
    os.makedirs(os.path.join(dest, "marks"))
    for name, var in (("indgang", "INDGANG_BIN"), ("indgang-admin", "INDGANG_ADMIN")):
        real = os.environ.get(var)
        assert real and os.access(real, os.X_OK), "%s must name the built %s" % (var, name)
        wrapper(os.path.join(dest, "build", name), os.path.abspath(real),
                os.path.join(dest, "marks", name))


def run_in(copy, argv, what):
    env = {k: v for k, v in os.environ.items() if not k.startswith("INDGANG_")}
    p = subprocess.run(argv, cwd=tempfile.gettempdir(), env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=240)
    out = p.stdout.decode("utf-8", "replace")
    marks = sorted(os.listdir(os.path.join(copy, "marks")))
    assert p.returncode == 0, "%s exited %d:\n%s" % (what, p.returncode, out[-3000:])
    assert marks == ["indgang", "indgang-admin"], \
        "%s did not run the copy's own build/ binaries (ran: %s)\n%s" % (what, marks, out[-1500:])
    print("    %s ran %s" % (what, ", ".join(os.path.join(copy, "build", m) for m in marks)))
    for m in marks:
        os.unlink(os.path.join(copy, "marks", m))
    return out


PROBE = '''
import harness as h

async def test_probe(w):
    c = await w.client("anna")
    h.check(c.welcome["user"]["id"] == w.user("anna")["id"], "anna is welcomed")

print("SRC", h.SRC)
h.run([test_probe])
'''


def test_e2e_harness_from_a_copy(copy):
    probe = os.path.join(copy, "tests", "e2e", "probe.py")
    with open(probe, "w") as f:
        f.write(PROBE)
    out = run_in(copy, [PY, probe], "an e2e script in the copy")
    assert ("SRC %s\n" % copy) in out, "the harness took another tree than the copy:\n" + out[:500]


def test_durability_program_from_a_copy(copy):
    run_in(copy, [PY, os.path.join(copy, "tests", "durability", "gateway-crash.py"),
                  "--kills", "1", "--messages", "600", "--clients", "2"],
           "tests/durability/gateway-crash.py in the copy")


def main():
    test(test_no_file_names_the_checkout_folder)
    tmp = tempfile.mkdtemp(prefix="indgang-portable-")
    try:
        copy = os.path.join(tmp, "elsewhere", "indgang")
        copy_tree(copy)
        test(test_e2e_harness_from_a_copy, copy)
        test(test_durability_program_from_a_copy, copy)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (results["passed"], results["failed"]))
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
