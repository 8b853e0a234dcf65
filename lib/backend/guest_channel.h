/* The host end of the guest command channel: the second serial port of the
 * real-kernel VM, served by guest/init (see its header for the protocol). */
#ifndef MEMHP_GUEST_CHANNEL_H
#define MEMHP_GUEST_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

struct guest_channel {
	int fd;
	struct strbuf in;
	bool busy;	   /* a timed-out command's result is still to come */
	char release[128]; /* uname -r of the guest, from its greeting */
};

struct guest_reply {
	int rc;
	char *out, *err;
};

/* Connects to the serial socket (QEMU listens on it). 0 or -errno. */
int guest_channel_open(struct guest_channel *gc, const char *path, double deadline);

/* Waits for the guest's greeting. 0, -ETIMEDOUT or -ECONNRESET (QEMU quit). */
int guest_channel_wait_ready(struct guest_channel *gc, double deadline);

/* Runs one command line in the guest. -ETIMEDOUT leaves the command running:
 * the next call first waits for, and drops, its result, and returns -EBUSY
 * without running anything if that result does not come in time. */
int guest_channel_run(struct guest_channel *gc, const char *cmdline, double deadline,
		      struct guest_reply *reply);
void guest_reply_free(struct guest_reply *reply);

void guest_channel_close(struct guest_channel *gc);

#endif
