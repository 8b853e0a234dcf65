/* Running a scenario on the model: machine from qemu: lines, kernel from
 * kernel-cmdline: lines, then each step in order. The model is a backend
 * of the common runner (runner.h), like the real kernel in QEMU. */
#ifndef MEMHP_SCENARIO_RUN_H
#define MEMHP_SCENARIO_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memhp/kernel_version.h"
#include "online_policy.h"

struct scenario;
struct scenario_step;
struct machine;
struct json_object;
struct json_out;

struct guest_result;

/* What runs the guest lines the modelled shell (guest_shell.h) does not
 * know: the public struct memhp_guest_fallback (memhp.h) is this hook;
 * lib/fuse's real shell embeds it. run() carries out line on m within
 * timeout seconds (the step's guest[S]:, else the scenario's
 * guest-timeout:, else 60): 0 with *res filled (its rc may be non-zero),
 * -ETIMEDOUT when the command did not end even after being sent SIGINT at
 * the time-out (a step error, as on the QEMU backend), or another -errno
 * with the reason in err (the run stops). */
struct memhp_guest_fallback {
	int (*run)(struct memhp_guest_fallback *gf, struct machine *m, const char *line,
		   double timeout, struct guest_result *res, char *err, size_t errlen);
	/* The run on m is over (m lives on in the run's result, but nothing
	 * may be kept that a later run's machine at the same address would
	 * be taken for); or NULL. */
	void (*done)(struct memhp_guest_fallback *gf, struct machine *m);
};

/* What becomes of each snapshot's object of the run JSON. */
enum snapshot_json {
	SNAPSHOT_JSON_TREE,   /* built into the result's "snapshots" */
	SNAPSHOT_JSON_NONE,   /* not made: nobody reads it */
	SNAPSHOT_JSON_STREAM, /* written to snapshot_stream as it is taken */
};

struct scenario_run_options {
	enum memhp_kernel version;
	/* Check the machine's invariants (machine_check()) after boot and
	 * every step; a violation ends the run with status "error". Also on
	 * by default in debug and sanitizer builds, and with MEMHP_CHECK=1. */
	bool check;
	const char *sysroot_out; /* NULL: no trees */
	const char *stop_after;  /* stop after this snapshot label, or NULL */
	bool trace;              /* watch how trace_block gets onlined */
	uint64_t trace_block;
	/* Guest lines outside the modelled shell go there; NULL: they are
	 * refused before the run (scenario_check()). */
	struct memhp_guest_fallback *guest_fallback;
	/* SNAPSHOT_JSON_STREAM: the elements of "snapshots" as the run JSON's
	 * pretty printer writes them inside the result object (json_out.h),
	 * each after "\n" or ",\n"; the result's "snapshots" stays empty. */
	enum snapshot_json snapshot_json;
	struct json_out *snapshot_stream;
};


struct scenario_run {
	struct json_object *result; /* the run JSON of scenario-format.md */
	struct machine *machine;    /* the final state */
	int trace_step;             /* step that last onlined trace_block */
	struct zone_decision trace_decision; /* how it did */
};

/* Checks the scenario (up to `snapshot stop_after` if not NULL) against the
 * model before running anything: -EINVAL with "FILE:LINE: ..." in err for
 * what the model cannot run. */
int scenario_check(const struct scenario *sc, const char *stop_after, char *err, size_t errlen);

struct guest_syscalls;
struct kernel;
/* The system calls behind the guest's `load` on kernel k (the page
 * model's user memory): for guest_shell_run_sys(). */
void model_guest_syscalls(struct kernel *k, struct guest_syscalls *sys);

/* Runs it. A failure before the first step (bad QEMU options) returns
 * -EINVAL with "FILE:LINE: ..." in err and runs nothing. Step errors are
 * part of the result, not a failure of the run. */
int scenario_run(const struct scenario *sc, const struct scenario_run_options *opts,
		 struct scenario_run *run, char *err, size_t errlen);
void scenario_run_release(struct scenario_run *run);

/* Whether runs check invariants without being asked: the build's default
 * (debug and sanitizer builds do), overridden by MEMHP_CHECK=0 or 1. */
bool scenario_run_checks_by_default(void);

/* The model one step at a time, for a driver that makes up its steps as
 * it goes (memhp fuzz): the same backend hooks as scenario_run(), without
 * keeping the run JSON. */
struct model_session;

/* Boots the machine of sc's qemu: and kernel-cmdline: lines (its steps are
 * ignored) and checks the invariants. -EINVAL with "FILE:LINE: ..." in err
 * for options the model refuses, -EUCLEAN with the broken invariant in err
 * (the session is still made), or another -errno. */
int model_session_boot(const struct scenario *sc, enum memhp_kernel version,
		       struct model_session **out, char *err, size_t errlen);
/* model_session_boot(), with obs told of every zone decision and block
 * state change from boot on (memhp report's explain history). */
struct memory_observer;
int model_session_boot_observed(const struct scenario *sc, enum memhp_kernel version,
				const struct memory_observer *obs, struct model_session **out,
				char *err, size_t errlen);
/* Carries out st as step `index`, then checks the invariants. Errors the
 * guest or the host answered (QMP errors, failed writes) are results, not
 * failures: 0. -EUCLEAN with "invariant NAME: ..." in err, or the -errno
 * of a step that could not be carried out with "FILE:LINE: ..." in err. */
int model_session_step(struct model_session *ms, const struct scenario_step *st, int index,
		       char *err, size_t errlen);
struct machine *model_session_machine(const struct model_session *ms);
void model_session_free(struct model_session *ms);

#endif
