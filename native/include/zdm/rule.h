/* SPDX-License-Identifier: MIT */
/*
 * rule.h - what a rule is, and what it may ask about its context.
 *
 * One rule = one file native/src/rules/<id_in_snake_case>.c with one static
 * check function and one exported descriptor, listed once in
 * rules/registry.c, with its page skills/zero-downtime-migrations/
 * references/rules/<id>.md and fixtures tests/fixtures/rules/<id>/{bad,ok}/.
 *
 * A check is called once per statement.  It walks st->ops and calls
 * zdm_rule_report() for each operation it objects to.  Rules never see
 * suppression comments or the configured decision: the linter applies
 * both after the check.
 */
#ifndef ZDM_RULE_H
#define ZDM_RULE_H

#include <stddef.h>

#include "zdm/lexer.h"
#include "zdm/model.h"

/* Ordered by strength: a stronger decision wins. */
enum zdm_decision {
	ZDM_DECISION_OFF = 0,
	ZDM_DECISION_WARN,
	ZDM_DECISION_ASK,
	ZDM_DECISION_DENY,
};

/* "off", "warn", "ask", "deny". */
const char *zdm_decision_name(enum zdm_decision d);
/* Returns 0 and writes *out, or -1 for an unknown name. */
int zdm_decision_parse(const char *s, enum zdm_decision *out);

/*
 * Transaction states of a statement.  An implicit block is PostgreSQL
 * running a multi-statement query string (psql -c "a; b", a dbmate
 * transaction:false section, a golang-migrate file) as one transaction:
 * CONCURRENTLY fails there, but a BEGIN inside it starts a real
 * transaction rather than nesting.
 */
enum {
	ZDM_TXN_NONE = 0,
	ZDM_TXN_OPEN = 1,         /* BEGIN, or a runner's transaction */
	ZDM_TXN_IMPLICIT = 2,
};

/* One statement as the rules see it. */
struct zdm_stmt_view {
	const char *text;         /* the whole file text */
	size_t off, len;          /* the statement within it */
	int line, col;
	const struct zdm_op *ops;
	size_t nops;
	int parsed;               /* 1: by the real parser; 0: token-level fallback */
	int in_txn;               /* runs inside a transaction block: ZDM_TXN_* */
	int in_down;              /* in a migration's down section (a rollback) */
	struct zdm_mysql_opts mysql;
};

struct zdm_rule_ctx;

struct zdm_rule {
	const char *id;            /* kebab-case, public, never renamed */
	const char *aliases[4];    /* squawk's name(s) for the same check; NULL-terminated */
	unsigned dialects;         /* ZDM_D_* bits */
	enum zdm_decision decision;/* default */
	const char *message;       /* what goes wrong, one line */
	const char *help;          /* what to do instead, one line */
	const char *fix;           /* the zdm command that helps, or NULL */
	void (*check)(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st);
};

/* ---- what a check may ask ------------------------------------------------ */

enum zdm_dialect zdm_rule_dialect(const struct zdm_rule_ctx *c);
/* Target server major version (PostgreSQL: 9..19; MySQL: 5..9). */
int zdm_rule_pg_version(const struct zdm_rule_ctx *c);
int zdm_rule_mysql_version(const struct zdm_rule_ctx *c);

/*
 * True when table was created earlier in the same file (or the same
 * command, for the guard), so no other session can hold or wait for its
 * locks and it has no rows anyone depends on.  NULL is never new.
 */
int zdm_rule_table_is_new(const struct zdm_rule_ctx *c, const char *table);

/* True when table.column was added earlier in the same file. */
int zdm_rule_column_is_new(const struct zdm_rule_ctx *c, const char *table,
			   const char *column);

/*
 * The column's type as known from CREATE TABLE / ADD COLUMN / ALTER TYPE
 * statements linted earlier in this run (earlier files in version order
 * too), or NULL when unknown.
 */
const struct zdm_type *zdm_rule_column_type(const struct zdm_rule_ctx *c,
					    const char *table, const char *column);

/*
 * True when a CHECK (column IS NOT NULL) on table is known to be valid:
 * added without NOT VALID on a new table, or validated by VALIDATE
 * CONSTRAINT in an earlier transaction.
 */
int zdm_rule_has_valid_not_null_check(const struct zdm_rule_ctx *c,
				      const char *table, const char *column);

/*
 * True when the constraint name on table was added NOT VALID earlier in
 * the same transaction (so VALIDATE would still hold its ACCESS EXCLUSIVE
 * lock), and what kind it is.
 */
int zdm_rule_not_valid_in_same_txn(const struct zdm_rule_ctx *c,
				   const char *table, const char *name);
enum zdm_con zdm_rule_constraint_kind(const struct zdm_rule_ctx *c,
				      const char *table, const char *name);

/*
 * True when constraint name on table is a CHECK (col IS NOT NULL) whose
 * column has since been made NOT NULL: dropping it is the last step of
 * the safe NOT NULL recipe, not a loss of protection.
 */
int zdm_rule_check_is_redundant(const struct zdm_rule_ctx *c, const char *table,
				const char *name);

/* True when a SET lock_timeout was seen earlier in this file. */
int zdm_rule_has_lock_timeout(const struct zdm_rule_ctx *c);

/* The last value given to SET name (lowercase) in this file, or NULL. */
const char *zdm_rule_setting(const struct zdm_rule_ctx *c, const char *name);

/*
 * True when the BEGIN in the statement being checked has no COMMIT or
 * ROLLBACK after it in the same section.
 */
int zdm_rule_txn_left_open(const struct zdm_rule_ctx *c);

/* 1 the first time a rule calls it in a file, 0 after: once-per-file rules. */
int zdm_rule_once(struct zdm_rule_ctx *c);

/*
 * Report op (NULL: the whole statement) as breaking this rule.  detail,
 * when not NULL, is printf-style text appended to the rule's message
 * (e.g. "on PostgreSQL 10 this also rewrites the table").
 */
void zdm_rule_report(struct zdm_rule_ctx *c, const struct zdm_op *op,
		     const char *detail, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- the registry ---------------------------------------------------------- */

extern const struct zdm_rule *const zdm_rules[];
extern const size_t zdm_rules_count;

/* Find a rule by id or alias; NULL when unknown. */
const struct zdm_rule *zdm_rule_find(const char *name);
/* Position of r in zdm_rules (for per-rule tables), or -1. */
int zdm_rule_index(const struct zdm_rule *r);

/* The rule for statements that do not parse; always registered. */
extern const struct zdm_rule zdm_rule_parse_error;
/* The rule for a suppression comment that gives no reason. */
extern const struct zdm_rule zdm_rule_allow_without_reason;

#endif
