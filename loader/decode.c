/*
 * decode.c - a verified payload to the structures of snap.h, once, at open.
 *
 * The payload is checked as canonical CBOR first (cbor_reader.c); then the Body is
 * walked twice by the same code: a counting pass that validates everything
 * and adds up the memory it needs, and a filling pass into one block of
 * exactly that size.  In the counting pass nothing is stored: allocations
 * return NULL and the walk writes into stack temporaries (SLOT), so the two
 * passes cannot disagree about what they validate.  A last pass over the
 * filled structures checks what spans the whole snapshot: prerequisite and
 * segment graphs (no cycles, bounded depth and expansion), and builds the
 * hash index.  See docs/snapshot-format.md for the format.
 */
/* Before any header: snap.h's index hash, inlined (snap.h). */
#define XXH_INLINE_ALL
#include "decode.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bucket.h"
#include "cbor_reader.h"
#include "eval.h"
#include "keyring.h"
#include "match.h"
#include "semver.h"

#define MAX_FLAGS RSL_MAX_FLAGS
#define MAX_SEGMENTS RSL_MAX_SEGMENTS
#define ALIGN 8u

typedef struct dec {
	const uint8_t *end;
	int fill;            /* 0: counting pass, 1: filling pass */
	unsigned char *blk;
	size_t used, cap;
	int overflow;        /* the filling pass wanted more than was counted */
	rsl_error *err;
	/* Where the walk is, for messages. */
	const char *what;    /* "flag", "segment" or NULL */
	uint32_t index;
	const char *key;     /* raw, from the payload; NULL before it is read */
	size_t keylen;
	int sub;             /* SUB_*: "rule 2: ", "default: ", ... */
	uint32_t subi;
	/* Counts that indexes are checked against. */
	uint32_t nflags, nsegments;
	uint32_t nvariants;  /* of the flag being decoded */
	uint8_t type;
	/* The previous flag or segment key, for the order. */
	const char *prev;
	size_t prevlen;
} dec;

enum { SUB_NONE, SUB_RULE, SUB_VARIANT, SUB_DEFAULT };

/* In the counting pass arr is NULL: write into tmp instead. */
#define SLOT(arr, i, tmp) ((arr) ? &(arr)[i] : &(tmp))

__attribute__((format(printf, 3, 4)))
static int fail(dec *d, int code, const char *fmt, ...)
{
	char msg[192], ctx[112] = "", sub[32] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (d->what && d->key)
		snprintf(ctx, sizeof ctx, "%s %u '%.*s': ", d->what,
			 (unsigned)d->index, (int)(d->keylen > 64 ? 64 : d->keylen),
			 d->key);
	else if (d->what)
		snprintf(ctx, sizeof ctx, "%s %u: ", d->what, (unsigned)d->index);
	if (d->sub == SUB_RULE)
		snprintf(sub, sizeof sub, "rule %u: ", (unsigned)d->subi);
	else if (d->sub == SUB_VARIANT)
		snprintf(sub, sizeof sub, "variant %u: ", (unsigned)d->subi);
	else if (d->sub == SUB_DEFAULT)
		snprintf(sub, sizeof sub, "default: ");
	return rsl__fail(d->err, code, "payload: %s%s%s", ctx, sub, msg);
}

static void *dalloc(dec *d, size_t n, size_t size)
{
	if (n == 0 || size == 0)
		return NULL;
	if (n > SIZE_MAX / size - ALIGN) {
		d->overflow = 1;
		return NULL;
	}
	size_t bytes = (n * size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (!d->fill) {
		if (bytes > SIZE_MAX - d->used)
			d->overflow = 1;
		else
			d->used += bytes;
		return NULL;
	}
	if (bytes > d->cap - d->used) {
		d->overflow = 1;
		return NULL;
	}
	void *p = d->blk + d->used;
	d->used += bytes;
	return p;
}

static rsl__cbor at_(const dec *d, const uint8_t *at)
{
	rsl__cbor c = { at, d->end };
	return c;
}

/* ------------------------------------------------------------- scalars */

/* Reads the map at `at`, whose keys must all be among names[0..nn), and
 * stores where each value is (NULL: absent). */
static int fields(dec *d, const uint8_t *at, const char *what,
		  const char *const *names, size_t nn, const uint8_t **pos)
{
	rsl__cbor c = at_(d, at);
	uint64_t n;
	for (size_t j = 0; j < nn; j++)
		pos[j] = NULL;
	if (rsl__cbor_map(&c, &n) < 0)
		return fail(d, RSL_EFORMAT, "%s must be a map", what);
	for (uint64_t k = 0; k < n; k++) {
		const char *s;
		size_t len, j;
		if (rsl__cbor_text(&c, &s, &len) < 0)
			return fail(d, RSL_EFORMAT, "%s: keys must be text", what);
		for (j = 0; j < nn; j++)
			if (strlen(names[j]) == len && memcmp(names[j], s, len) == 0)
				break;
		if (j == nn)
			return fail(d, RSL_EFORMAT, "%s: unknown key '%.*s'", what,
				    (int)(len > 64 ? 64 : len), s);
		pos[j] = c.p;
		if (rsl__cbor_next(&c) < 0)
			return fail(d, RSL_EFORMAT, "%s: malformed value", what);
	}
	return RSL_OK;
}

static int need(dec *d, const uint8_t *p, const char *what, const char *name)
{
	if (p == NULL)
		return fail(d, RSL_EFORMAT, "%s: missing '%s'", what, name);
	return RSL_OK;
}

static int get_uint(dec *d, const uint8_t *at, const char *name, uint64_t max,
		    uint64_t *out)
{
	rsl__cbor c = at_(d, at);
	if (rsl__cbor_uint(&c, out) < 0)
		return fail(d, RSL_EFORMAT, "'%s' must be an unsigned integer", name);
	if (*out > max)
		return fail(d, RSL_EFORMAT, "'%s' is %llu, more than %llu", name,
			    (unsigned long long)*out, (unsigned long long)max);
	return RSL_OK;
}

static int get_u32(dec *d, const uint8_t *at, const char *name, uint32_t *out)
{
	uint64_t v;
	int rc = get_uint(d, at, name, UINT32_MAX, &v);
	*out = (uint32_t)v;
	return rc;
}

static int get_int(dec *d, const uint8_t *at, const char *name, int64_t *out)
{
	rsl__cbor c = at_(d, at);
	if (rsl__cbor_int(&c, out) < 0)
		return fail(d, RSL_EFORMAT, "'%s' must be a 64-bit integer", name);
	return RSL_OK;
}

static int get_bool(dec *d, const uint8_t *at, const char *name, int *out)
{
	rsl__cbor c = at_(d, at);
	if (rsl__cbor_bool(&c, out) < 0)
		return fail(d, RSL_EFORMAT, "'%s' must be a boolean", name);
	return RSL_OK;
}

/* Copies text into the block (filling pass); raw/rawlen (optional) get the
 * bytes in the payload, which both passes can compare.  maxlen 0: any. */
static int get_text(dec *d, const uint8_t *at, const char *name, size_t minlen,
		    size_t maxlen, rsl__str *out, const char **raw, size_t *rawlen)
{
	rsl__cbor c = at_(d, at);
	const char *s;
	size_t n;
	if (rsl__cbor_text(&c, &s, &n) < 0)
		return fail(d, RSL_EFORMAT, "'%s' must be a text string", name);
	if (n < minlen)
		return fail(d, RSL_EFORMAT, "'%s' is empty", name);
	if ((maxlen && n > maxlen) || n > UINT32_MAX - 1)
		return fail(d, RSL_EFORMAT, "'%s' is longer than %zu bytes", name,
			    maxlen ? maxlen : (size_t)UINT32_MAX - 1);
	if (memchr(s, '\0', n))
		return fail(d, RSL_EFORMAT, "'%s' contains a NUL byte", name);
	char *p = dalloc(d, n + 1, 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	out->p = p ? p : "";
	out->len = (uint32_t)n;
	if (raw)
		*raw = s;
	if (rawlen)
		*rawlen = n;
	return RSL_OK;
}

enum { K_BOOL = 1, K_INT = 2, K_FLOAT = 4, K_TEXT = 8 };

static const char *kinds_text(unsigned k)
{
	switch (k) {
	case K_BOOL: return "a boolean";
	case K_INT: return "an integer";
	case K_TEXT: return "a text string";
	case K_INT | K_FLOAT: return "a number";
	case K_INT | K_FLOAT | K_TEXT: return "a text string or a number";
	default: return "a text string, a number or a boolean";
	}
}

/* A scalar of one of the allowed kinds.  Ints read as RSL__V_INT with f
 * set; floats must be finite. */
static int get_val(dec *d, const uint8_t *at, const char *name, unsigned allowed,
		   rsl__val *out, const char **raw, size_t *rawlen)
{
	rsl__cbor c = at_(d, at);
	memset(out, 0, sizeof *out);
	out->s.p = "";
	unsigned got;
	int m = rsl__cbor_peek(&c);
	if (m == RSL__CBOR_UINT || m == RSL__CBOR_NINT) {
		got = K_INT;
		if ((allowed & K_INT) && rsl__cbor_int(&c, &out->i) < 0)
			return fail(d, RSL_EFORMAT, "'%s' is out of the 64-bit "
				    "integer range", name);
		out->kind = RSL__V_INT;
		out->f = (double)out->i;
	} else if (m == RSL__CBOR_TEXT) {
		got = K_TEXT;
		if (allowed & K_TEXT) {
			int rc = get_text(d, at, name, 0, 0, &out->s, raw, rawlen);
			if (rc < 0)
				return rc;
		}
		out->kind = RSL__V_STRING;
	} else if (rsl__cbor_bool(&c, &out->b) == 0) {
		got = K_BOOL;
		out->kind = RSL__V_BOOL;
	} else if (rsl__cbor_float(&c, &out->f) == 0) {
		got = K_FLOAT;
		out->kind = RSL__V_FLOAT;
		if (out->f != out->f || out->f - out->f != 0.0)
			return fail(d, RSL_EFORMAT, "'%s' is not a finite number",
				    name);
	} else {
		got = 0;
	}
	if ((got & allowed) == 0)
		return fail(d, RSL_EFORMAT, "'%s' must be %s", name,
			    kinds_text(allowed));
	return RSL_OK;
}

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
	rsl__cbor c = at_(d, at);
	uint64_t n;
	if (rsl__cbor_array(&c, &n) < 0 || n == 0 || n > RSL_MAX_VARIANTS)
		return fail(d, RSL_EFORMAT, "'split' must be an array of 1 to %d "
			    "[variant, weight] entries", RSL_MAX_VARIANTS);
	uint32_t *var = dalloc(d, (size_t)n, sizeof *var);
	uint32_t *up = dalloc(d, (size_t)n, sizeof *up);
	uint64_t sum = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t two, v, w;
		if (rsl__cbor_array(&c, &two) < 0 || two != 2 ||
		    rsl__cbor_uint(&c, &v) < 0 || rsl__cbor_uint(&c, &w) < 0)
			return fail(d, RSL_EFORMAT, "split entry %u must be "
				    "[variant index, weight]", (unsigned)i);
		if (v >= d->nvariants)
			return fail(d, RSL_EFORMAT, "split entry %u: variant index "
				    "%llu out of range (%u variants)", (unsigned)i,
				    (unsigned long long)v, (unsigned)d->nvariants);
		if (w > RSL_WEIGHT_TOTAL || (sum += w) > RSL_WEIGHT_TOTAL)
			return fail(d, RSL_EFORMAT, "split weights add up to more "
				    "than %u", RSL_WEIGHT_TOTAL);
		if (var) {
			var[i] = (uint32_t)v;
			up[i] = (uint32_t)sum;
		}
	}
	if (sum != RSL_WEIGHT_TOTAL)
		return fail(d, RSL_EFORMAT, "split weights add up to %llu, not %u",
			    (unsigned long long)sum, RSL_WEIGHT_TOTAL);
	out->n = (uint32_t)n;
	out->variant = var;
	out->upper = up;
	return RSL_OK;
}

static int get_variant(dec *d, const uint8_t *at, const char *name,
		       uint32_t *out)
{
	uint64_t v;
	rsl__cbor c = at_(d, at);
	if (rsl__cbor_uint(&c, &v) < 0)
		return fail(d, RSL_EFORMAT, "'%s' must be an unsigned integer", name);
	if (v >= d->nvariants)
		return fail(d, RSL_EFORMAT, "variant index %llu out of range "
			    "(%u variants)", (unsigned long long)v,
			    (unsigned)d->nvariants);
	*out = (uint32_t)v;
	return RSL_OK;
}

static int decode_steps(dec *d, const uint8_t *at, rsl__serve *out)
{
	static const char *const names[] = { "at", "variant", "split" };
	rsl__cbor c = at_(d, at);
	uint64_t n;
	int rc;
	if (rsl__cbor_array(&c, &n) < 0 || n == 0 || n > RSL_MAX_STEPS)
		return fail(d, RSL_EFORMAT, "'steps' must be an array of 1 to %d "
			    "steps", RSL_MAX_STEPS);
	rsl__step *steps = dalloc(d, (size_t)n, sizeof *steps);
	int64_t prev = 0;
	for (uint32_t i = 0; i < n; i++) {
		rsl__step tmp, *s = SLOT(steps, i, tmp);
		const uint8_t *pos[3];
		memset(s, 0, sizeof *s);
		if ((rc = fields(d, c.p, "step", names, 3, pos)) < 0 ||
		    (rc = need(d, pos[0], "step", "at")) < 0 ||
		    (rc = get_int(d, pos[0], "at", &s->at)) < 0)
			return rc;
		if (i > 0 && s->at <= prev)
			return fail(d, RSL_EFORMAT, "step %u: 'at' %lld is not after "
				    "the previous step's %lld", (unsigned)i,
				    (long long)s->at, (long long)prev);
		prev = s->at;
		if ((pos[1] == NULL) == (pos[2] == NULL))
			return fail(d, RSL_EFORMAT, "step %u must have exactly one "
				    "of 'variant' and 'split'", (unsigned)i);
		if (pos[1]) {
			s->kind = RSL_SERVE_VARIANT;
			rc = get_variant(d, pos[1], "variant", &s->variant);
		} else {
			s->kind = RSL_SERVE_SPLIT;
			rc = decode_split(d, pos[2], &s->split);
		}
		if (rc < 0)
			return rc;
		if (rsl__cbor_next(&c) < 0)
			return fail(d, RSL_EFORMAT, "malformed step");
	}
	out->steps = steps;
	out->nsteps = (uint32_t)n;
	return RSL_OK;
}

static int decode_serve(dec *d, const uint8_t *at, rsl__serve *out)
{
	static const char *const names[] = { "kind", "variant", "by", "split",
					     "steps" };
	const uint8_t *pos[5];
	uint64_t kind;
	int rc;
	memset(out, 0, sizeof *out);
	out->by.p = "";
	if ((rc = fields(d, at, "serve", names, 5, pos)) < 0 ||
	    (rc = need(d, pos[0], "serve", "kind")) < 0 ||
	    (rc = get_uint(d, pos[0], "kind", UINT64_MAX, &kind)) < 0)
		return rc;
	/* Which keys each kind needs (1) or allows (2), by names[] order. */
	static const char rule[3][5] = { { 1, 1, 0, 0, 0 },
					 { 1, 0, 1, 1, 0 },
					 { 1, 0, 2, 0, 1 } };
	if (kind > RSL_SERVE_SCHEDULE)
		return fail(d, RSL_EFORMAT, "serve: unknown kind %llu",
			    (unsigned long long)kind);
	for (int j = 1; j < 5; j++) {
		if (pos[j] && rule[kind][j] == 0)
			return fail(d, RSL_EFORMAT, "serve: '%s' is not allowed with "
				    "kind %u", names[j], (unsigned)kind);
		if (!pos[j] && rule[kind][j] == 1)
			return fail(d, RSL_EFORMAT, "serve: missing '%s' (kind %u)",
				    names[j], (unsigned)kind);
	}
	out->kind = (uint8_t)kind;
	if (pos[2]) {
		const char *s;
		size_t n;
		if ((rc = get_text(d, pos[2], "by", 1, 0, &out->by, &s, &n)) < 0)
			return rc;
		out->by_kind = attr_kind(s, n);
	} else {
		out->by.p = "targeting_key";
		out->by.len = 13;
		out->by_kind = RSL__ATTR_TARGETING_KEY;
	}
	if (kind == RSL_SERVE_VARIANT)
		return get_variant(d, pos[1], "variant", &out->variant);
	if (kind == RSL_SERVE_SPLIT)
		return decode_split(d, pos[3], &out->split);
	return decode_steps(d, pos[4], out);
}

/* ------------------------------------------------------------ conditions */

enum { F_OP, F_ATTR, F_VALUE, F_VALUES, F_CI, F_KIDS, F_SEGMENT, NCOND };
static const char *const cond_names[NCOND] = { "op", "attr", "value", "values",
					       "ci", "kids", "segment" };

static int decode_cond(dec *d, const uint8_t *at, unsigned level, rsl__cond *out);

static int decode_kids(dec *d, const uint8_t *at, unsigned level, uint64_t min,
		       uint64_t max, rsl__cond *out)
{
	rsl__cbor c = at_(d, at);
	uint64_t n;
	int rc;
	if (rsl__cbor_array(&c, &n) < 0 || n < min || n > max)
		return fail(d, RSL_EFORMAT, "op %u: 'kids' must be an array of %llu "
			    "to %llu conditions", (unsigned)out->op,
			    (unsigned long long)min, (unsigned long long)max);
	rsl__cond *kids = dalloc(d, (size_t)n, sizeof *kids);
	for (uint32_t i = 0; i < n; i++) {
		rsl__cond tmp;
		if ((rc = decode_cond(d, c.p, level + 1, SLOT(kids, i, tmp))) < 0)
			return rc;
		if (rsl__cbor_next(&c) < 0)
			return fail(d, RSL_EFORMAT, "malformed condition");
	}
	out->kids = kids;
	out->nkids = (uint32_t)n;
	return RSL_OK;
}

static int decode_list(dec *d, const uint8_t *at, rsl__cond *out)
{
	rsl__cbor c = at_(d, at);
	uint64_t n;
	int rc;
	if (rsl__cbor_array(&c, &n) < 0 || n == 0 || n > RSL_MAX_LIST)
		return fail(d, RSL_EFORMAT, "op %u: 'values' must be an array of 1 "
			    "to %d values", (unsigned)out->op, RSL_MAX_LIST);
	rsl__val *list = dalloc(d, (size_t)n, sizeof *list);
	for (uint32_t i = 0; i < n; i++) {
		rsl__val tmp;
		if ((rc = get_val(d, c.p, "values", K_TEXT | K_INT | K_FLOAT,
				  SLOT(list, i, tmp), NULL, NULL)) < 0)
			return rc;
		rsl__cbor_next(&c);
	}
	out->list = list;
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
	out->attr.p = "";
	out->value.s.p = "";
	if (level > RSL_MAX_COND_DEPTH)
		return fail(d, RSL_EFORMAT, "conditions nested deeper than %d levels",
			    RSL_MAX_COND_DEPTH);
	if ((rc = fields(d, at, "condition", cond_names, NCOND, pos)) < 0 ||
	    (rc = need(d, pos[F_OP], "condition", "op")) < 0 ||
	    (rc = get_uint(d, pos[F_OP], "op", UINT64_MAX, &op)) < 0)
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
		return fail(d, RSL_EFORMAT, "unknown condition op %llu",
			    (unsigned long long)op);
	}
	out->op = (uint8_t)op;
	for (int j = 1; j < NCOND; j++) {
		if (pos[j] && !(want & 1u << j))
			return fail(d, RSL_EFORMAT, "condition: '%s' is not allowed "
				    "with op %u", cond_names[j], (unsigned)op);
		if (!pos[j] && (want & 1u << j) && j != F_CI)
			return fail(d, RSL_EFORMAT, "condition: missing '%s' (op %u)",
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
		rsl__cbor c = at_(d, pos[F_SEGMENT]);
		if (rsl__cbor_uint(&c, &s) < 0)
			return fail(d, RSL_EFORMAT, "'segment' must be an unsigned "
				    "integer");
		if (s >= d->nsegments)
			return fail(d, RSL_EFORMAT, "segment index %llu out of range "
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
	if ((rc = get_text(d, pos[F_ATTR], "attr", 1, 0, &out->attr, &an, &al)) < 0)
		return rc;
	out->attr_kind = attr_kind(an, al);
	if (pos[F_CI]) {
		int ci;
		if ((rc = get_bool(d, pos[F_CI], "ci", &ci)) < 0)
			return rc;
		if (!ci)
			return fail(d, RSL_EFORMAT, "'ci' is written only when true");
		out->ci = 1;
	}
	const char *s = NULL;
	size_t n = 0;
	switch (op) {
	case RSL_OP_EQ:
	case RSL_OP_NE:
		return get_val(d, pos[F_VALUE], "value",
			       K_TEXT | K_INT | K_FLOAT | K_BOOL, &out->value, NULL,
			       NULL);
	case RSL_OP_IN:
	case RSL_OP_NOT_IN:
		return decode_list(d, pos[F_VALUES], out);
	case RSL_OP_CONTAINS:
	case RSL_OP_STARTS_WITH:
	case RSL_OP_ENDS_WITH:
		return get_val(d, pos[F_VALUE], "value", K_TEXT, &out->value, NULL,
			       NULL);
	case RSL_OP_LT:
	case RSL_OP_LTE:
	case RSL_OP_GT:
	case RSL_OP_GTE:
		return get_val(d, pos[F_VALUE], "value", K_INT | K_FLOAT,
			       &out->value, NULL, NULL);
	case RSL_OP_BEFORE:
	case RSL_OP_AFTER:
		if ((rc = get_val(d, pos[F_VALUE], "value", K_INT, &out->value,
				  NULL, NULL)) < 0)
			return rc;
		out->time = out->value.i;
		return RSL_OK;
	case RSL_OP_EXISTS:
		return get_val(d, pos[F_VALUE], "value", K_BOOL, &out->value, NULL,
			       NULL);
	default: /* semver_* */
		if ((rc = get_val(d, pos[F_VALUE], "value", K_TEXT, &out->value, &s,
				  &n)) < 0)
			return rc;
		/* The filling pass parses the copy, so that pre points into
		 * memory the snapshot owns. */
		if (d->fill && !d->overflow)
			s = out->value.s.p;
		if ((rc = rsl__semver_parse(&out->semver, s, n)) != 0)
			return fail(d, RSL_EFORMAT, rc == RSL__SEMVER_RANGE
				    ? "'%.*s' is not a semantic version: a number "
				      "is over 18446744073709551615"
				    : "'%.*s' is not a semantic version",
				    (int)(n > 64 ? 64 : n), s);
		return RSL_OK;
	}
}

/* ------------------------------------------------------- flags, segments */

static int check_order(dec *d, const char *what, const char *k, size_t n)
{
	if (d->prev && key_cmp(d->prev, d->prevlen, k, n) >= 0)
		return fail(d, RSL_EFORMAT, "%ss are not sorted by key, or not "
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
	static const char *const names[] = { "key", "when" };
	const uint8_t *pos[2];
	int rc;
	d->what = "segment";
	d->index = i;
	d->key = NULL;
	memset(out, 0, sizeof *out);
	if ((rc = fields(d, at, "segment", names, 2, pos)) < 0 ||
	    (rc = need(d, pos[0], "segment", "key")) < 0 ||
	    (rc = get_text(d, pos[0], "key", 1, RSL_KEY_MAX, &out->key, &d->key,
			   &d->keylen)) < 0 ||
	    (rc = check_order(d, "segment", d->key, d->keylen)) < 0 ||
	    (rc = need(d, pos[1], "segment", "when")) < 0)
		return rc;
	rsl__cond tmp, *when = dalloc(d, 1, sizeof *when);
	if ((rc = decode_cond(d, pos[1], 1, SLOT(when, 0, tmp))) < 0)
		return rc;
	out->when = when;
	return RSL_OK;
}

static int decode_variants(dec *d, const uint8_t *at, rsl__flag *f)
{
	rsl__cbor c = at_(d, at);
	uint64_t n;
	int rc;
	if (rsl__cbor_array(&c, &n) < 0 || n == 0 || n > RSL_MAX_VARIANTS)
		return fail(d, RSL_EFORMAT, "'variants' must be an array of 1 to %d "
			    "[name, value] pairs", RSL_MAX_VARIANTS);
	rsl__variant *vs = dalloc(d, (size_t)n, sizeof *vs);
	const char *nm[RSL_MAX_VARIANTS];
	size_t nl[RSL_MAX_VARIANTS];
	static const unsigned kind_of[] = { K_BOOL, K_TEXT, K_INT, K_INT | K_FLOAT,
					    K_TEXT };
	for (uint32_t i = 0; i < n; i++) {
		rsl__variant tmp, *v = SLOT(vs, i, tmp);
		uint64_t two;
		if (rsl__cbor_array(&c, &two) < 0 || two != 2)
			return fail(d, RSL_EFORMAT, "variant %u must be [name, value]",
				    (unsigned)i);
		d->sub = SUB_VARIANT, d->subi = i;
		if ((rc = get_text(d, c.p, "name", 1, RSL_KEY_MAX, &v->name,
				   &nm[i], &nl[i])) < 0)
			return rc;
		for (uint32_t j = 0; j < i; j++)
			if (nl[j] == nl[i] && memcmp(nm[j], nm[i], nl[i]) == 0)
				return fail(d, RSL_EFORMAT, "duplicate variant "
					    "name '%.*s'", (int)nl[i], nm[i]);
		rsl__cbor_next(&c);
		if ((rc = get_val(d, c.p, "value", kind_of[f->type], &v->value,
				  NULL, NULL)) < 0)
			return rc;
		rsl__cbor_next(&c);
		if (f->type == RSL_TYPE_FLOAT && v->value.kind == RSL__V_INT)
			v->value.kind = RSL__V_FLOAT; /* f is set */
		else if (f->type == RSL_TYPE_OBJECT)
			v->value.kind = RSL__V_JSON;
		d->sub = SUB_NONE;
	}
	f->variants = vs;
	f->nvariants = (uint32_t)n;
	d->nvariants = (uint32_t)n;
	return RSL_OK;
}

static int decode_requires(dec *d, const uint8_t *at, uint32_t self,
			   rsl__flag *f)
{
	rsl__cbor c = at_(d, at);
	uint64_t n;
	if (rsl__cbor_array(&c, &n) < 0)
		return fail(d, RSL_EFORMAT, "'requires' must be an array");
	rsl__req *rq = dalloc(d, (size_t)n, sizeof *rq);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t two, fi, vi;
		if (rsl__cbor_array(&c, &two) < 0 || two != 2 ||
		    rsl__cbor_uint(&c, &fi) < 0 || rsl__cbor_uint(&c, &vi) < 0)
			return fail(d, RSL_EFORMAT, "requires %u must be [flag index, "
				    "variant index]", (unsigned)i);
		if (fi >= d->nflags)
			return fail(d, RSL_EFORMAT, "requires %u: flag index %llu out "
				    "of range (%u flags)", (unsigned)i,
				    (unsigned long long)fi, (unsigned)d->nflags);
		if (fi == self)
			return fail(d, RSL_EFORMAT, "requires %u: the flag requires "
				    "itself", (unsigned)i);
		if (vi >= RSL_MAX_VARIANTS)
			return fail(d, RSL_EFORMAT, "requires %u: variant index %llu "
				    "out of range", (unsigned)i,
				    (unsigned long long)vi);
		if (rq) {
			rq[i].flag = (uint32_t)fi;
			rq[i].variant = (uint32_t)vi;
		}
	}
	f->requires = rq;
	f->nrequires = (uint32_t)n;
	return RSL_OK;
}

static int decode_rules(dec *d, const uint8_t *at, rsl__flag *f)
{
	static const char *const names[] = { "name", "line", "serve", "when" };
	rsl__cbor c = at_(d, at);
	uint64_t n;
	int rc;
	if (rsl__cbor_array(&c, &n) < 0 || n > RSL_MAX_RULES)
		return fail(d, RSL_EFORMAT, "'rules' must be an array of at most %d "
			    "rules", RSL_MAX_RULES);
	rsl__rule *rules = dalloc(d, (size_t)n, sizeof *rules);
	for (uint32_t i = 0; i < n; i++) {
		rsl__rule tmp, *r = SLOT(rules, i, tmp);
		const uint8_t *pos[4];
		memset(r, 0, sizeof *r);
		d->sub = SUB_RULE, d->subi = i;
		if ((rc = fields(d, c.p, "rule", names, 4, pos)) < 0 ||
		    (rc = need(d, pos[0], "rule", "name")) < 0 ||
		    (rc = get_text(d, pos[0], "name", 0, 0, &r->name, NULL,
				   NULL)) < 0 ||
		    (rc = need(d, pos[1], "rule", "line")) < 0 ||
		    (rc = get_u32(d, pos[1], "line", &r->line)) < 0 ||
		    (rc = need(d, pos[2], "rule", "serve")) < 0 ||
		    (rc = decode_serve(d, pos[2], &r->serve)) < 0)
			return rc;
		if (pos[3]) {
			rsl__cond ctmp, *when = dalloc(d, 1, sizeof *when);
			if ((rc = decode_cond(d, pos[3], 1, SLOT(when, 0, ctmp))) < 0)
				return rc;
			r->when = when;
		}
		rsl__cbor_next(&c);
	}
	d->sub = SUB_NONE;
	f->rules = rules;
	f->nrules = (uint32_t)n;
	return RSL_OK;
}

static int decode_targeting(dec *d, const uint8_t *at, uint32_t self,
			    rsl__flag *f)
{
	static const char *const names[] = { "file", "enabled", "requires",
					     "rules", "default", "default_line" };
	const uint8_t *pos[6];
	int rc, enabled;
	if ((rc = fields(d, at, "targeting", names, 6, pos)) < 0)
		return rc;
	for (int j = 0; j < 6; j++)
		if (j != 2 && j != 3 && (rc = need(d, pos[j], "targeting",
						   names[j])) < 0)
			return rc;
	if ((rc = get_text(d, pos[0], "file", 0, 0, &f->tfile, NULL, NULL)) < 0 ||
	    (rc = get_bool(d, pos[1], "enabled", &enabled)) < 0 ||
	    (pos[2] && (rc = decode_requires(d, pos[2], self, f)) < 0) ||
	    (pos[3] && (rc = decode_rules(d, pos[3], f)) < 0) ||
	    (rc = get_u32(d, pos[5], "default_line", &f->default_line)) < 0)
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
	static const char *const names[] = { "key", "type", "variants", "off",
					     "salt", "file", "line", "targeting" };
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
	f->tfile.p = "";
	if ((rc = fields(d, at, "flag", names, 8, pos)) < 0 ||
	    (rc = need(d, pos[0], "flag", "key")) < 0 ||
	    (rc = get_text(d, pos[0], "key", 1, RSL_KEY_MAX, &f->key, &d->key,
			   &d->keylen)) < 0 ||
	    (rc = check_order(d, "flag", d->key, d->keylen)) < 0)
		return rc;
	for (int j = 1; j < 7; j++)
		if ((rc = need(d, pos[j], "flag", names[j])) < 0)
			return rc;
	if ((rc = get_uint(d, pos[1], "type", RSL_TYPE_OBJECT, &type)) < 0)
		return rc;
	f->type = (uint8_t)type;
	d->type = f->type;
	f->hash = rsl__key_hash(d->key, d->keylen);
	if ((rc = decode_variants(d, pos[2], f)) < 0 ||
	    (rc = get_variant(d, pos[3], "off", &f->off)) < 0 ||
	    (rc = get_text(d, pos[4], "salt", 0, 0, &f->salt, &salt, &saltlen)) < 0 ||
	    (rc = get_text(d, pos[5], "file", 0, 0, &f->file, NULL, NULL)) < 0 ||
	    (rc = get_u32(d, pos[6], "line", &f->line)) < 0)
		return rc;
	f->seed = rsl__bucket_seed(salt, saltlen); /* once, not per evaluation */
	if (pos[7]) {
		if ((rc = decode_targeting(d, pos[7], i, f)) < 0)
			return rc;
	} else {
		f->dflt.kind = RSL_SERVE_VARIANT;
		f->dflt.variant = f->off;
		f->dflt.by.p = "";
	}
	f->is_static = f->configured && f->enabled && f->nrequires == 0 &&
		       f->nrules == 0 && f->dflt.kind == RSL_SERVE_VARIANT;
	return RSL_OK;
}

/* Decodes an array of n items with one function, as segments or flags. */
static int decode_array(dec *d, const uint8_t *at, const char *name,
			uint32_t max, uint32_t *count)
{
	rsl__cbor c = at_(d, at);
	uint64_t n;
	if (rsl__cbor_array(&c, &n) < 0)
		return fail(d, RSL_EFORMAT, "'%s' must be an array", name);
	if (n > max)
		return fail(d, RSL_EFORMAT, "%llu %s, more than %u",
			    (unsigned long long)n, name, (unsigned)max);
	*count = (uint32_t)n;
	return RSL_OK;
}

/* ------------------------------------------------------ the whole graph */

typedef struct graph {
	dec *d;
	const rsl_snapshot *s;
	uint8_t *state;   /* per segment, then per flag: 0 new, 1 open, 2 done */
	uint8_t *depth;   /* segment: levels of its condition; flag: chain */
	uint64_t *cost;   /* segment: cost of its condition; flag: cost(flag)
			     (rsl_format.h), both saturated at CAP */
	uint64_t *own;    /* per flag: its cost without its prerequisites */
	uint32_t *seen;   /* per flag: 1 + the flag whose requires named it last */
} graph;

/* Costs saturate here, far past the budget (messages give the figure), so
 * that sums cannot overflow. */
#define CAP ((uint64_t)1 << 40)

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b > CAP ? CAP : a + b;
}

static int seg_walk(graph *g, uint32_t j, unsigned level);

/* Depth (levels from c down) and cost (rsl_format.h) of condition c, found
 * at nesting level `level` (1 for a rule's `when`); cost is added to. */
static int cond_walk(graph *g, const rsl__cond *c, unsigned level,
		     unsigned *depth, uint64_t *cost)
{
	int rc;
	if (level > RSL_MAX_COND_DEPTH)
		return fail(g->d, RSL_EFORMAT, "conditions nested deeper than %d "
			    "levels (counting through segments)",
			    RSL_MAX_COND_DEPTH);
	*cost = sat_add(*cost, 1);
	if (c->op == RSL_OP_IN || c->op == RSL_OP_NOT_IN)
		*cost = sat_add(*cost, c->nlist);
	*depth = 1;
	if (c->op == RSL_OP_SEGMENT) {
		if ((rc = seg_walk(g, c->segment, level + 1)) < 0)
			return rc;
		*depth = 1u + g->depth[c->segment];
		if (level - 1 + *depth > RSL_MAX_COND_DEPTH)
			return fail(g->d, RSL_EFORMAT, "conditions nested deeper "
				    "than %d levels (counting through segments)",
				    RSL_MAX_COND_DEPTH);
		*cost = sat_add(*cost, g->cost[c->segment]);
		return RSL_OK;
	}
	for (uint32_t i = 0; i < c->nkids; i++) {
		unsigned kd;
		if ((rc = cond_walk(g, &c->kids[i], level + 1, &kd, cost)) < 0)
			return rc;
		if (kd + 1 > *depth)
			*depth = kd + 1;
	}
	return RSL_OK;
}

static int seg_walk(graph *g, uint32_t j, unsigned level)
{
	if (g->state[j] == 2)
		return RSL_OK;
	if (g->state[j] == 1)
		return fail(g->d, RSL_EFORMAT, "segments refer to each other in a "
			    "cycle through '%s'", g->s->segments[j].key.p);
	g->state[j] = 1;
	unsigned depth;
	uint64_t cost = 0;
	int rc = cond_walk(g, g->s->segments[j].when, level, &depth, &cost);
	if (rc < 0)
		return rc;
	g->state[j] = 2;
	g->depth[j] = (uint8_t)depth;
	g->cost[j] = cost;
	return RSL_OK;
}

/* The longest prerequisite chain below flag i, and cost(flag i): its own
 * cost plus, for each prerequisite, that flag's whole cost, as often as the
 * evaluator evaluates it (once per requiring flag; a flag reached through
 * two paths is evaluated, and counted, twice). */
static int req_walk(graph *g, uint32_t i, unsigned level)
{
	size_t k = g->s->nsegments + (size_t)i;
	const rsl__flag *f = &g->s->flags[i];
	if (g->state[k] == 2)
		return RSL_OK;
	if (g->state[k] == 1)
		return fail(g->d, RSL_EFORMAT, "prerequisites form a cycle through "
			    "flag '%s'", f->key.p);
	if (level > RSL_MAX_PREREQ_DEPTH)
		return fail(g->d, RSL_EFORMAT, "prerequisites nest deeper than %d "
			    "flags", RSL_MAX_PREREQ_DEPTH);
	g->state[k] = 1;
	unsigned depth = 0;
	uint64_t cost = g->own[i];
	for (uint32_t r = 0; r < f->nrequires; r++) {
		const rsl__req *rq = &f->requires[r];
		const rsl__flag *t = &g->s->flags[rq->flag];
		if (rq->variant >= t->nvariants)
			return fail(g->d, RSL_EFORMAT, "flag '%s' requires variant "
				    "index %u of '%s', out of range (%u variants)",
				    f->key.p, (unsigned)rq->variant, t->key.p,
				    (unsigned)t->nvariants);
		int rc = req_walk(g, rq->flag, level + 1);
		if (rc < 0)
			return rc;
		size_t tk = g->s->nsegments + (size_t)rq->flag;
		if (g->depth[tk] + 1u > depth)
			depth = g->depth[tk] + 1u;
		cost = sat_add(cost, g->cost[tk]);
	}
	if (level + depth > RSL_MAX_PREREQ_DEPTH)
		return fail(g->d, RSL_EFORMAT, "prerequisites nest deeper than %d "
			    "flags", RSL_MAX_PREREQ_DEPTH);
	if (cost > RSL_MAX_FLAG_COST)
		return fail(g->d, RSL_EFORMAT, "evaluating flag '%s' costs %s%llu "
			    "(condition tests, in/not_in operands, rules and "
			    "prerequisites, through segments), over the budget of %u",
			    f->key.p, cost >= CAP ? "more than " : "",
			    (unsigned long long)cost,
			    RSL_MAX_FLAG_COST);
	g->state[k] = 2;
	g->depth[k] = (uint8_t)depth;
	g->cost[k] = cost;
	return RSL_OK;
}

static int check_graph(dec *d, rsl_snapshot *s)
{
	size_t n = (size_t)s->nsegments + s->nflags;
	size_t nf = s->nflags ? s->nflags : 1;
	graph g = { d, s, calloc(n ? n : 1, 1), calloc(n ? n : 1, 1),
		    calloc(n ? n : 1, sizeof(uint64_t)), calloc(nf, sizeof(uint64_t)),
		    calloc(nf, sizeof(uint32_t)) };
	int rc = RSL_OK;
	d->sub = SUB_NONE;
	if (!g.state || !g.depth || !g.cost || !g.own || !g.seen) {
		rc = rsl__fail(d->err, RSL_ENOMEM, "out of memory");
		goto out;
	}
	d->what = "segment";
	for (uint32_t j = 0; j < s->nsegments; j++) {
		d->index = j;
		d->key = s->segments[j].key.p;
		d->keylen = s->segments[j].key.len;
		if ((rc = seg_walk(&g, j, 1)) < 0)
			goto out;
	}
	/* Each flag's own cost, and its requires without repeats. */
	d->what = "flag";
	for (uint32_t i = 0; i < s->nflags; i++) {
		const rsl__flag *f = &s->flags[i];
		uint64_t own = 1;
		d->index = i;
		d->key = f->key.p;
		d->keylen = f->key.len;
		for (uint32_t r = 0; r < f->nrequires; r++) {
			uint32_t to = f->requires[r].flag;
			if (g.seen[to] == i + 1) {
				rc = fail(d, RSL_EFORMAT, "requires %u: flag '%s' is "
					  "required twice", (unsigned)r,
					  s->flags[to].key.p);
				goto out;
			}
			g.seen[to] = i + 1;
		}
		for (uint32_t r = 0; r < f->nrules; r++) {
			unsigned depth;
			d->sub = SUB_RULE, d->subi = r;
			own = sat_add(own, 1);
			if (f->rules[r].when &&
			    (rc = cond_walk(&g, f->rules[r].when, 1, &depth,
					    &own)) < 0)
				goto out;
		}
		d->sub = SUB_NONE;
		g.own[i] = own;
	}
	for (uint32_t i = 0; i < s->nflags; i++) {
		const rsl__flag *f = &s->flags[i];
		d->index = i;
		d->key = f->key.p;
		d->keylen = f->key.len;
		if ((rc = req_walk(&g, i, 0)) < 0)
			goto out;
	}
out:
	free(g.state);
	free(g.depth);
	free(g.cost);
	free(g.own);
	free(g.seen);
	return rc;
}

static void build_index(rsl_snapshot *s, uint32_t *slots)
{
	for (uint32_t i = 0; i < s->nflags; i++) {
		uint64_t j = s->flags[i].hash & s->mask;
		while (slots[j])
			j = (j + 1) & s->mask;
		slots[j] = i + 1;
	}
}

/* ---------------------------------------------------------------- body */

enum { B_FORMAT, B_ENV, B_VERSION, B_ISSUED, B_EXPIRES, B_BUCKETING,
       B_PROVENANCE, B_SEGMENTS, B_FLAGS, NBODY };
static const char *const body_names[NBODY] = {
	"format", "env", "version", "issued_at", "expires_at", "bucketing",
	"provenance", "segments", "flags"
};

static int decode_provenance(dec *d, const uint8_t *at, rsl_info *info)
{
	static const char *const names[] = { "commit", "commit_time", "author",
					     "subject", "path", "rsc", "repo" };
	const uint8_t *pos[7];
	rsl__str str[7];
	int rc;
	if ((rc = fields(d, at, "provenance", names, 7, pos)) < 0)
		return rc;
	for (int j = 0; j < 7; j++) {
		str[j].p = "";
		str[j].len = 0;
		if (j == 2 || j == 3 || j == 6) {
			if (!pos[j])
				continue;
		} else if ((rc = need(d, pos[j], "provenance", names[j])) < 0) {
			return rc;
		}
		if (j == 1)
			rc = get_int(d, pos[j], "commit_time", &info->commit_time);
		else
			rc = get_text(d, pos[j], names[j], 0, 0, &str[j], NULL, NULL);
		if (rc < 0)
			return rc;
	}
	info->commit = str[0].p;
	info->author = str[2].p;
	info->subject = str[3].p;
	info->path = str[4].p;
	info->rsc_version = str[5].p;
	info->repository = str[6].p;
	return RSL_OK;
}

static int decode_body(dec *d, const uint8_t *p, const char *want_env,
		       rsl_snapshot **out)
{
	const uint8_t *pos[NBODY];
	uint64_t v;
	int rc;
	rsl_snapshot tmp, *s = dalloc(d, 1, sizeof *s);
	s = SLOT(s, 0, tmp);
	memset(s, 0, sizeof *s);
	*out = d->fill ? s : NULL;
	d->what = NULL;
	d->sub = SUB_NONE;
	/* The format first, before any other key is judged: a newer file gets
	 * "not supported", not a complaint about what it added. */
	rsl__cbor c = at_(d, p);
	const uint8_t *fmt = NULL;
	if (rsl__cbor_map(&c, &v) < 0)
		return fail(d, RSL_EFORMAT, "the body must be a map");
	for (uint64_t k = 0; k < v && !fmt; k++) {
		const char *ks;
		size_t kn;
		if (rsl__cbor_text(&c, &ks, &kn) < 0)
			break;
		if (kn == 6 && memcmp(ks, "format", 6) == 0)
			fmt = c.p;
		rsl__cbor_next(&c);
	}
	if (fmt) {
		c = at_(d, fmt);
		if (rsl__cbor_uint(&c, &v) < 0)
			return fail(d, RSL_EFORMAT, "'format' must be an unsigned "
				    "integer");
		if (v != 1)
			return fail(d, RSL_EVERSION, "snapshot format %llu is not "
				    "supported (this library reads format 1)",
				    (unsigned long long)v);
	}
	if ((rc = fields(d, p, "the body", body_names, NBODY, pos)) < 0 ||
	    (rc = need(d, pos[B_FORMAT], "the body", "format")) < 0)
		return rc;
	s->info.format = 1;
	rsl__str env;
	const char *es;
	size_t en;
	if ((rc = need(d, pos[B_ENV], "the body", "env")) < 0 ||
	    (rc = get_text(d, pos[B_ENV], "env", 1, 0, &env, &es, &en)) < 0)
		return rc;
	if (want_env && (strlen(want_env) != en || memcmp(want_env, es, en) != 0))
		return rsl__fail(d->err, RSL_EENV, "snapshot is for '%.*s', "
				 "expected '%s'", (int)(en > 64 ? 64 : en), es,
				 want_env);
	s->info.environment = env.p;
	for (int j = 0; j < NBODY; j++)
		if (j != B_EXPIRES && j != B_SEGMENTS &&
		    (rc = need(d, pos[j], "the body", body_names[j])) < 0)
			return rc;
	c = at_(d, pos[B_BUCKETING]);
	if (rsl__cbor_uint(&c, &v) < 0)
		return fail(d, RSL_EFORMAT, "'bucketing' must be an unsigned integer");
	if (v != RSL_BUCKETING_ALGORITHM)
		return fail(d, RSL_EVERSION, "bucketing algorithm %llu is not "
			    "supported (this library knows %d)",
			    (unsigned long long)v, RSL_BUCKETING_ALGORITHM);
	if ((rc = get_uint(d, pos[B_VERSION], "version", UINT64_MAX,
			   &s->info.version)) < 0 ||
	    (rc = get_int(d, pos[B_ISSUED], "issued_at", &s->info.issued_at)) < 0 ||
	    (pos[B_EXPIRES] && (rc = get_int(d, pos[B_EXPIRES], "expires_at",
					     &s->info.expires_at)) < 0) ||
	    (rc = decode_provenance(d, pos[B_PROVENANCE], &s->info)) < 0)
		return rc;

	uint32_t nseg = 0, nflags = 0;
	if ((pos[B_SEGMENTS] && (rc = decode_array(d, pos[B_SEGMENTS], "segments",
						    MAX_SEGMENTS, &nseg)) < 0) ||
	    (rc = decode_array(d, pos[B_FLAGS], "flags", MAX_FLAGS, &nflags)) < 0)
		return rc;
	d->nsegments = nseg;
	d->nflags = nflags;
	rsl__segment *segs = dalloc(d, nseg, sizeof *segs);
	if (nseg) {
		c = at_(d, pos[B_SEGMENTS]);
		rsl__cbor_array(&c, &v);
		d->prev = NULL;
		for (uint32_t j = 0; j < nseg; j++) {
			rsl__segment st;
			if ((rc = decode_segment(d, c.p, j, SLOT(segs, j, st))) < 0)
				return rc;
			rsl__cbor_next(&c);
		}
	}
	rsl__flag *flags = dalloc(d, nflags, sizeof *flags);
	c = at_(d, pos[B_FLAGS]);
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
	uint32_t *slots = dalloc(d, (size_t)nslots, sizeof *slots);
	s->flags = flags;
	s->nflags = nflags;
	s->segments = segs;
	s->nsegments = nseg;
	s->slots = slots;
	s->mask = nslots - 1;
	s->info.flag_count = nflags;
	if (d->fill && !d->overflow) {
		memset(slots, 0, (size_t)nslots * sizeof *slots);
		build_index(s, slots);
	}
	return RSL_OK;
}

int rsl__decode_payload(rsl_snapshot **out, const uint8_t *p, size_t len,
			const char *want_env, rsl_error *err)
{
	rsl_snapshot *s;
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
	if ((rc = decode_body(&d, p, want_env, &s)) < 0)
		return rc;
	if (d.overflow)
		return rsl__fail(err, RSL_ENOMEM, "payload: too big to hold");
	size_t need_bytes = d.used;
	memset(&d, 0, sizeof d);
	d.end = p + len;
	d.err = err;
	d.fill = 1;
	d.cap = need_bytes;
	d.blk = malloc(need_bytes ? need_bytes : 1);
	if (d.blk == NULL)
		return rsl__fail(err, RSL_ENOMEM, "out of memory (%zu bytes for "
				 "the snapshot)", need_bytes);
	if ((rc = decode_body(&d, p, want_env, &s)) < 0)
		goto fail;
	if (d.overflow || (void *)s != (void *)d.blk) {
		rc = rsl__fail(err, RSL_ENOMEM, "payload: decoding passes disagree");
		goto fail;
	}
	s->block = d.blk;
	s->block_size = need_bytes;
	if ((rc = check_graph(&d, s)) < 0)
		goto fail;
	*out = s;
	return RSL_OK;
fail:
	free(d.blk);
	return rc;
}
