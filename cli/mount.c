/* memhp mount and memhp exec: the model at a snapshot as a live /sys and
 * /proc, over FUSE. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "memhp/memhp.h"

static void mount_usage(FILE *f)
{
	fprintf(f,
		"Usage: memhp mount [--kernel " KERNEL_CHOICES "] SCENARIO [--at LABEL] DIR\n"
		"       memhp exec [--kernel " KERNEL_CHOICES
		"] SCENARIO [--at LABEL] [--json FILE]\n"
		"                  [--sysroot-out DIR] -- CMD [ARG...]\n"
		"Runs SCENARIO on the model up to `snapshot LABEL` (default: its end), then\n"
		"serves its /sys and /proc over FUSE: reads show the model now, writes go to\n"
		"the model and fail with the kernel's errno.\n"
		"mount: at DIR, in the foreground until unmounted (fusermount3 -u DIR) or\n"
		"  interrupted.\n"
		"exec: runs CMD in a private mount namespace where /sys/devices/system/memory,\n"
		"  /sys/devices/system/node, /sys/module/memory_hotplug/parameters,\n"
		"  /proc/meminfo, /proc/zoneinfo and /proc/iomem are the model's; exits with\n"
		"  CMD's status. --json FILE / --sysroot-out DIR: the run, with the model's\n"
		"  state after CMD as snapshot `exec`, as memhp run writes them.\n"
		"Exit 2: bad input; 1: FUSE or namespaces unavailable.\n",
		KERNEL_NAMES);
}

struct fs_cmd {
	struct memhp_fs_options o;
	const char *json_out;
};

/* Options of argv[0..argc); -1 to go on, else the exit status. */
static int parse_fs_options(const char *cmd, int argc, char **argv, struct fs_cmd *fc, bool exec)
{
	static const struct option opts[] = {
	    {"kernel", required_argument, NULL, 'k'}, {"at", required_argument, NULL, 'a'},
	    {"json", required_argument, NULL, 'j'},   {"sysroot-out", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},	      {0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "k:a:j:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (parse_kernel_option(cmd, optarg, &fc->o.kernel))
				return EXIT_USAGE;
			break;
		case 'a':
			fc->o.at_label = optarg;
			break;
		case 'j':
		case 's':
			if (!exec) {
				mount_usage(stderr);
				return EXIT_USAGE;
			}
			if (c == 'j')
				fc->json_out = optarg;
			else
				fc->o.sysroot_out = optarg;
			break;
		case 'h':
			mount_usage(stdout);
			return 0;
		default:
			mount_usage(stderr);
			return EXIT_USAGE;
		}
	}
	return -1;
}

int cmd_mount(int argc, char **argv)
{
	struct fs_cmd fc = {.o = {.kernel = MEMHP_KERNEL_6_12}};
	struct memhp_fs *fs;
	char err[1024] = "";
	int ret = parse_fs_options("mount", argc, argv, &fc, false);

	if (ret >= 0)
		return ret;
	if (optind + 2 != argc) {
		mount_usage(stderr);
		return EXIT_USAGE;
	}
	ret = memhp_fs_open(argv[optind], &fc.o, &fs, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-ret));
		return EXIT_USAGE;
	}
	ret = memhp_fs_mount(fs, argv[optind + 1], err, sizeof(err));
	if (ret) {
		fprintf(stderr, "memhp mount: %s\n", err);
		memhp_fs_free(fs);
		return ret == -ENOTDIR || ret == -ENOENT ? EXIT_USAGE : 1;
	}
	ret = memhp_fs_serve(fs);
	memhp_fs_free(fs);
	if (ret) {
		fprintf(stderr, "memhp mount: FUSE: %s\n", strerror(-ret));
		return 1;
	}
	return 0;
}

/* After CMD: snapshot `exec` into the JSON and the trees. 0 or 1. */
static int record_exec(struct memhp_fs *fs, const struct fs_cmd *fc)
{
	char err[1024] = "";

	if (!fc->json_out && !fc->o.sysroot_out)
		return 0;
	if (memhp_fs_snapshot(fs, "exec", fc->o.sysroot_out, err, sizeof(err))) {
		fprintf(stderr, "memhp exec: %s\n", err);
		return 1;
	}
	return fc->json_out && write_json(memhp_fs_result(fs), fc->json_out) ? 1 : 0;
}

int cmd_exec(int argc, char **argv)
{
	struct fs_cmd fc = {.o = {.kernel = MEMHP_KERNEL_6_12}};
	struct memhp_fs *fs;
	char err[1024] = "";
	int dd = 1, ret, status = 0;

	/* Everything after "--" is the command's. */
	while (dd < argc && strcmp(argv[dd], "--"))
		dd++;
	ret = parse_fs_options("exec", dd, argv, &fc, true);
	if (ret >= 0)
		return ret;
	if (optind + 1 != dd || dd + 1 >= argc) {
		fprintf(stderr, "memhp exec: expected SCENARIO [options] -- CMD [ARG...]\n");
		mount_usage(stderr);
		return EXIT_USAGE;
	}
	ret = memhp_fs_open(argv[optind], &fc.o, &fs, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-ret));
		return EXIT_USAGE;
	}
	fflush(NULL);
	ret = memhp_fs_exec(fs, argv + dd + 1, &status, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "memhp exec: %s\n", err);
		memhp_fs_free(fs);
		return ret == -ENOEXEC ? 127 : 1;
	}
	if (record_exec(fs, &fc))
		status = status ? status : 1;
	memhp_fs_free(fs);
	return status;
}
