/* Sysroot directories: a vfs over PREFIX/sys/... and PREFIX/proc/... (the
 * live host with prefix "/"), and the writer that turns any vfs into such
 * a directory (what lsmem --sysroot reads). */
#include "vfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strbuf.h"

/* PREFIX + path into buf; "/" as prefix is the host's root. */
static int host_path(const struct sysroot *sr, const char *path, char *buf, size_t len)
{
	const char *prefix = strcmp(sr->prefix, "/") ? sr->prefix : "";
	int n;

	if (path[0] != '/')
		return -ENOENT;
	n = snprintf(buf, len, "%s%s", prefix, path);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int host_lstat(const struct sysroot *sr, const char *path, struct stat *st)
{
	char host[4096];
	int ret = host_path(sr, path, host, sizeof(host));

	if (ret)
		return ret;
	return lstat(host, st) ? -errno : 0;
}

static enum vfs_type dir_lookup(const void *ctx, const char *path, unsigned int *mode)
{
	struct stat st;

	if (host_lstat(ctx, path, &st))
		return VFS_NONE;
	if (mode)
		*mode = st.st_mode & 07777;
	if (S_ISDIR(st.st_mode))
		return VFS_DIR;
	if (S_ISLNK(st.st_mode))
		return VFS_LINK;
	return VFS_FILE;
}

/* The file's mode decides -EACCES, not the caller's rights: root may open
 * a 0200 file of a sysroot for reading, kernfs refuses it to anyone. */
static int open_checked(const struct sysroot *sr, const char *path, unsigned int need, int flags)
{
	char host[4096];
	struct stat st;
	int ret = host_path(sr, path, host, sizeof(host)), fd;

	if (!ret)
		ret = lstat(host, &st) ? -errno : 0;
	if (ret)
		return ret;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!(st.st_mode & need))
		return -EACCES;
	fd = open(host, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int dir_read(const void *ctx, const char *path, char **out)
{
	struct strbuf sb = {0};
	char buf[4096];
	int fd = open_checked(ctx, path, 0444, O_RDONLY), ret = 0;
	ssize_t n;

	if (fd < 0)
		return fd;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		strbuf_addn(&sb, buf, (size_t)n);
	}
	close(fd);
	if (!ret)
		return strbuf_detach(&sb, out);
	strbuf_release(&sb);
	return ret;
}

/* One write() of the whole buffer, as echo does: sysfs hands it to the
 * attribute's store, whose errno comes back from write(). */
static int dir_write(void *wctx, const char *path, const char *buf)
{
	size_t len = strlen(buf);
	int fd = open_checked(wctx, path, 0222, O_WRONLY | O_TRUNC), ret = 0;
	ssize_t n;

	if (fd < 0)
		return fd;
	n = write(fd, buf, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n < len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

static int dir_list(const void *ctx, const char *path, char ***names)
{
	struct vfs_names l = {0};
	char host[4096];
	struct dirent *d;
	DIR *dir;
	int ret = host_path(ctx, path, host, sizeof(host));

	if (ret)
		return ret;
	dir = opendir(host);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)))
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			vfs_names_add(&l, d->d_name);
	closedir(dir);
	return vfs_names_done(&l, names);
}

static int dir_readlink(const void *ctx, const char *path, char **target)
{
	char host[4096], buf[4096];
	int ret = host_path(ctx, path, host, sizeof(host));
	ssize_t n;

	if (ret)
		return ret;
	n = readlink(host, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	*target = strdup(buf);
	return *target ? 0 : -ENOMEM;
}

static const struct vfs_ops sysroot_ops = {
    .lookup = dir_lookup,
    .read = dir_read,
    .write = dir_write,
    .list = dir_list,
    .readlink = dir_readlink,
};

void sysroot_vfs(const struct sysroot *sr, struct vfs *out)
{
	*out = (struct vfs){.ops = &sysroot_ops, .ctx = sr};
}

void sysroot_vfs_rw(struct sysroot *sr, struct vfs *out)
{
	*out = (struct vfs){.ops = &sysroot_ops, .ctx = sr, .wctx = sr};
}

/* ---- writing a tree ---- */

/* mkdir -p; path is restored before returning. 0 or -errno. */
static int mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Creates or truncates path with content, then sets mode. 0 or -errno. */
static int write_file(const char *path, const char *content, unsigned int mode)
{
	size_t len = strlen(content), off = 0;
	int ret = 0, fd;

	/* A tree written before left its files read-only: replace, don't reopen. */
	if (unlink(path) && errno != ENOENT)
		return -errno;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, content + off, len - off);

		if (n < 0) {
			ret = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && chmod(path, mode))
		ret = -errno;
	return ret;
}

struct tree_walk {
	const struct vfs *v;
	const char *root;
	char *err;
	size_t errlen;
};

static int fail_path(struct tree_walk *w, const char *path, int ret)
{
	snprintf(w->err, w->errlen, "%s%s: %s", w->root, path, strerror(-ret));
	return ret;
}

static int save_node(struct tree_walk *w, const char *vpath);

static int save_dir(struct tree_walk *w, const char *vpath, char *host)
{
	char **names = NULL;
	int ret = mkdir_p(host);

	if (ret)
		return fail_path(w, vpath, ret);
	ret = vfs_list(w->v, vpath, &names);
	if (ret)
		return fail_path(w, vpath, ret);
	for (char **n = names; !ret && *n; n++) {
		char child[1024];

		/* The root's children are "/sys", not "//sys". */
		snprintf(child, sizeof(child), "%s/%s", strcmp(vpath, "/") ? vpath : "", *n);
		ret = save_node(w, child);
	}
	vfs_free_list(names);
	return ret;
}

static int save_link(const struct vfs *v, const char *vpath, const char *host)
{
	char *target = NULL;
	int ret = vfs_readlink(v, vpath, &target);

	/* Replace what an earlier run left there. */
	if (!ret && unlink(host) && errno != ENOENT)
		ret = -errno;
	if (!ret && symlink(target, host))
		ret = -errno;
	free(target);
	return ret;
}

static int save_file(const struct vfs *v, const char *vpath, const char *host, unsigned int mode)
{
	char *content = NULL;
	int ret = mode & 0444 ? vfs_read(v, vpath, &content) : -EACCES;

	if (ret == -EACCES) {
		/* Present, empty: write-only, or unreadable where captured. */
		content = strdup("");
		ret = content ? 0 : -ENOMEM;
	}
	if (!ret)
		ret = write_file(host, content, mode);
	free(content);
	return ret;
}

static int save_node(struct tree_walk *w, const char *vpath)
{
	char host[4096];
	unsigned int mode = 0;
	int ret;

	snprintf(host, sizeof(host), "%s%s", w->root, vpath);
	switch (vfs_lookup(w->v, vpath, &mode)) {
	case VFS_DIR:
		return save_dir(w, vpath, host);
	case VFS_LINK:
		ret = save_link(w->v, vpath, host);
		break;
	case VFS_FILE:
		ret = save_file(w->v, vpath, host, mode);
		break;
	default:
		ret = -ENOENT;
		break;
	}
	return ret ? fail_path(w, vpath, ret) : 0;
}

int sysroot_save(const struct vfs *v, const char *dir, char *err, size_t errlen)
{
	struct tree_walk w = {.v = v, .root = dir, .err = err, .errlen = errlen};

	/* An empty tree (nothing captured) writes nothing. */
	if (vfs_lookup(v, "/", NULL) == VFS_NONE)
		return 0;
	return save_node(&w, "/");
}
