/* SPDX-License-Identifier: MIT */
/*
 * attach_partition_without_check.c - attach-partition-without-check: ATTACH
 * PARTITION of an existing table that has no CHECK matching its bound.
 *
 * PostgreSQL must prove every row of the new partition fits the partition
 * bound.  Without a valid CHECK that implies the bound it scans the
 * partition while holding ACCESS EXCLUSIVE on it (and, before 12, on the
 * parent too).  With such a CHECK the scan is skipped (14 ms -> 2 ms for a
 * small partition on 15.18; the scan grows with the partition).  The CHECK
 * itself can be added NOT VALID and validated without blocking writes.
 *
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-ATTACH-PARTITION
 * https://www.postgresql.org/docs/current/ddl-partitioning.html#DDL-PARTITIONING-DECLARATIVE-MAINTENANCE
 */
#include <stddef.h>

#include "zdm/rule.h"

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];

		if (op->kind != ZDM_OP_ATTACH_PARTITION ||
		    (op->flags & ZDM_F_HAS_CHECK))
			continue;
		/* A partition created in this file is empty: nothing to scan. */
		if (zdm_rule_table_is_new(c, op->name))
			continue;
		zdm_rule_report(c, op, zdm_rule_pg_version(c) < 12 ?
				"before PostgreSQL 12 the parent is locked ACCESS EXCLUSIVE too" :
				NULL);
	}
}

const struct zdm_rule zdm_rule_attach_partition_without_check = {
	.id = "attach-partition-without-check",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "attaching a partition without a matching CHECK scans it while blocking reads and writes on it",
	.help = "add a CHECK matching the bound NOT VALID, VALIDATE it, then ATTACH PARTITION",
	.fix = NULL,
	.check = check,
};
