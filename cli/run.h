/* memhp run's options, shared by one run (run.c) and a batch (batch.c). */
#ifndef MEMHP_CLI_RUN_H
#define MEMHP_CLI_RUN_H

#include <stdbool.h>

#include "memhp/memhp.h"

#define RUN_MAX_MATRIX 8

struct run_cmd {
	struct memhp_run_options ro;
	const char *json_out; /* a file; for a batch, a directory */
	bool quiet;
	bool real_shell;
	const char *matrix[RUN_MAX_MATRIX]; /* --matrix KEY=V1,V2,... */
	int nr_matrix;
};

/* The steps, the layout and the JSON of a run that started; 0 or 1. */
int report_run(const struct run_cmd *rc, struct memhp_run *run, const char *err);

/* Every file under every combination of the --matrix values, one after
 * another in this process; one output (text, JSON, sysroot) per run and a
 * summary table. The exit status: 0 all ran, 1 a run ended in error, 2 bad
 * usage or a file that cannot run. */
int run_batch(struct run_cmd *rc, char **files, int nr_files);

#endif
