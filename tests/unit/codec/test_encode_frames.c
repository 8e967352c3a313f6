/*
 * test_encode_frames.c - the codec's server frames (core/codec,
 * codec_encode.c): the welcome, messages, receipts, pong, errors and the
 * "conversation" frame, each parsed back with jansson and compact.
 */
#define _GNU_SOURCE
#include "codec_test.h"

static void fill_msg(struct msg *m, int64_t id, enum msg_kind kind, const char *body)
{
	m->id = id;
	m->conv = 4;
	m->family = 2;
	m->sender = (struct user_ref){.id = 9, .role = ROLE_ADVISER};
	strcpy(m->sender.name, "Anna J" AE "nsen");
	m->kind = kind;
	m->body = strdup(body);
	strcpy(m->client_id, "cid-" AE);
	m->created_at = TS_MS;
}

static void check_msg(const json_t *j, int64_t id, const char *kind, const char *body)
{
	CHECK(json_is_object(j));
	CHECK_EQ(json_object_size(j), 8);
	CHECK_EQ(jint(j, "id"), id);
	CHECK_EQ(jint(j, "conv"), 4);
	CHECK_EQ(jint(j, "family"), 2);
	check_user(json_object_get(j, "sender"), 9, "Anna J" AE "nsen", "adviser");
	CHECK_STR(jstr(j, "kind"), kind);
	CHECK_STR(jstr(j, "body"), body);
	CHECK_STR(jstr(j, "client_id"), "cid-" AE);
	CHECK_STR(jstr(j, "created_at"), TS_TXT);
}

static void fill_conv(struct conv *c)
{
	c->id = 4;
	c->family_id = 2;
	strcpy(c->family_name, "Familien Hansen");
	strcpy(c->title, "Familien Hansen " AE);
	c->members = calloc(2, sizeof(*c->members));
	c->n_members = 2;
	c->members[0] = (struct user_ref){.id = 5, .name = "Mette Hansen", .role = ROLE_FAMILY};
	c->members[1] = (struct user_ref){.id = 9, .name = "Anna", .role = ROLE_ADVISER};
	c->primary_id = 9;
	c->secondary_id = 10;
	c->reads = calloc(1, sizeof(*c->reads));
	c->n_reads = 1;
	c->reads[0] = (struct read_pos){.user = c->members[1], .upto = 70, .at = 1795428930123};
	c->deliveries = calloc(1, sizeof(*c->deliveries));
	c->n_deliveries = 1;
	c->deliveries[0] = (struct delivery_pos){.user = c->members[0],
	                                         .delivered_upto = 77,
	                                         .delivered_at = 1795428930123,
	                                         .device = "Mettes telefon"};
	c->last_id = 77;
	c->read_upto = 70;
	c->unread = 7;
	c->answer_minutes = 450;
}

static void check_conv(const json_t *j)
{
	const json_t *fam = json_object_get(j, "family"), *mem = json_object_get(j, "members");
	CHECK(json_is_object(j));
	CHECK_EQ(json_object_size(j), 14); /* no waiting state: not a staff view */
	CHECK_EQ(json_array_size(json_object_get(j, "away")), 0);
	CHECK_EQ(jint(j, "answer_minutes"), 450);
	CHECK(json_is_null(json_object_get(j, "last")));
	CHECK_EQ(jint(j, "id"), 4);
	CHECK_EQ(jint(fam, "id"), 2);
	CHECK_STR(jstr(fam, "name"), "Familien Hansen");
	CHECK_STR(jstr(j, "title"), "Familien Hansen " AE);
	CHECK(json_is_array(mem) && json_array_size(mem) == 2);
	check_user(json_array_get(mem, 0), 5, "Mette Hansen", "family");
	check_user(json_array_get(mem, 1), 9, "Anna", "adviser");
	CHECK_EQ(jint(j, "primary"), 9);
	CHECK_EQ(jint(j, "secondary"), 10);
	const json_t *reads = json_object_get(j, "reads");
	CHECK(json_is_array(reads) && json_array_size(reads) == 1);
	const json_t *r0 = json_array_get(reads, 0);
	check_user(json_object_get(r0, "user"), 9, "Anna", "adviser");
	CHECK_EQ(jint(r0, "upto"), 70);
	CHECK_STR(jstr(r0, "at"), "2026-11-23T10:15:30.123Z");
	/* How far the family's messages reached them (for staff): delivered to
	 * a named phone, never notified yet (null, not a zero). */
	const json_t *dl = json_object_get(j, "deliveries");
	CHECK(json_is_array(dl) && json_array_size(dl) == 1);
	const json_t *d0 = json_array_get(dl, 0), *got = json_object_get(d0, "delivered");
	check_user(json_object_get(d0, "user"), 5, "Mette Hansen", "family");
	CHECK_EQ(jint(got, "upto"), 77);
	CHECK_STR(jstr(got, "device"), "Mettes telefon");
	CHECK_STR(jstr(got, "at"), "2026-11-23T10:15:30.123Z");
	CHECK(json_is_null(json_object_get(d0, "notified")));
	CHECK_EQ(jint(j, "last_id"), 77);
	CHECK_EQ(jint(j, "read_upto"), 70);
	CHECK_EQ(jint(j, "unread"), 7);
}

static const struct user_ref mette = {.id = 5, .name = "Mette " AE, .role = ROLE_FAMILY};

static void test_encode_welcome(void)
{
	struct conv_list cl = {0};
	char *out;
	json_t *j;

	fill_conv(conv_list_push(&cl));
	out = codec_encode_welcome(&mette, TS_MS, 77, &cl);
	check_compact(out);
	CHECK(strstr(out, "Mette " AE) != NULL);
	j = parse(out);
	CHECK_STR(jstr(j, "type"), "welcome");
	CHECK(json_object_get(j, "ref") == NULL);
	check_user(json_object_get(j, "user"), 5, "Mette " AE, "family");
	CHECK_STR(jstr(j, "server_time"), TS_TXT);
	CHECK_EQ(jint(j, "last_id"), 77);
	CHECK_EQ(json_array_size(json_object_get(j, "conversations")), 1);
	check_conv(json_array_get(json_object_get(j, "conversations"), 0));
	json_decref(j);
	free(out);

	/* An admin sees no conversations: an empty array, not a missing one. */
	out = codec_encode_welcome(&mette, 0, 0, NULL);
	j = parse(out);
	CHECK(json_is_array(json_object_get(j, "conversations")));
	CHECK_EQ(json_array_size(json_object_get(j, "conversations")), 0);
	CHECK_STR(jstr(j, "server_time"), "1970-01-01T00:00:00.000Z");
	json_decref(j);
	free(out);

	out = codec_encode_me(&mette, &cl, 1795428930123, 0);
	check_compact(out);
	j = parse(out);
	CHECK_EQ(json_object_size(j), 3);
	check_user(json_object_get(j, "user"), 5, "Mette " AE, "family");
	/* When this sign-in ends (a phone's slides with use): the app can say so in time. */
	const json_t *session = json_object_get(j, "session");
	CHECK_STR(jstr(session, "expires_at"), "2026-11-23T10:15:30.123Z");
	CHECK(json_is_null(json_object_get(session, "idle_until")));
	check_conv(json_array_get(json_object_get(j, "conversations"), 0));
	json_decref(j);
	free(out);

	out = codec_encode_conv(&cl.v[0]);
	check_compact(out);
	j = parse(out);
	check_conv(j);
	json_decref(j);
	free(out);
	conv_list_free(&cl);
}

static void test_encode_messages(void)
{
	struct msg_list ml = {0};
	char *out;
	json_t *j, *a;

	fill_msg(msg_list_push(&ml), 10, KIND_TEXT, "Hej \"du\"\n" BEH);
	fill_msg(msg_list_push(&ml), 11, KIND_NOTE, "intern note");
	fill_msg(msg_list_push(&ml), 12, KIND_SYSTEM, "joined");

	out = codec_encode_ack("r1", "cid-" AE, &ml.v[0]);
	check_compact(out);
	j = parse(out);
	CHECK_STR(jstr(j, "type"), "ack");
	CHECK_STR(jstr(j, "ref"), "r1");
	CHECK_STR(jstr(j, "client_id"), "cid-" AE);
	check_msg(json_object_get(j, "message"), 10, "text", "Hej \"du\"\n" BEH);
	json_decref(j);
	free(out);

	out = codec_encode_ack(NULL, "cid-" AE, &ml.v[1]);
	j = parse(out);
	CHECK(json_object_get(j, "ref") == NULL);
	CHECK_EQ(json_object_size(j), 3);
	check_msg(json_object_get(j, "message"), 11, "note", "intern note");
	json_decref(j);
	free(out);

	out = codec_encode_messages("sy", &ml, true);
	check_compact(out);
	j = parse(out);
	CHECK_STR(jstr(j, "type"), "messages");
	CHECK_STR(jstr(j, "ref"), "sy");
	CHECK(json_is_true(json_object_get(j, "more")));
	a = json_object_get(j, "messages");
	CHECK_EQ(json_array_size(a), 3);
	check_msg(json_array_get(a, 1), 11, "note", "intern note");
	check_msg(json_array_get(a, 2), 12, "system", "joined");
	json_decref(j);
	free(out);

	out = codec_encode_messages(NULL, NULL, false);
	CHECK_STR(out, "{\"type\":\"messages\",\"messages\":[],\"more\":false}");
	free(out);

	out = codec_encode_message(&ml.v[0]);
	j = parse(out);
	CHECK_STR(jstr(j, "type"), "message");
	CHECK_EQ(json_object_size(j), 2);
	check_msg(json_object_get(j, "message"), 10, "text", "Hej \"du\"\n" BEH);
	json_decref(j);
	free(out);

	out = codec_encode_http_messages(&ml, false);
	j = parse(out);
	CHECK_EQ(json_object_size(j), 2);
	CHECK(json_is_false(json_object_get(j, "more")));
	check_msg(json_array_get(json_object_get(j, "messages"), 0), 10, "text",
	          "Hej \"du\"\n" BEH);
	json_decref(j);
	free(out);
	msg_list_free(&ml);
}

static void test_encode_small_frames(void)
{
	char *out;
	json_t *j;

	out = codec_encode_receipt("rr", 4, &mette, 17, TS_MS);
	check_compact(out);
	j = parse(out);
	CHECK_STR(jstr(j, "type"), "receipt");
	CHECK_STR(jstr(j, "ref"), "rr");
	CHECK_EQ(jint(j, "conv"), 4);
	check_user(json_object_get(j, "user"), 5, "Mette " AE, "family");
	CHECK_EQ(jint(j, "upto"), 17);
	CHECK_STR(jstr(j, "at"), TS_TXT);
	json_decref(j);
	free(out);
	out = codec_encode_receipt(NULL, 4, &mette, 17, TS_MS);
	j = parse(out);
	CHECK(json_object_get(j, "ref") == NULL);
	json_decref(j);
	free(out);

	out = codec_encode_error("e1", ERR_TOO_LARGE, "too long");
	CHECK_STR(
	    out,
	    "{\"type\":\"error\",\"ref\":\"e1\",\"code\":\"too_large\",\"message\":\"too long\"}");
	free(out);
	out = codec_encode_error(NULL, ERR_BAD_REQUEST, NULL);
	j = parse(out);
	CHECK(json_object_get(j, "ref") == NULL);
	CHECK_STR(jstr(j, "code"), "bad_request");
	CHECK_STR(jstr(j, "message"), err_message(ERR_BAD_REQUEST));
	json_decref(j);
	free(out);

	out = codec_encode_pong("p1");
	CHECK_STR(out, "{\"type\":\"pong\",\"ref\":\"p1\"}");
	free(out);
	out = codec_encode_pong(NULL);
	CHECK_STR(out, "{\"type\":\"pong\"}");
	free(out);
	/* A ref with characters that need escaping round-trips. */
	out = codec_encode_pong("a\"b\\c" AE);
	j = parse(out);
	CHECK_STR(jstr(j, "ref"), "a\"b\\c" AE);
	json_decref(j);
	free(out);
}

/* The additions: a "conversation" frame and the family's device list. */
static void test_encode_additions(void)
{
	struct conv c = {0};
	fill_conv(&c);
	char *out = codec_encode_conversation(&c);
	json_t *j = parse(out);
	CHECK_STR(jstr(j, "type"), "conversation");
	CHECK(json_object_get(j, "ref") == NULL);
	check_conv(json_object_get(j, "conversation"));
	json_decref(j);
	free(out);
	conv_clear(&c);

	struct device_list l = {0};
	struct device_entry *d = device_list_push(&l);
	CHECK(d != NULL);
	d->id = 3;
	strcpy(d->name, "Mettes telefon");
	d->user = (struct user_ref){.id = 5, .name = "Mette Hansen", .role = ROLE_FAMILY};
	d->created_at = 1795428930123;
	d = device_list_push(&l);
	d->id = 4;
	strcpy(d->name, "gammel");
	d->user = l.v[0].user;
	d->created_at = 1795428930123;
	d->revoked_at = 1795428930124;
	out = codec_encode_devices(&l);
	j = parse(out);
	const json_t *a = json_object_get(j, "devices");
	CHECK(json_is_array(a) && json_array_size(a) == 2);
	CHECK_EQ(jint(json_array_get(a, 0), "id"), 3);
	CHECK(json_is_null(json_object_get(json_array_get(a, 0), "revoked_at")));
	CHECK_STR(jstr(json_array_get(a, 1), "revoked_at"), "2026-11-23T10:15:30.124Z");
	check_user(json_object_get(json_array_get(a, 1), "user"), 5, "Mette Hansen", "family");
	json_decref(j);
	free(out);
	device_list_free(&l);
}

/* Issue 15: CONV.last, a staff view's waiting and answered, and the
 * "waiting" frame with them. */
static void test_encode_waiting(void)
{
	struct conv c = {0};
	fill_conv(&c);
	c.last = (struct conv_last){.id = 77,
	                            .sender = c.members[0],
	                            .kind = KIND_TEXT,
	                            .preview = "Hej " AE,
	                            .at = 1795428930123};
	c.staff_view = true;
	c.waiting = (struct conv_waiting){.from = 75, .since = 1795428930120};
	char *out = codec_encode_conv(&c);
	json_t *j = parse(out);
	CHECK_EQ(json_object_size(j), 17);
	CHECK(json_is_null(json_object_get(j, "met_at")));
	const json_t *last = json_object_get(j, "last"), *w = json_object_get(j, "waiting");
	CHECK_EQ(jint(last, "id"), 77);
	CHECK_STR(jstr(last, "kind"), "text");
	CHECK_STR(jstr(last, "preview"), "Hej " AE);
	CHECK_STR(jstr(last, "at"), "2026-11-23T10:15:30.123Z");
	CHECK_EQ(jint(json_object_get(last, "sender"), "id"), c.members[0].id);
	CHECK_EQ(json_object_size(w), 2);
	CHECK_EQ(jint(w, "from"), 75);
	CHECK_STR(jstr(w, "since"), "2026-11-23T10:15:30.120Z");
	CHECK(json_is_null(json_object_get(j, "answered")));
	json_decref(j);
	free(out);

	struct conv_waiting st = {
	    .how = ANSWER_HANDLED, .by = c.members[1], .at = 1795428930124, .upto = 77};
	out = codec_encode_waiting("r-9", 4, &st);
	j = parse(out);
	CHECK_STR(jstr(j, "type"), "waiting");
	CHECK_STR(jstr(j, "ref"), "r-9");
	CHECK_EQ(jint(j, "conv"), 4);
	CHECK(json_is_null(json_object_get(j, "waiting")));
	const json_t *a = json_object_get(j, "answered");
	CHECK_STR(jstr(a, "how"), "handled");
	CHECK_EQ(jint(a, "upto"), 77);
	CHECK_STR(jstr(a, "at"), "2026-11-23T10:15:30.124Z");
	CHECK_EQ(jint(json_object_get(a, "by"), "id"), c.members[1].id);
	json_decref(j);
	free(out);
	out = codec_encode_answering(NULL, 4, &c.members[1], 0);
	j = parse(out);
	CHECK_STR(jstr(j, "type"), "answering");
	CHECK(json_is_null(json_object_get(j, "until")));
	CHECK_EQ(jint(json_object_get(j, "user"), "id"), c.members[1].id);
	json_decref(j);
	free(out);
	out = codec_encode_waiting(NULL, 4, &st);
	j = parse(out);
	CHECK(json_object_get(j, "ref") == NULL);
	json_decref(j);
	free(out);
	conv_clear(&c);
}

int main(void)
{
	test_encode_welcome();
	test_encode_messages();
	test_encode_small_frames();
	test_encode_additions();
	test_encode_waiting();
	return check_report("codec: encode frames");
}
