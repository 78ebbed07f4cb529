/* bucket.c - bucketing, algorithm 1; see bucket.h. */
#include "bucket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

/* Inputs up to this size are hashed in one call from a stack copy; longer
 * ones through a streaming state (also on the stack). */
#define ONE_SHOT_MAX 256

uint64_t rsl__bucket_hash(const char *salt, size_t salt_len, const char *value,
			  size_t value_len)
{
	static const char sep = 0;
	if (salt_len + 1 + value_len <= ONE_SHOT_MAX) {
		char buf[ONE_SHOT_MAX];
		memcpy(buf, salt, salt_len);
		buf[salt_len] = 0;
		if (value_len)
			memcpy(buf + salt_len + 1, value, value_len);
		return XXH3_64bits(buf, salt_len + 1 + value_len);
	}
	XXH3_state_t st;
	XXH3_INITSTATE(&st);
	XXH3_64bits_reset(&st);
	XXH3_64bits_update(&st, salt, salt_len);
	XXH3_64bits_update(&st, &sep, 1);
	XXH3_64bits_update(&st, value, value_len);
	return XXH3_64bits_digest(&st);
}

uint32_t rsl__bucket(const char *salt, size_t salt_len, const char *value,
		     size_t value_len)
{
	uint64_t h = rsl__bucket_hash(salt, salt_len, value, value_len);
	/* floor(h * B / 2^64) from 32-bit halves, exactly: no 128-bit type
	 * needed and no modulo bias. */
	uint64_t hi = h >> 32, lo = h & 0xffffffffu;
	uint64_t mid = hi * RSL_BUCKETS + ((lo * RSL_BUCKETS) >> 32);
	return (uint32_t)(mid >> 32);
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
