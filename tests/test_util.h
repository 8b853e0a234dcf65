/* Shared helpers for the spec-conformance unit tests (cmocka).
 *
 * Every expected value in the tests that use these helpers comes from the
 * specification in /work/shared/spec (the kernel's value), never from a run
 * of the model. */
#ifndef MEMHP_TEST_UTIL_H
#define MEMHP_TEST_UTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "arch_x86.h"
#include "kernel.h"
#include "machine.h"
#include "memory_hotplug.h"
#include "qmp.h"
#include "sysfs.h"
#include "test_helpers.h"
#include "vfs.h"

#define MEM  "/sys/devices/system/memory"
#define NODE "/sys/devices/system/node"

/* x86_64 with 128 MiB blocks: pfn(N) = N * 32768 (checklist preamble). */
#define PAGES_PER_BLOCK_128M 32768ULL
#define PFN_OF_BLOCK(n)      ((uint64_t)(n) * PAGES_PER_BLOCK_128M)

/* Boots a machine from a whitespace-separated QEMU argument string (no
 * quoting needed by the tests), a kernel command line (may be NULL) and a
 * kernel version. Returns NULL with the errno in *ret_out (and the reason
 * in why) if it does not boot. */
/* One page of kind in every pageblock of block id (the lowest free one):
 * what a block looks like once the kernel allocated all over it. */
static inline void tu_scatter_pages(struct machine *m, uint64_t id, enum page_kind kind)
{
	struct kernel *k = m->kernel;

	for (uint64_t pfn = id * k->pages_per_block; pfn < (id + 1) * k->pages_per_block;
	     pfn += k->pageblock_pages)
		assert_int_equal(page_alloc_place(k, pfn, pfn + k->pageblock_pages, 1, false, kind,
						  TAG_BOOT_UNMOVABLE),
				 1);
}

static inline struct machine *tu_boot_why(const char *qemu_args, const char *cmdline,
					  enum memhp_kernel version, int *ret_out, char *why,
					  size_t whylen)
{
	char *copy = strdup(qemu_args ? qemu_args : "");
	char *argv[128];
	size_t argc = 0, bad = 0;
	char *save = NULL;
	struct machine *m = NULL;
	char err[512] = "";
	struct machine_config cfg = {.version = version, .kernel_cmdline = cmdline};
	int ret;

	assert_non_null(copy);
	for (char *t = strtok_r(copy, " \t", &save); t && argc < 127; t = strtok_r(NULL, " \t", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	cfg.qemu_argv = argv;
	cfg.qemu_argc = argc;
	ret = machine_create(&cfg, &m, &bad, err, sizeof(err));
	if (ret && why)
		snprintf(why, whylen, "machine_create(\"%s\") = %d (arg %zu: %s)", qemu_args, ret, bad,
			 err);
	free(copy);
	if (ret_out)
		*ret_out = ret;
	return ret ? NULL : m;
}

/* Like tu_boot_why, failing the test if the machine does not boot. */
static inline struct machine *tu_boot(const char *qemu_args, const char *cmdline,
				      enum memhp_kernel version)
{
	char why[768];
	int ret;
	struct machine *m = tu_boot_why(qemu_args, cmdline, version, &ret, why, sizeof(why));

	if (!m)
		fail_msg("%s", why);
	return m;
}

/* tu_boot with one cold-plugged DIMM "d1" on a RAM backend "m1" of `size`
 * (a QEMU size such as "1G") appended to the machine's arguments. */
static inline struct machine *tu_boot_cold_dimm(const char *qemu_args, const char *size,
						const char *cmdline, enum memhp_kernel version)
{
	char args[512];

	snprintf(args, sizeof(args),
		 "%s -object memory-backend-ram,id=m1,size=%s -device pc-dimm,id=d1,memdev=m1",
		 qemu_args, size);
	return tu_boot(args, cmdline, version);
}

/* The checklist's default machine (q35, 4 GiB, 6.1: auto_online_blocks
 * offline) with 1 GiB hot-added at 6 GiB by add_memory: blocks 48-55, all
 * offline. */
static inline struct machine *tu_boot_q35_plus_1g(const char *cmdline)
{
	struct machine *m = tu_boot("-M q35 -m 4G", cmdline, MEMHP_KERNEL_6_1);

	assert_int_equal(add_memory(m->kernel, 0, 6 * GiB, 1 * GiB, 0), 0);
	return m;
}

/* cmocka fixtures: tu_boot_q35_plus_1g(NULL) in *state, freed after. */
static inline int tu_setup_q35_plus_1g(void **state)
{
	*state = tu_boot_q35_plus_1g(NULL);
	return 0;
}

/* Whatever a test did through the kernel's interfaces leaves its
 * invariants intact (kernel_check(); the machine's are not, as the
 * fixtures add memory without a host device). */
static inline int tu_teardown_machine(void **state)
{
	struct machine *m = *state;
	char msg[512] = "";

	if (kernel_check(m->kernel, msg, sizeof(msg)))
		fail_msg("%s", msg);
	machine_free(m);
	return 0;
}

/* Like tu_boot but returns the error instead of failing (NULL on error). */
static inline struct machine *tu_try_boot(const char *qemu_args, const char *cmdline,
					  enum memhp_kernel version, int *ret_out)
{
	return tu_boot_why(qemu_args, cmdline, version, ret_out, NULL, 0);
}

/* The machine's /sys and /proc (linux/sysfs.c), valid in the enclosing block. */
#define TU_VFS(m) tu_vfs((m)->kernel, &(struct vfs){0})

static inline const struct vfs *tu_vfs(struct kernel *k, struct vfs *v)
{
	kernel_sysfs(k, v);
	return v;
}

/* A symlink's target in a static buffer; "<error -N>" on error. */
static inline const char *tu_readlink(const struct machine *m, const char *path)
{
	static char buf[512];
	char *target = NULL;
	int ret = vfs_readlink(TU_VFS(m), path, &target);

	if (ret < 0)
		snprintf(buf, sizeof(buf), "<error %d>", ret);
	else
		snprintf(buf, sizeof(buf), "%s", target ? target : "");
	free(target);
	return buf;
}

/* Reads a file into one of a few rotating static buffers (so that two reads
 * can appear in one assertion). On error the buffer holds "<error -N>". */
static inline const char *tu_readf(const struct machine *m, const char *fmt, ...)
{
	static char bufs[8][8192];
	static unsigned int next;
	char *buf = bufs[next++ % 8];
	char path[512];
	char *data = NULL;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	ret = vfs_read(TU_VFS(m), path, &data);
	if (ret < 0) {
		snprintf(buf, sizeof(bufs[0]), "<error %d>", ret);
		return buf;
	}
	snprintf(buf, sizeof(bufs[0]), "%s", data ? data : "");
	free(data);
	return buf;
}

/* memoryN/<attr> */
static inline const char *tu_blk(const struct machine *m, uint64_t id, const char *attr)
{
	return tu_readf(m, MEM "/memory%llu/%s", (unsigned long long)id, attr);
}

static inline int tu_blk_write(struct machine *m, uint64_t id, const char *attr, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), MEM "/memory%llu/%s", (unsigned long long)id, attr);
	return vfs_write(TU_VFS(m), path, val);
}

/* Writes val to memoryN/<attr> of blocks first..last, each of which must
 * succeed. */
static inline void tu_blk_write_range(struct machine *m, uint64_t first, uint64_t last,
				      const char *attr, const char *val)
{
	for (uint64_t id = first; id <= last; id++) {
		int ret = tu_blk_write(m, id, attr, val);

		if (ret)
			fail_msg("writing \"%s\" to memory%llu/%s returned %d", val,
				 (unsigned long long)id, attr, ret);
	}
}

static inline enum vfs_type tu_lookupf(const struct machine *m, const char *fmt, ...)
{
	char path[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return vfs_lookup(TU_VFS(m), path, NULL);
}

static inline bool tu_block_exists(const struct machine *m, uint64_t id)
{
	return tu_lookupf(m, MEM "/memory%llu", (unsigned long long)id) == VFS_DIR;
}

static inline struct zone *tu_zone(const struct machine *m, int nid, enum zone_type t)
{
	return &m->kernel->nodes[nid].zones[t];
}

/* A script of memory block file writes and reads, several tests' steps in
 * one table: a TU_TEST row starts the steps of the test it names; a
 * TU_ECHO row writes val to memoryN/attr, which must return ret; a TU_CAT
 * row reads memoryN/attr, which must hold want. */
struct tu_blk_step {
	const char *test; /* non-NULL: the first row of this test's steps */
	uint64_t block;
	const char *attr;
	const char *val; /* non-NULL: write it; NULL: read want */
	int ret;
	const char *want;
};

#define TU_TEST(name)                                                                              \
	{                                                                                          \
		.test = (name)                                                                     \
	}
#define TU_ECHO(block, attr, val, ret)                                                             \
	{                                                                                          \
		NULL, (block), (attr), (val), (ret), NULL                                          \
	}
#define TU_CAT(block, attr, want)                                                                  \
	{                                                                                          \
		NULL, (block), (attr), NULL, 0, (want)                                             \
	}

/* s with newlines and tabs as \n and \t, for a failure message. */
static inline const char *tu_esc(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 3 < len; s++) {
		if (*s == '\n' || *s == '\t') {
			buf[o++] = '\\';
			buf[o++] = *s == '\n' ? 'n' : 't';
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* One step; a failure names the test and the step. */
static inline void tu_blk_step(struct machine *m, const char *test, size_t nr,
			       const struct tu_blk_step *s)
{
	unsigned long long id = (unsigned long long)s->block;
	char e1[256], e2[256];
	const char *got;
	int ret;

	if (s->val) {
		ret = tu_blk_write(m, s->block, s->attr, s->val);
		if (ret != s->ret)
			fail_msg(
			    "%s step %zu: writing \"%s\" to memory%llu/%s returned %d, expected %d",
			    test, nr, tu_esc(s->val, e1, sizeof(e1)), id, s->attr, ret, s->ret);
		return;
	}
	got = tu_blk(m, s->block, s->attr);
	if (strcmp(got, s->want))
		fail_msg("%s step %zu: memory%llu/%s reads \"%s\", expected \"%s\"", test, nr, id,
			 s->attr, tu_esc(got, e1, sizeof(e1)), tu_esc(s->want, e2, sizeof(e2)));
}

/* Runs the steps of test from the table, in order. */
static inline void tu_run_blk_steps(struct machine *m, const struct tu_blk_step *steps, size_t n,
				    const char *test)
{
	size_t i = 0, nr = 0;

	while (i < n && !(steps[i].test && !strcmp(steps[i].test, test)))
		i++;
	if (i == n)
		fail_msg("no steps for %s", test);
	for (i++; i < n && !steps[i].test; i++)
		tu_blk_step(m, test, ++nr, &steps[i]);
	assert_true(nr > 0);
}

/* Defines the cmocka test test_NAME, which runs the steps of
 * TU_TEST("NAME") in the table steps on the machine in *state. */
#define TU_STEPS_TEST(steps, name)                                                                 \
	static void test_##name(void **state)                                                      \
	{                                                                                          \
		tu_run_blk_steps(*state, steps, sizeof(steps) / sizeof(steps[0]), #name);          \
	}

/* A zone's (or node's) start_pfn, spanned and present pages; a macro, so
 * that a failure names the test's line. */
#define TU_ASSERT_SPAN(z, start, spanned, present)                                                 \
	do {                                                                                       \
		assert_int_equal((z)->start_pfn, (start));                                         \
		assert_int_equal((z)->spanned_pages, (spanned));                                   \
		assert_int_equal((z)->present_pages, (present));                                   \
	} while (0)

/* A machine view around a kernel booted with kernel_boot(), so that the
 * emulated sysfs can be read (sysfs only looks at the kernel). */
static inline void tu_wrap_kernel(struct machine *fake, struct kernel *k)
{
	memset(fake, 0, sizeof(*fake));
	fake->kernel = k;
}

/* ---- QMP ---- */

/* Runs a QMP command given as JSON text; returns the reply (caller puts). */
static inline struct json_object *tu_qmp(struct machine *m, const char *json)
{
	struct json_object *cmd = json_tokener_parse(json), *reply;

	assert_non_null(cmd);
	reply = qmp_execute(m->vm, cmd);
	json_object_put(cmd);
	assert_non_null(reply);
	return reply;
}

/* Runs a QMP command and asserts it returned success. */
static inline void tu_qmp_ok(struct machine *m, const char *json)
{
	struct json_object *reply = tu_qmp(m, json);

	if (!json_object_object_get_ex(reply, "return", NULL)) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "QMP %.400s -> %.400s", json,
			 json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN));
		json_object_put(reply);
		fail_msg("%s", msg);
	}
	json_object_put(reply);
}

/* object-add of a RAM backend of `size` bytes, then device_add of a
 * pc-dimm on it (on `node` unless node < 0). The guest's side runs later
 * (machine_run_pending). */
static inline void tu_plug_dimm(struct machine *m, const char *mem_id, const char *dev_id,
				uint64_t size, int node)
{
	char cmd[512], node_arg[32] = "";

	snprintf(cmd, sizeof(cmd),
		 "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
		 "\"memory-backend-ram\", \"id\": \"%s\", \"size\": %llu}}",
		 mem_id, (unsigned long long)size);
	tu_qmp_ok(m, cmd);
	if (node >= 0)
		snprintf(node_arg, sizeof(node_arg), ", \"node\": %d", node);
	snprintf(cmd, sizeof(cmd),
		 "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"pc-dimm\", "
		 "\"id\": \"%s\", \"memdev\": \"%s\"%s}}",
		 dev_id, mem_id, node_arg);
	tu_qmp_ok(m, cmd);
}

static inline void tu_unplug_dimm(struct machine *m, const char *dev_id)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"%s\"}}", dev_id);
	tu_qmp_ok(m, cmd);
}

/* The seeds' target machine: a 4 GiB q35 VM booted with
 * memhp_default_state=offline and six 4 GiB DIMMs m1/d1 .. m6/d6
 * hot-added, all offline (blocks 48-239). */
static inline struct machine *tu_boot_seeds_offline(enum memhp_kernel version)
{
	struct machine *m =
	    tu_boot("-M q35 -m 4G,slots=6,maxmem=28G", "memhp_default_state=offline", version);
	char mem[8], dev[8];

	for (int i = 1; i <= 6; i++) {
		snprintf(mem, sizeof(mem), "m%d", i);
		snprintf(dev, sizeof(dev), "d%d", i);
		tu_plug_dimm(m, mem, dev, 4ULL << 30, -1);
	}
	machine_run_pending(m);
	return m;
}

/* Number of events named `name` (and, if device != NULL, with
 * data.device == device) in m->events. */
static inline int tu_count_events(const struct machine *m, const char *name, const char *device)
{
	size_t n = json_object_array_length(m->events);
	int count = 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *ev = json_object_array_get_idx(m->events, i), *v, *data, *dev;

		if (!json_object_object_get_ex(ev, "event", &v) ||
		    strcmp(json_object_get_string(v), name))
			continue;
		if (device) {
			if (!json_object_object_get_ex(ev, "data", &data) ||
			    !json_object_object_get_ex(data, "device", &dev) ||
			    strcmp(json_object_get_string(dev), device))
				continue;
		}
		count++;
	}
	return count;
}

/* ---- memory notifiers ---- */

/* A notifier that vetoes `action` for the block starting at `start_pfn`
 * (or every block if match_any) with `err`, and records what it saw. */
struct tu_veto {
	enum memory_block_state action;
	uint64_t start_pfn;
	bool match_any;
	int err;
	bool disabled;
	unsigned int nr_calls[256]; /* by action value (the action bits are < 256) */
	uint64_t seen_pfn[64];      /* start_pfn of every `action` call */
	unsigned int nr_seen;
};

static inline int tu_veto_call(void *data, enum memory_block_state action,
			       const struct memory_notify *arg)
{
	struct tu_veto *v = data;

	if ((unsigned int)action < 256)
		v->nr_calls[action]++;
	if (action == v->action && v->nr_seen < 64)
		v->seen_pfn[v->nr_seen++] = arg->start_pfn;
	if (!v->disabled && action == v->action && (v->match_any || arg->start_pfn == v->start_pfn))
		return v->err;
	return 0;
}

static inline void tu_register_veto(struct kernel *k, struct tu_veto *v)
{
	struct memory_notifier nb = {.call = tu_veto_call, .data = v, .priority = 0};

	assert_int_equal(register_memory_notifier(k, &nb), 0);
}

#endif
