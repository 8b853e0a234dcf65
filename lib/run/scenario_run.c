#include "scenario_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "guest_shell.h"
#include "machine.h"
#include "qmp.h"
#include "run_json.h"
#include "runner.h"
#include "scenario.h"
#include "json_out.h"
#include "snapshot.h"
#include "strbuf.h"
#include "sysfs.h"

/* Every guest line inside the shell's supported set, so that a run never
 * stops halfway on a command the model cannot run; with stop_after, only
 * the lines up to that snapshot, which are all that will run (memhp exec
 * --at a label before a step only the real guest can do). 0, -ENOMEM, or
 * -EINVAL with "FILE:LINE: guest command not supported: ..." in err. */
int scenario_check(const struct scenario *sc, const char *stop_after, char *err, size_t errlen)
{
	for (size_t i = 0; i < sc->nr_steps; i++) {
		const struct scenario_step *s = &sc->steps[i];
		char *why;
		int ret;

		if (stop_after && s->kind == STEP_SNAPSHOT && !strcmp(s->arg, stop_after))
			break;
		if (s->kind != STEP_GUEST)
			continue;
		ret = guest_shell_check(s->arg, &why);
		if (ret == -EOPNOTSUPP) {
			snprintf(err, errlen, "%s:%d: %s", sc->path, s->lineno, why);
			free(why);
			return -EINVAL;
		}
		if (ret)
			return ret;
	}
	return 0;
}

/* --at LABEL must name a snapshot of the file. */
static int check_label(const struct scenario *sc, const char *label, char *err, size_t errlen)
{
	struct strbuf labels = {0};

	for (size_t i = 0; i < sc->nr_steps; i++) {
		if (sc->steps[i].kind != STEP_SNAPSHOT)
			continue;
		if (!strcmp(sc->steps[i].arg, label)) {
			strbuf_release(&labels);
			return 0;
		}
		strbuf_addf(&labels, " %s", sc->steps[i].arg);
	}
	snprintf(err, errlen, "%s: no 'snapshot %s' in the scenario; its snapshots:%s", sc->path,
		 label, labels.len ? labels.buf : " none");
	strbuf_release(&labels);
	return -EINVAL;
}

/* ---- the model as a backend of the runner ---- */

struct model {
	const struct scenario *sc;
	const struct scenario_run_options *opts;
	struct machine *m;
	char *err;
	size_t errlen;
	/* memhp explain's watch on opts->trace_block: */
	struct memory_observer watch;
	bool onlined;			/* since the last step ended */
	struct zone_decision decision;	/* of its last online */
	int trace_step;			/* the step that last onlined it */
	int nr_streamed;		/* snapshots written to snapshot_stream */
	struct sysroot_trees trees;	/* under opts->sysroot_out */
};

/* The kernel tells the watch of every online as it happens. */
static void watch_zone_decided(void *data, const struct memory_block *b,
			       const struct zone_decision *d)
{
	struct model *md = data;

	if (b->id != md->opts->trace_block)
		return;
	md->onlined = true;
	md->decision = *d;
}

/* After boot and after every step (the runner's step_done): an online seen
 * since the last call belongs to this step. */
static void model_watch(struct model *md, int step)
{
	if (md->onlined)
		md->trace_step = step;
	md->onlined = false;
}

/* machine_create()'s refusal as "FILE:LINE: qemu: ..." for the option it
 * names. */
static int boot_failed(struct model *md, int ret, size_t bad, const char *why)
{
	const struct scenario *sc = md->sc;
	int line;

	if (ret != -EINVAL) {
		snprintf(md->err, md->errlen, "%s: cannot boot the machine: %s", sc->path,
			 strerror(-ret));
		return ret;
	}
	line = sc->qemu_argc ? sc->qemu_arg_lineno[bad < sc->qemu_argc ? bad : 0] : 0;
	if (line)
		snprintf(md->err, md->errlen, "%s:%d: qemu: %s", sc->path, line, why);
	else
		snprintf(md->err, md->errlen, "%s: qemu: %s", sc->path, why);
	return ret;
}

/* The machine from the qemu: lines, the kernel from kernel-cmdline:. */
static int model_boot(void *ctx, struct json_object *result)
{
	struct model *md = ctx;
	const struct scenario *sc = md->sc;
	struct machine_config cfg = {
	    .version = md->opts->version,
	    .qemu_argv = sc->qemu_argv,
	    .qemu_argc = sc->qemu_argc,
	    .kernel_cmdline = sc->kernel_cmdline,
	    .observer = md->opts->trace ? &md->watch : NULL,
	};
	char why[512] = "";
	size_t bad = 0;
	int ret = machine_create(&cfg, &md->m, &bad, why, sizeof(why));

	(void)result;
	if (ret)
		return boot_failed(md, ret, bad, why);
	model_watch(md, SCENARIO_STEP_BOOT);
	return 0;
}

/* The guest handles the ACPI notifications the host queued (the kernel's
 * acpi_os_execute() work); 0 or -errno with the reason in err. */
static int run_pending(struct model *md, const struct backend_step *s)
{
	int ret = machine_run_pending(md->m);

	if (ret >= 0)
		return 0;
	snprintf(md->err, md->errlen, "%s:%d: the guest's ACPI hotplug work failed: %s",
		 md->sc->path, s->st->lineno, strerror(-ret));
	return ret;
}

static int step_failed(struct model *md, const struct backend_step *s, const char *what, int ret)
{
	snprintf(md->err, md->errlen, "%s:%d: %s: %s", md->sc->path, s->st->lineno, what,
		 strerror(-ret));
	return ret;
}

static int model_host(void *ctx, struct backend_step *s)
{
	struct model *md = ctx;
	/* Parsed once, when the scenario was read (json-c's own parser). */
	struct json_object *cmd = s->st->cmd ? json_object_get(s->st->cmd)
					     : json_tokener_parse(s->st->arg),
			   *reply;

	reply = qmp_execute(md->m->vm, cmd);
	json_object_put(cmd);
	if (!reply)
		return step_failed(md, s, "QMP", -ENOMEM);
	s->failed = json_object_object_get_ex(reply, "error", NULL);
	json_object_object_add(s->o, "response", reply);
	return 0;
}

/* The kernel side of the guest's `load` (guest/load.c): its memory is
 * the kernel's user memory of one kind. */
static int model_load(void *ctx, enum guest_load_kind kind, const char *name, uint64_t bytes,
		      int nid)
{
	static const enum user_mem_type types[] = {
	    [GUEST_LOAD_MOVABLE] = USER_MEM_MOVABLE,
	    [GUEST_LOAD_UNMOVABLE] = USER_MEM_UNMOVABLE,
	    [GUEST_LOAD_PIN] = USER_MEM_PIN,
	    [GUEST_LOAD_HUGETLB] = USER_MEM_HUGETLB,
	};

	return user_mem_alloc(ctx, name, types[kind], bytes >> PAGE_SHIFT, nid);
}

static int model_load_free(void *ctx, const char *name)
{
	return user_mem_free(ctx, name);
}

void model_guest_syscalls(struct kernel *k, struct guest_syscalls *sys)
{
	*sys = (struct guest_syscalls){.load = model_load, .load_free = model_load_free, .ctx = k};
}

/* The QEMU backend's time-out for a guest command without one of its
 * own (qemu_backend.c). */
#define DEFAULT_GUEST_TIMEOUT 60.0

static double guest_timeout(const struct model *md, const struct scenario_step *st)
{
	if (st->seconds > 0)
		return st->seconds;
	return md->sc->guest_timeout > 0 ? md->sc->guest_timeout : DEFAULT_GUEST_TIMEOUT;
}

/* A line the modelled shell does not know, run by the fallback (a real
 * sh over the model's FUSE tree): recorded as the modelled shell's are. A
 * command that outlived its time-out and SIGINT is a step error, as the
 * QEMU backend records it. */
static int fallback_guest(struct model *md, struct backend_step *s)
{
	struct guest_result res = {0};
	double timeout = guest_timeout(md, s->st);
	char why[768] = "";
	int ret = md->opts->guest_fallback->run(md->opts->guest_fallback, md->m, s->st->arg,
						timeout, &res, why, sizeof(why));

	if (ret == -ETIMEDOUT) {
		snprintf(why, sizeof(why), "timed out after %g s", timeout);
		s->failed = true;
		json_object_object_add(s->o, "rc", NULL);
		json_object_object_add(s->o, "error", json_object_new_string(why));
		guest_result_free(&res);
		return 0;
	}
	if (ret) {
		snprintf(md->err, md->errlen, "%s:%d: %s", md->sc->path, s->st->lineno,
			 why[0] ? why : strerror(-ret));
		guest_result_free(&res);
		return ret;
	}
	s->failed = res.rc != 0;
	json_object_object_add(s->o, "rc", json_object_new_int(res.rc));
	json_object_object_add(s->o, "stdout", json_object_new_string(res.out ? res.out : ""));
	json_object_object_add(s->o, "stderr", json_object_new_string(res.err ? res.err : ""));
	guest_result_free(&res);
	return 0;
}

static int model_guest(void *ctx, struct backend_step *s)
{
	struct model *md = ctx;
	struct guest_result res = {0};
	struct guest_syscalls sys;
	struct vfs fs;
	int ret;

	/* The guest has had time to handle ACPI notifications by now. */
	ret = run_pending(md, s);
	if (ret)
		return ret;
	kernel_sysfs(md->m->kernel, &fs);
	model_guest_syscalls(md->m->kernel, &sys);
	ret = guest_shell_run_sys(&fs, &sys, s->st->arg, &res);
	if (ret == -EOPNOTSUPP && md->opts->guest_fallback) {
		guest_result_free(&res);
		return fallback_guest(md, s);
	}
	if (ret && ret != -EOPNOTSUPP)
		return step_failed(md, s, "guest command", ret);
	s->failed = res.rc != 0;
	json_object_object_add(s->o, "rc", json_object_new_int(res.rc));
	json_object_object_add(s->o, "stdout", json_object_new_string(res.out ? res.out : ""));
	json_object_object_add(s->o, "stderr", json_object_new_string(res.err ? res.err : ""));
	/* A command outside the modelled set stops the run: the model cannot
	 * say what the guest would have printed, so every later step would be
	 * guessed. The step still records the shell's reason. */
	if (ret)
		snprintf(md->err, md->errlen, "%s:%d: %s", md->sc->path, s->st->lineno,
			 res.err ? res.err : strerror(-ret));
	guest_result_free(&res);
	return ret;
}

/* QMP events since the last settle, as notes. */
static struct json_object *drain_events(struct machine *m)
{
	struct json_object *notes = json_object_new_array();
	size_t n = json_object_array_length(m->events);

	for (size_t i = 0; i < n; i++) {
		struct json_object *ev = json_object_array_get_idx(m->events, i);
		char line[1024];

		snprintf(line, sizeof(line), "event %s",
			 json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN));
		json_object_array_add(notes, json_object_new_string(line));
	}
	json_object_put(m->events);
	m->events = json_object_new_array();
	return notes;
}

/* Each virtio-mem device's size and request, and why they differ. */
static int settle_devices(struct model *md, struct json_object *o)
{
	struct machine_vmem_status *st;
	struct json_object *list;
	size_t n;
	int ret = machine_virtio_mem_status(md->m, &st, &n);

	if (ret)
		return ret;
	list = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *d = json_object_new_object();

		if (st[i].md->id)
			json_object_object_add(d, "id", json_object_new_string(st[i].md->id));
		json_object_object_add(d, "size", json_object_new_uint64(st[i].size));
		json_object_object_add(d, "requested-size",
				       json_object_new_uint64(st[i].requested_size));
		if (st[i].why)
			json_object_object_add(d, "why", json_object_new_string(st[i].why));
		json_object_array_add(list, d);
	}
	free(st);
	if (n)
		json_object_object_add(o, "devices", list);
	else
		json_object_put(list);
	return 0;
}

/* Settled means: the guest's work is done, and every virtio-mem device
 * is at its request or its driver waits for time or an outside change. */
static int model_settle(void *ctx, struct backend_step *s)
{
	struct model *md = ctx;
	int ret = machine_settle(md->m);

	if (ret)
		return step_failed(md, s, "the guest's hotplug work failed", ret);
	ret = settle_devices(md, s->o);
	if (ret)
		return step_failed(md, s, "settle", ret);
	json_object_object_add(s->o, "settled", json_object_new_boolean(true));
	json_object_object_add(s->o, "notes", drain_events(md->m));
	return 0;
}

static int model_snapshot(void *ctx, struct backend_step *s)
{
	struct model *md = ctx;
	struct vfs v;
	int ret = run_pending(md, s);

	if (ret)
		return ret;
	switch (md->opts->snapshot_json) {
	case SNAPSHOT_JSON_TREE:
		s->snapshot = snapshot_capture(md->m, s->st->arg, s->index);
		break;
	case SNAPSHOT_JSON_NONE:
		break;
	case SNAPSHOT_JSON_STREAM:
		/* An element of "snapshots": level 2 of the result. */
		json_out_elem(md->opts->snapshot_stream, 2, md->nr_streamed++ == 0);
		ret = snapshot_write(md->m, s->st->arg, s->index, md->opts->snapshot_stream, 2);
		if (ret) {
			snprintf(md->err, md->errlen, "cannot write the snapshot's JSON: %s",
				 strerror(-ret));
			return ret;
		}
		break;
	}
	if (!md->opts->sysroot_out)
		return 0;
	/* As sysroot_write, sharing the files the last snapshot left as they were. */
	kernel_sysfs_ro(md->m->kernel, &v);
	return sysroot_save_next(&md->trees, &v, md->opts->sysroot_out, s->st->arg, md->err,
				 md->errlen);
}

/* Time passes on the model's clock: retry timers fire, QEMU delivers
 * held-back events. */
static int model_sleep(void *ctx, struct backend_step *s)
{
	struct model *md = ctx;
	double ns = s->st->seconds > 0 ? s->st->seconds * 1e9 : 0;
	int ret = machine_advance(md->m, ns >= 1.8e19 ? UINT64_MAX : (uint64_t)ns);

	return ret ? step_failed(md, s, "the guest's hotplug work failed", ret) : 0;
}

static void model_step_done(void *ctx, int index)
{
	model_watch(ctx, index);
}

/* The invariants of the whole machine, with the step that broke them. */
static int model_check(void *ctx, const struct backend_step *s)
{
	struct model *md = ctx;
	char why[768];
	int ret = machine_check(md->m, why, sizeof(why));

	if (!ret)
		return 0;
	if (s)
		snprintf(md->err, md->errlen, "%s:%d: %s", md->sc->path, s->st->lineno, why);
	else
		snprintf(md->err, md->errlen, "%s: after boot: %s", md->sc->path, why);
	return ret;
}

static const struct backend_ops model_ops = {
    .name = "model",
    .boot = model_boot,
    .host = model_host,
    .guest = model_guest,
    .settle = model_settle,
    .snapshot = model_snapshot,
    .sleep = model_sleep,
    .step_done = model_step_done,
    .check = model_check,
};

bool scenario_run_checks_by_default(void)
{
	const char *env = getenv("MEMHP_CHECK");

	if (env && *env)
		return strcmp(env, "0") != 0;
#ifdef MEMHP_CHECK_DEFAULT
	return true;
#else
	return false;
#endif
}

int scenario_run(const struct scenario *sc, const struct scenario_run_options *opts,
		 struct scenario_run *run, char *err, size_t errlen)
{
	struct model md = {
	    .sc = sc,
	    .opts = opts,
	    .err = err,
	    .errlen = errlen,
	    .trace_step = SCENARIO_STEP_NONE,
	};
	struct runner_options ro = {
	    .version = opts->version,
	    .stop_after = opts->stop_after,
	    .check = opts->check || scenario_run_checks_by_default(),
	};
	int ret;

	memset(run, 0, sizeof(*run));
	run->trace_step = SCENARIO_STEP_NONE;
	sysroot_trees_init(&md.trees);
	ret = opts->stop_after ? check_label(sc, opts->stop_after, err, errlen) : 0;
	/* With a fallback every line can run. */
	if (!ret && !opts->guest_fallback)
		ret = scenario_check(sc, opts->stop_after, err, errlen);
	if (ret)
		return ret;
	md.watch = (struct memory_observer){.zone_decided = watch_zone_decided, .data = &md};
	ret = runner_run(sc, &ro, &model_ops, &md, &run->result, err, errlen);
	sysroot_trees_release(&md.trees);
	if (!md.m) {
		/* Options the model cannot boot: a bad scenario, nothing ran. */
		json_object_put(run->result);
		run->result = NULL;
		return ret;
	}
	/* md is gone when this returns; the kernel must not call it again. */
	unregister_memory_observer(md.m->kernel, &md);
	if (opts->guest_fallback && opts->guest_fallback->done)
		opts->guest_fallback->done(opts->guest_fallback, md.m);
	run->machine = md.m;
	run->trace_step = md.trace_step;
	run->trace_decision = md.decision;
	return ret;
}

void scenario_run_release(struct scenario_run *run)
{
	json_object_put(run->result);
	machine_free(run->machine);
	memset(run, 0, sizeof(*run));
}

/* ---- one step at a time ---- */

struct model_session {
	struct scenario_run_options opts;
	struct model md;
	char err[1024]; /* the hooks' messages */
};

void model_session_free(struct model_session *ms)
{
	if (!ms)
		return;
	machine_free(ms->md.m);
	sysroot_trees_release(&ms->md.trees);
	free(ms);
}

struct machine *model_session_machine(const struct model_session *ms)
{
	return ms->md.m;
}

int model_session_boot(const struct scenario *sc, enum memhp_kernel version,
		       struct model_session **out, char *err, size_t errlen)
{
	return model_session_boot_observed(sc, version, NULL, out, err, errlen);
}

int model_session_boot_observed(const struct scenario *sc, enum memhp_kernel version,
				const struct memory_observer *obs, struct model_session **out,
				char *err, size_t errlen)
{
	struct model_session *ms = calloc(1, sizeof(*ms));
	int ret;

	*out = NULL;
	if (!ms)
		return -ENOMEM;
	ms->opts.version = version;
	ms->md = (struct model){
	    .sc = sc,
	    .opts = &ms->opts,
	    .err = ms->err,
	    .errlen = sizeof(ms->err),
	    .trace_step = SCENARIO_STEP_NONE,
	};
	/* model_boot() hands md.watch to the kernel when opts.trace is set. */
	if (obs) {
		ms->opts.trace = true;
		ms->md.watch = *obs;
	}
	sysroot_trees_init(&ms->md.trees);
	ret = model_boot(&ms->md, NULL);
	if (ret) {
		snprintf(err, errlen, "%s", ms->err);
		free(ms);
		return ret;
	}
	*out = ms;
	ret = machine_check(ms->md.m, err, errlen);
	return ret;
}

int model_session_step(struct model_session *ms, const struct scenario_step *st, int index,
		       char *err, size_t errlen)
{
	struct backend_step s = {.st = st, .index = index, .o = run_step_json(st, index)};
	int ret;

	if (!s.o)
		return -ENOMEM;
	ms->err[0] = '\0';
	ret = runner_step(&model_ops, &ms->md, &s);
	json_object_put(s.o);
	json_object_put(s.snapshot);
	if (ret) {
		snprintf(err, errlen, "%s", ms->err[0] ? ms->err : strerror(-ret));
		return ret;
	}
	return machine_check(ms->md.m, err, errlen);
}
