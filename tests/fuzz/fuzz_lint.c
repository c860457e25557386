/* SPDX-License-Identifier: MIT */
/*
 * fuzz_lint.c - libFuzzer target: zdm_lint_source() on arbitrary text.
 *
 * The whole engine: sections (dbmate "-- migrate:up/down", golang-migrate
 * *.up.sql / *.down.sql), the splitter, libpg_query and pg.c for
 * PostgreSQL, recognise.c for the rest, and every rule.
 *
 * The first byte picks the options: bits 0-1 the dialect, bits 2-3 the
 * file name (plain, .up.sql, .down.sql, dbmate-style), bits 4-5 the
 * transaction mode (-1, 0, 1), bit 6 an old target version, bit 7 a
 * range covering the middle of the text.  The rest is the SQL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zdm/lint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[4] = {
	"fuzz.sql", "001_fuzz.up.sql", "001_fuzz.down.sql", "20240101000000_fuzz.sql",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zdm_lint_opts o;
	struct zdm_linter *l;
	struct zdm_report rep = ZDM_REPORT_INIT;
	struct zdm_source src;
	struct zdm_error err;
	size_t ranges[2], n, i;
	char *text;
	unsigned b;

	if (size < 1)
		return 0;
	b = data[0];
	n = size - 1;
	text = malloc(n ? n : 1);
	memcpy(text, data + 1, n);

	memset(&o, 0, sizeof(o));
	o.dialect = (enum zdm_dialect)((b & 3) % ZDM_DIALECT_COUNT);
	if (b & 64) {
		o.pg_version = 10;
		o.mysql_version = 5;
	}
	l = zdm_linter_new(&o);

	memset(&src, 0, sizeof(src));
	src.name = names[(b >> 2) & 3];
	src.text = text;
	src.len = n;
	src.txn = (int)((b >> 4) & 3) - 1;
	if (src.txn > 1)
		src.txn = -1;
	if (b & 128) {
		ranges[0] = n / 3;
		ranges[1] = n - n / 3;
		src.ranges = ranges;
		src.nranges = 1;
	}

	zdm_error_clear(&err);
	(void)zdm_lint_source(l, &src, &rep, &err);
	/* every finding must be printable */
	for (i = 0; i < rep.count; i++) {
		const struct zdm_finding *f = &rep.items[i];
		if (!f->rule || !f->message || (f->message && strlen(f->message) > (1u << 20)))
			__builtin_trap();
		if (f->statement && strlen(f->statement) > 4 * ZDM_STMT_MAX)
			__builtin_trap();
	}
	(void)zdm_report_max(&rep);
	zdm_report_release(&rep);
	zdm_linter_free(l);
	free(text);
	return 0;
}
