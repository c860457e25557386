/* SPDX-License-Identifier: MIT */
/*
 * cli.h - what the zdm subcommands share: exit codes, the command
 * signature, and loading the project's configuration.
 */
#ifndef ZDM_CLI_H
#define ZDM_CLI_H

#include <stdio.h>

#include "zdm/config.h"
#include "zdm/error.h"
#include "zdm/migrate.h"

/* Exit codes of zdm (DESIGN.md "The helper"). */
enum zdm_exit {
	ZDM_EXIT_OK = 0,
	ZDM_EXIT_FINDINGS = 1,  /* findings, a failed migration, pending with --exit-code */
	ZDM_EXIT_USAGE = 2,
	ZDM_EXIT_IO = 3,        /* database or I/O error */
	ZDM_EXIT_LOCK = 4,      /* lock timeout after retries */
	ZDM_EXIT_CHECKSUM = 5,  /* an applied migration was edited */
};

int cmd_lint(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_backfill(int argc, char **argv);
int cmd_new(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);

/*
 * Load the configuration: the file given with --config, else .zdm.yml
 * found by walking up from the working directory, else defaults.
 * Prints the error and returns ZDM_EXIT_USAGE (bad config) or
 * ZDM_EXIT_IO on failure, 0 on success.
 */
int cli_load_config(const char *path, struct zdm_config *cfg);

/* Print "zdm: <msg>" to stderr for err; return the exit code it maps to. */
int cli_fail(const struct zdm_error *err);

/*
 * The dialect of the project's database when the command line and the
 * config name none: DATABASE_URL's, else SQLite when the embedded
 * default database exists, so that lint and plan judge for the database
 * zdm up applies to.  0 when neither tells (the caller's default holds).
 */
int cli_project_dialect(enum zdm_dialect *out);

/* True when colour may be used on f (a TTY and NO_COLOR unset). */
int cli_color(FILE *f);

/*
 * The runner commands (new, status, up, down, verify, backup, restore)
 * share what follows; it lives in cmd_up.c.
 */
/* Long options every runner command takes: --url, --migrations-dir, --config. */
enum { CLI_OPT_URL = 0x100, CLI_OPT_DIR, CLI_OPT_CONFIG };
#define CLI_RUNNER_OPTIONS \
	{ "url", required_argument, NULL, CLI_OPT_URL }, \
	{ "migrations-dir", required_argument, NULL, CLI_OPT_DIR }, \
	{ "config", required_argument, NULL, CLI_OPT_CONFIG }
#define CLI_RUNNER_USAGE \
	"      --url URL            database (default $DATABASE_URL, else\n" \
	"                           sqlite:db/development.sqlite3)\n" \
	"      --migrations-dir D   default: .zdm.yml migrations_dir, else db/migrations\n" \
	"      --config FILE        read FILE instead of the .zdm.yml found\n"

struct cli_runner {
	const char *url, *dir, *config;   /* from the options; NULL: defaults */
	struct zdm_config cfg;
	struct zdm_migration_set set;
	struct zdm_history hist;
	struct zdm_db *db;
	char who[300];
	int json;                         /* --json: JSON lines */
	int missing_db;                   /* CLI_READ_HISTORY only: no database file yet */
};

/* Handle a CLI_OPT_* option; 1 when ch was one. */
int cli_runner_opt(struct cli_runner *r, int ch, const char *arg);

enum { CLI_LOAD_FILES = 1, CLI_OPEN_DB = 2, CLI_READ_HISTORY = 4 };

/*
 * Load the config, then (per flags) the migrations, the database and its
 * history.  With CLI_READ_HISTORY but not CLI_OPEN_DB, a SQLite file that
 * does not exist is not created: r->db stays NULL, r->missing_db is set
 * and the history is empty.  Prints the error; returns the exit code, 0 on success.
 * cli_runner_close() is always safe after it.
 */
int cli_runner_open(struct cli_runner *r, int flags);
void cli_runner_close(struct cli_runner *r);

/* Applied migrations whose file changed since: print them; count. */
size_t cli_report_checksums(struct cli_runner *r, FILE *f);

struct cli_apply_opts {
	enum zdm_direction dir;
	long lock_timeout_ms;
	long statement_timeout_ms;
	int lock_retries;
	int quiet;
	/* Progress: this is migration pos of total; shown as [pos/total] on a TTY. */
	size_t pos, total;
};

/*
 * Run one migration on db with lock retries and the blocking-session
 * report, printing progress and any failure.  *ms gets the duration.
 * Returns an exit code (0 ok).
 */
int cli_apply(struct cli_runner *r, struct zdm_db *db, const struct zdm_migration *m,
	      const struct cli_apply_opts *o, long *ms);

/*
 * PostgreSQL backup with pg_dump -Fc to out, or (out NULL) to
 * backups/<db>-<UTC>.dump next to the migrations dir, keeping the newest
 * keep; mode 0600.  The password reaches pg_dump in PGPASSWORD, never on
 * its command line.  Prints; returns an exit code.
 */
int cli_backup_pg(struct cli_runner *r, const char *out, int keep, int quiet);

/*
 * For a child about to exec a PostgreSQL client tool: url without its
 * password (a new string), the password moved to PGPASSWORD in this
 * process's environment, so that it never shows on a command line.
 * NULL when url names no server (the libpq environment decides).
 */
char *cli_pg_tool_url(const char *url);

/* Fill o from the config's runner section and defaults. */
void cli_apply_defaults(const struct cli_runner *r, struct cli_apply_opts *o);

#endif
