/* SPDX-License-Identifier: MIT */
/*
 * cmd_up.c - `zdm up`: apply pending migrations, safely by default.
 *
 * The lint gate first (a deny-level finding stops the run before
 * anything is applied), then a SQLite backup, then one migration at a
 * time under zdm's lock, each in its own transaction unless the file
 * opts out, with lock_timeout, retries with jittered backoff on lock
 * timeouts, and a report of the session that blocks a waiting statement.
 *
 * This file also holds what the runner commands share (cli.h: "The
 * runner commands"): opening the project, checksums, and running one
 * migration with retries.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <pthread.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "zdm/db.h"
#include "zdm/lint.h"
#include "zdm/migrate.h"
#include "zdm/util.h"

/* ---- shared by the runner commands ------------------------------------ */

int cli_runner_opt(struct cli_runner *r, int ch, const char *arg)
{
	switch (ch) {
	case CLI_OPT_URL: r->url = arg; return 1;
	case CLI_OPT_DIR: r->dir = arg; return 1;
	case CLI_OPT_CONFIG: r->config = arg; return 1;
	default: return 0;
	}
}

struct load_job {
	const char *dir;
	struct zdm_migration_set *set;
	struct zdm_error err;
	enum zdm_status st;
};

static void *load_files(void *arg)
{
	struct load_job *j = arg;
	j->st = zdm_migrations_load(j->dir, j->set, &j->err);
	return NULL;
}

/* The database part of cli_runner_open: 0, or the exit code with msg set. */
static int open_db(struct cli_runner *r, int flags, char *msg, size_t size)
{
	struct zdm_error err;

	zdm_error_clear(&err);
	if (!(flags & CLI_OPEN_DB) && !zdm_db_exists(r->url)) {
		/* Reading only: a database that does not exist has nothing applied. */
		r->missing_db = 1;
		return 0;
	}
	if (zdm_db_open(r->url, &r->db, &err)) {
		snprintf(msg, size, "zdm: %s\n", err.msg);
		return ZDM_EXIT_IO;   /* unknown scheme too: DESIGN.md exit 3 */
	}
	zdm_db_whoami(r->db, r->who, sizeof(r->who));
	if ((flags & CLI_READ_HISTORY) && zdm_history_read(r->db, &r->hist, &err)) {
		snprintf(msg, size, "zdm: cannot read the migration history of '%s': %s\n",
			 zdm_db_url(r->db), err.msg);
		return ZDM_EXIT_IO;
	}
	return 0;
}

int cli_runner_open(struct cli_runner *r, int flags)
{
	struct load_job job = { 0 };
	pthread_t tid;
	char msg[1024] = "";
	int rc, threaded = 0, want_db = flags & (CLI_OPEN_DB | CLI_READ_HISTORY);

	if ((rc = cli_load_config(r->config, &r->cfg)))
		return rc;
	if (!r->dir)
		r->dir = r->cfg.migrations_dir ? r->cfg.migrations_dir : "db/migrations";
	if (flags & CLI_LOAD_FILES) {
		job.dir = r->dir;
		job.set = &r->set;
		zdm_error_clear(&job.err);
		/*
		 * Read the files while the database opens: SQLite parses the
		 * whole schema on first use and PostgreSQL needs a round trip
		 * or two, and reading 1,000 files is mostly system calls, so
		 * the two overlap (zdm status, 1,000 applied: about 3 ms less).
		 * Not when opening would create the database: a run that
		 * fails on its files must leave no new database behind.
		 */
		threaded = want_db && (!(flags & CLI_OPEN_DB) || zdm_db_exists(r->url)) &&
			   pthread_create(&tid, NULL, load_files, &job) == 0;
		if (!threaded && (load_files(&job), job.st)) {
			fprintf(stderr, "zdm: %s\n", job.err.msg);
			return ZDM_EXIT_IO;
		}
	}
	if (want_db)
		rc = open_db(r, flags, msg, sizeof(msg));
	if (threaded) {
		pthread_join(tid, NULL);
		/* The files' error first, as when they were read first. */
		if (job.st) {
			fprintf(stderr, "zdm: %s\n", job.err.msg);
			return ZDM_EXIT_IO;
		}
	}
	if (rc)
		fputs(msg, stderr);
	return rc;
}

void cli_runner_close(struct cli_runner *r)
{
	zdm_history_release(&r->hist);
	zdm_migration_set_release(&r->set);
	zdm_db_free(r->db);
	r->db = NULL;
	zdm_config_release(&r->cfg);
}

size_t cli_report_checksums(struct cli_runner *r, FILE *f)
{
	size_t n = 0;
	for (size_t i = 0; i < r->set.count; i++) {
		const struct zdm_migration *m = &r->set.items[i];
		const struct zdm_applied *a = zdm_history_find(&r->hist, m->version);
		if (!a || !a->checksum || !strcmp(a->checksum, m->checksum))
			continue;
		if (f)
			fprintf(f, "zdm: %s was edited after it was applied (checksum %s, applied %s)\n",
				m->path, m->checksum, a->checksum);
		n++;
	}
	return n;
}

void cli_apply_defaults(const struct cli_runner *r, struct cli_apply_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->lock_timeout_ms = r->cfg.lock_timeout_ms >= 0 ? r->cfg.lock_timeout_ms : 2000;
	o->statement_timeout_ms = r->cfg.statement_timeout_ms >= 0 ? r->cfg.statement_timeout_ms : 0;
	o->lock_retries = r->cfg.lock_retries >= 0 ? r->cfg.lock_retries : 5;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* While a statement waits: who blocks it (at most once a second). */
static void report_blockers(void *ctx, struct zdm_db *db, long elapsed_ms)
{
	struct zdm_rows r;
	struct zdm_error e;
	(void)ctx;
	if (zdm_db_blockers(db, &r, &e))
		return;
	for (size_t i = 0; i < r.nrows; i++) {
		const char *state = zdm_rows_get(&r, i, 1);
		const char *q = zdm_rows_get(&r, i, 3);
		fprintf(stderr, "zdm: waiting %.1fs for a lock held by pid %s (%s for %ss): %s\n",
			elapsed_ms / 1000.0, zdm_rows_get(&r, i, 0), state ? state : "?",
			zdm_rows_get(&r, i, 2) ? zdm_rows_get(&r, i, 2) : "?", q ? q : "");
	}
	fflush(stderr);
	zdm_rows_release(&r);
}

/*
 * "[ 12/300]" when stdout is a TTY and there is more than one migration
 * (progress for a person watching), else the two spaces of the plain
 * line.
 */
static const char *counter(const struct cli_apply_opts *o, char *buf, size_t size)
{
	static int tty = -1;
	if (tty < 0)
		tty = isatty(STDOUT_FILENO);
	if (!tty || o->total < 2)
		return "  ";
	int w = snprintf(NULL, 0, "%zu", o->total);
	snprintf(buf, size, "[%*zu/%zu]", w, o->pos, o->total);
	return buf;
}

int cli_apply(struct cli_runner *r, struct zdm_db *db, const struct zdm_migration *m,
	      const struct cli_apply_opts *o, long *ms)
{
	struct zdm_run_opts ro = {
		.dir = o->dir,
		.lock_timeout_ms = o->lock_timeout_ms,
		.statement_timeout_ms = o->statement_timeout_ms,
		.skip = 0,
		.applied_by = r->who,
	};
	struct zdm_run_result res;
	struct zdm_error err;
	const char *arrow = o->dir == ZDM_UP ? "up" : "down";
	char pos[48];
	const struct zdm_mig_section *sec = o->dir == ZDM_UP ? &m->up : &m->down;
	long backoff = 500;

	if (o->dir == ZDM_UP) {
		ro.skip = zdm_history_partial(&r->hist, m->version, m->checksum);
		if (ro.skip && !sec->txn && !o->quiet)
			printf("   resuming %s after statement %ld (a previous run stopped there)\n",
			       m->version, ro.skip);
		if (sec->txn)
			ro.skip = 0;
	}
	zdm_db_set_wait_hook(db, 1000, report_blockers, NULL);
	for (int attempt = 0;; attempt++) {
		zdm_error_clear(&err);
		enum zdm_status st = zdm_migration_run(db, m, &ro, &res, &err);
		if (ms)
			*ms = res.duration_ms;
		if (st == ZDM_OK) {
			zdm_db_set_wait_hook(db, 0, NULL, NULL);
			if (o->quiet)
				return 0;
			if (res.done < 0)
				printf("   %s %s_%s: already done by another runner\n", arrow,
				       m->version, m->name);
			else if (r->json)
				printf("{\"event\":\"%s\",\"version\":\"%s\",\"name\":\"%s\",\"statements\":%ld,\"ms\":%ld}\n",
				       arrow, m->version, m->name, res.statements, res.duration_ms);
			else
				printf("%s %-4s %s_%s (%ld statement%s%s, %ld ms)\n", counter(o, pos, sizeof(pos)),
				       arrow, m->version, m->name, res.statements,
				       res.statements == 1 ? "" : "s",
				       sec->txn ? "" : ", no transaction", res.duration_ms);
			fflush(stdout);
			return 0;
		}
		if (st == ZDM_ERR_LOCK && attempt < o->lock_retries && res.done >= 0) {
			/* Without a transaction, what ran stays done: go on from there. */
			if (!sec->txn)
				ro.skip = res.done;
			/* Jittered exponential backoff: half fixed, half random. */
			long wait = backoff / 2 + (long)(rand() % (int)(backoff / 2 + 1));
			fprintf(stderr, "zdm: %s: lock timeout (%s); retry %d of %d in %ld ms\n",
				m->path, err.msg, attempt + 1, o->lock_retries, wait);
			if (res.invalid_index) {
				/* We built it a moment ago: drop it before trying again. */
				struct zdm_error e2;
				zdm_db_exec(db, res.drop_index, &e2);
			}
			msleep(wait);
			backoff = backoff * 2 > 30000 ? 30000 : backoff * 2;
			continue;
		}
		zdm_db_set_wait_hook(db, 0, NULL, NULL);
		if (st == ZDM_ERR_LOCK) {
			fprintf(stderr, "%s:%d: lock timeout after %d retr%s: %s\n",
				res.fail_path ? res.fail_path : m->path, res.fail_line, o->lock_retries,
				o->lock_retries == 1 ? "y" : "ies", err.msg);
			if (res.fail_stmt[0])
				fprintf(stderr, "  statement: %s\n", res.fail_stmt);
			fprintf(stderr, "  %s was %s; nothing of it is applied\n", m->version,
				sec->txn ? "rolled back" : "stopped");
			if (res.invalid_index)
				fprintf(stderr, "  an INVALID index was left behind; drop it with:\n    %s\n",
					res.drop_index);
			return ZDM_EXIT_LOCK;
		}
		if (st == ZDM_ERR_DB || st == ZDM_ERR_PARSE) {
			if (res.fail_line && !strchr(err.msg, ':'))
				fprintf(stderr, "%s:%d: %s\n", res.fail_path, res.fail_line, err.msg);
			else if (res.fail_line && strncmp(err.msg, res.fail_path, strlen(res.fail_path)))
				fprintf(stderr, "%s:%d: %s\n", res.fail_path, res.fail_line, err.msg);
			else
				fprintf(stderr, "%s: %s\n", res.fail_path ? res.fail_path : m->path, err.msg);
			if (res.sqlstate[0] && res.sqlstate[0] >= '0' && res.sqlstate[0] <= '9')
				fprintf(stderr, "  sqlstate: %s\n", res.sqlstate);
			if (zdm_db_diag(db)->detail[0])
				fprintf(stderr, "  detail: %s\n", zdm_db_diag(db)->detail);
			if (res.fail_stmt[0])
				fprintf(stderr, "  statement: %s\n", res.fail_stmt);
			if (sec->txn)
				fprintf(stderr, "  %s %s_%s failed and was rolled back: nothing of it is applied\n",
					arrow, m->version, m->name);
			else
				fprintf(stderr, "  %s %s_%s runs without a transaction: %ld of %ld statements ran;"
					" fix the file and run zdm %s again to resume at statement %ld\n",
					arrow, m->version, m->name, res.done, res.statements, arrow, res.done + 1);
			if (res.invalid_index)
				fprintf(stderr, "  the failed CREATE INDEX CONCURRENTLY left an INVALID index;"
					" drop it before retrying:\n    %s\n", res.drop_index);
			return st == ZDM_ERR_DB && !res.fail_stmt[0] && !res.fail_line
				? ZDM_EXIT_IO : ZDM_EXIT_FINDINGS;
		}
		return cli_fail(&err);
	}
}

/* ---- backups ---------------------------------------------------------- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *cli_pg_tool_url(const char *url)
{
	char *u = zdm_xstrdup(url), *scheme = strstr(u, "://");
	if (!scheme || !scheme[3]) {
		free(u);
		return NULL;
	}
	char *auth = scheme + 3, *end = auth + strcspn(auth, "/?#"), *at = NULL;
	for (char *q = auth; q < end; q++)
		if (*q == '@')
			at = q;
	char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon) {
		struct zdm_buf pw = ZDM_BUF_INIT;
		for (char *q = colon + 1; q < at; q++) {
			unsigned v;
			if (*q == '%' && q + 2 < at && sscanf(q + 1, "%2x", &v) == 1) {
				zdm_buf_addc(&pw, (char)v);
				q += 2;
			} else {
				zdm_buf_addc(&pw, *q);
			}
		}
		setenv("PGPASSWORD", pw.data ? pw.data : "", 1);
		zdm_buf_release(&pw);
		memmove(colon, at, strlen(at) + 1);
	}
	return u;
}

/* Delete all but the newest keep files "<base>-*.bak|dump" in dir. */
static void prune_backups(const char *dir, const char *base, int keep)
{
	DIR *dp = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0, bl = strlen(base);
	struct dirent *de;

	if (!dp)
		return;
	while ((de = readdir(dp))) {
		if (strncmp(de->d_name, base, bl) || de->d_name[bl] != '-' ||
		    !(strstr(de->d_name, ".bak") || strstr(de->d_name, ".dump")))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = zdm_xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = zdm_xstrdup(de->d_name);
	}
	closedir(dp);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i + (size_t)keep < n) {
			struct zdm_buf old = ZDM_BUF_INIT;
			zdm_buf_addf(&old, "%s/%s", dir, names[i]);
			unlink(old.data);
			zdm_buf_release(&old);
		}
		free(names[i]);
	}
	free(names);
}

/* "20261123T195544536Z": UTC time to the millisecond, sortable. */
static void stamp_now(char *out, size_t n)
{
	struct timespec ts;
	struct tm tm;
	char s[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y%m%dT%H%M%S", &tm);
	snprintf(out, n, "%.20s%03dZ", s, (int)(ts.tv_nsec / 1000000L) % 1000);
}

/*
 * (cli.h) PostgreSQL: pg_dump -Fc into out, or <migrations dir>/../backups
 * keeping the newest keep dumps; mode 0600.
 */
int cli_backup_pg(struct cli_runner *r, const char *out, int keep, int quiet)
{
	char *d1 = zdm_xstrdup(r->dir);
	const char *parent = dirname(d1);
	struct zdm_buf bdir = ZDM_BUF_INIT, path = ZDM_BUF_INIT;
	char stamp[40], dbname[128] = "postgres";
	int rc = 0;

	const char *u = zdm_db_url(r->db);
	const char *slash = strstr(u, "://");
	slash = slash ? strchr(slash + 3, '/') : NULL;
	if (slash && slash[1]) {
		size_t k = strcspn(slash + 1, "?");
		if (k >= sizeof(dbname))
			k = sizeof(dbname) - 1;
		memcpy(dbname, slash + 1, k);
		dbname[k] = '\0';
	}
	zdm_buf_addf(&bdir, "%s/backups", parent);
	if (mkdir(bdir.data, 0700) && errno != EEXIST) {
		fprintf(stderr, "zdm: cannot create '%s': %s\n", bdir.data, strerror(errno));
		rc = ZDM_EXIT_IO;
		goto out;
	}
	stamp_now(stamp, sizeof(stamp));
	if (out)
		zdm_buf_adds(&path, out);
	else
		zdm_buf_addf(&path, "%s/%s-%s.dump", bdir.data, dbname, stamp);
	pid_t pid = fork();
	if (pid == 0) {
		char *cu = cli_pg_tool_url(zdm_db_default_url(r->url));
		umask(077);
		if (cu)
			execlp("pg_dump", "pg_dump", "-Fc", "-f", path.data, "-d", cu, (char *)NULL);
		else
			execlp("pg_dump", "pg_dump", "-Fc", "-f", path.data, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "zdm: pg_dump failed (%s): no backup was made, nothing was applied\n"
			"  (install the PostgreSQL client tools, or run without --backup)\n",
			WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "not found" : "see its message");
		unlink(path.data);
		rc = ZDM_EXIT_IO;
		goto out;
	}
	chmod(path.data, 0600);
	if (!quiet)
		printf("backup: %s\n", path.data);
	if (!out)
		prune_backups(bdir.data, dbname, keep);
out:
	zdm_buf_release(&bdir);
	zdm_buf_release(&path);
	free(d1);
	return rc;
}

/*
 * Back up the SQLite database to DIR/backups/<base>-<UTC>.sqlite3 next
 * to it, mode 0600, keeping the newest keep files.  Prints the path.
 */
static int backup_sqlite(struct zdm_db *db, int keep, int quiet)
{
	const char *file = zdm_db_file(db);
	struct zdm_error err;
	char *d1 = zdm_xstrdup(file), *d2 = zdm_xstrdup(file);
	const char *dir = dirname(d1), *base = basename(d2);
	struct zdm_buf bdir = ZDM_BUF_INIT, path = ZDM_BUF_INIT;
	int rc = 0;

	zdm_buf_addf(&bdir, "%s/backups", dir);
	if (mkdir(bdir.data, 0700) && errno != EEXIST) {
		fprintf(stderr, "zdm: cannot create '%s': %s\n", bdir.data, strerror(errno));
		rc = ZDM_EXIT_IO;
		goto out;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char stamp[40];
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	zdm_buf_addf(&path, "%s/%s-%s%03ldZ.bak", bdir.data, base, stamp, ts.tv_nsec / 1000000L);
	zdm_error_clear(&err);
	if (zdm_db_backup(db, path.data, &err)) {
		fprintf(stderr, "zdm: backup failed: %s\n", err.msg);
		rc = ZDM_EXIT_IO;
		goto out;
	}
	if (!quiet)
		printf("backup: %s\n", path.data);

	prune_backups(bdir.data, base, keep);
out:
	zdm_buf_release(&bdir);
	zdm_buf_release(&path);
	free(d1);
	free(d2);
	return rc;
}

/* ---- zdm up ----------------------------------------------------------- */

static void usage(FILE *f)
{
	fputs("usage: zdm up [--to V] [--dry-run] [--no-backup] [--lock-retries N]\n"
	      "              [--wait-timeout D] [--lock-timeout D] [--statement-timeout D]\n"
	      "\n"
	      "Apply pending migrations in version order: lint gate, backup (SQLite),\n"
	      "one transaction per migration unless the file says transaction:false.\n"
	      "\n"
	      "      --to V                apply up to and including version V\n"
	      "  -n, --dry-run             print what would run; touch nothing\n"
	      "      --no-backup           skip the SQLite backup\n"
	      "      --backup              PostgreSQL: pg_dump -Fc into backups/ first\n"
	      "      --no-lint             skip the lint gate\n"
	      "      --lock-retries N      retries after a lock timeout (default: config, 5)\n"
	      "      --lock-timeout D      PostgreSQL lock_timeout (default: config, 2s)\n"
	      "      --statement-timeout D PostgreSQL statement_timeout (default: config, 0)\n"
	      "      --wait-timeout D      wait for another runner this long (default 60s)\n"
	      "      --json                JSON lines\n"
	      CLI_RUNNER_USAGE
	      "\n"
	      "exit: 0 ok or nothing to do, 1 lint gate or a failed migration, 2 usage,\n"
	      "      3 database/I/O, 4 lock timeout after retries, 5 checksum mismatch\n", f);
}

/* The server's major version (PostgreSQL), 0 when it cannot be read. */
static int server_pg_version(struct zdm_db *db)
{
	struct zdm_rows rows;
	struct zdm_error err;
	int v = 0;

	if (!db || zdm_db_dialect(db) != ZDM_DIALECT_POSTGRES ||
	    zdm_db_query(db, "SELECT current_setting('server_version_num')", NULL, 0, &rows, &err))
		return 0;
	if (rows.nrows == 1 && zdm_rows_get(&rows, 0, 0))
		v = atoi(zdm_rows_get(&rows, 0, 0)) / 10000;
	zdm_rows_release(&rows);
	return v;
}

/*
 * Lint the pending files; print deny-level findings.  Returns 1 to stop.
 * pg_version: the PostgreSQL version to judge for, 0 for the default.
 */
static int lint_gate(struct cli_runner *r, struct zdm_migration **pend, size_t n,
		     enum zdm_dialect d, int pg_version)
{
	struct zdm_linter *l = zdm_linter_new(NULL);
	struct zdm_report rep = ZDM_REPORT_INIT;
	struct zdm_error err;
	int stop = 0;

	zdm_error_clear(&err);
	if (zdm_config_apply(&r->cfg, l, &err)) {
		fprintf(stderr, "zdm: %s\n", err.msg);
		zdm_linter_free(l);
		return 1;
	}
	struct zdm_lint_opts o = *zdm_linter_opts(l);
	o.dialect = d;
	if (pg_version)
		o.pg_version = pg_version;
	zdm_linter_set_opts(l, &o);
	for (size_t i = 0; i < n; i++) {
		struct zdm_source src = { .name = pend[i]->path, .text = pend[i]->text,
					  .len = strlen(pend[i]->text), .txn = -1 };
		zdm_lint_source(l, &src, &rep, &err);
	}
	for (size_t i = 0; i < rep.count; i++) {
		const struct zdm_finding *f = &rep.items[i];
		if (f->allowed || f->decision < ZDM_DECISION_ASK || f->in_down)
			continue;
		fprintf(stderr, "%s:%d:%d: %s %s: %s\n", f->file, f->line, f->col,
			zdm_decision_name(f->decision), f->rule->id, f->message);
		if (f->statement && *f->statement)
			fprintf(stderr, "  %s\n", f->statement);
		fprintf(stderr, "  help: %s\n", f->rule->help);
		if (f->decision == ZDM_DECISION_DENY)
			stop = 1;
	}
	if (stop)
		fprintf(stderr, "zdm: the lint gate stopped the run: nothing was applied\n"
			"  (fix the migration, or allow a finding with '-- zdm:allow <rule> <reason>')\n");
	zdm_report_release(&rep);
	zdm_linter_free(l);
	return stop;
}

/*
 * The strongest table lock a PostgreSQL statement takes, from its first
 * words (reference/lock-facts.md), or NULL when it takes none worth
 * naming.  For --dry-run: a reader sees which statements queue behind
 * (and block) live traffic.
 */
static const char *pg_lock_level(const char *s, size_t len)
{
	struct zdm_token *t = NULL;
	size_t n = 0;
	const char *lvl = NULL;
	zdm_lexer_all(ZDM_DIALECT_POSTGRES, s, len, &t, &n);
#define W(i, kw) ((i) < n && zdm_token_is(s, &t[i], kw))
	int has_conc = 0, has_fk = 0, has_validate = 0, has_stats = 0, not_valid = 0;
	for (size_t i = 0; i < n; i++) {
		has_conc |= W(i, "concurrently");
		has_fk |= W(i, "references") || (W(i, "foreign") && W(i + 1, "key"));
		has_validate |= W(i, "validate");
		has_stats |= W(i, "statistics");
		not_valid |= W(i, "not") && W(i + 1, "valid");
	}
	if (W(0, "create")) {
		size_t i = 1;
		if (W(i, "unique"))
			i++;
		if (W(i, "index"))
			lvl = has_conc ? "SHARE UPDATE EXCLUSIVE" : "SHARE (blocks writes)";
		else if (W(i, "trigger") || (W(i, "or") && W(i + 2, "trigger")))
			lvl = "SHARE ROW EXCLUSIVE";
	} else if (W(0, "alter") && W(1, "table")) {
		if (has_validate || has_stats)
			lvl = "SHARE UPDATE EXCLUSIVE";
		else if (has_fk && !not_valid)
			lvl = "ACCESS EXCLUSIVE (+ SHARE ROW EXCLUSIVE on the referenced table)";
		else
			lvl = "ACCESS EXCLUSIVE";
	} else if (W(0, "drop")) {
		if (W(1, "index"))
			lvl = has_conc ? "SHARE UPDATE EXCLUSIVE" : "ACCESS EXCLUSIVE";
		else if (W(1, "table") || W(1, "materialized") || W(1, "view") || W(1, "trigger"))
			lvl = "ACCESS EXCLUSIVE";
	} else if (W(0, "truncate") || W(0, "cluster") || (W(0, "vacuum") && W(1, "full"))) {
		lvl = "ACCESS EXCLUSIVE (rewrites)";
	} else if (W(0, "vacuum") || W(0, "analyze") || W(0, "comment")) {
		lvl = "SHARE UPDATE EXCLUSIVE";
	} else if (W(0, "reindex")) {
		lvl = has_conc ? "SHARE UPDATE EXCLUSIVE" : "SHARE (blocks writes)";
	} else if (W(0, "refresh")) {
		lvl = has_conc ? "EXCLUSIVE (reads allowed)" : "ACCESS EXCLUSIVE";
	} else if (W(0, "update") || W(0, "delete") || W(0, "insert") || W(0, "merge")) {
		lvl = "ROW EXCLUSIVE";
	} else if (W(0, "lock")) {
		lvl = "the mode LOCK TABLE names (default ACCESS EXCLUSIVE)";
	}
#undef W
	free(t);
	return lvl;
}

static void dry_run(struct zdm_migration **pend, size_t n, enum zdm_dialect d)
{
	for (size_t i = 0; i < n; i++) {
		const struct zdm_migration *m = pend[i];
		struct zdm_stmt_list l = ZDM_STMT_LIST_INIT;
		struct zdm_error err;
		printf("-- %s_%s (%s)%s\n", m->version, m->name, m->path,
		       m->up.txn ? "" : " transaction:false");
		if (zdm_mig_split(&m->up, d, &l, &err)) {
			printf("--   cannot split: %s\n", err.msg);
			continue;
		}
		if (m->up.txn)
			puts("BEGIN;");
		for (size_t k = 0; k < l.count; k++) {
			const char *text = m->up.text + l.items[k].off;
			const char *lvl = d == ZDM_DIALECT_POSTGRES ? pg_lock_level(text, l.items[k].len) : NULL;
			if (lvl)
				printf("-- lock: %s\n", lvl);
			printf("%.*s;\n", (int)l.items[k].len, text);
		}
		if (m->up.txn)
			puts("COMMIT;");
		zdm_stmt_list_release(&l);
	}
}

int cmd_up(int argc, char **argv)
{
	enum { O_TO = 0x200, O_BACKUP, O_NOBACKUP, O_NOLINT, O_RETRIES, O_WAIT, O_LOCKTO, O_STMTTO, O_JSON };
	static const struct option opts[] = {
		{ "to", required_argument, NULL, O_TO },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "backup", no_argument, NULL, O_BACKUP },
		{ "no-backup", no_argument, NULL, O_NOBACKUP },
		{ "no-lint", no_argument, NULL, O_NOLINT },
		{ "lock-retries", required_argument, NULL, O_RETRIES },
		{ "wait-timeout", required_argument, NULL, O_WAIT },
		{ "lock-timeout", required_argument, NULL, O_LOCKTO },
		{ "statement-timeout", required_argument, NULL, O_STMTTO },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		CLI_RUNNER_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_runner r;
	const char *to = NULL;
	int dry = 0, nobackup = 0, pgbackup = 0, nolint = 0, ch, rc;
	long retries = -1, wait_ms = 60000, lock_to = -2, stmt_to = -2;

	memset(&r, 0, sizeof(r));
	zdm_config_init(&r.cfg);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		if (cli_runner_opt(&r, ch, optarg))
			continue;
		switch (ch) {
		case O_TO: to = optarg; break;
		case 'n': dry = 1; break;
		case O_NOBACKUP: nobackup = 1; break;
		case O_BACKUP: pgbackup = 1; break;
		case O_NOLINT: nolint = 1; break;
		case O_JSON: r.json = 1; break;
		case O_RETRIES: {
			char *e;
			retries = strtol(optarg, &e, 10);
			if (*e || retries < 0) {
				fprintf(stderr, "zdm up: bad --lock-retries '%s'\n", optarg);
				return ZDM_EXIT_USAGE;
			}
			break;
		}
		case O_WAIT: case O_LOCKTO: case O_STMTTO: {
			long v = zdm_parse_duration_ms(optarg);
			if (v < 0) {
				fprintf(stderr, "zdm up: bad duration '%s' (e.g. 2s, 500ms, 1m)\n", optarg);
				return ZDM_EXIT_USAGE;
			}
			if (ch == O_WAIT) wait_ms = v;
			else if (ch == O_LOCKTO) lock_to = v;
			else stmt_to = v;
			break;
		}
		case 'h': usage(stdout); return 0;
		default:
			fputs("run 'zdm up --help' for usage\n", stderr);
			return ZDM_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "zdm up: unexpected argument '%s'\n", argv[optind]);
		return ZDM_EXIT_USAGE;
	}
	if (to && (!*to || strspn(to, "0123456789") != strlen(to))) {
		fprintf(stderr, "zdm up: --to wants a version (digits), not '%s'\n", to);
		return ZDM_EXIT_USAGE;
	}

	/* A dry run reads only: it creates no database and no history tables. */
	if ((rc = cli_runner_open(&r, CLI_LOAD_FILES | (dry ? CLI_READ_HISTORY : CLI_OPEN_DB))))
		goto out;
	struct zdm_error err;
	zdm_error_clear(&err);
	if (r.db)
		zdm_db_set_wait(r.db, wait_ms);
	if (!dry) {
		if (zdm_db_lock(r.db, "zdm_migrations", &err)) {
			rc = cli_fail(&err);
			goto out;
		}
		if (zdm_history_ensure(r.db, &err)) {
			fprintf(stderr, "zdm: cannot create the history tables in '%s': %s\n",
				zdm_db_url(r.db), err.msg);
			rc = err.code == ZDM_ERR_LOCK ? ZDM_EXIT_LOCK : ZDM_EXIT_IO;
			goto out;
		}
		if (zdm_history_read(r.db, &r.hist, &err)) {
			fprintf(stderr, "zdm: cannot read the migration history: %s\n", err.msg);
			rc = ZDM_EXIT_IO;
			goto out;
		}
	}
	if (cli_report_checksums(&r, stderr)) {
		fputs("zdm: refusing to run: an applied migration was edited (restore the file,"
		      " or put the change in a new migration)\n", stderr);
		rc = ZDM_EXIT_CHECKSUM;
		goto out;
	}

	struct zdm_migration **pend = zdm_xcalloc(r.set.count + 1, sizeof(*pend));
	size_t np = 0;
	for (size_t i = 0; i < r.set.count; i++) {
		struct zdm_migration *m = &r.set.items[i];
		if (to && zdm_version_cmp(m->version, to) > 0)
			break;
		if (!zdm_history_find(&r.hist, m->version))
			pend[np++] = m;
	}
	if (to && !zdm_migration_find(&r.set, to)) {
		fprintf(stderr, "zdm up: no migration with version %s in '%s'\n", to, r.dir);
		rc = ZDM_EXIT_USAGE;
		free(pend);
		goto out;
	}
	if (!np) {
		if (!r.json)
			puts("nothing to do: every migration is applied");
		free(pend);
		goto out;
	}
	/* No database yet (a dry run): only a SQLite file can be missing. */
	enum zdm_dialect d = r.db ? zdm_db_dialect(r.db) : ZDM_DIALECT_SQLITE;
	/*
	 * Judge for the server the migrations run on: unless the config
	 * names a version, the server's own (a constant default is
	 * metadata-only from 11, and so on).
	 */
	int pgv = r.cfg.pg_version ? r.cfg.pg_version : server_pg_version(r.db);
	if (!nolint && lint_gate(&r, pend, np, d, pgv)) {
		rc = ZDM_EXIT_FINDINGS;
		free(pend);
		goto out;
	}
	if (dry) {
		if (d == ZDM_DIALECT_POSTGRES && pgv)
			printf("-- judged for PostgreSQL %d (%s)\n", pgv, r.cfg.pg_version ?
			       "postgres_version in the config" : "the server's version");
		dry_run(pend, np, d);
		free(pend);
		goto out;
	}
	const char *file = zdm_db_file(r.db);
	if (!nobackup && file && *file)
		rc = backup_sqlite(r.db, 5, r.json);
	else if (pgbackup && !nobackup && zdm_db_dialect(r.db) == ZDM_DIALECT_POSTGRES)
		rc = cli_backup_pg(&r, NULL, 5, r.json);
	if (rc) {
		free(pend);
		goto out;
	}

	struct cli_apply_opts ao;
	cli_apply_defaults(&r, &ao);
	ao.dir = ZDM_UP;
	if (retries >= 0) ao.lock_retries = (int)retries;
	if (lock_to >= 0) ao.lock_timeout_ms = lock_to;
	if (stmt_to >= 0) ao.statement_timeout_ms = stmt_to;
	srand((unsigned)(getpid() ^ now_ms()));
	long total = 0;
	size_t done = 0;
	if (!r.json)
		printf("applying %zu migration%s to %s\n", np, np == 1 ? "" : "s", zdm_db_url(r.db));
	for (size_t i = 0; i < np; i++) {
		long ms = 0;
		ao.pos = i + 1;
		ao.total = np;
		if ((rc = cli_apply(&r, r.db, pend[i], &ao, &ms)))
			break;
		total += ms;
		done++;
	}
	if (!r.json)
		printf("%zu of %zu applied (%ld ms)%s\n", done, np, total,
		       done < np ? "; the rest were not run" : "");
	free(pend);
out:
	if (r.db)
		zdm_db_unlock(r.db);
	cli_runner_close(&r);
	return rc;
}
