/* memhp explain: why a memory block is in its zone, or what a virtio-mem
 * device and its driver do. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "memhp/memhp.h"

static void explain_usage(FILE *f)
{
	fprintf(f,
		"Usage: memhp explain [--kernel " KERNEL_CHOICES
		"] FILE --block N [--at LABEL] [--json]\n"
		"       memhp explain [--kernel " KERNEL_CHOICES
		"] FILE --device ID [--at LABEL] [--json]\n"
		"Runs FILE on the model up to `snapshot LABEL` (default: to its end) and\n"
		"explains memoryN's zone: the decision that onlined it, or the zone `online`\n"
		"would choose now, with the policy's arithmetic (and, in a virtio-mem\n"
		"device, its driver's state of the block). --device explains virtio-mem\n"
		"device ID: its sizes and driver, why size differs from requested-size\n"
		"(what holds each block, or why plugging stopped) and where it plugs.\n"
		"       memhp explain --live [--sysroot DIR] --block N [--json]\n"
		"explains memoryN of this machine (or of the tree DIR/sys, DIR/proc, such as\n"
		"memhp run --sysroot-out writes), read only: the zone `online` would choose\n"
		"now from the live numbers (an online block judged as if it were offline,\n"
		"and compared with its zone).\n",
		KERNEL_NAMES);
}

static int parse_block(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

/* --live reads a machine: no scenario, label, kernel profile or device. */
static int check_live_args(int argc, bool have_block, bool have_kernel,
			   const struct memhp_explain_options *eo)
{
	const char *bad = optind != argc ? "a scenario file"
			  : have_kernel	 ? "--kernel"
			  : eo->at_label ? "--at"
			  : eo->device	 ? "--device"
					 : NULL;

	if (bad) {
		fprintf(stderr,
			"memhp explain: --live explains a running machine: %s does not "
			"apply\n",
			bad);
		return EXIT_USAGE;
	}
	if (!have_block) {
		fprintf(stderr, "memhp explain: --live needs --block N\n");
		return EXIT_USAGE;
	}
	return 0;
}

static int check_model_args(int argc, bool have_block, const char *sysroot,
			    const struct memhp_explain_options *eo)
{
	if (sysroot) {
		fprintf(stderr, "memhp explain: --sysroot goes with --live\n");
		return EXIT_USAGE;
	}
	if (optind + 1 != argc || (!have_block && !eo->device)) {
		explain_usage(stderr);
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"kernel", required_argument, NULL, 'k'},
	    {"block", required_argument, NULL, 'b'},
	    {"at", required_argument, NULL, 'a'},
	    {"json", no_argument, NULL, 'j'},
	    {"device", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {"live", no_argument, NULL, 'l'},
	    {"sysroot", required_argument, NULL, 's'},
	    {0},
	};
	struct memhp_explain_options eo = {.kernel = MEMHP_KERNEL_6_12};
	struct json_object *e;
	bool json = false, have_block = false, live = false, have_kernel = false;
	const char *sysroot = NULL;
	char err[1024] = "", *text;
	int c, ret;

	while ((c = getopt_long(argc, argv, "k:b:a:d:jhls:", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (parse_kernel_option("explain", optarg, &eo.kernel))
				return EXIT_USAGE;
			have_kernel = true;
			break;
		case 'l':
			live = true;
			break;
		case 's':
			sysroot = optarg;
			break;
		case 'b':
			if (parse_block(optarg, &eo.block)) {
				fprintf(
				    stderr,
				    "memhp explain: --block: expected a block number, got '%s'\n",
				    optarg);
				return EXIT_USAGE;
			}
			have_block = true;
			break;
		case 'a':
			eo.at_label = optarg;
			break;
		case 'd':
			eo.device = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			explain_usage(stdout);
			return 0;
		default:
			explain_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (have_block && eo.device) {
		fprintf(stderr, "memhp explain: --block and --device exclude each other\n");
		return EXIT_USAGE;
	}
	ret = live ? check_live_args(argc, have_block, have_kernel, &eo)
		   : check_model_args(argc, have_block, sysroot, &eo);
	if (ret)
		return ret;
	if (live)
		ret = memhp_explain_live(sysroot, eo.block, &e, err, sizeof(err));
	else
		ret = memhp_explain_file(argv[optind], &eo, &e, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-ret));
		return EXIT_USAGE;
	}
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(
				   e, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					  JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		text = memhp_explain_text(e);
		if (!text) {
			json_object_put(e);
			fprintf(stderr, "memhp explain: out of memory\n");
			return 1;
		}
		fputs(text, stdout);
		free(text);
	}
	json_object_put(e);
	return 0;
}
