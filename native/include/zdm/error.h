/* SPDX-License-Identifier: MIT */
/*
 * error.h - status codes and the error record every library call fills.
 *
 * Library code never prints and never exits: a function that can fail
 * returns an enum zdm_status and, when it fails, fills a caller-provided
 * struct zdm_error.  Only cli/main.c and guard/main.c turn these into
 * output and exit codes.
 */
#ifndef ZDM_ERROR_H
#define ZDM_ERROR_H

#include <stddef.h>

enum zdm_status {
	ZDM_OK = 0,
	ZDM_ERR_USAGE,      /* bad argument or option value */
	ZDM_ERR_IO,         /* cannot open, read or write a file */
	ZDM_ERR_PARSE,      /* input that does not have the expected shape */
	ZDM_ERR_CONFIG,     /* .zdm.yml: unknown key or bad value */
	ZDM_ERR_NOMEM,
	ZDM_ERR_DB,         /* database error */
	ZDM_ERR_LOCK,       /* lock timeout after retries */
	ZDM_ERR_CHECKSUM,   /* an applied migration was edited */
	ZDM_ERR_LIMIT,      /* input larger than a documented bound */
};

struct zdm_error {
	enum zdm_status code;  /* ZDM_OK == 0 */
	size_t offset;         /* byte in the input, when it applies */
	int line, col;         /* 1-based; 0 when unknown */
	char msg[256];         /* fixed buffer: the error path never mallocs */
};

/*
 * Record an error and return its code, so that a caller can report and
 * fail in one line: return zdm_error_set(err, ZDM_ERR_IO, "cannot open '%s'", p);
 * err may be NULL.  The message is truncated to fit.
 */
enum zdm_status zdm_error_set(struct zdm_error *err, enum zdm_status code,
			      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same, with a position in the input. */
enum zdm_status zdm_error_at(struct zdm_error *err, enum zdm_status code,
			     int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Reset to ZDM_OK with an empty message. */
void zdm_error_clear(struct zdm_error *err);

#endif
