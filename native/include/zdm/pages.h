/* SPDX-License-Identifier: MIT */
/*
 * pages.h - the rule reference pages, embedded at build time.
 *
 * tools/embed-pages.sh turns skills/zero-downtime-migrations/references/
 * rules/<id>.md into this table, so `zdm explain` and the guard need no
 * files at run time.
 */
#ifndef ZDM_PAGES_H
#define ZDM_PAGES_H

#include <stddef.h>

struct zdm_page {
	const char *id;
	const char *text;
};

extern const struct zdm_page zdm_pages[];
extern const size_t zdm_pages_count;

/* The page of rule id, or NULL. */
const char *zdm_page_find(const char *id);

/* Path of a rule's page relative to the plugin root. */
#define ZDM_PAGE_DIR "skills/zero-downtime-migrations/references/rules/"

#endif
