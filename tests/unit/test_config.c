/* SPDX-License-Identifier: MIT */
/*
 * test_config.c - .zdm.yml: durations, parsing, errors, find, apply.
 *
 * Most cases parse text in memory.  The files under tests/fixtures/config/
 * are loaded from disk: every .yml file in good/ must load, and every one
 * in bad/ must fail with the line and message its first line names:
 *
 *   # expect: LINE: message substring
 *
 * so that a new bad case is one new file and no change here.  Tests run
 * from the repository root (tools/run-tests.sh).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "zdm/config.h"
#include "zdm/lint.h"
#include "zdm/rule.h"
#include "zdm/util.h"

#define FIXTURES "tests/fixtures/config"

/* ---- helpers ---------------------------------------------------------------- */

/* Parse text named .zdm.yml into c, which already holds a config. */
static enum zdm_status reparse(const char *text, struct zdm_config *c,
			       struct zdm_error *err)
{
	zdm_error_clear(err);
	return zdm_config_parse(".zdm.yml", text, strlen(text), c, err);
}

/* The same into a fresh c. */
static enum zdm_status parse(const char *text, struct zdm_config *c,
			     struct zdm_error *err)
{
	zdm_config_init(c);
	return reparse(text, c, err);
}

/* Parse text that must be rejected; check the line and a message part. */
static void expect_error(const char *text, int line, const char *part)
{
	struct zdm_config c;
	struct zdm_error err;
	char prefix[32];

	cr_assert_eq(parse(text, &c, &err), ZDM_ERR_CONFIG,
		     "accepted: %s", text);
	cr_expect_eq(err.line, line, "line %d, want %d: %s", err.line, line,
		     err.msg);
	snprintf(prefix, sizeof(prefix), ".zdm.yml:%d: ", line);
	cr_expect(strncmp(err.msg, prefix, strlen(prefix)) == 0,
		  "'%s' does not start with '%s'", err.msg, prefix);
	cr_expect(strstr(err.msg, part) != NULL, "'%s' lacks '%s'", err.msg,
		  part);
	zdm_config_release(&c);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && strcmp(s + n - m, tail) == 0;
}

static int is_yml(const char *name)
{
	return name[0] != '.' && ends_with(name, ".yml");
}

/* ---- a temporary directory tree for find and load ------------------------- */

static char tmp[64];

static void make_tmp(void)
{
	strcpy(tmp, "/tmp/zdm-test-config-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp), "mkdtemp: %s", strerror(errno));
}

static void remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	if ((d = opendir(path))) {
		while ((e = readdir(d))) {
			char sub[PATH_MAX];
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			remove_tree(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

static void remove_tmp(void)
{
	if (tmp[0])
		remove_tree(tmp);
}

/* tmp/rel, in a static buffer. */
static const char *at(const char *rel)
{
	static char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s/%s", tmp, rel);
	return buf;
}

static void make_dirs(const char *rel)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	for (char *p = path + strlen(tmp) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0700);
			*p = '/';
		}
	}
	cr_assert_eq(mkdir(path, 0700), 0, "mkdir '%s': %s", path,
		     strerror(errno));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot create '%s'", path);
	fputs(text, f);
	fclose(f);
}

/* realpath(tmp/rel) + "/" + name, which zdm_config_find should return. */
static char *expected_path(const char *rel, const char *name)
{
	char *dir = realpath(at(rel), NULL), *out;
	cr_assert_not_null(dir);
	out = malloc(strlen(dir) + strlen(name) + 2);
	sprintf(out, "%s/%s", dir, name);
	free(dir);
	return out;
}

/* True when a directory above tmp holds a config that find would see. */
static int config_above_tmp(void)
{
	char *dir = realpath(tmp, NULL);
	int found = 0;

	for (char *slash; dir && !found && (slash = strrchr(dir, '/'));) {
		char p[PATH_MAX];
		slash[slash == dir] = '\0';
		snprintf(p, sizeof(p), "%s/.zdm.yml", dir);
		found |= access(p, F_OK) == 0;
		snprintf(p, sizeof(p), "%s/.zdm.yaml", dir);
		found |= access(p, F_OK) == 0;
		if (slash == dir)
			break;
	}
	free(dir);
	return found;
}

TestSuite(config);

/* ---- durations -------------------------------------------------------------- */

Test(config, durations_take_ms_s_m_and_h_units)
{
	cr_assert_eq(zdm_parse_duration_ms("500ms"), 500);
	cr_assert_eq(zdm_parse_duration_ms("2s"), 2000);
	cr_assert_eq(zdm_parse_duration_ms("1m"), 60000);
	cr_assert_eq(zdm_parse_duration_ms("2h"), 7200000);
	cr_assert_eq(zdm_parse_duration_ms("0s"), 0);
	cr_assert_eq(zdm_parse_duration_ms("0ms"), 0);
}

Test(config, a_bare_zero_needs_no_unit)
{
	cr_assert_eq(zdm_parse_duration_ms("0"), 0);
	cr_assert_eq(zdm_parse_duration_ms("000"), 0);
}

Test(config, a_bare_number_other_than_zero_is_ambiguous)
{
	cr_assert_eq(zdm_parse_duration_ms("2000"), -1);
	cr_assert_eq(zdm_parse_duration_ms("1"), -1);
}

Test(config, malformed_durations_are_refused)
{
	static const char *const bad[] = {
		"", "s", "ms", "-1s", "+1s", " 2s", "2s ", "2 s", "2S", "1.5s",
		"2sec", "2min", "2d", "2ss", "0x10ms", "2s500ms",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(zdm_parse_duration_ms(bad[i]), -1, "'%s' accepted",
			     bad[i]);
	cr_expect_eq(zdm_parse_duration_ms(NULL), -1);
}

Test(config, durations_stop_at_int_max_milliseconds)
{
	cr_assert_eq(zdm_parse_duration_ms("2147483647ms"), 2147483647L);
	cr_assert_eq(zdm_parse_duration_ms("2147483648ms"), -1);
	cr_assert_eq(zdm_parse_duration_ms("2147483s"), 2147483000L);
	cr_assert_eq(zdm_parse_duration_ms("2147484s"), -1);
	cr_assert_eq(zdm_parse_duration_ms("596h"), 2145600000L);
	cr_assert_eq(zdm_parse_duration_ms("597h"), -1);
	cr_assert_eq(zdm_parse_duration_ms("99999999999999999999999s"), -1);
}

/* ---- defaults and good input ----------------------------------------------- */

static void assert_defaults(const struct zdm_config *c)
{
	cr_assert_eq(c->has_dialect, 0);
	cr_assert_eq(c->pg_version, 0);
	cr_assert_eq(c->mysql_version, 0);
	cr_assert_null(c->migrations_dir);
	cr_assert_null(c->rules);
	cr_assert_eq(c->nrules, 0);
	cr_assert_null(c->migration_paths);
	cr_assert_eq(c->npaths, 0);
	cr_assert_eq(c->lock_timeout_ms, -1);
	cr_assert_eq(c->statement_timeout_ms, -1);
	cr_assert_eq(c->lock_retries, -1);
	cr_assert_eq(c->batch_size, -1);
	cr_assert_eq(c->sleep_ms, -1);
}

Test(config, init_sets_every_field_to_not_set)
{
	struct zdm_config c;
	memset(&c, 0x5a, sizeof(c));
	zdm_config_init(&c);
	assert_defaults(&c);
	cr_assert_null(c.path);
	zdm_config_release(&c);
	zdm_config_release(&c);
	zdm_config_release(NULL);
}

Test(config, empty_text_is_all_defaults)
{
	struct zdm_config c;
	struct zdm_error err;
	cr_assert_eq(parse("", &c, &err), ZDM_OK, "%s", err.msg);
	assert_defaults(&c);
	cr_assert_str_eq(c.path, ".zdm.yml");
	zdm_config_release(&c);
}

Test(config, comments_blank_lines_and_document_markers_alone_are_all_defaults)
{
	static const char *const texts[] = {
		"# nothing here\n\n   # still nothing\n", "\n\n\n", "---\n",
		"--- ~\n", "---\n...\n", "null\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct zdm_config c;
		struct zdm_error err;
		cr_assert_eq(parse(texts[i], &c, &err), ZDM_OK, "'%s': %s",
			     texts[i], err.msg);
		assert_defaults(&c);
		zdm_config_release(&c);
	}
}

Test(config, the_full_example_sets_every_field)
{
	struct zdm_config c;
	struct zdm_error err;

	zdm_config_init(&c);
	cr_assert_eq(zdm_config_load(FIXTURES "/good/full.yml", &c, &err),
		     ZDM_OK, "%s", err.msg);
	cr_assert_str_eq(c.path, FIXTURES "/good/full.yml");
	cr_assert_eq(c.has_dialect, 1);
	cr_assert_eq(c.dialect, ZDM_DIALECT_POSTGRES);
	cr_assert_eq(c.pg_version, 15);
	cr_assert_eq(c.mysql_version, 8);
	cr_assert_str_eq(c.migrations_dir, "db/migrations");
	cr_assert_eq(c.nrules, 2);
	cr_assert_str_eq(c.rules[0].rule, "ban-drop-column");
	cr_assert_eq(c.rules[0].decision, ZDM_DECISION_ASK);
	cr_assert_eq(c.rules[0].line, 7);
	cr_assert_str_eq(c.rules[1].rule, "require-concurrent-index-creation");
	cr_assert_eq(c.rules[1].decision, ZDM_DECISION_WARN);
	cr_assert_eq(c.rules[1].line, 8);
	cr_assert_eq(c.npaths, 2);
	cr_assert_str_eq(c.migration_paths[0], "**/migrations/**");
	cr_assert_str_eq(c.migration_paths[1], "**/*.sql");
	cr_assert_eq(c.lock_timeout_ms, 2000);
	cr_assert_eq(c.statement_timeout_ms, 0);
	cr_assert_eq(c.lock_retries, 5);
	cr_assert_eq(c.batch_size, 1000);
	cr_assert_eq(c.sleep_ms, 20);
	zdm_config_release(&c);
}

Test(config, every_good_fixture_loads)
{
	DIR *d = opendir(FIXTURES "/good");
	struct dirent *e;
	size_t n = 0;

	cr_assert_not_null(d, "cannot open " FIXTURES "/good (run from the repo root)");
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		struct zdm_config c;
		struct zdm_error err;

		if (!is_yml(e->d_name))
			continue;
		snprintf(path, sizeof(path), FIXTURES "/good/%s", e->d_name);
		zdm_config_init(&c);
		zdm_error_clear(&err);
		cr_expect_eq(zdm_config_load(path, &c, &err), ZDM_OK, "%s: %s",
			     path, err.msg);
		zdm_config_release(&c);
		n++;
	}
	closedir(d);
	cr_assert_geq(n, 5, "only %zu good fixtures found", n);
}

Test(config, every_bad_fixture_fails_on_the_line_and_with_the_message_it_names)
{
	DIR *d = opendir(FIXTURES "/bad");
	struct dirent *e;
	size_t n = 0;

	cr_assert_not_null(d, "cannot open " FIXTURES "/bad (run from the repo root)");
	while ((e = readdir(d))) {
		char path[PATH_MAX], prefix[PATH_MAX + 16], *text, *nl;
		const char *part;
		size_t len;
		int line = 0, used = 0;
		struct zdm_config c;
		struct zdm_error err;

		if (!is_yml(e->d_name))
			continue;
		n++;
		snprintf(path, sizeof(path), FIXTURES "/bad/%s", e->d_name);
		cr_assert_eq(zdm_read_file(path, 0, &text, &len, &err), ZDM_OK,
			     "%s", err.msg);
		if (sscanf(text, "# expect: %d: %n", &line, &used) != 1 ||
		    !used) {
			cr_expect_fail("%s: first line is not '# expect: LINE: message'",
				       path);
			free(text);
			continue;
		}
		part = text + used;
		if ((nl = strchr(text, '\n')))
			*nl = '\0';

		zdm_config_init(&c);
		zdm_error_clear(&err);
		cr_expect_eq(zdm_config_load(path, &c, &err), ZDM_ERR_CONFIG,
			     "%s: accepted", path);
		cr_expect_eq(err.line, line, "%s: line %d, want %d (%s)", path,
			     err.line, line, err.msg);
		cr_expect_gt(err.col, 0, "%s: no column", path);
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
		cr_expect(strncmp(err.msg, prefix, strlen(prefix)) == 0,
			  "%s: '%s' does not start with '%s'", path, err.msg,
			  prefix);
		cr_expect(strstr(err.msg, part) != NULL, "%s: '%s' lacks '%s'",
			  path, err.msg, part);
		/* A failed load leaves the config empty, ready to release. */
		cr_expect_null(c.path, "%s: path left set", path);
		cr_expect_eq(c.nrules, 0, "%s: rules left set", path);
		zdm_config_release(&c);
		free(text);
	}
	closedir(d);
	cr_assert_geq(n, 30, "only %zu bad fixtures found", n);
}

Test(config, dialect_takes_every_spelling_the_lexer_knows)
{
	static const struct {
		const char *text;
		enum zdm_dialect d;
	} cases[] = {
		{ "dialect: postgres", ZDM_DIALECT_POSTGRES },
		{ "dialect: postgresql", ZDM_DIALECT_POSTGRES },
		{ "dialect: pg", ZDM_DIALECT_POSTGRES },
		{ "dialect: mysql", ZDM_DIALECT_MYSQL },
		{ "dialect: mariadb", ZDM_DIALECT_MYSQL },
		{ "dialect: sqlite", ZDM_DIALECT_SQLITE },
		{ "dialect: sqlite3", ZDM_DIALECT_SQLITE },
		{ "dialect: 'sqlite'", ZDM_DIALECT_SQLITE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct zdm_config c;
		struct zdm_error err;
		cr_assert_eq(parse(cases[i].text, &c, &err), ZDM_OK, "%s: %s",
			     cases[i].text, err.msg);
		cr_expect_eq(c.has_dialect, 1, "%s", cases[i].text);
		cr_expect_eq(c.dialect, cases[i].d, "%s", cases[i].text);
		zdm_config_release(&c);
	}
}

Test(config, versions_accept_the_ends_of_their_ranges)
{
	struct zdm_config c;
	struct zdm_error err;

	cr_assert_eq(parse("postgres_version: 9\nmysql_version: 5\n", &c, &err),
		     ZDM_OK, "%s", err.msg);
	cr_assert_eq(c.pg_version, 9);
	cr_assert_eq(c.mysql_version, 5);
	cr_assert_eq(reparse("postgres_version: 19\nmysql_version: 9\n", &c, &err),
		     ZDM_OK, "%s", err.msg);
	cr_assert_eq(c.pg_version, 19);
	cr_assert_eq(c.mysql_version, 9);
	zdm_config_release(&c);
}

Test(config, versions_just_outside_their_ranges_are_refused)
{
	expect_error("postgres_version: 20\n", 1, "from 9 to 19 (got '20')");
	expect_error("postgres_version: -15\n", 1, "(got '-15')");
	expect_error("mysql_version: 4\n", 1, "from 5 to 9 (got '4')");
	expect_error("postgres_version: 99999999999999999999\n", 1,
		     "from 9 to 19");
	expect_error("postgres_version: 0x0f\n", 1, "(got '0x0f')");
}

Test(config, a_quoted_number_is_read_as_a_number)
{
	struct zdm_config c;
	struct zdm_error err;
	cr_assert_eq(parse("postgres_version: \"16\"\nbackfill: {batch_size: '50'}\n",
			   &c, &err),
		     ZDM_OK, "%s", err.msg);
	cr_assert_eq(c.pg_version, 16);
	cr_assert_eq(c.batch_size, 50);
	zdm_config_release(&c);
}

Test(config, runner_and_backfill_limits_accept_their_boundaries)
{
	struct zdm_config c;
	struct zdm_error err;
	cr_assert_eq(parse("runner:\n  lock_retries: 0\nbackfill:\n  batch_size: 1\n  sleep: 0\n",
			   &c, &err),
		     ZDM_OK, "%s", err.msg);
	cr_assert_eq(c.lock_retries, 0);
	cr_assert_eq(c.batch_size, 1);
	cr_assert_eq(c.sleep_ms, 0);
	cr_assert_eq(reparse("runner: {lock_retries: 100}\n", &c, &err), ZDM_OK,
		     "%s", err.msg);
	cr_assert_eq(c.lock_retries, 100);
	zdm_config_release(&c);
	expect_error("runner: {lock_retries: -1}\n", 1, "from 0 to 100 (got '-1')");
}

Test(config, an_empty_glob_list_is_set_but_empty)
{
	struct zdm_config c;
	struct zdm_error err;
	cr_assert_eq(parse("guard:\n  migration_paths: []\n", &c, &err), ZDM_OK,
		     "%s", err.msg);
	cr_assert_not_null(c.migration_paths);
	cr_assert_eq(c.npaths, 0);
	zdm_config_release(&c);
}

Test(config, empty_sections_keep_their_defaults)
{
	struct zdm_config c;
	struct zdm_error err;
	zdm_config_init(&c);
	cr_assert_eq(zdm_config_load(FIXTURES "/good/empty-sections.yml", &c,
				     &err),
		     ZDM_OK, "%s", err.msg);
	assert_defaults(&c);
	zdm_config_release(&c);
}

Test(config, anchors_and_aliases_share_a_value)
{
	struct zdm_config c;
	struct zdm_error err;
	zdm_config_init(&c);
	cr_assert_eq(zdm_config_load(FIXTURES "/good/anchors.yml", &c, &err),
		     ZDM_OK, "%s", err.msg);
	cr_assert_eq(c.lock_timeout_ms, 3000);
	cr_assert_eq(c.statement_timeout_ms, 3000);
	cr_assert_eq(c.nrules, 2);
	cr_assert_eq(c.rules[0].decision, ZDM_DECISION_DENY);
	cr_assert_eq(c.rules[1].decision, ZDM_DECISION_DENY);
	zdm_config_release(&c);
}

Test(config, an_alias_of_its_own_list_is_refused_without_looping)
{
	expect_error("guard:\n  migration_paths: &a [\"x\", *a]\n", 2,
		     "'guard.migration_paths' must be a glob, not a list");
}

Test(config, only_len_bytes_of_the_text_are_read)
{
	static const char text[] = "dialect: sqlite3-and-then-garbage";
	struct zdm_config c;
	struct zdm_error err;

	zdm_config_init(&c);
	cr_assert_eq(zdm_config_parse("x", text, strlen("dialect: sqlite3"), &c,
				      &err),
		     ZDM_OK, "%s", err.msg);
	cr_assert_eq(c.dialect, ZDM_DIALECT_SQLITE);
	zdm_config_release(&c);
}

Test(config, a_second_parse_replaces_the_first)
{
	struct zdm_config c;
	struct zdm_error err;

	cr_assert_eq(parse("dialect: mysql\nrules: {a: deny}\nguard: {migration_paths: [x]}\n",
			   &c, &err),
		     ZDM_OK, "%s", err.msg);
	cr_assert_eq(zdm_config_parse("second", "migrations_dir: m\n", 18, &c,
				      &err),
		     ZDM_OK, "%s", err.msg);
	cr_assert_str_eq(c.path, "second");
	cr_assert_eq(c.has_dialect, 0);
	cr_assert_eq(c.nrules, 0);
	cr_assert_null(c.migration_paths);
	cr_assert_str_eq(c.migrations_dir, "m");
	zdm_config_release(&c);
}

Test(config, a_failed_parse_leaves_the_config_empty)
{
	struct zdm_config c;
	struct zdm_error err;

	cr_assert_eq(parse("dialect: mysql\nrules: {a: deny}\n", &c, &err),
		     ZDM_OK, "%s", err.msg);
	/* Fails after rules and globs were already copied. */
	cr_assert_eq(zdm_config_parse("x",
				      "rules: {a: deny, b: warn}\nguard: {migration_paths: [p, q]}\nrunner: {lock_timeout: soon}\n",
				      strlen("rules: {a: deny, b: warn}\nguard: {migration_paths: [p, q]}\nrunner: {lock_timeout: soon}\n"),
				      &c, &err),
		     ZDM_ERR_CONFIG);
	cr_assert_eq(err.line, 3, "%s", err.msg);
	cr_assert_null(c.path);
	assert_defaults(&c);
	zdm_config_release(&c);
}

/* ---- errors ------------------------------------------------------------------ */

Test(config, lines_in_messages_count_from_one)
{
	expect_error("dialekt: postgres\n", 1, "unknown key 'dialekt'");
	expect_error("\n\n\nfoo: 1", 4, "unknown key 'foo'");
}

Test(config, crlf_line_endings_count_lines_like_lf)
{
	expect_error("dialect: pg\r\npostgres_version: 15\r\nfoo: 1\r\n", 3,
		     "unknown key 'foo'");
}

Test(config, the_first_duplicate_rule_in_the_file_is_the_one_reported)
{
	expect_error("rules:\n  a: deny\n  b: deny\n  c: deny\n  b: off\n  a: off\n",
		     5, "duplicate key 'rules.b' (first on line 3)");
	expect_error("rules: {x: deny, xy: deny, x: warn}\n", 1,
		     "duplicate key 'rules.x' (first on line 1)");
}

Test(config, keys_are_case_sensitive)
{
	expect_error("Dialect: postgres\n", 1, "unknown key 'Dialect'");
}

Test(config, a_long_unknown_key_is_cut_to_fit_the_message)
{
	char text[600];
	struct zdm_config c;
	struct zdm_error err;

	memset(text, 'k', 500);
	strcpy(text + 500, ": 1\n");
	cr_assert_eq(parse(text, &c, &err), ZDM_ERR_CONFIG);
	cr_assert_lt(strlen(err.msg), sizeof(err.msg));
	cr_assert(strstr(err.msg, "(expected dialect") != NULL, "%s", err.msg);
	zdm_config_release(&c);
}

Test(config, a_null_name_still_gives_a_message_with_a_name)
{
	struct zdm_config c;
	struct zdm_error err;

	zdm_config_init(&c);
	cr_assert_eq(zdm_config_parse(NULL, "x: 1", 4, &c, &err),
		     ZDM_ERR_CONFIG);
	cr_assert(strncmp(err.msg, "<config>:1: ", 12) == 0, "%s", err.msg);
	zdm_config_release(&c);
}

/* ---- load ---------------------------------------------------------------- */

Test(config, loading_a_missing_file_is_an_io_error)
{
	struct zdm_config c;
	struct zdm_error err;

	zdm_config_init(&c);
	cr_assert_eq(zdm_config_load(FIXTURES "/no-such.yml", &c, &err),
		     ZDM_ERR_IO);
	cr_assert(strstr(err.msg, "no-such.yml") != NULL, "%s", err.msg);
	cr_assert_null(c.path);
	zdm_config_release(&c);
}

Test(config, loading_a_huge_file_is_refused, .init = make_tmp,
     .fini = remove_tmp)
{
	struct zdm_config c;
	struct zdm_error err;
	FILE *f = fopen(at("big.yml"), "w");

	cr_assert_not_null(f);
	for (int i = 0; i < (2 << 20) / 16; i++)
		fputs("# padding line\n", f);
	fclose(f);
	zdm_config_init(&c);
	cr_assert_eq(zdm_config_load(at("big.yml"), &c, &err), ZDM_ERR_LIMIT,
		     "%s", err.msg);
	zdm_config_release(&c);
}

/* ---- find ---------------------------------------------------------------- */

Test(config, find_walks_up_to_the_nearest_config, .init = make_tmp,
     .fini = remove_tmp)
{
	char *path = NULL, *want;
	struct zdm_error err;

	make_dirs("a/b/c/d");
	write_file(at("a/.zdm.yml"), "dialect: pg\n");
	write_file(at("a/b/.zdm.yml"), "dialect: mysql\n");

	cr_assert_eq(zdm_config_find(at("a/b/c/d"), &path, &err), ZDM_OK, "%s",
		     err.msg);
	want = expected_path("a/b", ".zdm.yml");
	cr_assert_str_eq(path, want);
	free(path);
	free(want);

	cr_assert_eq(zdm_config_find(at("a/b"), &path, &err), ZDM_OK);
	want = expected_path("a/b", ".zdm.yml");
	cr_assert_str_eq(path, want);
	free(path);
	free(want);

	cr_assert_eq(zdm_config_find(at("a"), &path, &err), ZDM_OK);
	want = expected_path("a", ".zdm.yml");
	cr_assert_str_eq(path, want);
	free(path);
	free(want);
}

Test(config, find_accepts_the_yaml_extension_but_prefers_yml,
     .init = make_tmp, .fini = remove_tmp)
{
	char *path = NULL, *want;
	struct zdm_error err;

	make_dirs("a/b");
	write_file(at("a/.zdm.yaml"), "");
	cr_assert_eq(zdm_config_find(at("a/b"), &path, &err), ZDM_OK);
	want = expected_path("a", ".zdm.yaml");
	cr_assert_str_eq(path, want);
	free(path);
	free(want);

	write_file(at("a/.zdm.yml"), "");
	cr_assert_eq(zdm_config_find(at("a/b"), &path, &err), ZDM_OK);
	want = expected_path("a", ".zdm.yml");
	cr_assert_str_eq(path, want);
	free(path);
	free(want);
}

Test(config, find_skips_a_directory_named_like_a_config, .init = make_tmp,
     .fini = remove_tmp)
{
	char *path = NULL, *want;
	struct zdm_error err;

	make_dirs("a/b/.zdm.yml");
	write_file(at("a/.zdm.yml"), "");
	cr_assert_eq(zdm_config_find(at("a/b"), &path, &err), ZDM_OK);
	want = expected_path("a", ".zdm.yml");
	cr_assert_str_eq(path, want);
	free(path);
	free(want);
}

Test(config, find_without_a_dir_starts_in_the_working_directory,
     .init = make_tmp, .fini = remove_tmp)
{
	char *path = NULL, *want;
	struct zdm_error err;

	make_dirs("a/b");
	write_file(at("a/.zdm.yml"), "");
	cr_assert_eq(chdir(at("a/b")), 0);
	cr_assert_eq(zdm_config_find(NULL, &path, &err), ZDM_OK, "%s", err.msg);
	want = expected_path("a", ".zdm.yml");
	cr_assert_str_eq(path, want);
	free(path);
	free(want);

	/* A relative dir with ".." is resolved before walking up. */
	cr_assert_eq(zdm_config_find("../b/..", &path, &err), ZDM_OK);
	want = expected_path("a", ".zdm.yml");
	cr_assert_str_eq(path, want);
	free(path);
	free(want);
}

Test(config, finding_nothing_is_not_an_error, .init = make_tmp,
     .fini = remove_tmp)
{
	char *path = (char *)"unchanged";
	struct zdm_error err;

	if (config_above_tmp())
		cr_skip_test("a .zdm.yml above %s would be found", tmp);
	make_dirs("a/b");
	cr_assert_eq(zdm_config_find(at("a/b"), &path, &err), ZDM_OK, "%s",
		     err.msg);
	cr_assert_null(path);
}

Test(config, find_from_a_missing_directory_is_an_io_error, .init = make_tmp,
     .fini = remove_tmp)
{
	char *path = (char *)"unchanged";
	struct zdm_error err;

	cr_assert_eq(zdm_config_find(at("nope"), &path, &err), ZDM_ERR_IO);
	cr_assert_null(path);
	cr_assert(strstr(err.msg, "nope") != NULL, "%s", err.msg);
}

Test(config, a_found_config_loads, .init = make_tmp, .fini = remove_tmp)
{
	char *path = NULL;
	struct zdm_config c;
	struct zdm_error err;

	make_dirs("proj/db/migrations");
	write_file(at("proj/.zdm.yaml"), "dialect: sqlite\nrunner:\n  lock_timeout: 1s\n");
	cr_assert_eq(zdm_config_find(at("proj/db/migrations"), &path, &err),
		     ZDM_OK);
	cr_assert_not_null(path);
	zdm_config_init(&c);
	cr_assert_eq(zdm_config_load(path, &c, &err), ZDM_OK, "%s", err.msg);
	cr_assert_str_eq(c.path, path);
	cr_assert_eq(c.dialect, ZDM_DIALECT_SQLITE);
	cr_assert_eq(c.lock_timeout_ms, 1000);
	zdm_config_release(&c);
	free(path);
}

/* ---- apply --------------------------------------------------------------- */

Test(config, apply_sets_the_dialect_and_versions_it_names)
{
	struct zdm_lint_opts o = { ZDM_DIALECT_POSTGRES, 15, 8 };
	struct zdm_linter *l = zdm_linter_new(&o);
	struct zdm_config c;
	struct zdm_error err;

	cr_assert_eq(parse("dialect: mysql\npostgres_version: 12\nmysql_version: 5\n",
			   &c, &err),
		     ZDM_OK, "%s", err.msg);
	cr_assert_eq(zdm_config_apply(&c, l, &err), ZDM_OK, "%s", err.msg);
	cr_assert_eq(zdm_linter_opts(l)->dialect, ZDM_DIALECT_MYSQL);
	cr_assert_eq(zdm_linter_opts(l)->pg_version, 12);
	cr_assert_eq(zdm_linter_opts(l)->mysql_version, 5);
	zdm_config_release(&c);
	zdm_linter_free(l);
}

Test(config, apply_leaves_what_the_config_does_not_set)
{
	struct zdm_lint_opts o = { ZDM_DIALECT_SQLITE, 14, 8 };
	struct zdm_linter *l = zdm_linter_new(&o);
	struct zdm_config c;
	struct zdm_error err;

	cr_assert_eq(parse("# nothing\n", &c, &err), ZDM_OK);
	cr_assert_eq(zdm_config_apply(&c, l, &err), ZDM_OK, "%s", err.msg);
	cr_assert_eq(zdm_linter_opts(l)->dialect, ZDM_DIALECT_SQLITE);
	cr_assert_eq(zdm_linter_opts(l)->pg_version, 14);
	cr_assert_eq(zdm_linter_opts(l)->mysql_version, 8);
	zdm_config_release(&c);
	zdm_linter_free(l);
}

Test(config, apply_accepts_a_registered_rule)
{
	struct zdm_lint_opts o = { ZDM_DIALECT_POSTGRES, 0, 0 };
	struct zdm_linter *l = zdm_linter_new(&o);
	struct zdm_config c;
	struct zdm_error err;
	char text[256];

	cr_assert_gt(zdm_rules_count, 0);
	snprintf(text, sizeof(text), "rules:\n  %s: off\n", zdm_rules[0]->id);
	cr_assert_eq(parse(text, &c, &err), ZDM_OK, "%s", err.msg);
	cr_assert_eq(zdm_config_apply(&c, l, &err), ZDM_OK, "%s", err.msg);
	zdm_config_release(&c);
	zdm_linter_free(l);
}

Test(config, apply_names_the_file_and_line_of_an_unknown_rule)
{
	struct zdm_lint_opts o = { ZDM_DIALECT_SQLITE, 0, 0 };
	struct zdm_linter *l = zdm_linter_new(&o);
	struct zdm_config c;
	struct zdm_error err;

	cr_assert_eq(parse("dialect: mysql\nrules:\n\n  no-such-rule: deny\n",
			   &c, &err),
		     ZDM_OK, "%s", err.msg);
	cr_assert_eq(zdm_config_apply(&c, l, &err), ZDM_ERR_CONFIG);
	cr_assert_eq(err.line, 4);
	cr_assert_str_eq(err.msg,
			 ".zdm.yml:4: unknown rule 'no-such-rule' (see zdm rules)");
	/* Nothing was applied: the dialect is still the linter's own. */
	cr_assert_eq(zdm_linter_opts(l)->dialect, ZDM_DIALECT_SQLITE);
	zdm_config_release(&c);
	zdm_linter_free(l);
}

Test(config, apply_refuses_one_rule_set_under_its_id_and_an_alias)
{
	const struct zdm_rule *r = NULL;
	struct zdm_lint_opts o = { ZDM_DIALECT_POSTGRES, 0, 0 };
	struct zdm_linter *l;
	struct zdm_config c;
	struct zdm_error err;
	char text[512], want[256];

	for (size_t i = 0; i < zdm_rules_count && !r; i++)
		if (zdm_rules[i]->aliases[0])
			r = zdm_rules[i];
	if (!r)
		cr_skip_test("no registered rule has an alias");
	snprintf(text, sizeof(text), "rules:\n  %s: deny\n  %s: off\n", r->id,
		 r->aliases[0]);
	cr_assert_eq(parse(text, &c, &err), ZDM_OK, "%s", err.msg);
	l = zdm_linter_new(&o);
	cr_assert_eq(zdm_config_apply(&c, l, &err), ZDM_ERR_CONFIG);
	cr_assert_eq(err.line, 3);
	snprintf(want, sizeof(want), "rule '%s' is already set on line 2", r->id);
	cr_assert(strstr(err.msg, want) != NULL, "%s", err.msg);
	zdm_config_release(&c);
	zdm_linter_free(l);
}
