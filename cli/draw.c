/* memhp draw: the memory map of a snapshot, or the run's timeline, as SVG. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "memhp/memhp.h"

static void draw_usage(FILE *f)
{
	fprintf(f,
		"Usage: memhp draw [--kernel " KERNEL_CHOICES "] FILE [--at LABEL] -o OUT.svg\n"
		"       memhp draw [--kernel " KERNEL_CHOICES "] FILE --timeline -o OUT.svg\n"
		"Runs FILE on the model up to `snapshot LABEL` (default: to its end) and\n"
		"draws its memory map: one cell per memory block, coloured by zone, with\n"
		"memory devices, memory groups, nodes and virtio-mem's partly plugged\n"
		"blocks. --timeline draws, step by step, each zone's present memory per\n"
		"node, MOVABLE against the auto-movable limit and each virtio-mem\n"
		"device's requested and plugged size.\n",
		KERNEL_NAMES);
}

int cmd_draw(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"kernel", required_argument, NULL, 'k'}, {"at", required_argument, NULL, 'a'},
	    {"timeline", no_argument, NULL, 't'},     {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},	      {0},
	};
	struct memhp_draw_options o = {.kernel = MEMHP_KERNEL_6_12};
	const char *out = NULL;
	char err[1024] = "", *svg;
	int c, ret;

	while ((c = getopt_long(argc, argv, "k:a:to:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (parse_kernel_option("draw", optarg, &o.kernel))
				return EXIT_USAGE;
			break;
		case 'a':
			o.at_label = optarg;
			break;
		case 't':
			o.timeline = true;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			draw_usage(stdout);
			return 0;
		default:
			draw_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || !out) {
		draw_usage(stderr);
		return EXIT_USAGE;
	}
	if (o.timeline && o.at_label) {
		fprintf(stderr,
			"memhp draw: --timeline covers the whole run: --at does not apply\n");
		return EXIT_USAGE;
	}
	ret = memhp_draw_file(argv[optind], &o, &svg, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-ret));
		return EXIT_USAGE;
	}
	ret = write_text(svg, out);
	free(svg);
	return ret ? 1 : 0;
}
