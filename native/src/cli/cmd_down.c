/* SPDX-License-Identifier: MIT */
/*
 * cmd_down.c - `zdm down`: roll back applied migrations, newest first,
 * by running their down sections.
 *
 * A migration whose down section is empty is refused unless --force:
 * rolling it back would only forget that it was applied and leave its
 * changes in place.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "zdm/db.h"
#include "zdm/migrate.h"
#include "zdm/util.h"

static void usage(FILE *f)
{
	fputs("usage: zdm down [-n N | --to V] [--force] [--dry-run]\n"
	      "\n"
	      "Roll back applied migrations newest first by running their down\n"
	      "sections (default: the newest one).\n"
	      "\n"
	      "  -n, --steps N             roll back the newest N\n"
	      "      --to V                roll back everything newer than version V\n"
	      "      --force               also roll back migrations with an empty down\n"
	      "                            section (only their history record goes)\n"
	      "      --dry-run             print what would run; touch nothing\n"
	      "      --lock-retries N      retries after a lock timeout (default: config, 5)\n"
	      "      --wait-timeout D      wait for another runner this long (default 60s)\n"
	      CLI_RUNNER_USAGE
	      "\n"
	      "exit: 0 ok, 1 refused or failed, 2 usage, 3 database/I/O, 4 lock timeout\n", f);
}

int cmd_down(int argc, char **argv)
{
	enum { O_TO = 0x200, O_FORCE, O_RETRIES, O_WAIT };
	static const struct option opts[] = {
		{ "steps", required_argument, NULL, 'n' },
		{ "to", required_argument, NULL, O_TO },
		{ "force", no_argument, NULL, O_FORCE },
		{ "dry-run", no_argument, NULL, 'd' },
		{ "lock-retries", required_argument, NULL, O_RETRIES },
		{ "wait-timeout", required_argument, NULL, O_WAIT },
		{ "help", no_argument, NULL, 'h' },
		CLI_RUNNER_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_runner r;
	const char *to = NULL;
	long steps = -1, retries = -1, wait_ms = 60000;
	int force = 0, dry = 0, ch, rc;
	char *e;

	memset(&r, 0, sizeof(r));
	zdm_config_init(&r.cfg);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "n:dh", opts, NULL)) != -1) {
		if (cli_runner_opt(&r, ch, optarg))
			continue;
		switch (ch) {
		case 'n':
			steps = strtol(optarg, &e, 10);
			if (*e || steps < 1) {
				fprintf(stderr, "zdm down: -n wants a positive number, not '%s'\n", optarg);
				return ZDM_EXIT_USAGE;
			}
			break;
		case O_TO: to = optarg; break;
		case O_FORCE: force = 1; break;
		case 'd': dry = 1; break;
		case O_RETRIES:
			retries = strtol(optarg, &e, 10);
			if (*e || retries < 0) {
				fprintf(stderr, "zdm down: bad --lock-retries '%s'\n", optarg);
				return ZDM_EXIT_USAGE;
			}
			break;
		case O_WAIT:
			if ((wait_ms = zdm_parse_duration_ms(optarg)) < 0) {
				fprintf(stderr, "zdm down: bad duration '%s'\n", optarg);
				return ZDM_EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return 0;
		default:
			fputs("run 'zdm down --help' for usage\n", stderr);
			return ZDM_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "zdm down: unexpected argument '%s'\n", argv[optind]);
		return ZDM_EXIT_USAGE;
	}
	if (steps > 0 && to) {
		fputs("zdm down: give -n or --to, not both\n", stderr);
		return ZDM_EXIT_USAGE;
	}
	if (to && (!*to || strspn(to, "0123456789") != strlen(to))) {
		fprintf(stderr, "zdm down: --to wants a version (digits), not '%s'\n", to);
		return ZDM_EXIT_USAGE;
	}
	if (steps < 0 && !to)
		steps = 1;

	/*
	 * A dry run only reads, and a database that does not exist has
	 * nothing to roll back: neither creates one.
	 */
	int reading = dry || !zdm_db_exists(r.url);
	if ((rc = cli_runner_open(&r, CLI_LOAD_FILES | (reading ? CLI_READ_HISTORY : CLI_OPEN_DB))))
		goto out;
	struct zdm_error err;
	zdm_error_clear(&err);
	if (r.db)
		zdm_db_set_wait(r.db, wait_ms);
	if (!reading && zdm_db_lock(r.db, "zdm_migrations", &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	if (!reading && zdm_history_read(r.db, &r.hist, &err)) {
		fprintf(stderr, "zdm: cannot read the migration history: %s\n", err.msg);
		rc = ZDM_EXIT_IO;
		goto out;
	}

	/* The applied migrations to roll back, newest first. */
	struct zdm_migration **list = zdm_xcalloc(r.hist.count + 1, sizeof(*list));
	size_t n = 0;
	for (size_t i = r.hist.count; i-- > 0;) {
		const struct zdm_applied *a = &r.hist.items[i];
		if (to && zdm_version_cmp(a->version, to) <= 0)
			break;
		if (steps > 0 && (long)n >= steps)
			break;
		struct zdm_migration *m = zdm_migration_find(&r.set, a->version);
		if (!m) {
			fprintf(stderr, "zdm down: %s is applied but its file is not in '%s': cannot roll it back\n",
				a->version, r.dir);
			rc = ZDM_EXIT_IO;
			free(list);
			goto out;
		}
		if (a->checksum && strcmp(a->checksum, m->checksum)) {
			fprintf(stderr, "zdm: %s was edited after it was applied; its down section may not match"
				" what was applied\n", m->path);
			rc = ZDM_EXIT_CHECKSUM;
			free(list);
			goto out;
		}
		if (m->down.empty && !force) {
			fprintf(stderr, "zdm down: %s has an empty down section: rolling it back would only"
				" forget that it was applied and leave its changes in place\n"
				"  (write the down section, or use --force to drop the history record anyway)\n",
				m->path);
			rc = ZDM_EXIT_FINDINGS;
			free(list);
			goto out;
		}
		list[n++] = m;
	}
	if (!n) {
		puts("nothing to roll back");
		free(list);
		goto out;
	}
	if (dry) {
		for (size_t i = 0; i < n; i++)
			printf("-- down %s_%s\n%.*s\n", list[i]->version, list[i]->name,
			       (int)list[i]->down.len, list[i]->down.text);
		free(list);
		goto out;
	}
	struct cli_apply_opts ao;
	cli_apply_defaults(&r, &ao);
	ao.dir = ZDM_DOWN;
	if (retries >= 0)
		ao.lock_retries = (int)retries;
	srand((unsigned)getpid());
	size_t done = 0;
	printf("rolling back %zu migration%s on %s\n", n, n == 1 ? "" : "s", zdm_db_url(r.db));
	for (size_t i = 0; i < n; i++) {
		ao.pos = i + 1;
		ao.total = n;
		if ((rc = cli_apply(&r, r.db, list[i], &ao, NULL)))
			break;
		done++;
	}
	printf("%zu of %zu rolled back\n", done, n);
	free(list);
out:
	if (r.db)
		zdm_db_unlock(r.db);
	cli_runner_close(&r);
	return rc;
}
