/* SPDX-License-Identifier: MIT */
/*
 * fuzz_shell.c - libFuzzer target: the guard's shell tokenizer and parser
 * (guard/shell.h) and its SQL extraction (guard_bash) without the JSON.
 *
 * The first byte's bit 0 picks PowerShell; the rest is the command.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../native/src/guard/guard.h"
#include "../../native/src/guard/shell.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zdm_sh_script s = ZDM_SH_SCRIPT_INIT;
	struct guard g;
	unsigned flags;
	size_t n, i;
	char *text;

	if (size < 1)
		return 0;
	flags = data[0] & 1 ? ZDM_SH_POWERSHELL : 0;
	n = size - 1;
	text = malloc(n + 1);
	memcpy(text, data + 1, n);
	text[n] = 0;

	zdm_sh_parse(text, n, flags, &s);
	/* Token extents stay inside the input. */
	for (i = 0; i < s.toks.count; i++)
		if (s.toks.items[i].off > n || s.toks.items[i].len > n - s.toks.items[i].off)
			__builtin_trap();
	zdm_sh_script_release(&s);

	guard_init(&g);
	g.cwd = "/nonexistent-zdm-fuzz";
	g.powershell = !!flags;
	if (guard_bash_may_sql(text, n))
		guard_bash(&g, text, n);
	guard_release(&g);
	free(text);
	return 0;
}
