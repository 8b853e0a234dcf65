/* Writing any vfs as a sysroot directory DIR/NAME/{sys,proc}, the tree
 * lsmem --sysroot reads.
 *
 * DIR/NAME must hold exactly the state saved now, and nothing may be
 * created, changed or removed outside DIR, whatever an earlier run or
 * anyone else left there. So the tree is built under a fresh hidden name
 * in DIR, each entry created relative to its parent's directory handle
 * (openat/mkdirat/symlinkat/linkat, O_EXCL|O_NOFOLLOW: nothing existing is
 * reopened or followed), and renamed to NAME only when complete. What was
 * at DIR/NAME (an earlier tree, a file, a symlink) is renamed aside, as
 * itself: a symlink is moved, never written through, and is removed
 * walking with O_NOFOLLOW/AT_SYMLINK_NOFOLLOW.
 *
 * A run writes a tree per snapshot, and most of sysfs is the same in the
 * next one: with a struct sysroot_trees, an entry whose path, type, mode
 * and content are those of the run's last tree is a hard link to it
 * (linkat from a directory handle opened down the last tree with
 * O_NOFOLLOW, from its root handle kept since it was written). Files are
 * created with their final mode, so the usual entry costs one system call
 * and no new inode. */
#include "vfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/* The names inside the temporary directory: the tree being built, and
 * what DIR/NAME held before while the new tree takes its place. */
#define NEW_TREE "tree"
#define OLD_TREE "old"

/* One path of a tree: enough to tell that the next tree's entry is the
 * same. */
struct sysroot_entry {
	uint64_t key;	    /* hash of the path; 0: a free slot */
	char *content;	    /* a file's content, a link's target; NULL for a dir */
	unsigned int mode;  /* a file's */
	unsigned char type; /* enum vfs_type */
	bool shared;	    /* another path of the tree has the same key */
};

struct entry_table {
	struct sysroot_entry *tab;
	size_t cap, count;
	bool lost; /* out of memory: incomplete, never to be linked from */
};

struct tree_walk {
	const struct vfs *v;
	const char *dir, *name; /* messages name DIR/NAME/path, the final place */
	char *err;
	size_t errlen;
	const struct entry_table *last; /* the last tree's entries, or NULL */
	struct entry_table next;	/* this tree's, when a run keeps them */
	bool keep;			/* fill next */
	int cut; /* the mode bits creation takes away (umask), -1 not known */
};

static int fail_path(struct tree_walk *w, const char *vpath, int ret)
{
	if (w->err && w->errlen)
		snprintf(w->err, w->errlen, "%s/%s%s: %s", w->dir, w->name,
			 strcmp(vpath, "/") ? vpath : "", strerror(-ret));
	return ret;
}

/* One path component that names a new entry in its own directory. */
static bool plain_name(const char *s)
{
	return *s && strcmp(s, ".") && strcmp(s, "..") && !strchr(s, '/') && strlen(s) <= NAME_MAX;
}

/* FNV-1a, then a 64-bit finalizer so that the low bits index a table. */
static uint64_t path_key(const char *path)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h ? h : 1;
}

static struct sysroot_entry *table_slot(const struct sysroot_entry *tab, size_t cap, uint64_t key)
{
	size_t i = key & (cap - 1);

	while (tab[i].key && tab[i].key != key)
		i = (i + 1) & (cap - 1);
	return (struct sysroot_entry *)&tab[i];
}

static const struct sysroot_entry *table_find(const struct entry_table *t, uint64_t key)
{
	const struct sysroot_entry *e;

	if (!t || t->lost || !t->cap)
		return NULL;
	e = table_slot(t->tab, t->cap, key);
	return e->key ? e : NULL;
}

static void table_free(struct entry_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->tab[i].content);
	free(t->tab);
	*t = (struct entry_table){0};
}

/* Doubles t at half full. 0 or -ENOMEM with t unchanged. */
static int table_grow(struct entry_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	struct sysroot_entry *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->tab[i].key)
			*table_slot(tab, cap, t->tab[i].key) = t->tab[i];
	free(t->tab);
	t->tab = tab;
	t->cap = cap;
	return 0;
}

/* Records a path (its key) in t, taking content over (freed here when not kept). Two
 * paths with one key are both marked shared: neither is ever linked, so a
 * key names at most one path of the last tree and the linkat of the same
 * name there can only find that path. Out of memory, t is marked lost. */
static void table_add(struct entry_table *t, uint64_t key, enum vfs_type type, unsigned int mode,
		      char *content)
{
	struct sysroot_entry *e;

	if (t->lost || ((t->count + 1) * 2 > t->cap && table_grow(t))) {
		t->lost = true;
		free(content);
		return;
	}
	e = table_slot(t->tab, t->cap, key);
	if (e->key) {
		e->shared = true;
		free(content);
		return;
	}
	*e = (struct sysroot_entry){
	    .key = key, .content = content, .mode = mode, .type = (unsigned char)type};
	t->count++;
}

/* The last tree's entry for path, when it has the same type, mode and
 * content (directories: the same type). */
static bool same_as_last(const struct tree_walk *w, uint64_t key, enum vfs_type type,
			 unsigned int mode, const char *content)
{
	const struct sysroot_entry *e = table_find(w->last, key);

	if (!e || e->shared || e->type != type)
		return false;
	if (type == VFS_DIR)
		return true;
	return (type == VFS_LINK || e->mode == mode) && !strcmp(e->content, content);
}

/* Keeps content for the next tree's comparison, or frees it. */
static void remember(struct tree_walk *w, uint64_t key, enum vfs_type type, unsigned int mode,
		     char *content)
{
	if (w->keep)
		table_add(&w->next, key, type, mode, content);
	else
		free(content);
}

/* Whether an entry created with mode may not get exactly mode. */
static bool mode_cut(int cut, unsigned int mode)
{
	return cut < 0 || (mode & ((unsigned int)cut | ~0777u));
}

/* A new file name in dfd with content and mode, which may leave it
 * read-only or write-only as v reports it: created with it, set again only
 * when the umask or a default ACL may have cut it. 0 or -errno. */
static int write_file_at(int dfd, const char *name, const char *content, unsigned int mode, int cut)
{
	size_t len = strlen(content), off = 0;
	int ret = 0, fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				 (mode_t)(mode & 0777));

	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, content + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (!ret && mode_cut(cut, mode) && fchmod(fd, mode))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

/* dfd/name as a hard link to the last tree's pfd/name: true when done.
 * Any failure (the last tree changed, another file system, a link limit)
 * leaves the entry to be written instead. */
static bool link_last(int pfd, int dfd, const char *name)
{
	return pfd >= 0 && !linkat(pfd, name, dfd, name, 0);
}

static int save_file_at(struct tree_walk *w, int dfd, int pfd, const char *name, const char *vpath,
			unsigned int mode)
{
	uint64_t key = path_key(vpath);
	char *content = NULL;
	int ret = mode & 0444 ? vfs_read(w->v, vpath, &content) : -EACCES;

	if (ret == -EACCES) {
		/* Present, empty: write-only, or unreadable where captured. */
		content = strdup("");
		ret = content ? 0 : -ENOMEM;
	}
	if (!ret && !(pfd >= 0 && same_as_last(w, key, VFS_FILE, mode, content) &&
		      link_last(pfd, dfd, name)))
		ret = write_file_at(dfd, name, content, mode, w->cut);
	if (ret)
		free(content);
	else
		remember(w, key, VFS_FILE, mode, content);
	return ret;
}

static int save_link_at(struct tree_walk *w, int dfd, int pfd, const char *name, const char *vpath)
{
	uint64_t key = path_key(vpath);
	char *target = NULL;
	int ret = vfs_readlink(w->v, vpath, &target);

	/* A hard link to a symlink is that symlink again (lstat, readlink). */
	if (!ret &&
	    !(pfd >= 0 && same_as_last(w, key, VFS_LINK, 0, target) && link_last(pfd, dfd, name)) &&
	    symlinkat(target, dfd, name))
		ret = -errno;
	if (ret)
		free(target);
	else
		remember(w, key, VFS_LINK, 0, target);
	return ret;
}

static int save_node(struct tree_walk *w, int dfd, int pfd, const char *name, const char *vpath);

/* The entries of vpath into the directory fd; pfd is the last tree's
 * vpath, or -1. The message is written where an error starts; callers
 * only pass it on. */
static int save_children(struct tree_walk *w, int fd, int pfd, const char *vpath)
{
	char **names = NULL;
	int ret = vfs_list(w->v, vpath, &names);

	if (ret)
		return fail_path(w, vpath, ret);
	for (char **n = names; !ret && *n; n++) {
		char child[1024];
		/* The root's children are "/sys", not "//sys". */
		int len =
		    snprintf(child, sizeof(child), "%s/%s", strcmp(vpath, "/") ? vpath : "", *n);

		if (len < 0 || (size_t)len >= sizeof(child))
			ret = fail_path(w, vpath, -ENAMETOOLONG);
		else if (!plain_name(*n))
			/* A capture's paths come from the guest: no "..". */
			ret = fail_path(w, child, -EINVAL);
		else
			ret = save_node(w, fd, pfd, *n, child);
	}
	vfs_free_list(names);
	return ret;
}

/* A new directory name in dfd, 0755 (the umask's cut put back): its
 * handle, or -errno with the message written. */
static int make_dir_at(struct tree_walk *w, int dfd, const char *name, const char *vpath)
{
	int fd, ret;

	if (mkdirat(dfd, name, 0755))
		return fail_path(w, vpath, -errno);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail_path(w, vpath, -errno);
	if (mode_cut(w->cut, 0755) && fchmod(fd, 0755)) {
		ret = fail_path(w, vpath, -errno);
		close(fd);
		return ret;
	}
	return fd;
}

/* A new directory name in dfd holding vpath's entries; pfd is the last
 * tree's parent of vpath, or -1. */
static int save_dir_at(struct tree_walk *w, int dfd, int pfd, const char *name, const char *vpath)
{
	int fd = make_dir_at(w, dfd, name, vpath), last = -1, ret;
	uint64_t key = path_key(vpath);

	if (fd < 0)
		return fd;
	/* Not found there (changed since): nothing is linked below. */
	if (pfd >= 0 && same_as_last(w, key, VFS_DIR, 0, NULL))
		last = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	remember(w, key, VFS_DIR, 0, NULL);
	ret = save_children(w, fd, last, vpath);
	if (last >= 0)
		close(last);
	close(fd);
	return ret;
}

static int save_node(struct tree_walk *w, int dfd, int pfd, const char *name, const char *vpath)
{
	unsigned int mode = 0;
	int ret;

	switch (vfs_lookup(w->v, vpath, &mode)) {
	case VFS_DIR:
		return save_dir_at(w, dfd, pfd, name, vpath);
	case VFS_LINK:
		ret = save_link_at(w, dfd, pfd, name, vpath);
		break;
	case VFS_FILE:
		ret = save_file_at(w, dfd, pfd, name, vpath, mode);
		break;
	default:
		ret = -ENOENT;
		break;
	}
	return ret ? fail_path(w, vpath, ret) : 0;
}

/* The whole tree as wfd/NEW_TREE, its handle in *root (also on error,
 * or -1), with last the last tree's root or -1; an empty vfs (nothing
 * captured) is an empty directory, so that an earlier tree is not left in
 * its place. */
static int save_tree(struct tree_walk *w, int wfd, int last, int *root)
{
	enum vfs_type type = vfs_lookup(w->v, "/", NULL);

	*root = -1;
	if (type != VFS_DIR && type != VFS_NONE)
		return fail_path(w, "/", -ENOTDIR);
	*root = make_dir_at(w, wfd, NEW_TREE, "/");
	if (*root < 0)
		return *root;
	if (type == VFS_NONE)
		return 0;
	if (last >= 0 && !same_as_last(w, path_key("/"), VFS_DIR, 0, NULL))
		last = -1;
	remember(w, path_key("/"), VFS_DIR, 0, NULL);
	return save_children(w, *root, last, "/");
}

/* Six characters that make a name unlikely to exist, as mkdtemp() uses. */
static void random_suffix(char *out, unsigned int attempt)
{
	static const char chars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char rnd[6];

	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (uint64_t)ts.tv_nsec * 2654435761u + (uint64_t)getpid() * 40503u + attempt;
		for (size_t i = 0; i < sizeof(rnd); i++, x >>= 8)
			rnd[i] = (unsigned char)x;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		out[i] = chars[rnd[i] % (sizeof(chars) - 1)];
	out[sizeof(rnd)] = '\0';
}

/* mkdtemp() relative to dfd: ".NAME.XXXXXX" (at most 200 bytes of NAME,
 * within NAME_MAX), 0700. Labels never start with '.', so it is never a
 * snapshot's name. 0 or -errno. */
static int make_temp_dir(int dfd, const char *name, char *tmp, size_t len)
{
	for (unsigned int attempt = 0; attempt < 100; attempt++) {
		char suffix[7];

		random_suffix(suffix, attempt);
		snprintf(tmp, len, ".%.200s.%s", name, suffix);
		if (!mkdirat(dfd, tmp, 0700))
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/* rm -r of dfd's entry name without following symlinks: a link is
 * removed, never what it points to. 0 (also when it is gone) or -errno. */
static int remove_tree(int dfd, const char *name)
{
	struct dirent *e;
	struct stat st;
	int fd, ret = 0;
	DIR *d;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0) && errno != ENOENT ? -errno : 0;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while (!ret && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			ret = remove_tree(dirfd(d), e->d_name);
	closedir(d);
	if (!ret && unlinkat(dfd, name, AT_REMOVEDIR) && errno != ENOENT)
		ret = -errno;
	return ret;
}

/* wfd/NEW_TREE becomes dfd/name; what was there moves to wfd/OLD_TREE as
 * it is (rename() moves a symlink, not its target). 0, or -errno with
 * dfd/name put back as it was. */
static int move_into_place(int dfd, const char *name, int wfd)
{
	struct stat st;
	bool had_old = !fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW);
	int ret;

	if (!had_old && errno != ENOENT)
		return -errno;
	if (had_old && renameat(dfd, name, wfd, OLD_TREE))
		return -errno;
	if (!renameat(wfd, NEW_TREE, dfd, name))
		return 0;
	ret = -errno;
	if (had_old)
		renameat(wfd, OLD_TREE, dfd, name);
	return ret;
}

void sysroot_trees_init(struct sysroot_trees *t)
{
	*t = (struct sysroot_trees){.fd = -1, .umask = -1};
}

void sysroot_trees_release(struct sysroot_trees *t)
{
	struct entry_table e = {.tab = t->tab, .cap = t->cap, .count = t->count};

	table_free(&e);
	if (t->fd >= 0)
		close(t->fd);
	sysroot_trees_init(t);
}

/* This process's umask, read where it does not change it (umask(2) would,
 * for a moment, for every thread): /proc/self/status, Linux 4.7 on. -1
 * when not known. */
static int read_umask(void)
{
	char buf[4096], *p;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "\nUmask:");
	return p ? (int)strtol(p + 7, NULL, 8) & 0777 : -1;
}

/* The mode bits that creation in wfd takes away: the umask's, unless a
 * default ACL (inherited from DIR) takes its place; -1 when not known, and
 * then every mode is set again after creation. */
static int creation_cut(int um, int wfd)
{
	if (um < 0 || fgetxattr(wfd, "system.posix_acl_default", NULL, 0) >= 0)
		return -1;
	return errno == ENODATA || errno == ENOTSUP || errno == EOPNOTSUPP ? um : -1;
}

/* Hands the tree just put in place (its root handle, DIR's identity st
 * and w's table) over to t, forgetting the one before. */
static void trees_take(struct sysroot_trees *t, struct tree_walk *w, int root,
		       const struct stat *st)
{
	int um = t->umask;

	sysroot_trees_release(t);
	t->umask = um;
	if (w->next.lost) {
		close(root);
		table_free(&w->next);
		return;
	}
	t->fd = root;
	t->dir_dev = (unsigned long long)st->st_dev;
	t->dir_ino = (unsigned long long)st->st_ino;
	t->tab = w->next.tab;
	t->cap = w->next.cap;
	t->count = w->next.count;
	w->next = (struct entry_table){0};
}

int sysroot_save(const struct vfs *v, const char *dir, const char *name, char *err, size_t errlen)
{
	return sysroot_save_next(NULL, v, dir, name, err, errlen);
}

int sysroot_save_next(struct sysroot_trees *t, const struct vfs *v, const char *dir,
		      const char *name, char *err, size_t errlen)
{
	struct tree_walk w = {
	    .v = v, .dir = dir, .name = name, .err = err, .errlen = errlen, .keep = t != NULL};
	struct entry_table last = {0};
	char tmp[NAME_MAX + 1];
	int dfd, wfd, root, ret, cleanup, um;
	struct stat st;
	bool placed = false;

	if (!plain_name(name)) {
		if (err && errlen)
			snprintf(err, errlen, "%s/%s: expected a name for a directory in %s", dir,
				 name, dir);
		return -EINVAL;
	}
	/* DIR itself is the caller's: it may be (or lie under) a symlink. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		ret = -errno;
		if (err && errlen)
			snprintf(err, errlen, "'%s': %s", dir, strerror(-ret));
		return ret;
	}
	ret = make_temp_dir(dfd, name, tmp, sizeof(tmp));
	if (!ret) {
		wfd = openat(dfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (wfd < 0) {
			ret = -errno;
			remove_tree(dfd, tmp);
		}
	}
	if (!ret && t && fstat(dfd, &st)) {
		ret = -errno;
		close(wfd);
		remove_tree(dfd, tmp);
	}
	if (ret) {
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot create a temporary directory: %s", dir,
				 strerror(-ret));
		close(dfd);
		return ret;
	}
	if (t && t->umask < 0)
		t->umask = read_umask();
	um = t ? t->umask : read_umask();
	w.cut = creation_cut(um, wfd);
	/* Only the last tree of this run, in this DIR. */
	if (t && t->fd >= 0 && t->dir_dev == (unsigned long long)st.st_dev &&
	    t->dir_ino == (unsigned long long)st.st_ino) {
		last = (struct entry_table){.tab = t->tab, .cap = t->cap, .count = t->count};
		w.last = &last;
	}
	ret = save_tree(&w, wfd, w.last ? t->fd : -1, &root);
	if (!ret) {
		ret = move_into_place(dfd, name, wfd);
		placed = !ret;
		if (ret && err && errlen)
			snprintf(err, errlen, "%s/%s: cannot replace it: %s", dir, name,
				 strerror(-ret));
	}
	if (placed && t)
		trees_take(t, &w, root, &st);
	else if (root >= 0)
		close(root);
	table_free(&w.next);
	close(wfd);
	/* The partial tree of a failure, or the earlier tree moved aside. */
	cleanup = remove_tree(dfd, tmp);
	if (!ret && cleanup) {
		ret = cleanup;
		if (err && errlen)
			snprintf(err, errlen, "%s/%s: cannot remove the earlier tree: %s", dir, tmp,
				 strerror(-ret));
	}
	close(dfd);
	return ret;
}

int sysroot_dir_prepare(const char *dir, char *why, size_t len)
{
	struct stat st;
	int e;

	if (!*dir) {
		snprintf(why, len, "expected a directory, got an empty name");
		return -ENOENT;
	}
	if (!mkdir(dir, 0755))
		return 0;
	e = errno;
	if (e == ENOENT) {
		snprintf(why, len, "cannot create it: its parent directory does not exist");
		return -ENOENT;
	}
	if (e != EEXIST) {
		snprintf(why, len, "cannot create it: %s", strerror(e));
		return -e;
	}
	/* Following a symlink: DIR may be a link to the directory to use. */
	if (stat(dir, &st)) {
		e = errno;
		snprintf(why, len, "%s", strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, len, "exists and is not a directory; expected a directory");
		return -ENOTDIR;
	}
	if (access(dir, W_OK | X_OK)) {
		e = errno;
		snprintf(why, len, "cannot write into it: %s", strerror(e));
		return -e;
	}
	return 0;
}
