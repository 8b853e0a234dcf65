/* The mount namespace memhp exec and the real guest shell run commands
 * in: the model's FUSE tree bound over the memory parts of /sys and
 * /proc, LXCFS-style, with nothing mounted on the host. */
#ifndef MEMHP_MODEL_NS_H
#define MEMHP_MODEL_NS_H

#include <stddef.h>

/* Moves this process into a mount namespace of its own, whose mounts
 * never reach the host: as root directly, else inside a user namespace
 * that maps us to root. / is made private there. 0, or -errno with what
 * is missing in err (mount or user namespaces). */
int model_ns_enter(char *err, size_t errlen);

/* Binds the model's parts of the FUSE tree mounted at fusedir over the
 * real ones. Must run in a process other than the FUSE server (the bind
 * looks the path up, which the server answers). 0, or -errno with the
 * path that failed in err; what was bound stays bound. */
int model_ns_bind(const char *fusedir, char *err, size_t errlen);

/* Undoes model_ns_bind() (lazily: a process still inside keeps its view). */
void model_ns_unbind(void);

#endif
