/* SPDX-License-Identifier: MIT */
/*
 * ban-truncate: TRUNCATE (without CASCADE, which ban-truncate-cascade
 * covers) of an existing table.
 *
 * TRUNCATE deletes every row at once, without firing ON DELETE triggers,
 * and holds an ACCESS EXCLUSIVE lock until the transaction ends.  In
 * MySQL it is DDL: it commits implicitly and cannot be rolled back.
 * Sometimes intended (a staging table), so a person confirms.
 * https://www.postgresql.org/docs/current/sql-truncate.html
 * https://dev.mysql.com/doc/refman/8.0/en/truncate-table.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_TRUNCATE ||
		    (op->flags & ZDM_F_CASCADE) ||
		    zdm_rule_table_is_new(c, op->table))
			continue;
		zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_ban_truncate = {
	.id = "ban-truncate",
	.aliases = { NULL },
	.dialects = ZDM_D_PG | ZDM_D_MYSQL,
	.decision = ZDM_DECISION_ASK,
	.message = "TRUNCATE deletes every row of the table at once, under a lock that blocks all reads and writes",
	.help = "delete the rows you mean to remove in batches by key range, or confirm the table holds nothing anyone needs",
	.fix = NULL,
	.check = check,
};
