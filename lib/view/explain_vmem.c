/* memhp explain for virtio-mem: a device as its host and its guest
 * driver see it, why its size differs from its requested-size and where
 * its driver plugs (explain --device), and the driver's view of one block
 * (explain --block). As in explain.c, the JSON is built from the model's
 * read-only accessors and the text is rendered from the JSON only. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "explain.h"
#include "explain_internal.h"
#include "machine.h"
#include "memory_device.h"
#include "memory_group.h"
#include "memory_hotplug.h"
#include "scenario.h"
#include "strbuf.h"
#include "units.h"
#include "virtio_mem_driver.h"
#include "virtio_mem_pci.h"

/* ---- the JSON ------------------------------------------------------ */

/* The virtio-mem device behind md, or NULL (none, or another kind). */
static const struct virtio_mem_pci *as_virtio_mem(const struct memory_device *md)
{
	return md ? to_virtio_mem_pci_const(md) : NULL;
}

/* One virtio-mem device as the host and its guest driver show it. The
 * driver's ids are memory blocks in Sub Block Mode and big blocks in Big
 * Block Mode (mb_per_id memory blocks each). */
struct vmem_view {
	const struct machine *m;
	const struct virtio_mem_pci *v;
	const struct virtio_mem_driver *drv;
	struct virtio_mem_info vi;
	bool bound, unplug_online;
	uint64_t mb_per_id;
};

/* Whether the driver has bound the device (then w->vi is filled). */
static bool vmem_view_init(const struct machine *m, const struct virtio_mem_pci *v,
			   struct vmem_view *w)
{
	char buf[8] = "";

	*w =
	    (struct vmem_view){.m = m, .v = v, .drv = machine_virtio_mem_driver(m), .mb_per_id = 1};
	w->bound = w->drv && !virtio_mem_get_info(w->drv, v->index, &w->vi);
	if (!w->bound)
		return false;
	if (!w->vi.sbm)
		w->mb_per_id = w->vi.sb_size / m->kernel->block_size;
	w->unplug_online =
	    virtio_mem_param_get(w->drv, "unplug_online", buf, sizeof(buf)) > 0 && buf[0] == 'Y';
	return true;
}

/* Bytes per driver id: a memory block (SBM) or a big block (BBM). */
static uint64_t vmem_id_bytes(const struct vmem_view *w)
{
	return w->mb_per_id * w->m->kernel->block_size;
}

static bool vmem_id_state(const struct vmem_view *w, uint64_t id, int *state, uint64_t *plugged)
{
	return !virtio_mem_block_state(w->drv, w->v->index, id * w->mb_per_id, state, plugged);
}

static const char *vmem_state_name(const struct vmem_view *w, int state)
{
	return w->vi.sbm ? virtio_mem_sbm_state_name(state) : virtio_mem_bbm_state_name(state);
}

static const char *block_zone_name(const struct memory_block *b)
{
	if (!b)
		return "absent";
	return b->state == MEM_ONLINE && b->zone ? zone_name(b->zone->type) : "offline";
}

/* The zone of the id's memory blocks: "absent" (removed), "offline", a
 * zone, or "mixed". */
static const char *vmem_id_zone(const struct vmem_view *w, uint64_t id)
{
	const char *zone = NULL;

	for (uint64_t i = 0; i < w->mb_per_id; i++) {
		const char *z =
		    block_zone_name(find_memory_block(w->m->kernel, id * w->mb_per_id + i));

		if (zone && strcmp(zone, z))
			return "mixed";
		zone = z;
	}
	return zone;
}

/* What keeps the driver from unplugging the id's plugged memory, diff
 * bytes above the request (virtio-mem.md §11-§13): the rest is below one
 * sub-block (big block); offline memory goes without fake-offlining;
 * online memory only with unplug_online=Y, and only if fake-offlining
 * (alloc_contig_range()) can take its pages, which pages that cannot be
 * isolated, and pinned pages that cannot migrate, forbid. */
static const char *vmem_hold(const struct vmem_view *w, uint64_t id, uint64_t diff)
{
	bool online = false;

	if (diff < w->vi.sb_size)
		return "granularity";
	for (uint64_t i = 0; i < w->mb_per_id; i++) {
		const struct memory_block *b =
		    find_memory_block(w->m->kernel, id * w->mb_per_id + i);

		if (!b || b->state != MEM_ONLINE || !b->zone)
			continue;
		online = true;
		if (!w->unplug_online)
			return "unplug-online-n";
		switch (memory_block_isolate_blocker(w->m->kernel, b, b->zone)) {
		case ISOLATE_RESERVED:
			return "reserved-pages";
		case ISOLATE_UNMOVABLE:
			return "unmovable-pages";
		default:
			break;
		}
		/* Isolation lets them pass; migration never moves them. */
		if (range_nr_pages(w->m->kernel, b->id * w->m->kernel->pages_per_block,
				   w->m->kernel->pages_per_block, PAGE_PINNED))
			return "pinned-pages";
	}
	return online ? "none" : "offline";
}

/* Equal rows of consecutive ids, as one. */
struct vmem_row {
	uint64_t first, last;
	const char *state, *zone, *hold; /* hold: NULL in the block table */
	uint64_t plugged;
	bool open;
};

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static void vmem_row_add(const struct vmem_view *w, struct json_object *a, const struct vmem_row *r)
{
	struct json_object *o = json_object_new_object();

	add_u64(o, "first", r->first);
	add_u64(o, "last", r->last);
	add_str(o, "state", r->state);
	add_str(o, "zone", r->zone);
	json_object_object_add(o, "plugged_sub_blocks",
			       w->vi.sbm ? json_object_new_uint64(r->plugged) : NULL);
	if (r->hold)
		add_str(o, "hold", r->hold);
	json_object_array_add(a, o);
}

/* r (one id) joins the open row if it continues it, upward or downward,
 * with the same values; else the open row goes into a and r opens. */
static void vmem_row_push(const struct vmem_view *w, struct json_object *a, struct vmem_row *cur,
			  const struct vmem_row *r)
{
	if (cur->open && same_str(cur->state, r->state) && same_str(cur->zone, r->zone) &&
	    same_str(cur->hold, r->hold) && cur->plugged == r->plugged) {
		if (r->first == cur->last + 1) {
			cur->last = r->first;
			return;
		}
		if (r->first + 1 == cur->first) {
			cur->first = r->first;
			return;
		}
	}
	if (cur->open)
		vmem_row_add(w, a, cur);
	*cur = *r;
	cur->open = true;
}

static void vmem_row_flush(const struct vmem_view *w, struct json_object *a, struct vmem_row *cur)
{
	if (cur->open)
		vmem_row_add(w, a, cur);
	cur->open = false;
}

/* BBM's unplug passes (virtio_mem_bbm_unplug_request()): 0 for a big
 * block with no online memory, 1 when all its online memory is in
 * ZONE_MOVABLE, else 2. */
static int bbm_pass(const struct vmem_view *w, uint64_t bb)
{
	bool online = false;

	for (uint64_t i = 0; i < w->mb_per_id; i++) {
		const struct memory_block *b =
		    find_memory_block(w->m->kernel, bb * w->mb_per_id + i);

		if (!b || b->state != MEM_ONLINE || !b->zone)
			continue;
		if (b->zone->type != ZONE_MOVABLE)
			return 2;
		online = true;
	}
	return online ? 1 : 0;
}

/* The driver's unplug order, step by step: leftovers of failed adds go
 * first (cleanup at the start of every run); SBM then visits
 * offline_partial, offline, movable_partial, kernel_partial, movable,
 * kernel (§11), BBM its three passes over added big blocks (§13). */
static const int sbm_unplug_order[] = {
    VIRTIO_MEM_SBM_MB_PLUGGED,	       VIRTIO_MEM_SBM_MB_OFFLINE_PARTIAL, VIRTIO_MEM_SBM_MB_OFFLINE,
    VIRTIO_MEM_SBM_MB_MOVABLE_PARTIAL, VIRTIO_MEM_SBM_MB_KERNEL_PARTIAL,  VIRTIO_MEM_SBM_MB_MOVABLE,
    VIRTIO_MEM_SBM_MB_KERNEL,
};

static bool vmem_in_unplug_step(const struct vmem_view *w, uint64_t id, int state, size_t step)
{
	if (w->vi.sbm)
		return state == sbm_unplug_order[step];
	if (step == 0)
		return state == VIRTIO_MEM_BBM_BB_PLUGGED;
	return state == VIRTIO_MEM_BBM_BB_ADDED && bbm_pass(w, id) == (int)step - 1;
}

/* Every id that still holds plugged memory, in the order the driver
 * would unplug it (each step from the highest id down), with what holds
 * it. */
static struct json_object *vmem_holding_json(const struct vmem_view *w, uint64_t diff)
{
	struct json_object *a = json_object_new_array();
	size_t steps = w->vi.sbm ? ARRAY_SIZE(sbm_unplug_order) : 4;
	struct vmem_row cur = {0};

	for (size_t step = 0; step < steps; step++)
		for (uint64_t id = w->vi.next_id; id-- > w->vi.first_id;) {
			uint64_t plugged;
			int state;

			if (!vmem_id_state(w, id, &state, &plugged) || !plugged ||
			    !vmem_in_unplug_step(w, id, state, step))
				continue;
			vmem_row_push(w, a, &cur,
				      &(struct vmem_row){.first = id,
							 .last = id,
							 .state = vmem_state_name(w, state),
							 .zone = vmem_id_zone(w, id),
							 .hold = vmem_hold(w, id, diff),
							 .plugged = plugged});
		}
	vmem_row_flush(w, a, &cur);
	return a;
}

/* The ids the driver prepared, first_id to next_id - 1. */
static struct json_object *vmem_blocks_json(const struct vmem_view *w)
{
	struct json_object *a = json_object_new_array();
	struct vmem_row cur = {0};

	for (uint64_t id = w->vi.first_id; id < w->vi.next_id; id++) {
		uint64_t plugged;
		int state;

		if (!vmem_id_state(w, id, &state, &plugged))
			continue;
		vmem_row_push(w, a, &cur,
			      &(struct vmem_row){.first = id,
						 .last = id,
						 .state = vmem_state_name(w, state),
						 .zone = vmem_id_zone(w, id),
						 .plugged = plugged});
	}
	vmem_row_flush(w, a, &cur);
	return a;
}

static struct json_object *plug_next_json(uint64_t id, const char *state, const char *step)
{
	struct json_object *o = json_object_new_object();

	add_u64(o, "id", id);
	add_str(o, "state", state);
	add_str(o, "step", step);
	return o;
}

/* The id the next plug would fill first (§9 for SBM, §13 for BBM):
 * partially plugged added blocks (kernel, movable, offline, each
 * ascending), then unused ones prepared before, then a new one while it
 * lies wholly inside the usable region; NULL when there is none. */
static struct json_object *vmem_plug_next_json(const struct vmem_view *w)
{
	static const int sbm_order[] = {
	    VIRTIO_MEM_SBM_MB_KERNEL_PARTIAL, VIRTIO_MEM_SBM_MB_MOVABLE_PARTIAL,
	    VIRTIO_MEM_SBM_MB_OFFLINE_PARTIAL, VIRTIO_MEM_SBM_MB_UNUSED};
	size_t first = w->vi.sbm ? 0 : ARRAY_SIZE(sbm_order) - 1;

	/* VIRTIO_MEM_BBM_BB_UNUSED == VIRTIO_MEM_SBM_MB_UNUSED */
	for (size_t i = first; i < ARRAY_SIZE(sbm_order); i++)
		for (uint64_t id = w->vi.first_id; id < w->vi.next_id; id++) {
			uint64_t plugged;
			int state;

			if (vmem_id_state(w, id, &state, &plugged) && state == sbm_order[i])
				return plug_next_json(
				    id, vmem_state_name(w, state),
				    state == VIRTIO_MEM_SBM_MB_UNUSED ? "unused" : "partial");
		}
	if (w->vi.next_id < w->vi.limit_id)
		return plug_next_json(w->vi.next_id, NULL, "new");
	return NULL;
}

static const char *errno_name(int rc)
{
	switch (-rc) {
	case 0:
		return NULL;
	case ENOSPC:
		return "ENOSPC";
	case EBUSY:
		return "EBUSY";
	case ETXTBSY:
		return "ETXTBSY";
	case ENOMEM:
		return "ENOMEM";
	case EINVAL:
		return "EINVAL";
	case EAGAIN:
		return "EAGAIN";
	default:
		return NULL;
	}
}

static struct json_object *vmem_timer_json(const struct vmem_view *w)
{
	const struct virtio_mem_info *vi = &w->vi;
	uint64_t now = w->m->kernel->wq.now;
	struct json_object *o = json_object_new_object();

	add_bool(o, "armed", vi->timer_armed);
	json_object_object_add(o, "expires_ns",
			       vi->timer_armed ? json_object_new_uint64(vi->timer_expires) : NULL);
	json_object_object_add(
	    o, "expires_in_ns",
	    vi->timer_armed
		? json_object_new_uint64(vi->timer_expires > now ? vi->timer_expires - now : 0)
		: NULL);
	add_u64(o, "interval_ns", vi->retry_interval);
	return o;
}

static struct json_object *vmem_group_json(const struct vmem_view *w)
{
	const struct memory_group *g = memory_group_find_by_id(&w->m->kernel->groups, w->vi.mgid);
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int(w->vi.mgid));
	add_u64(o, "unit_pages", w->vi.unit_pages);
	add_u64(o, "present_kernel_pages", g ? g->stats.present_kernel_pages : 0);
	add_u64(o, "present_movable_pages", g ? g->stats.present_movable_pages : 0);
	return o;
}

static void vmem_mode_json(const struct vmem_view *w, struct json_object *o)
{
	const struct virtio_mem_info *vi = &w->vi;
	uint64_t mb = w->m->kernel->block_size;

	add_str(o, "mode", vi->sbm ? "SBM" : "BBM");
	add_u64(o, "memory_block_size", mb);
	json_object_object_add(o, "sub_block_size",
			       vi->sbm ? json_object_new_uint64(vi->sb_size) : NULL);
	json_object_object_add(o, "sub_blocks_per_block",
			       vi->sbm ? json_object_new_uint64(mb / vi->sb_size) : NULL);
	json_object_object_add(o, "big_block_size",
			       vi->sbm ? NULL : json_object_new_uint64(vi->sb_size));
}

static struct json_object *vmem_driver_json(const struct vmem_view *w)
{
	const struct virtio_mem_info *vi = &w->vi;
	struct json_object *o = json_object_new_object();

	vmem_mode_json(w, o);
	json_object_object_add(o, "node", json_object_new_int(vi->nid));
	json_object_object_add(o, "group", vmem_group_json(w));
	add_str(o, "ids", vi->sbm ? "memory blocks" : "big blocks");
	add_u64(o, "first_id", vi->first_id);
	add_u64(o, "next_id", vi->next_id);
	add_u64(o, "limit_id", vi->limit_id);
	add_u64(o, "plugged_size", vi->plugged_size);
	add_u64(o, "requested_size", vi->requested_size);
	add_u64(o, "offline_size", vi->offline_size);
	add_u64(o, "offline_threshold", vi->offline_threshold);
	add_bool(o, "unplug_online", w->unplug_online);
	add_str(o, "wait", virtio_mem_wait_name(vi->wait));
	json_object_object_add(o, "last_rc", json_object_new_int(vi->last_rc));
	add_str(o, "last_rc_name", errno_name(vi->last_rc));
	add_u64(o, "now_ns", w->m->kernel->wq.now);
	json_object_object_add(o, "retry_timer", vmem_timer_json(w));
	return o;
}

static struct json_object *vmem_host_json(const struct virtio_mem_pci *v)
{
	struct json_object *o = json_object_new_object();

	add_u64(o, "memaddr", v->addr);
	add_u64(o, "max_size", virtio_mem_region_size(v));
	add_u64(o, "block_size", v->block_size);
	add_u64(o, "node", v->node);
	add_u64(o, "size", v->size);
	add_u64(o, "requested_size", v->requested_size);
	add_u64(o, "usable_region_size", v->usable_region_size);
	return o;
}

/* Why plugging stopped short of the request: the numbers the driver's
 * wait reason compared. */
static void vmem_plug_stop_json(const struct vmem_view *w, struct json_object *o)
{
	const struct virtio_mem_pci *v = w->v;
	uint64_t unit = vmem_id_bytes(w);

	switch (w->vi.wait) {
	case VIRTIO_MEM_WAIT_USABLE:
		add_u64(o, "next_id", w->vi.next_id);
		add_u64(o, "next_start", w->vi.next_id * unit);
		add_u64(o, "next_end", (w->vi.next_id + 1) * unit);
		add_u64(o, "usable_end", v->addr + v->usable_region_size);
		add_u64(o, "region_end", v->addr + virtio_mem_region_size(v));
		add_bool(o, "requested_above_max_size",
			 v->requested_size > virtio_mem_region_size(v));
		break;
	case VIRTIO_MEM_WAIT_THRESHOLD:
		add_u64(o, "offline_size", w->vi.offline_size);
		add_u64(o, "add_size", unit);
		add_u64(o, "offline_threshold", w->vi.offline_threshold);
		break;
	default:
		break;
	}
}

static struct json_object *vmem_difference_json(const struct vmem_view *w)
{
	const struct virtio_mem_pci *v = w->v;
	uint64_t size = v->size, req = v->requested_size;
	struct json_object *o = json_object_new_object();

	add_str(o, "direction", size > req ? "unplug" : size < req ? "plug" : "none");
	add_u64(o, "bytes", size > req ? size - req : req - size);
	add_str(o, "reason", w->bound ? virtio_mem_wait_name(w->vi.wait) : "no-driver");
	if (!w->bound || size == req)
		return o;
	add_u64(o, "granule", w->vi.sb_size);
	if (size > req)
		json_object_object_add(o, "holding", vmem_holding_json(w, size - req));
	else
		vmem_plug_stop_json(w, o);
	return o;
}

struct json_object *explain_device(const struct explain_input *in, const char *id, int *err_out)
{
	const struct machine *m = in->m;
	const struct virtio_mem_pci *v = as_virtio_mem(memory_device_find(m->vm, id));
	struct vmem_view w;
	struct json_object *e;

	*err_out = 0;
	if (!v) {
		*err_out = -ENOENT;
		return NULL;
	}
	vmem_view_init(m, v, &w);
	e = json_object_new_object();
	add_str(e, "scenario", in->sc ? in->sc->name : NULL);
	add_str(e, "kernel", memhp_kernel_name(m->kernel->version));
	add_str(e, "at", in->at_label);
	add_str(e, "device", id);
	json_object_object_add(e, "index", json_object_new_int((int)v->index));
	json_object_object_add(e, "host", vmem_host_json(v));
	json_object_object_add(e, "driver", w.bound ? vmem_driver_json(&w) : NULL);
	json_object_object_add(e, "difference", vmem_difference_json(&w));
	json_object_object_add(e, "plug_next", w.bound ? vmem_plug_next_json(&w) : NULL);
	json_object_object_add(e, "blocks", w.bound ? vmem_blocks_json(&w) : NULL);
	return e;
}

struct json_object *explain_vmem_block_json(const struct machine *m, uint64_t mb_id)
{
	const struct virtio_mem_pci *v =
	    as_virtio_mem(memory_device_at(m->vm, mb_id * m->kernel->block_size));
	struct json_object *o;
	struct vmem_view w;
	uint64_t plugged;
	int state;

	if (!v || !vmem_view_init(m, v, &w))
		return NULL;
	o = json_object_new_object();
	add_str(o, "device", v->md.id);
	json_object_object_add(o, "index", json_object_new_int((int)v->index));
	vmem_mode_json(&w, o);
	json_object_object_add(o, "group", vmem_group_json(&w));
	if (!vmem_id_state(&w, mb_id / w.mb_per_id, &state, &plugged)) {
		json_object_object_add(o, "block_state", NULL);
		json_object_object_add(o, "plugged_sub_blocks", NULL);
		json_object_object_add(o, "big_block", NULL);
		return o;
	}
	add_str(o, "block_state", vmem_state_name(&w, state));
	json_object_object_add(o, "plugged_sub_blocks",
			       w.vi.sbm ? json_object_new_uint64(plugged) : NULL);
	json_object_object_add(o, "big_block",
			       w.vi.sbm ? NULL : json_object_new_uint64(mb_id / w.mb_per_id));
	return o;
}

/* ---- the JSON as text ---------------------------------------------- */


static const char *secs_str(uint64_t ns, char *buf, size_t len)
{
	if (ns % NSEC_PER_SEC == 0)
		snprintf(buf, len, "%" PRIu64 " s", (uint64_t)(ns / NSEC_PER_SEC));
	else
		snprintf(buf, len, "%.3f s", (double)ns / (double)NSEC_PER_SEC);
	return buf;
}

/* "ZONE_NORMAL" for "Normal". */
static const char *zone_const(const char *zone, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "ZONE_%s", zone);

	for (size_t i = 5; i < n && i < len; i++)
		buf[i] = (char)toupper((unsigned char)buf[i]);
	return buf;
}

static bool is_sbm(struct json_object *o)
{
	const char *mode = get_str(o, "mode");

	return mode && !strcmp(mode, "SBM");
}

static void text_vmem_mode(struct json_object *o, struct strbuf *sb)
{
	char a[32], b[32];
	uint64_t mb = get_u64(o, "memory_block_size");

	if (is_sbm(o))
		strbuf_addf(sb, "Sub Block Mode, sub-blocks of %s, %" PRIu64 " per %s memory block",
			    size_str(get_u64(o, "sub_block_size"), a, sizeof(a)),
			    get_u64(o, "sub_blocks_per_block"), size_str(mb, b, sizeof(b)));
	else
		strbuf_addf(sb, "Big Block Mode, big blocks of %s (%" PRIu64 " memory blocks each)",
			    size_str(get_u64(o, "big_block_size"), a, sizeof(a)),
			    get_u64(o, "big_block_size") / mb);
}

void explain_vmem_block_text(struct json_object *e, struct strbuf *sb)
{
	struct json_object *v = get_obj(e, "virtio_mem");
	const char *id, *state;

	if (!v)
		return;
	id = get_str(v, "device");
	state = get_str(v, "block_state");
	strbuf_addf(sb, "  virtio-mem %s: ", id ? id : "(no id)");
	text_vmem_mode(v, sb);
	if (!state)
		strbuf_addf(sb, "; the driver has not prepared memory%" PRIu64 "\n",
			    get_u64(e, "block"));
	else if (is_sbm(v))
		strbuf_addf(sb,
			    "; the driver has memory%" PRIu64 " as %s, %" PRIu64 " of %" PRIu64
			    " sub-blocks plugged\n",
			    get_u64(e, "block"), state, get_u64(v, "plugged_sub_blocks"),
			    get_u64(v, "sub_blocks_per_block"));
	else
		strbuf_addf(sb, "; memory%" PRIu64 " lies in big block %" PRIu64 ", %s\n",
			    get_u64(e, "block"), get_u64(v, "big_block"), state);
}

static void text_vmem_host(struct json_object *e, struct strbuf *sb)
{
	struct json_object *h = get_obj(e, "host");
	const char *at = get_str(e, "at");
	uint64_t addr = get_u64(h, "memaddr"), usable = get_u64(h, "usable_region_size");
	char a[32], b[32], c[32];

	strbuf_addf(sb, "virtio-mem %s (virtio device %d) %s%s\n", get_str(e, "device"),
		    json_object_get_int(get_obj(e, "index")), at ? "at snapshot " : "at the end",
		    at ? at : "");
	strbuf_addf(
	    sb, "  host:   memaddr 0x%" PRIx64 ", max-size %s, block-size %s, node %" PRIu64 "\n",
	    addr, size_str(get_u64(h, "max_size"), a, sizeof(a)),
	    size_str(get_u64(h, "block_size"), b, sizeof(b)), get_u64(h, "node"));
	strbuf_addf(sb, "          size %s, requested-size %s, ",
		    size_str(get_u64(h, "size"), a, sizeof(a)),
		    size_str(get_u64(h, "requested_size"), b, sizeof(b)));
	strbuf_addf(sb, "usable region %s [0x%" PRIx64 ", 0x%" PRIx64 ")\n",
		    size_str(usable, c, sizeof(c)), addr, addr + usable);
}

static void text_vmem_timer(struct json_object *d, struct strbuf *sb)
{
	struct json_object *t = get_obj(d, "retry_timer");
	char a[32], b[32], c[32];

	if (get_bool(t, "armed"))
		strbuf_addf(sb,
			    "retry timer armed: expires in %s (at %s on the model clock), "
			    "interval %s\n",
			    secs_str(get_u64(t, "expires_in_ns"), a, sizeof(a)),
			    secs_str(get_u64(t, "expires_ns"), b, sizeof(b)),
			    secs_str(get_u64(t, "interval_ns"), c, sizeof(c)));
	else
		strbuf_addf(sb, "retry timer not armed, interval %s\n",
			    secs_str(get_u64(t, "interval_ns"), a, sizeof(a)));
}

static void text_vmem_driver(struct json_object *e, struct strbuf *sb)
{
	struct json_object *d = get_obj(e, "driver"), *g;
	const char *rc_name;
	char a[32], b[32];

	if (!d) {
		strbuf_addf(sb, "  driver: none bound to the device\n");
		return;
	}
	g = get_obj(d, "group");
	rc_name = get_str(d, "last_rc_name");
	strbuf_addf(sb, "  driver: ");
	text_vmem_mode(d, sb);
	strbuf_addf(sb,
		    "\n          %s: first %" PRIu64 ", next %" PRIu64 ", limit %" PRIu64
		    " (the first not wholly inside the usable region)\n",
		    get_str(d, "ids"), get_u64(d, "first_id"), get_u64(d, "next_id"),
		    get_u64(d, "limit_id"));
	strbuf_addf(sb,
		    "          dynamic memory group %d, unit %" PRIu64 " pages: now %" PRIu64
		    " kernel and %" PRIu64 " movable pages online\n",
		    json_object_get_int(get_obj(g, "id")), get_u64(g, "unit_pages"),
		    get_u64(g, "present_kernel_pages"), get_u64(g, "present_movable_pages"));
	strbuf_addf(sb, "          offline_size %s, offline_threshold %s; unplug_online=%s\n",
		    size_str(get_u64(d, "offline_size"), a, sizeof(a)),
		    size_str(get_u64(d, "offline_threshold"), b, sizeof(b)),
		    get_bool(d, "unplug_online") ? "Y" : "N");
	strbuf_addf(sb, "          waits for: %s; last run: %d%s%s; ", get_str(d, "wait"),
		    json_object_get_int(get_obj(d, "last_rc")), rc_name ? " " : "",
		    rc_name ? rc_name : "");
	text_vmem_timer(d, sb);
}

/* The ids of a row: memoryA-B (SBM), big block A-B (memoryC-D) (BBM). */
static void text_vmem_ids(struct json_object *r, bool sbm, uint64_t mb_per_id, struct strbuf *sb)
{
	uint64_t first = get_u64(r, "first"), last = get_u64(r, "last");
	char ids[64], mem[64];

	if (first == last)
		snprintf(ids, sizeof(ids), "%" PRIu64, first);
	else
		snprintf(ids, sizeof(ids), "%" PRIu64 "-%" PRIu64, first, last);
	if (sbm) {
		strbuf_addf(sb, "%-12s", ids);
		return;
	}
	snprintf(mem, sizeof(mem), "%" PRIu64 "-%" PRIu64, first * mb_per_id,
		 (last + 1) * mb_per_id - 1);
	strbuf_addf(sb, "%-10s %-12s", ids, mem);
}

static void text_vmem_row(struct json_object *r, bool sbm, uint64_t mb_per_id,
			  uint64_t sbs_per_block, struct strbuf *sb)
{
	char plugged[32] = "";

	if (sbm)
		snprintf(plugged, sizeof(plugged), "%" PRIu64 "/%" PRIu64,
			 get_u64(r, "plugged_sub_blocks"), sbs_per_block);
	strbuf_addf(sb, "    ");
	text_vmem_ids(r, sbm, mb_per_id, sb);
	strbuf_addf(sb, " %-16s %-9s %s", get_str(r, "state"), plugged, get_str(r, "zone"));
}

static void text_vmem_hold(struct json_object *r, bool sbm, struct strbuf *sb)
{
	const char *hold = get_str(r, "hold"), *zone = get_str(r, "zone");
	char z[32];

	if (!strcmp(zone, "mixed"))
		snprintf(z, sizeof(z), "several zones");
	else
		zone_const(zone, z, sizeof(z));
	if (!strcmp(hold, "granularity"))
		strbuf_addf(sb, "less than one %s left to unplug (granularity)",
			    sbm ? "sub-block" : "big block");
	else if (!strcmp(hold, "offline") && !strcmp(get_str(r, "state"), "plugged"))
		strbuf_addf(sb, "plugged but never added (a failed add): unplugged when the "
				"driver's work runs next");
	else if (!strcmp(hold, "offline"))
		strbuf_addf(sb, "offline: unplugged without fake-offline, nothing holds it");
	else if (!strcmp(hold, "unplug-online-n"))
		strbuf_addf(sb, "unplug_online=N: online blocks are not unplugged");
	else if (!strcmp(hold, "unmovable-pages"))
		strbuf_addf(sb,
			    "online in %s with unmovable pages: fake-offline "
			    "(alloc_contig_range) fails",
			    z);
	else if (!strcmp(hold, "pinned-pages"))
		strbuf_addf(sb,
			    "online in %s with pinned pages: they never migrate, fake-offline "
			    "(alloc_contig_range) fails",
			    z);
	else if (!strcmp(hold, "reserved-pages"))
		strbuf_addf(sb,
			    "online in %s with reserved pages: fake-offline "
			    "(alloc_contig_range) fails",
			    z);
	else
		strbuf_addf(sb, "online in %s: fake-offline can take it, nothing holds it", z);
}

static void text_vmem_holding(struct json_object *e, struct json_object *a, struct strbuf *sb)
{
	struct json_object *d = get_obj(e, "driver");
	bool sbm = is_sbm(d);
	uint64_t mb = get_u64(d, "memory_block_size");
	uint64_t per = sbm ? 1 : get_u64(d, "big_block_size") / mb;

	if (!json_object_array_length(a)) {
		strbuf_addf(sb, "  No block holds plugged memory.\n");
		return;
	}
	if (sbm)
		strbuf_addf(sb,
			    "  Blocks holding plugged memory, in the driver's unplug order "
			    "(offline_partial,\n  offline, then only with unplug_online=Y "
			    "movable_partial, kernel_partial,\n  movable, kernel; each from the "
			    "highest block down):\n");
	else
		strbuf_addf(sb,
			    "  Big blocks holding plugged memory, in the driver's unplug order "
			    "(wholly\n  offline ones, then only with unplug_online=Y those online "
			    "only in\n  ZONE_MOVABLE, then the rest; each from the highest "
			    "down):\n");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *r = json_object_array_get_idx(a, i);

		text_vmem_row(r, sbm, per, sbm ? get_u64(d, "sub_blocks_per_block") : 0, sb);
		strbuf_addf(sb, ": ");
		text_vmem_hold(r, sbm, sb);
		strbuf_addf(sb, "\n");
	}
}

/* Why plugging stopped: the driver's wait reason with its numbers. */
static void text_vmem_plug_stop(struct json_object *e, struct json_object *diff, struct strbuf *sb)
{
	const char *reason = get_str(diff, "reason");
	struct json_object *d = get_obj(e, "driver"), *h = get_obj(e, "host");
	char a[32], b[32], c[32], x[32];

	if (!strcmp(reason, "usable")) {
		bool sbm = is_sbm(d);
		uint64_t next = get_u64(diff, "next_id");

		strbuf_addf(sb, "  no usable block left: the next %s, ",
			    sbm ? "block" : "big block");
		if (sbm)
			strbuf_addf(sb, "memory%" PRIu64, next);
		else
			strbuf_addf(sb, "%" PRIu64, next);
		strbuf_addf(sb,
			    " [0x%" PRIx64 ", 0x%" PRIx64 "),\n"
			    "  does not lie wholly inside the usable region, which ends at "
			    "0x%" PRIx64,
			    get_u64(diff, "next_start"), get_u64(diff, "next_end"),
			    get_u64(diff, "usable_end"));
		if (get_bool(diff, "requested_above_max_size"))
			strbuf_addf(sb,
				    ";\n  requested-size %s is above the device's max-size %s, so "
				    "the usable\n  region is the whole region",
				    size_str(get_u64(h, "requested_size"), a, sizeof(a)),
				    size_str(get_u64(h, "max_size"), b, sizeof(b)));
		strbuf_addf(sb, "\n");
	} else if (!strcmp(reason, "threshold")) {
		uint64_t off = get_u64(diff, "offline_size"), add = get_u64(diff, "add_size");
		uint64_t thr = get_u64(diff, "offline_threshold");

		strbuf_addf(sb,
			    "  offline threshold: adding %s needs offline_size + %s <= "
			    "offline_threshold,\n  but %s + %s > %s: ",
			    is_sbm(d) ? "a block" : "a big block", size_str(add, a, sizeof(a)),
			    size_str(off, b, sizeof(b)), a, size_str(thr, c, sizeof(c)));
		strbuf_addf(sb,
			    "the driver waits (ENOSPC, no timer) until onlining\n"
			    "  brings offline_size down to %s, which queues its work again\n",
			    size_str(thr / 2, x, sizeof(x)));
	} else if (!strcmp(reason, "timer")) {
		strbuf_addf(sb,
			    "  a request failed (%s): the driver retries when its timer "
			    "expires\n",
			    get_str(d, "last_rc_name") ? get_str(d, "last_rc_name") : "?");
	}
}

static void text_vmem_reason(struct json_object *e, struct json_object *diff, bool unplug,
			     struct strbuf *sb)
{
	const char *reason = get_str(diff, "reason");
	struct json_object *d = get_obj(e, "driver");
	char a[32], b[32];

	if (!strcmp(reason, "no-driver"))
		strbuf_addf(sb, "  no driver is bound to the device: nobody plugs or unplugs its "
				"memory\n");
	else if (!strcmp(reason, "none"))
		strbuf_addf(sb, "  the driver's work is queued: it has not run since the last "
				"change\n");
	else if (!strcmp(reason, "granularity"))
		strbuf_addf(sb, "  less than one %s left to %s (granularity): %s < %s\n",
			    is_sbm(d) ? "sub-block" : "big block", unplug ? "unplug" : "plug",
			    size_str(get_u64(diff, "bytes"), a, sizeof(a)),
			    size_str(get_u64(diff, "granule"), b, sizeof(b)));
	else if (!strcmp(reason, "broken"))
		strbuf_addf(sb, "  the device answered ERROR to a request: the driver marked it "
				"broken and does no more work\n");
	else if (!strcmp(reason, "offline-only"))
		strbuf_addf(sb,
			    "  unplug_online=N: the driver unplugs only offline memory and has "
			    "none left; it waits\n  (no timer) until a block of the device goes "
			    "offline\n");
	else if (unplug && !strcmp(reason, "timer"))
		strbuf_addf(sb, "  EBUSY: what is left could not be unplugged now; the driver "
				"retries when its timer expires\n");
	else if (!unplug)
		text_vmem_plug_stop(e, diff, sb);
}

static void text_vmem_difference(struct json_object *e, struct strbuf *sb)
{
	struct json_object *diff = get_obj(e, "difference"), *h = get_obj(e, "host");
	const char *dir = get_str(diff, "direction");
	char a[32], b[32], c[32];
	bool unplug = !strcmp(dir, "unplug");

	size_str(get_u64(h, "size"), a, sizeof(a));
	size_str(get_u64(h, "requested_size"), b, sizeof(b));
	size_str(get_u64(diff, "bytes"), c, sizeof(c));
	if (!strcmp(dir, "none")) {
		strbuf_addf(sb, "\nsize = requested-size = %s: nothing to do\n", a);
		return;
	}
	strbuf_addf(sb, "\nWhy size %s %s requested-size %s (%s still to %s):\n", a,
		    unplug ? ">" : "<", b, c, unplug ? "unplug" : "plug");
	text_vmem_reason(e, diff, unplug, sb);
	if (unplug && get_obj(diff, "holding"))
		text_vmem_holding(e, get_obj(diff, "holding"), sb);
}

static void text_vmem_plug_order(struct json_object *e, struct strbuf *sb)
{
	struct json_object *d = get_obj(e, "driver"), *next = get_obj(e, "plug_next");
	bool sbm = is_sbm(d);
	const char *unit = sbm ? "block" : "big block";

	if (sbm)
		strbuf_addf(sb, "\nHow the driver plugs (virtio-mem.md §9):\n"
				"  1. partially plugged blocks it added: kernel_partial, then "
				"movable_partial, then\n     offline_partial, each ascending\n"
				"  2. blocks it prepared before that are unused now, ascending\n");
	else
		strbuf_addf(sb, "\nHow the driver plugs (virtio-mem.md §13):\n"
				"  1. big blocks it prepared before that are unused now, "
				"ascending\n");
	strbuf_addf(sb,
		    "  %d. new %ss from next_id %" PRIu64
		    " upward, while wholly inside the usable region\n"
		    "     (below limit_id %" PRIu64 ")\n",
		    sbm ? 3 : 2, unit, get_u64(d, "next_id"), get_u64(d, "limit_id"));
	if (!next) {
		strbuf_addf(sb, "  Next: none, no %s is left inside the usable region\n", unit);
		return;
	}
	strbuf_addf(sb, "  Next: %s%" PRIu64, sbm ? "memory" : "big block ", get_u64(next, "id"));
	if (!strcmp(get_str(next, "step"), "partial"))
		strbuf_addf(sb, " (%s), a partially plugged block\n", get_str(next, "state"));
	else if (!strcmp(get_str(next, "step"), "unused"))
		strbuf_addf(sb, " (unused), prepared before\n");
	else
		strbuf_addf(sb, ", a new %s\n", unit);
}

static void text_vmem_blocks(struct json_object *e, struct strbuf *sb)
{
	struct json_object *d = get_obj(e, "driver"), *a = get_obj(e, "blocks");
	bool sbm = is_sbm(d);
	uint64_t per = sbm ? 1 : get_u64(d, "big_block_size") / get_u64(d, "memory_block_size");

	if (!json_object_array_length(a)) {
		strbuf_addf(sb, "\nThe driver has prepared no %s yet.\n",
			    sbm ? "block" : "big block");
		return;
	}
	if (sbm)
		strbuf_addf(sb,
			    "\nBlocks the driver prepared (memory%" PRIu64 "-%" PRIu64 "):\n"
			    "    %-12s %-16s %-9s %s\n",
			    get_u64(d, "first_id"), get_u64(d, "next_id") - 1, "blocks",
			    "driver state", "plugged", "zone");
	else
		strbuf_addf(sb,
			    "\nBig blocks the driver prepared (%" PRIu64 "-%" PRIu64 "):\n"
			    "    %-10s %-12s %-16s %-9s %s\n",
			    get_u64(d, "first_id"), get_u64(d, "next_id") - 1, "big blocks",
			    "memory", "driver state", "", "zone");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		text_vmem_row(json_object_array_get_idx(a, i), sbm, per,
			      sbm ? get_u64(d, "sub_blocks_per_block") : 0, sb);
		strbuf_addf(sb, "\n");
	}
}

void explain_vmem_device_text(struct json_object *e, struct strbuf *sb)
{
	text_vmem_host(e, sb);
	text_vmem_driver(e, sb);
	text_vmem_difference(e, sb);
	if (!get_obj(e, "driver"))
		return;
	text_vmem_plug_order(e, sb);
	text_vmem_blocks(e, sb);
}
