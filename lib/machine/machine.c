#include "machine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

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
			out[n++] = (struct firmware_range){
				.start = s - vm->below_4g + vm->above_4g_start,
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
	struct firmware_range nodes[2 * 64 + 1];
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
			uint64_t end = e->addr + e->size < nodes[j].end ? e->addr + e->size : nodes[j].end;

			if (s < end)
				r[n++] = (struct firmware_range){.start = s, .end = end, .nid = nodes[j].nid};
		}
	}
	*out = r;
	*nr = n;
	return 0;
}

static int boot_kernel(struct machine *m, const struct machine_config *cfg)
{
	const struct qemu_vm *vm = m->vm;
	int nr_nodes = 1;
	struct firmware_range hotplug;
	struct boot_info bi = {
		.version = cfg->version,
		.is_vm = vm->hypervisor_bit,
		.cmdline = cfg->kernel_cmdline,
	};
	int ret;

	for (int i = 0; i < vm->nr_numa; i++)
		if (vm->numa[i].nodeid + 1 > nr_nodes)
			nr_nodes = vm->numa[i].nodeid + 1;
	bi.nr_nodes = nr_nodes;
	/* Without cpus= QEMU deals whole sockets round-robin to the nodes; a
	 * plain -smp N is one socket (observed: node 1 of a two-node VM with
	 * -smp 2 and no memory on it stays offline). */
	for (unsigned int cpu = 0; cpu < vm->smp; cpu++) {
		unsigned int socket = cpu / (vm->smp / vm->sockets);

		bi.cpus_per_node[vm->nr_numa ? vm->numa[socket % (unsigned int)vm->nr_numa].nodeid
					     : 0]++;
	}
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
	ret = kernel_boot(&bi, &m->kernel);
	free(bi.ram);
	return ret;
}

int machine_create(const struct machine_config *cfg, struct machine **out, size_t *bad_arg,
		   char *err, size_t errlen)
{
	struct machine *m = calloc(1, sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	m->events = json_object_new_array();
	ret = m->events ? 0 : -ENOMEM;
	if (!ret)
		ret = qemu_vm_create(cfg->qemu_argv, cfg->qemu_argc, &m->vm, bad_arg, err, errlen);
	if (!ret)
		ret = boot_kernel(m, cfg);
	/* Subscribed before the boot-time ACPI scan, which may online blocks. */
	if (!ret && cfg->observer)
		ret = register_memory_observer(m->kernel, cfg->observer);
	/* Cold-plugged DIMMs are found by the ACPI scan at boot, slot by slot. */
	for (unsigned int slot = 0; !ret && slot < m->vm->slots; slot++)
		for (size_t i = 0; !ret && i < m->vm->nr_dimms; i++)
			if (m->vm->dimms[i]->slot == (int)slot)
				ret = acpi_memory_device_add(m, m->vm->dimms[i]);
	if (ret) {
		machine_free(m);
		return ret;
	}
	*out = m;
	return 0;
}

void machine_free(struct machine *m)
{
	if (!m)
		return;
	for (int i = 0; i < 256; i++)
		free(m->acpi_devices[i]);
	kernel_free(m->kernel);
	qemu_vm_free(m->vm);
	free(m->work);
	json_object_put(m->events);
	free(m);
}

const char *machine_memory_device_id(const struct machine *m, uint64_t addr)
{
	for (size_t i = 0; i < m->vm->nr_dimms; i++) {
		const struct pc_dimm *d = m->vm->dimms[i];

		if (addr >= d->addr && addr - d->addr < d->memdev->size)
			return d->id;
	}
	return NULL;
}

void machine_emit_event(struct machine *m, const char *name, struct json_object *data)
{
	struct json_object *ev = json_object_new_object();

	json_object_object_add(ev, "event", json_object_new_string(name));
	if (data)
		json_object_object_add(ev, "data", data);
	json_object_array_add(m->events, ev);
}

int machine_queue_work(struct machine *m, enum acpi_work_kind kind, struct pc_dimm *dimm)
{
	if (m->nr_work == m->work_cap) {
		size_t cap = m->work_cap ? m->work_cap * 2 : 8;
		struct acpi_work *v = realloc(m->work, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->work = v;
		m->work_cap = cap;
	}
	m->work[m->nr_work++] = (struct acpi_work){kind, dimm};
	return 0;
}

static void eject_dimm(struct machine *m, struct pc_dimm *d)
{
	struct json_object *data;
	char path[300];
	int slot;

	if (acpi_memory_device_eject(m, d))
		return;
	/* _EJ0: QEMU unplugs the DIMM and reports it gone. */
	data = json_object_new_object();
	if (d->id) {
		json_object_object_add(data, "device", json_object_new_string(d->id));
		snprintf(path, sizeof(path), "/machine/peripheral/%s", d->id);
	} else {
		snprintf(path, sizeof(path), "/machine/peripheral-anon/device[%u]", d->anon_index);
	}
	json_object_object_add(data, "path", json_object_new_string(path));
	/* Eject requests still queued for this DIMM have nothing left to do. */
	for (size_t i = 0; i < m->nr_work; i++)
		if (m->work[i].dimm == d)
			m->work[i].dimm = NULL;
	slot = d->slot;
	qemu_vm_dimm_unplug(m->vm, d);
	machine_emit_event(m, "DEVICE_DELETED", data);
	acpi_memory_device_ejected(m, slot);
}

int machine_run_pending(struct machine *m)
{
	int done = 0;

	/* Work may queue more work; take items in order until none is left. */
	for (size_t i = 0; i < m->nr_work; i++, done++) {
		struct acpi_work w = m->work[i];

		if (!w.dimm)
			continue;
		if (w.kind == ACPI_WORK_INSERT)
			acpi_memory_device_add(m, w.dimm);
		else
			eject_dimm(m, w.dimm);
	}
	m->nr_work = 0;
	return done;
}
