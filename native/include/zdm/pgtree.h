/* SPDX-License-Identifier: MIT */
/*
 * pgtree.h - the queries of a PL/pgSQL body, read from libpg_query's JSON.
 */
#ifndef ZDM_PGTREE_H
#define ZDM_PGTREE_H

#include <stddef.h>

#include "zdm/util.h"

/* The SQL of one PL/pgSQL statement. */
struct zdm_pgtree_query {
	const char *sql;   /* unescaped, NUL-terminated, in the arena */
	int dynamic;       /* EXECUTE: sql is the expression, e.g. 'lit' */
};

/*
 * The queries of the PL/pgSQL statements in json, the output of
 * pg_query_parse_plpgsql(): for each PLpgSQL_stmt_execsql its sqlstmt,
 * for each PLpgSQL_stmt_dynexecute its query, in document order, not
 * looking deeper than 200 levels.  *out is an array in the arena.
 * Returns how many; 0 when json is not valid JSON (nor UTF-8).
 */
size_t zdm_pgtree_plpgsql(const char *json, size_t len, struct zdm_arena *a,
			  struct zdm_pgtree_query **out);

#endif
