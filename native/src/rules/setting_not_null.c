/* SPDX-License-Identifier: MIT */
/*
 * setting_not_null.c - setting-not-null: ALTER COLUMN ... SET NOT NULL on a
 * column of a table that exists.
 *
 * SET NOT NULL scans the whole table for NULLs while holding ACCESS
 * EXCLUSIVE (82 ms per 500k rows on 15.18, growing with the table).  Since
 * PostgreSQL 12 it skips the scan when a valid CHECK (col IS NOT NULL)
 * already proves it (2 ms): add that CHECK NOT VALID, VALIDATE it in a
 * later transaction (SHARE UPDATE EXCLUSIVE), then SET NOT NULL.
 * PostgreSQL 18's ADD CONSTRAINT ... NOT NULL col NOT VALID does the same
 * without the helper CHECK; without NOT VALID it scans like SET NOT NULL.
 *
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DROP-NOT-NULL
 */
#include <stddef.h>

#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];

		if (zdm_rule_table_is_new(c, op->table))
			continue;
		if (op->kind == ZDM_OP_ADD_CONSTRAINT && op->con == ZDM_CON_NOT_NULL &&
		    !(op->flags & ZDM_F_NOT_VALID)) {
			zdm_rule_report(c, op, "ADD CONSTRAINT ... NOT NULL without NOT VALID scans the same way");
			continue;
		}
		/*
		 * A column added earlier in this file is no exemption: the
		 * scan covers every row of the existing table all the same.
		 */
		if (op->kind != ZDM_OP_SET_NOT_NULL)
			continue;
		if (!zdm_rule_has_valid_not_null_check(c, op->table, op->column))
			zdm_rule_report(c, op, NULL);
		else if (zdm_rule_pg_version(c) < 12)
			zdm_rule_report(c, op, "before PostgreSQL 12 it scans even when a validated CHECK proves it");
	}
}

const struct zdm_rule zdm_rule_setting_not_null = {
	.id = "setting-not-null",
	.aliases = { "adding-not-nullable-field", NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "setting NOT NULL scans the whole table while blocking reads and writes",
	.help = "add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it in a later transaction, then SET NOT NULL (PostgreSQL 12+)",
	.fix = "zdm plan add-column",
	.check = check,
};
