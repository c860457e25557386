/* SPDX-License-Identifier: MIT */
/*
 * test_fuzz_regress.c - every input that once crashed a fuzz target.
 *
 * tests/fixtures/fuzz/fuzz_<target>/ holds the inputs; each is run through
 * the fuzz target's own code (tests/fuzz/fuzz_<target>.c is included
 * here with its entry point renamed), so a regression is a crash, a
 * sanitizer report under `make asan`, or a leak under `make valgrind`.
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "zdm/util.h"

#define LLVMFuzzerTestOneInput fuzz_split_one
#include "../fuzz/fuzz_split.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_lint_one
#include "../fuzz/fuzz_lint.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_config_one
#include "../fuzz/fuzz_config.c"
#undef LLVMFuzzerTestOneInput

#define DIR_FUZZ "tests/fixtures/fuzz/"

/* Run fn on every file of DIR_FUZZ/target; returns how many. */
static int run_dir(const char *target, int (*fn)(const uint8_t *, size_t))
{
	char dir[256], path[512];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), DIR_FUZZ "%s", target);
	d = opendir(dir);
	cr_assert_not_null(d, "cannot open '%s'", dir);
	while ((e = readdir(d)) != NULL) {
		struct zdm_error err;
		char *data;
		size_t len;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		cr_assert_eq(zdm_read_file(path, 0, &data, &len, &err), ZDM_OK, "%s", err.msg);
		fn((const uint8_t *)data, len);
		free(data);
		n++;
	}
	closedir(d);
	return n;
}

Test(fuzz_regress, split)
{
	run_dir("fuzz_split", fuzz_split_one);
}

Test(fuzz_regress, lint)
{
	run_dir("fuzz_lint", fuzz_lint_one);
}

Test(fuzz_regress, config)
{
	run_dir("fuzz_config", fuzz_config_one);
}

/*
 * A negative length from a caller (size_t wrapped) once made buf_grow()
 * double its capacity until it overflowed to 0 and loop forever (the
 * guard's word_text(), which now also checks its lengths): now it aborts
 * like any allocation that cannot be met.
 */
Test(fuzz_regress, buf_add_with_a_wrapped_length_aborts, .signal = SIGABRT)
{
	struct zdm_buf b = ZDM_BUF_INIT;

	zdm_buf_adds(&b, "psql");
	zdm_buf_add(&b, "x", (size_t)0 - 3);
}

Test(fuzz_regress, arena_alloc_of_a_wrapped_size_aborts, .signal = SIGABRT)
{
	struct zdm_arena a = ZDM_ARENA_INIT;

	(void)zdm_arena_alloc(&a, (size_t)0 - 3);
}
