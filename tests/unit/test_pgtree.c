/* SPDX-License-Identifier: MIT */
/*
 * test_pgtree.c - the JSON parse tree reads as the protobuf one unpacks.
 *
 * zdm_pgtree_read() stands in for pg_query_parse_protobuf() plus
 * unpacking: the tree it reads, packed again, must be the protobuf bytes
 * libpg_query gives for the same statement.  Checked on hand-written
 * statements and on every statement of the rule and split fixtures, so a
 * libpg_query whose JSON drifts from its protobuf fails here, not in a
 * lint result.  A tree the JSON cannot give exactly must not be read.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <pg_query.h>

#include "zdm/pgtree.h"
#include "zdm/util.h"

/*
 * 1: read, and packs to the protobuf bytes; 0: not read; -1: read but
 * different; 2: not SQL libpg_query parses (a MySQL fixture, a typo).
 */
static int same_tree(const char *sql)
{
	PgQueryParseResult j = pg_query_parse(sql);
	PgQueryProtobufParseResult p = pg_query_parse_protobuf(sql);
	int r = j.error ? 2 : 0;
	cr_assert(!j.error == !p.error, "parsers disagree on: %s", sql);
	if (!j.error) {
		struct zdm_arena a = ZDM_ARENA_INIT;
		PgQuery__ParseResult *pr = zdm_pgtree_read(j.parse_tree, strlen(j.parse_tree),
							   sql, strlen(sql), &a);
		if (pr) {
			size_t n = pg_query__parse_result__get_packed_size(pr);
			uint8_t *b = zdm_xmalloc(n ? n : 1);
			pg_query__parse_result__pack(pr, b);
			r = n == p.parse_tree.len && memcmp(b, p.parse_tree.data, n) == 0 ? 1 : -1;
			free(b);
		}
		zdm_arena_release(&a);
	}
	pg_query_free_parse_result(j);
	pg_query_free_protobuf_parse_result(p);
	return r;
}

Test(pgtree, hand_written_statements_read_as_protobuf)
{
	static const char *const sql[] = {
		"ALTER TABLE s.users ADD COLUMN x int NOT NULL DEFAULT 0, ALTER COLUMN y TYPE varchar(10)",
		"SELECT 1.5, 'a\"b', E'tab\\there', true, false, null, x'1f'::bit(8) FROM t WHERE a = any(array[1])",
		"VACUUM (FULL) t",
		"CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON \"T\" USING btree (lower(c), d DESC) WHERE e",
		"UPDATE t SET c = 0 WHERE id BETWEEN 1 AND 1000",
		"INSERT INTO t (a) SELECT a FROM u WHERE b",
		"CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, j jsonb)",
		"DO $$ BEGIN EXECUTE 'DROP TABLE x'; END $$",
		"SELECT 'caf\xc3\xa9', U&'d\\0061t\\+000061'",
		"BEGIN; SET LOCAL lock_timeout = '2s'; COMMIT",
		"",
		"-- only a comment",
	};
	for (size_t i = 0; i < sizeof sql / sizeof *sql; i++)
		cr_expect_eq(same_tree(sql[i]), 1, "not read as protobuf: %s", sql[i]);
}

Test(pgtree, negative_integer_the_json_drops_is_not_read)
{
	/* libpg_query 15 writes -3 as {"ival":{}}: reading it as 0 would lie */
	cr_expect_eq(same_tree("SELECT -3"), 0);
	cr_expect_eq(same_tree("SET statement_timeout = -1"), 0);
	cr_expect_eq(same_tree("CREATE SEQUENCE s INCREMENT -1"), 0);
	/* a real zero is read */
	cr_expect_eq(same_tree("SELECT 0"), 1);
}

Test(pgtree, broken_json_is_not_read)
{
	struct zdm_arena a = ZDM_ARENA_INIT;
	static const char *const bad[] = {
		"", "{", "{\"version\":150001,\"stmts\":[", "{\"nosuchkey\":1}",
		"{\"version\":150001,\"stmts\":[{\"stmt\":{\"NoSuchNode\":{}}}]}",
		"{\"version\":\"x\"}", "{\"version\":150001} trailing",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_expect_null(zdm_pgtree_read(bad[i], strlen(bad[i]), "", 0, &a), "read: %s", bad[i]);
	zdm_arena_release(&a);
}

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

static size_t check_file(const char *path, size_t *read)  /* parsed statements */
{
	char *text;
	size_t len, n = 0;
	struct zdm_error err;
	if (zdm_read_file(path, 0, &text, &len, &err) != ZDM_OK)
		return 0;
	PgQuerySplitResult s = pg_query_split_with_scanner(text);
	for (int i = 0; !s.error && i < s.n_stmts; i++) {
		char *q = zdm_xmalloc((size_t)s.stmts[i]->stmt_len + 1);
		memcpy(q, text + s.stmts[i]->stmt_location, (size_t)s.stmts[i]->stmt_len);
		q[s.stmts[i]->stmt_len] = '\0';
		int r = same_tree(q);
		cr_expect_neq(r, -1, "%s: read but not as protobuf: %s", path, q);
		*read += r == 1;
		n += r != 2;
		free(q);
	}
	pg_query_free_split_result(s);
	free(text);
	return n;
}

static size_t walk(const char *dir, size_t *read)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	struct dirent *e;
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".sql") == 0)
			n += check_file(path, read);
		else
			n += walk(path, read);
	}
	closedir(d);
	return n;
}

Test(pgtree, fixture_statements_read_as_protobuf)
{
	size_t read = 0, n = walk("tests/fixtures/rules", &read) + walk("tests/fixtures/split", &read);
	cr_assert_gt(n, 400, "only %zu fixture statements parse", n);
	/* nearly all are read; the rest (negative integers) fall back */
	cr_expect_gt(read * 100, n * 95, "only %zu of %zu read", read, n);
}
