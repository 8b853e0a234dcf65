/* memhp diff and memhp conform: the model against the real kernel. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "memhp/memhp.h"

static struct json_object *load_json(const char *path)
{
	struct json_object *o;
	char err[1024] = "";

	if (memhp_json_load(path, &o, err, sizeof(err)))
		fprintf(stderr, "memhp: %s\n", err);
	return o;
}

static void print_report(const char *report)
{
	const char *p = report;

	while (p && *p) {
		size_t n = strcspn(p, "\n");

		printf("    %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

int cmd_diff(int argc, char **argv)
{
	struct json_object *a, *b;
	char *report = NULL;
	int n;

	if (argc != 3) {
		fprintf(stderr, "Usage: memhp diff A.json B.json\n");
		return EXIT_USAGE;
	}
	a = load_json(argv[1]);
	b = a ? load_json(argv[2]) : NULL;
	if (!a || !b) {
		json_object_put(a);
		return EXIT_USAGE;
	}
	n = memhp_run_diff(a, argv[1], b, argv[2], &report);
	if (n < 0)
		fprintf(stderr, "memhp diff: %s\n",
			n == -EINVAL ? "not run JSON (scenario-format.md)" : strerror(-n));
	else if (n == 0)
		printf("no differences\n");
	else
		printf("%d difference%s\n%s", n, n == 1 ? "" : "s", report);
	free(report);
	json_object_put(a);
	json_object_put(b);
	return n < 0 ? EXIT_USAGE : n ? EXIT_DIFFER : 0;
}

enum conform_mode {
	CONFORM_LIVE,	 /* run QEMU now */
	CONFORM_AGAINST, /* compare with recorded runs */
	CONFORM_RECORD,	 /* run QEMU now and keep the runs as the recording */
};

struct conform {
	enum conform_mode mode;
	const char *dir;   /* --against / --record / --out */
	const char *known; /* --known: DIR/NAME.KERNEL.txt lists accepted differences */
	bool quiet;
	int worst;
};

/* "dir/NAME.tag.json" for the scenario file path. */
static void json_path(const char *dir, const char *scn, const char *tag, char *out, size_t len)
{
	char *copy = strdup(scn), *base = copy ? basename(copy) : (char *)"scenario";
	size_t blen = strlen(base);

	if (blen > 4 && !strcmp(base + blen - 4, ".scn"))
		blen -= 4;
	snprintf(out, len, "%s/%.*s.%s.json", dir, (int)blen, base, tag);
	free(copy);
}

static void worse(struct conform *c, int code)
{
	/* bad input > real run failed > differences */
	static const int rank[] = {
	    [0] = 0, [EXIT_DIFFER] = 1, [EXIT_REAL_RUN] = 2, [EXIT_USAGE] = 3};

	if (rank[code] > rank[c->worst])
		c->worst = code;
}

static bool run_failed(struct json_object *run)
{
	struct json_object *v;

	return !json_object_object_get_ex(run, "status", &v) ||
	       !strcmp(json_object_get_string(v), "error");
}

static struct json_object *real_run(struct conform *c, const char *scn, enum memhp_kernel k)
{
	struct memhp_run_options ro = {
	    .kernel = k,
	    .backend = MEMHP_BACKEND_QEMU,
	    .kernel_script = kernel_script(),
	    .progress = c->quiet ? NULL : print_progress,
	};
	struct json_object *result;
	struct memhp_run *run;
	char err[2048] = "", path[4096];

	if (c->mode == CONFORM_AGAINST) {
		json_path(c->dir, scn, memhp_kernel_name(k), path, sizeof(path));
		return load_json(path);
	}
	if (memhp_run_file(scn, &ro, &run, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return NULL;
	}
	result = json_object_get(memhp_run_result(run));
	memhp_run_free(run);
	/* A failed run never replaces a good recording. */
	if (c->dir && !(c->mode == CONFORM_RECORD && run_failed(result))) {
		json_path(c->dir, scn, memhp_kernel_name(k), path, sizeof(path));
		if (write_json(result, path))
			worse(c, EXIT_USAGE);
	}
	return result;
}

static struct json_object *model_run(struct conform *c, const char *scn, enum memhp_kernel k)
{
	struct memhp_run_options ro = {.kernel = k};
	struct json_object *result;
	struct memhp_run *run;
	char err[2048] = "", path[4096];

	if (memhp_run_file(scn, &ro, &run, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return NULL;
	}
	result = json_object_get(memhp_run_result(run));
	memhp_run_free(run);
	if (c->dir && c->mode == CONFORM_LIVE) {
		char tag[32];

		snprintf(tag, sizeof(tag), "model.%s", memhp_kernel_name(k));
		json_path(c->dir, scn, tag, path, sizeof(path));
		if (write_json(result, path))
			worse(c, EXIT_USAGE);
	}
	return result;
}

/* The --known list for this scenario and kernel (DIR/NAME.KERNEL.txt):
 * differences that are understood and tracked, not new ones. 0 with *text
 * NULL when there is none, or -errno after saying why it cannot be read. */
static int read_known_list(const struct conform *c, const char *scn, enum memhp_kernel k,
			   char **text)
{
	char path[4096], err[1024] = "";
	int ret;

	*text = NULL;
	if (!c->known)
		return 0;
	json_path(c->known, scn, memhp_kernel_name(k), path, sizeof(path));
	memcpy(path + strlen(path) - 4, "txt", 4); /* .json -> .txt */
	ret = memhp_read_text_file(path, text, err, sizeof(err));
	if (ret == -ENOENT)
		return 0;
	if (ret)
		fprintf(stderr, "memhp conform: --known: %s\n", err);
	return ret;
}

static const char *status_of(struct json_object *run, const char **error)
{
	struct json_object *v;

	*error = json_object_object_get_ex(run, "error", &v) ? json_object_get_string(v) : NULL;
	return json_object_object_get_ex(run, "status", &v) ? json_object_get_string(v) : "?";
}

/* false when the scenario itself is unusable (already reported) */
static bool conform_one(struct conform *c, const char *scn, enum memhp_kernel k)
{
	struct json_object *model = model_run(c, scn, k), *real = NULL;
	const char *error = NULL;
	char name[32], *report = NULL, *known = NULL;
	int n;

	if (!model && c->mode != CONFORM_RECORD) {
		worse(c, EXIT_USAGE);
		return false;
	}
	if (!model) {
		/* A recording does not depend on the model: scenarios for what
		 * the model cannot run yet (said above) are recorded all the same. */
		real = real_run(c, scn, k);
		if (real && strcmp(status_of(real, &error), "error")) {
			printf("recorded %s [%s]; the model cannot run it\n", scn,
			       memhp_kernel_name(k));
		} else {
			printf("FAIL %s [%s]: the real run %s%s\n", scn, memhp_kernel_name(k),
			       real ? "failed: " : "is missing", error ? error : "");
			worse(c, EXIT_REAL_RUN);
		}
		goto out;
	}
	/* A model run that broke (an invariant its checks found) is a model
	 * bug whatever the real kernel did. */
	if (!strcmp(status_of(model, &error), "error")) {
		printf("FAIL %s [%s]: the model run failed: %s\n", scn, memhp_kernel_name(k),
		       error ? error : "?");
		worse(c, EXIT_DIFFER);
		/* A recording does not depend on the model. */
		if (c->mode == CONFORM_RECORD)
			real = real_run(c, scn, k);
		goto out;
	}
	real = real_run(c, scn, k);
	if (!real || !strcmp(status_of(real, &error), "error")) {
		printf("FAIL %s [%s]: the real run %s%s\n", scn, memhp_kernel_name(k),
		       real ? "failed: " : "is missing", error ? error : "");
		worse(c, EXIT_REAL_RUN);
		goto out;
	}
	snprintf(name, sizeof(name), "%s kernel", memhp_kernel_name(k));
	n = memhp_run_diff(model, "model", real, name, &report);
	if (n < 0) {
		printf("FAIL %s [%s]: cannot compare: %s\n", scn, memhp_kernel_name(k),
		       strerror(-n));
		worse(c, EXIT_USAGE);
	} else if (read_known_list(c, scn, k, &known)) {
		worse(c, EXIT_USAGE);
	} else if (n && known && !strcmp(known, report)) {
		/* Exactly the list: any change, also a fix, makes it stale. */
		printf("known %s [%s]: %d difference%s, as listed in %s\n", scn,
		       memhp_kernel_name(k), n, n == 1 ? "" : "s", c->known);
	} else if (n) {
		printf("DIFF %s [%s]: %d difference%s\n", scn, memhp_kernel_name(k), n,
		       n == 1 ? "" : "s");
		print_report(report);
		worse(c, EXIT_DIFFER);
	} else if (known) {
		printf("STALE %s [%s]: no differences, but %s still lists some\n", scn,
		       memhp_kernel_name(k), c->known);
		worse(c, EXIT_DIFFER);
	} else {
		printf("ok   %s [%s]\n", scn, memhp_kernel_name(k));
	}
out:
	fflush(stdout); /* a long recording shows its progress */
	free(report);
	free(known);
	json_object_put(model);
	json_object_put(real);
	return true;
}

int cmd_conform(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"kernel", required_argument, NULL, 'k'},
	    {"against", required_argument, NULL, 'a'},
	    {"record", required_argument, NULL, 'r'},
	    {"out", required_argument, NULL, 'o'},
	    {"known", required_argument, NULL, 'K'},
	    {"quiet", no_argument, NULL, 'q'},
	    {0},
	};
	struct conform c = {.mode = CONFORM_LIVE};
	bool kernels[2] = {true, true};
	int opt;

	while ((opt = getopt_long(argc, argv, "k:a:r:o:K:q", opts, NULL)) != -1) {
		enum memhp_kernel k;

		switch (opt) {
		case 'k':
			if (parse_kernel_option("conform", optarg, &k))
				return EXIT_USAGE;
			kernels[MEMHP_KERNEL_6_1] = k == MEMHP_KERNEL_6_1;
			kernels[MEMHP_KERNEL_6_12] = k == MEMHP_KERNEL_6_12;
			break;
		case 'a':
		case 'r':
		case 'o':
			if (c.dir) {
				fprintf(stderr,
					"memhp conform: one of --against, --record, --out\n");
				return EXIT_USAGE;
			}
			c.dir = optarg;
			c.mode = opt == 'a'   ? CONFORM_AGAINST
				 : opt == 'r' ? CONFORM_RECORD
					      : CONFORM_LIVE;
			break;
		case 'K':
			c.known = optarg;
			break;
		case 'q':
			c.quiet = true;
			break;
		default:
			fprintf(stderr,
				"Usage: memhp conform [--kernel " KERNEL_CHOICES
				"] [--against DIR | "
				"--record DIR | --out DIR] FILE...\n",
				KERNEL_NAMES);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "memhp conform: no scenario files\n");
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++)
		for (int k = 0; k < 2; k++)
			if (kernels[k] && !conform_one(&c, argv[i], (enum memhp_kernel)k))
				break;
	return c.worst;
}
