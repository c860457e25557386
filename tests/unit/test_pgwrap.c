/* SPDX-License-Identifier: MIT */
/*
 * test_pgwrap.c - the tree handed over where libpg_query would pack it,
 * and the faster appendStringInfo, against libpg_query's own results.
 *
 * The tree zdm_pg_parse_tap() hands to its function, packed by protobuf-c,
 * must be the bytes pg_query_parse_protobuf() gives for the statement
 * (checked on hand-written statements and every statement of the rule and
 * split fixtures), so a libpg_query that builds or packs its tree another
 * way fails here, not in a lint result.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "zdm/pgwrap.h"
#include "zdm/util.h"

struct packed {
	uint8_t *data;
	size_t len;
	size_t stmts;
	int calls;
};

static void pack_tree(const PgQuery__ParseResult *tree, void *arg)
{
	struct packed *p = arg;
	p->calls++;
	p->stmts = tree->n_stmts;
	p->len = protobuf_c_message_get_packed_size(&tree->base);
	p->data = zdm_xmalloc(p->len ? p->len : 1);
	protobuf_c_message_pack(&tree->base, p->data);
}

/* 1: the tapped tree packs to libpg_query's bytes; 0: it does not; 2: not PostgreSQL */
static int same_tree(const char *sql)
{
	struct packed t = { NULL, 0, 0, 0 };
	PgQueryProtobufParseResult r, p = pg_query_parse_protobuf(sql);
	cr_assert_eq(zdm_pg_parse_tap(sql, pack_tree, &t, &r), 1, "not tapped: %s", sql);
	cr_assert_eq(t.calls, 1);
	cr_assert(!r.error == !p.error, "parses disagree on: %s", sql);
	/* nothing was packed for the tapped call */
	cr_expect_eq(r.parse_tree.len, 0);
	int same = 2;
	if (!p.error)
		same = t.len == p.parse_tree.len && memcmp(t.data, p.parse_tree.data, t.len) == 0;
	else
		cr_expect_eq(t.stmts, 0, "a tree for SQL that does not parse: %s", sql);
	free(t.data);
	pg_query_free_protobuf_parse_result(r);
	pg_query_free_protobuf_parse_result(p);
	return same;
}

Test(pgwrap, hand_written_statements_as_protobuf)
{
	static const char *const sql[] = {
		"ALTER TABLE s.users ADD COLUMN x int NOT NULL DEFAULT 0, ALTER COLUMN y TYPE varchar(10)",
		"SELECT 1.5, 'a\"b', E'tab\\there', true, false, null, x'1f'::bit(8) FROM t WHERE a = any(array[1])",
		"VACUUM (FULL) t",
		"CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON \"T\" USING btree (lower(c), d DESC) WHERE e",
		"UPDATE t SET c = 0 WHERE id BETWEEN 1 AND 1000",
		"CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, j jsonb)",
		"DO $$ BEGIN EXECUTE 'DROP TABLE x'; END $$",
		"SELECT 'caf\xc3\xa9', U&'d\\0061t\\+000061'",
		"BEGIN; SET LOCAL lock_timeout = '2s'; COMMIT",
		/* what libpg_query 15's JSON writer lost */
		"SELECT -3", "SET statement_timeout = -1", "CREATE SEQUENCE s INCREMENT -1",
		"",
		"-- only a comment",
	};
	for (size_t i = 0; i < sizeof sql / sizeof *sql; i++)
		cr_expect_eq(same_tree(sql[i]), 1, "not as protobuf: %s", sql[i]);
}

Test(pgwrap, syntax_error_gives_no_tree)
{
	cr_expect_eq(same_tree("ALTER TABLE t ADD COLUM x int"), 2);
}

/* A tap inside a tap: a body parsed while its statement's tree is walked. */
struct nest {
	struct packed inner;
	size_t outer_stmts_after;
};

static void outer_fn(const PgQuery__ParseResult *tree, void *arg)
{
	struct nest *n = arg;
	PgQueryProtobufParseResult r;
	cr_assert_eq(zdm_pg_parse_tap("SELECT 1; SELECT 2; SELECT 3", pack_tree, &n->inner, &r), 1);
	pg_query_free_protobuf_parse_result(r);
	/* the outer tree is still there */
	n->outer_stmts_after = tree->n_stmts;
	cr_expect_eq(tree->stmts[0]->stmt->node_case, PG_QUERY__NODE__NODE_UPDATE_STMT);
}

Test(pgwrap, taps_nest)
{
	struct nest n;
	memset(&n, 0, sizeof n);
	PgQueryProtobufParseResult r;
	cr_assert_eq(zdm_pg_parse_tap("UPDATE t SET a = 1; DELETE FROM u", outer_fn, &n, &r), 1);
	cr_expect_null(r.error);
	cr_expect_eq(n.inner.stmts, 3);
	cr_expect_eq(n.outer_stmts_after, 2);
	free(n.inner.data);
	pg_query_free_protobuf_parse_result(r);
	/* and outside a tap, packing is libpg_query's own again */
	PgQueryProtobufParseResult p = pg_query_parse_protobuf("SELECT 1");
	cr_expect_gt(p.parse_tree.len, 0);
	pg_query_free_protobuf_parse_result(p);
}

/* A plain libpg_query parse inside fn packs as usual, and the outer one not. */
static void plain_fn(const PgQuery__ParseResult *tree, void *arg)
{
	PgQueryProtobufParseResult *inner = arg;
	*inner = pg_query_parse_protobuf("SELECT 1; SELECT 2");
	cr_expect_eq(tree->n_stmts, 1);
}

Test(pgwrap, a_plain_parse_inside_a_tap_is_packed)
{
	PgQueryProtobufParseResult inner, ref = pg_query_parse_protobuf("SELECT 1; SELECT 2"), r;
	cr_assert_eq(zdm_pg_parse_tap("UPDATE t SET a = 1", plain_fn, &inner, &r), 1);
	cr_expect_eq(r.parse_tree.len, 0);
	cr_assert_eq(inner.parse_tree.len, ref.parse_tree.len);
	cr_expect_eq(memcmp(inner.parse_tree.data, ref.parse_tree.data, ref.parse_tree.len), 0);
	pg_query_free_protobuf_parse_result(inner);
	pg_query_free_protobuf_parse_result(ref);
	pg_query_free_protobuf_parse_result(r);
}

static size_t check_file(const char *path)  /* statements that parse */
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
		cr_expect_neq(r, 0, "%s: not as protobuf: %s", path, q);
		n += r == 1;
		free(q);
	}
	pg_query_free_split_result(s);
	free(text);
	return n;
}

static size_t walk(const char *dir)
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
			n += check_file(path);
		else
			n += walk(path);
	}
	closedir(d);
	return n;
}

Test(pgwrap, fixture_statements_as_protobuf)
{
	size_t n = walk("tests/fixtures/rules") + walk("tests/fixtures/split");
	cr_assert_gt(n, 400, "only %zu fixture statements parse", n);
}

/* ---- appendStringInfo ---------------------------------------------------------- */

/* PostgreSQL's StringInfoData and the functions around it, in libpg_query.a */
struct pg_stringinfo {
	char *data;
	int len, maxlen, cursor;
};
void *pg_query_enter_memory_context(void);
void pg_query_exit_memory_context(void *ctx);
void initStringInfo(struct pg_stringinfo *str);
void appendStringInfo(struct pg_stringinfo *str, const char *fmt, ...);

Test(pgwrap, append_string_info_formats_as_printf)
{
	void *ctx = pg_query_enter_memory_context();
	struct pg_stringinfo si;
	initStringInfo(&si);
	char want[8192] = "", big[3000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	size_t w = 0;
#define BOTH(...) do { appendStringInfo(&si, __VA_ARGS__); \
		w += (size_t)snprintf(want + w, sizeof want - w, __VA_ARGS__); } while (0)
	BOTH("\"location\":%d,", 42);
	BOTH("%d|%d|%u|%ld|%ld", INT_MIN, INT_MAX, UINT_MAX, LONG_MIN, LONG_MAX);
	BOTH(",");
	BOTH("\"kind\":\"%s\",", "AEXPR_OP");
	BOTH("%s", big);                       /* more than the buffer holds */
	BOTH("\"c\":\"%c\",%%", 'x');
	BOTH("%5d|%.2f|%lu|%x", 7, 1.5, 123ul, 255u);  /* the original way */
#undef BOTH
	cr_expect_eq((size_t)si.len, w);
	cr_expect_str_eq(si.data, want);
	cr_expect_eq(si.data[si.len], '\0');
	pg_query_exit_memory_context(ctx);
}
