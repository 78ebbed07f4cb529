/*
 * match.h - conditions (docs/ruleset.md, "Conditions" and "Semantics,
 * exactly"): attribute look-up, the operators, the combinators and
 * segments.  Internal to librsl; no allocation, no I/O.
 */
#ifndef RSL_MATCH_H
#define RSL_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "snap.h"

/* A context attribute as a test sees it (one of rsl_attr_type). */
typedef struct rsl__aval {
	rsl_attr_type type;
	const char *s;            /* STRING */
	double n;                 /* NUMBER */
	int b;                    /* BOOL */
	const char *const *list;  /* LIST */
	size_t len;
} rsl__aval;

/* Finds the attribute a test or a split reads: targeting_key, tenant_key,
 * or the first context attribute named name.  Returns 1 and fills *out when
 * present, 0 when missing. */
int rsl__lookup(rsl__aval *out, const rsl_context *ctx, uint8_t attr_kind,
		const rsl__str *name);

/* Whether condition c matches ctx (1) or not (0); ctx may be NULL.  The
 * tree's depth was bounded at open. */
int rsl__match(const rsl_snapshot *snap, const rsl__cond *c,
	       const rsl_context *ctx);

/* Whether attribute test c (an operator 1..19 other than exists) matches
 * the present value v. */
int rsl__match_value(const rsl__cond *c, const rsl__aval *v);

/* Whether one string matches c's operator as a positive test: for ne and
 * not_in, whether eq / in matches.  For explain. */
int rsl__match_string(const rsl__cond *c, const char *s);

/*
 * Parses an RFC 3339 date-time s[0..len) ("2026-12-01T09:00:00Z",
 * "...T10:00:00.25+01:00"; 'T' may be 't' or a space, 'Z' may be 'z')
 * into seconds since the epoch, *frac set when the fraction is non-zero.
 * Returns 0, or -1 when s is not such a time.
 */
int rsl__parse_rfc3339(int64_t *sec, int *frac, const char *s, size_t len);

#endif
