/* Reading a machine's memory from /sys and /proc (see live.h). Every file
 * is read through the vfs, so this host, a sysroot, the model's tree and a
 * real guest give the same structures. */
#include "live.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "digits.h"
#include "strparse.h"
#include "vfs.h"

int live_zone_from_name(const char *name, size_t len)
{
	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (strlen(zone_name(z)) == len && !strncmp(name, zone_name(z), len))
			return z;
	return -1;
}

/* A sysfs file's first line, newline dropped; -errno from the read. */
static int read_line(const struct vfs *fs, const char *path, char **out)
{
	int ret = vfs_read(fs, path, out);

	if (ret < 0)
		return ret;
	(*out)[strcspn(*out, "\n")] = '\0';
	return 0;
}

/* "memory123" -> 123; false for any other name. */
static bool parse_numbered(const char *name, const char *prefix, uint64_t *v)
{
	size_t pl = strlen(prefix);

	if (strncmp(name, prefix, pl) || !all_digits(name + pl))
		return false;
	*v = strtoull(name + pl, NULL, 10);
	return true;
}

static int cmp_block(const void *a, const void *b)
{
	const struct live_block *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct live_block *live_find_block(const struct live_memory *lm, uint64_t id)
{
	struct live_block key = {.id = id};

	if (!lm->nr_blocks)
		return NULL;
	return bsearch(&key, lm->blocks, lm->nr_blocks, sizeof(key), cmp_block);
}

static enum memory_block_state state_from_name(const char *s)
{
	if (!strcmp(s, "online"))
		return MEM_ONLINE;
	if (!strcmp(s, "offline"))
		return MEM_OFFLINE;
	if (!strcmp(s, "going-offline"))
		return MEM_GOING_OFFLINE;
	return 0;
}

/* The zone of an online block: its valid_zones then names only that. */
static int zone_of(const struct vfs *fs, uint64_t id)
{
	char path[128], *v;
	int z;

	snprintf(path, sizeof(path), MEMORY_DIR "/memory%" PRIu64 "/valid_zones", id);
	if (read_line(fs, path, &v))
		return -1;
	z = live_zone_from_name(v, strcspn(v, " "));
	free(v);
	return z;
}

int live_reread_block(const struct vfs *fs, const struct live_memory *lm, uint64_t id,
		      enum memory_block_state *state, int *zone)
{
	char path[128], *v;
	int ret;

	(void)lm;
	snprintf(path, sizeof(path), MEMORY_DIR "/memory%" PRIu64 "/state", id);
	ret = read_line(fs, path, &v);
	if (ret)
		return ret;
	*state = state_from_name(v);
	free(v);
	*zone = *state == MEM_ONLINE ? zone_of(fs, id) : -1;
	return 0;
}

/* A block's firmware node, as the device it belongs to: its index, -1
 * without a firmware_node, or -ENOMEM (below -1). */
static int acpi_device_of(const struct vfs *fs, struct live_memory *lm, uint64_t id, size_t *cap)
{
	char path[128], *target;
	const char *base;
	struct live_device *d;

	snprintf(path, sizeof(path), MEMORY_DIR "/memory%" PRIu64 "/firmware_node", id);
	if (vfs_readlink(fs, path, &target))
		return -1;
	/* Blocks of one device are neighbours: look at the last one first. */
	for (size_t i = lm->nr_devices; i-- > 0;)
		if (lm->devices[i].kind == LIVE_DEVICE_ACPI &&
		    !strcmp(lm->devices[i].fwnode, target)) {
			free(target);
			return (int)i;
		}
	if (array_grow(&lm->devices, cap, lm->nr_devices + 1, sizeof(*lm->devices))) {
		free(target);
		return -ENOMEM;
	}
	d = &lm->devices[lm->nr_devices];
	*d = (struct live_device){.kind = LIVE_DEVICE_ACPI, .start = UINT64_MAX};
	snprintf(d->fwnode, sizeof(d->fwnode), "%s", target);
	base = strrchr(target, '/');
	snprintf(d->name, sizeof(d->name), "%s", base ? base + 1 : target);
	free(target);
	return (int)lm->nr_devices++;
}

static int read_blocks(const struct vfs *fs, struct live_memory *lm, size_t *dev_cap)
{
	char **names, path[128], *v;
	size_t n = 0;
	int ret = vfs_list(fs, MEMORY_DIR, &names);

	if (ret)
		return ret;
	for (char **p = names; *p; p++)
		n++;
	lm->blocks = calloc(n ? n : 1, sizeof(*lm->blocks));
	if (!lm->blocks) {
		vfs_free_list(names);
		return -ENOMEM;
	}
	for (char **p = names; *p; p++) {
		struct live_block *b = &lm->blocks[lm->nr_blocks];

		if (!parse_numbered(*p, "memory", &b->id))
			continue;
		*b =
		    (struct live_block){.id = b->id, .nid = NUMA_NO_NODE, .zone = -1, .device = -1};
		snprintf(path, sizeof(path), MEMORY_DIR "/%s/state", *p);
		if (!read_line(fs, path, &v)) {
			b->state = state_from_name(v);
			free(v);
		}
		snprintf(path, sizeof(path), MEMORY_DIR "/%s/removable", *p);
		if (!read_line(fs, path, &v)) {
			b->removable = !strcmp(v, "1");
			free(v);
		}
		if (b->state == MEM_ONLINE)
			b->zone = zone_of(fs, b->id);
		lm->nr_blocks++;
	}
	vfs_free_list(names);
	qsort(lm->blocks, lm->nr_blocks, sizeof(*lm->blocks), cmp_block);
	/* In address order, so devices are numbered as the kernel added them
	 * (and a device's blocks follow each other). */
	for (size_t i = 0; i < lm->nr_blocks; i++) {
		lm->blocks[i].device = acpi_device_of(fs, lm, lm->blocks[i].id, dev_cap);
		if (lm->blocks[i].device < -1)
			return lm->blocks[i].device;
	}
	return 0;
}

/* nodeN/memoryM links give each block its node, one listing per node. */
static void read_nodes(const struct vfs *fs, struct live_memory *lm)
{
	char **nodes, **entries, path[128];
	uint64_t nid, id;

	if (vfs_list(fs, NODE_DIR, &nodes))
		return;
	for (char **p = nodes; *p; p++) {
		if (!parse_numbered(*p, "node", &nid) || nid >= MAX_NUMNODES)
			continue;
		if ((int)nid >= lm->nr_node_ids)
			lm->nr_node_ids = (int)nid + 1;
		snprintf(path, sizeof(path), NODE_DIR "/%s", *p);
		if (vfs_list(fs, path, &entries))
			continue;
		for (char **e = entries; *e; e++) {
			struct live_block *b;

			if (parse_numbered(*e, "memory", &id) && (b = live_find_block(lm, id)))
				b->nid = (int)nid;
		}
		vfs_free_list(entries);
	}
	vfs_free_list(nodes);
}

/* /proc/zoneinfo (mm/vmstat.c zoneinfo_show()): "Node N, zone NAME", then
 * indented "key value" lines, of which spanned, present, managed, cma and
 * start_pfn are read; the real kernel's many others are skipped. */
static void parse_zoneinfo(struct live_memory *lm, char *text)
{
	struct live_zone *z = NULL;
	char *save, *line;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[32], name[16];
		unsigned long long v;
		int nid, zt;

		if (sscanf(line, "Node %d, zone %15s", &nid, name) == 2) {
			zt = live_zone_from_name(name, strlen(name));
			z = NULL;
			if (nid < 0 || nid >= MAX_NUMNODES)
				continue;
			lm->nodes[nid].online = true;
			if (nid >= lm->nr_node_ids)
				lm->nr_node_ids = nid + 1;
			if (zt >= 0)
				z = &lm->nodes[nid].zones[zt];
			continue;
		}
		if (!z || sscanf(line, " %31s %llu", key, &v) != 2)
			continue;
		if (!strcmp(key, "spanned"))
			z->spanned = v;
		else if (!strcmp(key, "present"))
			z->present = v;
		else if (!strcmp(key, "managed"))
			z->managed = v;
		else if (!strcmp(key, "cma"))
			z->cma = v;
		else if (!strcmp(key, "start_pfn:"))
			z->start_pfn = v;
	}
}

/* The blocks inside [start, end) bytes. */
static void block_range(const struct live_memory *lm, uint64_t start, uint64_t end, size_t *first,
			size_t *last)
{
	size_t lo = 0, hi = lm->nr_blocks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((lm->blocks[mid].id + 1) * lm->block_size <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (hi < lm->nr_blocks && lm->blocks[hi].id * lm->block_size < end)
		hi++;
	*last = hi;
}

/* /proc/iomem: a top-level "virtioN" resource holding "System RAM
 * (virtio_mem)" is a virtio-mem device's region (virtio_mem_probe()). */
static int parse_iomem(struct live_memory *lm, char *text, size_t *cap)
{
	struct live_device *cur = NULL;
	char *save, *line;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long s, e;
		char name[64];
		int off = 0;

		if (sscanf(line, " %llx-%llx : %n", &s, &e, &off) != 2 || !off)
			continue;
		snprintf(name, sizeof(name), "%s", line + off);
		if (line[0] != ' ') {
			uint64_t n;

			cur = NULL;
			if (!parse_numbered(name, "virtio", &n))
				continue;
			if (array_grow(&lm->devices, cap, lm->nr_devices + 1,
				       sizeof(*lm->devices)))
				return -ENOMEM;
			cur = &lm->devices[lm->nr_devices];
			*cur = (struct live_device){
			    .kind = LIVE_DEVICE_VIRTIO_MEM, .start = s, .end = e + 1};
			snprintf(cur->name, sizeof(cur->name), "%s", name);
			continue;
		}
		/* Count the device once it shows memory of virtio_mem. */
		if (cur && !strcmp(name, "System RAM (virtio_mem)") && cur->nr_blocks == 0) {
			cur->nr_blocks = 1;
			lm->nr_devices++;
		}
	}
	return 0;
}

static void assign_virtio_blocks(struct live_memory *lm)
{
	for (size_t i = 0; i < lm->nr_devices; i++) {
		struct live_device *d = &lm->devices[i];
		size_t first, last;

		if (d->kind != LIVE_DEVICE_VIRTIO_MEM)
			continue;
		d->nr_blocks = 0;
		block_range(lm, d->start, d->end, &first, &last);
		for (size_t j = first; j < last; j++)
			lm->blocks[j].device = (int)i;
	}
}

static void add_pages(uint64_t *v, int sign, uint64_t n)
{
	*v = sign > 0 ? *v + n : *v >= n ? *v - n : 0;
}

/* Adds (sign 1) or takes away (-1) what an online block counts for: its
 * device's group and, with zones, its zone's present pages and span. */
static void account(struct live_memory *lm, const struct live_block *b, int sign, bool zones)
{
	uint64_t ppb = lm->pages_per_block, pfn = b->id * ppb;
	struct live_zone *z;

	if (b->state != MEM_ONLINE || b->zone < 0 || b->nid < 0 || b->nid >= MAX_NUMNODES)
		return;
	z = &lm->nodes[b->nid].zones[b->zone];
	if (zones) {
		add_pages(&z->present, sign, ppb);
		add_pages(&z->managed, sign, ppb);
		/* Spans only grow here: the kernel shrinks them at the edges
		 * alone (shrink_zone_span()), which a re-read would show. */
		if (sign > 0 && !z->spanned) {
			z->start_pfn = pfn;
			z->spanned = ppb;
		} else if (sign > 0) {
			uint64_t end = z->start_pfn + z->spanned;

			z->start_pfn = pfn < z->start_pfn ? pfn : z->start_pfn;
			end = pfn + ppb > end ? pfn + ppb : end;
			z->spanned = end - z->start_pfn;
		}
	}
	if (b->device < 0)
		return;
	add_pages(&z->device_pages, sign, ppb);
	if (b->zone == ZONE_MOVABLE)
		add_pages(&lm->devices[b->device].stats.present_movable_pages, sign, ppb);
	else
		add_pages(&lm->devices[b->device].stats.present_kernel_pages, sign, ppb);
}

void live_account_block(struct live_memory *lm, struct live_block *b, enum memory_block_state state,
			int zone)
{
	account(lm, b, -1, true);
	b->state = state;
	b->zone = state == MEM_ONLINE ? zone : -1;
	account(lm, b, 1, true);
}

static void account_devices(struct live_memory *lm)
{
	uint64_t ppb = lm->pages_per_block;

	for (size_t i = 0; i < lm->nr_devices; i++) {
		struct live_device *d = &lm->devices[i];

		d->stats =
		    (struct memory_group_stats){.id = (int)i,
						.nid = NUMA_NO_NODE,
						.is_dynamic = d->kind == LIVE_DEVICE_VIRTIO_MEM,
						.unit_pages = ppb};
		d->nr_blocks = 0;
		if (d->kind == LIVE_DEVICE_ACPI)
			d->start = UINT64_MAX, d->end = 0;
	}
	for (size_t j = 0; j < lm->nr_blocks; j++) {
		struct live_block *b = &lm->blocks[j];
		struct live_device *d;

		if (b->device < 0)
			continue;
		d = &lm->devices[b->device];
		d->nr_blocks++;
		if (d->stats.nid == NUMA_NO_NODE)
			d->stats.nid = b->nid;
		if (d->kind == LIVE_DEVICE_ACPI) {
			uint64_t start = b->id * lm->block_size;

			d->start = start < d->start ? start : d->start;
			d->end = start + lm->block_size;
		}
		/* /proc/zoneinfo already counts the pages: only the group's
		 * and the not-early share are added. */
		account(lm, b, 1, false);
	}
	for (size_t i = 0; i < lm->nr_devices; i++) {
		struct live_device *d = &lm->devices[i];

		d->stats.max_pages = d->kind == LIVE_DEVICE_ACPI ? d->nr_blocks * ppb : 0;
		if (d->stats.is_dynamic && lm->nr_dynamic < ARRAY_SIZE(lm->dynamic))
			lm->dynamic[lm->nr_dynamic++] = &d->stats;
	}
}

static void read_params(const struct vfs *fs, struct live_memory *lm)
{
	struct live_params *p = &lm->params;
	char *v;

	*p = (struct live_params){.auto_movable_ratio = 301, .auto_movable_numa_aware = true};
	if (!read_line(fs, PARAMS_DIR "/online_policy", &v)) {
		p->has_online_policy = true;
		p->online_policy = !strcmp(v, "auto-movable") ? ONLINE_POLICY_AUTO_MOVABLE
							      : ONLINE_POLICY_CONTIG_ZONES;
		free(v);
	}
	if (!read_line(fs, PARAMS_DIR "/auto_movable_ratio", &v)) {
		kstrtouint(v, &p->auto_movable_ratio);
		free(v);
	}
	if (!read_line(fs, PARAMS_DIR "/auto_movable_numa_aware", &v)) {
		kstrtobool(v, &p->auto_movable_numa_aware);
		free(v);
	}
	if (!read_line(fs, PARAMS_DIR "/memmap_on_memory", &v)) {
		snprintf(p->memmap_on_memory, sizeof(p->memmap_on_memory), "%s", v);
		free(v);
	}
	if (!read_line(fs, MEMORY_DIR "/auto_online_blocks", &v)) {
		p->has_auto_online = !mmop_from_str(v, &p->auto_online_blocks);
		free(v);
	}
}

/* movable_node on the command line: a word of its own. */
static bool cmdline_has(const char *cmdline, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = cmdline; (p = strstr(p, word)); p += n)
		if ((p == cmdline || p[-1] == ' ') && (!p[n] || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

int live_read(const struct vfs *fs, struct live_memory *lm, char *err, size_t errlen)
{
	size_t dev_cap = 0;
	char *v;
	int ret;

	*lm = (struct live_memory){0};
	ret = read_line(fs, MEMORY_DIR "/block_size_bytes", &v);
	if (ret) {
		snprintf(err, errlen, "%s/block_size_bytes: %s", MEMORY_DIR, strerror(-ret));
		return ret;
	}
	lm->block_size = strtoull(v, NULL, 16);
	free(v);
	if (!lm->block_size || lm->block_size % PAGE_SIZE) {
		snprintf(err, errlen, "%s/block_size_bytes: not a block size", MEMORY_DIR);
		return -EINVAL;
	}
	lm->pages_per_block = lm->block_size / PAGE_SIZE;
	ret = read_blocks(fs, lm, &dev_cap);
	if (ret) {
		snprintf(err, errlen, "%s: %s", MEMORY_DIR, strerror(-ret));
		live_release(lm);
		return ret;
	}
	read_nodes(fs, lm);
	if (!vfs_read(fs, "/proc/zoneinfo", &v)) {
		lm->has_zoneinfo = true;
		parse_zoneinfo(lm, v);
		free(v);
	}
	if (!vfs_read(fs, "/proc/iomem", &v)) {
		ret = parse_iomem(lm, v, &dev_cap);
		free(v);
		if (ret) {
			snprintf(err, errlen, "/proc/iomem: %s", strerror(-ret));
			live_release(lm);
			return ret;
		}
		assign_virtio_blocks(lm);
	}
	account_devices(lm);
	read_params(fs, lm);
	if (vfs_read(fs, "/proc/cmdline", &lm->cmdline))
		lm->cmdline = strdup("");
	if (!lm->cmdline) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		live_release(lm);
		return -ENOMEM;
	}
	lm->cmdline[strcspn(lm->cmdline, "\n")] = '\0';
	lm->movable_node = cmdline_has(lm->cmdline, "movable_node");
	return 0;
}

void live_release(struct live_memory *lm)
{
	free(lm->blocks);
	free(lm->devices);
	free(lm->cmdline);
	*lm = (struct live_memory){0};
}

void live_auto_movable_stats(const struct live_memory *lm,
			     struct auto_movable_stats stats[MAX_NUMNODES])
{
	memset(stats, 0, MAX_NUMNODES * sizeof(*stats));
	for (int nid = 0; nid < lm->nr_node_ids && nid < MAX_NUMNODES; nid++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			const struct live_zone *z = &lm->nodes[nid].zones[t];
			uint64_t early =
			    z->present > z->device_pages ? z->present - z->device_pages : 0;

			auto_movable_stats_account_zone(&stats[nid], t, z->present, early,
							z->cma < early ? z->cma : early);
		}
}

int live_zone_for_block(const struct live_memory *lm, uint64_t id, enum mmop type,
			const struct live_params *p, struct zone_decision *d)
{
	const struct live_block *b = live_find_block(lm, id);
	struct auto_movable_stats stats[MAX_NUMNODES];
	const struct memory_group_stats *dynamic[ARRAY_SIZE(lm->dynamic)];
	struct memory_group_stats own = {0};
	struct node_zone_spans spans = {0};
	struct auto_movable_input in;
	uint64_t ppb = lm->pages_per_block;

	if (!b)
		return -ENOENT;
	if (!lm->has_zoneinfo || b->nid < 0 || b->nid >= MAX_NUMNODES)
		return -ENODATA;
	if (!p)
		p = &lm->params;
	live_auto_movable_stats(lm, stats);
	if (b->device >= 0)
		own = lm->devices[b->device].stats;
	/* Judge an online block as if it were offline: its pages leave its
	 * side of the ratio and its group (spans are left as they are). */
	if (b->state == MEM_ONLINE && b->zone == ZONE_MOVABLE) {
		add_pages(&stats[b->nid].movable_pages, -1, ppb);
		add_pages(&own.present_movable_pages, -1, ppb);
	} else if (b->state == MEM_ONLINE && b->zone >= 0) {
		if (b->device < 0)
			add_pages(&stats[b->nid].kernel_early_pages, -1, ppb);
		add_pages(&own.present_kernel_pages, -1, ppb);
	}
	for (size_t i = 0; i < lm->nr_dynamic; i++)
		dynamic[i] = b->device >= 0 && lm->dynamic[i] == &lm->devices[b->device].stats
				 ? &own
				 : lm->dynamic[i];
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		spans.zone[t].start_pfn = lm->nodes[b->nid].zones[t].start_pfn;
		spans.zone[t].spanned_pages = lm->nodes[b->nid].zones[t].spanned;
	}
	in = (struct auto_movable_input){
	    .ratio = p->auto_movable_ratio,
	    .numa_aware = p->auto_movable_numa_aware,
	    .nid = b->nid,
	    .nr_node_ids = lm->nr_node_ids,
	    .node_stats = stats,
	    .group = b->device >= 0 ? &own : NULL,
	    .dynamic_groups = dynamic,
	    .nr_dynamic_groups = lm->nr_dynamic,
	    .spans = &spans,
	    .start_pfn = id * lm->pages_per_block,
	    .nr_pages = lm->pages_per_block,
	};
	zone_for_online_type(type, p->online_policy, lm->movable_node, &in, d);
	return 0;
}
