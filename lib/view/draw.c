/* memhp draw: the memory map and the timeline as SVG (draw.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "array.h"
#include "machine.h"
#include "memory_device.h"
#include "memory_group.h"
#include "online_policy.h"
#include "strbuf.h"
#include "virtio_mem_driver.h"
#include "virtio_mem_pci.h"

#define GIB    (1024.0 * 1024.0 * 1024.0)
#define NO_DEV (-1)

static const char *const kind_names[DRAW_NR_KINDS] = {
    "DMA", "DMA32", "Normal", "Movable", "mixed", "offline", "absent",
};
static const char *const kind_colours[DRAW_NR_KINDS] = {
    DRAW_COLOUR_DMA,   DRAW_COLOUR_DMA32,   DRAW_COLOUR_NORMAL, DRAW_COLOUR_MOVABLE,
    DRAW_COLOUR_MIXED, DRAW_COLOUR_OFFLINE, DRAW_COLOUR_ABSENT,
};
static const char *const node_colours[] = {
    "#1f3a93", "#c0392b", "#16a085", "#d4ac0d", "#6c3483", "#ba4a00", "#2c3e50", "#a93226",
};
#define NR_NODE_COLOURS (sizeof(node_colours) / sizeof(node_colours[0]))

const char *draw_kind_name(enum draw_kind k)
{
	return k < DRAW_NR_KINDS ? kind_names[k] : "?";
}

const char *draw_kind_colour(enum draw_kind k)
{
	return k < DRAW_NR_KINDS ? kind_colours[k] : "#000000";
}

void draw_xml_escape(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			strbuf_add(sb, "&amp;");
			break;
		case '<':
			strbuf_add(sb, "&lt;");
			break;
		case '>':
			strbuf_add(sb, "&gt;");
			break;
		case '"':
			strbuf_add(sb, "&quot;");
			break;
		case '\'':
			strbuf_add(sb, "&#39;");
			break;
		default:
			/* Control characters are not XML 1.0: shown as '?'. */
			strbuf_addch(sb, (unsigned char)*s < 0x20 && *s != '\t' ? '?' : *s);
		}
	}
}

/* ---- the map's cells ----------------------------------------------------- */

struct cell {
	uint8_t kind;
	int16_t node;		 /* -1: none (absent) */
	int32_t dev;		 /* index in vm->memory_devices, or NO_DEV */
	int32_t group;		 /* memory group id, or -1 */
	uint32_t plugged, units; /* virtio-mem sub-blocks plugged of units; 1 of 1 else */
};

static bool cell_same(const struct cell *a, const struct cell *b)
{
	return a->kind == b->kind && a->node == b->node && a->dev == b->dev &&
	       a->group == b->group && a->plugged == b->plugged && a->units == b->units;
}

static enum draw_kind block_kind(const struct memory_block *b)
{
	if (b->state != MEM_ONLINE)
		return DRAW_OFFLINE;
	if (!b->zone)
		return DRAW_MIXED;
	switch (b->zone->type) {
	case ZONE_DMA:
		return DRAW_DMA;
	case ZONE_DMA32:
		return DRAW_DMA32;
	case ZONE_NORMAL:
		return DRAW_NORMAL;
	default:
		return DRAW_MOVABLE;
	}
}

static uint64_t map_nr_blocks(const struct machine *m)
{
	const struct kernel *k = m->kernel;
	const struct memory_block *b;
	uint64_t id, n = 0;

	idtree_for_each(&k->blocks, id, b) if (id + 1 > n) n = id + 1;
	for (size_t i = 0; i < m->vm->nr_memory_devices; i++) {
		const struct memory_device *md = m->vm->memory_devices[i];
		uint64_t end = md->ops->get_addr(md) + md->ops->get_region_size(md);
		uint64_t blocks = (end + k->block_size - 1) / k->block_size;

		if (blocks > n)
			n = blocks;
	}
	return n;
}

/* A virtio-mem device's blocks: how many of each block's sub-blocks the
 * driver has plugged (Big Block Mode: the big block, all or nothing). */
static void vmem_cells(const struct machine *m, const struct memory_device *md, int dev,
		       struct cell *cells, uint64_t first, uint64_t end)
{
	const struct virtio_mem_pci *v = to_virtio_mem_pci_const(md);
	const struct virtio_mem_driver *drv = machine_virtio_mem_driver(m);
	struct virtio_mem_info vi;
	bool bound = drv && !virtio_mem_get_info(drv, v->index, &vi);

	for (uint64_t id = first; id < end; id++) {
		struct cell *c = &cells[id];
		uint64_t nr = 0;
		int state;

		c->dev = dev;
		c->plugged = 0;
		c->units = 1;
		if (!bound || virtio_mem_block_state(drv, v->index, id, &state, &nr))
			continue;
		if (vi.sbm && vi.sb_size && vi.sb_size < m->kernel->block_size) {
			c->units = (uint32_t)(m->kernel->block_size / vi.sb_size);
			c->plugged = (uint32_t)nr;
		} else {
			c->plugged = nr ? 1 : 0;
		}
	}
}

static void device_cells(const struct machine *m, struct cell *cells, uint64_t n)
{
	uint64_t bs = m->kernel->block_size;

	for (size_t i = 0; i < m->vm->nr_memory_devices; i++) {
		const struct memory_device *md = m->vm->memory_devices[i];
		uint64_t start = md->ops->get_addr(md), size = md->ops->get_region_size(md);
		uint64_t first = start / bs, end = (start + size + bs - 1) / bs;

		if (end > n)
			end = n;
		if (!strcmp(md->ops->qom_type, "virtio-mem-pci")) {
			vmem_cells(m, md, (int)i, cells, first, end);
			continue;
		}
		for (uint64_t id = first; id < end; id++)
			cells[id].dev = (int)i;
	}
}

static struct cell *map_cells(const struct machine *m, uint64_t n)
{
	const struct memory_block *b;
	struct cell *cells = calloc(n ? n : 1, sizeof(*cells));
	uint64_t id;

	if (!cells)
		return NULL;
	for (uint64_t i = 0; i < n; i++)
		cells[i] = (struct cell){.kind = DRAW_ABSENT,
					 .node = -1,
					 .dev = NO_DEV,
					 .group = -1,
					 .plugged = 1,
					 .units = 1};
	device_cells(m, cells, n);
	idtree_for_each(&m->kernel->blocks, id, b)
	{
		cells[id].kind = (uint8_t)block_kind(b);
		cells[id].node = (int16_t)(b->nid < 0 ? -1 : b->nid);
		cells[id].group = b->group ? b->group->stats.id : -1;
	}
	return cells;
}

/* ---- geometry ------------------------------------------------------------- */

static void map_geometry(uint64_t n, struct draw_geometry *g)
{
	uint64_t rows;

	g->nr_blocks = n;
	g->cols = n > 8192 ? 128 : 64;
	rows = (n + g->cols - 1) / g->cols;
	g->cw = g->cols == 64 ? 12 : 6;
	g->ch = rows <= 128 ? g->cw : rows <= 1024 ? 4 : 2;
	g->pitch = g->ch + (g->ch >= 6 ? 4 : 2);
	g->x0 = 170;
	g->y0 = 64;
}

static uint64_t map_rows(const struct draw_geometry *g)
{
	return g->nr_blocks ? (g->nr_blocks + g->cols - 1) / g->cols : 1;
}

/* Calls emit() for each row piece of blocks [first, first + count): at most
 * three rects (a head, the full rows, a tail) when the full rows are all
 * of the run's kind; the middle is one rect spanning rows (its gaps are
 * painted over by the row gaps' background). */
typedef void (*span_fn)(struct strbuf *sb, const struct draw_geometry *g, unsigned x, unsigned y,
			unsigned w, unsigned h, void *arg);

static void for_each_piece(struct strbuf *sb, const struct draw_geometry *g, uint64_t first,
			   uint64_t count, unsigned int band, unsigned int band_h, span_fn fn,
			   void *arg)
{
	uint64_t end = first + count;

	while (first < end) {
		uint64_t row = first / g->cols, col = first % g->cols;
		uint64_t in_row = g->cols - col, full;
		unsigned int y = g->y0 + (unsigned int)row * g->pitch + band;

		if (col || end - first < g->cols) {
			uint64_t k = end - first < in_row ? end - first : in_row;

			fn(sb, g, g->x0 + (unsigned int)col * g->cw, y, (unsigned int)k * g->cw,
			   band_h, arg);
			first += k;
			continue;
		}
		full = (end - first) / g->cols;
		fn(sb, g, g->x0, y, g->cols * g->cw, (unsigned int)(full - 1) * g->pitch + band_h,
		   arg);
		first += full * g->cols;
	}
}

struct run_style {
	const char *cls;
	const char *fill;
	const char *extra; /* more attributes, or "" */
	const char *title; /* or NULL */
};

static void rect_piece(struct strbuf *sb, const struct draw_geometry *g, unsigned x, unsigned y,
		       unsigned w, unsigned h, void *arg)
{
	const struct run_style *s = arg;

	(void)g;
	strbuf_addf(sb, "<rect class=\"%s\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\"%s%s%s",
		    s->cls, x, y, w, h, s->fill ? " fill=\"" : "", s->fill ? s->fill : "",
		    s->fill ? "\"" : "");
	strbuf_add(sb, s->extra);
	if (s->title) {
		strbuf_add(sb, "><title>");
		draw_xml_escape(sb, s->title);
		strbuf_add(sb, "</title></rect>\n");
	} else {
		strbuf_add(sb, "/>\n");
	}
}

static const char *device_name(const struct memory_device *md, char *buf, size_t len)
{
	if (md->id)
		return md->id;
	snprintf(buf, len, "device[%u]", md->anon_index);
	return buf;
}

static void cell_title(const struct machine *m, const struct cell *c, uint64_t first,
		       uint64_t count, char *buf, size_t len)
{
	uint64_t bs = m->kernel->block_size;
	char dev[64] = "", name[32];
	int n;

	if (c->dev != NO_DEV) {
		const struct memory_device *md = m->vm->memory_devices[c->dev];

		snprintf(dev, sizeof(dev), ", %s", device_name(md, name, sizeof(name)));
	}
	n = snprintf(buf, len, "memory%" PRIu64, first);
	if (count > 1 && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "-%" PRIu64, first + count - 1);
	if (n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " (%.3f-%.3f GiB): %s%s", first * bs / GIB,
			      (first + count) * bs / GIB, draw_kind_name(c->kind), dev);
	if (c->node >= 0 && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, ", node %d", c->node);
	if (c->group >= 0 && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, ", memory group %d", c->group);
	if (c->units > 1 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", %u/%u sub-blocks plugged", c->plugged,
			 c->units);
}

/* The cells: one rect per run of identical cells and row piece. */
static void emit_cells(const struct machine *m, const struct cell *cells,
		       const struct draw_geometry *g, struct strbuf *sb)
{
	uint64_t n = g->nr_blocks, i = 0;

	while (i < n) {
		const struct cell *c = &cells[i];
		uint64_t j = i + 1;
		char title[256], cls[48], extra[64] = "";
		bool partial = c->plugged && c->plugged < c->units;
		struct run_style s = {.cls = cls, .extra = extra, .title = title};

		while (j < n && cell_same(&cells[j], c))
			j++;
		snprintf(cls, sizeof(cls), "c z-%s%s", draw_kind_name(c->kind),
			 partial ? " partial" : "");
		s.fill = draw_kind_colour(c->kind);
		if (partial && c->kind != DRAW_ABSENT)
			snprintf(extra, sizeof(extra), " fill-opacity=\"%.2f\"",
				 0.35 + 0.65 * c->plugged / c->units);
		cell_title(m, c, i, j - i, title, sizeof(title));
		for_each_piece(sb, g, i, j - i, 0, g->ch, rect_piece, &s);
		if (partial) {
			struct run_style h = {.cls = "hatch",
					      .fill = "url(#partial)",
					      .extra = " pointer-events=\"none\""};

			for_each_piece(sb, g, i, j - i, 0, g->ch, rect_piece, &h);
		}
		i = j;
	}
}

/* A node band piece: over several rows, the node's band pattern
 * (node_patterns()), which paints only the band under each row. */
static void band_piece(struct strbuf *sb, const struct draw_geometry *g, unsigned x, unsigned y,
		       unsigned w, unsigned h, void *arg)
{
	struct run_style s = *(const struct run_style *)arg;
	char fill[32];
	int node;

	if (h > g->pitch && sscanf(s.cls, "node n%d", &node) == 1) {
		snprintf(fill, sizeof(fill), "url(#band%d)", node % (int)NR_NODE_COLOURS);
		s.fill = fill;
	}
	rect_piece(sb, g, x, y, w, h, &s);
}

/* One pattern per node colour: its band under each row, from y0 on. */
static void node_patterns(const struct draw_geometry *g, struct strbuf *sb)
{
	strbuf_add(sb, "<defs>");
	for (size_t i = 0; i < NR_NODE_COLOURS; i++)
		strbuf_addf(sb,
			    "<pattern id=\"band%zu\" patternUnits=\"userSpaceOnUse\" x=\"0\" "
			    "y=\"%u\" width=\"%u\" height=\"%u\"><rect y=\"%u\" width=\"%u\" "
			    "height=\"%u\" fill=\"%s\"/></pattern>",
			    i, g->y0, g->cw, g->pitch, g->ch, g->cw, g->pitch - g->ch - 1,
			    node_colours[i]);
	strbuf_add(sb, "</defs>\n");
}

/* Thin lines between the cells of a run, when cells are wide enough to
 * tell apart: one rect over the grid with a pattern, whatever the size
 * (and transparent to clicks and hit tests). */
static void emit_grid(const struct draw_geometry *g, struct strbuf *sb)
{
	if (g->cw < 12)
		return;
	strbuf_addf(sb,
		    "<defs><pattern id=\"grid\" patternUnits=\"userSpaceOnUse\" x=\"%u\" y=\"%u\" "
		    "width=\"%u\" height=\"%u\"><rect width=\"1\" height=\"%u\" fill=\"#fff\" "
		    "fill-opacity=\"0.7\"/></pattern></defs>\n"
		    "<rect class=\"grid\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" "
		    "fill=\"url(#grid)\" pointer-events=\"none\"/>\n",
		    g->x0, g->y0, g->cw, g->pitch, g->ch, g->x0, g->y0, g->cols * g->cw,
		    (unsigned int)map_rows(g) * g->pitch);
}

/* The node bands under the cells: one rect per run of a node. */
static void emit_nodes(const struct cell *cells, const struct draw_geometry *g, struct strbuf *sb)
{
	uint64_t n = g->nr_blocks, i = 0;
	unsigned int band_h = g->pitch - g->ch - 1;

	while (i < n) {
		uint64_t j = i + 1;
		int node = cells[i].node;
		char cls[32];
		struct run_style s = {.cls = cls, .extra = ""};

		while (j < n && cells[j].node == node)
			j++;
		if (node >= 0) {
			snprintf(cls, sizeof(cls), "node n%d", node);
			s.fill = node_colours[node % NR_NODE_COLOURS];
			for_each_piece(sb, g, i, j - i, g->ch, band_h, band_piece, &s);
		}
		i = j;
	}
}

/* Outlines of the runs of one device or memory group (field picks). */
static void emit_outlines(const struct cell *cells, const struct draw_geometry *g,
			  struct strbuf *sb, bool groups)
{
	uint64_t n = g->nr_blocks, i = 0;

	while (i < n) {
		int key = groups ? cells[i].group : cells[i].dev;
		uint64_t j = i + 1;
		struct run_style s = {
		    .cls = groups ? "group" : "device",
		    .fill = "none",
		    .extra = groups
				 ? " stroke=\"#1b4f72\" stroke-width=\"1\" stroke-dasharray=\"3 2\""
				 : " stroke=\"#000\" stroke-width=\"1.5\""};

		while (j < n && (groups ? cells[j].group : cells[j].dev) == key)
			j++;
		if (key >= 0)
			for_each_piece(sb, g, i, j - i, 0, g->ch, rect_piece, &s);
		i = j;
	}
}

/* Device names to the right of the row each starts in, stacked when
 * several start in one row. */
static unsigned int emit_device_labels(const struct machine *m, const struct draw_geometry *g,
				       struct strbuf *sb)
{
	uint64_t bs = m->kernel->block_size;
	unsigned int next_y = 0;

	for (size_t i = 0; i < m->vm->nr_memory_devices; i++) {
		const struct memory_device *md = m->vm->memory_devices[i];
		uint64_t first = md->ops->get_addr(md) / bs, row = first / g->cols;
		uint64_t size = md->ops->get_region_size(md),
			 plugged = md->ops->get_plugged_size(md);
		char name[32];

		unsigned int y = g->y0 + (unsigned int)row * g->pitch + 9;

		/* Below the one before when they start in the same rows. */
		if (y < next_y)
			y = next_y;
		next_y = y + 12;
		strbuf_addf(sb, "<text class=\"devlabel\" x=\"%u\" y=\"%u\">",
			    g->x0 + g->cols * g->cw + 8, y);
		draw_xml_escape(sb, device_name(md, name, sizeof(name)));
		strbuf_addf(sb, " (%s, %.2f/%.2f GiB, from block %" PRIu64 ")</text>\n",
			    md->ops->qom_type, plugged / GIB, size / GIB, first);
	}
	return next_y;
}

/* Row labels: the row's first address in GiB and its first block. */
static void emit_axes(const struct machine *m, const struct draw_geometry *g, struct strbuf *sb)
{
	uint64_t rows = map_rows(g), every = (rows + 39) / 40, bs = m->kernel->block_size;
	unsigned int col_every = g->cols / 8;

	strbuf_addf(sb,
		    "<text class=\"axis\" x=\"%u\" y=\"%u\" text-anchor=\"end\">GiB</text>\n"
		    "<text class=\"axis\" x=\"%u\" y=\"%u\" text-anchor=\"end\">block</text>\n"
		    "<text class=\"axis\" x=\"%u\" y=\"%u\">block in row &#8594;</text>\n",
		    g->x0 - 70, g->y0 - 6, g->x0 - 6, g->y0 - 6, g->x0, g->y0 - 22);
	for (unsigned int c = 0; c < g->cols; c += col_every)
		strbuf_addf(sb, "<text class=\"tick\" x=\"%u\" y=\"%u\">%u</text>\n",
			    g->x0 + c * g->cw, g->y0 - 6, c);
	for (uint64_t r = 0; r < rows; r += every) {
		unsigned int y = g->y0 + (unsigned int)r * g->pitch + (g->ch < 8 ? g->ch : 9);

		strbuf_addf(sb,
			    "<text class=\"tick\" x=\"%u\" y=\"%u\" text-anchor=\"end\">%.2f</text>"
			    "<text class=\"tick\" x=\"%u\" y=\"%u\" text-anchor=\"end\">%" PRIu64
			    "</text>\n",
			    g->x0 - 70, y, r * g->cols * bs / GIB, g->x0 - 6, y, r * g->cols);
	}
}

static unsigned int emit_legend(const struct machine *m, const struct cell *cells,
				const struct draw_geometry *g, unsigned int y, struct strbuf *sb)
{
	unsigned int x = 10;
	bool seen[NR_NODE_COLOURS] = {false};

	for (int k = 0; k < DRAW_NR_KINDS; k++) {
		strbuf_addf(
		    sb,
		    "<rect class=\"legend z-%s\" x=\"%u\" y=\"%u\" width=\"12\" height=\"12\" "
		    "fill=\"%s\" stroke=\"#555\" stroke-width=\"0.5\"/>"
		    "<text class=\"tick\" x=\"%u\" y=\"%u\">%s</text>\n",
		    draw_kind_name(k), x, y, draw_kind_colour(k), x + 16, y + 10,
		    k == DRAW_MIXED ? "online, several zones" : draw_kind_name(k));
		x += k == DRAW_MIXED ? 150 : 90;
	}
	y += 20;
	x = 10;
	strbuf_addf(
	    sb,
	    "<rect x=\"%u\" y=\"%u\" width=\"12\" height=\"12\" fill=\"" DRAW_COLOUR_MOVABLE
	    "\" fill-opacity=\"0.6\"/><rect x=\"%u\" y=\"%u\" width=\"12\" height=\"12\" "
	    "fill=\"url(#partial)\"/><text class=\"tick\" x=\"%u\" y=\"%u\">virtio-mem block "
	    "partly plugged (paler: fewer sub-blocks)</text>\n",
	    x, y, x, y, x + 16, y + 10);
	y += 20;
	strbuf_addf(
	    sb,
	    "<rect x=\"%u\" y=\"%u\" width=\"12\" height=\"12\" fill=\"none\" stroke=\"#000\" "
	    "stroke-width=\"1.5\"/><text class=\"tick\" x=\"%u\" y=\"%u\">memory device "
	    "(DIMM, virtio-mem)</text>"
	    "<rect x=\"%u\" y=\"%u\" width=\"12\" height=\"12\" fill=\"none\" "
	    "stroke=\"#1b4f72\" stroke-dasharray=\"3 2\"/><text class=\"tick\" x=\"%u\" "
	    "y=\"%u\">memory group</text>\n",
	    x, y, x + 16, y + 10, x + 250, y, x + 266, y + 10);
	y += 20;
	strbuf_addf(sb, "<text class=\"tick\" x=\"%u\" y=\"%u\">node band under each row:</text>",
		    x, y + 10);
	x += 170;
	for (uint64_t i = 0; i < g->nr_blocks; i++) {
		int node = cells[i].node;

		if (node < 0 || seen[node % NR_NODE_COLOURS])
			continue;
		seen[node % NR_NODE_COLOURS] = true;
		strbuf_addf(sb,
			    "<rect x=\"%u\" y=\"%u\" width=\"12\" height=\"6\" fill=\"%s\"/>"
			    "<text class=\"tick\" x=\"%u\" y=\"%u\">node %d</text>\n",
			    x, y + 4, node_colours[node % NR_NODE_COLOURS], x + 16, y + 10, node);
		x += 70;
	}
	(void)m;
	return y + 20;
}

static const char svg_style[] =
    "<style>text{font-family:sans-serif;fill:#222}.tick{font-size:10px}"
    ".axis{font-size:10px;font-weight:bold}.devlabel{font-size:10px}"
    ".title{font-size:14px;font-weight:bold}</style>\n"
    "<defs><pattern id=\"partial\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
    "patternTransform=\"rotate(45)\"><rect width=\"1.5\" height=\"4\" fill=\"#000\" "
    "fill-opacity=\"0.45\"/></pattern></defs>\n";

int draw_map(const struct machine *m, const char *caption, struct strbuf *sb,
	     struct draw_geometry *gout)
{
	struct draw_geometry g;
	struct cell *cells;
	uint64_t n = map_nr_blocks(m), rows;
	unsigned int width, legend_y, height, labels_end;
	struct strbuf body = {0};

	map_geometry(n, &g);
	cells = map_cells(m, n);
	if (!cells)
		return -ENOMEM;
	rows = map_rows(&g);
	width = g.x0 + g.cols * g.cw + 330;
	legend_y = g.y0 + (unsigned int)rows * g.pitch + 16;
	strbuf_addf(&body, "<text class=\"title\" x=\"10\" y=\"18\">");
	draw_xml_escape(&body, caption);
	strbuf_addf(&body,
		    "</text>\n<text class=\"tick\" x=\"10\" y=\"32\">%" PRIu64
		    " memory blocks of %" PRIu64 " MiB, %u per row</text>\n",
		    n, m->kernel->block_size >> 20, g.cols);
	emit_axes(m, &g, &body);
	strbuf_add(&body, "<g class=\"cells\">\n");
	emit_cells(m, cells, &g, &body);
	emit_grid(&g, &body);
	strbuf_add(&body, "</g>\n<g class=\"nodes\">\n");
	node_patterns(&g, &body);
	emit_nodes(cells, &g, &body);
	strbuf_add(&body, "</g>\n<g class=\"outlines\">\n");
	emit_outlines(cells, &g, &body, true);
	emit_outlines(cells, &g, &body, false);
	strbuf_add(&body, "</g>\n");
	labels_end = emit_device_labels(m, &g, &body) + 8;
	if (legend_y < labels_end)
		legend_y = labels_end;
	height = emit_legend(m, cells, &g, legend_y, &body) + 4;
	free(cells);
	strbuf_addf(sb,
		    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"memmap\" width=\"%u\" "
		    "height=\"%u\" viewBox=\"0 0 %u %u\" data-cols=\"%u\" data-x0=\"%u\" "
		    "data-y0=\"%u\" data-cw=\"%u\" data-ch=\"%u\" data-pitch=\"%u\" "
		    "data-blocks=\"%" PRIu64 "\">\n",
		    width, height, width, height, g.cols, g.x0, g.y0, g.cw, g.ch, g.pitch, n);
	strbuf_add(sb, svg_style);
	strbuf_addf(sb, "<rect width=\"%u\" height=\"%u\" fill=\"#fff\"/>\n", width, height);
	if (body.buf)
		strbuf_add(sb, body.buf);
	strbuf_add(sb, "</svg>\n");
	if (body.oom)
		sb->oom = true;
	strbuf_release(&body);
	if (gout)
		*gout = g;
	return strbuf_error(sb);
}

/* ---- the timeline ---------------------------------------------------------- */

struct tl_device {
	char *id;
	uint64_t size, requested;
};

struct tl_sample {
	char *what;
	uint64_t present[MAX_NUMNODES][MAX_NR_ZONES]; /* bytes */
	uint64_t movable, limit;		      /* bytes, all nodes */
	/* The sides as auto_movable_can_online_movable() weighs them: the
	 * dynamic groups' movable memory and the early kernel memory they
	 * need for it taken off. */
	uint64_t policy_movable, policy_limit;
	/* The same sides for each node, as the numa-aware check weighs them
	 * (auto_movable_can_online_movable(nid)). */
	uint64_t node_movable[MAX_NUMNODES], node_limit[MAX_NUMNODES];
	struct tl_device *devs;
	size_t nr_devs;
};

struct draw_timeline {
	struct tl_sample *s;
	size_t nr, cap;
	unsigned int ratio;
	bool numa_aware;
	int nr_nodes;
};

struct draw_timeline *draw_timeline_new(void)
{
	return calloc(1, sizeof(struct draw_timeline));
}

static void sample_release(struct tl_sample *s)
{
	for (size_t i = 0; i < s->nr_devs; i++)
		free(s->devs[i].id);
	free(s->devs);
	free(s->what);
}

void draw_timeline_free(struct draw_timeline *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nr; i++)
		sample_release(&t->s[i]);
	free(t->s);
	free(t);
}

static int sample_devices(const struct machine *m, struct tl_sample *s)
{
	struct machine_vmem_status *st = NULL;
	size_t nr = 0;
	int ret = machine_virtio_mem_status(m, &st, &nr);

	if (ret)
		return ret;
	s->devs = calloc(nr ? nr : 1, sizeof(*s->devs));
	if (!s->devs) {
		free(st);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nr; i++) {
		char name[32];

		s->devs[i].id = strdup(device_name(st[i].md, name, sizeof(name)));
		if (!s->devs[i].id) {
			free(st);
			return -ENOMEM;
		}
		s->devs[i].size = st[i].size;
		s->devs[i].requested = st[i].requested_size;
		s->nr_devs++;
	}
	free(st);
	return 0;
}

/* The movable side and the limit of one ratio check, in bytes; a check
 * that fails outright (the dynamic groups' shortfall takes all the early
 * kernel memory) has no limit left. */
static void check_sides(const struct auto_movable_ratio_check *c, uint64_t *movable,
			uint64_t *limit)
{
	*movable = c->movable_before * PAGE_SIZE;
	*limit = c->shortfall_exhausts_kernel ? 0 : c->limit * PAGE_SIZE;
}

/* What the policy compares for a block outside any group: all nodes, and
 * each node as the numa-aware check sees it. */
static void policy_sides(const struct kernel *k, struct tl_sample *s)
{
	struct auto_movable_stats node_stats[MAX_NUMNODES] = {{0}};
	struct auto_movable_ratio_check check = {0};
	int nr_nodes = k->nr_node_ids < MAX_NUMNODES ? k->nr_node_ids : MAX_NUMNODES;
	struct auto_movable_input in = {
	    .ratio = k->auto_movable_ratio,
	    .numa_aware = k->auto_movable_numa_aware,
	    .nid = NUMA_NO_NODE,
	    .nr_node_ids = nr_nodes,
	    .node_stats = node_stats,
	    .dynamic_groups = k->groups.dynamic,
	    .nr_dynamic_groups = k->groups.nr_dynamic,
	};

	for (int nid = 0; nid < nr_nodes; nid++)
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = &k->nodes[nid].zones[z];

			auto_movable_stats_account_zone(&node_stats[nid], (enum zone_type)z,
							zone->present_pages,
							zone->present_early_pages, zone->cma_pages);
		}
	auto_movable_can_online_movable(&in, NUMA_NO_NODE, 0, &check);
	check_sides(&check, &s->policy_movable, &s->policy_limit);
	for (int nid = 0; nid < nr_nodes; nid++) {
		in.nid = nid;
		auto_movable_can_online_movable(&in, nid, 0, &check);
		check_sides(&check, &s->node_movable[nid], &s->node_limit[nid]);
	}
}

int draw_timeline_sample(struct draw_timeline *t, const struct machine *m, const char *what)
{
	const struct kernel *k = m->kernel;
	struct auto_movable_stats am = {0};
	struct tl_sample s = {0};
	int ret;

	if (array_grow(&t->s, &t->cap, t->nr + 1, sizeof(*t->s)))
		return -ENOMEM;
	s.what = strdup(what);
	ret = s.what ? sample_devices(m, &s) : -ENOMEM;
	if (ret) {
		sample_release(&s);
		return ret;
	}
	for (int nid = 0; nid < k->nr_node_ids && nid < MAX_NUMNODES; nid++) {
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = &k->nodes[nid].zones[z];

			s.present[nid][z] = zone->present_pages * PAGE_SIZE;
			auto_movable_stats_account_zone(&am, (enum zone_type)z, zone->present_pages,
							zone->present_early_pages, zone->cma_pages);
		}
	}
	policy_sides(k, &s);
	s.movable = am.movable_pages * PAGE_SIZE;
	s.limit = am.kernel_early_pages * PAGE_SIZE / 100 * k->auto_movable_ratio;
	t->ratio = k->auto_movable_ratio;
	/* The parameter is writable: the nodes' chart once any sample had it. */
	t->numa_aware |= k->auto_movable_numa_aware;
	t->nr_nodes = k->nr_node_ids < MAX_NUMNODES ? k->nr_node_ids : MAX_NUMNODES;
	t->s[t->nr++] = s;
	return 0;
}

/* One line chart: series of values per sample, stacked under the last. */
struct tl_series {
	const char *name;
	const char *colour;
	bool dashed;
	uint64_t (*value)(const struct tl_sample *s, const void *arg);
	const void *arg;
};

#define TL_X0	   70u
#define TL_STEP_W  28u
#define TL_CHART_H 150u

static double chart_max(const struct draw_timeline *t, const struct tl_series *sr, size_t nr)
{
	uint64_t max = 0;

	for (size_t i = 0; i < nr; i++)
		for (size_t j = 0; j < t->nr; j++) {
			uint64_t v = sr[i].value(&t->s[j], sr[i].arg);

			if (v > max)
				max = v;
		}
	return max ? max / GIB : 1.0;
}

static unsigned int emit_chart(const struct draw_timeline *t, const char *title,
			       const struct tl_series *sr, size_t nr, unsigned int y,
			       struct strbuf *sb)
{
	double max = chart_max(t, sr, nr) * 1.1;
	unsigned int w = (unsigned int)(t->nr > 1 ? t->nr - 1 : 1) * TL_STEP_W;
	unsigned int top = y + 20, bottom = top + TL_CHART_H;

	strbuf_addf(sb, "<text class=\"title\" x=\"10\" y=\"%u\">", y + 12);
	draw_xml_escape(sb, title);
	strbuf_addf(sb,
		    "</text>\n<line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" stroke=\"#444\"/>"
		    "<line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" stroke=\"#444\"/>\n"
		    "<text class=\"axis\" x=\"10\" y=\"%u\">GiB</text>\n",
		    TL_X0, top, TL_X0, bottom, TL_X0, bottom, TL_X0 + w, bottom, top + 10);
	for (int i = 0; i <= 4; i++) {
		unsigned int ty = bottom - (unsigned int)(i * TL_CHART_H / 4);

		strbuf_addf(sb,
			    "<text class=\"tick\" x=\"%u\" y=\"%u\" text-anchor=\"end\">%.2f</text>"
			    "<line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" stroke=\"#ddd\"/>\n",
			    TL_X0 - 4, ty + 3, max * i / 4, TL_X0 + 1, ty, TL_X0 + w, ty);
	}
	/* Sample 0 is the boot, sample j step j - 1: the steps' own numbers. */
	for (size_t j = 0; j < t->nr; j++) {
		char tick[24] = "boot";

		if (j)
			snprintf(tick, sizeof(tick), "%zu", j - 1);
		strbuf_addf(
		    sb, "<text class=\"tick\" x=\"%u\" y=\"%u\" text-anchor=\"middle\">%s</text>\n",
		    TL_X0 + (unsigned int)j * TL_STEP_W, bottom + 12, tick);
	}
	for (size_t i = 0; i < nr; i++) {
		strbuf_addf(sb,
			    "<polyline class=\"series\" fill=\"none\" stroke=\"%s\" "
			    "stroke-width=\"2\"%s data-bytes=\"",
			    sr[i].colour, sr[i].dashed ? " stroke-dasharray=\"5 3\"" : "");
		/* The exact values, for tests and tools: the points are rounded. */
		for (size_t j = 0; j < t->nr; j++)
			strbuf_addf(sb, "%s%" PRIu64, j ? " " : "",
				    sr[i].value(&t->s[j], sr[i].arg));
		strbuf_add(sb, "\" points=\"");
		for (size_t j = 0; j < t->nr; j++) {
			double v = sr[i].value(&t->s[j], sr[i].arg) / GIB;

			strbuf_addf(sb, "%s%u,%.1f", j ? " " : "",
				    TL_X0 + (unsigned int)j * TL_STEP_W,
				    bottom - v / max * TL_CHART_H);
		}
		strbuf_add(sb, "\"><title>");
		draw_xml_escape(sb, sr[i].name);
		strbuf_add(sb, "</title></polyline>\n");
		strbuf_addf(sb,
			    "<line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" stroke=\"%s\" "
			    "stroke-width=\"2\"%s/>"
			    "<text class=\"tick\" x=\"%u\" y=\"%u\">",
			    TL_X0 + w + 20, top + 6 + (unsigned int)i * 14, TL_X0 + w + 40,
			    top + 6 + (unsigned int)i * 14, sr[i].colour,
			    sr[i].dashed ? " stroke-dasharray=\"5 3\"" : "", TL_X0 + w + 44,
			    top + 10 + (unsigned int)i * 14);
		draw_xml_escape(sb, sr[i].name);
		strbuf_add(sb, "</text>\n");
	}
	if (!nr)
		strbuf_addf(sb, "<text class=\"tick\" x=\"%u\" y=\"%u\">(none)</text>\n",
			    TL_X0 + 10, top + 20);
	return bottom + 30 + (nr * 14 > TL_CHART_H ? (unsigned int)nr * 14 - TL_CHART_H : 0);
}

struct zone_key {
	int nid, zone;
};

static uint64_t zone_value(const struct tl_sample *s, const void *arg)
{
	const struct zone_key *k = arg;

	return s->present[k->nid][k->zone];
}

static uint64_t movable_value(const struct tl_sample *s, const void *arg)
{
	(void)arg;
	return s->movable;
}

static uint64_t limit_value(const struct tl_sample *s, const void *arg)
{
	(void)arg;
	return s->limit;
}

static uint64_t policy_movable_value(const struct tl_sample *s, const void *arg)
{
	(void)arg;
	return s->policy_movable;
}

static uint64_t policy_limit_value(const struct tl_sample *s, const void *arg)
{
	(void)arg;
	return s->policy_limit;
}

static uint64_t node_movable_value(const struct tl_sample *s, const void *arg)
{
	return s->node_movable[*(const int *)arg];
}

static uint64_t node_limit_value(const struct tl_sample *s, const void *arg)
{
	return s->node_limit[*(const int *)arg];
}

struct dev_key {
	const char *id;
	bool requested;
};

static uint64_t dev_value(const struct tl_sample *s, const void *arg)
{
	const struct dev_key *k = arg;

	for (size_t i = 0; i < s->nr_devs; i++)
		if (!strcmp(s->devs[i].id, k->id))
			return k->requested ? s->devs[i].requested : s->devs[i].size;
	return 0;
}

/* The zones with memory at some sample, one series each. */
static size_t zone_series(const struct draw_timeline *t, struct tl_series *sr,
			  struct zone_key *keys, char (*names)[32], size_t max)
{
	static const char *const zn[MAX_NR_ZONES] = {"DMA", "DMA32", "Normal", "Movable"};
	static const enum draw_kind zk[MAX_NR_ZONES] = {DRAW_DMA, DRAW_DMA32, DRAW_NORMAL,
							DRAW_MOVABLE};
	size_t nr = 0;

	for (int nid = 0; nid < t->nr_nodes; nid++)
		for (int z = 0; z < MAX_NR_ZONES && nr < max; z++) {
			bool any = false;

			for (size_t j = 0; j < t->nr; j++)
				any |= t->s[j].present[nid][z] != 0;
			if (!any)
				continue;
			keys[nr] = (struct zone_key){nid, z};
			snprintf(names[nr], sizeof(names[nr]), "node %d %s", nid, zn[z]);
			sr[nr] = (struct tl_series){.name = names[nr],
						    .colour = draw_kind_colour(zk[z]),
						    .dashed = nid % 2 == 1,
						    .value = zone_value,
						    .arg = &keys[nr]};
			nr++;
		}
	return nr;
}

/* Each node's MOVABLE and limit, two series a node. */
static size_t node_series(const struct draw_timeline *t, struct tl_series *sr, int *nids,
			  char (*names)[64], size_t max)
{
	size_t nr = 0;

	for (int nid = 0; nid < t->nr_nodes && nr + 2 <= max; nid++) {
		const char *colour = node_colours[nid % (int)NR_NODE_COLOURS];
		int *key = &nids[nr / 2];

		*key = nid;
		snprintf(names[nr], sizeof(names[nr]), "node %d MOVABLE", nid);
		sr[nr] = (struct tl_series){
		    .name = names[nr], .colour = colour, .value = node_movable_value, .arg = key};
		nr++;
		snprintf(names[nr], sizeof(names[nr]), "node %d limit: %u%% of its KERNEL_EARLY",
			 nid, t->ratio);
		sr[nr] = (struct tl_series){.name = names[nr],
					    .colour = colour,
					    .dashed = true,
					    .value = node_limit_value,
					    .arg = key};
		nr++;
	}
	return nr;
}

static const char *const dev_colours[] = {"#1f618d", "#b03a2e", "#117a65",
					  "#7d6608", "#6c3483", "#a04000"};

/* The virtio-mem devices seen at some sample, two series each. */
static size_t dev_series(const struct draw_timeline *t, struct tl_series *sr, struct dev_key *keys,
			 char (*names)[64], size_t max)
{
	size_t nr = 0;

	for (size_t j = 0; j < t->nr; j++)
		for (size_t d = 0; d < t->s[j].nr_devs && nr + 2 <= max; d++) {
			const char *id = t->s[j].devs[d].id;
			const char *colour = dev_colours[(nr / 2) % 6];
			bool seen = false;

			for (size_t i = 0; i < nr; i++)
				seen |= !strcmp(keys[i].id, id);
			if (seen)
				continue;
			for (int r = 0; r < 2; r++) {
				keys[nr] = (struct dev_key){id, r == 1};
				snprintf(names[nr], sizeof(names[nr]), "%.40s %s", id,
					 r ? "requested-size" : "size (plugged)");
				sr[nr] = (struct tl_series){.name = names[nr],
							    .colour = colour,
							    .dashed = r == 1,
							    .value = dev_value,
							    .arg = &keys[nr]};
				nr++;
			}
		}
	return nr;
}

#define TL_MAX_SERIES 32

int draw_timeline_svg(const struct draw_timeline *t, const char *caption, struct strbuf *sb)
{
	struct tl_series sr[TL_MAX_SERIES];
	struct zone_key zkeys[TL_MAX_SERIES];
	struct dev_key dkeys[TL_MAX_SERIES];
	int nids[TL_MAX_SERIES];
	char znames[TL_MAX_SERIES][32], dnames[TL_MAX_SERIES][64], limit[64];
	unsigned int y = 30, width = TL_X0 + (unsigned int)(t->nr ? t->nr : 1) * TL_STEP_W + 260;
	struct strbuf body = {0};
	size_t nr;

	strbuf_add(&body, "<text class=\"title\" x=\"10\" y=\"18\">");
	draw_xml_escape(&body, caption);
	strbuf_add(&body, "</text>\n");
	nr = zone_series(t, sr, zkeys, znames, TL_MAX_SERIES);
	y = emit_chart(t, "present memory per zone and node", sr, nr, y, &body);
	snprintf(limit, sizeof(limit), "limit: %u%% of KERNEL_EARLY", t->ratio);
	sr[0] = (struct tl_series){
	    .name = "MOVABLE (all nodes)", .colour = DRAW_COLOUR_MOVABLE, .value = movable_value};
	sr[1] = (struct tl_series){
	    .name = limit, .colour = "#c0392b", .dashed = true, .value = limit_value};
	sr[2] = (struct tl_series){.name = "MOVABLE outside dynamic groups",
				   .colour = "#7e5109",
				   .value = policy_movable_value};
	sr[3] = (struct tl_series){.name = "limit less dynamic groups' kernel needs",
				   .colour = "#922b21",
				   .dashed = true,
				   .value = policy_limit_value};
	y = emit_chart(t, "auto-movable (all nodes): MOVABLE against ratio x KERNEL_EARLY / 100",
		       sr, 4, y, &body);
	/* auto_movable_numa_aware: the block's node must fit its own ratio too
	 * (auto_movable_zone_for_pfn()'s second check). */
	if (t->numa_aware && t->nr_nodes > 1) {
		nr = node_series(t, sr, nids, dnames, TL_MAX_SERIES);
		y = emit_chart(t,
			       "auto-movable per node (numa-aware): MOVABLE outside dynamic groups "
			       "against the node's limit",
			       sr, nr, y, &body);
	}
	nr = dev_series(t, sr, dkeys, dnames, TL_MAX_SERIES);
	y = emit_chart(t, "virtio-mem: requested-size and plugged size", sr, nr, y, &body);
	strbuf_addf(&body, "<text class=\"axis\" x=\"10\" y=\"%u\">steps:</text>\n", y);
	for (size_t j = 0; j < t->nr; j++) {
		strbuf_addf(&body, "<text class=\"tick\" x=\"10\" y=\"%u\">",
			    y + 14 + (unsigned int)j * 12);
		if (j)
			strbuf_addf(&body, "%zu: ", j - 1);
		draw_xml_escape(&body, t->s[j].what);
		strbuf_add(&body, "</text>\n");
	}
	y += 20 + (unsigned int)t->nr * 12;
	/* Wide enough for the step lines (about 6 px a character), within reason. */
	for (size_t j = 0; j < t->nr; j++) {
		size_t w = 40 + strlen(t->s[j].what) * 6;

		if (w > width)
			width = w < 2400 ? (unsigned int)w : 2400;
	}
	if (width < 700)
		width = 700;
	strbuf_addf(sb,
		    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"%u\" "
		    "height=\"%u\" viewBox=\"0 0 %u %u\">\n",
		    width, y, width, y);
	strbuf_add(sb, svg_style);
	strbuf_addf(sb, "<rect width=\"%u\" height=\"%u\" fill=\"#fff\"/>\n", width, y);
	if (body.buf)
		strbuf_add(sb, body.buf);
	strbuf_add(sb, "</svg>\n");
	if (body.oom)
		sb->oom = true;
	strbuf_release(&body);
	return strbuf_error(sb);
}
