/* SPDX-License-Identifier: MIT */
/*
 * ban-delete-all-rows: a DELETE with no WHERE (or WHERE true / 1=1) on a
 * live table.  Usually a mistake; when meant, it is still one transaction
 * that locks every row until it commits and leaves every row dead for
 * VACUUM (PostgreSQL), a huge undo log (MySQL), or the database write lock
 * held throughout (SQLite).
 * https://www.postgresql.org/docs/current/sql-delete.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_DELETE ||
		    zdm_rule_table_is_new(c, op->table))
			continue;
		if ((op->flags & ZDM_F_WHERE) && !(op->flags & ZDM_F_WHERE_TRIVIAL))
			continue;
		if ((op->flags & ZDM_F_LIMIT) && zdm_rule_dialect(c) != ZDM_DIALECT_POSTGRES)
			continue; /* MySQL/SQLite DELETE ... LIMIT n: a batch */
		if (op->flags & ZDM_F_WHERE_TRIVIAL)
			zdm_rule_report(c, op, "a WHERE that is always true filters nothing");
		else
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_ban_delete_all_rows = {
	.id = "ban-delete-all-rows",
	.dialects = ZDM_D_ALL,
	.decision = ZDM_DECISION_ASK,
	.message = "deleting every row of a live table loses its data and locks every row until it commits",
	.help = "say which rows go with a real WHERE and delete them in key-range batches (WHERE id > 0 AND id <= 1000, then the next range)",
	.check = check,
};
