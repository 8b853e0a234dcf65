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

/* QEMU size strings. qemu_strtosz() uses bytes as the default unit,
 * "-m" uses MiB (default_suffix 'M'). Fractions like "1.5G" are allowed. */
int qemu_strtosz(const char *s, char default_suffix, uint64_t *res);

#endif
