/*
 * bucket.h - bucketing, algorithm 1 (docs/ruleset.md, "Bucketing"):
 * XXH3-64 over salt || 0x00 || value, mapped to RSL_BUCKETS buckets by the
 * high half of a 128-bit product.  Internal to librsl.
 */
#ifndef RSL_BUCKET_H
#define RSL_BUCKET_H

#include <stddef.h>
#include <stdint.h>

#include "snap.h"

/* Longest text rsl__format_number writes, with its NUL. */
#define RSL__NUMBUF 32

/* The bucket (0 .. RSL_BUCKETS-1) of value under salt.  No allocation. */
uint32_t rsl__bucket(const char *salt, size_t salt_len, const char *value,
		     size_t value_len);

/* The XXH3-64 hash the bucket is taken from (for explain and tests). */
uint64_t rsl__bucket_hash(const char *salt, size_t salt_len, const char *value,
			  size_t value_len);

/*
 * The bucketing text of a number: an integral value of magnitude below
 * 2^63 as plain decimal digits ("42", "-7", "0" for -0); any other finite
 * value as the shortest "%.{1..17}g" that reads back exactly, with '.' as
 * the decimal point ("0.5", "1e+300").  Writes at most RSL__NUMBUF bytes
 * with the NUL; returns the length, or -1 for NaN and infinities (which
 * cannot be bucketed).
 */
int rsl__format_number(char out[RSL__NUMBUF], double n);

/* The variant index a split serves for bucket b. */
static inline uint32_t rsl__split_pick(const rsl__split *s, uint32_t b)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (b < s->upper[i])
			return s->variant[i];
	return s->variant[s->n - 1]; /* unreachable: upper[n-1] == RSL_BUCKETS */
}

#endif
