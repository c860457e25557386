/* SPDX-License-Identifier: MIT */
/*
 * cmd_rules.c - `zdm rules` lists the rules; `zdm explain RULE` prints a
 * rule's reference page (embedded at build time).
 */
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "zdm/pages.h"
#include "zdm/rule.h"

static const char *dialect_list(unsigned d, char *buf, size_t n)
{
	buf[0] = '\0';
	if (d & ZDM_D_PG)
		strncat(buf, "postgres,", n - strlen(buf) - 1);
	if (d & ZDM_D_MYSQL)
		strncat(buf, "mysql,", n - strlen(buf) - 1);
	if (d & ZDM_D_SQLITE)
		strncat(buf, "sqlite,", n - strlen(buf) - 1);
	size_t l = strlen(buf);
	if (l)
		buf[l - 1] = '\0';
	return buf;
}

static void rule_list(const struct zdm_rule **out, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < zdm_rules_count; i++)
		out[(*n)++] = zdm_rules[i];
	out[(*n)++] = &zdm_rule_parse_error;
	out[(*n)++] = &zdm_rule_allow_without_reason;
}

int cmd_rules(int argc, char **argv)
{
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc && strcmp(argv[i + 1], "json") == 0) {
			json = 1;
			i++;
		} else if (strcmp(argv[i], "--format=json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			puts("usage: zdm rules [--format json]");
			return 0;
		} else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc && strcmp(argv[i + 1], "text") == 0) {
			i++;
		} else {
			fprintf(stderr, "zdm rules: unknown option '%s'\nusage: zdm rules [--format json]\n", argv[i]);
			return ZDM_EXIT_USAGE;
		}
	}
	const struct zdm_rule *rules[512];
	size_t n;
	char d[64];
	rule_list(rules, &n);
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++) {
			json_t *al = json_array(), *ds = json_array();
			for (int k = 0; k < 4 && rules[i]->aliases[k]; k++)
				json_array_append_new(al, json_string(rules[i]->aliases[k]));
			for (int k = 0; k < ZDM_DIALECT_COUNT; k++)
				if (rules[i]->dialects & (1u << k))
					json_array_append_new(ds, json_string(zdm_dialect_name((enum zdm_dialect)k)));
			json_array_append_new(arr, json_pack("{s:s, s:o, s:o, s:s, s:s, s:s}",
				"id", rules[i]->id, "aliases", al, "dialects", ds,
				"decision", zdm_decision_name(rules[i]->decision),
				"message", rules[i]->message, "help", rules[i]->help));
		}
		char *s = json_dumps(arr, JSON_INDENT(2));
		puts(s);
		free(s);
		json_decref(arr);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		printf("%-40s %-5s %-22s %s\n", rules[i]->id,
		       zdm_decision_name(rules[i]->decision),
		       dialect_list(rules[i]->dialects, d, sizeof d), rules[i]->message);
		if (rules[i]->aliases[0]) {
			printf("%-40s       aliases:", "");
			for (int k = 0; k < 4 && rules[i]->aliases[k]; k++)
				printf(" %s", rules[i]->aliases[k]);
			putchar('\n');
		}
	}
	return 0;
}

int cmd_explain(int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs("usage: zdm explain RULE\n", argc == 2 ? stdout : stderr);
		return argc == 2 ? 0 : ZDM_EXIT_USAGE;
	}
	const struct zdm_rule *r = zdm_rule_find(argv[1]);
	if (!r) {
		fprintf(stderr, "zdm explain: unknown rule '%s' (see zdm rules)\n", argv[1]);
		return ZDM_EXIT_USAGE;
	}
	const char *page = zdm_page_find(r->id);
	if (!page) {
		printf("%s (%s)\n\n%s.\n\nhelp: %s\n", r->id, zdm_decision_name(r->decision),
		       r->message, r->help);
		return 0;
	}
	fputs(page, stdout);
	return 0;
}
