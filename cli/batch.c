/* memhp run FILE... [--matrix KEY=V1,V2,...]: many runs in one process.
 * Each file runs under every combination of the matrix's values: `kernel`
 * picks the kernel profile, any other KEY is a kernel command-line word
 * (KEY=VALUE added after the scenario's kernel-cmdline lines), e.g.
 * --matrix kernel=6.1,6.12 --matrix memory_hotplug.auto_movable_ratio=100,200,301,400.
 * Each run prints as `memhp run` does under a "== NAME" header; with --json
 * DIR each writes DIR/NAME.json, with --sysroot-out DIR its snapshots go to
 * DIR/NAME/LABEL. A table of every run's status and final zone sizes ends
 * the output. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "common.h"
#include "run.h"

#define MAX_VALUES 64
#define MAX_RUNS   100000

struct axis {
	char key[128];
	char *values[MAX_VALUES]; /* into text */
	int nr_values;
	char *text;
};

/* The final layout's online bytes per zone, and offline bytes. */
struct totals {
	uint64_t zone[5]; /* DMA, DMA32, Normal, Movable, other */
	uint64_t offline;
};

static const char *const zone_cols[] = {"DMA", "DMA32", "Normal", "Movable", "other"};

static int add_block(const struct memhp_block_info *b, void *arg)
{
	struct totals *t = arg;
	size_t z = 4;

	if (strcmp(b->state, "online")) {
		t->offline += b->size;
		return 0;
	}
	for (size_t i = 0; i < 4 && b->zone; i++)
		if (!strcmp(b->zone, zone_cols[i]))
			z = i;
	t->zone[z] += b->size;
	return 0;
}

/* "12G", "1.9G", "128M", "0" */
static void human(uint64_t bytes, char *buf, size_t len)
{
	if (!bytes)
		snprintf(buf, len, "0");
	else if (bytes >= 1ULL << 30 && !(bytes & ((1ULL << 30) - 1)))
		snprintf(buf, len, "%" PRIu64 "G", bytes >> 30);
	else if (bytes >= 1ULL << 30)
		snprintf(buf, len, "%.1fG", (double)bytes / (1ULL << 30));
	else
		snprintf(buf, len, "%" PRIu64 "M", bytes >> 20);
}

/* KEY=V1,V2,...: no blank, no '/' (values name output files), no empty
 * value. 0, or the usage error printed. */
static int parse_axis(const char *arg, struct axis *a)
{
	const char *eq = strchr(arg, '=');
	char *save = NULL;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(a->key) || strpbrk(arg, " \t/")) {
		fprintf(stderr,
			"memhp run: --matrix '%s': expected KEY=V1,V2,... without blanks or '/'\n",
			arg);
		return -EINVAL;
	}
	snprintf(a->key, sizeof(a->key), "%.*s", (int)(eq - arg), arg);
	a->text = strdup(eq + 1);
	if (!a->text)
		return -ENOMEM;
	for (char *v = strtok_r(a->text, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
		if (a->nr_values == MAX_VALUES) {
			fprintf(stderr, "memhp run: --matrix %s: at most %d values\n", a->key,
				MAX_VALUES);
			return -EINVAL;
		}
		a->values[a->nr_values++] = v;
	}
	if (!a->nr_values || eq[1] == ',' || arg[strlen(arg) - 1] == ',' || strstr(eq, ",,")) {
		fprintf(stderr, "memhp run: --matrix '%s': expected non-empty values\n", arg);
		return -EINVAL;
	}
	if (!strcmp(a->key, "kernel"))
		for (int i = 0; i < a->nr_values; i++) {
			enum memhp_kernel k;

			if (parse_kernel_option("run", a->values[i], &k))
				return -EINVAL;
		}
	return 0;
}

/* The file's name without directory and ".scn". */
static void base_name(const char *path, char *buf, size_t len)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && !strcmp(b + n - 4, ".scn"))
		n -= 4;
	snprintf(buf, len, "%.*s", (int)n, b);
}

/* A directory for the batch's outputs: there, or made when its parent is. */
static int out_dir(const char *opt, const char *dir)
{
	struct stat st;

	if (!stat(dir, &st) && S_ISDIR(st.st_mode))
		return 0;
	if (!mkdir(dir, 0755))
		return 0;
	fprintf(stderr, "memhp run: %s '%s': expected a directory (%s)\n", opt, dir,
		strerror(errno));
	return -errno;
}

struct batch {
	struct run_cmd *rc;
	struct axis axes[RUN_MAX_MATRIX];
	int nr_axes;
	int idx[RUN_MAX_MATRIX]; /* the current combination */
	const char *json_dir, *sysroot_dir;
	int status;
	FILE *summary; /* the table's rows, printed at the end */
	char *summary_buf;
	size_t summary_len;
};

/* One run: its name, options and outputs for the current combination. */
static void run_one(struct batch *b, const char *file)
{
	struct run_cmd rc = *b->rc;
	char name[1024], words[2048] = "", json[4096], sysroot[4096], err[1024] = "";
	struct totals t = {0};
	struct memhp_run *run;
	size_t wl = 0;
	int ret;

	base_name(file, name, sizeof(name));
	for (int a = 0; a < b->nr_axes; a++) {
		const char *key = b->axes[a].key, *val = b->axes[a].values[b->idx[a]];

		if (!strcmp(key, "kernel"))
			parse_kernel_option("run", val, &rc.ro.kernel);
		else
			wl += (size_t)snprintf(words + wl, sizeof(words) - wl, "%s%s=%s",
					       wl ? " " : "", key, val);
	}
	snprintf(name + strlen(name), sizeof(name) - strlen(name), ".%s",
		 memhp_kernel_name(rc.ro.kernel));
	for (int a = 0; a < b->nr_axes; a++)
		if (strcmp(b->axes[a].key, "kernel"))
			snprintf(name + strlen(name), sizeof(name) - strlen(name), ".%s=%s",
				 b->axes[a].key, b->axes[a].values[b->idx[a]]);
	rc.ro.extra_cmdline = words;
	rc.json_out = NULL;
	if (b->json_dir) {
		snprintf(json, sizeof(json), "%s/%s.json", b->json_dir, name);
		rc.json_out = json;
	}
	rc.ro.sysroot_out = NULL;
	if (b->sysroot_dir) {
		snprintf(sysroot, sizeof(sysroot), "%s/%s", b->sysroot_dir, name);
		rc.ro.sysroot_out = sysroot;
	}
	printf("== %s (%s)%s%s\n", name, file, words[0] ? ": " : "", words);
	fflush(stdout);
	ret = memhp_run_file(file, &rc.ro, &run, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-ret));
		fprintf(b->summary, "%-11s %47s %s\n", "not-run", "", name);
		b->status = EXIT_USAGE;
		return;
	}
	ret = report_run(&rc, run, err);
	if (ret && b->status != EXIT_USAGE)
		b->status = 1;
	memhp_run_for_each_block(run, add_block, &t);
	fprintf(b->summary, "%-11s",
		json_object_get_string(json_object_object_get(memhp_run_result(run), "status")));
	for (int z = 0; z < 6; z++) {
		char h[32];

		human(z < 5 ? t.zone[z] : t.offline, h, sizeof(h));
		fprintf(b->summary, " %7s", h);
	}
	fprintf(b->summary, " %s\n", name);
	memhp_run_free(run);
	printf("\n");
}

/* Steps the combination like an odometer; false after the last one. */
static bool next_combination(struct batch *b)
{
	for (int a = b->nr_axes - 1; a >= 0; a--) {
		if (++b->idx[a] < b->axes[a].nr_values)
			return true;
		b->idx[a] = 0;
	}
	return false;
}

static int setup(struct batch *b, int nr_files)
{
	long runs = nr_files;

	for (int i = 0; i < b->rc->nr_matrix; i++) {
		int ret = parse_axis(b->rc->matrix[i], &b->axes[b->nr_axes]);

		b->nr_axes++;
		if (ret)
			return ret;
		for (int j = 0; j < i; j++)
			if (!strcmp(b->axes[j].key, b->axes[i].key)) {
				fprintf(stderr, "memhp run: --matrix %s given twice\n",
					b->axes[i].key);
				return -EINVAL;
			}
		runs *= b->axes[i].nr_values;
		if (runs > MAX_RUNS) {
			fprintf(stderr, "memhp run: more than %d runs in one batch\n", MAX_RUNS);
			return -E2BIG;
		}
	}
	if (b->rc->real_shell) {
		fprintf(stderr, "memhp run: --real-shell runs one file at a time\n");
		return -EINVAL;
	}
	if (b->json_dir && out_dir("--json", b->json_dir))
		return -EINVAL;
	if (b->sysroot_dir && out_dir("--sysroot-out", b->sysroot_dir))
		return -EINVAL;
	b->summary = open_memstream(&b->summary_buf, &b->summary_len);
	return b->summary ? 0 : -ENOMEM;
}

int run_batch(struct run_cmd *rc, char **files, int nr_files)
{
	struct batch b = {.rc = rc, .json_dir = rc->json_out, .sysroot_dir = rc->ro.sysroot_out};
	int ret = setup(&b, nr_files);

	if (!ret) {
		for (int f = 0; f < nr_files; f++) {
			memset(b.idx, 0, sizeof(b.idx));
			do
				run_one(&b, files[f]);
			while (next_combination(&b));
		}
		fclose(b.summary);
		b.summary = NULL;
		printf("%-11s %7s %7s %7s %7s %7s %7s %s\n", "STATUS", "DMA", "DMA32", "Normal",
		       "Movable", "other", "offline", "RUN");
		fputs(b.summary_buf ? b.summary_buf : "", stdout);
	}
	if (b.summary)
		fclose(b.summary);
	free(b.summary_buf);
	for (int i = 0; i < b.nr_axes; i++)
		free(b.axes[i].text);
	return ret ? EXIT_USAGE : b.status;
}
