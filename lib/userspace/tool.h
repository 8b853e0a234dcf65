/* The memory tools user space runs on a machine's /sys and /proc: memhp
 * online and offline (chmem-class), configure and doctor. Each is a main()
 * over a vfs, so one code runs on this host's live /sys, on a sysroot
 * directory, on the model's tree from the model's guest shell, and (built
 * static) inside a real guest. Tools never print: what they say goes to
 * the context's buffers, and the caller decides where it ends up. */
#ifndef MEMHP_TOOL_H
#define MEMHP_TOOL_H

#include <stdbool.h>

#include "strbuf.h"
#include "vfs.h"

struct tool_ctx {
	/* The machine: /sys and /proc of the model, a sysroot or this host.
	 * A tool given --sysroot DIR switches to DIR's tree (and live off). */
	const struct vfs *fs;
	struct strbuf *out, *err;
	/* fs is the running machine's own /sys (this host's, or the guest's
	 * for the guest shell): writing needs root and --yes. */
	bool live;
	bool root; /* the caller is root (euid 0; the guest's shell always) */
	/* The model's guest shell: a path the guest names (--sysroot DIR, a
	 * config file) is not the host's, so tools must not open one; they
	 * set host_path_refused instead, and the shell reports the command
	 * as outside the model. */
	bool host_paths_forbidden, host_path_refused;
	/* A write ended with EINTR: on a real machine the time-out's SIGINT
	 * killed the tool there, and whatever it had buffered was lost. */
	bool interrupted;
	/* Storage a tool's --sysroot switches fs to. */
	struct sysroot sysroot;
	struct vfs sysroot_fs;
};

/* A tool's main(): argv[0] is its name ("online"); returns the exit status
 * (0, 1 failure, 64 partial success as chmem, 2 usage). getopt state is
 * reset on entry, so tools may run one after another in one process. */
typedef int tool_main_fn(struct tool_ctx *t, int argc, char **argv);

struct tool {
	const char *name;
	tool_main_fn *main;
	const char *summary; /* one line for usage texts */
};

/* The tools by name, or NULL. */
const struct tool *tool_find(const char *name);
/* The table, terminated by an entry with name NULL. */
extern const struct tool tools[];

/* ---- for the tools ---------------------------------------------------- */

#define TOOL_EXIT_USAGE	  2
#define TOOL_EXIT_PARTIAL 64 /* chmem: some of the request succeeded */

/* --sysroot DIR: the tool works on DIR's tree from now on (writes change
 * its files); live is cleared. -EPERM (with the reason in t->err) where
 * host_paths_forbidden; the context is then unchanged. */
int tool_use_sysroot(struct tool_ctx *t, const char *prog, const char *dir);

/* Whether the tool may write: always on a model or sysroot; on the live
 * machine only as root and with --yes (yes). Otherwise 0 is not returned:
 * -EPERM, with the reason and the ways out in t->err. */
int tool_may_write(struct tool_ctx *t, const char *prog, bool yes);

/* Whether the tool may open the host file path: 0, or -EPERM where
 * host_paths_forbidden (host_path_refused is then set). */
int tool_host_path_ok(struct tool_ctx *t, const char *path);

/* A one-line attribute into buf (len bytes, cut short to fit) without its
 * trailing newline and blanks: 0 or vfs_read()'s -errno. */
int tool_read_attr(const struct vfs *fs, const char *path, char *buf, size_t len);

/* Resets getopt for a fresh argv (glibc: optind 0 re-initialises). */
void tool_getopt_reset(void);

#endif
