/*
 * cbor_reader.c - the strict CBOR reader of librsl; see cbor_reader.h.
 *
 * Written for hostile input: a byte count from the file is compared with the
 * bytes that remain before anything is read, recursion is bounded by
 * RSL__CBOR_MAX_DEPTH, and nothing here allocates.
 */
#include "cbor_reader.h"

#include <float.h>
#include <math.h> /* INFINITY and NAN only: no libm */
#include <string.h>

const char *rsl__cbor_strerror(int rc)
{
	switch (rc) {
	case RSL__CBOR_OK: return "no error";
	case RSL__CBOR_ETRUNC: return "truncated: an item runs past the end";
	case RSL__CBOR_ELONG: return "a head not in its shortest form";
	case RSL__CBOR_EINDEF: return "an indefinite length";
	case RSL__CBOR_ERESERVED: return "a reserved additional information value";
	case RSL__CBOR_ETAG: return "a tag";
	case RSL__CBOR_ESIMPLE: return "a simple value other than false or true";
	case RSL__CBOR_EFLOAT: return "a float not in its shortest form";
	case RSL__CBOR_EDEPTH: return "nesting deeper than 64 levels";
	case RSL__CBOR_EORDER: return "map keys not in strictly increasing order";
	case RSL__CBOR_EUTF8: return "a text string that is not valid UTF-8";
	case RSL__CBOR_ETRAILING: return "bytes after the end of the item";
	case RSL__CBOR_ETYPE: return "an item of an unexpected type";
	case RSL__CBOR_ERANGE: return "an integer out of range";
	}
	return "unknown error";
}

/* Powers of two by repeated doubling: exact, and no libm. */
static double pow2(int e)
{
	double v = 1.0;
	for (; e > 0; e--)
		v *= 2.0;
	for (; e < 0; e++)
		v *= 0.5;
	return v;
}

static double half_to_double(uint16_t h)
{
	unsigned exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
	double v;
	if (exp == 0)
		v = (double)mant * pow2(-24);
	else if (exp != 31)
		v = (double)(mant + 1024u) * pow2((int)exp - 25);
	else
		v = mant == 0 ? (double)INFINITY : (double)NAN;
	return (h & 0x8000u) ? -v : v;
}

/* Whether a finite or infinite double is exactly a half-precision value. */
static int fits_half(double d)
{
	if (d != d)
		return 0;
	double a = d < 0 ? -d : d;
	if (a == 0.0 || a == (double)INFINITY)
		return 1;
	if (a > 65504.0)
		return 0;
	double x = a * 16777216.0; /* 2^24: half's smallest step */
	uint64_t xi = (uint64_t)x;
	if ((double)xi != x)
		return 0;
	while ((xi & 1u) == 0)
		xi >>= 1;
	return xi < 2048u; /* 11 significant bits */
}

static int fits_single(double d)
{
	if (d != d)
		return 0;
	double a = d < 0 ? -d : d;
	if (a == (double)INFINITY)
		return 1;
	if (a > (double)FLT_MAX)
		return 0;
	return (double)(float)d == d;
}

static uint64_t be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

int rsl__cbor_head(rsl__cbor *c, unsigned *major, unsigned *ai, uint64_t *arg)
{
	if (c->p >= c->end)
		return RSL__CBOR_ETRUNC;
	const uint8_t *q = c->p;
	unsigned m = q[0] >> 5, a = q[0] & 31u;
	uint64_t v;
	q++;
	if (a < 24) {
		v = a;
	} else if (a <= 27) {
		unsigned n = 1u << (a - 24);
		if ((size_t)(c->end - q) < n)
			return RSL__CBOR_ETRUNC;
		v = be(q, n);
		q += n;
		if (m != RSL__CBOR_SIMPLE) {
			static const uint64_t min[4] = { 24, 0x100, 0x10000,
							 0x100000000 };
			if (v < min[a - 24])
				return RSL__CBOR_ELONG;
		}
	} else if (a == 31) {
		return RSL__CBOR_EINDEF;
	} else {
		return RSL__CBOR_ERESERVED;
	}
	if (m == RSL__CBOR_SIMPLE) {
		if (a < 24 && a != 20 && a != 21)
			return RSL__CBOR_ESIMPLE;
		if (a == 24)
			return RSL__CBOR_ESIMPLE;
		if (a == 25) {
			double d = half_to_double((uint16_t)v);
			if (d != d && v != 0x7e00)
				return RSL__CBOR_EFLOAT;
		} else if (a == 26) {
			float f;
			uint32_t bits = (uint32_t)v;
			memcpy(&f, &bits, sizeof f);
			if (fits_half((double)f) || f != f)
				return RSL__CBOR_EFLOAT;
		} else if (a == 27) {
			double d;
			memcpy(&d, &v, sizeof d);
			if (fits_single(d) || d != d)
				return RSL__CBOR_EFLOAT;
		}
	}
	if ((m == RSL__CBOR_BYTES || m == RSL__CBOR_TEXT) &&
	    v > (uint64_t)(c->end - q))
		return RSL__CBOR_ETRUNC;
	*major = m;
	*ai = a;
	*arg = v;
	c->p = q;
	return RSL__CBOR_OK;
}

int rsl__cbor_peek(const rsl__cbor *c)
{
	return c->p < c->end ? c->p[0] >> 5 : -1;
}

/* RFC 3629 UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static int utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t b = s[i];
		if (b < 0x80) {
			i++;
			continue;
		}
		size_t k;
		uint32_t cp, min;
		if ((b & 0xe0) == 0xc0) {
			k = 1, cp = b & 0x1fu, min = 0x80;
		} else if ((b & 0xf0) == 0xe0) {
			k = 2, cp = b & 0x0fu, min = 0x800;
		} else if ((b & 0xf8) == 0xf0) {
			k = 3, cp = b & 0x07u, min = 0x10000;
		} else {
			return 0;
		}
		if (n - i - 1 < k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + j] & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

/* Bytewise order of two encodings: <0, 0, >0 like memcmp. */
static int enc_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);
	if (r != 0)
		return r;
	return an < bn ? -1 : an > bn ? 1 : 0;
}

static int item(rsl__cbor *c, int depth, const uint8_t **bad)
{
	unsigned m, a;
	uint64_t arg;
	*bad = c->p;
	int rc = rsl__cbor_head(c, &m, &a, &arg);
	if (rc < 0)
		return rc;
	switch (m) {
	case RSL__CBOR_UINT:
	case RSL__CBOR_NINT:
	case RSL__CBOR_SIMPLE:
		return RSL__CBOR_OK;
	case RSL__CBOR_BYTES:
		c->p += arg;
		return RSL__CBOR_OK;
	case RSL__CBOR_TEXT:
		if (!utf8_ok(c->p, (size_t)arg))
			return RSL__CBOR_EUTF8;
		c->p += arg;
		return RSL__CBOR_OK;
	case RSL__CBOR_ARRAY:
		if (depth >= RSL__CBOR_MAX_DEPTH)
			return RSL__CBOR_EDEPTH;
		if (arg > (uint64_t)(c->end - c->p))
			return RSL__CBOR_ETRUNC;
		for (uint64_t i = 0; i < arg; i++)
			if ((rc = item(c, depth + 1, bad)) < 0)
				return rc;
		return RSL__CBOR_OK;
	case RSL__CBOR_MAP: {
		if (depth >= RSL__CBOR_MAX_DEPTH)
			return RSL__CBOR_EDEPTH;
		if (arg > (uint64_t)(c->end - c->p) / 2)
			return RSL__CBOR_ETRUNC;
		const uint8_t *prev = NULL;
		size_t prevn = 0;
		for (uint64_t i = 0; i < arg; i++) {
			const uint8_t *k = c->p;
			if ((rc = item(c, depth + 1, bad)) < 0)
				return rc;
			size_t kn = (size_t)(c->p - k);
			if (prev && enc_cmp(prev, prevn, k, kn) >= 0) {
				*bad = k;
				return RSL__CBOR_EORDER;
			}
			prev = k, prevn = kn;
			if ((rc = item(c, depth + 1, bad)) < 0)
				return rc;
		}
		return RSL__CBOR_OK;
	}
	default:
		return RSL__CBOR_ETAG;
	}
}

int rsl__cbor_check(const uint8_t *buf, size_t len, size_t *bad)
{
	rsl__cbor c = { buf, buf + len };
	const uint8_t *at = buf;
	int rc = item(&c, 0, &at);
	if (rc == RSL__CBOR_OK && c.p != c.end) {
		at = c.p;
		rc = RSL__CBOR_ETRAILING;
	}
	if (rc < 0 && bad)
		*bad = (size_t)(at - buf);
	return rc;
}

int rsl__cbor_skip(rsl__cbor *c)
{
	const uint8_t *bad;
	rsl__cbor t = *c;
	int rc = item(&t, 0, &bad);
	if (rc == RSL__CBOR_OK)
		*c = t;
	return rc;
}

int rsl__cbor_next(rsl__cbor *c)
{
	rsl__cbor t = *c;
	uint64_t pending = 1; /* items still to pass over */
	while (pending > 0) {
		/* The head, without the canonical checks already made. */
		if (t.p >= t.end)
			return RSL__CBOR_ETRUNC;
		unsigned m = t.p[0] >> 5, a = t.p[0] & 31u;
		uint64_t arg = a;
		t.p++;
		if (a >= 24) {
			if (a > 27)
				return a == 31 ? RSL__CBOR_EINDEF : RSL__CBOR_ERESERVED;
			unsigned n = 1u << (a - 24);
			if ((size_t)(t.end - t.p) < n)
				return RSL__CBOR_ETRUNC;
			arg = be(t.p, n);
			t.p += n;
		}
		pending--;
		size_t left = (size_t)(t.end - t.p);
		switch (m) {
		case RSL__CBOR_BYTES:
		case RSL__CBOR_TEXT:
			if (arg > left)
				return RSL__CBOR_ETRUNC;
			t.p += arg;
			break;
		case RSL__CBOR_ARRAY:
			if (arg > left || pending > left)
				return RSL__CBOR_ETRUNC;
			pending += arg;
			break;
		case RSL__CBOR_MAP:
			if (arg > left / 2 || pending > left)
				return RSL__CBOR_ETRUNC;
			pending += 2 * arg;
			break;
		case RSL__CBOR_TAG:
			return RSL__CBOR_ETAG;
		default:
			break;
		}
	}
	*c = t;
	return RSL__CBOR_OK;
}

/* Reads a head of major type want; on any other type consumes nothing. */
static int typed(rsl__cbor *c, unsigned want, unsigned *ai, uint64_t *arg)
{
	if (rsl__cbor_peek(c) != (int)want)
		return c->p < c->end ? RSL__CBOR_ETYPE : RSL__CBOR_ETRUNC;
	rsl__cbor t = *c;
	unsigned m;
	int rc = rsl__cbor_head(&t, &m, ai, arg);
	if (rc == RSL__CBOR_OK)
		*c = t;
	return rc;
}

int rsl__cbor_uint(rsl__cbor *c, uint64_t *out)
{
	unsigned a;
	return typed(c, RSL__CBOR_UINT, &a, out);
}

int rsl__cbor_int(rsl__cbor *c, int64_t *out)
{
	rsl__cbor t = *c;
	unsigned m, a;
	uint64_t v;
	int k = rsl__cbor_peek(c);
	if (k != RSL__CBOR_UINT && k != RSL__CBOR_NINT)
		return k < 0 ? RSL__CBOR_ETRUNC : RSL__CBOR_ETYPE;
	int rc = rsl__cbor_head(&t, &m, &a, &v);
	if (rc < 0)
		return rc;
	if (v > (uint64_t)INT64_MAX)
		return RSL__CBOR_ERANGE;
	*out = m == RSL__CBOR_UINT ? (int64_t)v : -1 - (int64_t)v;
	*c = t;
	return RSL__CBOR_OK;
}

int rsl__cbor_bool(rsl__cbor *c, int *out)
{
	if (c->p >= c->end)
		return RSL__CBOR_ETRUNC;
	if (c->p[0] != 0xf4 && c->p[0] != 0xf5)
		return RSL__CBOR_ETYPE;
	*out = c->p[0] == 0xf5;
	c->p++;
	return RSL__CBOR_OK;
}

int rsl__cbor_float(rsl__cbor *c, double *out)
{
	if (c->p >= c->end)
		return RSL__CBOR_ETRUNC;
	uint8_t b = c->p[0];
	if (b != 0xf9 && b != 0xfa && b != 0xfb)
		return RSL__CBOR_ETYPE;
	rsl__cbor t = *c;
	unsigned m, a;
	uint64_t v;
	int rc = rsl__cbor_head(&t, &m, &a, &v);
	if (rc < 0)
		return rc;
	if (a == 25) {
		*out = half_to_double((uint16_t)v);
	} else if (a == 26) {
		float f;
		uint32_t bits = (uint32_t)v;
		memcpy(&f, &bits, sizeof f);
		*out = (double)f;
	} else {
		memcpy(out, &v, sizeof *out);
	}
	*c = t;
	return RSL__CBOR_OK;
}

static int string(rsl__cbor *c, unsigned want, const uint8_t **s, size_t *len)
{
	unsigned a;
	uint64_t n;
	rsl__cbor t = *c;
	int rc = typed(&t, want, &a, &n);
	if (rc < 0)
		return rc;
	/* rsl__cbor_head checked n against what remains. */
	*s = t.p;
	*len = (size_t)n;
	t.p += n;
	*c = t;
	return RSL__CBOR_OK;
}

int rsl__cbor_text(rsl__cbor *c, const char **s, size_t *len)
{
	const uint8_t *p;
	int rc = string(c, RSL__CBOR_TEXT, &p, len);
	if (rc == RSL__CBOR_OK)
		*s = (const char *)p;
	return rc;
}

int rsl__cbor_bytes(rsl__cbor *c, const uint8_t **s, size_t *len)
{
	return string(c, RSL__CBOR_BYTES, s, len);
}

int rsl__cbor_array(rsl__cbor *c, uint64_t *n)
{
	unsigned a;
	rsl__cbor t = *c;
	int rc = typed(&t, RSL__CBOR_ARRAY, &a, n);
	if (rc < 0)
		return rc;
	if (*n > (uint64_t)(t.end - t.p))
		return RSL__CBOR_ETRUNC;
	*c = t;
	return RSL__CBOR_OK;
}

int rsl__cbor_map(rsl__cbor *c, uint64_t *n)
{
	unsigned a;
	rsl__cbor t = *c;
	int rc = typed(&t, RSL__CBOR_MAP, &a, n);
	if (rc < 0)
		return rc;
	if (*n > (uint64_t)(t.end - t.p) / 2)
		return RSL__CBOR_ETRUNC;
	*c = t;
	return RSL__CBOR_OK;
}
