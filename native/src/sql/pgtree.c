/* SPDX-License-Identifier: MIT */
/*
 * pgtree.c - the queries of a PL/pgSQL body, read from libpg_query's JSON.
 *
 * pg_query_parse_plpgsql() gives a function's statements only as JSON.
 * We walk that text for the few strings we need (the SQL of each
 * PLpgSQL_stmt_execsql and PLpgSQL_stmt_dynexecute) instead of building a
 * document tree of it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zdm/pgtree.h"

#define MAX_DEPTH 1000 /* the parser's own stack limit comes first */

struct rd {
	const char *p, *end;
	struct zdm_arena *a;
	int depth;
	int bad;
};


static inline void ws(struct rd *r)
{
	/* libpg_query writes none: one test when there is none */
	while (r->p < r->end && (unsigned char)*r->p <= ' ' &&
	       (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r'))
		r->p++;
}

static inline int eat(struct rd *r, char ch)
{
	if (r->p < r->end && *r->p == ch) { /* no whitespace first: the usual case */
		r->p++;
		return 1;
	}
	ws(r);
	if (r->p < r->end && *r->p == ch) {
		r->p++;
		return 1;
	}
	return 0;
}

/* ---- strings ------------------------------------------------------------------ */

/* A JSON string, unescaped, NUL-terminated, in the arena. */
static char *string(struct rd *r)
{
	if (!eat(r, '"')) {
		r->bad = 1;
		return NULL;
	}
	const char *s = r->p;
	const char *q = memchr(s, '"', (size_t)(r->end - s));
	const char *bs = q ? memchr(s, '\\', (size_t)(q - s)) : NULL;
	if (q && !bs) { /* no escapes: the common case */
		r->p = q + 1;
		return zdm_arena_strndup(r->a, s, (size_t)(q - s));
	}
	/* Unescaping never makes a string longer than its JSON form. */
	q = bs ? bs : r->end;
	const char *e = q;
	while (e < r->end && *e != '"')
		e += *e == '\\' ? 2 : 1;
	if (e >= r->end) {
		r->bad = 1;
		return NULL;
	}
	char *out = zdm_arena_alloc(r->a, (size_t)(e - s) + 1);
	size_t n = 0;
	for (q = s; q < e; q++) {
		if (*q != '\\') {
			out[n++] = *q;
			continue;
		}
		q++;
		switch (*q) {
		case '"': case '\\': case '/': out[n++] = *q; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (e - q < 5 || !zdm_hex4(q + 1, &cp)) {
				r->bad = 1;
				return NULL;
			}
			q += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && e - q >= 7 && q[1] == '\\' &&
			    q[2] == 'u' && zdm_hex4(q + 3, &lo) && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				q += 6;
			}
			/* \u0000 cannot be in a C string: the tree would differ. */
			if (cp == 0) {
				r->bad = 1;
				return NULL;
			}
			n += zdm_utf8_put(out + n, cp);
			break;
		}
		default:
			r->bad = 1;
			return NULL;
		}
	}
	out[n] = '\0';
	r->p = e + 1;
	return out;
}

/* A key: no escapes in libpg_query's keys. */
static int key(struct rd *r, const char **k, size_t *kn)
{
	if (!eat(r, '"'))
		return 0;
	/*
	 * A key with a backslash matches no field, so the first '"' ends it
	 * (an escaped one leaves a key that matches nothing: the read fails).
	 */
	const char *s = r->p;
	const char *q = memchr(s, '"', (size_t)(r->end - s));
	if (!q)
		return 0;
	*k = s;
	*kn = (size_t)(q - s);
	r->p = q + 1;
	return eat(r, ':');
}

/* ---- scalars ------------------------------------------------------------------ */

static int integer(struct rd *r, int64_t *out)
{
	ws(r);
	int neg = 0;
	if (r->p < r->end && *r->p == '-') {
		neg = 1;
		r->p++;
	}
	if (r->p >= r->end || *r->p < '0' || *r->p > '9')
		return 0;
	uint64_t v = 0;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*r->p++ - '0');
	}
	if (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E'))
		return 0;
	if (v > (uint64_t)INT64_MAX + neg)
		return 0;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 1;
}

static double real(struct rd *r)
{
	ws(r);
	char *e;
	double v = strtod(r->p, &e); /* JSON text is NUL-terminated */
	if (e == r->p || e > r->end)
		r->bad = 1;
	else
		r->p = e;
	return v;
}

static int boolean(struct rd *r)
{
	ws(r);
	if (r->end - r->p >= 4 && memcmp(r->p, "true", 4) == 0) {
		r->p += 4;
		return 1;
	}
	if (r->end - r->p >= 5 && memcmp(r->p, "false", 5) == 0) {
		r->p += 5;
		return 0;
	}
	r->bad = 1;
	return 0;
}

/* ---- PL/pgSQL --------------------------------------------------------------------- */

/*
 * pg.c read pg_query_parse_plpgsql()'s JSON with jansson, which built a
 * tree of hash tables to read a handful of strings out of it.  We walk the
 * text instead, but refuse what jansson refused (invalid UTF-8, \u0000,
 * raw control characters, bad syntax), so that the same bodies are
 * analysed.
 */

/* Skip a string, checking it as jansson would; r->bad when it is not valid. */
static void skip_string(struct rd *r)
{
	if (!eat(r, '"')) {
		r->bad = 1;
		return;
	}
	while (r->p < r->end && *r->p != '"') {
		unsigned char ch = (unsigned char)*r->p;
		if (ch < 0x20) {
			r->bad = 1;
			return;
		}
		if (ch != '\\') {
			r->p++;
			continue;
		}
		if (r->end - r->p < 2) {
			r->bad = 1;
			return;
		}
		char e = r->p[1];
		if (e == 'u') {
			unsigned cp, lo;
			if (r->end - r->p < 6 || !zdm_hex4(r->p + 2, &cp) || cp == 0) {
				r->bad = 1;
				return;
			}
			r->p += 6;
			if (cp >= 0xdc00 && cp < 0xe000) {
				r->bad = 1;
				return;
			}
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' ||
				    !zdm_hex4(r->p + 2, &lo) || lo < 0xdc00 || lo >= 0xe000) {
					r->bad = 1;
					return;
				}
				r->p += 6;
			}
			continue;
		}
		if (!strchr("\"\\/bfnrt", e) || e == '\0') {
			r->bad = 1;
			return;
		}
		r->p += 2;
	}
	if (r->p >= r->end)
		r->bad = 1;
	else
		r->p++;
}

static void skip_number(struct rd *r)
{
	const char *s = r->p;
	if (r->p < r->end && *r->p == '-')
		r->p++;
	const char *d = r->p;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	if (r->p == d || (*d == '0' && r->p - d > 1)) {
		r->bad = 1;
		return;
	}
	if (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E')) {
		r->p = s;
		real(r);
		return;
	}
	/* jansson refuses an integer that does not fit in 64 bits */
	r->p = s;
	int64_t v;
	if (!integer(r, &v) || (v < 0) != (*s == '-'))
		r->bad = 1;
}

/*
 * Walk the value at r->p as pg.c's walk_plpgsql did (depth counted the
 * same way); queries go to *q, grown in the arena.
 */
struct qlist {
	struct zdm_pgtree_query *v;
	size_t n, cap;
};

static void skip_value(struct rd *r, int depth, struct qlist *q, int collect);

static int key_is(const char *k, size_t kn, const char *want)
{
	return kn == strlen(want) && memcmp(k, want, kn) == 0;
}


/* The value of key k in the object at r->p (the last one, as jansson keeps), or NULL. */
static const char *member(struct rd *r, const char *at, const char *k)
{
	struct rd s = *r;
	s.p = at;
	const char *found = NULL;
	if (!eat(&s, '{') || eat(&s, '}'))
		return NULL;
	do {
		const char *key_s;
		size_t kn;
		if (!key(&s, &key_s, &kn))
			return NULL;
		ws(&s);
		if (key_is(key_s, kn, k))
			found = s.p;
		skip_value(&s, 0, NULL, 0);
		if (s.bad)
			return NULL;
	} while (eat(&s, ','));
	return found;
}

static void add_query(struct rd *r, const char *v, int dyn, struct qlist *q)
{
	const char *e = member(r, v, dyn ? "query" : "sqlstmt");
	e = e ? member(r, e, "PLpgSQL_expr") : NULL;
	e = e ? member(r, e, "query") : NULL;
	if (!e || *e != '"')
		return;
	struct rd s = *r;
	s.p = e;
	char *sql = string(&s);
	if (!sql)
		return;
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 8;
		struct zdm_pgtree_query *nv = zdm_arena_alloc(r->a, cap * sizeof(*nv));
		if (q->n)
			memcpy(nv, q->v, q->n * sizeof(*nv));
		q->v = nv;
		q->cap = cap;
	}
	q->v[q->n].sql = sql;
	q->v[q->n].dynamic = dyn;
	q->n++;
}

static void skip_value(struct rd *r, int depth, struct qlist *q, int collect)
{
	if (++r->depth > MAX_DEPTH) {
		r->bad = 1;
		return;
	}
	/* walk_plpgsql looked no deeper than 200; what is deeper is only checked */
	if (collect && depth > 200)
		collect = 0;
	ws(r);
	if (r->p >= r->end) {
		r->bad = 1;
	} else if (*r->p == '{') {
		r->p++;
		if (!eat(r, '}')) {
			do {
				const char *k;
				size_t kn;
				if (!key(r, &k, &kn)) {
					r->bad = 1;
					break;
				}
				ws(r);
				if (collect && key_is(k, kn, "PLpgSQL_stmt_execsql"))
					add_query(r, r->p, 0, q);
				else if (collect && key_is(k, kn, "PLpgSQL_stmt_dynexecute"))
					add_query(r, r->p, 1, q);
				skip_value(r, depth + 1, q, collect);
			} while (!r->bad && eat(r, ','));
			if (!r->bad && !eat(r, '}'))
				r->bad = 1;
		}
	} else if (*r->p == '[') {
		r->p++;
		if (!eat(r, ']')) {
			do
				skip_value(r, depth + 1, q, collect);
			while (!r->bad && eat(r, ','));
			if (!r->bad && !eat(r, ']'))
				r->bad = 1;
		}
	} else if (*r->p == '"') {
		skip_string(r);
	} else if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
		skip_number(r);
	} else if (r->end - r->p >= 4 && memcmp(r->p, "null", 4) == 0) {
		r->p += 4;
	} else {
		boolean(r);
	}
	r->depth--;
}

size_t zdm_pgtree_plpgsql(const char *json, size_t len, struct zdm_arena *a,
			  struct zdm_pgtree_query **out)
{
	*out = NULL;
	if (!zdm_utf8_valid(json, len))
		return 0;
	struct rd r = { json, json + len, a, 0, 0 };
	struct qlist q = { NULL, 0, 0 };
	skip_value(&r, 0, &q, 1);
	ws(&r);
	if (r.bad || r.p != r.end)
		return 0;
	*out = q.v;
	return q.n;
}
