/* SPDX-License-Identifier: MIT */
/*
 * config.h - .zdm.yml: find it, read it (libyaml), apply it.
 *
 * An unknown key or a bad value is an error naming the file and line,
 * never ignored.  Every field has a default, so a missing file is fine.
 */
#ifndef ZDM_CONFIG_H
#define ZDM_CONFIG_H

#include <stddef.h>

#include "zdm/error.h"
#include "zdm/lexer.h"
#include "zdm/rule.h"

struct zdm_lint_opts;
struct zdm_linter;

struct zdm_config_rule {
	char *rule;               /* id or alias as written */
	enum zdm_decision decision;
	int line;
};

struct zdm_config {
	char *path;               /* the file read, or NULL for defaults */
	int has_dialect;
	enum zdm_dialect dialect;
	int pg_version;           /* 0: not set */
	int mysql_version;        /* 0: not set */
	char *migrations_dir;     /* NULL: not set (default db/migrations) */
	struct zdm_config_rule *rules;
	size_t nrules;
	char **migration_paths;   /* guard: globs that mark migration files */
	size_t npaths;
	long lock_timeout_ms;     /* -1: not set */
	long statement_timeout_ms;/* -1: not set */
	int lock_retries;         /* -1: not set */
	long batch_size;          /* -1: not set */
	long sleep_ms;            /* -1: not set */
};

/* Set every field to "not set". */
void zdm_config_init(struct zdm_config *c);
void zdm_config_release(struct zdm_config *c);

/*
 * Walk up from dir (NULL: the working directory) to the filesystem root
 * looking for .zdm.yml (or .zdm.yaml).  On success *path is a new string
 * the caller frees, or NULL when there is none (not an error).
 */
enum zdm_status zdm_config_find(const char *dir, char **path,
				struct zdm_error *err);

/*
 * Parse the file at path into c (initialised by the caller).  Load and
 * parse first clear c; after a failure c is back to "not set" and safe to
 * release.  migration_paths != NULL with npaths == 0 means "set to an
 * empty list".
 */
enum zdm_status zdm_config_load(const char *path, struct zdm_config *c,
				struct zdm_error *err);

/* Parse YAML text; name is used in error messages. */
enum zdm_status zdm_config_parse(const char *name, const char *text,
				 size_t len, struct zdm_config *c,
				 struct zdm_error *err);

/*
 * Apply the config to a linter: dialect, versions, rule decisions.  An
 * unknown rule id is an error with the file and line.
 */
enum zdm_status zdm_config_apply(const struct zdm_config *c,
				 struct zdm_linter *l, struct zdm_error *err);

/* Parse a duration: "2s", "500ms", "1m", "0" (ms).  -1 on error. */
long zdm_parse_duration_ms(const char *s);

#endif
