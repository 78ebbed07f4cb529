/*
 * decode.c - a verified payload to the structures of snap.h, once, at open.
 *
 * The payload is checked as canonical CBOR first (cbor_reader.c); then the Body is
 * walked twice by the same code: a counting pass that validates everything
 * and adds up the memory it needs, and a filling pass into one block of
 * exactly that size.  In the counting pass nothing is stored: allocations
 * return NULL and the walk writes into stack temporaries (SLOT), so the two
 * passes cannot disagree about what they validate.  A last pass over the
 * filled structures checks what spans the whole snapshot (graph.c:
 * prerequisite and segment graphs, no cycles, bounded depth and cost) and
 * builds the hash index.  Single fields are read by decode_field.c.  See
 * docs/snapshot-format.md for the format.
 */
/* Before any header: snap.h's index hash, inlined (snap.h). */
#define XXH_INLINE_ALL
#include "decode.h"
#include "digest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bucket.h"
#include "cbor_reader.h"
#include "decode_ctx.h"
#include "eval.h"
#include "graph.h"
#include "keyring.h"
#include "match.h"
#include "semver.h"
#include "validate.h"

#define MAX_FLAGS RSL_MAX_FLAGS
#define MAX_SEGMENTS RSL_MAX_SEGMENTS

typedef rsl__dec dec;

/* In the counting pass arr is NULL: write into tmp instead. */
#define SLOT(arr, i, tmp) ((arr) ? &(arr)[i] : &(tmp))

static uint8_t attr_kind(const char *s, size_t n)
{
	if (n == 13 && memcmp(s, "targeting_key", 13) == 0)
		return RSL__ATTR_TARGETING_KEY;
	if (n == 10 && memcmp(s, "tenant_key", 10) == 0)
		return RSL__ATTR_TENANT_KEY;
	return RSL__ATTR_NAMED;
}

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);
	return r ? r : an < bn ? -1 : an > bn ? 1 : 0;
}

/* --------------------------------------------------------- serve, split */

static int decode_split(dec *d, const uint8_t *at, rsl__split *out)
{
	rsl__cbor c = rsl__dec_at(d, at);
	uint64_t n;
	if (rsl__cbor_array(&c, &n) < 0 || n == 0 || n > RSL_MAX_VARIANTS)
		return rsl__dec_fail(d, RSL_EFORMAT, "'split' must be an array of 1 to %d "
				     "[variant, weight] entries", RSL_MAX_VARIANTS);
	uint32_t *var = rsl__dec_alloc(d, (size_t)n, sizeof *var);
	uint32_t *up = rsl__dec_alloc(d, (size_t)n, sizeof *up);
	uint64_t sum = 0;
	/* Where each variant was named, + 1: rsc writes one entry per variant. */
	uint8_t named[RSL_MAX_VARIANTS] = { 0 };
	for (uint32_t i = 0; i < n; i++) {
		uint64_t two, v, w;
		if (rsl__cbor_array(&c, &two) < 0 || two != 2 ||
		    rsl__cbor_uint(&c, &v) < 0 || rsl__cbor_uint(&c, &w) < 0)
			return rsl__dec_fail(d, RSL_EFORMAT, "split entry %u must be "
					     "[variant index, weight]", (unsigned)i);
		if (v >= d->nvariants)
			return rsl__dec_fail(d, RSL_EFORMAT, "split entry %u: variant index "
					     "%llu out of range (%u variants)", (unsigned)i,
					     (unsigned long long)v, (unsigned)d->nvariants);
		if (named[v])
			return rsl__dec_fail(d, RSL_EFORMAT, "split entry %u: variant %llu is "
					     "already split entry %u's: a split names each "
					     "variant once", (unsigned)i, (unsigned long long)v,
					     (unsigned)(named[v] - 1));
		named[v] = (uint8_t)(i + 1);
		if (w > RSL_WEIGHT_TOTAL || (sum += w) > RSL_WEIGHT_TOTAL)
			return rsl__dec_fail(d, RSL_EFORMAT, "split weights add up to more "
					     "than %u", RSL_WEIGHT_TOTAL);
		if (var) {
			var[i] = (uint32_t)v;
			up[i] = (uint32_t)sum;
		}
	}
	if (sum != RSL_WEIGHT_TOTAL)
		return rsl__dec_fail(d, RSL_EFORMAT, "split weights add up to %llu, not %u",
				     (unsigned long long)sum, RSL_WEIGHT_TOTAL);
	out->n = (uint32_t)n;
	rsl__ref_set(&out->variant, var);
	rsl__ref_set(&out->upper, up);
	return RSL_OK;
}

static int get_variant(dec *d, const uint8_t *at, const char *name,
		       uint32_t *out)
{
	uint64_t v;
	rsl__cbor c = rsl__dec_at(d, at);
	if (rsl__cbor_uint(&c, &v) < 0)
		return rsl__dec_fail(d, RSL_EFORMAT, "'%s' must be an unsigned integer", name);
	if (v >= d->nvariants)
		return rsl__dec_fail(d, RSL_EFORMAT, "variant index %llu out of range "
				     "(%u variants)", (unsigned long long)v,
				     (unsigned)d->nvariants);
	*out = (uint32_t)v;
	return RSL_OK;
}

static int decode_steps(dec *d, const uint8_t *at, rsl__serve *out)
{
	static const char *const names[] = { RSL_K_AT, RSL_K_VARIANT, RSL_K_SPLIT };
	rsl__cbor c = rsl__dec_at(d, at);
	uint64_t n;
	int rc;
	if (rsl__cbor_array(&c, &n) < 0 || n == 0 || n > RSL_MAX_STEPS)
		return rsl__dec_fail(d, RSL_EFORMAT, "'steps' must be an array of 1 to %d "
				     "steps", RSL_MAX_STEPS);
	rsl__step *steps = rsl__dec_alloc(d, (size_t)n, sizeof *steps);
	int64_t prev = 0;
	for (uint32_t i = 0; i < n; i++) {
		rsl__step tmp, *s = SLOT(steps, i, tmp);
		const uint8_t *pos[3];
		memset(s, 0, sizeof *s);
		if ((rc = rsl__dec_fields(d, c.p, "step", names, 3, pos)) < 0 ||
		    (rc = rsl__dec_need(d, pos[0], "step", RSL_K_AT)) < 0 ||
		    (rc = rsl__dec_int(d, pos[0], RSL_K_AT, &s->at)) < 0)
			return rc;
		if (i > 0 && s->at <= prev)
			return rsl__dec_fail(d, RSL_EFORMAT, "step %u: 'at' %lld is not after "
					     "the previous step's %lld", (unsigned)i,
					     (long long)s->at, (long long)prev);
		prev = s->at;
		if ((pos[1] == NULL) == (pos[2] == NULL))
			return rsl__dec_fail(d, RSL_EFORMAT, "step %u must have exactly one "
					     "of 'variant' and 'split'", (unsigned)i);
		if (pos[1]) {
			s->kind = RSL_SERVE_VARIANT;
			rc = get_variant(d, pos[1], RSL_K_VARIANT, &s->variant);
		} else {
			s->kind = RSL_SERVE_SPLIT;
			rc = decode_split(d, pos[2], &s->split);
		}
		if (rc < 0)
			return rc;
		if (rsl__cbor_next(&c) < 0)
			return rsl__dec_fail(d, RSL_EFORMAT, "malformed step");
	}
	rsl__ref_set(&out->steps, steps);
	out->nsteps = (uint32_t)n;
	return RSL_OK;
}

static int decode_serve(dec *d, const uint8_t *at, rsl__serve *out)
{
	static const char *const names[] = { RSL_K_KIND, RSL_K_VARIANT, RSL_K_BY, RSL_K_SPLIT,
					     RSL_K_STEPS };
	const uint8_t *pos[5];
	uint64_t kind;
	int rc;
	memset(out, 0, sizeof *out);
	rsl__ref_set(&out->by.p, d->empty);
	if ((rc = rsl__dec_fields(d, at, "serve", names, 5, pos)) < 0 ||
	    (rc = rsl__dec_need(d, pos[0], "serve", RSL_K_KIND)) < 0 ||
	    (rc = rsl__dec_uint(d, pos[0], RSL_K_KIND, UINT64_MAX, &kind)) < 0)
		return rc;
	/* Which keys each kind needs (1) or allows (2), by names[] order. */
	static const char rule[3][5] = { { 1, 1, 0, 0, 0 },
					 { 1, 0, 1, 1, 0 },
					 { 1, 0, 2, 0, 1 } };
	if (kind > RSL_SERVE_SCHEDULE)
		return rsl__dec_fail(d, RSL_EFORMAT, "serve: unknown kind %llu",
				     (unsigned long long)kind);
	for (int j = 1; j < 5; j++) {
		if (pos[j] && rule[kind][j] == 0)
			return rsl__dec_fail(d, RSL_EFORMAT, "serve: '%s' is not allowed with "
					     "kind %u", names[j], (unsigned)kind);
		if (!pos[j] && rule[kind][j] == 1)
			return rsl__dec_fail(d, RSL_EFORMAT, "serve: missing '%s' (kind %u)",
					     names[j], (unsigned)kind);
	}
	out->kind = (uint8_t)kind;
	if (pos[2]) {
		const char *s;
		size_t n;
		if ((rc = rsl__dec_text(d, pos[2], RSL_K_BY, 1, 0, &out->by, &s, &n)) < 0 ||
		    (rc = rsl__dec_name(d, RSL_K_BY, s, n, 1, "an attribute name")) < 0)
			return rc;
		out->by_kind = attr_kind(s, n);
		out->by_hash = rsl__name_hash(s, n);
	} else {
		rsl__ref_set(&out->by.p, d->tkey);
		out->by.len = 13;
		out->by_kind = RSL__ATTR_TARGETING_KEY;
	}
	if (kind == RSL_SERVE_VARIANT)
		return get_variant(d, pos[1], RSL_K_VARIANT, &out->variant);
	if (kind == RSL_SERVE_SPLIT)
		return decode_split(d, pos[3], &out->split);
	return decode_steps(d, pos[4], out);
}

/* ------------------------------------------------------------ conditions */

enum { F_OP, F_ATTR, F_VALUE, F_VALUES, F_CI, F_KIDS, F_SEGMENT, NCOND };
static const char *const cond_names[NCOND] = { RSL_K_OP, RSL_K_ATTR, RSL_K_VALUE, RSL_K_VALUES,
					       RSL_K_CI, RSL_K_KIDS, RSL_K_SEGMENT };

static int decode_cond(dec *d, const uint8_t *at, unsigned level, rsl__cond *out);

static int decode_kids(dec *d, const uint8_t *at, unsigned level, uint64_t min,
		       uint64_t max, rsl__cond *out)
{
	rsl__cbor c = rsl__dec_at(d, at);
	uint64_t n;
	int rc;
	if (rsl__cbor_array(&c, &n) < 0 || n < min || n > max)
		return rsl__dec_fail(d, RSL_EFORMAT, "op %u: 'kids' must be an array of %llu "
				     "to %llu conditions", (unsigned)out->op,
				     (unsigned long long)min, (unsigned long long)max);
	rsl__cond *kids = rsl__dec_alloc(d, (size_t)n, sizeof *kids);
	for (uint32_t i = 0; i < n; i++) {
		rsl__cond tmp;
		if ((rc = decode_cond(d, c.p, level + 1, SLOT(kids, i, tmp))) < 0)
			return rc;
		if (rsl__cbor_next(&c) < 0)
			return rsl__dec_fail(d, RSL_EFORMAT, "malformed condition");
	}
	rsl__ref_set(&out->kids, kids);
	out->nkids = (uint32_t)n;
	return RSL_OK;
}

static int decode_list(dec *d, const uint8_t *at, rsl__cond *out)
{
	rsl__cbor c = rsl__dec_at(d, at);
	uint64_t n;
	int rc;
	if (rsl__cbor_array(&c, &n) < 0 || n == 0 || n > RSL_MAX_LIST)
		return rsl__dec_fail(d, RSL_EFORMAT, "op %u: 'values' must be an array of 1 "
				     "to %d values", (unsigned)out->op, RSL_MAX_LIST);
	rsl__val *list = rsl__dec_alloc(d, (size_t)n, sizeof *list);
	for (uint32_t i = 0; i < n; i++) {
		rsl__val tmp;
		if ((rc = rsl__dec_val(d, c.p, RSL_K_VALUES, RSL__K_TEXT | RSL__K_INT | RSL__K_FLOAT,
				       SLOT(list, i, tmp), NULL, NULL)) < 0)
			return rc;
		rsl__cbor_next(&c);
	}
	rsl__ref_set(&out->list, list);
	out->nlist = (uint32_t)n;
	/* Evaluation's quick rejection (match.h); ci was decoded before. */
	out->filter = list ? rsl__list_filter(list, out->nlist, out->ci) : 0;
	return RSL_OK;
}

static int decode_cond(dec *d, const uint8_t *at, unsigned level, rsl__cond *out)
{
	const uint8_t *pos[NCOND];
	uint64_t op;
	int rc;
	memset(out, 0, sizeof *out);
	rsl__ref_set(&out->attr.p, d->empty);
	rsl__ref_set(&out->value.s.p, d->empty);
	rsl__ref_set(&out->semver.pre.p, d->empty);
	if (level > RSL_MAX_COND_DEPTH)
		return rsl__dec_fail(d, RSL_EFORMAT, "conditions nested deeper than %d levels",
				     RSL_MAX_COND_DEPTH);
	if ((rc = rsl__dec_fields(d, at, "condition", cond_names, NCOND, pos)) < 0 ||
	    (rc = rsl__dec_need(d, pos[F_OP], "condition", RSL_K_OP)) < 0 ||
	    (rc = rsl__dec_uint(d, pos[F_OP], RSL_K_OP, UINT64_MAX, &op)) < 0)
		return rc;
	/* The keys each op takes, as bits of F_*. */
	unsigned want;
	if (op >= RSL_OP_EQ && op <= RSL_OP_EXISTS) {
		want = 1u << F_ATTR |
		       (op == RSL_OP_IN || op == RSL_OP_NOT_IN ? 1u << F_VALUES
							      : 1u << F_VALUE);
		if (op <= RSL_OP_ENDS_WITH)
			want |= 1u << F_CI;
	} else if (op >= RSL_OP_ALL && op <= RSL_OP_NOT) {
		want = 1u << F_KIDS;
	} else if (op == RSL_OP_SEGMENT) {
		want = 1u << F_SEGMENT;
	} else {
		return rsl__dec_fail(d, RSL_EFORMAT, "unknown condition op %llu",
				     (unsigned long long)op);
	}
	out->op = (uint8_t)op;
	for (int j = 1; j < NCOND; j++) {
		if (pos[j] && !(want & 1u << j))
			return rsl__dec_fail(d, RSL_EFORMAT, "condition: '%s' is not allowed "
					     "with op %u", cond_names[j], (unsigned)op);
		if (!pos[j] && (want & 1u << j) && j != F_CI)
			return rsl__dec_fail(d, RSL_EFORMAT, "condition: missing '%s' (op %u)",
					     cond_names[j], (unsigned)op);
	}
	switch (op) {
	case RSL_OP_ALL:
	case RSL_OP_ANY:
		return decode_kids(d, pos[F_KIDS], level, 1, RSL_MAX_CHILDREN, out);
	case RSL_OP_NOT:
		return decode_kids(d, pos[F_KIDS], level, 1, 1, out);
	case RSL_OP_SEGMENT: {
		uint64_t s;
		rsl__cbor c = rsl__dec_at(d, pos[F_SEGMENT]);
		if (rsl__cbor_uint(&c, &s) < 0)
			return rsl__dec_fail(d, RSL_EFORMAT, "'segment' must be an unsigned "
					     "integer");
		if (s >= d->nsegments)
			return rsl__dec_fail(d, RSL_EFORMAT, "segment index %llu out of range "
					     "(%u segments)", (unsigned long long)s,
					     (unsigned)d->nsegments);
		out->segment = (uint32_t)s;
		return RSL_OK;
	}
	default:
		break;
	}
	const char *an;
	size_t al;
	if ((rc = rsl__dec_text(d, pos[F_ATTR], RSL_K_ATTR, 1, 0, &out->attr, &an, &al)) < 0 ||
	    (rc = rsl__dec_name(d, RSL_K_ATTR, an, al, 1, "an attribute name")) < 0)
		return rc;
	out->attr_kind = attr_kind(an, al);
	out->attr_hash = rsl__name_hash(an, al);
	if (pos[F_CI]) {
		int ci;
		if ((rc = rsl__dec_bool(d, pos[F_CI], RSL_K_CI, &ci)) < 0)
			return rc;
		if (!ci)
			return rsl__dec_fail(d, RSL_EFORMAT, "'ci' is written only when true");
		out->ci = 1;
	}
	const char *s = NULL;
	size_t n = 0;
	switch (op) {
	case RSL_OP_EQ:
	case RSL_OP_NE:
		return rsl__dec_val(d, pos[F_VALUE], RSL_K_VALUE,
				    RSL__K_TEXT | RSL__K_INT | RSL__K_FLOAT | RSL__K_BOOL, &out->value, NULL,
				    NULL);
	case RSL_OP_IN:
	case RSL_OP_NOT_IN:
		return decode_list(d, pos[F_VALUES], out);
	case RSL_OP_CONTAINS:
	case RSL_OP_STARTS_WITH:
	case RSL_OP_ENDS_WITH:
		return rsl__dec_val(d, pos[F_VALUE], RSL_K_VALUE, RSL__K_TEXT, &out->value, NULL,
				    NULL);
	case RSL_OP_LT:
	case RSL_OP_LTE:
	case RSL_OP_GT:
	case RSL_OP_GTE:
		return rsl__dec_val(d, pos[F_VALUE], RSL_K_VALUE, RSL__K_INT | RSL__K_FLOAT,
				    &out->value, NULL, NULL);
	case RSL_OP_BEFORE:
	case RSL_OP_AFTER:
		if ((rc = rsl__dec_val(d, pos[F_VALUE], RSL_K_VALUE, RSL__K_INT, &out->value,
				       NULL, NULL)) < 0)
			return rc;
		return RSL_OK;
	case RSL_OP_EXISTS:
		return rsl__dec_val(d, pos[F_VALUE], RSL_K_VALUE, RSL__K_BOOL, &out->value, NULL,
				    NULL);
	default: /* semver_* */
		if ((rc = rsl__dec_val(d, pos[F_VALUE], RSL_K_VALUE, RSL__K_TEXT, &out->value, &s,
				       &n)) < 0)
			return rc;
		/* The filling pass parses the copy, so that pre points into
		 * memory the snapshot owns. */
		if (d->fill && !d->overflow)
			s = RSL__S(out->value.s);
		rsl__semver v;
		if ((rc = rsl__semver_parse(&v, s, n)) != 0)
			return rsl__dec_fail(d, RSL_EFORMAT, rc == RSL__SEMVER_RANGE
					     ? "'%.*s' is not a semantic version: a number "
				      "is over 18446744073709551615"
					     : "'%.*s' is not a semantic version",
					     (int)(n > 64 ? 64 : n), s);
		out->semver.major = v.major;
		out->semver.minor = v.minor;
		out->semver.patch = v.patch;
		out->semver.pre.len = v.pre.len;
		if (d->fill)
			rsl__ref_set(&out->semver.pre.p, v.pre.p);
		return RSL_OK;
	}
}

/* ------------------------------------------------------- flags, segments */

static int check_order(dec *d, const char *what, const char *k, size_t n)
{
	if (d->prev && key_cmp(d->prev, d->prevlen, k, n) >= 0)
		return rsl__dec_fail(d, RSL_EFORMAT, "%ss are not sorted by key, or not "
				     "unique: '%.*s' after '%.*s'", what,
				     (int)(n > 64 ? 64 : n), k,
				     (int)(d->prevlen > 64 ? 64 : d->prevlen), d->prev);
	d->prev = k;
	d->prevlen = n;
	return RSL_OK;
}

static int decode_segment(dec *d, const uint8_t *at, uint32_t i,
			  rsl__segment *out)
{
	static const char *const names[] = { RSL_K_KEY, RSL_K_WHEN };
	const uint8_t *pos[2];
	int rc;
	d->what = "segment";
	d->index = i;
	d->key = NULL;
	memset(out, 0, sizeof *out);
	if ((rc = rsl__dec_fields(d, at, "segment", names, 2, pos)) < 0 ||
	    (rc = rsl__dec_need(d, pos[0], "segment", RSL_K_KEY)) < 0 ||
	    (rc = rsl__dec_text(d, pos[0], RSL_K_KEY, 1, RSL_KEY_MAX, &out->key, &d->key,
				&d->keylen)) < 0 ||
	    (rc = rsl__dec_name(d, RSL_K_KEY, d->key, d->keylen, 0, "a segment key")) < 0 ||
	    (rc = check_order(d, "segment", d->key, d->keylen)) < 0 ||
	    (rc = rsl__dec_need(d, pos[1], "segment", RSL_K_WHEN)) < 0)
		return rc;
	rsl__cond tmp, *when = rsl__dec_alloc(d, 1, sizeof *when);
	if ((rc = decode_cond(d, pos[1], 1, SLOT(when, 0, tmp))) < 0)
		return rc;
	rsl__ref_set(&out->when, when);
	return RSL_OK;
}

static int decode_variants(dec *d, const uint8_t *at, rsl__flag *f)
{
	rsl__cbor c = rsl__dec_at(d, at);
	uint64_t n;
	int rc;
	if (rsl__cbor_array(&c, &n) < 0 || n == 0 || n > RSL_MAX_VARIANTS)
		return rsl__dec_fail(d, RSL_EFORMAT, "'variants' must be an array of 1 to %d "
				     "[name, value] pairs", RSL_MAX_VARIANTS);
	rsl__variant *vs = rsl__dec_alloc(d, (size_t)n, sizeof *vs);
	const char *nm[RSL_MAX_VARIANTS];
	size_t nl[RSL_MAX_VARIANTS];
	static const unsigned kind_of[] = { RSL__K_BOOL, RSL__K_TEXT, RSL__K_INT, RSL__K_INT | RSL__K_FLOAT,
					    RSL__K_TEXT };
	for (uint32_t i = 0; i < n; i++) {
		rsl__variant tmp, *v = SLOT(vs, i, tmp);
		uint64_t two;
		if (rsl__cbor_array(&c, &two) < 0 || two != 2)
			return rsl__dec_fail(d, RSL_EFORMAT, "variant %u must be [name, value]",
					     (unsigned)i);
		d->sub = SUB_VARIANT, d->subi = i;
		if ((rc = rsl__dec_text(d, c.p, RSL_K_NAME, 1, RSL_KEY_MAX, &v->name,
					&nm[i], &nl[i])) < 0 ||
		    (rc = rsl__dec_name(d, RSL_K_NAME, nm[i], nl[i], 0, "a variant name")) < 0)
			return rc;
		for (uint32_t j = 0; j < i; j++)
			if (nl[j] == nl[i] && memcmp(nm[j], nm[i], nl[i]) == 0)
				return rsl__dec_fail(d, RSL_EFORMAT, "duplicate variant "
						     "name '%.*s'", (int)nl[i], nm[i]);
		rsl__cbor_next(&c);
		if ((rc = rsl__dec_val(d, c.p, RSL_K_VALUE, kind_of[f->type], &v->value,
				       NULL, NULL)) < 0)
			return rc;
		rsl__cbor_next(&c);
		if (f->type == RSL_TYPE_FLOAT && v->value.kind == RSL__V_INT)
			v->value.kind = RSL__V_FLOAT; /* f is set */
		else if (f->type == RSL_TYPE_OBJECT)
			v->value.kind = RSL__V_JSON;
		d->sub = SUB_NONE;
	}
	rsl__ref_set(&f->variants, vs);
	f->nvariants = (uint32_t)n;
	d->nvariants = (uint32_t)n;
	return RSL_OK;
}

static int decode_requires(dec *d, const uint8_t *at, uint32_t self,
			   rsl__flag *f)
{
	rsl__cbor c = rsl__dec_at(d, at);
	uint64_t n;
	if (rsl__cbor_array(&c, &n) < 0)
		return rsl__dec_fail(d, RSL_EFORMAT, "'requires' must be an array");
	rsl__req *rq = rsl__dec_alloc(d, (size_t)n, sizeof *rq);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t two, fi, vi;
		if (rsl__cbor_array(&c, &two) < 0 || two != 2 ||
		    rsl__cbor_uint(&c, &fi) < 0 || rsl__cbor_uint(&c, &vi) < 0)
			return rsl__dec_fail(d, RSL_EFORMAT, "requires %u must be [flag index, "
					     "variant index]", (unsigned)i);
		if (fi >= d->nflags)
			return rsl__dec_fail(d, RSL_EFORMAT, "requires %u: flag index %llu out "
					     "of range (%u flags)", (unsigned)i,
					     (unsigned long long)fi, (unsigned)d->nflags);
		if (fi == self)
			return rsl__dec_fail(d, RSL_EFORMAT, "requires %u: the flag requires "
					     "itself", (unsigned)i);
		if (vi >= RSL_MAX_VARIANTS)
			return rsl__dec_fail(d, RSL_EFORMAT, "requires %u: variant index %llu "
					     "out of range", (unsigned)i,
					     (unsigned long long)vi);
		if (rq) {
			rq[i].flag = (uint32_t)fi;
			rq[i].variant = (uint32_t)vi;
		}
	}
	rsl__ref_set(&f->requires, rq);
	f->nrequires = (uint32_t)n;
	return RSL_OK;
}

static int decode_rules(dec *d, const uint8_t *at, rsl__flag *f)
{
	static const char *const names[] = { RSL_K_NAME, RSL_K_LINE, RSL_K_SERVE, RSL_K_WHEN };
	rsl__cbor c = rsl__dec_at(d, at);
	uint64_t n;
	int rc;
	if (rsl__cbor_array(&c, &n) < 0 || n > RSL_MAX_RULES)
		return rsl__dec_fail(d, RSL_EFORMAT, "'rules' must be an array of at most %d "
				     "rules", RSL_MAX_RULES);
	rsl__rule *rules = rsl__dec_alloc(d, (size_t)n, sizeof *rules);
	for (uint32_t i = 0; i < n; i++) {
		rsl__rule tmp, *r = SLOT(rules, i, tmp);
		const uint8_t *pos[4];
		memset(r, 0, sizeof *r);
		d->sub = SUB_RULE, d->subi = i;
		if ((rc = rsl__dec_fields(d, c.p, "rule", names, 4, pos)) < 0 ||
		    (rc = rsl__dec_need(d, pos[0], "rule", RSL_K_NAME)) < 0 ||
		    (rc = rsl__dec_text(d, pos[0], RSL_K_NAME, 0, 0, &r->name, NULL,
					NULL)) < 0 ||
		    (rc = rsl__dec_need(d, pos[1], "rule", RSL_K_LINE)) < 0 ||
		    (rc = rsl__dec_u32(d, pos[1], RSL_K_LINE, &r->line)) < 0 ||
		    (rc = rsl__dec_need(d, pos[2], "rule", RSL_K_SERVE)) < 0 ||
		    (rc = decode_serve(d, pos[2], &r->serve)) < 0)
			return rc;
		if (pos[3]) {
			rsl__cond ctmp, *when = rsl__dec_alloc(d, 1, sizeof *when);
			if ((rc = decode_cond(d, pos[3], 1, SLOT(when, 0, ctmp))) < 0)
				return rc;
			rsl__ref_set(&r->when, when);
		}
		rsl__cbor_next(&c);
	}
	d->sub = SUB_NONE;
	rsl__ref_set(&f->rules, rules);
	f->nrules = (uint32_t)n;
	return RSL_OK;
}

static int decode_targeting(dec *d, const uint8_t *at, uint32_t self,
			    rsl__flag *f)
{
	static const char *const names[] = { RSL_K_FILE, RSL_K_ENABLED, RSL_K_REQUIRES,
					     RSL_K_RULES, RSL_K_DEFAULT, RSL_K_DEFAULT_LINE };
	const uint8_t *pos[6];
	int rc, enabled;
	if ((rc = rsl__dec_fields(d, at, "targeting", names, 6, pos)) < 0)
		return rc;
	for (int j = 0; j < 6; j++)
		if (j != 2 && j != 3 && (rc = rsl__dec_need(d, pos[j], "targeting",
							    names[j])) < 0)
			return rc;
	if ((rc = rsl__dec_text(d, pos[0], RSL_K_FILE, 0, 0, &f->tfile, NULL, NULL)) < 0 ||
	    (rc = rsl__dec_bool(d, pos[1], RSL_K_ENABLED, &enabled)) < 0 ||
	    (pos[2] && (rc = decode_requires(d, pos[2], self, f)) < 0) ||
	    (pos[3] && (rc = decode_rules(d, pos[3], f)) < 0) ||
	    (rc = rsl__dec_u32(d, pos[5], RSL_K_DEFAULT_LINE, &f->default_line)) < 0)
		return rc;
	d->sub = SUB_DEFAULT;
	if ((rc = decode_serve(d, pos[4], &f->dflt)) < 0)
		return rc;
	d->sub = SUB_NONE;
	f->configured = 1;
	f->enabled = (uint8_t)enabled;
	return RSL_OK;
}

static int decode_flag(dec *d, const uint8_t *at, uint32_t i, rsl__flag *f)
{
	static const char *const names[] = { RSL_K_KEY, RSL_K_TYPE, RSL_K_VARIANTS, RSL_K_OFF,
					     RSL_K_SALT, RSL_K_FILE, RSL_K_LINE, RSL_K_TARGETING };
	const uint8_t *pos[8];
	uint64_t type;
	const char *salt;
	size_t saltlen;
	int rc;
	d->what = "flag";
	d->index = i;
	d->key = NULL;
	d->sub = SUB_NONE;
	memset(f, 0, sizeof *f);
	rsl__ref_set(&f->tfile.p, d->empty);
	if ((rc = rsl__dec_fields(d, at, "flag", names, 8, pos)) < 0 ||
	    (rc = rsl__dec_need(d, pos[0], "flag", RSL_K_KEY)) < 0 ||
	    (rc = rsl__dec_text(d, pos[0], RSL_K_KEY, 1, RSL_KEY_MAX, &f->key, &d->key,
				&d->keylen)) < 0 ||
	    (rc = rsl__dec_name(d, RSL_K_KEY, d->key, d->keylen, 0, "a flag key")) < 0 ||
	    (rc = check_order(d, "flag", d->key, d->keylen)) < 0)
		return rc;
	for (int j = 1; j < 7; j++)
		if ((rc = rsl__dec_need(d, pos[j], "flag", names[j])) < 0)
			return rc;
	if ((rc = rsl__dec_uint(d, pos[1], RSL_K_TYPE, RSL_TYPE_OBJECT, &type)) < 0)
		return rc;
	f->type = (uint8_t)type;
	d->type = f->type;
	f->hash = rsl__key_hash(d->key, d->keylen);
	if ((rc = decode_variants(d, pos[2], f)) < 0 ||
	    (rc = get_variant(d, pos[3], RSL_K_OFF, &f->off)) < 0 ||
	    (rc = rsl__dec_text(d, pos[4], RSL_K_SALT, 0, 0, &f->salt, &salt, &saltlen)) < 0 ||
	    (rc = rsl__dec_text(d, pos[5], RSL_K_FILE, 0, 0, &f->file, NULL, NULL)) < 0 ||
	    (rc = rsl__dec_u32(d, pos[6], RSL_K_LINE, &f->line)) < 0)
		return rc;
	f->seed = rsl__bucket_seed(salt, saltlen); /* once, not per evaluation */
	if (pos[7]) {
		if ((rc = decode_targeting(d, pos[7], i, f)) < 0)
			return rc;
	} else {
		f->dflt.kind = RSL_SERVE_VARIANT;
		f->dflt.variant = f->off;
		rsl__ref_set(&f->dflt.by.p, d->empty);
	}
	f->is_static = f->configured && f->enabled && f->nrequires == 0 &&
		       f->nrules == 0 && f->dflt.kind == RSL_SERVE_VARIANT;
	return RSL_OK;
}

/* Decodes an array of n items with one function, as segments or flags. */
static int decode_array(dec *d, const uint8_t *at, const char *name,
			uint32_t max, uint32_t *count)
{
	rsl__cbor c = rsl__dec_at(d, at);
	uint64_t n;
	if (rsl__cbor_array(&c, &n) < 0)
		return rsl__dec_fail(d, RSL_EFORMAT, "'%s' must be an array", name);
	if (n > max)
		return rsl__dec_fail(d, RSL_EFORMAT, "%llu %s, more than %u",
				     (unsigned long long)n, name, (unsigned)max);
	*count = (uint32_t)n;
	return RSL_OK;
}

/* ---------------------------------------------------------------- body */

enum { B_FORMAT, B_ENV, B_VERSION, B_ISSUED, B_EXPIRES, B_BUCKETING,
       B_PROVENANCE, B_SEGMENTS, B_FLAGS, B_DIGEST, B_ALIGN, B_IMAGE, NBODY };
static const char *const body_names[NBODY] = {
	RSL_K_FORMAT, RSL_K_ENV, RSL_K_VERSION, RSL_K_ISSUED_AT, RSL_K_EXPIRES_AT, RSL_K_BUCKETING,
	RSL_K_PROVENANCE, RSL_K_SEGMENTS, RSL_K_FLAGS, RSL_K_DIGEST, RSL_K_ALIGN, RSL_K_IMAGE
};

/* Format 2: the image where it lies (validate.c), and the digest rsc
 * computed (digest.h) in place of one over the whole payload. */
static int decode_image(dec *d, const uint8_t *const *pos, rsl_snapshot *s)
{
	const uint8_t *b;
	size_t n;
	rsl__cbor c;
	for (int j = B_SEGMENTS; j <= B_FLAGS; j++)
		if (pos[j])
			return rsl__dec_fail(d, RSL_EFORMAT, "'%s' is not part of format 2 "
					     "(the image holds it)", body_names[j]);
	for (int j = B_DIGEST; j <= B_IMAGE; j++)
		if (rsl__dec_need(d, pos[j], "the body", body_names[j]) < 0)
			return RSL_EFORMAT;
	c = rsl__dec_at(d, pos[B_DIGEST]);
	if (rsl__cbor_bytes(&c, &b, &n) < 0 || n != sizeof s->rules_digest)
		return rsl__dec_fail(d, RSL_EFORMAT, "'digest' must be 32 bytes");
	memcpy(s->rules_digest, b, n);
	c = rsl__dec_at(d, pos[B_ALIGN]);
	if (rsl__cbor_bytes(&c, &b, &n) < 0 || n > 15)
		return rsl__dec_fail(d, RSL_EFORMAT, "'align' must be at most 15 bytes");
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return rsl__dec_fail(d, RSL_EFORMAT, "'align' must be zero bytes");
	c = rsl__dec_at(d, pos[B_IMAGE]);
	if (rsl__cbor_bytes(&c, &b, &n) < 0)
		return rsl__dec_fail(d, RSL_EFORMAT, "'image' must be a byte string");
	if (!d->fill)
		return RSL_OK;
	return rsl__image_check(d, s, b, n);
}

static int decode_provenance(dec *d, const uint8_t *at, rsl_info *info)
{
	static const char *const names[] = { RSL_K_COMMIT, RSL_K_COMMIT_TIME, RSL_K_AUTHOR,
					     RSL_K_SUBJECT, RSL_K_PATH, RSL_K_RSC, RSL_K_REPO };
	const uint8_t *pos[7];
	const char *str[7];
	int rc;
	if ((rc = rsl__dec_fields(d, at, "provenance", names, 7, pos)) < 0)
		return rc;
	for (int j = 0; j < 7; j++) {
		str[j] = d->empty;
		if (j == 2 || j == 3 || j == 6) {
			if (!pos[j])
				continue;
		} else if ((rc = rsl__dec_need(d, pos[j], "provenance", names[j])) < 0) {
			return rc;
		}
		const char *raw = NULL;
		size_t rawlen = 0;
		if (j == 1)
			rc = rsl__dec_int(d, pos[j], RSL_K_COMMIT_TIME, &info->commit_time);
		else
			rc = rsl__dec_textz(d, pos[j], names[j], 0, 0, &str[j], &raw, &rawlen);
		if (rc == RSL_OK && j == 0)
			rc = rsl__dec_commit(d, raw, rawlen);
		if (rc < 0)
			return rc;
	}
	info->commit = str[0];
	info->author = str[2];
	info->subject = str[3];
	info->path = str[4];
	info->rsc_version = str[5];
	info->repository = str[6];
	return RSL_OK;
}

static int decode_body(dec *d, const uint8_t *p, const char *want_env,
		       rsl_snapshot *s)
{
	const uint8_t *pos[NBODY];
	uint64_t v;
	int rc;
	/* The image's header first: the block is the image. */
	rsl__image *img = rsl__dec_alloc(d, 1, sizeof *img);
	if (img) {
		memcpy(img->magic, RSL__IMAGE_MAGIC, sizeof img->magic);
		memcpy(img->names, "targeting_key", 13);
		d->tkey = img->names;
		d->empty = img->names + 13;
	}
	d->img = img;
	memset(s, 0, sizeof *s);
	d->what = NULL;
	d->sub = SUB_NONE;
	/* The format first, before any other key is judged: a newer file gets
	 * "not supported", not a complaint about what it added. */
	rsl__cbor c = rsl__dec_at(d, p);
	const uint8_t *fmt = NULL;
	if (rsl__cbor_map(&c, &v) < 0)
		return rsl__dec_fail(d, RSL_EFORMAT, "the body must be a map");
	for (uint64_t k = 0; k < v && !fmt; k++) {
		const char *ks;
		size_t kn;
		if (rsl__cbor_text(&c, &ks, &kn) < 0)
			break;
		if (kn == sizeof RSL_K_FORMAT - 1 &&
		    memcmp(ks, RSL_K_FORMAT, sizeof RSL_K_FORMAT - 1) == 0)
			fmt = c.p;
		rsl__cbor_next(&c);
	}
	if (fmt) {
		c = rsl__dec_at(d, fmt);
		if (rsl__cbor_uint(&c, &v) < 0)
			return rsl__dec_fail(d, RSL_EFORMAT, "'format' must be an unsigned "
					     "integer");
		if (v != 1 && v != 2)
			return rsl__dec_fail(d, RSL_EVERSION, "snapshot format %llu is not "
					     "supported (this library reads formats 1 and 2)",
					     (unsigned long long)v);
	}
	unsigned format = (unsigned)v;
	if ((rc = rsl__dec_fields(d, p, "the body", body_names, NBODY, pos)) < 0 ||
	    (rc = rsl__dec_need(d, pos[B_FORMAT], "the body", RSL_K_FORMAT)) < 0)
		return rc;
	s->info.format = format;
	const char *env, *es;
	size_t en;
	d->meta = 1;
	rc = rsl__dec_need(d, pos[B_ENV], "the body", RSL_K_ENV);
	if (rc == RSL_OK)
		rc = rsl__dec_textz(d, pos[B_ENV], RSL_K_ENV, 1, 0, &env, &es, &en);
	d->meta = 0;
	if (rc < 0 ||
	    (rc = rsl__dec_name(d, RSL_K_ENV, es, en, 0, "an environment name")) < 0)
		return rc;
	if (want_env && (strlen(want_env) != en || memcmp(want_env, es, en) != 0))
		return rsl__fail(d->err, RSL_EENV, "snapshot is for '%.*s', "
				 "expected '%s'", (int)(en > 64 ? 64 : en), es,
				 want_env);
	s->info.environment = env;
	for (int j = 0; j < NBODY; j++)
		if (j != B_EXPIRES && j != B_SEGMENTS && j < B_FLAGS &&
		    (rc = rsl__dec_need(d, pos[j], "the body", body_names[j])) < 0)
			return rc;
	c = rsl__dec_at(d, pos[B_BUCKETING]);
	if (rsl__cbor_uint(&c, &v) < 0)
		return rsl__dec_fail(d, RSL_EFORMAT, "'bucketing' must be an unsigned integer");
	if (v != RSL_BUCKETING_ALGORITHM)
		return rsl__dec_fail(d, RSL_EVERSION, "bucketing algorithm %llu is not "
				     "supported (this library knows %d)",
				     (unsigned long long)v, RSL_BUCKETING_ALGORITHM);
	if ((rc = rsl__dec_uint(d, pos[B_VERSION], RSL_K_VERSION, UINT64_MAX,
				&s->info.version)) < 0 ||
	    (rc = rsl__dec_int(d, pos[B_ISSUED], RSL_K_ISSUED_AT, &s->info.issued_at)) < 0 ||
	    (pos[B_EXPIRES] && (rc = rsl__dec_int(d, pos[B_EXPIRES], RSL_K_EXPIRES_AT,
						  &s->info.expires_at)) < 0) ||
	    (d->meta = 1, rc = decode_provenance(d, pos[B_PROVENANCE], &s->info)) < 0)
		return rc;
	d->meta = 0;

	if (format == 2)
		return decode_image(d, pos, s);
	for (int j = B_DIGEST; j <= B_IMAGE; j++)
		if (pos[j])
			return rsl__dec_fail(d, RSL_EFORMAT, "'%s' is not part of format 1",
					     body_names[j]);
	if ((rc = rsl__dec_need(d, pos[B_FLAGS], "the body", RSL_K_FLAGS)) < 0)
		return rc;
	uint32_t nseg = 0, nflags = 0;
	if ((pos[B_SEGMENTS] && (rc = decode_array(d, pos[B_SEGMENTS], RSL_K_SEGMENTS,
						    MAX_SEGMENTS, &nseg)) < 0) ||
	    (rc = decode_array(d, pos[B_FLAGS], RSL_K_FLAGS, MAX_FLAGS, &nflags)) < 0)
		return rc;
	d->nsegments = nseg;
	d->nflags = nflags;
	rsl__segment *segs = rsl__dec_alloc(d, nseg, sizeof *segs);
	if (nseg) {
		c = rsl__dec_at(d, pos[B_SEGMENTS]);
		rsl__cbor_array(&c, &v);
		d->prev = NULL;
		for (uint32_t j = 0; j < nseg; j++) {
			rsl__segment st;
			if ((rc = decode_segment(d, c.p, j, SLOT(segs, j, st))) < 0)
				return rc;
			rsl__cbor_next(&c);
		}
	}
	rsl__flag *flags = rsl__dec_alloc(d, nflags, sizeof *flags);
	c = rsl__dec_at(d, pos[B_FLAGS]);
	rsl__cbor_array(&c, &v);
	d->prev = NULL;
	for (uint32_t i = 0; i < nflags; i++) {
		rsl__flag ft;
		if ((rc = decode_flag(d, c.p, i, SLOT(flags, i, ft))) < 0)
			return rc;
		rsl__cbor_next(&c);
	}
	d->what = NULL;
	d->sub = SUB_NONE;
	uint64_t nslots = 2;
	while (nslots < 2 * (uint64_t)nflags)
		nslots *= 2;
	uint32_t *slots = rsl__dec_alloc(d, (size_t)nslots, sizeof *slots);
	s->flags = flags;
	s->nflags = nflags;
	s->segments = segs;
	s->nsegments = nseg;
	s->slots = slots;
	s->mask = nslots - 1;
	s->info.flag_count = nflags;
	if (d->fill && !d->overflow) {
		s->image = img;
		img->nflags = nflags;
		img->nsegments = nseg;
		img->nslots = (uint32_t)nslots;
		rsl__ref_set(&img->flags, flags);
		rsl__ref_set(&img->segments, segs);
		rsl__ref_set(&img->slots, slots);
		memset(slots, 0, (size_t)nslots * sizeof *slots);
		rsl__build_index(s, slots);
	}
	return RSL_OK;
}

int rsl__decode_payload(rsl_snapshot **out, const uint8_t *p, size_t len,
			const char *want_env, rsl_error *err)
{
	rsl_snapshot tmp, *s;
	size_t bad = 0;
	int rc;
	if (out == NULL)
		return rsl__fail(err, RSL_EINVAL, "no output pointer");
	*out = NULL;
	if (p == NULL && len > 0)
		return rsl__fail(err, RSL_EINVAL, "no payload");
	if ((rc = rsl__cbor_check(p, len, &bad)) < 0)
		return rsl__fail(err, RSL_EFORMAT, "payload: byte %zu: %s", bad,
				 rsl__cbor_strerror(rc));
	dec d;
	memset(&d, 0, sizeof d);
	d.end = p + len;
	d.err = err;
	if ((rc = decode_body(&d, p, want_env, &tmp)) < 0)
		return rc;
	if (d.overflow || d.used > RSL__IMAGE_MAX)
		return rsl__fail(err, RSL_ENOMEM, "payload: too big to hold");
	size_t need_bytes = d.used, need_meta = d.mused;
	memset(&d, 0, sizeof d);
	d.end = p + len;
	d.err = err;
	d.fill = 1;
	d.cap = need_bytes;
	d.mcap = need_meta;
	/* Zeroed: the image's padding is part of a format 2 file. */
	d.blk = calloc(1, need_bytes);
	d.mblk = malloc(need_meta ? need_meta : 1);
	s = calloc(1, sizeof *s);
	if (d.blk == NULL || d.mblk == NULL || s == NULL) {
		free(d.blk);
		free(d.mblk);
		free(s);
		return rsl__fail(err, RSL_ENOMEM, "out of memory (%zu bytes for "
				 "the snapshot)", need_bytes);
	}
	if ((rc = decode_body(&d, p, want_env, s)) < 0)
		goto fail;
	s->meta = d.mblk;
	if (d.overflow || d.used != need_bytes || d.mused != need_meta ||
	    (void *)d.img != (void *)d.blk) {
		rc = rsl__fail(err, RSL_ENOMEM, "payload: decoding passes disagree");
		goto fail;
	}
	d.img->size = (uint32_t)need_bytes;
	s->block = d.blk;
	s->block_size = need_bytes;
	if ((rc = rsl__check_graph(&d, s)) < 0)
		goto fail;
	if (s->info.format == 1 && rsl__rules_digest(s->rules_digest, p, len) < 0) {
		rc = rsl__fail(err, RSL_EFORMAT, "payload: not a map");
		goto fail;
	}
	*out = s;
	return RSL_OK;
fail:
	free(d.blk);
	free(d.mblk);
	free(s);
	return rc;
}
