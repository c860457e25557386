/* SPDX-License-Identifier: MIT */
/*
 * changing-table-persistence: ALTER TABLE ... SET LOGGED / SET UNLOGGED on
 * an existing table.
 *
 * Both forms rewrite the table and all its indexes into new files under an
 * ACCESS EXCLUSIVE lock (SET LOGGED also writes every row to the WAL), so
 * reads and writes stop for as long as the copy takes.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-LOGGED-UNLOGGED
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_SET_LOGGED && op->kind != ZDM_OP_SET_UNLOGGED)
			continue;
		if (zdm_rule_table_is_new(c, op->table))
			continue;
		zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_changing_table_persistence = {
	.id = "changing-table-persistence",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "SET LOGGED / SET UNLOGGED rewrites the whole table under an ACCESS EXCLUSIVE lock, blocking reads and writes",
	.help = "create a new table with the wanted persistence, copy the rows in batches and swap, or do it in a maintenance window",
	.fix = NULL,
	.check = check,
};
