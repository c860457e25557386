/* SPDX-License-Identifier: MIT */
/*
 * fuzz_split.c - libFuzzer target: the lexer and the splitter, every dialect.
 *
 * The first byte picks the dialect; the rest is the SQL text.  Besides
 * the sanitizers, it checks the documented bounds: every token has a
 * length of at least 1 that stays inside the input, and every statement's
 * offsets stay inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zdm/lexer.h"
#include "zdm/split.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum zdm_dialect d;
	struct zdm_stmt_list l = ZDM_STMT_LIST_INIT;
	struct zdm_token *toks = NULL;
	struct zdm_error err;
	size_t n, i, count = 0, pos;
	char *text;

	if (size < 1)
		return 0;
	d = (enum zdm_dialect)(data[0] % ZDM_DIALECT_COUNT);
	n = size - 1;
	/* an exact-size copy, so that ASan sees any read past the end */
	text = malloc(n ? n : 1);
	memcpy(text, data + 1, n);

	/* token by token, as the splitter sees it */
	for (pos = 0; pos < n;) {
		enum zdm_tk kind;
		const char *open = NULL;
		size_t t = zdm_lexer_token(d, text + pos, n - pos,
					   pos == 0 || text[pos - 1] == '\n', &kind, &open);
		CHECK(t >= 1 && t <= n - pos);
		CHECK(kind <= ZDM_TK_ILLEGAL);
		pos += t;
	}

	zdm_lexer_all(d, text, n, &toks, &count);
	for (i = 0; i < count; i++)
		CHECK(toks[i].off <= n && toks[i].len <= n - toks[i].off);
	free(toks);

	zdm_error_clear(&err);
	(void)zdm_split(d, text, n, &l, &err);
	for (i = 0; i < l.count; i++) {
		const struct zdm_stmt *s = &l.items[i];
		CHECK(s->off <= n && s->len <= n - s->off);
		CHECK(s->pre <= n && s->end <= n);
		CHECK(s->line >= 1 && s->col >= 1);
	}
	CHECK(memchr(err.msg, 0, sizeof(err.msg)) != NULL);
	zdm_stmt_list_release(&l);
	free(text);
	return 0;
}
