/* Sysroot directories: a vfs over PREFIX/sys/... and PREFIX/proc/... (the
 * live host with prefix "/"); sysroot_save.c writes any vfs as such a
 * directory (what lsmem --sysroot reads). */
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
