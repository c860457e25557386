/* SPDX-License-Identifier: MIT */
/*
 * adding_foreign_key_constraint.c - adding-foreign-key-constraint: a
 * validated foreign key added to a table that exists.
 *
 * PostgreSQL checks every existing row against the referenced table while
 * holding SHARE ROW EXCLUSIVE on both: writes to either table wait for the
 * whole scan (131 ms per 500k rows on 15.18, growing with the table).  Added
 * NOT VALID the constraint takes the same locks for about 3 ms and only
 * checks new rows; VALIDATE CONSTRAINT, run later in its own transaction,
 * scans under SHARE UPDATE EXCLUSIVE, which lets writes through.  A
 * REFERENCES column added with a non-NULL default is checked the same way.
 * MySQL adds a foreign key in place only when foreign_key_checks is off;
 * otherwise it copies the table (ALGORITHM=COPY), blocking writes.
 *
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
 * https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html#online-ddl-foreign-key-operations
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "zdm/rule.h"

/* True when SET foreign_key_checks = 0 (or OFF) was seen in this file. */
static int mysql_fk_checks_off(const struct zdm_rule_ctx *c)
{
	static const char *const off[] = { "0", "off", "false" };
	const char *v = zdm_rule_setting(c, "foreign_key_checks");
	size_t n;

	if (!v)
		return 0;
	if (*v == '\'' || *v == '"')
		v++;
	n = strcspn(v, "'\"");
	for (size_t i = 0; i < sizeof off / sizeof off[0]; i++)
		if (n == strlen(off[i]) && strncasecmp(v, off[i], n) == 0)
			return 1;
	return 0;
}

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	int mysql = zdm_rule_dialect(c) == ZDM_DIALECT_MYSQL;

	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		unsigned f = op->flags;

		if (zdm_rule_table_is_new(c, op->table))
			continue;
		if (op->kind == ZDM_OP_ADD_CONSTRAINT && op->con == ZDM_CON_FOREIGN) {
			if (mysql) {
				if (!mysql_fk_checks_off(c))
					zdm_rule_report(c, op, "MySQL copies the table (ALGORITHM=COPY) unless foreign_key_checks = 0");
			} else if (!(f & ZDM_F_NOT_VALID)) {
				zdm_rule_report(c, op, NULL);
			}
		} else if (!mysql && op->kind == ZDM_OP_ADD_COLUMN &&
			   (f & ZDM_F_REFERENCES) &&
			   (f & (ZDM_F_DEFAULT | ZDM_F_DEFAULT_VOLATILE)) &&
			   !(f & ZDM_F_DEFAULT_NULL)) {
			zdm_rule_report(c, op, "with a default every existing row is checked against the referenced table");
		}
	}
}

const struct zdm_rule zdm_rule_adding_foreign_key_constraint = {
	.id = "adding-foreign-key-constraint",
	.aliases = { NULL },
	.dialects = ZDM_D_PG | ZDM_D_MYSQL,
	.decision = ZDM_DECISION_DENY,
	.message = "adding a foreign key scans the table while blocking writes to it and to the referenced table",
	.help = "add it NOT VALID, then VALIDATE CONSTRAINT in a later transaction (MySQL: with foreign_key_checks = 0)",
	.fix = "zdm plan add-foreign-key",
	.check = check,
};
