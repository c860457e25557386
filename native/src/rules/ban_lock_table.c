/* SPDX-License-Identifier: MIT */
/*
 * ban-lock-table: an explicit LOCK TABLE (PostgreSQL) or LOCK TABLES
 * (MySQL) in a migration.
 *
 * An explicit lock is held until the transaction ends, so everything the
 * migration does after it runs with the table blocked; in PostgreSQL the
 * default mode is ACCESS EXCLUSIVE, which stops reads too.  Statements
 * take the locks they need by themselves.  A table created in the same
 * file is skipped.
 * https://www.postgresql.org/docs/current/sql-lock.html
 * https://dev.mysql.com/doc/refman/8.0/en/lock-tables.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_LOCK_TABLE ||
		    zdm_rule_table_is_new(c, op->table))
			continue;
		if (op->name)
			zdm_rule_report(c, op, "%s mode", op->name);
		else
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_ban_lock_table = {
	.id = "ban-lock-table",
	.aliases = { NULL },
	.dialects = ZDM_D_PG | ZDM_D_MYSQL,
	.decision = ZDM_DECISION_ASK,
	.message = "an explicit table lock is held until the transaction ends and makes every other query on the table wait",
	.help = "drop the LOCK; let each statement take its own lock, with a short lock_timeout, in a short transaction",
	.fix = NULL,
	.check = check,
};
