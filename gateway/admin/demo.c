/*
 * demo.c - `indgang-admin demo`: a small demo world for trying Indgang out
 * (one team, a pair, a team member, a family of two with invite codes),
 * made through the same import path as a provisioning document; and the
 * terminal QR code printer used by `invite --qr`.
 */
#include "admin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <qrencode.h>

#include "core/common/err.h"
#include "core/common/text.h"
#include "core/store/store_admin.h"

#define DEMO_TEAM   "Team Øst"
#define DEMO_FAMILY "Familien Hansen"

struct demo_login {
	const char *username, *name, *password, *what;
	bool staff; /* in the team (not the admin) */
};

static const struct demo_login demo_logins[] = {
    {"admin", "Ida Admin", "indgang-admin-demo",
     "administrator; manages accounts, teams, pairs and invites, reads no messages", false},
    {"anna", "Anna Jensen", "indgang-demo",
     "jobcenter adviser, PRIMARY of " DEMO_FAMILY "; writes to the family, and notes", true},
    {"bo", "Bo Nielsen", "indgang-demo",
     "family adviser, SECONDARY of " DEMO_FAMILY "; writes to the family, and notes", true},
    {"carl", "Carl Sundhed", "indgang-demo",
     "health visitor in " DEMO_TEAM "; reads the family's history, writes only notes", true},
};
#define N_LOGINS (sizeof demo_logins / sizeof demo_logins[0])

static const char *const demo_members[] = {"Mette Hansen", "Jonas Hansen"};

/* The demo world as an import document. */
static json_t *demo_document(void)
{
	json_t *staff = json_array(), *members = json_array();

	for (size_t i = 1; i < N_LOGINS; i++)
		json_array_append_new(
		    staff, json_pack("{s:s, s:s, s:s}", "username", demo_logins[i].username, "name",
		                     demo_logins[i].name, "password", demo_logins[i].password));
	for (size_t i = 0; i < 2; i++)
		json_array_append_new(members, json_pack("{s:s}", "name", demo_members[i]));
	return json_pack("{s:[{s:s, s:s, s:s}], s:[{s:s, s:o}], s:[{s:s, s:s, s:s, s:s, s:o}]}",
	                 "admins", "username", demo_logins[0].username, "name", demo_logins[0].name,
	                 "password", demo_logins[0].password, "teams", "name", DEMO_TEAM, "staff",
	                 staff, "families", "name", DEMO_FAMILY, "team", DEMO_TEAM, "primary",
	                 "anna", "secondary", "bo", "members", members);
}

/* How many of the demo's names are taken already: 0 (make it) or all (it is there). */
static int demo_taken(struct admin *a, size_t *taken)
{
	struct store_user u;
	char pw[8];
	int64_t id;
	int err = store_team_by_name(a->s, DEMO_TEAM, &id);

	*taken = err == ERR_OK ? 1 : 0;
	if (err != ERR_OK && err != ERR_NOT_FOUND)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	for (size_t i = 0; i < N_LOGINS; i++) {
		err = store_user_by_username(a->s, demo_logins[i].username, &u, pw, sizeof pw);
		if (err == ERR_OK)
			(*taken)++;
		else if (err != ERR_NOT_FOUND)
			return admin_fail(a, err, "%s", store_errmsg(a->s));
	}
	return ERR_OK;
}

static int collect_member(void *ctx, const struct store_admin_member *m)
{
	json_array_append_new(ctx,
	                      json_pack("{s:s, s:I}", "name", m->name, "id", (json_int_t)m->id));
	return ERR_OK;
}

static int find_demo_family(void *ctx, const struct store_admin_family *f)
{
	int64_t *id = ctx;

	if (*id == 0 && strcmp(f->name, DEMO_FAMILY) == 0 && strcmp(f->team, DEMO_TEAM) == 0)
		*id = f->id;
	return ERR_OK;
}

/* The answer when the demo is there already: nothing changes, the members are listed. */
static int demo_exists(struct admin *a, json_t **out)
{
	int64_t family_id = 0;
	json_t *members = json_array();
	int err = store_admin_families(a->s, 0, find_demo_family, &family_id);

	if (err == ERR_OK && family_id != 0)
		err = store_admin_members(a->s, family_id, collect_member, members);
	*out = json_pack("{s:b, s:I, s:o}", "exists", 1, "family", (json_int_t)family_id, "members",
	                 members);
	if (err != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	return ERR_OK;
}

int admin_demo_run(struct admin *a, const struct admin_args *args, json_t **out)
{
	size_t taken;
	json_t *doc;
	int err = demo_taken(a, &taken);

	(void)args;
	if (err != ERR_OK)
		return err;
	if (taken == N_LOGINS + 1)
		return demo_exists(a, out);
	if (taken > 0)
		return admin_fail(a, ERR_CONFLICT,
		                  "some of the demo's names (team \"%s\", users admin, anna, bo, "
		                  "carl) are already used in %s; the demo needs a fresh database",
		                  DEMO_TEAM, a->db);
	if ((doc = demo_document()) == NULL)
		return admin_fail(a, ERR_INTERNAL, "out of memory");
	err = admin_import_doc(a, doc, out);
	json_decref(doc);
	return err;
}

/* ---- Showing it to a newcomer ----------------------------------------------------- */

static void show_logins(void)
{
	printf("Logins for the staff web client (username / password):\n");
	for (size_t i = 0; i < N_LOGINS; i++)
		printf("  %s / %s\n      %s: %s\n", demo_logins[i].username,
		       demo_logins[i].password, demo_logins[i].name, demo_logins[i].what);
}

static void show_exists(const struct admin *a, const json_t *out)
{
	const json_t *m;
	size_t i;

	printf("The demo world is already in %s; nothing was changed.\n\n", a->db);
	show_logins();
	printf("(the passwords are the demo's unless changed since)\n\nFamily members of \"%s\":\n",
	       DEMO_FAMILY);
	json_array_foreach(json_object_get(out, "members"), i, m)
	    printf("  %-14s member %lld\n", json_string_value(json_object_get(m, "name")),
	           (long long)json_integer_value(json_object_get(m, "id")));
	printf("\nA new invite code for a member:\n  indgang-admin --db %s invite MEMBER_ID "
	       "[--qr]\n",
	       a->db);
}

static void show_family(const struct admin *a, const json_t *fam)
{
	const json_t *m;
	char until[32];
	size_t i;

	printf("Family \"%s\" (family %lld, conversation %lld), team \"%s\":\n",
	       json_string_value(json_object_get(fam, "name")),
	       (long long)json_integer_value(json_object_get(fam, "id")),
	       (long long)json_integer_value(json_object_get(fam, "conversation")), DEMO_TEAM);
	json_array_foreach(json_object_get(fam, "members"), i, m)
	    printf("  %-14s member %-4lld invite code  %s\n",
	           json_string_value(json_object_get(m, "name")),
	           (long long)json_integer_value(json_object_get(m, "id")),
	           json_string_value(json_object_get(m, "invite")));
	text_format_ts(a->now + (int64_t)SVC_INVITE_HOURS * 3600 * 1000, until);
	printf("\nEach invite code enrols one phone as that family member (in the family app,\n"
	       "or POST /api/enrol {\"code\":CODE,\"device\":NAME}). The codes are single-use "
	       "and\nvalid for %d hours, until %s.\n"
	       "A new code: indgang-admin --db %s invite MEMBER_ID [--qr]\n",
	       SVC_INVITE_HOURS, until, a->db);
}

void admin_demo_show(const struct admin *a, const json_t *out)
{
	if (json_is_true(json_object_get(out, "exists"))) {
		show_exists(a, out);
		return;
	}
	printf("Made the demo world in %s.\n\n", a->db);
	show_logins();
	printf("\n");
	show_family(a, json_array_get(json_object_get(out, "families"), 0));
	printf("\nStart the gateway on it, for example:\n"
	       "  certs/make-dev-certs.sh\n"
	       "  indgang --db %s --listen 127.0.0.1:8443 --cert certs/dev/server.pem "
	       "--key certs/dev/server-key.pem\n",
	       a->db);
}

/* ---- QR codes ------------------------------------------------------------------- */

#define QR_QUIET 4 /* modules of light margin the QR standard asks for */

/* Light module at (x, y)?  Outside the symbol is the quiet zone, light. */
static bool qr_light(const QRcode *qr, int x, int y)
{
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return true;
	return (qr->data[y * qr->width + x] & 1) == 0;
}

/*
 * Two module rows per text line with the half blocks ▀ ▄ █.  The blocks
 * draw the light modules, as `qrencode -t UTF8` does, which is right on the
 * usual light-on-dark terminal; on a terminal we also set white on black so
 * that a dark-on-light theme shows it right too.
 */
void admin_print_qr(FILE *f, const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	bool tty = isatty(fileno(f));

	if (qr == NULL) {
		fprintf(f, "(no QR code: %s)\n", strerror(errno));
		return;
	}
	for (int y = -QR_QUIET; y < qr->width + QR_QUIET; y += 2) {
		if (tty)
			fputs("\033[40;97m", f);
		for (int x = -QR_QUIET; x < qr->width + QR_QUIET; x++) {
			bool top = qr_light(qr, x, y), bottom = qr_light(qr, x, y + 1);

			fputs(top && bottom ? "█" : top ? "▀" : bottom ? "▄" : " ", f);
		}
		if (tty)
			fputs("\033[0m", f);
		fputc('\n', f);
	}
	QRcode_free(qr);
}
