/* SPDX-License-Identifier: MIT */
/*
 * sqlite.c - the SQLite driver (libsqlite3): the embedded default.
 *
 * One statement per call (the tail after it must be empty), parameters
 * bound by their $N names, BEGIN IMMEDIATE for transactions so that two
 * runners serialise on the write lock, an flock(2) file next to the
 * database for zdm_db_lock, the online backup API for backup and
 * restore, and WAL mode for a database zdm creates.
 *
 * libsqlite3 is loaded with dlopen(3) the first time a database is
 * opened, as libpq is (pg.c): linked normally, it and the libm it needs
 * were mapped and relocated on every start of zdm, 0.65 MB of the 4.8 MB
 * `zdm lint` of 1,000 files peaked at, for a command that opens no
 * database.  It stays the system's shared library.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "driver.h"

/* The libsqlite3 functions used here, resolved by zdm_dl_load(). */
#define LSQ_FUNCS(X, v) \
	X(v, sqlite3_backup_finish) \
	X(v, sqlite3_backup_init) \
	X(v, sqlite3_backup_step) \
	X(v, sqlite3_bind_int64) \
	X(v, sqlite3_bind_null) \
	X(v, sqlite3_bind_parameter_count) \
	X(v, sqlite3_bind_parameter_name) \
	X(v, sqlite3_bind_text) \
	X(v, sqlite3_busy_timeout) \
	X(v, sqlite3_changes64) \
	X(v, sqlite3_close) \
	X(v, sqlite3_column_count) \
	X(v, sqlite3_column_name) \
	X(v, sqlite3_column_text) \
	X(v, sqlite3_errcode) \
	X(v, sqlite3_errmsg) \
	X(v, sqlite3_error_offset) \
	X(v, sqlite3_errstr) \
	X(v, sqlite3_exec) \
	X(v, sqlite3_extended_result_codes) \
	X(v, sqlite3_finalize) \
	X(v, sqlite3_open_v2) \
	X(v, sqlite3_prepare_v2) \
	X(v, sqlite3_step) \
	X(v, sqlite3_stmt_readonly)

static struct {
	LSQ_FUNCS(ZDM_DL_FIELD, lsq)
} lsq;

static const struct zdm_dl_sym lsq_syms[] = {
	LSQ_FUNCS(ZDM_DL_SYM, lsq)
	{ NULL, NULL }
};

#define sqlite3_backup_finish (lsq.p_sqlite3_backup_finish)
#define sqlite3_backup_init (lsq.p_sqlite3_backup_init)
#define sqlite3_backup_step (lsq.p_sqlite3_backup_step)
#define sqlite3_bind_int64 (lsq.p_sqlite3_bind_int64)
#define sqlite3_bind_null (lsq.p_sqlite3_bind_null)
#define sqlite3_bind_parameter_count (lsq.p_sqlite3_bind_parameter_count)
#define sqlite3_bind_parameter_name (lsq.p_sqlite3_bind_parameter_name)
#define sqlite3_bind_text (lsq.p_sqlite3_bind_text)
#define sqlite3_busy_timeout (lsq.p_sqlite3_busy_timeout)
#define sqlite3_changes64 (lsq.p_sqlite3_changes64)
#define sqlite3_close (lsq.p_sqlite3_close)
#define sqlite3_column_count (lsq.p_sqlite3_column_count)
#define sqlite3_column_name (lsq.p_sqlite3_column_name)
#define sqlite3_column_text (lsq.p_sqlite3_column_text)
#define sqlite3_errcode (lsq.p_sqlite3_errcode)
#define sqlite3_errmsg (lsq.p_sqlite3_errmsg)
#define sqlite3_error_offset (lsq.p_sqlite3_error_offset)
#define sqlite3_errstr (lsq.p_sqlite3_errstr)
#define sqlite3_exec (lsq.p_sqlite3_exec)
#define sqlite3_extended_result_codes (lsq.p_sqlite3_extended_result_codes)
#define sqlite3_finalize (lsq.p_sqlite3_finalize)
#define sqlite3_open_v2 (lsq.p_sqlite3_open_v2)
#define sqlite3_prepare_v2 (lsq.p_sqlite3_prepare_v2)
#define sqlite3_step (lsq.p_sqlite3_step)
#define sqlite3_stmt_readonly (lsq.p_sqlite3_stmt_readonly)

static const char *const lsq_names[] = { "libsqlite3.so.0", "libsqlite3.so", NULL };
static struct zdm_dl_lib lsq_lib = { 0, lsq_names,
	"SQLite support needs libsqlite3 (Debian: libsqlite3-0)", lsq_syms };

/* Load libsqlite3; ZDM_OK, or an error saying what to install. */
static enum zdm_status load_sqlite(struct zdm_error *err)
{
	char why[256];
	if (zdm_dl_load(&lsq_lib, why, sizeof why) == 0)
		return ZDM_OK;
	return zdm_error_set(err, ZDM_ERR_DB, "%s", why);
}

struct sqlite_db {
	struct zdm_db base;
	sqlite3 *h;
	char *path;
	int lock_fd;
};

#define S(db) ((struct sqlite_db *)(db))

static size_t accepts(const char *url)
{
	if (strncmp(url, "sqlite:", 7) == 0)
		return 7;
	if (strncmp(url, "sqlite3:", 8) == 0)
		return 8;
	return 0;
}

/* The file path of a sqlite URL (new string). */
static char *url_path(const char *url)
{
	const char *p = url + accepts(url);
	size_t n;
	if (strncmp(p, "///", 3) == 0)
		p += 2;
	else if (strncmp(p, "//", 2) == 0)
		p += 2;
	n = strcspn(p, "?");
	char *s = zdm_xmalloc(n + 1);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* mkdir -p of path's directory. */
static int make_parent(const char *path)
{
	char *d = zdm_xstrdup(path);
	int rc = 0;
	char *slash = strrchr(d, '/');
	if (slash && slash != d) {
		*slash = '\0';
		for (char *q = d + 1; *q; q++) {
			if (*q != '/')
				continue;
			*q = '\0';
			if (mkdir(d, 0755) && errno != EEXIST)
				rc = -1;
			*q = '/';
		}
		if (mkdir(d, 0755) && errno != EEXIST)
			rc = -1;
	}
	free(d);
	return rc;
}

static enum zdm_status sq_open(const char *url, struct zdm_db **out,
			       struct zdm_error *err)
{
	enum zdm_status ls = load_sqlite(err);
	if (ls)
		return ls;
	struct sqlite_db *db = zdm_xcalloc(1, sizeof(*db));
	zdm_db_init_common(&db->base, &zdm_db_sqlite_driver, url);
	db->lock_fd = -1;
	db->path = url_path(url);
	if (!*db->path) {
		free(db->path);
		free(db);
		return zdm_error_set(err, ZDM_ERR_USAGE, "no database file in '%s'", url);
	}
	int fresh = strcmp(db->path, ":memory:") != 0 && access(db->path, F_OK) != 0;
	if (strcmp(db->path, ":memory:") != 0 && make_parent(db->path)) {
		zdm_error_set(err, ZDM_ERR_IO, "cannot create the directory of '%s': %s",
			      db->path, strerror(errno));
		free(db->path);
		free(db);
		return ZDM_ERR_IO;
	}
	if (sqlite3_open_v2(db->path, &db->h,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		zdm_error_set(err, ZDM_ERR_DB, "cannot open '%s': %s", db->path,
			      db->h ? sqlite3_errmsg(db->h) : "out of memory");
		sqlite3_close(db->h);
		free(db->path);
		free(db);
		return ZDM_ERR_DB;
	}
	sqlite3_extended_result_codes(db->h, 0);
	sqlite3_busy_timeout(db->h, (int)db->base.wait_ms);
	/*
	 * A database zdm creates is created in WAL mode, the mode a live
	 * SQLite app needs: readers never wait for a migration's write, and
	 * a commit costs one fsync of the log instead of three or four
	 * (journal, journal header, directory, database).  Still durable:
	 * synchronous stays FULL.  An existing database keeps its mode.  If
	 * the file system cannot do WAL, the database stays in rollback mode.
	 */
	if (fresh)
		sqlite3_exec(db->h, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	*out = &db->base;
	return ZDM_OK;
}

static void sq_close(struct zdm_db *db)
{
	if (S(db)->lock_fd >= 0)
		close(S(db)->lock_fd);
	sqlite3_close(S(db)->h);
	free(S(db)->path);
	free(db);
}

static void set_wait(struct zdm_db *db, long ms)
{
	sqlite3_busy_timeout(S(db)->h, ms < 0 ? 0x7fffffff : (int)ms);
}

/* Only whitespace, comments and semicolons in s? */
static int tail_empty(const char *s)
{
	while (*s) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ';' || *s == '\f') {
			s++;
		} else if (s[0] == '-' && s[1] == '-') {
			s += strcspn(s, "\n");
		} else if (s[0] == '/' && s[1] == '*') {
			const char *e = strstr(s + 2, "*/");
			if (!e)
				return 1;
			s = e + 2;
		} else {
			return 0;
		}
	}
	return 1;
}

/* Characters (not bytes) in s[0..off), plus one. */
static int char_pos(const char *s, int off)
{
	int n = 1;
	for (int i = 0; i < off && s[i]; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

static enum zdm_status fail(struct zdm_db *db, const char *sql,
			    struct zdm_error *err)
{
	int code = sqlite3_errcode(S(db)->h);
	int off = sqlite3_error_offset(S(db)->h);
	snprintf(db->diag.sqlstate, sizeof(db->diag.sqlstate), "%s",
		 code == SQLITE_BUSY ? "SQLITE_BUSY" : code == SQLITE_LOCKED ? "SQLITE_LOCKED"
		 : code == SQLITE_CONSTRAINT ? "SQLITE_CONSTRAINT" : "SQLITE_ERROR");
	db->diag.position = off >= 0 && sql ? char_pos(sql, off) : 0;
	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return zdm_error_set(err, ZDM_ERR_LOCK, "database is locked: %s",
				     sqlite3_errmsg(S(db)->h));
	return zdm_error_set(err, ZDM_ERR_DB, "%s", sqlite3_errmsg(S(db)->h));
}

/* Is s a canonical integer ("0", "42", "-7"; not "007", "+1", "1.0")? */
static int canonical_int(const char *s)
{
	const char *p = s;
	if (*p == '-')
		p++;
	if (!*p || (*p == '0' && p[1]) || strlen(p) > 18)
		return 0;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return strcmp(s, "-0") != 0;
}

static enum zdm_status sq_query(struct zdm_db *db, const char *sql,
				const char *const *params, size_t nparams,
				struct zdm_rows *rows, struct zdm_error *err)
{
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	enum zdm_status rc = ZDM_OK;

	if (sqlite3_prepare_v2(S(db)->h, sql, -1, &st, &tail) != SQLITE_OK)
		return fail(db, sql, err);
	if (!st)
		return ZDM_OK;   /* only comments */
	if (tail && !tail_empty(tail)) {
		sqlite3_finalize(st);
		snprintf(db->diag.sqlstate, sizeof(db->diag.sqlstate), "SQLITE_MISUSE");
		return zdm_error_set(err, ZDM_ERR_USAGE,
				     "several statements given at once (split them first)");
	}
	int nb = sqlite3_bind_parameter_count(st);
	for (int i = 1; i <= nb; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		long k = name ? strtol(name + 1, NULL, 10) : i;
		if (k < 1 || (size_t)k > nparams) {
			sqlite3_finalize(st);
			return zdm_error_set(err, ZDM_ERR_USAGE, "parameter %s has no value",
					     name ? name : "?");
		}
		const char *v = params[k - 1];
		int brc;
		if (!v)
			brc = sqlite3_bind_null(st, i);
		else if (canonical_int(v))
			brc = sqlite3_bind_int64(st, i, strtoll(v, NULL, 10));
		else
			brc = sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
		if (brc != SQLITE_OK) {
			rc = fail(db, NULL, err);
			sqlite3_finalize(st);
			return rc;
		}
	}

	int ncols = sqlite3_column_count(st);
	const char **cells = NULL;
	size_t ncells = 0, cap = 0, nrows = 0;
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (!rows)
			continue;
		if (ncells + (size_t)ncols > cap) {
			cap = cap ? cap * 2 : 64;
			while (cap < ncells + (size_t)ncols)
				cap *= 2;
			cells = zdm_xrealloc(cells, cap * sizeof(char *));
		}
		for (int c = 0; c < ncols; c++) {
			const unsigned char *t = sqlite3_column_text(st, c);
			cells[ncells++] = t ? zdm_xstrdup((const char *)t) : NULL;
		}
		nrows++;
	}
	if (s != SQLITE_DONE) {
		rc = fail(db, sql, err);
	} else if (rows) {
		const char **names = zdm_xcalloc((size_t)ncols + 1, sizeof(char *));
		for (int c = 0; c < ncols; c++)
			names[c] = sqlite3_column_name(st, c);
		zdm_rows_build(rows, nrows, (size_t)ncols, names, cells);
		rows->affected = sqlite3_stmt_readonly(st) ? 0 : sqlite3_changes64(S(db)->h);
		free(names);
	}
	for (size_t i = 0; i < ncells; i++)
		free((char *)cells[i]);
	free(cells);
	sqlite3_finalize(st);
	return rc;
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static enum zdm_status sq_lock(struct zdm_db *db, const char *name,
			       struct zdm_error *err)
{
	struct sqlite_db *s = S(db);
	if (s->lock_fd >= 0 || !strcmp(s->path, ":memory:"))
		return ZDM_OK;
	char *lp = zdm_xmalloc(strlen(s->path) + strlen(name) + 8);
	sprintf(lp, "%s.%s.lock", s->path, name);
	int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		zdm_error_set(err, ZDM_ERR_IO, "cannot open lock file '%s': %s", lp, strerror(errno));
		free(lp);
		return ZDM_ERR_IO;
	}
	long start = now_ms();
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			zdm_error_set(err, ZDM_ERR_IO, "cannot lock '%s': %s", lp, strerror(errno));
			close(fd);
			free(lp);
			return ZDM_ERR_IO;
		}
		if (db->wait_ms >= 0 && now_ms() - start >= db->wait_ms) {
			zdm_error_set(err, ZDM_ERR_LOCK,
				      "another zdm is running on '%s' (lock '%s' held; waited %ld ms)",
				      s->path, lp, db->wait_ms);
			close(fd);
			free(lp);
			return ZDM_ERR_LOCK;
		}
		msleep(50);
	}
	free(lp);
	s->lock_fd = fd;
	return ZDM_OK;
}

static void sq_unlock(struct zdm_db *db)
{
	if (S(db)->lock_fd >= 0) {
		close(S(db)->lock_fd);
		S(db)->lock_fd = -1;
	}
}

/* Append sql with runs of whitespace squeezed to one space. */
static void add_squeezed(struct zdm_buf *out, const char *sql)
{
	int sp = 0;
	for (const char *p = sql; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			sp = 1;
			continue;
		}
		if (sp && out->len && out->data[out->len - 1] != ' ')
			zdm_buf_addc(out, ' ');
		sp = 0;
		zdm_buf_addc(out, *p);
	}
}

static enum zdm_status sq_schema(struct zdm_db *db, struct zdm_buf *out,
				 struct zdm_error *err)
{
	struct zdm_rows r;
	enum zdm_status st = zdm_db_query(db,
		"SELECT type, name, tbl_name, sql FROM sqlite_master"
		" WHERE name NOT LIKE 'sqlite_%'"
		" AND tbl_name NOT IN ('schema_migrations', 'zdm_migrations')"
		" ORDER BY type, name", NULL, 0, &r, err);
	if (st)
		return st;
	for (size_t i = 0; i < r.nrows; i++) {
		const char *sql = zdm_rows_get(&r, i, 3);
		zdm_buf_addf(out, "%s %s on %s: ", zdm_rows_get(&r, i, 0),
			     zdm_rows_get(&r, i, 1), zdm_rows_get(&r, i, 2));
		add_squeezed(out, sql ? sql : "(automatic)");
		zdm_buf_addc(out, '\n');
	}
	zdm_rows_release(&r);
	return ZDM_OK;
}

static enum zdm_status sq_backup(struct zdm_db *db, const char *path,
				 int restore, struct zdm_error *err)
{
	sqlite3 *other = NULL;
	int rc;

	if (!restore) {
		struct stat sb;
		/* Only ever a regular file: never chmod or truncate a device. */
		if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
			return zdm_error_set(err, ZDM_ERR_IO, "cannot back up to '%s': not a regular file",
					     path);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return zdm_error_set(err, ZDM_ERR_IO, "cannot create '%s': %s", path,
					     strerror(errno));
		if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			close(fd);
			return zdm_error_set(err, ZDM_ERR_IO, "cannot back up to '%s': not a regular file",
					     path);
		}
		fchmod(fd, 0600);
		close(fd);
		rc = sqlite3_open_v2(path, &other, SQLITE_OPEN_READWRITE, NULL);
	} else {
		if (access(path, R_OK) != 0)
			return zdm_error_set(err, ZDM_ERR_IO, "cannot read '%s': %s", path,
					     strerror(errno));
		rc = sqlite3_open_v2(path, &other, SQLITE_OPEN_READONLY, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(other, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		zdm_error_set(err, ZDM_ERR_DB, "cannot open '%s': %s", path,
			      other ? sqlite3_errmsg(other) : "out of memory");
		sqlite3_close(other);
		return ZDM_ERR_DB;
	}
	sqlite3 *dst = restore ? S(db)->h : other, *src = restore ? other : S(db)->h;
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		zdm_error_set(err, ZDM_ERR_DB, "cannot %s '%s': %s",
			      restore ? "restore from" : "back up to", path, sqlite3_errmsg(dst));
		sqlite3_close(other);
		return ZDM_ERR_DB;
	}
	long start = now_ms();
	for (;;) {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_DONE)
			break;
		if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
		    (db->wait_ms < 0 || now_ms() - start < db->wait_ms)) {
			msleep(20);
			continue;
		}
		break;
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		zdm_error_set(err, rc == SQLITE_BUSY ? ZDM_ERR_LOCK : ZDM_ERR_DB,
			      "cannot %s '%s': %s", restore ? "restore from" : "back up to",
			      path, sqlite3_errstr(rc));
		sqlite3_close(other);
		return err ? err->code : ZDM_ERR_DB;
	}
	sqlite3_close(other);
	return ZDM_OK;
}

static const char *sq_file(const struct zdm_db *db)
{
	const struct sqlite_db *s = (const struct sqlite_db *)db;
	return strcmp(s->path, ":memory:") ? s->path : "";
}

static int sq_exists(const char *url)
{
	char *p = url_path(url);
	int yes = !strcmp(p, ":memory:") || access(p, F_OK) == 0;
	free(p);
	return yes;
}

const struct zdm_db_driver zdm_db_sqlite_driver = {
	.name = "sqlite",
	.dialect = ZDM_DIALECT_SQLITE,
	.accepts = accepts,
	.open = sq_open,
	.close = sq_close,
	.query = sq_query,
	.begin_sql = "BEGIN IMMEDIATE",
	.set_wait = set_wait,
	.lock = sq_lock,
	.unlock = sq_unlock,
	.blockers = NULL,
	.schema = sq_schema,
	.backup = sq_backup,
	.file = sq_file,
	.exists = sq_exists,
};
