/* drivers/base/memory.c in the model: the notifier chain, the observers,
 * and a kernel that cannot copy its command line. */
#include "test_boot_info.h"
#include "test_util.h"

/* -smp 1 -m 4G on pc: boot RAM ends at 5 GiB, device memory starts there,
 * so a 1 GiB DIMM covers blocks 40-47 (memory-blocks.md, dimm-acpi.md). */
#define QEMU_ONE_SLOT "-M pc -m 4G,slots=1,maxmem=8G"

/* ---- the notifier chain grows past the old fixed 16 entries ---- */

struct order_log {
	int seen[64];
	unsigned int n;
};

struct order_notifier {
	struct order_log *log;
	int priority;
};

static int order_call(void *data, enum memory_block_state action, const struct memory_notify *arg)
{
	struct order_notifier *o = data;

	(void)arg;
	if (action == MEM_GOING_ONLINE && o->log->n < 64)
		o->log->seen[o->log->n++] = o->priority;
	return 0;
}

/* 6.1 leaves hot-added memory offline, so the one online below is the
 * only GOING_ONLINE. The kernel's notifier chain calls in descending priority, equal
 * priorities in registration order, however many there are. */
static void test_notifier_chain_grows_and_orders(void **state)
{
	struct machine *m = tu_boot(QEMU_ONE_SLOT, NULL, MEMHP_KERNEL_6_1);
	struct order_notifier nbs[40];
	struct order_log log = {0};

	(void)state;
	for (int i = 0; i < 40; i++) {
		struct memory_notifier nb = {
		    .call = order_call, .data = &nbs[i], .priority = i % 4};

		nbs[i] = (struct order_notifier){.log = &log, .priority = i % 4};
		assert_int_equal(register_memory_notifier(m->kernel, &nb), 0);
	}
	tu_plug_dimm(m, "mem0", "dimm0", 1 * GiB, -1);
	machine_run_pending(m);
	assert_int_equal(tu_blk_write(m, 40, "state", "online_movable"), 0);
	assert_int_equal(log.n, 40);
	for (unsigned int i = 1; i < log.n; i++)
		assert_true(log.seen[i - 1] >= log.seen[i]);
	assert_int_equal(log.seen[0], 3);
	assert_int_equal(log.seen[39], 0);
	for (int i = 0; i < 40; i++)
		unregister_memory_notifier(m->kernel, &nbs[i]);
	assert_int_equal(m->kernel->nr_notifiers, 0);
	machine_free(m);
}

/* ---- observers ---- */

struct watch {
	unsigned int decided, onlined, offlined;
	uint64_t last_block;
	enum zone_type last_zone;
	enum mmop last_type;
};

static void watch_decided(void *data, const struct memory_block *b, const struct zone_decision *d)
{
	struct watch *w = data;

	w->decided++;
	w->last_block = b->id;
	w->last_zone = d->zone;
	w->last_type = d->online_type;
	/* Published after the fact: the block already sits in that zone. */
	assert_int_equal(b->state, MEM_ONLINE);
	assert_int_equal(b->zone->type, d->zone);
}

static void watch_state(void *data, const struct memory_block *b, enum memory_block_state old)
{
	struct watch *w = data;

	if (b->state == MEM_ONLINE && old == MEM_OFFLINE)
		w->onlined++;
	else if (b->state == MEM_OFFLINE && old == MEM_ONLINE)
		w->offlined++;
	else
		fail_msg("unexpected transition %d -> %d", old, b->state);
}

/* Every successful online publishes its decision and the state change;
 * an offline publishes the state change; a refused write publishes
 * nothing, since nothing changed. */
static void test_observer_sees_decisions_and_state_changes(void **state)
{
	struct machine *m = tu_boot(QEMU_ONE_SLOT, NULL, MEMHP_KERNEL_6_12);
	struct watch w = {0};
	struct memory_observer o = {
	    .zone_decided = watch_decided, .state_changed = watch_state, .data = &w};

	(void)state;
	assert_int_equal(register_memory_observer(m->kernel, &o), 0);
	tu_plug_dimm(m, "mem0", "dimm0", 1 * GiB, -1);
	machine_run_pending(m);
	/* Debian 6.12 onlines hot-added memory itself: all 8 blocks, Normal
	 * under contig-zones (the DIMM lies past every boot zone). */
	assert_int_equal(w.decided, 8);
	assert_int_equal(w.onlined, 8);
	assert_int_equal(w.last_zone, ZONE_NORMAL);
	assert_int_equal(w.last_type, MMOP_ONLINE);
	assert_int_equal(tu_blk_write(m, 47, "state", "offline"), 0);
	assert_int_equal(w.offlined, 1);
	assert_int_equal(tu_blk_write(m, 47, "state", "online_movable"), 0);
	assert_int_equal(w.decided, 9);
	assert_int_equal(w.last_block, 47);
	assert_int_equal(w.last_zone, ZONE_MOVABLE);
	assert_int_equal(w.last_type, MMOP_ONLINE_MOVABLE);
	/* Already online: -EINVAL, no event. */
	assert_int_equal(tu_blk_write(m, 47, "state", "online"), -EINVAL);
	assert_int_equal(w.decided, 9);
	unregister_memory_observer(m->kernel, &w);
	assert_int_equal(tu_blk_write(m, 46, "state", "offline"), 0);
	assert_int_equal(w.offlined, 1);
	machine_free(m);
}

/* ---- a command line that cannot be copied ---- */

/* The test binary is linked with --wrap=strdup: fail_strdup makes the
 * next strdup() fail as an exhausted heap would. */
static bool fail_strdup;
char *__real_strdup(const char *s);
char *__wrap_strdup(const char *s)
{
	if (fail_strdup) {
		fail_strdup = false;
		errno = ENOMEM;
		return NULL;
	}
	return __real_strdup(s);
}

/* Booting with memhp_default_state=online but no memory to read the
 * command line with must fail, not boot a kernel that ignores it. */
static void test_cmdline_copy_failure_fails_boot(void **state)
{
	struct firmware_range ram = {.start = 0, .end = 4 * GiB};
	struct boot_info bi =
	    tu_boot_info(MEMHP_KERNEL_6_12, true, "memhp_default_state=online", &ram, 1, 1);
	struct kernel *k = NULL;

	(void)state;
	fail_strdup = true;
	assert_int_equal(kernel_boot(&bi, &k), -ENOMEM);
	assert_null(k);
	assert_int_equal(kernel_boot(&bi, &k), 0);
	assert_int_equal(k->auto_online_type, MMOP_ONLINE);
	kernel_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_notifier_chain_grows_and_orders),
	    cmocka_unit_test(test_observer_sees_decisions_and_state_changes),
	    cmocka_unit_test(test_cmdline_copy_failure_fails_boot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
