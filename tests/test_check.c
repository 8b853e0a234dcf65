/* The invariant checks (memhp_check(), machine_check()): a healthy machine
 * passes, and each invariant, broken on purpose by poking the model's
 * counters, fails with its name and the numbers it compared. The numbers
 * are the kernel's for the machine (pc 4 GiB: DMA 3998 + DMA32 782304 +
 * Normal 262144 = 1048446 early kernel pages, conformance corpus), and a
 * 1 GiB DIMM of 262144 pages onlined Movable as blocks 40-47. */
#include "test_util.h"

#include "acpi_memhotplug.h"
#include "scenario.h"
#include "scenario_run.h"

struct fixture {
	struct machine *m;
	struct kernel *k;
	struct zone *movable, *normal;
	struct node *node0;
	struct memory_block *b40;
	struct pc_dimm *d1;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char msg[512] = "";

	assert_non_null(f);
	f->m = tu_boot("-M pc -m 4G,slots=4,maxmem=16G", "memhp_default_state=online_movable",
		       MEMHP_KERNEL_6_12);
	tu_plug_dimm(f->m, "m1", "d1", 1 * GiB, -1);
	assert_true(machine_run_pending(f->m) > 0);
	f->k = f->m->kernel;
	f->node0 = &f->k->nodes[0];
	f->movable = &f->node0->zones[ZONE_MOVABLE];
	f->normal = &f->node0->zones[ZONE_NORMAL];
	f->b40 = find_memory_block(f->k, 40);
	assert_non_null(f->b40);
	f->d1 = to_pc_dimm(memory_device_find(f->m->vm, "d1"));
	assert_non_null(f->d1);
	/* The premise of every test: the machine as built is sound. */
	if (machine_check(f->m, msg, sizeof(msg)))
		fail_msg("healthy machine: %s", msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	machine_free(f->m);
	free(f);
	return 0;
}

/* The check fails with exactly want; after undo() it passes again. */
static void expect_broken(struct fixture *f, const char *want)
{
	char msg[512] = "";

	assert_int_equal(machine_check(f->m, msg, sizeof(msg)), -EUCLEAN);
	assert_string_equal(msg, want);
}

static void expect_sound(struct fixture *f)
{
	char msg[512] = "";

	if (machine_check(f->m, msg, sizeof(msg)))
		fail_msg("after undoing: %s", msg);
}

static void test_zone_present(void **state)
{
	struct fixture *f = *state;

	f->movable->present_pages += 32768;
	expect_broken(f, "invariant zone-present: zone Movable node 0: present_pages 294912 != "
			 "sum over blocks 262144");
	f->movable->present_pages -= 32768;
	expect_sound(f);
}

static void test_zone_managed(void **state)
{
	struct fixture *f = *state;

	f->movable->managed_pages--;
	expect_broken(f, "invariant zone-managed: zone Movable node 0: managed_pages 262143 != "
			 "sum over blocks 262144");
	f->movable->managed_pages++;
	expect_sound(f);
}

static void test_zone_present_early(void **state)
{
	struct fixture *f = *state;

	f->normal->present_early_pages++;
	expect_broken(f, "invariant zone-present-early: zone Normal node 0: present_early_pages "
			 "262145 != sum over boot blocks 262144");
	f->normal->present_early_pages--;
	expect_sound(f);
}

/* Movable spans blocks 40-47, pfns [1310720, 1572864); one block less
 * leaves memory47 outside. */
static void test_zone_span(void **state)
{
	struct fixture *f = *state;

	f->movable->spanned_pages -= 32768;
	expect_broken(f, "invariant zone-span: online memory47 [pfn 1540096, 1572864) lies "
			 "outside zone Movable node 0's span [1310720, 1540096)");
	f->movable->spanned_pages += 32768;
	expect_sound(f);
}

static void test_zone_online_blocks(void **state)
{
	struct fixture *f = *state;
	struct memory_block *b44 = idtree_erase(&f->movable->online_blocks, 44);

	assert_non_null(b44);
	expect_broken(f, "invariant zone-online-blocks: online memory44 is missing from zone "
			 "Movable node 0's online blocks");
	assert_int_equal(idtree_store(&f->movable->online_blocks, 44, b44), 0);
	expect_sound(f);
}

static void test_node_present(void **state)
{
	struct fixture *f = *state;

	f->node0->present_pages++;
	expect_broken(f, "invariant node-present: node 0: present_pages 1310591 != sum over blocks "
			 "1310590 (kernel 1048446 + movable 262144)");
	f->node0->present_pages--;
	expect_sound(f);
}

static void test_node_state(void **state)
{
	struct fixture *f = *state;

	f->node0->n_normal_memory = false;
	expect_broken(f, "invariant node-state: node 0: N_MEMORY 1, N_NORMAL_MEMORY 0 with kernel "
			 "pages 1048446 and movable pages 262144");
	f->node0->n_normal_memory = true;
	expect_sound(f);
}

/* Blocks 0-23 and 32-39 of boot RAM, 40-47 of the DIMM. */
static void test_node_blocks(void **state)
{
	struct fixture *f = *state;

	f->node0->nr_memory_blocks++;
	expect_broken(f, "invariant node-blocks: node 0: nr_memory_blocks 41 != 40 blocks on it");
	f->node0->nr_memory_blocks--;
	expect_sound(f);
}

/* Node 0 spans pfn 1 (DMA's start) to the end of Movable. */
static void test_node_span(void **state)
{
	struct fixture *f = *state;

	f->node0->spanned_pages++;
	expect_broken(f, "invariant node-span: node 0 spans [1, 1572865), its zones [1, 1572864)");
	f->node0->spanned_pages--;
	expect_sound(f);
}

static void test_totalram(void **state)
{
	struct fixture *f = *state;
	uint64_t managed = 0;
	char want[160];

	/* Boot reservations are the calibration's: the sum is the zones'. */
	for (int nid = 0; nid < f->k->nr_node_ids; nid++)
		for (int t = 0; t < MAX_NR_ZONES; t++)
			managed += f->k->nodes[nid].zones[t].managed_pages;
	f->k->totalram_pages += 7;
	snprintf(want, sizeof(want),
		 "invariant totalram: totalram_pages %" PRIu64 " != sum of managed pages %" PRIu64,
		 managed + 7, managed);
	expect_broken(f, want);
	f->k->totalram_pages -= 7;
	expect_sound(f);
}

static void test_group_pages(void **state)
{
	struct fixture *f = *state;
	struct memory_group_stats *g = &f->b40->group->stats;

	g->present_movable_pages++;
	expect_broken(f, "invariant group-movable-pages: memory group 0 (static, node 0): "
			 "present_movable_pages 262145 != sum over its blocks 262144");
	g->present_movable_pages--;
	g->present_kernel_pages += 32768;
	expect_broken(f, "invariant group-kernel-pages: memory group 0 (static, node 0): "
			 "present_kernel_pages 32768 != sum over its blocks 0");
	g->present_kernel_pages -= 32768;
	expect_sound(f);
}

static void test_group_blocks(void **state)
{
	struct fixture *f = *state;

	f->b40->group->nr_blocks++;
	expect_broken(f, "invariant group-blocks: memory group 0: nr_blocks 9 != 8 listed");
	f->b40->group->nr_blocks--;
	expect_sound(f);
}

/* The policy's list of dynamic groups must hold every one of them. */
static void test_group_dynamic_list(void **state)
{
	struct fixture *f = *state;
	struct memory_group_registry *r = &f->k->groups;
	int id = memory_group_register_dynamic(r, f->k->nodes, 0, 32768, 32768);

	assert_true(id >= 0);
	expect_sound(f);
	r->nr_dynamic--;
	expect_broken(f, "invariant group-dynamic-list: 0 dynamic groups listed, 1 registered");
	r->nr_dynamic++;
	assert_int_equal(memory_group_unregister(r, id), 0);
	expect_sound(f);
}

static void test_idtree_count(void **state)
{
	struct fixture *f = *state;

	f->k->blocks.count++;
	expect_broken(f, "invariant idtree-count: memory blocks: count 41 != 40 values stored");
	f->k->blocks.count--;
	expect_sound(f);
}

static void test_block_state(void **state)
{
	struct fixture *f = *state;

	f->b40->state = MEM_GOING_OFFLINE;
	expect_broken(f, "invariant block-state: memory40 is going-offline between steps");
	f->b40->state = MEM_ONLINE;
	expect_sound(f);
}

static void test_block_zone(void **state)
{
	struct fixture *f = *state;
	struct memory_block *b47 = find_memory_block(f->k, 47);

	assert_int_equal(tu_blk_write(f->m, 47, "state", "offline\n"), 0);
	expect_sound(f);
	b47->zone = f->movable;
	expect_broken(f, "invariant block-zone: offline memory47 still has zone Movable");
	b47->zone = NULL;
	expect_sound(f);
}

static void test_params(void **state)
{
	struct fixture *f = *state;

	f->k->online_policy = (enum online_policy)7;
	expect_broken(f, "invariant params: auto_online_blocks 3, online_policy 7, memmap 0");
	f->k->online_policy = ONLINE_POLICY_CONTIG_ZONES;
	expect_sound(f);
}

/* The guest's driver: every block of a bound DIMM points at it. */
static void test_device_blocks(void **state)
{
	struct fixture *f = *state;
	struct memory_block *b44 = find_memory_block(f->k, 44);
	const struct fwnode_handle *fw = b44->fwnode;

	b44->fwnode = NULL;
	expect_broken(f, "invariant device-blocks: memory44 in slot 0's range is not bound to it");
	b44->fwnode = fw;
	expect_sound(f);
}

/* The host takes the DIMM away behind the guest's back (no _EJ0): its
 * blocks are memory of a removed device. */
static void test_device_removed(void **state)
{
	struct fixture *f = *state;

	pc_dimm_unplug(f->m->vm, f->d1);
	expect_broken(f, "invariant device-removed: memory40 at 0x140000000 belongs to no memory "
			 "device on the host");
}

static void test_qemu_backend_use(void **state)
{
	struct fixture *f = *state;

	f->d1->memdev->in_use = false;
	expect_broken(f, "invariant qemu-backend-use: DIMM d1's memdev is not a backend in use");
	f->d1->memdev->in_use = true;
	expect_sound(f);
}

static void test_qemu_dimm_slot(void **state)
{
	struct fixture *f = *state;

	f->d1->slot = 7;
	expect_broken(f, "invariant qemu-dimm-slot: DIMM d1 is in slot 7 of 4");
	f->d1->slot = 0;
	expect_sound(f);
}

/* idtree_check() on a tree of its own. */
static void test_idtree_check(void **state)
{
	struct idtree t;
	char msg[128] = "";
	int v;

	(void)state;
	idtree_init(&t);
	assert_int_equal(idtree_check(&t, msg, sizeof(msg)), 0);
	for (uint64_t id = 0; id < 5000; id += 7)
		assert_int_equal(idtree_store(&t, id, &v), 0);
	assert_int_equal(idtree_check(&t, msg, sizeof(msg)), 0);
	t.count--;
	assert_int_equal(idtree_check(&t, msg, sizeof(msg)), -EUCLEAN);
	assert_string_equal(msg, "count 714 != 715 values stored");
	t.count++;
	idtree_destroy(&t);
}

/* One step at a time (memhp fuzz's path): the step after which the
 * machine is broken fails with the invariant. The break comes from a
 * memory observer, which sees every block go online. */
static void corrupt_on_online(void *data, const struct memory_block *b,
			      const struct zone_decision *d)
{
	struct kernel *k = data;

	(void)d;
	if (b->id == 41)
		k->nodes[0].zones[ZONE_MOVABLE].managed_pages += 1;
}

static void test_session_stops_at_the_breaking_step(void **state)
{
	static const char text[] =
	    "qemu: -M pc -m 4G,slots=4,maxmem=16G\n"
	    "kernel-cmdline: memhp_default_state=offline\n"
	    "host: {\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
	    "\"memory-backend-ram\", \"id\": \"m1\", \"size\": 1073741824}}\n"
	    "host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": "
	    "\"pc-dimm\", \"id\": \"d1\", \"memdev\": \"m1\"}}\n"
	    "settle\n"
	    "guest: echo online_movable > "
	    "/sys/devices/system/memory/memory40/state\n"
	    "guest: echo online_movable > "
	    "/sys/devices/system/memory/memory41/state\n"
	    "guest: zones 41\n";
	struct scenario_run_options o = {.version = MEMHP_KERNEL_6_1, .check = true};
	struct scenario_run run;
	struct scenario *sc;
	char err[512];
	int ret;

	(void)state;
	assert_int_equal(scenario_parse_string("broken.scn", text, &sc, err, sizeof(err)), 0);
	{
		struct model_session *ms;
		struct memory_observer obs = {.zone_decided = corrupt_on_online};

		assert_int_equal(model_session_boot(sc, o.version, &ms, err, sizeof(err)), 0);
		obs.data = model_session_machine(ms)->kernel;
		assert_int_equal(register_memory_observer(obs.data, &obs), 0);
		for (size_t i = 0; i < sc->nr_steps; i++) {
			ret = model_session_step(ms, &sc->steps[i], (int)i, err, sizeof(err));
			if (i < 4) {
				assert_int_equal(ret, 0);
				continue;
			}
			assert_int_equal(ret, -EUCLEAN);
			assert_string_equal(err, "invariant zone-managed: zone Movable node 0: "
						 "managed_pages 65537 != sum over blocks 65536");
			break;
		}
		model_session_free(ms);
	}
	/* Without the corruption the same run is sound. */
	ret = scenario_run(sc, &o, &run, err, sizeof(err));
	assert_int_equal(ret, 0);
	scenario_run_release(&run);
	scenario_free(sc);
}

/* MEMHP_CHECK=1/0 turns the checks of every run on or off, whatever the
 * build's default. */
static void test_checks_by_default_env(void **state)
{
	(void)state;
	setenv("MEMHP_CHECK", "1", 1);
	assert_true(scenario_run_checks_by_default());
	setenv("MEMHP_CHECK", "0", 1);
	assert_false(scenario_run_checks_by_default());
	unsetenv("MEMHP_CHECK");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_zone_present),
	    T(test_zone_managed),
	    T(test_zone_present_early),
	    T(test_zone_span),
	    T(test_zone_online_blocks),
	    T(test_node_present),
	    T(test_node_state),
	    T(test_node_blocks),
	    T(test_node_span),
	    T(test_totalram),
	    T(test_group_pages),
	    T(test_group_blocks),
	    T(test_group_dynamic_list),
	    T(test_idtree_count),
	    T(test_block_state),
	    T(test_block_zone),
	    T(test_params),
	    T(test_device_blocks),
	    T(test_device_removed),
	    T(test_qemu_backend_use),
	    T(test_qemu_dimm_slot),
	    cmocka_unit_test(test_idtree_check),
	    cmocka_unit_test(test_session_stops_at_the_breaking_step),
	    cmocka_unit_test(test_checks_by_default_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
