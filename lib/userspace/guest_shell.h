/* The guest's shell: the commands a scenario's `guest:` lines may run, with
 * the output a busybox sh on the real kernel gives. */
#ifndef MEMHP_GUEST_SHELL_H
#define MEMHP_GUEST_SHELL_H

#include <stdint.h>

struct vfs;

/* The commands the shell models, as messages name them. */
#define GUEST_SHELL_COMMANDS                                                                       \
	"echo VALUE > PATH, cat PATH..., setstate [-a ATTR] VALUE BLOCK..., zones [BLOCK...], "  \
	"load movable|unmovable|pin|hugetlb NAME SIZE|COUNT [node=N], load free NAME, "              \
	"memhp online|offline|configure|doctor ..."

/* What `load` (guest/load.c on the real guest) asks of the kernel. */
enum guest_load_kind {
	GUEST_LOAD_MOVABLE,   /* a tmpfs file */
	GUEST_LOAD_UNMOVABLE, /* filled pipes */
	GUEST_LOAD_PIN,	      /* io_uring fixed buffers (a long-term pin) */
	GUEST_LOAD_HUGETLB,   /* mapped 2 MiB huge pages from the pool */
};

/* The system calls behind `load`: 0 or a negative errno (what the real
 * program reports). Without them `load` is outside the model. */
struct guest_syscalls {
	int (*load)(void *ctx, enum guest_load_kind kind, const char *name, uint64_t bytes, int nid);
	int (*load_free)(void *ctx, const char *name);
	void *ctx;
};

struct guest_result {
	int rc;
	char *out; /* stdout, allocated */
	char *err; /* stderr, allocated */
};

/* Runs one command line on fs (writes need a writable handle). Returns 0
 * with *res filled (rc may be non-zero), or -EOPNOTSUPP if the command is
 * outside the supported set (res->err then says which commands are
 * supported). */
int guest_shell_run(const struct vfs *fs, const char *cmdline, struct guest_result *res);
/* The same, with the system calls `load` needs (sys may be NULL). */
int guest_shell_run_sys(const struct vfs *fs, const struct guest_syscalls *sys, const char *cmdline,
			struct guest_result *res);
void guest_result_free(struct guest_result *res);

/* Whether cmdline is inside the supported set, decided without a tree:
 * 0, -ENOMEM, or -EOPNOTSUPP with *why (allocated, caller frees) saying
 * what is outside the model and which commands are supported. A command
 * may still turn out unsupported when it runs (`zones` lists a tree). */
int guest_shell_check(const char *cmdline, char **why);

#endif
