/* SPDX-License-Identifier: MIT */
/*
 * extract.c - find the SQL a shell command sends to a database.
 *
 * Input is a parsed command (shell.c); output is what the guard collects
 * (guard.h): SQL texts per client with the dialect the client names, and
 * notes for what cannot be known before the command runs.  The walk
 * follows what the shell would do: wrappers (sudo, env, timeout, ssh,
 * docker exec, kubectl exec, bash -c, eval, ...) are peeled off to find
 * the real program, standard input is traced through pipes, heredocs,
 * here-strings and redirections back to the text or file it comes from,
 * and cd changes the directory that later relative paths resolve against.
 *
 * Text that is only mentioned (grep patterns, commit messages, echo into
 * a file) never reaches a client and so is never linted.
 */
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guard.h"
#include "shell.h"

#define PLACEHOLDER "zdm_var_"

/* Text being assembled, with what in it is only known at run time. */
struct text {
	struct zdm_buf b;
	const char *dyn;       /* the first run-time part, as written */
	const char *unknown;   /* the whole text is unknown: why */
	const char *dump;      /* pg_dump --clean / mysqldump output: which */
	const char **vars;     /* placeholder N -> the expansion as written */
	size_t nvars, capvars;
};

struct ctx {
	struct guard *g;
	const struct zdm_sh_script *sc;
	const char *cwd;       /* NULL: not known (cd $X) */
	const char *where;     /* "ssh db1", "docker exec pg": files are not ours */
	const char *shell_where; /* where the shell itself runs (redirections) */
	const char *shell_cwd;   /* and its directory */
	/*
	 * The stdin of the command that runs this script (ssh host 'psql',
	 * bash -c 'psql' fed by a pipe or a heredoc): what a command of
	 * this script reads when it has no input of its own.  NULL: none.
	 */
	const struct text *outer_in;
};

/* How the guard sees one simple command once wrappers are peeled off. */
struct run {
	const struct zdm_sh_word *const *argv;
	size_t argc, i;        /* argv[i] is the program */
	const char *cwd;
	const char *where;
	int xargs;             /* xargs adds arguments at run time */
	int bg_stdin;          /* stdin is not ours (remote and no redirect) */
};

enum input { IN_NONE, IN_KNOWN, IN_UNKNOWN };

static void run_script(struct ctx *parent, const char *src, size_t len,
		       const char *cwd, const char *where);
static void run_script_fed(struct ctx *parent, size_t idx, const char *src, size_t len,
			   const char *cwd, const char *where);
static enum input cmd_stdin(struct ctx *c, size_t idx, struct text *t);
static void cmd_output(struct ctx *c, size_t idx, struct text *t);

/* ---- text helpers ----------------------------------------------------- */

static void text_release(struct text *t)
{
	zdm_buf_release(&t->b);
	free(t->vars);
	memset(t, 0, sizeof(*t));
}

static void text_unknown(struct text *t, const char *why)
{
	if (!t->unknown)
		t->unknown = why;
}

static void text_var(struct ctx *c, struct text *t, const char *as_written)
{
	if (t->nvars == t->capvars) {
		t->capvars = t->capvars ? t->capvars * 2 : 4;
		t->vars = zdm_xrealloc(t->vars, t->capvars * sizeof(*t->vars));
	}
	t->vars[t->nvars++] = as_written;
	zdm_buf_addf(&t->b, PLACEHOLDER "%zu", t->nvars);
	if (!t->dyn)
		t->dyn = as_written;
}

/* Append another text's content (and its unknowns) to t. */
static void text_cat(struct ctx *c, struct text *t, const struct text *u)
{
	size_t k;
	const char *p = u->b.data, *end = p ? p + u->b.len : NULL;

	if (u->unknown)
		text_unknown(t, u->unknown);
	if (u->dump && !t->dump)
		t->dump = u->dump;
	if (!u->nvars) {
		zdm_buf_add(&t->b, u->b.data ? u->b.data : "", u->b.len);
		return;
	}
	/* renumber u's placeholders */
	while (p && p < end) {
		const char *q = strstr(p, PLACEHOLDER);
		if (!q || q >= end) {
			zdm_buf_add(&t->b, p, (size_t)(end - p));
			break;
		}
		zdm_buf_add(&t->b, p, (size_t)(q - p));
		q += strlen(PLACEHOLDER);
		k = (size_t)strtoul(q, (char **)&p, 10);
		if (k >= 1 && k <= u->nvars)
			text_var(c, t, u->vars[k - 1]);
	}
}

static int is_static(const struct zdm_sh_word *w)
{
	return w && !w->nexps;
}

/* ---- paths ------------------------------------------------------------- */

/*
 * Resolve a file word against the directory; NULL with *why when it can
 * only be known at run time.
 */
static const char *resolve(struct ctx *c, const struct zdm_sh_word *w,
			   const char *cwd, const char **why)
{
	struct guard *g = c->g;

	if (!w) {
		*why = "no file name given";
		return NULL;
	}
	if (!is_static(w)) {
		*why = guard_strf(g, "the file name %s is computed at run time",
				  w->text);
		return NULL;
	}
	if (c->where) {
		*why = guard_strf(g, "'%s' is a file inside %s, which zdm cannot read",
				  w->text, c->where);
		return NULL;
	}
	if (w->text[0] != '/' && !(w->text[0] == '~' && g->home) && !cwd) {
		*why = guard_strf(g, "'%s' is relative to a directory computed at run time",
				  w->text);
		return NULL;
	}
	return guard_path(g, cwd, w->text);
}

/* Expand a glob word into paths (sorted); returns the count (0: none). */
static size_t expand_paths(struct ctx *c, const struct zdm_sh_word *w,
			   const char *cwd, const char ***out, const char **why)
{
	struct guard *g = c->g;
	const char *p = resolve(c, w, cwd, why);
	glob_t gl;
	const char **v;
	size_t k, n;

	*out = NULL;
	if (!p)
		return 0;
	if (!(w->flags & ZDM_SH_W_GLOB)) {
		v = zdm_arena_alloc(&g->arena, sizeof(*v));
		v[0] = p;
		*out = v;
		return 1;
	}
	if (glob(p, GLOB_NOSORT, NULL, &gl) != 0) {
		*why = guard_strf(g, "no file matches '%s'", w->text);
		return 0;
	}
	n = gl.gl_pathc < GUARD_MAX_FILES ? gl.gl_pathc : GUARD_MAX_FILES;
	v = zdm_arena_alloc(&g->arena, (n ? n : 1) * sizeof(*v));
	for (k = 0; k < n; k++)
		v[k] = zdm_arena_strdup(&g->arena, gl.gl_pathv[k]);
	globfree(&gl);
	/* the shell sorts matches; so do we, for a stable order */
	for (k = 1; k < n; k++) {
		const char *x = v[k];
		size_t j = k;
		while (j && strcmp(v[j - 1], x) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
	*out = v;
	return n;
}

static const char *dirname_of(struct guard *g, const char *path)
{
	const char *s = strrchr(path, '/');

	if (!s)
		return ".";
	if (s == path)
		return "/";
	return zdm_arena_strndup(&g->arena, path, (size_t)(s - path));
}

/* Read a file into t; on failure t becomes unknown with the reason. */
static int read_into(struct ctx *c, const char *path, struct text *t)
{
	const char *data;
	size_t len;
	enum guard_read r = guard_read(c->g, path, GUARD_FILE_MAX, &data, &len);

	if (r != GUARD_READ_OK) {
		text_unknown(t, guard_read_why(c->g, r, path));
		return 0;
	}
	zdm_buf_add(&t->b, data, len);
	return 1;
}

/* ---- words to text ---------------------------------------------------- */

static void script_output(struct ctx *c, const char *src, struct text *t);

/*
 * Append a word's text with expansions resolved where the guard can:
 * $(cat FILE), $(echo ...), $(<FILE); anything else becomes a
 * placeholder recorded as run-time text.
 */
static void word_text(struct ctx *c, const struct zdm_sh_word *w, struct text *t)
{
	size_t pos = 0, k;

	for (k = 0; k < w->nexps; k++) {
		const struct zdm_sh_exp *e = &w->exps[k];
		const char *as = zdm_arena_strndup(&c->g->arena, w->text + e->off, e->len);

		/* expansions are in order and apart; never trust it with a length */
		if (e->off > pos)
			zdm_buf_add(&t->b, w->text + pos, e->off - pos);
		if (e->off + e->len > pos)
			pos = e->off + e->len;
		if (e->kind == ZDM_SH_CMDSUB && e->inner && c->g->depth < GUARD_MAX_DEPTH) {
			struct text u;
			memset(&u, 0, sizeof(u));
			script_output(c, e->inner, &u);
			if (u.unknown)
				text_var(c, t, as);
			else {
				/* command substitution drops trailing newlines */
				while (u.b.len && u.b.data[u.b.len - 1] == '\n')
					u.b.len--;
				text_cat(c, t, &u);
			}
			text_release(&u);
			continue;
		}
		text_var(c, t, as);
	}
	if (w->len > pos)
		zdm_buf_add(&t->b, w->text + pos, w->len - pos);
}

/* ---- names ------------------------------------------------------------ */

enum client {
	CL_NONE, CL_PSQL, CL_SQLITE, CL_MYSQL, CL_DROPDB, CL_PG_RESTORE,
	CL_MYSQLADMIN, CL_DBSHELL, CL_HEROKU,
};

static const struct {
	const char *name;
	enum client cl;
} clients[] = {
	{ "psql", CL_PSQL }, { "pgcli", CL_PSQL },
	{ "sqlite3", CL_SQLITE }, { "sqlite", CL_SQLITE }, { "litecli", CL_SQLITE },
	{ "mysql", CL_MYSQL }, { "mariadb", CL_MYSQL }, { "mycli", CL_MYSQL },
	{ "dropdb", CL_DROPDB }, { "pg_restore", CL_PG_RESTORE },
	{ "mysqladmin", CL_MYSQLADMIN }, { "mariadb-admin", CL_MYSQLADMIN },
	{ NULL, CL_NONE },
};

static enum client client_of(const char *name)
{
	int k;

	for (k = 0; clients[k].name; k++)
		if (!strcmp(name, clients[k].name))
			return clients[k].cl;
	return CL_NONE;
}

/*
 * The program a word names.  A dynamic word is resolved when it is
 * $(which X) / $(command -v X), or names a client ($PSQL, ${MYSQL_BIN}).
 */
static const char *prog_name(struct ctx *c, const struct zdm_sh_word *w)
{
	struct guard *g = c->g;
	const char *s;
	int k;

	if (is_static(w)) {
		s = guard_basename(g, w->text);
		/* PowerShell is case-insensitive; names here are ASCII */
		if (g->powershell) {
			char *l = zdm_arena_strdup(&g->arena, s);
			for (char *p = l; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p += 32;
			s = l;
		}
		return s;
	}
	if (w->nexps == 1 && w->exps[0].kind == ZDM_SH_CMDSUB && w->exps[0].inner) {
		struct zdm_sh_script sc = ZDM_SH_SCRIPT_INIT;
		const char *in = w->exps[0].inner;
		const char *r = NULL;
		zdm_sh_parse(in, strlen(in), 0, &sc);
		if (sc.ncmds == 1 && sc.cmds[0].argc >= 2) {
			const struct zdm_sh_cmd *k0 = &sc.cmds[0];
			const char *p0 = k0->argv[0]->text;
			const struct zdm_sh_word *last = k0->argv[k0->argc - 1];
			if ((!strcmp(p0, "which") || !strcmp(p0, "command") ||
			     !strcmp(p0, "type")) && is_static(last))
				r = guard_basename(g, zdm_arena_strdup(&g->arena, last->text));
		}
		zdm_sh_script_release(&sc);
		if (r)
			return r;
	}
	/* $PSQL, ${PSQL_BIN}: a variable named after a client */
	for (k = 0; clients[k].name; k++) {
		size_t n = strlen(clients[k].name);
		for (s = w->text; *s; s++)
			if (!strncasecmp(s, clients[k].name, n))
				return clients[k].name;
	}
	return "";
}

/* ---- standard input and output ---------------------------------------- */

/* The expansion rules of echo -e and printf's format: \n \t \\ \0NNN. */
static void add_escaped(struct zdm_buf *b, const char *s, size_t n, int *stop)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char ch = s[i];
		if (ch != '\\' || i + 1 >= n) {
			zdm_buf_addc(b, ch);
			continue;
		}
		ch = s[++i];
		switch (ch) {
		case 'n': zdm_buf_addc(b, '\n'); break;
		case 't': zdm_buf_addc(b, '\t'); break;
		case 'r': zdm_buf_addc(b, '\r'); break;
		case '\\': zdm_buf_addc(b, '\\'); break;
		case 'c': if (stop) *stop = 1; return;
		default: zdm_buf_addc(b, '\\'); zdm_buf_addc(b, ch);
		}
	}
}

static void out_echo(struct ctx *c, const struct run *r, struct text *t)
{
	size_t k = r->i + 1;
	int newline = 1, esc = 0, first = 1, stop = 0;

	for (; k < r->argc; k++) {
		const char *a = r->argv[k]->text;
		size_t j;
		if (a[0] != '-' || !a[1] || !is_static(r->argv[k]))
			break;
		for (j = 1; a[j] && strchr("neE", a[j]); j++)
			;
		if (a[j])
			break;
		for (j = 1; a[j]; j++) {
			if (a[j] == 'n')
				newline = 0;
			else if (a[j] == 'e')
				esc = 1;
			else
				esc = 0;
		}
	}
	for (; k < r->argc && !stop; k++) {
		struct text u;
		if (!first)
			zdm_buf_addc(&t->b, ' ');
		first = 0;
		memset(&u, 0, sizeof(u));
		word_text(c, r->argv[k], &u);
		if (esc) {
			struct zdm_buf e = ZDM_BUF_INIT;
			add_escaped(&e, u.b.data ? u.b.data : "", u.b.len, &stop);
			zdm_buf_reset(&u.b);
			zdm_buf_add(&u.b, e.data ? e.data : "", e.len);
			zdm_buf_release(&e);
		}
		text_cat(c, t, &u);
		text_release(&u);
	}
	if (newline && !stop)
		zdm_buf_addc(&t->b, '\n');
}

static void out_printf(struct ctx *c, const struct run *r, struct text *t)
{
	size_t k = r->i + 1, arg;
	struct text fmt;
	int used, stop = 0, rounds = 0;

	if (k < r->argc && is_static(r->argv[k]) && !strcmp(r->argv[k]->text, "-v"))
		return;  /* printf -v var: no output */
	if (k < r->argc && is_static(r->argv[k]) && !strcmp(r->argv[k]->text, "--"))
		k++;
	if (k >= r->argc)
		return;
	memset(&fmt, 0, sizeof(fmt));
	word_text(c, r->argv[k], &fmt);
	arg = k + 1;
	do {
		const char *f = fmt.b.data ? fmt.b.data : "";
		size_t n = fmt.b.len, i;
		used = 0;
		for (i = 0; i < n && !stop; i++) {
			if (f[i] == '\\') {
				size_t j = i + 1;
				add_escaped(&t->b, f + i, j < n ? 2 : 1, &stop);
				i = j;
				continue;
			}
			if (f[i] != '%' || i + 1 >= n) {
				zdm_buf_addc(&t->b, f[i]);
				continue;
			}
			i++;
			while (i < n && strchr("-+ #0123456789.", f[i]))
				i++;
			if (i >= n)
				break;
			if (f[i] == '%') {
				zdm_buf_addc(&t->b, '%');
				continue;
			}
			used = 1;
			if (arg < r->argc) {
				struct text u;
				memset(&u, 0, sizeof(u));
				word_text(c, r->argv[arg++], &u);
				if (f[i] == 'b') {
					struct zdm_buf e = ZDM_BUF_INIT;
					add_escaped(&e, u.b.data ? u.b.data : "", u.b.len, &stop);
					zdm_buf_reset(&u.b);
					zdm_buf_add(&u.b, e.data ? e.data : "", e.len);
					zdm_buf_release(&e);
				}
				text_cat(c, t, &u);
				text_release(&u);
			}
		}
	} while (used && arg < r->argc && !stop && ++rounds < 1000);
	if (fmt.unknown)
		text_unknown(t, fmt.unknown);
	text_release(&fmt);
}

/* cat-like: files given as arguments ("-" is stdin), or stdin. */
static void out_files(struct ctx *c, size_t idx, const struct run *r,
		      struct text *t, size_t first_operand)
{
	size_t k;
	int any = 0, opts = 1;

	for (k = first_operand; k < r->argc; k++) {
		const struct zdm_sh_word *w = r->argv[k];
		const char **paths, *why;
		size_t n, j;

		if (opts && is_static(w) && w->text[0] == '-' && w->text[1]) {
			if (!strcmp(w->text, "--"))
				opts = 0;
			continue;
		}
		any = 1;
		if (is_static(w) && !strcmp(w->text, "-")) {
			struct text u;
			memset(&u, 0, sizeof(u));
			if (cmd_stdin(c, idx, &u) == IN_KNOWN)
				text_cat(c, t, &u);
			else
				text_unknown(t, u.unknown ? u.unknown : "standard input");
			text_release(&u);
			continue;
		}
		n = expand_paths(c, w, r->cwd, &paths, &why);
		if (!n) {
			text_unknown(t, why);
			continue;
		}
		for (j = 0; j < n; j++)
			read_into(c, paths[j], t);
	}
	if (!any) {
		struct text u;
		memset(&u, 0, sizeof(u));
		if (cmd_stdin(c, idx, &u) != IN_NONE)
			text_cat(c, t, &u);
		text_release(&u);
	}
}

static int has_opt(const struct run *r, const char *shortset, const char *longopt)
{
	size_t k;

	for (k = r->i + 1; k < r->argc; k++) {
		const char *a = r->argv[k]->text;
		if (longopt && !strcmp(a, longopt))
			return 1;
		if (shortset && a[0] == '-' && a[1] != '-' && a[1]) {
			const char *p;
			for (p = shortset; *p; p++)
				if (strchr(a + 1, *p))
					return 1;
		}
	}
	return 0;
}

static int peel(struct ctx *c, const struct zdm_sh_cmd *cmd, struct run *r, int act);

/* What the command at idx writes to its standard output. */
static void cmd_output(struct ctx *c, size_t idx, struct text *t)
{
	const struct zdm_sh_cmd *cmd = &c->sc->cmds[idx];
	struct run r;
	const char *p;

	if (!peel(c, cmd, &r, 0)) {
		if (r.i < r.argc || cmd->nassign < cmd->argc)
			text_unknown(t, "the output of a command zdm cannot follow");
		return;
	}
	p = prog_name(c, r.argv[r.i]);
	if (!strcmp(p, "echo") || !strcmp(p, "write-output")) {
		out_echo(c, &r, t);
	} else if (!strcmp(p, "printf")) {
		out_printf(c, &r, t);
	} else if (!strcmp(p, "cat") || !strcmp(p, "get-content") ||
		   !strcmp(p, "gc") || !strcmp(p, "type") || !strcmp(p, "tac")) {
		out_files(c, idx, &r, t, r.i + 1);
	} else if (!strcmp(p, "tee") || !strcmp(p, "head") || !strcmp(p, "tail") ||
		   !strcmp(p, "sort") || !strcmp(p, "uniq") || !strcmp(p, "cat-file")) {
		/* output is (a part of) the input */
		if (!strcmp(p, "tee")) {
			struct text u;
			memset(&u, 0, sizeof(u));
			cmd_stdin(c, idx, &u);
			text_cat(c, t, &u);
			text_release(&u);
		} else {
			out_files(c, idx, &r, t, r.i + 1);
		}
	} else if (!strcmp(p, "grep") || !strcmp(p, "egrep") || !strcmp(p, "fgrep") ||
		   !strcmp(p, "rg")) {
		/* a subset of the input: judging all of it errs on the safe side */
		size_t k = r.i + 1;
		while (k < r.argc && r.argv[k]->text[0] == '-')
			k++;
		out_files(c, idx, &r, t, k + 1);
	} else if (!strcmp(p, "pg_dump") || !strcmp(p, "pg_dumpall")) {
		if (has_opt(&r, "c", "--clean"))
			t->dump = "pg_dump --clean";
	} else if (!strcmp(p, "mysqldump") || !strcmp(p, "mariadb-dump")) {
		if (!has_opt(&r, "t", "--no-create-info") &&
		    !has_opt(&r, NULL, "--skip-add-drop-table"))
			t->dump = "mysqldump (adds DROP TABLE by default)";
	} else if (client_of(p) == CL_SQLITE && has_opt(&r, NULL, ".dump")) {
		/* sqlite3 db .dump: CREATE and INSERT statements */
	} else if (!strcmp(p, "true") || !strcmp(p, ":") || !strcmp(p, "cd") ||
		   !strcmp(p, "export") || !strcmp(p, "set")) {
		/* no output */
	} else {
		text_unknown(t, guard_strf(c->g, "the output of '%s' is only known when it runs",
					   guard_short(c->g, p, strlen(p), 40)));
	}
}

/* The output of a whole script, e.g. the inside of $(...). */
static void script_output(struct ctx *c, const char *src, struct text *t)
{
	struct zdm_sh_script sc = ZDM_SH_SCRIPT_INIT;
	struct ctx sub = *c;
	size_t k;

	c->g->depth++;
	zdm_sh_parse(src, strlen(src), c->g->powershell ? ZDM_SH_POWERSHELL : 0, &sc);
	sub.sc = &sc;
	for (k = 0; k < sc.ncmds; k++) {
		const struct zdm_sh_cmd *cmd = &sc.cmds[k];
		size_t j;
		int redirected = 0;
		if (cmd->conn == ZDM_SH_PIPE)
			continue;
		for (j = 0; j < cmd->nredirs; j++)
			if (cmd->redirs[j].fd == 1 &&
			    (cmd->redirs[j].kind == ZDM_SH_R_OUT ||
			     cmd->redirs[j].kind == ZDM_SH_R_APPEND))
				redirected = 1;
		if (redirected)
			continue;
		/* $(< FILE) */
		if (cmd->argc == 0 && cmd->nredirs == 1 &&
		    cmd->redirs[0].kind == ZDM_SH_R_IN) {
			const char *why;
			const char *path = resolve(&sub, cmd->redirs[0].target, sub.cwd, &why);
			if (path)
				read_into(&sub, path, t);
			else
				text_unknown(t, why);
			continue;
		}
		cmd_output(&sub, k, t);
	}
	zdm_sh_script_release(&sc);
	c->g->depth--;
}

/*
 * What the command at idx reads on standard input: the last < / << / <<<
 * redirection, else the pipe, else nothing (the terminal).
 */
static enum input cmd_stdin(struct ctx *cr, size_t idx, struct text *t)
{
	/* redirections and pipes are the local shell's, not the wrapped program's */
	struct ctx local = *cr, *c = &local;
	const struct zdm_sh_cmd *cmd = &c->sc->cmds[idx];
	const struct zdm_sh_redir *in = NULL;
	size_t k;

	for (k = 0; k < cmd->nredirs; k++) {
		const struct zdm_sh_redir *r = &cmd->redirs[k];
		if (r->fd == 0 && (r->kind == ZDM_SH_R_IN || r->kind == ZDM_SH_R_HEREDOC ||
				   r->kind == ZDM_SH_R_HERESTRING || r->kind == ZDM_SH_R_INOUT))
			in = r;
	}
	local.cwd = cr->shell_cwd;
	local.where = cr->shell_where;
	if (in) {
		if (in->kind == ZDM_SH_R_HEREDOC) {
			if (!in->body)
				return IN_NONE;
			if (in->literal)
				zdm_buf_add(&t->b, in->body->text, in->body->len);
			else
				word_text(c, in->body, t);
		} else if (in->kind == ZDM_SH_R_HERESTRING) {
			if (in->target)
				word_text(c, in->target, t);
			zdm_buf_addc(&t->b, '\n');
		} else {
			const char *why;
			const char *path = resolve(c, in->target, c->cwd, &why);
			if (!path) {
				text_unknown(t, why);
				return IN_UNKNOWN;
			}
			if (!strcmp(path, "/dev/null"))
				return IN_NONE;
			if (!read_into(c, path, t))
				return IN_UNKNOWN;
		}
		return t->unknown ? IN_UNKNOWN : IN_KNOWN;
	}
	if (cmd->pipe_first >= 0) {
		int j;
		if (c->g->pipe_depth >= GUARD_MAX_PIPE) {
			text_unknown(t, "the pipeline is too long for zdm to follow");
			return IN_UNKNOWN;
		}
		c->g->pipe_depth++;
		for (j = cmd->pipe_first; j <= cmd->pipe_last && j < (int)idx; j++)
			cmd_output(c, (size_t)j, t);
		c->g->pipe_depth--;
		return t->unknown ? IN_UNKNOWN : IN_KNOWN;
	}
	if (cr->outer_in) {
		text_cat(c, t, cr->outer_in);
		return t->unknown ? IN_UNKNOWN : IN_KNOWN;
	}
	return IN_NONE;
}

/* ---- wrappers ---------------------------------------------------------- */

/* Skip options of a wrapper: those in argopts take a value. */
static size_t skip_opts(const struct run *r, size_t k, const char *argopts,
			const char *const *longargs)
{
	while (k < r->argc) {
		const char *a = r->argv[k]->text;
		size_t n;
		int takes = 0, j;

		if (a[0] != '-' || !a[1])
			break;
		if (!strcmp(a, "--"))
			return k + 1;
		if (a[1] == '-') {
			for (j = 0; longargs && longargs[j]; j++)
				if (!strcmp(a, longargs[j]))
					takes = 1;
			k += 1 + (size_t)takes;
			continue;
		}
		n = strlen(a);
		/* -uUSER or -u USER: the last letter may take the next word */
		for (j = 1; j < (int)n; j++) {
			if (argopts && strchr(argopts, a[j])) {
				takes = j == (int)n - 1;
				break;
			}
		}
		k += 1 + (size_t)takes;
	}
	return k;
}

static const char *opt_value(const struct run *r, size_t k, const char *opt)
{
	const char *a = r->argv[k]->text;
	size_t n = strlen(opt);

	if (!strncmp(a, opt, n)) {
		if (a[n] == '=')
			return a + n + 1;
		if (!a[n] && k + 1 < r->argc)
			return r->argv[k + 1]->text;
		if (!a[n])
			return NULL;
		if (opt[1] != '-')
			return a + n;
	}
	return NULL;
}

/* Join words from k on with spaces, as ssh and eval do. */
static const char *join_words(struct ctx *c, const struct run *r, size_t k)
{
	struct zdm_buf b = ZDM_BUF_INIT;
	const char *s;

	for (; k < r->argc; k++) {
		if (b.len)
			zdm_buf_addc(&b, ' ');
		zdm_buf_adds(&b, r->argv[k]->text);
	}
	s = zdm_arena_strndup(&c->g->arena, b.data ? b.data : "", b.len);
	zdm_buf_release(&b);
	return s;
}

/* Find "--" after k followed by a word; returns the index after it or 0. */
static size_t after_dashdash(const struct run *r, size_t k)
{
	for (; k < r->argc; k++)
		if (is_static(r->argv[k]) && !strcmp(r->argv[k]->text, "--"))
			return k + 1 < r->argc ? k + 1 : 0;
	return 0;
}

static int is_shell(const char *p)
{
	static const char *const shells[] = {
		"sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish",
		"pwsh", "powershell", NULL
	};
	int k;

	for (k = 0; shells[k]; k++)
		if (!strcmp(p, shells[k]))
			return 1;
	return 0;
}

static void run_shell(struct ctx *c, size_t idx, struct run *r);

/*
 * Peel wrappers off cmd.  Returns 1 with r->i on the real program, 0 when
 * the command runs nothing (an assignment only, a wrapper that was handled
 * by recursion, command -v ...).
 */
static int peel(struct ctx *c, const struct zdm_sh_cmd *cmd, struct run *r, int act)
{
	const size_t idx = (size_t)(cmd - c->sc->cmds);   /* for run_script_fed */
	static const char *const sudo_long[] = {
		"--user", "--group", "--host", "--prompt", "--role", "--type",
		"--other-user", "--close-from", "--chdir", "--command-timeout", NULL
	};
	static const char *const docker_exec_long[] = {
		"--env", "--env-file", "--user", "--workdir", "--detach-keys", NULL
	};
	static const char *const docker_run_long[] = {
		"--env", "--env-file", "--user", "--workdir", "--volume", "--publish",
		"--name", "--network", "--net", "--entrypoint", "--label", "--mount",
		"--platform", "--hostname", "--add-host", "--cpus", "--memory",
		"--restart", "--link", "--volumes-from", "--pull", "--index", NULL
	};
	static const char *const kubectl_long[] = {
		"--container", "--namespace", "--context", "--kubeconfig",
		"--cluster", "--user", "--pod-running-timeout", NULL
	};
	int rounds = 0;

	memset(r, 0, sizeof(*r));
	r->argv = cmd->argv;
	r->argc = cmd->argc;
	r->i = cmd->nassign;
	r->cwd = c->cwd;
	r->where = c->where;

	while (r->i < r->argc && rounds++ < 16) {
		const char *p = prog_name(c, r->argv[r->i]);
		size_t k = r->i + 1;

		if (!strcmp(p, "sudo") || !strcmp(p, "doas")) {
			size_t j;
			for (j = k; j < r->argc && r->argv[j]->text[0] == '-'; j++) {
				const char *d = opt_value(r, j, "-D");
				if (!d)
					d = opt_value(r, j, "--chdir");
				if (d && is_static(r->argv[j]))
					r->cwd = guard_path(c->g, r->cwd, d);
			}
			r->i = skip_opts(r, k, "ugCDprtUTh", sudo_long);
			continue;
		}
		if (!strcmp(p, "env")) {
			static const char *const env_long[] = {
				"--unset", "--chdir", "--split-string", NULL
			};
			size_t j = k;
			while (j < r->argc) {
				const char *a = r->argv[j]->text;
				const char *v;
				if ((v = opt_value(r, j, "-S")) || (v = opt_value(r, j, "--split-string"))) {
					/* env -S "psql -c ..." rest: the string is split into words */
					const char *rest = join_words(c, r, j + 1 + (strchr(a, '=') || a[2] ? 0 : 1));
					const char *s = guard_strf(c->g, "%s %s", v, rest);
					if (act) run_script_fed(c, idx, s, strlen(s), r->cwd, r->where);
					return 0;
				}
				if ((v = opt_value(r, j, "-C")) || (v = opt_value(r, j, "--chdir")))
					r->cwd = guard_path(c->g, r->cwd, v);
				if (a[0] == '-' && a[1]) {
					j = skip_opts(r, j, "uC", env_long);
					continue;
				}
				if (zdm_sh_word_is_assign(r->argv[j])) {
					j++;
					continue;
				}
				break;
			}
			r->i = j;
			continue;
		}
		if (!strcmp(p, "timeout")) {
			static const char *const to_long[] = { "--signal", "--kill-after", NULL };
			k = skip_opts(r, k, "sk", to_long);
			r->i = k + 1;  /* the duration */
			continue;
		}
		if (!strcmp(p, "nice") || !strcmp(p, "ionice") || !strcmp(p, "chrt") ||
		    !strcmp(p, "stdbuf") || !strcmp(p, "setsid") || !strcmp(p, "nohup") ||
		    !strcmp(p, "time") || !strcmp(p, "builtin") || !strcmp(p, "exec") ||
		    !strcmp(p, "chronic") || !strcmp(p, "unbuffer") || !strcmp(p, "caffeinate") ||
		    !strcmp(p, "command") || !strcmp(p, "noglob") || !strcmp(p, "nocorrect")) {
			static const char *const long_[] = {
				"--adjustment", "--class", "--classdata", "--input",
				"--output", "--error", "--format", NULL
			};
			if (!strcmp(p, "command") && has_opt(r, "vV", NULL))
				return 0;
			if (!strcmp(p, "ionice") && has_opt(r, "p", NULL))
				return 0;
			r->i = skip_opts(r, k, "ncioefa", long_);
			continue;
		}
		if (!strcmp(p, "xargs")) {
			static const char *const x_long[] = {
				"--max-args", "--replace", "--max-lines", "--delimiter",
				"--max-procs", "--max-chars", "--eof", "--arg-file", NULL
			};
			r->i = skip_opts(r, k, "nILdPsEa", x_long);
			r->xargs = 1;
			continue;
		}
		if (!strcmp(p, "watch")) {
			static const char *const w_long[] = { "--interval", NULL };
			const char *s;
			k = skip_opts(r, k, "n", w_long);
			s = join_words(c, r, k);
			if (act) run_script(c, s, strlen(s), r->cwd, r->where);
			return 0;
		}
		if (!strcmp(p, "flock")) {
			size_t j;
			for (j = k; j < r->argc; j++) {
				const char *v = opt_value(r, j, "-c");
				if (!v)
					v = opt_value(r, j, "--command");
				if (v) {
					if (act) run_script_fed(c, idx, v, strlen(v), r->cwd, r->where);
					return 0;
				}
			}
			k = skip_opts(r, k, "wE", NULL);
			r->i = k + 1;  /* the lock file */
			continue;
		}
		if (!strcmp(p, "su") || !strcmp(p, "runuser")) {
			size_t j;
			for (j = k; j < r->argc; j++) {
				const char *v = opt_value(r, j, "-c");
				if (!v)
					v = opt_value(r, j, "--command");
				if (v) {
					if (act) run_script_fed(c, idx, v, strlen(v), r->cwd, r->where);
					return 0;
				}
			}
			j = after_dashdash(r, k);
			if (!j)
				return 0;
			r->i = j;
			continue;
		}
		if (!strcmp(p, "ssh")) {
			size_t j = skip_opts(r, k, "bcDEeFIiJLlmOopQRSWw", NULL);
			const char *host, *s;
			if (j >= r->argc)
				return 0;
			host = r->argv[j]->text;
			r->where = guard_strf(c->g, "ssh %s", guard_short(c->g, host, strlen(host), 40));
			if (j + 1 < r->argc) {
				s = join_words(c, r, j + 1);
				/* echo SQL | ssh host psql: the remote psql reads our stdin */
				if (act) run_script_fed(c, idx, s, strlen(s), NULL, r->where);
			} else {
				/* ssh host <<EOF ... EOF: the remote shell reads stdin */
				struct text u;
				memset(&u, 0, sizeof(u));
				if (c->sc && cmd_stdin(c, (size_t)(cmd - c->sc->cmds), &u) == IN_KNOWN)
					if (act) run_script(c, u.b.data ? u.b.data : "", u.b.len, NULL, r->where);
				text_release(&u);
			}
			return 0;
		}
		if (!strcmp(p, "docker") || !strcmp(p, "podman") || !strcmp(p, "nerdctl") ||
		    !strcmp(p, "docker-compose") || !strcmp(p, "podman-compose")) {
			size_t j = k;
			const char *sub;
			int compose = !strcmp(p, "docker-compose") || !strcmp(p, "podman-compose");
			/* global options before the subcommand */
			while (j < r->argc && r->argv[j]->text[0] == '-') {
				const char *a = r->argv[j]->text;
				j += (!strchr(a, '=') && (!strcmp(a, "-f") || !strcmp(a, "--file") ||
						       !strcmp(a, "-p") || !strcmp(a, "--project-name") ||
						       !strcmp(a, "-H") || !strcmp(a, "--host") ||
						       !strcmp(a, "--context") || !strcmp(a, "-c") ||
						       !strcmp(a, "--env-file") || !strcmp(a, "--profile"))) ? 2 : 1;
			}
			if (j < r->argc && !strcmp(r->argv[j]->text, "compose")) {
				compose = 1;
				j++;
				while (j < r->argc && r->argv[j]->text[0] == '-') {
					const char *a = r->argv[j]->text;
					j += (!strchr(a, '=') && (!strcmp(a, "-f") || !strcmp(a, "--file") ||
							       !strcmp(a, "-p") || !strcmp(a, "--project-name") ||
							       !strcmp(a, "--env-file") || !strcmp(a, "--profile"))) ? 2 : 1;
				}
			}
			if (j >= r->argc)
				return 0;
			sub = r->argv[j]->text;
			if (!strcmp(sub, "container") && j + 1 < r->argc)
				sub = r->argv[++j]->text;
			if (strcmp(sub, "exec") && strcmp(sub, "run"))
				return 0;
			j = skip_opts(r, j + 1, !strcmp(sub, "exec") ? "euw" : "euwvplhm",
				      !strcmp(sub, "exec") ? docker_exec_long : docker_run_long);
			if (j >= r->argc)
				return 0;
			r->where = guard_strf(c->g, "%s %s %s", compose ? "docker compose" : p,
					      sub, guard_short(c->g, r->argv[j]->text,
							       strlen(r->argv[j]->text), 40));
			r->cwd = NULL;
			r->i = j + 1;
			continue;
		}
		if (!strcmp(p, "kubectl") || !strcmp(p, "oc")) {
			size_t j = after_dashdash(r, k);
			if (k >= r->argc || (strcmp(r->argv[k]->text, "exec") &&
					     strcmp(r->argv[k]->text, "run")))
				return 0;
			if (!j) {
				/* kubectl exec POD cmd (the old form) */
				j = skip_opts(r, k + 1, "cnf", kubectl_long);
				j++;
				if (j >= r->argc)
					return 0;
			}
			r->where = guard_strf(c->g, "kubectl %s", r->argv[k]->text);
			r->cwd = NULL;
			r->i = j;
			continue;
		}
		if (!strcmp(p, "eval")) {
			const char *s = join_words(c, r, k);
			if (act) run_script_fed(c, idx, s, strlen(s), r->cwd, r->where);
			return 0;
		}
		if (is_shell(p)) {
			if (act) run_shell(c, (size_t)(cmd - c->sc->cmds), r);
			return 0;
		}
		if ((!strcmp(p, "heroku") && k < r->argc &&
		     !strcmp(r->argv[k]->text, "pg:psql"))) {
			return 1;
		}
		if (client_of(p) != CL_NONE)
			return 1;
		/* doppler run --, op run --, aws-vault exec x --, dotenv --, npx -- */
		{
			size_t j = after_dashdash(r, k);
			if (j && j > r->i) {
				const char *q = prog_name(c, r->argv[j]);
				if (client_of(q) != CL_NONE || is_shell(q)) {
					r->i = j;
					continue;
				}
			}
		}
		return 1;
	}
	return r->i < r->argc;
}

/* bash/sh [-opts] -c SCRIPT | FILE | (stdin) */
static void run_shell(struct ctx *c, size_t idx, struct run *r)
{
	size_t k = r->i + 1;
	int dash_c = 0;

	for (; k < r->argc; k++) {
		const char *a = r->argv[k]->text;
		if ((a[0] == '-' || a[0] == '+') && a[1]) {
			if (!strcmp(a, "--"))
				{ k++; break; }
			if (a[1] == '-') {
				if (!strcmp(a, "--rcfile") || !strcmp(a, "--init-file"))
					k++;
				continue;
			}
			if (strchr(a + 1, 'c') || (c->g->powershell && !strcasecmp(a, "-command")))
				dash_c = 1;
			if (!strcmp(a + 1, "o"))
				k++;
			continue;
		}
		break;
	}
	if (dash_c) {
		if (k < r->argc) {
			struct text u;
			memset(&u, 0, sizeof(u));
			word_text(c, r->argv[k], &u);
			if (!u.dyn && !u.unknown)
				run_script_fed(c, idx, u.b.data ? u.b.data : "", u.b.len, r->cwd, r->where);
			else if (r->argv[k]->nexps)
				run_script_fed(c, idx, r->argv[k]->text, r->argv[k]->len, r->cwd, r->where);
			text_release(&u);
		}
		return;
	}
	if (k >= r->argc) {
		struct text u;
		memset(&u, 0, sizeof(u));
		if (cmd_stdin(c, idx, &u) == IN_KNOWN)
			run_script(c, u.b.data ? u.b.data : "", u.b.len, r->cwd, r->where);
		text_release(&u);
	}
	/*
	 * bash FILE: a script written earlier in this same command is
	 * followed.  Scripts already on disk are not: the fast path never
	 * looks at them either, so judging them here would be arbitrary.
	 */
	if (k < r->argc && is_static(r->argv[k]) && !r->where) {
		const char *why, *text;
		size_t len;
		const char *path = resolve(c, r->argv[k], r->cwd, &why);
		if (path && guard_has_vfile(c->g, path) &&
		    guard_read(c->g, path, GUARD_FILE_MAX, &text, &len) == GUARD_READ_OK)
			run_script(c, text, len, r->cwd, r->where);
	}
}

/* ---- submitting SQL ---------------------------------------------------- */

struct sqljob {
	enum zdm_dialect dialect;
	const char *client;    /* "psql", for messages */
	const char *cwd;       /* for \i and .read */
	const char *where;
	int txn;
};

static void submit(struct ctx *c, const struct sqljob *j, const char *name,
		   struct text *t, const char *base_dir);

/* Blank a line in place (keep the newline so line numbers stay right). */
static void blank(char *s, size_t from, size_t to)
{
	for (; from < to; from++)
		if (s[from] != '\n')
			s[from] = ' ';
}

static const char *meta_arg(struct guard *g, const char *s, size_t n)
{
	size_t a = 0, b;

	while (a < n && (s[a] == ' ' || s[a] == '\t'))
		a++;
	if (a < n && (s[a] == '\'' || s[a] == '"')) {
		char q = s[a++];
		for (b = a; b < n && s[b] != q; b++)
			;
		return zdm_arena_strndup(&g->arena, s + a, b - a);
	}
	for (b = a; b < n && s[b] != ' ' && s[b] != '\t' && s[b] != ';' && s[b] != '\r'; b++)
		;
	return zdm_arena_strndup(&g->arena, s + a, b - a);
}

static void include_file(struct ctx *c, const struct sqljob *j, const char *dir,
			 const char *file, const char *how)
{
	struct guard *g = c->g;
	struct text u;
	const char *path;

	if (j->where) {
		guard_add_note(g, ZDM_DECISION_ASK, NULL, guard_strf(g, "%s %s", how, file),
			       guard_strf(g, "'%s' is read inside %s, which zdm cannot see", file, j->where),
			       NULL);
		return;
	}
	if (!dir && file[0] != '/') {
		guard_add_note(g, ZDM_DECISION_ASK, NULL, guard_strf(g, "%s %s", how, file),
			       guard_strf(g, "'%s' is relative to a directory computed at run time", file),
			       NULL);
		return;
	}
	path = guard_path(g, dir, file);
	memset(&u, 0, sizeof(u));
	if (!read_into(c, path, &u)) {
		guard_add_note(g, ZDM_DECISION_ASK, NULL, guard_strf(g, "%s %s", how, file),
			       guard_strf(g, "%s, so zdm cannot check the SQL it runs", u.unknown),
			       NULL);
	} else if (g->depth < GUARD_MAX_DEPTH) {
		g->depth++;
		submit(c, j, path, &u, dirname_of(g, path));
		g->depth--;
	}
	text_release(&u);
}

/*
 * Handle client meta-commands in SQL text: psql \i \ir \! \gexec, MySQL
 * source / \., SQLite .read .shell.  Lines the linter must not see are
 * blanked in the copy.
 */
static void scan_meta(struct ctx *c, const struct sqljob *j, char *s, size_t n,
		      const char *base_dir)
{
	struct guard *g = c->g;
	size_t i = 0;

	while (i < n) {
		size_t ls = i, le, a;
		const char *nl = memchr(s + i, '\n', n - i);
		le = nl ? (size_t)(nl - s) : n;
		i = nl ? le + 1 : n;
		a = ls;
		while (a < le && (s[a] == ' ' || s[a] == '\t'))
			a++;
		if (a >= le)
			continue;
		if (j->dialect == ZDM_DIALECT_POSTGRES) {
			const char *gx = NULL;
			size_t q;
			for (q = ls; q + 6 <= le; q++)
				if (!memcmp(s + q, "\\gexec", 6))
					gx = s + q;
			if (gx) {
				guard_add_note(g, ZDM_DECISION_ASK, NULL, "\\gexec",
					       "\\gexec runs SQL that a query builds at run time, which zdm cannot check",
					       "print the generated SQL first, review it, then run it as a file");
			}
			if (s[a] != '\\')
				continue;
			if (!strncmp(s + a, "\\ir ", 4) || !strncmp(s + a, "\\include_relative ", 18)) {
				size_t sk = s[a + 2] == 'r' ? 4 : 18;
				include_file(c, j, base_dir, meta_arg(g, s + a + sk, le - a - sk), "\\ir");
			} else if (!strncmp(s + a, "\\i ", 3) || !strncmp(s + a, "\\include ", 9)) {
				size_t sk = s[a + 2] == ' ' ? 3 : 9;
				include_file(c, j, j->cwd, meta_arg(g, s + a + sk, le - a - sk), "\\i");
			} else if (!strncmp(s + a, "\\! ", 3) && g->depth < GUARD_MAX_DEPTH) {
				run_script(c, s + a + 3, le - a - 3, j->cwd, j->where);
			}
			continue;
		}
		if (j->dialect == ZDM_DIALECT_MYSQL) {
			if (!strncasecmp(s + a, "source ", 7) || !strncmp(s + a, "\\. ", 3)) {
				size_t sk = s[a] == '\\' ? 3 : 7;
				include_file(c, j, j->cwd, meta_arg(g, s + a + sk, le - a - sk), "source");
				blank(s, ls, le);
			} else if (!strncasecmp(s + a, "delimiter", 9)) {
				/* the linter understands DELIMITER lines */
			} else if (!strncmp(s + a, "\\! ", 3) || !strncasecmp(s + a, "system ", 7)) {
				size_t sk = s[a] == '\\' ? 3 : 7;
				run_script(c, s + a + sk, le - a - sk, j->cwd, j->where);
				blank(s, ls, le);
			}
			continue;
		}
		/* SQLite dot-commands */
		if (s[a] == '.' && a + 1 < le && s[a + 1] >= 'a' && s[a + 1] <= 'z') {
			if (!strncmp(s + a, ".read ", 6))
				include_file(c, j, j->cwd, meta_arg(g, s + a + 6, le - a - 6), ".read");
			else if ((!strncmp(s + a, ".shell ", 7) || !strncmp(s + a, ".system ", 8)) &&
				 g->depth < GUARD_MAX_DEPTH) {
				size_t sk = s[a + 2] == 'h' ? 7 : 8;
				run_script(c, s + a + sk, le - a - sk, j->cwd, j->where);
			}
			blank(s, ls, le);
		}
	}
}

/*
 * psql substitutes :var, :'var' and :"var" before the server sees the
 * text.  Give the linter something that parses in their place.
 */
static void psql_vars(struct zdm_buf *out, const char *s, size_t n)
{
	size_t i = 0;
	int line_start = 1;

	while (i < n) {
		enum zdm_tk kind;
		size_t l = zdm_lexer_token(ZDM_DIALECT_POSTGRES, s + i, n - i, line_start, &kind, NULL);
		if (kind == ZDM_TK_PARAM && s[i] == ':' && l > 1) {
			if (s[i + 1] == '\'')
				zdm_buf_adds(out, "'zdm_psql_var'");
			else if (s[i + 1] == '"')
				zdm_buf_adds(out, "\"zdm_psql_var\"");
			else
				zdm_buf_adds(out, "zdm_psql_var");
		} else {
			zdm_buf_add(out, s + i, l);
		}
		if (kind == ZDM_TK_SPACE || kind == ZDM_TK_COMMENT)
			line_start = memchr(s + i, '\n', l) ? 1 : line_start;
		else
			line_start = kind == ZDM_TK_META;
		i += l ? l : 1;
	}
}

static void submit(struct ctx *c, const struct sqljob *j, const char *name,
		   struct text *t, const char *base_dir)
{
	struct guard *g = c->g;
	struct guard_sql *s;
	char *copy;
	size_t k;

	if (t->dump)
		guard_add_note(g, ZDM_DECISION_ASK, "ban-drop-table",
			       guard_strf(g, "%s | %s", t->dump, j->client),
			       "the dump drops each table before re-creating it: every row in the target is lost",
			       "restore into a new, empty database, or dump without --clean / with --skip-add-drop-table");
	if (t->unknown) {
		guard_add_note(g, ZDM_DECISION_ASK, NULL, name,
			       guard_strf(g, "the SQL %s receives cannot be checked: %s",
					  j->client, t->unknown),
			       "write the SQL to a file, check it with `zdm lint FILE`, then run that file");
		return;
	}
	copy = zdm_arena_strndup(&g->arena, t->b.data ? t->b.data : "", t->b.len);
	scan_meta(c, j, copy, t->b.len, base_dir);
	if (j->dialect == ZDM_DIALECT_POSTGRES && strchr(copy, ':')) {
		struct zdm_buf v = ZDM_BUF_INIT;
		psql_vars(&v, copy, t->b.len);
		s = guard_add_sql(g, j->dialect, 1, name, v.data ? v.data : "", v.len);
		zdm_buf_release(&v);
	} else {
		s = guard_add_sql(g, j->dialect, 1, name, copy, t->b.len);
	}
	if (!s)
		return;
	s->txn = j->txn;
	if (t->nvars) {
		const char **v = zdm_arena_alloc(&g->arena, t->nvars * sizeof(*v));
		for (k = 0; k < t->nvars; k++)
			v[k] = t->vars[k];
		s->display = NULL;
		s->vars = v;
		s->nvars = t->nvars;
	}
}

/* SQL from a word (psql -c, mysql -e, sqlite3 db SQL). */
static void submit_word(struct ctx *c, const struct sqljob *j, const char *name,
			const struct zdm_sh_word *w)
{
	struct text t;

	memset(&t, 0, sizeof(t));
	word_text(c, w, &t);
	submit(c, j, name, &t, j->cwd);
	text_release(&t);
}

/* SQL from a file word (psql -f). */
static void submit_file(struct ctx *c, const struct sqljob *j, const char *opt,
			const struct zdm_sh_word *w, size_t idx)
{
	struct guard *g = c->g;
	const char **paths, *why;
	size_t n, k;

	if (w && is_static(w) && !strcmp(w->text, "-")) {
		struct text t;
		memset(&t, 0, sizeof(t));
		if (cmd_stdin(c, idx, &t) != IN_NONE)
			submit(c, j, guard_strf(g, "%s %s -", j->client, opt), &t, j->cwd);
		text_release(&t);
		return;
	}
	n = expand_paths(c, w, j->cwd, &paths, &why);
	if (!n) {
		guard_add_note(g, ZDM_DECISION_ASK, NULL,
			       guard_strf(g, "%s %s %s", j->client, opt, w ? w->text : ""),
			       guard_strf(g, "%s, so zdm cannot check the SQL it runs", why),
			       NULL);
		return;
	}
	for (k = 0; k < n && k < 1; k++) {
		struct text t;
		memset(&t, 0, sizeof(t));
		if (!read_into(c, paths[k], &t))
			guard_add_note(g, ZDM_DECISION_ASK, NULL,
				       guard_strf(g, "%s %s %s", j->client, opt, w->text),
				       guard_strf(g, "%s, so zdm cannot check the SQL it runs", t.unknown),
				       NULL);
		else
			submit(c, j, paths[k], &t, dirname_of(g, paths[k]));
		text_release(&t);
	}
}

/* SQL from standard input, when the client reads it. */
static void submit_stdin(struct ctx *c, const struct sqljob *j, size_t idx)
{
	struct text t;
	enum input in;

	memset(&t, 0, sizeof(t));
	in = cmd_stdin(c, idx, &t);
	if (in != IN_NONE)
		submit(c, j, guard_strf(c->g, "SQL sent to %s on standard input", j->client),
		       &t, j->cwd);
	text_release(&t);
}

/* The part of w from byte off on (an option's attached value), expansions kept. */
static const struct zdm_sh_word *tail_word(struct guard *g, const struct zdm_sh_word *w,
					   size_t off)
{
	struct zdm_sh_word *t = zdm_arena_alloc(&g->arena, sizeof(*t));
	struct zdm_sh_exp *ex = zdm_arena_alloc(&g->arena, (w->nexps ? w->nexps : 1) * sizeof(*ex));
	size_t e, n = 0;

	*t = *w;
	t->text = w->text + off;
	t->len = w->len - off;
	for (e = 0; e < w->nexps; e++) {
		if (w->exps[e].off < off)
			continue;   /* cannot happen for option letters */
		ex[n] = w->exps[e];
		ex[n].off -= off;
		n++;
	}
	t->exps = ex;
	t->nexps = n;
	return t;
}

/* ---- clients ------------------------------------------------------------ */

static void job_init(struct sqljob *j, const struct run *r, enum zdm_dialect d,
		     const char *client)
{
	j->dialect = d;
	j->client = client;
	j->cwd = r->cwd;
	j->where = r->where;
	j->txn = -1;
}

static void do_psql(struct ctx *c, size_t idx, const struct run *r, size_t k)
{
	static const char argopts[] = "cdfhpUvPoLTFRS";
	static const char *const longargs[] = {
		"--dbname", "--host", "--port", "--username", "--set", "--variable",
		"--pset", "--output", "--log-file", "--field-separator",
		"--record-separator", "--table-attr", "--command", "--file", NULL
	};
	struct ctx cc = *c;
	struct sqljob j;
	size_t n;
	int any = 0, single = 0, list = 0;
	struct {
		const struct zdm_sh_word *w, *of;  /* the value, or the word it is attached to */
		int file;
		const char *opt, *val;
	} acts[64];
	size_t nacts = 0;

	job_init(&j, r, ZDM_DIALECT_POSTGRES, "psql");
	cc.cwd = r->cwd;
	cc.where = r->where;
	for (; k < r->argc; k++) {
		const struct zdm_sh_word *w = r->argv[k];
		const char *a = w->text;
		size_t len = strlen(a), q;
		if (a[0] != '-' || !a[1])
			continue;  /* dbname, username */
		if (a[1] == '-') {
			const char *eq = strchr(a, '=');
			size_t nl = eq ? (size_t)(eq - a) : len;
			int is_cmd = nl == 9 && !strncmp(a, "--command", 9);
			int is_file = nl == 6 && !strncmp(a, "--file", 6);
			int takes = 0;
			if (!strcmp(a, "--single-transaction"))
				single = 1;
			if (!strcmp(a, "--list"))
				list = 1;
			for (q = 0; longargs[q]; q++)
				if (strlen(longargs[q]) == nl && !strncmp(a, longargs[q], nl))
					takes = 1;
			if ((is_cmd || is_file) && nacts < 64) {
				acts[nacts].of = w;
				if (eq) {
					acts[nacts].w = NULL;
					acts[nacts].val = eq + 1;
				} else {
					acts[nacts].w = k + 1 < r->argc ? r->argv[k + 1] : NULL;
					acts[nacts].val = NULL;
				}
				acts[nacts].file = is_file;
				acts[nacts].opt = is_cmd ? "--command" : "--file";
				nacts++;
			}
			if (takes && !eq)
				k++;
			continue;
		}
		for (q = 1; q < len; q++) {
			char ch = a[q];
			if (ch == '1')
				single = 1;
			if (ch == 'l')
				list = 1;
			if (!strchr(argopts, ch))
				continue;
			if ((ch == 'c' || ch == 'f') && nacts < 64) {
				acts[nacts].file = ch == 'f';
				acts[nacts].opt = ch == 'c' ? "-c" : "-f";
				acts[nacts].of = w;
				if (q + 1 < len) {
					acts[nacts].w = NULL;
					acts[nacts].val = a + q + 1;
				} else {
					acts[nacts].w = k + 1 < r->argc ? r->argv[k + 1] : NULL;
					acts[nacts].val = NULL;
				}
				nacts++;
			}
			if (q + 1 == len)
				k++;
			break;
		}
	}
	(void)list;
	j.txn = single ? 1 : -1;
	for (n = 0; n < nacts; n++) {
		const struct zdm_sh_word *w = acts[n].w;
		if (!w && acts[n].val)
			w = tail_word(c->g, acts[n].of, (size_t)(acts[n].val - acts[n].of->text));
		any = 1;
		if (!w) {
			guard_add_note(c->g, ZDM_DECISION_ASK, NULL,
				       guard_strf(c->g, "psql %s", acts[n].opt),
				       r->xargs ? "xargs supplies the argument at run time, so zdm cannot check the SQL"
						: "the option has no value",
				       NULL);
			continue;
		}
		if (acts[n].file) {
			j.txn = single ? 1 : 0;
			submit_file(&cc, &j, acts[n].opt, w, idx);
		} else {
			/* several statements in one -c run as one transaction */
			j.txn = single ? 1 : 2;
			submit_word(&cc, &j, guard_strf(c->g, "psql %s", acts[n].opt), w);
		}
	}
	if (!any) {
		j.txn = single ? 1 : 0;
		submit_stdin(&cc, &j, idx);
	}
}

static void do_sqlite(struct ctx *c, size_t idx, const struct run *r, size_t k)
{
	static const char *const argopts[] = {
		"-cmd", "-init", "-separator", "-nullvalue", "-newline", "-mmap",
		"-vfs", "-maxsize", "-escape", "-lookaside", "-pagecache", "-heap",
		"-A", NULL
	};
	struct ctx cc = *c;
	struct sqljob j;
	const struct zdm_sh_word *db = NULL;
	int any = 0, readonly = 0;
	size_t q;

	size_t nsql0 = c->g->nsql, nnotes0 = c->g->nnotes;

	job_init(&j, r, ZDM_DIALECT_SQLITE, "sqlite3");
	cc.cwd = r->cwd;
	cc.where = r->where;
	for (; k < r->argc; k++) {
		const struct zdm_sh_word *w = r->argv[k];
		const char *a = w->text;
		if (a[0] == '-' && a[1] && is_static(w)) {
			const char *o = a[1] == '-' ? a + 1 : a;
			if (!strcmp(o, "-readonly"))
				readonly = 1;
			if (!strcmp(o, "-init") && k + 1 < r->argc) {
				submit_file(&cc, &j, "-init", r->argv[k + 1], idx);
				k++;
				continue;
			}
			if (!strcmp(o, "-cmd") && k + 1 < r->argc) {
				submit_word(&cc, &j, "sqlite3 -cmd", r->argv[k + 1]);
				k++;
				continue;
			}
			for (q = 0; argopts[q]; q++)
				if (!strcmp(o, argopts[q]))
					k += (!strcmp(o, "-lookaside") || !strcmp(o, "-pagecache") ||
					      !strcmp(o, "-heap")) ? 2 : 1;
			continue;
		}
		if (!db) {
			db = w;
			continue;
		}
		any = 1;
		if (!readonly)
			submit_word(&cc, &j, "sqlite3", w);
	}
	/* no database or :memory: -- nothing persistent can be harmed */
	if (!db || (is_static(db) && (!strcmp(db->text, ":memory:") || !db->text[0]))) {
		/* drop what was collected for this scratch database */
		c->g->nsql = nsql0;
		c->g->nnotes = nnotes0;
		return;
	}
	if (!any && !readonly)
		submit_stdin(&cc, &j, idx);
}

static void do_mysql(struct ctx *c, size_t idx, const struct run *r, size_t k)
{
	static const char argopts[] = "euhPDSCpO";
	struct ctx cc = *c;
	struct sqljob j;
	int any = 0;

	job_init(&j, r, ZDM_DIALECT_MYSQL, "mysql");
	cc.cwd = r->cwd;
	cc.where = r->where;
	for (; k < r->argc; k++) {
		const struct zdm_sh_word *w = r->argv[k];
		const char *a = w->text;
		size_t len = strlen(a), q;
		if (a[0] != '-' || !a[1])
			continue;
		if (a[1] == '-') {
			const char *v = NULL;
			if (!strncmp(a, "--execute", 9) || !strncmp(a, "--init-command", 14)) {
				const char *eq = strchr(a, '=');
				if (eq) {
					submit_word(&cc, &j, "mysql --execute",
						    tail_word(c->g, w, (size_t)(eq + 1 - a)));
				} else if (k + 1 < r->argc) {
					submit_word(&cc, &j, "mysql --execute", r->argv[++k]);
				}
				any = any || a[2] == 'e';
				continue;
			}
			(void)v;
			if (!strchr(a, '=') && (!strcmp(a, "--user") || !strcmp(a, "--host") ||
						!strcmp(a, "--port") || !strcmp(a, "--database") ||
						!strcmp(a, "--socket") || !strcmp(a, "--default-character-set")))
				k++;
			continue;
		}
		for (q = 1; q < len; q++) {
			char ch = a[q];
			if (!strchr(argopts, ch))
				continue;
			if (ch == 'p')
				break;  /* -pSECRET: the password is attached or prompted */
			if (ch == 'e') {
				if (q + 1 < len) {
					submit_word(&cc, &j, "mysql -e", tail_word(c->g, w, q + 1));
				} else if (k + 1 < r->argc) {
					submit_word(&cc, &j, "mysql -e", r->argv[k + 1]);
					k++;
				}
				any = 1;
				break;
			}
			if (q + 1 == len)
				k++;
			break;
		}
	}
	if (!any)
		submit_stdin(&cc, &j, idx);
}

static void synth(struct ctx *c, enum zdm_dialect d, const char *name,
		  const char *sql, const char *display)
{
	struct guard_sql *s = guard_add_sql(c->g, d, 1, name, sql, strlen(sql));

	if (s)
		s->display = zdm_arena_strdup(&c->g->arena, display);
}

static void do_dropdb(struct ctx *c, const struct run *r, size_t k)
{
	static const char *const longargs[] = {
		"--host", "--port", "--username", "--maintenance-db", NULL
	};
	const char *db = NULL;

	k = skip_opts(r, k, "hpU", longargs);
	for (; k < r->argc; k++) {
		if (r->argv[k]->text[0] != '-') {
			db = r->argv[k]->text;
			break;
		}
	}
	if (!db)
		return;
	synth(c, ZDM_DIALECT_POSTGRES, "dropdb",
	      guard_strf(c->g, "DROP DATABASE \"%s\";", db),
	      guard_strf(c->g, "dropdb %s", db));
}

static void do_mysqladmin(struct ctx *c, const struct run *r, size_t k)
{
	for (; k < r->argc; k++) {
		if (!strcmp(r->argv[k]->text, "drop") && k + 1 < r->argc) {
			const char *db = r->argv[k + 1]->text;
			synth(c, ZDM_DIALECT_MYSQL, "mysqladmin drop",
			      guard_strf(c->g, "DROP DATABASE `%s`;", db),
			      guard_strf(c->g, "mysqladmin drop %s", db));
			return;
		}
	}
}

static void do_pg_restore(struct ctx *c, const struct run *r, size_t k)
{
	static const char *const longargs[] = {
		"--dbname", "--file", "--format", "--jobs", "--use-list", "--schema",
		"--exclude-schema", "--function", "--table", "--trigger", "--index",
		"--superuser", "--username", "--host", "--port", "--role", NULL
	};
	size_t j;
	int clean = 0, todb = 0;

	for (j = k; j < r->argc; j++) {
		const char *a = r->argv[j]->text;
		if (!strcmp(a, "--clean"))
			clean = 1;
		if (!strncmp(a, "--dbname", 8) || !strncmp(a, "-d", 2))
			todb = 1;
		if (a[0] == '-' && a[1] != '-' && a[1]) {
			size_t q;
			for (q = 1; a[q]; q++) {
				if (a[q] == 'c')
					clean = 1;
				if (strchr("dfFjLnNPtTIUShp", a[q]))
					break;
			}
		}
	}
	(void)longargs;
	if (clean && todb)
		guard_add_note(c->g, ZDM_DECISION_ASK, "ban-drop-table",
			       join_words(c, r, r->i),
			       "pg_restore --clean drops every object in the archive before restoring it: rows written since the dump are lost",
			       "restore into a new database and switch over, or restore without --clean");
}

/* Analyse one simple command at idx. */
static void analyze_cmd(struct ctx *c, size_t idx);

static void handle_writes(struct ctx *c, size_t idx, const struct run *r, int ran)
{
	const struct zdm_sh_cmd *cmd = &c->sc->cmds[idx];
	struct guard *g = c->g;
	size_t k;
	const char *writer = r && r->i < r->argc ? prog_name(c, r->argv[r->i]) : "a command";

	for (k = 0; k < cmd->nredirs; k++) {
		const struct zdm_sh_redir *rd = &cmd->redirs[k];
		const char *path, *why, *old = NULL;
		size_t oldlen = 0;
		struct text t;
		int append;

		if (rd->fd != 1 || (rd->kind != ZDM_SH_R_OUT && rd->kind != ZDM_SH_R_APPEND))
			continue;
		if (!rd->target || c->where)
			continue;
		path = resolve(c, rd->target, c->cwd, &why);
		if (!path || !strncmp(path, "/dev/", 5))
			continue;
		append = rd->kind == ZDM_SH_R_APPEND;
		memset(&t, 0, sizeof(t));
		cmd_output(c, idx, &t);
		if (guard_is_migration(g, path) && !t.unknown && !t.nvars) {
			enum guard_read rr = guard_read(g, path, GUARD_FILE_MAX, &old, &oldlen);
			struct zdm_buf nb = ZDM_BUF_INIT;
			if (rr != GUARD_READ_OK)
				old = NULL, oldlen = 0;
			if (append && old)
				zdm_buf_add(&nb, old, oldlen);
			zdm_buf_add(&nb, t.b.data ? t.b.data : "", t.b.len);
			guard_migration_write(g, path, old, oldlen,
					      nb.data ? nb.data : "", nb.len);
			zdm_buf_release(&nb);
		}
		guard_add_vfile(g, path, t.unknown || t.nvars ? NULL : (t.b.data ? t.b.data : ""),
				t.b.len, append, writer);
		text_release(&t);
	}
	(void)ran;
}

static void do_tee(struct ctx *c, size_t idx, const struct run *r)
{
	struct text t;
	size_t k;
	int append = 0;

	memset(&t, 0, sizeof(t));
	cmd_stdin(c, idx, &t);
	for (k = r->i + 1; k < r->argc; k++) {
		const char *a = r->argv[k]->text, *why, *path;
		if (!strcmp(a, "-a") || !strcmp(a, "--append")) {
			append = 1;
			continue;
		}
		if (a[0] == '-')
			continue;
		path = resolve(c, r->argv[k], r->cwd, &why);
		if (!path)
			continue;
		if (guard_is_migration(c->g, path) && !t.unknown && !t.nvars) {
			const char *old = NULL;
			size_t oldlen = 0;
			struct zdm_buf nb = ZDM_BUF_INIT;
			if (guard_read(c->g, path, GUARD_FILE_MAX, &old, &oldlen) != GUARD_READ_OK)
				old = NULL, oldlen = 0;
			if (append && old)
				zdm_buf_add(&nb, old, oldlen);
			zdm_buf_add(&nb, t.b.data ? t.b.data : "", t.b.len);
			guard_migration_write(c->g, path, old, oldlen, nb.data ? nb.data : "", nb.len);
			zdm_buf_release(&nb);
		}
		guard_add_vfile(c->g, path, t.unknown || t.nvars ? NULL : (t.b.data ? t.b.data : ""),
				t.b.len, append, "tee");
	}
	text_release(&t);
}

static void analyze_cmd(struct ctx *c, size_t idx)
{
	const struct zdm_sh_cmd *cmd = &c->sc->cmds[idx];
	struct run r;
	const char *p;
	struct ctx cc;
	enum client cl;

	if (!peel(c, cmd, &r, 1)) {
		handle_writes(c, idx, &r, 0);
		return;
	}
	handle_writes(c, idx, &r, 1);
	p = prog_name(c, r.argv[r.i]);
	if (!*p && r.argv[r.i]->nexps && (strstr(r.argv[r.i]->text, "base64") ||
					   strstr(r.argv[r.i]->text, "xxd") ||
					   strstr(r.argv[r.i]->text, "openssl"))) {
		guard_add_note(c->g, ZDM_DECISION_ASK, NULL, r.argv[r.i]->text,
			       "the program to run is decoded at run time, so zdm cannot tell whether it sends SQL",
			       "run the program by its name");
		return;
	}
	cc = *c;
	cc.cwd = r.cwd;
	cc.where = r.where;
	if (!strcmp(p, "tee")) {
		do_tee(&cc, idx, &r);
		return;
	}
	if (!strcmp(p, "heroku")) {
		do_psql(&cc, idx, &r, r.i + 2);
		return;
	}
	cl = client_of(p);
	switch (cl) {
	case CL_PSQL:
		do_psql(&cc, idx, &r, r.i + 1);
		break;
	case CL_SQLITE:
		do_sqlite(&cc, idx, &r, r.i + 1);
		break;
	case CL_MYSQL:
		do_mysql(&cc, idx, &r, r.i + 1);
		break;
	case CL_DROPDB:
		do_dropdb(&cc, &r, r.i + 1);
		break;
	case CL_MYSQLADMIN:
		do_mysqladmin(&cc, &r, r.i + 1);
		break;
	case CL_PG_RESTORE:
		do_pg_restore(&cc, &r, r.i + 1);
		break;
	default:
		break;
	}
}

/* ---- for loops ------------------------------------------------------------ */

#define GUARD_MAX_LOOP 64

/* Is e the expansion $var or ${var}? */
static int exp_is_var(const struct zdm_sh_word *w, const struct zdm_sh_exp *e, const char *var)
{
	size_t n = strlen(var);
	const char *t = w->text + e->off;

	if (e->kind != ZDM_SH_PARAM)
		return 0;
	if (e->len == n + 1 && t[0] == '$' && !strncmp(t + 1, var, n))
		return 1;
	return e->len == n + 3 && t[1] == '{' && !strncmp(t + 2, var, n) && t[n + 2] == '}';
}

static int word_uses(const struct zdm_sh_word *w, const char *var)
{
	size_t k;

	for (k = 0; w && k < w->nexps; k++)
		if (exp_is_var(w, &w->exps[k], var))
			return 1;
	return 0;
}

/* A copy of w with $var replaced by val. */
static const struct zdm_sh_word *subst(struct guard *g, const struct zdm_sh_word *w,
				       const char *var, const char *val)
{
	struct zdm_sh_word *nw;
	struct zdm_sh_exp *ex;
	struct zdm_buf b = ZDM_BUF_INIT;
	size_t k, pos = 0, ne = 0;

	if (!w || !word_uses(w, var))
		return w;
	nw = zdm_arena_alloc(&g->arena, sizeof(*nw));
	*nw = *w;
	ex = zdm_arena_alloc(&g->arena, (w->nexps ? w->nexps : 1) * sizeof(*ex));
	for (k = 0; k < w->nexps; k++) {
		const struct zdm_sh_exp *e = &w->exps[k];
		zdm_buf_add(&b, w->text + pos, e->off - pos);
		pos = e->off + e->len;
		if (exp_is_var(w, e, var)) {
			zdm_buf_adds(&b, val);
			continue;
		}
		ex[ne] = *e;
		ex[ne].off = b.len;
		zdm_buf_add(&b, w->text + e->off, e->len);
		ne++;
	}
	zdm_buf_add(&b, w->text + pos, w->len - pos);
	nw->text = zdm_arena_strndup(&g->arena, b.data ? b.data : "", b.len);
	nw->len = b.len;
	nw->exps = ex;
	nw->nexps = ne;
	zdm_buf_release(&b);
	return nw;
}

static int cmd_uses(const struct zdm_sh_cmd *cmd, const char *var)
{
	size_t k;

	for (k = 0; k < cmd->argc; k++)
		if (word_uses(cmd->argv[k], var))
			return 1;
	for (k = 0; k < cmd->nredirs; k++)
		if (word_uses(cmd->redirs[k].target, var) || word_uses(cmd->redirs[k].body, var))
			return 1;
	return 0;
}

/* The values of a for loop's list, or 0 when they are only known at run time. */
static size_t loop_values(struct ctx *c, const struct zdm_sh_loop *l, const char ***out)
{
	struct guard *g = c->g;
	const char **v = zdm_arena_alloc(&g->arena, GUARD_MAX_LOOP * sizeof(*v));
	size_t n = 0, k, j;

	if (!l->has_in || !l->var)
		return 0;
	for (k = 0; k < l->nwords; k++) {
		const struct zdm_sh_word *w = l->words[k];
		if (!is_static(w))
			return 0;
		if (w->flags & ZDM_SH_W_GLOB) {
			const char **paths, *why;
			size_t m = expand_paths(c, w, c->cwd, &paths, &why);
			if (!m && n < GUARD_MAX_LOOP)
				v[n++] = w->text;   /* no match: the shell keeps the pattern */
			for (j = 0; j < m && n < GUARD_MAX_LOOP; j++)
				v[n++] = paths[j];
		} else if (n < GUARD_MAX_LOOP) {
			v[n++] = w->text;
		}
	}
	*out = v;
	return n;
}

static void analyze_cmd(struct ctx *c, size_t idx);

/*
 * A command inside "for f in LIST; do ... done" that uses $f: judge it
 * once per value, with every command of the loop seeing the same value.
 */
static int analyze_in_loop(struct ctx *c, size_t idx)
{
	const struct zdm_sh_script *sc = c->sc;
	const struct zdm_sh_cmd *cmd = &sc->cmds[idx];
	const struct zdm_sh_loop *l;
	const char **vals;
	size_t nv, v, k;

	if (cmd->loop < 0 || (size_t)cmd->loop >= sc->nloops)
		return 0;
	l = &sc->loops[cmd->loop];
	if (!l->var)
		return 0;
	/* the command, or one that feeds it through a pipe, uses the variable */
	{
		int uses = cmd_uses(cmd, l->var);
		int j;
		for (j = cmd->pipe_first; !uses && j >= 0 && j <= cmd->pipe_last; j++)
			uses = cmd_uses(&sc->cmds[j], l->var);
		if (!uses)
			return 0;
	}
	nv = loop_values(c, l, &vals);
	if (!nv)
		return 0;
	for (v = 0; v < nv; v++) {
		struct zdm_sh_script tmp = *sc;
		struct zdm_sh_cmd *cmds = zdm_arena_alloc(&c->g->arena,
							   sc->ncmds * sizeof(*cmds));
		struct ctx sub = *c;
		memcpy(cmds, sc->cmds, sc->ncmds * sizeof(*cmds));
		for (k = 0; k < sc->ncmds; k++) {
			struct zdm_sh_cmd *x = &cmds[k];
			size_t a;
			const struct zdm_sh_word **argv;
			struct zdm_sh_redir *rd;
			if (x->loop != cmd->loop || !cmd_uses(x, l->var))
				continue;
			argv = zdm_arena_alloc(&c->g->arena, (x->argc ? x->argc : 1) * sizeof(*argv));
			for (a = 0; a < x->argc; a++)
				argv[a] = subst(c->g, x->argv[a], l->var, vals[v]);
			x->argv = argv;
			rd = zdm_arena_alloc(&c->g->arena, (x->nredirs ? x->nredirs : 1) * sizeof(*rd));
			for (a = 0; a < x->nredirs; a++) {
				rd[a] = x->redirs[a];
				rd[a].target = subst(c->g, rd[a].target, l->var, vals[v]);
				if (rd[a].body && !rd[a].literal)
					rd[a].body = subst(c->g, rd[a].body, l->var, vals[v]);
			}
			x->redirs = rd;
		}
		tmp.cmds = cmds;
		sub.sc = &tmp;
		analyze_cmd(&sub, idx);
	}
	return 1;
}

/* ---- scripts ------------------------------------------------------------ */

static void walk(struct ctx *c)
{
	const struct zdm_sh_script *sc = c->sc;
	struct guard *g = c->g;
	const char **cwds = zdm_arena_alloc(&g->arena, (sc->nsubs + 1) * sizeof(*cwds));
	char *init = zdm_arena_alloc(&g->arena, sc->nsubs + 1);
	const char *top = c->cwd;
	size_t k;

	memset(init, 0, sc->nsubs + 1);
	cwds[0] = top;
	init[0] = 1;
	for (k = 0; k < sc->ncmds; k++) {
		const struct zdm_sh_cmd *cmd = &sc->cmds[k];
		int sub = cmd->sub;
		const char *p;

		if (!init[sub]) {
			int par = sc->sub_parent[sub];
			cwds[sub] = init[par] ? cwds[par] : top;
			init[sub] = 1;
		}
		c->cwd = cwds[sub];
		c->shell_cwd = c->cwd;
		if (cmd->argc > cmd->nassign) {
			const struct zdm_sh_word *w0 = cmd->argv[cmd->nassign];
			p = is_static(w0) ? w0->text : "";
			if ((!strcmp(p, "cd") || !strcmp(p, "pushd") || !strcmp(p, "Set-Location") ||
			     !strcmp(p, "sl")) &&
			    cmd->conn != ZDM_SH_PIPE && cmd->pipe_first < 0) {
				size_t a = cmd->nassign + 1;
				while (a < cmd->argc && cmd->argv[a]->text[0] == '-' &&
				       cmd->argv[a]->text[1])
					a++;
				if (a >= cmd->argc)
					cwds[sub] = g->home;
				else if (!is_static(cmd->argv[a]) || c->where)
					cwds[sub] = NULL;
				else if (!cwds[sub] && cmd->argv[a]->text[0] != '/')
					cwds[sub] = NULL;
				else
					cwds[sub] = guard_path(g, cwds[sub], cmd->argv[a]->text);
				continue;
			}
			if (!strcmp(p, "popd")) {
				cwds[sub] = NULL;
				continue;
			}
		}
		if (!analyze_in_loop(c, k))
			analyze_cmd(c, k);
	}
	c->cwd = top;
}

static void run_script_in(struct ctx *parent, const char *src, size_t len,
			  const char *cwd, const char *where, const struct text *in)
{
	struct guard *g = parent->g;
	struct zdm_sh_script sc = ZDM_SH_SCRIPT_INIT;
	struct ctx c;

	if (g->depth >= GUARD_MAX_DEPTH) {
		guard_add_note(g, ZDM_DECISION_ASK, NULL, guard_short(g, src, len, 80),
			       "commands nested deeper than zdm follows (bash -c inside bash -c ...)",
			       NULL);
		return;
	}
	g->depth++;
	zdm_sh_parse(src, len, g->powershell ? ZDM_SH_POWERSHELL : 0, &sc);
	if (sc.toks.errors & ZDM_SH_E_DEPTH)
		guard_add_note(g, ZDM_DECISION_ASK, NULL, guard_short(g, src, len, 80),
			       "quoting nested too deeply for zdm to follow", NULL);
	memset(&c, 0, sizeof(c));
	c.g = g;
	c.sc = &sc;
	c.cwd = cwd;
	c.where = where;
	c.shell_where = where;
	c.outer_in = in;
	walk(&c);
	zdm_sh_script_release(&sc);
	g->depth--;
}

static void run_script(struct ctx *parent, const char *src, size_t len,
		       const char *cwd, const char *where)
{
	run_script_in(parent, src, len, cwd, where, NULL);
}

/* Run src as the script of parent's command idx, which feeds it its stdin. */
static void run_script_fed(struct ctx *parent, size_t idx, const char *src, size_t len,
			   const char *cwd, const char *where)
{
	struct text in;
	memset(&in, 0, sizeof(in));
	enum input k = cmd_stdin(parent, idx, &in);
	run_script_in(parent, src, len, cwd, where, k == IN_NONE ? NULL : &in);
	text_release(&in);
}

void guard_bash(struct guard *g, const char *cmd, size_t len)
{
	struct ctx top;

	memset(&top, 0, sizeof(top));
	top.g = g;
	g->depth--;   /* run_script counts the top level as depth 0 */
	run_script(&top, cmd, len, g->cwd, NULL);
	g->depth++;
}

/* ---- the fast path ------------------------------------------------------ */

/*
 * Words whose absence proves that a command sends no SQL.  Checked on a
 * lowercased copy without quotes and backslashes, so that ps''ql or
 * "p"sql cannot slip by.
 */
static const char *const triggers[] = {
	"psql", "sqlite", "mysql", "mariadb", "pgcli", "mycli", "litecli",
	"dropdb", "pg_restore", "dbshell", "dbconsole", ".sql", "migrat",
	"eval", "base64", NULL
};

int guard_bash_may_sql(const char *cmd, size_t len)
{
	char small[4096];
	char *buf = len < sizeof(small) ? small : zdm_xmalloc(len + 1);
	size_t i, n = 0;
	int k, hit = 0;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)cmd[i];
		if (ch == '\'' || ch == '"' || ch == '\\' || ch == '`')
			continue;
		if (ch >= 'A' && ch <= 'Z')
			ch += 32;
		buf[n++] = ch ? (char)ch : ' ';
	}
	buf[n] = 0;
	for (k = 0; triggers[k] && !hit; k++)
		if (strstr(buf, triggers[k]))
			hit = 1;
	if (buf != small)
		free(buf);
	return hit;
}
