/* SPDX-License-Identifier: MIT */
/*
 * dsl.c - turn Rails and Alembic schema calls into the SQL they run.
 *
 * Most Rails and Alembic migrations never spell out SQL: they call
 * add_index, add_column, op.alter_column and friends.  A guard that only
 * read string literals would pass `add_index :users, :email` on a live
 * table.  This file reads those calls (arguments and options) and writes
 * the PostgreSQL statement each one issues, so that the same rules judge
 * them.  Only calls whose SQL is certain are translated; anything else is
 * left alone rather than guessed.
 *
 * The scanner is deliberately small: identifiers, symbols, strings,
 * numbers, brackets and "key:" / "key=" options, enough for the argument
 * lists these calls take.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guard.h"

enum vk { V_NONE, V_STR, V_NUM, V_BOOL_T, V_BOOL_F, V_NIL, V_LIST, V_CALL, V_OTHER };

struct val {
	enum vk kind;
	char s[96];             /* string, symbol, number, call name */
	struct val *items;      /* V_LIST, V_CALL: elements / positional arguments */
	size_t nitems;
	struct opt *opts;       /* V_CALL: keyword arguments */
	size_t nopts;
};

struct opt {
	char key[48];
	struct val v;
};

struct args {
	struct val pos[8];
	size_t npos;
	struct opt opts[16];
	size_t nopts;
};

struct sc {
	struct guard *g;
	enum guard_lang lang;
	const char *s;
	size_t n, i;
	int depth;
};

static int id_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int id_char(char c)
{
	return id_start(c) || (c >= '0' && c <= '9');
}

static void blanks(struct sc *p, int newlines)
{
	while (p->i < p->n) {
		char c = p->s[p->i];
		if (c == ' ' || c == '\t' || c == '\r' || (newlines && c == '\n')) {
			p->i++;
		} else if (c == '\\' && p->i + 1 < p->n && p->s[p->i + 1] == '\n') {
			p->i += 2;
		} else if (c == '#' && newlines) {
			while (p->i < p->n && p->s[p->i] != '\n')
				p->i++;
		} else {
			break;
		}
	}
}

static void copy_str(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

static void parse_val(struct sc *p, struct val *v, int nl);
static void free_val(struct val *v);

/* Arguments up to the closing bracket (or end of line when close is 0). */
static void parse_args(struct sc *p, char close, struct val **items, size_t *nitems,
		       struct opt **opts, size_t *nopts)
{
	int nl = close != 0;

	*items = NULL;
	*opts = NULL;
	*nitems = *nopts = 0;
	if (p->depth > 8)
		return;
	p->depth++;
	for (;;) {
		size_t save;
		char key[48];
		int is_opt = 0;

		blanks(p, nl);
		if (p->i >= p->n)
			break;
		if (close && p->s[p->i] == close) {
			p->i++;
			break;
		}
		if (!close && (p->s[p->i] == '\n' || p->s[p->i] == ';' || p->s[p->i] == '#' ||
			       (!strncmp(p->s + p->i, "do", 2) &&
				(p->i + 2 >= p->n || !id_char(p->s[p->i + 2])))))
			break;
		/* key: value, key = value, :key => value, "key" => value */
		save = p->i;
		if (id_start(p->s[p->i]) || p->s[p->i] == ':') {
			size_t a = p->i + (p->s[p->i] == ':'), b = a;
			while (b < p->n && id_char(p->s[b]))
				b++;
			if (b < p->n && p->s[b] == ':' && (b + 1 >= p->n || p->s[b + 1] != ':') &&
			    p->s[p->i] != ':') {
				copy_str(key, sizeof(key), p->s + a, b - a);
				p->i = b + 1;
				is_opt = 1;
			} else if (p->lang == GUARD_LANG_PY && b < p->n && p->s[b] == '=' &&
				   (b + 1 >= p->n || p->s[b + 1] != '=')) {
				copy_str(key, sizeof(key), p->s + a, b - a);
				p->i = b + 1;
				is_opt = 1;
			} else {
				size_t c = b;
				while (c < p->n && (p->s[c] == ' ' || p->s[c] == '\t'))
					c++;
				if (p->s[save] == ':' && c + 1 < p->n && p->s[c] == '=' && p->s[c + 1] == '>') {
					copy_str(key, sizeof(key), p->s + a, b - a);
					p->i = c + 2;
					is_opt = 1;
				}
			}
		}
		if (is_opt) {
			if (*nopts < 16) {
				*opts = zdm_xrealloc(*opts, (*nopts + 1) * sizeof(**opts));
				memset(&(*opts)[*nopts], 0, sizeof(**opts));
				memcpy((*opts)[*nopts].key, key, sizeof(key));
				blanks(p, nl);
				parse_val(p, &(*opts)[*nopts].v, nl);
				(*nopts)++;
			} else {
				struct val skip;
				parse_val(p, &skip, nl);
				free_val(&skip);
			}
		} else {
			struct val v;
			memset(&v, 0, sizeof(v));
			parse_val(p, &v, nl);
			if (*nitems < 16) {
				*items = zdm_xrealloc(*items, (*nitems + 1) * sizeof(**items));
				(*items)[(*nitems)++] = v;
			} else {
				free_val(&v);   /* past what any rule looks at */
			}
		}
		blanks(p, nl);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->n && close && p->s[p->i] == close) {
			p->i++;
			break;
		}
		if (!close)
			break;
		if (p->i < p->n && p->s[p->i] != ',')
			p->i++;   /* something we do not understand: move on */
	}
	p->depth--;
}

static void parse_val(struct sc *p, struct val *v, int nl)
{
	const char *s = p->s;
	char c;

	memset(v, 0, sizeof(*v));
	blanks(p, nl);
	if (p->i >= p->n)
		return;
	c = s[p->i];
	if (c == '\'' || c == '"') {
		size_t a = ++p->i;
		while (p->i < p->n && s[p->i] != c && s[p->i] != '\n') {
			if (s[p->i] == '\\')
				p->i++;
			p->i++;
		}
		v->kind = V_STR;
		copy_str(v->s, sizeof(v->s), s + a, p->i - a);
		if (p->i < p->n)
			p->i++;
		return;
	}
	if (c == ':' && p->i + 1 < p->n && (id_start(s[p->i + 1]) || s[p->i + 1] == '"')) {
		size_t a = ++p->i, b;
		if (s[a] == '"') {
			parse_val(p, v, nl);
			return;
		}
		for (b = a; b < p->n && (id_char(s[b]) || s[b] == '?' || s[b] == '!'); b++)
			;
		v->kind = V_STR;
		copy_str(v->s, sizeof(v->s), s + a, b - a);
		p->i = b;
		return;
	}
	if ((c >= '0' && c <= '9') || c == '-') {
		size_t a = p->i++;
		while (p->i < p->n && ((s[p->i] >= '0' && s[p->i] <= '9') || s[p->i] == '.' ||
				       s[p->i] == '_'))
			p->i++;
		v->kind = V_NUM;
		copy_str(v->s, sizeof(v->s), s + a, p->i - a);
		return;
	}
	if (c == '[') {
		p->i++;
		v->kind = V_LIST;
		{
			struct opt *o = NULL;
			size_t no = 0, k;
			parse_args(p, ']', &v->items, &v->nitems, &o, &no);
			for (k = 0; k < no; k++)
				free_val(&o[k].v);
			free(o);
		}
		return;
	}
	if (id_start(c)) {
		size_t a = p->i, b = a;
		while (b < p->n && (id_char(s[b]) || s[b] == '.'))
			b++;
		copy_str(v->s, sizeof(v->s), s + a, b - a);
		p->i = b;
		if (!strcmp(v->s, "true") || !strcmp(v->s, "True")) {
			v->kind = V_BOOL_T;
		} else if (!strcmp(v->s, "false") || !strcmp(v->s, "False")) {
			v->kind = V_BOOL_F;
		} else if (!strcmp(v->s, "nil") || !strcmp(v->s, "None")) {
			v->kind = V_NIL;
		} else if (p->i < p->n && s[p->i] == '(') {
			p->i++;
			v->kind = V_CALL;
			parse_args(p, ')', &v->items, &v->nitems, &v->opts, &v->nopts);
		} else {
			v->kind = V_OTHER;
		}
		return;
	}
	/* a lambda, a block, an expression: skip to the next comma or bracket */
	{
		int level = 0;
		v->kind = V_OTHER;
		copy_str(v->s, sizeof(v->s), s + p->i, 1);
		if (c == '-' || c == '{' || c == '(') {
			size_t a = p->i;
			while (p->i < p->n) {
				char d = s[p->i];
				if (d == '(' || d == '{' || d == '[')
					level++;
				else if (d == ')' || d == '}' || d == ']') {
					if (level == 0)
						break;
					level--;
				} else if (d == ',' && level == 0)
					break;
				else if (d == '\n' && !nl && level == 0)
					break;
				p->i++;
			}
			copy_str(v->s, sizeof(v->s), s + a, p->i - a);
			return;
		}
		p->i++;
	}
}

static void free_val(struct val *v)
{
	size_t k;

	for (k = 0; k < v->nitems; k++)
		free_val(&v->items[k]);
	for (k = 0; k < v->nopts; k++)
		free_val(&v->opts[k].v);
	free(v->items);
	free(v->opts);
}

static const struct val *opt(const struct opt *o, size_t n, const char *key)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (!strcmp(o[k].key, key))
			return &o[k].v;
	return NULL;
}

static int truthy(const struct val *v)
{
	return v && v->kind != V_BOOL_F && v->kind != V_NIL && v->kind != V_NONE;
}

static int is_false(const struct val *v)
{
	return v && v->kind == V_BOOL_F;
}

/* Column list "(a, b)" from a symbol, a string or an array. */
static void cols(struct zdm_buf *b, const struct val *v)
{
	size_t k;

	zdm_buf_addc(b, '(');
	if (v && v->kind == V_LIST) {
		for (k = 0; k < v->nitems; k++)
			zdm_buf_addf(b, "%s%s", k ? ", " : "", v->items[k].s[0] ? v->items[k].s : "zdm_col");
	} else {
		zdm_buf_adds(b, v && v->s[0] ? v->s : "zdm_col");
	}
	zdm_buf_addc(b, ')');
}

/* Rails / SQLAlchemy type names to PostgreSQL. */
static const char *pg_type(const char *t)
{
	static const char *const map[][2] = {
		{ "string", "varchar" }, { "text", "text" }, { "integer", "integer" },
		{ "bigint", "bigint" }, { "boolean", "boolean" }, { "datetime", "timestamp" },
		{ "timestamp", "timestamp" }, { "timestamptz", "timestamptz" }, { "date", "date" },
		{ "decimal", "numeric" }, { "numeric", "numeric" }, { "float", "float8" },
		{ "json", "json" }, { "jsonb", "jsonb" }, { "uuid", "uuid" }, { "binary", "bytea" },
		{ "Integer", "integer" }, { "BigInteger", "bigint" }, { "SmallInteger", "smallint" },
		{ "String", "varchar" }, { "Text", "text" }, { "Boolean", "boolean" },
		{ "DateTime", "timestamp" }, { "Date", "date" }, { "Numeric", "numeric" },
		{ "Float", "float8" }, { "JSON", "json" }, { "JSONB", "jsonb" }, { "UUID", "uuid" },
		{ "LargeBinary", "bytea" }, { "Unicode", "varchar" }, { "UnicodeText", "text" },
		{ NULL, NULL }
	};
	const char *dot = strrchr(t, '.');
	int k;

	if (dot)
		t = dot + 1;
	for (k = 0; map[k][0]; k++)
		if (!strcmp(t, map[k][0]))
			return map[k][1];
	return "text";
}

/* A default as SQL: a constant, or a call the database evaluates per row. */
static void add_default(struct zdm_buf *b, const struct val *d)
{
	if (!d || d->kind == V_NIL || d->kind == V_NONE)
		return;
	if (d->kind == V_STR)
		zdm_buf_addf(b, " DEFAULT '%s'", d->s);
	else if (d->kind == V_NUM)
		zdm_buf_addf(b, " DEFAULT %s", d->s);
	else if (d->kind == V_BOOL_T || d->kind == V_BOOL_F)
		zdm_buf_addf(b, " DEFAULT %s", d->kind == V_BOOL_T ? "true" : "false");
	else if (strstr(d->s, "gen_random_uuid") || strstr(d->s, "random()") ||
		 strstr(d->s, "clock_timestamp") || strstr(d->s, "uuid_generate"))
		zdm_buf_adds(b, " DEFAULT gen_random_uuid()");
	else if (d->kind == V_CALL && !strcmp(d->s, "sa.text") && d->nitems)
		zdm_buf_addf(b, " DEFAULT %s", d->items[0].s);
	else
		zdm_buf_adds(b, " DEFAULT 'zdm'");
}

/* ---- Rails ---------------------------------------------------------------- */

static int rails(struct zdm_buf *b, const char *name, const struct args *a)
{
	const struct opt *o = a->opts;
	size_t no = a->nopts;
	const char *t = a->npos ? a->pos[0].s : NULL;

	if (!t || !t[0])
		return 0;
	if (!strcmp(name, "create_table")) {
		zdm_buf_addf(b, "CREATE TABLE %s (id bigint)", t);
	} else if (!strcmp(name, "drop_table")) {
		zdm_buf_addf(b, "DROP TABLE %s%s", truthy(opt(o, no, "if_exists")) ? "IF EXISTS " : "", t);
	} else if (!strcmp(name, "rename_table") && a->npos >= 2) {
		zdm_buf_addf(b, "ALTER TABLE %s RENAME TO %s", t, a->pos[1].s);
	} else if (!strcmp(name, "add_index") && a->npos >= 2) {
		const struct val *alg = opt(o, no, "algorithm");
		zdm_buf_addf(b, "CREATE %sINDEX %s%sON %s ",
			     truthy(opt(o, no, "unique")) ? "UNIQUE " : "",
			     alg && !strcmp(alg->s, "concurrently") ? "CONCURRENTLY " : "",
			     truthy(opt(o, no, "if_not_exists")) ? "IF NOT EXISTS " : "", t);
		cols(b, &a->pos[1]);
	} else if (!strcmp(name, "remove_index")) {
		const struct val *alg = opt(o, no, "algorithm");
		zdm_buf_addf(b, "DROP INDEX %sIF EXISTS index_on_%s",
			     alg && !strcmp(alg->s, "concurrently") ? "CONCURRENTLY " : "", t);
	} else if (!strcmp(name, "add_column") && a->npos >= 3) {
		zdm_buf_addf(b, "ALTER TABLE %s ADD COLUMN %s %s", t, a->pos[1].s, pg_type(a->pos[2].s));
		if (is_false(opt(o, no, "null")))
			zdm_buf_adds(b, " NOT NULL");
		add_default(b, opt(o, no, "default"));
	} else if (!strcmp(name, "add_reference") || !strcmp(name, "add_belongs_to")) {
		const struct val *idx = opt(o, no, "index");
		if (a->npos < 2)
			return 0;
		zdm_buf_addf(b, "ALTER TABLE %s ADD COLUMN %s_id bigint%s", t, a->pos[1].s,
			     is_false(opt(o, no, "null")) ? " NOT NULL" : "");
		if (truthy(opt(o, no, "foreign_key")))
			zdm_buf_addf(b, ";\nALTER TABLE %s ADD CONSTRAINT fk_%s FOREIGN KEY (%s_id) REFERENCES %ss (id)",
				     t, a->pos[1].s, a->pos[1].s, a->pos[1].s);
		/* Rails 5+ indexes references unless index: false */
		if (!is_false(idx)) {
			zdm_buf_addf(b, ";\nCREATE INDEX %sON %s (%s_id)",
				     strstr(idx ? idx->s : "", "concurrently") ? "CONCURRENTLY " : "",
				     t, a->pos[1].s);
		}
	} else if ((!strcmp(name, "remove_column") || !strcmp(name, "remove_reference") ||
		    !strcmp(name, "remove_belongs_to")) && a->npos >= 2) {
		zdm_buf_addf(b, "ALTER TABLE %s DROP COLUMN %s%s", t, a->pos[1].s,
			     name[7] == 'r' && name[8] == 'e' && name[9] == 'f' ? "_id" : "");
	} else if (!strcmp(name, "remove_columns") && a->npos >= 2) {
		size_t k;
		zdm_buf_addf(b, "ALTER TABLE %s ", t);
		for (k = 1; k < a->npos; k++)
			zdm_buf_addf(b, "%sDROP COLUMN %s", k > 1 ? ", " : "", a->pos[k].s);
	} else if (!strcmp(name, "rename_column") && a->npos >= 3) {
		zdm_buf_addf(b, "ALTER TABLE %s RENAME COLUMN %s TO %s", t, a->pos[1].s, a->pos[2].s);
	} else if (!strcmp(name, "change_column") && a->npos >= 3) {
		zdm_buf_addf(b, "ALTER TABLE %s ALTER COLUMN %s TYPE %s", t, a->pos[1].s,
			     pg_type(a->pos[2].s));
	} else if (!strcmp(name, "change_column_null") && a->npos >= 3) {
		zdm_buf_addf(b, "ALTER TABLE %s ALTER COLUMN %s %s NOT NULL", t, a->pos[1].s,
			     a->pos[2].kind == V_BOOL_F ? "SET" : "DROP");
	} else if (!strcmp(name, "add_foreign_key") && a->npos >= 2) {
		const struct val *col = opt(o, no, "column");
		zdm_buf_addf(b, "ALTER TABLE %s ADD CONSTRAINT fk_%s FOREIGN KEY (", t, a->pos[1].s);
		if (col)
			zdm_buf_adds(b, col->s);
		else
			zdm_buf_addf(b, "%s_id", a->pos[1].s);
		zdm_buf_addf(b, ") REFERENCES %s (id)%s", a->pos[1].s,
			     is_false(opt(o, no, "validate")) ? " NOT VALID" : "");
	} else if (!strcmp(name, "add_check_constraint") && a->npos >= 2) {
		zdm_buf_addf(b, "ALTER TABLE %s ADD CONSTRAINT chk CHECK (%s)%s", t, a->pos[1].s,
			     is_false(opt(o, no, "validate")) ? " NOT VALID" : "");
	} else {
		return 0;
	}
	return 1;
}

/* ---- Alembic --------------------------------------------------------------- */

static const struct val *pos_or(const struct args *a, size_t k, const char *key)
{
	const struct val *v = opt(a->opts, a->nopts, key);

	if (v)
		return v;
	return k < a->npos ? &a->pos[k] : NULL;
}

static int alembic(struct zdm_buf *b, const char *name, const struct args *a)
{
	const struct opt *o = a->opts;
	size_t no = a->nopts;
	const struct val *t;

	if (!strcmp(name, "create_table") || !strcmp(name, "drop_table") ||
	    !strcmp(name, "rename_table")) {
		t = pos_or(a, 0, "table_name");
		if (!t || !t->s[0])
			return 0;
		if (name[0] == 'c')
			zdm_buf_addf(b, "CREATE TABLE %s (id bigint)", t->s);
		else if (name[0] == 'd')
			zdm_buf_addf(b, "DROP TABLE %s", t->s);
		else if (a->npos >= 2)
			zdm_buf_addf(b, "ALTER TABLE %s RENAME TO %s", t->s, a->pos[1].s);
		else
			return 0;
		return 1;
	}
	if (!strcmp(name, "create_index")) {
		const struct val *tb = pos_or(a, 1, "table_name"), *cv = pos_or(a, 2, "columns");
		if (!tb)
			return 0;
		zdm_buf_addf(b, "CREATE %sINDEX %s%sON %s ",
			     truthy(opt(o, no, "unique")) ? "UNIQUE " : "",
			     truthy(opt(o, no, "postgresql_concurrently")) ? "CONCURRENTLY " : "",
			     truthy(opt(o, no, "if_not_exists")) ? "IF NOT EXISTS " : "", tb->s);
		cols(b, cv);
		return 1;
	}
	if (!strcmp(name, "drop_index")) {
		const struct val *ix = pos_or(a, 0, "index_name");
		zdm_buf_addf(b, "DROP INDEX %s%s%s",
			     truthy(opt(o, no, "postgresql_concurrently")) ? "CONCURRENTLY " : "",
			     truthy(opt(o, no, "if_exists")) ? "IF EXISTS " : "",
			     ix && ix->s[0] ? ix->s : "zdm_index");
		return 1;
	}
	t = pos_or(a, 0, "table_name");
	if (!t || !t->s[0])
		return 0;
	if (!strcmp(name, "add_column") && a->npos >= 2 && a->pos[1].kind == V_CALL &&
	    !strcmp(a->pos[1].s + (strncmp(a->pos[1].s, "sa.", 3) ? 0 : 3), "Column")) {
		const struct val *c = &a->pos[1];
		const struct opt *co = c->opts;
		size_t nco = c->nopts;
		if (c->nitems < 1)
			return 0;
		zdm_buf_addf(b, "ALTER TABLE %s ADD COLUMN %s %s", t->s, c->items[0].s,
			     c->nitems >= 2 ? pg_type(c->items[1].s) : "text");
		if (is_false(opt(co, nco, "nullable")) || truthy(opt(co, nco, "primary_key")))
			zdm_buf_adds(b, " NOT NULL");
		add_default(b, opt(co, nco, "server_default"));
		return 1;
	}
	if (!strcmp(name, "drop_column")) {
		const struct val *c = pos_or(a, 1, "column_name");
		if (!c)
			return 0;
		zdm_buf_addf(b, "ALTER TABLE %s DROP COLUMN %s", t->s, c->s);
		return 1;
	}
	if (!strcmp(name, "alter_column")) {
		const struct val *c = pos_or(a, 1, "column_name");
		const struct val *nul = opt(o, no, "nullable"), *ty = opt(o, no, "type_");
		const struct val *nn = opt(o, no, "new_column_name");
		int any = 0;
		if (!c)
			return 0;
		if (nul && (nul->kind == V_BOOL_F || nul->kind == V_BOOL_T)) {
			zdm_buf_addf(b, "ALTER TABLE %s ALTER COLUMN %s %s NOT NULL", t->s, c->s,
				     nul->kind == V_BOOL_F ? "SET" : "DROP");
			any = 1;
		}
		if (ty) {
			zdm_buf_addf(b, "%sALTER TABLE %s ALTER COLUMN %s TYPE %s", any ? ";\n" : "",
				     t->s, c->s, pg_type(ty->s));
			any = 1;
		}
		if (nn) {
			zdm_buf_addf(b, "%sALTER TABLE %s RENAME COLUMN %s TO %s", any ? ";\n" : "",
				     t->s, c->s, nn->s);
			any = 1;
		}
		return any;
	}
	if (!strcmp(name, "create_foreign_key") && a->npos >= 3) {
		zdm_buf_addf(b, "ALTER TABLE %s ADD CONSTRAINT fk FOREIGN KEY (zdm_col) REFERENCES %s (id)%s",
			     a->pos[1].s, a->pos[2].s,
			     truthy(opt(o, no, "postgresql_not_valid")) ? " NOT VALID" : "");
		return 1;
	}
	return 0;
}

/* ---- the scan ---------------------------------------------------------------- */

static void push(struct guard *g, struct guard_literal **v, size_t *n, size_t *cap,
		 const char *sql, size_t len, size_t off, int line, int down)
{
	struct guard_literal *l;

	if (*n >= GUARD_MAX_ITEMS)
		return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = zdm_xrealloc(*v, *cap * sizeof(**v));
	}
	l = &(*v)[(*n)++];
	l->text = zdm_arena_strndup(&g->arena, sql, len);
	l->len = len;
	l->off = off;
	l->line = line;
	l->in_down = down;
}

void guard_find_dsl(struct guard *g, enum guard_lang lang, const char *src, size_t len,
		    struct guard_literal **out, size_t *count)
{
	struct sc p;
	struct guard_literal *v = NULL;
	size_t n = 0, cap = 0;
	int line = 1, down = 0, stmt_start = 1;

	*out = NULL;
	*count = 0;
	if (lang != GUARD_LANG_RB && lang != GUARD_LANG_PY)
		return;
	memset(&p, 0, sizeof(p));
	p.g = g;
	p.lang = lang;
	p.s = src;
	p.n = len;
	while (p.i < p.n) {
		char c = src[p.i];
		if (c == '\n') {
			line++;
			p.i++;
			stmt_start = 1;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			p.i++;
			continue;
		}
		if (c == '#') {
			while (p.i < p.n && src[p.i] != '\n')
				p.i++;
			continue;
		}
		if (c == '\'' || c == '"') {
			/* skip strings (and Python triple quotes) */
			int triple = lang == GUARD_LANG_PY && p.i + 2 < p.n &&
				     src[p.i + 1] == c && src[p.i + 2] == c;
			p.i += triple ? 3 : 1;
			while (p.i < p.n) {
				if (src[p.i] == '\\') {
					p.i += 2;
					continue;
				}
				if (src[p.i] == '\n')
					line++;
				if (src[p.i] == c && (!triple || (p.i + 2 < p.n && src[p.i + 1] == c &&
								   src[p.i + 2] == c))) {
					p.i += triple ? 3 : 1;
					break;
				}
				if (src[p.i] == '\n' && !triple)
					break;
				p.i++;
			}
			stmt_start = 0;
			continue;
		}
		if (id_start(c)) {
			size_t a = p.i, b;
			char name[48];
			while (p.i < p.n && (id_char(src[p.i]) || src[p.i] == '.'))
				p.i++;
			b = p.i;
			copy_str(name, sizeof(name), src + a, b - a);
			if (!strcmp(name, "def")) {
				size_t q = p.i;
				while (q < p.n && (src[q] == ' ' || src[q] == '\t'))
					q++;
				down = !strncmp(src + q, "down", 4) || !strncmp(src + q, "self.down", 9);
				stmt_start = 0;
				continue;
			}
			if (stmt_start) {
				const char *call = name;
				struct args args;
				struct zdm_buf sql = ZDM_BUF_INIT;
				int ok = 0, paren = 0;
				size_t k;

				if (lang == GUARD_LANG_PY) {
					if (strncmp(name, "op.", 3))
						goto next;
					call = name + 3;
				}
				memset(&args, 0, sizeof(args));
				while (p.i < p.n && (src[p.i] == ' ' || src[p.i] == '\t'))
					p.i++;
				if (p.i < p.n && src[p.i] == '(') {
					paren = 1;
					p.i++;
				} else if (lang == GUARD_LANG_PY) {
					goto next;
				}
				{
					struct val *items;
					struct opt *opts;
					size_t ni, nop;
					int l0 = line;
					size_t i0 = p.i;
					parse_args(&p, paren ? ')' : 0, &items, &ni, &opts, &nop);
					for (k = i0; k < p.i; k++)
						if (src[k] == '\n')
							line++;
					for (k = 0; k < ni && k < 8; k++)
						args.pos[args.npos++] = items[k];
					for (k = 0; k < nop && k < 16; k++)
						args.opts[args.nopts++] = opts[k];
					ok = lang == GUARD_LANG_RB ? rails(&sql, call, &args) :
					     alembic(&sql, call, &args);
					if (ok) {
						/*
						 * Name the call the SQL stands for: a comment after
						 * the first word of each statement, which judge.c
						 * shows instead of the SQL alone.
						 */
						struct zdm_buf lab = ZDM_BUF_INIT, lit = ZDM_BUF_INIT;
						size_t q, w = 0, x;
						int sp = 0, first = 1;
						for (q = a; q < p.i && w < 120; q++) {
							char ch = src[q];
							if (ch == '\n' || ch == ' ' || ch == '\t' || ch == '\r') {
								sp = 1;
								continue;
							}
							if (sp && lab.len)
								zdm_buf_addc(&lab, ' '), w++;
							sp = 0;
							if (ch == '*' && q + 1 < p.i && src[q + 1] == '/')
								ch = '+';
							zdm_buf_addc(&lab, ch);
							w++;
						}
						if (q < p.i)
							zdm_buf_adds(&lab, "...");
						for (x = 0; x < sql.len; x++) {
							zdm_buf_addc(&lit, sql.data[x]);
							if (first && sql.data[x] == ' ') {
								zdm_buf_addf(&lit, "/*zdm-call %s */ ", lab.data);
								first = 0;
							}
							if (sql.data[x] == '\n')
								first = 1;
						}
						push(g, &v, &n, &cap, lit.data, lit.len, a, l0, down);
						zdm_buf_release(&lab);
						zdm_buf_release(&lit);
					}
					for (k = 0; k < ni; k++)
						free_val(&items[k]);
					for (k = 0; k < nop; k++)
						free_val(&opts[k].v);
					free(items);
					free(opts);
				}
				zdm_buf_release(&sql);
				stmt_start = 0;
				continue;
			}
next:
			stmt_start = 0;
			continue;
		}
		/* Ruby blocks: create_table :t do |t| ... end; t.index etc. are skipped */
		stmt_start = c == ';';
		p.i++;
	}
	if (n) {
		*out = zdm_arena_alloc(&g->arena, n * sizeof(**out));
		memcpy(*out, v, n * sizeof(**out));
	}
	*count = n;
	free(v);
}
