/* The memhp subcommands and what they share. */
#ifndef MEMHP_CLI_COMMANDS_H
#define MEMHP_CLI_COMMANDS_H

#include <stdio.h>

struct json_object;

#define EXIT_DIFFER   1
#define EXIT_USAGE    2
#define EXIT_REAL_RUN 3

const char *kernel_script(void);
void print_progress(void *ctx, const char *msg);
int write_json(struct json_object *result, const char *path);

int cmd_diff(int argc, char **argv);
int cmd_conform(int argc, char **argv);
int cmd_explain(int argc, char **argv);

#endif
