/* json-c's pretty printer (json_object.c, 0.16) restated for a FILE: the
 * layout was taken from its output (tests compare the two byte for byte). */
#include "json_out.h"

#include <inttypes.h>
#include <string.h>

#include <json-c/json.h>

static void indent(FILE *f, int level)
{
	for (int i = 0; i < level; i++)
		fputs("  ", f);
}

void json_out_string(FILE *f, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	putc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		default:
			if (c < ' ') {
				fputs("\\u00", f);
				putc(hex[c >> 4], f);
				putc(hex[c & 0xf], f);
			} else {
				putc(c, f);
			}
		}
	}
	putc('"', f);
}

void json_out_cstr(FILE *f, const char *s)
{
	if (s)
		json_out_string(f, s, strlen(s));
	else
		fputs("null", f);
}

void json_out_key(FILE *f, int level, bool first, const char *key)
{
	json_out_elem(f, level, first);
	json_out_string(f, key, strlen(key));
	fputs(": ", f);
}

void json_out_elem(FILE *f, int level, bool first)
{
	fputs(first ? "\n" : ",\n", f);
	indent(f, level);
}

void json_out_close(FILE *f, int level, char bracket)
{
	/* An empty one too: json-c prints "{\n", the indent and "}". */
	putc('\n', f);
	indent(f, level);
	putc(bracket, f);
}

void json_out_int(FILE *f, int64_t v)
{
	fprintf(f, "%" PRId64, v);
}

void json_out_uint(FILE *f, uint64_t v)
{
	fprintf(f, "%" PRIu64, v);
}

/* json-c keeps an integer as int64 or uint64: a value past INT64_MAX is
 * only readable as uint64, and both print as plain decimal. */
static void out_int_object(FILE *f, struct json_object *o)
{
	int64_t v = json_object_get_int64(o);

	if (v == INT64_MAX)
		json_out_uint(f, json_object_get_uint64(o));
	else
		json_out_int(f, v);
}

void json_out_value(FILE *f, struct json_object *o, int level)
{
	bool first = true;

	switch (json_object_get_type(o)) {
	case json_type_null:
		fputs("null", f);
		break;
	case json_type_boolean:
		fputs(json_object_get_boolean(o) ? "true" : "false", f);
		break;
	case json_type_int:
		out_int_object(f, o);
		break;
	case json_type_double:
		/* json-c's own double formatting (and a user serialiser). */
		fputs(json_object_to_json_string_ext(o, JSON_OUT_FLAGS), f);
		break;
	case json_type_string:
		json_out_string(f, json_object_get_string(o),
				(size_t)json_object_get_string_len(o));
		break;
	case json_type_object:
		putc('{', f);
		json_object_object_foreach(o, key, val)
		{
			json_out_key(f, level + 1, first, key);
			json_out_value(f, val, level + 1);
			first = false;
		}
		json_out_close(f, level, '}');
		break;
	case json_type_array:
		putc('[', f);
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			json_out_elem(f, level + 1, first);
			json_out_value(f, json_object_array_get_idx(o, i), level + 1);
			first = false;
		}
		json_out_close(f, level, ']');
		break;
	}
}
