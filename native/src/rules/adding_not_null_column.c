/* SPDX-License-Identifier: MIT */
/*
 * adding_not_null_column.c - adding-not-null-column: ADD COLUMN ... NOT NULL
 * with no default on a table that already exists.
 *
 * Every existing row would get NULL in a column that forbids it, so the
 * statement fails as soon as the table has one row: PostgreSQL reports
 * "contains null values", SQLite "Cannot add a NOT NULL column with
 * default value NULL".  It only ever works on an empty table, which is why
 * it passes in development and fails in production.  Serial, identity and
 * stored generated columns fill themselves and are judged by
 * adding-generated-column instead.
 *
 * https://www.postgresql.org/docs/current/sql-altertable.html
 * https://www.sqlite.org/lang_altertable.html#altertabaddcol
 */
#include <stddef.h>

#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	const unsigned self_filling = ZDM_F_GENERATED_STORED | ZDM_F_IDENTITY |
				      ZDM_F_SERIAL;

	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		unsigned f = op->flags;
		int has_default = (f & (ZDM_F_DEFAULT | ZDM_F_DEFAULT_VOLATILE)) &&
				  !(f & ZDM_F_DEFAULT_NULL);

		if (op->kind != ZDM_OP_ADD_COLUMN || !(f & ZDM_F_NOT_NULL))
			continue;
		if (has_default || (f & self_filling))
			continue;
		if (zdm_rule_table_is_new(c, op->table))
			continue;
		zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_adding_not_null_column = {
	.id = "adding-not-null-column",
	.aliases = { "adding-required-field", NULL },
	.dialects = ZDM_D_PG | ZDM_D_SQLITE,
	.decision = ZDM_DECISION_DENY,
	.message = "adding a NOT NULL column without a default fails on any table that has rows",
	.help = "give it a constant default, or add it nullable, backfill in batches and enforce NOT NULL afterwards",
	.fix = "zdm plan add-column",
	.check = check,
};
