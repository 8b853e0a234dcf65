/* pc-dimm: slot assignment (pc_dimm_pre_plug), realize and the memory
 * device interface, mirroring hw/mem/pc-dimm.c. */
#include "pc_dimm.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "acpi_memory_hotplug.h"
#include "qemu_error.h"
#include "hostmem.h"
#include "qdev_properties.h"
#include "qemu.h"
#include "strparse.h"

static uint64_t dimm_get_addr(const struct memory_device *md)
{
	return to_pc_dimm_const(md)->addr;
}

static uint64_t dimm_get_size(const struct memory_device *md)
{
	return to_pc_dimm_const(md)->memdev->size;
}

/* Keys in the order QEMU 7.2 puts them on the wire (its dictionary's hash
 * order), so replies compare equal as text too. */
static struct json_object *dimm_fill_info(const struct memory_device *md)
{
	const struct pc_dimm *d = to_pc_dimm_const(md);
	struct json_object *o = json_object_new_object(), *data = json_object_new_object();
	char memdev[300];

	snprintf(memdev, sizeof(memdev), "/objects/%s", d->memdev->id);
	json_object_object_add(data, "memdev", json_object_new_string(memdev));
	json_object_object_add(data, "hotplugged", json_object_new_boolean(d->hotplugged));
	json_object_object_add(data, "addr", json_object_new_uint64(d->addr));
	json_object_object_add(data, "hotpluggable", json_object_new_boolean(true));
	json_object_object_add(data, "size", json_object_new_uint64(d->memdev->size));
	json_object_object_add(data, "slot", json_object_new_int(d->slot));
	json_object_object_add(data, "node", json_object_new_int(d->node));
	if (md->id)
		json_object_object_add(data, "id", json_object_new_string(md->id));
	json_object_object_add(o, "type", json_object_new_string("dimm"));
	json_object_object_add(o, "data", data);
	return o;
}

/* pc_machine_device_unplug_request_cb(): the ACPI eject request. */
static int dimm_unplug_request(struct qemu_vm *vm, struct memory_device *md, char *err,
			       size_t errlen)
{
	(void)err;
	(void)errlen;
	return acpi_memory_unplug_request_cb(vm, to_pc_dimm(md));
}

static void dimm_destroy(struct qemu_vm *vm, struct memory_device *md)
{
	pc_dimm_unplug(vm, to_pc_dimm(md));
}

static const struct memory_device_ops pc_dimm_ops = {
    .qom_type = "pc-dimm",
    .get_addr = dimm_get_addr,
    .get_region_size = dimm_get_size,
    .get_plugged_size = dimm_get_size,
    .fill_info = dimm_fill_info,
    .unplug_request = dimm_unplug_request,
    .destroy = dimm_destroy,
};

struct pc_dimm *to_pc_dimm(struct memory_device *md)
{
	return md->ops == &pc_dimm_ops ? (struct pc_dimm *)md : NULL;
}

const struct pc_dimm *to_pc_dimm_const(const struct memory_device *md)
{
	return md->ops == &pc_dimm_ops ? (const struct pc_dimm *)md : NULL;
}

struct pc_dimm *pc_dimm_in_slot(const struct qemu_vm *vm, int slot)
{
	for (size_t i = 0; i < vm->nr_memory_devices; i++) {
		struct pc_dimm *d = to_pc_dimm(vm->memory_devices[i]);

		if (d && d->slot == slot)
			return d;
	}
	return NULL;
}

/* pc_dimm_pre_plug: the slot (pc_dimm_get_free_slot()). -1 is "assign
 * one"; QEMU compares any other number with the slot count as uint64_t,
 * so a negative one is out of range too. */
static int pick_slot(const struct qemu_vm *vm, int *slot, char *err, size_t errlen)
{
	if (*slot != -1 && (uint64_t)(int64_t)*slot >= vm->slots)
		return error_setg(err, errlen,
				  "invalid slot number %d, valid range is [0-%" PRIu64 "]", *slot,
				  vm->slots - 1);
	if (!vm->slots)
		return error_setg(err, errlen,
				  "no slots where allocated, please specify the 'slots' option");
	if (*slot >= 0) {
		if (pc_dimm_in_slot(vm, *slot))
			return error_setg(err, errlen, "slot %d is busy", *slot);
		return 0;
	}
	for (*slot = 0; (unsigned int)*slot < vm->slots && pc_dimm_in_slot(vm, *slot); (*slot)++)
		;
	if ((unsigned int)*slot == vm->slots)
		return error_setg(err, errlen, "no free slots available");
	return 0;
}

/* The properties, in the order QEMU sets them: its option dictionary's
 * hash order, observed as memdev, addr, slot, node whatever order they
 * were given in. */
static int set_props(const struct qemu_vm *vm, const struct pc_dimm_opts *o,
		     struct memory_backend **b, int *slot, uint64_t *addr, uint32_t *node,
		     char *err, size_t errlen)
{
	uint64_t v = 0;
	int ret = 0;

	if (o->memdev && !(*b = host_memory_backend_find(vm, o->memdev))) {
		snprintf(err, errlen, "Device '%s' not found", o->memdev);
		return -ENOENT;
	}
	if (o->addr)
		ret = qdev_prop_uint("addr", o->addr, UINT64_MAX, "uint64_t", addr, err, errlen);
	if (!ret && o->slot)
		ret = qdev_prop_int32("slot", o->slot, slot, err, errlen);
	if (!ret && o->node) {
		ret = qdev_prop_uint("node", o->node, UINT32_MAX, "uint32_t", &v, err, errlen);
		*node = (uint32_t)v;
	}
	return ret;
}

/* Everything QEMU checks before the DIMM exists, in its order. */
static int pre_plug(const struct qemu_vm *vm, const struct pc_dimm_opts *o,
		    struct memory_backend **b, int *slot, uint64_t *addr, uint32_t *node, char *err,
		    size_t errlen)
{
	int nr_nodes = vm->nr_numa ? vm->nr_numa : 1;
	int ret;

	if (o->id && !id_wellformed(o->id))
		return error_setg(err, errlen, "Parameter 'id' expects an identifier");
	if (o->id && memory_device_find(vm, o->id))
		return error_setg(err, errlen, "Duplicate device ID '%s'", o->id);
	ret = set_props(vm, o, b, slot, addr, node, err, errlen);
	if (ret)
		return ret;
	ret = pick_slot(vm, slot, err, errlen);
	if (ret)
		return ret;
	if (!*b)
		return error_setg(err, errlen, "'memdev' property must be set");
	ret = memory_device_pre_plug(vm, (*b)->size, host_memory_backend_alignment(*b), addr, err,
				     errlen);
	if (ret)
		return ret;
	if (*node >= (uint32_t)nr_nodes)
		return error_setg(err, errlen,
				  "'DIMM property node has value %" PRIu32
				  "' which exceeds the number of numa nodes: %d",
				  *node, nr_nodes);
	if ((*b)->in_use)
		return error_setg(err, errlen, "can't use already busy memdev: %s", o->memdev);
	return 0;
}

int pc_dimm_plug(struct qemu_vm *vm, const struct pc_dimm_opts *o, struct pc_dimm **out, char *err,
		 size_t errlen)
{
	/* the properties' defaults */
	struct memory_backend *b = NULL;
	uint64_t addr = 0;
	uint32_t node = 0;
	struct pc_dimm *d;
	int slot = -1;
	int ret;

	ret = pre_plug(vm, o, &b, &slot, &addr, &node, err, errlen);
	if (ret)
		return ret;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->md.ops = &pc_dimm_ops;
	if (o->id && !(d->md.id = strdup(o->id))) {
		free(d);
		return -ENOMEM;
	}
	d->memdev = b;
	d->slot = slot;
	d->addr = addr;
	d->node = (int)node; /* below the number of nodes */
	d->hotplugged = o->hotplugged;
	if (memory_device_plug(vm, &d->md)) {
		free(d->md.id);
		free(d);
		return -ENOMEM;
	}
	b->in_use = true;
	*out = d;
	return 0;
}

void pc_dimm_unplug(struct qemu_vm *vm, struct pc_dimm *d)
{
	memory_device_unplug(vm, &d->md);
	d->memdev->in_use = false;
	free(d->md.id);
	free(d);
}
