/* SPDX-License-Identifier: MIT */
/*
 * main.c - zdm's entry point: find the subcommand in one table and run it.
 *
 * Like git's commands[] table: each subcommand is one cmd_* function in
 * its own file that parses its own options.  Only this file and the
 * cmd_* functions print and choose exit codes; library code returns
 * errors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "zdm/util.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct cmd commands[] = {
	{ "lint", cmd_lint, "lint migration files for zero-downtime hazards" },
	{ "rules", cmd_rules, "list the rules" },
	{ "explain", cmd_explain, "print a rule's reference page" },
	{ "log", cmd_log, "print the guard's audit log" },
	{ "plan", cmd_plan, "write the phased migrations of a change without downtime" },
	{ "backfill", cmd_backfill, "update a table's rows in small batches, resumably" },
	{ "new", cmd_new, "create a migration file with up and down sections" },
	{ "status", cmd_status, "applied, pending, missing and modified migrations" },
	{ "up", cmd_up, "apply pending migrations (lint gate, backup, lock timeouts)" },
	{ "down", cmd_down, "roll back applied migrations" },
	{ "verify", cmd_verify, "rehearse pending migrations up, down, up on a copy" },
	{ "backup", cmd_backup, "back up the database (SQLite backup API, pg_dump)" },
	{ "restore", cmd_restore, "restore the SQLite database from a backup" },
};

static void usage(FILE *f)
{
	fputs("usage: zdm <command> [options]\n\ncommands:\n", f);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fputs("\nrun 'zdm <command> --help' for a command's options\n", f);
}

int cli_fail(const struct zdm_error *err)
{
	fprintf(stderr, "zdm: %s\n", err->msg[0] ? err->msg : "unknown error");
	switch (err->code) {
	case ZDM_ERR_USAGE:
	case ZDM_ERR_CONFIG:
		return ZDM_EXIT_USAGE;
	case ZDM_ERR_LOCK:
		return ZDM_EXIT_LOCK;
	case ZDM_ERR_CHECKSUM:
		return ZDM_EXIT_CHECKSUM;
	default:
		return ZDM_EXIT_IO;
	}
}

int cli_project_dialect(enum zdm_dialect *out)
{
	const char *url = getenv("DATABASE_URL");
	if (url && *url)
		return zdm_db_url_dialect(url, out);
	if (zdm_db_exists(NULL)) {
		*out = ZDM_DIALECT_SQLITE;
		return 1;
	}
	return 0;
}

int cli_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(fileno(f)) && !(nc && *nc);
}

int cli_load_config(const char *path, struct zdm_config *cfg)
{
	struct zdm_error err;
	char *found = NULL;
	zdm_error_clear(&err);
	zdm_config_init(cfg);
	if (!path) {
		if (zdm_config_find(NULL, &found, &err))
			return cli_fail(&err);
		path = found;
	}
	if (path && zdm_config_load(path, cfg, &err)) {
		free(found);
		return cli_fail(&err);
	}
	free(found);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return ZDM_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(name, "--version") == 0) {
		puts("zdm 0.1.0");
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		int rc = commands[i].fn(argc - 1, argv + 1);
		/* As git's run_builtin(): a failed write to stdout is an error. */
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "zdm: cannot write output: %s\n", strerror(errno));
			return ZDM_EXIT_IO;
		}
		return rc;
	}
	fprintf(stderr, "zdm: '%s' is not a zdm command\n", name);
	usage(stderr);
	return ZDM_EXIT_USAGE;
}
