/* SPDX-License-Identifier: MIT */
/*
 * update-with-limit: UPDATE ... LIMIT and DELETE ... LIMIT are MySQL (and
 * optional SQLite) syntax; PostgreSQL rejects them with a syntax error, so
 * a backfill loop written this way never runs.  The statement does not
 * parse, so the token-level recogniser reports it with ZDM_F_LIMIT.  The
 * PostgreSQL way to take a batch is a key range, or a keyed subquery that
 * carries the LIMIT.
 * https://www.postgresql.org/docs/current/sql-update.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if ((op->kind == ZDM_OP_UPDATE || op->kind == ZDM_OP_DELETE) &&
		    (op->flags & ZDM_F_LIMIT))
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_update_with_limit = {
	.id = "update-with-limit",
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "PostgreSQL has no UPDATE ... LIMIT or DELETE ... LIMIT: the statement fails with a syntax error",
	.help = "batch by key range (WHERE id > 0 AND id <= 1000, then the next range) or a keyed subquery (WHERE id IN (SELECT id FROM t WHERE ... ORDER BY id LIMIT 1000))",
	.fix = "zdm backfill",
	.check = check,
};
