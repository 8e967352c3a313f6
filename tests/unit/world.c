/*
 * world.c - builds the test world through the store's public API.
 */
#include "world.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/common/err.h"
#include "core/common/text.h"
#include "core/service/service.h"
#include "core/store/store_int.h"

static int staff(struct world *w, const char *username, const char *name, int64_t team, int64_t *id)
{
	int err = store_staff_create(w->s, ROLE_ADVISER, username, name, "x", id);
	return err ? err : store_team_add_staff(w->s, team, *id);
}

int world_build(struct world *w, const char *path)
{
	memset(w, 0, sizeof *w);
	int64_t east, west, now = text_now_ms();
	int err = store_open(path, &w->s);
	if (err)
		return err;
	if ((err = store_begin(w->s)))
		return err;
	err = store_staff_create(w->s, ROLE_ADMIN, "admin", "Ida Admin", "x", &w->admin);
	err = err ? err : store_team_create(w->s, "Team Øst", &east);
	err = err ? err : store_team_create(w->s, "Team Vest", &west);
	err = err ? err : staff(w, "anna", "Anna Jensen", east, &w->anna);
	err = err ? err : staff(w, "bo", "Bo Nielsen", east, &w->bo);
	err = err ? err : staff(w, "carl", "Carl Sundhed", east, &w->carl);
	err = err ? err : staff(w, "dora", "Dora Dahl", west, &w->dora);
	err = err ? err : staff(w, "erik", "Erik Eg", west, &w->erik);
	err = err ? err : staff(w, "frida", "Frida Fjord", west, &w->frida);
	err = err ? err
	          : store_family_create(w->s, "Familien Hansen", east, w->anna, w->bo, now,
	                                &w->fam_a, &w->conv_a);
	err = err ? err : store_family_add_member(w->s, w->fam_a, "Mette Hansen", &w->mette);
	err = err ? err : store_family_add_member(w->s, w->fam_a, "Jonas Hansen", &w->jonas);
	err = err ? err
	          : store_family_create(w->s, "Familien Ali", west, w->dora, w->erik, now,
	                                &w->fam_b, &w->conv_b);
	err = err ? err : store_family_add_member(w->s, w->fam_b, "Amina Ali", &w->amina);
	err = err ? err
	          : store_conv_create(w->s, w->fam_a, "Jonas og rådgiverne", &w->jonas, 1, now,
	                              &w->conv_r);
	if (err) {
		store_rollback(w->s);
		return err;
	}
	return store_commit(w->s);
}

void world_free(struct world *w)
{
	store_close(w->s);
	w->s = NULL;
}

struct store_user world_user(struct world *w, int64_t id)
{
	struct store_user u;
	memset(&u, 0, sizeof u);
	store_user_get(w->s, id, &u);
	return u;
}

int world_log_count(struct world *w, const char *kind)
{
	sqlite3_stmt *st;
	int n = -1;
	if (sqlite3_prepare_v2(store_db(w->s), "SELECT count(*) FROM contact_log WHERE kind = ?1",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

int64_t world_send(struct world *w, int64_t who, int64_t conv, enum msg_kind kind, const char *body,
                   int64_t at)
{
	static int n;
	char cid[32];
	snprintf(cid, sizeof cid, "world-%d", ++n);
	struct store_user u = world_user(w, who);
	struct svc_sent sent;
	int64_t id =
	    svc_send(w->s, &u, conv, kind, 0, body, cid, at, &sent) == ERR_OK ? sent.msg.id : 0;
	svc_sent_clear(&sent);
	return id;
}

int64_t world_scalar(struct world *w, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	if (sqlite3_prepare_v2(store_db(w->s), sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}
