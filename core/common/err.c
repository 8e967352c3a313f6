/*
 * err.c - error codes to wire codes, HTTP statuses and default messages.
 */
#include "err.h"

struct err_info {
	const char *code;
	int status;
	const char *message;
};

static const struct err_info err_table[ERR__COUNT] = {
    [ERR_OK] = {"ok", 200, "ok"},
    [ERR_BAD_REQUEST] = {"bad_request", 400, "The request is malformed."},
    [ERR_UNAUTHORIZED] = {"unauthorized", 401, "Not signed in, or the sign-in has expired."},
    [ERR_FORBIDDEN] = {"forbidden", 403, "You may not do that."},
    [ERR_NOT_FOUND] = {"not_found", 404, "No such thing."},
    [ERR_CONFLICT] = {"conflict", 409, "That conflicts with what is already there."},
    [ERR_GONE] = {"gone", 410, "That is no longer valid."},
    [ERR_TOO_LARGE] = {"too_large", 413, "That is too large."},
    [ERR_RATE_LIMITED] = {"rate_limited", 429, "Too many requests; slow down."},
    [ERR_UNAVAILABLE] = {"unavailable", 503, "The service cannot store data right now."},
    [ERR_INTERNAL] = {"internal", 500, "Internal error."},
    [ERR_UNSUPPORTED] = {"unsupported_type", 415,
                         "Only photos (JPEG, PNG, WebP, HEIC) and PDF files can be sent."},
    [ERR_CLOSED] = {"case_closed", 409,
                    "The family's case is closed: it takes no new messages until it is reopened."},
};

static const struct err_info *err_lookup(int err)
{
	if (err < 0 || err >= ERR__COUNT)
		err = ERR_INTERNAL;
	return &err_table[err];
}

const char *err_code(int err)
{
	return err_lookup(err)->code;
}

int err_http_status(int err)
{
	return err_lookup(err)->status;
}

const char *err_message(int err)
{
	return err_lookup(err)->message;
}
