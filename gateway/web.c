/*
 * web.c - mapping request paths to the web clients' files.
 */
#include "web.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const struct {
	const char *ext;
	const char *mime;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".webmanifest", "application/manifest+json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *mime_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (dot == NULL || strchr(dot, '/'))
		return NULL;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].mime;
	return NULL;
}

/* No "..", no hidden files, no backslashes: every segment a plain name. */
static bool path_is_safe(const char *p)
{
	if (p[0] != '/' || strchr(p, '\\'))
		return false;
	for (const char *seg = p; seg; seg = strchr(seg + 1, '/'))
		if (seg[1] == '.')
			return false;
	return true;
}

bool web_resolve(const char *root, const char *url_path, struct web_file *out)
{
	out->redirect = false;
	if (root == NULL || !path_is_safe(url_path))
		return false;
	size_t n = strlen(url_path);
	const char *index = (n > 0 && url_path[n - 1] == '/') ? "index.html" : "";
	int len = snprintf(out->path, sizeof out->path, "%s%s%s", root, url_path, index);
	if (len < 0 || (size_t)len >= sizeof out->path)
		return false;
	struct stat st;
	if (stat(out->path, &st) != 0)
		return false;
	if (S_ISDIR(st.st_mode)) {
		out->redirect = true;
		return true;
	}
	if (!S_ISREG(st.st_mode))
		return false;
	out->mime = mime_of(out->path);
	return out->mime != NULL;
}
