/* SPDX-License-Identifier: MIT */
/*
 * embed.c - find SQL in the string literals of migration source code.
 *
 * TypeORM (queryRunner.query), knex (raw), Sequelize, Prisma
 * ($executeRaw), alembic (op.execute), Django (RunSQL), Rails (execute,
 * often with a <<~SQL heredoc) and Go (db.Exec) migrations keep their SQL
 * in string literals.  One small scanner per family of quoting rules
 * finds the literals, skipping comments, and keeps a literal when it is
 * passed to a known SQL-running call or reads like a statement that
 * changes a schema or data.  Interpolations (${x}, {x}, #{x}) become a
 * placeholder identifier, adjacent literals joined with + are one text,
 * and a literal inside a down/downgrade/rollback function is marked so.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guard.h"

#define EXPR "zdm_expr"

struct scan {
	struct guard *g;
	enum guard_lang lang;
	const char *s;
	size_t n, i;
	int down;                 /* inside a down function, as far as we can tell */
	char callee[40];          /* identifier before the last '(' or a tag */
	char prev;                /* last significant character before a literal */
	char last_ident[40];      /* the last identifier seen */
	size_t last_ident_end;
	struct guard_literal *out;
	size_t count, cap;
};

static int ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

static int ident_char(char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

/*
 * Line of byte off.  Literals are found in order, so counting resumes
 * from the last answer instead of the start of the file.
 */
static int line_of(const char *s, size_t off)
{
	static const char *last_s;
	static size_t last_off;
	static int last_line;
	size_t i = 0;
	int line = 1;

	if (s == last_s && off >= last_off) {
		i = last_off;
		line = last_line;
	}
	for (; i < off; i++)
		if (s[i] == '\n')
			line++;
	last_s = s;
	last_off = off;
	last_line = line;
	return line;
}

/* Does the text read like a statement that changes schema or data? */
static int looks_like_sql(const char *t, size_t n)
{
	static const char *const second_any[] = {
		"table", "index", "unique", "column", "schema", "database", "view",
		"materialized", "type", "trigger", "sequence", "function", "extension",
		"constraint", "if", "domain", "procedure", "role", "user", "policy",
		"temporary", "temp", "or", NULL
	};
	char w1[16], w2[16];
	size_t i = 0, k;

	for (;;) {
		while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r' ||
				 t[i] == '('))
			i++;
		if (i + 1 < n && t[i] == '-' && t[i + 1] == '-') {
			while (i < n && t[i] != '\n')
				i++;
			continue;
		}
		break;
	}
	for (k = 0; i < n && k < sizeof(w1) - 1 && ident_char(t[i]); i++)
		w1[k++] = (char)(t[i] | 0x20);
	w1[k] = 0;
	while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	for (k = 0; i < n && k < sizeof(w2) - 1 && ident_char(t[i]); i++)
		w2[k++] = (char)(t[i] | 0x20);
	w2[k] = 0;
	if (!strcmp(w1, "alter") || !strcmp(w1, "create") || !strcmp(w1, "drop")) {
		for (k = 0; second_any[k]; k++)
			if (!strcmp(w2, second_any[k]))
				return 1;
		return 0;
	}
	if (!strcmp(w1, "truncate") || !strcmp(w1, "vacuum") || !strcmp(w1, "reindex") ||
	    !strcmp(w1, "cluster") || !strcmp(w1, "rename"))
		return w2[0] != 0;
	if (!strcmp(w1, "delete"))
		return !strcmp(w2, "from");
	if (!strcmp(w1, "insert"))
		return !strcmp(w2, "into");
	if (!strcmp(w1, "lock"))
		return !strcmp(w2, "table");
	if (!strcmp(w1, "update") && w2[0]) {
		/* UPDATE t SET ... */
		for (; i + 4 < n; i++)
			if ((t[i] == ' ' || t[i] == '\n' || t[i] == '\t') &&
			    !strncasecmp(t + i + 1, "set", 3) &&
			    (t[i + 4] == ' ' || t[i + 4] == '\n' || t[i + 4] == '\t'))
				return 1;
		return 0;
	}
	return 0;
}

static int sql_callee(const char *name)
{
	static const char *const calls[] = {
		"query", "raw", "execute", "exec", "execsql", "exec_query",
		"execute_sql", "executesql", "runsql", "run_sql", "none", "any",
		"unsafe", "sql", "text", "runsql", "$executeraw", "$executerawunsafe",
		"$queryraw", "$queryrawunsafe", "mustexec", "execcontext",
		"querycontext", "queryrow", "queryrowcontext", "exec_update",
		"exec_delete", "exec_insert", "select_all", "schemaraw", "multi",
		"oneornone", "manyornone", "result", NULL
	};
	int k;

	if (!name[0])
		return 0;
	for (k = 0; calls[k]; k++)
		if (!strcasecmp(name, calls[k]))
			return 1;
	return 0;
}

static void add_literal(struct scan *sc, struct zdm_buf *b, size_t off, int line)
{
	struct guard_literal *l;
	int keep;

	/*
	 * A literal counts when it is passed to a known SQL call, or reads
	 * like a statement where a value goes (an argument, an assignment, a
	 * concatenation, a return).  A bare string statement such as a Python
	 * docstring is prose.
	 */
	if (sql_callee(sc->callee) && (sc->prev == '(' || sc->prev == '`' || sc->prev == 'i'))
		keep = 1;
	else
		keep = sc->prev && strchr("(,=+[{`i", sc->prev) &&
		       looks_like_sql(b->data ? b->data : "", b->len);
	if (sc->prev == ':' && sc->lang != GUARD_LANG_PY)
		keep = looks_like_sql(b->data ? b->data : "", b->len);
	if (!keep || sc->count >= GUARD_MAX_ITEMS)
		return;
	if (sc->count == sc->cap) {
		sc->cap = sc->cap ? sc->cap * 2 : 8;
		sc->out = zdm_xrealloc(sc->out, sc->cap * sizeof(*sc->out));
	}
	l = &sc->out[sc->count++];
	l->text = zdm_arena_strndup(&sc->g->arena, b->data ? b->data : "", b->len);
	l->len = b->len;
	l->off = off;
	l->line = line;
	l->in_down = sc->down;
}

/* Skip an interpolation body {...} (with nested strings) starting at '{'. */
static size_t skip_interp(struct scan *sc, size_t i)
{
	int level = 0;

	while (i < sc->n) {
		char c = sc->s[i];
		if (c == '{')
			level++;
		else if (c == '}' && --level == 0)
			return i + 1;
		else if (c == '"' || c == '\'' || c == '`') {
			size_t j = i + 1;
			while (j < sc->n && sc->s[j] != c) {
				if (sc->s[j] == '\\')
					j++;
				j++;
			}
			i = j;
		}
		i++;
	}
	return sc->n;
}

/*
 * Read one quoted literal at sc->i (the opening quote) into b.  Handles
 * backslash escapes (unless raw), interpolation (JS ${}, Ruby #{},
 * Python f {}), and triple quotes for Python.
 */
static void read_quoted(struct scan *sc, struct zdm_buf *b, int raw, int interp_kind)
{
	const char *s = sc->s;
	char q = s[sc->i];
	int triple = 0;
	size_t i = sc->i + 1;

	if (sc->lang == GUARD_LANG_PY && i + 1 < sc->n && s[i] == q && s[i + 1] == q) {
		triple = 1;
		i += 2;
	}
	while (i < sc->n) {
		char c = s[i];
		if (triple) {
			if (c == q && i + 2 < sc->n + 0 && s[i + 1] == q && s[i + 2] == q) {
				i += 3;
				break;
			}
		} else if (c == q) {
			i++;
			break;
		}
		if (c == '\n' && !triple && q != '`' && sc->lang != GUARD_LANG_RB) {
			/* unterminated on this line: stop */
			i++;
			break;
		}
		if (c == '\\' && !raw && i + 1 < sc->n) {
			char d = s[i + 1];
			switch (d) {
			case 'n': zdm_buf_addc(b, '\n'); break;
			case 't': zdm_buf_addc(b, '\t'); break;
			case '\n': break;
			default: zdm_buf_addc(b, d);
			}
			i += 2;
			continue;
		}
		if (interp_kind == 1 && c == '$' && i + 1 < sc->n && s[i + 1] == '{') {
			i = skip_interp(sc, i + 1);
			zdm_buf_adds(b, EXPR);
			continue;
		}
		if (interp_kind == 2 && c == '#' && i + 1 < sc->n && s[i + 1] == '{') {
			i = skip_interp(sc, i + 1);
			zdm_buf_adds(b, EXPR);
			continue;
		}
		if (interp_kind == 3 && c == '{') {
			if (i + 1 < sc->n && s[i + 1] == '{') {
				zdm_buf_addc(b, '{');
				i += 2;
				continue;
			}
			i = skip_interp(sc, i);
			zdm_buf_adds(b, EXPR);
			continue;
		}
		if (interp_kind == 3 && c == '}' && i + 1 < sc->n && s[i + 1] == '}') {
			zdm_buf_addc(b, '}');
			i += 2;
			continue;
		}
		zdm_buf_addc(b, c);
		i++;
	}
	sc->i = i;
}

/* Ruby heredoc <<~ID, <<-ID, <<ID, <<~'ID' at sc->i; body follows the line. */
static int read_ruby_heredoc(struct scan *sc, struct zdm_buf *b, size_t *body_off)
{
	const char *s = sc->s;
	size_t i = sc->i + 2, id0, id1, line_end, p;
	int squiggly = 0, quoted = 0;
	char id[64];

	if (i < sc->n && (s[i] == '~' || s[i] == '-')) {
		squiggly = s[i] == '~';
		i++;
	}
	if (i < sc->n && (s[i] == '\'' || s[i] == '"')) {
		quoted = s[i] == '\'';
		i++;
	}
	id0 = i;
	while (i < sc->n && (ident_char(s[i])))
		i++;
	id1 = i;
	if (id1 == id0 || id1 - id0 >= sizeof(id))
		return 0;
	memcpy(id, s + id0, id1 - id0);
	id[id1 - id0] = 0;
	if (i < sc->n && (s[i] == '\'' || s[i] == '"'))
		i++;
	/* the rest of this line is code; the body starts on the next line */
	line_end = i;
	while (line_end < sc->n && s[line_end] != '\n')
		line_end++;
	p = line_end < sc->n ? line_end + 1 : line_end;
	*body_off = p;
	{
		size_t indent = (size_t)-1, q = p, bodyend = p, after = sc->n;
		/* find the terminator line */
		while (q < sc->n) {
			size_t le = q, a = q;
			while (le < sc->n && s[le] != '\n')
				le++;
			while (a < le && (s[a] == ' ' || s[a] == '\t'))
				a++;
			if (le - a == strlen(id) && !strncmp(s + a, id, le - a)) {
				bodyend = q;
				after = le;
				break;
			}
			if (squiggly && a < le && a - q < indent)
				indent = a - q;
			q = le < sc->n ? le + 1 : le;
			bodyend = q;
		}
		if (indent == (size_t)-1)
			indent = 0;
		for (q = p; q < bodyend; ) {
			size_t le = q, k = 0;
			while (le < bodyend && s[le] != '\n')
				le++;
			if (squiggly)
				while (k < indent && q + k < le && (s[q + k] == ' ' || s[q + k] == '\t'))
					k++;
			for (size_t x = q + k; x < le; x++) {
				if (!quoted && s[x] == '#' && x + 1 < le && s[x + 1] == '{') {
					size_t save = sc->i, e;
					sc->i = x + 1;
					e = skip_interp(sc, x + 1);
					sc->i = save;
					zdm_buf_adds(b, EXPR);
					x = e - 1;
					continue;
				}
				zdm_buf_addc(b, s[x]);
			}
			zdm_buf_addc(b, '\n');
			q = le < bodyend ? le + 1 : le;
		}
		/* continue scanning code after the heredoc opener on its own line;
		 * the body is skipped when we reach it */
		sc->i = i;
		return (int)after;
	}
}

static void note_ident(struct scan *sc, size_t a, size_t e)
{
	size_t n = e - a;
	const char *id = sc->s + a;
	size_t j = e;

	if (n >= sizeof(sc->last_ident))
		n = sizeof(sc->last_ident) - 1;
	memcpy(sc->last_ident, id, n);
	sc->last_ident[n] = 0;
	sc->last_ident_end = e;
	/* function names that start an up or a down migration */
	while (j < sc->n && (sc->s[j] == ' ' || sc->s[j] == '\t'))
		j++;
	if (j < sc->n && (sc->s[j] == '(' || sc->s[j] == '=' || sc->s[j] == ':' ||
			  sc->s[j] == '{' || sc->s[j] == '\n' || sc->s[j] == ';')) {
		if (!strncasecmp(sc->last_ident, "down", 4) ||
		    !strcasecmp(sc->last_ident, "downgrade") ||
		    !strcasecmp(sc->last_ident, "rollback") ||
		    !strcasecmp(sc->last_ident, "revert") ||
		    !strcasecmp(sc->last_ident, "unapply"))
			sc->down = 1;
		else if (!strncasecmp(sc->last_ident, "up", 2) ||
			 !strcasecmp(sc->last_ident, "upgrade") ||
			 !strcasecmp(sc->last_ident, "change") ||
			 !strcasecmp(sc->last_ident, "migrate") ||
			 !strcasecmp(sc->last_ident, "apply"))
			sc->down = 0;
	}
}

void guard_find_literals(struct guard *g, enum guard_lang lang,
			 const char *src, size_t len,
			 struct guard_literal **out, size_t *count)
{
	struct scan sc;
	struct zdm_buf b = ZDM_BUF_INIT;
	size_t skip_from = (size_t)-1, skip_to = 0;   /* a Ruby heredoc body */

	memset(&sc, 0, sizeof(sc));
	sc.g = g;
	sc.lang = lang;
	sc.s = src;
	sc.n = len;
	while (sc.i < sc.n) {
		char c = src[sc.i];
		size_t start;
		int raw = 0, interp = 0, line;

		if (sc.i == skip_from) {
			sc.i = skip_to;
			skip_from = (size_t)-1;
			continue;
		}
		/* comments */
		if ((lang == GUARD_LANG_JS || lang == GUARD_LANG_GO) && c == '/' &&
		    sc.i + 1 < sc.n && src[sc.i + 1] == '/') {
			while (sc.i < sc.n && src[sc.i] != '\n')
				sc.i++;
			continue;
		}
		if ((lang == GUARD_LANG_JS || lang == GUARD_LANG_GO) && c == '/' &&
		    sc.i + 1 < sc.n && src[sc.i + 1] == '*') {
			const char *e = NULL;
			if (sc.i + 2 < sc.n)
				for (size_t k = sc.i + 2; k + 1 < sc.n; k++)
					if (src[k] == '*' && src[k + 1] == '/') {
						e = src + k;
						break;
					}
			sc.i = e ? (size_t)(e - src) + 2 : sc.n;
			continue;
		}
		if ((lang == GUARD_LANG_PY || lang == GUARD_LANG_RB) && c == '#') {
			while (sc.i < sc.n && src[sc.i] != '\n')
				sc.i++;
			continue;
		}
		if (lang == GUARD_LANG_RB && c == '=' && (sc.i == 0 || src[sc.i - 1] == '\n') &&
		    !strncmp(src + sc.i, "=begin", 6)) {
			const char *e = strstr(src + sc.i, "\n=end");
			sc.i = e && (size_t)(e - src) < sc.n ? (size_t)(e - src) + 5 : sc.n;
			continue;
		}
		if (ident_start(c)) {
			size_t a = sc.i;
			while (sc.i < sc.n && ident_char(src[sc.i]))
				sc.i++;
			/* Python string prefixes: r"", f"", rb"", ... */
			if (lang == GUARD_LANG_PY && sc.i < sc.n &&
			    (src[sc.i] == '"' || src[sc.i] == '\'') && sc.i - a <= 2) {
				size_t k;
				int ok = 1;
				for (k = a; k < sc.i; k++)
					if (!strchr("rRbBfFuU", src[k]))
						ok = 0;
				if (ok) {
					for (k = a; k < sc.i; k++) {
						if (src[k] == 'r' || src[k] == 'R')
							raw = 1;
						if (src[k] == 'f' || src[k] == 'F')
							interp = 3;
					}
					goto literal;
				}
			}
			note_ident(&sc, a, sc.i);
			sc.prev = 'i';
			/* a tagged template: sql`...` */
			if (lang == GUARD_LANG_JS && sc.i < sc.n && src[sc.i] == '`') {
				memcpy(sc.callee, sc.last_ident, sizeof(sc.callee));
				sc.prev = '`';
				goto literal;
			}
			continue;
		}
		if (c == '(') {
			memcpy(sc.callee, sc.last_ident, sizeof(sc.callee));
			sc.prev = '(';
			sc.i++;
			continue;
		}
		if (lang == GUARD_LANG_RB && c == '<' && sc.i + 2 < sc.n && src[sc.i + 1] == '<' &&
		    (src[sc.i + 2] == '~' || src[sc.i + 2] == '-' || src[sc.i + 2] == '\'' ||
		     (src[sc.i + 2] >= 'A' && src[sc.i + 2] <= 'Z'))) {
			size_t body_off;
			int after;
			zdm_buf_reset(&b);
			if (sc.prev == 'i')
				memcpy(sc.callee, sc.last_ident, sizeof(sc.callee));
			after = read_ruby_heredoc(&sc, &b, &body_off);
			if (after) {
				add_literal(&sc, &b, body_off, line_of(src, body_off));
				/* the opener's line goes on as code; the body is skipped */
				skip_from = body_off;
				skip_to = (size_t)after;
			} else {
				sc.i += 2;
			}
			continue;
		}
		if (lang == GUARD_LANG_RB && c == '%' && sc.i + 2 < sc.n &&
		    (src[sc.i + 1] == 'q' || src[sc.i + 1] == 'Q') ) {
			char open = src[sc.i + 2], close;
			size_t k;
			int level = 1;
			close = open == '(' ? ')' : open == '{' ? '}' : open == '[' ? ']' :
				open == '<' ? '>' : open;
			zdm_buf_reset(&b);
			start = sc.i + 3;
			for (k = start; k < sc.n; k++) {
				if (src[k] == open && open != close)
					level++;
				else if (src[k] == close && --level == 0)
					break;
				zdm_buf_addc(&b, src[k]);
			}
			sc.i = k < sc.n ? k + 1 : sc.n;
			if (sc.prev == 'i')
				memcpy(sc.callee, sc.last_ident, sizeof(sc.callee));
			add_literal(&sc, &b, start, line_of(src, start));
			continue;
		}
		if (c == '"' || c == '\'' || c == '`') {
			if (lang == GUARD_LANG_GO && c == '\'') {
				/* a rune */
				sc.i++;
				while (sc.i < sc.n && src[sc.i] != '\'' && src[sc.i] != '\n') {
					if (src[sc.i] == '\\')
						sc.i++;
					sc.i++;
				}
				sc.i++;
				continue;
			}
			if (lang == GUARD_LANG_RB && sc.prev == 'i')
				memcpy(sc.callee, sc.last_ident, sizeof(sc.callee));
			if (lang == GUARD_LANG_JS && c == '`')
				interp = 1;
			if (lang == GUARD_LANG_GO && c == '`')
				raw = 1;
			if (lang == GUARD_LANG_RB && c == '"')
				interp = 2;
			if (lang == GUARD_LANG_RB && c == '\'')
				raw = 1;  /* only \' and \\ escape; close enough */
			if (lang != GUARD_LANG_JS && lang != GUARD_LANG_GO && lang != GUARD_LANG_PY &&
			    lang != GUARD_LANG_RB && c == '`')
				interp = 0;
literal:
			zdm_buf_reset(&b);
			start = sc.i + 1;
			line = line_of(src, start);
			{
				char prev = sc.prev;
				read_quoted(&sc, &b, raw, interp);
				/* "a" + "b", and Python's implicit "a" "b" */
				for (;;) {
					size_t j = sc.i;
					int plus = 0;
					while (j < sc.n && (src[j] == ' ' || src[j] == '\t' ||
							    src[j] == '\n' || src[j] == '\r' ||
							    (src[j] == '\\' && lang == GUARD_LANG_PY) ||
							    (src[j] == '+' && !plus && (plus = 1))))
						j++;
					if (j < sc.n && (src[j] == '"' || src[j] == '\'' ||
							 (src[j] == '`' && lang != GUARD_LANG_PY)) &&
					    (plus || lang == GUARD_LANG_PY || lang == GUARD_LANG_RB)) {
						int r2 = lang == GUARD_LANG_GO && src[j] == '`';
						int i2 = lang == GUARD_LANG_JS && src[j] == '`' ? 1 :
							 lang == GUARD_LANG_RB && src[j] == '"' ? 2 : 0;
						sc.i = j;
						read_quoted(&sc, &b, r2, i2);
						continue;
					}
					break;
				}
				sc.prev = prev;
				add_literal(&sc, &b, start, line);
				sc.prev = 's';
			}
			continue;
		}
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			sc.prev = c;
			if (c != ',' && c != '=' && c != '+')
				sc.callee[0] = c == ')' ? sc.callee[0] : 0;
		}
		sc.i++;
	}
	zdm_buf_release(&b);
	if (sc.count) {
		*out = zdm_arena_alloc(&g->arena, sc.count * sizeof(**out));
		memcpy(*out, sc.out, sc.count * sizeof(**out));
	} else {
		*out = NULL;
	}
	*count = sc.count;
	free(sc.out);
}
