/* Small string tests shared by the parsers. */
#ifndef MEMHP_DIGITS_H
#define MEMHP_DIGITS_H

#include <stdbool.h>

/* Non-empty and made of 0-9 only (util-linux's isdigit_string()). */
static inline bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

#endif
