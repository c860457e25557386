/* SPDX-License-Identifier: MIT */
/*
 * test_migrate.c - migration files: dbmate sections and markers,
 * golang-migrate pairs, version order, duplicates, checksums; and the
 * history and run path against an in-memory SQLite database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "zdm/db.h"
#include "zdm/migrate.h"
#include "zdm/util.h"

static enum zdm_status parse(const char *text, struct zdm_migration *m, struct zdm_error *err)
{
	memset(m, 0, sizeof(*m));
	zdm_error_clear(err);
	return zdm_mig_parse_dbmate(m, "x.sql", zdm_xstrdup(text), strlen(text), err);
}

static char *section(const struct zdm_mig_section *s)
{
	char *p = malloc(s->len + 1);
	memcpy(p, s->text, s->len);
	p[s->len] = '\0';
	return p;
}

Test(migrate, versions_compare_as_numbers)
{
	cr_assert(zdm_version_cmp("9", "10") < 0);
	cr_assert(zdm_version_cmp("001", "1") == 0);
	cr_assert(zdm_version_cmp("20240101000000", "20231231235959") > 0);
	cr_assert(zdm_version_cmp("0", "0000") == 0);
}

Test(migrate, dbmate_sections_and_lines)
{
	struct zdm_migration m;
	struct zdm_error err;
	cr_assert_eq(parse("-- comment\n-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n",
			   &m, &err), ZDM_OK, "%s", err.msg);
	char *up = section(&m.up), *down = section(&m.down);
	cr_assert_str_eq(up, "CREATE TABLE a (id int);\n");
	cr_assert_str_eq(down, "DROP TABLE a;\n");
	cr_assert_eq(m.up.line, 3);
	cr_assert_eq(m.down.line, 5);
	cr_assert(m.up.txn && m.down.txn);
	cr_assert(!m.up.empty && !m.down.empty);
	free(up);
	free(down);
	zdm_migration_release(&m);
}

Test(migrate, transaction_false_on_either_marker)
{
	struct zdm_migration m;
	struct zdm_error err;
	cr_assert_eq(parse("-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n"
			   "-- migrate:down\nDROP INDEX i;\n", &m, &err), ZDM_OK);
	cr_assert(!m.up.txn);
	cr_assert(m.down.txn);
	zdm_migration_release(&m);
	cr_assert_eq(parse("--migrate:up\nSELECT 1;\n--  migrate:down   transaction:false\nSELECT 2;\n",
			   &m, &err), ZDM_OK);
	cr_assert(m.up.txn);
	cr_assert(!m.down.txn);
	zdm_migration_release(&m);
}

Test(migrate, empty_down_section)
{
	struct zdm_migration m;
	struct zdm_error err;
	cr_assert_eq(parse("-- migrate:up\nSELECT 1;\n-- migrate:down\n-- nothing to undo\n\n", &m, &err), ZDM_OK);
	cr_assert(m.down.empty);
	zdm_migration_release(&m);
	cr_assert_eq(parse("-- migrate:up\nSELECT 1;\n", &m, &err), ZDM_OK);
	cr_assert(m.down.empty);
	cr_assert_eq(m.down.len, 0);
	zdm_migration_release(&m);
}

Test(migrate, missing_up_marker_is_an_error_at_line_1)
{
	struct zdm_migration m;
	struct zdm_error err;
	cr_assert_eq(parse("CREATE TABLE a (id int);\n", &m, &err), ZDM_ERR_PARSE);
	cr_assert_eq(err.line, 1);
	cr_assert(strstr(err.msg, "x.sql:1:"), "%s", err.msg);
	zdm_migration_release(&m);
}

Test(migrate, malformed_markers_name_the_line)
{
	struct zdm_migration m;
	struct zdm_error err;
	cr_assert_eq(parse("-- migrate:up\nSELECT 1;\n-- migrate:up\n", &m, &err), ZDM_ERR_PARSE);
	cr_assert_eq(err.line, 3);
	zdm_migration_release(&m);
	cr_assert_eq(parse("-- migrate:down\nSELECT 1;\n-- migrate:up\n", &m, &err), ZDM_ERR_PARSE);
	cr_assert_eq(err.line, 1);
	zdm_migration_release(&m);
	cr_assert_eq(parse("-- migrate:up\nSELECT 1;\n-- migrate:sideways\n", &m, &err), ZDM_ERR_PARSE);
	cr_assert_eq(err.line, 3);
	cr_assert(strstr(err.msg, "unknown directive"), "%s", err.msg);
	zdm_migration_release(&m);
	cr_assert_eq(parse("-- migrate:up transaction:flase\n", &m, &err), ZDM_ERR_PARSE);
	cr_assert(strstr(err.msg, "transaction:flase"), "%s", err.msg);
	zdm_migration_release(&m);
}

Test(migrate, a_comment_mentioning_migrate_is_not_a_marker)
{
	struct zdm_migration m;
	struct zdm_error err;
	cr_assert_eq(parse("-- migrate:up\n-- we migrate: users\nSELECT 1;\n", &m, &err), ZDM_OK);
	zdm_migration_release(&m);
}

Test(migrate, checksum_ignores_crlf_and_trailing_whitespace)
{
	char a[17], b[17], c[17];
	const char *x = "CREATE TABLE a (id int);\nSELECT 1;\n";
	const char *y = "CREATE TABLE a (id int);  \r\nSELECT 1;\t\r\n\r\n\n";
	const char *z = "CREATE TABLE a (id bigint);\nSELECT 1;\n";
	zdm_mig_checksum(x, strlen(x), a);
	zdm_mig_checksum(y, strlen(y), b);
	zdm_mig_checksum(z, strlen(z), c);
	cr_assert_str_eq(a, b);
	cr_assert_str_neq(a, c);
	cr_assert_eq(strlen(a), 16);
}

/* A temporary migrations dir with the given files (name, text, ...). */
static char *make_dir(const char *const *files)
{
	char *d = zdm_xstrdup("/tmp/zdm-test-migrate-XXXXXX");
	cr_assert(mkdtemp(d));
	for (; *files; files += 2) {
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", d, files[0]);
		FILE *f = fopen(p, "w");
		cr_assert(f);
		fputs(files[1], f);
		fclose(f);
	}
	return d;
}

static void remove_dir(char *d)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	cr_assert_eq(system(cmd), 0);
	free(d);
}

Test(migrate, load_sorts_by_number_and_pairs_golang_files)
{
	static const char *const files[] = {
		"10_c.sql", "-- migrate:up\nSELECT 10;\n",
		"9_b.up.sql", "SELECT 9;\n",
		"9_b.down.sql", "SELECT -9;\n",
		"1_a.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT -1;\n",
		"README.md", "not a migration",
		"notes.sql", "not a migration either",
		NULL,
	};
	char *d = make_dir(files);
	struct zdm_migration_set s = ZDM_MIGRATION_SET_INIT;
	struct zdm_error err;
	zdm_error_clear(&err);
	cr_assert_eq(zdm_migrations_load(d, &s, &err), ZDM_OK, "%s", err.msg);
	cr_assert_eq(s.count, 3);
	cr_assert_str_eq(s.items[0].version, "1");
	cr_assert_str_eq(s.items[1].version, "9");
	cr_assert_str_eq(s.items[2].version, "10");
	cr_assert_eq(s.items[1].format, ZDM_MIG_GOLANG);
	cr_assert_str_eq(s.items[1].name, "b");
	cr_assert_not_null(s.items[1].down_path);
	cr_assert_eq(s.items[1].down.len, strlen("SELECT -9;\n"));
	cr_assert_not_null(zdm_migration_find(&s, "0009"));
	cr_assert_null(zdm_migration_find(&s, "2"));
	zdm_migration_set_release(&s);
	remove_dir(d);
}

Test(migrate, duplicate_version_is_an_error)
{
	static const char *const files[] = {
		"001_a.sql", "-- migrate:up\nSELECT 1;\n",
		"1_b.sql", "-- migrate:up\nSELECT 2;\n",
		NULL,
	};
	char *d = make_dir(files);
	struct zdm_migration_set s = ZDM_MIGRATION_SET_INIT;
	struct zdm_error err;
	cr_assert_eq(zdm_migrations_load(d, &s, &err), ZDM_ERR_PARSE);
	cr_assert(strstr(err.msg, "duplicate migration version"), "%s", err.msg);
	cr_assert_eq(s.count, 0);
	remove_dir(d);
}

Test(migrate, golang_down_without_up_is_an_error)
{
	static const char *const files[] = { "2_x.down.sql", "SELECT 1;\n", NULL };
	char *d = make_dir(files);
	struct zdm_migration_set s = ZDM_MIGRATION_SET_INIT;
	struct zdm_error err;
	cr_assert_eq(zdm_migrations_load(d, &s, &err), ZDM_ERR_PARSE);
	cr_assert(strstr(err.msg, "no matching .up.sql"), "%s", err.msg);
	remove_dir(d);
}

Test(migrate, unreadable_dir_is_an_io_error)
{
	struct zdm_migration_set s = ZDM_MIGRATION_SET_INIT;
	struct zdm_error err;
	cr_assert_eq(zdm_migrations_load("/nonexistent/zdm", &s, &err), ZDM_ERR_IO);
	cr_assert(strstr(err.msg, "/nonexistent/zdm"));
}

Test(migrate, run_records_history_and_rolls_back_on_error)
{
	struct zdm_db *db;
	struct zdm_error err;
	struct zdm_migration m;
	struct zdm_run_result res;
	struct zdm_history h = ZDM_HISTORY_INIT;
	struct zdm_run_opts o = { .dir = ZDM_UP, .lock_timeout_ms = -1,
				  .statement_timeout_ms = -1, .applied_by = "t@h" };

	zdm_error_clear(&err);
	cr_assert_eq(zdm_db_open("sqlite::memory:", &db, &err), ZDM_OK, "%s", err.msg);
	cr_assert_eq(zdm_history_ensure(db, &err), ZDM_OK, "%s", err.msg);

	cr_assert_eq(parse("-- migrate:up\nCREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n"
			   "-- migrate:down\nDROP TABLE a;\n", &m, &err), ZDM_OK);
	m.version = zdm_xstrdup("1");
	m.name = zdm_xstrdup("a");
	cr_assert_eq(zdm_migration_run(db, &m, &o, &res, &err), ZDM_OK, "%s", err.msg);
	cr_assert_eq(res.statements, 2);
	cr_assert_eq(res.done, 2);
	/* Running it again: another runner already did, nothing happens. */
	cr_assert_eq(zdm_migration_run(db, &m, &o, &res, &err), ZDM_OK);
	cr_assert_eq(res.done, -1);
	cr_assert_eq(zdm_history_read(db, &h, &err), ZDM_OK);
	cr_assert_eq(h.count, 1);
	cr_assert_str_eq(h.items[0].checksum, m.checksum);
	zdm_history_release(&h);
	zdm_migration_release(&m);

	cr_assert_eq(parse("-- migrate:up\nCREATE TABLE b (id int);\n\nINSERT INTO nope VALUES (1);\n",
			   &m, &err), ZDM_OK);
	m.version = zdm_xstrdup("2");
	m.name = zdm_xstrdup("b");
	cr_assert_eq(zdm_migration_run(db, &m, &o, &res, &err), ZDM_ERR_DB);
	cr_assert(res.rolled_back);
	cr_assert_eq(res.fail_line, 4);
	cr_assert(strstr(err.msg, "no such table"), "%s", err.msg);
	struct zdm_rows r;
	cr_assert_eq(zdm_db_query(db, "SELECT count(*) FROM sqlite_master WHERE name = 'b'", NULL, 0, &r, &err), ZDM_OK);
	cr_assert_str_eq(zdm_rows_get(&r, 0, 0), "0");
	zdm_rows_release(&r);
	zdm_migration_release(&m);
	zdm_db_free(db);
}

Test(migrate, db_params_and_redaction)
{
	struct zdm_db *db;
	struct zdm_error err;
	struct zdm_rows r;
	char red[200];
	const char *p[2] = { "41", "x'y" };

	cr_assert_eq(zdm_db_open("sqlite::memory:", &db, &err), ZDM_OK);
	cr_assert_eq(zdm_db_query(db, "SELECT $1 + 1, $2, $1", p, 2, &r, &err), ZDM_OK, "%s", err.msg);
	cr_assert_str_eq(zdm_rows_get(&r, 0, 0), "42");
	cr_assert_str_eq(zdm_rows_get(&r, 0, 1), "x'y");
	zdm_rows_release(&r);
	cr_assert_eq(zdm_db_exec(db, "SELECT 1; SELECT 2", &err), ZDM_ERR_USAGE);
	struct zdm_buf b = ZDM_BUF_INIT;
	zdm_db_quote_ident(db, &b, "we\"ird");
	cr_assert_str_eq(b.data, "\"we\"\"ird\"");
	zdm_buf_release(&b);
	zdm_db_free(db);

	zdm_db_redact_url("postgres://u:secret@h:5432/db?sslmode=require", red, sizeof(red));
	cr_assert_str_eq(red, "postgres://u:***@h:5432/db?sslmode=require");
	zdm_db_redact_url("postgresql://h/db?user=u&password=secret&x=1", red, sizeof(red));
	cr_assert_str_eq(red, "postgresql://h/db?user=u&password=***&x=1");
	zdm_db_redact_url("postgres://u@h/db", red, sizeof(red));
	cr_assert_str_eq(red, "postgres://u@h/db");
	cr_assert_eq(zdm_db_open("mysql://x", &db, &err), ZDM_ERR_USAGE);
}
