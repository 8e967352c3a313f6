/*
 * store_admin.h - the administrator's queries: listings for indgang-admin
 * and the few checks and bulk updates that only provisioning needs.
 *
 * These are one-shot statements (prepared per call, not cached) because the
 * command-line tool runs each of them once.  Listings hand every row to a
 * callback; the strings in a row are valid only during that call.  A
 * callback returns ERR_OK to go on, anything else to stop (and that value is
 * returned).
 */
#ifndef INDGANG_STORE_ADMIN_H
#define INDGANG_STORE_ADMIN_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

struct store_admin_team {
	int64_t id;
	const char *name;
	int64_t n_staff;
	int64_t n_families;
};

struct store_admin_staff {
	int64_t id;
	const char *username;
	const char *name;
	enum codec_role role; /* ROLE_ADVISER or ROLE_ADMIN */
	bool active;
	const char *teams; /* team names joined by ", "; "" when none */
};

struct store_admin_family {
	int64_t id;
	const char *name;
	int64_t team_id;
	const char *team;
	int64_t primary_id;
	const char *primary; /* username */
	int64_t secondary_id;
	const char *secondary; /* username */
	int64_t conv_id;       /* the default conversation */
	int64_t n_members;
};

struct store_admin_member {
	int64_t id;
	const char *name;
	int64_t family_id;
	const char *family;
	bool active;
	int64_t n_devices; /* devices not revoked */
};

struct store_admin_device {
	int64_t id;
	const char *name;
	int64_t user_id;
	const char *user;   /* the owner's display name */
	int64_t family_id;  /* 0 when the owner is not a family member */
	const char *family; /* "" when family_id is 0 */
	int64_t created_at;
	int64_t revoked_at; /* 0: active */
};

typedef int (*store_admin_team_fn)(void *ctx, const struct store_admin_team *row);
typedef int (*store_admin_staff_fn)(void *ctx, const struct store_admin_staff *row);
typedef int (*store_admin_family_fn)(void *ctx, const struct store_admin_family *row);
typedef int (*store_admin_member_fn)(void *ctx, const struct store_admin_member *row);
typedef int (*store_admin_device_fn)(void *ctx, const struct store_admin_device *row);

/* Every team, by id. */
int store_admin_teams(struct store *s, store_admin_team_fn fn, void *ctx);
/* Every staff and admin account, by id. */
int store_admin_staff(struct store *s, store_admin_staff_fn fn, void *ctx);
/* Families by id; family_id > 0 restricts to that one (no call: not found). */
int store_admin_families(struct store *s, int64_t family_id, store_admin_family_fn fn, void *ctx);
/* Family members by family and id; family_id > 0 restricts to one family. */
int store_admin_members(struct store *s, int64_t family_id, store_admin_member_fn fn, void *ctx);
/* Devices by id; family_id > 0 restricts to the members of one family. */
int store_admin_devices(struct store *s, int64_t family_id, store_admin_device_fn fn, void *ctx);

/* *yes when user_id is on the staff of team_id. */
int store_admin_in_team(struct store *s, int64_t team_id, int64_t user_id, bool *yes);
/* Revokes every live token of a user (signed out everywhere); *n how many. */
int store_admin_revoke_user_tokens(struct store *s, int64_t user_id, int64_t now, int64_t *n);

/* The account that actions taken with indgang-admin are logged under
 * ("Console (indgang-admin)"), created on first use.  It has no password and
 * is inactive: it can never sign in.  Its username cannot be given to a
 * person (usernames start with a letter or digit). */
#define STORE_CONSOLE_USERNAME "#console"
int store_admin_console_actor(struct store *s, int64_t *id);

#endif
