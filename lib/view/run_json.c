#include "run_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "scenario.h"

struct json_object *json_string_take(char *s)
{
	struct json_object *o = s ? json_object_new_string(s) : NULL;

	free(s);
	return o;
}

struct json_object *run_step_json(const struct scenario_step *st, int index)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "index", json_object_new_int(index));
	json_object_object_add(o, "lineno", json_object_new_int(st->lineno));
	json_object_object_add(o, "line", json_object_new_string(st->line));
	json_object_object_add(o, "kind",
			       json_object_new_string(scenario_step_kind_name(st->kind)));
	return o;
}

const char *const snapshot_param_names[] = {"online_policy", "auto_movable_ratio",
					    "auto_movable_numa_aware", "memmap_on_memory", NULL};

struct json_object *snapshot_params_json(char *(*read_param)(const void *ctx, const char *path),
					 const void *ctx)
{
	struct json_object *o = json_object_new_object();
	char path[128];

	for (size_t i = 0; snapshot_param_names[i]; i++) {
		char *v;

		snprintf(path, sizeof(path), "/sys/module/memory_hotplug/parameters/%s",
			 snapshot_param_names[i]);
		v = read_param(ctx, path);
		json_object_object_add(o, snapshot_param_names[i],
				       v ? json_object_new_string(v) : NULL);
		free(v);
	}
	return o;
}

struct json_object *snapshot_block_json(const struct snapshot_block *b)
{
	struct json_object *o = json_object_new_object();
	const char *state = b->state, *zones = b->valid_zones;

	json_object_object_add(o, "id", json_object_new_uint64(b->id));
	json_object_object_add(o, "state", json_object_new_string(state ? state : ""));
	json_object_object_add(o, "online", json_object_new_int(b->online));
	json_object_object_add(o, "phys_index", json_object_new_int64(b->phys_index));
	json_object_object_add(o, "removable", json_object_new_int(b->removable));
	json_object_object_add(o, "node", json_object_new_int(b->node));
	json_object_object_add(o, "valid_zones", json_object_new_string(zones ? zones : ""));
	/* The zone as user space can tell it: valid_zones of an online block. */
	json_object_object_add(o, "zone",
			       state && zones && !strcmp(state, "online") && strcmp(zones, "none")
				   ? json_object_new_string(zones)
				   : NULL);
	return o;
}
