/* The guest's shell: the commands a scenario's `guest:` lines may run, with
 * the output a busybox sh on the real kernel gives. */
#ifndef MEMHP_GUEST_SHELL_H
#define MEMHP_GUEST_SHELL_H

struct vfs;

/* The commands the shell models, as messages name them. */
#define GUEST_SHELL_COMMANDS                                                                       \
	"echo VALUE > PATH, cat PATH..., setstate [-a ATTR] VALUE BLOCK..., zones [BLOCK...]"

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
void guest_result_free(struct guest_result *res);

/* Whether cmdline is inside the supported set, decided without a tree:
 * 0, -ENOMEM, or -EOPNOTSUPP with *why (allocated, caller frees) saying
 * what is outside the model and which commands are supported. A command
 * may still turn out unsupported when it runs (`zones` lists a tree). */
int guest_shell_check(const char *cmdline, char **why);

#endif
