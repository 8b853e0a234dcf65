/* memhp fuzz: random operations on the model, with the invariants checked
 * after every one. A seed fuzzes one machine after another (random QEMU
 * options and kernel command line, then a random run of operations: DIMMs
 * and backends added and removed, every sysfs write, good and bad, module
 * parameters, settles, snapshots). Every operation is a scenario line,
 * parsed and run as memhp run would, so the machine's lines up to a
 * failing operation are a scenario that reproduces the failure. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "memhp/memhp.h"
#include "scenario.h"
#include "scenario_run.h"
#include "strbuf.h"

/* Operations per machine: most runs are short, some long enough to wear
 * the machine down. */
#define OPS_SHORT 200
#define OPS_LONG  5000

/* splitmix64: small, fast, and the same sequence everywhere. */
struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform enough in [0, n) for n far below 2^64. */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

static bool rng_percent(struct rng *r, unsigned int pct)
{
	return rng_below(r, 100) < pct;
}

#define PICK(r, array) ((array)[rng_below((r), sizeof(array) / sizeof((array)[0]))])

struct memhp_fuzz {
	struct memhp_fuzz_options opts;
	struct rng rng;	     /* of the current machine */
	struct strbuf text;  /* its scenario so far, the current operation included */
	uint64_t step;	     /* the operation under way, from 1 */
	uint64_t first_step; /* the machine's first */
	uint64_t machine;    /* from 1 */
	enum memhp_kernel kernel;
	struct scenario *header; /* the machine lines of text, parsed */
	struct model_session *ms;
	int lines; /* in text */
	/* What the generator knows of the machine it made up. */
	int nr_nodes;
	unsigned int slots;
	unsigned int nr_vmem;	    /* cold-plugged virtio-mem devices vm0.. */
	uint64_t vmem_mib[2];	    /* their memdev sizes */
	uint64_t vmem_block_mib[2]; /* their block sizes */
	char line[512]; /* the operation being made up */
};

/* ---- the machine ---- */

static void add_line(struct memhp_fuzz *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add_line(struct memhp_fuzz *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&f->text, fmt, ap);
	va_end(ap);
	strbuf_addch(&f->text, '\n');
	f->lines++;
}

/* -numa: the boot RAM split over 2-4 nodes in 512 MiB pieces (the last
 * node with memory takes the odd rest), the last node sometimes without
 * memory. */
static void gen_numa(struct memhp_fuzz *f, uint64_t ram_mib)
{
	uint64_t units = ram_mib / 512, left;
	bool memoryless = rng_percent(&f->rng, 20);

	f->nr_nodes = 2 + (int)rng_below(&f->rng, 3);
	if ((uint64_t)(f->nr_nodes - memoryless) > units)
		f->nr_nodes = (int)units + memoryless;
	left = units;
	for (int n = 0; n < f->nr_nodes; n++) {
		int with_mem = f->nr_nodes - n - memoryless;
		uint64_t share;

		if (with_mem <= 0) {
			add_line(f, "qemu: -numa node,nodeid=%d", n);
			continue;
		}
		share =
		    with_mem == 1 ? left : 1 + rng_below(&f->rng, left - (uint64_t)with_mem + 1);
		left -= share;
		if (with_mem == 1)
			share = share * 512 + ram_mib % 512;
		else
			share *= 512;
		add_line(f,
			 "qemu: -object memory-backend-ram,id=nm%d,size=%lluM -numa "
			 "node,nodeid=%d,memdev=nm%d",
			 n, (unsigned long long)share, n, n);
	}
}

/* Cold-plugged DIMMs d0, d1 on backends m0, m1: the fuzzed operations use
 * the same names. */
static void gen_cold_dimms(struct memhp_fuzz *f, uint64_t room_mib)
{
	unsigned int n = 1 + (unsigned int)rng_below(&f->rng, 2);

	for (unsigned int i = 0; i < n && i < f->slots; i++) {
		uint64_t mib = 128ULL << rng_below(&f->rng, 4);

		if (mib > room_mib)
			return;
		room_mib -= mib;
		add_line(f,
			 "qemu: -object memory-backend-ram,id=m%u,size=%lluM -device "
			 "pc-dimm,id=d%u,memdev=m%u%s",
			 i, (unsigned long long)mib, i, i, f->nr_nodes > 1 ? ",node=1" : "");
	}
}

/* Cold-plugged virtio-mem devices vm0, vm1 on backends vmm0, vmm1: block
 * sizes from the QEMU default to BBM's 1 GiB, sometimes a request from
 * the start (the driver plugs at probe). */
static void gen_virtio_mem(struct memhp_fuzz *f, uint64_t room_mib)
{
	static const uint64_t block_mib[] = {2, 2, 2, 4, 64, 128, 1024};
	unsigned int n = 1 + (unsigned int)rng_below(&f->rng, 2);

	f->nr_vmem = 0;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t bs = PICK(&f->rng, block_mib), mib = bs * (1 + rng_below(&f->rng, 16));
		char extra[96] = "";

		if (mib < 1024)
			mib = (1024 + bs - 1) / bs * bs;
		if (mib > room_mib)
			return;
		room_mib -= mib;
		if (rng_percent(&f->rng, 30))
			snprintf(extra, sizeof(extra), ",requested-size=%lluM",
				 (unsigned long long)(bs * rng_below(&f->rng, mib / bs + 1)));
		add_line(f,
			 "qemu: -object memory-backend-ram,id=vmm%u,size=%lluM -device "
			 "virtio-mem-pci,id=vm%u,memdev=vmm%u,block-size=%lluM%s%s",
			 i, (unsigned long long)mib, i, i, (unsigned long long)bs,
			 f->nr_nodes > 1 && i ? ",node=1" : "", extra);
		f->vmem_mib[i] = mib;
		f->vmem_block_mib[i] = bs;
		f->nr_vmem++;
	}
}

static void gen_cmdline(struct memhp_fuzz *f)
{
	static const char *const states[] = {"offline", "online", "online_kernel", "online_movable",
					     "bogus"};
	static const char *const ratios[] = {"0",    "1",    "50",	   "100", "301",
					     "1000", "3000", "4294967295", "-5",  "x"};
	static const char *const bools[] = {"0", "1", "N", "Y", "maybe"};
	static const char *const memmaps[] = {"0", "1", "force", "Y", "bogus"};
	static const char *const movable[] = {"512M", "1G", "2G", "10%", "50%", "90%", "0"};
	static const char *const kernel[] = {"1G", "2G", "50%", "mirror"};
	struct strbuf *t = &f->text;
	size_t before = t->len;

	strbuf_add(t, "kernel-cmdline:");
	if (rng_percent(&f->rng, 60))
		strbuf_addf(t, " memhp_default_state=%s", PICK(&f->rng, states));
	if (rng_percent(&f->rng, 45))
		strbuf_addf(t, " memory_hotplug.online_policy=%s",
			    rng_percent(&f->rng, 85) ? "auto-movable" : "contig-zones");
	if (rng_percent(&f->rng, 30))
		strbuf_addf(t, " memory_hotplug.auto_movable_ratio=%s", PICK(&f->rng, ratios));
	if (rng_percent(&f->rng, 15))
		strbuf_addf(t, " memory_hotplug.auto_movable_numa_aware=%s", PICK(&f->rng, bools));
	if (rng_percent(&f->rng, 30))
		strbuf_addf(t, " memory_hotplug.memmap_on_memory=%s", PICK(&f->rng, memmaps));
	if (rng_percent(&f->rng, 15))
		strbuf_addf(t, " movablecore=%s", PICK(&f->rng, movable));
	if (rng_percent(&f->rng, 8))
		strbuf_addf(t, " kernelcore=%s", PICK(&f->rng, kernel));
	if (rng_percent(&f->rng, 5))
		strbuf_add(t, " movable_node");
	if (rng_percent(&f->rng, 3))
		strbuf_add(t, " memory_block_size=256M");
	if (f->nr_vmem && rng_percent(&f->rng, 10))
		strbuf_add(t, " virtio_mem.force_bbm=1");
	if (f->nr_vmem && rng_percent(&f->rng, 5))
		strbuf_add(t, " virtio_mem.bbm_block_size=1073741824");
	if (t->len == before + strlen("kernel-cmdline:")) {
		t->len = before; /* nothing to say */
		t->buf[before] = '\0';
		return;
	}
	strbuf_addch(t, '\n');
	f->lines++;
}

/* The machine's lines: pc or q35, 1-12 GiB (some sizes end boot RAM
 * inside a block, or inside a 2 MiB subsection), DIMM slots and room for
 * them (sometimes none), CPUs, NUMA nodes, cold-plugged DIMMs, the
 * kernel's hotplug parameters. */
static void gen_machine(struct memhp_fuzz *f)
{
	static const uint64_t ram_mib[] = {1000, 1024, 2047, 2048, 2560, 3000, 3072, 3584,
					   4000, 4001, 4096, 5120, 6144, 8192, 12288};
	static const uint64_t room_gib[] = {1, 2, 3, 4, 6, 8, 12, 16, 24};
	uint64_t ram = PICK(&f->rng, ram_mib), room = 0;
	const char *type = rng_percent(&f->rng, 50) ? "pc" : "q35";

	f->slots = rng_percent(&f->rng, 15) ? 0 : 1 + (unsigned int)rng_below(&f->rng, 8);
	f->nr_nodes = 1;
	if (f->slots) {
		room = PICK(&f->rng, room_gib) * 1024 + (rng_percent(&f->rng, 10) ? 128 : 0);
		add_line(f, "qemu: -M %s -m %lluM,slots=%u,maxmem=%lluM -smp %u", type,
			 (unsigned long long)ram, f->slots, (unsigned long long)(ram + room),
			 1 + (unsigned int)rng_below(&f->rng, 4));
	} else {
		add_line(f, "qemu: -M %s -m %lluM -smp %u", type, (unsigned long long)ram,
			 1 + (unsigned int)rng_below(&f->rng, 4));
	}
	if (rng_percent(&f->rng, 30))
		gen_numa(f, ram);
	f->nr_vmem = 0;
	if (f->slots && rng_percent(&f->rng, 25))
		gen_virtio_mem(f, room / 2);
	if (f->slots && rng_percent(&f->rng, 20))
		gen_cold_dimms(f, room / 2);
	gen_cmdline(f);
}

/* ---- operations ---- */

static struct machine *machine(const struct memhp_fuzz *f)
{
	return model_session_machine(f->ms);
}

/* A block id: mostly one that exists (more often hot-added than boot
 * memory), sometimes any number near them. */
static uint64_t pick_block(struct memhp_fuzz *f)
{
	const struct kernel *k = machine(f)->kernel;
	uint64_t last = 0, first_hot = 0, from, id;

	idtree_find_prev(&k->blocks, UINT64_MAX, &last);
	if (machine(f)->vm->device_memory_base)
		first_hot = machine(f)->vm->device_memory_base / k->block_size;
	if (rng_percent(&f->rng, 12))
		return rng_below(&f->rng, last + 64);
	from = first_hot && first_hot <= last && rng_percent(&f->rng, 65)
		   ? first_hot + rng_below(&f->rng, last - first_hot + 1)
		   : rng_below(&f->rng, last + 1);
	if (!idtree_find_next(&k->blocks, from, &id))
		id = last;
	return id;
}

static void op_state(struct memhp_fuzz *f)
{
	static const char *const values[] = {
	    "online",  "offline",	 "online_kernel", "online_movable", "online",
	    "offline", "online_movable", "online_kernel", "ONLINE",	    "foo",
	    "1",       "online_movablex"};

	snprintf(f->line, sizeof(f->line),
		 "guest: echo %s > "
		 "/sys/devices/system/memory/memory%llu/state",
		 PICK(&f->rng, values), (unsigned long long)pick_block(f));
}

static void op_online(struct memhp_fuzz *f)
{
	static const char *const values[] = {"0", "1", "1", "0", "y", "n", "on", "off", "2", "x"};

	snprintf(f->line, sizeof(f->line),
		 "guest: echo %s > /sys/devices/system/memory/memory%llu/online",
		 PICK(&f->rng, values), (unsigned long long)pick_block(f));
}

static void op_setstate(struct memhp_fuzz *f)
{
	static const char *const values[] = {"online", "offline", "online_kernel", "online_movable",
					     "bogus"};
	uint64_t b = pick_block(f);

	if (rng_percent(&f->rng, 40))
		snprintf(f->line, sizeof(f->line), "guest: setstate %s %llu-%llu",
			 PICK(&f->rng, values), (unsigned long long)b,
			 (unsigned long long)(b + rng_below(&f->rng, 8)));
	else if (rng_percent(&f->rng, 20))
		snprintf(f->line, sizeof(f->line), "guest: setstate -a online %s %llu",
			 rng_percent(&f->rng, 50) ? "1" : "0", (unsigned long long)b);
	else
		snprintf(f->line, sizeof(f->line), "guest: setstate %s %llu", PICK(&f->rng, values),
			 (unsigned long long)b);
}

static void op_read(struct memhp_fuzz *f)
{
	static const char *const files[] = {"/proc/zoneinfo",
					    "/proc/meminfo",
					    "/sys/devices/system/node/has_memory",
					    "/sys/devices/system/node/has_normal_memory",
					    "/sys/devices/system/node/online",
					    "/sys/devices/system/memory/auto_online_blocks"};

	switch (rng_below(&f->rng, 4)) {
	case 0:
		snprintf(f->line, sizeof(f->line), "guest: zones");
		break;
	case 1:
		snprintf(f->line, sizeof(f->line), "guest: zones %llu",
			 (unsigned long long)pick_block(f));
		break;
	case 2:
		snprintf(f->line, sizeof(f->line),
			 "guest: cat /sys/devices/system/memory/memory%llu/valid_zones",
			 (unsigned long long)pick_block(f));
		break;
	default:
		snprintf(f->line, sizeof(f->line), "guest: cat %s", PICK(&f->rng, files));
	}
}

static void op_auto_online(struct memhp_fuzz *f)
{
	static const char *const values[] = {"offline",	       "online", "online_kernel",
					     "online_movable", "bogus",	 "1"};

	snprintf(f->line, sizeof(f->line),
		 "guest: echo %s > /sys/devices/system/memory/auto_online_blocks",
		 PICK(&f->rng, values));
}

/* The module parameters, good values and bad; memmap_on_memory is
 * read-only once booted. */
static void op_param(struct memhp_fuzz *f)
{
	static const char *const policies[] = {"contig-zones", "auto-movable", "auto_movable", ""};
	static const char *const ratios[] = {"0",	   "1",		 "100", "301", "3000",
					     "4294967295", "4294967296", "-1",	"abc"};
	static const char *const bools[] = {"Y", "N", "1", "0", "yes", "2"};
	const char *name, *val;

	switch (rng_below(&f->rng, 4)) {
	case 0:
		name = "online_policy";
		val = PICK(&f->rng, policies);
		break;
	case 1:
		name = "auto_movable_ratio";
		val = PICK(&f->rng, ratios);
		break;
	case 2:
		name = "auto_movable_numa_aware";
		val = PICK(&f->rng, bools);
		break;
	default:
		name = "memmap_on_memory";
		val = PICK(&f->rng, bools);
	}
	snprintf(f->line, sizeof(f->line),
		 "guest: echo %s > /sys/module/memory_hotplug/parameters/%s", val, name);
}

/* Writes the kernel refuses wherever they go. */
static void op_bad_write(struct memhp_fuzz *f)
{
	static const char *const files[] = {"/sys/devices/system/memory/hard_offline_page",
					    "/sys/devices/system/memory/soft_offline_page",
					    "/sys/devices/system/memory/block_size_bytes",
					    "/sys/devices/system/memory/memory%llu/phys_index",
					    "/sys/devices/system/memory/memory%llu/valid_zones",
					    "/sys/devices/system/memory/memory%llu/nosuch",
					    "/sys/devices/system/node/online"};
	char path[160];

	snprintf(path, sizeof(path), PICK(&f->rng, files), (unsigned long long)pick_block(f));
	snprintf(f->line, sizeof(f->line), "guest: echo 1 > %s", path);
}

static bool dimm_exists(const struct qemu_vm *vm, const char *id)
{
	return memory_device_find(vm, id) != NULL;
}

static bool backend_exists(const struct qemu_vm *vm, const char *id)
{
	return host_memory_backend_find(vm, id) != NULL;
}

/* One of the names prefix0..prefix9: mostly one that `exists` says is
 * (want true) or is not (want false) taken, else any. */
static const char *pick_name(struct memhp_fuzz *f, const char *prefix, bool want,
			     bool (*exists)(const struct qemu_vm *vm, const char *id), char *buf,
			     size_t len)
{
	unsigned int start = (unsigned int)rng_below(&f->rng, 10);

	if (rng_percent(&f->rng, 75)) {
		for (unsigned int i = 0; i < 10; i++) {
			snprintf(buf, len, "%s%u", prefix, (start + i) % 10);
			if (exists(machine(f)->vm, buf) == want)
				return buf;
		}
	}
	snprintf(buf, len, "%s%u", prefix, start);
	return buf;
}

/* A backend no DIMM holds yet: what device_add needs, object-del allows. */
static const char *free_backend(struct memhp_fuzz *f, char *buf, size_t len)
{
	const struct qemu_vm *vm = machine(f)->vm;
	size_t start = vm->nr_backends ? rng_below(&f->rng, vm->nr_backends) : 0;

	if (rng_percent(&f->rng, 80)) {
		for (size_t i = 0; i < vm->nr_backends; i++) {
			const struct memory_backend *b =
			    vm->backends[(start + i) % vm->nr_backends];

			if (!b->in_use && strlen(b->id) < len) {
				snprintf(buf, len, "%s", b->id);
				return buf;
			}
		}
	}
	return pick_name(f, "m", true, backend_exists, buf, len);
}

static void op_object_add(struct memhp_fuzz *f)
{
	static const char *const types[] = {"memory-backend-ram",
					    "memory-backend-ram",
					    "memory-backend-ram",
					    "memory-backend-ram",
					    "memory-backend-memfd",
					    "memory-backend-file",
					    "nosuch"};
	static const char *const sizes[] = {"134217728",  "268435456",	"536870912",  "1073741824",
					    "1073741824", "2147483648", "4294967296", "104857600",
					    "1048576",	  "136314880",	"0",	      "\"1G\""};
	char id[16];

	snprintf(
	    f->line, sizeof(f->line),
	    "host: {\"execute\": \"object-add\", \"arguments\": {\"qom-type\": \"%s\", \"id\": "
	    "\"%s\", \"size\": %s}}",
	    PICK(&f->rng, types), pick_name(f, "m", false, backend_exists, id, sizeof(id)),
	    PICK(&f->rng, sizes));
}

/* device_add pc-dimm: sometimes with a node, an address (the start of
 * device memory, a block further, or misaligned) or a slot of its own. */
static void op_device_add(struct memhp_fuzz *f)
{
	const struct qemu_vm *vm = machine(f)->vm;
	char mem[16], id[16], extra[160] = "";
	size_t n = 0;

	if (rng_percent(&f->rng, 30))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, ", \"node\": %d",
				      (int)rng_below(&f->rng, (uint64_t)f->nr_nodes + 1));
	if (rng_percent(&f->rng, 10))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, ", \"addr\": %llu",
				      (unsigned long long)(vm->device_memory_base +
							   rng_below(&f->rng, 16) * 128 * MiB +
							   (rng_percent(&f->rng, 20) ? MiB : 0)));
	if (rng_percent(&f->rng, 10))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, ", \"slot\": %u",
				      (unsigned int)rng_below(&f->rng, f->slots + 2));
	if (rng_percent(&f->rng, 5))
		snprintf(f->line, sizeof(f->line),
			 "host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": "
			 "\"pc-dimm\", \"memdev\": \"%s\"%s}}",
			 free_backend(f, mem, sizeof(mem)), extra);
	else
		snprintf(f->line, sizeof(f->line),
			 "host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": "
			 "\"%s\", \"id\": \"%s\", \"memdev\": \"%s\"%s}}",
			 rng_percent(&f->rng, 97) ? "pc-dimm" : "nvdimm",
			 pick_name(f, "d", false, dimm_exists, id, sizeof(id)),
			 free_backend(f, mem, sizeof(mem)), extra);
}

static void op_device_del(struct memhp_fuzz *f)
{
	char id[64];

	snprintf(f->line, sizeof(f->line),
		 "host: {\"execute\": \"device_del\", \"arguments\": {\"id\": \"%s\"}}",
		 pick_name(f, "d", true, dimm_exists, id, sizeof(id)));
}

static void op_object_del(struct memhp_fuzz *f)
{
	char id[64];

	free_backend(f, id, sizeof(id));
	snprintf(f->line, sizeof(f->line),
		 "host: {\"execute\": \"object-del\", \"arguments\": {\"id\": \"%s\"}}", id);
}

static void op_query(struct memhp_fuzz *f)
{
	static const char *const props[] = {"size", "addr", "slot", "node", "memdev", "realized"};
	char id[64];

	switch (rng_below(&f->rng, 5)) {
	case 0:
		snprintf(f->line, sizeof(f->line), "host: {\"execute\": \"query-memory-devices\"}");
		break;
	case 1:
		snprintf(f->line, sizeof(f->line),
			 "host: {\"execute\": \"query-memory-size-summary\"}");
		break;
	case 2:
		snprintf(f->line, sizeof(f->line),
			 "host: {\"execute\": \"qom-get\", \"arguments\": {\"path\": "
			 "\"/machine/peripheral/%s\", \"property\": \"%s\"}}",
			 pick_name(f, "d", true, dimm_exists, id, sizeof(id)),
			 PICK(&f->rng, props));
		break;
	case 3:
		snprintf(f->line, sizeof(f->line),
			 "host: {\"execute\": \"qom-set\", \"arguments\": {\"path\": "
			 "\"/machine/peripheral/%s\", \"property\": \"%s\", \"value\": %s}}",
			 pick_name(f, "d", true, dimm_exists, id, sizeof(id)), PICK(&f->rng, props),
			 rng_percent(&f->rng, 50) ? "false" : "1");
		break;
	default:
		snprintf(f->line, sizeof(f->line), "host: {\"execute\": \"nosuch\"}");
	}
}

/* A new request for a virtio-mem device: mostly a multiple of its block
 * size up to its memdev, sometimes not a multiple or too large. */
static void op_vmem_resize(struct memhp_fuzz *f)
{
	unsigned int i = (unsigned int)rng_below(&f->rng, f->nr_vmem ? f->nr_vmem : 1);
	uint64_t bs = f->vmem_block_mib[i] ? f->vmem_block_mib[i] : 2, max = f->vmem_mib[i];
	uint64_t mib = bs * rng_below(&f->rng, max / bs + 1);

	if (rng_percent(&f->rng, 5))
		mib = max + bs;
	snprintf(f->line, sizeof(f->line),
		 "host: {\"execute\": \"qom-set\", \"arguments\": {\"path\": "
		 "\"/machine/peripheral/vm%u\", \"property\": \"requested-size\", \"value\": "
		 "%llu}}",
		 i, (unsigned long long)(mib * MiB + (rng_percent(&f->rng, 5) ? MiB : 0)));
}

static void op_vmem_param(struct memhp_fuzz *f)
{
	snprintf(f->line, sizeof(f->line),
		 "guest: echo %s > /sys/module/virtio_mem/parameters/unplug_online",
		 rng_percent(&f->rng, 50) ? "N" : "Y");
}

static void op_vmem(struct memhp_fuzz *f)
{
	if (!f->nr_vmem || rng_percent(&f->rng, 15))
		op_vmem_param(f);
	else
		op_vmem_resize(f);
}

static void op_settle(struct memhp_fuzz *f)
{
	snprintf(f->line, sizeof(f->line),
		 rng_percent(&f->rng, 90) ? "settle" : "settle 1 quiet=1");
}

static void op_snapshot(struct memhp_fuzz *f)
{
	/* The step number keeps labels unique within the machine. */
	snprintf(f->line, sizeof(f->line), "snapshot s%llu", (unsigned long long)f->step);
}

/* Past the virtio-mem driver's retry timers (50 s doubling to 300 s). */
static void op_sleep(struct memhp_fuzz *f)
{
	static const char *const secs[] = {"1", "1", "50", "301"};

	snprintf(f->line, sizeof(f->line), "sleep %s", PICK(&f->rng, secs));
}

/* Workloads: the guest's `load` of every kind, frees of names in use and
 * not, and the hugetlb pool. Sizes span a page to a few GiB so that some
 * fit, some do not, and offlines meet every page kind. */
static void op_load(struct memhp_fuzz *f)
{
	static const char *const kinds[] = {"movable", "movable", "unmovable", "pin", "hugetlb"};
	static const char *const sizes[] = {"4K", "1M", "2M", "64M", "300M", "1G", "3G", "5000K"};
	static const char *const counts[] = {"1", "8", "64", "600"};
	static const char *const pool[] = {"0", "16", "128", "1000"};
	unsigned int name = (unsigned int)rng_below(&f->rng, 6);
	const char *kind = PICK(&f->rng, kinds);

	if (rng_percent(&f->rng, 30))
		snprintf(f->line, sizeof(f->line), "guest: load free w%u", name);
	else if (rng_percent(&f->rng, 10))
		snprintf(f->line, sizeof(f->line), "guest: echo %s > /proc/sys/vm/nr_hugepages",
			 PICK(&f->rng, pool));
	else
		snprintf(f->line, sizeof(f->line), "guest: load %s w%u %s%s", kind, name,
			 strcmp(kind, "hugetlb") ? PICK(&f->rng, sizes) : PICK(&f->rng, counts),
			 rng_percent(&f->rng, 20) && strcmp(kind, "pin") ? " node=1" : "");
}

static const struct {
	void (*gen)(struct memhp_fuzz *f);
	unsigned int weight;
} ops[] = {
    {op_state, 25},	 {op_online, 6},     {op_setstate, 5},	 {op_read, 4},
    {op_auto_online, 3}, {op_param, 4},	     {op_bad_write, 1},	 {op_object_add, 9},
    {op_device_add, 12}, {op_device_del, 8}, {op_object_del, 4}, {op_query, 2},
    {op_settle, 15},	 {op_snapshot, 1},   {op_sleep, 2},	 {op_vmem, 10},
    {op_load, 10},
};

static void gen_op(struct memhp_fuzz *f)
{
	unsigned int total = 0, r;
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		total += ops[i].weight;
	r = (unsigned int)rng_below(&f->rng, total);
	for (i = 0; r >= ops[i].weight; i++)
		r -= ops[i].weight;
	ops[i].gen(f);
}

/* ---- the driver ---- */

/* The machine's generator is a function of the seed and its number only,
 * so any one machine can be made again alone. */
static void start_machine(struct memhp_fuzz *f)
{
	struct rng mix = {f->opts.seed ^ (f->machine * 0xd1b54a32d192ed03ULL)};

	f->rng.s = rng_next(&mix);
	strbuf_reset(&f->text);
	f->lines = 0;
	f->kernel = f->opts.fixed_kernel       ? f->opts.kernel
		    : rng_percent(&f->rng, 50) ? MEMHP_KERNEL_6_1
					       : MEMHP_KERNEL_6_12;
	add_line(f, "# memhp fuzz --seed %llu: machine %llu, whose first operation is step %llu",
		 (unsigned long long)f->opts.seed, (unsigned long long)f->machine,
		 (unsigned long long)f->first_step);
	add_line(f, "# memhp run --check --kernel %s %s", memhp_kernel_name(f->kernel),
		 f->opts.out);
	gen_machine(f);
}

/* step 0: the machine's boot. */
static void fail(struct memhp_fuzz_report *r, const struct memhp_fuzz *f, uint64_t step,
		 const char *msg)
{
	r->failed = true;
	r->step = step;
	r->machine = f->machine;
	r->kernel = f->kernel;
	r->line = f->lines;
	snprintf(r->message, sizeof(r->message), "%s", msg);
}

/* Boots the machine of f->text. 0, 1 after a failure recorded in r, or
 * -errno. */
static int boot(struct memhp_fuzz *f, struct memhp_fuzz_report *r)
{
	char err[1024];
	int ret;

	if (strbuf_error(&f->text))
		return -ENOMEM;
	ret = scenario_parse_string(f->opts.out, f->text.buf, &f->header, err, sizeof(err));
	if (!ret)
		ret = model_session_boot(f->header, f->kernel, &f->ms, err, sizeof(err));
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		fail(r, f, 0, err);
		return 1;
	}
	return 0;
}

static int run_op(struct memhp_fuzz *f, struct memhp_fuzz_report *r, int index)
{
	struct scenario_step st;
	char err[1024];
	int ret = scenario_parse_step(f->opts.out, f->lines, f->line, &st, err, sizeof(err));

	if (!ret) {
		ret = model_session_step(f->ms, &st, index, err, sizeof(err));
		scenario_step_release(&st);
	}
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		fail(r, f, f->step, err);
		return 1;
	}
	return 0;
}

/* How many operations the next machine gets. */
static uint64_t machine_ops(struct memhp_fuzz *f)
{
	uint64_t r = rng_below(&f->rng, 100);

	if (r < 30)
		return 10 + rng_below(&f->rng, OPS_SHORT);
	if (r < 85)
		return OPS_SHORT + rng_below(&f->rng, 1500);
	return 1500 + rng_below(&f->rng, OPS_LONG);
}

/* Boots the next machine and runs up to max operations on it. 0, 1 after
 * a failure recorded in r, or -errno. */
static int run_machine(struct memhp_fuzz *f, struct memhp_fuzz_report *r, uint64_t max)
{
	uint64_t n;
	int ret;

	f->machine++;
	f->first_step = f->step + 1;
	start_machine(f);
	n = machine_ops(f);
	ret = boot(f, r);
	r->machines++;
	for (uint64_t i = 0; !ret && i < n && i < max; i++) {
		f->step++;
		gen_op(f);
		add_line(f, "%s", f->line);
		if (strbuf_error(&f->text))
			return -ENOMEM;
		ret = run_op(f, r, (int)i);
		r->ops++;
	}
	return ret;
}

static void end_machine(struct memhp_fuzz *f)
{
	model_session_free(f->ms);
	f->ms = NULL;
	scenario_free(f->header);
	f->header = NULL;
}

/* What memhp run says about the file when it reproduces the failure. */
static void expected_error(const struct memhp_fuzz *f, const struct memhp_fuzz_report *r, char *buf,
			   size_t len)
{
	bool invariant = !strncmp(r->message, "invariant ", strlen("invariant "));

	if (!invariant)
		snprintf(buf, len, "%s", r->message);
	else if (r->step)
		snprintf(buf, len, "%s:%d: %s", f->opts.out, r->line, r->message);
	else
		snprintf(buf, len, "%s: after boot: %s", f->opts.out, r->message);
}

/* memhp run --check on the file, as a user would reproduce it. */
static bool reproduces(const struct memhp_fuzz *f, const struct memhp_fuzz_report *r)
{
	struct scenario_run_options o = {.version = f->kernel, .check = true};
	char err[1200] = "", want[1200];
	struct scenario_run run;
	struct scenario *sc;
	int ret;

	if (scenario_parse_file(f->opts.out, &sc, err, sizeof(err)))
		return false;
	ret = scenario_run(sc, &o, &run, err, sizeof(err));
	scenario_run_release(&run);
	scenario_free(sc);
	expected_error(f, r, want, sizeof(want));
	return ret && !strcmp(err, want);
}

/* The failing machine's scenario up to the failing operation goes to
 * opts.out. */
static int write_scenario(const struct memhp_fuzz *f, char *err, size_t errlen)
{
	FILE *out = fopen(f->opts.out, "w");
	int ret = 0;

	if (!out)
		ret = -errno;
	else if (fwrite(f->text.buf, 1, f->text.len, out) != f->text.len)
		ret = -EIO;
	if (out && fclose(out) && !ret)
		ret = -errno;
	if (ret)
		snprintf(err, errlen, "%s: %s", f->opts.out, strerror(-ret));
	return ret;
}

int memhp_fuzz_run(struct memhp_fuzz *f, struct memhp_fuzz_report *r, char *err, size_t errlen)
{
	int ret = 0;

	memset(r, 0, sizeof(*r));
	while (!ret && r->ops < f->opts.ops) {
		ret = run_machine(f, r, f->opts.ops - r->ops);
		end_machine(f);
	}
	if (ret < 0) {
		snprintf(err, errlen, "memhp fuzz: %s", strerror(-ret));
		return ret;
	}
	if (!ret)
		return 0;
	ret = write_scenario(f, err, errlen);
	if (!ret)
		r->reproduced = reproduces(f, r);
	return ret;
}

int memhp_fuzz_new(const struct memhp_fuzz_options *opts, struct memhp_fuzz **out)
{
	struct memhp_fuzz *f;

	*out = NULL;
	if (!opts->out)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->opts = *opts;
	*out = f;
	return 0;
}

void memhp_fuzz_current(const struct memhp_fuzz *f, const char **text, size_t *len, uint64_t *step)
{
	*text = f->text.buf ? f->text.buf : "";
	*len = f->text.len;
	*step = f->step;
}

void memhp_fuzz_free(struct memhp_fuzz *f)
{
	if (!f)
		return;
	end_machine(f);
	strbuf_release(&f->text);
	free(f);
}
