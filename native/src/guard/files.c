/* SPDX-License-Identifier: MIT */
/*
 * files.c - judge a write to a migration file by what it changes.
 *
 * Write, Edit, MultiEdit and NotebookEdit (and a shell redirection into a
 * migration path) all come here with the file as it is and as it will
 * be.  The whole new file is linted, so that context such as "this table
 * was created above" still holds, but only statements that the write adds
 * or alters are judged: a statement whose normalised tokens already
 * appear in the old file is not the model's doing now.  For TypeScript,
 * JavaScript, Python, Ruby and Go migrations the SQL is taken from string
 * literals (embed.c), each linted with its line in the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "zdm/split.h"
#include "guard.h"

/* ---- globs ---------------------------------------------------------------- */

/* fnmatch with ** crossing '/', * and ? not; [..] classes. */
static int match(const char *p, const char *s)
{
	for (; *p; p++) {
		if (p[0] == '*' && p[1] == '*') {
			const char *q = p + 2;
			if (*q == '/')
				q++;
			for (;;) {
				if (match(q, s))
					return 1;
				if (!*s)
					return 0;
				s++;
			}
		}
		if (*p == '*') {
			for (;;) {
				if (match(p + 1, s))
					return 1;
				if (!*s || *s == '/')
					return 0;
				s++;
			}
		}
		if (!*s)
			return 0;
		if (*p == '?') {
			if (*s == '/')
				return 0;
			s++;
			continue;
		}
		if (*p == '[') {
			const char *e = strchr(p + 1, ']');
			int neg, ok = 0;
			if (!e)
				goto literal;
			neg = p[1] == '!' || p[1] == '^';
			for (const char *c = p + 1 + neg; c < e; c++) {
				if (c + 2 < e && c[1] == '-') {
					if (*s >= c[0] && *s <= c[2])
						ok = 1;
					c += 2;
				} else if (*c == *s) {
					ok = 1;
				}
			}
			if (ok == neg)
				return 0;
			p = e;
			s++;
			continue;
		}
literal:
		if (*p != *s)
			return 0;
		s++;
	}
	return !*s;
}

int guard_glob_match(const char *pat, const char *path)
{
	return match(pat, path);
}

/* ---- migration paths ------------------------------------------------------ */

enum guard_lang guard_lang_of(const char *path)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');

	if (!dot || (slash && dot < slash))
		return GUARD_LANG_NONE;
	dot++;
	if (!strcasecmp(dot, "sql"))
		return GUARD_LANG_SQL;
	if (!strcmp(dot, "ts") || !strcmp(dot, "js") || !strcmp(dot, "mjs") ||
	    !strcmp(dot, "cjs") || !strcmp(dot, "mts") || !strcmp(dot, "cts"))
		return GUARD_LANG_JS;
	if (!strcmp(dot, "py"))
		return GUARD_LANG_PY;
	if (!strcmp(dot, "rb"))
		return GUARD_LANG_RB;
	if (!strcmp(dot, "go"))
		return GUARD_LANG_GO;
	return GUARD_LANG_NONE;
}

static const char *relative(struct guard *g, const char *path)
{
	const char *base = g->root ? g->root : g->cwd;
	size_t n;

	if (!base)
		return NULL;
	n = strlen(base);
	if (n > 1 && !strncmp(path, base, n) && path[n] == '/')
		return path + n + 1;
	return NULL;
}

int guard_is_migration(struct guard *g, const char *path)
{
	static const char *const dirs[] = {
		"migrations", "migration", "migrate", "db", "alembic", NULL
	};
	const char *rel = relative(g, path);
	enum guard_lang lang;
	const char *p;
	size_t k;

	if (g->cfg && g->cfg->npaths) {
		for (k = 0; k < g->cfg->npaths; k++) {
			const char *pat = g->cfg->migration_paths[k];
			if ((rel && match(pat, rel)) || match(pat, path) ||
			    (pat[0] != '/' && pat[0] != '*' &&
			     match(guard_strf(g, "**/%s", pat), path)))
				return 1;
		}
		return 0;
	}
	lang = guard_lang_of(path);
	if (lang == GUARD_LANG_SQL)
		return 1;
	if (lang == GUARD_LANG_NONE) {
		const char *dot = strrchr(path, '.');
		if (!dot || strcmp(dot, ".ipynb"))
			return 0;
	}
	/* a directory component named like a migrations directory */
	for (p = rel ? rel : path; *p; ) {
		const char *e = strchr(p, '/');
		size_t n;
		if (!e)
			break;  /* the file name itself */
		n = (size_t)(e - p);
		for (k = 0; dirs[k]; k++)
			if (strlen(dirs[k]) == n && !strncmp(p, dirs[k], n))
				return 1;
		p = e + 1;
	}
	return 0;
}

/* ---- what changed ------------------------------------------------------- */

static uint64_t stmt_key(enum zdm_dialect d, const char *text, size_t off, size_t len)
{
	struct zdm_token *toks = NULL;
	size_t n = 0, k, i;
	uint64_t h = 1469598103934665603ull;

	zdm_lexer_all(d, text + off, len, &toks, &n);
	for (k = 0; k < n; k++) {
		const char *t = text + off + toks[k].off;
		for (i = 0; i < toks[k].len; i++) {
			unsigned char c = (unsigned char)t[i];
			if (toks[k].kind == ZDM_TK_WORD && c >= 'A' && c <= 'Z')
				c += 32;
			h = (h ^ c) * 1099511628211ull;
		}
		h = (h ^ ' ') * 1099511628211ull;
	}
	free(toks);
	return h;
}

struct keys {
	uint64_t *k;
	char *used;
	size_t n, cap;
	int sorted;
};

static void keys_add_text(struct keys *ks, enum zdm_dialect d, const char *text, size_t len)
{
	struct zdm_stmt_list l = ZDM_STMT_LIST_INIT;
	struct zdm_error err;
	size_t i;

	zdm_split(d, text, len, &l, &err);
	for (i = 0; i < l.count; i++) {
		if (ks->n == ks->cap) {
			ks->cap = ks->cap ? ks->cap * 2 : 32;
			ks->k = zdm_xrealloc(ks->k, ks->cap * sizeof(*ks->k));
			ks->used = zdm_xrealloc(ks->used, ks->cap);
		}
		ks->k[ks->n] = stmt_key(d, text, l.items[i].off, l.items[i].len);
		ks->used[ks->n] = 0;
		ks->n++;
	}
	zdm_stmt_list_release(&l);
}

static int cmp_key(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort the old file's keys once, so that each lookup is a binary search. */
static void keys_sort(struct keys *ks)
{
	if (ks->n)
		qsort(ks->k, ks->n, sizeof(*ks->k), cmp_key);
	ks->sorted = 1;
}

/* True (and consumed) when an unchanged copy of the key was in the old file. */
static int keys_take(struct keys *ks, uint64_t k)
{
	size_t lo = 0, hi = ks->n;

	if (!ks->sorted)
		keys_sort(ks);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ks->k[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ks->n && ks->k[lo] == k; lo++)
		if (!ks->used[lo]) {
			ks->used[lo] = 1;
			return 1;
		}
	return 0;
}

static void keys_release(struct keys *ks)
{
	free(ks->k);
	free(ks->used);
	memset(ks, 0, sizeof(*ks));
}

/*
 * The ranges of text's statements not in ks.  Returns the number of pairs;
 * *out is in the arena.
 */
static size_t changed_ranges(struct guard *g, struct keys *ks, enum zdm_dialect d,
			     const char *text, const struct zdm_stmt_list *l, size_t **out)
{
	size_t i, n = 0, *r;

	r = zdm_arena_alloc(&g->arena, (l->count ? l->count : 1) * 2 * sizeof(*r));
	for (i = 0; i < l->count; i++) {
		const struct zdm_stmt *st = &l->items[i];
		if (st->flags & ZDM_STMT_META)
			continue;
		/* a new file has no old statements: no key to compute */
		if (ks->n && keys_take(ks, stmt_key(d, text, st->off, st->len)))
			continue;
		r[2 * n] = st->off;
		r[2 * n + 1] = st->off + (st->len ? st->len : 1);
		n++;
	}
	*out = r;
	return n;
}

static int contains(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle), i;

	for (i = 0; i + m <= n; i++)
		if (s[i] == needle[0] && !memcmp(s + i, needle, m))
			return 1;
	return 0;
}

/* Does the migration opt out of its framework's transaction? */
static int no_transaction(const char *src, size_t len)
{
	static const char *const marks[] = {
		"disable_ddl_transaction", "transaction: false", "transaction = false",
		"transaction=false", "autocommit_block", "NoTx", "NO TRANSACTION",
		"atomic = False", NULL
	};
	int k;

	for (k = 0; marks[k]; k++)
		if (contains(src, len, marks[k]))
			return 1;
	return 0;
}

/*
 * Lay the SQL literals of a source file out as one dbmate-style SQL text:
 * each literal on its own line in the file (so line numbers match), ended
 * with ';', the up code under "-- migrate:up" and the rollback code under
 * "-- migrate:down".  One text keeps the linter's context: a table or
 * column created by an earlier literal is new for a later one, and a DROP
 * in the down function undoes the up.  Migration frameworks run each
 * migration in a transaction unless it opts out, and so does dbmate.
 */
static void code_as_sql(struct zdm_buf *b, const struct guard_literal *lits, size_t n,
			const char *src, size_t srclen)
{
	int line = 1, down = 0;
	size_t i, k;

	int marker = 1;   /* the current line holds a marker comment */

	zdm_buf_adds(b, no_transaction(src, srclen) ? "-- migrate:up transaction:false" :
		     "-- migrate:up");
	for (i = 0; i < n; i++) {
		const struct guard_literal *l = &lits[i];
		const char *last;
		if (l->in_down && !down) {
			down = 1;
			zdm_buf_addc(b, '\n');
			line++;
			zdm_buf_adds(b, no_transaction(src, srclen) ?
				     "-- migrate:down transaction:false" : "-- migrate:down");
			marker = 1;
		}
		while (line < l->line) {
			zdm_buf_addc(b, '\n');
			line++;
			marker = 0;
		}
		if (marker) {
			/* no room before the literal's line: shift it down one */
			zdm_buf_addc(b, '\n');
			line++;
			marker = 0;
		}
		zdm_buf_addc(b, ' ');
		zdm_buf_add(b, l->text, l->len);
		for (k = 0; k < l->len; k++)
			if (l->text[k] == '\n')
				line++;
		/* end the statement; a trailing -- comment would swallow the ';' */
		last = l->len ? l->text + l->len - 1 : l->text;
		while (last > l->text && last[-1] != '\n')
			last--;
		if (contains(last, (size_t)(l->text + l->len - last), "--")) {
			zdm_buf_addc(b, '\n');
			line++;
		}
		zdm_buf_addc(b, ';');
	}
	zdm_buf_addc(b, '\n');
}

static int by_offset(const void *a, const void *b)
{
	const struct guard_literal *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* String literals and schema calls of a source file, in file order. */
static void code_sql(struct guard *g, enum guard_lang lang, const char *text, size_t len,
		     struct guard_literal **out, size_t *n)
{
	struct guard_literal *lits, *calls, *all;
	size_t nl, nc;

	guard_find_literals(g, lang, text, len, &lits, &nl);
	guard_find_dsl(g, lang, text, len, &calls, &nc);
	if (!nc) {
		*out = lits;
		*n = nl;
		return;
	}
	all = zdm_arena_alloc(&g->arena, (nl + nc) * sizeof(*all));
	if (nl)
		memcpy(all, lits, nl * sizeof(*all));
	memcpy(all + nl, calls, nc * sizeof(*all));
	qsort(all, nl + nc, sizeof(*all), by_offset);
	*out = all;
	*n = nl + nc;
}

static const char *display_name(struct guard *g, const char *path)
{
	const char *rel = relative(g, path);

	return rel ? rel : path;
}

void guard_migration_write(struct guard *g, const char *path,
			   const char *old_text, size_t old_len,
			   const char *new_text, size_t new_len)
{
	enum guard_lang lang = guard_lang_of(path);
	enum zdm_dialect d = g->dialect;
	struct keys ks;
	size_t *ranges, n;
	/* the new text split once: here, in judge.c and in the linter */
	struct zdm_stmt_list l = ZDM_STMT_LIST_INIT;
	struct zdm_error serr;

	memset(&ks, 0, sizeof(ks));
	if (lang == GUARD_LANG_SQL || lang == GUARD_LANG_NONE) {
		struct guard_sql *s;
		if (old_text)
			keys_add_text(&ks, d, old_text, old_len);
		zdm_split(d, new_text, new_len, &l, &serr);
		n = changed_ranges(g, &ks, d, new_text, &l, &ranges);
		keys_release(&ks);
		/* keep the file name so that the linter sees *.down.sql, dbmate sections */
		s = n ? guard_add_sql(g, d, 0, display_name(g, path), new_text, new_len) : NULL;
		if (s) {
			s->ranges = ranges;
			s->nranges = n;
			guard_sql_keep_split(g, s, &l);
		}
		zdm_stmt_list_release(&l);
		return;
	} else {
		struct guard_literal *olds = NULL, *news = NULL;
		size_t nold = 0, nnew = 0, i;
		struct guard_sql *s;
		struct zdm_buf b = ZDM_BUF_INIT;

		if (old_text)
			code_sql(g, lang, old_text, old_len, &olds, &nold);
		code_sql(g, lang, new_text, new_len, &news, &nnew);
		if (!nnew)
			return;
		for (i = 0; i < nold; i++)
			keys_add_text(&ks, d, olds[i].text, olds[i].len);
		code_as_sql(&b, news, nnew, new_text, new_len);
		zdm_split(d, b.data, b.len, &l, &serr);
		n = changed_ranges(g, &ks, d, b.data, &l, &ranges);
		keys_release(&ks);
		if (n) {
			s = guard_add_sql(g, d, 0, display_name(g, path), b.data, b.len);
			if (s) {
				s->ranges = ranges;
				s->nranges = n;
				s->code = 1;
				guard_sql_keep_split(g, s, &l);
			}
		}
		zdm_stmt_list_release(&l);
		zdm_buf_release(&b);
	}
}
