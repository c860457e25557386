/* SPDX-License-Identifier: MIT */
/*
 * cmd_verify.c - `zdm verify`: rehearse pending migrations on a
 * throwaway copy and prove each one reversible.
 *
 * For each pending migration, in order, on the copy: note the schema,
 * apply up, note it again, apply down and compare with the schema before
 * (a difference fails verify and is shown), then apply up again and
 * compare with the schema after the first up.  The copy is a backup-API
 * copy of a SQLite database, or for PostgreSQL a scratch database made
 * from the target's schema (pg_dump --schema-only into a temporary
 * database on the same server, or --scratch-url).  Never writes to the
 * target.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "zdm/db.h"
#include "zdm/migrate.h"
#include "zdm/util.h"

static void usage(FILE *f)
{
	fputs("usage: zdm verify [--scratch-url URL] [--json]\n"
	      "\n"
	      "Rehearse the pending migrations on a throwaway copy: up, down, up\n"
	      "again, comparing the schema after down with the schema before.\n"
	      "Never touches the target database.\n"
	      "\n"
	      "      --scratch-url URL    PostgreSQL: an empty database to rehearse in\n"
	      "                           (default: a temporary database on the same\n"
	      "                           server, filled with pg_dump --schema-only)\n"
	      "      --json               one JSON object per line: each migration's\n"
	      "                           verdict and timings, then a summary\n"
	      CLI_RUNNER_USAGE
	      "\n"
	      "exit: 0 every pending migration is reversible, 1 one is not or fails,\n"
	      "      2 usage, 3 database/I/O\n", f);
}

/* Append to out the lines of a that are not in b (sorted line lists), each after prefix. */
static void diff_lines(struct zdm_buf *out, const char *a, const char *b, const char *prefix)
{
	const char *p = a;
	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int found = 0;
		for (const char *q = b; q && *q;) {
			const char *qe = strchr(q, '\n');
			size_t qn = qe ? (size_t)(qe - q) : strlen(q);
			if (qn == n && !memcmp(p, q, n)) {
				found = 1;
				break;
			}
			q = qe ? qe + 1 : NULL;
		}
		if (!found)
			zdm_buf_addf(out, "%s %.*s\n", prefix, (int)n, p);
		p = e ? e + 1 : NULL;
	}
}

/*
 * One migration's verdict: the text line (already printed unless --json)
 * is the person's; with --json, one object: version, name, ok, why
 * (up-failed, down-empty, down-failed, down-differs, up-again-failed,
 * up-again-differs), the durations that were measured (-1: not run) and
 * the schema difference as "- line" / "+ line" strings.
 */
static void json_verdict(const struct zdm_migration *m, const char *why, long up, long down,
			 long up2, const struct zdm_buf *diff)
{
	struct zdm_buf b = ZDM_BUF_INIT;
	zdm_buf_adds(&b, "{\"event\":\"verify\",\"version\":");
	zdm_buf_add_json_str(&b, m->version, strlen(m->version));
	zdm_buf_adds(&b, ",\"name\":");
	zdm_buf_add_json_str(&b, m->name, strlen(m->name));
	zdm_buf_addf(&b, ",\"ok\":%s", why ? "false" : "true");
	if (why)
		zdm_buf_addf(&b, ",\"why\":\"%s\"", why);
	if (up >= 0)
		zdm_buf_addf(&b, ",\"up_ms\":%ld", up);
	if (down >= 0)
		zdm_buf_addf(&b, ",\"down_ms\":%ld", down);
	if (up2 >= 0)
		zdm_buf_addf(&b, ",\"up_again_ms\":%ld", up2);
	if (diff && diff->len) {
		zdm_buf_adds(&b, ",\"schema_diff\":[");
		for (const char *p = diff->data, *e; p && *p; p = e ? e + 1 : NULL) {
			e = strchr(p, '\n');
			if (p != diff->data)
				zdm_buf_addc(&b, ',');
			zdm_buf_add_json_str(&b, p, e ? (size_t)(e - p) : strlen(p));
		}
		zdm_buf_addc(&b, ']');
	}
	zdm_buf_addc(&b, '}');
	puts(b.data);
	fflush(stdout);
	zdm_buf_release(&b);
}

/* The schema difference, indented, for a person. */
static void print_diff(const struct zdm_buf *diff)
{
	for (const char *p = diff->data, *e; p && *p; p = e ? e + 1 : NULL) {
		e = strchr(p, '\n');
		printf("    %.*s\n", (int)(e ? e - p : (long)strlen(p)), p);
	}
}

/* diff: the lines of schema x gone in y ("- line"), then those y added ("+ line"). */
static void schema_diff(struct zdm_buf *diff, const struct zdm_buf *x, const struct zdm_buf *y)
{
	zdm_buf_reset(diff);
	diff_lines(diff, x->data, y->data, "-");
	diff_lines(diff, y->data, x->data, "+");
}

static int same(const struct zdm_buf *a, const struct zdm_buf *b)
{
	return a->len == b->len && (!a->len || !memcmp(a->data, b->data, a->len));
}

/* Replace the database name in a postgres URL (new string). */
static char *url_with_db(const char *url, const char *dbname)
{
	struct zdm_buf b = ZDM_BUF_INIT;
	const char *s = strstr(url, "://");
	if (!s || !s[3]) {
		zdm_buf_addf(&b, "postgres:///%s", dbname);
		return zdm_buf_detach(&b, NULL);
	}
	const char *auth = s + 3;
	const char *path = auth + strcspn(auth, "/?");
	zdm_buf_add(&b, url, (size_t)(path - url));
	zdm_buf_addf(&b, "/%s", dbname);
	const char *q = strchr(path, '?');
	if (q)
		zdm_buf_adds(&b, q);
	return zdm_buf_detach(&b, NULL);
}

/*
 * Run argv with "-d URL" appended (the password in PGPASSWORD, not on
 * the command line), stdout to out_path (NULL: inherit); 0 on success.
 */
static int run_tool(char **argv, const char *url, const char *out_path)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char *u = cli_pg_tool_url(url);
		size_t n = 0;
		while (argv[n])
			n++;
		if (u) {
			argv[n] = "-d";
			argv[n + 1] = u;
			argv[n + 2] = NULL;
		}
		if (out_path && !freopen(out_path, "w", stdout))
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int schema_of(struct zdm_db *db, struct zdm_buf *out)
{
	struct zdm_error err;
	zdm_buf_reset(out);
	zdm_buf_adds(out, "");
	if (zdm_db_schema(db, out, &err)) {
		fprintf(stderr, "zdm verify: cannot read the schema: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* Rehearse every pending migration on copy.  Returns an exit code. */
static int rehearse(struct cli_runner *r, struct zdm_db *copy)
{
	struct zdm_buf before = ZDM_BUF_INIT, after = ZDM_BUF_INIT, now = ZDM_BUF_INIT;
	struct zdm_buf diff = ZDM_BUF_INIT;
	struct zdm_error err;
	int json = r->json;
	struct cli_apply_opts ao;
	size_t n = 0, bad = 0;
	int rc = 0;

	zdm_error_clear(&err);
	if (zdm_history_ensure(copy, &err)) {
		fprintf(stderr, "zdm verify: %s\n", err.msg);
		return ZDM_EXIT_IO;
	}
	cli_apply_defaults(r, &ao);
	ao.quiet = 1;
	ao.lock_retries = 0;
	for (size_t i = 0; i < r->set.count && !rc; i++) {
		struct zdm_migration *m = &r->set.items[i];
		long t_up = 0, t_down = 0, t_up2 = 0;
		if (zdm_history_find(&r->hist, m->version))
			continue;
		n++;
		if (schema_of(copy, &before)) {
			rc = ZDM_EXIT_IO;
			break;
		}
		ao.dir = ZDM_UP;
		if ((rc = cli_apply(r, copy, m, &ao, &t_up))) {
			if (json)
				json_verdict(m, "up-failed", -1, -1, -1, NULL);
			else
				printf("FAIL %s_%s: up failed\n", m->version, m->name);
			break;
		}
		if (schema_of(copy, &after)) {
			rc = ZDM_EXIT_IO;
			break;
		}
		if (m->down.empty) {
			if (json)
				json_verdict(m, "down-empty", t_up, -1, -1, NULL);
			else
				printf("FAIL %s_%s: up %ld ms; the down section is empty, so it cannot be"
				       " rolled back\n", m->version, m->name, t_up);
			bad++;
			continue;   /* stays applied on the copy; later ones build on it */
		}
		ao.dir = ZDM_DOWN;
		if ((rc = cli_apply(r, copy, m, &ao, &t_down))) {
			if (json)
				json_verdict(m, "down-failed", t_up, -1, -1, NULL);
			else
				printf("FAIL %s_%s: down failed\n", m->version, m->name);
			break;
		}
		if (schema_of(copy, &now)) {
			rc = ZDM_EXIT_IO;
			break;
		}
		int ok_down = same(&now, &before);
		if (!ok_down) {
			schema_diff(&diff, &before, &now);
			bad++;
			if (json) {
				json_verdict(m, "down-differs", t_up, t_down, -1, &diff);
				break;
			}
			printf("FAIL %s_%s: down does not restore the schema (up %ld ms, down %ld ms)\n",
			       m->version, m->name, t_up, t_down);
			puts("    schema before up (-) vs after down (+):");
			print_diff(&diff);
			/* The copy no longer matches the history: stop here. */
			if (i + 1 < r->set.count)
				puts("    (later migrations were not rehearsed)");
			break;
		}
		ao.dir = ZDM_UP;
		if ((rc = cli_apply(r, copy, m, &ao, &t_up2))) {
			if (json)
				json_verdict(m, "up-again-failed", t_up, t_down, -1, NULL);
			else
				printf("FAIL %s_%s: up failed after down\n", m->version, m->name);
			break;
		}
		if (schema_of(copy, &now)) {
			rc = ZDM_EXIT_IO;
			break;
		}
		if (!same(&now, &after)) {
			schema_diff(&diff, &after, &now);
			bad++;
			if (json) {
				json_verdict(m, "up-again-differs", t_up, t_down, t_up2, &diff);
			} else {
				printf("FAIL %s_%s: up after down gives a different schema\n",
				       m->version, m->name);
				print_diff(&diff);
			}
		} else if (json) {
			json_verdict(m, NULL, t_up, t_down, t_up2, NULL);
		} else {
			printf("ok   %s_%s: up %ld ms, down %ld ms, up %ld ms\n", m->version, m->name,
			       t_up, t_down, t_up2);
		}
		fflush(stdout);
	}
	if (!rc) {
		if (json)
			printf("{\"event\":\"done\",\"rehearsed\":%zu,\"not_reversible\":%zu}\n", n, bad);
		else if (!n)
			puts("nothing to verify: no pending migrations");
		else
			printf("%zu migration%s rehearsed, %zu not reversible\n", n, n == 1 ? "" : "s", bad);
		if (bad)
			rc = ZDM_EXIT_FINDINGS;
	}
	zdm_buf_release(&before);
	zdm_buf_release(&after);
	zdm_buf_release(&now);
	zdm_buf_release(&diff);
	return rc;
}

static int verify_sqlite(struct cli_runner *r)
{
	char tmpl[] = "/tmp/zdm-verify-XXXXXX";
	int fd = mkstemp(tmpl);
	struct zdm_error err;
	struct zdm_db *copy = NULL;
	int rc;

	if (fd < 0) {
		fprintf(stderr, "zdm verify: cannot create a temporary file: %s\n", strerror(errno));
		return ZDM_EXIT_IO;
	}
	close(fd);
	zdm_error_clear(&err);
	/* No database file yet: rehearse on an empty one. */
	if (r->db && zdm_db_backup(r->db, tmpl, &err)) {
		fprintf(stderr, "zdm verify: cannot copy the database: %s\n", err.msg);
		unlink(tmpl);
		return ZDM_EXIT_IO;
	}
	/* Close the target: from here on only the copy is used. */
	zdm_db_free(r->db);
	r->db = NULL;
	struct zdm_buf url = ZDM_BUF_INIT;
	zdm_buf_addf(&url, "sqlite:%s", tmpl);
	if (zdm_db_open(url.data, &copy, &err)) {
		fprintf(stderr, "zdm verify: %s\n", err.msg);
		rc = ZDM_EXIT_IO;
	} else {
		/* A throwaway copy: no need to wait for the disk. */
		zdm_db_exec(copy, "PRAGMA synchronous = OFF", &err);
		if (!r->json)
			printf("rehearsing on a copy (%s)\n", tmpl);
		rc = rehearse(r, copy);
	}
	zdm_db_free(copy);
	zdm_buf_release(&url);
	unlink(tmpl);
	return rc;
}

static int verify_pg(struct cli_runner *r, const char *scratch_url)
{
	struct zdm_error err;
	struct zdm_db *copy = NULL;
	char dbname[64] = "";
	char *url = NULL;
	char dump[] = "/tmp/zdm-verify-XXXXXX";
	int rc = 0;
	const char *target = zdm_db_default_url(r->url);

	zdm_error_clear(&err);
	if (scratch_url) {
		url = zdm_xstrdup(scratch_url);
	} else {
		snprintf(dbname, sizeof(dbname), "zdm_verify_%d", (int)getpid());
		struct zdm_buf sql = ZDM_BUF_INIT;
		zdm_buf_adds(&sql, "CREATE DATABASE ");
		zdm_db_quote_ident(r->db, &sql, dbname);
		if (zdm_db_exec(r->db, sql.data, &err)) {
			fprintf(stderr, "zdm verify: cannot create a scratch database (%s);"
				" give one with --scratch-url\n", err.msg);
			zdm_buf_release(&sql);
			return ZDM_EXIT_IO;
		}
		zdm_buf_release(&sql);
		url = url_with_db(target, dbname);
	}
	if (zdm_db_open(url, &copy, &err)) {
		fprintf(stderr, "zdm verify: %s\n", err.msg);
		rc = ZDM_EXIT_IO;
		goto out;
	}
	/* The target's schema into the scratch database. */
	int fd = mkstemp(dump);
	if (fd < 0) {
		rc = ZDM_EXIT_IO;
		goto out;
	}
	close(fd);
	char *dump_argv[] = { "pg_dump", "--schema-only", "--no-owner", "--no-privileges",
			      NULL, NULL, NULL };
	int t = run_tool(dump_argv, target, dump);
	if (t != 0) {
		fprintf(stderr, "zdm verify: pg_dump --schema-only failed (%s); install the"
			" PostgreSQL client tools or give --scratch-url with the schema loaded\n",
			t == 127 ? "not found" : "see its message");
		rc = ZDM_EXIT_IO;
		goto out;
	}
	char *psql_argv[] = { "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", dump, NULL, NULL, NULL };
	if (run_tool(psql_argv, url, "/dev/null") != 0) {
		fprintf(stderr, "zdm verify: cannot load the schema into the scratch database\n");
		rc = ZDM_EXIT_IO;
		goto out;
	}
	/* What is applied on the target is applied on the copy. */
	if (zdm_history_ensure(copy, &err)) {
		fprintf(stderr, "zdm verify: %s\n", err.msg);
		rc = ZDM_EXIT_IO;
		goto out;
	}
	for (size_t i = 0; i < r->hist.count; i++) {
		const char *p[1] = { r->hist.items[i].version };
		zdm_db_query(copy, "INSERT INTO schema_migrations (version) VALUES ($1)"
			     " ON CONFLICT DO NOTHING", p, 1, NULL, &err);
	}
	if (!r->json)
		printf("rehearsing on a scratch database (%s)\n", zdm_db_url(copy));
	rc = rehearse(r, copy);
out:
	zdm_db_free(copy);
	unlink(dump);
	if (dbname[0]) {
		struct zdm_buf sql = ZDM_BUF_INIT;
		zdm_buf_adds(&sql, "DROP DATABASE IF EXISTS ");
		zdm_db_quote_ident(r->db, &sql, dbname);
		if (zdm_db_exec(r->db, sql.data, &err))
			fprintf(stderr, "zdm verify: cannot drop the scratch database %s: %s\n",
				dbname, err.msg);
		zdm_buf_release(&sql);
	}
	free(url);
	return rc;
}

int cmd_verify(int argc, char **argv)
{
	enum { O_SCRATCH = 0x200, O_JSON };
	static const struct option opts[] = {
		{ "scratch-url", required_argument, NULL, O_SCRATCH },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		CLI_RUNNER_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_runner r;
	const char *scratch = NULL;
	int ch, rc;

	memset(&r, 0, sizeof(r));
	zdm_config_init(&r.cfg);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (cli_runner_opt(&r, ch, optarg))
			continue;
		switch (ch) {
		case O_SCRATCH: scratch = optarg; break;
		case O_JSON: r.json = 1; break;
		case 'h': usage(stdout); return 0;
		default:
			fputs("run 'zdm verify --help' for usage\n", stderr);
			return ZDM_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "zdm verify: unexpected argument '%s'\n", argv[optind]);
		return ZDM_EXIT_USAGE;
	}
	if ((rc = cli_runner_open(&r, CLI_LOAD_FILES | CLI_READ_HISTORY)))
		goto out;
	if (cli_report_checksums(&r, stderr)) {
		rc = ZDM_EXIT_CHECKSUM;
		goto out;
	}
	if (!r.db || zdm_db_dialect(r.db) == ZDM_DIALECT_SQLITE)
		rc = verify_sqlite(&r);
	else
		rc = verify_pg(&r, scratch);
out:
	cli_runner_close(&r);
	return rc;
}
