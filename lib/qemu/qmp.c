/* QMP commands (qapi/qmp-dispatch.c and the commands' handlers), with
 * QEMU 7.2's replies, error classes and texts. */
#include "qmp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "array.h"
#include "qemu.h"
#include "qom.h"
#include "acpi_memory_hotplug.h"
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

	if (!args || !json_object_object_get_ex(args, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* A uint64 member as QMP's strict input visitor reads it
 * (qobject_input_type_uint64): a JSON integer, a negative one wrapping.
 * 1 if present, 0 if absent, -EINVAL. */
static int arg_uint(struct json_object *args, const char *key, uint64_t *out)
{
	struct json_object *v;
	int64_t i;

	if (!args || !json_object_object_get_ex(args, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -EINVAL;
	/* json-c keeps integers past INT64_MAX as uint64_t */
	i = json_object_get_int64(v);
	*out = i == INT64_MAX ? json_object_get_uint64(v) : (uint64_t)i;
	return 1;
}

/* device_add's options are turned into the strings of a -device option
 * list before the properties read them (qemu_opts_from_qdict()): numbers
 * printed, booleans "on"/"off", a string as it is; other JSON values are
 * dropped. NULL if absent or dropped. */
static const char *arg_opt(struct json_object *args, const char *key, char *buf, size_t len)
{
	struct json_object *v;

	if (!args || !json_object_object_get_ex(args, key, &v))
		return NULL;
	switch (json_object_get_type(v)) {
	case json_type_string:
		return json_object_get_string(v);
	case json_type_int:
		/* json-c prints a uint64_t past INT64_MAX as such */
		snprintf(buf, len, "%s", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		return buf;
	case json_type_double:
		snprintf(buf, len, "%.17g", json_object_get_double(v));
		return buf;
	case json_type_boolean:
		return json_object_get_boolean(v) ? "on" : "off";
	default:
		return NULL;
	}
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

	snprintf(desc, sizeof(desc), "Invalid parameter type for '%s', expected: %s", key,
		 expected);
	return qmp_error("GenericError", desc);
}

static struct json_object *cmd_object_add(struct qemu_vm *vm, struct json_object *args)
{
	const char *type = arg_string(args, "qom-type"), *id = arg_string(args, "id");
	char err[256];
	uint64_t size = 0;
	int r;

	if (!type)
		return missing("qom-type");
	if (!id)
		return missing("id");
	r = arg_uint(args, "size", &size);
	if (r < 0)
		return qmp_error("GenericError", "Parameter 'size' expects uint64");
	r = host_memory_backend_add(vm, type, id, size, err, sizeof(err));
	if (r)
		return qmp_error("GenericError", r == -ENOMEM ? "out of memory" : err);
	return qmp_return(NULL);
}

static struct json_object *cmd_object_del(struct qemu_vm *vm, struct json_object *args)
{
	const char *id = arg_string(args, "id");
	char err[256];

	if (!id)
		return missing("id");
	if (host_memory_backend_del(vm, id, err, sizeof(err)))
		return qmp_error("GenericError", err);
	return qmp_return(NULL);
}

/* device_add of a pc-dimm: plug, then the hotplug handler's notification
 * (pc_machine_device_plug_cb -> acpi_memory_plug_cb). */
static struct json_object *device_add_dimm(struct qemu_vm *vm, struct json_object *args)
{
	struct pc_dimm_opts o = {.id = arg_string(args, "id"), .hotplugged = true};
	char memdev[32], addr[32], slot[32], node[32], err[256];
	struct pc_dimm *d;
	int ret;

	o.memdev = arg_opt(args, "memdev", memdev, sizeof(memdev));
	o.addr = arg_opt(args, "addr", addr, sizeof(addr));
	o.slot = arg_opt(args, "slot", slot, sizeof(slot));
	o.node = arg_opt(args, "node", node, sizeof(node));
	ret = pc_dimm_plug(vm, &o, &d, err, sizeof(err));
	if (ret == -ENOMEM)
		return qmp_error("GenericError", "out of memory");
	if (ret)
		return qmp_error(ret == -ENOENT ? "DeviceNotFound" : "GenericError", err);
	if (acpi_memory_plug_cb(vm, d))
		return qmp_error("GenericError", "out of memory");
	return qmp_return(NULL);
}

/* device_add of a virtio-mem-pci (which notifies the guest itself). */
static struct json_object *device_add_virtio_mem(struct qemu_vm *vm, struct json_object *args)
{
	struct virtio_mem_pci_opts o = {.id = arg_string(args, "id"), .hotplugged = true};
	char memdev[32], memaddr[32], addr[32], node[32], block_size[32], requested_size[32],
	    size[32], ui[32], prealloc[32], err[256];
	struct virtio_mem_pci *v;
	int ret;

	o.memdev = arg_opt(args, "memdev", memdev, sizeof(memdev));
	o.memaddr = arg_opt(args, "memaddr", memaddr, sizeof(memaddr));
	o.addr = arg_opt(args, "addr", addr, sizeof(addr));
	o.node = arg_opt(args, "node", node, sizeof(node));
	o.block_size = arg_opt(args, "block-size", block_size, sizeof(block_size));
	o.requested_size = arg_opt(args, "requested-size", requested_size, sizeof(requested_size));
	o.size = arg_opt(args, "size", size, sizeof(size));
	o.unplugged_inaccessible = arg_opt(args, "unplugged-inaccessible", ui, sizeof(ui));
	o.prealloc = arg_opt(args, "prealloc", prealloc, sizeof(prealloc));
	ret = virtio_mem_pci_plug(vm, &o, &v, err, sizeof(err));
	if (ret == -ENOMEM)
		return qmp_error("GenericError", "out of memory");
	if (ret)
		return qmp_error(ret == -ENOENT ? "DeviceNotFound" : "GenericError", err);
	return qmp_return(NULL);
}

static struct json_object *cmd_device_add(struct qemu_vm *vm, struct json_object *args)
{
	const char *driver = arg_string(args, "driver");
	char err[256];

	if (!driver)
		return missing("driver");
	if (!strcmp(driver, "pc-dimm"))
		return device_add_dimm(vm, args);
	if (!strcmp(driver, "virtio-mem-pci"))
		return device_add_virtio_mem(vm, args);
	snprintf(err, sizeof(err), "'%s' is not a valid device model name", driver);
	return qmp_error("GenericError", err);
}

/* device_del: the device's unplug request (qdev_unplug). */
static struct json_object *cmd_device_del(struct qemu_vm *vm, struct json_object *args)
{
	const char *id = arg_string(args, "id");
	struct memory_device *md;
	char desc[256];
	int ret;

	if (!id)
		return missing("id");
	md = memory_device_find(vm, id);
	if (!md) {
		snprintf(desc, sizeof(desc), "Device '%s' not found", id);
		return qmp_error("DeviceNotFound", desc);
	}
	ret = md->ops->unplug_request(vm, md, desc, sizeof(desc));
	if (ret == -ENOMEM)
		return qmp_error("GenericError", "out of memory");
	if (ret)
		return qmp_error("GenericError", desc);
	return qmp_return(NULL);
}

static struct json_object *cmd_query_memory_devices(struct qemu_vm *vm, struct json_object *args)
{
	struct json_object *list = memory_device_query_list(vm);

	(void)args;
	if (!list)
		return qmp_error("GenericError", "out of memory");
	return qmp_return(list);
}

static struct json_object *cmd_query_memory_size_summary(struct qemu_vm *vm,
							 struct json_object *args)
{
	struct json_object *o = json_object_new_object();

	(void)args;
	json_object_object_add(o, "base-memory", json_object_new_uint64(vm->ram_size));
	json_object_object_add(o, "plugged-memory",
			       json_object_new_uint64(memory_device_plugged_size(vm)));
	return qmp_return(o);
}

static struct json_object *cmd_qmp_capabilities(struct qemu_vm *vm, struct json_object *args)
{
	(void)vm;
	(void)args;
	return qmp_return(NULL);
}

/* The generated unmarshalling of qom-get/qom-set arguments: members in
 * schema order (missing, then wrong type), then unexpected ones. */
static struct json_object *qom_args(struct json_object *args, const char *const *keys,
				    size_t nr_strings, size_t nr_keys)
{
	char desc[160];

	for (size_t i = 0; i < nr_keys; i++) {
		struct json_object *v;

		if (!args || !json_object_object_get_ex(args, keys[i], &v))
			return missing(keys[i]);
		if (i < nr_strings && !json_object_is_type(v, json_type_string))
			return invalid_type(keys[i], "string");
	}
	json_object_object_foreach(args, key, val)
	{
		bool known = false;

		(void)val;
		for (size_t i = 0; i < nr_keys; i++)
			known |= !strcmp(key, keys[i]);
		if (!known) {
			snprintf(desc, sizeof(desc), "Parameter '%s' is unexpected", key);
			return qmp_error("GenericError", desc);
		}
	}
	return NULL;
}

static struct json_object *qom_error(int ret, const char *err)
{
	if (ret == -ENOMEM)
		return qmp_error("GenericError", "out of memory");
	return qmp_error(ret == -ENOENT ? "DeviceNotFound" : "GenericError", err);
}

static struct json_object *cmd_qom_get(struct qemu_vm *vm, struct json_object *args)
{
	static const char *const keys[] = {"path", "property"};
	struct json_object *bad = qom_args(args, keys, 2, ARRAY_SIZE(keys)), *value;
	char err[512];
	int ret;

	if (bad)
		return bad;
	ret = qom_get(vm, arg_string(args, "path"), arg_string(args, "property"), &value, err,
		      sizeof(err));
	if (ret)
		return qom_error(ret, err);
	return qmp_return(value);
}

static struct json_object *cmd_qom_set(struct qemu_vm *vm, struct json_object *args)
{
	static const char *const keys[] = {"path", "property", "value"};
	struct json_object *bad = qom_args(args, keys, 2, ARRAY_SIZE(keys)), *value;
	char err[512];
	int ret;

	if (bad)
		return bad;
	json_object_object_get_ex(args, "value", &value);
	ret = qom_set(vm, arg_string(args, "path"), arg_string(args, "property"), value, err,
		      sizeof(err));
	if (ret)
		return qom_error(ret, err);
	return qmp_return(NULL);
}

struct qmp_command {
	const char *name;
	struct json_object *(*handler)(struct qemu_vm *vm, struct json_object *args);
};

static const struct qmp_command qmp_commands[] = {
    {"qmp_capabilities", cmd_qmp_capabilities},
    {"object-add", cmd_object_add},
    {"object-del", cmd_object_del},
    {"device_add", cmd_device_add},
    {"device_del", cmd_device_del},
    {"query-memory-devices", cmd_query_memory_devices},
    {"query-memory-size-summary", cmd_query_memory_size_summary},
    {"qom-get", cmd_qom_get},
    {"qom-set", cmd_qom_set},
};

struct json_object *qmp_execute(struct qemu_vm *vm, struct json_object *cmd)
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
	for (size_t i = 0; i < ARRAY_SIZE(qmp_commands); i++)
		if (!strcmp(name, qmp_commands[i].name))
			return qmp_commands[i].handler(vm, args);
	snprintf(desc, sizeof(desc), "The command %s has not been found", name);
	return qmp_error("CommandNotFound", desc);
}
