/* SPDX-License-Identifier: MIT */
/*
 * main.c - zdm-guard, the PreToolUse hook: hook JSON in, decision out.
 *
 * Reads all of standard input (bounded), parses it, and hands the call to
 * the extractor for its tool: Bash/PowerShell commands to extract.c,
 * writes of migration files to files.c.  judge.c lints and decides.  This
 * is the only file that prints or exits.
 *
 * The contract (DESIGN.md "The guard"): always exit 0.  Pass is silence,
 * never "allow", so the user's own permission rules still apply.  Deny
 * and ask print hookSpecificOutput with the reason.  Anything the guard
 * cannot judge (malformed or huge input, a missing field, an internal
 * time-out) is let through with a systemMessage that says so: visible,
 * never silent, never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "zdm/audit.h"
#include "zdm/config.h"
#include "guard.h"
#include "judge.h"

/* Hook input larger than this is not judged. */
#define GUARD_STDIN_MAX (16u << 20)
/* Wall-clock bound for one call, in seconds. */
#define GUARD_TIMEOUT 5

static volatile sig_atomic_t printed;

static void on_alarm(int sig)
{
	static const char msg[] =
		"{\"systemMessage\":\"zdm-guard could not judge this call in time "
		"(over 5 s); it was let through unchecked\"}\n";

	(void)sig;
	if (!printed) {
		ssize_t w = write(1, msg, sizeof(msg) - 1);
		(void)w;
	}
	_exit(0);
}

/* Replace bytes that are not valid UTF-8 (jansson refuses them) with '?'. */
static void utf8_clean(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (p && *p) {
		int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 :
			(*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
		int k;
		if (n < 0) {
			*p++ = '?';
			continue;
		}
		for (k = 1; k <= n; k++)
			if ((p[k] & 0xC0) != 0x80)
				break;
		if (k <= n) {
			*p++ = '?';
			continue;
		}
		p += n + 1;
	}
}

/*
 * The last line of defence: a crash would let the call through with a
 * hook error the user may not notice.  Say so instead, like any other
 * call the guard cannot judge.  Runs on its own stack (a stack overflow
 * is the likeliest crash) and uses only async-signal-safe calls.
 */
static void on_crash(int sig)
{
	static const char msg[] =
		"{\"systemMessage\":\"zdm-guard could not judge this call (internal "
		"error); it was let through unchecked\"}\n";

	(void)sig;
	if (!printed) {
		ssize_t w = write(1, msg, sizeof(msg) - 1);
		(void)w;
	}
	_exit(0);
}

static void install_handlers(void)
{
	static char altstack[64 * 1024];
	stack_t ss;
	struct sigaction sa;

	ss.ss_sp = altstack;
	ss.ss_size = sizeof(altstack);
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
#if !defined(__SANITIZE_ADDRESS__)
	/* under AddressSanitizer, let it report the crash instead */
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
#else
	(void)on_crash;
#endif
	sa.sa_handler = on_alarm;
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Print one JSON object and exit 0. */
static int emit(json_t *o)
{
	char *s;

	if (!o)
		o = json_pack("{s:s}", "systemMessage",
			      "zdm-guard could not judge this call (internal error while "
			      "writing the answer); it was let through unchecked");
	s = json_dumps(o, JSON_COMPACT);

	alarm(0);
	printed = 1;
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	json_decref(o);
	fflush(stdout);
	return 0;
}

static int cannot_judge(const char *why)
{
	char msg[512];

	snprintf(msg, sizeof(msg),
		 "zdm-guard could not judge this call (%s); it was let through unchecked", why);
	return emit(json_pack("{s:s}", "systemMessage", msg));
}

static char *read_stdin(size_t *len, int *too_big)
{
	struct zdm_buf b = ZDM_BUF_INIT;
	char chunk[65536];

	*too_big = 0;
	for (;;) {
		ssize_t n = read(0, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (b.len + (size_t)n > GUARD_STDIN_MAX) {
			*too_big = 1;
			break;
		}
		zdm_buf_add(&b, chunk, (size_t)n);
	}
	return zdm_buf_detach(&b, len);
}

static const char *str_field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- ZDM_GUARD=off -------------------------------------------------------- */

static int guard_off(void)
{
	const char *v = getenv("ZDM_GUARD");

	return v && (!strcasecmp(v, "off") || !strcmp(v, "0") || !strcasecmp(v, "false") ||
		     !strcasecmp(v, "no") || !strcasecmp(v, "disabled"));
}

/* True the first time this session calls with the guard off. */
static int first_off_call(const char *session)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], id[65];
	size_t k, n = 0;
	int fd;

	if (zdm_audit_dir(dir, sizeof(dir), 1, NULL) != ZDM_OK)
		return 1;
	for (k = 0; session && session[k] && n < sizeof(id) - 1; k++) {
		char c = session[k];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_')
			id[n++] = c;
	}
	id[n] = 0;
	snprintf(path, sizeof(path), "%s/guard-off-%s", dir, n ? id : "no-session");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno != EEXIST;
	close(fd);
	return 1;
}

static void audit(const char *decision, const char *session, const char *tool,
		  const char *cwd, const char *target, const char *reason,
		  const char *const *rules, size_t nrules)
{
	struct zdm_audit_entry e;

	memset(&e, 0, sizeof(e));
	e.session_id = session;
	e.tool = tool;
	e.decision = decision;
	e.rules = rules;
	e.nrules = nrules;
	e.cwd = cwd;
	e.target = target;
	e.reason = reason;
	zdm_audit_append(&e, NULL);
}

/* ---- tools ---------------------------------------------------------------- */

static const char *dir_of(struct guard *g, const char *path)
{
	const char *s = strrchr(path, '/');

	if (!s || s == path)
		return "/";
	return zdm_arena_strndup(&g->arena, path, (size_t)(s - path));
}

/* Load .zdm.yml found from dir upwards; a bad file is reported in warn. */
static void load_config(struct guard *g, struct zdm_config *cfg, const char *dir,
			struct zdm_buf *warn)
{
	struct zdm_error err;
	char *path = NULL;

	zdm_config_init(cfg);
	if (!dir)
		return;
	/* a file about to be written may be in a directory not made yet */
	{
		char *d = zdm_arena_strdup(&g->arena, dir), *slash;
		struct stat st;
		while (stat(d, &st) != 0 && (slash = strrchr(d, '/')) && slash != d)
			*slash = 0;
		dir = d;
	}
	zdm_error_clear(&err);
	if (zdm_config_find(dir, &path, &err) != ZDM_OK || !path)
		return;
	if (zdm_config_load(path, cfg, &err) != ZDM_OK) {
		zdm_buf_addf(warn, "zdm: %s: %s (the guard uses its defaults)", path, err.msg);
		zdm_config_release(cfg);
		zdm_config_init(cfg);
		free(path);
		return;
	}
	g->cfg = cfg;
	g->root = dir_of(g, zdm_arena_strdup(&g->arena, path));
	if (cfg->has_dialect)
		g->dialect = cfg->dialect;
	free(path);
}

/* Apply one Edit to text; NULL when old_string is not found (the edit fails). */
static char *apply_edit(const char *text, size_t len, const char *old_s,
			const char *new_s, int all, size_t *out_len)
{
	struct zdm_buf b = ZDM_BUF_INIT;
	size_t ol = strlen(old_s), nl = strlen(new_s), i = 0;
	int found = 0;

	if (!ol)
		return NULL;
	while (i < len) {
		const char *hit = NULL;
		if (!found || all)
			hit = strstr(text + i, old_s);  /* text is NUL-terminated */
		if (!hit) {
			zdm_buf_add(&b, text + i, len - i);
			break;
		}
		zdm_buf_add(&b, text + i, (size_t)(hit - text) - i);
		zdm_buf_add(&b, new_s, nl);
		i = (size_t)(hit - text) + ol;
		found = 1;
	}
	if (!found) {
		zdm_buf_release(&b);
		return NULL;
	}
	return zdm_buf_detach(&b, out_len);
}

/* Write / Edit / MultiEdit / NotebookEdit.  Returns 0, or -1 with *why. */
static int file_tool(struct guard *g, const char *tool, json_t *in, const char **why)
{
	const char *path = str_field(in, "file_path");
	const char *old = NULL;
	size_t oldlen = 0;
	enum guard_read r;

	if (!strcmp(tool, "NotebookEdit")) {
		const char *src = str_field(in, "new_source");
		const char *mode = str_field(in, "edit_mode");
		const char *nb = str_field(in, "notebook_path");
		const char *p;
		if (!nb) {
			*why = "NotebookEdit without notebook_path";
			return -1;
		}
		if (!src || (mode && !strcmp(mode, "delete")) || !guard_is_migration(g, nb))
			return 0;
		/* a %%sql cell is SQL; any other cell is Python */
		p = src;
		while (*p == ' ' || *p == '\n')
			p++;
		if (!strncmp(p, "%%sql", 5)) {
			const char *nl = strchr(p, '\n');
			struct zdm_buf b = ZDM_BUF_INIT;
			zdm_buf_adds(&b, guard_strf(g, "%s.sql", nb));
			if (nl)
				guard_migration_write(g, b.data, NULL, 0, nl + 1, strlen(nl + 1));
			zdm_buf_release(&b);
		} else {
			guard_migration_write(g, guard_strf(g, "%s.py", nb), NULL, 0, src, strlen(src));
		}
		return 0;
	}
	if (!path) {
		*why = guard_strf(g, "%s without file_path", tool);
		return -1;
	}
	if (path[0] != '/')
		path = guard_path(g, g->cwd, path);
	if (!guard_is_migration(g, path))
		return 0;
	r = guard_read(g, path, GUARD_FILE_MAX, &old, &oldlen);
	if (r == GUARD_READ_TOO_BIG) {
		*why = guard_strf(g, "'%s' is too large to check", path);
		return -1;
	}
	if (r != GUARD_READ_OK)
		old = NULL, oldlen = 0;

	if (!strcmp(tool, "Write")) {
		const char *content = str_field(in, "content");
		json_t *cv = json_object_get(in, "content");
		if (!content) {
			*why = "Write without content";
			return -1;
		}
		guard_migration_write(g, path, old, oldlen, content, json_string_length(cv));
		return 0;
	}
	if (!strcmp(tool, "Edit") || !strcmp(tool, "MultiEdit")) {
		json_t *edits = json_object_get(in, "edits");
		char *cur = NULL, *next;
		size_t curlen = 0, k;
		if (!old)
			return 0;  /* the edit will fail: nothing to judge */
		cur = zdm_xmalloc(oldlen + 1);
		memcpy(cur, old, oldlen);
		cur[oldlen] = 0;
		curlen = oldlen;
		if (!strcmp(tool, "Edit")) {
			const char *os = str_field(in, "old_string");
			const char *ns = str_field(in, "new_string");
			if (!os || !ns) {
				free(cur);
				*why = "Edit without old_string or new_string";
				return -1;
			}
			next = apply_edit(cur, curlen, os, ns,
					  json_is_true(json_object_get(in, "replace_all")), &curlen);
			free(cur);
			if (!next)
				return 0;
			cur = next;
		} else {
			if (!json_is_array(edits)) {
				free(cur);
				*why = "MultiEdit without edits";
				return -1;
			}
			for (k = 0; k < json_array_size(edits); k++) {
				json_t *e = json_array_get(edits, k);
				const char *os = str_field(e, "old_string");
				const char *ns = str_field(e, "new_string");
				if (!os || !ns)
					continue;
				next = apply_edit(cur, curlen, os, ns,
						  json_is_true(json_object_get(e, "replace_all")),
						  &curlen);
				if (!next) {
					/* one failing edit fails them all */
					free(cur);
					return 0;
				}
				free(cur);
				cur = next;
			}
		}
		guard_migration_write(g, path, old, oldlen, cur, curlen);
		free(cur);
		return 0;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct guard g;
	struct zdm_config cfg;
	struct zdm_buf warn = ZDM_BUF_INIT;
	struct guard_verdict v;
	json_t *root, *in;
	json_error_t jerr;
	const char *tool, *session, *cwd, *target = NULL;
	char *input;
	size_t len;
	int too_big, is_bash;

	(void)argc;
	(void)argv;
	install_handlers();
	alarm(GUARD_TIMEOUT);

	input = read_stdin(&len, &too_big);
	if (too_big) {
		free(input);
		return cannot_judge("the hook input is larger than 16 MB");
	}
	root = guard_json_load(input ? input : "", len, &jerr);
	free(input);
	if (!json_is_object(root)) {
		char why[300];
		if (root)
			snprintf(why, sizeof(why), "the hook input is not a JSON object");
		else
			snprintf(why, sizeof(why), "malformed hook input: %s at line %d", jerr.text,
				 jerr.line);
		json_decref(root);
		return cannot_judge(why);
	}
	{
		/* wired to another event by mistake: our answer would be refused */
		const char *ev = str_field(root, "hook_event_name");
		if (ev && strcmp(ev, "PreToolUse")) {
			json_decref(root);
			return 0;
		}
	}
	tool = str_field(root, "tool_name");
	session = str_field(root, "session_id");
	cwd = str_field(root, "cwd");

	if (guard_off()) {
		int first = first_off_call(session);
		if (first)
			audit("off", session, tool, cwd, NULL, "ZDM_GUARD=off", NULL, 0);
		json_decref(root);
		if (first)
			return emit(json_pack("{s:s}", "systemMessage",
					      "zdm: the migration guard is off (ZDM_GUARD=off): SQL in "
					      "commands and migration files is not checked in this session"));
		return 0;
	}
	if (!tool) {
		json_decref(root);
		return cannot_judge("the hook input has no tool_name");
	}
	is_bash = !strcmp(tool, "Bash") || !strcmp(tool, "PowerShell");
	if (!is_bash && strcmp(tool, "Write") && strcmp(tool, "Edit") &&
	    strcmp(tool, "MultiEdit") && strcmp(tool, "NotebookEdit")) {
		json_decref(root);
		return 0;  /* not ours */
	}
	in = json_object_get(root, "tool_input");
	if (!json_is_object(in)) {
		json_decref(root);
		return cannot_judge("the hook input has no tool_input object");
	}

	guard_init(&g);
	g.home = getenv("HOME");
	g.cwd = cwd && cwd[0] == '/' ? cwd : NULL;
	if (!g.cwd) {
		static char here[PATH_MAX];
		if (getcwd(here, sizeof(here)))
			g.cwd = here;
	}
	zdm_config_init(&cfg);
	if (is_bash) {
		const char *cmd = str_field(in, "command");
		json_t *cv = json_object_get(in, "command");
		if (!cmd) {
			guard_release(&g);
			json_decref(root);
			return cannot_judge("the Bash call has no command");
		}
		/* the fast path: no client, no SQL file, nothing that hides one */
		if (!guard_bash_may_sql(cmd, json_string_length(cv))) {
			guard_release(&g);
			json_decref(root);
			return 0;
		}
		g.powershell = !strcmp(tool, "PowerShell");
		load_config(&g, &cfg, g.cwd, &warn);
		guard_bash(&g, cmd, json_string_length(cv));
		target = guard_short(&g, cmd, json_string_length(cv), 300);
	} else {
		const char *why = NULL;
		const char *p = str_field(in, "file_path");
		if (!p)
			p = str_field(in, "notebook_path");
		load_config(&g, &cfg, p && p[0] == '/' ? dir_of(&g, p) : g.cwd, &warn);
		if (file_tool(&g, tool, in, &why) != 0) {
			/* why may live in g's arena: answer before releasing it */
			int r = cannot_judge(why);
			zdm_config_release(&cfg);
			guard_release(&g);
			json_decref(root);
			zdm_buf_release(&warn);
			return r;
		}
		target = p;
	}

	if (!g.nsql && !g.nnotes) {
		int r = 0;
		if (warn.len)
			r = emit(json_pack("{s:s}", "systemMessage", warn.data));
		zdm_buf_release(&warn);
		zdm_config_release(&cfg);
		guard_release(&g);
		json_decref(root);
		return r;
	}

	guard_judge(&g, &v, &warn);
	utf8_clean(v.reason.data);
	utf8_clean(warn.data);
	if (v.noverrides)
		audit("override", session, tool, cwd, target, v.override_reason,
		      v.overrides, v.noverrides);
	if (v.decision >= ZDM_DECISION_ASK) {
		const char *d = v.decision == ZDM_DECISION_DENY ? "deny" : "ask";
		json_t *out = json_pack("{s:{s:s,s:s,s:s}}", "hookSpecificOutput",
					"hookEventName", "PreToolUse",
					"permissionDecision", d,
					"permissionDecisionReason", v.reason.data);
		audit(d, session, tool, cwd, target, v.reason.data, v.rules, v.nrules);
		if (warn.len)
			json_object_set_new(out, "systemMessage", json_string(warn.data));
		emit(out);
	} else if (warn.len) {
		emit(json_pack("{s:s}", "systemMessage", warn.data));
	}
	guard_verdict_release(&v);
	zdm_buf_release(&warn);
	zdm_config_release(&cfg);
	guard_release(&g);
	json_decref(root);
	return 0;
}
