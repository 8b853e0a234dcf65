#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "machine.h"
#include "scenario.h"
#include "vfs.h"

#define MEMORY_DIR "/sys/devices/system/memory"

/* A sysfs value without its newline; NULL if unreadable. */
static char *read_value(const struct machine *m, const char *path)
{
	char *v;

	if (vfs_read(m, path, &v))
		return NULL;
	v[strcspn(v, "\n")] = '\0';
	return v;
}

struct json_object *json_string_take(char *s)
{
	struct json_object *o = s ? json_object_new_string(s) : NULL;

	free(s);
	return o;
}

struct json_object *run_step_json(const struct scenario_step *st, int index)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "index", json_object_new_int(index));
	json_object_object_add(o, "lineno", json_object_new_int(st->lineno));
	json_object_object_add(o, "line", json_object_new_string(st->line));
	json_object_object_add(o, "kind", json_object_new_string(scenario_step_kind_name(st->kind)));
	return o;
}

struct json_object *snapshot_params_json(char *(*read_param)(const void *ctx, const char *path),
					 const void *ctx)
{
	struct json_object *o = json_object_new_object();
	char path[128];

	for (size_t i = 0; snapshot_param_names[i]; i++) {
		char *v;

		snprintf(path, sizeof(path), "/sys/module/memory_hotplug/parameters/%s",
			 snapshot_param_names[i]);
		v = read_param(ctx, path);
		json_object_object_add(o, snapshot_param_names[i],
				       v ? json_object_new_string(v) : NULL);
		free(v);
	}
	return o;
}

const char *const snapshot_param_names[] = {"online_policy", "auto_movable_ratio",
					   "auto_movable_numa_aware", "memmap_on_memory", NULL};

struct json_object *snapshot_block_json(const struct snapshot_block *b)
{
	struct json_object *o = json_object_new_object();
	const char *state = b->state, *zones = b->valid_zones;

	json_object_object_add(o, "id", json_object_new_uint64(b->id));
	json_object_object_add(o, "state", json_object_new_string(state ? state : ""));
	json_object_object_add(o, "online", json_object_new_int(b->online));
	json_object_object_add(o, "phys_index", json_object_new_int64(b->phys_index));
	json_object_object_add(o, "removable", json_object_new_int(b->removable));
	json_object_object_add(o, "node", json_object_new_int(b->node));
	json_object_object_add(o, "valid_zones", json_object_new_string(zones ? zones : ""));
	/* The zone as user space can tell it: valid_zones of an online block. */
	json_object_object_add(o, "zone",
			       state && zones && !strcmp(state, "online") && strcmp(zones, "none")
				       ? json_object_new_string(zones)
				       : NULL);
	return o;
}

static struct json_object *block_json(const struct machine *m, const struct memory_block *b)
{
	struct snapshot_block sb = {
		.id = b->id,
		.online = b->state != MEM_OFFLINE,
		.phys_index = (int64_t)b->id,
		.removable = 1,
		.node = b->nid,
	};
	struct json_object *o;
	char path[128], *state, *zones;

	snprintf(path, sizeof(path), MEMORY_DIR "/memory%llu/state", (unsigned long long)b->id);
	sb.state = state = read_value(m, path);
	snprintf(path, sizeof(path), MEMORY_DIR "/memory%llu/valid_zones", (unsigned long long)b->id);
	sb.valid_zones = zones = read_value(m, path);
	o = snapshot_block_json(&sb);
	free(state);
	free(zones);
	return o;
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
			json_object_object_add(o, "zone", json_object_new_string(zone_name(z->type)));
			/* The kernel prints start_pfn for populated zones only. */
			json_object_object_add(o, "start_pfn",
					       populated_zone(z) ? json_object_new_uint64(z->start_pfn)
								 : NULL);
			json_object_object_add(o, "spanned", json_object_new_uint64(z->spanned_pages));
			json_object_object_add(o, "present", json_object_new_uint64(z->present_pages));
			/* Boot memory loses pages to firmware and memblock
			 * reservations the model does not know: no number then. */
			json_object_object_add(o, "managed",
					       z->present_early_pages
						       ? NULL
						       : json_object_new_uint64(z->managed_pages));
			json_object_array_add(list, o);
		}
	}
	return list;
}

static char *read_machine_value(const void *ctx, const char *path)
{
	return read_value(ctx, path);
}

struct json_object *snapshot_capture(const struct machine *m, const char *label, int step)
{
	const struct kernel *k = m->kernel;
	struct json_object *o = json_object_new_object(), *blocks = json_object_new_array();
	const struct memory_block *b;
	uint64_t id;

	json_object_object_add(o, "label", json_object_new_string(label));
	json_object_object_add(o, "step", json_object_new_int(step));
	json_object_object_add(o, "block_size_bytes", json_object_new_uint64(k->block_size));
	json_object_object_add(o, "auto_online_blocks",
			       json_string_take(read_value(m, MEMORY_DIR "/auto_online_blocks")));
	json_object_object_add(o, "params", snapshot_params_json(read_machine_value, m));
	idtree_for_each(&k->blocks, id, b)
		json_object_array_add(blocks, block_json(m, b));
	json_object_object_add(o, "blocks", blocks);
	json_object_object_add(o, "zoneinfo", zoneinfo_json(k));
	json_object_object_add(o, "memory_devices", machine_memory_devices_json(m));
	return o;
}

/* ---- sysroot trees ---- */

int sysroot_mkdir_p(char *path)
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

int sysroot_write_file(const char *path, const char *content, unsigned int mode)
{
	size_t len = strlen(content), off = 0;
	int ret = 0, fd;

	/* A tree written before left its files read-only: replace, don't reopen. */
	if (unlink(path) && errno != ENOENT)
		return -errno;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

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
	const struct machine *m;
	const char *root;
	char *err;
	size_t errlen;
};

static int fail_path(struct tree_walk *w, const char *path, int ret)
{
	snprintf(w->err, w->errlen, "%s%s: %s", w->root, path, strerror(-ret));
	return ret;
}

static int copy_node(struct tree_walk *w, const char *vpath)
{
	char host[4096], *content = NULL, *target = NULL;
	char **names = NULL;
	unsigned int mode = 0;
	int ret = 0;

	snprintf(host, sizeof(host), "%s%s", w->root, vpath);
	switch (vfs_lookup(w->m, vpath, &mode)) {
	case VFS_DIR:
		ret = sysroot_mkdir_p(host);
		if (!ret)
			ret = vfs_list(w->m, vpath, &names);
		for (char **n = names; !ret && n && *n; n++) {
			char child[1024];

			snprintf(child, sizeof(child), "%s/%s", vpath, *n);
			ret = copy_node(w, child);
		}
		vfs_free_list(names);
		return ret;
	case VFS_LINK:
		ret = vfs_readlink(w->m, vpath, &target);
		/* Replace what an earlier run left there. */
		if (!ret && unlink(host) && errno != ENOENT)
			ret = -errno;
		if (!ret && symlink(target, host))
			ret = -errno;
		free(target);
		break;
	case VFS_FILE:
		if (mode & 0444) {
			ret = vfs_read(w->m, vpath, &content);
		} else {
			content = strdup(""); /* write-only: present, empty */
			ret = content ? 0 : -ENOMEM;
		}
		if (!ret)
			ret = sysroot_write_file(host, content, mode);
		free(content);
		break;
	case VFS_NONE:
		ret = -ENOENT;
		break;
	}
	return ret ? fail_path(w, vpath, ret) : 0;
}

int sysroot_write(const struct machine *m, const char *dir, char *err, size_t errlen)
{
	static const char *const roots[] = {MEMORY_DIR, "/sys/devices/system/node",
					    "/sys/module/memory_hotplug/parameters", "/proc"};
	struct tree_walk w = {.m = m, .root = dir, .err = err, .errlen = errlen};

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		int ret = copy_node(&w, roots[i]);

		if (ret)
			return ret;
	}
	return 0;
}
