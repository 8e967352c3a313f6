/*
 * test_mention.c - "@carl" in a note notifies Carl (issue 15), on a real
 * store: only colleagues who may read the note there (not another team's
 * adviser, not a family member, not the writer), only in notes, at most
 * one notification per colleague and conversation, e-mail addresses and
 * unknown names ignored.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "world.h"
#include "core/common/err.h"
#include "core/service/service_int.h"
#include "core/store/store_int.h"

#define T0 1796382000000LL

static struct world w;

/* A push subscription for each of these users, so a notification for
 * them is a queued row. */
static void subscribe(const char *username, int n)
{
	char sql[600];
	snprintf(sql, sizeof sql,
	         "INSERT INTO tokens(user_id, hash, created_at, expires_at) SELECT id, "
	         "X'%04x', 0, 9000000000000000 FROM users WHERE username = '%s';"
	         "INSERT INTO push_subscriptions(user_id, token_id, endpoint, p256dh, auth, "
	         "created_at) SELECT user_id, id, 'https://push.example/%s', 'k', 'a', 0 FROM "
	         "tokens WHERE hash = X'%04x'",
	         n, username, username, n);
	CHECK_EQ(sqlite3_exec(store_db(w.s), sql, NULL, NULL, NULL), SQLITE_OK);
}

static int64_t queued_for(const char *username)
{
	char sql[200];
	snprintf(sql, sizeof sql,
	         "SELECT count(*) FROM push_queue q JOIN users u ON u.id = q.user_id "
	         "WHERE u.username = '%s'",
	         username);
	return world_scalar(&w, sql);
}

static void send_as(int64_t who, enum msg_kind kind, const char *body)
{
	CHECK(world_send(&w, who, w.conv_a, kind, body, T0) > 0);
}

static void test_mentions(void)
{
	subscribe("carl", 1);
	subscribe("dora", 2);
	subscribe("anna", 3);
	/* A text names nobody: the family reads it, it is no note. */
	send_as(w.bo, KIND_TEXT, "Hej Mette, @carl ringer til dig");
	CHECK_EQ(queued_for("carl"), 0);
	/* An address whose domain is a username (an intranet's "kontor@carl")
	 * names nobody: an @ after a letter is an e-mail address's. */
	send_as(w.anna, KIND_NOTE, "Skolen skriver fra kontor@carl");
	CHECK_EQ(queued_for("carl"), 0);
	/* A note: Carl (team) is told; Dora (another team), an unknown name, an
	 * e-mail address and the writer herself are not. */
	send_as(w.anna, KIND_NOTE,
	        "@carl kan du ringe til skolen? Skriv til skole@dora.dk, "
	        "@dora og @ukendt ved det ikke. @anna.");
	CHECK_EQ(queued_for("carl"), 1);
	CHECK_EQ(queued_for("dora"), 0);
	CHECK_EQ(queued_for("anna"), 0);
	/* Named again in the same conversation: still one notification. */
	send_as(w.bo, KIND_NOTE, "@carl, også lægen.");
	CHECK_EQ(queued_for("carl"), 1);
	/* Bo names Anna at a sentence's end. */
	send_as(w.bo, KIND_NOTE, "Godt, @anna.");
	CHECK_EQ(queued_for("anna"), 1);
}

int main(void)
{
	CHECK_EQ(world_build(&w, ":memory:"), 0);
	test_mentions();
	world_free(&w);
	return check_report("test_mention");
}
