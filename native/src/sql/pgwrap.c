/* SPDX-License-Identifier: MIT */
/*
 * pgwrap.c - two link-time wraps around libpg_query (Makefile: --wrap).
 *
 * 1. The parse tree without packing it.  pg_query_parse_protobuf() builds
 *    the tree as protobuf-c structs (PgQuery__ParseResult, in its memory
 *    context), then sizes it and packs it into bytes, which we would
 *    unpack into the same structs again.  The sizing and packing calls
 *    are wrapped: inside zdm_pg_parse_tap() the structs go to the
 *    caller's function instead, and nothing is packed.  This replaced
 *    reading pg_query_parse()'s JSON back into the structs (itself 4x
 *    cheaper than packing and unpacking).  Measured: the guard judging a
 *    200-statement migration 18.1 M -> 10.7 M instructions (callgrind),
 *    zdm lint of 1,000 files 33 -> 23 ms of CPU (perf stat).
 *
 * 2. A faster appendStringInfo() for libpg_query's JSON writers, still
 *    used for PL/pgSQL (pg_query_parse_plpgsql()).  They write every field
 *    with appendStringInfo(out, "\"name\":%d,", v) and every separator with
 *    appendStringInfo(out, ","): each went through PostgreSQL's own
 *    vsnprintf.  The formats the writers use (plain text, %d, %u, %ld, %c,
 *    %s, %%) are copied straight into the buffer; any other goes the
 *    original way, through appendStringInfoVA().
 *
 * A tap nests: fn may parse a body (zdm_pg_parse_tap again), which
 * enters and leaves a memory context of its own; pg_query's leaving
 * switches to its top context, not the outer one, which is harmless
 * because libpg_query allocates nothing between sizing and returning
 * (15-4.0.0; an assert-enabled build would object to the nesting).
 *
 * A binary linked without the wraps still works: zdm_pg_parse_tap() then
 * says the tree did not come, and the caller unpacks the bytes.
 * The StringInfo layout below is PostgreSQL's (lib/stringinfo.h, the same
 * from 7.4 to 17); libpg_query's headers do not ship it.
 */
#define _GNU_SOURCE /* strchrnul */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "zdm/pgwrap.h"
#include "zdm/util.h"

/* ---- the tree, unpacked ---------------------------------------------------------- */

struct tap {
	void (*fn)(const PgQuery__ParseResult *tree, void *arg);
	void *arg;
	const PgQuery__ParseResult *tree;  /* the one handed to fn */
	int fired, packed;
};

/* The innermost zdm_pg_parse_tap() of this thread (a body parsed from inside fn nests). */
static _Thread_local struct tap *cur_tap;

size_t __wrap_pg_query__parse_result__get_packed_size(const PgQuery__ParseResult *m);
size_t __wrap_pg_query__parse_result__pack(const PgQuery__ParseResult *m, uint8_t *out);

size_t __wrap_pg_query__parse_result__get_packed_size(const PgQuery__ParseResult *m)
{
	struct tap *t = cur_tap;
	if (!t || t->fired)
		return protobuf_c_message_get_packed_size(&m->base);
	t->fired = 1;
	t->tree = m;
	/* Parses inside fn are their own: a plain pg_query_parse_protobuf()
	 * there packs as usual, a zdm_pg_parse_tap() sets its own tap. */
	cur_tap = NULL;
	t->fn(m, t->arg);
	cur_tap = t;
	return 0;
}

size_t __wrap_pg_query__parse_result__pack(const PgQuery__ParseResult *m, uint8_t *out)
{
	struct tap *t = cur_tap;
	if (t && t->fired && !t->packed && m == t->tree) {
		t->packed = 1;
		return 0;
	}
	return protobuf_c_message_pack(&m->base, out);
}

int zdm_pg_parse_tap(const char *sql, void (*fn)(const PgQuery__ParseResult *tree, void *arg),
		     void *arg, PgQueryProtobufParseResult *r)
{
	struct tap t = { fn, arg, NULL, 0, 0 }, *outer = cur_tap;
	cur_tap = &t;
	*r = pg_query_parse_protobuf(sql);
	cur_tap = outer;
	return t.fired;
}

/* ---- appendStringInfo ------------------------------------------------------------- */

struct pg_stringinfo {
	char *data;
	int len;
	int maxlen;
	int cursor;
};

/* libpg_query's (PostgreSQL's) own, in libpg_query.a */
int appendStringInfoVA(struct pg_stringinfo *str, const char *fmt, va_list args);
void enlargeStringInfo(struct pg_stringinfo *str, int needed);

void __wrap_appendStringInfo(struct pg_stringinfo *str, const char *fmt, ...);

/* Room for n more bytes and the terminating NUL. */
static inline void room(struct pg_stringinfo *str, size_t n)
{
	if (n >= (size_t)(str->maxlen - str->len))
		enlargeStringInfo(str, (int)n);
}

/*
 * Write fmt's text and its simple conversions; 0 (and nothing written)
 * when fmt has another one.  Room is made for the rest of the format plus
 * 24 bytes (a number) before each piece, so the text is copied unchecked.
 */
static int simple(struct pg_stringinfo *str, const char *fmt, va_list ap)
{
	int start = str->len;
	room(str, strlen(fmt) + 24);
	char *o = str->data + str->len;
	for (const char *p = fmt;;) {
		const char *pc = strchrnul(p, '%');
		memcpy(o, p, (size_t)(pc - p));
		o += pc - p;
		if (!*pc)
			break;
		p = pc + 2;
		switch (pc[1]) {
		case 'd':
			o += zdm_fmt_long(o, va_arg(ap, int));
			break;
		case 'u':
			o += zdm_fmt_long(o, (long)va_arg(ap, unsigned int));
			break;
		case 'c':
			*o++ = (char)va_arg(ap, int);
			break;
		case '%':
			*o++ = '%';
			break;
		case 'l':
			if (pc[2] == 'd') {
				p++;
				o += zdm_fmt_long(o, va_arg(ap, long));
				break;
			}
			/* fall through */
		default:
			str->len = start;
			str->data[start] = '\0';
			return 0;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			size_t n = strlen(s);
			str->len = (int)(o - str->data);
			room(str, n);
			o = str->data + str->len;
			memcpy(o, s, n);
			o += n;
			break;
		}
		}
		str->len = (int)(o - str->data);
		room(str, strlen(p) + 24);
		o = str->data + str->len;
	}
	str->len = (int)(o - str->data);
	*o = '\0';
	return 1;
}

void __wrap_appendStringInfo(struct pg_stringinfo *str, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int done = simple(str, fmt, ap);
	va_end(ap);
	/* appendStringInfo() itself: retry with more room until it fits */
	while (!done) {
		va_start(ap, fmt);
		int needed = appendStringInfoVA(str, fmt, ap);
		va_end(ap);
		if (needed == 0)
			return;
		enlargeStringInfo(str, needed);
	}
}
