/* SPDX-License-Identifier: MIT */
/*
 * sqlite-table-rebuild: SQLite has no table locks: a writer holds the
 * lock on the whole database file.  DROP COLUMN rewrites every row of the
 * table to purge the column, and the copy step of the 12-step rebuild
 * (INSERT INTO new SELECT ... FROM old, with no WHERE) reads and writes
 * every row; either way every other writer gets SQLITE_BUSY until it
 * commits.  Copying in key-range batches keeps each write transaction
 * short.
 * https://www.sqlite.org/lang_altertable.html#altertabdropcol
 * https://www.sqlite.org/lang_altertable.html#otheralter
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind == ZDM_OP_DROP_COLUMN &&
		    !zdm_rule_table_is_new(c, op->table) &&
		    !zdm_rule_column_is_new(c, op->table, op->column))
			zdm_rule_report(c, op, "DROP COLUMN rewrites every row of %s",
					op->table ? op->table : "the table");
		else if (op->kind == ZDM_OP_INSERT_SELECT && op->ref_table &&
			 !(op->flags & ZDM_F_WHERE) &&
			 !zdm_rule_table_is_new(c, op->ref_table))
			zdm_rule_report(c, op, "copying every row of %s in one statement",
					op->ref_table);
	}
}

const struct zdm_rule zdm_rule_sqlite_table_rebuild = {
	.id = "sqlite-table-rebuild",
	.dialects = ZDM_D_SQLITE,
	.decision = ZDM_DECISION_ASK,
	.message = "this rewrites a whole table while holding the database write lock, so every other writer waits",
	.help = "leave an unused column in place, or copy in key-range batches (WHERE id > 0 AND id <= 1000, ...) and swap the tables in a low-traffic window",
	.check = check,
};
