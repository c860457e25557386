/* SPDX-License-Identifier: MIT */
/*
 * cmd_backup.c - `zdm backup` and `zdm restore FILE` for SQLite, through
 * the online backup API (a consistent copy while others use the
 * database).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "zdm/db.h"
#include "zdm/util.h"

static void usage(FILE *f, const char *cmd)
{
	if (!strcmp(cmd, "backup"))
		fputs("usage: zdm backup [--out FILE]\n"
		      "\n"
		      "Copy the SQLite database with the online backup API (mode 0600).\n"
		      "Default FILE: db/backups/<name>-<UTC time>.bak next to the database.\n"
		      "PostgreSQL: pg_dump -Fc to FILE, or backups/<db>-<UTC time>.dump\n"
		      "next to the migrations dir.\n"
		      "\n"
		      "  -o, --out FILE           write the copy here\n", f);
	else
		fputs("usage: zdm restore FILE\n"
		      "\n"
		      "Replace the SQLite database's content with the backup FILE (online\n"
		      "backup API in reverse).  Take a backup first if in doubt.\n"
		      "\n", f);
	fputs(CLI_RUNNER_USAGE, f);
}

static int run(int argc, char **argv, int restore)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		CLI_RUNNER_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = restore ? "restore" : "backup";
	struct cli_runner r;
	const char *out = NULL;
	int ch, rc;

	memset(&r, 0, sizeof(r));
	zdm_config_init(&r.cfg);
	optind = 1;
	while ((ch = getopt_long(argc, argv, restore ? "h" : "o:h", opts, NULL)) != -1) {
		if (cli_runner_opt(&r, ch, optarg))
			continue;
		switch (ch) {
		case 'o': out = optarg; break;
		case 'h': usage(stdout, cmd); return 0;
		default:
			fprintf(stderr, "run 'zdm %s --help' for usage\n", cmd);
			return ZDM_EXIT_USAGE;
		}
	}
	if (restore ? optind + 1 != argc : optind != argc) {
		fprintf(stderr, restore ? "zdm restore: give the backup FILE\n"
				: "zdm backup: unexpected argument '%s'\n", argv[optind]);
		return ZDM_EXIT_USAGE;
	}
	if ((rc = cli_runner_open(&r, CLI_OPEN_DB)))
		goto done;
	const char *file = zdm_db_file(r.db);
	if (!restore && zdm_db_dialect(r.db) == ZDM_DIALECT_POSTGRES) {
		rc = cli_backup_pg(&r, out, 5, 0);
		goto done;
	}
	if (!file || !*file) {
		fprintf(stderr, "zdm %s: only SQLite database files can be restored here (for"
			" PostgreSQL use pg_restore); '%s' is not one\n", cmd, zdm_db_url(r.db));
		rc = ZDM_EXIT_USAGE;
		goto done;
	}
	struct zdm_error err;
	zdm_error_clear(&err);
	struct zdm_buf path = ZDM_BUF_INIT;
	if (restore) {
		if (zdm_db_restore(r.db, argv[optind], &err))
			rc = cli_fail(&err);
		else
			printf("restored %s from %s\n", file, argv[optind]);
	} else {
		if (out) {
			zdm_buf_adds(&path, out);
		} else {
			char *slash = strrchr(file, '/');
			struct timespec ts;
			struct tm tm;
			char stamp[40];
			clock_gettime(CLOCK_REALTIME, &ts);
			gmtime_r(&ts.tv_sec, &tm);
			strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
			if (slash)
				zdm_buf_addf(&path, "%.*s/backups", (int)(slash - file), file);
			else
				zdm_buf_adds(&path, "backups");
			mkdir(path.data, 0700);
			zdm_buf_addf(&path, "/%s-%s%03ldZ.bak", slash ? slash + 1 : file, stamp,
				     ts.tv_nsec / 1000000L);
		}
		if (zdm_db_backup(r.db, path.data, &err))
			rc = cli_fail(&err);
		else
			puts(path.data);
	}
	zdm_buf_release(&path);
done:
	cli_runner_close(&r);
	return rc;
}

int cmd_backup(int argc, char **argv)
{
	return run(argc, argv, 0);
}

int cmd_restore(int argc, char **argv)
{
	return run(argc, argv, 1);
}
