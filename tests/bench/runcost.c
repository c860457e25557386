// SPDX-License-Identifier: MIT
/*
 * runcost: run a command N times and report what each run cost.
 *
 *   runcost [-n RUNS] [-w WARMUP] [-i STDIN_FILE] [-o STDOUT_FILE]
 *           [-e STDERR_FILE] [-s SETUP_CMD] [-r RAW_FILE] [-t SECONDS]
 *           -- PROG ARG... [::: PROG2 ARG... ...]
 *
 * Each run is fork + execvp with stdin from STDIN_FILE (default /dev/null)
 * and stdout/stderr to /dev/null (or the files given), then wait4().  Per
 * run it records wall time (CLOCK_MONOTONIC from fork to reap), CPU time
 * (ru_utime + ru_stime of the child and everything it waited for) and peak
 * RSS (ru_maxrss, the number GNU time prints as %M).  SETUP_CMD, when
 * given, runs through /bin/sh before every round (one run of each
 * command) and is not timed, e.g. to delete the databases so that every
 * `up` starts fresh.  With -t, a run that takes longer than SECONDS is
 * killed by SIGALRM (set before exec, so it survives it) and counts as a
 * failure: a hung binary cannot hang the benchmark.
 *
 * Several commands separated by `:::` are run interleaved (A B A B ...),
 * each with the same stdin, so that a comparison between them sees the
 * same machine load even when other work comes and goes; one result line
 * per command, in order.  A `%d` in STDOUT_FILE or STDERR_FILE becomes
 * the command's index (0, 1, ...), so that each keeps its own output.
 *
 * It prints one line of key=value pairs per command that run.sh parses:
 *
 *   runs=N fails=F exit=E wall_med_us=.. wall_mean_us=.. wall_min_us=..
 *   cpu_med_us=.. cpu_mean_us=.. cpu_min_us=.. rss_med_kb=.. rss_max_kb=..
 *
 * `exit` is the exit status of the last run (or 128+signal).  A run that
 * exits with a status of 2 or more, or by a signal, counts as a failure;
 * linters exit 1 on findings, so 1 is fine.  RAW_FILE gets one line per
 * run: command_index wall_us cpu_us rss_kb status.
 *
 * This is the portable stand-in for `perf stat -r N -e task-clock`: it
 * needs no perf_event access, it measures every program the same way,
 * including the dynamic loader's work before main(), and it opens stdin
 * afresh for every run.  `perf stat -r` does not: all repetitions share one
 * stdin, so from the second run on a hook reads EOF instead of its payload.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sample {
	double wall_us, cpu_us;
	long rss_kb;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int open_or_die(const char *path, int flags)
{
	int fd = open(path, flags, 0644);

	if (fd < 0) {
		fprintf(stderr, "runcost: %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	return fd;
}

/* One run; returns the wait status, fills *s. */
static int run_once(char **argv, const char *in, const char *out,
		    const char *err, unsigned timeout, struct sample *s)
{
	struct rusage ru;
	int status = 0;
	double t0 = now_us();
	pid_t pid = fork();

	if (pid < 0) {
		perror("runcost: fork");
		exit(3);
	}
	if (pid == 0) {
		int fd0 = open_or_die(in, O_RDONLY);
		int fd1 = open_or_die(out, O_WRONLY | O_CREAT | O_TRUNC);
		int fd2 = open_or_die(err, O_WRONLY | O_CREAT | O_TRUNC);

		dup2(fd0, 0);
		dup2(fd1, 1);
		dup2(fd2, 2);
		if (timeout)
			alarm(timeout);
		execvp(argv[0], argv);
		fprintf(stderr, "runcost: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("runcost: wait4");
			exit(3);
		}
	}
	s->wall_us = now_us() - t0;
	s->cpu_us = (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec +
		    (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
	s->rss_kb = ru.ru_maxrss;
	return status;
}

static void usage(void)
{
	fputs("usage: runcost [-n RUNS] [-w WARMUP] [-i STDIN] [-o STDOUT] [-e STDERR]\n"
	      "               [-s SETUP_CMD] [-r RAW_FILE] [-t SECONDS]\n"
	      "               -- PROG ARG... [::: PROG ARG...]\n",
	      stderr);
	exit(2);
}

struct cmd {
	char **argv;
	char out[4096], err[4096];
	struct sample *s;
	int fails, last;
};

/* PATH with its first "%d" replaced by K (no printf: PATH is user text). */
static void path_for(char *dst, size_t size, const char *path, int k)
{
	const char *p = strstr(path, "%d");

	if (!p)
		snprintf(dst, size, "%s", path);
	else
		snprintf(dst, size, "%.*s%d%s", (int)(p - path), path, k, p + 2);
}

static void report(struct cmd *c, int runs)
{
	double *wall = calloc((size_t)runs, sizeof(*wall));
	double *cpu = calloc((size_t)runs, sizeof(*cpu));
	long *rss = calloc((size_t)runs, sizeof(*rss));
	double wsum = 0, csum = 0, wmed, cmed;
	int i;

	if (!wall || !cpu || !rss) {
		perror("runcost");
		exit(3);
	}
	for (i = 0; i < runs; i++) {
		wall[i] = c->s[i].wall_us;
		cpu[i] = c->s[i].cpu_us;
		rss[i] = c->s[i].rss_kb;
		wsum += wall[i];
		csum += cpu[i];
	}
	qsort(rss, (size_t)runs, sizeof(*rss), cmp_long);
	wmed = median(wall, runs);
	cmed = median(cpu, runs);
	printf("runs=%d fails=%d exit=%d wall_med_us=%.1f wall_mean_us=%.1f "
	       "wall_min_us=%.1f cpu_med_us=%.1f cpu_mean_us=%.1f cpu_min_us=%.1f "
	       "rss_med_kb=%ld rss_max_kb=%ld\n",
	       runs, c->fails, c->last, wmed, wsum / runs, wall[0], cmed, csum / runs,
	       cpu[0], rss[runs / 2], rss[runs - 1]);
	free(wall);
	free(cpu);
	free(rss);
}

int main(int argc, char **argv)
{
	const char *in = "/dev/null", *out = "/dev/null", *err = "/dev/null";
	const char *setup = NULL, *raw = NULL;
	int runs = 10, warmup = 1, ncmd = 0, opt, i, k;
	unsigned timeout = 0;
	struct cmd cmds[16];
	FILE *rf = NULL;

	while ((opt = getopt(argc, argv, "+n:w:i:o:e:s:r:t:")) != -1) {
		switch (opt) {
		case 'n': runs = atoi(optarg); break;
		case 'w': warmup = atoi(optarg); break;
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		case 'e': err = optarg; break;
		case 's': setup = optarg; break;
		case 'r': raw = optarg; break;
		case 't': timeout = (unsigned)atoi(optarg); break;
		default: usage();
		}
	}
	if (optind >= argc || runs < 1 || warmup < 0)
		usage();

	/* Split the rest at ":::" into commands (argv is NULL-terminated). */
	for (i = optind; i < argc; i++) {
		if (ncmd == 16) {
			fputs("runcost: at most 16 commands\n", stderr);
			return 2;
		}
		cmds[ncmd].argv = &argv[i];
		while (i < argc && strcmp(argv[i], ":::") != 0)
			i++;
		if (i < argc)
			argv[i] = NULL;
		if (!cmds[ncmd].argv[0])
			usage();
		cmds[ncmd].s = calloc((size_t)runs, sizeof(struct sample));
		if (!cmds[ncmd].s) {
			perror("runcost");
			return 3;
		}
		cmds[ncmd].fails = cmds[ncmd].last = 0;
		path_for(cmds[ncmd].out, sizeof(cmds[ncmd].out), out, ncmd);
		path_for(cmds[ncmd].err, sizeof(cmds[ncmd].err), err, ncmd);
		ncmd++;
	}
	if (raw && !(rf = fopen(raw, "w"))) {
		fprintf(stderr, "runcost: %s: %s\n", raw, strerror(errno));
		return 3;
	}

	for (i = -warmup; i < runs; i++) {
		if (setup && system(setup) != 0) {
			fprintf(stderr, "runcost: setup command failed: %s\n", setup);
			return 3;
		}
		for (k = 0; k < ncmd; k++) {
			struct cmd *c = &cmds[k];
			struct sample tmp;
			int st, code;

			st = run_once(c->argv, in, c->out, c->err, timeout, &tmp);
			if (i < 0)
				continue;
			c->s[i] = tmp;
			code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			c->last = code;
			if (code >= 2)
				c->fails++;
			if (rf)
				fprintf(rf, "%d %.1f %.1f %ld %d\n", k, tmp.wall_us,
					tmp.cpu_us, tmp.rss_kb, code);
		}
	}
	if (rf)
		fclose(rf);
	for (k = 0; k < ncmd; k++)
		report(&cmds[k], runs);
	return 0;
}
