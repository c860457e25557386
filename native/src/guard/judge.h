/* SPDX-License-Identifier: MIT */
/*
 * judge.h - lint what the guard collected and decide.
 */
#ifndef ZDM_GUARD_JUDGE_H
#define ZDM_GUARD_JUDGE_H

#include "guard.h"

struct guard_verdict {
	enum zdm_decision decision;     /* OFF or WARN: pass */
	struct zdm_buf reason;          /* the permissionDecisionReason */
	const char *rules[32];          /* rule ids behind the decision */
	size_t nrules;
	const char *overrides[32];      /* findings suppressed by -- zdm:allow */
	size_t noverrides;
	const char *override_reason;    /* the first allow reason */
};

/*
 * Lint g->sql, add g->notes, and fill v (the caller releases it with
 * guard_verdict_release).  A problem with the config is described in warn
 * (for a systemMessage) and the defaults are used.
 */
void guard_judge(struct guard *g, struct guard_verdict *v, struct zdm_buf *warn);
void guard_verdict_release(struct guard_verdict *v);

#endif
