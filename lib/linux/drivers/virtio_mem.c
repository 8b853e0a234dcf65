/* Linux's virtio-mem driver, 6.1 and 6.12 (drivers/virtio/virtio_mem.c).
 *
 * Each device is driven by one work item (virtio_mem_run_wq()): re-read
 * the config, then plug or unplug toward requested_size. Sub Block Mode
 * (SBM) adds one memory block at a time and plugs it in sub-blocks; Big
 * Block Mode (BBM) plugs and adds whole big blocks. Memory is plugged
 * from low to high addresses and unplugged from high to low, offline
 * memory first. The online-page callback keeps unplugged sub-blocks from
 * the buddy (PageOffline), so an online partially plugged block is fully
 * present but only partly managed. */
#include "virtio_mem_driver.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "bitmap.h"
#include "invariant.h"
#include "kernel.h"
#include "memory_group.h"
#include "memory_hotplug.h"

#define VIRTIO_MEM_DEFAULT_OFFLINE_THRESHOLD (1ULL << 30)
#define VIRTIO_MEM_RETRY_TIMER_MIN	     (50 * NSEC_PER_SEC)
#define VIRTIO_MEM_RETRY_TIMER_MAX	     (300 * NSEC_PER_SEC)
#define FAKE_OFFLINE_MOVABLE_ATTEMPTS	     5

struct virtio_mem {
	struct virtio_mem_driver *drv;
	unsigned int dev;

	/* From the config space at probe. */
	uint64_t device_block_size, addr, region_size;
	struct resource *parent_resource; /* "virtioN" over the region */
	uint64_t plugged_size, requested_size;
	int nid, mgid;
	bool in_sbm;

	uint64_t offline_size, offline_threshold;

	/* SBM: blocks from first_id on; BBM: big blocks. */
	uint64_t sb_size; /* SBM sub-block, or BBM big block */
	uint64_t sbs_per_mb;
	uint64_t first_id, next_id, limit_id; /* limit: first beyond the usable region */
	uint8_t *states;		      /* by id - first_id */
	size_t states_cap;
	uint64_t state_count[VIRTIO_MEM_SBM_MB_COUNT];
	uint64_t *sb_bitmap; /* SBM: bit (id - first_id) * sbs_per_mb + sb */
	size_t bitmap_words;
	bool have_unplugged_mb; /* 6.12 */

	struct work_struct wq;
	struct timer_list retry_timer;
	uint64_t retry_interval;
	bool wq_active, config_changed, unplug_all_required, broken;

	enum virtio_mem_wait wait;
	int last_rc;
};

struct virtio_mem_driver {
	struct kernel *k;
	struct virtio_mem_transport t;
	struct virtio_mem **devs; /* bound devices, in probe order */
	size_t nr_devs, devs_cap;
	bool callback_installed;
	/* Module parameters */
	bool unplug_online, force_bbm, bbm_safe_unplug;
	uint64_t bbm_block_size;
};

static struct kernel *vm_kernel(const struct virtio_mem *vm)
{
	return vm->drv->k;
}

static uint64_t mb_size(const struct virtio_mem *vm)
{
	return vm_kernel(vm)->block_size;
}

static bool is_6_12(const struct virtio_mem *vm)
{
	return vm_kernel(vm)->version == MEMHP_KERNEL_6_12;
}

/* ---- block states and the sub-block bitmap ---- */

static int get_state(const struct virtio_mem *vm, uint64_t id)
{
	return vm->states[id - vm->first_id];
}

static void set_state(struct virtio_mem *vm, uint64_t id, int state)
{
	uint8_t *s = &vm->states[id - vm->first_id];

	vm->state_count[*s]--;
	vm->state_count[state]++;
	*s = (uint8_t)state;
}

static uint64_t sb_bit(const struct virtio_mem *vm, uint64_t mb_id, uint64_t sb)
{
	return (mb_id - vm->first_id) * vm->sbs_per_mb + sb;
}

static bool sb_plugged(const struct virtio_mem *vm, uint64_t mb_id, uint64_t sb, uint64_t n)
{
	return bitmap_range_is(vm->sb_bitmap, sb_bit(vm, mb_id, sb), n, true);
}

static bool sb_unplugged(const struct virtio_mem *vm, uint64_t mb_id, uint64_t sb, uint64_t n)
{
	return bitmap_range_is(vm->sb_bitmap, sb_bit(vm, mb_id, sb), n, false);
}

/* Room for one more block or big block (virtio_mem_sbm_mb_states_prepare_
 * next_mb() and its BBM twin): the arrays grow by doubling. 0 or -ENOMEM,
 * nothing changed on error. */
static int prepare_next_id(struct virtio_mem *vm, uint64_t *id)
{
	size_t idx = vm->next_id - vm->first_id;

	if (vm->next_id >= vm->limit_id)
		return -ENOSPC;
	if (array_grow(&vm->states, &vm->states_cap, idx + 1, 1))
		return -ENOMEM;
	if (vm->in_sbm) {
		size_t words = ((idx + 1) * vm->sbs_per_mb + 63) / 64;

		if (words > vm->bitmap_words) {
			size_t n = vm->bitmap_words ? vm->bitmap_words : 16;
			uint64_t *map;

			while (n < words)
				n *= 2;
			map = realloc(vm->sb_bitmap, n * sizeof(*map));
			if (!map)
				return -ENOMEM;
			memset(map + vm->bitmap_words, 0, (n - vm->bitmap_words) * sizeof(*map));
			vm->sb_bitmap = map;
			vm->bitmap_words = n;
		}
	}
	vm->states[idx] = VIRTIO_MEM_SBM_MB_UNUSED; /* == VIRTIO_MEM_BBM_BB_UNUSED */
	vm->state_count[VIRTIO_MEM_SBM_MB_UNUSED]++;
	*id = vm->next_id++;
	return 0;
}

/* ---- requests to the device (virtio_mem_send_*_request()) ---- */

static int send_request(struct virtio_mem *vm, const struct virtio_mem_req *req)
{
	const struct virtio_mem_transport *t = &vm->drv->t;
	struct virtio_mem_resp resp = {.type = VIRTIO_MEM_RESP_ERROR};

	t->request(t->ctx, vm->dev, req, &resp);
	return resp.type;
}

/* A request for [addr, addr + size) in device blocks; nb_blocks is 16
 * bits on the wire, as the kernel truncates it. */
static struct virtio_mem_req range_req(const struct virtio_mem *vm, uint16_t type, uint64_t addr,
				       uint64_t size)
{
	return (struct virtio_mem_req){
	    .type = type,
	    .addr = addr,
	    .nb_blocks = (uint16_t)(size / vm->device_block_size),
	};
}

/* PLUG: 0, -EAGAIN (the config changed, or NACK), -ETXTBSY (BUSY),
 * -EINVAL (ERROR). plugged_size grows only on ACK. */
static int send_plug_request(struct virtio_mem *vm, uint64_t addr, uint64_t size)
{
	struct virtio_mem_req req = range_req(vm, VIRTIO_MEM_REQ_PLUG, addr, size);

	if (vm->config_changed)
		return -EAGAIN;
	switch (send_request(vm, &req)) {
	case VIRTIO_MEM_RESP_ACK:
		vm->plugged_size += size;
		return 0;
	case VIRTIO_MEM_RESP_NACK:
		return -EAGAIN;
	case VIRTIO_MEM_RESP_BUSY:
		return -ETXTBSY;
	case VIRTIO_MEM_RESP_ERROR:
		return -EINVAL;
	default:
		return -ENOMEM;
	}
}

/* UNPLUG: as PLUG, but NACK is -ENOMEM. */
static int send_unplug_request(struct virtio_mem *vm, uint64_t addr, uint64_t size)
{
	struct virtio_mem_req req = range_req(vm, VIRTIO_MEM_REQ_UNPLUG, addr, size);

	if (vm->config_changed)
		return -EAGAIN;
	switch (send_request(vm, &req)) {
	case VIRTIO_MEM_RESP_ACK:
		vm->plugged_size -= size;
		return 0;
	case VIRTIO_MEM_RESP_BUSY:
		return -ETXTBSY;
	case VIRTIO_MEM_RESP_ERROR:
		return -EINVAL;
	default:
		return -ENOMEM;
	}
}

static int send_unplug_all_request(struct virtio_mem *vm)
{
	struct virtio_mem_req req = {.type = VIRTIO_MEM_REQ_UNPLUG_ALL};

	switch (send_request(vm, &req)) {
	case VIRTIO_MEM_RESP_ACK:
		vm->unplug_all_required = false;
		vm->plugged_size = 0;
		/* The usable region may have shrunk. */
		vm->config_changed = true;
		return 0;
	case VIRTIO_MEM_RESP_BUSY:
		return -ETXTBSY;
	default:
		return -ENOMEM;
	}
}

/* ---- adding and removing memory ---- */

static void virtio_mem_retry(struct virtio_mem *vm)
{
	queue_work(vm_kernel(vm), &vm->wq);
}

static bool could_add_memory(const struct virtio_mem *vm, uint64_t size)
{
	return vm->offline_size + size <= vm->offline_threshold;
}

/* virtio_mem_add_memory(): counted offline before the add, since its
 * blocks are offline until onlined (perhaps inside the add). */
static int vm_add_memory(struct virtio_mem *vm, uint64_t addr, uint64_t size)
{
	int rc;

	vm->offline_size += size;
	rc = add_memory_driver_managed(vm_kernel(vm), vm->mgid, addr, size,
				       "System RAM (virtio_mem)",
				       MHP_MERGE_RESOURCE | MHP_NID_IS_MGID);
	if (rc)
		vm->offline_size -= size;
	return rc;
}

static int vm_remove_memory(struct virtio_mem *vm, uint64_t addr, uint64_t size)
{
	int rc = remove_memory(vm_kernel(vm), addr, size);

	if (!rc) {
		vm->offline_size -= size;
		/* Freed room below the threshold: more may be added now. */
		virtio_mem_retry(vm);
	}
	return rc;
}

/* virtio_mem_offline_and_remove_memory(): 6.12 reports every failure but
 * ENOMEM as EBUSY, to be retried later. */
static int vm_offline_and_remove_memory(struct virtio_mem *vm, uint64_t addr, uint64_t size)
{
	int rc = offline_and_remove_memory(vm_kernel(vm), addr, size);

	if (!rc) {
		vm->offline_size -= size;
		virtio_mem_retry(vm);
		return 0;
	}
	if (is_6_12(vm))
		return rc == -ENOMEM ? -ENOMEM : -EBUSY;
	return rc;
}

/* ---- fake-offline and fake-online (§12) ---- */

static struct zone *pfn_zone(struct kernel *k, uint64_t pfn)
{
	struct memory_block *b = find_memory_block(k, pfn / k->pages_per_block);

	return b && b->state == MEM_ONLINE ? b->zone : NULL;
}

/* virtio_mem_fake_offline(): take [pfn, +nr) from the buddy, migrating
 * what is movable. Up to 5 attempts in ZONE_MOVABLE, 1 elsewhere; 6.12
 * gives up with EAGAIN once the config changed. 0 or -EBUSY/-EAGAIN,
 * nothing taken on error. */
static int fake_offline(struct virtio_mem *vm, uint64_t pfn, uint64_t nr)
{
	struct kernel *k = vm_kernel(vm);
	struct zone *z = pfn_zone(k, pfn);
	int attempts = z && z->type == ZONE_MOVABLE ? FAKE_OFFLINE_MOVABLE_ATTEMPTS : 1;

	if (!z)
		return -EBUSY;
	for (int i = 0; i < attempts; i++) {
		if (is_6_12(vm) && vm->config_changed)
			return -EAGAIN;
		int ret = alloc_contig_range(k, pfn, nr);

		if (!ret) {
			adjust_managed_page_count(k, z, -(int64_t)nr);
			return 0;
		}
		if (ret != -EBUSY)
			return ret;
	}
	return -EBUSY;
}

/* virtio_mem_fake_online(): the pages go (back) to the buddy. */
static void fake_online(struct virtio_mem *vm, uint64_t pfn, uint64_t nr)
{
	struct kernel *k = vm_kernel(vm);
	struct zone *z = pfn_zone(k, pfn);

	if (!z)
		return;
	free_contig_range(k, pfn, nr);
	adjust_managed_page_count(k, z, (int64_t)nr);
}

/* ---- Sub Block Mode ---- */

static uint64_t mb_addr(const struct virtio_mem *vm, uint64_t mb_id)
{
	return mb_id * mb_size(vm);
}

static uint64_t sb_addr(const struct virtio_mem *vm, uint64_t mb_id, uint64_t sb)
{
	return mb_addr(vm, mb_id) + sb * vm->sb_size;
}

static int sbm_plug_sb(struct virtio_mem *vm, uint64_t mb_id, uint64_t sb, uint64_t count)
{
	int rc = send_plug_request(vm, sb_addr(vm, mb_id, sb), count * vm->sb_size);

	if (!rc)
		bitmap_assign(vm->sb_bitmap, sb_bit(vm, mb_id, sb), count, true);
	return rc;
}

static int sbm_unplug_sb(struct virtio_mem *vm, uint64_t mb_id, uint64_t sb, uint64_t count)
{
	int rc = send_unplug_request(vm, sb_addr(vm, mb_id, sb), count * vm->sb_size);

	if (!rc)
		bitmap_assign(vm->sb_bitmap, sb_bit(vm, mb_id, sb), count, false);
	return rc;
}

/* Iterates the blocks in state, ascending or descending; a block whose
 * state changes meanwhile is skipped (virtio_mem_sbm_for_each_mb[_rev]). */
#define for_each_id(vm, id, state)                                                                 \
	for ((id) = (vm)->first_id; (vm)->state_count[(state)] && (id) < (vm)->next_id; (id)++)    \
		if (get_state((vm), (id)) == (state))

#define for_each_id_rev(vm, id, state)                                                             \
	for ((id) = (vm)->next_id; (vm)->state_count[(state)] && (id)-- > (vm)->first_id;)         \
		if (get_state((vm), (id)) == (state))

/* virtio_mem_sbm_plug_and_add_mb(): plug the first sub-blocks of a block
 * not yet added, then add it (auto-onlining happens inside). */
static int sbm_plug_and_add_mb(struct virtio_mem *vm, uint64_t mb_id, uint64_t *nb_sb)
{
	uint64_t count = *nb_sb < vm->sbs_per_mb ? *nb_sb : vm->sbs_per_mb;
	int rc = sbm_plug_sb(vm, mb_id, 0, count);

	if (rc)
		return rc;
	/* Set before the add, so the notifier finds the block offline. */
	set_state(vm, mb_id,
		  count == vm->sbs_per_mb ? VIRTIO_MEM_SBM_MB_OFFLINE
					  : VIRTIO_MEM_SBM_MB_OFFLINE_PARTIAL);
	rc = vm_add_memory(vm, mb_addr(vm, mb_id), mb_size(vm));
	if (rc) {
		int state = VIRTIO_MEM_SBM_MB_UNUSED;

		if (sbm_unplug_sb(vm, mb_id, 0, count))
			state = VIRTIO_MEM_SBM_MB_PLUGGED;
		set_state(vm, mb_id, state);
		return rc;
	}
	*nb_sb -= count;
	return 0;
}

/* virtio_mem_sbm_plug_any_sb(): the lowest unplugged sub-blocks of an
 * added, partially plugged block, in runs; online ones go to the buddy. */
static int sbm_plug_any_sb(struct virtio_mem *vm, uint64_t mb_id, uint64_t *nb_sb)
{
	int old_state = get_state(vm, mb_id);
	bool online = old_state != VIRTIO_MEM_SBM_MB_OFFLINE_PARTIAL;
	uint64_t ppsb = PFN_DOWN(vm->sb_size);

	while (*nb_sb) {
		uint64_t sb = 0, count = 1;
		int rc;

		while (sb < vm->sbs_per_mb && sb_plugged(vm, mb_id, sb, 1))
			sb++;
		if (sb == vm->sbs_per_mb)
			break;
		while (count < *nb_sb && sb + count < vm->sbs_per_mb &&
		       sb_unplugged(vm, mb_id, sb + count, 1))
			count++;
		rc = sbm_plug_sb(vm, mb_id, sb, count);
		if (rc)
			return rc;
		*nb_sb -= count;
		if (online)
			fake_online(vm, PFN_DOWN(sb_addr(vm, mb_id, sb)), count * ppsb);
	}
	if (sb_plugged(vm, mb_id, 0, vm->sbs_per_mb))
		set_state(vm, mb_id, old_state - 1);
	return 0;
}

/* virtio_mem_sbm_plug_request(): partial blocks first (kernel, movable,
 * offline), then blocks prepared before, then new ones. */
static int sbm_plug_request(struct virtio_mem *vm, uint64_t diff)
{
	static const int partial[] = {VIRTIO_MEM_SBM_MB_KERNEL_PARTIAL,
				      VIRTIO_MEM_SBM_MB_MOVABLE_PARTIAL,
				      VIRTIO_MEM_SBM_MB_OFFLINE_PARTIAL};
	uint64_t nb_sb = diff / vm->sb_size, mb_id;
	int rc;

	if (!nb_sb) {
		vm->wait = VIRTIO_MEM_WAIT_GRANULARITY;
		return 0;
	}
	for (size_t i = 0; i < sizeof(partial) / sizeof(partial[0]); i++) {
		for_each_id(vm, mb_id, partial[i])
		{
			rc = sbm_plug_any_sb(vm, mb_id, &nb_sb);
			if (rc || !nb_sb)
				return rc;
		}
	}
	for_each_id(vm, mb_id, VIRTIO_MEM_SBM_MB_UNUSED)
	{
		if (!could_add_memory(vm, mb_size(vm)))
			return vm->wait = VIRTIO_MEM_WAIT_THRESHOLD, -ENOSPC;
		rc = sbm_plug_and_add_mb(vm, mb_id, &nb_sb);
		if (rc || !nb_sb)
			return rc;
	}
	while (nb_sb) {
		if (!could_add_memory(vm, mb_size(vm)))
			return vm->wait = VIRTIO_MEM_WAIT_THRESHOLD, -ENOSPC;
		rc = prepare_next_id(vm, &mb_id);
		if (rc == -ENOSPC)
			vm->wait = VIRTIO_MEM_WAIT_USABLE;
		if (!rc)
			rc = sbm_plug_and_add_mb(vm, mb_id, &nb_sb);
		if (rc)
			return rc;
	}
	return 0;
}

/* virtio_mem_sbm_unplug_any_sb_raw(): from the highest plugged sub-block
 * down, in runs. */
static int sbm_unplug_any_sb_raw(struct virtio_mem *vm, uint64_t mb_id, uint64_t *nb_sb)
{
	int64_t sb = (int64_t)vm->sbs_per_mb - 1;

	while (*nb_sb) {
		uint64_t count = 1;
		int rc;

		while (sb >= 0 && sb_unplugged(vm, mb_id, (uint64_t)sb, 1))
			sb--;
		if (sb < 0)
			break;
		while (count < *nb_sb && sb > 0 && sb_plugged(vm, mb_id, (uint64_t)sb - 1, 1)) {
			count++;
			sb--;
		}
		rc = sbm_unplug_sb(vm, mb_id, (uint64_t)sb, count);
		if (rc)
			return rc;
		*nb_sb -= count;
		sb--;
	}
	return 0;
}

/* virtio_mem_sbm_unplug_any_sb_offline(): an emptied block is removed. */
static int sbm_unplug_any_sb_offline(struct virtio_mem *vm, uint64_t mb_id, uint64_t *nb_sb)
{
	int rc = sbm_unplug_any_sb_raw(vm, mb_id, nb_sb);

	/* Some may be gone even on failure. */
	if (!sb_plugged(vm, mb_id, 0, vm->sbs_per_mb))
		set_state(vm, mb_id, VIRTIO_MEM_SBM_MB_OFFLINE_PARTIAL);
	if (rc)
		return rc;
	if (sb_unplugged(vm, mb_id, 0, vm->sbs_per_mb)) {
		/* Unused first, so nobody onlines it meanwhile. An offline
		 * block of ours always goes. */
		set_state(vm, mb_id, VIRTIO_MEM_SBM_MB_UNUSED);
		rc = vm_remove_memory(vm, mb_addr(vm, mb_id), mb_size(vm));
		if (rc)
			return rc;
	}
	return 0;
}

/* virtio_mem_sbm_unplug_sb_online(): fake-offline, then unplug; a failed
 * unplug gives the pages back. */
static int sbm_unplug_sb_online(struct virtio_mem *vm, uint64_t mb_id, uint64_t sb, uint64_t count)
{
	uint64_t pfn = PFN_DOWN(sb_addr(vm, mb_id, sb)), nr = count * PFN_DOWN(vm->sb_size);
	int old_state = get_state(vm, mb_id);
	int rc = fake_offline(vm, pfn, nr);

	if (rc)
		return rc;
	rc = sbm_unplug_sb(vm, mb_id, sb, count);
	if (rc) {
		fake_online(vm, pfn, nr);
		return rc;
	}
	if (old_state == VIRTIO_MEM_SBM_MB_KERNEL || old_state == VIRTIO_MEM_SBM_MB_MOVABLE)
		set_state(vm, mb_id, old_state + 1);
	return 0;
}

/* virtio_mem_sbm_try_remove_unplugged_mb(): an online block with nothing
 * plugged is offlined and removed. */
static int sbm_try_remove_unplugged_mb(struct virtio_mem *vm, uint64_t mb_id)
{
	int rc;

	if (!sb_unplugged(vm, mb_id, 0, vm->sbs_per_mb))
		return 0;
	rc = vm_offline_and_remove_memory(vm, mb_addr(vm, mb_id), mb_size(vm));
	if (!rc)
		set_state(vm, mb_id, VIRTIO_MEM_SBM_MB_UNUSED);
	return rc;
}

/* virtio_mem_sbm_unplug_any_sb_online(): the whole block at once if it
 * can, else sub-block by sub-block from the top, skipping busy ones. */
static int sbm_unplug_any_sb_online(struct virtio_mem *vm, uint64_t mb_id, uint64_t *nb_sb)
{
	int rc;

	if (*nb_sb >= vm->sbs_per_mb && sb_plugged(vm, mb_id, 0, vm->sbs_per_mb)) {
		rc = sbm_unplug_sb_online(vm, mb_id, 0, vm->sbs_per_mb);
		if (!rc) {
			*nb_sb -= vm->sbs_per_mb;
			goto unplugged;
		}
		if (rc != -EBUSY)
			return rc;
	}
	for (int64_t sb = (int64_t)vm->sbs_per_mb - 1; sb >= 0 && *nb_sb; sb--) {
		while (sb >= 0 && !sb_plugged(vm, mb_id, (uint64_t)sb, 1))
			sb--;
		if (sb < 0)
			break;
		rc = sbm_unplug_sb_online(vm, mb_id, (uint64_t)sb, 1);
		if (rc == -EBUSY)
			continue;
		if (rc)
			return rc;
		*nb_sb -= 1;
	}
unplugged:
	rc = sbm_try_remove_unplugged_mb(vm, mb_id);
	/* 6.12 retries a failed removal from the work loop; 6.1 only when a
	 * later unplug visits the block. Not an error either way. */
	if (rc && is_6_12(vm))
		vm->have_unplugged_mb = true;
	return 0;
}

static int sbm_unplug_any_sb(struct virtio_mem *vm, uint64_t mb_id, uint64_t *nb_sb)
{
	int state = get_state(vm, mb_id);

	if (state == VIRTIO_MEM_SBM_MB_OFFLINE || state == VIRTIO_MEM_SBM_MB_OFFLINE_PARTIAL)
		return sbm_unplug_any_sb_offline(vm, mb_id, nb_sb);
	return sbm_unplug_any_sb_online(vm, mb_id, nb_sb);
}

/* virtio_mem_sbm_unplug_request(): offline before online, partial before
 * full, ZONE_MOVABLE before kernel zones, high addresses first. */
static int sbm_unplug_request(struct virtio_mem *vm, uint64_t diff)
{
	static const int order[] = {
	    VIRTIO_MEM_SBM_MB_OFFLINE_PARTIAL, VIRTIO_MEM_SBM_MB_OFFLINE,
	    VIRTIO_MEM_SBM_MB_MOVABLE_PARTIAL, VIRTIO_MEM_SBM_MB_KERNEL_PARTIAL,
	    VIRTIO_MEM_SBM_MB_MOVABLE,	       VIRTIO_MEM_SBM_MB_KERNEL,
	};
	uint64_t nb_sb = diff / vm->sb_size, mb_id;
	int rc;

	if (!nb_sb) {
		vm->wait = VIRTIO_MEM_WAIT_GRANULARITY;
		return 0;
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		for_each_id_rev(vm, mb_id, order[i])
		{
			rc = sbm_unplug_any_sb(vm, mb_id, &nb_sb);
			if (rc || !nb_sb)
				return rc;
		}
		if (i == 1 && !vm->drv->unplug_online) {
			vm->wait = VIRTIO_MEM_WAIT_OFFLINE_ONLY;
			return 0;
		}
	}
	return nb_sb ? -EBUSY : 0;
}

/* ---- Big Block Mode ---- */

static uint64_t bb_addr(const struct virtio_mem *vm, uint64_t bb_id)
{
	return bb_id * vm->sb_size;
}

static int bbm_plug_bb(struct virtio_mem *vm, uint64_t bb_id)
{
	return send_plug_request(vm, bb_addr(vm, bb_id), vm->sb_size);
}

static int bbm_unplug_bb(struct virtio_mem *vm, uint64_t bb_id)
{
	return send_unplug_request(vm, bb_addr(vm, bb_id), vm->sb_size);
}

/* virtio_mem_bbm_plug_and_add_bb() */
static int bbm_plug_and_add_bb(struct virtio_mem *vm, uint64_t bb_id)
{
	int rc = bbm_plug_bb(vm, bb_id);

	if (rc)
		return rc;
	set_state(vm, bb_id, VIRTIO_MEM_BBM_BB_ADDED);
	rc = vm_add_memory(vm, bb_addr(vm, bb_id), vm->sb_size);
	if (rc)
		set_state(vm, bb_id,
			  bbm_unplug_bb(vm, bb_id) ? VIRTIO_MEM_BBM_BB_PLUGGED
						   : VIRTIO_MEM_BBM_BB_UNUSED);
	return rc;
}

static int bbm_plug_request(struct virtio_mem *vm, uint64_t diff)
{
	uint64_t nb_bb = diff / vm->sb_size, bb_id;
	int rc;

	if (!nb_bb) {
		vm->wait = VIRTIO_MEM_WAIT_GRANULARITY;
		return 0;
	}
	for_each_id(vm, bb_id, VIRTIO_MEM_BBM_BB_UNUSED)
	{
		if (!could_add_memory(vm, vm->sb_size))
			return vm->wait = VIRTIO_MEM_WAIT_THRESHOLD, -ENOSPC;
		rc = bbm_plug_and_add_bb(vm, bb_id);
		if (!rc)
			nb_bb--;
		if (rc || !nb_bb)
			return rc;
	}
	while (nb_bb) {
		if (!could_add_memory(vm, vm->sb_size))
			return vm->wait = VIRTIO_MEM_WAIT_THRESHOLD, -ENOSPC;
		rc = prepare_next_id(vm, &bb_id);
		if (rc == -ENOSPC)
			vm->wait = VIRTIO_MEM_WAIT_USABLE;
		if (!rc)
			rc = bbm_plug_and_add_bb(vm, bb_id);
		if (rc)
			return rc;
		nb_bb--;
	}
	return 0;
}

/* The memory blocks of big block bb_id (a big block is at least one). */
static uint64_t bb_first_mb(const struct virtio_mem *vm, uint64_t bb_id)
{
	return bb_addr(vm, bb_id) / mb_size(vm);
}

static uint64_t bb_nr_mb(const struct virtio_mem *vm)
{
	return vm->sb_size / mb_size(vm);
}

static bool mb_online(struct kernel *k, uint64_t mb_id)
{
	const struct memory_block *b = find_memory_block(k, mb_id);

	return b && b->state == MEM_ONLINE;
}

/* virtio_mem_bbm_bb_is_offline() / _is_movable(): section by section; an
 * online section outside ZONE_MOVABLE makes it not movable. */
static bool bbm_bb_is_offline(const struct virtio_mem *vm, uint64_t bb_id)
{
	for (uint64_t i = 0; i < bb_nr_mb(vm); i++)
		if (mb_online(vm_kernel(vm), bb_first_mb(vm, bb_id) + i))
			return false;
	return true;
}

static bool bbm_bb_is_movable(const struct virtio_mem *vm, uint64_t bb_id)
{
	struct kernel *k = vm_kernel(vm);

	for (uint64_t i = 0; i < bb_nr_mb(vm); i++) {
		const struct memory_block *b = find_memory_block(k, bb_first_mb(vm, bb_id) + i);

		if (b && b->state == MEM_ONLINE && b->zone->type != ZONE_MOVABLE)
			return false;
	}
	return true;
}

/* Fake-online the online sections of [first, end) again. */
static void bbm_fake_online_sections(struct virtio_mem *vm, uint64_t first_pfn, uint64_t end_pfn)
{
	for (uint64_t pfn = first_pfn; pfn < end_pfn; pfn += PAGES_PER_SECTION)
		if (pfn_zone(vm_kernel(vm), pfn))
			fake_online(vm, pfn, PAGES_PER_SECTION);
}

/* virtio_mem_bbm_offline_remove_and_unplug_bb(): fake-offline every online
 * section first (6.1 only with bbm_safe_unplug), so offlining finds
 * nothing to migrate; roll back on failure. */
static int bbm_offline_remove_and_unplug_bb(struct virtio_mem *vm, uint64_t bb_id)
{
	uint64_t start_pfn = PFN_DOWN(bb_addr(vm, bb_id)),
		 end_pfn = start_pfn + PFN_DOWN(vm->sb_size);
	bool safe = is_6_12(vm) || vm->drv->bbm_safe_unplug;
	int rc = 0;

	if (safe) {
		set_state(vm, bb_id, VIRTIO_MEM_BBM_BB_FAKE_OFFLINE);
		for (uint64_t pfn = start_pfn; pfn < end_pfn; pfn += PAGES_PER_SECTION) {
			if (!pfn_zone(vm_kernel(vm), pfn))
				continue;
			rc = fake_offline(vm, pfn, PAGES_PER_SECTION);
			if (rc) {
				end_pfn = pfn;
				goto rollback;
			}
		}
	}
	rc = vm_offline_and_remove_memory(vm, bb_addr(vm, bb_id), vm->sb_size);
	if (rc) {
		if (safe)
			goto rollback;
		return rc;
	}
	rc = bbm_unplug_bb(vm, bb_id);
	set_state(vm, bb_id, rc ? VIRTIO_MEM_BBM_BB_PLUGGED : VIRTIO_MEM_BBM_BB_UNUSED);
	return rc;
rollback:
	bbm_fake_online_sections(vm, start_pfn, end_pfn);
	set_state(vm, bb_id, VIRTIO_MEM_BBM_BB_ADDED);
	return rc;
}

/* virtio_mem_bbm_unplug_request(): offline big blocks, then movable ones,
 * then any, each pass from the top. */
static int bbm_unplug_request(struct virtio_mem *vm, uint64_t diff)
{
	uint64_t nb_bb = diff / vm->sb_size, bb_id;
	int rc;

	if (!nb_bb) {
		vm->wait = VIRTIO_MEM_WAIT_GRANULARITY;
		return 0;
	}
	for (int pass = 0; pass < 3; pass++) {
		for_each_id_rev(vm, bb_id, VIRTIO_MEM_BBM_BB_ADDED)
		{
			if (pass == 0 && !bbm_bb_is_offline(vm, bb_id))
				continue;
			if (pass == 1 && !bbm_bb_is_movable(vm, bb_id))
				continue;
			rc = bbm_offline_remove_and_unplug_bb(vm, bb_id);
			if (rc == -EBUSY)
				continue;
			if (!rc)
				nb_bb--;
			if (rc || !nb_bb)
				return rc;
		}
		if (pass == 0 && !vm->drv->unplug_online) {
			vm->wait = VIRTIO_MEM_WAIT_OFFLINE_ONLY;
			return 0;
		}
	}
	return nb_bb ? -EBUSY : 0;
}

/* ---- the work loop ---- */

/* virtio_mem_cleanup_pending_mb() (6.1: _unplug_pending_mb()): leftovers
 * of failed adds, and 6.12's emptied blocks whose removal failed. */
static int cleanup_pending(struct virtio_mem *vm)
{
	static const int partial[] = {VIRTIO_MEM_SBM_MB_MOVABLE_PARTIAL,
				      VIRTIO_MEM_SBM_MB_KERNEL_PARTIAL,
				      VIRTIO_MEM_SBM_MB_OFFLINE_PARTIAL};
	uint64_t id;
	int rc;

	for_each_id(vm, id, VIRTIO_MEM_SBM_MB_PLUGGED) /* == BBM_BB_PLUGGED */
	{
		rc = vm->in_sbm ? sbm_unplug_sb(vm, id, 0, vm->sbs_per_mb) : bbm_unplug_bb(vm, id);
		if (rc)
			return rc;
		set_state(vm, id, VIRTIO_MEM_SBM_MB_UNUSED);
	}
	if (!vm->in_sbm || !vm->have_unplugged_mb)
		return 0;
	vm->have_unplugged_mb = false;
	for (size_t i = 0; i < sizeof(partial) / sizeof(partial[0]); i++)
		for_each_id(vm, id, partial[i]) if (sbm_try_remove_unplugged_mb(vm, id))
		    vm->have_unplugged_mb = true;
	return 0;
}

/* virtio_mem_refresh_config(): the usable region decides the last block
 * (big block) the driver may add: one wholly inside it. */
static void refresh_config(struct virtio_mem *vm)
{
	const struct virtio_mem_transport *t = &vm->drv->t;
	uint64_t unit = vm->in_sbm ? mb_size(vm) : vm->sb_size, pluggable_end, end;
	struct virtio_mem_config cfg;

	t->get_config(t->ctx, vm->dev, &cfg);
	vm->plugged_size = cfg.plugged_size;
	pluggable_end = (1ULL << MAX_PHYSMEM_BITS) - 1;
	end = cfg.usable_region_size ? vm->addr + cfg.usable_region_size - 1 : vm->addr - 1;
	if (end > pluggable_end)
		end = pluggable_end;
	/* end + 1 cannot wrap: the region lies below 2^MAX_PHYSMEM_BITS. */
	vm->limit_id = (end + 1) / unit;
	if (vm->limit_id < vm->first_id)
		vm->limit_id = vm->first_id;
	vm->requested_size = cfg.requested_size;
}

static void run_wq(struct virtio_mem *vm)
{
	struct kernel *k = vm_kernel(vm);
	int rc;

	if (vm->broken)
		return;
	del_timer(k, &vm->retry_timer);
	vm->wq_active = true;
again:
	rc = 0;
	vm->wait = VIRTIO_MEM_WAIT_NONE;
	if (vm->unplug_all_required)
		rc = send_unplug_all_request(vm);
	if (vm->config_changed) {
		vm->config_changed = false;
		refresh_config(vm);
	}
	if (!rc)
		rc = cleanup_pending(vm);
	if (!rc && vm->requested_size != vm->plugged_size) {
		if (vm->requested_size > vm->plugged_size) {
			uint64_t diff = vm->requested_size - vm->plugged_size;

			rc = vm->in_sbm ? sbm_plug_request(vm, diff) : bbm_plug_request(vm, diff);
		} else {
			uint64_t diff = vm->plugged_size - vm->requested_size;

			rc = vm->in_sbm ? sbm_unplug_request(vm, diff)
					: bbm_unplug_request(vm, diff);
		}
	}
	if (!rc && is_6_12(vm) && vm->in_sbm && vm->have_unplugged_mb)
		rc = -EBUSY;
	vm->last_rc = rc;
	switch (rc) {
	case 0:
		vm->retry_interval = VIRTIO_MEM_RETRY_TIMER_MIN;
		/* The request rounded down to whole sub-blocks (big blocks)
		 * is done; the rest waits for the host's next request. */
		if (vm->wait == VIRTIO_MEM_WAIT_NONE && vm->requested_size != vm->plugged_size)
			vm->wait = VIRTIO_MEM_WAIT_GRANULARITY;
		break;
	case -ENOSPC:
		/* Wait for a trigger from outside: the host or onlining. */
		break;
	case -ETXTBSY:
	case -EBUSY:
	case -ENOMEM:
		vm->wait = VIRTIO_MEM_WAIT_TIMER;
		mod_timer(k, &vm->retry_timer, k->wq.now + vm->retry_interval);
		break;
	case -EAGAIN:
		goto again;
	default:
		/* "marking device broken": no more work, ever. */
		vm->wait = VIRTIO_MEM_WAIT_BROKEN;
		vm->broken = true;
		break;
	}
	vm->wq_active = false;
}

static void work_fn(struct work_struct *w)
{
	run_wq((struct virtio_mem *)((char *)w - offsetof(struct virtio_mem, wq)));
}

/* virtio_mem_timer_expired(): the next delay doubles, up to 300 s. */
static void timer_fn(struct timer_list *t)
{
	struct virtio_mem *vm =
	    (struct virtio_mem *)((char *)t - offsetof(struct virtio_mem, retry_timer));

	virtio_mem_retry(vm);
	vm->retry_interval = vm->retry_interval * 2 < VIRTIO_MEM_RETRY_TIMER_MAX
				 ? vm->retry_interval * 2
				 : VIRTIO_MEM_RETRY_TIMER_MAX;
}

/* ---- the memory notifier and the online-page callback (§10) ---- */

static bool overlaps(const struct virtio_mem *vm, uint64_t start, uint64_t size)
{
	return start < vm->addr + vm->region_size && vm->addr < start + size;
}

static bool contains(const struct virtio_mem *vm, uint64_t start, uint64_t size)
{
	return start >= vm->addr && start + size <= vm->addr + vm->region_size;
}

/* The zone of a block going online: it is in that zone's online blocks
 * before MEM_ONLINE is sent (page_zonenum() of its first page). */
static bool block_onlined_movable(struct kernel *k, uint64_t mb_id, int nid)
{
	const struct zone *z = &k->nodes[nid].zones[ZONE_MOVABLE];

	return idtree_load(&z->online_blocks, mb_id) != NULL;
}

static int sbm_notify(struct virtio_mem *vm, enum memory_block_state action, uint64_t mb_id)
{
	int state;

	if (mb_id < vm->first_id || mb_id >= vm->next_id)
		return action == MEM_GOING_ONLINE ? -EPERM : 0;
	state = get_state(vm, mb_id);
	switch (action) {
	case MEM_GOING_ONLINE:
		if (state != VIRTIO_MEM_SBM_MB_OFFLINE &&
		    state != VIRTIO_MEM_SBM_MB_OFFLINE_PARTIAL)
			return -EPERM;
		return 0;
	case MEM_ONLINE: {
		bool partial = state == VIRTIO_MEM_SBM_MB_OFFLINE_PARTIAL;
		int full = block_onlined_movable(vm_kernel(vm), mb_id, vm->nid)
			       ? VIRTIO_MEM_SBM_MB_MOVABLE
			       : VIRTIO_MEM_SBM_MB_KERNEL;

		set_state(vm, mb_id, partial ? full + 1 : full);
		return 0;
	}
	case MEM_OFFLINE:
		if (state == VIRTIO_MEM_SBM_MB_KERNEL_PARTIAL ||
		    state == VIRTIO_MEM_SBM_MB_MOVABLE_PARTIAL)
			set_state(vm, mb_id, VIRTIO_MEM_SBM_MB_OFFLINE_PARTIAL);
		else if (state == VIRTIO_MEM_SBM_MB_KERNEL || state == VIRTIO_MEM_SBM_MB_MOVABLE)
			set_state(vm, mb_id, VIRTIO_MEM_SBM_MB_OFFLINE);
		return 0;
	default:
		return 0;
	}
}

/* virtio_mem_memory_notifier_cb(): only ranges of this device. */
static int memory_notifier_cb(void *data, enum memory_block_state action,
			      const struct memory_notify *arg)
{
	struct virtio_mem *vm = data;
	uint64_t start = PFN_PHYS(arg->start_pfn), size = PFN_PHYS(arg->nr_pages);
	int rc = 0;

	if (!overlaps(vm, start, size))
		return 0;
	/* One whole memory block in SBM, inside one big block in BBM. */
	if (vm->in_sbm ? start % mb_size(vm) || size != mb_size(vm)
		       : start / vm->sb_size != (start + size - 1) / vm->sb_size)
		return -EPERM;
	if (vm->in_sbm)
		rc = sbm_notify(vm, action, start / mb_size(vm));
	if (rc)
		return rc;
	switch (action) {
	case MEM_ONLINE:
		vm->offline_size -= size;
		/* Half the threshold onlined: go on adding. */
		if (!vm->wq_active && could_add_memory(vm, vm->offline_threshold / 2))
			virtio_mem_retry(vm);
		break;
	case MEM_OFFLINE:
		vm->offline_size += size;
		/* Offline memory is what unplug_online=N unplugs. */
		if (!vm->drv->unplug_online)
			virtio_mem_retry(vm);
		break;
	default:
		break;
	}
	return 0;
}

static struct virtio_mem *device_of_pfn(const struct virtio_mem_driver *drv, uint64_t pfn)
{
	uint64_t addr = PFN_PHYS(pfn);

	for (size_t i = 0; i < drv->nr_devs; i++)
		if (contains(drv->devs[i], addr, 1))
			return drv->devs[i];
	return NULL;
}

/* Pages of [pfn, +nr) that are plugged (SBM) or not being removed (BBM):
 * inverted, what stays PageOffline. */
static uint64_t plugged_pages(const struct virtio_mem *vm, uint64_t pfn, uint64_t nr)
{
	uint64_t ppsb = PFN_DOWN(vm->sb_size), first_pfn, count = 0;

	if (!vm->in_sbm) {
		uint64_t bb = PFN_PHYS(pfn) / vm->sb_size;

		if (bb < vm->first_id || bb >= vm->next_id)
			return 0;
		return get_state(vm, bb) == VIRTIO_MEM_BBM_BB_FAKE_OFFLINE ? 0 : nr;
	}
	first_pfn = PFN_DOWN(mb_addr(vm, vm->first_id));
	/* The core onlines and offlines whole blocks: sub-block aligned. */
	if (pfn < first_pfn ||
	    (pfn - first_pfn) / ppsb + nr / ppsb > (vm->next_id - vm->first_id) * vm->sbs_per_mb)
		return 0;
	count = bitmap_weight_range(vm->sb_bitmap, (pfn - first_pfn) / ppsb, nr / ppsb);
	return count * ppsb;
}

/* virtio_mem_online_page_cb(): unplugged sub-blocks stay PageOffline
 * (the driver's); memory of other devices goes to the buddy as usual.
 * Returns the pages that went to the buddy; -ENOMEM from the page model
 * leaves the rest with the buddy, counted as the driver's. */
static uint64_t online_page_cb(void *data, uint64_t pfn, uint64_t nr)
{
	const struct virtio_mem *vm = device_of_pfn(data, pfn);
	uint64_t step, plugged;
	struct kernel *k;

	if (!vm)
		return nr;
	k = vm_kernel(vm);
	plugged = plugged_pages(vm, pfn, nr);
	if (plugged == nr)
		return nr;
	step = vm->in_sbm ? PFN_DOWN(vm->sb_size) : nr;
	for (uint64_t p = pfn; p < pfn + nr; p += step)
		if (!plugged_pages(vm, p, step))
			set_page_offline(k, p, step);
	return plugged;
}

/* ---- probe (virtio_mem_probe(), _init(), _init_hotplug()) ---- */

/* Mode and sizes (§7 step 6). */
static void init_mode(struct virtio_mem *vm)
{
	const struct virtio_mem_driver *drv = vm->drv;
	struct kernel *k = drv->k;
	uint64_t pageblock = k->pageblock_pages * PAGE_SIZE;

	vm->offline_threshold = 2 * mb_size(vm) > VIRTIO_MEM_DEFAULT_OFFLINE_THRESHOLD
				    ? 2 * mb_size(vm)
				    : VIRTIO_MEM_DEFAULT_OFFLINE_THRESHOLD;
	vm->sb_size = vm->device_block_size > pageblock ? vm->device_block_size : pageblock;
	if (vm->sb_size < mb_size(vm) && !drv->force_bbm) {
		vm->in_sbm = true;
		vm->sbs_per_mb = mb_size(vm) / vm->sb_size;
		vm->first_id = div_round_up(vm->addr, mb_size(vm));
	} else {
		vm->sb_size =
		    vm->device_block_size > mb_size(vm) ? vm->device_block_size : mb_size(vm);
		/* A bad bbm_block_size is warned about and ignored. */
		if (drv->bbm_block_size && is_power_of_2(drv->bbm_block_size) &&
		    drv->bbm_block_size >= vm->sb_size)
			vm->sb_size = drv->bbm_block_size;
		vm->first_id = div_round_up(vm->addr, vm->sb_size);
		if (2 * vm->sb_size > vm->offline_threshold)
			vm->offline_threshold = 2 * vm->sb_size;
	}
	vm->next_id = vm->limit_id = vm->first_id;
}

/* The node: the config's proximity domain when ACPI_PXM was negotiated and
 * names a node, else the firmware's node of the address. */
static int device_nid(const struct virtio_mem *vm, bool acpi_pxm, uint16_t node_id)
{
	struct kernel *k = vm_kernel(vm);

	if (acpi_pxm && node_id < k->nr_node_ids && k->nodes[node_id].possible)
		return node_id;
	return kernel_phys_to_nid(k, vm->addr);
}

static int negotiate(struct virtio_mem_driver *drv, unsigned int dev, uint64_t *accepted)
{
	uint64_t want =
	    (1ULL << VIRTIO_MEM_F_ACPI_PXM) | (1ULL << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE);

	if (drv->k->version == MEMHP_KERNEL_6_12)
		want |= 1ULL << VIRTIO_MEM_F_PERSISTENT_SUSPEND;
	*accepted = drv->t.get_features(drv->t.ctx, dev) & want;
	return drv->t.finalize_features(drv->t.ctx, dev, *accepted);
}

static void vm_free(struct virtio_mem *vm)
{
	if (!vm)
		return;
	free(vm->states);
	free(vm->sb_bitmap);
	free(vm);
}

static struct virtio_mem *find_dev(const struct virtio_mem_driver *drv, unsigned int dev)
{
	for (size_t i = 0; i < drv->nr_devs; i++)
		if (drv->devs[i]->dev == dev)
			return drv->devs[i];
	return NULL;
}

/* Registers what a bound device needs; on error undoes it all. */
static int vm_register(struct virtio_mem_driver *drv, struct virtio_mem *vm)
{
	struct kernel *k = drv->k;
	struct memory_notifier nb = {.call = memory_notifier_cb, .data = vm};
	struct online_page_callback cb = {
	    .online = online_page_cb, .data = drv};
	uint64_t unit = vm->in_sbm ? mb_size(vm) : vm->sb_size;
	int ret;

	if (array_grow(&drv->devs, &drv->devs_cap, drv->nr_devs + 1, sizeof(*drv->devs)))
		return -ENOMEM;
	ret = memory_group_register_dynamic(&k->groups, k->nodes, vm->nid, PFN_DOWN(unit),
					    k->pages_per_block);
	if (ret < 0)
		return ret;
	vm->mgid = ret;
	ret = register_memory_notifier(k, &nb);
	if (!ret && !drv->callback_installed) {
		ret = set_online_page_callback(k, &cb);
		if (ret)
			unregister_memory_notifier(k, vm);
		else
			drv->callback_installed = true;
	}
	if (ret) {
		memory_group_unregister(&k->groups, vm->mgid);
		return ret;
	}
	drv->devs[drv->nr_devs++] = vm;
	return 0;
}

/* virtio_mem_create_resource(): the device's whole region, named after
 * the virtio device (dev_name(): "virtioN", N its index on the virtio bus,
 * which is the transport's), claimed but not busy, so that the memory the
 * driver adds nests below it. -EBUSY when something holds part of it. */
static int create_resource(struct virtio_mem *vm)
{
	char name[RESOURCE_NAME_MAX];

	snprintf(name, sizeof(name), "virtio%u", vm->dev);
	return request_mem_region(&vm_kernel(vm)->iomem, vm->addr, vm->region_size, name, false,
				  &vm->parent_resource);
}

/* virtio_mem_probe(): 0 when bound, -ENODEV/-EINVAL/-EBUSY when the
 * device stays unbound, -ENOMEM. */
static int probe(struct virtio_mem_driver *drv, unsigned int dev)
{
	struct virtio_mem_config cfg;
	struct virtio_mem *vm;
	uint64_t features;
	int ret;

	if (find_dev(drv, dev))
		return -EBUSY;
	ret = negotiate(drv, dev, &features);
	if (ret)
		return ret;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	drv->t.get_config(drv->t.ctx, dev, &cfg);
	*vm = (struct virtio_mem){
	    .drv = drv,
	    .dev = dev,
	    .device_block_size = cfg.block_size,
	    .addr = cfg.addr,
	    .region_size = cfg.region_size,
	    .plugged_size = cfg.plugged_size,
	    .retry_interval = VIRTIO_MEM_RETRY_TIMER_MIN,
	};
	/* A device the driver cannot use (virtio_mem_init()'s checks). */
	if (!cfg.block_size || !cfg.region_size || cfg.addr + cfg.region_size < cfg.addr) {
		vm_free(vm);
		return -EINVAL;
	}
	vm->nid = device_nid(vm, features & (1ULL << VIRTIO_MEM_F_ACPI_PXM), cfg.node_id);
	init_mode(vm);
	INIT_WORK(&vm->wq, work_fn);
	timer_setup(&vm->retry_timer, timer_fn);
	ret = create_resource(vm);
	if (!ret)
		ret = vm_register(drv, vm);
	if (ret) {
		release_mem_resource(vm->parent_resource);
		vm_free(vm);
		return ret;
	}
	/* Memory left plugged (a reboot while the host was busy). */
	if (vm->plugged_size)
		vm->unplug_all_required = true;
	vm->config_changed = true;
	virtio_mem_retry(vm);
	return 0;
}

/* A probe failure leaves the device unbound, as on a real guest. */
static int probe_status(int ret)
{
	return ret == -ENOMEM ? ret : 0;
}

int virtio_mem_scan(struct virtio_mem_driver *drv)
{
	unsigned int dev = 0;
	int ret = 0;

	while (!ret && !drv->t.next_device(drv->t.ctx, &dev)) {
		ret = probe_status(probe(drv, dev));
		dev++;
	}
	return ret;
}

int virtio_mem_notify(struct virtio_mem_driver *drv, unsigned int dev, int event)
{
	struct virtio_mem *vm;

	if (event == VIRTIO_EVENT_DEVICE_ADDED)
		return probe_status(probe(drv, dev));
	vm = find_dev(drv, dev);
	/* virtio_mem_config_changed() */
	if (vm && event == VIRTIO_EVENT_CONFIG_CHANGED) {
		vm->config_changed = true;
		virtio_mem_retry(vm);
	}
	return 0;
}

/* ---- module ---- */

/* kstrtobool(): the first character decides (y/Y/1, n/N/0), or "on" /
 * "off" by the second; anything else is -EINVAL. */
static bool parse_bool(const char *v, bool *out)
{
	switch (v[0]) {
	case 'y':
	case 'Y':
	case '1':
		*out = true;
		return true;
	case 'n':
	case 'N':
	case '0':
		*out = false;
		return true;
	case 'o':
	case 'O':
		if (v[1] == 'n' || v[1] == 'N' || v[1] == 'f' || v[1] == 'F') {
			*out = v[1] == 'n' || v[1] == 'N';
			return true;
		}
		return false;
	default:
		return false;
	}
}

/* param_set_bool()/param_set_ulong(); bools take 1/0, y/n, on/off. */
static int param_store(struct virtio_mem_driver *drv, const char *name, const char *val)
{
	bool b;

	if (!strcmp(name, "bbm_block_size")) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(val, &end, 0);
		if (errno || end == val || (*end && strcmp(end, "\n")) || *val == '-')
			return -EINVAL;
		drv->bbm_block_size = v;
		return 0;
	}
	if (!parse_bool(val, &b))
		return -EINVAL;
	if (!strcmp(name, "unplug_online"))
		drv->unplug_online = b;
	else if (!strcmp(name, "force_bbm"))
		drv->force_bbm = b;
	else if (!strcmp(name, "bbm_safe_unplug") && drv->k->version == MEMHP_KERNEL_6_1)
		drv->bbm_safe_unplug = b;
	else
		return -ENOENT;
	return 0;
}

/* What modprobe hands the module: the virtio_mem.* words of the command
 * line; a bad value is logged and ignored. */
static void load_params(struct virtio_mem_driver *drv)
{
	static const char prefix[] = "virtio_mem.";
	const char *p = drv->k->saved_command_line;

	while (p && *p) {
		size_t len = strcspn(p, " \t\n");
		char word[256];

		if (len > strlen(prefix) && len < sizeof(word) &&
		    !strncmp(p, prefix, strlen(prefix))) {
			char *eq;

			memcpy(word, p + strlen(prefix), len - strlen(prefix));
			word[len - strlen(prefix)] = '\0';
			eq = strchr(word, '=');
			if (eq) {
				*eq = '\0';
				param_store(drv, word, eq + 1);
			}
		}
		p += len;
		p += strspn(p, " \t\n");
	}
}

static const char *const *module_param_names(const void *data)
{
	return virtio_mem_param_names(data);
}

static int module_param_get(const void *data, const char *param, char *buf, size_t len)
{
	return virtio_mem_param_get(data, param, buf, len);
}

static int module_param_set(void *data, const char *param, const char *val)
{
	return virtio_mem_param_set(data, param, val);
}

static bool module_param_writable(const void *data, const char *param)
{
	(void)data;
	return !strcmp(param, "unplug_online");
}

int virtio_mem_driver_create(struct kernel *k, const struct virtio_mem_transport *t,
			     struct virtio_mem_driver **out)
{
	struct virtio_mem_driver *drv = calloc(1, sizeof(*drv));
	struct kernel_module mod = {
	    .name = "virtio_mem",
	    .param_names = module_param_names,
	    .param_get = module_param_get,
	    .param_set = module_param_set,
	    .param_writable = module_param_writable,
	    .data = drv,
	};
	int ret;

	if (!drv)
		return -ENOMEM;
	drv->k = k;
	drv->t = *t;
	drv->unplug_online = true;
	drv->bbm_safe_unplug = true;
	load_params(drv);
	ret = kernel_register_module(k, &mod);
	if (ret) {
		free(drv);
		return ret;
	}
	*out = drv;
	return 0;
}

void virtio_mem_driver_free(struct virtio_mem_driver *drv)
{
	if (!drv)
		return;
	for (size_t i = 0; i < drv->nr_devs; i++) {
		struct virtio_mem *vm = drv->devs[i];

		cancel_work(drv->k, &vm->wq);
		del_timer(drv->k, &vm->retry_timer);
		unregister_memory_notifier(drv->k, vm);
		vm_free(vm);
	}
	restore_online_page_callback(drv->k, drv);
	kernel_unregister_module(drv->k, drv);
	free(drv->devs);
	free(drv);
}

const char *const *virtio_mem_param_names(const struct virtio_mem_driver *drv)
{
	static const char *const v6_1[] = {"bbm_block_size", "bbm_safe_unplug", "force_bbm",
					   "unplug_online", NULL};
	static const char *const v6_12[] = {"bbm_block_size", "force_bbm", "unplug_online", NULL};

	return drv->k->version == MEMHP_KERNEL_6_1 ? v6_1 : v6_12;
}

int virtio_mem_param_get(const struct virtio_mem_driver *drv, const char *name, char *buf,
			 size_t len)
{
	if (!strcmp(name, "bbm_block_size"))
		return snprintf(buf, len, "%" PRIu64, drv->bbm_block_size);
	if (!strcmp(name, "unplug_online"))
		return snprintf(buf, len, "%c", drv->unplug_online ? 'Y' : 'N');
	if (!strcmp(name, "force_bbm"))
		return snprintf(buf, len, "%c", drv->force_bbm ? 'Y' : 'N');
	if (!strcmp(name, "bbm_safe_unplug") && drv->k->version == MEMHP_KERNEL_6_1)
		return snprintf(buf, len, "%c", drv->bbm_safe_unplug ? 'Y' : 'N');
	return -ENOENT;
}

int virtio_mem_param_set(struct virtio_mem_driver *drv, const char *name, const char *val)
{
	char tmp[8];

	/* Only unplug_online is 0644. */
	if (strcmp(name, "unplug_online"))
		return virtio_mem_param_get(drv, name, tmp, sizeof(tmp)) < 0 ? -ENOENT : -EPERM;
	return param_store(drv, name, val);
}

/* ---- what others may read ---- */

int virtio_mem_get_info(const struct virtio_mem_driver *drv, unsigned int dev,
			struct virtio_mem_info *out)
{
	const struct virtio_mem *vm = find_dev(drv, dev);

	if (!vm)
		return -ENODEV;
	*out = (struct virtio_mem_info){
	    .dev = dev,
	    .sbm = vm->in_sbm,
	    .nid = vm->nid,
	    .mgid = vm->mgid,
	    .addr = vm->addr,
	    .region_size = vm->region_size,
	    .device_block_size = vm->device_block_size,
	    .sb_size = vm->sb_size,
	    .unit_pages = PFN_DOWN(vm->in_sbm ? mb_size(vm) : vm->sb_size),
	    .first_id = vm->first_id,
	    .next_id = vm->next_id,
	    .limit_id = vm->limit_id,
	    .plugged_size = vm->plugged_size,
	    .requested_size = vm->requested_size,
	    .offline_size = vm->offline_size,
	    .offline_threshold = vm->offline_threshold,
	    .wait = vm->broken ? VIRTIO_MEM_WAIT_BROKEN : vm->wait,
	    .last_rc = vm->last_rc,
	    .timer_armed = timer_pending(&vm->retry_timer),
	    .timer_expires = vm->retry_timer.expires,
	    .retry_interval = vm->retry_interval,
	};
	return 0;
}

int virtio_mem_block_state(const struct virtio_mem_driver *drv, unsigned int dev, uint64_t mb_id,
			   int *state, uint64_t *nr_plugged)
{
	const struct virtio_mem *vm = find_dev(drv, dev);
	uint64_t id;

	if (!vm)
		return -ENODEV;
	id = vm->in_sbm ? mb_id : mb_id * mb_size(vm) / vm->sb_size;
	if (id < vm->first_id || id >= vm->next_id)
		return -ERANGE;
	*state = get_state(vm, id);
	if (vm->in_sbm)
		*nr_plugged = bitmap_weight_range(vm->sb_bitmap, sb_bit(vm, id, 0), vm->sbs_per_mb);
	else
		*nr_plugged = *state != VIRTIO_MEM_BBM_BB_UNUSED;
	return 0;
}

const char *virtio_mem_sbm_state_name(int state)
{
	static const char *const names[] = {"unused",	       "plugged",	 "offline",
					    "offline_partial", "kernel",	 "kernel_partial",
					    "movable",	       "movable_partial"};

	return state >= 0 && state < VIRTIO_MEM_SBM_MB_COUNT ? names[state] : "?";
}

const char *virtio_mem_bbm_state_name(int state)
{
	static const char *const names[] = {"unused", "plugged", "added", "fake_offline"};

	return state >= 0 && state < VIRTIO_MEM_BBM_BB_COUNT ? names[state] : "?";
}

const char *virtio_mem_wait_name(enum virtio_mem_wait wait)
{
	static const char *const names[] = {"none",	    "granularity", "usable", "threshold",
					    "offline-only", "timer",	   "broken"};

	return (size_t)wait < sizeof(names) / sizeof(names[0]) ? names[wait] : "?";
}

/* ---- invariants ---- */

/* SBM block mb_id against the kernel's block: added exactly in the added
 * states, online exactly in the online ones, in the right zone kind. */
static int check_sbm_block(const struct virtio_mem *vm, uint64_t id, char *msg, size_t len)
{
	const struct memory_block *b = find_memory_block(vm_kernel(vm), id);
	int state = get_state(vm, id);
	bool added = state >= VIRTIO_MEM_SBM_MB_OFFLINE;
	bool online = state >= VIRTIO_MEM_SBM_MB_KERNEL;
	bool movable = state >= VIRTIO_MEM_SBM_MB_MOVABLE;
	bool full = state == VIRTIO_MEM_SBM_MB_OFFLINE || state == VIRTIO_MEM_SBM_MB_KERNEL ||
		    state == VIRTIO_MEM_SBM_MB_MOVABLE;

	if (added != (b != NULL) || (b && (b->state == MEM_ONLINE) != online))
		return invariant_failed(msg, len, "virtio-mem-block",
					"device %u: memory%" PRIu64 " is %s to the driver but %s",
					vm->dev, id, virtio_mem_sbm_state_name(state),
					b ? memory_block_state_name(b->state) : "absent");
	if (online && (b->zone->type == ZONE_MOVABLE) != movable)
		return invariant_failed(msg, len, "virtio-mem-block",
					"device %u: memory%" PRIu64 " is %s but in zone %s",
					vm->dev, id, virtio_mem_sbm_state_name(state),
					zone_name(b->zone->type));
	if (added && full != sb_plugged(vm, id, 0, vm->sbs_per_mb))
		return invariant_failed(
		    msg, len, "virtio-mem-block",
		    "device %u: memory%" PRIu64 " is %s with %" PRIu64 " of %" PRIu64
		    " sub-blocks plugged",
		    vm->dev, id, virtio_mem_sbm_state_name(state),
		    bitmap_weight_range(vm->sb_bitmap, sb_bit(vm, id, 0), vm->sbs_per_mb),
		    vm->sbs_per_mb);
	if (b && (b->group == NULL || b->group->stats.id != vm->mgid))
		return invariant_failed(msg, len, "virtio-mem-block",
					"device %u: memory%" PRIu64 " is not in group %d", vm->dev,
					id, vm->mgid);
	return 0;
}

static int check_device(const struct virtio_mem *vm, char *msg, size_t len)
{
	struct kernel *k = vm_kernel(vm);
	uint64_t counts[VIRTIO_MEM_SBM_MB_COUNT] = {0}, plugged = 0, offline = 0;
	int ret = 0;

	for (uint64_t id = vm->first_id; !ret && id < vm->next_id; id++) {
		int state = get_state(vm, id);

		counts[state]++;
		if (vm->in_sbm) {
			plugged +=
			    bitmap_weight_range(vm->sb_bitmap, sb_bit(vm, id, 0), vm->sbs_per_mb);
			ret = check_sbm_block(vm, id, msg, len);
		} else if (state != VIRTIO_MEM_BBM_BB_UNUSED) {
			plugged++;
		}
	}
	if (ret)
		return ret;
	for (int s = 0; s < VIRTIO_MEM_SBM_MB_COUNT; s++)
		if (counts[s] != vm->state_count[s])
			return invariant_failed(msg, len, "virtio-mem-count",
						"device %u: %" PRIu64
						" blocks in state %d, counted %" PRIu64,
						vm->dev, counts[s], s, vm->state_count[s]);
	if (plugged * vm->sb_size != vm->plugged_size)
		return invariant_failed(msg, len, "virtio-mem-plugged",
					"device %u: plugged_size %" PRIu64 " but %" PRIu64
					" bytes plugged in its states",
					vm->dev, vm->plugged_size, plugged * vm->sb_size);
	for (uint64_t id = vm->addr / k->block_size;
	     id < (vm->addr + vm->region_size) / k->block_size; id++) {
		const struct memory_block *b = find_memory_block(k, id);

		if (b && b->state == MEM_OFFLINE)
			offline += k->block_size;
	}
	if (offline != vm->offline_size)
		return invariant_failed(msg, len, "virtio-mem-offline-size",
					"device %u: offline_size %" PRIu64 " but %" PRIu64
					" bytes of its blocks are offline",
					vm->dev, vm->offline_size, offline);
	return 0;
}

int virtio_mem_check(const struct virtio_mem_driver *drv, char *msg, size_t len)
{
	for (size_t i = 0; i < drv->nr_devs; i++) {
		int ret = check_device(drv->devs[i], msg, len);

		if (ret)
			return ret;
	}
	return 0;
}
