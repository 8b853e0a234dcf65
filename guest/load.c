/* load: allocates guest memory of one kind, so that scenarios can show what
 * blocks offlining and unplug on the real kernel (scenario-format.md).
 *
 *   load movable NAME SIZE [node=N]    tmpfs file /run/memhp-load/NAME
 *   load unmovable NAME SIZE [node=N]  pipe buffers held by a background process
 *   load pin NAME SIZE                 io_uring fixed buffers (a long-term pin)
 *   load hugetlb NAME COUNT [node=N]   COUNT 2 MiB pages from the hugetlb pool
 *   load free NAME                     gives NAME's memory back
 *
 * Success: no output, exit 0, the memory allocated (or freed) on return.
 * Failure: "load: NAME: <strerror>" on stderr, exit 1, nothing left
 * allocated. Bad arguments: the usage line, exit 2.
 *
 * A background holder is a session leader with its standard streams on
 * /dev/null (the guest's init reads the command's output files after it
 * returns); its pid is in /run/memhp-load/NAME.pid. It reports success or
 * an errno to the parent through a pipe and then waits for SIGTERM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/io_uring.h>
#include <linux/mempolicy.h>

#define LOAD_DIR   "/run/memhp-load"
#define PAGE_BYTES 4096ULL
#define HUGE_BYTES (2ULL << 20)
#define PIPE_BYTES (1ULL << 20)
#define IOVEC_MAX  (1ULL << 30) /* the kernel refuses larger fixed buffers */
#define MAX_NODES  1024
#define CHUNK	   (1 << 20)

enum kind { MOVABLE, UNMOVABLE, PIN, HUGETLB, FREE };

struct request {
	enum kind kind;
	const char *name;
	unsigned long long size; /* bytes; pages for HUGETLB */
	int node;		 /* -1: no policy */
};

static void usage(void)
{
	fputs("load: usage: load movable|unmovable|pin|hugetlb NAME SIZE|COUNT [node=N]; "
	      "load free NAME\n",
	      stderr);
	exit(2);
}

static int fail(const char *name, int err)
{
	fprintf(stderr, "load: %s: %s\n", name, strerror(err));
	return 1;
}

/* ---- arguments ---- */

static int parse_decimal(const char *s, unsigned long long *out, const char **end)
{
	unsigned long long v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (ULLONG_MAX - (unsigned)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	*end = s;
	return 0;
}

/* SIZE: decimal, optional K, M, G or T (powers of 1024), a non-zero multiple of 4096. */
static int parse_size(const char *s, unsigned long long *out)
{
	static const char suffixes[] = "KMGT";
	unsigned long long v;
	const char *end, *p;
	int shift = 0;

	if (parse_decimal(s, &v, &end))
		return -1;
	if (*end) {
		p = strchr(suffixes, *end);
		if (!p || end[1])
			return -1;
		shift = 10 * (int)(p - suffixes + 1);
		if (v > (ULLONG_MAX >> shift))
			return -1;
		v <<= shift;
	}
	if (!v || v % PAGE_BYTES)
		return -1;
	*out = v;
	return 0;
}

static int parse_count(const char *s, unsigned long long *out)
{
	const char *end;

	if (parse_decimal(s, out, &end) || *end || !*out || *out > (ULLONG_MAX / HUGE_BYTES))
		return -1;
	return 0;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 32)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static void parse_args(int argc, char **argv, struct request *rq)
{
	static const char *const kinds[] = {"movable", "unmovable", "pin", "hugetlb", "free"};
	unsigned long long node;
	const char *end;
	int i;

	if (argc < 3)
		usage();
	for (i = 0; i < 5 && strcmp(argv[1], kinds[i]); i++)
		;
	if (i == 5 || !valid_name(argv[2]))
		usage();
	rq->kind = (enum kind)i;
	rq->name = argv[2];
	rq->node = -1;
	if (rq->kind == FREE) {
		if (argc != 3)
			usage();
		return;
	}
	if (argc < 4 || argc > 5)
		usage();
	if (rq->kind == HUGETLB ? parse_count(argv[3], &rq->size) : parse_size(argv[3], &rq->size))
		usage();
	if (argc == 5) {
		if (rq->kind == PIN || strncmp(argv[4], "node=", 5) ||
		    parse_decimal(argv[4] + 5, &node, &end) || *end || node >= MAX_NODES)
			usage();
		rq->node = (int)node;
	}
}

/* ---- the directory of loads ---- */

static void path_of(char *buf, size_t len, const char *name, const char *suffix)
{
	snprintf(buf, len, "%s/%s%s", LOAD_DIR, name, suffix);
}

/* guest/init mounts the tmpfs at boot; this is the fallback. No size limit
 * (size=0): a movable load may fill memory, even hot-added memory. */
static int ensure_dir(void)
{
	struct stat dir, parent;

	if (mkdir("/run", 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(LOAD_DIR, 0755) && errno != EEXIST)
		return -errno;
	if (stat(LOAD_DIR, &dir) || stat("/run", &parent))
		return -errno;
	if (dir.st_dev != parent.st_dev)
		return 0;
	if (mount("memhp-load", LOAD_DIR, "tmpfs", 0, "size=0,huge=never,mode=0755"))
		return -errno;
	return 0;
}

static int exists(const char *name, const char *suffix)
{
	char path[128];

	path_of(path, sizeof(path), name, suffix);
	return access(path, F_OK) == 0;
}

/* ---- memory policy ---- */

static int bind_to(int node)
{
	unsigned long mask[MAX_NODES / (8 * sizeof(unsigned long))] = {0};
	const unsigned bits = 8 * sizeof(unsigned long);

	if (node < 0)
		return 0;
	mask[(unsigned)node / bits] = 1UL << ((unsigned)node % bits);
	if (syscall(SYS_set_mempolicy, MPOL_BIND, mask, (unsigned long)MAX_NODES + 1))
		return -errno;
	return 0;
}

/* ---- movable: a tmpfs file ---- */

static int write_file(int fd, unsigned long long size)
{
	static char buf[CHUNK];
	unsigned long long done = 0;

	memset(buf, 0x5a, sizeof(buf));
	while (done < size) {
		size_t n = size - done < CHUNK ? (size_t)(size - done) : CHUNK;
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -ENOSPC;
		done += (unsigned long long)w;
	}
	return 0;
}

static int load_movable(const struct request *rq)
{
	char path[128];
	int fd, ret;

	if (exists(rq->name, ".pid"))
		return -EEXIST;
	ret = bind_to(rq->node);
	if (ret)
		return ret;
	path_of(path, sizeof(path), rq->name, "");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = write_file(fd, rq->size);
	if (close(fd) && !ret)
		ret = -errno;
	if (ret)
		unlink(path);
	return ret;
}

/* ---- unmovable: pipe buffers ---- */

static int raise_nofile(unsigned long long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= need)
		return 0;
	rl.rlim_cur = need;
	if (rl.rlim_max < need)
		rl.rlim_max = need;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	return 0;
}

/* Pipe pages are GFP_HIGHUSER: neither movable nor on the LRU. Each pipe
 * holds up to 1 MiB; the last one the remainder (the kernel rounds the
 * capacity up to a power of two pages, the bytes written are exact). */
static int hold_unmovable(const struct request *rq)
{
	static char buf[PIPE_BYTES];
	unsigned long long left = rq->size, pipes = (rq->size + PIPE_BYTES - 1) / PIPE_BYTES;
	int ret = bind_to(rq->node);

	if (!ret)
		ret = raise_nofile(2 * pipes + 16);
	if (ret)
		return ret;
	memset(buf, 0x5a, sizeof(buf));
	while (left) {
		size_t n = left < PIPE_BYTES ? (size_t)left : PIPE_BYTES;
		size_t done = 0;
		int fds[2];

		if (pipe2(fds, O_CLOEXEC))
			return -errno;
		if (fcntl(fds[1], F_SETPIPE_SZ, (int)PIPE_BYTES) < 0)
			return -errno;
		/* Never blocks: the pipe has room for n bytes. */
		while (done < n) {
			ssize_t w = write(fds[1], buf + done, n - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
			done += (size_t)w;
		}
		left -= n;
	}
	return 0;
}

/* ---- pin: io_uring fixed buffers ---- */

static int hold_pin(const struct request *rq, int *ring)
{
	unsigned long long n = (rq->size + IOVEC_MAX - 1) / IOVEC_MAX, i, off;
	struct io_uring_params p;
	struct iovec *iov;
	char *mem;
	long ret;

	mem = mmap(NULL, rq->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	/* Base pages: a partly migrated huge page is a case of its own. */
	madvise(mem, rq->size, MADV_NOHUGEPAGE);
	for (off = 0; off < rq->size; off += PAGE_BYTES)
		mem[off] = 1;
	memset(&p, 0, sizeof(p));
	*ring = (int)syscall(SYS_io_uring_setup, 1, &p);
	if (*ring < 0)
		return -errno;
	iov = calloc(n, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		iov[i].iov_base = mem + i * IOVEC_MAX;
		iov[i].iov_len =
		    rq->size - i * IOVEC_MAX < IOVEC_MAX ? rq->size - i * IOVEC_MAX : IOVEC_MAX;
	}
	/* FOLL_LONGTERM: the kernel first migrates the pages out of ZONE_MOVABLE. */
	ret = syscall(SYS_io_uring_register, *ring, IORING_REGISTER_BUFFERS, iov, (unsigned)n);
	free(iov);
	return ret < 0 ? -errno : 0;
}

/* ---- hugetlb: pages from the pool ---- */

static int hold_hugetlb(const struct request *rq)
{
	unsigned long long len = rq->size * HUGE_BYTES, off;
	char *mem;
	int ret = bind_to(rq->node);

	if (ret)
		return ret;
	/* The reservation at mmap time fails with ENOMEM if the pool (on the
	 * allowed nodes) has fewer free pages; it never grows the pool. */
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1,
		   0);
	if (mem == MAP_FAILED)
		return -errno;
	for (off = 0; off < len; off += HUGE_BYTES)
		mem[off] = 1;
	return 0;
}

/* ---- background holders ---- */

static void detach(void)
{
	int fd = open("/dev/null", O_RDWR);

	setsid();
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

/* The child: allocates, reports 0 or an errno, then holds until SIGTERM.
 * io_uring buffers are unregistered before exit: the ring itself is torn
 * down by a kernel worker after the process is gone, its pins with it. */
static void holder(const struct request *rq, int report)
{
	sigset_t term;
	int ret = 0, ring = -1, sig;

	detach();
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	switch (rq->kind) {
	case UNMOVABLE:
		ret = hold_unmovable(rq);
		break;
	case PIN:
		ret = hold_pin(rq, &ring);
		break;
	case HUGETLB:
		ret = hold_hugetlb(rq);
		break;
	default:
		ret = -EINVAL;
	}
	ret = -ret;
	if (write(report, &ret, sizeof(ret)) != sizeof(ret) || ret)
		_exit(1);
	close(report);
	while (sigwait(&term, &sig))
		;
	if (ring >= 0)
		syscall(SYS_io_uring_register, ring, IORING_UNREGISTER_BUFFERS, NULL, 0);
	_exit(0);
}

static int write_pid(int fd, pid_t pid)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);

	if (write(fd, buf, (size_t)n) != n)
		return errno ? -errno : -EIO;
	return 0;
}

/* The parent waits for the holder's report; on failure it reaps the holder,
 * so its memory is free when this returns. */
static int await_holder(pid_t pid, int report)
{
	int err = 0, status;
	ssize_t r;

	do
		r = read(report, &err, sizeof(err));
	while (r < 0 && errno == EINTR);
	close(report);
	if (r == sizeof(err) && !err)
		return 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == sizeof(err))
		return -err;
	/* Died without a word: SIGKILL is the OOM killer's. */
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? -ENOMEM : -EIO;
}

static int load_holder(const struct request *rq)
{
	char path[128];
	int fd, p[2], ret;
	pid_t pid;

	if (exists(rq->name, ""))
		return -EEXIST;
	path_of(path, sizeof(path), rq->name, ".pid");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (pipe2(p, O_CLOEXEC)) {
		ret = -errno;
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(p[0]);
		close(p[1]);
		goto out;
	}
	if (!pid) {
		close(fd);
		close(p[0]);
		holder(rq, p[1]);
	}
	close(p[1]);
	ret = await_holder(pid, p[0]);
	if (!ret) {
		ret = write_pid(fd, pid);
		if (ret) { /* the holder is alive: end it, nothing stays */
			kill(pid, SIGTERM);
			waitpid(pid, NULL, 0);
		}
	}
out:
	if (close(fd) && !ret)
		ret = -errno;
	if (ret)
		unlink(path);
	return ret;
}

/* ---- free ---- */

/* Gone: no such process, or a zombie (its memory and files already released). */
static int gone(pid_t pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
}

static int end_holder(pid_t pid)
{
	const struct timespec tick = {0, 10 * 1000 * 1000};

	if (kill(pid, SIGTERM))
		return errno == ESRCH ? 0 : -errno;
	while (!gone(pid))
		nanosleep(&tick, NULL);
	return 0;
}

static int load_free(const struct request *rq)
{
	char path[128], buf[32];
	ssize_t n;
	long pid;
	int fd, ret;

	path_of(path, sizeof(path), rq->name, "");
	if (!unlink(path))
		return 0;
	if (errno != ENOENT)
		return -errno;
	path_of(path, sizeof(path), rq->name, ".pid");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	if (pid <= 1)
		return -EIO;
	ret = end_holder((pid_t)pid);
	if (!ret && unlink(path))
		ret = -errno;
	return ret;
}

int main(int argc, char **argv)
{
	struct request rq;
	int ret;

	parse_args(argc, argv, &rq);
	ret = ensure_dir();
	if (!ret) {
		switch (rq.kind) {
		case MOVABLE:
			ret = load_movable(&rq);
			break;
		case FREE:
			ret = load_free(&rq);
			break;
		default:
			ret = load_holder(&rq);
		}
	}
	return ret ? fail(rq.name, -ret) : 0;
}
