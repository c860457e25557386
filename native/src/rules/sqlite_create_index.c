/* SPDX-License-Identifier: MIT */
/*
 * sqlite-create-index: SQLite has no concurrent index build.  CREATE INDEX
 * reads the whole table and writes the whole index inside one write
 * transaction, holding the database write lock throughout, so every other
 * writer waits (or gets SQLITE_BUSY) for as long as the build takes.  On
 * a table created in the same migration it is empty and instant.
 * https://www.sqlite.org/lang_createindex.html
 * https://www.sqlite.org/lockingv3.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind == ZDM_OP_CREATE_INDEX &&
		    !zdm_rule_table_is_new(c, op->table))
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_sqlite_create_index = {
	.id = "sqlite-create-index",
	.dialects = ZDM_D_SQLITE,
	.decision = ZDM_DECISION_ASK,
	.message = "SQLite builds the index in one pass under the database write lock, so every other writer waits until it finishes",
	.help = "create indexes with the table, or build this one in a low-traffic window with busy_timeout set in the application",
	.check = check,
};
