/* The memhp subcommands: each gets argv from its own name on and returns
 * the exit status. */
#ifndef MEMHP_CLI_COMMANDS_H
#define MEMHP_CLI_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_conform(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_fuzz(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_draw(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_mount(int argc, char **argv);
int cmd_exec(int argc, char **argv);

#endif
