/* String parsing with the exact semantics of the kernel and QEMU helpers
 * that user input passes through. Every parser returns 0 or a negative errno. */
#ifndef MEMHP_STRPARSE_H
#define MEMHP_STRPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* sysfs_streq(): equal, ignoring one trailing newline on either side. */
bool sysfs_streq(const char *a, const char *b);

/* kstrtobool(): decided by the first one or two characters. */
int kstrtobool(const char *s, bool *res);

/* kstrtoull()/kstrtouint() with base 0: "0x" hex, "0" octal, else decimal;
 * optional leading '+', one trailing newline; -EINVAL or -ERANGE. */
int kstrtoull(const char *s, uint64_t *res);
int kstrtouint(const char *s, unsigned int *res);

/* memparse(): kernel command-line size with optional K/M/G/T/P/E suffix.
 * Returns the number of characters consumed through *end. */
uint64_t memparse(const char *s, const char **end);

/* QEMU 7.2's size strings (util/cutils.c do_strtosz), the whole string:
 * a decimal integer, or "0x" hex, with an optional fraction ("1.5G", "1."
 * and "1.k" too, not with an exponent), then one optional suffix B K M G
 * T P E of any case, else default_suffix. A fraction of bytes, a sign, an
 * exponent, "inf" or anything after the suffix is -EINVAL; more than
 * 2^64 - 1 is -ERANGE. */
int qemu_strtosz(const char *s, char default_suffix, uint64_t *res);

/* qemu_strtoi64()/qemu_strtou64() with base 0 over the whole string, as
 * QEMU's option parsers read integers: leading blanks and a sign pass,
 * "0x" is hex and "0" octal; a negative number wraps to uint64_t as with
 * strtoull(). -EINVAL: not a number; -ERANGE: out of range. */
int qemu_strtoi64(const char *s, int64_t *res);
int qemu_strtou64(const char *s, uint64_t *res);

/* util-linux's size_to_human_string() with one-letter suffixes, as lsmem
 * and chmem print sizes: "128M", "1.5G", "512B". */
void size_to_human_string(uint64_t bytes, char *buf, size_t len);

#endif
