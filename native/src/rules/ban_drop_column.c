/* SPDX-License-Identifier: MIT */
/*
 * ban-drop-column: DROP COLUMN on a live table loses the data for good and
 * breaks every running client that still reads or writes the column (an
 * ORM that lists all columns in its INSERTs fails at once).  PostgreSQL
 * only marks the column dropped, under a brief ACCESS EXCLUSIVE lock;
 * SQLite rewrites the whole table; MySQL before 8.0.29 rebuilds it.  A
 * column added earlier in the same file (a down section undoing its own
 * up) holds nothing anyone depends on.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-DROP-COLUMN
 * https://www.sqlite.org/lang_altertable.html#altertabdropcol
 */
#include <string.h>

#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	size_t drops = 0;
	const char *why;

	for (size_t i = 0; i < st->nops; i++)
		drops += st->ops[i].kind == ZDM_OP_DROP_COLUMN;
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_DROP_COLUMN ||
		    zdm_rule_table_is_new(c, op->table) ||
		    zdm_rule_column_is_new(c, op->table, op->column))
			continue;
		switch (zdm_rule_dialect(c)) {
		case ZDM_DIALECT_SQLITE:
			why = "SQLite rewrites the whole table to drop a column";
			break;
		case ZDM_DIALECT_MYSQL:
			/* ALGORITHM=INSTANT makes an older server refuse instead */
			why = st->mysql.algorithm && strcmp(st->mysql.algorithm, "instant") == 0
				? NULL : "MySQL before 8.0.29 rebuilds the table to drop a column";
			break;
		default:
			why = NULL;
		}
		if (drops > 1) /* name the column: one finding each */
			zdm_rule_report(c, op, "%s%s%s", op->column ? op->column : "?",
					why ? "; " : "", why ? why : "");
		else if (why)
			zdm_rule_report(c, op, "%s", why);
		else
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_ban_drop_column = {
	.id = "ban-drop-column",
	.dialects = ZDM_D_ALL,
	.decision = ZDM_DECISION_ASK,
	.message = "dropping a column loses its data and breaks running clients that still read or write it",
	.help = "stop using the column in code and deploy, keep a copy of the data if it matters, then drop it in a later migration",
	.fix = "zdm plan drop-column",
	.check = check,
};
