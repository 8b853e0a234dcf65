/* memhp plan: how much memory each device could give back now, and what
 * holds the rest. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "memhp/memhp.h"

static void plan_usage(FILE *f)
{
	fprintf(f,
		"Usage: memhp plan [--kernel " KERNEL_CHOICES "] FILE [--at LABEL] [--json]\n"
		"Runs FILE on the model up to `snapshot LABEL` (default: to its end) and says,\n"
		"per memory device, how much could be unplugged now and once movable pages\n"
		"migrate, which blocks hold the rest back and by what, and how much more can\n"
		"be plugged before the ratio sends new memory to a kernel zone; per node, the\n"
		"free memory; and how much can be hot-added with the kernel memory free for\n"
		"memmaps. --json: the same as JSON, for a controller.\n",
		KERNEL_NAMES);
}

int cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"kernel", required_argument, NULL, 'k'}, {"at", required_argument, NULL, 'a'},
	    {"json", no_argument, NULL, 'j'},	      {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct memhp_plan_options po = {.kernel = MEMHP_KERNEL_6_12};
	struct json_object *p;
	char err[1024] = "", *text;
	bool json = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "k:a:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (parse_kernel_option("plan", optarg, &po.kernel))
				return EXIT_USAGE;
			break;
		case 'a':
			po.at_label = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			plan_usage(stdout);
			return 0;
		default:
			plan_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		plan_usage(stderr);
		return EXIT_USAGE;
	}
	ret = memhp_plan_file(argv[optind], &po, &p, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-ret));
		return EXIT_USAGE;
	}
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(
				   p, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					  JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		text = memhp_plan_text(p);
		if (!text) {
			json_object_put(p);
			fprintf(stderr, "memhp plan: out of memory\n");
			return 1;
		}
		fputs(text, stdout);
		free(text);
	}
	json_object_put(p);
	return 0;
}
