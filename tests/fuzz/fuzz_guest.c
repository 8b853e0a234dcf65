/* libFuzzer harness: guest command lines, one per input line, run by the
 * guest shell on a booted machine's /sys (what `guest:` lines do). Checks
 * the model's invariants after each. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "guest_shell.h"
#include "machine.h"
#include "scenario_run.h"
#include "sysfs.h"
#include "vfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_machine fm;
	char *text, *end, *line;
	struct guest_syscalls sys;
	struct vfs fs;

	if (!size)
		return 0;
	fuzz_machine_boot(&fm, data[0]);
	kernel_sysfs(fm.m->kernel, &fs);
	model_guest_syscalls(fm.m->kernel, &sys);
	text = fuzz_lines(data + 1, size - 1, &end);
	for (line = text; line; line = fuzz_next_line(line, end)) {
		struct guest_result res = {0};

		guest_shell_run_sys(&fs, &sys, line, &res);
		guest_result_free(&res);
		fuzz_check(&fm, line);
	}
	free(text);
	fuzz_machine_free(&fm);
	return 0;
}
