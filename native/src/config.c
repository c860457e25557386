/* SPDX-License-Identifier: MIT */
/*
 * config.c - find, read and apply .zdm.yml.
 *
 * The file is loaded with libyaml's document API and then walked against
 * a table of the keys each mapping may hold, so that the schema lives in
 * one place and the "expected ..." lists in error messages cannot drift
 * from it.  Nothing is ignored: an unknown key, a value of the wrong
 * shape, a duplicate key or a second document is an error naming the file
 * and the 1-based line (libyaml counts lines from 0).  Rule ids are only
 * checked by zdm_config_apply(), which knows the registry, so that parsing
 * needs nothing but this file.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "zdm/config.h"
#include "zdm/lint.h"
#include "zdm/util.h"

/* A config file is a few hundred bytes; anything this large is a mistake. */
#define ZDM_CONFIG_MAX (1u << 20)

/* ---- durations ------------------------------------------------------------- */

/*
 * Digits, then one of ms, s, m, h.  A bare "0" is allowed because zero
 * needs no unit (statement_timeout: 0 turns the timeout off); any other
 * bare number is refused since "2000" could mean seconds or milliseconds.
 * The result is capped at INT_MAX ms, PostgreSQL's limit for its timeouts.
 */
long zdm_parse_duration_ms(const char *s)
{
	static const struct {
		const char *unit;
		long ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	long n = 0;
	const char *p = s;

	if (!s || *s < '0' || *s > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (*p - '0');
		if (n > INT_MAX)
			return -1;
	}
	if (*p == '\0')
		return n == 0 ? 0 : -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].unit) == 0)
			return n > INT_MAX / units[i].ms ? -1 : n * units[i].ms;
	}
	return -1;
}

/* ---- lifecycle ------------------------------------------------------------- */

void zdm_config_init(struct zdm_config *c)
{
	memset(c, 0, sizeof(*c));
	c->dialect = ZDM_DIALECT_POSTGRES;
	c->lock_timeout_ms = -1;
	c->statement_timeout_ms = -1;
	c->lock_retries = -1;
	c->batch_size = -1;
	c->sleep_ms = -1;
}

void zdm_config_release(struct zdm_config *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->migrations_dir);
	for (size_t i = 0; i < c->nrules; i++)
		free(c->rules[i].rule);
	free(c->rules);
	for (size_t i = 0; i < c->npaths; i++)
		free(c->migration_paths[i]);
	free(c->migration_paths);
	zdm_config_init(c);
}

/* ---- the schema ------------------------------------------------------------ */

enum key_kind {
	K_DIALECT,   /* a dialect name */
	K_INT,       /* an int field, min..max */
	K_LONG,      /* a long field, min..max */
	K_STRING,    /* a non-empty string */
	K_DURATION,  /* a long field in ms */
	K_RULES,     /* mapping rule-id -> decision */
	K_GLOBS,     /* sequence of non-empty strings */
	K_SECTION,   /* mapping with its own keys */
};

struct key {
	const char *name;
	enum key_kind kind;
	size_t off;                 /* offsetof(struct zdm_config, field) */
	long min, max;              /* K_INT, K_LONG */
	const struct key *sub;      /* K_SECTION */
};

#define OFF(f) offsetof(struct zdm_config, f)

static const struct key guard_keys[] = {
	{ "migration_paths", K_GLOBS, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct key runner_keys[] = {
	{ "lock_timeout", K_DURATION, OFF(lock_timeout_ms), 0, 0, NULL },
	{ "statement_timeout", K_DURATION, OFF(statement_timeout_ms), 0, 0, NULL },
	{ "lock_retries", K_INT, OFF(lock_retries), 0, 100, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct key backfill_keys[] = {
	{ "batch_size", K_LONG, OFF(batch_size), 1, LONG_MAX, NULL },
	{ "sleep", K_DURATION, OFF(sleep_ms), 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct key top_keys[] = {
	{ "dialect", K_DIALECT, 0, 0, 0, NULL },
	{ "postgres_version", K_INT, OFF(pg_version), 9, 19, NULL },
	{ "mysql_version", K_INT, OFF(mysql_version), 5, 9, NULL },
	{ "migrations_dir", K_STRING, OFF(migrations_dir), 0, 0, NULL },
	{ "rules", K_RULES, 0, 0, 0, NULL },
	{ "guard", K_SECTION, 0, 0, 0, guard_keys },
	{ "runner", K_SECTION, 0, 0, 0, runner_keys },
	{ "backfill", K_SECTION, 0, 0, 0, backfill_keys },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* ---- walking the document -------------------------------------------------- */

struct walk {
	const char *name;           /* the file, for messages */
	yaml_document_t *doc;
	struct zdm_config *c;
	struct zdm_error *err;
};

static int node_line(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

/* Report "NAME:LINE: message" at node n and return ZDM_ERR_CONFIG. */
static enum zdm_status fail_at(struct walk *w, const yaml_node_t *n,
			       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum zdm_status fail_at(struct walk *w, const yaml_node_t *n,
			       const char *fmt, ...)
{
	char what[sizeof(w->err->msg)];
	int line = node_line(n);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return zdm_error_at(w->err, ZDM_ERR_CONFIG, line,
			    (int)n->start_mark.column + 1, "%s:%d: %s", w->name,
			    line, what);
}

/* "a list", "a mapping" or "a value", for "must be X, not Y" messages. */
static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "a value";
	}
}

/* A plain empty, ~ or null scalar: "key:" with nothing after it. */
static int is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") ||
	       !strcmp(v, "Null") || !strcmp(v, "NULL");
}

/*
 * The text of a scalar value for key `what`, or an error when the node is
 * not a scalar, is null, or holds a NUL byte (a "\0" escape), which every
 * C string function downstream would silently cut at.  `expected`
 * describes a good value for the messages.
 */
static enum zdm_status scalar(struct walk *w, const yaml_node_t *n,
			      const char *what, const char *expected,
			      const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return fail_at(w, n, "'%s' must be %s, not %s", what, expected,
			       node_kind(n));
	if (is_null(n))
		return fail_at(w, n, "'%s' has no value (expected %s)", what,
			       expected);
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length))
		return fail_at(w, n, "'%s' contains a NUL byte", what);
	*out = (const char *)n->data.scalar.value;
	return ZDM_OK;
}

/* Parse a decimal integer, optionally signed, with nothing around it. */
static int parse_long(const char *s, long *out)
{
	char *end;

	if (!((*s >= '0' && *s <= '9') ||
	      ((*s == '-' || *s == '+') && s[1] >= '0' && s[1] <= '9')))
		return -1;
	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* Join the names of a key table as "a, b, c or d" for messages. */
static void key_list(const struct key *keys, char *buf, size_t size)
{
	size_t n = 0, used = 0;

	while (keys[n].name)
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int k = snprintf(buf + used, size - used, "%s%s", sep,
				 keys[i].name);
		if (k < 0)
			break;
		used += (size_t)k;
	}
}

static enum zdm_status duplicate(struct walk *w, const yaml_node_t *k,
				 const yaml_node_t *first, const char *where)
{
	return fail_at(w, k, "duplicate key '%s%s%s' (first on line %d)", where,
		       *where ? "." : "", (const char *)k->data.scalar.value,
		       node_line(first));
}

static int same_key(const yaml_node_t *a, const yaml_node_t *b)
{
	return a->type == YAML_SCALAR_NODE &&
	       a->data.scalar.length == b->data.scalar.length &&
	       !memcmp(a->data.scalar.value, b->data.scalar.value,
		       b->data.scalar.length);
}

/*
 * Check the key of pair i in mapping m: a scalar, and (when scan is set)
 * not the same as the key of an earlier pair.  YAML says duplicate keys
 * are an error and libyaml does not check, so a second "rules:" would
 * otherwise quietly replace the first.  The scan is quadratic, which is
 * fine for the schema's mappings: every earlier key was a known one, so
 * there are at most a handful.  `where` names the mapping ("" at the top).
 */
static enum zdm_status check_key(struct walk *w, const yaml_node_t *m,
				 size_t i, const char *where, int scan,
				 const yaml_node_t **key)
{
	yaml_node_pair_t *pairs = m->data.mapping.pairs.start;
	const yaml_node_t *k = yaml_document_get_node(w->doc, pairs[i].key);

	if (k->type != YAML_SCALAR_NODE)
		return fail_at(w, k, "keys%s%s%s must be names, not %s",
			       *where ? " in '" : "", where, *where ? "'" : "",
			       node_kind(k));
	if (memchr(k->data.scalar.value, '\0', k->data.scalar.length))
		return fail_at(w, k, "a key%s%s%s contains a NUL byte",
			       *where ? " in '" : "", where, *where ? "'" : "");
	for (size_t j = 0; scan && j < i; j++) {
		const yaml_node_t *o =
			yaml_document_get_node(w->doc, pairs[j].key);
		if (same_key(o, k))
			return duplicate(w, k, o, where);
	}
	*key = k;
	return ZDM_OK;
}

struct key_ref {
	const yaml_node_t *k;
	size_t i;                   /* position in the mapping */
};

static int cmp_key_ref(const void *pa, const void *pb)
{
	const struct key_ref *a = pa, *b = pb;
	size_t la = a->k->data.scalar.length, lb = b->k->data.scalar.length;
	int d = memcmp(a->k->data.scalar.value, b->k->data.scalar.value,
		       la < lb ? la : lb);

	if (d)
		return d;
	if (la != lb)
		return la < lb ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

/*
 * Duplicate keys of a mapping whose keys are not from a fixed list
 * ("rules", which may be as long as the file allows): sort, then compare
 * neighbours, and report the duplicate that comes first in the file.
 */
static enum zdm_status check_duplicates(struct walk *w, const yaml_node_t *m,
					const char *where)
{
	size_t n = (size_t)(m->data.mapping.pairs.top -
			    m->data.mapping.pairs.start);
	struct key_ref *refs = zdm_xmalloc((n ? n : 1) * sizeof(*refs));
	const struct key_ref *dup = NULL, *first = NULL, *run = NULL;
	size_t nrefs = 0;
	enum zdm_status s = ZDM_OK;

	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *k = yaml_document_get_node(
			w->doc, m->data.mapping.pairs.start[i].key);
		if (k->type == YAML_SCALAR_NODE)
			refs[nrefs++] = (struct key_ref){ k, i };
	}
	qsort(refs, nrefs, sizeof(*refs), cmp_key_ref);
	for (size_t i = 0; i < nrefs; i++) {
		if (!run || !same_key(run->k, refs[i].k)) {
			run = &refs[i];
			continue;
		}
		if (!dup || refs[i].i < dup->i) {
			dup = &refs[i];
			first = run;
		}
	}
	if (dup)
		s = duplicate(w, dup->k, first->k, where);
	free(refs);
	return s;
}

static enum zdm_status walk_rules(struct walk *w, const yaml_node_t *m)
{
	static const char expected[] = "deny, ask, warn or off";
	size_t n = (size_t)(m->data.mapping.pairs.top -
			    m->data.mapping.pairs.start);
	struct zdm_config *c = w->c;
	enum zdm_status s;

	if (!n)
		return ZDM_OK;
	if ((s = check_duplicates(w, m, "rules")))
		return s;
	c->rules = zdm_xrealloc(c->rules, (c->nrules + n) * sizeof(*c->rules));
	for (size_t i = 0; i < n; i++) {
		yaml_node_pair_t *pair = &m->data.mapping.pairs.start[i];
		const yaml_node_t *k, *v = yaml_document_get_node(w->doc,
								  pair->value);
		const char *id, *text;
		char what[128];
		enum zdm_decision d;

		if ((s = check_key(w, m, i, "rules", 0, &k)))
			return s;
		id = (const char *)k->data.scalar.value;
		if (!*id || is_null(k))
			return fail_at(w, k, "'rules' holds an empty rule id");
		snprintf(what, sizeof(what), "rules.%s", id);
		if ((s = scalar(w, v, what, expected, &text)))
			return s;
		if (zdm_decision_parse(text, &d))
			return fail_at(w, v,
				       "'%s' must be %s (got '%.64s')", what,
				       expected, text);
		c->rules[c->nrules].rule = zdm_xstrdup(id);
		c->rules[c->nrules].decision = d;
		c->rules[c->nrules].line = node_line(k);
		c->nrules++;
	}
	return ZDM_OK;
}

static enum zdm_status walk_globs(struct walk *w, const yaml_node_t *n,
				  const char *what)
{
	static const char expected[] = "a list of globs";
	size_t count;
	struct zdm_config *c = w->c;
	enum zdm_status s;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(w, n, is_null(n) ? "'%s' has no value (expected %s)"
						  : "'%s' must be %s",
			       what, expected);
	count = (size_t)(n->data.sequence.items.top -
			 n->data.sequence.items.start);
	/*
	 * Allocate even for [] so that migration_paths != NULL tells "set to
	 * nothing" apart from "not set".
	 */
	c->migration_paths = zdm_xrealloc(c->migration_paths,
					  (c->npaths + count + 1) *
						  sizeof(*c->migration_paths));
	for (size_t i = 0; i < count; i++) {
		const yaml_node_t *item = yaml_document_get_node(
			w->doc, n->data.sequence.items.start[i]);
		const char *glob;

		if ((s = scalar(w, item, what, "a glob", &glob)))
			return s;
		if (!*glob)
			return fail_at(w, item, "'%s' holds an empty glob",
				       what);
		c->migration_paths[c->npaths++] = zdm_xstrdup(glob);
	}
	return ZDM_OK;
}

static enum zdm_status walk_mapping(struct walk *w, const yaml_node_t *m,
				    const struct key *keys, const char *where);

/* One key's value, checked and stored. */
static enum zdm_status walk_value(struct walk *w, const struct key *key,
				  const yaml_node_t *v, const char *what)
{
	char *field = (char *)w->c + key->off;
	char expected[128];
	const char *text;
	enum zdm_status s;
	long n;

	switch (key->kind) {
	case K_DIALECT:
		if ((s = scalar(w, v, what, "postgres, mysql or sqlite", &text)))
			return s;
		if (zdm_dialect_parse(text, &w->c->dialect))
			return fail_at(w, v,
				       "unknown dialect '%.64s' (expected postgres, mysql or sqlite)",
				       text);
		w->c->has_dialect = 1;
		return ZDM_OK;
	case K_INT:
	case K_LONG:
		if (key->max == LONG_MAX)
			snprintf(expected, sizeof(expected),
				 "an integer of at least %ld", key->min);
		else
			snprintf(expected, sizeof(expected),
				 "an integer from %ld to %ld", key->min,
				 key->max);
		if ((s = scalar(w, v, what, expected, &text)))
			return s;
		if (parse_long(text, &n) || n < key->min || n > key->max)
			return fail_at(w, v, "'%s' must be %s (got '%.64s')",
				       what, expected, text);
		if (key->kind == K_INT)
			*(int *)(void *)field = (int)n;
		else
			*(long *)(void *)field = n;
		return ZDM_OK;
	case K_STRING:
		if ((s = scalar(w, v, what, "a string", &text)))
			return s;
		if (!*text)
			return fail_at(w, v, "'%s' must not be empty", what);
		free(*(char **)(void *)field);
		*(char **)(void *)field = zdm_xstrdup(text);
		return ZDM_OK;
	case K_DURATION:
		if ((s = scalar(w, v, what, "a duration such as 2s or 500ms",
				&text)))
			return s;
		n = zdm_parse_duration_ms(text);
		if (n >= 0) {
			*(long *)(void *)field = n;
			return ZDM_OK;
		}
		if (*text && strspn(text, "0123456789") == strlen(text) &&
		    strlen(text) <= 18)
			return fail_at(w, v,
				       "'%s' needs a unit: write %sms or %ss (got '%s')",
				       what, text, text, text);
		return fail_at(w, v,
			       "'%s' must be a duration such as 2s, 500ms or 1m (got '%.64s')",
			       what, text);
	case K_RULES:
		if (is_null(v))
			return ZDM_OK;
		if (v->type != YAML_MAPPING_NODE)
			return fail_at(w, v,
				       "'%s' must be a mapping of rule ids to deny, ask, warn or off, not %s",
				       what, node_kind(v));
		return walk_rules(w, v);
	case K_GLOBS:
		return walk_globs(w, v, what);
	case K_SECTION:
		if (is_null(v))
			return ZDM_OK;
		if (v->type != YAML_MAPPING_NODE)
			return fail_at(w, v, "'%s' must be a mapping, not %s",
				       what, node_kind(v));
		return walk_mapping(w, v, key->sub, what);
	}
	return ZDM_OK;
}

static enum zdm_status walk_mapping(struct walk *w, const yaml_node_t *m,
				    const struct key *keys, const char *where)
{
	size_t n = (size_t)(m->data.mapping.pairs.top -
			    m->data.mapping.pairs.start);
	enum zdm_status s;

	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *k, *v = yaml_document_get_node(
			w->doc, m->data.mapping.pairs.start[i].value);
		const struct key *key;
		const char *name;
		char what[128];

		if ((s = check_key(w, m, i, where, 1, &k)))
			return s;
		name = (const char *)k->data.scalar.value;
		for (key = keys; key->name; key++)
			if (!strcmp(key->name, name))
				break;
		if (!key->name) {
			char list[160];
			key_list(keys, list, sizeof(list));
			return fail_at(w, k, "unknown key '%s%s%.64s' (expected %s)",
				       where, *where ? "." : "", name, list);
		}
		snprintf(what, sizeof(what), "%s%s%s", where, *where ? "." : "",
			 key->name);
		if ((s = walk_value(w, key, v, what)))
			return s;
	}
	return ZDM_OK;
}

/* ---- parsing --------------------------------------------------------------- */

/*
 * True when the byte at (0-based) line, column of text is a tab: libyaml
 * says "found character that cannot start any token" for a tab used as
 * indentation, which does not tell the user what to change.
 */
static int tab_at(const char *text, size_t len, size_t line, size_t column)
{
	size_t i = 0;

	for (; line && i < len; i++)
		if (text[i] == '\n')
			line--;
	return i + column < len && text[i + column] == '\t';
}

/* Turn a libyaml failure into "NAME:LINE: invalid YAML: ...". */
static enum zdm_status yaml_fail(const char *name, const char *text,
				 size_t len, const yaml_parser_t *p,
				 struct zdm_error *err)
{
	const char *problem = p->problem ? p->problem : "cannot parse";
	char context[96] = "";
	int line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return zdm_error_set(err, ZDM_ERR_NOMEM, "%s: out of memory",
				     name);
	case YAML_READER_ERROR:
		/* The reader has no mark, only a byte offset. */
		zdm_line_col(text, p->problem_offset < len ? p->problem_offset
							   : len,
			     &line, &col);
		return zdm_error_at(err, ZDM_ERR_CONFIG, line, col,
				    "%s:%d: invalid text: %s", name, line,
				    problem);
	default:
		line = (int)p->problem_mark.line + 1;
		col = (int)p->problem_mark.column + 1;
		if (tab_at(text, len, p->problem_mark.line,
			   p->problem_mark.column))
			snprintf(context, sizeof(context),
				 " (tabs cannot indent YAML: use spaces)");
		else if (p->context &&
			 p->context_mark.line != p->problem_mark.line)
			snprintf(context, sizeof(context),
				 " (%s that starts on line %d)", p->context,
				 (int)p->context_mark.line + 1);
		return zdm_error_at(err, ZDM_ERR_CONFIG, line, col,
				    "%s:%d: invalid YAML: %s%s", name, line,
				    problem, context);
	}
}

/* Load and walk the documents of the stream into c (fresh from init). */
static enum zdm_status parse_stream(const char *name, const char *text,
				    size_t len, struct zdm_config *c,
				    struct zdm_error *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	enum zdm_status s = ZDM_OK;
	struct walk w = { name, &doc, c, err };

	if (!yaml_parser_initialize(&parser))
		return zdm_error_set(err, ZDM_ERR_NOMEM, "%s: out of memory",
				     name);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

	/* yaml_parser_load() frees the document itself when it fails. */
	if (!yaml_parser_load(&parser, &doc)) {
		s = yaml_fail(name, text, len, &parser, err);
		goto out;
	}
	root = yaml_document_get_root_node(&doc);
	/* No document, or "---" alone: every field keeps its default. */
	if (root && !is_null(root)) {
		if (root->type != YAML_MAPPING_NODE)
			s = fail_at(&w, root,
				    "the config must be a mapping of keys, not %s",
				    node_kind(root));
		else
			s = walk_mapping(&w, root, top_keys, "");
	}
	yaml_document_delete(&doc);
	if (s)
		goto out;

	/* A second "---" document would be silently ignored: refuse it. */
	if (!yaml_parser_load(&parser, &doc)) {
		s = yaml_fail(name, text, len, &parser, err);
		goto out;
	}
	if (yaml_document_get_root_node(&doc)) {
		int line = (int)doc.start_mark.line + 1;
		s = zdm_error_at(err, ZDM_ERR_CONFIG, line,
				 (int)doc.start_mark.column + 1,
				 "%s:%d: a second YAML document (the config must be a single document)",
				 name, line);
	}
	yaml_document_delete(&doc);
out:
	yaml_parser_delete(&parser);
	return s;
}

enum zdm_status zdm_config_parse(const char *name, const char *text,
				 size_t len, struct zdm_config *c,
				 struct zdm_error *err)
{
	struct zdm_config tmp;
	enum zdm_status s;

	if (!name)
		name = "<config>";
	if (!text) {
		text = "";
		len = 0;
	}
	zdm_config_init(&tmp);
	tmp.path = zdm_xstrdup(name);
	s = parse_stream(name, text, len, &tmp, err);
	zdm_config_release(c);
	if (s) {
		zdm_config_release(&tmp);
		return s;
	}
	*c = tmp;
	return ZDM_OK;
}

enum zdm_status zdm_config_load(const char *path, struct zdm_config *c,
				struct zdm_error *err)
{
	char *text;
	size_t len;
	enum zdm_status s;

	s = zdm_read_file(path, ZDM_CONFIG_MAX, &text, &len, err);
	if (s) {
		zdm_config_release(c);
		return s;
	}
	s = zdm_config_parse(path, text, len, c, err);
	free(text);
	return s;
}

/* ---- finding --------------------------------------------------------------- */

/* dir/name when it is a regular file (or a link to one), else NULL. */
static char *file_in(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	int slash = dl > 0 && dir[dl - 1] == '/';
	char *p = zdm_xmalloc(dl + !slash + nl + 1);
	struct stat st;

	memcpy(p, dir, dl);
	if (!slash)
		p[dl++] = '/';
	memcpy(p + dl, name, nl + 1);
	if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
		return p;
	free(p);
	return NULL;
}

/*
 * The directory is resolved with realpath(3), so ".." and symlinks are
 * followed before walking up, the way getcwd(3) would see them.
 */
enum zdm_status zdm_config_find(const char *dir, char **path,
				struct zdm_error *err)
{
	static const char *const names[] = { ".zdm.yml", ".zdm.yaml" };
	char *cur;

	*path = NULL;
	cur = realpath(dir ? dir : ".", NULL);
	if (!cur)
		return zdm_error_set(err, ZDM_ERR_IO, "cannot resolve '%s': %s",
				     dir ? dir : ".", strerror(errno));
	for (;;) {
		char *slash;

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if ((*path = file_in(cur, names[i]))) {
				free(cur);
				return ZDM_OK;
			}
		}
		slash = strrchr(cur, '/');
		if (!slash || (slash == cur && !cur[1]))
			break;            /* just searched "/" */
		slash[slash == cur] = '\0'; /* "/a" -> "/", "/a/b" -> "/a" */
	}
	free(cur);
	return ZDM_OK;
}

/* ---- applying -------------------------------------------------------------- */

enum zdm_status zdm_config_apply(const struct zdm_config *c,
				 struct zdm_linter *l, struct zdm_error *err)
{
	const char *name = c->path ? c->path : "<config>";
	const struct zdm_rule **found;
	struct zdm_lint_opts o;
	enum zdm_status s = ZDM_OK;

	/* Check every rule first so that a failure leaves l untouched. */
	found = zdm_xmalloc((c->nrules ? c->nrules : 1) * sizeof(*found));
	for (size_t i = 0; i < c->nrules && !s; i++) {
		const struct zdm_config_rule *cr = &c->rules[i];

		found[i] = zdm_rule_find(cr->rule);
		if (!found[i]) {
			s = zdm_error_at(err, ZDM_ERR_CONFIG, cr->line, 0,
					 "%s:%d: unknown rule '%s' (see zdm rules)",
					 name, cr->line, cr->rule);
			break;
		}
		/*
		 * The same rule under its id and an alias: which one wins?
		 * Quadratic, but parsing refused duplicate keys, so there
		 * are at most as many entries as ids and aliases.
		 */
		for (size_t j = 0; j < i; j++) {
			if (found[j] != found[i])
				continue;
			s = zdm_error_at(err, ZDM_ERR_CONFIG, cr->line, 0,
					 "%s:%d: rule '%s' is already set on line %d (as '%s')",
					 name, cr->line, found[i]->id,
					 c->rules[j].line, c->rules[j].rule);
			break;
		}
	}
	free(found);
	if (s)
		return s;

	o = *zdm_linter_opts(l);
	if (c->has_dialect)
		o.dialect = c->dialect;
	if (c->pg_version)
		o.pg_version = c->pg_version;
	if (c->mysql_version)
		o.mysql_version = c->mysql_version;
	zdm_linter_set_opts(l, &o);

	for (size_t i = 0; i < c->nrules; i++) {
		const struct zdm_config_rule *cr = &c->rules[i];
		if (zdm_linter_set_decision(l, cr->rule, cr->decision))
			return zdm_error_at(err, ZDM_ERR_CONFIG, cr->line, 0,
					    "%s:%d: unknown rule '%s' (see zdm rules)",
					    name, cr->line, cr->rule);
	}
	return ZDM_OK;
}
