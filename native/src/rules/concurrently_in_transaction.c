/* SPDX-License-Identifier: MIT */
/*
 * concurrently-in-transaction: a CONCURRENTLY form that will run inside a
 * transaction block, or inside a function or DO block.
 *
 * CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and DETACH
 * PARTITION CONCURRENTLY commit internally between their phases, so
 * PostgreSQL refuses them in a transaction block ("cannot run inside a
 * transaction block") and in a function.  The migration then fails every
 * time it runs.  Runners that wrap each file in a transaction (dbmate by
 * default, zdm up) need the file to opt out.
 * https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (!(op->flags & ZDM_F_CONCURRENTLY))
			continue;
		if (op->kind != ZDM_OP_CREATE_INDEX &&
		    op->kind != ZDM_OP_DROP_INDEX &&
		    op->kind != ZDM_OP_REINDEX &&
		    op->kind != ZDM_OP_DETACH_PARTITION)
			continue;
		if (op->flags & ZDM_F_IN_BODY)
			zdm_rule_report(c, op, "it cannot run inside a function or DO block either");
		else if (st->in_txn)
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_concurrently_in_transaction = {
	.id = "concurrently-in-transaction",
	.aliases = { "ban-concurrent-index-creation-in-transaction", NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "CONCURRENTLY cannot run inside a transaction block, so this migration fails",
	.help = "move the statement to its own migration that runs outside a transaction (dbmate: -- migrate:up transaction:false)",
	.fix = NULL,
	.check = check,
};
