/* SPDX-License-Identifier: MIT */
/*
 * ban-drop-schema: DROP SCHEMA.
 *
 * With CASCADE it deletes every table, view, function and type in the
 * schema, and the data in them, in one statement; without it, it fails as
 * soon as anything is left, or silently succeeds on an empty schema some
 * code still names.  In MySQL, DROP SCHEMA is DROP DATABASE.
 * https://www.postgresql.org/docs/current/sql-dropschema.html
 * https://dev.mysql.com/doc/refman/8.0/en/drop-database.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_DROP_SCHEMA)
			continue;
		if (op->flags & ZDM_F_CASCADE)
			zdm_rule_report(c, op, "CASCADE drops every object in it");
		else
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_ban_drop_schema = {
	.id = "ban-drop-schema",
	.aliases = { NULL },
	.dialects = ZDM_D_PG | ZDM_D_MYSQL,
	.decision = ZDM_DECISION_DENY,
	.message = "dropping a schema deletes the tables and data in it irreversibly and breaks every client that uses them",
	.help = "revoke access first, back it up, and drop it by hand later, not from a migration",
	.fix = NULL,
	.check = check,
};
