/* What the memhp subcommands share. */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memhp/memhp.h"

/* The script that fetches Debian's kernel and builds the initramfs; the
 * environment can point elsewhere (an installed copy). */
const char *kernel_script(void)
{
	const char *env = getenv("MEMHP_GUEST_KERNEL");

	/* The script puts this build's static memhp into the initramfs. */
	if (MEMHP_GUEST_TOOL[0])
		setenv("MEMHP_GUEST_TOOL", MEMHP_GUEST_TOOL, 0);
	return env && *env ? env : MEMHP_SOURCE_DIR "/scripts/guest-kernel.sh";
}

void print_progress(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "memhp: %s\n", msg);
}

void print_usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage:\n"
	    "  memhp run [--backend model|qemu] [--kernel " KERNEL_CHOICES
	    "] FILE [--sysroot-out DIR]\n"
	    "            [--json FILE] [--console-log FILE] [--quiet] [--check] [--real-shell]\n"
	    "  memhp run [options] FILE... [--matrix KEY=V1,V2,...]... [--json DIR]\n"
	    "            [--sysroot-out DIR]\n"
	    "  memhp diff A.json B.json\n"
	    "  memhp conform [--kernel " KERNEL_CHOICES "] [--out DIR] FILE...\n"
	    "  memhp conform --against DIR [--known DIR] [--kernel " KERNEL_CHOICES "] FILE...\n"
	    "  memhp conform --record DIR [--kernel " KERNEL_CHOICES "] FILE...\n"
	    "  memhp explain [--kernel " KERNEL_CHOICES "] FILE --block N [--at LABEL] [--json]\n"
	    "  memhp explain [--kernel " KERNEL_CHOICES "] FILE --device ID [--at LABEL] [--json]\n"
	    "  memhp plan [--kernel " KERNEL_CHOICES "] FILE [--at LABEL] [--json]\n"
	    "  memhp draw [--kernel " KERNEL_CHOICES "] FILE [--at LABEL | --timeline] -o OUT.svg\n"
	    "  memhp report [--kernel " KERNEL_CHOICES "] FILE -o OUT.html\n"
	    "  memhp ls [-abJnPr] [-o LIST] [-S LIST] [--sysroot DIR] [--summary[=WHEN]]\n"
	    "  memhp online|offline [-b] [-z ZONE | -p POLICY [-r N]] [-n] [-v] [-y]\n"
	    "            [--sysroot DIR] SIZE|START-END|BLOCK|FIRST-LAST\n"
	    "  memhp fuzz --seed N --ops M [--seeds K] [--kernel " KERNEL_CHOICES
	    "] [--out FILE] [--quiet]\n"
	    "  memhp mount [--kernel " KERNEL_CHOICES "] FILE [--at LABEL] DIR\n"
	    "  memhp exec [--kernel " KERNEL_CHOICES "] FILE [--at LABEL] [--json FILE]\n"
	    "             [--sysroot-out DIR] -- CMD [ARG...]\n"
	    "\n"
	    "run: runs a scenario file (.scn) on the model of a QEMU x86 machine and its\n"
	    "Linux guest (or, --backend qemu, on Debian's cloud kernel booted in QEMU),\n"
	    "prints each step and the final memory layout.\n"
	    "  --kernel        kernel: behaviour profile of the model, or the Debian kernel\n"
	    "                  QEMU boots (default %2$s)\n"
	    "  --sysroot-out   write DIR/LABEL/{sys,proc} for every snapshot (replaced whole)\n"
	    "  --json          write the whole run as JSON\n"
	    "  --console-log   keep the real guest's console there (qemu backend)\n"
	    "  --quiet         print only the final layout\n"
	    "  --matrix        batch: every FILE under every combination of the values;\n"
	    "                  KEY kernel picks the profile, any other KEY=VALUE is added\n"
	    "                  to the kernel command line; one output per run (--json DIR:\n"
	    "                  DIR/NAME.KERNEL[.KEY=VALUE].json), then a table of each\n"
	    "                  run's status and final zone sizes\n"
	    "  --check         check the model's invariants after every step (always on in\n"
	    "                  debug and sanitizer builds, and with MEMHP_CHECK=1)\n"
	    "  --real-shell    run guest lines the model's shell does not know in a real sh\n"
	    "                  over the model's /sys and /proc (FUSE, a mount namespace)\n"
	    "diff: compares two run JSON files on the fields scenario-format.md lists;\n"
	    "  exit 0 only when they agree.\n"
	    "conform: runs each FILE on the model and on the real kernel (both kernels unless\n"
	    "  --kernel) and diffs them; --out keeps the JSON of both sides. --against DIR\n"
	    "  compares the model with runs recorded earlier as DIR/NAME.KERNEL.json;\n"
	    "  --record DIR (re-)records them from the real kernels. --known DIR accepts\n"
	    "  differences that are exactly those listed in DIR/NAME.KERNEL.txt.\n"
	    "  Exit 0: all agree, 1: differences, 2: bad input, 3: a real run failed.\n"
	    "explain: runs FILE on the model up to `snapshot LABEL` (or its end) and shows\n"
	    "  why memoryN is in its zone, or which zone `online` would choose now, with\n"
	    "  the online policy's numbers (--json: the same as JSON). --device ID explains\n"
	    "  virtio-mem device ID instead: its sizes, its driver's mode, ids, threshold\n"
	    "  and retry timer, why size differs from requested-size, and its plug order.\n"
	    "plan: runs FILE on the model up to `snapshot LABEL` (or its end) and says, per\n"
	    "  memory device, how much could be unplugged now and once movable pages\n"
	    "  migrate, which blocks hold the rest by what, and how much more can be plugged\n"
	    "  before the ratio sends memory to a kernel zone; per node the free memory, and\n"
	    "  how much can be hot-added with the kernel memory free for memmaps.\n"
	    "ls: lists memory blocks exactly as util-linux lsmem 2.38.1 does (same options),\n"
	    "  on this machine's /sys or a --sysroot tree.\n"
	    "online, offline: chmem -e/-d on this machine's /sys or a --sysroot tree (sizes,\n"
	    "  address ranges, -b block numbers; exit 64 on partial success). The zone\n"
	    "  comes from --zone, from --policy decided here with the kernel's arithmetic\n"
	    "  on the live numbers, or else from the kernel's own `online`. Every block is\n"
	    "  re-read after its write. Changing this machine needs root and --yes;\n"
	    "  --dry-run always works (see memhp online --help).\n"
	    "fuzz: M random operations on the model (seeds N..N+K-1), on one random machine\n"
	    "  after another, with the model's invariants checked after each; the first\n"
	    "  failure is printed as `seed N step K: ...` and its machine's scenario up to\n"
	    "  that step is written to FILE (default memhp-fuzz-seed-N.scn), which\n"
	    "  memhp run --check reproduces. Exit 0: no failure, 1: a failure.\n"
	    "mount: runs FILE on the model to `snapshot LABEL` (or its end) and serves its\n"
	    "  /sys and /proc over FUSE at DIR until unmounted; reads show the model now,\n"
	    "  writes change it. exec: the same under CMD, in a private mount namespace\n"
	    "  where the memory parts of /sys and /proc are the model's (memhp exec --help).\n",
	    KERNEL_NAMES);
}

int parse_kernel_option(const char *cmd, const char *arg, enum memhp_kernel *out)
{
	if (!memhp_kernel_from_string(arg, out))
		return 0;
	fprintf(stderr, "memhp %s: --kernel: expected %s or %s, got '%s'\n", cmd,
		memhp_kernel_name(MEMHP_KERNEL_6_1), memhp_kernel_name(MEMHP_KERNEL_6_12), arg);
	return -EINVAL;
}

/* Output files are written to PATH.tmp, created new (never through a
 * link, never over a device: `--json /dev/null` once had root rename a
 * file over /dev/null), and renamed onto PATH, so a reader never sees
 * half a file. PATH must be a regular file or not exist. The descriptor,
 * or -1 with the reason printed. */
static int open_output(const char *path, char *tmp, size_t len)
{
	struct stat st;
	int fd;

	if (!lstat(path, &st) && !S_ISREG(st.st_mode)) {
		fprintf(stderr, "memhp: %s: exists and is not a regular file; expected a file to "
				"write\n",
			path);
		return -1;
	}
	snprintf(tmp, len, "%s.tmp", path);
	/* A stale PATH.tmp of an interrupted run goes (the link, if one). */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		fprintf(stderr, "memhp: cannot write %s: %s\n", tmp, strerror(errno));
	return fd;
}

/* Renames a written PATH.tmp into place; fails (and removes it) if the
 * writing did. */
static int finish_output(const char *tmp, const char *path, int ret)
{
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		fprintf(stderr, "memhp: cannot write %s: %s\n", path, strerror(-ret));
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

int write_json(struct json_object *result, const char *path)
{
	char tmp[4096];
	int fd = open_output(path, tmp, sizeof(tmp)), ret = 0;

	if (fd < 0)
		return -EIO;
	if (json_object_to_fd(fd, result,
			      JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
				  JSON_C_TO_STRING_NOSLASHESCAPE))
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return finish_output(tmp, path, ret);
}

int write_text(const char *text, const char *path)
{
	char tmp[4096];
	int fd = open_output(path, tmp, sizeof(tmp)), ret = 0;
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");

	if (!f) {
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	if (fputs(text, f) < 0)
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	return finish_output(tmp, path, ret);
}

/* write_json() of a run, through memhp_run_write_json() (streamed
 * snapshots); the file is created as json-c creates it (mode 0644). */
int write_run_json(const struct memhp_run *run, const char *path)
{
	char tmp[4096];
	int fd = open_output(path, tmp, sizeof(tmp)), ret;
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");

	if (!f) {
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	ret = memhp_run_write_json(run, f);
	if (fclose(f) && !ret)
		ret = -errno;
	return finish_output(tmp, path, ret);
}
