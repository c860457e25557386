/* SPDX-License-Identifier: MIT */
/*
 * ban-drop-table: DROP TABLE of a table that existed before this file
 * loses its rows for good and breaks every running client that still uses
 * it; CASCADE silently takes dependent views and foreign keys with it.
 * Dropping a table this same file created (a scratch table, a rebuild's
 * leftovers) is fine.
 * https://www.postgresql.org/docs/current/sql-droptable.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	size_t drops = 0;

	for (size_t i = 0; i < st->nops; i++)
		drops += st->ops[i].kind == ZDM_OP_DROP_TABLE;
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		const char *cascade = op->flags & ZDM_F_CASCADE
			? "CASCADE also drops the views and foreign keys that depend on it" : NULL;
		if (op->kind != ZDM_OP_DROP_TABLE ||
		    zdm_rule_table_is_new(c, op->table))
			continue;
		if (drops > 1) /* name the table: one finding each */
			zdm_rule_report(c, op, "%s%s%s", op->table ? op->table : "?",
					cascade ? "; " : "", cascade ? cascade : "");
		else if (cascade)
			zdm_rule_report(c, op, "%s", cascade);
		else
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_ban_drop_table = {
	.id = "ban-drop-table",
	.dialects = ZDM_D_ALL,
	.decision = ZDM_DECISION_ASK,
	.message = "dropping a table loses its data and breaks running clients that still use it",
	.help = "stop using the table in code and deploy, keep a backup, then drop it in a later migration",
	.check = check,
};
