#include "qemu_vm.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"
#include "strparse.h"

#define ACPI_MAX_RAM_SLOTS 256
#define TARGET_PAGE_SIZE   4096ULL /* x86: qemu_target_page_size() */
#define AMD_HT_START       0xfd00000000ULL
#define AMD_HT_END         0xffffffffffULL
#define AMD_ABOVE_1TB      0x10000000000ULL

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "a=1,b=2" option lists: value of key, or NULL. The first element may be
 * a bare value (returned for key ""). */
static char *opt_get(const char *opts, const char *key)
{
	size_t kl = strlen(key);
	const char *p = opts;

	for (int first = 1; p && *p; first = 0) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);

		if (!kl && first && !eq)
			return strndup(p, len);
		if (kl && eq && (size_t)(eq - p) == kl && !strncmp(p, key, kl))
			return strndup(eq + 1, len - kl - 1);
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

struct memory_backend *qemu_vm_find_backend(const struct qemu_vm *vm, const char *id)
{
	for (size_t i = 0; i < vm->nr_backends; i++)
		if (!strcmp(vm->backends[i]->id, id))
			return vm->backends[i];
	return NULL;
}

struct pc_dimm *qemu_vm_find_dimm(const struct qemu_vm *vm, const char *id)
{
	for (size_t i = 0; i < vm->nr_dimms; i++)
		if (vm->dimms[i]->id && !strcmp(vm->dimms[i]->id, id))
			return vm->dimms[i];
	return NULL;
}

static bool is_memory_backend(const char *type)
{
	return !strcmp(type, "memory-backend-ram") || !strcmp(type, "memory-backend-memfd") ||
	       !strcmp(type, "memory-backend-file");
}

static bool is_identifier(const char *id)
{
	if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z')))
		return false;
	for (; *id; id++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._", *id))
			return false;
	return true;
}

int qemu_vm_object_add(struct qemu_vm *vm, const char *qom_type, const char *id, uint64_t size,
		       char *err, size_t errlen)
{
	struct memory_backend *b, **v;

	if (!is_memory_backend(qom_type))
		return fail(err, errlen, "Parameter 'qom-type' does not accept value '%s'", qom_type);
	if (!is_identifier(id))
		return fail(err, errlen, "Parameter 'id' expects an identifier");
	if (!size)
		return fail(err, errlen, "property 'size' of %s doesn't take value '0'", qom_type);
	if (qemu_vm_find_backend(vm, id) || !strcmp(id, "pc.ram"))
		return fail(err, errlen, "attempt to add duplicate property '%s' to object (type 'container')", id);
	v = realloc(vm->backends, (vm->nr_backends + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	vm->backends = v;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->id = strdup(id);
	b->qom_type = strdup(qom_type);
	if (!b->id || !b->qom_type) {
		free(b->id);
		free(b->qom_type);
		free(b);
		return -ENOMEM;
	}
	b->size = size;
	vm->backends[vm->nr_backends++] = b;
	return 0;
}

int qemu_vm_object_del(struct qemu_vm *vm, const char *id, char *err, size_t errlen)
{
	for (size_t i = 0; i < vm->nr_backends; i++) {
		struct memory_backend *b = vm->backends[i];

		if (strcmp(b->id, id))
			continue;
		if (b->in_use)
			return fail(err, errlen, "object '%s' is in use, can not be deleted", id);
		free(b->id);
		free(b->qom_type);
		free(b);
		memmove(&vm->backends[i], &vm->backends[i + 1],
			(vm->nr_backends - i - 1) * sizeof(*vm->backends));
		vm->nr_backends--;
		return 0;
	}
	return fail(err, errlen, "object '%s' not found", id);
}

static bool slot_busy(const struct qemu_vm *vm, int slot)
{
	for (size_t i = 0; i < vm->nr_dimms; i++)
		if (vm->dimms[i]->slot == slot)
			return true;
	return false;
}

/* QEMU aligns anonymous RAM to 2 MiB on an x86_64 Linux host; memfd and
 * file backends on tmpfs only to their 4 KiB pages. */
static uint64_t backend_alignment(const struct memory_backend *b)
{
	return strcmp(b->qom_type, "memory-backend-ram") ? TARGET_PAGE_SIZE : 2 * MiB;
}

/* First fit from the start of the device-memory area, in address order. */
static int find_free_addr(const struct qemu_vm *vm, uint64_t size, uint64_t align, uint64_t *addr)
{
	uint64_t base = vm->device_memory_base, end = base + vm->device_memory_size;
	uint64_t candidate = align_up(base, align);
	bool moved;

	do {
		moved = false;
		for (size_t i = 0; i < vm->nr_dimms; i++) {
			const struct pc_dimm *d = vm->dimms[i];
			uint64_t ds = d->addr, de = d->addr + d->memdev->size;

			if (candidate < de && candidate + size > ds) {
				candidate = align_up(de, align);
				moved = true;
			}
		}
	} while (moved);
	if (candidate + size > end || candidate + size < candidate)
		return -ENOSPC;
	*addr = candidate;
	return 0;
}

static uint64_t used_device_memory(const struct qemu_vm *vm)
{
	uint64_t used = 0;

	for (size_t i = 0; i < vm->nr_dimms; i++)
		used += vm->dimms[i]->memdev->size;
	return used;
}

/* pc_dimm_pre_plug: the slot. */
static int pick_slot(struct qemu_vm *vm, int *slot, char *err, size_t errlen)
{
	if (*slot >= 0 && (unsigned int)*slot >= vm->slots)
		return fail(err, errlen, "invalid slot number %d, valid range is [0-%" PRIu64 "]", *slot,
			    (uint64_t)vm->slots - 1);
	if (!vm->slots)
		return fail(err, errlen, "no slots where allocated, please specify the 'slots' option");
	if (*slot >= 0) {
		if (slot_busy(vm, *slot))
			return fail(err, errlen, "slot %d is busy", *slot);
		return 0;
	}
	for (*slot = 0; (unsigned int)*slot < vm->slots && slot_busy(vm, *slot); (*slot)++)
		;
	if ((unsigned int)*slot == vm->slots)
		return fail(err, errlen, "no free slots available");
	return 0;
}

/* memory_device_pre_plug: space, alignment and address. */
static int pick_addr(struct qemu_vm *vm, const struct memory_backend *b, uint64_t *addr, char *err,
		     size_t errlen)
{
	uint64_t align = backend_alignment(b), total = vm->maxmem - vm->ram_size;

	if (used_device_memory(vm) + b->size > total)
		return fail(err, errlen, "not enough space, currently 0x%" PRIx64 " in use of total space for memory devices 0x%" PRIx64,
			    used_device_memory(vm), total);
	if (*addr % align)
		return fail(err, errlen, "address must be aligned to 0x%" PRIx64 " bytes", align);
	if (b->size % align)
		return fail(err, errlen, "backend memory size must be multiple of 0x%" PRIx64, align);
	if (!*addr) {
		if (find_free_addr(vm, b->size, align, addr))
			return fail(err, errlen, "could not find position in guest address space for memory device - memory fragmented due to alignments");
		return 0;
	}
	if (*addr < vm->device_memory_base ||
	    *addr + b->size > vm->device_memory_base + vm->device_memory_size)
		return fail(err, errlen, "can't add memory device [0x%" PRIx64 ":0x%" PRIx64 "], usable range for memory devices [0x%" PRIx64 ":0x%" PRIx64 "]",
			    *addr, b->size, vm->device_memory_base, vm->device_memory_size);
	for (size_t i = 0; i < vm->nr_dimms; i++) {
		const struct pc_dimm *o = vm->dimms[i];

		if (*addr < o->addr + o->memdev->size && *addr + b->size > o->addr)
			return fail(err, errlen, "address range conflicts with memory device id='%s'",
				    o->id ? o->id : "(unnamed)");
	}
	return 0;
}

int qemu_vm_dimm_plug(struct qemu_vm *vm, const char *id, const char *memdev, int node,
		      uint64_t addr, int slot, bool hotplugged, struct pc_dimm **out, char *err,
		      size_t errlen)
{
	int nr_nodes = vm->nr_numa ? vm->nr_numa : 1;
	struct memory_backend *b = NULL;
	struct pc_dimm *d, **v;
	int ret;

	if (id && !is_identifier(id))
		return fail(err, errlen, "Parameter 'id' expects an identifier");
	if (id && qemu_vm_find_dimm(vm, id))
		return fail(err, errlen, "Duplicate device ID '%s'", id);
	if (memdev && !(b = qemu_vm_find_backend(vm, memdev))) {
		snprintf(err, errlen, "Device '%s' not found", memdev);
		return -ENOENT;
	}
	ret = pick_slot(vm, &slot, err, errlen);
	if (ret)
		return ret;
	if (!b)
		return fail(err, errlen, "'memdev' property must be set");
	ret = pick_addr(vm, b, &addr, err, errlen);
	if (ret)
		return ret;
	if (node < 0)
		node = 0;
	if (node >= nr_nodes)
		return fail(err, errlen, "'DIMM property node has value %d' which exceeds the number of numa nodes: %d",
			    node, nr_nodes);
	if (b->in_use)
		return fail(err, errlen, "can't use already busy memdev: %s", memdev);
	v = realloc(vm->dimms, (vm->nr_dimms + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	vm->dimms = v;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	if (id && !(d->id = strdup(id))) {
		free(d);
		return -ENOMEM;
	}
	if (!id)
		d->anon_index = vm->nr_anon_devices++;
	d->memdev = b;
	d->slot = slot;
	d->addr = addr;
	d->node = node;
	d->hotplugged = hotplugged;
	b->in_use = true;
	vm->dimms[vm->nr_dimms++] = d;
	*out = d;
	return 0;
}

void qemu_vm_dimm_unplug(struct qemu_vm *vm, struct pc_dimm *d)
{
	for (size_t i = 0; i < vm->nr_dimms; i++) {
		if (vm->dimms[i] != d)
			continue;
		memmove(&vm->dimms[i], &vm->dimms[i + 1], (vm->nr_dimms - i - 1) * sizeof(*vm->dimms));
		vm->nr_dimms--;
		break;
	}
	d->memdev->in_use = false;
	free(d->id);
	free(d);
}

static int e820_add(struct qemu_vm *vm, uint64_t addr, uint64_t size, enum e820_type type)
{
	struct e820_entry *v = realloc(vm->e820, (vm->nr_e820 + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	vm->e820 = v;
	vm->e820[vm->nr_e820++] = (struct e820_entry){addr, size, type};
	return 0;
}

/* The map SeaBIOS hands over (observed with QEMU 7.2): low RAM minus the
 * EBDA and BIOS areas, a reserved tail below the end of low RAM for its
 * tables, the MMCONFIG window on q35, the BIOS flash, high RAM. */
static int build_e820(struct qemu_vm *vm)
{
	/* 32 pages on every observed map up to 64 GiB; 33 at 65 GiB, where the
	 * firmware's tables grew by a page. Larger sizes are unobserved. */
	uint64_t tail = (vm->ram_size > 64 * GiB ? 33 : 32) * TARGET_PAGE_SIZE;
	int r = 0;

	r |= e820_add(vm, 0, 0x9fc00, E820_RAM);
	r |= e820_add(vm, 0x9fc00, 0x400, E820_RESERVED);
	r |= e820_add(vm, 0xf0000, 0x10000, E820_RESERVED);
	if (vm->below_4g > 0x100000 + tail) {
		r |= e820_add(vm, 0x100000, vm->below_4g - tail - 0x100000, E820_RAM);
		r |= e820_add(vm, vm->below_4g - tail, tail, E820_RESERVED);
	}
	if (vm->type == QEMU_MACHINE_Q35) {
		r |= e820_add(vm, 0xb0000000, 0x10000000, E820_RESERVED);
		r |= e820_add(vm, 0xfed1c000, 0x4000, E820_RESERVED);
	}
	r |= e820_add(vm, 0xfffc0000, 0x40000, E820_RESERVED);
	if (vm->above_4g)
		r |= e820_add(vm, vm->above_4g_start, vm->above_4g, E820_RAM);
	if (vm->amd_cpu && vm->phys_bits >= 40)
		r |= e820_add(vm, AMD_HT_START, AMD_HT_END - AMD_HT_START + 1, E820_RESERVED);
	return r ? -ENOMEM : 0;
}

static uint64_t max_used_gpa(const struct qemu_vm *vm)
{
	uint64_t end = vm->device_memory_size ? vm->device_memory_base + vm->device_memory_size
					      : vm->above_4g_start + vm->above_4g;
	uint64_t hole64 = vm->type == QEMU_MACHINE_Q35 ? 32 * GiB : 2 * GiB;

	return align_up(end, GiB) + hole64 - 1;
}

static void layout_ram(struct qemu_vm *vm)
{
	uint64_t lowmem;

	if (vm->type == QEMU_MACHINE_Q35)
		lowmem = vm->ram_size >= 0xb0000000ULL ? 0x80000000ULL : 0xb0000000ULL;
	else
		lowmem = vm->ram_size >= 0xe0000000ULL ? 0xc0000000ULL : 0xe0000000ULL;
	if (vm->ram_size >= lowmem) {
		vm->below_4g = lowmem;
		vm->above_4g = vm->ram_size - lowmem;
	} else {
		vm->below_4g = vm->ram_size;
		vm->above_4g = 0;
	}
	vm->above_4g_start = 4 * GiB;
	if (vm->maxmem > vm->ram_size)
		vm->device_memory_size = vm->maxmem - vm->ram_size + (uint64_t)vm->slots * GiB;
	vm->device_memory_base = align_up(vm->above_4g_start + vm->above_4g, GiB);
	/* AMD CPUs keep guest memory out of the HyperTransport window below
	 * 1 TiB: when the highest address QEMU would use (the end of the 64-bit
	 * PCI hole) reaches it, everything above 4 GiB moves to 1 TiB. */
	if (vm->amd_cpu && max_used_gpa(vm) >= AMD_HT_START) {
		vm->above_4g_start = AMD_ABOVE_1TB;
		vm->device_memory_base = align_up(vm->above_4g_start + vm->above_4g, GiB);
	}
	if (!vm->device_memory_size)
		vm->device_memory_base = 0;
}

int qemu_vm_ram_node(const struct qemu_vm *vm, uint64_t addr)
{
	uint64_t off = addr, cum = 0;

	if (addr >= vm->above_4g_start)
		off = addr - vm->above_4g_start + vm->below_4g;
	for (int i = 0; i < vm->nr_numa; i++) {
		cum += vm->numa[i].mem;
		if (off < cum)
			return vm->numa[i].nodeid;
	}
	return vm->nr_numa ? vm->numa[vm->nr_numa - 1].nodeid : 0;
}

struct parse_ctx {
	struct qemu_vm *vm;
	char *err;
	size_t errlen;
	/* pc-dimm options are applied after all backends exist */
	const char *dimm_opts[256];
	size_t dimm_arg[256];
	size_t nr_dimm_opts;
};

static int parse_machine(struct parse_ctx *c, const char *v)
{
	char *type = opt_get(v, "");
	int ret = 0;

	if (!type)
		type = opt_get(v, "type");
	if (!type)
		return fail(c->err, c->errlen, "-M: expected a machine type (pc or q35)");
	if (!strcmp(type, "q35") || !strncmp(type, "pc-q35", 6))
		c->vm->type = QEMU_MACHINE_Q35;
	else if (!strcmp(type, "pc") || !strncmp(type, "pc-i440fx", 9))
		c->vm->type = QEMU_MACHINE_PC;
	else
		ret = fail(c->err, c->errlen, "-M: unsupported machine type '%s' (memhp models pc and q35)", type);
	free(type);
	return ret;
}

static int parse_size_opt(struct parse_ctx *c, const char *opt, const char *v, char suffix,
			  uint64_t *out)
{
	if (qemu_strtosz(v, suffix, out))
		return fail(c->err, c->errlen, "%s: invalid size '%s'", opt, v);
	return 0;
}

static int parse_memory(struct parse_ctx *c, const char *v)
{
	char *size = opt_get(v, ""), *slots = opt_get(v, "slots"), *maxmem = opt_get(v, "maxmem");
	int ret = 0;

	if (!size)
		size = opt_get(v, "size");
	if (size)
		ret = parse_size_opt(c, "-m", size, 'M', &c->vm->ram_size);
	if (!ret && maxmem)
		ret = parse_size_opt(c, "-m maxmem", maxmem, 'B', &c->vm->maxmem);
	if (!ret && slots) {
		unsigned int n;

		if (kstrtouint(slots, &n))
			ret = fail(c->err, c->errlen, "-m: invalid slots '%s'", slots);
		else
			c->vm->slots = n;
	}
	free(size);
	free(slots);
	free(maxmem);
	return ret;
}

static int parse_object(struct parse_ctx *c, const char *v)
{
	char *type = opt_get(v, ""), *id = opt_get(v, "id"), *size = opt_get(v, "size");
	uint64_t bytes = 0;
	int ret = 0;

	if (!type || !is_memory_backend(type))
		ret = fail(c->err, c->errlen, "-object: memhp models memory-backend-ram, -memfd and -file only");
	else if (!id)
		ret = fail(c->err, c->errlen, "-object: Parameter 'id' is missing");
	else if (!size || qemu_strtosz(size, 'B', &bytes))
		ret = fail(c->err, c->errlen, "-object: expected size=SIZE");
	else
		ret = qemu_vm_object_add(c->vm, type, id, bytes, c->err, c->errlen);
	free(type);
	free(id);
	free(size);
	return ret;
}

static int parse_numa(struct parse_ctx *c, const char *v)
{
	char *kind = opt_get(v, ""), *nodeid = opt_get(v, "nodeid"), *mem = opt_get(v, "mem"),
	     *memdev = opt_get(v, "memdev");
	struct numa_node_opt *n;
	unsigned int id;
	int ret = 0;

	if (!kind || strcmp(kind, "node")) {
		ret = fail(c->err, c->errlen, "-numa: memhp models '-numa node,...' only");
		goto out;
	}
	if (c->vm->nr_numa == 64) {
		ret = fail(c->err, c->errlen, "-numa: too many nodes");
		goto out;
	}
	n = &c->vm->numa[c->vm->nr_numa];
	n->nodeid = c->vm->nr_numa;
	if (nodeid) {
		if (kstrtouint(nodeid, &id) || id >= 64) {
			ret = fail(c->err, c->errlen, "-numa: invalid nodeid '%s'", nodeid);
			goto out;
		}
		n->nodeid = (int)id;
	}
	if (mem) {
		/* Only machine types up to 5.0 take mem=. */
		ret = fail(c->err, c->errlen, "Parameter -numa node,mem is not supported by this machine type");
		goto out;
	}
	if (memdev) {
		n->memdev = qemu_vm_find_backend(c->vm, memdev);
		if (!n->memdev) {
			ret = fail(c->err, c->errlen, "-numa: memdev '%s' not found", memdev);
			goto out;
		}
		n->mem = n->memdev->size;
		n->memdev->in_use = true;
	}
	if (!ret)
		c->vm->nr_numa++;
out:
	free(kind);
	free(nodeid);
	free(mem);
	free(memdev);
	return ret;
}

static int parse_cpu(struct parse_ctx *c, const char *v)
{
	static const char *const intel_models[] = {"kvm64", "kvm32", "core2duo", "coreduo", "n270",
						   "Conroe", "Penryn", "Nehalem", "Westmere",
						   "SandyBridge", "IvyBridge", "Haswell", "Broadwell",
						   "Skylake", "Cascadelake", "Cooperlake", "Icelake",
						   "SapphireRapids", NULL};
	char *bits = opt_get(v, "phys-bits");
	unsigned int n;
	int ret = 0;

	/* "-cpu qemu64,-hypervisor" hides the hypervisor bit: bare metal. */
	c->vm->hypervisor_bit = !strstr(v, ",-hypervisor") && !strstr(v, "hypervisor=off");
	c->vm->amd_cpu = !strstr(v, "vendor=GenuineIntel");
	for (int i = 0; intel_models[i]; i++)
		if (!strncmp(v, intel_models[i], strlen(intel_models[i])))
			c->vm->amd_cpu = false;
	if (strstr(v, "vendor=AuthenticAMD"))
		c->vm->amd_cpu = true;
	if (bits) {
		if (kstrtouint(bits, &n) || n < 32 || n > 52)
			ret = fail(c->err, c->errlen, "-cpu: invalid phys-bits '%s'", bits);
		else
			c->vm->phys_bits = n;
	}
	free(bits);
	return ret;
}

/* The topology matters only for which node each CPU lands on: QEMU puts
 * whole sockets on nodes, and since 6.2 machine types a plain -smp N is
 * one socket of N cores. */
static int parse_smp_count(const char *v, const char *key, unsigned int dflt, unsigned int *out)
{
	char *n = opt_get(v, key);
	int ret = 0;

	*out = dflt;
	if (n && (kstrtouint(n, out) || !*out))
		ret = -EINVAL;
	free(n);
	return ret;
}

static int parse_smp(struct parse_ctx *c, const char *v)
{
	unsigned int cpus, sockets, cores, threads;
	char *n = opt_get(v, "");

	if (!n)
		n = opt_get(v, "cpus");
	if (!n || kstrtouint(n, &cpus) || !cpus) {
		free(n);
		return fail(c->err, c->errlen, "-smp: expected a number of CPUs");
	}
	free(n);
	if (parse_smp_count(v, "cores", 0, &cores) || parse_smp_count(v, "threads", 1, &threads) ||
	    parse_smp_count(v, "sockets", 0, &sockets))
		return fail(c->err, c->errlen, "-smp: sockets, cores and threads must be positive numbers");
	if (!sockets)
		sockets = cores ? cpus / (cores * threads) : 1;
	if (!sockets || cpus % sockets)
		return fail(c->err, c->errlen, "-smp: %u CPUs do not split into %u sockets", cpus, sockets);
	c->vm->smp = cpus;
	c->vm->sockets = sockets;
	return 0;
}

static int parse_device(struct parse_ctx *c, const char *v, size_t argi)
{
	char *driver = opt_get(v, "");
	int ret = 0;

	if (!driver)
		driver = opt_get(v, "driver");
	if (driver && !strcmp(driver, "pc-dimm")) {
		if (c->nr_dimm_opts == 256)
			ret = fail(c->err, c->errlen, "-device: too many pc-dimm devices");
		else {
			c->dimm_arg[c->nr_dimm_opts] = argi;
			c->dimm_opts[c->nr_dimm_opts++] = v;
		}
	} else if (driver && !strcmp(driver, "virtio-mem-pci")) {
		ret = fail(c->err, c->errlen, "-device virtio-mem-pci: virtio-mem is not supported by the memhp model yet");
	}
	/* Other devices do not touch guest memory. */
	free(driver);
	return ret;
}

static int plug_cold_dimm(struct parse_ctx *c, const char *v)
{
	char *id = opt_get(v, "id"), *memdev = opt_get(v, "memdev"), *node = opt_get(v, "node"),
	     *addr = opt_get(v, "addr"), *slot = opt_get(v, "slot");
	uint64_t a = 0, n = 0, s = 0;
	struct pc_dimm *d;
	int ret = 0;

	if ((node && kstrtoull(node, &n)) || (addr && kstrtoull(addr, &a)) ||
	    (slot && kstrtoull(slot, &s)))
		ret = fail(c->err, c->errlen, "-device pc-dimm: invalid number");
	else
		ret = qemu_vm_dimm_plug(c->vm, id, memdev, node ? (int)n : -1, a, slot ? (int)s : -1,
					false, &d, c->err, c->errlen);
	free(id);
	free(memdev);
	free(node);
	free(addr);
	free(slot);
	return ret;
}

static bool option_has_value(const char *opt)
{
	static const char *const flags[] = {"-nographic", "-enable-kvm", "-no-reboot", "-nodefaults",
					    "-S", "-no-shutdown", "-snapshot", NULL};

	for (int i = 0; flags[i]; i++)
		if (!strcmp(opt, flags[i]))
			return false;
	return true;
}

static int parse_one(struct parse_ctx *c, const char *opt, const char *v, size_t argi)
{
	if (!strcmp(opt, "-M") || !strcmp(opt, "-machine"))
		return parse_machine(c, v);
	if (!strcmp(opt, "-m"))
		return parse_memory(c, v);
	if (!strcmp(opt, "-smp"))
		return parse_smp(c, v);
	if (!strcmp(opt, "-object"))
		return parse_object(c, v);
	if (!strcmp(opt, "-numa"))
		return parse_numa(c, v);
	if (!strcmp(opt, "-device"))
		return parse_device(c, v, argi);
	if (!strcmp(opt, "-cpu"))
		return parse_cpu(c, v);
	return 0;
}

static int check_memory_options(struct parse_ctx *c)
{
	struct qemu_vm *vm = c->vm;
	uint64_t numa_total = 0;

	vm->ram_size = align_up(vm->ram_size, 8192);
	if (vm->slots && !vm->maxmem)
		return fail(c->err, c->errlen, "slots specified but no max-size");
	if (vm->maxmem && vm->maxmem < vm->ram_size)
		return fail(c->err, c->errlen, "invalid value of maxmem: maximum memory size (0x%" PRIx64 ") must be at least the initial memory size (0x%" PRIx64 ")", vm->maxmem, vm->ram_size);
	if (vm->slots && vm->maxmem == vm->ram_size)
		return fail(c->err, c->errlen, "invalid value of maxmem: memory slots were specified but maximum memory size (0x%" PRIx64 ") is equal to the initial memory size (0x%" PRIx64 ")", vm->maxmem, vm->ram_size);
	if (!vm->maxmem)
		vm->maxmem = vm->ram_size;
	if (vm->maxmem > vm->ram_size && vm->slots > ACPI_MAX_RAM_SLOTS)
		return fail(c->err, c->errlen, "unsupported amount of memory slots: %u", vm->slots);
	if (vm->maxmem % TARGET_PAGE_SIZE)
		return fail(c->err, c->errlen, "maximum memory size must by aligned to multiple of 4096 bytes");
	for (int i = 0; i < vm->nr_numa; i++)
		numa_total += vm->numa[i].mem;
	if (vm->nr_numa && numa_total != vm->ram_size)
		return fail(c->err, c->errlen, "-numa: total memory for NUMA nodes (0x%" PRIx64 ") should equal RAM size (0x%" PRIx64 ")", numa_total, vm->ram_size);
	return 0;
}

int qemu_vm_create(char *const *argv, size_t argc, struct qemu_vm **out, size_t *bad_arg, char *err,
		   size_t errlen)
{
	struct parse_ctx c = {.err = err, .errlen = errlen};
	struct qemu_vm *vm = calloc(1, sizeof(*vm));
	int ret = 0;

	if (!vm)
		return -ENOMEM;
	vm->type = QEMU_MACHINE_PC;
	vm->hypervisor_bit = true;
	vm->amd_cpu = true;
	vm->phys_bits = 40;
	vm->smp = 1;
	vm->sockets = 1;
	vm->ram_size = 128 * MiB * 32; /* the scenario default, -m 4G */
	c.vm = vm;
	*bad_arg = 0;
	for (size_t i = 0; i < argc && !ret; i++) {
		const char *opt = argv[i];

		*bad_arg = i;
		if (opt[0] != '-') {
			ret = fail(err, errlen, "unexpected argument '%s'", opt);
			break;
		}
		if (!option_has_value(opt))
			continue;
		if (i + 1 >= argc) {
			ret = fail(err, errlen, "%s: missing argument", opt);
			break;
		}
		ret = parse_one(&c, opt, argv[i + 1], i);
		i++;
	}
	if (!ret)
		ret = check_memory_options(&c);
	if (!ret) {
		layout_ram(vm);
		if (vm->phys_bits < 64 && max_used_gpa(vm) > (1ULL << vm->phys_bits) - 1)
			ret = fail(err, errlen, "Address space limit 0x%" PRIx64 " < 0x%" PRIx64 " phys-bits too low (%u)",
				   (1ULL << vm->phys_bits) - 1, max_used_gpa(vm), vm->phys_bits);
	}
	if (!ret)
		ret = build_e820(vm);
	for (size_t i = 0; i < c.nr_dimm_opts && !ret; i++) {
		*bad_arg = c.dimm_arg[i];
		ret = plug_cold_dimm(&c, c.dimm_opts[i]);
	}
	if (ret) {
		qemu_vm_free(vm);
		return ret;
	}
	*out = vm;
	return 0;
}

void qemu_vm_free(struct qemu_vm *vm)
{
	if (!vm)
		return;
	while (vm->nr_dimms)
		qemu_vm_dimm_unplug(vm, vm->dimms[vm->nr_dimms - 1]);
	for (size_t i = 0; i < vm->nr_backends; i++) {
		free(vm->backends[i]->id);
		free(vm->backends[i]->qom_type);
		free(vm->backends[i]);
	}
	free(vm->backends);
	free(vm->dimms);
	free(vm->e820);
	free(vm);
}
