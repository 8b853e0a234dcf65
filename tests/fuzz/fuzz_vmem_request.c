/* libFuzzer harness: what a guest driver sends a virtio-mem device, raw.
 * The input is a run of 12-byte records, each one request on the
 * guest-request queue of one of two devices (QEMU's default 2 MiB block
 * size, and 1 GiB blocks), or a host operation: a new requested-size, or
 * time passing (the size-change event rate limit). Any type, address and
 * block count goes, as a broken or hostile guest would send them. The
 * host's invariants (qemu_vm_check()) must hold after every record.
 *
 * Record: byte 0 = device (bit 0) and kind (bits 1-2: 0-1 request, 2
 * qom-set requested-size, 3 advance the clock); byte 1 = request type;
 * bytes 2-9 = address (offset into the region when bit 3 of byte 0 is
 * set, else absolute), little-endian; bytes 10-11 = nb_blocks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "qemu.h"
#include "qmp.h"
#include "virtio_mem.h"
#include "virtio_mem_pci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RECORD 12

static int no_notify(void *ctx, enum qemu_hotplug_bus bus, unsigned int id, int event)
{
	(void)ctx;
	(void)bus;
	(void)id;
	(void)event;
	return 0;
}

static void drop_event(void *ctx, const char *name, struct json_object *data)
{
	(void)ctx;
	(void)name;
	json_object_put(data);
}

static struct qemu_vm *boot(void)
{
	static char *const argv[] = {
	    "-M",      "q35",
	    "-m",      "4G,maxmem=12G",
	    "-object", "memory-backend-ram,id=mem0,size=4G",
	    "-device", "virtio-mem-pci,id=vm0,memdev=mem0,requested-size=1G",
	    "-object", "memory-backend-ram,id=mem1,size=4G",
	    "-device", "virtio-mem-pci,id=vm1,memdev=mem1,block-size=1G",
	};
	char err[512];
	size_t bad = 0;
	struct qemu_vm *vm;

	if (qemu_vm_create(argv, sizeof(argv) / sizeof(argv[0]), &vm, &bad, err, sizeof(err))) {
		fprintf(stderr, "fuzz_vmem_request: the machine does not boot: %s\n", err);
		abort();
	}
	vm->hooks = (struct qemu_vm_hooks){.device_notify = no_notify, .event = drop_event};
	return vm;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void qom_set_requested(struct qemu_vm *vm, unsigned int dev, uint64_t value)
{
	char cmd[256];
	struct json_object *c, *r;

	snprintf(cmd, sizeof(cmd),
		 "{\"execute\": \"qom-set\", \"arguments\": {\"path\": \"/machine/peripheral/vm%u\", "
		 "\"property\": \"requested-size\", \"value\": %llu}}",
		 dev, (unsigned long long)value);
	c = json_tokener_parse(cmd);
	r = qmp_execute(vm, c);
	json_object_put(r);
	json_object_put(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qemu_vm *vm = boot();
	struct virtio_mem_transport t;
	char msg[512];

	virtio_mem_transport_init(vm, &t);
	for (size_t off = 0; off + RECORD <= size; off += RECORD) {
		const uint8_t *r = data + off;
		unsigned int dev = r[0] & 1, kind = (r[0] >> 1) & 3;
		const struct virtio_mem_pci *v = virtio_mem_pci_by_index(vm, dev);
		uint64_t addr = le64(r + 2);

		if (kind == 2) {
			qom_set_requested(vm, dev, addr);
		} else if (kind == 3) {
			qemu_vm_clock_advance(vm, vm->clock_ns + (addr & 0xffffffffULL));
		} else {
			struct virtio_mem_req req = {
			    .type = r[1] % 5,
			    .addr = (r[0] & 8) && v ? v->addr + addr % (2 * v->block_size << 12) : addr,
			    .nb_blocks = (uint16_t)(r[10] | r[11] << 8),
			};
			struct virtio_mem_resp resp;

			t.request(t.ctx, dev, &req, &resp);
		}
		if (qemu_vm_check(vm, msg, sizeof(msg))) {
			fprintf(stderr, "fuzz_vmem_request: after record %zu: %s\n", off / RECORD, msg);
			abort();
		}
	}
	qemu_vm_free(vm);
	return 0;
}
