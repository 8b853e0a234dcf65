/* memhp report: a run as one self-contained HTML page. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "memhp/memhp.h"

static void report_usage(FILE *f)
{
	fprintf(f,
		"Usage: memhp report [--kernel " KERNEL_CHOICES "] FILE -o OUT.html\n"
		"Runs FILE on the model and writes one self-contained HTML page (nothing\n"
		"fetched): its steps, the timeline, the memory map at every snapshot and\n"
		"the explanation of the block clicked in a map (precomputed for the first\n"
		"4096 blocks of each snapshot).\n",
		KERNEL_NAMES);
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"kernel", required_argument, NULL, 'k'},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	enum memhp_kernel kernel = MEMHP_KERNEL_6_12;
	const char *out = NULL;
	char err[1024] = "", *html;
	int c, ret;

	while ((c = getopt_long(argc, argv, "k:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (parse_kernel_option("report", optarg, &kernel))
				return EXIT_USAGE;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			report_usage(stdout);
			return 0;
		default:
			report_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || !out) {
		report_usage(stderr);
		return EXIT_USAGE;
	}
	ret = memhp_report_file(argv[optind], kernel, &html, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-ret));
		return EXIT_USAGE;
	}
	ret = write_text(html, out);
	free(html);
	return ret ? 1 : 0;
}
