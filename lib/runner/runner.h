/* One runner for every backend: the step loop and the result envelope of
 * the run JSON (scenario-format.md), over a backend that boots a machine
 * and carries out each kind of step. The model (run/scenario_run.c) and
 * the real kernel in QEMU (backend/qemu_backend.c) implement it; so can a
 * QMP server later. */
#ifndef MEMHP_RUNNER_H
#define MEMHP_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "memhp/kernel_version.h"

struct json_object;
struct scenario;
struct scenario_step;

/* One step as a backend carries it out. */
struct backend_step {
	const struct scenario_step *st;
	int index;
	/* The step's object of "steps", with its header (and a snapshot's
	 * "label") already in; the backend adds what the step returned. */
	struct json_object *o;
	/* Set by the backend: the step itself failed (a QMP error, a guest
	 * command's exit status or time-out), so the run has "step-errors". */
	bool failed;
	/* Snapshot steps: the snapshot object for "snapshots", which the
	 * runner takes over even when the step then fails. */
	struct json_object *snapshot;
};

/* Every hook returns 0, or -errno with the reason in the err buffer the
 * backend was set up with: that ends the run with status "error". */
struct backend_ops {
	const char *name; /* "backend" of the run JSON */
	/* Starts the machine; may add to the result (e.g. "boot_attempts"). */
	int (*boot)(void *ctx, struct json_object *result);
	int (*host)(void *ctx, struct backend_step *s);
	int (*guest)(void *ctx, struct backend_step *s);
	int (*settle)(void *ctx, struct backend_step *s);
	int (*snapshot)(void *ctx, struct backend_step *s);
	int (*sleep)(void *ctx, struct backend_step *s);
	/* Optional: called after every step, whatever its outcome. */
	void (*step_done)(void *ctx, int index);
	/* Optional, with runner_options.check: the machine's invariants after
	 * boot (s NULL) and after every step that did not end the run. 0, or
	 * -errno with the broken invariant in err, which ends the run. */
	int (*check)(void *ctx, const struct backend_step *s);
	/* Optional: called once after the last step (or a failed boot), before
	 * the status; shuts the machine down, may add to the result. */
	void (*finish)(void *ctx, struct json_object *result);
};

struct runner_options {
	enum memhp_kernel version;
	const char *stop_after;			      /* stop after this snapshot label, or NULL */
	bool check; /* call the backend's check after boot and every step */
	void (*progress)(void *ctx, const char *msg); /* "line N: ..." per step, or NULL */
	void *progress_ctx;
};

/* Carries out one step on the backend by its kind (a snapshot's "label"
 * goes into s->o first): the hook's return value. For drivers that make
 * up their steps as they go (memhp fuzz). */
int runner_step(const struct backend_ops *ops, void *ctx, struct backend_step *s);

/* Runs sc on the backend: boot, then every step in order until one
 * fails. *result always gets the run JSON (unless out of memory): the
 * envelope, "status" ("error" with an "error" message when boot or a step
 * failed, or a check found a broken invariant; that step gets the message
 * as its "error" too), "steps" and "snapshots". Returns 0 or the failure's -errno,
 * whose message stays in err. */
int runner_run(const struct scenario *sc, const struct runner_options *opts,
	       const struct backend_ops *ops, void *ctx, struct json_object **result, char *err,
	       size_t errlen);

#endif
