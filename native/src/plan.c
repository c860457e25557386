/* SPDX-License-Identifier: MIT */
/*
 * plan.c - zdm plan: turn a recipe into phased migrations and deploy steps.
 *
 * Each recipe is one function that appends steps to a plan: migrations
 * (dbmate files with their down sections), deploys, backfills, checks
 * and notes, in the order they must happen.  The SQL is the SQL of the
 * reference pages (skills/zero-downtime-migrations/references/), so what
 * the skill teaches and what zdm writes never drift apart; the plan tests
 * lint every generated file.  Kept apart from the CLI so the tests can
 * build plans without writing files, and from the database layer: a plan
 * is text, it never connects.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdm/lint.h"
#include "zdm/plan.h"

const char *const zdm_plan_recipes[] = {
	"add-column", "add-not-null-column", "rename-column", "change-type",
	"add-index", "drop-column", "add-foreign-key", "add-unique",
	"rename-table", NULL,
};

#define MAX_IDENT 63

/* ---- names -------------------------------------------------------------------- */

/* Words that must be quoted to be used as a name (PostgreSQL reserved, and SQLite's). */
static const char *const reserved[] = {
	"all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
	"authorization", "between", "binary", "both", "case", "cast", "check", "collate",
	"column", "concurrently", "constraint", "create", "cross", "current_catalog",
	"current_date", "current_role", "current_schema", "current_time",
	"current_timestamp", "current_user", "default", "deferrable", "delete", "desc",
	"distinct", "do", "drop", "else", "end", "except", "exists", "false", "fetch",
	"for", "foreign", "freeze", "from", "full", "grant", "group", "having", "ilike",
	"in", "index", "initially", "inner", "insert", "intersect", "into", "is", "isnull",
	"join", "key", "lateral", "leading", "left", "like", "limit", "localtime",
	"localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only",
	"or", "order", "outer", "overlaps", "placing", "primary", "references",
	"returning", "right", "select", "session_user", "set", "similar", "some",
	"symmetric", "system_user", "table", "tablesample", "then", "to", "trailing",
	"transaction", "trigger", "true", "union", "unique", "update", "user", "using",
	"values", "variadic", "verbose", "view", "when", "where", "window", "with", NULL,
};

static int plain_part(const char *s, size_t n)
{
	if (n == 0 || n > MAX_IDENT)
		return 0;
	if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

int zdm_plan_ident_ok(const char *s)
{
	if (!s)
		return 0;
	const char *dot = strchr(s, '.');
	if (!dot)
		return plain_part(s, strlen(s));
	return plain_part(s, (size_t)(dot - s)) && plain_part(dot + 1, strlen(dot + 1));
}

static void quote_part(struct zdm_buf *out, const char *s, size_t n)
{
	int q = 0;
	for (size_t i = 0; i < n; i++)
		if (isupper((unsigned char)s[i]))
			q = 1;
	for (size_t i = 0; !q && reserved[i]; i++)
		if (strlen(reserved[i]) == n && zdm_strncaseeq(s, n, reserved[i]))
			q = 1;
	if (q)
		zdm_buf_addc(out, '"');
	zdm_buf_add(out, s, n);
	if (q)
		zdm_buf_addc(out, '"');
}

void zdm_plan_quote_ident(struct zdm_buf *out, const char *ident)
{
	const char *dot = strchr(ident, '.');
	if (dot) {
		quote_part(out, ident, (size_t)(dot - ident));
		zdm_buf_addc(out, '.');
		ident = dot + 1;
	}
	quote_part(out, ident, strlen(ident));
}

enum zdm_status zdm_plan_check_expr(enum zdm_dialect d, const char *expr,
				    const char *what, struct zdm_error *err)
{
	size_t n = strlen(expr), i = 0;
	int depth = 0, any = 0, bol = 1;
	while (i < n) {
		enum zdm_tk k;
		size_t len = zdm_lexer_token(d, expr + i, n - i, bol, &k, NULL);
		bol = 0;
		switch (k) {
		case ZDM_TK_SPACE:
			break;
		case ZDM_TK_SEMI:
			return zdm_error_set(err, ZDM_ERR_USAGE, "%s must be one expression: ';' is not allowed", what);
		case ZDM_TK_COMMENT:
			return zdm_error_set(err, ZDM_ERR_USAGE, "%s must be one expression: comments are not allowed", what);
		case ZDM_TK_META:
		case ZDM_TK_ILLEGAL:
			return zdm_error_set(err, ZDM_ERR_USAGE, "%s is not a well-formed expression (unterminated quote or stray character)", what);
		case ZDM_TK_LPAREN:
			depth++;
			any = 1;
			break;
		case ZDM_TK_RPAREN:
			if (--depth < 0)
				return zdm_error_set(err, ZDM_ERR_USAGE, "%s has an unbalanced ')'", what);
			break;
		default:
			any = 1;
		}
		i += len ? len : 1;
	}
	if (depth)
		return zdm_error_set(err, ZDM_ERR_USAGE, "%s has an unclosed '('", what);
	if (!any)
		return zdm_error_set(err, ZDM_ERR_USAGE, "%s is empty", what);
	return ZDM_OK;
}

/* ---- building ------------------------------------------------------------------ */

struct ctx {
	const struct zdm_plan_req *req;
	struct zdm_plan *p;
	struct zdm_arena *a;
	enum zdm_dialect d;
	int pgv;
	int pg;                 /* dialect is PostgreSQL */
	struct zdm_error *err;
};

static void step(struct ctx *c, enum zdm_plan_kind kind, const char *name,
		 const char *summary, const char *text)
{
	struct zdm_plan *p = c->p;
	if (p->nsteps == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->steps = zdm_xrealloc(p->steps, p->cap * sizeof *p->steps);
	}
	struct zdm_plan_step *s = &p->steps[p->nsteps++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->name = name ? zdm_arena_strdup(c->a, name) : NULL;
	s->summary = summary ? zdm_arena_strdup(c->a, summary) : NULL;
	s->text = text ? zdm_arena_strdup(c->a, text) : NULL;
}

/* The quoted form of a user name (already checked). */
static const char *qi(struct ctx *c, const char *name)
{
	struct zdm_buf b = ZDM_BUF_INIT;
	zdm_plan_quote_ident(&b, name);
	const char *r = zdm_arena_strdup(c->a, b.data);
	zdm_buf_release(&b);
	return r;
}

/* The table's name without its schema. */
static const char *base(const char *name)
{
	const char *dot = strchr(name, '.');
	return dot ? dot + 1 : name;
}

/* "schema." of a qualified name, or "". */
static const char *schema_prefix(struct ctx *c, const char *name)
{
	const char *dot = strchr(name, '.');
	return dot ? zdm_arena_strndup(c->a, name, (size_t)(dot - name + 1)) : "";
}

/*
 * A derived name (index, constraint, trigger) from plain parts: cut to
 * 63 bytes as PostgreSQL would, and quoted like a user name.
 */
static const char *derived(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static const char *derived(struct ctx *c, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	buf[MAX_IDENT] = '\0';
	return qi(c, buf);
}

static const char *raw(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static const char *raw(struct ctx *c, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	buf[MAX_IDENT] = '\0';
	return zdm_arena_strdup(c->a, buf);
}

/* A dbmate file: up and down sections, each optionally transaction:false. */
static void migration(struct ctx *c, const char *name, const char *summary, int up_notx,
		      const char *up, int down_notx, const char *down)
{
	struct zdm_buf b = ZDM_BUF_INIT;
	zdm_buf_addf(&b, "-- migrate:up%s\n", up_notx ? " transaction:false" : "");
	zdm_buf_addf(&b, "-- zdm plan %s: %s\n", c->req->recipe, summary);
	zdm_buf_adds(&b, up);
	zdm_buf_addf(&b, "\n-- migrate:down%s\n", down_notx ? " transaction:false" : "");
	zdm_buf_adds(&b, down);
	step(c, ZDM_PLAN_MIGRATION, name, summary, b.data);
	zdm_buf_release(&b);
}

static const char *fmt(struct ctx *c, const char *f, ...) __attribute__((format(printf, 2, 3)));
static const char *fmt(struct ctx *c, const char *f, ...)
{
	struct zdm_buf b = ZDM_BUF_INIT;
	va_list ap;
	va_start(ap, f);
	zdm_buf_vaddf(&b, f, ap);
	va_end(ap);
	const char *r = zdm_arena_strdup(c->a, b.data ? b.data : "");
	zdm_buf_release(&b);
	return r;
}

static enum zdm_status need_ident(struct ctx *c, const char *s, const char *what, int qualified)
{
	if (!s || !*s)
		return zdm_error_set(c->err, ZDM_ERR_USAGE, "missing %s", what);
	if (!zdm_plan_ident_ok(s) || (!qualified && strchr(s, '.')))
		return zdm_error_set(c->err, ZDM_ERR_USAGE,
				     "%s '%.60s' is not a plain identifier (letters, digits and _, at most 63 bytes%s)",
				     what, s, qualified ? ", optionally schema.name" : "");
	return ZDM_OK;
}

static enum zdm_status need_args(struct ctx *c, size_t lo, size_t hi, const char *usage)
{
	if (c->req->nargs < lo || c->req->nargs > hi)
		return zdm_error_set(c->err, ZDM_ERR_USAGE, "usage: zdm plan %s", usage);
	return ZDM_OK;
}

/* A constant default: no function call (no parenthesis) and no parameter. */
static int constant_expr(enum zdm_dialect d, const char *e)
{
	size_t n = strlen(e), i = 0;
	while (i < n) {
		enum zdm_tk k;
		size_t len = zdm_lexer_token(d, e + i, n - i, 0, &k, NULL);
		if (k == ZDM_TK_LPAREN || k == ZDM_TK_PARAM)
			return 0;
		if (k == ZDM_TK_WORD && (zdm_strncaseeq(e + i, len, "current_timestamp") ||
					 zdm_strncaseeq(e + i, len, "current_date") ||
					 zdm_strncaseeq(e + i, len, "current_time")))
			return 0;
		i += len ? len : 1;
	}
	return 1;
}

/*
 * expr with every bare reference to column col written prefix.col
 * (NEW.col in a trigger).  Words after a '.' are left alone.
 */
static const char *rewrite_col(struct ctx *c, const char *expr, const char *col, const char *prefix)
{
	struct zdm_buf b = ZDM_BUF_INIT;
	size_t n = strlen(expr), i = 0, clen = strlen(col);
	enum zdm_tk prev = ZDM_TK_SPACE;
	while (i < n) {
		enum zdm_tk k;
		size_t len = zdm_lexer_token(c->d, expr + i, n - i, 0, &k, NULL);
		if (!len)
			len = 1;
		if (k == ZDM_TK_WORD && prev != ZDM_TK_DOT && len == clen &&
		    zdm_strncaseeq(expr + i, len, col)) {
			zdm_buf_adds(&b, prefix);
			zdm_buf_adds(&b, qi(c, col));
		} else {
			zdm_buf_add(&b, expr + i, len);
		}
		if (k != ZDM_TK_SPACE)
			prev = k;
		i += len;
	}
	const char *r = zdm_arena_strdup(c->a, b.data ? b.data : "");
	zdm_buf_release(&b);
	return r;
}

static const char *allow(const char *rule, const char *reason, char *buf, size_t n)
{
	snprintf(buf, n, "-- zdm:allow %s %s\n", rule, reason);
	return buf;
}

/* EXECUTE FUNCTION (PostgreSQL 11+) or EXECUTE PROCEDURE. */
static const char *exec_kw(struct ctx *c)
{
	return c->pgv >= 11 ? "FUNCTION" : "PROCEDURE";
}

static void deploy(struct ctx *c, const char *summary)
{
	step(c, ZDM_PLAN_DEPLOY, NULL, summary, NULL);
}

static void note(struct ctx *c, const char *summary, const char *text)
{
	step(c, ZDM_PLAN_NOTE, NULL, summary, text);
}

/* "zdm backfill ..." with the table and expressions shell-quoted. */
static void backfill(struct ctx *c, const char *table, const char *set, const char *where)
{
	struct zdm_buf b = ZDM_BUF_INIT;
	zdm_buf_adds(&b, "zdm backfill --table ");
	zdm_buf_adds(&b, table);
	const char *parts[2] = { set, where };
	const char *opts[2] = { " --set '", " --where '" };
	for (int k = 0; k < 2; k++) {
		zdm_buf_adds(&b, opts[k]);
		for (const char *s = parts[k]; *s; s++) {
			if (*s == '\'')
				zdm_buf_adds(&b, "'\\''");
			else
				zdm_buf_addc(&b, *s);
		}
		zdm_buf_addc(&b, '\'');
	}
	step(c, ZDM_PLAN_BACKFILL, NULL, "fill the existing rows in batches (each batch its own transaction)", b.data);
	zdm_buf_release(&b);
}

/* ---- add-column ------------------------------------------------------------------ */

static enum zdm_status plan_add_column(struct ctx *c)
{
	const struct zdm_plan_req *r = c->req;
	if (need_args(c, 3, 3, "add-column TABLE COLUMN TYPE [--not-null] [--default V]") ||
	    need_ident(c, r->args[0], "table", 1) || need_ident(c, r->args[1], "column", 0) ||
	    zdm_plan_check_expr(c->d, r->args[2], "TYPE", c->err) ||
	    (r->default_expr && zdm_plan_check_expr(c->d, r->default_expr, "--default", c->err)))
		return c->err->code;
	const char *T = qi(c, r->args[0]), *C = qi(c, r->args[1]), *ty = r->args[2];
	const char *tb = base(r->args[0]), *cb = r->args[1];
	const char *dflt = r->default_expr;
	int constant = dflt && constant_expr(c->d, dflt);
	int not_null = r->not_null || strcmp(r->recipe, "add-not-null-column") == 0;
	char al[256];
	const char *drop_reason = "rolling back removes the column this migration added";
	const char *name = raw(c, "add_%s_%s", tb, cb);
	c->p->title = fmt(c, "add column %s.%s %s%s", r->args[0], cb, ty, not_null ? " NOT NULL" : "");

	if (!c->pg) {  /* SQLite */
		if (dflt && !constant)
			return zdm_error_set(c->err, ZDM_ERR_USAGE,
					     "SQLite cannot add a column with a non-constant default ('%.60s'): add it without --default and fill it from the application or a trigger", dflt);
		const char *down = fmt(c, "%sALTER TABLE %s DROP COLUMN %s;\n",
				       allow("ban-drop-column,sqlite-table-rebuild", drop_reason, al, sizeof al), T, C);
		if (!not_null || dflt) {
			const char *up = fmt(c, "ALTER TABLE %s ADD COLUMN %s %s%s%s%s;\n", T, C, ty,
					     not_null ? " NOT NULL" : "", dflt ? " DEFAULT " : "", dflt ? dflt : "");
			migration(c, name, fmt(c, "add %s.%s (schema text only: instant)", tb, cb), 0, up, 0, down);
			return ZDM_OK;
		}
		/* NOT NULL without a default: nullable column, backfill, triggers. */
		migration(c, name, fmt(c, "add %s.%s as a nullable column", tb, cb), 0,
			  fmt(c, "ALTER TABLE %s ADD COLUMN %s %s;\n", T, C, ty), 0, down);
		deploy(c, fmt(c, "the application writes %s.%s on every insert and update", tb, cb));
		backfill(c, r->args[0], fmt(c, "%s = <value>", cb), fmt(c, "%s IS NULL", cb));
		const char *ti = derived(c, "%s_%s_not_null_insert", tb, cb);
		const char *tu = derived(c, "%s_%s_not_null_update", tb, cb);
		const char *msg = fmt(c, "%s.%s may not be NULL", tb, cb);
		migration(c, raw(c, "%s_%s_not_null", tb, cb),
			  fmt(c, "reject NULL in %s.%s with triggers (SQLite has no SET NOT NULL)", tb, cb), 0,
			  fmt(c, "CREATE TRIGGER %s BEFORE INSERT ON %s\nWHEN NEW.%s IS NULL\nBEGIN SELECT RAISE(ABORT, '%s'); END;\n\n"
			      "CREATE TRIGGER %s BEFORE UPDATE OF %s ON %s\nWHEN NEW.%s IS NULL\nBEGIN SELECT RAISE(ABORT, '%s'); END;\n",
			      ti, T, C, msg, tu, C, T, C, msg),
			  0, fmt(c, "DROP TRIGGER IF EXISTS %s;\nDROP TRIGGER IF EXISTS %s;\n", tu, ti));
		note(c, "the catalog still shows the column as nullable; the triggers enforce the rule, a table rebuild (databases.md) makes it a real NOT NULL", NULL);
		return ZDM_OK;
	}

	/* PostgreSQL */
	const char *down = fmt(c, "%sALTER TABLE %s DROP COLUMN IF EXISTS %s;\n",
			       allow("ban-drop-column", drop_reason, al, sizeof al), T, C);
	if (!not_null) {
		if (dflt && !(constant && c->pgv >= 11)) {
			migration(c, name, fmt(c, "add %s.%s; new rows get the default", tb, cb), 0,
				  fmt(c, "ALTER TABLE %s ADD COLUMN %s %s;\nALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n",
				      T, C, ty, T, C, dflt), 0, down);
			backfill(c, r->args[0], fmt(c, "%s = %s", cb, dflt), fmt(c, "%s IS NULL", cb));
			return ZDM_OK;
		}
		migration(c, name, fmt(c, "add %s.%s (metadata only)", tb, cb), 0,
			  fmt(c, "ALTER TABLE %s ADD COLUMN %s %s%s%s;\n", T, C, ty,
			      dflt ? " DEFAULT " : "", dflt ? dflt : ""), 0, down);
		return ZDM_OK;
	}
	if (dflt && constant && c->pgv >= 11) {
		migration(c, name, fmt(c, "add %s.%s NOT NULL with a constant default: metadata only, nothing to backfill", tb, cb), 0,
			  fmt(c, "ALTER TABLE %s ADD COLUMN %s %s DEFAULT %s NOT NULL;\n", T, C, ty, dflt), 0, down);
		note(c, "PostgreSQL 11+ stores a constant default in the catalog: existing rows read it at once, so there is no backfill", NULL);
		return ZDM_OK;
	}
	const char *up1 = dflt ?
		fmt(c, "ALTER TABLE %s ADD COLUMN %s %s;\nALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n", T, C, ty, T, C, dflt) :
		fmt(c, "ALTER TABLE %s ADD COLUMN %s %s;\n", T, C, ty);
	migration(c, name, fmt(c, "add %s.%s as a nullable column%s", tb, cb, dflt ? "; new rows get the default" : ""),
		  0, up1, 0, down);
	if (!dflt)
		deploy(c, fmt(c, "the application writes %s.%s on every insert and update", tb, cb));
	backfill(c, r->args[0], fmt(c, "%s = %s", cb, dflt ? dflt : "<value>"), fmt(c, "%s IS NULL", cb));
	step(c, ZDM_PLAN_CHECK, NULL, "no NULL is left (VALIDATE fails otherwise)",
	     fmt(c, "SELECT count(*) FROM %s WHERE %s IS NULL;", T, C));
	const char *K = derived(c, "%s_%s_not_null", tb, cb);
	char al2[256];
	migration(c, raw(c, "%s_%s_not_null_check", tb, cb),
		  fmt(c, "CHECK (%s IS NOT NULL) NOT VALID: brief lock, no scan", cb), 0,
		  fmt(c, "ALTER TABLE %s ADD CONSTRAINT %s\n    CHECK (%s IS NOT NULL) NOT VALID;\n", T, K, C), 0,
		  fmt(c, "%sALTER TABLE %s DROP CONSTRAINT IF EXISTS %s;\n",
		      allow("dropping-constraint", "rolling back removes the check this migration added", al2, sizeof al2), T, K));
	migration(c, raw(c, "%s_%s_not_null_validate", tb, cb),
		  "VALIDATE the check in its own transaction: scans under SHARE UPDATE EXCLUSIVE, reads and writes go on", 0,
		  fmt(c, "ALTER TABLE %s VALIDATE CONSTRAINT %s;\n", T, K), 0,
		  fmt(c, "-- back to the state the previous migration left: the check NOT VALID (no scan)\n"
			 "-- zdm:allow dropping-constraint the same check is added back NOT VALID in this transaction\n"
			 "ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s;\n"
			 "ALTER TABLE %s ADD CONSTRAINT %s\n    CHECK (%s IS NOT NULL) NOT VALID;\n", T, K, T, K, C));
	if (c->pgv < 12) {
		note(c, "PostgreSQL 11 and older: SET NOT NULL always scans under ACCESS EXCLUSIVE; keep the validated CHECK as the constraint (it rejects NULL as well), or run SET NOT NULL in a quiet period with lock_timeout", NULL);
		return ZDM_OK;
	}
	migration(c, raw(c, "%s_%s_set_not_null", tb, cb),
		  "SET NOT NULL: the valid check proves it, so no scan", 0,
		  fmt(c, "-- zdm:allow setting-not-null the CHECK validated by the previous migration proves it: no scan (PostgreSQL 12+)\n"
			 "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;\n", T, C), 0,
		  fmt(c, "%sALTER TABLE %s ALTER COLUMN %s DROP NOT NULL;\n",
		      allow("dropping-not-null", "rolling back restores the column as it was before this migration", al2, sizeof al2), T, C));
	migration(c, raw(c, "%s_%s_drop_not_null_check", tb, cb),
		  "drop the check, redundant once the column is NOT NULL (optional)", 0,
		  fmt(c, "-- zdm:allow dropping-constraint the check is redundant once the column is NOT NULL\n"
			 "ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s;\n", T, K), 0,
		  fmt(c, "-- a rollback restores the validated check: it scans the table under the\n"
			 "-- ALTER's ACCESS EXCLUSIVE lock (it cannot fail: the column is NOT NULL)\n"
			 "-- zdm:allow adding-check-constraint rollback only: the column is already NOT NULL\n"
			 "ALTER TABLE %s ADD CONSTRAINT %s\n    CHECK (%s IS NOT NULL);\n", T, K, C));
	return ZDM_OK;
}

/* ---- rename-column and change-type: the six phases ---------------------------------- */

/*
 * Phases 1-2 (expand and dual write), 3 (backfill), 4-5 (deploys) and 6
 * (contract) for a new column nw next to old.  conv is the new value in
 * terms of the old column (NULL: a plain copy, synced both ways).
 */
static enum zdm_status six_phases(struct ctx *c, const char *table, const char *old,
				  const char *nw, const char *newtype, const char *oldtype,
				  const char *conv)
{
	const char *T = qi(c, table), *O = qi(c, old), *N = qi(c, nw);
	const char *tb = base(table);
	char al[256], al2[256], al3[256];
	const char *fn = derived(c, "%s_sync_%s", tb, old);
	const char *fnq = fmt(c, "%s%s", schema_prefix(c, table), fn);
	const char *newconv = conv ? rewrite_col(c, conv, old, "NEW.") : NULL;
	const char *add_new, *add_old;

	if (c->pg) {
		const char *lit = fmt(c, "'%s'", T); /* names are plain: no quote inside */
		add_new = newtype ? fmt(c, "ALTER TABLE %s ADD COLUMN %s %s;\n", T, N, newtype) :
			fmt(c, "-- the new column gets the old one's type (give --type to write it out)\n"
			       "DO $$\nBEGIN\n    EXECUTE format('ALTER TABLE %%s ADD COLUMN %%I %%s', %s::regclass, '%s',\n"
			       "        (SELECT format_type(atttypid, atttypmod) FROM pg_attribute\n"
			       "         WHERE attrelid = %s::regclass AND attname = '%s'));\nEND $$;\n",
			    lit, nw, lit, old);
		add_old = oldtype ? fmt(c, "ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s;\n", T, O, oldtype) :
			fmt(c, "DO $$\nBEGIN\n    EXECUTE format('ALTER TABLE %%s ADD COLUMN IF NOT EXISTS %%I %%s', %s::regclass, '%s',\n"
			       "        (SELECT format_type(atttypid, atttypmod) FROM pg_attribute\n"
			       "         WHERE attrelid = %s::regclass AND attname = '%s'));\nEND $$;\n",
			    lit, old, lit, nw);
		const char *body = conv ?
			fmt(c, "BEGIN\n    IF TG_OP = 'INSERT' THEN\n        IF NEW.%s IS NOT NULL THEN\n            NEW.%s := %s;\n        END IF;\n"
			       "    ELSIF NEW.%s IS DISTINCT FROM OLD.%s THEN\n        NEW.%s := %s;\n    END IF;\n    RETURN NEW;\nEND",
			    O, N, newconv, O, O, N, newconv) :
			fmt(c, "BEGIN\n    IF TG_OP = 'INSERT' THEN\n        NEW.%s := COALESCE(NEW.%s, NEW.%s);\n        NEW.%s := COALESCE(NEW.%s, NEW.%s);\n"
			       "    ELSIF NEW.%s IS DISTINCT FROM OLD.%s THEN\n        NEW.%s := NEW.%s;\n"
			       "    ELSIF NEW.%s IS DISTINCT FROM OLD.%s THEN\n        NEW.%s := NEW.%s;\n    END IF;\n    RETURN NEW;\nEND",
			    N, N, O, O, O, N, O, O, N, O, N, N, O, N);
		const char *func = fmt(c, "CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$\n%s $$;\n", fnq, body);
		const char *trig = fmt(c, "%sCREATE TRIGGER %s BEFORE INSERT OR UPDATE ON %s\n    FOR EACH ROW EXECUTE %s %s();\n",
				       allow("creating-trigger", "the dual-write trigger of the expand phase: a brief SHARE ROW EXCLUSIVE lock (run with lock_timeout)", al, sizeof al),
				       fn, T, exec_kw(c), fnq);
		migration(c, raw(c, "%s_%s_expand", tb, nw),
			  fmt(c, "phases 1-2: add %s.%s and a trigger that keeps it in sync with %s", tb, nw, old), 0,
			  fmt(c, "%s\n%s\n%s", add_new, func, trig), 0,
			  fmt(c, "DROP TRIGGER IF EXISTS %s ON %s;\nDROP FUNCTION IF EXISTS %s();\n%sALTER TABLE %s DROP COLUMN IF EXISTS %s;\n",
			      fn, T, fnq, allow("ban-drop-column", "rolling back removes the column this migration added", al2, sizeof al2), T, N));
		backfill(c, table, fmt(c, "%s = %s", nw, conv ? conv : old),
			 fmt(c, "%s IS DISTINCT FROM %s%s%s", nw, conv ? "(" : "", conv ? conv : old, conv ? ")" : ""));
		note(c, fmt(c, "phase 3 also: give %s the constraints and indexes %s has (NOT NULL via zdm plan add-not-null-column, indexes via zdm plan add-index)", nw, old), NULL);
		deploy(c, fmt(c, "phase 4: the application reads %s.%s (%s still kept current by the trigger%s)", tb, nw, old,
			      conv ? " for rows written by the previous release" : ""));
		deploy(c, fmt(c, "phase 5: the application writes only %s and no longer names %s anywhere (make the ORM ignore it)%s", nw, old,
			      conv ? fmt(c, "; %s must be nullable or have a default by then", old) : ""));
		migration(c, raw(c, "%s_%s_contract", tb, old),
			  fmt(c, "phase 6: drop the trigger and %s.%s", tb, old), 0,
			  fmt(c, "DROP TRIGGER IF EXISTS %s ON %s;\nDROP FUNCTION IF EXISTS %s();\n%sALTER TABLE %s DROP COLUMN IF EXISTS %s;\n",
			      fn, T, fnq, allow("ban-drop-column", "phase 6: the deploys of phases 4-5 stopped every use of the old column", al3, sizeof al3), T, O),
			  0,
			  fmt(c, "-- structure only: the old values are gone; refill with\n-- zdm backfill --table %s --set '%s = %s'\n%s\n%s\n%s",
			      table, old, nw, add_old, func, trig));
	} else {
		/* SQLite: AFTER triggers that update the row (NEW cannot be assigned). */
		const char *ti = derived(c, "%s_sync_%s_insert", tb, old);
		const char *to = derived(c, "%s_sync_%s_old", tb, old);
		const char *tn = derived(c, "%s_sync_%s_new", tb, old);
		const char *sconv = conv ? rewrite_col(c, conv, old, "NEW.") : NULL;
		add_new = fmt(c, "ALTER TABLE %s ADD COLUMN %s%s%s;\n", T, N, newtype ? " " : "", newtype ? newtype : "");
		add_old = fmt(c, "ALTER TABLE %s ADD COLUMN %s%s%s;\n", T, O, oldtype ? " " : "", oldtype ? oldtype : "");
		const char *trig = conv ?
			fmt(c, "CREATE TRIGGER %s AFTER INSERT ON %s\nWHEN NEW.%s IS NOT NULL AND NEW.%s IS NULL\n"
			       "BEGIN UPDATE %s SET %s = %s WHERE rowid = NEW.rowid; END;\n\n"
			       "CREATE TRIGGER %s AFTER UPDATE OF %s ON %s\nWHEN NEW.%s IS NOT OLD.%s\n"
			       "BEGIN UPDATE %s SET %s = %s WHERE rowid = NEW.rowid; END;\n",
			    ti, T, O, N, T, N, sconv, to, O, T, O, O, T, N, sconv) :
			fmt(c, "CREATE TRIGGER %s AFTER INSERT ON %s\nBEGIN\n    UPDATE %s\n    SET %s = COALESCE(NEW.%s, NEW.%s),\n        %s = COALESCE(NEW.%s, NEW.%s)\n    WHERE rowid = NEW.rowid;\nEND;\n\n"
			       "CREATE TRIGGER %s AFTER UPDATE OF %s ON %s\nWHEN NEW.%s IS NOT OLD.%s\nBEGIN UPDATE %s SET %s = NEW.%s WHERE rowid = NEW.rowid; END;\n\n"
			       "CREATE TRIGGER %s AFTER UPDATE OF %s ON %s\nWHEN NEW.%s IS NOT OLD.%s\nBEGIN UPDATE %s SET %s = NEW.%s WHERE rowid = NEW.rowid; END;\n",
			    ti, T, T, N, N, O, O, O, N,
			    to, O, T, O, O, T, N, O,
			    tn, N, T, N, N, T, O, N);
		const char *drops = fmt(c, "DROP TRIGGER IF EXISTS %s;\nDROP TRIGGER IF EXISTS %s;\n%s", ti, to,
					conv ? "" : fmt(c, "DROP TRIGGER IF EXISTS %s;\n", tn));
		migration(c, raw(c, "%s_%s_expand", tb, nw),
			  fmt(c, "phases 1-2: add %s.%s and triggers that keep it in sync with %s", tb, nw, old), 0,
			  fmt(c, "%s\n%s", add_new, trig), 0,
			  fmt(c, "%s%sALTER TABLE %s DROP COLUMN %s;\n", drops,
			      allow("ban-drop-column,sqlite-table-rebuild", "rolling back removes the column this migration added", al2, sizeof al2), T, N));
		backfill(c, table, fmt(c, "%s = %s", nw, conv ? conv : old),
			 fmt(c, "%s IS NOT %s%s%s", nw, conv ? "(" : "", conv ? conv : old, conv ? ")" : ""));
		note(c, fmt(c, "phase 3 also: give %s the indexes %s has", nw, old), NULL);
		deploy(c, fmt(c, "phase 4: the application reads %s.%s", tb, nw));
		deploy(c, fmt(c, "phase 5: the application writes only %s and no longer names %s", nw, old));
		migration(c, raw(c, "%s_%s_contract", tb, old),
			  fmt(c, "phase 6: drop the triggers and %s.%s (SQLite rewrites the table to drop a column)", tb, old), 0,
			  fmt(c, "%s%sALTER TABLE %s DROP COLUMN %s;\n", drops,
			      allow("ban-drop-column,sqlite-table-rebuild", "phase 6: the deploys of phases 4-5 stopped every use of the old column; SQLite rewrites the table, run it when writes are quiet", al3, sizeof al3), T, O),
			  0, fmt(c, "-- structure only: the old values are gone\n%s\n%s", add_old, trig));
		note(c, "SQLite refuses to drop a column that is indexed, UNIQUE, a PRIMARY KEY, or used by a view or CHECK: drop those first", NULL);
	}
	return ZDM_OK;
}

static enum zdm_status plan_rename_column(struct ctx *c)
{
	const struct zdm_plan_req *r = c->req;
	if (need_args(c, 3, 3, "rename-column TABLE OLD NEW [--type TYPE]") ||
	    need_ident(c, r->args[0], "table", 1) || need_ident(c, r->args[1], "column", 0) ||
	    need_ident(c, r->args[2], "new column", 0) ||
	    (r->type && zdm_plan_check_expr(c->d, r->type, "--type", c->err)))
		return c->err->code;
	if (strcmp(r->args[1], r->args[2]) == 0)
		return zdm_error_set(c->err, ZDM_ERR_USAGE, "the old and new names are the same");
	c->p->title = fmt(c, "rename column %s.%s to %s", r->args[0], r->args[1], r->args[2]);
	return six_phases(c, r->args[0], r->args[1], r->args[2], r->type, r->type, NULL);
}

static enum zdm_status plan_change_type(struct ctx *c)
{
	const struct zdm_plan_req *r = c->req;
	if (need_args(c, 3, 3, "change-type TABLE COLUMN NEWTYPE [--using EXPR] [--new-name N] [--type OLDTYPE]") ||
	    need_ident(c, r->args[0], "table", 1) || need_ident(c, r->args[1], "column", 0) ||
	    zdm_plan_check_expr(c->d, r->args[2], "NEWTYPE", c->err) ||
	    (r->using_expr && zdm_plan_check_expr(c->d, r->using_expr, "--using", c->err)) ||
	    (r->type && zdm_plan_check_expr(c->d, r->type, "--type", c->err)))
		return c->err->code;
	const char *nw = r->new_name ? r->new_name : raw(c, "%s_new", r->args[1]);
	if (need_ident(c, nw, "--new-name", 0))
		return c->err->code;
	c->p->title = fmt(c, "change the type of %s.%s to %s (new column %s)", r->args[0], r->args[1], r->args[2], nw);
	enum zdm_status st = six_phases(c, r->args[0], r->args[1], nw, r->args[2], r->type, r->using_expr);
	if (!st && !r->type)
		note(c, fmt(c, "the contract's down section re-adds %s with the new type: give --type OLDTYPE to restore the old one", r->args[1]), NULL);
	if (!st && !r->new_name)
		note(c, fmt(c, "the new column is named %s; to take the old name back afterwards: zdm plan rename-column %s %s %s",
			    nw, r->args[0], nw, r->args[1]), NULL);
	return st;
}

/* ---- indexes and constraints ---------------------------------------------------- */

/* Parse "a,b" or "(a, b)" into a quoted list and a name part "a_b". */
static enum zdm_status columns(struct ctx *c, const char *spec, const char **list, const char **namepart)
{
	struct zdm_buf q = ZDM_BUF_INIT, n = ZDM_BUF_INIT;
	const char *s = spec;
	while (*s == ' ' || *s == '(')
		s++;
	size_t end = strlen(s);
	while (end && (s[end - 1] == ' ' || s[end - 1] == ')'))
		end--;
	char *copy = zdm_arena_strndup(c->a, s, end);
	int count = 0;
	for (char *tok = copy, *next; tok; tok = next) {
		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		while (*tok == ' ')
			tok++;
		size_t l = strlen(tok);
		while (l && tok[l - 1] == ' ')
			tok[--l] = '\0';
		if (need_ident(c, tok, "column", 0)) {
			zdm_buf_release(&q);
			zdm_buf_release(&n);
			return c->err->code;
		}
		if (count++) {
			zdm_buf_adds(&q, ", ");
			zdm_buf_addc(&n, '_');
		}
		zdm_plan_quote_ident(&q, tok);
		zdm_buf_adds(&n, tok);
	}
	*list = zdm_arena_strdup(c->a, q.data);
	*namepart = zdm_arena_strdup(c->a, n.data);
	zdm_buf_release(&q);
	zdm_buf_release(&n);
	return ZDM_OK;
}

static const char *invalid_index_query =
	"SELECT n.nspname, c.relname\nFROM pg_index i\nJOIN pg_class c ON c.oid = i.indexrelid\n"
	"JOIN pg_namespace n ON n.oid = c.relnamespace\nWHERE NOT i.indisvalid;";

static enum zdm_status plan_add_index(struct ctx *c)
{
	const struct zdm_plan_req *r = c->req;
	const char *cols, *np;
	if (need_args(c, 2, 2, "add-index TABLE COLUMNS [--unique] [--name NAME]") ||
	    need_ident(c, r->args[0], "table", 1) || columns(c, r->args[1], &cols, &np) ||
	    (r->name && need_ident(c, r->name, "--name", 0)))
		return c->err->code;
	const char *T = qi(c, r->args[0]), *tb = base(r->args[0]);
	const char *I = r->name ? qi(c, r->name) : derived(c, "%s_%s_%s", tb, np, r->unique ? "key" : "idx");
	const char *Iq = fmt(c, "%s%s", schema_prefix(c, r->args[0]), I);
	const char *U = r->unique ? "UNIQUE " : "";
	char al[256];
	c->p->title = fmt(c, "add %sindex on %s (%s)", U, r->args[0], cols);
	if (!c->pg) {
		migration(c, raw(c, "add_index_%s_%s", tb, np), fmt(c, "create %sindex %s", U, I), 0,
			  fmt(c, "%sCREATE %sINDEX IF NOT EXISTS %s ON %s (%s);\n",
			      allow("sqlite-create-index", "SQLite has no concurrent build: run this when writes are quiet", al, sizeof al), U, Iq, T, cols), 0,
			  fmt(c, "DROP INDEX IF EXISTS %s;\n", Iq));
		note(c, "SQLite has no concurrent build: CREATE INDEX holds the database's write lock for the whole build (WAL readers go on); on a large, write-busy database run it when writes are quiet", NULL);
		return ZDM_OK;
	}
	if (r->unique)
		step(c, ZDM_PLAN_CHECK, NULL, "no duplicates (the build fails on them and leaves an INVALID index)",
		     fmt(c, "SELECT %s, count(*) FROM %s GROUP BY %s HAVING count(*) > 1;", cols, T, cols));
	migration(c, raw(c, "add_index_%s_%s", tb, np),
		  fmt(c, "build %sindex %s CONCURRENTLY, alone in a file outside a transaction", U, I), 1,
		  fmt(c, "CREATE %sINDEX CONCURRENTLY IF NOT EXISTS %s ON %s (%s);\n", U, I, T, cols), 1,
		  fmt(c, "DROP INDEX CONCURRENTLY IF EXISTS %s;\n", Iq));
	step(c, ZDM_PLAN_CHECK, NULL,
	     fmt(c, "after it: no INVALID index is left (a failed build leaves one, and IF NOT EXISTS then skips the retry: DROP INDEX CONCURRENTLY IF EXISTS %s first)", Iq),
	     invalid_index_query);
	if (c->pgv == 14)
		note(c, "PostgreSQL 14.0-14.3 can corrupt indexes built CONCURRENTLY: run 14.4 or later", NULL);
	return ZDM_OK;
}

static enum zdm_status plan_add_unique(struct ctx *c)
{
	const struct zdm_plan_req *r = c->req;
	const char *cols, *np;
	if (need_args(c, 2, 2, "add-unique TABLE COLUMNS [--name NAME]") ||
	    need_ident(c, r->args[0], "table", 1) || columns(c, r->args[1], &cols, &np) ||
	    (r->name && need_ident(c, r->name, "--name", 0)))
		return c->err->code;
	if (!c->pg) {
		struct zdm_plan_req r2 = *r;
		r2.unique = 1;
		c->req = &r2;
		enum zdm_status st = plan_add_index(c);
		c->req = r;
		if (!st)
			note(c, "SQLite cannot add a constraint to an existing table: the unique index enforces the same rule", NULL);
		return st;
	}
	const char *T = qi(c, r->args[0]), *tb = base(r->args[0]);
	const char *K = r->name ? qi(c, r->name) : derived(c, "%s_%s_key", tb, np);
	const char *Kq = fmt(c, "%s%s", schema_prefix(c, r->args[0]), K);
	char al[256];
	c->p->title = fmt(c, "add UNIQUE (%s) to %s", cols, r->args[0]);
	step(c, ZDM_PLAN_CHECK, NULL, "no duplicates (the build fails on them and leaves an INVALID index)",
	     fmt(c, "SELECT %s, count(*) FROM %s GROUP BY %s HAVING count(*) > 1;", cols, T, cols));
	migration(c, raw(c, "add_unique_index_%s_%s", tb, np),
		  fmt(c, "build the unique index %s CONCURRENTLY, outside a transaction", K), 1,
		  fmt(c, "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS %s ON %s (%s);\n", K, T, cols), 1,
		  fmt(c, "DROP INDEX CONCURRENTLY IF EXISTS %s;\n", Kq));
	step(c, ZDM_PLAN_CHECK, NULL, "after it: the index is valid (drop an INVALID one and retry)", invalid_index_query);
	migration(c, raw(c, "add_unique_%s_%s", tb, np),
		  fmt(c, "attach the index as constraint %s: metadata only", K), 0,
		  fmt(c, "ALTER TABLE %s ADD CONSTRAINT %s UNIQUE USING INDEX %s;\n", T, K, K), 0,
		  fmt(c, "-- dropping the constraint drops its index too: build it again, as the\n"
			 "-- previous migration left it.  CONCURRENTLY cannot run in this transaction,\n"
			 "-- so writes to %s wait while the index builds during a rollback.\n"
			 "%sALTER TABLE %s DROP CONSTRAINT IF EXISTS %s;\n"
			 "-- zdm:allow require-concurrent-index-creation rollback only: restores the index the constraint took with it\n"
			 "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (%s);\n",
		      tb, allow("dropping-constraint", "rolling back removes the constraint this migration added", al, sizeof al), T, K,
		      K, T, cols));
	return ZDM_OK;
}

static enum zdm_status plan_add_foreign_key(struct ctx *c)
{
	const struct zdm_plan_req *r = c->req;
	if (need_args(c, 3, 4, "add-foreign-key TABLE COLUMN REFTABLE [REFCOLUMN] [--name NAME]") ||
	    need_ident(c, r->args[0], "table", 1) || need_ident(c, r->args[1], "column", 0) ||
	    need_ident(c, r->args[2], "referenced table", 1) ||
	    (r->nargs == 4 && need_ident(c, r->args[3], "referenced column", 0)) ||
	    (r->name && need_ident(c, r->name, "--name", 0)))
		return c->err->code;
	if (!c->pg)
		return zdm_error_set(c->err, ZDM_ERR_USAGE,
				     "SQLite cannot add a foreign key to an existing table: rebuild the table (references/databases.md), or add a new column with ADD COLUMN ... REFERENCES and a NULL default");
	const char *T = qi(c, r->args[0]), *C = qi(c, r->args[1]), *R = qi(c, r->args[2]);
	const char *refcol = r->nargs == 4 ? r->args[3] : "id";
	const char *RC = qi(c, refcol), *tb = base(r->args[0]);
	const char *K = r->name ? qi(c, r->name) : derived(c, "%s_%s_fkey", tb, r->args[1]);
	char al[256];
	c->p->title = fmt(c, "add foreign key %s.%s -> %s.%s", r->args[0], r->args[1], r->args[2], refcol);
	step(c, ZDM_PLAN_CHECK, NULL, "no orphans (VALIDATE fails on them)",
	     fmt(c, "SELECT o.%s FROM %s o LEFT JOIN %s r ON r.%s = o.%s\nWHERE o.%s IS NOT NULL AND r.%s IS NULL LIMIT 10;",
		 C, T, R, RC, C, C, RC));
	migration(c, raw(c, "add_fk_%s_%s", tb, r->args[1]),
		  "the foreign key NOT VALID: checks new writes, brief lock on both tables, no scan", 0,
		  fmt(c, "ALTER TABLE %s ADD CONSTRAINT %s\n    FOREIGN KEY (%s) REFERENCES %s (%s) NOT VALID;\n", T, K, C, R, RC), 0,
		  fmt(c, "%sALTER TABLE %s DROP CONSTRAINT IF EXISTS %s;\n",
		      allow("dropping-constraint", "rolling back removes the foreign key this migration added", al, sizeof al), T, K));
	migration(c, raw(c, "validate_fk_%s_%s", tb, r->args[1]),
		  "VALIDATE in its own transaction: scans under SHARE UPDATE EXCLUSIVE, writes go on", 0,
		  fmt(c, "ALTER TABLE %s VALIDATE CONSTRAINT %s;\n", T, K), 0,
		  fmt(c, "-- back to the state the previous migration left: the foreign key NOT VALID (no scan)\n"
			 "-- zdm:allow dropping-constraint the same foreign key is added back NOT VALID in this transaction\n"
			 "ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s;\n"
			 "ALTER TABLE %s ADD CONSTRAINT %s\n    FOREIGN KEY (%s) REFERENCES %s (%s) NOT VALID;\n",
		      T, K, T, K, C, R, RC));
	note(c, fmt(c, "index the referencing column if it has none, or every delete on %s scans %s: zdm plan add-index %s %s",
		    r->args[2], r->args[0], r->args[0], r->args[1]), NULL);
	return ZDM_OK;
}

/* ---- drop-column, rename-table ------------------------------------------------------- */

static enum zdm_status plan_drop_column(struct ctx *c)
{
	const struct zdm_plan_req *r = c->req;
	if (need_args(c, 2, 2, "drop-column TABLE COLUMN [--type TYPE]") ||
	    need_ident(c, r->args[0], "table", 1) || need_ident(c, r->args[1], "column", 0) ||
	    (r->type && zdm_plan_check_expr(c->d, r->type, "--type", c->err)))
		return c->err->code;
	const char *T = qi(c, r->args[0]), *C = qi(c, r->args[1]), *tb = base(r->args[0]);
	const char *ty = r->type ? r->type : "text";
	char al[256];
	c->p->title = fmt(c, "drop column %s.%s", r->args[0], r->args[1]);
	note(c, fmt(c, "if %s is NOT NULL without a default, make it nullable first (its own migration: ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL), or the next deploy fails on every insert",
		    r->args[1], T, C), NULL);
	deploy(c, fmt(c, "the application stops reading and writing %s.%s and the ORM forgets it; every instance (web, workers, jobs) runs that release", tb, r->args[1]));
	step(c, ZDM_PLAN_CHECK, NULL, "keep the data if anyone may want it (a down section cannot bring it back)",
	     fmt(c, "CREATE TABLE %s AS SELECT * FROM %s;", derived(c, "%s_%s_backup", tb, r->args[1]), T));
	const char *reason = "the deploy before this migration stopped every use of the column";
	if (c->pg)
		migration(c, raw(c, "drop_%s_%s", tb, r->args[1]), fmt(c, "drop %s.%s (metadata only)", tb, r->args[1]), 0,
			  fmt(c, "%sALTER TABLE %s DROP COLUMN IF EXISTS %s;\n", allow("ban-drop-column", reason, al, sizeof al), T, C), 0,
			  fmt(c, "-- structure only: the data is gone\nALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s;\n", T, C, ty));
	else
		migration(c, raw(c, "drop_%s_%s", tb, r->args[1]), fmt(c, "drop %s.%s (SQLite rewrites the table)", tb, r->args[1]), 0,
			  fmt(c, "%sALTER TABLE %s DROP COLUMN %s;\n", allow("ban-drop-column,sqlite-table-rebuild",
			      "the deploy before this migration stopped every use of the column; SQLite rewrites the table, run it when writes are quiet", al, sizeof al), T, C), 0,
			  fmt(c, "-- structure only: the data is gone\nALTER TABLE %s ADD COLUMN %s %s;\n", T, C, ty));
	if (!r->type)
		note(c, "the down section re-adds the column as text: give --type to restore its real type", NULL);
	return ZDM_OK;
}

static enum zdm_status plan_rename_table(struct ctx *c)
{
	const struct zdm_plan_req *r = c->req;
	if (need_args(c, 2, 2, "rename-table OLD NEW") || need_ident(c, r->args[0], "table", 1) ||
	    need_ident(c, r->args[1], "new table name", 0))
		return c->err->code;
	const char *O = qi(c, r->args[0]), *ob = base(r->args[0]);
	const char *Nb = qi(c, r->args[1]);
	const char *N = fmt(c, "%s%s", schema_prefix(c, r->args[0]), Nb);
	char al[256], al2[256];
	c->p->title = fmt(c, "rename table %s to %s", r->args[0], r->args[1]);
	const char *why = "a view keeps the old name working until the code has moved";
	migration(c, raw(c, "rename_%s_to_%s", ob, r->args[1]),
		  fmt(c, "rename %s to %s and leave a view named %s", ob, r->args[1], ob), 0,
		  fmt(c, "%sALTER TABLE %s RENAME TO %s;\nCREATE VIEW %s AS SELECT * FROM %s;\n",
		      allow("renaming-table", why, al, sizeof al), O, Nb, O, N), 0,
		  fmt(c, "DROP VIEW IF EXISTS %s;\n%sALTER TABLE %s RENAME TO %s;\n", O,
		      allow("renaming-table", "rolling back restores the old name", al2, sizeof al2), N, ob));
	if (!c->pg)
		note(c, "SQLite views are read-only: until the deploy, writers through the old name fail unless you add INSTEAD OF triggers on the view; if the application is the only client and migrations run while it is stopped, rename in the same release instead", NULL);
	else
		note(c, "a single-table view is updatable: INSERT, UPDATE, DELETE through the old name keep working; do not add or drop columns during the transition (SELECT * was expanded when the view was created)", NULL);
	deploy(c, fmt(c, "the application uses %s everywhere", r->args[1]));
	migration(c, raw(c, "drop_view_%s", ob), fmt(c, "drop the transition view %s", ob), 0,
		  fmt(c, "DROP VIEW IF EXISTS %s;\n", O), 0,
		  fmt(c, "CREATE VIEW %s AS SELECT * FROM %s;\n", O, N));
	return ZDM_OK;
}

/* ---- entry points ------------------------------------------------------------------- */

static const struct {
	const char *name;
	enum zdm_status (*fn)(struct ctx *c);
	const char *mysql_page;
} recipes[] = {
	{ "add-column", plan_add_column, "add-column.md" },
	{ "add-not-null-column", plan_add_column, "not-null.md" },
	{ "rename-column", plan_rename_column, "rename-column.md" },
	{ "change-type", plan_change_type, "change-type.md" },
	{ "add-index", plan_add_index, "indexes.md" },
	{ "drop-column", plan_drop_column, "remove-column.md" },
	{ "add-foreign-key", plan_add_foreign_key, "constraints-and-foreign-keys.md" },
	{ "add-unique", plan_add_unique, "constraints-and-foreign-keys.md" },
	{ "rename-table", plan_rename_table, "rename-table.md" },
};

enum zdm_status zdm_plan_build(const struct zdm_plan_req *req, struct zdm_plan *out,
			       struct zdm_error *err)
{
	struct ctx c = { req, out, &out->arena, req->dialect,
			 req->pg_version ? req->pg_version : ZDM_PG_VERSION_DEFAULT,
			 req->dialect == ZDM_DIALECT_POSTGRES, err };
	if (!req->recipe)
		return zdm_error_set(err, ZDM_ERR_USAGE, "missing recipe");
	for (size_t i = 0; i < sizeof recipes / sizeof recipes[0]; i++) {
		if (strcmp(recipes[i].name, req->recipe) != 0)
			continue;
		if (req->dialect == ZDM_DIALECT_MYSQL)
			return zdm_error_set(err, ZDM_ERR_USAGE,
					     "zdm plan %s does not support MySQL yet: see skills/zero-downtime-migrations/references/%s for the MySQL way (ALGORITHM=INSTANT/INPLACE, LOCK=NONE, or gh-ost)",
					     req->recipe, recipes[i].mysql_page);
		for (size_t k = 0; k < req->nargs; k++)
			if (!req->args[k])
				return zdm_error_set(err, ZDM_ERR_USAGE, "missing argument");
		enum zdm_status st = recipes[i].fn(&c);
		if (st) {
			zdm_plan_release(out);
			*out = (struct zdm_plan)ZDM_PLAN_INIT;
		}
		return st;
	}
	return zdm_error_set(err, ZDM_ERR_USAGE,
			     "unknown recipe '%.60s' (expected add-column, add-not-null-column, rename-column, change-type, add-index, drop-column, add-foreign-key, add-unique, rename-table)",
			     req->recipe);
}

/* The largest numeric version prefix of the files in dir (0 when none). */
static unsigned long long max_version(const char *dir)
{
	unsigned long long max = 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		const char *s = e->d_name;
		if (!isdigit((unsigned char)*s))
			continue;
		unsigned long long v = 0;
		int digits = 0;
		while (isdigit((unsigned char)*s) && digits < 19) {
			v = v * 10 + (unsigned long long)(*s++ - '0');
			digits++;
		}
		if (v > max)
			max = v;
	}
	closedir(d);
	return max;
}

static unsigned long long stamp(time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	return (unsigned long long)(tm.tm_year + 1900) * 10000000000ULL +
	       (unsigned long long)(tm.tm_mon + 1) * 100000000ULL + (unsigned long long)tm.tm_mday * 1000000ULL +
	       (unsigned long long)tm.tm_hour * 10000ULL + (unsigned long long)tm.tm_min * 100ULL +
	       (unsigned long long)tm.tm_sec;
}

enum zdm_status zdm_plan_assign(struct zdm_plan *p, const char *dir, time_t now,
				struct zdm_error *err)
{
	unsigned long long max = max_version(dir);
	time_t t = now;
	/* Later than every version in dir: step the clock, keep it a timestamp. */
	while (stamp(t) <= max && t - now < 400L * 86400 * 366)
		t += stamp(t) + 1000000 < max ? 86400 : 1;
	int ts = stamp(t) > max;
	unsigned long long v = ts ? 0 : max + 1;
	for (size_t i = 0; i < p->nsteps; i++) {
		struct zdm_plan_step *s = &p->steps[i];
		if (s->kind != ZDM_PLAN_MIGRATION)
			continue;
		unsigned long long ver = ts ? stamp(t++) : v++;
		s->version = zdm_arena_printf(&p->arena, "%llu", ver);
		s->file = zdm_arena_printf(&p->arena, "%s/%llu_%s.sql", dir, ver, s->name);
	}
	(void)err;
	return ZDM_OK;
}

static enum zdm_status mkdirs(const char *dir, struct zdm_error *err)
{
	char path[4096];
	size_t n = strlen(dir);
	if (n >= sizeof path)
		return zdm_error_set(err, ZDM_ERR_IO, "path too long '%.60s'", dir);
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char ch = path[i];
		path[i] = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			return zdm_error_set(err, ZDM_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
		path[i] = ch;
	}
	return ZDM_OK;
}

enum zdm_status zdm_plan_write(const struct zdm_plan *p, struct zdm_error *err)
{
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct zdm_plan_step *s = &p->steps[i];
		if (s->kind != ZDM_PLAN_MIGRATION)
			continue;
		if (!s->file)
			return zdm_error_set(err, ZDM_ERR_USAGE, "plan files not assigned");
		const char *slash = strrchr(s->file, '/');
		if (slash && slash != s->file) {
			char *dir = strndup(s->file, (size_t)(slash - s->file));
			enum zdm_status st = mkdirs(dir, err);
			free(dir);
			if (st)
				return st;
		}
		int fd = open(s->file, O_WRONLY | O_CREAT | O_EXCL, 0666);
		if (fd < 0)
			return zdm_error_set(err, ZDM_ERR_IO, "cannot create '%s': %s", s->file, strerror(errno));
		size_t len = strlen(s->text), off = 0;
		while (off < len) {
			ssize_t w = write(fd, s->text + off, len - off);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				close(fd);
				return zdm_error_set(err, ZDM_ERR_IO, "cannot write '%s': %s", s->file, strerror(errno));
			}
			off += (size_t)w;
		}
		if (close(fd) != 0)
			return zdm_error_set(err, ZDM_ERR_IO, "cannot write '%s': %s", s->file, strerror(errno));
	}
	return ZDM_OK;
}

void zdm_plan_release(struct zdm_plan *p)
{
	if (!p)
		return;
	free(p->steps);
	p->steps = NULL;
	p->nsteps = p->cap = 0;
	p->title = NULL;
	zdm_arena_release(&p->arena);
}
