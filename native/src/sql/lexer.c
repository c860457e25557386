/* SPDX-License-Identifier: MIT */
/*
 * lexer.c - one SQL token at a time, for PostgreSQL, MySQL and SQLite.
 *
 * Modelled on SQLite's tokenize.c: a 256-entry table gives each byte a
 * character class, and one switch on the class has one case per class.
 * The lexer never fails: an unterminated quote or comment becomes a
 * ZDM_TK_ILLEGAL token that runs to the end of the input, and a stray
 * control byte a one-byte ZDM_TK_ILLEGAL.  Separate from the splitter so
 * that the guard and the recogniser can tokenize without splitting.
 */
#include <stdlib.h>
#include <string.h>

#include "zdm/lexer.h"
#include "zdm/util.h"

enum cc {
	CC_SPACE,     /* space, tab, newline, CR, FF, VT */
	CC_ID,        /* letters, '_', and any byte >= 0x80 (UTF-8) */
	CC_DIGIT,     /* 0-9 */
	CC_MINUS,     /* '-': operator, or a -- comment */
	CC_SLASH,     /* '/': operator, or a block comment */
	CC_HASH,      /* '#': MySQL line comment, else operator */
	CC_QUOTE,     /* '\'' */
	CC_DQUOTE,    /* '"' */
	CC_BACKTICK,  /* '`' */
	CC_LBRACKET,  /* '[': SQLite quoted identifier, else operator */
	CC_DOLLAR,    /* '$': PostgreSQL dollar quote or $1 parameter */
	CC_SEMI,      /* ';' */
	CC_LPAREN,    /* '(' */
	CC_RPAREN,    /* ')' */
	CC_COMMA,     /* ',' */
	CC_DOT,       /* '.' */
	CC_BACKSLASH, /* '\\': psql meta-command */
	CC_VARCHAR,   /* '?', ':', '@': parameters and variables */
	CC_OP,        /* other punctuation */
	CC_ILLEGAL,   /* control bytes */
};

static const unsigned char char_class[256] = {
/*         x0  x1  x2  x3  x4  x5  x6  x7  x8  x9  xa  xb  xc  xd  xe  xf */
/* 0x */   19, 19, 19, 19, 19, 19, 19, 19, 19,  0,  0,  0,  0,  0, 19, 19,
/* 1x */   19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19,
/* 2x */    0, 18,  7,  5, 10, 18, 18,  6, 12, 13, 18, 18, 14,  3, 15,  4,
/* 3x */    2,  2,  2,  2,  2,  2,  2,  2,  2,  2, 17, 11, 18, 18, 18, 17,
/* 4x */   17,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
/* 5x */    1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  9, 16, 18, 18,  1,
/* 6x */    8,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
/* 7x */    1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1, 18, 18, 18, 18, 19,
/* 8x */    1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
/* 9x */    1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
/* ax */    1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
/* bx */    1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
/* cx */    1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
/* dx */    1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
/* ex */    1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
/* fx */    1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
};

static int is_idchar(unsigned char c)
{
	enum cc k = char_class[c];
	return k == CC_ID || k == CC_DIGIT || c == '$';
}

const char *zdm_dialect_name(enum zdm_dialect d)
{
	switch (d) {
	case ZDM_DIALECT_MYSQL: return "mysql";
	case ZDM_DIALECT_SQLITE: return "sqlite";
	default: return "postgres";
	}
}

int zdm_dialect_parse(const char *s, enum zdm_dialect *out)
{
	static const struct { const char *name; enum zdm_dialect d; } names[] = {
		{ "postgres", ZDM_DIALECT_POSTGRES }, { "postgresql", ZDM_DIALECT_POSTGRES },
		{ "pg", ZDM_DIALECT_POSTGRES }, { "mysql", ZDM_DIALECT_MYSQL },
		{ "mariadb", ZDM_DIALECT_MYSQL }, { "sqlite", ZDM_DIALECT_SQLITE },
		{ "sqlite3", ZDM_DIALECT_SQLITE },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (zdm_strncaseeq(s, strlen(s), names[i].name)) {
			*out = names[i].d;
			return 0;
		}
	return -1;
}

/*
 * A quoted run closed by q; a doubled q is an escaped q, and with
 * backslash set a backslash escapes the next byte.  Returns the length
 * including both quotes, or 0 when the input ends first.
 */
static size_t quoted(const char *z, size_t n, char q, int backslash)
{
	for (size_t i = 1; i < n; i++) {
		if (backslash && z[i] == '\\') {
			i++;
			continue;
		}
		if (z[i] == q) {
			if (i + 1 < n && z[i + 1] == q) {
				i++;
				continue;
			}
			return i + 1;
		}
	}
	return 0;
}

/* Length of a PostgreSQL dollar-quote tag "$tag$" at z, or 0. */
static size_t dollar_tag(const char *z, size_t n)
{
	size_t i = 1;
	if (i < n && z[i] == '$')
		return 2;
	if (i >= n || char_class[(unsigned char)z[i]] != CC_ID)
		return 0;
	while (i < n && is_idchar((unsigned char)z[i]) && z[i] != '$')
		i++;
	return i < n && z[i] == '$' ? i + 1 : 0;
}

static size_t illegal_rest(size_t n, enum zdm_tk *kind, const char **open,
			   const char *what)
{
	*kind = ZDM_TK_ILLEGAL;
	if (open)
		*open = what;
	return n;
}

size_t zdm_lexer_token(enum zdm_dialect d, const char *z, size_t n,
		       int at_line_start, enum zdm_tk *kind, const char **open)
{
	size_t i;
	unsigned char c = (unsigned char)z[0];
	(void)at_line_start;
	if (open)
		*open = "";
	if (n == 0) {
		*kind = ZDM_TK_SPACE;
		return 0;
	}
	switch ((enum cc)char_class[c]) {
	case CC_SPACE:
		for (i = 1; i < n && char_class[(unsigned char)z[i]] == CC_SPACE; i++)
			;
		*kind = ZDM_TK_SPACE;
		return i;
	case CC_MINUS:
		/* MySQL wants a blank after "--"; the others do not. */
		if (n >= 2 && z[1] == '-' &&
		    (d != ZDM_DIALECT_MYSQL || n == 2 || z[2] == ' ' || z[2] == '\t' ||
		     z[2] == '\n' || z[2] == '\r')) {
			for (i = 2; i < n && z[i] != '\n'; i++)
				;
			*kind = ZDM_TK_COMMENT;
			return i;
		}
		*kind = ZDM_TK_OP;
		return 1;
	case CC_HASH:
		if (d == ZDM_DIALECT_MYSQL) {
			for (i = 1; i < n && z[i] != '\n'; i++)
				;
			*kind = ZDM_TK_COMMENT;
			return i;
		}
		*kind = ZDM_TK_OP;
		return 1;
	case CC_SLASH:
		if (n >= 2 && z[1] == '*') {
			/* PostgreSQL nests block comments; MySQL and SQLite do not. */
			int depth = 1, nest = d == ZDM_DIALECT_POSTGRES;
			for (i = 2; i < n; i++) {
				if (z[i] == '*' && i + 1 < n && z[i + 1] == '/') {
					i++;
					if (--depth == 0) {
						*kind = ZDM_TK_COMMENT;
						return i + 1;
					}
				} else if (nest && z[i] == '/' && i + 1 < n && z[i + 1] == '*') {
					depth++;
					i++;
				}
			}
			return illegal_rest(n, kind, open, "/*");
		}
		*kind = ZDM_TK_OP;
		return 1;
	case CC_QUOTE:
		i = quoted(z, n, '\'', d == ZDM_DIALECT_MYSQL);
		if (!i)
			return illegal_rest(n, kind, open, "'");
		*kind = ZDM_TK_STRING;
		return i;
	case CC_DQUOTE:
		i = quoted(z, n, '"', d == ZDM_DIALECT_MYSQL);
		if (!i)
			return illegal_rest(n, kind, open, "\"");
		*kind = d == ZDM_DIALECT_MYSQL ? ZDM_TK_STRING : ZDM_TK_QUOTED_ID;
		return i;
	case CC_BACKTICK:
		if (d == ZDM_DIALECT_POSTGRES) {
			*kind = ZDM_TK_OP;
			return 1;
		}
		i = quoted(z, n, '`', 0);
		if (!i)
			return illegal_rest(n, kind, open, "`");
		*kind = ZDM_TK_QUOTED_ID;
		return i;
	case CC_LBRACKET:
		if (d == ZDM_DIALECT_SQLITE) {
			for (i = 1; i < n && z[i] != ']'; i++)
				;
			if (i >= n)
				return illegal_rest(n, kind, open, "[");
			*kind = ZDM_TK_QUOTED_ID;
			return i + 1;
		}
		*kind = ZDM_TK_OP;
		return 1;
	case CC_DOLLAR:
		if (d == ZDM_DIALECT_POSTGRES) {
			size_t t = dollar_tag(z, n);
			if (t) {
				for (i = t; i + t <= n; i++)
					if (z[i] == '$' && memcmp(z + i, z, t) == 0) {
						*kind = ZDM_TK_STRING;
						return i + t;
					}
				/* *open must outlive the call: say "$$" or "$tag$". */
				return illegal_rest(n, kind, open, t == 2 ? "$$" : "$tag$");
			}
			if (n >= 2 && char_class[(unsigned char)z[1]] == CC_DIGIT) {
				for (i = 1; i < n && char_class[(unsigned char)z[i]] == CC_DIGIT; i++)
					;
				*kind = ZDM_TK_PARAM;
				return i;
			}
		} else if (d == ZDM_DIALECT_SQLITE && n >= 2 && is_idchar((unsigned char)z[1])) {
			for (i = 1; i < n && is_idchar((unsigned char)z[i]); i++)
				;
			*kind = ZDM_TK_PARAM;
			return i;
		}
		*kind = ZDM_TK_OP;
		return 1;
	case CC_DIGIT:
		i = 1;
		if (c == '0' && n > 1 && (z[1] == 'x' || z[1] == 'X')) {
			for (i = 2; i < n && (char_class[(unsigned char)z[i]] == CC_DIGIT ||
					      strchr("abcdefABCDEF_", z[i])); i++)
				;
			*kind = ZDM_TK_NUMBER;
			return i;
		}
		/* fall through */
	case CC_DOT:
		if (char_class[c] == CC_DOT &&
		    (n < 2 || char_class[(unsigned char)z[1]] != CC_DIGIT)) {
			*kind = ZDM_TK_DOT;
			return 1;
		}
		for (i = 1; i < n && (char_class[(unsigned char)z[i]] == CC_DIGIT || z[i] == '_'); i++)
			;
		if (i < n && z[i] == '.' && c != '.') {
			for (i++; i < n && char_class[(unsigned char)z[i]] == CC_DIGIT; i++)
				;
		}
		if (i < n && (z[i] == 'e' || z[i] == 'E')) {
			size_t j = i + 1;
			if (j < n && (z[j] == '+' || z[j] == '-'))
				j++;
			if (j < n && char_class[(unsigned char)z[j]] == CC_DIGIT) {
				for (i = j; i < n && char_class[(unsigned char)z[i]] == CC_DIGIT; i++)
					;
			}
		}
		*kind = ZDM_TK_NUMBER;
		return i;
	case CC_ID:
		/* E'..' (escapes), B'..', X'..', N'..', U&'..' are strings. */
		if (n >= 2 && z[1] == '\'' && strchr("eEbBxXnN", c)) {
			int bs = d == ZDM_DIALECT_MYSQL || c == 'e' || c == 'E';
			i = quoted(z + 1, n - 1, '\'', bs);
			if (!i)
				return illegal_rest(n, kind, open, "'");
			*kind = ZDM_TK_STRING;
			return i + 1;
		}
		if (d == ZDM_DIALECT_POSTGRES && n >= 3 && (c == 'u' || c == 'U') &&
		    z[1] == '&' && (z[2] == '\'' || z[2] == '"')) {
			i = quoted(z + 2, n - 2, z[2], 0);
			if (!i)
				return illegal_rest(n, kind, open, z[2] == '\'' ? "'" : "\"");
			*kind = z[2] == '\'' ? ZDM_TK_STRING : ZDM_TK_QUOTED_ID;
			return i + 2;
		}
		for (i = 1; i < n && is_idchar((unsigned char)z[i]); i++)
			;
		*kind = ZDM_TK_WORD;
		return i;
	case CC_SEMI:
		*kind = ZDM_TK_SEMI;
		return 1;
	case CC_LPAREN:
		*kind = ZDM_TK_LPAREN;
		return 1;
	case CC_RPAREN:
		*kind = ZDM_TK_RPAREN;
		return 1;
	case CC_COMMA:
		*kind = ZDM_TK_COMMA;
		return 1;
	case CC_BACKSLASH:
		if (d == ZDM_DIALECT_POSTGRES) {
			/* psql: a backslash outside quotes starts a meta-command
			 * that runs to the end of the line. */
			for (i = 1; i < n && z[i] != '\n'; i++)
				;
			*kind = ZDM_TK_META;
			return i;
		}
		*kind = ZDM_TK_OP;
		return 1;
	case CC_VARCHAR:
		if (c == ':' && n >= 2 && z[1] == ':') {
			*kind = ZDM_TK_OP;
			return 2;
		}
		if (c == '?') {
			if (d == ZDM_DIALECT_POSTGRES) {
				*kind = ZDM_TK_OP; /* jsonb ? operator */
				return 1;
			}
			for (i = 1; i < n && char_class[(unsigned char)z[i]] == CC_DIGIT; i++)
				;
			*kind = ZDM_TK_PARAM;
			return i;
		}
		if (n >= 2 && (is_idchar((unsigned char)z[1]) || (c == '@' && z[1] == '@')) &&
		    (c != ':' || d != ZDM_DIALECT_MYSQL)) {
			for (i = 1; i < n && (is_idchar((unsigned char)z[i]) || z[i] == '@'); i++)
				;
			/* psql's :var, :'var', :"var" are variables too. */
			*kind = ZDM_TK_PARAM;
			return i;
		}
		if (c == ':' && d == ZDM_DIALECT_POSTGRES && n >= 2 && (z[1] == '\'' || z[1] == '"')) {
			i = quoted(z + 1, n - 1, z[1], 0);
			if (i) {
				*kind = ZDM_TK_PARAM;
				return i + 1;
			}
		}
		*kind = ZDM_TK_OP;
		return 1;
	case CC_OP:
		*kind = ZDM_TK_OP;
		return 1;
	case CC_ILLEGAL:
	default:
		*kind = ZDM_TK_ILLEGAL;
		return 1;
	}
}

void zdm_lexer_all(enum zdm_dialect d, const char *text, size_t len,
		   struct zdm_token **out, size_t *count)
{
	size_t cap = 16, n = 0, off = 0;
	struct zdm_token *t = zdm_xmalloc(cap * sizeof(*t));
	while (off < len) {
		enum zdm_tk k;
		size_t l = zdm_lexer_token(d, text + off, len - off, 0, &k, NULL);
		if (k != ZDM_TK_SPACE && k != ZDM_TK_COMMENT) {
			if (n == cap) {
				cap *= 2;
				t = zdm_xrealloc(t, cap * sizeof(*t));
			}
			t[n].kind = k;
			t[n].off = off;
			t[n].len = l;
			n++;
		}
		off += l;
	}
	*out = t;
	*count = n;
}

int zdm_token_is(const char *text, const struct zdm_token *t, const char *kw)
{
	return t->kind == ZDM_TK_WORD && zdm_strncaseeq(text + t->off, t->len, kw);
}
