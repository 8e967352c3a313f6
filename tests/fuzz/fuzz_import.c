/*
 * fuzz_import.c - libFuzzer target "import": the provisioning document of
 * `indgang-admin import` (gateway/admin/import.c, the real code) on an
 * in-memory store that already holds the fuzz world, so documents that
 * mention existing teams and staff take the same paths as in production.
 *
 * The input is the document's bytes, read as main.c reads it (jansson,
 * duplicate keys refused).  Every import is rolled back afterwards, as
 * main.c does on failure, so every input meets the same database.
 *
 * Password hashing is replaced by a cheap stand-in for this target
 * (-Wl,--wrap=auth_password_hash); the checks of passwords before hashing are
 * the real ones.
 *
 * Checks, besides the sanitizers:
 *   - a failure always says why (the contract: "a clear error naming the bad
 *     entry") and is never "internal";
 *   - a success is one transaction still open (main.c commits it), with no
 *     foreign-key violation, and its output names every family of the
 *     document with as many members as the document gave, each with an
 *     invite code of the form "ABCDE-FGHJK".
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/auth/auth.h"
#include "core/common/err.h"
#include "core/common/text.h"
#include "core/store/store_int.h"
#include "fuzz_world.h"
#include "gateway/admin/admin.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int __wrap_auth_password_hash(const char *password, char out[AUTH_HASH_MAX]);

int __wrap_auth_password_hash(const char *password, char out[AUTH_HASH_MAX])
{
	snprintf(out, AUTH_HASH_MAX, "$argon2id$v=19$m=19456,t=2,p=1$fuzz$%zu", strlen(password));
	return ERR_OK;
}

static struct fuzz_world fw;
static bool verbose; /* FUZZ_VERBOSE=1: say what each import did */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fuzz_world_build(&fw, ":memory:") != ERR_OK)
		fuzz_die("cannot build the world");
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	return 0;
}

static bool invite_shaped(const char *s)
{
	if (s == NULL || strlen(s) != AUTH_INVITE_LEN || s[5] != '-')
		return false;
	char typed[AUTH_INVITE_LEN + 1];
	return auth_invite_normalise(s, typed) == 0 && strcmp(typed, s) == 0;
}

static void check_fk(sqlite3 *db)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
		fuzz_die("foreign_key_check: %s", sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		fuzz_die("import left a foreign-key violation in table %s",
		         (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static void check_output(const json_t *doc, const json_t *out)
{
	const json_t *fams = json_object_get(doc, "families"), *f;
	const json_t *outf = json_object_get(out, "families");
	size_t i;
	if (json_array_size(fams) != json_array_size(outf))
		fuzz_die("import: %zu families in, %zu out", json_array_size(fams),
		         json_array_size(outf));
	json_array_foreach(fams, i, f)
	{
		const json_t *o = json_array_get(outf, i), *m;
		const json_t *in_m = json_object_get(f, "members");
		const json_t *out_m = json_object_get(o, "members");
		size_t k;
		if (json_integer_value(json_object_get(o, "id")) <= 0 ||
		    json_integer_value(json_object_get(o, "conversation")) <= 0)
			fuzz_die("import: family %zu without id or conversation", i);
		if (json_array_size(in_m) != json_array_size(out_m))
			fuzz_die("import: family %zu has %zu members in, %zu out", i,
			         json_array_size(in_m), json_array_size(out_m));
		json_array_foreach(out_m, k, m)
		{
			if (!invite_shaped(json_string_value(json_object_get(m, "invite"))))
				fuzz_die("import: member %zu of family %zu has invite \"%s\"", k, i,
				         json_string_value(json_object_get(m, "invite")));
		}
	}
	if (json_array_size(json_object_get(doc, "admins")) !=
	    json_array_size(json_object_get(out, "admins")))
		fuzz_die("import: admins in and out differ in number");
	if (json_array_size(json_object_get(doc, "teams")) !=
	    json_array_size(json_object_get(out, "teams")))
		fuzz_die("import: teams in and out differ in number");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL)
		return 0;
	struct admin a;
	memset(&a, 0, sizeof a);
	a.s = fw.w.s;
	a.db = ":memory:";
	a.cmd = "import";
	a.json = true;
	a.now = text_now_ms();
	json_t *out = NULL;
	sqlite3 *db = store_db(a.s);
	int err = admin_import_doc(&a, doc, &out);
	if (verbose)
		fprintf(stderr, "import: %s %s\n", err_code(err), a.msg);
	if (err != ERR_OK) {
		if (a.msg[0] == '\0')
			fuzz_die("import failed (%s) without saying why", err_code(err));
		if (err == ERR_INTERNAL)
			fuzz_die("import failed with internal: %s", a.msg);
	} else {
		if (!a.in_tx || sqlite3_get_autocommit(db))
			fuzz_die("import succeeded outside a transaction");
		check_fk(db);
		check_output(doc, out);
	}
	store_rollback(a.s);
	if (!sqlite3_get_autocommit(db))
		fuzz_die("rollback left a transaction open");
	json_decref(out);
	json_decref(doc);
	return 0;
}
