/* Deadline-bounded I/O on the unix sockets QEMU offers (QMP, serial). */
#ifndef MEMHP_UNIX_IO_H
#define MEMHP_UNIX_IO_H

#include <stddef.h>

struct strbuf;

/* CLOCK_MONOTONIC in seconds. Deadlines below are absolute in this clock. */
double monotonic_seconds(void);

/* Connects to the socket at path, retrying while QEMU has not created it
 * yet or does not listen yet. Returns the fd or -errno (-ETIMEDOUT). */
int unix_connect(const char *path, double deadline);

/* Appends what can be read before the deadline (at least one byte) to sb.
 * Returns the byte count, 0 at end of file, -ETIMEDOUT or -errno. */
long read_some(int fd, struct strbuf *sb, double deadline);

/* Sends all of buf on a socket; -errno on failure (-EPIPE, never SIGPIPE). */
int write_all(int fd, const char *buf, size_t len);

#endif
