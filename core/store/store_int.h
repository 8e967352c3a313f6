/*
 * store_int.h - internals shared by the files of core/store/.
 *
 * Statements are named by an enum, their SQL kept in one table in store.c,
 * prepared once (SQLITE_PREPARE_PERSISTENT) on first use and reset after
 * each use.  Nothing outside core/store/ includes this header.
 */
#ifndef INDGANG_STORE_INT_H
#define INDGANG_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

enum stmt_id {
	/* accounts */
	ST_USER_GET,
	ST_USER_BY_USERNAME,
	ST_USER_INSERT,
	ST_USER_SET_PASSWORD,
	ST_USER_SET_ACTIVE,
	ST_TOKEN_INSERT,
	ST_TOKEN_LOOKUP,
	ST_TOKEN_RECHECK,
	ST_TOKEN_REVOKE,
	ST_TOKEN_TOUCH,
	ST_DEVICE_INSERT,
	ST_DEVICE_GET,
	ST_DEVICE_REVOKE,
	ST_DEVICE_RENAME,
	ST_DEVICE_REVOKE_TOKENS,
	ST_INVITE_INSERT,
	ST_INVITE_GET,
	ST_INVITE_USE,
	ST_MEMBER_LIVE_DEVICES,
	/* domain */
	ST_TEAM_INSERT,
	ST_TEAM_BY_NAME,
	ST_TEAM_ADD_STAFF,
	ST_FAMILY_INSERT,
	ST_FAMILY_SET_DEFAULT_CONV,
	ST_FAMILY_SET_PAIR,
	ST_FAMILY_NAME,
	ST_FAMILY_DEFAULT_CONV,
	ST_CONV_INSERT,
	ST_CONV_ADD_MEMBER,
	ST_CONV_FAMILY,
	ST_CONV_COUNT_RESTRICTED,
	ST_FACTS,
	ST_AUDIENCE,
	/* messages */
	ST_MSG_BY_CLIENT_ID,
	ST_MSG_INSERT,
	ST_MSG_GET,
	ST_SYNC_FAMILY,
	ST_SYNC_STAFF,
	ST_HISTORY,
	ST_LAST_FAMILY,
	ST_LAST_STAFF,
	ST_CONVS_FAMILY,
	ST_CONVS_STAFF,
	ST_CONV_ONE,
	ST_CONV_MEMBERS,
	ST_CONV_PAIR,
	ST_CONV_READS,
	ST_FAMILY_PAIR,
	ST_CONV_VISIBLE_UPTO,
	ST_FAMILY_QUIET_GET,
	ST_FAMILY_QUIET_SET,
	ST_PUSH_SUB_UPSERT,
	ST_PUSH_SUB_DELETE,
	ST_PUSH_SUB_DELETE_TOKEN,
	ST_PUSH_SUB_DELETE_DEVICE,
	ST_PUSH_SUB_DELETE_USER,
	ST_PUSH_UNQUEUED,
	ST_PUSH_ENQUEUE,
	ST_PUSH_DUE_IDS,
	ST_PUSH_DUE_ONE,
	ST_PUSH_NEXT,
	ST_PUSH_DONE,
	ST_PUSH_RETRY,
	ST_PUSH_NOTIFIED,
	ST_PUSH_SUB_GONE,
	ST_PUSH_SEEN,
	ST_PUSH_WAITING,
	ST_PUSH_EXPIRING,
	ST_TOKEN_WARNED,
	ST_MEMBER_SMS_GET,
	ST_MEMBER_SMS_SET,
	ST_MEMBER_BY_PHONE,
	ST_MEMBER_SMS_STOP,
	ST_MESSAGE_VIA_SMS,
	ST_MESSAGE_NO_SMS,
	ST_SMS_QUEUE,
	ST_SMS_DUE,
	ST_SMS_NEXT,
	ST_SMS_CLAIM,
	ST_SMS_SENT,
	ST_SMS_REPORT,
	ST_SMS_GET,
	ST_SMS_CONV,
	ST_SMS_SENT_TO,
	ST_SMS_REACHED,
	ST_SMS_FALLBACK_OPEN,
	ST_SMS_POSTPONE,
	ST_SMS_WENT,
	ST_SMS_ORIGINAL,
	ST_SMS_WAITING,
	ST_USER_PUSH_CONTENT_GET,
	ST_USER_PUSH_CONTENT_SET,
	ST_DELIVERED_SET,
	ST_NOTIFIED_SET,
	ST_DELIVERY_GET,
	ST_CONV_DELIVERIES,
	ST_SCHED_INSERT,
	ST_SCHED_GET,
	ST_SCHED_BY_CLIENT,
	ST_SCHED_LIST,
	ST_SCHED_DUE,
	ST_SCHED_COUNT,
	ST_SCHED_NEXT,
	ST_SCHED_UPDATE,
	ST_SCHED_STATE,
	ST_FAMILY_DEVICES,
	ST_CONV_LAST,
	ST_CONV_LAST_MSG,
	ST_WAITING_GET,
	ST_WAITING_START,
	ST_WAITING_ANSWER,
	ST_WAITING_NEXT,
	ST_ESCALATE_NEXT,
	ST_ESCALATE_DUE,
	ST_ESCALATE_SET,
	ST_TEAM_LEADERS,
	ST_LEADS_FAMILY,
	ST_FAMILY_MET,
	ST_USER_TEAMS,
	ST_TEAM_STAFF,
	ST_FAMILY_AWAY,
	ST_ABSENCE_SET,
	ST_ABSENCE_CLEAR,
	ST_TEMPLATES_OF,
	ST_TEMPLATE_GET,
	ST_TEMPLATE_COUNT,
	ST_TEMPLATE_ADD,
	ST_TEMPLATE_SET,
	ST_TEMPLATE_DELETE,
	ST_MSG_VERSION_ADD,
	ST_MSG_CHANGE,
	ST_ABSENCE_GET,
	ST_LOG_PAIR_FAMILIES,
	ST_TEAM_ANSWER_SET,
	ST_TEAM_LEADER_SET,
	ST_TEAM_ESCALATE_AGAIN,
	ST_CONV_UNREAD,
	ST_UNREAD_STAFF,
	ST_UNREAD_FAMILY,
	ST_READ_GET,
	ST_READ_UPSERT,
	/* attachments */
	ST_ATT_INSERT,
	ST_ATT_GET,
	ST_ATT_RECEIVING,
	ST_ATT_UNSENT,
	ST_ATT_RECEIVED,
	ST_ATT_DELETE,
	ST_ATT_OF_MSG,
	ST_ATT_TAKE,
	ST_MSG_SET_N_ATTACH,
	ST_ATT_DUE,
	ST_ATT_SET_NEXT,
	ST_ATT_NEXT,
	ST_ATT_CHECKED,
	ST_ATT_EXPIRED,
	ST_ATT_FILE_USED,
	/* contact log */
	ST_LOG_INSERT,
	ST_LOG_PAGE,
	ST_LOG_LAST_ID,
	/* records (issue 16): store_records.c */
	ST_RECORD_GET,
	ST_RECORD_ENSURE,
	ST_RECORD_CLOSE,
	ST_RECORD_REOPEN,
	ST_RECORD_FILED,
	ST_RECORD_HOLD,
	ST_RECORD_PROGRESS,
	ST_RECORD_NEXT,
	ST_RECORD_DUE,
	ST_RECORD_CLOSED,
	ST_RECORD_CLEAR_WAITS,
	ST_RECORD_POKE,
	ST_RECORD_REVOKE_DEVICES,
	ST_RECORD_REVOKE_TOKENS,
	ST_RECORD_DROP_SUBS,
	ST_RECORD_DROP_INVITES,
	ST_PURGE_CONVS,
	ST_PURGE_MSG_BATCH,
	ST_PURGE_FILES_GONE,
	ST_PURGE_ATTACH,
	ST_PURGE_VERSIONS,
	ST_PURGE_SMS_MSG,
	ST_PURGE_SCHED_MSG,
	ST_PURGE_PUSH_MSG,
	ST_PURGE_MESSAGES,
	ST_PURGE_CONV_SCHED,
	ST_PURGE_CONV_PUSH,
	ST_PURGE_CONV_SMS,
	ST_PURGE_CONV_DELIVERIES,
	ST_PURGE_CONV_READS,
	ST_PURGE_CONV_STATE,
	ST_PURGE_MEMBER_SMS,
	ST_PURGE_MEMBER_PHONES,
	ST_PURGE_MEMBER_FILES_GONE,
	ST_PURGE_MEMBER_UPLOADS,
	ST_PURGE_LOG_SCAN,
	ST_PURGE_LOG,
	ST_PURGE_ACCESS,
	ST_PURGE_NAME_FAMILY,
	ST_PURGE_NAME_MEMBERS,
	ST_PURGE_NAME_CONVS,
	ST_PURGE_NAME_DEVICES,
	ST_SWEEP_PUSH_SUBS,
	ST_SWEEP_TOKENS,
	ST_SWEEP_INVITES,
	ST_SWEEP_SMS,
	ST_SWEEP_STAFF_LOG,
	ST_SWEEP_INVITE_TEXTS,
	ST_LOG_OF_MEMBER,
	ST_REQ_INSERT,
	ST_REQ_GET,
	ST_REQ_LIST,
	ST_REQ_ANSWER,
	ST_REQ_ERASING,
	ST_REQ_PROGRESS,
	ST_REQ_MEMBER_PHONE,
	ST_FILES_GONE_LIST,
	ST_FILES_GONE_DROP,
	/* health */
	ST_HEALTH,
	/* transactions, and the cache's check for other connections' commits */
	ST_BEGIN,
	ST_COMMIT,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_DATA_VERSION,
	ST__COUNT
};

struct audience_cache;

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST__COUNT];
	/* The extended result code of the last failed BEGIN or COMMIT, kept
	 * because the ROLLBACK after it resets the connection's error code;
	 * 0 after a successful BEGIN. */
	int tx_failure;
	int wal_pages; /* after this connection's last commit (store_defer_checkpoints) */
	/* store_cache.c: NULL unless store_cache_enable() was called */
	struct audience_cache *audience;
	bool compiling_mutation;      /* the authorizer saw a write to an audience table */
	bool stmt_mutates[ST__COUNT]; /* so using the statement forgets the cache */
};

/* store_cache.c */
/* Installs the authorizer that notices statements changing audiences. */
void store_cache_watch(struct store *s);
/* Everything kept may be out of date: start over on the next lookup. */
void store_cache_forget(struct store *s);
/* A conversation's audience as kept: its family and its members' facts. */
struct kept_audience {
	int64_t family;
	size_t n;
	struct audience_member v[];
};
/* The kept audience of conv, valid until the cache is next changed; NULL
 * when not kept or without a cache (*err is set on failure only). */
const struct kept_audience *store_cache_get(struct store *s, int64_t conv_id, int *err);
void store_cache_put(struct store *s, int64_t conv_id, int64_t family,
                     const struct audience_member *v, size_t n);
void store_cache_destroy(struct store *s);

/* A message's attachments, in order (store_attach.c); *v malloc'd. */
int store_attach_of_message(struct store *s, int64_t message_id, struct attachment **v, size_t *n);

/* Reads the DELIVERY_COLS columns of the current row (store_delivery.c). */
void store_read_delivery(sqlite3_stmt *st, struct delivery_pos *d);

/* The prepared statement for id, reset and with bindings cleared; NULL on error. */
sqlite3_stmt *store_stmt(struct store *s, enum stmt_id id);
/* The raw connection, for one-shot administrative queries in core/store/. */
sqlite3 *store_db(struct store *s);
/* Maps an SQLite result code to ERR_*. */
int store_err(int rc);
/* Runs a statement that returns no rows; resets it. */
int store_exec_stmt(sqlite3_stmt *st);
/* Runs statement id with ?1 = a and ?2 = b (a write that returns no row). */
int store_exec_ids(struct store *s, enum stmt_id id, int64_t a, int64_t b);
/* Binds helpers: 0 binds NULL for optional ids. */
void store_bind_id_or_null(sqlite3_stmt *st, int idx, int64_t id);
/* Copies column col as text into dst (cap bytes). */
void store_col_text(sqlite3_stmt *st, int col, char *dst, size_t cap);
/* A user_ref from three columns from col: id, name, role. */
void store_col_user(sqlite3_stmt *st, int col, struct user_ref *u);

/* Members of a family are users too; store_family_add_member() calls this. */
int store_member_insert(struct store *s, int64_t family_id, const char *name, int64_t *id);
/* Steps a single-row query: ERR_OK with a row, ERR_NOT_FOUND (reset) without. */
int store_step_row(sqlite3_stmt *st);
/* Binds ?1 = a and, when the statement has a second parameter, ?2 = b. */
void store_bind_ids(sqlite3_stmt *st, int64_t a, int64_t b);
/* The first column of the one row of statement id, its parameters ?1 = a
 * and (when it has a second) ?2 = b; ERR_NOT_FOUND when there is no row. */
int store_int64(struct store *s, enum stmt_id id, int64_t a, int64_t b, int64_t *out);
/* Binds a log range's period, cursor, end and limit to ?2..?6 (?1 is the
 * family): a bound that is 0 is no bound. */
void store_bind_range(sqlite3_stmt *st, const struct store_log_range *r);

#endif
