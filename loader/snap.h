/*
 * snap.h - the in-memory form of an opened snapshot (internal to librsl).
 *
 * open.c builds it once, from a verified payload (decode.c), into one
 * allocation per snapshot; eval.c and explain.c only read it.  Every string
 * is a NUL-terminated copy with its length; every index has been checked
 * against its array at open, so evaluation trusts them without checks.
 */
#ifndef RSL_SNAP_H
#define RSL_SNAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The index hashes keys with XXH3-64.  A file that defines XXH_INLINE_ALL
 * before including this header (eval.c, open.c, decode.c) gets it inlined;
 * the others call libxxhash's. */
#include <xxhash.h>

#include "rsl.h"
#include "rsl_format.h"

typedef struct rsl__str {
	const char *p; /* NUL-terminated */
	uint32_t len;
} rsl__str;

/* A typed scalar: a variant's value or a condition's operand. */
typedef enum {
	RSL__V_BOOL,
	RSL__V_INT,    /* i, and f = (double)i */
	RSL__V_FLOAT,  /* f */
	RSL__V_STRING, /* s */
	RSL__V_JSON    /* s: an object variant's JSON text */
} rsl__vkind;

typedef struct rsl__val {
	rsl__vkind kind;
	int b;
	int64_t i;
	double f;
	rsl__str s;
} rsl__val;

/* A parsed semantic version (SemVer 2.0.0, build metadata dropped). */
typedef struct rsl__semver {
	uint64_t major, minor, patch;
	rsl__str pre; /* prerelease text without '-', len 0 when none */
} rsl__semver;

/* Which field of the context an attribute test reads. */
enum { RSL__ATTR_NAMED = 0, RSL__ATTR_TARGETING_KEY = 1, RSL__ATTR_TENANT_KEY = 2 };

typedef struct rsl__cond rsl__cond;
struct rsl__cond {
	uint8_t op;        /* enum rsl_cond_op */
	uint8_t ci;        /* case_insensitive */
	uint8_t attr_kind; /* RSL__ATTR_* */
	uint32_t attr_hash;/* rsl__name_hash(attr), set at open: the look-up's */
	rsl__str attr;
	rsl__val value;    /* eq..ends_with, lt..gte, exists (BOOL) */
	rsl__semver semver;/* semver_* */
	int64_t time;      /* before, after */
	const rsl__val *list; /* in, not_in */
	uint32_t nlist;
	uint64_t filter;   /* in, not_in: rsl__list_filter(list) (match.h), set
	                      at open; 0 means "scan the list" */
	const rsl__cond *kids; /* all, any, not: kids[0..nkids) */
	uint32_t nkids;
	uint32_t segment;  /* segment: index into snap->segments */
};

typedef struct rsl__split {
	uint32_t n;
	const uint32_t *variant;  /* variant indexes */
	const uint32_t *upper;    /* cumulative weights: variant[i] owns buckets
	                             [upper[i-1], upper[i]), upper[n-1] == 100000 */
} rsl__split;

typedef struct rsl__step {
	int64_t at;
	uint8_t kind;     /* RSL_SERVE_VARIANT or RSL_SERVE_SPLIT */
	uint32_t variant;
	rsl__split split;
} rsl__step;

typedef struct rsl__serve {
	uint8_t kind;     /* enum rsl_serve_kind */
	uint8_t by_kind;  /* RSL__ATTR_* of the bucketing attribute */
	uint32_t by_hash; /* rsl__name_hash(by), set at open */
	rsl__str by;
	uint32_t variant;
	rsl__split split;
	const rsl__step *steps;
	uint32_t nsteps;
} rsl__serve;

typedef struct rsl__rule {
	rsl__str name;
	uint32_t line;
	const rsl__cond *when; /* NULL: everyone */
	rsl__serve serve;
} rsl__rule;

typedef struct rsl__req {
	uint32_t flag;
	uint32_t variant;
} rsl__req;

typedef struct rsl__variant {
	rsl__str name;
	rsl__val value;
} rsl__variant;

typedef struct rsl__flag {
	rsl__str key;
	uint64_t hash;      /* XXH3-64 of the key, for the index */
	uint8_t type;       /* enum rsl_flag_type */
	uint8_t configured; /* has targeting in this environment */
	uint8_t enabled;
	uint8_t is_static;  /* no rules, no requires, default is a variant */
	const rsl__variant *variants;
	uint32_t nvariants;
	uint32_t off;
	rsl__str salt;
	uint64_t seed;      /* rsl__bucket_seed(salt) (bucket.h), set at open */
	rsl__str file;      /* definition file */
	uint32_t line;
	rsl__str tfile;     /* targeting file; len 0 when not configured */
	const rsl__req *requires;
	uint32_t nrequires;
	const rsl__rule *rules;
	uint32_t nrules;
	rsl__serve dflt;
	uint32_t default_line;
} rsl__flag;

typedef struct rsl__segment {
	rsl__str key;
	const rsl__cond *when;
} rsl__segment;

struct rsl_snapshot {
	rsl_info info;
	const rsl__flag *flags;      /* sorted by key */
	uint32_t nflags;
	const rsl__segment *segments;
	uint32_t nsegments;
	/* Open-addressing index: slots[h & mask] holds flag index + 1 (0 =
	 * empty), linear probing; at most half full. */
	const uint32_t *slots;
	uint64_t mask;
	/* Everything above lives in this block (freed by rsl_close). */
	void *block;
	size_t block_size;
	/* What it decides, apart from issued_at and expires_at (digest.h): a
	 * renewal has the same digest at the same version. */
	unsigned char rules_digest[32];
};

/* The index's hash of key[0..len): rsl__flag.hash, set at open (decode.c). */
static inline __attribute__((always_inline)) uint64_t
rsl__key_hash(const char *key, size_t len)
{
	return XXH3_64bits(key, len);
}

/* The hash an attribute name is looked up by among the context's (match.h,
 * rsl__names): rsl__cond.attr_hash and rsl__serve.by_hash, set at open. */
static inline __attribute__((always_inline)) uint32_t
rsl__name_hash(const char *name, size_t len)
{
	return (uint32_t)XXH3_64bits(name, len);
}

/* a[0..n) equals b[0..n): eight bytes at a time, without a call (keys are
 * short; memcmp's call and dispatch cost more than the compare). */
static inline __attribute__((always_inline)) int
rsl__same_bytes(const char *a, const char *b, size_t n)
{
	for (; n >= 8; a += 8, b += 8, n -= 8) {
		uint64_t x, y;
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
	}
	while (n--)
		if (*a++ != *b++)
			return 0;
	return 1;
}

/* The flag named key[0..len), or NULL (also for a NULL snap or key).  O(1)
 * expected.  Inline because it is on every evaluation's path (eval.c). */
static inline __attribute__((always_inline)) const rsl__flag *
rsl__find_flag(const rsl_snapshot *snap, const char *key, size_t len)
{
	if (snap == NULL || key == NULL)
		return NULL;
	uint64_t h = rsl__key_hash(key, len);
	for (uint64_t j = h & snap->mask;; j = (j + 1) & snap->mask) {
		uint32_t v = snap->slots[j];
		if (v == 0)
			return NULL;
		const rsl__flag *f = &snap->flags[v - 1];
		if (f->hash == h && f->key.len == len && rsl__same_bytes(f->key.p, key, len))
			return f;
	}
}

#endif
