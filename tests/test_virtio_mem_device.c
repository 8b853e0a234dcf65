/* The host side of virtio-mem: QEMU 7.2's virtio-mem-pci device on its
 * own (qemu_vm_create(), the transport a guest driver uses, QMP), against
 * conformance-checklist.md section J and virtio-mem.md Part A.
 *
 * Every error text and QMP reply below was recorded from
 * qemu-system-x86_64 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3) with
 *   qemu-system-x86_64 <machine> -nodefaults -display none -S -qmp stdio
 *     -object memory-backend-...,id=...,size=... [-device virtio-mem-pci,...]
 * and the QMP commands shown (after qmp_capabilities); command-line errors
 * are QEMU's message without its "-device ...: " prefix. The events were
 * recorded from that QEMU running Debian's 6.12.117 cloud kernel with the
 * virtio_mem driver. Request answers, sizes and addresses are derived from
 * the spec, as each test says. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "array.h"
#include "qemu.h"
#include "qmp.h"
#include "units.h"
#include "virtio_mem.h"
#include "virtio_mem_pci.h"

#define NS_PER_S 1000000000ULL

/* ---- a VM with recording hooks ---- */

struct note {
	enum qemu_hotplug_bus bus;
	unsigned int id;
	int event;
};

struct host {
	struct qemu_vm *vm;
	struct virtio_mem_transport t;
	struct note notes[64];
	size_t nr_notes;
	struct json_object *events; /* [{"event", "data", "at"}] */
};

static int rec_notify(void *ctx, enum qemu_hotplug_bus bus, unsigned int id, int event)
{
	struct host *h = ctx;

	assert_true(h->nr_notes < ARRAY_SIZE(h->notes));
	h->notes[h->nr_notes++] = (struct note){bus, id, event};
	return 0;
}

static void rec_event(void *ctx, const char *name, struct json_object *data)
{
	struct host *h = ctx;
	struct json_object *ev = json_object_new_object();

	json_object_object_add(ev, "event", json_object_new_string(name));
	json_object_object_add(ev, "data", data);
	json_object_object_add(ev, "at", json_object_new_uint64(h->vm->clock_ns));
	json_object_array_add(h->events, ev);
}

/* qemu_vm_create() of a whitespace-separated argument string: 0 with
 * h->vm, or its error with the message in err. */
static int host_try(struct host *h, const char *args, char *err, size_t errlen)
{
	char *copy = strdup(args), *argv[64], *save = NULL;
	size_t argc = 0, bad = 0;
	int ret;

	assert_non_null(copy);
	for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		assert_true(argc < ARRAY_SIZE(argv));
		argv[argc++] = tok;
	}
	memset(h, 0, sizeof(*h));
	ret = qemu_vm_create(argv, argc, &h->vm, &bad, err, errlen);
	free(copy);
	if (ret)
		return ret;
	h->events = json_object_new_array();
	h->vm->hooks = (struct qemu_vm_hooks){
	    .device_notify = rec_notify,
	    .event = rec_event,
	    .ctx = h,
	};
	virtio_mem_transport_init(h->vm, &h->t);
	return 0;
}

static void host_new(struct host *h, const char *args)
{
	char err[512];

	if (host_try(h, args, err, sizeof(err)))
		fail_msg("%s: %s", args, err);
}

static void host_free(struct host *h)
{
	qemu_vm_free(h->vm);
	json_object_put(h->events);
}

static void host_check(const struct host *h)
{
	char msg[512];

	if (qemu_vm_check(h->vm, msg, sizeof(msg)))
		fail_msg("%s", msg);
}

static const char *text(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* A QMP command and QEMU's whole reply, as text without blanks. */
static void expect_reply(struct host *h, const char *cmd, const char *want)
{
	struct json_object *c = json_tokener_parse(cmd), *r;

	assert_non_null(c);
	r = qmp_execute(h->vm, c);
	if (strcmp(text(r), want))
		fail_msg("%s:\n  got  %s\n  want %s", cmd, text(r), want);
	json_object_put(r);
	json_object_put(c);
}

static void expect_ok(struct host *h, const char *cmd)
{
	expect_reply(h, cmd, "{\"return\":{}}");
}

static void expect_error(struct host *h, const char *cmd, const char *cls, const char *desc)
{
	char want[1024];

	snprintf(want, sizeof(want), "{\"error\":{\"class\":\"%s\",\"desc\":\"%s\"}}", cls, desc);
	expect_reply(h, cmd, want);
}

static void qom_set_size(struct host *h, const char *path, uint64_t v)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "{\"execute\":\"qom-set\",\"arguments\":{\"path\":\"%s\",\"property\":"
		 "\"requested-size\",\"value\":%" PRIu64 "}}",
		 path, v);
	expect_ok(h, cmd);
}

static struct virtio_mem_config config(struct host *h, unsigned int dev)
{
	struct virtio_mem_config c;

	h->t.get_config(h->t.ctx, dev, &c);
	return c;
}

static struct virtio_mem_resp req(struct host *h, unsigned int dev, uint16_t type, uint64_t addr,
				  uint16_t nb)
{
	struct virtio_mem_req r = {.type = type, .addr = addr, .nb_blocks = nb};
	struct virtio_mem_resp resp = {.type = 0xffff, .state = 0xffff};

	h->t.request(h->t.ctx, dev, &r, &resp);
	return resp;
}

static uint16_t plug(struct host *h, uint64_t addr, uint16_t nb)
{
	return req(h, 0, VIRTIO_MEM_REQ_PLUG, addr, nb).type;
}

static uint16_t unplug(struct host *h, uint64_t addr, uint16_t nb)
{
	return req(h, 0, VIRTIO_MEM_REQ_UNPLUG, addr, nb).type;
}

static size_t count_notes(const struct host *h, int event)
{
	size_t n = 0;

	for (size_t i = 0; i < h->nr_notes; i++)
		n += h->notes[i].bus == QEMU_HOTPLUG_VIRTIO_PCI && h->notes[i].event == event;
	return n;
}

/* The checklist's device (section J preamble): q35 with 4 GiB, so device
 * memory starts at 6 GiB; a 4 GiB region; 2 MiB blocks (the default on an
 * x86_64 host); requested 1 GiB. */
#define J_VM                                                                                       \
	"-M q35 -m 4G,maxmem=20G -object memory-backend-ram,id=mem0,size=4G "                      \
	"-device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=1G"
#define ADDR  (6 * GiB)
#define BLOCK (2 * MiB)

/* ---- 90, 91: the usable region ---- */

/* usable_for(req) = align_up(min(region, req + 256 MiB), block), 0 for 0
 * (virtio-mem.md §3.2): 1 GiB -> 1.25 GiB; 3.75 GiB -> min(4 GiB, 4 GiB). */
static void test_usable_region(void **state)
{
	struct host h;
	struct virtio_mem_config c;

	(void)state;
	host_new(&h, J_VM);
	c = config(&h, 0);
	assert_int_equal(c.block_size, BLOCK);
	assert_int_equal(c.node_id, 0);
	assert_int_equal(c.addr, ADDR);
	assert_int_equal(c.region_size, 4 * GiB);
	assert_int_equal(c.usable_region_size, GiB + 256 * MiB);
	assert_int_equal(c.plugged_size, 0);
	assert_int_equal(c.requested_size, GiB);
	host_free(&h);

	host_new(&h, "-M q35 -m 4G,maxmem=20G -object memory-backend-ram,id=mem0,size=4G "
		     "-device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=3840M");
	assert_int_equal(config(&h, 0).usable_region_size, 4 * GiB);
	host_free(&h);

	/* requested 0 at realize -> 0 */
	host_new(&h, "-M q35 -m 4G,maxmem=20G -object memory-backend-ram,id=mem0,size=4G "
		     "-device virtio-mem-pci,id=vm0,memdev=mem0");
	assert_int_equal(config(&h, 0).usable_region_size, 0);
	/* 0 -> 1 GiB grows it to 1.25 GiB; then 2 GiB -> 2.25 GiB (91) */
	qom_set_size(&h, "/machine/peripheral/vm0", GiB);
	assert_int_equal(config(&h, 0).usable_region_size, GiB + 256 * MiB);
	qom_set_size(&h, "/machine/peripheral/vm0", 2 * GiB);
	assert_int_equal(config(&h, 0).usable_region_size, 2 * GiB + 256 * MiB);
	/* lowering the request never shrinks it ... */
	qom_set_size(&h, "/machine/peripheral/vm0", GiB);
	assert_int_equal(config(&h, 0).usable_region_size, 2 * GiB + 256 * MiB);
	/* ... UNPLUG_ALL does, to usable_for(1 GiB) */
	assert_int_equal(req(&h, 0, VIRTIO_MEM_REQ_UNPLUG_ALL, 0, 0).type, VIRTIO_MEM_RESP_ACK);
	assert_int_equal(config(&h, 0).usable_region_size, GiB + 256 * MiB);
	/* and to 0 when nothing is requested */
	qom_set_size(&h, "/machine/peripheral/vm0", 0);
	assert_int_equal(req(&h, 0, VIRTIO_MEM_REQ_UNPLUG_ALL, 0, 0).type, VIRTIO_MEM_RESP_ACK);
	assert_int_equal(config(&h, 0).usable_region_size, 0);
	host_check(&h);
	host_free(&h);
}

/* QEMU 7.2 does not refuse a requested-size beyond the memdev at realize
 * (recorded: -device ...,requested-size=5G on a 4G memdev starts, and
 * query-memory-devices says "requested-size": 5368709120); only qom-set
 * does. The usable region is capped at the region. */
static void test_requested_beyond_memdev_at_realize(void **state)
{
	struct host h;

	(void)state;
	host_new(&h, "-M pc -m 4G,maxmem=20G,slots=4 -object memory-backend-ram,id=mem0,size=4G "
		     "-device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=5G");
	assert_int_equal(config(&h, 0).requested_size, 5 * GiB);
	assert_int_equal(config(&h, 0).usable_region_size, 4 * GiB);
	expect_reply(&h,
		     "{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"vm0\",\"property\":"
		     "\"requested-size\"}}",
		     "{\"return\":5368709120}");
	host_check(&h);
	host_free(&h);
}

/* ---- 92-97: requests (virtio-mem.md §3.1) ---- */

/* 92: plugged == requested == 1 GiB: one more block -> NACK; 93: a block
 * already plugged -> ERROR. 1 GiB = 512 blocks of 2 MiB, eight PLUGs of
 * 64 blocks as the Linux driver sends them. */
static void test_plug_beyond_request(void **state)
{
	struct host h;

	(void)state;
	host_new(&h, J_VM);
	for (int i = 0; i < 8; i++)
		assert_int_equal(plug(&h, ADDR + (uint64_t)i * 128 * MiB, 64), VIRTIO_MEM_RESP_ACK);
	assert_int_equal(config(&h, 0).plugged_size, GiB);
	assert_int_equal(plug(&h, ADDR + GiB, 1), VIRTIO_MEM_RESP_NACK);
	/* NACK comes before the "already plugged" check */
	assert_int_equal(plug(&h, ADDR, 1), VIRTIO_MEM_RESP_NACK);
	assert_int_equal(unplug(&h, ADDR, 1), VIRTIO_MEM_RESP_ACK);
	assert_int_equal(plug(&h, ADDR + BLOCK, 1), VIRTIO_MEM_RESP_ERROR);
	assert_int_equal(config(&h, 0).plugged_size, GiB - BLOCK);
	host_check(&h);
	host_free(&h);
}

/* 94: unaligned, outside the usable region (1.25 GiB), empty, crossing its
 * end -> ERROR; nothing changes. */
static void test_invalid_ranges(void **state)
{
	struct host h;

	(void)state;
	host_new(&h, J_VM);
	assert_int_equal(plug(&h, ADDR + MiB, 1), VIRTIO_MEM_RESP_ERROR);
	assert_int_equal(plug(&h, ADDR + GiB + 256 * MiB, 1), VIRTIO_MEM_RESP_ERROR);
	assert_int_equal(plug(&h, ADDR, 0), VIRTIO_MEM_RESP_ERROR);
	assert_int_equal(plug(&h, ADDR - BLOCK, 1), VIRTIO_MEM_RESP_ERROR);
	/* the last usable block works, one more crosses the end */
	assert_int_equal(plug(&h, ADDR + GiB + 256 * MiB - BLOCK, 2), VIRTIO_MEM_RESP_ERROR);
	assert_int_equal(plug(&h, ADDR + GiB + 256 * MiB - BLOCK, 1), VIRTIO_MEM_RESP_ACK);
	/* an address whose range wraps past 2^64 */
	assert_int_equal(plug(&h, UINT64_MAX - BLOCK + 1, 2), VIRTIO_MEM_RESP_ERROR);
	assert_int_equal(req(&h, 0, VIRTIO_MEM_REQ_STATE, ADDR + MiB, 1).type,
			 VIRTIO_MEM_RESP_ERROR);
	assert_int_equal(config(&h, 0).plugged_size, BLOCK);
	host_check(&h);
	host_free(&h);
}

/* 95: UNPLUG of a partly plugged range -> ERROR; 96: UNPLUG below the
 * request -> ACK, size 1 GiB - 2 MiB. */
static void test_unplug(void **state)
{
	struct host h;

	(void)state;
	host_new(&h, J_VM);
	assert_int_equal(plug(&h, ADDR, 64), VIRTIO_MEM_RESP_ACK);
	assert_int_equal(unplug(&h, ADDR + 32 * BLOCK, 64), VIRTIO_MEM_RESP_ERROR);
	assert_int_equal(unplug(&h, ADDR + 64 * BLOCK, 1), VIRTIO_MEM_RESP_ERROR);
	assert_int_equal(config(&h, 0).plugged_size, 128 * MiB);
	for (int i = 1; i < 8; i++)
		assert_int_equal(plug(&h, ADDR + (uint64_t)i * 128 * MiB, 64), VIRTIO_MEM_RESP_ACK);
	assert_int_equal(unplug(&h, ADDR + 100 * BLOCK, 1), VIRTIO_MEM_RESP_ACK);
	assert_int_equal(config(&h, 0).plugged_size, GiB - BLOCK);
	/* the hole can be plugged again */
	assert_int_equal(plug(&h, ADDR + 100 * BLOCK, 1), VIRTIO_MEM_RESP_ACK);
	host_check(&h);
	host_free(&h);
}

/* 97: STATE of a mixed range -> 2; all plugged -> 0; none -> 1; outside
 * the usable region -> ERROR. Ranges across 64-block words too. */
static void test_state(void **state)
{
	struct host h;
	struct virtio_mem_resp r;

	(void)state;
	host_new(&h, J_VM);
	assert_int_equal(plug(&h, ADDR + 10 * BLOCK, 100), VIRTIO_MEM_RESP_ACK);
	r = req(&h, 0, VIRTIO_MEM_REQ_STATE, ADDR, 128);
	assert_int_equal(r.type, VIRTIO_MEM_RESP_ACK);
	assert_int_equal(r.state, VIRTIO_MEM_STATE_MIXED);
	r = req(&h, 0, VIRTIO_MEM_REQ_STATE, ADDR + 10 * BLOCK, 100);
	assert_int_equal(r.type, VIRTIO_MEM_RESP_ACK);
	assert_int_equal(r.state, VIRTIO_MEM_STATE_PLUGGED);
	r = req(&h, 0, VIRTIO_MEM_REQ_STATE, ADDR + 110 * BLOCK, 200);
	assert_int_equal(r.type, VIRTIO_MEM_RESP_ACK);
	assert_int_equal(r.state, VIRTIO_MEM_STATE_UNPLUGGED);
	r = req(&h, 0, VIRTIO_MEM_REQ_STATE, ADDR + 109 * BLOCK, 2);
	assert_int_equal(r.state, VIRTIO_MEM_STATE_MIXED);
	r = req(&h, 0, VIRTIO_MEM_REQ_STATE, ADDR, 10);
	assert_int_equal(r.state, VIRTIO_MEM_STATE_UNPLUGGED);
	/* the usable region is 640 blocks: 639 + 2 crosses its end */
	r = req(&h, 0, VIRTIO_MEM_REQ_STATE, ADDR + 639 * BLOCK, 2);
	assert_int_equal(r.type, VIRTIO_MEM_RESP_ERROR);
	r = req(&h, 0, VIRTIO_MEM_REQ_STATE, ADDR + 2 * GiB, 1);
	assert_int_equal(r.type, VIRTIO_MEM_RESP_ERROR);
	host_free(&h);
}

/* UNPLUG_ALL: nothing plugged any more, size 0, one size change; an
 * unknown request type is a protocol error after which the device answers
 * nothing (here: ERROR) until a reset. */
static void test_unplug_all_and_bad_type(void **state)
{
	struct host h;

	(void)state;
	host_new(&h, J_VM);
	assert_int_equal(plug(&h, ADDR, 64), VIRTIO_MEM_RESP_ACK);
	assert_int_equal(plug(&h, ADDR + 500 * BLOCK, 12), VIRTIO_MEM_RESP_ACK);
	assert_int_equal(req(&h, 0, VIRTIO_MEM_REQ_UNPLUG_ALL, 0, 0).type, VIRTIO_MEM_RESP_ACK);
	assert_int_equal(config(&h, 0).plugged_size, 0);
	assert_int_equal(req(&h, 0, VIRTIO_MEM_REQ_STATE, ADDR, 640).state,
			 VIRTIO_MEM_STATE_UNPLUGGED);
	host_check(&h);
	assert_int_equal(req(&h, 0, 4, ADDR, 1).type, VIRTIO_MEM_RESP_ERROR);
	assert_int_equal(plug(&h, ADDR, 1), VIRTIO_MEM_RESP_ERROR);
	assert_int_equal(config(&h, 0).plugged_size, 0);
	host_free(&h);
}

/* ---- 99, 100: properties ---- */

/* 99: qom-set requested-size: not a multiple of the block size, beyond the
 * memdev, not a JSON integer -> QEMU's errors; the same value again ->
 * success and a config-change notification (once the driver negotiated
 * features: QEMU notifies a driver only past DRIVER_OK). */
static void test_requested_size_qom_set(void **state)
{
	static const struct {
		const char *value, *desc;
	} bad[] = {
	    {"3145728", "'requested-size' has to be multiples of 'block-size' (0x200000)"},
	    {"5368709120", "'requested-size' cannot exceed the memory backend size(0x100000000)"},
	    {"18446744073707454464",
	     "'requested-size' cannot exceed the memory backend size(0x100000000)"},
	    {"-1", "'requested-size' has to be multiples of 'block-size' (0x200000)"},
	    {"\"1G\"", "Parameter 'requested-size' expects uint64"},
	    {"\"1073741824\"", "Parameter 'requested-size' expects uint64"},
	    {"1073741824.0", "Parameter 'requested-size' expects uint64"},
	    {"true", "Parameter 'requested-size' expects uint64"},
	    {"null", "Parameter 'requested-size' expects uint64"},
	};
	struct host h;
	char cmd[256];

	(void)state;
	host_new(&h, "-M pc -m 4G,maxmem=20G,slots=4 -object memory-backend-ram,id=mem0,size=4G "
		     "-device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=1G");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(cmd, sizeof(cmd),
			 "{\"execute\":\"qom-set\",\"arguments\":{\"path\":\"/machine/peripheral/"
			 "vm0\",\"property\":\"requested-size\",\"value\":%s}}",
			 bad[i].value);
		expect_error(&h, cmd, "GenericError", bad[i].desc);
	}
	assert_int_equal(config(&h, 0).requested_size, GiB);
	assert_int_equal(h.nr_notes, 0);
	/* no driver yet: nobody to tell */
	qom_set_size(&h, "/machine/peripheral/vm0", GiB);
	assert_int_equal(h.nr_notes, 0);
	assert_int_equal(h.t.finalize_features(h.t.ctx, 0, 1ULL << VIRTIO_MEM_F_ACPI_PXM), 0);
	qom_set_size(&h, "/machine/peripheral/vm0", GiB);
	assert_int_equal(h.nr_notes, 1);
	assert_int_equal(h.notes[0].bus, QEMU_HOTPLUG_VIRTIO_PCI);
	assert_int_equal(h.notes[0].id, 0);
	assert_int_equal(h.notes[0].event, VIRTIO_EVENT_CONFIG_CHANGED);
	/* the whole memdev, through the child's path too */
	qom_set_size(&h, "/machine/peripheral/vm0/virtio-backend", 4 * GiB);
	assert_int_equal(config(&h, 0).requested_size, 4 * GiB);
	assert_int_equal(config(&h, 0).usable_region_size, 4 * GiB);
	assert_int_equal(count_notes(&h, VIRTIO_EVENT_CONFIG_CHANGED), 2);
	host_free(&h);
}

/* The other properties through qom-get/qom-set, on the proxy, its
 * virtio-backend child and an anonymous device (recorded replies). */
static void test_qom_properties(void **state)
{
	static const struct {
		const char *args, *reply;
	} get[] = {
	    {"\"vm0\",\"property\":\"block-size\"", "{\"return\":2097152}"},
	    {"\"vm0\",\"property\":\"memaddr\"", "{\"return\":6442450944}"},
	    {"\"vm0\",\"property\":\"size\"", "{\"return\":0}"},
	    {"\"vm0\",\"property\":\"requested-size\"", "{\"return\":1073741824}"},
	    {"\"vm0\",\"property\":\"node\"", "{\"return\":0}"},
	    {"\"vm0\",\"property\":\"memdev\"", "{\"return\":\"/objects/mem0\"}"},
	    {"\"vm0\",\"property\":\"type\"", "{\"return\":\"virtio-mem-pci\"}"},
	    {"\"vm0\",\"property\":\"prealloc\"", "{\"return\":false}"},
	    {"\"vm0\",\"property\":\"unplugged-inaccessible\"", "{\"return\":\"off\"}"},
	    {"\"vm0\",\"property\":\"hotplugged\"", "{\"return\":false}"},
	    {"\"vm0\",\"property\":\"realized\"", "{\"return\":true}"},
	    {"\"vm0\",\"property\":\"x-early-migration\"",
	     "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property "
	     "'virtio-mem-pci.x-early-migration' not found\"}}"},
	    {"\"vm0\",\"property\":\"nope\"",
	     "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'virtio-mem-pci.nope' "
	     "not found\"}}"},
	    {"\"/machine/peripheral/vm0/virtio-backend\",\"property\":\"type\"",
	     "{\"return\":\"virtio-mem\"}"},
	    {"\"/machine/peripheral/vm0/virtio-backend/\",\"property\":\"memdev\"",
	     "{\"return\":\"/objects/mem0\"}"},
	    {"\"vm0/virtio-backend\",\"property\":\"memaddr\"", "{\"return\":6442450944}"},
	    {"\"/machine/peripheral/vm0/virtio-backend\",\"property\":\"nope\"",
	     "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'virtio-mem.nope' not "
	     "found\"}}"},
	    {"\"/machine/peripheral/vm0/memdev\",\"property\":\"size\"", "{\"return\":4294967296}"},
	    {"\"/machine/peripheral/vm0/virtio-backend/memdev\",\"property\":\"size\"",
	     "{\"return\":4294967296}"},
	    /* two devices have a virtio-backend: the partial path is ambiguous */
	    {"\"virtio-backend\",\"property\":\"memdev\"",
	     "{\"error\":{\"class\":\"DeviceNotFound\",\"desc\":\"Device 'virtio-backend' not "
	     "found\"}}"},
	    {"\"/machine/peripheral-anon/device[0]\",\"property\":\"requested-size\"",
	     "{\"return\":0}"},
	    {"\"/machine/peripheral-anon/device[0]\",\"property\":\"unplugged-inaccessible\"",
	     "{\"return\":\"on\"}"},
	};
	static const struct {
		const char *args, *desc;
	} set[] = {
	    {"\"vm0\",\"property\":\"size\",\"value\":0",
	     "Property 'virtio-mem.size' is not writable"},
	    {"\"vm0/virtio-backend\",\"property\":\"size\",\"value\":1",
	     "Property 'virtio-mem.size' is not writable"},
	    {"\"vm0\",\"property\":\"block-size\",\"value\":4194304",
	     "'block-size' cannot be changed"},
	    {"\"vm0\",\"property\":\"block-size\",\"value\":\"x\"",
	     "'block-size' cannot be changed"},
	    {"\"vm0\",\"property\":\"memaddr\",\"value\":0",
	     "Attempt to set property 'memaddr' on anonymous device (type 'virtio-mem') after it "
	     "was realized"},
	    {"\"vm0\",\"property\":\"node\",\"value\":0",
	     "Attempt to set property 'node' on anonymous device (type 'virtio-mem') after it was "
	     "realized"},
	    {"\"vm0\",\"property\":\"unplugged-inaccessible\",\"value\":\"on\"",
	     "Attempt to set property 'unplugged-inaccessible' on anonymous device (type "
	     "'virtio-mem') after it was realized"},
	    {"\"vm0\",\"property\":\"prealloc\",\"value\":true",
	     "Attempt to set property 'prealloc' on anonymous device (type 'virtio-mem') after it "
	     "was realized"},
	    {"\"vm0\",\"property\":\"memdev\",\"value\":\"mem1\"",
	     "Attempt to set link property 'memdev' on device '(null)' (type 'virtio-mem') after "
	     "it was realized"},
	    {"\"vm0\",\"property\":\"memdev\",\"value\":1",
	     "Invalid parameter type for 'memdev', expected: string"},
	    {"\"vm0\",\"property\":\"memdev\",\"value\":\"/machine/peripheral/vm0\"",
	     "Invalid parameter type for 'memdev', expected: memory-backend"},
	    {"\"vm0\",\"property\":\"hotplugged\",\"value\":true",
	     "Property 'virtio-mem-pci.hotplugged' is not writable"},
	    {"\"vm0\",\"property\":\"type\",\"value\":\"x\"",
	     "Property 'virtio-mem-pci.type' is not writable"},
	    {"\"vm0\",\"property\":\"nope\",\"value\":\"3\"",
	     "Property 'virtio-mem-pci.nope' not found"},
	};
	struct host h;
	char cmd[512];

	(void)state;
	host_new(&h, J_VM " -object memory-backend-memfd,id=mem1,size=1G "
			  "-device virtio-mem-pci,memdev=mem1");
	for (size_t i = 0; i < ARRAY_SIZE(get); i++) {
		snprintf(cmd, sizeof(cmd), "{\"execute\":\"qom-get\",\"arguments\":{\"path\":%s}}",
			 get[i].args);
		expect_reply(&h, cmd, get[i].reply);
	}
	for (size_t i = 0; i < ARRAY_SIZE(set); i++) {
		snprintf(cmd, sizeof(cmd), "{\"execute\":\"qom-set\",\"arguments\":{\"path\":%s}}",
			 set[i].args);
		expect_error(&h, cmd, "GenericError", set[i].desc);
	}
	expect_error(&h,
		     "{\"execute\":\"qom-set\",\"arguments\":{\"path\":\"vm0\",\"property\":"
		     "\"memdev\",\"value\":\"zz\"}}",
		     "DeviceNotFound", "Device 'zz' not found");
	expect_ok(&h, "{\"execute\":\"qom-set\",\"arguments\":{\"path\":\"vm0\",\"property\":"
		      "\"realized\",\"value\":true}}");
	/* nothing changed */
	expect_reply(&h, "{\"execute\":\"query-memory-devices\"}",
		     "{\"return\":[{\"type\":\"virtio-mem\",\"data\":{\"memdev\":\"/objects/mem0\","
		     "\"memaddr\":6442450944,\"block-size\":2097152,\"size\":0,\"node\":0,"
		     "\"max-size\":4294967296,\"requested-size\":1073741824,\"id\":\"vm0\"}},"
		     "{\"type\":\"virtio-mem\",\"data\":{\"memdev\":\"/objects/mem1\","
		     "\"memaddr\":10737418240,\"block-size\":2097152,\"size\":0,\"node\":0,"
		     "\"max-size\":1073741824,\"requested-size\":0}}]}");
	host_free(&h);
}

/* 100: block-size below 1 MiB, not a power of two, unparsable -> QEMU's
 * errors; the default on an x86_64 host with THP is 2 MiB (above); a
 * change after realize is refused (above). */
static void test_block_size(void **state)
{
	static const struct {
		const char *opt, *error;
	} c[] = {
	    {"block-size=512K", "'block-size' property has to be at least 0x100000"},
	    {"block-size=0", "'block-size' property has to be at least 0x100000"},
	    {"block-size=3M", "'block-size' property has to be a power of two"},
	    {"block-size=-1", "Parameter 'block-size' expects size"},
	    {"block-size=abc", "Parameter 'block-size' expects size"},
	    /* the block size is the alignment: 8G does not divide the 4G memdev */
	    {"block-size=8G", "backend memory size must be multiple of 0x200000000"},
	};
	struct host h;
	char args[512], err[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		snprintf(args, sizeof(args),
			 "-M pc -m 4G,maxmem=20G -object memory-backend-ram,id=mem0,size=4G "
			 "-device virtio-mem-pci,id=vm0,memdev=mem0,%s",
			 c[i].opt);
		assert_int_equal(host_try(&h, args, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, c[i].error);
	}
	/* 1 GiB blocks: the device is placed 1 GiB aligned (recorded: after a
	 * 2 MiB DIMM at 5 GiB, at 6 GiB) */
	host_new(&h, "-M pc -m 4G,maxmem=40G,slots=4 -object memory-backend-ram,id=d,size=2M "
		     "-object memory-backend-ram,id=mem0,size=4G -device pc-dimm,id=d1,memdev=d "
		     "-device virtio-mem-pci,id=vm0,memdev=mem0,block-size=1G,requested-size=1G");
	assert_int_equal(config(&h, 0).block_size, GiB);
	assert_int_equal(config(&h, 0).addr, 6 * GiB);
	/* usable_for(1 GiB) = align_up(1.25 GiB, 1 GiB) */
	assert_int_equal(config(&h, 0).usable_region_size, 2 * GiB);
	host_check(&h);
	host_free(&h);
}

/* ---- 101: device_del [QEMU 7.2] ---- */

static void test_device_del(void **state)
{
	struct host h;

	(void)state;
	host_new(&h, "-M pc -m 4G,maxmem=20G,slots=4 -object memory-backend-ram,id=mem0,size=4G "
		     "-object memory-backend-memfd,id=mem1,size=2G "
		     "-device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=1G "
		     "-device virtio-mem-pci,id=vm1,memdev=mem1,unplugged-inaccessible=on");
	expect_error(&h, "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"vm0\"}}",
		     "GenericError", "virtio based memory devices cannot be unplugged.");
	/* also with unplugged-inaccessible=on, size 0 and requested-size 0 */
	expect_error(&h, "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"vm1\"}}",
		     "GenericError", "virtio based memory devices cannot be unplugged.");
	assert_int_equal(h.vm->nr_memory_devices, 2);
	host_free(&h);
	host_new(&h, J_VM);
	expect_error(&h, "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"vm0\"}}",
		     "GenericError", "Bus 'pcie.0' does not support hotplugging");
	host_free(&h);
}

/* ---- 102: query-memory-devices ---- */

/* Recorded on J_VM: the entry's keys in QEMU 7.2's wire order. */
static void test_query_memory_devices(void **state)
{
	struct host h;

	(void)state;
	host_new(&h, J_VM);
	expect_reply(&h, "{\"execute\":\"query-memory-devices\"}",
		     "{\"return\":[{\"type\":\"virtio-mem\",\"data\":{\"memdev\":\"/objects/mem0\","
		     "\"memaddr\":6442450944,\"block-size\":2097152,\"size\":0,\"node\":0,"
		     "\"max-size\":4294967296,\"requested-size\":1073741824,\"id\":\"vm0\"}}]}");
	expect_reply(&h, "{\"execute\":\"query-memory-size-summary\"}",
		     "{\"return\":{\"base-memory\":4294967296,\"plugged-memory\":0}}");
	/* plugged-memory counts the plugged size (virtio-mem.md §5) */
	assert_int_equal(plug(&h, ADDR, 64), VIRTIO_MEM_RESP_ACK);
	expect_reply(&h, "{\"execute\":\"query-memory-size-summary\"}",
		     "{\"return\":{\"base-memory\":4294967296,\"plugged-memory\":134217728}}");
	host_free(&h);
}

/* ---- 103: size-change events and their rate limit ---- */

static struct json_object *event_at(const struct host *h, size_t i)
{
	return json_object_array_get_idx(h->events, i);
}

/* The event as QEMU puts it on the wire: data keys size, qom-path, id
 * (recorded from a 6.12 guest growing a device 0 -> 1 GiB: 134217728 at
 * once, 1073741824 one second later). */
static void expect_size_event(const struct host *h, size_t i, uint64_t size, uint64_t at)
{
	struct json_object *ev = event_at(h, i), *v;
	char want[256];

	assert_non_null(ev);
	assert_true(json_object_object_get_ex(ev, "event", &v));
	assert_string_equal(json_object_get_string(v), "MEMORY_DEVICE_SIZE_CHANGE");
	assert_true(json_object_object_get_ex(ev, "data", &v));
	snprintf(want, sizeof(want),
		 "{\"size\":%" PRIu64 ",\"qom-path\":\"/machine/peripheral/vm0\",\"id\":\"vm0\"}",
		 size);
	assert_string_equal(text(v), want);
	assert_true(json_object_object_get_ex(ev, "at", &v));
	assert_int_equal(json_object_get_uint64(v), at);
}

/* monitor/monitor.c: the first event goes out at once and opens a 1 s
 * window; later ones replace each other and the last goes out when the
 * window ends, opening the next; a window ending with nothing held back
 * closes. 16 PLUGs of 64 blocks (128 MiB) at 0, 1/30 s, ..., 0.5 s -> one
 * event with 128 MiB at 0 and one with 16 * 128 MiB = 2 GiB at 1 s. */
static void test_size_change_rate_limit(void **state)
{
	struct host h;
	uint64_t when = 0;

	(void)state;
	host_new(&h, "-M q35 -m 4G,maxmem=20G -object memory-backend-ram,id=mem0,size=4G "
		     "-device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=4G");
	assert_int_equal(qemu_vm_next_deadline(h.vm, &when), 0);
	for (int i = 0; i < 16; i++) {
		qemu_vm_clock_advance(h.vm, (uint64_t)i * NS_PER_S / 30);
		assert_int_equal(plug(&h, ADDR + (uint64_t)i * 128 * MiB, 64), VIRTIO_MEM_RESP_ACK);
	}
	assert_int_equal(h.vm->clock_ns, NS_PER_S / 2);
	assert_int_equal(json_object_array_length(h.events), 1);
	expect_size_event(&h, 0, 128 * MiB, 0);
	assert_int_equal(qemu_vm_next_deadline(h.vm, &when), 1);
	assert_int_equal(when, NS_PER_S);
	/* the clock never goes back */
	qemu_vm_clock_advance(h.vm, 0);
	assert_int_equal(h.vm->clock_ns, NS_PER_S / 2);
	qemu_vm_clock_advance(h.vm, NS_PER_S - 1);
	assert_int_equal(json_object_array_length(h.events), 1);
	qemu_vm_clock_advance(h.vm, NS_PER_S);
	assert_int_equal(json_object_array_length(h.events), 2);
	expect_size_event(&h, 1, 2 * GiB, NS_PER_S);
	assert_int_equal(qemu_vm_next_deadline(h.vm, &when), 0);

	/* the second window [1 s, 2 s) holds back an UNPLUG's event */
	qemu_vm_clock_advance(h.vm, 3 * NS_PER_S / 2);
	assert_int_equal(unplug(&h, ADDR, 64), VIRTIO_MEM_RESP_ACK);
	assert_int_equal(json_object_array_length(h.events), 2);
	assert_int_equal(qemu_vm_next_deadline(h.vm, &when), 1);
	assert_int_equal(when, 2 * NS_PER_S);
	/* one advance past several windows: [2 s, 3 s) ends empty and closes */
	qemu_vm_clock_advance(h.vm, 5 * NS_PER_S);
	assert_int_equal(json_object_array_length(h.events), 3);
	expect_size_event(&h, 2, 2 * GiB - 128 * MiB, 2 * NS_PER_S);
	/* no window open: UNPLUG_ALL's event goes out at once */
	assert_int_equal(req(&h, 0, VIRTIO_MEM_REQ_UNPLUG_ALL, 0, 0).type, VIRTIO_MEM_RESP_ACK);
	assert_int_equal(json_object_array_length(h.events), 4);
	expect_size_event(&h, 3, 0, 5 * NS_PER_S);
	/* UNPLUG_ALL with nothing plugged changes no size: no event */
	assert_int_equal(req(&h, 0, VIRTIO_MEM_REQ_UNPLUG_ALL, 0, 0).type, VIRTIO_MEM_RESP_ACK);
	qemu_vm_clock_advance(h.vm, 10 * NS_PER_S);
	assert_int_equal(json_object_array_length(h.events), 4);
	host_free(&h);
}

/* Windows are per qom-path: two devices' events do not hold each other
 * back, and are delivered in the order their windows end. An anonymous
 * device's event has no id. */
static void test_size_change_per_device(void **state)
{
	struct host h;

	(void)state;
	host_new(&h, "-M q35 -m 4G,maxmem=20G -object memory-backend-ram,id=mem0,size=4G "
		     "-object memory-backend-ram,id=mem1,size=4G "
		     "-device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=1G "
		     "-device virtio-mem-pci,memdev=mem1,requested-size=1G");
	qemu_vm_clock_advance(h.vm, NS_PER_S / 4);
	assert_int_equal(req(&h, 1, VIRTIO_MEM_REQ_PLUG, 10 * GiB, 1).type, VIRTIO_MEM_RESP_ACK);
	qemu_vm_clock_advance(h.vm, NS_PER_S / 2);
	assert_int_equal(plug(&h, ADDR, 1), VIRTIO_MEM_RESP_ACK);
	assert_int_equal(json_object_array_length(h.events), 2);
	assert_string_equal(
	    text(json_object_object_get(event_at(&h, 0), "data")),
	    "{\"size\":2097152,\"qom-path\":\"/machine/peripheral-anon/device[0]\"}");
	expect_size_event(&h, 1, BLOCK, NS_PER_S / 2);
	/* both held back; the anonymous one's window ends first */
	assert_int_equal(plug(&h, ADDR + BLOCK, 1), VIRTIO_MEM_RESP_ACK);
	assert_int_equal(req(&h, 1, VIRTIO_MEM_REQ_PLUG, 10 * GiB + BLOCK, 1).type,
			 VIRTIO_MEM_RESP_ACK);
	qemu_vm_clock_advance(h.vm, 2 * NS_PER_S);
	assert_int_equal(json_object_array_length(h.events), 4);
	assert_string_equal(
	    text(json_object_object_get(event_at(&h, 2), "data")),
	    "{\"size\":4194304,\"qom-path\":\"/machine/peripheral-anon/device[0]\"}");
	assert_int_equal(json_object_get_uint64(json_object_object_get(event_at(&h, 2), "at")),
			 5 * NS_PER_S / 4);
	expect_size_event(&h, 3, 2 * BLOCK, 3 * NS_PER_S / 2);
	/* held back when the VM goes: dropped, not leaked */
	assert_int_equal(plug(&h, ADDR + 2 * BLOCK, 1), VIRTIO_MEM_RESP_ACK);
	assert_int_equal(plug(&h, ADDR + 3 * BLOCK, 1), VIRTIO_MEM_RESP_ACK);
	host_free(&h);
}

/* ---- 104: features ---- */

/* QEMU 7.2 offers ACPI_PXM whenever the machine has NUMA state, which pc
 * and q35 always have (qom-get /machine hmat answers false without any
 * -numa); UNPLUGGED_INACCESSIBLE when on: auto resolves to off for a plain
 * RAM backend and on for memfd (recorded via qom-get). Not accepting it
 * when offered fails negotiation. */
static void test_features(void **state)
{
	const uint64_t pxm = 1ULL << VIRTIO_MEM_F_ACPI_PXM,
		       ui = 1ULL << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE;
	struct host h;
	unsigned int dev = 0;

	(void)state;
	host_new(&h, "-M q35 -m 4G,maxmem=20G -object memory-backend-ram,id=mem0,size=1G "
		     "-object memory-backend-ram,id=mem1,size=1G "
		     "-object memory-backend-memfd,id=mem2,size=1G "
		     "-device virtio-mem-pci,id=vm0,memdev=mem0 "
		     "-device virtio-mem-pci,id=vm1,memdev=mem1,unplugged-inaccessible=on "
		     "-device virtio-mem-pci,id=vm2,memdev=mem2");
	assert_int_equal(h.t.get_features(h.t.ctx, 0), pxm);
	assert_int_equal(h.t.get_features(h.t.ctx, 1), pxm | ui);
	assert_int_equal(h.t.get_features(h.t.ctx, 2), pxm | ui);
	assert_int_equal(h.t.finalize_features(h.t.ctx, 0, 0), 0);
	assert_int_equal(h.t.finalize_features(h.t.ctx, 1, pxm), -ENODEV);
	assert_int_equal(h.t.finalize_features(h.t.ctx, 1, pxm | ui | (1ULL << 2)), 0);
	assert_int_equal(h.t.finalize_features(h.t.ctx, 2, ui), 0);
	/* the bus scan */
	assert_int_equal(h.t.next_device(h.t.ctx, &dev), 0);
	assert_int_equal(dev, 0);
	dev = 1;
	assert_int_equal(h.t.next_device(h.t.ctx, &dev), 0);
	assert_int_equal(dev, 1);
	dev = 3;
	assert_int_equal(h.t.next_device(h.t.ctx, &dev), -ENODEV);
	host_free(&h);
}

/* ---- plugging devices: errors, notifications, indices ---- */

/* Recorded command-line refusals (the model says "(arg N: ERROR)"). */
static void test_cmdline_refusals(void **state)
{
	static const struct {
		const char *args, *error;
	} c[] = {
	    {"-device virtio-mem-pci,id=v1", "'memdev' property must be set"},
	    {"-device virtio-mem-pci,id=v1,memdev=nosuch", "Device 'nosuch' not found"},
	    {"-device virtio-mem-pci,id=v1,memdev=mem0,requested-size=3M",
	     "'requested-size' property has to be multiples of 'block-size' (0x200000)"},
	    {"-device virtio-mem-pci,id=v1,memdev=mem0,node=1",
	     "'node' property has value '1', which exceedsthe number of numa nodes: 1"},
	    /* realize checks the node before the requested size */
	    {"-device virtio-mem-pci,id=v1,memdev=mem0,node=1,requested-size=3M",
	     "'node' property has value '1', which exceedsthe number of numa nodes: 1"},
	    /* properties in hash order: block-size before requested-size */
	    {"-device virtio-mem-pci,id=v1,memdev=mem0,requested-size=3M,block-size=3M",
	     "'block-size' property has to be a power of two"},
	    /* pre-plug (the address) before realize (the requested size) */
	    {"-device virtio-mem-pci,id=v1,memdev=mem0,memaddr=0x100000,requested-size=3M",
	     "address must be aligned to 0x200000 bytes"},
	    {"-device virtio-mem-pci,id=v1,memdev=mem0,size=1G",
	     "Property 'virtio-mem.size' is not writable"},
	    {"-device virtio-mem-pci,id=v1,memdev=mem0,requested-size=-1",
	     "Parameter 'requested-size' expects size"},
	    {"-device virtio-mem-pci,id=v1,memdev=mem0,requested-size=16E",
	     "Parameter 'requested-size' expects size"},
	    {"-device virtio-mem-pci,id=v1,memdev=mem0,node=-1",
	     "Parameter 'node' expects uint32_t"},
	    {"-device virtio-mem-pci,id=v1,memdev=mem0,node=4294967296",
	     "Parameter 'node' expects uint32_t"},
	    {"-device virtio-mem-pci,id=v1,memdev=mem0,memaddr=-1",
	     "address must be aligned to 0x200000 bytes"},
	    {"-device virtio-mem-pci,id=v1,memdev=mem0,unplugged-inaccessible=yes",
	     "Parameter 'unplugged-inaccessible' does not accept value 'yes'"},
	    {"-device virtio-mem-pci,id=v1,memdev=mem0,prealloc=maybe",
	     "Parameter 'prealloc' expects 'on' or 'off'"},
	    {"-device virtio-mem-pci,id=v1,memdev=mem0,prealloc=ON",
	     "Parameter 'prealloc' expects 'on' or 'off'"},
	    /* addr is the PCI slot[.function], not where the memory goes */
	    {"-device virtio-mem-pci,id=v1,memdev=mem0,addr=0x140000000",
	     "Property 'virtio-mem-pci.addr' doesn't take value '0x140000000'"},
	    {"-device virtio-mem-pci,id=v1,memdev=mem0,addr=0x20",
	     "Property 'virtio-mem-pci.addr' doesn't take value '0x20'"},
	    {"-device virtio-mem-pci,memdev=mem0,id=1x", "Parameter 'id' expects an identifier"},
	    /* QemuOpts refuses a second -device with the same id, any driver */
	    {"-device pc-dimm,id=x,memdev=m1 -device virtio-mem-pci,id=x,memdev=mem0",
	     "Duplicate ID 'x' for device"},
	    {"-device virtio-mem-pci,id=x,memdev=mem0 -device virtio-mem-pci,id=x,memdev=m1",
	     "Duplicate ID 'x' for device"},
	    {"-device virtio-mem-pci,id=v1,memdev=mem0 -device virtio-mem-pci,id=v2,memdev=mem0",
	     "'memdev' property specifies a busy memdev: mem0"},
	};
	struct host h;
	char args[512], err[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		snprintf(
		    args, sizeof(args),
		    "-M q35 -m 4G,slots=2,maxmem=20G -object memory-backend-ram,id=mem0,size=4G "
		    "-object memory-backend-ram,id=m1,size=4G %s",
		    c[i].args);
		if (host_try(&h, args, err, sizeof(err)) != -EINVAL) {
			host_free(&h);
			fail_msg("%s: accepted; QEMU says \"%s\"", args, c[i].error);
		}
		if (strcmp(err, c[i].error))
			fail_msg("%s:\n  got  %s\n  want %s", args, err, c[i].error);
	}
	/* without maxmem there is no device memory */
	assert_int_equal(host_try(&h,
				  "-M q35 -m 4G -object memory-backend-ram,id=mem0,size=4G "
				  "-device virtio-mem-pci,id=v1,memdev=mem0",
				  err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "memory devices (e.g. for memory hotplug) are not enabled, please "
				 "specify the maxmem option");
	/* the node must exist: 2 nodes take node=1, not node=2 */
	host_new(&h, "-M q35 -m 4G,maxmem=40G -object memory-backend-ram,id=n0,size=2G "
		     "-object memory-backend-ram,id=n1,size=2G -numa node,memdev=n0 "
		     "-numa node,memdev=n1 -object memory-backend-ram,id=mem0,size=4G "
		     "-device virtio-mem-pci,id=v0,memdev=mem0,node=1");
	assert_int_equal(config(&h, 0).node_id, 1);
	host_free(&h);
	assert_int_equal(
	    host_try(&h,
		     "-M q35 -m 4G,maxmem=40G -object memory-backend-ram,id=n0,size=2G "
		     "-object memory-backend-ram,id=n1,size=2G -numa node,memdev=n0 "
		     "-numa node,memdev=n1 -object memory-backend-ram,id=mem0,size=4G "
		     "-device virtio-mem-pci,id=v0,memdev=mem0,node=2",
		     err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(
	    err, "'node' property has value '2', which exceedsthe number of numa nodes: 2");
	assert_int_equal(
	    host_try(&h,
		     "-M q35 -m 4G,maxmem=40G -object memory-backend-ram,id=n0,size=4G "
		     "-numa node,memdev=n0 -device virtio-mem-pci,id=v0,memdev=n0",
		     err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "'memdev' property specifies a busy memdev: n0");
}

/* Recorded device_add refusals on -M pc -m 4G,maxmem=20G,slots=4 with
 * mem0 (4G, in use by vm0), mem1 (4G), odd (5M), big (17G). */
static void test_device_add_refusals(void **state)
{
	static const struct {
		const char *args, *cls, *desc;
	} c[] = {
	    {"\"id\":\"a0\"", "GenericError", "'memdev' property must be set"},
	    {"\"id\":\"a0\",\"memdev\":\"nosuch\"", "DeviceNotFound", "Device 'nosuch' not found"},
	    {"\"id\":\"vm0\",\"memdev\":\"mem1\"", "GenericError", "Duplicate device ID 'vm0'"},
	    {"\"id\":\"1v\",\"memdev\":\"mem1\"", "GenericError",
	     "Parameter 'id' expects an identifier"},
	    {"\"id\":\"a1\",\"memdev\":\"mem1\",\"requested-size\":3145728", "GenericError",
	     "'requested-size' property has to be multiples of 'block-size' (0x200000)"},
	    {"\"id\":\"a1\",\"memdev\":\"mem1\",\"requested-size\":\"3M\"", "GenericError",
	     "'requested-size' property has to be multiples of 'block-size' (0x200000)"},
	    {"\"id\":\"a1\",\"memdev\":\"mem1\",\"block-size\":\"512K\"", "GenericError",
	     "'block-size' property has to be at least 0x100000"},
	    {"\"id\":\"a1\",\"memdev\":\"odd\"", "GenericError",
	     "backend memory size must be multiple of 0x200000"},
	    {"\"id\":\"a1\",\"memdev\":\"big\"", "GenericError",
	     "not enough space, currently 0x100000000 in use of total space for memory devices "
	     "0x400000000"},
	    {"\"id\":\"a1\",\"memdev\":\"mem1\",\"memaddr\":\"0x100000\"", "GenericError",
	     "address must be aligned to 0x200000 bytes"},
	    {"\"id\":\"a1\",\"memdev\":\"mem1\",\"memaddr\":\"0x100000000\"", "GenericError",
	     "can't add memory device [0x100000000:0x100000000], usable range for memory devices "
	     "[0x140000000:0x500000000]"},
	    /* vm0 is at 5 GiB */
	    {"\"id\":\"a1\",\"memdev\":\"mem1\",\"memaddr\":5368709120", "GenericError",
	     "address range conflicts with memory device id='vm0'"},
	    {"\"id\":\"a1\",\"memdev\":\"mem1\",\"size\":\"0\"", "GenericError",
	     "Property 'virtio-mem.size' is not writable"},
	    {"\"id\":\"a1\",\"memdev\":\"mem1\",\"unplugged-inaccessible\":\"maybe\"",
	     "GenericError", "Parameter 'unplugged-inaccessible' does not accept value 'maybe'"},
	    {"\"id\":\"a1\",\"memdev\":\"mem1\",\"unplugged-inaccessible\":\"ON\"", "GenericError",
	     "Parameter 'unplugged-inaccessible' does not accept value 'ON'"},
	    {"\"id\":\"a1\",\"memdev\":\"mem1\",\"requested-size\":\"abc\"", "GenericError",
	     "Parameter 'requested-size' expects size"},
	    {"\"id\":\"a1\",\"memdev\":\"mem1\",\"block-size\":\"abc\"", "GenericError",
	     "Parameter 'block-size' expects size"},
	    {"\"id\":\"a1\",\"memdev\":\"mem1\",\"node\":\"abc\"", "GenericError",
	     "Parameter 'node' expects integer"},
	    {"\"id\":\"a1\",\"memdev\":\"mem1\",\"memaddr\":\"abc\"", "GenericError",
	     "Parameter 'memaddr' expects integer"},
	    {"\"id\":\"a1\",\"memdev\":\"mem1\",\"addr\":\"0x140000000\"", "GenericError",
	     "Property 'virtio-mem-pci.addr' doesn't take value '0x140000000'"},
	    /* pre-plug before realize: the address before the busy memdev ... */
	    {"\"id\":\"a1\",\"memdev\":\"mem0\",\"memaddr\":\"0x100000\"", "GenericError",
	     "address must be aligned to 0x200000 bytes"},
	    /* ... then realize: the busy memdev before the node */
	    {"\"id\":\"a1\",\"memdev\":\"mem0\",\"node\":1,\"requested-size\":\"3M\"",
	     "GenericError", "'memdev' property specifies a busy memdev: mem0"},
	    {"\"id\":\"a1\",\"memdev\":\"mem1\",\"node\":1,\"requested-size\":\"3M\"",
	     "GenericError",
	     "'node' property has value '1', which exceedsthe number of numa "
	     "nodes: 1"},
	};
	struct host h;
	char cmd[512];

	(void)state;
	host_new(&h, "-M pc -m 4G,maxmem=20G,slots=4 -object memory-backend-ram,id=mem0,size=4G "
		     "-object memory-backend-ram,id=mem1,size=4G "
		     "-object memory-backend-ram,id=odd,size=5M "
		     "-object memory-backend-ram,id=big,size=17G "
		     "-device virtio-mem-pci,id=vm0,memdev=mem0");
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		snprintf(cmd, sizeof(cmd),
			 "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"virtio-mem-pci\","
			 "%s}}",
			 c[i].args);
		expect_error(&h, cmd, c[i].cls, c[i].desc);
	}
	/* nothing changed: mem1 free, no address taken, no index used */
	assert_int_equal(h.vm->nr_memory_devices, 1);
	assert_false(host_memory_backend_find(h.vm, "mem1")->in_use);
	assert_int_equal(h.vm->nr_virtio_mem, 1);
	assert_int_equal(h.nr_notes, 0);
	host_check(&h);
	/* recorded: the next device goes right after vm0, at 9 GiB */
	expect_ok(&h, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"virtio-mem-pci\","
		      "\"id\":\"a1\",\"memdev\":\"mem1\",\"requested-size\":\"5G\","
		      "\"prealloc\":\"yes\",\"node\":\"0x0\",\"addr\":\"3.1\"}}");
	assert_int_equal(config(&h, 1).addr, 9 * GiB);
	host_free(&h);

	/* q35: the root bus takes no hot-plugged device; only a bad id is
	 * refused first */
	host_new(&h, "-M q35 -m 4G,maxmem=20G,slots=4 -object memory-backend-ram,id=mem0,size=4G");
	expect_error(&h,
		     "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"virtio-mem-pci\","
		     "\"id\":\"v1\",\"memdev\":\"nosuch\"}}",
		     "GenericError", "Bus 'pcie.0' does not support hotplugging");
	expect_error(&h,
		     "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"virtio-mem-pci\","
		     "\"id\":\"v1\",\"memdev\":\"mem0\",\"block-size\":\"3M\"}}",
		     "GenericError", "Bus 'pcie.0' does not support hotplugging");
	expect_error(&h,
		     "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"virtio-mem-pci\","
		     "\"id\":\"1v\",\"memdev\":\"mem0\"}}",
		     "GenericError", "Parameter 'id' expects an identifier");
	assert_int_equal(h.vm->nr_memory_devices, 0);
	host_free(&h);
}

/* A device hot-plugged on pc (its PCI bus takes hotplug) is announced to
 * the guest; a cold-plugged one is found by the guest's boot scan. Indices
 * count devices in plug order. */
static void test_hotplug_notification(void **state)
{
	struct host h;
	unsigned int dev = 0;

	(void)state;
	host_new(&h, "-M pc -m 4G,maxmem=20G -object memory-backend-ram,id=mem0,size=1G "
		     "-object memory-backend-ram,id=mem1,size=1G "
		     "-object memory-backend-ram,id=mem2,size=1G "
		     "-device virtio-mem-pci,id=vm0,memdev=mem0");
	assert_int_equal(h.nr_notes, 0);
	expect_ok(&h, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"virtio-mem-pci\","
		      "\"id\":\"vm1\",\"memdev\":\"mem1\"}}");
	assert_int_equal(h.nr_notes, 1);
	assert_int_equal(h.notes[0].bus, QEMU_HOTPLUG_VIRTIO_PCI);
	assert_int_equal(h.notes[0].id, 1);
	assert_int_equal(h.notes[0].event, VIRTIO_EVENT_DEVICE_ADDED);
	expect_ok(&h, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"virtio-mem-pci\","
		      "\"memdev\":\"mem2\"}}");
	assert_int_equal(h.notes[1].id, 2);
	expect_reply(&h,
		     "{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"vm1\",\"property\":"
		     "\"hotplugged\"}}",
		     "{\"return\":true}");
	expect_reply(&h,
		     "{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"/machine/peripheral-anon/"
		     "device[0]\",\"property\":\"memaddr\"}}",
		     "{\"return\":7516192768}");
	dev = 2;
	assert_int_equal(h.t.next_device(h.t.ctx, &dev), 0);
	assert_int_equal(dev, 2);
	assert_non_null(virtio_mem_pci_by_index(h.vm, 2));
	assert_null(virtio_mem_pci_by_index(h.vm, 3));
	assert_ptr_equal(to_virtio_mem_pci_const(memory_device_find(h.vm, "vm1")),
			 virtio_mem_pci_by_index(h.vm, 1));
	host_check(&h);
	host_free(&h);
}

/* ---- size: a 16 TiB device ---- */

/* 16 TiB in 2 MiB blocks is 8 Mi blocks; requests far apart and one of
 * the largest (65535 blocks) cost no more than their own range. */
static void test_big_device(void **state)
{
	const uint64_t region = 16 * TiB;
	struct host h;
	uint64_t base;

	(void)state;
	host_new(&h, "-M q35 -cpu qemu64,phys-bits=48,vendor=GenuineIntel -m 4G,maxmem=17T "
		     "-object memory-backend-ram,id=mem0,size=16T "
		     "-device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=16T");
	base = config(&h, 0).addr;
	assert_int_equal(base, ADDR);
	assert_int_equal(config(&h, 0).usable_region_size, region);
	assert_int_equal(plug(&h, base + region - 64 * BLOCK, 64), VIRTIO_MEM_RESP_ACK);
	assert_int_equal(plug(&h, base, 65535), VIRTIO_MEM_RESP_ACK);
	assert_int_equal(
	    req(&h, 0, VIRTIO_MEM_REQ_STATE, base + region - 65535 * BLOCK, 65535).state,
	    VIRTIO_MEM_STATE_MIXED);
	assert_int_equal(config(&h, 0).plugged_size, (65535 + 64) * BLOCK);
	host_check(&h);
	assert_int_equal(req(&h, 0, VIRTIO_MEM_REQ_UNPLUG_ALL, 0, 0).type, VIRTIO_MEM_RESP_ACK);
	assert_int_equal(req(&h, 0, VIRTIO_MEM_REQ_STATE, base + region - 64 * BLOCK, 64).state,
			 VIRTIO_MEM_STATE_UNPLUGGED);
	host_check(&h);
	host_free(&h);
}

/* ---- the host invariants, each broken on purpose ---- */

static void expect_invariant(struct host *h, const char *name)
{
	char msg[512], want[64];

	assert_int_equal(qemu_vm_check(h->vm, msg, sizeof(msg)), -EUCLEAN);
	snprintf(want, sizeof(want), "invariant %s:", name);
	if (strncmp(msg, want, strlen(want)))
		fail_msg("%s, want %s", msg, want);
}

static void test_invariants(void **state)
{
	struct host h;
	struct virtio_mem_pci *v;
	uint64_t saved;

	(void)state;
	host_new(&h, J_VM);
	v = virtio_mem_pci_by_index(h.vm, 0);
	assert_int_equal(plug(&h, ADDR, 3), VIRTIO_MEM_RESP_ACK);
	host_check(&h);
	v->size += BLOCK;
	expect_invariant(&h, "qemu-virtio-mem-size");
	v->size -= BLOCK;
	saved = v->usable_region_size;
	v->usable_region_size = 4 * BLOCK + 8 * GiB;
	expect_invariant(&h, "qemu-virtio-mem-usable");
	v->usable_region_size = 2 * BLOCK;
	expect_invariant(&h, "qemu-virtio-mem-usable");
	v->usable_region_size = saved;
	v->addr += BLOCK / 2;
	expect_invariant(&h, "qemu-virtio-mem-block");
	v->addr -= BLOCK / 2;
	v->memdev->in_use = false;
	expect_invariant(&h, "qemu-backend-use");
	v->memdev->in_use = true;
	v->index = 7;
	expect_invariant(&h, "qemu-virtio-mem-index");
	v->index = 0;
	host_check(&h);
	host_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_usable_region),
	    cmocka_unit_test(test_requested_beyond_memdev_at_realize),
	    cmocka_unit_test(test_plug_beyond_request),
	    cmocka_unit_test(test_invalid_ranges),
	    cmocka_unit_test(test_unplug),
	    cmocka_unit_test(test_state),
	    cmocka_unit_test(test_unplug_all_and_bad_type),
	    cmocka_unit_test(test_requested_size_qom_set),
	    cmocka_unit_test(test_qom_properties),
	    cmocka_unit_test(test_block_size),
	    cmocka_unit_test(test_device_del),
	    cmocka_unit_test(test_query_memory_devices),
	    cmocka_unit_test(test_size_change_rate_limit),
	    cmocka_unit_test(test_size_change_per_device),
	    cmocka_unit_test(test_features),
	    cmocka_unit_test(test_cmdline_refusals),
	    cmocka_unit_test(test_device_add_refusals),
	    cmocka_unit_test(test_hotplug_notification),
	    cmocka_unit_test(test_big_device),
	    cmocka_unit_test(test_invariants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
