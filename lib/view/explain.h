/* memhp explain: why a memory block is in its zone, or which zone `online`
 * would give it now, with the numbers the policy compared; and what a
 * virtio-mem device and its driver do (explain_vmem.c). A view: it reads
 * the model and never changes it. */
#ifndef MEMHP_EXPLAIN_H
#define MEMHP_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

struct json_object;
struct machine;
struct scenario;
struct strbuf;
struct vfs;
struct zone_decision;

/* What explain is asked about, and what the run saw happen to it. */
struct explain_input {
	const struct scenario *sc;
	const struct machine *m; /* the state after sc ran up to at_label */
	const char *at_label;	 /* or NULL: the end */
	uint64_t block;
	/* The step that last onlined the block (SCENARIO_STEP_BOOT: while
	 * booting; SCENARIO_STEP_NONE: not seen), and the decision it made. */
	int onlined_step;
	const struct zone_decision *decision;
};

/* The explanation as JSON, or NULL if the block does not exist (-ENOENT in
 * *err_out) or memory ran out. A block of a virtio-mem device also gets
 * the device's and its driver's view of it ("virtio_mem"). */
struct json_object *explain_block(const struct explain_input *in, int *err_out);

/* virtio-mem device `id` (in->block and the trace are not used): the
 * host's sizes, the driver's mode, ids, threshold and what it waits for,
 * why size differs from requested-size (the blocks that hold memory, in
 * the driver's unplug order, or why plugging stopped), its plug order and
 * its blocks. NULL if no virtio-mem device has that id (-ENOENT) or
 * memory ran out. */
struct json_object *explain_device(const struct explain_input *in, const char *id, int *err_out);

/* The explanation of block `block` of a live machine (this host's /sys and
 * /proc, a sysroot tree, a guest: any vfs, only read), in explain_block()'s
 * schema with "live": true, `name` as its "scenario" (the sysroot or
 * "live"), no "onlined_by" (a live machine keeps no history) and, online
 * or not, "would_choose": what `online` would choose now, an online block
 * judged as if it were offline, with "matches_zone_now". present_early is
 * estimated (live.h). NULL with *err_out and err set: -ENOENT for no
 * memory directory or no such block, -ENODATA when the zones cannot be
 * weighed (no /proc/zoneinfo, no node), or what reading the tree gave. */
struct json_object *explain_live_block(const struct vfs *fs, const char *name, uint64_t block,
				       int *err_out, char *err, size_t errlen);

/* The same explanation as text a person can check by hand. */
void explain_format_text(struct json_object *e, struct strbuf *sb);

#endif
