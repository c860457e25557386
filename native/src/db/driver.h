/* SPDX-License-Identifier: MIT */
/*
 * driver.h - what a database driver provides to db.c.
 *
 * A driver is one file that fills a const struct zdm_db_driver and is
 * listed once in db.c's drivers[] table.  Its connection struct starts
 * with a struct zdm_db (the common part db.c manages), so db.c can hand
 * the same pointer to the driver's functions.
 */
#ifndef ZDM_DB_DRIVER_H
#define ZDM_DB_DRIVER_H

#include "zdm/db.h"

struct zdm_db_driver;

/* The part of every connection that db.c owns. */
struct zdm_db {
	const struct zdm_db_driver *drv;
	char url[512];             /* redacted */
	struct zdm_db_diag diag;
	long wait_ms;              /* -1 forever */
	int in_txn;
	zdm_db_wait_fn *hook;
	void *hook_ctx;
	long hook_interval_ms;
};

struct zdm_db_driver {
	const char *name;
	enum zdm_dialect dialect;
	/* Does this driver take url?  Returns the length of the scheme prefix, 0 if not. */
	size_t (*accepts)(const char *url);
	/* Allocate and connect; fill the common part with zdm_db_init_common. */
	enum zdm_status (*open)(const char *url, struct zdm_db **out, struct zdm_error *err);
	void (*close)(struct zdm_db *db);
	enum zdm_status (*query)(struct zdm_db *db, const char *sql,
				 const char *const *params, size_t nparams,
				 struct zdm_rows *rows, struct zdm_error *err);
	const char *begin_sql;     /* "BEGIN" / "BEGIN IMMEDIATE" */
	void (*set_wait)(struct zdm_db *db, long ms);     /* may be NULL */
	enum zdm_status (*lock)(struct zdm_db *db, const char *name, struct zdm_error *err);
	void (*unlock)(struct zdm_db *db);
	enum zdm_status (*blockers)(struct zdm_db *db, struct zdm_rows *rows, struct zdm_error *err); /* may be NULL */
	enum zdm_status (*schema)(struct zdm_db *db, struct zdm_buf *out, struct zdm_error *err);
	enum zdm_status (*backup)(struct zdm_db *db, const char *path, int restore, struct zdm_error *err); /* may be NULL */
	const char *(*file)(const struct zdm_db *db);      /* may be NULL */
	int (*exists)(const char *url);                    /* may be NULL: 1 */
};

extern const struct zdm_db_driver zdm_db_sqlite_driver;
extern const struct zdm_db_driver zdm_db_pg_driver;

/* Fill the common part of a new connection. */
void zdm_db_init_common(struct zdm_db *db, const struct zdm_db_driver *drv,
			const char *url);
/* Reset the diagnostics before a call. */
void zdm_db_diag_clear(struct zdm_db *db);

/*
 * Build a struct zdm_rows from ncols names and nrows*ncols cells (NULL
 * for SQL NULL), copying everything into one allocation.
 */
void zdm_rows_build(struct zdm_rows *r, size_t nrows, size_t ncols,
		    const char *const *names, const char *const *cells);

/*
 * A client library a driver opens with dlopen(3) the first time it is
 * needed, not at every start of zdm: names[] are tried in order, then
 * each function of syms[] (NULL-terminated) is resolved into its slot.
 * Loads once; 0, or -1 with why saying what is missing (hint: the Debian
 * package to install).
 */
struct zdm_dl_sym {
	const char *name;
	void **slot;
};
struct zdm_dl_lib {
	int loaded;
	const char *const *names;
	const char *hint;
	const struct zdm_dl_sym *syms;
};
int zdm_dl_load(struct zdm_dl_lib *lib, char *why, size_t n);

/*
 * A driver lists its functions once, as LIST(X, var) calling X(var, f)
 * for each, and builds from it the struct var of pointers p_<f> and its
 * zdm_dl_sym table: LIST(ZDM_DL_FIELD, var) and LIST(ZDM_DL_SYM, var).
 */
#define ZDM_DL_FIELD(var, f) __typeof__(f) *p_##f;
#define ZDM_DL_SYM(var, f) { #f, (void **)&var.p_##f },

/* 64-bit FNV-1a, for advisory lock keys. */
unsigned long long zdm_db_fnv1a(const char *s);

#endif
