/* /etc/memhp.conf parsing (memhp_conf.h). */
#include "memhp_conf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "strparse.h"
#include "vfs.h"

struct key_info {
	const char *name;
	const char *path;
	const char *accepted;	  /* for messages */
	const char *const *names; /* NULL-terminated choices, or NULL */
	enum { KIND_NAME, KIND_UINT, KIND_BOOL, KIND_MEMMAP } kind;
};

/* mm/memory_hotplug.c online_policy_to_str[] */
static const char *const policy_names[] = {"contig-zones", "auto-movable", NULL};
/* drivers/base/memory.c online_type_to_str[] */
static const char *const online_names[] = {"offline", "online", "online_kernel", "online_movable",
					   NULL};

static const struct key_info keys[CONF_NR_KEYS] = {
    [CONF_ONLINE_POLICY] = {"online_policy", PARAMS_DIR "/online_policy",
			    "contig-zones or auto-movable", policy_names, KIND_NAME},
    [CONF_AUTO_MOVABLE_RATIO] = {"auto_movable_ratio", PARAMS_DIR "/auto_movable_ratio",
				 "an unsigned integer (percent; 0x hex and 0 octal as the kernel's "
				 "kstrtouint)",
				 NULL, KIND_UINT},
    [CONF_AUTO_MOVABLE_NUMA_AWARE] = {"auto_movable_numa_aware",
				      PARAMS_DIR "/auto_movable_numa_aware",
				      "a boolean as the kernel reads one: y, n, 1, 0, on, off, "
				      "true, false (any case)",
				      NULL, KIND_BOOL},
    [CONF_AUTO_ONLINE_BLOCKS] = {"auto_online_blocks", MEMORY_DIR "/auto_online_blocks",
				 "offline, online, online_kernel or online_movable", online_names,
				 KIND_NAME},
    [CONF_MEMMAP_ON_MEMORY] = {"memmap_on_memory", PARAMS_DIR "/memmap_on_memory",
			       "a boolean (y, n, 1, 0, on, off, true, false) or force (6.12)", NULL,
			       KIND_MEMMAP},
};

const char *conf_key_name(enum conf_key key)
{
	return keys[key].name;
}

const char *conf_key_path(enum conf_key key)
{
	return keys[key].path;
}

static int bool_canonical(const char *val, char *buf, size_t len)
{
	bool on;

	if (kstrtobool(val, &on))
		return -EINVAL;
	snprintf(buf, len, "%s", on ? "Y" : "N");
	return 0;
}

int conf_canonical(enum conf_key key, const char *val, char *buf, size_t len, struct strbuf *why)
{
	const struct key_info *k = &keys[key];
	unsigned int u;
	int ret = -EINVAL;

	switch (k->kind) {
	case KIND_NAME:
		for (const char *const *n = k->names; *n; n++)
			if (sysfs_streq(val, *n)) {
				snprintf(buf, len, "%s", *n);
				ret = 0;
			}
		break;
	case KIND_UINT:
		ret = kstrtouint(val, &u);
		if (!ret)
			snprintf(buf, len, "%u", u);
		break;
	case KIND_BOOL:
		ret = bool_canonical(val, buf, len);
		break;
	case KIND_MEMMAP:
		/* 6.12's param ops know "force" before the bool (6.1 has a
		 * plain bool, where it would read as false). */
		if (sysfs_streq(val, "force") || sysfs_streq(val, "FORCE")) {
			snprintf(buf, len, "force");
			ret = 0;
		} else {
			ret = bool_canonical(val, buf, len);
		}
		break;
	}
	if (ret && why)
		strbuf_addf(why, "expected %s for %s", k->accepted, k->name);
	return ret ? -EINVAL : 0;
}

static int find_key(const char *name, size_t len)
{
	for (int i = 0; i < CONF_NR_KEYS; i++)
		if (strlen(keys[i].name) == len && !strncmp(keys[i].name, name, len))
			return i;
	return -1;
}

static void known_keys(struct strbuf *sb)
{
	for (int i = 0; i < CONF_NR_KEYS; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", keys[i].name);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* [s, e) without blanks at either end. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && is_blank(**s))
		(*s)++;
	while (*e > *s && is_blank((*e)[-1]))
		(*e)--;
}

/* KEY = VALUE in [s, e) (comment already cut off); where names it in
 * messages and in the value's record. from_set: a --set, which may
 * override the file's value but not another --set. */
static int set_one(struct memhp_conf *c, const char *s, const char *e, const char *where,
		   bool from_set, struct strbuf *err)
{
	const char *eq = memchr(s, '=', (size_t)(e - s)), *ks = s, *ke, *vs, *ve = e;
	char val[64];
	int key;

	if (!eq) {
		strbuf_addf(err, "%s: expected KEY = VALUE (no '=')\n", where);
		return -EINVAL;
	}
	ke = eq;
	vs = eq + 1;
	trim(&ks, &ke);
	trim(&vs, &ve);
	key = find_key(ks, (size_t)(ke - ks));
	if (key < 0) {
		strbuf_addf(err, "%s: unknown key '%.*s'; expected one of ", where,
			    (int)(ke - ks > 64 ? 64 : ke - ks), ks);
		known_keys(err);
		strbuf_add(err, "\n");
		return -EINVAL;
	}
	if (c->v[key].set && (!from_set || !strncmp(c->v[key].origin, "--set", 5))) {
		strbuf_addf(err, "%s: duplicate key %s (first set at %s)\n", where, keys[key].name,
			    c->v[key].origin);
		return -EINVAL;
	}
	if ((size_t)(ve - vs) >= sizeof(val) || memchr(vs, '\0', (size_t)(ve - vs))) {
		strbuf_addf(err, "%s: ", where);
		conf_canonical(key, "", NULL, 0, err);
		strbuf_addf(err, " (value too long)\n");
		return -EINVAL;
	}
	memcpy(val, vs, (size_t)(ve - vs));
	val[ve - vs] = '\0';
	if (conf_canonical(key, val, c->v[key].value, sizeof(c->v[key].value), NULL)) {
		strbuf_addf(err, "%s: ", where);
		conf_canonical(key, val, NULL, 0, err);
		strbuf_addf(err, ", not '%s'\n", val);
		return -EINVAL;
	}
	c->v[key].set = true;
	snprintf(c->v[key].origin, sizeof(c->v[key].origin), "%s", where);
	return 0;
}

int conf_parse(struct memhp_conf *c, const char *name, const char *text, size_t len,
	       struct strbuf *err)
{
	const char *p = text, *end = text + len;
	unsigned int line = 0;
	int ret = 0;

	if (memchr(text, '\0', len)) {
		strbuf_addf(err, "%s: contains a NUL byte; expected a text file\n", name);
		return -EINVAL;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end, *hash;
		char where[288];

		line++;
		/* Values never hold '#': a comment may follow one. */
		hash = memchr(p, '#', (size_t)(e - p));
		if (hash)
			e = hash;
		trim(&p, &e);
		if (p < e) {
			snprintf(where, sizeof(where), "%s:%u", name, line);
			if (set_one(c, p, e, where, false, err))
				ret = -EINVAL;
		}
		p = nl ? nl + 1 : end;
	}
	return ret;
}

int conf_set_arg(struct memhp_conf *c, const char *arg, struct strbuf *err)
{
	const char *s = arg, *e = arg + strlen(arg);
	char origin[288];

	snprintf(origin, sizeof(origin), "--set %s", arg);
	trim(&s, &e);
	return set_one(c, s, e, origin, true, err);
}
