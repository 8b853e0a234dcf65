#include "sysfs_capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "array.h"
#include "run_json.h"
#include "snapshot.h"
#include "vfs.h"

#define FILE_TAG  "@@F "
#define LINK_TAG  "@@L "
#define ERROR_TAG "@@X "
#define EOF_TAG	  "@@EOF\n"

/* Takes e's strings; frees them on error. */
static int add_entry(struct sysfs_capture *cap, struct sysfs_entry e)
{
	if (!e.path ||
	    array_grow(&cap->entries, &cap->cap, cap->nr_entries + 1, sizeof(*cap->entries))) {
		free(e.path);
		free(e.content);
		free(e.target);
		return -ENOMEM;
	}
	cap->entries[cap->nr_entries++] = e;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct sysfs_entry *)a)->path, ((const struct sysfs_entry *)b)->path);
}

/* "@@F path\n" content "@@EOF\n": content is whatever came before the end
 * tag, which follows a newline for every sysfs file. */
static int parse_file(struct sysfs_capture *cap, const char **pos)
{
	const char *p = *pos + strlen(FILE_TAG), *nl = strchr(p, '\n'), *end;
	struct sysfs_entry e = {0};

	if (!nl)
		return -EPROTO;
	end = strstr(nl + 1, EOF_TAG);
	if (!end)
		return -EPROTO;
	e.path = strndup(p, (size_t)(nl - p));
	if (!strncmp(nl + 1, ERROR_TAG, strlen(ERROR_TAG)))
		e.unreadable = true;
	else if (!(e.content = strndup(nl + 1, (size_t)(end - nl - 1))))
		e.unreadable = true; /* add_entry reports the missing path */
	*pos = end + strlen(EOF_TAG);
	return add_entry(cap, e);
}

/* "@@L path target\n" (sysfs paths hold no spaces). */
static int parse_link(struct sysfs_capture *cap, const char **pos)
{
	const char *p = *pos + strlen(LINK_TAG), *nl = strchr(p, '\n'), *sp;
	struct sysfs_entry e = {0};

	if (!nl)
		return -EPROTO;
	sp = memchr(p, ' ', (size_t)(nl - p));
	if (!sp)
		return -EPROTO;
	e.path = strndup(p, (size_t)(sp - p));
	e.target = strndup(sp + 1, (size_t)(nl - sp - 1));
	*pos = nl + 1;
	if (!e.target) {
		free(e.path);
		return -ENOMEM;
	}
	return add_entry(cap, e);
}

int sysfs_capture_parse(const char *stream, struct sysfs_capture *cap)
{
	const char *pos = stream;
	int ret = 0;

	memset(cap, 0, sizeof(*cap));
	while (*pos && !ret) {
		if (!strncmp(pos, FILE_TAG, strlen(FILE_TAG)))
			ret = parse_file(cap, &pos);
		else if (!strncmp(pos, LINK_TAG, strlen(LINK_TAG)))
			ret = parse_link(cap, &pos);
		else
			ret = -EPROTO;
	}
	if (ret) {
		sysfs_capture_release(cap);
		return ret;
	}
	if (cap->nr_entries)
		qsort(cap->entries, cap->nr_entries, sizeof(*cap->entries), cmp_entry);
	return 0;
}

const struct sysfs_entry *sysfs_capture_find(const struct sysfs_capture *cap, const char *path)
{
	struct sysfs_entry key = {.path = (char *)path};

	if (!cap->nr_entries)
		return NULL;
	return bsearch(&key, cap->entries, cap->nr_entries, sizeof(key), cmp_entry);
}

/* The first entry at or after path in sort order. */
static size_t lower_bound(const struct sysfs_capture *cap, const char *path)
{
	size_t lo = 0, hi = cap->nr_entries;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(cap->entries[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- the capture as a read-only vfs ---- */

/* "DIR/" for path DIR ("/" for the root): what its entries start with. */
static int dir_prefix(const char *path, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/", strcmp(path, "/") ? path : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* A directory is what the captured paths pass through: the tree holds
 * files and links only. */
static bool is_captured_dir(const struct sysfs_capture *cap, const char *path)
{
	char prefix[4096];
	size_t i;

	if (dir_prefix(path, prefix, sizeof(prefix)))
		return false;
	i = lower_bound(cap, prefix);
	return i < cap->nr_entries && !strncmp(cap->entries[i].path, prefix, strlen(prefix));
}

/* Files read back as 0444: the capture records contents, not modes. */
static enum vfs_type capture_lookup(const void *ctx, const char *path, unsigned int *mode)
{
	const struct sysfs_entry *e = sysfs_capture_find(ctx, path);
	enum vfs_type t = VFS_NONE;

	if (e)
		t = e->target ? VFS_LINK : VFS_FILE;
	else if (is_captured_dir(ctx, path))
		t = VFS_DIR;
	if (mode && t != VFS_NONE)
		*mode = t == VFS_FILE ? 0444 : 0755;
	return t;
}

/* -EACCES for a file the guest could not read. */
static int capture_read(const void *ctx, const char *path, char **out)
{
	const struct sysfs_entry *e = sysfs_capture_find(ctx, path);

	if (!e)
		return is_captured_dir(ctx, path) ? -EISDIR : -ENOENT;
	if (e->target)
		return -ENOENT; /* links point at directories, not captured */
	if (!e->content)
		return -EACCES;
	*out = strdup(e->content);
	return *out ? 0 : -ENOMEM;
}

static int capture_list(const void *ctx, const char *path, char ***names)
{
	const struct sysfs_capture *cap = ctx;
	struct vfs_names l = {0};
	const char *last = NULL;
	char prefix[4096];
	size_t plen;
	int ret = dir_prefix(path, prefix, sizeof(prefix));

	if (ret)
		return ret;
	if (!is_captured_dir(cap, path))
		return sysfs_capture_find(cap, path) ? -ENOTDIR : -ENOENT;
	plen = strlen(prefix);
	/* The paths under DIR/ sort together; one child's paths are adjacent. */
	for (size_t i = lower_bound(cap, prefix); i < cap->nr_entries; i++) {
		const char *rest;
		char name[256];
		size_t n;

		if (strncmp(cap->entries[i].path, prefix, plen))
			break;
		rest = cap->entries[i].path + plen;
		n = strcspn(rest, "/");
		if (last && !strncmp(last, rest, n) && (last[n] == '/' || !last[n]))
			continue;
		last = rest;
		snprintf(name, sizeof(name), "%.*s", (int)n, rest);
		vfs_names_add(&l, name);
	}
	return vfs_names_done(&l, names);
}

static int capture_readlink(const void *ctx, const char *path, char **target)
{
	const struct sysfs_entry *e = sysfs_capture_find(ctx, path);

	if (!e)
		return is_captured_dir(ctx, path) ? -EINVAL : -ENOENT;
	if (!e->target)
		return -EINVAL;
	*target = strdup(e->target);
	return *target ? 0 : -ENOMEM;
}

static const struct vfs_ops capture_ops = {
    .lookup = capture_lookup,
    .read = capture_read,
    .list = capture_list,
    .readlink = capture_readlink,
};

void sysfs_capture_vfs(const struct sysfs_capture *cap, struct vfs *out)
{
	*out = (struct vfs){.ops = &capture_ops, .ctx = cap};
}

int sysfs_capture_write(const struct sysfs_capture *cap, const char *dir, const char *label,
			char *err, size_t errlen)
{
	struct vfs v;

	sysfs_capture_vfs(cap, &v);
	return sysroot_save(&v, dir, label, err, errlen);
}

struct json_object *sysfs_capture_snapshot(const struct sysfs_capture *cap, const char *label,
					   int step, struct json_object *memory_devices)
{
	struct vfs v;

	sysfs_capture_vfs(cap, &v);
	return snapshot_from_vfs(&v, label, step, NULL, memory_devices);
}

void sysfs_capture_release(struct sysfs_capture *cap)
{
	for (size_t i = 0; i < cap->nr_entries; i++) {
		free(cap->entries[i].path);
		free(cap->entries[i].content);
		free(cap->entries[i].target);
	}
	free(cap->entries);
	memset(cap, 0, sizeof(*cap));
}
