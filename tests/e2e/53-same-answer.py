"""53 same answer: "no such id" and "not yours" cannot be told apart.

For every endpoint that takes an id, a caller from another family (or team) gets
exactly the same status and body for an id of another family as for one that does
not exist, so ids cannot be probed."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

NONE = 987654


def answer(w, method, path, body, token):
    st, _, b = w.http(method, path, body, token=token)
    return st, b


async def test_ids_of_others_look_absent(w):
    mette_device = w.device("mette")["id"]
    for who in ("dora", "amina"):
        tok = w.token(who)
        probes = [
            ("GET", "/api/conversations/%d/messages", w.conv["A"], None),
            ("GET", "/api/families/%d/log", w.fam["A"], None),
            ("GET", "/api/families/%d/devices", w.fam["A"], None),
            ("GET", "/api/families/%d/access-log", w.fam["A"], None),
            ("DELETE", "/api/devices/%d", mette_device, None),
            ("POST", "/api/invites", w.ids["mette"], "member"),
            ("POST", "/api/conversations", w.fam["A"], "family"),
        ]
        for method, path, real, field in probes:
            if field:
                mk = (lambda i: {field: i, "title": "x", "members": [w.ids["mette"]]} if field == "family"
                      else {field: i})
                a = answer(w, method, path, mk(real), tok)
                b = answer(w, method, path, mk(NONE), tok)
                what = "%s %s {%s}" % (method, path, field)
            else:
                a = answer(w, method, path % real, None, tok)
                b = answer(w, method, path % NONE, None, tok)
                what = "%s %s" % (method, path)
            h.eq(a, b, "%s as %s: another family's id answered like a missing one" % (what, who))
            h.check(a[0] in (403, 404), "%s as %s is refused" % (what, who), "403/404", a)


if __name__ == "__main__":
    h.run([test_ids_of_others_look_absent])
