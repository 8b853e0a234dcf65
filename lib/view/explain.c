/* memhp explain: the zone decision of one block as JSON, and that JSON as
 * text (a virtio-mem device's own explanation is in explain_vmem.c). The
 * text is rendered from the JSON only, so both always say the same
 * thing. */
#include "explain.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "explain_internal.h"
#include "machine.h"
#include "memory_hotplug.h"
#include "run_json.h"
#include "scenario.h"
#include "strbuf.h"
#include "sysfs.h"
#include "vfs.h"

/* ---- building the JSON -------------------------------------------- */

static struct json_object *ratio_check_json(const struct auto_movable_ratio_check *c)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "node",
			       c->nid == NUMA_NO_NODE ? NULL : json_object_new_int(c->nid));
	add_u64(o, "kernel_early_pages", c->stats.kernel_early_pages);
	add_u64(o, "movable_pages", c->stats.movable_pages);
	json_object_object_add(o, "other_dynamic_groups",
			       json_object_new_int((int)c->nr_other_groups));
	add_u64(o, "other_groups_shortfall", c->other_groups_shortfall);
	add_u64(o, "other_groups_movable", c->other_groups_movable);
	add_bool(o, "shortfall_exhausts_kernel", c->shortfall_exhausts_kernel);
	add_u64(o, "own_kernel_pages", c->own_kernel_pages);
	add_u64(o, "kernel_pages", c->kernel_pages);
	add_u64(o, "movable_before", c->movable_before);
	add_u64(o, "need", c->nr_pages);
	add_u64(o, "movable_after", c->movable_after);
	add_u64(o, "limit", c->limit);
	add_bool(o, "fits", c->fits);
	return o;
}

static struct json_object *auto_movable_json(const struct auto_movable_decision *d)
{
	struct json_object *o = json_object_new_object(), *checks = json_object_new_array();

	add_u64(o, "ratio", d->ratio);
	add_bool(o, "numa_aware", d->numa_aware);
	add_str(o, "reason", auto_movable_reason_name(d->reason));
	add_str(o, "scope", auto_movable_scope_name(d->scope));
	add_u64(o, "max_pages", d->max_pages);
	add_u64(o, "online_pages", d->online_pages);
	add_u64(o, "need", d->need);
	add_u64(o, "kernel_start_pfn", d->kernel_start_pfn);
	add_u64(o, "kernel_nr_pages", d->kernel_nr_pages);
	for (unsigned int i = 0; i < d->nr_checks; i++)
		json_object_array_add(checks, ratio_check_json(&d->checks[i]));
	json_object_object_add(o, "checks", checks);
	return o;
}

struct json_object *explain_decision_json(const struct zone_decision *d)
{
	struct json_object *o = json_object_new_object();
	bool auto_movable =
	    d->online_type == MMOP_ONLINE && d->policy == ONLINE_POLICY_AUTO_MOVABLE;

	add_str(o, "online_type", mmop_name(d->online_type));
	add_str(o, "online_policy", online_policy_name(d->policy));
	add_str(o, "zone", zone_name(d->zone));
	add_str(o, "kernel_zone", zone_name(d->kernel_zone));
	add_bool(o, "in_kernel_span", d->in_kernel_span);
	add_bool(o, "in_movable_span", d->in_movable_span);
	add_bool(o, "movable_node", d->movable_node);
	json_object_object_add(o, "auto_movable",
			       auto_movable ? auto_movable_json(&d->auto_movable) : NULL);
	return o;
}

struct json_object *explain_group_json(const struct memory_group_stats *g, uint64_t nr_blocks)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int(g->id));
	add_str(o, "kind", g->is_dynamic ? "dynamic" : "static");
	json_object_object_add(o, "node", json_object_new_int(g->nid));
	if (g->is_dynamic)
		add_u64(o, "unit_pages", g->unit_pages);
	else
		add_u64(o, "max_pages", g->max_pages);
	add_u64(o, "present_kernel_pages", g->present_kernel_pages);
	add_u64(o, "present_movable_pages", g->present_movable_pages);
	add_u64(o, "nr_blocks", nr_blocks);
	return o;
}

/* Every populated zone and the side of the ratio it is on, as of now. */
static struct json_object *zones_json(const struct kernel *k)
{
	struct json_object *a = json_object_new_array();

	for (int n = 0; n < k->nr_node_ids; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			const struct zone *z = &k->nodes[n].zones[t];
			struct json_object *o;

			if (!populated_zone(z))
				continue;
			o = json_object_new_object();
			json_object_object_add(o, "node", json_object_new_int(n));
			add_str(o, "zone", zone_name(z->type));
			add_u64(o, "present", z->present_pages);
			add_u64(o, "present_early", z->present_early_pages);
			add_u64(o, "cma", z->cma_pages);
			json_object_array_add(a, o);
		}
	return a;
}

static struct json_object *params_json(const struct kernel *k)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "online_policy", online_policy_name(k->online_policy));
	add_u64(o, "auto_movable_ratio", k->auto_movable_ratio);
	add_bool(o, "auto_movable_numa_aware", k->auto_movable_numa_aware);
	add_bool(o, "movable_node", k->cmdline.movable_node);
	add_str(o, "auto_online_blocks", mmop_name(k->auto_online_type));
	return o;
}

/* Which step onlined the block, as the trace saw it. */
static struct json_object *onlined_by_json(const struct scenario *sc, int step)
{
	struct json_object *o = json_object_new_object();

	if (step == SCENARIO_STEP_BOOT) {
		json_object_object_add(o, "step", NULL);
		add_str(o, "line", "boot (a cold-plugged device)");
		return o;
	}
	json_object_object_add(o, "step", json_object_new_int(step));
	json_object_object_add(o, "lineno", json_object_new_int(sc->steps[step].lineno));
	add_str(o, "line", sc->steps[step].line);
	return o;
}

static struct json_object *valid_zones_json(const struct machine *m, uint64_t id)
{
	char path[128], *v = NULL;
	struct vfs fs;

	kernel_sysfs_ro(m->kernel, &fs);
	snprintf(path, sizeof(path), MEMORY_DIR "/memory%" PRIu64 "/valid_zones", id);
	if (vfs_read(&fs, path, &v) < 0)
		return NULL;
	v[strcspn(v, "\n")] = '\0';
	return json_string_take(v);
}

struct json_object *explain_block(const struct explain_input *in, int *err_out)
{
	const struct scenario *sc = in->sc;
	const struct machine *m = in->m;
	uint64_t id = in->block;
	const struct kernel *k = m->kernel;
	const struct memory_block *b = find_memory_block(k, id);
	uint64_t pfn = id * k->pages_per_block;
	struct json_object *e, *vmem;
	bool online;

	*err_out = 0;
	if (!b) {
		*err_out = -ENOENT;
		return NULL;
	}
	online = b->state != MEM_OFFLINE;
	e = json_object_new_object();
	add_str(e, "scenario", sc->name);
	add_str(e, "kernel", memhp_kernel_name(k->version));
	add_str(e, "at", in->at_label);
	add_u64(e, "block", id);
	json_object_object_add(e, "node", json_object_new_int(b->nid));
	add_u64(e, "start_pfn", pfn);
	add_u64(e, "nr_pages", k->pages_per_block);
	add_str(e, "state", memory_block_state_name(b->state));
	add_str(e, "zone", online && b->zone ? zone_name(b->zone->type) : NULL);
	json_object_object_add(e, "valid_zones", valid_zones_json(m, id));
	add_bool(e, "boot_memory", b->early);
	add_u64(e, "vmemmap_pages", b->nr_vmemmap_pages);
	json_object_object_add(e, "group", b->group ? explain_group_json(&b->group->stats, b->group->nr_blocks) : NULL);
	add_str(e, "device", b->fwnode ? machine_memory_device_id(m, pfn * PAGE_SIZE) : NULL);
	vmem = explain_vmem_block_json(m, id);
	if (vmem)
		json_object_object_add(e, "virtio_mem", vmem);
	json_object_object_add(e, "params", params_json(k));
	if (online && in->onlined_step != SCENARIO_STEP_NONE) {
		json_object_object_add(e, "onlined_by", onlined_by_json(sc, in->onlined_step));
		json_object_object_add(e, "decision", explain_decision_json(in->decision));
	} else if (!online) {
		struct zone_decision d;

		zone_for_pfn_range_explained(k, MMOP_ONLINE, b->nid, b->group, pfn,
					     k->pages_per_block, &d);
		json_object_object_add(e, "would_choose", explain_decision_json(&d));
	}
	json_object_object_add(e, "zones_now", zones_json(k));
	return e;
}

/* ---- the JSON as text ---------------------------------------------- */

static void text_header(struct json_object *e, struct strbuf *sb)
{
	struct json_object *g = get_obj(e, "group"), *p = get_obj(e, "params");
	uint64_t pfn = get_u64(e, "start_pfn"), nr = get_u64(e, "nr_pages");
	const char *zone = get_str(e, "zone"), *dev = get_str(e, "device");
	bool live = get_bool(e, "live");

	if (live)
		strbuf_addf(sb, "Live machine: %s%s%s\n", get_str(e, "scenario"),
			    get_str(e, "kernel") ? ", kernel " : "",
			    get_str(e, "kernel") ? get_str(e, "kernel") : "");
	strbuf_addf(
	    sb, "memory%" PRIu64 " (node %d, pfn %" PRIu64 "-%" PRIu64 ", %" PRIu64 " pages",
	    get_u64(e, "block"), json_object_get_int(get_obj(e, "node")), pfn, pfn + nr - 1, nr);
	if (get_u64(e, "vmemmap_pages"))
		strbuf_addf(sb, ", %" PRIu64 " of them its own memmap",
			    get_u64(e, "vmemmap_pages"));
	strbuf_addf(sb, ")%s: %s", get_bool(e, "boot_memory") ? ", boot memory" : "",
		    get_str(e, "state"));
	if (zone)
		strbuf_addf(sb, " in %s", zone);
	if (get_str(e, "valid_zones"))
		strbuf_addf(sb, "; valid_zones: %s", get_str(e, "valid_zones"));
	strbuf_addf(sb, "\n");
	if (g && !strcmp(get_str(g, "kind"), "static"))
		strbuf_addf(sb, "  memory group %d: static (%s%s), max_pages %" PRIu64,
			    json_object_get_int(get_obj(g, "id")),
			    !dev   ? "one device"
			    : live ? "ACPI memory device "
				   : "pc-dimm ",
			    dev ? dev : "", get_u64(g, "max_pages"));
	else if (g)
		strbuf_addf(sb, "  memory group %d: dynamic%s%s%s, unit_pages %" PRIu64,
			    json_object_get_int(get_obj(g, "id")), live && dev ? " (" : "",
			    live && dev ? dev : "", live && dev ? ")" : "",
			    get_u64(g, "unit_pages"));
	else
		strbuf_addf(sb, "  no memory group");
	if (g)
		strbuf_addf(sb,
			    "; now %" PRIu64 " kernel and %" PRIu64 " movable pages in %" PRIu64
			    " blocks",
			    get_u64(g, "present_kernel_pages"), get_u64(g, "present_movable_pages"),
			    get_u64(g, "nr_blocks"));
	strbuf_addf(sb,
		    "\n  online_policy=%s auto_movable_ratio=%" PRIu64
		    " auto_movable_numa_aware=%s movable_node=%s auto_online_blocks=%s\n",
		    get_str(p, "online_policy"), get_u64(p, "auto_movable_ratio"),
		    get_bool(p, "auto_movable_numa_aware") ? "Y" : "N",
		    get_bool(p, "movable_node") ? "on" : "off", get_str(p, "auto_online_blocks"));
}

/* e: the explanation, for the virtio-mem device of the block (if any). */
static void text_check(struct json_object *c, uint64_t ratio, struct json_object *e,
		       struct strbuf *sb)
{
	struct json_object *node = get_obj(c, "node");
	uint64_t early = get_u64(c, "kernel_early_pages"), mov = get_u64(c, "movable_pages");
	uint64_t shortfall = get_u64(c, "other_groups_shortfall");
	uint64_t gmov = get_u64(c, "other_groups_movable"), own = get_u64(c, "own_kernel_pages");

	if (node)
		strbuf_addf(sb, "  Node %d:\n", json_object_get_int(node));
	else
		strbuf_addf(sb, "  All nodes:\n");
	strbuf_addf(sb, "    KERNEL_EARLY %" PRIu64 ", MOVABLE %" PRIu64 "\n", early, mov);
	if (json_object_get_int(get_obj(c, "other_dynamic_groups")))
		strbuf_addf(
		    sb,
		    "    %d other dynamic group(s): short of %" PRIu64
		    " kernel pages for their own movable pages, %" PRIu64 " movable pages\n",
		    json_object_get_int(get_obj(c, "other_dynamic_groups")), shortfall, gmov);
	if (get_bool(c, "shortfall_exhausts_kernel")) {
		strbuf_addf(sb,
			    "    KERNEL_EARLY %" PRIu64 " <= shortfall %" PRIu64
			    ": nothing left for more movable memory: does not fit\n",
			    early, shortfall);
		return;
	}
	if (shortfall || own)
		strbuf_addf(sb,
			    "    kernel  = %" PRIu64 " - shortfall %" PRIu64
			    " + own kernel %" PRIu64 " = %" PRIu64 "\n",
			    early, shortfall, own, get_u64(c, "kernel_pages"));
	if (own && get_obj(e, "virtio_mem"))
		strbuf_addf(sb,
			    "    (the dynamic group bonus: the device's own %" PRIu64
			    " kernel pages count as kernel memory for its movable memory)\n",
			    own);
	if (gmov)
		strbuf_addf(sb,
			    "    movable = %" PRIu64 " - other groups' %" PRIu64 " = %" PRIu64 "\n",
			    mov, gmov, get_u64(c, "movable_before"));
	strbuf_addf(sb, "    limit = %" PRIu64 " * %" PRIu64 " / 100 = %" PRIu64 "\n", ratio,
		    get_u64(c, "kernel_pages"), get_u64(c, "limit"));
	strbuf_addf(
	    sb, "    movable + need = %" PRIu64 " + %" PRIu64 " = %" PRIu64 " %s %" PRIu64 ": %s\n",
	    get_u64(c, "movable_before"), get_u64(c, "need"), get_u64(c, "movable_after"),
	    get_bool(c, "fits") ? "<=" : ">", get_u64(c, "limit"),
	    get_bool(c, "fits") ? "fits" : "does not fit");
}

static void text_scope(struct json_object *a, struct json_object *e, struct strbuf *sb)
{
	const char *scope = get_str(a, "scope");
	uint64_t max = get_u64(a, "max_pages"), online = get_u64(a, "online_pages");

	if (!strcmp(scope, "static-group"))
		strbuf_addf(sb,
			    "  A static group (one device) goes to ZONE_MOVABLE only as a whole:\n"
			    "    need = max_pages %" PRIu64 " - already Movable %" PRIu64
			    " = %" PRIu64 " pages\n",
			    max, online, get_u64(a, "need"));
	else if (!strcmp(scope, "dynamic-unit") && max == get_u64(e, "nr_pages"))
		strbuf_addf(sb,
			    "  A dynamic group's unit is this block: need = %" PRIu64
			    " pages; the group's own kernel pages count as kernel\n",
			    get_u64(a, "need"));
	else if (!strcmp(scope, "dynamic-unit"))
		strbuf_addf(sb,
			    "  The rest of its unit must fit (dynamic group):\n"
			    "    need = unit %" PRIu64 " - already Movable %" PRIu64 " = %" PRIu64
			    " pages\n",
			    max, online, get_u64(a, "need"));
	else
		strbuf_addf(sb,
			    "  A block without a group is judged alone: need = %" PRIu64 " pages\n",
			    get_u64(a, "need"));
}

static void text_auto_movable(struct json_object *a, struct json_object *e, const char *zone,
			      struct strbuf *sb)
{
	const char *reason = get_str(a, "reason");
	struct json_object *checks = get_obj(a, "checks");
	uint64_t ratio = get_u64(a, "ratio");

	strbuf_addf(sb,
		    "  auto-movable: MOVABLE may be at most %" PRIu64
		    "%% of KERNEL_EARLY (NUMA-aware: %s)\n",
		    ratio, get_bool(a, "numa_aware") ? "yes" : "no");
	if (!strcmp(reason, "ratio-zero")) {
		strbuf_addf(sb, "  auto_movable_ratio is 0: never ZONE_MOVABLE\n");
	} else if (!strcmp(reason, "group-has-kernel")) {
		strbuf_addf(sb, "  its static group already has kernel pages: once kernel, all "
				"kernel\n");
	} else if (!strcmp(reason, "unit-has-kernel")) {
		strbuf_addf(sb,
			    "  its unit has an online section outside ZONE_MOVABLE (pfn %" PRIu64
			    "): the rest of the unit follows\n",
			    get_u64(a, "kernel_start_pfn"));
	} else {
		text_scope(a, e, sb);
		for (size_t i = 0; i < json_object_array_length(checks); i++)
			text_check(json_object_array_get_idx(checks, i), ratio, e, sb);
	}
	if (!strcmp(reason, "fits"))
		strbuf_addf(sb, "  => Movable: everything that must fit does\n");
	else
		strbuf_addf(sb,
			    "  => %s: the kernel zone for pfn %" PRIu64 " + %" PRIu64
			    " pages (below Normal only if that range touches DMA/DMA32)\n",
			    zone, get_u64(a, "kernel_start_pfn"), get_u64(a, "kernel_nr_pages"));
}

static void text_decision(struct json_object *d, struct json_object *e, struct strbuf *sb)
{
	const char *type = get_str(d, "online_type"), *zone = get_str(d, "zone");
	const char *kz = get_str(d, "kernel_zone");
	struct json_object *a = get_obj(d, "auto_movable");

	if (!strcmp(type, "online_kernel")) {
		strbuf_addf(sb,
			    "  online_kernel: the lowest kernel zone whose span the block "
			    "touches, else Normal => %s\n",
			    zone);
		return;
	}
	if (!strcmp(type, "online_movable")) {
		strbuf_addf(sb, "  online_movable: always ZONE_MOVABLE, no policy asked => %s\n",
			    zone);
		return;
	}
	if (a) {
		text_auto_movable(a, e, zone, sb);
		return;
	}
	strbuf_addf(sb, "  contig-zones: the block %s the span of %s and %s the span of Movable\n",
		    get_bool(d, "in_kernel_span") ? "touches" : "does not touch", kz,
		    get_bool(d, "in_movable_span") ? "touches" : "does not touch");
	if (get_bool(d, "in_kernel_span") != get_bool(d, "in_movable_span"))
		strbuf_addf(sb, "  => %s: it stays in the one zone it touches\n", zone);
	else
		strbuf_addf(sb, "  => %s: %s zone, movable_node is %s\n", zone,
			    get_bool(d, "in_kernel_span") ? "both spans touched: the default"
							  : "no span touched: the default",
			    get_bool(d, "movable_node") ? "on" : "off");
}

static void text_zones(struct json_object *zones, bool live, struct strbuf *sb)
{
	strbuf_addf(sb, "\nPopulated zones now (KERNEL_EARLY: present_early of kernel zones minus "
			"CMA; MOVABLE: present of Movable plus CMA):\n");
	if (live)
		strbuf_addf(sb,
			    "  (/proc/zoneinfo; present_early is estimated: present minus the "
			    "pages of online blocks of memory devices, which were hot-added)\n");
	for (size_t i = 0; i < json_object_array_length(zones); i++) {
		struct json_object *z = json_object_array_get_idx(zones, i);

		strbuf_addf(sb, "  node %d %-8s present %9" PRIu64 "  present_early %9" PRIu64,
			    json_object_get_int(get_obj(z, "node")), get_str(z, "zone"),
			    get_u64(z, "present"), get_u64(z, "present_early"));
		if (get_u64(z, "cma"))
			strbuf_addf(sb, "  cma %" PRIu64, get_u64(z, "cma"));
		strbuf_addf(sb, "\n");
	}
}

/* A live machine's online block: no history, so the decision `online`
 * would make now (the block judged as if offline) against its zone. */
static void text_live_online(struct json_object *e, struct json_object *would, struct strbuf *sb)
{
	const char *zone = get_str(e, "zone") ? get_str(e, "zone") : "no single zone";

	strbuf_addf(sb,
		    "Online in %s; how it was onlined is not recorded on a live machine.\n"
		    "If it were offline, `online` would choose %s now:\n",
		    zone, get_str(would, "zone"));
	text_decision(would, e, sb);
	if (get_bool(e, "matches_zone_now")) {
		strbuf_addf(sb, "That matches its zone now (%s).\n", zone);
		if (get_bool(e, "boot_memory"))
			strbuf_addf(sb, "(Memory of no device is boot memory: online since boot, "
					"its zone came from the boot layout, not a policy.)\n");
		return;
	}
	strbuf_addf(sb,
		    "That differs from its zone now (%s). Likely reasons: it was onlined with "
		    "online_kernel or online_movable (by hand, a udev rule or an agent "
		    "choosing the zone), under other policy parameters, or the numbers "
		    "changed since (blocks onlined or offlined after it)%s.\n",
		    zone,
		    get_bool(e, "boot_memory")
			? "; memory of no device is boot memory, placed by the boot layout"
			: "");
}

void explain_format_text(struct json_object *e, struct strbuf *sb)
{
	struct json_object *by = get_obj(e, "onlined_by"), *d = get_obj(e, "decision");
	struct json_object *would = get_obj(e, "would_choose");

	if (get_obj(e, "difference")) {
		explain_vmem_device_text(e, sb);
		return;
	}
	text_header(e, sb);
	explain_vmem_block_text(e, sb);
	strbuf_addf(sb, "\n");
	if (by && d) {
		struct json_object *lineno = get_obj(by, "lineno");

		if (lineno && !strncmp(get_str(by, "line"), "settle", 6))
			strbuf_addf(sb,
				    "Onlined at line %d: %s, where the guest handled the host's "
				    "earlier requests\n",
				    json_object_get_int(lineno), get_str(by, "line"));
		else if (lineno)
			strbuf_addf(sb, "Onlined at line %d: %s\n", json_object_get_int(lineno),
				    get_str(by, "line"));
		else
			strbuf_addf(sb, "Onlined at %s\n", get_str(by, "line"));
		strbuf_addf(sb, "  asked for: %s; zone chosen then: %s\n",
			    get_str(d, "online_type"), get_str(d, "zone"));
		text_decision(d, e, sb);
	} else if (would && get_obj(e, "matches_zone_now")) {
		text_live_online(e, would, sb);
	} else if (would) {
		strbuf_addf(sb, "`online` would choose %s now:\n", get_str(would, "zone"));
		text_decision(would, e, sb);
	} else if (get_bool(e, "live") && !get_str(e, "zone")) {
		strbuf_addf(sb, "Online in more than one zone: boot memory across a zone boundary, "
				"placed by the boot layout. The kernel refuses to offline such a "
				"block, so no online policy decides it.\n");
	} else {
		strbuf_addf(sb, "Online since boot: its zone comes from the boot layout "
				"(ZONE_MOVABLE at boot only with kernelcore=, movablecore= or "
				"movable_node), not from an online policy.\n");
	}
	text_zones(get_obj(e, "zones_now"), get_bool(e, "live"), sb);
}
