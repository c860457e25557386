/* SPDX-License-Identifier: MIT */
/*
 * cmd_backfill.c - `zdm backfill`: batched, resumable UPDATE by key range,
 * with a progress line on a TTY, JSON lines with --json, and Ctrl-C that
 * stops after the current batch.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "zdm/backfill.h"
#include "zdm/db.h"
#include "zdm/util.h"

static volatile sig_atomic_t stop_flag;

static void on_sigint(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void backfill_usage(FILE *f)
{
	fputs("usage: zdm backfill --table T --set \"col = expr\" [options]\n"
	      "\n"
	      "Update a table's rows in batches by key range, each batch its own short\n"
	      "transaction, resumable: the last key done is kept in zdm_backfills and a\n"
	      "rerun continues after it.\n"
	      "\n"
	      "  --table T              the table ([schema.]name; quoted by zdm)\n"
	      "  --set \"col = expr\"     the assignment\n"
	      "  --where COND           only rows that still need it (makes reruns harmless)\n"
	      "  --key COL              unique, indexed key to walk (default id; SQLite: rowid works)\n"
	      "  --batch N              first batch size (default 1000, or backfill.batch_size)\n"
	      "  --min-batch N, --max-batch N   bounds of the adaptive size (10, 50000)\n"
	      "  --max-batch-time D     target time per batch (default PostgreSQL 20ms,\n"
	      "                         SQLite 2.5ms; 0: fixed size)\n"
	      "  --sleep D              pause between batches (default backfill.sleep, else\n"
	      "                         PostgreSQL 0, SQLite 2.5ms or more: a gap that a writer\n"
	      "                         polling in SQLite's busy handler cannot miss)\n"
	      "  --max-lag D            PostgreSQL: pause while replicas lag more (default 5s)\n"
	      "  --max-lock-waiters N   PostgreSQL: pause while more sessions wait on locks (5)\n"
	      "  --restart              forget the checkpoint and start from the first key\n"
	      "  --url URL              database (default DATABASE_URL, else sqlite:db/development.sqlite3)\n"
	      "  --dry-run              print the batch statement and the first ranges\n"
	      "  --json                 one JSON object per batch on stdout\n"
	      "  --config FILE          read FILE instead of the .zdm.yml found\n"
	      "\n"
	      "exit: 0 done, 1 stopped by Ctrl-C (rerun to continue), 2 usage, 3 database error\n", f);
}

struct view {
	int json, tty;
	double last_draw;
};

static void fmt_eta(char *out, size_t n, double s)
{
	if (s < 0 || s > 1e7)
		snprintf(out, n, "?");
	else if (s >= 3600)
		snprintf(out, n, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
	else if (s >= 60)
		snprintf(out, n, "%dm%02ds", (int)(s / 60), (int)s % 60);
	else
		snprintf(out, n, "%.0fs", s);
}

static void on_progress(void *ctx, const struct zdm_backfill_progress *p)
{
	struct view *v = ctx;
	if (v->json) {
		struct zdm_buf b = ZDM_BUF_INIT;
		zdm_buf_addf(&b, "{\"event\": \"%s\", \"rows_scanned\": %lld, \"rows_updated\": %lld, \"total_est\": %lld, "
			     "\"batches\": %lld, \"batch\": %ld, \"batch_ms\": %ld, \"rate\": %.0f, \"elapsed_s\": %.3f",
			     p->paused ? "paused" : "batch", p->rows_scanned, p->rows_updated, p->total_est,
			     p->batches, p->batch, p->batch_ms, p->rate, p->elapsed_s);
		if (p->last_key) {
			zdm_buf_adds(&b, ", \"last_key\": ");
			zdm_buf_add_json_str(&b, p->last_key, strlen(p->last_key));
		}
		if (p->paused) {
			zdm_buf_adds(&b, ", \"reason\": ");
			zdm_buf_add_json_str(&b, p->paused, strlen(p->paused));
		}
		zdm_buf_adds(&b, "}\n");
		fwrite(b.data, 1, b.len, stdout);
		fflush(stdout);
		zdm_buf_release(&b);
		return;
	}
	if (!v->tty)
		return;
	if (!p->paused && p->elapsed_s - v->last_draw < 0.1)
		return;
	v->last_draw = p->elapsed_s;
	char eta[32];
	long long left = p->total_est > 0 ? p->total_est - p->rows_scanned : -1;
	fmt_eta(eta, sizeof eta, left >= 0 && p->rate > 0 ? (double)left / p->rate : -1);
	double pct = p->total_est > 0 ? 100.0 * (double)p->rows_scanned / (double)p->total_est : 0;
	if (pct > 100)
		pct = 100;
	if (p->paused)
		fprintf(stderr, "\r\033[Kpaused: %s", p->paused);
	else
		fprintf(stderr, "\r\033[K%5.1f%%  %lld/%lld rows, %lld updated, %.0f rows/s, ETA %s, batch %ld (%ld ms)",
			pct, p->rows_scanned, p->total_est, p->rows_updated, p->rate, eta, p->batch, p->batch_ms);
	fflush(stderr);
}

static long duration(const char *opt, const char *s, int *bad)
{
	long v = zdm_parse_duration_ms(s);
	if (v < 0) {
		fprintf(stderr, "zdm backfill: bad %s '%s' (expected e.g. 20ms, 1s)\n", opt, s);
		*bad = 1;
	}
	return v;
}

static long number(const char *opt, const char *s, int *bad)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v <= 0) {
		fprintf(stderr, "zdm backfill: bad %s '%s' (expected a positive number)\n", opt, s);
		*bad = 1;
	}
	return v;
}

int cmd_backfill(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "table", required_argument, NULL, 't' },
		{ "set", required_argument, NULL, 's' },
		{ "where", required_argument, NULL, 'w' },
		{ "key", required_argument, NULL, 'k' },
		{ "batch", required_argument, NULL, 'b' },
		{ "min-batch", required_argument, NULL, 'L' },
		{ "max-batch", required_argument, NULL, 'H' },
		{ "max-batch-time", required_argument, NULL, 'T' },
		{ "sleep", required_argument, NULL, 'S' },
		{ "max-lag", required_argument, NULL, 'g' },
		{ "max-lock-waiters", required_argument, NULL, 'W' },
		{ "restart", no_argument, NULL, 'r' },
		{ "url", required_argument, NULL, 'u' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct zdm_backfill_opts o;
	memset(&o, 0, sizeof o);
	o.target_ms = -1;	/* the library's default for the database */
	o.sleep_ms = -1;	/* config, else the library's default */
	const char *url = NULL, *config = NULL;
	int json = 0, bad = 0, ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:s:w:k:b:u:nh", opts, NULL)) != -1) {
		switch (ch) {
		case 't': o.table = optarg; break;
		case 's': o.set = optarg; break;
		case 'w': o.where = optarg; break;
		case 'k': o.key = optarg; break;
		case 'b': o.batch = number("--batch", optarg, &bad); break;
		case 'L': o.min_batch = number("--min-batch", optarg, &bad); break;
		case 'H': o.max_batch = number("--max-batch", optarg, &bad); break;
		case 'T': o.target_ms = duration("--max-batch-time", optarg, &bad); break;
		case 'S': o.sleep_ms = duration("--sleep", optarg, &bad); break;
		case 'g': o.max_lag_ms = duration("--max-lag", optarg, &bad); break;
		case 'W': o.max_lock_waiters = number("--max-lock-waiters", optarg, &bad); break;
		case 'r': o.restart = 1; break;
		case 'u': url = optarg; break;
		case 'n': o.dry_run = 1; break;
		case 'j': json = 1; break;
		case 'c': config = optarg; break;
		case 'h':
			backfill_usage(stdout);
			return 0;
		default:
			bad = 1;
		}
	}
	if (bad || optind < argc || !o.table || !o.set) {
		if (!bad && (!o.table || !o.set))
			fputs("zdm backfill: --table and --set are required\n", stderr);
		else if (!bad)
			fprintf(stderr, "zdm backfill: unexpected argument '%s'\n", argv[optind]);
		fputs("run 'zdm backfill --help' for usage\n", stderr);
		return ZDM_EXIT_USAGE;
	}
	struct zdm_config cfg;
	int rc = cli_load_config(config, &cfg);
	if (rc) {
		zdm_config_release(&cfg);
		return rc;
	}
	if (!o.batch && cfg.batch_size > 0)
		o.batch = cfg.batch_size;
	if (o.sleep_ms < 0 && cfg.sleep_ms >= 0)
		o.sleep_ms = cfg.sleep_ms;
	zdm_config_release(&cfg);

	struct zdm_error err;
	zdm_error_clear(&err);
	char warn[1024];
	int nwarn = 0;
	if (zdm_backfill_check(&o, warn, sizeof warn, &nwarn, &err))
		return cli_fail(&err);
	if (nwarn) {
		char *s = warn, *nl;
		while (*s && (nl = strchr(s, '\n'))) {
			fprintf(stderr, "zdm backfill: warning: %.*s\n", (int)(nl - s), s);
			s = nl + 1;
		}
	}

	struct zdm_db *db = NULL;
	if (zdm_db_open(url, &db, &err))
		return cli_fail(&err);

	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	stop_flag = 0;
	o.stop = &stop_flag;

	struct view v = { json, !json && isatty(STDERR_FILENO), -1 };
	struct zdm_backfill_result res;
	enum zdm_status st = zdm_backfill_run(db, &o, &on_progress, &v, &res, &err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (v.tty)
		fputs("\r\033[K", stderr);

	if (o.dry_run && !st) {
		printf("-- batch statement (each batch its own transaction, with the checkpoint %s in zdm_backfills):\n%s;\n",
		       res.id, res.statement);
		printf("-- first batch: the same without \"key > $1\" and with $1 as the upper key\n");
		printf("-- estimated rows: %lld%s\n", res.total_est, res.resumed ? " (resuming from the checkpoint)" : "");
		for (size_t i = 0; i < res.nranges; i++)
			printf("-- range %zu: (%s, %s]\n", i + 1, res.ranges[i][0][0] ? res.ranges[i][0] : "start",
			       res.ranges[i][1]);
		if (!res.nranges)
			printf("-- nothing to do: no key after the checkpoint\n");
	} else if (st) {
		rc = cli_fail(&err);
		fprintf(stderr, "zdm backfill: %lld rows updated before the failure; the checkpoint keeps the last committed batch: rerun to continue\n",
			res.rows_updated);
	} else if (json) {
		printf("{\"event\": \"%s\", \"id\": \"%s\", \"rows_scanned\": %lld, \"rows_updated\": %lld, \"batches\": %lld, \"elapsed_s\": %.3f, \"resumed\": %s}\n",
		       res.stopped ? "stopped" : "done", res.id, res.rows_scanned, res.rows_updated, res.batches,
		       res.elapsed_s, res.resumed ? "true" : "false");
	} else {
		printf("zdm backfill: %s: %lld rows scanned, %lld updated, %lld batches in %.2f s%s\n",
		       res.stopped ? "stopped" : "done", res.rows_scanned, res.rows_updated, res.batches,
		       res.elapsed_s, res.resumed ? " (resumed from the checkpoint)" : "");
		if (res.stopped)
			printf("zdm backfill: rerun the same command to continue\n");
	}
	if (!st && res.stopped)
		rc = ZDM_EXIT_FINDINGS;
	zdm_backfill_result_release(&res);
	zdm_db_free(db);
	return rc;
}
