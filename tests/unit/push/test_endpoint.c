/*
 * test_endpoint.c - the push endpoints the gateway will POST to: the push
 * services' https URLs, and nothing a user could point at the gateway's own
 * network (core/push/endpoint.c).
 */
#include <stdbool.h>
#include <stddef.h>

#include "check.h"
#include "core/common/err.h"
#include "core/push/endpoint.h"

static int check(const char *url, const char *const *hosts, bool allow_private)
{
	const char *why = NULL;
	int err = push_endpoint_check(url, hosts, allow_private, &why);
	CHECK(err == ERR_OK || why != NULL);
	return err;
}

static void test_services(void)
{
	static const char *const good[] = {
	    "https://fcm.googleapis.com/fcm/send/dR3x:APA91bH",
	    "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",
	    "https://wns2-db5p.notify.windows.com/w/?token=BQYAAAB",
	    "https://web.push.apple.com/QGuQyavXutnMH6kB9QJwNw",
	    "https://FCM.googleapis.com:443/fcm/send/x",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		CHECK_EQ(check(good[i], NULL, false), ERR_OK);
}

/* Everything a signed-in user might register to make the gateway call
 * something else. */
static void test_forgeries(void)
{
	static const char *const bad[] = {
	    "http://fcm.googleapis.com/fcm/send/x",       /* not TLS */
	    "https://evil.example/fcm/send/x",            /* another host */
	    "https://fcm.googleapis.com.evil.example/x",  /* a lookalike suffix */
	    "https://evilfcm.googleapis.com/x",           /* not a subdomain match */
	    "https://notify.windows.com/w/",              /* "*." wants a subdomain */
	    "https://.notify.windows.com/w/",             /* ... with a name */
	    "https://fcm.googleapis.com@127.0.0.1/x",     /* user part */
	    "https://127.0.0.1/x",                        /* loopback */
	    "https://10.0.0.7:8443/x",                    /* private */
	    "https://[::1]/x",                            /* IPv6 loopback */
	    "https://localhost/x",                        /* this machine */
	    "https://fcm.googleapis.com",                 /* no path */
	    "https://fcm.googleapis.com:44x3/x",          /* a port that is no number */
	    "https://fcm.googleapis.com\\@evil.example/", /* a character no host has */
	    "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_EQ(check(bad[i], NULL, false), ERR_BAD_REQUEST);
	CHECK_EQ(check(NULL, NULL, false), ERR_BAD_REQUEST);
}

/* A test's own push service on loopback: only when the configuration
 * allows private addresses and lists it. */
static void test_private_when_configured(void)
{
	static const char *const local[] = {"127.0.0.1", NULL};
	CHECK_EQ(check("https://127.0.0.1:9443/push/1", local, false), ERR_BAD_REQUEST);
	CHECK_EQ(check("https://127.0.0.1:9443/push/1", local, true), ERR_OK);
	CHECK_EQ(check("https://10.0.0.7/push/1", local, true), ERR_BAD_REQUEST);
	CHECK_EQ(check("https://fcm.googleapis.com/fcm/send/x", local, true), ERR_BAD_REQUEST);
}

int main(void)
{
	test_services();
	test_forgeries();
	test_private_when_configured();
	return check_report("push endpoint");
}
