/* The vfs layer: its implementations answer the same calls with the same
 * errno values (vfs.h), a tree saved from one reads back the same through
 * another, and a snapshot is the same whichever one it is read from. */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array.h"
#include "snapshot.h"
#include "strbuf.h"
#include "sysfs_capture.h"
#include "test_util.h"

#define PARM "/sys/module/memory_hotplug/parameters"

/* ---- the model's /sys over struct kernel ---- */

/* A read-only handle (what views get) refuses writes and changes nothing. */
static void test_kernel_sysfs_ro(void **state)
{
	struct machine *m = tu_boot("-M pc -m 4G,slots=2,maxmem=8G", NULL, MEMHP_KERNEL_6_12);
	struct vfs ro;
	char *v = NULL;

	(void)state;
	kernel_sysfs_ro(m->kernel, &ro);
	assert_int_equal(vfs_read(&ro, MEM "/auto_online_blocks", &v), 0);
	assert_string_equal(v, "online\n"); /* Debian's 6.12 default */
	free(v);
	assert_int_equal(vfs_write(&ro, MEM "/auto_online_blocks", "offline\n"), -EROFS);
	assert_string_equal(tu_readf(m, MEM "/auto_online_blocks"), "online\n");
	/* the writable handle of the same kernel does write */
	assert_int_equal(vfs_write(TU_VFS(m), MEM "/auto_online_blocks", "offline\n"), 0);
	assert_int_equal(vfs_read(&ro, MEM "/auto_online_blocks", &v), 0);
	assert_string_equal(v, "offline\n");
	free(v);
	machine_free(m);
}

/* ---- a captured guest tree ---- */

#define F(path, content) "@@F " path "\n" content "@@EOF\n"
#define L(path, target)	 "@@L " path " " target "\n"
#define X(path)		 "@@F " path "\n@@X " path "\n@@EOF\n"

/* clang-format off */
static const char stream[] =
	F(MEM "/block_size_bytes", "8000000\n")
	F(MEM "/memory40/state", "offline\n")
	L(MEM "/memory40/node1", "../../node/node1")
	X(MEM "/memory40/phys_device")
	F(MEM "/memory400/state", "online\n")
	F(MEM "/memory40.x/state", "sorts before memory40/, after memory40\n")
	F("/proc/zoneinfo", "Node 1, zone  Movable\n");
/* clang-format on */

static void assert_names(char **names, const char *const *want)
{
	size_t i = 0;

	assert_non_null(names);
	for (; want[i]; i++) {
		assert_non_null(names[i]);
		assert_string_equal(names[i], want[i]);
	}
	assert_null(names[i]);
	vfs_free_list(names);
}

static void test_capture_vfs(void **state)
{
	static const char *const root[] = {"proc", "sys", NULL};
	static const char *const mem[] = {"block_size_bytes", "memory40", "memory40.x", "memory400",
					  NULL};
	static const char *const m40[] = {"node1", "phys_device", "state", NULL};
	struct sysfs_capture cap;
	struct vfs v;
	unsigned int mode = 0;
	char **names = NULL, *s = NULL;

	(void)state;
	assert_int_equal(sysfs_capture_parse(stream, &cap), 0);
	sysfs_capture_vfs(&cap, &v);

	assert_int_equal(vfs_lookup(&v, "/", &mode), VFS_DIR);
	assert_int_equal(mode, 0755);
	assert_int_equal(vfs_lookup(&v, MEM "/memory40", NULL), VFS_DIR);
	assert_int_equal(vfs_lookup(&v, MEM "/memory40/state", &mode), VFS_FILE);
	assert_int_equal(mode, 0444);
	assert_int_equal(vfs_lookup(&v, MEM "/memory40/node1", NULL), VFS_LINK);
	assert_int_equal(vfs_lookup(&v, MEM "/memory4", NULL), VFS_NONE);
	assert_int_equal(vfs_lookup(&v, MEM "/memory41", NULL), VFS_NONE);

	assert_int_equal(vfs_list(&v, "/", &names), 0);
	assert_names(names, root);
	assert_int_equal(vfs_list(&v, MEM, &names), 0);
	assert_names(names, mem);
	assert_int_equal(vfs_list(&v, MEM "/memory40", &names), 0);
	assert_names(names, m40);
	assert_int_equal(vfs_list(&v, MEM "/memory40/state", &names), -ENOTDIR);
	assert_int_equal(vfs_list(&v, MEM "/memory41", &names), -ENOENT);

	assert_int_equal(vfs_read(&v, MEM "/memory40/state", &s), 0);
	assert_string_equal(s, "offline\n");
	free(s);
	assert_int_equal(vfs_read(&v, MEM "/memory40/phys_device", &s), -EACCES);
	assert_int_equal(vfs_read(&v, MEM "/memory40", &s), -EISDIR);
	assert_int_equal(vfs_read(&v, MEM "/memory41/state", &s), -ENOENT);

	assert_int_equal(vfs_readlink(&v, MEM "/memory40/node1", &s), 0);
	assert_string_equal(s, "../../node/node1");
	free(s);
	assert_int_equal(vfs_readlink(&v, MEM "/memory40/state", &s), -EINVAL);

	/* a capture is what the guest showed: never written */
	assert_int_equal(vfs_write(&v, MEM "/memory40/state", "online\n"), -EROFS);
	sysfs_capture_release(&cap);
}

/* node0/memoryN is a symlink to ../../memory/memoryN: paths through it
 * read and write the block's files as the kernel's path walk would. The
 * kernel prints memory1's state there ("online": boot memory). */
static void test_kernel_sysfs_paths_through_links(void **state)
{
	struct machine *m = tu_boot_q35_plus_1g(NULL);
	char *s = NULL, **names = NULL, **direct = NULL;
	unsigned int mode = 0;

	(void)state;
	assert_string_equal(tu_readf(m, NODE "/node0/memory1/state"), "online\n");
	assert_string_equal(tu_readf(m, MEM "/memory48/node0/memory48/phys_index"), "00000030\n");
	/* memory48: offline part of the 1 GiB DIMM */
	assert_int_equal(vfs_write(TU_VFS(m), NODE "/node0/memory48/state", "online_movable\n"), 0);
	assert_string_equal(tu_blk(m, 48, "state"), "online\n");
	assert_string_equal(tu_readf(m, NODE "/node0/memory48/valid_zones"), "Movable\n");
	assert_int_equal(vfs_write(TU_VFS(m), NODE "/node0/memory48/state", "offline\n"), 0);
	assert_string_equal(tu_blk(m, 48, "state"), "offline\n");

	/* lookup and readlink see the last link itself, as lstat() does */
	assert_int_equal(vfs_lookup(TU_VFS(m), NODE "/node0/memory48", NULL), VFS_LINK);
	assert_int_equal(vfs_lookup(TU_VFS(m), NODE "/node0/memory48/state", &mode), VFS_FILE);
	assert_int_equal(mode, 0644);
	assert_int_equal(vfs_readlink(TU_VFS(m), MEM "/memory48/node0/memory48", &s), 0);
	assert_string_equal(s, "../../memory/memory48");
	free(s);
	/* read and list follow it */
	assert_int_equal(vfs_list(TU_VFS(m), NODE "/node0/memory48", &names), 0);
	assert_int_equal(vfs_list(TU_VFS(m), MEM "/memory48", &direct), 0);
	assert_names(names, (const char *const *)direct);
	vfs_free_list(direct);
	assert_int_equal(vfs_read(TU_VFS(m), NODE "/node0/memory48", &s), -EISDIR);
	assert_int_equal(vfs_read(TU_VFS(m), NODE "/node0/memory48/nope", &s), -ENOENT);
	assert_int_equal(vfs_read(TU_VFS(m), NODE "/node0/memory48/state/x", &s), -ENOTDIR);
	assert_int_equal(vfs_write(TU_VFS(m), NODE "/node0/memory48", "online\n"), -EISDIR);
	assert_int_equal(vfs_read(TU_VFS(m), NODE "/node0/memory99/state", &s), -ENOENT);
	machine_free(m);
}

/* Link chains in a capture: 40 links resolve, the 41st is ELOOP (the
 * kernel's MAXSYMLINKS); absolute targets start again from "/". */
static void test_capture_link_chains(void **state)
{
	struct sysfs_capture cap;
	struct strbuf sb = {0};
	struct vfs v;
	char *text = NULL, *s = NULL, **names = NULL;

	(void)state;
	strbuf_add(&sb, F("/sys/d/state", "online\n"));
	/* a0 -> a1 -> ... -> a39 -> /sys/d: 40 links; b0 -> ... -> b40 -> d: 41 */
	for (int i = 0; i < 39; i++)
		strbuf_addf(&sb, "@@L /sys/a%d a%d\n", i, i + 1);
	strbuf_add(&sb, L("/sys/a39", "/sys/d"));
	for (int i = 0; i < 40; i++)
		strbuf_addf(&sb, "@@L /sys/b%d ./b%d\n", i, i + 1);
	strbuf_add(&sb, L("/sys/b40", "../sys/d"));
	strbuf_add(&sb, L("/sys/self", "self"));
	assert_int_equal(strbuf_detach(&sb, &text), 0);
	assert_int_equal(sysfs_capture_parse(text, &cap), 0);
	sysfs_capture_vfs(&cap, &v);

	assert_int_equal(vfs_read(&v, "/sys/a0/state", &s), 0);
	assert_string_equal(s, "online\n");
	free(s);
	assert_int_equal(vfs_read(&v, "/sys/b0/state", &s), -ELOOP);
	assert_int_equal(vfs_read(&v, "/sys/b1/state", &s), 0);
	assert_string_equal(s, "online\n");
	free(s);
	assert_int_equal(vfs_list(&v, "/sys/b0", &names), -ELOOP);
	assert_int_equal(vfs_list(&v, "/sys/self", &names), -ELOOP);
	assert_int_equal(vfs_lookup(&v, "/sys/self/x", NULL), VFS_NONE);
	assert_int_equal(vfs_lookup(&v, "/sys/self", NULL), VFS_LINK);
	sysfs_capture_release(&cap);
	free(text);
}

/* ---- sysroot directories ---- */

static char *slurp_vfs(const struct vfs *v, const char *path)
{
	char *s = NULL;

	assert_int_equal(vfs_read(v, path, &s), 0);
	return s;
}

/* The model's tree saved to a directory reads back the same through the
 * sysroot vfs: contents, modes, links, listings. */
static void test_sysroot_round_trip(void **state)
{
	static const char *const paths[] = {MEM "/block_size_bytes",   MEM "/auto_online_blocks",
					    MEM "/memory40/state",     MEM "/memory40/valid_zones",
					    MEM "/memory8/phys_index", NODE "/has_memory",
					    PARM "/online_policy",     "/proc/zoneinfo",
					    "/proc/meminfo",	       NULL};
	char dir[] = "/tmp/memhp-test-vfs-XXXXXX", err[512] = "", root[64];
	struct machine *m = tu_boot("-M pc -m 4G,slots=2,maxmem=8G", NULL, MEMHP_KERNEL_6_12);
	struct sysroot sr = {.prefix = root};
	struct vfs model, tree;
	unsigned int mode = 0;
	char **a = NULL, **b = NULL, *s = NULL;

	(void)state;
	tu_plug_dimm(m, "m0", "d0", 1ULL << 30, -1);
	machine_run_pending(m);
	assert_non_null(mkdtemp(dir));
	snprintf(root, sizeof(root), "%s/s", dir);
	kernel_sysfs_ro(m->kernel, &model);
	sysroot_vfs(&sr, &tree);
	assert_int_equal(sysroot_save(&model, dir, "s", err, sizeof(err)), 0);

	for (size_t i = 0; paths[i]; i++) {
		char *want = slurp_vfs(&model, paths[i]), *got = slurp_vfs(&tree, paths[i]);

		assert_string_equal(got, want);
		free(want);
		free(got);
	}
	assert_int_equal(vfs_list(&model, MEM "/memory40", &a), 0);
	assert_int_equal(vfs_list(&tree, MEM "/memory40", &b), 0);
	for (size_t i = 0; a[i] || b[i]; i++) {
		assert_non_null(a[i]);
		assert_non_null(b[i]);
		assert_string_equal(a[i], b[i]);
	}
	vfs_free_list(a);
	vfs_free_list(b);

	assert_int_equal(vfs_lookup(&tree, MEM "/memory40/state", &mode), VFS_FILE);
	assert_int_equal(mode, 0644);
	assert_int_equal(vfs_lookup(&tree, MEM "/soft_offline_page", &mode), VFS_FILE);
	assert_int_equal(mode, 0200);
	/* write-only: refused by mode, as kernfs does, even to root */
	assert_int_equal(vfs_read(&tree, MEM "/soft_offline_page", &s), -EACCES);
	assert_int_equal(vfs_lookup(&tree, MEM "/memory40/node0", NULL), VFS_LINK);
	assert_int_equal(vfs_readlink(&tree, MEM "/memory40/node0", &s), 0);
	assert_string_equal(s, "../../node/node0");
	free(s);
	assert_int_equal(vfs_read(&tree, MEM "/memory40", &s), -EISDIR);
	assert_int_equal(vfs_read(&tree, MEM "/memory4000/state", &s), -ENOENT);
	assert_int_equal(vfs_lookup(&tree, MEM "/memory4000", NULL), VFS_NONE);
	assert_int_equal(vfs_write(&tree, MEM "/auto_online_blocks", "offline\n"), -EROFS);

	/* the snapshot is the same from the model and from its saved tree */
	{
		struct json_object *x = snapshot_from_vfs(&model, "s", 1, NULL, NULL);
		struct json_object *y = snapshot_from_vfs(&tree, "s", 1, NULL, NULL);

		assert_string_equal(json_object_to_json_string(x), json_object_to_json_string(y));
		json_object_put(x);
		json_object_put(y);
	}
	tu_rm_rf(dir);
	machine_free(m);
}

/* A writable sysroot handle writes the file (live use on the host's /sys). */
static void test_sysroot_write(void **state)
{
	char dir[] = "/tmp/memhp-test-vfs-XXXXXX", path[512];
	struct sysroot sr = {.prefix = dir};
	struct vfs v;
	char *s = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	tu_write_file(path, sizeof(path), dir, "ro", "");
	assert_int_equal(chmod(path, 0444), 0);
	tu_write_file(path, sizeof(path), dir, "rw", "old old old\n");

	sysroot_vfs_rw(&sr, &v);
	assert_int_equal(vfs_write(&v, "/rw", "new\n"), 0);
	assert_int_equal(vfs_read(&v, "/rw", &s), 0);
	assert_string_equal(s, "new\n");
	free(s);
	assert_int_equal(vfs_write(&v, "/ro", "x\n"), -EACCES);
	assert_int_equal(vfs_write(&v, "/missing", "x\n"), -ENOENT);
	assert_int_equal(vfs_write(&v, "/", "x\n"), -EISDIR);
	tu_rm_rf(dir);
}

/* ---- sysroot_save: DIR/NAME holds exactly one tree, nothing outside DIR ---- */

/* A scratch TOP with DIR = TOP/out in it: what lands in TOP but not in DIR
 * was written outside DIR. */
struct save_dirs {
	char top[40], dir[64], tree[80];
};

static void save_dirs_make(struct save_dirs *d)
{
	snprintf(d->top, sizeof(d->top), "/tmp/memhp-test-vfs-XXXXXX");
	assert_non_null(mkdtemp(d->top));
	snprintf(d->dir, sizeof(d->dir), "%s/out", d->top);
	snprintf(d->tree, sizeof(d->tree), "%s/out/s", d->top);
	assert_int_equal(mkdir(d->dir, 0755), 0);
}

/* Fails unless directory path holds exactly the names in want (space
 * separated, sorted): no temporary or stale entries left. */
static void assert_dir_names(const char *path, const char *want)
{
	struct vfs_names l = {0};
	struct dirent *e;
	char **names = NULL, got[512] = "";
	DIR *d = opendir(path);

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			vfs_names_add(&l, e->d_name);
	closedir(d);
	assert_int_equal(vfs_names_done(&l, &names), 0);
	for (char **n = names; *n; n++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", got[0] ? " " : "",
			 *n);
	vfs_free_list(names);
	assert_string_equal(got, want);
}

static void save_capture(const char *stream, const char *dir, const char *name, int want, char *err,
			 size_t errlen)
{
	struct sysfs_capture cap;
	struct vfs v;

	assert_int_equal(sysfs_capture_parse(stream, &cap), 0);
	sysfs_capture_vfs(&cap, &v);
	assert_int_equal(sysroot_save(&v, dir, name, err, errlen), want);
	sysfs_capture_release(&cap);
}

/* clang-format off */
static const char two_blocks[] =
	F(MEM "/block_size_bytes", "8000000\n")
	F(MEM "/memory0/state", "online\n")
	F(MEM "/memory1/state", "offline\n");
static const char one_block[] =
	F(MEM "/block_size_bytes", "8000000\n")
	F(MEM "/memory0/state", "online\n");
/* clang-format on */

/* A second save replaces the first tree as a whole: a block that is gone
 * is gone from the tree too (lsmem --sysroot showed stale blocks), and no
 * temporary directory is left in DIR. */
static void test_sysroot_save_replaces(void **state)
{
	struct save_dirs d;
	struct sysroot sr;
	struct vfs tree;
	char err[512] = "", path[256], *s = NULL;

	(void)state;
	save_dirs_make(&d);
	sr.prefix = d.tree;
	sysroot_vfs(&sr, &tree);
	save_capture(two_blocks, d.dir, "s", 0, err, sizeof(err));
	assert_int_equal(vfs_lookup(&tree, MEM "/memory1/state", NULL), VFS_FILE);
	/* an extra file someone left in the tree */
	snprintf(path, sizeof(path), "%s/sys/stray", d.tree);
	assert_int_equal(close(open(path, O_WRONLY | O_CREAT, 0644)), 0);

	save_capture(one_block, d.dir, "s", 0, err, sizeof(err));
	assert_int_equal(vfs_lookup(&tree, MEM "/memory1", NULL), VFS_NONE);
	assert_int_equal(vfs_lookup(&tree, "/sys/stray", NULL), VFS_NONE);
	assert_int_equal(vfs_read(&tree, MEM "/memory0/state", &s), 0);
	assert_string_equal(s, "online\n");
	free(s);
	assert_dir_names(d.dir, "s");
	assert_dir_names(d.top, "out");
	tu_rm_rf(d.top);
}

/* DIR/NAME a symlink out of DIR: the link is replaced, its target (here a
 * directory beside DIR) is neither written nor removed. DIR/NAME a file:
 * replaced as well. */
static void test_sysroot_save_symlink(void **state)
{
	struct save_dirs d;
	char err[512] = "", victim[80], marker[128];
	struct stat st;

	(void)state;
	save_dirs_make(&d);
	snprintf(victim, sizeof(victim), "%s/victim", d.top);
	assert_int_equal(mkdir(victim, 0755), 0);
	tu_write_file(marker, sizeof(marker), victim, "marker", "mine\n");
	assert_int_equal(symlink("../victim", d.tree), 0);

	save_capture(one_block, d.dir, "s", 0, err, sizeof(err));
	assert_int_equal(lstat(d.tree, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_dir_names(victim, "marker");
	assert_dir_names(d.tree, "sys");
	assert_dir_names(d.dir, "s");

	/* a dangling link, then a regular file, in NAME's place */
	tu_rm_rf(d.tree);
	assert_int_equal(symlink("/nonexistent/memhp-test", d.tree), 0);
	save_capture(one_block, d.dir, "s", 0, err, sizeof(err));
	assert_int_equal(lstat(d.tree, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(lstat("/nonexistent", &st), -1);
	tu_rm_rf(d.tree);
	tu_write_file(marker, sizeof(marker), d.dir, "s", "a file\n");
	save_capture(one_block, d.dir, "s", 0, err, sizeof(err));
	assert_int_equal(lstat(d.tree, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_dir_names(d.dir, "s");
	assert_dir_names(d.top, "out victim");
	tu_rm_rf(d.top);
}

/* A capture's paths come from the guest: a ".." component is refused
 * before it can climb out of DIR, and a failed save leaves the earlier tree
 * as it was and no temporary directory behind. */
static void test_sysroot_save_error_unchanged(void **state)
{
	/* clang-format off */
	static const char escape[] =
		F(MEM "/block_size_bytes", "8000000\n")
		F("/sys/../../../escape/x", "outside\n");
	/* clang-format on */
	struct save_dirs d;
	char err[512] = "", want[600];

	(void)state;
	save_dirs_make(&d);
	save_capture(two_blocks, d.dir, "s", 0, err, sizeof(err));
	save_capture(escape, d.dir, "s", -EINVAL, err, sizeof(err));
	snprintf(want, sizeof(want), "%s/s/sys/..: %s", d.dir, strerror(EINVAL));
	assert_string_equal(err, want);
	assert_dir_names(d.top, "out");
	assert_dir_names(d.dir, "s");
	assert_dir_names(d.tree, "sys");
	{
		char mem[160];

		snprintf(mem, sizeof(mem), "%s" MEM, d.tree);
		assert_dir_names(mem, "block_size_bytes memory0 memory1");
	}
	tu_rm_rf(d.top);
}

/* ---- sysroot_save_next: a run's trees share what did not change ---- */

/* A vfs from a table, for exact types and modes: entries under "/", the
 * directories implied by the paths. */
struct table_entry {
	const char *path;
	enum vfs_type type;
	unsigned int mode;
	const char *content; /* a file's, a link's target */
};

struct table_vfs {
	const struct table_entry *e;
	size_t n;
};

/* Whether dir (no trailing '/', "" for the root) holds path; its child's
 * name starts at *rest. */
static bool table_under(const char *dir, const char *path, const char **rest)
{
	size_t len = strlen(dir);

	if (strncmp(path, dir, len) || path[len] != '/')
		return false;
	*rest = path + len + 1;
	return true;
}

static enum vfs_type table_lookup(const void *ctx, const char *path, unsigned int *mode)
{
	const struct table_vfs *t = ctx;
	const char *dir = strcmp(path, "/") ? path : "", *rest;

	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->e[i].path, path)) {
			if (mode)
				*mode = t->e[i].mode;
			return t->e[i].type;
		}
	for (size_t i = 0; i < t->n; i++)
		if (table_under(dir, t->e[i].path, &rest))
			return VFS_DIR;
	return VFS_NONE;
}

static int table_read(const void *ctx, const char *path, char **out)
{
	const struct table_vfs *t = ctx;

	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->e[i].path, path) && t->e[i].type != VFS_DIR) {
			*out = strdup(t->e[i].content);
			return *out ? 0 : -ENOMEM;
		}
	return -ENOENT;
}

static int table_list(const void *ctx, const char *path, char ***names)
{
	const struct table_vfs *t = ctx;
	const char *dir = strcmp(path, "/") ? path : "", *rest;
	struct vfs_names l = {0};

	for (size_t i = 0; i < t->n; i++) {
		char name[256];

		if (!table_under(dir, t->e[i].path, &rest))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(rest, "/"), rest);
		/* once per name: the entries are sorted by path */
		if (!l.n || strcmp(l.v[l.n - 1], name))
			vfs_names_add(&l, name);
	}
	return vfs_names_done(&l, names);
}

static const struct vfs_ops table_ops = {
    .lookup = table_lookup,
    .read = table_read,
    .list = table_list,
    .readlink = table_read,
};

static void save_table(struct sysroot_trees *t, const struct table_entry *e, size_t n,
		       const char *dir, const char *name)
{
	struct table_vfs tv = {.e = e, .n = n};
	struct vfs v = {.ops = &table_ops, .ctx = &tv};
	char err[512] = "";

	assert_int_equal(sysroot_save_next(t, &v, dir, name, err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

static struct stat lstat_in(const char *dir, const char *name, const char *path)
{
	char full[512];
	struct stat st;

	snprintf(full, sizeof(full), "%s/%s%s", dir, name, path);
	assert_int_equal(lstat(full, &st), 0);
	return st;
}

static void assert_content(const char *dir, const char *name, const char *path, const char *want)
{
	char full[512], got[256] = "";
	int fd;
	ssize_t n;

	snprintf(full, sizeof(full), "%s/%s%s", dir, name, path);
	fd = open(full, O_RDONLY | O_NOFOLLOW);
	assert_true(fd >= 0);
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	assert_true(n >= 0);
	got[n] = '\0';
	assert_string_equal(got, want);
}

/* clang-format off */
#define STATE0 MEM "/memory0/state"
#define STATE1 MEM "/memory1/state"
#define NODE0  MEM "/memory0/node0"
#define PROBE  MEM "/probe"
#define BLOCK  MEM "/block_size_bytes"
static const struct table_entry first[] = {
	{BLOCK, VFS_FILE, 0444, "8000000\n"},
	{NODE0, VFS_LINK, 0777, "../../node/node0"},
	{STATE0, VFS_FILE, 0644, "online\n"},
	{STATE1, VFS_FILE, 0644, "offline\n"},
	{PROBE, VFS_FILE, 0200, ""},
};
/* memory1 onlined, probe made readable, node0's link moved */
static const struct table_entry second[] = {
	{BLOCK, VFS_FILE, 0444, "8000000\n"},
	{NODE0, VFS_LINK, 0777, "../../node/node1"},
	{STATE0, VFS_FILE, 0644, "online\n"},
	{STATE1, VFS_FILE, 0644, "online\n"},
	{PROBE, VFS_FILE, 0600, ""},
};
/* clang-format on */

static bool same_inode(struct stat a, struct stat b)
{
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The second snapshot's unchanged files and symlinks are the first's
 * (one inode); a changed content, mode or target is a new entry; both
 * trees read as their own snapshot, with its modes. */
static void test_sysroot_save_links_unchanged(void **state)
{
	struct sysroot_trees t;
	struct save_dirs d;
	char target[160];

	(void)state;
	save_dirs_make(&d);
	sysroot_trees_init(&t);
	save_table(&t, first, ARRAY_SIZE(first), d.dir, "a");
	save_table(&t, second, ARRAY_SIZE(second), d.dir, "b");
	sysroot_trees_release(&t);

	assert_true(same_inode(lstat_in(d.dir, "a", BLOCK), lstat_in(d.dir, "b", BLOCK)));
	assert_true(same_inode(lstat_in(d.dir, "a", STATE0), lstat_in(d.dir, "b", STATE0)));
	assert_false(same_inode(lstat_in(d.dir, "a", STATE1), lstat_in(d.dir, "b", STATE1)));
	assert_false(same_inode(lstat_in(d.dir, "a", PROBE), lstat_in(d.dir, "b", PROBE)));
	assert_false(same_inode(lstat_in(d.dir, "a", NODE0), lstat_in(d.dir, "b", NODE0)));
	assert_content(d.dir, "a", STATE1, "offline\n");
	assert_content(d.dir, "b", STATE1, "online\n");
	assert_content(d.dir, "b", STATE0, "online\n");
	assert_int_equal(lstat_in(d.dir, "a", PROBE).st_mode & 07777, 0200);
	assert_int_equal(lstat_in(d.dir, "b", PROBE).st_mode & 07777, 0600);
	assert_int_equal(lstat_in(d.dir, "b", BLOCK).st_mode & 07777, 0444);
	assert_true(S_ISLNK(lstat_in(d.dir, "b", NODE0).st_mode));
	snprintf(target, sizeof(target), "%s/b" NODE0, d.dir);
	{
		char got[64] = "";

		assert_true(readlink(target, got, sizeof(got) - 1) > 0);
		assert_string_equal(got, "../../node/node1");
	}
	assert_int_equal(lstat_in(d.dir, "b", MEM).st_mode & 07777, 0755);
	assert_dir_names(d.dir, "a b");
	tu_rm_rf(d.top);
}

/* Only a tree this run wrote, and only the last one: an identical tree
 * already in DIR (another run's) is not linked into, nor is a tree the
 * run replaced at the same label (its files are then the new tree's
 * alone), nor one in another DIR. */
static void test_sysroot_save_links_own_tree_only(void **state)
{
	struct sysroot_trees t, other;
	struct save_dirs d;
	struct stat before;
	char dir2[128];

	(void)state;
	save_dirs_make(&d);
	sysroot_trees_init(&other);
	save_table(&other, first, ARRAY_SIZE(first), d.dir, "a");
	sysroot_trees_release(&other);
	sysroot_trees_init(&t);
	save_table(&t, first, ARRAY_SIZE(first), d.dir, "b");
	assert_false(same_inode(lstat_in(d.dir, "a", BLOCK), lstat_in(d.dir, "b", BLOCK)));

	/* the same label again: linked to the tree it replaces, which goes */
	before = lstat_in(d.dir, "b", BLOCK);
	save_table(&t, first, ARRAY_SIZE(first), d.dir, "b");
	assert_true(same_inode(before, lstat_in(d.dir, "b", BLOCK)));
	assert_int_equal(lstat_in(d.dir, "b", BLOCK).st_nlink, 1);
	assert_content(d.dir, "b", BLOCK, "8000000\n");
	assert_dir_names(d.dir, "a b");

	/* another DIR: written anew */
	snprintf(dir2, sizeof(dir2), "%s/out2", d.top);
	assert_int_equal(mkdir(dir2, 0755), 0);
	save_table(&t, first, ARRAY_SIZE(first), dir2, "c");
	assert_int_equal(lstat_in(dir2, "c", BLOCK).st_nlink, 1);
	sysroot_trees_release(&t);
	tu_rm_rf(d.top);
}

/* ---- many directories: worker threads and the directory handle budget ---- */

/* MANY_DIRS memory blocks of MANY_PER entries each, sorted by path: five
 * files, a symlink and a subdirectory's file; generation 1 changes f0 of
 * every block and nothing else. Enough entries for the worker threads
 * (sysroot_save.c queues at least 256 before it starts one). */
#define MANY_DIRS 48
#define MANY_PER  7

struct many {
	struct table_entry e[MANY_DIRS * MANY_PER];
	char path[MANY_DIRS * MANY_PER][80];
	char content[MANY_DIRS * MANY_PER][32];
};

static void many_make(struct many *m, int gen)
{
	static const char *const files[] = {"f0", "f1", "f2", "f3", "f4"};
	size_t n = 0;

	for (int d = 0; d < MANY_DIRS; d++) {
		for (size_t f = 0; f < ARRAY_SIZE(files); f++, n++) {
			snprintf(m->path[n], sizeof(m->path[n]), MEM "/memory%02d/%s", d, files[f]);
			snprintf(m->content[n], sizeof(m->content[n]), "%d %zu %d\n", d, f,
				 f ? 0 : gen);
			m->e[n] = (struct table_entry){m->path[n], VFS_FILE, f == 4 ? 0200 : 0644,
						       f == 4 ? "" : m->content[n]};
		}
		snprintf(m->path[n], sizeof(m->path[n]), MEM "/memory%02d/node%d", d, d % 2);
		snprintf(m->content[n], sizeof(m->content[n]), "../../node/node%d", d % 2);
		m->e[n] = (struct table_entry){m->path[n], VFS_LINK, 0777, m->content[n]};
		n++;
		snprintf(m->path[n], sizeof(m->path[n]), MEM "/memory%02d/power/control", d);
		m->e[n] = (struct table_entry){m->path[n], VFS_FILE, 0444, "auto\n"};
		n++;
	}
}

/* Tree dir/name holds m's entries with their types, modes, contents and
 * targets, and nothing else in a block. */
static void assert_many(const char *dir, const char *name, const struct many *m)
{
	char path[256];

	for (size_t i = 0; i < ARRAY_SIZE(m->e); i++) {
		struct stat st = lstat_in(dir, name, m->e[i].path);

		if (m->e[i].type == VFS_LINK) {
			char got[64] = "";

			assert_true(S_ISLNK(st.st_mode));
			snprintf(path, sizeof(path), "%s/%s%s", dir, name, m->e[i].path);
			assert_true(readlink(path, got, sizeof(got) - 1) > 0);
			assert_string_equal(got, m->e[i].content);
			continue;
		}
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal(st.st_mode & 07777, m->e[i].mode);
		if (m->e[i].mode & 0444)
			assert_content(dir, name, m->e[i].path, m->e[i].content);
		else
			assert_int_equal(st.st_size, 0);
	}
	snprintf(path, sizeof(path), "%s/%s" MEM "/memory07", dir, name);
	assert_dir_names(path, "f0 f1 f2 f3 f4 node1 power");
	assert_int_equal(lstat_in(dir, name, MEM "/memory07/power").st_mode & 07777, 0755);
}

/* Tree b's entries are tree a's (one inode) exactly where both trees
 * hold the same: all but f0 when changed. */
static void assert_many_shared(const char *dir, const char *a, const char *b, const struct many *m,
			       bool changed)
{
	for (size_t i = 0; i < ARRAY_SIZE(m->e); i++) {
		bool f0 = !strcmp(strrchr(m->e[i].path, '/'), "/f0");

		assert_int_equal(
		    same_inode(lstat_in(dir, a, m->e[i].path), lstat_in(dir, b, m->e[i].path)),
		    !(f0 && changed));
	}
}

static int open_fds(void)
{
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n++;
	closedir(d);
	return n;
}

/* Three trees (generations 0, 1, 1) with threads and a handle budget:
 * each tree is its snapshot, shares the unchanged entries with the last,
 * and no handle is left open once the run forgets them. */
/* The threads of this process (/proc/self/task), or -1. */
static int nr_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void save_many_run(int threads, long budget)
{
	struct many *m0 = calloc(1, sizeof(*m0)), *m1 = calloc(1, sizeof(*m1));
	struct sysroot_trees t;
	struct save_dirs d;
	int fds = open_fds();

	assert_non_null(m0);
	assert_non_null(m1);
	many_make(m0, 0);
	many_make(m1, 1);
	save_dirs_make(&d);
	sysroot_trees_init(&t);
	t.threads = threads;
	t.dir_budget = budget;
	save_table(&t, m0->e, ARRAY_SIZE(m0->e), d.dir, "a");
	save_table(&t, m1->e, ARRAY_SIZE(m1->e), d.dir, "b");
	save_table(&t, m1->e, ARRAY_SIZE(m1->e), d.dir, "c");
	/* No worker thread outlives its tree, though the run goes on: memhp
	 * exec unshares its mount namespace after the run's trees are
	 * written, which the kernel refuses (EINVAL) while other threads
	 * share the process's fs_struct. */
	assert_int_equal(nr_threads(), 1);
	sysroot_trees_release(&t);
	assert_int_equal(open_fds(), fds);
	assert_many(d.dir, "a", m0);
	assert_many(d.dir, "b", m1);
	assert_many(d.dir, "c", m1);
	assert_many_shared(d.dir, "a", "b", m0, true);
	assert_many_shared(d.dir, "b", "c", m1, false);
	assert_dir_names(d.dir, "a b c");
	tu_rm_rf(d.top);
	free(m0);
	free(m1);
}

/* One thread or four (more than this machine may have CPUs): the same
 * trees, linked the same. */
static void test_sysroot_save_threads(void **state)
{
	(void)state;
	save_many_run(1, -1);
	save_many_run(4, -1);
}

/* Past the budget of kept directory handles, the last tree's directories
 * are opened again for the next tree: the same trees and links, whether
 * no handle, one or all are kept. */
static void test_sysroot_save_dir_budget(void **state)
{
	(void)state;
	save_many_run(2, 0);
	save_many_run(2, 1);
	save_many_run(1, 3);
	save_many_run(2, 100000);
}

/* Under a small RLIMIT_NOFILE (32: the budget's defaults then keep 4
 * handles and let 2 wait), the same trees, no EMFILE. In a child: the
 * limit stays there. */
static void test_sysroot_save_few_fds(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct rlimit r = {32, 32};

		if (setrlimit(RLIMIT_NOFILE, &r))
			_exit(2);
		save_many_run(2, -1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The table's list, with a second "f2" in memory30 (its creation fails:
 * EEXIST) and a ".." in memory40 (the walk refuses it). */
static int dup_list(const void *ctx, const char *path, char ***names)
{
	struct vfs_names l = {0};
	char **base = NULL;
	int ret = table_list(ctx, path, &base);

	if (ret)
		return ret;
	for (char **n = base; *n; n++)
		vfs_names_add(&l, *n);
	vfs_free_list(base);
	if (!strcmp(path, MEM "/memory30"))
		vfs_names_add(&l, "f2");
	if (!strcmp(path, MEM "/memory40"))
		vfs_names_add(&l, "..");
	return vfs_names_done(&l, names);
}

/* With worker threads as with one, the failure reported is the first in
 * the walk's order, with the text an entry by entry walk gives, and DIR
 * is left as it was. */
static void test_sysroot_save_threads_first_error(void **state)
{
	static const struct vfs_ops dup_ops = {
	    .lookup = table_lookup, .read = table_read, .list = dup_list, .readlink = table_read};
	struct many *m = calloc(1, sizeof(*m));
	struct table_vfs tv;
	struct vfs v = {.ops = &dup_ops, .ctx = &tv};
	struct save_dirs d;

	(void)state;
	assert_non_null(m);
	many_make(m, 0);
	tv = (struct table_vfs){.e = m->e, .n = ARRAY_SIZE(m->e)};
	save_dirs_make(&d);
	for (int threads = 1; threads <= 4; threads += 3) {
		struct sysroot_trees t;
		char err[512] = "", want[512];

		sysroot_trees_init(&t);
		t.threads = threads;
		assert_int_equal(sysroot_save_next(&t, &v, d.dir, "a", err, sizeof(err)), -EEXIST);
		snprintf(want, sizeof(want), "%s/a" MEM "/memory30/f2: %s", d.dir,
			 strerror(EEXIST));
		assert_string_equal(err, want);
		assert_int_equal(t.fd, -1);
		sysroot_trees_release(&t);
		assert_dir_names(d.dir, "");
	}
	tu_rm_rf(d.top);
	free(m);
}

/* LEAF_DIRS memory blocks holding only files and a symlink (leaf
 * directories, each queued whole for a worker: created, filled, its
 * handle handed back), sorted by path. */
#define LEAF_DIRS 64
#define LEAF_PER  6

struct leaves {
	struct table_entry e[LEAF_DIRS * LEAF_PER];
	char path[LEAF_DIRS * LEAF_PER][80];
	char content[LEAF_DIRS * LEAF_PER][32];
};

static void leaves_make(struct leaves *m)
{
	size_t n = 0;

	for (int d = 0; d < LEAF_DIRS; d++) {
		for (int f = 0; f < LEAF_PER - 1; f++, n++) {
			snprintf(m->path[n], sizeof(m->path[n]), MEM "/memory%02d/f%d", d, f);
			snprintf(m->content[n], sizeof(m->content[n]), "%d %d\n", d, f);
			m->e[n] = (struct table_entry){m->path[n], VFS_FILE, 0644, m->content[n]};
		}
		snprintf(m->path[n], sizeof(m->path[n]), MEM "/memory%02d/node%d", d, d % 2);
		snprintf(m->content[n], sizeof(m->content[n]), "../../node/node%d", d % 2);
		m->e[n] = (struct table_entry){m->path[n], VFS_LINK, 0777, m->content[n]};
		n++;
	}
}

/* A table vfs with faults: dup_dir lists dup_name twice, eio_path cannot
 * be read. */
struct faulty {
	struct table_vfs tv;
	const char *dup_dir, *dup_name, *eio_path;
};

static enum vfs_type faulty_lookup(const void *ctx, const char *path, unsigned int *mode)
{
	return table_lookup(&((const struct faulty *)ctx)->tv, path, mode);
}

static int faulty_read(const void *ctx, const char *path, char **out)
{
	const struct faulty *f = ctx;

	if (f->eio_path && !strcmp(path, f->eio_path))
		return -EIO;
	return table_read(&f->tv, path, out);
}

static int faulty_list(const void *ctx, const char *path, char ***names)
{
	const struct faulty *f = ctx;
	struct vfs_names l = {0};
	char **base = NULL;
	int ret = table_list(&f->tv, path, &base);

	if (ret)
		return ret;
	for (char **n = base; *n; n++)
		vfs_names_add(&l, *n);
	vfs_free_list(base);
	if (f->dup_dir && !strcmp(path, f->dup_dir))
		vfs_names_add(&l, f->dup_name);
	return vfs_names_done(&l, names);
}

/* Leaf directories queued whole: with one thread or four, a failure
 * inside one (its creation, an entry's creation, an entry the walk cannot
 * read) is reported where an entry by entry walk meets it first, DIR is
 * left as it was, and the next tree of the run still links from the last
 * one written, with no handle left open. */
static void test_sysroot_save_leaf_dirs(void **state)
{
	static const struct vfs_ops faulty_ops = {.lookup = faulty_lookup,
						  .read = faulty_read,
						  .list = faulty_list,
						  .readlink = faulty_read};
	static const struct {
		const char *dup_dir, *dup_name, *eio_path, *want;
		int err;
	} cases[] = {
	    /* a duplicate entry in a leaf directory */
	    {MEM "/memory40", "f2", NULL, MEM "/memory40/f2", EEXIST},
	    /* a duplicate leaf directory, before a file that cannot be read */
	    {MEM, "memory10", MEM "/memory15/f3", MEM "/memory10", EEXIST},
	    /* a file that cannot be read, before a duplicate entry */
	    {MEM "/memory40", "f2", MEM "/memory15/f3", MEM "/memory15/f3", EIO},
	    /* a duplicate entry, in the same directory as an unreadable file
	     * that comes after it */
	    {MEM "/memory15", "f1", MEM "/memory15/f3", MEM "/memory15/f1", EEXIST},
	};
	struct leaves *m = calloc(1, sizeof(*m));
	struct save_dirs d;

	(void)state;
	assert_non_null(m);
	leaves_make(m);
	save_dirs_make(&d);
	for (int threads = 1; threads <= 4; threads += 3) {
		struct sysroot_trees t;
		int fds = open_fds();

		sysroot_trees_init(&t);
		t.threads = threads;
		save_table(&t, m->e, ARRAY_SIZE(m->e), d.dir, "a");
		for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
			struct faulty f = {.tv = {.e = m->e, .n = ARRAY_SIZE(m->e)},
					   .dup_dir = cases[c].dup_dir,
					   .dup_name = cases[c].dup_name,
					   .eio_path = cases[c].eio_path};
			struct vfs v = {.ops = &faulty_ops, .ctx = &f};
			char err[512] = "", want[512];

			assert_int_equal(sysroot_save_next(&t, &v, d.dir, "b", err, sizeof(err)),
					 -cases[c].err);
			snprintf(want, sizeof(want), "%s/b%s: %s", d.dir, cases[c].want,
				 strerror(cases[c].err));
			assert_string_equal(err, want);
			assert_dir_names(d.dir, "a");
		}
		save_table(&t, m->e, ARRAY_SIZE(m->e), d.dir, "b");
		sysroot_trees_release(&t);
		assert_int_equal(open_fds(), fds);
		assert_dir_names(d.dir, "a b");
		for (size_t i = 0; i < ARRAY_SIZE(m->e); i++) {
			struct stat a = lstat_in(d.dir, "a", m->e[i].path);

			assert_true(same_inode(a, lstat_in(d.dir, "b", m->e[i].path)));
			assert_int_equal(S_ISLNK(a.st_mode), m->e[i].type == VFS_LINK);
		}
		assert_content(d.dir, "b", MEM "/memory63/f4", "63 4\n");
		tu_rm_rf(d.dir);
		assert_int_equal(mkdir(d.dir, 0755), 0);
	}
	tu_rm_rf(d.top);
	free(m);
}

/* Files are created with their mode, so a umask that would cut it is put
 * right: modes are the vfs's whatever the umask (directories 0755). */
static void test_sysroot_save_umask(void **state)
{
	static const mode_t masks[] = {077, 0, 0222};
	struct save_dirs d;

	(void)state;
	save_dirs_make(&d);
	for (size_t i = 0; i < ARRAY_SIZE(masks); i++) {
		struct sysroot_trees t;
		mode_t old = umask(masks[i]);

		sysroot_trees_init(&t);
		save_table(&t, first, ARRAY_SIZE(first), d.dir, "a");
		save_table(&t, second, ARRAY_SIZE(second), d.dir, "b");
		sysroot_trees_release(&t);
		umask(old);
		assert_int_equal(lstat_in(d.dir, "a", STATE1).st_mode & 07777, 0644);
		assert_int_equal(lstat_in(d.dir, "b", STATE1).st_mode & 07777, 0644);
		assert_int_equal(lstat_in(d.dir, "a", PROBE).st_mode & 07777, 0200);
		assert_int_equal(lstat_in(d.dir, "b", PROBE).st_mode & 07777, 0600);
		assert_int_equal(lstat_in(d.dir, "b", BLOCK).st_mode & 07777, 0444);
		assert_int_equal(lstat_in(d.dir, "b", MEM).st_mode & 07777, 0755);
		assert_int_equal(lstat_in(d.dir, "b", "").st_mode & 07777, 0755);
	}
	tu_rm_rf(d.top);
}

/* NAME is one path component of at most NAME_MAX bytes; DIR must be a
 * directory: nothing is written otherwise (an empty DIR used to mean the
 * filesystem root). */
static void test_sysroot_save_bad_names(void **state)
{
	static const char *const bad[] = {"", ".", "..", "a/b", "/s", NULL};
	struct save_dirs d;
	char err[512] = "", longname[NAME_MAX + 2], file[128];

	(void)state;
	save_dirs_make(&d);
	for (size_t i = 0; bad[i]; i++)
		save_capture(one_block, d.dir, bad[i], -EINVAL, err, sizeof(err));
	memset(longname, 'x', NAME_MAX + 1);
	longname[NAME_MAX + 1] = '\0';
	save_capture(one_block, d.dir, longname, -EINVAL, err, sizeof(err));
	longname[NAME_MAX] = '\0';
	save_capture(one_block, d.dir, longname, 0, err, sizeof(err));
	assert_dir_names(d.top, "out");
	tu_rm_rf(d.dir);
	assert_int_equal(mkdir(d.dir, 0755), 0);

	save_capture(one_block, "", "s", -ENOENT, err, sizeof(err));
	assert_string_equal(err, "'': No such file or directory");
	tu_write_file(file, sizeof(file), d.dir, "plain", "");
	save_capture(one_block, file, "s", -ENOTDIR, err, sizeof(err));
	assert_dir_names(d.dir, "plain");
	tu_rm_rf(d.top);
}

/* --sysroot-out DIR before a run: created if only DIR itself is missing;
 * an empty name, a missing parent or a file is refused with what was
 * expected. */
static void test_sysroot_dir_prepare(void **state)
{
	struct save_dirs d;
	char why[256] = "", path[128], link[128];
	struct stat st;

	(void)state;
	save_dirs_make(&d);
	assert_int_equal(sysroot_dir_prepare(d.dir, why, sizeof(why)), 0);
	snprintf(path, sizeof(path), "%s/new", d.top);
	assert_int_equal(sysroot_dir_prepare(path, why, sizeof(why)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(link, sizeof(link), "%s/link", d.top);
	assert_int_equal(symlink("new", link), 0);
	assert_int_equal(sysroot_dir_prepare(link, why, sizeof(why)), 0);

	assert_int_equal(sysroot_dir_prepare("", why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "expected a directory, got an empty name");
	snprintf(path, sizeof(path), "%s/a/b", d.top);
	assert_int_equal(sysroot_dir_prepare(path, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "cannot create it: its parent directory does not exist");
	tu_write_file(path, sizeof(path), d.top, "file", "");
	assert_int_equal(sysroot_dir_prepare(path, why, sizeof(why)), -ENOTDIR);
	assert_string_equal(why, "exists and is not a directory; expected a directory");
	assert_dir_names(d.top, "file link new out");
	tu_rm_rf(d.top);
}

/* The live /sys of this host: prefix "/", read only. */
static void test_sysroot_live(void **state)
{
	struct sysroot sr = {.prefix = "/"};
	struct vfs v;
	char *s = NULL, **names = NULL;
	unsigned int mode = 0;

	(void)state;
	sysroot_vfs(&sr, &v);
	if (vfs_lookup(&v, MEM "/block_size_bytes", &mode) != VFS_FILE)
		skip(); /* no memory hotplug sysfs here (a container without /sys) */
	assert_int_equal(mode & 0444, 0444);
	assert_int_equal(vfs_read(&v, MEM "/block_size_bytes", &s), 0);
	assert_true(strtoull(s, NULL, 16) > 0);
	free(s);
	assert_int_equal(vfs_lookup(&v, MEM, NULL), VFS_DIR);
	assert_int_equal(vfs_list(&v, MEM, &names), 0);
	assert_non_null(names[0]);
	for (size_t i = 1; names[i]; i++)
		assert_true(strcmp(names[i - 1], names[i]) < 0);
	vfs_free_list(names);
	assert_int_equal(vfs_write(&v, MEM "/auto_online_blocks", "offline\n"), -EROFS);
	assert_int_equal(vfs_read(&v, "relative", &s), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kernel_sysfs_ro),
	    cmocka_unit_test(test_kernel_sysfs_paths_through_links),
	    cmocka_unit_test(test_capture_vfs),
	    cmocka_unit_test(test_capture_link_chains),
	    cmocka_unit_test(test_sysroot_round_trip),
	    cmocka_unit_test(test_sysroot_write),
	    cmocka_unit_test(test_sysroot_live),
	    cmocka_unit_test(test_sysroot_save_replaces),
	    cmocka_unit_test(test_sysroot_save_symlink),
	    cmocka_unit_test(test_sysroot_save_error_unchanged),
	    cmocka_unit_test(test_sysroot_save_links_unchanged),
	    cmocka_unit_test(test_sysroot_save_links_own_tree_only),
	    cmocka_unit_test(test_sysroot_save_threads),
	    cmocka_unit_test(test_sysroot_save_dir_budget),
	    cmocka_unit_test(test_sysroot_save_few_fds),
	    cmocka_unit_test(test_sysroot_save_threads_first_error),
	    cmocka_unit_test(test_sysroot_save_leaf_dirs),
	    cmocka_unit_test(test_sysroot_save_umask),
	    cmocka_unit_test(test_sysroot_save_bad_names),
	    cmocka_unit_test(test_sysroot_dir_prepare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
