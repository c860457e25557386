// SPDX-License-Identifier: MIT
/*
 * Input generator for `make bench` (tests/bench/run.sh).
 *
 * Everything is derived from a seed with a fixed PRNG (splitmix64), so two
 * runs on two machines produce byte-identical inputs and the numbers in
 * tests/bench/out/ can be compared across commits.  It lives in C rather
 * than in the shell script because writing 50,000 statements from bash
 * takes longer than linting them.
 *
 *   gen mix FILE N SEED            one file of N statements, a realistic mix
 *   gen dir DIR NFILES SEED        NFILES dbmate migrations, a few statements each
 *   gen scale FILE N PCT SEED      N statements of which PCT % are flagged
 *                                  (the same hazards, on live or on new tables)
 *   gen runner DIR N               N dbmate migrations: CREATE TABLE tN / DROP TABLE tN
 *   gen payloads DIR PROJECT SEED  the guard's hook payloads a.json b.json c.json
 *
 * "Flagged" statements are hazards on tables that exist before the file
 * (ADD COLUMN NOT NULL without default, CREATE INDEX without CONCURRENTLY,
 * UPDATE without WHERE, ...); "safe" ones are the patterns the design page
 * lists as pass (nullable ADD COLUMN, CONCURRENTLY, keyed UPDATE, INSERT,
 * SELECT, CREATE TABLE).  The linter decides in the end: run.sh counts the
 * findings zdm reports instead of trusting these labels.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n). */
static unsigned rnd(unsigned n)
{
	return (unsigned)(rng_next() % n);
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("gen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static FILE *xopen(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		die("%s: %s", path, strerror(errno));
	return f;
}

static void xclose(FILE *f, const char *path)
{
	if (ferror(f) || fclose(f) != 0)
		die("%s: write failed", path);
}

static void xmkdir(const char *path)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		die("%s: %s", path, strerror(errno));
}

/* Tables that exist before any generated file runs (live tables). */
static const char *const live[] = {
	"users", "orders", "accounts", "invoices", "payments", "products",
	"line_items", "sessions", "events", "audit_log", "customers",
	"shipments", "subscriptions", "comments", "posts", "tags",
};
#define NLIVE (sizeof(live) / sizeof(live[0]))

static const char *const coltype[] = {
	"text", "bigint", "integer", "timestamptz", "jsonb", "boolean",
	"numeric(12,2)", "varchar(255)", "uuid", "date",
};
#define NTYPE (sizeof(coltype) / sizeof(coltype[0]))

/* Types no style rule objects to (bigint over int, text over varchar). */
static const char *const cleantype[] = {
	"text", "bigint", "timestamptz", "jsonb", "boolean", "numeric(12,2)",
	"uuid", "date",
};
#define NCLEAN (sizeof(cleantype) / sizeof(cleantype[0]))

static const char *const words[] = {
	"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
	"hotel", "india", "juliet", "kilo", "lima", "mike", "november",
	"O''Brien", "zoë", "semi;colon", "dollar$sign", "quote\"d",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

static const char *tbl(void)
{
	return live[rnd(NLIVE)];
}

/* Sometimes put a comment in front of a statement, as people do. */
static void maybe_comment(FILE *f, unsigned n)
{
	switch (rnd(12)) {
	case 0:
		fprintf(f, "-- step %u: %s\n", n, words[rnd(NWORDS)]);
		break;
	case 1:
		fprintf(f, "/* change %u\n * reviewed by %s; ticket OPS-%u\n */\n",
			n, words[rnd(NWORDS)], rnd(9000) + 1000);
		break;
	case 2:
		fprintf(f, "/* nested /* comment %u */ still a comment */\n", n);
		break;
	default:
		break;
	}
}

/*
 * Safe statements: what the design page lists as pass, written the way a
 * careful author would (IF NOT EXISTS, bigint, text), so that a file of
 * them draws next to no findings, style warnings included.  `n` makes
 * names unique within a file.
 */
static void safe_stmt(FILE *f, unsigned n)
{
	const char *t = tbl();

	switch (rnd(10)) {
	case 0:
		fprintf(f, "CREATE TABLE IF NOT EXISTS new_%u (\n"
			"    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
			"    name text NOT NULL,\n"
			"    payload jsonb,\n"
			"    created_at timestamptz NOT NULL DEFAULT now()\n);\n", n);
		break;
	case 1:
	case 2:
		fprintf(f, "ALTER TABLE %s ADD COLUMN IF NOT EXISTS c_%u %s;\n",
			t, n, cleantype[rnd(NCLEAN)]);
		break;
	case 3:
		fprintf(f, "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_%s_%u ON %s (c_%u);\n",
			t, n, t, rnd(n + 1));
		break;
	case 4:
		fprintf(f, "UPDATE %s SET c_%u = '%s' WHERE id >= %u AND id < %u;\n",
			t, rnd(n + 1), words[rnd(NWORDS)], n * 1000, n * 1000 + 1000);
		break;
	case 5:
	case 6:
	case 7:
		fprintf(f, "INSERT INTO %s (id, name, note) VALUES (%u, '%s', E'line\\n%u'), "
			"(%u, '%s', NULL);\n", t, n * 2, words[rnd(NWORDS)], n,
			n * 2 + 1, words[rnd(NWORDS)]);
		break;
	case 8:
		fprintf(f, "SELECT count(*) FROM %s WHERE created_at > now() - interval '%u days';\n",
			t, rnd(90) + 1);
		break;
	default:
		fprintf(f, "ALTER TABLE %s ADD COLUMN IF NOT EXISTS d_%u bigint DEFAULT %u;\n",
			t, n, rnd(100));
		break;
	}
}

/* Flagged statements: deny/ask hazards on a live table. */
static void flagged_stmt(FILE *f, unsigned n)
{
	const char *t = tbl();

	switch (rnd(8)) {
	case 0:
		fprintf(f, "ALTER TABLE %s ADD COLUMN nn_%u integer NOT NULL;\n", t, n);
		break;
	case 1:
		fprintf(f, "CREATE INDEX idx_%s_%u ON %s (c_%u);\n", t, n, t, rnd(n + 1));
		break;
	case 2:
		fprintf(f, "UPDATE %s SET c_%u = NULL;\n", t, rnd(n + 1));
		break;
	case 3:
		fprintf(f, "ALTER TABLE %s ALTER COLUMN c_%u TYPE bigint;\n", t, rnd(n + 1));
		break;
	case 4:
		fprintf(f, "ALTER TABLE %s RENAME COLUMN c_%u TO r_%u;\n", t, rnd(n + 1), n);
		break;
	case 5:
		fprintf(f, "ALTER TABLE %s ADD CONSTRAINT fk_%u FOREIGN KEY (account_id) "
			"REFERENCES accounts (id);\n", t, n);
		break;
	case 6:
		fprintf(f, "ALTER TABLE %s ALTER COLUMN c_%u SET NOT NULL;\n", t, rnd(n + 1));
		break;
	default:
		fprintf(f, "ALTER TABLE %s DROP COLUMN c_%u;\n", t, rnd(n + 1));
		break;
	}
}

/*
 * The realistic mix: mostly safe DDL and data, a share of hazards, and the
 * things that trip naive splitters (dollar quotes with and without tags,
 * DO blocks, E'' strings, semicolons inside strings and comments).
 */
static void mix_stmt(FILE *f, unsigned n, int in_txn_file)
{
	const char *t = tbl();
	unsigned r = rnd(100);

	maybe_comment(f, n);
	if (r < 28) {
		safe_stmt(f, n);
	} else if (r < 38) {
		fprintf(f, "INSERT INTO %s (id, name, note, created_at) VALUES\n"
			"    (%u, '%s', 'a; b', '2024-01-%02u'),\n"
			"    (%u, '%s', E'tab\\tsep', '2024-02-%02u'),\n"
			"    (%u, '%s', NULL, now());\n",
			t, n * 3, words[rnd(NWORDS)], rnd(28) + 1,
			n * 3 + 1, words[rnd(NWORDS)], rnd(28) + 1,
			n * 3 + 2, words[rnd(NWORDS)]);
	} else if (r < 42) {
		fprintf(f, "ALTER TABLE %s ADD COLUMN s_%u text NOT NULL DEFAULT '%s';\n",
			t, n, words[rnd(NWORDS)]);
	} else if (r < 46) {
		fprintf(f, "ALTER TABLE %s ADD COLUMN v_%u %s;\n", t, n, coltype[rnd(NTYPE)]);
	} else if (r < 52) {
		fprintf(f, "CREATE INDEX %sidx_m_%u ON %s USING btree (c_%u, created_at);\n",
			in_txn_file ? "" : (rnd(2) ? "CONCURRENTLY " : ""), n, t, rnd(n + 1));
	} else if (r < 58) {
		fprintf(f, "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_c_%u ON %s (lower(c_%u));\n",
			n, t, rnd(n + 1));
	} else if (r < 64) {
		fprintf(f, "UPDATE %s SET c_%u = '%s' WHERE id BETWEEN %u AND %u;\n",
			t, rnd(n + 1), words[rnd(NWORDS)], n * 500, n * 500 + 499);
	} else if (r < 67) {
		fprintf(f, "UPDATE %s SET flag_%u = false;\n", t, rnd(n + 1));
	} else if (r < 72) {
		fprintf(f, "CREATE OR REPLACE FUNCTION touch_%u() RETURNS trigger\n"
			"LANGUAGE plpgsql AS $fn$\n"
			"BEGIN\n"
			"    -- a semicolon; inside the body\n"
			"    NEW.updated_at := now();\n"
			"    IF NEW.name = 'x;y' THEN\n"
			"        RAISE NOTICE 'row %% changed', NEW.id;\n"
			"    END IF;\n"
			"    RETURN NEW;\n"
			"END;\n"
			"$fn$;\n", n);
	} else if (r < 75) {
		fprintf(f, "CREATE FUNCTION add_%u(a integer, b integer) RETURNS integer\n"
			"LANGUAGE sql IMMUTABLE AS $$ SELECT a + b + %u; $$;\n", n, n);
	} else if (r < 79) {
		fprintf(f, "DO $$\n"
			"BEGIN\n"
			"    IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'ix_%u') THEN\n"
			"        EXECUTE 'CREATE INDEX ix_%u ON %s (c_%u)';\n"
			"    END IF;\n"
			"    UPDATE %s SET c_%u = 0 WHERE c_%u IS NULL;\n"
			"END\n"
			"$$;\n", n, n, t, rnd(n + 1), t, n, n);
	} else if (r < 82) {
		fprintf(f, "DELETE FROM %s WHERE created_at < now() - interval '90 days';\n", t);
	} else if (r < 84) {
		fprintf(f, "ALTER TABLE %s ADD CONSTRAINT fk_m_%u FOREIGN KEY (account_id) "
			"REFERENCES accounts (id) NOT VALID;\n", t, n);
	} else if (r < 86) {
		fprintf(f, "ALTER TABLE %s VALIDATE CONSTRAINT fk_m_%u;\n", t, rnd(n + 1));
	} else if (r < 88) {
		fprintf(f, "COMMENT ON TABLE %s IS 'owner: team-%s; retention 90d';\n",
			t, words[rnd(NWORDS)]);
	} else if (r < 90) {
		fprintf(f, "CREATE VIEW v_%u AS SELECT id, name FROM %s WHERE deleted_at IS NULL;\n",
			n, t);
	} else if (r < 91) {
		fprintf(f, "DROP INDEX CONCURRENTLY IF EXISTS idx_old_%u;\n", n);
	} else {
		flagged_stmt(f, n);
	}
}

/* A dbmate migration with a few statements up and one or two down. */
static void write_migration(const char *path, unsigned n)
{
	FILE *f = xopen(path);
	unsigned k = 2 + rnd(5), i;
	int notxn = rnd(20) == 0;

	fprintf(f, "-- migrate:up%s\n", notxn ? " transaction:false" : "");
	for (i = 0; i < k; i++)
		mix_stmt(f, n * 10 + i, !notxn);
	fprintf(f, "\n-- migrate:down\n");
	fprintf(f, "DROP TABLE IF EXISTS new_%u;\n", n * 10);
	if (rnd(2))
		fprintf(f, "ALTER TABLE %s DROP COLUMN IF EXISTS c_%u;\n", tbl(), n * 10);
	xclose(f, path);
}

static void gen_mix(const char *path, unsigned n)
{
	FILE *f = xopen(path);
	unsigned i;

	fputs("-- generated by tests/bench/gen.c: a realistic mix\n", f);
	fputs("SET lock_timeout = '2s';\n", f);
	for (i = 1; i < n; i++)
		mix_stmt(f, i, 0);
	xclose(f, path);
}

static void gen_dir(const char *dir, unsigned nfiles)
{
	char path[4096];
	unsigned i;

	xmkdir(dir);
	for (i = 1; i <= nfiles; i++) {
		snprintf(path, sizeof(path), "%s/2024%010u_change_%u.sql", dir, i, i);
		write_migration(path, i);
	}
}

/*
 * One hazard from a fixed set, on a live table (flagged) or on a table
 * created at the top of the same file (no lock hazard, so not flagged).
 * The two spellings have the same length and the same parse work, and
 * the PRNG is drawn the same way for both, so the 0 %, 50 % and 100 %
 * files differ only in which tables the statements touch: what changes
 * between them is the number of findings, nothing else.  Written the
 * careful way (IF NOT EXISTS, bigint) so that style rules stay quiet.
 */
static void scale_stmt(FILE *f, unsigned n, int flagged)
{
	const char *pre = flagged ? "live_" : "new_t";
	unsigned t = rnd(16), c = rnd(n + 1);

	switch (rnd(8)) {
	case 0:
		fprintf(f, "ALTER TABLE %s%02u ADD COLUMN IF NOT EXISTS nn_%u bigint NOT NULL;\n",
			pre, t, n);
		break;
	case 1:
		fprintf(f, "CREATE INDEX IF NOT EXISTS idx_%u ON %s%02u (c_%u);\n", n, pre, t, c);
		break;
	case 2:
		fprintf(f, "UPDATE %s%02u SET c_%u = NULL;\n", pre, t, c);
		break;
	case 3:
		fprintf(f, "ALTER TABLE %s%02u ALTER COLUMN c_%u TYPE bigint;\n", pre, t, c);
		break;
	case 4:
		fprintf(f, "ALTER TABLE %s%02u RENAME COLUMN c_%u TO r_%u;\n", pre, t, c, n);
		break;
	case 5:
		fprintf(f, "ALTER TABLE %s%02u ADD CONSTRAINT fk_%u FOREIGN KEY (a_id) "
			"REFERENCES %s%02u (id);\n", pre, t, n, pre, (t + 1) % 16);
		break;
	case 6:
		fprintf(f, "ALTER TABLE %s%02u ALTER COLUMN c_%u SET NOT NULL;\n", pre, t, c);
		break;
	default:
		fprintf(f, "ALTER TABLE %s%02u DROP COLUMN IF EXISTS c_%u;\n", pre, t, c);
		break;
	}
}

/*
 * N statements, PCT % of them flagged, spread evenly (Bresenham-style) so
 * that the 50 % file is not "all safe, then all flagged".
 */
static void gen_scale(const char *path, unsigned n, unsigned pct)
{
	FILE *f = xopen(path);
	unsigned i, acc = 0;

	fputs("SET lock_timeout = '2s';\n", f);
	for (i = 0; i < 16; i++)
		fprintf(f, "CREATE TABLE IF NOT EXISTS new_t%02u (id bigint PRIMARY KEY, "
			"a_id bigint, c_0 text);\n", i);
	for (i = 0; i < n; i++) {
		int flagged = 0;

		acc += pct;
		if (acc >= 100) {
			acc -= 100;
			flagged = 1;
		}
		scale_stmt(f, i, flagged);
	}
	xclose(f, path);
}

static void gen_runner(const char *dir, unsigned n)
{
	char path[4096];
	unsigned i;

	xmkdir(dir);
	for (i = 1; i <= n; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/2024%010u_create_t%u.sql", dir, i, i);
		f = xopen(path);
		fprintf(f, "-- migrate:up\n"
			"CREATE TABLE t%u (\n"
			"    id integer PRIMARY KEY,\n"
			"    name text NOT NULL,\n"
			"    created_at text DEFAULT CURRENT_TIMESTAMP\n"
			");\n"
			"CREATE INDEX t%u_name ON t%u (name);\n"
			"\n-- migrate:down\n"
			"DROP TABLE t%u;\n", i, i, i, i);
		xclose(f, path);
	}
}

/* Write s as the body of a JSON string (without the quotes). */
static void json_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
}

static void payload_head(FILE *f, const char *project, const char *tool)
{
	fputs("{\"session_id\":\"bench-0000\",\"transcript_path\":\"/tmp/bench.jsonl\",\"cwd\":\"", f);
	json_str(f, project);
	fprintf(f, "\",\"permission_mode\":\"default\",\"hook_event_name\":\"PreToolUse\","
		"\"tool_name\":\"%s\",\"tool_use_id\":\"toolu_bench\",\"tool_input\":{", tool);
}

static void payload_bash(const char *path, const char *project, const char *cmd)
{
	FILE *f = xopen(path);

	payload_head(f, project, "Bash");
	fputs("\"command\":\"", f);
	json_str(f, cmd);
	fputs("\",\"description\":\"bench\"}}\n", f);
	xclose(f, path);
}

static void gen_payloads(const char *dir, const char *project)
{
	char path[4096], file[4096], tmp[] = "/tmp/zdm-bench-XXXXXX";
	FILE *f, *body;
	long len;
	char *buf;
	unsigned i;

	xmkdir(dir);
	snprintf(path, sizeof(path), "%s/a.json", dir);
	payload_bash(path, project, "ls -la");
	snprintf(path, sizeof(path), "%s/b.json", dir);
	payload_bash(path, project, "psql -c \"ALTER TABLE a ADD COLUMN b int; "
		"CREATE INDEX CONCURRENTLY i ON a(b); SELECT 1\"");

	/* (c) a Write of a 200-statement migration: build the content first. */
	{
		int fd = mkstemp(tmp);

		if (fd < 0 || !(body = fdopen(fd, "w+")))
			die("%s: %s", tmp, strerror(errno));
	}
	fputs("-- migrate:up\n", body);
	for (i = 1; i <= 200; i++)
		mix_stmt(body, i, 1);
	fputs("\n-- migrate:down\nDROP TABLE IF EXISTS new_1;\n", body);
	fflush(body);
	len = ftell(body);
	rewind(body);
	buf = malloc((size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, body) != (size_t)len)
		die("reading back %s failed", tmp);
	buf[len] = 0;
	fclose(body);
	remove(tmp);

	snprintf(path, sizeof(path), "%s/c.json", dir);
	snprintf(file, sizeof(file), "%s/db/migrations/20240601120000_bench_write.sql", project);
	f = xopen(path);
	payload_head(f, project, "Write");
	fputs("\"file_path\":\"", f);
	json_str(f, file);
	fputs("\",\"content\":\"", f);
	json_str(f, buf);
	fputs("\"}}\n", f);
	xclose(f, path);

	/* The same content as a plain file, for reference. */
	snprintf(path, sizeof(path), "%s/c.sql", dir);
	f = xopen(path);
	fputs(buf, f);
	xclose(f, path);
	free(buf);
}

static unsigned num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == 0 || *end != 0)
		die("not a number: %s", s);
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "mix") && argc == 5) {
		rng_state = num(argv[4]);
		gen_mix(argv[2], num(argv[3]));
	} else if (!strcmp(cmd, "dir") && argc == 5) {
		rng_state = num(argv[4]);
		gen_dir(argv[2], num(argv[3]));
	} else if (!strcmp(cmd, "scale") && argc == 6) {
		rng_state = num(argv[5]);
		gen_scale(argv[2], num(argv[3]), num(argv[4]));
	} else if (!strcmp(cmd, "runner") && argc == 4) {
		gen_runner(argv[2], num(argv[3]));
	} else if (!strcmp(cmd, "payloads") && argc == 5) {
		rng_state = num(argv[4]);
		gen_payloads(argv[2], argv[3]);
	} else {
		fputs("usage: gen mix FILE N SEED | dir DIR NFILES SEED | scale FILE N PCT SEED\n"
		      "           | runner DIR N | payloads DIR PROJECT SEED\n", stderr);
		return 2;
	}
	return 0;
}
