/* encode.c - model -> deterministic CBOR Body; see encode.h and
 * docs/snapshot-format.md. */
#include "encode.h"

#include <cbor.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------- the writer */

typedef struct entry {
	size_t key, val; /* offsets in the buffer of the key and of the value */
} entry;

struct rsc_cw_map {
	size_t head;     /* where the map's head goes */
	entry *v;
	size_t n, cap;
};

static void fail(rsc_cw *w, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(rsc_cw *w, int rc, const char *fmt, ...)
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
			fail(w, RSC_EIO, "out of memory");
			return -1;
		}
		ncap *= 2;
	}
	unsigned char *p = realloc(w->buf, ncap);
	if (!p) {
		fail(w, RSC_EIO, "out of memory");
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
		fail(w, RSC_EINVALID, "a float that is not finite");
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
			fail(w, RSC_EIO, "out of memory");
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
		fail(w, RSC_EINVALID, "a map key outside a map");
		return;
	}
	rsc_cw_map *m = &w->maps[w->nmaps - 1];
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 8;
		entry *v = realloc(m->v, ncap * sizeof *v);
		if (!v) {
			fail(w, RSC_EIO, "out of memory");
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

void rsc_cw_map_end(rsc_cw *w)
{
	if (w->rc != RSC_OK)
		return;
	if (w->nmaps == 0) {
		fail(w, RSC_EINVALID, "a map closed that was not open");
		return;
	}
	rsc_cw_map *m = &w->maps[w->nmaps - 1];
	size_t n = m->n, start = m->head, end = w->len;
	unsigned char *copy = NULL;
	span *s = NULL;
	if (n > 0) {
		copy = malloc(end - start);
		s = malloc(n * sizeof *s);
		if (!copy || !s) {
			fail(w, RSC_EIO, "out of memory");
			goto out;
		}
		memcpy(copy, w->buf + start, end - start);
		for (size_t i = 0; i < n; i++) {
			size_t next = i + 1 < n ? m->v[i + 1].key : end;
			s[i].key = copy + (m->v[i].key - start);
			s[i].keylen = m->v[i].val - m->v[i].key;
			s[i].all = s[i].key;
			s[i].alllen = next - m->v[i].key;
		}
		qsort(s, n, sizeof *s, span_cmp);
		for (size_t i = 1; i < n; i++)
			if (span_cmp(&s[i - 1], &s[i]) == 0) {
				fail(w, RSC_EINVALID, "a duplicate map key");
				goto out;
			}
	}
	w->len = start;
	head(w, cbor_encode_map_start, n);
	for (size_t i = 0; i < n; i++)
		put(w, s[i].all, s[i].alllen);
out:
	free(copy);
	free(s);
	free(m->v);
	w->nmaps--;
}

int rsc_cw_finish(unsigned char **out, size_t *outlen, rsc_cw *w)
{
	if (w->rc == RSC_OK && w->nmaps != 0)
		fail(w, RSC_EINVALID, "a map left open");
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

/* ---------------------------------------------------------------- the Body */

void rsc_provenance_from_fileset(rsc_provenance *out, const rsc_fileset *fs)
{
	memset(out, 0, sizeof *out);
	if (fs->from_git) {
		out->commit = fs->commit;
		out->commit_time = fs->commit_time;
		out->version = fs->version;
		out->author = fs->author;
		out->subject = fs->subject;
	} else {
		out->commit = "worktree";
		out->commit_time = 0;
	}
	out->repo = fs->repo_url;
	out->path = fs->root_path ? fs->root_path : "";
	out->rsc = RSC_VERSION;
}

/* ------------------------------------------------------ the repository name */

/* The length of the scheme of "scheme://...", or 0 when url has none. */
static size_t url_scheme_len(const char *url)
{
	size_t i = 0;
	while ((url[i] >= 'a' && url[i] <= 'z') || (url[i] >= 'A' && url[i] <= 'Z') ||
	       (i > 0 && ((url[i] >= '0' && url[i] <= '9') || url[i] == '+' ||
			  url[i] == '-' || url[i] == '.')))
		i++;
	return i > 0 && strncmp(url + i, "://", 3) == 0 ? i : 0;
}

static int span_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* Whether port (n digits) is what scheme (sn bytes) uses without one. */
static int default_port(const char *scheme, size_t sn, const char *port, size_t n)
{
	if (n == 0)
		return 1;
	if (span_is(port, n, "443"))
		return span_is(scheme, sn, "https");
	if (span_is(port, n, "80"))
		return span_is(scheme, sn, "http");
	if (span_is(port, n, "9418"))
		return span_is(scheme, sn, "git");
	if (span_is(port, n, "22"))
		return span_is(scheme, sn, "ssh") || span_is(scheme, sn, "git+ssh") ||
		       span_is(scheme, sn, "ssh+git");
	return 0;
}

static size_t put_lower(char *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	return n;
}

/* The host (lowercased, without user@) of an authority, and its port unless
 * it is the scheme's default. */
static size_t put_host(char *out, const char *scheme, size_t sn, const char *auth,
		       size_t alen)
{
	const char *host = auth, *end = auth + alen, *colon = NULL;
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			host = p + 1;
	for (const char *p = host; p < end; p++)
		if (*p == ']') /* an IPv6 address's colons are not a port's */
			colon = NULL;
		else if (*p == ':')
			colon = p;
	size_t o = put_lower(out, host, (size_t)((colon ? colon : end) - host));
	if (colon && !default_port(scheme, sn, colon + 1, (size_t)(end - colon - 1))) {
		memcpy(out + o, colon, (size_t)(end - colon));
		o += (size_t)(end - colon);
	}
	return o;
}

char *rsc_repo_name(const char *url)
{
	if (!url)
		return NULL;
	size_t n = strlen(url);
	char *out = malloc(n + 1); /* the name is never longer than the URL */
	if (!out)
		return NULL;
	size_t o = 0, sn = url_scheme_len(url);
	const char *path = url;
	size_t pathlen = n;
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/');
	if (sn > 0) {
		const char *auth = url + sn + 3;
		size_t alen = strcspn(auth, "/?#");
		path = auth + alen;
		pathlen = strcspn(path, "?#");
		/* file://host/x can only name a local /x: the path is the name */
		if (!span_is(url, sn, "file"))
			o = put_host(out, url, sn, auth, alen);
	} else if (colon && colon > url && (!slash || colon < slash)) {
		/* scp-like [user@]host:path, as git reads it */
		o = put_host(out, "ssh", 3, url, (size_t)(colon - url));
		out[o++] = '/';
		path = colon + 1;
		while (*path == '/')
			path++;
		pathlen = strlen(path);
	}
	memcpy(out + o, path, pathlen);
	o += pathlen;
	while (o > 0 && out[o - 1] == '/')
		o--;
	if (o >= 4 && memcmp(out + o - 4, ".git", 4) == 0)
		o -= 4;
	while (o > 0 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	return out;
}

/* Everything encode_* needs, so that the functions stay small. */
typedef struct enc {
	rsc_cw w;
	const rsc_ruleset *rs;
} enc;

static void bad(enc *e, const rsc_pos *pos, const char *what)
{
	fail(&e->w, RSC_EINVALID, "%s:%u: %s", pos && pos->file ? pos->file : "?",
	     pos ? pos->line : 0, what);
}

static void vref(enc *e, const rsc_vref *r, size_t nvariants)
{
	if (r->index < 0 || (size_t)r->index >= nvariants)
		bad(e, &r->pos, "an unresolved variant reference");
	rsc_cw_uint(&e->w, (uint64_t)(r->index < 0 ? 0 : r->index));
}

/* A condition operand: its own type. */
static void operand(enc *e, const rsc_value *v, const rsc_pos *pos)
{
	switch (v->kind) {
	case RSC_V_BOOL:
		rsc_cw_bool(&e->w, v->b);
		break;
	case RSC_V_INT:
		rsc_cw_int(&e->w, v->i);
		break;
	case RSC_V_FLOAT:
		rsc_cw_float(&e->w, v->f);
		break;
	case RSC_V_STRING:
		rsc_cw_text(&e->w, v->s, v->slen);
		break;
	default:
		bad(e, pos, "an object where a condition operand belongs");
	}
}

static void condition(enc *e, const rsc_cond *c, int depth)
{
	rsc_cw *w = &e->w;
	if (depth > RSL_MAX_COND_DEPTH) {
		bad(e, &c->pos, "conditions nested too deep");
		return;
	}
	rsc_cw_map_begin(w);
	rsc_cw_key(w, "op");
	rsc_cw_uint(w, (uint64_t)c->op);
	if (c->op >= RSL_OP_EQ && c->op <= RSL_OP_EXISTS) {
		rsc_cw_key(w, "attr");
		rsc_cw_cstr(w, c->attribute ? c->attribute : "");
	}
	switch (c->op) {
	case RSL_OP_IN:
	case RSL_OP_NOT_IN:
		rsc_cw_key(w, "values");
		rsc_cw_array(w, c->nlist);
		for (size_t i = 0; i < c->nlist; i++)
			operand(e, &c->list[i], &c->pos);
		break;
	case RSL_OP_BEFORE:
	case RSL_OP_AFTER:
		rsc_cw_key(w, "value");
		rsc_cw_int(w, c->time);
		break;
	case RSL_OP_ALL:
	case RSL_OP_ANY:
	case RSL_OP_NOT:
		if (c->nkids == 0 || (c->op == RSL_OP_NOT && c->nkids != 1)) {
			bad(e, &c->pos, "a combinator with a wrong number of conditions");
			break;
		}
		rsc_cw_key(w, "kids");
		rsc_cw_array(w, c->nkids);
		for (size_t i = 0; i < c->nkids; i++)
			condition(e, c->kids[i], depth + 1);
		break;
	case RSL_OP_SEGMENT:
		if (c->segment_index < 0 ||
		    (size_t)c->segment_index >= e->rs->nsegments)
			bad(e, &c->pos, "an unresolved segment reference");
		rsc_cw_key(w, "segment");
		rsc_cw_uint(w, (uint64_t)(c->segment_index < 0 ? 0 : c->segment_index));
		break;
	default:
		if (c->op < RSL_OP_EQ || c->op > RSL_OP_EXISTS) {
			bad(e, &c->pos, "an unknown condition operator");
			break;
		}
		rsc_cw_key(w, "value");
		operand(e, &c->value, &c->pos);
		break;
	}
	if (c->case_insensitive && c->op >= RSL_OP_EQ && c->op <= RSL_OP_ENDS_WITH) {
		rsc_cw_key(w, "ci");
		rsc_cw_bool(w, 1);
	}
	rsc_cw_map_end(w);
}

static void split(enc *e, const rsc_split *s, size_t nvariants)
{
	rsc_cw_array(&e->w, s->n);
	for (size_t i = 0; i < s->n; i++) {
		rsc_cw_array(&e->w, 2);
		vref(e, &s->variants[i], nvariants);
		rsc_cw_uint(&e->w, s->weights[i]);
	}
}

static void serve(enc *e, const rsc_serve *s, size_t nvariants)
{
	rsc_cw *w = &e->w;
	const char *by = s->by ? s->by : "targeting_key";
	rsc_cw_map_begin(w);
	rsc_cw_key(w, "kind");
	rsc_cw_uint(w, (uint64_t)s->kind);
	switch (s->kind) {
	case RSL_SERVE_VARIANT:
		rsc_cw_key(w, "variant");
		vref(e, &s->variant, nvariants);
		break;
	case RSL_SERVE_SPLIT:
		rsc_cw_key(w, "by");
		rsc_cw_cstr(w, by);
		rsc_cw_key(w, "split");
		split(e, &s->split, nvariants);
		break;
	case RSL_SERVE_SCHEDULE:
		rsc_cw_key(w, "by");
		rsc_cw_cstr(w, by);
		rsc_cw_key(w, "steps");
		rsc_cw_array(w, s->nsteps);
		for (size_t i = 0; i < s->nsteps; i++) {
			const rsc_step *st = &s->steps[i];
			rsc_cw_map_begin(w);
			rsc_cw_key(w, "at");
			rsc_cw_int(w, st->at);
			if (st->kind == RSL_SERVE_SPLIT) {
				rsc_cw_key(w, "split");
				split(e, &st->split, nvariants);
			} else {
				rsc_cw_key(w, "variant");
				vref(e, &st->variant, nvariants);
			}
			rsc_cw_map_end(w);
		}
		break;
	default:
		bad(e, &s->pos, "an unknown kind of serve");
	}
	rsc_cw_map_end(w);
}

/* A variant's value, typed by its flag (a float flag's integral value is
 * written as a float). */
static void variant_value(enc *e, const rsc_flag *f, const rsc_variant *v)
{
	rsc_cw *w = &e->w;
	const rsc_value *x = &v->value;
	switch (f->type) {
	case RSL_TYPE_BOOLEAN:
		if (x->kind != RSC_V_BOOL)
			break;
		rsc_cw_bool(w, x->b);
		return;
	case RSL_TYPE_STRING:
		if (x->kind != RSC_V_STRING)
			break;
		rsc_cw_text(w, x->s, x->slen);
		return;
	case RSL_TYPE_INTEGER:
		if (x->kind != RSC_V_INT)
			break;
		rsc_cw_int(w, x->i);
		return;
	case RSL_TYPE_FLOAT:
		if (x->kind == RSC_V_INT)
			rsc_cw_float(w, (double)x->i);
		else if (x->kind == RSC_V_FLOAT)
			rsc_cw_float(w, x->f);
		else
			break;
		return;
	case RSL_TYPE_OBJECT:
		if (x->kind != RSC_V_JSON)
			break;
		rsc_cw_text(w, x->s, x->slen);
		return;
	}
	bad(e, &v->pos, "a variant value that does not match the flag's type");
	rsc_cw_bool(w, 0);
}

static void targeting(enc *e, const rsc_flag *f, const rsc_targeting *t)
{
	rsc_cw *w = &e->w;
	rsc_cw_map_begin(w);
	rsc_cw_key(w, "file");
	rsc_cw_cstr(w, t->file ? t->file : "");
	rsc_cw_key(w, "enabled");
	rsc_cw_bool(w, t->enabled);
	rsc_cw_key(w, "requires");
	rsc_cw_array(w, t->nrequires);
	for (size_t i = 0; i < t->nrequires; i++) {
		const rsc_req *r = &t->requires[i];
		if (r->flag_index < 0 || (size_t)r->flag_index >= e->rs->nflags) {
			bad(e, &r->pos, "an unresolved prerequisite flag");
			return;
		}
		const rsc_flag *pf = &e->rs->flags[r->flag_index];
		rsc_cw_array(w, 2);
		rsc_cw_uint(w, (uint64_t)r->flag_index);
		vref(e, &r->variant, pf->nvariants);
	}
	rsc_cw_key(w, "rules");
	rsc_cw_array(w, t->nrules);
	for (size_t i = 0; i < t->nrules; i++) {
		const rsc_rule *r = &t->rules[i];
		rsc_cw_map_begin(w);
		rsc_cw_key(w, "name");
		rsc_cw_cstr(w, r->name ? r->name : "");
		rsc_cw_key(w, "line");
		rsc_cw_uint(w, r->pos.line);
		rsc_cw_key(w, "serve");
		serve(e, &r->serve, f->nvariants);
		if (r->when) {
			rsc_cw_key(w, "when");
			condition(e, r->when, 1);
		}
		rsc_cw_map_end(w);
	}
	rsc_cw_key(w, "default");
	serve(e, &t->dflt, f->nvariants);
	rsc_cw_key(w, "default_line");
	rsc_cw_uint(w, t->dflt_pos.line);
	rsc_cw_map_end(w);
}

static void flag(enc *e, const rsc_flag *f, size_t env)
{
	rsc_cw *w = &e->w;
	rsc_cw_map_begin(w);
	rsc_cw_key(w, "key");
	rsc_cw_cstr(w, f->key);
	rsc_cw_key(w, "type");
	rsc_cw_uint(w, (uint64_t)f->type);
	rsc_cw_key(w, "variants");
	rsc_cw_array(w, f->nvariants);
	for (size_t i = 0; i < f->nvariants; i++) {
		rsc_cw_array(w, 2);
		rsc_cw_cstr(w, f->variants[i].name);
		variant_value(e, f, &f->variants[i]);
	}
	rsc_cw_key(w, "off");
	vref(e, &f->off_variant, f->nvariants);
	rsc_cw_key(w, "salt");
	rsc_cw_cstr(w, f->salt ? f->salt : f->key);
	rsc_cw_key(w, "file");
	rsc_cw_cstr(w, f->file ? f->file : "");
	rsc_cw_key(w, "line");
	rsc_cw_uint(w, f->pos.line);
	if (f->targeting && f->targeting[env]) {
		rsc_cw_key(w, "targeting");
		targeting(e, f, f->targeting[env]);
	}
	rsc_cw_map_end(w);
}

static void provenance(enc *e, const rsc_provenance *p)
{
	rsc_cw *w = &e->w;
	rsc_cw_map_begin(w);
	rsc_cw_key(w, "commit");
	rsc_cw_cstr(w, p->commit ? p->commit : "");
	rsc_cw_key(w, "commit_time");
	rsc_cw_int(w, p->commit_time);
	if (p->author) {
		rsc_cw_key(w, "author");
		rsc_cw_cstr(w, p->author);
	}
	if (p->subject) {
		rsc_cw_key(w, "subject");
		rsc_cw_cstr(w, p->subject);
	}
	rsc_cw_key(w, "path");
	rsc_cw_cstr(w, p->path ? p->path : "");
	rsc_cw_key(w, "rsc");
	rsc_cw_cstr(w, p->rsc ? p->rsc : RSC_VERSION);
	char *repo = rsc_repo_name(p->repo);
	if (p->repo && !repo)
		fail(w, RSC_EIO, "out of memory");
	if (repo && *repo) {
		rsc_cw_key(w, "repo");
		rsc_cw_cstr(w, repo);
	}
	free(repo);
	rsc_cw_map_end(w);
}

int rsc_encode_body(unsigned char **out, size_t *outlen, const rsc_ruleset *rs,
		    size_t env, const rsc_provenance *prov, char *err,
		    size_t errlen)
{
	enc e;
	rsc_cw_init(&e.w);
	e.rs = rs;
	rsc_cw *w = &e.w;
	if (env >= rs->nenvs || prov->commit_time < 0) {
		fail(w, RSC_EINVALID, env >= rs->nenvs ? "no such environment"
				: "a commit time before 1970");
		goto out;
	}
	rsc_cw_map_begin(w);
	rsc_cw_key(w, "format");
	rsc_cw_uint(w, 1);
	rsc_cw_key(w, "env");
	rsc_cw_cstr(w, rs->envs[env].name);
	rsc_cw_key(w, "version");
	rsc_cw_uint(w, prov->version);
	rsc_cw_key(w, "issued_at");
	rsc_cw_int(w, prov->commit_time);
	if (rs->has_ttl && prov->commit_time != 0) {
		rsc_cw_key(w, "expires_at");
		rsc_cw_int(w, prov->commit_time + rs->ttl_seconds);
	}
	rsc_cw_key(w, "bucketing");
	rsc_cw_uint(w, RSL_BUCKETING_ALGORITHM);
	rsc_cw_key(w, "provenance");
	provenance(&e, prov);
	rsc_cw_key(w, "segments");
	rsc_cw_array(w, rs->nsegments);
	for (size_t i = 0; i < rs->nsegments; i++) {
		const rsc_segment *s = &rs->segments[i];
		if (i > 0 && strcmp(rs->segments[i - 1].key, s->key) >= 0)
			bad(&e, &s->pos, "segments not sorted by key");
		if (!s->when) {
			bad(&e, &s->pos, "a segment without a condition");
			break;
		}
		rsc_cw_map_begin(w);
		rsc_cw_key(w, "key");
		rsc_cw_cstr(w, s->key);
		rsc_cw_key(w, "when");
		condition(&e, s->when, 1);
		rsc_cw_map_end(w);
	}
	rsc_cw_key(w, "flags");
	rsc_cw_array(w, rs->nflags);
	for (size_t i = 0; i < rs->nflags; i++) {
		if (i > 0 && strcmp(rs->flags[i - 1].key, rs->flags[i].key) >= 0)
			bad(&e, &rs->flags[i].pos, "flags not sorted by key");
		flag(&e, &rs->flags[i], env);
	}
	rsc_cw_map_end(w);
out:;
	char msg[sizeof w->err];
	memcpy(msg, w->err, sizeof msg);
	int rc = rsc_cw_finish(out, outlen, w);
	if (rc != RSC_OK && err && errlen)
		snprintf(err, errlen, "%s", msg);
	return rc;
}
