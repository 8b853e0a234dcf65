/* memhp run: a scenario on the model or the real kernel, its steps and
 * the memory layout at the end. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "layout.h"
#include "memhp/memhp.h"

static void print_indented(const char *prefix, const char *text)
{
	const char *p = text;

	while (p && *p) {
		size_t n = strcspn(p, "\n");

		printf("%s%.*s\n", prefix, (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
}

static const char *field(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v)
							: json_object_to_json_string(v);
}

/* Like field(), but "" for a missing key: a step that failed early has
 * no rc, stdout or response. */
static const char *field_or_empty(struct json_object *o, const char *key)
{
	const char *v = field(o, key);

	return v ? v : "";
}

/* A settle's virtio-mem devices: size against request, and why short. */
static void print_devices(struct json_object *s)
{
	struct json_object *devs;

	if (!json_object_object_get_ex(s, "devices", &devs))
		return;
	for (size_t j = 0; j < json_object_array_length(devs); j++) {
		struct json_object *d = json_object_array_get_idx(devs, j);
		const char *why = field(d, "why");

		printf("     virtio-mem %s: size %s, requested-size %s%s%s\n",
		       field(d, "id") ? field(d, "id") : "(no id)", field_or_empty(d, "size"),
		       field_or_empty(d, "requested-size"), why ? ": " : "", why ? why : "");
	}
}

static void print_steps(struct json_object *result)
{
	struct json_object *steps, *notes;

	if (!json_object_object_get_ex(result, "steps", &steps))
		return;
	for (size_t i = 0; i < json_object_array_length(steps); i++) {
		struct json_object *s = json_object_array_get_idx(steps, i), *resp;
		const char *kind = field_or_empty(s, "kind");
		const char *rc = field(s, "rc");

		printf("%4s | %s\n", field_or_empty(s, "lineno"), field_or_empty(s, "line"));
		if (!strcmp(kind, "host") && json_object_object_get_ex(s, "response", &resp)) {
			printf("     -> %s\n",
			       json_object_to_json_string_ext(
				   resp, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		} else if (!strcmp(kind, "guest")) {
			print_indented("     ", field_or_empty(s, "stdout"));
			print_indented("     ! ", field_or_empty(s, "stderr"));
			if (rc && strcmp(rc, "0"))
				printf("     (exit %s)\n", rc);
		} else if (!strcmp(kind, "settle")) {
			if (json_object_object_get_ex(s, "notes", &notes))
				for (size_t j = 0; j < json_object_array_length(notes); j++)
					printf("     %s\n",
					       json_object_get_string(
						   json_object_array_get_idx(notes, j)));
			print_devices(s);
		}
	}
}

#include "run.h"

static int parse_backend(const char *arg, enum memhp_backend *out)
{
	if (!strcmp(arg, "model")) {
		*out = MEMHP_BACKEND_MODEL;
	} else if (!strcmp(arg, "qemu")) {
		*out = MEMHP_BACKEND_QEMU;
	} else {
		fprintf(stderr, "memhp run: --backend: expected model or qemu, got '%s'\n", arg);
		return EXIT_USAGE;
	}
	return 0;
}

/* -1: go on and run; else the exit status. */
static int parse_run_options(int argc, char **argv, struct run_cmd *rc)
{
	static const struct option opts[] = {
	    {"kernel", required_argument, NULL, 'k'},
	    {"backend", required_argument, NULL, 'b'},
	    {"sysroot-out", required_argument, NULL, 's'},
	    {"json", required_argument, NULL, 'j'},
	    {"console-log", required_argument, NULL, 'c'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"check", no_argument, NULL, 'C'},
	    {"real-shell", no_argument, NULL, 'R'},
	    {"matrix", required_argument, NULL, 'm'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "k:b:s:j:c:qCh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (parse_kernel_option("run", optarg, &rc->ro.kernel))
				return EXIT_USAGE;
			break;
		case 'b':
			if (parse_backend(optarg, &rc->ro.backend))
				return EXIT_USAGE;
			break;
		case 's':
			rc->ro.sysroot_out = optarg;
			break;
		case 'j':
			rc->json_out = optarg;
			break;
		case 'c':
			rc->ro.console_log = optarg;
			break;
		case 'q':
			rc->quiet = true;
			rc->ro.progress = NULL;
			break;
		case 'C':
			rc->ro.check = true;
			break;
		case 'R':
			rc->real_shell = true;
			break;
		case 'm':
			if (rc->nr_matrix == RUN_MAX_MATRIX) {
				fprintf(stderr, "memhp run: at most %d --matrix options\n",
					RUN_MAX_MATRIX);
				return EXIT_USAGE;
			}
			rc->matrix[rc->nr_matrix++] = optarg;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	/* The text shows steps and the final layout, from the machine: the
	 * snapshots' JSON is made only for --json, and goes straight to it. */
	rc->ro.snapshots = rc->json_out ? MEMHP_SNAPSHOTS_STREAM : MEMHP_SNAPSHOTS_NONE;
	if (rc->ro.console_log && rc->ro.backend != MEMHP_BACKEND_QEMU) {
		fprintf(stderr, "memhp run: --console-log needs --backend qemu\n");
		return EXIT_USAGE;
	}
	if (rc->ro.check && rc->ro.backend != MEMHP_BACKEND_MODEL) {
		fprintf(stderr, "memhp run: --check checks the model; it needs --backend model\n");
		return EXIT_USAGE;
	}
	if (rc->real_shell && rc->ro.backend != MEMHP_BACKEND_MODEL) {
		fprintf(stderr, "memhp run: --real-shell is the model's; the real guest has its "
				"own shell\n");
		return EXIT_USAGE;
	}
	return -1;
}

/* The steps, the layout and the JSON of a run that started; 0 or 1. */
int report_run(const struct run_cmd *rc, struct memhp_run *run, const char *err)
{
	struct json_object *result = memhp_run_result(run);
	const char *status = field_or_empty(result, "status");
	int ret;

	if (!rc->quiet)
		print_steps(result);
	if (!strcmp(status, "error"))
		fprintf(stderr, "memhp run: %s\n", err);
	printf("%s%s memory layout (status: %s):\n", rc->quiet ? "" : "\n",
	       rc->ro.backend == MEMHP_BACKEND_QEMU ? "last snapshot's" : "final", status);
	ret = print_layout(run, stdout);
	/* The JSON of a failed run says how far it got and why. */
	if (rc->json_out && write_run_json(run, rc->json_out))
		ret = -EIO;
	return ret || !strcmp(status, "error") ? 1 : 0;
}

/* --real-shell: the guest's own commands (setstate, zones) come from the
 * source tree's guest/, as on the real guest's PATH. 0 or exit status 1. */
static int open_real_shell(struct memhp_guest_fallback **out)
{
	struct memhp_real_shell_options o = {.path_prefix = MEMHP_SOURCE_DIR "/guest"};
	char err[1024] = "";
	int ret = memhp_real_shell_new(&o, out, err, sizeof(err));

	if (ret) {
		fprintf(stderr, "memhp run: --real-shell: %s\n", err[0] ? err : strerror(-ret));
		return 1;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_cmd rc = {
	    .ro = {.kernel = MEMHP_KERNEL_6_12,
		   .kernel_script = kernel_script(),
		   .progress = print_progress},
	};
	struct memhp_run *run;
	char err[1024] = "";
	int ret = parse_run_options(argc, argv, &rc);

	if (ret >= 0)
		return ret;
	/* Several files or a sweep: batch.c, one process for all runs. */
	if (argc - optind > 1 || rc.nr_matrix)
		return run_batch(&rc, argv + optind, argc - optind);
	/* Before the scenario is read: no FUSE is a missing facility of this
	 * machine, whatever the file holds. */
	if (rc.real_shell && (ret = open_real_shell(&rc.ro.guest_fallback)))
		return ret;
	/* Which shell it is decides what such lines print: say it. */
	if (rc.real_shell && !rc.quiet)
		fprintf(stderr, "memhp: guest lines outside the model's shell run in %s\n",
			memhp_real_shell_name(rc.ro.guest_fallback));
	ret = memhp_run_file(argv[optind], &rc.ro, &run, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-ret));
		memhp_real_shell_free(rc.ro.guest_fallback);
		return EXIT_USAGE;
	}
	ret = report_run(&rc, run, err);
	memhp_run_free(run);
	memhp_real_shell_free(rc.ro.guest_fallback);
	return ret;
}
