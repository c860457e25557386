/* SPDX-License-Identifier: MIT */
/*
 * guard.c - the guard's state: what one hook call collected so far.
 *
 * Kept apart from the extractors so that extract.c and files.c only ever
 * append, and judge.c only ever reads.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zdm/split.h"
#include "guard.h"

void guard_init(struct guard *g)
{
	memset(g, 0, sizeof(*g));
	g->dialect = ZDM_DIALECT_POSTGRES;
}

void guard_release(struct guard *g)
{
	free(g->sql);
	free(g->notes);
	free(g->vfiles);
	zdm_arena_release(&g->arena);
	memset(g, 0, sizeof(*g));
}

struct guard_sql *guard_add_sql(struct guard *g, enum zdm_dialect d,
				int named, const char *name,
				const char *text, size_t len)
{
	struct guard_sql *s;

	if (g->nsql + g->nnotes >= GUARD_MAX_ITEMS) {
		g->truncated = 1;
		return NULL;
	}
	if (g->nsql == g->capsql) {
		g->capsql = g->capsql ? g->capsql * 2 : 8;
		g->sql = zdm_xrealloc(g->sql, g->capsql * sizeof(*g->sql));
	}
	s = &g->sql[g->nsql++];
	memset(s, 0, sizeof(*s));
	s->dialect = d;
	s->dialect_named = named;
	s->name = zdm_arena_strdup(&g->arena, name ? name : "");
	s->text = zdm_arena_strndup(&g->arena, text ? text : "", len);
	s->len = len;
	s->txn = -1;
	return s;
}

void guard_sql_keep_split(struct guard *g, struct guard_sql *s, const struct zdm_stmt_list *l)
{
	struct zdm_stmt *items = zdm_arena_alloc(&g->arena, (l->count ? l->count : 1) * sizeof(*items));

	if (l->count)
		memcpy(items, l->items, l->count * sizeof(*items));
	s->stmts = items;
	s->nstmts = l->count;
}

void guard_add_note(struct guard *g, enum zdm_decision d, const char *rule,
		    const char *what, const char *why, const char *help)
{
	struct guard_note *n;

	if (rule) {
		/* the config decides for rule notes as it does for findings */
		const struct zdm_rule *r = zdm_rule_find(rule);
		size_t k;
		if (r && g->cfg)
			for (k = 0; k < g->cfg->nrules; k++)
				if (zdm_rule_find(g->cfg->rules[k].rule) == r)
					d = g->cfg->rules[k].decision;
		if (d < ZDM_DECISION_ASK)
			return;
	}
	if (g->nsql + g->nnotes >= GUARD_MAX_ITEMS) {
		g->truncated = 1;
		return;
	}
	if (g->nnotes == g->capnotes) {
		g->capnotes = g->capnotes ? g->capnotes * 2 : 8;
		g->notes = zdm_xrealloc(g->notes, g->capnotes * sizeof(*g->notes));
	}
	n = &g->notes[g->nnotes++];
	n->decision = d;
	n->rule = rule ? zdm_arena_strdup(&g->arena, rule) : NULL;
	n->what = what ? guard_short(g, what, strlen(what), 160) : NULL;
	n->why = why ? zdm_arena_strdup(&g->arena, why) : "";
	n->help = help ? zdm_arena_strdup(&g->arena, help) : NULL;
}

char *guard_strf(struct guard *g, const char *fmt, ...)
{
	va_list ap, cp;
	int n;
	char *p;

	va_start(ap, fmt);
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		n = 0;
	p = zdm_arena_alloc(&g->arena, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

char *guard_short(struct guard *g, const char *s, size_t len, size_t max)
{
	struct zdm_buf b = ZDM_BUF_INIT;
	size_t i;
	int space = 0;
	char *out;

	for (i = 0; i < len && b.len < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = 1;
			continue;
		}
		if (space && b.len)
			zdm_buf_addc(&b, ' ');
		space = 0;
		zdm_buf_addc(&b, c < 32 ? '?' : (char)c);
	}
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	if (i < len) {
		/* do not cut a UTF-8 sequence in half */
		while (b.len && ((unsigned char)b.data[b.len - 1] & 0xC0) == 0x80)
			b.len--;
		if (b.len && ((unsigned char)b.data[b.len - 1] & 0xC0) == 0xC0)
			b.len--;
		zdm_buf_add(&b, "...", 3);
	}
	out = zdm_arena_strndup(&g->arena, b.data ? b.data : "", b.len);
	zdm_buf_release(&b);
	return out;
}
