/* SPDX-License-Identifier: MIT */
/*
 * ban-truncate-cascade: TRUNCATE ... CASCADE.
 *
 * CASCADE also truncates every table that has a foreign key to the named
 * ones, and the tables referencing those, recursively: tables the
 * migration never names lose all their rows, each under an ACCESS
 * EXCLUSIVE lock.  Always reported: the statement does not say which
 * tables lose their rows, so nobody reviewing it can tell.
 * https://www.postgresql.org/docs/current/sql-truncate.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind == ZDM_OP_TRUNCATE && (op->flags & ZDM_F_CASCADE))
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_ban_truncate_cascade = {
	.id = "ban-truncate-cascade",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "TRUNCATE ... CASCADE also empties every table that references this one, including tables the migration does not name",
	.help = "name every table to empty, without CASCADE, or delete the rows in batches",
	.fix = NULL,
	.check = check,
};
