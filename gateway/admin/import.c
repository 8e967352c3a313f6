/*
 * import.c - `indgang-admin import FILE.json`: provisions admins, teams with
 * their staff, families with their pair and members, and an invite code for
 * every member, from one JSON document (PROTOCOL.md, "Running and
 * provisioning"), all in one transaction.
 *
 * It works in two passes.  The first checks the whole document without
 * writing (shapes, names, passwords, who is mentioned where) and hashes the
 * passwords, which is slow and so must not happen while holding the
 * database's write lock.  The second, inside the transaction, creates
 * everything and checks what only the database can tell (team names, pairs).
 * Any error names the entry, e.g. `families[0] "Familien Hansen": primary
 * "anna2" is not a staff member`, and main.c then rolls everything back.
 */
#include "admin.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/common/err.h"
#include "core/common/text.h"
#include "core/store/store_admin.h"

#define LABEL_MAX (DOMAIN_NAME_MAX + 64)

/* An admin or staff account mentioned in the document (first mention wins). */
struct import_user {
	const char *username; /* points into the document */
	char name[DOMAIN_NAME_MAX + 1];
	enum role role;
	bool has_password; /* given in the document */
	char plain[AUTH_PASSWORD_MAX + 2];
	char hash[AUTH_HASH_MAX];
	bool generated;
	bool existing; /* an adviser already in the database: only added to teams */
	bool reported; /* its generated password is already in the output */
	int64_t id;
	char where[LABEL_MAX]; /* label of the first mention */
};

struct import {
	struct admin *a;
	json_t *doc;
	struct import_user *users;
	size_t n_users, cap_users;
};

static const char *const top_keys[] = {"admins", "teams", "families", NULL};
static const char *const account_keys[] = {"username", "name", "password", NULL};
static const char *const team_keys[] = {"name", "staff", NULL};
static const char *const family_keys[] = {"name", "team", "primary", "secondary", "members", NULL};
static const char *const member_keys[] = {"name", NULL};

/* ---- Reading entries -------------------------------------------------------- */

/* "teams[0]" or, when the entry has a usable string under key, `teams[0] "Team Øst"`. */
static void make_label(char *out, const char *path, const json_t *entry, const char *key)
{
	const char *v = json_string_value(json_object_get(entry, key));

	if (v != NULL && strlen(v) <= DOMAIN_NAME_MAX && text_utf8_valid(v, strlen(v)))
		snprintf(out, LABEL_MAX, "%s \"%s\"", path, v);
	else
		snprintf(out, LABEL_MAX, "%s", path);
}

static bool key_allowed(const char *const *allowed, const char *key)
{
	for (; *allowed != NULL; allowed++)
		if (strcmp(*allowed, key) == 0)
			return true;
	return false;
}

/* Every key of obj must be one of allowed: a misspelt "pasword" must not pass silently. */
static int check_object(struct admin *a, const char *label, const json_t *obj,
                        const char *const *allowed)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return admin_fail(a, ERR_BAD_REQUEST, "%s: is not a JSON object", label);
	json_object_foreach((json_t *)obj, key, v)
	{
		if (!key_allowed(allowed, key))
			return admin_fail(a, ERR_BAD_REQUEST, "%s: unknown key \"%s\"", label, key);
	}
	return ERR_OK;
}

/* obj[key] as a string; *out NULL when absent and not required. */
static int get_string(struct admin *a, const char *label, const json_t *obj, const char *key,
                      bool required, const char **out)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL && !required)
		return ERR_OK;
	if (v == NULL)
		return admin_fail(a, ERR_BAD_REQUEST, "%s: \"%s\" is missing", label, key);
	if (!json_is_string(v))
		return admin_fail(a, ERR_BAD_REQUEST, "%s: \"%s\" is not a string", label, key);
	*out = json_string_value(v);
	return ERR_OK;
}

/*
 * obj[key] as an array.  Missing arrays are fine: *out is then NULL, which
 * jansson's json_array_size() and json_array_foreach treat as empty.
 */
static int get_array(struct admin *a, const char *label, const json_t *obj, const char *key,
                     const json_t **out)
{
	const json_t *v = json_object_get(obj, key);

	*out = v;
	if (v != NULL && !json_is_array(v))
		return admin_fail(a, ERR_BAD_REQUEST, "%s: \"%s\" is not an array", label, key);
	return ERR_OK;
}

/* A name under key: required, trimmed and checked into out. */
static int get_name(struct admin *a, const char *label, const json_t *obj, const char *key,
                    char out[DOMAIN_NAME_MAX + 1])
{
	const char *v, *why;
	int err = get_string(a, label, obj, key, true, &v);

	if (err != ERR_OK)
		return err;
	if ((why = admin_clean_name(v, out)) != NULL)
		return admin_fail(a, ERR_BAD_REQUEST, "%s: \"%s\": %s", label, key, why);
	return ERR_OK;
}

/* ---- Pass 1: accounts ---------------------------------------------------------- */

static struct import_user *find_user(struct import *im, const char *username)
{
	for (size_t i = 0; i < im->n_users; i++)
		if (strcmp(im->users[i].username, username) == 0)
			return &im->users[i];
	return NULL;
}

static struct import_user *new_user(struct import *im)
{
	if (im->n_users == im->cap_users) {
		size_t cap = im->cap_users ? im->cap_users * 2 : 16;
		struct import_user *grown = realloc(im->users, cap * sizeof *grown);

		if (grown == NULL)
			return NULL;
		im->users = grown;
		im->cap_users = cap;
	}
	memset(&im->users[im->n_users], 0, sizeof im->users[0]);
	return &im->users[im->n_users++];
}

/* A later mention of a staff member adds them to another team; it may not redefine them. */
static int mention_again(struct import *im, const char *label, struct import_user *u,
                         enum role role, const char *name, bool has_password)
{
	char clean[DOMAIN_NAME_MAX + 1];

	if (role != ROLE_ADVISER || u->role != ROLE_ADVISER)
		return admin_fail(im->a, ERR_CONFLICT, "%s: username \"%s\" is already used at %s",
		                  label, u->username, u->where);
	if (has_password)
		return admin_fail(im->a, ERR_CONFLICT,
		                  "%s: \"%s\" was already given at %s; give the password only "
		                  "there",
		                  label, u->username, u->where);
	if (name != NULL && (admin_clean_name(name, clean) != NULL || strcmp(clean, u->name) != 0))
		return admin_fail(im->a, ERR_CONFLICT, "%s: \"%s\" is named \"%s\" at %s", label,
		                  u->username, u->name, u->where);
	return ERR_OK;
}

/*
 * An account already in the database: an adviser mentioned without a
 * password and with the same name is added to the team; anything else
 * would silently change or shadow an account, so it is an error.
 */
static int check_existing(struct import *im, const char *label, struct import_user *u)
{
	struct store_user old;
	char pw[8];
	int err = store_user_by_username(im->a->s, u->username, &old, pw, sizeof pw);

	if (err == ERR_NOT_FOUND)
		return ERR_OK;
	if (err != ERR_OK)
		return admin_fail(im->a, err, "%s: %s", label, store_errmsg(im->a->s));
	if (u->role != ROLE_ADVISER || old.ref.role != ROLE_ADVISER || u->has_password ||
	    strcmp(old.ref.name, u->name) != 0)
		return admin_fail(im->a, ERR_CONFLICT,
		                  "%s: username \"%s\" already exists (%s \"%s\"); an existing "
		                  "adviser can only be added to a team, by the same name and "
		                  "without a password",
		                  label, u->username, role_name(old.ref.role), old.ref.name);
	u->existing = true;
	u->id = old.ref.id;
	return ERR_OK;
}

/* Checks one admins[] or staff[] entry and records its account. */
static int read_account(struct import *im, const char *path, const json_t *entry, enum role role)
{
	char label[LABEL_MAX];
	const char *username, *name, *password, *why;
	struct import_user *u;
	int err;

	make_label(label, path, entry, "username");
	if ((err = check_object(im->a, label, entry, account_keys)) != ERR_OK ||
	    (err = get_string(im->a, label, entry, "username", true, &username)) != ERR_OK ||
	    (err = get_string(im->a, label, entry, "name", false, &name)) != ERR_OK ||
	    (err = get_string(im->a, label, entry, "password", false, &password)) != ERR_OK)
		return err;
	if ((why = admin_check_username(username)) != NULL)
		return admin_fail(im->a, ERR_BAD_REQUEST, "%s: %s", label, why);
	if ((u = find_user(im, username)) != NULL)
		return mention_again(im, label, u, role, name, password != NULL);
	if ((u = new_user(im)) == NULL)
		return admin_fail(im->a, ERR_INTERNAL, "out of memory");
	u->username = username;
	u->role = role;
	u->has_password = password != NULL;
	snprintf(u->where, sizeof u->where, "%s", path);
	if ((err = get_name(im->a, label, entry, "name", u->name)) != ERR_OK)
		return err;
	if ((err = check_existing(im, label, u)) != ERR_OK || u->existing)
		return err;
	if ((err = admin_password(password, u->plain, &u->generated, u->hash, &why)) != ERR_OK)
		return admin_fail(im->a, err, "%s: %s", label, why);
	return ERR_OK;
}

static int read_admins(struct import *im)
{
	const json_t *list, *entry;
	char path[64];
	size_t i;
	int err = get_array(im->a, "the document", im->doc, "admins", &list);

	json_array_foreach(list, i, entry)
	{
		if (err != ERR_OK)
			break;
		snprintf(path, sizeof path, "admins[%zu]", i);
		err = read_account(im, path, entry, ROLE_ADMIN);
	}
	return err;
}

static int read_team(struct import *im, size_t t, const json_t *team)
{
	const json_t *staff, *entry, *other;
	char label[LABEL_MAX], name[DOMAIN_NAME_MAX + 1], path[64], other_name[DOMAIN_NAME_MAX + 1];
	size_t i;
	int err;

	snprintf(path, sizeof path, "teams[%zu]", t);
	make_label(label, path, team, "name");
	if ((err = check_object(im->a, label, team, team_keys)) != ERR_OK ||
	    (err = get_name(im->a, label, team, "name", name)) != ERR_OK ||
	    (err = get_array(im->a, label, team, "staff", &staff)) != ERR_OK)
		return err;
	json_array_foreach(json_object_get(im->doc, "teams"), i, other)
	{
		if (i >= t)
			break;
		if (admin_clean_name(json_string_value(json_object_get(other, "name")),
		                     other_name) == NULL &&
		    strcmp(name, other_name) == 0)
			return admin_fail(im->a, ERR_CONFLICT, "%s: teams[%zu] has the same name",
			                  label, i);
	}
	json_array_foreach(staff, i, entry)
	{
		snprintf(path, sizeof path, "teams[%zu].staff[%zu]", t, i);
		if ((err = read_account(im, path, entry, ROLE_ADVISER)) != ERR_OK)
			return err;
	}
	return ERR_OK;
}

static int read_teams(struct import *im)
{
	const json_t *list, *team;
	size_t i;
	int err = get_array(im->a, "the document", im->doc, "teams", &list);

	json_array_foreach(list, i, team)
	{
		if (err != ERR_OK)
			break;
		err = read_team(im, i, team);
	}
	return err;
}

/* ---- Families (both passes) ---------------------------------------------------- */

struct family_in {
	char label[LABEL_MAX];
	char name[DOMAIN_NAME_MAX + 1];
	const char *team, *primary, *secondary;
	const json_t *members;
};

/* Checks the shape of families[f] into in; the database is asked in pass 2. */
static int read_family(struct import *im, size_t f, const json_t *entry, struct family_in *in)
{
	char path[64], mlabel[LABEL_MAX], mname[DOMAIN_NAME_MAX + 1];
	const json_t *m;
	size_t i;
	int err;

	snprintf(path, sizeof path, "families[%zu]", f);
	make_label(in->label, path, entry, "name");
	if ((err = check_object(im->a, in->label, entry, family_keys)) != ERR_OK ||
	    (err = get_name(im->a, in->label, entry, "name", in->name)) != ERR_OK ||
	    (err = get_string(im->a, in->label, entry, "team", true, &in->team)) != ERR_OK ||
	    (err = get_string(im->a, in->label, entry, "primary", true, &in->primary)) != ERR_OK ||
	    (err = get_string(im->a, in->label, entry, "secondary", true, &in->secondary)) !=
	        ERR_OK ||
	    (err = get_array(im->a, in->label, entry, "members", &in->members)) != ERR_OK)
		return err;
	if (strcmp(in->primary, in->secondary) == 0)
		return admin_fail(im->a, ERR_BAD_REQUEST,
		                  "%s: primary and secondary are both \"%s\"; a pair is two "
		                  "advisers",
		                  in->label, in->primary);
	json_array_foreach(in->members, i, m)
	{
		snprintf(path, sizeof path, "families[%zu].members[%zu]", f, i);
		make_label(mlabel, path, m, "name");
		if ((err = check_object(im->a, mlabel, m, member_keys)) != ERR_OK ||
		    (err = get_name(im->a, mlabel, m, "name", mname)) != ERR_OK)
			return err;
	}
	return ERR_OK;
}

static int read_families(struct import *im)
{
	const json_t *list, *entry;
	struct family_in in;
	size_t i;
	int err = get_array(im->a, "the document", im->doc, "families", &list);

	json_array_foreach(list, i, entry)
	{
		if (err != ERR_OK)
			break;
		err = read_family(im, i, entry, &in);
	}
	return err;
}

/* Puts label in front of the message a helper left in a->msg. */
static int relabel(struct admin *a, const char *label, int err)
{
	char inner[sizeof a->msg];

	snprintf(inner, sizeof inner, "%s", a->msg);
	return admin_fail(a, err, "%s: %s", label, inner);
}

static int create_member(struct import *im, int64_t family_id, const json_t *m, size_t f, size_t i,
                         json_t *out)
{
	char name[DOMAIN_NAME_MAX + 1], code[AUTH_INVITE_LEN + 1], label[LABEL_MAX], path[64];
	int64_t id, expires_at;
	int err;

	snprintf(path, sizeof path, "families[%zu].members[%zu]", f, i);
	make_label(label, path, m, "name");
	admin_clean_name(json_string_value(json_object_get(m, "name")), name);
	if ((err = svc_member_add(im->a->s, &im->a->console, family_id, name, &id)) != ERR_OK)
		return admin_fail(im->a, err, "%s: %s", label, store_errmsg(im->a->s));
	struct store_user member;
	err = admin_invite_make(im->a, id, SVC_INVITE_HOURS, code, &expires_at, &member);
	if (err != ERR_OK)
		return relabel(im->a, label, err);
	json_array_append_new(
	    out, json_pack("{s:s, s:I, s:s}", "name", name, "id", (json_int_t)id, "invite", code));
	return ERR_OK;
}

static int create_family(struct import *im, size_t f, const json_t *entry, json_t *out)
{
	struct family_in in;
	int64_t team_id, primary_id, secondary_id, id, conv_id;
	json_t *members, *m;
	size_t i;
	int err = read_family(im, f, entry, &in);

	if (err != ERR_OK)
		return err;
	err = store_team_by_name(im->a->s, in.team, &team_id);
	if (err == ERR_NOT_FOUND)
		return admin_fail(im->a, err, "%s: team \"%s\" does not exist", in.label, in.team);
	if (err != ERR_OK)
		return admin_fail(im->a, err, "%s: %s", in.label, store_errmsg(im->a->s));
	if ((err = admin_pair_member(im->a, team_id, in.team, "primary", in.primary,
	                             &primary_id)) != ERR_OK ||
	    (err = admin_pair_member(im->a, team_id, in.team, "secondary", in.secondary,
	                             &secondary_id)) != ERR_OK)
		return relabel(im->a, in.label, err);
	const char *why = NULL;
	err = svc_family_create(im->a->s, &im->a->console, in.name, team_id, primary_id,
	                        secondary_id, im->a->now, &id, &conv_id, &why);
	if (err != ERR_OK)
		return admin_fail(im->a, err, "%s: %s", in.label,
		                  why ? why : store_errmsg(im->a->s));
	members = json_array();
	json_array_append_new(out, json_pack("{s:s, s:I, s:I, s:o}", "name", in.name, "id",
	                                     (json_int_t)id, "conversation", (json_int_t)conv_id,
	                                     "members", members));
	json_array_foreach(in.members, i, m)
	{
		if ((err = create_member(im, id, m, f, i, members)) != ERR_OK)
			return err;
	}
	return ERR_OK;
}

/* ---- Pass 2: accounts and teams ------------------------------------------------- */

/* The output entry of an account; its generated password goes out once only. */
static json_t *account_out(struct import_user *u)
{
	json_t *o = json_pack("{s:s, s:I}", "username", u->username, "id", (json_int_t)u->id);

	if (u->generated && !u->reported) {
		json_object_set_new(o, "password", json_string(u->plain));
		u->reported = true;
	}
	return o;
}

static int create_account(struct import *im, struct import_user *u)
{
	int err;

	if (u->id != 0)
		return ERR_OK; /* existing, or created at an earlier mention */
	err = svc_staff_create(im->a->s, &im->a->console, u->role, u->username, u->name, u->hash,
	                       &u->id);
	if (err == ERR_CONFLICT)
		return admin_fail(im->a, err, "%s \"%s\": username already exists", u->where,
		                  u->username);
	if (err != ERR_OK)
		return admin_fail(im->a, err, "%s \"%s\": %s", u->where, u->username,
		                  store_errmsg(im->a->s));
	return ERR_OK;
}

static int create_admins(struct import *im, json_t *out)
{
	const json_t *entry;
	size_t i;
	int err;

	json_array_foreach(json_object_get(im->doc, "admins"), i, entry)
	{
		struct import_user *u =
		    find_user(im, json_string_value(json_object_get(entry, "username")));

		if ((err = create_account(im, u)) != ERR_OK)
			return err;
		json_array_append_new(out, account_out(u));
	}
	return ERR_OK;
}

static int create_team(struct import *im, size_t t, const json_t *team, json_t *out)
{
	char name[DOMAIN_NAME_MAX + 1], label[LABEL_MAX], path[64];
	const json_t *entry;
	json_t *staff;
	int64_t id;
	size_t i;
	int err;

	snprintf(path, sizeof path, "teams[%zu]", t);
	make_label(label, path, team, "name");
	admin_clean_name(json_string_value(json_object_get(team, "name")), name);
	err = svc_team_create(im->a->s, &im->a->console, name, &id);
	if (err == ERR_CONFLICT)
		return admin_fail(im->a, err, "%s: a team of that name already exists", label);
	if (err != ERR_OK)
		return admin_fail(im->a, err, "%s: %s", label, store_errmsg(im->a->s));
	staff = json_array();
	json_array_append_new(
	    out, json_pack("{s:s, s:I, s:o}", "name", name, "id", (json_int_t)id, "staff", staff));
	json_array_foreach(json_object_get(team, "staff"), i, entry)
	{
		struct import_user *u =
		    find_user(im, json_string_value(json_object_get(entry, "username")));

		if ((err = create_account(im, u)) != ERR_OK)
			return err;
		bool added;
		if ((err = svc_team_add_staff(im->a->s, &im->a->console, id, u->id, &added)) !=
		    ERR_OK)
			return admin_fail(im->a, err, "%s: adding \"%s\" failed: %s", label,
			                  u->username, store_errmsg(im->a->s));
		json_array_append_new(staff, account_out(u));
	}
	return ERR_OK;
}

/* ---- The whole document ----------------------------------------------------------- */

static int check_top(struct admin *a, const json_t *doc)
{
	if (!json_is_object(doc))
		return admin_fail(a, ERR_BAD_REQUEST, "the document is not a JSON object");
	return check_object(a, "the document", doc, top_keys);
}

static int create_all(struct import *im, json_t *out)
{
	const json_t *entry;
	size_t i;
	int err;

	if ((err = create_admins(im, json_object_get(out, "admins"))) != ERR_OK)
		return err;
	json_array_foreach(json_object_get(im->doc, "teams"), i, entry)
	{
		if ((err = create_team(im, i, entry, json_object_get(out, "teams"))) != ERR_OK)
			return err;
	}
	json_array_foreach(json_object_get(im->doc, "families"), i, entry)
	{
		if ((err = create_family(im, i, entry, json_object_get(out, "families"))) != ERR_OK)
			return err;
	}
	return ERR_OK;
}

int admin_import_doc(struct admin *a, json_t *doc, json_t **out)
{
	struct import im = {.a = a, .doc = doc};
	int err;

	*out = json_pack("{s:[], s:[], s:[]}", "admins", "teams", "families");
	if (*out == NULL)
		return admin_fail(a, ERR_INTERNAL, "out of memory");
	/* Pass 1: everything that needs no write lock, the slow hashing included. */
	if ((err = check_top(a, doc)) == ERR_OK && (err = read_admins(&im)) == ERR_OK &&
	    (err = read_teams(&im)) == ERR_OK && (err = read_families(&im)) == ERR_OK &&
	    (err = admin_begin(a)) == ERR_OK)
		err = create_all(&im, *out);
	/* Generated passwords now live only in *out. */
	if (im.users != NULL)
		OPENSSL_cleanse(im.users, im.cap_users * sizeof *im.users);
	free(im.users);
	return err;
}

/* ---- The command ----------------------------------------------------------------- */

static json_t *load_document(struct admin *a, const char *file)
{
	json_error_t jerr;
	json_t *doc;

	/* Duplicate keys would make one of two entries vanish without a word. */
	if (strcmp(file, "-") == 0)
		doc = json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr);
	else
		doc = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL && jerr.line > 0)
		admin_fail(a, ERR_BAD_REQUEST, "%s:%d:%d: %s", jerr.source, jerr.line, jerr.column,
		           jerr.text);
	else if (doc == NULL)
		admin_fail(a, ERR_BAD_REQUEST, "%s", jerr.text);
	return doc;
}

int admin_import_run(struct admin *a, const struct admin_args *args, json_t **out)
{
	json_t *doc = load_document(a, args->pos[0]);
	int err;

	if (doc == NULL)
		return ERR_BAD_REQUEST;
	err = admin_import_doc(a, doc, out);
	json_decref(doc);
	return err;
}

/* The JSON on stdout for scripts, and a one-line summary on stderr for people. */
void admin_import_show(const struct admin *a, const json_t *out)
{
	const json_t *v;
	size_t i, staff = 0, members = 0;
	char *text = json_dumps(out, JSON_INDENT(2));

	if (text != NULL)
		puts(text);
	free(text);
	json_array_foreach(json_object_get(out, "teams"), i, v) staff +=
	    json_array_size(json_object_get(v, "staff"));
	json_array_foreach(json_object_get(out, "families"), i, v) members +=
	    json_array_size(json_object_get(v, "members"));
	fprintf(stderr,
	        "import: created %zu admins, %zu teams (%zu staff places), %zu families, %zu "
	        "members with invite codes valid for %d hours, in %s\n",
	        json_array_size(json_object_get(out, "admins")),
	        json_array_size(json_object_get(out, "teams")), staff,
	        json_array_size(json_object_get(out, "families")), members, SVC_INVITE_HOURS,
	        a->db);
}
