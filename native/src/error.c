/* SPDX-License-Identifier: MIT */
/*
 * error.c - fill struct zdm_error without allocating.
 */
#include <stdarg.h>
#include <stdio.h>

#include "zdm/error.h"

static enum zdm_status vset(struct zdm_error *err, enum zdm_status code,
			    int line, int col, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	err->line = line;
	err->col = col;
	err->offset = 0;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

enum zdm_status zdm_error_set(struct zdm_error *err, enum zdm_status code,
			      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(err, code, 0, 0, fmt, ap);
	va_end(ap);
	return code;
}

enum zdm_status zdm_error_at(struct zdm_error *err, enum zdm_status code,
			     int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(err, code, line, col, fmt, ap);
	va_end(ap);
	return code;
}

void zdm_error_clear(struct zdm_error *err)
{
	if (!err)
		return;
	err->code = ZDM_OK;
	err->offset = 0;
	err->line = err->col = 0;
	err->msg[0] = '\0';
}
