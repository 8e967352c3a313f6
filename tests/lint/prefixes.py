"""prefixes: a function's name says which file it is in.

In the parts of the running gateway (core/hub, core/session, core/writer,
core/workers) every function that is not static begins with the name of
its file: hub_create() is in hub.c, outbox_push() in outbox.c,
http_call_start() in http_call.c.  This fails on one that does not, so a
reader who meets a call knows where to look without a search.

    python3 tests/lint/prefixes.py [SOURCE_DIR]
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
PARTS = ["hub", "session", "writer", "workers"]

TOKEN = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
# A definition at file level: a return type and a name at the start of a
# line, the parameters, then the body's brace on a line of its own.
DEFINITION = re.compile(r"^([A-Za-z_][^;{}()\n]*?)\b(\w+)\(([^;{}]*?)\)\s*\n\{", re.M)


def code_only(text):
    """The text with comments and literals blanked, line breaks kept."""
    return TOKEN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def findings(path, rel):
    prefix = os.path.splitext(os.path.basename(path))[0] + "_"
    code = code_only(open(path, encoding="utf-8").read())
    for m in DEFINITION.finditer(code):
        if re.search(r"\bstatic\b", m.group(1)):
            continue
        name = m.group(2)
        if not name.startswith(prefix):
            line = code.count("\n", 0, m.start(2)) + 1
            yield rel, line, name, prefix


def main():
    bad, seen = 0, 0
    for part in PARTS:
        folder = os.path.join(ROOT, "core", part)
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".c"):
                continue
            path = os.path.join(folder, name)
            seen += 1
            for rel, line, fn, prefix in findings(path, os.path.join("core", part, name)):
                print(f"{rel}:{line}: {fn}() is not static and does not begin with {prefix}")
                bad += 1
    if seen == 0:
        print("prefixes: no source files found under core/{" + ",".join(PARTS) + "}")
        return 1
    print(f"prefixes: {seen} files, {bad} misnamed functions")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
