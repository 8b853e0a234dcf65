/* virtio-mem-pci, mirroring QEMU 7.2's hw/virtio/virtio-mem.c (realize,
 * requests, properties), hw/virtio/virtio-mem-pci.c (the memory device
 * interface and the size-change event) and the virtio-mem parts of
 * hw/i386/pc.c (pre-plug, plug, the unplug refusal). Texts and orders of
 * checks are QEMU 7.2.22's as observed (tests/test_virtio_mem_device.c).
 *
 * Not modelled: migration and postcopy (QEMU answers BUSY while one runs;
 * here virtio_mem_is_busy() is always false), preallocation failures, RAM
 * discard failures, mlock, hugetlb backends (the block size is at least
 * 1 MiB, above every backend's page size here), system reset (which would
 * run virtio_mem_unplug_all()), PCI slots (addr= is checked, not placed). */
#include "virtio_mem_pci.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "array.h"
#include "bitmap.h"
#include "hostmem.h"
#include "invariant.h"
#include "qdev_properties.h"
#include "qemu_error.h"
#include "qemu.h"
#include "strparse.h"
#include "units.h"
#include "virtio_mem.h"

/* ---- the plug bitmap, a word at a time ---- */

/* Whether blocks [first, first + n) are all plugged (or all unplugged):
 * virtio_mem_is_range_plugged()/_unplugged(). n > 0. */
static bool range_is(const struct virtio_mem_pci *v, uint64_t first, uint64_t n, bool plugged)
{
	return bitmap_range_is(v->bitmap, first, n, plugged);
}

/* virtio_mem_set_range_plugged()/_unplugged(). n > 0. */
static void range_set(struct virtio_mem_pci *v, uint64_t first, uint64_t n, bool plugged)
{
	uint64_t wfirst = first / 64, wlast = (first + n - 1) / 64;

	bitmap_assign(v->bitmap, first, n, plugged);
	if (!plugged)
		return;
	if (v->dirty_hi == v->dirty_lo || wfirst < v->dirty_lo)
		v->dirty_lo = wfirst;
	if (wlast + 1 > v->dirty_hi)
		v->dirty_hi = wlast + 1;
}

/* bitmap_clear() of the whole bitmap, over the words ever set. */
static void bitmap_clear_all(struct virtio_mem_pci *v)
{
	if (v->dirty_hi > v->dirty_lo)
		memset(v->bitmap + v->dirty_lo, 0, (v->dirty_hi - v->dirty_lo) * sizeof(uint64_t));
	v->dirty_lo = v->dirty_hi = 0;
}

/* ---- the memory device interface (virtio-mem-pci.c) ---- */

uint64_t virtio_mem_region_size(const struct virtio_mem_pci *v)
{
	return v->memdev->size;
}

static uint64_t vmem_get_addr(const struct memory_device *md)
{
	return to_virtio_mem_pci_const(md)->addr;
}

static uint64_t vmem_get_region_size(const struct memory_device *md)
{
	return virtio_mem_region_size(to_virtio_mem_pci_const(md));
}

static uint64_t vmem_get_plugged_size(const struct memory_device *md)
{
	return to_virtio_mem_pci_const(md)->size;
}

/* virtio_mem_fill_device_info(). Keys in the order QEMU 7.2 puts them on
 * the wire (its dictionary's hash order), observed: memdev, memaddr,
 * block-size, size, node, max-size, requested-size, id. */
static struct json_object *vmem_fill_info(const struct memory_device *md)
{
	const struct virtio_mem_pci *v = to_virtio_mem_pci_const(md);
	struct json_object *o = json_object_new_object(), *data = json_object_new_object();
	char memdev[300];

	snprintf(memdev, sizeof(memdev), "/objects/%s", v->memdev->id);
	json_object_object_add(data, "memdev", json_object_new_string(memdev));
	json_object_object_add(data, "memaddr", json_object_new_uint64(v->addr));
	json_object_object_add(data, "block-size", json_object_new_uint64(v->block_size));
	json_object_object_add(data, "size", json_object_new_uint64(v->size));
	json_object_object_add(data, "node", json_object_new_int64(v->node));
	json_object_object_add(data, "max-size", json_object_new_uint64(virtio_mem_region_size(v)));
	json_object_object_add(data, "requested-size", json_object_new_uint64(v->requested_size));
	if (md->id)
		json_object_object_add(data, "id", json_object_new_string(md->id));
	json_object_object_add(o, "type", json_object_new_string("virtio-mem"));
	json_object_object_add(o, "data", data);
	return o;
}

/* device_del: qdev_unplug() refuses a device on a bus without hotplug
 * first (q35's root bus), then pc_virtio_md_pci_unplug_request() refuses
 * every virtio-mem device (QEMU 7.2; later versions allow it with size and
 * requested-size 0). Nothing changes. */
static int vmem_unplug_request(struct qemu_vm *vm, struct memory_device *md, char *err,
			       size_t errlen)
{
	(void)md;
	if (vm->type == QEMU_MACHINE_Q35)
		return error_setg(err, errlen, "Bus 'pcie.0' does not support hotplugging");
	return error_setg(err, errlen, "virtio based memory devices cannot be unplugged.");
}

static void vmem_destroy(struct qemu_vm *vm, struct memory_device *md)
{
	struct virtio_mem_pci *v = to_virtio_mem_pci(md);

	memory_device_unplug(vm, md);
	v->memdev->in_use = false;
	free(v->bitmap);
	free(md->id);
	free(v);
}

static const struct memory_device_ops virtio_mem_pci_ops = {
    .qom_type = "virtio-mem-pci",
    .get_addr = vmem_get_addr,
    .get_region_size = vmem_get_region_size,
    .get_plugged_size = vmem_get_plugged_size,
    .fill_info = vmem_fill_info,
    .unplug_request = vmem_unplug_request,
    .destroy = vmem_destroy,
};

struct virtio_mem_pci *to_virtio_mem_pci(struct memory_device *md)
{
	return md->ops == &virtio_mem_pci_ops ? (struct virtio_mem_pci *)md : NULL;
}

const struct virtio_mem_pci *to_virtio_mem_pci_const(const struct memory_device *md)
{
	return md->ops == &virtio_mem_pci_ops ? (const struct virtio_mem_pci *)md : NULL;
}

struct virtio_mem_pci *virtio_mem_pci_by_index(const struct qemu_vm *vm, unsigned int index)
{
	for (size_t i = 0; i < vm->nr_memory_devices; i++) {
		struct virtio_mem_pci *v = to_virtio_mem_pci(vm->memory_devices[i]);

		if (v && v->index == index)
			return v;
	}
	return NULL;
}

/* ---- sizes and events ---- */

/* virtio_mem_resize_usable_region(): the requested size plus the extent,
 * capped at the region and rounded up to blocks; 0 for nothing requested.
 * The sum wraps as QEMU's does. */
static void resize_usable_region(struct virtio_mem_pci *v, uint64_t requested, bool can_shrink)
{
	uint64_t region = virtio_mem_region_size(v), want = requested + VIRTIO_MEM_USABLE_EXTENT;
	uint64_t newsize = align_up(want < region ? want : region, v->block_size);

	if (!requested)
		newsize = 0;
	if (newsize < v->usable_region_size && !can_shrink)
		return;
	v->usable_region_size = newsize;
}

/* The size-change notifier: virtio_mem_pci_size_change_notify() sends
 * MEMORY_DEVICE_SIZE_CHANGE, its data keys in QEMU 7.2's wire order
 * (observed: size, qom-path, id; id only for a device that has one); the
 * monitor rate-limits it per qom-path. */
static struct json_object *size_change_data(const void *ctx)
{
	const struct virtio_mem_pci *v = ctx;
	struct json_object *data = json_object_new_object();
	char path[300];

	memory_device_path(&v->md, path, sizeof(path));
	json_object_object_add(data, "size", json_object_new_uint64(v->size));
	json_object_object_add(data, "qom-path", json_object_new_string(path));
	if (v->md.id)
		json_object_object_add(data, "id", json_object_new_string(v->md.id));
	return data;
}

/* Every size change raises the event, so the one held back can be built
 * when it goes out: growing a device by 16 TiB makes 131,072 of them, of
 * which two or three go out. */
static void size_changed(struct qemu_vm *vm, const struct virtio_mem_pci *v)
{
	char path[300];

	memory_device_path(&v->md, path, sizeof(path));
	qemu_vm_event_lazy(vm, "MEMORY_DEVICE_SIZE_CHANGE", path, size_change_data, v);
}

/* virtio_notify_config(): only a driver past feature negotiation hears it
 * (QEMU: past DRIVER_OK, which the transport folds into FEATURES_OK). */
static int notify_config(struct qemu_vm *vm, const struct virtio_mem_pci *v)
{
	if (!v->features_ok || !vm->hooks.device_notify)
		return 0;
	return vm->hooks.device_notify(vm->hooks.ctx, QEMU_HOTPLUG_VIRTIO_PCI, v->index,
				       VIRTIO_EVENT_CONFIG_CHANGED);
}

/* ---- requests (virtio_mem_handle_request()) ---- */

/* Migration would make the device busy; the model never migrates. */
static bool virtio_mem_is_busy(void)
{
	return false;
}

/* virtio_mem_valid_range(): block aligned, not empty, no wrap, inside the
 * usable region. */
static bool valid_range(const struct virtio_mem_pci *v, uint64_t gpa, uint64_t size)
{
	uint64_t usable_end = v->addr + v->usable_region_size;

	if (gpa % v->block_size)
		return false;
	if (gpa + size < gpa || !size)
		return false;
	if (gpa < v->addr || gpa >= usable_end)
		return false;
	return gpa + size <= usable_end;
}

/* virtio_mem_set_block_state(): 0, or -EBUSY with nothing changed. */
static int set_block_state(struct virtio_mem_pci *v, uint64_t gpa, uint64_t size, bool plug)
{
	if (virtio_mem_is_busy())
		return -EBUSY;
	range_set(v, (gpa - v->addr) / v->block_size, size / v->block_size, plug);
	return 0;
}

/* virtio_mem_state_change_request(): PLUG or UNPLUG of nb_blocks at gpa.
 * The size is computed modulo 2^64, as QEMU's is. */
static uint16_t state_change_request(struct qemu_vm *vm, struct virtio_mem_pci *v, uint64_t gpa,
				     uint16_t nb_blocks, bool plug)
{
	uint64_t size = nb_blocks * v->block_size;

	if (!valid_range(v, gpa, size))
		return VIRTIO_MEM_RESP_ERROR;
	if (plug && v->size + size > v->requested_size)
		return VIRTIO_MEM_RESP_NACK;
	/* every block must be in the other state */
	if (!range_is(v, (gpa - v->addr) / v->block_size, size / v->block_size, !plug))
		return VIRTIO_MEM_RESP_ERROR;
	if (set_block_state(v, gpa, size, plug))
		return VIRTIO_MEM_RESP_BUSY;
	if (plug)
		v->size += size;
	else
		v->size -= size;
	size_changed(vm, v);
	return VIRTIO_MEM_RESP_ACK;
}

/* virtio_mem_unplug_all(): 0, or -EBUSY with nothing changed. The usable
 * region shrinks back to what the request needs. */
static int unplug_all(struct qemu_vm *vm, struct virtio_mem_pci *v)
{
	if (v->size) {
		if (virtio_mem_is_busy())
			return -EBUSY;
		bitmap_clear_all(v);
		v->size = 0;
		size_changed(vm, v);
	}
	resize_usable_region(v, v->requested_size, true);
	return 0;
}

/* virtio_mem_state_request(). */
static void state_request(const struct virtio_mem_pci *v, const struct virtio_mem_req *req,
			  struct virtio_mem_resp *resp)
{
	uint64_t size = req->nb_blocks * v->block_size, first;

	if (!valid_range(v, req->addr, size)) {
		resp->type = VIRTIO_MEM_RESP_ERROR;
		return;
	}
	first = (req->addr - v->addr) / v->block_size;
	resp->type = VIRTIO_MEM_RESP_ACK;
	if (range_is(v, first, size / v->block_size, true))
		resp->state = VIRTIO_MEM_STATE_PLUGGED;
	else if (range_is(v, first, size / v->block_size, false))
		resp->state = VIRTIO_MEM_STATE_UNPLUGGED;
	else
		resp->state = VIRTIO_MEM_STATE_MIXED;
}

/* One request and its answer. QEMU meets an unknown type with
 * virtio_error(): the device needs a reset and handles its queue no more,
 * so the driver waits forever; the transport has no "no answer", so here
 * that request and every later one are answered ERROR. */
static void handle_request(struct qemu_vm *vm, struct virtio_mem_pci *v,
			   const struct virtio_mem_req *req, struct virtio_mem_resp *resp)
{
	*resp = (struct virtio_mem_resp){.type = VIRTIO_MEM_RESP_ERROR};
	if (v->broken)
		return;
	switch (req->type) {
	case VIRTIO_MEM_REQ_PLUG:
	case VIRTIO_MEM_REQ_UNPLUG:
		resp->type = state_change_request(vm, v, req->addr, req->nb_blocks,
						  req->type == VIRTIO_MEM_REQ_PLUG);
		break;
	case VIRTIO_MEM_REQ_UNPLUG_ALL:
		resp->type = unplug_all(vm, v) ? VIRTIO_MEM_RESP_BUSY : VIRTIO_MEM_RESP_ACK;
		break;
	case VIRTIO_MEM_REQ_STATE:
		state_request(v, req, resp);
		break;
	default:
		v->broken = true;
		break;
	}
}

/* ---- the transport ---- */

static int tr_next_device(void *ctx, unsigned int *dev)
{
	const struct qemu_vm *vm = ctx;
	const struct virtio_mem_pci *best = NULL;

	for (size_t i = 0; i < vm->nr_memory_devices; i++) {
		const struct virtio_mem_pci *v = to_virtio_mem_pci_const(vm->memory_devices[i]);

		if (v && v->index >= *dev && (!best || v->index < best->index))
			best = v;
	}
	if (!best)
		return -ENODEV;
	*dev = best->index;
	return 0;
}

/* virtio_mem_get_features(): ACPI_PXM whenever the machine has NUMA state,
 * which QEMU 7.2's pc and q35 machines always have (their "hmat" property
 * exists without any -numa option); UNPLUGGED_INACCESSIBLE when on. */
static uint64_t offered_features(const struct virtio_mem_pci *v)
{
	uint64_t f = 1ULL << VIRTIO_MEM_F_ACPI_PXM;

	if (v->unplugged_inaccessible)
		f |= 1ULL << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE;
	return f;
}

static uint64_t tr_get_features(void *ctx, unsigned int dev)
{
	const struct virtio_mem_pci *v = virtio_mem_pci_by_index(ctx, dev);

	return v ? offered_features(v) : 0;
}

/* virtio_set_features() keeps what was offered of the driver's bits;
 * virtio_mem_validate_features() refuses FEATURES_OK when the driver does
 * not accept UNPLUGGED_INACCESSIBLE offered to it. Unchanged on error. */
static int tr_finalize_features(void *ctx, unsigned int dev, uint64_t features)
{
	struct virtio_mem_pci *v = virtio_mem_pci_by_index(ctx, dev);
	uint64_t offered, accepted;

	if (!v)
		return -ENODEV;
	offered = offered_features(v);
	accepted = features & offered;
	if ((offered & (1ULL << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE)) &&
	    !(accepted & (1ULL << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE)))
		return -ENODEV;
	v->guest_features = accepted;
	v->features_ok = true;
	return 0;
}

/* virtio_mem_get_config(). */
static void tr_get_config(void *ctx, unsigned int dev, struct virtio_mem_config *cfg)
{
	const struct virtio_mem_pci *v = virtio_mem_pci_by_index(ctx, dev);

	*cfg = (struct virtio_mem_config){0};
	if (!v)
		return;
	*cfg = (struct virtio_mem_config){
	    .block_size = v->block_size,
	    .node_id = (uint16_t)v->node, /* cpu_to_le16(vmem->node) */
	    .addr = v->addr,
	    .region_size = virtio_mem_region_size(v),
	    .usable_region_size = v->usable_region_size,
	    .plugged_size = v->size,
	    .requested_size = v->requested_size,
	};
}

static void tr_request(void *ctx, unsigned int dev, const struct virtio_mem_req *req,
		       struct virtio_mem_resp *resp)
{
	struct virtio_mem_pci *v = virtio_mem_pci_by_index(ctx, dev);

	if (!v) {
		*resp = (struct virtio_mem_resp){.type = VIRTIO_MEM_RESP_ERROR};
		return;
	}
	handle_request(ctx, v, req, resp);
}

void virtio_mem_transport_init(struct qemu_vm *vm, struct virtio_mem_transport *t)
{
	*t = (struct virtio_mem_transport){
	    .next_device = tr_next_device,
	    .get_features = tr_get_features,
	    .finalize_features = tr_finalize_features,
	    .get_config = tr_get_config,
	    .request = tr_request,
	    .ctx = vm,
	};
}

/* ---- properties, from option strings ----
 * -device and device_add hand every property over as a string, which
 * QEMU's keyval input visitor parses by the property's type. */

/* The PCI address, "slot[.function]" in hex (set_pci_devfn(), with the
 * same sscanf() conversions). Only checked: memhp has no PCI bus. */
static int prop_devfn(const char *s, char *err, size_t errlen)
{
	unsigned int slot, fn;
	int n = 0;

	if (sscanf(s, "%x.%x%n", &slot, &fn, &n) != 2) {
		fn = 0;
		if (sscanf(s, "%x%n", &slot, &n) != 1)
			n = -1;
	}
	if (n < 0 || s[n] || fn > 7 || slot > 31)
		return error_setg(err, errlen,
				  "Property 'virtio-mem-pci.addr' doesn't take value '%s'", s);
	return 0;
}

/* virtio_mem_set_block_size() before realize. */
static int set_block_size(const char *s, uint64_t *out, char *err, size_t errlen)
{
	int ret = qdev_prop_size("block-size", s, out, err, errlen);

	if (ret)
		return ret;
	if (*out < VIRTIO_MEM_MIN_BLOCK_SIZE)
		return error_setg(err, errlen,
				  "'block-size' property has to be at least 0x%" PRIx64,
				  VIRTIO_MEM_MIN_BLOCK_SIZE);
	if (*out & (*out - 1))
		return error_setg(err, errlen, "'block-size' property has to be a power of two");
	return 0;
}

/* What the properties hold before realize. */
struct vmem_props {
	struct memory_backend *memdev;
	int unplugged_inaccessible; /* -1: auto */
	bool prealloc;
	uint64_t memaddr, block_size, requested_size;
	uint32_t node;
};

static int set_memdev(const struct qemu_vm *vm, const char *id, struct vmem_props *p, char *err,
		      size_t errlen)
{
	p->memdev = host_memory_backend_find(vm, id);
	if (p->memdev)
		return 0;
	snprintf(err, errlen, "Device '%s' not found", id);
	return -ENOENT;
}

/* The properties in the order QEMU sets them: its option dictionary's hash
 * order, whatever order they were given in (computed with qdict's
 * tdb_hash() and observed): memdev, unplugged-inaccessible, prealloc,
 * memaddr, addr, block-size, size, node, requested-size. */
static int set_props(const struct qemu_vm *vm, const struct virtio_mem_pci_opts *o,
		     struct vmem_props *p, char *err, size_t errlen)
{
	uint64_t v;
	int ret = 0;

	if (o->memdev)
		ret = set_memdev(vm, o->memdev, p, err, errlen);
	if (!ret && o->unplugged_inaccessible)
		ret = qdev_prop_on_off_auto("unplugged-inaccessible", o->unplugged_inaccessible,
					    &p->unplugged_inaccessible, err, errlen);
	if (!ret && o->prealloc)
		ret = qdev_prop_bool("prealloc", o->prealloc, &p->prealloc, err, errlen);
	if (!ret && o->memaddr)
		ret = qdev_prop_uint("memaddr", o->memaddr, UINT64_MAX, "uint64_t", &p->memaddr,
				     err, errlen);
	if (!ret && o->addr)
		ret = prop_devfn(o->addr, err, errlen);
	if (!ret && o->block_size)
		ret = set_block_size(o->block_size, &p->block_size, err, errlen);
	if (!ret && o->size)
		ret = error_setg(err, errlen, "Property 'virtio-mem.size' is not writable");
	if (!ret && o->node) {
		ret = qdev_prop_uint("node", o->node, UINT32_MAX, "uint32_t", &v, err, errlen);
		p->node = (uint32_t)v;
	}
	if (!ret && o->requested_size)
		ret = qdev_prop_size("requested-size", o->requested_size, &p->requested_size, err,
				     errlen);
	return ret;
}

/* ---- pre-plug, realize, plug ---- */

/* pc_virtio_md_pci_pre_plug() -> memory_device_pre_plug(): the memdev, then
 * the address, aligned to the block size (virtio_mem_pci's
 * get_min_alignment(), the default if unset) or the backend's alignment,
 * whichever is larger. */
static int pre_plug(const struct qemu_vm *vm, struct vmem_props *p, char *err, size_t errlen)
{
	uint64_t align = host_memory_backend_alignment(p->memdev);

	if (p->block_size > align)
		align = p->block_size;
	return memory_device_pre_plug(vm, p->memdev->size, align, &p->memaddr, err, errlen);
}

/* virtio_mem_device_realize(), its checks in QEMU 7.2's order. The block
 * size is set by now (set_props or the default). A requested size beyond
 * the memdev is not refused here (observed), only by qom-set. */
static int realize_checks(const struct qemu_vm *vm, const struct vmem_props *p, char *err,
			  size_t errlen)
{
	int nr_nodes = vm->nr_numa;

	if (p->memdev->in_use)
		return error_setg(err, errlen, "'memdev' property specifies a busy memdev: %s",
				  p->memdev->id);
	/* QEMU's text lacks the blank before "the". */
	if ((nr_nodes && p->node >= (uint32_t)nr_nodes) || (!nr_nodes && p->node))
		return error_setg(err, errlen,
				  "'node' property has value '%" PRIu32
				  "', which exceedsthe number of numa nodes: %d",
				  p->node, nr_nodes ? nr_nodes : 1);
	if (p->block_size < TARGET_PAGE_SIZE)
		return error_setg(
		    err, errlen,
		    "'block-size' property has to be at least the page size (0x%" PRIx64 ")",
		    (uint64_t)TARGET_PAGE_SIZE);
	if (p->requested_size % p->block_size)
		return error_setg(err, errlen,
				  "'requested-size' property has to be multiples of 'block-size' "
				  "(0x%" PRIx64 ")",
				  p->block_size);
	if (p->memaddr % p->block_size)
		return error_setg(
		    err, errlen,
		    "'memaddr' property has to be multiples of 'block-size' (0x%" PRIx64 ")",
		    p->block_size);
	if (p->memdev->size % p->block_size)
		return error_setg(
		    err, errlen,
		    "'memdev' property memdev size has to be multiples of'block-size' "
		    "(0x%" PRIx64 ")",
		    p->block_size);
	return 0;
}

/* "auto": off only where unplugged memory reads as the shared zero page,
 * private anonymous RAM (virtio_mem_has_shared_zeropage()). */
static bool resolve_unplugged_inaccessible(const struct vmem_props *p)
{
	if (p->unplugged_inaccessible >= 0)
		return p->unplugged_inaccessible;
	return strcmp(p->memdev->qom_type, "memory-backend-ram") != 0;
}

static struct virtio_mem_pci *vmem_new(const struct virtio_mem_pci_opts *o,
				       const struct vmem_props *p)
{
	struct virtio_mem_pci *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->md.ops = &virtio_mem_pci_ops;
	v->memdev = p->memdev;
	v->addr = p->memaddr;
	v->block_size = p->block_size;
	v->node = p->node;
	v->requested_size = p->requested_size;
	v->unplugged_inaccessible = resolve_unplugged_inaccessible(p);
	v->prealloc = p->prealloc;
	v->hotplugged = o->hotplugged;
	v->nr_blocks = p->memdev->size / p->block_size;
	v->bitmap = calloc((v->nr_blocks + 63) / 64, sizeof(uint64_t));
	if ((o->id && !(v->md.id = strdup(o->id))) || !v->bitmap) {
		free(v->bitmap);
		free(v->md.id);
		free(v);
		return NULL;
	}
	resize_usable_region(v, v->requested_size, true);
	return v;
}

/* Everything qdev_device_add() checks before the device exists: the id
 * (QemuOpts), the bus, the id's uniqueness, the properties. */
static int check_device_add(const struct qemu_vm *vm, const struct virtio_mem_pci_opts *o,
			    struct vmem_props *p, char *err, size_t errlen)
{
	if (o->id && !id_wellformed(o->id))
		return error_setg(err, errlen, "Parameter 'id' expects an identifier");
	/* q35's devices sit on the PCI Express root bus, which takes no
	 * hot-plugged device (observed). */
	if (o->hotplugged && vm->type == QEMU_MACHINE_Q35)
		return error_setg(err, errlen, "Bus 'pcie.0' does not support hotplugging");
	if (o->id && memory_device_find(vm, o->id))
		return error_setg(err, errlen, "Duplicate device ID '%s'", o->id);
	return set_props(vm, o, p, err, errlen);
}

int virtio_mem_pci_plug(struct qemu_vm *vm, const struct virtio_mem_pci_opts *o,
			struct virtio_mem_pci **out, char *err, size_t errlen)
{
	struct vmem_props p = {.unplugged_inaccessible = -1};
	struct virtio_mem_pci *v;
	int ret = check_device_add(vm, o, &p, err, errlen);

	if (ret)
		return ret;
	if (!p.memdev)
		return error_setg(err, errlen, "'memdev' property must be set");
	/* virtio_mem_get_block_size(): unset means the default */
	if (!p.block_size)
		p.block_size = VIRTIO_MEM_DEFAULT_BLOCK_SIZE;
	ret = pre_plug(vm, &p, err, errlen);
	if (!ret)
		ret = realize_checks(vm, &p, err, errlen);
	if (ret)
		return ret;
	v = vmem_new(o, &p);
	if (!v)
		return -ENOMEM;
	if (memory_device_plug(vm, &v->md)) {
		free(v->bitmap);
		free(v->md.id);
		free(v);
		return -ENOMEM;
	}
	v->memdev->in_use = true; /* host_memory_backend_set_mapped() */
	v->index = vm->nr_virtio_mem++;
	*out = v;
	/* The PCI hotplug controller tells the guest of a new device; the
	 * guest's boot scan finds a cold-plugged one. */
	if (v->hotplugged && vm->hooks.device_notify)
		return vm->hooks.device_notify(vm->hooks.ctx, QEMU_HOTPLUG_VIRTIO_PCI, v->index,
					       VIRTIO_EVENT_DEVICE_ADDED);
	return 0;
}

/* ---- qom-get and qom-set ----
 * The virtio-mem properties live on the virtio-backend child (type
 * virtio-mem, anonymous); the proxy has aliases of them, so either path
 * reads and writes the same values, with the child's errors. */

struct json_object *virtio_mem_qom_get(const struct virtio_mem_pci *v, bool backend,
				       const char *prop)
{
	char path[300];

	if (!strcmp(prop, "type"))
		return json_object_new_string(backend ? "virtio-mem" : "virtio-mem-pci");
	if (!strcmp(prop, "realized"))
		return json_object_new_boolean(true);
	if (!backend && !strcmp(prop, "hotpluggable"))
		return json_object_new_boolean(true);
	/* the child is created with the proxy, hot-plugged or not alike */
	if (!strcmp(prop, "hotplugged"))
		return json_object_new_boolean(v->hotplugged);
	if (!strcmp(prop, "memdev")) {
		snprintf(path, sizeof(path), "/objects/%s", v->memdev->id);
		return json_object_new_string(path);
	}
	if (!strcmp(prop, "memaddr"))
		return json_object_new_uint64(v->addr);
	if (!strcmp(prop, "node"))
		return json_object_new_int64(v->node);
	if (!strcmp(prop, "requested-size"))
		return json_object_new_uint64(v->requested_size);
	if (!strcmp(prop, "block-size"))
		return json_object_new_uint64(v->block_size);
	if (!strcmp(prop, "size"))
		return json_object_new_uint64(v->size);
	if (!strcmp(prop, "unplugged-inaccessible"))
		return json_object_new_string(v->unplugged_inaccessible ? "on" : "off");
	if (!strcmp(prop, "prealloc"))
		return json_object_new_boolean(v->prealloc);
	return NULL;
}

/* A uint64 as QMP's input visitor reads it: a JSON integer, a negative one
 * wrapping. */
static int qmp_uint64(struct json_object *value, uint64_t *out)
{
	int64_t i;

	if (!json_object_is_type(value, json_type_int))
		return -EINVAL;
	/* json-c keeps integers past INT64_MAX as uint64_t */
	i = json_object_get_int64(value);
	*out = i == INT64_MAX ? json_object_get_uint64(value) : (uint64_t)i;
	return 0;
}

/* virtio_mem_set_requested_size() on a realized device: the usable region
 * only grows here, and the driver hears of it even when the value did not
 * change. */
static int set_requested_size(struct qemu_vm *vm, struct virtio_mem_pci *v,
			      struct json_object *value, char *err, size_t errlen)
{
	uint64_t size;

	if (qmp_uint64(value, &size))
		return error_setg(err, errlen, "Parameter 'requested-size' expects uint64");
	if (size % v->block_size)
		return error_setg(err, errlen,
				  "'requested-size' has to be multiples of 'block-size' (0x%" PRIx64
				  ")",
				  v->block_size);
	if (size > virtio_mem_region_size(v))
		return error_setg(
		    err, errlen,
		    "'requested-size' cannot exceed the memory backend size(0x%" PRIx64 ")",
		    virtio_mem_region_size(v));
	if (size != v->requested_size) {
		resize_usable_region(v, size, false);
		v->requested_size = size;
	}
	return notify_config(vm, v) == -ENOMEM ? -ENOMEM : 0;
}

int virtio_mem_qom_set(struct qemu_vm *vm, struct virtio_mem_pci *v, bool backend, const char *prop,
		       struct json_object *value, char *err, size_t errlen)
{
	static const char *const static_props[] = {"memaddr", "node", "unplugged-inaccessible",
						   "prealloc"};

	(void)backend; /* the aliases forward to the child */
	if (!strcmp(prop, "requested-size"))
		return set_requested_size(vm, v, value, err, errlen);
	if (!strcmp(prop, "block-size"))
		return error_setg(err, errlen, "'block-size' cannot be changed");
	if (!strcmp(prop, "size"))
		return error_setg(err, errlen, "Property 'virtio-mem.size' is not writable");
	/* qdev's static properties refuse any change once realized */
	for (size_t i = 0; i < ARRAY_SIZE(static_props); i++)
		if (!strcmp(prop, static_props[i]))
			return error_setg(err, errlen,
					  "Attempt to set property '%s' on anonymous device (type "
					  "'virtio-mem') after it was realized",
					  prop);
	return 1;
}

/* ---- invariants ---- */

static const char *name_of(const struct virtio_mem_pci *v)
{
	return v->md.id ? v->md.id : "(unnamed)";
}

/* The plugged blocks, counted, and the last one (or none). */
static uint64_t count_plugged(const struct virtio_mem_pci *v, uint64_t *end)
{
	uint64_t n = 0, words = (v->nr_blocks + 63) / 64;

	*end = 0;
	for (uint64_t w = 0; w < words; w++) {
		if (!v->bitmap[w])
			continue;
		n += (uint64_t)__builtin_popcountll(v->bitmap[w]);
		*end = w * 64 + 64 - (uint64_t)__builtin_clzll(v->bitmap[w]);
	}
	return n;
}

int virtio_mem_pci_check(const struct virtio_mem_pci *v, char *msg, size_t len)
{
	uint64_t region = virtio_mem_region_size(v), end, n = count_plugged(v, &end);

	if (!is_power_of_2(v->block_size) || v->addr % v->block_size ||
	    region % v->block_size || v->nr_blocks != region / v->block_size)
		return invariant_failed(msg, len, "qemu-virtio-mem-block",
					"virtio-mem %s: block size 0x%" PRIx64
					" does not divide its address 0x%" PRIx64
					" and region 0x%" PRIx64,
					name_of(v), v->block_size, v->addr, region);
	if (v->usable_region_size > region || v->usable_region_size % v->block_size)
		return invariant_failed(msg, len, "qemu-virtio-mem-usable",
					"virtio-mem %s: usable region 0x%" PRIx64
					" in a region of 0x%" PRIx64,
					name_of(v), v->usable_region_size, region);
	if (v->size != n * v->block_size)
		return invariant_failed(msg, len, "qemu-virtio-mem-size",
					"virtio-mem %s: size 0x%" PRIx64 " but %" PRIu64
					" blocks of 0x%" PRIx64 " plugged",
					name_of(v), v->size, n, v->block_size);
	if (end * v->block_size > v->usable_region_size)
		return invariant_failed(msg, len, "qemu-virtio-mem-usable",
					"virtio-mem %s: block %" PRIu64
					" plugged outside the usable region of 0x%" PRIx64,
					name_of(v), end - 1, v->usable_region_size);
	return 0;
}
