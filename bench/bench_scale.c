/* Scale benchmark: per-operation cost must not grow with machine size.
 * Boots large machines, offlines and onlines every block, prints wall time
 * per phase, per-operation cost and peak RSS. Not a test: numbers go into
 * notes, with the command that produced them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "kernel.h"
#include "memory_hotplug.h"
#include "test_boot_info.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

struct counts {
	unsigned long ok, failed;
};

static void each_block(struct kernel *k, bool online, struct counts *c)
{
	struct memory_block *b;
	uint64_t id;

	idtree_for_each(&k->blocks, id, b)
	{
		int r = memory_block_state_store(k, b, online ? "online_movable" : "offline");

		if (r)
			c->failed++;
		else
			c->ok++;
	}
}

static void report(const char *what, double t, const struct counts *c)
{
	unsigned long n = c->ok + c->failed;

	printf("  %-28s %8.3f s  %7lu ok %5lu refused  %8.0f ns/op\n", what, t, c->ok, c->failed,
	       n ? t * 1e9 / (double)n : 0.0);
}

/* One node of RAM from 0 to ram_end, below-1-MiB hole as on a PC. */
static int boot(uint64_t ram_end, bool is_vm, const char *cmdline, struct kernel **k)
{
	struct firmware_range ram[2] = {
		{.start = 0, .end = 0x9fc00, .nid = 0},
		{.start = 0x100000, .end = ram_end, .nid = 0},
	};
	struct boot_info bi = tu_boot_info(MEMHP_KERNEL_6_12, is_vm, cmdline, ram, 2, 1);

	return kernel_boot(&bi, k);
}

static int run(const char *title, uint64_t ram_end, bool is_vm, uint64_t hot_add)
{
	struct counts c = {0};
	struct kernel *k;
	double t;
	int ret;

	printf("%s\n", title);
	t = now();
	ret = boot(ram_end, is_vm, "memhp_default_state=offline", &k);
	if (ret) {
		fprintf(stderr, "boot failed: %s\n", strerror(-ret));
		return 1;
	}
	printf("  %-28s %8.3f s  %7zu blocks of %llu MiB\n", "boot", now() - t, k->blocks.count,
	       (unsigned long long)(k->block_size >> 20));
	if (hot_add) {
		uint64_t base = align_up(ram_end, k->block_size);

		t = now();
		ret = add_memory(k, 0, base, hot_add, 0);
		printf("  %-28s %8.3f s  %s\n", "add_memory", now() - t, ret ? strerror(-ret) : "ok");
	}
	t = now();
	each_block(k, false, &c);
	report("offline every block", now() - t, &c);
	c = (struct counts){0};
	t = now();
	each_block(k, true, &c);
	report("online every offline block", now() - t, &c);
	c = (struct counts){0};
	t = now();
	each_block(k, false, &c);
	report("offline every block again", now() - t, &c);
	kernel_free(k);
	printf("  peak RSS so far: %ld MiB\n\n", peak_rss_kib() / 1024);
	return 0;
}

/* auto-movable decides per block from per-node statistics and walks the
 * dynamic groups: the cost of one `online` must not grow with the number
 * of blocks or static groups, only (as in the kernel) with the number of
 * dynamic groups. Every block is onlined by add_memory() (auto-online). */
static int run_auto_movable(const char *title, unsigned int nr_static, unsigned int nr_dynamic,
			    unsigned int blocks_per_dynamic)
{
	uint64_t addr = 64 * GiB, onlined = 0, movable = 0;
	struct kernel *k;
	int groups[1024];
	double t;
	int ret = boot(63 * GiB, true,
		       "memhp_default_state=online memory_hotplug.online_policy=auto-movable", &k);

	if (ret) {
		fprintf(stderr, "boot failed: %s\n", strerror(-ret));
		return 1;
	}
	printf("%s\n", title);
	t = now();
	for (unsigned int i = 0; i < nr_static && !ret; i++, addr += 4 * GiB) {
		int mgid = memory_group_register_static(&k->groups, k->nodes, 0, 4 * GiB / PAGE_SIZE);

		ret = mgid < 0 ? mgid : add_memory(k, mgid, addr, 4 * GiB, MHP_NID_IS_MGID);
		onlined += 32;
	}
	for (unsigned int i = 0; i < nr_dynamic && !ret; i++) {
		groups[i] = memory_group_register_dynamic(&k->groups, k->nodes, 0, k->pages_per_block,
							  k->pages_per_block);
		ret = groups[i] < 0 ? groups[i] : 0;
	}
	/* The devices grow side by side, one block each in turn. */
	for (unsigned int j = 0; j < blocks_per_dynamic && !ret; j++)
		for (unsigned int i = 0; i < nr_dynamic && !ret; i++, addr += k->block_size) {
			ret = add_memory(k, groups[i], addr, k->block_size, MHP_NID_IS_MGID);
			onlined++;
		}
	t = now() - t;
	for (int n = 0; n < k->nr_node_ids; n++)
		movable += k->nodes[n].zones[ZONE_MOVABLE].present_pages;
	printf("  %-28s %8.3f s  %7llu blocks  %8.0f ns/online  %s, %llu GiB Movable\n",
	       "add + auto-online", t, (unsigned long long)onlined,
	       onlined ? t * 1e9 / (double)onlined : 0.0, ret ? strerror(-ret) : "ok",
	       (unsigned long long)(movable * PAGE_SIZE / GiB));
	kernel_free(k);
	printf("  peak RSS so far: %ld MiB\n\n", peak_rss_kib() / 1024);
	return ret ? 1 : 0;
}

int main(void)
{
	int ret = 0;

	ret |= run("64 TiB bare-metal host, 2 GiB blocks", 64 * TiB, false, 0);
	ret |= run("4 TiB VM, 128 MiB blocks (end not 256 MiB aligned)", 4 * TiB + 128 * MiB, true, 0);
	ret |= run("32 TiB VM, 128 MiB blocks (262 145 blocks)", 32 * TiB + 128 * MiB, true, 0);
	ret |= run("4 GiB VM + 4 TiB hot-added in one add_memory, 128 MiB blocks", 4 * GiB, true,
		   4 * TiB);
	ret |= run_auto_movable("auto-movable: 64 GiB VM + 256 static groups (4 GiB DIMMs)", 256, 0, 0);
	ret |= run_auto_movable("auto-movable: 64 GiB VM + 1 dynamic group, 8192 blocks", 0, 1, 8192);
	ret |= run_auto_movable("auto-movable: 64 GiB VM + 64 dynamic groups, 128 blocks each", 0, 64,
				128);
	return ret;
}
