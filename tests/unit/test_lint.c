/* SPDX-License-Identifier: MIT */
/*
 * test_lint.c - the linter's context and plumbing, through the public API:
 * positions, sections, transactions, bodies of DO blocks and functions,
 * suppression, decisions, ranges, and what it learns across files.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "zdm/lint.h"
#include "zdm/split.h"
#include "zdm/util.h"

struct run {
	struct zdm_linter *l;
	struct zdm_report rep;
};

static void start(struct run *r, enum zdm_dialect d, int pgv)
{
	struct zdm_lint_opts o = { d, pgv, 0 };
	r->l = zdm_linter_new(&o);
	memset(&r->rep, 0, sizeof r->rep);
}

static void add(struct run *r, const char *name, const char *sql)
{
	struct zdm_error err;
	struct zdm_source s = { name, sql, strlen(sql), -1, NULL, 0, 1 };
	cr_assert_eq(zdm_lint_source(r->l, &s, &r->rep, &err), ZDM_OK);
}

static void stop(struct run *r)
{
	zdm_report_release(&r->rep);
	zdm_linter_free(r->l);
}

/* How many findings of rule (not allowed) in file name (NULL: any). */
static int count(const struct run *r, const char *rule, const char *name)
{
	int n = 0;
	for (size_t i = 0; i < r->rep.count; i++) {
		const struct zdm_finding *f = &r->rep.items[i];
		if (!f->allowed && strcmp(f->rule->id, rule) == 0 &&
		    (!name || strcmp(f->file, name) == 0))
			n++;
	}
	return n;
}

static const struct zdm_finding *first(const struct run *r, const char *rule)
{
	for (size_t i = 0; i < r->rep.count; i++)
		if (strcmp(r->rep.items[i].rule->id, rule) == 0)
			return &r->rep.items[i];
	return NULL;
}

static int flags(const char *sql, const char *rule)
{
	struct run r;
	start(&r, ZDM_DIALECT_POSTGRES, 0);
	add(&r, "t.sql", sql);
	int n = count(&r, rule, NULL);
	stop(&r);
	return n;
}

Test(lint, findings_point_at_the_line_and_column_of_the_operation)
{
	struct run r;
	start(&r, ZDM_DIALECT_POSTGRES, 0);
	add(&r, "t.sql", "SELECT 1;\n\n  ALTER TABLE users\n    ADD COLUMN a text NOT NULL;\n");
	const struct zdm_finding *f = first(&r, "adding-not-null-column");
	cr_assert_not_null(f);
	cr_expect_eq(f->line, 4);
	cr_expect_eq(f->col, 16);
	cr_expect_str_eq(f->statement, "ALTER TABLE users ADD COLUMN a text NOT NULL");
	stop(&r);
}

Test(lint, one_statement_that_does_not_parse_hides_nothing_else)
{
	struct run r;
	start(&r, ZDM_DIALECT_POSTGRES, 0);
	add(&r, "t.sql", "CREATE INDEX a ON t (c);\nALTER TABLE {{table}} ADD x;\nCREATE INDEX b ON t (c);\n");
	cr_expect_eq(count(&r, "require-concurrent-index-creation", NULL), 2);
	const struct zdm_finding *f = first(&r, "parse-error");
	cr_assert_not_null(f);
	cr_expect_eq(f->line, 2);
	cr_expect(strstr(f->message, "syntax error") != NULL, "%s", f->message);
	cr_expect_eq(r.rep.parse_errors, 1);
	stop(&r);
}

Test(lint, a_table_created_in_the_same_file_is_new)
{
	cr_expect_eq(flags("CREATE TABLE t (id bigint);\nCREATE INDEX i ON t (id);\n"
			   "ALTER TABLE t ADD COLUMN a text NOT NULL;\n",
			   "require-concurrent-index-creation"), 0);
	cr_expect_eq(flags("CREATE TABLE t (id bigint);\nALTER TABLE t ADD COLUMN a text NOT NULL;\n",
			   "adding-not-null-column"), 0);
	/* ... but only in that file */
	struct run r;
	start(&r, ZDM_DIALECT_POSTGRES, 0);
	add(&r, "1.sql", "CREATE TABLE t (id bigint);\n");
	add(&r, "2.sql", "CREATE INDEX i ON t (id);\n");
	cr_expect_eq(count(&r, "require-concurrent-index-creation", "2.sql"), 1);
	stop(&r);
}

Test(lint, do_blocks_and_plpgsql_bodies_are_analysed)
{
	cr_expect_eq(flags("DO $$ BEGIN ALTER TABLE users ADD COLUMN a text NOT NULL; END $$;",
			   "adding-not-null-column"), 1);
	cr_expect_eq(flags("DO $$ BEGIN EXECUTE 'CREATE INDEX i ON users (email)'; END $$;",
			   "require-concurrent-index-creation"), 1);
	cr_expect_eq(flags("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $f$\n"
			   "BEGIN IF true THEN UPDATE users SET a = 1; END IF; END $f$;",
			   "unbatched-update"), 1);
	/* a computed EXECUTE cannot be known, and a string is not SQL */
	cr_expect_eq(flags("DO $$ BEGIN EXECUTE 'CREATE INDEX i ON ' || t; RAISE NOTICE 'DROP TABLE x'; END $$;",
			   "require-concurrent-index-creation"), 0);
	cr_expect_eq(flags("DO $$ BEGIN RAISE NOTICE 'DROP TABLE x'; END $$;", "ban-drop-table"), 0);
}

/*
 * A body is parsed only when it holds a word that starts SQL (pg.c's
 * sql_words): whatever the case, after a comment, a label or a
 * semicolon, in a loop, in a nested block, the statement is still found.
 */
Test(lint, plpgsql_bodies_with_sql_in_any_spelling_are_analysed)
{
	static const struct { const char *body, *rule; } cases[] = {
		{ "BEGIN update users SET a = 1; END", "unbatched-update" },
		{ "DECLARE x int; BEGIN x := 1; /* c */Delete From users; END", "ban-delete-all-rows" },
		{ "BEGIN <<l>> LOOP TRUNCATE users; EXIT; END LOOP; END", "ban-truncate" },
		{ "DECLARE x int := 0; BEGIN BEGIN lock TABLE users; END; END", "ban-lock-table" },
		{ "BEGIN IF true THEN NULL; ELSE vacuum full users; END IF; END", "ban-vacuum-full" },
		{ "BEGIN\n\tcluster users;\nEND", "ban-cluster" },
		{ "BEGIN REFRESH MATERIALIZED VIEW mv; END", "require-concurrent-refresh" },
		{ "BEGIN reindex INDEX i; END", "require-concurrent-reindex" },
		{ "BEGIN Execute 'DROP TABLE users'; END", "ban-drop-table" },
		{ "BEGIN WITH d AS (SELECT 1) UPDATE users SET a = 1; END", "unbatched-update" },
	};
	char sql[512];
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(sql, sizeof sql, "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql "
			 "AS $f$ %s $f$;", cases[i].body);
		cr_expect_eq(flags(sql, cases[i].rule), 1, "not flagged: %s", sql);
		snprintf(sql, sizeof sql, "DO $$ %s $$;", cases[i].body);
		cr_expect_eq(flags(sql, cases[i].rule), 1, "not flagged: %s", sql);
	}
}

/* libpg_query's PL/pgSQL parser asserts a body: none must reach it */
Test(lint, a_plpgsql_function_without_a_body_is_no_crash)
{
	cr_expect_eq(flags("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql;\n"
			   "CREATE INDEX i ON users (a);", "require-concurrent-index-creation"), 1);
	cr_expect_eq(flags("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql RETURN 1;\n"
			   "CREATE INDEX i ON users (a);", "require-concurrent-index-creation"), 1);
}

Test(lint, sql_language_function_bodies_are_analysed)
{
	cr_expect_eq(flags("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'DELETE FROM users';",
			   "ban-delete-all-rows"), 1);
}

Test(lint, trivial_where_is_no_filter)
{
	cr_expect_eq(flags("UPDATE users SET a = 1 WHERE true;", "unbatched-update"), 1);
	cr_expect_eq(flags("UPDATE users SET a = 1 WHERE 1 = 1;", "unbatched-update"), 1);
	cr_expect_eq(flags("DELETE FROM users WHERE 1 = 1 AND true;", "ban-delete-all-rows"), 1);
	cr_expect_eq(flags("UPDATE users SET a = 1 WHERE id <= 1000;", "unbatched-update"), 0);
	cr_expect_eq(flags("UPDATE users SET a = 1 WHERE true OR id = 1;", "unbatched-update"), 1);
}

Test(lint, volatile_defaults_are_told_from_stable_ones)
{
	cr_expect_eq(flags("ALTER TABLE u ADD COLUMN a timestamptz DEFAULT now();", "adding-volatile-default"), 0);
	cr_expect_eq(flags("ALTER TABLE u ADD COLUMN a timestamptz DEFAULT clock_timestamp();", "adding-volatile-default"), 1);
	cr_expect_eq(flags("ALTER TABLE u ADD COLUMN a uuid DEFAULT gen_random_uuid();", "adding-volatile-default"), 1);
	cr_expect_eq(flags("ALTER TABLE u ADD COLUMN a text DEFAULT 'x'::text;", "adding-volatile-default"), 0);
}

Test(lint, the_target_version_changes_verdicts)
{
	struct run r;
	start(&r, ZDM_DIALECT_POSTGRES, 10);
	add(&r, "t.sql", "ALTER TABLE u ADD COLUMN a text DEFAULT 'x';\n");
	cr_expect_eq(count(&r, "adding-volatile-default", NULL), 1, "PostgreSQL 10 rewrites for any default");
	stop(&r);
	cr_expect_eq(flags("ALTER TABLE u ADD COLUMN a text DEFAULT 'x';\n", "adding-volatile-default"), 0);
}

Test(lint, concurrently_in_a_dbmate_transaction_is_caught)
{
	cr_expect_eq(flags("-- migrate:up\nCREATE INDEX CONCURRENTLY i ON t (c);\n-- migrate:down\n",
			   "concurrently-in-transaction"), 1);
	cr_expect_eq(flags("-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (c);\n"
			   "-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY i;\n",
			   "concurrently-in-transaction"), 0);
	cr_expect_eq(flags("BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (c);\nCOMMIT;\n",
			   "concurrently-in-transaction"), 1);
	cr_expect_eq(flags("BEGIN;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (c);\n",
			   "concurrently-in-transaction"), 0);
}

Test(lint, golang_migrate_files_run_in_one_implicit_transaction)
{
	struct run r;
	start(&r, ZDM_DIALECT_POSTGRES, 0);
	add(&r, "1_idx.up.sql", "CREATE INDEX CONCURRENTLY i ON t (c);\nSELECT 1;\n");
	cr_expect_eq(count(&r, "concurrently-in-transaction", NULL), 1);
	stop(&r);
}

Test(lint, a_down_section_undoing_its_up_is_a_rollback)
{
	cr_expect_eq(flags("-- migrate:up\nALTER TABLE users ADD COLUMN nick text;\n"
			   "-- migrate:down\nALTER TABLE users DROP COLUMN nick;\n", "ban-drop-column"), 0);
	cr_expect_eq(flags("-- migrate:up\nSELECT 1;\n-- migrate:down\nALTER TABLE users DROP COLUMN email;\n",
			   "ban-drop-column"), 1);
}

Test(lint, findings_in_a_down_section_are_marked)
{
	struct run r;
	start(&r, ZDM_DIALECT_POSTGRES, 0);
	add(&r, "t.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\nCREATE INDEX i ON t (c);\n");
	const struct zdm_finding *f = first(&r, "require-concurrent-index-creation");
	cr_assert_not_null(f);
	cr_expect(f->in_down);
	cr_expect_eq(f->line, 4);
	stop(&r);
}

Test(lint, column_types_learnt_from_earlier_files_allow_safe_type_changes)
{
	struct run r;
	start(&r, ZDM_DIALECT_POSTGRES, 0);
	add(&r, "1.sql", "CREATE TABLE t (name varchar(50));\n");
	add(&r, "2.sql", "ALTER TABLE t ALTER COLUMN name TYPE varchar(100);\n");
	add(&r, "3.sql", "ALTER TABLE t ALTER COLUMN name TYPE varchar(20);\n");
	cr_expect_eq(count(&r, "changing-column-type", "2.sql"), 0);
	cr_expect_eq(count(&r, "changing-column-type", "3.sql"), 1);
	stop(&r);
}

Test(lint, set_not_null_after_a_validated_check_passes_from_pg12)
{
	const char *sql =
		"ALTER TABLE u ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\n"
		"ALTER TABLE u VALIDATE CONSTRAINT c;\n"
		"ALTER TABLE u ALTER COLUMN email SET NOT NULL;\n";
	cr_expect_eq(flags(sql, "setting-not-null"), 0);
	struct run r;
	start(&r, ZDM_DIALECT_POSTGRES, 11);
	add(&r, "t.sql", sql);
	cr_expect_eq(count(&r, "setting-not-null", NULL), 1);
	stop(&r);
	cr_expect_eq(flags("ALTER TABLE u ALTER COLUMN email SET NOT NULL;", "setting-not-null"), 1);
}

Test(lint, validate_in_the_same_transaction_is_caught)
{
	cr_expect_eq(flags("BEGIN;\nALTER TABLE u ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\n"
			   "ALTER TABLE u VALIDATE CONSTRAINT c;\nCOMMIT;\n", "validate-in-same-transaction"), 1);
	cr_expect_eq(flags("ALTER TABLE u ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\n"
			   "ALTER TABLE u VALIDATE CONSTRAINT c;\n", "validate-in-same-transaction"), 0);
}

Test(lint, allow_comments_need_a_reason_and_name_the_rule)
{
	struct run r;
	start(&r, ZDM_DIALECT_POSTGRES, 0);
	add(&r, "t.sql",
	    "-- zdm:allow ban-drop-table the table was replaced in 2023\nDROP TABLE old_audit;\n"
	    "-- zdm:allow ban-drop-table\nDROP TABLE other;\n"
	    "-- zdm:allow ban-drop-column wrong rule named\nDROP TABLE third;\n");
	cr_expect_eq(count(&r, "ban-drop-table", NULL), 2);
	cr_expect_eq(count(&r, "allow-without-reason", NULL), 1);
	int allowed = 0;
	for (size_t i = 0; i < r.rep.count; i++)
		if (r.rep.items[i].allowed) {
			allowed++;
			cr_expect_str_eq(r.rep.items[i].allow_reason, "the table was replaced in 2023");
		}
	cr_expect_eq(allowed, 1);
	stop(&r);
}

Test(lint, decisions_can_be_changed_per_rule_and_by_alias)
{
	struct run r;
	start(&r, ZDM_DIALECT_POSTGRES, 0);
	cr_assert_eq(zdm_linter_set_decision(r.l, "ban-drop-column", ZDM_DECISION_DENY), 0);
	cr_assert_eq(zdm_linter_set_decision(r.l, "adding-required-field", ZDM_DECISION_OFF), 0);
	cr_expect_eq(zdm_linter_set_decision(r.l, "no-such-rule", ZDM_DECISION_OFF), -1);
	add(&r, "t.sql", "ALTER TABLE u DROP COLUMN a;\nALTER TABLE u ADD COLUMN b text NOT NULL;\n");
	cr_expect_eq(first(&r, "ban-drop-column")->decision, ZDM_DECISION_DENY);
	cr_expect_null(first(&r, "adding-not-null-column"));
	cr_expect_eq(zdm_report_max(&r.rep), ZDM_DECISION_DENY);
	stop(&r);
}

Test(lint, ranges_judge_only_the_statements_they_touch)
{
	struct run r;
	start(&r, ZDM_DIALECT_POSTGRES, 0);
	const char *sql = "CREATE INDEX a ON t (c);\nCREATE INDEX b ON t (c);\n";
	size_t ranges[2] = { 30, 31 };
	struct zdm_source s = { "t.sql", sql, strlen(sql), -1, ranges, 1, 1 };
	struct zdm_error err;
	zdm_lint_source(r.l, &s, &r.rep, &err);
	cr_expect_eq(count(&r, "require-concurrent-index-creation", NULL), 1);
	cr_expect_eq(first(&r, "require-concurrent-index-creation")->line, 2);
	stop(&r);
}

Test(lint, first_line_shifts_reported_lines)
{
	struct run r;
	start(&r, ZDM_DIALECT_POSTGRES, 0);
	const char *sql = "CREATE INDEX a ON t (c);";
	struct zdm_source s = { "m.ts", sql, strlen(sql), -1, NULL, 0, 41 };
	struct zdm_error err;
	zdm_lint_source(r.l, &s, &r.rep, &err);
	cr_expect_eq(first(&r, "require-concurrent-index-creation")->line, 41);
	stop(&r);
}

Test(lint, explain_analyze_executes_and_plain_explain_does_not)
{
	cr_expect_eq(flags("EXPLAIN DELETE FROM users;", "ban-delete-all-rows"), 0);
	cr_expect_eq(flags("EXPLAIN ANALYZE DELETE FROM users;", "ban-delete-all-rows"), 1);
}

Test(lint, mysql_and_sqlite_go_through_the_recogniser)
{
	struct run r;
	start(&r, ZDM_DIALECT_MYSQL, 0);
	add(&r, "m.sql", "ALTER TABLE `users` MODIFY COLUMN bio TEXT;\n");
	cr_expect_eq(count(&r, "mysql-copy-alter", NULL), 1);
	stop(&r);
	start(&r, ZDM_DIALECT_SQLITE, 0);
	add(&r, "s.sql", "ALTER TABLE [users] ADD COLUMN status TEXT NOT NULL;\n");
	cr_expect_eq(count(&r, "adding-not-null-column", NULL), 1);
	stop(&r);
}

Test(lint, oversized_input_is_refused_with_a_clear_error)
{
	struct zdm_lint_opts o = { ZDM_DIALECT_POSTGRES, 0, 0 };
	struct zdm_linter *l = zdm_linter_new(&o);
	struct zdm_report rep = ZDM_REPORT_INIT;
	struct zdm_error err;
	struct zdm_source s = { "huge.sql", "", (size_t)ZDM_MAX_FILE + 1, -1, NULL, 0, 1 };
	cr_expect_eq(zdm_lint_source(l, &s, &rep, &err), ZDM_ERR_LIMIT);
	cr_expect(strstr(err.msg, "huge.sql") != NULL, "%s", err.msg);
	zdm_report_release(&rep);
	zdm_linter_free(l);
}

/* ---- the analysing thread and a caller's split --------------------------- */

/* A long dbmate file (sections long enough for the helper thread): context
 * that crosses chunks, findings, parse errors. */
static char *long_file(void)
{
	struct zdm_buf b = ZDM_BUF_INIT;
	zdm_buf_adds(&b, "-- migrate:up\nCREATE TABLE fresh (id int);\n");
	for (int i = 0; i < 2100; i++) {
		switch (i % 7) {
		case 0: zdm_buf_addf(&b, "ALTER TABLE fresh ADD COLUMN c%d int NOT NULL;\n", i); break;
		case 1: zdm_buf_addf(&b, "CREATE INDEX i%d ON users (c%d);\n", i, i); break;
		case 2: zdm_buf_addf(&b, "ALTER TABLE users ADD CONSTRAINT k%d CHECK (c IS NOT NULL) NOT VALID;\n", i); break;
		case 3: zdm_buf_addf(&b, "ALTER TABLE users VALIDATE CONSTRAINT k%d;\n", i - 1); break;
		case 4: zdm_buf_addf(&b, "SELEC broken %d;\n", i); break;
		case 5: zdm_buf_addf(&b, "DROP INDEX i%d; -- zdm:allow require-concurrent-index-drop ok\n", i - 4); break;
		default: zdm_buf_addf(&b, "DO $$ BEGIN EXECUTE 'ALTER TABLE users ALTER COLUMN c%d TYPE bigint'; END $$;\n", i); break;
		}
	}
	zdm_buf_adds(&b, "-- migrate:down\n");
	for (int i = 0; i < 1100; i++)
		zdm_buf_addf(&b, "ALTER TABLE users DROP COLUMN c%d;\n", i);
	return zdm_buf_detach(&b, NULL);
}

static void same_reports(const struct zdm_report *a, const struct zdm_report *b)
{
	cr_assert_eq(a->count, b->count);
	cr_assert_eq(a->statements, b->statements);
	cr_assert_eq(a->parse_errors, b->parse_errors);
	for (size_t i = 0; i < a->count; i++) {
		const struct zdm_finding *x = &a->items[i], *y = &b->items[i];
		cr_assert_eq(x->rule, y->rule, "finding %zu", i);
		cr_assert_eq(x->decision, y->decision);
		cr_assert_eq(x->line, y->line, "finding %zu", i);
		cr_assert_eq(x->col, y->col);
		cr_assert_str_eq(x->message, y->message);
		cr_assert_str_eq(x->statement, y->statement);
		cr_assert_eq(x->allowed, y->allowed);
		cr_assert_eq(x->in_down, y->in_down);
	}
}

Test(lint, a_long_file_is_judged_the_same_with_the_helper_thread)
{
	char *sql = long_file();
	struct run one, two;
	setenv("ZDM_LINT_THREADS", "1", 1);
	start(&one, ZDM_DIALECT_POSTGRES, 0);
	unsetenv("ZDM_LINT_THREADS");
	start(&two, ZDM_DIALECT_POSTGRES, 0);
	/* twice: the second file is judged with what the first taught */
	add(&one, "1_a.sql", sql);
	add(&one, "2_b.sql", sql);
	add(&two, "1_a.sql", sql);
	add(&two, "2_b.sql", sql);
	cr_assert_gt(one.rep.count, 500);
	cr_assert_gt(one.rep.parse_errors, 50);
	same_reports(&one.rep, &two.rep);
	stop(&one);
	stop(&two);
	free(sql);
}

/* Lint dir with or without the helper thread. */
static void lint_dir(struct run *r, const char *dir, int threads)
{
	struct zdm_error err;
	if (!threads)
		setenv("ZDM_LINT_THREADS", "1", 1);
	start(r, ZDM_DIALECT_POSTGRES, 0);
	unsetenv("ZDM_LINT_THREADS");
	cr_assert_eq(zdm_lint_path(r->l, dir, &r->rep, &err), ZDM_OK, "%s", err.msg);
}

/*
 * A directory: the helper prepares files ahead while earlier ones are
 * judged (a long one is only split ahead, then analysed in chunks), and
 * what each file learns from the ones before it must still hold.
 */
Test(lint, a_directory_is_judged_the_same_with_the_helper_thread)
{
	char dir[] = "/tmp/zdm-test-dir.XXXXXX", path[128];
	cr_assert_not_null(mkdtemp(dir));
	char *big = long_file();
	static const char *const kinds[] = {
		"CREATE TABLE t%d (id int);\nALTER TABLE t%d ADD CONSTRAINT c CHECK (id IS NOT NULL) NOT VALID;\n",
		"CREATE INDEX i%d ON t%d (id);\nALTER TABLE t%d VALIDATE CONSTRAINT c;\nALTER TABLE t%d ALTER COLUMN id SET NOT NULL;\n",
		"-- migrate:up\nALTER TABLE t%d ADD COLUMN b int NOT NULL;\n-- migrate:down\nALTER TABLE t%d DROP COLUMN b;\n",
		"DROP INDEX i%d;\nSELEC broken %d;\nUPDATE t%d SET id = 1 WHERE 'x = %d;\n",
		"DO $$ BEGIN EXECUTE 'ALTER TABLE t%d ALTER COLUMN id TYPE bigint'; END $$;\nTRUNCATE t%d;\n",
	};
	for (int i = 0; i < 120; i++) {
		snprintf(path, sizeof path, "%s/%03d_m.sql", dir, i);
		FILE *f = fopen(path, "w");
		cr_assert_not_null(f);
		if (i == 60)
			fputs(big, f);
		else
			fprintf(f, kinds[i % 5], i / 5, i / 5, i / 5, i / 5);
		fclose(f);
	}
	struct run one, two;
	lint_dir(&one, dir, 0);
	lint_dir(&two, dir, 1);
	cr_assert_eq(one.rep.files, 120);
	cr_assert_gt(one.rep.count, 1000);
	same_reports(&one.rep, &two.rep);
	for (size_t i = 0; i < one.rep.count; i++)
		cr_assert_str_eq(one.rep.items[i].file, two.rep.items[i].file);
	stop(&one);
	stop(&two);
	free(big);
	char cmd[64];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(lint, a_split_given_by_the_caller_gives_the_same_findings)
{
	char *sql = long_file();
	const char *texts[] = {
		sql,
		"CREATE TABLE a (id int);\n/* x\n-- migrate:up\n*/ ALTER TABLE a ADD COLUMN b int;\n-- migrate:down\nDROP TABLE a;\n",
		"-- migrate:up\nALTER TABLE a ADD COLUMN b int\n-- migrate:down\nDROP TABLE a;\n",
		"-- migrate:up\nALTER TABLE a ADD COLUMN b int DEFAULT 'x;\n-- migrate:down\nDROP TABLE a;\n",
		"-- migrate:up\nALTER TABLE a ADD COLUMN b int; /* c\n-- migrate:down\n*/ DROP TABLE a;\n",
		"-- migrate:up\nALTER TABLE a ADD COLUMN b int; -- c\n;\n-- migrate:down\n; DROP TABLE a; -- zdm:allow ban-drop-table ok\nSELECT (1;\n",
		"-- migrate:up\n\\set x 1\nALTER TABLE a ADD COLUMN b int;\n-- migrate:down\nDROP TABLE a;\nDROP TABLE 'b",
		"ALTER TABLE a ALTER COLUMN b TYPE bigint; DROP TABLE 'b",
	};
	for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
		struct run one, two;
		struct zdm_error err, serr;
		struct zdm_stmt_list l = ZDM_STMT_LIST_INIT;
		struct zdm_source s = { "x.sql", texts[k], strlen(texts[k]), -1, NULL, 0, 1 };
		start(&one, ZDM_DIALECT_POSTGRES, 0);
		start(&two, ZDM_DIALECT_POSTGRES, 0);
		cr_assert_eq(zdm_lint_source(one.l, &s, &one.rep, &err), ZDM_OK);
		zdm_split(ZDM_DIALECT_POSTGRES, s.text, s.len, &l, &serr);
		cr_assert_eq(zdm_lint_source_split(two.l, &s, l.items, l.count, &two.rep, &err),
			     ZDM_OK);
		same_reports(&one.rep, &two.rep);
		zdm_stmt_list_release(&l);
		stop(&one);
		stop(&two);
	}
	free(sql);
}
