/* QMP events as QEMU's monitor queues them (monitor/monitor.c
 * monitor_qapi_event_queue_no_reenter() and monitor_qapi_event_handler()),
 * on the model's virtual clock. Most events go out at once. One in QEMU's
 * rate table goes out at once only when no window is open for it; the
 * window (the timer QEMU arms) lasts the event's period, and events within
 * it replace each other, the last one going out when the window ends. A
 * window that ends with an event going out opens the next one; a window
 * that ends with nothing to send closes. Instances of one event are told
 * apart by a member of their data (QEMU's qapi_event_throttle_hash()). */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "array.h"
#include "qemu.h"

#define NSEC_PER_SEC 1000000000ULL

struct monitor_event_conf {
	const char *name;
	uint64_t rate_ns;
	const char *key; /* the data member whose value names an instance */
};

/* QEMU 7.2's monitor_qapi_event_conf[], as far as memhp emits the events. */
static const struct monitor_event_conf event_conf[] = {
    {"MEMORY_DEVICE_SIZE_CHANGE", NSEC_PER_SEC, "qom-path"},
};

/* QEMU's MonitorQAPIEventState: one open window. */
struct monitor_event_state {
	const struct monitor_event_conf *conf;
	char *key;
	uint64_t deadline_ns;	     /* the timer: when the window ends */
	struct json_object *pending; /* the latest event held back, or NULL */
	/* Or the latest held back as a promise: its data is built when it
	 * goes out (qemu_vm_event_lazy()). */
	struct json_object *(*build)(const void *ctx);
	const void *build_ctx;
};

static const struct monitor_event_conf *find_conf(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(event_conf); i++)
		if (!strcmp(event_conf[i].name, name))
			return &event_conf[i];
	return NULL;
}

/* monitor_qapi_event_emit(): to the listener, or dropped. */
static void emit(struct qemu_vm *vm, const char *name, struct json_object *data)
{
	if (vm->hooks.event)
		vm->hooks.event(vm->hooks.ctx, name, data);
	else
		json_object_put(data);
}

static const char *key_of(const struct monitor_event_conf *conf, struct json_object *data)
{
	struct json_object *v;

	if (!data || !json_object_object_get_ex(data, conf->key, &v))
		return "";
	return json_object_get_string(v);
}

static struct monitor_event_state *
find_state(struct qemu_vm *vm, const struct monitor_event_conf *conf, const char *key)
{
	for (size_t i = 0; i < vm->nr_event_states; i++) {
		struct monitor_event_state *s = &vm->event_states[i];

		if (s->conf == conf && !strcmp(s->key, key))
			return s;
	}
	return NULL;
}

static void drop_state(struct qemu_vm *vm, struct monitor_event_state *s)
{
	size_t i = (size_t)(s - vm->event_states);

	free(s->key);
	json_object_put(s->pending);
	memmove(s, s + 1, (vm->nr_event_states - i - 1) * sizeof(*s));
	vm->nr_event_states--;
}

/* The window that ends first among those ended by now_ns, or NULL. */
static struct monitor_event_state *first_expired(struct qemu_vm *vm, uint64_t now_ns)
{
	struct monitor_event_state *first = NULL;

	for (size_t i = 0; i < vm->nr_event_states; i++) {
		struct monitor_event_state *s = &vm->event_states[i];

		if (s->deadline_ns <= now_ns && (!first || s->deadline_ns < first->deadline_ns))
			first = s;
	}
	return first;
}

/* monitor_qapi_event_handler() for every window ended by now_ns, in the
 * order their timers fire, the clock at each timer's time while it runs.
 * A held-back event goes out and the next window starts where the last one
 * ended (the timer ran on time). */
static void run_timers(struct qemu_vm *vm, uint64_t now_ns)
{
	struct monitor_event_state *s;

	while ((s = first_expired(vm, now_ns))) {
		struct json_object *data = s->pending;

		if (s->deadline_ns > vm->clock_ns)
			vm->clock_ns = s->deadline_ns;
		if (!data && s->build)
			data = s->build(s->build_ctx);
		if (!data) {
			drop_state(vm, s);
			continue;
		}
		s->pending = NULL;
		s->build = NULL;
		s->deadline_ns += s->conf->rate_ns;
		emit(vm, s->conf->name, data);
	}
}

/* A new window for an event that goes out now. Without memory for it the
 * event still goes out, unthrottled. */
static void open_window(struct qemu_vm *vm, const struct monitor_event_conf *conf, const char *key)
{
	char *k = strdup(key);

	if (!k || array_grow(&vm->event_states, &vm->event_states_cap, vm->nr_event_states + 1,
			     sizeof(*vm->event_states))) {
		free(k);
		return;
	}
	vm->event_states[vm->nr_event_states++] = (struct monitor_event_state){
	    .conf = conf,
	    .key = k,
	    .deadline_ns = vm->clock_ns + conf->rate_ns,
	};
}

void qemu_vm_event(struct qemu_vm *vm, const char *name, struct json_object *data)
{
	const struct monitor_event_conf *conf = find_conf(name);
	struct monitor_event_state *s;
	const char *key;

	if (!conf) {
		emit(vm, name, data);
		return;
	}
	run_timers(vm, vm->clock_ns);
	key = key_of(conf, data);
	s = find_state(vm, conf, key);
	if (s) {
		json_object_put(s->pending);
		s->pending = data;
		s->build = NULL;
		return;
	}
	open_window(vm, conf, key);
	emit(vm, name, data);
}

void qemu_vm_event_lazy(struct qemu_vm *vm, const char *name, const char *key,
			struct json_object *(*build)(const void *ctx), const void *ctx)
{
	const struct monitor_event_conf *conf = find_conf(name);
	struct monitor_event_state *s = NULL;

	if (conf) {
		run_timers(vm, vm->clock_ns);
		s = find_state(vm, conf, key);
	}
	if (!s) {
		qemu_vm_event(vm, name, build(ctx));
		return;
	}
	/* Held back: whichever comes last replaces it, so the data can wait. */
	json_object_put(s->pending);
	s->pending = NULL;
	s->build = build;
	s->build_ctx = ctx;
}

int qemu_vm_next_deadline(const struct qemu_vm *vm, uint64_t *when_ns)
{
	int found = 0;

	for (size_t i = 0; i < vm->nr_event_states; i++) {
		const struct monitor_event_state *s = &vm->event_states[i];

		if ((s->pending || s->build) && (!found || s->deadline_ns < *when_ns)) {
			*when_ns = s->deadline_ns;
			found = 1;
		}
	}
	return found;
}

void qemu_vm_clock_advance(struct qemu_vm *vm, uint64_t now_ns)
{
	if (now_ns < vm->clock_ns)
		now_ns = vm->clock_ns;
	run_timers(vm, now_ns);
	vm->clock_ns = now_ns;
}

/* Drops the open windows and the events they hold back (qemu_vm_free()). */
void monitor_events_free(struct qemu_vm *vm)
{
	while (vm->nr_event_states)
		drop_state(vm, &vm->event_states[vm->nr_event_states - 1]);
	free(vm->event_states);
	vm->event_states = NULL;
	vm->event_states_cap = 0;
}
