#include "mm_types.h"

#include <errno.h>

#include "array.h"
#include "strparse.h"

static const char *const zone_names[MAX_NR_ZONES] = {
	[ZONE_DMA] = "DMA",
	[ZONE_DMA32] = "DMA32",
	[ZONE_NORMAL] = "Normal",
	[ZONE_MOVABLE] = "Movable",
};

static const char *const mmop_names[] = {
	[MMOP_OFFLINE] = "offline",
	[MMOP_ONLINE] = "online",
	[MMOP_ONLINE_KERNEL] = "online_kernel",
	[MMOP_ONLINE_MOVABLE] = "online_movable",
};

const char *zone_name(enum zone_type z)
{
	return z < MAX_NR_ZONES ? zone_names[z] : "?";
}

const char *mmop_name(enum mmop t)
{
	return (size_t)t < ARRAY_SIZE(mmop_names) ? mmop_names[t] : "?";
}

int mmop_from_str(const char *s, enum mmop *t)
{
	for (size_t i = 0; i < ARRAY_SIZE(mmop_names); i++) {
		if (sysfs_streq(s, mmop_names[i])) {
			*t = (enum mmop)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *memory_block_state_name(enum memory_block_state s)
{
	switch (s) {
	case MEM_ONLINE:
		return "online";
	case MEM_GOING_OFFLINE:
		return "going-offline";
	case MEM_OFFLINE:
		return "offline";
	default:
		break;
	}
	return "ERROR-UNKNOWN";
}

const char *online_policy_name(enum online_policy p)
{
	return p == ONLINE_POLICY_AUTO_MOVABLE ? "auto-movable" : "contig-zones";
}
