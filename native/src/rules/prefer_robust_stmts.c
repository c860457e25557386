/* SPDX-License-Identifier: MIT */
/*
 * prefer-robust-stmts: CREATE TABLE / CREATE INDEX / ADD COLUMN without IF
 * NOT EXISTS, and DROP TABLE / DROP INDEX / DROP COLUMN without IF EXISTS,
 * in a migration that does not run in a transaction.
 *
 * When a transactional migration fails, PostgreSQL undoes all of it and it
 * can simply run again.  Outside a transaction (the only way to use
 * CONCURRENTLY) the statements before the failure stay done, so a re-run
 * stops at the first of them unless each one tolerates its own earlier
 * success.  Columns of a CREATE TABLE (ADD_COLUMN ops on the table created
 * by the same statement), temporary tables and statements inside a
 * function or DO block (one atomic statement) are skipped.
 * https://www.postgresql.org/docs/current/sql-createindex.html
 */
#include <string.h>

#include "zdm/rule.h"

/* The table the statement itself creates, or NULL. */
static const char *created_here(const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++)
		if (st->ops[i].kind == ZDM_OP_CREATE_TABLE)
			return st->ops[i].table;
	return NULL;
}

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	const char *created = created_here(st);

	if (st->in_txn)
		return;
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		const char *want = NULL;

		if (op->flags & (ZDM_F_TEMP | ZDM_F_IN_BODY))
			continue;
		switch (op->kind) {
		case ZDM_OP_CREATE_TABLE:
		case ZDM_OP_CREATE_INDEX:
			if (!(op->flags & ZDM_F_IF_NOT_EXISTS))
				want = "IF NOT EXISTS";
			break;
		case ZDM_OP_ADD_COLUMN:
			if (created && op->table && strcmp(op->table, created) == 0)
				break;
			if (!(op->flags & ZDM_F_IF_NOT_EXISTS))
				want = "IF NOT EXISTS";
			break;
		case ZDM_OP_DROP_TABLE:
		case ZDM_OP_DROP_INDEX:
		case ZDM_OP_DROP_COLUMN:
			if (!(op->flags & ZDM_F_IF_EXISTS))
				want = "IF EXISTS";
			break;
		default:
			break;
		}
		if (want)
			zdm_rule_report(c, op, "%s needs %s", zdm_op_kind_name(op->kind), want);
	}
}

const struct zdm_rule zdm_rule_prefer_robust_stmts = {
	.id = "prefer-robust-stmts",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_WARN,
	.message = "this statement fails when the migration is re-run, and no transaction undoes a failed first attempt",
	.help = "add IF NOT EXISTS / IF EXISTS so a migration that stopped half-way can run again",
	.fix = NULL,
	.check = check,
};
