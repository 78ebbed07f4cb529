/*
 * match.h - conditions (docs/ruleset.md, "Conditions" and "Semantics,
 * exactly"): attribute look-up, the operators, the combinators and
 * segments.  Internal to librsl; no allocation, no I/O.
 */
#ifndef RSL_MATCH_H
#define RSL_MATCH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* v is the attribute a, as a test sees it. */
static inline void rsl__aval_of(rsl__aval *v, const rsl_attr *a)
{
	v->type = a->type;
	v->s = a->s;
	v->n = a->n;
	v->b = a->b;
	v->list = a->list;
	v->len = a->len;
}

/* The first context attribute named name, or NULL, by scanning the
 * context's names.  Attribute names were checked non-NULL and non-empty
 * before matching began, and the name has no NUL inside, so the comparison
 * stops at a shorter a->name's end. */
static inline const rsl_attr *rsl__find_attr(const rsl_context *ctx,
					     const rsl__str *name)
{
	const char *p = RSL__S(*name);
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

/* Slots of the names table: twice RSL_MAX_CONTEXT_ATTRS, so at most half
 * full (a power of two). */
#define RSL__NAMES_SLOTS 128
/* Names one call compares by scanning before it builds the table: a flag of
 * a few tests against a small context never pays for hashing the context's
 * names; the most expensive flag (thousands of tests against 64 names)
 * scans four times, then finds each attribute in one or two probes. */
#define RSL__NAMES_SCAN 256

/*
 * The context of one call and its attribute names, found by hash (each
 * test's name hashed once, at open: rsl__cond.attr_hash), so that a test's
 * look-up does not grow with the context's attribute count.  One per call
 * (rsl_evaluate, rsl_explain), on the caller's stack: no allocation.  The
 * table is built lazily, the first time the names scanned by this call
 * reach RSL__NAMES_SCAN; until then, and for a context of more than
 * RSL_MAX_CONTEXT_ATTRS attributes, look-ups scan.  Same answer either way:
 * the first attribute of a name wins.  Set up by rsl__names_init; only
 * ctx, scanned and built are read before the table is built.
 */
typedef struct rsl__names {
	const rsl_context *ctx;  /* may be NULL: every attribute is missing */
	const rsl_prepared *prep;/* ctx's names' hashes and strings' lengths
				    (rsl_context_prepare), or NULL */
	uint32_t scanned;
	int built;
	int bound;               /* prep is bound to this call's snapshot
				    (rsl_context_bind): tests find their
				    attribute by number */
	uint8_t slot[RSL__NAMES_SLOTS];       /* attribute index + 1; 0 empty */
	uint32_t hash[RSL_MAX_CONTEXT_ATTRS]; /* rsl__name_hash of each name */
	uint8_t len[RSL_MAX_CONTEXT_ATTRS];   /* its length (at most RSL_KEY_MAX) */
} rsl__names;

static inline void rsl__names_init(rsl__names *nm, const rsl_context *ctx)
{
	nm->ctx = ctx;
	nm->prep = NULL;
	nm->scanned = 0;
	nm->built = 0;
	nm->bound = 0;
}

/* A prepared context of at most this many attributes is always scanned,
 * by hash: as few compares as the table's probes, without building it. */
#define RSL__PREPARED_SCAN 8

/* A prepared context's names, for an evaluation against snap: ctx's names
 * hashed, strings measured, and numbered when p is bound to snap. */
static inline void rsl__names_init_prepared(rsl__names *nm, const rsl_prepared *p,
					    const rsl_snapshot *snap)
{
	nm->ctx = p->ctx;
	nm->prep = p;
	nm->scanned = 0;
	nm->built = 0;
	nm->bound = p->serial != 0 && p->serial == snap->serial &&
		    p->nattrs <= RSL__PREPARED_SCAN;
}

/* The length of the targeting or tenant key s of nm's context, or SIZE_MAX
 * when not prepared. */
static inline size_t rsl__names_key_len(const rsl__names *nm, uint8_t attr_kind)
{
	if (nm->prep == NULL)
		return SIZE_MAX;
	return attr_kind == RSL__ATTR_TARGETING_KEY ? nm->prep->key_len : nm->prep->tenant_len;
}

/* Hashes the context's names into nm's table (rsl__names_find). */
void rsl__names_build(rsl__names *nm);


/* 1 when nm finds the attribute numbered id (among the snapshot's names) by
 * its number: a bound context (of at most RSL__PREPARED_SCAN attributes)
 * and a numbered name; then *at is the index + 1 of the context's first
 * attribute of that number, 0 for none.  0 when it must be found by name.
 * The numbers sit next to the context's other per-attribute fields, in the
 * cache line the evaluation reads anyway: a separate table by number took
 * fewer instructions but a second line per evaluation, which cost more
 * over many contexts than it saved (docs/benchmarks.md). */
static inline __attribute__((always_inline)) int
rsl__names_numbered(unsigned *at, const rsl__names *nm, uint32_t id)
{
	if (!nm->bound || id == RSL__NO_ID)
		return 0;
	const rsl_prepared *p = nm->prep;
	*at = 0;
	for (uint32_t i = 0; i < p->nattrs; i++)
		if (p->attr[i].id == id) {
			*at = i + 1;
			break;
		}
	return 1;
}

/* rsl__names_find when the attribute is not found by number: by its name
 * (whose rsl__name_hash is hash). */
static inline __attribute__((always_inline)) const rsl_attr *
rsl__names_by_name(size_t *len, rsl__names *nm, const rsl__str *name, uint32_t hash)
{
	const rsl_context *ctx = nm->ctx;
	const rsl_prepared *p = nm->prep;
	*len = SIZE_MAX;
	if (ctx == NULL)
		return NULL;
	if (name->len > RSL_KEY_MAX) {
		/* Not hashed, not in the table: no name in a snapshot is this long. */
		const rsl_attr *a = rsl__find_attr(ctx, name);
		if (a && p)
			*len = p->attr[a - ctx->attrs].len;
		return a;
	}
	if (p && (p->nattrs <= RSL__PREPARED_SCAN || (!nm->built && nm->scanned < RSL__NAMES_SCAN))) {
		if (p->nattrs > RSL__PREPARED_SCAN)
			nm->scanned += p->nattrs;
		for (uint32_t i = 0; i < p->nattrs; i++)
			if (p->attr[i].hash == hash && p->attr[i].name_len == name->len &&
			    rsl__same_bytes(ctx->attrs[i].name, RSL__S(*name), name->len)) {
				*len = p->attr[i].len;
				return &ctx->attrs[i];
			}
		return NULL;
	}
	if (!nm->built) {
		if (p == NULL && (nm->scanned < RSL__NAMES_SCAN || ctx->nattrs > RSL_MAX_CONTEXT_ATTRS)) {
			nm->scanned += (uint32_t)ctx->nattrs;
			return rsl__find_attr(ctx, name);
		}
		rsl__names_build(nm);
	}
	for (uint32_t j = hash;; j++) {
		unsigned v = nm->slot[j & (RSL__NAMES_SLOTS - 1)];
		if (v == 0)
			return NULL;
		v--;
		if (nm->hash[v] == hash && nm->len[v] == name->len &&
		    rsl__same_bytes(ctx->attrs[v].name, RSL__S(*name), name->len)) {
			if (p)
				*len = p->attr[v].len;
			return &ctx->attrs[v];
		}
	}
}

/*
 * The first context attribute named name (whose rsl__name_hash is hash, and
 * whose number among the snapshot's names is id, or RSL__NO_ID), or NULL;
 * *len is its string's length when the context was prepared, else SIZE_MAX
 * (measure it).  A bound context's attributes are found by number
 * (rsl__names_numbered); a prepared context's names are compared by hash,
 * their bytes only on a hit.
 * Inline: it is on every attribute test's path.
 */
static inline __attribute__((always_inline)) const rsl_attr *
rsl__names_find(size_t *len, rsl__names *nm, const rsl__str *name, uint32_t hash,
		uint32_t id)
{
	unsigned at;
	if (rsl__names_numbered(&at, nm, id)) {
		if (at == 0) {
			*len = SIZE_MAX;
			return NULL;
		}
		*len = nm->prep->attr[at - 1].len;
		const rsl_attr *a = &nm->ctx->attrs[at - 1];
		if (a == NULL) /* a bound context's attrs are not NULL: lets the */
			__builtin_unreachable(); /* caller's NULL check fold away */
		return a;
	}
	return rsl__names_by_name(len, nm, name, hash);
}

/* Finds the attribute a test or a split reads: targeting_key, tenant_key,
 * or the first context attribute named name (whose rsl__name_hash is
 * hash).  Returns 1 and fills *out when present, 0 when missing. */
int rsl__lookup(rsl__aval *out, rsl__names *nm, uint8_t attr_kind,
		const rsl__str *name, uint32_t hash, uint32_t id);

/* The filter bits of an `in` / `not_in` list (rsl__cond.filter): for each
 * string operand, one of 64 bits chosen by its length and its first and last
 * bytes (ASCII letters folded when ci), so that most values that equal no
 * operand are rejected without a scan.  Never 0 when the list has a string;
 * 0 (scan) when it has none.  Computed once, at open. */
uint64_t rsl__list_filter(const rsl__val *list, uint32_t n, int ci);

/* Whether one string matches c's operator as a positive test: for ne and
 * not_in, whether eq / in matches.  For explain. */
int rsl__match_string(const rsl__cond *c, const char *s);

/* Whether attribute test c (an operator 1..19 other than exists) matches
 * the present value v. */
int rsl__match_value(const rsl__cond *c, const rsl__aval *v);

/* One bit of a list filter (rsl__list_filter) for a string of length len
 * whose first and last bytes are given (0 and 0 for the empty string),
 * ASCII letters already folded when the list is case-insensitive. */
static inline __attribute__((always_inline)) uint64_t
rsl__sig_bit(size_t len, unsigned char first, unsigned char last)
{
	uint32_t h = (uint32_t)len * 0x9e3779b1u ^ (uint32_t)first * 0x85ebca77u ^
		     (uint32_t)last * 0xc2b2ae3du;
	return (uint64_t)1 << (h >> 26);
}

/* The NUL-terminated s equals t[0..n) byte for byte, reading at most
 * n + 1 bytes of s (the work is the operand's, not the attribute's). */
static inline __attribute__((always_inline)) int
rsl__cstr_eq(const char *s, const char *t, size_t n)
{
	if (n == 0 || s[0] != t[0])
		return n == 0 && s[0] == 0; /* most values differ at once */
	return strnlen(s, n + 1) == n && memcmp(s, t, n) == 0;
}

/* Whether s[0..len) equals one of the string operands v[0..end), w <= len
 * <= 2w: each operand of that length compared as two loads of width w that
 * overlap, the attribute's two loaded once. */
static inline __attribute__((always_inline)) int
rsl__in_words(const rsl__val *v, const rsl__val *end, const char *s, size_t len, size_t w)
{
	uint64_t x0 = 0, x1 = 0;
	memcpy(&x0, s, w);
	memcpy(&x1, s + len - w, w);
	for (; v < end; v++) {
		if (v->s.len != len || v->kind != RSL__V_STRING)
			continue;
		const char *t = RSL__S(v->s);
		uint64_t y0 = 0, y1 = 0;
		memcpy(&y0, t, w);
		memcpy(&y1, t + len - w, w);
		if (x0 == y0 && x1 == y1)
			return 1;
	}
	return 0;
}

/* Whether s[0..len) equals one of the string operands of the list v[0..n).
 * The width of the compare is chosen once for the list, not per operand. */
static inline __attribute__((always_inline)) int
rsl__in_list(const rsl__val *v, uint32_t n, const char *s, size_t len)
{
	const rsl__val *end = v + n;
	if (len >= 2 && len <= 16)
		return len >= 8 ? rsl__in_words(v, end, s, len, 8)
		       : len >= 4 ? rsl__in_words(v, end, s, len, 4)
				  : rsl__in_words(v, end, s, len, 2);
	for (; v < end; v++)
		if (v->s.len == len && v->kind == RSL__V_STRING &&
		    rsl__same_bytes(s, RSL__S(v->s), len))
			return 1;
	return 0;
}

/* eq of a case-sensitive test c on s (len: its length, or SIZE_MAX). */
static inline __attribute__((always_inline)) int
rsl__eq_test(const rsl__cond *c, const char *s, size_t len)
{
	if (c->value.kind != RSL__V_STRING)
		return 0;
	if (len != SIZE_MAX)
		return len == c->value.s.len && rsl__same_bytes(s, RSL__S(c->value.s), len);
	return rsl__cstr_eq(s, RSL__S(c->value.s), c->value.s.len);
}

/* in of a case-sensitive test c on s (len: its length, or SIZE_MAX): the
 * list filter's bit, then the list. */
static inline __attribute__((always_inline)) int
rsl__in_test(const rsl__cond *c, const char *s, size_t len)
{
	if (len == SIZE_MAX)
		len = strlen(s);
	if (c->filter && !(c->filter & rsl__sig_bit(len, len ? (unsigned char)s[0] : 0,
						     len ? (unsigned char)s[len - 1] : 0)))
		return 0;
	return rsl__in_list(RSL__AT(rsl__val, c->list), c->nlist, s, len);
}

/* An attribute test's operator (an operator 1..18) on the string s of
 * length len (SIZE_MAX: not known), its negation included. */
static inline __attribute__((always_inline)) int
rsl__string_op(const rsl__cond *c, const char *s, size_t len)
{
	if (!c->ci) {
		switch (c->op) {
		case RSL_OP_EQ: return rsl__eq_test(c, s, len);
		case RSL_OP_NE: return !rsl__eq_test(c, s, len);
		case RSL_OP_IN: return rsl__in_test(c, s, len);
		case RSL_OP_NOT_IN: return !rsl__in_test(c, s, len);
		default: break;
		}
	}
	int any = rsl__match_string(c, s);
	return c->op == RSL_OP_NE || c->op == RSL_OP_NOT_IN ? !any : any;
}

/* Whether one string s (len: its length, or SIZE_MAX) matches c's operator
 * as a positive test: for ne and not_in, whether eq / in matches (a list
 * attribute's items, match.c).  rsl__string_op's one dispatch, its
 * negation undone. */
static inline __attribute__((always_inline)) int
rsl__string_test(const rsl__cond *c, const char *s, size_t len)
{
	int r = rsl__string_op(c, s, len);
	return c->op == RSL_OP_NE || c->op == RSL_OP_NOT_IN ? !r : r;
}

/* An attribute test (an operator 1..18).  Missing: no operator matches,
 * ne and not_in included.  Inlined into rsl__match_in, whose common case
 * it is: with no call on its path but to the rarer operators'.  The
 * operator is dispatched once, its negation with it. */
static inline __attribute__((always_inline)) int
rsl__attr_test(const rsl__cond *c, rsl__names *nm)
{
	const char *s;
	size_t len;
	if (c->attr_kind == RSL__ATTR_NAMED) {
		const rsl_attr *a = rsl__names_find(&len, nm, &c->attr, c->attr_hash, c->attr_id);
		if (a == NULL)
			return 0;
		if (a->type != RSL_ATTR_STRING) {
			rsl__aval v;
			rsl__aval_of(&v, a);
			return rsl__match_value(c, &v);
		}
		s = a->s;
	} else {
		const rsl_context *ctx = nm->ctx;
		if (ctx == NULL)
			return 0;
		s = c->attr_kind == RSL__ATTR_TARGETING_KEY ? ctx->targeting_key
							    : ctx->tenant_key;
		if (s == NULL)
			return 0;
		len = rsl__names_key_len(nm, c->attr_kind);
	}
	return rsl__string_op(c, s, len);
}

/* The combinators, segments and exists (rsl__match_in's other cases): out
 * of line, so that the saving of registers their recursion needs stays off
 * the attribute tests' path. */
int rsl__match_tree(const rsl_snapshot *snap, const rsl__cond *c, rsl__names *nm);

/* Whether condition c matches nm's context (1) or not (0).  The tree's
 * depth was bounded at open.  Inline: the attribute tests, the common
 * case, are then compiled into the rule loop that calls it (eval.c). */
static inline __attribute__((always_inline)) int
rsl__match_in(const rsl_snapshot *snap, const rsl__cond *c, rsl__names *nm)
{
	if (c->op < RSL_OP_EXISTS)
		return rsl__attr_test(c, nm);
	return rsl__match_tree(snap, c, nm);
}

/* rsl__match_in with a names table of its own; ctx may be NULL. */
int rsl__match(const rsl_snapshot *snap, const rsl__cond *c,
	       const rsl_context *ctx);

#endif
