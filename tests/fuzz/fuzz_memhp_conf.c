/* libFuzzer harness: /etc/memhp.conf text through the config parser
 * (memhp_conf.c), then the input's first line as a --set argument on top,
 * as memhp configure reads them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memhp_conf.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memhp_conf c = {0};
	struct strbuf err = {0};
	const char *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - (const char *)data) : size;
	char *arg;

	if (size > 2 * MEMHP_CONF_MAX)
		return 0;
	conf_parse(&c, "memhp.conf", (const char *)data, size, &err);
	arg = strndup((const char *)data, n);
	if (arg)
		conf_set_arg(&c, arg, &err);
	free(arg);
	strbuf_release(&err);
	return 0;
}
