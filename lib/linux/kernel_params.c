/* The kernel command line and the memory_hotplug module parameters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "strparse.h"

#define MEMORY_HOTPLUG_PREFIX "memory_hotplug."

static int set_online_policy(struct kernel *k, const char *val)
{
	if (sysfs_streq(val, "contig-zones"))
		k->online_policy = ONLINE_POLICY_CONTIG_ZONES;
	else if (sysfs_streq(val, "auto-movable"))
		k->online_policy = ONLINE_POLICY_AUTO_MOVABLE;
	else
		return -EINVAL;
	return 0;
}

static int set_memmap_on_memory(struct kernel *k, const char *val)
{
	bool on;

	/* 6.12 knows "force" (waste pages to keep the memmap aligned); 6.1 has a
	 * plain bool, where "force" parses as false. */
	if (k->version == MEMHP_KERNEL_6_12 && (sysfs_streq(val, "force") || sysfs_streq(val, "FORCE"))) {
		k->memmap_on_memory = MEMMAP_ON_MEMORY_FORCE;
		return 0;
	}
	if (kstrtobool(val, &on))
		return -EINVAL;
	k->memmap_on_memory = on ? MEMMAP_ON_MEMORY_ENABLE : MEMMAP_ON_MEMORY_DISABLE;
	return 0;
}

int kernel_param_set(struct kernel *k, const char *name, const char *val)
{
	if (!strcmp(name, "online_policy"))
		return set_online_policy(k, val);
	if (!strcmp(name, "auto_movable_ratio"))
		return kstrtouint(val, &k->auto_movable_ratio);
	if (!strcmp(name, "auto_movable_numa_aware"))
		return kstrtobool(val, &k->auto_movable_numa_aware);
	if (!strcmp(name, "memmap_on_memory"))
		return set_memmap_on_memory(k, val);
	return -ENOENT;
}

int kernel_param_get(const struct kernel *k, const char *name, char *buf, size_t len)
{
	if (!strcmp(name, "online_policy"))
		return snprintf(buf, len, "%s", online_policy_name(k->online_policy));
	if (!strcmp(name, "auto_movable_ratio"))
		return snprintf(buf, len, "%u", k->auto_movable_ratio);
	if (!strcmp(name, "auto_movable_numa_aware"))
		return snprintf(buf, len, "%s", k->auto_movable_numa_aware ? "Y" : "N");
	if (!strcmp(name, "memmap_on_memory")) {
		const char *v = k->memmap_on_memory == MEMMAP_ON_MEMORY_FORCE    ? "force"
				: k->memmap_on_memory == MEMMAP_ON_MEMORY_ENABLE ? "Y"
										 : "N";
		return snprintf(buf, len, "%s", v);
	}
	return -ENOENT;
}

static void parse_core(const char *val, bool allow_mirror, enum core_kind *kind, uint64_t *v)
{
	const char *end;
	uint64_t n;

	if (allow_mirror && !strcmp(val, "mirror")) {
		*kind = CORE_MIRROR;
		return;
	}
	n = memparse(val, &end);
	if (*end == '%') {
		*kind = CORE_PERCENT;
		*v = n;
		return;
	}
	*kind = CORE_PAGES;
	*v = n >> PAGE_SHIFT;
}

static void parse_param(struct kernel *k, char *param)
{
	char *eq = strchr(param, '=');
	const char *val = eq ? eq + 1 : NULL;
	enum mmop type;

	if (eq)
		*eq = '\0';
	if (!strcmp(param, "memhp_default_state") && val) {
		/* An unknown value leaves the built-in default alone. */
		if (!mmop_from_str(val, &type)) {
			k->cmdline.has_default_online_type = true;
			k->cmdline.default_online_type = type;
		}
	} else if (!strcmp(param, "movable_node")) {
		k->cmdline.movable_node = true;
	} else if (!strcmp(param, "kernelcore") && val) {
		parse_core(val, true, &k->cmdline.kernelcore_kind, &k->cmdline.kernelcore);
	} else if (!strcmp(param, "movablecore") && val) {
		parse_core(val, false, &k->cmdline.movablecore_kind, &k->cmdline.movablecore);
	} else if (!strncmp(param, MEMORY_HOTPLUG_PREFIX, strlen(MEMORY_HOTPLUG_PREFIX)) && val) {
		/* A bad value is logged by the kernel and ignored. */
		if (kernel_param_set(k, param + strlen(MEMORY_HOTPLUG_PREFIX), val) == -ENOENT)
			k->cmdline.nr_unknown++;
	} else {
		/* Includes memory_block_size=: x86_64 6.1/6.12 have no such
		 * parameter, so it reaches init untouched. */
		k->cmdline.nr_unknown++;
	}
}

int kernel_parse_cmdline(struct kernel *k, const char *cmdline)
{
	char *copy, *tok, *save = NULL;

	if (!cmdline)
		return 0;
	copy = strdup(cmdline);
	free(k->saved_command_line);
	k->saved_command_line = strdup(cmdline);
	if (!copy || !k->saved_command_line) {
		free(copy);
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save))
		parse_param(k, tok);
	free(copy);
	return 0;
}
