/* The public API: a thin layer over the scenario runner. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "explain.h"
#include "json_out.h"
#include "lsmem.h"
#include "plan.h"
#include "machine.h"
#include "memhp/memhp.h"
#include "qemu_backend.h"
#include "readfile.h"
#include "run_diff.h"
#include "run_json.h"
#include "scenario.h"
#include "scenario_run.h"
#include "strbuf.h"
#include "tool.h"
#include "vfs.h"

struct memhp_run {
	struct scenario_run run; /* the QEMU backend fills only run.result */
	/* MEMHP_SNAPSHOTS_STREAM: the elements of "snapshots", in memory
	 * and past SNAPSHOTS_IN_MEMORY bytes in a temporary file; or NULL. */
	struct json_out *snapshots;
};

static int run_on_qemu(const struct scenario *sc, const struct memhp_run_options *opts,
		       struct memhp_run *r, char *err, size_t errlen)
{
	struct qemu_backend_options qo = {
		.version = opts->kernel,
		.sysroot_out = opts->sysroot_out,
		.console_log = opts->console_log,
		.kernel_script = opts->kernel_script,
		.progress = opts->progress,
		.ctx = opts->progress_ctx,
	};

	if (!opts->kernel_script) {
		snprintf(err, errlen, "the QEMU backend needs scripts/guest-kernel.sh");
		return -EINVAL;
	}
	return qemu_backend_run(sc, &qo, &r->run.result, err, errlen);
}

/* The streamed snapshots of a run stay in memory up to this size (most
 * runs: no file to create, write and read back), beyond it they go to a
 * temporary file (a run of thousands of snapshots keeps its memory). */
#define SNAPSHOTS_IN_MEMORY (1 << 18)

static void snapshots_close(struct json_out *o)
{
	if (!o)
		return;
	if (o->f)
		fclose(o->f);
	json_out_release(o);
	free(o);
}

static int model_run(const struct scenario *sc, const struct memhp_run_options *opts,
		     struct scenario_run_options *ro, struct memhp_run *r, char *err, size_t errlen)
{
	switch (opts->snapshots) {
	case MEMHP_SNAPSHOTS_KEEP:
		ro->snapshot_json = SNAPSHOT_JSON_TREE;
		break;
	case MEMHP_SNAPSHOTS_NONE:
		ro->snapshot_json = SNAPSHOT_JSON_NONE;
		break;
	case MEMHP_SNAPSHOTS_STREAM:
		r->snapshots = calloc(1, sizeof(*r->snapshots));
		if (!r->snapshots || json_out_init(r->snapshots, NULL, SNAPSHOTS_IN_MEMORY)) {
			snprintf(err, errlen, "a buffer for the snapshots: %s", strerror(ENOMEM));
			return -ENOMEM;
		}
		ro->snapshot_json = SNAPSHOT_JSON_STREAM;
		ro->snapshot_stream = r->snapshots;
		break;
	}
	return scenario_run(sc, ro, &r->run, err, errlen);
}

/* --sysroot-out DIR is checked (and created) before anything runs: a bad
 * DIR is bad input, not a run that fails at its first snapshot. */
static int check_sysroot_out(const char *dir, char *err, size_t errlen)
{
	char why[256];
	int ret = sysroot_dir_prepare(dir, why, sizeof(why));

	if (ret)
		snprintf(err, errlen, "--sysroot-out '%s': %s", dir, why);
	return ret;
}

/* Words after the scenario's kernel-cmdline lines, as one more such line
 * would add them. 0 or -ENOMEM (the scenario unchanged). */
static int append_cmdline(struct scenario *sc, const char *words)
{
	struct strbuf sb = {0};
	char *joined;

	strbuf_addf(&sb, "%s%s%s", sc->kernel_cmdline, *sc->kernel_cmdline ? " " : "", words);
	if (strbuf_detach(&sb, &joined))
		return -ENOMEM;
	free(sc->kernel_cmdline);
	sc->kernel_cmdline = joined;
	return 0;
}

int memhp_run_file(const char *path, const struct memhp_run_options *opts, struct memhp_run **out,
		   char *err, size_t errlen)
{
	struct scenario_run_options ro = {
		.version = opts->kernel,
		.sysroot_out = opts->sysroot_out,
		.check = opts->check,
		.guest_fallback = opts->guest_fallback,
	};
	struct scenario *sc;
	struct memhp_run *r;
	int ret;

	ret = scenario_parse_file(path, &sc, err, errlen);
	if (!ret && opts->extra_cmdline && *opts->extra_cmdline)
		ret = append_cmdline(sc, opts->extra_cmdline);
	if (!ret && opts->sysroot_out)
		ret = check_sysroot_out(opts->sysroot_out, err, errlen);
	if (ret) {
		scenario_free(sc);
		return ret;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		scenario_free(sc);
		return -ENOMEM;
	}
	if (opts->backend == MEMHP_BACKEND_QEMU)
		ret = run_on_qemu(sc, opts, r, err, errlen);
	else
		ret = model_run(sc, opts, &ro, r, err, errlen);
	scenario_free(sc);
	if (ret && !r->run.result) {
		snapshots_close(r->snapshots);
		free(r);
		return ret;
	}
	/* A run that started is a result, even if a step broke it ("error"). */
	*out = r;
	return 0;
}

void memhp_run_free(struct memhp_run *run)
{
	if (!run)
		return;
	scenario_run_release(&run->run);
	snapshots_close(run->snapshots);
	free(run);
}

struct json_object *memhp_run_result(const struct memhp_run *run)
{
	return run->run.result;
}

/* The streamed elements behind what o holds: from memory, or copied back
 * from the temporary file. */
static int copy_snapshots(struct json_out *from, struct json_out *o)
{
	FILE *to = o->f;
	char buf[1 << 16];
	size_t n;

	loff_t off = 0;
	ssize_t k;

	if (!from->f) {
		json_out_mem(o, from->buf, from->len);
		return o->error ? -EIO : 0;
	}
	if (json_out_flush(o) || json_out_flush(from) || fflush(from->f) || fflush(to))
		return -EIO;
	/* In the kernel when both are files (one copy of the data, not two);
	 * else, or after a partial copy, through user space. */
	while ((k = copy_file_range(fileno(from->f), &off, fileno(to), NULL, SIZE_MAX >> 2, 0)) >
	       0)
		;
	if (off && fseek(to, 0, SEEK_END))
		return -EIO;
	if (fseek(from->f, off, SEEK_SET))
		return -EIO;
	while ((n = fread(buf, 1, sizeof(buf), from->f)) > 0)
		if (fwrite(buf, 1, n, to) != n)
			return -EIO;
	return ferror(from->f) ? -EIO : 0;
}

/* The result as json-c would print it with the streamed snapshots in its
 * (empty) "snapshots" array: json_out's copy of json-c's layout, so the
 * run's tree is not first turned into one string. */
static int write_streamed(const struct memhp_run *run, struct json_out *o)
{
	bool first = true;
	int ret = 0;

	json_out_char(o, '{');
	json_object_object_foreach(run->run.result, key, val)
	{
		json_out_key(o, 1, first, key);
		first = false;
		if (strcmp(key, "snapshots")) {
			json_out_value(o, val, 1);
			continue;
		}
		/* Streamed snapshots and ones in the tree would be two lists. */
		if (json_object_array_length(val))
			return -EINVAL;
		json_out_char(o, '[');
		ret = copy_snapshots(run->snapshots, o);
		if (ret)
			return ret;
		json_out_close(o, 1, ']');
	}
	json_out_close(o, 0, '}');
	return 0;
}

int memhp_run_write_json(const struct memhp_run *run, FILE *f)
{
	const struct json_out *snaps = run->snapshots;
	bool streamed = snaps && json_object_is_type(run->run.result, json_type_object) &&
			(snaps->len || (snaps->f && ftell(snaps->f) > 0));
	struct json_out o;
	int ret = json_out_init(&o, f, 1 << 16);

	if (ret)
		return ret;
	if (streamed)
		ret = write_streamed(run, &o);
	else
		json_out_value(&o, run->run.result, 0);
	if (json_out_flush(&o) && !ret)
		ret = -EIO;
	json_out_release(&o);
	return ret ? ret : ferror(f) ? -EIO : 0;
}

int memhp_check(const struct memhp_run *run, char *msg, size_t len)
{
	if (!run->run.machine) {
		snprintf(msg, len, "only a model run has a machine to check");
		return -EOPNOTSUPP;
	}
	return machine_check(run->run.machine, msg, len);
}

/* The blocks of the last snapshot, for runs without a model machine. */
static int for_each_snapshot_block(struct json_object *result,
				   int (*fn)(const struct memhp_block_info *b, void *arg), void *arg)
{
	struct json_object *snaps, *snap, *blocks, *v;
	uint64_t block_size = 0;
	size_t n;

	if (!json_object_object_get_ex(result, "snapshots", &snaps) ||
	    !(n = json_object_array_length(snaps)))
		return 0;
	snap = json_object_array_get_idx(snaps, n - 1);
	if (json_object_object_get_ex(snap, "block_size_bytes", &v))
		block_size = (uint64_t)json_object_get_int64(v);
	if (!json_object_object_get_ex(snap, "blocks", &blocks))
		return 0;
	for (size_t i = 0; i < json_object_array_length(blocks); i++) {
		struct json_object *b = json_object_array_get_idx(blocks, i), *zone = NULL;
		struct memhp_block_info info = {0};
		int ret;

		if (json_object_object_get_ex(b, "id", &v))
			info.id = (uint64_t)json_object_get_int64(v);
		if (json_object_object_get_ex(b, "node", &v))
			info.node = json_object_get_int(v);
		info.state = json_object_object_get_ex(b, "state", &v) ? json_object_get_string(v)
								       : "";
		json_object_object_get_ex(b, "zone", &zone);
		info.zone = zone ? json_object_get_string(zone) : NULL;
		info.start = info.id * block_size;
		info.size = block_size;
		ret = fn(&info, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int memhp_run_for_each_block(const struct memhp_run *run,
			     int (*fn)(const struct memhp_block_info *b, void *arg), void *arg)
{
	const struct kernel *k;
	const struct memory_block *b;
	uint64_t id;

	if (!run->run.machine)
		return for_each_snapshot_block(run->run.result, fn, arg);
	k = run->run.machine->kernel;
	idtree_for_each(&k->blocks, id, b)
	{
		struct memhp_block_info info = {
			.id = id,
			.start = id * k->block_size,
			.size = k->block_size,
			.state = memory_block_state_name(b->state),
			.zone = b->state == MEM_ONLINE && b->zone ? zone_name(b->zone->type) : NULL,
			.node = b->nid,
		};
		int ret = fn(&info, arg);

		if (ret)
			return ret;
	}
	return 0;
}

int memhp_run_diff(struct json_object *a, const char *name_a, struct json_object *b,
		   const char *name_b, char **report)
{
	struct strbuf sb = {0};
	int n = run_diff(a, b, name_a, name_b, &sb);

	*report = NULL;
	if (n < 0 || strbuf_detach(&sb, report)) {
		strbuf_release(&sb);
		return n < 0 ? n : -ENOMEM;
	}
	return n;
}

/* Parses path and runs it to ro->stop_after (or its end). 0 with *sc and
 * *run for the caller to release, or an error with nothing kept: a run
 * that stopped on an error did not reach the state asked about, and
 * looking at where it stopped would answer another question. */
static int run_to_label(const char *path, const struct scenario_run_options *ro,
			struct scenario **sc, struct scenario_run *run, char *err, size_t errlen)
{
	int ret = scenario_parse_file(path, sc, err, errlen);

	if (ret)
		return ret;
	ret = scenario_run(*sc, ro, run, err, errlen);
	if (ret || !run->machine) {
		scenario_run_release(run);
		scenario_free(*sc);
		return ret ? ret : -EINVAL;
	}
	return 0;
}

int memhp_explain_file(const char *path, const struct memhp_explain_options *opts,
		       struct json_object **out, char *err, size_t errlen)
{
	struct scenario_run_options ro = {
		.version = opts->kernel,
		.stop_after = opts->at_label,
		.trace = !opts->device,
		.trace_block = opts->block,
	};
	const char *at = opts->at_label ? "at snapshot " : "at the end";
	struct explain_input in;
	struct scenario_run run;
	struct scenario *sc;
	int ret;

	*out = NULL;
	ret = run_to_label(path, &ro, &sc, &run, err, errlen);
	if (ret)
		return ret;
	in = (struct explain_input){.sc = sc,
				    .m = run.machine,
				    .at_label = opts->at_label,
				    .block = opts->block,
				    .onlined_step = run.trace_step,
				    .decision = &run.trace_decision};
	*out = opts->device ? explain_device(&in, opts->device, &ret) : explain_block(&in, &ret);
	if (ret == -ENOENT && opts->device)
		snprintf(err, errlen, "%s: there is no virtio-mem device %s %s%s", path,
			 opts->device, at, opts->at_label ? opts->at_label : "");
	else if (ret == -ENOENT)
		snprintf(err, errlen, "%s: there is no memory%llu %s%s", path,
			 (unsigned long long)opts->block, at, opts->at_label ? opts->at_label : "");
	else if (!*out)
		ret = -ENOMEM;
	scenario_run_release(&run);
	scenario_free(sc);
	return ret;
}

int memhp_explain_live(const char *sysroot, uint64_t block, struct json_object **out, char *err,
		       size_t errlen)
{
	struct sysroot sr = {.prefix = sysroot ? sysroot : "/"};
	char why[512] = "";
	struct vfs fs;
	int ret;

	sysroot_vfs(&sr, &fs);
	*out = explain_live_block(&fs, sysroot ? sysroot : "live", block, &ret, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "%s: %s", sysroot ? sysroot : "this machine", why);
	else if (!*out)
		ret = -ENOMEM;
	return ret;
}

/* A view's text of its JSON, malloc'd; NULL without memory. */
static char *view_text(void (*format)(struct json_object *o, struct strbuf *sb),
		       struct json_object *o)
{
	struct strbuf sb = {0};
	char *text = NULL;

	format(o, &sb);
	if (sb.oom || strbuf_detach(&sb, &text)) {
		strbuf_release(&sb);
		return NULL;
	}
	return text;
}

char *memhp_explain_text(struct json_object *explanation)
{
	return view_text(explain_format_text, explanation);
}

int memhp_plan_file(const char *path, const struct memhp_plan_options *opts,
		    struct json_object **out, char *err, size_t errlen)
{
	struct scenario_run_options ro = {.version = opts->kernel, .stop_after = opts->at_label};
	struct scenario_run run;
	struct scenario *sc;
	int ret;

	*out = NULL;
	ret = run_to_label(path, &ro, &sc, &run, err, errlen);
	if (ret)
		return ret;
	*out = plan_machine(run.machine);
	if (!*out)
		ret = -ENOMEM;
	scenario_run_release(&run);
	scenario_free(sc);
	return ret;
}

char *memhp_plan_text(struct json_object *plan)
{
	return view_text(plan_format_text, plan);
}

int memhp_ls(const struct memhp_ls_options *o, FILE *out, char *err, size_t errlen)
{
	struct sysroot sr = {.prefix = o->sysroot ? o->sysroot : "/"};
	struct vfs fs;

	sysroot_vfs(&sr, &fs);
	return lsmem_print(&fs, o, out, err, errlen);
}

int memhp_json_load(const char *path, struct json_object **out, char *err, size_t errlen)
{
	return json_document_load(path, out, err, errlen);
}

int memhp_read_text_file(const char *path, char **text, char *err, size_t errlen)
{
	return read_text_file(path, INPUT_FILE_MAX, text, err, errlen);
}

/* ---- the memory tools on this machine -------------------------------- */

int memhp_tool_main(int argc, char **argv, FILE *out, FILE *err)
{
	const struct tool *tool = tool_find(argv[0]);
	struct strbuf o = {0}, e = {0};
	struct sysroot root = {.prefix = "/"};
	struct vfs fs;
	struct tool_ctx t = {.out = &o, .err = &e, .live = true, .root = geteuid() == 0};
	int ret;

	if (!tool)
		return -ENOENT;
	sysroot_vfs_rw(&root, &fs);
	t.fs = &fs;
	ret = tool->main(&t, argc, argv);
	if (o.buf)
		fputs(o.buf, out);
	if (e.buf)
		fputs(e.buf, err);
	if (strbuf_error(&o) || strbuf_error(&e))
		fprintf(err, "memhp %s: out of memory: output incomplete\n", argv[0]);
	strbuf_release(&o);
	strbuf_release(&e);
	return ret;
}

const char *memhp_tool_summary(const char *name)
{
	const struct tool *tool = tool_find(name);

	return tool ? tool->summary : NULL;
}
