/*
 * fuzz_frame.c - libFuzzer target "frame": client WebSocket frames through
 * the codec and a real hub.
 *
 * Setup (once): the fuzz world in a database file under $FUZZ_TMPDIR (default
 * /dev/shm, so the writer's fsyncs are cheap), a real hub (writer thread,
 * HTTP workers) on it, and one authenticated "observer" session per user of
 * the world, driven through a fake transport as the gateway would drive it.
 *
 * Input: byte 0 chooses the acting user (low 4 bits, mod 10), whether the
 * actor's session starts authenticated (bit 4 clear) or must send an "auth"
 * frame itself, and whether its 10 s deadline fires at the end (bit 5).
 * The rest is split at 0xFF bytes (never part of valid UTF-8, so no real
 * frame contains one) into text frames for session_input().
 *
 * Each frame is first decoded with codec_decode_frame() alone and the result
 * checked against the contract's limits.  Then every frame is fed to a fresh
 * actor session, the writer is allowed to commit everything, and every frame
 * that every session (actor and observers) received is checked against the
 * rules of DOMAIN.md (fuzz_world.c):
 *   - each server frame is one JSON object of a known type;
 *   - no user receives a message or receipt of a conversation they may not
 *     see, and no family member ever receives a note;
 *   - an ack is for the actor's own message, which the actor may send;
 *   - every new message reaches exactly once every observer who may see it
 *     (and nobody else); a resend (same client_id) reaches nobody;
 *   - no answer is ever an "internal" error.
 * A violation aborts, so libFuzzer saves the input.
 */
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/codec/codec.h"
#include "core/common/err.h"
#include "core/common/text.h"
#include "core/session/session_int.h"
#include "fuzz_world.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADROOM    16
#define MAX_NEW     4096 /* new messages tracked per input */
#define MAX_FRAMES  64   /* frames per input; the rest is ignored */
#define OBSERVERS   FU__COUNT
#define PRUNE_EVERY 2000 /* inputs between prunings of old messages */
#define PRUNE_KEEP  2000 /* newest messages kept */

struct transport {
	int index; /* observer index, or -1 for the actor */
	bool wants_write;
};

static struct fuzz_world fw;
static struct hub *hub;
static struct session *observer[OBSERVERS];
static struct transport obs_tp[OBSERVERS];
static struct transport actor_tp = {.index = -1};
static int64_t max_seen_id; /* the highest message id any session has seen */
/* Who the actor is: known at once when it starts signed in, else from its welcome. */
static enum fuzz_user actor_user;
static bool actor_unknown;

static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv = PTHREAD_COND_INITIALIZER;
static bool woken;

static void hook_wake(void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&wake_mu);
	woken = true;
	pthread_cond_signal(&wake_cv);
	pthread_mutex_unlock(&wake_mu);
}

static void hook_want_write(void *transport)
{
	((struct transport *)transport)->wants_write = true;
}

/* Lets the writer finish every job handed to it, applying results. */
static void settle(void)
{
	for (;;) {
		hub_drain(hub);
		if (hub->inflight == 0)
			return;
		pthread_mutex_lock(&wake_mu);
		if (!woken) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&wake_cv, &wake_mu, &ts);
		}
		woken = false;
		pthread_mutex_unlock(&wake_mu);
	}
}

/* ---- What the sessions received ------------------------------------------- */

struct seen_msg {
	int64_t id;
	enum fuzz_conv conv;
	char kind[8];
	unsigned got_by; /* bit per observer */
	bool acked;
};

static struct seen_msg news[MAX_NEW];
static size_t n_news;

static struct seen_msg *new_msg(int64_t id)
{
	for (size_t i = 0; i < n_news; i++)
		if (news[i].id == id)
			return &news[i];
	if (n_news == MAX_NEW)
		fuzz_die("more than %d new messages in one input", MAX_NEW);
	struct seen_msg *m = &news[n_news++];
	memset(m, 0, sizeof *m);
	m->id = id;
	m->conv = FC__COUNT;
	return m;
}

static const char *str_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int64_t int_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* A MSG as user u may receive it; returns its conversation. */
static enum fuzz_conv check_msg(enum fuzz_user u, const json_t *m, const char *what)
{
	if (!json_is_object(m))
		fuzz_die("%s to %s: MSG is not an object", what, fuzz_user_name(u));
	int64_t id = int_of(m, "id"), conv = int_of(m, "conv"), family = int_of(m, "family");
	const char *kind = str_of(m, "kind"), *body = str_of(m, "body"),
	           *cid = str_of(m, "client_id"), *at = str_of(m, "created_at");
	enum fuzz_conv c = fuzz_conv_of(&fw, conv);
	if (id <= 0 || c == FC__COUNT || !kind || !body || !cid || !at)
		fuzz_die("%s to %s: malformed MSG (id %lld conv %lld)", what, fuzz_user_name(u),
		         (long long)id, (long long)conv);
	if (family != fw.family[c])
		fuzz_die("%s to %s: message %lld of conv %lld says family %lld", what,
		         fuzz_user_name(u), (long long)id, (long long)conv, (long long)family);
	if (!fuzz_sees(u, c, kind))
		fuzz_die("%s: %s received message %lld (%s) of conv %lld, which they may not see",
		         what, fuzz_user_name(u), (long long)id, kind, (long long)conv);
	size_t blen = strlen(body), cps = text_utf8_count(body, blen);
	if (cps == 0 || cps > DOMAIN_BODY_MAX || !text_utf8_valid(body, blen))
		fuzz_die("%s: message %lld has a body of %zu code points", what, (long long)id,
		         cps);
	size_t clen = strlen(cid);
	if (clen == 0 || text_utf8_count(cid, clen) > DOMAIN_CLIENT_ID_MAX)
		fuzz_die("%s: message %lld has a client_id of %zu bytes", what, (long long)id,
		         clen);
	if (strlen(at) != 24 || at[23] != 'Z')
		fuzz_die("%s: message %lld created_at \"%s\"", what, (long long)id, at);
	return c;
}

static const char *const error_codes[] = {
    "bad_request", "unauthorized", "forbidden",    "not_found",   "conflict",
    "gone",        "too_large",    "rate_limited", "unavailable", NULL,
};

/* One frame out of the outbox of a session of user u (observer index obs, or -1). */
static void check_frame(enum fuzz_user u, int obs, const unsigned char *data, size_t len)
{
	if (obs < 0 && !actor_unknown)
		u = actor_user;
	json_error_t jerr;
	json_t *o = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o))
		fuzz_die("%s got a frame that is not a JSON object: %.*s", fuzz_user_name(u),
		         (int)(len > 300 ? 300 : len), data);
	const char *type = str_of(o, "type");
	const char *who = fuzz_user_name(u);
	if (type == NULL)
		fuzz_die("%s got a frame without type", who);
	/* What others' frames bring an observer: messages, receipts, and (issue 15)
	 * the staff's waiting and answering frames and corrected messages. */
	static const char *const observed[] = {"message",   "receipt", "waiting",
	                                       "answering", "changed", NULL};
	bool observable = false;
	for (size_t i = 0; observed[i]; i++)
		observable |= strcmp(type, observed[i]) == 0;
	if (obs >= 0 && !observable)
		fuzz_die("observer %s got a '%s' frame, though it sent nothing", who, type);

	if (strcmp(type, "message") == 0) {
		const json_t *m = json_object_get(o, "message");
		enum fuzz_conv c = check_msg(u, m, "push");
		int64_t id = int_of(m, "id");
		if (obs < 0)
			fuzz_die("the actor's own connection got its message %lld pushed",
			         (long long)id);
		if (id <= max_seen_id)
			fuzz_die("observer %s got message %lld again (a resend was delivered)", who,
			         (long long)id);
		struct seen_msg *s = new_msg(id);
		if (s->got_by & (1u << obs))
			fuzz_die("observer %s got message %lld twice", who, (long long)id);
		s->got_by |= 1u << obs;
		s->conv = c;
		snprintf(s->kind, sizeof s->kind, "%s", str_of(m, "kind"));
	} else if (strcmp(type, "ack") == 0) {
		const json_t *m = json_object_get(o, "message");
		enum fuzz_conv c = check_msg(u, m, "ack");
		const char *kind = str_of(m, "kind");
		int64_t sender = int_of(json_object_get(m, "sender"), "id");
		if (sender != fw.uid[u])
			fuzz_die("%s got an ack for a message of user %lld", who,
			         (long long)sender);
		if (!fuzz_may_send(u, c, kind))
			fuzz_die("%s got an ack for a %s in conv %d, which they may not send", who,
			         kind, (int)c);
		const char *cid = str_of(o, "client_id");
		if (!cid || strcmp(cid, str_of(m, "client_id")) != 0)
			fuzz_die("%s: ack.client_id differs from its message's", who);
		int64_t id = int_of(m, "id");
		if (id > max_seen_id) {
			struct seen_msg *s = new_msg(id);
			s->acked = true;
			s->conv = c;
			snprintf(s->kind, sizeof s->kind, "%s", kind);
		}
	} else if (strcmp(type, "messages") == 0) {
		const json_t *l = json_object_get(o, "messages"), *m;
		size_t i;
		if (!json_is_array(l) || !json_is_boolean(json_object_get(o, "more")))
			fuzz_die("%s: malformed 'messages' frame", who);
		if (json_array_size(l) > CODEC_SYNC_LIMIT_MAX)
			fuzz_die("%s: 'messages' with %zu messages", who, json_array_size(l));
		int64_t prev = 0;
		json_array_foreach(l, i, m)
		{
			check_msg(u, m, "sync/history");
			if (int_of(m, "id") <= prev)
				fuzz_die("%s: 'messages' not in ascending id order", who);
			prev = int_of(m, "id");
		}
	} else if (strcmp(type, "waiting") == 0 || strcmp(type, "answering") == 0) {
		enum fuzz_conv c = fuzz_conv_of(&fw, int_of(o, "conv"));
		if (c == FC__COUNT || !fuzz_sees(u, c, "note"))
			fuzz_die("%s got a '%s' frame of conv %lld, which only its staff may see",
			         who, type, (long long)int_of(o, "conv"));
	} else if (strcmp(type, "changed") == 0) {
		check_msg(u, json_object_get(o, "message"), "changed");
	} else if (strcmp(type, "receipt") == 0) {
		enum fuzz_conv c = fuzz_conv_of(&fw, int_of(o, "conv"));
		if (c == FC__COUNT || !fuzz_sees(u, c, "text"))
			fuzz_die("%s got a receipt of conv %lld, which they may not see", who,
			         (long long)int_of(o, "conv"));
	} else if (strcmp(type, "welcome") == 0) {
		const json_t *l = json_object_get(o, "conversations"), *cv;
		size_t i;
		unsigned got = 0, want = 0;
		if (obs < 0 && actor_unknown) {
			/* signed in by an "auth" frame: with whichever token it sent */
			u = actor_user =
			    fuzz_user_of(&fw, int_of(json_object_get(o, "user"), "id"));
			actor_unknown = false;
			if (u == FU__COUNT)
				fuzz_die("a welcome for a user who is not in the world");
			who = fuzz_user_name(u);
		}
		if (int_of(json_object_get(o, "user"), "id") != fw.uid[u])
			fuzz_die("%s got the welcome of another user", who);
		json_array_foreach(l, i, cv)
		{
			enum fuzz_conv c = fuzz_conv_of(&fw, int_of(cv, "id"));
			if (c == FC__COUNT || !fuzz_sees(u, c, "text"))
				fuzz_die("%s's welcome lists conv %lld", who,
				         (long long)int_of(cv, "id"));
			got |= 1u << c;
		}
		for (int c = 0; c < FC__COUNT; c++)
			if (fuzz_sees(u, (enum fuzz_conv)c, "text"))
				want |= 1u << c;
		if (got != want)
			fuzz_die("%s's welcome lists conversations %#x, should be %#x", who, got,
			         want);
	} else if (strcmp(type, "error") == 0) {
		const char *code = str_of(o, "code");
		bool known = false;
		for (size_t i = 0; code && error_codes[i]; i++)
			known |= strcmp(code, error_codes[i]) == 0;
		if (!known || !str_of(o, "message"))
			fuzz_die("%s got error code %s", who, code ? code : "(none)");
	} else if (strcmp(type, "pong") != 0) {
		fuzz_die("%s got a frame of unknown type '%s'", who, type);
	}
	json_decref(o);
}

/* Reads and checks everything queued for s; true when s wants to close. */
static bool drain_session(struct session *s, enum fuzz_user u, int obs)
{
	const unsigned char *data;
	size_t len;
	while ((data = outbox_next_frame(s, &len)) != NULL) {
		check_frame(u, obs, data, len);
		outbox_frame_done(s);
	}
	int code;
	const char *reason;
	return session_close_pending(s, &code, &reason);
}

static void open_observer(int u)
{
	observer[u] = session_open(hub, &obs_tp[u], "127.0.0.2");
	if (observer[u] == NULL || session_auth_token(observer[u], fw.token[u]) != ERR_OK)
		fuzz_die("observer %s cannot sign in", fuzz_user_name((enum fuzz_user)u));
	settle(); /* the welcome is built on the hub's reader thread */
	/* the welcome is checked like any frame, as if sent to an actor */
	actor_user = (enum fuzz_user)u;
	actor_unknown = false;
	const unsigned char *data;
	size_t len;
	while ((data = outbox_next_frame(observer[u], &len)) != NULL) {
		check_frame((enum fuzz_user)u, -1, data, len);
		outbox_frame_done(observer[u]);
	}
}

/* ---- The codec alone ------------------------------------------------------- */

static void check_decoded(const struct frame *f, int err, const char *why)
{
	if (err != ERR_OK) {
		if (err != ERR_BAD_REQUEST && err != ERR_TOO_LARGE)
			fuzz_die("codec_decode_frame returned %s", err_code(err));
		if (why == NULL)
			fuzz_die("codec_decode_frame failed without an explanation");
		if (err == ERR_TOO_LARGE && f->type != FRAME_SEND)
			fuzz_die("too_large for a frame that is not a send");
	}
	if (f->has_ref) {
		size_t n = strlen(f->ref);
		if (!text_utf8_valid(f->ref, n) || text_utf8_count(f->ref, n) > CODEC_REF_MAX)
			fuzz_die("decoded ref of %zu bytes", n);
	}
	if (err != ERR_OK)
		return;
	switch (f->type) {
	case FRAME_AUTH:
		if (f->u.auth.token == NULL || f->u.auth.token[0] == '\0')
			fuzz_die("auth decoded without a token");
		break;
	case FRAME_SEND: {
		size_t n = strlen(f->u.send.body), c = strlen(f->u.send.client_id);
		if (f->u.send.conv <= 0 || n == 0 ||
		    text_utf8_count(f->u.send.body, n) > DOMAIN_BODY_MAX ||
		    !text_utf8_valid(f->u.send.body, n))
			fuzz_die("send decoded with conv %lld and a body of %zu bytes",
			         (long long)f->u.send.conv, n);
		size_t start, tl;
		text_trim(f->u.send.body, n, &start, &tl);
		if (start != 0 || tl != n)
			fuzz_die("send body decoded untrimmed");
		if (c == 0 || text_utf8_count(f->u.send.client_id, c) > DOMAIN_CLIENT_ID_MAX)
			fuzz_die("send decoded with a client_id of %zu bytes", c);
		if (f->u.send.kind != KIND_TEXT && f->u.send.kind != KIND_NOTE)
			fuzz_die("send decoded with kind %d", f->u.send.kind);
		break;
	}
	case FRAME_SYNC:
		if (f->u.sync.after < 0 || f->u.sync.limit < 1 ||
		    f->u.sync.limit > CODEC_SYNC_LIMIT_MAX)
			fuzz_die("sync decoded with after %lld limit %d",
			         (long long)f->u.sync.after, f->u.sync.limit);
		break;
	case FRAME_HISTORY:
		if (f->u.history.conv <= 0 || f->u.history.before < 0 || f->u.history.limit < 1 ||
		    f->u.history.limit > CODEC_SYNC_LIMIT_MAX)
			fuzz_die("history decoded out of range");
		break;
	case FRAME_READ:
	case FRAME_DELIVERED:
	case FRAME_HANDLED:
		if (f->u.pos.conv <= 0 || f->u.pos.upto < 0)
			fuzz_die("a position decoded out of range");
		break;
	case FRAME_CORRECT:
		if (f->u.change.id <= 0 || f->u.change.body == NULL || f->u.change.body[0] == '\0')
			fuzz_die("correct decoded without an id or a body");
		break;
	case FRAME_WITHDRAW:
		if (f->u.change.id <= 0 || f->u.change.body != NULL)
			fuzz_die("withdraw decoded with a body or no id");
		break;
	case FRAME_ANSWERING:
		if (f->u.answering.conv <= 0)
			fuzz_die("answering decoded with conv %lld",
			         (long long)f->u.answering.conv);
		break;
	case FRAME_VIEWING:
		if (f->u.viewing.conv < 0)
			fuzz_die("viewing decoded with conv %lld", (long long)f->u.viewing.conv);
		break;
	case FRAME_PING:
		break;
	default:
		fuzz_die("decoded an unknown frame type %d", f->type);
	}
}

/* ---- libFuzzer ------------------------------------------------------------- */

static char tmp_dir[256], tmp_db[300];
static sqlite3 *pruner; /* a connection of our own, for pruning */
static unsigned long runs;

/*
 * The database grows with every input; welcome counts unread messages and
 * the fuzzer slows down as it grows.  Now and then keep only the newest
 * messages (and forget read positions, so unread counts stay small), from
 * a connection of our own, as indgang-admin would write beside the gateway.
 */
static void prune(void)
{
	char sql[512], *err = NULL;
	snprintf(sql, sizeof sql,
	         "DELETE FROM messages WHERE id <= (SELECT max(id) FROM messages) - %d;"
	         "DELETE FROM contact_log;"
	         "UPDATE read_positions SET upto = (SELECT ifnull(max(id), 0) FROM messages);",
	         PRUNE_KEEP);
	if (sqlite3_exec(pruner, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "fuzz_frame: pruning failed: %s\n", err ? err : "?");
		sqlite3_free(err);
	}
}

/* The database goes with the process (the hub still holds it open; fine). */
static void remove_tmp(void)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		char p[320];
		snprintf(p, sizeof p, "%s%s", tmp_db, suffix[i]);
		unlink(p);
	}
	rmdir(tmp_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *base = getenv("FUZZ_TMPDIR");
	char *dir = tmp_dir, *db = tmp_db;
	snprintf(dir, sizeof tmp_dir, "%s/indgang-fuzz-XXXXXX",
	         base ? base : (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"));
	if (mkdtemp(dir) == NULL)
		fuzz_die("mkdtemp %s failed", dir);
	snprintf(db, sizeof tmp_db, "%s/fuzz.db", dir);
	atexit(remove_tmp);
	if (fuzz_world_build(&fw, db) != ERR_OK)
		fuzz_die("cannot build the world in %s", db);
	world_free(&fw.w);
	struct hub_config cfg = {
	    .db_path = tmp_db,
	    .frame_headroom = HEADROOM,
	    .http_workers = 1,
	    .ws_rate = 1e9, /* the rate limit is not what is fuzzed here */
	};
	struct hub_hooks hooks = {.wake = hook_wake, .want_write = hook_want_write};
	if (hub_create(&cfg, &hooks, &hub) != ERR_OK)
		fuzz_die("hub_create failed on %s", db);
	if (sqlite3_open(db, &pruner) != SQLITE_OK)
		fuzz_die("cannot open %s for pruning", db);
	sqlite3_busy_timeout(pruner, 10000);
	for (int u = 0; u < OBSERVERS; u++) {
		obs_tp[u].index = u;
		open_observer(u);
	}
	fprintf(stderr, "fuzz_frame: world and hub on %s\n", db);
	return 0;
}

/* The fast scan (jsonflat.c) must decode every frame as jansson does. */
static void check_same_as_tree(const char *text, size_t len, const struct frame *f, int err,
                               const char *why)
{
	struct frame t;
	const char *twhy = NULL;
	int terr = codec_decode_frame_tree(text, len, &t, &twhy);
	bool same = terr == err && (twhy == why || (twhy && why && strcmp(twhy, why) == 0)) &&
	            t.type == f->type && t.has_ref == f->has_ref && strcmp(t.ref, f->ref) == 0;
	if (same && err == ERR_OK && f->type == FRAME_SEND)
		same = t.u.send.conv == f->u.send.conv && t.u.send.kind == f->u.send.kind &&
		       strcmp(t.u.send.client_id, f->u.send.client_id) == 0 &&
		       strcmp(t.u.send.body, f->u.send.body) == 0;
	else if (same && err == ERR_OK && f->type == FRAME_AUTH)
		same = strcmp(t.u.auth.token, f->u.auth.token) == 0;
	else if (same && err == ERR_OK && f->type == FRAME_CORRECT)
		same = t.u.change.id == f->u.change.id &&
		       strcmp(t.u.change.body, f->u.change.body) == 0;
	else if (same && err == ERR_OK)
		same = memcmp(&t.u, &f->u, sizeof t.u) == 0;
	codec_frame_free(&t);
	if (!same)
		fuzz_die("the fast scan and jansson decode a frame differently (error %d vs %d)",
		         err, terr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum fuzz_user actor = (enum fuzz_user)((data[0] & 0x0f) % FU__COUNT);
	bool preauth = (data[0] & 0x10) == 0, deadline = (data[0] & 0x20) != 0;

	struct session *s = session_open(hub, &actor_tp, "127.0.0.1");
	if (s == NULL)
		fuzz_die("session_open failed");
	if (preauth && session_auth_token(s, fw.token[actor]) != ERR_OK)
		fuzz_die("the actor %s cannot sign in", fuzz_user_name(actor));
	actor_user = actor;
	actor_unknown = !preauth;
	n_news = 0;

	size_t start = 1, frames = 0;
	while (start <= size && frames < MAX_FRAMES) {
		const uint8_t *end = memchr(data + start, 0xff, size - start);
		size_t len = end ? (size_t)(end - (data + start)) : size - start;
		/* session_input gets a NUL-terminated copy, as the gateway gives it */
		char *text = malloc(len + 1);
		if (text == NULL)
			return 0;
		memcpy(text, data + start, len);
		text[len] = '\0';
		struct frame f;
		const char *why = NULL;
		int err = codec_decode_frame(text, len, &f, &why);
		check_decoded(&f, err, why);
		check_same_as_tree(text, len, &f, err, why);
		codec_frame_free(&f);
		session_input(s, text, len);
		free(text);
		frames++;
		start += len + 1;
		if (end == NULL)
			break;
	}
	if (deadline)
		session_auth_deadline(s);
	settle();
	if (++runs % PRUNE_EVERY == 0)
		prune();

	drain_session(s, actor, -1);
	session_closed(s);
	for (int u = 0; u < OBSERVERS; u++) {
		if (drain_session(observer[u], (enum fuzz_user)u, u)) {
			/* an observer should never be closed: it only listens */
			fuzz_die("observer %s was closed", fuzz_user_name((enum fuzz_user)u));
		}
	}
	/* Every new message reached exactly the observers who may see it. */
	for (size_t i = 0; i < n_news; i++) {
		struct seen_msg *m = &news[i];
		if (m->conv == FC__COUNT)
			continue;
		for (int u = 0; u < OBSERVERS; u++) {
			bool should = fuzz_sees((enum fuzz_user)u, m->conv, m->kind);
			bool got = (m->got_by >> u) & 1u;
			if (should && !got)
				fuzz_die(
				    "new message %lld (%s in conv %d) did not reach observer %s",
				    (long long)m->id, m->kind, (int)m->conv,
				    fuzz_user_name((enum fuzz_user)u));
		}
		if (m->id > max_seen_id)
			max_seen_id = m->id;
	}
	return 0;
}
