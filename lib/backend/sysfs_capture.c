#include "sysfs_capture.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "run_json.h"
#include "snapshot.h"

#define MEMORY_DIR "/sys/devices/system/memory"
#define FILE_TAG   "@@F "
#define LINK_TAG   "@@L "
#define ERROR_TAG  "@@X "
#define EOF_TAG	   "@@EOF\n"

static int add_entry(struct sysfs_capture *cap, struct sysfs_entry e)
{
	struct sysfs_entry *v = realloc(cap->entries, (cap->nr_entries + 1) * sizeof(*v));

	if (!v || !e.path) {
		free(v ? NULL : e.path);
		free(e.content);
		free(e.target);
		if (v)
			cap->entries = v;
		return -ENOMEM;
	}
	cap->entries = v;
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

int sysfs_capture_write(const struct sysfs_capture *cap, const char *dir, char *err, size_t errlen)
{
	for (size_t i = 0; i < cap->nr_entries; i++) {
		const struct sysfs_entry *e = &cap->entries[i];
		char host[4096], *slash;
		int ret;

		snprintf(host, sizeof(host), "%s%s", dir, e->path);
		slash = strrchr(host, '/');
		*slash = '\0';
		ret = sysroot_mkdir_p(host);
		*slash = '/';
		/* Replace what an earlier run left there. */
		if (!ret && e->target && unlink(host) && errno != ENOENT)
			ret = -errno;
		if (!ret && e->target)
			ret = symlink(e->target, host) ? -errno : 0;
		else if (!ret)
			ret = sysroot_write_file(host, e->content ? e->content : "", 0444);
		if (ret) {
			snprintf(err, errlen, "%s: %s", host, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* The value of a file without its trailing newline, or NULL. */
static char *value_of(const struct sysfs_capture *cap, const char *path)
{
	const struct sysfs_entry *e = sysfs_capture_find(cap, path);
	char *v;

	if (!e || !e->content)
		return NULL;
	v = strdup(e->content);
	if (v)
		v[strcspn(v, "\n")] = '\0';
	return v;
}

static int64_t number_of(const struct sysfs_capture *cap, const char *path, int base)
{
	char *v = value_of(cap, path), *end;
	long long n;

	if (!v)
		return -1;
	n = strtoll(v, &end, base);
	if (end == v)
		n = -1;
	free(v);
	return n;
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

/* The node a block's nodeK link names, or -1. */
static int block_node(const struct sysfs_capture *cap, const char *dir)
{
	char prefix[160];
	size_t len = (size_t)snprintf(prefix, sizeof(prefix), "%s/node", dir);

	/* The links sort together right after "DIR/node". */
	for (size_t i = lower_bound(cap, prefix); i < cap->nr_entries; i++) {
		const struct sysfs_entry *e = &cap->entries[i];

		if (strncmp(e->path, prefix, len))
			break;
		if (e->target)
			return atoi(e->path + len);
	}
	return -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct json_object *blocks_json(const struct sysfs_capture *cap)
{
	struct json_object *list = json_object_new_array();
	uint64_t *ids = calloc(cap->nr_entries + 1, sizeof(*ids));
	size_t n = 0;

	if (!ids)
		return list;
	for (size_t i = 0; i < cap->nr_entries; i++) {
		const char *p = cap->entries[i].path;
		unsigned long long id;
		int used = 0;

		if (sscanf(p, MEMORY_DIR "/memory%llu/state%n", &id, &used) == 1 && !p[used] &&
		    used)
			ids[n++] = id;
	}
	qsort(ids, n, sizeof(*ids), cmp_u64);
	for (size_t i = 0; i < n; i++) {
		struct snapshot_block b = {.id = ids[i]};
		char dir[128], path[160], *state, *zones;

		snprintf(dir, sizeof(dir), MEMORY_DIR "/memory%" PRIu64, ids[i]);
		snprintf(path, sizeof(path), "%s/state", dir);
		b.state = state = value_of(cap, path);
		snprintf(path, sizeof(path), "%s/valid_zones", dir);
		b.valid_zones = zones = value_of(cap, path);
		snprintf(path, sizeof(path), "%s/online", dir);
		b.online = (int)number_of(cap, path, 10);
		snprintf(path, sizeof(path), "%s/phys_index", dir);
		b.phys_index = number_of(cap, path, 16);
		snprintf(path, sizeof(path), "%s/removable", dir);
		b.removable = (int)number_of(cap, path, 10);
		b.node = block_node(cap, dir);
		json_object_array_add(list, snapshot_block_json(&b));
		free(state);
		free(zones);
	}
	free(ids);
	return list;
}

static void add_count(struct json_object *zone, const char *key, const char *text)
{
	unsigned long long v;

	if (sscanf(text, "%llu", &v) == 1)
		json_object_object_add(zone, key, json_object_new_uint64(v));
}

struct json_object *zoneinfo_parse(const char *text)
{
	struct json_object *list = json_object_new_array(), *zone = NULL;
	const char *line = text;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		char key[32], name[32];
		int nid, used = 0;

		if (sscanf(line, "Node %d, zone %31s", &nid, name) == 2) {
			zone = json_object_new_object();
			json_object_object_add(zone, "node", json_object_new_int(nid));
			json_object_object_add(zone, "zone", json_object_new_string(name));
			json_object_object_add(zone, "start_pfn", NULL);
			json_object_array_add(list, zone);
		} else if (zone && sscanf(line, " %31s %n", key, &used) == 1 && used) {
			if (!strcmp(key, "spanned") || !strcmp(key, "present") ||
			    !strcmp(key, "managed"))
				add_count(zone, key, line + used);
			else if (!strcmp(key, "start_pfn:"))
				add_count(zone, "start_pfn", line + used);
		}
		line = nl ? nl + 1 : NULL;
	}
	return list;
}

static char *read_captured_value(const void *ctx, const char *path)
{
	return value_of(ctx, path);
}

struct json_object *sysfs_capture_snapshot(const struct sysfs_capture *cap, const char *label,
					   int step, struct json_object *memory_devices)
{
	struct json_object *o = json_object_new_object();
	const struct sysfs_entry *zi = sysfs_capture_find(cap, "/proc/zoneinfo");
	int64_t bsize = number_of(cap, MEMORY_DIR "/block_size_bytes", 16);

	json_object_object_add(o, "label", json_object_new_string(label));
	json_object_object_add(o, "step", json_object_new_int(step));
	json_object_object_add(o, "block_size_bytes",
			       bsize < 0 ? NULL : json_object_new_int64(bsize));
	json_object_object_add(o, "auto_online_blocks",
			       json_string_take(value_of(cap, MEMORY_DIR "/auto_online_blocks")));
	json_object_object_add(o, "params", snapshot_params_json(read_captured_value, cap));
	json_object_object_add(o, "blocks", blocks_json(cap));
	json_object_object_add(o, "zoneinfo", zoneinfo_parse(zi && zi->content ? zi->content : ""));
	json_object_object_add(o, "memory_devices", memory_devices);
	return o;
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
