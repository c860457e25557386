/* SPDX-License-Identifier: MIT */
/*
 * lint.h - the linter: SQL text in, findings out.
 *
 * A linter holds the options (dialect, target version, per-rule
 * decisions) and what it learnt of the schema from the files it has
 * linted so far, in order: lint a migrations directory oldest first and a
 * later file knows the column types and validated checks of earlier ones.
 * "New" tables (created earlier in the same file, no lock hazard) are per
 * file.  Findings are appended to a report the caller owns.
 */
#ifndef ZDM_LINT_H
#define ZDM_LINT_H

#include <stddef.h>

#include "zdm/error.h"
#include "zdm/lexer.h"
#include "zdm/rule.h"

#define ZDM_PG_VERSION_DEFAULT 15
#define ZDM_MYSQL_VERSION_DEFAULT 8
/* Files larger than this are refused with a clear error. */
#define ZDM_MAX_FILE (256u << 20)

struct zdm_lint_opts {
	enum zdm_dialect dialect;
	int pg_version;         /* 0: ZDM_PG_VERSION_DEFAULT */
	int mysql_version;      /* 0: ZDM_MYSQL_VERSION_DEFAULT */
};

struct zdm_finding {
	const struct zdm_rule *rule;
	enum zdm_decision decision;  /* after the config */
	const char *file;            /* owned by the report */
	int line, col;               /* 1-based */
	char *message;               /* the rule's message, plus any detail (owned unless
	                                it is rule->message itself) */
	char *statement;             /* the statement, whitespace squeezed, at most ZDM_STMT_MAX bytes */
	int allowed;                 /* suppressed by -- zdm:allow with a reason */
	char *allow_reason;          /* NULL unless allowed */
	int in_down;                 /* found in a down section */
};

#define ZDM_STMT_MAX 400

struct zdm_report {
	struct zdm_finding *items;
	size_t count, cap;
	size_t files;                /* files (sources) linted */
	size_t statements;
	size_t parse_errors;         /* statements the real parser rejected */
	char **names;                /* file names, owned; findings point here */
	size_t nnames;
	/*
	 * When set, zdm_lint_path calls it after each file it lints, so that
	 * a caller that prints as it goes can take the findings out with
	 * zdm_report_drop() and memory stays bounded by one file's findings.
	 */
	void (*on_file)(struct zdm_report *r, void *ctx);
	void *on_file_ctx;
	enum zdm_decision dropped_max;  /* the strongest dropped finding not allowed */
};

#define ZDM_REPORT_INIT { NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL, ZDM_DECISION_OFF }

void zdm_report_release(struct zdm_report *r);
/* Free the findings held so far (counts, names and zdm_report_max stay). */
void zdm_report_drop(struct zdm_report *r);
/* Strongest decision among findings that are not allowed; OFF when none. */
enum zdm_decision zdm_report_max(const struct zdm_report *r);

/* One text to lint. */
struct zdm_source {
	const char *name;        /* shown in findings; a *.up.sql / *.down.sql
	                            name marks a golang-migrate half */
	const char *text;
	size_t len;
	int txn;                 /* -1: decide from the file's format; 0: each
	                            statement on its own (psql -f); 1: the whole
	                            text is one transaction (psql -c "a; b") */
	const size_t *ranges;    /* pairs [start, end), ascending and apart:
	                            judge only statements overlapping them;
	                            NULL judges all */
	size_t nranges;
	int first_line;          /* line of text[0] in the real file; 0 means 1 */
};

struct zdm_linter;

/* Returns a new linter; the caller frees it with zdm_linter_free(). */
struct zdm_linter *zdm_linter_new(const struct zdm_lint_opts *o);
void zdm_linter_free(struct zdm_linter *l);

/* Change a rule's decision (by id or alias).  -1 for an unknown rule. */
int zdm_linter_set_decision(struct zdm_linter *l, const char *rule,
			    enum zdm_decision d);

/* Set the dialect or versions after creation (e.g. from the config). */
void zdm_linter_set_opts(struct zdm_linter *l, const struct zdm_lint_opts *o);
const struct zdm_lint_opts *zdm_linter_opts(const struct zdm_linter *l);

/*
 * Lint one source and append its findings to rep.  Statements that do not
 * parse become parse-error findings, never a failure; the call fails only
 * for inputs it cannot look at (ZDM_ERR_LIMIT).
 */
enum zdm_status zdm_lint_source(struct zdm_linter *l,
				const struct zdm_source *src,
				struct zdm_report *rep, struct zdm_error *err);

/*
 * The same, for a caller that has already split the text: stmts[0..n)
 * is what zdm_split() gave for the whole of src->text in the linter's
 * dialect, so the text is not split again.  A section whose statements
 * the split cannot give exactly (an incomplete statement, a block comment
 * across a dbmate marker, MySQL) is split anew.
 */
struct zdm_stmt;
enum zdm_status zdm_lint_source_split(struct zdm_linter *l,
				      const struct zdm_source *src,
				      const struct zdm_stmt *stmts, size_t n,
				      struct zdm_report *rep, struct zdm_error *err);

/*
 * Lint a file, or a directory recursively (*.sql files, in version order:
 * numeric prefixes compare as numbers), or "-" for standard input.  Fails
 * with ZDM_ERR_IO naming the path it could not read; findings from files
 * read before the failure stay in rep.
 */
enum zdm_status zdm_lint_path(struct zdm_linter *l, const char *path,
			      struct zdm_report *rep, struct zdm_error *err);

#endif
