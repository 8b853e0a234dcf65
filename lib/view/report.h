/* memhp report: one self-contained HTML page of a run (inline CSS, JS and
 * SVG, nothing fetched): its steps, the memory map at each snapshot, the
 * timeline, and the explain text of any block clicked in a map. A view:
 * it reads the model and never changes it. */
#ifndef MEMHP_REPORT_H
#define MEMHP_REPORT_H

#include <stddef.h>
#include <stdint.h>

struct draw_timeline;
struct machine;
struct scenario;
struct zone_decision;

/* The explain text is precomputed for at most this many blocks per
 * snapshot (the first ones); the page names the command for the rest. */
#define REPORT_EXPLAIN_MAX 4096

struct report;

/* What the run saw of block id: the step that last onlined it
 * (SCENARIO_STEP_BOOT, SCENARIO_STEP_NONE) and the decision. */
typedef void (*report_trace_fn)(void *arg, uint64_t id, int *step, const struct zone_decision **d);

struct report *report_new(const struct scenario *sc);
void report_free(struct report *r);
/* Step index ran (error: its failure, or NULL). 0 or -ENOMEM. */
int report_add_step(struct report *r, int index, const char *kind, const char *line,
		    const char *error);
/* The map of m at snapshot label, with the explain text of its blocks.
 * 0 or -ENOMEM. */
int report_add_snapshot(struct report *r, const struct machine *m, const char *label,
			report_trace_fn trace, void *arg);
/* The page, malloc'd in *html. 0 or -ENOMEM. */
int report_finish(struct report *r, const struct draw_timeline *t, char **html);

#endif
