/* memhp fuzz: random operations on the model with its invariants checked
 * after each; the first failure is printed with its seed and step, and its
 * machine's scenario is written where memhp run reproduces it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "memhp/memhp.h"

struct fuzz_cmd {
	struct memhp_fuzz_options fo;
	uint64_t seeds;
	const char *out; /* NULL: memhp-fuzz-seed-N.scn */
	bool quiet;
};

/* What a crash handler needs: the fuzz under way and where its scenario
 * goes. Set only around memhp_fuzz_run(). */
static struct {
	const struct memhp_fuzz *fuzz;
	const char *out;
	uint64_t seed;
	struct sigaction old[NSIG];
} crash;

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

static void write_str(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* A decimal number without printf, which a signal handler may not call. */
static const char *u64_str(uint64_t v, char buf[24])
{
	char *p = buf + 23;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

/* The machine's scenario up to the operation that crashed goes to the
 * file; then the handler that was there (the default, or a sanitizer's)
 * sees the signal again, with its own report. */
static void on_crash(int sig)
{
	const char *text;
	size_t len;
	uint64_t step;
	char num[24];
	int fd;

	memhp_fuzz_current(crash.fuzz, &text, &len, &step);
	fd = open(crash.out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		while (len) {
			ssize_t w = write(fd, text, len);

			if (w <= 0)
				break;
			text += w;
			len -= (size_t)w;
		}
		close(fd);
	}
	write_str(2, "memhp fuzz: seed ");
	write_str(2, u64_str(crash.seed, num));
	write_str(2, " step ");
	write_str(2, u64_str(step, num));
	write_str(2, ": crashed with signal ");
	write_str(2, u64_str((uint64_t)sig, num));
	write_str(2, "; its scenario is in ");
	write_str(2, crash.out);
	write_str(2, "\n");
	sigaction(sig, &crash.old[sig], NULL);
	/* A fault happens again on return; an abort is raised again. */
	if (sig == SIGABRT)
		raise(sig);
}

static void catch_crashes(const struct memhp_fuzz *f, const char *out, uint64_t seed)
{
	struct sigaction sa = {.sa_handler = on_crash};

	crash.fuzz = f;
	crash.out = out;
	crash.seed = seed;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
		sigaction(crash_signals[i], &sa, &crash.old[crash_signals[i]]);
}

static void release_crashes(void)
{
	for (size_t i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
		sigaction(crash_signals[i], &crash.old[crash_signals[i]], NULL);
	crash.fuzz = NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_failure(const struct fuzz_cmd *fc, const struct memhp_fuzz_report *r)
{
	const char *kernel = memhp_kernel_name(r->kernel);

	if (r->step)
		printf("memhp fuzz: seed %" PRIu64 " step %" PRIu64 ": %s\n", fc->fo.seed, r->step,
		       r->message);
	else
		printf("memhp fuzz: seed %" PRIu64 " boot of machine %" PRIu64 ": %s\n",
		       fc->fo.seed, r->machine, r->message);
	printf("memhp fuzz: its machine's scenario is %s (line %d); memhp run --check --kernel %s "
	       "%s %s\n",
	       fc->fo.out, r->line, kernel, fc->fo.out,
	       r->reproduced ? "reproduces it" : "does NOT reproduce it");
}

/* Fuzzes one seed; 0, 1 after a failure, or EXIT_USAGE. */
static int fuzz_seed(struct fuzz_cmd *fc, struct memhp_fuzz_report *r)
{
	char out[4096], err[1024] = "";
	struct memhp_fuzz *f;
	int ret;

	if (fc->out)
		snprintf(out, sizeof(out), "%s", fc->out);
	else
		snprintf(out, sizeof(out), "memhp-fuzz-seed-%" PRIu64 ".scn", fc->fo.seed);
	fc->fo.out = out;
	ret = memhp_fuzz_new(&fc->fo, &f);
	if (ret) {
		fprintf(stderr, "memhp fuzz: %s\n", strerror(-ret));
		return EXIT_USAGE;
	}
	catch_crashes(f, out, fc->fo.seed);
	ret = memhp_fuzz_run(f, r, err, sizeof(err));
	release_crashes();
	memhp_fuzz_free(f);
	if (ret) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	if (r->failed)
		print_failure(fc, r);
	return r->failed ? 1 : 0;
}

static int parse_u64(const char *opt, const char *arg, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-') {
		fprintf(stderr, "memhp fuzz: %s: expected a number, got '%s'\n", opt, arg);
		return -EINVAL;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: memhp fuzz --seed N --ops M [--seeds K] [--kernel " KERNEL_CHOICES
		"] [--out FILE] [--quiet]\n",
		KERNEL_NAMES);
}

/* -1: go on; else the exit status. */
static int parse_fuzz_options(int argc, char **argv, struct fuzz_cmd *fc)
{
	static const struct option opts[] = {
	    {"seed", required_argument, NULL, 's'},  {"ops", required_argument, NULL, 'o'},
	    {"seeds", required_argument, NULL, 'n'}, {"kernel", required_argument, NULL, 'k'},
	    {"out", required_argument, NULL, 'O'},   {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},	     {0},
	};
	bool seed = false, ops = false;
	int c;

	while ((c = getopt_long(argc, argv, "s:o:n:k:O:qh", opts, NULL)) != -1) {
		int ret = 0;

		switch (c) {
		case 's':
			ret = parse_u64("--seed", optarg, &fc->fo.seed);
			seed = true;
			break;
		case 'o':
			ret = parse_u64("--ops", optarg, &fc->fo.ops);
			ops = true;
			break;
		case 'n':
			ret = parse_u64("--seeds", optarg, &fc->seeds);
			break;
		case 'k':
			ret = parse_kernel_option("fuzz", optarg, &fc->fo.kernel);
			fc->fo.fixed_kernel = true;
			break;
		case 'O':
			fc->out = optarg;
			break;
		case 'q':
			fc->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
		if (ret)
			return EXIT_USAGE;
	}
	if (!seed || !ops || optind != argc || !fc->seeds) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

int cmd_fuzz(int argc, char **argv)
{
	struct fuzz_cmd fc = {.seeds = 1};
	uint64_t first, ops = 0, machines = 0, seeds = 0;
	double start = now(), secs;
	int ret = parse_fuzz_options(argc, argv, &fc);

	if (ret >= 0)
		return ret;
	first = fc.fo.seed;
	for (ret = 0; !ret && seeds < fc.seeds; seeds++) {
		struct memhp_fuzz_report r;
		double t = now();

		fc.fo.seed = first + seeds;
		ret = fuzz_seed(&fc, &r);
		ops += r.ops;
		machines += r.machines;
		if (!fc.quiet && fc.seeds > 1)
			printf("seed %" PRIu64 ": %" PRIu64 " ops on %" PRIu64
			       " machines in %.1f s%s\n",
			       fc.fo.seed, r.ops, r.machines, now() - t, ret ? ", failed" : "");
		fflush(stdout);
	}
	secs = now() - start;
	printf("memhp fuzz: seed%s %" PRIu64, fc.seeds > 1 ? "s" : "", first);
	if (fc.seeds > 1)
		printf("-%" PRIu64, first + fc.seeds - 1);
	printf(": %" PRIu64 " ops on %" PRIu64 " machines in %.1f s (%.0f ops/s), %d violation%s\n",
	       ops, machines, secs, secs > 0 ? (double)ops / secs : 0.0, ret == 1,
	       ret == 1 ? "" : "s");
	return ret;
}
