"""12 devices: revoking a device kills its token and its open connections; a phone is
renamed by the people who may revoke it, and the log keeps both names."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


async def test_owner_revokes(w):
    keep = w.token("mette", "phone")
    tok = w.token("mette", "old-phone")
    dev = w.device("mette", "old-phone")
    c = await w.client("mette", "old-phone")
    other = await w.client("mette", "phone")
    st, _, b = w.http("DELETE", "/api/devices/%d" % dev["id"], token=tok)
    h.eq(st, 204, "DELETE /api/devices/{own device} by its owner: status")
    st, _, b = w.http("GET", "/api/me", token=tok)
    h.eq(st, 401, "the revoked device's token over HTTP")
    h.eq(await c.wait_close(5), 4403, "the revoked device's open WebSocket: close code")
    st, _, b = w.http("GET", "/api/me", token=keep)
    h.eq(st, 200, "Mette's other device still works")
    r = await other.request({"type": "ping"})
    h.eq(r.get("type"), "pong", "Mette's other device's connection stays open")
    c2 = await w.ws_open(label="revoked-auth")
    await c2.send_frame({"type": "auth", "token": tok})
    f = await c2.recv_frame(5)
    h.eq(h.error_code(f), "unauthorized", "auth with a revoked device's token")
    h.eq(await c2.wait_close(5), 4401, "auth with a revoked device's token: close code")
    w.forget_token("mette", "old-phone")


async def test_pair_revokes(w):
    tok = w.token("jonas", "phone")
    dev = w.device("jonas", "phone")
    c = await w.client("jonas")
    st, _, b = w.http("DELETE", "/api/devices/%d" % dev["id"], token=w.token("carl"))
    h.eq(st, 403, "carl (team, not pair) revokes Jonas' device")
    st, _, b = w.http("DELETE", "/api/devices/%d" % dev["id"], token=w.token("mette"))
    h.check(st in (403, 404), "Mette revokes her son's device", "403", (st, b))
    st, _, b = w.http("DELETE", "/api/devices/%d" % dev["id"], token=w.token("dora"))
    h.check(st in (403, 404), "dora (other family's pair) revokes Jonas' device", "403/404",
            (st, b))
    r = await c.request({"type": "ping"})
    h.eq(r.get("type"), "pong", "Jonas' connection survives refused revocations")
    st, _, b = w.http("DELETE", "/api/devices/%d" % dev["id"], token=w.token("bo"))
    h.eq(st, 204, "bo (secondary of the pair) revokes Jonas' device")
    h.eq(await c.wait_close(5), 4403, "Jonas' open WebSocket after the pair revoked his device")
    st, _, b = w.http("GET", "/api/me", token=tok)
    h.eq(st, 401, "Jonas' revoked token over HTTP")
    w.forget_token("jonas", "phone")


async def test_admin_revokes(w):
    tok = w.token("amina", "phone")
    dev = w.device("amina", "phone")
    st, _, b = w.http("DELETE", "/api/devices/%d" % dev["id"], token=w.token("admin"))
    h.eq(st, 204, "admin revokes Amina's device")
    st, _, b = w.http("GET", "/api/me", token=tok)
    h.eq(st, 401, "Amina's revoked token")
    st, _, b = w.http("DELETE", "/api/devices/999999", token=w.token("admin"))
    h.eq(st, 404, "revoking a device that does not exist")
    w.forget_token("amina", "phone")


async def test_revoke_logged(w):
    st, _, b = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=w.token("anna"))
    h.eq(st, 200, "family A's log")
    es = b.get("entries", [])
    rev = [e for e in es if e.get("kind") == "revoke"]
    actors = sorted({(e.get("actor") or {}).get("id") for e in rev})
    h.check({w.ids["mette"], w.ids["bo"]} <= set(actors), "the log has 'revoke' entries by "
            "Mette (own device) and bo (Jonas' device)", [w.ids["mette"], w.ids["bo"]], rev)


def phone_names(w, key, family):
    st, _, b = w.http("GET", "/api/families/%d/devices" % w.fam[family], token=w.token(key))
    h.eq(st, 200, "%s lists family %s's phones" % (key, family))
    return {d["id"]: d["name"] for d in b["devices"]}


async def test_rename(w):
    dev = w.device("mette", "phone")["id"]
    rename = lambda key, name, d=dev: w.http(  # noqa: E731
        "PUT", "/api/devices/%d" % d, {"name": name}, token=w.token(key))[0]
    h.eq(rename("mette", "  Mettes Samsung "), 204, "Mette names her own phone")
    h.eq(phone_names(w, "anna", "A")[dev], "Mettes Samsung", "the pair sees the new name, trimmed")
    h.eq(phone_names(w, "mette", "A")[dev], "Mettes Samsung", "and so does Mette")
    h.eq(rename("anna", "Mettes gamle Samsung"), 204, "the pair renames it")
    h.eq(rename("admin", "Mettes Samsung"), 204, "an administrator renames it")
    h.eq(rename("jonas", "Jonas' nu"), 403, "another member of the family may not")
    h.eq(rename("carl", "Carls"), 403, "the team (not the pair) may not")
    h.check(rename("dora", "Doras") in (403, 404), "another family's pair may not", "403/404",
            rename("dora", "Doras"))
    h.eq(phone_names(w, "anna", "A")[dev], "Mettes Samsung", "no refused rename changed it")
    for bad in ("", "   ", "x" * 201, 7, None):
        h.eq(rename("mette", bad), 400, "a name of %r" % (bad,))
    st, _, b = w.http("PUT", "/api/devices/%d" % dev, "not json", token=w.token("mette"))
    h.eq(st, 400, "a body that is not JSON")
    h.eq(rename("admin", "Nogens", d=999999), 404, "a phone that does not exist")
    st, _, b = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=w.token("anna"))
    rows = [e["detail"] for e in b["entries"] if e["kind"] == "device"]
    h.check(any('"Mettes gamle Samsung" of Mette Hansen renamed "Mettes Samsung"' in r
                for r in rows), "the log keeps the old name and the new", "a 'device' row", rows)
    h.eq(len(rows), 3, "one row per rename that changed the name")


async def test_rename_revoked(w):
    tok = w.token("mette", "spare")
    dev = w.device("mette", "spare")["id"]
    st, _, _ = w.http("DELETE", "/api/devices/%d" % dev, token=tok)
    h.eq(st, 204, "Mette revokes her spare phone")
    st, _, b = w.http("PUT", "/api/devices/%d" % dev, {"name": "Gammel"}, token=w.token("anna"))
    h.eq(st, 410, "a revoked phone is not renamed")
    w.forget_token("mette", "spare")


async def test_survives_restart(w):
    tok = w.token("mette", "phone")
    w.gw.restart()
    st, _, b = w.http("GET", "/api/me", token=tok)
    h.eq(st, 200, "a device token after a gateway restart")
    st, _, b = w.http("GET", "/api/me", token=w.token("anna"))
    h.eq(st, 200, "a staff session token after a gateway restart")


h.run([test_owner_revokes, test_pair_revokes, test_admin_revokes, test_revoke_logged,
       test_rename, test_rename_revoked, test_survives_restart])
