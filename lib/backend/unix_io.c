#include "unix_io.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "strbuf.h"

double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int unix_connect(const char *path, double deadline)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -errno;
		if (!connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
			return fd;
		close(fd);
		/* Not there yet, or not listening yet: QEMU is still starting. */
		if (errno != ENOENT && errno != ECONNREFUSED)
			return -errno;
		if (monotonic_seconds() >= deadline)
			return -ETIMEDOUT;
		usleep(20000);
	}
}

long read_some(int fd, struct strbuf *sb, double deadline)
{
	char buf[65536];

	for (;;) {
		double left = deadline - monotonic_seconds();
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		/* At most a second per poll: the deadline may be far away. */
		r = poll(&pfd, 1, left < 1 ? (int)(left * 1000) + 1 : 1000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue; /* the loop re-checks the deadline */
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		strbuf_addn(sb, buf, (size_t)n);
		if (sb->oom)
			return -ENOMEM;
		return (long)n;
	}
}

int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		/* A peer that went away is an error to report, not SIGPIPE. */
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}
