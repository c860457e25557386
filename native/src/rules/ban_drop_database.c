/* SPDX-License-Identifier: MIT */
/*
 * ban-drop-database: DROP DATABASE (and MySQL's DROP SCHEMA, which is the
 * same statement there).
 *
 * It deletes every table and row at once, cannot be rolled back, and
 * breaks every client still using the database.  That is a decision for a
 * person with a backup, not a migration.
 * https://www.postgresql.org/docs/current/sql-dropdatabase.html
 * https://dev.mysql.com/doc/refman/8.0/en/drop-database.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++)
		if (st->ops[i].kind == ZDM_OP_DROP_DATABASE)
			zdm_rule_report(c, &st->ops[i], NULL);
}

const struct zdm_rule zdm_rule_ban_drop_database = {
	.id = "ban-drop-database",
	.aliases = { NULL },
	.dialects = ZDM_D_PG | ZDM_D_MYSQL,
	.decision = ZDM_DECISION_DENY,
	.message = "dropping a database deletes all its data irreversibly and breaks every client that uses it",
	.help = "revoke access first, back it up, and drop it by hand later, not from a migration",
	.fix = NULL,
	.check = check,
};
