/* SPDX-License-Identifier: MIT */
/*
 * require-concurrent-partition-detach: ALTER TABLE ... DETACH PARTITION
 * without CONCURRENTLY on an existing partitioned table.
 *
 * A plain detach takes ACCESS EXCLUSIVE on the parent and the partition:
 * quick (2 ms here) but it queues behind every open transaction on the
 * parent, and every query on any partition queues behind it.  Since
 * PostgreSQL 14, DETACH ... CONCURRENTLY takes SHARE UPDATE EXCLUSIVE.
 * Older targets are still told, with a note that they need 14.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DETACH-PARTITION
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_DETACH_PARTITION ||
		    (op->flags & ZDM_F_CONCURRENTLY) ||
		    zdm_rule_table_is_new(c, op->table))
			continue;
		if (zdm_rule_pg_version(c) < 14)
			zdm_rule_report(c, op, "CONCURRENTLY needs PostgreSQL 14");
		else
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_require_concurrent_partition_detach = {
	.id = "require-concurrent-partition-detach",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "detaching a partition without CONCURRENTLY locks the parent table ACCESS EXCLUSIVE, blocking reads and writes on every partition",
	.help = "use ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY in a migration that does not run in a transaction",
	.fix = NULL,
	.check = check,
};
