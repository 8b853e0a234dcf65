#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strbuf.h"

/* Appends up to max + 1 bytes of fd to sb: one byte past max tells a file
 * of exactly max bytes from a larger one without reading the rest. */
static int read_upto(int fd, struct strbuf *sb, size_t max)
{
	char chunk[65536];

	for (;;) {
		size_t want = max + 1 - sb->len;
		ssize_t n = read(fd, chunk, want < sizeof(chunk) ? want : sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		strbuf_addn(sb, chunk, (size_t)n);
		if (strbuf_error(sb))
			return -ENOMEM;
		if (sb->len > max)
			return -EFBIG;
	}
}

int read_file_max(const char *path, size_t max, char **text, size_t *len, char *err, size_t errlen)
{
	struct strbuf sb = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	*text = NULL;
	*len = 0;
	ret = fd < 0 ? -errno : read_upto(fd, &sb, max);
	if (fd >= 0)
		close(fd);
	if (!ret) {
		*len = sb.len;
		ret = strbuf_detach(&sb, text);
	}
	if (!ret)
		return 0;
	strbuf_release(&sb);
	if (err && errlen && ret == -EFBIG)
		snprintf(err, errlen, "%s: larger than %zu bytes, the most memhp reads from a file",
			 path, max);
	else if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	return ret;
}

int read_text_file(const char *path, size_t max, char **text, char *err, size_t errlen)
{
	size_t len;
	int ret = read_file_max(path, max, text, &len, err, errlen);

	if (ret || !memchr(*text, '\0', len))
		return ret;
	if (err && errlen)
		snprintf(err, errlen, "%s: contains a NUL byte; expected a text file", path);
	free(*text);
	*text = NULL;
	return -EINVAL;
}
