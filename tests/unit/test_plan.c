/* SPDX-License-Identifier: MIT */
/*
 * test_plan.c - zdm plan's generator: every recipe's migrations pass the
 * linter (each file alone and the set in order), names are checked and
 * quoted, expressions are one expression, versions are ordered, and the
 * backfill option checks warn about reruns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "zdm/backfill.h"
#include "zdm/db.h"
#include "zdm/lint.h"
#include "zdm/plan.h"

/* ---- helpers ---------------------------------------------------------------- */

static enum zdm_status build(struct zdm_plan *p, enum zdm_dialect d, int pgv, const char *recipe,
			     const char *const *args, size_t n, struct zdm_error *err)
{
	struct zdm_plan_req r;
	memset(&r, 0, sizeof r);
	r.recipe = recipe;
	r.args = args;
	r.nargs = n;
	r.dialect = d;
	r.pg_version = pgv;
	*p = (struct zdm_plan)ZDM_PLAN_INIT;
	zdm_error_clear(err);
	return zdm_plan_build(&r, p, err);
}

/* The strongest decision zdm lint gives the plan's files: alone, then as a set. */
static enum zdm_decision lint_plan(const struct zdm_plan *p, enum zdm_dialect d, int pgv)
{
	struct zdm_lint_opts o = { d, pgv, 0 };
	enum zdm_decision worst = ZDM_DECISION_OFF;
	struct zdm_linter *set = zdm_linter_new(&o);
	struct zdm_report all = ZDM_REPORT_INIT;
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct zdm_plan_step *s = &p->steps[i];
		if (s->kind != ZDM_PLAN_MIGRATION)
			continue;
		char name[128];
		snprintf(name, sizeof name, "%zu_%s.sql", i, s->name);
		struct zdm_source src = { name, s->text, strlen(s->text), -1, NULL, 0, 0 };
		struct zdm_error err;
		struct zdm_linter *one = zdm_linter_new(&o);
		struct zdm_report rep = ZDM_REPORT_INIT;
		cr_assert_eq(zdm_lint_source(one, &src, &rep, &err), ZDM_OK);
		enum zdm_decision m = zdm_report_max(&rep);
		if (m >= ZDM_DECISION_ASK)
			for (size_t k = 0; k < rep.count; k++)
				if (!rep.items[k].allowed && rep.items[k].decision >= ZDM_DECISION_ASK)
					cr_log_error("%s: %s: %s", name, rep.items[k].rule->id, rep.items[k].statement);
		if (m > worst)
			worst = m;
		zdm_report_release(&rep);
		zdm_linter_free(one);
		cr_assert_eq(zdm_lint_source(set, &src, &all, &err), ZDM_OK);
	}
	enum zdm_decision m = zdm_report_max(&all);
	if (m > worst)
		worst = m;
	zdm_report_release(&all);
	zdm_linter_free(set);
	return worst;
}

static size_t count_kind(const struct zdm_plan *p, enum zdm_plan_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nsteps; i++)
		n += p->steps[i].kind == k;
	return n;
}

static const struct zdm_plan_step *nth_migration(const struct zdm_plan *p, size_t n)
{
	for (size_t i = 0; i < p->nsteps; i++)
		if (p->steps[i].kind == ZDM_PLAN_MIGRATION && n-- == 0)
			return &p->steps[i];
	return NULL;
}

/* ---- every recipe lints clean ------------------------------------------------ */

struct recipe_case {
	int dialect;
	int pgv;
	const char *recipe;
	const char *args[4];
	size_t nargs;
	size_t migrations;
};

static const struct recipe_case cases[] = {
	{ ZDM_DIALECT_POSTGRES, 15, "add-column", { "users", "nickname", "text" }, 3, 1 },
	{ ZDM_DIALECT_POSTGRES, 15, "add-not-null-column", { "users", "email2", "text" }, 3, 5 },
	{ ZDM_DIALECT_POSTGRES, 11, "add-not-null-column", { "users", "email2", "text" }, 3, 3 },
	{ ZDM_DIALECT_POSTGRES, 15, "rename-column", { "users", "email", "email_address" }, 3, 2 },
	{ ZDM_DIALECT_POSTGRES, 10, "rename-column", { "users", "email", "email_address" }, 3, 2 },
	{ ZDM_DIALECT_POSTGRES, 15, "change-type", { "accounts", "balance", "bigint" }, 3, 2 },
	{ ZDM_DIALECT_POSTGRES, 15, "add-index", { "orders", "user_id" }, 2, 1 },
	{ ZDM_DIALECT_POSTGRES, 15, "add-index", { "orders", "(a, b)" }, 2, 1 },
	{ ZDM_DIALECT_POSTGRES, 15, "drop-column", { "users", "legacy" }, 2, 1 },
	{ ZDM_DIALECT_POSTGRES, 15, "add-foreign-key", { "orders", "user_id", "users" }, 3, 2 },
	{ ZDM_DIALECT_POSTGRES, 15, "add-unique", { "users", "email" }, 2, 2 },
	{ ZDM_DIALECT_POSTGRES, 15, "rename-table", { "customers", "clients" }, 2, 2 },
	{ ZDM_DIALECT_POSTGRES, 15, "rename-table", { "app.customers", "clients" }, 2, 2 },
	{ ZDM_DIALECT_SQLITE, 0, "add-column", { "users", "nickname", "text" }, 3, 1 },
	{ ZDM_DIALECT_SQLITE, 0, "add-not-null-column", { "users", "email2", "text" }, 3, 2 },
	{ ZDM_DIALECT_SQLITE, 0, "rename-column", { "users", "email", "email_address" }, 3, 2 },
	{ ZDM_DIALECT_SQLITE, 0, "change-type", { "accounts", "balance", "integer" }, 3, 2 },
	{ ZDM_DIALECT_SQLITE, 0, "add-index", { "orders", "user_id" }, 2, 1 },
	{ ZDM_DIALECT_SQLITE, 0, "add-unique", { "users", "email" }, 2, 1 },
	{ ZDM_DIALECT_SQLITE, 0, "drop-column", { "users", "legacy" }, 2, 1 },
	{ ZDM_DIALECT_SQLITE, 0, "rename-table", { "customers", "clients" }, 2, 2 },
};

/*
 * One test over the table rather than a ParameterizedTest: Criterion may
 * re-execute the binary for each parameter, and the table holds pointers.
 */
Test(plan, every_recipe_passes_lint)
{
	for (size_t n = 0; n < sizeof cases / sizeof cases[0]; n++) {
		const struct recipe_case *c = &cases[n];
		struct zdm_plan p;
		struct zdm_error err;
		cr_assert_eq(build(&p, (enum zdm_dialect)c->dialect, c->pgv, c->recipe, c->args, c->nargs, &err), ZDM_OK,
			     "%s: %s", c->recipe, err.msg);
		cr_expect_eq(count_kind(&p, ZDM_PLAN_MIGRATION), c->migrations, "case %zu %s: %zu migrations", n,
			     c->recipe, count_kind(&p, ZDM_PLAN_MIGRATION));
		cr_expect_lt(lint_plan(&p, (enum zdm_dialect)c->dialect, c->pgv), ZDM_DECISION_ASK, "case %zu %s on %s",
			     n, c->recipe, zdm_dialect_name((enum zdm_dialect)c->dialect));
		for (size_t i = 0; i < p.nsteps; i++)
			if (p.steps[i].kind == ZDM_PLAN_MIGRATION) {
				cr_expect(strstr(p.steps[i].text, "-- migrate:up") == p.steps[i].text);
				cr_expect_not_null(strstr(p.steps[i].text, "\n-- migrate:down"));
			}
		zdm_plan_release(&p);
	}
}

/* ---- recipes: the SQL the reference pages show ------------------------------------ */

Test(plan, constant_default_not_null_is_one_statement_on_pg11)
{
	const char *args[] = { "users", "status", "text" };
	struct zdm_plan_req r;
	memset(&r, 0, sizeof r);
	r.recipe = "add-column";
	r.args = args;
	r.nargs = 3;
	r.not_null = 1;
	r.default_expr = "'active'";
	r.pg_version = 11;
	struct zdm_plan p = ZDM_PLAN_INIT;
	struct zdm_error err;
	cr_assert_eq(zdm_plan_build(&r, &p, &err), ZDM_OK);
	cr_assert_eq(count_kind(&p, ZDM_PLAN_MIGRATION), 1);
	cr_expect_not_null(strstr(nth_migration(&p, 0)->text, "ADD COLUMN status text DEFAULT 'active' NOT NULL;"));
	cr_expect_eq(count_kind(&p, ZDM_PLAN_BACKFILL), 0);
	zdm_plan_release(&p);
	/* PostgreSQL 10: the default rewrites; the phased route with a backfill */
	r.pg_version = 10;
	p = (struct zdm_plan)ZDM_PLAN_INIT;
	cr_assert_eq(zdm_plan_build(&r, &p, &err), ZDM_OK);
	cr_expect_eq(count_kind(&p, ZDM_PLAN_MIGRATION), 3);
	cr_expect_eq(count_kind(&p, ZDM_PLAN_BACKFILL), 1);
	cr_expect_lt(lint_plan(&p, ZDM_DIALECT_POSTGRES, 10), ZDM_DECISION_ASK);
	zdm_plan_release(&p);
}

Test(plan, not_null_route_is_check_validate_set_drop)
{
	const char *args[] = { "users", "email", "text" };
	struct zdm_plan p;
	struct zdm_error err;
	cr_assert_eq(build(&p, ZDM_DIALECT_POSTGRES, 15, "add-not-null-column", args, 3, &err), ZDM_OK);
	cr_expect_not_null(strstr(nth_migration(&p, 1)->text, "CHECK (email IS NOT NULL) NOT VALID;"));
	cr_expect_not_null(strstr(nth_migration(&p, 2)->text, "VALIDATE CONSTRAINT users_email_not_null;"));
	cr_expect_not_null(strstr(nth_migration(&p, 3)->text, "ALTER COLUMN email SET NOT NULL;"));
	cr_expect_not_null(strstr(nth_migration(&p, 4)->text, "DROP CONSTRAINT IF EXISTS users_email_not_null;"));
	/* deploy and backfill come between the nullable add and the check */
	size_t i = 0;
	while (p.steps[i].kind != ZDM_PLAN_MIGRATION)
		i++;
	cr_expect_eq(p.steps[i + 1].kind, ZDM_PLAN_DEPLOY);
	cr_expect_eq(p.steps[i + 2].kind, ZDM_PLAN_BACKFILL);
	cr_expect_not_null(strstr(p.steps[i + 2].text, "zdm backfill --table users --set 'email = <value>' --where 'email IS NULL'"));
	zdm_plan_release(&p);
}

Test(plan, add_index_is_concurrent_and_alone_outside_a_transaction)
{
	const char *args[] = { "orders", "user_id" };
	struct zdm_plan p;
	struct zdm_error err;
	cr_assert_eq(build(&p, ZDM_DIALECT_POSTGRES, 15, "add-index", args, 2, &err), ZDM_OK);
	const char *t = nth_migration(&p, 0)->text;
	cr_expect_not_null(strstr(t, "-- migrate:up transaction:false\n"));
	cr_expect_not_null(strstr(t, "-- migrate:down transaction:false\n"));
	cr_expect_not_null(strstr(t, "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON orders (user_id);"));
	cr_expect_not_null(strstr(t, "DROP INDEX CONCURRENTLY IF EXISTS orders_user_id_idx;"));
	cr_expect_eq(count_kind(&p, ZDM_PLAN_CHECK), 1);
	zdm_plan_release(&p);
}

Test(plan, six_phases_order_for_rename_column)
{
	const char *args[] = { "users", "email", "email_address" };
	struct zdm_plan p;
	struct zdm_error err;
	cr_assert_eq(build(&p, ZDM_DIALECT_POSTGRES, 15, "rename-column", args, 3, &err), ZDM_OK);
	enum zdm_plan_kind want[] = { ZDM_PLAN_MIGRATION, ZDM_PLAN_BACKFILL, ZDM_PLAN_DEPLOY, ZDM_PLAN_DEPLOY,
				      ZDM_PLAN_MIGRATION };
	size_t k = 0;
	for (size_t i = 0; i < p.nsteps; i++)
		if (p.steps[i].kind != ZDM_PLAN_NOTE && k < 5)
			cr_expect_eq(p.steps[i].kind, want[k++], "step %zu", i);
	cr_expect_eq(k, 5);
	cr_expect_not_null(strstr(nth_migration(&p, 0)->text, "EXECUTE FUNCTION users_sync_email()"));
	cr_expect_not_null(strstr(nth_migration(&p, 1)->text, "ALTER TABLE users DROP COLUMN IF EXISTS email;"));
	zdm_plan_release(&p);
}

Test(plan, using_expression_reads_new_in_the_trigger)
{
	const char *args[] = { "products", "price", "integer" };
	struct zdm_plan_req r;
	memset(&r, 0, sizeof r);
	r.recipe = "change-type";
	r.args = args;
	r.nargs = 3;
	r.using_expr = "round(price * 100)";
	r.new_name = "price_cents";
	struct zdm_plan p = ZDM_PLAN_INIT;
	struct zdm_error err;
	cr_assert_eq(zdm_plan_build(&r, &p, &err), ZDM_OK);
	cr_expect_not_null(strstr(nth_migration(&p, 0)->text, "NEW.price_cents := round(NEW.price * 100);"));
	zdm_plan_release(&p);
}

Test(plan, mysql_is_not_supported_yet)
{
	const char *args[] = { "t", "a" };
	struct zdm_plan p;
	struct zdm_error err;
	cr_expect_eq(build(&p, ZDM_DIALECT_MYSQL, 0, "add-index", args, 2, &err), ZDM_ERR_USAGE);
	cr_expect_not_null(strstr(err.msg, "does not support MySQL yet"));
	zdm_plan_release(&p);
}

/* ---- names and expressions -------------------------------------------------------- */

Test(plan, hostile_names_are_refused)
{
	const char *bad[] = { "a\"; DROP TABLE x; --", "a b", "1abc", "", "a.b.c", "x;y", "a'b",
			      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_expect_not(zdm_plan_ident_ok(bad[i]), "'%s'", bad[i]);
		const char *args[] = { bad[i], "c" };
		struct zdm_plan p;
		struct zdm_error err;
		cr_expect_eq(build(&p, ZDM_DIALECT_POSTGRES, 15, "add-index", args, 2, &err), ZDM_ERR_USAGE);
		cr_expect_eq(p.nsteps, 0);
		zdm_plan_release(&p);
	}
	cr_expect(zdm_plan_ident_ok("public.users"));
	cr_expect(zdm_plan_ident_ok("_x9"));
}

Test(plan, capitals_and_reserved_words_are_quoted)
{
	struct zdm_buf b = ZDM_BUF_INIT;
	zdm_plan_quote_ident(&b, "Users");
	zdm_buf_adds(&b, " ");
	zdm_plan_quote_ident(&b, "order");
	zdm_buf_adds(&b, " ");
	zdm_plan_quote_ident(&b, "app.user");
	zdm_buf_adds(&b, " ");
	zdm_plan_quote_ident(&b, "email");
	cr_expect_str_eq(b.data, "\"Users\" \"order\" app.\"user\" email");
	zdm_buf_release(&b);
}

Test(plan, expressions_must_be_one_expression)
{
	struct zdm_error err;
	cr_expect_eq(zdm_plan_check_expr(ZDM_DIALECT_POSTGRES, "round(price * 100)", "x", &err), ZDM_OK);
	cr_expect_eq(zdm_plan_check_expr(ZDM_DIALECT_POSTGRES, "'a;b'", "x", &err), ZDM_OK);
	cr_expect_eq(zdm_plan_check_expr(ZDM_DIALECT_POSTGRES, "numeric(12, 2)", "x", &err), ZDM_OK);
	cr_expect_eq(zdm_plan_check_expr(ZDM_DIALECT_POSTGRES, "1; DROP TABLE t", "x", &err), ZDM_ERR_USAGE);
	cr_expect_eq(zdm_plan_check_expr(ZDM_DIALECT_POSTGRES, "1 -- rest", "x", &err), ZDM_ERR_USAGE);
	cr_expect_eq(zdm_plan_check_expr(ZDM_DIALECT_POSTGRES, "1 /* x */", "x", &err), ZDM_ERR_USAGE);
	cr_expect_eq(zdm_plan_check_expr(ZDM_DIALECT_POSTGRES, "f(1", "x", &err), ZDM_ERR_USAGE);
	cr_expect_eq(zdm_plan_check_expr(ZDM_DIALECT_POSTGRES, "1)", "x", &err), ZDM_ERR_USAGE);
	cr_expect_eq(zdm_plan_check_expr(ZDM_DIALECT_POSTGRES, "'open", "x", &err), ZDM_ERR_USAGE);
	cr_expect_eq(zdm_plan_check_expr(ZDM_DIALECT_POSTGRES, "  ", "x", &err), ZDM_ERR_USAGE);
}

/* ---- versions and files -------------------------------------------------------------- */

Test(plan, versions_are_timestamps_one_second_apart_after_existing_files)
{
	char dir[] = "/tmp/zdm-test-plan.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/20991231235959_future.sql", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fclose(f);
	const char *args[] = { "users", "email2", "text" };
	struct zdm_plan p;
	struct zdm_error err;
	cr_assert_eq(build(&p, ZDM_DIALECT_POSTGRES, 15, "add-not-null-column", args, 3, &err), ZDM_OK);
	cr_assert_eq(zdm_plan_assign(&p, dir, (time_t)1700000000, &err), ZDM_OK);
	cr_expect_str_eq(nth_migration(&p, 0)->version, "21000101000000");
	cr_expect_str_eq(nth_migration(&p, 1)->version, "21000101000001");
	cr_expect_str_eq(nth_migration(&p, 4)->version, "21000101000004");
	cr_assert_eq(zdm_plan_write(&p, &err), ZDM_OK);
	cr_expect_eq(access(nth_migration(&p, 4)->file, R_OK), 0);
	/* never overwrite */
	cr_expect_eq(zdm_plan_write(&p, &err), ZDM_ERR_IO);
	for (size_t i = 0; i < 5; i++)
		unlink(nth_migration(&p, i)->file);
	unlink(path);
	rmdir(dir);
	zdm_plan_release(&p);
}

Test(plan, versions_start_at_now_in_an_empty_dir)
{
	const char *args[] = { "orders", "user_id" };
	struct zdm_plan p;
	struct zdm_error err;
	cr_assert_eq(build(&p, ZDM_DIALECT_POSTGRES, 15, "add-index", args, 2, &err), ZDM_OK);
	cr_assert_eq(zdm_plan_assign(&p, "/nonexistent/dir", (time_t)1700000000, &err), ZDM_OK);
	cr_expect_str_eq(nth_migration(&p, 0)->version, "20231114221320");
	cr_expect_str_eq(nth_migration(&p, 0)->file, "/nonexistent/dir/20231114221320_add_index_orders_user_id.sql");
	zdm_plan_release(&p);
}

/* ---- backfill option checks ----------------------------------------------------------- */

Test(plan, backfill_warns_about_reruns)
{
	struct zdm_backfill_opts o;
	memset(&o, 0, sizeof o);
	o.table = "users";
	o.set = "status = 'active'";
	char out[1024];
	int n;
	struct zdm_error err;
	cr_assert_eq(zdm_backfill_check(&o, out, sizeof out, &n, &err), ZDM_OK);
	cr_expect_eq(n, 1);
	cr_expect_not_null(strstr(out, "no --where"));
	o.where = "status IS NULL";
	cr_assert_eq(zdm_backfill_check(&o, out, sizeof out, &n, &err), ZDM_OK);
	cr_expect_eq(n, 0);
	o.where = "id > 5";
	cr_assert_eq(zdm_backfill_check(&o, out, sizeof out, &n, &err), ZDM_OK);
	cr_expect_eq(n, 1);
	o.set = "n = n + 1";
	o.where = "n < 10";
	cr_assert_eq(zdm_backfill_check(&o, out, sizeof out, &n, &err), ZDM_OK);
	cr_expect_eq(n, 1);
	cr_expect_not_null(strstr(out, "not idempotent"));
}

Test(plan, backfill_refuses_malformed_options)
{
	struct zdm_backfill_opts o;
	memset(&o, 0, sizeof o);
	o.table = "users";
	char out[64];
	int n;
	struct zdm_error err;
	const char *bad[] = { "status", "= 1", "a = 1; DROP TABLE users", "a = 1 -- x", "a = (1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		o.set = bad[i];
		cr_expect_eq(zdm_backfill_check(&o, out, sizeof out, &n, &err), ZDM_ERR_USAGE, "'%s'", bad[i]);
	}
	o.set = "a = 1";
	o.where = "1=1; DELETE FROM users";
	cr_expect_eq(zdm_backfill_check(&o, out, sizeof out, &n, &err), ZDM_ERR_USAGE);
}

/* ---- backfill on an in-memory SQLite database -------------------------------------- */

static void count_batches(void *ctx, const struct zdm_backfill_progress *p)
{
	long long *n = ctx;
	*n = p->batches;
}

static long long scalar(struct zdm_db *db, const char *sql)
{
	struct zdm_rows rows = ZDM_ROWS_INIT;
	struct zdm_error err;
	cr_assert_eq(zdm_db_query(db, sql, NULL, 0, &rows, &err), ZDM_OK, "%s: %s", sql, err.msg);
	long long v = atoll(zdm_rows_get(&rows, 0, 0) ? zdm_rows_get(&rows, 0, 0) : "-1");
	zdm_rows_release(&rows);
	return v;
}

Test(plan, backfill_updates_every_row_once_and_resumes)
{
	struct zdm_db *db;
	struct zdm_error err;
	cr_assert_eq(zdm_db_open("sqlite::memory:", &db, &err), ZDM_OK, "%s", err.msg);
	cr_assert_eq(zdm_db_exec(db, "CREATE TABLE t (id integer PRIMARY KEY, v integer, w integer)", &err), ZDM_OK);
	cr_assert_eq(zdm_db_exec(db, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000) "
				 "INSERT INTO t SELECT x * 3, x, NULL FROM c", &err), ZDM_OK);
	volatile sig_atomic_t stop = 0;
	struct zdm_backfill_opts o;
	memset(&o, 0, sizeof o);
	o.table = "t";
	o.set = "w = v * 2";
	o.where = "w IS NULL";
	o.batch = 700;
	o.stop = &stop;
	struct zdm_backfill_result res;
	long long batches = 0;
	/* a dry run changes nothing and shows the first ranges */
	o.dry_run = 1;
	cr_assert_eq(zdm_backfill_run(db, &o, NULL, NULL, &res, &err), ZDM_OK, "%s", err.msg);
	cr_expect_eq(res.nranges, 5);
	cr_expect_str_eq(res.ranges[0][1], "2100");
	cr_expect_str_eq(res.ranges[1][0], "2100");
	cr_expect_eq(scalar(db, "SELECT count(*) FROM t WHERE w IS NOT NULL"), 0);
	zdm_backfill_result_release(&res);
	o.dry_run = 0;
	/* stopped before the first batch: the checkpoint row is there, nothing done */
	stop = 1;
	cr_assert_eq(zdm_backfill_run(db, &o, count_batches, &batches, &res, &err), ZDM_OK, "%s", err.msg);
	cr_expect(res.stopped);
	cr_expect_eq(res.batches, 0);
	zdm_backfill_result_release(&res);
	stop = 0;
	cr_assert_eq(zdm_backfill_run(db, &o, count_batches, &batches, &res, &err), ZDM_OK, "%s", err.msg);
	cr_expect(res.finished);
	cr_expect(res.resumed);
	cr_expect_eq(res.rows_updated, 5000);
	cr_expect_eq(res.rows_scanned, 5000);
	cr_expect_eq(batches, 8); /* 5000 rows by 700, fixed size (no target time) */
	cr_expect_eq(scalar(db, "SELECT count(*) FROM t WHERE w IS NOT v * 2"), 0);
	cr_expect_eq(scalar(db, "SELECT rows_done FROM zdm_backfills"), 5000);
	cr_expect_eq(scalar(db, "SELECT last_key FROM zdm_backfills"), 15000);
	zdm_backfill_result_release(&res);
	/* a rerun of a finished backfill does nothing */
	cr_assert_eq(zdm_backfill_run(db, &o, NULL, NULL, &res, &err), ZDM_OK);
	cr_expect(res.finished);
	cr_expect_eq(res.batches, 0);
	zdm_backfill_result_release(&res);
	/* a table or key that does not exist fails instead of walking a string */
	o.key = "nope\"; DROP TABLE t; --";
	cr_expect_eq(zdm_backfill_run(db, &o, NULL, NULL, &res, &err), ZDM_ERR_DB);
	zdm_backfill_result_release(&res);
	cr_expect_eq(scalar(db, "SELECT count(*) FROM t"), 5000);
	zdm_db_free(db);
}
