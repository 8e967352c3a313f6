/*
 * notice.c - the words of a notification in each language of the family
 * app (clients/web/family/lang/) and of the staff client
 * (clients/web/staff/lang/), and the rule of what it may show.
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

/* A phone about to be signed out for disuse (no number or date: the same
 * words whatever the wait, in every language without plural forms). */
static const struct {
	const char *lang, *body;
} expiry_words[] = {
    {"da", "Denne telefon bliver snart logget ud af Indgang, fordi appen ikke er blevet brugt. "
           "Åbn appen for at blive ved med at være logget ind."},
    {"en", "This phone will soon be signed out of Indgang because the app has not been used. "
           "Open the app to stay signed in."},
    {"ar", "سيتم قريبًا تسجيل خروج هذا الهاتف من Indgang لأن التطبيق لم يُستخدم. افتح التطبيق "
           "لتبقى مسجّل الدخول."},
    {"so", "Taleefankan dhawaan waa laga saari doonaa Indgang sababtoo ah app-ka lama isticmaalin. "
           "Fur app-ka si aad u sii gashan ahaato."},
    {"tr", "Uygulama kullanılmadığı için bu telefonun Indgang oturumu yakında kapanacak. "
           "Oturumunuzun açık kalması için uygulamayı açın."},
    {"uk", "Незабаром цей телефон буде виведено з Indgang, бо застосунок не використовувався. "
           "Відкрийте застосунок, щоб залишатися в системі."},
    /* clang-format counts this Persian text's columns differently on each
     * pass (its zero-width non-joiners) and never settles: kept as written. */
    /* clang-format off */
    {"fa", "این تلفن به‌زودی از Indgang خارج می‌شود، چون برنامه استفاده نشده است. "
           "برنامه را باز کنید تا وارد بمانید."},
    /* clang-format on */
};

/* Staff read the staff client's languages (clients/web/staff/lang/). */
static const struct words staff_words[] = {
    {"da", "Ny besked fra en familie", "Ny besked fra ", "", 0},
    {"en", "New message from a family", "New message from ", "", 0},
};

/* The reader's language among words[n], the first (Danish) otherwise. */
static const struct words *pick(const struct words *words, size_t n, const char *lang)
{
	for (size_t i = 0; lang && i < n; i++)
		if (strcmp(lang, words[i].lang) == 0)
			return &words[i];
	return &words[0];
}

static const struct words *words_for(const struct notice_in *in)
{
	if (in->reader_role != ROLE_FAMILY)
		return pick(staff_words, sizeof staff_words / sizeof *staff_words, in->lang);
	return pick(family_words, sizeof family_words / sizeof *family_words, in->lang);
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

_Static_assert(sizeof expiry_words / sizeof expiry_words[0] ==
                   sizeof family_words / sizeof family_words[0],
               "the warning in every language of the family app");

void notice_expiry(const char *lang, struct notice *out)
{
	memset(out, 0, sizeof *out);
	size_t k = 0;
	for (size_t i = 0; i < sizeof expiry_words / sizeof expiry_words[0]; i++)
		if (lang && strcmp(lang, expiry_words[i].lang) == 0)
			k = i;
	text_copy(out->lang, sizeof out->lang, expiry_words[k].lang);
	out->rtl = family_words[k].rtl; /* the same languages, in the same order */
	text_copy(out->title, sizeof out->title, "Indgang");
	text_copy(out->body, sizeof out->body, expiry_words[k].body);
}
