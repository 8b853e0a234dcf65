/* Scenario files (.scn): the machine, the kernel command line and the
 * steps, shared by the model and the real-kernel runner. */
#ifndef MEMHP_SCENARIO_H
#define MEMHP_SCENARIO_H

#include <stddef.h>

enum scenario_step_kind {
	STEP_HOST,
	STEP_GUEST,
	STEP_SETTLE,
	STEP_SNAPSHOT,
	STEP_SLEEP,
};

struct json_object;

struct scenario_step {
	enum scenario_step_kind kind;
	int lineno;   /* first physical line of the logical line */
	char *line;   /* the logical line as written (continuations joined) */
	char *arg;    /* host: the JSON; guest: the command; snapshot: the label */
	double seconds;  /* guest[S] timeout, settle S, sleep S; 0 if not given */
	double timeout;  /* settle timeout=S; 0 if not given */
	double quiet;    /* settle quiet=S; 0 if not given */
	/* host: arg parsed (a JSON object), owned by the scenario, read only:
	 * the parse that checked it, so that a run does not parse it again.
	 * NULL in steps made up elsewhere (memhp fuzz): parse arg then. */
	struct json_object *cmd;
};

struct scenario {
	char *path;
	char *name;
	char *description;    /* joined with spaces, or NULL */
	char *kernel_cmdline; /* all kernel-cmdline lines joined with spaces, or "" */
	char **qemu_argv;     /* all qemu: lines split with shell quoting, NULL-terminated */
	size_t qemu_argc;
	int *qemu_arg_lineno; /* line of each qemu argument, for messages */
	double boot_timeout, guest_timeout; /* 0 if not given */
	struct scenario_step *steps;
	size_t nr_steps;
};

/* Parses a file. On error returns a negative errno and writes
 * "FILE:LINE: what was expected" (or "FILE: reason") into err. */
int scenario_parse_file(const char *path, struct scenario **out, char *err, size_t errlen);
int scenario_parse_string(const char *path, const char *text, struct scenario **out, char *err,
			  size_t errlen);
void scenario_free(struct scenario *sc);

/* One step line (host:, guest:, guest[S]:, settle, snapshot, sleep) parsed
 * as line `lineno` of path, exactly as in a file: for a driver that makes
 * up its steps one at a time (memhp fuzz). A snapshot label is checked
 * for uniqueness by the caller. Any other line: -EINVAL with
 * "FILE:LINE: ..." in err. *out is the caller's (scenario_step_release()). */
int scenario_parse_step(const char *path, int lineno, const char *line, struct scenario_step *out,
			char *err, size_t errlen);
void scenario_step_release(struct scenario_step *st);

/* "host", "guest", "settle", "snapshot" or "sleep", as the run JSON says. */
const char *scenario_step_kind_name(enum scenario_step_kind kind);

/* Step numbers that are not steps: what happened while booting, and
 * nothing seen. */
#define SCENARIO_STEP_BOOT (-1)
#define SCENARIO_STEP_NONE (-2)

#endif
