/* The vfs_* calls: dispatch to the handle's implementation. */
#include "vfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

enum vfs_type vfs_lookup(const struct vfs *v, const char *path, unsigned int *mode)
{
	return v->ops->lookup(v->ctx, path, mode);
}

int vfs_read(const struct vfs *v, const char *path, char **out)
{
	return v->ops->read(v->ctx, path, out);
}

int vfs_write(const struct vfs *v, const char *path, const char *buf)
{
	if (!v->wctx || !v->ops->write)
		return -EROFS;
	return v->ops->write(v->wctx, path, buf);
}

int vfs_list(const struct vfs *v, const char *path, char ***names)
{
	return v->ops->list(v->ctx, path, names);
}

int vfs_readlink(const struct vfs *v, const char *path, char **target)
{
	return v->ops->readlink(v->ctx, path, target);
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
