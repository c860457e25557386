/* SPDX-License-Identifier: MIT */
/*
 * pg.c - the PostgreSQL driver (libpq).
 *
 * Every statement goes through PQsendQueryParams, the extended protocol,
 * which refuses several statements in one string: the runner splits
 * first, so a transaction:false file never runs two statements in one
 * call.  Waiting is done with poll(2) on the socket, so a hook can run
 * about once a second while a statement waits on a lock (the runner uses
 * it to say who blocks).  The advisory lock and the blockers query use a
 * side connection of their own: the lock then survives the main
 * connection's transactions and CONCURRENTLY statements, and a query can
 * run while the main connection is busy.
 *
 * libpq is loaded with dlopen(3) the first time a PostgreSQL URL is
 * opened: linked normally it and its dependencies (TLS, Kerberos, LDAP)
 * cost about 20 ms of relocations on every start of zdm, which SQLite
 * users and `zdm lint` would pay for nothing.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <postgresql/libpq-fe.h>

#include "driver.h"

struct pg_db {
	struct zdm_db base;
	PGconn *conn;
	PGconn *side;      /* advisory lock and blockers */
	char *conninfo;    /* not redacted: never printed */
	int locked;
	long long lock_key;
};

#define P(db) ((struct pg_db *)(db))

/* The libpq functions used here, resolved by zdm_dl_load(). */
#define LPQ_FUNCS(X, v) \
	X(v, PQconnectdb) \
	X(v, PQstatus) \
	X(v, PQerrorMessage) \
	X(v, PQfinish) \
	X(v, PQsetNoticeProcessor) \
	X(v, PQuser) \
	X(v, PQhost) \
	X(v, PQport) \
	X(v, PQdb) \
	X(v, PQresultErrorField) \
	X(v, PQntuples) \
	X(v, PQnfields) \
	X(v, PQfname) \
	X(v, PQgetisnull) \
	X(v, PQgetvalue) \
	X(v, PQexecParams) \
	X(v, PQresultStatus) \
	X(v, PQclear) \
	X(v, PQsendQueryParams) \
	X(v, PQisBusy) \
	X(v, PQsocket) \
	X(v, PQconsumeInput) \
	X(v, PQgetResult) \
	X(v, PQcmdTuples) \
	X(v, PQbackendPID)

static struct {
	LPQ_FUNCS(ZDM_DL_FIELD, lpq)
} lpq;

static const struct zdm_dl_sym lpq_syms[] = {
	LPQ_FUNCS(ZDM_DL_SYM, lpq)
	{ NULL, NULL }
};

#define PQconnectdb (lpq.p_PQconnectdb)
#define PQstatus (lpq.p_PQstatus)
#define PQerrorMessage (lpq.p_PQerrorMessage)
#define PQfinish (lpq.p_PQfinish)
#define PQsetNoticeProcessor (lpq.p_PQsetNoticeProcessor)
#define PQuser (lpq.p_PQuser)
#define PQhost (lpq.p_PQhost)
#define PQport (lpq.p_PQport)
#define PQdb (lpq.p_PQdb)
#define PQresultErrorField (lpq.p_PQresultErrorField)
#define PQntuples (lpq.p_PQntuples)
#define PQnfields (lpq.p_PQnfields)
#define PQfname (lpq.p_PQfname)
#define PQgetisnull (lpq.p_PQgetisnull)
#define PQgetvalue (lpq.p_PQgetvalue)
#define PQexecParams (lpq.p_PQexecParams)
#define PQresultStatus (lpq.p_PQresultStatus)
#define PQclear (lpq.p_PQclear)
#define PQsendQueryParams (lpq.p_PQsendQueryParams)
#define PQisBusy (lpq.p_PQisBusy)
#define PQsocket (lpq.p_PQsocket)
#define PQconsumeInput (lpq.p_PQconsumeInput)
#define PQgetResult (lpq.p_PQgetResult)
#define PQcmdTuples (lpq.p_PQcmdTuples)
#define PQbackendPID (lpq.p_PQbackendPID)

static const char *const lpq_names[] = { "libpq.so.5", "libpq.so", NULL };
static struct zdm_dl_lib lpq_lib = { 0, lpq_names,
	"PostgreSQL support needs libpq (Debian: libpq5)", lpq_syms };

static int load_libpq(char *why, size_t n)
{
	return zdm_dl_load(&lpq_lib, why, n);
}

static size_t accepts(const char *url)
{
	if (strncmp(url, "postgresql://", 13) == 0)
		return 13;
	if (strncmp(url, "postgres://", 11) == 0)
		return 11;
	if (strcmp(url, "postgres:") == 0 || strcmp(url, "postgresql:") == 0)
		return strlen(url);
	return 0;
}

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* The first line of libpq's message, without "FATAL:  " noise. */
static void first_line(const char *m, char *out, size_t n)
{
	if (!m)
		m = "";
	while (*m == ' ' || *m == '\n')
		m++;
	if (!strncmp(m, "FATAL:  ", 8))
		m += 8;
	else if (!strncmp(m, "ERROR:  ", 8))
		m += 8;
	size_t len = strcspn(m, "\n");
	if (len >= n)
		len = n - 1;
	memcpy(out, m, len);
	out[len] = '\0';
}

static PGconn *connect_to(const char *conninfo, char *why, size_t n)
{
	PGconn *c = PQconnectdb(conninfo);
	if (!c) {
		snprintf(why, n, "out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		first_line(PQerrorMessage(c), why, n);
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

static enum zdm_status pg_open(const char *url, struct zdm_db **out,
			       struct zdm_error *err)
{
	struct pg_db *db;
	char why[200];
	/* A scheme with nothing after it: the libpq environment decides. */
	int env_only = url[accepts(url)] == '\0';

	if (load_libpq(why, sizeof(why)))
		return zdm_error_set(err, ZDM_ERR_DB, "%s", why);
	db = zdm_xcalloc(1, sizeof(*db));

	zdm_db_init_common(&db->base, &zdm_db_pg_driver, url);
	db->conninfo = zdm_xstrdup(env_only ? "" : url);
	db->conn = connect_to(db->conninfo, why, sizeof(why));
	if (!db->conn) {
		zdm_error_set(err, ZDM_ERR_DB, "cannot connect to '%s': %s", db->base.url, why);
		free(db->conninfo);
		free(db);
		return ZDM_ERR_DB;
	}
	if (env_only) {
		/* Name the database in messages. */
		snprintf(db->base.url, sizeof(db->base.url), "postgres://%s@%s:%s/%s",
			 PQuser(db->conn), PQhost(db->conn), PQport(db->conn), PQdb(db->conn));
	}
	*out = &db->base;
	return ZDM_OK;
}

static void pg_close(struct zdm_db *db)
{
	PQfinish(P(db)->conn);
	if (P(db)->side)
		PQfinish(P(db)->side);
	free(P(db)->conninfo);
	free(db);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static enum zdm_status result_error(struct zdm_db *db, PGresult *res,
				    struct zdm_error *err)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	char msg[256];

	snprintf(db->diag.sqlstate, sizeof(db->diag.sqlstate), "%s", state ? state : "");
	db->diag.position = pos ? atoi(pos) : 0;
	snprintf(db->diag.detail, sizeof(db->diag.detail), "%s%s%s",
		 detail ? detail : "", detail && hint ? " " : "", hint ? hint : "");
	if (primary)
		snprintf(msg, sizeof(msg), "%s", primary);
	else
		first_line(PQerrorMessage(P(db)->conn), msg, sizeof(msg));
	if (state && !strcmp(state, "55P03"))
		return zdm_error_set(err, ZDM_ERR_LOCK, "%s", msg);
	return zdm_error_set(err, ZDM_ERR_DB, "%s", msg);
}

static enum zdm_status conn_error(struct zdm_db *db, PGconn *c,
				  struct zdm_error *err)
{
	char msg[200];
	first_line(PQerrorMessage(c), msg, sizeof(msg));
	snprintf(db->diag.sqlstate, sizeof(db->diag.sqlstate), "08006");
	return zdm_error_set(err, ZDM_ERR_DB, "connection to '%s' failed: %s", db->url, msg);
}

/* Fill rows from a tuples result. */
static void take_rows(PGresult *res, struct zdm_rows *rows)
{
	size_t nr = (size_t)PQntuples(res), nc = (size_t)PQnfields(res);
	const char **names = zdm_xcalloc(nc + 1, sizeof(char *));
	const char **cells = zdm_xcalloc(nr * nc + 1, sizeof(char *));
	for (size_t c = 0; c < nc; c++)
		names[c] = PQfname(res, (int)c);
	for (size_t r = 0; r < nr; r++)
		for (size_t c = 0; c < nc; c++)
			cells[r * nc + c] = PQgetisnull(res, (int)r, (int)c)
				? NULL : PQgetvalue(res, (int)r, (int)c);
	zdm_rows_build(rows, nr, nc, names, cells);
	free(names);
	free(cells);
}

/* Run sql on connection c synchronously; for the side connection. */
static enum zdm_status side_query(struct zdm_db *db, PGconn *c, const char *sql,
				  const char *const *params, int n,
				  struct zdm_rows *rows, struct zdm_error *err)
{
	PGresult *res = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	enum zdm_status st = ZDM_OK;
	ExecStatusType s = PQresultStatus(res);
	if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) {
		if (rows)
			take_rows(res, rows);
	} else if (res && PQresultErrorField(res, PG_DIAG_SQLSTATE)) {
		st = result_error(db, res, err);
	} else {
		st = conn_error(db, c, err);
	}
	PQclear(res);
	return st;
}

static enum zdm_status pg_query(struct zdm_db *db, const char *sql,
				const char *const *params, size_t nparams,
				struct zdm_rows *rows, struct zdm_error *err)
{
	PGconn *c = P(db)->conn;
	enum zdm_status st = ZDM_OK;
	int got = 0;

	if (!PQsendQueryParams(c, sql, (int)nparams, NULL, params, NULL, NULL, 0))
		return conn_error(db, c, err);
	long start = now_ms(), next = start + db->hook_interval_ms;
	while (PQisBusy(c)) {
		struct pollfd pfd = { PQsocket(c), POLLIN, 0 };
		long wait = db->hook ? next - now_ms() : -1;
		if (wait < 0 && db->hook)
			wait = 0;
		int pr = poll(&pfd, 1, (int)wait);
		if (pr < 0 && errno != EINTR)
			return conn_error(db, c, err);
		if (pr > 0 && !PQconsumeInput(c))
			return conn_error(db, c, err);
		if (db->hook && now_ms() >= next) {
			db->hook(db->hook_ctx, db, now_ms() - start);
			next = now_ms() + db->hook_interval_ms;
		}
	}
	PGresult *res;
	while ((res = PQgetResult(c)) != NULL) {
		ExecStatusType s = PQresultStatus(res);
		if (st == ZDM_OK && s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK &&
		    s != PGRES_EMPTY_QUERY) {
			st = result_error(db, res, err);
		} else if (st == ZDM_OK && !got) {
			got = 1;
			if (rows) {
				take_rows(res, rows);
				const char *n = PQcmdTuples(res);
				rows->affected = n && *n ? atoll(n) : 0;
			}
		}
		PQclear(res);
	}
	if (st && rows)
		zdm_rows_release(rows);
	if (PQstatus(c) != CONNECTION_OK && st == ZDM_OK)
		st = conn_error(db, c, err);
	return st;
}

static enum zdm_status open_side(struct zdm_db *db, struct zdm_error *err)
{
	char why[200];
	if (P(db)->side && PQstatus(P(db)->side) == CONNECTION_OK)
		return ZDM_OK;
	if (P(db)->side)
		PQfinish(P(db)->side);
	P(db)->side = connect_to(P(db)->conninfo, why, sizeof(why));
	if (!P(db)->side)
		return zdm_error_set(err, ZDM_ERR_DB, "cannot open a second connection to '%s': %s",
				     db->url, why);
	return ZDM_OK;
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static enum zdm_status pg_lock(struct zdm_db *db, const char *name,
			       struct zdm_error *err)
{
	enum zdm_status st;
	char key[32];
	const char *params[1] = { key };

	if (P(db)->locked)
		return ZDM_OK;
	if ((st = open_side(db, err)))
		return st;
	P(db)->lock_key = (long long)zdm_db_fnv1a(name);
	snprintf(key, sizeof(key), "%lld", P(db)->lock_key);
	long start = now_ms();
	for (;;) {
		struct zdm_rows r;
		st = side_query(db, P(db)->side, "SELECT pg_try_advisory_lock($1::bigint)",
				params, 1, &r, err);
		if (st)
			return st;
		int ok = r.nrows == 1 && !strcmp(zdm_rows_get(&r, 0, 0), "t");
		zdm_rows_release(&r);
		if (ok)
			break;
		if (db->wait_ms >= 0 && now_ms() - start >= db->wait_ms)
			return zdm_error_set(err, ZDM_ERR_LOCK,
					     "another zdm is running on '%s' (advisory lock '%s' held; waited %ld ms)",
					     db->url, name, db->wait_ms);
		msleep(100);
	}
	P(db)->locked = 1;
	return ZDM_OK;
}

static void pg_unlock(struct zdm_db *db)
{
	char key[32];
	const char *params[1] = { key };
	struct zdm_error e;
	if (!P(db)->locked || !P(db)->side)
		return;
	snprintf(key, sizeof(key), "%lld", P(db)->lock_key);
	side_query(db, P(db)->side, "SELECT pg_advisory_unlock($1::bigint)", params, 1, NULL, &e);
	P(db)->locked = 0;
}

static enum zdm_status pg_blockers(struct zdm_db *db, struct zdm_rows *rows,
				   struct zdm_error *err)
{
	enum zdm_status st;
	char pid[16];
	const char *params[1] = { pid };
	struct zdm_db_diag keep = db->diag;

	if ((st = open_side(db, err)))
		return st;
	snprintf(pid, sizeof(pid), "%d", PQbackendPID(P(db)->conn));
	st = side_query(db, P(db)->side,
		"SELECT pid, state,"
		" extract(epoch FROM now() - coalesce(xact_start, query_start))::bigint AS age_s,"
		" left(regexp_replace(query, '\\s+', ' ', 'g'), 200) AS query"
		" FROM pg_stat_activity WHERE pid = ANY (pg_blocking_pids($1::int))"
		" ORDER BY pid", params, 1, rows, err);
	db->diag = keep;
	return st;
}

static const char schema_sql[] =
	"WITH rel AS ("
	"  SELECT c.oid, n.nspname, c.relname, c.relkind FROM pg_class c"
	"  JOIN pg_namespace n ON n.oid = c.relnamespace"
	"  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
	"    AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'"
	"    AND c.relname NOT IN ('schema_migrations', 'zdm_migrations',"
	"                          'schema_migrations_pkey', 'zdm_migrations_pkey'))"
	" SELECT line FROM ("
	"  SELECT format('relation %s.%s kind=%s', nspname, relname, relkind) AS line"
	"   FROM rel WHERE relkind IN ('r','p','v','m','S','f')"
	"  UNION ALL"
	"  SELECT format('column %s.%s.%s %s%s%s', r.nspname, r.relname, a.attname,"
	"         format_type(a.atttypid, a.atttypmod),"
	"         CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,"
	"         coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), ''))"
	"   FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid"
	"   LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
	"   WHERE a.attnum > 0 AND NOT a.attisdropped AND r.relkind IN ('r','p','v','m','f')"
	"  UNION ALL"
	"  SELECT format('index %s', pg_get_indexdef(i.indexrelid)) || CASE WHEN i.indisvalid THEN '' ELSE ' INVALID' END"
	"   FROM rel r JOIN pg_index i ON i.indrelid = r.oid"
	"  UNION ALL"
	"  SELECT format('constraint %s.%s %s %s', r.nspname, r.relname, co.conname,"
	"         pg_get_constraintdef(co.oid))"
	"   FROM rel r JOIN pg_constraint co ON co.conrelid = r.oid"
	"  UNION ALL"
	"  SELECT format('trigger %s', pg_get_triggerdef(t.oid))"
	"   FROM rel r JOIN pg_trigger t ON t.tgrelid = r.oid WHERE NOT t.tgisinternal"
	"  UNION ALL"
	"  SELECT format('view %s.%s %s', nspname, relname, pg_get_viewdef(oid))"
	"   FROM rel WHERE relkind IN ('v','m')"
	"  UNION ALL"
	"  SELECT format('type %s.%s %s', n.nspname, t.typname,"
	"         (SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))"
	"   FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
	"   WHERE t.typtype = 'e' AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
	" ) s ORDER BY line COLLATE \"C\"";

static enum zdm_status pg_schema(struct zdm_db *db, struct zdm_buf *out,
				 struct zdm_error *err)
{
	struct zdm_rows r;
	enum zdm_status st = zdm_db_query(db, schema_sql, NULL, 0, &r, err);
	if (st)
		return st;
	for (size_t i = 0; i < r.nrows; i++) {
		const char *l = zdm_rows_get(&r, i, 0);
		if (!l)
			continue;
		for (const char *p = l; *p; p++)
			zdm_buf_addc(out, *p == '\n' ? ' ' : *p);
		zdm_buf_addc(out, '\n');
	}
	zdm_rows_release(&r);
	return ZDM_OK;
}

const struct zdm_db_driver zdm_db_pg_driver = {
	.name = "postgres",
	.dialect = ZDM_DIALECT_POSTGRES,
	.accepts = accepts,
	.open = pg_open,
	.close = pg_close,
	.query = pg_query,
	.begin_sql = "BEGIN",
	.set_wait = NULL,
	.lock = pg_lock,
	.unlock = pg_unlock,
	.blockers = pg_blockers,
	.schema = pg_schema,
	.backup = NULL,
	.file = NULL,
};
