/* SPDX-License-Identifier: MIT */
/*
 * require-enum-value-ordering: ALTER TYPE ... ADD VALUE without BEFORE or
 * AFTER.
 *
 * Enum values sort in declaration order, not alphabetically, and that
 * order is used by ORDER BY, <, > and indexes on the column.  A value
 * added without a position goes last, which is often not where it
 * belongs (a status between 'pending' and 'done'); fixing the order later
 * means a new type and a rewrite of every column that uses it.
 * https://www.postgresql.org/docs/current/sql-altertype.html
 * https://www.postgresql.org/docs/current/datatype-enum.html#DATATYPE-ENUM-ORDERING
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind == ZDM_OP_ADD_ENUM_VALUE &&
		    !(op->flags & ZDM_F_POSITIONED))
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_require_enum_value_ordering = {
	.id = "require-enum-value-ordering",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_WARN,
	.message = "ADD VALUE without BEFORE or AFTER puts the new value last, and enum order is what ORDER BY and comparisons use",
	.help = "say where the value belongs with BEFORE 'x' or AFTER 'x'",
	.fix = NULL,
	.check = check,
};
