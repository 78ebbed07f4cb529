/* match.c - condition matching; see match.h and docs/ruleset.md. */
/* Before any header: the names' hash, inlined (snap.h). */
#define XXH_INLINE_ALL
#include "match.h"

#include <string.h>

#include "search.h"
#include "semver.h"

void rsl__names_build(rsl__names *nm)
{
	const rsl_context *ctx = nm->ctx;
	memset(nm->slot, 0, sizeof nm->slot);
	for (size_t i = 0; i < ctx->nattrs; i++) {
		const char *q = ctx->attrs[i].name;
		size_t n = nm->prep ? nm->prep->attr[i].name_len : strnlen(q, RSL_KEY_MAX + 1);
		if (n > RSL_KEY_MAX)
			continue; /* no test reads it (rsl__names_find scans for longer) */
		uint32_t h = nm->prep ? nm->prep->attr[i].hash : rsl__name_hash(q, n);
		nm->hash[i] = h;
		nm->len[i] = (uint8_t)n;
		for (uint32_t j = h;; j++) {
			uint8_t *slot = &nm->slot[j & (RSL__NAMES_SLOTS - 1)];
			unsigned v = *slot;
			if (v == 0) {
				*slot = (uint8_t)(i + 1);
				break;
			}
			v--;
			if (nm->hash[v] == h && nm->len[v] == n &&
			    rsl__same_bytes(ctx->attrs[v].name, q, n))
				break; /* the first attribute of a name wins */
		}
	}
	nm->built = 1;
}

int rsl__lookup(rsl__aval *out, rsl__names *nm, uint8_t attr_kind,
		const rsl__str *name, uint32_t hash, uint32_t id)
{
	const rsl_context *ctx = nm->ctx;
	if (ctx == NULL)
		return 0;
	if (attr_kind != RSL__ATTR_NAMED) {
		const char *s = attr_kind == RSL__ATTR_TARGETING_KEY ? ctx->targeting_key
								     : ctx->tenant_key;
		if (s == NULL)
			return 0;
		out->type = RSL_ATTR_STRING;
		out->s = s;
		return 1;
	}
	size_t len;
	const rsl_attr *a = rsl__names_find(&len, nm, name, hash, id);
	if (a == NULL)
		return 0;
	rsl__aval_of(out, a);
	return 1;
}

/* ASCII letters folded to lower case; every other byte as it is.  A table:
 * one load a byte, on the path of every case-insensitive compare. */
static const unsigned char lower[256] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
	0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};

static inline unsigned char fold(unsigned char c)
{
	return lower[c];
}

/* One bit of a list filter; see rsl__list_filter. */
static uint64_t sig_bit(size_t len, unsigned char first, unsigned char last, int ci)
{
	if (ci) {
		first = fold(first);
		last = fold(last);
	}
	return rsl__sig_bit(len, first, last);
}

static uint64_t str_sig(const char *s, size_t len, int ci)
{
	if (len == 0)
		return sig_bit(0, 0, 0, ci);
	return sig_bit(len, (unsigned char)s[0], (unsigned char)s[len - 1], ci);
}

uint64_t rsl__list_filter(const rsl__val *list, uint32_t n, int ci)
{
	uint64_t bits = 0;
	for (uint32_t i = 0; i < n; i++)
		if (list[i].kind == RSL__V_STRING)
			bits |= str_sig(RSL__S(list[i].s), list[i].s.len, ci);
	return bits;
}


/* cstr_eq folding ASCII letters: reads at most n + 1 bytes of s.  An
 * operand has no NUL (the loader refuses one), so s's NUL differs from it
 * folded or not: the loop stops there without a test of its own. */
static int cstr_eq_ci(const char *s, const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fold((unsigned char)s[i]) != fold((unsigned char)t[i]))
			return 0;
	return s[n] == 0;
}

/* s[0..n) equals t[0..n), folding ASCII letters when ci. */
static int same(const char *s, const char *t, size_t n, int ci)
{
	if (!ci)
		return memcmp(s, t, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (fold((unsigned char)s[i]) != fold((unsigned char)t[i]))
			return 0;
	return 1;
}

/* Linear in the attribute and the operand (search.c).  The attribute's
 * length is at most RSL_MAX_CONTEXT_STRING (checked before matching). */
static int str_contains(const char *a, const rsl__str *o, int ci)
{
	return rsl__search(a, strlen(a), RSL__S(*o), o->len, ci);
}

static int str_starts(const char *a, const rsl__str *o, int ci)
{
	if (!ci)
		return strnlen(a, o->len) == o->len && memcmp(a, RSL__S(*o), o->len) == 0;
	for (size_t i = 0; i < o->len; i++) /* stops at a's NUL: see cstr_eq_ci */
		if (fold((unsigned char)a[i]) != fold((unsigned char)RSL__S(*o)[i]))
			return 0;
	return 1;
}

static int str_ends(const char *a, const rsl__str *o, int ci)
{
	size_t alen = strlen(a);
	return o->len <= alen && same(a + alen - o->len, RSL__S(*o), o->len, ci);
}

/* One context string a[0..alen) against one operand value, by eq's rule:
 * a string operand equals only a string.  Lengths first: most operands of a
 * long `in` list are rejected without reading a byte. */
static int str_eq_val(const char *a, size_t alen, const rsl__val *v, int ci)
{
	return v->kind == RSL__V_STRING && v->s.len == alen &&
	       (alen == 0 || a[0] == RSL__S(v->s)[0] || ci) && same(a, RSL__S(v->s), alen, ci);
}

static int num_eq_val(double n, const rsl__val *v)
{
	return (v->kind == RSL__V_INT || v->kind == RSL__V_FLOAT) && n == v->f;
}

/* A string attribute value against a time operator. */
static int time_match(const rsl__cond *c, const char *s)
{
	int64_t t;
	int frac;
	if (rsl__parse_rfc3339(&t, &frac, s, strlen(s)) < 0)
		return 0;
	if (c->op == RSL_OP_BEFORE)
		return t < c->value.i;
	return t > c->value.i || (t == c->value.i && frac);
}

static int semver_match(const rsl__cond *c, const char *s)
{
	rsl__semver v, o = { c->semver.major, c->semver.minor, c->semver.patch,
			     { RSL__S(c->semver.pre), c->semver.pre.len } };
	if (rsl__semver_parse(&v, s, strlen(s)) < 0)
		return 0;
	int r = rsl__semver_cmp(&v, &o);
	switch (c->op) {
	case RSL_OP_SEMVER_EQ: return r == 0;
	case RSL_OP_SEMVER_LT: return r < 0;
	case RSL_OP_SEMVER_LTE: return r <= 0;
	case RSL_OP_SEMVER_GT: return r > 0;
	default: return r >= 0;
	}
}

int rsl__match_string(const rsl__cond *c, const char *s)
{
	switch (c->op) {
	case RSL_OP_EQ:
	case RSL_OP_NE:
		if (c->value.kind != RSL__V_STRING)
			return 0;
		if (!c->ci)
			return rsl__cstr_eq(s, RSL__S(c->value.s), c->value.s.len);
		return cstr_eq_ci(s, RSL__S(c->value.s), c->value.s.len);
	case RSL_OP_IN:
	case RSL_OP_NOT_IN: {
		size_t len = strlen(s);
		if (c->filter && !(c->filter & str_sig(s, len, c->ci)))
			return 0;
		for (uint32_t i = 0; i < c->nlist; i++)
			if (str_eq_val(s, len, &RSL__AT(rsl__val, c->list)[i], c->ci))
				return 1;
		return 0;
	}
	case RSL_OP_CONTAINS:
		return c->value.kind == RSL__V_STRING && str_contains(s, &c->value.s, c->ci);
	case RSL_OP_STARTS_WITH:
		return c->value.kind == RSL__V_STRING && str_starts(s, &c->value.s, c->ci);
	case RSL_OP_ENDS_WITH:
		return c->value.kind == RSL__V_STRING && str_ends(s, &c->value.s, c->ci);
	case RSL_OP_SEMVER_EQ:
	case RSL_OP_SEMVER_LT:
	case RSL_OP_SEMVER_LTE:
	case RSL_OP_SEMVER_GT:
	case RSL_OP_SEMVER_GTE:
		return semver_match(c, s);
	case RSL_OP_BEFORE:
	case RSL_OP_AFTER:
		return time_match(c, s);
	default:
		return 0; /* numeric comparisons never match a string */
	}
}

/* The positive form of c (eq for ne, in for not_in) on a number. */
static int number_match(const rsl__cond *c, double n)
{
	switch (c->op) {
	case RSL_OP_EQ:
	case RSL_OP_NE:
		return num_eq_val(n, &c->value);
	case RSL_OP_IN:
	case RSL_OP_NOT_IN:
		for (uint32_t i = 0; i < c->nlist; i++)
			if (num_eq_val(n, &RSL__AT(rsl__val, c->list)[i]))
				return 1;
		return 0;
	case RSL_OP_LT: return n < c->value.f;
	case RSL_OP_LTE: return n <= c->value.f;
	case RSL_OP_GT: return n > c->value.f;
	case RSL_OP_GTE: return n >= c->value.f;
	case RSL_OP_BEFORE: return n < (double)c->value.i;
	case RSL_OP_AFTER: return n > (double)c->value.i;
	default:
		return 0;
	}
}

int rsl__match_value(const rsl__cond *c, const rsl__aval *v)
{
	int negate = c->op == RSL_OP_NE || c->op == RSL_OP_NOT_IN;
	int any = 0;
	switch (v->type) {
	case RSL_ATTR_STRING:
		any = rsl__match_string(c, v->s);
		break;
	case RSL_ATTR_NUMBER:
		any = number_match(c, v->n);
		break;
	case RSL_ATTR_BOOL:
		any = (c->op == RSL_OP_EQ || c->op == RSL_OP_NE) &&
		      c->value.kind == RSL__V_BOOL && (v->b != 0) == (c->value.b != 0);
		break;
	case RSL_ATTR_LIST:
		/* Positive operators: any element; ne / not_in: no element. */
		if (c->ci || c->op > RSL_OP_NOT_IN) {
			for (size_t i = 0; i < v->len && !any; i++)
				any = rsl__match_string(c, v->list[i]);
		} else {
			for (size_t i = 0; i < v->len && !any; i++)
				any = rsl__string_test(c, v->list[i], SIZE_MAX); /* eq and in, inlined */
		}
		break;
	}
	return negate ? !any : any;
}

int rsl__match_tree(const rsl_snapshot *snap, const rsl__cond *c, rsl__names *nm)
{
	rsl__aval v;
	switch (c->op) {
	case RSL_OP_ALL:
		for (uint32_t i = 0; i < c->nkids; i++)
			if (!rsl__match_in(snap, &RSL__AT(rsl__cond, c->kids)[i], nm))
				return 0;
		return 1;
	case RSL_OP_ANY:
		for (uint32_t i = 0; i < c->nkids; i++)
			if (rsl__match_in(snap, &RSL__AT(rsl__cond, c->kids)[i], nm))
				return 1;
		return 0;
	case RSL_OP_NOT:
		return !rsl__match_in(snap, &RSL__AT(rsl__cond, c->kids)[0], nm);
	case RSL_OP_SEGMENT:
		return rsl__match_in(snap, rsl__when(&snap->segments[c->segment].when), nm);
	default: /* RSL_OP_EXISTS (validated at open) */
		return rsl__lookup(&v, nm, c->attr_kind, &c->attr, c->attr_hash, c->attr_id) ==
		       !!c->value.b;
	}
}

int rsl__match(const rsl_snapshot *snap, const rsl__cond *c, const rsl_context *ctx)
{
	rsl__names nm;
	rsl__names_init(&nm, ctx);
	return rsl__match_in(snap, c, &nm);
}
