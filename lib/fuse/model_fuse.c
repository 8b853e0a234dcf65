/* FUSE over the model's vfs: see fuse_fs.h. libfuse's high-level API
 * gives paths, which the vfs takes as they are; the loop is our own so
 * that it can also wait for a child (memhp exec). */
#define FUSE_USE_VERSION 31
#include "model_fuse.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "machine.h"
#include "sysfs.h"
#include "vfs.h"

struct model_fuse {
	struct machine *m;
	struct vfs v;
	bool check;
	struct fuse *fuse;
	bool mounted;
	bool signals; /* libfuse's SIGINT/SIGTERM/SIGHUP handlers are ours */
	pid_t interrupt_pgrp; /* SIGINT on a write that waits for a signal */
};

/* An open file: what its first read rendered (sysfs's seq_file buffer),
 * so that a reader going on at an offset sees one consistent text. */
struct open_file {
	char *text;
	size_t len;
};

static struct model_fuse *this_fs(void)
{
	return fuse_get_context()->private_data;
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	/* Nothing cached: a lookup, an attribute or a read right after a
	 * write must see the kernel's state then. */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->direct_io = 1;
	cfg->kernel_cache = 0;
	return this_fs();
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct model_fuse *fs = this_fs();
	unsigned int mode = 0;
	char *target;

	(void)fi;
	memset(st, 0, sizeof(*st));
	st->st_nlink = 1;
	switch (vfs_lookup(&fs->v, path, &mode)) {
	case VFS_DIR:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	case VFS_FILE:
		st->st_mode = S_IFREG | mode;
		/* sysfs attributes claim a page, procfs files nothing. */
		st->st_size = strncmp(path, "/proc/", 6) ? 4096 : 0;
		return 0;
	case VFS_LINK:
		st->st_mode = S_IFLNK | 0777;
		if (!vfs_readlink(&fs->v, path, &target)) {
			st->st_size = (off_t)strlen(target);
			free(target);
		}
		return 0;
	default:
		return -ENOENT;
	}
}

static int fs_readlink(const char *path, char *buf, size_t size)
{
	char *target;
	int ret = vfs_readlink(&this_fs()->v, path, &target);

	if (ret)
		return ret;
	snprintf(buf, size, "%s", target);
	free(target);
	return 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	char **names;
	int ret = vfs_list(&this_fs()->v, path, &names);

	(void)off;
	(void)fi;
	(void)flags;
	if (ret)
		return ret;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	for (char **n = names; *n; n++)
		fill(buf, *n, NULL, 0, 0);
	vfs_free_list(names);
	return 0;
}

/* kernfs_fop_open(): a write open of a file without write permission, or
 * a read open of a write-only one, is -EACCES, for root too. */
static int fs_open(const char *path, struct fuse_file_info *fi)
{
	unsigned int mode = 0;
	int acc = fi->flags & O_ACCMODE;
	struct open_file *of;

	switch (vfs_lookup(&this_fs()->v, path, &mode)) {
	case VFS_FILE:
		break;
	case VFS_DIR:
		return -EISDIR;
	default:
		return -ENOENT;
	}
	if ((acc != O_RDONLY && !(mode & 0222)) || (acc != O_WRONLY && !(mode & 0444)))
		return -EACCES;
	of = calloc(1, sizeof(*of));
	if (!of)
		return -ENOMEM;
	fi->fh = (uintptr_t)of;
	fi->direct_io = 1;
	return 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;

	/* A read from the start renders the file anew. */
	if (off == 0 || !of->text) {
		char *text;
		int ret = vfs_read(&this_fs()->v, path, &text);

		if (ret)
			return ret;
		free(of->text);
		of->text = text;
		of->len = strlen(text);
	}
	if ((size_t)off >= of->len)
		return 0;
	if (size > of->len - (size_t)off)
		size = of->len - (size_t)off;
	memcpy(buf, of->text + off, size);
	return (int)size;
}

/* After a store: the work it queued (a driver's, ACPI's) runs before the
 * next request, as it would have on the guest before the writer looks
 * again (model_guest's run_pending). */
static void after_write(struct model_fuse *fs)
{
	char why[768];
	int ret = machine_run_pending(fs->m);

	if (ret < 0)
		fprintf(stderr, "memhp: the guest's hotplug work failed: %s\n", strerror(-ret));
	if (fs->check && machine_check(fs->m, why, sizeof(why)))
		fprintf(stderr, "memhp: %s\n", why);
}

/* Each write(2) is one store of its buffer, as sysfs takes it. */
static int fs_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct model_fuse *fs = this_fs();
	char *copy = malloc(size + 1);
	int ret;

	(void)off;
	(void)fi;
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, size);
	copy[size] = '\0';
	ret = vfs_write(&fs->v, path, copy);
	free(copy);
	if (ret == -EINTR && fs->interrupt_pgrp > 0)
		kill(-fs->interrupt_pgrp, SIGINT);
	if (ret)
		return ret;
	after_write(fs);
	return (int)size;
}

/* O_TRUNC on an attribute: sysfs ignores it. */
static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)size;
	(void)fi;
	return vfs_lookup(&this_fs()->v, path, NULL) == VFS_FILE ? 0 : -EISDIR;
}

static int fs_release(const char *path, struct fuse_file_info *fi)
{
	struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;

	(void)path;
	if (of)
		free(of->text);
	free(of);
	return 0;
}

static const struct fuse_operations fs_ops = {
    .init = fs_init,
    .getattr = fs_getattr,
    .readlink = fs_readlink,
    .readdir = fs_readdir,
    .open = fs_open,
    .read = fs_read,
    .write = fs_write,
    .truncate = fs_truncate,
    .release = fs_release,
};

int model_fuse_new(struct machine *m, bool check, struct model_fuse **out)
{
	struct model_fuse *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return -ENOMEM;
	fs->m = m;
	fs->check = check;
	kernel_sysfs(m->kernel, &fs->v);
	*out = fs;
	return 0;
}

int model_fuse_available(char *err, size_t errlen)
{
	const char *dev = getenv("MEMHP_DEV_FUSE");

	if (!dev || !*dev)
		dev = "/dev/fuse";
	if (access(dev, R_OK | W_OK)) {
		snprintf(err, errlen, "%s: %s (FUSE is not available here)", dev, strerror(errno));
		return -ENODEV;
	}
	return 0;
}

int model_fuse_mount(struct model_fuse *fs, const char *dir, bool exit_on_signal, char *err,
		     size_t errlen)
{
	char *argv[] = {"memhp", "-o", "fsname=memhp,subtype=memhp", NULL};
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct stat st;
	int fd;

	/* st is only read once stat() filled it: a missing DIR once read
	 * stack garbage and now and then said "not a directory". */
	if (stat(dir, &st)) {
		int ret = -errno;

		snprintf(err, errlen, "%s: %s", dir, strerror(-ret));
		return ret;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return -ENOTDIR;
	}
	if (model_fuse_available(err, errlen))
		return -ENODEV;
	fs->fuse = fuse_new(&args, &fs_ops, sizeof(fs_ops), fs);
	fuse_opt_free_args(&args);
	if (!fs->fuse) {
		snprintf(err, errlen, "cannot set up FUSE");
		return -ENOMEM;
	}
	/* Before the mount: a signal from now on ends the session, which
	 * then unmounts, instead of leaving a dead mount behind. */
	if (exit_on_signal) {
		if (fuse_set_signal_handlers(fuse_get_session(fs->fuse))) {
			snprintf(err, errlen, "cannot set signal handlers");
			fuse_destroy(fs->fuse);
			fs->fuse = NULL;
			return -EIO;
		}
		fs->signals = true;
	}
	if (fuse_mount(fs->fuse, dir)) {
		snprintf(err, errlen, "%s: cannot mount a FUSE filesystem there", dir);
		if (fs->signals)
			fuse_remove_signal_handlers(fuse_get_session(fs->fuse));
		fs->signals = false;
		fuse_destroy(fs->fuse);
		fs->fuse = NULL;
		return -EPERM;
	}
	fs->mounted = true;
	/* A command memhp exec starts must not hold the channel. */
	fd = fuse_session_fd(fuse_get_session(fs->fuse));
	fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	return 0;
}

void model_fuse_unmount(struct model_fuse *fs)
{
	if (fs->mounted)
		fuse_unmount(fs->fuse);
	fs->mounted = false;
	if (fs->signals)
		fuse_remove_signal_handlers(fuse_get_session(fs->fuse));
	fs->signals = false;
}

void model_fuse_free(struct model_fuse *fs)
{
	if (!fs)
		return;
	model_fuse_unmount(fs);
	if (fs->fuse)
		fuse_destroy(fs->fuse);
	free(fs);
}

/* One request from the channel: 1 handled, 0 nothing to do, -ENODEV
 * unmounted, or -errno. */
static int serve_one(struct fuse_session *se, struct fuse_buf *fbuf)
{
	int ret = fuse_session_receive_buf(se, fbuf);

	if (ret == -EINTR || ret == -EAGAIN)
		return 0;
	if (ret == 0)
		return -ENODEV;
	if (ret < 0)
		return ret;
	fuse_session_process_buf(se, fbuf);
	return 1;
}

/* A command that exits closes its files on the way: their RELEASE
 * requests are queued by the time its pidfd says it is gone. They are
 * served before we stop, so that no open file is left behind; wait_ms:
 * how long to wait for one more. */
static void drain(struct fuse_session *se, struct fuse_buf *fbuf, int wait_ms)
{
	struct pollfd pfd = {.fd = fuse_session_fd(se), .events = POLLIN};

	while (poll(&pfd, 1, wait_ms) > 0 && (pfd.revents & POLLIN))
		if (serve_one(se, fbuf) < 0)
			break;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll()'s time-out for deadline_ms: -1 without one, 0 once it passed. */
static int poll_timeout(long long deadline_ms)
{
	long long left;

	if (deadline_ms < 0)
		return -1;
	left = deadline_ms - now_ms();
	return left <= 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

/* fuse_session_loop(), with a child's pidfd beside the channel. */
static int serve(struct model_fuse *fs, pid_t child, long long deadline_ms, int drain_ms,
		 int *wstatus)
{
	struct fuse_session *se = fuse_get_session(fs->fuse);
	struct fuse_buf fbuf = {0};
	struct pollfd pfd[2] = {{.fd = fuse_session_fd(se), .events = POLLIN}, {.fd = -1}};
	int ret = 0, n;

	if (child > 0) {
		pfd[1].fd = (int)syscall(SYS_pidfd_open, child, 0);
		pfd[1].events = POLLIN;
		if (pfd[1].fd < 0)
			return -errno;
	}
	while (!fuse_session_exited(se)) {
		n = poll(pfd, child > 0 ? 2 : 1, poll_timeout(deadline_ms));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (n == 0 && deadline_ms >= 0 && now_ms() >= deadline_ms) {
			ret = -ETIMEDOUT;
			break;
		}
		if (child > 0 && pfd[1].revents) {
			waitpid(child, wstatus, 0);
			drain(se, &fbuf, drain_ms);
			break;
		}
		if (!pfd[0].revents)
			continue;
		ret = serve_one(se, &fbuf);
		if (ret == -ENODEV) {
			/* Unmounted (fusermount3 -u); fuse_unmount() still frees
			 * the session's mount point and sees nothing to unmount. */
			ret = 0;
			break;
		}
		if (ret < 0)
			break;
		ret = 0;
	}
	free(fbuf.mem);
	if (pfd[1].fd >= 0)
		close(pfd[1].fd);
	return ret;
}

int model_fuse_serve(struct model_fuse *fs, pid_t child, int *wstatus)
{
	return serve(fs, child, -1, 100, wstatus);
}

int model_fuse_serve_until(struct model_fuse *fs, pid_t child, long long deadline_ms, int *wstatus)
{
	if (child <= 0)
		return -EINVAL;
	return serve(fs, child, deadline_ms, 0, wstatus);
}

int model_fuse_run_child(struct model_fuse *fs, model_fuse_child_fn child, void *arg, bool drain,
			 int report_errno, int *wstatus, char *err, size_t errlen)
{
	int pipefd[2], ret;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return ret;
	}
	if (pid == 0) {
		close(pipefd[0]);
		child(arg, pipefd[1]);
		_exit(127); /* child() does not return */
	}
	close(pipefd[1]);
	ret = drain ? model_fuse_serve(fs, pid, wstatus)
		    : model_fuse_serve_until(fs, pid, -1, wstatus);
	/* EOF at once once the child has exec'd; else when it exits. */
	n = read(pipefd[0], err, errlen - 1);
	close(pipefd[0]);
	if (n > 0) {
		err[n] = '\0';
		return -report_errno;
	}
	if (ret) {
		snprintf(err, errlen, "FUSE: %s", strerror(-ret));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return ret;
}

void model_fuse_interrupt_group(struct model_fuse *fs, pid_t pgrp)
{
	fs->interrupt_pgrp = pgrp;
}
