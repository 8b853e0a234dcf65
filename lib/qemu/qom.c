/* qom-get/qom-set on the QOM composition tree as far as memhp models it.
 * The answers and error texts are QEMU 7.2's (observed: Debian's
 * qemu-system-x86 1:7.2+dfsg-7+deb12u18, tests/test_qmp.c). Properties
 * memhp does not model (e.g. a backend's merge or prealloc) answer as
 * unknown ones. */
#include "qom.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "qemu_error.h"
#include "qemu.h"

enum qom_kind {
	QOM_CONTAINER, /* /, /machine/peripheral, /machine/peripheral-anon, /objects */
	QOM_MACHINE,
	QOM_DIMM,
	QOM_BACKEND,
	QOM_VIRTIO_MEM_PCI, /* the PCI proxy */
	QOM_VIRTIO_MEM,	    /* its virtio-backend child */
};

struct qom_obj {
	enum qom_kind kind;
	struct pc_dimm *dimm;
	struct memory_backend *backend;
	struct virtio_mem_pci *vmem;
};

#define QOM_MAX_DEPTH 8
#define QOM_NAME_LEN  64

struct qom_path {
	char *comp[QOM_MAX_DEPTH];
	size_t n;
	char *buf;
};

/* Splits a path at '/', skipping empty components as QEMU does. */
static int path_split(const char *path, struct qom_path *p)
{
	char *save, *tok;

	p->n = 0;
	p->buf = strdup(path);
	if (!p->buf)
		return -ENOMEM;
	for (tok = strtok_r(p->buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (p->n == QOM_MAX_DEPTH)
			return -ENOENT;
		p->comp[p->n++] = tok;
	}
	return 0;
}

/* An object's canonical path, as components (the deepest:
 * /machine/peripheral/ID/virtio-backend/memdev). */
struct qom_canon {
	char name[5][QOM_NAME_LEN];
	size_t n;
};

/* Whether want names the object at c: all of its components for an
 * absolute path, its last ones for a partial path. */
static bool path_matches(const struct qom_canon *c, const struct qom_path *want, bool absolute)
{
	if (want->n > c->n || (absolute && want->n != c->n) || !want->n)
		return false;
	for (size_t i = 0; i < want->n; i++)
		if (strcmp(c->name[c->n - want->n + i], want->comp[i]))
			return false;
	return true;
}

struct qom_search {
	const struct qom_path *want;
	bool absolute;
	struct qom_obj found;
	int nr_found;
};

/* Records a match; `weight` 2+ marks a name QEMU's tree holds elsewhere
 * too (a lone "device[N]"), which never resolves uniquely. */
static void consider(struct qom_search *s, const struct qom_canon *c, struct qom_obj obj)
{
	if (!path_matches(c, s->want, s->absolute))
		return;
	if (!s->absolute && s->want->n == 1 && !strncmp(s->want->comp[0], "device[", 7))
		s->nr_found++;
	s->found = obj;
	s->nr_found++;
}

static void canon(struct qom_canon *c, size_t n, const char *a, const char *b, const char *last)
{
	const char *parts[3] = {a, b, last};

	c->n = n;
	for (size_t i = 0; i < n; i++)
		snprintf(c->name[i], QOM_NAME_LEN, "%s", parts[i]);
}

static void search_containers(struct qom_search *s)
{
	struct qom_canon c;

	canon(&c, 1, "machine", NULL, NULL);
	consider(s, &c, (struct qom_obj){.kind = QOM_MACHINE});
	canon(&c, 2, "machine", "peripheral", NULL);
	consider(s, &c, (struct qom_obj){.kind = QOM_CONTAINER});
	canon(&c, 2, "machine", "peripheral-anon", NULL);
	consider(s, &c, (struct qom_obj){.kind = QOM_CONTAINER});
	canon(&c, 1, "objects", NULL, NULL);
	consider(s, &c, (struct qom_obj){.kind = QOM_CONTAINER});
}

/* A DIMM, and its backend through the memdev link (QEMU resolves links
 * in absolute paths and partial ones alike). */
static void search_dimm(struct qom_search *s, struct pc_dimm *d)
{
	char anon[QOM_NAME_LEN];
	struct qom_canon c;

	snprintf(anon, sizeof(anon), "device[%u]", d->md.anon_index);
	if (d->md.id)
		canon(&c, 3, "machine", "peripheral", d->md.id);
	else
		canon(&c, 3, "machine", "peripheral-anon", anon);
	consider(s, &c, (struct qom_obj){.kind = QOM_DIMM, .dimm = d});
	snprintf(c.name[c.n++], QOM_NAME_LEN, "memdev");
	consider(s, &c, (struct qom_obj){.kind = QOM_BACKEND, .backend = d->memdev});
}

/* A virtio-mem-pci, its virtio-backend child, and the backend through the
 * memdev link of either (the proxy's is an alias QEMU resolves too). */
static void search_virtio_mem(struct qom_search *s, struct virtio_mem_pci *v)
{
	char anon[QOM_NAME_LEN];
	struct qom_canon c;

	snprintf(anon, sizeof(anon), "device[%u]", v->md.anon_index);
	if (v->md.id)
		canon(&c, 3, "machine", "peripheral", v->md.id);
	else
		canon(&c, 3, "machine", "peripheral-anon", anon);
	consider(s, &c, (struct qom_obj){.kind = QOM_VIRTIO_MEM_PCI, .vmem = v});
	snprintf(c.name[3], QOM_NAME_LEN, "memdev");
	c.n = 4;
	consider(s, &c, (struct qom_obj){.kind = QOM_BACKEND, .backend = v->memdev});
	snprintf(c.name[3], QOM_NAME_LEN, "virtio-backend");
	consider(s, &c, (struct qom_obj){.kind = QOM_VIRTIO_MEM, .vmem = v});
	snprintf(c.name[4], QOM_NAME_LEN, "memdev");
	c.n = 5;
	consider(s, &c, (struct qom_obj){.kind = QOM_BACKEND, .backend = v->memdev});
}

/* object_resolve_path(): an absolute path, or a partial one that must
 * name exactly one object. -ENOENT when there is none. */
static int qom_resolve(const struct qemu_vm *vm, const char *path, struct qom_obj *out)
{
	struct qom_path p;
	struct qom_search s = {.want = &p, .absolute = path[0] == '/'};
	struct qom_canon c;
	int ret;

	ret = path_split(path, &p);
	if (ret) {
		free(p.buf);
		return ret;
	}
	if (s.absolute && !p.n) {
		s.found = (struct qom_obj){.kind = QOM_CONTAINER};
		s.nr_found = 1;
	} else {
		search_containers(&s);
		for (size_t i = 0; i < vm->nr_memory_devices; i++) {
			struct pc_dimm *d = to_pc_dimm(vm->memory_devices[i]);
			struct virtio_mem_pci *v = to_virtio_mem_pci(vm->memory_devices[i]);

			if (d)
				search_dimm(&s, d);
			if (v)
				search_virtio_mem(&s, v);
		}
		for (size_t i = 0; i < vm->nr_backends; i++) {
			canon(&c, 2, "objects", vm->backends[i]->id, NULL);
			consider(&s, &c,
				 (struct qom_obj){.kind = QOM_BACKEND, .backend = vm->backends[i]});
		}
	}
	free(p.buf);
	if (s.nr_found != 1)
		return -ENOENT;
	*out = s.found;
	return 0;
}

static int not_found(const char *path, char *err, size_t errlen)
{
	snprintf(err, errlen, "Device '%s' not found", path);
	return -ENOENT;
}

static void type_name(const struct qemu_vm *vm, const struct qom_obj *o, char *buf, size_t len)
{
	switch (o->kind) {
	case QOM_CONTAINER:
		snprintf(buf, len, "container");
		break;
	case QOM_MACHINE:
		snprintf(buf, len, "%s-machine", vm->machine_name);
		break;
	case QOM_DIMM:
		snprintf(buf, len, "pc-dimm");
		break;
	case QOM_BACKEND:
		snprintf(buf, len, "%s", o->backend->qom_type);
		break;
	case QOM_VIRTIO_MEM_PCI:
		snprintf(buf, len, "virtio-mem-pci");
		break;
	case QOM_VIRTIO_MEM:
		snprintf(buf, len, "virtio-mem");
		break;
	}
}

static struct json_object *dimm_get(const struct pc_dimm *d, const char *prop)
{
	char path[300];

	if (!strcmp(prop, "addr"))
		return json_object_new_uint64(d->addr);
	if (!strcmp(prop, "slot"))
		return json_object_new_int(d->slot);
	if (!strcmp(prop, "node"))
		return json_object_new_int(d->node);
	if (!strcmp(prop, "size"))
		return json_object_new_uint64(d->memdev->size);
	if (!strcmp(prop, "memdev")) {
		snprintf(path, sizeof(path), "/objects/%s", d->memdev->id);
		return json_object_new_string(path);
	}
	if (!strcmp(prop, "type"))
		return json_object_new_string("pc-dimm");
	if (!strcmp(prop, "realized") || !strcmp(prop, "hotpluggable"))
		return json_object_new_boolean(true);
	if (!strcmp(prop, "hotplugged"))
		return json_object_new_boolean(d->hotplugged);
	return NULL;
}

static struct json_object *backend_get(const struct memory_backend *b, const char *prop)
{
	if (!strcmp(prop, "size"))
		return json_object_new_uint64(b->size);
	if (!strcmp(prop, "type"))
		return json_object_new_string(b->qom_type);
	return NULL;
}

/* The value of a property memhp models, or NULL. */
static struct json_object *obj_get(const struct qemu_vm *vm, const struct qom_obj *o,
				   const char *prop)
{
	char type[64];

	if (o->kind == QOM_DIMM)
		return dimm_get(o->dimm, prop);
	if (o->kind == QOM_BACKEND)
		return backend_get(o->backend, prop);
	if (o->kind == QOM_VIRTIO_MEM_PCI || o->kind == QOM_VIRTIO_MEM)
		return virtio_mem_qom_get(o->vmem, o->kind == QOM_VIRTIO_MEM, prop);
	if (strcmp(prop, "type"))
		return NULL;
	type_name(vm, o, type, sizeof(type));
	return json_object_new_string(type);
}

static int no_property(const struct qemu_vm *vm, const struct qom_obj *o, const char *prop,
		       const char *what, char *err, size_t errlen)
{
	char type[64];

	type_name(vm, o, type, sizeof(type));
	return error_setg(err, errlen, "Property '%s.%s' %s", type, prop, what);
}

/* qom_resolve(), with QEMU's message for a path that names nothing. */
static int resolve(const struct qemu_vm *vm, const char *path, struct qom_obj *o, char *err,
		   size_t errlen)
{
	int ret = qom_resolve(vm, path, o);

	return ret == -ENOENT ? not_found(path, err, errlen) : ret;
}

int qom_get(const struct qemu_vm *vm, const char *path, const char *property,
	    struct json_object **out, char *err, size_t errlen)
{
	struct qom_obj o;
	int ret = resolve(vm, path, &o, err, errlen);

	if (ret)
		return ret;
	*out = obj_get(vm, &o, property);
	if (!*out)
		return no_property(vm, &o, property, "not found", err, errlen);
	return 0;
}

/* The memdev link: QEMU resolves the new target before it refuses the
 * change of a realized device (named by its id, "(null)" without one). */
static int set_memdev(const struct qemu_vm *vm, const char *dev, const char *type,
		      struct json_object *value, char *err, size_t errlen)
{
	struct qom_obj target;
	const char *path;

	if (!json_object_is_type(value, json_type_string))
		return error_setg(err, errlen,
				  "Invalid parameter type for 'memdev', expected: string");
	path = json_object_get_string(value);
	if (qom_resolve(vm, path, &target))
		return not_found(path, err, errlen);
	if (target.kind != QOM_BACKEND)
		return error_setg(err, errlen,
				  "Invalid parameter type for 'memdev', expected: memory-backend");
	return error_setg(err, errlen,
			  "Attempt to set link property 'memdev' on device '%s' (type '%s') "
			  "after it was realized",
			  dev ? dev : "(null)", type);
}

/* Setting realized to true again is a no-op; unrealizing is not modelled. */
static int set_realized(struct json_object *value, char *err, size_t errlen)
{
	if (json_object_is_type(value, json_type_boolean) && json_object_get_boolean(value))
		return 0;
	return error_setg(err, errlen, "memhp does not model unrealizing a device");
}

/* 0 or an error as qom_set(); 1 when prop has no setter. */
static int dimm_set(const struct qemu_vm *vm, const struct pc_dimm *d, const char *prop,
		    struct json_object *value, char *err, size_t errlen)
{
	if (!strcmp(prop, "addr") || !strcmp(prop, "slot") || !strcmp(prop, "node")) {
		if (d->md.id)
			return error_setg(err, errlen,
					  "Attempt to set property '%s' on device '%s' (type "
					  "'pc-dimm') after it was realized",
					  prop, d->md.id);
		return error_setg(err, errlen,
				  "Attempt to set property '%s' on anonymous device (type "
				  "'pc-dimm') after it was realized",
				  prop);
	}
	if (!strcmp(prop, "memdev"))
		return set_memdev(vm, d->md.id, "pc-dimm", value, err, errlen);
	if (!strcmp(prop, "realized"))
		return set_realized(value, err, errlen);
	return 1; /* read-only or unknown: the caller tells which */
}

/* 0 or an error as qom_set(); 1 when prop has no setter. The memdev link
 * is the anonymous virtio-backend child's, even through the proxy. */
static int vmem_set(struct qemu_vm *vm, const struct qom_obj *o, const char *prop,
		    struct json_object *value, char *err, size_t errlen)
{
	if (!strcmp(prop, "memdev"))
		return set_memdev(vm, NULL, "virtio-mem", value, err, errlen);
	if (!strcmp(prop, "realized"))
		return set_realized(value, err, errlen);
	return virtio_mem_qom_set(vm, o->vmem, o->kind == QOM_VIRTIO_MEM, prop, value, err, errlen);
}

int qom_set(struct qemu_vm *vm, const char *path, const char *property, struct json_object *value,
	    char *err, size_t errlen)
{
	struct json_object *probe;
	struct qom_obj o;
	int ret = resolve(vm, path, &o, err, errlen);

	if (ret)
		return ret;
	if (o.kind == QOM_DIMM || o.kind == QOM_VIRTIO_MEM_PCI || o.kind == QOM_VIRTIO_MEM) {
		ret = o.kind == QOM_DIMM ? dimm_set(vm, o.dimm, property, value, err, errlen)
					 : vmem_set(vm, &o, property, value, err, errlen);
		if (ret <= 0)
			return ret;
	} else if (o.kind == QOM_BACKEND && !strcmp(property, "size")) {
		/* host_memory_backend_set_size() once the backend is complete. */
		return error_setg(err, errlen, "cannot change property size of %s ",
				  o.backend->qom_type);
	}
	probe = obj_get(vm, &o, property);
	if (!probe)
		return no_property(vm, &o, property, "not found", err, errlen);
	json_object_put(probe);
	return no_property(vm, &o, property, "is not writable", err, errlen);
}
