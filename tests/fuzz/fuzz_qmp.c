/* libFuzzer harness: QMP commands, one JSON object per input line, sent to
 * a booted machine's QEMU; the guest handles what they notify (ACPI work)
 * after each, as `host:` then `settle` would. Checks the model's
 * invariants after each. */
#include <stdint.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "fuzz_common.h"
#include "machine.h"
#include "qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_machine fm;
	char *text, *end, *line;

	if (!size)
		return 0;
	fuzz_machine_boot(&fm, data[0]);
	text = fuzz_lines(data + 1, size - 1, &end);
	for (line = text; line; line = fuzz_next_line(line, end)) {
		struct json_object *cmd = json_tokener_parse(line);

		if (!cmd)
			continue;
		json_object_put(qmp_execute(fm.m->vm, cmd));
		json_object_put(cmd);
		machine_run_pending(fm.m);
		fuzz_check(&fm, line);
	}
	free(text);
	fuzz_machine_free(&fm);
	return 0;
}
