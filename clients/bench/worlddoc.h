/*
 * worlddoc.h - the benchmark's world as provisioning documents: the import
 * document it writes, what `indgang-admin import` answers, and a world file
 * to find the same world again later (the history database).  No
 * libwebsockets here: the database generator links this file too.
 *
 * The world: F families with one member each, and A advisers in A/2 teams of
 * two.  Family i belongs to team i % (A/2), whose two advisers are its pair,
 * so every message of a family reaches exactly its two advisers (a team
 * member outside the pair would read along too), and one adviser serves
 * about 2F/A families.
 */
#ifndef INDGANG_BENCH_WORLDDOC_H
#define INDGANG_BENCH_WORLDDOC_H

#include <stddef.h>
#include <stdint.h>

#define WORLD_TOKEN_MAX 96

struct world_fam {
	int64_t id, conv, member;
	int adv[2]; /* indices into world.adv: primary, secondary */
	char invite[16];
	char token[WORLD_TOKEN_MAX];
};

struct world_adv {
	int64_t id;
	char username[48];
	char token[WORLD_TOKEN_MAX];
};

struct world {
	char tag[32];      /* makes names unique in a database used twice */
	char password[48]; /* every adviser's */
	int n_fam, n_adv;
	struct world_fam *fam;
	struct world_adv *adv;
};

/* Writes the import document for families and advisers (even, >= 2), runs
 * `admin --db db import FILE` and reads the ids and invite codes it prints.
 * On failure returns -1 with a reason in err. */
int worlddoc_import(const char *admin, const char *db, int families, int advisers, struct world *w,
                    char *err, size_t errcap);
int worlddoc_save(const struct world *w, const char *path);
int worlddoc_load(struct world *w, const char *path, char *err, size_t errcap);
void world_free(struct world *w);

/* Runs argv[0] (a path) with argv, stdout captured into *out (malloc'd,
 * NUL-terminated); the exit status, or -1 when it could not run. */
int run_capture(char *const argv[], char **out);

#endif
