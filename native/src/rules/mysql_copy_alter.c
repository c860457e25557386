/* SPDX-License-Identifier: MIT */
/*
 * mysql-copy-alter: InnoDB runs an ALTER TABLE with the INSTANT or INPLACE
 * algorithm when it can and silently falls back to COPY when it cannot.
 * COPY builds a new table row by row and blocks every write to the old
 * one until it finishes, minutes to hours on a big table.  These changes
 * always need COPY: a column's data type (shrinking a VARCHAR or crossing
 * its 255-byte length prefix too), ALGORITHM=COPY itself, adding a STORED
 * generated or an AUTO_INCREMENT column, dropping the primary key without
 * adding another, converting the character set, and PARTITION BY /
 * REMOVE PARTITIONING.  Changing ENUM or SET members copies unless the
 * new ones are only appended, which the old type does not tell us.  Naming
 * ALGORITHM=INPLACE or INSTANT makes the server refuse instead, so an
 * ALTER that does is not flagged.
 * https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html
 */
#include <string.h>
#include <strings.h>

#include "zdm/rule.h"

static int eq(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

/*
 * The byte-length prefix of a VARCHAR(n) in utf8mb4 (4 bytes a
 * character): 1 up to 255 bytes, 2 above.  Widening within one prefix
 * size is INPLACE; crossing it copies.
 */
static int varchar_prefix(int n)
{
	return n * 4 <= 255 ? 1 : 2;
}

/* True when MODIFY/CHANGE to type is known not to need COPY. */
static int type_change_is_online(const struct zdm_type *old,
				 const struct zdm_type *new)
{
	if (!old || !old->name || !new->name || old->array != new->array)
		return 0;
	if (strcmp(old->name, new->name) != 0)
		return 0;
	if (strcmp(new->name, "enum") == 0 || strcmp(new->name, "set") == 0)
		return 0; /* appending members is INSTANT, any other change copies */
	if (old->nmods == new->nmods &&
	    memcmp(old->mods, new->mods, sizeof(int) * (size_t)new->nmods) == 0)
		return 1; /* same type: a NULL, default or comment change */
	if (strcmp(new->name, "varchar") == 0 && old->nmods == 1 &&
	    new->nmods == 1 && new->mods[0] >= old->mods[0] &&
	    varchar_prefix(old->mods[0]) == varchar_prefix(new->mods[0]))
		return 1;
	return 0;
}

/*
 * The column's type before this statement.  CHANGE old new type comes as
 * RENAME_COLUMN (old -> new) plus ALTER_TYPE of new: look up old.
 */
static const struct zdm_type *old_type(struct zdm_rule_ctx *c,
				       const struct zdm_stmt_view *st,
				       const struct zdm_op *op)
{
	const char *col = op->column;
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *ren = &st->ops[i];
		if (ren->kind == ZDM_OP_RENAME_COLUMN && ren->name && col &&
		    strcasecmp(ren->name, col) == 0)
			col = ren->column;
	}
	return zdm_rule_column_type(c, op->table, col);
}

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	const struct zdm_op *first = NULL;
	const struct zdm_type *old;
	int adds_pk = 0;

	if (eq(st->mysql.algorithm, "inplace") || eq(st->mysql.algorithm, "instant"))
		return; /* the server refuses rather than copy */
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (!op->table || zdm_rule_table_is_new(c, op->table))
			continue;
		if (!first)
			first = op;
		if ((op->kind == ZDM_OP_ADD_CONSTRAINT && op->con == ZDM_CON_PRIMARY) ||
		    (op->kind == ZDM_OP_ADD_COLUMN && (op->flags & ZDM_F_PRIMARY_KEY)))
			adds_pk = 1;
	}
	if (!first)
		return;
	if (eq(st->mysql.algorithm, "copy")) {
		zdm_rule_report(c, first, "ALGORITHM=COPY asks for it");
		return;
	}
	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		if (!op->table || zdm_rule_table_is_new(c, op->table))
			continue;
		switch (op->kind) {
		case ZDM_OP_ALTER_TYPE:
			if (!op->column || eq(op->value, "convert")) { /* CONVERT TO CHARACTER SET */
				zdm_rule_report(c, op, "converting the character set");
				break;
			}
			old = old_type(c, st, op);
			if (type_change_is_online(old, &op->type))
				break;
			if (op->type.name && (strcmp(op->type.name, "enum") == 0 ||
					      strcmp(op->type.name, "set") == 0))
				zdm_rule_report(c, op, "changing the members of %s (only appending them is INSTANT: say ALGORITHM=INSTANT to be sure)",
						op->column);
			else
				zdm_rule_report(c, op, "changing the type of %s%s", op->column,
						old ? "" : " (its old type is not known here)");
			break;
		case ZDM_OP_OTHER:
			/* PARTITION BY and REMOVE PARTITIONING only run as COPY */
			if (eq(op->value, "partition by") || eq(op->value, "remove partitioning"))
				zdm_rule_report(c, op, "repartitioning the table");
			break;
		case ZDM_OP_ADD_COLUMN:
			if (op->flags & ZDM_F_GENERATED_STORED)
				zdm_rule_report(c, op, "adding a STORED generated column");
			else if (op->flags & ZDM_F_SERIAL)
				zdm_rule_report(c, op, "adding an AUTO_INCREMENT column");
			break;
		case ZDM_OP_DROP_CONSTRAINT:
			if (!adds_pk && (op->con == ZDM_CON_PRIMARY ||
					 (op->name && strcasecmp(op->name, "primary") == 0)))
				zdm_rule_report(c, op, "dropping the primary key without adding another");
			break;
		default:
			break;
		}
	}
}

const struct zdm_rule zdm_rule_mysql_copy_alter = {
	.id = "mysql-copy-alter",
	.dialects = ZDM_D_MYSQL,
	.decision = ZDM_DECISION_DENY,
	.message = "this ALTER makes MySQL copy the whole table, blocking writes until the copy finishes",
	.help = "use gh-ost or pt-online-schema-change, or add ALGORITHM=INPLACE, LOCK=NONE so that MySQL refuses instead of copying",
	.check = check,
};
