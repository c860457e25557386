/* SPDX-License-Identifier: MIT */
/*
 * test_rules.c - keeps every rule, its page and its fixtures in step.
 *
 * - every rule has a page and bad/ok fixtures, and every page and fixture
 *   directory belongs to a rule;
 * - every bad fixture is flagged with its rule, no ok fixture is;
 * - every "Instead of" block of a page is flagged with the page's rule,
 *   and every "Use" block passes (nothing at ask or deny level).
 *
 * Runs from the repository root (make test does).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "zdm/lint.h"
#include "zdm/pages.h"
#include "zdm/util.h"

#define PAGES "skills/zero-downtime-migrations/references/rules/"
#define FIXTURES "tests/fixtures/rules/"

static char *slurp(const char *path, size_t *len)
{
	char *text = NULL;
	size_t n = 0;
	struct zdm_error err;
	if (zdm_read_file(path, 0, &text, &n, &err) != ZDM_OK)
		return NULL;
	if (len)
		*len = n;
	return text;
}

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

struct opts {
	enum zdm_dialect dialect;
	int pg_version;
};

/* "-- zdm-test: dialect=mysql pg-version=10" on the first line. */
static void header_opts(const char *text, struct opts *o)
{
	o->dialect = ZDM_DIALECT_POSTGRES;
	o->pg_version = 0;
	if (strncmp(text, "-- zdm-test:", 12) != 0)
		return;
	const char *eol = strchr(text, '\n');
	size_t n = eol ? (size_t)(eol - text) : strlen(text);
	char line[256];
	snprintf(line, sizeof line, "%.*s", (int)n, text);
	char *d = strstr(line, "dialect=");
	if (d) {
		char name[32];
		sscanf(d + 8, "%31[a-z0-9]", name);
		zdm_dialect_parse(name, &o->dialect);
	}
	char *v = strstr(line, "pg-version=");
	if (v)
		o->pg_version = atoi(v + 11);
}

/*
 * Lint given (may be NULL) then text as two files; count findings in
 * text of rule id, and at ask/deny level of any rule.
 */
static void lint_pair(const struct opts *o, const char *given, const char *text,
		      const char *name, const char *id, int *of_rule, int *blocking,
		      struct zdm_buf *why)
{
	struct zdm_lint_opts lo = { o->dialect, o->pg_version, 0 };
	struct zdm_linter *l = zdm_linter_new(&lo);
	struct zdm_report rep = ZDM_REPORT_INIT;
	struct zdm_error err;
	if (given) {
		struct zdm_source g = { "given.sql", given, strlen(given), -1, NULL, 0, 1 };
		zdm_lint_source(l, &g, &rep, &err);
	}
	struct zdm_source s = { name, text, strlen(text), -1, NULL, 0, 1 };
	zdm_lint_source(l, &s, &rep, &err);
	*of_rule = *blocking = 0;
	for (size_t i = 0; i < rep.count; i++) {
		const struct zdm_finding *f = &rep.items[i];
		if (strcmp(f->file, name) != 0 || f->allowed)
			continue;
		if (strcmp(f->rule->id, id) == 0)
			(*of_rule)++;
		if (f->decision >= ZDM_DECISION_ASK)
			(*blocking)++;
		if (why)
			zdm_buf_addf(why, "    %d:%d %s %s: %s\n", f->line, f->col,
				     zdm_decision_name(f->decision), f->rule->id, f->message);
	}
	zdm_report_release(&rep);
	zdm_linter_free(l);
}

Test(rules, every_rule_has_a_page_and_fixtures)
{
	int bad = 0;
	for (size_t i = 0; i < zdm_rules_count; i++) {
		const char *id = zdm_rules[i]->id;
		char path[512];
		struct stat st;
		snprintf(path, sizeof path, PAGES "%s.md", id);
		if (stat(path, &st) != 0) {
			cr_log_error("rule %s has no page %s", id, path);
			bad++;
		}
		if (!zdm_page_find(id)) {
			cr_log_error("rule %s: page not embedded in the binary", id);
			bad++;
		}
		const char *kinds[] = { "bad", "ok" };
		for (int k = 0; k < 2; k++) {
			snprintf(path, sizeof path, FIXTURES "%s/%s", id, kinds[k]);
			DIR *d = opendir(path);
			int n = 0;
			struct dirent *e;
			while (d && (e = readdir(d)) != NULL)
				if (ends_with(e->d_name, ".sql") && !ends_with(e->d_name, ".given.sql"))
					n++;
			if (d)
				closedir(d);
			if (n == 0) {
				cr_log_error("rule %s has no %s fixtures in %s", id, kinds[k], path);
				bad++;
			}
		}
	}
	cr_expect_eq(bad, 0, "%d rules lack pages or fixtures", bad);
}

Test(rules, every_page_and_fixture_dir_names_a_rule)
{
	int bad = 0;
	const char *dirs[] = { PAGES, FIXTURES };
	for (int k = 0; k < 2; k++) {
		DIR *d = opendir(dirs[k]);
		cr_assert_not_null(d, "cannot open %s", dirs[k]);
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char id[256];
			snprintf(id, sizeof id, "%s", e->d_name);
			if (k == 0) {
				if (!ends_with(id, ".md"))
					continue;
				id[strlen(id) - 3] = '\0';
			}
			const struct zdm_rule *r = zdm_rule_find(id);
			if (!r || strcmp(r->id, id) != 0) {
				cr_log_error("%s%s belongs to no rule", dirs[k], e->d_name);
				bad++;
			}
		}
		closedir(d);
	}
	cr_expect_eq(bad, 0);
}

Test(rules, ids_are_kebab_case_and_unique_and_aliases_resolve)
{
	for (size_t i = 0; i < zdm_rules_count; i++) {
		const struct zdm_rule *r = zdm_rules[i];
		for (const char *c = r->id; *c; c++)
			cr_expect((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-',
				  "rule id %s is not kebab-case", r->id);
		cr_expect_eq(zdm_rule_find(r->id), r, "id %s does not find its rule", r->id);
		for (size_t j = i + 1; j < zdm_rules_count; j++)
			cr_expect_neq(strcmp(r->id, zdm_rules[j]->id), 0, "duplicate id %s", r->id);
		for (int a = 0; a < 4 && r->aliases[a]; a++)
			cr_expect_not_null(zdm_rule_find(r->aliases[a]), "alias %s of %s", r->aliases[a], r->id);
		cr_expect(r->message && *r->message && r->help && *r->help, "%s lacks message/help", r->id);
		cr_expect(r->dialects != 0, "%s has no dialect", r->id);
	}
}

static int check_fixture_dir(const char *id, const char *kind)
{
	char dir[512];
	snprintf(dir, sizeof dir, FIXTURES "%s/%s", id, kind);
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int bad = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!ends_with(e->d_name, ".sql") || ends_with(e->d_name, ".given.sql"))
			continue;
		char path[1024], gpath[1024];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		snprintf(gpath, sizeof gpath, "%.*s.given.sql", (int)(strlen(path) - 4), path);
		char *text = slurp(path, NULL), *given = slurp(gpath, NULL);
		if (!text) {
			cr_log_error("cannot read %s", path);
			bad++;
			continue;
		}
		struct opts o;
		header_opts(text, &o);
		int of_rule, blocking;
		struct zdm_buf why = ZDM_BUF_INIT;
		lint_pair(&o, given, text, path, id, &of_rule, &blocking, &why);
		int want_bad = strcmp(kind, "bad") == 0;
		if (want_bad ? of_rule == 0 : of_rule != 0) {
			cr_log_error("%s: expected %s finding of %s, got:\n%s", path,
				     want_bad ? "a" : "no", id, why.data ? why.data : "    (nothing)\n");
			bad++;
		}
		zdm_buf_release(&why);
		free(text);
		free(given);
	}
	closedir(d);
	return bad;
}

Test(rules, bad_fixtures_are_flagged_and_ok_fixtures_pass)
{
	int bad = 0;
	for (size_t i = 0; i < zdm_rules_count; i++) {
		bad += check_fixture_dir(zdm_rules[i]->id, "bad");
		bad += check_fixture_dir(zdm_rules[i]->id, "ok");
	}
	cr_expect_eq(bad, 0, "%d fixtures disagree with their rule", bad);
}

/* ---- pages ---------------------------------------------------------------------- */

enum label { L_NONE, L_GIVEN, L_INSTEAD, L_USE };

/* Parse "Instead of:", "Use (PostgreSQL 12+):", "Given:" lines. */
static enum label parse_label(const char *line, size_t n, int *pgv)
{
	static const struct { const char *word; enum label l; } words[] = {
		{ "Given", L_GIVEN }, { "Instead of", L_INSTEAD }, { "Use", L_USE },
	};
	*pgv = 0;
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\r'))
		n--;
	if (!n || line[n - 1] != ':')
		return L_NONE;
	for (size_t i = 0; i < 3; i++) {
		size_t w = strlen(words[i].word);
		if (n < w + 1 || strncmp(line, words[i].word, w) != 0)
			continue;
		if (n == w + 1)
			return words[i].l;
		if (line[w] == ' ' && line[w + 1] == '(' && line[n - 2] == ')') {
			const char *v = strstr(line, "PostgreSQL ");
			if (v && v < line + n)
				*pgv = atoi(v + 11);
			return words[i].l;
		}
	}
	return L_NONE;
}

static int check_page(const char *id, const char *text)
{
	int bad = 0, in_solution = 0, have_dialect = 0, n_instead = 0, n_use = 0;
	struct opts o = { ZDM_DIALECT_POSTGRES, 0 };
	enum label pending = L_NONE;
	int pending_pgv = 0;
	char *given = NULL;
	const char *p = text;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		if (n >= 3 && strncmp(p, "## ", 3) == 0) {
			in_solution = n == 11 && strncmp(p, "## Solution", 11) == 0;
		} else if (in_solution && n >= 4 && strncmp(p, "### ", 4) == 0) {
			free(given);
			given = NULL;
			have_dialect = 1;
			if (strncmp(p + 4, "MySQL", 5) == 0 || strncmp(p + 4, "MariaDB", 7) == 0)
				o.dialect = ZDM_DIALECT_MYSQL;
			else if (strncmp(p + 4, "SQLite", 6) == 0)
				o.dialect = ZDM_DIALECT_SQLITE;
			else if (strncmp(p + 4, "PostgreSQL", 10) == 0)
				o.dialect = ZDM_DIALECT_POSTGRES;
			else
				have_dialect = 0;
		} else if (in_solution) {
			int pgv;
			enum label l = parse_label(p, n, &pgv);
			if (l != L_NONE) {
				pending = l;
				pending_pgv = pgv;
			} else if (n >= 6 && strncmp(p, "```sql", 6) == 0 && pending != L_NONE) {
				/* collect the block */
				const char *b = eol ? eol + 1 : p + n;
				const char *end = strstr(b, "\n```");
				if (!end) {
					cr_log_error("%s: unterminated sql block", id);
					bad++;
					break;
				}
				char *sql = strndup(b, (size_t)(end - b) + 1);
				if (!have_dialect) {
					cr_log_error("%s: sql block outside a ### dialect section", id);
					bad++;
				}
				struct opts bo = o;
				bo.pg_version = pending_pgv;
				if (pending == L_GIVEN) {
					free(given);
					given = sql;
					sql = NULL;
				} else {
					int of_rule, blocking;
					struct zdm_buf why = ZDM_BUF_INIT;
					lint_pair(&bo, given, sql, "block.sql", id, &of_rule, &blocking, &why);
					if (pending == L_INSTEAD) {
						n_instead++;
						if (!of_rule) {
							cr_log_error("%s (%s): an Instead of block is not flagged:\n%s\n  got:\n%s",
								     id, zdm_dialect_name(o.dialect), sql,
								     why.data ? why.data : "    (nothing)\n");
							bad++;
						}
					} else {
						n_use++;
						if (of_rule || blocking) {
							cr_log_error("%s (%s): a Use block does not pass:\n%s\n  got:\n%s",
								     id, zdm_dialect_name(o.dialect), sql, why.data);
							bad++;
						}
					}
					zdm_buf_release(&why);
				}
				free(sql);
				pending = L_NONE;
				p = end + 4;
				if (*p == '\n')
					p++;
				continue;
			}
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	free(given);
	if (n_instead == 0 || n_use == 0) {
		cr_log_error("%s: the page needs at least one Instead of and one Use block (has %d, %d)",
			     id, n_instead, n_use);
		bad++;
	}
	return bad;
}

Test(rules, page_examples_agree_with_their_rule)
{
	int bad = 0;
	for (size_t i = 0; i < zdm_rules_count; i++) {
		const char *page = zdm_page_find(zdm_rules[i]->id);
		if (page)
			bad += check_page(zdm_rules[i]->id, page);
	}
	cr_expect_eq(bad, 0, "%d page examples disagree with their rule", bad);
}
