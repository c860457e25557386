/* SPDX-License-Identifier: MIT */
/*
 * shell.c - tokenize and parse a shell command without running it.
 *
 * The tokenizer follows the POSIX "Token Recognition" rules (XCU 2.3) with
 * the bash additions people type: $'...', <<<, &>, |&, <(...).  Command
 * substitutions are found by running the same tokenizer recursively in a
 * mode that stops at the unmatched ')', so a heredoc or a quote inside
 * $(...) cannot throw the outer scan off.  Heredoc bodies are read when
 * the tokenizer reaches the end of the line that opened them, in order.
 *
 * The parser is deliberately shallow: the guard needs argv, redirections
 * and pipes, not control flow, so compound commands are flattened.
 */
#include <stdlib.h>
#include <string.h>

#include "shell.h"

/* ---- word builder ------------------------------------------------------ */

struct wb {
	struct zdm_buf b;
	struct zdm_sh_exp *exps;
	size_t nexps, cap;
	unsigned flags;
	int started;     /* something was scanned, even an empty '' */
};

static void wb_reset(struct wb *w)
{
	zdm_buf_reset(&w->b);
	w->nexps = 0;
	w->flags = 0;
	w->started = 0;
}

static void wb_release(struct wb *w)
{
	zdm_buf_release(&w->b);
	free(w->exps);
}

static void wb_add(struct wb *w, const char *p, size_t n)
{
	w->started = 1;
	zdm_buf_add(&w->b, p, n);
}

static void wb_addc(struct wb *w, char c)
{
	w->started = 1;
	zdm_buf_addc(&w->b, c);
}

static void wb_exp(struct wb *w, enum zdm_sh_exp_kind kind, size_t off,
		   const char *inner, int quoted)
{
	if (w->nexps == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 4;
		w->exps = zdm_xrealloc(w->exps, w->cap * sizeof(*w->exps));
	}
	w->exps[w->nexps].kind = kind;
	w->exps[w->nexps].off = off;
	w->exps[w->nexps].len = w->b.len - off;
	w->exps[w->nexps].inner = inner;
	w->exps[w->nexps].quoted = quoted;
	w->nexps++;
}

/* Copy the builder into the arena as a finished word. */
static void wb_finish(struct wb *w, struct zdm_arena *a, struct zdm_sh_word *out)
{
	struct zdm_sh_exp *e = NULL;

	out->text = zdm_arena_strndup(a, w->b.data ? w->b.data : "", w->b.len);
	out->len = w->b.len;
	if (w->nexps) {
		e = zdm_arena_alloc(a, w->nexps * sizeof(*e));
		memcpy(e, w->exps, w->nexps * sizeof(*e));
	}
	out->exps = e;
	out->nexps = w->nexps;
	out->flags = w->flags;
}

/* ---- lexer state -------------------------------------------------------- */

struct pending_doc {
	long tok;        /* index of the REDIR token, or -1 when not recording */
	char *delim;
	int strip;       /* <<- strips leading tabs */
	int quoted;
};

struct lexer {
	const char *s;
	size_t n, i;
	unsigned flags;
	int depth;
	struct zdm_sh_tokens *out;  /* NULL: only find the extent */
	struct zdm_arena *arena;
	unsigned *errors;
	struct pending_doc pend[16];
	int npend;
	int want_delim;             /* 0, or 1 for <<, 2 for <<- */
	long delim_tok;
};

static int is_meta(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' ||
	       c == '|' || c == '(' || c == ')' || c == '<' || c == '>';
}

static int is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static void lex_run(struct lexer *lx, int until_rparen);

static void push_token(struct lexer *lx, const struct zdm_sh_token *t)
{
	struct zdm_sh_tokens *o = lx->out;

	if (!o)
		return;
	if (o->count == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->items = zdm_xrealloc(o->items, o->cap * sizeof(*o->items));
	}
	o->items[o->count++] = *t;
}

/*
 * Run a nested lexer over s[i..n) until the unmatched ')' and return the
 * index of that ')' (or n when there is none, which is an error).
 */
static size_t find_close_paren(struct lexer *lx, size_t i)
{
	struct lexer sub;

	if (lx->depth >= ZDM_SH_MAX_DEPTH) {
		*lx->errors |= ZDM_SH_E_DEPTH;
		/* Give up on structure: skip to the end of the input. */
		return lx->n;
	}
	memset(&sub, 0, sizeof(sub));
	sub.s = lx->s;
	sub.n = lx->n;
	sub.i = i;
	sub.flags = lx->flags;
	sub.depth = lx->depth + 1;
	sub.out = NULL;
	sub.arena = lx->arena;
	sub.errors = lx->errors;
	sub.delim_tok = -1;
	lex_run(&sub, 1);
	if (sub.i >= lx->n)
		*lx->errors |= ZDM_SH_E_QUOTE;
	return sub.i;
}

/* Decode one $'...' string starting after the quote; returns the index after it. */
static size_t scan_ansi_c(struct lexer *lx, size_t i, struct wb *w)
{
	const char *s = lx->s;

	while (i < lx->n && s[i] != '\'') {
		char c = s[i++];
		if (c != '\\' || i >= lx->n) {
			wb_addc(w, c);
			continue;
		}
		c = s[i++];
		switch (c) {
		case 'n': wb_addc(w, '\n'); break;
		case 't': wb_addc(w, '\t'); break;
		case 'r': wb_addc(w, '\r'); break;
		case 'a': wb_addc(w, '\a'); break;
		case 'b': wb_addc(w, '\b'); break;
		case 'f': wb_addc(w, '\f'); break;
		case 'v': wb_addc(w, '\v'); break;
		case 'e': case 'E': wb_addc(w, 27); break;
		case 'x': {
			int v = 0, k = 0;
			while (k < 2 && i < lx->n) {
				char h = s[i];
				int d = (h >= '0' && h <= '9') ? h - '0' :
					(h >= 'a' && h <= 'f') ? h - 'a' + 10 :
					(h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
				if (d < 0)
					break;
				v = v * 16 + d;
				i++, k++;
			}
			if (k)
				wb_addc(w, (char)v);
			else
				wb_add(w, "\\x", 2);
			break;
		}
		case '0': case '1': case '2': case '3':
		case '4': case '5': case '6': case '7': {
			int v = c - '0', k = 1;
			while (k < 3 && i < lx->n && s[i] >= '0' && s[i] <= '7')
				v = v * 8 + (s[i++] - '0'), k++;
			wb_addc(w, (char)v);
			break;
		}
		default:
			/* \\ \' \" \? and unknown escapes keep the character */
			if (c != '\\' && c != '\'' && c != '"' && c != '?')
				wb_addc(w, '\\');
			wb_addc(w, c);
		}
	}
	if (i >= lx->n)
		*lx->errors |= ZDM_SH_E_QUOTE;
	return i < lx->n ? i + 1 : i;
}

/* Find the end of ${...}: the index after the matching '}'. */
static size_t skip_braces(struct lexer *lx, size_t i)
{
	int level = 1;
	const char *s = lx->s;

	while (i < lx->n) {
		char c = s[i];
		if (c == '\\' && i + 1 < lx->n) {
			i += 2;
			continue;
		}
		if (c == '\'') {
			const char *q = memchr(s + i + 1, '\'', lx->n - i - 1);
			i = q ? (size_t)(q - s) + 1 : lx->n;
			continue;
		}
		if (c == '{')
			level++;
		else if (c == '}' && --level == 0)
			return i + 1;
		i++;
	}
	*lx->errors |= ZDM_SH_E_QUOTE;
	return lx->n;
}

/* Find the end of $((...)): the index after the matching "))". */
static size_t skip_arith(struct lexer *lx, size_t i)
{
	int level = 2;

	while (i < lx->n) {
		char c = lx->s[i++];
		if (c == '(')
			level++;
		else if (c == ')' && --level == 0)
			return i;
	}
	*lx->errors |= ZDM_SH_E_QUOTE;
	return lx->n;
}

/*
 * Scan a backquoted command substitution starting after the opening
 * backquote.  Inside, backslash escapes only $ ` and backslash.
 */
static size_t scan_backtick(struct lexer *lx, size_t i, struct wb *w, int quoted)
{
	struct zdm_buf inner = ZDM_BUF_INIT;
	size_t off = w->b.len;
	const char *s = lx->s;
	size_t start = i;

	while (i < lx->n && s[i] != '`') {
		if (s[i] == '\\' && i + 1 < lx->n &&
		    (s[i + 1] == '`' || s[i + 1] == '\\' || s[i + 1] == '$')) {
			zdm_buf_addc(&inner, s[i + 1]);
			i += 2;
			continue;
		}
		zdm_buf_addc(&inner, s[i++]);
	}
	if (i >= lx->n)
		*lx->errors |= ZDM_SH_E_QUOTE;
	wb_addc(w, '`');
	wb_add(w, s + start, i - start);
	wb_addc(w, '`');
	wb_exp(w, ZDM_SH_CMDSUB, off,
	       zdm_arena_strndup(lx->arena, inner.data ? inner.data : "", inner.len),
	       quoted);
	zdm_buf_release(&inner);
	return i < lx->n ? i + 1 : i;
}

/*
 * Scan an expansion at s[i] == '$'.  Appends it to the word as written and
 * records it; a '$' that starts nothing is a literal dollar.  Returns the
 * index after it.
 */
static size_t scan_dquote(struct lexer *lx, size_t i, struct wb *w);

static size_t scan_dollar(struct lexer *lx, size_t i, struct wb *w, int quoted)
{
	const char *s = lx->s;
	size_t off = w->b.len, start = i, end;
	char c = i + 1 < lx->n ? s[i + 1] : 0;

	if (c == '\'' && !quoted && !(lx->flags & ZDM_SH_POWERSHELL)) {
		w->flags |= ZDM_SH_W_QUOTED;
		wb_add(w, "", 0);
		return scan_ansi_c(lx, i + 2, w);
	}
	if (c == '"' && !quoted && !(lx->flags & ZDM_SH_POWERSHELL)) {
		w->flags |= ZDM_SH_W_QUOTED;
		return scan_dquote(lx, i + 2, w);
	}
	if (c == '(' && i + 2 < lx->n && s[i + 2] == '(' &&
	    !(lx->flags & ZDM_SH_POWERSHELL)) {
		end = skip_arith(lx, i + 3);
		wb_add(w, s + start, end - start);
		wb_exp(w, ZDM_SH_ARITH, off, NULL, quoted);
		return end;
	}
	if (c == '(') {
		size_t close = find_close_paren(lx, i + 2);
		const char *inner = zdm_arena_strndup(lx->arena, s + i + 2,
						      close - (i + 2));
		end = close < lx->n ? close + 1 : close;
		wb_add(w, s + start, end - start);
		wb_exp(w, ZDM_SH_CMDSUB, off, inner, quoted);
		return end;
	}
	if (c == '{') {
		end = skip_braces(lx, i + 2);
		wb_add(w, s + start, end - start);
		wb_exp(w, ZDM_SH_PARAM, off, NULL, quoted);
		return end;
	}
	if (is_name_start(c)) {
		end = i + 1;
		while (end < lx->n && is_name_char(s[end]))
			end++;
		/* PowerShell: $env:NAME */
		if ((lx->flags & ZDM_SH_POWERSHELL) && end < lx->n &&
		    s[end] == ':' && end + 1 < lx->n && is_name_start(s[end + 1])) {
			end++;
			while (end < lx->n && is_name_char(s[end]))
				end++;
		}
		wb_add(w, s + start, end - start);
		wb_exp(w, ZDM_SH_PARAM, off, NULL, quoted);
		return end;
	}
	if (c && strchr("@*#?$!-0123456789", c)) {
		wb_add(w, s + start, 2);
		wb_exp(w, ZDM_SH_PARAM, off, NULL, quoted);
		return i + 2;
	}
	wb_addc(w, '$');
	return i + 1;
}

/* Double-quoted text starting after the quote; returns the index after it. */
static size_t scan_dquote(struct lexer *lx, size_t i, struct wb *w)
{
	const char *s = lx->s;
	int ps = (lx->flags & ZDM_SH_POWERSHELL) != 0;

	w->flags |= ZDM_SH_W_QUOTED;
	wb_add(w, "", 0);
	while (i < lx->n) {
		char c = s[i];
		if (c == '"') {
			if (ps && i + 1 < lx->n && s[i + 1] == '"') {
				wb_addc(w, '"');
				i += 2;
				continue;
			}
			return i + 1;
		}
		if (!ps && c == '\\' && i + 1 < lx->n) {
			char d = s[i + 1];
			if (d == '\n') {
				i += 2;
			} else if (d == '$' || d == '`' || d == '"' || d == '\\') {
				wb_addc(w, d);
				i += 2;
			} else {
				wb_addc(w, c);
				i++;
			}
			continue;
		}
		if (ps && c == '`' && i + 1 < lx->n) {
			char d = s[i + 1];
			wb_addc(w, d == 'n' ? '\n' : d == 't' ? '\t' : d);
			i += 2;
			continue;
		}
		if (c == '$') {
			i = scan_dollar(lx, i, w, 1);
			continue;
		}
		if (c == '`' && !ps) {
			i = scan_backtick(lx, i + 1, w, 1);
			continue;
		}
		wb_addc(w, c);
		i++;
	}
	*lx->errors |= ZDM_SH_E_QUOTE;
	return i;
}

/* PowerShell here-string @'...'@ or @"..."@ at s[i] == '@'. */
static size_t scan_ps_herestring(struct lexer *lx, size_t i, struct wb *w)
{
	const char *s = lx->s;
	char q = s[i + 1];
	size_t start = i + 2, j;

	/* The body starts on the next line and ends at a line starting with q@. */
	while (start < lx->n && s[start] != '\n')
		start++;
	if (start < lx->n)
		start++;
	w->flags |= ZDM_SH_W_QUOTED;
	wb_add(w, "", 0);
	for (j = start; j < lx->n; j++) {
		if ((j == start || s[j - 1] == '\n') && s[j] == q &&
		    j + 1 < lx->n && s[j + 1] == '@') {
			size_t end = j > start ? j - 1 : j; /* drop the last newline */
			wb_add(w, s + start, end - start);
			return j + 2;
		}
	}
	*lx->errors |= ZDM_SH_E_QUOTE;
	wb_add(w, s + start, lx->n - start);
	return lx->n;
}

/*
 * Scan one word starting at lx->i.  Stops before an unquoted
 * metacharacter.
 */
static void scan_word(struct lexer *lx, struct wb *w)
{
	const char *s = lx->s;
	size_t i = lx->i;
	int ps = (lx->flags & ZDM_SH_POWERSHELL) != 0;

	if (i < lx->n && s[i] == '~')
		w->flags |= ZDM_SH_W_TILDE;
	if (ps && i + 1 < lx->n && s[i] == '@' && (s[i + 1] == '\'' || s[i + 1] == '"')) {
		i = scan_ps_herestring(lx, i, w);
	}
	while (i < lx->n) {
		char c = s[i];
		if (is_meta(c)) {
			/* a=( ... ): a bash array assignment stays one word */
			if (c == '(' && w->b.len && w->b.data[w->b.len - 1] == '=' &&
			    !w->nexps) {
				size_t close = find_close_paren(lx, i + 1);
				size_t end = close < lx->n ? close + 1 : close;
				wb_add(w, s + i, end - i);
				i = end;
				continue;
			}
			break;
		}
		if (!ps && c == '\\') {
			if (i + 1 >= lx->n) {
				wb_addc(w, c);
				i++;
			} else if (s[i + 1] == '\n') {
				i += 2;
			} else {
				w->flags |= ZDM_SH_W_QUOTED;
				wb_addc(w, s[i + 1]);
				i += 2;
			}
			continue;
		}
		if (ps && c == '`') {
			/* a trailing escape character stands for itself */
			if (i + 1 >= lx->n) {
				wb_addc(w, c);
				i++;
				continue;
			}
			if (s[i + 1] != '\n') {
				w->flags |= ZDM_SH_W_QUOTED;
				wb_addc(w, s[i + 1]);
			}
			i += 2;
			continue;
		}
		if (c == '\'') {
			const char *q;
			w->flags |= ZDM_SH_W_QUOTED;
			if (ps) {
				/* '' inside single quotes is one quote */
				size_t j = i + 1;
				wb_add(w, "", 0);
				while (j < lx->n) {
					if (s[j] == '\'') {
						if (j + 1 < lx->n && s[j + 1] == '\'') {
							wb_addc(w, '\'');
							j += 2;
							continue;
						}
						break;
					}
					wb_addc(w, s[j++]);
				}
				if (j >= lx->n)
					*lx->errors |= ZDM_SH_E_QUOTE;
				i = j < lx->n ? j + 1 : j;
				continue;
			}
			q = memchr(s + i + 1, '\'', lx->n - i - 1);
			if (!q) {
				*lx->errors |= ZDM_SH_E_QUOTE;
				wb_add(w, s + i + 1, lx->n - i - 1);
				i = lx->n;
			} else {
				wb_add(w, s + i + 1, (size_t)(q - s) - i - 1);
				i = (size_t)(q - s) + 1;
			}
			continue;
		}
		if (c == '"') {
			i = scan_dquote(lx, i + 1, w);
			continue;
		}
		if (c == '$') {
			i = scan_dollar(lx, i, w, 0);
			continue;
		}
		if (c == '`') {
			i = scan_backtick(lx, i + 1, w, 0);
			continue;
		}
		if (c == '*' || c == '?' || c == '[')
			w->flags |= ZDM_SH_W_GLOB;
		wb_addc(w, c);
		i++;
	}
	lx->i = i;
}

/*
 * Expand a heredoc body (unquoted delimiter): backslash escapes $ ` \ and
 * newline, expansions are recorded.  text is NUL-terminated.
 */
static void scan_heredoc_body(struct lexer *lx, const char *text, size_t len,
			      struct wb *w)
{
	struct lexer sub = *lx;
	size_t i = 0;

	sub.s = text;
	sub.n = len;
	sub.npend = 0;
	sub.out = NULL;
	wb_add(w, "", 0);
	while (i < len) {
		char c = text[i];
		if (c == '\\' && i + 1 < len) {
			char d = text[i + 1];
			if (d == '\n') {
				i += 2;
				continue;
			}
			if (d == '$' || d == '`' || d == '\\') {
				wb_addc(w, d);
				i += 2;
				continue;
			}
		}
		if (c == '$') {
			i = scan_dollar(&sub, i, w, 1);
			continue;
		}
		if (c == '`') {
			i = scan_backtick(&sub, i + 1, w, 1);
			continue;
		}
		wb_addc(w, c);
		i++;
	}
}

/* At the start of a line after a newline: read every pending heredoc body. */
static void read_heredocs(struct lexer *lx)
{
	int k;

	for (k = 0; k < lx->npend; k++) {
		struct pending_doc *p = &lx->pend[k];
		struct zdm_buf body = ZDM_BUF_INIT;
		size_t dlen = strlen(p->delim);
		int found = 0;

		while (lx->i < lx->n) {
			const char *line = lx->s + lx->i;
			const char *nl = memchr(line, '\n', lx->n - lx->i);
			size_t ll = nl ? (size_t)(nl - line) : lx->n - lx->i;
			size_t skip = 0;

			if (p->strip)
				while (skip < ll && line[skip] == '\t')
					skip++;
			lx->i += ll + (nl ? 1 : 0);
			if (ll - skip == dlen && !memcmp(line + skip, p->delim, dlen)) {
				found = 1;
				break;
			}
			zdm_buf_add(&body, line + skip, ll - skip);
			if (nl)
				zdm_buf_addc(&body, '\n');
		}
		if (!found)
			*lx->errors |= ZDM_SH_E_HEREDOC;
		if (lx->out && p->tok >= 0) {
			struct zdm_sh_token *t = &lx->out->items[p->tok];
			struct wb w;
			memset(&w, 0, sizeof(w));
			if (p->quoted)
				wb_add(&w, body.data ? body.data : "", body.len);
			else
				scan_heredoc_body(lx, body.data ? body.data : "",
						  body.len, &w);
			wb_finish(&w, lx->arena, &t->word);
			t->heredoc_quoted = p->quoted;
			wb_release(&w);
		}
		zdm_buf_release(&body);
	}
	lx->npend = 0;
}

static void add_op(struct lexer *lx, enum zdm_sh_tk kind, const char *op,
		   size_t len, int fd, size_t start)
{
	struct zdm_sh_token t;

	memset(&t, 0, sizeof(t));
	t.kind = kind;
	t.off = start;
	t.len = lx->i - start;
	memcpy(t.op, op, len);
	t.op[len] = 0;
	t.fd = fd;
	push_token(lx, &t);
	if (kind == ZDM_SH_REDIR && op[0] == '<' && op[1] == '<' && op[2] != '<') {
		lx->want_delim = op[2] == '-' ? 2 : 1;
		lx->delim_tok = lx->out ? (long)lx->out->count - 1 : -1;
	}
}

/* Operators that start with c at lx->i, longest first. */
static const char *const ops_by_char[][5] = {
	{ ";;&", ";;", ";&", ";", NULL },
	{ "&&", "&>>", "&>", "&", NULL },
	{ "||", "|&", "|", NULL, NULL },
	{ "<<<", "<<-", "<<", "<&", "<>" },
	{ ">>", ">&", ">|", ">", NULL },
};

static int match_op(struct lexer *lx, const char **op)
{
	const char *s = lx->s + lx->i;
	size_t left = lx->n - lx->i;
	int row, k;

	switch (s[0]) {
	case ';': row = 0; break;
	case '&': row = 1; break;
	case '|': row = 2; break;
	case '<': row = 3; break;
	case '>': row = 4; break;
	default: return 0;
	}
	for (k = 0; k < 5 && ops_by_char[row][k]; k++) {
		size_t l = strlen(ops_by_char[row][k]);
		if (l <= left && !memcmp(s, ops_by_char[row][k], l)) {
			*op = ops_by_char[row][k];
			return (int)l;
		}
	}
	if (row == 3) {
		*op = "<";
		return 1;
	}
	return 0;
}

static void emit_word(struct lexer *lx, struct wb *w, size_t start)
{
	struct zdm_sh_token t;

	memset(&t, 0, sizeof(t));
	t.kind = ZDM_SH_WORD;
	t.off = start;
	t.len = lx->i - start;
	t.fd = -1;
	if (lx->want_delim) {
		if (lx->npend < (int)(sizeof(lx->pend) / sizeof(lx->pend[0]))) {
			struct pending_doc *p = &lx->pend[lx->npend++];
			p->tok = lx->delim_tok;
			p->delim = zdm_arena_strndup(lx->arena,
						     w->b.data ? w->b.data : "",
						     w->b.len);
			p->strip = lx->want_delim == 2;
			p->quoted = (w->flags & ZDM_SH_W_QUOTED) != 0;
		}
		lx->want_delim = 0;
	}
	if (lx->out) {
		wb_finish(w, lx->arena, &t.word);
		push_token(lx, &t);
	}
}

static int all_digits(const struct wb *w)
{
	size_t k;

	if (!w->b.len || w->b.len > 4 || w->flags || w->nexps)
		return 0;
	for (k = 0; k < w->b.len; k++)
		if (w->b.data[k] < '0' || w->b.data[k] > '9')
			return 0;
	return 1;
}

/*
 * The main loop.  With until_rparen, stop at an unmatched ')' and leave
 * lx->i on it (this is how $(...) finds its end).
 */
static void lex_run(struct lexer *lx, int until_rparen)
{
	const char *s = lx->s;
	int parens = 0, ps = (lx->flags & ZDM_SH_POWERSHELL) != 0;
	struct wb w;

	memset(&w, 0, sizeof(w));
	while (lx->i < lx->n) {
		char c = s[lx->i];
		size_t start = lx->i;
		const char *op;
		int l;

		if (c == ' ' || c == '\t' || c == '\r') {
			lx->i++;
			continue;
		}
		if (c == '\\' && lx->i + 1 < lx->n && s[lx->i + 1] == '\n' && !ps) {
			lx->i += 2;
			continue;
		}
		if (ps && c == '`' && lx->i + 1 < lx->n &&
		    (s[lx->i + 1] == '\n' || s[lx->i + 1] == '\r')) {
			lx->i += 2;
			continue;
		}
		if (c == '#') {
			const char *nl = memchr(s + lx->i, '\n', lx->n - lx->i);
			lx->i = nl ? (size_t)(nl - s) : lx->n;
			continue;
		}
		if (c == '\n') {
			lx->i++;
			add_op(lx, ZDM_SH_OP, "\n", 1, -1, start);
			if (lx->npend)
				read_heredocs(lx);
			continue;
		}
		if (c == ')') {
			if (until_rparen && parens == 0)
				break;
			parens--;
			lx->i++;
			add_op(lx, ZDM_SH_OP, ")", 1, -1, start);
			continue;
		}
		if (c == '(') {
			parens++;
			lx->i++;
			add_op(lx, ZDM_SH_OP, "(", 1, -1, start);
			continue;
		}
		/* <(cmd) and >(cmd): process substitution, a word */
		if ((c == '<' || c == '>') && lx->i + 1 < lx->n && s[lx->i + 1] == '(' && !ps) {
			size_t close = find_close_paren(lx, lx->i + 2);
			size_t end = close < lx->n ? close + 1 : close;
			wb_reset(&w);
			wb_add(&w, s + lx->i, end - lx->i);
			wb_exp(&w, ZDM_SH_PROCSUB, 0,
			       zdm_arena_strndup(lx->arena, s + lx->i + 2,
						 close - lx->i - 2), 0);
			lx->i = end;
			emit_word(lx, &w, start);
			continue;
		}
		if (ps && c == '&' && !(lx->i + 1 < lx->n && s[lx->i + 1] == '&')) {
			/* PowerShell's call operator: & "path\psql.exe" ... */
			lx->i++;
			continue;
		}
		l = match_op(lx, &op);
		if (l) {
			lx->i += (size_t)l;
			add_op(lx, (op[0] == '<' || op[0] == '>' ||
				    (op[0] == '&' && op[1] == '>')) ?
				   ZDM_SH_REDIR : ZDM_SH_OP,
			       op, (size_t)l, -1, start);
			continue;
		}
		wb_reset(&w);
		scan_word(lx, &w);
		if (lx->i < lx->n && (s[lx->i] == '<' || s[lx->i] == '>') &&
		    all_digits(&w) && !lx->want_delim) {
			int fd = atoi(w.b.data);
			l = match_op(lx, &op);
			if (l) {
				lx->i += (size_t)l;
				add_op(lx, ZDM_SH_REDIR, op, (size_t)l, fd, start);
				continue;
			}
		}
		if (!w.started && lx->i == start) {
			/* cannot happen, but never loop forever */
			lx->i++;
			continue;
		}
		emit_word(lx, &w, start);
	}
	wb_release(&w);
	if (lx->npend) {
		/* heredocs opened on the last line with no body at all */
		read_heredocs(lx);
	}
}

void zdm_sh_lex(const char *src, size_t len, unsigned flags,
		struct zdm_sh_tokens *out)
{
	struct lexer lx;

	memset(&lx, 0, sizeof(lx));
	lx.s = src;
	lx.n = len;
	lx.flags = flags;
	lx.out = out;
	lx.arena = &out->arena;
	lx.errors = &out->errors;
	lx.delim_tok = -1;
	lex_run(&lx, 0);
	/* stray ')' at top level: lex_run only stops on it when asked */
}

void zdm_sh_tokens_release(struct zdm_sh_tokens *t)
{
	free(t->items);
	zdm_arena_release(&t->arena);
	t->items = NULL;
	t->count = t->cap = 0;
	t->errors = 0;
}

/* ---- parser ------------------------------------------------------------ */

int zdm_sh_word_static(const struct zdm_sh_word *w)
{
	return w->nexps == 0;
}

int zdm_sh_word_is_assign(const struct zdm_sh_word *w)
{
	size_t k;

	if (!w->len || !is_name_start(w->text[0]))
		return 0;
	for (k = 1; k < w->len && w->text[k] != '='; k++) {
		if (w->text[k] == '+' && k + 1 < w->len && w->text[k + 1] == '=')
			return 1;
		if (w->text[k] == '[') {
			const char *e = memchr(w->text + k, ']', w->len - k);
			if (!e)
				return 0;
			k = (size_t)(e - w->text);
			continue;
		}
		if (!is_name_char(w->text[k]))
			return 0;
	}
	return k < w->len;
}

struct group {
	size_t first;            /* first command inside */
	int pipe_first, pipe_last;  /* inherited standard input */
	int subshell;
	int sub;                 /* subshell id of the commands inside */
	int keyword;             /* closed by done/fi/esac rather than ) or } */
	int loop;                /* for loop of this group, or the enclosing one */
};

struct parser {
	struct zdm_sh_script *s;
	struct zdm_buf argv_buf;   /* of const struct zdm_sh_word * */
	struct zdm_buf redir_buf;  /* of struct zdm_sh_redir */
	size_t nassign;
	int in_assign;
	struct group stack[64];
	int depth;
	int pend_first, pend_last;     /* from a '|' just seen */
	int last_first, last_last;     /* the last finished stage */
	size_t cmds_cap;
	int skip_to_sep;               /* for x in ...: ignore words to ; or newline */
	int case_depth;                /* inside case ... esac */
	int case_pattern;              /* expecting a pattern up to ')' */
	size_t subs_cap;
	size_t loops_cap;
	struct zdm_buf loop_words;     /* words of the for loop being read */
	int loop_state;                /* 0 name, 1 "in", 2 words */
};

static int new_sub(struct parser *p, int parent)
{
	struct zdm_sh_script *s = p->s;

	if (s->nsubs == p->subs_cap) {
		p->subs_cap = p->subs_cap ? p->subs_cap * 2 : 8;
		s->sub_parent = zdm_xrealloc(s->sub_parent,
					     p->subs_cap * sizeof(int));
	}
	s->sub_parent[s->nsubs] = parent;
	return (int)s->nsubs++;
}

static int cur_sub(const struct parser *p)
{
	return p->depth ? p->stack[p->depth - 1].sub : 0;
}

static void finish_cmd(struct parser *p, enum zdm_sh_conn conn)
{
	struct zdm_sh_script *s = p->s;
	struct zdm_sh_cmd *c;
	size_t argc = p->argv_buf.len / sizeof(struct zdm_sh_word *);
	size_t nred = p->redir_buf.len / sizeof(struct zdm_sh_redir);

	if (p->skip_to_sep == 1 && p->depth && p->stack[p->depth - 1].loop >= 0) {
		struct zdm_sh_loop *l = &s->loops[p->stack[p->depth - 1].loop];
		size_t nw = p->loop_words.len / sizeof(struct zdm_sh_word *);
		if (!l->words) {
			l->nwords = nw;
			l->words = zdm_arena_alloc(&s->toks.arena, (nw ? nw : 1) * sizeof(*l->words));
			if (nw)
				memcpy(l->words, p->loop_words.data, nw * sizeof(*l->words));
		}
		zdm_buf_reset(&p->loop_words);
	}
	p->skip_to_sep = 0;
	if (!argc && !nred) {
		if (conn == ZDM_SH_PIPE && s->ncmds && p->last_first >= 0) {
			p->pend_first = p->last_first;
			p->pend_last = p->last_last;
		}
		if (s->ncmds && conn != ZDM_SH_PIPE)
			s->cmds[s->ncmds - 1].conn = conn;
		return;
	}
	if (s->ncmds == p->cmds_cap) {
		p->cmds_cap = p->cmds_cap ? p->cmds_cap * 2 : 8;
		s->cmds = zdm_xrealloc(s->cmds, p->cmds_cap * sizeof(*s->cmds));
	}
	c = &s->cmds[s->ncmds];
	memset(c, 0, sizeof(*c));
	c->argc = argc;
	c->argv = zdm_arena_alloc(&s->toks.arena, (argc ? argc : 1) * sizeof(*c->argv));
	if (argc)
		memcpy(c->argv, p->argv_buf.data, argc * sizeof(*c->argv));
	c->nassign = p->nassign;
	c->nredirs = nred;
	c->redirs = zdm_arena_alloc(&s->toks.arena, (nred ? nred : 1) * sizeof(*c->redirs));
	if (nred)
		memcpy(c->redirs, p->redir_buf.data, nred * sizeof(*c->redirs));
	c->pipe_first = c->pipe_last = -1;
	if (p->pend_first >= 0) {
		c->pipe_first = p->pend_first;
		c->pipe_last = p->pend_last;
	} else if (p->depth && p->stack[p->depth - 1].pipe_first >= 0) {
		c->pipe_first = p->stack[p->depth - 1].pipe_first;
		c->pipe_last = p->stack[p->depth - 1].pipe_last;
	}
	p->pend_first = p->pend_last = -1;
	c->conn = conn;
	c->depth = p->depth;
	c->sub = cur_sub(p);
	c->loop = p->depth ? p->stack[p->depth - 1].loop : -1;
	p->last_first = p->last_last = (int)s->ncmds;
	s->ncmds++;
	if (conn == ZDM_SH_PIPE) {
		p->pend_first = p->last_first;
		p->pend_last = p->last_last;
	}
	zdm_buf_reset(&p->argv_buf);
	zdm_buf_reset(&p->redir_buf);
	p->nassign = 0;
	p->in_assign = 1;
}

static void push_group(struct parser *p, int subshell, int keyword)
{
	struct group *g;

	if (p->depth >= (int)(sizeof(p->stack) / sizeof(p->stack[0])))
		return;
	g = &p->stack[p->depth];
	g->first = p->s->ncmds;
	g->pipe_first = p->pend_first;
	g->pipe_last = p->pend_last;
	if (g->pipe_first < 0 && p->depth) {
		g->pipe_first = p->stack[p->depth - 1].pipe_first;
		g->pipe_last = p->stack[p->depth - 1].pipe_last;
	}
	p->pend_first = p->pend_last = -1;
	g->subshell = subshell;
	g->keyword = keyword;
	g->loop = p->depth ? p->stack[p->depth - 1].loop : -1;
	g->sub = subshell ? new_sub(p, cur_sub(p)) : cur_sub(p);
	p->depth++;
}

static void pop_group(struct parser *p)
{
	struct group *g;

	if (!p->depth)
		return;
	g = &p->stack[--p->depth];
	if (p->s->ncmds > g->first) {
		p->last_first = (int)g->first;
		p->last_last = (int)p->s->ncmds - 1;
	}
	if (g->keyword == 2)
		p->case_depth--;
}

static int word_is(const struct zdm_sh_word *w, const char *kw)
{
	return !w->flags && !w->nexps && !strcmp(w->text, kw);
}

/* Reserved words in command position.  Returns 1 when consumed. */
static int reserved(struct parser *p, const struct zdm_sh_word *w)
{
	static const char *const skip[] = {
		"if", "then", "else", "elif", "do", "!", "function", NULL
	};
	int k;

	if (word_is(w, "{")) {
		push_group(p, 0, 0);
		return 1;
	}
	if (word_is(w, "}")) {
		if (p->depth && !p->stack[p->depth - 1].subshell &&
		    !p->stack[p->depth - 1].keyword)
			pop_group(p);
		return 1;
	}
	if (word_is(w, "while") || word_is(w, "until") || word_is(w, "if")) {
		push_group(p, 0, 1);
		return 1;
	}
	if (word_is(w, "for") || word_is(w, "select")) {
		struct zdm_sh_script *s = p->s;
		push_group(p, 0, 1);
		p->skip_to_sep = 1;
		p->loop_state = 0;
		zdm_buf_reset(&p->loop_words);
		if (p->depth && word_is(w, "for")) {
			if (s->nloops == p->loops_cap) {
				p->loops_cap = p->loops_cap ? p->loops_cap * 2 : 4;
				s->loops = zdm_xrealloc(s->loops, p->loops_cap * sizeof(*s->loops));
			}
			memset(&s->loops[s->nloops], 0, sizeof(s->loops[0]));
			p->stack[p->depth - 1].loop = (int)s->nloops++;
		}
		return 1;
	}
	if (word_is(w, "case")) {
		push_group(p, 0, 2);
		p->case_depth++;
		p->skip_to_sep = 2;   /* up to "in" */
		return 1;
	}
	if (word_is(w, "done") || word_is(w, "fi") || word_is(w, "esac")) {
		if (p->depth && p->stack[p->depth - 1].keyword)
			pop_group(p);
		if (word_is(w, "esac"))
			p->case_pattern = 0;
		return 1;
	}
	for (k = 0; skip[k]; k++)
		if (word_is(w, skip[k]))
			return 1;
	return 0;
}

static void add_word(struct parser *p, const struct zdm_sh_word *w)
{
	size_t argc = p->argv_buf.len / sizeof(struct zdm_sh_word *);

	if (p->skip_to_sep == 1) {
		/* for NAME [in WORDS] */
		if (p->depth && p->stack[p->depth - 1].loop >= 0 &&
		    !p->s->loops[p->stack[p->depth - 1].loop].words) {
			struct zdm_sh_loop *l = &p->s->loops[p->stack[p->depth - 1].loop];
			if (p->loop_state == 0) {
				l->var = w->text;
				p->loop_state = 1;
			} else if (p->loop_state == 1 && word_is(w, "in")) {
				l->has_in = 1;
				p->loop_state = 2;
			} else if (p->loop_state == 2) {
				zdm_buf_add(&p->loop_words, &w, sizeof(w));
			}
		}
		return;
	}
	if (p->skip_to_sep == 2) {
		if (word_is(w, "in")) {
			p->skip_to_sep = 0;
			p->case_pattern = 1;
		}
		return;
	}
	if (p->case_pattern) {
		/* pattern words up to ')' */
		return;
	}
	if (!argc && !p->redir_buf.len && reserved(p, w))
		return;
	if (!argc)
		p->in_assign = 1;
	if (p->in_assign && zdm_sh_word_is_assign(w)) {
		p->nassign++;
	} else {
		p->in_assign = 0;
	}
	zdm_buf_add(&p->argv_buf, &w, sizeof(w));
}

static void add_redir(struct parser *p, const struct zdm_sh_token *t,
		      const struct zdm_sh_word *target)
{
	struct zdm_sh_redir r;
	const char *op = t->op;

	memset(&r, 0, sizeof(r));
	if (!strcmp(op, "<"))
		r.kind = ZDM_SH_R_IN, r.fd = 0;
	else if (!strcmp(op, "<<") || !strcmp(op, "<<-"))
		r.kind = ZDM_SH_R_HEREDOC, r.fd = 0;
	else if (!strcmp(op, "<<<"))
		r.kind = ZDM_SH_R_HERESTRING, r.fd = 0;
	else if (!strcmp(op, "<&"))
		r.kind = ZDM_SH_R_DUP, r.fd = 0;
	else if (!strcmp(op, ">&"))
		r.kind = ZDM_SH_R_DUP, r.fd = 1;
	else if (!strcmp(op, "<>"))
		r.kind = ZDM_SH_R_INOUT, r.fd = 0;
	else if (!strcmp(op, ">>") || !strcmp(op, "&>>"))
		r.kind = ZDM_SH_R_APPEND, r.fd = 1;
	else
		r.kind = ZDM_SH_R_OUT, r.fd = 1;
	if (t->fd >= 0)
		r.fd = t->fd;
	/* >&file and &>file send stdout (and stderr) to a file */
	if (r.kind == ZDM_SH_R_DUP && r.fd == 1 && target &&
	    !(target->len && (target->text[0] == '-' ||
			      (target->text[0] >= '0' && target->text[0] <= '9'))))
		r.kind = ZDM_SH_R_OUT;
	r.target = target;
	if (r.kind == ZDM_SH_R_HEREDOC) {
		r.body = &t->word;
		r.literal = t->heredoc_quoted;
	}
	zdm_buf_add(&p->redir_buf, &r, sizeof(r));
}

static enum zdm_sh_conn conn_of(const char *op)
{
	if (!strcmp(op, "&&"))
		return ZDM_SH_AND;
	if (!strcmp(op, "||"))
		return ZDM_SH_OR;
	if (!strcmp(op, "|") || !strcmp(op, "|&"))
		return ZDM_SH_PIPE;
	if (!strcmp(op, "&"))
		return ZDM_SH_BG;
	return ZDM_SH_SEQ;
}

void zdm_sh_parse(const char *src, size_t len, unsigned flags,
		  struct zdm_sh_script *out)
{
	struct parser p;
	struct zdm_sh_tokens *tk = &out->toks;
	size_t k;

	zdm_sh_lex(src, len, flags, tk);
	memset(&p, 0, sizeof(p));
	p.s = out;
	p.pend_first = p.pend_last = -1;
	p.last_first = p.last_last = -1;
	p.in_assign = 1;
	new_sub(&p, 0);  /* 0: the top level */

	for (k = 0; k < tk->count; k++) {
		const struct zdm_sh_token *t = &tk->items[k];

		if (t->kind == ZDM_SH_WORD) {
			add_word(&p, &t->word);
			continue;
		}
		if (t->kind == ZDM_SH_REDIR) {
			const struct zdm_sh_word *target = NULL;
			if (k + 1 < tk->count && tk->items[k + 1].kind == ZDM_SH_WORD)
				target = &tk->items[++k].word;
			if (p.skip_to_sep || p.case_pattern)
				continue;
			add_redir(&p, t, target);
			continue;
		}
		/* operators */
		if (!strcmp(t->op, "(")) {
			size_t argc = p.argv_buf.len / sizeof(struct zdm_sh_word *);
			if (p.case_pattern)
				continue;
			if (argc == 1 && k + 1 < tk->count &&
			    !strcmp(tk->items[k + 1].op, ")")) {
				/* name() { ... }: a function definition */
				zdm_buf_reset(&p.argv_buf);
				p.nassign = 0;
				k++;
				continue;
			}
			finish_cmd(&p, ZDM_SH_SEQ);
			push_group(&p, 1, 0);
			continue;
		}
		if (!strcmp(t->op, ")")) {
			if (p.case_pattern) {
				p.case_pattern = 0;
				continue;
			}
			finish_cmd(&p, ZDM_SH_SEQ);
			if (p.depth && p.stack[p.depth - 1].subshell)
				pop_group(&p);
			continue;
		}
		if (t->op[0] == ';' && t->op[1] == ';') {
			finish_cmd(&p, ZDM_SH_SEQ);
			if (p.case_depth)
				p.case_pattern = 1;
			continue;
		}
		if (t->op[0] == ';' && t->op[1] == '&') {
			finish_cmd(&p, ZDM_SH_SEQ);
			if (p.case_depth)
				p.case_pattern = 1;
			continue;
		}
		if (p.case_pattern && !strcmp(t->op, "|"))
			continue;
		if (!strcmp(t->op, "\n") && p.skip_to_sep == 2)
			continue;
		if (!strcmp(t->op, "\n") && p.case_pattern)
			continue;
		{
			enum zdm_sh_conn c = conn_of(t->op);
			size_t argc = p.argv_buf.len / sizeof(struct zdm_sh_word *);
			/* a newline right after | && || continues the command */
			if (!strcmp(t->op, "\n") && !argc && !p.redir_buf.len &&
			    p.pend_first >= 0)
				continue;
			finish_cmd(&p, c);
		}
	}
	finish_cmd(&p, ZDM_SH_SEQ);
	zdm_buf_release(&p.argv_buf);
	zdm_buf_release(&p.redir_buf);
	zdm_buf_release(&p.loop_words);
}

void zdm_sh_script_release(struct zdm_sh_script *s)
{
	free(s->cmds);
	free(s->sub_parent);
	free(s->loops);
	s->loops = NULL;
	s->nloops = 0;
	zdm_sh_tokens_release(&s->toks);
	s->cmds = NULL;
	s->ncmds = 0;
	s->sub_parent = NULL;
	s->nsubs = 0;
}
