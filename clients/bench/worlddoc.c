/*
 * worlddoc.c - the import document, `indgang-admin import` and the world
 * file (see worlddoc.h).  Names carry a tag made of the time and the
 * process id, so one database can take several benchmark worlds.
 */
#include "worlddoc.h"

#include <errno.h>
#include <jansson.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void name_adviser(const struct world *w, int k, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s-a%d", w->tag, k);
}

static void name_team(const struct world *w, int t, char *buf, size_t cap)
{
	snprintf(buf, cap, "Team %s-%d", w->tag, t);
}

static json_t *doc_teams(const struct world *w)
{
	json_t *teams = json_array();
	char team[96], user[48], name[64];
	for (int t = 0; t < w->n_adv / 2; t++) {
		json_t *staff = json_array();
		for (int k = 2 * t; k < 2 * t + 2; k++) {
			name_adviser(w, k, user, sizeof user);
			snprintf(name, sizeof name, "Adviser %d %s", k, w->tag);
			json_array_append_new(staff,
			                      json_pack("{s:s, s:s, s:s}", "username", user, "name",
			                                name, "password", w->password));
		}
		name_team(w, t, team, sizeof team);
		json_array_append_new(teams, json_pack("{s:s, s:o}", "name", team, "staff", staff));
	}
	return teams;
}

static json_t *doc_families(const struct world *w)
{
	json_t *fams = json_array();
	char team[96], prim[48], sec[48], name[64], member[64];
	int teams = w->n_adv / 2;
	for (int i = 0; i < w->n_fam; i++) {
		int t = i % teams;
		name_team(w, t, team, sizeof team);
		name_adviser(w, 2 * t, prim, sizeof prim);
		name_adviser(w, 2 * t + 1, sec, sizeof sec);
		snprintf(name, sizeof name, "Familie %s-%d", w->tag, i);
		snprintf(member, sizeof member, "Medlem %d", i);
		json_array_append_new(fams, json_pack("{s:s, s:s, s:s, s:s, s:[{s:s}]}", "name",
		                                      name, "team", team, "primary", prim,
		                                      "secondary", sec, "members", "name", member));
	}
	return fams;
}

int run_capture(char *const argv[], char **out)
{
	int fds[2];
	*out = NULL;
	if (pipe(fds) != 0)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		return -1;
	}
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	ssize_t n;
	while (buf && (n = read(fds[0], buf + len, cap - len - 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
		if (cap - len < 4096) {
			char *grown = realloc(buf, cap *= 2);
			if (grown == NULL)
				free(buf);
			buf = grown;
		}
	}
	close(fds[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (buf)
		buf[len] = '\0';
	*out = buf;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int find_adviser(const struct world *w, const char *username)
{
	char user[48];
	for (int k = 0; k < w->n_adv; k++) {
		name_adviser(w, k, user, sizeof user);
		if (strcmp(user, username) == 0)
			return k;
	}
	return -1;
}

static int read_teams(struct world *w, json_t *teams)
{
	size_t i, j;
	json_t *team, *s;
	json_array_foreach(teams, i, team)
	{
		json_array_foreach(json_object_get(team, "staff"), j, s)
		{
			const char *u = json_string_value(json_object_get(s, "username"));
			int k = u ? find_adviser(w, u) : -1;
			if (k < 0)
				return -1;
			w->adv[k].id = json_integer_value(json_object_get(s, "id"));
			snprintf(w->adv[k].username, sizeof w->adv[k].username, "%s", u);
		}
	}
	return 0;
}

static int read_families(struct world *w, json_t *fams)
{
	if (json_array_size(fams) != (size_t)w->n_fam)
		return -1;
	int teams = w->n_adv / 2;
	for (int i = 0; i < w->n_fam; i++) {
		json_t *f = json_array_get(fams, (size_t)i);
		json_t *m = json_array_get(json_object_get(f, "members"), 0);
		const char *code = json_string_value(json_object_get(m, "invite"));
		struct world_fam *wf = &w->fam[i];
		wf->id = json_integer_value(json_object_get(f, "id"));
		wf->conv = json_integer_value(json_object_get(f, "conversation"));
		wf->member = json_integer_value(json_object_get(m, "id"));
		wf->adv[0] = 2 * (i % teams);
		wf->adv[1] = 2 * (i % teams) + 1;
		snprintf(wf->invite, sizeof wf->invite, "%s", code ? code : "");
		if (wf->id <= 0 || wf->conv <= 0 || wf->member <= 0 || code == NULL)
			return -1;
	}
	return 0;
}

static int world_alloc(struct world *w, int families, int advisers)
{
	w->n_fam = families;
	w->n_adv = advisers;
	w->fam = calloc((size_t)families, sizeof *w->fam);
	w->adv = calloc((size_t)advisers, sizeof *w->adv);
	return w->fam && w->adv ? 0 : -1;
}

/* Writes the document to a temporary file; its path into path. */
static int doc_write(const struct world *w, char *path, size_t cap)
{
	snprintf(path, cap, "/tmp/indgang-bench-import-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	json_t *doc = json_pack("{s:[], s:o, s:o}", "admins", "teams", doc_teams(w), "families",
	                        doc_families(w));
	FILE *f = fdopen(fd, "w");
	int rc = doc && f && json_dumpf(doc, f, JSON_COMPACT) == 0 ? 0 : -1;
	if (f)
		fclose(f);
	else
		close(fd);
	json_decref(doc);
	return rc;
}

int worlddoc_import(const char *admin, const char *db, int families, int advisers, struct world *w,
                    char *err, size_t errcap)
{
	memset(w, 0, sizeof *w);
	snprintf(w->tag, sizeof w->tag, "b%ld-%d", (long)(time(NULL) % 1000000), (int)getpid());
	snprintf(w->password, sizeof w->password, "bench-password-%s", w->tag);
	char path[64];
	if (advisers < 2 || advisers % 2 || world_alloc(w, families, advisers) != 0 ||
	    doc_write(w, path, sizeof path) != 0) {
		snprintf(err, errcap, "cannot write the import document");
		return -1;
	}
	char *argv[] = {(char *)admin, "--db", (char *)db, "import", path, NULL};
	char *out;
	int rc = run_capture(argv, &out);
	unlink(path);
	json_error_t jerr;
	json_t *res = rc == 0 && out ? json_loads(out, 0, &jerr) : NULL;
	free(out);
	if (res == NULL || read_teams(w, json_object_get(res, "teams")) != 0 ||
	    read_families(w, json_object_get(res, "families")) != 0) {
		snprintf(err, errcap, "%s import failed (exit %d) or answered unexpectedly", admin,
		         rc);
		json_decref(res);
		return -1;
	}
	json_decref(res);
	return 0;
}

int worlddoc_save(const struct world *w, const char *path)
{
	json_t *fams = json_array(), *advs = json_array();
	for (int i = 0; i < w->n_fam; i++) {
		const struct world_fam *f = &w->fam[i];
		json_array_append_new(
		    fams, json_pack("{s:I, s:I, s:I, s:[i,i]}", "id", (json_int_t)f->id, "conv",
		                    (json_int_t)f->conv, "member", (json_int_t)f->member, "pair",
		                    f->adv[0], f->adv[1]));
	}
	for (int k = 0; k < w->n_adv; k++)
		json_array_append_new(advs, json_pack("{s:I, s:s}", "id", (json_int_t)w->adv[k].id,
		                                      "username", w->adv[k].username));
	json_t *doc = json_pack("{s:s, s:s, s:o, s:o}", "tag", w->tag, "password", w->password,
	                        "families", fams, "advisers", advs);
	int rc = doc ? json_dump_file(doc, path, JSON_COMPACT) : -1;
	json_decref(doc);
	return rc == 0 ? 0 : -1;
}

static int load_fam(struct world_fam *f, json_t *j, int n_adv)
{
	f->id = json_integer_value(json_object_get(j, "id"));
	f->conv = json_integer_value(json_object_get(j, "conv"));
	f->member = json_integer_value(json_object_get(j, "member"));
	json_t *pair = json_object_get(j, "pair");
	f->adv[0] = (int)json_integer_value(json_array_get(pair, 0));
	f->adv[1] = (int)json_integer_value(json_array_get(pair, 1));
	bool ok = f->id > 0 && f->conv > 0 && f->member > 0 && f->adv[0] >= 0 &&
	          f->adv[0] < n_adv && f->adv[1] >= 0 && f->adv[1] < n_adv;
	return ok ? 0 : -1;
}

int worlddoc_load(struct world *w, const char *path, char *err, size_t errcap)
{
	memset(w, 0, sizeof *w);
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	json_t *fams = json_object_get(doc, "families"), *advs = json_object_get(doc, "advisers");
	const char *tag = json_string_value(json_object_get(doc, "tag"));
	const char *pw = json_string_value(json_object_get(doc, "password"));
	int rc = doc && tag && pw && json_array_size(fams) && json_array_size(advs) ? 0 : -1;
	if (rc == 0)
		rc = world_alloc(w, (int)json_array_size(fams), (int)json_array_size(advs));
	for (int i = 0; rc == 0 && i < w->n_fam; i++)
		rc = load_fam(&w->fam[i], json_array_get(fams, (size_t)i), w->n_adv);
	for (int k = 0; rc == 0 && k < w->n_adv; k++) {
		json_t *a = json_array_get(advs, (size_t)k);
		const char *u = json_string_value(json_object_get(a, "username"));
		w->adv[k].id = json_integer_value(json_object_get(a, "id"));
		rc = u && w->adv[k].id > 0 ? 0 : -1;
		if (rc == 0)
			snprintf(w->adv[k].username, sizeof w->adv[k].username, "%s", u);
	}
	if (rc == 0) {
		snprintf(w->tag, sizeof w->tag, "%s", tag);
		snprintf(w->password, sizeof w->password, "%s", pw);
	} else {
		snprintf(err, errcap, "%s: not a world file of indgang-bench-gendb", path);
	}
	json_decref(doc);
	return rc;
}

void world_free(struct world *w)
{
	free(w->fam);
	free(w->adv);
	w->fam = NULL;
	w->adv = NULL;
}
