/* SPDX-License-Identifier: MIT */
/*
 * adding_volatile_default.c - adding-volatile-default: ADD COLUMN with a
 * default that must be computed row by row, on a table that already exists.
 *
 * Since PostgreSQL 11 a constant (or stable, like now()) default is stored
 * once in the catalogue and the ADD COLUMN is instant.  A volatile default
 * (clock_timestamp(), gen_random_uuid(), random()) has to be evaluated for
 * every row, so the table and all its indexes are rewritten under ACCESS
 * EXCLUSIVE: about 2 s per 500k rows, measured on 15.18.  Before 11 every
 * non-NULL default rewrote.  SQLite refuses a non-constant default
 * (CURRENT_TIMESTAMP, an expression in parentheses) on a table with rows.
 *
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
 * https://www.sqlite.org/lang_altertable.html#altertabaddcol
 */
#include <stddef.h>

#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	/* These carry an implicit volatile default; adding-generated-column. */
	const unsigned self_filling = ZDM_F_GENERATED_STORED | ZDM_F_IDENTITY |
				      ZDM_F_SERIAL;
	enum zdm_dialect d = zdm_rule_dialect(c);

	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		unsigned f = op->flags;
		int has_default = (f & (ZDM_F_DEFAULT | ZDM_F_DEFAULT_VOLATILE)) &&
				  !(f & ZDM_F_DEFAULT_NULL);

		if (op->kind != ZDM_OP_ADD_COLUMN || !has_default)
			continue;
		if ((f & self_filling) || zdm_rule_table_is_new(c, op->table))
			continue;
		if (f & ZDM_F_DEFAULT_VOLATILE)
			zdm_rule_report(c, op, d == ZDM_DIALECT_SQLITE ?
					"SQLite rejects a non-constant default on a table with rows" :
					NULL);
		else if (d == ZDM_DIALECT_POSTGRES && zdm_rule_pg_version(c) < 11)
			zdm_rule_report(c, op,
					"before PostgreSQL 11 every default rewrites the table");
	}
}

const struct zdm_rule zdm_rule_adding_volatile_default = {
	.id = "adding-volatile-default",
	.aliases = { "adding-field-with-default", NULL },
	.dialects = ZDM_D_PG | ZDM_D_SQLITE,
	.decision = ZDM_DECISION_DENY,
	.message = "adding a column with a volatile default rewrites the whole table while blocking reads and writes",
	.help = "add the column without a default, SET DEFAULT for new rows, then backfill existing rows in batches",
	.fix = "zdm plan add-column",
	.check = check,
};
