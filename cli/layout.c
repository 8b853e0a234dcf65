#include "layout.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <libsmartcols/libsmartcols.h>
#include <stdlib.h>
#include <string.h>

#include "memhp/memhp.h"

enum column {
	COL_RANGE,
	COL_SIZE,
	COL_STATE,
	COL_BLOCK,
	COL_NODE,
	COL_ZONE,
	NR_COLUMNS,
};

static const struct {
	const char *name;
	double whint;
	int flags;
} columns[NR_COLUMNS] = {
	[COL_RANGE] = {"RANGE", 0, 0},
	[COL_SIZE] = {"SIZE", 5, SCOLS_FL_RIGHT},
	[COL_STATE] = {"STATE", 0, SCOLS_FL_RIGHT},
	[COL_BLOCK] = {"BLOCK", 0, SCOLS_FL_RIGHT},
	[COL_NODE] = {"NODE", 0, SCOLS_FL_RIGHT},
	[COL_ZONE] = {"ZONE", 0, SCOLS_FL_RIGHT},
};

struct range {
	bool used;
	struct memhp_block_info first, last;
};

struct layout {
	struct libscols_table *tb;
	struct range cur;
	int error;
};

static void human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTPE";
	int u = 0;
	double v = (double)bytes;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%" PRIu64 "%c", (uint64_t)v, units[u]);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
}

static int emit(struct layout *l)
{
	const struct range *r = &l->cur;
	struct libscols_line *ln;
	char buf[128];

	if (!r->used)
		return 0;
	ln = scols_table_new_line(l->tb, NULL);
	if (!ln)
		return -ENOMEM;
	snprintf(buf, sizeof(buf), "0x%016" PRIx64 "-0x%016" PRIx64, r->first.start,
		 r->last.start + r->last.size - 1);
	scols_line_set_data(ln, COL_RANGE, buf);
	human_size(r->last.start + r->last.size - r->first.start, buf, sizeof(buf));
	scols_line_set_data(ln, COL_SIZE, buf);
	scols_line_set_data(ln, COL_STATE, r->first.state);
	if (r->first.id == r->last.id)
		snprintf(buf, sizeof(buf), "%" PRIu64, r->first.id);
	else
		snprintf(buf, sizeof(buf), "%" PRIu64 "-%" PRIu64, r->first.id, r->last.id);
	scols_line_set_data(ln, COL_BLOCK, buf);
	snprintf(buf, sizeof(buf), "%d", r->first.node);
	scols_line_set_data(ln, COL_NODE, buf);
	scols_line_set_data(ln, COL_ZONE, r->first.zone ? r->first.zone : "-");
	return 0;
}

static bool same_range(const struct range *r, const struct memhp_block_info *b)
{
	const char *z1 = r->last.zone ? r->last.zone : "", *z2 = b->zone ? b->zone : "";

	return r->used && r->last.id + 1 == b->id && !strcmp(r->last.state, b->state) &&
	       !strcmp(z1, z2) && r->last.node == b->node;
}

static int add_block(const struct memhp_block_info *b, void *arg)
{
	struct layout *l = arg;
	int ret;

	if (same_range(&l->cur, b)) {
		l->cur.last = *b;
		return 0;
	}
	ret = emit(l);
	l->cur.used = true;
	l->cur.first = l->cur.last = *b;
	return ret;
}

int print_layout(const struct memhp_run *run, FILE *out)
{
	struct layout l = {.tb = scols_new_table()};
	int ret;

	if (!l.tb)
		return -ENOMEM;
	scols_table_set_stream(l.tb, out);
	for (int i = 0; i < NR_COLUMNS; i++)
		if (!scols_table_new_column(l.tb, columns[i].name, columns[i].whint, columns[i].flags)) {
			scols_unref_table(l.tb);
			return -ENOMEM;
		}
	ret = memhp_run_for_each_block(run, add_block, &l);
	if (!ret)
		ret = emit(&l);
	if (!ret)
		scols_print_table(l.tb);
	scols_unref_table(l.tb);
	return ret;
}
