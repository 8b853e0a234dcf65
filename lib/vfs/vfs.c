/* The vfs_* calls: dispatch to the handle's implementation, and the
 * symlink walk they all share. */
#include "vfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

/* Linux's MAXSYMLINKS (include/linux/namei.h) and PATH_MAX. */
#define VFS_MAXSYMLINKS 40
#define VFS_PATH_MAX	4096

/* A path walk in the manner of the kernel's link_path_walk(): done is the
 * part resolved so far, canonical and free of links ("" for "/"); todo
 * holds what is left. */
struct walk {
	char done[VFS_PATH_MAX];
	char todo[VFS_PATH_MAX];
	int links;
};

/* The last component of done was a link to target: the walk goes on from
 * its directory (from "/" for an absolute target) through target, then
 * rest (what followed the link's name, slash included). */
static int walk_into_link(struct walk *w, const char *target, const char *rest)
{
	char spliced[VFS_PATH_MAX];
	int n = snprintf(spliced, sizeof(spliced), "%s%s", target, rest);

	if (n < 0 || (size_t)n >= sizeof(spliced))
		return -ENAMETOOLONG;
	*strrchr(w->done, '/') = '\0';
	if (target[0] == '/')
		w->done[0] = '\0';
	memcpy(w->todo, spliced, (size_t)n + 1);
	return 0;
}

/* Follows the link that done ends with. */
static int follow_one(const struct vfs *v, struct walk *w, const char *rest)
{
	char *target = NULL;
	int ret;

	if (++w->links > VFS_MAXSYMLINKS)
		return -ELOOP;
	ret = v->ops->readlink ? v->ops->readlink(v->ctx, w->done, &target) : -ENOENT;
	if (ret)
		return ret;
	/* An empty target names nothing (the kernel's ENOENT). */
	ret = *target ? walk_into_link(w, target, rest) : -ENOENT;
	free(target);
	return ret;
}

/* path with the links among its components replaced by their targets into
 * real: every directory on the way, the last component too if follow_last
 * (or if a slash follows it). "." and ".." of link targets count from the
 * directory reached so far, as in the kernel. -ENOENT: a directory on the
 * way is missing; -ENOTDIR: one is a file; -ELOOP: more than 40 links;
 * -ENAMETOOLONG. A missing last component is left to the caller's call. */
static int walk_path(const struct vfs *v, const char *path, bool follow_last, char *real,
		     size_t len)
{
	/* Not an initialiser: that would clear both 4 KiB buffers on every
	 * lookup that misses. */
	struct walk w;
	const char *p;

	w.done[0] = '\0';
	w.links = 0;
	if (path[0] != '/')
		return -ENOENT;
	if (strlen(path) >= sizeof(w.todo))
		return -ENAMETOOLONG;
	strcpy(w.todo, path);
	for (p = w.todo; *p;) {
		const char *name = p, *end = strchr(p, '/'), *next;
		size_t nl, dl = strlen(w.done);
		enum vfs_type t;
		bool last;
		int ret;

		if (!end)
			end = p + strlen(p);
		for (next = end; *next == '/'; next++)
			;
		nl = (size_t)(end - name);
		last = !*next;
		p = next;
		if (!nl || (nl == 1 && name[0] == '.'))
			continue;
		if (nl == 2 && name[0] == '.' && name[1] == '.') {
			char *slash = strrchr(w.done, '/');

			if (slash)
				*slash = '\0';
			continue;
		}
		if (dl + 1 + nl >= sizeof(w.done))
			return -ENAMETOOLONG;
		w.done[dl] = '/';
		memcpy(w.done + dl + 1, name, nl);
		w.done[dl + 1 + nl] = '\0';
		if (last && !follow_last && !*end)
			break;
		t = v->ops->lookup(v->ctx, w.done, NULL);
		if (t == VFS_LINK) {
			ret = follow_one(v, &w, end);
			if (ret)
				return ret;
			p = w.todo;
		} else if (t == VFS_NONE && !last) {
			return -ENOENT;
		} else if (t == VFS_FILE && (!last || *end)) {
			return -ENOTDIR;
		}
	}
	if (snprintf(real, len, "%s", w.done[0] ? w.done : "/") >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* The implementations resolve link-free paths themselves and stop at a
 * link with -ENOENT or -ENOTDIR (a link is not a directory to them), so a
 * path is walked only then: 1 with the path it leads to in real, 0 when it
 * has no link to follow (the first answer stands), or the walk's error. */
static int follow_links(const struct vfs *v, const char *path, bool follow_last, char *real,
			size_t len)
{
	int ret = walk_path(v, path, follow_last, real, len);

	if (ret)
		return ret;
	return strcmp(real, path) ? 1 : 0;
}

static bool stopped_at_link(int ret)
{
	return ret == -ENOENT || ret == -ENOTDIR;
}

enum vfs_type vfs_lookup(const struct vfs *v, const char *path, unsigned int *mode)
{
	enum vfs_type t = v->ops->lookup(v->ctx, path, mode);
	char real[VFS_PATH_MAX];

	if (t != VFS_NONE || follow_links(v, path, false, real, sizeof(real)) <= 0)
		return t;
	return v->ops->lookup(v->ctx, real, mode);
}

/* After an implementation answered ret for path: 1 when it stopped at a
 * link and real holds the path to ask again, otherwise the answer to give
 * (ret, or the walk's error). The vfs calls never answer 1 themselves. */
static int through_links(const struct vfs *v, const char *path, bool follow_last, int ret,
			 char *real, size_t len)
{
	int r;

	if (!stopped_at_link(ret))
		return ret;
	r = follow_links(v, path, follow_last, real, len);
	return r < 0 ? r : r ? 1 : ret;
}

int vfs_read(const struct vfs *v, const char *path, char **out)
{
	char real[VFS_PATH_MAX];
	int ret = through_links(v, path, true, v->ops->read(v->ctx, path, out), real, sizeof(real));

	return ret == 1 ? v->ops->read(v->ctx, real, out) : ret;
}

int vfs_write(const struct vfs *v, const char *path, const char *buf)
{
	char real[VFS_PATH_MAX];
	int ret;

	if (!v->wctx || !v->ops->write)
		return -EROFS;
	ret = through_links(v, path, true, v->ops->write(v->wctx, path, buf), real, sizeof(real));
	return ret == 1 ? v->ops->write(v->wctx, real, buf) : ret;
}

int vfs_list(const struct vfs *v, const char *path, char ***names)
{
	char real[VFS_PATH_MAX];
	int ret =
	    through_links(v, path, true, v->ops->list(v->ctx, path, names), real, sizeof(real));

	return ret == 1 ? v->ops->list(v->ctx, real, names) : ret;
}

int vfs_readlink(const struct vfs *v, const char *path, char **target)
{
	char real[VFS_PATH_MAX];
	int ret;

	if (!v->ops->readlink)
		return -EINVAL;
	ret = through_links(v, path, false, v->ops->readlink(v->ctx, path, target), real,
			    sizeof(real));
	return ret == 1 ? v->ops->readlink(v->ctx, real, target) : ret;
}

void vfs_free_list(char **names)
{
	if (!names)
		return;
	for (char **p = names; *p; p++)
		free(*p);
	free(names);
}

void vfs_names_add(struct vfs_names *l, const char *name)
{
	char *s;

	if (l->err)
		return;
	/* One slot more for the NULL vfs_names_done puts at the end. */
	l->err = array_grow(&l->v, &l->cap, l->n + 2, sizeof(*l->v));
	if (l->err)
		return;
	s = strdup(name);
	if (!s)
		l->err = -ENOMEM;
	else
		l->v[l->n++] = s;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vfs_names_done(struct vfs_names *l, char ***names)
{
	if (!l->err)
		l->err = array_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	if (l->err) {
		int err = l->err;

		for (size_t i = 0; i < l->n; i++)
			free(l->v[i]);
		free(l->v);
		*l = (struct vfs_names){0};
		return err;
	}
	qsort(l->v, l->n, sizeof(*l->v), cmp_names);
	l->v[l->n] = NULL;
	*names = l->v;
	*l = (struct vfs_names){0};
	return 0;
}
