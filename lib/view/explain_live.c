/* memhp explain --live: the explanation of explain.c built from a live
 * machine's /sys and /proc (live.c) instead of the model, in the same JSON
 * schema, so explain_format_text() renders both. What a live machine does
 * not show is said so: no history (who onlined a block, with which online
 * type), and KERNEL_EARLY estimated as present pages minus those of memory
 * devices (live.h). An online block is judged as if it were offline, and
 * the answer compared with the zone it is in. */
#include "explain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "explain_internal.h"
#include "live.h"
#include "run_json.h"
#include "vfs.h"

static struct json_object *read_string(const struct vfs *fs, const char *path)
{
	char *v = NULL;

	if (vfs_read(fs, path, &v) < 0)
		return NULL;
	v[strcspn(v, "\n")] = '\0';
	return json_string_take(v);
}

static struct json_object *live_params_json(const struct live_memory *lm)
{
	const struct live_params *p = &lm->params;
	struct json_object *o = json_object_new_object();

	add_str(o, "online_policy", online_policy_name(p->online_policy));
	add_u64(o, "auto_movable_ratio", p->auto_movable_ratio);
	add_bool(o, "auto_movable_numa_aware", p->auto_movable_numa_aware);
	add_bool(o, "movable_node", lm->movable_node);
	add_str(o, "auto_online_blocks",
		p->has_auto_online ? mmop_name(p->auto_online_blocks) : "unknown");
	return o;
}

/* /proc/zoneinfo's populated zones; present_early is live.c's estimate. */
static struct json_object *live_zones_json(const struct live_memory *lm)
{
	struct json_object *a = json_object_new_array();

	for (int n = 0; n < lm->nr_node_ids && n < MAX_NUMNODES; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			const struct live_zone *z = &lm->nodes[n].zones[t];
			struct json_object *o;

			if (!z->present)
				continue;
			o = json_object_new_object();
			json_object_object_add(o, "node", json_object_new_int(n));
			add_str(o, "zone", zone_name(t));
			add_u64(o, "present", z->present);
			add_u64(o, "present_early",
				z->present > z->device_pages ? z->present - z->device_pages : 0);
			add_u64(o, "cma", z->cma);
			json_object_array_add(a, o);
		}
	return a;
}

static const char *state_name(enum memory_block_state s)
{
	return s ? memory_block_state_name(s) : "unknown";
}

static void add_device(struct json_object *e, const struct live_memory *lm,
		       const struct live_block *b)
{
	const struct live_device *d = b->device >= 0 ? &lm->devices[b->device] : NULL;

	json_object_object_add(e, "group", d ? explain_group_json(&d->stats, d->nr_blocks) : NULL);
	add_str(e, "device", d ? d->name : NULL);
	add_str(e, "device_kind",
		!d			      ? NULL
		: d->kind == LIVE_DEVICE_ACPI ? "acpi-memory-device"
					      : "virtio-mem");
}

/* The explanation; lm as read, b one of its blocks, d what `online` would
 * choose (NULL: nothing can be decided, spans_zones()). */
static struct json_object *live_block_json(const struct vfs *fs, const struct live_memory *lm,
					   const struct live_block *b, const char *name,
					   const struct zone_decision *d)
{
	char path[128];
	struct json_object *e = json_object_new_object();
	bool online = b->state == MEM_ONLINE;

	add_str(e, "scenario", name);
	json_object_object_add(e, "kernel", read_string(fs, "/proc/sys/kernel/osrelease"));
	add_str(e, "at", NULL);
	add_bool(e, "live", true);
	add_u64(e, "block", b->id);
	json_object_object_add(e, "node", json_object_new_int(b->nid));
	add_u64(e, "start_pfn", b->id * lm->pages_per_block);
	add_u64(e, "nr_pages", lm->pages_per_block);
	add_str(e, "state", state_name(b->state));
	add_str(e, "zone", online && b->zone >= 0 ? zone_name(b->zone) : NULL);
	snprintf(path, sizeof(path), MEMORY_DIR "/memory%llu/valid_zones",
		 (unsigned long long)b->id);
	json_object_object_add(e, "valid_zones", read_string(fs, path));
	/* live.c's estimate: memory of no device was there at boot. */
	add_bool(e, "boot_memory", b->device < 0);
	add_u64(e, "vmemmap_pages", 0);
	add_device(e, lm, b);
	json_object_object_add(e, "params", live_params_json(lm));
	if (d)
		json_object_object_add(e, "would_choose", explain_decision_json(d));
	if (d && online)
		add_bool(e, "matches_zone_now", (int)d->zone == b->zone);
	json_object_object_add(e, "zones_now", live_zones_json(lm));
	return e;
}

/* Why live_read() or the decision failed, in err. */
static int no_decision(const struct live_memory *lm, const struct live_block *b, char *err,
		       size_t errlen)
{
	if (!lm->has_zoneinfo)
		snprintf(err, errlen,
			 "/proc/zoneinfo: cannot be read, and the policy weighs its zones' pages");
	else
		snprintf(err, errlen, "memory%llu: no nodeN link, so no node whose zones to weigh",
			 (unsigned long long)b->id);
	return -ENODATA;
}

/* An online block in no single zone (valid_zones "none"): boot memory
 * across a zone boundary, which the kernel never offlines
 * (test_pages_in_a_zone()), so no policy decides for it. */
static bool spans_zones(const struct live_block *b)
{
	return b->state == MEM_ONLINE && b->zone < 0;
}

struct json_object *explain_live_block(const struct vfs *fs, const char *name, uint64_t block,
				       int *err_out, char *err, size_t errlen)
{
	struct live_memory lm;
	struct zone_decision d;
	struct json_object *e = NULL;
	const struct live_block *b;
	int ret;

	if (vfs_lookup(fs, MEMORY_DIR, NULL) != VFS_DIR) {
		snprintf(err, errlen,
			 MEMORY_DIR ": no such directory (no memory blocks to explain)");
		*err_out = -ENOENT;
		return NULL;
	}
	ret = live_read(fs, &lm, err, errlen);
	if (ret) {
		*err_out = ret;
		return NULL;
	}
	b = live_find_block(&lm, block);
	if (!b) {
		snprintf(err, errlen, "there is no memory%llu", (unsigned long long)block);
		ret = -ENOENT;
	} else if (!spans_zones(b)) {
		ret = live_zone_for_block(&lm, block, MMOP_ONLINE, NULL, &d);
		if (ret == -ENODATA)
			ret = no_decision(&lm, b, err, errlen);
	}
	if (!ret)
		e = live_block_json(fs, &lm, b, name, spans_zones(b) ? NULL : &d);
	live_release(&lm);
	*err_out = ret;
	return e;
}
