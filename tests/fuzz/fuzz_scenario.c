/* libFuzzer harness: a whole scenario file, parsed and run on the model
 * as `memhp run FILE` would (kernel 6.12 or 6.1 by the input's parity),
 * with the run's views: the JSON document and a snapshot per `snapshot`
 * line (the run makes them). The invariants are checked after every
 * step, as in every sanitizer build; a violation aborts. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "scenario.h"
#include "scenario_run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario_run_options opts = {
	    .version = size % 2 ? MEMHP_KERNEL_6_1 : MEMHP_KERNEL_6_12,
	    .check = true,
	};
	struct scenario_run run = {0};
	struct scenario *sc;
	char err[1024], *text = malloc(size + 1);

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (!scenario_parse_string("fuzz.scn", text, &sc, err, sizeof(err))) {
		if (scenario_run(sc, &opts, &run, err, sizeof(err)) == -EUCLEAN) {
			fprintf(stderr, "fuzz: %s\n", err);
			abort();
		}
		if (run.result)
			json_object_to_json_string_ext(run.result, JSON_C_TO_STRING_PRETTY);
		scenario_run_release(&run);
		scenario_free(sc);
	}
	free(text);
	return 0;
}
