/* SPDX-License-Identifier: MIT */
/*
 * io.c - read the files a command names, without ever hanging.
 *
 * A command may name a FIFO, /dev/zero or a 10 GB dump.  Every read here
 * opens with O_NONBLOCK, insists on a regular file, and is bounded per
 * file and per call.  Files that the same command writes before it reads
 * them ("cat > x.sql <<EOF ... EOF && psql -f x.sql") are served from
 * memory, since they do not exist yet when the guard runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard.h"

static const struct guard_vfile *find_vfile(struct guard *g, const char *path)
{
	size_t k = g->nvfiles;

	while (k--)
		if (!strcmp(g->vfiles[k].path, path))
			return &g->vfiles[k];
	return NULL;
}

int guard_has_vfile(struct guard *g, const char *path)
{
	return find_vfile(g, path) != NULL;
}

static enum guard_read read_disk(struct guard *g, const char *path, size_t max,
				 const char **text, size_t *len)
{
	struct stat st;
	struct zdm_buf b = ZDM_BUF_INIT;
	int fd;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? GUARD_READ_MISSING :
		       GUARD_READ_ERROR;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return GUARD_READ_ERROR;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return GUARD_READ_NOT_REGULAR;
	}
	if ((size_t)st.st_size > max ||
	    g->bytes_read + (size_t)st.st_size > GUARD_TOTAL_MAX ||
	    g->files_read >= GUARD_MAX_FILES) {
		close(fd);
		return GUARD_READ_TOO_BIG;
	}
	for (;;) {
		char chunk[65536];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			zdm_buf_release(&b);
			return GUARD_READ_ERROR;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			/* grew while we read it */
			close(fd);
			zdm_buf_release(&b);
			return GUARD_READ_TOO_BIG;
		}
		zdm_buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	g->bytes_read += b.len;
	g->files_read++;
	*text = zdm_arena_strndup(&g->arena, b.data ? b.data : "", b.len);
	*len = b.len;
	zdm_buf_release(&b);
	return GUARD_READ_OK;
}

enum guard_read guard_read(struct guard *g, const char *path, size_t max,
			   const char **text, size_t *len)
{
	const struct guard_vfile *v = find_vfile(g, path);

	*text = NULL;
	*len = 0;
	if (v) {
		if (!v->text)
			return GUARD_READ_UNKNOWN;
		*text = v->text;
		*len = v->len;
		return GUARD_READ_OK;
	}
	return read_disk(g, path, max, text, len);
}

const char *guard_read_why(struct guard *g, enum guard_read r, const char *path)
{
	const struct guard_vfile *v;

	switch (r) {
	case GUARD_READ_OK:
		return "";
	case GUARD_READ_MISSING:
		return guard_strf(g, "'%s' does not exist", path);
	case GUARD_READ_NOT_REGULAR:
		return guard_strf(g, "'%s' is not a regular file", path);
	case GUARD_READ_TOO_BIG:
		return guard_strf(g, "'%s' is too large to check (over %u MB, or too many files)",
				  path, GUARD_FILE_MAX >> 20);
	case GUARD_READ_UNKNOWN:
		v = find_vfile(g, path);
		return guard_strf(g, "'%s' is written by %s earlier in this command",
				  path, v && v->writer ? v->writer : "a program");
	case GUARD_READ_ERROR:
	default:
		return guard_strf(g, "'%s' cannot be read", path);
	}
}

/* Remove "." and ".." components of an absolute path, in place. */
static void normalize(char *p)
{
	char *out = p, *in = p;

	while (*in) {
		while (*in == '/')
			in++;
		if (!*in)
			break;
		if (in[0] == '.' && (in[1] == '/' || !in[1])) {
			in += 1;
			continue;
		}
		if (in[0] == '.' && in[1] == '.' && (in[2] == '/' || !in[2])) {
			in += 2;
			while (out > p && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		while (*in && *in != '/')
			*out++ = *in++;
	}
	if (out == p)
		*out++ = '/';
	*out = 0;
}

char *guard_path(struct guard *g, const char *dir, const char *path)
{
	char *p;

	if (path[0] == '~' && (path[1] == '/' || !path[1]) && g->home)
		p = guard_strf(g, "%s%s", g->home, path + 1);
	else if (path[0] == '/')
		p = guard_strf(g, "%s", path);
	else
		p = guard_strf(g, "%s/%s", dir && *dir ? dir : ".", path);
	if (p[0] == '/')
		normalize(p);
	return p;
}

const char *guard_basename(struct guard *g, const char *path)
{
	const char *b = path, *p;
	size_t n;

	for (p = path; *p; p++)
		if (*p == '/' || *p == '\\')
			b = p + 1;
	n = strlen(b);
	if (n > 4 && zdm_strncaseeq(b + n - 4, 4, ".exe"))
		return zdm_arena_strndup(&g->arena, b, n - 4);
	return b;
}

void guard_add_vfile(struct guard *g, const char *path, const char *text,
		     size_t len, int append, const char *writer)
{
	struct guard_vfile *v;
	const char *old = NULL;
	size_t oldlen = 0;
	enum guard_read r = GUARD_READ_MISSING;

	if (append)
		r = guard_read(g, path, GUARD_FILE_MAX, &old, &oldlen);
	if (g->nvfiles == g->capvfiles) {
		g->capvfiles = g->capvfiles ? g->capvfiles * 2 : 4;
		g->vfiles = zdm_xrealloc(g->vfiles, g->capvfiles * sizeof(*g->vfiles));
	}
	v = &g->vfiles[g->nvfiles++];
	v->path = zdm_arena_strdup(&g->arena, path);
	v->writer = writer ? zdm_arena_strdup(&g->arena, writer) : NULL;
	if (!text || (append && r != GUARD_READ_OK && r != GUARD_READ_MISSING)) {
		v->text = NULL;
		v->len = 0;
		return;
	}
	if (append && oldlen) {
		char *t = zdm_arena_alloc(&g->arena, oldlen + len + 1);
		memcpy(t, old, oldlen);
		memcpy(t + oldlen, text, len);
		t[oldlen + len] = 0;
		v->text = t;
		v->len = oldlen + len;
	} else {
		v->text = zdm_arena_strndup(&g->arena, text, len);
		v->len = len;
	}
}
