/* memhp: run memory hot(un)plug scenarios on the model and show the
 * result as the kernel would. */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "layout.h"
#include "memhp/memhp.h"

/* The script that fetches Debian's kernel and builds the initramfs; the
 * environment can point elsewhere (an installed copy). */
const char *kernel_script(void)
{
	const char *env = getenv("MEMHP_GUEST_KERNEL");

	return env && *env ? env : MEMHP_SOURCE_DIR "/scripts/guest-kernel.sh";
}

void print_progress(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "memhp: %s\n", msg);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage:\n"
		   "  memhp run [--backend model|qemu] [--kernel 6.1|6.12] FILE [--sysroot-out DIR]\n"
		   "            [--json FILE] [--console-log FILE] [--quiet]\n"
		   "  memhp diff A.json B.json\n"
		   "  memhp conform [--kernel 6.1|6.12] [--out DIR] FILE...\n"
		   "  memhp conform --against DIR [--known DIR] [--kernel 6.1|6.12] FILE...\n"
		   "  memhp conform --record DIR [--kernel 6.1|6.12] FILE...\n"
		   "  memhp explain [--kernel 6.1|6.12] FILE --block N [--at LABEL] [--json]\n"
		   "\n"
		   "run: runs a scenario file (.scn) on the model of a QEMU x86 machine and its\n"
		   "Linux guest (or, --backend qemu, on Debian's cloud kernel booted in QEMU),\n"
		   "prints each step and the final memory layout.\n"
		   "  --kernel        kernel: behaviour profile of the model, or the Debian kernel\n"
		   "                  QEMU boots (default 6.12)\n"
		   "  --sysroot-out   write DIR/LABEL/{sys,proc} for every snapshot\n"
		   "  --json          write the whole run as JSON\n"
		   "  --console-log   keep the real guest's console there (qemu backend)\n"
		   "  --quiet         print only the final layout\n"
		   "diff: compares two run JSON files on the fields scenario-format.md lists;\n"
		   "  exit 0 only when they agree.\n"
		   "conform: runs each FILE on the model and on the real kernel (both kernels unless\n"
		   "  --kernel) and diffs them; --out keeps the JSON of both sides. --against DIR\n"
		   "  compares the model with runs recorded earlier as DIR/NAME.KERNEL.json;\n"
		   "  --record DIR (re-)records them from the real kernels. --known DIR accepts\n"
		   "  differences that are exactly those listed in DIR/NAME.KERNEL.txt.\n"
		   "  Exit 0: all agree, 1: differences, 2: bad input, 3: a real run failed.\n"
		   "explain: runs FILE on the model up to `snapshot LABEL` (or its end) and shows\n"
		   "  why memoryN is in its zone, or which zone `online` would choose now, with\n"
		   "  the online policy's numbers (--json: the same as JSON).\n");
}

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

static void print_steps(struct json_object *result)
{
	struct json_object *steps, *notes;

	if (!json_object_object_get_ex(result, "steps", &steps))
		return;
	for (size_t i = 0; i < json_object_array_length(steps); i++) {
		struct json_object *s = json_object_array_get_idx(steps, i), *resp;
		const char *kind = field(s, "kind");

		printf("%4s | %s\n", field(s, "lineno"), field(s, "line"));
		if (!strcmp(kind, "host") && json_object_object_get_ex(s, "response", &resp)) {
			printf("     -> %s\n", json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		} else if (!strcmp(kind, "guest")) {
			print_indented("     ", field(s, "stdout"));
			print_indented("     ! ", field(s, "stderr"));
			if (strcmp(field(s, "rc"), "0"))
				printf("     (exit %s)\n", field(s, "rc"));
		} else if (!strcmp(kind, "settle") && json_object_object_get_ex(s, "notes", &notes)) {
			for (size_t j = 0; j < json_object_array_length(notes); j++)
				printf("     %s\n", json_object_get_string(json_object_array_get_idx(notes, j)));
		}
	}
}

/* Written next to path and renamed: a reader never sees half a file. */
int write_json(struct json_object *result, const char *path)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_object_to_file_ext(tmp, result, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)) {
		fprintf(stderr, "memhp: cannot write %s: %s\n", tmp, json_util_get_last_err());
		return -EIO;
	}
	if (rename(tmp, path)) {
		fprintf(stderr, "memhp: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"kernel", required_argument, NULL, 'k'},
		{"backend", required_argument, NULL, 'b'},
		{"sysroot-out", required_argument, NULL, 's'},
		{"json", required_argument, NULL, 'j'},
		{"console-log", required_argument, NULL, 'c'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct memhp_run_options ro = {.kernel = MEMHP_KERNEL_6_12,
				       .kernel_script = kernel_script(),
				       .progress = print_progress};
	const char *json_out = NULL, *status;
	struct memhp_run *run;
	bool quiet = false;
	char err[1024] = "";
	int c, ret;

	while ((c = getopt_long(argc, argv, "k:b:s:j:c:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (memhp_kernel_from_string(optarg, &ro.kernel)) {
				fprintf(stderr, "memhp run: --kernel: expected 6.1 or 6.12, got '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'b':
			if (!strcmp(optarg, "model")) {
				ro.backend = MEMHP_BACKEND_MODEL;
			} else if (!strcmp(optarg, "qemu")) {
				ro.backend = MEMHP_BACKEND_QEMU;
			} else {
				fprintf(stderr, "memhp run: --backend: expected model or qemu, got '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 's':
			ro.sysroot_out = optarg;
			break;
		case 'j':
			json_out = optarg;
			break;
		case 'c':
			ro.console_log = optarg;
			break;
		case 'q':
			quiet = true;
			ro.progress = NULL;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (ro.console_log && ro.backend != MEMHP_BACKEND_QEMU) {
		fprintf(stderr, "memhp run: --console-log needs --backend qemu\n");
		return EXIT_USAGE;
	}
	ret = memhp_run_file(argv[optind], &ro, &run, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-ret));
		return EXIT_USAGE;
	}
	if (!quiet)
		print_steps(memhp_run_result(run));
	status = field(memhp_run_result(run), "status");
	if (!strcmp(status, "error"))
		fprintf(stderr, "memhp run: %s\n", err);
	printf("%s%s memory layout (status: %s):\n", quiet ? "" : "\n",
	       ro.backend == MEMHP_BACKEND_QEMU ? "last snapshot's" : "final", status);
	ret = print_layout(run, stdout);
	/* The JSON of a failed run says how far it got and why. */
	if (json_out && write_json(memhp_run_result(run), json_out))
		ret = -EIO;
	ret = ret || !strcmp(status, "error") ? 1 : 0;
	memhp_run_free(run);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "diff"))
		return cmd_diff(argc - 1, argv + 1);
	if (!strcmp(argv[1], "conform"))
		return cmd_conform(argc - 1, argv + 1);
	if (!strcmp(argv[1], "explain"))
		return cmd_explain(argc - 1, argv + 1);
	fprintf(stderr, "memhp: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
