/* SPDX-License-Identifier: MIT */
/*
 * test_split.c - statement boundaries, from fixture files.
 *
 * tests/fixtures/split/<dialect>-NNN-name.sql is split and compared with
 * <same>.expected: one "line:col offset,len flags" line per statement.
 * ZDM_UPDATE_FIXTURES=1 rewrites the .expected files instead; review the
 * diff.  Boundary cases have their own tests below.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "zdm/split.h"
#include "zdm/util.h"

#define DIR_SPLIT "tests/fixtures/split/"

static char *render(enum zdm_dialect d, const char *text, size_t len, char *errbuf, size_t nerr)
{
	struct zdm_stmt_list l = ZDM_STMT_LIST_INIT;
	struct zdm_error err;
	enum zdm_status s = zdm_split(d, text, len, &l, &err);
	struct zdm_buf b = ZDM_BUF_INIT;
	for (size_t i = 0; i < l.count; i++) {
		const struct zdm_stmt *st = &l.items[i];
		zdm_buf_addf(&b, "%d:%d %zu,%zu", st->line, st->col, st->off, st->len);
		if (st->flags & ZDM_STMT_META) zdm_buf_adds(&b, " meta");
		if (st->flags & ZDM_STMT_DELIMITER) zdm_buf_adds(&b, " delimiter");
		if (st->flags & ZDM_STMT_INCOMPLETE) zdm_buf_adds(&b, " incomplete");
		if (st->flags & ZDM_STMT_NO_TERM) zdm_buf_adds(&b, " no-term");
		zdm_buf_addf(&b, "  %.*s\n", (int)(st->len > 40 ? 40 : st->len), text + st->off);
	}
	if (s != ZDM_OK)
		zdm_buf_addf(&b, "error: %s\n", err.msg);
	if (errbuf)
		snprintf(errbuf, nerr, "%s", s ? err.msg : "");
	zdm_stmt_list_release(&l);
	if (!b.data)
		zdm_buf_adds(&b, "");
	return zdm_buf_detach(&b, NULL);
}

Test(split, fixtures_match_their_expected_output)
{
	DIR *d = opendir(DIR_SPLIT);
	cr_assert_not_null(d);
	int n = 0, bad = 0, update = getenv("ZDM_UPDATE_FIXTURES") != NULL;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t nl = strlen(e->d_name);
		if (nl < 5 || strcmp(e->d_name + nl - 4, ".sql") != 0)
			continue;
		enum zdm_dialect dia = ZDM_DIALECT_POSTGRES;
		if (strncmp(e->d_name, "mysql-", 6) == 0) dia = ZDM_DIALECT_MYSQL;
		if (strncmp(e->d_name, "sqlite-", 7) == 0) dia = ZDM_DIALECT_SQLITE;
		char path[512], exp[512];
		snprintf(path, sizeof path, DIR_SPLIT "%s", e->d_name);
		snprintf(exp, sizeof exp, DIR_SPLIT "%.*s.expected", (int)(nl - 4), e->d_name);
		char *text, *want = NULL;
		size_t len, wl;
		struct zdm_error err;
		cr_assert_eq(zdm_read_file(path, 0, &text, &len, &err), ZDM_OK);
		char *got = render(dia, text, len, NULL, 0);
		if (update) {
			FILE *f = fopen(exp, "w");
			fputs(got, f);
			fclose(f);
		} else if (zdm_read_file(exp, 0, &want, &wl, &err) != ZDM_OK || strcmp(want, got) != 0) {
			cr_log_error("%s:\n--- expected\n%s--- got\n%s", path, want ? want : "(missing)\n", got);
			bad++;
		}
		free(text);
		free(want);
		free(got);
		n++;
	}
	closedir(d);
	cr_expect_gt(n, 5);
	cr_expect_eq(bad, 0);
}

static size_t count(enum zdm_dialect d, const char *sql)
{
	struct zdm_stmt_list l = ZDM_STMT_LIST_INIT;
	zdm_split(d, sql, strlen(sql), &l, NULL);
	size_t n = l.count;
	zdm_stmt_list_release(&l);
	return n;
}

Test(split, empty_input_has_no_statements)
{
	cr_expect_eq(count(ZDM_DIALECT_POSTGRES, ""), 0);
	cr_expect_eq(count(ZDM_DIALECT_POSTGRES, " \n-- only a comment\n/* and this */"), 0);
	cr_expect_eq(count(ZDM_DIALECT_POSTGRES, ";;;"), 0);
}

Test(split, unterminated_quote_names_the_quote_and_its_line)
{
	char err[256];
	free(render(ZDM_DIALECT_POSTGRES, "SELECT 1;\n\nSELECT 'abc", 22, err, sizeof err));
	cr_expect(strstr(err, "string '") != NULL, "%s", err);
	cr_expect(strstr(err, "line 3") != NULL, "%s", err);
	free(render(ZDM_DIALECT_POSTGRES, "/* open", 7, err, sizeof err));
	cr_expect(strstr(err, "comment") != NULL, "%s", err);
}

Test(split, mysql_double_dash_needs_a_blank)
{
	/* "--1" in MySQL is minus minus one, not a comment. */
	cr_expect_eq(count(ZDM_DIALECT_MYSQL, "SELECT 1--1; SELECT 2;"), 2);
	cr_expect_eq(count(ZDM_DIALECT_MYSQL, "SELECT 1 -- x; SELECT 2;\nSELECT 3;"), 1);
}

Test(split, binary_garbage_never_crashes)
{
	char buf[4096];
	unsigned s = 12345;
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof buf; i++) {
			s = s * 1103515245u + 12345u;
			buf[i] = (char)(s >> 16);
		}
		for (int d = 0; d < ZDM_DIALECT_COUNT; d++) {
			struct zdm_stmt_list l = ZDM_STMT_LIST_INIT;
			zdm_split((enum zdm_dialect)d, buf, sizeof buf, &l, NULL);
			for (size_t i = 0; i < l.count; i++)
				cr_assert_leq(l.items[i].off + l.items[i].len, sizeof buf);
			zdm_stmt_list_release(&l);
		}
	}
}

Test(split, positions_count_utf8_characters)
{
	struct zdm_stmt_list l = ZDM_STMT_LIST_INIT;
	const char *sql = "SELECT 'é'; SELECT 2;";
	zdm_split(ZDM_DIALECT_POSTGRES, sql, strlen(sql), &l, NULL);
	cr_assert_eq(l.count, 2);
	cr_expect_eq(l.items[1].col, 13);
	zdm_stmt_list_release(&l);
}
