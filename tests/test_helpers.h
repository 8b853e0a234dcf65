/* Helpers for the cmocka tests that need no model header: removing a
 * scratch directory tree and checking the order of a JSON object's keys.
 * test_util.h includes this; the backend and runner tests, which do not use
 * the model directly, include it alone. */
#ifndef MEMHP_TEST_HELPERS_H
#define MEMHP_TEST_HELPERS_H

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

static inline int tu_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes dir and everything below it, not following links; best effort
 * (a scratch directory the test made). */
static inline void tu_rm_rf(const char *dir)
{
	nftw(dir, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes text to the file dir/name, created or truncated; path (len
 * bytes) receives its name. */
static inline void tu_write_file(char *path, size_t len, const char *dir, const char *name,
				 const char *text)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* Asserts o's keys, in order and space-separated, are want. */
static inline void tu_assert_keys(struct json_object *o, const char *want)
{
	char keys[512] = "";

	json_object_object_foreach(o, key, val)
	{
		(void)val;
		snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys), "%s%s",
			 keys[0] ? " " : "", key);
	}
	assert_string_equal(keys, want);
}

#endif
