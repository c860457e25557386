/* SPDX-License-Identifier: MIT */
/*
 * ban-uncommitted-transaction: a BEGIN with no COMMIT or ROLLBACK after it
 * in the same file or section.
 *
 * The transaction stays open until the session ends: its locks are held
 * until then (every query on the touched tables waits), and when the
 * session closes PostgreSQL rolls it back, so the migration looks applied
 * but is not.  The linter decides whether the BEGIN is left open.
 * https://www.postgresql.org/docs/current/sql-begin.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++)
		if (st->ops[i].kind == ZDM_OP_BEGIN && zdm_rule_txn_left_open(c))
			zdm_rule_report(c, &st->ops[i], NULL);
}

const struct zdm_rule zdm_rule_ban_uncommitted_transaction = {
	.id = "ban-uncommitted-transaction",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_WARN,
	.message = "BEGIN without COMMIT leaves the transaction open: its locks are held until the session ends, and then its work is rolled back",
	.help = "end the transaction with COMMIT in the same file, or leave transactions to the migration runner",
	.fix = NULL,
	.check = check,
};
