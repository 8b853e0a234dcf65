/* JSON text written straight to a FILE, byte for byte as json-c 0.16's
 * json_object_to_json_string_ext() writes it with JSON_C_TO_STRING_PRETTY |
 * JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE (the run JSON's
 * format): two spaces per level, "key": value, no newline at the end. Lets
 * big parts of the run JSON (snapshots) go to the file without building
 * json-c objects for them. */
#ifndef MEMHP_JSON_OUT_H
#define MEMHP_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct json_object;

/* The flags of the run JSON, for json-c's own serialiser. */
#define JSON_OUT_FLAGS                                                                             \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

/* A buffer in front of f: stdio's per-call locking costs more than the
 * formatting. */
struct json_out {
	/* Where a full buffer goes. NULL: a temporary file made when the
	 * buffer first fills (tmpfile()); until then the text is only in buf,
	 * which spares a small text the file. The owner closes f either way. */
	FILE *f;
	size_t len, cap;
	bool error; /* a write to f (or its creation) failed */
	char *buf;
};

/* o in front of f (or NULL, see above) with a buffer of cap bytes (a
 * large one costs only the pages the text reaches): 0 or -ENOMEM. */
int json_out_init(struct json_out *o, FILE *f, size_t cap);
/* Frees the buffer (not f). */
void json_out_release(struct json_out *o);
/* Hands the buffer to f: 0 or -EIO (now or earlier). */
int json_out_flush(struct json_out *o);
/* n bytes past the buffer's room. */
void json_out_mem_slow(struct json_out *o, const char *s, size_t n);

static inline void json_out_mem(struct json_out *o, const char *s, size_t n)
{
	if (o->len + n > o->cap) {
		json_out_mem_slow(o, s, n);
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static inline void json_out_char(struct json_out *o, char c)
{
	if (o->len == o->cap)
		json_out_flush(o);
	o->buf[o->len++] = c;
}

/* json_out_key() for a literal key that needs no escape. */
#define JSON_OUT_KEY(o, level, first, key)                                                         	do {                                                                                       		json_out_elem(o, level, first);                                                    		json_out_mem(o, "\"" key "\": ", sizeof("\"" key "\": ") - 1);                       	} while (0)
/* A literal. */
#define JSON_OUT_LIT(o, s) json_out_mem(o, s, sizeof(s) - 1)
/* A string with json-c's escapes: \" \\ \b \f \n \r \t, \u00XX for the
 * other control characters, everything else (UTF-8, DEL, '/') as is. */
void json_out_string(struct json_out *o, const char *s, size_t len);
/* s as a JSON string, or null for NULL. */
void json_out_cstr(struct json_out *o, const char *s);
/* Before the member `key` of an object whose members are at level:
 * ",\n" (or "\n" for the first one), the indent and "\"key\": ". */
void json_out_key(struct json_out *o, int level, bool first, const char *key);
/* Before an array element at level. */
void json_out_elem(struct json_out *o, int level, bool first);
/* The end of an object or array whose members were at level + 1. */
void json_out_close(struct json_out *o, int level, char bracket);
void json_out_int(struct json_out *o, int64_t v);
void json_out_uint(struct json_out *o, uint64_t v);
/* Any json-c value as json-c prints it at that nesting level. */
void json_out_value(struct json_out *o, struct json_object *v, int level);

#endif
