/* SPDX-License-Identifier: MIT */
/*
 * split.h - split SQL text into statements: offsets, not copies.
 *
 * Knows each dialect's quoting (via the lexer) and block forms:
 * PostgreSQL dollar quotes, BEGIN ATOMIC ... END, CREATE RULE (a; b) and
 * psql meta-command lines (one statement each); MySQL DELIMITER lines;
 * SQLite CREATE TRIGGER ... BEGIN ... END.  Statements view the caller's
 * buffer, which must outlive the list.
 */
#ifndef ZDM_SPLIT_H
#define ZDM_SPLIT_H

#include <stddef.h>

#include "zdm/error.h"
#include "zdm/lexer.h"

enum {
	ZDM_STMT_META       = 1u << 0, /* a psql meta-command (\set, \i, ...) */
	ZDM_STMT_DELIMITER  = 1u << 1, /* a MySQL DELIMITER line */
	ZDM_STMT_INCOMPLETE = 1u << 2, /* input ended inside a quote/comment */
	ZDM_STMT_NO_TERM    = 1u << 3, /* no terminating ; (end of input) */
};

struct zdm_stmt {
	size_t pre;      /* where the text before it starts (end of previous) */
	size_t off, len; /* the statement, first token to before its ';' */
	size_t end;      /* just past the terminator, and a comment after it on the same line */
	int line, col;   /* 1-based position of off */
	unsigned flags;
};

struct zdm_stmt_list {
	struct zdm_stmt *items;   /* one allocation for the whole list */
	size_t count, cap;
};

#define ZDM_STMT_LIST_INIT { NULL, 0, 0 }

/*
 * Split text[0..len) in dialect d and append to out.  Always produces
 * every statement it can see.  Returns ZDM_ERR_PARSE when the input ends
 * inside a quote or comment: the message says which quote is open and
 * where it started, and the last statement has ZDM_STMT_INCOMPLETE.
 */
enum zdm_status zdm_split(enum zdm_dialect d, const char *text, size_t len,
			  struct zdm_stmt_list *out, struct zdm_error *err);

void zdm_stmt_list_release(struct zdm_stmt_list *l);

#endif
