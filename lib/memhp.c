/* The public API: a thin layer over the scenario runner. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "memhp/memhp.h"
#include "scenario.h"
#include "scenario_run.h"

struct memhp_run {
	struct scenario_run run;
};

int memhp_kernel_from_string(const char *s, enum memhp_kernel *out)
{
	if (!strcmp(s, "6.1"))
		*out = MEMHP_KERNEL_6_1;
	else if (!strcmp(s, "6.12"))
		*out = MEMHP_KERNEL_6_12;
	else
		return -EINVAL;
	return 0;
}

int memhp_run_file(const char *path, const struct memhp_run_options *opts, struct memhp_run **out,
		   char *err, size_t errlen)
{
	struct scenario_run_options ro = {
		.version = opts->kernel == MEMHP_KERNEL_6_1 ? KERNEL_6_1 : KERNEL_6_12,
		.sysroot_out = opts->sysroot_out,
	};
	struct scenario *sc;
	struct memhp_run *r;
	int ret;

	ret = scenario_parse_file(path, &sc, err, errlen);
	if (ret)
		return ret;
	r = calloc(1, sizeof(*r));
	if (!r) {
		scenario_free(sc);
		return -ENOMEM;
	}
	ret = scenario_run(sc, &ro, &r->run, err, errlen);
	scenario_free(sc);
	if (ret && !r->run.result) {
		free(r);
		return ret;
	}
	/* A run that started is a result, even if a step broke it ("error"). */
	*out = r;
	return 0;
}

void memhp_run_free(struct memhp_run *run)
{
	if (!run)
		return;
	scenario_run_release(&run->run);
	free(run);
}

struct json_object *memhp_run_result(const struct memhp_run *run)
{
	return run->run.result;
}

int memhp_run_for_each_block(const struct memhp_run *run,
			     int (*fn)(const struct memhp_block_info *b, void *arg), void *arg)
{
	const struct kernel *k = run->run.machine->kernel;
	const struct memory_block *b;
	uint64_t id;

	idtree_for_each(&k->blocks, id, b)
	{
		struct memhp_block_info info = {
			.id = id,
			.start = id * k->block_size,
			.size = k->block_size,
			.state = memory_block_state_name(b->state),
			.zone = b->state == MEM_ONLINE && b->zone ? zone_name(b->zone->type) : NULL,
			.node = b->nid,
		};
		int ret = fn(&info, arg);

		if (ret)
			return ret;
	}
	return 0;
}
