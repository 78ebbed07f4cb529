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
	int len = 0;
	for (int prec = 1; prec <= 17; prec++) {
		len = snprintf(out, RSL__NUMBUF, "%.*g", prec, n);
		if (strtod(out, NULL) == n)
			break;
	}
	/* A locale may write ',' for the point; the text must not depend on it. */
	for (int i = 0; i < len; i++)
		if (out[i] != '-' && out[i] != '+' && out[i] != 'e' &&
		    (out[i] < '0' || out[i] > '9'))
			out[i] = '.';
	return len;
}
