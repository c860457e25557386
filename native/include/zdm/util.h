/* SPDX-License-Identifier: MIT */
/*
 * util.h - growable byte buffer, arena, and small string helpers.
 *
 * struct zdm_buf owns its bytes (always NUL-terminated once anything was
 * added).  struct zdm_arena hands out memory that lives until
 * zdm_arena_release(): the model's strings live there, so a statement's
 * operations are freed in one call.  Allocation failure aborts the
 * process: these are small tools, and every caller would do the same.
 */
#ifndef ZDM_UTIL_H
#define ZDM_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#include "zdm/error.h"

struct zdm_buf {
	char *data;
	size_t len, cap;
};

#define ZDM_BUF_INIT { NULL, 0, 0 }

void zdm_buf_add(struct zdm_buf *b, const void *p, size_t n);
void zdm_buf_adds(struct zdm_buf *b, const char *s);
void zdm_buf_addc(struct zdm_buf *b, char c);
void zdm_buf_addf(struct zdm_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void zdm_buf_vaddf(struct zdm_buf *b, const char *fmt, va_list ap);
/* Append s as a JSON string literal, quotes included. */
void zdm_buf_add_json_str(struct zdm_buf *b, const char *s, size_t n);

/* The four hex digits at p as a number into *out: 1, or 0 when one is not hex. */
int zdm_hex4(const char *p, unsigned *out);
/* Code point cp (at most U+10FFFF) as UTF-8 at o (room for 4 bytes); its length. */
size_t zdm_utf8_put(char *o, unsigned cp);

/* v in decimal at o (at most 20 bytes, no NUL); returns how many. */
size_t zdm_fmt_long(char *o, long v);
/* Is s[0..n) valid UTF-8 as jansson checks it (no overlongs, surrogates, > U+10FFFF)? */
int zdm_utf8_valid(const void *s, size_t n);
void zdm_buf_reset(struct zdm_buf *b);
/* Free the bytes; the struct may be reused after zdm_buf_init. */
void zdm_buf_release(struct zdm_buf *b);
/* Hand the bytes to the caller, who frees them with free(3). */
char *zdm_buf_detach(struct zdm_buf *b, size_t *len);

struct zdm_arena_block;
struct zdm_arena {
	struct zdm_arena_block *head;
};

#define ZDM_ARENA_INIT { NULL }

void *zdm_arena_alloc(struct zdm_arena *a, size_t n);
/* Copy n bytes into the arena and NUL-terminate. */
char *zdm_arena_strndup(struct zdm_arena *a, const char *s, size_t n);
char *zdm_arena_strdup(struct zdm_arena *a, const char *s);
char *zdm_arena_printf(struct zdm_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void zdm_arena_release(struct zdm_arena *a);

void *zdm_xmalloc(size_t n);
void *zdm_xcalloc(size_t n, size_t m);
void *zdm_xrealloc(void *p, size_t n);
char *zdm_xstrdup(const char *s);

/*
 * Read a whole file into memory (NUL-terminated; *len excludes the NUL).
 * Fails with ZDM_ERR_IO naming the path, or ZDM_ERR_LIMIT when the file is
 * larger than max bytes (0: no limit).  "-" reads standard input.  On
 * success the caller owns *out and frees it with free(3).
 */
enum zdm_status zdm_read_file(const char *path, size_t max, char **out,
			      size_t *len, struct zdm_error *err);

/* ASCII case-insensitive compare of n bytes of a with the string b. */
int zdm_strncaseeq(const char *a, size_t n, const char *b);
/* 1-based line and column of byte off in text. */
void zdm_line_col(const char *text, size_t off, int *line, int *col);

#endif
