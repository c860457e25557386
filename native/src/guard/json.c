/* SPDX-License-Identifier: MIT */
/*
 * json.c - read the hook input into jansson values, quickly.
 *
 * json_loadb() appends a string to its buffer one byte at a time: for a
 * Write of a 200-statement migration (22 KB of JSON) that was 13 % of the
 * guard's instructions, more than reading the file's statement tree.
 * guard_json_load() reads plain, well-formed JSON (objects, arrays,
 * strings, integers, true, false, null) with runs of bytes copied at once,
 * and hands anything else (a real number, \u0000, a lone surrogate,
 * invalid UTF-8, deep nesting, a syntax error) to json_loadb(), so that
 * every input gets jansson's own value or jansson's own error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"

#define MAX_DEPTH 64 /* deeper input goes to jansson, whose limit is 2048 */

struct jr {
	const char *p, *end;
	int depth;
	int bad;
};

static json_t *value(struct jr *r);

static void ws(struct jr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r'))
		r->p++;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Does any byte of the 8 at p need a look: '"', '\\', a control byte, or >= 0x80? */
static inline int special8(const char *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
	uint64_t q = x ^ (ONES * '"'), b = x ^ (ONES * '\\');
	uint64_t zero = ((q - ONES) & ~q) | ((b - ONES) & ~b) | (x - ONES * 0x20);
	return ((zero | x) & HIGHS) != 0;
}

/* A string's bytes, unescaped, into *out (malloc'd, NUL-terminated), length *n. */
static int string(struct jr *r, char **out, size_t *n)
{
	if (r->p >= r->end || *r->p != '"')
		return 0;
	const char *s = ++r->p, *e = s;
	int high = 0, esc = 0;
	/* Find the closing quote: eight plain bytes at a time, then one. */
	for (;;) {
		while (r->end - e >= 8 && !special8(e))
			e += 8;
		if (e >= r->end)
			return 0;
		unsigned char ch = (unsigned char)*e;
		if (ch == '"')
			break;
		if (ch < 0x20)
			return 0;
		if (ch == '\\') {
			if (r->end - e < 2)
				return 0;
			esc = 1;
			e += 2;   /* what follows is checked when unescaped */
			continue;
		}
		high |= ch >= 0x80;
		e++;
	}
	if (e >= r->end)
		return 0;
	char *b = zdm_xmalloc((size_t)(e - s) + 1);
	size_t k = 0;
	/* Copy the runs between escapes; unescaping never makes it longer. */
	for (const char *q = s; q < e;) {
		const char *bs = esc ? memchr(q, '\\', (size_t)(e - q)) : NULL;
		const char *run_end = bs ? bs : e;
		memcpy(b + k, q, (size_t)(run_end - q));
		k += (size_t)(run_end - q);
		if (!bs)
			break;
		q = bs + 1;
		switch (*q) {
		case '"': case '\\': case '/': b[k++] = *q; break;
		case 'b': b[k++] = '\b'; break;
		case 'f': b[k++] = '\f'; break;
		case 'n': b[k++] = '\n'; break;
		case 'r': b[k++] = '\r'; break;
		case 't': b[k++] = '\t'; break;
		case 'u': {
			unsigned cp;
			/* surrogates and \u0000 are jansson's to judge */
			if (e - q < 5 || !zdm_hex4(q + 1, &cp) || cp == 0 || (cp >= 0xd800 && cp < 0xe000))
				goto fail;
			q += 4;
			k += zdm_utf8_put(b + k, cp);
			break;
		}
		default:
			goto fail;
		}
		q++;
	}
	b[k] = '\0';
	if (high && !zdm_utf8_valid(b, k))
		goto fail;
	r->p = e + 1;
	*out = b;
	*n = k;
	return 1;
fail:
	free(b);
	return 0;
}

/* -?(0|[1-9][0-9]*) that fits json_int_t for sure; anything else is jansson's. */
static json_t *integer(struct jr *r)
{
	const char *s = r->p;
	int neg = 0;
	if (r->p < r->end && *r->p == '-') {
		neg = 1;
		r->p++;
	}
	const char *d = r->p;
	json_int_t v = 0;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
		if (r->p - d < 18)
			v = v * 10 + (*r->p - '0');
		r->p++;
	}
	size_t nd = (size_t)(r->p - d);
	if (nd == 0 || nd > 18 || (*d == '0' && nd > 1) ||
	    (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E'))) {
		r->p = s;
		return NULL;
	}
	return json_integer(neg ? -v : v);
}

static json_t *object(struct jr *r)
{
	json_t *o = json_object();
	r->p++;
	ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return o;
	}
	for (;;) {
		char *k;
		size_t kn;
		ws(r);
		if (!string(r, &k, &kn))
			goto fail;
		ws(r);
		if (r->p >= r->end || *r->p != ':' || strlen(k) != kn) {
			free(k);
			goto fail;
		}
		r->p++;
		json_t *v = value(r);
		if (!v) {
			free(k);
			goto fail;
		}
		/* a repeated key: the last one wins, as in json_loadb */
		json_object_set_new_nocheck(o, k, v);
		free(k);
		ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			return o;
		}
		goto fail;
	}
fail:
	json_decref(o);
	return NULL;
}

static json_t *array(struct jr *r)
{
	json_t *a = json_array();
	r->p++;
	ws(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return a;
	}
	for (;;) {
		json_t *v = value(r);
		if (!v)
			goto fail;
		json_array_append_new(a, v);
		ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			return a;
		}
		goto fail;
	}
fail:
	json_decref(a);
	return NULL;
}

static int word(struct jr *r, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
		return 0;
	r->p += n;
	return 1;
}

static json_t *value(struct jr *r)
{
	json_t *v = NULL;
	ws(r);
	if (r->p >= r->end || ++r->depth > MAX_DEPTH)
		return NULL;
	switch (*r->p) {
	case '{':
		v = object(r);
		break;
	case '[':
		v = array(r);
		break;
	case '"': {
		char *s;
		size_t n;
		if (string(r, &s, &n)) {
			v = json_stringn_nocheck(s, n);
			free(s);
		}
		break;
	}
	case 't':
		v = word(r, "true") ? json_true() : NULL;
		break;
	case 'f':
		v = word(r, "false") ? json_false() : NULL;
		break;
	case 'n':
		v = word(r, "null") ? json_null() : NULL;
		break;
	default:
		v = integer(r);
		break;
	}
	r->depth--;
	return v;
}

json_t *guard_json_load(const char *buf, size_t len, json_error_t *err)
{
	struct jr r = { buf, buf + len, 0, 0 };
	ws(&r);
	json_t *v = NULL;
	if (r.p < r.end && (*r.p == '{' || *r.p == '['))
		v = value(&r);
	if (v) {
		ws(&r);
		if (r.p == r.end)
			return v;
		json_decref(v);
	}
	return json_loadb(buf, len, 0, err);
}
