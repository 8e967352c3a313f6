/*
 * notice.h - what a notification says, in the reader's language.
 *
 * By default nothing of the message: a phone is often shared with the
 * children, so the lock screen says only that the advisers wrote
 * ("Ny besked fra dine rådgivere").  A person may let it show who wrote,
 * or the start of the text (enum push_content).  Family members read it in
 * the language their app is set to (the subscription's); staff in Danish.
 */
#ifndef INDGANG_PUSH_NOTICE_H
#define INDGANG_PUSH_NOTICE_H

#include <stddef.h>

#include "../domain/domain.h"

#define NOTICE_TITLE_MAX 256
#define NOTICE_BODY_MAX  600

struct notice_in {
	const char *lang;          /* the subscription's language: "da", "fa", ... */
	enum role reader_role;     /* who is told */
	enum push_content content; /* what they let it show */
	const char *sender;        /* the sender's name */
	const char *preview;       /* the start of the text (at most STORE_PREVIEW_MAX) */
	int truncated;             /* the text goes on after preview */
};

struct notice {
	char title[NOTICE_TITLE_MAX];
	char body[NOTICE_BODY_MAX];
	char lang[8]; /* the language it is written in (unknown ones fall back to Danish) */
	int rtl;      /* written right to left (Arabic, Farsi) */
};

void notice_write(const struct notice_in *in, struct notice *out);
/* A family member's phone will soon be signed out for disuse; in lang. */
void notice_expiry(const char *lang, struct notice *out);

#endif
