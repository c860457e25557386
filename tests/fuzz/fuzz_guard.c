/* SPDX-License-Identifier: MIT */
/*
 * fuzz_guard.c - libFuzzer target: the whole hook, hook JSON in.
 *
 * zdm-guard has no entry point other than main(), so this file includes
 * guard/main.c with main renamed and feeds each input as standard input
 * (a file in a scratch directory, dup2'ed onto descriptor 0).  The
 * guard's signal handlers are compiled out: libFuzzer's own -timeout uses
 * SIGALRM, and its crash handlers would turn a crash into a quiet
 * exit 0, so sigaction(), signal() and alarm() are stubbed out.  Answers go to /dev/null; the audit log and HOME point into the
 * scratch directory, which is also the working directory.  Each input is
 * also read by guard_json_load() and by jansson: the two values must be
 * equal (or both inputs refused).
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#define alarm(s) ((void)(s), 0u)
#define signal(s, h) ((void)(s), (void)(h), SIG_DFL)
#define sigaction(s, a, o) ((void)(s), (void)(a), (void)(o), 0)
#define sigaltstack(a, b) ((void)(a), (void)(b), 0)
#define main zdm_guard_main
#include "../../native/src/guard/main.c"
#undef main
#undef sigaltstack
#undef sigaction
#undef signal
#undef alarm

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int in_fd = -1;
static char dir[] = "/tmp/zdm-fuzz-guard.XXXXXX";

/* Remove the scratch directory (not after a crash: that exit skips it). */
static void remove_scratch(void)
{
	char cmd[sizeof(dir) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[sizeof(dir) + 16];
	int null;

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	atexit(remove_scratch);
	setenv("HOME", dir, 1);
	setenv("CLAUDE_PLUGIN_DATA", dir, 1);
	setenv("ZDM_AUDIT_MAX_BYTES", "65536", 1);
	unsetenv("ZDM_GUARD");
	unsetenv("XDG_STATE_HOME");
	if (chdir(dir) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/stdin", dir);
	in_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	null = open("/dev/null", O_WRONLY);
	if (in_fd < 0 || null < 0 || dup2(null, 1) < 0)
		abort();
	close(null);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[] = { (char *)"zdm-guard", NULL };

	/* guard/json.c's reader gives jansson's own value, or defers to it */
	json_error_t e1, e2;
	json_t *mine = guard_json_load((const char *)data, size, &e1);
	json_t *theirs = json_loadb((const char *)data, size, 0, &e2);
	if (!mine != !theirs || (mine && !json_equal(mine, theirs)))
		abort();
	json_decref(mine);
	json_decref(theirs);

	if (ftruncate(in_fd, 0) != 0 ||
	    (size && pwrite(in_fd, data, size, 0) != (ssize_t)size) ||
	    lseek(in_fd, 0, SEEK_SET) != 0 || dup2(in_fd, 0) < 0)
		abort();
	(void)zdm_guard_main(1, argv);
	fflush(stdout);
	return 0;
}
