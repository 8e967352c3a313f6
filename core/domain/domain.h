/*
 * domain.h - the things Indgang is about, as every layer sees them: roles,
 * kinds of message, users, messages, conversations, read positions, contact
 * log entries and devices, with the limits the contract puts on them.
 *
 * No layer owns these: the store fills them, perm and route reason about
 * them, the services pass them on and the codec turns them into JSON.  The
 * list types grow geometrically; each *_push hands back a zeroed slot, so a
 * half-filled element can always be freed.  Functions are named after the
 * type they work on.
 */
#ifndef INDGANG_DOMAIN_H
#define INDGANG_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOMAIN_CLIENT_ID_MAX 64   /* a send's client_id: 1..64 characters */
#define DOMAIN_BODY_MAX      4000 /* a message body: code points after trimming */
#define DOMAIN_NAME_MAX      200  /* names, titles, device names: bytes */
/* Restricted conversations per family (its default one aside): enough for
 * a thread per child and topic, and a bound on what every welcome and
 * GET /api/me carries (PROTOCOL-NOTES.md). */
#define DOMAIN_RESTRICTED_CONVS_MAX 100

enum role { ROLE_FAMILY = 1, ROLE_ADVISER, ROLE_ADMIN };
enum msg_kind { KIND_TEXT = 1, KIND_NOTE, KIND_SYSTEM };
/* What a user's notifications may show on a lock screen: nothing of the
 * message (the default: a phone is often shared with children), who sent
 * it, or the start of its text. */
enum push_content { PUSH_CONTENT_NONE = 1, PUSH_CONTENT_SENDER, PUSH_CONTENT_PREVIEW };
/* How a family member is reached (issue 13): the app (Web Push), the app
 * with SMS when push does not reach them, or SMS only. */
enum sms_channel { SMS_CHANNEL_APP = 1, SMS_CHANNEL_FALLBACK, SMS_CHANNEL_SMS };
/* Where an SMS to a family member has got to: waiting in Indgang, being
 * handed to the SMS gateway (Kannel), accepted by it (and the operator),
 * delivered to the handset, or failed. */
enum sms_state {
	SMS_QUEUED = 1,
	SMS_SENDING,
	SMS_ACCEPTED,
	SMS_DELIVERED,
	SMS_FAILED,
	SMS_CANCELLED /* a fallback notice not needed: the app reached the member first */
};
/* What an SMS is: a message (its text, or a notice without it), a notice
 * that a message waits in the app (fallback), an invitation, the automatic
 * reply to an unknown number, the confirmation of STOP. */
enum sms_kind {
	SMS_KIND_MESSAGE = 1,
	SMS_KIND_FALLBACK,
	SMS_KIND_INVITE,
	SMS_KIND_REPLY,
	SMS_KIND_STOPPED,
	SMS_KIND_CHANGE /* a message that went by SMS, corrected or withdrawn since (issue 15) */
};
/* Where an attachment has got to (issue 14): its bytes arriving, waiting
 * for the virus scan and the image pipeline, ready to be fetched, or
 * refused (malware, an image that cannot be decoded or is too large). */
enum attach_state { ATTACH_RECEIVING = 1, ATTACH_CHECKING, ATTACH_READY, ATTACH_REJECTED };

/* Never NULL ("unknown" for a value out of range). */
const char *role_name(enum role role);
const char *msg_kind_name(enum msg_kind kind);
/* 0 when name is a known role/kind, -1 otherwise. */
int role_parse(const char *name, enum role *out);
int msg_kind_parse(const char *name, enum msg_kind *out);
const char *push_content_name(enum push_content c);
int push_content_parse(const char *name, enum push_content *out);
const char *sms_channel_name(enum sms_channel c);
int sms_channel_parse(const char *name, enum sms_channel *out);
const char *sms_state_name(enum sms_state st);
int sms_state_parse(const char *name, enum sms_state *out);
const char *sms_kind_name(enum sms_kind k);
int sms_kind_parse(const char *name, enum sms_kind *out);
const char *attach_state_name(enum attach_state st);
int attach_state_parse(const char *name, enum attach_state *out);

struct user_ref {
	int64_t id;
	char name[DOMAIN_NAME_MAX + 1];
	enum role role;
};

/* A family member's SMS settings (issue 13). */
struct member_sms {
	char phone[17]; /* E.164, "" for none */
	enum sms_channel channel;
	int64_t consent_at;         /* full text by SMS agreed (0: not) ... */
	struct user_ref consent_by; /* ... recorded by whom */
	int64_t stopped_at;         /* the number sent STOP (0: not) */
};

/* The most photos and documents one message carries. */
#define DOMAIN_ATTACH_MAX 10
/* The longest name a file is offered under, in bytes of UTF-8. */
#define DOMAIN_FILE_NAME_MAX 120

/* A photo or document (issue 14), as the store keeps it.  kind, mime and
 * name are the server's (from the bytes, core/attach/sniff); sha256 names
 * the stored file once checked. */
struct attachment {
	int64_t id, owner_id, message_id; /* message_id 0: not sent yet */
	int position;                     /* its place in the message */
	enum attach_state state;
	char kind[8]; /* "image", "pdf"; "" while receiving */
	char mime[32];
	char name[DOMAIN_FILE_NAME_MAX + 1];
	int64_t size;
	char sha256[65], thumb_sha256[65]; /* hex; "" until stored */
	int width, height;                 /* an image's, after orientation */
	char reason[128];                  /* why it was rejected */
	int64_t created_at;
};

/* One SMS as staff see it under a message. */
struct sms_status {
	int64_t id, user_id, conv_id, message_id;
	enum sms_kind kind;
	enum sms_state state;
	bool full_text; /* the text itself went, not a notice */
	int64_t at;     /* when it got to this state */
};

/* A conversation's SMS as its staff see them: the newest first, and who of
 * its family gets a pair adviser's text by SMS, and whether as the text
 * itself or as a notice without content. */
#define SMS_VIEW_MAX  200
#define SMS_REACH_MAX 8
struct sms_view {
	struct sms_status v[SMS_VIEW_MAX];
	size_t n;
	struct {
		struct user_ref user;
		bool full_text;
	} to[SMS_REACH_MAX];
	size_t n_to;
};

struct msg {
	int64_t id;
	int64_t conv;
	int64_t family;
	struct user_ref sender;
	enum msg_kind kind;
	char *body; /* owned */
	char client_id[DOMAIN_CLIENT_ID_MAX * 4 + 1];
	int64_t created_at;     /* ms since epoch */
	bool sms;               /* it came by SMS (issue 13) */
	bool no_sms;            /* its adviser marked it "not by SMS": SMS tells of it only */
	int64_t edited_at;      /* its author corrected it then (issue 15); 0: never */
	bool withdrawn;         /* its author took it back (issue 15) */
	struct attachment *att; /* its photos and documents (owned), in order */
	size_t n_att;
};

struct msg_list {
	struct msg *v;
	size_t n, cap;
};

/* A message a pair adviser wrote to be sent later ("send at 08:00"): the
 * pair and team see it waiting, may change or cancel it, and the gateway
 * sends it when its time comes (core/service/schedule.c). */
enum sched_state { SCHED_WAITING = 1, SCHED_SENT, SCHED_CANCELLED, SCHED_FAILED };
#define DOMAIN_SCHEDULE_AHEAD_MS (90LL * 24 * 3600 * 1000) /* at most 90 days ahead */
#define DOMAIN_SCHEDULED_MAX     100                       /* waiting in one conversation */

struct sched {
	int64_t id, conv, family;
	struct user_ref sender;
	char *body; /* owned */
	char client_id[DOMAIN_CLIENT_ID_MAX * 4 + 1];
	int64_t send_at;
	enum sched_state state;
	int64_t message_id; /* once sent */
	int64_t created_at, updated_at;
};

struct sched_list {
	struct sched *v;
	size_t n;
};

void sched_clear(struct sched *s);
void sched_list_free(struct sched_list *l);
const char *sched_state_name(enum sched_state st);
int sched_state_parse(const char *name, enum sched_state *out);

/* Where one member of a conversation has read up to. */
struct read_pos {
	struct user_ref user;
	int64_t upto;
	int64_t at;
};

/* How far a family member's messages reached them: the last message one of
 * their devices confirmed it got (which device, when), and the last one a
 * push service took a notification of (when).  0: not yet. */
struct delivery_pos {
	struct user_ref user;
	int64_t delivered_upto, delivered_at;
	char device[DOMAIN_NAME_MAX + 1];
	int64_t notified_upto, notified_at;
};

/* Whether a conversation waits for its pair to answer (issue 15): from
 * the first message a family member writes in it until a pair adviser
 * writes to the family there or marks it handled.  The same for everyone
 * who sees it; core/service/waiting.c keeps it. */
enum answer_how { ANSWER_NONE = 0, ANSWER_REPLY, ANSWER_HANDLED };
struct conv_waiting {
	int64_t from;  /* the first family message not answered; 0: none waits */
	int64_t since; /* when it was written */
	/* the last time it stopped waiting (how ANSWER_NONE: never) */
	enum answer_how how;
	struct user_ref by;
	int64_t at;
	int64_t upto; /* the newest message then */
};

/* The newest message a user may see in a conversation, for the caseload. */
#define DOMAIN_PREVIEW_CHARS          120
#define DOMAIN_ANSWER_MINUTES_MAX     100000 /* a team's response target (schema 18's CHECK) */
#define DOMAIN_ANSWER_MINUTES_DEFAULT 450    /* one working day of the default week */
struct conv_last {
	int64_t id; /* 0: none */
	struct user_ref sender;
	enum msg_kind kind;
	char preview[DOMAIN_PREVIEW_CHARS * 4 + 1]; /* the body's start, on one line */
	int64_t at;
};

/* An adviser away (issue 15): from when to when, and what the families
 * of their pair are told ("på kursus"); the partner answers meanwhile. */
#define DOMAIN_ABSENCE_NOTE_MAX 160 /* code points */
/* What a withdrawn message says to a client that knows no "withdrawn". */
#define DOMAIN_WITHDRAWN_BODY "Beskeden er trukket tilbage."
#define DOMAIN_ABSENCE_MAX_MS (366LL * 24 * 3600 * 1000)
struct absence {
	struct user_ref user;
	int64_t from, to;
	char note[DOMAIN_ABSENCE_NOTE_MAX * 4 + 1];
};

/* A family's case record (issue 16; core/records/retention.h decides what
 * it means). */
#define RECORD_REASON_MAX 500 /* bytes of a closing's or a hold's reason */

/* A family's case record (all zero: never closed, never filed). */
struct case_record {
	int64_t closed_at; /* 0: open */
	struct user_ref closed_by;
	char close_reason[RECORD_REASON_MAX + 1];
	int64_t filed_upto, filed_at;
	struct user_ref filed_by;
	char hold_reason[RECORD_REASON_MAX + 1]; /* "": no legal hold */
	int64_t hold_at;
	struct user_ref hold_by;
	/* how far the retention steps are (core/records/retention.h) */
	int64_t phones_at, content_upto, log_upto, access_upto, names_at;
	int64_t cursor; /* the step under way: where it goes on */
	int64_t n_texts, n_notes, n_system, n_files, n_other; /* what it deleted so far */
	int64_t next_at;
};

/* A family member's request to have their data erased (GDPR art. 17) or
 * its processing restricted (art. 18), as staff recorded and answered it
 * (issue 16). */
#define REQUEST_TEXT_MAX 1000 /* bytes of what was asked, and of the answer */
#define REQUESTS_LISTED  100  /* a family's newest requests listed */
struct data_request {
	int64_t id, family;
	struct user_ref member;
	char kind[16]; /* "erasure" or "restriction" */
	int64_t received_at;
	char note[REQUEST_TEXT_MAX + 1];
	struct user_ref recorded_by;
	int64_t recorded_at;
	char decision[16]; /* "", "granted", "partly" or "refused" */
	char answer[REQUEST_TEXT_MAX + 1];
	struct user_ref answered_by;
	int64_t answered_at;
	int64_t erase_upto, done_at; /* a granted erasure: up to where, when done */
	int64_t cursor_conv, cursor_id, n_texts, n_files;
};

/* A team's short reply, kept for its advisers in several languages
 * (issue 15). */
#define DOMAIN_TEMPLATE_TITLE_MAX 80   /* code points */
#define DOMAIN_TEMPLATE_BODY_MAX  1000 /* code points */
#define DOMAIN_TEMPLATES_MAX      200  /* per team */
struct template
{
	int64_t id;
	int64_t team_id;
	char team[DOMAIN_NAME_MAX + 1];
	char title[DOMAIN_TEMPLATE_TITLE_MAX * 4 + 1];
	char lang[8]; /* da, en, ar, fa, tr, uk, so */
	char *body;   /* owned */
	struct user_ref updated_by;
	int64_t updated_at;
};
/* A team a staff member is on, and whether they lead it (issue 15). */
#define DOMAIN_TEAMS_MAX      32  /* one adviser's teams */
#define DOMAIN_TEAM_STAFF_MAX 200 /* listed per team */
struct team_member {
	struct user_ref user;
	char username[DOMAIN_NAME_MAX + 1];
	bool leader;
};
struct team_ref {
	int64_t id;
	char name[DOMAIN_NAME_MAX + 1];
	bool leader;
	struct team_member *staff; /* owned: the team's active staff (svc_my_teams) */
	int n_staff;
};

struct template_list {
	struct template *v;
	size_t n;
};
void template_list_free(struct template_list *l);

struct conv {
	int64_t id;
	int64_t family_id;
	char family_name[DOMAIN_NAME_MAX + 1];
	char title[DOMAIN_NAME_MAX + 1];
	struct user_ref *members; /* owned */
	size_t n_members;
	int64_t primary_id; /* the pair: additions to CONV (PROTOCOL-NOTES) */
	int64_t secondary_id;
	struct read_pos *reads; /* owned: the members' read positions */
	size_t n_reads;
	struct delivery_pos *deliveries; /* owned: the family members' (for staff only) */
	size_t n_deliveries;
	int64_t last_id;
	int64_t read_upto;
	int64_t unread;
	struct conv_last last;
	int answer_minutes;     /* the team's response target in working minutes (0: none) */
	int64_t met_at;         /* the team's last meeting about the family (0: none; staff) */
	struct absence away[2]; /* the pair's absences not yet over */
	int n_away;
	bool staff_view; /* staff look: waiting is theirs to see */
	struct conv_waiting waiting;
};

struct conv_list {
	struct conv *v;
	size_t n, cap;
};

struct log_entry {
	int64_t id;
	int64_t at;
	char kind[24]; /* the longest: "request_answered" */
	struct user_ref actor;
	int64_t conv;    /* 0: null */
	int64_t message; /* 0: null */
	char *detail;    /* owned */
	char *text;      /* owned: the message's text now, for its rows; else NULL */
};

struct log_list {
	struct log_entry *v;
	size_t n, cap;
};

void msg_clear(struct msg *m);
void msg_list_free(struct msg_list *l);
/* Appends a zeroed slot and returns it, NULL on out of memory. */
struct msg *msg_list_push(struct msg_list *l);
void conv_clear(struct conv *c);
void conv_list_free(struct conv_list *l);
struct conv *conv_list_push(struct conv_list *l);
void log_list_free(struct log_list *l);
struct log_entry *log_list_push(struct log_list *l);

struct device_entry {
	int64_t id;
	char name[DOMAIN_NAME_MAX + 1];
	struct user_ref user;
	int64_t created_at;
	int64_t revoked_at; /* 0: active */
};
struct device_list {
	struct device_entry *v;
	size_t n, cap;
};
struct device_entry *device_list_push(struct device_list *l);
void device_list_free(struct device_list *l);
#endif
