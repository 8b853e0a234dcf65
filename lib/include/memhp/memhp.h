/* libmemhp: a user-space model of Linux memory hot(un)plug on a QEMU x86
 * machine, faithful to the kernel block for block.
 *
 * All functions return 0 or a negative errno. Nothing here prints. */
#ifndef MEMHP_H
#define MEMHP_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "memhp/kernel_version.h"

#ifdef __cplusplus
extern "C" {
#endif

struct json_object;


enum memhp_backend {
	MEMHP_BACKEND_MODEL, /* libmemhp's model of the machine and kernel */
	MEMHP_BACKEND_QEMU,  /* Debian's cloud kernel in qemu-system-x86_64 */
};

/* What runs guest lines outside the model's shell: memhp_real_shell_new(). */
struct memhp_guest_fallback;

/* What becomes of the model's snapshots in the run JSON (the QEMU
 * backend always keeps them: its final layout is its last snapshot's). */
enum memhp_snapshots {
	MEMHP_SNAPSHOTS_KEEP, /* in memhp_run_result()'s "snapshots" */
	MEMHP_SNAPSHOTS_NONE, /* not made ("snapshots" is empty) */
	/* Written to a temporary file as they are taken, so the run's memory
	 * does not grow with them: "snapshots" is empty, and only
	 * memhp_run_write_json() has them. */
	MEMHP_SNAPSHOTS_STREAM,
};

struct memhp_run_options {
	enum memhp_kernel kernel;
	enum memhp_backend backend;
	const char *sysroot_out; /* write a sysroot per snapshot there, or NULL */
	/* Model only: check the invariants (memhp_check()) after boot and
	 * every step; a violation ends the run with status "error", its
	 * message naming the invariant and the step. On without asking in
	 * debug and sanitizer builds and with MEMHP_CHECK=1 (MEMHP_CHECK=0:
	 * off unless asked here). */
	bool check;
	/* Model only: guest lines outside the modelled shell (echo > PATH,
	 * cat, setstate, zones, load, memhp TOOL) run there instead of being
	 * refused before the run; NULL: refused. */
	struct memhp_guest_fallback *guest_fallback;
	/* Kernel command-line words added after the scenario's own
	 * kernel-cmdline lines (a sweep's parameters), or NULL. */
	const char *extra_cmdline;
	/* QEMU backend only: */
	const char *kernel_script; /* scripts/guest-kernel.sh (required) */
	const char *console_log;   /* keep the guest console there, or NULL */
	void (*progress)(void *ctx, const char *msg); /* or NULL */
	void *progress_ctx;
	enum memhp_snapshots snapshots; /* model only */
};

/* One scenario run on either backend. */
struct memhp_run;

/* Parses and runs a .scn file. A malformed file or one the model cannot
 * run (a guest line outside its shell, without guest_fallback) returns
 * -EINVAL with "FILE:LINE: what was expected" in err and runs nothing;
 * so does an unusable sysroot_out (-errno, "--sysroot-out 'DIR':
 * what was expected"), which is created when only its last component is
 * missing. Each snapshot then replaces DIR/LABEL as a whole. A run that
 * started always yields *out, with status "error" and the reason in err
 * when it could not finish (QEMU backend: no kernel, QEMU missing, guest
 * died, ...). */
int memhp_run_file(const char *path, const struct memhp_run_options *opts, struct memhp_run **out,
		   char *err, size_t errlen);
void memhp_run_free(struct memhp_run *run);

/* The run as JSON (scenario-format.md); owned by the run. */
struct json_object *memhp_run_result(const struct memhp_run *run);
/* Writes the run JSON to f byte for byte as json-c writes
 * memhp_run_result() with JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
 * | JSON_C_TO_STRING_NOSLASHESCAPE (no newline at the end), with the
 * snapshots of MEMHP_SNAPSHOTS_STREAM in their place. 0, or -EIO (f's or
 * the temporary file's error) or -ENOMEM. */
int memhp_run_write_json(const struct memhp_run *run, FILE *f);

/* The model's invariants on the final machine of a model run: the host's
 * devices and backends, the kernel's zone, node and memory-group counters
 * against the sums over their blocks, online blocks inside their zone's
 * span, the block, zone and group indexes, and no block of a device the
 * host removed. 0, -EUCLEAN with "invariant NAME: details" in msg (the
 * first broken one), or -EOPNOTSUPP for a run on QEMU. */
int memhp_check(const struct memhp_run *run, char *msg, size_t len);

/* The final state of one memory block, as sysfs shows it. */
struct memhp_block_info {
	uint64_t id;
	uint64_t start, size; /* bytes */
	const char *state;    /* "online", "offline", "going-offline" */
	const char *zone;     /* zone name, or NULL: offline or mixed */
	int node;
};

/* Calls fn for every memory block in ascending order (the QEMU backend:
 * as its last snapshot showed them); stops at a non-zero return and passes
 * it on. */
int memhp_run_for_each_block(const struct memhp_run *run,
			     int (*fn)(const struct memhp_block_info *b, void *arg), void *arg);

/* memhp explain: runs the model on a scenario up to `snapshot at_label`
 * (or to its end) and explains the zone of one memory block: the decision
 * that put it there, or the zone `online` would choose now, with the
 * numbers the policy compared (and, for a block of a virtio-mem device,
 * the driver's state of it). With device set, it explains that virtio-mem
 * device instead: its sizes, its driver's mode and state, why its size
 * differs from its requested-size, and where its driver plugs. */
struct memhp_explain_options {
	enum memhp_kernel kernel;
	uint64_t block;	      /* unless device is set */
	const char *device;   /* a virtio-mem device's id, or NULL */
	const char *at_label; /* NULL: the end of the scenario */
};

/* *out: the explanation as JSON (caller puts). A malformed file, an
 * unknown label, a block that does not exist there or no virtio-mem
 * device with that id: -EINVAL or -ENOENT with the reason in err. */
int memhp_explain_file(const char *path, const struct memhp_explain_options *opts,
		       struct json_object **out, char *err, size_t errlen);
/* The explanation as plain text (malloc'd), or NULL without memory. */
char *memhp_explain_text(struct json_object *explanation);

/* memhp draw and memhp report: pictures of a model run (lib/view/draw.h,
 * report.h). The map is the state after FILE ran up to `snapshot
 * at_label` (NULL: its end), as memhp explain sees it; the timeline
 * samples the machine after boot and after every step. */
struct memhp_draw_options {
	enum memhp_kernel kernel;
	const char *at_label; /* the map's snapshot, or NULL: the end */
	bool timeline;	      /* the timeline instead of the map */
};

/* *svg: the SVG document (malloc'd). A malformed file, an unknown label
 * or a scenario the model cannot run: -EINVAL with the reason in err. */
int memhp_draw_file(const char *path, const struct memhp_draw_options *opts, char **svg,
		    char *err, size_t errlen);
/* *html: one self-contained page (malloc'd) with the steps, the timeline,
 * the map at every snapshot and the explain text of each block there (of
 * the first 4096 blocks of a snapshot, for big machines). Errors as
 * memhp_draw_file(). */
int memhp_report_file(const char *path, enum memhp_kernel kernel, char **html, char *err,
		      size_t errlen);

/* memhp explain --live: block `block` of a live machine, read (never
 * written) from sysroot's sys/ and proc/ (NULL: this machine's, "/"): the
 * zone `online` would choose now with the policy's arithmetic on the live
 * numbers, an online block judged as if it were offline and compared with
 * its zone. *out in memhp_explain_file()'s schema with "live": true (no
 * "onlined_by": a live machine keeps no history; present_early estimated).
 * No memory directory or no such block: -ENOENT; zones that cannot be
 * weighed (no /proc/zoneinfo, a block without node): -ENODATA; err says
 * which, naming the sysroot. */
int memhp_explain_live(const char *sysroot, uint64_t block, struct json_object **out, char *err,
		       size_t errlen);

/* memhp plan: runs the model on a scenario up to `snapshot at_label` (or
 * to its end) and plans for its memory devices and nodes (view/plan.h). */
struct memhp_plan_options {
	enum memhp_kernel kernel;
	const char *at_label; /* NULL: the end of the scenario */
};

/* *out: the plan as JSON (caller puts). A malformed file or a run that
 * stopped on an error: -EINVAL (or the error) with the reason in err. */
int memhp_plan_file(const char *path, const struct memhp_plan_options *opts,
		    struct json_object **out, char *err, size_t errlen);
/* The plan as plain text (malloc'd), or NULL without memory. */
char *memhp_plan_text(struct json_object *plan);

/* memhp ls: util-linux lsmem 2.38.1's listing of a /sys tree, byte for
 * byte (columns, ranges, splitting, formats, summary), plus columns lsmem
 * lacks, shown only when asked for, and the auto-movable ratio's numbers
 * per node (ratio). */
enum memhp_ls_column {
	MEMHP_LS_RANGE,
	MEMHP_LS_SIZE,
	MEMHP_LS_STATE,
	MEMHP_LS_REMOVABLE,
	MEMHP_LS_BLOCK,
	MEMHP_LS_NODE,
	MEMHP_LS_ZONES,
	/* memhp's own, not in lsmem (so not in --output-all): */
	MEMHP_LS_ZONE,	 /* the zone an online block is in */
	MEMHP_LS_DEVICE, /* its memory device: ACPI name or virtioN */
	MEMHP_LS_NR_COLUMNS,
};

/* lsmem's own columns, the first ones; its limits on -o and -S lists are
 * 2 * and 1 * this many entries. */
#define MEMHP_LS_NR_LSMEM_COLUMNS (MEMHP_LS_ZONES + 1)

enum memhp_ls_format {
	MEMHP_LS_TABLE,
	MEMHP_LS_RAW,
	MEMHP_LS_PAIRS,
	MEMHP_LS_JSON,
};

struct memhp_ls_options {
	enum memhp_ls_format format;
	bool all;	 /* -a: a line per block */
	bool bytes;	 /* -b */
	bool noheadings; /* -n */
	bool want_table, want_summary;
	int columns[2 * MEMHP_LS_NR_COLUMNS];
	size_t nr_columns;
	bool split_set; /* -S given: split[] instead of the columns */
	int split[MEMHP_LS_NR_COLUMNS];
	size_t nr_split;
	const char *sysroot; /* lsmem's --sysroot; NULL: this machine's /sys */
	/* Instead of the blocks and the summary: per node and over all
	 * nodes, KERNEL_EARLY and MOVABLE pages from /proc/zoneinfo (live.h:
	 * KERNEL_EARLY estimated), auto_movable_ratio, the limit ratio *
	 * KERNEL_EARLY / 100 and the room left under it, in the format asked
	 * (table, raw, pairs, JSON). */
	bool ratio;
};

/* Parses a column list as lsmem's -o and -S do: "+LIST" appends to
 * ids[0..*n), LIST replaces them; names are case-insensitive. 0, or
 * -EINVAL with the unknown name in bad (len bytes), or -E2BIG past max. */
int memhp_ls_columns(const char *list, int *ids, size_t max, size_t *n, char *bad, size_t len);
/* Lists the blocks. 0, or -errno with err saying what lsmem says. */
int memhp_ls(const struct memhp_ls_options *o, FILE *out, char *err, size_t errlen);

/* The memory tools (lib/userspace/tool.h): memhp online, offline and the
 * others, on this machine's /sys and /proc, or on a tree given with their
 * own --sysroot. argv[0] names the tool. Their output goes to out and err;
 * returns the exit status (64: partial success, as chmem), or -ENOENT if
 * argv[0] is not a tool. */
int memhp_tool_main(int argc, char **argv, FILE *out, FILE *err);
/* Whether name is a tool, and its one-line summary (NULL if not). */
const char *memhp_tool_summary(const char *name);

/* Compares two run JSON objects on the fields scenario-format.md lists;
 * one line per difference into *report (malloc'd). Returns the number of
 * differences or -errno. */
int memhp_run_diff(struct json_object *a, const char *name_a, struct json_object *b,
		   const char *name_b, char **report);

/* Input files are read whole, at most 16 MiB each: a larger one (or
 * /dev/zero) is refused with "FILE: larger than 16777216 bytes, ...". */

/* A JSON file, e.g. a run JSON written by --json: one JSON document and
 * nothing after it but white space. 0 with *out (caller puts), or -errno
 * with "FILE:LINE:COLUMN: what was expected" (or "FILE: why" when it
 * cannot be read) in err. */
int memhp_json_load(const char *path, struct json_object **out, char *err, size_t errlen);

/* A text file without NUL bytes, e.g. a list of known differences:
 * 0 with *text (caller frees), or -errno with "FILE: why" in err. */
int memhp_read_text_file(const char *path, char **text, char *err, size_t errlen);

/* memhp fuzz: random operations on the model with the invariants
 * checked after each (memhp_check()). A seed fuzzes one machine after
 * another: random QEMU options and kernel command line, then a random run
 * of scenario lines (DIMMs and backends added and removed, every sysfs
 * write, good and bad, parameter changes, settles, snapshots). Errors the
 * model answers (EINVAL, EBUSY, QMP errors) are results; a broken
 * invariant, a step the model could not carry out or a machine it could
 * not boot is a failure. Deterministic for a seed. */
struct memhp_fuzz_options {
	uint64_t seed;
	uint64_t ops;	   /* operations in all */
	bool fixed_kernel; /* every machine runs `kernel`; else each picks one */
	enum memhp_kernel kernel;
	const char *out; /* where a failing machine's scenario goes (required) */
};

struct memhp_fuzz_report {
	uint64_t ops;	   /* operations run, a failing one included */
	uint64_t machines; /* machines booted */
	bool failed;
	uint64_t step;		  /* the failing operation, from 1; 0: its machine's boot */
	uint64_t machine;	  /* the failing machine, from 1 */
	enum memhp_kernel kernel; /* its kernel profile */
	int line;		  /* the failing operation's line in out */
	bool reproduced;	  /* memhp run --check on out fails the same way */
	char message[1024];	  /* "invariant NAME: ..." or what else broke */
};

struct memhp_fuzz;

/* -EINVAL without opts->out, or -ENOMEM. */
int memhp_fuzz_new(const struct memhp_fuzz_options *opts, struct memhp_fuzz **out);
/* Runs opts->ops operations, stopping at the first failure: then the
 * failing machine's scenario up to the failing operation goes to
 * opts->out and is run again as memhp run --check would. 0 with *r filled
 * (failed or not), or -errno when the fuzzing itself could not go on (out
 * of memory, out not writable) with the reason in err. */
int memhp_fuzz_run(struct memhp_fuzz *f, struct memhp_fuzz_report *r, char *err, size_t errlen);
/* For a crash handler: the scenario of the machine under test up to the
 * operation under way, and that operation's number. Reads only: safe in a
 * signal handler. */
void memhp_fuzz_current(const struct memhp_fuzz *f, const char **text, size_t *len, uint64_t *step);
void memhp_fuzz_free(struct memhp_fuzz *f);

/* memhp mount and memhp exec: the model at a snapshot as a live FUSE
 * filesystem (lib/fuse/). Reads render the model's state now; writes go
 * to the model's sysfs stores and return the kernel's errno, after which
 * the machine does the work they queued. Single-threaded. */
struct memhp_fs_options {
	enum memhp_kernel kernel;
	const char *at_label;	 /* run to `snapshot at_label`; NULL: to the end */
	const char *sysroot_out; /* the run's snapshot trees go there, or NULL */
};

struct memhp_fs;

/* Runs the scenario on the model (as memhp plan does). A malformed file,
 * an unknown label, a run that stopped on an error or a bad sysroot_out:
 * -errno with "FILE:LINE: ..." or the reason in err, nothing kept. */
int memhp_fs_open(const char *path, const struct memhp_fs_options *o, struct memhp_fs **out,
		  char *err, size_t errlen);
void memhp_fs_free(struct memhp_fs *fs);

/* Mounts the tree (/sys/devices/system/{memory,node}, /sys/module/...,
 * /proc/{meminfo,zoneinfo,iomem,sys/vm}) at dir, an existing directory.
 * -ENOTDIR for dir, -ENODEV without /dev/fuse, -EPERM when the mount is
 * refused; err says which. */
int memhp_fs_mount(struct memhp_fs *fs, const char *dir, char *err, size_t errlen);
/* Serves until unmounted (fusermount3 -u) or SIGINT/SIGTERM/SIGHUP, then
 * unmounts. 0 or -errno. */
int memhp_fs_serve(struct memhp_fs *fs);

/* Runs argv in a private mount namespace (as non-root inside a user
 * namespace that maps us to root) where /sys/devices/system/memory,
 * /sys/devices/system/node, /sys/module/memory_hotplug/parameters,
 * /proc/meminfo, /proc/zoneinfo and /proc/iomem are the model's, served
 * from this process until the command ends. Nothing is mounted on the
 * host. 0 with *status the command's exit status (128 + signal if
 * killed), or -errno with what is missing in err (/dev/fuse, namespaces,
 * the command itself). */
int memhp_fs_exec(struct memhp_fs *fs, char *const argv[], int *status, char *err, size_t errlen);

/* Adds the model's state now as snapshot `label` to the run JSON and,
 * with dir, writes the tree dir/label as memhp run --sysroot-out does.
 * 0 or -errno with err. */
int memhp_fs_snapshot(struct memhp_fs *fs, const char *label, const char *dir, char *err,
		      size_t errlen);
/* The run JSON (owned by fs). */
struct json_object *memhp_fs_result(const struct memhp_fs *fs);

/* memhp run --real-shell: guest lines the model's shell does not know
 * (loops, pipes, variables, other programs) run in a real `sh -c LINE` —
 * busybox's if `busybox` is on PATH, as on the real guest, else /bin/sh —
 * in a mount namespace where the memory parts of /sys and /proc are the
 * model's at that point of the run, served over FUSE from this process
 * while the command runs (as memhp exec). Its rc, stdout and stderr
 * become the step's; its writes change the model. The step's time-out
 * sends SIGINT to the command's process group, and so does at once a
 * write the kernel would retry until signalled (rc 130, as on the real
 * guest); a command still running 15 s later is killed and the step
 * records "timed out after S s". */
struct memhp_real_shell_options {
	/* Directories searched before the usual ones (PATH), e.g. the
	 * source tree's guest/ for setstate and zones; or NULL. */
	const char *path_prefix;
};

/* Checks FUSE (/dev/fuse; $MEMHP_DEV_FUSE names another device, for
 * tests) and moves this process into a mount namespace of its own (as
 * non-root, inside a user namespace), where the tree is mounted at the
 * first line that needs it. 0 with *out, or -errno with what is missing
 * in err ("/dev/fuse: No such file or directory (FUSE is not available
 * here)", "unshare(CLONE_NEWNS): ... (mount namespaces are not available
 * here)"). */
int memhp_real_shell_new(const struct memhp_real_shell_options *o,
			 struct memhp_guest_fallback **out, char *err, size_t errlen);
/* The shell it runs: "busybox sh" or "/bin/sh". */
const char *memhp_real_shell_name(const struct memhp_guest_fallback *gf);
/* Unmounts and frees. */
void memhp_real_shell_free(struct memhp_guest_fallback *gf);

#ifdef __cplusplus
}
#endif

#endif
