/* SPDX-License-Identifier: MIT */
/*
 * model.c - the helpers both front ends use to build operations: adding
 * an op, normalising identifiers and type names, and the list of
 * functions that are safe in a column default.
 */
#include <string.h>

#include "zdm/frontend.h"
#include "zdm/model.h"

const char *zdm_op_kind_name(enum zdm_op_kind k)
{
	static const char *const names[ZDM_OP_KIND_COUNT] = {
		[ZDM_OP_OTHER] = "other",
		[ZDM_OP_CREATE_TABLE] = "create table",
		[ZDM_OP_DROP_TABLE] = "drop table",
		[ZDM_OP_RENAME_TABLE] = "rename table",
		[ZDM_OP_TRUNCATE] = "truncate",
		[ZDM_OP_LOCK_TABLE] = "lock table",
		[ZDM_OP_SET_LOGGED] = "set logged",
		[ZDM_OP_SET_UNLOGGED] = "set unlogged",
		[ZDM_OP_SET_TABLESPACE] = "set tablespace",
		[ZDM_OP_SET_ACCESS_METHOD] = "set access method",
		[ZDM_OP_ATTACH_PARTITION] = "attach partition",
		[ZDM_OP_DETACH_PARTITION] = "detach partition",
		[ZDM_OP_CLUSTER] = "cluster",
		[ZDM_OP_VACUUM_FULL] = "vacuum full",
		[ZDM_OP_INSERT_SELECT] = "insert ... select",
		[ZDM_OP_ADD_COLUMN] = "add column",
		[ZDM_OP_DROP_COLUMN] = "drop column",
		[ZDM_OP_RENAME_COLUMN] = "rename column",
		[ZDM_OP_ALTER_TYPE] = "alter column type",
		[ZDM_OP_SET_NOT_NULL] = "set not null",
		[ZDM_OP_DROP_NOT_NULL] = "drop not null",
		[ZDM_OP_SET_DEFAULT] = "set default",
		[ZDM_OP_ADD_CONSTRAINT] = "add constraint",
		[ZDM_OP_VALIDATE_CONSTRAINT] = "validate constraint",
		[ZDM_OP_DROP_CONSTRAINT] = "drop constraint",
		[ZDM_OP_CREATE_INDEX] = "create index",
		[ZDM_OP_DROP_INDEX] = "drop index",
		[ZDM_OP_REINDEX] = "reindex",
		[ZDM_OP_CREATE_TRIGGER] = "create trigger",
		[ZDM_OP_REFRESH_MATVIEW] = "refresh materialized view",
		[ZDM_OP_DROP_DATABASE] = "drop database",
		[ZDM_OP_DROP_SCHEMA] = "drop schema",
		[ZDM_OP_CREATE_DOMAIN] = "create domain",
		[ZDM_OP_ALTER_DOMAIN_ADD_CONSTRAINT] = "alter domain add constraint",
		[ZDM_OP_ADD_ENUM_VALUE] = "add enum value",
		[ZDM_OP_UPDATE] = "update",
		[ZDM_OP_DELETE] = "delete",
		[ZDM_OP_BEGIN] = "begin",
		[ZDM_OP_COMMIT] = "commit",
		[ZDM_OP_ROLLBACK] = "rollback",
		[ZDM_OP_SET] = "set",
	};
	if ((unsigned)k >= ZDM_OP_KIND_COUNT || !names[k])
		return "other";
	return names[k];
}

struct zdm_op *zdm_parsed_add(struct zdm_parsed *p, struct zdm_arena *a,
			      const struct zdm_op *op)
{
	if (p->nops == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1;
		struct zdm_op *n = zdm_arena_alloc(a, cap * sizeof(*n));
		if (p->nops)
			memcpy(n, p->ops, p->nops * sizeof(*n));
		p->ops = n;
		p->cap = cap;
	}
	p->ops[p->nops] = *op;
	return &p->ops[p->nops++];
}

const char *zdm_ident(struct zdm_arena *a, const char *tok, size_t len)
{
	if (len >= 2 && (tok[0] == '"' || tok[0] == '`' || tok[0] == '[')) {
		char q = tok[0] == '[' ? ']' : tok[0];
		char *s = zdm_arena_alloc(a, len);
		size_t n = 0;
		for (size_t i = 1; i + 1 < len; i++) {
			s[n++] = tok[i];
			if (tok[i] == q && q != ']' && i + 2 < len && tok[i + 1] == q)
				i++;
		}
		s[n] = '\0';
		return s;
	}
	char *s = zdm_arena_strndup(a, tok, len);
	for (char *c = s; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c += 32;
	return s;
}

const char *zdm_type_norm(struct zdm_arena *a, const char *name)
{
	static const struct { const char *from, *to; } map[] = {
		{ "integer", "int4" }, { "int", "int4" }, { "int4", "int4" },
		{ "bigint", "int8" }, { "int8", "int8" },
		{ "smallint", "int2" }, { "int2", "int2" },
		{ "real", "float4" }, { "float4", "float4" },
		{ "double precision", "float8" }, { "float8", "float8" }, { "float", "float8" },
		{ "decimal", "numeric" }, { "numeric", "numeric" },
		{ "character varying", "varchar" }, { "varchar", "varchar" },
		{ "character", "bpchar" }, { "char", "bpchar" }, { "bpchar", "bpchar" },
		{ "boolean", "bool" }, { "bool", "bool" },
		{ "timestamp without time zone", "timestamp" }, { "timestamp", "timestamp" },
		{ "timestamp with time zone", "timestamptz" }, { "timestamptz", "timestamptz" },
		{ "time without time zone", "time" }, { "time with time zone", "timetz" },
		{ "serial4", "serial" }, { "serial8", "bigserial" }, { "serial2", "smallserial" },
	};
	char *s = zdm_arena_strdup(a, name);
	for (char *c = s; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c += 32;
	if (strncmp(s, "pg_catalog.", 11) == 0)
		s += 11;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(s, map[i].from) == 0)
			return map[i].to;
	return s;
}

int zdm_func_is_stable(const char *name)
{
	/*
	 * Functions that are immutable or stable, so a default using them is
	 * evaluated once at ALTER time and stored as the "missing value"
	 * (PostgreSQL 11+), like squawk's allow-list.  Anything not listed is
	 * treated as volatile: user functions are VOLATILE unless declared.
	 */
	static const char *const ok[] = {
		"now", "current_timestamp", "current_date", "current_time",
		"localtimestamp", "localtime", "transaction_timestamp",
		"statement_timestamp", "lower", "upper", "coalesce", "nullif",
		"greatest", "least", "abs", "round", "trim", "btrim", "ltrim",
		"rtrim", "concat", "length", "to_timestamp", "to_date", "to_char",
		"make_date", "make_interval", "date_trunc", "jsonb_build_object",
		"json_build_object", "jsonb_build_array", "json_build_array",
		"array", "current_user", "current_schema", "session_user",
		"current_setting", "timezone", "md5", "replace", "substring",
		"substr", "left", "right", "repeat", "lpad", "rpad",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcmp(name, ok[i]) == 0)
			return 1;
	return 0;
}
