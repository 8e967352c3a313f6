/*
 * test_notice.c - what a notification says (core/push/notice.c): nothing of
 * the message unless the reader chose so, in the reader's language, right
 * to left for Arabic and Farsi, Danish for an unknown language and for staff.
 */
#include <string.h>

#include "check.h"
#include "core/push/notice.h"

static struct notice write_one(const char *lang, enum role role, enum push_content c)
{
	struct notice n;
	struct notice_in in = {.lang = lang,
	                       .reader_role = role,
	                       .content = c,
	                       .sender = "Anna Jensen",
	                       .preview = "Dit brev fra kommunen betyder",
	                       .truncated = 1};
	notice_write(&in, &n);
	return n;
}

static void test_nothing_by_default(void)
{
	struct notice n = write_one("da", ROLE_FAMILY, PUSH_CONTENT_NONE);
	CHECK_STR(n.title, "Indgang");
	CHECK_STR(n.body, "Ny besked fra dine rådgivere");
	CHECK(strstr(n.body, "Anna") == NULL && strstr(n.title, "Anna") == NULL);
	CHECK(!n.rtl);
}

static void test_sender_and_preview_when_chosen(void)
{
	struct notice n = write_one("en", ROLE_FAMILY, PUSH_CONTENT_SENDER);
	CHECK_STR(n.body, "New message from Anna Jensen");
	CHECK(strstr(n.body, "brev") == NULL);
	n = write_one("tr", ROLE_FAMILY, PUSH_CONTENT_SENDER);
	CHECK_STR(n.body, "Anna Jensen size yeni bir mesaj gönderdi");
	n = write_one("da", ROLE_FAMILY, PUSH_CONTENT_PREVIEW);
	CHECK_STR(n.title, "Anna Jensen");
	CHECK_STR(n.body, "Dit brev fra kommunen betyder…");
}

static void test_languages(void)
{
	static const char *const langs[] = {"da", "en", "ar", "so", "tr", "uk", "fa"};
	for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
		struct notice n = write_one(langs[i], ROLE_FAMILY, PUSH_CONTENT_NONE);
		CHECK_STR(n.lang, langs[i]);
		CHECK(n.body[0] != '\0');
		CHECK_EQ(n.rtl, strcmp(langs[i], "ar") == 0 || strcmp(langs[i], "fa") == 0);
	}
	struct notice n = write_one("xx", ROLE_FAMILY, PUSH_CONTENT_NONE);
	CHECK_STR(n.lang, "da");
	/* Staff read the staff client's Danish or English, Danish otherwise. */
	n = write_one("ar", ROLE_ADVISER, PUSH_CONTENT_NONE);
	CHECK_STR(n.body, "Ny besked fra en familie");
	CHECK_STR(n.lang, "da");
	CHECK(!n.rtl);
	n = write_one("en", ROLE_ADVISER, PUSH_CONTENT_NONE);
	CHECK_STR(n.body, "New message from a family");
	CHECK_STR(n.lang, "en");
}

/* A phone about to be signed out says so in every language of the app,
 * right to left where the script is, and in Danish for one it does not know. */
static void test_expiry_warning(void)
{
	static const char *const langs[] = {"da", "en", "ar", "so", "tr", "uk", "fa"};
	for (size_t i = 0; i < sizeof langs / sizeof *langs; i++) {
		struct notice n;
		notice_expiry(langs[i], &n);
		CHECK_STR(n.lang, langs[i]);
		CHECK_STR(n.title, "Indgang");
		CHECK(strstr(n.body, "Indgang") != NULL);
		CHECK_EQ(n.rtl, strcmp(langs[i], "ar") == 0 || strcmp(langs[i], "fa") == 0);
	}
	struct notice n;
	notice_expiry("xx", &n);
	CHECK_STR(n.lang, "da");
	CHECK(strstr(n.body, "logget ud") != NULL);
}

int main(void)
{
	test_nothing_by_default();
	test_sender_and_preview_when_chosen();
	test_languages();
	test_expiry_warning();
	return check_report("push notice");
}
