/*
 * main.c - indgang-bench: options and the scenario to run.
 *
 *   indgang-bench SCENARIO --port P --ca CA.pem --admin indgang-admin --db DB
 *                 [--ref-port P] [--server-pid PID] [--ref-pid PID] [options]
 *
 * SCENARIO is families, idle, storm or history (see each file's header).
 * The exit status is 0 when the scenario completed without a single error,
 * 1 otherwise, 2 for bad options.  --smoke makes every scenario small and
 * short (for CI: it checks that the scenario runs, never how fast).
 * Figures go to stdout: a table, then one JSON line.
 */
#include "bench.h"

#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNSET -1

enum opt_kind { OPT_STR, OPT_INT, OPT_DBL, OPT_FLAG };

struct opt_spec {
	const char *name, *arg, *help;
	enum opt_kind kind;
	size_t off; /* in struct bench_opts */
};

#define OPT(name, arg, kind, field, help)                                                          \
	{                                                                                          \
		name, arg, help, kind, offsetof(struct bench_opts, field)                          \
	}

static const struct opt_spec specs[] = {
    OPT("host", "ADDR", OPT_STR, host, "the servers' address (127.0.0.1)"),
    OPT("port", "P", OPT_INT, port, "the gateway's port (8443)"),
    OPT("ref-port", "P", OPT_INT, ref_port, "also drive the reference server on P"),
    OPT("server-pid", "PID", OPT_INT, server_pid, "sample the gateway's CPU and RSS in /proc"),
    OPT("ref-pid", "PID", OPT_INT, ref_pid, "the same for the reference"),
    OPT("ca", "FILE", OPT_STR, ca, "the CA of the servers' certificate (required)"),
    OPT("admin", "PATH", OPT_STR, admin, "indgang-admin (required)"),
    OPT("db", "PATH", OPT_STR, db, "the gateway's database (required)"),
    OPT("world", "FILE", OPT_STR, world, "history: the world file of indgang-bench-gendb"),
    OPT("families", "F", OPT_INT, families, "families: families (1000)"),
    OPT("advisers", "A", OPT_INT, advisers, "advisers, in teams of two (100)"),
    OPT("window", "W", OPT_INT, window, "closed loop: messages in flight per sender (8)"),
    OPT("rate", "R", OPT_DBL, rate, "open loop: R messages/s in all (default: closed)"),
    OPT("warmup", "S", OPT_DBL, warmup, "seconds before measuring (2)"),
    OPT("duration", "S", OPT_DBL, duration, "seconds measured (10)"),
    OPT("body", "BYTES", OPT_INT, body, "message body size (200)"),
    OPT("idle-extra", "N", OPT_INT, idle_extra, "families: N more members connected, idle (0)"),
    OPT("push-port", "P", OPT_INT, push_port,
        "families: also run with Web Push to the local push service on P"),
    OPT("push-pid", "PID", OPT_INT, push_pid, "the local push service's process, for its CPU"),
    OPT("conns", "N", OPT_INT, conns, "idle, storm: connections (1000); history: members (20)"),
    OPT("missed", "M", OPT_INT, missed, "storm: messages per family while away (1)"),
    OPT("storm-batch", "K", OPT_INT, storm_batch,
        "storm: at most K handshakes at a time (1000; 0: all at once)"),
    OPT("concurrency", "C", OPT_INT, concurrency, "history: requests in flight (1)"),
    OPT("settle", "S", OPT_DBL, settle, "idle: seconds before sampling RSS (3)"),
    OPT("json", "FILE", OPT_STR, json_out, "also append the JSON line to FILE"),
    OPT("smoke", NULL, OPT_FLAG, smoke, "a few seconds, few connections: does it run?"),
    OPT("poll", NULL, OPT_FLAG, poll, "use lws's poll() loop, not libuv"),
    OPT("full-handshakes", NULL, OPT_FLAG, full_handshakes,
        "reconnect with full TLS handshakes (a restarted gateway), not resumed sessions"),
};

#define N_SPECS (sizeof specs / sizeof specs[0])

static void usage(FILE *f)
{
	char left[40];
	fprintf(f, "usage: indgang-bench families|idle|storm|history --ca CA.pem --admin PATH "
	           "--db PATH [options]\n");
	for (size_t i = 0; i < N_SPECS; i++) {
		snprintf(left, sizeof left, "--%s %s", specs[i].name,
		         specs[i].arg ? specs[i].arg : "");
		fprintf(f, "  %-24s %s\n", left, specs[i].help);
	}
}

static void set_defaults(struct bench_opts *o)
{
	bool s = o->smoke, hist = strcmp(o->scenario, "history") == 0;
	if (o->families == UNSET)
		o->families = s ? 20 : 1000;
	if (o->advisers == UNSET)
		o->advisers = s ? 4 : 100;
	if (o->window == UNSET)
		o->window = s ? 2 : 8;
	if (o->warmup < 0)
		o->warmup = s ? 0.5 : 2;
	if (o->duration < 0)
		o->duration = s ? 1.5 : 10;
	if (o->conns == UNSET)
		o->conns = hist ? (s ? 4 : 20) : (s ? 50 : 1000);
	if (o->settle < 0)
		o->settle = s ? 0.5 : 3;
	if (o->advisers < 2)
		o->advisers = 2;
	o->advisers &= ~1;
}

static void set_option(struct bench_opts *o, const struct opt_spec *sp, const char *arg)
{
	char *field = (char *)o + sp->off;
	switch (sp->kind) {
	case OPT_STR:
		*(const char **)(void *)field = arg;
		break;
	case OPT_INT:
		*(int *)(void *)field = atoi(arg);
		break;
	case OPT_DBL:
		*(double *)(void *)field = atof(arg);
		break;
	case OPT_FLAG:
		*(bool *)(void *)field = true;
		break;
	}
}

static int parse(int argc, char **argv, struct bench_opts *o)
{
	struct option opts[N_SPECS + 1];
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			exit(0);
		}
	}
	for (size_t i = 0; i < N_SPECS; i++)
		opts[i] = (struct option){
		    specs[i].name, specs[i].kind == OPT_FLAG ? no_argument : required_argument,
		    NULL, (int)i};
	opts[N_SPECS] = (struct option){NULL, 0, NULL, 0};
	*o = (struct bench_opts){.host = "127.0.0.1",
	                         .port = 8443,
	                         .families = UNSET,
	                         .advisers = UNSET,
	                         .window = UNSET,
	                         .warmup = -1,
	                         .duration = -1,
	                         .body = 200,
	                         .conns = UNSET,
	                         .missed = 1,
	                         .storm_batch = 1000,
	                         .concurrency = 1,
	                         .settle = -1};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c < 0 || (size_t)c >= N_SPECS)
			return -1;
		set_option(o, &specs[c], optarg);
	}
	if (optind != argc - 1 || o->ca == NULL || o->admin == NULL || o->db == NULL)
		return -1;
	o->scenario = argv[optind];
	set_defaults(o);
	if (strcmp(o->scenario, "history") == 0 && o->world == NULL)
		return -1;
	return o->families > 0 && o->conns > 0 && o->window > 0 && o->concurrency > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static struct bench b;
	if (parse(argc, argv, &b.o) != 0) {
		usage(stderr);
		return 2;
	}
	static const struct {
		const char *name;
		int (*run)(struct bench *b);
	} scenarios[] = {
	    {"families", scenario_families},
	    {"idle", scenario_idle},
	    {"storm", scenario_storm},
	    {"history", scenario_history},
	};
	int (*run)(struct bench *) = NULL;
	for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
		if (strcmp(b.o.scenario, scenarios[i].name) == 0)
			run = scenarios[i].run;
	if (run == NULL) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	proto_set_body(b.o.body);
	if (bench_init(&b) != 0) {
		fprintf(stderr, "indgang-bench: cannot create the libwebsockets context\n");
		return 1;
	}
	int rc = run(&b);
	bench_fini(&b);
	if (rc != 0)
		fprintf(stderr, "indgang-bench: %s finished with errors%s%s\n", b.o.scenario,
		        b.last_error[0] ? ": " : "", b.last_error);
	return rc;
}
