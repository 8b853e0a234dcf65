/* /etc/memhp.conf: the memory hotplug settings `memhp configure` applies.
 * `key = value` lines named after the kernel's settings, `#` comments;
 * values checked with the parsers the kernel's stores use, so a value
 * accepted here is one the kernel accepts. Parsed separately from the tool
 * so that the fuzz harness reaches it without a machine. */
#ifndef MEMHP_CONF_H
#define MEMHP_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* The most memhp configure reads of a config file. */
#define MEMHP_CONF_MAX	   (64u << 10)
#define MEMHP_CONF_DEFAULT "/etc/memhp.conf"

enum conf_key {
	CONF_ONLINE_POLICY,	      /* memory_hotplug.online_policy */
	CONF_AUTO_MOVABLE_RATIO,      /* memory_hotplug.auto_movable_ratio */
	CONF_AUTO_MOVABLE_NUMA_AWARE, /* memory_hotplug.auto_movable_numa_aware */
	CONF_AUTO_ONLINE_BLOCKS,      /* /sys/devices/system/memory/auto_online_blocks */
	CONF_MEMMAP_ON_MEMORY,	      /* memory_hotplug.memmap_on_memory: checked only */
	CONF_NR_KEYS,
};

/* One setting: its canonical value (what is written, and what a read of
 * the kernel's file is compared with) and where it came from. */
struct conf_value {
	bool set;
	char value[16];	  /* "auto-movable", "301", "Y", "online", "force" */
	char origin[288]; /* "FILE:LINE" or "--set ARG" (cut short if long) */
};

struct memhp_conf {
	struct conf_value v[CONF_NR_KEYS];
};

/* The key's name in the config file (and the kernel's file name). */
const char *conf_key_name(enum conf_key key);
/* Its file on the machine ("/sys/module/memory_hotplug/parameters/..."). */
const char *conf_key_path(enum conf_key key);

/* Canonical form of a value for key, as the kernel's store parses it
 * (sysfs_streq for names, kstrtouint, kstrtobool); buf gets it. 0, or
 * -EINVAL with the accepted values in why. Also turns what the kernel's
 * file shows ("Y\n", "301\n") into the same form, to compare. */
int conf_canonical(enum conf_key key, const char *val, char *buf, size_t len, struct strbuf *why);

/* Parses a config file's text (len bytes, may hold NUL bytes: refused)
 * into c, on top of what c has. name is the file's name for messages.
 * 0, or -EINVAL with "NAME:LINE: what was expected" lines in err (every
 * bad line, not only the first); c is then undefined. */
int conf_parse(struct memhp_conf *c, const char *name, const char *text, size_t len,
	       struct strbuf *err);

/* One --set KEY=VALUE, over the file's values; the same checks, the
 * message naming `--set ARG`. A key given twice with --set is refused. */
int conf_set_arg(struct memhp_conf *c, const char *arg, struct strbuf *err);

#endif
