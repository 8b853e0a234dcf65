#include "strparse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sysfs_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	if (*a == *b)
		return true;
	if (*a == '\n' && a[1] == '\0' && *b == '\0')
		return true;
	if (*b == '\n' && b[1] == '\0' && *a == '\0')
		return true;
	return false;
}

int kstrtobool(const char *s, bool *res)
{
	if (!s)
		return -EINVAL;
	switch (s[0]) {
	case 'y':
	case 'Y':
	case 't':
	case 'T':
	case '1':
		*res = true;
		return 0;
	case 'n':
	case 'N':
	case 'f':
	case 'F':
	case '0':
		*res = false;
		return 0;
	case 'o':
	case 'O':
		switch (s[1]) {
		case 'n':
		case 'N':
			*res = true;
			return 0;
		case 'f':
		case 'F':
			*res = false;
			return 0;
		}
		break;
	}
	return -EINVAL;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return 99;
}

int kstrtoull(const char *s, uint64_t *res)
{
	unsigned int base = 10;
	uint64_t v = 0;
	bool overflow = false;
	size_t n = 0;

	if (*s == '+')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) < 16) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	for (; digit_value(*s) < (int)base; s++, n++) {
		unsigned int d = (unsigned int)digit_value(*s);
		if (v > (UINT64_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (n == 0)
		return -EINVAL;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	if (overflow)
		return -ERANGE;
	*res = v;
	return 0;
}

int kstrtouint(const char *s, unsigned int *res)
{
	uint64_t v;
	int r = kstrtoull(s, &v);

	if (r)
		return r;
	if (v > UINT_MAX)
		return -ERANGE;
	*res = (unsigned int)v;
	return 0;
}

static unsigned int suffix_shift(char c)
{
	switch (toupper((unsigned char)c)) {
	case 'B':
		return 0;
	case 'K':
		return 10;
	case 'M':
		return 20;
	case 'G':
		return 30;
	case 'T':
		return 40;
	case 'P':
		return 50;
	case 'E':
		return 60;
	}
	return 99;
}

uint64_t memparse(const char *s, const char **end)
{
	char *e;
	uint64_t v = strtoull(s, &e, 0);
	unsigned int shift = suffix_shift(*e);

	if (*e != 'B' && *e != 'b' && shift != 99) {
		v <<= shift;
		e++;
	}
	if (end)
		*end = e;
	return v;
}

/* The fraction of a size, as 64-bit fixed point: QEMU's do_strtosz()
 * reads it with strtod() from the '.' on. Returns the end of what it
 * took: f + 1 when no number follows the '.' (it is skipped), NULL when
 * the fraction has an exponent (refused). */
static const char *size_fraction(const char *f, uint64_t *frac)
{
	char *e;
	double v;

	errno = 0;
	v = strtod(f, &e);
	if (e == f || !isfinite(v))
		return f + 1;
	/* An underflowing fraction sends QEMU's parser past the end of the
	 * string; refuse it instead. */
	if (errno || memchr(f, 'e', (size_t)(e - f)) || memchr(f, 'E', (size_t)(e - f)))
		return NULL;
	/* 0.99999999999999999999 reads as 1.0, whose fixed-point conversion
	 * gives 0 on x86-64: "1.99999999999999999999G" is observed as 1 GiB. */
	*frac = v < 1.0 ? (uint64_t)(v * 0x1p64) : 0;
	return e;
}

/* val + frac, both scaled by 2^shift and rounded half up as QEMU's 64.64
 * fixed-point product is; -ERANGE past 2^64 - 1. */
static int scale_size(uint64_t val, uint64_t frac, unsigned int shift, uint64_t *res)
{
	uint64_t whole, half;

	if (!shift) {
		*res = val;
		return 0;
	}
	if (val > UINT64_MAX >> shift)
		return -ERANGE;
	whole = frac >> (64 - shift);
	half = (frac >> (63 - shift)) & 1;
	val <<= shift;
	if (val > UINT64_MAX - whole - half)
		return -ERANGE;
	*res = val + whole + half;
	return 0;
}

int qemu_strtosz(const char *s, char default_suffix, uint64_t *res)
{
	const char *e;
	char *end;
	uint64_t val, frac = 0;
	unsigned int shift;
	int ret;

	/* The integer part in decimal, as qemu_strtou64(base 10) reads it:
	 * leading blanks and a '+' pass, a '-' does not. */
	errno = 0;
	val = strtoull(s, &end, 10);
	e = end;
	if (e == s || memchr(s, '-', (size_t)(e - s)))
		return -EINVAL;
	if (errno == ERANGE)
		return *e ? -EINVAL : -ERANGE;
	if (val == 0 && (*e == 'x' || *e == 'X')) {
		/* Hex; a suffix is still taken (QEMU 7.2 only warns). */
		errno = 0;
		val = strtoull(s, &end, 16);
		e = end;
		if (errno == ERANGE)
			return *e ? -EINVAL : -ERANGE;
	} else if (*e == '.') {
		e = size_fraction(e, &frac);
		if (!e)
			return -EINVAL;
	}
	shift = suffix_shift(*e);
	if (*e && shift != 99)
		e++;
	else
		shift = suffix_shift(default_suffix);
	if (*e || (!shift && frac))
		return -EINVAL;
	ret = scale_size(val, frac, shift, res);
	return ret;
}

/* strtoll()/strtoull() over the whole string, base 0. */
int qemu_strtoi64(const char *s, int64_t *res)
{
	char *e;
	long long v;

	errno = 0;
	v = strtoll(s, &e, 0);
	if (e == s || *e)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*res = v;
	return 0;
}

int qemu_strtou64(const char *s, uint64_t *res)
{
	char *e;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &e, 0);
	if (e == s || *e)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*res = v;
	return 0;
}

void size_to_human_string(uint64_t bytes, char *buf, size_t len)
{
	static const char letters[] = "BKMGTPE";
	unsigned int exp = 0;
	unsigned long long dec, frac;

	while (exp < 60 && bytes >= 1ULL << (exp + 10))
		exp += 10;
	dec = exp ? bytes >> exp : bytes;
	frac = exp ? bytes & ((1ULL << exp) - 1) : 0;
	if (frac) {
		/* Three digits after the point, rounded to one. */
		frac = frac >= UINT64_MAX / 1000 ? ((frac / 1024) * 1000) >> (exp - 10)
						 : (frac * 1000) >> exp;
		frac = ((frac + 50) / 100) * 10;
		if (frac == 100) {
			dec++;
			frac = 0;
		}
	}
	if (frac)
		snprintf(buf, len, "%llu.%llu%c", dec, frac / 10, letters[exp / 10]);
	else
		snprintf(buf, len, "%llu%c", dec, letters[exp / 10]);
}
