/* Reading a whole input file (a scenario, a run JSON, a --known list)
 * with a bound, so that /dev/zero or a FIFO that never ends is an error
 * and not a read that never returns. */
#ifndef MEMHP_READFILE_H
#define MEMHP_READFILE_H

#include <stddef.h>

/* The most memhp reads from one input file: 16 MiB, generous for real
 * inputs (the largest recorded run JSON is 125 KB, a scenario a few KB). */
#define INPUT_FILE_MAX (16u << 20)

/* Reads path into *text (malloc'd, NUL-terminated after *len bytes, which
 * may hold NUL bytes of their own). 0, or -errno with "PATH: why" in err:
 * -EFBIG when the file has more than max bytes (reading stops there). */
int read_file_max(const char *path, size_t max, char **text, size_t *len, char *err, size_t errlen);

/* read_file_max() of a text file: -EINVAL with "PATH: contains a NUL byte;
 * expected a text file" for one with NUL bytes, which a C string would
 * silently cut short. */
int read_text_file(const char *path, size_t max, char **text, char *err, size_t errlen);

#endif
