/* SPDX-License-Identifier: MIT */
/*
 * plan.h - zdm plan: the phased migrations and deploy steps of a change.
 *
 * A recipe (add-column, rename-column, change-type, add-index,
 * drop-column, add-foreign-key, add-unique, rename-table) becomes an
 * ordered list of steps: dbmate migration files (up and down sections,
 * transaction:false where CONCURRENTLY needs it), the application
 * deploys that must ship between them, the backfill commands and the
 * checks to run.  The SQL follows the recipes documented in
 * skills/zero-downtime-migrations/references/ and passes zdm lint: the
 * statements the linter asks about on principle (a trigger on a live
 * table, the final DROP COLUMN) carry a "-- zdm:allow rule reason"
 * comment that states the deploy step which makes them safe.
 *
 * Names given by the user must be plain identifiers ([A-Za-z_][A-Za-z0-9_]*,
 * at most 63 bytes, optionally schema.name); anything else is refused, so
 * no name can inject SQL.  Names with capitals or that are reserved words
 * are double-quoted.  Expressions (--default, --using) and types are
 * checked to be one expression: no ';', no comment, balanced parentheses.
 *
 * Building a plan only computes text; zdm_plan_assign names the files in
 * a directory and zdm_plan_write writes them (never overwriting).
 */
#ifndef ZDM_PLAN_H
#define ZDM_PLAN_H

#include <stddef.h>
#include <time.h>

#include "zdm/error.h"
#include "zdm/lexer.h"
#include "zdm/util.h"

enum zdm_plan_kind {
	ZDM_PLAN_MIGRATION,  /* a file to write and apply (zdm up --to its version) */
	ZDM_PLAN_DEPLOY,     /* an application change to ship before the next step */
	ZDM_PLAN_BACKFILL,   /* a zdm backfill command to run */
	ZDM_PLAN_CHECK,      /* a query to run and look at */
	ZDM_PLAN_NOTE,       /* something to know */
};

struct zdm_plan_step {
	enum zdm_plan_kind kind;
	const char *name;     /* migration: the name in the file name ("add_users_email") */
	const char *summary;  /* one line: what it does or what to do */
	const char *text;     /* migration: the file's content; other kinds: the
	                         command, query or longer note (may be NULL) */
	const char *version;  /* migration: set by zdm_plan_assign */
	const char *file;     /* migration: the path, set by zdm_plan_assign */
};

/* A request: the recipe, its positional arguments, and the options. */
struct zdm_plan_req {
	const char *recipe;
	const char *const *args;
	size_t nargs;
	enum zdm_dialect dialect;
	int pg_version;            /* 0: ZDM_PG_VERSION_DEFAULT */
	int not_null;              /* add-column --not-null */
	int unique;                /* add-index --unique */
	const char *default_expr;  /* add-column --default */
	const char *using_expr;    /* change-type --using (in terms of the old column) */
	const char *name;          /* add-index/add-unique/add-foreign-key --name */
	const char *type;          /* rename-column/drop-column --type */
	const char *new_name;      /* change-type --new-name (default C_new) */
};

struct zdm_plan {
	struct zdm_plan_step *steps;
	size_t nsteps, cap;
	const char *title;         /* one line naming the change */
	struct zdm_arena arena;    /* every string of the plan */
};

#define ZDM_PLAN_INIT { NULL, 0, 0, NULL, ZDM_ARENA_INIT }

/* The recipe names, NULL-terminated (aliases included). */
extern const char *const zdm_plan_recipes[];

/*
 * Build the plan for req into out (initialised with ZDM_PLAN_INIT).
 * Fails with ZDM_ERR_USAGE for an unknown recipe, wrong arguments, a
 * name that is not a plain identifier, an expression that is not one
 * expression, or a recipe the dialect does not support (MySQL); out is
 * then empty and safe to release.
 */
enum zdm_status zdm_plan_build(const struct zdm_plan_req *req, struct zdm_plan *out,
			       struct zdm_error *err);

/*
 * Give every migration step a version and a path in dir: UTC timestamps
 * (YYYYMMDDHHMMSS) from now, one second apart, and later than every
 * version already in dir (a missing dir counts as empty).
 */
enum zdm_status zdm_plan_assign(struct zdm_plan *p, const char *dir, time_t now,
				struct zdm_error *err);

/*
 * Write the migration files (dir created when missing).  An existing
 * file is never overwritten (ZDM_ERR_IO); files written before a failure
 * stay.
 */
enum zdm_status zdm_plan_write(const struct zdm_plan *p, struct zdm_error *err);

/* Free what the plan holds; the struct may be reused after ZDM_PLAN_INIT. */
void zdm_plan_release(struct zdm_plan *p);

/* 1 when s is a plain identifier (optionally schema.name), else 0. */
int zdm_plan_ident_ok(const char *s);

/*
 * Append ident to out, double-quoted when it has capitals or is a
 * reserved word.  ident must pass zdm_plan_ident_ok (a schema-qualified
 * name is quoted part by part).
 */
void zdm_plan_quote_ident(struct zdm_buf *out, const char *ident);

/*
 * Check that expr is one SQL expression (or type): no ';', no comment,
 * no psql meta-command, no unterminated quote, balanced parentheses.
 * what names it in the error ("--default").
 */
enum zdm_status zdm_plan_check_expr(enum zdm_dialect d, const char *expr,
				    const char *what, struct zdm_error *err);

#endif
