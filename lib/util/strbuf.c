#include "strbuf.h"

#include "array.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool grow(struct strbuf *sb, size_t extra)
{
	if (sb->oom)
		return false;
	if (array_grow(&sb->buf, &sb->cap, sb->len + extra + 1, 1)) {
		sb->oom = true;
		return false;
	}
	return true;
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	/* Most texts are short: formatted once into tmp, not measured
	 * and then formatted again. */
	char tmp[256];
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	if (n < 0)
		sb->oom = true;
	else if ((size_t)n < sizeof(tmp))
		strbuf_addn(sb, tmp, (size_t)n);
	else if (grow(sb, (size_t)n)) {
		vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, again);
		sb->len += (size_t)n;
	}
	va_end(again);
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_addn(struct strbuf *sb, const char *s, size_t n)
{
	if (n > SIZE_MAX / 2 || !grow(sb, n)) {
		sb->oom = true;
		return;
	}
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void strbuf_add(struct strbuf *sb, const char *s)
{
	strbuf_addn(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, char c)
{
	strbuf_addn(sb, &c, 1);
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

void strbuf_consume(struct strbuf *sb, size_t n)
{
	if (n >= sb->len) {
		sb->len = 0;
	} else {
		memmove(sb->buf, sb->buf + n, sb->len - n);
		sb->len -= n;
	}
	if (sb->buf)
		sb->buf[sb->len] = '\0';
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}
