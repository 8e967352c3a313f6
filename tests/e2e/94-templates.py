"""94 templates: a team's reply templates over HTTP (issue 15).  Its staff add one
(POST /api/teams/{id}/templates), see the templates of every team they are on (GET
/api/me/templates), change (PUT /api/templates/{id}) and remove one (DELETE); another team's
adviser gets 404 for all of it, a family member and an administrator 403 for the list;
a language the family app does not speak, or a title or text too long, is a 400."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def team_id(w, name):
    import sqlite3
    db = sqlite3.connect("file:%s?mode=ro" % w.db, uri=True)
    try:
        return db.execute("SELECT id FROM teams WHERE name = ?", (name,)).fetchone()[0]
    finally:
        db.close()


async def test_templates(w):
    east = team_id(w, "Team Øst")
    t = {"title": "Mødetid", "lang": "da", "body": "Vi ses torsdag kl. 10 på kontoret."}
    st, _, made = w.http("POST", "/api/teams/%d/templates" % east, t, token=w.token("carl"))
    h.eq(st, 201, "a team member adds a template")
    h.eq((made["title"], made["lang"], made["team"]["name"]), ("Mødetid", "da", "Team Øst"),
         "the template as stored")
    h.check_user(made["updated_by"], "carl", "written by Carl", w)
    st, _, _ = w.http("POST", "/api/teams/%d/templates" % east,
                      {"title": "Meeting", "lang": "en", "body": "See you Thursday at 10."},
                      token=w.token("anna"))
    h.eq(st, 201, "and one in English")
    st, _, mine = w.http("GET", "/api/me/templates", token=w.token("bo"))
    h.eq((st, [x["title"] for x in mine["templates"]]), (200, ["Meeting", "Mødetid"]),
         "Bo sees his team's templates, by title")
    st, _, other = w.http("GET", "/api/me/templates", token=w.token("dora"))
    h.eq(other["templates"], [], "another team's adviser sees none of them")
    for key in ("mette", "admin"):
        st, _, _ = w.http("GET", "/api/me/templates", token=w.token(key))
        h.eq(st, 403, "%s has no templates" % key)

    path = "/api/templates/%d" % made["id"]
    st, _, _ = w.http("PUT", path, dict(t, body="Hacked"), token=w.token("dora"))
    h.eq(st, 404, "another team's adviser cannot change it")
    st, _, _ = w.http("POST", "/api/teams/%d/templates" % east, t, token=w.token("dora"))
    h.eq(st, 404, "nor add to another team")
    st, _, ch = w.http("PUT", path, dict(t, body="Vi ses onsdag kl. 10."), token=w.token("bo"))
    h.eq((st, ch["body"]), (200, "Vi ses onsdag kl. 10."), "Bo changes it")
    for bad, what in ((dict(t, lang="de"), "a language not spoken"),
                      (dict(t, title=""), "no title"), (dict(t, title="x" * 81), "a title too long"),
                      (dict(t, body="x" * 1001), "a text too long")):
        st, _, _ = w.http("PUT", path, bad, token=w.token("bo"))
        h.eq(st, 400, "refused: " + what)
    st, _, _ = w.http("DELETE", path, token=w.token("dora"))
    h.eq(st, 404, "another team's adviser cannot remove it")
    st, _, _ = w.http("DELETE", path, token=w.token("anna"))
    h.eq(st, 204, "Anna removes it")
    st, _, mine = w.http("GET", "/api/me/templates", token=w.token("bo"))
    h.eq([x["title"] for x in mine["templates"]], ["Meeting"], "gone")


async def test_my_teams(w):
    st, _, b = w.http("GET", "/api/me/teams", token=w.token("anna"))
    h.eq((st, [(t["name"], t["leader"]) for t in b["teams"]]), (200, [("Team Øst", False)]),
         "Anna's team, not led by her")
    h.eq(sorted(m["username"] for m in b["teams"][0]["staff"]), ["anna", "bo", "carl"],
         "its staff, with the usernames notes name them by")
    for key in ("mette", "admin"):
        st, _, _ = w.http("GET", "/api/me/teams", token=w.token(key))
        h.eq(st, 403, "%s has no teams" % key)


h.run([test_templates, test_my_teams])
