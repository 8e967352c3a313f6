"""close_codes: WebSocket close codes are named, in one place.

Every close code the gateway sends is a CLOSE_* name from
core/common/close.h.  This fails when a C file of core/ or gateway/ (outside
that header) spells one as a number: a literal 1001-1015 (RFC 6455 7.4.1)
or 4400-4499 (Indgang's own, after the HTTP statuses), or any number handed
to a function that closes a connection (1000 is too common a number of
milliseconds to look for anywhere else), or libwebsockets' own names for
them (LWS_CLOSE_STATUS_*), which would be a second place.  Comments and string literals are
not code and are skipped.

    python3 tests/lint/close_codes.py [SOURCE_DIR]
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
HOME = os.path.join("core", "common", "close.h")
CLOSERS = r"(?:session_close|session_fail|session_refuse|lws_close_reason|ws_send_close)"

TOKEN = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def code_only(text):
    """The text with comments and literals blanked, line breaks kept."""
    return TOKEN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def in_range(n):
    return 1001 <= n <= 1015 or 4400 <= n <= 4499


def findings(path, rel):
    code = code_only(open(path, encoding="utf-8").read())
    for no, line in enumerate(code.split("\n"), 1):
        for m in re.finditer(r"(?<![\w.])(\d+)(?![\w.])", line):
            if in_range(int(m.group(1))):
                yield rel, no, m.group(1), "a number in the close codes' range"
        for m in re.finditer(r"\bLWS_CLOSE_STATUS_\w+", line):
            yield rel, no, m.group(0), "libwebsockets' name for a close code"
        for m in re.finditer(CLOSERS + r"\s*\([^,()]*,\s*\(?\s*(\d+)", line):
            yield rel, no, m.group(1), "a number handed to a closing function"


def main():
    bad = []
    for top in ("core", "gateway"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for f in sorted(files):
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(d, f)
                rel = os.path.relpath(path, ROOT)
                if rel != HOME:
                    bad += list(findings(path, rel))
    for rel, no, num, why in bad:
        print("%s:%d: %s: %s; use a CLOSE_* name from %s" % (rel, no, num, why, HOME))
    if not os.path.exists(os.path.join(ROOT, HOME)):
        print("%s is missing: the close codes have no one home" % HOME)
        return 1
    print("close codes: %d literal(s) outside %s" % (len(bad), HOME))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
