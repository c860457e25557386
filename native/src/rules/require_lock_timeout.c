/* SPDX-License-Identifier: MIT */
/*
 * require-lock-timeout: the first statement in a file that takes a lock
 * blocking reads or writes on an existing table, when no SET lock_timeout
 * came before it.  Reported once per file.
 *
 * A lock request waits behind every open transaction on the table, and
 * every later query on the table waits behind the request (the lock
 * queue).  So even a 2 ms ALTER can stop all traffic for as long as the
 * slowest open transaction lasts.  lock_timeout turns that wait into an
 * error the runner can retry.  zdm up sets it itself; other runners do
 * not.  Besides ACCESS EXCLUSIVE and SHARE, this counts SHARE ROW
 * EXCLUSIVE (CREATE TRIGGER, foreign keys: writes wait on both tables),
 * including a new table whose foreign key references an existing one.
 * https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT
 * https://www.postgresql.org/docs/current/explicit-locking.html
 */
#include <string.h>

#include "zdm/rule.h"

/* LOCK TABLE modes weak enough that normal reads and writes go on. */
static int weak_lock_mode(const char *mode)
{
	return mode && (strcmp(mode, "access share") == 0 ||
			strcmp(mode, "row share") == 0 ||
			strcmp(mode, "row exclusive") == 0 ||
			strcmp(mode, "share update exclusive") == 0);
}

static int blocks_traffic(struct zdm_rule_ctx *c, const struct zdm_op *op)
{
	int existing = !zdm_rule_table_is_new(c, op->table);
	int ref_existing = op->ref_table && !zdm_rule_table_is_new(c, op->ref_table);

	switch (op->kind) {
	case ZDM_OP_ADD_COLUMN:
		return existing || ((op->flags & ZDM_F_REFERENCES) && ref_existing);
	case ZDM_OP_ADD_CONSTRAINT:
		return existing || (op->con == ZDM_CON_FOREIGN && ref_existing);
	case ZDM_OP_DROP_TABLE:
	case ZDM_OP_RENAME_TABLE:
	case ZDM_OP_TRUNCATE:
	case ZDM_OP_SET_LOGGED:
	case ZDM_OP_SET_UNLOGGED:
	case ZDM_OP_SET_TABLESPACE:
	case ZDM_OP_SET_ACCESS_METHOD:
	case ZDM_OP_CLUSTER:
	case ZDM_OP_VACUUM_FULL:
	case ZDM_OP_DROP_COLUMN:
	case ZDM_OP_RENAME_COLUMN:
	case ZDM_OP_ALTER_TYPE:
	case ZDM_OP_SET_NOT_NULL:
	case ZDM_OP_DROP_NOT_NULL:
	case ZDM_OP_SET_DEFAULT:
	case ZDM_OP_DROP_CONSTRAINT:
	case ZDM_OP_CREATE_TRIGGER:
		return existing;
	case ZDM_OP_CREATE_INDEX:
	case ZDM_OP_DROP_INDEX:
	case ZDM_OP_REINDEX:
	case ZDM_OP_DETACH_PARTITION:
	case ZDM_OP_REFRESH_MATVIEW:
		return existing && !(op->flags & ZDM_F_CONCURRENTLY);
	case ZDM_OP_ATTACH_PARTITION:
		/* ACCESS EXCLUSIVE on the partition being attached. */
		return !zdm_rule_table_is_new(c, op->name);
	case ZDM_OP_LOCK_TABLE:
		return existing && !weak_lock_mode(op->name);
	default:
		return 0;
	}
}

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	if (zdm_rule_has_lock_timeout(c))
		return;
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (!blocks_traffic(c, op))
			continue;
		if (zdm_rule_once(c))
			zdm_rule_report(c, op, NULL);
		return;
	}
}

const struct zdm_rule zdm_rule_require_lock_timeout = {
	.id = "require-lock-timeout",
	.aliases = { "require-timeout-settings", NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_WARN,
	.message = "without a lock_timeout, a statement waiting for its lock makes every later query on the table wait behind it",
	.help = "start the migration with SET lock_timeout = '2s' and retry when it times out (zdm up does both)",
	.fix = NULL,
	.check = check,
};
