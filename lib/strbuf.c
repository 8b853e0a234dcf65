#include "strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool grow(struct strbuf *sb, size_t extra)
{
	size_t cap;
	char *v;

	if (sb->oom)
		return false;
	if (sb->len + extra + 1 <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	v = realloc(sb->buf, cap);
	if (!v) {
		sb->oom = true;
		return false;
	}
	sb->buf = v;
	sb->cap = cap;
	return true;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !grow(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void strbuf_add(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s);

	if (!grow(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n + 1);
	sb->len += n;
}

int strbuf_detach(struct strbuf *sb, char **out)
{
	if (!grow(sb, 0)) {
		strbuf_release(sb);
		return -ENOMEM;
	}
	sb->buf[sb->len] = '\0';
	*out = sb->buf;
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return 0;
}

void strbuf_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->oom = false;
}
