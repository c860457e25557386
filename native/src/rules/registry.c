/* SPDX-License-Identifier: MIT */
/*
 * registry.c - look rules up by id or alias, and the two rules the linter
 * itself raises (parse-error, allow-without-reason).
 *
 * The list of rules, zdm_rules[], is generated from the rule files by
 * tools/gen-rule-list.sh, so each rule is named in exactly one place: its
 * own file.
 */
#include <string.h>

#include "zdm/pages.h"
#include "zdm/rule.h"

const struct zdm_rule zdm_rule_parse_error = {
	.id = "parse-error",
	.dialects = ZDM_D_ALL,
	.decision = ZDM_DECISION_ASK,
	.message = "the statement does not parse, so it cannot be judged",
	.help = "fix the syntax; if it is a template, lint the rendered SQL",
};

const struct zdm_rule zdm_rule_allow_without_reason = {
	.id = "allow-without-reason",
	.dialects = ZDM_D_ALL,
	.decision = ZDM_DECISION_WARN,
	.message = "a zdm:allow comment without a reason does not suppress anything",
	.help = "write why it is safe: -- zdm:allow <rule> <reason>",
};

const char *zdm_decision_name(enum zdm_decision d)
{
	switch (d) {
	case ZDM_DECISION_WARN: return "warn";
	case ZDM_DECISION_ASK: return "ask";
	case ZDM_DECISION_DENY: return "deny";
	default: return "off";
	}
}

int zdm_decision_parse(const char *s, enum zdm_decision *out)
{
	static const char *const names[] = { "off", "warn", "ask", "deny" };
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum zdm_decision)i;
			return 0;
		}
	return -1;
}

static int rule_matches(const struct zdm_rule *r, const char *name)
{
	if (strcmp(r->id, name) == 0)
		return 1;
	for (int i = 0; i < 4 && r->aliases[i]; i++)
		if (strcmp(r->aliases[i], name) == 0)
			return 1;
	return 0;
}

const struct zdm_rule *zdm_rule_find(const char *name)
{
	/* Ids first, so an alias can never shadow another rule's id. */
	for (size_t i = 0; i < zdm_rules_count; i++)
		if (strcmp(zdm_rules[i]->id, name) == 0)
			return zdm_rules[i];
	for (size_t i = 0; i < zdm_rules_count; i++)
		if (rule_matches(zdm_rules[i], name))
			return zdm_rules[i];
	if (strcmp(name, zdm_rule_parse_error.id) == 0)
		return &zdm_rule_parse_error;
	if (strcmp(name, zdm_rule_allow_without_reason.id) == 0)
		return &zdm_rule_allow_without_reason;
	return NULL;
}

int zdm_rule_index(const struct zdm_rule *r)
{
	for (size_t i = 0; i < zdm_rules_count; i++)
		if (zdm_rules[i] == r)
			return (int)i;
	if (r == &zdm_rule_parse_error)
		return (int)zdm_rules_count;
	if (r == &zdm_rule_allow_without_reason)
		return (int)zdm_rules_count + 1;
	return -1;
}

const char *zdm_page_find(const char *id)
{
	for (size_t i = 0; i < zdm_pages_count; i++)
		if (strcmp(zdm_pages[i].id, id) == 0)
			return zdm_pages[i].text;
	return NULL;
}
