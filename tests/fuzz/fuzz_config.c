/* SPDX-License-Identifier: MIT */
/*
 * fuzz_config.c - libFuzzer target: .zdm.yml through zdm_config_parse()
 * and, when it parses, zdm_config_apply() to a linter.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zdm/config.h"
#include "zdm/lint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zdm_config c;
	struct zdm_error err;
	char *text = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = 0;
	zdm_config_init(&c);
	zdm_error_clear(&err);
	if (zdm_config_parse(".zdm.yml", text, size, &c, &err) == ZDM_OK) {
		struct zdm_lint_opts o = { ZDM_DIALECT_POSTGRES, 0, 0 };
		struct zdm_linter *l = zdm_linter_new(&o);
		zdm_error_clear(&err);
		(void)zdm_config_apply(&c, l, &err);
		zdm_linter_free(l);
	}
	if (!memchr(err.msg, 0, sizeof(err.msg)))
		__builtin_trap();
	zdm_config_release(&c);
	/* the duration parser on the same bytes, as one string */
	(void)zdm_parse_duration_ms(text);
	free(text);
	return 0;
}
