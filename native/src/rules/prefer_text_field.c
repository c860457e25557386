/* SPDX-License-Identifier: MIT */
/*
 * prefer-text-field: a varchar(n) column, in ALTER TABLE ... ADD COLUMN,
 * CREATE TABLE or ALTER COLUMN TYPE.
 *
 * text and varchar are stored the same way in PostgreSQL; the length is
 * only a check.  Kept in the type, raising it needs ALTER COLUMN TYPE
 * (ACCESS EXCLUSIVE; no rewrite when it grows) and lowering it rewrites
 * the table.  A CHECK constraint can be replaced online (NOT VALID, then
 * VALIDATE).
 * https://www.postgresql.org/docs/current/datatype-character.html
 */
#include <string.h>

#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		const char *t = op->type.name;
		if (op->kind != ZDM_OP_ADD_COLUMN && op->kind != ZDM_OP_ALTER_TYPE)
			continue;
		if (t && (strcmp(t, "varchar") == 0 && op->type.nmods > 0))
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_prefer_text_field = {
	.id = "prefer-text-field",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_WARN,
	.message = "varchar(n) puts the length limit in the column type, so changing it later takes an ACCESS EXCLUSIVE lock (and a rewrite to shrink it)",
	.help = "use text, with a CHECK (char_length(col) <= n) constraint if the limit matters",
	.fix = NULL,
	.check = check,
};
