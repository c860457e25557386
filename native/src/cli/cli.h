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

/*
 * Load the configuration: the file given with --config, else .zdm.yml
 * found by walking up from the working directory, else defaults.
 * Prints the error and returns ZDM_EXIT_USAGE (bad config) or
 * ZDM_EXIT_IO on failure, 0 on success.
 */
int cli_load_config(const char *path, struct zdm_config *cfg);

/* Print "zdm: <msg>" to stderr for err; return the exit code it maps to. */
int cli_fail(const struct zdm_error *err);

/* True when colour may be used on f (a TTY and NO_COLOR unset). */
int cli_color(FILE *f);

#endif
