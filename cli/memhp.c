/* memhp: run memory hot(un)plug scenarios on the model and show the
 * result as the kernel would. One function per subcommand. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "memhp/memhp.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
    {"run", cmd_run},
    {"diff", cmd_diff},
    {"conform", cmd_conform},
    {"explain", cmd_explain},
    {"plan", cmd_plan},
    {"draw", cmd_draw},
    {"report", cmd_report},
    {"ls", cmd_ls},
    {"fuzz", cmd_fuzz},
    {"mount", cmd_mount},
    {"exec", cmd_exec},
};

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	/* online, offline, configure, doctor: the library's memory tools. */
	if (memhp_tool_summary(argv[1]))
		return memhp_tool_main(argc - 1, argv + 1, stdout, stderr);
	fprintf(stderr, "memhp: unknown command '%s'\n", argv[1]);
	print_usage(stderr);
	return EXIT_USAGE;
}
