/* SPDX-License-Identifier: MIT */
/*
 * lexer.h - a dialect-aware SQL tokenizer that never fails.
 *
 * Modelled on SQLite's tokenize.c: one call returns the length of the
 * token at the start of the input and writes its kind.  A bad byte or an
 * unterminated quote or comment becomes ZDM_TK_ILLEGAL covering the rest
 * of the input (or the bad byte); the caller decides what that means.
 * Input is (pointer, length): no trailing NUL is needed or read.
 */
#ifndef ZDM_LEXER_H
#define ZDM_LEXER_H

#include <stddef.h>

enum zdm_dialect {
	ZDM_DIALECT_POSTGRES = 0,
	ZDM_DIALECT_MYSQL,
	ZDM_DIALECT_SQLITE,
};

#define ZDM_DIALECT_COUNT 3

/* Bit per dialect, for rules that apply to several. */
#define ZDM_D_PG     (1u << ZDM_DIALECT_POSTGRES)
#define ZDM_D_MYSQL  (1u << ZDM_DIALECT_MYSQL)
#define ZDM_D_SQLITE (1u << ZDM_DIALECT_SQLITE)
#define ZDM_D_ALL    (ZDM_D_PG | ZDM_D_MYSQL | ZDM_D_SQLITE)

/* "postgres", "mysql", "sqlite". */
const char *zdm_dialect_name(enum zdm_dialect d);
/*
 * Parse a dialect name; accepts postgres, postgresql, pg, mysql, mariadb,
 * sqlite, sqlite3.  Returns 0 and writes *out, or -1.
 */
int zdm_dialect_parse(const char *s, enum zdm_dialect *out);

enum zdm_tk {
	ZDM_TK_SPACE,      /* whitespace */
	ZDM_TK_COMMENT,    /* -- line, # line (MySQL), block comment */
	ZDM_TK_WORD,       /* identifier or keyword */
	ZDM_TK_QUOTED_ID,  /* "x"; `x` (MySQL, SQLite); [x] (SQLite) */
	ZDM_TK_STRING,     /* 'x', E'x', N'x', X'..', $tag$..$tag$, "x" in MySQL */
	ZDM_TK_NUMBER,
	ZDM_TK_PARAM,      /* $1, ?, :name, @var */
	ZDM_TK_SEMI,
	ZDM_TK_LPAREN,
	ZDM_TK_RPAREN,
	ZDM_TK_COMMA,
	ZDM_TK_DOT,
	ZDM_TK_OP,         /* any other punctuation, e.g. = :: || */
	ZDM_TK_META,       /* a psql meta-command: backslash to end of line */
	ZDM_TK_ILLEGAL,    /* unterminated quote/comment, or a stray byte */
};

/*
 * Return the length (>= 1 when n >= 1) of the token at z[0..n) and write
 * its kind to *kind.  at_line_start tells whether z is at the start of a
 * line (ignoring leading blanks), which decides whether a backslash begins
 * a psql meta-command.  For ZDM_TK_ILLEGAL from an unterminated quote,
 * *open (when not NULL) gets the quote that is open ("'", "$tag$", "/ *",
 * ...), else "".
 */
size_t zdm_lexer_token(enum zdm_dialect d, const char *z, size_t n,
		       int at_line_start, enum zdm_tk *kind, const char **open);

/* One token as a view into the caller's buffer. */
struct zdm_token {
	enum zdm_tk kind;
	size_t off, len;
};

/*
 * Tokenize text[0..len) skipping spaces and comments.  The caller owns
 * *out (free(3)); *count receives the number of tokens.  Never fails.
 */
void zdm_lexer_all(enum zdm_dialect d, const char *text, size_t len,
		   struct zdm_token **out, size_t *count);

/* True when the token is a WORD equal (case-insensitively) to kw. */
int zdm_token_is(const char *text, const struct zdm_token *t, const char *kw);

#endif
