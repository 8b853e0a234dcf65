/* What explain.c and explain_vmem.c share: reading and writing the
 * explanation's JSON, and the virtio-mem parts of an explanation. Private
 * to view/. */
#ifndef MEMHP_EXPLAIN_INTERNAL_H
#define MEMHP_EXPLAIN_INTERNAL_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "array.h"
#include "units.h"

#include <json-c/json.h>

struct machine;
struct strbuf;
struct zone_decision;

static inline void add_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static inline void add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

static inline void add_bool(struct json_object *o, const char *key, bool v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

static inline uint64_t get_u64(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v) : 0;
}

static inline const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL;
}

static inline bool get_bool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static inline struct json_object *get_obj(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* v in the largest binary unit that divides it. */
static inline const char *size_str(uint64_t v, char *buf, size_t len)
{
	static const struct {
		uint64_t unit;
		const char *name;
	} units[] = {{TiB, "TiB"}, {GiB, "GiB"}, {MiB, "MiB"}, {KiB, "KiB"}};

	if (!v)
		return "0";
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (v % units[i].unit == 0) {
			snprintf(buf, len, "%" PRIu64 " %s", v / units[i].unit, units[i].name);
			return buf;
		}
	snprintf(buf, len, "%" PRIu64 " bytes", v);
	return buf;
}

/* A memory group ("group"): the model's, or a live device's. */
struct memory_group_stats;
struct json_object *explain_group_json(const struct memory_group_stats *g, uint64_t nr_blocks);

/* A zone decision ("decision", "would_choose") as JSON. */
struct json_object *explain_decision_json(const struct zone_decision *d);

/* The driver's view of memory block mb_id ("virtio_mem" of explain
 * --block), or NULL for a block of no virtio-mem device. */
struct json_object *explain_vmem_block_json(const struct machine *m, uint64_t mb_id);
/* Its line in the text; nothing when e has no "virtio_mem". */
void explain_vmem_block_text(struct json_object *e, struct strbuf *sb);
/* The text of explain_device()'s JSON. */
void explain_vmem_device_text(struct json_object *e, struct strbuf *sb);

#endif
