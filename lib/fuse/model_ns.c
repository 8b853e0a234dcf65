/* The command's view of the model: see model_ns.h. */
#include "model_ns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "vfs.h"

/* The paths a command sees from the model, LXCFS-style. */
static const char *const overlaid[] = {
    MEMORY_DIR, NODE_DIR, PARAMS_DIR, "/proc/meminfo", "/proc/zoneinfo", "/proc/iomem",
};

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EPERM;
}

/* Not root: a user namespace where we are, with the mount namespace in it. */
static int enter_user_namespace(char *err, size_t errlen)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int ret;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS)) {
		ret = -errno;
		snprintf(err, errlen,
			 "unshare(CLONE_NEWUSER|CLONE_NEWNS): %s (user namespaces are not "
			 "available here)",
			 strerror(-ret));
		return ret;
	}
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)uid);
	if (write_file("/proc/self/setgroups", "deny") || write_file("/proc/self/uid_map", map)) {
		snprintf(err, errlen, "cannot map uid %u to root in a user namespace",
			 (unsigned int)uid);
		return -EPERM;
	}
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)gid);
	if (write_file("/proc/self/gid_map", map)) {
		snprintf(err, errlen, "cannot map gid %u in a user namespace", (unsigned int)gid);
		return -EPERM;
	}
	return 0;
}

int model_ns_enter(char *err, size_t errlen)
{
	int ret;

	if (geteuid() != 0) {
		ret = enter_user_namespace(err, errlen);
		if (ret)
			return ret;
	} else if (unshare(CLONE_NEWNS)) {
		ret = -errno;
		snprintf(err, errlen,
			 "unshare(CLONE_NEWNS): %s (mount namespaces are not available here)",
			 strerror(-ret));
		return ret;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		ret = -errno;
		snprintf(err, errlen, "cannot make / private in the new mount namespace: %s",
			 strerror(-ret));
		return ret;
	}
	return 0;
}

int model_ns_bind(const char *fusedir, char *err, size_t errlen)
{
	char src[512];
	int ret;

	for (size_t i = 0; i < sizeof(overlaid) / sizeof(overlaid[0]); i++) {
		snprintf(src, sizeof(src), "%s%s", fusedir, overlaid[i]);
		if (mount(src, overlaid[i], NULL, MS_BIND, NULL)) {
			ret = -errno;
			snprintf(err, errlen, "cannot bind the model's %s over %s: %s", overlaid[i],
				 overlaid[i], strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void model_ns_unbind(void)
{
	for (size_t i = 0; i < sizeof(overlaid) / sizeof(overlaid[0]); i++)
		umount2(overlaid[i], MNT_DETACH);
}
