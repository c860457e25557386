/* SPDX-License-Identifier: MIT */
/*
 * dropping_constraint.c - dropping-constraint: DROP CONSTRAINT on a table
 * that exists.
 *
 * Dropping is quick, but the database stops enforcing the rule the moment
 * it commits, and adding it back later means a validating scan of every
 * row.  A foreign key is worse on PostgreSQL: dropping it takes ACCESS
 * EXCLUSIVE on both the table and the referenced table (measured on
 * 15.18), so it queues behind any open transaction on either one.  It is
 * legitimate, so the default is ask.
 *
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-DROP-CONSTRAINT
 * https://dev.mysql.com/doc/refman/8.0/en/alter-table.html
 */
#include <stddef.h>

#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	int pg = zdm_rule_dialect(c) == ZDM_DIALECT_POSTGRES;

	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		enum zdm_con kind;

		if (op->kind != ZDM_OP_DROP_CONSTRAINT)
			continue;
		if (zdm_rule_table_is_new(c, op->table))
			continue;
		/* The last step of the NOT NULL recipe: the check did its job. */
		if (zdm_rule_check_is_redundant(c, op->table, op->name))
			continue;
		kind = op->con != ZDM_CON_NONE ? op->con :
		       zdm_rule_constraint_kind(c, op->table, op->name);
		if (pg && kind == ZDM_CON_FOREIGN)
			zdm_rule_report(c, op, "dropping a foreign key takes ACCESS EXCLUSIVE on both tables");
		else
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_dropping_constraint = {
	.id = "dropping-constraint",
	.aliases = { "ban-drop-constraint", NULL },
	.dialects = ZDM_D_PG | ZDM_D_MYSQL,
	.decision = ZDM_DECISION_ASK,
	.message = "dropping a constraint stops the database enforcing it, and adding it back means scanning every row",
	.help = "make sure the application no longer relies on it, then drop it in its own migration with a lock_timeout",
	.fix = NULL,
	.check = check,
};
