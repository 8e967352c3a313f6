/*
 * notice.c - the words of a notification in each language of the family
 * app (clients/web/family/lang/), and the rule of what it may show.
 */
#include "notice.h"

#include <stdio.h>
#include <string.h>

#include "../common/text.h"

struct words {
	const char *lang;
	const char *from_advisers;        /* nothing shown */
	const char *from_pre, *from_post; /* the sender shown: around their name */
	int rtl;
};

static const struct words family_words[] = {
    {"da", "Ny besked fra dine rådgivere", "Ny besked fra ", "", 0},
    {"en", "New message from your advisers", "New message from ", "", 0},
    {"ar", "رسالة جديدة من مستشاريك", "رسالة جديدة من ", "", 1},
    {"so", "Fariin cusub oo ka timid la-taliyayaashaada", "Fariin cusub oo ka timid ", "", 0},
    {"tr", "Danışmanlarınızdan yeni mesaj", "", " size yeni bir mesaj gönderdi", 0},
    {"uk", "Нове повідомлення від ваших консультантів", "Нове повідомлення від ", "", 0},
    {"fa", "پیام تازه از مشاوران شما", "پیام تازه از ", "", 1},
};

/* Staff read Danish (the staff client is Danish). */
static const struct words staff_words = {"da", "Ny besked fra en familie", "Ny besked fra ", "", 0};

static const struct words *words_for(const struct notice_in *in)
{
	if (in->reader_role != ROLE_FAMILY)
		return &staff_words;
	for (size_t i = 0; i < sizeof family_words / sizeof family_words[0]; i++)
		if (in->lang && strcmp(in->lang, family_words[i].lang) == 0)
			return &family_words[i];
	return &family_words[0];
}

void notice_write(const struct notice_in *in, struct notice *out)
{
	const struct words *w = words_for(in);
	memset(out, 0, sizeof *out);
	text_copy(out->lang, sizeof out->lang, w->lang);
	out->rtl = w->rtl;
	text_copy(out->title, sizeof out->title, "Indgang");
	switch (in->content) {
	case PUSH_CONTENT_PREVIEW:
		text_copy(out->title, sizeof out->title, in->sender);
		snprintf(out->body, sizeof out->body, "%s%s", in->preview,
		         in->truncated ? "…" : "");
		break;
	case PUSH_CONTENT_SENDER:
		snprintf(out->body, sizeof out->body, "%s%s%s", w->from_pre, in->sender,
		         w->from_post);
		break;
	case PUSH_CONTENT_NONE:
	default:
		text_copy(out->body, sizeof out->body, w->from_advisers);
		break;
	}
}
