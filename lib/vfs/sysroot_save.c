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
 * (linkat from the last tree's directory handle, kept since that tree
 * was written, or past a budget of handles opened down the last tree with
 * O_NOFOLLOW from its root handle). Files are created with their final
 * mode, so the usual entry costs one system call and no new inode.
 *
 * The calling thread walks the vfs (only it reads it) and creates the
 * directories that hold directories, keeping their handles; the files and
 * symlinks it decides on are queued and created by worker threads, each
 * taking whole directories, on the handles alone. A leaf directory (most
 * of sysfs: memoryN holds only files and links) is queued whole: the
 * worker creates it in its parent's handle, fills it and hands its handle
 * back, so the walking thread makes no system call for it. The first
 * failure in the walk's order is the one reported, as if the entries were
 * created one by one. */
#include "vfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "array.h"

/* The names inside the temporary directory: the tree being built, and
 * what DIR/NAME held before while the new tree takes its place. */
#define NEW_TREE "tree"
#define OLD_TREE "old"

/* Directory handles a run keeps from one tree to link the next tree's
 * entries from, at most: an eighth of RLIMIT_NOFILE (the last tree's and
 * the new tree's are open together with those waiting for the workers,
 * and the rest of memhp opens files too), and no more than this. The directories past it are opened
 * down the last tree for the time of one tree, as without kept handles. */
#define KEPT_DIRS_MAX 16384

/* The walk hands its queue to the worker threads in batches of this
 * many entries, or when this many handles of finished directories (not
 * kept) wait for the entries queued into them. */
#define BATCH_OPS   256
#define CLOSE_BATCH 128

/* What the walk lets wait for the workers at most: past it, it waits (a
 * bound on the memory and handles held on a machine with many
 * directories). The handles, also no more than an eighth of
 * RLIMIT_NOFILE / 16 (fd_room). */
#define PENDING_OPS 65536
#define PENDING_FDS (4 * CLOSE_BATCH)

/* Threads creating a tree's entries, the walking one included: the
 * kernel creates entries in different directories in parallel (each has
 * its own lock), and the walk's own time is spent meanwhile. */
#define WORKERS_MAX 4

/* One path of a tree: enough to tell that the next tree's entry is the
 * same. */
struct sysroot_entry {
	uint64_t key;	    /* hash of the path; 0: a free slot */
	char *content;	    /* a file's content, a link's target; NULL for a dir */
	unsigned int mode;  /* a file's */
	int fd;		    /* a directory's handle kept to link from, or -1 */
	unsigned char type; /* enum vfs_type */
	bool shared;	    /* another path of the tree has the same key */
};

struct entry_table {
	struct sysroot_entry *tab;
	size_t cap, count;
	bool lost; /* out of memory: incomplete, never to be linked from */
};

/* A directory of the tree being written. */
struct plan_dir {
	const char *name; /* for messages; "" for the root */
	size_t parent;	  /* index in the walk's dirs; the root is its own */
	uint64_t key;
	int fd; /* its handle, kept for the next tree; -1 when not kept */
};

/* A file or symlink the walk decided on, queued for a worker; or a leaf
 * directory (VFS_DIR), created by the worker, the ops after it with fd -1
 * going into it up to the next one (a leaf's ops are never split between
 * batches). */
struct plan_op {
	char *content;	  /* owned until remembered */
	const char *name; /* in one of the lists the walk keeps */
	uint64_t key;
	size_t dir;	    /* index in the walk's dirs, for the message */
	size_t leaf;	    /* VFS_DIR: its own index in the walk's dirs */
	int fd;		    /* the new directory's handle; -1: the leaf's */
	int last;	    /* the last tree's directory to link name from, or -1;
			     * VFS_DIR: the leaf's, taken from the table, to close */
	int made;	    /* VFS_DIR: its handle, once made and while kept */
	unsigned int mode;  /* a file's */
	unsigned char type; /* VFS_FILE, VFS_LINK or VFS_DIR */
	bool keep;	    /* VFS_DIR: its handle is kept for the next tree */
};

/* A run of the queue, done by one thread in order up to its first
 * failure. */
struct batch {
	struct plan_op *ops;
	size_t nops;
	int *closing; /* to close once it and the batches before are done */
	size_t nclosing;
	size_t failed; /* the entry that failed */
	int err;       /* 0, or how it failed */
	bool done;
};

/* The batches of one tree, taken in order by the worker threads and by
 * the walking thread when it waits; settled (remembered, handles closed)
 * in order by the walking thread alone. */
struct pool {
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct batch *b;
	size_t n, cap;
	size_t next;	/* the first batch not taken */
	size_t settled; /* the first batch not settled */
	bool stop;	/* no more batches: the threads return */
	int cut;
	pthread_t thread[WORKERS_MAX];
	unsigned int nthreads;
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
	unsigned int workers;
	size_t budget, kept; /* directory handles to keep at most; kept */
	size_t fd_room;	     /* handles waiting for the workers at most */

	struct plan_dir *dirs;
	size_t ndirs, dircap;
	struct plan_op *ops; /* queued, in the order of the walk */
	size_t nops, opcap;
	int *closing; /* handles to close once the queue is done */
	size_t nclosing, closecap;
	struct pool pool;
	size_t pending_ops, pending_fds; /* in batches not settled */
	int qerr;			 /* the first failure of a batch, or 0 */
	size_t qdir;			 /* its entry's directory and name */
	const char *qname;
	char ***lists; /* the vfs_list answers the names point into */
	size_t nlists, listcap;
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

static struct sysroot_entry *table_find(const struct entry_table *t, uint64_t key)
{
	struct sysroot_entry *e;

	if (!t || t->lost || !t->cap)
		return NULL;
	e = table_slot(t->tab, t->cap, key);
	return e->key ? e : NULL;
}

static void table_free(struct entry_table *t)
{
	for (size_t i = 0; i < t->cap; i++) {
		free(t->tab[i].content);
		if (t->tab[i].key && t->tab[i].fd >= 0)
			close(t->tab[i].fd);
	}
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

/* Records a path (its key) in t, taking content and a directory's handle
 * fd (or -1) over: freed or closed here when not kept. Two paths with one
 * key are both marked shared: neither is ever linked, so a key names at
 * most one path of the last tree and the linkat of the same name there
 * can only find that path. Out of memory, t is marked lost. */
static void table_add(struct entry_table *t, uint64_t key, enum vfs_type type, unsigned int mode,
		      char *content, int fd)
{
	struct sysroot_entry *e = NULL;

	if (!t->lost && (t->count + 1) * 2 > t->cap && table_grow(t))
		t->lost = true;
	if (!t->lost)
		e = table_slot(t->tab, t->cap, key);
	if (!e || e->key) {
		if (e)
			e->shared = true;
		free(content);
		if (fd >= 0)
			close(fd);
		return;
	}
	*e = (struct sysroot_entry){
	    .key = key, .content = content, .mode = mode, .fd = fd, .type = (unsigned char)type};
	t->count++;
}

/* The last tree's entry for path, when it has the same type, mode and
 * content (directories: the same type); NULL otherwise. */
static struct sysroot_entry *same_as_last(const struct tree_walk *w, uint64_t key,
					  enum vfs_type type, unsigned int mode,
					  const char *content)
{
	struct sysroot_entry *e = table_find(w->last, key);

	if (!e || e->shared || e->type != type)
		return NULL;
	if (type == VFS_DIR)
		return e;
	return (type == VFS_LINK || e->mode == mode) && !strcmp(e->content, content) ? e : NULL;
}

/* Keeps content and a directory's handle fd (or -1) for the next tree,
 * or frees them. */
static void remember(struct tree_walk *w, uint64_t key, enum vfs_type type, unsigned int mode,
		     char *content, int fd)
{
	if (w->keep) {
		table_add(&w->next, key, type, mode, content, fd);
		return;
	}
	free(content);
	if (fd >= 0)
		close(fd);
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

/* A new directory name in dfd, 0755 (the umask's cut put back), opened
 * without following anything: its handle, or -errno with nothing left
 * open. Any thread may do it. */
static int new_dir_at(int dfd, const char *name, int cut)
{
	int fd, ret;

	if (mkdirat(dfd, name, 0755))
		return -errno;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (mode_cut(cut, 0755) && fchmod(fd, 0755)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* A queued entry into dfd: a hard link to the last tree's entry of the
 * same name (a hard link to a symlink is that symlink again, for lstat and
 * readlink), or where linking fails (the last tree changed, another file
 * system, a link limit) written as new. It touches only its own handles
 * and strings: any thread may do it. 0 or -errno. */
static int do_op(const struct plan_op *op, int dfd, int cut)
{
	if (op->last >= 0 && !linkat(op->last, op->name, dfd, op->name, 0))
		return 0;
	if (op->type == VFS_LINK)
		return symlinkat(op->content, dfd, op->name) ? -errno : 0;
	return write_file_at(dfd, op->name, op->content, op->mode, cut);
}

/* A leaf directory's ops are done (or stopped): its handle stays in
 * leaf->made only when kept; the last tree's, no longer needed, is
 * closed here rather than by the walking thread with the table. */
static void leaf_done(struct plan_op *leaf)
{
	if (leaf && !leaf->keep && leaf->made >= 0) {
		close(leaf->made);
		leaf->made = -1;
	}
	if (leaf && leaf->last >= 0) {
		close(leaf->last);
		leaf->last = -1;
	}
}

static int run_batch(struct plan_op *ops, size_t n, int cut, size_t *failed)
{
	struct plan_op *leaf = NULL; /* the leaf directory being filled */
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		if (ops[i].type == VFS_DIR) {
			leaf_done(leaf);
			leaf = &ops[i];
			ret = new_dir_at(leaf->fd, leaf->name, cut);
			leaf->made = ret < 0 ? -1 : ret;
			ret = ret < 0 ? ret : 0;
		} else {
			ret = do_op(&ops[i], ops[i].fd >= 0 ? ops[i].fd : leaf->made, cut);
		}
		if (ret)
			*failed = i;
	}
	leaf_done(leaf);
	return ret;
}

/* Takes the next batch and does it, with p's lock held (released
 * meanwhile); false when every batch is taken. */
static bool take_batch(struct pool *p)
{
	size_t i = p->next, n, failed = 0;
	struct plan_op *ops;
	int err;

	if (i == p->n)
		return false;
	p->next++;
	ops = p->b[i].ops;
	n = p->b[i].nops;
	pthread_mutex_unlock(&p->lock);
	err = run_batch(ops, n, p->cut, &failed);
	pthread_mutex_lock(&p->lock);
	p->b[i].err = err;
	p->b[i].failed = failed;
	p->b[i].done = true;
	pthread_cond_broadcast(&p->done);
	return true;
}

static void *pool_thread(void *arg)
{
	struct pool *p = arg;

	pthread_mutex_lock(&p->lock);
	while (take_batch(p) || !p->stop)
		if (p->next == p->n && !p->stop)
			pthread_cond_wait(&p->work, &p->lock);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Up to w->workers - 1 threads (fewer when they cannot start: the walking
 * thread does the batches then). */
static void pool_start(struct tree_walk *w)
{
	struct pool *p = &w->pool;

	*p = (struct pool){.cut = w->cut};
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	for (unsigned int i = 1; i < w->workers; i++)
		if (!pthread_create(&p->thread[p->nthreads], NULL, pool_thread, p))
			p->nthreads++;
}

/* A done batch: its entries remembered (freed after a failure: that tree
 * is not kept), the handles waiting for it closed; the first failure in
 * the walk's order noted. */
static void settle(struct tree_walk *w, struct batch *b)
{
	if (b->err && !w->qerr) {
		w->qerr = b->err;
		w->qdir = b->ops[b->failed].dir;
		w->qname = b->ops[b->failed].name;
	}
	for (size_t i = 0; i < b->nops; i++)
		if (b->ops[i].type == VFS_DIR) {
			/* Remembered with the others once the tree is done. */
			w->dirs[b->ops[i].leaf].fd = b->ops[i].made;
			/* Not reached after a failure. */
			if (b->ops[i].last >= 0)
				close(b->ops[i].last);
		} else if (w->qerr) {
			free(b->ops[i].content);
		} else {
			remember(w, b->ops[i].key, b->ops[i].type, b->ops[i].mode,
				 b->ops[i].content, -1);
		}
	for (size_t i = 0; i < b->nclosing; i++)
		close(b->closing[i]);
	w->pending_ops -= b->nops;
	w->pending_fds -= b->nclosing;
	free(b->ops);
	free(b->closing);
}

/* Settles the done batches in order; with all, every batch, doing the
 * ones not taken instead of waiting. Past PENDING_*, it waits too. */
static void settle_batches(struct tree_walk *w, bool all)
{
	struct pool *p = &w->pool;

	pthread_mutex_lock(&p->lock);
	while (p->settled < p->n) {
		struct batch b;

		if (!p->b[p->settled].done) {
			if (!all && w->pending_ops <= PENDING_OPS && w->pending_fds <= w->fd_room)
				break;
			if (!take_batch(p))
				pthread_cond_wait(&p->done, &p->lock);
			continue;
		}
		b = p->b[p->settled++];
		pthread_mutex_unlock(&p->lock);
		settle(w, &b);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
}

/* The queue and the handles waiting for it as the next batch. Without
 * worker threads, or without memory for the batch, it is done at once. */
static void hand_off(struct tree_walk *w)
{
	struct pool *p = &w->pool;
	struct batch b = {
	    .ops = w->ops, .nops = w->nops, .closing = w->closing, .nclosing = w->nclosing};
	int grown;

	if (!w->nops && !w->nclosing)
		return;
	w->ops = NULL;
	w->nops = w->opcap = 0;
	w->closing = NULL;
	w->nclosing = w->closecap = 0;
	w->pending_ops += b.nops;
	w->pending_fds += b.nclosing;
	pthread_mutex_lock(&p->lock);
	grown = array_grow(&p->b, &p->cap, p->n + 1, sizeof(*p->b));
	if (!grown) {
		p->b[p->n++] = b;
		pthread_cond_signal(&p->work);
	}
	pthread_mutex_unlock(&p->lock);
	if (!grown) {
		settle_batches(w, !p->nthreads);
		return;
	}
	/* In order: every batch before it first. */
	settle_batches(w, true);
	b.err = run_batch(b.ops, b.nops, w->cut, &b.failed);
	settle(w, &b);
}

/* Every batch done and settled, the threads joined. */
static void pool_finish(struct tree_walk *w)
{
	struct pool *p = &w->pool;

	hand_off(w);
	settle_batches(w, true);
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned int i = 0; i < p->nthreads; i++)
		pthread_join(p->thread[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	free(p->b);
	p->b = NULL;
}

/* Queues op (its content taken over). 0 or -ENOMEM. */
static int queue_op(struct tree_walk *w, struct plan_op op)
{
	if (array_grow(&w->ops, &w->opcap, w->nops + 1, sizeof(*w->ops))) {
		free(op.content);
		return -ENOMEM;
	}
	w->ops[w->nops++] = op;
	return 0;
}

/* A directory handle the walk is done with: closed now, or once the
 * entries queued into it are done. */
static void release_dir(struct tree_walk *w, int fd)
{
	if (!w->nops && !w->pending_ops) {
		close(fd);
		return;
	}
	if (array_grow(&w->closing, &w->closecap, w->nclosing + 1, sizeof(*w->closing))) {
		hand_off(w);
		settle_batches(w, true);
		close(fd);
		return;
	}
	w->closing[w->nclosing++] = fd;
	if (w->nclosing >= CLOSE_BATCH || w->nclosing >= w->fd_room)
		hand_off(w);
}

static int queue_file(struct tree_walk *w, size_t dir, int dfd, int pfd, const char *name,
		      const char *vpath, unsigned int mode)
{
	uint64_t key = path_key(vpath);
	char *content = NULL;
	int ret = mode & 0444 ? vfs_read(w->v, vpath, &content) : -EACCES;

	if (ret == -EACCES) {
		/* Present, empty: write-only, or unreadable where captured. */
		content = strdup("");
		ret = content ? 0 : -ENOMEM;
	}
	if (ret)
		return ret;
	if (pfd >= 0 && !same_as_last(w, key, VFS_FILE, mode, content))
		pfd = -1;
	return queue_op(w, (struct plan_op){.content = content,
					    .name = name,
					    .key = key,
					    .dir = dir,
					    .fd = dfd,
					    .last = pfd,
					    .mode = mode,
					    .type = VFS_FILE});
}

static int queue_link(struct tree_walk *w, size_t dir, int dfd, int pfd, const char *name,
		      const char *vpath)
{
	uint64_t key = path_key(vpath);
	char *target = NULL;
	int ret = vfs_readlink(w->v, vpath, &target);

	if (ret)
		return ret;
	if (pfd >= 0 && !same_as_last(w, key, VFS_LINK, 0, target))
		pfd = -1;
	return queue_op(w, (struct plan_op){.content = target,
					    .name = name,
					    .key = key,
					    .dir = dir,
					    .fd = dfd,
					    .last = pfd,
					    .type = VFS_LINK});
}

static int save_node(struct tree_walk *w, size_t dir, int dfd, int pfd, const char *name,
		     const char *vpath);

/* Keeps a vfs_list answer while its names are queued. 0, or -ENOMEM
 * with names freed. */
static int keep_list(struct tree_walk *w, char **names)
{
	if (array_grow(&w->lists, &w->listcap, w->nlists + 1, sizeof(*w->lists))) {
		vfs_free_list(names);
		return -ENOMEM;
	}
	w->lists[w->nlists++] = names;
	return 0;
}

/* vpath's entries, kept while the walk lasts. 0 or -errno (no message). */
static int list_dir(struct tree_walk *w, const char *vpath, char ***names)
{
	int ret = vfs_list(w->v, vpath, names);

	return ret ? ret : keep_list(w, *names);
}

/* child holds vpath and a '/': the length of the part kept (the root's
 * children are "/sys", not "//sys"). */
static size_t child_prefix(const char *vpath, char *child, size_t len)
{
	size_t plen = strcmp(vpath, "/") ? strlen(vpath) : 0;

	if (plen < len)
		memcpy(child, vpath, plen);
	child[plen < len ? plen : 0] = '/';
	return plen;
}

/* The entries names of vpath, directory dir of the walk, into its handle
 * fd; pfd is the last tree's vpath, or -1. The message is written where
 * an error starts; callers only pass it on. */
static int save_children(struct tree_walk *w, size_t dir, int fd, int pfd, const char *vpath,
			 char **names)
{
	char child[1024];
	size_t plen = child_prefix(vpath, child, sizeof(child));
	int ret = 0;

	for (char **n = names; !ret && *n; n++) {
		size_t len = strlen(*n);

		if (plen + 1 + len >= sizeof(child)) {
			ret = fail_path(w, vpath, -ENAMETOOLONG);
			break;
		}
		memcpy(child + plen + 1, *n, len + 1);
		if (!plain_name(*n))
			/* A capture's paths come from the guest: no "..". */
			ret = fail_path(w, child, -EINVAL);
		else
			ret = save_node(w, dir, fd, pfd, *n, child);
		if (!ret && w->nops >= BATCH_OPS)
			hand_off(w);
		/* A failure the workers met comes first in the walk's order. */
		if (!ret && w->qerr)
			ret = w->qerr;
	}
	return ret;
}

/* A new directory name in dfd, 0755: its handle, or -errno with the
 * message written. */
static int make_dir_at(struct tree_walk *w, int dfd, const char *name, const char *vpath)
{
	int fd = new_dir_at(dfd, name, w->cut);

	return fd < 0 ? fail_path(w, vpath, fd) : fd;
}

/* What a leaf directory's entry is, looked up once. */
struct leaf_entry {
	unsigned int mode;
	enum vfs_type type;
};

/* The types and modes of names, children of vpath, when every one is a
 * file or a symlink with a name the walk takes as it is: a malloc()ed
 * array; NULL otherwise (or out of memory: the entry by entry walk then
 * meets the same). */
static struct leaf_entry *leaf_entries(const struct tree_walk *w, const char *vpath, char **names)
{
	char child[1024];
	size_t plen = child_prefix(vpath, child, sizeof(child)), n = 0;
	struct leaf_entry *e;

	while (names[n])
		n++;
	e = malloc((n ? n : 1) * sizeof(*e));
	for (size_t i = 0; e && i < n; i++) {
		size_t len = strlen(names[i]);

		if (plen + 1 + len >= sizeof(child) || !plain_name(names[i])) {
			free(e);
			return NULL;
		}
		memcpy(child + plen + 1, names[i], len + 1);
		e[i].mode = 0;
		e[i].type = vfs_lookup(w->v, child, &e[i].mode);
		if (e[i].type != VFS_FILE && e[i].type != VFS_LINK) {
			free(e);
			return NULL;
		}
	}
	return e;
}

/* Adds a directory to the walk: its index, or -ENOMEM. */
static long add_dir(struct tree_walk *w, size_t parent, const char *name, uint64_t key)
{
	if (array_grow(&w->dirs, &w->dircap, w->ndirs + 1, sizeof(*w->dirs)))
		return -ENOMEM;
	w->dirs[w->ndirs] = (struct plan_dir){.name = name, .parent = parent, .key = key, .fd = -1};
	return (long)w->ndirs++;
}

/* The last tree's directory vpath (name in its parent pfd) when it is
 * the same: *fd the handle kept since it was written, else opened now
 * with O_NOFOLLOW (then *own). -1 when there is none (nothing is linked
 * below). */
static void last_dir(const struct tree_walk *w, int pfd, const char *name, uint64_t key, int *fd,
		     bool *own)
{
	const struct sysroot_entry *e = pfd >= 0 ? same_as_last(w, key, VFS_DIR, 0, NULL) : NULL;

	*own = false;
	*fd = -1;
	if (e && e->fd >= 0) {
		*fd = e->fd;
	} else if (e) {
		*fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		*own = *fd >= 0;
	}
}

/* The last tree's handle of directory key, kept since it was written,
 * taken out of its table (the one directory of this tree that links from
 * it closes it when done: the table's closing it is then not the walking
 * thread's work); -1 when none is kept. After a failure the last tree is
 * still the one remembered, with fewer handles kept. */
static int take_last_dir(const struct tree_walk *w, int pfd, uint64_t key)
{
	struct sysroot_entry *e = pfd >= 0 ? same_as_last(w, key, VFS_DIR, 0, NULL) : NULL;
	int fd = e ? e->fd : -1;

	if (e)
		e->fd = -1;
	return fd;
}

/* Leaf directory vpath (its entries names, e) queued whole as name in
 * dfd, the walk's directory parent, with pfd as in save_dir_at: the
 * worker creating it keeps its handle for the next tree while the budget
 * lasts. */
static int queue_leaf(struct tree_walk *w, size_t parent, int dfd, int pfd, const char *name,
		      const char *vpath, char **names, const struct leaf_entry *e)
{
	char child[1024];
	size_t plen = child_prefix(vpath, child, sizeof(child));
	uint64_t key = path_key(vpath);
	long d = add_dir(w, parent, name, key);
	bool keep = w->keep && w->kept < w->budget, own = false;
	int taken, last, ret;

	if (d < 0)
		return fail_path(w, vpath, (int)d);
	taken = take_last_dir(w, pfd, key);
	ret = queue_op(w, (struct plan_op){.name = name,
					   .key = key,
					   .dir = parent,
					   .leaf = (size_t)d,
					   .fd = dfd,
					   .last = taken,
					   .made = -1,
					   .type = VFS_DIR,
					   .keep = keep});
	if (ret) {
		if (taken >= 0)
			close(taken);
		return fail_path(w, vpath, ret);
	}
	w->kept += keep;
	last = taken;
	if (taken < 0)
		/* Past the budget: opened now, closed as before. */
		last_dir(w, pfd, name, key, &last, &own);
	for (size_t i = 0; !ret && names[i]; i++) {
		memcpy(child + plen + 1, names[i], strlen(names[i]) + 1);
		if (e[i].type == VFS_LINK)
			ret = queue_link(w, (size_t)d, -1, last, names[i], child);
		else
			ret = queue_file(w, (size_t)d, -1, last, names[i], child, e[i].mode);
		if (ret)
			ret = fail_path(w, child, ret);
	}
	if (own)
		release_dir(w, last);
	return ret;
}

/* A new directory name in dfd (the walk's directory parent) holding
 * vpath's entries; pfd is the last tree's parent of vpath, or -1. Its
 * handle is kept for the next tree while the budget lasts. */
static int save_dir_at(struct tree_walk *w, size_t parent, int dfd, int pfd, const char *name,
		       const char *vpath)
{
	char **names = NULL;
	int listed = list_dir(w, vpath, &names), fd, last, ret;
	struct leaf_entry *e = listed ? NULL : leaf_entries(w, vpath, names);
	uint64_t key = path_key(vpath);
	long d;
	bool own;

	if (e) {
		ret = queue_leaf(w, parent, dfd, pfd, name, vpath, names, e);
		free(e);
		return ret;
	}
	/* As entry by entry: the directory is made before it is listed. */
	fd = make_dir_at(w, dfd, name, vpath);
	if (fd < 0)
		return fd;
	if (listed) {
		close(fd);
		return fail_path(w, vpath, listed);
	}
	d = add_dir(w, parent, name, key);
	if (d < 0) {
		close(fd);
		return fail_path(w, vpath, (int)d);
	}
	last_dir(w, pfd, name, key, &last, &own);
	ret = save_children(w, (size_t)d, fd, last, vpath, names);
	if (!ret && w->keep && w->kept < w->budget) {
		w->dirs[d].fd = fd;
		w->kept++;
	} else {
		release_dir(w, fd);
	}
	if (own)
		release_dir(w, last);
	return ret;
}

static int save_node(struct tree_walk *w, size_t dir, int dfd, int pfd, const char *name,
		     const char *vpath)
{
	unsigned int mode = 0;
	int ret;

	switch (vfs_lookup(w->v, vpath, &mode)) {
	case VFS_DIR:
		return save_dir_at(w, dir, dfd, pfd, name, vpath);
	case VFS_LINK:
		ret = queue_link(w, dir, dfd, pfd, name, vpath);
		break;
	case VFS_FILE:
		ret = queue_file(w, dir, dfd, pfd, name, vpath, mode);
		break;
	default:
		ret = -ENOENT;
		break;
	}
	return ret ? fail_path(w, vpath, ret) : 0;
}

/* The walk's directories into the table for the next tree, with the
 * handles kept (the root's is kept apart), once the tree is complete. */
static void remember_dirs(struct tree_walk *w)
{
	for (size_t i = 0; i < w->ndirs; i++) {
		remember(w, w->dirs[i].key, VFS_DIR, 0, NULL, w->dirs[i].fd);
		w->dirs[i].fd = -1;
	}
}

/* What the walk holds besides next: handles not kept, names. */
static void walk_free(struct tree_walk *w)
{
	for (size_t i = 0; i < w->nops; i++)
		free(w->ops[i].content);
	for (size_t i = 0; i < w->nclosing; i++)
		close(w->closing[i]);
	for (size_t i = 0; i < w->ndirs; i++)
		if (w->dirs[i].fd >= 0)
			close(w->dirs[i].fd);
	for (size_t i = 0; i < w->nlists; i++)
		vfs_free_list(w->lists[i]);
	free(w->ops);
	free(w->closing);
	free(w->dirs);
	free(w->lists);
}

/* "/sys/devices/..." of directory d, "" for the root. */
static void dir_path(const struct tree_walk *w, size_t d, char *buf, size_t len)
{
	size_t n;

	if (!d) {
		*buf = '\0';
		return;
	}
	dir_path(w, w->dirs[d].parent, buf, len);
	n = strlen(buf);
	snprintf(buf + n, len - n, "/%s", w->dirs[d].name);
}

/* The whole tree as wfd/NEW_TREE, its handle in *root (also on error,
 * or -1), with last the last tree's root or -1; an empty vfs (nothing
 * captured) is an empty directory, so that an earlier tree is not left in
 * its place. */
static int save_tree(struct tree_walk *w, int wfd, int last, int *root)
{
	enum vfs_type type = vfs_lookup(w->v, "/", NULL);
	char **names = NULL;
	int ret;

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
	if (add_dir(w, 0, "", path_key("/")) < 0)
		return fail_path(w, "/", -ENOMEM);
	pool_start(w);
	ret = list_dir(w, "/", &names);
	if (ret)
		ret = fail_path(w, "/", ret);
	else
		ret = save_children(w, 0, *root, last, "/", names);
	/* Also after a failure of the walk: what was queued before it comes
	 * first. */
	pool_finish(w);
	if (w->qerr) {
		char path[4096];
		size_t len;

		dir_path(w, w->qdir, path, sizeof(path));
		len = strlen(path);
		snprintf(path + len, sizeof(path) - len, "/%s", w->qname);
		ret = fail_path(w, path, w->qerr);
	}
	if (!ret)
		remember_dirs(w);
	return ret;
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
	*t = (struct sysroot_trees){.fd = -1, .umask = -1, .threads = -1, .dir_budget = -1};
}

void sysroot_trees_release(struct sysroot_trees *t)
{
	struct entry_table e = {.tab = t->tab, .cap = t->cap, .count = t->count};

	table_free(&e);
	if (t->fd >= 0)
		close(t->fd);
	sysroot_trees_init(t);
}

/* Threads for a tree's entries: one per online CPU, at most WORKERS_MAX. */
static unsigned int default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > WORKERS_MAX ? WORKERS_MAX : (unsigned int)n;
}

/* RLIMIT_NOFILE, or what a process gets at least (POSIX's _POSIX_OPEN_MAX). */
static size_t open_max(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) || r.rlim_cur < 20)
		return 20;
	return r.rlim_cur == RLIM_INFINITY || r.rlim_cur > SIZE_MAX ? SIZE_MAX : (size_t)r.rlim_cur;
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
	struct sysroot_trees knobs = *t;

	sysroot_trees_release(t);
	t->umask = knobs.umask;
	t->dir_budget = knobs.dir_budget;
	t->threads = knobs.threads;
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
	w.workers = t && t->threads > 0 ? (unsigned int)t->threads : default_workers();
	if (w.workers > WORKERS_MAX)
		w.workers = WORKERS_MAX;
	w.budget = open_max() / 8 < KEPT_DIRS_MAX ? open_max() / 8 : KEPT_DIRS_MAX;
	if (t && t->dir_budget >= 0)
		w.budget = (size_t)t->dir_budget;
	w.fd_room = open_max() / 16 < PENDING_FDS ? open_max() / 16 : PENDING_FDS;
	/* Only the last tree of this run, in this DIR. */
	if (t && t->fd >= 0 && t->dir_dev == (unsigned long long)st.st_dev &&
	    t->dir_ino == (unsigned long long)st.st_ino) {
		last = (struct entry_table){.tab = t->tab, .cap = t->cap, .count = t->count};
		w.last = &last;
		/* This tree is about as big: no growing it entry by entry. */
		w.next.tab = w.keep ? calloc(last.cap, sizeof(*w.next.tab)) : NULL;
		w.next.cap = w.next.tab ? last.cap : 0;
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
	walk_free(&w);
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
