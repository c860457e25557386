/* SPDX-License-Identifier: MIT */
/*
 * audit.h - the guard's audit log: one JSON line per deny, ask and override.
 *
 * The log lives in the first of $CLAUDE_PLUGIN_DATA, $XDG_STATE_HOME/zdm
 * and ~/.local/state/zdm (directory mode 0700, file mode 0600), named
 * audit.jsonl.  When an append would take it past ZDM_AUDIT_MAX_BYTES
 * (or $ZDM_AUDIT_MAX_BYTES), it is rotated to audit.jsonl.1, .1 to .2, up
 * to ZDM_AUDIT_KEEP old files.  Appends take an exclusive flock(2), so
 * concurrent guards never interleave lines.
 */
#ifndef ZDM_AUDIT_H
#define ZDM_AUDIT_H

#include <stddef.h>
#include <time.h>

#include "zdm/error.h"
#include "zdm/util.h"

#define ZDM_AUDIT_FILE "audit.jsonl"
#define ZDM_AUDIT_MAX_BYTES (1u << 20)
#define ZDM_AUDIT_KEEP 3

struct zdm_audit_entry {
	const char *session_id;   /* may be NULL */
	const char *tool;         /* "Bash", "Write", ... */
	const char *decision;     /* "deny", "ask", "override", "off", "error" */
	const char *const *rules; /* rule ids (NULL entries are skipped) */
	size_t nrules;
	const char *cwd;          /* may be NULL */
	const char *target;       /* the command or the file path */
	const char *reason;       /* the permission reason, or the allow reason */
};

/*
 * Write the audit directory into buf (size bytes).  With create, make it
 * (and its parents) with mode 0700.  Fails with ZDM_ERR_IO when no
 * location is known (no HOME) or it cannot be created, ZDM_ERR_LIMIT when
 * the path does not fit.
 */
enum zdm_status zdm_audit_dir(char *buf, size_t size, int create,
			      struct zdm_error *err);

/* The log file's path (the directory is not created). */
enum zdm_status zdm_audit_path(char *buf, size_t size, struct zdm_error *err);

/* Append e's JSON line to b, "ts" being now (UTC, RFC 3339). */
void zdm_audit_format(const struct zdm_audit_entry *e, time_t now,
		      struct zdm_buf *b);

/* Append one entry to the log, rotating it first when it is full. */
enum zdm_status zdm_audit_append(const struct zdm_audit_entry *e,
				 struct zdm_error *err);

#endif
