/* SPDX-License-Identifier: MIT */
/*
 * mysql-missing-algorithm-lock: without ALGORITHM and LOCK clauses, MySQL
 * picks the cheapest algorithm the change supports and, when no online
 * one does, silently falls back to COPY with writes blocked.  Naming
 * ALGORITHM=INSTANT, or ALGORITHM=INPLACE with LOCK=NONE, turns that
 * silent fallback into an error before anything is locked, so the
 * migration fails fast instead of stalling production.  A warning only:
 * mysql-copy-alter denies the changes known to copy.
 * https://dev.mysql.com/doc/refman/8.0/en/alter-table.html#alter-table-performance
 */
#include <stdlib.h>
#include <string.h>

#include "zdm/rule.h"

static int eq(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

/* An option value as written in SQL: "inplace" -> "INPLACE", NULL -> "DEFAULT". */
static const char *upper(const char *v, char *buf, size_t size)
{
	size_t i = 0;
	if (!v)
		v = "default";
	for (; v[i] && i + 1 < size; i++)
		buf[i] = (char)(v[i] >= 'a' && v[i] <= 'z' ? v[i] - 32 : v[i]);
	buf[i] = '\0';
	return buf;
}

/* True when the statement is an ALTER TABLE (not CREATE INDEX, RENAME TABLE). */
static int is_alter(const struct zdm_stmt_view *st)
{
	const char *s = st->text + st->off;
	struct zdm_token *t;
	size_t n;
	int yes;

	zdm_lexer_all(ZDM_DIALECT_MYSQL, s, st->len, &t, &n);
	yes = n > 0 && zdm_token_is(s, &t[0], "alter");
	free(t);
	return yes;
}

static int is_table_change(enum zdm_op_kind k)
{
	switch (k) {
	case ZDM_OP_ADD_COLUMN:
	case ZDM_OP_DROP_COLUMN:
	case ZDM_OP_RENAME_COLUMN:
	case ZDM_OP_ALTER_TYPE:
	case ZDM_OP_SET_NOT_NULL:
	case ZDM_OP_DROP_NOT_NULL:
	case ZDM_OP_SET_DEFAULT:
	case ZDM_OP_ADD_CONSTRAINT:
	case ZDM_OP_DROP_CONSTRAINT:
	case ZDM_OP_CREATE_INDEX:
	case ZDM_OP_DROP_INDEX:
	case ZDM_OP_OTHER: /* ENGINE=, FORCE, PARTITION BY, ... in an ALTER */
		return 1;
	default:
		return 0;
	}
}

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	char a[16], l[16];

	if (eq(st->mysql.lock, "none") || eq(st->mysql.algorithm, "instant"))
		return;
	if (eq(st->mysql.algorithm, "copy"))
		return; /* asked for in so many words: mysql-copy-alter denies it */
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (!is_table_change(op->kind) || !op->table ||
		    zdm_rule_table_is_new(c, op->table))
			continue;
		if (!is_alter(st))
			return;
		if (st->mysql.algorithm || st->mysql.lock)
			zdm_rule_report(c, op, "it names ALGORITHM=%s, LOCK=%s",
					upper(st->mysql.algorithm, a, sizeof(a)),
					upper(st->mysql.lock, l, sizeof(l)));
		else
			zdm_rule_report(c, op, NULL);
		return; /* once per statement */
	}
}

const struct zdm_rule zdm_rule_mysql_missing_algorithm_lock = {
	.id = "mysql-missing-algorithm-lock",
	.dialects = ZDM_D_MYSQL,
	.decision = ZDM_DECISION_WARN,
	.message = "this ALTER does not insist on an online algorithm, so MySQL may silently fall back to a blocking table copy",
	.help = "name ALGORITHM=INSTANT or ALGORITHM=INPLACE, LOCK=NONE so MySQL errors instead of silently copying",
	.check = check,
};
