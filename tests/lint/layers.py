"""layers.py - the layers of docs/architecture.md, checked on the source.

  - core/ never includes libwebsockets (nor anything of gateway/);
  - core/store/, core/perm/, core/route/ and core/domain/ do not depend on the wire
    codec (core/codec/);
  - the endpoints and tools -- core/api/, gateway/ and gateway/admin/ -- never include
    core/perm/ or a store internal (core/store/*_int.h), never call perm_*() or route_*(),
    and call the store only for what STORE_ALLOWED lists: opening and committing a
    connection, looking an account, team or family up by name, and the administrator's
    listings and file operations.  Everything that decides or writes is an operation of
    core/service/.

Exits 1 and names every offending line; 0 when the tree keeps its layers.  The tree's
root is argv[1] (default: this file's checkout).
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")

# The store functions an endpoint or a tool may call: connections and their
# transactions, read-only lookups by name, and store_admin.h's listings and file
# operations.  Nothing here writes domain data or decides anything.
STORE_ALLOWED = {
    "store_open", "store_close", "store_errmsg", "store_begin", "store_commit",
    "store_rollback", "store_schema_version", "store_failed_io", "store_db",
    "store_user_by_username", "store_team_by_name", "store_family_name",
    "store_admin_teams", "store_admin_staff", "store_admin_families", "store_admin_members",
    "store_admin_devices", "store_admin_in_team", "store_admin_size",
    "store_admin_peek_version", "store_admin_backup", "store_admin_verify",
    "store_admin_backup_before_migrate", "store_admin_files",
}

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
CALL = re.compile(r"\b((store|perm|route)_[a-z0-9_]+)\s*\(")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\])*"')


def sources(*dirs):
    for d in dirs:
        top = os.path.join(ROOT, d)
        for base, _, files in os.walk(top):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(base, f), ROOT)


def code_lines(path):
    """The file's lines with comments and string literals blanked (line numbers kept)."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        text = f.read()
    text = COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    return text.split("\n")


def includes(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield n, os.path.normpath(os.path.join(os.path.dirname(path), m.group(1))) \
                    if m.group(1).startswith(".") else m.group(1), m.group(1)


def main():
    problems = []

    def bad(path, n, why):
        problems.append("%s:%d: %s" % (path, n, why))

    for path in sources("core"):
        for n, target, raw in includes(path):
            if "libwebsockets" in raw or target.startswith("gateway/"):
                bad(path, n, "core/ includes %s (the gateway translates; core never does)" % raw)
            under = path.split("/")[1]
            if under in ("store", "perm", "route", "domain") and target.startswith("core/codec"):
                bad(path, n, "core/%s depends on the wire codec (%s)" % (under, raw))

    edges = list(sources("core/api", "gateway"))
    for path in edges:
        for n, target, raw in includes(path):
            if target.startswith("core/perm/") or re.search(r"core/store/\w+_int\.h$", target):
                bad(path, n, "an endpoint or tool includes %s: decide through core/service" % raw)
        for n, line in enumerate(code_lines(path), 1):
            line = STRING.sub('""', line)
            for m in CALL.finditer(line):
                name, part = m.group(1), m.group(2)
                if name == "route_set_free":
                    continue  # freeing an operation's answer decides nothing
                if part in ("perm", "route"):
                    bad(path, n, "%s() called outside core/service and core/hub: a rule or "
                        "a recipient is the operation's business" % name)
                elif name not in STORE_ALLOWED:
                    bad(path, n, "%s() called from an endpoint or tool: write and decide "
                        "through an operation of core/service" % name)

    for p in problems:
        print(p)
    print("layers: %d files checked, %d problems" % (len(list(sources("core"))) + len(edges),
                                                   len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
