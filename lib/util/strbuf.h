/* A growable string for building file contents and reports. */
#ifndef MEMHP_STRBUF_H
#define MEMHP_STRBUF_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len, cap;
	bool oom; /* an append failed: the content is incomplete */
};

__attribute__((format(printf, 2, 3))) void strbuf_addf(struct strbuf *sb, const char *fmt, ...);
__attribute__((format(printf, 2, 0))) void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void strbuf_add(struct strbuf *sb, const char *s);
void strbuf_addn(struct strbuf *sb, const char *s, size_t n);
void strbuf_addch(struct strbuf *sb, char c);
/* Hands the string over (never NULL unless out of memory); -ENOMEM. */
int strbuf_detach(struct strbuf *sb, char **out);
/* Drops the first n bytes (a consumed protocol message). */
void strbuf_consume(struct strbuf *sb, size_t n);
void strbuf_release(struct strbuf *sb);
/* Empties it, keeping the memory (and a failed append's mark). */
void strbuf_reset(struct strbuf *sb);

/* 0, or -ENOMEM if an append since the last release failed. */
static inline int strbuf_error(const struct strbuf *sb)
{
	return sb->oom ? -ENOMEM : 0;
}

#endif
