/*
 * rsl_format.h - constants of the snapshot format and the ruleset language,
 * shared by the writer (rsc) and the reader (librsl).  Internal: not
 * installed.  Changing any number here changes the format: bump
 * RSL_FORMAT_VERSION and update docs/snapshot-format.md.
 */
#ifndef RSL_FORMAT_H
#define RSL_FORMAT_H

#include <stdint.h>

#include "rsl.h" /* RSL_MAX_CONTEXT_STRING */

/* Flag types. */
enum rsl_flag_type {
	RSL_TYPE_BOOLEAN = 0,
	RSL_TYPE_STRING = 1,
	RSL_TYPE_INTEGER = 2,
	RSL_TYPE_FLOAT = 3,
	RSL_TYPE_OBJECT = 4
};

/* Condition kinds: attribute operators first, then combinators. */
enum rsl_cond_op {
	RSL_OP_EQ = 1,
	RSL_OP_NE = 2,
	RSL_OP_IN = 3,
	RSL_OP_NOT_IN = 4,
	RSL_OP_CONTAINS = 5,
	RSL_OP_STARTS_WITH = 6,
	RSL_OP_ENDS_WITH = 7,
	RSL_OP_LT = 8,
	RSL_OP_LTE = 9,
	RSL_OP_GT = 10,
	RSL_OP_GTE = 11,
	RSL_OP_SEMVER_EQ = 12,
	RSL_OP_SEMVER_LT = 13,
	RSL_OP_SEMVER_LTE = 14,
	RSL_OP_SEMVER_GT = 15,
	RSL_OP_SEMVER_GTE = 16,
	RSL_OP_BEFORE = 17,
	RSL_OP_AFTER = 18,
	RSL_OP_EXISTS = 19,
	RSL_OP_ALL = 32,
	RSL_OP_ANY = 33,
	RSL_OP_NOT = 34,
	RSL_OP_SEGMENT = 35
};

/* What a rule or default serves. */
enum rsl_serve_kind {
	RSL_SERVE_VARIANT = 0,
	RSL_SERVE_SPLIT = 1,
	RSL_SERVE_SCHEDULE = 2
};

/* Language limits, enforced by rsc and re-checked by librsl. */
#define RSL_KEY_MAX 64          /* identifier length */
#define RSL_MAX_VARIANTS 64
#define RSL_MAX_LIST 1000       /* operands of in / not_in */
#define RSL_MAX_CHILDREN 64     /* items of all / any */
#define RSL_MAX_COND_DEPTH 16
#define RSL_MAX_STEPS 32        /* schedule steps */
#define RSL_MAX_RULES 1000
/* Bounds on what one evaluation may do, so that a signed but hostile
 * snapshot cannot make it recurse or loop for long.  Condition depth counts
 * an attribute test as one level, each combinator as one more, and a segment
 * reference as one level above its segment's condition.
 *
 * The cost of evaluating a flag, in units of about one simple condition
 * test, is the worst case over all snapshots' contexts that the library
 * accepts (rsl.h, RSL_MAX_CONTEXT_*; docs/snapshot-format.md, "Limits a
 * loader enforces"):
 *   cost(condition) = 1, plus the costs of its kids (all, any, not), plus the
 *                     cost of the segment's condition (segment), plus, for an
 *                     attribute test, rsl_test_cost below: what it reads of
 *                     its operand and of the attribute;
 *   cost(flag)      = 1 (the flag and its default), plus, for each rule,
 *                     1 + cost(its `when`), plus cost(p) for each prerequisite
 *                     p (each is evaluated in full, once per requiring flag).
 * A flag over RSL_MAX_FLAG_COST is refused by rsc and by rsl_open: at this
 * budget one evaluation takes well under a millisecond, whatever the context
 * (docs/benchmarks.md, "Worst case"). */
/* The unit is about 50 ns (20,000 of them in a millisecond), measured on
 * the worst contexts of docs/benchmarks.md: at most about 250 instructions
 * (callgrind) on every kind of test, once attribute look-up was by hash.  An operand byte is compared
 * against each item of a list attribute (RSL_MAX_CONTEXT_LIST of them):
 * one unit per RSL_COST_OPERAND_BYTES bytes; contains reads its operand
 * several times over to factorise it: one per RSL_COST_SEARCH_BYTES. */
#define RSL_COST_OPERAND_BYTES 8u
#define RSL_COST_OPERAND_BYTES_CI 1u /* folded byte by byte */
#define RSL_COST_SEARCH_BYTES 4u
/* Measuring the attribute (in, not_in: strlen of each item). */
#define RSL_COST_MEASURE ((unsigned)RSL_MAX_CONTEXT_STRING / 1024u)
/* Reading it to its end byte by byte (ends_with, on each item of a list):
 * at most RSL_MAX_CONTEXT_STRING bytes. */
#define RSL_COST_READ ((unsigned)RSL_MAX_CONTEXT_STRING / 32u)
/* Parsing it (a SemVer or RFC 3339 time, up to RSL_MAX_CONTEXT_STRING
 * bytes: identifiers, digits of a fraction): about 16-21 instructions a
 * byte (callgrind), 512 units. */
#define RSL_COST_PARSE ((unsigned)RSL_MAX_CONTEXT_STRING / 8u)
/* Searching it (contains, linear: loader/search.c): a short operand
 * against 4,096 bytes that nearly match everywhere is the slowest test per
 * unit (about 23 us case-insensitive, on the machine of
 * docs/benchmarks.md), 1,024 units; the operand's factorisation one unit
 * per RSL_COST_SEARCH_BYTES. */
#define RSL_COST_SEARCH ((unsigned)RSL_MAX_CONTEXT_STRING / 4u)

/* What an attribute test (op 1..18) costs beyond its 1: nlist operands for
 * in / not_in; ci when case_insensitive; operand_bytes the bytes of its
 * string operands (eq to ends_with; every operand of in / not_in).  The one copy of the rule, for
 * rsc's check.c and librsl's graph.c. */
static inline uint64_t rsl_test_cost(int op, int ci, uint64_t nlist,
				     uint64_t operand_bytes)
{
	uint64_t c = operand_bytes / (ci ? RSL_COST_OPERAND_BYTES_CI : RSL_COST_OPERAND_BYTES);
	switch (op) {
	case RSL_OP_IN:
	case RSL_OP_NOT_IN:
		return c + nlist + RSL_COST_MEASURE;
	case RSL_OP_CONTAINS:
		return operand_bytes / RSL_COST_SEARCH_BYTES + RSL_COST_SEARCH;
	case RSL_OP_ENDS_WITH:
		return c + RSL_COST_READ;
	case RSL_OP_SEMVER_EQ:
	case RSL_OP_SEMVER_LT:
	case RSL_OP_SEMVER_LTE:
	case RSL_OP_SEMVER_GT:
	case RSL_OP_SEMVER_GTE:
	case RSL_OP_BEFORE:
	case RSL_OP_AFTER:
		return RSL_COST_PARSE;
	default:
		return c;
	}
}

#define RSL_MAX_PREREQ_DEPTH 16      /* flags in a prerequisite chain */
#define RSL_MAX_FLAG_COST 20000u     /* cost(flag), as above */
#define RSL_MAX_SEGMENTS 1000000u    /* segments in one snapshot */
#define RSL_MAX_FLAGS 1000000u       /* flags in one snapshot */

/* Percentages are fixed point: 100 % = RSL_WEIGHT_TOTAL; one bucket each. */
#define RSL_WEIGHT_TOTAL 100000u
#define RSL_BUCKETS 100000u
#define RSL_BUCKETING_ALGORITHM 1 /* h = XXH3-64(value, seed XXH3-64(salt)); (h*B)>>64 */


/* The Body's map keys (docs/snapshot-format.md, "Body"): written by rsc's
 * encode.c, read by librsl's decode.c.  Text keys, sorted by the encoder
 * as canonical CBOR requires. */
#define RSL_K_ALIGN        "align"
#define RSL_K_AT           "at"
#define RSL_K_ATTR         "attr"
#define RSL_K_AUTHOR       "author"
#define RSL_K_BUCKETING    "bucketing"
#define RSL_K_BY           "by"
#define RSL_K_CI           "ci"
#define RSL_K_COMMIT       "commit"
#define RSL_K_COMMIT_TIME  "commit_time"
#define RSL_K_DEFAULT      "default"
#define RSL_K_DEFAULT_LINE "default_line"
#define RSL_K_DIGEST       "digest"
#define RSL_K_ENABLED      "enabled"
#define RSL_K_ENV          "env"
#define RSL_K_EXPIRES_AT   "expires_at"
#define RSL_K_FILE         "file"
#define RSL_K_FLAGS        "flags"
#define RSL_K_FORMAT       "format"
#define RSL_K_IMAGE        "image"
#define RSL_K_ISSUED_AT    "issued_at"
#define RSL_K_KEY          "key"
#define RSL_K_KIDS         "kids"
#define RSL_K_KIND         "kind"
#define RSL_K_LINE         "line"
#define RSL_K_NAME         "name"
#define RSL_K_OFF          "off"
#define RSL_K_OP           "op"
#define RSL_K_PATH         "path"
#define RSL_K_PROVENANCE   "provenance"
#define RSL_K_REPO         "repo"
#define RSL_K_REQUIRES     "requires"
#define RSL_K_RSC          "rsc"
#define RSL_K_RULES        "rules"
#define RSL_K_SALT         "salt"
#define RSL_K_SEGMENT      "segment"
#define RSL_K_SEGMENTS     "segments"
#define RSL_K_SERVE        "serve"
#define RSL_K_SPLIT        "split"
#define RSL_K_STEPS        "steps"
#define RSL_K_SUBJECT      "subject"
#define RSL_K_TARGETING    "targeting"
#define RSL_K_TYPE         "type"
#define RSL_K_VALUE        "value"
#define RSL_K_VALUES       "values"
#define RSL_K_VARIANT      "variant"
#define RSL_K_VARIANTS     "variants"
#define RSL_K_VERSION      "version"
#define RSL_K_WHEN         "when"

#endif
