/* SPDX-License-Identifier: MIT */
/*
 * ban_create_domain_with_constraint.c - ban-create-domain-with-constraint:
 * CREATE DOMAIN with a CHECK (or NOT NULL) constraint.
 *
 * Creating the domain is harmless; using it later is not.  Adding a column
 * of a constrained domain to an existing table rewrites the table under
 * ACCESS EXCLUSIVE even without a default (0.7-2.9 s per 500k rows on
 * 15.18), and changing the constraint locks every table that uses the
 * domain against writes while it scans (see ban-alter-domain-with-add-
 * constraint).  A CHECK on the table column can be added NOT VALID and
 * validated online, so it is the better home for the rule.  Style: warn.
 *
 * https://www.postgresql.org/docs/current/sql-createdomain.html
 */
#include <stddef.h>

#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];

		if (op->kind == ZDM_OP_CREATE_DOMAIN && (op->flags & ZDM_F_CHECK))
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_ban_create_domain_with_constraint = {
	.id = "ban-create-domain-with-constraint",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_WARN,
	.message = "a domain constraint makes every ADD COLUMN of that type rewrite the table, and changing it blocks writes",
	.help = "use the base type and put the CHECK on the table column",
	.fix = NULL,
	.check = check,
};
