/* SPDX-License-Identifier: MIT */
/*
 * dropping_not_null.c - dropping-not-null: ALTER COLUMN ... DROP NOT NULL on
 * a table that exists.
 *
 * The statement itself is cheap (ACCESS EXCLUSIVE for 1-3 ms on 15.18, no
 * scan).  The danger is in the data: code already running may read the
 * column as always set, and once NULLs are written, putting NOT NULL back
 * means a backfill and a validating scan.  It is not wrong, so a person
 * confirms it (ask) rather than the linter refusing it.
 *
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DROP-NOT-NULL
 */
#include <stddef.h>

#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];

		if (op->kind != ZDM_OP_DROP_NOT_NULL)
			continue;
		if (!zdm_rule_table_is_new(c, op->table))
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_dropping_not_null = {
	.id = "dropping-not-null",
	.aliases = { "ban-drop-not-null", NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_ASK,
	.message = "dropping NOT NULL lets NULLs into a column that running code may assume is always set",
	.help = "make every reader handle NULL first; to stop writing the column, give it a default instead",
	.fix = NULL,
	.check = check,
};
