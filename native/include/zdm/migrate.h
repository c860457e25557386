/* SPDX-License-Identifier: MIT */
/*
 * migrate.h - migration files, the history tables, and running one
 * migration up or down.
 *
 * Files: dbmate's format, <version>_<name>.sql with "-- migrate:up" and
 * "-- migrate:down" sections (either marker may carry
 * "transaction:false"), and golang-migrate pairs <version>_<name>.up.sql /
 * .down.sql.  Versions are digits and compare as numbers (leading zeros
 * do not count); two files with the same version are an error.
 *
 * History: dbmate's schema_migrations(version varchar(128) PRIMARY KEY)
 * says what is applied, so a project can switch between dbmate and zdm
 * either way; zdm_migrations keeps one row per run (version, name,
 * checksum of the normalised up section, direction, applied_at,
 * duration_ms, applied_by, statements_done/total, status).
 *
 * Library code: nothing here prints.  A struct zdm_migration owns its
 * strings; a struct zdm_migration_set owns its migrations.
 */
#ifndef ZDM_MIGRATE_H
#define ZDM_MIGRATE_H

#include <stddef.h>

#include "zdm/db.h"
#include "zdm/error.h"
#include "zdm/lexer.h"
#include "zdm/split.h"

enum zdm_mig_format {
	ZDM_MIG_DBMATE,     /* one file, up and down sections */
	ZDM_MIG_GOLANG,     /* .up.sql / .down.sql pair */
};

/* One section (up or down) of a migration: a view into text. */
struct zdm_mig_section {
	const char *path;   /* the file it is in (borrowed from the migration) */
	const char *text;   /* the section: not NUL-terminated at len */
	size_t len;
	int line;           /* file line of text[0] */
	int txn;            /* 0 when the marker says transaction:false */
	int empty;          /* only whitespace and comments */
};

struct zdm_migration {
	char *version;      /* digits as written in the file name */
	char *name;         /* after the first '_', without .sql/.up.sql */
	char *path;         /* the dbmate file, or the .up.sql file */
	char *down_path;    /* golang-migrate: the .down.sql file, or NULL */
	enum zdm_mig_format format;
	char *text;         /* the file (dbmate) or the up file (golang) */
	char *down_text;    /* golang-migrate down file, or NULL */
	struct zdm_mig_section up, down;
	char checksum[17];  /* hex FNV-1a 64 of the normalised up section */
};

struct zdm_migration_set {
	struct zdm_migration *items;   /* sorted by version */
	size_t count, cap;
};

#define ZDM_MIGRATION_SET_INIT { NULL, 0, 0 }

/*
 * Compare two version strings as numbers (both all digits): <0, 0, >0.
 * "001" == "1".
 */
int zdm_version_cmp(const char *a, const char *b);

/*
 * Checksum of text[0..len) normalised (CRLF -> LF, trailing whitespace
 * of each line and trailing blank lines dropped), as 16 hex digits.
 */
void zdm_mig_checksum(const char *text, size_t len, char out[17]);

/*
 * Parse a dbmate file's text (the migration takes ownership of text,
 * which must be NUL-terminated) into m->up and m->down.  A missing
 * "-- migrate:up", a marker twice, down before up, or an unknown
 * "-- migrate:" directive or option fails with ZDM_ERR_PARSE, err->line
 * set and the message starting with "path:line: ".
 */
enum zdm_status zdm_mig_parse_dbmate(struct zdm_migration *m, const char *path,
				     char *text, size_t len, struct zdm_error *err);

/*
 * Read every migration in dir, sorted by version.  Files that do not
 * look like migrations (no "<digits>_" prefix or not *.sql) are skipped.
 * Fails with ZDM_ERR_IO (unreadable dir or file) or ZDM_ERR_PARSE
 * (malformed header, duplicate version, a .down.sql without its .up.sql).
 */
enum zdm_status zdm_migrations_load(const char *dir, struct zdm_migration_set *out,
				    struct zdm_error *err);

void zdm_migration_release(struct zdm_migration *m);
void zdm_migration_set_release(struct zdm_migration_set *s);

/* The migration with this version (compared as numbers), or NULL. */
struct zdm_migration *zdm_migration_find(const struct zdm_migration_set *s,
					 const char *version);

/* ---- history ---------------------------------------------------------- */

struct zdm_applied {
	char *version;      /* as stored in schema_migrations */
	char *name;         /* from zdm_migrations, NULL when unknown (dbmate) */
	char *checksum;     /* of the last successful up, NULL when unknown */
	char *applied_at;   /* NULL when unknown */
};

struct zdm_history {
	struct zdm_applied *items;  /* sorted by version */
	size_t count;
	/*
	 * Non-transactional ups that stopped part way: version and how many
	 * statements had run.
	 */
	struct zdm_partial { char *version; long done; char *checksum; } *partial;
	size_t npartial;
};

#define ZDM_HISTORY_INIT { NULL, 0, NULL, 0 }

/* Create schema_migrations and zdm_migrations when missing. */
enum zdm_status zdm_history_ensure(struct zdm_db *db, struct zdm_error *err);

/*
 * Read what is applied.  Missing tables mean nothing is applied (not an
 * error).  The caller releases h with zdm_history_release().
 */
enum zdm_status zdm_history_read(struct zdm_db *db, struct zdm_history *h,
				 struct zdm_error *err);
void zdm_history_release(struct zdm_history *h);
const struct zdm_applied *zdm_history_find(const struct zdm_history *h,
					   const char *version);
/* Statements already done by a partial run of version with checksum, else 0. */
long zdm_history_partial(const struct zdm_history *h, const char *version,
			 const char *checksum);

/* ---- running ---------------------------------------------------------- */

enum zdm_direction { ZDM_UP, ZDM_DOWN };

struct zdm_run_opts {
	enum zdm_direction dir;
	long lock_timeout_ms;       /* PostgreSQL SET lock_timeout; <0: leave */
	long statement_timeout_ms;  /* PostgreSQL SET statement_timeout; <0: leave */
	long skip;                  /* non-transactional: statements to skip (resume) */
	const char *applied_by;     /* user@host */
};

struct zdm_run_result {
	long statements;            /* in the section */
	long done;                  /* statements that ran to completion */
	long duration_ms;
	/* On failure: where, and what the database said. */
	int fail_line;              /* file line of the failing statement/position */
	const char *fail_path;      /* borrowed from the migration */
	char fail_stmt[256];        /* the failing statement, squeezed */
	char sqlstate[24];
	int rolled_back;            /* the whole migration was rolled back */
	int invalid_index;          /* a CONCURRENTLY index build failed */
	char drop_index[300];       /* the statement that drops it */
};

/*
 * Run m's up or down section on db and record it in the history tables:
 * a transactional migration in one transaction together with its record
 * (on SQLite BEGIN IMMEDIATE, and the history is re-read inside it: when
 * another runner applied it meanwhile, returns ZDM_OK with res->done ==
 * -1); a transaction:false one statement by statement, its progress
 * recorded after each.  Errors: ZDM_ERR_LOCK when a statement timed out
 * on a lock (the caller may retry: a transactional migration was rolled
 * back), ZDM_ERR_DB with res saying where, ZDM_ERR_PARSE when the
 * section cannot be split.  err's message is the database's message.
 */
enum zdm_status zdm_migration_run(struct zdm_db *db, const struct zdm_migration *m,
				  const struct zdm_run_opts *o,
				  struct zdm_run_result *res, struct zdm_error *err);

/*
 * The statements of a section, split in the db's dialect: offsets into
 * sec->text.  Helper for --dry-run and the lint gate.
 */
enum zdm_status zdm_mig_split(const struct zdm_mig_section *sec, enum zdm_dialect d,
			      struct zdm_stmt_list *out, struct zdm_error *err);

#endif
