/* SPDX-License-Identifier: MIT */
/*
 * audit.c - append to, and rotate, the guard's audit log.
 *
 * Separate from the guard so that `zdm log` (the CLI) and zdm-guard find
 * the same file by the same rules.  The format is JSON lines: one object
 * per line, appended with a single write(2) under flock(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdm/audit.h"

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* mkdir -p with mode 0700 for what it creates. */
static int mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

enum zdm_status zdm_audit_dir(char *buf, size_t size, int create,
			      struct zdm_error *err)
{
	const char *d = env("CLAUDE_PLUGIN_DATA"), *x, *home;
	int n;

	if (d)
		n = snprintf(buf, size, "%s", d);
	else if ((x = env("XDG_STATE_HOME")) && x[0] == '/')
		n = snprintf(buf, size, "%s/zdm", x);
	else if ((home = env("HOME")))
		n = snprintf(buf, size, "%s/.local/state/zdm", home);
	else
		return zdm_error_set(err, ZDM_ERR_IO,
				     "no place for the audit log: set CLAUDE_PLUGIN_DATA or HOME");
	if (n < 0 || (size_t)n >= size)
		return zdm_error_set(err, ZDM_ERR_LIMIT, "audit log path too long");
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = 0;
	if (create && mkdirs(buf) != 0)
		return zdm_error_set(err, ZDM_ERR_IO, "cannot create '%s': %s", buf,
				     strerror(errno));
	return ZDM_OK;
}

enum zdm_status zdm_audit_path(char *buf, size_t size, struct zdm_error *err)
{
	char dir[PATH_MAX];
	enum zdm_status st = zdm_audit_dir(dir, sizeof(dir), 0, err);
	int n;

	if (st)
		return st;
	n = snprintf(buf, size, "%s/%s", dir, ZDM_AUDIT_FILE);
	if (n < 0 || (size_t)n >= size)
		return zdm_error_set(err, ZDM_ERR_LIMIT, "audit log path too long");
	return ZDM_OK;
}

static void add_field(struct zdm_buf *b, const char *key, const char *val)
{
	if (!val)
		return;
	zdm_buf_addf(b, ",\"%s\":", key);
	zdm_buf_add_json_str(b, val, strlen(val));
}

void zdm_audit_format(const struct zdm_audit_entry *e, time_t now,
		      struct zdm_buf *b)
{
	struct tm tm;
	char ts[32];
	size_t k;
	int first = 1;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	zdm_buf_addf(b, "{\"ts\":\"%s\"", ts);
	add_field(b, "session", e->session_id);
	add_field(b, "tool", e->tool);
	add_field(b, "decision", e->decision);
	zdm_buf_adds(b, ",\"rules\":[");
	for (k = 0; k < e->nrules; k++) {
		if (!e->rules[k])
			continue;
		if (!first)
			zdm_buf_addc(b, ',');
		first = 0;
		zdm_buf_add_json_str(b, e->rules[k], strlen(e->rules[k]));
	}
	zdm_buf_addc(b, ']');
	add_field(b, "cwd", e->cwd);
	add_field(b, "target", e->target);
	add_field(b, "reason", e->reason);
	zdm_buf_adds(b, "}\n");
}

static size_t max_bytes(void)
{
	const char *v = env("ZDM_AUDIT_MAX_BYTES");
	char *end;
	unsigned long n;

	if (!v)
		return ZDM_AUDIT_MAX_BYTES;
	n = strtoul(v, &end, 10);
	return *end || !n ? ZDM_AUDIT_MAX_BYTES : (size_t)n;
}

static void rotate(const char *path)
{
	char from[PATH_MAX * 2], to[PATH_MAX * 2];
	int k;

	for (k = ZDM_AUDIT_KEEP; k > 1; k--) {
		snprintf(from, sizeof(from), "%s.%d", path, k - 1);
		snprintf(to, sizeof(to), "%s.%d", path, k);
		rename(from, to);
	}
	snprintf(to, sizeof(to), "%s.1", path);
	rename(path, to);
}

enum zdm_status zdm_audit_append(const struct zdm_audit_entry *e,
				 struct zdm_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	struct zdm_buf b = ZDM_BUF_INIT;
	enum zdm_status st;
	struct stat sb, cur;
	int fd, tries;

	st = zdm_audit_dir(dir, sizeof(dir), 1, err);
	if (st)
		return st;
	snprintf(path, sizeof(path), "%s/%s", dir, ZDM_AUDIT_FILE);
	zdm_audit_format(e, time(NULL), &b);
	for (tries = 0; tries < 3; tries++) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			zdm_buf_release(&b);
			return zdm_error_set(err, ZDM_ERR_IO, "cannot open '%s': %s", path,
					     strerror(errno));
		}
		flock(fd, LOCK_EX);
		if (fstat(fd, &sb) != 0 || stat(path, &cur) != 0 ||
		    cur.st_ino != sb.st_ino || cur.st_dev != sb.st_dev) {
			/* another guard rotated it while we waited: reopen */
			close(fd);
			continue;
		}
		if (sb.st_size > 0 && (size_t)sb.st_size + b.len > max_bytes()) {
			rotate(path);
			close(fd);
			continue;
		}
		break;
	}
	if (tries == 3) {
		zdm_buf_release(&b);
		return zdm_error_set(err, ZDM_ERR_IO, "cannot rotate '%s'", path);
	}
	if (write(fd, b.data, b.len) != (ssize_t)b.len) {
		int e2 = errno;
		close(fd);
		zdm_buf_release(&b);
		return zdm_error_set(err, ZDM_ERR_IO, "cannot write '%s': %s", path,
				     strerror(e2));
	}
	close(fd);
	zdm_buf_release(&b);
	return ZDM_OK;
}
