/*
 * err.h - the one error enum of Indgang, and its mapping to the wire.
 *
 * Every core function returns an `int` that is either ERR_OK or one of these.
 * The contract's error codes (PROTOCOL.md), HTTP statuses and the human
 * messages are derived from it here and nowhere else.
 */
#ifndef INDGANG_ERR_H
#define INDGANG_ERR_H

enum err {
	ERR_OK = 0,
	ERR_BAD_REQUEST,  /* 400 bad_request */
	ERR_UNAUTHORIZED, /* 401 unauthorized */
	ERR_FORBIDDEN,    /* 403 forbidden */
	ERR_NOT_FOUND,    /* 404 not_found */
	ERR_CONFLICT,     /* 409 conflict */
	ERR_GONE,         /* 410 gone */
	ERR_TOO_LARGE,    /* 413 too_large */
	ERR_RATE_LIMITED, /* 429 rate_limited */
	ERR_UNAVAILABLE,  /* 503 unavailable: storage full or failing, shutting down */
	ERR_INTERNAL,     /* 500 internal */
	ERR_UNSUPPORTED,  /* 415 unsupported_type: a file of a type not taken */
	ERR_CLOSED,       /* 409 case_closed: the family's case is closed (issue 16) */
	ERR__COUNT
};

/* The contract's code string, e.g. "bad_request". Never NULL. */
const char *err_code(int err);

/* The HTTP status for an error (200 for ERR_OK). */
int err_http_status(int err);

/* A short human sentence for an error, used when no better one is at hand. */
const char *err_message(int err);

#endif
