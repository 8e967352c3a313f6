/*
 * sendsms.c - one SMS to Kannel's smsbox: its sendsms request (GET, the
 * text in UTF-8, UCS-2 when GSM 03.38 cannot hold it, delivery reports
 * asked for) and what its answer means.
 */
#define _GNU_SOURCE /* asprintf */
#include "kannel_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/text.h"
#include "../sms/parts.h"

/* Kannel's dlr-mask: delivered (1), failed (2) and refused by the operator's
 * SMSC (16).  Not buffered (4) or accepted by the SMSC (8): they would say
 * no more than Kannel's 202 did (accepted), and each report is a request to
 * the gateway. */
#define SENDSMS_DLR_MASK "19"

/* The start of Kannel's answer, for the record ("0: Accepted for delivery"). */
struct answer {
	char text[80];
	size_t n;
};

static size_t keep_answer(char *data, size_t size, size_t nmemb, void *arg)
{
	struct answer *a = arg;
	size_t len = size * nmemb;
	for (size_t i = 0; i < len && a->n + 1 < sizeof a->text; i++)
		a->text[a->n++] = data[i] == '\n' || data[i] == '"' ? ' ' : data[i];
	a->text[a->n] = '\0';
	return len;
}

/* Appends &name=escaped(value) to *url. */
static int add(CURL *c, char **url, const char *name, const char *value)
{
	char *v = curl_easy_escape(c, value, 0), *next = NULL;
	int rc = v ? asprintf(&next, "%s&%s=%s", *url, name, v) : -1;
	curl_free(v);
	free(*url);
	*url = rc < 0 ? NULL : next;
	return rc < 0 ? -1 : 0;
}

static char *request_url(struct kannel *k, const struct svc_sms *o)
{
	const struct kannel_config *c = &k->cfg;
	struct sms_cost cost;
	char *url = NULL, *dlr = NULL;
	if (sms_cost(o->text, strlen(o->text), &cost) != 0 ||
	    asprintf(&dlr, "%s?secret=%s&id=%lld&type=%%d&answer=%%A", c->dlr_url, c->secret,
	             (long long)o->st.id) < 0 ||
	    asprintf(&url, "%s?charset=UTF-8&dlr-mask=" SENDSMS_DLR_MASK "&coding=%d",
	             c->sendsms_url, cost.coding == SMS_UCS2 ? 2 : 0) < 0) {
		free(dlr);
		return NULL;
	}
	int rc = add(k->easy, &url, "username", c->username ? c->username : "");
	rc |= url ? add(k->easy, &url, "password", c->password ? c->password : "") : -1;
	rc |= url ? add(k->easy, &url, "to", o->phone) : -1;
	rc |= url ? add(k->easy, &url, "text", o->text) : -1;
	rc |= url ? add(k->easy, &url, "dlr-url", dlr) : -1;
	if (url && c->sender)
		rc |= add(k->easy, &url, "from", c->sender);
	free(dlr);
	if (rc != 0) {
		free(url);
		return NULL;
	}
	return url;
}

/* 202: Kannel has it.  401/403 (the sendsms-user is wrong: an operator's
 * mistake, not the SMS's), 5xx and no answer: later.  Any other answer is
 * Kannel refusing this request for good. */
static enum sms_state result_of(CURLcode rc, long status)
{
	if (rc == CURLE_OK && status >= 200 && status < 300)
		return SMS_ACCEPTED;
	if (rc != CURLE_OK || status == 401 || status == 403 || status >= 500)
		return SMS_QUEUED;
	return SMS_FAILED;
}

void sendsms_hand_over(struct kannel *k, struct svc_sms *o)
{
	struct answer a = {.n = 0};
	char *url = request_url(k, o);
	if (url == NULL) {
		o->result = SMS_FAILED;
		text_copy(o->detail, sizeof o->detail, "not sent: the text cannot be sent");
		return;
	}
	CURL *c = k->easy;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)KANNEL_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_answer);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	free(url);
	o->result = result_of(rc, status);
	if (rc != CURLE_OK)
		snprintf(o->detail, sizeof o->detail, "Kannel: %s", curl_easy_strerror(rc));
	else
		snprintf(o->detail, sizeof o->detail, "Kannel %ld: %s", status, a.text);
}
