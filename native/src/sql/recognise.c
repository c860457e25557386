/* SPDX-License-Identifier: MIT */
/*
 * recognise.c - operations from tokens, for MySQL, SQLite, and the
 * PostgreSQL statements that libpg_query rejects.
 *
 * There is no grammar here.  A statement is lexed once, its brackets are
 * matched once, and small readers pick out the words the rules need (the
 * table, the column, NOT NULL, CONCURRENTLY, WHERE ...) while stepping
 * over everything else a bracket group at a time.  That keeps the
 * recogniser tolerant: a template ({{table}}), a psql variable, MySQL
 * syntax or a truncated statement costs precision in that clause only.
 * Every reader moves forward through a bounded token range, so a
 * statement of any size takes linear time, and the only reader that
 * recurses on the input's nesting (the WHERE evaluator) stops at a fixed
 * depth.  It lives apart from sql/pg.c so that the MySQL and SQLite paths
 * never touch libpg_query.
 */
#include <stdlib.h>
#include <string.h>

#include "zdm/frontend.h"
#include "zdm/lexer.h"
#include "zdm/model.h"
#include "zdm/util.h"

/* The statement being recognised. */
struct rc {
	enum zdm_dialect d;
	const char *text;          /* the caller's text; token offsets index it */
	const struct zdm_token *t;
	size_t n;                  /* tokens up to the first ';' */
	size_t *match;             /* opening bracket -> its closer, or n */
	struct zdm_arena *a;
	struct zdm_parsed *out;
};

/* Deepest bracket nesting the WHERE evaluator looks into. */
#define MAX_COND_DEPTH 32

/* ---- tokens ------------------------------------------------------------- */

static int kw(const struct rc *r, size_t i, size_t end, const char *w)
{
	return i < end && zdm_token_is(r->text, &r->t[i], w);
}

static int accept(const struct rc *r, size_t *i, size_t end, const char *w)
{
	if (!kw(r, *i, end, w))
		return 0;
	(*i)++;
	return 1;
}

/* Accept two words in a row, or neither. */
static int accept2(const struct rc *r, size_t *i, size_t end,
		   const char *w1, const char *w2)
{
	if (!kw(r, *i, end, w1) || !kw(r, *i + 1, end, w2))
		return 0;
	*i += 2;
	return 1;
}

static int accept_if_exists(const struct rc *r, size_t *i, size_t end)
{
	return accept2(r, i, end, "if", "exists");
}

static int accept_if_not_exists(const struct rc *r, size_t *i, size_t end)
{
	if (!kw(r, *i, end, "if") || !kw(r, *i + 1, end, "not") ||
	    !kw(r, *i + 2, end, "exists"))
		return 0;
	*i += 3;
	return 1;
}

static int is_kind(const struct rc *r, size_t i, size_t end, enum zdm_tk k)
{
	return i < end && r->t[i].kind == k;
}

/* A one-byte punctuation token c. */
static int is_punct(const struct rc *r, size_t i, size_t end, char c)
{
	return i < end && r->t[i].kind == ZDM_TK_OP && r->t[i].len == 1 &&
	       r->text[r->t[i].off] == c;
}

/* The :: cast operator. */
static int is_cast(const struct rc *r, size_t i, size_t end)
{
	return i < end && r->t[i].kind == ZDM_TK_OP && r->t[i].len == 2 &&
	       r->text[r->t[i].off] == ':' && r->text[r->t[i].off + 1] == ':';
}

static int is_open(const struct rc *r, size_t i, size_t end)
{
	return is_kind(r, i, end, ZDM_TK_LPAREN) || is_punct(r, i, end, '[') ||
	       is_punct(r, i, end, '{');
}

static int is_close(const struct rc *r, size_t i)
{
	return is_kind(r, i, r->n, ZDM_TK_RPAREN) || is_punct(r, i, r->n, ']') ||
	       is_punct(r, i, r->n, '}');
}

static int is_name_tok(const struct rc *r, size_t i, size_t end)
{
	return is_kind(r, i, end, ZDM_TK_WORD) || is_kind(r, i, end, ZDM_TK_QUOTED_ID);
}

/* True when the token at i is a word in the NULL-terminated list. */
static int word_in(const struct rc *r, size_t i, size_t end,
		   const char *const *list)
{
	if (!is_kind(r, i, end, ZDM_TK_WORD))
		return 0;
	for (; *list; list++)
		if (zdm_token_is(r->text, &r->t[i], *list))
			return 1;
	return 0;
}

/* Just past the token at i, stepping over a whole bracket group. */
static size_t step(const struct rc *r, size_t i, size_t end)
{
	if (is_open(r, i, end)) {
		size_t m = r->match[i];
		return m >= end ? end : m + 1;
	}
	return i + 1;
}

/* The first comma at bracket depth 0 in [i, end), or end. */
static size_t next_comma(const struct rc *r, size_t i, size_t end)
{
	while (i < end && r->t[i].kind != ZDM_TK_COMMA)
		i = step(r, i, end);
	return i;
}

/* The first word w at bracket depth 0 in [i, end), or end. */
static size_t find_kw(const struct rc *r, size_t i, size_t end, const char *w)
{
	while (i < end && !kw(r, i, end, w))
		i = step(r, i, end);
	return i;
}

/* The inside of the bracket group opening at i: [*s, *e). */
static void group(const struct rc *r, size_t i, size_t end, size_t *s, size_t *e)
{
	*s = i + 1;
	*e = r->match[i] < end ? r->match[i] : end;
}

static size_t clamp(size_t i, size_t end)
{
	return i < end ? i : end;
}

/* ---- strings ------------------------------------------------------------ */

static const char *lower_dup(const struct rc *r, const char *s, size_t n)
{
	char *p = zdm_arena_strndup(r->a, s, n);
	for (char *c = p; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c += 32;
	return p;
}

static const char *tok_lower(const struct rc *r, size_t i)
{
	return lower_dup(r, r->text + r->t[i].off, r->t[i].len);
}

/* The text from token i to token j - 1, as written. */
static const char *span(const struct rc *r, size_t i, size_t j)
{
	size_t s = r->t[i].off, e = r->t[j - 1].off + r->t[j - 1].len;
	return zdm_arena_strndup(r->a, r->text + s, e - s);
}

/* The text of a string token without its quotes (doubled quotes undone). */
static const char *unquote(const struct rc *r, size_t i)
{
	const char *z = r->text + r->t[i].off;
	size_t n = r->t[i].len, s = 0;
	while (s < n && z[s] != '\'' && z[s] != '"')
		s++;
	if (s + 2 > n)
		return lower_dup(r, z, n);
	char q = z[s];
	char *p = zdm_arena_alloc(r->a, n + 1), *o = p;
	for (size_t k = s + 1; k + 1 < n; k++) {
		*o++ = z[k];
		if (z[k] == q && k + 2 < n && z[k + 1] == q)
			k++;
	}
	*o = '\0';
	return p;
}

/* A non-negative integer token, clamped; 0 when it is not one. */
static int tok_int(const struct rc *r, size_t i, int *v)
{
	const struct zdm_token *t = &r->t[i];
	long x = 0;
	if (t->kind != ZDM_TK_NUMBER)
		return 0;
	for (size_t k = 0; k < t->len; k++) {
		char c = r->text[t->off + k];
		if (c < '0' || c > '9')
			return 0;
		if (x < 100000000)
			x = x * 10 + (c - '0');
	}
	*v = (int)x;
	return 1;
}

/* ---- names -------------------------------------------------------------- */

/*
 * Templates and placeholders stand where a name should be: {{table}},
 * {% x %}, ${table}, %(table)s, <table>.  Returns the index just past
 * the one starting at i, or i when there is none.
 */
static size_t template_at(const struct rc *r, size_t i, size_t end)
{
	if (is_punct(r, i, end, '{'))
		return step(r, i, end);
	if ((is_punct(r, i, end, '$') && is_punct(r, i + 1, end, '{')) ||
	    (is_punct(r, i, end, '%') && is_open(r, i + 1, end))) {
		size_t j = step(r, i + 1, end);
		/* %(name)s: the conversion letter is glued on */
		if (is_punct(r, i, end, '%') && is_kind(r, j, end, ZDM_TK_WORD) &&
		    r->t[j].off == r->t[j - 1].off + r->t[j - 1].len)
			j++;
		return j;
	}
	if (is_punct(r, i, end, '<')) {
		for (size_t j = i + 1; j < end && j < i + 5; j++) {
			if (is_punct(r, j, end, '>'))
				return j > i + 1 ? j + 1 : i;
			if (!is_kind(r, j, end, ZDM_TK_WORD) && !is_punct(r, j, end, '-'))
				return i;
		}
	}
	return i;
}

/* Token i starts right where token i - 1 ends. */
static int glued(const struct rc *r, size_t i)
{
	return i > 0 && r->t[i].off == r->t[i - 1].off + r->t[i - 1].len;
}

/*
 * One part of a name at *ip: a word, a quoted identifier, a parameter
 * (psql :var, MySQL ?), or a template, with anything glued to it
 * (users_{{env}}).  A lone word or quoted identifier is normalised with
 * zdm_ident(); anything else is kept as written.  Returns NULL and
 * leaves *ip when there is no name.
 */
static const char *name_part(const struct rc *r, size_t *ip, size_t end)
{
	size_t i = *ip, start = i, j;
	if (i >= end)
		return NULL;
	if (is_name_tok(r, i, end) || is_kind(r, i, end, ZDM_TK_PARAM))
		i++;
	else if ((j = template_at(r, i, end)) > i)
		i = j;
	else
		return NULL;
	while (i < end && glued(r, i)) {
		if (is_kind(r, i, end, ZDM_TK_WORD) || is_kind(r, i, end, ZDM_TK_NUMBER) ||
		    is_kind(r, i, end, ZDM_TK_PARAM))
			i++;
		else if ((j = template_at(r, i, end)) > i)
			i = j;
		else
			break;
	}
	*ip = i;
	if (i == start + 1 && is_name_tok(r, start, end))
		return zdm_ident(r->a, r->text + r->t[start].off, r->t[start].len);
	return span(r, start, i);
}

/* A possibly qualified name: a.b.c gives schema b and name c. */
static int qname(const struct rc *r, size_t *ip, size_t end,
		 const char **schema, const char **name)
{
	const char *prev = NULL, *p = name_part(r, ip, end);
	if (!p)
		return 0;
	while (is_kind(r, *ip, end, ZDM_TK_DOT)) {
		size_t j = *ip + 1;
		const char *q = name_part(r, &j, end);
		if (!q)
			break;
		prev = p;
		p = q;
		*ip = j;
	}
	*schema = prev;
	*name = p;
	return 1;
}

/* ---- operations --------------------------------------------------------- */

static void emit(const struct rc *r, enum zdm_op_kind k, const struct zdm_op *base,
		 size_t off)
{
	struct zdm_op op;
	if (base)
		op = *base;
	else
		memset(&op, 0, sizeof op);
	op.kind = k;
	op.off = off;
	zdm_parsed_add(r->out, r->a, &op);
}

/* Set flag f on every operation from index first on. */
static void flag_from(const struct rc *r, size_t first, unsigned f)
{
	for (size_t i = first; i < r->out->nops; i++)
		r->out->ops[i].flags |= f;
}

/* MySQL ALGORITHM= and LOCK= anywhere at depth 0 in [i, end). */
static void mysql_opts(const struct rc *r, size_t i, size_t end)
{
	if (r->d != ZDM_DIALECT_MYSQL)
		return;
	for (; i < end; i = step(r, i, end)) {
		const char **slot = NULL;
		if (kw(r, i, end, "algorithm"))
			slot = &r->out->mysql.algorithm;
		else if (kw(r, i, end, "lock"))
			slot = &r->out->mysql.lock;
		else
			continue;
		size_t j = i + 1;
		if (is_punct(r, j, end, '='))
			j++;
		if (is_kind(r, j, end, ZDM_TK_WORD))
			*slot = tok_lower(r, j);
	}
}

/* ---- types -------------------------------------------------------------- */

/* Words that end a column's type and start its constraints. */
static const char *const attr_words[] = {
	"constraint", "primary", "not", "null", "unique", "check", "default",
	"collate", "references", "generated", "as", "auto_increment",
	"autoincrement", "comment", "on", "first", "after", "key", "character",
	"charset", "invisible", "visible", "storage", "compression",
	"column_format", "deferrable", "initially", NULL,
};

/* Words that, where a type should be, mean the column has none (SQLite). */
static const char *const type_stop[] = {
	"constraint", "primary", "not", "null", "unique", "check", "default",
	"references", "generated", "as", "collate", "auto_increment",
	"autoincrement", NULL,
};

/* Typmods inside the group opening at i: numbers only, at most two. */
static void type_mods(const struct rc *r, size_t i, size_t end, struct zdm_type *ty)
{
	size_t s, e, k;
	int v[2], nv = 0;
	group(r, i, end, &s, &e);
	for (k = s; k < e; k++) {
		if (nv == 2 || !tok_int(r, k, &v[nv]))
			return;
		nv++;
		if (k + 1 < e && !is_kind(r, k + 1, e, ZDM_TK_COMMA))
			return;
		k++;
	}
	ty->nmods = nv;
	ty->mods[0] = nv > 0 ? v[0] : 0;
	ty->mods[1] = nv > 1 ? v[1] : 0;
}

static void buf_word(struct zdm_buf *b, const struct rc *r, size_t i)
{
	if (b->len)
		zdm_buf_addc(b, ' ');
	zdm_buf_add(b, r->text + r->t[i].off, r->t[i].len);
}

/*
 * A type name at i: multi-word names (double precision, character
 * varying, timestamp with time zone), typmods and array brackets.
 * Returns the index after it; ty->name stays NULL when there is none.
 */
static size_t parse_type(const struct rc *r, size_t i, size_t end, struct zdm_type *ty)
{
	static const char *const interval_fields[] = {
		"year", "month", "day", "hour", "minute", "second", "to", NULL,
	};
	static const char *const mysql_attrs[] = {
		"unsigned", "signed", "zerofill", NULL,
	};
	struct zdm_buf b = ZDM_BUF_INIT;
	int mods_done = 0;
	memset(ty, 0, sizeof *ty);
	if (!is_name_tok(r, i, end))
		return i;
	/* schema-qualified: the last part names the type */
	while (is_kind(r, i + 1, end, ZDM_TK_DOT) && is_name_tok(r, i + 2, end))
		i += 2;
	if (r->t[i].kind == ZDM_TK_QUOTED_ID) {
		ty->name = zdm_ident(r->a, r->text + r->t[i].off, r->t[i].len);
		i++;
		goto mods;
	}
	buf_word(&b, r, i);
	i++;
	const struct zdm_token *first = &r->t[i - 1];
	if (zdm_token_is(r->text, first, "double") && kw(r, i, end, "precision")) {
		buf_word(&b, r, i++);
	} else if (zdm_token_is(r->text, first, "national") &&
		   (kw(r, i, end, "character") || kw(r, i, end, "char"))) {
		buf_word(&b, r, i++);
		if (kw(r, i, end, "varying"))
			buf_word(&b, r, i++);
	} else if ((zdm_token_is(r->text, first, "character") ||
		    zdm_token_is(r->text, first, "char") ||
		    zdm_token_is(r->text, first, "nchar") ||
		    zdm_token_is(r->text, first, "bit")) && kw(r, i, end, "varying")) {
		buf_word(&b, r, i++);
	} else if (zdm_token_is(r->text, first, "timestamp") ||
		   zdm_token_is(r->text, first, "time")) {
		if (is_kind(r, i, end, ZDM_TK_LPAREN)) {
			type_mods(r, i, end, ty);
			i = step(r, i, end);
			mods_done = 1;
		}
		if ((kw(r, i, end, "with") || kw(r, i, end, "without")) &&
		    kw(r, i + 1, end, "time") && kw(r, i + 2, end, "zone")) {
			for (int k = 0; k < 3; k++)
				buf_word(&b, r, i++);
		}
	} else if (zdm_token_is(r->text, first, "interval")) {
		while (word_in(r, i, end, interval_fields))
			i++;
	} else if (r->d == ZDM_DIALECT_SQLITE) {
		/* SQLite type names are any run of words: UNSIGNED BIG INT */
		while (is_kind(r, i, end, ZDM_TK_WORD) &&
		       (kw(r, i, end, "character") || !word_in(r, i, end, attr_words)))
			buf_word(&b, r, i++);
	}
	ty->name = zdm_type_norm(r->a, b.data);
	zdm_buf_release(&b);
mods:
	if (!mods_done && is_kind(r, i, end, ZDM_TK_LPAREN)) {
		type_mods(r, i, end, ty);
		i = step(r, i, end);
	}
	if (r->d == ZDM_DIALECT_MYSQL)
		while (word_in(r, i, end, mysql_attrs))
			i++;
	for (;;) {
		if (is_punct(r, i, end, '[')) {
			ty->array = 1;
			i = step(r, i, end);
		} else if (kw(r, i, end, "array")) {
			ty->array = 1;
			i++;
		} else {
			break;
		}
	}
	return i;
}

static int is_serial(const char *type)
{
	return type && (strcmp(type, "serial") == 0 || strcmp(type, "bigserial") == 0 ||
			strcmp(type, "smallserial") == 0);
}

/* ---- expressions -------------------------------------------------------- */

/* Words followed by '(' that are syntax or types, not function calls. */
static const char *const not_calls[] = {
	"cast", "convert", "extract", "row", "array", "in", "exists", "any",
	"all", "some", "and", "or", "not", "values", "over", "filter", "within",
	"case", "when", "then", "else", "is", "like", "between", "as", "select",
	"using", "varying", "varchar", "char", "character", "numeric",
	"decimal", "timestamp", "time", "bit", "interval", "float", "double",
	"precision", "with", "zone", "int", "integer", "bigint", "smallint",
	NULL,
};

/*
 * True when the expression in [s, e) is not a constant the database
 * stores once: a call to a volatile function (PostgreSQL, MySQL), or for
 * SQLite any function call or CURRENT_TIME/DATE/TIMESTAMP, which ADD
 * COLUMN rejects as a non-constant default.
 */
static int expr_volatile(const struct rc *r, size_t s, size_t e)
{
	for (size_t k = s; k < e; k++) {
		const struct zdm_token *t = &r->t[k];
		if (r->d == ZDM_DIALECT_SQLITE &&
		    (kw(r, k, e, "current_timestamp") || kw(r, k, e, "current_time") ||
		     kw(r, k, e, "current_date")))
			return 1;
		if (!is_kind(r, k + 1, e, ZDM_TK_LPAREN))
			continue;
		if (t->kind == ZDM_TK_QUOTED_ID)
			return 1; /* a user function: volatile unless declared */
		if (t->kind != ZDM_TK_WORD)
			continue;
		if (k > s && (is_cast(r, k - 1, e) || kw(r, k - 1, e, "as")))
			continue; /* a type with typmods */
		if (word_in(r, k, e, not_calls))
			continue;
		if (r->d == ZDM_DIALECT_SQLITE || t->len >= 64)
			return 1;
		char name[64];
		for (size_t c = 0; c < t->len; c++) {
			char ch = r->text[t->off + c];
			name[c] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
		}
		name[t->len] = '\0';
		if (!zdm_func_is_stable(name))
			return 1;
	}
	return 0;
}

/* The end of a DEFAULT expression starting at i: the next column option. */
static size_t default_end(const struct rc *r, size_t i, size_t end)
{
	if (i >= end)
		return end;
	i = step(r, i, end); /* the first token always belongs to it */
	while (i < end && !word_in(r, i, end, attr_words))
		i = step(r, i, end);
	return i;
}

/* The flags for a default expression in [s, e); DEFAULT NULL as sql/pg.c gives it. */
static unsigned default_flags(const struct rc *r, size_t s, size_t e)
{
	if (kw(r, s, e, "null") && (s + 1 == e || is_cast(r, s + 1, e)))
		return ZDM_F_DEFAULT | ZDM_F_DEFAULT_NULL;
	return ZDM_F_DEFAULT | (expr_volatile(r, s, e) ? ZDM_F_DEFAULT_VOLATILE : 0);
}

/* A literal whose value a comparison can decide. */
static int is_literal(const struct rc *r, size_t i, size_t end)
{
	return is_kind(r, i, end, ZDM_TK_NUMBER) || is_kind(r, i, end, ZDM_TK_STRING) ||
	       kw(r, i, end, "true") || kw(r, i, end, "false");
}

static double num_val(const struct rc *r, size_t i)
{
	char buf[64];
	size_t n = r->t[i].len < sizeof buf - 1 ? r->t[i].len : sizeof buf - 1;
	memcpy(buf, r->text + r->t[i].off, n);
	buf[n] = '\0';
	return strtod(buf, NULL);
}

/* True when the comparison "L op R" of two literals holds. */
static int literal_cmp(const struct rc *r, size_t l, const char *op, size_t rt)
{
	int c;
	if (r->t[l].kind == ZDM_TK_NUMBER && r->t[rt].kind == ZDM_TK_NUMBER) {
		double a = num_val(r, l), b = num_val(r, rt);
		c = a < b ? -1 : a > b;
	} else if (r->t[l].kind == r->t[rt].kind) {
		const char *a = tok_lower(r, l), *b = tok_lower(r, rt);
		c = strcmp(a, b) != 0;
		if (strcmp(op, "=") != 0 && strcmp(op, "==") != 0 &&
		    strcmp(op, "<>") != 0 && strcmp(op, "!=") != 0)
			return 0; /* ordering of strings: leave it to the database */
	} else {
		return 0;
	}
	if (!strcmp(op, "=") || !strcmp(op, "=="))
		return c == 0;
	if (!strcmp(op, "<>") || !strcmp(op, "!="))
		return c != 0;
	if (!strcmp(op, "<"))
		return c < 0;
	if (!strcmp(op, ">"))
		return c > 0;
	if (!strcmp(op, "<="))
		return c <= 0;
	if (!strcmp(op, ">="))
		return c >= 0;
	return 0;
}

static int cond_true(const struct rc *r, size_t s, size_t e, int depth);

/* One term of a condition: true, 1, 'a' = 'a', (term). */
static int atom_true(const struct rc *r, size_t s, size_t e, int depth)
{
	if (s >= e)
		return 0;
	if (is_kind(r, s, e, ZDM_TK_LPAREN) && r->match[s] == e - 1)
		return cond_true(r, s + 1, e - 1, depth + 1);
	if (e - s == 1) {
		if (kw(r, s, e, "true"))
			return 1;
		if (is_kind(r, s, e, ZDM_TK_NUMBER))
			return num_val(r, s) != 0;
		return 0;
	}
	/* literal, one or two glued operator bytes, literal */
	if (e - s < 3 || e - s > 4 || !is_literal(r, s, e) || !is_literal(r, e - 1, e))
		return 0;
	char op[3] = { 0 };
	for (size_t k = s + 1, n = 0; k < e - 1; k++, n++) {
		if (!is_kind(r, k, e, ZDM_TK_OP) || r->t[k].len != 1 ||
		    (n > 0 && !glued(r, k)))
			return 0;
		op[n] = r->text[r->t[k].off];
	}
	return literal_cmp(r, s, op, e - 1);
}

/* A conjunction of terms; a BETWEEN's AND belongs to its term. */
static int and_true(const struct rc *r, size_t s, size_t e, int depth)
{
	size_t start = s;
	int between = 0;
	for (size_t k = s;; k = step(r, k, e)) {
		if (k < e && kw(r, k, e, "between"))
			between = 1;
		if (k >= e || (kw(r, k, e, "and") && !between)) {
			if (!atom_true(r, start, k, depth))
				return 0;
			if (k >= e)
				return 1;
			start = k + 1;
		} else if (kw(r, k, e, "and")) {
			between = 0;
		}
	}
}

/*
 * True when the condition [s, e) holds for every row as far as tokens
 * tell: an OR with one true disjunct, an AND of true terms.  Anything
 * naming a column is a real filter.  Deep nesting counts as real.
 */
static int cond_true(const struct rc *r, size_t s, size_t e, int depth)
{
	size_t start = s;
	if (depth > MAX_COND_DEPTH)
		return 0;
	for (size_t k = s;; k = step(r, k, e)) {
		if (k >= e || kw(r, k, e, "or")) {
			if (and_true(r, start, k, depth))
				return 1;
			if (k >= e)
				return 0;
			start = k + 1;
		}
	}
}

/* Words that end a WHERE condition. */
static const char *const cond_end_words[] = {
	"order", "group", "having", "limit", "offset", "fetch", "returning",
	"window", "union", "except", "intersect", "on", "for", NULL,
};

/*
 * ZDM_F_WHERE / ZDM_F_WHERE_TRIVIAL and ZDM_F_LIMIT for the clauses at
 * depth 0 in [i, end).
 */
static unsigned filter_flags(const struct rc *r, size_t i, size_t end)
{
	unsigned f = 0;
	while (i < end) {
		if (!(f & (ZDM_F_WHERE | ZDM_F_WHERE_TRIVIAL)) && kw(r, i, end, "where")) {
			size_t s = i + 1, e = s;
			while (e < end && !word_in(r, e, end, cond_end_words))
				e = step(r, e, end);
			if (s == e || cond_true(r, s, e, 0))
				f |= ZDM_F_WHERE_TRIVIAL;
			else
				f |= ZDM_F_WHERE;
			i = e;
			continue;
		}
		if (kw(r, i, end, "limit"))
			f |= ZDM_F_LIMIT;
		i = step(r, i, end);
	}
	return f;
}

/* ---- column definitions ------------------------------------------------- */

/* Options taking one argument that is not a column option: COLLATE x. */
static const char *const skip_one[] = {
	"collate", "comment", "charset", "storage", "compression",
	"column_format", NULL,
};

/*
 * The constraints and options after a column's type in [i, end): sets
 * op's flags and ref_table.
 */
static void col_attrs(const struct rc *r, size_t i, size_t end, struct zdm_op *op)
{
	static const char *const on_events[] = { "delete", "update", "conflict", NULL };
	int my = r->d == ZDM_DIALECT_MYSQL;
	while (i < end) {
		if (kw(r, i, end, "not")) {
			if (kw(r, i + 1, end, "null")) {
				op->flags |= ZDM_F_NOT_NULL;
				i++;
			}
			i++;
		} else if (accept(r, &i, end, "default")) {
			size_t e = default_end(r, i, end);
			op->flags |= default_flags(r, i, e);
			i = e;
		} else if (accept(r, &i, end, "constraint")) {
			if (!word_in(r, i, end, attr_words))
				name_part(r, &i, end);
		} else if (accept(r, &i, end, "primary") || (my && accept(r, &i, end, "key"))) {
			/*
			 * MySQL: KEY alone is PRIMARY KEY.  A primary key is
			 * NOT NULL, except in SQLite (a legacy quirk).
			 */
			op->flags |= ZDM_F_PRIMARY_KEY;
			if (r->d != ZDM_DIALECT_SQLITE)
				op->flags |= ZDM_F_NOT_NULL;
			accept(r, &i, end, "key");
		} else if (accept(r, &i, end, "unique")) {
			op->flags |= ZDM_F_UNIQUE;
			accept(r, &i, end, "key");
		} else if (accept(r, &i, end, "check")) {
			op->flags |= ZDM_F_CHECK;
		} else if (accept(r, &i, end, "references")) {
			const char *s, *nm;
			op->flags |= ZDM_F_REFERENCES;
			if (qname(r, &i, end, &s, &nm))
				op->ref_table = nm;
		} else if (accept(r, &i, end, "on")) {
			/*
			 * ON DELETE SET NULL, ON UPDATE CURRENT_TIMESTAMP, ON
			 * CONFLICT ABORT: read past them so that SET NULL or
			 * SET DEFAULT is not taken for a column option.
			 */
			if (word_in(r, i, end, on_events))
				i++;
			if (accept(r, &i, end, "set"))
				i = step(r, i, end);
			else if (accept(r, &i, end, "no"))
				accept(r, &i, end, "action");
			else if (is_kind(r, i, end, ZDM_TK_WORD))
				i++;
			if (is_open(r, i, end))
				i = step(r, i, end);
		} else if (accept(r, &i, end, "auto_increment") ||
			   accept(r, &i, end, "autoincrement")) {
			op->flags |= ZDM_F_SERIAL;
		} else if (accept(r, &i, end, "generated")) {
			if (!accept(r, &i, end, "always"))
				accept2(r, &i, end, "by", "default");
			if (accept(r, &i, end, "as")) {
				if (accept(r, &i, end, "identity")) {
					op->flags |= ZDM_F_IDENTITY;
				} else if (is_open(r, i, end)) {
					i = step(r, i, end);
					if (accept(r, &i, end, "stored") || accept(r, &i, end, "persistent"))
						op->flags |= ZDM_F_GENERATED_STORED;
				}
			}
		} else if (kw(r, i, end, "as") && is_open(r, i + 1, end)) {
			/* MySQL and SQLite: [GENERATED ALWAYS] AS (expr) [STORED] */
			i = step(r, i + 1, end);
			if (accept(r, &i, end, "stored") || accept(r, &i, end, "persistent"))
				op->flags |= ZDM_F_GENERATED_STORED;
		} else if (my && accept(r, &i, end, "first")) {
			op->flags |= ZDM_F_FIRST_AFTER;
		} else if (my && accept(r, &i, end, "after")) {
			op->flags |= ZDM_F_FIRST_AFTER;
			name_part(r, &i, end);
		} else if (word_in(r, i, end, skip_one)) {
			i = clamp(i + 2, end);
		} else if (kw(r, i, end, "character") && kw(r, i + 1, end, "set")) {
			i = clamp(i + 3, end);
		} else {
			i = step(r, i, end);
		}
	}
}

/*
 * A column definition filling [i, end): name, type, options.  Fills op's
 * column, type and flags.  Returns 0 when there is no column name.
 */
static int coldef(const struct rc *r, size_t i, size_t end, struct zdm_op *op)
{
	op->column = name_part(r, &i, end);
	if (!op->column)
		return 0;
	if (is_name_tok(r, i, end) && !word_in(r, i, end, type_stop))
		i = parse_type(r, i, end, &op->type);
	if (is_serial(op->type.name))
		op->flags |= ZDM_F_SERIAL;
	col_attrs(r, i, end, op);
	return 1;
}

/* A table constraint or index (not a column) in CREATE TABLE (...). */
static int is_table_constraint(const struct rc *r, size_t i, size_t end)
{
	static const char *const all[] = {
		"constraint", "primary", "unique", "check", "foreign", "like", NULL,
	};
	static const char *const my[] = {
		"index", "key", "fulltext", "spatial", NULL,
	};
	if (word_in(r, i, end, all))
		return 1;
	if (kw(r, i, end, "exclude") &&
	    (is_open(r, i + 1, end) || kw(r, i + 1, end, "using")))
		return 1;
	return r->d == ZDM_DIALECT_MYSQL && word_in(r, i, end, my);
}

/* The column of CHECK (col IS NOT NULL) in the group at i, else NULL. */
static const char *check_not_null_column(const struct rc *r, size_t i, size_t end)
{
	size_t s, e;
	group(r, i, end, &s, &e);
	while (e - s >= 2 && is_kind(r, s, e, ZDM_TK_LPAREN) && r->match[s] == e - 1) {
		s++;
		e--;
	}
	if (e - s != 4 || !is_name_tok(r, s, e) || !kw(r, s + 1, e, "is") ||
	    !kw(r, s + 2, e, "not") || !kw(r, s + 3, e, "null"))
		return NULL;
	return zdm_ident(r->a, r->text + r->t[s].off, r->t[s].len);
}

/* ---- ALTER TABLE -------------------------------------------------------- */

/* Words that start a constraint after ADD [CONSTRAINT name]. */
static int is_con_start(const struct rc *r, size_t i, size_t end)
{
	static const char *const all[] = {
		"check", "foreign", "unique", "primary", "exclude", NULL,
	};
	static const char *const my[] = {
		"index", "key", "fulltext", "spatial", NULL,
	};
	return word_in(r, i, end, all) ||
	       (kw(r, i, end, "not") && kw(r, i + 1, end, "null")) ||
	       (r->d == ZDM_DIALECT_MYSQL && word_in(r, i, end, my));
}

/* MySQL [UNIQUE|FULLTEXT|SPATIAL] [INDEX|KEY] [name] ...: a new index. */
static void mysql_index(const struct rc *r, size_t k, size_t e, struct zdm_op *op)
{
	op->kind = ZDM_OP_CREATE_INDEX;
	if (accept(r, &k, e, "unique"))
		op->flags |= ZDM_F_UNIQUE;
	else if (!accept(r, &k, e, "fulltext"))
		accept(r, &k, e, "spatial");
	if (!accept(r, &k, e, "index"))
		accept(r, &k, e, "key");
	if (!is_open(r, k, e) && !kw(r, k, e, "using")) {
		const char *nm = name_part(r, &k, e);
		if (nm)
			op->name = nm;
	}
}

/* ADD [CONSTRAINT name] CHECK / FOREIGN KEY / UNIQUE / ... in [k, e). */
static void add_constraint(const struct rc *r, size_t k, size_t e,
			   const struct zdm_op *base, size_t off)
{
	struct zdm_op op = *base;
	op.kind = ZDM_OP_ADD_CONSTRAINT;
	if (accept(r, &k, e, "constraint") && !is_con_start(r, k, e))
		op.name = name_part(r, &k, e);
	if (accept(r, &k, e, "check")) {
		op.con = ZDM_CON_CHECK;
		if (is_kind(r, k, e, ZDM_TK_LPAREN))
			op.column = check_not_null_column(r, k, e);
	} else if (accept(r, &k, e, "foreign")) {
		const char *s, *nm;
		size_t j = find_kw(r, k, e, "references") + 1;
		op.con = ZDM_CON_FOREIGN;
		if (j < e && qname(r, &j, e, &s, &nm))
			op.ref_table = nm;
	} else if (r->d == ZDM_DIALECT_MYSQL && !kw(r, k, e, "primary") &&
		   is_con_start(r, k, e) && !kw(r, k, e, "check") && !kw(r, k, e, "not")) {
		mysql_index(r, k, e, &op);
	} else if (accept(r, &k, e, "unique")) {
		op.con = ZDM_CON_UNIQUE;
	} else if (accept2(r, &k, e, "primary", "key")) {
		op.con = ZDM_CON_PRIMARY;
	} else if (accept(r, &k, e, "exclude")) {
		op.con = ZDM_CON_EXCLUDE;
	} else if (accept2(r, &k, e, "not", "null")) {
		op.con = ZDM_CON_NOT_NULL;
		op.column = name_part(r, &k, e);
	} else {
		op.kind = ZDM_OP_OTHER;
	}
	for (size_t j = k; j < e; j = step(r, j, e)) {
		if (kw(r, j, e, "not") && kw(r, j + 1, e, "valid"))
			op.flags |= ZDM_F_NOT_VALID;
		if (kw(r, j, e, "using") && kw(r, j + 1, e, "index") &&
		    !kw(r, j + 2, e, "tablespace"))
			op.flags |= ZDM_F_USING_INDEX;
	}
	emit(r, op.kind, &op, off);
}

/* ADD [COLUMN] [IF NOT EXISTS] coldef, or the MySQL ADD (a int, b int). */
static void add_column(const struct rc *r, size_t k, size_t e,
		       const struct zdm_op *base, size_t off)
{
	struct zdm_op op = *base;
	if (accept_if_not_exists(r, &k, e))
		op.flags |= ZDM_F_IF_NOT_EXISTS;
	if (is_kind(r, k, e, ZDM_TK_LPAREN)) {
		size_t s, ge;
		group(r, k, e, &s, &ge);
		while (s < ge) {
			size_t ce = next_comma(r, s, ge);
			struct zdm_op col = op;
			if (is_table_constraint(r, s, ce))
				add_constraint(r, s, ce, base, off);
			else if (coldef(r, s, ce, &col))
				emit(r, ZDM_OP_ADD_COLUMN, &col, off);
			s = ce + 1;
		}
		return;
	}
	if (coldef(r, k, e, &op))
		emit(r, ZDM_OP_ADD_COLUMN, &op, off);
	else
		emit(r, ZDM_OP_OTHER, base, off);
}

/* Scan [k, e) at depth 0 for CASCADE. */
static unsigned cascade_flag(const struct rc *r, size_t k, size_t e)
{
	return find_kw(r, k, e, "cascade") < e ? ZDM_F_CASCADE : 0;
}

static void alter_drop(const struct rc *r, size_t k, size_t e,
		       const struct zdm_op *base, size_t off)
{
	struct zdm_op op = *base;
	int my = r->d == ZDM_DIALECT_MYSQL;
	if (accept(r, &k, e, "constraint") || (my && accept(r, &k, e, "check"))) {
		op.kind = ZDM_OP_DROP_CONSTRAINT;
		if (zdm_token_is(r->text, &r->t[k - 1], "check"))
			op.con = ZDM_CON_CHECK;
		if (accept_if_exists(r, &k, e))
			op.flags |= ZDM_F_IF_EXISTS;
		op.name = name_part(r, &k, e);
	} else if (my && (accept(r, &k, e, "index") || accept(r, &k, e, "key"))) {
		op.kind = ZDM_OP_DROP_INDEX;
		op.name = name_part(r, &k, e);
	} else if (accept2(r, &k, e, "primary", "key")) {
		op.kind = ZDM_OP_DROP_CONSTRAINT;
		op.con = ZDM_CON_PRIMARY;
		op.name = "PRIMARY";
	} else if (accept2(r, &k, e, "foreign", "key")) {
		op.kind = ZDM_OP_DROP_CONSTRAINT;
		op.con = ZDM_CON_FOREIGN;
		op.name = name_part(r, &k, e);
	} else if (kw(r, k, e, "partition") || kw(r, k, e, "default")) {
		op.kind = ZDM_OP_OTHER;
	} else {
		accept(r, &k, e, "column");
		if (accept_if_exists(r, &k, e))
			op.flags |= ZDM_F_IF_EXISTS;
		op.column = name_part(r, &k, e);
		op.kind = op.column ? ZDM_OP_DROP_COLUMN : ZDM_OP_OTHER;
	}
	op.flags |= cascade_flag(r, k, e);
	emit(r, op.kind, &op, off);
}

static void alter_rename(const struct rc *r, size_t k, size_t e,
			 const struct zdm_op *base, size_t off)
{
	struct zdm_op op = *base;
	const char *s, *nm;
	if (accept(r, &k, e, "to") || accept(r, &k, e, "as")) {
		if (qname(r, &k, e, &s, &nm)) {
			op.name = nm;
			emit(r, ZDM_OP_RENAME_TABLE, &op, off);
		} else {
			emit(r, ZDM_OP_OTHER, &op, off);
		}
		return;
	}
	if (kw(r, k, e, "constraint") || kw(r, k, e, "index") || kw(r, k, e, "key")) {
		emit(r, ZDM_OP_OTHER, &op, off);
		return;
	}
	accept(r, &k, e, "column");
	op.column = name_part(r, &k, e);
	if (op.column && accept(r, &k, e, "to") && (op.name = name_part(r, &k, e))) {
		emit(r, ZDM_OP_RENAME_COLUMN, &op, off);
	} else if (op.column && k >= e) {
		/* MySQL: RENAME new_name */
		op.name = op.column;
		op.column = NULL;
		emit(r, ZDM_OP_RENAME_TABLE, &op, off);
	} else {
		emit(r, ZDM_OP_OTHER, &op, off);
	}
}

static void alter_column(const struct rc *r, size_t k, size_t e,
			 const struct zdm_op *base, size_t off)
{
	struct zdm_op op = *base;
	if (kw(r, k, e, "constraint") || kw(r, k, e, "index") ||
	    (r->d == ZDM_DIALECT_MYSQL && kw(r, k, e, "check"))) {
		emit(r, ZDM_OP_OTHER, &op, off);
		return;
	}
	accept(r, &k, e, "column");
	op.column = name_part(r, &k, e);
	if (kw(r, k, e, "type") ||
	    (kw(r, k, e, "set") && kw(r, k + 1, e, "data") && kw(r, k + 2, e, "type"))) {
		k = find_kw(r, k, e, "type") + 1;
		k = parse_type(r, k, e, &op.type);
		if (find_kw(r, k, e, "using") < e)
			op.flags |= ZDM_F_USING;
		emit(r, ZDM_OP_ALTER_TYPE, &op, off);
	} else if (kw(r, k, e, "set") && kw(r, k + 1, e, "not") && kw(r, k + 2, e, "null")) {
		emit(r, ZDM_OP_SET_NOT_NULL, &op, off);
	} else if (kw(r, k, e, "drop") && kw(r, k + 1, e, "not") && kw(r, k + 2, e, "null")) {
		emit(r, ZDM_OP_DROP_NOT_NULL, &op, off);
	} else if (accept2(r, &k, e, "set", "default")) {
		op.flags |= default_flags(r, k, e) & (ZDM_F_DEFAULT_VOLATILE | ZDM_F_DEFAULT_NULL);
		emit(r, ZDM_OP_SET_DEFAULT, &op, off);
	} else {
		emit(r, ZDM_OP_OTHER, &op, off); /* DROP DEFAULT, SET STATISTICS, ... */
	}
}

/* MySQL MODIFY [COLUMN] coldef and CHANGE [COLUMN] old coldef. */
static void alter_modify(const struct rc *r, size_t k, size_t e,
			 const struct zdm_op *base, size_t off, int change)
{
	struct zdm_op op = *base;
	const char *old = NULL;
	accept(r, &k, e, "column");
	if (change && !(old = name_part(r, &k, e))) {
		emit(r, ZDM_OP_OTHER, &op, off);
		return;
	}
	if (!coldef(r, k, e, &op)) {
		emit(r, ZDM_OP_OTHER, base, off);
		return;
	}
	/* MySQL column names compare case-insensitively */
	if (old && !zdm_strncaseeq(old, strlen(old), op.column)) {
		struct zdm_op ren = *base;
		ren.column = old;
		ren.name = op.column;
		emit(r, ZDM_OP_RENAME_COLUMN, &ren, off);
	}
	emit(r, ZDM_OP_ALTER_TYPE, &op, off);
}

static void alter_set(const struct rc *r, size_t k, size_t e,
		      const struct zdm_op *base, size_t off)
{
	struct zdm_op op = *base;
	const char *s;
	if (accept(r, &k, e, "logged")) {
		emit(r, ZDM_OP_SET_LOGGED, &op, off);
	} else if (accept(r, &k, e, "unlogged")) {
		emit(r, ZDM_OP_SET_UNLOGGED, &op, off);
	} else if (accept(r, &k, e, "tablespace") && qname(r, &k, e, &s, &op.name)) {
		emit(r, ZDM_OP_SET_TABLESPACE, &op, off);
	} else if (accept2(r, &k, e, "access", "method")) {
		if (!qname(r, &k, e, &s, &op.name))
			op.name = NULL;
		emit(r, ZDM_OP_SET_ACCESS_METHOD, &op, off);
	} else {
		emit(r, ZDM_OP_OTHER, &op, off);
	}
}

/* One action of ALTER TABLE, filling [i, e). */
static void alter_action(const struct rc *r, size_t i, size_t e, const struct zdm_op *base)
{
	struct zdm_op op = *base;
	size_t k = i, off;
	const char *s;
	if (i >= e)
		return;
	off = r->t[i].off;
	if (accept(r, &k, e, "add")) {
		if (accept(r, &k, e, "column"))
			add_column(r, k, e, base, off);
		else if (kw(r, k, e, "constraint") || is_con_start(r, k, e))
			add_constraint(r, k, e, base, off);
		else if (kw(r, k, e, "partition"))
			emit(r, ZDM_OP_OTHER, base, off);
		else
			add_column(r, k, e, base, off);
	} else if (accept(r, &k, e, "drop")) {
		alter_drop(r, k, e, base, off);
	} else if (accept(r, &k, e, "rename")) {
		alter_rename(r, k, e, base, off);
	} else if (accept(r, &k, e, "alter")) {
		alter_column(r, k, e, base, off);
	} else if (accept(r, &k, e, "modify")) {
		alter_modify(r, k, e, base, off, 0);
	} else if (accept(r, &k, e, "change")) {
		alter_modify(r, k, e, base, off, 1);
	} else if (kw(r, k, e, "algorithm") || kw(r, k, e, "lock")) {
		/* read by mysql_opts() */
	} else if (accept2(r, &k, e, "convert", "to")) {
		op.value = "convert";
		emit(r, ZDM_OP_ALTER_TYPE, &op, off);
	} else if (accept(r, &k, e, "set")) {
		alter_set(r, k, e, base, off);
	} else if (accept2(r, &k, e, "attach", "partition")) {
		if (!qname(r, &k, e, &s, &op.name))
			op.name = NULL;
		emit(r, ZDM_OP_ATTACH_PARTITION, &op, off);
	} else if (accept2(r, &k, e, "detach", "partition")) {
		if (!qname(r, &k, e, &s, &op.name))
			op.name = NULL;
		if (accept(r, &k, e, "concurrently"))
			op.flags |= ZDM_F_CONCURRENTLY;
		emit(r, ZDM_OP_DETACH_PARTITION, &op, off);
	} else if (accept2(r, &k, e, "validate", "constraint")) {
		op.name = name_part(r, &k, e);
		emit(r, ZDM_OP_VALIDATE_CONSTRAINT, &op, off);
	} else {
		emit(r, ZDM_OP_OTHER, &op, off);
	}
}

/*
 * MySQL partition options follow the action list without a comma
 * (ALTER TABLE t ENGINE=InnoDB PARTITION BY HASH(id) PARTITIONS 4):
 * where PARTITION BY or REMOVE PARTITIONING starts, or end.
 */
static size_t mysql_partitioning(const struct rc *r, size_t k, size_t end)
{
	if (r->d != ZDM_DIALECT_MYSQL)
		return end;
	for (; k < end; k = step(r, k, end))
		if ((kw(r, k, end, "partition") && kw(r, k + 1, end, "by")) ||
		    (kw(r, k, end, "remove") && kw(r, k + 1, end, "partitioning")))
			return k;
	return end;
}

/* ALTER TABLE [IF EXISTS] [ONLY] t action [, action ...]; k after TABLE. */
static void alter_table(const struct rc *r, size_t k, size_t end, size_t s)
{
	struct zdm_op base;
	memset(&base, 0, sizeof base);
	/* IF EXISTS and ONLY are about the table, not its actions */
	while (accept_if_exists(r, &k, end) || accept(r, &k, end, "only"))
		;
	if (!qname(r, &k, end, &base.schema, &base.table)) {
		emit(r, ZDM_OP_OTHER, NULL, r->t[s].off);
		return;
	}
	if (is_punct(r, k, end, '*'))
		k++;
	mysql_opts(r, k, end);
	size_t before = r->out->nops, pend = mysql_partitioning(r, k, end);
	while (k < pend) {
		size_t e = next_comma(r, k, pend);
		alter_action(r, k, e, &base);
		k = e + 1;
	}
	if (pend < end) {
		struct zdm_op op = base;
		op.value = kw(r, pend, end, "remove") ? "remove partitioning" : "partition by";
		emit(r, ZDM_OP_OTHER, &op, r->t[pend].off);
	}
	if (r->out->nops == before && !r->out->mysql.algorithm && !r->out->mysql.lock)
		emit(r, ZDM_OP_OTHER, &base, r->t[s].off);
}

/* ALTER TYPE t ADD VALUE [IF NOT EXISTS] 'v' [BEFORE | AFTER 'w']. */
static void alter_type(const struct rc *r, size_t k, size_t end, size_t s)
{
	struct zdm_op op;
	memset(&op, 0, sizeof op);
	size_t off = r->t[s].off;
	if (!qname(r, &k, end, &op.schema, &op.name)) {
		emit(r, ZDM_OP_OTHER, NULL, off);
		return;
	}
	if (!accept2(r, &k, end, "add", "value")) {
		emit(r, ZDM_OP_OTHER, &op, off);
		return;
	}
	if (accept_if_not_exists(r, &k, end))
		op.flags |= ZDM_F_IF_NOT_EXISTS;
	if (is_kind(r, k, end, ZDM_TK_STRING))
		op.value = unquote(r, k++);
	if (kw(r, k, end, "before") || kw(r, k, end, "after"))
		op.flags |= ZDM_F_POSITIONED;
	emit(r, ZDM_OP_ADD_ENUM_VALUE, &op, off);
}

/* ALTER DOMAIN d ADD [CONSTRAINT n] CHECK (...) [NOT VALID]. */
static void alter_domain(const struct rc *r, size_t k, size_t end, size_t s)
{
	struct zdm_op op;
	memset(&op, 0, sizeof op);
	size_t off = r->t[s].off;
	if (!qname(r, &k, end, &op.schema, &op.name) || !accept(r, &k, end, "add")) {
		emit(r, ZDM_OP_OTHER, &op, off);
		return;
	}
	for (; k < end; k = step(r, k, end))
		if (kw(r, k, end, "not") && kw(r, k + 1, end, "valid"))
			op.flags |= ZDM_F_NOT_VALID;
	emit(r, ZDM_OP_ALTER_DOMAIN_ADD_CONSTRAINT, &op, off);
}

/* ALTER INDEX [IF EXISTS] i SET TABLESPACE x: the index goes in table, as in sql/pg.c. */
static void alter_index(const struct rc *r, size_t k, size_t end, size_t s)
{
	struct zdm_op op;
	const char *ts;
	memset(&op, 0, sizeof op);
	accept_if_exists(r, &k, end);
	if (qname(r, &k, end, &op.schema, &op.table) &&
	    accept2(r, &k, end, "set", "tablespace") && qname(r, &k, end, &ts, &op.name)) {
		op.value = "index";
		emit(r, ZDM_OP_SET_TABLESPACE, &op, r->t[s].off);
	} else {
		emit(r, ZDM_OP_OTHER, NULL, r->t[s].off);
	}
}

static void alter_stmt(const struct rc *r, size_t k, size_t end, size_t s)
{
	static const char *const mods[] = { "online", "offline", "ignore", NULL };
	while (word_in(r, k, end, mods))
		k++;
	if (accept(r, &k, end, "table"))
		alter_table(r, k, end, s);
	else if (accept(r, &k, end, "type"))
		alter_type(r, k, end, s);
	else if (accept(r, &k, end, "domain"))
		alter_domain(r, k, end, s);
	else if (accept(r, &k, end, "index"))
		alter_index(r, k, end, s);
	else
		emit(r, ZDM_OP_OTHER, NULL, r->t[s].off);
}

/* ---- CREATE ------------------------------------------------------------- */

/* CREATE TABLE: k after TABLE. */
static void create_table(const struct rc *r, size_t k, size_t end, size_t s,
			 unsigned flags)
{
	static const char *const as_words[] = { "as", "select", NULL };
	struct zdm_op op;
	size_t gs = 0, ge = 0, j;
	memset(&op, 0, sizeof op);
	op.flags = flags;
	if (accept_if_not_exists(r, &k, end))
		op.flags |= ZDM_F_IF_NOT_EXISTS;
	if (!qname(r, &k, end, &op.schema, &op.table)) {
		emit(r, ZDM_OP_OTHER, NULL, r->t[s].off);
		return;
	}
	j = k;
	if (is_kind(r, k, end, ZDM_TK_LPAREN)) {
		group(r, k, end, &gs, &ge);
		j = step(r, k, end);
	}
	for (; j < end; j = step(r, j, end))
		if (word_in(r, j, end, as_words)) {
			op.flags |= ZDM_F_AS_SELECT;
			break;
		}
	emit(r, ZDM_OP_CREATE_TABLE, &op, r->t[s].off);
	if (op.flags & ZDM_F_AS_SELECT)
		return;
	struct zdm_op base;
	memset(&base, 0, sizeof base);
	base.schema = op.schema;
	base.table = op.table;
	while (gs < ge) {
		size_t ce = next_comma(r, gs, ge);
		struct zdm_op col = base;
		if (!is_table_constraint(r, gs, ce) && coldef(r, gs, ce, &col))
			emit(r, ZDM_OP_ADD_COLUMN, &col, r->t[gs].off);
		gs = ce + 1;
	}
}

/* CREATE INDEX: k after INDEX. */
static void create_index(const struct rc *r, size_t k, size_t end, size_t s,
			 unsigned flags)
{
	struct zdm_op op;
	const char *ischema = NULL;
	memset(&op, 0, sizeof op);
	op.flags = flags;
	if (accept(r, &k, end, "concurrently"))
		op.flags |= ZDM_F_CONCURRENTLY;
	if (accept_if_not_exists(r, &k, end))
		op.flags |= ZDM_F_IF_NOT_EXISTS;
	if (!kw(r, k, end, "on") && !qname(r, &k, end, &ischema, &op.name)) {
		emit(r, ZDM_OP_OTHER, NULL, r->t[s].off);
		return;
	}
	k = find_kw(r, k, end, "on");
	if (accept(r, &k, end, "on")) {
		accept(r, &k, end, "only");
		if (!qname(r, &k, end, &op.schema, &op.table))
			op.table = NULL;
	}
	if (!op.schema)
		op.schema = ischema;
	mysql_opts(r, k, end);
	emit(r, ZDM_OP_CREATE_INDEX, &op, r->t[s].off);
}

/* CREATE TRIGGER: k after TRIGGER. */
static void create_trigger(const struct rc *r, size_t k, size_t end, size_t s)
{
	struct zdm_op op;
	const char *ts;
	memset(&op, 0, sizeof op);
	accept_if_not_exists(r, &k, end);
	if (!qname(r, &k, end, &ts, &op.name))
		op.name = NULL;
	k = find_kw(r, k, end, "on");
	if (accept(r, &k, end, "on") && !qname(r, &k, end, &op.schema, &op.table))
		op.table = NULL;
	emit(r, ZDM_OP_CREATE_TRIGGER, &op, r->t[s].off);
}

/* CREATE DOMAIN: k after DOMAIN. */
static void create_domain(const struct rc *r, size_t k, size_t end, size_t s)
{
	struct zdm_op op;
	memset(&op, 0, sizeof op);
	if (!qname(r, &k, end, &op.schema, &op.name)) {
		emit(r, ZDM_OP_OTHER, NULL, r->t[s].off);
		return;
	}
	for (; k < end; k = step(r, k, end))
		if (kw(r, k, end, "check") ||
		    (kw(r, k, end, "not") && kw(r, k + 1, end, "null")))
			op.flags |= ZDM_F_CHECK;
	emit(r, ZDM_OP_CREATE_DOMAIN, &op, r->t[s].off);
}

static void create_stmt(const struct rc *r, size_t k, size_t end, size_t s)
{
	static const char *const definer_end[] = {
		"trigger", "view", "procedure", "function", "event", "sql",
		"algorithm", NULL,
	};
	unsigned flags = 0;
	for (;;) {
		if (accept(r, &k, end, "or") || accept(r, &k, end, "replace") ||
		    accept(r, &k, end, "global") || accept(r, &k, end, "local") ||
		    accept(r, &k, end, "unlogged") || accept(r, &k, end, "constraint") ||
		    accept(r, &k, end, "recursive") || accept(r, &k, end, "fulltext") ||
		    accept(r, &k, end, "spatial")) {
			continue;
		} else if (accept(r, &k, end, "temp") || accept(r, &k, end, "temporary")) {
			flags |= ZDM_F_TEMP;
		} else if (accept(r, &k, end, "unique")) {
			flags |= ZDM_F_UNIQUE;
		} else if (accept(r, &k, end, "definer")) {
			/* DEFINER = 'u'@'h' | `u`@`h` | CURRENT_USER[()] */
			size_t stop = clamp(k + 8, end);
			while (k < stop && !word_in(r, k, end, definer_end))
				k++;
		} else if (accept(r, &k, end, "algorithm")) {
			k = clamp(k + 2, end);
		} else if (accept2(r, &k, end, "sql", "security")) {
			k = clamp(k + 1, end);
		} else {
			break;
		}
	}
	if (accept(r, &k, end, "table"))
		create_table(r, k, end, s, flags);
	else if (accept(r, &k, end, "index"))
		create_index(r, k, end, s, flags & ZDM_F_UNIQUE);
	else if (accept(r, &k, end, "trigger"))
		create_trigger(r, k, end, s);
	else if (accept(r, &k, end, "domain"))
		create_domain(r, k, end, s);
	else
		emit(r, ZDM_OP_OTHER, NULL, r->t[s].off);
}

/* ---- DROP, TRUNCATE, RENAME, LOCK --------------------------------------- */

/*
 * name [, name ...] from k, one op of kind each with the base flags;
 * ONLY before a name and * after it are skipped.  Returns the index after
 * the list.
 */
static size_t name_list(const struct rc *r, size_t k, size_t end, enum zdm_op_kind kind,
			const struct zdm_op *base, size_t off, int into_name)
{
	for (;;) {
		struct zdm_op op = *base;
		const char *schema, *nm;
		accept(r, &k, end, "only");
		if (!qname(r, &k, end, &schema, &nm))
			break;
		op.schema = schema;
		if (into_name)
			op.name = nm;
		else
			op.table = nm;
		emit(r, kind, &op, off);
		if (is_punct(r, k, end, '*'))
			k++;
		if (!is_kind(r, k, end, ZDM_TK_COMMA))
			break;
		k++;
	}
	return k;
}

static void drop_stmt(const struct rc *r, size_t k, size_t end, size_t s)
{
	struct zdm_op base;
	size_t off = r->t[s].off, first = r->out->nops;
	enum zdm_op_kind kind;
	int into_name = 0;
	memset(&base, 0, sizeof base);
	if (accept(r, &k, end, "temporary") || accept(r, &k, end, "temp"))
		base.flags |= ZDM_F_TEMP;
	if (accept(r, &k, end, "table")) {
		kind = ZDM_OP_DROP_TABLE;
	} else if (accept(r, &k, end, "index")) {
		kind = ZDM_OP_DROP_INDEX;
		into_name = 1;
		if (accept(r, &k, end, "concurrently"))
			base.flags |= ZDM_F_CONCURRENTLY;
	} else if (accept(r, &k, end, "database")) {
		kind = ZDM_OP_DROP_DATABASE;
		into_name = 1;
	} else if (accept(r, &k, end, "schema")) {
		kind = ZDM_OP_DROP_SCHEMA;
		into_name = 1;
	} else {
		emit(r, ZDM_OP_OTHER, NULL, off);
		return;
	}
	if (accept_if_exists(r, &k, end))
		base.flags |= ZDM_F_IF_EXISTS;
	k = name_list(r, k, end, kind, &base, off, into_name);
	if (r->out->nops == first) {
		emit(r, ZDM_OP_OTHER, NULL, off);
		return;
	}
	flag_from(r, first, cascade_flag(r, k, end));
	if (kind == ZDM_OP_DROP_INDEX) {
		const char *schema, *tbl;
		/* MySQL: DROP INDEX i ON t [ALGORITHM=...] [LOCK=...] */
		if (accept(r, &k, end, "on") && qname(r, &k, end, &schema, &tbl))
			for (size_t i = first; i < r->out->nops; i++)
				r->out->ops[i].table = tbl;
		mysql_opts(r, k, end);
	}
}

static void truncate_stmt(const struct rc *r, size_t k, size_t end, size_t s)
{
	struct zdm_op base;
	size_t first = r->out->nops;
	memset(&base, 0, sizeof base);
	accept(r, &k, end, "table");
	k = name_list(r, k, end, ZDM_OP_TRUNCATE, &base, r->t[s].off, 0);
	if (r->out->nops == first)
		emit(r, ZDM_OP_OTHER, NULL, r->t[s].off);
	else
		flag_from(r, first, cascade_flag(r, k, end));
}

/* MySQL RENAME TABLE a TO b [, c TO d ...]. */
static void rename_stmt(const struct rc *r, size_t k, size_t end, size_t s)
{
	size_t first = r->out->nops;
	if (accept(r, &k, end, "table") || accept(r, &k, end, "tables")) {
		while (k < end) {
			struct zdm_op op;
			const char *ns;
			memset(&op, 0, sizeof op);
			if (!qname(r, &k, end, &op.schema, &op.table) ||
			    !accept(r, &k, end, "to") || !qname(r, &k, end, &ns, &op.name))
				break;
			emit(r, ZDM_OP_RENAME_TABLE, &op, r->t[s].off);
			if (!is_kind(r, k, end, ZDM_TK_COMMA))
				break;
			k++;
		}
	}
	if (r->out->nops == first)
		emit(r, ZDM_OP_OTHER, NULL, r->t[s].off);
}

/* The words from i to end, lowercased and joined by one space. */
static const char *words_lower(const struct rc *r, size_t i, size_t end)
{
	struct zdm_buf b = ZDM_BUF_INIT;
	for (; i < end && is_kind(r, i, end, ZDM_TK_WORD); i++)
		buf_word(&b, r, i);
	if (!b.len)
		return NULL;
	const char *p = lower_dup(r, b.data, b.len);
	zdm_buf_release(&b);
	return p;
}

/*
 * PostgreSQL LOCK [TABLE] [ONLY] a [*], b [IN mode MODE] [NOWAIT];
 * MySQL LOCK TABLES a [[AS] x] READ [LOCAL] | [LOW_PRIORITY] WRITE, ...
 */
static void lock_stmt(const struct rc *r, size_t k, size_t end, size_t s)
{
	size_t off = r->t[s].off, first = r->out->nops;
	struct zdm_op base;
	memset(&base, 0, sizeof base);
	if (!accept(r, &k, end, "table"))
		accept(r, &k, end, "tables");
	if (r->d == ZDM_DIALECT_MYSQL) {
		static const char *const modes[] = { "read", "write", "low_priority", NULL };
		while (k < end) {
			size_t e = next_comma(r, k, end);
			struct zdm_op op = base;
			if (qname(r, &k, e, &op.schema, &op.table)) {
				if (accept(r, &k, e, "as") || !word_in(r, k, e, modes))
					name_part(r, &k, e);
				op.name = words_lower(r, k, e);
				emit(r, ZDM_OP_LOCK_TABLE, &op, off);
			}
			k = e + 1;
		}
	} else {
		size_t in = find_kw(r, k, end, "in");
		name_list(r, k, in, ZDM_OP_LOCK_TABLE, &base, off, 0);
		const char *mode = "access exclusive";
		if (in < end) {
			size_t me = find_kw(r, in + 1, end, "mode");
			const char *m = words_lower(r, in + 1, me);
			if (m)
				mode = m;
		}
		for (size_t i = first; i < r->out->nops; i++)
			r->out->ops[i].name = mode;
	}
	if (r->out->nops == first)
		emit(r, ZDM_OP_OTHER, NULL, off);
}

/* ---- maintenance -------------------------------------------------------- */

/* True when an option list (a, b false, ...) at i turns option w on. */
static int option_on(const struct rc *r, size_t i, size_t end, const char *w)
{
	static const char *const off_words[] = { "false", "off", NULL };
	size_t s, e;
	group(r, i, end, &s, &e);
	for (size_t k = s; k < e; k = step(r, k, e)) {
		if (!kw(r, k, e, w))
			continue;
		if (word_in(r, k + 1, e, off_words) ||
		    (is_kind(r, k + 1, e, ZDM_TK_NUMBER) && r->t[k + 1].len == 1 &&
		     r->text[r->t[k + 1].off] == '0'))
			return 0;
		return 1;
	}
	return 0;
}

/* REINDEX [(opts)] INDEX | TABLE | SCHEMA | DATABASE | SYSTEM [CONCURRENTLY] x. */
static void reindex_stmt(const struct rc *r, size_t k, size_t end, size_t s)
{
	struct zdm_op op;
	int table = 0;
	const char *schema = NULL, *nm = NULL;
	memset(&op, 0, sizeof op);
	if (is_kind(r, k, end, ZDM_TK_LPAREN)) {
		if (option_on(r, k, end, "concurrently"))
			op.flags |= ZDM_F_CONCURRENTLY;
		k = step(r, k, end);
	}
	if (accept(r, &k, end, "table"))
		table = 1;
	else if (!accept(r, &k, end, "index") && !accept(r, &k, end, "schema") &&
		 !accept(r, &k, end, "database"))
		accept(r, &k, end, "system");
	if (accept(r, &k, end, "concurrently"))
		op.flags |= ZDM_F_CONCURRENTLY;
	if (qname(r, &k, end, &schema, &nm)) {
		op.schema = schema;
		if (table)
			op.table = nm;
		else
			op.name = nm;
	}
	emit(r, ZDM_OP_REINDEX, &op, r->t[s].off);
}

/* VACUUM [FULL] [FREEZE] [VERBOSE] [ANALYZE] [t, ...] or VACUUM (opts) t. */
static void vacuum_stmt(const struct rc *r, size_t k, size_t end, size_t s)
{
	static const char *const opts[] = {
		"full", "freeze", "verbose", "analyze", "analyse", NULL,
	};
	size_t off = r->t[s].off, first = r->out->nops;
	int full = 0;
	struct zdm_op base;
	memset(&base, 0, sizeof base);
	if (r->d == ZDM_DIALECT_SQLITE) {
		/* SQLite rebuilds the whole database file; VACUUM INTO only reads it */
		emit(r, find_kw(r, k, end, "into") < end ? ZDM_OP_OTHER : ZDM_OP_VACUUM_FULL,
		     NULL, off);
		return;
	}
	if (is_kind(r, k, end, ZDM_TK_LPAREN)) {
		full = option_on(r, k, end, "full");
		k = step(r, k, end);
	} else {
		while (word_in(r, k, end, opts))
			if (zdm_token_is(r->text, &r->t[k++], "full"))
				full = 1;
	}
	if (!full) {
		emit(r, ZDM_OP_OTHER, NULL, off);
		return;
	}
	while (k < end) {
		struct zdm_op op = base;
		if (!qname(r, &k, end, &op.schema, &op.table))
			break;
		emit(r, ZDM_OP_VACUUM_FULL, &op, off);
		if (is_kind(r, k, end, ZDM_TK_LPAREN))
			k = step(r, k, end);
		if (!is_kind(r, k, end, ZDM_TK_COMMA))
			break;
		k++;
	}
	if (r->out->nops == first)
		emit(r, ZDM_OP_VACUUM_FULL, NULL, off);
}

/* CLUSTER [VERBOSE] [t [USING i]] | CLUSTER (opts) t | CLUSTER i ON t. */
static void cluster_stmt(const struct rc *r, size_t k, size_t end, size_t s)
{
	struct zdm_op op;
	const char *schema, *nm;
	memset(&op, 0, sizeof op);
	if (is_kind(r, k, end, ZDM_TK_LPAREN))
		k = step(r, k, end);
	accept(r, &k, end, "verbose");
	if (qname(r, &k, end, &schema, &nm)) {
		const char *s2, *t2;
		if (accept(r, &k, end, "on") && qname(r, &k, end, &s2, &t2)) {
			op.name = nm;
			op.schema = s2;
			op.table = t2;
		} else {
			op.schema = schema;
			op.table = nm;
			if (accept(r, &k, end, "using"))
				op.name = name_part(r, &k, end);
		}
	}
	emit(r, ZDM_OP_CLUSTER, &op, r->t[s].off);
}

/* REFRESH MATERIALIZED VIEW [CONCURRENTLY] v. */
static void refresh_stmt(const struct rc *r, size_t k, size_t end, size_t s)
{
	struct zdm_op op;
	memset(&op, 0, sizeof op);
	if (!accept2(r, &k, end, "materialized", "view")) {
		emit(r, ZDM_OP_OTHER, NULL, r->t[s].off);
		return;
	}
	if (accept(r, &k, end, "concurrently"))
		op.flags |= ZDM_F_CONCURRENTLY;
	if (!qname(r, &k, end, &op.schema, &op.table))
		op.table = NULL;
	emit(r, ZDM_OP_REFRESH_MATVIEW, &op, r->t[s].off);
}

/* ---- data --------------------------------------------------------------- */

/* UPDATE [LOW_PRIORITY] [IGNORE] [OR x] [ONLY] t ... */
static void update_stmt(const struct rc *r, size_t k, size_t end, size_t s)
{
	static const char *const mods[] = { "low_priority", "ignore", "only", NULL };
	struct zdm_op op;
	memset(&op, 0, sizeof op);
	for (;;) {
		if (word_in(r, k, end, mods))
			k++;
		else if (kw(r, k, end, "or") && is_kind(r, k + 1, end, ZDM_TK_WORD))
			k += 2; /* SQLite UPDATE OR IGNORE */
		else
			break;
	}
	if (!qname(r, &k, end, &op.schema, &op.table)) {
		emit(r, ZDM_OP_OTHER, NULL, r->t[s].off);
		return;
	}
	op.flags = filter_flags(r, k, end);
	emit(r, ZDM_OP_UPDATE, &op, r->t[s].off);
}

/* DELETE [LOW_PRIORITY] [QUICK] [IGNORE] FROM [ONLY] t ..., or MySQL DELETE t FROM ... */
static void delete_stmt(const struct rc *r, size_t k, size_t end, size_t s)
{
	static const char *const mods[] = { "low_priority", "quick", "ignore", NULL };
	struct zdm_op op;
	memset(&op, 0, sizeof op);
	while (word_in(r, k, end, mods))
		k++;
	accept(r, &k, end, "from");
	accept(r, &k, end, "only");
	if (!qname(r, &k, end, &op.schema, &op.table)) {
		emit(r, ZDM_OP_OTHER, NULL, r->t[s].off);
		return;
	}
	op.flags = filter_flags(r, k, end);
	emit(r, ZDM_OP_DELETE, &op, r->t[s].off);
}

/*
 * Past [RECURSIVE] a AS (...), b AS (...) at k (after WITH); when name is
 * given, *found says whether one of them is called name (a CTE is not a
 * table: copying from it copies nothing that exists).
 */
static size_t walk_ctes(const struct rc *r, size_t k, size_t end, const char *name, int *found)
{
	accept(r, &k, end, "recursive");
	while (k < end) {
		size_t at = k;
		if (!name_part(r, &k, end))
			break;
		if (name && zdm_token_is(r->text, &r->t[at], name))
			*found = 1;
		if (is_kind(r, k, end, ZDM_TK_LPAREN))
			k = step(r, k, end);
		accept(r, &k, end, "as");
		accept(r, &k, end, "not");
		accept(r, &k, end, "materialized");
		if (is_kind(r, k, end, ZDM_TK_LPAREN))
			k = step(r, k, end);
		if (!is_kind(r, k, end, ZDM_TK_COMMA))
			break;
		k++;
	}
	return k;
}

static size_t skip_ctes(const struct rc *r, size_t k, size_t end)
{
	return walk_ctes(r, k, end, NULL, NULL);
}

/*
 * ref is a CTE: of the WITH before the INSERT (its CTEs from lead to the
 * INSERT at s; lead 0: none) or of the query's own WITH (CTEs from qs).
 */
static int is_cte(const struct rc *r, size_t lead, size_t s, size_t qs, size_t qe, const char *ref)
{
	int found = 0;
	if (lead)
		walk_ctes(r, lead, s, ref, &found);
	if (!found && qs)
		walk_ctes(r, qs, qe, ref, &found);
	return found;
}

/* INSERT ... SELECT ... FROM s: INSERT_SELECT; INSERT ... VALUES: OTHER. */
static void insert_stmt(const struct rc *r, size_t k, size_t end, size_t s, size_t lead)
{
	static const char *const mods[] = {
		"low_priority", "delayed", "high_priority", "ignore", NULL,
	};
	struct zdm_op op;
	size_t off = r->t[s].off, qs = end, qe = end, cte_at = 0;
	memset(&op, 0, sizeof op);
	for (;;) {
		if (word_in(r, k, end, mods))
			k++;
		else if (kw(r, k, end, "or") && is_kind(r, k + 1, end, ZDM_TK_WORD))
			k += 2; /* SQLite INSERT OR REPLACE */
		else
			break;
	}
	accept(r, &k, end, "into");
	if (!qname(r, &k, end, &op.schema, &op.table)) {
		emit(r, ZDM_OP_OTHER, NULL, off);
		return;
	}
	if (kw(r, k, end, "partition") && is_open(r, k + 1, end))
		k = step(r, k + 1, end);
	if (accept(r, &k, end, "as"))
		name_part(r, &k, end);
	if (is_kind(r, k, end, ZDM_TK_LPAREN) && !kw(r, k + 1, end, "select") &&
	    !kw(r, k + 1, end, "with"))
		k = step(r, k, end);
	if (kw(r, k, end, "overriding"))
		k = clamp(k + 3, end);
	if (is_kind(r, k, end, ZDM_TK_LPAREN)) {
		group(r, k, end, &qs, &qe);
	} else {
		qs = k;
		qe = end;
	}
	if (accept(r, &qs, qe, "with")) {
		cte_at = qs;
		qs = skip_ctes(r, qs, qe);
	}
	if (accept(r, &qs, qe, "table")) {
		const char *rs;
		if (qname(r, &qs, qe, &rs, &op.ref_table)) {
			if (is_cte(r, lead, s, cte_at, qe, op.ref_table))
				op.ref_table = NULL;
			emit(r, ZDM_OP_INSERT_SELECT, &op, off);
			return;
		}
	} else if (kw(r, qs, qe, "select")) {
		size_t f = find_kw(r, qs, qe, "from");
		if (f < qe) {
			const char *rs;
			f++;
			accept(r, &f, qe, "only");
			if (!qname(r, &f, qe, &rs, &op.ref_table) ||
			    is_cte(r, lead, s, cte_at, qe, op.ref_table))
				op.ref_table = NULL;
			op.flags = filter_flags(r, f, qe);
			emit(r, ZDM_OP_INSERT_SELECT, &op, off);
			return;
		}
	}
	emit(r, ZDM_OP_OTHER, &op, off);
}

/* ---- transactions and settings ------------------------------------------ */

/* A SET value: a lone string unquoted, else the text; lowercase. */
static const char *value_text(const struct rc *r, size_t i, size_t end)
{
	if (i >= end)
		return NULL;
	if (end - i == 1 && r->t[i].kind == ZDM_TK_STRING && r->text[r->t[i].off] != '$') {
		const char *v = unquote(r, i);
		return lower_dup(r, v, strlen(v));
	}
	const char *v = span(r, i, end);
	return lower_dup(r, v, strlen(v));
}

/* The dotted setting name at *k (a.b), lowercase. */
static const char *setting_name(const struct rc *r, size_t *k, size_t end)
{
	size_t s = *k;
	if (!is_name_tok(r, s, end))
		return NULL;
	(*k)++;
	while (is_kind(r, *k, end, ZDM_TK_DOT) && is_name_tok(r, *k + 1, end))
		*k += 2;
	const char *v = span(r, s, *k);
	return lower_dup(r, v, strlen(v));
}

/* Past = or := or TO. */
static void accept_assign(const struct rc *r, size_t *k, size_t end)
{
	if (is_punct(r, *k, end, ':') && is_punct(r, *k + 1, end, '='))
		*k += 2;
	else if (is_punct(r, *k, end, '=') || kw(r, *k, end, "to"))
		(*k)++;
}

/* One MySQL assignment in [k, e): [GLOBAL|SESSION] x = v, @@x = v, @v = v. */
static void set_mysql_one(const struct rc *r, size_t k, size_t e, size_t off)
{
	static const char *const global[] = { "global", "persist", "persist_only", NULL };
	static const char *const session[] = { "session", "local", NULL };
	struct zdm_op op;
	int other = 0;
	memset(&op, 0, sizeof op);
	if (word_in(r, k, e, global)) {
		other = 1;
		k++;
	} else if (word_in(r, k, e, session)) {
		k++;
	}
	if (is_kind(r, k, e, ZDM_TK_PARAM)) {
		const char *p = r->text + r->t[k].off;
		size_t n = r->t[k].len;
		if (n < 3 || p[0] != '@' || p[1] != '@') {
			emit(r, ZDM_OP_OTHER, NULL, off); /* a user variable */
			return;
		}
		const char *nm = lower_dup(r, p + 2, n - 2);
		k++;
		if (is_kind(r, k, e, ZDM_TK_DOT) && is_name_tok(r, k + 1, e)) {
			if (strcmp(nm, "global") == 0 || strcmp(nm, "persist") == 0 ||
			    strcmp(nm, "persist_only") == 0)
				other = 1;
			nm = tok_lower(r, k + 1);
			k += 2;
		}
		op.name = nm;
	} else if (kw(r, k, e, "names") || kw(r, k, e, "charset")) {
		op.name = tok_lower(r, k++);
	} else if (kw(r, k, e, "character") && kw(r, k + 1, e, "set")) {
		op.name = "character set";
		k += 2;
	} else if (kw(r, k, e, "transaction") || !(op.name = setting_name(r, &k, e))) {
		emit(r, ZDM_OP_OTHER, NULL, off);
		return;
	}
	accept_assign(r, &k, e);
	op.value = value_text(r, k, e);
	/* a GLOBAL setting does not change this session: not a session SET */
	emit(r, other ? ZDM_OP_OTHER : ZDM_OP_SET, &op, off);
}

/* SET [SESSION | LOCAL] name {= | TO} value (PostgreSQL); MySQL lists. */
static void set_stmt(const struct rc *r, size_t k, size_t end, size_t s)
{
	size_t off = r->t[s].off;
	struct zdm_op op;
	memset(&op, 0, sizeof op);
	if (r->d == ZDM_DIALECT_MYSQL) {
		while (k < end) {
			size_t e = next_comma(r, k, end);
			set_mysql_one(r, k, e, off);
			k = e + 1;
		}
		return;
	}
	if (kw(r, k, end, "session") &&
	    (kw(r, k + 1, end, "authorization") || kw(r, k + 1, end, "characteristics"))) {
		emit(r, ZDM_OP_OTHER, NULL, off);
		return;
	}
	if (accept(r, &k, end, "local"))
		op.flags |= ZDM_F_LOCAL;
	else
		accept(r, &k, end, "session");
	if (kw(r, k, end, "transaction") || kw(r, k, end, "constraints")) {
		emit(r, ZDM_OP_OTHER, NULL, off);
		return;
	}
	if (accept2(r, &k, end, "time", "zone"))
		op.name = "timezone";
	else if (accept(r, &k, end, "names"))
		op.name = "client_encoding";
	else if (accept(r, &k, end, "schema"))
		op.name = "search_path";
	else if (!(op.name = setting_name(r, &k, end))) {
		emit(r, ZDM_OP_OTHER, NULL, off);
		return;
	}
	accept_assign(r, &k, end);
	op.value = value_text(r, k, end);
	emit(r, ZDM_OP_SET, &op, off);
}

/* RESET x: back to the default.  RESET ALL: OTHER. */
static void reset_stmt(const struct rc *r, size_t k, size_t end, size_t s)
{
	struct zdm_op op;
	memset(&op, 0, sizeof op);
	if (kw(r, k, end, "all") || !(op.name = setting_name(r, &k, end))) {
		emit(r, ZDM_OP_OTHER, NULL, r->t[s].off);
		return;
	}
	op.value = "default";
	emit(r, ZDM_OP_SET, &op, r->t[s].off);
}

/* SQLite PRAGMA [schema.]x [= v | (v)]. */
static void pragma_stmt(const struct rc *r, size_t k, size_t end, size_t s)
{
	struct zdm_op op;
	memset(&op, 0, sizeof op);
	if (is_name_tok(r, k, end) && is_kind(r, k + 1, end, ZDM_TK_DOT))
		k += 2;
	if (!is_name_tok(r, k, end)) {
		emit(r, ZDM_OP_OTHER, NULL, r->t[s].off);
		return;
	}
	op.name = tok_lower(r, k++);
	if (is_punct(r, k, end, '=')) {
		op.value = value_text(r, k + 1, end);
	} else if (is_kind(r, k, end, ZDM_TK_LPAREN)) {
		size_t gs, ge;
		group(r, k, end, &gs, &ge);
		op.value = value_text(r, gs, ge);
	} else {
		emit(r, ZDM_OP_OTHER, &op, r->t[s].off); /* a query, not a change */
		return;
	}
	emit(r, ZDM_OP_SET, &op, r->t[s].off);
}

/* ROLLBACK [WORK | TRANSACTION] [AND [NO] CHAIN]; not ROLLBACK TO. */
static void rollback_stmt(const struct rc *r, size_t k, size_t end, size_t s)
{
	if (find_kw(r, k, end, "to") < end || kw(r, k, end, "prepared"))
		emit(r, ZDM_OP_OTHER, NULL, r->t[s].off);
	else
		emit(r, ZDM_OP_ROLLBACK, NULL, r->t[s].off);
}

/* ---- statements --------------------------------------------------------- */

/*
 * EXPLAIN at k (after the word): returns the index of the statement an
 * EXPLAIN ANALYZE runs, or end when it only explains.
 */
static size_t explain_inner(const struct rc *r, size_t k, size_t end)
{
	static const char *const opts[] = { "verbose", "extended", "partitions", NULL };
	int analyze = 0;
	if (r->d == ZDM_DIALECT_SQLITE)
		return end;
	if (is_kind(r, k, end, ZDM_TK_LPAREN)) {
		analyze = option_on(r, k, end, "analyze") || option_on(r, k, end, "analyse");
		k = step(r, k, end);
	}
	for (;;) {
		if (accept(r, &k, end, "analyze") || accept(r, &k, end, "analyse"))
			analyze = 1;
		else if (word_in(r, k, end, opts))
			k++;
		else if (kw(r, k, end, "format") && is_punct(r, k + 1, end, '='))
			k = clamp(k + 3, end);
		else
			break;
	}
	return analyze ? k : end;
}

static void statement(const struct rc *r, size_t i, size_t end)
{
	size_t s, lead = 0;
	/* prefixes: psql meta lines, EXPLAIN ANALYZE, WITH ... */
	for (;;) {
		while (is_kind(r, i, end, ZDM_TK_META))
			i++;
		if (i >= end)
			return;
		if (kw(r, i, end, "explain")) {
			size_t in = explain_inner(r, i + 1, end);
			if (in >= end) {
				emit(r, ZDM_OP_OTHER, NULL, r->t[i].off);
				return;
			}
			i = in;
		} else if (kw(r, i, end, "with")) {
			size_t in = skip_ctes(r, i + 1, end);
			lead = i + 1;
			if (in >= end) {
				emit(r, ZDM_OP_OTHER, NULL, r->t[i].off);
				return;
			}
			i = in;
		} else {
			break;
		}
	}
	s = i;
	size_t k = i + 1, off = r->t[s].off;
	if (kw(r, s, end, "create")) {
		create_stmt(r, k, end, s);
	} else if (kw(r, s, end, "alter")) {
		alter_stmt(r, k, end, s);
	} else if (kw(r, s, end, "drop")) {
		drop_stmt(r, k, end, s);
	} else if (kw(r, s, end, "truncate")) {
		truncate_stmt(r, k, end, s);
	} else if (kw(r, s, end, "rename")) {
		rename_stmt(r, k, end, s);
	} else if (kw(r, s, end, "update")) {
		update_stmt(r, k, end, s);
	} else if (kw(r, s, end, "delete")) {
		delete_stmt(r, k, end, s);
	} else if (kw(r, s, end, "insert") || kw(r, s, end, "replace")) {
		insert_stmt(r, k, end, s, lead);
	} else if (kw(r, s, end, "lock")) {
		lock_stmt(r, k, end, s);
	} else if (kw(r, s, end, "reindex")) {
		reindex_stmt(r, k, end, s);
	} else if (kw(r, s, end, "vacuum")) {
		vacuum_stmt(r, k, end, s);
	} else if (kw(r, s, end, "cluster")) {
		cluster_stmt(r, k, end, s);
	} else if (kw(r, s, end, "refresh")) {
		refresh_stmt(r, k, end, s);
	} else if (kw(r, s, end, "begin") ||
		   (kw(r, s, end, "start") && kw(r, k, end, "transaction"))) {
		emit(r, ZDM_OP_BEGIN, NULL, off);
	} else if ((kw(r, s, end, "commit") && !kw(r, k, end, "prepared")) ||
		   (kw(r, s, end, "end") && r->d != ZDM_DIALECT_MYSQL)) {
		emit(r, ZDM_OP_COMMIT, NULL, off);
	} else if (kw(r, s, end, "rollback")) {
		rollback_stmt(r, k, end, s);
	} else if (kw(r, s, end, "abort") && r->d == ZDM_DIALECT_POSTGRES) {
		emit(r, ZDM_OP_ROLLBACK, NULL, off);
	} else if (kw(r, s, end, "set")) {
		set_stmt(r, k, end, s);
	} else if (kw(r, s, end, "reset") && r->d == ZDM_DIALECT_POSTGRES) {
		reset_stmt(r, k, end, s);
	} else if (kw(r, s, end, "pragma")) {
		pragma_stmt(r, k, end, s);
	} else {
		emit(r, ZDM_OP_OTHER, NULL, off);
	}
}

void zdm_recognise(enum zdm_dialect d, const char *text, size_t off,
		   size_t len, struct zdm_arena *a, struct zdm_parsed *out)
{
	struct zdm_token *t;
	size_t n, *stack, sp = 0;
	struct rc r;
	out->parsed = 0;
	zdm_lexer_all(d, text + off, len, &t, &n);
	for (size_t i = 0; i < n; i++) {
		t[i].off += off;
		if (t[i].kind == ZDM_TK_SEMI) {
			n = i; /* one statement: a body's ';' ends what we read */
			break;
		}
	}
	r.d = d;
	r.text = text;
	r.t = t;
	r.n = n;
	r.a = a;
	r.out = out;
	r.match = zdm_xmalloc((n ? n : 1) * sizeof(*r.match));
	stack = zdm_xmalloc((n ? n : 1) * sizeof(*stack));
	/* Brackets of any kind match each other: garbage in, no crash out. */
	for (size_t i = 0; i < n; i++) {
		r.match[i] = n;
		if (is_open(&r, i, n))
			stack[sp++] = i;
		else if (sp && is_close(&r, i))
			r.match[stack[--sp]] = i;
	}
	free(stack);
	statement(&r, 0, n);
	free(r.match);
	free(t);
}
