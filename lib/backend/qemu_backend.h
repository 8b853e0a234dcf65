/* The real-kernel backend: runs a scenario on a Debian cloud kernel booted
 * in qemu-system-x86_64 (TCG) and records the same run JSON and sysroot
 * trees as the model, so that the two can be compared. */
#ifndef MEMHP_QEMU_BACKEND_H
#define MEMHP_QEMU_BACKEND_H

#include <stddef.h>

#include "memhp/kernel_version.h"

struct scenario;
struct json_object;

struct qemu_backend_options {
	enum memhp_kernel version;
	const char *sysroot_out;   /* NULL: no trees */
	const char *console_log;   /* NULL: the guest console is not kept */
	const char *kernel_script; /* scripts/guest-kernel.sh */
	const char *qemu;	   /* NULL: qemu-system-x86_64 from PATH */
	void (*progress)(void *ctx, const char *msg);
	void *ctx;
};

/* Always fills *result with a run JSON (status "error" and an "error"
 * message when the run could not complete) unless out of memory. Returns 0
 * when every step ran, else -errno with the reason in err. QEMU is always
 * shut down before this returns. */
int qemu_backend_run(const struct scenario *sc, const struct qemu_backend_options *opts,
		     struct json_object **result, char *err, size_t errlen);

#endif
