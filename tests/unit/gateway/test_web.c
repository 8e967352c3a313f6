/*
 * test_web.c - which files the gateway serves to browsers, and which never.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "gateway/web.h"

static char root[] = "/tmp/indgang-test-web-XXXXXX";

static void put(const char *rel)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	FILE *f = fopen(p, "w");
	if (f) {
		fputs("x", f);
		fclose(f);
	}
}

int main(void)
{
	if (mkdtemp(root) == NULL)
		return 1;
	char p[512];
	snprintf(p, sizeof p, "%s/staff", root);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/.secret", root);
	mkdir(p, 0755);
	put("index.html");
	put("staff/index.html");
	put("staff/app.js");
	put("manifest.webmanifest");
	put("notes.db");
	put(".secret/key.txt");

	struct web_file f;
	CHECK(web_resolve(root, "/", &f) && !f.redirect);
	CHECK(strstr(f.path, "/index.html") != NULL);
	CHECK_STR(f.mime, "text/html; charset=utf-8");
	CHECK(web_resolve(root, "/staff/", &f) && !f.redirect);
	CHECK(web_resolve(root, "/staff", &f) && f.redirect);
	CHECK(web_resolve(root, "/staff/app.js", &f));
	CHECK_STR(f.mime, "text/javascript; charset=utf-8");
	CHECK(web_resolve(root, "/manifest.webmanifest", &f));
	CHECK_STR(f.mime, "application/manifest+json; charset=utf-8");
	/* Never: unknown types, traversal, hidden files, missing files, no root. */
	CHECK(!web_resolve(root, "/notes.db", &f));
	CHECK(!web_resolve(root, "/staff/../index.html", &f));
	CHECK(!web_resolve(root, "/../etc/passwd", &f));
	CHECK(!web_resolve(root, "/.secret/key.txt", &f));
	CHECK(!web_resolve(root, "/staff/..", &f));
	CHECK(!web_resolve(root, "/staff\\app.js", &f));
	CHECK(!web_resolve(root, "/nothing.html", &f));
	CHECK(!web_resolve(root, "staff/app.js", &f));
	CHECK(!web_resolve(NULL, "/", &f));

	snprintf(p, sizeof p, "rm -rf %s", root);
	if (system(p) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	return check_report("web");
}
