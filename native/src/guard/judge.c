/* SPDX-License-Identifier: MIT */
/*
 * judge.c - lint what the guard collected and write the decision.
 *
 * The linter is only created here, and only when there is SQL, so a
 * command without SQL never pays for it.  Before linting, each text is
 * split once to find statements the linter must not judge: statements
 * that are only text known at run time (those become "ask" notes naming
 * the variable), and a plain EXPLAIN, which plans but does not run its
 * statement.  The strongest decision of all findings and notes wins, and
 * every one of them is listed in the reason.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "zdm/lint.h"
#include "zdm/split.h"
#include "judge.h"

#define PLACEHOLDER "zdm_var_"
#define EXPR "zdm_expr"
#define MAX_LISTED 12

static void add_rule(struct guard_verdict *v, const char *id)
{
	size_t k;

	for (k = 0; k < v->nrules; k++)
		if (!strcmp(v->rules[k], id))
			return;
	if (v->nrules < sizeof(v->rules) / sizeof(v->rules[0]))
		v->rules[v->nrules++] = id;
}

static void add_override(struct guard_verdict *v, const char *id)
{
	size_t k;

	for (k = 0; k < v->noverrides; k++)
		if (!strcmp(v->overrides[k], id))
			return;
	if (v->noverrides < sizeof(v->overrides) / sizeof(v->overrides[0]))
		v->overrides[v->noverrides++] = id;
}

/* Replace zdm_var_N placeholders by what they stand for. */
static char *unplace(struct guard *g, const struct guard_sql *s, const char *text)
{
	struct zdm_buf b = ZDM_BUF_INIT;
	const char *p = text;
	char *out;

	if (!s->nvars)
		return (char *)text;
	while (*p) {
		const char *q = strstr(p, PLACEHOLDER);
		char *end;
		unsigned long k;
		if (!q) {
			zdm_buf_adds(&b, p);
			break;
		}
		zdm_buf_add(&b, p, (size_t)(q - p));
		k = strtoul(q + strlen(PLACEHOLDER), &end, 10);
		if (k >= 1 && k <= s->nvars)
			zdm_buf_adds(&b, s->vars[k - 1]);
		else
			zdm_buf_add(&b, q, (size_t)(end - q));
		p = end;
	}
	out = zdm_arena_strndup(&g->arena, b.data ? b.data : "", b.len);
	zdm_buf_release(&b);
	return out;
}

static int tok_is(const char *text, const struct zdm_token *t, const char *kw)
{
	return t->kind == ZDM_TK_WORD && zdm_strncaseeq(text + t->off, t->len, kw);
}

/*
 * The first max tokens of text (spaces and comments left out), as
 * zdm_lexer_all() would give them: all that prepare() looks at, so a long
 * statement is not tokenised to its end.  Two tell most statements apart;
 * EXPLAIN needs FIRST_TOKENS.
 */
#define FIRST_TOKENS 17
static size_t first_tokens(enum zdm_dialect d, const char *text, size_t len,
			   struct zdm_token *t, size_t max)
{
	size_t n = 0, off = 0;
	while (off < len && n < max) {
		enum zdm_tk k;
		size_t l = zdm_lexer_token(d, text + off, len - off, 0, &k, NULL);
		if (k != ZDM_TK_SPACE && k != ZDM_TK_COMMENT) {
			t[n].kind = k;
			t[n].off = off;
			t[n].len = l;
			n++;
		}
		off += l;
	}
	return n;
}

/*
 * Decide which statements of s the linter judges.  Returns the number of
 * range pairs in *out (arena), or (size_t)-1 for "all, as given".
 */
static size_t prepare(struct guard *g, struct guard_sql *s, size_t **out, size_t *nstmts)
{
	size_t i, n = 0, *r, next_range = 0;
	int excluded = 0;

	if (!s->stmts) {
		/* split once, here, and keep it for the linter */
		struct zdm_stmt_list l = ZDM_STMT_LIST_INIT;
		struct zdm_error err;
		zdm_split(s->dialect, s->text, s->len, &l, &err);
		guard_sql_keep_split(g, s, &l);
		zdm_stmt_list_release(&l);
	}
	r = zdm_arena_alloc(&g->arena, (s->nstmts ? s->nstmts : 1) * 2 * sizeof(*r));
	for (i = 0; i < s->nstmts; i++) {
		const struct zdm_stmt *st = &s->stmts[i];
		struct zdm_token tk[FIRST_TOKENS];
		size_t nt, k;
		int skip = 0;
		const char *base = s->text + st->off;

		if (st->flags & ZDM_STMT_META)
			continue;
		(*nstmts)++;
		nt = first_tokens(s->dialect, base, st->len, tk, 2);
		if (nt && tok_is(base, &tk[0], "explain"))
			nt = first_tokens(s->dialect, base, st->len, tk, FIRST_TOKENS);
		if (nt && tk[0].kind == ZDM_TK_WORD &&
		    tk[0].len > strlen(PLACEHOLDER) &&
		    !strncmp(base + tk[0].off, PLACEHOLDER, strlen(PLACEHOLDER))) {
			/* the statement itself is only known at run time */
			char *what = unplace(g, s, zdm_arena_strndup(&g->arena, base, st->len));
			char *first = unplace(g, s, zdm_arena_strndup(&g->arena, base + tk[0].off,
								     tk[0].len));
			guard_add_note(g, ZDM_DECISION_ASK, NULL, what,
				       guard_strf(g, "the SQL comes from %s, which is only known when the command runs",
						  first),
				       "put the SQL in the command or in a file, so that it can be checked");
			skip = 1;
		} else if (nt == 1 && tk[0].kind == ZDM_TK_WORD &&
			   zdm_strncaseeq(base + tk[0].off, tk[0].len, EXPR)) {
			skip = 1;   /* an interpolated expression in source code */
		} else if (nt && tok_is(base, &tk[0], "explain")) {
			/* EXPLAIN [(options)] [VERBOSE] stmt: runs only with ANALYZE */
			int analyze = 0;
			for (k = 1; k < nt && k < 16; k++) {
				if (tok_is(base, &tk[k], "analyze") || tok_is(base, &tk[k], "analyse")) {
					analyze = 1;
					/* EXPLAIN (ANALYZE false) */
					if (k + 1 < nt && (tok_is(base, &tk[k + 1], "false") ||
							   tok_is(base, &tk[k + 1], "off")))
						analyze = 0;
					break;
				}
				if (tk[k].kind == ZDM_TK_WORD &&
				    !tok_is(base, &tk[k], "verbose") && !tok_is(base, &tk[k], "costs") &&
				    !tok_is(base, &tk[k], "format") && !tok_is(base, &tk[k], "buffers") &&
				    !tok_is(base, &tk[k], "settings") && !tok_is(base, &tk[k], "summary") &&
				    !tok_is(base, &tk[k], "timing") && !tok_is(base, &tk[k], "wal") &&
				    !tok_is(base, &tk[k], "query") && !tok_is(base, &tk[k], "plan") &&
				    !tok_is(base, &tk[k], "extended") && !tok_is(base, &tk[k], "generic_plan") &&
				    !tok_is(base, &tk[k], "text") && !tok_is(base, &tk[k], "json") &&
				    !tok_is(base, &tk[k], "yaml") && !tok_is(base, &tk[k], "xml") &&
				    !tok_is(base, &tk[k], "true") && !tok_is(base, &tk[k], "on"))
					break;
			}
			skip = !analyze;
		}
		if (skip) {
			excluded = 1;
			continue;
		}
		if (s->ranges) {
			/* keep only statements the caller asked about; both ascend */
			while (next_range < s->nranges && s->ranges[2 * next_range + 1] <= st->off)
				next_range++;
			if (next_range == s->nranges ||
			    s->ranges[2 * next_range] >= st->off + (st->len ? st->len : 1))
				continue;
		}
		r[2 * n] = st->off;
		r[2 * n + 1] = st->off + (st->len ? st->len : 1);
		n++;
	}
	*out = r;
	if (!excluded && !s->ranges)
		return (size_t)-1;
	return n;
}

static struct zdm_linter *linter_for(struct guard *g, struct zdm_linter **cache,
				     enum zdm_dialect d, struct zdm_buf *warn)
{
	struct zdm_lint_opts o;
	struct zdm_error err;

	if (cache[d])
		return cache[d];
	memset(&o, 0, sizeof(o));
	o.dialect = d;
	cache[d] = zdm_linter_new(&o);
	if (g->cfg) {
		zdm_error_clear(&err);
		if (zdm_config_apply(g->cfg, cache[d], &err) != ZDM_OK && warn && !warn->len)
			zdm_buf_addf(warn, "zdm: .zdm.yml: %s (defaults used for that setting)",
				     err.msg);
		/* the client names the dialect; keep the config's versions */
		o = *zdm_linter_opts(cache[d]);
		o.dialect = d;
		zdm_linter_set_opts(cache[d], &o);
	}
	return cache[d];
}

static const char *short_stmt(struct guard *g, const struct guard_sql *s,
			      const char *stmt)
{
	const char *c, *e;

	if (s->display)
		return s->display;
	if (!stmt)
		return "";
	/* a Rails/Alembic call translated by dsl.c: show the call first */
	if ((c = strstr(stmt, "/*zdm-call ")) && (e = strstr(c, " */"))) {
		char *call = zdm_arena_strndup(&g->arena, c + 11, (size_t)(e - c - 11));
		char *sql = guard_strf(g, "%.*s%s", (int)(c - stmt), stmt, e + 4);
		return guard_strf(g, "%s (runs: %s)", call, guard_short(g, sql, strlen(sql), 160));
	}
	return guard_short(g, unplace(g, s, stmt), strlen(unplace(g, s, stmt)), 160);
}

static const char *decision_word(enum zdm_decision d)
{
	return d == ZDM_DECISION_DENY ? "DENY" : d == ZDM_DECISION_ASK ? "ASK" : "WARN";
}

void guard_judge(struct guard *g, struct guard_verdict *v, struct zdm_buf *warn)
{
	struct zdm_linter *cache[ZDM_DIALECT_COUNT] = { NULL };
	struct zdm_report rep = ZDM_REPORT_INIT;
	size_t *src_of = NULL, cap = 0, i, k, listed = 0, total = 0;
	struct zdm_buf body = ZDM_BUF_INIT;
	enum zdm_decision max = ZDM_DECISION_OFF;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < g->nsql; i++) {
		struct guard_sql *s = &g->sql[i];
		struct zdm_source src;
		struct zdm_error err;
		size_t *ranges = NULL, nr, before = rep.count, nstmts = 0;

		nr = prepare(g, s, &ranges, &nstmts);
		if (nr == 0)
			continue;
		memset(&src, 0, sizeof(src));
		src.name = s->name;
		src.text = s->text;
		src.len = s->len;
		src.txn = s->txn == 2 ? (nstmts > 1) : s->txn;
		src.first_line = s->first_line;
		if (nr != (size_t)-1) {
			src.ranges = ranges;
			src.nranges = nr;
		}
		zdm_error_clear(&err);
		if (zdm_lint_source_split(linter_for(g, cache, s->dialect, warn), &src, s->stmts,
					  s->nstmts, &rep, &err) != ZDM_OK)
			guard_add_note(g, ZDM_DECISION_ASK, NULL, s->name,
				       guard_strf(g, "zdm could not check it: %s", err.msg), NULL);
		if (rep.count > cap) {
			cap = rep.count * 2;
			src_of = zdm_xrealloc(src_of, cap * sizeof(*src_of));
		}
		for (k = before; k < rep.count; k++)
			src_of[k] = i;
	}

	/* findings, strongest first */
	for (int d = ZDM_DECISION_DENY; d >= ZDM_DECISION_ASK; d--) {
		for (k = 0; k < rep.count; k++) {
			const struct zdm_finding *f = &rep.items[k];
			const struct guard_sql *s = &g->sql[src_of[k]];
			const struct zdm_rule *r = f->rule;
			if ((int)f->decision != d)
				continue;
			if (s->code && r == &zdm_rule_parse_error)
				continue;
			if (f->allowed) {
				add_override(v, r->id);
				if (f->allow_reason && !v->override_reason)
					v->override_reason = zdm_arena_strdup(&g->arena, f->allow_reason);
				continue;
			}
			if ((int)max < d)
				max = (enum zdm_decision)d;
			add_rule(v, r->id);
			total++;
			if (listed >= MAX_LISTED)
				continue;
			listed++;
			zdm_buf_addf(&body, "\n%zu. %s %s", listed, decision_word(f->decision), r->id);
			if (s->display)
				zdm_buf_addf(&body, " (%s)", s->name);
			else if (s->first_line || s->ranges || s->code)
				zdm_buf_addf(&body, " (%s:%d)", s->name, f->line);
			else
				zdm_buf_addf(&body, " (%s%s)", s->name,
					     f->line > 1 ? guard_strf(g, ", line %d", f->line) : "");
			zdm_buf_addf(&body, "\n   statement: %s", short_stmt(g, s, f->statement));
			zdm_buf_addf(&body, "\n   why: %s", f->message ? f->message : r->message);
			if (r->help)
				zdm_buf_addf(&body, "\n   safe way: %s", r->help);
			zdm_buf_addf(&body, "\n   help: zdm explain %s", r->id);
			if (r->fix)
				zdm_buf_addf(&body, "; %s", r->fix);
		}
		for (k = 0; k < g->nnotes; k++) {
			const struct guard_note *n = &g->notes[k];
			if ((int)n->decision != d)
				continue;
			if ((int)max < d)
				max = (enum zdm_decision)d;
			add_rule(v, n->rule ? n->rule : "cannot-check");
			total++;
			if (listed >= MAX_LISTED)
				continue;
			listed++;
			zdm_buf_addf(&body, "\n%zu. %s %s", listed, decision_word(n->decision),
				     n->rule ? n->rule : "cannot-check");
			if (n->what)
				zdm_buf_addf(&body, "\n   %s: %s", n->rule ? "command" : "what", n->what);
			zdm_buf_addf(&body, "\n   why: %s", n->why);
			if (n->help)
				zdm_buf_addf(&body, "\n   safe way: %s", n->help);
			if (n->rule)
				zdm_buf_addf(&body, "\n   help: zdm explain %s", n->rule);
		}
	}
	if (total > listed)
		zdm_buf_addf(&body, "\n... and %zu more", total - listed);
	if (g->truncated)
		zdm_buf_adds(&body, "\n(zdm stopped collecting after too many statements)");

	v->decision = max;
	if (max >= ZDM_DECISION_ASK) {
		zdm_buf_addf(&v->reason, "zdm: %s. %zu finding%s:",
			     max == ZDM_DECISION_DENY ?
			     "this would lock or rewrite a live table, or lose data, and a safe way exists" :
			     "this is destructive or cannot be checked; please confirm",
			     total, total == 1 ? "" : "s");
		zdm_buf_add(&v->reason, body.data, body.len);
	}
	zdm_buf_release(&body);
	free(src_of);
	zdm_report_release(&rep);
	for (i = 0; i < ZDM_DIALECT_COUNT; i++)
		zdm_linter_free(cache[i]);
}

void guard_verdict_release(struct guard_verdict *v)
{
	zdm_buf_release(&v->reason);
}
