/* What the libFuzzer harnesses share: a booted machine to run inputs on,
 * and the input split into NUL-terminated lines.
 *
 * Every input gets a fresh machine, so a crash reproduces from its input
 * alone. The first byte picks one of a few machines (kernel, board,
 * policy), the rest is the input proper. */
#ifndef MEMHP_FUZZ_COMMON_H
#define MEMHP_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct scenario;

struct fuzz_machine {
	struct scenario *sc;
	struct machine *m; /* the state after the preamble scenario ran */
	void *run;	   /* struct scenario_run, kept to release */
};

/* Boots machine number `which` (any byte; taken modulo the list).
 * Aborts if a preamble does not boot: that is a harness bug, not a
 * finding. */
void fuzz_machine_boot(struct fuzz_machine *fm, uint8_t which);
void fuzz_machine_free(struct fuzz_machine *fm);

/* data as a NUL-terminated copy with every '\n' turned into '\0': lines
 * are then walked with fuzz_next_line. The caller frees the copy. */
char *fuzz_lines(const uint8_t *data, size_t size, char **end);
/* The line after `line` in a fuzz_lines() copy, or NULL at its end. */
char *fuzz_next_line(char *line, char *end);

/* Fails the input (abort, so libFuzzer keeps it) if the model's
 * invariants do not hold; `what` names the operation just done. */
void fuzz_check(struct fuzz_machine *fm, const char *what);

#endif
