/* The pieces of the run JSON (scenario-format.md) that every backend
 * builds the same way: a step's header, a snapshot's block and module
 * parameters. */
#ifndef MEMHP_RUN_JSON_H
#define MEMHP_RUN_JSON_H

#include <stddef.h>
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

/* One JSON document: text (len bytes, NUL-terminated after them) holds one
 * JSON value and nothing after it but white space. 0 with *out (caller
 * puts), or -EINVAL with "NAME:LINE:COLUMN: what was expected" in err (the
 * line and column, from 1, of the first byte that does not fit: for a
 * truncated document the end of the text). */
int json_document_parse(const char *name, const char *text, size_t len, struct json_object **out,
			char *err, size_t errlen);

/* json_document_parse() of the file path, read with its size bounded
 * (readfile.h). 0, or -errno with "PATH[:LINE:COLUMN]: why" in err. */
int json_document_load(const char *path, struct json_object **out, char *err, size_t errlen);

/* A JSON string made from s, which is freed; JSON null for NULL. */
struct json_object *json_string_take(char *s);

#endif
