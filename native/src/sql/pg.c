/* SPDX-License-Identifier: MIT */
/*
 * pg.c - the PostgreSQL front end: libpg_query's parse tree to operations.
 *
 * Each statement is parsed on its own, so one statement that does not
 * parse never hides the findings in the others.  We walk the typed C
 * structs of libpg_query's protobuf tree where libpg_query builds them,
 * before it would pack them (pgwrap.c), so nothing is packed, unpacked or
 * freed but its memory context.  DO blocks and PL/pgSQL function bodies
 * are parsed with pg_query_parse_plpgsql; the SQL inside them (and EXECUTE
 * 'literal') is analysed as statements of its own, flagged ZDM_F_IN_BODY.
 *
 * libpg_query has already lowercased unquoted identifiers and kept quoted
 * ones as written, which is the normalisation model.h asks for.
 *
 * https://www.postgresql.org/docs/current/sql-altertable.html
 */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "zdm/frontend.h"
#include "zdm/pgtree.h"
#include "zdm/pgwrap.h"

#define MAX_BODY_DEPTH 4

struct pg_ctx {
	const char *text;        /* the file text */
	size_t base;             /* where the parsed string starts in text */
	size_t len;              /* its length */
	struct zdm_arena *a;
	struct zdm_parsed *out;
	unsigned extra;          /* flags added to every op (ZDM_F_IN_BODY) */
	int depth;
};

static void analyse_string(struct pg_ctx *c, const char *sql, size_t off,
			   unsigned extra);

static const char *dup(struct pg_ctx *c, const char *s)
{
	return s && *s ? zdm_arena_strdup(c->a, s) : NULL;
}

static size_t loc(const struct pg_ctx *c, int32_t location)
{
	if (location < 0 || (size_t)location > c->len)
		return c->base;
	return c->base + (size_t)location;
}

static struct zdm_op *add(struct pg_ctx *c, enum zdm_op_kind kind,
			  const PgQuery__RangeVar *rel, int32_t location)
{
	struct zdm_op op;
	memset(&op, 0, sizeof op);
	op.kind = kind;
	op.flags = c->extra;
	if (rel) {
		op.schema = dup(c, rel->schemaname);
		op.table = dup(c, rel->relname);
		if (rel->relpersistence && rel->relpersistence[0] == 't')
			op.flags |= ZDM_F_TEMP;
		if (location < 0)
			location = rel->location;
	}
	op.off = loc(c, location);
	return zdm_parsed_add(c->out, c->a, &op);
}

static const char *node_str(const PgQuery__Node *n)
{
	if (n && n->node_case == PG_QUERY__NODE__NODE_STRING && n->string)
		return n->string->sval;
	return NULL;
}

/* The last element of a qualified name list (schema.name -> name). */
static const char *last_name(PgQuery__Node **items, size_t n)
{
	return n ? node_str(items[n - 1]) : NULL;
}

/* ---- expressions ------------------------------------------------------------ */

/*
 * True when an expression may give a different value per row: a function
 * not known to be stable, a subquery, or any node we do not know.
 */
static int expr_volatile(const PgQuery__Node *n, int depth)
{
	if (!n || depth > 64)
		return depth > 64;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_A_CONST:
	case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION:
		return 0;
	case PG_QUERY__NODE__NODE_TYPE_CAST:
		return expr_volatile(n->type_cast->arg, depth + 1);
	case PG_QUERY__NODE__NODE_FUNC_CALL: {
		const PgQuery__FuncCall *f = n->func_call;
		const char *name = last_name(f->funcname, f->n_funcname);
		if (!name || !zdm_func_is_stable(name))
			return 1;
		for (size_t i = 0; i < f->n_args; i++)
			if (expr_volatile(f->args[i], depth + 1))
				return 1;
		return 0;
	}
	case PG_QUERY__NODE__NODE_A_EXPR:
		return expr_volatile(n->a_expr->lexpr, depth + 1) ||
		       expr_volatile(n->a_expr->rexpr, depth + 1);
	case PG_QUERY__NODE__NODE_BOOL_EXPR:
		for (size_t i = 0; i < n->bool_expr->n_args; i++)
			if (expr_volatile(n->bool_expr->args[i], depth + 1))
				return 1;
		return 0;
	case PG_QUERY__NODE__NODE_COALESCE_EXPR:
		for (size_t i = 0; i < n->coalesce_expr->n_args; i++)
			if (expr_volatile(n->coalesce_expr->args[i], depth + 1))
				return 1;
		return 0;
	case PG_QUERY__NODE__NODE_A_ARRAY_EXPR:
		for (size_t i = 0; i < n->a_array_expr->n_elements; i++)
			if (expr_volatile(n->a_array_expr->elements[i], depth + 1))
				return 1;
		return 0;
	case PG_QUERY__NODE__NODE_LIST:
		for (size_t i = 0; i < n->list->n_items; i++)
			if (expr_volatile(n->list->items[i], depth + 1))
				return 1;
		return 0;
	default:
		return 1;
	}
}

static int expr_is_null(const PgQuery__Node *n)
{
	if (n && n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST)
		n = n->type_cast->arg;
	return n && n->node_case == PG_QUERY__NODE__NODE_A_CONST && n->a_const->isnull;
}

/* A constant that is true: TRUE, 1, 'x'. */
static int const_truthy(const PgQuery__Node *n)
{
	if (!n)
		return 0;
	if (n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST)
		return const_truthy(n->type_cast->arg);
	if (n->node_case != PG_QUERY__NODE__NODE_A_CONST || n->a_const->isnull)
		return 0;
	switch (n->a_const->val_case) {
	case PG_QUERY__A__CONST__VAL_BOOLVAL:
		return n->a_const->boolval->boolval;
	case PG_QUERY__A__CONST__VAL_IVAL:
		return n->a_const->ival->ival != 0;
	default:
		return 0;
	}
}

/*
 * True when a WHERE clause filters nothing: TRUE, 1 = 1, 'a' = 'a', NOT
 * FALSE, or AND/OR of such.  Constants compared with = are trivial when
 * both sides are constants (we do not evaluate them: 1 = 2 filters
 * everything out, which is no backfill either).
 */
static int where_trivial(const PgQuery__Node *n, int depth)
{
	if (!n || depth > 32)
		return 0;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_A_CONST:
	case PG_QUERY__NODE__NODE_TYPE_CAST:
		return const_truthy(n);
	case PG_QUERY__NODE__NODE_A_EXPR: {
		const PgQuery__AExpr *e = n->a_expr;
		const PgQuery__Node *l = e->lexpr, *r = e->rexpr;
		if (l && l->node_case == PG_QUERY__NODE__NODE_TYPE_CAST)
			l = l->type_cast->arg;
		if (r && r->node_case == PG_QUERY__NODE__NODE_TYPE_CAST)
			r = r->type_cast->arg;
		return l && r && l->node_case == PG_QUERY__NODE__NODE_A_CONST &&
		       r->node_case == PG_QUERY__NODE__NODE_A_CONST;
	}
	case PG_QUERY__NODE__NODE_BOOL_EXPR: {
		const PgQuery__BoolExpr *b = n->bool_expr;
		for (size_t i = 0; i < b->n_args; i++)
			if (!where_trivial(b->args[i], depth + 1) &&
			    b->boolop != PG_QUERY__BOOL_EXPR_TYPE__OR_EXPR)
				return 0;
		if (b->boolop == PG_QUERY__BOOL_EXPR_TYPE__OR_EXPR) {
			for (size_t i = 0; i < b->n_args; i++)
				if (where_trivial(b->args[i], depth + 1))
					return 1;
			return 0;
		}
		return b->boolop != PG_QUERY__BOOL_EXPR_TYPE__NOT_EXPR;
	}
	default:
		return 0;
	}
}

static unsigned where_flags(const PgQuery__Node *where)
{
	if (!where)
		return 0;
	return where_trivial(where, 0) ? ZDM_F_WHERE_TRIVIAL : ZDM_F_WHERE;
}

/* ---- types and columns ------------------------------------------------------ */

static void fill_type(struct pg_ctx *c, const PgQuery__TypeName *t, struct zdm_type *out)
{
	if (!t)
		return;
	const char *name = last_name(t->names, t->n_names);
	if (!name)
		return;
	/* "char" (quoted, one byte) is not char(n), which arrives as pg_catalog.bpchar. */
	out->name = t->n_names == 1 && strcmp(name, "char") == 0 ? "char" : zdm_type_norm(c->a, name);
	for (size_t i = 0; i < t->n_typmods && out->nmods < 2; i++) {
		const PgQuery__Node *m = t->typmods[i];
		if (m->node_case == PG_QUERY__NODE__NODE_A_CONST &&
		    m->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL)
			out->mods[out->nmods++] = m->a_const->ival->ival;
	}
	out->array = t->n_array_bounds > 0;
}

static int is_serial(const char *name)
{
	return name && (strcmp(name, "serial") == 0 || strcmp(name, "bigserial") == 0 ||
			strcmp(name, "smallserial") == 0);
}

/* The column of CHECK (col IS NOT NULL), or NULL. */
static const char *not_null_check_column(const PgQuery__Node *e)
{
	if (!e || e->node_case != PG_QUERY__NODE__NODE_NULL_TEST)
		return NULL;
	const PgQuery__NullTest *t = e->null_test;
	if (t->nulltesttype != PG_QUERY__NULL_TEST_TYPE__IS_NOT_NULL || !t->arg ||
	    t->arg->node_case != PG_QUERY__NODE__NODE_COLUMN_REF)
		return NULL;
	const PgQuery__ColumnRef *r = t->arg->column_ref;
	return r->n_fields == 1 ? node_str(r->fields[0]) : NULL;
}

static void column_def(struct pg_ctx *c, const PgQuery__RangeVar *rel,
		       const PgQuery__ColumnDef *d, unsigned flags, int32_t location)
{
	struct zdm_op *op = add(c, ZDM_OP_ADD_COLUMN, rel, location >= 0 ? location : d->location);
	op->flags |= flags;
	op->column = dup(c, d->colname);
	fill_type(c, d->type_name, &op->type);
	if (is_serial(op->type.name))
		op->flags |= ZDM_F_SERIAL;
	if (d->is_not_null)
		op->flags |= ZDM_F_NOT_NULL;
	if (d->identity && d->identity[0])
		op->flags |= ZDM_F_IDENTITY;
	if (d->generated && d->generated[0] == 's')
		op->flags |= ZDM_F_GENERATED_STORED;
	for (size_t i = 0; i < d->n_constraints; i++) {
		const PgQuery__Node *n = d->constraints[i];
		if (n->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		const PgQuery__Constraint *k = n->constraint;
		switch (k->contype) {
		case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL:
			op->flags |= ZDM_F_NOT_NULL;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT:
			op->flags |= ZDM_F_DEFAULT;
			if (expr_is_null(k->raw_expr))
				op->flags |= ZDM_F_DEFAULT_NULL;
			else if (expr_volatile(k->raw_expr, 0))
				op->flags |= ZDM_F_DEFAULT_VOLATILE;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY:
			op->flags |= ZDM_F_IDENTITY;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED:
			op->flags |= ZDM_F_GENERATED_STORED;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
			op->flags |= ZDM_F_CHECK;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
			op->flags |= ZDM_F_PRIMARY_KEY | ZDM_F_NOT_NULL;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
			op->flags |= ZDM_F_UNIQUE;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
			op->flags |= ZDM_F_REFERENCES;
			if (k->pktable)
				op->ref_table = dup(c, k->pktable->relname);
			break;
		default:
			break;
		}
	}
}

static enum zdm_con con_kind(PgQuery__ConstrType t)
{
	switch (t) {
	case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK: return ZDM_CON_CHECK;
	case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN: return ZDM_CON_FOREIGN;
	case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE: return ZDM_CON_UNIQUE;
	case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY: return ZDM_CON_PRIMARY;
	case PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION: return ZDM_CON_EXCLUDE;
	case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL: return ZDM_CON_NOT_NULL;
	default: return ZDM_CON_NONE;
	}
}

static void add_constraint(struct pg_ctx *c, const PgQuery__RangeVar *rel,
			   const PgQuery__Constraint *k, int32_t location)
{
	struct zdm_op *op = add(c, ZDM_OP_ADD_CONSTRAINT, rel,
				location >= 0 ? location : k->location);
	op->con = con_kind(k->contype);
	op->name = dup(c, k->conname);
	if (k->skip_validation)
		op->flags |= ZDM_F_NOT_VALID;
	if (k->indexname && k->indexname[0])
		op->flags |= ZDM_F_USING_INDEX;
	if (k->pktable)
		op->ref_table = dup(c, k->pktable->relname);
	if (op->con == ZDM_CON_CHECK)
		op->column = dup(c, not_null_check_column(k->raw_expr));
	if (op->con == ZDM_CON_NOT_NULL && k->n_keys == 1)
		op->column = dup(c, node_str(k->keys[0]));
}

/* ---- statements --------------------------------------------------------------- */

static void alter_table(struct pg_ctx *c, const PgQuery__AlterTableStmt *s)
{
	const PgQuery__RangeVar *rel = s->relation;
	int is_index = s->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX;
	for (size_t i = 0; i < s->n_cmds; i++) {
		const PgQuery__Node *n = s->cmds[i];
		if (n->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		const PgQuery__AlterTableCmd *cmd = n->alter_table_cmd;
		const PgQuery__Node *def = cmd->def;
		/* Commands carry no location; point at the table name. */
		int32_t at = rel ? rel->location : -1;
		struct zdm_op *op = NULL;
		switch (cmd->subtype) {
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumnRecurse:
			if (def && def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
				column_def(c, rel, def->column_def,
					   cmd->missing_ok ? ZDM_F_IF_NOT_EXISTS : 0, -1);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumnRecurse:
			op = add(c, ZDM_OP_DROP_COLUMN, rel, at);
			op->column = dup(c, cmd->name);
			if (cmd->missing_ok)
				op->flags |= ZDM_F_IF_EXISTS;
			if (cmd->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE)
				op->flags |= ZDM_F_CASCADE;
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType:
			op = add(c, ZDM_OP_ALTER_TYPE, rel, at);
			op->column = dup(c, cmd->name);
			if (def && def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
				fill_type(c, def->column_def->type_name, &op->type);
				if (def->column_def->raw_default)
					op->flags |= ZDM_F_USING;
				op->off = loc(c, def->column_def->location);
			}
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull:
			op = add(c, ZDM_OP_SET_NOT_NULL, rel, at);
			op->column = dup(c, cmd->name);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull:
			op = add(c, ZDM_OP_DROP_NOT_NULL, rel, at);
			op->column = dup(c, cmd->name);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_ColumnDefault:
			op = add(c, def ? ZDM_OP_SET_DEFAULT : ZDM_OP_OTHER, rel, at);
			op->column = dup(c, cmd->name);
			if (def && expr_volatile(def, 0))
				op->flags |= ZDM_F_DEFAULT_VOLATILE;
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraintRecurse:
			if (def && def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
				add_constraint(c, rel, def->constraint, -1);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraintRecurse:
			op = add(c, ZDM_OP_VALIDATE_CONSTRAINT, rel, at);
			op->name = dup(c, cmd->name);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraintRecurse:
			op = add(c, ZDM_OP_DROP_CONSTRAINT, rel, at);
			op->name = dup(c, cmd->name);
			if (cmd->missing_ok)
				op->flags |= ZDM_F_IF_EXISTS;
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetLogged:
			add(c, ZDM_OP_SET_LOGGED, rel, at);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetUnLogged:
			add(c, ZDM_OP_SET_UNLOGGED, rel, at);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetTableSpace:
			op = add(c, ZDM_OP_SET_TABLESPACE, rel, at);
			op->name = dup(c, cmd->name);
			if (is_index)
				op->value = "index";
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetAccessMethod:
			op = add(c, ZDM_OP_SET_ACCESS_METHOD, rel, at);
			op->name = dup(c, cmd->name);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition:
			/*
			 * ALTER INDEX parent ATTACH PARTITION child: marks an
			 * index as part of a partitioned one, a catalog change
			 * with no scan of any table.
			 */
			if (is_index)
				break;
			op = add(c, cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition ?
				 ZDM_OP_ATTACH_PARTITION : ZDM_OP_DETACH_PARTITION, rel, at);
			if (def && def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD) {
				const PgQuery__PartitionCmd *p = def->partition_cmd;
				if (p->name)
					op->name = dup(c, p->name->relname);
				if (p->concurrent)
					op->flags |= ZDM_F_CONCURRENTLY;
			}
			break;
		default:
			add(c, ZDM_OP_OTHER, rel, at);
			break;
		}
	}
}

static void create_table(struct pg_ctx *c, const PgQuery__CreateStmt *s)
{
	struct zdm_op *op = add(c, ZDM_OP_CREATE_TABLE, s->relation, -1);
	if (s->if_not_exists)
		op->flags |= ZDM_F_IF_NOT_EXISTS;
	for (size_t i = 0; i < s->n_table_elts; i++) {
		const PgQuery__Node *n = s->table_elts[i];
		if (n->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			column_def(c, s->relation, n->column_def, 0, -1);
		else if (n->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
			add_constraint(c, s->relation, n->constraint, -1);
	}
	for (size_t i = 0; i < s->n_constraints; i++)
		if (s->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
			add_constraint(c, s->relation, s->constraints[i]->constraint, -1);
}

static const PgQuery__Node *defelem_arg(PgQuery__Node **opts, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (opts[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM &&
		    strcmp(opts[i]->def_elem->defname, name) == 0)
			return opts[i]->def_elem->arg ? opts[i]->def_elem->arg : opts[i];
	return NULL;
}

/* An option given as (CONCURRENTLY), (FULL) or (FULL true) but not (FULL false). */
static int option_on(PgQuery__Node **opts, size_t n, const char *name)
{
	const PgQuery__Node *a = defelem_arg(opts, n, name);
	if (!a)
		return 0;
	if (a->node_case == PG_QUERY__NODE__NODE_DEF_ELEM)
		return 1;
	if (a->node_case == PG_QUERY__NODE__NODE_BOOLEAN)
		return a->boolean->boolval;
	if (a->node_case == PG_QUERY__NODE__NODE_INTEGER)
		return a->integer->ival != 0;
	const char *s = node_str(a);
	return !s || (strcmp(s, "false") != 0 && strcmp(s, "off") != 0 && strcmp(s, "0") != 0);
}

static void drop(struct pg_ctx *c, const PgQuery__DropStmt *s, int32_t at)
{
	enum zdm_op_kind kind;
	switch (s->remove_type) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE: kind = ZDM_OP_DROP_TABLE; break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX: kind = ZDM_OP_DROP_INDEX; break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA: kind = ZDM_OP_DROP_SCHEMA; break;
	default:
		add(c, ZDM_OP_OTHER, NULL, at);
		return;
	}
	for (size_t i = 0; i < s->n_objects; i++) {
		const PgQuery__Node *o = s->objects[i];
		struct zdm_op *op = add(c, kind, NULL, at);
		if (o->node_case == PG_QUERY__NODE__NODE_LIST) {
			size_t n = o->list->n_items;
			const char *name = last_name(o->list->items, n);
			if (n >= 2)
				op->schema = dup(c, node_str(o->list->items[n - 2]));
			if (kind == ZDM_OP_DROP_TABLE)
				op->table = dup(c, name);
			else
				op->name = dup(c, name);
		} else if (node_str(o)) {
			op->name = dup(c, node_str(o));
		}
		if (s->missing_ok)
			op->flags |= ZDM_F_IF_EXISTS;
		if (s->concurrent)
			op->flags |= ZDM_F_CONCURRENTLY;
		if (s->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE)
			op->flags |= ZDM_F_CASCADE;
	}
}

static const char *lock_mode_name(int32_t mode)
{
	static const char *const names[] = {
		"", "access share", "row share", "row exclusive",
		"share update exclusive", "share", "share row exclusive",
		"exclusive", "access exclusive",
	};
	return mode >= 1 && mode <= 8 ? names[mode] : "access exclusive";
}

static const char *const_text(struct pg_ctx *c, const PgQuery__Node *n)
{
	if (!n)
		return NULL;
	if (n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST)
		n = n->type_cast->arg;
	if (!n || n->node_case != PG_QUERY__NODE__NODE_A_CONST)
		return NULL;
	const PgQuery__AConst *k = n->a_const;
	switch (k->val_case) {
	case PG_QUERY__A__CONST__VAL_SVAL:
		return zdm_type_norm(c->a, k->sval->sval); /* lowercases */
	case PG_QUERY__A__CONST__VAL_IVAL:
		return zdm_arena_printf(c->a, "%d", k->ival->ival);
	case PG_QUERY__A__CONST__VAL_FVAL:
		return dup(c, k->fval->fval);
	case PG_QUERY__A__CONST__VAL_BOOLVAL:
		return k->boolval->boolval ? "on" : "off";
	default:
		return NULL;
	}
}

/* The first table named in a FROM list. */
static const PgQuery__RangeVar *first_from(PgQuery__Node **from, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (from[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
			return from[i]->range_var;
	return NULL;
}

static void plpgsql_body(struct pg_ctx *c, const char *create_function_sql, size_t at);

/*
 * The first words of the statements a PL/pgSQL body runs as SQL (its
 * PLpgSQL_stmt_execsql: every SQL command but those PL/pgSQL has its own
 * statement for) and of EXECUTE, lowercase and sorted.
 */
static const char *const sql_words[] = {
	"abort", "alter", "analyse", "analyze", "call", "checkpoint", "cluster", "comment",
	"copy", "create", "deallocate", "delete", "discard", "do", "drop",
	"execute", "explain", "grant", "import", "insert", "listen", "load",
	"lock", "merge", "notify", "prepare", "reassign", "refresh", "reindex",
	"release", "reset", "revoke", "savepoint", "security", "select", "set",
	"show", "start", "table", "truncate", "unlisten", "update", "vacuum",
	"values", "with",
};

static int cmp_word(const void *k, const void *w)
{
	return strcmp(k, *(const char *const *)w);
}

/*
 * Can a PL/pgSQL body hold a statement we analyse (SQL, or EXECUTE)?
 * Each starts with one of sql_words, so a body with none of them
 * anywhere, even in a comment or a string, holds none: it need not be
 * parsed (a trigger function setting NEW.updated_at, say).  Parsing one
 * cost ~120,000 instructions, a fifth of the guard judging a migration
 * with 17 such functions in 200 statements.
 */
static int body_may_run_sql(const char *body)
{
	for (const char *p = body; *p;) {
		unsigned char ch = (unsigned char)*p;
		if (!isalpha(ch) && ch != '_' && ch < 0x80) {
			p++;
			continue;
		}
		const char *w = p;
		while (isalnum((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80)
			p++;
		size_t n = (size_t)(p - w);
		if (n < 2 || n > 10)
			continue;
		char low[11];
		for (size_t i = 0; i < n; i++)
			low[i] = (char)tolower((unsigned char)w[i]);
		low[n] = '\0';
		if (bsearch(low, sql_words, sizeof sql_words / sizeof *sql_words,
			    sizeof *sql_words, cmp_word))
			return 1;
	}
	return 0;
}

static void do_block(struct pg_ctx *c, const PgQuery__DoStmt *s, size_t at)
{
	const PgQuery__Node *body = defelem_arg(s->args, s->n_args, "as");
	const PgQuery__Node *lang = defelem_arg(s->args, s->n_args, "language");
	const char *l = node_str(lang);
	if (!node_str(body) || (l && strcmp(l, "plpgsql") != 0) || !body_may_run_sql(node_str(body)))
		return;
	struct zdm_buf b = ZDM_BUF_INIT;
	zdm_buf_adds(&b, "CREATE FUNCTION zdm_do() RETURNS void LANGUAGE plpgsql AS $zdm_do$");
	zdm_buf_adds(&b, node_str(body));
	zdm_buf_adds(&b, "$zdm_do$");
	plpgsql_body(c, b.data, at);
	zdm_buf_release(&b);
}

static void create_function(struct pg_ctx *c, const PgQuery__CreateFunctionStmt *s, size_t at)
{
	const char *lang = node_str(defelem_arg(s->options, s->n_options, "language"));
	/* the body: AS 'text' (a list, whose first item it is) */
	const PgQuery__Node *as = defelem_arg(s->options, s->n_options, "as");
	if (as && as->node_case == PG_QUERY__NODE__NODE_LIST && as->list->n_items)
		as = as->list->items[0];
	const char *body = node_str(as);
	/* no body (LANGUAGE plpgsql alone): libpg_query's PL/pgSQL parser
	 * asserts one, and there is nothing to analyse */
	if (!lang || !body)
		return;
	if (strcmp(lang, "plpgsql") == 0 && body_may_run_sql(body)) {
		/* The statement itself is the CREATE FUNCTION libpg_query wants. */
		char *sql = zdm_arena_strndup(c->a, c->text + c->base, c->len);
		plpgsql_body(c, sql, at);
	} else if (strcmp(lang, "sql") == 0) {
		analyse_string(c, body, at, ZDM_F_IN_BODY);
	}
}

static void walk_stmt(struct pg_ctx *c, const PgQuery__Node *n, int32_t at)
{
	struct zdm_op *op;
	if (!n)
		return;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		create_table(c, n->create_stmt);
		break;
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT: {
		const PgQuery__CreateTableAsStmt *s = n->create_table_as_stmt;
		/* A materialized view made here is as new as a table made here. */
		if ((s->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE ||
		     s->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW) && s->into) {
			op = add(c, ZDM_OP_CREATE_TABLE, s->into->rel, at);
			op->flags |= ZDM_F_AS_SELECT;
			if (s->if_not_exists)
				op->flags |= ZDM_F_IF_NOT_EXISTS;
		} else {
			add(c, ZDM_OP_OTHER, NULL, at);
		}
		break;
	}
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		alter_table(c, n->alter_table_stmt);
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT: {
		const PgQuery__IndexStmt *s = n->index_stmt;
		op = add(c, ZDM_OP_CREATE_INDEX, s->relation, at);
		op->name = dup(c, s->idxname);
		if (s->concurrent)
			op->flags |= ZDM_F_CONCURRENTLY;
		if (s->unique)
			op->flags |= ZDM_F_UNIQUE;
		if (s->if_not_exists)
			op->flags |= ZDM_F_IF_NOT_EXISTS;
		if (s->relation && !s->relation->inh)
			op->flags |= ZDM_F_ONLY;
		break;
	}
	case PG_QUERY__NODE__NODE_DROP_STMT:
		drop(c, n->drop_stmt, at);
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT: {
		const PgQuery__RenameStmt *s = n->rename_stmt;
		/* A renamed view breaks its readers just as a table does. */
		if (s->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE ||
		    s->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW ||
		    s->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW) {
			op = add(c, ZDM_OP_RENAME_TABLE, s->relation, at);
			op->name = dup(c, s->newname);
		} else if (s->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN &&
			   s->relation_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
			op = add(c, ZDM_OP_RENAME_COLUMN, s->relation, at);
			op->column = dup(c, s->subname);
			op->name = dup(c, s->newname);
		} else {
			add(c, ZDM_OP_OTHER, s->relation, at);
		}
		break;
	}
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT: {
		const PgQuery__TruncateStmt *s = n->truncate_stmt;
		for (size_t i = 0; i < s->n_relations; i++) {
			if (s->relations[i]->node_case != PG_QUERY__NODE__NODE_RANGE_VAR)
				continue;
			op = add(c, ZDM_OP_TRUNCATE, s->relations[i]->range_var, at);
			if (s->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE)
				op->flags |= ZDM_F_CASCADE;
		}
		break;
	}
	case PG_QUERY__NODE__NODE_VACUUM_STMT: {
		const PgQuery__VacuumStmt *s = n->vacuum_stmt;
		if (!s->is_vacuumcmd || !option_on(s->options, s->n_options, "full")) {
			add(c, ZDM_OP_OTHER, NULL, at);
			break;
		}
		if (s->n_rels == 0)
			add(c, ZDM_OP_VACUUM_FULL, NULL, at);
		for (size_t i = 0; i < s->n_rels; i++)
			if (s->rels[i]->node_case == PG_QUERY__NODE__NODE_VACUUM_RELATION)
				add(c, ZDM_OP_VACUUM_FULL, s->rels[i]->vacuum_relation->relation, at);
		break;
	}
	case PG_QUERY__NODE__NODE_CLUSTER_STMT:
		add(c, ZDM_OP_CLUSTER, n->cluster_stmt->relation, at);
		break;
	case PG_QUERY__NODE__NODE_REINDEX_STMT: {
		const PgQuery__ReindexStmt *s = n->reindex_stmt;
		op = add(c, ZDM_OP_REINDEX, s->relation, at);
		if (s->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX) {
			op->name = op->table;
			op->table = NULL;
		} else if (!s->relation) {
			op->name = dup(c, s->name);
		}
		if (option_on(s->params, s->n_params, "concurrently"))
			op->flags |= ZDM_F_CONCURRENTLY;
		break;
	}
	case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT:
		op = add(c, ZDM_OP_REFRESH_MATVIEW, n->refresh_mat_view_stmt->relation, at);
		if (n->refresh_mat_view_stmt->concurrent)
			op->flags |= ZDM_F_CONCURRENTLY;
		break;
	case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
		op = add(c, ZDM_OP_CREATE_TRIGGER, n->create_trig_stmt->relation, at);
		op->name = dup(c, n->create_trig_stmt->trigname);
		break;
	case PG_QUERY__NODE__NODE_DROPDB_STMT:
		op = add(c, ZDM_OP_DROP_DATABASE, NULL, at);
		op->name = dup(c, n->dropdb_stmt->dbname);
		if (n->dropdb_stmt->missing_ok)
			op->flags |= ZDM_F_IF_EXISTS;
		break;
	case PG_QUERY__NODE__NODE_LOCK_STMT: {
		const PgQuery__LockStmt *s = n->lock_stmt;
		for (size_t i = 0; i < s->n_relations; i++) {
			if (s->relations[i]->node_case != PG_QUERY__NODE__NODE_RANGE_VAR)
				continue;
			op = add(c, ZDM_OP_LOCK_TABLE, s->relations[i]->range_var, at);
			op->name = lock_mode_name(s->mode);
		}
		break;
	}
	case PG_QUERY__NODE__NODE_TRANSACTION_STMT:
		switch (n->transaction_stmt->kind) {
		case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
		case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
			add(c, ZDM_OP_BEGIN, NULL, at);
			break;
		case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
			add(c, ZDM_OP_COMMIT, NULL, at);
			break;
		case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK:
			add(c, ZDM_OP_ROLLBACK, NULL, at);
			break;
		default:
			add(c, ZDM_OP_OTHER, NULL, at);
			break;
		}
		break;
	case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT: {
		const PgQuery__VariableSetStmt *s = n->variable_set_stmt;
		if (!s->name) {
			add(c, ZDM_OP_OTHER, NULL, at);
			break;
		}
		op = add(c, ZDM_OP_SET, NULL, at);
		op->name = zdm_type_norm(c->a, s->name);
		if (s->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE && s->n_args)
			op->value = const_text(c, s->args[0]);
		else
			op->value = "default";
		if (s->is_local)
			op->flags |= ZDM_F_LOCAL;
		break;
	}
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		op = add(c, ZDM_OP_UPDATE, n->update_stmt->relation, at);
		op->flags |= where_flags(n->update_stmt->where_clause);
		break;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		op = add(c, ZDM_OP_DELETE, n->delete_stmt->relation, at);
		op->flags |= where_flags(n->delete_stmt->where_clause);
		break;
	case PG_QUERY__NODE__NODE_INSERT_STMT: {
		const PgQuery__InsertStmt *s = n->insert_stmt;
		const PgQuery__Node *sel = s->select_stmt;
		const PgQuery__RangeVar *src = NULL;
		const PgQuery__Node *where = NULL;
		if (sel && sel->node_case == PG_QUERY__NODE__NODE_SELECT_STMT) {
			src = first_from(sel->select_stmt->from_clause, sel->select_stmt->n_from_clause);
			where = sel->select_stmt->where_clause;
		}
		if (!src) {
			add(c, ZDM_OP_OTHER, s->relation, at);
			break;
		}
		op = add(c, ZDM_OP_INSERT_SELECT, s->relation, at);
		op->ref_table = dup(c, src->relname);
		op->flags |= where_flags(where);
		break;
	}
	case PG_QUERY__NODE__NODE_DO_STMT:
		do_block(c, n->do_stmt, loc(c, at));
		break;
	case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
		create_function(c, n->create_function_stmt, loc(c, at));
		break;
	case PG_QUERY__NODE__NODE_ALTER_ENUM_STMT: {
		const PgQuery__AlterEnumStmt *s = n->alter_enum_stmt;
		if (!s->new_val || s->old_val[0]) {
			add(c, ZDM_OP_OTHER, NULL, at);
			break;
		}
		op = add(c, ZDM_OP_ADD_ENUM_VALUE, NULL, at);
		op->name = dup(c, last_name(s->type_name, s->n_type_name));
		op->value = dup(c, s->new_val);
		if (s->new_val_neighbor && s->new_val_neighbor[0])
			op->flags |= ZDM_F_POSITIONED;
		break;
	}
	case PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT: {
		const PgQuery__CreateDomainStmt *s = n->create_domain_stmt;
		op = add(c, ZDM_OP_CREATE_DOMAIN, NULL, at);
		op->name = dup(c, last_name(s->domainname, s->n_domainname));
		for (size_t i = 0; i < s->n_constraints; i++)
			if (s->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
			    s->constraints[i]->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK)
				op->flags |= ZDM_F_CHECK;
		break;
	}
	case PG_QUERY__NODE__NODE_ALTER_DOMAIN_STMT: {
		const PgQuery__AlterDomainStmt *s = n->alter_domain_stmt;
		if (!s->subtype || s->subtype[0] != 'C') {
			add(c, ZDM_OP_OTHER, NULL, at);
			break;
		}
		op = add(c, ZDM_OP_ALTER_DOMAIN_ADD_CONSTRAINT, NULL, at);
		op->name = dup(c, last_name(s->type_name, s->n_type_name));
		if (s->def && s->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		    s->def->constraint->skip_validation)
			op->flags |= ZDM_F_NOT_VALID;
		break;
	}
	case PG_QUERY__NODE__NODE_EXPLAIN_STMT: {
		const PgQuery__ExplainStmt *s = n->explain_stmt;
		/* Plain EXPLAIN only plans; EXPLAIN ANALYZE runs the statement. */
		if (option_on(s->options, s->n_options, "analyze"))
			walk_stmt(c, s->query, at);
		else
			add(c, ZDM_OP_OTHER, NULL, at);
		break;
	}
	default:
		add(c, ZDM_OP_OTHER, NULL, at);
		break;
	}
}

/* ---- PL/pgSQL bodies ---------------------------------------------------------- */

/* Undo SQL quoting of a whole-string literal 'it''s' -> it's; NULL if not one. */
static char *unquote_literal(struct pg_ctx *c, const char *q)
{
	size_t n = strlen(q);
	while (n && (q[n - 1] == ' ' || q[n - 1] == '\n' || q[n - 1] == '\t'))
		n--;
	while (n && (*q == ' ' || *q == '\n' || *q == '\t')) {
		q++;
		n--;
	}
	if (n < 2 || q[0] != '\'' || q[n - 1] != '\'')
		return NULL;
	char *s = zdm_arena_alloc(c->a, n);
	size_t k = 0;
	for (size_t i = 1; i + 1 < n; i++) {
		if (q[i] == '\'') {
			if (q[i + 1] != '\'' || i + 2 >= n)
				return NULL; /* 'a' || x: not one literal */
			i++;
		}
		s[k++] = q[i];
	}
	s[k] = '\0';
	return s;
}

static void body_query(struct pg_ctx *c, const char *query, int dynamic, size_t at)
{
	const char *sql = query;
	if (dynamic && !(sql = unquote_literal(c, query)))
		return; /* EXECUTE of a computed string: cannot be known */
	/* Point at the query in the statement when it can be found there. */
	size_t off = at, qn = strlen(sql) < 32 ? strlen(sql) : 32;
	if (qn) {
		const char *hit = memmem(c->text + c->base, c->len, sql, qn);
		if (hit)
			off = (size_t)(hit - c->text);
	}
	analyse_string(c, sql, off, ZDM_F_IN_BODY);
}

static void plpgsql_body(struct pg_ctx *c, const char *create_function_sql, size_t at)
{
	if (c->depth >= MAX_BODY_DEPTH)
		return;
	PgQueryPlpgsqlParseResult r = pg_query_parse_plpgsql(create_function_sql);
	if (!r.error && r.plpgsql_funcs) {
		struct zdm_arena tmp = ZDM_ARENA_INIT;
		struct zdm_pgtree_query *q;
		size_t n = zdm_pgtree_plpgsql(r.plpgsql_funcs, strlen(r.plpgsql_funcs), &tmp, &q);
		for (size_t i = 0; i < n; i++)
			body_query(c, q[i].sql, q[i].dynamic, at);
		zdm_arena_release(&tmp);
	}
	pg_query_free_plpgsql_parse_result(r);
}

/* Walk every statement of a parse tree (zdm_pg_parse_tap's fn). */
static void walk_tree(const PgQuery__ParseResult *pr, void *arg)
{
	struct pg_ctx *c = arg;
	for (size_t i = 0; i < pr->n_stmts; i++)
		walk_stmt(c, pr->stmts[i]->stmt, pr->stmts[i]->stmt_location);
}

/*
 * Parse sql and walk its statements with c.  0 when it does not parse
 * (*msg, in c->a, and *cursor say why and where, when msg is not NULL)
 * or its tree cannot be read (*msg is then NULL).
 */
static int parse_walk(const char *sql, struct pg_ctx *c, const char **msg, int *cursor)
{
	PgQueryProtobufParseResult r;
	int tapped = zdm_pg_parse_tap(sql, walk_tree, c, &r);
	int ok = !r.error;
	if (r.error && msg) {
		*msg = zdm_arena_strdup(c->a, r.error->message ? r.error->message : "syntax error");
		*cursor = r.error->cursorpos;
	}
	if (ok && !tapped) {
		/* linked without the wraps: the packed tree, unpacked */
		PgQuery__ParseResult *pr = pg_query__parse_result__unpack(
			NULL, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
		if (pr)
			walk_tree(pr, c);
		else if (msg)
			*msg = NULL;
		ok = pr != NULL;
		pg_query__parse_result__free_unpacked(pr, NULL);
	}
	pg_query_free_protobuf_parse_result(r);
	return ok;
}

/* Parse sql (not from the file: a body) and add its ops at offset off. */
static void analyse_string(struct pg_ctx *c, const char *sql, size_t off, unsigned extra)
{
	if (c->depth >= MAX_BODY_DEPTH)
		return;
	struct pg_ctx sub = *c;
	sub.text = sql;
	sub.base = 0;
	sub.len = strlen(sql);
	sub.extra = c->extra | extra;
	sub.depth = c->depth + 1;
	size_t first = c->out->nops;
	parse_walk(sql, &sub, NULL, NULL);
	/* Offsets of ops found in a body point at the body in the file. */
	for (size_t i = first; i < c->out->nops; i++)
		c->out->ops[i].off = off;
}

int zdm_pg_analyse(const char *text, size_t off, size_t len,
		   struct zdm_arena *a, struct zdm_parsed *out)
{
	char *sql = zdm_xmalloc(len + 1);
	memcpy(sql, text + off, len);
	sql[len] = '\0';

	out->parsed = 0;
	struct pg_ctx c = { text, off, len, a, out, 0, 0 };
	const char *msg = NULL;
	int cursor = 0;
	int ok = parse_walk(sql, &c, &msg, &cursor);
	free(sql);
	if (!ok) {
		if (msg) {
			out->error = msg;
			size_t pos = cursor > 0 ? (size_t)cursor - 1 : 0;
			out->error_off = off + (pos < len ? pos : 0);
		} else {
			out->error = "cannot read the parse tree";
			out->error_off = off;
		}
		return 0;
	}
	out->parsed = 1;
	return 1;
}
