/*
 * report.c - what a run costs and how it is shown.
 *
 * Server CPU comes from /proc/PID/stat (utime + stime of every thread, in
 * clock ticks), memory from /proc/PID/status (VmRSS now, VmHWM the peak since
 * the process started); the benchmark's own CPU from getrusage().  Every
 * scenario prints one human table - Indgang, the reference and their ratio -
 * and one JSON line with the same figures.
 */
#include "bench.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <unistd.h>

static long status_kib(int pid, const char *key)
{
	char path[64], line[256];
	long v = 0;
	size_t klen = strlen(key);
	if (pid > 0)
		snprintf(path, sizeof path, "/proc/%d/status", pid);
	else
		snprintf(path, sizeof path, "/proc/self/status");
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, klen) == 0)
			v = atol(line + klen);
	fclose(f);
	return v;
}

bool proc_sample(int pid, struct proc_sample *out)
{
	memset(out, 0, sizeof *out);
	char path[64], buf[1024];
	if (pid <= 0)
		return false;
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
	unsigned long ut, st;
	long threads;
	if (p == NULL || sscanf(p + 2,
	                        "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d "
	                        "%*d %*d %ld",
	                        &ut, &st, &threads) != 3)
		return false;
	double tick = (double)sysconf(_SC_CLK_TCK);
	out->user_s = (double)ut / tick;
	out->sys_s = (double)st / tick;
	out->threads = (int)threads;
	out->rss_kib = status_kib(pid, "VmRSS:");
	out->hwm_kib = status_kib(pid, "VmHWM:");
	out->ok = true;
	return true;
}

void self_sample(struct proc_sample *out)
{
	struct rusage ru;
	memset(out, 0, sizeof *out);
	getrusage(RUSAGE_SELF, &ru);
	out->user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	out->sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	out->rss_kib = status_kib(0, "VmRSS:");
	out->hwm_kib = status_kib(0, "VmHWM:");
	out->threads = 1;
	out->ok = true;
}

double proc_cpu_between(const struct proc_sample *a, const struct proc_sample *b)
{
	return (b->user_s + b->sys_s) - (a->user_s + a->sys_s);
}

void usage_begin(struct usage *u, int pid)
{
	memset(u, 0, sizeof *u);
	proc_sample(pid, &u->srv0);
	self_sample(&u->me0);
	u->window_s = (double)now_us() / 1e6;
}

void usage_end(struct usage *u, int pid)
{
	proc_sample(pid, &u->srv1);
	self_sample(&u->me1);
	u->window_s = (double)now_us() / 1e6 - u->window_s;
}

/* 4 KiB write + fsync, `rounds` times, on a scratch file beside path: the
 * floor under any ack that waits for a durable commit on this disk. */
void fsync_probe(const char *path, int rounds, struct hist *h)
{
	char scratch[4096], block[4096];
	hist_init(h);
	snprintf(scratch, sizeof scratch, "%s.fsync-probe", path);
	int fd = open(scratch, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return;
	memset(block, 'x', sizeof block);
	for (int i = 0; i < rounds; i++) {
		if (pwrite(fd, block, sizeof block, (off_t)(i % 64) * 4096) < 0)
			break;
		int64_t t0 = now_us();
		if (fsync(fd) != 0)
			break;
		hist_record(h, now_us() - t0);
	}
	close(fd);
	unlink(scratch);
}

/* ---- The human table ----------------------------------------------------------- */

static void fmt_num(char *buf, size_t cap, double v)
{
	if (v != v)
		snprintf(buf, cap, "-");
	else if (v >= 100 || v <= -100)
		snprintf(buf, cap, "%.0f", v);
	else if (v >= 1 || v <= -1)
		snprintf(buf, cap, "%.2f", v);
	else
		snprintf(buf, cap, "%.3f", v);
}

void report_header(const char *title, bool with_ref)
{
	printf("\n%s\n", title);
	printf("%-40s %14s %14s %8s\n", "", "indgang", with_ref ? "reference" : "",
	       with_ref ? "ratio" : "");
}

void report_row(const char *label, const char *unit, double a, double b, bool with_ref, bool ratio)
{
	char name[64], va[32], vb[32] = "", vr[32] = "";
	snprintf(name, sizeof name, "%s%s%s", label, unit[0] ? " " : "", unit);
	fmt_num(va, sizeof va, a);
	if (with_ref) {
		fmt_num(vb, sizeof vb, b);
		if (ratio && b != 0)
			snprintf(vr, sizeof vr, "%.2f", a / b);
	}
	printf("%-40s %14s %14s %8s\n", name, va, vb, vr);
}

static double ms(uint64_t us)
{
	return (double)us / 1000.0;
}

void report_lat_rows(const char *label, const struct hist *a, const struct hist *b, bool with_ref)
{
	static const struct {
		const char *name;
		double q;
	} qs[] = {{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p99.9", 0.999}};
	char name[64];
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		snprintf(name, sizeof name, "%s %s", label, qs[i].name);
		report_row(name, "(ms)", ms(hist_quantile(a, qs[i].q)),
		           b ? ms(hist_quantile(b, qs[i].q)) : 0, with_ref, true);
	}
	snprintf(name, sizeof name, "%s max", label);
	report_row(name, "(ms)", ms(a->max), b ? ms(b->max) : 0, with_ref, true);
}

void report_lat_brief(const char *label, const struct hist *h)
{
	printf("%-40s p50 %.2f, p99 %.2f, max %.2f ms (%llu samples)\n", label,
	       ms(hist_quantile(h, 0.5)), ms(hist_quantile(h, 0.99)), ms(h->max),
	       (unsigned long long)h->count);
}

static double cpu_pct(const struct proc_sample *a, const struct proc_sample *b, double window)
{
	return window > 0 ? 100.0 * proc_cpu_between(a, b) / window : 0;
}

void report_usage_rows(const struct usage *a, const struct usage *b, bool with_ref)
{
	const struct usage z = {0};
	if (b == NULL)
		b = &z;
	report_row("server CPU", "(s)", proc_cpu_between(&a->srv0, &a->srv1),
	           proc_cpu_between(&b->srv0, &b->srv1), with_ref, true);
	report_row("  of which kernel", "(s)", a->srv1.sys_s - a->srv0.sys_s,
	           b->srv1.sys_s - b->srv0.sys_s, with_ref, true);
	report_row("server CPU", "(% of one core)", cpu_pct(&a->srv0, &a->srv1, a->window_s),
	           cpu_pct(&b->srv0, &b->srv1, b->window_s), with_ref, false);
	report_row("server RSS at end", "(MiB)", (double)a->srv1.rss_kib / 1024,
	           (double)b->srv1.rss_kib / 1024, with_ref, true);
	report_row("server peak RSS", "(MiB)", (double)a->srv1.hwm_kib / 1024,
	           (double)b->srv1.hwm_kib / 1024, with_ref, true);
	report_row("load generator CPU", "(% of one core)", cpu_pct(&a->me0, &a->me1, a->window_s),
	           cpu_pct(&b->me0, &b->me1, b->window_s), with_ref, false);
}

void report_errs_row(const struct bench_errs *a, const struct bench_errs *b, bool with_ref)
{
	report_row("errors", "", (double)bench_err_total(a), b ? (double)bench_err_total(b) : 0,
	           with_ref, false);
	const struct bench_errs *e[2] = {a, b};
	for (int i = 0; i < (with_ref ? 2 : 1); i++) {
		if (e[i] == NULL || bench_err_total(e[i]) == 0)
			continue;
		printf("  %s: connect %llu, closed %llu, error frames %llu, rate_limited %llu, "
		       "unexpected %llu, lost %llu, overrun %llu, timeouts %llu\n",
		       i == 0 ? "indgang" : "reference", (unsigned long long)e[i]->connect,
		       (unsigned long long)e[i]->closed, (unsigned long long)e[i]->frames,
		       (unsigned long long)e[i]->rate_limited, (unsigned long long)e[i]->unexpected,
		       (unsigned long long)e[i]->lost, (unsigned long long)e[i]->overrun,
		       (unsigned long long)e[i]->timeout);
	}
}

/* ---- The JSON line ----------------------------------------------------------------- */

json_t *report_lat_json(const struct hist *h)
{
	return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f}", "count", (json_int_t)h->count,
	                 "mean", hist_mean(h) / 1000.0, "p50", ms(hist_quantile(h, 0.5)), "p90",
	                 ms(hist_quantile(h, 0.9)), "p99", ms(hist_quantile(h, 0.99)), "p999",
	                 ms(hist_quantile(h, 0.999)), "max", ms(h->max));
}

json_t *report_usage_json(const struct usage *u)
{
	return json_pack(
	    "{s:f, s:f, s:f, s:f, s:I, s:I, s:i, s:f, s:f, s:I}", "window_s", u->window_s,
	    "server_cpu_s", proc_cpu_between(&u->srv0, &u->srv1), "server_sys_s",
	    u->srv1.sys_s - u->srv0.sys_s, "server_cpu_pct",
	    cpu_pct(&u->srv0, &u->srv1, u->window_s), "server_rss_kib", (json_int_t)u->srv1.rss_kib,
	    "server_peak_rss_kib", (json_int_t)u->srv1.hwm_kib, "server_threads", u->srv1.threads,
	    "bench_cpu_s", proc_cpu_between(&u->me0, &u->me1), "bench_cpu_pct",
	    cpu_pct(&u->me0, &u->me1, u->window_s), "bench_rss_kib", (json_int_t)u->me1.rss_kib);
}

json_t *report_errs_json(const struct bench_errs *e)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "total",
	                 (json_int_t)bench_err_total(e), "connect", (json_int_t)e->connect,
	                 "closed", (json_int_t)e->closed, "error_frames", (json_int_t)e->frames,
	                 "rate_limited", (json_int_t)e->rate_limited, "unexpected",
	                 (json_int_t)e->unexpected, "lost", (json_int_t)e->lost, "overrun",
	                 (json_int_t)e->overrun, "timeouts", (json_int_t)e->timeout);
}

/* The 1-minute load average: other processes compete for the same cores. */
static double loadavg(void)
{
	double l = 0;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = 0;
		fclose(f);
	}
	return l;
}

void report_emit(struct bench *b, json_t *root)
{
	double load = loadavg();
	printf("machine load average (1 min) at the end: %.2f on %ld cores\n", load,
	       sysconf(_SC_NPROCESSORS_ONLN));
	if (b->last_error[0])
		printf("first problem: %s\n", b->last_error);
	json_object_set_new(root, "loadavg", json_real(load));
	char *line = root ? json_dumps(root, JSON_COMPACT) : NULL;
	if (line) {
		printf("%s\n", line);
		if (b->o.json_out) {
			FILE *f = fopen(b->o.json_out, "a");
			if (f) {
				fprintf(f, "%s\n", line);
				fclose(f);
			}
		}
	}
	fflush(stdout);
	free(line);
	json_decref(root);
}
