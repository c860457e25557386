/* SPDX-License-Identifier: MIT */
/*
 * cmd_lint.c - `zdm lint`: lint files and directories, print findings as
 * text, JSON, SARIF 2.1.0 or GitHub annotations.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "zdm/lint.h"
#include "zdm/pages.h"
#include "zdm/util.h"

enum format { FMT_TEXT, FMT_JSON, FMT_SARIF, FMT_GITHUB };

static void lint_usage(FILE *f)
{
	fputs("usage: zdm lint [options] [PATH...]\n"
	      "\n"
	      "Lint migration files (directories recursively, '-' for stdin;\n"
	      "default: the migrations dir, db/migrations).\n"
	      "\n"
	      "  --format FMT       text (default), json, sarif, github\n"
	      "  --dialect D        postgres, mysql, sqlite (default: .zdm.yml's dialect,\n"
	      "                     else the database's: DATABASE_URL, or sqlite when\n"
	      "                     db/development.sqlite3 exists; else postgres)\n"
	      "  --pg-version N     target PostgreSQL major version (default 15)\n"
	      "  --mysql-version N  target MySQL major version (default 8)\n"
	      "  --config FILE      read FILE instead of the .zdm.yml found\n"
	      "  --strict           warn-level findings fail too\n"
	      "  --show-allowed     also print findings suppressed by zdm:allow\n"
	      "\n"
	      "exit: 0 clean, 1 findings at ask or deny level, 2 usage, 3 I/O\n", f);
}

static const char *color(int on, enum zdm_decision d)
{
	if (!on)
		return "";
	switch (d) {
	case ZDM_DECISION_DENY: return "\033[1;31m";
	case ZDM_DECISION_ASK: return "\033[1;33m";
	default: return "\033[36m";
	}
}

/*
 * Findings are printed as each file is linted (text, json, github), so
 * memory holds one file's findings, not the whole run's; sarif is built
 * whole at the end.
 */
struct out {
	enum format fmt;
	int show_allowed;
	size_t n[4];        /* text: findings by decision */
	FILE *body;         /* json: the findings, until the counts are known */
	struct zdm_buf b;   /* findings not yet written (json: to body) */
	int first;          /* json: no finding written yet */
};

/*
 * Where the rule pages are for this binary: the plugin's folder (bin/..)
 * when the pages are there, so the path works from the user's project;
 * else the path inside the plugin.  Found once.
 */
static const char *page_dir(void)
{
	static char dir[4096];
	static int done;
	if (done)
		return dir;
	done = 1;
	snprintf(dir, sizeof dir, "%s", ZDM_PAGE_DIR);
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return dir;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return dir;
	*slash = '\0';   /* .../bin */
	char try[4096 + 64];
	snprintf(try, sizeof try, "%s/../%s", exe, ZDM_PAGE_DIR);
	char *real = realpath(try, NULL);
	if (real) {
		snprintf(dir, sizeof dir, "%s/", real);
		free(real);
	}
	return dir;
}

/* %d without printf, which costs more than the rest of a finding. */
static void add_int(struct zdm_buf *b, int v)
{
	char d[24];
	zdm_buf_add(b, d, zdm_fmt_long(d, v));
}

/* Several strings, one after the other. */
static void add_strs(struct zdm_buf *b, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		zdm_buf_adds(b, v[i]);
}
#define ADD(b, ...) add_strs(b, (const char *const[]){ __VA_ARGS__ }, \
			     sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

/* Built in o->b and written once a file: printf was a tenth of a lint's CPU. */
static void text_findings(const struct zdm_report *r, struct out *o)
{
	int c = cli_color(stdout), show_allowed = o->show_allowed;
	const char *reset = c ? "\033[0m" : "", *dim = c ? "\033[2m" : "";
	size_t *n = o->n;
	struct zdm_buf *b = &o->b;
	for (size_t i = 0; i < r->count; i++) {
		const struct zdm_finding *f = &r->items[i];
		if (f->allowed && !show_allowed)
			continue;
		if (!f->allowed)
			n[f->decision]++;
		zdm_buf_adds(b, f->file);
		zdm_buf_addc(b, ':');
		add_int(b, f->line);
		zdm_buf_addc(b, ':');
		add_int(b, f->col);
		ADD(b, ": ", color(c, f->decision), zdm_decision_name(f->decision), reset, " ",
		    f->rule->id, ": ", f->message, f->allowed ? " (allowed)\n" : "\n");
		if (f->statement && *f->statement)
			ADD(b, "  ", dim, f->statement, reset, "\n");
		if (f->allowed)
			ADD(b, "  allowed: ", f->allow_reason ? f->allow_reason : "", "\n");
		ADD(b, "  help: ", f->rule->help, "\n");
		if (f->rule->fix)
			ADD(b, "  fix:  ", f->rule->fix, "\n");
		if (zdm_page_find(f->rule->id))
			ADD(b, "  see:  zdm explain ", f->rule->id, " (", page_dir(), f->rule->id,
			    ".md)\n");
	}
	if (b->len)
		fwrite(b->data, 1, b->len, stdout);
	zdm_buf_reset(b);
}

static void text_summary(const struct zdm_report *r, const struct out *o)
{
	const size_t *n = o->n;
	printf("%zu file%s, %zu statement%s: %zu deny, %zu ask, %zu warn",
	       r->files, r->files == 1 ? "" : "s", r->statements,
	       r->statements == 1 ? "" : "s", n[ZDM_DECISION_DENY], n[ZDM_DECISION_ASK],
	       n[ZDM_DECISION_WARN]);
	if (r->parse_errors)
		printf(" (%zu did not parse)", r->parse_errors);
	putchar('\n');
}

/* Strings go through zdm_buf_add_json_str: invalid UTF-8 becomes U+FFFD. */
static void json_field(struct zdm_buf *b, const char *key, const char *val, int comma)
{
	if (comma)
		zdm_buf_add(b, ", ", 2);
	zdm_buf_addc(b, '"');
	zdm_buf_adds(b, key);
	zdm_buf_add(b, "\": ", 3);
	zdm_buf_add_json_str(b, val ? val : "", val ? strlen(val) : 0);
}

/* Write o->b out: to the body file while the counts are unknown, else stdout. */
static void json_flush(struct out *o)
{
	if (!o->b.len)
		return;   /* and no buffer yet: fwrite(NULL, ...) is undefined */
	fwrite(o->b.data, 1, o->b.len, o->body ? o->body : stdout);
	zdm_buf_reset(&o->b);
}

/*
 * One finding at a time into o->b: a report of 50,000 findings is not
 * built as a tree in memory first.
 */
static void json_findings(const struct zdm_report *r, struct out *o)
{
	struct zdm_buf b = o->b;
	for (size_t i = 0; i < r->count; i++) {
		const struct zdm_finding *f = &r->items[i];
		if (f->allowed && !o->show_allowed)
			continue;
		zdm_buf_adds(&b, o->first ? "\n  {" : ",\n  {");
		o->first = 0;
		json_field(&b, "file", f->file, 0);
		zdm_buf_adds(&b, ", \"line\": ");
		add_int(&b, f->line);
		zdm_buf_adds(&b, ", \"column\": ");
		add_int(&b, f->col);
		json_field(&b, "rule", f->rule->id, 1);
		zdm_buf_adds(&b, ", \"aliases\": [");
		for (int k = 0; k < 4 && f->rule->aliases[k]; k++) {
			if (k)
				zdm_buf_adds(&b, ", ");
			zdm_buf_add_json_str(&b, f->rule->aliases[k], strlen(f->rule->aliases[k]));
		}
		zdm_buf_addc(&b, ']');
		json_field(&b, "decision", zdm_decision_name(f->decision), 1);
		json_field(&b, "message", f->message, 1);
		json_field(&b, "help", f->rule->help, 1);
		json_field(&b, "statement", f->statement, 1);
		if (f->allowed) {
			zdm_buf_adds(&b, ", \"allowed\": true");
			json_field(&b, "allow_reason", f->allow_reason, 1);
		}
		zdm_buf_addc(&b, '}');
		if (b.len > 1 << 14) {
			o->b = b;
			json_flush(o);
			b = o->b;
		}
	}
	o->b = b;
}

/* The counts, then the findings kept in the body file, then the end. */
static void json_finish(const struct zdm_report *r, struct out *o)
{
	if (o->body) {
		json_findings(r, o);
		json_flush(o);
	}
	printf("{\"files\": %zu, \"statements\": %zu, \"parse_errors\": %zu,\n \"findings\": [",
	       r->files, r->statements, r->parse_errors);
	if (!o->body) {
		/* no temporary file: every finding was kept for now */
		json_findings(r, o);
		json_flush(o);
	} else {
		char chunk[1 << 14];
		size_t k;
		fflush(o->body);
		rewind(o->body);
		while ((k = fread(chunk, 1, sizeof chunk, o->body)) > 0)
			fwrite(chunk, 1, k, stdout);
	}
	fputs(o->first ? "]}\n" : "\n ]}\n", stdout);
}

static const char *sarif_level(enum zdm_decision d)
{
	return d == ZDM_DECISION_DENY ? "error" : d == ZDM_DECISION_ASK ? "warning" : "note";
}

static void print_sarif(const struct zdm_report *r)
{
	json_t *rules = json_array(), *results = json_array();
	for (size_t i = 0; i < zdm_rules_count; i++) {
		const struct zdm_rule *rule = zdm_rules[i];
		json_t *o = json_pack("{s:s, s:{s:s}, s:{s:s}, s:{s:s}}",
				      "id", rule->id,
				      "shortDescription", "text", rule->message,
				      "help", "text", rule->help,
				      "defaultConfiguration", "level", sarif_level(rule->decision));
		json_object_set_new(o, "helpUri", json_sprintf("%s%s.md", ZDM_PAGE_DIR, rule->id));
		json_array_append_new(rules, o);
	}
	for (size_t i = 0; i < r->count; i++) {
		const struct zdm_finding *f = &r->items[i];
		if (f->allowed)
			continue;
		json_t *res = json_pack(
			"{s:s, s:s, s:{s:s}, s:[{s:{s:{s:s}, s:{s:i, s:i}}}]}",
			"ruleId", f->rule->id, "level", sarif_level(f->decision),
			"message", "text", f->message,
			"locations", "physicalLocation", "artifactLocation", "uri", f->file,
			"region", "startLine", f->line, "startColumn", f->col);
		if (res)
			json_array_append_new(results, res);
	}
	json_t *root = json_pack(
		"{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:o}}, s:o}]}",
		"$schema", "https://json.schemastore.org/sarif-2.1.0.json",
		"version", "2.1.0",
		"runs", "tool", "driver", "name", "zdm", "version", "0.1.0",
		"informationUri", "https://github.com/zdm-dev/zdm", "rules", rules,
		"results", results);
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	if (s) {
		puts(s);
		free(s);
	}
	json_decref(root);
}

/* GitHub workflow commands: property values escape %, \r, \n, ':' and ','. */
static void gh_escape(const char *s, int prop)
{
	for (; *s; s++) {
		switch (*s) {
		case '%': fputs("%25", stdout); break;
		case '\r': fputs("%0D", stdout); break;
		case '\n': fputs("%0A", stdout); break;
		case ':': fputs(prop ? "%3A" : ":", stdout); break;
		case ',': fputs(prop ? "%2C" : ",", stdout); break;
		default: putchar(*s);
		}
	}
}

static void print_github(const struct zdm_report *r)
{
	for (size_t i = 0; i < r->count; i++) {
		const struct zdm_finding *f = &r->items[i];
		if (f->allowed)
			continue;
		const char *cmd = f->decision == ZDM_DECISION_DENY ? "error" :
				  f->decision == ZDM_DECISION_ASK ? "warning" : "notice";
		printf("::%s file=", cmd);
		gh_escape(f->file, 1);
		printf(",line=%d,col=%d,title=", f->line, f->col);
		gh_escape(f->rule->id, 1);
		fputs("::", stdout);
		gh_escape(f->message, 0);
		fputs(" (", stdout);
		gh_escape(f->rule->help, 0);
		fputs(")\n", stdout);
	}
}

/* After each file: print its findings, then let them go. */
static void on_file(struct zdm_report *r, void *ctx)
{
	struct out *o = ctx;
	switch (o->fmt) {
	case FMT_TEXT: text_findings(r, o); break;
	case FMT_JSON: json_findings(r, o); break;
	case FMT_GITHUB: print_github(r); break;
	case FMT_SARIF: return;
	}
	zdm_report_drop(r);
}

static int parse_version(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

int cmd_lint(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "dialect", required_argument, NULL, 'd' },
		{ "pg-version", required_argument, NULL, 'p' },
		{ "mysql-version", required_argument, NULL, 'm' },
		{ "config", required_argument, NULL, 'c' },
		{ "strict", no_argument, NULL, 's' },
		{ "show-allowed", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum format fmt = FMT_TEXT;
	const char *dialect = NULL, *config = NULL;
	int pgv = 0, myv = 0, strict = 0, show_allowed = 0, ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:d:c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (strcmp(optarg, "text") == 0) fmt = FMT_TEXT;
			else if (strcmp(optarg, "json") == 0) fmt = FMT_JSON;
			else if (strcmp(optarg, "sarif") == 0) fmt = FMT_SARIF;
			else if (strcmp(optarg, "github") == 0) fmt = FMT_GITHUB;
			else {
				fprintf(stderr, "zdm lint: unknown format '%s' (expected text, json, sarif or github)\n", optarg);
				return ZDM_EXIT_USAGE;
			}
			break;
		case 'd': dialect = optarg; break;
		case 'p':
			if (parse_version(optarg, 9, 19, &pgv)) {
				fprintf(stderr, "zdm lint: bad --pg-version '%s' (expected 9 to 19)\n", optarg);
				return ZDM_EXIT_USAGE;
			}
			break;
		case 'm':
			if (parse_version(optarg, 5, 9, &myv)) {
				fprintf(stderr, "zdm lint: bad --mysql-version '%s' (expected 5 to 9)\n", optarg);
				return ZDM_EXIT_USAGE;
			}
			break;
		case 'c': config = optarg; break;
		case 's': strict = 1; break;
		case 'a': show_allowed = 1; break;
		case 'h':
			lint_usage(stdout);
			return 0;
		default:
			fputs("run 'zdm lint --help' for usage\n", stderr);
			return ZDM_EXIT_USAGE;
		}
	}

	struct zdm_config cfg;
	int rc = cli_load_config(config, &cfg);
	if (rc) {
		zdm_config_release(&cfg);
		return rc;
	}
	struct zdm_linter *l = zdm_linter_new(NULL);
	struct zdm_error err;
	zdm_error_clear(&err);
	if (zdm_config_apply(&cfg, l, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	/* Command-line options beat the config, which beats the database. */
	struct zdm_lint_opts o = *zdm_linter_opts(l);
	if (!dialect && !cfg.has_dialect)
		cli_project_dialect(&o.dialect);
	if (dialect && zdm_dialect_parse(dialect, &o.dialect)) {
		fprintf(stderr, "zdm lint: unknown dialect '%s' (expected postgres, mysql or sqlite)\n", dialect);
		rc = ZDM_EXIT_USAGE;
		goto out;
	}
	if (pgv)
		o.pg_version = pgv;
	if (myv)
		o.mysql_version = myv;
	zdm_linter_set_opts(l, &o);

	struct zdm_report rep = ZDM_REPORT_INIT;
	struct out out = { .fmt = fmt, .show_allowed = show_allowed, .b = ZDM_BUF_INIT, .first = 1 };
	/*
	 * JSON puts the counts first: the findings wait in a temporary file
	 * (in memory only if none can be made).
	 */
	if (fmt == FMT_JSON)
		out.body = tmpfile();
	if (fmt != FMT_SARIF && (fmt != FMT_JSON || out.body)) {
		rep.on_file = on_file;
		rep.on_file_ctx = &out;
	}
	const char *def = cfg.migrations_dir ? cfg.migrations_dir : "db/migrations";
	int io = 0;
	if (optind >= argc) {
		if (zdm_lint_path(l, def, &rep, &err))
			io = cli_fail(&err);
	}
	for (int i = optind; i < argc; i++) {
		zdm_error_clear(&err);
		if (zdm_lint_path(l, argv[i], &rep, &err))
			io = cli_fail(&err);
	}

	switch (fmt) {
	case FMT_TEXT: text_findings(&rep, &out); text_summary(&rep, &out); break;
	case FMT_JSON: json_finish(&rep, &out); break;
	case FMT_SARIF: print_sarif(&rep); break;
	case FMT_GITHUB: print_github(&rep); break;
	}
	if (out.body)
		fclose(out.body);
	zdm_buf_release(&out.b);
	enum zdm_decision max = zdm_report_max(&rep);
	if (io)
		rc = io;
	else if (max >= ZDM_DECISION_ASK || (strict && max >= ZDM_DECISION_WARN))
		rc = ZDM_EXIT_FINDINGS;
	zdm_report_release(&rep);
out:
	zdm_linter_free(l);
	zdm_config_release(&cfg);
	return rc;
}
