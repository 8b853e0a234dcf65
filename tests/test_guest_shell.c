/* guest_shell.c against a fake vfs: a tiny in-memory /sys with a few memory
 * blocks behind struct vfs_ops, so the shell is tested without the model. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest_shell.h"
#include "linux_errno.h"
#include "vfs.h"

/* ---- the fake vfs ---- */

enum fake_kind {
	FK_PLAIN, /* stores what is written */
	FK_EBUSY, /* every write fails with EBUSY */
	FK_EHWPOISON,
	FK_STATE, /* memory block state: online/offline */
};

struct fnode {
	const char *path;
	enum vfs_type type;
	unsigned int mode;
	enum fake_kind kind;
	char content[64]; /* a link's target */
};

#define MAX_FNODES 64

struct fake_sys {
	struct fnode nodes[MAX_FNODES];
	size_t n;
	int writes;	     /* vfs_write calls */
	char last_write[64]; /* buffer of the last vfs_write */
	char last_path[128];
	struct vfs fs; /* the handle the shell gets */
};

static struct fnode *add(struct fake_sys *m, const char *path, enum vfs_type type,
			 unsigned int mode, enum fake_kind kind, const char *content)
{
	struct fnode *f;

	assert_true(m->n < MAX_FNODES);
	f = &m->nodes[m->n++];
	f->path = path;
	f->type = type;
	f->mode = mode;
	f->kind = kind;
	snprintf(f->content, sizeof(f->content), "%s", content ? content : "");
	return f;
}

static const struct fnode *find(const struct fake_sys *m, const char *path)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->nodes[i].path, path))
			return &m->nodes[i];
	return NULL;
}

static struct fnode *find_rw(struct fake_sys *m, const char *path)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->nodes[i].path, path))
			return &m->nodes[i];
	return NULL;
}

#define MEM  "/sys/devices/system/memory"
#define NODE "/sys/devices/system/node"

/* valid_zones of block `dir` follows its state, as in the kernel. */
static void set_zones(struct fake_sys *m, const char *dir, const char *zones)
{
	char path[512];
	struct fnode *f;

	snprintf(path, sizeof(path), "%s/valid_zones", dir);
	f = find_rw(m, path);
	if (f)
		snprintf(f->content, sizeof(f->content), "%s", zones);
}

static struct fake_sys *new_sys(void)
{
	struct fake_sys *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	add(m, "/", VFS_DIR, 0, FK_PLAIN, NULL);
	add(m, "/sys", VFS_DIR, 0, FK_PLAIN, NULL);
	add(m, "/sys/devices", VFS_DIR, 0, FK_PLAIN, NULL);
	add(m, "/sys/devices/system", VFS_DIR, 0, FK_PLAIN, NULL);
	add(m, MEM, VFS_DIR, 0, FK_PLAIN, NULL);
	add(m, MEM "/block_size_bytes", VFS_FILE, 0444, FK_PLAIN, "8000000\n");
	add(m, MEM "/auto_online_blocks", VFS_FILE, 0644, FK_PLAIN, "offline\n");
	add(m, MEM "/soft_offline_page", VFS_FILE, 0200, FK_EHWPOISON, NULL);

	/* memory0: online, Normal, node0 */
	add(m, MEM "/memory0", VFS_DIR, 0, FK_PLAIN, NULL);
	add(m, MEM "/memory0/state", VFS_FILE, 0644, FK_STATE, "online\n");
	add(m, MEM "/memory0/valid_zones", VFS_FILE, 0444, FK_PLAIN, "Normal\n");
	add(m, MEM "/memory0/node0", VFS_LINK, 0, FK_PLAIN, "../../node/node0");
	add(m, MEM "/memory0/online", VFS_FILE, 0644, FK_PLAIN, "1\n");
	add(m, MEM "/memory0/removable", VFS_FILE, 0444, FK_PLAIN, "1\n");

	/* memory1: offline, node1 (`online` sorts after `node1`) */
	add(m, MEM "/memory1", VFS_DIR, 0, FK_PLAIN, NULL);
	add(m, MEM "/memory1/state", VFS_FILE, 0644, FK_STATE, "offline\n");
	add(m, MEM "/memory1/valid_zones", VFS_FILE, 0444, FK_PLAIN, "Normal Movable\n");
	add(m, MEM "/memory1/node1", VFS_LINK, 0, FK_PLAIN, "../../node/node1");
	add(m, MEM "/memory1/online", VFS_FILE, 0644, FK_PLAIN, "0\n");

	/* memory2: offline, no valid_zones, no node link */
	add(m, MEM "/memory2", VFS_DIR, 0, FK_PLAIN, NULL);
	add(m, MEM "/memory2/state", VFS_FILE, 0644, FK_STATE, "offline\n");

	/* memory10: its state is busy (sorts before memory2 as a string) */
	add(m, MEM "/memory10", VFS_DIR, 0, FK_PLAIN, NULL);
	add(m, MEM "/memory10/state", VFS_FILE, 0644, FK_EBUSY, "online\n");
	add(m, MEM "/memory10/valid_zones", VFS_FILE, 0444, FK_PLAIN, "Movable\n");
	add(m, MEM "/memory10/node0", VFS_LINK, 0, FK_PLAIN, "../../node/node0");

	/* node0 links back to its blocks, as the kernel's node.c does */
	add(m, NODE, VFS_DIR, 0, FK_PLAIN, NULL);
	add(m, NODE "/node0", VFS_DIR, 0, FK_PLAIN, NULL);
	add(m, NODE "/node0/memory0", VFS_LINK, 0, FK_PLAIN, "../../memory/memory0");
	add(m, NODE "/node0/memory10", VFS_LINK, 0, FK_PLAIN, "../../memory/memory10");
	/* links that lead nowhere: a loop, and a chain back to the root */
	add(m, "/sys/loop", VFS_DIR, 0, FK_PLAIN, NULL);
	add(m, "/sys/loop/a", VFS_LINK, 0, FK_PLAIN, "b");
	add(m, "/sys/loop/b", VFS_LINK, 0, FK_PLAIN, "./a");
	add(m, "/sys/loop/root", VFS_LINK, 0, FK_PLAIN, "/");

	add(m, "/proc", VFS_DIR, 0, FK_PLAIN, NULL);
	add(m, "/proc/meminfo", VFS_FILE, 0444, FK_PLAIN, "MemTotal:        4030000 kB\n");
	return m;
}

static enum vfs_type fake_lookup(const void *ctx, const char *path, unsigned int *mode)
{
	const struct fake_sys *m = ctx;
	const struct fnode *f = find(m, path);

	if (!f)
		return VFS_NONE;
	if (mode)
		*mode = f->mode;
	return f->type;
}

static int fake_read(const void *ctx, const char *path, char **out)
{
	const struct fake_sys *m = ctx;
	const struct fnode *f = find(m, path);

	*out = NULL;
	if (!f)
		return -ENOENT;
	if (f->type != VFS_FILE)
		return -EISDIR; /* links point to directories here */
	if (!(f->mode & 0444))
		return -EACCES;
	*out = strdup(f->content);
	return *out ? 0 : -ENOMEM;
}

static int state_store(struct fake_sys *m, struct fnode *f, const char *buf)
{
	char dir[128];
	bool online = !strcmp(f->content, "online\n");

	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(f->path, '/') - f->path), f->path);
	if (!strcmp(buf, "online\n") || !strcmp(buf, "online")) {
		if (online)
			return -EINVAL;
		strcpy(f->content, "online\n");
		set_zones(m, dir, "Normal\n");
		return 0;
	}
	if (!strcmp(buf, "offline\n") || !strcmp(buf, "offline")) {
		if (!online)
			return -EINVAL;
		strcpy(f->content, "offline\n");
		set_zones(m, dir, "Normal Movable\n");
		return 0;
	}
	return -EINVAL;
}

static int fake_write(void *wctx, const char *path, const char *buf)
{
	struct fake_sys *m = wctx;
	struct fnode *f = find_rw(m, path);

	m->writes++;
	snprintf(m->last_write, sizeof(m->last_write), "%s", buf);
	snprintf(m->last_path, sizeof(m->last_path), "%s", path);
	if (!f)
		return -ENOENT;
	if (f->type != VFS_FILE)
		return -EISDIR;
	if (!(f->mode & 0222))
		return -EACCES;
	switch (f->kind) {
	case FK_EBUSY:
		return -EBUSY;
	case FK_EHWPOISON:
		return -EHWPOISON;
	case FK_STATE:
		return state_store(m, f, buf);
	case FK_PLAIN:
		break;
	}
	snprintf(f->content, sizeof(f->content), "%s", buf);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int fake_list(const void *ctx, const char *path, char ***names)
{
	const struct fake_sys *m = ctx;
	const struct fnode *d = find(m, path);
	size_t plen = strlen(path), n = 0;
	char **v;

	*names = NULL;
	if (!d)
		return -ENOENT;
	if (d->type == VFS_FILE)
		return -ENOTDIR;
	v = calloc(m->n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		const char *p = m->nodes[i].path;
		const char *rest;

		if (strncmp(p, path, plen) || p[plen] != '/' || !p[plen + 1])
			continue;
		rest = p + plen + 1;
		if (strchr(rest, '/'))
			continue;
		v[n] = strdup(rest);
		if (!v[n]) {
			vfs_free_list(v);
			return -ENOMEM;
		}
		n++;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	*names = v;
	return 0;
}

static int fake_readlink(const void *ctx, const char *path, char **target)
{
	const struct fnode *f = find(ctx, path);

	if (!f)
		return -ENOENT;
	if (f->type != VFS_LINK)
		return -EINVAL;
	*target = strdup(f->content);
	return *target ? 0 : -ENOMEM;
}

static const struct vfs_ops fake_ops = {
    .lookup = fake_lookup,
    .read = fake_read,
    .write = fake_write,
    .list = fake_list,
    .readlink = fake_readlink,
};

/* ---- helpers ---- */

static int setup(void **state)
{
	struct fake_sys *m = new_sys();

	m->fs = (struct vfs){.ops = &fake_ops, .ctx = m, .wctx = m};
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* Runs `line`, expects return 0 and the given rc, stdout and stderr. */
static void expect_run(struct fake_sys *m, const char *line, int rc, const char *out,
		       const char *err)
{
	struct guest_result res;
	int r = guest_shell_run(&m->fs, line, &res);

	if (r)
		fail_msg("`%s` returned %d", line, r);
	assert_non_null(res.out);
	assert_non_null(res.err);
	if (strcmp(res.out, out) || strcmp(res.err, err) || res.rc != rc)
		fail_msg("`%s`: rc %d stdout \"%s\" stderr \"%s\"; expected rc %d stdout \"%s\" "
			 "stderr \"%s\"",
			 line, res.rc, res.out, res.err, rc, out, err);
	guest_result_free(&res);
	assert_null(res.out);
}

/* Command lines and what they must give (expect_run), by the test that
 * runs them. */
struct run_case {
	const char *group;
	const char *line;
	int rc;
	const char *out, *err;
};

static const struct run_case run_cases[] = {
    /* test_echo_stdout */
    {"echo", "echo hello   'a  b'", 0, "hello a  b\n", ""},
    {"echo", "echo", 0, "\n", ""},
    {"echo", "echo -n x y", 0, "x y", ""},
    {"echo", "echo -nE x", 0, "x", ""},
    {"echo", "echo -x -n", 0, "-x -n\n", ""},
    {"echo", "echo - x", 0, "- x\n", ""},
    {"echo", "echo -e plain", 0, "plain\n", ""},
    {"echo", "echo a#b # comment", 0, "a#b\n", ""},
    {"echo", "echo \"x\\\"y\\z\"", 0, "x\"y\\z\n", ""},
    /* test_syntax */
    {"syntax", "", 0, "", ""},
    {"syntax", "   \t ", 0, "", ""},
    {"syntax", "# just a comment", 0, "", ""},
    {"syntax", "echo 'abc", 2, "", "sh: syntax error: unterminated quoted string\n"},
    {"syntax", "echo \"abc", 2, "", "sh: syntax error: unterminated quoted string\n"},
    {"syntax", "echo x >", 2, "", "sh: syntax error: unexpected newline\n"},
    {"syntax", "echo x >  ", 2, "", "sh: syntax error: unexpected newline\n"},
    {"syntax", "echo x > > y", 2, "", "sh: syntax error: unexpected redirection\n"},
};

/* Runs every case of group in order; none may write to the fake /sys. */
static void expect_runs_no_write(struct fake_sys *m, const char *group)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(run_cases) / sizeof(run_cases[0]); i++) {
		if (strcmp(run_cases[i].group, group))
			continue;
		expect_run(m, run_cases[i].line, run_cases[i].rc, run_cases[i].out,
			   run_cases[i].err);
		n++;
	}
	assert_true(n > 0);
	assert_int_equal(m->writes, 0);
}

/* Runs `line`, expects -EOPNOTSUPP with a message containing `what`. */
static void expect_unsupported(struct fake_sys *m, const char *line, const char *what)
{
	struct guest_result res;
	int writes = m->writes;
	int r = guest_shell_run(&m->fs, line, &res);

	if (r != -EOPNOTSUPP)
		fail_msg("`%s` returned %d, expected -EOPNOTSUPP", line, r);
	assert_non_null(res.err);
	if (!strstr(res.err, what))
		fail_msg("`%s`: message \"%s\" lacks \"%s\"", line, res.err, what);
	assert_non_null(strstr(res.err, "echo VALUE > PATH, cat PATH..., setstate [-a ATTR] VALUE "
					"BLOCK..., zones [BLOCK...]"));
	assert_string_equal(res.out, "");
	assert_int_equal(m->writes, writes); /* nothing was written */
	guest_result_free(&res);
}

static const char *content(const struct fake_sys *m, const char *path)
{
	const struct fnode *f = find(m, path);

	assert_non_null(f);
	return f->content;
}

/* ---- echo ---- */

static void test_echo_write(void **state)
{
	struct fake_sys *m = *state;

	expect_run(m, "echo online > " MEM "/memory1/state", 0, "", "");
	assert_string_equal(m->last_path, MEM "/memory1/state");
	assert_string_equal(m->last_write, "online\n");
	assert_string_equal(content(m, MEM "/memory1/state"), "online\n");
	assert_string_equal(content(m, MEM "/memory1/valid_zones"), "Normal\n");

	expect_run(m, "  echo -n 'offline' >" MEM "/memory1/state  ", 0, "", "");
	assert_string_equal(m->last_write, "offline");
	assert_string_equal(content(m, MEM "/memory1/state"), "offline\n");

	expect_run(m, "echo \"on\"line 1>" MEM "//memory1/./state", 0, "", "");
	assert_string_equal(m->last_path, MEM "/memory1/state");
	assert_string_equal(m->last_write, "online\n");

	expect_run(m, "echo \"a  b\" 'c\"d' e\\ f >| " MEM "/auto_online_blocks", 0, "", "");
	assert_string_equal(content(m, MEM "/auto_online_blocks"), "a  b c\"d e f\n");

	/* the redirection may come first */
	expect_run(m, "echo > " MEM "/auto_online_blocks online_movable", 0, "", "");
	assert_string_equal(content(m, MEM "/auto_online_blocks"), "online_movable\n");

	/* an empty word still counts */
	expect_run(m, "echo '' > " MEM "/auto_online_blocks", 0, "", "");
	assert_string_equal(content(m, MEM "/auto_online_blocks"), "\n");
}

static void test_echo_empty_no_write(void **state)
{
	struct fake_sys *m = *state;

	expect_run(m, "echo -n > " MEM "/memory1/state", 0, "", "");
	expect_run(m, "echo -n '' > " MEM "/memory1/state", 0, "", "");
	assert_int_equal(m->writes, 0);
	/* the open still fails on a read-only file */
	expect_run(m, "echo -n > " MEM "/block_size_bytes", 1, "",
		   "sh: can't create " MEM "/block_size_bytes: Permission denied\n");
}

static void test_echo_errors(void **state)
{
	struct fake_sys *m = *state;

	expect_run(m, "echo 1 > /sys/nope/x", 1, "",
		   "sh: can't create /sys/nope/x: nonexistent directory\n");
	expect_run(m, "echo 1 > " MEM "/block_size_bytes/x", 1, "",
		   "sh: can't create " MEM "/block_size_bytes/x: Not a directory\n");
	expect_run(m, "echo 1 > " MEM "/memory0", 1, "",
		   "sh: can't create " MEM "/memory0: Is a directory\n");
	expect_run(m, "echo 1 > " MEM "/block_size_bytes", 1, "",
		   "sh: can't create " MEM "/block_size_bytes: Permission denied\n");
	expect_run(m, "echo 1 > " MEM "/memory0/newfile", 1, "",
		   "sh: can't create " MEM "/memory0/newfile: Permission denied\n");
	assert_int_equal(m->writes, 0);

	expect_run(m, "echo offline > " MEM "/memory10/state", 1, "",
		   "sh: write error: Device or resource busy\n");
	expect_run(m, "echo online > " MEM "/memory0/state", 1, "",
		   "sh: write error: Invalid argument\n");
	expect_run(m, "echo bogus > " MEM "/memory1/state", 1, "",
		   "sh: write error: Invalid argument\n");
	expect_run(m, "echo 0x1000 > " MEM "/soft_offline_page", 1, "",
		   "sh: write error: Memory page has hardware error\n");
	assert_string_equal(content(m, MEM "/memory1/state"), "offline\n");
}

static void test_echo_stdout(void **state)
{
	expect_runs_no_write(*state, "echo");
}

/* ---- cat ---- */

static void test_cat(void **state)
{
	struct fake_sys *m = *state;

	expect_run(m, "cat " MEM "/memory0/state", 0, "online\n", "");
	expect_run(m, "cat " MEM "/memory0/state " MEM "/memory1/valid_zones /proc/meminfo", 0,
		   "online\nNormal Movable\nMemTotal:        4030000 kB\n", "");
	expect_run(m, "cat " MEM "/memory0/state /sys/nope " MEM "/memory1/state", 1,
		   "online\noffline\n", "cat: can't open '/sys/nope': No such file or directory\n");
	expect_run(m, "cat " MEM "/memory0", 1, "", "cat: read error: Is a directory\n");
	expect_run(m, "cat " MEM "/soft_offline_page", 1, "",
		   "cat: can't open '" MEM "/soft_offline_page': Permission denied\n");
	expect_run(m, "cat " MEM "/block_size_bytes/x", 1, "",
		   "cat: can't open '" MEM "/block_size_bytes/x': Not a directory\n");
	expect_run(m, "cat '" MEM "/memory1/state'", 0, "offline\n", "");
}

/* Paths through symlinks, as the kernel walks them (fs/namei.c): links on
 * the way are followed, and the last one for cat and echo's open(). The
 * kernel prints node0/memory0/state as memory0/state. */
static void test_paths_through_links(void **state)
{
	struct fake_sys *m = *state;

	expect_run(m, "cat " NODE "/node0/memory0/state", 0, "online\n", "");
	expect_run(m, "cat " MEM "/memory0/node0/memory10/valid_zones", 0, "Movable\n", "");
	expect_run(m, "cat /sys/loop/root/sys/loop/root" MEM "/memory1/state", 0, "offline\n", "");
	expect_run(m, "echo offline > " NODE "/node0/memory0/state", 0, "", "");
	assert_string_equal(m->last_path, MEM "/memory0/state");
	assert_string_equal(content(m, MEM "/memory0/state"), "offline\n");
	expect_run(m, "cat " NODE "/node0/memory0/state", 0, "offline\n", "");
	expect_run(m, "echo offline > " NODE "/node0/memory10/state", 1, "",
		   "sh: write error: Device or resource busy\n");
	assert_string_equal(m->last_path, MEM "/memory10/state");

	/* the link itself names a directory */
	expect_run(m, "cat " NODE "/node0/memory0", 1, "", "cat: read error: Is a directory\n");
	expect_run(m, "echo 1 > " NODE "/node0/memory0", 1, "",
		   "sh: can't create " NODE "/node0/memory0: Is a directory\n");
	expect_run(m, "cat " NODE "/node0/memory0/nope", 1, "",
		   "cat: can't open '" NODE "/node0/memory0/nope': No such file or directory\n");
	expect_run(m, "echo 1 > " NODE "/node0/memory0/state/x", 1, "",
		   "sh: can't create " NODE "/node0/memory0/state/x: Not a directory\n");
	expect_run(m, "cat " NODE "/node0/memory2/state", 1, "",
		   "cat: can't open '" NODE "/node0/memory2/state': No such file or directory\n");
	/* a dangling link: its target is not there */
	expect_run(m, "cat " MEM "/memory1/node1/memory1/state", 1, "",
		   "cat: can't open '" MEM "/memory1/node1/memory1/state': No such file or "
		   "directory\n");
	/* 40 links at most, then ELOOP (MAXSYMLINKS) */
	expect_run(m, "cat /sys/loop/a/state", 1, "",
		   "cat: can't open '/sys/loop/a/state': Too many levels of symbolic links\n");
}

/* ---- setstate ---- */

static void test_setstate(void **state)
{
	struct fake_sys *m = *state;

	expect_run(m, "setstate online 1", 0,
		   "memory1 offline [Normal Movable] state=online: ok -> online [Normal]\n", "");
	expect_run(m, "setstate offline 0-2", 1,
		   "memory0 online [Normal] state=offline: ok -> offline [Normal Movable]\n"
		   "memory1 online [Normal] state=offline: ok -> offline [Normal Movable]\n"
		   "memory2 offline [] state=offline: FAILED: Invalid argument -> offline []\n",
		   "");
	expect_run(
	    m, "setstate online 10 3 2", 2,
	    "memory10 online [Movable] state=online: FAILED: Device or resource busy -> online "
	    "[Movable]\n"
	    "memory3: no such block\n"
	    "memory2 offline [] state=online: ok -> online []\n",
	    "");
	assert_string_equal(m->last_write, "online\n");
}

static void test_setstate_attr(void **state)
{
	struct fake_sys *m = *state;

	expect_run(m, "setstate -a online 0 0", 0,
		   "memory0 online [Normal] online=0: ok -> online [Normal]\n", "");
	assert_string_equal(m->last_path, MEM "/memory0/online");
	assert_string_equal(m->last_write, "0\n");
	expect_run(
	    m, "setstate -a removable 0 0", 1,
	    "memory0 online [Normal] removable=0: FAILED: Permission denied -> online [Normal]\n",
	    "");
	/* sysfs cannot create a file: the open fails with EACCES, as 6.1 and
	 * 6.12 showed (tests/conformance/guest-commands). */
	expect_run(m, "setstate -a nothere 'a b' 0", 1,
		   "memory0 online [Normal] nothere=a b: FAILED: Permission denied -> online "
		   "[Normal]\n",
		   "");
}

static void test_setstate_usage(void **state)
{
	struct fake_sys *m = *state;
	static const char *const bad[] = {
	    "setstate",
	    "setstate online",
	    "setstate -a",
	    "setstate -a online 1",
	    "setstate online 5-3",
	    "setstate online x",
	    "setstate online 1-",
	    "setstate online -1",
	    "setstate online 1,2",
	    "setstate -a '' online 1",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_run(m, bad[i], 2, "",
			   "setstate: usage: setstate [-a ATTR] VALUE BLOCK...\n");
	assert_int_equal(m->writes, 0);
}

static void test_setstate_rc_cap(void **state)
{
	struct fake_sys *m = *state;
	struct guest_result res;
	size_t lines = 0;

	assert_int_equal(guest_shell_run(&m->fs, "setstate online 1000-1125", &res), 0);
	assert_int_equal(res.rc, 125);
	for (const char *p = res.out; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 126);
	assert_true(
	    !strncmp(res.out, "memory1000: no such block\nmemory1001: no such block\n", 52));
	guest_result_free(&res);

	assert_int_equal(guest_shell_run(&m->fs, "setstate online 1000-1124", &res), 0);
	assert_int_equal(res.rc, 125);
	guest_result_free(&res);
	assert_int_equal(guest_shell_run(&m->fs, "setstate online 1000-1123", &res), 0);
	assert_int_equal(res.rc, 124);
	guest_result_free(&res);
}

/* ---- zones ---- */

static void test_zones(void **state)
{
	struct fake_sys *m = *state;

	expect_run(m, "zones", 0,
		   "memory0 online [Normal] node0\n"
		   "memory1 offline [Normal Movable] node1\n"
		   "memory2 offline [] node?\n"
		   "memory10 online [Movable] node0\n",
		   "");
	expect_run(m, "zones 10 0-1", 0,
		   "memory10 online [Movable] node0\n"
		   "memory0 online [Normal] node0\n"
		   "memory1 offline [Normal Movable] node1\n",
		   "");
	expect_run(m, "zones 1-4", 1,
		   "memory1 offline [Normal Movable] node1\n"
		   "memory2 offline [] node?\n"
		   "memory3: no such block\n"
		   "memory4: no such block\n",
		   "");
	expect_run(m, "zones 2-1", 2, "", "zones: usage: zones [BLOCK...]\n");
	expect_run(m, "zones abc", 2, "", "zones: usage: zones [BLOCK...]\n");
}

/* ---- shell syntax and unsupported commands ---- */

static void test_syntax(void **state)
{
	expect_runs_no_write(*state, "syntax");
}

static void test_unsupported(void **state)
{
	struct fake_sys *m = *state;

	expect_unsupported(m, "ls /sys", "`ls`");
	expect_unsupported(m, "  lsmem  ", "guest command not supported: `lsmem`: `lsmem`");
	expect_unsupported(m, "cat " MEM "/memory0/state | head", "pipelines");
	expect_unsupported(m, "echo online > " MEM "/memory1/state; echo x", "several commands");
	expect_unsupported(m, "echo online > " MEM "/memory1/state && true", "&&");
	expect_unsupported(m, "echo online >> " MEM "/memory1/state", ">>");
	expect_unsupported(m, "echo online 2> /dev/null", "file descriptor 2");
	expect_unsupported(m, "echo online >&2", ">&");
	expect_unsupported(m, "echo online > a > b", "more than one redirection");
	expect_unsupported(m, "cat " MEM "/memory*/state", "globbing");
	expect_unsupported(m, "echo $HOME", "expansion");
	expect_unsupported(m, "echo \"$HOME\"", "expansion");
	expect_unsupported(m, "echo ~", "tilde");
	expect_unsupported(m, "echo -e 'a\\tb' > " MEM "/memory1/state", "echo -e");
	expect_unsupported(m, "cat", "standard input");
	expect_unsupported(m, "cat -n " MEM "/memory0/state", "-n");
	expect_unsupported(m, "cat " MEM "/memory0/state > " MEM "/memory1/state", "`cat`");
	expect_unsupported(m, "echo online > memory1/state", "relative path");
	expect_unsupported(m, "echo online > " MEM "/memory1/../memory1/state", "..");
	expect_unsupported(m, "> " MEM "/memory1/state", "without a command");
	expect_unsupported(m, "zones 99999999999", "block number");
	expect_unsupported(m, "setstate online 0-100000", "blocks in one command");
}

static void test_invalid_args(void **state)
{
	struct fake_sys *m = *state;
	struct guest_result res = {.rc = 7};

	assert_int_equal(guest_shell_run(&m->fs, NULL, &res), -EINVAL);
	assert_null(res.out);
	assert_null(res.err);
	assert_int_equal(guest_shell_run(&m->fs, "echo", NULL), -EINVAL);
	guest_result_free(NULL);
}

/* ---- linux_errno ---- */

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(linux_strerror(EPERM), "Operation not permitted");
	assert_string_equal(linux_strerror(-EINVAL), "Invalid argument");
	assert_string_equal(linux_strerror(EBUSY), "Device or resource busy");
	assert_string_equal(linux_strerror(EAGAIN), "Resource temporarily unavailable");
	assert_string_equal(linux_strerror(ENOMEM), "Cannot allocate memory");
	assert_string_equal(linux_strerror(ERANGE), "Numerical result out of range");
	assert_string_equal(linux_strerror(EOPNOTSUPP), "Operation not supported");
	assert_string_equal(linux_strerror(-EHWPOISON), "Memory page has hardware error");
	assert_string_equal(linux_strerror(ENOSPC), "No space left on device");
	assert_string_equal(linux_strerror(E2BIG), "Argument list too long");
	assert_true(linux_errno_known(EIO));
	assert_false(linux_errno_known(0));
	assert_false(linux_errno_known(41));
	assert_false(linux_errno_known(524));
	assert_string_equal(linux_strerror(524), "Unknown error");
	assert_string_equal(linux_strerror(INT32_MIN), "Unknown error");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_echo_write),
	    T(test_echo_empty_no_write),
	    T(test_echo_errors),
	    T(test_echo_stdout),
	    T(test_cat),
	    T(test_paths_through_links),
	    T(test_setstate),
	    T(test_setstate_attr),
	    T(test_setstate_usage),
	    T(test_setstate_rc_cap),
	    T(test_zones),
	    T(test_syntax),
	    T(test_unsupported),
	    T(test_invalid_args),
	    T(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
