#include "runner.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "run_json.h"
#include "scenario.h"

struct runner {
	const struct runner_options *opts;
	const struct backend_ops *ops;
	void *ctx;
	struct json_object *steps, *snapshots;
	bool step_errors;
};

int runner_step(const struct backend_ops *ops, void *ctx, struct backend_step *s)
{
	switch (s->st->kind) {
	case STEP_HOST:
		return ops->host(ctx, s);
	case STEP_GUEST:
		return ops->guest(ctx, s);
	case STEP_SETTLE:
		return ops->settle(ctx, s);
	case STEP_SNAPSHOT:
		json_object_object_add(s->o, "label", json_object_new_string(s->st->arg));
		return ops->snapshot(ctx, s);
	case STEP_SLEEP:
		return ops->sleep(ctx, s);
	}
	return 0;
}

static bool checking(const struct runner *r)
{
	return r->opts->check && r->ops->check;
}

/* The invariants after step s (or boot): a violation ends the run, and
 * the step that broke them says so. */
static int check_step(struct runner *r, struct backend_step *s, const char *err)
{
	int ret = checking(r) ? r->ops->check(r->ctx, s) : 0;

	if (ret && s)
		json_object_object_add(s->o, "error", json_object_new_string(err));
	return ret;
}

static void progress(const struct runner *r, const struct scenario_step *st)
{
	char msg[512];

	if (!r->opts->progress)
		return;
	snprintf(msg, sizeof(msg), "line %d: %s", st->lineno, st->line);
	r->opts->progress(r->opts->progress_ctx, msg);
}

static bool stops_here(const struct runner *r, const struct scenario_step *st)
{
	return r->opts->stop_after && st->kind == STEP_SNAPSHOT &&
	       !strcmp(st->arg, r->opts->stop_after);
}

/* The steps in order until one fails or the stop_after snapshot. */
static int run_steps(struct runner *r, const struct scenario *sc, const char *err)
{
	int ret = 0;

	for (size_t i = 0; i < sc->nr_steps && !ret; i++) {
		struct backend_step s = {.st = &sc->steps[i], .index = (int)i};

		s.o = run_step_json(s.st, s.index);
		progress(r, s.st);
		ret = runner_step(r->ops, r->ctx, &s);
		if (!ret)
			ret = check_step(r, &s, err);
		json_object_array_add(r->steps, s.o);
		if (s.snapshot)
			json_object_array_add(r->snapshots, s.snapshot);
		r->step_errors |= s.failed;
		if (r->ops->step_done)
			r->ops->step_done(r->ctx, s.index);
		if (stops_here(r, s.st))
			break;
	}
	return ret;
}

static struct json_object *envelope(const struct scenario *sc, const struct runner_options *opts,
				    const struct backend_ops *ops)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "scenario", json_object_new_string(sc->name));
	json_object_object_add(o, "kernel",
			       json_object_new_string(memhp_kernel_name(opts->version)));
	json_object_object_add(o, "backend", json_object_new_string(ops->name));
	return o;
}

static const char *status(const struct runner *r, int ret)
{
	return ret ? "error" : r->step_errors ? "step-errors" : "ok";
}

int runner_run(const struct scenario *sc, const struct runner_options *opts,
	       const struct backend_ops *ops, void *ctx, struct json_object **result, char *err,
	       size_t errlen)
{
	struct runner r = {.opts = opts, .ops = ops, .ctx = ctx};
	struct json_object *o = envelope(sc, opts, ops);
	int ret;

	err[0] = '\0';
	r.steps = json_object_new_array();
	r.snapshots = json_object_new_array();
	ret = ops->boot(ctx, o);
	if (!ret)
		ret = check_step(&r, NULL, err);
	if (!ret)
		ret = run_steps(&r, sc, err);
	if (ops->finish)
		ops->finish(ctx, o);
	json_object_object_add(o, "status", json_object_new_string(status(&r, ret)));
	if (ret) {
		/* A backend that failed without a message still says why. */
		if (!err[0])
			snprintf(err, errlen, "%s", strerror(-ret));
		json_object_object_add(o, "error", json_object_new_string(err));
	}
	json_object_object_add(o, "steps", r.steps);
	json_object_object_add(o, "snapshots", r.snapshots);
	*result = o;
	return ret;
}
