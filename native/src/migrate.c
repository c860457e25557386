/* SPDX-License-Identifier: MIT */
/*
 * migrate.c - migration files (dbmate and golang-migrate), the history
 * tables, and running one migration up or down.
 *
 * Separate from the commands so that up, down and verify share one way
 * of running a migration and recording it, and so that the file formats
 * can be unit-tested without a database.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zdm/migrate.h"
#include "zdm/split.h"
#include "zdm/util.h"

/* ---- versions and checksums ------------------------------------------- */

int zdm_version_cmp(const char *a, const char *b)
{
	while (*a == '0' && a[1])
		a++;
	while (*b == '0' && b[1])
		b++;
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

void zdm_mig_checksum(const char *text, size_t len, char out[17])
{
	unsigned long long h = 1469598103934665603ULL;
	size_t i = 0, pending_blank = 0;
	int started = 0;

	while (i < len) {
		size_t s = i, e;
		while (i < len && text[i] != '\n')
			i++;
		e = i;
		if (i < len)
			i++;
		while (e > s && (text[e - 1] == '\r' || text[e - 1] == ' ' || text[e - 1] == '\t'))
			e--;
		if (e == s) {
			if (started)
				pending_blank++;
			continue;
		}
		/* Blank lines count only between text, so trailing ones do not. */
		for (; pending_blank; pending_blank--) {
			h ^= '\n';
			h *= 1099511628211ULL;
		}
		started = 1;
		for (size_t k = s; k < e; k++) {
			h ^= (unsigned char)text[k];
			h *= 1099511628211ULL;
		}
		h ^= '\n';
		h *= 1099511628211ULL;
	}
	snprintf(out, 17, "%016llx", h);
}

/* Only whitespace and comments in text[0..len)? */
static int section_empty(const char *t, size_t len)
{
	size_t i = 0;
	while (i < len) {
		char c = t[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == ';') {
			i++;
		} else if (c == '-' && i + 1 < len && t[i + 1] == '-') {
			while (i < len && t[i] != '\n')
				i++;
		} else if (c == '/' && i + 1 < len && t[i + 1] == '*') {
			i += 2;
			while (i + 1 < len && !(t[i] == '*' && t[i + 1] == '/'))
				i++;
			i += 2;
		} else {
			return 0;
		}
	}
	return 1;
}

/* ---- dbmate files ----------------------------------------------------- */

/*
 * A "-- migrate:" line at line_start?  Returns 1 for up, 2 for down, 0
 * for not a marker, -1 for a malformed one (err filled).
 */
static int marker(const char *path, int line, const char *l, size_t n,
		  int *txn, struct zdm_error *err)
{
	size_t i = 0;
	if (n < 2 || l[0] != '-' || l[1] != '-')
		return 0;
	i = 2;
	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (n - i < 8 || strncmp(l + i, "migrate:", 8) != 0)
		return 0;
	i += 8;
	size_t w = i;
	while (i < n && l[i] != ' ' && l[i] != '\t' && l[i] != '\r')
		i++;
	int kind;
	if (i - w == 2 && !strncmp(l + w, "up", 2))
		kind = 1;
	else if (i - w == 4 && !strncmp(l + w, "down", 4))
		kind = 2;
	else
		return zdm_error_at(err, ZDM_ERR_PARSE, line, 1,
				    "%s:%d: unknown directive '-- migrate:%.*s' (expected up or down)",
				    path, line, (int)(i - w), l + w), -1;
	*txn = 1;
	/* Options: transaction:false|true */
	while (i < n) {
		while (i < n && (l[i] == ' ' || l[i] == '\t' || l[i] == '\r'))
			i++;
		if (i >= n)
			break;
		size_t o = i;
		while (i < n && l[i] != ' ' && l[i] != '\t' && l[i] != '\r')
			i++;
		if (i - o == 17 && !strncmp(l + o, "transaction:false", 17))
			*txn = 0;
		else if (i - o == 16 && !strncmp(l + o, "transaction:true", 16))
			*txn = 1;
		else
			return zdm_error_at(err, ZDM_ERR_PARSE, line, (int)o + 1,
					    "%s:%d: unknown option '%.*s' on '-- migrate:%s' (expected transaction:false)",
					    path, line, (int)(i - o), l + o, kind == 1 ? "up" : "down"), -1;
	}
	return kind;
}

enum zdm_status zdm_mig_parse_dbmate(struct zdm_migration *m, const char *path,
				     char *text, size_t len, struct zdm_error *err)
{
	size_t i = 0;
	int line = 1, up_line = 0, down_line = 0;
	size_t up_start = 0, down_start = 0, up_marker = 0, down_marker = 0;
	int up_txn = 1, down_txn = 1;

	m->text = text;
	while (i < len) {
		size_t s = i;
		while (i < len && text[i] != '\n')
			i++;
		size_t e = i;
		if (i < len)
			i++;
		int txn = 1;
		int k = marker(path, line, text + s, e - s, &txn, err);
		if (k < 0)
			return ZDM_ERR_PARSE;
		if (k == 1) {
			if (up_line)
				return zdm_error_at(err, ZDM_ERR_PARSE, line, 1,
						    "%s:%d: second '-- migrate:up' (the first is on line %d)",
						    path, line, up_line);
			if (down_line)
				return zdm_error_at(err, ZDM_ERR_PARSE, line, 1,
						    "%s:%d: '-- migrate:up' after '-- migrate:down' (line %d)",
						    path, line, down_line);
			up_line = line;
			up_marker = s;
			up_start = i;
			up_txn = txn;
		} else if (k == 2) {
			if (down_line)
				return zdm_error_at(err, ZDM_ERR_PARSE, line, 1,
						    "%s:%d: second '-- migrate:down' (the first is on line %d)",
						    path, line, down_line);
			if (!up_line)
				return zdm_error_at(err, ZDM_ERR_PARSE, line, 1,
						    "%s:%d: '-- migrate:down' before '-- migrate:up'",
						    path, line);
			down_line = line;
			down_marker = s;
			down_start = i;
			down_txn = txn;
		}
		line++;
	}
	if (!up_line)
		return zdm_error_at(err, ZDM_ERR_PARSE, 1, 1,
				    "%s:1: no '-- migrate:up' line (dbmate format: '-- migrate:up' then '-- migrate:down')",
				    path);
	(void)up_marker;
	m->up.path = path;
	m->up.text = text + up_start;
	m->up.len = (down_line ? down_marker : len) - up_start;
	m->up.line = up_line + 1;
	m->up.txn = up_txn;
	m->up.empty = section_empty(m->up.text, m->up.len);
	m->down.path = path;
	m->down.text = down_line ? text + down_start : text + len;
	m->down.len = down_line ? len - down_start : 0;
	m->down.line = down_line ? down_line + 1 : line;
	m->down.txn = down_txn;
	m->down.empty = section_empty(m->down.text, m->down.len);
	zdm_mig_checksum(m->up.text, m->up.len, m->checksum);
	return ZDM_OK;
}

/* ---- loading a directory ---------------------------------------------- */

struct entry {
	char *file;          /* name in the dir */
	char *version;
	char *name;
	int kind;            /* 0 dbmate, 1 golang up, 2 golang down */
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = zdm_version_cmp(x->version, y->version);
	if (c)
		return c;
	if (x->kind != y->kind)
		return x->kind - y->kind;
	return strcmp(x->file, y->file);
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

/* Parse a file name into e; 0 when it is not a migration file. */
static int parse_name(const char *f, struct entry *e)
{
	size_t d = strspn(f, "0123456789");
	size_t n = strlen(f);
	if (!d || f[d] != '_' || !ends_with(f, ".sql"))
		return 0;
	e->kind = ends_with(f, ".up.sql") ? 1 : ends_with(f, ".down.sql") ? 2 : 0;
	size_t strip = e->kind == 1 ? 7 : e->kind == 2 ? 9 : 4;
	if (n < d + 1 + strip)
		return 0;
	e->file = zdm_xstrdup(f);
	e->version = zdm_xmalloc(d + 1);
	memcpy(e->version, f, d);
	e->version[d] = '\0';
	size_t nl = n - d - 1 - strip;
	e->name = zdm_xmalloc(nl + 1);
	memcpy(e->name, f + d + 1, nl);
	e->name[nl] = '\0';
	return 1;
}

static char *join(const char *dir, const char *f)
{
	size_t a = strlen(dir), b = strlen(f);
	char *p = zdm_xmalloc(a + b + 2);
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, f, b + 1);
	return p;
}

/*
 * Read dir/name (dfd is dir's descriptor) into a new NUL-terminated
 * buffer.  Four system calls per file: `zdm status` reads every
 * migration, and on a VM each call costs microseconds.
 */
static enum zdm_status read_at(int dfd, const char *path, const char *name,
			       char **out, size_t *len, struct zdm_error *err)
{
	struct stat sb;
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	*out = NULL;
	if (fd < 0)
		return zdm_error_set(err, ZDM_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (256 << 20)) {
		close(fd);
		return zdm_error_set(err, ZDM_ERR_IO, "cannot read '%s': %s", path,
				     S_ISREG(sb.st_mode) ? "too large" : "not a regular file");
	}
	size_t cap = (size_t)sb.st_size, n = 0;
	char *buf = zdm_xmalloc(cap + 1);
	for (;;) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			free(buf);
			return zdm_error_set(err, ZDM_ERR_IO, "cannot read '%s': %s", path, strerror(e));
		}
		n += (size_t)r;
		/* What fstat said is what we read: no extra read to see EOF. */
		if (r == 0 || n == cap)
			break;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return ZDM_OK;
}

static int contains_ci(const char *t, size_t len, const char *w)
{
	size_t n = strlen(w);
	for (size_t i = 0; i + n <= len; i++)
		if (zdm_strncaseeq(t + i, n, w))
			return 1;
	return 0;
}

static void golang_section(struct zdm_mig_section *s, const char *path,
			   const char *text, size_t len)
{
	s->path = path;
	s->text = text;
	s->len = len;
	s->line = 1;
	/*
	 * golang-migrate has no per-file directive: a file that builds an
	 * index CONCURRENTLY cannot run in a transaction, so it runs
	 * statement by statement.
	 */
	s->txn = !contains_ci(text, len, "concurrently");
	s->empty = section_empty(text, len);
}

void zdm_migration_release(struct zdm_migration *m)
{
	if (!m)
		return;
	free(m->version);
	free(m->name);
	free(m->path);
	free(m->down_path);
	free(m->text);
	free(m->down_text);
	memset(m, 0, sizeof(*m));
}

void zdm_migration_set_release(struct zdm_migration_set *s)
{
	for (size_t i = 0; i < s->count; i++)
		zdm_migration_release(&s->items[i]);
	free(s->items);
	s->items = NULL;
	s->count = s->cap = 0;
}

static void free_entries(struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].file);
		free(e[i].version);
		free(e[i].name);
	}
	free(e);
}

enum zdm_status zdm_migrations_load(const char *dir, struct zdm_migration_set *out,
				    struct zdm_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct entry *ents = NULL;
	size_t n = 0, cap = 0;
	enum zdm_status st = ZDM_OK;

	if (!d)
		return zdm_error_set(err, ZDM_ERR_IO, "cannot read migrations dir '%s': %s",
				     dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		struct entry e;
		if (de->d_name[0] == '.' || !parse_name(de->d_name, &e))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			ents = zdm_xrealloc(ents, cap * sizeof(*ents));
		}
		ents[n++] = e;
	}
	if (n)
		qsort(ents, n, sizeof(*ents), entry_cmp);
	int dfd = dirfd(d);

	for (size_t i = 0; i < n && !st; i++) {
		struct entry *e = &ents[i];
		/* A golang up followed by its down is one migration. */
		int pair = e->kind == 1 && i + 1 < n && ents[i + 1].kind == 2 &&
			   !zdm_version_cmp(e->version, ents[i + 1].version);
		if (out->count && !zdm_version_cmp(out->items[out->count - 1].version, e->version)) {
			st = zdm_error_set(err, ZDM_ERR_PARSE,
					   "duplicate migration version %s: '%s' and '%s/%s'",
					   e->version, out->items[out->count - 1].path, dir, e->file);
			break;
		}
		if (e->kind == 2) {
			st = zdm_error_set(err, ZDM_ERR_PARSE,
					   "'%s/%s' has no matching .up.sql file", dir, e->file);
			break;
		}
		if (out->count == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 64;
			out->items = zdm_xrealloc(out->items, out->cap * sizeof(*out->items));
		}
		struct zdm_migration *m = &out->items[out->count];
		memset(m, 0, sizeof(*m));
		m->version = e->version;
		m->name = e->name;
		e->version = e->name = NULL;
		m->path = join(dir, e->file);
		out->count++;
		char *text = NULL;
		size_t len = 0;
		if ((st = read_at(dfd, m->path, e->file, &text, &len, err)))
			break;
		if (e->kind == 0) {
			m->format = ZDM_MIG_DBMATE;
			if ((st = zdm_mig_parse_dbmate(m, m->path, text, len, err)))
				break;
		} else {
			m->format = ZDM_MIG_GOLANG;
			m->text = text;
			golang_section(&m->up, m->path, text, len);
			zdm_mig_checksum(text, len, m->checksum);
			if (pair) {
				i++;
				m->down_path = join(dir, ents[i].file);
				if ((st = read_at(dfd, m->down_path, ents[i].file, &m->down_text, &len, err)))
					break;
				golang_section(&m->down, m->down_path, m->down_text, len);
			} else {
				golang_section(&m->down, m->path, text + len, 0);
			}
		}
	}
	closedir(d);
	free_entries(ents, n);
	if (st)
		zdm_migration_set_release(out);
	return st;
}

struct zdm_migration *zdm_migration_find(const struct zdm_migration_set *s,
					 const char *version)
{
	size_t lo = 0, hi = s->count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = zdm_version_cmp(s->items[mid].version, version);
		if (!c)
			return &s->items[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- history ---------------------------------------------------------- */

static const char *const create_sqlite[] = {
	"CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(128) PRIMARY KEY)",
	"CREATE TABLE IF NOT EXISTS zdm_migrations ("
	" id INTEGER PRIMARY KEY,"
	" version varchar(128) NOT NULL,"
	" name text,"
	" checksum text,"
	" direction text NOT NULL,"
	" status text NOT NULL,"
	" applied_at text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
	" duration_ms integer,"
	" applied_by text,"
	" statements_done integer NOT NULL DEFAULT 0,"
	" statements_total integer)",
	/* History reads pick the last run of each version. */
	"CREATE INDEX IF NOT EXISTS zdm_migrations_version ON zdm_migrations (version, id)",
	NULL,
};

static const char *const create_pg[] = {
	"CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(128) PRIMARY KEY)",
	"CREATE TABLE IF NOT EXISTS zdm_migrations ("
	" id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" version varchar(128) NOT NULL,"
	" name text,"
	" checksum text,"
	" direction text NOT NULL,"
	" status text NOT NULL,"
	" applied_at timestamptz NOT NULL DEFAULT now(),"
	" duration_ms bigint,"
	" applied_by text,"
	" statements_done integer NOT NULL DEFAULT 0,"
	" statements_total integer)",
	/* History reads pick the last run of each version. */
	"CREATE INDEX IF NOT EXISTS zdm_migrations_version ON zdm_migrations (version, id)",
	NULL,
};

enum zdm_status zdm_history_ensure(struct zdm_db *db, struct zdm_error *err)
{
	const char *const *q = zdm_db_dialect(db) == ZDM_DIALECT_SQLITE ? create_sqlite : create_pg;
	enum zdm_status st;
	struct zdm_rows r;

	/* Look first: CREATE ... IF NOT EXISTS still takes a write lock. */
	if (zdm_db_dialect(db) == ZDM_DIALECT_SQLITE)
		st = zdm_db_query(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
				  " AND name IN ('schema_migrations', 'zdm_migrations')",
				  NULL, 0, &r, err);
	else
		st = zdm_db_query(db, "SELECT (to_regclass('schema_migrations') IS NOT NULL)::int"
				  " + (to_regclass('zdm_migrations') IS NOT NULL)::int",
				  NULL, 0, &r, err);
	if (st)
		return st;
	int have = atoi(zdm_rows_get(&r, 0, 0) ? zdm_rows_get(&r, 0, 0) : "0");
	zdm_rows_release(&r);
	if (have == 2)
		return ZDM_OK;
	for (; *q; q++)
		if ((st = zdm_db_exec(db, *q, err)))
			return st;
	return ZDM_OK;
}

static int applied_cmp(const void *a, const void *b)
{
	const struct zdm_applied *x = a, *y = b;
	return zdm_version_cmp(x->version, y->version);
}

void zdm_history_release(struct zdm_history *h)
{
	for (size_t i = 0; i < h->count; i++) {
		free(h->items[i].version);
		free(h->items[i].name);
		free(h->items[i].checksum);
		free(h->items[i].applied_at);
	}
	free(h->items);
	for (size_t i = 0; i < h->npartial; i++) {
		free(h->partial[i].version);
		free(h->partial[i].checksum);
	}
	free(h->partial);
	memset(h, 0, sizeof(*h));
}

const struct zdm_applied *zdm_history_find(const struct zdm_history *h,
					   const char *version)
{
	size_t lo = 0, hi = h->count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = zdm_version_cmp(h->items[mid].version, version);
		if (!c)
			return &h->items[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? zdm_xstrdup(s) : NULL;
}

enum zdm_status zdm_history_read(struct zdm_db *db, struct zdm_history *h,
				 struct zdm_error *err)
{
	struct zdm_rows r;
	enum zdm_status st;
	int sqlite = zdm_db_dialect(db) == ZDM_DIALECT_SQLITE;

	memset(h, 0, sizeof(*h));
	if (sqlite)
		st = zdm_db_query(db, "SELECT"
				  " (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'),"
				  " (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'zdm_migrations')",
				  NULL, 0, &r, err);
	else
		st = zdm_db_query(db, "SELECT (to_regclass('schema_migrations') IS NOT NULL)::int,"
				  " (to_regclass('zdm_migrations') IS NOT NULL)::int",
				  NULL, 0, &r, err);
	if (st)
		return st;
	int have_sm = atoi(zdm_rows_get(&r, 0, 0)), have_zdm = atoi(zdm_rows_get(&r, 0, 1));
	zdm_rows_release(&r);
	if (!have_sm)
		return ZDM_OK;

	if ((st = zdm_db_query(db, "SELECT version FROM schema_migrations", NULL, 0, &r, err)))
		return st;
	h->items = zdm_xcalloc(r.nrows + 1, sizeof(*h->items));
	for (size_t i = 0; i < r.nrows; i++)
		h->items[h->count++].version = zdm_xstrdup(zdm_rows_get(&r, i, 0));
	zdm_rows_release(&r);
	qsort(h->items, h->count, sizeof(*h->items), applied_cmp);
	if (!have_zdm)
		return ZDM_OK;

	/*
	 * What zdm knows of each applied version: its last successful up.
	 * Two plain scans merged here rather than a join with GROUP BY:
	 * with 1,000 applied the join cost SQLite 1 ms, the scans 0.1 ms.
	 */
	st = zdm_db_query(db, "SELECT version, name, checksum, applied_at FROM zdm_migrations"
			  " WHERE direction = 'up' AND status = 'done' ORDER BY id",
			  NULL, 0, &r, err);
	if (st)
		return st;
	for (size_t i = 0; i < r.nrows; i++) {
		struct zdm_applied *a = (struct zdm_applied *)zdm_history_find(h, zdm_rows_get(&r, i, 0));
		if (!a || strcmp(a->version, zdm_rows_get(&r, i, 0)))
			continue;   /* rolled back since, or not the same text */
		free(a->name);
		free(a->checksum);
		free(a->applied_at);
		a->name = dup_or_null(zdm_rows_get(&r, i, 1));
		a->checksum = dup_or_null(zdm_rows_get(&r, i, 2));
		a->applied_at = dup_or_null(zdm_rows_get(&r, i, 3));
	}
	zdm_rows_release(&r);

	/* Non-transactional ups that did not finish (last run of the version). */
	st = zdm_db_query(db,
		"SELECT z.version, z.statements_done, z.checksum FROM zdm_migrations z"
		" WHERE z.status IN ('running', 'failed') AND z.direction = 'up'"
		" AND z.statements_done > 0"
		" AND z.id = (SELECT max(y.id) FROM zdm_migrations y WHERE y.version = z.version)",
		NULL, 0, &r, err);
	if (st)
		return st;
	h->partial = zdm_xcalloc(r.nrows + 1, sizeof(*h->partial));
	for (size_t i = 0; i < r.nrows; i++) {
		h->partial[i].version = zdm_xstrdup(zdm_rows_get(&r, i, 0));
		h->partial[i].done = atol(zdm_rows_get(&r, i, 1));
		h->partial[i].checksum = dup_or_null(zdm_rows_get(&r, i, 2));
	}
	h->npartial = r.nrows;
	zdm_rows_release(&r);
	return ZDM_OK;
}

long zdm_history_partial(const struct zdm_history *h, const char *version,
			 const char *checksum)
{
	for (size_t i = 0; i < h->npartial; i++)
		if (!zdm_version_cmp(h->partial[i].version, version) &&
		    h->partial[i].checksum && !strcmp(h->partial[i].checksum, checksum))
			return h->partial[i].done;
	return 0;
}

/* ---- running ---------------------------------------------------------- */

enum zdm_status zdm_mig_split(const struct zdm_mig_section *sec, enum zdm_dialect d,
			      struct zdm_stmt_list *out, struct zdm_error *err)
{
	enum zdm_status st = zdm_split(d, sec->text, sec->len, out, err);
	if (st) {
		int line = sec->line + (err ? err->line : 1) - 1;
		return zdm_error_at(err, st, line, 0, "%s:%d: %s", sec->path, line,
				    err ? err->msg : "cannot split");
	}
	/* Drop statements that are only comments. */
	size_t k = 0;
	for (size_t i = 0; i < out->count; i++) {
		if (!out->items[i].len || section_empty(sec->text + out->items[i].off, out->items[i].len))
			continue;
		out->items[k++] = out->items[i];
	}
	out->count = k;
	return ZDM_OK;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Copy the statement squeezed to one line into out. */
static void squeeze(const char *s, size_t len, char *out, size_t n)
{
	size_t o = 0;
	int sp = 0;
	for (size_t i = 0; i < len && o + 4 < n; i++) {
		char c = s[i];
		if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
			sp = o > 0;
			continue;
		}
		if (sp)
			out[o++] = ' ';
		sp = 0;
		out[o++] = c;
	}
	if (o + 4 >= n)
		memcpy(out + o, "...", 3), o += 3;
	out[o] = '\0';
}

/* File line of the 1-based character position pos in statement st. */
static int error_line(const struct zdm_mig_section *sec, const struct zdm_stmt *st, int pos)
{
	int line = sec->line + st->line - 1;
	const char *s = sec->text + st->off;
	int chars = 0;
	for (size_t i = 0; i < st->len && pos > 0; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && ++chars >= pos)
			break;
		if (s[i] == '\n')
			line++;
	}
	return line;
}

/*
 * The index name of "CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS]
 * name" in s, copied to out; 0 when s is not such a statement.
 */
static int cic_name(enum zdm_dialect d, const char *s, size_t len, char *out, size_t n)
{
	struct zdm_token *t = NULL;
	size_t nt = 0, i = 0;
	int ok = 0;
	zdm_lexer_all(d, s, len, &t, &nt);
	if (i < nt && zdm_token_is(s, &t[i], "create"))
		i++;
	else
		goto out;
	if (i < nt && zdm_token_is(s, &t[i], "unique"))
		i++;
	if (!(i < nt && zdm_token_is(s, &t[i], "index")))
		goto out;
	i++;
	if (!(i < nt && zdm_token_is(s, &t[i], "concurrently")))
		goto out;
	i++;
	if (i + 2 < nt && zdm_token_is(s, &t[i], "if") && zdm_token_is(s, &t[i + 1], "not") &&
	    zdm_token_is(s, &t[i + 2], "exists"))
		i += 3;
	if (i >= nt || zdm_token_is(s, &t[i], "on"))
		goto out;
	/* name, or schema.name */
	size_t start = t[i].off, end = t[i].off + t[i].len;
	if (i + 2 < nt && t[i + 1].kind == ZDM_TK_DOT)
		end = t[i + 2].off + t[i + 2].len;
	if (end - start + 1 > n)
		goto out;
	memcpy(out, s + start, end - start);
	out[end - start] = '\0';
	ok = 1;
out:
	free(t);
	return ok;
}

/* Did the failed statement leave an INVALID index?  Fills res. */
static void check_invalid_index(struct zdm_db *db, const char *s, size_t len,
				struct zdm_run_result *res)
{
	char name[200];
	struct zdm_rows r;
	struct zdm_error e;
	struct zdm_db_diag keep = *zdm_db_diag(db);
	if (zdm_db_dialect(db) != ZDM_DIALECT_POSTGRES ||
	    !cic_name(ZDM_DIALECT_POSTGRES, s, len, name, sizeof(name)))
		return;
	const char *p[1] = { name };
	if (zdm_db_query(db, "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)",
			 p, 1, &r, &e) == ZDM_OK) {
		if (r.nrows == 1 && !strcmp(zdm_rows_get(&r, 0, 0), "t")) {
			res->invalid_index = 1;
			snprintf(res->drop_index, sizeof(res->drop_index),
				 "DROP INDEX CONCURRENTLY IF EXISTS %s;", name);
		}
		zdm_rows_release(&r);
	}
	*(struct zdm_db_diag *)zdm_db_diag(db) = keep;
}

static enum zdm_status set_timeouts(struct zdm_db *db, const struct zdm_run_opts *o,
				    struct zdm_error *err)
{
	char sql[80];
	enum zdm_status st;
	if (zdm_db_dialect(db) != ZDM_DIALECT_POSTGRES)
		return ZDM_OK;
	if (o->lock_timeout_ms >= 0) {
		snprintf(sql, sizeof(sql), "SET lock_timeout = %ld", o->lock_timeout_ms);
		if ((st = zdm_db_exec(db, sql, err)))
			return st;
	}
	if (o->statement_timeout_ms >= 0) {
		snprintf(sql, sizeof(sql), "SET statement_timeout = %ld", o->statement_timeout_ms);
		if ((st = zdm_db_exec(db, sql, err)))
			return st;
	}
	return ZDM_OK;
}

/* Is version applied, per schema_migrations, right now? -1 on error. */
static int is_applied(struct zdm_db *db, const char *version, struct zdm_error *err)
{
	struct zdm_rows r;
	const char *p[1] = { version };
	/* Versions compare as numbers: 001 is 1 (ltrim works in both dialects). */
	if (zdm_db_query(db, "SELECT 1 FROM schema_migrations WHERE version = $1"
			 " OR ltrim(version, '0') = ltrim($1, '0')", p, 1, &r, err))
		return -1;
	int yes = r.nrows > 0;
	zdm_rows_release(&r);
	return yes;
}

static enum zdm_status record(struct zdm_db *db, const struct zdm_migration *m,
			      const struct zdm_run_opts *o, long done, long total,
			      long ms, struct zdm_error *err)
{
	enum zdm_status st;
	char d[24], t[24], dur[24];
	const char *v[1] = { m->version };
	snprintf(d, sizeof(d), "%ld", done);
	snprintf(t, sizeof(t), "%ld", total);
	snprintf(dur, sizeof(dur), "%ld", ms);
	if (o->dir == ZDM_UP)
		st = zdm_db_query(db, "INSERT INTO schema_migrations (version) VALUES ($1)", v, 1, NULL, err);
	else
		st = zdm_db_query(db, "DELETE FROM schema_migrations WHERE version = $1"
				  " OR ltrim(version, '0') = ltrim($1, '0')", v, 1, NULL, err);
	if (st)
		return st;
	const char *p[8] = { m->version, m->name, m->checksum, o->dir == ZDM_UP ? "up" : "down",
			     dur, o->applied_by ? o->applied_by : "", d, t };
	return zdm_db_query(db, "INSERT INTO zdm_migrations (version, name, checksum, direction, status,"
			    " duration_ms, applied_by, statements_done, statements_total)"
			    " VALUES ($1, $2, $3, $4, 'done', $5, $6, $7, $8)", p, 8, NULL, err);
}

enum zdm_status zdm_migration_run(struct zdm_db *db, const struct zdm_migration *m,
				  const struct zdm_run_opts *o,
				  struct zdm_run_result *res, struct zdm_error *err)
{
	const struct zdm_mig_section *sec = o->dir == ZDM_UP ? &m->up : &m->down;
	struct zdm_stmt_list l = ZDM_STMT_LIST_INIT;
	enum zdm_status st;
	long start = now_ms();
	char *buf = NULL;
	size_t bufcap = 0;
	char id[32] = "";

	memset(res, 0, sizeof(*res));
	res->fail_path = sec->path;
	if ((st = zdm_mig_split(sec, zdm_db_dialect(db), &l, err))) {
		res->fail_line = err ? err->line : 0;
		return st;
	}
	res->statements = (long)l.count;
	for (size_t i = 0; i < l.count; i++) {
		if (l.items[i].flags & ZDM_STMT_META) {
			res->fail_line = sec->line + l.items[i].line - 1;
			squeeze(sec->text + l.items[i].off, l.items[i].len, res->fail_stmt, sizeof(res->fail_stmt));
			zdm_stmt_list_release(&l);
			return zdm_error_at(err, ZDM_ERR_PARSE, res->fail_line, 0,
					    "%s:%d: psql meta-commands cannot run here",
					    sec->path, res->fail_line);
		}
	}
	if ((st = set_timeouts(db, o, err)))
		goto out;

	if (sec->txn) {
		if ((st = zdm_db_begin(db, err)))
			goto out;
		int a = is_applied(db, m->version, err);
		if (a < 0) {
			st = err ? err->code : ZDM_ERR_DB;
			goto fail;
		}
		if (a != (o->dir == ZDM_DOWN)) {
			/* Another runner got there first. */
			zdm_db_rollback(db);
			res->done = -1;
			goto out;
		}
	} else {
		int a = is_applied(db, m->version, err);
		if (a < 0) {
			st = err ? err->code : ZDM_ERR_DB;
			goto out;
		}
		if (a != (o->dir == ZDM_DOWN)) {
			res->done = -1;
			goto out;
		}
		struct zdm_rows r;
		char t[24], sk[24];
		snprintf(t, sizeof(t), "%zu", l.count);
		snprintf(sk, sizeof(sk), "%ld", o->skip);
		const char *p[7] = { m->version, m->name, m->checksum,
				     o->dir == ZDM_UP ? "up" : "down",
				     o->applied_by ? o->applied_by : "", sk, t };
		if ((st = zdm_db_query(db, "INSERT INTO zdm_migrations (version, name, checksum, direction,"
				       " status, applied_by, statements_done, statements_total)"
				       " VALUES ($1, $2, $3, $4, 'running', $5, $6, $7) RETURNING id",
				       p, 7, &r, err)))
			goto out;
		snprintf(id, sizeof(id), "%s", zdm_rows_get(&r, 0, 0));
		zdm_rows_release(&r);
	}

	for (size_t i = 0; i < l.count; i++) {
		const struct zdm_stmt *s = &l.items[i];
		if (!sec->txn && (long)i < o->skip) {
			res->done++;
			continue;
		}
		if (s->len + 1 > bufcap) {
			bufcap = s->len + 1;
			buf = zdm_xrealloc(buf, bufcap);
		}
		memcpy(buf, sec->text + s->off, s->len);
		buf[s->len] = '\0';
		if ((st = zdm_db_exec(db, buf, err))) {
			const struct zdm_db_diag *dg = zdm_db_diag(db);
			res->fail_line = error_line(sec, s, dg->position);
			squeeze(buf, s->len, res->fail_stmt, sizeof(res->fail_stmt));
			snprintf(res->sqlstate, sizeof(res->sqlstate), "%s", dg->sqlstate);
			if (sec->txn)
				goto fail;
			check_invalid_index(db, buf, s->len, res);
			goto fail_nontxn;
		}
		res->done++;
		if (!sec->txn) {
			char d[24];
			struct zdm_error e2;
			snprintf(d, sizeof(d), "%ld", res->done);
			const char *p[2] = { d, id };
			zdm_db_query(db, "UPDATE zdm_migrations SET statements_done = $1 WHERE id = $2",
				     p, 2, NULL, &e2);
		}
	}

	res->duration_ms = now_ms() - start;
	if (sec->txn) {
		if ((st = record(db, m, o, res->done, res->statements, res->duration_ms, err)))
			goto fail;
		if ((st = zdm_db_commit(db, err))) {
			res->rolled_back = 1;
			goto out;
		}
	} else {
		char dur[24];
		snprintf(dur, sizeof(dur), "%ld", res->duration_ms);
		const char *v[1] = { m->version };
		const char *p[2] = { dur, id };
		if ((st = zdm_db_begin(db, err)))
			goto out;
		if ((st = zdm_db_query(db, o->dir == ZDM_UP
				       ? "INSERT INTO schema_migrations (version) VALUES ($1)"
				       : "DELETE FROM schema_migrations WHERE version = $1"
					 " OR ltrim(version, '0') = ltrim($1, '0')",
				       v, 1, NULL, err)) ||
		    (st = zdm_db_query(db, "UPDATE zdm_migrations SET status = 'done', duration_ms = $1"
				       " WHERE id = $2", p, 2, NULL, err)))
			goto fail;
		st = zdm_db_commit(db, err);
	}
	goto out;

fail:
	zdm_db_rollback(db);
	res->rolled_back = 1;
	res->done = 0;
	goto out;
fail_nontxn:
	{
		char dur[24];
		struct zdm_error e2;
		struct zdm_db_diag keep = *zdm_db_diag(db);
		snprintf(dur, sizeof(dur), "%ld", now_ms() - start);
		const char *p[2] = { dur, id };
		zdm_db_query(db, "UPDATE zdm_migrations SET status = 'failed', duration_ms = $1"
			     " WHERE id = $2", p, 2, NULL, &e2);
		*(struct zdm_db_diag *)zdm_db_diag(db) = keep;
	}
out:
	res->duration_ms = now_ms() - start;
	free(buf);
	zdm_stmt_list_release(&l);
	return st;
}
