/* SPDX-License-Identifier: MIT */
/*
 * util.c - byte buffers, an arena, file reading and small string helpers
 * shared by every module.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdm/util.h"

static void die_nomem(void)
{
	/* The one place library code exits: there is nothing sane to return. */
	fputs("zdm: out of memory\n", stderr);
	abort();
}

void *zdm_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die_nomem();
	return p;
}

void *zdm_xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		die_nomem();
	return p;
}

void *zdm_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die_nomem();
	return p;
}

char *zdm_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(zdm_xmalloc(n), s, n);
}

/* ---- buffers ---------------------------------------------------------------- */

static void buf_grow(struct zdm_buf *b, size_t extra)
{
	/* a size that cannot be met (a caller's negative length) must not wrap */
	if (extra > SIZE_MAX / 2 - b->len)
		die_nomem();
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->data = zdm_xrealloc(b->data, cap);
	b->cap = cap;
}

void zdm_buf_add(struct zdm_buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void zdm_buf_adds(struct zdm_buf *b, const char *s)
{
	zdm_buf_add(b, s, strlen(s));
}

void zdm_buf_addc(struct zdm_buf *b, char c)
{
	zdm_buf_add(b, &c, 1);
}

void zdm_buf_vaddf(struct zdm_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n <= 0)
		return;
	buf_grow(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void zdm_buf_addf(struct zdm_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	zdm_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t need;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4;
	else
		return 0;
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong 3-byte forms, surrogates, and beyond U+10FFFF */
	if (need == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
		return 0;
	if (need == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
		return 0;
	return need;
}

int zdm_hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char ch = p[i];
		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v |= (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v |= (unsigned)(ch - 'A' + 10);
		else
			return 0;
	}
	*out = v;
	return 1;
}

size_t zdm_utf8_put(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t zdm_fmt_long(char *o, long v)
{
	char b[24], *e = b + sizeof(b), *p = e;
	unsigned long u = v >= 0 ? (unsigned long)v : 0UL - (unsigned long)v;
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	memcpy(o, p, (size_t)(e - p));
	return (size_t)(e - p);
}

int zdm_utf8_valid(const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0, l; i < n; i += l) {
		/* ASCII, eight bytes at a time */
		uint64_t x;
		while (n - i >= 8 && (memcpy(&x, s + i, 8), (x & 0x8080808080808080ull) == 0))
			i += 8;
		if (i >= n)
			break;
		if (!(l = utf8_len(s + i, n - i)))
			return 0;
	}
	return 1;
}

void zdm_buf_add_json_str(struct zdm_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	zdm_buf_addc(b, '"');
	for (size_t i = 0; i < n;) {
		/* A run of printable ASCII other than " and \ is copied as is. */
		size_t run = i;
		while (run < n && (unsigned char)s[run] >= 0x20 && (unsigned char)s[run] < 0x7f &&
		       s[run] != '"' && s[run] != '\\')
			run++;
		if (run > i) {
			zdm_buf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': zdm_buf_add(b, "\\\"", 2); i++; continue;
		case '\\': zdm_buf_add(b, "\\\\", 2); i++; continue;
		case '\n': zdm_buf_add(b, "\\n", 2); i++; continue;
		case '\r': zdm_buf_add(b, "\\r", 2); i++; continue;
		case '\t': zdm_buf_add(b, "\\t", 2); i++; continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7f) {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			zdm_buf_add(b, u, 6);
			i++;
			continue;
		}
		size_t l = utf8_len((const unsigned char *)s + i, n - i);
		if (!l) {
			/* Invalid UTF-8 becomes U+FFFD: the output stays valid JSON. */
			zdm_buf_add(b, "\\ufffd", 6);
			i++;
			continue;
		}
		zdm_buf_add(b, s + i, l);
		i += l;
	}
	zdm_buf_addc(b, '"');
}

void zdm_buf_reset(struct zdm_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void zdm_buf_release(struct zdm_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *zdm_buf_detach(struct zdm_buf *b, size_t *len)
{
	if (!b->data)
		zdm_buf_add(b, "", 0);
	char *p = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

/* ---- arena ------------------------------------------------------------------ */

struct zdm_arena_block {
	struct zdm_arena_block *next;
	size_t used, cap;
	max_align_t data[];
};

void *zdm_arena_alloc(struct zdm_arena *a, size_t n)
{
	if (n > SIZE_MAX / 2)
		die_nomem();
	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	struct zdm_arena_block *b = a->head;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > 8192 ? n : 8192;
		b = zdm_xmalloc(sizeof(*b) + cap);
		b->cap = cap;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

char *zdm_arena_strndup(struct zdm_arena *a, const char *s, size_t n)
{
	char *p = zdm_arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *zdm_arena_strdup(struct zdm_arena *a, const char *s)
{
	return zdm_arena_strndup(a, s, strlen(s));
}

char *zdm_arena_printf(struct zdm_arena *a, const char *fmt, ...)
{
	va_list ap, cp;
	va_start(ap, fmt);
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		n = 0;
	char *p = zdm_arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void zdm_arena_release(struct zdm_arena *a)
{
	struct zdm_arena_block *b = a->head;
	while (b) {
		struct zdm_arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
}

/* ---- files ------------------------------------------------------------------ */

static enum zdm_status read_fd(int fd, const char *path, size_t max, char **out,
			       size_t *len, struct zdm_error *err)
{
	struct zdm_buf b = ZDM_BUF_INIT;
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			zdm_buf_release(&b);
			return zdm_error_set(err, ZDM_ERR_IO, "cannot read '%s': %s",
					     path, strerror(e));
		}
		if (n == 0)
			break;
		if (max && b.len + (size_t)n > max) {
			zdm_buf_release(&b);
			return zdm_error_set(err, ZDM_ERR_LIMIT,
					     "'%s' is larger than %zu bytes", path, max);
		}
		zdm_buf_add(&b, chunk, (size_t)n);
	}
	*out = zdm_buf_detach(&b, len);
	return ZDM_OK;
}

enum zdm_status zdm_read_file(const char *path, size_t max, char **out,
			      size_t *len, struct zdm_error *err)
{
	*out = NULL;
	*len = 0;
	if (strcmp(path, "-") == 0)
		return read_fd(0, "<stdin>", max, out, len, err);

	/* O_NONBLOCK so that a FIFO without a writer cannot hang us. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return zdm_error_set(err, ZDM_ERR_IO, "cannot open '%s': %s", path,
				     strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return zdm_error_set(err, ZDM_ERR_IO, "cannot read '%s': %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		int isdir = S_ISDIR(st.st_mode);
		close(fd);
		return zdm_error_set(err, ZDM_ERR_IO, "cannot read '%s': %s", path,
				     isdir ? "is a directory" : "not a regular file");
	}
	if (max && (size_t)st.st_size > max) {
		close(fd);
		return zdm_error_set(err, ZDM_ERR_LIMIT,
				     "'%s' is larger than %zu bytes", path, max);
	}
	/*
	 * O_NONBLOCK stays: reads of a regular file ignore it, and clearing
	 * it cost two system calls per file (a fifth of zdm lint's system
	 * calls on a directory of migrations).
	 */
	/* Size the buffer once: a doubling buffer would peak at twice the file. */
	size_t want = (size_t)st.st_size;
	char *buf = zdm_xmalloc(want + 1);
	size_t got = 0;
	while (got < want) {
		ssize_t n = read(fd, buf + got, want - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	char probe;
	if (got == want && read(fd, &probe, 1) == 0) {
		buf[got] = '\0';
		close(fd);
		*out = buf;
		*len = got;
		return ZDM_OK;
	}
	/* The file changed size while we read it: fall back to the slow way. */
	free(buf);
	lseek(fd, 0, SEEK_SET);
	enum zdm_status s = read_fd(fd, path, max, out, len, err);
	close(fd);
	return s;
}

/* ---- strings ---------------------------------------------------------------- */

int zdm_strncaseeq(const char *a, size_t n, const char *b)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (!y)
			return 0;
		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return 0;
	}
	return b[n] == '\0';
}

void zdm_line_col(const char *text, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			c++; /* count characters, not UTF-8 continuation bytes */
		}
	}
	*line = l;
	*col = c;
}
