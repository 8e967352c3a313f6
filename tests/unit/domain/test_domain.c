/*
 * test_domain.c - the domain types (core/domain): the names of roles and
 * kinds and their parsing, and the growable lists.
 */
#define _GNU_SOURCE
#include "core/domain/domain.h"
#include "check.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- Names and lists ----------------------------------------------------------- */

static void test_names(void)
{
	enum role role;
	enum msg_kind kind;

	CHECK_STR(role_name(ROLE_FAMILY), "family");
	CHECK_STR(role_name(ROLE_ADVISER), "adviser");
	CHECK_STR(role_name(ROLE_ADMIN), "admin");
	CHECK_STR(msg_kind_name(KIND_TEXT), "text");
	CHECK_STR(msg_kind_name(KIND_NOTE), "note");
	CHECK_STR(msg_kind_name(KIND_SYSTEM), "system");
	CHECK(role_name((enum role)0) != NULL);
	CHECK(msg_kind_name((enum msg_kind)99) != NULL);

	CHECK_EQ(role_parse("adviser", &role), 0);
	CHECK_EQ(role, ROLE_ADVISER);
	CHECK_EQ(role_parse("admin", &role), 0);
	CHECK_EQ(role, ROLE_ADMIN);
	CHECK_EQ(role_parse("family", &role), 0);
	CHECK_EQ(role, ROLE_FAMILY);
	CHECK_EQ(role_parse("Admin", &role), -1);
	CHECK_EQ(role_parse("", &role), -1);
	CHECK_EQ(role_parse(NULL, &role), -1);
	CHECK_EQ(msg_kind_parse("note", &kind), 0);
	CHECK_EQ(kind, KIND_NOTE);
	CHECK_EQ(msg_kind_parse("system", &kind), 0);
	CHECK_EQ(kind, KIND_SYSTEM);
	CHECK_EQ(msg_kind_parse("text", &kind), 0);
	CHECK_EQ(kind, KIND_TEXT);
	CHECK_EQ(msg_kind_parse("texts", &kind), -1);
}

static void test_lists(void)
{
	struct msg_list ml = {0};
	struct conv_list cl = {0};
	struct log_list ll = {0};
	bool zeroed = true;

	for (int i = 0; i < 1000; i++) {
		struct msg *m = msg_list_push(&ml);
		CHECK(m != NULL);
		zeroed = zeroed && m->id == 0 && m->body == NULL && m->client_id[0] == '\0';
		m->id = i + 1;
		m->body = strdup("b");
	}
	CHECK(zeroed);
	CHECK_EQ(ml.n, 1000);
	CHECK(ml.cap >= 1000 && ml.cap < 4000);
	CHECK_EQ(ml.v[999].id, 1000);
	msg_clear(&ml.v[3]);
	CHECK(ml.v[3].body == NULL);
	msg_list_free(&ml);
	CHECK(ml.v == NULL && ml.n == 0 && ml.cap == 0);
	msg_list_free(&ml);

	for (int i = 0; i < 20; i++) {
		struct conv *c = conv_list_push(&cl);
		CHECK(c != NULL && c->members == NULL && c->n_members == 0);
		c->members = calloc(3, sizeof(*c->members));
		c->n_members = 3;
	}
	CHECK_EQ(cl.n, 20);
	conv_list_free(&cl);
	CHECK(cl.v == NULL && cl.n == 0);

	for (int i = 0; i < 20; i++) {
		struct log_entry *e = log_list_push(&ll);
		CHECK(e != NULL && e->detail == NULL);
		e->detail = strdup("d");
	}
	CHECK_EQ(ll.n, 20);
	log_list_free(&ll);
	CHECK(ll.v == NULL && ll.n == 0);
}

int main(void)
{
	test_names();
	test_lists();
	return check_report("domain");
}
