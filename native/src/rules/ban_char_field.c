/* SPDX-License-Identifier: MIT */
/*
 * ban-char-field: a char(n) / character(n) column (bpchar), in ALTER TABLE ...
 * ADD COLUMN, CREATE TABLE or ALTER COLUMN TYPE.
 *
 * char(n) pads shorter values with spaces, ignores trailing spaces in
 * comparisons but keeps them in some casts and pattern matches, and is no
 * faster than text: the docs themselves recommend text or varchar.
 * https://www.postgresql.org/docs/current/datatype-character.html
 * https://wiki.postgresql.org/wiki/Don%27t_Do_This#Don.27t_use_char.28n.29
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
		if (t && (strcmp(t, "bpchar") == 0))
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_ban_char_field = {
	.id = "ban-char-field",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_WARN,
	.message = "char(n) pads values with spaces to n characters, which changes comparisons and wastes space, with no speed advantage",
	.help = "use text, with a CHECK (char_length(col) <= n) constraint if the limit matters",
	.fix = NULL,
	.check = check,
};
