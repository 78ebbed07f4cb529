/*
 * canon.h - a checker for RFC 8949 §4.2.1 deterministic CBOR that walks the
 * raw bytes, written independently of compiler/encode.c: shortest heads,
 * definite lengths, map keys in strictly increasing bytewise order (so no
 * duplicates), floats in their shortest exact width, no tags (except where the
 * caller allows one at the top), no simple values but true and false.
 * Header-only (static functions) for check_encode.c and check_compile.c.
 */
#ifndef RSC_TEST_CANON_H
#define RSC_TEST_CANON_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double canon_half_value(unsigned h)
{
	unsigned e = (h >> 10) & 0x1f, m = h & 0x3ff;
	double v = e == 0 ? ldexp((double)m, -24) : ldexp((double)(m | 0x400), (int)e - 25);
	return (h & 0x8000) ? -v : v;
}

/* Whether some finite binary16 equals v: by brute force over all of them. */
static int canon_is_half(double v)
{
	for (unsigned h = 0; h < 0x10000; h++)
		if (((h >> 10) & 0x1f) != 0x1f && canon_half_value(h) == v)
			return 1;
	return 0;
}

typedef struct canon {
	const unsigned char *p;
	size_t len, pos;
	char err[160];
} canon;

static int canon_fail(canon *c, const char *what)
{
	if (!c->err[0])
		snprintf(c->err, sizeof c->err, "at byte %zu: %s", c->pos, what);
	return -1;
}

/* Reads a head; *arg gets the argument.  Checks the shortest form. */
static int canon_head(canon *c, unsigned *major, unsigned *ai, uint64_t *arg)
{
	if (c->pos >= c->len)
		return canon_fail(c, "truncated");
	unsigned b = c->p[c->pos];
	*major = b >> 5;
	*ai = b & 31;
	if (*ai < 24) {
		*arg = *ai;
		c->pos++;
		return 0;
	}
	if (*ai > 27)
		return canon_fail(c, *ai == 31 ? "indefinite length" : "reserved head");
	size_t n = (size_t)1 << (*ai - 24);
	if (c->len - c->pos - 1 < n)
		return canon_fail(c, "truncated head");
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | c->p[c->pos + 1 + i];
	if (*major != 7) {
		static const uint64_t min[4] = { 24, 0x100, 0x10000, 0x100000000u };
		if (v < min[*ai - 24])
			return canon_fail(c, "a head that is not the shortest");
	}
	*arg = v;
	c->pos += 1 + n;
	return 0;
}

static int canon_item(canon *c, int depth, int tag_ok)
{
	unsigned major = 0, ai = 0;
	uint64_t arg = 0;
	size_t start = c->pos;
	if (depth > 64)
		return canon_fail(c, "nested too deep");
	if (canon_head(c, &major, &ai, &arg) < 0)
		return -1;
	switch (major) {
	case 0:
	case 1:
		return 0;
	case 2:
	case 3:
		if (arg > c->len - c->pos)
			return canon_fail(c, "truncated string");
		c->pos += (size_t)arg;
		return 0;
	case 4:
		for (uint64_t i = 0; i < arg; i++)
			if (canon_item(c, depth + 1, 0) < 0)
				return -1;
		return 0;
	case 5: {
		size_t pk = 0, pklen = 0;
		for (uint64_t i = 0; i < arg; i++) {
			size_t k = c->pos;
			if (canon_item(c, depth + 1, 0) < 0)
				return -1;
			size_t klen = c->pos - k;
			if (i > 0) {
				size_t n = klen < pklen ? klen : pklen;
				int cmp = memcmp(c->p + pk, c->p + k, n);
				if (cmp > 0 || (cmp == 0 && pklen >= klen)) {
					c->pos = k;
					return canon_fail(c, cmp == 0 && pklen == klen
						? "a duplicate map key" : "map keys out of order");
				}
			}
			pk = k;
			pklen = klen;
			if (canon_item(c, depth + 1, 0) < 0)
				return -1;
		}
		return 0;
	}
	case 6:
		if (!tag_ok) {
			c->pos = start;
			return canon_fail(c, "a tag");
		}
		return canon_item(c, depth + 1, 0);
	default:
		if (ai == 20 || ai == 21)
			return 0;
		if (ai == 25) {
			if (((arg >> 10) & 0x1f) == 0x1f)
				return canon_fail(c, "a half that is not finite");
			return 0;
		}
		if (ai == 26) {
			uint32_t u = (uint32_t)arg;
			float f;
			memcpy(&f, &u, sizeof f);
			if (canon_is_half((double)f)) {
				c->pos = start;
				return canon_fail(c, "a single that fits a half");
			}
			return 0;
		}
		if (ai == 27) {
			double d;
			memcpy(&d, &arg, sizeof d);
			if ((double)(float)d == d) {
				c->pos = start;
				return canon_fail(c, "a double that fits a single");
			}
			return 0;
		}
		c->pos = start;
		return canon_fail(c, "a simple value other than true/false");
	}
}

/* NULL when p[0..len) is exactly one deterministic item; else why (static
 * storage: valid until the next call). */
static const char *canon_check(const void *p, size_t len, int top_tag_ok)
{
	static canon c;
	memset(&c, 0, sizeof c);
	c.p = p;
	c.len = len;
	if (canon_item(&c, 0, top_tag_ok) < 0)
		return c.err;
	if (c.pos != len) {
		canon_fail(&c, "bytes after the item");
		return c.err;
	}
	return NULL;
}

#endif
