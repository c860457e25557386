/* SPDX-License-Identifier: MIT */
/*
 * prefer-timestamptz: a timestamp (without time zone) column, in ALTER TABLE
 * ... ADD COLUMN, CREATE TABLE or ALTER COLUMN TYPE.
 *
 * timestamp keeps the wall-clock value it is given and drops the zone:
 * now() cast to it depends on the session TimeZone, and DST makes some
 * values ambiguous.  timestamptz stores an instant (same 8 bytes).
 * Converting later rewrites the table unless TimeZone is UTC.
 * https://www.postgresql.org/docs/current/datatype-datetime.html
 * https://wiki.postgresql.org/wiki/Don%27t_Do_This#Don.27t_use_timestamp_.28without_time_zone.29
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
		if (t && (strcmp(t, "timestamp") == 0))
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_prefer_timestamptz = {
	.id = "prefer-timestamptz",
	.aliases = { "prefer-timestamp-tz", NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_WARN,
	.message = "timestamp without time zone stores no zone, so values mean different instants to clients in different zones",
	.help = "use timestamptz (timestamp with time zone)",
	.fix = NULL,
	.check = check,
};
