/*
 * service.h - the domain operations behind the frames and endpoints.
 *
 * Each operation checks the permission rules (perm) on facts from the store,
 * acts, and writes the contact log, so the WebSocket verbs and the HTTP
 * endpoints cannot differ in what they allow.  Operations that write run
 * inside the caller's transaction (the writer thread's group commit, or an
 * HTTP worker's own); read-only ones may run anywhere.
 */
#ifndef INDGANG_SERVICE_H
#define INDGANG_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "../codec/codec.h"
#include "../route/route.h"
#include "../store/store.h"

/* Token text → its user and token row.  ERR_UNAUTHORIZED for anything wrong. */
int svc_authenticate(struct store *s, const char *token, int64_t now, struct store_user *user,
                     struct store_token *tok);

/* The relation of user to conversation conv, and its family. ERR_NOT_FOUND
 * when the conversation does not exist. */
int svc_conv_relation(struct store *s, const struct store_user *user, int64_t conv,
                      enum perm_rel *rel, int64_t *family);

/* Stores a message (or finds the one already stored under client_id: then
 * *duplicate is set and nothing is written).  On success fills *out and, for
 * a new message, the recipients.  A refusal is logged as "denied". */
int svc_send(struct store *s, const struct store_user *user, int64_t conv, enum msg_kind kind,
             const char *body, const char *client_id, int64_t now, struct msg *out, bool *duplicate,
             struct route_set *recipients);

/* Raises the read position; fills the stored position, when, and who is told. */
int svc_read(struct store *s, const struct store_user *user, int64_t conv, int64_t upto,
             int64_t now, int64_t *stored, int64_t *at, struct route_set *recipients);

/* History of a conversation as the user may see it.  *family is set for the
 * access log (staff reads are logged by the caller with svc_log_access). */
int svc_history(struct store *s, const struct store_user *user, int64_t conv, int64_t before,
                int limit, struct msg_list *out, bool *more, int64_t *family);

/* Whether the family may have one more restricted conversation: ERR_CONFLICT
 * (with *why, a sentence for the caller) once it has
 * DOMAIN_RESTRICTED_CONVS_MAX.  Call it inside the transaction that creates
 * the conversation, so two creations at once cannot both pass. */
int svc_conv_cap_check(struct store *s, int64_t family, const char **why);

/* Logs that staff opened a family's data ("access"); family members' own
 * reads are not logged. what: "history", "sync", "log", ... */
int svc_log_access(struct store *s, const struct store_user *user, int64_t family, int64_t conv,
                   int64_t now, const char *what);

/* Logs a refused attempt ("denied"). */
int svc_log_denied(struct store *s, const struct store_user *user, int64_t family, int64_t conv,
                   int64_t now, const char *what);

#endif
