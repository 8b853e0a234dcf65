/* Snapshots read through the vfs, so one function serves the model's
 * /sys, a tree captured from a real guest and a sysroot directory. */
#include "snapshot.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "array.h"
#include "json_out.h"
#include "strbuf.h"
#include "machine.h"
#include "run_json.h"
#include "sysfs.h"
#include "vfs.h"

/* A sysfs value without its newline; NULL if unreadable. */
static char *read_value(const struct vfs *v, const char *path)
{
	char *s;

	if (vfs_read(v, path, &s))
		return NULL;
	s[strcspn(s, "\n")] = '\0';
	return s;
}

/* A number in base `base`; -1 if unreadable or not a number. */
static int64_t read_number(const struct vfs *v, const char *path, int base)
{
	char *s = read_value(v, path), *end;
	long long n;

	if (!s)
		return -1;
	n = strtoll(s, &end, base);
	if (end == s)
		n = -1;
	free(s);
	return n;
}

/* "node17" -> 17; -1 for any other name. */
static int node_link_id(const char *name)
{
	char *end;
	long n;

	if (strncmp(name, "node", 4) || name[4] < '0' || name[4] > '9')
		return -1;
	n = strtol(name + 4, &end, 10);
	return *end || n > INT_MAX ? -1 : (int)n;
}

/* The block's node as user space can tell it: its nodeK link, and of a
 * boot block linked to several nodes the highest, the one the kernel
 * registered last and keeps in mem->nid (memory_block_add_nid()); -1
 * without a link. */
static int block_node(const struct vfs *v, const char *dir)
{
	char **names = NULL, path[160];
	int node = -1;

	if (vfs_list(v, dir, &names))
		return -1;
	for (char **n = names; *n; n++) {
		int id = node_link_id(*n);

		snprintf(path, sizeof(path), "%s/%s", dir, *n);
		if (id > node && vfs_lookup(v, path, NULL) == VFS_LINK)
			node = id;
	}
	vfs_free_list(names);
	return node;
}

static struct json_object *block_json(const struct vfs *v, uint64_t id)
{
	struct snapshot_block b = {.id = id};
	char dir[128], path[160], *state, *zones;
	struct json_object *o;

	snprintf(dir, sizeof(dir), MEMORY_DIR "/memory%" PRIu64, id);
	snprintf(path, sizeof(path), "%s/state", dir);
	b.state = state = read_value(v, path);
	snprintf(path, sizeof(path), "%s/valid_zones", dir);
	b.valid_zones = zones = read_value(v, path);
	snprintf(path, sizeof(path), "%s/online", dir);
	b.online = (int)read_number(v, path, 10);
	snprintf(path, sizeof(path), "%s/phys_index", dir);
	b.phys_index = read_number(v, path, 16);
	snprintf(path, sizeof(path), "%s/removable", dir);
	b.removable = (int)read_number(v, path, 10);
	b.node = block_node(v, dir);
	o = snapshot_block_json(&b);
	free(state);
	free(zones);
	return o;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* memoryN of MEMORY_DIR that have a state file, ascending by N. */
static int block_ids(const struct vfs *v, uint64_t **ids, size_t *nr)
{
	char **names = NULL, path[160];
	size_t cap = 0;
	int ret = vfs_list(v, MEMORY_DIR, &names);

	*ids = NULL;
	*nr = 0;
	if (ret)
		return ret;
	for (char **n = names; !ret && *n; n++) {
		char *end;
		uint64_t id;

		if (strncmp(*n, "memory", 6) || (*n)[6] < '0' || (*n)[6] > '9')
			continue;
		id = strtoull(*n + 6, &end, 10);
		snprintf(path, sizeof(path), MEMORY_DIR "/%s/state", *n);
		if (*end || vfs_lookup(v, path, NULL) == VFS_NONE)
			continue;
		ret = array_grow(ids, &cap, *nr + 1, sizeof(**ids));
		if (!ret)
			(*ids)[(*nr)++] = id;
	}
	vfs_free_list(names);
	if (*nr)
		qsort(*ids, *nr, sizeof(**ids), cmp_u64);
	return ret;
}

static struct json_object *blocks_json(const struct vfs *v)
{
	struct json_object *list = json_object_new_array();
	uint64_t *ids;
	size_t n;

	/* What could be listed; nothing if MEMORY_DIR cannot be read. */
	block_ids(v, &ids, &n);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(list, block_json(v, ids[i]));
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

static char *read_param(const void *ctx, const char *path)
{
	return read_value(ctx, path);
}

struct json_object *snapshot_from_vfs(const struct vfs *v, const char *label, int step,
				      struct json_object *zoneinfo,
				      struct json_object *memory_devices)
{
	struct json_object *o = json_object_new_object();
	int64_t bsize = read_number(v, MEMORY_DIR "/block_size_bytes", 16);

	json_object_object_add(o, "label", json_object_new_string(label));
	json_object_object_add(o, "step", json_object_new_int(step));
	json_object_object_add(o, "block_size_bytes",
			       bsize < 0 ? NULL : json_object_new_int64(bsize));
	json_object_object_add(o, "auto_online_blocks",
			       json_string_take(read_value(v, MEMORY_DIR "/auto_online_blocks")));
	json_object_object_add(o, "params", snapshot_params_json(read_param, v));
	json_object_object_add(o, "blocks", blocks_json(v));
	if (!zoneinfo) {
		char *text = NULL;

		vfs_read(v, "/proc/zoneinfo", &text);
		zoneinfo = zoneinfo_parse(text ? text : "");
		free(text);
	}
	json_object_object_add(o, "zoneinfo", zoneinfo);
	json_object_object_add(o, "memory_devices", memory_devices);
	return o;
}

/* The model's zones from struct zone rather than its /proc/zoneinfo text:
 * the text always has "managed", the snapshot leaves it out where the
 * model cannot know it. */
/* The kernel prints start_pfn for populated zones only. */
static bool zoneinfo_start_known(const struct zone *z)
{
	return populated_zone(z);
}

/* Boot memory loses pages to firmware and memblock reservations the model
 * does not know: no managed number then. */
static bool zoneinfo_managed_known(const struct zone *z)
{
	return !z->present_early_pages;
}

static struct json_object *zoneinfo_json(const struct kernel *k)
{
	struct json_object *list = json_object_new_array();

	for (int nid = 0; nid < k->nr_node_ids; nid++) {
		if (!k->nodes[nid].online)
			continue;
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			const struct zone *z = &k->nodes[nid].zones[t];
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "node", json_object_new_int(nid));
			json_object_object_add(o, "zone",
					       json_object_new_string(zone_name(z->type)));
			json_object_object_add(
			    o, "start_pfn",
			    zoneinfo_start_known(z) ? json_object_new_uint64(z->start_pfn) : NULL);
			json_object_object_add(o, "spanned",
					       json_object_new_uint64(z->spanned_pages));
			json_object_object_add(o, "present",
					       json_object_new_uint64(z->present_pages));
			json_object_object_add(o, "managed",
					       zoneinfo_managed_known(z)
						   ? json_object_new_uint64(z->managed_pages)
						   : NULL);
			json_object_array_add(list, o);
		}
	}
	return list;
}

/* The model's block as snapshot_from_vfs() reads it from memoryN/, taken
 * from struct memory_block (the attributes' show functions in
 * lib/linux/sysfs.c say what a read gives). zones holds valid_zones. */
static void model_block(const struct kernel *k, const struct memory_block *mb, struct strbuf *zones,
			struct snapshot_block *b)
{
	strbuf_reset(zones);
	memory_block_valid_zones(k, mb, zones);
	*b = (struct snapshot_block){
	    .id = mb->id,
	    .state = memory_block_state_name(mb->state),
	    .valid_zones = zones->oom ? NULL : zones->buf,
	    .online = mb->state != MEM_OFFLINE,
	    .removable = 1,
	    .phys_index = (int64_t)mb->id,
	    .node = -1,
	};
	/* The highest nodeK link, as block_node() picks it (bits at and past
	 * MAX_NUMNODES are never set). */
	if (mb->node_links)
		b->node = 63 - __builtin_clzll(mb->node_links);
}

/* A module parameter as its file shows it, without the newline. */
static char *model_param(const void *ctx, const char *path)
{
	const char *name = strrchr(path, '/') + 1;
	char buf[32] = "";

	kernel_param_get(ctx, name, buf, sizeof(buf));
	return strdup(buf);
}

static struct json_object *model_blocks_json(const struct kernel *k)
{
	struct json_object *list = json_object_new_array();
	struct strbuf zones = {0};
	const struct memory_block *mb;
	uint64_t id;

	idtree_for_each(&k->blocks, id, mb)
	{
		struct snapshot_block b;

		model_block(k, mb, &zones, &b);
		json_object_array_add(list, snapshot_block_json(&b));
	}
	strbuf_release(&zones);
	return list;
}

/* snapshot_from_vfs() over the model's /sys gives the same object (a
 * test compares them); this reads the structures instead of formatting
 * and parsing a path and a value per attribute. */
struct json_object *snapshot_capture(const struct machine *m, const char *label, int step)
{
	const struct kernel *k = m->kernel;
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "label", json_object_new_string(label));
	json_object_object_add(o, "step", json_object_new_int(step));
	json_object_object_add(o, "block_size_bytes",
			       json_object_new_int64((int64_t)k->block_size));
	json_object_object_add(o, "auto_online_blocks",
			       json_object_new_string(mmop_name(k->auto_online_type)));
	json_object_object_add(o, "params", snapshot_params_json(model_param, k));
	json_object_object_add(o, "blocks", model_blocks_json(k));
	json_object_object_add(o, "zoneinfo", zoneinfo_json(k));
	json_object_object_add(o, "memory_devices", machine_memory_devices_json(m));
	return o;
}

struct json_object *snapshot_capture_vfs(const struct machine *m, const char *label, int step)
{
	struct vfs v;

	kernel_sysfs_ro(m->kernel, &v);
	return snapshot_from_vfs(&v, label, step, zoneinfo_json(m->kernel),
				 machine_memory_devices_json(m));
}

static void write_block(struct json_out *f, const struct snapshot_block *b, int level)
{
	const char *zone = b->state && b->valid_zones && !strcmp(b->state, "online") &&
				   strcmp(b->valid_zones, "none")
			       ? b->valid_zones
			       : NULL;

	json_out_char(f, '{');
	JSON_OUT_KEY(f, level + 1, true, "id");
	json_out_uint(f, b->id);
	JSON_OUT_KEY(f, level + 1, false, "state");
	json_out_cstr(f, b->state ? b->state : "");
	JSON_OUT_KEY(f, level + 1, false, "online");
	json_out_int(f, b->online);
	JSON_OUT_KEY(f, level + 1, false, "phys_index");
	json_out_int(f, b->phys_index);
	JSON_OUT_KEY(f, level + 1, false, "removable");
	json_out_int(f, b->removable);
	JSON_OUT_KEY(f, level + 1, false, "node");
	json_out_int(f, b->node);
	JSON_OUT_KEY(f, level + 1, false, "valid_zones");
	json_out_cstr(f, b->valid_zones ? b->valid_zones : "");
	JSON_OUT_KEY(f, level + 1, false, "zone");
	json_out_cstr(f, zone);
	json_out_close(f, level, '}');
}

static void write_params(struct json_out *f, const struct kernel *k, int level)
{
	json_out_char(f, '{');
	for (size_t i = 0; snapshot_param_names[i]; i++) {
		char buf[32] = "";

		kernel_param_get(k, snapshot_param_names[i], buf, sizeof(buf));
		json_out_key(f, level + 1, i == 0, snapshot_param_names[i]);
		json_out_cstr(f, buf);
	}
	json_out_close(f, level, '}');
}

static void write_blocks(struct json_out *f, const struct kernel *k, int level)
{
	struct strbuf zones = {0};
	const struct memory_block *mb;
	bool first = true;
	uint64_t id;

	json_out_char(f, '[');
	idtree_for_each(&k->blocks, id, mb)
	{
		struct snapshot_block b;

		model_block(k, mb, &zones, &b);
		json_out_elem(f, level + 1, first);
		write_block(f, &b, level + 1);
		first = false;
	}
	strbuf_release(&zones);
	json_out_close(f, level, ']');
}

/* An optional count: null when the kernel would not print it. */
static void write_count(struct json_out *f, bool known, uint64_t v)
{
	if (known)
		json_out_uint(f, v);
	else
		JSON_OUT_LIT(f, "null");
}

/* zoneinfo_json()'s list, written as json-c would print it. */
static void write_zoneinfo(struct json_out *f, const struct kernel *k, int level)
{
	bool first = true;

	json_out_char(f, '[');
	for (int nid = 0; nid < k->nr_node_ids; nid++) {
		if (!k->nodes[nid].online)
			continue;
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			const struct zone *z = &k->nodes[nid].zones[t];

			json_out_elem(f, level + 1, first);
			first = false;
			json_out_char(f, '{');
			JSON_OUT_KEY(f, level + 2, true, "node");
			json_out_int(f, nid);
			JSON_OUT_KEY(f, level + 2, false, "zone");
			json_out_cstr(f, zone_name(z->type));
			JSON_OUT_KEY(f, level + 2, false, "start_pfn");
			write_count(f, zoneinfo_start_known(z), z->start_pfn);
			JSON_OUT_KEY(f, level + 2, false, "spanned");
			json_out_uint(f, z->spanned_pages);
			JSON_OUT_KEY(f, level + 2, false, "present");
			json_out_uint(f, z->present_pages);
			JSON_OUT_KEY(f, level + 2, false, "managed");
			write_count(f, zoneinfo_managed_known(z), z->managed_pages);
			json_out_close(f, level + 1, '}');
		}
	}
	json_out_close(f, level, ']');
}

int snapshot_write(const struct machine *m, const char *label, int step, struct json_out *f, int level)
{
	const struct kernel *k = m->kernel;
	struct json_object *devices = machine_memory_devices_json(m);

	json_out_char(f, '{');
	JSON_OUT_KEY(f, level + 1, true, "label");
	json_out_cstr(f, label);
	JSON_OUT_KEY(f, level + 1, false, "step");
	json_out_int(f, step);
	JSON_OUT_KEY(f, level + 1, false, "block_size_bytes");
	json_out_int(f, (int64_t)k->block_size);
	JSON_OUT_KEY(f, level + 1, false, "auto_online_blocks");
	json_out_cstr(f, mmop_name(k->auto_online_type));
	JSON_OUT_KEY(f, level + 1, false, "params");
	write_params(f, k, level + 1);
	JSON_OUT_KEY(f, level + 1, false, "blocks");
	write_blocks(f, k, level + 1);
	JSON_OUT_KEY(f, level + 1, false, "zoneinfo");
	write_zoneinfo(f, k, level + 1);
	JSON_OUT_KEY(f, level + 1, false, "memory_devices");
	json_out_value(f, devices, level + 1);
	json_out_close(f, level, '}');
	json_object_put(devices);
	return f->error ? -EIO : 0;
}

int sysroot_write(const struct machine *m, const char *dir, const char *label, char *err,
		  size_t errlen)
{
	struct vfs v;

	kernel_sysfs_ro(m->kernel, &v);
	return sysroot_save(&v, dir, label, err, errlen);
}
