/* One machine: QEMU, the guest kernel, the guest drivers bound to QEMU's
 * hotplug controllers, and the FIFO of notifications between them. */
#include "machine.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "acpi_memhotplug.h"
#include "acpi_memory_hotplug.h"
#include "array.h"
#include "firmware.h"
#include "invariant.h"
#include "virtio_mem_driver.h"
#include "virtio_mem_pci.h"

/* More work than this in one run means work keeps queueing work. */
#define MACHINE_MAX_WORK (1u << 20)

static void event_sink(void *ctx, const char *name, struct json_object *data)
{
	struct machine *m = ctx;
	struct json_object *ev = json_object_new_object();

	json_object_object_add(ev, "event", json_object_new_string(name));
	if (data)
		json_object_object_add(ev, "data", data);
	json_object_array_add(m->events, ev);
}

/* QEMU's hotplug handler raised a notification: the guest handles it
 * when the machine next runs its work. 0 or -ENOMEM, queue unchanged. */
static int queue_notification(void *ctx, enum qemu_hotplug_bus bus, unsigned int id, int event)
{
	struct machine *m = ctx;

	if (array_grow(&m->work, &m->work_cap, m->nr_work + 1, sizeof(*m->work)))
		return -ENOMEM;
	m->work[m->nr_work++] = (struct machine_work){.bus = bus, .id = id, .event = event};
	return 0;
}

/* A device gone from the host leaves its queued notifications nothing to do. */
static void cancel_notifications(struct machine *m, enum qemu_hotplug_bus bus, unsigned int id)
{
	for (size_t i = 0; i < m->nr_work; i++)
		if (m->work[i].bus == bus && m->work[i].id == id)
			m->work[i].cancelled = true;
}

/* The firmware methods the ACPI driver calls: QEMU's, plus the machine's
 * bookkeeping when _EJ0 takes a device away. */
static int acpi_fw_get_slot(void *ctx, unsigned int slot, struct acpi_memory_slot *out)
{
	struct machine *m = ctx;

	return m->acpi_fw.get_slot(m->acpi_fw.ctx, slot, out);
}

static void acpi_fw_ost(void *ctx, unsigned int slot, int source, int status)
{
	struct machine *m = ctx;

	m->acpi_fw.ost(m->acpi_fw.ctx, slot, source, status);
}

static void acpi_fw_eject(void *ctx, unsigned int slot)
{
	struct machine *m = ctx;

	cancel_notifications(m, QEMU_HOTPLUG_ACPI_MEMORY, slot);
	m->acpi_fw.eject(m->acpi_fw.ctx, slot);
}

static int acpi_probe(void *drv)
{
	return acpi_memhotplug_scan(drv);
}

static int acpi_notify(void *drv, unsigned int id, int event)
{
	return acpi_memhotplug_notify(drv, id, event);
}

static void acpi_release(void *drv)
{
	acpi_memhotplug_free(drv);
}

static int acpi_check(const void *drv, char *msg, size_t len)
{
	return acpi_memhotplug_check(drv, msg, len);
}

static const struct guest_driver_ops acpi_memhotplug_driver = {
    .probe = acpi_probe,
    .notify = acpi_notify,
    .release = acpi_release,
    .check = acpi_check,
};

/* Binds the ACPI memory driver to QEMU's memory hotplug controller. */
static int bind_acpi_memory(struct machine *m)
{
	struct acpi_memory_firmware fw = {
	    .get_slot = acpi_fw_get_slot,
	    .ost = acpi_fw_ost,
	    .eject = acpi_fw_eject,
	    .ctx = m,
	};
	struct acpi_memhotplug *drv;
	int ret;

	acpi_memory_firmware_init(m->vm, &m->acpi_fw);
	ret = acpi_memhotplug_create(m->kernel, &fw, &drv);
	if (ret)
		return ret;
	m->bindings[QEMU_HOTPLUG_ACPI_MEMORY] =
	    (struct guest_binding){.ops = &acpi_memhotplug_driver, .drv = drv};
	return 0;
}

static int virtio_probe(void *drv)
{
	return virtio_mem_scan(drv);
}

static int virtio_notify(void *drv, unsigned int id, int event)
{
	return virtio_mem_notify(drv, id, event);
}

static void virtio_release(void *drv)
{
	virtio_mem_driver_free(drv);
}

static int virtio_check(const void *drv, char *msg, size_t len)
{
	return virtio_mem_check(drv, msg, len);
}

static const struct guest_driver_ops virtio_mem_driver = {
    .probe = virtio_probe,
    .notify = virtio_notify,
    .release = virtio_release,
    .check = virtio_check,
};

/* Loads virtio_mem for the virtio-pci bus (Debian's guests load it at
 * boot); it binds each virtio-mem device it finds. */
static int bind_virtio_mem(struct machine *m)
{
	struct virtio_mem_transport t;
	struct virtio_mem_driver *drv;
	int ret;

	virtio_mem_transport_init(m->vm, &t);
	ret = virtio_mem_driver_create(m->kernel, &t, &drv);
	if (ret)
		return ret;
	m->bindings[QEMU_HOTPLUG_VIRTIO_PCI] =
	    (struct guest_binding){.ops = &virtio_mem_driver, .drv = drv};
	return 0;
}

/* The guest's boot: every bound driver finds its devices (the ACPI scan
 * finds cold-plugged DIMMs slot by slot). */
static int probe_drivers(struct machine *m)
{
	for (size_t i = 0; i < MACHINE_NR_BINDINGS; i++) {
		const struct guest_binding *b = &m->bindings[i];
		int ret = b->drv ? b->ops->probe(b->drv) : 0;

		if (ret)
			return ret;
	}
	return 0;
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
	if (!ret) {
		m->vm->hooks = (struct qemu_vm_hooks){
		    .device_notify = queue_notification,
		    .event = event_sink,
		    .ctx = m,
		};
		ret = firmware_boot_kernel(m->vm, cfg->version, cfg->kernel_cmdline, &m->kernel);
	}
	/* Subscribed before the boot-time ACPI scan, which may online blocks. */
	if (!ret && cfg->observer)
		ret = register_memory_observer(m->kernel, cfg->observer);
	if (!ret)
		ret = bind_acpi_memory(m);
	if (!ret)
		ret = bind_virtio_mem(m);
	if (!ret)
		ret = probe_drivers(m);
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
	for (size_t i = 0; i < MACHINE_NR_BINDINGS; i++)
		if (m->bindings[i].drv)
			m->bindings[i].ops->release(m->bindings[i].drv);
	kernel_free(m->kernel);
	qemu_vm_free(m->vm);
	free(m->work);
	json_object_put(m->events);
	free(m);
}

const char *machine_memory_device_id(const struct machine *m, uint64_t addr)
{
	const struct memory_device *md = memory_device_at(m->vm, addr);

	return md ? md->id : NULL;
}

struct json_object *machine_memory_devices_json(const struct machine *m)
{
	return memory_device_query_list(m->vm);
}

static int dispatch(struct machine *m, const struct machine_work *w)
{
	const struct guest_binding *b = &m->bindings[w->bus];

	/* No driver bound: the notification goes unanswered, as on a guest
	 * without the driver. */
	if (!b->drv)
		return 0;
	return b->ops->notify(b->drv, w->id, w->event);
}

/* The host's notifications, in order; handling one may queue more. */
static int run_notifications(struct machine *m)
{
	int done = 0, ret = 0;

	for (size_t i = 0; i < m->nr_work && !ret; i++) {
		struct machine_work w = m->work[i];

		if (i >= MACHINE_MAX_WORK) {
			ret = -ELOOP;
			break;
		}
		if (w.cancelled)
			continue;
		ret = dispatch(m, &w);
		done++;
	}
	m->nr_work = 0;
	return ret ? ret : done;
}

int machine_run_pending(struct machine *m)
{
	int done = 0;

	/* Notifications queue kernel work (virtio-mem's), and the work's
	 * requests may raise notifications: until both are quiet. */
	for (unsigned int round = 0; m->nr_work || kernel_work_pending(m->kernel); round++) {
		int ret = round < MACHINE_MAX_WORK ? run_notifications(m) : -ELOOP;

		if (ret >= 0) {
			done += ret;
			ret = kernel_run_work(m->kernel);
		}
		if (ret < 0) {
			m->nr_work = 0;
			return ret;
		}
		done += ret;
	}
	return done;
}

/* The next moment something happens by itself: a kernel timer or a
 * rate-limited QMP event. */
static bool next_deadline(const struct machine *m, uint64_t *when)
{
	uint64_t k, q;
	bool has_k = kernel_next_timer(m->kernel, &k), has_q = qemu_vm_next_deadline(m->vm, &q);

	if (has_k && has_q)
		*when = k < q ? k : q;
	else if (has_k || has_q)
		*when = has_k ? k : q;
	return has_k || has_q;
}

/* Host and guest share one clock: it moves to `when` on both. */
static void clock_advance(struct machine *m, uint64_t when)
{
	qemu_vm_clock_advance(m->vm, when);
	kernel_clock_advance(m->kernel, when);
}

int machine_advance(struct machine *m, uint64_t ns)
{
	uint64_t now = m->kernel->wq.now, until = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
	uint64_t when;
	int ret = machine_run_pending(m);

	/* From deadline to deadline, with the work each sets off. */
	while (ret >= 0 && next_deadline(m, &when) && when <= until) {
		clock_advance(m, when);
		ret = machine_run_pending(m);
	}
	if (ret < 0)
		return ret;
	clock_advance(m, until);
	return 0;
}

int machine_settle(struct machine *m)
{
	uint64_t when;
	int ret = machine_run_pending(m);

	/* QEMU holds back size-change events for up to a second; a settle
	 * on the real thing waits them out, and so does this one. */
	while (ret >= 0 && qemu_vm_next_deadline(m->vm, &when)) {
		uint64_t now = m->kernel->wq.now;

		ret = machine_advance(m, when > now ? when - now : 0);
	}
	return ret < 0 ? ret : 0;
}

/* A hot-added block lives in a memory device of the host, and the guest's
 * binding of that device is what the block points at: a block whose
 * device is gone from the host (or from the driver) is memory the guest
 * would use after the host took it away. */
static int check_block_device(const struct machine *m, const struct acpi_memhotplug *acpi,
			      const struct memory_block *b, char *msg, size_t len)
{
	uint64_t addr = b->id * m->kernel->block_size;
	const struct memory_device *md = memory_device_at(m->vm, addr);
	const struct fwnode_handle *fw = NULL;
	struct acpi_memory_slot res;
	const struct pc_dimm *d;

	if (b->early) {
		if (b->fwnode)
			return invariant_failed(msg, len, "device-removed",
						"boot memory%" PRIu64 " is bound to %s", b->id,
						b->fwnode->path);
		return 0;
	}
	if (!md)
		return invariant_failed(msg, len, "device-removed",
					"memory%" PRIu64 " at 0x%" PRIx64
					" belongs to no memory device on the host",
					b->id, addr);
	/* virtio-mem memory is bound to no firmware node; the driver's own
	 * check ties the block to the device's group. */
	if (to_virtio_mem_pci_const(md)) {
		if (b->fwnode)
			return invariant_failed(msg, len, "device-removed",
						"virtio-mem memory%" PRIu64 " is bound to %s",
						b->id, b->fwnode->path);
		return 0;
	}
	d = to_pc_dimm_const(md);
	if (d && !(acpi && acpi_memhotplug_bound(acpi, (unsigned int)d->slot, &res, &fw)))
		fw = NULL;
	if (!d || b->fwnode != fw)
		return invariant_failed(
		    msg, len, "device-removed",
		    "memory%" PRIu64 " lies in memory device %s but is bound to %s", b->id,
		    md->id ? md->id : "(unnamed)", b->fwnode ? b->fwnode->path : "nothing");
	return 0;
}

/* Every slot the ACPI driver holds is a DIMM the host still has, where the
 * driver read it. */
static int check_bound_slots(const struct machine *m, const struct acpi_memhotplug *acpi, char *msg,
			     size_t len)
{
	for (unsigned int slot = 0; acpi && slot < ACPI_MAX_RAM_SLOTS; slot++) {
		const struct fwnode_handle *fw;
		struct acpi_memory_slot res;
		const struct pc_dimm *d;

		if (!acpi_memhotplug_bound(acpi, slot, &res, &fw))
			continue;
		d = pc_dimm_in_slot(m->vm, (int)slot);
		if (!d || d->addr != res.addr || d->memdev->size != res.size)
			return invariant_failed(msg, len, "device-removed",
						"the guest holds slot %u [0x%" PRIx64
						", +0x%" PRIx64 ") but the host has %s there",
						slot, res.addr, res.size,
						d ? "another DIMM" : "no DIMM");
	}
	return 0;
}

/* The driver's plugged size is what the host has plugged: only the
 * driver's requests change either. */
static int check_virtio_mem_sizes(const struct machine *m, char *msg, size_t len)
{
	const struct virtio_mem_driver *drv = m->bindings[QEMU_HOTPLUG_VIRTIO_PCI].drv;

	for (size_t i = 0; drv && i < m->vm->nr_memory_devices; i++) {
		const struct virtio_mem_pci *v = to_virtio_mem_pci_const(m->vm->memory_devices[i]);
		struct virtio_mem_info vi;

		if (!v || virtio_mem_get_info(drv, v->index, &vi))
			continue;
		if (vi.plugged_size != v->size)
			return invariant_failed(msg, len, "virtio-mem-size",
						"device %u: the host has %" PRIu64
						" bytes plugged, the driver %" PRIu64,
						v->index, v->size, vi.plugged_size);
	}
	return 0;
}

int machine_check(const struct machine *m, char *msg, size_t len)
{
	const struct acpi_memhotplug *acpi = m->bindings[QEMU_HOTPLUG_ACPI_MEMORY].drv;
	const struct memory_block *b;
	uint64_t id;
	int ret = qemu_vm_check(m->vm, msg, len);

	if (!ret)
		ret = kernel_check(m->kernel, msg, len);
	for (size_t i = 0; !ret && i < MACHINE_NR_BINDINGS; i++) {
		const struct guest_binding *g = &m->bindings[i];

		if (g->drv && g->ops->check)
			ret = g->ops->check(g->drv, msg, len);
	}
	if (ret)
		return ret;
	idtree_for_each(&m->kernel->blocks, id, b)
	{
		ret = check_block_device(m, acpi, b, msg, len);
		if (ret)
			return ret;
	}
	ret = check_bound_slots(m, acpi, msg, len);
	return ret ? ret : check_virtio_mem_sizes(m, msg, len);
}

const struct virtio_mem_driver *machine_virtio_mem_driver(const struct machine *m)
{
	return m->bindings[QEMU_HOTPLUG_VIRTIO_PCI].drv;
}

static const char *wait_reason(const struct virtio_mem_info *vi)
{
	switch (vi->wait) {
	case VIRTIO_MEM_WAIT_GRANULARITY:
		return "the rest is less than one sub-block (big block) of the driver";
	case VIRTIO_MEM_WAIT_USABLE:
		return "ENOSPC: no usable memory block left in the device's usable region";
	case VIRTIO_MEM_WAIT_THRESHOLD:
		return "ENOSPC: added memory waits to be onlined (offline threshold)";
	case VIRTIO_MEM_WAIT_OFFLINE_ONLY:
		return "unplug_online=N and no offline memory left to unplug";
	case VIRTIO_MEM_WAIT_TIMER:
		return "EBUSY: memory could not be unplugged; the driver retries on its timer";
	case VIRTIO_MEM_WAIT_BROKEN:
		return "the device answered ERROR: the driver marked it broken";
	default:
		return "the driver has work queued";
	}
}

int machine_virtio_mem_status(const struct machine *m, struct machine_vmem_status **out, size_t *nr)
{
	const struct virtio_mem_driver *drv = m->bindings[QEMU_HOTPLUG_VIRTIO_PCI].drv;
	struct machine_vmem_status *st = calloc(m->vm->nr_memory_devices + 1, sizeof(*st));
	size_t n = 0;

	if (!st)
		return -ENOMEM;
	for (size_t i = 0; i < m->vm->nr_memory_devices; i++) {
		const struct memory_device *md = m->vm->memory_devices[i];
		const struct virtio_mem_pci *v = to_virtio_mem_pci_const(md);
		struct virtio_mem_info vi;

		if (!v)
			continue;
		st[n] = (struct machine_vmem_status){
		    .md = md,
		    .index = v->index,
		    .size = v->size,
		    .requested_size = v->requested_size,
		};
		if (v->size != v->requested_size)
			st[n].why = !drv || virtio_mem_get_info(drv, v->index, &vi)
					? "no driver is bound to the device"
					: wait_reason(&vi);
		n++;
	}
	*out = st;
	*nr = n;
	return 0;
}
