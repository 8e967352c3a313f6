/*
 * endpoint.h - which push endpoints the gateway will POST to.
 *
 * A Web Push subscription's endpoint is a URL a client hands the gateway,
 * which later sends requests there: without a rule, any signed-in user could
 * make the gateway call hosts on its own network (server-side request
 * forgery).  An endpoint must be https to one of the configured push
 * services (by default the big four), with no user part, and never an IP
 * literal or localhost unless the configuration allows private addresses
 * (tests, with their own local push service).  The sender checks again the
 * address a name resolves to when it connects.
 */
#ifndef INDGANG_PUSH_ENDPOINT_H
#define INDGANG_PUSH_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest endpoint taken (the services' are under 512 bytes). */
#define PUSH_ENDPOINT_MAX 1024

/* Google (FCM), Mozilla, Microsoft (WNS, under a subdomain) and Apple:
 * "*.name" matches the subdomains of name. NULL-terminated. */
extern const char *const push_default_hosts[];

/* ERR_OK when url is an endpoint the gateway may send to: https, a host of
 * hosts (NULL: push_default_hosts), an optional port, a path; an IP literal
 * or localhost only with allow_private and when listed.  ERR_BAD_REQUEST
 * otherwise, with *why a sentence for the client. */
int push_endpoint_check(const char *url, const char *const *hosts, bool allow_private,
                        const char **why);

#endif
