/* The pieces of the run JSON (scenario-format.md) that every backend
 * builds the same way: a step's header, a snapshot's block and module
 * parameters. */
#ifndef MEMHP_RUN_JSON_H
#define MEMHP_RUN_JSON_H

#include <stdint.h>

struct json_object;
struct scenario_step;

/* A step object of the run JSON with index, lineno, line and kind. */
struct json_object *run_step_json(const struct scenario_step *st, int index);

/* One block of a snapshot as user space reads it from memoryN/. */
struct snapshot_block {
	uint64_t id;
	const char *state, *valid_zones; /* without newline; NULL if unreadable */
	int online, removable, node;	 /* node -1: no nodeK link */
	int64_t phys_index;
};
struct json_object *snapshot_block_json(const struct snapshot_block *b);

/* The memory_hotplug module parameters a snapshot records, NULL-terminated. */
extern const char *const snapshot_param_names[];
/* Their "params" object; read_param returns a malloc'd value without newline or
 * NULL when the file cannot be read. */
struct json_object *snapshot_params_json(char *(*read_param)(const void *ctx, const char *path),
					 const void *ctx);

/* A JSON string made from s, which is freed; JSON null for NULL. */
struct json_object *json_string_take(char *s);

#endif
