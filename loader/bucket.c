/* bucket.c - bucketing, algorithm 1; see bucket.h and docs/ruleset.md. */
#include "bucket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

uint64_t rsl__bucket_seed(const char *salt, size_t salt_len)
{
	return XXH3_64bits(salt, salt_len);
}

uint64_t rsl__bucket_hash_seeded(uint64_t seed, const char *value,
				 size_t value_len)
{
	return XXH3_64bits_withSeed(value, value_len, seed);
}

uint64_t rsl__bucket_hash(const char *salt, size_t salt_len, const char *value,
			  size_t value_len)
{
	return rsl__bucket_hash_seeded(rsl__bucket_seed(salt, salt_len), value,
				       value_len);
}

uint32_t rsl__bucket(const char *salt, size_t salt_len, const char *value,
		     size_t value_len)
{
	return rsl__bucket_of(rsl__bucket_hash(salt, salt_len, value, value_len));
}

int rsl__format_number(char out[RSL__NUMBUF], double n)
{
	if (n != n || n - n != 0)
		return -1;
	if (n > -9223372036854775808.0 && n < 9223372036854775808.0 &&
	    n == (double)(int64_t)n) {
		int64_t v = (int64_t)n;
		uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
		char tmp[24];
		int k = 0, len = 0;
		do {
			tmp[k++] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (v < 0)
			out[len++] = '-';
		while (k)
			out[len++] = tmp[--k];
		out[len] = 0;
		return len;
	}
	/* The shortest precision that reads back exactly.  printf and strtod
	 * agree in any one locale, whatever its decimal point; the text is then
	 * rebuilt from the digits and the exponent alone, as "%.{P}g" writes
	 * it in the C locale, so that no locale changes a bucket. */
	char e[64];
	int prec = 1;
	for (; prec < 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec - 1, n);
		if (strtod(e, NULL) == n)
			break;
	}
	snprintf(e, sizeof e, "%.*e", prec - 1, n);
	char dig[24];
	int nd = 0, x = 0, neg = 0;
	const char *p = e;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; *p && *p != 'e' && *p != 'E'; p++)
		if (*p >= '0' && *p <= '9' && nd < (int)sizeof dig)
			dig[nd++] = *p;
	if (*p) {
		int xneg = *++p == '-';
		if (*p == '-' || *p == '+')
			p++;
		for (; *p >= '0' && *p <= '9'; p++)
			x = x * 10 + (*p - '0');
		if (xneg)
			x = -x;
	}
	while (nd > 1 && dig[nd - 1] == '0')
		nd--; /* %g drops trailing zeros */
	int len = 0;
	if (neg)
		out[len++] = '-';
	if (x >= -4 && x < prec) {
		if (x < 0) {
			out[len++] = '0';
			out[len++] = '.';
			for (int i = -1; i > x; i--)
				out[len++] = '0';
			for (int i = 0; i < nd; i++)
				out[len++] = dig[i];
		} else {
			for (int i = 0; i <= x; i++)
				out[len++] = i < nd ? dig[i] : '0';
			if (nd > x + 1) {
				out[len++] = '.';
				for (int i = x + 1; i < nd; i++)
					out[len++] = dig[i];
			}
		}
	} else {
		out[len++] = dig[0];
		if (nd > 1) {
			out[len++] = '.';
			for (int i = 1; i < nd; i++)
				out[len++] = dig[i];
		}
		out[len++] = 'e';
		out[len++] = x < 0 ? '-' : '+';
		int ax = x < 0 ? -x : x;
		char xd[8];
		int k = 0;
		do {
			xd[k++] = (char)('0' + ax % 10);
			ax /= 10;
		} while (ax);
		if (k < 2)
			xd[k++] = '0';
		while (k)
			out[len++] = xd[--k];
	}
	out[len] = 0;
	return len;
}
