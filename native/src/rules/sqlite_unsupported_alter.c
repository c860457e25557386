/* SPDX-License-Identifier: MIT */
/*
 * sqlite-unsupported-alter: SQLite's ALTER TABLE knows only RENAME TO,
 * RENAME COLUMN, ADD COLUMN and DROP COLUMN.  Changing a column's type,
 * its NOT NULL or its default, and adding or dropping a constraint are
 * syntax errors (3.40 checked; trunk adds some of them), so the migration
 * fails whatever the table.  The documented way is the 12-step rebuild:
 * a new table, a copy, a drop and a rename.
 * https://www.sqlite.org/lang_altertable.html#otheralter
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		switch (op->kind) {
		case ZDM_OP_ALTER_TYPE:
		case ZDM_OP_SET_NOT_NULL:
		case ZDM_OP_DROP_NOT_NULL:
		case ZDM_OP_SET_DEFAULT:
		case ZDM_OP_ADD_CONSTRAINT:
		case ZDM_OP_DROP_CONSTRAINT:
			zdm_rule_report(c, op, "it has no %s",
					zdm_op_kind_name(op->kind));
			break;
		default:
			break;
		}
	}
}

const struct zdm_rule zdm_rule_sqlite_unsupported_alter = {
	.id = "sqlite-unsupported-alter",
	.dialects = ZDM_D_SQLITE,
	.decision = ZDM_DECISION_DENY,
	.message = "SQLite's ALTER TABLE does not support this, so the statement fails",
	.help = "rebuild the table (the 12-step procedure: create the new table, copy, drop the old, rename) in a low-traffic window",
	.check = check,
};
