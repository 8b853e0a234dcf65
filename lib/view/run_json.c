#include "run_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "readfile.h"
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

/* "NAME:LINE:COLUMN: " for byte off of text, then the message. */
__attribute__((format(printf, 6, 7))) static int fail_at(const char *name, const char *text,
							 size_t off, char *err, size_t errlen,
							 const char *fmt, ...)
{
	size_t line = 1, col = 1;
	va_list ap;
	int n;

	for (size_t i = 0; i < off; i++, col++) {
		if (text[i] == '\n') {
			line++;
			col = 0;
		}
	}
	if (!err || !errlen)
		return -EINVAL;
	n = snprintf(err, errlen, "%s:%zu:%zu: ", name, line, col);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static size_t skip_json_space(const char *text, size_t len, size_t off)
{
	/* JSON's white space (RFC 8259): space, tab, newline, carriage return. */
	while (off < len && text[off] && strchr(" \t\n\r", text[off]))
		off++;
	return off;
}

/* The parse error at off: the end of the text is a truncated document. */
static int parse_error(const char *name, const char *text, size_t len, size_t off,
		       enum json_tokener_error jerr, char *err, size_t errlen)
{
	if (skip_json_space(text, len, 0) == len)
		return fail_at(name, text, len, err, errlen,
			       "expected a JSON document, got an empty file");
	if (off >= len)
		return fail_at(name, text, len, err, errlen,
			       "the JSON document is cut short; expected the rest of it");
	return fail_at(name, text, off, err, errlen, "expected JSON (%s)",
		       json_tokener_error_desc(jerr));
}

int json_document_parse(const char *name, const char *text, size_t len, struct json_object **out,
			char *err, size_t errlen)
{
	const char *nul = memchr(text, '\0', len);
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	size_t end;

	*out = NULL;
	/* json-c would take a NUL byte for the end of the text. */
	if (nul)
		return fail_at(name, text, (size_t)(nul - text), err, errlen,
			       "a NUL byte; expected JSON text");
	if (len >= INT32_MAX)
		return fail_at(name, text, 0, err, errlen, "expected a smaller JSON document");
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	/* The terminating NUL tells json-c that the text ends there: without
	 * it a truncated document only asks for more. */
	*out = json_tokener_parse_ex(tok, text, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!*out)
		return jerr == json_tokener_success
			   ? fail_at(name, text, skip_json_space(text, len, 0), err, errlen,
				     "expected a JSON document other than null")
			   : parse_error(name, text, len, end, jerr, err, errlen);
	end = skip_json_space(text, len, end);
	if (end < len) {
		/* What follows, up to the end of its line: enough to find it. */
		size_t n = strcspn(text + end, "\n");

		json_object_put(*out);
		*out = NULL;
		return fail_at(name, text, end, err, errlen,
			       "expected the end of the file after the JSON document, got '%.*s'",
			       (int)(n < 20 ? n : 20), text + end);
	}
	return 0;
}

int json_document_load(const char *path, struct json_object **out, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int ret = read_file_max(path, INPUT_FILE_MAX, &text, &len, err, errlen);

	*out = NULL;
	if (ret)
		return ret;
	ret = json_document_parse(path, text, len, out, err, errlen);
	free(text);
	return ret;
}
