/* SPDX-License-Identifier: MIT */
/*
 * frontend.h - turn one statement's text into operations (model.h).
 *
 * Two front ends share this result type: zdm_pg_analyse() over
 * libpg_query for PostgreSQL, and zdm_recognise(), a token-level
 * recogniser for MySQL, SQLite, and PostgreSQL statements the real parser
 * rejects (templates, UPDATE ... LIMIT, typos).  Both only read the
 * caller's text; strings go into the caller's arena.
 */
#ifndef ZDM_FRONTEND_H
#define ZDM_FRONTEND_H

#include <stddef.h>

#include "zdm/lexer.h"
#include "zdm/model.h"
#include "zdm/util.h"

struct zdm_parsed {
	struct zdm_op *ops;          /* in the arena */
	size_t nops, cap;
	struct zdm_mysql_opts mysql; /* ALGORITHM= / LOCK= of a MySQL ALTER */
	int parsed;                  /* 1 when the real parser accepted it */
	const char *error;           /* parser message when it did not (arena) */
	size_t error_off;            /* byte offset of the error in the text */
};

/* Append a copy of op (strings are not copied: put them in the arena). */
struct zdm_op *zdm_parsed_add(struct zdm_parsed *p, struct zdm_arena *a,
			      const struct zdm_op *op);

/*
 * Parse text[off, off+len) as PostgreSQL with libpg_query and append its
 * operations, including those found in DO blocks and PL/pgSQL function
 * bodies (flagged ZDM_F_IN_BODY).  Op offsets are into text.  Returns 1
 * when the statement parsed; 0 with out->error and out->error_off set
 * when it did not (out->ops is then empty: call zdm_recognise()).
 */
int zdm_pg_analyse(const char *text, size_t off, size_t len,
		   struct zdm_arena *a, struct zdm_parsed *out);

/*
 * Recognise the operations of text[off, off+len) from its tokens in
 * dialect d.  Never fails: what it does not know becomes ZDM_OP_OTHER
 * (or nothing).  Op offsets are into text.
 */
void zdm_recognise(enum zdm_dialect d, const char *text, size_t off,
		   size_t len, struct zdm_arena *a, struct zdm_parsed *out);

/*
 * Normalise an identifier token as the database would: unquoted ->
 * lowercase; "x" / `x` / [x] -> x as written (doubled quotes undone).
 * The result lives in the arena.
 */
const char *zdm_ident(struct zdm_arena *a, const char *tok, size_t len);

/*
 * Normalise a type name to PostgreSQL's internal spelling where one
 * exists ("integer" -> "int4", "character varying" -> "varchar",
 * "timestamp with time zone" -> "timestamptz", "bigint" -> "int8").
 * The result lives in the arena; name is lowercase on return.
 */
const char *zdm_type_norm(struct zdm_arena *a, const char *name);

/*
 * True when a function call name (lowercase, without schema) is known
 * not to be volatile (now(), lower(), ...), so that a column default
 * using it is metadata-only on PostgreSQL 11+.
 */
int zdm_func_is_stable(const char *name);

#endif
