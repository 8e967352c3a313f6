/*
 * request.c - one notification as an HTTP request to a push service
 * (RFC 8030): the payload written in the reader's language (notice.c),
 * encrypted to the subscription (RFC 8291, aes128gcm), signed for the
 * gateway (RFC 8292, VAPID), and what the push service's answer means.
 */
#include "notify_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../codec/codec.h"
#include "../common/err.h"
#include "../push/b64url.h"
#include "../push/ece.h"
#include "../push/notice.h"
#include "../push/vapid.h"

/* Notice n about conv (0: none) as a payload encrypted to the subscription's
 * keys (base64url p256dh and auth). */
static int request_payload(const struct notice *n, int64_t conv, int64_t family, const char *p256dh,
                           const char *auth, struct notify_req *r)
{
	uint8_t ua[ECE_PUBLIC_LEN], secret[ECE_AUTH_LEN];
	size_t ua_len, secret_len;
	if (b64url_decode(p256dh, strlen(p256dh), ua, sizeof ua, &ua_len) != ERR_OK ||
	    ua_len != sizeof ua ||
	    b64url_decode(auth, strlen(auth), secret, sizeof secret, &secret_len) != ERR_OK ||
	    secret_len != sizeof secret)
		return ERR_BAD_REQUEST;
	char *json =
	    codec_encode_push_notice(conv, family, n->title, n->body, n->lang, n->rtl != 0);
	if (json == NULL)
		return ERR_INTERNAL;
	int err =
	    ece_encrypt(ua, secret, (const uint8_t *)json, strlen(json), &r->body, &r->body_len);
	free(json);
	return err;
}

/* The Authorization header, signed once per push service and reused until
 * an hour before it expires: one ECDSA signature per host, not per push. */
static int request_authorization(struct notify *n, const char *endpoint, int64_t now_ms,
                                 const char **out)
{
	char aud[VAPID_AUD_MAX + 1];
	int err = vapid_audience(endpoint, aud, sizeof aud);
	if (err)
		return err;
	time_t now = (time_t)(now_ms / 1000);
	struct notify_jwt *slot = &n->jwt[0];
	for (size_t i = 0; i < NOTIFY_JWT_SLOTS; i++) {
		struct notify_jwt *j = &n->jwt[i];
		if (j->header && strcmp(j->aud, aud) == 0 && now < j->renew_at) {
			*out = j->header;
			return ERR_OK;
		}
		if (j->header == NULL || j->renew_at < slot->renew_at)
			slot = j; /* an empty slot, or the oldest */
	}
	char *header;
	if ((err = vapid_authorization(n->cfg.key, endpoint, n->cfg.contact, now, &header)))
		return err;
	free(slot->header);
	slot->header = header;
	snprintf(slot->aud, sizeof slot->aud, "%s", aud);
	slot->renew_at = now + VAPID_EXPIRY - 3600;
	*out = header;
	return ERR_OK;
}

/* Retry-After: delta seconds (an HTTP date is taken as "soon"). */
static size_t on_header(char *buf, size_t size, size_t n, void *arg)
{
	struct notify_req *r = arg;
	size_t len = size * n;
	static const char name[] = "retry-after:";
	if (len > sizeof name && strncasecmp(buf, name, sizeof name - 1) == 0) {
		long long s = strtoll(buf + sizeof name - 1, NULL, 10);
		r->retry_after_ms = s > 0 && s < 86400 ? s * 1000 : NOTIFY_BACKOFF_MS;
	}
	return len;
}

/* The push service's body (an error text at most) is not kept. */
static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
	(void)buf;
	(void)arg;
	return size * n;
}

/* topic: one notification per topic, the next replaces this one (RFC 8030). */
static int request_headers(struct notify *n, struct notify_req *r, const char *endpoint,
                           const char *topic, int64_t now)
{
	const char *auth;
	char line[1200];
	int err = request_authorization(n, endpoint, now, &auth);
	if (err)
		return err;
	struct curl_slist *h = NULL;
	snprintf(line, sizeof line, "Authorization: %s", auth);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof line, "TTL: %d", NOTIFY_TTL_S);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof line, "Topic: %s", topic);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Urgency: normal");
	h = curl_slist_append(h, "Content-Encoding: aes128gcm");
	h = curl_slist_append(h, "Content-Type: application/octet-stream");
	r->headers = h;
	return h ? ERR_OK : ERR_INTERNAL;
}

/* The transfer of r's payload to endpoint. */
static int request_transfer(struct notify *n, struct notify_req *r, const char *endpoint,
                            const char *topic, int64_t now)
{
	int err = request_headers(n, r, endpoint, topic, now);
	if (err == ERR_OK && (r->easy = curl_easy_init()) == NULL)
		err = ERR_INTERNAL;
	if (err)
		return err;
	CURL *e = r->easy;
	curl_easy_setopt(e, CURLOPT_URL, endpoint);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, (const char *)r->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)r->body_len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	if (n->cfg.ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, n->cfg.ca_file);
	return ERR_OK;
}

int request_new(struct notify *n, const struct store_push_due *d, int64_t now,
                struct notify_req **out)
{
	*out = NULL;
	struct notify_req *r = calloc(1, sizeof *r);
	if (r == NULL)
		return ERR_INTERNAL;
	r->id = d->id;
	r->message_id = d->message_id;
	r->sub_id = d->sub_id;
	r->conv_id = d->conv_id;
	r->user_id = d->user_id;
	r->family_id = d->rcpt_role == ROLE_FAMILY ? d->family_id : 0;
	r->attempts = d->attempts;
	r->due_at = d->message_at > d->not_before ? d->message_at : d->not_before;
	struct notice notice;
	struct notice_in in = {.lang = d->lang,
	                       .reader_role = d->rcpt_role,
	                       .content = d->content,
	                       .sender = d->sender,
	                       .preview = d->preview,
	                       .truncated = d->truncated};
	notice_write(&in, &notice);
	char topic[32]; /* one notification per conversation */
	snprintf(topic, sizeof topic, "conv-%lld", (long long)d->conv_id);
	int err = request_payload(&notice, d->conv_id, d->family_id, d->p256dh, d->auth, r);
	if (err == ERR_OK)
		err = request_transfer(n, r, d->endpoint, topic, now);
	if (err) {
		request_free(r);
		return err;
	}
	*out = r;
	return ERR_OK;
}

int request_new_warning(struct notify *n, const struct store_push_expiring *e, int64_t now,
                        struct notify_req **out)
{
	*out = NULL;
	struct notify_req *r = calloc(1, sizeof *r);
	if (r == NULL)
		return ERR_INTERNAL;
	r->warning = true;
	r->id = e->token_id;
	r->sub_id = e->sub_id;
	r->user_id = e->user_id;
	r->family_id = e->family_id;
	r->due_at = now;
	struct notice notice;
	notice_expiry(e->lang, &notice);
	int err = request_payload(&notice, 0, e->family_id, e->p256dh, e->auth, r);
	if (err == ERR_OK)
		err = request_transfer(n, r, e->endpoint, "expiry", now);
	if (err) {
		request_free(r);
		return err;
	}
	*out = r;
	return ERR_OK;
}

void request_free(struct notify_req *r)
{
	if (r == NULL)
		return;
	if (r->easy)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	free(r->body);
	free(r);
}

enum notify_result request_result(CURLcode rc, long status)
{
	if (rc != CURLE_OK)
		return NR_RETRY; /* no answer: the network or the service is down */
	if (status >= 200 && status < 300)
		return NR_SENT;
	if (status == 404 || status == 410)
		return NR_GONE;
	if (status == 429 || status >= 500)
		return NR_RETRY;
	return NR_REJECTED;
}
