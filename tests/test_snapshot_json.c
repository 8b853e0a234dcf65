/* The run JSON's snapshots made three ways must agree byte for byte, on
 * every corpus and example scenario and both kernels: read through the
 * model's /sys (snapshot_from_vfs(), the code that reads captured guest
 * trees), read from the model's structures (snapshot_capture()), and
 * written straight out (snapshot_write(), against json-c's printer of the
 * same object). And memhp_run_write_json() with streamed snapshots must
 * print what json-c prints for the run with its snapshots kept. */
#include "test_util.h"

#include <dirent.h>
#include <unistd.h>

#include "json_out.h"
#include "machine.h"
#include "memhp/memhp.h"
#include "scenario.h"
#include "scenario_run.h"
#include "snapshot.h"

static char *pretty(struct json_object *o)
{
	char *s = strdup(json_object_to_json_string_ext(o, JSON_OUT_FLAGS));

	assert_non_null(s);
	return s;
}

/* snapshot_write()'s text at level 0 (what json-c prints for a root). */
static char *written(const struct machine *m, const char *label, int step)
{
	struct json_out o;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(json_out_init(&o, f, 1 << 16), 0);
	assert_int_equal(snapshot_write(m, label, step, &o, 0), 0);
	assert_int_equal(json_out_flush(&o), 0);
	json_out_release(&o);
	fclose(f);
	return text;
}

static void compare_at(const struct machine *m, const char *label, int step, const char *where)
{
	struct json_object *direct = snapshot_capture(m, label, step);
	struct json_object *vfs = snapshot_capture_vfs(m, label, step);
	char *a = pretty(direct), *b = pretty(vfs), *c = written(m, label, step);

	if (strcmp(a, b))
		fail_msg("%s: snapshot_capture() and snapshot_from_vfs() differ", where);
	if (strcmp(a, c))
		fail_msg("%s: snapshot_write() and json-c differ", where);
	free(a);
	free(b);
	free(c);
	json_object_put(direct);
	json_object_put(vfs);
}

/* Every snapshot of path on kernel v, three ways. */
static int compare_snapshots(const char *path, enum memhp_kernel v)
{
	struct model_session *ms;
	struct scenario *sc;
	char err[1024], where[1200];
	int n = 0;

	assert_int_equal(scenario_parse_file(path, &sc, err, sizeof(err)), 0);
	if (model_session_boot(sc, v, &ms, err, sizeof(err))) {
		model_session_free(ms);
		scenario_free(sc);
		return 0;
	}
	for (size_t i = 0; i < sc->nr_steps; i++) {
		const struct scenario_step *st = &sc->steps[i];

		if (model_session_step(ms, st, (int)i, err, sizeof(err)))
			break;
		if (st->kind != STEP_SNAPSHOT)
			continue;
		snprintf(where, sizeof(where), "%s:%d (%s)", path, st->lineno, memhp_kernel_name(v));
		compare_at(model_session_machine(ms), st->arg, (int)i, where);
		n++;
	}
	/* A label with every character class the escapes care about. */
	snprintf(where, sizeof(where), "%s (%s), odd label", path, memhp_kernel_name(v));
	compare_at(model_session_machine(ms), "q\"b\\s/\x01\x1f\t\n\r\b\f\x7f \xc3\xa9", -1,
		   where);
	/* Escapes past the first eight bytes, between runs of plain ones
	 * (json_out scans eight bytes at a time), and bytes near the tested
	 * values: '!', '#', '[', ']', 0x20, 0x7f, 0x80, 0xa2, 0xdc. */
	compare_at(model_session_machine(ms),
		   "plain text, then \"quoted\" words !# []\x7f\x80\xa2\xdc and a \\ back"
		   "slash, a tab\there and \x1f\x01 after sixteen plain bytes.....",
		   -1, where);
	/* A short one (json_out copies those while it checks them). */
	compare_at(model_session_machine(ms), "s\"\\\x01\xc3\xa9/", -1, where);
	model_session_free(ms);
	scenario_free(sc);
	return n;
}

/* memhp_run_write_json() into f, as text. */
static char *run_text(struct memhp_run *run, bool to_file)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = to_file ? tmpfile() : open_memstream(&text, &len);
	long end;

	assert_non_null(f);
	assert_int_equal(memhp_run_write_json(run, f), 0);
	if (!to_file) {
		fclose(f);
		return text;
	}
	/* A file: the snapshots come back through copy_file_range(). */
	assert_int_equal(fflush(f), 0);
	end = ftell(f);
	text = calloc(1, (size_t)end + 1);
	assert_non_null(text);
	rewind(f);
	assert_int_equal(fread(text, 1, (size_t)end, f), (size_t)end);
	fclose(f);
	return text;
}

static void compare_streamed(const char *path, enum memhp_kernel v)
{
	struct memhp_run_options keep = {.kernel = v}, stream = keep;
	struct memhp_run *a, *b;
	char err[1024], *want, *mem, *file;

	stream.snapshots = MEMHP_SNAPSHOTS_STREAM;
	if (memhp_run_file(path, &keep, &a, err, sizeof(err)))
		return;
	assert_int_equal(memhp_run_file(path, &stream, &b, err, sizeof(err)), 0);
	want = pretty(memhp_run_result(a));
	mem = run_text(b, false);
	file = run_text(b, true);
	if (strcmp(want, mem) || strcmp(want, file))
		fail_msg("%s (%s): streamed run JSON differs from json-c's", path,
			 memhp_kernel_name(v));
	free(want);
	free(mem);
	free(file);
	memhp_run_free(a);
	memhp_run_free(b);
}

static int for_each_scn(const char *dir, void (*fn)(const char *path, int *n))
{
	struct dirent *e;
	DIR *d = opendir(dir);
	char path[1024];
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len < 5 || strcmp(e->d_name + len - 4, ".scn"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fn(path, &n);
	}
	closedir(d);
	return n;
}

static void snapshots_of(const char *path, int *n)
{
	*n += compare_snapshots(path, MEMHP_KERNEL_6_1);
	*n += compare_snapshots(path, MEMHP_KERNEL_6_12);
}

static void test_snapshot_three_ways(void **state)
{
	int n;

	(void)state;
	n = for_each_scn(CORPUS_DIR, snapshots_of) + for_each_scn(EXAMPLES_DIR, snapshots_of);
	/* The corpus has well over a hundred snapshots on each kernel. */
	assert_true(n > 200);
}

static void streamed_of(const char *path, int *n)
{
	compare_streamed(path, MEMHP_KERNEL_6_1);
	compare_streamed(path, MEMHP_KERNEL_6_12);
	(*n)++;
}

static void test_run_json_streamed(void **state)
{
	(void)state;
	assert_true(for_each_scn(CORPUS_DIR, streamed_of) > 50);
}

/* Snapshots past what a run keeps in memory (256 KiB) go through the
 * temporary file, and come back from it the same. */
static void test_run_json_streamed_spilled(void **state)
{
	char path[] = "/tmp/memhp-spill-XXXXXX.scn";
	int fd = mkstemps(path, 4);
	struct memhp_run_options keep = {.kernel = MEMHP_KERNEL_6_12};
	struct memhp_run *a;
	char err[1024], *text;
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "qemu: -M q35 -m 4G\n");
	for (int i = 0; i < 100; i++)
		fprintf(f, "snapshot s%d\n", i);
	assert_int_equal(fclose(f), 0);
	compare_streamed(path, MEMHP_KERNEL_6_12);
	/* It did spill: the text is well past the buffer. */
	assert_int_equal(memhp_run_file(path, &keep, &a, err, sizeof(err)), 0);
	text = pretty(memhp_run_result(a));
	assert_true(strlen(text) > 2 * (1 << 18));
	free(text);
	memhp_run_free(a);
	unlink(path);
}

/* Without snapshots asked for, the run has none, and the rest is the same. */
static void test_run_json_no_snapshots(void **state)
{
	struct memhp_run_options keep = {.kernel = MEMHP_KERNEL_6_12}, none = keep;
	struct json_object *snaps = NULL;
	struct memhp_run *a, *b;
	char err[1024], path[512];

	(void)state;
	none.snapshots = MEMHP_SNAPSHOTS_NONE;
	snprintf(path, sizeof(path), "%s/am-q35-six-dimms.scn", CORPUS_DIR);
	assert_int_equal(memhp_run_file(path, &keep, &a, err, sizeof(err)), 0);
	assert_int_equal(memhp_run_file(path, &none, &b, err, sizeof(err)), 0);
	assert_true(json_object_object_get_ex(memhp_run_result(b), "snapshots", &snaps));
	assert_int_equal(json_object_array_length(snaps), 0);
	json_object_object_add(memhp_run_result(a), "snapshots", json_object_new_array());
	assert_string_equal(json_object_to_json_string(memhp_run_result(a)),
			    json_object_to_json_string(memhp_run_result(b)));
	memhp_run_free(a);
	memhp_run_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_snapshot_three_ways),
	    cmocka_unit_test(test_run_json_streamed),
	    cmocka_unit_test(test_run_json_streamed_spilled),
	    cmocka_unit_test(test_run_json_no_snapshots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
