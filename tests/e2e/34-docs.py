"""34 docs: the documents stay true to the code.  Every HTTP endpoint the gateway routes
(core/api/api.c, and /ws) is in docs/openapi.yaml and nothing else is; every frame type it
reads (codec_decode.c) or writes (codec_encode.c) has its section in docs/websocket.md and
no other does; every setting (gateway/config.c) is in indgang.conf(5) and the shipped
config file; every indgang-admin command is in indgang-admin(8); the README describes the
clients there are (web, CLI, load generator), never as work to come.  Needs no gateway."""
import os
import re
import sys

import yaml

SRC = os.environ.get("INDGANG_SRC") or os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "..", "..")
results = {"passed": 0, "failed": 0}


def read(*parts):
    with open(os.path.join(SRC, *parts), encoding="utf-8") as f:
        return f.read()


def test(fn):
    try:
        fn()
        results["passed"] += 1
        print("PASS %s" % fn.__name__)
    except AssertionError as e:
        results["failed"] += 1
        print("FAIL %s: %s" % (fn.__name__, e))


def same(got, want, what):
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    assert not missing and not extra, "%s\n      missing from the document: %s\n      " \
        "documented but not in the code: %s" % (what, missing, extra)


def implemented_routes():
    api = read("core", "api", "api.c")
    table = api[api.index("static const struct route routes[]"):]
    table = table[:table.index("};")]
    routes = set()
    for method, prefix, suffix in re.findall(r'\{"(\w+)", "([^"]+)", (NULL|"[^"]*"), ep_\w+\}',
                                             table):
        path = prefix if suffix == "NULL" else prefix + "{}" + suffix.strip('"')
        routes.add("%s %s" % (method, path))
    assert len(routes) >= 10, "could not read the route table of api.c: %s" % routes
    ws = re.search(r'#define GW_WS_PATH\s+"([^"]+)"', read("gateway", "gateway.h")).group(1)
    routes.add("GET " + ws)
    return routes


def test_openapi_endpoints():
    doc = yaml.safe_load(read("docs", "openapi.yaml"))
    assert doc.get("openapi", "").startswith("3.1"), "OpenAPI 3.1, got %r" % doc.get("openapi")
    documented = set()
    for path, ops in doc["paths"].items():
        for method in ops:
            if method in ("get", "post", "put", "delete", "patch"):
                documented.add("%s %s" % (method.upper(), re.sub(r"\{[^}]*\}", "{}", path)))
    same(documented, implemented_routes(), "HTTP endpoints in docs/openapi.yaml")


def test_openapi_refs_resolve():
    text = read("docs", "openapi.yaml")
    doc = yaml.safe_load(text)
    for ref in set(re.findall(r'\$ref: "#/([^"]+)"', text)):
        node = doc
        for part in ref.split("/"):
            assert isinstance(node, dict) and part in node, "unresolved $ref #/%s" % ref
            node = node[part]


def frame_types():
    client = re.findall(r'\{"(\w+)", FRAME_\w+, decode_\w+\}', read("core", "codec", "codec_decode.c"))
    server = re.findall(r'(?:frame_new|jw_frame_start)\((?:&w, )?"(\w+)"',
                        read("core", "codec", "codec_encode.c"))
    assert len(client) >= 6 and len(server) >= 7, "could not read the codec: %s %s" % (client, server)
    return set(client), set(server)


def test_websocket_frames():
    doc = read("docs", "websocket.md")
    client_doc = doc[doc.index("## Frames a client sends"):doc.index("## Frames the server sends")]
    server_doc = doc[doc.index("## Frames the server sends"):doc.index("## Objects")]
    client, server = frame_types()
    same(re.findall(r"^### `(\w+)`", client_doc, re.M), client, "client frames in websocket.md")
    same(re.findall(r"^### `(\w+)`", server_doc, re.M), server, "server frames in websocket.md")


def test_close_codes():
    notes = read("gateway", "PROTOCOL-NOTES.md")
    doc = read("docs", "websocket.md")
    for code in re.findall(r"^\| (\d{4}) \|", notes, re.M):
        assert "| %s |" % code in doc, "close code %s is not in websocket.md" % code


def config_keys():
    c = read("gateway", "config.c")
    keys = re.findall(r'^\s*\{"(\w+)", K_\w+,', c, re.M)
    assert len(keys) >= 15, "could not read the key table of config.c: %s" % keys
    return keys


def test_config_documented():
    man = read("docs", "man", "indgang.conf.5")
    shipped = read("gateway", "packaging", "indgang.conf")
    for k in config_keys():
        assert re.search(r"^\.BI %s " % k, man, re.M), "%s is not in indgang.conf(5)" % k
        assert re.search(r"^#?%s =" % k, shipped, re.M), "%s is not in the shipped config" % k


def test_admin_commands_documented():
    table = read("gateway", "admin", "commands.c")
    table = table[table.index("const struct admin_command admin_commands[]"):]
    commands = re.findall(r'^\s*\{"([a-z-]+)", "', table, re.M)
    assert len(commands) >= 15, "could not read the command table: %s" % commands
    man = read("docs", "man", "indgang-admin.8").replace("\\-", "-")
    for c in commands:  # each command opens its own entry: ".B list" or ".BI init ..."
        assert re.search(r"^\.(B|BI|BR) %s( |$)" % re.escape(c), man, re.M), \
            "indgang-admin %s is not in indgang-admin(8)" % c


def test_readme_clients():
    """The README describes the clients that are there, not as work to come."""
    readme = read("README.md")
    for para in re.split(r"\n\s*\n", readme):
        if re.search(r"client|clients/", para, re.I):
            stale = re.findall(r"[^.|]*\b(?:to come|next step|not yet|coming soon)\b[^.|]*", para,
                               re.I)
            assert not stale, "README calls the clients future work: %s" % stale
    for d in ("clients/web/staff", "clients/web/family", "clients/cli", "clients/bench"):
        assert os.path.isdir(os.path.join(SRC, d)), "%s is missing from the tree" % d
        assert "`%s" % d in readme, "README does not describe %s" % d


def test_man_pages_render():
    import subprocess
    for page in ("indgang.8", "indgang-admin.8", "indgang.conf.5"):
        r = subprocess.run(["man", "--warnings", "-l", os.path.join(SRC, "docs", "man", page)],
                           capture_output=True, text=True, env=dict(os.environ, MANWIDTH="80"))
        assert r.returncode == 0 and not r.stderr.strip(), "man %s: %s" % (page, r.stderr[:500])


for t in (test_openapi_endpoints, test_openapi_refs_resolve, test_websocket_frames,
          test_close_codes, test_config_documented, test_admin_commands_documented,
          test_readme_clients, test_man_pages_render):
    test(t)
print("%d passed, %d failed" % (results["passed"], results["failed"]))
sys.exit(0 if results["failed"] == 0 else 1)
