/* SPDX-License-Identifier: MIT */
/*
 * cmd_status.c - `zdm status`: which migrations are applied, pending,
 * applied but missing their file, or edited after they were applied.
 *
 * Reads only: never creates the history tables.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "zdm/db.h"
#include "zdm/migrate.h"
#include "zdm/util.h"

static void usage(FILE *f)
{
	fputs("usage: zdm status [--json] [--exit-code]\n"
	      "\n"
	      "List migrations: applied, pending, missing (applied, file gone),\n"
	      "modified (file edited after it was applied), partial (a\n"
	      "transaction:false migration that stopped part way).\n"
	      "\n"
	      "      --json               one JSON object\n"
	      "      --exit-code          exit 1 when something is pending, 5 when a\n"
	      "                           file was modified after it was applied\n"
	      "  -q, --quiet              only the summary line\n"
	      CLI_RUNNER_USAGE, f);
}

static void json_item(struct zdm_buf *b, int *first, const char *state,
		      const char *version, const char *name, const char *path,
		      const char *applied_at)
{
	zdm_buf_adds(b, *first ? "\n  {" : ",\n  {");
	*first = 0;
	zdm_buf_adds(b, "\"state\":");
	zdm_buf_add_json_str(b, state, strlen(state));
	zdm_buf_adds(b, ",\"version\":");
	zdm_buf_add_json_str(b, version, strlen(version));
	if (name) {
		zdm_buf_adds(b, ",\"name\":");
		zdm_buf_add_json_str(b, name, strlen(name));
	}
	if (path) {
		zdm_buf_adds(b, ",\"file\":");
		zdm_buf_add_json_str(b, path, strlen(path));
	}
	if (applied_at) {
		zdm_buf_adds(b, ",\"applied_at\":");
		zdm_buf_add_json_str(b, applied_at, strlen(applied_at));
	}
	zdm_buf_addc(b, '}');
}

int cmd_status(int argc, char **argv)
{
	enum { O_JSON = 0x200, O_EXIT };
	static const struct option opts[] = {
		{ "json", no_argument, NULL, O_JSON },
		{ "exit-code", no_argument, NULL, O_EXIT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		CLI_RUNNER_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_runner r;
	int ch, json = 0, exit_code = 0, quiet = 0, rc;

	memset(&r, 0, sizeof(r));
	zdm_config_init(&r.cfg);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		if (cli_runner_opt(&r, ch, optarg))
			continue;
		switch (ch) {
		case O_JSON: json = 1; break;
		case O_EXIT: exit_code = 1; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		default:
			fputs("run 'zdm status --help' for usage\n", stderr);
			return ZDM_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "zdm status: unexpected argument '%s'\n", argv[optind]);
		return ZDM_EXIT_USAGE;
	}
	if ((rc = cli_runner_open(&r, CLI_LOAD_FILES | CLI_READ_HISTORY)))
		goto out;

	size_t applied = 0, pending = 0, missing = 0, modified = 0, partial = 0;
	struct zdm_buf b = ZDM_BUF_INIT;
	int first = 1;
	size_t i = 0, k = 0;
	/* Merge the two sorted lists: files and applied versions. */
	while (i < r.set.count || k < r.hist.count) {
		const struct zdm_migration *m = i < r.set.count ? &r.set.items[i] : NULL;
		const struct zdm_applied *a = k < r.hist.count ? &r.hist.items[k] : NULL;
		int c = !m ? 1 : !a ? -1 : zdm_version_cmp(m->version, a->version);
		const char *state;
		if (c < 0) {
			long part = zdm_history_partial(&r.hist, m->version, m->checksum);
			state = part ? "partial" : "pending";
			if (part)
				partial++;
			pending++;
			if (json)
				json_item(&b, &first, state, m->version, m->name, m->path, NULL);
			else if (!quiet)
				zdm_buf_addf(&b, "%-9s %s_%s%s\n", state, m->version, m->name,
					     part ? " (stopped part way; zdm up resumes it)" : "");
			i++;
		} else if (c > 0) {
			missing++;
			if (json)
				json_item(&b, &first, "missing", a->version, a->name, NULL, a->applied_at);
			else if (!quiet)
				zdm_buf_addf(&b, "%-9s %s%s%s (applied, but no file in %s)\n", "missing",
					     a->version, a->name ? "_" : "", a->name ? a->name : "", r.dir);
			k++;
		} else {
			int mod = a->checksum && strcmp(a->checksum, m->checksum);
			state = mod ? "modified" : "applied";
			applied++;
			if (mod)
				modified++;
			if (json)
				json_item(&b, &first, state, m->version, m->name, m->path, a->applied_at);
			else if (!quiet)
				zdm_buf_addf(&b, "%-9s %s_%s%s%s\n", state, m->version, m->name,
					     a->applied_at ? "  " : "", a->applied_at ? a->applied_at : "");
			i++;
			k++;
		}
	}
	char red[512];
	if (r.db)
		snprintf(red, sizeof(red), "%s", zdm_db_url(r.db));
	else
		zdm_db_redact_url(zdm_db_default_url(r.url), red, sizeof(red));
	const char *where = red;
	if (json) {
		printf("{\"database\":");
		fflush(stdout);
		struct zdm_buf h = ZDM_BUF_INIT;
		zdm_buf_add_json_str(&h, where, strlen(where));
		printf("%s,\"applied\":%zu,\"pending\":%zu,\"missing\":%zu,\"modified\":%zu,"
		       "\"partial\":%zu,\"migrations\":[%s%s]}\n", h.data, applied, pending, missing,
		       modified, partial, b.data ? b.data : "", first ? "" : "\n");
		zdm_buf_release(&h);
	} else {
		if (b.data)
			fputs(b.data, stdout);
		printf("%zu applied, %zu pending, %zu missing, %zu modified (%s%s)\n", applied, pending,
		       missing, modified, where, r.missing_db ? ": no database yet" : "");
	}
	zdm_buf_release(&b);
	if (exit_code)
		rc = modified ? ZDM_EXIT_CHECKSUM : pending ? ZDM_EXIT_FINDINGS : 0;
out:
	cli_runner_close(&r);
	return rc;
}
