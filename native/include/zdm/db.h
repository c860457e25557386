/* SPDX-License-Identifier: MIT */
/*
 * db.h - one small interface over the databases zdm talks to.
 *
 * A connection is opened from a URL and then used through the calls
 * below, whatever the database: SQLite (libsqlite3, the embedded
 * default) and PostgreSQL (libpq).  Each database is one file in
 * native/src/db/ that fills a struct zdm_db_driver (db/driver.h) and one
 * line in db.c's driver table, so a third database is one more file.
 *
 * URLs:
 *   sqlite:PATH, sqlite3:PATH      relative or absolute path
 *   sqlite:///ABS/PATH             absolute path (dbmate's spelling)
 *   sqlite::memory:                an in-memory database
 *   postgres://..., postgresql://... libpq URI; "postgres:" or
 *                                  "postgres://" with nothing after it
 *                                  uses the libpq environment (PGHOST...)
 *
 * Statements take parameters as text, written $1, $2, ... in every
 * dialect.  A parameter whose text is a canonical integer ("42", "-7",
 * not "007") is bound as an integer on SQLite, so that LIMIT $1 and
 * comparisons with integer columns behave as on PostgreSQL.
 *
 * Passwords never leave this module: error messages name the database by
 * its redacted URL (zdm_db_redact_url).
 *
 * Errors: every call that can fail returns an enum zdm_status and fills
 * err.  A database error is ZDM_ERR_DB, except a lock that could not be
 * had in time (PostgreSQL SQLSTATE 55P03 lock_not_available, SQLite
 * SQLITE_BUSY), which is ZDM_ERR_LOCK.  The SQLSTATE (or SQLite's error
 * name) and the error's position in the statement are kept in the
 * connection until the next call (zdm_db_diag).
 */
#ifndef ZDM_DB_H
#define ZDM_DB_H

#include <stddef.h>

#include "zdm/error.h"
#include "zdm/lexer.h"
#include "zdm/util.h"

struct zdm_db;

/* The result of a query: every cell as text, NULL for SQL NULL. */
struct zdm_rows {
	size_t nrows, ncols;
	char **cells;       /* nrows * ncols, row-major; one allocation with the text */
	char **names;       /* ncols column names (in the same allocation) */
	long long affected; /* rows changed by INSERT/UPDATE/DELETE; -1 unknown */
};

#define ZDM_ROWS_INIT { 0, 0, NULL, NULL, -1 }

/* Details of the last failed call on a connection. */
struct zdm_db_diag {
	char sqlstate[24];  /* PostgreSQL SQLSTATE ("42601"), SQLite error name
	                       ("SQLITE_ERROR"); "" when none */
	int position;       /* 1-based character in the failing statement; 0 unknown */
	char detail[256];   /* PostgreSQL DETAIL/HINT, "" when none */
};

/*
 * Open a connection.  url NULL or "" means DATABASE_URL, else the
 * default "sqlite:db/development.sqlite3".  An unknown scheme, a file
 * that cannot be opened, an unreachable server or a refused login fail
 * with one line naming the redacted URL.  On success the caller owns *out
 * and closes it with zdm_db_free().  A SQLite database file (and its
 * directory) is created when missing.
 */
enum zdm_status zdm_db_open(const char *url, struct zdm_db **out,
			    struct zdm_error *err);

/*
 * Does the database at url exist?  SQLite: the file is there (or
 * :memory:); servers: always 1 (only connecting can tell).  For commands
 * that only read, which should not create a database file.
 */
int zdm_db_exists(const char *url);

/* Close the connection (and any side connection).  NULL is a no-op. */
void zdm_db_free(struct zdm_db *db);

/* The URL zdm_db_open would use for url (NULL/"" -> DATABASE_URL -> default). */
const char *zdm_db_default_url(const char *url);

/* The dialect of url's driver into *out: 1, or 0 for an unknown scheme. */
int zdm_db_url_dialect(const char *url, enum zdm_dialect *out);

/*
 * Write url to out (size n) with any password replaced by "***":
 * postgres://u:secret@h/db -> postgres://u:***@h/db, and password=... in
 * a query string or key=value conninfo likewise.  Always NUL-terminates.
 */
void zdm_db_redact_url(const char *url, char *out, size_t n);

enum zdm_dialect zdm_db_dialect(const struct zdm_db *db);
/* "sqlite" or "postgres": the driver's name. */
const char *zdm_db_driver_name(const struct zdm_db *db);
/* The redacted URL of the connection, for messages. */
const char *zdm_db_url(const struct zdm_db *db);
/* SQLite: the database file's path ("" for :memory:); NULL for servers. */
const char *zdm_db_file(const struct zdm_db *db);

/*
 * Run one statement (no parameters, no result).  Never give it several
 * statements at once: split them first (zdm_split).  SQLite runs only the
 * first statement of sql and fails when text other than comments and
 * whitespace follows.
 */
enum zdm_status zdm_db_exec(struct zdm_db *db, const char *sql,
			    struct zdm_error *err);

/*
 * Run one statement with text parameters ($1..$n; params[i] NULL is SQL
 * NULL).  rows may be NULL when the result does not matter; otherwise it
 * is filled (zeroed on failure) and the caller releases it with
 * zdm_rows_release().
 */
enum zdm_status zdm_db_query(struct zdm_db *db, const char *sql,
			     const char *const *params, size_t nparams,
			     struct zdm_rows *rows, struct zdm_error *err);

/* Cell (row, col) as text; NULL for SQL NULL or out of range. */
const char *zdm_rows_get(const struct zdm_rows *r, size_t row, size_t col);
void zdm_rows_release(struct zdm_rows *r);

/*
 * Transactions.  SQLite's begin is BEGIN IMMEDIATE (takes the write lock
 * at once, waiting up to the busy timeout: zdm_db_set_wait), so two
 * runners serialise there and the second re-reads what is applied.
 */
enum zdm_status zdm_db_begin(struct zdm_db *db, struct zdm_error *err);
enum zdm_status zdm_db_commit(struct zdm_db *db, struct zdm_error *err);
/* Roll back if a transaction is open; never fails loudly (best effort). */
void zdm_db_rollback(struct zdm_db *db);
/* True while a transaction is open on the connection. */
int zdm_db_in_transaction(const struct zdm_db *db);

/*
 * How long to wait for a lock held by someone else, in ms (-1: forever,
 * 0: do not wait).  SQLite: the busy timeout.  PostgreSQL: only
 * zdm_db_lock uses it (lock_timeout is set by the caller with SET).
 */
void zdm_db_set_wait(struct zdm_db *db, long wait_ms);

/*
 * An exclusive lock named name for this process, held until
 * zdm_db_unlock or zdm_db_free: PostgreSQL an advisory lock (key: 64-bit
 * FNV-1a of name) on a connection of its own, so it survives the
 * transactions and CONCURRENTLY statements of the main one; SQLite an
 * flock(2) on "PATH.NAME.lock" next to the database file (no-op for
 * :memory:).  Waits as zdm_db_set_wait says; ZDM_ERR_LOCK when another
 * process still holds it then.
 */
enum zdm_status zdm_db_lock(struct zdm_db *db, const char *name,
			    struct zdm_error *err);
void zdm_db_unlock(struct zdm_db *db);

/* Append ident quoted as an identifier for the connection's dialect. */
void zdm_db_quote_ident(const struct zdm_db *db, struct zdm_buf *out,
			const char *ident);
/* Append s as a string literal ('...' with quotes doubled). */
void zdm_db_quote_literal(const struct zdm_db *db, struct zdm_buf *out,
			  const char *s);

/* Details of the last failure on db (never NULL). */
const struct zdm_db_diag *zdm_db_diag(const struct zdm_db *db);

/*
 * Called about every interval_ms while a statement runs (PostgreSQL;
 * SQLite statements are not watched), with the ms elapsed since it
 * started.  The hook may call zdm_db_blockers on the same db.  fn NULL
 * turns it off.
 */
typedef void zdm_db_wait_fn(void *ctx, struct zdm_db *db, long elapsed_ms);
void zdm_db_set_wait_hook(struct zdm_db *db, long interval_ms,
			  zdm_db_wait_fn *fn, void *ctx);

/*
 * The sessions blocking the statement now running on db, from a side
 * connection: columns pid, state, age_s (seconds in the current
 * statement/transaction), query.  PostgreSQL only; other drivers return
 * no rows.
 */
enum zdm_status zdm_db_blockers(struct zdm_db *db, struct zdm_rows *rows,
				struct zdm_error *err);

/*
 * A text description of the user schema (tables, columns, types,
 * indexes, constraints, views, triggers), one object per line, sorted,
 * so that two databases can be compared with a line diff.  zdm's and
 * dbmate's history tables are left out.  Appends to out.
 */
enum zdm_status zdm_db_schema(struct zdm_db *db, struct zdm_buf *out,
			      struct zdm_error *err);

/*
 * SQLite: copy the whole database to the file at path through the online
 * backup API (the file is created with mode 0600), or from it into db
 * (restore).  ZDM_ERR_USAGE for drivers without it.
 */
enum zdm_status zdm_db_backup(struct zdm_db *db, const char *path,
			      struct zdm_error *err);
enum zdm_status zdm_db_restore(struct zdm_db *db, const char *path,
			       struct zdm_error *err);

/* The user and host the connection runs as, for history ("user@host"). */
void zdm_db_whoami(struct zdm_db *db, char *out, size_t n);

#endif
