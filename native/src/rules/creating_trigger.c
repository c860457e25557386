/* SPDX-License-Identifier: MIT */
/*
 * creating-trigger: CREATE [OR REPLACE] TRIGGER on an existing table.
 *
 * CREATE TRIGGER takes SHARE ROW EXCLUSIVE on the table: brief (2-3 ms
 * here), but it blocks writes, so it queues behind open transactions and
 * stalls every writer behind it; and from then on every write runs the
 * trigger function.  Legitimate (dual writes during a rename), so a person
 * confirms.  To change what an existing trigger does, CREATE OR REPLACE
 * FUNCTION needs no table lock.
 * https://www.postgresql.org/docs/current/sql-createtrigger.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_CREATE_TRIGGER ||
		    zdm_rule_table_is_new(c, op->table))
			continue;
		zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_creating_trigger = {
	.id = "creating-trigger",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_ASK,
	.message = "creating a trigger takes a SHARE ROW EXCLUSIVE lock that blocks writes, and adds the trigger's work to every later write",
	.help = "set a short lock_timeout and retry; to change an existing trigger's logic, replace its function instead",
	.fix = NULL,
	.check = check,
};
