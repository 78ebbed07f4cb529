/*
 * snap.h - the in-memory form of an opened snapshot (internal to librsl).
 *
 * open.c builds it once, from a verified payload (decode.c), into one
 * allocation per snapshot; eval.c and explain.c only read it.  Every string
 * is NUL-terminated, with its length; every index has been checked against
 * its array at open, so evaluation trusts them without checks.
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

/*
 * The records below are the snapshot's image (docs/snapshot-format.md,
 * "The image"): format 2 carries them as they are, little-endian, and the
 * loader evaluates from the file's own bytes; a format 1 payload is decoded
 * into the same records (decode.c).  So they hold no pointers: a reference
 * is a signed 32-bit offset from the reference's own position (rsl__ref),
 * 0 for none, and every padding byte is explicit and zero.  validate.c
 * checks every reference, length and index once, at open; evaluation then
 * follows them without checks.  Never copy a record by value: a copy's
 * references point elsewhere.
 */
typedef struct rsl__ref {
	int32_t off; /* target - &this; 0: none */
} rsl__ref;

/* Where r points (r itself when r->off is 0: check first where "none" is
 * allowed, as rsl__when does). */
static inline __attribute__((always_inline)) const void *rsl__at(const rsl__ref *r)
{
	return (const char *)r + r->off;
}

/* Points r at p (builders only: decode.c, the tests). */
static inline void rsl__ref_set(rsl__ref *r, const void *p)
{
	r->off = p ? (int32_t)((const char *)p - (const char *)r) : 0;
}

/* The record array or item a reference field points to, typed. */
#define RSL__AT(type, ref) ((const type *)rsl__at(&(ref)))

typedef struct rsl__str {
	rsl__ref p;   /* len bytes, then a NUL */
	uint32_t len;
} rsl__str;

/* The bytes of a string record, NUL-terminated. */
#define RSL__S(str) ((const char *)rsl__at(&(str).p))

/* A typed scalar: a variant's value or a condition's operand. */
typedef enum {
	RSL__V_BOOL,
	RSL__V_INT,    /* i, and f = (double)i */
	RSL__V_FLOAT,  /* f */
	RSL__V_STRING, /* s */
	RSL__V_JSON    /* s: an object variant's JSON text */
} rsl__vkind;

typedef struct rsl__val {
	uint8_t kind;  /* rsl__vkind */
	uint8_t b;
	uint8_t pad[6];
	int64_t i;
	double f;
	rsl__str s;
} rsl__val;

/* A string outside the image (a context's, a payload's): semver.h's. */
typedef struct rsl__cstr {
	const char *p;
	uint32_t len;
} rsl__cstr;

/* A parsed semantic version (SemVer 2.0.0, build metadata dropped). */
typedef struct rsl__semver {
	uint64_t major, minor, patch;
	rsl__cstr pre; /* prerelease text without '-', len 0 when none */
} rsl__semver;

/* A semantic version as the image holds it (semver.h parses into the
 * pointer form, rsl__semver). */
typedef struct rsl__isemver {
	uint64_t major, minor, patch;
	rsl__str pre; /* prerelease text without '-', len 0 when none */
} rsl__isemver;

/* Which field of the context an attribute test reads. */
enum { RSL__ATTR_NAMED = 0, RSL__ATTR_TARGETING_KEY = 1, RSL__ATTR_TENANT_KEY = 2 };

/* The RSL__ATTR_* an attribute named s[0..n) reads. */
static inline uint8_t rsl__attr_kind(const char *s, size_t n)
{
	if (n == 13 && memcmp(s, "targeting_key", 13) == 0)
		return RSL__ATTR_TARGETING_KEY;
	if (n == 10 && memcmp(s, "tenant_key", 10) == 0)
		return RSL__ATTR_TENANT_KEY;
	return RSL__ATTR_NAMED;
}

typedef struct rsl__cond rsl__cond;
struct rsl__cond {
	uint8_t op;        /* enum rsl_cond_op */
	uint8_t ci;        /* case_insensitive */
	uint8_t attr_kind; /* RSL__ATTR_* */
	uint8_t pad0;
	uint32_t attr_hash;/* rsl__name_hash(attr): the look-up's */
	rsl__str attr;
	rsl__val value;    /* eq..ends_with, lt..gte, exists (BOOL), semver_*
			      (the text), before/after (i) */
	rsl__isemver semver;/* semver_* */
	uint64_t filter;   /* in, not_in: rsl__list_filter(list) (match.h); 0
			      means "scan the list" */
	rsl__ref list;     /* in, not_in: rsl__val[nlist] */
	uint32_t nlist;
	rsl__ref kids;     /* all, any, not: rsl__cond[nkids] */
	uint32_t nkids;
	uint32_t segment;  /* segment: index into the snapshot's segments */
	uint32_t attr_id;  /* eq..exists of a named attribute: the index of
			      attr in the image's attribute names
			      (rsl__image.attrs); else 0 */
};

/* One of the image's attribute names: every name its attribute tests read
 * (RSL__ATTR_NAMED), once each, sorted bytewise (a prefix first). */
typedef struct rsl__name {
	rsl__str s;
	uint32_t hash;     /* rsl__name_hash(s) */
	uint32_t pad;
} rsl__name;

/* No attribute number: found by name (rsl__names_find). */
#define RSL__NO_ID UINT32_MAX

typedef struct rsl__split {
	uint32_t n;
	rsl__ref variant;  /* uint32_t[n]: variant indexes */
	rsl__ref upper;    /* uint32_t[n]: cumulative weights: variant[i] owns
			      buckets [upper[i-1], upper[i]), upper[n-1] == 100000 */
} rsl__split;

typedef struct rsl__step {
	int64_t at;
	uint8_t kind;     /* RSL_SERVE_VARIANT or RSL_SERVE_SPLIT */
	uint8_t pad[3];
	uint32_t variant;
	rsl__split split;
	uint32_t pad1;
} rsl__step;

typedef struct rsl__serve {
	uint8_t kind;     /* enum rsl_serve_kind */
	uint8_t by_kind;  /* RSL__ATTR_* of the bucketing attribute */
	uint8_t pad[2];
	uint32_t by_hash; /* rsl__name_hash(by) */
	rsl__str by;
	uint32_t variant;
	rsl__split split;
	rsl__ref steps;   /* rsl__step[nsteps] */
	uint32_t nsteps;
} rsl__serve;

typedef struct rsl__rule {
	rsl__str name;
	uint32_t line;
	rsl__ref when;    /* rsl__cond, or none: everyone */
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
	uint64_t seed;      /* rsl__bucket_seed(salt) (bucket.h) */
	uint8_t type;       /* enum rsl_flag_type */
	uint8_t configured; /* has targeting in this environment */
	uint8_t enabled;
	uint8_t is_static;  /* no rules, no requires, default is a variant */
	uint32_t off;
	rsl__ref variants;  /* rsl__variant[nvariants] */
	uint32_t nvariants;
	rsl__str salt;
	rsl__str file;      /* definition file */
	rsl__str tfile;     /* targeting file; len 0 when not configured */
	uint32_t line;
	uint32_t default_line;
	rsl__ref requires;  /* rsl__req[nrequires] */
	uint32_t nrequires;
	rsl__ref rules;     /* rsl__rule[nrules] */
	uint32_t nrules;
	rsl__serve dflt;
} rsl__flag;

typedef struct rsl__segment {
	rsl__str key;
	rsl__ref when;      /* rsl__cond */
	uint32_t pad;
} rsl__segment;

/* An image's largest size: its references are 32-bit. */
#define RSL__IMAGE_MAX ((size_t)INT32_MAX)

/* The image's first record. */
#define RSL__IMAGE_MAGIC "RSLIMG01"
typedef struct rsl__image {
	char magic[8];       /* RSL__IMAGE_MAGIC, no NUL */
	uint32_t size;       /* bytes of the image, this header included */
	uint32_t nflags;
	uint32_t nsegments;
	uint32_t nslots;     /* a power of two, at least 2 * nflags */
	rsl__ref flags;      /* rsl__flag[nflags], sorted by key */
	rsl__ref segments;   /* rsl__segment[nsegments], sorted by key */
	rsl__ref slots;      /* uint32_t[nslots]: flag index + 1, 0 empty */
	char names[16];      /* "targeting_key", NUL-padded: the default
				bucketing attribute's and the empty string's
				bytes */
	uint32_t nattrs;
	rsl__ref attrs;      /* rsl__name[nattrs]: the attribute names */
	uint32_t pad;
} rsl__image;

/* A condition's `when`, or NULL (everyone). */
static inline __attribute__((always_inline)) const rsl__cond *rsl__when(const rsl__ref *r)
{
	return r->off ? (const rsl__cond *)rsl__at(r) : NULL;
}

struct rsl_snapshot {
	rsl_info info;
	const rsl__image *image;
	const rsl__flag *flags;      /* sorted by key */
	uint32_t nflags;
	const rsl__segment *segments;
	uint32_t nsegments;
	/* Open-addressing index: slots[h & mask] holds flag index + 1 (0 =
	 * empty), linear probing; at most half full. */
	const uint32_t *slots;
	uint64_t mask;
	/* The attribute names tests read (rsl_context_bind). */
	const rsl__name *attrs;
	uint32_t nattrs;
	/* A format 1 snapshot's image (the block decode.c filled; in format 2
	 * only its header is used; NULL when its caller placed it,
	 * rsl__decode_payload_into), and the metadata's strings (info): freed
	 * by rsl_close. */
	void *block;
	size_t block_size;
	void *meta;
	/* A format 2 snapshot's file: read into memory (region_mapped 0:
	 * freed) or mapped (unmapped) by rsl_close. */
	void *region;
	size_t region_size;
	int region_mapped;
	/* What it decides, apart from issued_at and expires_at (digest.h): a
	 * renewal has the same digest at the same version. */
	unsigned char rules_digest[32];
	/* Unique among the snapshots this process opened (rsl_flag_ref). */
	uint64_t serial;
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

/* a[0..w) equals b[0..w) and a[n-w..n) equals b[n-w..n), for w <= n <= 2w:
 * every byte of [0, n) compared, none outside it read (w a constant). */
static inline __attribute__((always_inline)) int
rsl__same_ends(const char *a, const char *b, size_t n, size_t w)
{
	uint64_t x = 0, y = 0;
	memcpy(&x, a, w);
	memcpy(&y, b, w);
	if (x != y)
		return 0; /* most unequal strings differ at once */
	memcpy(&x, a + n - w, w);
	memcpy(&y, b + n - w, w);
	return x == y;
}

/* a[0..n) equals b[0..n): eight bytes at a time, without a call (keys are
 * short; memcmp's call and dispatch cost more than the compare), and the
 * tail as two loads that overlap, never byte by byte. */
static inline __attribute__((always_inline)) int
rsl__same_bytes(const char *a, const char *b, size_t n)
{
	if (n >= 8) {
		for (; n > 8; a += 8, b += 8, n -= 8)
			if (!rsl__same_ends(a, b, 8, 8))
				return 0;
		return rsl__same_ends(a + n - 8, b + n - 8, 8, 8); /* the last 8 */
	}
	if (n >= 4)
		return rsl__same_ends(a, b, n, 4);
	if (n >= 2)
		return rsl__same_ends(a, b, n, 2);
	return n == 0 || a[0] == b[0];
}

/* The order of keys and attribute names in an image: bytewise, a prefix
 * before the longer string (<0, 0, >0). */
static inline int rsl__key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);
	return r ? r : an < bn ? -1 : an > bn ? 1 : 0;
}

/* The flag named key[0..len) whose rsl__key_hash is h, or NULL: the
 * index's probe (validate.c checks the index with it). */
static inline __attribute__((always_inline)) const rsl__flag *
rsl__find_hashed(const rsl_snapshot *snap, uint64_t h, const char *key, size_t len)
{
	for (uint64_t j = h & snap->mask;; j = (j + 1) & snap->mask) {
		uint32_t v = snap->slots[j];
		if (v == 0)
			return NULL;
		const rsl__flag *f = &snap->flags[v - 1];
		if (f->hash == h && f->key.len == len && rsl__same_bytes(RSL__S(f->key), key, len))
			return f;
	}
}

/* The flag named key[0..len), or NULL (also for a NULL snap or key).  O(1)
 * expected.  Inline because it is on every evaluation's path (eval.c). */
static inline __attribute__((always_inline)) const rsl__flag *
rsl__find_flag(const rsl_snapshot *snap, const char *key, size_t len)
{
	if (snap == NULL || key == NULL)
		return NULL;
	return rsl__find_hashed(snap, rsl__key_hash(key, len), key, len);
}

#endif
