/*
 * fuzz_api.c - libFuzzer target "api": HTTP requests through api_handle(),
 * the pure dispatch the gateway's HTTP workers run, on the fuzz world in an
 * in-memory store that is put back to its first state after every request
 * that changed it (so a fuzzed logout or revocation does not lock the next
 * inputs out, and every input runs against the same world).
 *
 * Input: 5 header bytes, then up to three parts split at 0xFF bytes.
 *   byte 0  method: GET POST DELETE PUT PATCH HEAD (mod 6)
 *   byte 1  path (mod 13): /healthz /api/login /api/enrol /api/logout /api/me
 *           /api/conversations/{id}/messages /api/conversations /api/invites
 *           /api/families/{id}/log /api/devices/{id}, 10: the path is the
 *           first part of the input, 11: /api (byte 2 even) or /metrics (odd),
 *           12: /api/families/{id}/access-log
 *   byte 2  {id}: 0..250 as is; 251 0, 252 -1, 253 2^63-1, 254 "01", 255 "1x"
 *   byte 3  credentials: low nibble a user of the world (0..9), 10 none,
 *           11 a well-formed unknown token, 12 a malformed one; bit 4 sends
 *           it as the session cookie instead of a bearer token; bit 5 adds
 *           the gateway's own Origin, bit 6 a foreign one, bit 7 an allowed one
 *   byte 4  the last octet of the peer address 10.0.0.N (the throttle's key;
 *           10.0.0.7 and 10.0.1.0/24 are on the metrics allowlist)
 *   parts   [path if byte 1 is 10] query, body
 *
 * Password hashing is replaced by a cheap stand-in for this target
 * (-Wl,--wrap=auth_password_verify,--wrap=auth_password_burn): the correct
 * password of every staff account is FUZZ_PASSWORD.  Everything else is the
 * real code.
 *
 * Checks, besides the sanitizers: the status is one of the contract's (never
 * 500); an error body is {"error":{"code","message"}} with the code that
 * belongs to the status; a success is only given to a caller the rules of
 * DOMAIN.md allow (fuzz_world.c), shows only what the caller may see (no
 * notes to families), and needs valid credentials; and a refused attempt on
 * an existing family, conversation or device leaves a "denied" row.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/api/api.h"
#include "core/auth/auth.h"
#include "core/common/err.h"
#include "core/common/text.h"
#include "core/metrics/metrics.h"
#include "core/store/store_int.h"
#include "fuzz_world.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
bool __wrap_auth_password_verify(const char *phc, const char *password);
void __wrap_auth_password_burn(const char *password);

#define FUZZ_PASSWORD "indgang-fuzz-pw"
#define HOST          "127.0.0.1:8443"
#define OWN_ORIGIN    "https://127.0.0.1:8443"
#define ALLOWED       "https://web.example"

bool __wrap_auth_password_verify(const char *phc, const char *password)
{
	(void)phc;
	return strcmp(password, FUZZ_PASSWORD) == 0;
}

void __wrap_auth_password_burn(const char *password)
{
	(void)password;
}

static struct fuzz_world fw;
static sqlite3 *pristine;
static atomic_bool writable;
static const char *const allowed_origins[] = {ALLOWED, NULL};
static const char *const metrics_allow[] = {"10.0.0.7", "10.0.1.0/24", NULL};
static struct metrics *metrics;

enum path_kind {
	P_HEALTH,
	P_LOGIN,
	P_ENROL,
	P_LOGOUT,
	P_ME,
	P_MESSAGES,
	P_CONV_CREATE,
	P_INVITES,
	P_LOG,
	P_DEVICE,
	P_RAW,
	P_API,
	P_ACCESS_LOG,
	P__COUNT
};

static const char *const methods[] = {"GET", "POST", "DELETE", "PUT", "PATCH", "HEAD"};

static void restore(void)
{
	sqlite3_backup *b = sqlite3_backup_init(store_db(fw.w.s), "main", pristine, "main");
	if (b == NULL || sqlite3_backup_step(b, -1) != SQLITE_DONE)
		fuzz_die("restoring the world failed: %s", sqlite3_errmsg(store_db(fw.w.s)));
	sqlite3_backup_finish(b);
}

static int64_t count_denied(void)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	if (sqlite3_prepare_v2(store_db(fw.w.s),
	                       "SELECT count(*) FROM contact_log WHERE kind = 'denied'", -1, &st,
	                       NULL) != SQLITE_OK)
		fuzz_die("count denied: %s", sqlite3_errmsg(store_db(fw.w.s)));
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fuzz_world_build(&fw, ":memory:") != ERR_OK)
		fuzz_die("cannot build the world");
	if (sqlite3_open(":memory:", &pristine) != SQLITE_OK)
		fuzz_die("cannot open the pristine copy");
	sqlite3_backup *b = sqlite3_backup_init(pristine, "main", store_db(fw.w.s), "main");
	if (b == NULL || sqlite3_backup_step(b, -1) != SQLITE_DONE)
		fuzz_die("copying the world failed");
	sqlite3_backup_finish(b);
	atomic_init(&writable, true);
	if ((metrics = metrics_create("fuzz", "fuzz")) == NULL)
		fuzz_die("metrics_create failed");
	return 0;
}

static void id_text(uint8_t sel, char *out, size_t cap)
{
	switch (sel) {
	case 251:
		snprintf(out, cap, "0");
		break;
	case 252:
		snprintf(out, cap, "-1");
		break;
	case 253:
		snprintf(out, cap, "9223372036854775807");
		break;
	case 254:
		snprintf(out, cap, "01");
		break;
	case 255:
		snprintf(out, cap, "1x");
		break;
	default:
		snprintf(out, cap, "%u", sel);
	}
}

static char *dup_part(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/* Splits data at 0xFF into at most max parts; returns how many. */
static size_t split(const uint8_t *data, size_t size, const uint8_t **part, size_t *len, size_t max)
{
	size_t n = 0, start = 0;
	while (n < max) {
		const uint8_t *end =
		    n + 1 < max && start < size ? memchr(data + start, 0xff, size - start) : NULL;
		part[n] = data + start;
		len[n] = end ? (size_t)(end - (data + start)) : size - start;
		n++;
		if (end == NULL)
			break;
		start += len[n - 1] + 1;
	}
	return n;
}

static const char *expected_code(int status)
{
	for (int e = ERR_BAD_REQUEST; e < ERR__COUNT; e++)
		if (err_http_status(e) == status)
			return err_code(e);
	return NULL;
}

static void check_messages(enum fuzz_user u, enum fuzz_conv c, const json_t *o)
{
	const json_t *l = json_object_get(o, "messages"), *m;
	size_t i;
	if (!json_is_array(l) || !json_is_boolean(json_object_get(o, "more")))
		fuzz_die("GET messages: malformed answer");
	json_array_foreach(l, i, m)
	{
		const json_t *conv = json_object_get(m, "conv");
		const char *kind = json_string_value(json_object_get(m, "kind"));
		if (!json_is_integer(conv) || json_integer_value(conv) != fw.conv[c] || !kind)
			fuzz_die("GET messages of conv %d: a message of another conv", (int)c);
		if (!fuzz_sees(u, c, kind))
			fuzz_die("GET messages: %s was shown a %s of conv %d", fuzz_user_name(u),
			         kind, (int)c);
	}
}

static enum fuzz_user member_of_id(int64_t id)
{
	enum fuzz_user u = fuzz_user_of(&fw, id);
	return fuzz_is_family(u) ? u : FU__COUNT;
}

static enum fuzz_conv conv_of_member(enum fuzz_user m)
{
	return m == FU_AMINA ? FC_B : FC_A;
}

static enum fuzz_conv conv_of_family(int64_t family)
{
	if (family == fw.family[FC_A])
		return FC_A;
	if (family == fw.family[FC_B])
		return FC_B;
	return FC__COUNT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5)
		return 0;
	const char *method = methods[data[0] % 6];
	enum path_kind pk = (enum path_kind)(data[1] % P__COUNT);
	uint8_t id_sel = data[2], cred = data[3], peer = data[4];
	const uint8_t *part[3];
	size_t plen[3];
	size_t n = split(data + 5, size - 5, part, plen, pk == P_RAW ? 3 : 2);

	char id[32], path[128];
	id_text(id_sel, id, sizeof id);
	struct api_request req;
	memset(&req, 0, sizeof req);
	snprintf(req.method, sizeof req.method, "%s", method);
	switch (pk) {
	case P_HEALTH:
		snprintf(path, sizeof path, "/healthz");
		break;
	case P_LOGIN:
		snprintf(path, sizeof path, "/api/login");
		break;
	case P_ENROL:
		snprintf(path, sizeof path, "/api/enrol");
		break;
	case P_LOGOUT:
		snprintf(path, sizeof path, "/api/logout");
		break;
	case P_ME:
		snprintf(path, sizeof path, "/api/me");
		break;
	case P_MESSAGES:
		snprintf(path, sizeof path, "/api/conversations/%s/messages", id);
		break;
	case P_CONV_CREATE:
		snprintf(path, sizeof path, "/api/conversations");
		break;
	case P_INVITES:
		snprintf(path, sizeof path, "/api/invites");
		break;
	case P_LOG:
		snprintf(path, sizeof path, "/api/families/%s/log", id);
		break;
	case P_DEVICE:
		snprintf(path, sizeof path, "/api/devices/%s", id);
		break;
	case P_API:
		snprintf(path, sizeof path, "%s", id_sel & 1 ? "/metrics" : "/api");
		break;
	case P_ACCESS_LOG:
		snprintf(path, sizeof path, "/api/families/%s/access-log", id);
		break;
	default:
		path[0] = '\0';
	}
	size_t k = 0;
	req.path = pk == P_RAW ? dup_part(part[k], plen[k]) : strdup(path);
	if (pk == P_RAW)
		k++;
	req.query = k < n ? dup_part(part[k], plen[k]) : strdup("");
	k++;
	if (k < n && plen[k] > 0) {
		req.body = dup_part(part[k], plen[k]);
		req.body_len = plen[k];
	}

	/* credentials */
	int who = cred & 0x0f;
	char bogus[65];
	const char *token = NULL;
	enum fuzz_user user = FU__COUNT;
	if (who < FU__COUNT) {
		token = fw.token[who];
		user = (enum fuzz_user)who;
	} else if (who == 11) {
		snprintf(bogus, sizeof bogus, "%064d", 77);
		token = bogus;
	} else if (who == 12) {
		token = "not-a-token";
	}
	bool cookie = (cred & 0x10) != 0;
	if (token && cookie)
		req.cookie_token = strdup(token);
	else if (token)
		req.bearer = strdup(token);
	bool origin_ok = false;
	if (cred & 0x20) {
		req.origin = strdup(OWN_ORIGIN);
		origin_ok = true;
	} else if (cred & 0x40) {
		req.origin = strdup("https://127.0.0.1:8443.evil.example");
	} else if (cred & 0x80) {
		req.origin = strdup(ALLOWED);
		origin_ok = true;
	}
	req.host = strdup(HOST);
	snprintf(req.peer_addr, sizeof req.peer_addr, "10.0.0.%u", peer);
	/* Is the caller really signed in?  Bearer always; a cookie only under the
	 * Origin rule (GET without Origin, else own or allowed). */
	bool authed =
	    user != FU__COUNT && (!cookie || (req.origin ? origin_ok : strcmp(method, "GET") == 0));

	struct api_ctx ctx = {
	    .store = fw.w.s,
	    .throttle = auth_throttle_create(),
	    .allowed_origins = allowed_origins,
	    .writable_flag = &writable,
	    .metrics = metrics,
	    .metrics_allow = metrics_allow,
	};
	svc_policy_defaults(&ctx.policy);
	if (ctx.throttle == NULL)
		fuzz_die("auth_throttle_create failed");
	sqlite3 *db = store_db(fw.w.s);
	int changes_before = sqlite3_total_changes(db);
	int64_t denied_before = count_denied();
	struct api_response resp;
	api_handle(&ctx, &req, text_now_ms(), &resp);

	/* ---- checks ---- */
	int st = resp.status;
	const char *who_s = user == FU__COUNT ? "nobody" : fuzz_user_name(user);
	if (st == 500 || (st != 200 && st != 201 && st != 204 && expected_code(st) == NULL))
		fuzz_die("%s %s as %s: status %d: %.*s", method, req.path, who_s, st,
		         (int)(resp.body_len > 300 ? 300 : resp.body_len),
		         resp.body ? resp.body : "");
	json_error_t jerr;
	json_t *o = NULL;
	/* JSON unless it says otherwise (the log as CSV, /metrics as Prometheus text) */
	bool json = resp.content_type == NULL || strstr(resp.content_type, "json") != NULL;
	if (st >= 400 && !json)
		fuzz_die("%s %s: error %d with content type %s", method, req.path, st,
		         resp.content_type);
	if (st != 204 && json) {
		o = json_loadb(resp.body ? resp.body : "", resp.body_len, JSON_REJECT_DUPLICATES,
		               &jerr);
		if (!json_is_object(o))
			fuzz_die("%s %s: status %d with a body that is not a JSON object", method,
			         req.path, st);
	}
	if (st >= 400) {
		const json_t *e = json_object_get(o, "error");
		const char *code = json_string_value(json_object_get(e, "code"));
		if (!code || strcmp(code, expected_code(st)) != 0 ||
		    !json_is_string(json_object_get(e, "message")))
			fuzz_die("%s %s: status %d with error body %.*s", method, req.path, st,
			         (int)resp.body_len, resp.body);
	}
	bool ok = st >= 200 && st < 300;
	bool needs_auth = pk != P_HEALTH && pk != P_LOGIN && pk != P_ENROL &&
	                  strcmp(req.path, "/metrics") != 0; /* its own rule, below */
	if (ok && needs_auth && !authed)
		fuzz_die("%s %s answered %d without valid credentials (cred byte %#x)", method,
		         req.path, st, cred);
	/* the {id} is one the router takes: digits, no leading zero */
	int64_t pid = id_sel >= 1 && id_sel <= 250 ? id_sel : 0;
	enum fuzz_conv conv = fuzz_conv_of(&fw, pid);
	enum fuzz_conv fam = conv_of_family(pid);
	bool exists = false; /* the target of a permission check exists */
	if (pk == P_MESSAGES && strcmp(method, "GET") == 0) {
		exists = conv != FC__COUNT;
		if (ok && (conv == FC__COUNT || !fuzz_sees(user, conv, "text")))
			fuzz_die("GET messages of conv %s shown to %s", id, who_s);
		if (ok)
			check_messages(user, conv, o);
	} else if (pk == P_LOG && strcmp(method, "GET") == 0) {
		exists = fam != FC__COUNT;
		if (ok && (fam == FC__COUNT || !fuzz_staff_of(user, fam)))
			fuzz_die("the log of family %s shown to %s", id, who_s);
	} else if (pk == P_ACCESS_LOG && strcmp(method, "GET") == 0) {
		/* GDPR art. 15 extraction: the family's pair and an admin */
		exists = fam != FC__COUNT;
		if (ok && (fam == FC__COUNT || !(user == FU_ADMIN || fuzz_pair_of(user, fam))))
			fuzz_die("the access log of family %s shown to %s", id, who_s);
	} else if (pk == P_CONV_CREATE && strcmp(method, "POST") == 0) {
		json_t *b = json_loadb(req.body ? req.body : "", req.body_len, 0, &jerr);
		const json_t *f = json_object_get(b, "family");
		exists = json_is_integer(f) && conv_of_family(json_integer_value(f)) != FC__COUNT;
		if (ok) {
			int64_t fid =
			    json_integer_value(json_object_get(json_object_get(o, "family"), "id"));
			if (!fuzz_pair_of(user, conv_of_family(fid)))
				fuzz_die("%s created a conversation in family %lld", who_s,
				         (long long)fid);
		}
		json_decref(b);
	} else if (pk == P_INVITES && strcmp(method, "POST") == 0) {
		json_t *b = json_loadb(req.body ? req.body : "", req.body_len, 0, &jerr);
		const json_t *m = json_object_get(b, "member");
		enum fuzz_user mem =
		    json_is_integer(m) ? member_of_id(json_integer_value(m)) : FU__COUNT;
		exists = mem != FU__COUNT;
		if (ok && (mem == FU__COUNT ||
		           !(user == FU_ADMIN || fuzz_pair_of(user, conv_of_member(mem)))))
			fuzz_die("%s made an invite for member %lld", who_s,
			         (long long)json_integer_value(m));
		json_decref(b);
	} else if (pk == P_DEVICE && strcmp(method, "DELETE") == 0) {
		enum fuzz_user owner = FU__COUNT;
		for (int u = 0; u < FU__COUNT; u++)
			if (fw.device[u] != 0 && fw.device[u] == pid)
				owner = (enum fuzz_user)u;
		exists = owner != FU__COUNT;
		if (ok && !(owner != FU__COUNT && (owner == user || user == FU_ADMIN ||
		                                   fuzz_pair_of(user, conv_of_member(owner)))))
			fuzz_die("%s revoked device %s", who_s, id);
	} else if (strcmp(req.path, "/metrics") == 0 && ok) {
		bool allowed_peer = peer == 7;
		if (!allowed_peer && !(user == FU_ADMIN && !cookie))
			fuzz_die("/metrics shown to %s from %s (cred byte %#x)", who_s,
			         req.peer_addr, cred);
	} else if (pk == P_ME && ok) {
		const json_t *l = json_object_get(o, "conversations"), *c;
		size_t i;
		json_array_foreach(l, i, c)
		{
			enum fuzz_conv cv =
			    fuzz_conv_of(&fw, json_integer_value(json_object_get(c, "id")));
			if (cv == FC__COUNT || !fuzz_sees(user, cv, "text"))
				fuzz_die("/api/me of %s lists a conversation they may not see",
				         who_s);
		}
	}
	/* A refusal by the rules, of something that exists, is in the contact log. */
	if ((st == 403 || st == 404) && authed && exists && count_denied() <= denied_before)
		fuzz_die("%s %s by %s refused with %d but no 'denied' row was written", method,
		         req.path, who_s, st);

	json_decref(o);
	api_response_free(&resp);
	api_request_free(&req);
	auth_throttle_destroy(ctx.throttle);
	if (sqlite3_total_changes(db) != changes_before || !sqlite3_get_autocommit(db)) {
		if (!sqlite3_get_autocommit(db))
			fuzz_die("api_handle left a transaction open");
		restore();
	}
	return 0;
}
