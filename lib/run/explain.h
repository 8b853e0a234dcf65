/* memhp explain: why a memory block is in its zone, or which zone `online`
 * would give it now, with the numbers the policy compared. A view: it
 * reads the model and never changes it. */
#ifndef MEMHP_EXPLAIN_H
#define MEMHP_EXPLAIN_H

#include <stdint.h>

struct json_object;
struct scenario;
struct scenario_run;
struct strbuf;

/* The explanation of block `id` after `run` of `sc` as JSON, or NULL if
 * the block does not exist (-ENOENT in *err_out) or memory ran out. */
struct json_object *explain_block(const struct scenario *sc, const struct scenario_run *run,
				  const char *at_label, uint64_t id, int *err_out);

/* The same explanation as text a person can check by hand. */
void explain_format_text(struct json_object *e, struct strbuf *sb);

#endif
