/*
 * fuzz_world.h - the world the fuzz targets run in, and the rules they check
 * every answer against.
 *
 * The world is tests/unit/world.c's (two teams, two families, a restricted
 * conversation, every kind of user) plus what a client needs to get in:
 * a token for every user with a fixed, guessable text (fuzz_token_text), a
 * device for every family member, and an unused invite code per member.
 *
 * The oracle (fuzz_sees, fuzz_may_send) is written down here again from
 * DOMAIN.md and PROTOCOL.md, independently of core/perm, so a mistake in
 * perm or in the SQL that mirrors it shows up as a difference.
 */
#ifndef INDGANG_FUZZ_WORLD_H
#define INDGANG_FUZZ_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/unit/world.h"

enum fuzz_user {
	FU_ADMIN,
	FU_ANNA,  /* pair (primary) of A */
	FU_BO,    /* pair (secondary) of A */
	FU_CARL,  /* team of A */
	FU_DORA,  /* pair of B */
	FU_ERIK,  /* pair of B */
	FU_FRIDA, /* team of B */
	FU_METTE, /* member of A, default conversation only */
	FU_JONAS, /* member of A, default and restricted conversation */
	FU_AMINA, /* member of B */
	FU__COUNT
};

enum fuzz_conv { FC_A, FC_R, FC_B, FC__COUNT };

struct fuzz_world {
	struct world w;
	int64_t uid[FU__COUNT];
	int64_t conv[FC__COUNT];
	int64_t family[FC__COUNT]; /* the family of each conversation */
	int64_t device[FU__COUNT]; /* family members' devices; 0 for staff */
	char token[FU__COUNT][65];
	char invite[FU__COUNT][12]; /* members only */
};

/* Builds the world in the store at path and leaves w.s open. 0 on success. */
int fuzz_world_build(struct fuzz_world *fw, const char *path);
const char *fuzz_user_name(enum fuzz_user u);
/* FU__COUNT when id is none of the world's users. */
enum fuzz_user fuzz_user_of(const struct fuzz_world *fw, int64_t id);
/* FC__COUNT when id is none of the world's conversations. */
enum fuzz_conv fuzz_conv_of(const struct fuzz_world *fw, int64_t id);
bool fuzz_is_family(enum fuzz_user u);

/* May u see messages of kind ("text", "note", "system") in conversation c? */
bool fuzz_sees(enum fuzz_user u, enum fuzz_conv c, const char *kind);
/* May u send a message of kind into c? */
bool fuzz_may_send(enum fuzz_user u, enum fuzz_conv c, const char *kind);
/* Is u in c's family's pair or team (may read its log)? */
bool fuzz_staff_of(enum fuzz_user u, enum fuzz_conv c);
bool fuzz_pair_of(enum fuzz_user u, enum fuzz_conv c);

/* Prints what went wrong and aborts, so libFuzzer keeps the input. */
void fuzz_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
