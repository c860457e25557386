/* SPDX-License-Identifier: MIT */
/*
 * pgtree.h - libpg_query's JSON parse tree read into its protobuf-c structs.
 *
 * Used by the PostgreSQL front end (pg.c) in place of unpacking
 * pg_query_parse_protobuf()'s output; tests/unit/test_pgtree.c holds it to that.
 */
#ifndef ZDM_PGTREE_H
#define ZDM_PGTREE_H

#include <stddef.h>

#include <pg_query/pg_query.pb-c.h>

#include "zdm/util.h"

/*
 * Read json, the output of pg_query_parse(sql), into a PgQuery__ParseResult
 * equal to what pg_query__parse_result__unpack() gives for
 * pg_query_parse_protobuf(sql).  Every struct and string lives in the
 * arena (nothing to free but the arena).  Returns NULL when the JSON holds
 * anything it cannot read exactly (an unknown key, a value of the wrong
 * kind, a negative integer libpg_query 15's JSON writer leaves out): the
 * caller then takes the protobuf way for this statement.
 */
PgQuery__ParseResult *zdm_pgtree_read(const char *json, size_t len,
				      const char *sql, size_t sql_len,
				      struct zdm_arena *a);

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
