/* QEMU's Error reporting reduced to what the model needs: a message in a
 * caller's buffer (util/error.c error_setg) and the id rule of util/id.c. */
#ifndef MEMHP_QEMU_QEMU_ERROR_H
#define MEMHP_QEMU_QEMU_ERROR_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Formats QEMU's message into err and returns -EINVAL (GenericError). */
static inline __attribute__((format(printf, 3, 4))) int error_setg(char *err, size_t errlen,
								   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* id_wellformed(): a letter, then letters, digits, '-', '.' and '_'. */
static inline bool id_wellformed(const char *id)
{
	if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z')))
		return false;
	for (; *id; id++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._",
			    *id))
			return false;
	return true;
}

#endif
