/* SPDX-License-Identifier: MIT */
/*
 * db.c - the database interface: pick a driver by URL, keep the common
 * state (redacted URL, diagnostics, transaction flag), and forward each
 * call to the driver.
 *
 * Separate from the drivers so that everything dialect-neutral (URL
 * handling, password redaction, result storage, quoting) is written once.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pwd.h>

#include "driver.h"

/* The drivers, tried in order: one line per database. */
static const struct zdm_db_driver *const drivers[] = {
	&zdm_db_sqlite_driver,
	&zdm_db_pg_driver,
};

#define DEFAULT_URL "sqlite:db/development.sqlite3"

const char *zdm_db_default_url(const char *url)
{
	if (url && *url)
		return url;
	url = getenv("DATABASE_URL");
	if (url && *url)
		return url;
	return DEFAULT_URL;
}

/* Copy [s, e) to out, advancing *o, never past n - 1. */
static void put(char *out, size_t n, size_t *o, const char *s, size_t len)
{
	while (len-- && *o + 1 < n)
		out[(*o)++] = *s++;
}

void zdm_db_redact_url(const char *url, char *out, size_t n)
{
	size_t o = 0;
	const char *p = url ? url : "";
	const char *scheme = strstr(p, "://");

	if (!n)
		return;
	if (scheme) {
		/* scheme://user:password@host... */
		const char *auth = scheme + 3;
		const char *end = auth + strcspn(auth, "/?#");
		const char *at = NULL;
		for (const char *q = auth; q < end; q++)
			if (*q == '@')
				at = q;
		if (at) {
			const char *colon = memchr(auth, ':', (size_t)(at - auth));
			if (colon) {
				put(out, n, &o, p, (size_t)(colon + 1 - p));
				put(out, n, &o, "***", 3);
				p = at;
			}
		}
	}
	/* password=... in a query string or a key=value conninfo */
	while (*p) {
		const char *k = strstr(p, "password=");
		if (!k) {
			put(out, n, &o, p, strlen(p));
			break;
		}
		int starts = k == url || k[-1] == '?' || k[-1] == '&' || k[-1] == ' ';
		put(out, n, &o, p, (size_t)(k - p) + 9);
		p = k + 9;
		if (starts) {
			put(out, n, &o, "***", 3);
			p += strcspn(p, "& ");
		}
	}
	out[o] = '\0';
}

void zdm_db_init_common(struct zdm_db *db, const struct zdm_db_driver *drv,
			const char *url)
{
	db->drv = drv;
	zdm_db_redact_url(url, db->url, sizeof(db->url));
	db->wait_ms = 5000;
	db->in_txn = 0;
	db->hook = NULL;
	db->hook_ctx = NULL;
	db->hook_interval_ms = 1000;
	zdm_db_diag_clear(db);
}

int zdm_dl_load(struct zdm_dl_lib *lib, char *why, size_t n)
{
	void *h = NULL;
	if (lib->loaded)
		return 0;
	for (const char *const *p = lib->names; *p && !h; p++)
		h = dlopen(*p, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(why, n, "%s: %s", lib->hint, dlerror());
		return -1;
	}
	for (const struct zdm_dl_sym *s = lib->syms; s->name; s++) {
		if (!(*s->slot = dlsym(h, s->name))) {
			snprintf(why, n, "%s has no %s (too old?)", lib->names[0], s->name);
			dlclose(h);
			return -1;
		}
	}
	lib->loaded = 1;
	return 0;
}

void zdm_db_diag_clear(struct zdm_db *db)
{
	memset(&db->diag, 0, sizeof(db->diag));
}

enum zdm_status zdm_db_open(const char *url, struct zdm_db **out,
			    struct zdm_error *err)
{
	char red[512];

	*out = NULL;
	url = zdm_db_default_url(url);
	for (size_t i = 0; i < sizeof drivers / sizeof drivers[0]; i++)
		if (drivers[i]->accepts(url))
			return drivers[i]->open(url, out, err);
	zdm_db_redact_url(url, red, sizeof(red));
	return zdm_error_set(err, ZDM_ERR_USAGE,
			     "unknown database URL scheme in '%s' (use sqlite:PATH or postgres://...)",
			     red);
}

int zdm_db_url_dialect(const char *url, enum zdm_dialect *out)
{
	for (size_t i = 0; url && i < sizeof drivers / sizeof drivers[0]; i++)
		if (drivers[i]->accepts(url)) {
			*out = drivers[i]->dialect;
			return 1;
		}
	return 0;
}

int zdm_db_exists(const char *url)
{
	url = zdm_db_default_url(url);
	for (size_t i = 0; i < sizeof drivers / sizeof drivers[0]; i++)
		if (drivers[i]->accepts(url))
			return drivers[i]->exists ? drivers[i]->exists(url) : 1;
	return 1;   /* unknown scheme: zdm_db_open says so */
}

void zdm_db_free(struct zdm_db *db)
{
	if (!db)
		return;
	db->drv->close(db);
}

enum zdm_dialect zdm_db_dialect(const struct zdm_db *db)
{
	return db->drv->dialect;
}

const char *zdm_db_driver_name(const struct zdm_db *db)
{
	return db->drv->name;
}

const char *zdm_db_url(const struct zdm_db *db)
{
	return db->url;
}

const char *zdm_db_file(const struct zdm_db *db)
{
	return db->drv->file ? db->drv->file(db) : NULL;
}

enum zdm_status zdm_db_exec(struct zdm_db *db, const char *sql,
			    struct zdm_error *err)
{
	return zdm_db_query(db, sql, NULL, 0, NULL, err);
}

enum zdm_status zdm_db_query(struct zdm_db *db, const char *sql,
			     const char *const *params, size_t nparams,
			     struct zdm_rows *rows, struct zdm_error *err)
{
	if (rows) {
		struct zdm_rows z = ZDM_ROWS_INIT;
		*rows = z;
	}
	zdm_db_diag_clear(db);
	return db->drv->query(db, sql, params, nparams, rows, err);
}

const char *zdm_rows_get(const struct zdm_rows *r, size_t row, size_t col)
{
	if (!r || row >= r->nrows || col >= r->ncols)
		return NULL;
	return r->cells[row * r->ncols + col];
}

void zdm_rows_release(struct zdm_rows *r)
{
	if (!r)
		return;
	free(r->cells);
	r->cells = NULL;
	r->names = NULL;
	r->nrows = r->ncols = 0;
	r->affected = -1;
}

void zdm_rows_build(struct zdm_rows *r, size_t nrows, size_t ncols,
		    const char *const *names, const char *const *cells)
{
	size_t n = nrows * ncols, bytes = 0;
	for (size_t i = 0; i < ncols; i++)
		bytes += strlen(names[i]) + 1;
	for (size_t i = 0; i < n; i++)
		if (cells[i])
			bytes += strlen(cells[i]) + 1;
	char **ptrs = zdm_xmalloc((n + ncols) * sizeof(char *) + bytes + 1);
	char *text = (char *)(ptrs + n + ncols);
	for (size_t i = 0; i < n + ncols; i++) {
		const char *s = i < n ? cells[i] : names[i - n];
		if (!s) {
			ptrs[i] = NULL;
			continue;
		}
		size_t len = strlen(s) + 1;
		memcpy(text, s, len);
		ptrs[i] = text;
		text += len;
	}
	r->cells = ptrs;
	r->names = ptrs + n;
	r->nrows = nrows;
	r->ncols = ncols;
}

enum zdm_status zdm_db_begin(struct zdm_db *db, struct zdm_error *err)
{
	enum zdm_status st = zdm_db_exec(db, db->drv->begin_sql, err);
	if (st == ZDM_OK)
		db->in_txn = 1;
	return st;
}

enum zdm_status zdm_db_commit(struct zdm_db *db, struct zdm_error *err)
{
	enum zdm_status st = zdm_db_exec(db, "COMMIT", err);
	if (st == ZDM_OK)
		db->in_txn = 0;
	else
		zdm_db_rollback(db);
	return st;
}

void zdm_db_rollback(struct zdm_db *db)
{
	struct zdm_db_diag keep = db->diag;
	struct zdm_error e;
	if (db->in_txn)
		zdm_db_exec(db, "ROLLBACK", &e);
	db->in_txn = 0;
	db->diag = keep;    /* the caller wants the error that caused it */
}

int zdm_db_in_transaction(const struct zdm_db *db)
{
	return db->in_txn;
}

void zdm_db_set_wait(struct zdm_db *db, long wait_ms)
{
	db->wait_ms = wait_ms;
	if (db->drv->set_wait)
		db->drv->set_wait(db, wait_ms);
}

enum zdm_status zdm_db_lock(struct zdm_db *db, const char *name,
			    struct zdm_error *err)
{
	return db->drv->lock(db, name, err);
}

void zdm_db_unlock(struct zdm_db *db)
{
	db->drv->unlock(db);
}

void zdm_db_quote_ident(const struct zdm_db *db, struct zdm_buf *out,
			const char *ident)
{
	char q = db && db->drv->dialect == ZDM_DIALECT_MYSQL ? '`' : '"';
	zdm_buf_addc(out, q);
	for (const char *p = ident; *p; p++) {
		if (*p == q)
			zdm_buf_addc(out, q);
		zdm_buf_addc(out, *p);
	}
	zdm_buf_addc(out, q);
}

void zdm_db_quote_literal(const struct zdm_db *db, struct zdm_buf *out,
			  const char *s)
{
	int bs = db && db->drv->dialect == ZDM_DIALECT_POSTGRES && strchr(s, '\\');
	if (bs)
		zdm_buf_addc(out, 'E');
	zdm_buf_addc(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'' || (bs && *p == '\\'))
			zdm_buf_addc(out, *p);
		zdm_buf_addc(out, *p);
	}
	zdm_buf_addc(out, '\'');
}

const struct zdm_db_diag *zdm_db_diag(const struct zdm_db *db)
{
	return &db->diag;
}

void zdm_db_set_wait_hook(struct zdm_db *db, long interval_ms,
			  zdm_db_wait_fn *fn, void *ctx)
{
	db->hook = fn;
	db->hook_ctx = ctx;
	db->hook_interval_ms = interval_ms > 0 ? interval_ms : 1000;
}

enum zdm_status zdm_db_blockers(struct zdm_db *db, struct zdm_rows *rows,
				struct zdm_error *err)
{
	struct zdm_rows z = ZDM_ROWS_INIT;
	*rows = z;
	if (!db->drv->blockers)
		return ZDM_OK;
	return db->drv->blockers(db, rows, err);
}

enum zdm_status zdm_db_schema(struct zdm_db *db, struct zdm_buf *out,
			      struct zdm_error *err)
{
	return db->drv->schema(db, out, err);
}

enum zdm_status zdm_db_backup(struct zdm_db *db, const char *path,
			      struct zdm_error *err)
{
	if (!db->drv->backup)
		return zdm_error_set(err, ZDM_ERR_USAGE,
				     "backup through the driver is not supported for %s",
				     db->drv->name);
	return db->drv->backup(db, path, 0, err);
}

enum zdm_status zdm_db_restore(struct zdm_db *db, const char *path,
			       struct zdm_error *err)
{
	if (!db->drv->backup)
		return zdm_error_set(err, ZDM_ERR_USAGE,
				     "restore through the driver is not supported for %s",
				     db->drv->name);
	return db->drv->backup(db, path, 1, err);
}

void zdm_db_whoami(struct zdm_db *db, char *out, size_t n)
{
	char host[256] = "localhost";
	const char *user = getenv("USER");
	struct passwd *pw;

	if (!user || !*user) {
		pw = getpwuid(getuid());
		user = pw ? pw->pw_name : "unknown";
	}
	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	snprintf(out, n, "%s@%s", user, host);
}

unsigned long long zdm_db_fnv1a(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}
