/*
 * util.c - helpers shared by the commands of indgang-admin: failure
 * messages, the transaction, checks of names and passwords, pair checks,
 * invite codes and table output.
 */
#include "admin.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/err.h"
#include "core/common/text.h"
#include "core/store/store_admin.h"

int admin_fail(struct admin *a, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	va_end(ap);
	/* A failure is never ERR_OK, whatever the caller passed. */
	return err == ERR_OK ? ERR_BAD_REQUEST : err;
}

int admin_usage(struct admin *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	va_end(ap);
	a->usage = true;
	return ERR_BAD_REQUEST;
}

int admin_begin(struct admin *a)
{
	int err = store_begin(a->s);

	if (err != ERR_OK)
		return admin_fail(a, err, "cannot start a transaction on %s: %s", a->db,
		                  store_errmsg(a->s));
	a->in_tx = true;
	/* Everything written from here on is done as the console account. */
	if ((err = svc_console(a->s, &a->console)) != ERR_OK)
		return admin_fail(a, err, "no console account: %s", store_errmsg(a->s));
	return ERR_OK;
}

/* ---- Checking input ------------------------------------------------------ */

/*
 * Usernames are typed on phones and in login forms and compared exactly, so
 * they are kept to lowercase ASCII letters, digits and . _ @ - (an e-mail
 * address works); no look-alike Unicode, no case confusion.
 */
const char *admin_check_username(const char *username)
{
	size_t n = strlen(username);

	if (n == 0)
		return "the username is empty";
	if (n > ADMIN_USERNAME_MAX)
		return "the username is longer than 64 characters";
	if (!((username[0] >= 'a' && username[0] <= 'z') ||
	      (username[0] >= '0' && username[0] <= '9')))
		return "a username starts with a lowercase letter or a digit";
	for (size_t i = 0; i < n; i++) {
		char c = username[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("._@-", c)))
			return "a username has only lowercase letters a-z, digits and . _ @ -";
	}
	return NULL;
}

static bool has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

const char *admin_clean_name(const char *name, char out[DOMAIN_NAME_MAX + 1])
{
	size_t len = strlen(name), start, n;

	if (!text_utf8_valid(name, len))
		return "the name is not valid UTF-8";
	text_trim(name, len, &start, &n);
	if (n == 0)
		return "the name is empty";
	if (n > DOMAIN_NAME_MAX)
		return "the name is longer than 200 bytes";
	if (has_control(name + start, n))
		return "the name contains control characters";
	memcpy(out, name + start, n);
	out[n] = '\0';
	return NULL;
}

bool admin_parse_id(const char *text, int64_t *id)
{
	char *end;
	long long v;

	if (text[0] < '0' || text[0] > '9')
		return false;
	v = strtoll(text, &end, 10);
	if (*end != '\0' || v <= 0 || v == LLONG_MAX)
		return false;
	*id = v;
	return true;
}

/* ---- Passwords ------------------------------------------------------------- */

/* Sets *why and returns err, to keep the checks below one line each. */
static int refuse(const char **why, const char *reason, int err)
{
	*why = reason;
	return err;
}

/* One line of standard input into buf, without its line end. */
static bool read_password_line(char *buf, size_t cap)
{
	size_t n;

	if (fgets(buf, (int)cap, stdin) == NULL)
		return false;
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == cap - 1)
		return false; /* longer than the buffer: refuse rather than cut */
	buf[n] = '\0';
	return true;
}

int admin_password(const char *given, char plain[AUTH_PASSWORD_MAX + 2], bool *generated,
                   char hash[AUTH_HASH_MAX], const char **why)
{
	size_t n;

	*generated = given == NULL;
	if (given == NULL) {
		if (auth_password_generate(plain) != ERR_OK)
			return refuse(why, "no randomness for a password", ERR_INTERNAL);
	} else if (strcmp(given, "-") == 0) {
		if (!read_password_line(plain, AUTH_PASSWORD_MAX + 2))
			return refuse(why,
			              "no password line on standard input (or over 1024 bytes)",
			              ERR_BAD_REQUEST);
	} else if (!text_copy(plain, AUTH_PASSWORD_MAX + 2, given)) {
		return refuse(why, "the password is longer than 1024 bytes", ERR_BAD_REQUEST);
	}
	n = strlen(plain);
	if (n < AUTH_PASSWORD_MIN)
		return refuse(why, "the password is shorter than 10 bytes", ERR_BAD_REQUEST);
	if (n > AUTH_PASSWORD_MAX)
		return refuse(why, "the password is longer than 1024 bytes", ERR_BAD_REQUEST);
	if (!text_utf8_valid(plain, n))
		return refuse(why, "the password is not valid UTF-8", ERR_BAD_REQUEST);
	if (auth_password_hash(plain, hash) != ERR_OK)
		return refuse(why, "hashing the password failed", ERR_INTERNAL);
	return ERR_OK;
}

/* ---- Pairs ----------------------------------------------------------------- */

int admin_pair_member(struct admin *a, int64_t team_id, const char *team, const char *what,
                      const char *username, int64_t *id)
{
	struct store_user u;
	char pw[8];
	bool in_team = false;
	int err = store_user_by_username(a->s, username, &u, pw, sizeof pw);

	if (err == ERR_NOT_FOUND)
		return admin_fail(a, ERR_NOT_FOUND, "%s \"%s\" is not a staff member", what,
		                  username);
	if (err != ERR_OK)
		return admin_fail(a, err, "looking up %s \"%s\" failed: %s", what, username,
		                  store_errmsg(a->s));
	if (u.ref.role != ROLE_ADVISER)
		return admin_fail(a, ERR_BAD_REQUEST, "%s \"%s\" is an %s, not an adviser", what,
		                  username, role_name(u.ref.role));
	if (!u.active)
		return admin_fail(a, ERR_BAD_REQUEST, "%s \"%s\" is deactivated", what, username);
	if ((err = store_admin_in_team(a->s, team_id, u.ref.id, &in_team)) != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	/* The pair works inside the family's team: the team sees what the pair does. */
	if (!in_team)
		return admin_fail(a, ERR_BAD_REQUEST,
		                  "%s \"%s\" is not on the staff of team \"%s\"", what, username,
		                  team);
	*id = u.ref.id;
	return ERR_OK;
}

/* ---- Invites --------------------------------------------------------------- */

int admin_invite_make(struct admin *a, int64_t member_id, int64_t hours,
                      char code[AUTH_INVITE_LEN + 1], int64_t *expires_at,
                      struct store_user *member)
{
	struct svc_policy policy;
	const char *why = NULL;
	svc_policy_defaults(&policy);
	int err = svc_invite(a->s, &policy, &a->console, member_id, hours * SVC_HOUR_MS, a->now,
	                     code, expires_at, member, &why);
	if (err == ERR_NOT_FOUND)
		return admin_fail(a, err, "no family member %lld", (long long)member_id);
	if (err != ERR_OK)
		return admin_fail(a, err, "%s", why ? why : store_errmsg(a->s));
	return ERR_OK;
}

/* ---- Output ---------------------------------------------------------------- */

json_t *admin_json_ts(int64_t ms)
{
	char ts[32];

	text_format_ts(ms, ts);
	return json_string(ts);
}

/* The text of one cell: strings as they are, numbers, yes/no, "-" for null. */
static const char *cell(const json_t *v, char buf[32])
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, 32, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	return "-";
}

static size_t width(const char *s)
{
	return text_utf8_count(s, strlen(s));
}

static void print_cell(const char *s, size_t w, bool last)
{
	fputs(s, stdout);
	if (last)
		return;
	for (size_t i = width(s); i < w + 2; i++)
		putchar(' ');
}

void admin_print_table(const json_t *rows, const char *const *keys, const char *const *heads)
{
	size_t n_cols = 0, w[16] = {0}, i;
	const json_t *row;
	char buf[32];

	while (keys[n_cols] != NULL && n_cols < 16) {
		w[n_cols] = width(heads[n_cols]);
		n_cols++;
	}
	json_array_foreach(rows, i, row)
	{
		for (size_t c = 0; c < n_cols; c++) {
			size_t cw = width(cell(json_object_get(row, keys[c]), buf));
			w[c] = cw > w[c] ? cw : w[c];
		}
	}
	for (size_t c = 0; c < n_cols; c++)
		print_cell(heads[c], w[c], c + 1 == n_cols);
	putchar('\n');
	json_array_foreach(rows, i, row)
	{
		for (size_t c = 0; c < n_cols; c++)
			print_cell(cell(json_object_get(row, keys[c]), buf), w[c], c + 1 == n_cols);
		putchar('\n');
	}
	if (json_array_size(rows) == 0)
		puts("(none)");
}

void admin_show_password(const char *who, const char *password)
{
	printf("  password for %s: %s\n", who, password);
	printf("  (generated; shown only now: hand it over safely, it cannot be shown again)\n");
}
