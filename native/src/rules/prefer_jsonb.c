/* SPDX-License-Identifier: MIT */
/*
 * prefer-jsonb: a json column, in ALTER TABLE ... ADD COLUMN, CREATE
 * TABLE or ALTER COLUMN TYPE.
 *
 * json stores the input text verbatim and re-parses it on every access;
 * it has no equality operator, so DISTINCT, GROUP BY, UNIQUE and plain
 * comparisons fail, and it cannot have a GIN index.  jsonb is the binary,
 * indexable form.  Changing the type later rewrites the table.
 * https://www.postgresql.org/docs/current/datatype-json.html
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
		if (t && (strcmp(t, "json") == 0))
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_prefer_jsonb = {
	.id = "prefer-jsonb",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_WARN,
	.message = "json keeps the raw text: it has no equality operator, no GIN indexing, and every access parses it again",
	.help = "use jsonb",
	.fix = NULL,
	.check = check,
};
