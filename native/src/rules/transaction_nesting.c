/* SPDX-License-Identifier: MIT */
/*
 * transaction-nesting: BEGIN while a transaction is already open, most
 * often an explicit BEGIN in a file the runner already wraps in one
 * (a dbmate section without transaction:false, zdm up).
 *
 * PostgreSQL has no nested transactions: the inner BEGIN only warns
 * "there is already a transaction in progress", the inner COMMIT commits
 * the runner's transaction early, and the statements after it run in
 * autocommit, so a later failure leaves the migration half-applied.
 * https://www.postgresql.org/docs/current/sql-begin.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	/* In an implicit block (a multi-statement query string) BEGIN starts
	 * a real transaction: only an open one nests. */
	if (st->in_txn != ZDM_TXN_OPEN)
		return;
	for (size_t i = 0; i < st->nops; i++)
		if (st->ops[i].kind == ZDM_OP_BEGIN)
			zdm_rule_report(c, &st->ops[i], NULL);
}

const struct zdm_rule zdm_rule_transaction_nesting = {
	.id = "transaction-nesting",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_WARN,
	.message = "BEGIN inside a transaction does not nest: the next COMMIT ends the outer transaction early and the rest runs without one",
	.help = "let the migration runner own the transaction and remove BEGIN/COMMIT from the file, or opt the file out of the runner's transaction",
	.fix = NULL,
	.check = check,
};
