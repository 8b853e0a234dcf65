/* Helpers for the memory tools' tests: scratch sysroot trees and running
 * a tool over a vfs with its output captured. */
#ifndef MEMHP_TEST_TOOL_UTIL_H
#define MEMHP_TEST_TOOL_UTIL_H

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strbuf.h"
#include "test_helpers.h"
#include "tool.h"

/* A scratch directory (tt_rm it after). */
static inline char *tt_mkdtemp(void)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/memhp-tool-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return dir;
}

/* Writes root/rel with text and mode, making the directories on the way. */
static inline void tt_put(const char *root, const char *rel, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* The content of root/rel, in a static buffer ("<missing>" if none). */
static inline const char *tt_get(const char *root, const char *rel)
{
	static char buf[4096];
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	if (!f)
		return "<missing>";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

struct tt_run {
	int rc;
	struct strbuf out, err;
};

/* Runs main over fs (a NULL-terminated argument list after argv[0]). */
static inline void tt_run(struct tt_run *r, tool_main_fn *main_fn, const struct vfs *fs, bool live,
			  const char *const *args)
{
	char *argv[32];
	int argc = 0;
	struct tool_ctx t = {.fs = fs, .live = live};

	memset(r, 0, sizeof(*r));
	t.out = &r->out;
	t.err = &r->err;
	for (; args[argc] && argc < 31; argc++)
		argv[argc] = (char *)args[argc];
	argv[argc] = NULL;
	r->rc = main_fn(&t, argc, argv);
	strbuf_addch(&r->out, '\0'); /* never NULL below */
	strbuf_addch(&r->err, '\0');
}

static inline void tt_release(struct tt_run *r)
{
	strbuf_release(&r->out);
	strbuf_release(&r->err);
}

/* Fails showing the output when s lacks want. */
#define tt_has(s, want)                                                                            \
	do {                                                                                       \
		if (!strstr((s), (want)))                                                          \
			fail_msg("missing '%s' in:\n%s", (want), (s));                             \
	} while (0)
#define tt_lacks(s, want)                                                                          \
	do {                                                                                       \
		if (strstr((s), (want)))                                                           \
			fail_msg("unexpected '%s' in:\n%s", (want), (s));                          \
	} while (0)

#endif
