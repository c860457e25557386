/* SPDX-License-Identifier: MIT */
/*
 * guard.h - what the parts of zdm-guard share: the call being judged, the
 * SQL found in it, and the guard's own findings.
 *
 * extract.c (Bash commands, over shell.c) and files.c (writes of
 * migration files, with embed.c for string literals and dsl.c for Rails
 * and Alembic schema calls) only collect: SQL texts to lint (struct
 * guard_sql) and things the guard decides without the linter (struct
 * guard_note: SQL known only at run time, a missing file).  judge.c lints
 * and decides; main.c prints.  io.c reads files without blocking.
 * Everything collected lives in the guard's arena, freed in one go.
 */
#ifndef ZDM_GUARD_GUARD_H
#define ZDM_GUARD_GUARD_H

#include <stddef.h>

#include <jansson.h>

#include "zdm/config.h"
#include "zdm/lexer.h"
#include "zdm/rule.h"
#include "zdm/util.h"

/* Bounds: a file named in a command, all files of one call, includes. */
#define GUARD_FILE_MAX   (8u << 20)
#define GUARD_TOTAL_MAX  (32u << 20)
#define GUARD_MAX_FILES  256
#define GUARD_MAX_DEPTH  8      /* bash -c, ssh, eval, \i nesting */
#define GUARD_MAX_ITEMS  1024   /* SQL texts and notes per call */
#define GUARD_MAX_PIPE   256    /* pipe stages followed back from a client */

/* One text to lint. */
struct guard_sql {
	enum zdm_dialect dialect;
	int dialect_named;          /* named by the client, not the config */
	const char *name;           /* shown with the finding: "psql -c", a path */
	const char *text;
	size_t len;
	int txn;                    /* as struct zdm_source.txn; 2: one transaction
	                               when there are several statements (psql -c) */
	int first_line;
	const size_t *ranges;       /* judge only these (pairs, ascending); NULL: all */
	size_t nranges;
	const char *display;        /* shown instead of the statement, or NULL */
	const char **vars;          /* placeholder zdm_var_N stands for vars[N-1],
	                               text only known at run time ($X, $(cmd)) */
	size_t nvars;
	int code;                   /* SQL from string literals of source code:
	                               parse errors there are interpolation, not SQL */
	/* the text split once (zdm_split in dialect), for prepare() and the
	   linter, in the arena; NULL until then */
	const struct zdm_stmt *stmts;
	size_t nstmts;
};

/* Something the guard decides without the linter. */
struct guard_note {
	enum zdm_decision decision;
	const char *rule;           /* a rule id, or NULL */
	const char *what;           /* the command or statement concerned */
	const char *why;            /* one line */
	const char *help;           /* the safe way, or NULL */
};

/* A file written earlier in the same command. */
struct guard_vfile {
	const char *path;           /* absolute */
	const char *text;           /* NULL: written with content we cannot know */
	size_t len;
	const char *writer;         /* e.g. "curl", for the reason */
};

struct guard {
	const char *cwd;            /* the hook's cwd (absolute), or NULL */
	const char *home;
	const char *root;           /* project root: where .zdm.yml is, else cwd */
	const struct zdm_config *cfg;  /* may be NULL */
	enum zdm_dialect dialect;   /* the project's dialect (config, else postgres) */
	int powershell;
	struct zdm_arena arena;

	struct guard_sql *sql;
	size_t nsql, capsql;
	struct guard_note *notes;
	size_t nnotes, capnotes;
	struct guard_vfile *vfiles;
	size_t nvfiles, capvfiles;

	size_t bytes_read;          /* all files read for this call */
	size_t files_read;
	int depth;                  /* nesting of bash -c, ssh, eval, includes */
	int pipe_depth;             /* pipe stages being followed */
	int truncated;              /* GUARD_MAX_ITEMS reached */
};

void guard_init(struct guard *g);
void guard_release(struct guard *g);

/* Record SQL to lint.  text is copied into the arena. */
struct guard_sql *guard_add_sql(struct guard *g, enum zdm_dialect d,
				int named, const char *name,
				const char *text, size_t len);

/* Keep l, the split of s->text in s->dialect, on s. */
struct zdm_stmt_list;
void guard_sql_keep_split(struct guard *g, struct guard_sql *s, const struct zdm_stmt_list *l);

/* Record a note; the strings are copied.  help may be NULL. */
void guard_add_note(struct guard *g, enum zdm_decision d, const char *rule,
		    const char *what, const char *why, const char *help);

/* printf into the arena. */
char *guard_strf(struct guard *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Shorten s to at most max bytes on one line ("..." when cut). */
char *guard_short(struct guard *g, const char *s, size_t len, size_t max);

/* ---- files (io.c) ----------------------------------------------------- */

enum guard_read {
	GUARD_READ_OK,
	GUARD_READ_MISSING,
	GUARD_READ_NOT_REGULAR,   /* a FIFO, a device, a directory */
	GUARD_READ_TOO_BIG,
	GUARD_READ_ERROR,
	GUARD_READ_UNKNOWN,       /* written earlier in the command with unknown content */
};

/*
 * Read a file without ever blocking: opened O_NONBLOCK, refused unless it
 * is a regular file of at most max bytes, and counted against the call's
 * GUARD_TOTAL_MAX.  Files written earlier in the same command (vfiles)
 * win over the disk.  On GUARD_READ_OK *text is in the arena.
 */
enum guard_read guard_read(struct guard *g, const char *path, size_t max,
			   const char **text, size_t *len);

/* A reason for a failed read, e.g. "does not exist". */
const char *guard_read_why(struct guard *g, enum guard_read r, const char *path);

/* Join dir and path (absolute paths and ~ are kept / expanded); arena. */
char *guard_path(struct guard *g, const char *dir, const char *path);

/* The last path component, without a Windows ".exe". */
const char *guard_basename(struct guard *g, const char *path);

/* True when the command wrote path before this point. */
int guard_has_vfile(struct guard *g, const char *path);

/* Record a file written by the command (text NULL: unknown content). */
void guard_add_vfile(struct guard *g, const char *path, const char *text,
		     size_t len, int append, const char *writer);

/* ---- migration paths and writes (files.c) ------------------------------ */

/* True when path (absolute) is a migration file by the config or the defaults. */
int guard_is_migration(struct guard *g, const char *path);

/*
 * Judge a migration file that will have new_text after the call, and had
 * old_text (NULL: a new file).  Only statements that the change adds or
 * alters are judged.
 */
void guard_migration_write(struct guard *g, const char *path,
			   const char *old_text, size_t old_len,
			   const char *new_text, size_t new_len);

/* Match a glob with ** against a path ('/'-separated).  1 on a match. */
int guard_glob_match(const char *pat, const char *path);

/* ---- entry points ---------------------------------------------------- */

/*
 * The hook input as jansson values: json_loadb(buf, len, 0, err), only
 * faster on plain input (json.c).  The caller owns the result (json_decref).
 */
json_t *guard_json_load(const char *buf, size_t len, json_error_t *err);

/* True when a shell command may send SQL (the fast path says no quickly). */
int guard_bash_may_sql(const char *cmd, size_t len);

/* Collect the SQL a shell command sends to databases. */
void guard_bash(struct guard *g, const char *cmd, size_t len);

/* Embedded SQL in source code (embed.c): append statements found. */
enum guard_lang {
	GUARD_LANG_NONE,
	GUARD_LANG_SQL,
	GUARD_LANG_JS,     /* .ts .js .mjs .cjs .tsx .jsx */
	GUARD_LANG_PY,
	GUARD_LANG_RB,
	GUARD_LANG_GO,
};

enum guard_lang guard_lang_of(const char *path);

/* One string literal that holds SQL, with its position in the file. */
struct guard_literal {
	const char *text;         /* arena; placeholders for interpolations */
	size_t len;
	size_t off;               /* in the source file */
	int line;                 /* 1-based line of the literal's first byte of text */
	int in_down;              /* inside a down/downgrade/rollback function */
};

/*
 * Find the SQL string literals of a source file.  *out is an arena array.
 */
void guard_find_literals(struct guard *g, enum guard_lang lang,
			 const char *src, size_t len,
			 struct guard_literal **out, size_t *count);

/*
 * Rails and Alembic schema calls (add_index, op.alter_column, ...) as the
 * SQL they issue, one "literal" per call (dsl.c).  *out is an arena array.
 */
void guard_find_dsl(struct guard *g, enum guard_lang lang, const char *src, size_t len,
		    struct guard_literal **out, size_t *count);

#endif
