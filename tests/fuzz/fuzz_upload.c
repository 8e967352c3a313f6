/*
 * fuzz_upload.c - libFuzzer target "upload": POST /api/uploads (issue 14)
 * driven in its three steps as gateway/http.c and core/workers drive it,
 * on the fuzz world in an in-memory store and a real files folder under
 * $FUZZ_TMPDIR (default /dev/shm):
 *
 *   1. at the headers: api_upload_begin(files, Content-Length), a spool
 *      file under a temporary name, put in req.upload;
 *   2. api_handle() for POST /api/uploads?name=... with content_length
 *      set: authenticates and accepts (resp.upload_accepted) or refuses;
 *      the body's pieces go to api_upload_write() before, after or around
 *      it, as they would arrive on the loop while a worker decides;
 *   3. the body whole: api_upload_finish() on the same response, then
 *      api_request_free() as the call is released.
 *
 * Input: 5 header bytes, the name, the body.
 *   byte 0  the caller (mod 12): 0..9 a user of the world with its bearer
 *           token, 10 no credentials, 11 a well-formed unknown token
 *   byte 1  bits 0-2 Content-Length: 0 and 7 the body's length, 1 shorter
 *           by byte 3 + 1, 2 longer by byte 3 + 1, 3 zero, 4 the limit + 1,
 *           5 INT64_MAX, 6 none (-1)
 *           bits 3-4 the name: 0 URL-encoded by the harness, 1 raw bytes in
 *           the query, 2 no name parameter, 3 encoded among other
 *           parameters ("x=1&name=...&name=second")
 *           bits 5-6 when the worker decides: 0 before any of the body,
 *           1 after all of it, 2, 3 half way through its pieces
 *           bit 7 the connection is cut after the decision: the rest of
 *           the body never comes and the upload is never finished
 *   byte 2  the split: 0 one piece, else pieces of 1..byte 2 bytes (a
 *           fixed sequence seeded by it)
 *   byte 3  how much shorter or longer Content-Length is (modes 1 and 2)
 *   byte 4  N, the length of the name; then N bytes of name, then the body
 *
 * Checks, besides the sanitizers: the status is exactly the one the rules
 * give (401 without valid credentials, 403 for an admin, 400 for an empty or
 * missing length or a body that is not what was announced, 413 over the
 * limit, 415 for a type not sniffed as JPEG/PNG/WebP/HEIC/PDF, else 201;
 * never 500); error bodies carry the status's code; a 201 says
 * {"id","state":"checking","kind","type","name","size"} with the type of
 * the body's first bytes (checked again here against their magic bytes),
 * size the body's length, and a name that is valid UTF-8 without '/', '\\',
 * '"', control characters or a leading dot or space, at most 120 bytes,
 * ending in the type's extension; after a 201 spool/ holds <id>.part and
 * nothing else, with exactly the body; after a refusal or a cut-off upload
 * spool/ and quarantine/ are empty.  The store is put back to its first
 * state after every input that changed it, and the spool emptied.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/api/api.h"
#include "core/api/upload.h"
#include "core/attach/files.h"
#include "core/attach/sniff.h"
#include "core/auth/auth.h"
#include "core/common/err.h"
#include "core/common/text.h"
#include "core/store/store_int.h"
#include "fuzz_world.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define UPLOAD_MAX (64 * 1024)
#define HOST       "127.0.0.1:8443"

static struct fuzz_world fw;
static sqlite3 *pristine;
static atomic_bool writable;
static struct attach_files *files;
static char root[512], spool[600], quarantine[600];

static void restore(void)
{
	sqlite3_backup *b = sqlite3_backup_init(store_db(fw.w.s), "main", pristine, "main");
	if (b == NULL || sqlite3_backup_step(b, -1) != SQLITE_DONE)
		fuzz_die("restoring the world failed: %s", sqlite3_errmsg(store_db(fw.w.s)));
	sqlite3_backup_finish(b);
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

	const char *base = getenv("FUZZ_TMPDIR");
	snprintf(root, sizeof root, "%s/indgang-upload-XXXXXX",
	         base ? base : (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"));
	if (mkdtemp(root) == NULL)
		fuzz_die("mkdtemp %s failed", root);
	if (attach_files_open(root, &files) != ERR_OK)
		fuzz_die("attach_files_open %s failed", root);
	snprintf(spool, sizeof spool, "%s/spool", root);
	snprintf(quarantine, sizeof quarantine, "%s/quarantine", root);
	return 0;
}

/* The names in dir (without . and ..), up to max of them; returns how many
 * there are. */
static size_t list_dir(const char *dir, char names[][64], size_t max)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	if (d == NULL)
		fuzz_die("cannot list %s", dir);
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n < max)
			snprintf(names[n], 64, "%s", e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

/* Empties dir (what a failed input left, so the next one starts clean). */
static void empty_dir(const char *dir)
{
	char names[64][64];
	size_t n = list_dir(dir, names, 64);
	for (size_t i = 0; i < n && i < 64; i++) {
		char path[800];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
}

/* Strict UTF-8 (RFC 3629: no overlong forms, surrogates or values past
 * U+10FFFF), written again here rather than taken from sniff.c. */
static bool utf8_valid(const unsigned char *s, size_t n, bool *control)
{
	*control = false;
	for (size_t i = 0; i < n;) {
		unsigned c = s[i], len, cp;
		if (c < 0x80) {
			len = 1;
			cp = c;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (unsigned k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			*control = true;
		i += len;
	}
	return true;
}

/* The magic bytes of each type, independently of attach_sniff. */
static bool starts_as(const uint8_t *b, size_t n, const char *mime)
{
	if (strcmp(mime, "image/jpeg") == 0)
		return n >= 3 && memcmp(b, "\xff\xd8\xff", 3) == 0;
	if (strcmp(mime, "image/png") == 0)
		return n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0;
	if (strcmp(mime, "image/webp") == 0)
		return n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0;
	if (strcmp(mime, "image/heic") == 0)
		return n >= 16 && memcmp(b + 4, "ftyp", 4) == 0;
	if (strcmp(mime, "application/pdf") == 0)
		return n >= 5 && memcmp(b, "%PDF-", 5) == 0;
	return false;
}

static const char *const mime_ext[][3] = {
    {"image/jpeg", ".jpg", ".jpeg"},   {"image/png", ".png", NULL},
    {"image/webp", ".webp", NULL},     {"image/heic", ".heic", NULL},
    {"application/pdf", ".pdf", NULL},
};

static bool ends_in_ext(const char *name, const char *mime)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < sizeof mime_ext / sizeof mime_ext[0]; i++) {
		if (strcmp(mime_ext[i][0], mime) != 0)
			continue;
		for (int k = 1; k < 3 && mime_ext[i][k]; k++) {
			size_t e = strlen(mime_ext[i][k]);
			if (len > e && strcasecmp(name + len - e, mime_ext[i][k]) == 0)
				return true;
		}
	}
	return false;
}

static void url_encode(const uint8_t *p, size_t n, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

static const char *expected_code(int status)
{
	for (int e = ERR_BAD_REQUEST; e < ERR__COUNT; e++)
		if (err_http_status(e) == status)
			return err_code(e);
	return NULL;
}

/* The body's pieces: [0, cut) before the decision, the rest after. */
struct pieces {
	size_t n, len[4096];
};

static void split_body(size_t body_len, uint8_t sel, struct pieces *p)
{
	uint32_t x = sel * 2654435761u + 1;
	p->n = 0;
	for (size_t off = 0; off < body_len;) {
		size_t left = body_len - off, k = left;
		if (sel != 0 && p->n + 1 < sizeof p->len / sizeof p->len[0]) {
			x = x * 1103515245u + 12345u;
			k = 1 + (x >> 16) % sel;
			if (k > left)
				k = left;
		}
		p->len[p->n++] = k;
		off += k;
	}
}

static void check_created(const json_t *o, const uint8_t *body, size_t body_len,
                          const struct attach_type *t, int64_t *id)
{
	const char *state = json_string_value(json_object_get(o, "state"));
	const char *kind = json_string_value(json_object_get(o, "kind"));
	const char *type = json_string_value(json_object_get(o, "type"));
	const char *name = json_string_value(json_object_get(o, "name"));
	const json_t *jid = json_object_get(o, "id"), *jsize = json_object_get(o, "size");
	if (!json_is_integer(jid) || json_integer_value(jid) <= 0 || !state || !kind || !type ||
	    !name || !json_is_integer(jsize) || json_object_size(o) != 6)
		fuzz_die("201 with a malformed attachment");
	*id = json_integer_value(jid);
	if (strcmp(state, "checking") != 0)
		fuzz_die("201 in state %s", state);
	if (strcmp(type, t->mime) != 0 || !starts_as(body, body_len, type))
		fuzz_die("201 typed %s for a body sniffed as %s", type, t->mime);
	if (strcmp(kind, t->kind == ATTACH_PDF ? "pdf" : "image") != 0)
		fuzz_die("201 of kind %s for %s", kind, type);
	if (json_integer_value(jsize) != (json_int_t)body_len)
		fuzz_die("201 of size %lld for %zu bytes", (long long)json_integer_value(jsize),
		         body_len);
	size_t len = strlen(name);
	bool control;
	if (!utf8_valid((const unsigned char *)name, len, &control) || control)
		fuzz_die("201 named \"%s\": not UTF-8, or control characters", name);
	if (len > ATTACH_NAME_MAX || len > 120 || strpbrk(name, "/\\\"") != NULL ||
	    name[0] == '.' || name[0] == ' ')
		fuzz_die("201 named \"%s\" (%zu bytes)", name, len);
	if (!ends_in_ext(name, type))
		fuzz_die("201 named \"%s\" for a %s", name, type);
}

/* After a 201: spool/ holds spool/<id>.part with the body, nothing else. */
static void check_spool_kept(int64_t id, const uint8_t *body, size_t body_len)
{
	char names[4][64], want[64], path[800];
	size_t n = list_dir(spool, names, 4);
	snprintf(want, sizeof want, "%lld.part", (long long)id);
	if (n != 1 || strcmp(names[0], want) != 0)
		fuzz_die("after a 201 for %lld the spool holds %zu files (first %s)", (long long)id,
		         n, n ? names[0] : "-");
	snprintf(path, sizeof path, "%s/%s", spool, want);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		fuzz_die("cannot open %s", path);
	if ((size_t)st.st_size != body_len)
		fuzz_die("%s holds %lld bytes, the body %zu", want, (long long)st.st_size,
		         body_len);
	uint8_t *got = malloc(body_len + 1);
	ssize_t r = pread(fd, got, body_len + 1, 0);
	if (r != (ssize_t)body_len || (body_len && memcmp(got, body, body_len) != 0))
		fuzz_die("%s does not hold exactly the body", want);
	free(got);
	close(fd);
	unlink(path);
}

static void check_empty(const char *dir, const char *why)
{
	char names[4][64];
	size_t n = list_dir(dir, names, 4);
	if (n != 0)
		fuzz_die("%s: %s holds %zu files (first %s)", why, dir, n, names[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5)
		return 0;
	uint8_t who = data[0] % 12, mode = data[1], split_sel = data[2], delta = data[3];
	size_t name_len = data[4];
	if (size - 5 < name_len)
		name_len = size - 5;
	const uint8_t *raw_name = data + 5, *body = data + 5 + name_len;
	size_t body_len = size - 5 - name_len;

	int64_t cl;
	switch (mode & 7) {
	case 1:
		cl = (int64_t)body_len - 1 - delta;
		break;
	case 2:
		cl = (int64_t)body_len + 1 + delta;
		break;
	case 3:
		cl = 0;
		break;
	case 4:
		cl = UPLOAD_MAX + 1;
		break;
	case 5:
		/* what the gateway's strtoll lets through (this target found
		 * api_upload_allowed_ms() overflowing on it, now capped) */
		cl = INT64_MAX;
		break;
	case 6:
		cl = -1;
		break;
	default:
		cl = (int64_t)body_len;
	}
	int name_mode = mode >> 3 & 3, decide = mode >> 5 & 3;
	bool cut = (mode & 0x80) != 0;

	/* The request as the transport makes it at the headers. */
	struct api_request req;
	memset(&req, 0, sizeof req);
	snprintf(req.method, sizeof req.method, "POST");
	req.path = strdup("/api/uploads");
	char *enc = malloc(3 * name_len + 1), *query = malloc(3 * name_len + 64);
	url_encode(raw_name, name_len, enc);
	switch (name_mode) {
	case 0:
		sprintf(query, "name=%s", enc);
		break;
	case 1:
		memcpy(query, "name=", 5);
		memcpy(query + 5, raw_name, name_len);
		query[5 + name_len] = '\0';
		break;
	case 2:
		query[0] = '\0';
		break;
	default:
		sprintf(query, "x=1&name=%s&name=second.pdf", enc);
	}
	free(enc);
	req.query = query;
	req.host = strdup(HOST);
	req.content_length = cl;
	snprintf(req.peer_addr, sizeof req.peer_addr, "10.0.0.1");
	char bogus[65];
	if (who < FU__COUNT) {
		req.bearer = strdup(fw.token[who]);
	} else if (who == 11) {
		snprintf(bogus, sizeof bogus, "%064d", 77);
		req.bearer = strdup(bogus);
	}
	if ((req.upload = api_upload_begin(files, cl)) == NULL)
		fuzz_die("api_upload_begin failed");

	struct pieces *pc = malloc(sizeof *pc);
	split_body(body_len, split_sel, pc);
	size_t decide_at = decide == 0 ? 0 : decide == 1 ? pc->n : pc->n / 2;

	struct api_ctx ctx = {
	    .store = fw.w.s,
	    .throttle = auth_throttle_create(),
	    .writable_flag = &writable,
	    .files = files,
	    .upload_max = UPLOAD_MAX,
	    .request_seconds = 60,
	};
	svc_policy_defaults(&ctx.policy);
	if (ctx.throttle == NULL)
		fuzz_die("auth_throttle_create failed");
	sqlite3 *db = store_db(fw.w.s);
	int changes_before = sqlite3_total_changes(db);

	size_t off = 0, k = 0;
	for (; k < decide_at; k++) { /* what arrives while the worker decides */
		api_upload_write(req.upload, body + off, pc->len[k]);
		off += pc->len[k];
	}
	struct api_response resp;
	api_handle(&ctx, &req, text_now_ms(), &resp);
	bool accepted = resp.upload_accepted;
	if (accepted) {
		if (resp.status != 0 || resp.body != NULL)
			fuzz_die("an accepted upload answered %d at its headers", resp.status);
		for (; !cut && k < pc->n; k++) {
			api_upload_write(req.upload, body + off, pc->len[k]);
			off += pc->len[k];
		}
		if (!cut)
			api_upload_finish(&ctx, req.upload, &resp);
	}

	/* ---- what the rules say it should have been ---- */
	bool authed = who < FU__COUNT, may = authed && who != FU_ADMIN;
	struct attach_type t;
	const char *why = NULL;
	int sniffed = attach_sniff(
	    body, body_len < ATTACH_SNIFF_BYTES ? body_len : ATTACH_SNIFF_BYTES, &t, &why);
	int want;
	if (!authed)
		want = 401;
	else if (!may)
		want = 403;
	else if (cl <= 0)
		want = 400;
	else if (cl > UPLOAD_MAX)
		want = 413;
	else if (cut)
		want = 0; /* accepted, never finished: no answer */
	else if ((int64_t)body_len != cl)
		want = 400;
	else if (sniffed != ERR_OK)
		want = 415;
	else
		want = 201;
	if (sniffed == ERR_OK && !starts_as(body, body_len, t.mime))
		fuzz_die("attach_sniff took a body for %s without its magic bytes", t.mime);

	int st = resp.status;
	const char *caller = who < FU__COUNT ? fuzz_user_name(who) : "nobody";
	if (st == 500 || st != want)
		fuzz_die("upload of %zu bytes, Content-Length %lld, by %s (cut %d): status %d, not "
		         "%d: %.*s",
		         body_len, (long long)cl, caller, cut, st, want,
		         (int)(resp.body_len > 300 ? 300 : resp.body_len),
		         resp.body ? resp.body : "");
	if (accepted != (may && cl > 0 && cl <= UPLOAD_MAX))
		fuzz_die("upload by %s, Content-Length %lld: accepted %d at the headers", caller,
		         (long long)cl, accepted);
	json_t *o = NULL;
	if (st != 0) {
		json_error_t jerr;
		o = json_loadb(resp.body ? resp.body : "", resp.body_len, JSON_REJECT_DUPLICATES,
		               &jerr);
		if (!json_is_object(o))
			fuzz_die("status %d with a body that is not a JSON object", st);
	}
	if (st >= 400) {
		const json_t *e = json_object_get(o, "error");
		const char *code = json_string_value(json_object_get(e, "code"));
		if (!code || strcmp(code, expected_code(st)) != 0 ||
		    !json_is_string(json_object_get(e, "message")))
			fuzz_die("status %d with error body %.*s", st, (int)resp.body_len,
			         resp.body);
	}
	int64_t id = 0;
	if (st == 201)
		check_created(o, body, body_len, &t, &id);
	json_decref(o);

	/* The call is released: what is left on disk. */
	api_response_free(&resp);
	api_request_free(&req);
	auth_throttle_destroy(ctx.throttle);
	free(pc);
	if (st == 201)
		check_spool_kept(id, body, body_len);
	else
		check_empty(spool, st ? "after a refusal" : "after a cut-off upload");
	check_empty(quarantine, "after an upload");

	if (!sqlite3_get_autocommit(db))
		fuzz_die("the upload left a transaction open");
	if (sqlite3_total_changes(db) != changes_before)
		restore();
	empty_dir(spool);
	return 0;
}
