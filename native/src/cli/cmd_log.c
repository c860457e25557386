/* SPDX-License-Identifier: MIT */
/*
 * cmd_log.c - `zdm log`: print the guard's audit log.
 *
 * Reads the rotated files oldest first (audit.jsonl.3 ... .1, then
 * audit.jsonl) so that entries come out in the order they were written,
 * keeps the last N that match the filters, and prints them as one line
 * each, or as the JSON lines themselves with --json.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "zdm/audit.h"
#include "zdm/util.h"

static void usage(FILE *f)
{
	fputs("usage: zdm log [-n N | --all] [--json] [--decision deny|ask|override|off]\n"
	      "               [--session ID] [--path]\n"
	      "\n"
	      "Print the guard's audit log: every deny, ask and override, newest last.\n"
	      "  -n, --lines N     print the last N entries (default 20)\n"
	      "  -a, --all         print every entry\n"
	      "      --json        print the JSON lines as they are stored\n"
	      "      --decision D  only entries with this decision\n"
	      "      --session ID  only entries of this Claude Code session\n"
	      "      --path        print where the log is and exit\n", f);
}

struct filter {
	const char *decision;
	const char *session;
};

static int keep(const struct filter *f, json_t *o)
{
	const char *d = json_string_value(json_object_get(o, "decision"));
	const char *s = json_string_value(json_object_get(o, "session"));

	if (f->decision && (!d || strcmp(d, f->decision)))
		return 0;
	if (f->session && (!s || strcmp(s, f->session)))
		return 0;
	return 1;
}

/* "2026-11-23T19:14:01Z" -> "2026-11-23 19:14:01" */
static void print_entry(FILE *out, json_t *o, int color)
{
	const char *ts = json_string_value(json_object_get(o, "ts"));
	const char *d = json_string_value(json_object_get(o, "decision"));
	const char *tool = json_string_value(json_object_get(o, "tool"));
	const char *target = json_string_value(json_object_get(o, "target"));
	const char *cwd = json_string_value(json_object_get(o, "cwd"));
	json_t *rules = json_object_get(o, "rules");
	char when[32] = "";
	const char *on = "", *off = "";
	size_t k, n = 0;

	if (ts) {
		snprintf(when, sizeof(when), "%s", ts);
		for (k = 0; when[k]; k++)
			if (when[k] == 'T')
				when[k] = ' ';
			else if (when[k] == 'Z')
				when[k] = 0;
	}
	if (color && d) {
		on = !strcmp(d, "deny") ? "\033[31m" : !strcmp(d, "ask") ? "\033[33m" : "\033[36m";
		off = "\033[0m";
	}
	fprintf(out, "%-19s  %s%-8s%s %-5s ", when, on, d ? d : "?", off, tool ? tool : "");
	for (k = 0; k < json_array_size(rules); k++) {
		const char *r = json_string_value(json_array_get(rules, k));
		if (r)
			fprintf(out, "%s%s", n++ ? "," : "", r);
	}
	if (!n)
		fputs("-", out);
	if (target) {
		/* one line: newlines in commands become spaces, long ones are cut */
		fputs("  ", out);
		for (k = 0; target[k] && k < 120; k++)
			fputc(target[k] == '\n' || target[k] == '\t' ? ' ' : target[k], out);
		if (target[k])
			fputs("...", out);
	}
	if (cwd)
		fprintf(out, "  (%s)", cwd);
	fputc('\n', out);
}

int cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lines", required_argument, NULL, 'n' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "decision", required_argument, NULL, 'd' },
		{ "session", required_argument, NULL, 's' },
		{ "path", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct filter f = { NULL, NULL };
	struct zdm_error err;
	char path[PATH_MAX];
	char **lines = NULL;
	size_t nlines = 0, cap = 0, first, k;
	long limit = 20;
	int json = 0, c, gen, color;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:ah", opts, NULL)) != -1) {
		switch (c) {
		case 'n': {
			char *end;
			limit = strtol(optarg, &end, 10);
			if (*end || limit < 0) {
				fprintf(stderr, "zdm log: bad count '%s'\n", optarg);
				return ZDM_EXIT_USAGE;
			}
			break;
		}
		case 'a': limit = -1; break;
		case 'j': json = 1; break;
		case 'd': f.decision = optarg; break;
		case 's': f.session = optarg; break;
		case 'p':
			if (zdm_audit_path(path, sizeof(path), &err) != ZDM_OK)
				return cli_fail(&err);
			puts(path);
			return ZDM_EXIT_OK;
		case 'h':
			usage(stdout);
			return ZDM_EXIT_OK;
		default:
			usage(stderr);
			return ZDM_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "zdm log: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return ZDM_EXIT_USAGE;
	}
	if (zdm_audit_path(path, sizeof(path), &err) != ZDM_OK)
		return cli_fail(&err);

	for (gen = ZDM_AUDIT_KEEP; gen >= 0; gen--) {
		char name[PATH_MAX + 8];
		char *text = NULL, *p, *nl;
		size_t len;

		if (gen)
			snprintf(name, sizeof(name), "%s.%d", path, gen);
		else
			snprintf(name, sizeof(name), "%s", path);
		if (zdm_read_file(name, 64u << 20, &text, &len, NULL) != ZDM_OK)
			continue;
		for (p = text; p < text + len; p = nl + 1) {
			json_t *o;
			nl = memchr(p, '\n', (size_t)(text + len - p));
			if (!nl)
				nl = text + len;
			o = json_loadb(p, (size_t)(nl - p), 0, NULL);
			if (json_is_object(o) && keep(&f, o)) {
				if (nlines == cap) {
					cap = cap ? cap * 2 : 64;
					lines = zdm_xrealloc(lines, cap * sizeof(*lines));
				}
				lines[nlines++] = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
			}
			json_decref(o);
		}
		free(text);
	}
	if (!nlines && !json) {
		printf("zdm log: no guard decisions recorded yet (%s)\n", path);
		return ZDM_EXIT_OK;
	}
	first = limit >= 0 && (size_t)limit < nlines ? nlines - (size_t)limit : 0;
	color = cli_color(stdout);
	for (k = 0; k < nlines; k++) {
		if (k >= first && lines[k]) {
			if (json) {
				puts(lines[k]);
			} else {
				json_t *o = json_loads(lines[k], 0, NULL);
				if (o)
					print_entry(stdout, o, color);
				json_decref(o);
			}
		}
		free(lines[k]);
	}
	free(lines);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "zdm log: cannot write the output\n");
		return ZDM_EXIT_IO;
	}
	return ZDM_EXIT_OK;
}
