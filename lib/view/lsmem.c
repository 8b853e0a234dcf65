#include "lsmem.h"

#include <errno.h>
#include <inttypes.h>
#include <libsmartcols/libsmartcols.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "array.h"
#include "digits.h"
#include "live.h"
#include "strparse.h"
#include "vfs.h"

static const struct {
	const char *name;
	double whint;
	int flags;
} lsmem_columns[MEMHP_LS_NR_COLUMNS] = {
    [MEMHP_LS_RANGE] = {"RANGE", 0, 0},
    [MEMHP_LS_SIZE] = {"SIZE", 5, SCOLS_FL_RIGHT},
    [MEMHP_LS_STATE] = {"STATE", 0, SCOLS_FL_RIGHT},
    [MEMHP_LS_REMOVABLE] = {"REMOVABLE", 0, SCOLS_FL_RIGHT},
    [MEMHP_LS_BLOCK] = {"BLOCK", 0, SCOLS_FL_RIGHT},
    [MEMHP_LS_NODE] = {"NODE", 0, SCOLS_FL_RIGHT},
    [MEMHP_LS_ZONES] = {"ZONES", 0, SCOLS_FL_RIGHT},
    [MEMHP_LS_ZONE] = {"ZONE", 0, SCOLS_FL_RIGHT},
    [MEMHP_LS_DEVICE] = {"DEVICE", 0, 0},
};

/* The zone names lsmem knows; any other valid_zones word is "Unknown",
 * which never merges. */
static const char *const zone_names[] = {"DMA",	    "DMA32", "Normal", "Highmem",
					 "Movable", "Device", "None"};
#define ZONE_UNKNOWN ((int)ARRAY_SIZE(zone_names))
#define MAX_ZONES    8

enum { STATE_ONLINE, STATE_OFFLINE, STATE_GOING_OFFLINE, STATE_UNKNOWN };

struct lsmem_block {
	uint64_t index, count;
	int state, node, nr_zones;
	int zones[MAX_ZONES];
	bool removable;
	int device; /* index in lm.devices, or -1 */
};

struct lsmem {
	const struct vfs *fs;
	const struct memhp_ls_options *o;
	uint64_t block_size, online, offline;
	bool have_nodes, have_zones;
	bool split_state, split_removable, split_node, split_zones;
	bool split_zone, split_device;
	bool want_devices; /* DEVICE shown or split by: lm read */
	struct live_memory lm;
	struct lsmem_block *blocks;
	size_t nr_blocks;
};

int lsmem_column_id(const char *name, size_t len)
{
	for (int i = 0; i < MEMHP_LS_NR_COLUMNS; i++)
		if (!strncasecmp(name, lsmem_columns[i].name, len) && !lsmem_columns[i].name[len])
			return i;
	return -1;
}

int memhp_ls_columns(const char *list, int *ids, size_t max, size_t *n, char *bad,
			size_t len)
{
	size_t at = *n;

	if (*list == '+')
		list++;
	else
		at = 0;
	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ",");
		int id = lsmem_column_id(p, l);

		if (id < 0) {
			snprintf(bad, len, "%.*s", (int)l, p);
			return -EINVAL;
		}
		if (at == max)
			return -E2BIG;
		ids[at++] = id;
		p += l + (p[l] == ',');
	}
	*n = at;
	return 0;
}

/* ---- reading the tree ---- */

static char *read_attr(const struct lsmem *l, const char *block, const char *attr)
{
	char path[256], *s = NULL;

	snprintf(path, sizeof(path), MEMORY_DIR "/%s/%s", block, attr);
	if (vfs_read(l->fs, path, &s) < 0)
		return NULL;
	s[strcspn(s, "\n")] = '\0';
	return s;
}

/* The first nodeN entry of the block's directory, or -1. */
static int block_node(const struct lsmem *l, const char *block)
{
	char path[256], **names = NULL;
	int node = -1;

	snprintf(path, sizeof(path), MEMORY_DIR "/%s", block);
	if (vfs_list(l->fs, path, &names) < 0)
		return -1;
	for (size_t i = 0; names[i]; i++)
		if (!strncmp(names[i], "node", 4) && all_digits(names[i] + 4)) {
			node = (int)strtol(names[i] + 4, NULL, 10);
			break;
		}
	vfs_free_list(names);
	return node;
}

static int zone_id(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(zone_names); i++)
		if (!strcasecmp(name, zone_names[i]))
			return (int)i;
	return ZONE_UNKNOWN;
}

/* The memory device of block index (live.c: firmware_node, /proc/iomem). */
static int block_device(const struct lsmem *l, uint64_t index)
{
	const struct live_block *lb = l->want_devices ? live_find_block(&l->lm, index) : NULL;

	return lb ? lb->device : -1;
}

static void read_block(const struct lsmem *l, const char *name, struct lsmem_block *b)
{
	char *s;

	*b = (struct lsmem_block){.count = 1, .state = STATE_UNKNOWN};
	b->index = strtoull(name + 6, NULL, 10);
	b->device = block_device(l, b->index);
	if ((s = read_attr(l, name, "removable"))) {
		b->removable = atoi(s) == 1;
		free(s);
	}
	if ((s = read_attr(l, name, "state"))) {
		b->state = !strcmp(s, "offline")	 ? STATE_OFFLINE
			   : !strcmp(s, "online")	 ? STATE_ONLINE
			   : !strcmp(s, "going-offline") ? STATE_GOING_OFFLINE
							 : STATE_UNKNOWN;
		free(s);
	}
	if (l->have_nodes)
		b->node = block_node(l, name);
	if (l->have_zones && (s = read_attr(l, name, "valid_zones"))) {
		for (char *save = NULL, *t = strtok_r(s, " ", &save); t && b->nr_zones < MAX_ZONES;
		     t = strtok_r(NULL, " ", &save))
			b->zones[b->nr_zones++] = zone_id(t);
		free(s);
	}
}

/* ZONE: an online block's zone, the one word of its valid_zones; -1 for
 * none (offline, several words, no valid_zones). */
static int block_zone(const struct lsmem *l, const struct lsmem_block *b)
{
	return l->have_zones && b->state == STATE_ONLINE && b->nr_zones == 1 ? b->zones[0] : -1;
}

/* Whether b continues the last range (lsmem's is_mergeable()). */
static bool mergeable(const struct lsmem *l, const struct lsmem_block *b)
{
	const struct lsmem_block *c = l->nr_blocks ? &l->blocks[l->nr_blocks - 1] : NULL;

	if (!c || l->o->all || c->index + c->count != b->index)
		return false;
	if ((l->split_state && c->state != b->state) ||
	    (l->split_removable && c->removable != b->removable) ||
	    (l->split_node && l->have_nodes && c->node != b->node))
		return false;
	if (l->split_device && c->device != b->device)
		return false;
	if (l->split_zone &&
	    (block_zone(l, c) != block_zone(l, b) || block_zone(l, c) == ZONE_UNKNOWN))
		return false;
	if (l->split_zones && l->have_zones) {
		if (c->nr_zones != b->nr_zones)
			return false;
		for (int i = 0; i < c->nr_zones; i++)
			if (c->zones[i] == ZONE_UNKNOWN || c->zones[i] != b->zones[i])
				return false;
	}
	return true;
}

static int cmp_index(const void *a, const void *b)
{
	unsigned long long x = strtoull(*(char *const *)a + 6, NULL, 10);
	unsigned long long y = strtoull(*(char *const *)b + 6, NULL, 10);

	return x < y ? -1 : x > y;
}

/* The memoryN entries in numeric order (lsmem: scandir with versionsort). */
static int list_blocks(const struct lsmem *l, char ***out, size_t *n)
{
	char **names = NULL;
	size_t k = 0;
	int ret = vfs_list(l->fs, MEMORY_DIR, &names);

	if (ret < 0)
		return ret;
	for (size_t i = 0; names[i]; i++) {
		if (!strncmp(names[i], "memory", 6) && all_digits(names[i] + 6))
			names[k++] = names[i];
		else
			free(names[i]);
	}
	names[k] = NULL;
	qsort(names, k, sizeof(*names), cmp_index);
	*out = names;
	*n = k;
	return 0;
}

static int read_info(struct lsmem *l, char *err, size_t errlen)
{
	char **names, *s, path[256];
	size_t n;
	int ret;

	s = NULL;
	if (vfs_lookup(l->fs, MEMORY_DIR, NULL) != VFS_DIR) {
		snprintf(err, errlen, "cannot open " MEMORY_DIR ": No such file or directory");
		return -ENOENT;
	}
	if (vfs_read(l->fs, MEMORY_DIR "/block_size_bytes", &s) < 0) {
		snprintf(err, errlen, "This system does not support memory blocks");
		return -ENOENT;
	}
	l->block_size = strtoull(s, NULL, 16);
	free(s);
	ret = list_blocks(l, &names, &n);
	if (ret < 0 || !n) {
		snprintf(err, errlen, "Failed to read " MEMORY_DIR);
		if (!ret)
			vfs_free_list(names);
		return ret < 0 ? ret : -ENOENT;
	}
	l->have_nodes = block_node(l, names[0]) != -1;
	snprintf(path, sizeof(path), MEMORY_DIR "/memory0/valid_zones");
	l->have_zones = vfs_lookup(l->fs, path, NULL) != VFS_NONE;
	if (l->want_devices) {
		ret = live_read(l->fs, &l->lm, err, errlen);
		if (ret) {
			vfs_free_list(names);
			return ret;
		}
	}
	l->blocks = calloc(n, sizeof(*l->blocks));
	if (!l->blocks) {
		vfs_free_list(names);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct lsmem_block b;

		read_block(l, names[i], &b);
		if (b.state == STATE_ONLINE)
			l->online += l->block_size;
		else
			l->offline += l->block_size;
		if (mergeable(l, &b))
			l->blocks[l->nr_blocks - 1].count++;
		else
			l->blocks[l->nr_blocks++] = b;
	}
	vfs_free_list(names);
	return 0;
}

/* ---- output ---- */

static void cell(const struct lsmem *l, const struct lsmem_block *b, int col, char *buf,
		 size_t len)
{
	uint64_t start = b->index * l->block_size, size = b->count * l->block_size;
	static const char *const states[] = {"online", "offline", "on->off", "?"};

	buf[0] = '\0';
	switch (col) {
	case MEMHP_LS_RANGE:
		snprintf(buf, len, "0x%016" PRIx64 "-0x%016" PRIx64, start, start + size - 1);
		break;
	case MEMHP_LS_SIZE:
		if (l->o->bytes)
			snprintf(buf, len, "%" PRIu64, size);
		else
			size_to_human_string(size, buf, len);
		break;
	case MEMHP_LS_STATE:
		snprintf(buf, len, "%s", states[b->state]);
		break;
	case MEMHP_LS_REMOVABLE:
		if (b->state == STATE_ONLINE)
			snprintf(buf, len, "%s", b->removable ? "yes" : "no");
		break;
	case MEMHP_LS_BLOCK:
		if (b->count == 1)
			snprintf(buf, len, "%" PRIu64, b->index);
		else
			snprintf(buf, len, "%" PRIu64 "-%" PRIu64, b->index, b->index + b->count - 1);
		break;
	case MEMHP_LS_NODE:
		if (l->have_nodes)
			snprintf(buf, len, "%d", b->node);
		break;
	case MEMHP_LS_ZONES:
		for (int i = 0; l->have_zones && i < b->nr_zones; i++) {
			size_t at = strlen(buf);
			const char *z = b->zones[i] == ZONE_UNKNOWN ? "Unknown" : zone_names[b->zones[i]];

			snprintf(buf + at, len - at, "%s%s", z, i + 1 < b->nr_zones ? "/" : "");
		}
		break;
	case MEMHP_LS_ZONE:
		snprintf(buf, len, "%s",
			 block_zone(l, b) == ZONE_UNKNOWN ? "Unknown"
							  : zone_names[block_zone(l, b)]);
		break;
	case MEMHP_LS_DEVICE:
		snprintf(buf, len, "%s", l->lm.devices[b->device].name);
		break;
	}
}

/* A cell lsmem leaves unset (NULL data): an offline block's REMOVABLE,
 * NODE and ZONES without the attribute. JSON prints null for it. */
static bool cell_unset(const struct lsmem *l, const struct lsmem_block *b, int col)
{
	return (col == MEMHP_LS_REMOVABLE && b->state != STATE_ONLINE) ||
	       (col == MEMHP_LS_NODE && !l->have_nodes) ||
	       (col == MEMHP_LS_ZONES && !l->have_zones) ||
	       (col == MEMHP_LS_ZONE && block_zone(l, b) < 0) ||
	       (col == MEMHP_LS_DEVICE && b->device < 0);
}

static int new_columns(const struct lsmem *l, struct libscols_table *tb)
{
	for (size_t i = 0; i < l->o->nr_columns; i++) {
		int id = l->o->columns[i];
		struct libscols_column *c = scols_table_new_column(
		    tb, lsmem_columns[id].name, lsmem_columns[id].whint, lsmem_columns[id].flags);

		if (!c)
			return -ENOMEM;
		if (l->o->format != MEMHP_LS_JSON)
			continue;
		if (id == MEMHP_LS_NODE || (id == MEMHP_LS_SIZE && l->o->bytes))
			scols_column_set_json_type(c, SCOLS_JSON_NUMBER);
		else if (id == MEMHP_LS_REMOVABLE)
			scols_column_set_json_type(c, SCOLS_JSON_BOOLEAN);
	}
	return 0;
}

static int print_table(const struct lsmem *l, FILE *out)
{
	struct libscols_table *tb = scols_new_table();
	int ret;

	if (!tb)
		return -ENOMEM;
	scols_table_set_stream(tb, out);
	scols_table_enable_raw(tb, l->o->format == MEMHP_LS_RAW);
	scols_table_enable_export(tb, l->o->format == MEMHP_LS_PAIRS);
	scols_table_enable_json(tb, l->o->format == MEMHP_LS_JSON);
	scols_table_enable_noheadings(tb, l->o->noheadings);
	if (l->o->format == MEMHP_LS_JSON)
		scols_table_set_name(tb, "memory");
	ret = new_columns(l, tb);
	for (size_t i = 0; !ret && i < l->nr_blocks; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		char buf[256];

		if (!ln) {
			ret = -ENOMEM;
			break;
		}
		for (size_t c = 0; c < l->o->nr_columns; c++) {
			int id = l->o->columns[c];

			if (cell_unset(l, &l->blocks[i], id))
				continue;
			cell(l, &l->blocks[i], id, buf, sizeof(buf));
			if (scols_line_set_data(ln, c, buf))
				ret = -ENOMEM;
		}
	}
	if (!ret)
		scols_print_table(tb);
	scols_unref_table(tb);
	return ret;
}

static void print_summary(const struct lsmem *l, FILE *out)
{
	static const char *const labels[] = {"Memory block size:", "Total online memory:",
					     "Total offline memory:"};
	const uint64_t v[] = {l->block_size, l->online, l->offline};
	char buf[32];

	for (size_t i = 0; i < ARRAY_SIZE(labels); i++) {
		if (l->o->bytes) {
			fprintf(out, "%-23s %15" PRIu64 "\n", labels[i], v[i]);
		} else {
			size_to_human_string(v[i], buf, sizeof(buf));
			fprintf(out, "%-23s %5s\n", labels[i], buf);
		}
	}
}

static void set_split(struct lsmem *l, const int *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		l->split_state |= ids[i] == MEMHP_LS_STATE;
		l->split_removable |= ids[i] == MEMHP_LS_REMOVABLE;
		l->split_node |= ids[i] == MEMHP_LS_NODE;
		l->split_zones |= ids[i] == MEMHP_LS_ZONES;
		l->split_zone |= ids[i] == MEMHP_LS_ZONE;
		l->split_device |= ids[i] == MEMHP_LS_DEVICE;
		l->want_devices |= ids[i] == MEMHP_LS_DEVICE;
	}
}

/* ---- --ratio: the auto-movable ratio's two sides ---- */

enum { RATIO_NODE, RATIO_KERNEL_EARLY, RATIO_MOVABLE, RATIO_RATIO, RATIO_LIMIT, RATIO_ROOM };

static const char *const ratio_columns[] = {"NODE",  "KERNEL_EARLY", "MOVABLE",
					    "RATIO", "LIMIT",	     "ROOM"};

/* One row: limit = ratio * KERNEL_EARLY / 100, as auto_movable_can_online_movable()
 * computes it; room is what MOVABLE may still grow by under it. */
static int ratio_row(struct libscols_table *tb, const char *node,
		     const struct auto_movable_stats *s, unsigned int ratio)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	uint64_t limit = (uint64_t)ratio * s->kernel_early_pages / 100;
	const uint64_t v[] = {0,
			      s->kernel_early_pages,
			      s->movable_pages,
			      ratio,
			      limit,
			      limit > s->movable_pages ? limit - s->movable_pages : 0};
	char buf[32];

	if (!ln || scols_line_set_data(ln, RATIO_NODE, node))
		return -ENOMEM;
	for (size_t c = RATIO_KERNEL_EARLY; c < ARRAY_SIZE(v); c++) {
		snprintf(buf, sizeof(buf), "%" PRIu64, v[c]);
		if (scols_line_set_data(ln, c, buf))
			return -ENOMEM;
	}
	return 0;
}

static int ratio_table(const struct memhp_ls_options *o, const struct live_memory *lm,
		       struct libscols_table *tb)
{
	struct auto_movable_stats stats[MAX_NUMNODES], all = {0};
	unsigned int ratio = lm->params.auto_movable_ratio;
	char node[16];
	int ret = 0;

	scols_table_enable_raw(tb, o->format == MEMHP_LS_RAW);
	scols_table_enable_export(tb, o->format == MEMHP_LS_PAIRS);
	scols_table_enable_json(tb, o->format == MEMHP_LS_JSON);
	scols_table_enable_noheadings(tb, o->noheadings);
	scols_table_set_name(tb, "auto_movable");
	for (size_t i = 0; i < ARRAY_SIZE(ratio_columns); i++) {
		struct libscols_column *c =
		    scols_table_new_column(tb, ratio_columns[i], 0, SCOLS_FL_RIGHT);

		if (!c)
			return -ENOMEM;
		if (i != RATIO_NODE)
			scols_column_set_json_type(c, SCOLS_JSON_NUMBER);
	}
	live_auto_movable_stats(lm, stats);
	for (int n = 0; !ret && n < lm->nr_node_ids && n < MAX_NUMNODES; n++) {
		if (!lm->nodes[n].online)
			continue;
		all.kernel_early_pages += stats[n].kernel_early_pages;
		all.movable_pages += stats[n].movable_pages;
		snprintf(node, sizeof(node), "%d", n);
		ret = ratio_row(tb, node, &stats[n], ratio);
	}
	return ret ? ret : ratio_row(tb, "all", &all, ratio);
}

/* memhp ls --ratio: per node and over all nodes. */
static int print_ratio(const struct vfs *fs, const struct memhp_ls_options *o, FILE *out, char *err,
		       size_t errlen)
{
	struct libscols_table *tb;
	struct live_memory lm;
	int ret = live_read(fs, &lm, err, errlen);

	if (ret)
		return ret;
	if (!lm.has_zoneinfo) {
		snprintf(err, errlen,
			 "cannot open /proc/zoneinfo: the ratio needs the zones' pages");
		live_release(&lm);
		return -ENOENT;
	}
	tb = scols_new_table();
	ret = tb ? ratio_table(o, &lm, tb) : -ENOMEM;
	if (!ret) {
		scols_table_set_stream(tb, out);
		scols_print_table(tb);
	}
	scols_unref_table(tb);
	live_release(&lm);
	return ret;
}

int lsmem_print(const struct vfs *fs, const struct memhp_ls_options *o, FILE *out, char *err,
		size_t errlen)
{
	struct lsmem l = {.fs = fs, .o = o};
	int ret;

	if (o->ratio)
		return print_ratio(fs, o, out, err, errlen);
	if (o->split_set)
		set_split(&l, o->split, o->nr_split);
	else
		set_split(&l, o->columns, o->nr_columns);
	for (size_t i = 0; i < o->nr_columns; i++)
		l.want_devices |= o->columns[i] == MEMHP_LS_DEVICE;
	/* --summary=only reads without splitting, as lsmem's shortcut does
	 * (its split policy is still unset then). */
	if (!o->want_table)
		l.split_state = l.split_removable = l.split_node = l.split_zones = l.split_zone =
		    l.split_device = l.want_devices = false;
	ret = read_info(&l, err, errlen);
	if (!ret && o->want_table) {
		ret = print_table(&l, out);
		if (!ret && o->want_summary)
			fputc('\n', out);
	}
	if (!ret && o->want_summary)
		print_summary(&l, out);
	free(l.blocks);
	live_release(&l.lm);
	return ret;
}
