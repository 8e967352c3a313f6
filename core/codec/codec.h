/*
 * codec.h - the wire codec of contract v1 (PROTOCOL.md), on jansson.
 *
 * Decoding turns one client text frame or one HTTP request body into a typed
 * struct, validating strictly: wrong JSON types are ERR_BAD_REQUEST, never
 * coerced.  Encoding turns typed values into the server's JSON text.  jansson
 * is used here and nowhere else in core.
 *
 * Ownership: decoded structs own their strings; free them with the matching
 * *_free().  Encoders return a malloc'd NUL-terminated string the caller
 * frees (or NULL when out of memory).
 */
#ifndef INDGANG_CODEC_H
#define INDGANG_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../domain/domain.h"
#include "../records/retention.h"

#define CODEC_REF_MAX            64 /* "ref": at most 64 characters */
#define CODEC_SYNC_LIMIT_DEFAULT 100
#define CODEC_SYNC_LIMIT_MAX     500

/* ---- Client frames -------------------------------------------------- */

enum frame_type {
	FRAME_AUTH = 1,
	FRAME_SEND,
	FRAME_SYNC,
	FRAME_HISTORY,
	FRAME_READ,
	FRAME_PING,
	FRAME_VIEWING,
	FRAME_DELIVERED,
	FRAME_HANDLED,   /* "no answer needed" (issue 15) */
	FRAME_ANSWERING, /* "I'm answering" (issue 15) */
	FRAME_CORRECT,   /* one's own message corrected (issue 15) */
	FRAME_WITHDRAW,  /* ... or taken back */
};

struct frame {
	enum frame_type type;
	bool has_ref;
	char ref[CODEC_REF_MAX * 4 + 1]; /* up to 64 code points of UTF-8 */
	union {
		struct {
			char *token;
		} auth;
		struct {
			int64_t conv;
			char client_id[DOMAIN_CLIENT_ID_MAX * 4 + 1];
			char *body; /* trimmed, 1..4000 code points */
			enum msg_kind kind;
			bool no_sms; /* "not by SMS" (issue 13) */
			/* uploads it carries (issue 14); with any, body may be "" */
			int64_t attach[DOMAIN_ATTACH_MAX];
			size_t n_attach;
		} send;
		struct {
			int64_t after; /* default 0 */
			int limit;     /* default 100, clamped to 500 */
		} sync;
		struct {
			int64_t conv;
			int64_t before; /* 0: newest */
			int limit;      /* default 50, clamped to 500 */
		} history;
		struct {
			int64_t conv;
			int64_t upto;
		} pos; /* read, delivered, handled */
		struct {
			int64_t conv; /* 0: none */
		} viewing;
		struct {
			int64_t conv;
			bool stop; /* withdrawn */
		} answering;
		struct {
			int64_t id;
			char *body; /* correct: trimmed, 1..4000 code points; withdraw: NULL */
		} change;
	} u;
};

/*
 * Decode one client text frame.  On failure returns an ERR_* code and, when
 * the frame was an object with a valid "ref", copies it to out->ref (has_ref)
 * so the error reply can carry it; *why is a static human explanation.
 * A body over 4000 code points is ERR_TOO_LARGE; an empty one ERR_BAD_REQUEST.
 */
int codec_decode_frame(const char *text, size_t len, struct frame *out, const char **why);
/* The same through jansson alone (codec_decode_frame() takes most frames by
 * a faster scan); the tests and the frame fuzzer compare the two. */
int codec_decode_frame_tree(const char *text, size_t len, struct frame *out, const char **why);
void codec_frame_free(struct frame *f);

/* ---- HTTP request bodies -------------------------------------------- */

struct req_login {
	char *username;
	char *password;
};
struct req_enrol {
	char *code;
	char *device; /* 1..200 bytes after trimming */
};
struct req_conv_create {
	int64_t family;
	char *title; /* 1..200 bytes after trimming */
	int64_t *members;
	size_t n_members;
};
struct req_invite {
	int64_t member;
	bool by_sms; /* "by_sms": true: the code goes to the member's number, unseen */
};

int codec_decode_login(const char *text, size_t len, struct req_login *out, const char **why);
void codec_login_free(struct req_login *r);
/* {"password":P}: a locked staff sign-in opened again (POST /api/unlock). */
struct req_unlock {
	char *password;
};
int codec_decode_unlock(const char *text, size_t len, struct req_unlock *out, const char **why);
void codec_unlock_free(struct req_unlock *r);
int codec_decode_enrol(const char *text, size_t len, struct req_enrol *out, const char **why);
/* {"name":N}: a phone's new name (PUT /api/devices/{id}); *name is malloc'd. */
int codec_decode_device_name(const char *text, size_t len, char **name, const char **why);
void codec_enrol_free(struct req_enrol *r);
int codec_decode_conv_create(const char *text, size_t len, struct req_conv_create *out,
                             const char **why);
void codec_conv_create_free(struct req_conv_create *r);
int codec_decode_invite(const char *text, size_t len, struct req_invite *out, const char **why);

/* {"from":"HH:MM","to":"HH:MM"}: quiet hours in Danish time, as minutes
 * after midnight (equal: none). */
int codec_decode_quiet_hours(const char *text, size_t len, int *start, int *end, const char **why);
/* {"phone":S|null,"channel":"app"|"fallback"|"sms","consent":bool,
 * "stopped":false}, each optional, one at least (PUT /api/members/{id}/sms).
 * phone null is ""; phone is malloc'd (NULL when absent); consent -1 when
 * absent; resume: "stopped":false, SMS on again after the number's STOP. */
struct req_member_sms {
	char *phone;
	enum sms_channel channel; /* 0: absent */
	int consent;
	bool resume;
};
int codec_decode_member_sms(const char *text, size_t len, struct req_member_sms *out,
                            const char **why);
/* {"phone":S|null,"channel":S,"consent":{"at":TS,"by":USER}|null,
 * "stopped_at":TS|null} */
char *codec_encode_member_sms(const struct member_sms *v);
/* {"id":N,"state":"checking|ready|rejected","kind":"image|pdf","type":MIME,
 * "name":S,"size":N} with "width","height" for a checked image and "reason"
 * for a rejected file: a photo or document (issue 14). */
char *codec_encode_attachment(const struct attachment *a);
/* {"type":"attachment","conv":C|null,"message":M|null,"attachment":{...}}:
 * what became of an upload, for its sender and those who see its message. */
char *codec_encode_attachment_frame(const struct attachment *a, int64_t conv);
/* {"from":"HH:MM","to":"HH:MM","timezone":"Europe/Copenhagen"} */
char *codec_encode_quiet_hours(int start, int end);

/* A PushSubscription as the browser's toJSON() gives it:
 * {"endpoint":URL,"keys":{"p256dh":B64URL,"auth":B64URL},...}; the keys are
 * checked for their form (base64url of 65 and 16 bytes). */
#define CODEC_P256DH_LEN 87 /* base64url of 65 bytes, unpadded */
#define CODEC_AUTH_LEN   22 /* base64url of 16 bytes, unpadded */
#define CODEC_LANG_MAX   3  /* "lang": a primary language subtag, "da" */
struct req_push_sub {
	char *endpoint;
	char p256dh[CODEC_P256DH_LEN + 1];
	char auth[CODEC_AUTH_LEN + 1];
	char lang[CODEC_LANG_MAX + 1]; /* the notifications' language; "da" when absent */
};
int codec_decode_push_sub(const char *text, size_t len, struct req_push_sub *out, const char **why);
void codec_push_sub_free(struct req_push_sub *r);
/* {"content":"none"|"sender"|"preview"}: what a user's notifications show. */
int codec_decode_push_content(const char *text, size_t len, enum push_content *out,
                              const char **why);
char *codec_encode_push_content(enum push_content c);

/* Messages to be sent later.  POST .../scheduled:
 * {"body":S,"send_at":RFC3339,"client_id":S}; PUT /api/scheduled/{id}:
 * {"body":S} and/or {"send_at":RFC3339}. */
struct req_schedule {
	char *body;      /* NULL when absent (an edit keeps the text) */
	int64_t send_at; /* 0 when absent */
	int64_t seen_at; /* an edit: the updated_at its writer saw (0 when absent) */
	char client_id[DOMAIN_CLIENT_ID_MAX * 4 + 1];
};
int codec_decode_schedule(const char *text, size_t len, bool edit, struct req_schedule *out,
                          const char **why);
void codec_schedule_free(struct req_schedule *r);
/* {"from":TS,"to":TS,"note":S}: an adviser's absence (note optional, at
 * most 160 characters; user left 0). */
int codec_decode_absence(const char *text, size_t len, struct absence *out, const char **why);
/* {"K1":N,"K2":N,...}: the ids named by keys[0..n), each required and
 * positive (issue 15: {"primary","secondary"}, {"adviser"}). */
int codec_decode_ids(const char *text, size_t len, const char *const *keys, int64_t *out, size_t n,
                     const char **why);
/* {"title":S,"lang":S,"body":S}: a reply template (issue 15; body malloc'd,
 * the caller frees it). */
int codec_decode_template(const char *text, size_t len, struct template *out, const char **why);
/* TEMPLATE = {"id":N,"team":{"id":N,"name":S},"title":S,"lang":S,"body":S,
 * "updated_by":USER,"updated_at":TS}; a list: {"templates":[TEMPLATE,...]} */
char *codec_encode_template(const struct template *t);
char *codec_encode_templates(const struct template_list *l);
/* {"teams":[{"id":N,"name":S,"leader":B,"staff":[USER+"username","leader"]},...]} */
char *codec_encode_teams(const struct team_ref *v, int n);
/* {"met_at":TS}: the team's meeting about a family held (issue 15) */
char *codec_encode_met(int64_t at);
/* A family member's own data (issue 16): one JSON document written in
 * pieces, each a page: the head ({"generated_at","member","family","sms",
 * "quiet_hours","phones","conversations" and the opening of "messages"),
 * then message objects (first: no comma before), then, after
 * CODEC_MY_DATA_LOG, the member's own log rows, and CODEC_MY_DATA_END. */
#define CODEC_MY_DATA_LOG "],\"log\":["
#define CODEC_MY_DATA_END "]}\n"
char *codec_my_data_head(int64_t generated_at, const struct user_ref *me, const char *family,
                         const struct member_sms *sms, int quiet_start, int quiet_end,
                         const struct device_list *phones, const struct conv_list *convs);
char *codec_my_data_messages(const struct msg_list *l, bool first);
char *codec_my_data_log(const struct log_list *l, bool first);
/* A change to a family's case record (issue 16): {"reason":S} (closing:
 * optional; a hold and its lifting: required), {"upto":TS} (filed). */
struct req_record {
	char reason[RECORD_REASON_MAX + 1];
	int64_t upto;
};
int codec_decode_record_change(const char *text, size_t len, bool need_reason, bool need_upto,
                               struct req_record *out, const char **why);
/* A member's request for erasure or restriction (issue 16), as staff
 * record it: {"member":ID,"kind":"erasure"|"restriction","received_at":TS,
 * "note":S}; answered: {"decision":"granted"|"partly"|"refused",
 * "answer":S} (out->id is kept). */
int codec_decode_request(const char *text, size_t len, struct data_request *out, const char **why);
int codec_decode_request_answer(const char *text, size_t len, struct data_request *out,
                                const char **why);
/* {"id","family","member":USER,"kind","received_at","note","recorded_by",
 * "recorded_at","decision"|null,"answer","answered_by","answered_at",
 * "erasure":{"upto","done_at","texts","files"}|null}; a list:
 * {"requests":[...]}. */
char *codec_encode_request(const struct data_request *r);
char *codec_encode_requests(const struct data_request *v, size_t n);
/* A family's case record (issue 16): {"family":ID,"state":"open"|"closed",
 * "closed_at","closed_by","close_reason","filed_upto","filed_at",
 * "filed_by","hold":{"reason","at","by"}|null,"retention":{"next",
 * "blocked","due_at","steps":{"phones":{"due_at","done_at"},"content":
 * {"due_at","deleted_upto"},"log":...,"access":...,"names":{...}}}}. */
char *codec_encode_record(int64_t family, const struct case_record *r,
                          const struct retention_plan *plan, const int64_t *due);
/* {"absence":{"user":USER,"from":TS,"to":TS,"note":S}|null} */
char *codec_encode_absence(const struct absence *a);
/* {"id":N,"conv":N,"family":N,"sender":{...},"body":S,"client_id":S,
 * "send_at":T,"state":"waiting"|"sent"|"cancelled"|"failed",
 * "message_id":N (once sent),"created_at":T,"updated_at":T} */
char *codec_encode_sched(const struct sched *d);
/* {"type":"delivery","conv":C,"user":USER,"delivered":{"upto":N,"at":T,
 * "device":S}|null,"notified":{"upto":N,"at":T}|null}: how far a family
 * member's messages reached them, for staff. */
char *codec_encode_delivery(const char *ref, int64_t conv, const struct delivery_pos *d);
/* {"type":"sms","conv":C,"sms":{"id":N,"message":M,"user":U,"kind":K,
 * "state":"queued"|"sending"|"accepted"|"delivered"|"failed","full_text":B,
 * "at":T}}: where an SMS to a family member has got to, for staff. */
char *codec_encode_sms(const struct sms_status *st);
/* {"sms":[{...}, ...],"to":[{"user":USER,"full_text":B}, ...]}: GET
 * /api/conversations/{id}/sms */
char *codec_encode_sms_view(const struct sms_view *v);
/* {"type":"scheduled","scheduled":{...}}: to the staff who see it */
char *codec_encode_scheduled(const struct sched *d);
/* {"scheduled":[...]} */
char *codec_encode_sched_list(const struct sched_list *l);
/* The payload of a notification, encrypted to the subscription (RFC 8291):
 * {"v":1,"conv":C,"family":F,"title":T,"body":B,"tag":"conv-C","lang":L,
 * "dir":"ltr"|"rtl"}; the service worker shows it as it is. */
char *codec_encode_push_notice(int64_t conv, int64_t family, const char *title, const char *body,
                               const char *lang, bool rtl);

/* ---- Values the server encodes --------------------------------------- */

/* ---- Server frames (WebSocket) ---------------------------------------- */
/* ref may be NULL (no "ref" member). Results are malloc'd strings. */

char *codec_encode_welcome(const struct user_ref *user, int64_t server_time, int64_t last_id,
                           const struct conv_list *convs);
char *codec_encode_ack(const char *ref, const char *client_id, const struct msg *m);
char *codec_encode_messages(const char *ref, const struct msg_list *l, bool more);
char *codec_encode_message(const struct msg *m);
/* The same two frames around one encoded message object (codec_encode_msg),
 * so that a message is encoded once for its ack and its fan-out. */
char *codec_encode_msg(const struct msg *m);
char *codec_encode_ack_with(const char *ref, const char *client_id, const char *msg_json);
char *codec_encode_message_with(const char *msg_json);
char *codec_encode_receipt(const char *ref, int64_t conv, const struct user_ref *user, int64_t upto,
                           int64_t at);
char *codec_encode_error(const char *ref, int err, const char *message);
char *codec_encode_pong(const char *ref);

/* ---- HTTP response bodies ------------------------------------------- */

/* {"error":{"code":C,"message":M}} */
char *codec_encode_http_error(int err, const char *message);
/* {"token":T,"expires_at":TS,"user":USER} */
char *codec_encode_login(const char *token, int64_t expires_at, const struct user_ref *user);
/* {"user":USER,"session":{"expires_at":TS,"idle_until":TS|null}}: unlocked */
char *codec_encode_unlock(const struct user_ref *user, int64_t expires_at, int64_t idle_until);
/* {"unread":N}: and nothing else (a locked page's title) */
char *codec_encode_unread(int64_t n);
/* {"token":T,"user":USER,"device":{"id":D,"name":NAME}} */
char *codec_encode_enrol(const char *token, const struct user_ref *user, int64_t device_id,
                         const char *device_name);
/* {"user":USER,"conversations":[CONV,...]} */
char *codec_encode_me(const struct user_ref *user, const struct conv_list *convs,
                      int64_t expires_at, int64_t idle_until);
/* CONV alone */
char *codec_encode_conv(const struct conv *c);
/* {"type":"conversation","conversation":CONV}: a conversation the user may now see */
char *codec_encode_conversation(const struct conv *c);
/* {"type":"changed","ref":R,"message":MSG}: a message its author corrected
 * or withdrew (issue 15); ref NULL: none */
char *codec_encode_changed(const char *ref, const struct msg *m);
/* {"type":"waiting","ref":R,"conv":C,"waiting":{"from":N,"since":TS}|null,
 *  "answered":{"by":USER,"at":TS,"how":"reply"|"handled","upto":N}|null}:
 * whether conv needs an answer (issue 15); ref NULL: none */
char *codec_encode_waiting(const char *ref, int64_t conv, const struct conv_waiting *w);
/* {"type":"escalation","conv":C,"level":1|2,"waiting":{"from":N,"since":TS},
 *  "answer_minutes":N}: a family waits past half (1) or all (2) of the
 * team's response target; to those told (issue 15) */
char *codec_encode_escalation(int64_t conv, int level, const struct conv_waiting *w,
                              int answer_minutes);
/* {"type":"answering","ref":R,"conv":C,"user":USER,"until":TS|null}: user
 * is writing an answer in conv until then (null: no longer) */
char *codec_encode_answering(const char *ref, int64_t conv, const struct user_ref *user,
                             int64_t until);
/* {"devices":[{"id","name","user":USER,"created_at","revoked_at":TS|null},...]} */
char *codec_encode_devices(const struct device_list *l);
/* {"messages":[...],"more":B} */
char *codec_encode_http_messages(const struct msg_list *l, bool more);
/* {"code":S,"expires_at":TS} */
char *codec_encode_invite(const char *code, int64_t expires_at);
/* {"sent_to":"+45••••5678","expires_at":TS}: the code went by SMS, unseen. */
char *codec_encode_invite_sms(const char *masked, int64_t expires_at);
/* {"entries":[...]} */
char *codec_encode_log_json(const struct log_list *l);
/* A page of the contact log: {"entries":[...],"next":N|null}, next the
 * cursor for the following page (0: null, the log ends here). */
char *codec_encode_log_page(const struct log_list *l, int64_t next);
/* The contact log as CSV for a spreadsheet, through the one writer
 * (csv.h): the header row - Id, Tidspunkt (dansk tid), Tidspunkt (UTC),
 * Hændelse, Aktør-id, Aktør, Samtale, Besked, Detaljer - and the rows. */
struct csv;
void codec_log_csv_header(struct csv *w);
void codec_log_csv_rows(struct csv *w, const struct log_list *l);
/* {"public_key":B64URL} */
char *codec_encode_push_key(const char *public_key);
/* {"id":N} */
char *codec_encode_id(int64_t id);
/* {"status":"ok"} or {"status":S} */
char *codec_encode_health(const char *status);

#endif
