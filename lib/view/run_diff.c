/* Comparing two runs of the same scenario on the compared fields
 * (scenario-format.md, "What is compared with the real kernel"). */
#include "run_diff.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "array.h"
#include "strbuf.h"

/* Characters of one value shown in a line; longer values are cut. */
#define VALUE_MAX 200

#define RENDER_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct diff_ctx {
	const char *name[2];
	struct strbuf *out;
	long count; /* differences found, including those not written */
	int err;
};

/* A member of an object; has is false when it is missing (v is then NULL,
 * as it is for a JSON null). */
struct member {
	struct json_object *v;
	bool has;
};

static struct member get(struct json_object *o, const char *key)
{
	struct member m = {NULL, false};

	if (json_object_is_type(o, json_type_object))
		m.has = json_object_object_get_ex(o, key, &m.v);
	return m;
}

static struct member present(struct json_object *v)
{
	return (struct member){v, true};
}

/* ---- equality ---- */

static bool is_number(struct json_object *o)
{
	return json_object_is_type(o, json_type_int) || json_object_is_type(o, json_type_double);
}

/* By value: json-c may hold the same integer as int64 or as uint64. */
static bool num_equal(struct json_object *x, struct json_object *y)
{
	if (json_object_is_type(x, json_type_int) && json_object_is_type(y, json_type_int)) {
		int64_t i = json_object_get_int64(x), j = json_object_get_int64(y);

		if (i < 0 || j < 0)
			return i == j;
		return json_object_get_uint64(x) == json_object_get_uint64(y);
	}
	return json_object_get_double(x) == json_object_get_double(y);
}

static bool num_is_zero(struct json_object *o)
{
	if (json_object_is_type(o, json_type_int))
		return json_object_get_int64(o) == 0 && json_object_get_uint64(o) == 0;
	return json_object_get_double(o) == 0;
}

/* Deep equality: object member order is ignored, a missing member equals
 * null, array order matters. */
static bool jeq(struct json_object *x, struct json_object *y)
{
	enum json_type t = json_object_get_type(x);

	if (is_number(x) && is_number(y))
		return num_equal(x, y);
	if (t != json_object_get_type(y))
		return false;
	switch (t) {
	case json_type_null:
		return true;
	case json_type_boolean:
		return json_object_get_boolean(x) == json_object_get_boolean(y);
	case json_type_string:
		return json_object_get_string_len(x) == json_object_get_string_len(y) &&
		       !memcmp(json_object_get_string(x), json_object_get_string(y),
			       (size_t)json_object_get_string_len(x));
	case json_type_array: {
		size_t n = json_object_array_length(x);

		if (n != json_object_array_length(y))
			return false;
		for (size_t i = 0; i < n; i++)
			if (!jeq(json_object_array_get_idx(x, i), json_object_array_get_idx(y, i)))
				return false;
		return true;
	}
	case json_type_object: {
		json_object_object_foreach(x, kx, vx)
		{
			if (!jeq(vx, get(y, kx).v))
				return false;
		}
		json_object_object_foreach(y, ky, vy)
		{
			if (vy && !get(x, ky).has)
				return false;
		}
		return true;
	}
	default:
		return false;
	}
}

static void path_truncate(struct strbuf *path, size_t len)
{
	if (path->buf && len <= path->len) {
		path->len = len;
		path->buf[len] = '\0';
	}
}

/* Finds the first place where x and y differ: appends its path to path and
 * returns the two values there in dx, dy. False when they are equal. */
static bool jfind(struct member x, struct member y, struct strbuf *path, struct member *dx,
		  struct member *dy)
{
	size_t len = path->len;

	if (jeq(x.v, y.v))
		return false;
	if (json_object_is_type(x.v, json_type_object) &&
	    json_object_is_type(y.v, json_type_object)) {
		json_object_object_foreach(x.v, kx, vx)
		{
			strbuf_addf(path, ".%s", kx);
			if (jfind(present(vx), get(y.v, kx), path, dx, dy))
				return true;
			path_truncate(path, len);
		}
		json_object_object_foreach(y.v, ky, vy)
		{
			struct member mx = get(x.v, ky);

			if (mx.has)
				continue;
			strbuf_addf(path, ".%s", ky);
			if (jfind(mx, present(vy), path, dx, dy))
				return true;
			path_truncate(path, len);
		}
	} else if (json_object_is_type(x.v, json_type_array) &&
		   json_object_is_type(y.v, json_type_array)) {
		size_t nx = json_object_array_length(x.v), ny = json_object_array_length(y.v);

		for (size_t i = 0; i < nx || i < ny; i++) {
			struct member ex = {NULL, i < nx}, ey = {NULL, i < ny};

			if (ex.has)
				ex.v = json_object_array_get_idx(x.v, i);
			if (ey.has)
				ey.v = json_object_array_get_idx(y.v, i);
			strbuf_addf(path, "[%zu]", i);
			if (!ex.has || !ey.has) {
				*dx = ex;
				*dy = ey;
				return true;
			}
			if (jfind(ex, ey, path, dx, dy))
				return true;
			path_truncate(path, len);
		}
	}
	*dx = x;
	*dy = y;
	return true;
}

/* ---- output ---- */

static void add_cut(struct strbuf *sb, const char *s, size_t n)
{
	if (n > VALUE_MAX) {
		strbuf_addn(sb, s, VALUE_MAX);
		strbuf_add(sb, "...");
	} else {
		strbuf_addn(sb, s, n);
	}
}

static void add_value(struct strbuf *sb, struct member m)
{
	const char *s;

	if (!m.has) {
		strbuf_add(sb, "missing");
		return;
	}
	s = json_object_to_json_string_ext(m.v, RENDER_FLAGS);
	add_cut(sb, s, strlen(s));
}

/* A piece of text as a JSON string literal. */
static void add_text(struct diff_ctx *c, const char *s, size_t n)
{
	struct json_object *o = json_object_new_string_len(s, (int)n);

	if (!o) {
		c->err = -ENOMEM;
		return;
	}
	add_value(c->out, present(o));
	json_object_put(o);
}

/* Counts one difference; true when its line is to be written (the prefix
 * and ": " are then written). */
static bool line_begin(struct diff_ctx *c, const char *prefix)
{
	if (++c->count > RUN_DIFF_MAX_LINES)
		return false;
	if (prefix && *prefix) {
		strbuf_add(c->out, prefix);
		strbuf_add(c->out, ": ");
	}
	return true;
}

static void emit_pair(struct diff_ctx *c, const char *prefix, const char *what, struct member x,
		      struct member y)
{
	if (!line_begin(c, prefix))
		return;
	strbuf_addf(c->out, "%s: ", what);
	add_value(c->out, x);
	strbuf_addf(c->out, " (%s) != ", c->name[0]);
	add_value(c->out, y);
	strbuf_addf(c->out, " (%s)\n", c->name[1]);
}

/* Something present on one side only; side is the one lacking it. */
static void emit_missing(struct diff_ctx *c, const char *prefix, int side)
{
	if (!line_begin(c, prefix))
		return;
	strbuf_addf(c->out, "missing in %s\n", c->name[side]);
}

/* ---- comparisons ---- */

static void cmp_value(struct diff_ctx *c, const char *prefix, const char *what, struct member x,
		      struct member y)
{
	if (!jeq(x.v, y.v))
		emit_pair(c, prefix, what, x, y);
}

static void cmp_member(struct diff_ctx *c, const char *prefix, const char *key,
		       struct json_object *x, struct json_object *y)
{
	cmp_value(c, prefix, key, get(x, key), get(y, key));
}

/* Deep comparison; reports the first differing member only. */
static void cmp_deep(struct diff_ctx *c, const char *prefix, const char *key, struct json_object *x,
		     struct json_object *y)
{
	struct strbuf path = {0};
	struct member dx, dy;

	strbuf_add(&path, key);
	if (jfind(get(x, key), get(y, key), &path, &dx, &dy)) {
		if (path.oom)
			c->err = -ENOMEM;
		else
			emit_pair(c, prefix, path.buf, dx, dy);
	}
	strbuf_release(&path);
}

/* Multi-line text: reports the first differing line. */
static void cmp_text(struct diff_ctx *c, const char *prefix, const char *key, struct json_object *x,
		     struct json_object *y)
{
	struct member m[2] = {get(x, key), get(y, key)};
	const char *p[2], *end[2];
	size_t len[2] = {0, 0};
	bool eof[2] = {false, false}, nl[2] = {false, false}, same;
	int lineno;

	if (!json_object_is_type(m[0].v, json_type_string) ||
	    !json_object_is_type(m[1].v, json_type_string)) {
		cmp_value(c, prefix, key, m[0], m[1]);
		return;
	}
	if (jeq(m[0].v, m[1].v))
		return;
	for (int s = 0; s < 2; s++) {
		p[s] = json_object_get_string(m[s].v);
		end[s] = p[s] + json_object_get_string_len(m[s].v);
	}
	for (lineno = 1;; lineno++) {
		for (int s = 0; s < 2; s++) {
			const char *e = memchr(p[s], '\n', (size_t)(end[s] - p[s]));

			eof[s] = p[s] == end[s];
			nl[s] = e != NULL;
			len[s] = (size_t)((e ? e : end[s]) - p[s]);
		}
		if (eof[0] && eof[1])
			return; /* not reached: the texts differ */
		if (eof[0] || eof[1] || len[0] != len[1] || memcmp(p[0], p[1], len[0]) ||
		    nl[0] != nl[1])
			break;
		for (int s = 0; s < 2; s++)
			p[s] += len[s] + nl[s];
	}
	same = !eof[0] && !eof[1] && len[0] == len[1] && !memcmp(p[0], p[1], len[0]);
	if (!line_begin(c, prefix))
		return;
	strbuf_addf(c->out, "%s line %d: ", key, lineno);
	for (int s = 0; s < 2; s++) {
		if (eof[s]) {
			strbuf_add(c->out, "end of output");
		} else {
			add_text(c, p[s], len[s]);
			if (same && !nl[s])
				strbuf_add(c->out, " without final newline");
		}
		strbuf_addf(c->out, s ? " (%s)\n" : " (%s) != ", c->name[s]);
	}
}

/* ---- settle events ---- */

struct event {
	struct json_object *parsed; /* owned */
	struct json_object *name, *data;
	size_t pos; /* 1-based among the events of its side */
	bool used;  /* paired with an event of the other side */
};

static void free_events(struct event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_object_put(ev[i].parsed);
	free(ev);
}

static bool is_size_change(const struct event *e)
{
	return json_object_is_type(e->name, json_type_string) &&
	       !strcmp(json_object_get_string(e->name), "MEMORY_DEVICE_SIZE_CHANGE");
}

/* Keeps only the last MEMORY_DEVICE_SIZE_CHANGE per qom-path: how many
 * come and with which sizes depends on timing (QEMU's one-per-second rate
 * limit), only the final size is certain (virtio-mem.md §5). The kept
 * events keep their positions. Returns the new count. */
static size_t drop_superseded_size_changes(struct event *ev, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		bool superseded = false;

		for (size_t j = i + 1; j < n && !superseded && is_size_change(&ev[i]); j++)
			superseded = is_size_change(&ev[j]) && jeq(get(ev[i].data, "qom-path").v,
								   get(ev[j].data, "qom-path").v);
		if (superseded)
			json_object_put(ev[i].parsed);
		else
			ev[k++] = ev[i];
	}
	return k;
}

/* The notes beginning with "event ", parsed; the timestamp is not kept
 * (only event and data are). */
static int collect_events(struct json_object *notes, struct event **out, size_t *n_out)
{
	size_t n =
	    json_object_is_type(notes, json_type_array) ? json_object_array_length(notes) : 0;
	struct event *ev = calloc(n ? n : 1, sizeof(*ev));
	size_t k = 0;

	*out = ev;
	*n_out = 0;
	if (!ev)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json_object *note = json_object_array_get_idx(notes, i);
		const char *s = json_object_get_string(note);
		struct json_object *o;

		if (!json_object_is_type(note, json_type_string) || strncmp(s, "event ", 6))
			continue;
		o = json_tokener_parse(s + 6);
		if (json_object_is_type(o, json_type_object)) {
			ev[k].name = get(o, "event").v;
			ev[k].data = get(o, "data").v;
		} else {
			/* Not an event object: compared as the text. */
			json_object_put(o);
			o = json_object_new_string(s + 6);
			if (!o) {
				*n_out = k;
				return -ENOMEM;
			}
			ev[k].name = o;
		}
		ev[k].parsed = o;
		ev[k].pos = k + 1;
		k++;
	}
	*n_out = drop_superseded_size_changes(ev, k);
	return 0;
}

static bool event_eq(const struct event *x, const struct event *y)
{
	return jeq(x->name, y->name) && jeq(x->data, y->data);
}

static void add_event(struct diff_ctx *c, const struct event *e)
{
	if (json_object_is_type(e->name, json_type_string) && e->parsed != e->name) {
		add_cut(c->out, json_object_get_string(e->name),
			(size_t)json_object_get_string_len(e->name));
		if (e->data) {
			strbuf_addch(c->out, ' ');
			add_value(c->out, present(e->data));
		}
	} else {
		add_value(c->out, present(e->parsed));
	}
}

static void emit_event_pair(struct diff_ctx *c, const char *prefix, const struct event *x,
			    const struct event *y)
{
	if (!line_begin(c, prefix))
		return;
	if (x->pos == y->pos)
		strbuf_addf(c->out, "event %zu: ", x->pos);
	else
		strbuf_addf(c->out, "event %zu in %s, %zu in %s: ", x->pos, c->name[0], y->pos,
			    c->name[1]);
	add_event(c, x);
	strbuf_addf(c->out, " (%s) != ", c->name[0]);
	add_event(c, y);
	strbuf_addf(c->out, " (%s)\n", c->name[1]);
}

/* An event of side s that the other side lacks. */
static void emit_event_missing(struct diff_ctx *c, const char *prefix, const struct event *e, int s)
{
	if (!line_begin(c, prefix))
		return;
	strbuf_addf(c->out, "event %zu: ", e->pos);
	add_event(c, e);
	strbuf_addf(c->out, " (%s): missing in %s\n", c->name[s], c->name[!s]);
}

/* Unmatched events between two matched ones ([a0, a1) of the first side,
 * [b0, b1) of the second): those with the same event name are paired as
 * different (in order), the rest are missing on the other side. */
static void flush_events(struct diff_ctx *c, const char *prefix, struct event *ev[2], size_t a0,
			 size_t a1, size_t b0, size_t b1)
{
	for (size_t i = a0; i < a1; i++) {
		struct event *y = NULL;

		for (size_t j = b0; j < b1 && !y; j++)
			if (!ev[1][j].used && jeq(ev[0][i].name, ev[1][j].name))
				y = &ev[1][j];
		if (y) {
			y->used = true;
			emit_event_pair(c, prefix, &ev[0][i], y);
		} else {
			emit_event_missing(c, prefix, &ev[0][i], 0);
		}
	}
	for (size_t j = b0; j < b1; j++)
		if (!ev[1][j].used)
			emit_event_missing(c, prefix, &ev[1][j], 1);
}

/* The events as ordered lists, aligned on a longest common subsequence. */
static void diff_events(struct diff_ctx *c, const char *prefix, struct json_object *x,
			struct json_object *y)
{
	struct event *ev[2] = {NULL, NULL};
	size_t n[2] = {0, 0}, i, j, gi, gj, w;
	unsigned *L = NULL;

	if (collect_events(get(x, "notes").v, &ev[0], &n[0]) ||
	    collect_events(get(y, "notes").v, &ev[1], &n[1])) {
		c->err = -ENOMEM;
		goto out;
	}
	if (!n[0] && !n[1])
		goto out;
	w = n[1] + 1;
	if (n[0] + 1 > SIZE_MAX / sizeof(*L) / w) {
		c->err = -ENOMEM;
		goto out;
	}
	L = calloc((n[0] + 1) * w, sizeof(*L));
	if (!L) {
		c->err = -ENOMEM;
		goto out;
	}
	/* L[i][j]: length of the longest common subsequence of the events
	 * from i (first side) and from j (second side) on. */
	for (i = n[0]; i-- > 0;)
		for (j = n[1]; j-- > 0;) {
			unsigned down = L[(i + 1) * w + j], right = L[i * w + j + 1];

			if (event_eq(&ev[0][i], &ev[1][j]))
				L[i * w + j] = L[(i + 1) * w + j + 1] + 1;
			else
				L[i * w + j] = down > right ? down : right;
		}
	i = j = gi = gj = 0;
	while (i < n[0] || j < n[1]) {
		if (i < n[0] && j < n[1] && event_eq(&ev[0][i], &ev[1][j])) {
			flush_events(c, prefix, ev, gi, i, gj, j);
			gi = ++i;
			gj = ++j;
		} else if (j >= n[1] || (i < n[0] && L[(i + 1) * w + j] >= L[i * w + j + 1])) {
			i++;
		} else {
			j++;
		}
	}
	flush_events(c, prefix, ev, gi, n[0], gj, n[1]);
out:
	free(L);
	free_events(ev[0], n[0]);
	free_events(ev[1], n[1]);
}

/* ---- settle devices ---- */

static size_t array_len(struct json_object *o)
{
	return json_object_is_type(o, json_type_array) ? json_object_array_length(o) : 0;
}

/* A settle step's virtio-mem devices, in address order on both sides:
 * id, size and requested-size. "why" is each side's own wording. A step
 * without "devices" (a machine without virtio-mem) has none. */
static void diff_devices(struct diff_ctx *c, const char *prefix, struct json_object *x,
			 struct json_object *y)
{
	static const char *const fields[] = {"id", "size", "requested-size"};
	struct json_object *dx = get(x, "devices").v, *dy = get(y, "devices").v;
	size_t nx = array_len(dx), ny = array_len(dy);
	char what[64];

	for (size_t i = 0; i < nx || i < ny; i++) {
		struct member ex = {NULL, i < nx}, ey = {NULL, i < ny};

		if (ex.has)
			ex.v = json_object_array_get_idx(dx, i);
		if (ey.has)
			ey.v = json_object_array_get_idx(dy, i);
		if (!ex.has || !ey.has) {
			snprintf(what, sizeof(what), "devices[%zu]", i);
			emit_pair(c, prefix, what, ex, ey);
			continue;
		}
		for (size_t f = 0; f < ARRAY_SIZE(fields); f++) {
			snprintf(what, sizeof(what), "devices[%zu].%s", i, fields[f]);
			cmp_value(c, prefix, what, get(ex.v, fields[f]), get(ey.v, fields[f]));
		}
	}
}

/* ---- matching by an integer key ---- */

struct item {
	int64_t key;
	size_t pos;
	struct json_object *o;
};

static int item_cmp(const void *p, const void *q)
{
	const struct item *x = p, *y = q;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The elements of arr sorted by their integer member key; those without
 * one use their position (fallback) or are left out. */
static struct item *collect_items(struct json_object *arr, const char *key, bool fallback,
				  size_t *n_out)
{
	size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
	struct item *it = calloc(n ? n : 1, sizeof(*it));
	size_t k = 0;

	*n_out = 0;
	if (!it)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		struct member m = get(o, key);

		if (json_object_is_type(m.v, json_type_int))
			it[k].key = json_object_get_int64(m.v);
		else if (fallback)
			it[k].key = (int64_t)i;
		else
			continue;
		it[k].pos = i;
		it[k].o = o;
		k++;
	}
	qsort(it, k, sizeof(*it), item_cmp);
	*n_out = k;
	return it;
}

typedef void pair_fn(struct diff_ctx *c, const struct item *x, const struct item *y,
		     const void *arg);

/* Calls fn for each pair of elements with the same key, in key order; x or
 * y is NULL for an element present on one side only. */
static void match_items(struct diff_ctx *c, struct json_object *ax, struct json_object *ay,
			const char *key, bool fallback, pair_fn *fn, const void *arg)
{
	size_t nx, ny, i = 0, j = 0;
	struct item *x = collect_items(ax, key, fallback, &nx);
	struct item *y = collect_items(ay, key, fallback, &ny);

	if (!x || !y) {
		c->err = -ENOMEM;
		goto out;
	}
	while (i < nx || j < ny) {
		if (j >= ny || (i < nx && x[i].key < y[j].key))
			fn(c, &x[i++], NULL, arg);
		else if (i >= nx || y[j].key < x[i].key)
			fn(c, NULL, &y[j++], arg);
		else
			fn(c, &x[i++], &y[j++], arg);
	}
out:
	free(x);
	free(y);
}

/* ---- steps ---- */

static void diff_step(struct diff_ctx *c, const struct item *x, const struct item *y,
		      const void *arg)
{
	struct json_object *sx = x ? x->o : NULL, *sy = y ? y->o : NULL;
	long long index = x ? x->key : y->key;
	struct member lineno = get(sx, "lineno"), kx = get(sx, "kind"), ky = get(sy, "kind");
	const char *kind = NULL;
	char prefix[256];

	(void)arg;
	if (!json_object_is_type(lineno.v, json_type_int))
		lineno = get(sy, "lineno");
	if (sx && sy && json_object_is_type(kx.v, json_type_string) && jeq(kx.v, ky.v))
		kind = json_object_get_string(kx.v);
	if (json_object_is_type(lineno.v, json_type_int)) {
		long long l = (long long)json_object_get_int64(lineno.v);

		if (kind)
			snprintf(prefix, sizeof(prefix), "step %lld (line %lld, %s)", index, l,
				 kind);
		else
			snprintf(prefix, sizeof(prefix), "step %lld (line %lld)", index, l);
	} else if (kind) {
		snprintf(prefix, sizeof(prefix), "step %lld (%s)", index, kind);
	} else {
		snprintf(prefix, sizeof(prefix), "step %lld", index);
	}

	if (!sx || !sy) {
		emit_missing(c, prefix, sx ? 1 : 0);
		return;
	}
	if (!jeq(kx.v, ky.v)) {
		emit_pair(c, prefix, "kind", kx, ky);
		return;
	}
	if (!kind)
		return;
	if (!strcmp(kind, "host")) {
		cmp_deep(c, prefix, "response", sx, sy);
	} else if (!strcmp(kind, "guest")) {
		cmp_member(c, prefix, "rc", sx, sy);
		cmp_text(c, prefix, "stdout", sx, sy);
	} else if (!strcmp(kind, "settle")) {
		cmp_member(c, prefix, "settled", sx, sy);
		diff_devices(c, prefix, sx, sy);
		diff_events(c, prefix, sx, sy);
	} else if (!strcmp(kind, "snapshot")) {
		cmp_member(c, prefix, "label", sx, sy);
	}
}

/* ---- snapshots ---- */

static void diff_block(struct diff_ctx *c, const struct item *x, const struct item *y,
		       const void *arg)
{
	static const char *const fields[] = {"state",	   "valid_zones", "node",
					     "phys_index", "removable",	  "online"};
	char prefix[512];

	snprintf(prefix, sizeof(prefix), "%s: block %lld", (const char *)arg,
		 (long long)(x ? x->key : y->key));
	if (!x || !y) {
		emit_missing(c, prefix, x ? 1 : 0);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		cmp_member(c, prefix, fields[i], x->o, y->o);
}

static bool zone_populated(struct json_object *z)
{
	static const char *const keys[] = {"spanned", "present"};

	for (size_t i = 0; i < 2; i++) {
		struct json_object *v = get(z, keys[i]).v;

		if (v && !(is_number(v) && num_is_zero(v)))
			return true;
	}
	return false;
}

static const char *str_or(struct json_object *o, const char *dflt)
{
	const char *s = o ? json_object_get_string(o) : NULL;

	return s ? s : dflt;
}

static void diff_zone(struct diff_ctx *c, const char *sprefix, struct json_object *zx,
		      struct json_object *zy)
{
	static const char *const fields[] = {"start_pfn", "spanned", "present"};
	struct json_object *z = zx ? zx : zy;
	struct member mx, my;
	char prefix[512];

	snprintf(prefix, sizeof(prefix), "%s: node %s zone %s", sprefix,
		 str_or(get(z, "node").v, "null"), str_or(get(z, "zone").v, "null"));
	if (!zx || !zy) {
		if (zone_populated(z))
			emit_missing(c, prefix, zx ? 1 : 0);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		cmp_member(c, prefix, fields[i], zx, zy);
	mx = get(zx, "managed");
	my = get(zy, "managed");
	if (is_number(mx.v) && is_number(my.v) && !num_equal(mx.v, my.v))
		emit_pair(c, prefix, "managed", mx, my);
}

static bool zone_same(struct json_object *zx, struct json_object *zy)
{
	return jeq(get(zx, "node").v, get(zy, "node").v) &&
	       jeq(get(zx, "zone").v, get(zy, "zone").v);
}

/* Pairs the elements of x and y for which same() holds, in the order of x,
 * then the elements of y left over; each pair (one side NULL when
 * unmatched) goes to fn. */
static void match_in_order(struct diff_ctx *c, struct json_object *x, struct json_object *y,
			   bool (*same)(struct json_object *, struct json_object *),
			   void (*fn)(struct diff_ctx *, const char *, struct json_object *,
				      struct json_object *),
			   const char *prefix)
{
	size_t nx = json_object_is_type(x, json_type_array) ? json_object_array_length(x) : 0;
	size_t ny = json_object_is_type(y, json_type_array) ? json_object_array_length(y) : 0;
	bool *used = calloc(ny ? ny : 1, sizeof(*used));

	if (!used) {
		c->err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < nx; i++) {
		struct json_object *ex = json_object_array_get_idx(x, i), *ey = NULL;

		for (size_t j = 0; j < ny && !ey; j++) {
			if (!used[j] && same(ex, json_object_array_get_idx(y, j))) {
				used[j] = true;
				ey = json_object_array_get_idx(y, j);
			}
		}
		fn(c, prefix, ex, ey);
	}
	for (size_t j = 0; j < ny; j++)
		if (!used[j])
			fn(c, prefix, NULL, json_object_array_get_idx(y, j));
	free(used);
}

static void diff_params(struct diff_ctx *c, const char *prefix, struct json_object *x,
			struct json_object *y)
{
	struct json_object *px = get(x, "params").v, *py = get(y, "params").v;
	char what[256];

	if (json_object_is_type(px, json_type_object)) {
		json_object_object_foreach(px, kx, vx)
		{
			struct member my = get(py, kx);

			snprintf(what, sizeof(what), "params.%s", kx);
			cmp_value(c, prefix, what, present(vx), my);
		}
	}
	if (json_object_is_type(py, json_type_object)) {
		json_object_object_foreach(py, ky, vy)
		{
			struct member mx = get(px, ky);

			if (mx.has)
				continue;
			snprintf(what, sizeof(what), "params.%s", ky);
			cmp_value(c, prefix, what, mx, present(vy));
		}
	}
}

static void diff_snapshot(struct diff_ctx *c, const char *unused, struct json_object *x,
			  struct json_object *y)
{
	struct json_object *s = x ? x : y;
	struct member label = get(s, "label");
	char prefix[256];

	(void)unused;
	if (json_object_is_type(label.v, json_type_string))
		snprintf(prefix, sizeof(prefix), "snapshot %s", json_object_get_string(label.v));
	else
		snprintf(prefix, sizeof(prefix), "snapshot %s",
			 json_object_to_json_string_ext(label.v, RENDER_FLAGS));
	if (!x || !y) {
		emit_missing(c, prefix, x ? 1 : 0);
		return;
	}
	cmp_member(c, prefix, "block_size_bytes", x, y);
	cmp_member(c, prefix, "auto_online_blocks", x, y);
	diff_params(c, prefix, x, y);
	match_items(c, get(x, "blocks").v, get(y, "blocks").v, "id", false, diff_block, prefix);
	match_in_order(c, get(x, "zoneinfo").v, get(y, "zoneinfo").v, zone_same, diff_zone, prefix);
	cmp_deep(c, prefix, "memory_devices", x, y);
}

static bool snapshot_same(struct json_object *x, struct json_object *y)
{
	return jeq(get(x, "label").v, get(y, "label").v);
}

/* ---- the run ---- */

static bool is_run(struct json_object *o)
{
	struct member steps = get(o, "steps"), snapshots = get(o, "snapshots");

	return json_object_is_type(o, json_type_object) &&
	       json_object_is_type(get(o, "status").v, json_type_string) &&
	       (!steps.has || json_object_is_type(steps.v, json_type_array)) &&
	       (!snapshots.has || json_object_is_type(snapshots.v, json_type_array));
}

int run_diff(struct json_object *a, struct json_object *b, const char *name_a, const char *name_b,
	     struct strbuf *out)
{
	struct diff_ctx c = {.name = {name_a ? name_a : "first", name_b ? name_b : "second"},
			     .out = out};

	if (!out || !is_run(a) || !is_run(b))
		return -EINVAL;
	cmp_member(&c, NULL, "scenario", a, b);
	cmp_member(&c, NULL, "status", a, b);
	match_items(&c, get(a, "steps").v, get(b, "steps").v, "index", true, diff_step, NULL);
	match_in_order(&c, get(a, "snapshots").v, get(b, "snapshots").v, snapshot_same,
		       diff_snapshot, NULL);
	if (c.count > RUN_DIFF_MAX_LINES)
		strbuf_addf(out, "... %ld more differences\n", c.count - RUN_DIFF_MAX_LINES);
	if (c.err)
		return c.err;
	if (out->oom)
		return -ENOMEM;
	return c.count > INT_MAX ? INT_MAX : (int)c.count;
}
