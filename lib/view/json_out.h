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

struct json_object;

/* The flags of the run JSON, for json-c's own serialiser. */
#define JSON_OUT_FLAGS                                                                             \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

/* A string with json-c's escapes: \" \\ \b \f \n \r \t, \u00XX for the
 * other control characters, everything else (UTF-8, DEL, '/') as is. */
void json_out_string(FILE *f, const char *s, size_t len);
/* s as a JSON string, or null for NULL. */
void json_out_cstr(FILE *f, const char *s);
/* Before the member `key` of an object whose members are at level:
 * ",\n" (or "\n" for the first one), the indent and "\"key\": ". */
void json_out_key(FILE *f, int level, bool first, const char *key);
/* Before an array element at level. */
void json_out_elem(FILE *f, int level, bool first);
/* The end of an object or array whose members were at level + 1. */
void json_out_close(FILE *f, int level, char bracket);
void json_out_int(FILE *f, int64_t v);
void json_out_uint(FILE *f, uint64_t v);
/* Any json-c value as json-c prints it at that nesting level. */
void json_out_value(FILE *f, struct json_object *o, int level);

#endif
