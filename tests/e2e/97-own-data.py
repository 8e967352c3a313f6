"""97 a family's own view (issue 16; GDPR art. 15 and 20): a member sees who has read the
family's data and when, by role (names only where the municipality chooses so), never the
reads of a conversation they are not in (Jonas's own thread with the pair); staff get 403.  A
member downloads their own data as one JSON document: who they are, their phones, their
conversations, every message they may see (no note, nothing of a thread not theirs), their
own log rows, read a page at a time, so a long history comes whole; the download is itself a
row of the family's log."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

N = 450  # more than two pages of 200


def jonas_thread(w):
    """Jonas's own thread with the pair (made once)."""
    if not hasattr(w, "jonas_thread"):
        st, _, b = w.http("POST", "/api/conversations",
                          {"family": w.fam["A"], "title": "Jonas og os", "members":
                           [w.ids["jonas"]]}, token=w.token("anna"))
        h.eq(st, 201, "a thread of Jonas's own (%r)" % (b,))
        w.jonas_thread = b["id"]
    return w.jonas_thread


async def test_who_read(w):
    anna = await w.client("anna")
    await anna.request({"type": "history", "conv": w.conv["A"]})
    st, _, _ = w.http("GET", "/api/families/%d/log" % w.fam["A"], token=w.token("carl"))
    h.eq(st, 200, "carl reads the family's log")
    await anna.request({"type": "history", "conv": jonas_thread(w)})

    st, _, b = w.http("GET", "/api/me/access", token=w.token("mette"))
    h.eq(st, 200, "a member reads who read (%r)" % (b,))
    seen = b["entries"]
    h.check(any(e["seen"] == "conversation" and e["who"]["role"] == "adviser" for e in seen),
            "mette sees that an adviser read the conversation", "an entry", seen)
    h.check(any(e["seen"] == "log" for e in seen), "and that the log was read", "an entry", seen)
    h.check(all(e["who"]["name"] is None for e in seen), "by role, not by name (default)",
            "no names", seen)
    h.check(all(h.is_ts(e["at"]) for e in seen), "each with its time", "RFC 3339", seen)
    conv_reads = [e for e in seen if e["seen"] == "conversation"]
    st, _, jb = w.http("GET", "/api/me/access", token=w.token("jonas"))
    jconv = [e for e in jb["entries"] if e["seen"] == "conversation"]
    h.check(len(jconv) == len(conv_reads) + 1, "jonas sees the read of his own thread too, "
            "mette does not", "%d" % (len(conv_reads) + 1), (len(jconv), len(conv_reads)))
    st, _, b = w.http("GET", "/api/me/access", token=w.token("anna"))
    h.eq(st, 403, "staff have the access log of their own")
    st, _, b = w.http("GET", "/api/me/access?limit=1", token=w.token("mette"))
    h.check(st == 200 and len(b["entries"]) <= 1 and b["next"] is not None,
            "a page of one with a cursor", "next", b)


async def test_my_data(w):
    mette, anna = await w.client("mette"), await w.client("anna")
    jonas = await w.client("jonas")
    items = [("own-%03d" % i, "Mette skriver %d" % i) for i in range(N)]
    await mette.send_many(w.conv["A"], items)
    await anna.send_msg(w.conv["A"], "Svar fra Anna")
    await anna.send_msg(w.conv["A"], "Intern note om Mette", kind="note")
    await jonas.send_msg(jonas_thread(w), "Kun til Anna og Bo")

    st, hdr, b = w.http("GET", "/api/me/data", token=w.token("mette"), timeout=30)
    h.eq(st, 200, "a member downloads their data")
    h.check("attachment" in (hdr.get("Content-Disposition") or ""), "as a file",
            "attachment", hdr.get("Content-Disposition"))
    h.check(isinstance(b, dict), "one JSON document", "an object", str(b)[:300])
    h.eq(b["member"]["name"], "Mette Hansen", "who they are")
    h.eq(b["family"], "Familien Hansen", "their family")
    h.check(isinstance(b["phones"], list) and len(b["phones"]) >= 1, "their phones", ">= 1",
            b["phones"])
    h.eq([c["id"] for c in b["conversations"]], [w.conv["A"]], "their conversations only")
    bodies = [m["body"] for m in b["messages"]]
    h.check(all(("Mette skriver %d" % i) in bodies for i in range(N)),
            "every message of theirs, over pages", N, len(bodies))
    h.check("Svar fra Anna" in bodies, "the messages to them", "Anna's reply", None)
    h.check("Intern note om Mette" not in bodies, "never a note", "no note", None)
    h.check("Kun til Anna og Bo" not in bodies, "nothing of a thread not theirs", "absent", None)
    ids = [m["id"] for m in b["messages"]]
    h.eq(ids, sorted(set(ids)), "each message once, in order")
    kinds = {e["kind"] for e in b["log"]}
    h.check("message" in kinds and "enrol" in kinds, "their own log rows", "message, enrol",
            kinds)
    h.check(all(e["actor"]["id"] == w.ids["mette"] for e in b["log"]), "only their own rows",
            "mette's", {e["actor"]["id"] for e in b["log"]})

    st, _, b = w.http("GET", "/api/me/data", token=w.token("anna"))
    h.eq(st, 403, "staff have no such download")
    st, _, log = w.http("GET", "/api/families/%d/log?kind=export" % w.fam["A"],
                        token=w.token("anna"))
    h.check(any(e["kind"] == "export" and e["actor"]["id"] == w.ids["mette"]
                for e in log["entries"]), "the download is in the family's log", "export row",
            log["entries"])
    json.dumps(b)


if __name__ == "__main__":
    h.run([test_who_read, test_my_data])
