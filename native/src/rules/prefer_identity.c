/* SPDX-License-Identifier: MIT */
/*
 * prefer-identity: a serial, bigserial or smallserial column, in ALTER TABLE
 * ... ADD COLUMN or CREATE TABLE.
 *
 * serial is shorthand for an integer column with a DEFAULT nextval() of
 * a sequence created beside it: the sequence needs its own grants, a
 * CREATE TABLE ... LIKE copies the default but shares the sequence, and
 * nothing stops inserts with explicit values from colliding with it.
 * Identity columns (PostgreSQL 10+) are the standard form and keep the
 * sequence part of the column.
 * https://www.postgresql.org/docs/current/sql-createtable.html#SQL-CREATETABLE-PARMS-GENERATED-IDENTITY
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
		if (t && (strcmp(t, "serial") == 0 || strcmp(t, "bigserial") == 0 ||
		          strcmp(t, "smallserial") == 0))
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_prefer_identity = {
	.id = "prefer-identity",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_WARN,
	.message = "serial makes a separate sequence that is only loosely tied to the column (ownership, grants, CREATE TABLE LIKE)",
	.help = "use bigint GENERATED ALWAYS AS IDENTITY (or BY DEFAULT)",
	.fix = NULL,
	.check = check,
};
