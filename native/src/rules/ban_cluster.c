/* SPDX-License-Identifier: MIT */
/*
 * ban-cluster: CLUSTER.
 *
 * CLUSTER writes a new copy of the table in index order, and rebuilds its
 * indexes, under an ACCESS EXCLUSIVE lock: reads and writes stop for the
 * whole rewrite.  pg_repack does the same online; PostgreSQL 19 adds
 * REPACK (CONCURRENTLY).  A table created in the same file is skipped.
 * https://www.postgresql.org/docs/current/sql-cluster.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_CLUSTER ||
		    zdm_rule_table_is_new(c, op->table))
			continue;
		zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_ban_cluster = {
	.id = "ban-cluster",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "CLUSTER rewrites the table in index order under an ACCESS EXCLUSIVE lock, blocking reads and writes until it ends",
	.help = "use pg_repack, which reorders the table online (REPACK (CONCURRENTLY) on PostgreSQL 19)",
	.fix = NULL,
	.check = check,
};
