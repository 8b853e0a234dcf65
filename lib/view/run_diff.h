/* Comparing two runs of the same scenario (run JSON of scenario-format.md),
 * e.g. the model's and a real kernel's, on the fields "What is compared with
 * the real kernel" names. */
#ifndef MEMHP_RUN_DIFF_H
#define MEMHP_RUN_DIFF_H

struct json_object;
struct strbuf;

/* At most this many difference lines are written, then one
 * "... N more differences" line. */
#define RUN_DIFF_MAX_LINES 200

/* Compares run JSON a (named name_a, e.g. "model") with b (e.g. "6.12 kernel").
 * Appends one line per difference to out. Returns the number of differences
 * (0: equal on every compared field) or a negative errno (-EINVAL when either
 * is not a run object: a JSON object with a string "status" whose "steps" and
 * "snapshots", when present, are arrays; -ENOMEM). */
int run_diff(struct json_object *a, struct json_object *b, const char *name_a, const char *name_b,
	     struct strbuf *out);

#endif
