/*
 * world.c - provisioning a benchmark world through the contract: the import
 * document (worlddoc.c), then POST /api/login for advisers and
 * POST /api/enrol for family members, many at a time, and
 * `indgang-admin invite` when a world is found again (history), after
 * revoking the phones an earlier run enrolled.
 */
#include "bench.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOGIN_CONCURRENCY 4  /* argon2id runs on the gateway's 2 HTTP workers */
#define ENROL_CONCURRENCY 16 /* one small transaction each */

int world_create(struct bench *b, struct world *w, int families, int advisers)
{
	char err[256];
	int64_t t0 = now_us();
	if (worlddoc_import(b->o.admin, b->o.db, families, advisers, w, err, sizeof err) != 0) {
		fprintf(stderr, "indgang-bench: %s\n", err);
		return -1;
	}
	fprintf(stderr, "indgang-bench: imported %d families and %d advisers in %.1f s\n", families,
	        advisers, (double)(now_us() - t0) / 1e6);
	return 0;
}

/* The "token" of a login or enrolment answer into out. */
static int read_token(const struct http_req *r, char *out, size_t cap)
{
	json_error_t jerr;
	json_t *j = r->resp ? json_loads(r->resp, 0, &jerr) : NULL;
	const char *t = json_string_value(json_object_get(j, "token"));
	int rc = t && strlen(t) < cap ? 0 : -1;
	if (rc == 0)
		snprintf(out, cap, "%s", t);
	json_decref(j);
	return rc;
}

static char *dump_body(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return s;
}

static char *login_body(const struct world *w, int i)
{
	return dump_body(
	    json_pack("{s:s, s:s}", "username", w->adv[i].username, "password", w->password));
}

static char *enrol_body(const struct world *w, int i)
{
	char device[48];
	snprintf(device, sizeof device, "bench phone %d", i);
	return dump_body(json_pack("{s:s, s:s}", "code", w->fam[i].invite, "device", device));
}

static char *adviser_token(struct world *w, int i)
{
	return w->adv[i].token;
}

static char *member_token(struct world *w, int i)
{
	return w->fam[i].token;
}

struct post_kind {
	const char *path, *what;
	char *(*body)(const struct world *w, int i);
	char *(*slot)(struct world *w, int i);
	int concurrency;
};

/* One round over todo[0..n); keeps in todo the ones worth another try (no
 * answer, or 503 when the disk was too slow for once); their number. */
static int post_round(struct bench *b, struct world *w, const struct post_kind *k, int *todo, int n,
                      int *ok)
{
	struct http_req *reqs = calloc((size_t)n, sizeof *reqs);
	if (reqs == NULL)
		return 0;
	for (int i = 0; i < n; i++) {
		reqs[i].path = k->path;
		reqs[i].body = k->body(w, todo[i]);
	}
	http_run(b, reqs, n, k->concurrency, 60.0 + n * 0.05);
	int again = 0;
	for (int i = 0; i < n; i++) {
		if (reqs[i].status == 200 &&
		    read_token(&reqs[i], k->slot(w, todo[i]), WORLD_TOKEN_MAX) == 0)
			(*ok)++;
		else if (reqs[i].status == 0 || reqs[i].status == 503)
			todo[again++] = todo[i];
		else
			bench_note(b, "%s %d: HTTP %d %s", k->what, todo[i], reqs[i].status,
			           reqs[i].resp ? reqs[i].resp : "");
	}
	http_reqs_free(reqs, n);
	return again;
}

static int post_all(struct bench *b, struct world *w, const struct post_kind *k, int first, int n)
{
	int64_t t0 = now_us();
	int *todo = calloc((size_t)(n > 0 ? n : 1), sizeof *todo), ok = 0, left = n, retried = 0;
	if (todo == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		todo[i] = first + i;
	for (int attempt = 0; attempt < 3 && left > 0; attempt++) {
		if (attempt > 0) {
			retried += left;
			bench_sleep(b, 1.0);
		}
		left = post_round(b, w, k, todo, left, &ok);
	}
	free(todo);
	fprintf(stderr, "indgang-bench: %s %d of %d in %.1f s (%d retried after 503)\n", k->what,
	        ok, n, (double)(now_us() - t0) / 1e6, retried);
	if (ok != n) {
		b->err.connect += (uint64_t)(n - ok);
		bench_note(b, "%s: %d of %d failed", k->what, n - ok, n);
	}
	return ok == n ? 0 : -1;
}

int world_login_advisers(struct bench *b, struct world *w, int first, int n)
{
	static const struct post_kind k = {"/api/login", "logged in advisers", login_body,
	                                   adviser_token, LOGIN_CONCURRENCY};
	return post_all(b, w, &k, first, n);
}

int world_enrol_members(struct bench *b, struct world *w, int first, int n)
{
	static const struct post_kind k = {"/api/enrol", "enrolled members", enrol_body,
	                                   member_token, ENROL_CONCURRENCY};
	return post_all(b, w, &k, first, n);
}

/* Revokes the phones member i enrolled in an earlier run on this database:
 * an administrator makes no invite code for a member who has one. */
static int revoke_member_phones(struct bench *b, struct world *w, int i)
{
	char fam[32], dev[32];
	snprintf(fam, sizeof fam, "%lld", (long long)w->fam[i].id);
	char *list[] = {(char *)b->o.admin, "--db", (char *)b->o.db,
	                "--json",           "list", "devices",
	                "--family",         fam,    NULL};
	char *out;
	int rc = run_capture(list, &out);
	json_error_t jerr;
	json_t *j = rc == 0 && out ? json_loads(out, 0, &jerr) : NULL;
	free(out);
	size_t k;
	json_t *row;
	json_array_foreach(json_object_get(j, "rows"), k, row)
	{
		if (json_integer_value(json_object_get(row, "user_id")) != w->fam[i].member ||
		    !json_is_null(json_object_get(row, "revoked_at")))
			continue;
		snprintf(dev, sizeof dev, "%lld",
		         (long long)json_integer_value(json_object_get(row, "id")));
		char *revoke[] = {(char *)b->o.admin, "--db", (char *)b->o.db,
		                  "revoke-device",    dev,    NULL};
		char *ignored;
		if (run_capture(revoke, &ignored) != 0)
			rc = -1;
		free(ignored);
	}
	json_decref(j);
	if (rc != 0)
		bench_note(b, "revoking the earlier phones of member %lld failed",
		           (long long)w->fam[i].member);
	return rc;
}

int world_invite_members(struct bench *b, struct world *w, int first, int n)
{
	char id[32];
	for (int i = first; i < first + n; i++) {
		if (revoke_member_phones(b, w, i) != 0)
			return -1;
		snprintf(id, sizeof id, "%lld", (long long)w->fam[i].member);
		char *argv[] = {
		    (char *)b->o.admin, "--db", (char *)b->o.db, "--json", "invite", id, NULL};
		char *out;
		int rc = run_capture(argv, &out);
		json_error_t jerr;
		json_t *j = rc == 0 && out ? json_loads(out, 0, &jerr) : NULL;
		const char *code = json_string_value(json_object_get(j, "code"));
		if (code)
			snprintf(w->fam[i].invite, sizeof w->fam[i].invite, "%s", code);
		json_decref(j);
		free(out);
		if (code == NULL) {
			bench_note(b, "indgang-admin invite %s failed", id);
			return -1;
		}
	}
	return 0;
}
