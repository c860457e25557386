/* SPDX-License-Identifier: MIT */
/*
 * model.h - the operations every SQL front end produces and every rule reads.
 *
 * A statement becomes zero or more operations (ALTER TABLE t ADD a, ADD b
 * gives two).  Front ends: sql/pg.c (libpg_query), sql/recognise.c (the
 * token-level recogniser for MySQL, SQLite, and PostgreSQL statements that
 * do not parse).  Strings in an operation live in the statement's arena
 * and are normalised: unquoted identifiers lowercased (PostgreSQL, MySQL,
 * SQLite all compare them case-insensitively), quoted ones kept as written,
 * schema stripped into op->schema.
 */
#ifndef ZDM_MODEL_H
#define ZDM_MODEL_H

#include <stddef.h>

enum zdm_op_kind {
	ZDM_OP_OTHER = 0,          /* recognised, nothing to judge (SELECT, INSERT, CREATE VIEW...) */
	/* tables */
	ZDM_OP_CREATE_TABLE,       /* table; F_IF_NOT_EXISTS, F_AS_SELECT */
	ZDM_OP_DROP_TABLE,         /* table; F_IF_EXISTS, F_CASCADE */
	ZDM_OP_RENAME_TABLE,       /* table -> name */
	ZDM_OP_TRUNCATE,           /* table; F_CASCADE */
	ZDM_OP_LOCK_TABLE,         /* table; name = lock mode, lowercase ("access exclusive") */
	ZDM_OP_SET_LOGGED,         /* table */
	ZDM_OP_SET_UNLOGGED,       /* table */
	ZDM_OP_SET_TABLESPACE,     /* table (or index in name); name = tablespace */
	ZDM_OP_SET_ACCESS_METHOD,  /* table */
	ZDM_OP_ATTACH_PARTITION,   /* table = parent, name = partition; F_HAS_CHECK when the partition has a matching CHECK known */
	ZDM_OP_DETACH_PARTITION,   /* table = parent, name = partition; F_CONCURRENTLY */
	ZDM_OP_CLUSTER,            /* table (NULL: every table) */
	ZDM_OP_VACUUM_FULL,        /* table (NULL: every table) */
	ZDM_OP_INSERT_SELECT,      /* table = target, ref_table = source; F_WHERE when filtered */
	/* columns */
	ZDM_OP_ADD_COLUMN,         /* table, column, type; F_NOT_NULL, F_DEFAULT, F_DEFAULT_VOLATILE,
	                              F_GENERATED_STORED, F_IDENTITY, F_SERIAL, F_UNIQUE, F_PRIMARY_KEY,
	                              F_CHECK, F_REFERENCES (ref_table), F_IF_NOT_EXISTS */
	ZDM_OP_DROP_COLUMN,        /* table, column; F_IF_EXISTS, F_CASCADE */
	ZDM_OP_RENAME_COLUMN,      /* table, column -> name */
	ZDM_OP_ALTER_TYPE,         /* table, column, type (the new one); F_USING; MySQL MODIFY/CHANGE too */
	ZDM_OP_SET_NOT_NULL,       /* table, column */
	ZDM_OP_DROP_NOT_NULL,      /* table, column */
	ZDM_OP_SET_DEFAULT,        /* table, column; F_DEFAULT_VOLATILE */
	/* constraints */
	ZDM_OP_ADD_CONSTRAINT,     /* table, name, con; F_NOT_VALID, F_USING_INDEX; ref_table for FK;
	                              column = the single column of a CHECK (col IS NOT NULL), else NULL */
	ZDM_OP_VALIDATE_CONSTRAINT,/* table, name */
	ZDM_OP_DROP_CONSTRAINT,    /* table, name; con when known from earlier statements; F_IF_EXISTS */
	/* indexes */
	ZDM_OP_CREATE_INDEX,       /* table, name; F_CONCURRENTLY, F_UNIQUE, F_IF_NOT_EXISTS */
	ZDM_OP_DROP_INDEX,         /* name (table when known); F_CONCURRENTLY, F_IF_EXISTS */
	ZDM_OP_REINDEX,            /* table or name; F_CONCURRENTLY */
	/* other objects */
	ZDM_OP_CREATE_TRIGGER,     /* table, name */
	ZDM_OP_REFRESH_MATVIEW,    /* table = the view; F_CONCURRENTLY */
	ZDM_OP_DROP_DATABASE,      /* name */
	ZDM_OP_DROP_SCHEMA,        /* name; F_CASCADE */
	ZDM_OP_CREATE_DOMAIN,      /* name; F_CHECK when it has a constraint */
	ZDM_OP_ALTER_DOMAIN_ADD_CONSTRAINT, /* name; F_NOT_VALID */
	ZDM_OP_ADD_ENUM_VALUE,     /* name = the type; F_POSITIONED when BEFORE/AFTER is given */
	/* data */
	ZDM_OP_UPDATE,             /* table; F_WHERE (a real filter), F_WHERE_TRIVIAL (WHERE true, 1=1), F_LIMIT */
	ZDM_OP_DELETE,             /* table; same flags */
	/* transactions and settings */
	ZDM_OP_BEGIN,
	ZDM_OP_COMMIT,
	ZDM_OP_ROLLBACK,
	ZDM_OP_SET,                /* name = setting (lowercase), value = its text; F_LOCAL */
	ZDM_OP_KIND_COUNT
};

/* Operation flags. */
enum {
	ZDM_F_CONCURRENTLY     = 1u << 0,
	ZDM_F_NOT_NULL         = 1u << 1,
	ZDM_F_DEFAULT          = 1u << 2,
	ZDM_F_DEFAULT_VOLATILE = 1u << 3,
	ZDM_F_GENERATED_STORED = 1u << 4,
	ZDM_F_IDENTITY         = 1u << 5,
	ZDM_F_SERIAL           = 1u << 6,
	ZDM_F_UNIQUE           = 1u << 7,
	ZDM_F_PRIMARY_KEY      = 1u << 8,
	ZDM_F_CHECK            = 1u << 9,
	ZDM_F_REFERENCES       = 1u << 10,
	ZDM_F_IF_EXISTS        = 1u << 11,
	ZDM_F_IF_NOT_EXISTS    = 1u << 12,
	ZDM_F_CASCADE          = 1u << 13,
	ZDM_F_NOT_VALID        = 1u << 14,
	ZDM_F_USING_INDEX      = 1u << 15,
	ZDM_F_USING            = 1u << 16, /* ALTER TYPE ... USING expr */
	ZDM_F_WHERE            = 1u << 17,
	ZDM_F_WHERE_TRIVIAL    = 1u << 18,
	ZDM_F_LIMIT            = 1u << 19,
	ZDM_F_AS_SELECT        = 1u << 20,
	ZDM_F_POSITIONED       = 1u << 21,
	ZDM_F_LOCAL            = 1u << 22,
	ZDM_F_HAS_CHECK        = 1u << 23,
	ZDM_F_IN_BODY          = 1u << 24, /* found inside a DO block or function body */
	ZDM_F_DEFAULT_NULL     = 1u << 25, /* DEFAULT NULL: same as no default */
	ZDM_F_TEMP             = 1u << 26, /* a temporary table */
	ZDM_F_FIRST_AFTER      = 1u << 27, /* MySQL FIRST / AFTER col: a column reorder */
	ZDM_F_ONLY             = 1u << 28, /* CREATE INDEX ... ON ONLY: the partitioned parent alone */
};

enum zdm_con {
	ZDM_CON_NONE = 0,
	ZDM_CON_CHECK,
	ZDM_CON_FOREIGN,
	ZDM_CON_UNIQUE,
	ZDM_CON_PRIMARY,
	ZDM_CON_EXCLUDE,
	ZDM_CON_NOT_NULL,  /* PostgreSQL 18: ADD CONSTRAINT ... NOT NULL col */
};

/*
 * A column type, normalised to PostgreSQL's internal names where they
 * exist: int2, int4, int8, float4, float8, numeric, varchar, bpchar
 * (char(n)), text, bool, timestamp, timestamptz, date, time, json, jsonb,
 * uuid, bytea, serial, bigserial, smallserial; otherwise the lowercased
 * name as written (MySQL: int, bigint, varchar, enum, ...).
 */
struct zdm_type {
	const char *name;   /* NULL when unknown */
	int mods[2];        /* typmods: varchar(n) -> {n}, numeric(p,s) -> {p,s} */
	int nmods;
	int array;          /* 1 for name[] */
};

struct zdm_op {
	enum zdm_op_kind kind;
	unsigned flags;
	enum zdm_con con;
	const char *schema;     /* may be NULL */
	const char *table;
	const char *column;
	const char *name;       /* index, constraint, trigger, new name, setting... */
	const char *value;      /* SET value, MySQL ALGORITHM/LOCK, ... */
	const char *ref_table;  /* FK target, INSERT ... SELECT source */
	struct zdm_type type;
	size_t off;             /* byte offset of the operation in the file text */
};

/* MySQL ALTER TABLE options carried by the statement (lowercase, or NULL). */
struct zdm_mysql_opts {
	const char *algorithm;  /* "instant", "inplace", "copy", "default" */
	const char *lock;       /* "none", "shared", "exclusive", "default" */
};

/* Printable name of an operation kind, e.g. "add column". */
const char *zdm_op_kind_name(enum zdm_op_kind k);

#endif
