/*
 * main.c - indgang-admin: the command line of provisioning and everyday
 * administration (PROTOCOL.md, "Running and provisioning").
 *
 *     indgang-admin [--db PATH | --config FILE] [--json] COMMAND [ARGS] [OPTIONS]
 *
 * Without --db the database is the gateway's: db in --config FILE, or in
 * /etc/indgang/indgang.conf when that exists.
 * Parses the command line, opens the database, runs one command from the
 * table in commands.c inside a transaction, and prints its result.  Exit
 * status: 0 done, 1 failed (and nothing was changed), 2 bad usage.
 */
#include "admin.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/common/err.h"
#include "core/common/text.h"
#include "core/store/store_admin.h"

struct cli {
	const char *db;
	const char *config;
	bool json, help;
	const char *cmd;
	struct admin_args args;
};

struct opt_spec {
	const char *name;
	enum admin_opt bit;
	size_t offset; /* of the value in struct admin_args; 0 for a flag */
};

static const struct opt_spec opt_specs[] = {
    {"--password", OPT_PASSWORD, offsetof(struct admin_args, password)},
    {"--team", OPT_TEAM, offsetof(struct admin_args, team)},
    {"--primary", OPT_PRIMARY, offsetof(struct admin_args, primary)},
    {"--secondary", OPT_SECONDARY, offsetof(struct admin_args, secondary)},
    {"--hours", OPT_HOURS, offsetof(struct admin_args, hours)},
    {"--family", OPT_FAMILY, offsetof(struct admin_args, family)},
    {"--url", OPT_URL, offsetof(struct admin_args, url)},
    {"--format", OPT_FORMAT, offsetof(struct admin_args, format)},
    {"--since", OPT_SINCE, offsetof(struct admin_args, since)},
    {"--qr", OPT_QR, 0},
    {"--age-recipient", OPT_AGE_RECIPIENT, offsetof(struct admin_args, age_recipients)},
    {"--age-recipients-file", OPT_AGE_RECIPIENTS_FILE,
     offsetof(struct admin_args, age_recipients_file)},
    {"--age-identity", OPT_AGE_IDENTITY, offsetof(struct admin_args, age_identity)},
    {"--replace", OPT_REPLACE, 0},
};
#define N_OPT_SPECS (sizeof opt_specs / sizeof opt_specs[0])

/* ---- Usage and help ------------------------------------------------------------- */

/* A usage message naming what was wrong, and the exit status for it. */
__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("indgang-admin: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'indgang-admin --help'.\n", stderr);
	return ADMIN_EXIT_USAGE;
}

static void print_help(void)
{
	printf("Usage: indgang-admin [--db PATH | --config FILE] [--json] COMMAND [ARGS]\n\n"
	       "Provisioning and everyday administration of an Indgang database. It works on\n"
	       "the gateway's SQLite file and may run while the gateway runs.\n\nCommands:\n");
	for (const struct admin_command *c = admin_commands; c->name != NULL; c++) {
		printf("  %s%s%s\n      %s\n", c->name, c->synopsis[0] ? " " : "", c->synopsis,
		       c->summary);
	}
	printf("\nOptions:\n"
	       "  --db PATH    the database file (init, import and demo create it)\n"
	       "  --config FILE  take the database (db) and the gateway's address (listen)\n"
	       "               from the gateway's config file; the default is\n"
	       "               " CONFIG_DEFAULT_PATH " when --db is not given\n"
	       "  --json       print the result as JSON, for scripts (import always does)\n"
	       "  -h, --help   this text; COMMAND --help tells more about one command\n\n"
	       "Usernames are lowercase letters a-z, digits and . _ @ -, at most 64 characters.\n"
	       "Passwords are at least 10 bytes; generated ones are printed once, never again.\n"
	       "Exit status: 0 done, 1 failed (nothing was changed), 2 bad usage.\n");
}

static void print_command_help(const struct admin_command *c)
{
	printf("Usage: indgang-admin [--db PATH] [--json] %s%s%s\n\n%s\n%s%s", c->name,
	       c->synopsis[0] ? " " : "", c->synopsis, c->summary, c->help, c->help[0] ? "\n" : "");
}

/* ---- Parsing ---------------------------------------------------------------------- */

static const struct opt_spec *find_opt(const char *arg, size_t len)
{
	for (size_t i = 0; i < N_OPT_SPECS; i++)
		if (strlen(opt_specs[i].name) == len && strncmp(opt_specs[i].name, arg, len) == 0)
			return &opt_specs[i];
	return NULL;
}

static int add_recipient(struct admin_args *args, const char *value)
{
	if (args->n_age_recipients == ADMIN_MAX_AGE_RCPT)
		return usage_error("more than %d --age-recipient (use --age-recipients-file)",
		                   ADMIN_MAX_AGE_RCPT);
	args->seen |= OPT_AGE_RECIPIENT;
	args->age_recipients[args->n_age_recipients++] = value;
	return -1;
}

/* One option at argv[*i] (maybe taking argv[*i + 1]); exit status or -1 to go on. */
static int parse_option(int argc, char **argv, int *i, struct cli *cli)
{
	const char *arg = argv[*i], *eq = strchr(arg, '=');
	size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	const char *value = eq != NULL ? eq + 1 : NULL;
	const struct opt_spec *o = find_opt(arg, len);
	bool is_db = len == 4 && strncmp(arg, "--db", 4) == 0;
	bool is_config = len == 8 && strncmp(arg, "--config", 8) == 0;

	if (is_config) {
		if (value == NULL && *i + 1 >= argc)
			return usage_error("%s needs a value", "--config");
		cli->config = value != NULL ? value : argv[++*i];
		return -1;
	}
	if (!is_db && o == NULL)
		return usage_error("unknown option %s", arg);
	if (o != NULL && o->offset == 0) {
		if (value != NULL)
			return usage_error("%s takes no value", o->name);
	} else if (value == NULL) {
		/* The value is the next word, even if it starts with a dash ("-" = stdin). */
		if (*i + 1 >= argc)
			return usage_error("%s needs a value", is_db ? "--db" : o->name);
		value = argv[++*i];
	}
	if (is_db) {
		if (cli->db != NULL)
			return usage_error("%s given twice", "--db");
		cli->db = value;
		return -1;
	}
	if (o->bit == OPT_AGE_RECIPIENT) /* age takes several: one backup, several keys */
		return add_recipient(&cli->args, value);
	if (cli->args.seen & o->bit)
		return usage_error("%s given twice", o->name);
	cli->args.seen |= o->bit;
	if (o->offset != 0)
		*(const char **)((char *)&cli->args + o->offset) = value;
	return -1;
}

static int add_word(struct cli *cli, const char *word)
{
	if (cli->cmd == NULL)
		cli->cmd = word;
	else if (cli->args.n_pos < ADMIN_MAX_POS)
		cli->args.pos[cli->args.n_pos++] = word;
	else
		return usage_error("too many arguments at '%s'", word);
	return -1;
}

/* Options may stand anywhere; "--" ends them. Exit status, or -1 when parsed. */
static int parse(int argc, char **argv, struct cli *cli)
{
	bool options = true;
	int rc = -1;

	for (int i = 1; i < argc && rc < 0; i++) {
		const char *arg = argv[i];

		if (options && strcmp(arg, "--") == 0)
			options = false;
		else if (options && (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0))
			cli->help = true;
		else if (options && strcmp(arg, "--json") == 0)
			cli->json = true;
		else if (options && arg[0] == '-' && arg[1] != '\0')
			rc = parse_option(argc, argv, &i, cli);
		else
			rc = add_word(cli, arg);
	}
	return rc;
}

static const struct admin_command *find_command(const char *name)
{
	for (const struct admin_command *c = admin_commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* The options the command does not take, or lacks. Exit status, or -1 when fine. */
static int check_usage(const struct admin_command *c, const struct cli *cli)
{
	for (size_t i = 0; i < N_OPT_SPECS; i++) {
		const struct opt_spec *o = &opt_specs[i];

		if ((cli->args.seen & o->bit) && !(c->opts & o->bit))
			return usage_error("this command does not take %s", o->name);
		if ((c->required & o->bit) && !(cli->args.seen & o->bit))
			return usage_error("this command needs %s", o->name);
	}
	if (cli->args.n_pos < c->min_pos || cli->args.n_pos > c->max_pos) {
		char synopsis[256];

		snprintf(synopsis, sizeof synopsis, "%s %s", c->name, c->synopsis);
		return usage_error("usage: indgang-admin --db PATH %s", synopsis);
	}
	if (cli->db == NULL && !(strcmp(c->name, "verify") == 0 && cli->args.n_pos == 1))
		return usage_error("%s", "--db PATH is required (or db in the config file)");
	return -1;
}

/* ---- Running ----------------------------------------------------------------------- */

/* Everyday commands need the database to exist: a mistyped path must not make a new one. */
static bool creates_database(const struct admin_command *c)
{
	return strcmp(c->name, "init") == 0 || strcmp(c->name, "import") == 0 ||
	       strcmp(c->name, "demo") == 0;
}

static void print_result(const struct admin *a, const struct admin_command *c,
                         const struct cli *cli, const json_t *out)
{
	char *text;

	if (!a->json && c->show != NULL) {
		c->show(a, out);
	} else if ((text = json_dumps(out, JSON_INDENT(2))) != NULL) {
		puts(text);
		free(text);
	}
	/* invite --qr: the picture after the text, or on stderr when stdout is JSON. */
	if (cli->args.seen & OPT_QR) {
		if (!a->json)
			putchar('\n');
		admin_print_qr(a->json ? stderr : stdout,
		               json_string_value(json_object_get(out, "code")));
	}
}

/* An older database is copied aside before store_open() migrates it. */
static int backup_before_migrate(const struct admin_command *c, const char *db)
{
	char backup[4200], why[600];
	int err = store_admin_backup_before_migrate(db, text_now_ms(), backup, sizeof backup, why,
	                                            sizeof why);
	if (err != ERR_OK) {
		fprintf(stderr, "%s: %s\n", c->name, why);
		return ADMIN_EXIT_FAIL;
	}
	if (backup[0] != '\0')
		fprintf(stderr, "indgang-admin: copied %s to %s before upgrading it to schema %d\n",
		        db, backup, STORE_SCHEMA_VERSION);
	return 0;
}

/* The commands that read the file themselves, never migrating it. */
static int run_on_file(const struct admin_command *c, const struct cli *cli,
                       const struct gw_config *conf)
{
	struct admin a = {
	    .db = cli->db, .cmd = c->name, .json = cli->json, .now = text_now_ms(), .conf = conf};
	json_t *out = NULL;
	int err = c->run(&a, &cli->args, &out);

	if (err != ERR_OK) {
		fprintf(stderr, "%s: %s\n", c->name, a.msg[0] ? a.msg : err_message(err));
		return a.usage ? ADMIN_EXIT_USAGE : ADMIN_EXIT_FAIL;
	}
	print_result(&a, c, cli, out);
	json_decref(out);
	return a.exit_code;
}

static int run(const struct admin_command *c, const struct cli *cli, const struct gw_config *conf)
{
	struct admin a = {
	    .db = cli->db, .cmd = c->name, .json = cli->json, .now = text_now_ms(), .conf = conf};
	json_t *out = NULL;
	int err;

	if (c->on_file)
		return run_on_file(c, cli, conf);
	if (!creates_database(c) && strcmp(cli->db, ":memory:") != 0 &&
	    access(cli->db, F_OK) != 0) {
		fprintf(stderr, "%s: no database at %s (make one with init)\n", c->name, cli->db);
		return ADMIN_EXIT_FAIL;
	}
	if (backup_before_migrate(c, cli->db) != 0)
		return ADMIN_EXIT_FAIL;
	if ((err = store_open(cli->db, &a.s)) != ERR_OK) {
		fprintf(stderr,
		        "%s: cannot open the database %s (%s): does its directory exist, may "
		        "we write there, and is it an Indgang database of this or an older "
		        "version?\n",
		        c->name, cli->db, err_code(err));
		return ADMIN_EXIT_FAIL;
	}
	err = c->run(&a, &cli->args, &out);
	if (err == ERR_OK && a.in_tx && (err = store_commit(a.s)) != ERR_OK)
		admin_fail(&a, err, "committing failed: %s", store_errmsg(a.s));
	if (err != ERR_OK) {
		store_rollback(a.s);
		fprintf(stderr, "%s: %s\n", c->name, a.msg[0] ? a.msg : err_message(err));
		if (a.usage)
			fputs("Try 'indgang-admin --help'.\n", stderr);
	} else {
		print_result(&a, c, cli, out);
	}
	json_decref(out);
	store_close(a.s);
	if (err == ERR_OK)
		return 0;
	return a.usage ? ADMIN_EXIT_USAGE : ADMIN_EXIT_FAIL;
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	const struct admin_command *c;
	int rc = parse(argc, argv, &cli);

	/* The database and its backups hold case records: ours alone. */
	umask(077);

	if (rc >= 0)
		return rc;
	if (cli.cmd == NULL) {
		if (cli.help) {
			print_help();
			return 0;
		}
		return usage_error("%s", "no command given");
	}
	if ((c = find_command(cli.cmd)) == NULL)
		return usage_error("unknown command '%s'", cli.cmd);
	if (cli.help) {
		print_command_help(c);
		return 0;
	}
	struct gw_config conf;
	char why[600];
	const char *file = cli.config;
	config_defaults(&conf);
	if (file == NULL && cli.db == NULL && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		file = CONFIG_DEFAULT_PATH;
	if (file != NULL && config_load_file(&conf, file, why, sizeof why) != 0) {
		fprintf(stderr, "indgang-admin: %s\n", why);
		config_free(&conf);
		return ADMIN_EXIT_USAGE;
	}
	if (cli.db == NULL)
		cli.db = conf.db;
	if ((rc = check_usage(c, &cli)) < 0)
		rc = run(c, &cli, file != NULL ? &conf : NULL);
	config_free(&conf);
	return rc;
}
