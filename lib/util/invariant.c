#include "invariant.h"

#include <stdarg.h>
#include <stdio.h>

int invariant_failed(char *msg, size_t len, const char *name, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!msg || !len)
		return -EUCLEAN;
	n = snprintf(msg, len, "invariant %s: ", name);
	if (n >= 0 && (size_t)n < len) {
		va_start(ap, fmt);
		vsnprintf(msg + n, len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EUCLEAN;
}
