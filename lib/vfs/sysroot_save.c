/* Writing any vfs as a sysroot directory DIR/NAME/{sys,proc}, the tree
 * lsmem --sysroot reads.
 *
 * DIR/NAME must hold exactly the state saved now, and nothing may be
 * created, changed or removed outside DIR, whatever an earlier run or
 * anyone else left there. So the tree is built under a fresh hidden name
 * in DIR, each entry created relative to its parent's directory handle
 * (openat/mkdirat/symlinkat, O_EXCL|O_NOFOLLOW: nothing existing is
 * reopened or followed), and renamed to NAME only when complete. What was
 * at DIR/NAME (an earlier tree, a file, a symlink) is renamed aside, as
 * itself: a symlink is moved, never written through, and is removed
 * walking with O_NOFOLLOW/AT_SYMLINK_NOFOLLOW. */
#include "vfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The names inside the temporary directory: the tree being built, and
 * what DIR/NAME held before while the new tree takes its place. */
#define NEW_TREE "tree"
#define OLD_TREE "old"

struct tree_walk {
	const struct vfs *v;
	const char *dir, *name; /* messages name DIR/NAME/path, the final place */
	char *err;
	size_t errlen;
};

static int fail_path(struct tree_walk *w, const char *vpath, int ret)
{
	if (w->err && w->errlen)
		snprintf(w->err, w->errlen, "%s/%s%s: %s", w->dir, w->name,
			 strcmp(vpath, "/") ? vpath : "", strerror(-ret));
	return ret;
}

/* One path component that names a new entry in its own directory. */
static bool plain_name(const char *s)
{
	return *s && strcmp(s, ".") && strcmp(s, "..") && !strchr(s, '/') && strlen(s) <= NAME_MAX;
}

/* A new file name in dfd with content; then mode, which may leave it
 * read-only or write-only as v reports it. 0 or -errno. */
static int write_file_at(int dfd, const char *name, const char *content, unsigned int mode)
{
	size_t len = strlen(content), off = 0;
	int ret = 0,
	    fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, content + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (!ret && fchmod(fd, mode))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

static int save_file_at(struct tree_walk *w, int dfd, const char *name, const char *vpath,
			unsigned int mode)
{
	char *content = NULL;
	int ret = mode & 0444 ? vfs_read(w->v, vpath, &content) : -EACCES;

	if (ret == -EACCES) {
		/* Present, empty: write-only, or unreadable where captured. */
		content = strdup("");
		ret = content ? 0 : -ENOMEM;
	}
	if (!ret)
		ret = write_file_at(dfd, name, content, mode);
	free(content);
	return ret;
}

static int save_link_at(struct tree_walk *w, int dfd, const char *name, const char *vpath)
{
	char *target = NULL;
	int ret = vfs_readlink(w->v, vpath, &target);

	if (!ret && symlinkat(target, dfd, name))
		ret = -errno;
	free(target);
	return ret;
}

static int save_node(struct tree_walk *w, int dfd, const char *name, const char *vpath);

/* The entries of vpath into the directory fd. The message is written
 * where an error starts; callers only pass it on. */
static int save_children(struct tree_walk *w, int fd, const char *vpath)
{
	char **names = NULL;
	int ret = vfs_list(w->v, vpath, &names);

	if (ret)
		return fail_path(w, vpath, ret);
	for (char **n = names; !ret && *n; n++) {
		char child[1024];
		/* The root's children are "/sys", not "//sys". */
		int len =
		    snprintf(child, sizeof(child), "%s/%s", strcmp(vpath, "/") ? vpath : "", *n);

		if (len < 0 || (size_t)len >= sizeof(child))
			ret = fail_path(w, vpath, -ENAMETOOLONG);
		else if (!plain_name(*n))
			/* A capture's paths come from the guest: no "..". */
			ret = fail_path(w, child, -EINVAL);
		else
			ret = save_node(w, fd, *n, child);
	}
	vfs_free_list(names);
	return ret;
}

/* A new directory name in dfd (0755) holding vpath's entries. */
static int save_dir_at(struct tree_walk *w, int dfd, const char *name, const char *vpath)
{
	int fd, ret;

	if (mkdirat(dfd, name, 0755))
		return fail_path(w, vpath, -errno);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail_path(w, vpath, -errno);
	ret = save_children(w, fd, vpath);
	close(fd);
	return ret;
}

static int save_node(struct tree_walk *w, int dfd, const char *name, const char *vpath)
{
	unsigned int mode = 0;
	int ret;

	switch (vfs_lookup(w->v, vpath, &mode)) {
	case VFS_DIR:
		return save_dir_at(w, dfd, name, vpath);
	case VFS_LINK:
		ret = save_link_at(w, dfd, name, vpath);
		break;
	case VFS_FILE:
		ret = save_file_at(w, dfd, name, vpath, mode);
		break;
	default:
		ret = -ENOENT;
		break;
	}
	return ret ? fail_path(w, vpath, ret) : 0;
}

/* The whole tree as wfd/NEW_TREE; an empty vfs (nothing captured) is an
 * empty directory, so that an earlier tree is not left in its place. */
static int save_tree(struct tree_walk *w, int wfd)
{
	switch (vfs_lookup(w->v, "/", NULL)) {
	case VFS_DIR:
		return save_dir_at(w, wfd, NEW_TREE, "/");
	case VFS_NONE:
		return mkdirat(wfd, NEW_TREE, 0755) ? fail_path(w, "/", -errno) : 0;
	default:
		return fail_path(w, "/", -ENOTDIR);
	}
}

/* Six characters that make a name unlikely to exist, as mkdtemp() uses. */
static void random_suffix(char *out, unsigned int attempt)
{
	static const char chars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char rnd[6];

	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (uint64_t)ts.tv_nsec * 2654435761u + (uint64_t)getpid() * 40503u + attempt;
		for (size_t i = 0; i < sizeof(rnd); i++, x >>= 8)
			rnd[i] = (unsigned char)x;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		out[i] = chars[rnd[i] % (sizeof(chars) - 1)];
	out[sizeof(rnd)] = '\0';
}

/* mkdtemp() relative to dfd: ".NAME.XXXXXX" (at most 200 bytes of NAME,
 * within NAME_MAX), 0700. Labels never start with '.', so it is never a
 * snapshot's name. 0 or -errno. */
static int make_temp_dir(int dfd, const char *name, char *tmp, size_t len)
{
	for (unsigned int attempt = 0; attempt < 100; attempt++) {
		char suffix[7];

		random_suffix(suffix, attempt);
		snprintf(tmp, len, ".%.200s.%s", name, suffix);
		if (!mkdirat(dfd, tmp, 0700))
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/* rm -r of dfd's entry name without following symlinks: a link is
 * removed, never what it points to. 0 (also when it is gone) or -errno. */
static int remove_tree(int dfd, const char *name)
{
	struct dirent *e;
	struct stat st;
	int fd, ret = 0;
	DIR *d;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0) && errno != ENOENT ? -errno : 0;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while (!ret && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			ret = remove_tree(dirfd(d), e->d_name);
	closedir(d);
	if (!ret && unlinkat(dfd, name, AT_REMOVEDIR) && errno != ENOENT)
		ret = -errno;
	return ret;
}

/* wfd/NEW_TREE becomes dfd/name; what was there moves to wfd/OLD_TREE as
 * it is (rename() moves a symlink, not its target). 0, or -errno with
 * dfd/name put back as it was. */
static int move_into_place(int dfd, const char *name, int wfd)
{
	struct stat st;
	bool had_old = !fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW);
	int ret;

	if (!had_old && errno != ENOENT)
		return -errno;
	if (had_old && renameat(dfd, name, wfd, OLD_TREE))
		return -errno;
	if (!renameat(wfd, NEW_TREE, dfd, name))
		return 0;
	ret = -errno;
	if (had_old)
		renameat(wfd, OLD_TREE, dfd, name);
	return ret;
}

int sysroot_save(const struct vfs *v, const char *dir, const char *name, char *err, size_t errlen)
{
	struct tree_walk w = {.v = v, .dir = dir, .name = name, .err = err, .errlen = errlen};
	char tmp[NAME_MAX + 1];
	int dfd, wfd, ret, cleanup;

	if (!plain_name(name)) {
		if (err && errlen)
			snprintf(err, errlen, "%s/%s: expected a name for a directory in %s", dir,
				 name, dir);
		return -EINVAL;
	}
	/* DIR itself is the caller's: it may be (or lie under) a symlink. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		ret = -errno;
		if (err && errlen)
			snprintf(err, errlen, "'%s': %s", dir, strerror(-ret));
		return ret;
	}
	ret = make_temp_dir(dfd, name, tmp, sizeof(tmp));
	if (!ret) {
		wfd = openat(dfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (wfd < 0) {
			ret = -errno;
			remove_tree(dfd, tmp);
		}
	}
	if (ret) {
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot create a temporary directory: %s", dir,
				 strerror(-ret));
		close(dfd);
		return ret;
	}
	ret = save_tree(&w, wfd);
	if (!ret) {
		ret = move_into_place(dfd, name, wfd);
		if (ret && err && errlen)
			snprintf(err, errlen, "%s/%s: cannot replace it: %s", dir, name,
				 strerror(-ret));
	}
	close(wfd);
	/* The partial tree of a failure, or the earlier tree moved aside. */
	cleanup = remove_tree(dfd, tmp);
	if (!ret && cleanup) {
		ret = cleanup;
		if (err && errlen)
			snprintf(err, errlen, "%s/%s: cannot remove the earlier tree: %s", dir, tmp,
				 strerror(-ret));
	}
	close(dfd);
	return ret;
}

int sysroot_dir_prepare(const char *dir, char *why, size_t len)
{
	struct stat st;
	int e;

	if (!*dir) {
		snprintf(why, len, "expected a directory, got an empty name");
		return -ENOENT;
	}
	if (!mkdir(dir, 0755))
		return 0;
	e = errno;
	if (e == ENOENT) {
		snprintf(why, len, "cannot create it: its parent directory does not exist");
		return -ENOENT;
	}
	if (e != EEXIST) {
		snprintf(why, len, "cannot create it: %s", strerror(e));
		return -e;
	}
	/* Following a symlink: DIR may be a link to the directory to use. */
	if (stat(dir, &st)) {
		e = errno;
		snprintf(why, len, "%s", strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, len, "exists and is not a directory; expected a directory");
		return -ENOTDIR;
	}
	if (access(dir, W_OK | X_OK)) {
		e = errno;
		snprintf(why, len, "cannot write into it: %s", strerror(e));
		return -e;
	}
	return 0;
}
