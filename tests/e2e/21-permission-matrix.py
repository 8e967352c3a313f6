"""21 permission matrix: every role/relation x every action x own family / other
family / restricted conversation, against the real gateway over WebSocket and HTTP.

The expected answer of each attempt is written down here from DOMAIN.md and
PROTOCOL.md (not from core/perm).  Every attempt must get exactly that
answer: allowed ones succeed, forbidden ones are refused (forbidden or
not_found; not_found whenever the actor has no relation at all, so that the
existence of another family's things is not revealed).  Every refused
attempt on something that exists must leave a "denied" row in that family's
contact log, by that actor.  After the matrix every user's sync, history and
welcome are checked to hold nothing they may not see.  Prints the figures:
attempts, allowed, refused, refused-and-logged.
"""
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

USERS = ["admin", "anna", "bo", "carl", "dora", "erik", "frida", "mette", "jonas", "amina"]
# relation of each user to each conversation: p pair, t team, f family member taking
# part, o family member not taking part (restricted), - none (admins included)
REL = {
    "admin": {"A": "-", "R": "-", "B": "-"},
    "anna": {"A": "p", "R": "p", "B": "-"}, "bo": {"A": "p", "R": "p", "B": "-"},
    "carl": {"A": "t", "R": "t", "B": "-"},
    "dora": {"A": "-", "R": "-", "B": "p"}, "erik": {"A": "-", "R": "-", "B": "p"},
    "frida": {"A": "-", "R": "-", "B": "t"},
    "mette": {"A": "f", "R": "o", "B": "-"}, "jonas": {"A": "f", "R": "f", "B": "-"},
    "amina": {"A": "-", "R": "-", "B": "f"},
}
FAM_OF_CONV = {"A": "A", "R": "A", "B": "B"}
MEMBERS = {"mette": "A", "jonas": "A", "amina": "B"}


def fam_rel(u, fam):
    """Relation to a family (not to one conversation)."""
    r = REL[u]["A" if fam == "A" else "B"]
    return "o" if r == "f" else r  # a member, but no conversation is in question


def may(u, action, target):
    if action in ("send text",):
        return REL[u][target] in ("f", "p")
    if action in ("send note",):
        return REL[u][target] in ("p", "t")
    if action in ("history", "read", "http history"):
        return REL[u][target] in ("f", "p", "t")
    if action == "handled":  # "no answer needed": the pair, whose answer it would be (issue 15)
        return REL[u][target] == "p"
    if action in ("log", "log csv"):
        return fam_rel(u, target) in ("p", "t")
    if action == "create conversation":
        return fam_rel(u, target) == "p"
    if action == "invite":
        return u == "admin" or fam_rel(u, MEMBERS[target]) == "p"
    if action == "invite (member has a phone)":  # only the pair adds a second phone
        return fam_rel(u, MEMBERS[target]) == "p"
    if action == "revoke device":
        return u == "admin" or u == target or fam_rel(u, MEMBERS[target]) == "p"
    raise KeyError(action)


def no_relation(u, fam):
    return u != "admin" and fam_rel(u, fam) == "-"


class Tally:
    def __init__(self):
        self.attempts = self.allowed = self.refused = 0
        self.expect_denied = collections.Counter()  # (actor id, family key) -> n
        self.rows = []  # for the report: (user, action, target, outcome)
        self.problems = []

    def problem(self, msg):
        self.problems.append(msg)


def judge(w, t, u, action, target, fam, ok, code, detail):
    """Records one attempt: ok (it succeeded) or the error code it got."""
    t.attempts += 1
    want = may(u, action, target)
    if want:
        t.allowed += 1
        if not ok:
            t.problem("%s %s %s: allowed by the rules, refused with %s (%s)"
                      % (u, action, target, code, h.short(detail, 200)))
        return
    t.refused += 1
    if ok:
        t.problem("%s %s %s: FORBIDDEN by the rules but it succeeded: %s"
                  % (u, action, target, h.short(detail, 200)))
        return
    if code not in ("forbidden", "not_found") and not (
            action == "invite (member has a phone)" and code == "conflict"):
        t.problem("%s %s %s: refused with %s, expected forbidden or not_found"
                  % (u, action, target, code))
    conv_action = action in ("send text", "send note", "history", "read", "http history",
                             "handled")
    if conv_action and REL[u][target] == "o" and code != "not_found":
        t.problem("%s %s %s: a family member outside a restricted conversation gets not_found "
                  "(PROTOCOL-NOTES); got %s" % (u, action, target, code))
    if no_relation(u, fam) and code != "not_found":
        t.problem("%s %s %s: no relation to family %s, so not_found (existence not revealed);"
                  " got %s" % (u, action, target, fam, code))
    t.expect_denied[(w.ids[u], fam)] += 1


async def ws_actions(w, t, u, c):
    for target in ("A", "R", "B"):
        conv = w.conv[target]
        fam = FAM_OF_CONV[target]
        for kind in ("text", "note"):
            r = await c.try_send(conv, "matrix %s %s %s" % (u, kind, target),
                                 client_id=h.uid("mx"), kind=kind)
            judge(w, t, u, "send " + kind, target, fam, r.get("type") == "ack",
                  h.error_code(r), r)
        r = await c.request({"type": "history", "conv": conv, "limit": 5})
        judge(w, t, u, "history", target, fam, r.get("type") == "messages", h.error_code(r), r)
        r = await c.request({"type": "read", "conv": conv, "upto": 1})
        judge(w, t, u, "read", target, fam, r.get("type") == "receipt", h.error_code(r), r)
        r = await c.request({"type": "handled", "conv": conv, "upto": 1})
        judge(w, t, u, "handled", target, fam, r.get("type") == "waiting", h.error_code(r), r)


def http_code(b):
    return (b.get("error") or {}).get("code") if isinstance(b, dict) else None


async def has_phone(w, m):
    st, _, b = await w.ahttp("GET", "/api/families/%d/devices" % w.fam[MEMBERS[m]],
                             token=w.token("admin"))
    return any(d["user"]["id"] == w.ids[m] and not d["revoked_at"] for d in b["devices"])


async def http_actions(w, t, u, victims):
    tok = w.token(u) if u not in MEMBERS else w.token(u, "matrix")
    for target in ("A", "R", "B"):
        st, _, b = await w.ahttp("GET", "/api/conversations/%d/messages?limit=5" % w.conv[target],
                                 token=tok)
        judge(w, t, u, "http history", target, FAM_OF_CONV[target], st == 200, http_code(b),
              (st, b))
    for fam in ("A", "B"):
        for action, q in (("log", ""), ("log csv", "?format=csv")):
            st, _, b = await w.ahttp("GET", "/api/families/%d/log%s" % (w.fam[fam], q),
                                     token=tok)
            judge(w, t, u, action, fam, fam, st == 200, http_code(b), (st, str(b)[:100]))
    for m, fam in MEMBERS.items():
        st, _, b = await w.ahttp("POST", "/api/invites", {"member": w.ids[m]}, token=tok)
        action = "invite (member has a phone)" if await has_phone(w, m) else "invite"
        judge(w, t, u, action, m, fam, st == 201, http_code(b), (st, b))
    for m, fam in MEMBERS.items():
        dev = victims[(u, m)] if may(u, "revoke device", m) else w.device(m, "matrix")
        st, _, b = await w.ahttp("DELETE", "/api/devices/%d" % dev["id"], token=tok)
        judge(w, t, u, "revoke device", m, fam, st == 204, http_code(b), (st, b))


async def denied_rows(w, since):
    """denied rows of both families after entry id `since`, by (actor id, family key)."""
    got = collections.Counter()
    details = collections.Counter()
    for fam, reader in (("A", "anna"), ("B", "dora")):
        st, _, b = await w.ahttp("GET", "/api/families/%d/log" % w.fam[fam], token=w.token(reader))
        h.eq(st, 200, "reading family %s's log as %s" % (fam, reader))
        for e in b["entries"]:
            if e["id"] > since.get(fam, 0) and e["kind"] == "denied":
                got[(e["actor"]["id"], fam)] += 1
                details[e["detail"]] += 1
    return got, details


async def last_log_ids(w):
    out = {}
    for fam, reader in (("A", "anna"), ("B", "dora")):
        st, _, b = await w.ahttp("GET", "/api/families/%d/log" % w.fam[fam], token=w.token(reader))
        out[fam] = max([e["id"] for e in b["entries"]] or [0])
    return out


async def test_matrix(w):
    # the restricted conversation R: Jonas and the pair
    st, _, b = w.http("POST", "/api/conversations",
                      {"family": w.fam["A"], "title": "Jonas og rådgiverne",
                       "members": [w.ids["jonas"]]}, token=w.token("anna"))
    h.eq(st, 201, "anna creates the restricted conversation R")
    w.conv["R"] = b["id"]
    # a message of each kind in each conversation, so reads have something to show
    anna, dora = await w.client("anna"), await w.client("dora")
    for conv, c in (("A", anna), ("R", anna), ("B", dora)):
        await c.send_msg(w.conv[conv], "text in " + conv)
        await c.send_msg(w.conv[conv], "note in " + conv, kind="note")
    # devices: one per member to attempt forbidden revocations on, and a fresh one
    # for every allowed revocation
    victims = {}
    for m in MEMBERS:
        w.token(m, "matrix")
        for u in USERS:
            if may(u, "revoke device", m):
                victims[(u, m)] = w.device(m, "victim-of-%s" % u)
    since = await last_log_ids(w)
    t = Tally()
    for u in USERS:
        tok = w.token(u) if u not in MEMBERS else w.token(u, "matrix")
        c = await w.ws_connect(tok, label="mx-" + u, user_key=u)
        c.ignore |= {"message"}  # receipts are the replies to "read"
        await ws_actions(w, t, u, c)
        await http_actions(w, t, u, victims)
    # create conversation last: it changes what exists
    for u in USERS:
        tok = w.token(u) if u not in MEMBERS else w.token(u, "matrix")
        for fam in ("A", "B"):
            member = "jonas" if fam == "A" else "amina"
            st, _, b = await w.ahttp("POST", "/api/conversations",
                                     {"family": w.fam[fam], "title": "mx %s" % u,
                                      "members": [w.ids[member]]}, token=tok)
            judge(w, t, u, "create conversation", fam, fam, st == 201, http_code(b), (st, b))
    got, details = await denied_rows(w, since)
    missing = {k: v - got.get(k, 0) for k, v in t.expect_denied.items() if got.get(k, 0) < v}
    extra = {k: v - t.expect_denied.get(k, 0) for k, v in got.items()
             if v > t.expect_denied.get(k, 0)}
    logged = sum(min(v, got.get(k, 0)) for k, v in t.expect_denied.items())
    name = {v: k for k, v in w.ids.items()}
    print("    figures: %d attempts, %d allowed, %d refused; refused and logged as denied: "
          "%d of %d (%.0f %%)" % (t.attempts, t.allowed, t.refused, logged, t.refused,
                                  100.0 * logged / max(1, t.refused)))
    print("    denied rows by detail: %s" % dict(details))
    for p in t.problems[:25]:
        print("    PROBLEM: " + p)
    for (uid, fam), n in sorted(missing.items()):
        print("    PROBLEM: %d refused attempt(s) by %s on family %s have no 'denied' row"
              % (n, name.get(uid, uid), fam))
    for (uid, fam), n in sorted(extra.items()):
        print("    note: %d more 'denied' rows than refused attempts by %s on family %s"
              % (n, name.get(uid, uid), fam))
    h.eq(len(t.problems), 0, "attempts answered against the rules (see PROBLEM lines)")
    h.eq(sum(missing.values()), 0, "refused attempts without a 'denied' row in the contact log")


async def test_nonexistent_targets(w):
    """Things that do not exist: not_found, for everyone alike."""
    for u in ("anna", "mette", "admin"):
        tok = w.token(u) if u not in MEMBERS else w.token(u, "matrix")
        c = await w.ws_connect(tok, label="nx-" + u)
        r = await c.try_send(999999, "x", client_id=h.uid("nx"))
        h.eq(h.error_code(r), "not_found", "%s sends to a conversation that does not exist" % u)
        r = await c.request({"type": "history", "conv": 999999})
        h.eq(h.error_code(r), "not_found", "%s: history of a conversation that does not exist" % u)
        for path in ("/api/conversations/999999/messages", "/api/families/999999/log"):
            st, _, b = await w.ahttp("GET", path, token=tok)
            h.eq(st, 404, "%s GET %s" % (u, path))
        st, _, b = await w.ahttp("DELETE", "/api/devices/999999", token=tok)
        h.eq(st, 404, "%s revokes a device that does not exist" % u)


def visible(u, m, convkey):
    r = REL[u].get(convkey, "-")
    if r in ("-", "o"):
        return False
    return m["kind"] != "note" or r in ("p", "t")


async def test_nobody_sees_what_they_should_not(w):
    key_of_conv = {v: k for k, v in w.conv.items()}
    bad = []
    counts = {}
    for u in USERS:
        tok = w.token(u) if u not in MEMBERS else w.token(u, "matrix")
        c = await w.ws_connect(tok, label="see-" + u)
        c.ignore |= {"message", "receipt"}
        msgs = await c.sync_all(0, 500)
        counts[u] = len(msgs)
        for m in msgs:
            k = key_of_conv.get(m["conv"])
            if k is None:  # conversations made by the matrix: family's own, restricted
                k = "R" if m["family"] == w.fam["A"] else "B"
            if not visible(u, m, k):
                bad.append((u, "sync", m["conv"], m["kind"]))
        for conv in c.welcome.get("conversations", []):
            k = key_of_conv.get(conv["id"])
            if k is not None and REL[u][k] in ("-", "o"):
                bad.append((u, "welcome", conv["id"], None))
        if u == "admin":
            h.eq(c.welcome.get("conversations"), [], "admin's welcome lists no conversation")
            h.eq(len(msgs), 0, "admin's sync returns no message")
    print("    messages each user's sync returns: %s" % counts)
    h.eq(bad[:10], [], "messages or conversations shown to someone who may not see them")


h.TIME_BUDGET = 110.0
h.run([test_matrix, test_nonexistent_targets, test_nobody_sees_what_they_should_not],
      per_test_timeout=90.0)
