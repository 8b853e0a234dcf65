/* json-c's pretty printer (json_object.c, 0.16) restated over a buffer:
 * the layout was taken from its output (tests compare the two byte for
 * byte). */
#include "json_out.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

int json_out_init(struct json_out *o, FILE *f, size_t cap)
{
	*o = (struct json_out){.f = f, .cap = cap, .buf = malloc(cap)};
	return o->buf ? 0 : -ENOMEM;
}

void json_out_release(struct json_out *o)
{
	free(o->buf);
	o->buf = NULL;
	o->cap = o->len = 0;
}

/* o->f, made now if it is the temporary file not made yet; NULL (and
 * o->error) if that fails. */
static FILE *out_file(struct json_out *o)
{
	if (!o->f && !o->error && !(o->f = tmpfile()))
		o->error = true;
	return o->f;
}

int json_out_flush(struct json_out *o)
{
	if (o->len && (!out_file(o) || fwrite(o->buf, 1, o->len, o->f) != o->len))
		o->error = true;
	o->len = 0;
	return o->error ? -EIO : 0;
}

void json_out_mem_slow(struct json_out *o, const char *s, size_t n)
{
	json_out_flush(o);
	if (n > o->cap) {
		if (!out_file(o) || fwrite(s, 1, n, o->f) != n)
			o->error = true;
		return;
	}
	memcpy(o->buf, s, n);
	o->len = n;
}

static void indent(struct json_out *o, int level)
{
	static const char spaces[] = "                                ";

	for (; level > 16; level -= 16)
		json_out_mem(o, spaces, 32);
	json_out_mem(o, spaces, 2 * (size_t)level);
}

/* Whether c needs an escape: the control characters, '"' and '\\'. */
static bool needs_escape(unsigned char c)
{
	return c < ' ' || c == '"' || c == '\\';
}

static void escape(struct json_out *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};

	switch (c) {
	case '\b':
		JSON_OUT_LIT(o, "\\b");
		break;
	case '\f':
		JSON_OUT_LIT(o, "\\f");
		break;
	case '\n':
		JSON_OUT_LIT(o, "\\n");
		break;
	case '\r':
		JSON_OUT_LIT(o, "\\r");
		break;
	case '\t':
		JSON_OUT_LIT(o, "\\t");
		break;
	case '"':
		JSON_OUT_LIT(o, "\\\"");
		break;
	case '\\':
		JSON_OUT_LIT(o, "\\\\");
		break;
	default:
		json_out_mem(o, u, sizeof(u));
	}
}

/* How many bytes of s need no escape: eight at a time while none of them
 * does (a word with a byte below ' ', or equal to '"' or '\\', has the high
 * bit of the tests' result set), then byte by byte. */
static size_t plain_prefix(const char *s, size_t len)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t x, q, b;

		memcpy(&x, s + i, 8);
		q = x ^ (ones * '"');
		b = x ^ (ones * '\\');
		if ((((x - ones * ' ') & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs)
			break;
	}
	while (i < len && !needs_escape((unsigned char)s[i]))
		i++;
	return i;
}

/* A short string with room in the buffer: copied while it is checked, in
 * one pass (most strings of a snapshot are a state or a zone name). False,
 * with nothing written, if it needs an escape. */
static bool short_plain(struct json_out *o, const char *s, size_t len)
{
	char *d = o->buf + o->len;

	if (len > 16 || o->cap - o->len < len + 2)
		return false;
	d[0] = '"';
	for (size_t i = 0; i < len; i++) {
		if (needs_escape((unsigned char)s[i]))
			return false;
		d[i + 1] = s[i];
	}
	d[len + 1] = '"';
	o->len += len + 2;
	return true;
}

void json_out_string(struct json_out *o, const char *s, size_t len)
{
	size_t i = 0;

	if (short_plain(o, s, len))
		return;
	json_out_char(o, '"');
	while (i < len) {
		size_t n = plain_prefix(s + i, len - i);

		json_out_mem(o, s + i, n);
		i += n;
		if (i < len)
			escape(o, (unsigned char)s[i++]);
	}
	json_out_char(o, '"');
}

void json_out_cstr(struct json_out *o, const char *s)
{
	if (s)
		json_out_string(o, s, strlen(s));
	else
		JSON_OUT_LIT(o, "null");
}

/* ",\n" and the indent of up to LEAD_LEVELS levels, for one copy. */
#define LEAD_LEVELS 30
static const char lead[] = ",\n                                                            ";
_Static_assert(sizeof(lead) - 1 == 2 + 2 * LEAD_LEVELS, "lead holds LEAD_LEVELS indents");

void json_out_elem(struct json_out *o, int level, bool first)
{
	if (level <= LEAD_LEVELS) {
		json_out_mem(o, lead + first, 2 - first + 2 * (size_t)level);
		return;
	}
	if (!first)
		json_out_char(o, ',');
	json_out_char(o, '\n');
	indent(o, level);
}

void json_out_key(struct json_out *o, int level, bool first, const char *key)
{
	json_out_elem(o, level, first);
	json_out_string(o, key, strlen(key));
	JSON_OUT_LIT(o, ": ");
}

void json_out_close(struct json_out *o, int level, char bracket)
{
	/* An empty one too: json-c prints "{\n", the indent and "}". */
	json_out_elem(o, level, true);
	json_out_char(o, bracket);
}

void json_out_uint(struct json_out *o, uint64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	size_t n;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	n = (size_t)(buf + sizeof(buf) - p);
	/* A call of memcpy costs more than the few digits. */
	if (o->cap - o->len < n) {
		json_out_mem(o, p, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		o->buf[o->len + i] = p[i];
	o->len += n;
}

void json_out_int(struct json_out *o, int64_t v)
{
	if (v < 0) {
		json_out_char(o, '-');
		/* -INT64_MIN does not fit: negate as unsigned. */
		json_out_uint(o, -(uint64_t)v);
	} else {
		json_out_uint(o, (uint64_t)v);
	}
}

/* json-c keeps an integer as int64 or uint64: a value past INT64_MAX is
 * only readable as uint64, and both print as plain decimal. */
static void out_int_object(struct json_out *o, struct json_object *v)
{
	int64_t n = json_object_get_int64(v);

	if (n == INT64_MAX)
		json_out_uint(o, json_object_get_uint64(v));
	else
		json_out_int(o, n);
}

void json_out_value(struct json_out *o, struct json_object *v, int level)
{
	bool first = true;

	switch (json_object_get_type(v)) {
	case json_type_null:
		JSON_OUT_LIT(o, "null");
		break;
	case json_type_boolean:
		if (json_object_get_boolean(v))
			JSON_OUT_LIT(o, "true");
		else
			JSON_OUT_LIT(o, "false");
		break;
	case json_type_int:
		out_int_object(o, v);
		break;
	case json_type_double: {
		/* json-c's own double formatting (and a user serialiser). */
		const char *s = json_object_to_json_string_ext(v, JSON_OUT_FLAGS);

		json_out_mem(o, s, strlen(s));
		break;
	}
	case json_type_string:
		json_out_string(o, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		break;
	case json_type_object:
		json_out_char(o, '{');
		json_object_object_foreach(v, key, val)
		{
			json_out_key(o, level + 1, first, key);
			json_out_value(o, val, level + 1);
			first = false;
		}
		json_out_close(o, level, '}');
		break;
	case json_type_array:
		json_out_char(o, '[');
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_out_elem(o, level + 1, first);
			json_out_value(o, json_object_array_get_idx(v, i), level + 1);
			first = false;
		}
		json_out_close(o, level, ']');
		break;
	}
}
