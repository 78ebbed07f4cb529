/*
 * decode_cond.c - the conditions and serves of a format 1 payload (splits,
 * schedule steps, variant references), for decode.c's two passes: the same
 * code counts and fills, writing through SLOT into stack temporaries when
 * counting.  See decode_ctx.h and docs/snapshot-format.md.
 */
#include <stdlib.h>
#include <string.h>

#include "cbor_reader.h"
#include "decode_ctx.h"
#include "match.h"
#include "semver.h"

typedef rsl__dec dec;

/* In the counting pass arr is NULL: write into tmp instead. */
#define SLOT(arr, i, tmp) ((arr) ? &(arr)[i] : &(tmp))

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

int rsl__dec_variant(rsl__dec *d, const uint8_t *at, const char *name, uint32_t *out)
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
			rc = rsl__dec_variant(d, pos[1], RSL_K_VARIANT, &s->variant);
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

int rsl__dec_serve(rsl__dec *d, const uint8_t *at, rsl__serve *out)
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
		out->by_kind = rsl__attr_kind(s, n);
		out->by_hash = rsl__name_hash(s, n);
	} else {
		rsl__ref_set(&out->by.p, d->tkey);
		out->by.len = 13;
		out->by_kind = RSL__ATTR_TARGETING_KEY;
	}
	if (kind == RSL_SERVE_VARIANT)
		return rsl__dec_variant(d, pos[1], RSL_K_VARIANT, &out->variant);
	if (kind == RSL_SERVE_SPLIT)
		return decode_split(d, pos[3], &out->split);
	return decode_steps(d, pos[4], out);
}

/* ------------------------------------------------------------ conditions */

enum { F_OP, F_ATTR, F_VALUE, F_VALUES, F_CI, F_KIDS, F_SEGMENT, NCOND };
static const char *const cond_names[NCOND] = { RSL_K_OP, RSL_K_ATTR, RSL_K_VALUE, RSL_K_VALUES,
					       RSL_K_CI, RSL_K_KIDS, RSL_K_SEGMENT };


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
		if ((rc = rsl__dec_cond(d, c.p, level + 1, SLOT(kids, i, tmp))) < 0)
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

int rsl__dec_cond(rsl__dec *d, const uint8_t *at, unsigned level, rsl__cond *out)
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
	out->attr_kind = rsl__attr_kind(an, al);
	out->attr_hash = rsl__name_hash(an, al);
	if (out->attr_kind == RSL__ATTR_NAMED && !d->fill) {
		if (d->nnames == d->names_cap) {
			uint32_t cap = d->names_cap ? 2 * d->names_cap : 64;
			rsl__cstr *g = cap > d->names_cap ? realloc(d->names, cap * sizeof *g) : NULL;
			if (g == NULL)
				return rsl__dec_fail(d, RSL_ENOMEM, "out of memory (attribute names)");
			d->names = g;
			d->names_cap = cap;
		}
		d->names[d->nnames++] = (rsl__cstr){ an, (uint32_t)al };
	} else if (out->attr_kind == RSL__ATTR_NAMED) {
		out->attr_id = rsl__dec_name_id(d, an, al);
		if (out->attr_id == RSL__NO_ID)
			return rsl__dec_fail(d, RSL_ENOMEM, "decoding passes disagree "
					     "(attribute names)");
	}
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
