/* The QEMU command line: -M/-m/-smp/-object/-numa/-device/-cpu as memhp
 * models them (softmmu/vl.c, hw/core/machine.c, hw/core/numa.c), and the
 * machine they build. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "acpi_memory_hotplug.h"
#include "array.h"
#include "qemu_error.h"
#include "pc.h"
#include "qemu.h"
#include "strparse.h"
#include "units.h"

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

/* What QEMU says when the host cannot map the guest's RAM. */
#define NO_HOST_RAM "cannot set up guest memory 'pc.ram': Cannot allocate memory"

/* A memory device of the command line, created once the machine exists,
 * in command-line order. */
struct cold_device {
	const char *opts;
	size_t arg;
	bool virtio_mem; /* else a pc-dimm */
};

struct parse_ctx {
	struct qemu_vm *vm;
	char *err;
	size_t errlen;
	struct cold_device *devices;
	size_t nr_devices, devices_cap;
	char **device_ids; /* of every -device, as QemuOpts keeps them */
	size_t nr_device_ids, device_ids_cap;
};

static int parse_machine(struct parse_ctx *c, const char *v)
{
	char *type = opt_get(v, "");
	int ret = 0;

	if (!type)
		type = opt_get(v, "type");
	if (!type)
		return error_setg(c->err, c->errlen, "-M: expected a machine type (pc or q35)");
	if (!strcmp(type, "q35") || !strncmp(type, "pc-q35", 6))
		c->vm->type = QEMU_MACHINE_Q35;
	else if (!strcmp(type, "pc") || !strncmp(type, "pc-i440fx", 9))
		c->vm->type = QEMU_MACHINE_PC;
	/* The aliases name QEMU 7.2's newest versions. */
	if (!strcmp(type, "q35") || !strcmp(type, "pc"))
		snprintf(c->vm->machine_name, sizeof(c->vm->machine_name), "%s",
			 !strcmp(type, "pc") ? "pc-i440fx-7.2" : "pc-q35-7.2");
	else if (!strncmp(type, "pc-q35", 6) || !strncmp(type, "pc-i440fx", 9))
		snprintf(c->vm->machine_name, sizeof(c->vm->machine_name), "%s", type);
	else
		ret =
		    error_setg(c->err, c->errlen,
			       "-M: unsupported machine type '%s' (memhp models pc and q35)", type);
	free(type);
	return ret;
}

/* A QEMU_OPT_SIZE option of QemuOpts (util/qemu-option.c
 * parse_option_size()): bytes unless suffixed. */
static int parse_size_opt(struct parse_ctx *c, const char *name, const char *v, uint64_t *out)
{
	int ret = qemu_strtosz(v, 'B', out);

	if (ret == -ERANGE)
		return error_setg(c->err, c->errlen,
				  "Value '%s' is out of range for parameter '%s'", v, name);
	if (ret)
		return error_setg(c->err, c->errlen,
				  "Parameter '%s' expects a non-negative number below 2^64", name);
	return 0;
}

/* A QEMU_OPT_NUMBER option (parse_option_number()). */
static int parse_number_opt(struct parse_ctx *c, const char *name, const char *v, uint64_t *out)
{
	int ret = qemu_strtou64(v, out);

	if (ret == -ERANGE)
		return error_setg(c->err, c->errlen, "Value '%s' is too large for parameter '%s'",
				  v, name);
	if (ret)
		return error_setg(c->err, c->errlen, "Parameter '%s' expects a number", name);
	return 0;
}

/* -m's size, as softmmu/vl.c parse_memory_options() takes it: the option
 * parser checks it as bytes, then a size that ends in a digit gets an "M"
 * and is read again; 0 is the machine's default, 128 MiB. */
static int parse_ram_size(struct parse_ctx *c, const char *v)
{
	size_t len = strlen(v);
	uint64_t bytes;
	int ret = parse_size_opt(c, "size", v, &bytes);

	if (ret)
		return ret;
	if (len && v[len - 1] >= '0' && v[len - 1] <= '9' && qemu_strtosz(v, 'M', &bytes))
		return error_setg(c->err, c->errlen, "Parameter 'memory.size' expects size");
	c->vm->ram_size = bytes ? bytes : 128 * MiB;
	return 0;
}

static int parse_memory(struct parse_ctx *c, const char *v)
{
	char *size = opt_get(v, ""), *slots = opt_get(v, "slots"), *maxmem = opt_get(v, "maxmem");
	int ret = 0;

	if (!size)
		size = opt_get(v, "size");
	if (size)
		ret = parse_ram_size(c, size);
	if (!ret && maxmem)
		ret = parse_size_opt(c, "maxmem", maxmem, &c->vm->maxmem);
	if (!ret && slots)
		ret = parse_number_opt(c, "slots", slots, &c->vm->slots);
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

	if (!type || !host_memory_backend_type_valid(type))
		ret = error_setg(c->err, c->errlen,
				 "-object: memhp models memory-backend-ram, -memfd and -file only");
	else if (!id)
		ret = error_setg(c->err, c->errlen, "-object: Parameter 'id' is missing");
	else if (!size)
		ret = error_setg(c->err, c->errlen, "-object: expected size=SIZE");
	else if (qemu_strtosz(size, 'B', &bytes))
		/* The options visitor's size (qapi/opts-visitor.c), overflow too. */
		ret = error_setg(c->err, c->errlen, "Parameter 'size' expects a size value");
	else
		ret = host_memory_backend_add(c->vm, type, id, bytes, c->err, c->errlen);
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
		ret = error_setg(c->err, c->errlen, "-numa: memhp models '-numa node,...' only");
		goto out;
	}
	if (c->vm->nr_numa == MAX_NODES) {
		ret = error_setg(c->err, c->errlen, "-numa: too many nodes");
		goto out;
	}
	n = &c->vm->numa[c->vm->nr_numa];
	n->nodeid = c->vm->nr_numa;
	if (nodeid) {
		if (kstrtouint(nodeid, &id) || id >= MAX_NODES) {
			ret = error_setg(c->err, c->errlen, "-numa: invalid nodeid '%s'", nodeid);
			goto out;
		}
		n->nodeid = (int)id;
	}
	if (mem) {
		/* Only machine types up to 5.0 take mem=. */
		ret = error_setg(c->err, c->errlen,
				 "Parameter -numa node,mem is not supported by this machine type");
		goto out;
	}
	if (memdev) {
		n->memdev = host_memory_backend_find(c->vm, memdev);
		if (!n->memdev) {
			ret = error_setg(c->err, c->errlen, "-numa: memdev '%s' not found", memdev);
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
	static const char *const intel_models[] = {
	    "kvm64",	  "kvm32",   "core2duo",       "coreduo",  "n270",
	    "Conroe",	  "Penryn",  "Nehalem",	       "Westmere", "SandyBridge",
	    "IvyBridge",  "Haswell", "Broadwell",      "Skylake",  "Cascadelake",
	    "Cooperlake", "Icelake", "SapphireRapids", NULL};
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
			ret = error_setg(c->err, c->errlen, "-cpu: invalid phys-bits '%s'", bits);
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
		return error_setg(c->err, c->errlen, "-smp: expected a number of CPUs");
	}
	free(n);
	if (parse_smp_count(v, "cores", 0, &cores) || parse_smp_count(v, "threads", 1, &threads) ||
	    parse_smp_count(v, "sockets", 0, &sockets))
		return error_setg(c->err, c->errlen,
				  "-smp: sockets, cores and threads must be positive numbers");
	if (!sockets)
		sockets = cores ? cpus / (cores * threads) : 1;
	if (!sockets || cpus % sockets)
		return error_setg(c->err, c->errlen, "-smp: %u CPUs do not split into %u sockets",
				  cpus, sockets);
	c->vm->smp = cpus;
	c->vm->sockets = sockets;
	return 0;
}

/* QemuOpts of the "device" list: an id must be well formed and unique
 * among all -device options, whatever their driver (qemu_opts_create()).
 * Takes ownership of id. */
static int remember_device_id(struct parse_ctx *c, char *id)
{
	if (!id_wellformed(id)) {
		free(id);
		return error_setg(c->err, c->errlen, "Parameter 'id' expects an identifier");
	}
	for (size_t i = 0; i < c->nr_device_ids; i++) {
		if (!strcmp(c->device_ids[i], id)) {
			error_setg(c->err, c->errlen, "Duplicate ID '%s' for device", id);
			free(id);
			return -EINVAL;
		}
	}
	if (array_grow(&c->device_ids, &c->device_ids_cap, c->nr_device_ids + 1,
		       sizeof(*c->device_ids))) {
		free(id);
		return -ENOMEM;
	}
	c->device_ids[c->nr_device_ids++] = id;
	return 0;
}

static int parse_device(struct parse_ctx *c, const char *v, size_t argi)
{
	char *driver = opt_get(v, ""), *id = opt_get(v, "id");
	bool dimm, virtio_mem;
	int ret = id ? remember_device_id(c, id) : 0;

	if (!driver)
		driver = opt_get(v, "driver");
	dimm = driver && !strcmp(driver, "pc-dimm");
	virtio_mem = driver && !strcmp(driver, "virtio-mem-pci");
	free(driver);
	/* Other devices do not touch guest memory. */
	if (ret || (!dimm && !virtio_mem))
		return ret;
	if (array_grow(&c->devices, &c->devices_cap, c->nr_devices + 1, sizeof(*c->devices)))
		return -ENOMEM;
	c->devices[c->nr_devices++] = (struct cold_device){
	    .opts = v,
	    .arg = argi,
	    .virtio_mem = virtio_mem,
	};
	return 0;
}

static int plug_cold_dimm(struct parse_ctx *c, const char *v)
{
	char *id = opt_get(v, "id"), *memdev = opt_get(v, "memdev"), *node = opt_get(v, "node"),
	     *addr = opt_get(v, "addr"), *slot = opt_get(v, "slot");
	struct pc_dimm_opts o = {
	    .id = id,
	    .memdev = memdev,
	    .addr = addr,
	    .slot = slot,
	    .node = node,
	};
	struct pc_dimm *d;
	int ret = pc_dimm_plug(c->vm, &o, &d, c->err, c->errlen);

	/* A missing memdev is QMP's DeviceNotFound; here, a refused option
	 * like any other, with the message in err. */
	if (ret == -ENOENT)
		ret = -EINVAL;
	free(id);
	free(memdev);
	free(node);
	free(addr);
	free(slot);
	return ret;
}

/* A cold-plugged virtio-mem-pci: the guest's boot scan finds it. */
static int plug_cold_virtio_mem(struct parse_ctx *c, const char *v)
{
	static const char *const keys[] = {"id",
					   "memdev",
					   "memaddr",
					   "addr",
					   "node",
					   "block-size",
					   "requested-size",
					   "size",
					   "unplugged-inaccessible",
					   "prealloc"};
	char *val[ARRAY_SIZE(keys)];
	struct virtio_mem_pci *vmem;
	struct virtio_mem_pci_opts o;
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		val[i] = opt_get(v, keys[i]);
	o = (struct virtio_mem_pci_opts){
	    .id = val[0],
	    .memdev = val[1],
	    .memaddr = val[2],
	    .addr = val[3],
	    .node = val[4],
	    .block_size = val[5],
	    .requested_size = val[6],
	    .size = val[7],
	    .unplugged_inaccessible = val[8],
	    .prealloc = val[9],
	};
	ret = virtio_mem_pci_plug(c->vm, &o, &vmem, c->err, c->errlen);
	if (ret == -ENOENT) /* as for a DIMM */
		ret = -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		free(val[i]);
	return ret;
}

static bool option_has_value(const char *opt)
{
	static const char *const flags[] = {"-nographic",  "-enable-kvm", "-no-reboot",
					    "-nodefaults", "-S",	  "-no-shutdown",
					    "-snapshot",   NULL};

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

	/* QEMU's 8 KiB alignment of such a size wraps to 0 and trips an
	 * assertion; no host could map it anyway (check_pc_memory()). */
	if (vm->ram_size > UINT64_MAX - 8191)
		return error_setg(c->err, c->errlen, "%s", NO_HOST_RAM);
	vm->ram_size = align_up(vm->ram_size, 8192);
	if (vm->slots && !vm->maxmem)
		return error_setg(c->err, c->errlen, "slots specified but no max-size");
	if (vm->maxmem && vm->maxmem < vm->ram_size)
		return error_setg(c->err, c->errlen,
				  "invalid value of maxmem: maximum memory size (0x%" PRIx64
				  ") must be at least the initial memory size (0x%" PRIx64 ")",
				  vm->maxmem, vm->ram_size);
	if (vm->slots && vm->maxmem == vm->ram_size)
		return error_setg(c->err, c->errlen,
				  "invalid value of maxmem: memory slots were specified but "
				  "maximum memory size (0x%" PRIx64
				  ") is equal to the initial memory size (0x%" PRIx64 ")",
				  vm->maxmem, vm->ram_size);
	if (!vm->maxmem)
		vm->maxmem = vm->ram_size;
	if (vm->maxmem % TARGET_PAGE_SIZE)
		return error_setg(c->err, c->errlen,
				  "maximum memory size must by aligned to multiple of 4096 bytes");
	for (int i = 0; i < vm->nr_numa; i++)
		numa_total += vm->numa[i].mem;
	if (vm->nr_numa && numa_total != vm->ram_size)
		return error_setg(c->err, c->errlen,
				  "-numa: total memory for NUMA nodes (0x%" PRIx64
				  ") should equal RAM size (0x%" PRIx64 ")",
				  numa_total, vm->ram_size);
	return 0;
}

/* pc_memory_init()'s refusals, in its order: the address space first,
 * then the device-memory area, whose size QEMU computes modulo 2^64 (a
 * huge slots= wraps it small, a huge maxmem= past the end). */
static int check_pc_memory(struct parse_ctx *c)
{
	struct qemu_vm *vm = c->vm;

	/* From 4 PiB on, no phys-bits the model accepts could address the RAM, and
	 * QEMU cannot map it on the host first (observed for -m 4096T). */
	if (vm->ram_size >= (1ULL << 52))
		return error_setg(c->err, c->errlen, "%s", NO_HOST_RAM);
	pc_memory_init(vm);
	if (vm->phys_bits < 64 && pc_max_used_gpa(vm) > (1ULL << vm->phys_bits) - 1)
		return error_setg(
		    c->err, c->errlen,
		    "Address space limit 0x%" PRIx64 " < 0x%" PRIx64 " phys-bits too low (%u)",
		    (uint64_t)((1ULL << vm->phys_bits) - 1), pc_max_used_gpa(vm), vm->phys_bits);
	if (vm->maxmem <= vm->ram_size)
		return 0;
	if (vm->slots > ACPI_MAX_RAM_SLOTS)
		return error_setg(c->err, c->errlen, "unsupported amount of memory slots: %" PRIu64,
				  vm->slots);
	if (vm->device_memory_base + vm->device_memory_size < vm->device_memory_size)
		return error_setg(c->err, c->errlen,
				  "unsupported amount of maximum memory: %" PRIx64, vm->maxmem);
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
	snprintf(vm->machine_name, sizeof(vm->machine_name), "pc-i440fx-7.2");
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
			ret = error_setg(err, errlen, "unexpected argument '%s'", opt);
			break;
		}
		if (!option_has_value(opt))
			continue;
		if (i + 1 >= argc) {
			ret = error_setg(err, errlen, "%s: missing argument", opt);
			break;
		}
		ret = parse_one(&c, opt, argv[i + 1], i);
		i++;
	}
	if (!ret)
		ret = check_memory_options(&c);
	if (!ret)
		ret = check_pc_memory(&c);
	if (!ret)
		ret = seabios_build_e820(vm);
	for (size_t i = 0; i < c.nr_devices && !ret; i++) {
		*bad_arg = c.devices[i].arg;
		ret = c.devices[i].virtio_mem ? plug_cold_virtio_mem(&c, c.devices[i].opts)
					      : plug_cold_dimm(&c, c.devices[i].opts);
	}
	free(c.devices);
	for (size_t i = 0; i < c.nr_device_ids; i++)
		free(c.device_ids[i]);
	free(c.device_ids);
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
	while (vm->nr_memory_devices) {
		struct memory_device *md = vm->memory_devices[vm->nr_memory_devices - 1];

		md->ops->destroy(vm, md);
	}
	monitor_events_free(vm);
	host_memory_backends_free(vm);
	free(vm->memory_devices);
	free(vm->e820);
	free(vm);
}
