#include "scenario_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "guest_shell.h"
#include "machine.h"
#include "qmp.h"
#include "scenario.h"
#include "snapshot.h"
#include "strbuf.h"

static const char *const guest_commands[] = {"echo", "cat", "setstate", "zones", NULL};

static bool guest_command_supported(const char *cmd)
{
	size_t n = strcspn(cmd, " \t");

	for (int i = 0; guest_commands[i]; i++)
		if (strlen(guest_commands[i]) == n && !strncmp(cmd, guest_commands[i], n))
			return true;
	return false;
}

int scenario_check(const struct scenario *sc, char *err, size_t errlen)
{
	for (size_t i = 0; i < sc->nr_steps; i++) {
		const struct scenario_step *s = &sc->steps[i];

		if (s->kind != STEP_GUEST || guest_command_supported(s->arg))
			continue;
		snprintf(err, errlen,
			 "%s:%d: guest command '%.*s' is not supported by the model; expected one of "
			 "echo VALUE > PATH, cat PATH..., setstate [-a ATTR] VALUE BLOCK..., zones [BLOCK...]",
			 sc->path, s->lineno, (int)strcspn(s->arg, " \t"), s->arg);
		return -EINVAL;
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

static int boot(const struct scenario *sc, const struct scenario_run_options *opts,
		struct machine **m, char *err, size_t errlen)
{
	struct machine_config cfg = {
		.version = opts->version,
		.qemu_argv = sc->qemu_argv,
		.qemu_argc = sc->qemu_argc,
		.kernel_cmdline = sc->kernel_cmdline,
		.trace = opts->trace,
		.trace_block = opts->trace_block,
	};
	char why[512] = "";
	size_t bad = 0;
	int ret = machine_create(&cfg, m, &bad, why, sizeof(why));

	if (ret == -EINVAL) {
		int line = sc->qemu_argc ? sc->qemu_arg_lineno[bad < sc->qemu_argc ? bad : 0] : 0;

		if (line)
			snprintf(err, errlen, "%s:%d: qemu: %s", sc->path, line, why);
		else
			snprintf(err, errlen, "%s: qemu: %s", sc->path, why);
	} else if (ret) {
		snprintf(err, errlen, "%s: cannot boot the machine: %s", sc->path, strerror(-ret));
	}
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

struct run_state {
	struct machine *m;
	const struct scenario_run_options *opts;
	struct json_object *snapshots;
	bool step_errors;
	char *err;
	size_t errlen;
};

static int run_host(struct run_state *rs, const struct scenario_step *s, struct json_object *o)
{
	struct json_object *cmd = json_tokener_parse(s->arg), *reply;

	reply = qmp_execute(rs->m->vm, cmd);
	json_object_put(cmd);
	if (!reply)
		return -ENOMEM;
	if (json_object_object_get_ex(reply, "error", NULL))
		rs->step_errors = true;
	json_object_object_add(o, "response", reply);
	return 0;
}

static int run_guest(struct run_state *rs, const struct scenario_step *s, struct json_object *o)
{
	struct guest_result res = {0};
	int ret;

	/* The guest has had time to handle ACPI notifications by now. */
	machine_run_pending(rs->m);
	ret = guest_shell_run(rs->m, s->arg, &res);
	if (ret) {
		guest_result_free(&res);
		return ret;
	}
	if (res.rc)
		rs->step_errors = true;
	json_object_object_add(o, "rc", json_object_new_int(res.rc));
	json_object_object_add(o, "stdout", json_object_new_string(res.out ? res.out : ""));
	json_object_object_add(o, "stderr", json_object_new_string(res.err ? res.err : ""));
	guest_result_free(&res);
	return 0;
}

static int run_snapshot(struct run_state *rs, const struct scenario_step *s, int index,
			struct json_object *o)
{
	machine_run_pending(rs->m);
	json_object_object_add(o, "label", json_object_new_string(s->arg));
	json_object_array_add(rs->snapshots, snapshot_capture(rs->m, s->arg, index));
	if (rs->opts->sysroot_out) {
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s/%s", rs->opts->sysroot_out, s->arg);
		return sysroot_write(rs->m, dir, rs->err, rs->errlen);
	}
	return 0;
}

static int run_step(struct run_state *rs, const struct scenario_step *s, int index,
		    struct json_object *o)
{
	switch (s->kind) {
	case STEP_HOST:
		return run_host(rs, s, o);
	case STEP_GUEST:
		return run_guest(rs, s, o);
	case STEP_SETTLE:
		machine_run_pending(rs->m);
		json_object_object_add(o, "settled", json_object_new_boolean(true));
		json_object_object_add(o, "notes", drain_events(rs->m));
		return 0;
	case STEP_SNAPSHOT:
		return run_snapshot(rs, s, index, o);
	case STEP_SLEEP:
		return 0;
	}
	return 0;
}

int scenario_run(const struct scenario *sc, const struct scenario_run_options *opts,
		 struct scenario_run *run, char *err, size_t errlen)
{
	struct run_state rs = {.opts = opts, .err = err, .errlen = errlen};
	struct json_object *steps;
	int ret;

	memset(run, 0, sizeof(*run));
	run->trace_step = SCENARIO_STEP_NONE;
	ret = scenario_check(sc, err, errlen);
	if (!ret && opts->stop_after)
		ret = check_label(sc, opts->stop_after, err, errlen);
	if (!ret)
		ret = boot(sc, opts, &rs.m, err, errlen);
	if (ret)
		return ret;
	run->machine = rs.m;
	if (rs.m->kernel->trace.nr_onlines)
		run->trace_step = SCENARIO_STEP_BOOT;
	run->result = json_object_new_object();
	steps = json_object_new_array();
	rs.snapshots = json_object_new_array();
	json_object_object_add(run->result, "scenario", json_object_new_string(sc->name));
	json_object_object_add(run->result, "kernel",
			       json_object_new_string(memhp_kernel_name(opts->version)));
	json_object_object_add(run->result, "backend", json_object_new_string("model"));
	for (size_t i = 0; i < sc->nr_steps && !ret; i++) {
		const struct scenario_step *step = &sc->steps[i];
		struct json_object *o = run_step_json(step, (int)i);
		unsigned int onlines = rs.m->kernel->trace.nr_onlines;

		ret = run_step(&rs, step, (int)i, o);
		json_object_array_add(steps, o);
		if (rs.m->kernel->trace.nr_onlines != onlines)
			run->trace_step = (int)i;
		if (opts->stop_after && step->kind == STEP_SNAPSHOT &&
		    !strcmp(step->arg, opts->stop_after))
			break;
	}
	json_object_object_add(run->result, "status",
			       json_object_new_string(ret ? "error" : rs.step_errors ? "step-errors" : "ok"));
	json_object_object_add(run->result, "steps", steps);
	json_object_object_add(run->result, "snapshots", rs.snapshots);
	return ret;
}

void scenario_run_release(struct scenario_run *run)
{
	json_object_put(run->result);
	machine_free(run->machine);
	memset(run, 0, sizeof(*run));
}
