/* bench/tree_floor DIR [THREADS]: the file system's own cost of the trees
 * bench/tree_bench.sh times, with no model and no vfs: 64 snapshots, the
 * k-th holding 32 + 8k leaf directories of 9 files; snapshot 1 writes its
 * files, each later one makes its directories and hard-links every file
 * the previous one had from it (paths relative to the two snapshot
 * roots), and writes the 8 new directories' files. THREADS (default 1)
 * split the directories of each snapshot; they are made for it while
 * this thread waits (a thread made beside a busy one starts on its CPU:
 * a quarter slower here). What memhp's sysroot writer cannot go below on
 * this machine and file system. On ext4, run it on a file system that
 * has not just deleted many inodes (ext4's recently_deleted() makes new
 * ones slow for a while). Not a test. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SNAPSHOTS   64
#define FILES	    9
#define THREADS_MAX 16

struct share {
	int last, root, nr_dirs, first, step;
	int failed;
};

static void one_file(struct share *s, const char *path, int is_new)
{
	int fd;

	if (!is_new && s->last >= 0 && !linkat(s->last, path, s->root, path, 0))
		return;
	fd = openat(s->root, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "online\n", 7) != 7)
		s->failed = 1;
	if (fd >= 0)
		close(fd);
}

static void *one_share(void *arg)
{
	struct share *s = arg;
	char path[64];

	for (int d = s->first; d < s->nr_dirs; d += s->step) {
		snprintf(path, sizeof(path), "m/memory%d", d);
		if (mkdirat(s->root, path, 0755)) {
			s->failed = 1;
			continue;
		}
		for (int f = 0; f < FILES; f++) {
			snprintf(path, sizeof(path), "m/memory%d/f%d", d, f);
			one_file(s, path, d >= s->nr_dirs - 8);
		}
	}
	return NULL;
}

static int one_snapshot(int base, int k, int last, int threads, int *root)
{
	struct share s[THREADS_MAX];
	pthread_t th[THREADS_MAX];
	char name[16];
	int failed = 0;

	snprintf(name, sizeof(name), "s%d", k);
	if (mkdirat(base, name, 0755))
		return -1;
	*root = openat(base, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*root < 0 || mkdirat(*root, "m", 0755))
		return -1;
	for (int t = 0; t < threads; t++) {
		s[t] = (struct share){.last = last,
				      .root = *root,
				      .nr_dirs = 32 + 8 * k,
				      .first = t,
				      .step = threads};
		if (pthread_create(&th[t], NULL, one_share, &s[t]))
			return -1;
	}
	for (int t = 0; t < threads; t++) {
		pthread_join(th[t], NULL);
		failed |= s[t].failed;
	}
	return failed ? -1 : 0;
}

int main(int argc, char **argv)
{
	int threads = argc > 2 ? atoi(argv[2]) : 1, base, last = -1, root = -1;
	struct timespec a, b;

	if (argc < 2 || threads < 1 || threads > THREADS_MAX) {
		fprintf(stderr, "usage: tree_floor DIR [THREADS 1-%d]\n", THREADS_MAX);
		return 2;
	}
	base = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (base < 0) {
		perror(argv[1]);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int k = 1; k <= SNAPSHOTS; k++) {
		if (one_snapshot(base, k, last, threads, &root)) {
			fprintf(stderr, "%s: snapshot %d failed (not empty?)\n", argv[1], k);
			return 1;
		}
		if (last >= 0)
			close(last);
		last = root;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%d threads: %.3f s\n", threads,
	       (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}
