/* SPDX-License-Identifier: MIT */
/*
 * ban-vacuum-full: VACUUM FULL.
 *
 * VACUUM FULL writes a new copy of the table and its indexes under an
 * ACCESS EXCLUSIVE lock: reads and writes stop for the whole rewrite.
 * Plain VACUUM takes SHARE UPDATE EXCLUSIVE and blocks nothing; to give
 * space back online use pg_repack, or REPACK (CONCURRENTLY) from
 * PostgreSQL 19.  A table created in the same file is skipped.
 * https://www.postgresql.org/docs/current/sql-vacuum.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_VACUUM_FULL ||
		    zdm_rule_table_is_new(c, op->table))
			continue;
		zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_ban_vacuum_full = {
	.id = "ban-vacuum-full",
	.aliases = { "prefer-repack", NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock, blocking reads and writes until it ends",
	.help = "use plain VACUUM, or pg_repack (REPACK (CONCURRENTLY) on PostgreSQL 19) to give space back online",
	.fix = NULL,
	.check = check,
};
