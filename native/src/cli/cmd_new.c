/* SPDX-License-Identifier: MIT */
/*
 * cmd_new.c - `zdm new NAME`: create <UTC yyyymmddhhmmss>_<name>.sql with
 * up and down sections.
 *
 * The version is the current UTC time, bumped past the newest existing
 * version, so two calls in the same second never make a duplicate.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "zdm/migrate.h"
#include "zdm/util.h"

static void usage(FILE *f)
{
	fputs("usage: zdm new [--golang] NAME\n"
	      "\n"
	      "Create <UTC yyyymmddhhmmss>_<name>.sql in the migrations dir with\n"
	      "'-- migrate:up' and '-- migrate:down' sections (dbmate format), or a\n"
	      ".up.sql/.down.sql pair with --golang.\n"
	      "\n"
	      "      --golang             golang-migrate pair\n"
	      CLI_RUNNER_USAGE, f);
}

/* Add one to a decimal string in place (it may grow by one digit). */
static void bump(char *v, size_t cap)
{
	size_t n = strlen(v);
	for (size_t i = n; i-- > 0;) {
		if (v[i] < '9') {
			v[i]++;
			return;
		}
		v[i] = '0';
	}
	if (n + 2 <= cap) {
		memmove(v + 1, v, n + 1);
		v[0] = '1';
	}
}

static int mkdir_p(const char *dir)
{
	char *d = zdm_xstrdup(dir);
	int rc = 0;
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0755) && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	if (mkdir(d, 0755) && errno != EEXIST)
		rc = -1;
	free(d);
	return rc;
}

static int write_new(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		return -1;
	size_t n = strlen(text);
	int ok = write(fd, text, n) == (ssize_t)n;
	return close(fd) == 0 && ok ? 0 : -1;
}

int cmd_new(int argc, char **argv)
{
	enum { O_GOLANG = 0x200 };
	static const struct option opts[] = {
		{ "golang", no_argument, NULL, O_GOLANG },
		{ "help", no_argument, NULL, 'h' },
		CLI_RUNNER_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_runner r;
	int ch, golang = 0, rc, lock_fd = -1;

	memset(&r, 0, sizeof(r));
	zdm_config_init(&r.cfg);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (cli_runner_opt(&r, ch, optarg))
			continue;
		switch (ch) {
		case O_GOLANG: golang = 1; break;
		case 'h': usage(stdout); return 0;
		default:
			fputs("run 'zdm new --help' for usage\n", stderr);
			return ZDM_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fputs("zdm new: give one NAME, e.g. zdm new add_users_email\n", stderr);
		return ZDM_EXIT_USAGE;
	}
	/* The name: lower case letters, digits and underscores. */
	struct zdm_buf name = ZDM_BUF_INIT;
	for (const char *p = argv[optind]; *p; p++) {
		char c = *p;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			zdm_buf_addc(&name, c);
		else if (name.len && name.data[name.len - 1] != '_')
			zdm_buf_addc(&name, '_');
	}
	while (name.len && name.data[name.len - 1] == '_')
		name.data[--name.len] = '\0';
	if (!name.len) {
		fprintf(stderr, "zdm new: '%s' has no letters or digits to name a file\n", argv[optind]);
		zdm_buf_release(&name);
		return ZDM_EXIT_USAGE;
	}

	if ((rc = cli_runner_open(&r, 0)))
		goto out;
	if (mkdir_p(r.dir)) {
		fprintf(stderr, "zdm: cannot create '%s': %s\n", r.dir, strerror(errno));
		rc = ZDM_EXIT_IO;
		goto out;
	}
	/* Serialise concurrent `zdm new` runs: scan and create under a lock. */
	struct zdm_buf lp = ZDM_BUF_INIT;
	zdm_buf_addf(&lp, "%s/.zdm-new.lock", r.dir);
	lock_fd = open(lp.data, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	zdm_buf_release(&lp);
	if (lock_fd >= 0)
		flock(lock_fd, LOCK_EX);
	struct zdm_error err;
	zdm_error_clear(&err);
	if (zdm_migrations_load(r.dir, &r.set, &err)) {
		fprintf(stderr, "zdm: %s\n", err.msg);
		rc = ZDM_EXIT_IO;
		goto out;
	}
	char v[64];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(v, sizeof(v), "%Y%m%d%H%M%S", &tm);
	if (r.set.count) {
		const char *last = r.set.items[r.set.count - 1].version;
		if (zdm_version_cmp(last, v) >= 0 && strlen(last) < sizeof(v) - 2) {
			snprintf(v, sizeof(v), "%s", last);
			bump(v, sizeof(v));
		}
	}
	for (int tries = 0; tries < 100; tries++) {
		struct zdm_buf p1 = ZDM_BUF_INIT, p2 = ZDM_BUF_INIT;
		int ok;
		if (golang) {
			zdm_buf_addf(&p1, "%s/%s_%s.up.sql", r.dir, v, name.data);
			zdm_buf_addf(&p2, "%s/%s_%s.down.sql", r.dir, v, name.data);
			ok = write_new(p1.data, "") == 0;
			if (ok && write_new(p2.data, "") != 0) {
				unlink(p1.data);
				ok = 0;
			}
		} else {
			zdm_buf_addf(&p1, "%s/%s_%s.sql", r.dir, v, name.data);
			ok = write_new(p1.data, "-- migrate:up\n\n\n-- migrate:down\n\n") == 0;
		}
		if (ok) {
			puts(p1.data);
			if (golang)
				puts(p2.data);
		}
		int exists = errno == EEXIST;
		zdm_buf_release(&p1);
		zdm_buf_release(&p2);
		if (ok)
			goto out;
		if (!exists) {
			fprintf(stderr, "zdm: cannot create a migration in '%s': %s\n", r.dir, strerror(errno));
			rc = ZDM_EXIT_IO;
			goto out;
		}
		/* Another `zdm new` took this version a moment ago. */
		bump(v, sizeof(v));
		zdm_migration_set_release(&r.set);
		if (zdm_migrations_load(r.dir, &r.set, &err) == ZDM_OK && r.set.count &&
		    zdm_version_cmp(r.set.items[r.set.count - 1].version, v) >= 0) {
			snprintf(v, sizeof(v), "%s", r.set.items[r.set.count - 1].version);
			bump(v, sizeof(v));
		}
	}
	fprintf(stderr, "zdm: cannot find a free version in '%s'\n", r.dir);
	rc = ZDM_EXIT_IO;
out:
	if (lock_fd >= 0)
		close(lock_fd);
	zdm_buf_release(&name);
	cli_runner_close(&r);
	return rc;
}
