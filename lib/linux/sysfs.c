/* The guest's /sys and /proc as the kernel shows them: one table of
 * attributes per directory kind, formats and errnos of the kernel, served
 * through the vfs interface over struct kernel (drivers/base/memory.c's
 * attributes, node.c's node lists, mm/vmstat.c's zoneinfo). */
#include "sysfs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "memory_hotplug.h"
#include "strbuf.h"

enum dir_kind {
	DIR_NONE,
	DIR_ROOT,
	DIR_SYS,
	DIR_SYS_DEVICES,
	DIR_SYS_DEVICES_SYSTEM,
	DIR_MEMORY,
	DIR_MEMORY_BLOCK,
	DIR_NODES,
	DIR_NODE,
	DIR_MODULE,
	DIR_MODULE_MH,
	DIR_PARAMS,
	DIR_PROC,
	DIR_PROC_SYS,
	DIR_PROC_SYS_VM,
	DIR_MODULE_LOADED,	  /* /sys/module/NAME of a registered module */
	DIR_MODULE_LOADED_PARAMS, /* its parameters */
};

/* Where a path led: the kernel as reads see it, and the block or node of
 * the directory. A store gets the writable kernel beside it. */
struct vfs_ctx {
	const struct kernel *k;
	const struct memory_block *block;
	int nid;
	const struct kernel_module *module;
};

struct attr {
	const char *name;
	unsigned int mode;
	bool (*visible)(const struct vfs_ctx *c);
	void (*show)(const struct vfs_ctx *c, struct strbuf *sb);
	int (*store)(struct kernel *k, const struct vfs_ctx *c, const char *buf);
};

/* ---- /sys/devices/system/memory ---- */

static void block_size_bytes_show(const struct vfs_ctx *c, struct strbuf *sb)
{
	strbuf_addf(sb, "%" PRIx64 "\n", c->k->block_size);
}

static void auto_online_blocks_show(const struct vfs_ctx *c, struct strbuf *sb)
{
	strbuf_addf(sb, "%s\n", mmop_name(c->k->auto_online_type));
}

static int auto_online_blocks_store(struct kernel *k, const struct vfs_ctx *c, const char *buf)
{
	enum mmop t;

	(void)c;
	if (mmop_from_str(buf, &t))
		return -EINVAL;
	k->auto_online_type = t;
	return 0;
}

static bool is_6_12(const struct vfs_ctx *c)
{
	return c->k->version == MEMHP_KERNEL_6_12;
}

static void crash_hotplug_show(const struct vfs_ctx *c, struct strbuf *sb)
{
	(void)c;
	/* No crash kernel is loaded in the modelled guest. */
	strbuf_add(sb, "0\n");
}

static int hwpoison_store(struct kernel *k, const struct vfs_ctx *c, const char *buf)
{
	(void)k;
	(void)c;
	(void)buf;
	return -EOPNOTSUPP; /* hwpoison is not modelled yet */
}

static const struct attr memory_root_attrs[] = {
	{.name = "auto_online_blocks", .mode = 0644, .show = auto_online_blocks_show,
	 .store = auto_online_blocks_store},
	{.name = "block_size_bytes", .mode = 0444, .show = block_size_bytes_show},
	{.name = "crash_hotplug", .mode = 0444, .visible = is_6_12, .show = crash_hotplug_show},
	{.name = "hard_offline_page", .mode = 0200, .visible = is_6_12, .store = hwpoison_store},
	{.name = "soft_offline_page", .mode = 0200, .visible = is_6_12, .store = hwpoison_store},
	{0},
};

/* ---- /sys/devices/system/memory/memoryN ---- */

static void phys_index_show(const struct vfs_ctx *c, struct strbuf *sb)
{
	strbuf_addf(sb, "%08" PRIx64 "\n", c->block->id);
}

static void phys_device_show(const struct vfs_ctx *c, struct strbuf *sb)
{
	(void)c;
	strbuf_add(sb, "0\n");
}

static void removable_show(const struct vfs_ctx *c, struct strbuf *sb)
{
	(void)c;
	strbuf_add(sb, "1\n");
}

static void state_show(const struct vfs_ctx *c, struct strbuf *sb)
{
	strbuf_addf(sb, "%s\n", memory_block_state_name(c->block->state));
}

static void online_show(const struct vfs_ctx *c, struct strbuf *sb)
{
	strbuf_addf(sb, "%d\n", c->block->state != MEM_OFFLINE);
}

void memory_block_valid_zones(const struct kernel *k, const struct memory_block *b,
			      struct strbuf *sb)
{
	uint64_t pfn = block_start_pfn(k, b), nr = k->pages_per_block;
	const struct zone *d, *kz, *mz;

	if (b->state == MEM_ONLINE) {
		strbuf_add(sb, b->zone ? zone_name(b->zone->type) : "none");
		return;
	}
	d = zone_for_pfn_range(k, MMOP_ONLINE, b->nid, b->group, pfn, nr);
	kz = zone_for_pfn_range(k, MMOP_ONLINE_KERNEL, b->nid, b->group, pfn, nr);
	mz = zone_for_pfn_range(k, MMOP_ONLINE_MOVABLE, b->nid, b->group, pfn, nr);
	strbuf_add(sb, zone_name(d->type));
	if (kz != d) {
		strbuf_addch(sb, ' ');
		strbuf_add(sb, zone_name(kz->type));
	}
	if (mz != d) {
		strbuf_addch(sb, ' ');
		strbuf_add(sb, zone_name(mz->type));
	}
}

static void valid_zones_show(const struct vfs_ctx *c, struct strbuf *sb)
{
	memory_block_valid_zones(c->k, c->block, sb);
	strbuf_add(sb, "\n");
}

/* The block as the writable kernel holds it (the path was resolved
 * through the read side). */
static int state_store(struct kernel *k, const struct vfs_ctx *c, const char *buf)
{
	return memory_block_state_store(k, find_memory_block(k, c->block->id), buf);
}

static int online_store(struct kernel *k, const struct vfs_ctx *c, const char *buf)
{
	return memory_block_online_store(k, find_memory_block(k, c->block->id), buf);
}

static const struct attr memory_block_attrs[] = {
	{.name = "online", .mode = 0644, .show = online_show, .store = online_store},
	{.name = "phys_device", .mode = 0444, .show = phys_device_show},
	{.name = "phys_index", .mode = 0444, .show = phys_index_show},
	{.name = "removable", .mode = 0444, .show = removable_show},
	{.name = "state", .mode = 0644, .show = state_show, .store = state_store},
	{.name = "valid_zones", .mode = 0444, .show = valid_zones_show},
	{0},
};

/* ---- /sys/devices/system/node ---- */

static void show_node_list(const struct vfs_ctx *c, struct strbuf *sb,
			   bool (*in)(const struct node *n))
{
	const char *sep = "";
	int nid = 0;

	/* The kernel's "%*pbl" range-list format: 0-2,5 */
	while (nid < c->k->nr_node_ids) {
		int end;

		if (!in(&c->k->nodes[nid])) {
			nid++;
			continue;
		}
		for (end = nid; end + 1 < c->k->nr_node_ids && in(&c->k->nodes[end + 1]); end++)
			;
		if (end == nid)
			strbuf_addf(sb, "%s%d", sep, nid);
		else
			strbuf_addf(sb, "%s%d-%d", sep, nid, end);
		sep = ",";
		nid = end + 1;
	}
	strbuf_add(sb, "\n");
}

static bool node_is_possible(const struct node *n)
{
	return n->possible;
}

static bool node_is_online(const struct node *n)
{
	return n->online;
}

static bool node_has_memory(const struct node *n)
{
	return n->n_memory;
}

static bool node_has_normal_memory(const struct node *n)
{
	return n->n_normal_memory;
}

static bool node_has_cpu(const struct node *n)
{
	return n->nr_cpus > 0;
}

#define NODE_LIST_SHOW(state)                                                                      \
	static void state##_show(const struct vfs_ctx *c, struct strbuf *sb)                       \
	{                                                                                          \
		show_node_list(c, sb, node_##state);                                               \
	}
NODE_LIST_SHOW(is_possible)
NODE_LIST_SHOW(is_online)
NODE_LIST_SHOW(has_memory)
NODE_LIST_SHOW(has_normal_memory)
NODE_LIST_SHOW(has_cpu)

static const struct attr node_root_attrs[] = {
	{.name = "has_cpu", .mode = 0444, .show = has_cpu_show},
	{.name = "has_memory", .mode = 0444, .show = has_memory_show},
	{.name = "has_normal_memory", .mode = 0444, .show = has_normal_memory_show},
	{.name = "online", .mode = 0444, .show = is_online_show},
	{.name = "possible", .mode = 0444, .show = is_possible_show},
	{0},
};

/* ---- /sys/module/memory_hotplug/parameters ---- */

static void param_show(const struct vfs_ctx *c, const char *name, struct strbuf *sb)
{
	char buf[32];

	kernel_param_get(c->k, name, buf, sizeof(buf));
	strbuf_addf(sb, "%s\n", buf);
}

#define PARAM(pname)                                                                               \
	static void pname##_show(const struct vfs_ctx *c, struct strbuf *sb)                       \
	{                                                                                          \
		param_show(c, #pname, sb);                                                         \
	}                                                                                          \
	static int pname##_store(struct kernel *k, const struct vfs_ctx *c, const char *buf)       \
	{                                                                                          \
		(void)c;                                                                           \
		return kernel_param_set(k, #pname, buf);                                           \
	}
PARAM(online_policy)
PARAM(auto_movable_ratio)
PARAM(auto_movable_numa_aware)

static void memmap_on_memory_show(const struct vfs_ctx *c, struct strbuf *sb)
{
	param_show(c, "memmap_on_memory", sb);
}

static const struct attr param_attrs[] = {
	{.name = "auto_movable_numa_aware", .mode = 0644, .show = auto_movable_numa_aware_show,
	 .store = auto_movable_numa_aware_store},
	{.name = "auto_movable_ratio", .mode = 0644, .show = auto_movable_ratio_show,
	 .store = auto_movable_ratio_store},
	/* Read-only after boot. */
	{.name = "memmap_on_memory", .mode = 0444, .show = memmap_on_memory_show},
	{.name = "online_policy", .mode = 0644, .show = online_policy_show,
	 .store = online_policy_store},
	{0},
};

/* ---- /proc ---- */

static void meminfo_show(const struct vfs_ctx *c, struct strbuf *sb)
{
	/* Only what the model knows; free-page counts are not modelled. */
	strbuf_addf(sb, "MemTotal:       %8" PRIu64 " kB\n", c->k->totalram_pages << (PAGE_SHIFT - 10));
}

static void zoneinfo_show(const struct vfs_ctx *c, struct strbuf *sb)
{
	for (int nid = 0; nid < c->k->nr_node_ids; nid++) {
		const struct node *n = &c->k->nodes[nid];

		if (!n->online)
			continue;
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			const struct zone *z = &n->zones[t];

			strbuf_addf(sb, "Node %d, zone %8s", nid, zone_name(z->type));
			strbuf_addf(sb, "\n        spanned  %" PRIu64 "\n        present  %" PRIu64
					"\n        managed  %" PRIu64,
				    z->spanned_pages, z->present_pages, z->managed_pages);
			if (populated_zone(z))
				strbuf_addf(sb, "\n  start_pfn:           %" PRIu64, z->start_pfn);
			strbuf_add(sb, "\n");
		}
	}
}

/* /proc/sys/vm/nr_hugepages (hugetlb_sysctl_handler()): the 2 MiB pool. */
static void nr_hugepages_show(const struct vfs_ctx *c, struct strbuf *sb)
{
	strbuf_addf(sb, "%" PRIu64 "\n", c->k->page_alloc.hstate.nr_huge_pages);
}

static int nr_hugepages_store(struct kernel *k, const struct vfs_ctx *c, const char *buf)
{
	unsigned long long count;
	char *end;

	(void)c;
	while (*buf == ' ' || *buf == '\t')
		buf++;
	if (*buf < '0' || *buf > '9')
		return -EINVAL;
	errno = 0;
	count = strtoull(buf, &end, 10);
	if (errno || (*end && strcmp(end, "\n")))
		return -EINVAL;
	return set_max_huge_pages(k, count);
}

static const struct attr proc_sys_vm_attrs[] = {
	{.name = "nr_hugepages", .mode = 0644, .show = nr_hugepages_show,
	 .store = nr_hugepages_store},
	{0},
};

/* /proc/cmdline: the command line the kernel booted with. The QEMU
 * backend's own words (console=ttyS0 nokaslr panic=-1) are not the
 * scenario's and are not shown. */
static void cmdline_show(const struct vfs_ctx *c, struct strbuf *sb)
{
	strbuf_addf(sb, "%s\n", c->k->saved_command_line ? c->k->saved_command_line : "");
}

/* /proc/iomem: the memory resources only (boot RAM, hot-added ranges,
 * drivers' regions); the model has no PCI, ACPI, ROM or kernel-image
 * resources. A real kernel shows non-root readers zeros (iomem_is_
 * exclusive()/kptr_restrict); the model always shows the addresses. */
static void iomem_proc_show(const struct vfs_ctx *c, struct strbuf *sb)
{
	iomem_show(&c->k->iomem, sb);
}

static const struct attr proc_attrs[] = {
	{.name = "cmdline", .mode = 0444, .show = cmdline_show},
	{.name = "iomem", .mode = 0444, .show = iomem_proc_show},
	{.name = "meminfo", .mode = 0444, .show = meminfo_show},
	{.name = "zoneinfo", .mode = 0444, .show = zoneinfo_show},
	{0},
};

/* ---- path resolution ---- */

struct fixed_dir {
	const char *path;
	size_t len; /* strlen(path), for resolve()'s prefix test */
	enum dir_kind kind;
	const char *const *children; /* subdirectories shown in listings */
	const struct attr *attrs;
};

static const char *const root_children[] = {"proc", "sys", NULL};
static const char *const sys_children[] = {"devices", "module", NULL};
static const char *const devices_children[] = {"system", NULL};
static const char *const system_children[] = {"memory", "node", NULL};
static const char *const module_children[] = {"memory_hotplug", NULL};
static const char *const mh_children[] = {"parameters", NULL};
static const char *const proc_children[] = {"sys", NULL};
static const char *const proc_sys_children[] = {"vm", NULL};

/* A fixed directory's path with its length. */
#define FIXED_DIR(path, ...) {path, sizeof(path) - 1, __VA_ARGS__}

static const struct fixed_dir fixed_dirs[] = {
	FIXED_DIR("/", DIR_ROOT, root_children, NULL),
	FIXED_DIR("/sys", DIR_SYS, sys_children, NULL),
	FIXED_DIR("/sys/devices", DIR_SYS_DEVICES, devices_children, NULL),
	FIXED_DIR("/sys/devices/system", DIR_SYS_DEVICES_SYSTEM, system_children, NULL),
	FIXED_DIR(MEMORY_DIR, DIR_MEMORY, NULL, memory_root_attrs),
	FIXED_DIR(NODE_DIR, DIR_NODES, NULL, node_root_attrs),
	FIXED_DIR("/sys/module", DIR_MODULE, module_children, NULL),
	FIXED_DIR("/sys/module/memory_hotplug", DIR_MODULE_MH, mh_children, NULL),
	FIXED_DIR(PARAMS_DIR, DIR_PARAMS, NULL, param_attrs),
	FIXED_DIR("/proc", DIR_PROC, proc_children, proc_attrs),
	FIXED_DIR("/proc/sys", DIR_PROC_SYS, proc_sys_children, NULL),
	FIXED_DIR("/proc/sys/vm", DIR_PROC_SYS_VM, NULL, proc_sys_vm_attrs),
};

struct resolved {
	enum vfs_type type;
	enum dir_kind dir;        /* VFS_DIR: which; VFS_FILE/LINK: the parent */
	const struct attr *attrs; /* of the directory */
	const struct attr *attr;  /* VFS_FILE */
	const char *param;	  /* VFS_FILE of a loaded module (attr NULL) */
	char link[128];            /* VFS_LINK target */
	struct vfs_ctx ctx;
};

static bool parse_index(const char *s, const char *prefix, uint64_t *v)
{
	size_t pl = strlen(prefix);
	char *end;

	if (strncmp(s, prefix, pl) || !s[pl] || s[pl] < '0' || s[pl] > '9')
		return false;
	if (s[pl] == '0' && s[pl + 1])
		return false; /* kernel names carry no leading zeros */
	*v = strtoull(s + pl, &end, 10);
	return *end == '\0';
}

static bool attr_visible(const struct attr *a, const struct vfs_ctx *c)
{
	return !a->visible || a->visible(c);
}

static const struct attr *find_attr(const struct attr *attrs, const struct vfs_ctx *c,
				    const char *name)
{
	for (; attrs && attrs->name; attrs++)
		if (!strcmp(attrs->name, name) && attr_visible(attrs, c))
			return attrs;
	return NULL;
}

/* Normalises "a//b/" to "a/b"; *outlen is its length. */
static int normalise(const char *path, char *out, size_t len, size_t *outlen)
{
	size_t n = 0;

	if (path[0] != '/')
		return -ENOENT;
	for (const char *p = path; *p; p++) {
		if (*p == '/' && n && out[n - 1] == '/')
			continue;
		if (n + 1 >= len)
			return -ENAMETOOLONG;
		out[n++] = *p;
	}
	if (n > 1 && out[n - 1] == '/')
		n--;
	out[n] = '\0';
	*outlen = n;
	return 0;
}

static const struct kernel_module *find_module(const struct kernel *k, const char *name)
{
	for (size_t i = 0; i < k->nr_modules; i++)
		if (!strcmp(k->modules[i].name, name))
			return &k->modules[i];
	return NULL;
}

static const char *find_param(const struct kernel_module *m, const char *name)
{
	for (const char *const *p = m->param_names(m->data); *p; p++)
		if (!strcmp(*p, name))
			return *p;
	return NULL;
}

/* /sys/module/NAME/parameters/PARAM of a module a driver registered. */
static bool resolve_module(struct resolved *r, const char *name)
{
	if (r->dir == DIR_MODULE && (r->ctx.module = find_module(r->ctx.k, name))) {
		r->type = VFS_DIR;
		r->dir = DIR_MODULE_LOADED;
		return true;
	}
	if (r->dir == DIR_MODULE_LOADED && !strcmp(name, "parameters")) {
		r->dir = DIR_MODULE_LOADED_PARAMS;
		return true;
	}
	if (r->dir == DIR_MODULE_LOADED_PARAMS && (r->param = find_param(r->ctx.module, name))) {
		r->type = VFS_FILE;
		return true;
	}
	return false;
}

static bool resolve_in_dir(struct resolved *r, const char *name)
{
	const struct kernel *k = r->ctx.k;
	uint64_t v;

	if ((r->dir == DIR_MODULE || r->dir == DIR_MODULE_LOADED ||
	     r->dir == DIR_MODULE_LOADED_PARAMS) &&
	    resolve_module(r, name))
		return true;
	if ((r->attr = find_attr(r->attrs, &r->ctx, name))) {
		r->type = VFS_FILE;
		return true;
	}
	if (r->dir == DIR_MEMORY && parse_index(name, "memory", &v) && find_memory_block(k, v)) {
		r->type = VFS_DIR;
		r->dir = DIR_MEMORY_BLOCK;
		r->attrs = memory_block_attrs;
		r->ctx.block = find_memory_block(k, v);
		return true;
	}
	if (r->dir == DIR_MEMORY_BLOCK && parse_index(name, "node", &v) && v < MAX_NUMNODES &&
	    (r->ctx.block->node_links & (1ULL << v))) {
		r->type = VFS_LINK;
		snprintf(r->link, sizeof(r->link), "../../node/node%" PRIu64, v);
		return true;
	}
	if (r->dir == DIR_MEMORY_BLOCK && !strcmp(name, "firmware_node") && r->ctx.block->fwnode) {
		r->type = VFS_LINK;
		snprintf(r->link, sizeof(r->link), "../../../%s", r->ctx.block->fwnode->path);
		return true;
	}
	if (r->dir == DIR_NODES && parse_index(name, "node", &v) && v < (uint64_t)k->nr_node_ids &&
	    k->nodes[v].online) {
		r->type = VFS_DIR;
		r->dir = DIR_NODE;
		r->attrs = NULL;
		r->ctx.nid = (int)v;
		return true;
	}
	if (r->dir == DIR_NODE && parse_index(name, "memory", &v)) {
		const struct memory_block *b = find_memory_block(k, v);

		if (b && (b->node_links & (1ULL << r->ctx.nid))) {
			r->type = VFS_LINK;
			snprintf(r->link, sizeof(r->link), "../../memory/memory%" PRIu64, v);
			return true;
		}
	}
	return false;
}

static int resolve(const struct kernel *k, const char *path, struct resolved *r)
{
	char norm[512], *name;
	size_t n, best = 0;
	int ret = normalise(path, norm, sizeof(norm), &n);

	if (ret)
		return ret;
	memset(r, 0, sizeof(*r));
	r->ctx.k = k;
	/* Longest fixed directory that is a prefix of the path. */
	for (size_t i = 0; i < ARRAY_SIZE(fixed_dirs); i++) {
		const struct fixed_dir *d = &fixed_dirs[i];
		size_t l = d->len;

		if (l > n || memcmp(norm, d->path, l) || (norm[l] && norm[l] != '/' && l > 1))
			continue;
		if (l >= best) {
			best = l;
			r->dir = d->kind;
			r->attrs = d->attrs;
		}
	}
	if (!best)
		return -ENOENT;
	r->type = VFS_DIR;
	name = norm + best;
	while (*name) {
		char *slash;

		if (*name == '/')
			name++;
		if (!*name)
			break;
		if (r->type != VFS_DIR)
			return -ENOTDIR;
		slash = strchr(name, '/');
		if (slash)
			*slash = '\0';
		if (!resolve_in_dir(r, name))
			return -ENOENT;
		if (!slash)
			break;
		name = slash + 1;
	}
	return 0;
}

static enum vfs_type sysfs_lookup(const void *ctx, const char *path, unsigned int *mode)
{
	struct resolved r;

	if (resolve(ctx, path, &r))
		return VFS_NONE;
	if (mode && r.type == VFS_FILE && r.param)
		*mode = r.ctx.module->param_writable(r.ctx.module->data, r.param) ? 0644 : 0444;
	else if (mode)
		*mode = r.type == VFS_FILE ? r.attr->mode : 0755;
	return r.type;
}

/* A loaded module's parameter, as param_attr_show() prints it. */
static int param_read(const struct resolved *r, char **out)
{
	const struct kernel_module *m = r->ctx.module;
	struct strbuf sb = {0};
	char buf[64];
	int n = m->param_get(m->data, r->param, buf, sizeof(buf));

	if (n < 0)
		return n;
	strbuf_addf(&sb, "%s\n", buf);
	return strbuf_detach(&sb, out);
}

static int sysfs_read(const void *ctx, const char *path, char **out)
{
	struct strbuf sb = {0};
	struct resolved r;
	int ret = resolve(ctx, path, &r);

	if (ret)
		return ret;
	if (r.type == VFS_DIR)
		return -EISDIR;
	if (r.type == VFS_LINK)
		return -ENOENT; /* links point at directories */
	if (r.param)
		return param_read(&r, out);
	if (!r.attr->show)
		return -EACCES;
	r.attr->show(&r.ctx, &sb);
	return strbuf_detach(&sb, out);
}

/* The attribute's store decides whether state changed on error. */
static int sysfs_write(void *wctx, const char *path, const char *buf)
{
	struct kernel *k = wctx;
	struct resolved r;
	int ret = resolve(k, path, &r);

	if (ret)
		return ret;
	if (r.type != VFS_FILE)
		return -EISDIR;
	if (r.param) {
		/* resolve() saw k as const; the module is k's own. */
		struct kernel_module *m = &k->modules[r.ctx.module - k->modules];

		if (!m->param_writable(m->data, r.param))
			return -EACCES;
		return m->param_set(m->data, r.param, buf);
	}
	if (!(r.attr->mode & 0200) || !r.attr->store)
		return -EACCES;
	return r.attr->store(k, &r.ctx, buf);
}

static int sysfs_readlink(const void *ctx, const char *path, char **target)
{
	struct resolved r;
	int ret = resolve(ctx, path, &r);

	if (ret)
		return ret;
	if (r.type != VFS_LINK)
		return -EINVAL;
	*target = strdup(r.link);
	return *target ? 0 : -ENOMEM;
}

/* A directory entry: name, or with numbered name and v in decimal
 * ("memory" 47: "memory47"; a listing of thousands of blocks is not
 * worth snprintf). name is one of this file's short prefixes. */
static void add_name(struct vfs_names *l, const char *name, uint64_t v, bool numbered)
{
	char buf[64], *p = buf + sizeof(buf);
	size_t n = strlen(name);

	if (!numbered) {
		vfs_names_add(l, name);
		return;
	}
	*--p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	/* 20 digits at most: room for a prefix of up to 43 characters. */
	if (n > (size_t)(p - buf))
		n = (size_t)(p - buf);
	p -= n;
	memcpy(p, name, n);
	vfs_names_add(l, p);
}

static void list_dynamic(const struct resolved *r, struct vfs_names *l)
{
	const struct kernel *k = r->ctx.k;
	const struct memory_block *b;
	uint64_t id;

	switch (r->dir) {
	case DIR_MEMORY:
		idtree_for_each(&k->blocks, id, b)
			add_name(l, "memory", id, true);
		break;
	case DIR_MEMORY_BLOCK:
		if (r->ctx.block->fwnode)
			add_name(l, "firmware_node", 0, false);
		for (int nid = 0; nid < MAX_NUMNODES; nid++)
			if (r->ctx.block->node_links & (1ULL << nid))
				add_name(l, "node", (uint64_t)nid, true);
		break;
	case DIR_NODES:
		for (int nid = 0; nid < k->nr_node_ids; nid++)
			if (k->nodes[nid].online)
				add_name(l, "node", (uint64_t)nid, true);
		break;
	case DIR_NODE:
		idtree_for_each(&k->blocks, id, b)
			if (b->node_links & (1ULL << r->ctx.nid))
				add_name(l, "memory", id, true);
		break;
	case DIR_MODULE:
		for (size_t i = 0; i < k->nr_modules; i++)
			add_name(l, k->modules[i].name, 0, false);
		break;
	case DIR_MODULE_LOADED:
		add_name(l, "parameters", 0, false);
		break;
	case DIR_MODULE_LOADED_PARAMS:
		for (const char *const *p = r->ctx.module->param_names(r->ctx.module->data); *p;
		     p++)
			add_name(l, *p, 0, false);
		break;
	default:
		break;
	}
}

static int sysfs_list(const void *ctx, const char *path, char ***names)
{
	struct vfs_names l = {0};
	struct resolved r;
	int ret = resolve(ctx, path, &r);

	if (ret)
		return ret;
	if (r.type != VFS_DIR)
		return -ENOTDIR;
	for (const struct attr *a = r.attrs; a && a->name; a++)
		if (attr_visible(a, &r.ctx))
			add_name(&l, a->name, 0, false);
	for (size_t i = 0; i < ARRAY_SIZE(fixed_dirs); i++)
		if (fixed_dirs[i].kind == r.dir && fixed_dirs[i].children)
			for (const char *const *c = fixed_dirs[i].children; *c; c++)
				add_name(&l, *c, 0, false);
	list_dynamic(&r, &l);
	return vfs_names_done(&l, names);
}

static const struct vfs_ops sysfs_ops = {
    .lookup = sysfs_lookup,
    .read = sysfs_read,
    .write = sysfs_write,
    .list = sysfs_list,
    .readlink = sysfs_readlink,
};

void kernel_sysfs(struct kernel *k, struct vfs *out)
{
	*out = (struct vfs){.ops = &sysfs_ops, .ctx = k, .wctx = k};
}

void kernel_sysfs_ro(const struct kernel *k, struct vfs *out)
{
	*out = (struct vfs){.ops = &sysfs_ops, .ctx = k};
}
