/* SPDX-License-Identifier: MIT */
/*
 * test_pgtree.c - the queries of a PL/pgSQL body, read from its JSON.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <pg_query.h>

#include "zdm/pgtree.h"
#include "zdm/util.h"

Test(pgtree, plpgsql_queries_in_document_order)
{
	PgQueryPlpgsqlParseResult r = pg_query_parse_plpgsql(
		"CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN "
		"UPDATE t SET a = 1; EXECUTE 'DROP TABLE x'; IF true THEN DELETE FROM u; END IF; END $f$");
	cr_assert_null(r.error);
	struct zdm_arena a = ZDM_ARENA_INIT;
	struct zdm_pgtree_query *q;
	size_t n = zdm_pgtree_plpgsql(r.plpgsql_funcs, strlen(r.plpgsql_funcs), &a, &q);
	cr_assert_eq(n, 3);
	cr_expect_str_eq(q[0].sql, "UPDATE t SET a = 1");
	cr_expect_eq(q[0].dynamic, 0);
	cr_expect_str_eq(q[1].sql, "'DROP TABLE x'");
	cr_expect_eq(q[1].dynamic, 1);
	cr_expect_str_eq(q[2].sql, "DELETE FROM u");
	/* what jansson refused is refused: invalid UTF-8 */
	cr_expect_eq(zdm_pgtree_plpgsql("[\"\xff\"]", 4, &a, &q), 0);
	zdm_arena_release(&a);
	pg_query_free_plpgsql_parse_result(r);
}
