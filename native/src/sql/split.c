/* SPDX-License-Identifier: MIT */
/*
 * split.c - find statement boundaries: offsets, not copies.
 *
 * Separate from the lexer as SQLite keeps complete.c apart from
 * tokenize.c: the lexer knows quotes, the splitter knows which ';' ends a
 * statement.  It walks tokens and keeps these states:
 *
 *   TOP      between statements: skip spaces and comments; a psql meta
 *            command or a MySQL DELIMITER line is a statement of its own
 *   STMT     inside a statement: ';' (or the MySQL delimiter) at paren
 *            depth 0 and block depth 0 ends it
 *   BLOCK    inside BEGIN ATOMIC ... END (PostgreSQL) or a trigger body
 *            BEGIN ... END (SQLite): BEGIN and CASE open, END closes,
 *            ';' does not end the statement until depth is back to 0
 *
 * Paren depth counts only for PostgreSQL, as psql does (CREATE RULE ...
 * (a; b)).  An unterminated quote ends the input: the last statement is
 * marked ZDM_STMT_INCOMPLETE and the error names the quote and its line.
 */
#include <stdlib.h>
#include <string.h>

#include "zdm/split.h"
#include "zdm/util.h"

struct pos {
	size_t off;
	int line, col;
};

/* Advance p over text[p->off .. to), counting lines and UTF-8 characters. */
static void advance(struct pos *p, const char *text, size_t to)
{
	for (size_t i = p->off; i < to; i++) {
		if (text[i] == '\n') {
			p->line++;
			p->col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			p->col++;
		}
	}
	p->off = to;
}

static void push(struct zdm_stmt_list *l, const struct zdm_stmt *s)
{
	if (l->count == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->items = zdm_xrealloc(l->items, l->cap * sizeof(*l->items));
	}
	l->items[l->count++] = *s;
}

void zdm_stmt_list_release(struct zdm_stmt_list *l)
{
	free(l->items);
	l->items = NULL;
	l->count = l->cap = 0;
}

static int word_is(const char *text, size_t off, size_t len, const char *kw)
{
	return zdm_strncaseeq(text + off, len, kw);
}

/* Skip blanks (not newlines) from off; return the new offset. */
static size_t skip_blanks(const char *text, size_t len, size_t off)
{
	while (off < len && (text[off] == ' ' || text[off] == '\t'))
		off++;
	return off;
}

/* Offset just past a comment on the rest of this line, if any (else off). */
static size_t trailing_comment(enum zdm_dialect d, const char *text, size_t len,
			       size_t off)
{
	size_t o = skip_blanks(text, len, off);
	if (o >= len)
		return off;
	enum zdm_tk k;
	size_t l = zdm_lexer_token(d, text + o, len - o, 0, &k, NULL);
	if (k == ZDM_TK_COMMENT && memchr(text + o, '\n', l) == NULL)
		return o + l;
	return off;
}

enum zdm_status zdm_split(enum zdm_dialect d, const char *text, size_t len,
			  struct zdm_stmt_list *out, struct zdm_error *err)
{
	struct pos p = { 0, 1, 1 };
	struct zdm_stmt cur;
	int in_stmt = 0;
	int paren = 0, block = 0;
	int nwords = 0;            /* words seen in the current statement */
	int block_kind = 0;        /* 1: CREATE ... TRIGGER (SQLite); 2: BEGIN ATOMIC (PG) */
	size_t prev_word = 0, prev_word_len = 0;
	char delim[32] = ";";      /* MySQL DELIMITER */
	size_t delim_len = 1;
	size_t pre = 0;
	size_t last_end = 0;       /* end of the last token that is not space or comment */
	enum zdm_status status = ZDM_OK;

	memset(&cur, 0, sizeof cur);
	zdm_error_clear(err);

#define FINISH(stmt_len_end, term_end, extra_flags)                        \
	do {                                                               \
		cur.len = (stmt_len_end) - cur.off;                        \
		cur.end = trailing_comment(d, text, len, (term_end));      \
		cur.flags |= (extra_flags);                                \
		push(out, &cur);                                           \
		pre = cur.end;                                             \
		in_stmt = 0;                                               \
		paren = block = nwords = block_kind = 0;                   \
		prev_word_len = 0;                                         \
		memset(&cur, 0, sizeof cur);                               \
	} while (0)

	while (p.off < len) {
		size_t off = p.off;

		/* A custom MySQL delimiter is matched on raw text. */
		if (in_stmt && delim_len > 1 && len - off >= delim_len &&
		    memcmp(text + off, delim, delim_len) == 0) {
			advance(&p, text, off + delim_len);
			FINISH(last_end, p.off, 0);
			continue;
		}

		enum zdm_tk k;
		const char *open = "";
		size_t l = zdm_lexer_token(d, text + off, len - off, 0, &k, &open);

		if (k == ZDM_TK_SPACE || k == ZDM_TK_COMMENT) {
			advance(&p, text, off + l);
			continue;
		}

		if (!in_stmt && k == ZDM_TK_SEMI) {
			/* an empty statement */
			advance(&p, text, off + l);
			pre = p.off;
			continue;
		}
		if (!in_stmt) {
			in_stmt = 1;
			cur.pre = pre;
			cur.off = off;
			cur.line = p.line;
			cur.col = p.col;
			/* MySQL: DELIMITER xx is a client command, to end of line. */
			if (d == ZDM_DIALECT_MYSQL && k == ZDM_TK_WORD &&
			    word_is(text, off, l, "delimiter")) {
				size_t a = skip_blanks(text, len, off + l), b = a;
				while (b < len && text[b] != '\n' && text[b] != ' ' &&
				       text[b] != '\t' && text[b] != '\r')
					b++;
				size_t eol = b;
				while (eol < len && text[eol] != '\n')
					eol++;
				if (b > a && b - a < sizeof delim) {
					memcpy(delim, text + a, b - a);
					delim[b - a] = '\0';
					delim_len = b - a;
				}
				advance(&p, text, eol);
				FINISH(eol, eol, ZDM_STMT_DELIMITER);
				continue;
			}
		}

		switch (k) {
		case ZDM_TK_META: {
			/* psql sends what is buffered, then runs the meta command. */
			if (cur.off != off) {
				FINISH(last_end, off, 0);
				in_stmt = 1;
				cur.pre = pre;
				cur.off = off;
				cur.line = p.line;
				cur.col = p.col;
			}
			advance(&p, text, off + l);
			size_t e = off + l;
			while (e > off && (text[e - 1] == '\r' || text[e - 1] == ' '))
				e--;
			FINISH(e, off + l, ZDM_STMT_META);
			continue;
		}
		case ZDM_TK_ILLEGAL:
			if (l > 1 || open[0]) {
				int sl, sc;
				sl = p.line;
				sc = p.col;
				advance(&p, text, off + l);
				status = zdm_error_at(err, ZDM_ERR_PARSE, sl, sc,
						      "unterminated %s starting at line %d, column %d",
						      strcmp(open, "/*") == 0 ? "comment /*" :
						      strcmp(open, "'") == 0 ? "string '" :
						      strcmp(open, "\"") == 0 ? "quoted identifier \"" :
						      strcmp(open, "`") == 0 ? "quoted identifier `" :
						      strcmp(open, "[") == 0 ? "quoted identifier [" :
						      open[0] == '$' ? "dollar quote" : "quote",
						      sl, sc);
				if (err)
					err->offset = off;
				FINISH(len, len, ZDM_STMT_INCOMPLETE | ZDM_STMT_NO_TERM);
				continue;
			}
			break;
		case ZDM_TK_LPAREN:
			if (d == ZDM_DIALECT_POSTGRES)
				paren++;
			break;
		case ZDM_TK_RPAREN:
			if (d == ZDM_DIALECT_POSTGRES && paren > 0)
				paren--;
			break;
		case ZDM_TK_WORD:
			nwords++;
			if (nwords == 1 || nwords == 2 || nwords == 3) {
				/* CREATE [TEMP|TEMPORARY] TRIGGER opens a body in SQLite. */
				if (d == ZDM_DIALECT_SQLITE && word_is(text, off, l, "trigger") &&
				    cur.off + 6 <= len && word_is(text, cur.off, 6, "create"))
					block_kind = 1;
			}
			if (word_is(text, off, l, "atomic") && prev_word_len &&
			    word_is(text, prev_word, prev_word_len, "begin") &&
			    d == ZDM_DIALECT_POSTGRES) {
				block_kind = 2;
				block++;
			} else if (block_kind == 1 && word_is(text, off, l, "begin")) {
				block++;
			} else if (block_kind && block > 0 && word_is(text, off, l, "case")) {
				block++;
			} else if (block_kind && block > 0 && word_is(text, off, l, "end")) {
				block--;
			}
			prev_word = off;
			prev_word_len = l;
			break;
		case ZDM_TK_SEMI:
			if (delim_len == 1 && paren == 0 && block == 0) {
				advance(&p, text, off + l);
				FINISH(last_end, off + l, 0);
				continue;
			}
			break;
		default:
			break;
		}
		advance(&p, text, off + l);
		last_end = off + l;
	}
	if (in_stmt)
		FINISH(last_end, last_end, ZDM_STMT_NO_TERM);
#undef FINISH
	return status;
}
