/* SPDX-License-Identifier: MIT */
/*
 * pgtree.c - libpg_query's JSON parse tree read into its protobuf-c structs.
 *
 * pg_query_parse_protobuf() spends most of its time in protobuf-c, not in
 * the parser: packing (and our unpacking, then freeing) walks every field
 * of every message descriptor, and PgQuery__Node, a oneof of some 250
 * node types, is on every level of the tree.  Measured with callgrind on
 * the bench's mix: packing, unpacking and freeing were 3/4 of zdm lint's
 * instructions, the parser itself 6 %.  pg_query_parse() writes the same
 * tree as JSON at a quarter of that cost, so we read that JSON straight
 * into the same PgQuery__* structs, driven by the same protobuf-c
 * descriptors, into an arena: pg.c walks the structs as before, and
 * freeing is dropping the arena.
 *
 * The JSON is libpg_query's mapping of pg_query.proto: a Node is
 * {"TypeName": {...}}, keyed by the message's name; a field's key is its
 * json_name ("typeName" for type_name), which we match ignoring '_' and
 * case; zero values, false and empty strings are left out, as protobuf
 * leaves them out.  One known loss: libpg_query 15's JSON writer drops an
 * Integer's negative value ({} for -3).  An A_Const whose ival reads 0
 * but whose text starts with '-', and a bare Integer node that reads 0,
 * make the read fail, as does anything else unexpected: the caller then
 * parses that statement the protobuf way.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zdm/pgtree.h"

#define MAX_DEPTH 1000 /* the parser's own stack limit comes first */

struct rd {
	const char *p, *end;
	const char *sql;
	size_t sql_len;
	struct zdm_arena *a;
	int depth;
	int bad;
};

static void *message(struct rd *r, const ProtobufCMessageDescriptor *desc);

static inline void ws(struct rd *r)
{
	/* libpg_query writes none: one test when there is none */
	while (r->p < r->end && (unsigned char)*r->p <= ' ' &&
	       (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r'))
		r->p++;
}

static inline int eat(struct rd *r, char ch)
{
	if (r->p < r->end && *r->p == ch) { /* no whitespace first: the usual case */
		r->p++;
		return 1;
	}
	ws(r);
	if (r->p < r->end && *r->p == ch) {
		r->p++;
		return 1;
	}
	return 0;
}

/* ---- strings ------------------------------------------------------------------ */

/* A JSON string, unescaped, NUL-terminated, in the arena. */
static char *string(struct rd *r)
{
	if (!eat(r, '"')) {
		r->bad = 1;
		return NULL;
	}
	const char *s = r->p;
	const char *q = memchr(s, '"', (size_t)(r->end - s));
	const char *bs = q ? memchr(s, '\\', (size_t)(q - s)) : NULL;
	if (q && !bs) { /* no escapes: the common case */
		r->p = q + 1;
		return zdm_arena_strndup(r->a, s, (size_t)(q - s));
	}
	/* Unescaping never makes a string longer than its JSON form. */
	q = bs ? bs : r->end;
	const char *e = q;
	while (e < r->end && *e != '"')
		e += *e == '\\' ? 2 : 1;
	if (e >= r->end) {
		r->bad = 1;
		return NULL;
	}
	char *out = zdm_arena_alloc(r->a, (size_t)(e - s) + 1);
	size_t n = 0;
	for (q = s; q < e; q++) {
		if (*q != '\\') {
			out[n++] = *q;
			continue;
		}
		q++;
		switch (*q) {
		case '"': case '\\': case '/': out[n++] = *q; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (e - q < 5 || !zdm_hex4(q + 1, &cp)) {
				r->bad = 1;
				return NULL;
			}
			q += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && e - q >= 7 && q[1] == '\\' &&
			    q[2] == 'u' && zdm_hex4(q + 3, &lo) && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				q += 6;
			}
			/* \u0000 cannot be in a C string: the tree would differ. */
			if (cp == 0) {
				r->bad = 1;
				return NULL;
			}
			n += zdm_utf8_put(out + n, cp);
			break;
		}
		default:
			r->bad = 1;
			return NULL;
		}
	}
	out[n] = '\0';
	r->p = e + 1;
	return out;
}

/* A key: no escapes in libpg_query's keys. */
static int key(struct rd *r, const char **k, size_t *kn)
{
	if (!eat(r, '"'))
		return 0;
	/*
	 * A key with a backslash matches no field, so the first '"' ends it
	 * (an escaped one leaves a key that matches nothing: the read fails).
	 */
	const char *s = r->p;
	const char *q = memchr(s, '"', (size_t)(r->end - s));
	if (!q)
		return 0;
	*k = s;
	*kn = (size_t)(q - s);
	r->p = q + 1;
	return eat(r, ':');
}

/* ---- scalars ------------------------------------------------------------------ */

static int integer(struct rd *r, int64_t *out)
{
	ws(r);
	int neg = 0;
	if (r->p < r->end && *r->p == '-') {
		neg = 1;
		r->p++;
	}
	if (r->p >= r->end || *r->p < '0' || *r->p > '9')
		return 0;
	uint64_t v = 0;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*r->p++ - '0');
	}
	if (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E'))
		return 0;
	if (v > (uint64_t)INT64_MAX + neg)
		return 0;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 1;
}

static double real(struct rd *r)
{
	ws(r);
	char *e;
	double v = strtod(r->p, &e); /* JSON text is NUL-terminated */
	if (e == r->p || e > r->end)
		r->bad = 1;
	else
		r->p = e;
	return v;
}

static int boolean(struct rd *r)
{
	ws(r);
	if (r->end - r->p >= 4 && memcmp(r->p, "true", 4) == 0) {
		r->p += 4;
		return 1;
	}
	if (r->end - r->p >= 5 && memcmp(r->p, "false", 5) == 0) {
		r->p += 5;
		return 0;
	}
	r->bad = 1;
	return 0;
}

/* ---- fields ------------------------------------------------------------------- */

/* "typeName" names the field type_name: equal ignoring '_' and ASCII case. */
static inline int name_eq(const char *k, size_t kn, const char *f)
{
	size_t i = 0;
	/* most keys are the field's name as is */
	while (i < kn && k[i] == f[i])
		i++;
	if (i == kn && f[i] == '\0')
		return 1;
	i = 0;
	for (;;) {
		while (i < kn && k[i] == '_')
			i++;
		while (*f == '_')
			f++;
		if (i == kn)
			return *f == '\0';
		if (!*f || (k[i] | 0x20) != (*f | 0x20))
			return 0;
		i++;
		f++;
	}
}

/* The field named k; JSON keys come in field order, so look from *hint on. */
static const ProtobufCFieldDescriptor *field_of(const ProtobufCMessageDescriptor *desc,
						const char *k, size_t kn, unsigned *hint)
{
	unsigned n = desc->n_fields;
	for (unsigned j = 0; j < n; j++) {
		unsigned i = (*hint + j) % n;
		if (name_eq(k, kn, desc->fields[i].name)) {
			*hint = i + 1;
			return &desc->fields[i];
		}
	}
	return NULL;
}

static size_t elt_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 4;
	}
}

/* One value of field f's type into dst. */
static void value(struct rd *r, const ProtobufCFieldDescriptor *f, void *dst)
{
	int64_t iv = 0;
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
		if (!integer(r, &iv) || iv < INT32_MIN || iv > INT32_MAX)
			r->bad = 1;
		*(int32_t *)dst = (int32_t)iv;
		break;
	case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
		if (!integer(r, &iv) || iv < 0 || iv > UINT32_MAX)
			r->bad = 1;
		*(uint32_t *)dst = (uint32_t)iv;
		break;
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
		if (!integer(r, &iv))
			r->bad = 1;
		*(int64_t *)dst = iv;
		break;
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
		if (!integer(r, &iv) || iv < 0)
			r->bad = 1;
		*(uint64_t *)dst = (uint64_t)iv;
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		*(float *)dst = (float)real(r);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		*(double *)dst = real(r);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		*(protobuf_c_boolean *)dst = boolean(r);
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		ws(r);
		if (r->p < r->end && *r->p == '"') {
			const char *name = string(r);
			const ProtobufCEnumValue *ev = name ? protobuf_c_enum_descriptor_get_value_by_name(
				f->descriptor, name) : NULL;
			if (!ev)
				r->bad = 1;
			*(int32_t *)dst = ev ? ev->value : 0;
		} else {
			if (!integer(r, &iv) || iv < INT32_MIN || iv > INT32_MAX)
				r->bad = 1;
			*(int32_t *)dst = (int32_t)iv;
		}
		break;
	}
	case PROTOBUF_C_TYPE_STRING:
		*(char **)dst = string(r);
		break;
	case PROTOBUF_C_TYPE_MESSAGE:
		*(void **)dst = message(r, f->descriptor);
		break;
	default: /* bytes: not in a parse tree */
		r->bad = 1;
		break;
	}
}

static void repeated(struct rd *r, const ProtobufCFieldDescriptor *f, char *msg)
{
	size_t sz = elt_size(f->type), n = 0, cap = 0;
	char *arr = NULL;
	if (!eat(r, '[')) {
		r->bad = 1;
		return;
	}
	if (!eat(r, ']')) {
		do {
			if (n == cap) {
				/* The arena keeps the old array: doubling wastes at most half. */
				size_t ncap = cap ? cap * 2 : 4;
				char *na = zdm_arena_alloc(r->a, ncap * sz);
				if (n)
					memcpy(na, arr, n * sz);
				arr = na;
				cap = ncap;
			}
			value(r, f, arr + n * sz);
			n++;
		} while (!r->bad && eat(r, ','));
		if (!eat(r, ']'))
			r->bad = 1;
	}
	*(size_t *)(msg + f->quantifier_offset) = n;
	*(void **)(msg + f->offset) = arr;
}

/* ---- messages ------------------------------------------------------------------ */

/*
 * Node's fields by the name of their message, the JSON key of a Node: an
 * open-addressed table, hashed ignoring '_' ("A_Const" is AConst).
 */
#define NODE_SLOTS 1024 /* a power of two, over twice Node's ~250 fields */
static const ProtobufCFieldDescriptor *node_slots[NODE_SLOTS];

static const char *msg_name(const ProtobufCFieldDescriptor *f)
{
	return ((const ProtobufCMessageDescriptor *)f->descriptor)->short_name;
}

static unsigned name_hash(const char *k, size_t kn)
{
	unsigned h = 2166136261u;
	for (size_t i = 0; i < kn; i++)
		if (k[i] != '_')
			h = (h ^ (unsigned char)k[i]) * 16777619u;
	return h;
}

/* k (kn bytes) and name equal, skipping '_' in both */
static int same_name(const char *k, size_t kn, const char *name)
{
	size_t i = 0;
	for (;;) {
		while (i < kn && k[i] == '_')
			i++;
		while (*name == '_')
			name++;
		if (i == kn)
			return *name == '\0';
		if (k[i] != *name)
			return 0;
		i++;
		name++;
	}
}

static void node_index(void)
{
	const ProtobufCMessageDescriptor *d = &pg_query__node__descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		const char *name = msg_name(f);
		unsigned h = name_hash(name, strlen(name)) & (NODE_SLOTS - 1);
		while (node_slots[h])
			h = (h + 1) & (NODE_SLOTS - 1);
		node_slots[h] = f;
	}
}

static const ProtobufCFieldDescriptor *node_field(const char *k, size_t kn)
{
	unsigned h = name_hash(k, kn) & (NODE_SLOTS - 1);
	for (; node_slots[h]; h = (h + 1) & (NODE_SLOTS - 1))
		if (same_name(k, kn, msg_name(node_slots[h])))
			return node_slots[h];
	return NULL;
}

/* {"TypeName": {...}} or {} */
static void node(struct rd *r, PgQuery__Node *m)
{
	const char *k;
	size_t kn;
	if (eat(r, '}'))
		return;
	const ProtobufCFieldDescriptor *f = key(r, &k, &kn) ? node_field(k, kn) : NULL;
	if (!f) {
		r->bad = 1;
		return;
	}
	void *sub = message(r, f->descriptor);
	*(uint32_t *)((char *)m + f->quantifier_offset) = f->id;
	*(void **)((char *)m + f->offset) = sub;
	/* The JSON writer leaves out a negative Integer's value. */
	if (f->descriptor == &pg_query__integer__descriptor && sub &&
	    ((PgQuery__Integer *)sub)->ival == 0)
		r->bad = 1;
	if (!eat(r, '}'))
		r->bad = 1;
}

/* An A_Const that reads 0 but is written "-..." lost its negative value. */
static void check_const(struct rd *r, const PgQuery__AConst *c)
{
	if (c->val_case != PG_QUERY__A__CONST__VAL_IVAL || !c->ival || c->ival->ival != 0)
		return;
	if (c->location < 0 || (size_t)c->location >= r->sql_len || r->sql[c->location] == '-')
		r->bad = 1;
}

static void *message(struct rd *r, const ProtobufCMessageDescriptor *desc)
{
	if (r->bad)
		return NULL;
	if (++r->depth > MAX_DEPTH || !eat(r, '{')) {
		r->bad = 1;
		return NULL;
	}
	char *m = zdm_arena_alloc(r->a, desc->sizeof_message);
	protobuf_c_message_init(desc, m);
	if (desc == &pg_query__node__descriptor) {
		node(r, (PgQuery__Node *)m);
		r->depth--;
		return m;
	}
	unsigned hint = 0;
	if (!eat(r, '}')) {
		do {
			const char *k;
			size_t kn;
			const ProtobufCFieldDescriptor *f = key(r, &k, &kn) ?
				field_of(desc, k, kn, &hint) : NULL;
			if (!f) {
				r->bad = 1;
				break;
			}
			if (f->label == PROTOBUF_C_LABEL_REPEATED) {
				repeated(r, f, m);
				continue;
			}
			value(r, f, m + f->offset);
			if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
				*(uint32_t *)(m + f->quantifier_offset) = f->id;
			else if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
				 f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_STRING)
				*(protobuf_c_boolean *)(m + f->quantifier_offset) = 1;
		} while (!r->bad && eat(r, ','));
		if (!r->bad && !eat(r, '}'))
			r->bad = 1;
	}
	if (desc == &pg_query__a__const__descriptor)
		check_const(r, (const PgQuery__AConst *)m);
	r->depth--;
	return r->bad ? NULL : m;
}

PgQuery__ParseResult *zdm_pgtree_read(const char *json, size_t len,
				      const char *sql, size_t sql_len,
				      struct zdm_arena *a)
{
	/* the linter's helper thread reads trees too */
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, node_index);
	struct rd r = { json, json + len, sql, sql_len, a, 0, 0 };
	PgQuery__ParseResult *pr = message(&r, &pg_query__parse_result__descriptor);
	ws(&r);
	if (r.bad || r.p != r.end)
		return NULL;
	return pr;
}

/* ---- PL/pgSQL --------------------------------------------------------------------- */

/*
 * pg.c read pg_query_parse_plpgsql()'s JSON with jansson, which built a
 * tree of hash tables to read a handful of strings out of it.  We walk the
 * text instead, but refuse what jansson refused (invalid UTF-8, \u0000,
 * raw control characters, bad syntax), so that the same bodies are
 * analysed.
 */

/* Skip a string, checking it as jansson would; r->bad when it is not valid. */
static void skip_string(struct rd *r)
{
	if (!eat(r, '"')) {
		r->bad = 1;
		return;
	}
	while (r->p < r->end && *r->p != '"') {
		unsigned char ch = (unsigned char)*r->p;
		if (ch < 0x20) {
			r->bad = 1;
			return;
		}
		if (ch != '\\') {
			r->p++;
			continue;
		}
		if (r->end - r->p < 2) {
			r->bad = 1;
			return;
		}
		char e = r->p[1];
		if (e == 'u') {
			unsigned cp, lo;
			if (r->end - r->p < 6 || !zdm_hex4(r->p + 2, &cp) || cp == 0) {
				r->bad = 1;
				return;
			}
			r->p += 6;
			if (cp >= 0xdc00 && cp < 0xe000) {
				r->bad = 1;
				return;
			}
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' ||
				    !zdm_hex4(r->p + 2, &lo) || lo < 0xdc00 || lo >= 0xe000) {
					r->bad = 1;
					return;
				}
				r->p += 6;
			}
			continue;
		}
		if (!strchr("\"\\/bfnrt", e) || e == '\0') {
			r->bad = 1;
			return;
		}
		r->p += 2;
	}
	if (r->p >= r->end)
		r->bad = 1;
	else
		r->p++;
}

static void skip_number(struct rd *r)
{
	const char *s = r->p;
	if (r->p < r->end && *r->p == '-')
		r->p++;
	const char *d = r->p;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	if (r->p == d || (*d == '0' && r->p - d > 1)) {
		r->bad = 1;
		return;
	}
	if (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E')) {
		r->p = s;
		real(r);
		return;
	}
	/* jansson refuses an integer that does not fit in 64 bits */
	r->p = s;
	int64_t v;
	if (!integer(r, &v) || (v < 0) != (*s == '-'))
		r->bad = 1;
}

/*
 * Walk the value at r->p as pg.c's walk_plpgsql did (depth counted the
 * same way); queries go to *q, grown in the arena.
 */
struct qlist {
	struct zdm_pgtree_query *v;
	size_t n, cap;
};

static void skip_value(struct rd *r, int depth, struct qlist *q, int collect);

static int key_is(const char *k, size_t kn, const char *want)
{
	return kn == strlen(want) && memcmp(k, want, kn) == 0;
}


/* The value of key k in the object at r->p (the last one, as jansson keeps), or NULL. */
static const char *member(struct rd *r, const char *at, const char *k)
{
	struct rd s = *r;
	s.p = at;
	const char *found = NULL;
	if (!eat(&s, '{') || eat(&s, '}'))
		return NULL;
	do {
		const char *key_s;
		size_t kn;
		if (!key(&s, &key_s, &kn))
			return NULL;
		ws(&s);
		if (key_is(key_s, kn, k))
			found = s.p;
		skip_value(&s, 0, NULL, 0);
		if (s.bad)
			return NULL;
	} while (eat(&s, ','));
	return found;
}

static void add_query(struct rd *r, const char *v, int dyn, struct qlist *q)
{
	const char *e = member(r, v, dyn ? "query" : "sqlstmt");
	e = e ? member(r, e, "PLpgSQL_expr") : NULL;
	e = e ? member(r, e, "query") : NULL;
	if (!e || *e != '"')
		return;
	struct rd s = *r;
	s.p = e;
	char *sql = string(&s);
	if (!sql)
		return;
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 8;
		struct zdm_pgtree_query *nv = zdm_arena_alloc(r->a, cap * sizeof(*nv));
		if (q->n)
			memcpy(nv, q->v, q->n * sizeof(*nv));
		q->v = nv;
		q->cap = cap;
	}
	q->v[q->n].sql = sql;
	q->v[q->n].dynamic = dyn;
	q->n++;
}

static void skip_value(struct rd *r, int depth, struct qlist *q, int collect)
{
	if (++r->depth > MAX_DEPTH) {
		r->bad = 1;
		return;
	}
	/* walk_plpgsql looked no deeper than 200; what is deeper is only checked */
	if (collect && depth > 200)
		collect = 0;
	ws(r);
	if (r->p >= r->end) {
		r->bad = 1;
	} else if (*r->p == '{') {
		r->p++;
		if (!eat(r, '}')) {
			do {
				const char *k;
				size_t kn;
				if (!key(r, &k, &kn)) {
					r->bad = 1;
					break;
				}
				ws(r);
				if (collect && key_is(k, kn, "PLpgSQL_stmt_execsql"))
					add_query(r, r->p, 0, q);
				else if (collect && key_is(k, kn, "PLpgSQL_stmt_dynexecute"))
					add_query(r, r->p, 1, q);
				skip_value(r, depth + 1, q, collect);
			} while (!r->bad && eat(r, ','));
			if (!r->bad && !eat(r, '}'))
				r->bad = 1;
		}
	} else if (*r->p == '[') {
		r->p++;
		if (!eat(r, ']')) {
			do
				skip_value(r, depth + 1, q, collect);
			while (!r->bad && eat(r, ','));
			if (!r->bad && !eat(r, ']'))
				r->bad = 1;
		}
	} else if (*r->p == '"') {
		skip_string(r);
	} else if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
		skip_number(r);
	} else if (r->end - r->p >= 4 && memcmp(r->p, "null", 4) == 0) {
		r->p += 4;
	} else {
		boolean(r);
	}
	r->depth--;
}

size_t zdm_pgtree_plpgsql(const char *json, size_t len, struct zdm_arena *a,
			  struct zdm_pgtree_query **out)
{
	*out = NULL;
	if (!zdm_utf8_valid(json, len))
		return 0;
	struct rd r = { json, json + len, NULL, 0, a, 0, 0 };
	struct qlist q = { NULL, 0, 0 };
	skip_value(&r, 0, &q, 1);
	ws(&r);
	if (r.bad || r.p != r.end)
		return 0;
	*out = q.v;
	return q.n;
}
