/* libFuzzer harness: `memhp diff A B` on two JSON documents, the input
 * split at its first NUL byte (no NUL: the input against itself): each
 * side parsed as memhp diff parses its files (json_document_parse), then
 * compared. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "memhp/memhp.h"
#include "run_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct json_object *parse(const char *name, const uint8_t *text, size_t len)
{
	struct json_object *o = NULL;
	char err[512], *copy = malloc(len + 1); /* it wants a NUL after the text */

	if (!copy)
		abort();
	memcpy(copy, text, len);
	copy[len] = '\0';
	json_document_parse(name, copy, len, &o, err, sizeof(err));
	free(copy);
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
	a = parse("a.json", data, na);
	b = nul ? parse("b.json", nul + 1, size - na - 1) : json_object_get(a);
	if (a && b && memhp_run_diff(a, "a.json", b, "b.json", &report) >= 0)
		free(report);
	json_object_put(a);
	json_object_put(b);
	return 0;
}
