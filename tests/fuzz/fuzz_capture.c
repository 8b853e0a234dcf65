/* libFuzzer harness: the stream guest/memhp-snapshot prints on a real
 * guest, parsed as the QEMU backend parses it, then turned into the
 * snapshot JSON (snapshot_from_vfs over the captured tree). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sysfs_capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sysfs_capture cap;
	struct json_object *snap;
	char *text = malloc(size + 1);

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (!sysfs_capture_parse(text, &cap)) {
		snap = sysfs_capture_snapshot(&cap, "fuzz", 0, json_object_new_array());
		if (snap)
			json_object_to_json_string(snap);
		json_object_put(snap);
		sysfs_capture_release(&cap);
	}
	free(text);
	return 0;
}
