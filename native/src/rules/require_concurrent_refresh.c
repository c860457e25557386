/* SPDX-License-Identifier: MIT */
/*
 * require-concurrent-refresh: REFRESH MATERIALIZED VIEW without
 * CONCURRENTLY on a view that already exists.
 *
 * A plain refresh recomputes the view into a new file under an ACCESS
 * EXCLUSIVE lock, so every read of the view waits for the whole query.
 * CONCURRENTLY takes EXCLUSIVE (reads go on) and applies a diff, which
 * needs a unique index on the view.
 * https://www.postgresql.org/docs/current/sql-refreshmaterializedview.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_REFRESH_MATVIEW ||
		    (op->flags & ZDM_F_CONCURRENTLY) ||
		    zdm_rule_table_is_new(c, op->table))
			continue;
		zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_require_concurrent_refresh = {
	.id = "require-concurrent-refresh",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "refreshing a materialized view without CONCURRENTLY blocks every read of it until the refresh ends",
	.help = "give the view a unique index, then use REFRESH MATERIALIZED VIEW CONCURRENTLY",
	.fix = NULL,
	.check = check,
};
