#include "qmp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "machine.h"
#include "strparse.h"

static struct json_object *qmp_error(const char *cls, const char *desc)
{
	struct json_object *r = json_object_new_object(), *e = json_object_new_object();

	json_object_object_add(e, "class", json_object_new_string(cls));
	json_object_object_add(e, "desc", json_object_new_string(desc));
	json_object_object_add(r, "error", e);
	return r;
}

static struct json_object *qmp_return(struct json_object *value)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "return", value ? value : json_object_new_object());
	return r;
}

static const char *arg_string(struct json_object *args, const char *key)
{
	struct json_object *v;

	if (!args || !json_object_object_get_ex(args, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* An integer property: a JSON number, or for device_add's string-typed
 * options also a decimal/hex string. 1 if present, 0 if absent, -EINVAL. */
static int arg_uint(struct json_object *args, const char *key, bool allow_string, uint64_t *out)
{
	struct json_object *v;

	if (!args || !json_object_object_get_ex(args, key, &v))
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		int64_t i = json_object_get_int64(v);

		if (i < 0 && json_object_get_uint64(v) == 0)
			return -EINVAL;
		*out = i < 0 ? json_object_get_uint64(v) : (uint64_t)i;
		return 1;
	}
	if (allow_string && json_object_is_type(v, json_type_string) &&
	    !kstrtoull(json_object_get_string(v), out))
		return 1;
	return -EINVAL;
}

static struct json_object *missing(const char *key)
{
	char desc[128];

	snprintf(desc, sizeof(desc), "Parameter '%s' is missing", key);
	return qmp_error("GenericError", desc);
}

static struct json_object *invalid_type(const char *key, const char *expected)
{
	char desc[160];

	snprintf(desc, sizeof(desc), "Invalid parameter type for '%s', expected: %s", key, expected);
	return qmp_error("GenericError", desc);
}

static struct json_object *cmd_object_add(struct machine *m, struct json_object *args)
{
	const char *type = arg_string(args, "qom-type"), *id = arg_string(args, "id");
	char err[256];
	uint64_t size = 0;
	int r;

	if (!type)
		return missing("qom-type");
	if (!id)
		return missing("id");
	r = arg_uint(args, "size", false, &size);
	if (r < 0)
		return invalid_type("size", "integer");
	if (qemu_vm_object_add(m->vm, type, id, size, err, sizeof(err)))
		return qmp_error("GenericError", err);
	return qmp_return(NULL);
}

static struct json_object *cmd_object_del(struct machine *m, struct json_object *args)
{
	const char *id = arg_string(args, "id");
	char err[256];

	if (!id)
		return missing("id");
	if (qemu_vm_object_del(m->vm, id, err, sizeof(err)))
		return qmp_error("GenericError", err);
	return qmp_return(NULL);
}

static struct json_object *cmd_device_add(struct machine *m, struct json_object *args)
{
	const char *driver = arg_string(args, "driver"), *id = arg_string(args, "id");
	uint64_t node = 0, addr = 0, slot = 0;
	int has_node, has_addr, has_slot, ret;
	struct pc_dimm *d;
	char err[256];

	if (!driver)
		return missing("driver");
	if (!strcmp(driver, "virtio-mem-pci"))
		return qmp_error("GenericError", "virtio-mem is not supported by the memhp model yet");
	if (strcmp(driver, "pc-dimm")) {
		snprintf(err, sizeof(err), "'%s' is not a valid device model name", driver);
		return qmp_error("GenericError", err);
	}
	has_node = arg_uint(args, "node", true, &node);
	has_addr = arg_uint(args, "addr", true, &addr);
	has_slot = arg_uint(args, "slot", true, &slot);
	if (has_node < 0)
		return invalid_type("node", "uint32");
	if (has_addr < 0)
		return invalid_type("addr", "uint64");
	if (has_slot < 0)
		return invalid_type("slot", "int32");
	ret = qemu_vm_dimm_plug(m->vm, id, arg_string(args, "memdev"), has_node ? (int)node : -1,
				has_addr ? addr : 0, has_slot ? (int)slot : -1, true, &d, err, sizeof(err));
	if (ret)
		return qmp_error(ret == -ENOENT ? "DeviceNotFound" : "GenericError", err);
	if (machine_queue_work(m, ACPI_WORK_INSERT, d))
		return qmp_error("GenericError", "out of memory");
	return qmp_return(NULL);
}

static struct json_object *cmd_device_del(struct machine *m, struct json_object *args)
{
	const char *id = arg_string(args, "id");
	struct pc_dimm *d;
	char desc[256];

	if (!id)
		return missing("id");
	d = qemu_vm_find_dimm(m->vm, id);
	if (!d) {
		snprintf(desc, sizeof(desc), "Device '%s' not found", id);
		return qmp_error("DeviceNotFound", desc);
	}
	/* QEMU sends the eject request again for a DIMM already asked to go. */
	d->unplug_requested = true;
	if (machine_queue_work(m, ACPI_WORK_EJECT, d))
		return qmp_error("GenericError", "out of memory");
	return qmp_return(NULL);
}

/* Keys in the order QEMU 7.2 puts them on the wire (its dictionary's hash
 * order), so replies compare equal as text too. */
static struct json_object *dimm_info(const struct pc_dimm *d)
{
	struct json_object *o = json_object_new_object(), *data = json_object_new_object();
	char memdev[300];

	snprintf(memdev, sizeof(memdev), "/objects/%s", d->memdev->id);
	json_object_object_add(data, "memdev", json_object_new_string(memdev));
	json_object_object_add(data, "hotplugged", json_object_new_boolean(d->hotplugged));
	json_object_object_add(data, "addr", json_object_new_uint64(d->addr));
	json_object_object_add(data, "hotpluggable", json_object_new_boolean(true));
	json_object_object_add(data, "size", json_object_new_uint64(d->memdev->size));
	json_object_object_add(data, "slot", json_object_new_int(d->slot));
	json_object_object_add(data, "node", json_object_new_int(d->node));
	if (d->id)
		json_object_object_add(data, "id", json_object_new_string(d->id));
	json_object_object_add(o, "type", json_object_new_string("dimm"));
	json_object_object_add(o, "data", data);
	return o;
}

static int by_addr(const void *a, const void *b)
{
	const struct pc_dimm *x = *(const struct pc_dimm *const *)a, *y = *(const struct pc_dimm *const *)b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct json_object *qmp_query_memory_devices(const struct machine *m)
{
	struct json_object *list = json_object_new_array();
	size_t n = m->vm->nr_dimms;
	const struct pc_dimm **sorted = calloc(n ? n : 1, sizeof(*sorted));

	if (!sorted)
		return list;
	if (n)
		memcpy(sorted, m->vm->dimms, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), by_addr);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(list, dimm_info(sorted[i]));
	free(sorted);
	return list;
}

static struct json_object *cmd_query_memory_size_summary(struct machine *m)
{
	struct json_object *o = json_object_new_object();
	uint64_t plugged = 0;

	for (size_t i = 0; i < m->vm->nr_dimms; i++)
		plugged += m->vm->dimms[i]->memdev->size;
	json_object_object_add(o, "base-memory", json_object_new_uint64(m->vm->ram_size));
	json_object_object_add(o, "plugged-memory", json_object_new_uint64(plugged));
	return qmp_return(o);
}

struct json_object *qmp_execute(struct machine *m, struct json_object *cmd)
{
	struct json_object *exec, *args = NULL;
	const char *name;
	char desc[256];

	if (!json_object_is_type(cmd, json_type_object))
		return qmp_error("GenericError", "QMP input must be a JSON object");
	if (!json_object_object_get_ex(cmd, "execute", &exec) ||
	    !json_object_is_type(exec, json_type_string))
		return qmp_error("GenericError", "QMP input lacks member 'execute'");
	if (json_object_object_get_ex(cmd, "arguments", &args) &&
	    !json_object_is_type(args, json_type_object))
		return qmp_error("GenericError", "QMP input member 'arguments' must be an object");
	name = json_object_get_string(exec);
	if (!strcmp(name, "qmp_capabilities"))
		return qmp_return(NULL);
	if (!strcmp(name, "object-add"))
		return cmd_object_add(m, args);
	if (!strcmp(name, "object-del"))
		return cmd_object_del(m, args);
	if (!strcmp(name, "device_add"))
		return cmd_device_add(m, args);
	if (!strcmp(name, "device_del"))
		return cmd_device_del(m, args);
	if (!strcmp(name, "query-memory-devices"))
		return qmp_return(qmp_query_memory_devices(m));
	if (!strcmp(name, "query-memory-size-summary"))
		return cmd_query_memory_size_summary(m);
	snprintf(desc, sizeof(desc), "The command %s has not been found", name);
	return qmp_error("CommandNotFound", desc);
}
