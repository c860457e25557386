/* SPDX-License-Identifier: MIT */
/*
 * cmd_plan.c - `zdm plan RECIPE ARGS`: write the phased migrations of a
 * change into the migrations dir and print the steps between them.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "zdm/lint.h"
#include "zdm/plan.h"

static void plan_usage(FILE *f)
{
	fputs("usage: zdm plan RECIPE ARGS [options]\n"
	      "\n"
	      "Write the migrations that make a change without downtime, each with its\n"
	      "down section, and print the deploy steps between them.\n"
	      "\n"
	      "recipes:\n"
	      "  add-column T C TYPE [--not-null] [--default V]   (alias add-not-null-column)\n"
	      "  rename-column T OLD NEW [--type TYPE]\n"
	      "  change-type T C NEWTYPE [--using EXPR] [--new-name N] [--type OLDTYPE]\n"
	      "  add-index T COLS [--unique] [--name N]          COLS: a or a,b\n"
	      "  drop-column T C [--type TYPE]\n"
	      "  add-foreign-key T C REFTABLE [REFCOL] [--name N]\n"
	      "  add-unique T COLS [--name N]\n"
	      "  rename-table OLD NEW\n"
	      "\n"
	      "  --migrations-dir DIR  where to write (default: config, else db/migrations)\n"
	      "  --dialect D           postgres, sqlite (mysql: not supported yet); default:\n"
	      "                        .zdm.yml's, else the database's (as zdm lint)\n"
	      "  --pg-version N        target PostgreSQL major version (default 15)\n"
	      "  --dry-run             print the files instead of writing them\n"
	      "  --config FILE         read FILE instead of the .zdm.yml found\n"
	      "\n"
	      "Apply the migrations one phase at a time (zdm up --to VERSION), shipping\n"
	      "each deploy step in between.\n", f);
}

static const char *kind_label(enum zdm_plan_kind k)
{
	switch (k) {
	case ZDM_PLAN_MIGRATION: return "migration";
	case ZDM_PLAN_DEPLOY: return "deploy";
	case ZDM_PLAN_BACKFILL: return "backfill";
	case ZDM_PLAN_CHECK: return "check";
	default: return "note";
	}
}

static void print_indented(const char *text, const char *pad)
{
	const char *s = text;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		printf("%s%.*s\n", pad, (int)n, s);
		s += n + (nl ? 1 : 0);
	}
}

int cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "migrations-dir", required_argument, NULL, 'm' },
		{ "dialect", required_argument, NULL, 'd' },
		{ "pg-version", required_argument, NULL, 'p' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "not-null", no_argument, NULL, 'N' },
		{ "default", required_argument, NULL, 'D' },
		{ "using", required_argument, NULL, 'u' },
		{ "unique", no_argument, NULL, 'U' },
		{ "name", required_argument, NULL, 'a' },
		{ "type", required_argument, NULL, 't' },
		{ "new-name", required_argument, NULL, 'w' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct zdm_plan_req req;
	memset(&req, 0, sizeof req);
	const char *dir = NULL, *dialect = NULL, *config = NULL;
	int dry = 0, ch;
	optind = 1;
	/* "+" would stop at the recipe; options may come anywhere, as in git. */
	while ((ch = getopt_long(argc, argv, "m:d:nh", opts, NULL)) != -1) {
		switch (ch) {
		case 'm': dir = optarg; break;
		case 'd': dialect = optarg; break;
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 9 || v > 19) {
				fprintf(stderr, "zdm plan: bad --pg-version '%s' (expected 9 to 19)\n", optarg);
				return ZDM_EXIT_USAGE;
			}
			req.pg_version = (int)v;
			break;
		}
		case 'n': dry = 1; break;
		case 'N': req.not_null = 1; break;
		case 'D': req.default_expr = optarg; break;
		case 'u': req.using_expr = optarg; break;
		case 'U': req.unique = 1; break;
		case 'a': req.name = optarg; break;
		case 't': req.type = optarg; break;
		case 'w': req.new_name = optarg; break;
		case 'c': config = optarg; break;
		case 'h':
			plan_usage(stdout);
			return 0;
		default:
			fputs("run 'zdm plan --help' for usage\n", stderr);
			return ZDM_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		plan_usage(stderr);
		return ZDM_EXIT_USAGE;
	}
	struct zdm_config cfg;
	int rc = cli_load_config(config, &cfg);
	if (rc) {
		zdm_config_release(&cfg);
		return rc;
	}
	req.dialect = ZDM_DIALECT_POSTGRES;
	if (cfg.has_dialect)
		req.dialect = cfg.dialect;
	else
		cli_project_dialect(&req.dialect);
	if (!req.pg_version)
		req.pg_version = cfg.pg_version;
	if (dialect && zdm_dialect_parse(dialect, &req.dialect)) {
		fprintf(stderr, "zdm plan: unknown dialect '%s' (expected postgres, mysql or sqlite)\n", dialect);
		zdm_config_release(&cfg);
		return ZDM_EXIT_USAGE;
	}
	if (!dir)
		dir = cfg.migrations_dir ? cfg.migrations_dir : "db/migrations";
	req.recipe = argv[optind];
	req.args = (const char *const *)argv + optind + 1;
	req.nargs = (size_t)(argc - optind - 1);

	struct zdm_plan plan = ZDM_PLAN_INIT;
	struct zdm_error err;
	zdm_error_clear(&err);
	if (zdm_plan_build(&req, &plan, &err) || zdm_plan_assign(&plan, dir, time(NULL), &err) ||
	    (!dry && zdm_plan_write(&plan, &err))) {
		rc = cli_fail(&err);
		goto out;
	}

	if (req.dialect == ZDM_DIALECT_POSTGRES)
		printf("zdm plan: %s (postgres %d)\n\n", plan.title,
		       req.pg_version ? req.pg_version : ZDM_PG_VERSION_DEFAULT);
	else
		printf("zdm plan: %s (%s)\n\n", plan.title, zdm_dialect_name(req.dialect));
	int n = 0;
	for (size_t i = 0; i < plan.nsteps; i++) {
		const struct zdm_plan_step *s = &plan.steps[i];
		if (s->kind == ZDM_PLAN_NOTE) {
			printf("    note: %s\n", s->summary);
			continue;
		}
		printf("%2d. %-9s %s\n", ++n, kind_label(s->kind), s->summary);
		switch (s->kind) {
		case ZDM_PLAN_MIGRATION:
			printf("    %s %s\n", dry ? "would write" : "wrote", s->file);
			printf("    apply: zdm up --to %s\n", s->version);
			if (dry) {
				putchar('\n');
				print_indented(s->text, "    | ");
			}
			break;
		case ZDM_PLAN_BACKFILL:
			print_indented(s->text, "    $ ");
			break;
		case ZDM_PLAN_CHECK:
			print_indented(s->text, "      ");
			break;
		default:
			break;
		}
		putchar('\n');
	}
out:
	zdm_plan_release(&plan);
	zdm_config_release(&cfg);
	return rc;
}
