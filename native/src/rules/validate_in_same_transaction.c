/* SPDX-License-Identifier: MIT */
/*
 * validate_in_same_transaction.c - validate-in-same-transaction: VALIDATE
 * CONSTRAINT in the transaction that added the constraint NOT VALID.
 *
 * NOT VALID exists so that the scan can run later under SHARE UPDATE
 * EXCLUSIVE.  But locks are held until commit: in the same transaction the
 * ACCESS EXCLUSIVE (CHECK) or SHARE ROW EXCLUSIVE (foreign key) lock taken
 * by ADD CONSTRAINT is still held while VALIDATE scans, so the split buys
 * nothing (measured on 15.18).  A migration tool that wraps each file in a
 * transaction does this silently when both statements share a file.
 *
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-VALIDATE-CONSTRAINT
 */
#include <stddef.h>
#include <string.h>

#include "zdm/rule.h"

static int same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/*
 * True when an earlier operation of the same statement added the
 * constraint NOT VALID (ALTER TABLE t ADD ... NOT VALID, VALIDATE
 * CONSTRAINT ...): one statement is always one transaction.
 */
static int added_earlier_in_stmt(const struct zdm_stmt_view *st, size_t upto,
				 const struct zdm_op *v)
{
	for (size_t i = 0; i < upto; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (op->kind == ZDM_OP_ADD_CONSTRAINT && (op->flags & ZDM_F_NOT_VALID) &&
		    same(op->table, v->table) && same(op->name, v->name))
			return 1;
	}
	return 0;
}

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];

		if (op->kind != ZDM_OP_VALIDATE_CONSTRAINT)
			continue;
		if (zdm_rule_table_is_new(c, op->table))
			continue;
		if (added_earlier_in_stmt(st, i, op) ||
		    zdm_rule_not_valid_in_same_txn(c, op->table, op->name))
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_validate_in_same_transaction = {
	.id = "validate-in-same-transaction",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "validating a constraint in the transaction that added it keeps the strong lock for the whole scan",
	.help = "commit after ADD CONSTRAINT ... NOT VALID and run VALIDATE CONSTRAINT in a later transaction or migration",
	.fix = NULL,
	.check = check,
};
