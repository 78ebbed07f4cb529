/*
 * bucket.h - bucketing, algorithm 1 (docs/ruleset.md, "Bucketing"):
 * seed = XXH3-64 of the salt, h = XXH3-64 of the value with that seed,
 * mapped to RSL_BUCKETS buckets by the high half of a 128-bit product.
 * The seed is computed once per flag at open (rsl__flag.seed), so that
 * evaluation hashes only the value, in place.  Internal to librsl.
 */
#ifndef RSL_BUCKET_H
#define RSL_BUCKET_H

#include <stddef.h>
#include <stdint.h>

#include "snap.h"

/* Longest text rsl__format_number writes, with its NUL. */
#define RSL__NUMBUF 32

/* The seed of a flag's salt: XXH3_64bits(salt) (seed 0). */
uint64_t rsl__bucket_seed(const char *salt, size_t salt_len);

/* The hash a bucket is taken from: XXH3_64bits_withSeed(value, seed). */
uint64_t rsl__bucket_hash_seeded(uint64_t seed, const char *value,
				 size_t value_len);

/* The bucket (0 .. RSL_BUCKETS-1) of a hash: floor(h * B / 2^64). */
static inline uint32_t rsl__bucket_of(uint64_t h)
{
	/* From 32-bit halves, exactly: no 128-bit type needed and no modulo
	 * bias. */
	uint64_t hi = h >> 32, lo = h & 0xffffffffu;
	uint64_t mid = hi * RSL_BUCKETS + ((lo * RSL_BUCKETS) >> 32);
	return (uint32_t)(mid >> 32);
}

/* The bucket of value under a flag's seed: the evaluation path. */
static inline uint32_t rsl__bucket_seeded(uint64_t seed, const char *value,
					  size_t value_len)
{
	return rsl__bucket_of(rsl__bucket_hash_seeded(seed, value, value_len));
}

/* The same from the salt itself (for explain and tests).  No allocation. */
uint32_t rsl__bucket(const char *salt, size_t salt_len, const char *value,
		     size_t value_len);
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
		if (b < RSL__AT(uint32_t, s->upper)[i])
			return RSL__AT(uint32_t, s->variant)[i];
	return RSL__AT(uint32_t, s->variant)[s->n - 1]; /* unreachable: upper[n-1] == RSL_BUCKETS */
}

#endif
