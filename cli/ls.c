/* memhp ls: lsmem, byte for byte (util-linux 2.38.1's options and
 * output; its behaviour re-implemented in lib/view/lsmem.c), plus what
 * lsmem lacks, only when asked for: the ZONE and DEVICE columns, --ratio. */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "memhp/memhp.h"

static const char *const ls_column_help[][2] = {
    {"RANGE", "start and end address of the memory range"},
    {"SIZE", "size of the memory range"},
    {"STATE", "online status of the memory range"},
    {"REMOVABLE", "memory is removable"},
    {"BLOCK", "memory block number or blocks range"},
    {"NODE", "numa node of memory"},
    {"ZONES", "valid zones for the memory range"},
    {"ZONE", "zone an online range is in (memhp, not lsmem)"},
    {"DEVICE", "memory device: ACPI name or virtioN (memhp, not lsmem)"},
};

static void ls_usage(FILE *f)
{
	fputs("Usage:\n memhp ls [options]\n\n"
	      "List the ranges of available memory with their online status, as lsmem does.\n\n"
	      "Options:\n"
	      " -J, --json           use JSON output format\n"
	      " -P, --pairs          use key=\"value\" output format\n"
	      " -a, --all            list each individual memory block\n"
	      " -b, --bytes          print SIZE in bytes rather than in human readable format\n"
	      " -n, --noheadings     don't print headings\n"
	      " -o, --output <list>  output columns\n"
	      "     --output-all     output all columns\n"
	      " -r, --raw            use raw output format\n"
	      " -S, --split <list>   split ranges by specified columns\n"
	      " -s, --sysroot <dir>  use the specified directory as system root\n"
	      "     --summary[=when] print summary information (never,always or only)\n"
	      "     --ratio          instead: per node, KERNEL_EARLY and MOVABLE pages against\n"
	      "                      auto_movable_ratio's limit (memhp, not lsmem)\n"
	      " -h, --help           display this help\n\n"
	      "Available output columns:\n",
	      f);
	for (size_t i = 0; i < sizeof(ls_column_help) / sizeof(ls_column_help[0]); i++)
		fprintf(f, " %10s  %s\n", ls_column_help[i][0], ls_column_help[i][1]);
}

static int columns_arg(const char *what, const char *list, int *ids, size_t max, size_t *n)
{
	char bad[64] = "";
	int ret = memhp_ls_columns(list, ids, max, n, bad, sizeof(bad));

	if (ret == -EINVAL)
		fprintf(stderr, "memhp ls: unknown column: %s\n", bad);
	else if (ret)
		fprintf(stderr, "memhp ls: %s: too many columns specified, the limit is %zu columns\n",
			what, max - 1);
	return ret;
}

/* -J, -P and -r exclude each other, as -S and -a do (lsmem's excl[],
 * with its message). */
static int exclusive(int c, int *seen_format, int *seen_split_all)
{
	bool format = c == 'J' || c == 'P' || c == 'r', split = c == 'S' || c == 'a';
	int *seen = format ? seen_format : split ? seen_split_all : NULL;

	if (!seen)
		return 0;
	if (*seen && *seen != c) {
		fprintf(stderr, "memhp ls: mutually exclusive arguments: %s\n",
			format ? "--json --pairs --raw" : "--split --all");
		return -1;
	}
	*seen = c;
	return 0;
}

enum { OPT_SUMMARY = 256, OPT_OUTPUT_ALL, OPT_RATIO };

int cmd_ls(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'},	       {"bytes", no_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},	       {"json", no_argument, NULL, 'J'},
	    {"noheadings", no_argument, NULL, 'n'},    {"output", required_argument, NULL, 'o'},
	    {"output-all", no_argument, NULL, OPT_OUTPUT_ALL},
	    {"pairs", no_argument, NULL, 'P'},	       {"raw", no_argument, NULL, 'r'},
	    {"sysroot", required_argument, NULL, 's'}, {"split", required_argument, NULL, 'S'},
	    {"summary", optional_argument, NULL, OPT_SUMMARY},
	    {"ratio", no_argument, NULL, OPT_RATIO},
	    {0},
	};
	struct memhp_ls_options o = {.want_table = true, .want_summary = true};
	const char *outarg = NULL, *splitarg = NULL;
	int c, seen_format = 0, seen_split = 0;
	char err[512] = "";

	while ((c = getopt_long(argc, argv, "abhJno:PrS:s:", opts, NULL)) != -1) {
		if (exclusive(c, &seen_format, &seen_split))
			return EXIT_FAILURE;
		switch (c) {
		case 'a':
			o.all = true;
			break;
		case 'b':
			o.bytes = true;
			break;
		case 'J':
		case 'P':
		case 'r':
			o.format = c == 'J' ? MEMHP_LS_JSON : c == 'P' ? MEMHP_LS_PAIRS : MEMHP_LS_RAW;
			o.want_summary = false;
			break;
		case 'n':
			o.noheadings = true;
			break;
		case 'o':
			outarg = optarg;
			break;
		case OPT_OUTPUT_ALL:
			/* lsmem's columns: memhp's own only when named. */
			for (o.nr_columns = 0; o.nr_columns < MEMHP_LS_NR_LSMEM_COLUMNS;
			     o.nr_columns++)
				o.columns[o.nr_columns] = (int)o.nr_columns;
			break;
		case 's':
			o.sysroot = optarg;
			break;
		case OPT_RATIO:
			o.ratio = true;
			break;
		case 'S':
			splitarg = optarg;
			break;
		case OPT_SUMMARY:
			if (!optarg || !strcmp(optarg, "only"))
				o.want_table = false;
			else if (!strcmp(optarg, "never"))
				o.want_summary = false;
			else if (!strcmp(optarg, "always"))
				o.want_summary = true;
			else {
				fprintf(stderr, "memhp ls: unsupported --summary argument\n");
				return EXIT_FAILURE;
			}
			break;
		case 'h':
			ls_usage(stdout);
			return 0;
		default:
			ls_usage(stderr);
			return EXIT_FAILURE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "memhp ls: bad usage\n");
		return EXIT_FAILURE;
	}
	if (!o.want_table && !o.want_summary) {
		fprintf(stderr, "memhp ls: options --{raw,json,pairs} and --summary=only are "
				"mutually exclusive\n");
		return EXIT_FAILURE;
	}
	if (!o.nr_columns) {
		static const int defaults[] = {MEMHP_LS_RANGE, MEMHP_LS_SIZE, MEMHP_LS_STATE,
					       MEMHP_LS_REMOVABLE, MEMHP_LS_BLOCK};

		memcpy(o.columns, defaults, sizeof(defaults));
		o.nr_columns = sizeof(defaults) / sizeof(defaults[0]);
	}
	if (outarg && columns_arg("--output", outarg, o.columns, 2 * MEMHP_LS_NR_LSMEM_COLUMNS,
				  &o.nr_columns))
		return EXIT_FAILURE;
	if (splitarg) {
		o.split_set = true;
		if (strcasecmp(splitarg, "none") &&
		    columns_arg("--split", splitarg, o.split, MEMHP_LS_NR_LSMEM_COLUMNS,
				&o.nr_split))
			return EXIT_FAILURE;
	}
	if (memhp_ls(&o, stdout, err, sizeof(err))) {
		fprintf(stderr, "memhp ls: %s\n", err[0] ? err : strerror(errno));
		return EXIT_FAILURE;
	}
	return 0;
}
