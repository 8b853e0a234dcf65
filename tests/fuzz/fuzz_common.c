/* Machines and line splitting for the harnesses (fuzz_common.h). */
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "machine.h"
#include "scenario.h"
#include "scenario_run.h"

/* A few machines the inputs run on. Each preamble is an ordinary scenario,
 * run on the model; it ends with hot-added DIMMs so that eject, offline and
 * online of hot-added memory are in reach, or with virtio-mem devices (one
 * cold-plugged, one hot-plugged) for qom-set requested-size. New ones go
 * last: a corpus input's first byte picks its preamble. */
static const struct {
	enum memhp_kernel version;
	const char *text;
} preambles[] = {
    {MEMHP_KERNEL_6_12,
     "qemu: -M q35 -m 4G,slots=8,maxmem=64G\n"
     "host: {\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
     "\"memory-backend-ram\", \"id\": \"mem0\", \"size\": 1073741824}}\n"
     "host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": \"pc-dimm\", "
     "\"id\": \"dimm0\", \"memdev\": \"mem0\"}}\n"
     "settle\n"},
    {MEMHP_KERNEL_6_1,
     "qemu: -M pc -m 2G,slots=4,maxmem=32G\n"
     "kernel-cmdline: memhp_default_state=online_movable\n"
     "host: {\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
     "\"memory-backend-ram\", \"id\": \"mem0\", \"size\": 2147483648}}\n"
     "host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": \"pc-dimm\", "
     "\"id\": \"dimm0\", \"memdev\": \"mem0\"}}\n"
     "settle\n"},
    {MEMHP_KERNEL_6_12,
     "qemu: -M q35 -m 4G,slots=8,maxmem=64G -smp 2\n"
     "qemu: -object memory-backend-ram,id=m0,size=2G -numa node,nodeid=0,memdev=m0\n"
     "qemu: -object memory-backend-ram,id=m1,size=2G -numa node,nodeid=1,memdev=m1\n"
     "kernel-cmdline: memhp_default_state=online memory_hotplug.online_policy=auto-movable\n"
     "kernel-cmdline: memory_hotplug.auto_movable_ratio=100\n"
     "host: {\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
     "\"memory-backend-ram\", \"id\": \"mem0\", \"size\": 4294967296}}\n"
     "host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": \"pc-dimm\", "
     "\"id\": \"dimm0\", \"memdev\": \"mem0\", \"node\": 1}}\n"
     "settle\n"},
    {MEMHP_KERNEL_6_1,
     "qemu: -M q35 -m 4G,slots=4,maxmem=16G\n"
     "kernel-cmdline: memory_hotplug.memmap_on_memory=1 movablecore=1G\n"
     "host: {\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
     "\"memory-backend-ram\", \"id\": \"mem0\", \"size\": 1073741824}}\n"
     "host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": \"pc-dimm\", "
     "\"id\": \"dimm0\", \"memdev\": \"mem0\"}}\n"
     "settle\n"},
    {MEMHP_KERNEL_6_12,
     "qemu: -M pc -m 4G,maxmem=20G -object memory-backend-ram,id=vmem0,size=4G\n"
     "qemu: -device virtio-mem-pci,id=vm0,memdev=vmem0,requested-size=1G\n"
     "host: {\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
     "\"memory-backend-memfd\", \"id\": \"vmem1\", \"size\": 2147483648}}\n"
     "host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": \"virtio-mem-pci\", "
     "\"id\": \"vm1\", \"memdev\": \"vmem1\", \"requested-size\": \"512M\"}}\n"
     "settle\n"},
};

void fuzz_machine_boot(struct fuzz_machine *fm, uint8_t which)
{
	size_t i = which % ARRAY_SIZE(preambles);
	struct scenario_run_options opts = {.version = preambles[i].version};
	struct scenario_run *run = calloc(1, sizeof(*run));
	char err[1024];

	if (!run ||
	    scenario_parse_string("preamble.scn", preambles[i].text, &fm->sc, err, sizeof(err)) ||
	    scenario_run(fm->sc, &opts, run, err, sizeof(err)) || !run->machine) {
		fprintf(stderr, "fuzz: preamble %zu does not run: %s\n", i, err);
		abort();
	}
	fm->m = run->machine;
	fm->run = run;
}

void fuzz_machine_free(struct fuzz_machine *fm)
{
	scenario_run_release(fm->run);
	free(fm->run);
	scenario_free(fm->sc);
	*fm = (struct fuzz_machine){0};
}

char *fuzz_lines(const uint8_t *data, size_t size, char **end)
{
	char *text = malloc(size + 1);

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i < size; i++)
		if (text[i] == '\n')
			text[i] = '\0';
	*end = text + size;
	return text;
}

char *fuzz_next_line(char *line, char *end)
{
	line += strlen(line);
	return line < end ? line + 1 : NULL;
}

void fuzz_check(struct fuzz_machine *fm, const char *what)
{
	char msg[1024];

	if (machine_check(fm->m, msg, sizeof(msg))) {
		fprintf(stderr, "fuzz: after `%s`: %s\n", what, msg);
		abort();
	}
}
