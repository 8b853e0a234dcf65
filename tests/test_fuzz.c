/* memhp fuzz (memhp_fuzz_run()): deterministic for a seed, sound on a
 * short run, and a failure it finds is written as a scenario that memhp
 * run --check reproduces at the same line with the same message. The
 * failure is injected: kernel_check() is wrapped (-Wl,--wrap) with an
 * extra invariant that a test switches on. */
#include "test_util.h"

#include <unistd.h>

#include "memhp/memhp.h"
#include "scenario.h"
#include "scenario_run.h"

int __real_kernel_check(const struct kernel *k, char *msg, size_t len);
int __wrap_kernel_check(const struct kernel *k, char *msg, size_t len);

/* The injected invariant: no hot-added block online in ZONE_MOVABLE. */
static bool no_movable_dimms;

int __wrap_kernel_check(const struct kernel *k, char *msg, size_t len)
{
	const struct memory_block *b;
	uint64_t id;
	int ret = __real_kernel_check(k, msg, len);

	if (ret || !no_movable_dimms)
		return ret;
	idtree_for_each(&k->blocks, id, b)
	{
		if (!b->early && b->state == MEM_ONLINE && b->zone &&
		    b->zone->type == ZONE_MOVABLE) {
			snprintf(msg, len,
				 "invariant test-movable: memory%llu is online in Movable",
				 (unsigned long long)id);
			return -EUCLEAN;
		}
	}
	return 0;
}

struct outcome {
	struct memhp_fuzz_report r;
	char *text; /* the last machine's scenario */
};

static void fuzz(uint64_t seed, uint64_t ops, const char *out, struct outcome *o)
{
	struct memhp_fuzz_options fo = {.seed = seed, .ops = ops, .out = out};
	struct memhp_fuzz *f;
	const char *text;
	char err[256];
	uint64_t step;
	size_t len;

	assert_int_equal(memhp_fuzz_new(&fo, &f), 0);
	assert_int_equal(memhp_fuzz_run(f, &o->r, err, sizeof(err)), 0);
	memhp_fuzz_current(f, &text, &len, &step);
	assert_int_equal(step, o->r.ops);
	o->text = strndup(text, len);
	assert_non_null(o->text);
	memhp_fuzz_free(f);
}

/* A few thousand operations on two seeds: no failure, and a seed always
 * makes the same machines and operations. */
static void test_fuzz_sound_and_deterministic(void **state)
{
	struct outcome a, b, c;

	(void)state;
	fuzz(1, 3000, "unused.scn", &a);
	fuzz(1, 3000, "unused.scn", &b);
	fuzz(2, 3000, "unused.scn", &c);
	if (a.r.failed || c.r.failed)
		fail_msg("seed %d step %llu: %s", a.r.failed ? 1 : 2,
			 (unsigned long long)(a.r.failed ? a.r.step : c.r.step),
			 a.r.failed ? a.r.message : c.r.message);
	assert_int_equal(a.r.ops, 3000);
	assert_true(a.r.machines >= 1);
	assert_int_equal(a.r.machines, b.r.machines);
	assert_string_equal(a.text, b.text);
	assert_string_not_equal(a.text, c.text);
	free(a.text);
	free(b.text);
	free(c.text);
}

/* The injected invariant breaks as soon as a DIMM block goes Movable: the
 * fuzzer stops there, writes the machine's scenario with the failing
 * operation as its last line, and memhp run --check fails on that line
 * with the same message. */
static void test_fuzz_failure_reproduces(void **state)
{
	char dir[] = "/tmp/memhp-test-fuzz-XXXXXX", out[128], err[1024], want[1200];
	struct scenario_run_options ro = {.check = true};
	struct scenario_run run;
	struct scenario *sc;
	struct outcome o;
	int ret;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/fail.scn", dir);
	no_movable_dimms = true;
	fuzz(1, 100000, out, &o);
	assert_true(o.r.failed);
	assert_true(o.r.step > 0);
	assert_int_equal(o.r.ops, o.r.step);
	assert_true(!strncmp(o.r.message, "invariant test-movable: memory", 30));
	assert_true(o.r.reproduced);

	assert_int_equal(scenario_parse_file(out, &sc, err, sizeof(err)), 0);
	assert_true(sc->nr_steps > 0);
	assert_int_equal(sc->steps[sc->nr_steps - 1].lineno, o.r.line);
	ro.version = o.r.kernel;
	ret = scenario_run(sc, &ro, &run, err, sizeof(err));
	assert_int_equal(ret, -EUCLEAN);
	snprintf(want, sizeof(want), "%s:%d: %s", out, o.r.line, o.r.message);
	assert_string_equal(err, want);
	scenario_run_release(&run);

	/* Without the injected invariant the same file runs clean. */
	no_movable_dimms = false;
	assert_int_equal(scenario_run(sc, &ro, &run, err, sizeof(err)), 0);
	scenario_run_release(&run);
	scenario_free(sc);
	free(o.text);
	unlink(out);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fuzz_sound_and_deterministic),
	    cmocka_unit_test(test_fuzz_failure_reproduces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
