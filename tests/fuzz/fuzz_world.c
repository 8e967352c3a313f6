/*
 * fuzz_world.c - the fuzz targets' world and their independent oracle.
 */
#include "fuzz_world.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/auth/auth.h"
#include "core/common/err.h"
#include "core/common/text.h"

#define YEAR_MS (366LL * 24 * 3600 * 1000)

static const char *const user_names[FU__COUNT] = {
    "admin", "anna", "bo", "carl", "dora", "erik", "frida", "mette", "jonas", "amina",
};

/* The invite code of each member: fixed, so the seed corpus can use them. */
static const char *const invite_codes[FU__COUNT] = {
    [FU_METTE] = "ABCDE-FGHJK",
    [FU_JONAS] = "BCDEF-GHJKM",
    [FU_AMINA] = "CDEFG-HJKMN",
};

void fuzz_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("\n*** ORACLE VIOLATION: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n", stderr);
	va_end(ap);
	abort();
}

const char *fuzz_user_name(enum fuzz_user u)
{
	return u < FU__COUNT ? user_names[u] : "?";
}

bool fuzz_is_family(enum fuzz_user u)
{
	return u == FU_METTE || u == FU_JONAS || u == FU_AMINA;
}

/* The rules of DOMAIN.md for this world, as a table: 'p' pair, 't' team,
 * 'f' family member taking part, '-' nothing (admins included). */
static const char rel_table[FU__COUNT][FC__COUNT] = {
    [FU_ADMIN] = {'-', '-', '-'}, [FU_ANNA] = {'p', 'p', '-'},  [FU_BO] = {'p', 'p', '-'},
    [FU_CARL] = {'t', 't', '-'},  [FU_DORA] = {'-', '-', 'p'},  [FU_ERIK] = {'-', '-', 'p'},
    [FU_FRIDA] = {'-', '-', 't'}, [FU_METTE] = {'f', '-', '-'}, [FU_JONAS] = {'f', 'f', '-'},
    [FU_AMINA] = {'-', '-', 'f'},
};

bool fuzz_sees(enum fuzz_user u, enum fuzz_conv c, const char *kind)
{
	if (u >= FU__COUNT || c >= FC__COUNT)
		return false;
	char r = rel_table[u][c];
	if (r == '-')
		return false;
	if (strcmp(kind, "note") == 0)
		return r == 'p' || r == 't';
	return true;
}

bool fuzz_may_send(enum fuzz_user u, enum fuzz_conv c, const char *kind)
{
	if (u >= FU__COUNT || c >= FC__COUNT)
		return false;
	char r = rel_table[u][c];
	if (strcmp(kind, "text") == 0)
		return r == 'f' || r == 'p';
	if (strcmp(kind, "note") == 0)
		return r == 'p' || r == 't';
	return false;
}

bool fuzz_staff_of(enum fuzz_user u, enum fuzz_conv c)
{
	return u < FU__COUNT && c < FC__COUNT && (rel_table[u][c] == 'p' || rel_table[u][c] == 't');
}

bool fuzz_pair_of(enum fuzz_user u, enum fuzz_conv c)
{
	return u < FU__COUNT && c < FC__COUNT && rel_table[u][c] == 'p';
}

enum fuzz_user fuzz_user_of(const struct fuzz_world *fw, int64_t id)
{
	for (int u = 0; u < FU__COUNT; u++)
		if (fw->uid[u] == id)
			return (enum fuzz_user)u;
	return FU__COUNT;
}

enum fuzz_conv fuzz_conv_of(const struct fuzz_world *fw, int64_t id)
{
	for (int c = 0; c < FC__COUNT; c++)
		if (fw->conv[c] == id)
			return (enum fuzz_conv)c;
	return FC__COUNT;
}

int fuzz_world_build(struct fuzz_world *fw, const char *path)
{
	memset(fw, 0, sizeof *fw);
	int err = world_build(&fw->w, path);
	if (err)
		return err;
	struct world *w = &fw->w;
	const int64_t ids[FU__COUNT] = {w->admin, w->anna,  w->bo,    w->carl,  w->dora,
	                                w->erik,  w->frida, w->mette, w->jonas, w->amina};
	memcpy(fw->uid, ids, sizeof ids);
	fw->conv[FC_A] = w->conv_a;
	fw->conv[FC_R] = w->conv_r;
	fw->conv[FC_B] = w->conv_b;
	fw->family[FC_A] = fw->family[FC_R] = w->fam_a;
	fw->family[FC_B] = w->fam_b;

	int64_t now = text_now_ms();
	if ((err = store_begin(w->s)) != ERR_OK)
		return err;
	for (int u = 0; u < FU__COUNT && err == ERR_OK; u++) {
		uint8_t hash[32];
		/* 64 hex digits: "000...0001" for admin, "000...0002" for anna, ... */
		snprintf(fw->token[u], sizeof fw->token[u], "%064d", u + 1);
		if (auth_token_hash(fw->token[u], hash) != 0) {
			err = ERR_INTERNAL;
			break;
		}
		if (fuzz_is_family((enum fuzz_user)u)) {
			char dev[32];
			snprintf(dev, sizeof dev, "%s phone", user_names[u]);
			err = store_device_insert(w->s, fw->uid[u], dev, now, &fw->device[u]);
			char code_hash[AUTH_INVITE_HASH_LEN + 1];
			if (err == ERR_OK && auth_invite_hash(invite_codes[u], code_hash) != 0)
				err = ERR_INTERNAL;
			if (err == ERR_OK)
				err = store_invite_insert(w->s, code_hash, fw->uid[u], w->anna, now,
				                          now + YEAR_MS);
			snprintf(fw->invite[u], sizeof fw->invite[u], "%s", invite_codes[u]);
		}
		if (err == ERR_OK)
			err = store_token_insert(w->s, hash, fw->uid[u], fw->device[u], now,
			                         now + YEAR_MS, NULL);
	}
	if (err) {
		store_rollback(w->s);
		return err;
	}
	return store_commit(w->s);
}
