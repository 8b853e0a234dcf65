/* memhp draw: pictures of the model. The memory map of a machine (one cell
 * per memory block, coloured by zone, with devices, memory groups, nodes
 * and virtio-mem's partial plugging) and the timeline of a run (zones'
 * present memory, MOVABLE against the auto-movable limit, machine-wide
 * and, when the policy is numa-aware, per node; virtio-mem
 * sizes), as SVG. A view: it reads the model and never changes it. */
#ifndef MEMHP_DRAW_H
#define MEMHP_DRAW_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct strbuf;

/* One colour per zone, and for blocks without one: the SVG and the HTML
 * report share them (the report's CSS and its browser test read them). */
#define DRAW_COLOUR_DMA	    "#8e44ad"
#define DRAW_COLOUR_DMA32   "#2e86c1"
#define DRAW_COLOUR_NORMAL  "#28b463"
#define DRAW_COLOUR_MOVABLE "#e67e22"
/* An online block whose pages lie in more than one zone (memory0 on x86:
 * DMA and DMA32), which sysfs shows without a single zone. */
#define DRAW_COLOUR_MIXED   "#c39bd3"
#define DRAW_COLOUR_OFFLINE "#7f8c8d"
#define DRAW_COLOUR_ABSENT  "#eef1f2"

/* What a cell shows, in the legend's order. */
enum draw_kind {
	DRAW_DMA,
	DRAW_DMA32,
	DRAW_NORMAL,
	DRAW_MOVABLE,
	DRAW_MIXED,
	DRAW_OFFLINE,
	DRAW_ABSENT,
	DRAW_NR_KINDS,
};

const char *draw_kind_name(enum draw_kind k);
const char *draw_kind_colour(enum draw_kind k);

/* The map's geometry, for a page that maps a click back to a block. */
struct draw_geometry {
	uint64_t nr_blocks;  /* cells: block 0 up to the last block or device end */
	unsigned int cols;   /* cells per row */
	unsigned int x0, y0; /* the grid's top left corner */
	unsigned int cw, ch; /* a cell */
	unsigned int pitch;  /* from one row to the next (cell, node band, gap) */
};

/* The memory map of m as an SVG document (title: caption) appended to sb;
 * its size grows with the runs of identical cells, not with the blocks.
 * *g gets the geometry (may be NULL). 0 or -ENOMEM. */
int draw_map(const struct machine *m, const char *caption, struct strbuf *sb,
	     struct draw_geometry *g);

/* The timeline: one sample of the machine after boot and after each step. */
struct draw_timeline;

struct draw_timeline *draw_timeline_new(void);
void draw_timeline_free(struct draw_timeline *t);
/* Samples m after the step named `what` (a scenario line, or "boot").
 * 0 or -ENOMEM (the timeline is unchanged). */
int draw_timeline_sample(struct draw_timeline *t, const struct machine *m, const char *what);
/* The timeline as an SVG document appended to sb. 0 or -ENOMEM. */
int draw_timeline_svg(const struct draw_timeline *t, const char *caption, struct strbuf *sb);

/* s with &<>"' escaped for XML text and attributes. */
void draw_xml_escape(struct strbuf *sb, const char *s);

#endif
