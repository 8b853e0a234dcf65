/* libFuzzer harness: `memhp diff A B` on two JSON documents, the input
 * split at its first NUL byte (no NUL: the input against itself). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "memhp/memhp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct json_object *parse(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	if (!tok)
		abort();
	o = json_tokener_parse_ex(tok, text, (int)len);
	json_tokener_free(tok);
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t na = nul ? (size_t)(nul - data) : size;
	struct json_object *a, *b;
	char *report;

	if (size > (1u << 20))
		return 0;
	a = parse((const char *)data, na);
	b = nul ? parse((const char *)nul + 1, size - na - 1) : json_object_get(a);
	if (a && b && memhp_run_diff(a, "a.json", b, "b.json", &report) >= 0)
		free(report);
	json_object_put(a);
	json_object_put(b);
	return 0;
}
