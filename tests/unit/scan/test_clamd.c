/*
 * test_clamd.c - the clamd client (core/scan/clamd.c), against a real clamd
 * and against fake ones made here.
 *
 * The real one is started by tests/unit/scan/run_with_clamd.py (with
 * tests/e2e/clamd.py: a private clamd whose database finds the EICAR test
 * file), which passes CLAMD_SOCKET, CLAMD_EICAR_SIGNATURE and
 * CLAMD_STREAM_MAX (bytes).  Without CLAMD_SOCKET those cases say SKIP and
 * only the fakes run: a socket path with nothing behind it, a socket nobody
 * listens on, one that never accepts, one that reads and never answers, one
 * that hangs up, one that answers what clamd would not.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "core/common/err.h"
#include "core/scan/clamd.h"

#define TIMEOUT_MS 10000 /* for the real clamd: generous, never reached */
#define SHORT_MS   300   /* for the fakes that never answer */
#define MIB        (1024 * 1024)

static const char EICAR[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
#define EICAR_LEN (sizeof EICAR - 1)

static const char *sock;                              /* the real clamd's socket, NULL: none */
static const char *eicar_sig;                         /* what it calls EICAR */
static long long stream_max;                          /* its StreamMaxLength, bytes */
static char dir[] = "/tmp/indgang-test-clamd-XXXXXX"; /* files and fake sockets */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A file of `zeros` zero bytes (a hole, so big ones cost nothing) followed by
 * tail; unlinked already, so it goes with its fd. */
static int file_of(size_t zeros, const void *tail, size_t n)
{
	char path[sizeof dir + 16];
	snprintf(path, sizeof path, "%s/fileXXXXXX", dir);
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	unlink(path);
	CHECK(ftruncate(fd, (off_t)zeros) == 0);
	CHECK(pwrite(fd, tail, n, (off_t)zeros) == (ssize_t)n);
	return fd;
}

static int scan(int fd, enum clamd_verdict *v, char *detail, size_t cap)
{
	*v = (enum clamd_verdict) - 1;
	return clamd_scan_fd(sock, fd, TIMEOUT_MS, v, detail, cap);
}

/* -- the real clamd */

static void test_clean_and_empty(void)
{
	enum clamd_verdict v;
	char detail[128] = "untouched";
	static const char letter[] = "Kære familie, vi ses på tirsdag kl. 10. Hilsen Anna\n";
	int fd = file_of(0, letter, sizeof letter - 1);
	CHECK_EQ(scan(fd, &v, detail, sizeof detail), ERR_OK);
	CHECK_EQ(v, CLAMD_CLEAN);
	close(fd);

	fd = file_of(0, "", 0);
	CHECK_EQ(scan(fd, &v, detail, sizeof detail), ERR_OK);
	CHECK_EQ(v, CLAMD_CLEAN);
	close(fd);
	CHECK_EQ(clamd_ping(sock, TIMEOUT_MS), ERR_OK);
}

static void found(size_t zeros, const char *what)
{
	enum clamd_verdict v;
	char detail[128] = "";
	int fd = file_of(zeros, EICAR, EICAR_LEN);
	CHECK_EQ(scan(fd, &v, detail, sizeof detail), ERR_OK);
	CHECK_EQ(v, CLAMD_FOUND);
	CHECK_STR(detail, eicar_sig);
	if (v != CLAMD_FOUND || strcmp(detail, eicar_sig) != 0)
		fprintf(stderr, "  EICAR %s: verdict %d, detail \"%s\"\n", what, (int)v, detail);
	close(fd);
}

static void test_eicar(void)
{
	found(0, "alone");
	found(MIB, "after 1 MiB of zeros");
	found(CLAMD_CHUNK - 30, "across the first chunk's end");
	found(3 * (size_t)CLAMD_CHUNK, "at a chunk's start");
}

/* EICAR as a PDF's stream: the body signature finds it in any file. */
static void test_eicar_in_pdf(void)
{
	char pdf[512];
	int n = snprintf(pdf, sizeof pdf,
	                 "%%PDF-1.4\n1 0 obj\n<< /Length %zu >>\nstream\n%s\nendstream\nendobj\n"
	                 "trailer\n<< /Root 1 0 R >>\n%%%%EOF\n",
	                 EICAR_LEN, EICAR);
	enum clamd_verdict v;
	char detail[128] = "";
	int fd = file_of(0, pdf, (size_t)n);
	CHECK_EQ(scan(fd, &v, detail, sizeof detail), ERR_OK);
	CHECK_EQ(v, CLAMD_FOUND);
	CHECK_STR(detail, eicar_sig);
	close(fd);
}

/* The whole file from offset 0, wherever its position is; the position stays. */
static void test_position_and_short_detail(void)
{
	enum clamd_verdict v;
	char detail[8];
	int fd = file_of(0, EICAR, EICAR_LEN);
	CHECK(lseek(fd, 40, SEEK_SET) == 40);
	CHECK_EQ(scan(fd, &v, detail, sizeof detail), ERR_OK);
	CHECK_EQ(v, CLAMD_FOUND);
	CHECK(lseek(fd, 0, SEEK_CUR) == 40);
	CHECK_EQ(strlen(detail), sizeof detail - 1); /* cut, and terminated */
	CHECK(strncmp(detail, eicar_sig, sizeof detail - 1) == 0);
	CHECK_EQ(scan(fd, &v, NULL, 0), ERR_OK);
	CHECK_EQ(v, CLAMD_FOUND);
	close(fd);
}

/* StreamMaxLength bytes pass; one more is clamd's size error, not a
 * SIGPIPE (clamd answers and hangs up while the client is still sending). */
static void test_size_limit(void)
{
	enum clamd_verdict v;
	char detail[128] = "";
	int fd = file_of((size_t)stream_max, "", 0);
	CHECK_EQ(scan(fd, &v, detail, sizeof detail), ERR_OK);
	CHECK_EQ(v, CLAMD_CLEAN);
	close(fd);

	fd = file_of((size_t)stream_max + 1, "", 0);
	CHECK_EQ(scan(fd, &v, detail, sizeof detail), ERR_TOO_LARGE);
	CHECK(strstr(detail, "size limit") != NULL);
	close(fd);
}

/* Not a check: how long a 4 MiB upload takes through INSTREAM. */
static void test_time_4mib(void)
{
	size_t n = 4 * MIB;
	unsigned char *buf = malloc(n);
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (unsigned char)x;
	}
	int fd = file_of(0, buf, n);
	free(buf);
	enum clamd_verdict v;
	int64_t t0 = now_ms();
	CHECK_EQ(scan(fd, &v, NULL, 0), ERR_OK);
	CHECK_EQ(v, CLAMD_CLEAN);
	printf("  a 4 MiB file of random bytes through INSTREAM: %lld ms\n",
	       (long long)(now_ms() - t0));
	close(fd);
}

/* -- no clamd, or a broken one */

static char made[16][sizeof dir + 32]; /* the socket files, removed at the end */
static int n_made;

/* A socket path in dir: bound, and listening when backlog >= 0.  -> its fd */
static int fake_socket(const char *name, int backlog, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", dir, name);
	if (n_made < 16)
		snprintf(made[n_made++], sizeof made[0], "%s", path);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(s >= 0);
	CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
	if (backlog >= 0)
		CHECK(listen(s, backlog) == 0);
	return s;
}

/* A fake clamd for one connection: reads `expect` bytes (SIZE_MAX: until the
 * client hangs up), sends answer (if any), hangs up. */
struct fake {
	int listener;
	size_t expect;
	const char *answer;
	size_t answer_len;
	pthread_t thread;
};

static void *fake_serve(void *arg)
{
	struct fake *f = arg;
	/* A client that never comes must fail the test, not hang it. */
	struct pollfd p = {.fd = f->listener, .events = POLLIN};
	int c = poll(&p, 1, 3000) == 1 ? accept(f->listener, NULL, NULL) : -1;
	if (c < 0)
		return NULL;
	char buf[4096];
	size_t got = 0;
	while (got < f->expect) {
		ssize_t r = recv(c, buf, sizeof buf, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (f->answer)
		send(c, f->answer, f->answer_len, MSG_NOSIGNAL);
	close(c);
	return NULL;
}

static void fake_start(struct fake *f, const char *name, size_t expect, const char *answer,
                       size_t answer_len)
{
	char path[sizeof dir + 32];
	f->listener = fake_socket(name, 4, path, sizeof path);
	f->expect = expect;
	f->answer = answer;
	f->answer_len = answer_len;
	CHECK(pthread_create(&f->thread, NULL, fake_serve, f) == 0);
}

static void fake_join(struct fake *f)
{
	pthread_join(f->thread, NULL);
	close(f->listener);
}

static int scan_at(const char *path, int fd, int timeout_ms, char *detail, size_t cap)
{
	enum clamd_verdict v;
	return clamd_scan_fd(path, fd, timeout_ms, &v, detail, cap);
}

static void test_nothing_there(void)
{
	char path[sizeof dir + 32], detail[128] = "";
	snprintf(path, sizeof path, "%s/absent.sock", dir);
	int fd = file_of(0, "hello", 5);
	int64_t t0 = now_ms();
	CHECK_EQ(scan_at(path, fd, SHORT_MS, detail, sizeof detail), ERR_UNAVAILABLE);
	CHECK_EQ(clamd_ping(path, SHORT_MS), ERR_UNAVAILABLE);
	CHECK(now_ms() - t0 < 100);
	CHECK(detail[0] != '\0');

	/* A socket file nobody listens on (a clamd that died): refused. */
	int s = fake_socket("dead.sock", -1, path, sizeof path);
	t0 = now_ms();
	CHECK_EQ(scan_at(path, fd, SHORT_MS, detail, sizeof detail), ERR_UNAVAILABLE);
	CHECK_EQ(clamd_ping(path, SHORT_MS), ERR_UNAVAILABLE);
	CHECK(now_ms() - t0 < 100);
	close(s);

	/* Not a socket at all, and a path too long for one. */
	CHECK_EQ(scan_at(dir, fd, SHORT_MS, detail, sizeof detail), ERR_UNAVAILABLE);
	char longpath[200];
	memset(longpath, 'a', sizeof longpath - 1);
	longpath[0] = '/', longpath[sizeof longpath - 1] = '\0';
	CHECK_EQ(scan_at(longpath, fd, SHORT_MS, detail, sizeof detail), ERR_INTERNAL);
	close(fd);
}

static void within_timeout(int64_t t0, const char *what)
{
	int64_t took = now_ms() - t0;
	CHECK(took >= SHORT_MS - 5);
	CHECK(took < 2 * SHORT_MS);
	printf("  %s: gave up after %lld ms (timeout %d)\n", what, (long long)took, SHORT_MS);
}

/* A clamd that hangs: the deadline holds for the whole exchange, whether the
 * client is stuck sending (a full socket) or waiting for the answer. */
static void test_hung(void)
{
	char path[sizeof dir + 32], detail[128];
	int big = file_of(4 * MIB, "", 0), small = file_of(0, "hello", 5);

	/* Listens, never accepts: connect succeeds (the backlog), the answer never comes;
	 * 4 MiB do not fit the socket's buffers, so the sending is stuck first. */
	int s = fake_socket("stuck.sock", 4, path, sizeof path);
	int64_t t0 = now_ms();
	CHECK_EQ(scan_at(path, small, SHORT_MS, detail, sizeof detail), ERR_UNAVAILABLE);
	within_timeout(t0, "never accepts, 5 bytes");
	t0 = now_ms();
	CHECK_EQ(scan_at(path, big, SHORT_MS, detail, sizeof detail), ERR_UNAVAILABLE);
	within_timeout(t0, "never accepts, 4 MiB");
	t0 = now_ms();
	CHECK_EQ(clamd_ping(path, SHORT_MS), ERR_UNAVAILABLE);
	within_timeout(t0, "never accepts, PING");
	close(s);

	/* Accepts and reads everything, never answers. */
	struct fake f;
	fake_start(&f, "silent.sock", SIZE_MAX, NULL, 0);
	snprintf(path, sizeof path, "%s/silent.sock", dir);
	t0 = now_ms();
	CHECK_EQ(scan_at(path, big, SHORT_MS, detail, sizeof detail), ERR_UNAVAILABLE);
	within_timeout(t0, "reads 4 MiB, never answers");
	fake_join(&f);
	close(big);
	close(small);
}

/* What the fake answers to an INSTREAM of "hello" (10 + 4 + 5 + 4 bytes). */
static int answered(const char *name, const char *answer, size_t len, char *detail, size_t cap)
{
	char path[sizeof dir + 32];
	struct fake f;
	fake_start(&f, name, 23, answer, len);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = file_of(0, "hello", 5);
	int64_t t0 = now_ms();
	int rc = scan_at(path, fd, 5000, detail, cap);
	CHECK(now_ms() - t0 < 1000);
	fake_join(&f);
	close(fd);
	return rc;
}

#define ANSWER(s) s, sizeof s /* with its NUL */

static void test_strange_answers(void)
{
	char d[128];
	CHECK_EQ(answered("ok.sock", ANSWER("stream: OK"), d, sizeof d), ERR_OK);
	CHECK_EQ(answered("found.sock", ANSWER("stream: Some.Thing(ab12:5) FOUND"), d, sizeof d),
	         ERR_OK);
	CHECK_STR(d, "Some.Thing(ab12:5)");
	CHECK_EQ(answered("limit.sock", ANSWER("INSTREAM size limit exceeded. ERROR"), d, sizeof d),
	         ERR_TOO_LARGE);
	CHECK_EQ(answered("error.sock", ANSWER("stream: Can't allocate memory ERROR"), d, sizeof d),
	         ERR_INTERNAL);
	CHECK(strstr(d, "allocate memory") != NULL);
	CHECK_EQ(answered("what.sock", ANSWER("UNKNOWN COMMAND"), d, sizeof d), ERR_INTERNAL);
	CHECK_EQ(answered("nameless.sock", ANSWER("stream:  FOUND"), d, sizeof d), ERR_INTERNAL);
	/* Hung up without an answer, or in the middle of one (no NUL). */
	CHECK_EQ(answered("hangup.sock", NULL, 0, d, sizeof d), ERR_UNAVAILABLE);
	CHECK_EQ(answered("cut.sock", "stream: OK", 10, d, sizeof d), ERR_UNAVAILABLE);
	/* Far too long to be an answer. */
	static char flood[2000];
	memset(flood, 'x', sizeof flood - 1);
	CHECK_EQ(answered("flood.sock", flood, sizeof flood, d, sizeof d), ERR_INTERNAL);
}

int main(void)
{
	CHECK(mkdtemp(dir) != NULL);
	sock = getenv("CLAMD_SOCKET");
	eicar_sig = getenv("CLAMD_EICAR_SIGNATURE");
	const char *max = getenv("CLAMD_STREAM_MAX");
	if (sock && eicar_sig && max) {
		stream_max = atoll(max);
		test_clean_and_empty();
		test_eicar();
		test_eicar_in_pdf();
		test_position_and_short_detail();
		test_size_limit();
		test_time_4mib();
	} else {
		printf("SKIP the cases with a real clamd: CLAMD_SOCKET, CLAMD_EICAR_SIGNATURE "
		       "and CLAMD_STREAM_MAX not set (tests/unit/scan/run_with_clamd.py sets "
		       "them)\n");
	}
	test_nothing_there();
	test_hung();
	test_strange_answers();
	for (int i = 0; i < n_made; i++)
		unlink(made[i]);
	CHECK(rmdir(dir) == 0);
	return check_report("scan_clamd");
}
