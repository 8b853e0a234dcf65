/* memhp draw and memhp report over the model: runs the scenario and hands
 * the machine to the views (lib/view/draw.h, report.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "machine.h"
#include "memhp/memhp.h"
#include "online_policy.h"
#include "report.h"
#include "scenario.h"
#include "scenario_run.h"
#include "strbuf.h"

static int take(struct strbuf *sb, int ret, char **out)
{
	if (!ret && !sb->oom && !strbuf_detach(sb, out))
		return 0;
	strbuf_release(sb);
	return ret ? ret : -ENOMEM;
}

/* The map after FILE ran up to at_label, as memhp explain runs it. */
static int draw_map_file(const struct scenario *sc, const struct memhp_draw_options *o, char **svg,
			 char *err, size_t errlen)
{
	struct scenario_run_options ro = {.version = o->kernel, .stop_after = o->at_label};
	struct scenario_run run;
	struct strbuf sb = {0};
	char caption[512];
	int ret = scenario_run(sc, &ro, &run, err, errlen);

	if (ret || !run.machine) {
		scenario_run_release(&run);
		return ret ? ret : -EINVAL;
	}
	snprintf(caption, sizeof(caption), "%s %s%s", sc->path,
		 o->at_label ? "at snapshot " : "at the end", o->at_label ? o->at_label : "");
	ret = draw_map(run.machine, caption, &sb, NULL);
	scenario_run_release(&run);
	return take(&sb, ret, svg);
}

/* The history of zone decisions, by block id: the step that last onlined
 * each block and how, as memhp explain's trace records it for one. */
struct trace_entry {
	int step;
	struct zone_decision d;
};

struct walk {
	const struct scenario *sc;
	struct trace_entry *t;
	size_t nr;
	int step; /* the step running: SCENARIO_STEP_BOOT while booting */
	bool oom;
};

static void walk_decided(void *data, const struct memory_block *b, const struct zone_decision *d)
{
	struct walk *w = data;

	if (b->id >= w->nr) {
		size_t nr = b->id + 1 > 2 * w->nr ? b->id + 1 : 2 * w->nr;
		struct trace_entry *t = realloc(w->t, nr * sizeof(*t));

		if (!t) {
			w->oom = true;
			return;
		}
		for (size_t i = w->nr; i < nr; i++)
			t[i].step = SCENARIO_STEP_NONE;
		w->t = t;
		w->nr = nr;
	}
	w->t[b->id].step = w->step;
	w->t[b->id].d = *d;
}

static void walk_trace(void *arg, uint64_t id, int *step, const struct zone_decision **d)
{
	struct walk *w = arg;

	*step = id < w->nr ? w->t[id].step : SCENARIO_STEP_NONE;
	*d = id < w->nr ? &w->t[id].d : NULL;
}

/* Boots sc and carries out its steps one by one, sampling the timeline
 * after boot and each step and, with r, adding steps and snapshots to the
 * report. A step that breaks the run ends it (the page says so). */
static int walk_run(const struct scenario *sc, enum memhp_kernel kernel, struct draw_timeline *t,
		    struct report *r, char *err, size_t errlen)
{
	struct walk w = {.sc = sc, .step = SCENARIO_STEP_BOOT};
	struct memory_observer obs = {.zone_decided = walk_decided, .data = &w};
	struct model_session *ms = NULL;
	char why[1024];
	int ret = scenario_check(sc, NULL, err, errlen);

	if (!ret)
		ret = model_session_boot_observed(sc, kernel, &obs, &ms, err, errlen);
	if (!ret)
		ret = draw_timeline_sample(t, model_session_machine(ms), "boot");
	for (size_t i = 0; !ret && i < sc->nr_steps; i++) {
		const struct scenario_step *st = &sc->steps[i];
		int failed;

		w.step = (int)i;
		failed = model_session_step(ms, st, (int)i, why, sizeof(why));
		if (r)
			ret = report_add_step(r, (int)i, scenario_step_kind_name(st->kind),
					      st->line, failed ? why : NULL);
		if (!ret && !failed)
			ret = draw_timeline_sample(t, model_session_machine(ms), st->line);
		if (!ret && !failed && r && st->kind == STEP_SNAPSHOT)
			ret = report_add_snapshot(r, model_session_machine(ms), st->arg, walk_trace,
						  &w);
		if (failed)
			break;
	}
	if (!ret && w.oom)
		ret = -ENOMEM;
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", sc->path);
	model_session_free(ms);
	free(w.t);
	return ret;
}

static int draw_timeline_file(const struct scenario *sc, const struct memhp_draw_options *o,
			      char **svg, char *err, size_t errlen)
{
	struct draw_timeline *t = draw_timeline_new();
	struct strbuf sb = {0};
	int ret = t ? walk_run(sc, o->kernel, t, NULL, err, errlen) : -ENOMEM;

	if (!ret)
		ret = draw_timeline_svg(t, sc->path, &sb);
	draw_timeline_free(t);
	return take(&sb, ret, svg);
}

int memhp_draw_file(const char *path, const struct memhp_draw_options *opts, char **svg, char *err,
		    size_t errlen)
{
	struct scenario *sc;
	int ret;

	*svg = NULL;
	ret = scenario_parse_file(path, &sc, err, errlen);
	if (ret)
		return ret;
	ret = opts->timeline ? draw_timeline_file(sc, opts, svg, err, errlen)
			     : draw_map_file(sc, opts, svg, err, errlen);
	scenario_free(sc);
	return ret;
}

int memhp_report_file(const char *path, enum memhp_kernel kernel, char **html, char *err,
		      size_t errlen)
{
	struct draw_timeline *t;
	struct scenario *sc;
	struct report *r;
	int ret;

	*html = NULL;
	ret = scenario_parse_file(path, &sc, err, errlen);
	if (ret)
		return ret;
	t = draw_timeline_new();
	r = report_new(sc);
	ret = t && r ? walk_run(sc, kernel, t, r, err, errlen) : -ENOMEM;
	if (!ret)
		ret = report_finish(r, t, html);
	report_free(r);
	draw_timeline_free(t);
	scenario_free(sc);
	return ret;
}
