/* SPDX-License-Identifier: MIT */
/*
 * renaming-table: ALTER TABLE ... RENAME TO (MySQL also RENAME TABLE) on a
 * live table.  The rename is a catalog change, but every running instance
 * of the old code still names the old table and fails from that moment
 * on.  A simple view gives a table a second name, and PostgreSQL and MySQL
 * can write through it, so the new name can go live before the old one
 * goes away.
 * https://www.postgresql.org/docs/current/sql-createview.html#SQL-CREATEVIEW-UPDATABLE-VIEWS
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	size_t renames = 0;

	for (size_t i = 0; i < st->nops; i++)
		renames += st->ops[i].kind == ZDM_OP_RENAME_TABLE;
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_RENAME_TABLE ||
		    zdm_rule_table_is_new(c, op->table))
			continue;
		if (renames > 1) /* name the table: one finding each */
			zdm_rule_report(c, op, "%s to %s", op->table ? op->table : "?",
					op->name ? op->name : "?");
		else
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_renaming_table = {
	.id = "renaming-table",
	.dialects = ZDM_D_ALL,
	.decision = ZDM_DECISION_DENY,
	.message = "renaming a table breaks every running client that still uses the old name",
	.help = "create a view with the new name over the old table, move the code to it, and rename only when nothing uses the old name",
	.fix = "zdm plan rename-table",
	.check = check,
};
