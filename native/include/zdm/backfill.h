/* SPDX-License-Identifier: MIT */
/*
 * backfill.h - zdm backfill: a batched, resumable UPDATE by key range.
 *
 * The table is walked in key order: each batch finds the upper key of
 * the next N rows, then runs
 *
 *     UPDATE t SET col = expr WHERE key > $lo AND key <= $hi AND (cond)
 *
 * in its own short transaction, together with the checkpoint (the last
 * key done, in zdm's table zdm_backfills), so a rerun after a crash or
 * Ctrl-C continues after the last committed batch and never repeats one.
 * The batch size adapts toward a target batch time.  On PostgreSQL the
 * run pauses while replicas lag or sessions queue on locks.
 *
 * Identifiers (table, key, the SET column) are quoted by the tool; the
 * SET expression and WHERE condition are SQL the user writes, checked to
 * be one expression each (no ';', no comment).
 */
#ifndef ZDM_BACKFILL_H
#define ZDM_BACKFILL_H

#include <signal.h>
#include <stddef.h>

#include "zdm/error.h"

struct zdm_db;

struct zdm_backfill_opts {
	const char *table;       /* [schema.]table */
	const char *set;         /* "col = expr" */
	const char *where;       /* condition, or NULL */
	const char *key;         /* key column (default "id"); unique and indexed */
	long batch;              /* first batch size (default 1000) */
	long min_batch, max_batch; /* bounds of the adaptive size (default 10, 50000) */
	long target_ms;          /* target batch time; < 0: PostgreSQL 20, SQLite 2.5; 0: fixed size */
	long sleep_ms;           /* pause from a batch's commit to the next batch; < 0:
				    PostgreSQL 0, SQLite a gap that a writer waiting in
				    SQLite's busy handler cannot miss (see backfill.c) */
	long max_lag_ms;         /* PostgreSQL: pause while replay_lag exceeds it (default 5000) */
	long max_lock_waiters;   /* PostgreSQL: pause while more sessions wait on locks (default 5) */
	int restart;             /* ignore the checkpoint and start over */
	int dry_run;             /* compute the statement and the first ranges only */
	volatile sig_atomic_t *stop; /* set (e.g. by SIGINT) to stop after the current batch */
};

/* What a progress callback sees after each batch (and while paused). */
struct zdm_backfill_progress {
	long long rows_scanned;  /* keys walked so far (this run and before) */
	long long rows_updated;  /* rows the UPDATEs changed (this run and before) */
	long long total_est;     /* estimated rows in the table; -1 unknown */
	long long batches;       /* batches this run */
	long batch;              /* the size of the next batch */
	long batch_ms;           /* the last batch's time */
	double elapsed_s;        /* this run */
	double rate;             /* rows scanned per second, this run */
	const char *last_key;    /* the last key done, NULL before the first */
	const char *paused;      /* why the run waits now, or NULL */
	int resumed;             /* continued from a checkpoint */
};

typedef void zdm_backfill_progress_fn(void *ctx, const struct zdm_backfill_progress *p);

#define ZDM_BACKFILL_MAX_RANGES 5

struct zdm_backfill_result {
	char id[17];             /* the checkpoint id (hex) */
	int finished;            /* walked to the end of the table */
	int stopped;             /* stopped by *stop */
	int resumed;
	long long rows_scanned, rows_updated, batches;
	double elapsed_s;
	char *statement;         /* the batch UPDATE (with $1/$2); owned */
	/* dry run: the first ranges (lo is "" for the first one) */
	char *ranges[ZDM_BACKFILL_MAX_RANGES][2];
	size_t nranges;
	long long total_est;
};

/*
 * Warnings about reruns, written to out (size n, may be ""): no WHERE, a
 * WHERE that does not name the SET column, a SET that reads its own
 * column.  Returns the number of warnings.  Fails (ZDM_ERR_USAGE) when
 * the options are malformed: no "col = expr", a bad identifier shape, an
 * expression that is not one expression.
 */
enum zdm_status zdm_backfill_check(const struct zdm_backfill_opts *o, char *out, size_t n,
				   int *nwarn, struct zdm_error *err);

/*
 * Run the backfill on db (or, with dry_run, only fill res->statement and
 * res->ranges).  fn (may be NULL) is called after every batch and while
 * paused.  res is filled on success and on failure; release it with
 * zdm_backfill_result_release.  A failed batch is rolled back and the
 * checkpoint keeps the last committed one.
 */
enum zdm_status zdm_backfill_run(struct zdm_db *db, const struct zdm_backfill_opts *o,
				 zdm_backfill_progress_fn *fn, void *ctx,
				 struct zdm_backfill_result *res, struct zdm_error *err);

void zdm_backfill_result_release(struct zdm_backfill_result *res);

#endif
