/* SPDX-License-Identifier: MIT */
/*
 * changing-tablespace: ALTER TABLE / ALTER INDEX ... SET TABLESPACE, and
 * ALTER TABLE ... SET ACCESS METHOD, on an existing table.
 *
 * Both copy every block of the relation (SET ACCESS METHOD rewrites every
 * row) while holding an ACCESS EXCLUSIVE lock, so nothing can read or
 * write the table until the copy is done.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-TABLESPACE
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_SET_TABLESPACE &&
		    op->kind != ZDM_OP_SET_ACCESS_METHOD)
			continue;
		if (zdm_rule_table_is_new(c, op->table))
			continue;
		zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_changing_tablespace = {
	.id = "changing-tablespace",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "moving a table or index to another tablespace or access method copies it under an ACCESS EXCLUSIVE lock, blocking reads and writes",
	.help = "use pg_repack --tablespace, or build a copy in the new place and swap it in; otherwise use a maintenance window",
	.fix = NULL,
	.check = check,
};
