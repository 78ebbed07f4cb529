/*
 * match.h - conditions (docs/ruleset.md, "Conditions" and "Semantics,
 * exactly"): attribute look-up, the operators, the combinators and
 * segments.  Internal to librsl; no allocation, no I/O.
 */
#ifndef RSL_MATCH_H
#define RSL_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "rfc3339.h" /* rsl__parse_rfc3339, for the time operators */
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

/* The first context attribute named name, or NULL.  Attribute names were
 * checked non-NULL and non-empty before matching began, and name->p has no
 * NUL inside, so the comparison stops at a shorter a->name's end.  Inline:
 * it is on every attribute test's path. */
static inline const rsl_attr *rsl__find_attr(const rsl_context *ctx,
					     const rsl__str *name)
{
	const char *p = name->p;
	for (size_t i = 0; i < ctx->nattrs; i++) {
		const char *q = ctx->attrs[i].name;
		if (q[0] != p[0])
			continue; /* most names differ at once */
		size_t k = 1;
		while (k < name->len && q[k] == p[k])
			k++;
		if (k == name->len && q[k] == 0)
			return &ctx->attrs[i];
	}
	return NULL;
}

/* Finds the attribute a test or a split reads: targeting_key, tenant_key,
 * or the first context attribute named name.  Returns 1 and fills *out when
 * present, 0 when missing. */
int rsl__lookup(rsl__aval *out, const rsl_context *ctx, uint8_t attr_kind,
		const rsl__str *name);

/* The filter bits of an `in` / `not_in` list (rsl__cond.filter): for each
 * string operand, one of 64 bits chosen by its length and its first and last
 * bytes (ASCII letters folded when ci), so that most values that equal no
 * operand are rejected without a scan.  Never 0 when the list has a string;
 * 0 (scan) when it has none.  Computed once, at open. */
uint64_t rsl__list_filter(const rsl__val *list, uint32_t n, int ci);

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

#endif
