/*
 * commands.c - the everyday commands of indgang-admin (accounts, teams,
 * families, pairs, invites, devices, listings) and the command table.
 *
 * Each run function checks its arguments, does slow work such as hashing
 * before admin_begin(), writes, and returns its result as JSON; its show
 * function prints that result for a person after main.c has committed.
 */
#include "admin.h"
#include "gateway/pushkey.h"

#include <stdlib.h>
#include <string.h>

#include "core/common/err.h"
#include "core/common/text.h"
#include "core/store/store_admin.h"

/* ---- Shared lookups ------------------------------------------------------------ */

static int find_staff(struct admin *a, const char *username, struct store_user *u)
{
	char pw[8];
	int err = store_user_by_username(a->s, username, u, pw, sizeof pw);

	if (err == ERR_NOT_FOUND)
		return admin_fail(a, err, "no staff or admin account \"%s\"", username);
	if (err != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	return ERR_OK;
}

static int find_team(struct admin *a, const char *name, int64_t *id)
{
	int err = store_team_by_name(a->s, name, id);

	if (err == ERR_NOT_FOUND)
		return admin_fail(a, err, "no team \"%s\" (make it with add-team)", name);
	if (err != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	return ERR_OK;
}

static int copy_family(void *ctx, const struct store_admin_family *f)
{
	json_t **out = ctx;

	*out = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)f->id, "name",
	                 f->name, "team_id", (json_int_t)f->team_id, "team", f->team, "primary",
	                 f->primary, "secondary", f->secondary, "conversation",
	                 (json_int_t)f->conv_id);
	return ERR_OK;
}

/* The family as JSON (id, name, team_id, team, primary, secondary, conversation). */
static int find_family(struct admin *a, const char *id_text, json_t **fam)
{
	int64_t id;
	int err;

	*fam = NULL;
	if (!admin_parse_id(id_text, &id))
		return admin_usage(a, "\"%s\" is not a family id", id_text);
	if ((err = store_admin_families(a->s, id, copy_family, fam)) != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	if (*fam == NULL)
		return admin_fail(a, ERR_NOT_FOUND, "no family %lld", (long long)id);
	return ERR_OK;
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static long long jint(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* ---- add-admin, add-staff, reset-password -------------------------------------- */

static int new_account(struct admin *a, const struct admin_args *args, enum role role, json_t **out)
{
	char name[DOMAIN_NAME_MAX + 1], plain[AUTH_PASSWORD_MAX + 2], hash[AUTH_HASH_MAX];
	const char *why, *username = args->pos[0];
	bool generated;
	int64_t id;
	int err;

	if ((why = admin_check_username(username)) != NULL ||
	    (why = admin_clean_name(args->pos[1], name)) != NULL)
		return admin_fail(a, ERR_BAD_REQUEST, "%s", why);
	if ((err = admin_password(args->password, plain, &generated, hash, &why)) != ERR_OK)
		return admin_fail(a, err, "%s", why);
	if ((err = admin_begin(a)) != ERR_OK)
		return err;
	err = svc_staff_create(a->s, &a->console, role, username, name, hash, &id);
	if (err == ERR_CONFLICT)
		return admin_fail(a, err, "username \"%s\" is taken", username);
	if (err != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	*out = json_pack("{s:s, s:s, s:I, s:s}", "username", username, "name", name, "id",
	                 (json_int_t)id, "role", role_name(role));
	if (generated)
		json_object_set_new(*out, "password", json_string(plain));
	return ERR_OK;
}

static int run_add_admin(struct admin *a, const struct admin_args *args, json_t **out)
{
	return new_account(a, args, ROLE_ADMIN, out);
}

static void show_account(const struct admin *a, const json_t *out)
{
	(void)a;
	printf("created %s \"%s\" (%s), user id %lld\n", jstr(out, "role"), jstr(out, "username"),
	       jstr(out, "name"), jint(out, "id"));
	if (json_object_get(out, "password") != NULL)
		admin_show_password(jstr(out, "username"), jstr(out, "password"));
}

/* add-staff for a username that exists: only adds that adviser to another team. */
static int add_existing_staff(struct admin *a, const struct admin_args *args,
                              const struct store_user *u, json_t **out)
{
	char name[DOMAIN_NAME_MAX + 1];
	const char *why;
	int64_t team_id;
	bool added;
	int err;

	if (u->ref.role != ROLE_ADVISER)
		return admin_fail(a, ERR_CONFLICT, "\"%s\" is an %s, not an adviser", u->username,
		                  role_name(u->ref.role));
	if ((why = admin_clean_name(args->pos[1], name)) != NULL)
		return admin_fail(a, ERR_BAD_REQUEST, "%s", why);
	if (strcmp(name, u->ref.name) != 0 || args->password != NULL)
		return admin_fail(a, ERR_CONFLICT,
		                  "username \"%s\" is taken by \"%s\"; to add that adviser to a "
		                  "team give the same name and no --password",
		                  u->username, u->ref.name);
	if ((err = admin_begin(a)) != ERR_OK ||
	    (err = find_team(a, args->team, &team_id)) != ERR_OK)
		return err;
	if ((err = svc_team_add_staff(a->s, &a->console, team_id, u->ref.id, &added)) != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	*out = json_pack("{s:s, s:s, s:I, s:{s:I, s:s}, s:b, s:b}", "username", u->username, "name",
	                 u->ref.name, "id", (json_int_t)u->ref.id, "team", "id",
	                 (json_int_t)team_id, "name", args->team, "created", 0, "added", added);
	return ERR_OK;
}

static int run_add_staff(struct admin *a, const struct admin_args *args, json_t **out)
{
	struct store_user u;
	char pw[8];
	int64_t team_id;
	int err = store_user_by_username(a->s, args->pos[0], &u, pw, sizeof pw);

	if (err == ERR_OK)
		return add_existing_staff(a, args, &u, out);
	if (err != ERR_NOT_FOUND)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	if ((err = new_account(a, args, ROLE_ADVISER, out)) != ERR_OK ||
	    (err = find_team(a, args->team, &team_id)) != ERR_OK)
		return err;
	bool added;
	if ((err = svc_team_add_staff(a->s, &a->console, team_id, jint(*out, "id"), &added)) !=
	    ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	json_object_set_new(*out, "team",
	                    json_pack("{s:I, s:s}", "id", (json_int_t)team_id, "name", args->team));
	json_object_set_new(*out, "created", json_true());
	json_object_set_new(*out, "added", json_true());
	return ERR_OK;
}

static void show_add_staff(const struct admin *a, const json_t *out)
{
	const json_t *team = json_object_get(out, "team");

	if (json_is_true(json_object_get(out, "created"))) {
		show_account(a, out);
		printf("  on the staff of team \"%s\" (team id %lld)\n", jstr(team, "name"),
		       jint(team, "id"));
	} else {
		printf("adviser \"%s\" (user id %lld) %s the staff of team \"%s\" (team id %lld)\n",
		       jstr(out, "username"), jint(out, "id"),
		       json_is_true(json_object_get(out, "added")) ? "added to" : "already on",
		       jstr(team, "name"), jint(team, "id"));
	}
}

static int run_reset_password(struct admin *a, const struct admin_args *args, json_t **out)
{
	char plain[AUTH_PASSWORD_MAX + 2], hash[AUTH_HASH_MAX];
	struct store_user u;
	const char *why;
	bool generated;
	int64_t n;
	int err;

	if ((err = find_staff(a, args->pos[0], &u)) != ERR_OK)
		return err;
	if ((err = admin_password(args->password, plain, &generated, hash, &why)) != ERR_OK)
		return admin_fail(a, err, "%s", why);
	if ((err = admin_begin(a)) != ERR_OK)
		return err;
	/* A reset is often made because the old password leaked: end every session too. */
	if ((err = svc_staff_password(a->s, &a->console, u.ref.id, hash, a->now, &n)) != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	*out = json_pack("{s:s, s:I, s:I}", "username", u.username, "id", (json_int_t)u.ref.id,
	                 "signed_out", (json_int_t)n);
	if (generated)
		json_object_set_new(*out, "password", json_string(plain));
	return ERR_OK;
}

static void show_reset_password(const struct admin *a, const json_t *out)
{
	(void)a;
	printf("new password set for \"%s\" (user id %lld); %lld sessions signed out\n",
	       jstr(out, "username"), jint(out, "id"), jint(out, "signed_out"));
	if (json_object_get(out, "password") != NULL)
		admin_show_password(jstr(out, "username"), jstr(out, "password"));
}

/* ---- deactivate, activate ---------------------------------------------------------- */

struct pair_of {
	int64_t user_id;
	json_t *families;
};

static int collect_pair_of(void *ctx, const struct store_admin_family *f)
{
	struct pair_of *p = ctx;

	if (f->primary_id == p->user_id || f->secondary_id == p->user_id)
		json_array_append_new(
		    p->families, json_pack("{s:I, s:s}", "id", (json_int_t)f->id, "name", f->name));
	return ERR_OK;
}

static int set_active(struct admin *a, const struct admin_args *args, bool active, json_t **out)
{
	struct store_user u;
	struct pair_of p = {0};
	int64_t n = 0;
	int err;

	if ((err = admin_begin(a)) != ERR_OK || (err = find_staff(a, args->pos[0], &u)) != ERR_OK)
		return err;
	if ((err = svc_staff_set_active(a->s, &a->console, u.ref.id, active, a->now, &n)) != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	p.user_id = u.ref.id;
	p.families = json_array();
	if ((err = store_admin_families(a->s, 0, collect_pair_of, &p)) != ERR_OK) {
		json_decref(p.families);
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	}
	*out = json_pack("{s:s, s:I, s:b, s:I, s:o}", "username", u.username, "id",
	                 (json_int_t)u.ref.id, "active", active, "signed_out", (json_int_t)n,
	                 "pair_of", p.families);
	return ERR_OK;
}

static int run_deactivate(struct admin *a, const struct admin_args *args, json_t **out)
{
	return set_active(a, args, false, out);
}

static int run_activate(struct admin *a, const struct admin_args *args, json_t **out)
{
	return set_active(a, args, true, out);
}

static void show_active(const struct admin *a, const json_t *out)
{
	const json_t *f;
	size_t i;
	bool active = json_is_true(json_object_get(out, "active"));

	(void)a;
	printf("\"%s\" (user id %lld) is %s", jstr(out, "username"), jint(out, "id"),
	       active ? "active again\n" : "deactivated");
	if (!active)
		printf("; %lld sessions signed out\n", jint(out, "signed_out"));
	/* A deactivated adviser left in a pair leaves the family with one adviser. */
	json_array_foreach(json_object_get(out, "pair_of"), i, f)
	{
		if (!active)
			printf("warning: still in the pair of family %lld \"%s\"; hand it over "
			       "with set-pair\n",
			       jint(f, "id"), jstr(f, "name"));
	}
}

/* ---- add-team, add-family, add-member, set-pair ---------------------------------- */

static int run_add_team(struct admin *a, const struct admin_args *args, json_t **out)
{
	char name[DOMAIN_NAME_MAX + 1];
	const char *why;
	int64_t id;
	int err;

	if ((why = admin_clean_name(args->pos[0], name)) != NULL)
		return admin_fail(a, ERR_BAD_REQUEST, "%s", why);
	if ((err = admin_begin(a)) != ERR_OK)
		return err;
	err = svc_team_create(a->s, &a->console, name, &id);
	if (err == ERR_CONFLICT)
		return admin_fail(a, err, "there is a team \"%s\" already", name);
	if (err != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	*out = json_pack("{s:s, s:I}", "name", name, "id", (json_int_t)id);
	return ERR_OK;
}

static void show_add_team(const struct admin *a, const json_t *out)
{
	(void)a;
	printf("created team \"%s\", team id %lld\n", jstr(out, "name"), jint(out, "id"));
}

/* The pair named by --primary and --secondary, checked against the team. */
static int check_pair(struct admin *a, const struct admin_args *args, int64_t team_id,
                      const char *team, int64_t *primary, int64_t *secondary)
{
	int err;

	if (strcmp(args->primary, args->secondary) == 0)
		return admin_fail(a, ERR_BAD_REQUEST,
		                  "primary and secondary are both \"%s\"; a pair is two advisers",
		                  args->primary);
	if ((err = admin_pair_member(a, team_id, team, "primary", args->primary, primary)) !=
	    ERR_OK)
		return err;
	return admin_pair_member(a, team_id, team, "secondary", args->secondary, secondary);
}

static int run_add_family(struct admin *a, const struct admin_args *args, json_t **out)
{
	char name[DOMAIN_NAME_MAX + 1];
	const char *why;
	int64_t team_id, primary, secondary, id, conv;
	int err;

	if ((why = admin_clean_name(args->pos[0], name)) != NULL)
		return admin_fail(a, ERR_BAD_REQUEST, "%s", why);
	if ((err = admin_begin(a)) != ERR_OK ||
	    (err = find_team(a, args->team, &team_id)) != ERR_OK ||
	    (err = check_pair(a, args, team_id, args->team, &primary, &secondary)) != ERR_OK)
		return err;
	err = svc_family_create(a->s, &a->console, name, team_id, primary, secondary, a->now, &id,
	                        &conv, &why);
	if (err != ERR_OK)
		return admin_fail(a, err, "%s", err == ERR_BAD_REQUEST ? why : store_errmsg(a->s));
	*out = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s}", "name", name, "id", (json_int_t)id,
	                 "conversation", (json_int_t)conv, "team", args->team, "primary",
	                 args->primary, "secondary", args->secondary);
	return ERR_OK;
}

static void show_add_family(const struct admin *a, const json_t *out)
{
	printf("created family \"%s\", family id %lld, in team \"%s\"\n", jstr(out, "name"),
	       jint(out, "id"), jstr(out, "team"));
	printf("  pair: %s (primary), %s (secondary); default conversation %lld\n",
	       jstr(out, "primary"), jstr(out, "secondary"), jint(out, "conversation"));
	printf("  add its members with: indgang-admin --db %s add-member %lld NAME\n", a->db,
	       jint(out, "id"));
}

static int run_add_member(struct admin *a, const struct admin_args *args, json_t **out)
{
	char name[DOMAIN_NAME_MAX + 1];
	const char *why;
	json_t *fam;
	int64_t id;
	int err;

	if ((why = admin_clean_name(args->pos[1], name)) != NULL)
		return admin_fail(a, ERR_BAD_REQUEST, "%s", why);
	if ((err = admin_begin(a)) != ERR_OK ||
	    (err = find_family(a, args->pos[0], &fam)) != ERR_OK)
		return err;
	err = svc_member_add(a->s, &a->console, jint(fam, "id"), name, &id);
	*out = json_pack("{s:s, s:I, s:{s:I, s:s}}", "name", name, "id", (json_int_t)id, "family",
	                 "id", jint(fam, "id"), "name", jstr(fam, "name"));
	json_decref(fam);
	if (err != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	return ERR_OK;
}

static void show_add_member(const struct admin *a, const json_t *out)
{
	const json_t *fam = json_object_get(out, "family");

	printf("added \"%s\" to family %lld \"%s\", member id %lld\n", jstr(out, "name"),
	       jint(fam, "id"), jstr(fam, "name"), jint(out, "id"));
	printf("  an invite code for their phone: indgang-admin --db %s invite %lld [--qr]\n",
	       a->db, jint(out, "id"));
}

static int run_set_pair(struct admin *a, const struct admin_args *args, json_t **out)
{
	int64_t primary, secondary;
	const char *why = "";
	bool changed;
	json_t *fam;
	int err;

	if ((err = admin_begin(a)) != ERR_OK ||
	    (err = find_family(a, args->pos[0], &fam)) != ERR_OK)
		return err;
	*out = json_pack("{s:I, s:s, s:s, s:s, s:{s:s, s:s}}", "id", jint(fam, "id"), "name",
	                 jstr(fam, "name"), "primary", args->primary, "secondary", args->secondary,
	                 "previous", "primary", jstr(fam, "primary"), "secondary",
	                 jstr(fam, "secondary"));
	err = check_pair(a, args, jint(fam, "team_id"), jstr(fam, "team"), &primary, &secondary);
	/* The same pair again changes nothing and writes no handover. */
	struct msg notice; /* the gateway's clients read it at their next sync */
	if (err == ERR_OK &&
	    (err = svc_pair_set(a->s, &a->console, jint(fam, "id"), primary, secondary, a->now,
	                        &changed, &notice, &why)) != ERR_OK)
		err = admin_fail(a, err, "%s", err == ERR_BAD_REQUEST ? why : store_errmsg(a->s));
	if (err == ERR_OK)
		msg_clear(&notice);
	json_decref(fam);
	return err;
}

static void show_set_pair(const struct admin *a, const json_t *out)
{
	const json_t *prev = json_object_get(out, "previous");

	(void)a;
	printf("family %lld \"%s\": pair is now %s (primary) / %s (secondary), was %s / %s\n",
	       jint(out, "id"), jstr(out, "name"), jstr(out, "primary"), jstr(out, "secondary"),
	       jstr(prev, "primary"), jstr(prev, "secondary"));
	printf("  the family's whole history stays with the family and is open to the new pair\n");
}

/* ---- invite, revoke-device ---------------------------------------------------------- */

static int parse_hours(struct admin *a, const char *text, int64_t *hours)
{
	*hours = SVC_INVITE_HOURS;
	if (text == NULL)
		return ERR_OK;
	if (!admin_parse_id(text, hours) || *hours > SVC_INVITE_HOURS_MAX)
		return admin_usage(a, "--hours must be a whole number from 1 to %d",
		                   SVC_INVITE_HOURS_MAX);
	return ERR_OK;
}

static int run_invite(struct admin *a, const struct admin_args *args, json_t **out)
{
	char code[AUTH_INVITE_LEN + 1], family[DOMAIN_NAME_MAX + 1];
	struct store_user u;
	int64_t id, hours, expires_at;
	int err;

	if (!admin_parse_id(args->pos[0], &id))
		return admin_usage(a, "\"%s\" is not a member id", args->pos[0]);
	if ((err = parse_hours(a, args->hours, &hours)) != ERR_OK ||
	    (err = admin_begin(a)) != ERR_OK ||
	    (err = admin_invite_make(a, id, hours, code, &expires_at, &u)) != ERR_OK)
		return err;
	if ((err = store_family_name(a->s, u.family_id, family)) != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	*out = json_pack("{s:{s:I, s:s}, s:{s:I, s:s}, s:s, s:o}", "member", "id", (json_int_t)id,
	                 "name", u.ref.name, "family", "id", (json_int_t)u.family_id, "name",
	                 family, "code", code, "expires_at", admin_json_ts(expires_at));
	return ERR_OK;
}

static void show_invite(const struct admin *a, const json_t *out)
{
	const json_t *m = json_object_get(out, "member"), *f = json_object_get(out, "family");

	(void)a;
	printf("invite code for %s (member %lld) of %s:\n\n    %s\n\n", jstr(m, "name"),
	       jint(m, "id"), jstr(f, "name"), jstr(out, "code"));
	printf("single-use, valid until %s; it enrols one phone as this member\n",
	       jstr(out, "expires_at"));
}

static int run_revoke_device(struct admin *a, const struct admin_args *args, json_t **out)
{
	struct store_device d;
	struct store_user u, console;
	bool already;
	int64_t id;
	int err;

	if (!admin_parse_id(args->pos[0], &id))
		return admin_usage(a, "\"%s\" is not a device id", args->pos[0]);
	if ((err = admin_begin(a)) != ERR_OK)
		return err;
	if ((err = svc_console(a->s, &console)) == ERR_OK)
		err = svc_device_revoke(a->s, &console, id, a->now, &d, &u, &already);
	if (err == ERR_NOT_FOUND)
		return admin_fail(a, err, "no device %lld", (long long)id);
	if (err != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	*out = json_pack("{s:{s:I, s:s}, s:{s:I, s:s}, s:b}", "device", "id", (json_int_t)id,
	                 "name", d.name, "user", "id", (json_int_t)u.ref.id, "name", u.ref.name,
	                 "already_revoked", already);
	return ERR_OK;
}

static void show_revoke_device(const struct admin *a, const json_t *out)
{
	const json_t *d = json_object_get(out, "device"), *u = json_object_get(out, "user");

	(void)a;
	printf("device %lld \"%s\" of %s (user id %lld) %s\n", jint(d, "id"), jstr(d, "name"),
	       jstr(u, "name"), jint(u, "id"),
	       json_is_true(json_object_get(out, "already_revoked")) ? "was already revoked"
	                                                             : "is revoked; its token no "
	                                                               "longer works");
}

/* ---- sms-number ------------------------------------------------------------------ */

/* A family member's phone number for SMS, set by the administrator as the
 * pair may (svc_member_sms_set: checked, logged, the number masked). */
static int run_sms_number(struct admin *a, const struct admin_args *args, json_t **out)
{
	struct store_user console;
	struct member_sms v;
	const char *why = NULL;
	int64_t id;
	int err;

	if (!admin_parse_id(args->pos[0], &id))
		return admin_usage(a, "\"%s\" is not a member id", args->pos[0]);
	const char *number = strcmp(args->pos[1], "none") == 0 ? "" : args->pos[1];
	struct svc_sms_change chg = {.phone = number, .consent = -1};
	if ((err = admin_begin(a)) != ERR_OK)
		return err;
	if ((err = svc_console(a->s, &console)) == ERR_OK)
		err = svc_member_sms_set(a->s, &console, id, &chg, a->now, &v, &why);
	if (err == ERR_NOT_FOUND)
		return admin_fail(a, err, "no family member %lld", (long long)id);
	if (err != ERR_OK)
		return admin_fail(a, err, "%s", why ? why : store_errmsg(a->s));
	*out = json_pack("{s:I, s:s, s:s}", "member", (json_int_t)id, "phone", v.phone, "channel",
	                 sms_channel_name(v.channel));
	return ERR_OK;
}

static void show_sms_number(const struct admin *a, const json_t *out)
{
	(void)a;
	printf("member %lld: number %s, gets messages by %s\n", jint(out, "member"),
	       jstr(out, "phone")[0] ? jstr(out, "phone") : "none", jstr(out, "channel"));
}

/* ---- answer times (issue 15) --------------------------------------------------- */

/* "7.5" working hours, or "none": minutes, or -1. */
static int parse_answer_hours(const char *text)
{
	if (strcmp(text, "none") == 0)
		return 0;
	char *end;
	double h = strtod(text, &end);
	if (end == text || *end != '\0' || !(h > 0) || h * 60 > DOMAIN_ANSWER_MINUTES_MAX)
		return -1;
	return (int)(h * 60 + 0.5);
}

static int run_answer_time(struct admin *a, const struct admin_args *args, json_t **out)
{
	int64_t team;
	int minutes = parse_answer_hours(args->pos[1]);
	const char *week = args->n_pos > 2 ? args->pos[2] : NULL;
	int err;
	if (minutes < 0)
		return admin_usage(a, "\"%s\" is not a number of working hours, or none",
		                   args->pos[1]);
	if ((err = admin_begin(a)) != ERR_OK || (err = find_team(a, args->pos[0], &team)) != ERR_OK)
		return err;
	err = svc_team_answer_set(a->s, &a->console, team, minutes, week, a->now);
	if (err == ERR_BAD_REQUEST)
		return admin_fail(a, err,
		                  "\"%s\" is not a working week, e.g. \"mon-thu 08:00-15:30, "
		                  "fri 08:00-13:00\"",
		                  week ? week : "");
	if (err != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	*out = json_pack("{s:s, s:I, s:i, s:s}", "team", args->pos[0], "team_id", (json_int_t)team,
	                 "answer_minutes", minutes, "week", week ? week : "");
	return ERR_OK;
}

static void show_answer_time(const struct admin *a, const json_t *out)
{
	(void)a;
	json_int_t m = jint(out, "answer_minutes");
	if (m == 0)
		printf("team \"%s\": no response target; no family is escalated\n",
		       jstr(out, "team"));
	else
		printf(
		    "team \"%s\": families answered within %lld h %02lld min of working time%s%s\n",
		    jstr(out, "team"), (long long)(m / 60), (long long)(m % 60),
		    jstr(out, "week")[0] ? "; week: " : "", jstr(out, "week"));
}

static int run_team_leader(struct admin *a, const struct admin_args *args, json_t **out)
{
	struct store_user u;
	int64_t team;
	bool yes = strcmp(args->pos[2], "yes") == 0;
	int err;
	if (!yes && strcmp(args->pos[2], "no") != 0)
		return admin_usage(a, "say yes or no, not \"%s\"", args->pos[2]);
	if ((err = admin_begin(a)) != ERR_OK ||
	    (err = find_team(a, args->pos[0], &team)) != ERR_OK ||
	    (err = find_staff(a, args->pos[1], &u)) != ERR_OK)
		return err;
	err = svc_team_leader_set(a->s, &a->console, team, u.ref.id, yes);
	if (err == ERR_NOT_FOUND)
		return admin_fail(a, err, "\"%s\" is not on the staff of team \"%s\"", args->pos[1],
		                  args->pos[0]);
	if (err != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	*out = json_pack("{s:s, s:s, s:b}", "team", args->pos[0], "username", args->pos[1],
	                 "leader", yes);
	return ERR_OK;
}

static void show_team_leader(const struct admin *a, const json_t *out)
{
	(void)a;
	printf("\"%s\" is %sa leader of team \"%s\"\n", jstr(out, "username"),
	       json_is_true(json_object_get(out, "leader")) ? "" : "no longer ", jstr(out, "team"));
}

/* ---- list ---------------------------------------------------------------------- */

static int list_team(void *ctx, const struct store_admin_team *t)
{
	return json_array_append_new(ctx,
	                             json_pack("{s:I, s:s, s:I, s:I}", "id", (json_int_t)t->id,
	                                       "name", t->name, "staff", (json_int_t)t->n_staff,
	                                       "families", (json_int_t)t->n_families)) == 0
	           ? ERR_OK
	           : ERR_INTERNAL;
}

static int list_staff(void *ctx, const struct store_admin_staff *u)
{
	return json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:s, s:b, s:s}", "id",
	                                            (json_int_t)u->id, "username", u->username,
	                                            "name", u->name, "role", role_name(u->role),
	                                            "active", u->active, "teams", u->teams)) == 0
	           ? ERR_OK
	           : ERR_INTERNAL;
}

static int list_family(void *ctx, const struct store_admin_family *f)
{
	return json_array_append_new(
	           ctx,
	           json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:I, s:I}", "id", (json_int_t)f->id,
	                     "name", f->name, "team_id", (json_int_t)f->team_id, "team", f->team,
	                     "primary", f->primary, "secondary", f->secondary, "conversation",
	                     (json_int_t)f->conv_id, "members", (json_int_t)f->n_members)) == 0
	           ? ERR_OK
	           : ERR_INTERNAL;
}

static int list_member(void *ctx, const struct store_admin_member *m)
{
	return json_array_append_new(ctx, json_pack("{s:I, s:s, s:I, s:s, s:b, s:I}", "id",
	                                            (json_int_t)m->id, "name", m->name, "family_id",
	                                            (json_int_t)m->family_id, "family", m->family,
	                                            "active", m->active, "devices",
	                                            (json_int_t)m->n_devices)) == 0
	           ? ERR_OK
	           : ERR_INTERNAL;
}

static int list_device(void *ctx, const struct store_admin_device *d)
{
	json_t *row =
	    json_pack("{s:I, s:s, s:I, s:s, s:s, s:o, s:o}", "id", (json_int_t)d->id, "name",
	              d->name, "user_id", (json_int_t)d->user_id, "user", d->user, "family",
	              d->family, "created_at", admin_json_ts(d->created_at), "revoked_at",
	              d->revoked_at ? admin_json_ts(d->revoked_at) : json_null());

	return json_array_append_new(ctx, row) == 0 ? ERR_OK : ERR_INTERNAL;
}

static int run_list(struct admin *a, const struct admin_args *args, json_t **out)
{
	const char *what = args->pos[0];
	int64_t family = 0;
	int err;

	if (args->family != NULL && !admin_parse_id(args->family, &family))
		return admin_usage(a, "\"%s\" is not a family id", args->family);
	if (args->family != NULL && (strcmp(what, "teams") == 0 || strcmp(what, "staff") == 0))
		return admin_usage(a, "list %s does not take --family", what);
	*out = json_array();
	if (strcmp(what, "teams") == 0)
		err = store_admin_teams(a->s, list_team, *out);
	else if (strcmp(what, "staff") == 0)
		err = store_admin_staff(a->s, list_staff, *out);
	else if (strcmp(what, "families") == 0)
		err = store_admin_families(a->s, family, list_family, *out);
	else if (strcmp(what, "members") == 0)
		err = store_admin_members(a->s, family, list_member, *out);
	else if (strcmp(what, "devices") == 0)
		err = store_admin_devices(a->s, family, list_device, *out);
	else
		return admin_usage(a, "list what? teams, staff, families, members or devices");
	if (err != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	/* The JSON printer and the table both need to know which list this was. */
	*out = json_pack("{s:s, s:o}", "list", what, "rows", *out);
	return ERR_OK;
}

struct list_columns {
	const char *what;
	const char *const keys[9];
	const char *const heads[9];
};

static const struct list_columns list_columns[] = {
    {"teams", {"id", "name", "staff", "families"}, {"ID", "TEAM", "STAFF", "FAMILIES"}},
    {"staff",
     {"id", "username", "name", "role", "active", "teams"},
     {"ID", "USERNAME", "NAME", "ROLE", "ACTIVE", "TEAMS"}},
    {"families",
     {"id", "name", "team", "primary", "secondary", "conversation", "members"},
     {"ID", "FAMILY", "TEAM", "PRIMARY", "SECONDARY", "CONV", "MEMBERS"}},
    {"members",
     {"id", "name", "family_id", "family", "active", "devices"},
     {"ID", "NAME", "FAMILY ID", "FAMILY", "ACTIVE", "DEVICES"}},
    {"devices",
     {"id", "name", "user_id", "user", "family", "created_at", "revoked_at"},
     {"ID", "DEVICE", "USER ID", "USER", "FAMILY", "ENROLLED", "REVOKED"}},
};

static void show_list(const struct admin *a, const json_t *out)
{
	const char *what = jstr(out, "list");

	(void)a;
	for (size_t i = 0; i < sizeof list_columns / sizeof list_columns[0]; i++)
		if (strcmp(list_columns[i].what, what) == 0)
			admin_print_table(json_object_get(out, "rows"), list_columns[i].keys,
			                  list_columns[i].heads);
}

/* ---- init ------------------------------------------------------------------------ */

/* main.c has opened (so created or migrated) the database already. */
/* The push key beside the database, made when there is none. */
static int ensure_push_key(struct admin *a, json_t *out)
{
	char pub[VAPID_PUBLIC_B64_LEN + 1], why[600];
	bool created;
	if (pushkey_ensure(a->db, pub, &created, why, sizeof why) != 0)
		return admin_fail(a, ERR_INTERNAL, "push key: %s", why);
	json_object_set_new(out, "push_public_key", json_string(pub));
	json_object_set_new(out, "push_key_created", json_boolean(created));
	return ERR_OK;
}

static int run_init(struct admin *a, const struct admin_args *args, json_t **out)
{
	(void)args;
	*out = json_pack("{s:s, s:i}", "db", a->db, "schema_version", store_schema_version(a->s));
	return ensure_push_key(a, *out);
}

static int run_push_key(struct admin *a, const struct admin_args *args, json_t **out)
{
	(void)args;
	*out = json_pack("{s:s}", "db", a->db);
	return ensure_push_key(a, *out);
}

static void show_push_key(const struct admin *a, const json_t *out)
{
	printf("%s\n", jstr(out, "push_public_key"));
	if (json_is_true(json_object_get(out, "push_key_created")))
		fprintf(stderr,
		        "indgang-admin: made the push key %s.vapid.pem (0600); it goes into "
		        "every backup\n",
		        a->db);
}

static void show_init(const struct admin *a, const json_t *out)
{
	fprintf(stderr, "indgang-admin: database %s is ready (schema version %lld)\n", a->db,
	        jint(out, "schema_version"));
}

/* ---- The table ------------------------------------------------------------------- */

const struct admin_command admin_commands[] = {
    {"init", "", "Create the database, or migrate it to this version of Indgang.", "", 0, 0, 0, 0,
     run_init, show_init, false},
    {"import", "FILE.json", "Create everything in a provisioning document, all or nothing.",
     "Creates admins, teams with their staff, families with their pair and members, and\n"
     "an invite code (valid 72 hours) for each member, from a JSON document (- reads\n"
     "standard input), in one transaction: on any error nothing is created and the bad\n"
     "entry is named. Prints every created id, the invite codes and any generated\n"
     "passwords as JSON. The format is in PROTOCOL.md, \"Running and provisioning\".\n"
     "A staff member may be listed in several teams: give the name and password at the\n"
     "first mention only. An adviser already in the database is added to the team when\n"
     "listed by the same name and without a password.",
     1, 1, 0, 0, admin_import_run, admin_import_show, false},
    {"push-key", "", "Print the public Web Push (VAPID) key; make the key pair when there is none.",
     "The pair is kept in DB.vapid.pem beside the database, readable by its owner only,\n"
     "and copied by backup. It is made once (init makes it too): the push services tie\n"
     "every subscription to it.",
     0, 0, 0, 0, run_push_key, show_push_key, false},
    {"demo", "", "Create a demo world to try Indgang out, and print its logins.",
     "Makes team \"Team Øst\" with advisers anna and bo (the pair of \"Familien Hansen\")\n"
     "and carl (a team member), the admin \"admin\", and the family's two members with\n"
     "invite codes. Changes nothing if the demo is there already.",
     0, 0, 0, 0, admin_demo_run, admin_demo_show, false},
    {"add-admin", "USERNAME NAME [--password P]", "Create an administrator account.",
     "Without --password a password is generated and printed once. --password - reads\n"
     "it from the first line of standard input, which keeps it out of `ps`.",
     2, 2, OPT_PASSWORD, 0, run_add_admin, show_account, false},
    {"add-team", "NAME", "Create a cross-disciplinary team.", "", 1, 1, 0, 0, run_add_team,
     show_add_team, false},
    {"add-staff", "USERNAME NAME --team TEAM [--password P]",
     "Create an adviser on a team's staff, or add an existing one to another team.",
     "Passwords as for add-admin. To add an existing adviser to TEAM give the same\n"
     "username and name and no --password.",
     2, 2, OPT_TEAM | OPT_PASSWORD, OPT_TEAM, run_add_staff, show_add_staff, false},
    {"add-family", "NAME --team TEAM --primary USER --secondary USER",
     "Create a family with its pair and its default conversation.",
     "The pair is two different advisers on the staff of TEAM; the primary is the\n"
     "family's coordinator.",
     1, 1, OPT_TEAM | OPT_PRIMARY | OPT_SECONDARY, OPT_TEAM | OPT_PRIMARY | OPT_SECONDARY,
     run_add_family, show_add_family, false},
    {"add-member", "FAMILY_ID NAME", "Add a family member (a parent, a child) to a family.",
     "The member takes part in the family's default conversation. Give them an invite\n"
     "code with the invite command to enrol their phone.",
     2, 2, 0, 0, run_add_member, show_add_member, false},
    {"set-pair", "FAMILY_ID --primary USER --secondary USER",
     "Hand a family over to a new pair of advisers.",
     "The history stays with the family, so the new advisers see all of it. The\n"
     "advisers must be on the staff of the family's team. The handover is written to\n"
     "the family's contact log.",
     1, 1, OPT_PRIMARY | OPT_SECONDARY, OPT_PRIMARY | OPT_SECONDARY, run_set_pair, show_set_pair,
     false},
    {"invite", "MEMBER_ID [--hours H] [--qr]",
     "Make an invite code that enrols one phone as a family member.",
     "The code is single-use and valid for H hours (default 72, at most 720). --qr also\n"
     "prints it as a QR code of the code's text (on standard error with --json).\n"
     "Only for a member without an enrolled phone: the pair invites a second one.",
     1, 1, OPT_HOURS | OPT_QR, 0, run_invite, show_invite, false},
    {"reset-password", "USERNAME [--password P]",
     "Set a new password for a staff or admin account and sign it out everywhere.",
     "Passwords as for add-admin.", 1, 1, OPT_PASSWORD, 0, run_reset_password, show_reset_password,
     false},
    {"deactivate", "USERNAME", "Stop a staff or admin account and end its sessions.",
     "The account's history stays. Hand over the families of a deactivated adviser\n"
     "with set-pair.",
     1, 1, 0, 0, run_deactivate, show_active, false},
    {"activate", "USERNAME", "Let a deactivated account log in again.", "", 1, 1, 0, 0,
     run_activate, show_active, false},
    {"revoke-device", "DEVICE_ID", "Revoke an enrolled device, e.g. a lost phone.",
     "Its token stops working. The member can enrol a new phone with a new invite code.", 1, 1, 0,
     0, run_revoke_device, show_revoke_device, false},
    {"sms-number", "MEMBER_ID NUMBER|none", "Set a family member's phone number for SMS.",
     "As people write it: Danish numbers without +45 are understood, others need their\n"
     "country code. none removes it. A new number drops the member's consent to full text\n"
     "by SMS. How the member is reached (app, fallback, sms) is theirs and the pair's.",
     2, 2, 0, 0, run_sms_number, show_sms_number, false},
    {"answer-time", "TEAM HOURS|none [WEEK]",
     "Set how soon a team's families are answered, in working hours.",
     "A family message still unanswered after half of HOURS of working time is told to\n"
     "the pair's partner (the adviser who is not primary), after all of it to the team's\n"
     "leaders (team-leader), or to the pair without any: a notification and a row in the\n"
     "family's contact log. The default is 7.5, one working day; none turns it off.\n"
     "WEEK is the working week, e.g. \"mon-thu 08:00-15:30, fri 08:00-13:00\" (the\n"
     "default); Danish public holidays, Grundlovsdag and 24 and 31 December are closed.",
     2, 3, 0, 0, run_answer_time, show_answer_time, false},
    {"team-leader", "TEAM USERNAME yes|no",
     "Make a staff member one of a team's leaders, or no longer.",
     "A leader hears of the team's families still unanswered at the team's response\n"
     "target (answer-time).",
     3, 3, 0, 0, run_team_leader, show_team_leader, false},
    {"list", "teams|staff|families|members|devices [--family ID]",
     "List teams, staff, families, members or devices.",
     "--family ID narrows families, members and devices to one family. With --json the\n"
     "result is {\"list\":WHAT,\"rows\":[...]}.",
     1, 1, OPT_FAMILY, 0, run_list, show_list, false},
    {"access-log", "--family ID [--format text|csv|json] [--since DATE]",
     "Who read a family's data, when and what: for a subject access request (GDPR art. 15).",
     "Lists every time staff (or the console) read the family's messages, sync, contact\n"
     "log, devices or access log, and every refused attempt, oldest first. Times are\n"
     "Danish time (Europe/Copenhagen, with its UTC offset); the JSON and CSV also give\n"
     "them in UTC. --since takes a date (YYYY-MM-DD, from midnight Danish time) or an\n"
     "RFC 3339 time. The extraction is itself logged as an access by the console.\n"
     "--format csv writes a spreadsheet file to stdout; --format json is --json.",
     0, 0, OPT_FAMILY | OPT_FORMAT | OPT_SINCE, OPT_FAMILY, admin_access_log_run,
     admin_access_log_show, false},
    {"record", "--family ID",
     "Show a family's case record: open or closed, filed, held, what is deleted when.",
     "The retention rules (indgang.conf: close_grace_days, retention_*_months) applied to\n"
     "the family's record now: when the case was closed, how far the journal export is\n"
     "confirmed filed, a legal hold, the next step and why it waits (open, hold,\n"
     "not_filed, done). With --json the record as GET /api/families/{id}/record gives it.",
     0, 0, OPT_FAMILY, OPT_FAMILY, admin_record_run, admin_record_show, false},
    {"hold", "--family ID REASON",
     "Put a family's data under a legal hold: nothing of it is deleted while it lasts.",
     "For a complaint, a case before the courts or the Ombudsman, or a restriction under\n"
     "GDPR art. 18. The reason is logged in the family's contact log (a \"hold\" row).\n"
     "A hold set again replaces the reason.",
     1, 1, OPT_FAMILY, OPT_FAMILY, admin_hold_run, admin_record_show, false},
    {"release", "--family ID REASON",
     "Lift a family's legal hold, with the reason; the retention rules go on.",
     "A \"hold_lifted\" row with the reason. Fails when there is no hold.", 1, 1, OPT_FAMILY,
     OPT_FAMILY, admin_release_run, admin_record_show, false},
    {"status", "[--url https://HOST:PORT]",
     "Show the database and the running gateway's counters at a glance.",
     "Reads the database file (schema, size, counts) and the gateway's GET /metrics,\n"
     "at the address of listen in the config file (or --url; 127.0.0.1:8443 without\n"
     "either). The address must be in metrics_allow. Sends no credential and does not\n"
     "check the certificate: meant for the gateway on this machine.\n"
     "Exit status: 0 both fine, 1 the database cannot be read, 3 the gateway does not\n"
     "answer.",
     0, 0, OPT_URL, 0, admin_status_run, admin_status_show, true},
    {"backup", "PATH|DIRECTORY [--age-recipient KEY]... [--age-recipients-file FILE]",
     "Take a consistent copy of the database, also while the gateway runs, and verify it.",
     "The copy is the state after one commit (SQLite's online backup API), in one\n"
     "self-contained file. A DIRECTORY gets indgang-YYYYMMDDTHHMMSSZ.db. An existing\n"
     "file is never overwritten. Then the photos and documents the copy names are\n"
     "copied into PATH.files (checked files by their SHA-256, uploads still being\n"
     "checked in spool/; not quarantine/), each hashed as it is copied; one already\n"
     "there with the right hash is left alone. A file missing or damaged in the\n"
     "source is listed and not copied, and the exit status is 1.\n"
     "Encrypted: --age-recipient KEY (an age1... public key, repeatable) and\n"
     "--age-recipients-file FILE (one key a line), or backup_age_recipients in the\n"
     "config file when neither is given, make the backup ONE file encrypted with age:\n"
     "indgang-YYYYMMDDTHHMMSSZ.tar.age in a DIRECTORY, or a PATH ending in .tar.age.\n"
     "The backup is made and verified in a private folder beside the database, then\n"
     "streamed through tar and age into the destination; nothing unencrypted is\n"
     "written there. Needs tar and age on PATH. Only the matching identity (made with\n"
     "age-keygen, kept off the server) can read it: see restore.\n"
     "To restore: stop the gateway, then use restore (or, by hand, put the copy in\n"
     "place of the database file and its .files folder in place of the files folder,\n"
     "delete the old -wal and -shm files beside it), start.",
     1, 1, OPT_AGE_RECIPIENT | OPT_AGE_RECIPIENTS_FILE, 0, admin_backup_run, admin_backup_show,
     true},
    {"restore", "BACKUP [--age-identity FILE] [--replace]",
     "Put a backup in place of the database, its push key and its files folder.",
     "BACKUP is a NAME.db (with NAME.db.files and NAME.db.vapid.pem beside it) or a\n"
     "NAME.tar.age, decrypted with age --decrypt --identity FILE and unpacked with\n"
     "tar. Either is made whole in a private folder beside the database and must pass\n"
     "verify's checks; only then is the database touched. Refused while a gateway or\n"
     "another program has the database open (stop it first), and when a database,\n"
     "-wal, -shm, push key or files folder is there, unless --replace: then they are\n"
     "moved aside to DB.before-restore-YYYYMMDDTHHMMSSZ (-wal, .vapid.pem, .files\n"
     "after that name). Installed with modes 0600 and 0700; run as root, owned as the\n"
     "database's folder is. On failure nothing at the database is changed.",
     1, 1, OPT_AGE_IDENTITY | OPT_REPLACE, 0, admin_restore_run, admin_restore_show, true},
    {"verify", "[PATH]",
     "Check a database or a backup: integrity, schema version, counts, attachment files.",
     "Runs SQLite's integrity check and a foreign key check on PATH (default: the\n"
     "database), reads its schema version and counts its rows, and reads every\n"
     "attachment file its rows name in PATH.files (the database's: its files folder):\n"
     "each checked file must hash to its name, each upload being checked must be in\n"
     "spool/. Lists each problem (the first 20). Changes nothing.\n"
     "Exit status 1 when the file or a file it names is not sound.",
     0, 1, 0, 0, admin_verify_run, admin_verify_show, true},
    {NULL, NULL, NULL, NULL, 0, 0, 0, 0, NULL, NULL, false},
};
