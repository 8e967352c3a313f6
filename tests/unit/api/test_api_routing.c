/*
 * test_api_routing.c - the HTTP API's dispatch (core/api/api.c, routes[]
 * and api_handle) on a :memory: store world: each route is reached by its
 * method and path, with the id in the path handed to its handler; a path no
 * route matches answers 404 not_found, a known path with another method
 * 400 bad_request, before anything is decoded or checked.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/api/api.h"
#include "core/auth/auth.h"
#include "core/common/err.h"
#include "core/common/text.h"
#include "core/metrics/metrics.h"
#include "world.h"

static struct world w;
static struct api_ctx ctx;
static atomic_bool writable;
static char tok_anna[AUTH_TOKEN_LEN + 1];

/* One request; returns the status, and the error code (or "") in code. */
static int call(const char *method, const char *path, const char *bearer, char *code, size_t cap)
{
	struct api_request req;
	struct api_response resp;
	memset(&req, 0, sizeof req);
	text_copy(req.method, sizeof req.method, method);
	req.path = (char *)path;
	req.query = (char *)"";
	req.host = (char *)"localhost:8443";
	req.bearer = (char *)bearer;
	text_copy(req.peer_addr, sizeof req.peer_addr, "127.0.0.1");
	api_handle(&ctx, &req, text_now_ms(), &resp);
	code[0] = '\0';
	const char *at = resp.body ? strstr(resp.body, "\"code\":\"") : NULL;
	if (at != NULL) {
		at += strlen("\"code\":\"");
		size_t n = strcspn(at, "\"");
		snprintf(code, cap, "%.*s", (int)n, at);
	}
	int status = resp.status;
	api_response_free(&resp);
	return status;
}

static void expect(const char *method, const char *path, const char *bearer, int status,
                   const char *code)
{
	char got[32];
	int s = call(method, path, bearer, got, sizeof got);
	if (s != status || strcmp(got, code) != 0)
		fprintf(stderr, "  %s %s: %d %s, expected %d %s\n", method, path, s, got, status,
		        code);
	CHECK_EQ(s, status);
	CHECK_STR(got, code);
}

/* No route matches: 404, whatever the method. */
static void test_unknown_paths(void)
{
	static const char *const paths[] = {
	    "/",
	    "/api",
	    "/api/nope",
	    "/api/login/",          /* exact paths match exactly */
	    "/API/login",           /* case matters */
	    "/api/conversations/1", /* the suffix is missing */
	    "/api/conversations/1/messagesx",
	    "/api/conversations//messages",
	    "/api/conversations/0/messages", /* ids start at 1 */
	    "/api/conversations/01/messages",
	    "/api/conversations/-1/messages",
	    "/api/conversations/x1/messages",
	    "/api/families/1/logs",
	    "/api/families/1",
	    "/api/devices/",
	    "/api/devices/1/",
	    "/api/devices/1x",
	};
	static const char *const methods[] = {"GET", "POST", "DELETE", "PUT"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		for (size_t m = 0; m < 4; m++)
			expect(methods[m], paths[i], NULL, 404, "not_found");
}

/* A known path with a method it does not take: 400, even when signed in. */
static void test_wrong_methods(void)
{
	static const struct {
		const char *method, *path;
	} wrong[] = {
	    {"POST", "/healthz"},
	    {"DELETE", "/metrics"},
	    {"GET", "/api/login"},
	    {"PUT", "/api/login"},
	    {"GET", "/api/enrol"},
	    {"GET", "/api/logout"},
	    {"POST", "/api/me"},
	    {"DELETE", "/api/me"},
	    {"POST", "/api/conversations/1/messages"},
	    {"GET", "/api/conversations"},
	    {"GET", "/api/invites"},
	    {"POST", "/api/families/1/log"},
	    {"DELETE", "/api/families/1/devices"},
	    {"POST", "/api/families/1/access-log"},
	    {"GET", "/api/devices/1"},
	    {"POST", "/api/devices/1"},
	};
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		expect(wrong[i].method, wrong[i].path, NULL, 400, "bad_request");
		expect(wrong[i].method, wrong[i].path, tok_anna, 400, "bad_request");
	}
}

/* The right method reaches the handler: without a sign-in the endpoints
 * that need one answer 401 (not 404 or 400); with one they answer. */
static void test_routes_reach_handlers(void)
{
	char path[96];
	expect("GET", "/healthz", NULL, 200, "");
	expect("GET", "/api/me", NULL, 401, "unauthorized");
	expect("GET", "/api/me", tok_anna, 200, "");
	expect("POST", "/api/logout", NULL, 401, "unauthorized");
	expect("POST", "/api/conversations", NULL, 401, "unauthorized");
	expect("POST", "/api/invites", NULL, 401, "unauthorized");
	expect("DELETE", "/api/devices/1", NULL, 401, "unauthorized");

	/* The id in the path is the handler's: Anna's family and conversation
	 * answer, the other family's are not found (as if they did not exist). */
	snprintf(path, sizeof path, "/api/conversations/%lld/messages", (long long)w.conv_a);
	expect("GET", path, NULL, 401, "unauthorized");
	expect("GET", path, tok_anna, 200, "");
	snprintf(path, sizeof path, "/api/conversations/%lld/messages", (long long)w.conv_b);
	expect("GET", path, tok_anna, 404, "not_found");
	snprintf(path, sizeof path, "/api/families/%lld/log", (long long)w.fam_a);
	expect("GET", path, tok_anna, 200, "");
	snprintf(path, sizeof path, "/api/families/%lld/log", (long long)w.fam_b);
	expect("GET", path, tok_anna, 404, "not_found");
	snprintf(path, sizeof path, "/api/families/%lld/devices", (long long)w.fam_a);
	expect("GET", path, tok_anna, 200, "");
	snprintf(path, sizeof path, "/api/families/%lld/access-log", (long long)w.fam_a);
	expect("GET", path, tok_anna, 200, "");
}

int main(void)
{
	uint8_t hash[32];
	int64_t tid, now = text_now_ms();
	if (world_build(&w, ":memory:") != 0) {
		fprintf(stderr, "test_api_routing: cannot build the world\n");
		return 1;
	}
	CHECK_EQ(auth_token_new(tok_anna, hash), ERR_OK);
	CHECK_EQ(store_token_insert(w.s, hash, w.anna, 0, now, now + 3600 * 1000, &tid), ERR_OK);
	atomic_init(&writable, true);
	ctx.store = w.s;
	ctx.throttle = auth_throttle_create();
	svc_policy_defaults(&ctx.policy);
	ctx.writable_flag = &writable;
	ctx.metrics = metrics_create("test", "none");

	test_unknown_paths();
	test_wrong_methods();
	test_routes_reach_handlers();

	metrics_destroy(ctx.metrics);
	auth_throttle_destroy(ctx.throttle);
	world_free(&w);
	return check_report("api routing");
}
