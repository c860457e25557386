// SPDX-License-Identifier: MIT
/*
 * writer: the steady application write load of the downtime meter.
 *
 *   writer sqlite:PATH | postgres://...   TABLE ROWS RATE
 *
 * Issues RATE writes per second on one connection, alternating a
 * single-row UPDATE of a random existing row (TABLE.w = w + 1 WHERE id = r,
 * r in 1..ROWS) and a single-row INSERT (w = 0), each in autocommit, the
 * way a web request would.  Writes are scheduled on a fixed timeline
 * (start + k / RATE); a write's latency is its completion time minus its
 * scheduled time, so a stall also counts against every write that queued
 * behind it (no coordinated omission: a 3 s lock is 3 s for the first
 * write and nearly as much for the next ones, as a user would see it).
 *
 * Latencies are only kept between SIGUSR1 (the change starts) and SIGTERM
 * (the change is over); the writes before SIGUSR1 warm the connection.  On
 * SIGTERM it prints one line for tests/bench/downtime.sh:
 *
 *   writes=N errors=E p50_ms=.. p99_ms=.. max_ms=..
 *
 * and the first error's message on stderr.  SQLite waits for the write
 * lock with busy_timeout = 60 s, so a lock shows up as latency, not as an
 * error; PostgreSQL writes simply wait for their locks.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <sqlite3.h>

static volatile sig_atomic_t recording, stopping;

static void on_usr1(int sig) { (void)sig; recording = 1; }
static void on_term(int sig) { (void)sig; stopping = 1; }

static int64_t now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void sleep_until(int64_t t_us)
{
	int64_t d = t_us - now_us();
	if (d <= 0)
		return;
	struct timespec ts = { d / 1000000, (d % 1000000) * 1000 };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR && !stopping)
		;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

struct conn {
	sqlite3 *lite;
	sqlite3_stmt *upd, *ins;
	PGconn *pg;
	char first_error[512];
};

/* One write; 0 on success, -1 (the first message kept) on error. */
static int write_one(struct conn *c, int update, long id)
{
	const char *msg = NULL;
	if (c->lite) {
		sqlite3_stmt *s = update ? c->upd : c->ins;
		if (update)
			sqlite3_bind_int64(s, 1, id);
		if (sqlite3_step(s) != SQLITE_DONE)
			msg = sqlite3_errmsg(c->lite);
		sqlite3_reset(s);
	} else {
		char idbuf[32];
		const char *params[1] = { idbuf };
		snprintf(idbuf, sizeof(idbuf), "%ld", id);
		PGresult *r = PQexecPrepared(c->pg, update ? "upd" : "ins", update ? 1 : 0,
					     params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			msg = PQerrorMessage(c->pg);	/* the connection's: outlives r */
		PQclear(r);
	}
	if (msg && !c->first_error[0])
		snprintf(c->first_error, sizeof(c->first_error), "%s", msg);
	return msg ? -1 : 0;
}

static int open_conn(struct conn *c, const char *url, const char *table)
{
	char upd[256], ins[256];
	snprintf(upd, sizeof(upd), "UPDATE %s SET w = w + 1 WHERE id = $1", table);
	snprintf(ins, sizeof(ins), "INSERT INTO %s (w) VALUES (0)", table);
	if (!strncmp(url, "sqlite:", 7)) {
		if (sqlite3_open(url + 7, &c->lite) != SQLITE_OK) {
			fprintf(stderr, "writer: %s: %s\n", url + 7, sqlite3_errmsg(c->lite));
			return -1;
		}
		sqlite3_busy_timeout(c->lite, 60000);
		sqlite3_exec(c->lite, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
		/* "$1" is a parameter name to SQLite too: bound as index 1. */
		if (sqlite3_prepare_v2(c->lite, upd, -1, &c->upd, NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(c->lite, ins, -1, &c->ins, NULL) != SQLITE_OK) {
			fprintf(stderr, "writer: %s\n", sqlite3_errmsg(c->lite));
			return -1;
		}
		return 0;
	}
	c->pg = PQconnectdb(url);
	if (PQstatus(c->pg) != CONNECTION_OK) {
		fprintf(stderr, "writer: %s", PQerrorMessage(c->pg));
		return -1;
	}
	PGresult *a = PQprepare(c->pg, "upd", upd, 1, NULL);
	PGresult *b = PQprepare(c->pg, "ins", ins, 0, NULL);
	int ok = PQresultStatus(a) == PGRES_COMMAND_OK && PQresultStatus(b) == PGRES_COMMAND_OK;
	PQclear(a);
	PQclear(b);
	if (!ok) {
		fprintf(stderr, "writer: %s", PQerrorMessage(c->pg));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: writer sqlite:PATH|postgres://... TABLE ROWS RATE\n");
		return 2;
	}
	long rows = atol(argv[3]), rate = atol(argv[4]);
	if (rows < 1 || rate < 1 || rate > 100000) {
		fprintf(stderr, "writer: ROWS and RATE must be positive numbers\n");
		return 2;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	struct conn c;
	memset(&c, 0, sizeof(c));
	if (open_conn(&c, argv[1], argv[2]))
		return 3;

	size_t cap = 1 << 16, n = 0;
	int64_t *lat = malloc(cap * sizeof(*lat));
	long errors = 0, k = 0;
	uint64_t rnd = 0x9e3779b97f4a7c15u;
	int64_t start = now_us(), step = 1000000 / rate;
	if (!lat)
		return 3;
	while (!stopping) {
		int64_t due = start + k * step;
		sleep_until(due);
		if (stopping)
			break;
		int rec = recording;
		rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
		int rc = write_one(&c, k % 2 == 0, (long)(rnd % (uint64_t)rows) + 1);
		int64_t done = now_us();
		k++;
		if (!rec)
			continue;
		if (rc)
			errors++;
		if (n == cap) {
			int64_t *p = realloc(lat, 2 * cap * sizeof(*lat));
			if (!p)
				return 3;
			lat = p, cap *= 2;
		}
		lat[n++] = done - due;
	}
	qsort(lat, n, sizeof(*lat), cmp_i64);
	double p50 = n ? lat[n / 2] / 1000.0 : 0, p99 = n ? lat[(n * 99) / 100] / 1000.0 : 0;
	double max = n ? lat[n - 1] / 1000.0 : 0;
	printf("writes=%zu errors=%ld p50_ms=%.1f p99_ms=%.1f max_ms=%.1f\n", n, errors, p50, p99, max);
	if (c.first_error[0])
		fprintf(stderr, "writer: first error: %s\n", c.first_error);
	free(lat);
	if (c.lite) {
		sqlite3_finalize(c.upd);
		sqlite3_finalize(c.ins);
		sqlite3_close(c.lite);
	}
	PQfinish(c.pg);
	return 0;
}
