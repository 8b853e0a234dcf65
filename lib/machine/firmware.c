/* The firmware glue between QEMU and the guest kernel at boot: SeaBIOS's
 * e820 map and QEMU's SRAT (hw/i386/acpi-build.c build_srat) as the
 * kernel's struct boot_info. */
#include "firmware.h"

#include <errno.h>
#include <stdlib.h>

#include "kernel.h"
#include "qemu.h"

/* Where each node's RAM lies in guest-physical space: QEMU hands out RAM
 * node by node, the part past the low-memory end continuing above 4 GiB. */
static size_t node_phys_ranges(const struct qemu_vm *vm, struct firmware_range *out)
{
	uint64_t off = 0;
	size_t n = 0;

	if (!vm->nr_numa) {
		out[0] = (struct firmware_range){.start = 0, .end = UINT64_MAX, .nid = 0};
		return 1;
	}
	for (int i = 0; i < vm->nr_numa; i++) {
		uint64_t s = off, e = off + vm->numa[i].mem;
		int nid = vm->numa[i].nodeid;

		off = e;
		if (s < vm->below_4g)
			out[n++] = (struct firmware_range){
			    .start = s, .end = e < vm->below_4g ? e : vm->below_4g, .nid = nid};
		if (e > vm->below_4g) {
			s = s > vm->below_4g ? s : vm->below_4g;
			out[n++] =
			    (struct firmware_range){.start = s - vm->below_4g + vm->above_4g_start,
						    .end = e - vm->below_4g + vm->above_4g_start,
						    .nid = nid};
		}
	}
	return n;
}

/* Boot RAM per node: the usable e820 ranges cut at the NUMA boundaries
 * QEMU describes in the SRAT. */
static int split_ram_by_node(const struct qemu_vm *vm, struct firmware_range **out, size_t *nr)
{
	struct firmware_range nodes[2 * MAX_NODES + 1];
	size_t nr_nodes = node_phys_ranges(vm, nodes), n = 0;
	struct firmware_range *r = calloc(vm->nr_e820 * nr_nodes + 1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < vm->nr_e820; i++) {
		const struct e820_entry *e = &vm->e820[i];

		if (e->type != E820_RAM)
			continue;
		for (size_t j = 0; j < nr_nodes; j++) {
			uint64_t s = e->addr > nodes[j].start ? e->addr : nodes[j].start;
			uint64_t end =
			    e->addr + e->size < nodes[j].end ? e->addr + e->size : nodes[j].end;

			if (s < end)
				r[n++] = (struct firmware_range){
				    .start = s, .end = end, .nid = nodes[j].nid};
		}
	}
	*out = r;
	*nr = n;
	return 0;
}

/* Without cpus= QEMU deals whole sockets round-robin to the nodes; a
 * plain -smp N is one socket (observed: node 1 of a two-node VM with
 * -smp 2 and no memory on it stays offline). */
static void cpus_per_node(const struct qemu_vm *vm, struct boot_info *bi)
{
	for (unsigned int cpu = 0; cpu < vm->smp; cpu++) {
		unsigned int socket = cpu / (vm->smp / vm->sockets);

		bi->cpus_per_node[vm->nr_numa ? vm->numa[socket % (unsigned int)vm->nr_numa].nodeid
					      : 0]++;
	}
}

int firmware_boot_kernel(const struct qemu_vm *vm, enum memhp_kernel version, const char *cmdline,
			 struct kernel **out)
{
	int nr_nodes = 1;
	struct firmware_range hotplug;
	struct boot_info bi = {
	    .version = version,
	    .is_vm = vm->hypervisor_bit,
	    .cmdline = cmdline,
	};
	int ret;

	for (int i = 0; i < vm->nr_numa; i++)
		if (vm->numa[i].nodeid + 1 > nr_nodes)
			nr_nodes = vm->numa[i].nodeid + 1;
	bi.nr_nodes = nr_nodes;
	cpus_per_node(vm, &bi);
	/* The SRAT's hot-pluggable range: the device-memory area, on the
	 * last node. */
	if (vm->device_memory_size) {
		hotplug = (struct firmware_range){
		    .start = vm->device_memory_base,
		    .end = vm->device_memory_base + vm->device_memory_size,
		    .nid = vm->nr_numa ? vm->numa[vm->nr_numa - 1].nodeid : 0,
		    .hotpluggable = true,
		};
		bi.hotplug = &hotplug;
		bi.nr_hotplug = 1;
	}
	ret = split_ram_by_node(vm, &bi.ram, &bi.nr_ram);
	if (ret)
		return ret;
	ret = kernel_boot(&bi, out);
	free(bi.ram);
	return ret;
}
