/* The scenario runner (scenario-format.md): .scn files written to a
 * temporary file, parsed with scenario_parse_file and run with
 * scenario_run; the run JSON's status, steps and snapshots. The common
 * runner (runner.h) on a fake backend: the envelope and the status rule
 * every backend shares. */
#include <unistd.h>

#include "runner.h"
#include "scenario.h"
#include "scenario_run.h"
#include "array.h"
#include "guest_shell.h"
#include "test_util.h"

/* Writes text to a new temporary .scn file; path receives its name. */
static void write_scn(char *path, size_t len, const char *text)
{
	int fd;
	FILE *f;

	snprintf(path, len, "/tmp/memhp-test-run-XXXXXX.scn");
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

struct run_ctx {
	char path[64];
	struct scenario *sc;
	struct scenario_run run;
	char err[1024];
	int ret;
};

/* Writes and parses; the parse must succeed. */
static void parse_text(struct run_ctx *c, const char *text)
{
	int ret;

	memset(c, 0, sizeof(*c));
	write_scn(c->path, sizeof(c->path), text);
	ret = scenario_parse_file(c->path, &c->sc, c->err, sizeof(c->err));
	if (ret)
		fail_msg("parse failed %d: %s", ret, c->err);
}

/* Parses and runs; the parse must succeed. */
static void run_text(struct run_ctx *c, const char *text, enum memhp_kernel v)
{
	struct scenario_run_options opts = {.version = v, .sysroot_out = NULL};

	parse_text(c, text);
	c->ret = scenario_run(c->sc, &opts, &c->run, c->err, sizeof(c->err));
}

/* Fails unless err starts with "<path><suffix>" and, if word is given,
 * names it: errors point at the scenario line, "FILE:LINE: ...". */
static void assert_err_at(const char *what, const char *err, const char *path, const char *suffix,
			  const char *word)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "%s%s", path, suffix);
	if (strncmp(err, prefix, strlen(prefix)) || (word && !strstr(err, word)))
		fail_msg("%s error '%s' does not start with '%s'%s%s", what, err, prefix,
			 word ? " or name " : "", word ? word : "");
}

static void run_release(struct run_ctx *c)
{
	scenario_run_release(&c->run);
	scenario_free(c->sc);
	unlink(c->path);
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no key '%s' in %s", key, json_object_to_json_string(o));
	return json_object_get_string(v);
}

static int jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no key '%s' in %s", key, json_object_to_json_string(o));
	return json_object_get_int(v);
}

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no key '%s' in %s", key, json_object_to_json_string(o));
	return v;
}

static struct json_object *step(struct run_ctx *c, size_t i)
{
	struct json_object *steps = jget(c->run.result, "steps");

	assert_true(i < json_object_array_length(steps));
	return json_object_array_get_idx(steps, i);
}

/* Successful guest reads: block_size_bytes (checklist 1) and memory0's
 * valid_zones (checklist 12) on q35 4 GiB -> status "ok", rc 0. */
static void test_run_ok(void **state)
{
	struct run_ctx c;
	struct json_object *s;

	(void)state;
	run_text(&c,
		 "name: runner-ok\n"
		 "qemu: -M q35 -m 4G\n"
		 "guest: cat /sys/devices/system/memory/block_size_bytes\n"
		 "# a comment\n"
		 "guest: cat /sys/devices/system/memory/memory0/valid_zones\n"
		 "guest: cat /sys/devices/system/memory/auto_online_blocks\n",
		 MEMHP_KERNEL_6_1);
	assert_int_equal(c.ret, 0);
	assert_non_null(c.run.result);
	assert_non_null(c.run.machine);
	tu_assert_keys(c.run.result, "scenario kernel backend status steps snapshots");
	assert_string_equal(jstr(c.run.result, "scenario"), "runner-ok");
	assert_string_equal(jstr(c.run.result, "kernel"), "6.1");
	assert_string_equal(jstr(c.run.result, "status"), "ok");
	assert_int_equal(json_object_array_length(jget(c.run.result, "steps")), 3);

	s = step(&c, 0);
	assert_int_equal(jint(s, "index"), 0);
	assert_int_equal(jint(s, "lineno"), 3);
	assert_string_equal(jstr(s, "kind"), "guest");
	assert_string_equal(jstr(s, "line"),
			    "guest: cat /sys/devices/system/memory/block_size_bytes");
	assert_int_equal(jint(s, "rc"), 0);
	assert_string_equal(jstr(s, "stdout"), "8000000\n");
	assert_string_equal(jstr(s, "stderr"), "");

	s = step(&c, 1);
	assert_int_equal(jint(s, "lineno"), 5);
	assert_int_equal(jint(s, "rc"), 0);
	assert_string_equal(jstr(s, "stdout"), "none\n");

	/* checklist 25: 6.1 reads offline */
	assert_string_equal(jstr(step(&c, 2), "stdout"), "offline\n");
	run_release(&c);
}

/* A refused write (checklist 12: offline memory0 -> EINVAL): busybox prints
 * "sh: write error: Invalid argument" and exits 1 -> status "step-errors";
 * the run continues with the next step. */
static void test_run_step_errors(void **state)
{
	struct run_ctx c;
	struct json_object *s;

	(void)state;
	run_text(&c,
		 "qemu: -M q35 -m 4G\n"
		 "guest: echo offline > /sys/devices/system/memory/memory0/state\n"
		 "guest: cat /sys/devices/system/memory/memory0/state\n",
		 MEMHP_KERNEL_6_12);
	assert_int_equal(c.ret, 0);
	assert_string_equal(jstr(c.run.result, "kernel"), "6.12");
	assert_string_equal(jstr(c.run.result, "status"), "step-errors");
	s = step(&c, 0);
	assert_int_equal(jint(s, "rc"), 1);
	assert_string_equal(jstr(s, "stdout"), "");
	assert_string_equal(jstr(s, "stderr"), "sh: write error: Invalid argument\n");
	s = step(&c, 1);
	assert_int_equal(jint(s, "rc"), 0);
	assert_string_equal(jstr(s, "stdout"), "online\n");
	run_release(&c);
}

/* host steps: a QMP error is recorded, does not stop the run, and makes the
 * status step-errors. DIMM hot-add (dimm-acpi.md §6) then settle, guest
 * read and a snapshot. */
static void test_run_host_settle_snapshot(void **state)
{
	struct run_ctx c;
	struct json_object *s, *resp, *err, *snaps, *snap;

	(void)state;
	run_text(&c,
		 "name: dimm\n"
		 "kernel-cmdline: memhp_default_state=online_movable\n"
		 "qemu: -M q35 -m 4G,slots=4,maxmem=12G\n"
		 "host: {\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
		 "\"memory-backend-ram\", \"id\": \"m1\", \"size\": 1073741824}}\n"
		 "host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": \"pc-dimm\", "
		 "\"id\": \"d1\", \"memdev\": \"m1\"}}\n"
		 "settle\n"
		 "guest: cat /sys/devices/system/memory/memory48/valid_zones\n"
		 "host: {\"execute\": \"device_del\", \"arguments\": {\"id\": \"nope\"}}\n"
		 "snapshot after\n",
		 MEMHP_KERNEL_6_1);
	assert_int_equal(c.ret, 0);
	assert_string_equal(jstr(c.run.result, "status"), "step-errors");

	s = step(&c, 0);
	assert_string_equal(jstr(s, "kind"), "host");
	assert_int_equal(jint(s, "lineno"), 4);
	resp = jget(s, "response");
	assert_true(json_object_object_get_ex(resp, "return", NULL));
	assert_true(json_object_object_get_ex(jget(step(&c, 1), "response"), "return", NULL));

	s = step(&c, 2);
	assert_string_equal(jstr(s, "kind"), "settle");
	assert_true(json_object_get_boolean(jget(s, "settled")));

	s = step(&c, 3);
	assert_int_equal(jint(s, "rc"), 0);
	assert_string_equal(jstr(s, "stdout"), "Movable\n");

	s = step(&c, 4);
	err = jget(jget(s, "response"), "error");
	assert_string_equal(jstr(err, "class"), "DeviceNotFound");
	assert_string_equal(jstr(err, "desc"), "Device 'nope' not found");

	s = step(&c, 5);
	assert_string_equal(jstr(s, "kind"), "snapshot");
	assert_string_equal(jstr(s, "label"), "after");
	snaps = jget(c.run.result, "snapshots");
	assert_int_equal(json_object_array_length(snaps), 1);
	snap = json_object_array_get_idx(snaps, 0);
	assert_string_equal(jstr(snap, "label"), "after");
	assert_int_equal(jint(snap, "step"), 5);
	/* 128 MiB = 134217728 */
	assert_int_equal(json_object_get_int64(jget(snap, "block_size_bytes")), 134217728);
	assert_string_equal(jstr(snap, "auto_online_blocks"), "online_movable");
	/* the final machine state: blocks 48-55 online Movable */
	assert_string_equal(tu_blk(c.run.machine, 55, "valid_zones"), "Movable\n");
	run_release(&c);
}

/* A malformed line: the parser reports "FILE:LINE: ..." (scenario-format.md). */
static void test_run_malformed_line(void **state)
{
	char path[64], err[1024] = "";
	struct scenario *sc = NULL;

	(void)state;
	write_scn(path, sizeof(path), "name: bad\nqemu: -M q35\nthis is not a scenario line\n");
	assert_int_equal(scenario_parse_file(path, &sc, err, sizeof(err)), -EINVAL);
	assert_null(sc);
	assert_err_at("parse", err, path, ":3: ", NULL);
	unlink(path);
}

/* The scenario text parses, but scenario_run refuses it before anything
 * runs: -EINVAL, no machine, no result, and an error starting with
 * "<path><suffix>" (naming word unless NULL). With check, scenario_check
 * refuses it the same way first. */
static void assert_run_rejected(const char *text, bool check, const char *suffix, const char *word)
{
	struct run_ctx c;
	struct scenario_run_options opts = {.version = MEMHP_KERNEL_6_1};

	parse_text(&c, text);
	if (check) {
		assert_int_equal(scenario_check(c.sc, NULL, c.err, sizeof(c.err)), -EINVAL);
		assert_err_at("scenario_check", c.err, c.path, suffix, word);
		c.err[0] = '\0';
	}
	assert_int_equal(scenario_run(c.sc, &opts, &c.run, c.err, sizeof(c.err)), -EINVAL);
	assert_err_at("scenario_run", c.err, c.path, suffix, word);
	assert_null(c.run.machine);
	assert_null(c.run.result);
	run_release(&c);
}

/* A guest command outside the supported set (ls) is rejected before anything
 * runs: scenario_check and scenario_run fail with "FILE:LINE: ..." naming the
 * command; no machine, no result. */
static void test_run_unsupported_guest_command(void **state)
{
	(void)state;
	assert_run_rejected("qemu: -M q35 -m 4G\n"
			    "guest: echo offline > /sys/devices/system/memory/memory40/state\n"
			    "guest: ls /sys\n",
			    true, ":3: ", "ls");
}

/* With --at, only the lines up to the label run, so only they are
 * checked: memhp exec --at a label before a line only a real guest can
 * run (util-linux chmem there) still runs; a line before it still fails. */
static void test_run_unsupported_after_label(void **state)
{
	struct run_ctx c;
	struct scenario_run_options opts = {.version = MEMHP_KERNEL_6_1, .stop_after = "before"};

	(void)state;
	parse_text(&c, "qemu: -M q35 -m 4G\nsnapshot before\nguest: chmem -e 1G\n");
	assert_int_equal(scenario_check(c.sc, "before", c.err, sizeof(c.err)), 0);
	assert_int_equal(scenario_check(c.sc, NULL, c.err, sizeof(c.err)), -EINVAL);
	c.err[0] = '\0';
	assert_int_equal(scenario_run(c.sc, &opts, &c.run, c.err, sizeof(c.err)), 0);
	assert_non_null(c.run.machine);
	run_release(&c);
	parse_text(&c, "qemu: -M q35 -m 4G\nguest: chmem -e 1G\nsnapshot before\n");
	assert_int_equal(scenario_run(c.sc, &opts, &c.run, c.err, sizeof(c.err)), -EINVAL);
	assert_err_at("scenario_run", c.err, c.path, ":2: ", "chmem");
	run_release(&c);
}

/* A guest fallback (what lib/fuse's real shell is): called for the lines
 * the model's shell does not know, and only for them, with the step's
 * time-out; its rc, stdout and stderr become the step's, -ETIMEDOUT a
 * step error "timed out after S s" as on the QEMU backend, any other
 * error ends the run naming the line. */
struct fake_fallback {
	struct memhp_guest_fallback hook; /* first */
	int calls;
	char lines[4][96];
	double timeouts[4];
	struct machine *done; /* the machine of the run that ended */
};

static void fake_done(struct memhp_guest_fallback *gf, struct machine *m)
{
	((struct fake_fallback *)gf)->done = m;
}

static int fake_run(struct memhp_guest_fallback *gf, struct machine *m, const char *line,
		    double timeout, struct guest_result *res, char *err, size_t errlen)
{
	struct fake_fallback *f = (struct fake_fallback *)gf;
	int i = f->calls++;

	assert_non_null(m);
	assert_true(i < 4);
	snprintf(f->lines[i], sizeof(f->lines[i]), "%s", line);
	f->timeouts[i] = timeout;
	if (strstr(line, "hang"))
		return -ETIMEDOUT;
	if (strstr(line, "broken")) {
		snprintf(err, errlen, "FUSE: broken");
		return -EIO;
	}
	res->rc = 3;
	res->out = strdup("out\n");
	res->err = strdup("err\n");
	return 0;
}

static struct json_object *step_at(struct json_object *result, size_t i)
{
	struct json_object *steps;

	assert_true(json_object_object_get_ex(result, "steps", &steps));
	assert_true(i < json_object_array_length(steps));
	return json_object_array_get_idx(steps, i);
}

static void test_run_guest_fallback(void **state)
{
	struct fake_fallback f = {.hook.run = fake_run, .hook.done = fake_done};
	struct scenario_run_options opts = {.version = MEMHP_KERNEL_6_12,
					    .guest_fallback = &f.hook};
	struct json_object *s, *v;
	struct run_ctx c;

	(void)state;
	parse_text(&c, "qemu: -M q35 -m 4G\n"
		       "guest-timeout: 20\n"
		       "guest: cat /sys/devices/system/memory/block_size_bytes\n"
		       "guest: for i in 1 2; do echo $i; done\n"
		       "guest[5]: hang here\n"
		       "guest: broken | line\n"
		       "guest: echo never\n");
	c.ret = scenario_run(c.sc, &opts, &c.run, c.err, sizeof(c.err));
	assert_int_equal(c.ret, -EIO);
	assert_err_at("scenario_run", c.err, c.path, ":6: FUSE: broken", NULL);
	assert_int_equal(f.calls, 3);
	assert_string_equal(f.lines[0], "for i in 1 2; do echo $i; done");
	assert_true(f.timeouts[0] == 20.0 && f.timeouts[1] == 5.0);
	s = step_at(c.run.result, 0); /* the model's own cat */
	assert_true(json_object_object_get_ex(s, "stdout", &v));
	assert_string_equal(json_object_get_string(v), "8000000\n");
	s = step_at(c.run.result, 1);
	assert_true(json_object_object_get_ex(s, "rc", &v));
	assert_int_equal(json_object_get_int(v), 3);
	assert_true(json_object_object_get_ex(s, "stdout", &v));
	assert_string_equal(json_object_get_string(v), "out\n");
	assert_true(json_object_object_get_ex(s, "stderr", &v));
	assert_string_equal(json_object_get_string(v), "err\n");
	s = step_at(c.run.result, 2);
	assert_true(json_object_object_get_ex(s, "rc", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(s, "error", &v));
	assert_string_equal(json_object_get_string(v), "timed out after 5 s");
	assert_true(json_object_object_get_ex(c.run.result, "status", &v));
	assert_string_equal(json_object_get_string(v), "error");
	assert_non_null(f.done);
	assert_ptr_equal(f.done, c.run.machine);
	run_release(&c);
}

/* Lines whose first word is a modelled command but whose rest is not
 * (issue 10, defect 1: they once ran, failed without rc or message, and
 * crashed memhp run's step printer). Refused before anything runs, with
 * the line and the shell's reason. */
static void test_run_unsupported_guest_syntax(void **state)
{
	static const struct {
		const char *line, *why;
	} cases[] = {
	    {"guest: cat /sys/devices/system/memory/block_size_bytes; dmesg | grep X",
	     "several commands on one line"},
	    {"guest: cat relative", "relative path 'relative'"},
	    {"guest: echo 1 >> /sys/devices/system/memory/memory32/online",
	     "appending redirection `>>`"},
	    {"guest: cat /sys/devices/system/memory/../memory/memory32/state", "path with `..`"},
	    {"guest: echo -e 'a\\n' > /sys/devices/system/memory/memory32/state",
	     "backslash escapes"},
	};
	char text[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text),
			 "qemu: -M q35 -m 4G\n"
			 "guest: cat /sys/devices/system/memory/block_size_bytes\n"
			 "%s\n",
			 cases[i].line);
		assert_run_rejected(text, true, ":3: guest command not supported", cases[i].why);
	}
}

/* A bad QEMU option fails before the first step with "FILE:LINE: qemu: ..." */
static void test_run_bad_qemu_option(void **state)
{
	(void)state;
	assert_run_rejected("qemu: -M q35\n"
			    "qemu: -m 4G,slots=2,maxmem=2G\n"
			    "guest: cat /sys/devices/system/memory/block_size_bytes\n",
			    false, ":2: qemu: ", NULL);
}

/* scenario-format.md defaults: no qemu: line -> -M pc -m 4G: blocks 0-23 and
 * 32-39, nothing at 24 (checklist 10 on pc). */
static void test_run_defaults_pc_4g(void **state)
{
	struct run_ctx c;

	(void)state;
	run_text(&c,
		 "guest: cat /sys/devices/system/memory/memory23/valid_zones\n"
		 "guest: cat /sys/devices/system/memory/memory39/state\n"
		 "guest: cat /sys/devices/system/memory/memory24/state\n",
		 MEMHP_KERNEL_6_1);
	assert_int_equal(c.ret, 0);
	assert_string_equal(jstr(step(&c, 0), "stdout"), "DMA32\n");
	assert_string_equal(jstr(step(&c, 1), "stdout"), "online\n");
	assert_int_equal(jint(step(&c, 2), "rc"), 1);
	assert_string_equal(jstr(c.run.result, "status"), "step-errors");
	assert_false(tu_block_exists(c.run.machine, 40));
	run_release(&c);
}

/* ---- the common runner on a fake backend ---- */

struct fake_backend {
	char *err;
	size_t errlen;
	int boot_ret;	    /* what boot returns */
	int fail_index;	    /* the step that returns -EIO with "disk full", or -1 */
	int nr_run;	    /* steps the backend was asked to run */
	int nr_done;	    /* step_done calls */
	int finished;	    /* finish calls */
	bool check;	    /* runner_options.check */
	int check_fail;	    /* the step whose check fails (-2: boot's), or -1 */
	int nr_checks;	    /* check calls */
	char progress[512]; /* the last progress message */
};

static int fake_boot(void *ctx, struct json_object *result)
{
	struct fake_backend *fb = ctx;

	json_object_object_add(result, "booted", json_object_new_boolean(true));
	return fb->boot_ret;
}

static int fake_step(struct fake_backend *fb, struct backend_step *s)
{
	fb->nr_run++;
	if (s->index != fb->fail_index)
		return 0;
	snprintf(fb->err, fb->errlen, "disk full");
	return -EIO;
}

static int fake_host(void *ctx, struct backend_step *s)
{
	struct json_object *reply = json_tokener_parse("{\"error\": {\"class\": \"x\"}}");

	s->failed = true;
	json_object_object_add(s->o, "response", reply);
	return fake_step(ctx, s);
}

static int fake_guest(void *ctx, struct backend_step *s)
{
	json_object_object_add(s->o, "rc", json_object_new_int(0));
	return fake_step(ctx, s);
}

static int fake_snapshot(void *ctx, struct backend_step *s)
{
	s->snapshot = json_object_new_object();
	json_object_object_add(s->snapshot, "label", json_object_new_string(s->st->arg));
	return fake_step(ctx, s);
}

static int fake_other(void *ctx, struct backend_step *s)
{
	return fake_step(ctx, s);
}

static void fake_step_done(void *ctx, int index)
{
	struct fake_backend *fb = ctx;

	assert_int_equal(index, fb->nr_done);
	fb->nr_done++;
}

static void fake_finish(void *ctx, struct json_object *result)
{
	struct fake_backend *fb = ctx;

	fb->finished++;
	json_object_object_add(result, "finished", json_object_new_boolean(true));
}

static void fake_progress(void *ctx, const char *msg)
{
	struct fake_backend *fb = ctx;

	snprintf(fb->progress, sizeof(fb->progress), "%s", msg);
}

static int fake_check(void *ctx, const struct backend_step *s)
{
	struct fake_backend *fb = ctx;
	int index = s ? s->index : -2;

	fb->nr_checks++;
	if (index != fb->check_fail)
		return 0;
	snprintf(fb->err, fb->errlen, "invariant fake: broken at %d", index);
	return -EUCLEAN;
}

static const struct backend_ops fake_ops = {
    .name = "fake",
    .boot = fake_boot,
    .host = fake_host,
    .guest = fake_guest,
    .settle = fake_other,
    .snapshot = fake_snapshot,
    .sleep = fake_other,
    .step_done = fake_step_done,
    .finish = fake_finish,
    .check = fake_check,
};

static const char fake_scenario[] = "host: {\"execute\": \"nope\"}\n"
				    "guest: cat /proc/meminfo\n"
				    "snapshot a\n"
				    "settle\n"
				    "snapshot b\n"
				    "sleep 1\n";

static struct json_object *run_fake(struct fake_backend *fb, const char *stop_after, int *ret)
{
	struct runner_options ro = {
	    .version = MEMHP_KERNEL_6_1,
	    .stop_after = stop_after,
	    .progress = fake_progress,
	    .progress_ctx = fb,
	    .check = fb->check,
	};
	struct json_object *result = NULL;
	struct scenario *sc;
	char err[256] = "stale";

	fb->err = err;
	fb->errlen = sizeof(err);
	assert_int_equal(scenario_parse_string("fake.scn", fake_scenario, &sc, err, sizeof(err)),
			 0);
	*ret = runner_run(sc, &ro, &fake_ops, fb, &result, err, sizeof(err));
	scenario_free(sc);
	assert_non_null(result);
	assert_int_equal(fb->finished, 1);
	return result;
}

/* Every step runs; a QMP error is a step error; the backend's own keys go
 * where it adds them, before status, steps and snapshots. */
static void test_runner_step_errors(void **state)
{
	struct fake_backend fb = {.fail_index = -1, .check_fail = -1};
	struct json_object *r;
	int ret;

	(void)state;
	r = run_fake(&fb, NULL, &ret);
	assert_int_equal(ret, 0);
	tu_assert_keys(r, "scenario kernel backend booted finished status steps snapshots");
	assert_string_equal(jstr(r, "kernel"), "6.1");
	assert_string_equal(jstr(r, "backend"), "fake");
	assert_string_equal(jstr(r, "status"), "step-errors");
	assert_int_equal(json_object_array_length(jget(r, "steps")), 6);
	assert_int_equal(json_object_array_length(jget(r, "snapshots")), 2);
	tu_assert_keys(json_object_array_get_idx(jget(r, "steps"), 2),
		       "index lineno line kind label");
	assert_int_equal(fb.nr_run, 6);
	assert_int_equal(fb.nr_done, 6);
	assert_string_equal(fb.progress, "line 6: sleep 1");
	json_object_put(r);
}

/* A failing step ends the run with "error" and the backend's message; a
 * snapshot taken before the failure is kept. */
static void test_runner_step_fails(void **state)
{
	struct fake_backend fb = {.fail_index = 2, .check_fail = -1};
	struct json_object *r;
	int ret;

	(void)state;
	r = run_fake(&fb, NULL, &ret);
	assert_int_equal(ret, -EIO);
	tu_assert_keys(r, "scenario kernel backend booted finished status error steps snapshots");
	assert_string_equal(jstr(r, "status"), "error");
	assert_string_equal(jstr(r, "error"), "disk full");
	assert_int_equal(json_object_array_length(jget(r, "steps")), 3);
	assert_int_equal(json_object_array_length(jget(r, "snapshots")), 1);
	assert_int_equal(fb.nr_done, 3);
	json_object_put(r);
}

/* A failed boot runs no step, still finishes, and says why even when the
 * backend left no message. */
static void test_runner_boot_fails(void **state)
{
	struct fake_backend fb = {.fail_index = -1, .boot_ret = -ENOENT, .check_fail = -1};
	struct json_object *r;
	int ret;

	(void)state;
	r = run_fake(&fb, NULL, &ret);
	assert_int_equal(ret, -ENOENT);
	assert_string_equal(jstr(r, "status"), "error");
	assert_string_equal(jstr(r, "error"), strerror(ENOENT));
	assert_int_equal(json_object_array_length(jget(r, "steps")), 0);
	assert_int_equal(fb.nr_run, 0);
	json_object_put(r);
}

/* stop_after ends the run after that snapshot. */
static void test_runner_stop_after(void **state)
{
	struct fake_backend fb = {.fail_index = -1, .check_fail = -1};
	struct json_object *r;
	int ret;

	(void)state;
	r = run_fake(&fb, "a", &ret);
	assert_int_equal(ret, 0);
	assert_int_equal(json_object_array_length(jget(r, "steps")), 3);
	assert_int_equal(json_object_array_length(jget(r, "snapshots")), 1);
	assert_int_equal(fb.nr_done, 3);
	json_object_put(r);
}

/* With checks on, the backend's check runs after boot and after every
 * step; the first broken invariant ends the run with "error" and its
 * message, in the run and in the step that broke it. */
static void test_runner_check_fails(void **state)
{
	struct fake_backend fb = {.fail_index = -1, .check = true, .check_fail = 1};
	struct json_object *r, *step;
	int ret;

	(void)state;
	r = run_fake(&fb, NULL, &ret);
	assert_int_equal(ret, -EUCLEAN);
	assert_string_equal(jstr(r, "status"), "error");
	assert_string_equal(jstr(r, "error"), "invariant fake: broken at 1");
	assert_int_equal(json_object_array_length(jget(r, "steps")), 2);
	step = json_object_array_get_idx(jget(r, "steps"), 1);
	tu_assert_keys(step, "index lineno line kind rc error");
	assert_string_equal(jstr(step, "error"), "invariant fake: broken at 1");
	assert_int_equal(fb.nr_checks, 3); /* boot, steps 0 and 1 */
	assert_int_equal(fb.nr_done, 2);
	json_object_put(r);
}

/* A machine broken by its boot runs no step. */
static void test_runner_check_boot(void **state)
{
	struct fake_backend fb = {.fail_index = -1, .check = true, .check_fail = -2};
	struct json_object *r;
	int ret;

	(void)state;
	r = run_fake(&fb, NULL, &ret);
	assert_int_equal(ret, -EUCLEAN);
	assert_string_equal(jstr(r, "error"), "invariant fake: broken at -2");
	assert_int_equal(json_object_array_length(jget(r, "steps")), 0);
	assert_int_equal(fb.nr_run, 0);
	json_object_put(r);
}

/* Without runner_options.check the hook is never called; with it, a run
 * whose invariants hold is unchanged. */
static void test_runner_check_off_and_passing(void **state)
{
	struct fake_backend off = {.fail_index = -1, .check_fail = 0};
	struct fake_backend on = {.fail_index = -1, .check = true, .check_fail = -1};
	struct json_object *r;
	int ret;

	(void)state;
	r = run_fake(&off, NULL, &ret);
	assert_int_equal(ret, 0);
	assert_int_equal(off.nr_checks, 0);
	json_object_put(r);
	r = run_fake(&on, NULL, &ret);
	assert_int_equal(ret, 0);
	assert_string_equal(jstr(r, "status"), "step-errors");
	assert_int_equal(on.nr_checks, 7);
	json_object_put(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_run_ok),
	    cmocka_unit_test(test_run_guest_fallback),
	    cmocka_unit_test(test_run_step_errors),
	    cmocka_unit_test(test_run_host_settle_snapshot),
	    cmocka_unit_test(test_run_malformed_line),
	    cmocka_unit_test(test_run_unsupported_guest_command),
	    cmocka_unit_test(test_run_unsupported_after_label),
	    cmocka_unit_test(test_run_unsupported_guest_syntax),
	    cmocka_unit_test(test_run_bad_qemu_option),
	    cmocka_unit_test(test_run_defaults_pc_4g),
	    cmocka_unit_test(test_runner_step_errors),
	    cmocka_unit_test(test_runner_step_fails),
	    cmocka_unit_test(test_runner_boot_fails),
	    cmocka_unit_test(test_runner_stop_after),
	    cmocka_unit_test(test_runner_check_fails),
	    cmocka_unit_test(test_runner_check_boot),
	    cmocka_unit_test(test_runner_check_off_and_passing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
