/* SPDX-License-Identifier: MIT */
/*
 * backfill.c - zdm backfill: walk a table by key range, one short
 * transaction per batch, with the checkpoint in the same transaction.
 *
 * Separate from the CLI (progress display, signals) and from the
 * drivers: it speaks only db.h, so SQLite and PostgreSQL run the same
 * loop.  Only the throttling queries are PostgreSQL's own.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "zdm/backfill.h"
#include "zdm/db.h"
#include "zdm/plan.h"
#include "zdm/util.h"

#define CHECKPOINT_TABLE "zdm_backfills"
#define LOCK_RETRIES 5

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Sleep until now_s() reaches t. */
static void sleep_until(double t)
{
	double d = t - now_s();
	if (d <= 0)
		return;
	struct timespec ts = { (time_t)d, (long)((d - (double)(time_t)d) * 1e9) };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/*
 * The pause after a SQLite batch that held the write lock for held_ms.
 *
 * An application writer that finds the lock taken sleeps in SQLite's
 * default busy handler (what sqlite3_busy_timeout installs) 1, 2, 5, 10,
 * 15, 20, 25, 25, 25, 50, 50 ms, then 100 ms at a time, and tries again
 * after each sleep.  One that began to wait at any moment of the batch
 * tries again at most one of those sleeps after the batch ends, the
 * longest being the one under way when the batch has held the lock for
 * held_ms: a pause that long (plus a margin for the writer's sleeps
 * overshooting) is a gap it cannot miss, and it never waits longer than
 * its first retry time past held_ms (1, 3, 8, 18 ms ...).  The delays are
 * sqliteDefaultBusyCallback's, in SQLite's src/main.c.
 */
#define GAP_MARGIN_MS 0.5
static double sqlite_gap_ms(double held_ms)
{
	static const int delay[] = { 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 };
	double at = 0;
	for (size_t i = 0;; i++) {
		double d = i < sizeof delay / sizeof *delay ? delay[i] : 100;
		if (at + d >= held_ms)
			return d + GAP_MARGIN_MS;
		at += d;
	}
}

/* The column named on the left of "col = expr", and where expr starts. */
static enum zdm_status split_set(const char *set, char *col, size_t n, const char **expr,
				 struct zdm_error *err)
{
	size_t len = strlen(set), i = 0;
	int bol = 1;
	size_t col_off = 0, col_len = 0;
	enum zdm_tk col_kind = ZDM_TK_SPACE;
	while (i < len) {
		enum zdm_tk k;
		size_t l = zdm_lexer_token(ZDM_DIALECT_POSTGRES, set + i, len - i, bol, &k, NULL);
		bol = 0;
		if (!l)
			l = 1;
		if (k == ZDM_TK_SPACE || k == ZDM_TK_COMMENT) {
			i += l;
			continue;
		}
		if (!col_len) {
			if (k != ZDM_TK_WORD && k != ZDM_TK_QUOTED_ID)
				break;
			col_off = i;
			col_len = l;
			col_kind = k;
			i += l;
			continue;
		}
		if (k == ZDM_TK_OP && l == 1 && set[i] == '=') {
			*expr = set + i + 1;
			if (col_kind == ZDM_TK_QUOTED_ID) {
				/* "a""b" -> a"b */
				size_t o = 0;
				for (size_t j = col_off + 1; j + 1 < col_off + col_len && o + 1 < n; j++) {
					col[o++] = set[j];
					if (set[j] == '"' && set[j + 1] == '"')
						j++;
				}
				col[o] = '\0';
			} else {
				if (col_len >= n)
					break;
				for (size_t j = 0; j < col_len; j++)
					col[j] = (char)tolower((unsigned char)set[col_off + j]);
				col[col_len] = '\0';
			}
			return ZDM_OK;
		}
		break;
	}
	return zdm_error_set(err, ZDM_ERR_USAGE, "--set must be \"column = expression\" (got '%.60s')", set);
}

/* Does text name col as a word (case-insensitive) or quoted identifier? */
static int mentions(const char *text, const char *col)
{
	size_t len = strlen(text), i = 0, cl = strlen(col);
	while (i < len) {
		enum zdm_tk k;
		size_t l = zdm_lexer_token(ZDM_DIALECT_POSTGRES, text + i, len - i, 0, &k, NULL);
		if (!l)
			l = 1;
		if (k == ZDM_TK_WORD && l == cl && zdm_strncaseeq(text + i, l, col))
			return 1;
		if (k == ZDM_TK_QUOTED_ID && l == cl + 2 && memcmp(text + i + 1, col, cl) == 0)
			return 1;
		i += l;
	}
	return 0;
}

enum zdm_status zdm_backfill_check(const struct zdm_backfill_opts *o, char *out, size_t n,
				   int *nwarn, struct zdm_error *err)
{
	char col[256];
	const char *expr;
	*nwarn = 0;
	if (n)
		out[0] = '\0';
	if (!o->table || !*o->table)
		return zdm_error_set(err, ZDM_ERR_USAGE, "missing --table");
	if (!o->set || !*o->set)
		return zdm_error_set(err, ZDM_ERR_USAGE, "missing --set \"column = expression\"");
	if (split_set(o->set, col, sizeof col, &expr, err) ||
	    zdm_plan_check_expr(ZDM_DIALECT_POSTGRES, expr, "--set expression", err) ||
	    (o->where && zdm_plan_check_expr(ZDM_DIALECT_POSTGRES, o->where, "--where", err)))
		return err->code;
	struct zdm_buf b = ZDM_BUF_INIT;
	if (!o->where) {
		zdm_buf_addf(&b, "no --where: every row of every batch is rewritten, including rows already right; "
			     "add a condition that excludes done rows (e.g. --where \"%s IS NULL\") so that a rerun changes nothing\n", col);
		++*nwarn;
	} else if (!mentions(o->where, col)) {
		zdm_buf_addf(&b, "--where does not mention %s: it cannot exclude rows already done, so a rerun "
			     "(--restart, or new rows) updates them again\n", col);
		++*nwarn;
	}
	if (mentions(expr, col)) {
		zdm_buf_addf(&b, "the SET expression reads %s itself: it is not idempotent (applied twice, it changes the value twice); "
			     "the checkpoint never repeats a committed batch, but --restart would\n", col);
		++*nwarn;
	}
	if (b.len && n) {
		size_t m = b.len < n - 1 ? b.len : n - 1;
		memcpy(out, b.data, m);
		out[m] = '\0';
	}
	zdm_buf_release(&b);
	return ZDM_OK;
}

/* A name from the command line, quoted for db: plain names fold to lower case on PostgreSQL. */
static void quote_name(struct zdm_db *db, struct zdm_buf *out, const char *name, int qualified)
{
	const char *dot = qualified ? strchr(name, '.') : NULL;
	if (dot) {
		char *schema = strndup(name, (size_t)(dot - name));
		quote_name(db, out, schema, 0);
		free(schema);
		zdm_buf_addc(out, '.');
		name = dot + 1;
	}
	if (zdm_plan_ident_ok(name) && zdm_db_dialect(db) == ZDM_DIALECT_POSTGRES) {
		char *low = zdm_xstrdup(name);
		for (char *p = low; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		zdm_db_quote_ident(db, out, low);
		free(low);
	} else {
		zdm_db_quote_ident(db, out, name);
	}
}

/* 64-bit FNV-1a of the parts, as 16 hex digits. */
static void make_id(const struct zdm_backfill_opts *o, const char *key, char out[17])
{
	unsigned long long h = 1469598103934665603ULL;
	const char *parts[4] = { o->table, o->set, o->where ? o->where : "", key };
	for (int i = 0; i < 4; i++) {
		for (const char *s = parts[i]; *s; s++) {
			h ^= (unsigned char)*s;
			h *= 1099511628211ULL;
		}
		h ^= 0xff;
		h *= 1099511628211ULL;
	}
	snprintf(out, 17, "%016llx", h);
}

struct run {
	struct zdm_db *db;
	const struct zdm_backfill_opts *o;
	struct zdm_error *err;
	int pg;
	char *q_next_first, *q_next, *q_update_first, *q_update;
};

static enum zdm_status query1(struct zdm_db *db, const char *sql, const char *const *params,
			      size_t np, struct zdm_rows *rows, struct zdm_error *err)
{
	*rows = (struct zdm_rows)ZDM_ROWS_INIT;
	return zdm_db_query(db, sql, params, np, rows, err);
}

/* The upper key of the next batch after lo (NULL: from the start); *hi NULL at the end. */
static enum zdm_status next_range(struct run *r, const char *lo, long batch, char **hi,
				  long long *count)
{
	char nb[32];
	snprintf(nb, sizeof nb, "%ld", batch);
	struct zdm_rows rows;
	const char *p2[2] = { lo, nb };
	const char *p1[1] = { nb };
	enum zdm_status st = lo ? query1(r->db, r->q_next, p2, 2, &rows, r->err) :
				  query1(r->db, r->q_next_first, p1, 1, &rows, r->err);
	*hi = NULL;
	*count = 0;
	if (st)
		return st;
	const char *v = zdm_rows_get(&rows, 0, 0), *c = zdm_rows_get(&rows, 0, 1);
	if (v)
		*hi = zdm_xstrdup(v);
	if (c)
		*count = atoll(c);
	zdm_rows_release(&rows);
	return ZDM_OK;
}

/* PostgreSQL: a reason to wait, or NULL. */
static const char *throttle(struct run *r, char *buf, size_t n)
{
	const struct zdm_backfill_opts *o = r->o;
	struct zdm_rows rows;
	struct zdm_error e;
	zdm_error_clear(&e);
	if (!query1(r->db, "SELECT coalesce(max(extract(epoch FROM replay_lag)) * 1000, 0)::bigint FROM pg_stat_replication",
		    NULL, 0, &rows, &e)) {
		const char *v = zdm_rows_get(&rows, 0, 0);
		long lag = v ? atol(v) : 0;
		zdm_rows_release(&rows);
		if (lag > o->max_lag_ms) {
			snprintf(buf, n, "replication lag %ld ms > %ld ms", lag, o->max_lag_ms);
			return buf;
		}
	}
	if (!query1(r->db, "SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid()",
		    NULL, 0, &rows, &e)) {
		const char *v = zdm_rows_get(&rows, 0, 0);
		long w = v ? atol(v) : 0;
		zdm_rows_release(&rows);
		if (w > o->max_lock_waiters) {
			snprintf(buf, n, "%ld sessions waiting on locks > %ld", w, o->max_lock_waiters);
			return buf;
		}
	}
	return NULL;
}

/*
 * Job id's checkpoint as committed now: its last key (replacing *last),
 * rows done and scanned, and whether it finished; *found says whether
 * there is one.  An error when it cannot be read.
 */
static enum zdm_status read_checkpoint(struct zdm_db *db, const char *id, char **last,
				       long long *done, long long *scanned, int *finished,
				       int *found, struct zdm_error *err)
{
	struct zdm_rows rows;
	const char *p[1] = { id };
	enum zdm_status st = query1(db, "SELECT last_key, rows_done, rows_scanned, finished FROM "
				    CHECKPOINT_TABLE " WHERE id = $1", p, 1, &rows, err);
	*found = 0;
	if (st)
		return st;
	if (rows.nrows == 1) {
		const char *lk = zdm_rows_get(&rows, 0, 0), *f = zdm_rows_get(&rows, 0, 3);
		free(*last);
		*last = lk ? zdm_xstrdup(lk) : NULL;
		*done = atoll(zdm_rows_get(&rows, 0, 1) ? zdm_rows_get(&rows, 0, 1) : "0");
		*scanned = atoll(zdm_rows_get(&rows, 0, 2) ? zdm_rows_get(&rows, 0, 2) : "0");
		*finished = f && atoi(f) != 0;
		*found = 1;
	}
	zdm_rows_release(&rows);
	return ZDM_OK;
}

static enum zdm_status ensure_checkpoint_table(struct run *r)
{
	return zdm_db_exec(r->db,
			   "CREATE TABLE IF NOT EXISTS " CHECKPOINT_TABLE " ("
			   "id text PRIMARY KEY, table_name text NOT NULL, set_expr text NOT NULL, "
			   "where_expr text, key_column text NOT NULL, last_key text, "
			   "rows_done bigint NOT NULL DEFAULT 0, rows_scanned bigint NOT NULL DEFAULT 0, "
			   "finished integer NOT NULL DEFAULT 0, updated_at text)",
			   r->err);
}

static void iso_now(char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void build_queries(struct run *r, const char *key)
{
	const struct zdm_backfill_opts *o = r->o;
	struct zdm_buf T = ZDM_BUF_INIT, K = ZDM_BUF_INIT, C = ZDM_BUF_INIT, b = ZDM_BUF_INIT;
	char col[256];
	const char *expr = "";
	struct zdm_error e;
	split_set(o->set, col, sizeof col, &expr, &e);
	quote_name(r->db, &T, o->table, 1);
	quote_name(r->db, &K, key, 0);
	zdm_db_quote_ident(r->db, &C, col);
	while (*expr == ' ')
		expr++;

	zdm_buf_addf(&b, "SELECT max(k), count(*) FROM (SELECT %s AS k FROM %s ORDER BY %s LIMIT $1) AS batch",
		     K.data, T.data, K.data);
	r->q_next_first = zdm_buf_detach(&b, NULL);
	zdm_buf_addf(&b, "SELECT max(k), count(*) FROM (SELECT %s AS k FROM %s WHERE %s > $1 ORDER BY %s LIMIT $2) AS batch",
		     K.data, T.data, K.data, K.data);
	r->q_next = zdm_buf_detach(&b, NULL);
	const char *w = o->where;
	zdm_buf_addf(&b, "UPDATE %s SET %s = %s WHERE %s <= $1%s%s%s", T.data, C.data, expr, K.data,
		     w ? " AND (" : "", w ? w : "", w ? ")" : "");
	r->q_update_first = zdm_buf_detach(&b, NULL);
	zdm_buf_addf(&b, "UPDATE %s SET %s = %s WHERE %s > $1 AND %s <= $2%s%s%s", T.data, C.data, expr,
		     K.data, K.data, w ? " AND (" : "", w ? w : "", w ? ")" : "");
	r->q_update = zdm_buf_detach(&b, NULL);
	zdm_buf_release(&T);
	zdm_buf_release(&K);
	zdm_buf_release(&C);
}

static long long estimate_total(struct run *r)
{
	struct zdm_buf T = ZDM_BUF_INIT, q = ZDM_BUF_INIT;
	struct zdm_rows rows;
	struct zdm_error e;
	long long total = -1;
	quote_name(r->db, &T, r->o->table, 1);
	if (r->pg) {
		/* reltuples: free, and good enough for an ETA; -1 before the first ANALYZE */
		const char *p[1] = { T.data };
		if (!query1(r->db, "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass($1)", p, 1, &rows, &e)) {
			const char *v = zdm_rows_get(&rows, 0, 0);
			total = v ? atoll(v) : -1;
			zdm_rows_release(&rows);
		}
	}
	if (total < 0) {
		zdm_buf_addf(&q, "SELECT count(*) FROM %s", T.data);
		if (!query1(r->db, q.data, NULL, 0, &rows, &e)) {
			const char *v = zdm_rows_get(&rows, 0, 0);
			total = v ? atoll(v) : -1;
			zdm_rows_release(&rows);
		}
	}
	zdm_buf_release(&T);
	zdm_buf_release(&q);
	return total;
}

/*
 * SQLite reads a double-quoted name that matches no column as a string
 * literal, so a mistyped (or hostile) key would walk a constant: check
 * that the table and the columns exist first.
 */
static enum zdm_status sqlite_check_names(struct run *r, const char *key, const char *col)
{
	const char *table = r->o->table;
	if (strchr(table, '.'))
		return ZDM_OK;
	struct zdm_rows rows;
	const char *p[1] = { table };
	enum zdm_status st = query1(r->db, "SELECT name FROM pragma_table_info($1)", p, 1, &rows, r->err);
	if (st)
		return st;
	int has_key = !strcasecmp(key, "rowid") || !strcasecmp(key, "oid") || !strcasecmp(key, "_rowid_");
	int has_col = 0;
	for (size_t i = 0; i < rows.nrows; i++) {
		const char *n = zdm_rows_get(&rows, i, 0);
		if (n && !strcasecmp(n, key))
			has_key = 1;
		if (n && !strcasecmp(n, col))
			has_col = 1;
	}
	size_t n = rows.nrows;
	zdm_rows_release(&rows);
	if (!n)
		return zdm_error_set(r->err, ZDM_ERR_DB, "no table '%.80s'", table);
	if (!has_key)
		return zdm_error_set(r->err, ZDM_ERR_DB, "table '%.80s' has no column '%.60s' (--key)", table, key);
	if (!has_col)
		return zdm_error_set(r->err, ZDM_ERR_DB, "table '%.80s' has no column '%.60s' (--set)", table, col);
	return ZDM_OK;
}

static long clamp(long v, long lo, long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * SQLite in WAL mode.  A WAL auto-checkpoint runs in every commit that
 * leaves the log at wal_autocheckpoint frames or more (1000 by
 * default).  zdm writes most of the frames, but while the log stays that
 * long (a checkpoint can leave it unrestarted: traced at 1054 frames)
 * the application's commits pay too (copying the log into the database,
 * two fsyncs).  So zdm's connection checkpoints itself, passively, in
 * the pause after every batch, and the log stays far below the
 * application's threshold.  Its own commits skip the fsync (synchronous
 * = NORMAL), which the checkpoint right after does, outside the lock.
 *
 * NORMAL is safe here: in WAL mode a commit is still atomic and the
 * database never corrupts; a power loss (never a crash of zdm: the log
 * is written at commit) can only undo the last batches, each together
 * with its checkpoint row, so a rerun redoes exactly those.  Both
 * settings are restored at the end, before the final commit, which then
 * syncs the log as the database's own setting says.  See
 * https://sqlite.org/wal.html#ckpt and
 * https://sqlite.org/pragma.html#pragma_synchronous.
 */
struct wal_mode {
	int on;
	long sync, autockpt;
};

static long pragma_long(struct run *r, const char *sql)
{
	struct zdm_rows rows;
	struct zdm_error e;
	long v = -1;
	if (!query1(r->db, sql, NULL, 0, &rows, &e)) {
		const char *s = zdm_rows_get(&rows, 0, 0);
		if (s && isdigit((unsigned char)*s))
			v = atol(s);
		zdm_rows_release(&rows);
	}
	return v;
}

static void wal_enter(struct run *r, struct wal_mode *w)
{
	struct zdm_rows rows;
	struct zdm_error e;
	memset(w, 0, sizeof *w);
	if (r->pg || query1(r->db, "PRAGMA journal_mode", NULL, 0, &rows, &e))
		return;
	const char *m = zdm_rows_get(&rows, 0, 0);
	int wal = m && !strcasecmp(m, "wal");
	zdm_rows_release(&rows);
	w->sync = pragma_long(r, "PRAGMA synchronous");
	w->autockpt = pragma_long(r, "PRAGMA wal_autocheckpoint");
	if (!wal || w->sync < 0 || w->autockpt < 0)
		return;
	w->on = 1;
	if (w->sync > 1)
		zdm_db_exec(r->db, "PRAGMA synchronous = NORMAL", &e);
	zdm_db_exec(r->db, "PRAGMA wal_autocheckpoint = 0", &e);
}

/*
 * After every batch: it copies that batch's pages (the log stays a few
 * hundred frames long, far from the application's threshold, though a
 * log restart is sometimes missed) and its two fsyncs fall in the pause.
 */
static void wal_checkpoint(struct run *r)
{
	struct zdm_error e;
	zdm_db_exec(r->db, "PRAGMA wal_checkpoint(PASSIVE)", &e);
}

static void wal_leave(struct run *r, struct wal_mode *w)
{
	struct zdm_error e;
	char sql[64];
	if (!w->on)
		return;
	snprintf(sql, sizeof sql, "PRAGMA synchronous = %ld", w->sync);
	zdm_db_exec(r->db, sql, &e);
	snprintf(sql, sizeof sql, "PRAGMA wal_autocheckpoint = %ld", w->autockpt);
	zdm_db_exec(r->db, sql, &e);
	w->on = 0;
}

enum zdm_status zdm_backfill_run(struct zdm_db *db, const struct zdm_backfill_opts *opts,
				 zdm_backfill_progress_fn *fn, void *ctx,
				 struct zdm_backfill_result *res, struct zdm_error *err)
{
	memset(res, 0, sizeof *res);
	struct zdm_backfill_opts o = *opts;
	const char *key = o.key && *o.key ? o.key : "id";
	if (o.batch <= 0) o.batch = 1000;
	if (o.min_batch <= 0) o.min_batch = 10;
	if (o.max_batch <= 0) o.max_batch = 50000;
	if (o.max_batch < o.min_batch) o.max_batch = o.min_batch;
	int pg = zdm_db_dialect(db) == ZDM_DIALECT_POSTGRES;
	/*
	 * SQLite has no lock queue: an application writer that finds the
	 * write lock taken sleeps in its busy handler (1, 2, 5, 10, 15, 20 ms
	 * ...) and polls again, so back-to-back batches starve it however
	 * short they are (the downtime meter saw a 0.4 s stall, worse than
	 * one UPDATE).  Each batch is followed by a pause that a waiting
	 * writer cannot miss (sqlite_gap_ms).  Batches of 2.5 ms stay under
	 * the writer's second retry, 3 ms after it began to wait, so that it
	 * never waits much more than 3 ms and the pause is 2.5 ms: a duty
	 * cycle of one half.  (5 ms batches would need 5.5 ms pauses and let
	 * it wait 8 ms.)
	 */
	double target = o.target_ms >= 0 ? (double)o.target_ms : pg ? 20 : 2.5;
	int auto_sleep = o.sleep_ms < 0 && !pg;
	if (o.sleep_ms < 0) o.sleep_ms = 0;
	if (o.max_lag_ms <= 0) o.max_lag_ms = 5000;
	if (o.max_lock_waiters <= 0) o.max_lock_waiters = 5;
	char warn[8];
	int nw;
	if (zdm_backfill_check(&o, warn, sizeof warn, &nw, err))
		return err->code;
	if (strlen(key) > 200)
		return zdm_error_set(err, ZDM_ERR_USAGE, "--key is too long");

	struct run r = { db, &o, err, pg, NULL, NULL, NULL, NULL };
	build_queries(&r, key);
	make_id(&o, key, res->id);
	if (!r.pg) {
		char col[256];
		const char *expr;
		split_set(o.set, col, sizeof col, &expr, err);
		if (sqlite_check_names(&r, key, col)) {
			free(r.q_next_first);
			free(r.q_next);
			free(r.q_update_first);
			free(r.q_update);
			return err->code;
		}
	}
	res->statement = zdm_xstrdup(r.q_update);
	enum zdm_status st = ZDM_OK;
	char *last = NULL, *hi = NULL;
	long long scanned0 = 0, updated0 = 0;
	long batch = clamp(o.batch, o.min_batch, o.max_batch);
	struct wal_mode wal = { 0, 0, 0 };

	/*
	 * The checkpoint (a dry run only reads it, if the table exists).
	 * In WAL mode its first writes skip the fsync in the write lock too
	 * (on a loaded machine the meter's writer once waited 18 ms for them).
	 */
	if (!o.dry_run)
		wal_enter(&r, &wal);
	if (!o.dry_run && (st = ensure_checkpoint_table(&r)))
		goto out;
	{
		struct zdm_error e;
		int finished0;
		zdm_error_clear(&e);
		/* no table yet (a dry run): nothing to resume */
		if (!o.restart)
			read_checkpoint(db, res->id, &last, &updated0, &scanned0, &finished0,
					&res->resumed, &e);
		if (!o.dry_run && !res->resumed) {
			char ts[32];
			iso_now(ts, sizeof ts);
			const char *pi[6] = { res->id, o.table, o.set, o.where, key, ts };
			if (o.restart) {
				const char *pd[1] = { res->id };
				if ((st = zdm_db_query(db, "DELETE FROM " CHECKPOINT_TABLE " WHERE id = $1", pd, 1, NULL, err)))
					goto out;
			}
			if ((st = zdm_db_query(db, "INSERT INTO " CHECKPOINT_TABLE
					       " (id, table_name, set_expr, where_expr, key_column, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
					       pi, 6, NULL, err)))
				goto out;
		}
	}
	res->total_est = estimate_total(&r);

	if (o.dry_run) {
		char *lo = last ? zdm_xstrdup(last) : NULL;
		for (size_t i = 0; i < ZDM_BACKFILL_MAX_RANGES; i++) {
			long long cnt;
			if ((st = next_range(&r, lo, batch, &hi, &cnt)))
				break;
			if (!hi)
				break;
			res->ranges[i][0] = zdm_xstrdup(lo ? lo : "");
			res->ranges[i][1] = zdm_xstrdup(hi);
			res->nranges++;
			free(lo);
			lo = hi;
			hi = NULL;
		}
		free(lo);
		goto out;
	}

	if (!r.pg)
		zdm_db_set_wait(db, 5000);
	else
		zdm_db_exec(db, "SET lock_timeout = '5s'", err);

	double t0 = now_s(), last_throttle = 0, resume_at = 0;
	struct zdm_backfill_progress pr;
	memset(&pr, 0, sizeof pr);
	pr.resumed = res->resumed;
	pr.total_est = res->total_est;
	pr.rows_scanned = scanned0;
	pr.rows_updated = updated0;
	for (;;) {
		if (o.stop && *o.stop) {
			res->stopped = 1;
			break;
		}
		/* PostgreSQL throttling, checked at most once a second. */
		if (r.pg && now_s() - last_throttle >= 1.0) {
			char why[128];
			const char *reason;
			while ((reason = throttle(&r, why, sizeof why)) != NULL && !(o.stop && *o.stop)) {
				pr.paused = reason;
				pr.elapsed_s = now_s() - t0;
				if (fn)
					fn(ctx, &pr);
				sleep_ms(500);
			}
			pr.paused = NULL;
			last_throttle = now_s();
		}
		long long cnt;
		if ((st = next_range(&r, last, batch, &hi, &cnt)))
			break;
		if (!hi) {
			res->finished = 1;
			break;
		}
		sleep_until(resume_at);
		/*
		 * One transaction: the batch and its checkpoint commit together.
		 * The batch's time starts once BEGIN returns: on SQLite that is
		 * when the write lock is ours, and the time an application writer
		 * waits is the time we hold it, not the time we waited for it
		 * (counting that would shrink the batches whenever the
		 * application writes, down to --min-batch).
		 */
		double b0 = 0;
		long long affected = 0;
		int tries = 0, moved = 0;
		for (;;) {
			struct zdm_rows rows = ZDM_ROWS_INIT;
			const char *p2[2] = { last, hi }, *p1[1] = { hi };
			st = zdm_db_begin(db, err);
			b0 = now_s();
			/*
			 * Claim the range first: the checkpoint must still be where
			 * we left it.  A run killed in the middle of a batch may
			 * still commit it (PostgreSQL finishes a COMMIT the client
			 * sent before it died), and a second run of the same job
			 * may be going: the claim waits for the other transaction's
			 * row lock, then finds the checkpoint moved, and this run
			 * reads it again instead of updating that range twice.
			 */
			if (!st) {
				const char *pk2[2] = { res->id, last }, *pk1[1] = { res->id };
				st = last ? zdm_db_query(db, "UPDATE " CHECKPOINT_TABLE " SET updated_at = updated_at"
							 " WHERE id = $1 AND last_key = $2", pk2, 2, &rows, err)
					  : zdm_db_query(db, "UPDATE " CHECKPOINT_TABLE " SET updated_at = updated_at"
							 " WHERE id = $1 AND last_key IS NULL", pk1, 1, &rows, err);
				if (!st && rows.affected != 1)
					moved = 1;
				zdm_rows_release(&rows);
				if (moved) {
					zdm_db_rollback(db);
					break;
				}
			}
			if (!st)
				st = last ? zdm_db_query(db, r.q_update, p2, 2, &rows, err) :
					    zdm_db_query(db, r.q_update_first, p1, 1, &rows, err);
			if (!st) {
				affected = rows.affected > 0 ? rows.affected : 0;
				zdm_rows_release(&rows);
				char ts[32], na[32], ns[32];
				iso_now(ts, sizeof ts);
				snprintf(na, sizeof na, "%lld", affected);
				snprintf(ns, sizeof ns, "%lld", cnt);
				const char *pc[5] = { hi, na, ns, ts, res->id };
				st = zdm_db_query(db, "UPDATE " CHECKPOINT_TABLE " SET last_key = $1, rows_done = rows_done + $2, "
						  "rows_scanned = rows_scanned + $3, updated_at = $4 WHERE id = $5",
						  pc, 5, NULL, err);
			}
			if (!st)
				st = zdm_db_commit(db, err);
			if (!st)
				break;
			zdm_db_rollback(db);
			if (st != ZDM_ERR_LOCK || ++tries > LOCK_RETRIES)
				break;
			/* A row lock held by the application: back off and retry the same range. */
			sleep_ms(100L << tries);
		}
		if (st)
			break;
		if (moved) {
			/* Another run moved the checkpoint: go on from where it is. */
			free(hi);
			hi = NULL;
			int found;
			if ((st = read_checkpoint(db, res->id, &last, &pr.rows_updated, &pr.rows_scanned,
						  &res->finished, &found, err)) || res->finished)
				break;
			continue;
		}
		double b1 = now_s(), held_ms = (b1 - b0) * 1000;
		long ms = (long)held_ms;
		/*
		 * The pause runs from the commit: the work below (checkpoint,
		 * progress, the next range's query) happens inside it.
		 */
		resume_at = b1 + (auto_sleep ? sqlite_gap_ms(held_ms) : (double)o.sleep_ms) / 1000;
		if (wal.on)
			wal_checkpoint(&r);
		free(last);
		last = hi;
		hi = NULL;
		pr.batches++;
		pr.rows_scanned += cnt;
		pr.rows_updated += affected;
		pr.batch_ms = ms;
		pr.last_key = last;
		pr.elapsed_s = now_s() - t0;
		pr.rate = pr.elapsed_s > 0 ? (double)(pr.rows_scanned - scanned0) / pr.elapsed_s : 0;
		/* Toward the target time: proportional, at most x2 or /2 per step. */
		if (target > 0 && cnt >= batch) {
			long want = held_ms >= 0.1 ? (long)((double)batch * target / held_ms) : batch * 2;
			batch = clamp(clamp(want, batch / 2, batch * 2), o.min_batch, o.max_batch);
		}
		pr.batch = batch;
		if (fn)
			fn(ctx, &pr);
	}
	wal_leave(&r, &wal);
	if (res->finished && !st) {
		const char *p[1] = { res->id };
		zdm_db_query(db, "UPDATE " CHECKPOINT_TABLE " SET finished = 1 WHERE id = $1", p, 1, NULL, err);
	}
	res->rows_scanned = pr.rows_scanned;
	res->rows_updated = pr.rows_updated;
	res->batches = pr.batches;
	res->elapsed_s = now_s() - t0;
out:
	wal_leave(&r, &wal);
	free(last);
	free(hi);
	free(r.q_next_first);
	free(r.q_next);
	free(r.q_update_first);
	free(r.q_update);
	return st;
}

void zdm_backfill_result_release(struct zdm_backfill_result *res)
{
	if (!res)
		return;
	free(res->statement);
	for (size_t i = 0; i < res->nranges; i++) {
		free(res->ranges[i][0]);
		free(res->ranges[i][1]);
	}
	memset(res, 0, sizeof *res);
}
