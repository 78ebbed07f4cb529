/* cbor_writer.c - deterministic CBOR into a growable buffer; see
 * cbor_writer.h. */
#include "cbor_writer.h"

#include <cbor.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h" /* RSC_OK, RSC_EIO, RSC_EINVALID */

/* ------------------------------------------------------------- the writer */

typedef struct entry {
	size_t key, val; /* offsets in the buffer of the key and of the value */
} entry;

struct rsc_cw_map {
	size_t head;     /* where the map's head goes */
	entry *v;
	size_t n, cap;
};

void rsc_cw_fail(rsc_cw *w, int rc, const char *fmt, ...)
{
	if (w->rc != RSC_OK)
		return;
	w->rc = rc;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->err, sizeof w->err, fmt, ap);
	va_end(ap);
}

void rsc_cw_init(rsc_cw *w)
{
	memset(w, 0, sizeof *w);
	w->rc = RSC_OK;
}

void rsc_cw_free(rsc_cw *w)
{
	for (size_t i = 0; i < w->nmaps; i++)
		free(w->maps[i].v);
	free(w->maps);
	free(w->buf);
	w->buf = NULL;
	w->maps = NULL;
	w->len = w->cap = w->nmaps = w->capmaps = 0;
}

static int reserve(rsc_cw *w, size_t more)
{
	if (w->rc != RSC_OK)
		return -1;
	if (more <= w->cap - w->len)
		return 0;
	size_t ncap = w->cap ? w->cap : 256;
	while (ncap - w->len < more) {
		if (ncap > SIZE_MAX / 2) {
			rsc_cw_fail(w, RSC_EIO, "out of memory");
			return -1;
		}
		ncap *= 2;
	}
	unsigned char *p = realloc(w->buf, ncap);
	if (!p) {
		rsc_cw_fail(w, RSC_EIO, "out of memory");
		return -1;
	}
	w->buf = p;
	w->cap = ncap;
	return 0;
}

static void put(rsc_cw *w, const void *p, size_t n)
{
	if (n == 0 || reserve(w, n) < 0)
		return;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/* Every libcbor head or simple value fits in 9 bytes. */
#define HEAD_MAX 9

static void head(rsc_cw *w, size_t (*enc)(size_t, unsigned char *, size_t),
		 size_t n)
{
	if (reserve(w, HEAD_MAX) == 0)
		w->len += enc(n, w->buf + w->len, HEAD_MAX);
}

void rsc_cw_uint(rsc_cw *w, uint64_t v)
{
	if (reserve(w, HEAD_MAX) == 0)
		w->len += cbor_encode_uint(v, w->buf + w->len, HEAD_MAX);
}

void rsc_cw_int(rsc_cw *w, int64_t v)
{
	if (v >= 0) {
		rsc_cw_uint(w, (uint64_t)v);
		return;
	}
	/* -1 - v without overflow for INT64_MIN */
	uint64_t n = (uint64_t)(-(v + 1));
	if (reserve(w, HEAD_MAX) == 0)
		w->len += cbor_encode_negint(n, w->buf + w->len, HEAD_MAX);
}

void rsc_cw_bool(rsc_cw *w, int v)
{
	if (reserve(w, HEAD_MAX) == 0)
		w->len += cbor_encode_bool(v != 0, w->buf + w->len, HEAD_MAX);
}

/* Whether v (already exact as a float) is exactly a binary16 value. */
static int fits_half(double v)
{
	if (v == 0.0)
		return 1;
	double a = fabs(v);
	if (a > 65504.0)
		return 0;
	int e;
	double m = frexp(a, &e); /* a = m * 2^e, 0.5 <= m < 1 */
	if (e - 1 >= -14)        /* normal: 11 significant bits */
		return ldexp(m, 11) == floor(ldexp(m, 11));
	double s = ldexp(a, 24); /* subnormal: a multiple of 2^-24 */
	return s == floor(s);
}

void rsc_cw_float(rsc_cw *w, double v)
{
	if (!isfinite(v)) {
		rsc_cw_fail(w, RSC_EINVALID, "a float that is not finite");
		return;
	}
	if (reserve(w, HEAD_MAX) < 0)
		return;
	unsigned char *p = w->buf + w->len;
	if ((double)(float)v == v) {
		if (fits_half(v))
			w->len += cbor_encode_half((float)v, p, HEAD_MAX);
		else
			w->len += cbor_encode_single((float)v, p, HEAD_MAX);
	} else {
		w->len += cbor_encode_double(v, p, HEAD_MAX);
	}
}

void rsc_cw_text(rsc_cw *w, const char *s, size_t len)
{
	head(w, cbor_encode_string_start, len);
	put(w, s, len);
}

void rsc_cw_cstr(rsc_cw *w, const char *s)
{
	rsc_cw_text(w, s, strlen(s));
}

void rsc_cw_bytes(rsc_cw *w, const void *p, size_t len)
{
	head(w, cbor_encode_bytestring_start, len);
	put(w, p, len);
}

void rsc_cw_tag(rsc_cw *w, uint64_t tag)
{
	if (reserve(w, HEAD_MAX) == 0)
		w->len += cbor_encode_tag(tag, w->buf + w->len, HEAD_MAX);
}

void rsc_cw_array(rsc_cw *w, size_t n)
{
	head(w, cbor_encode_array_start, n);
}

void rsc_cw_map_begin(rsc_cw *w)
{
	if (w->rc != RSC_OK)
		return;
	if (w->nmaps == w->capmaps) {
		size_t ncap = w->capmaps ? w->capmaps * 2 : 16;
		rsc_cw_map *m = realloc(w->maps, ncap * sizeof *m);
		if (!m) {
			rsc_cw_fail(w, RSC_EIO, "out of memory");
			return;
		}
		w->maps = m;
		w->capmaps = ncap;
	}
	rsc_cw_map *m = &w->maps[w->nmaps++];
	memset(m, 0, sizeof *m);
	m->head = w->len;
}

/* Starts an entry of the innermost map; the key is written next. */
static void entry_begin(rsc_cw *w)
{
	if (w->rc != RSC_OK)
		return;
	if (w->nmaps == 0) {
		rsc_cw_fail(w, RSC_EINVALID, "a map key outside a map");
		return;
	}
	rsc_cw_map *m = &w->maps[w->nmaps - 1];
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 8;
		entry *v = realloc(m->v, ncap * sizeof *v);
		if (!v) {
			rsc_cw_fail(w, RSC_EIO, "out of memory");
			return;
		}
		m->v = v;
		m->cap = ncap;
	}
	m->v[m->n].key = w->len;
}

static void entry_value(rsc_cw *w)
{
	if (w->rc != RSC_OK)
		return;
	rsc_cw_map *m = &w->maps[w->nmaps - 1];
	m->v[m->n++].val = w->len;
}

void rsc_cw_key(rsc_cw *w, const char *key)
{
	entry_begin(w);
	rsc_cw_cstr(w, key);
	entry_value(w);
}

void rsc_cw_key_int(rsc_cw *w, int64_t key)
{
	entry_begin(w);
	rsc_cw_int(w, key);
	entry_value(w);
}

/* For qsort: the map being closed and its entries' ends. */
typedef struct span {
	const unsigned char *key;
	size_t keylen;
	const unsigned char *all;
	size_t alllen;
} span;

static int span_cmp(const void *a, const void *b)
{
	const span *x = a, *y = b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->key, y->key, n);
	if (c != 0)
		return c;
	return (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

/*
 * Closes the innermost map: its entries sorted into canonical order, the
 * head in front.  The entries other than the largest are copied aside and
 * the largest moved in place: a body's map, whose "flags" entry is almost
 * all of it, is sorted without a second copy of the body.
 */
void rsc_cw_map_end(rsc_cw *w)
{
	if (w->rc != RSC_OK)
		return;
	if (w->nmaps == 0) {
		rsc_cw_fail(w, RSC_EINVALID, "a map closed that was not open");
		return;
	}
	rsc_cw_map *m = &w->maps[w->nmaps - 1];
	size_t n = m->n, start = m->head, end = w->len;
	unsigned char *aside = NULL;
	span *s = NULL;
	size_t *at = NULL; /* where each sorted entry is in aside */
	unsigned char h[HEAD_MAX];
	size_t hl = cbor_encode_map_start(n, h, sizeof h);
	if (n > 0) {
		s = malloc(n * sizeof *s);
		at = malloc(n * sizeof *at);
		if (!s || !at) {
			rsc_cw_fail(w, RSC_EIO, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			size_t next = i + 1 < n ? m->v[i + 1].key : end;
			s[i].key = w->buf + m->v[i].key;
			s[i].keylen = m->v[i].val - m->v[i].key;
			s[i].all = s[i].key;
			s[i].alllen = next - m->v[i].key;
		}
		qsort(s, n, sizeof *s, span_cmp);
		for (size_t i = 1; i < n; i++)
			if (span_cmp(&s[i - 1], &s[i]) == 0) {
				rsc_cw_fail(w, RSC_EINVALID, "a duplicate map key");
				goto out;
			}
	}
	size_t big = 0, before = 0; /* the largest entry, the bytes sorted before it */
	for (size_t i = 1; i < n; i++)
		if (s[i].alllen > s[big].alllen)
			big = i;
	for (size_t i = 0; i < big; i++)
		before += s[i].alllen;
	size_t bigat = n ? (size_t)(s[big].all - w->buf) : 0;
	size_t biglen = n ? s[big].alllen : 0;
	aside = malloc(end - start - biglen + 1);
	if (!aside) {
		rsc_cw_fail(w, RSC_EIO, "out of memory");
		goto out;
	}
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		if (i != big) {
			memcpy(aside + o, s[i].all, s[i].alllen);
			at[i] = o;
			o += s[i].alllen;
		}
	if (reserve(w, hl) < 0) /* from here w->buf may have moved: offsets only */
		goto out;
	if (n)
		memmove(w->buf + start + hl + before, w->buf + bigat, biglen);
	memcpy(w->buf + start, h, hl);
	o = start + hl;
	for (size_t i = 0; i < n; i++) {
		if (i != big)
			memcpy(w->buf + o, aside + at[i], s[i].alllen);
		o += s[i].alllen;
	}
	w->len = o;
out:
	free(aside);
	free(s);
	free(at);
	free(m->v);
	w->nmaps--;
}

int rsc_cw_finish(unsigned char **out, size_t *outlen, rsc_cw *w)
{
	if (w->rc == RSC_OK && w->nmaps != 0)
		rsc_cw_fail(w, RSC_EINVALID, "a map left open");
	int rc = w->rc;
	if (rc == RSC_OK) {
		*out = w->buf;
		*outlen = w->len;
		w->buf = NULL;
	} else {
		*out = NULL;
		*outlen = 0;
	}
	rsc_cw_free(w);
	return rc;
}
