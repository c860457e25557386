/* SPDX-License-Identifier: MIT */
/*
 * require-concurrent-index-creation: CREATE INDEX without CONCURRENTLY on
 * a table that already exists.
 *
 * A plain CREATE INDEX holds a SHARE lock on the table for the whole
 * build: reads go on, every INSERT, UPDATE and DELETE waits (363 ms on
 * 500k rows here, minutes on a real table).  CONCURRENTLY takes SHARE
 * UPDATE EXCLUSIVE, which writers do not conflict with.  An index on a
 * table created earlier in the same file is fine: nobody else can see it.
 * https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		/* ON ONLY creates an empty, invalid index on a partitioned
		 * parent (no build): the first step of the partitioned recipe. */
		if (op->kind != ZDM_OP_CREATE_INDEX ||
		    (op->flags & (ZDM_F_CONCURRENTLY | ZDM_F_ONLY)) ||
		    zdm_rule_table_is_new(c, op->table))
			continue;
		zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_require_concurrent_index_creation = {
	.id = "require-concurrent-index-creation",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "creating an index without CONCURRENTLY blocks writes to the table while the index is built",
	.help = "use CREATE INDEX CONCURRENTLY IF NOT EXISTS in a migration that does not run in a transaction",
	.fix = "zdm plan add-index",
	.check = check,
};
