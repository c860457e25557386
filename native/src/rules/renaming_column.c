/* SPDX-License-Identifier: MIT */
/*
 * renaming-column: RENAME COLUMN on a live table.  The rename itself is
 * quick (PostgreSQL: a catalog change under ACCESS EXCLUSIVE; MySQL 8.0.28+:
 * INSTANT; SQLite 3.25+: a schema text edit), but every running instance of
 * the old code still names the old column and fails from that moment on.
 * A rename needs expand/contract: a new column, dual writes, a backfill.
 * https://www.postgresql.org/docs/current/sql-altertable.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	size_t renames = 0;

	for (size_t i = 0; i < st->nops; i++)
		renames += st->ops[i].kind == ZDM_OP_RENAME_COLUMN;
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_RENAME_COLUMN ||
		    zdm_rule_table_is_new(c, op->table))
			continue;
		if (renames > 1) /* name the column: one finding each */
			zdm_rule_report(c, op, "%s to %s", op->column ? op->column : "?",
					op->name ? op->name : "?");
		else
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_renaming_column = {
	.id = "renaming-column",
	.dialects = ZDM_D_ALL,
	.decision = ZDM_DECISION_DENY,
	.message = "renaming a column breaks every running client that still uses the old name",
	.help = "add the new column, write both, backfill in batches, move reads, then drop the old column (expand/contract)",
	.fix = "zdm plan rename-column",
	.check = check,
};
