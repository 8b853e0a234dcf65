/* Linux's ACPI memory device driver on a QEMU pc-dimm: one static memory
 * group per DIMM, added with add_memory(); eject offlines all blocks in two
 * passes and removes them, or rolls back and removes nothing. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "acpi_ost.h"
#include "machine.h"
#include "memmap_on_memory.h"
#include "memory_hotplug.h"


/* QEMU names the DIMM only while it still exists: the final _OST of a
 * successful eject arrives after DEVICE_DELETED and carries just the slot. */
static void emit_slot_ost(struct machine *m, const char *id, int slot, int source, int status)
{
	struct json_object *info = json_object_new_object(), *data = json_object_new_object();
	char slot_name[16];

	snprintf(slot_name, sizeof(slot_name), "%d", slot);
	/* QEMU 7.2's key order on the wire. */
	if (id)
		json_object_object_add(info, "device", json_object_new_string(id));
	json_object_object_add(info, "source", json_object_new_int(source));
	json_object_object_add(info, "status", json_object_new_int(status));
	json_object_object_add(info, "slot", json_object_new_string(slot_name));
	json_object_object_add(info, "slot-type", json_object_new_string("DIMM"));
	json_object_object_add(data, "info", info);
	machine_emit_event(m, "ACPI_DEVICE_OST", data);
}

static void emit_ost(struct machine *m, const struct pc_dimm *d, int source, int status)
{
	emit_slot_ost(m, d->id, d->slot, source, status);
}

void acpi_memory_device_ejected(struct machine *m, int slot)
{
	emit_slot_ost(m, NULL, slot, ACPI_NOTIFY_EJECT_REQUEST, ACPI_OST_SC_SUCCESS);
}

static int node_of_dimm(const struct machine *m, const struct pc_dimm *d)
{
	/* _PXM exists only when the machine has NUMA nodes. */
	if (m->vm->nr_numa)
		return d->node;
	return kernel_phys_to_nid(m->kernel, d->addr);
}

static int enable_device(struct machine *m, struct acpi_memory_device *dev)
{
	struct kernel *k = m->kernel;
	unsigned int flags = MHP_NID_IS_MGID;
	int mgid, ret;

	mgid = memory_group_register_static(&k->groups, k->nodes, node_of_dimm(m, dev->dimm),
					    PFN_UP(dev->size));
	if (mgid < 0)
		return mgid;
	/* 6.12 always asks for memmap-on-memory and lets the core decide per
	 * block; 6.1's core would refuse the whole add, so it asks only for a
	 * range that passes the test (a single block). */
	if (k->version == MEMHP_KERNEL_6_12 || mhp_supports_memmap_on_memory(k, dev->size))
		flags |= MHP_MEMMAP_ON_MEMORY;
	ret = add_memory(k, mgid, dev->start, dev->size, flags);
	if (ret && ret != -EEXIST) {
		memory_group_unregister(&k->groups, mgid);
		return -EINVAL;
	}
	for (uint64_t id = dev->start / k->block_size; id < (dev->start + dev->size) / k->block_size;
	     id++) {
		struct memory_block *b = find_memory_block(k, id);

		if (b)
			b->fwnode = &dev->fwnode;
	}
	dev->group_id = mgid;
	dev->bound = true;
	return 0;
}

/* ACPI device names take the lowest instance number free for their _HID
 * when the device appears, so a DIMM's name depends on plug order. */
static unsigned int free_instance(const struct machine *m)
{
	unsigned int n = 0;

	for (bool taken = true; taken; n += taken) {
		taken = false;
		for (int i = 0; i < 256; i++)
			if (m->acpi_devices[i] && m->acpi_devices[i]->instance == n)
				taken = true;
	}
	return n;
}

int acpi_memory_device_add(struct machine *m, struct pc_dimm *dimm)
{
	struct acpi_memory_device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return -ENOMEM;
	dev->instance = free_instance(m);
	/* QEMU 7.2 puts the memory slots in a PNP0A06 container, the fifth
	 * one Linux enumerates (PNP0A06:04, observed on pc and q35 with 6.1
	 * and 6.12). */
	snprintf(dev->fwnode.path, sizeof(dev->fwnode.path),
		 "LNXSYSTM:00/LNXSYBUS:00/PNP0A06:04/PNP0C80:%02x", dev->instance);
	dev->slot = (unsigned int)dimm->slot;
	dev->dimm = dimm;
	dev->start = dimm->addr;
	dev->size = dimm->memdev->size;
	dev->group_id = -1;
	m->acpi_devices[dev->slot] = dev;
	/* A failed add leaves the device unbound; the firmware still sees a
	 * successful insertion (_OST status 0). */
	enable_device(m, dev);
	if (dimm->hotplugged)
		emit_ost(m, dimm, ACPI_NOTIFY_DEVICE_CHECK, ACPI_OST_SC_SUCCESS);
	return 0;
}

static void for_each_block(struct machine *m, struct acpi_memory_device *dev,
			   void (*fn)(struct kernel *k, struct memory_block *b, void *arg), void *arg)
{
	struct kernel *k = m->kernel;

	for (uint64_t id = dev->start / k->block_size; id < (dev->start + dev->size) / k->block_size;
	     id++) {
		struct memory_block *b = find_memory_block(k, id);

		if (b && b->fwnode == &dev->fwnode)
			fn(k, b, arg);
	}
}

struct offline_pass {
	bool second;
	int error;
	uint64_t *offlined; /* blocks this attempt offlined, to re-online */
	size_t nr_offlined;
};

static void offline_one(struct kernel *k, struct memory_block *b, void *arg)
{
	struct offline_pass *p = arg;
	int r;

	if (p->second && p->error)
		return; /* the second pass stops at its first failure */
	if (b->state == MEM_OFFLINE)
		return;
	r = device_offline(k, b);
	if (r < 0) {
		if (!p->error)
			p->error = r;
		return;
	}
	if (r == 0)
		p->offlined[p->nr_offlined++] = b->id;
}

static int try_to_offline(struct machine *m, struct acpi_memory_device *dev)
{
	uint64_t nr = dev->size / m->kernel->block_size + 1;
	struct offline_pass p = {.offlined = calloc(nr, sizeof(uint64_t))};
	int ret;

	if (!p.offlined)
		return -ENOMEM;
	for_each_block(m, dev, offline_one, &p);
	if (p.error) {
		p.second = true;
		p.error = 0;
		for_each_block(m, dev, offline_one, &p);
	}
	ret = p.error;
	if (ret) {
		/* Roll back: the policy, not the old zone, decides now. */
		for (size_t i = 0; i < p.nr_offlined; i++) {
			struct memory_block *b = find_memory_block(m->kernel, p.offlined[i]);

			if (b)
				device_online(m->kernel, b);
		}
		ret = -EBUSY;
	}
	free(p.offlined);
	return ret;
}

int acpi_memory_device_eject(struct machine *m, struct pc_dimm *dimm)
{
	struct acpi_memory_device *dev = m->acpi_devices[dimm->slot];
	int ret = 0;

	/* Linux acknowledges the request before it starts offlining. */
	emit_ost(m, dimm, ACPI_NOTIFY_EJECT_REQUEST, ACPI_OST_SC_EJECT_IN_PROGRESS);
	if (dev && dev->bound) {
		ret = try_to_offline(m, dev);
		if (ret) {
			dimm->unplug_requested = false;
			emit_ost(m, dimm, ACPI_NOTIFY_EJECT_REQUEST,
				 ret == -EBUSY ? ACPI_OST_SC_DEVICE_BUSY : ACPI_OST_SC_NON_SPECIFIC_FAILURE);
			return ret;
		}
		remove_memory(m->kernel, dev->start, dev->size);
		memory_group_unregister(&m->kernel->groups, dev->group_id);
	}
	m->acpi_devices[dimm->slot] = NULL;
	free(dev);
	return 0;
}
