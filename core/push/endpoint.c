/*
 * endpoint.c - the rule for push endpoints (see endpoint.h).
 */
#include "endpoint.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "../common/err.h"

const char *const push_default_hosts[] = {
    "fcm.googleapis.com",                /* Chrome, Edge on Android, Samsung */
    "updates.push.services.mozilla.com", /* Firefox */
    "*.notify.windows.com",              /* Edge on Windows (WNS) */
    "web.push.apple.com",                /* Safari, iOS 16.4+ home-screen apps */
    NULL,
};

static int refuse(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return ERR_BAD_REQUEST;
}

/* host (len bytes) matches pattern: equal, or "*.name" and a subdomain of name. */
static bool host_matches(const char *host, size_t len, const char *pattern)
{
	if (strncmp(pattern, "*.", 2) == 0) {
		size_t plen = strlen(pattern + 1); /* ".name" */
		return len > plen && strncasecmp(host + len - plen, pattern + 1, plen) == 0;
	}
	return strlen(pattern) == len && strncasecmp(host, pattern, len) == 0;
}

/* A name of letters, digits, '-' and '.', or an IP literal ([v6] or v4). */
static bool host_is_literal(const char *host, size_t len)
{
	char buf[64];
	unsigned char addr[16];
	if (len >= sizeof buf)
		return false;
	memcpy(buf, host, len);
	buf[len] = '\0';
	if (buf[0] == '[')
		return true;
	return inet_pton(AF_INET, buf, addr) == 1 || strcasecmp(buf, "localhost") == 0 ||
	       (len > 10 && strcasecmp(buf + len - 10, ".localhost") == 0);
}

static bool host_chars_ok(const char *host, size_t len)
{
	if (len == 0 || host[0] == '[')
		return len > 2 && host[0] == '[' && host[len - 1] == ']';
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)host[i]) && host[i] != '-' && host[i] != '.')
			return false;
	return true;
}

int push_endpoint_check(const char *url, const char *const *hosts, bool allow_private,
                        const char **why)
{
	static const char scheme[] = "https://";
	if (url == NULL || strlen(url) > PUSH_ENDPOINT_MAX)
		return refuse(why, "The endpoint is missing or too long.");
	if (strncmp(url, scheme, sizeof scheme - 1) != 0)
		return refuse(why, "The endpoint must be an https URL.");
	const char *host = url + sizeof scheme - 1;
	size_t authority = strcspn(host, "/?#");
	if (memchr(host, '@', authority) != NULL)
		return refuse(why, "The endpoint may not carry a user name.");
	const char *close = host[0] == '[' ? memchr(host, ']', authority) : NULL;
	const char *colon =
	    memchr(close ? close : host, ':', authority - (size_t)((close ? close : host) - host));
	size_t len = colon ? (size_t)(colon - host) : authority;
	if (colon) {
		for (const char *p = colon + 1; p < host + authority; p++)
			if (!isdigit((unsigned char)*p))
				return refuse(why, "The endpoint's port must be a number.");
	}
	if (host[authority] != '/' || !host_chars_ok(host, len))
		return refuse(why, "The endpoint must be https://host/path.");
	if (host_is_literal(host, len) && !allow_private)
		return refuse(why, "The endpoint may not be an address or this machine.");
	for (const char *const *h = hosts ? hosts : push_default_hosts; *h; h++)
		if (host_matches(host, len, *h))
			return ERR_OK;
	return refuse(why, "The endpoint is not a push service this gateway sends to.");
}
