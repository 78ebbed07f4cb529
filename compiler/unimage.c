/* unimage.c - a snapshot's records (loader/snap.h) written back as the
 * format 1 Body with the CBOR writer; see unimage.h. */
#include "unimage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../loader/decode.h"
#include "../loader/snap.h"
#include "cbor_reader.h"
#include "cbor_writer.h"
#include "rsl_format.h"
#include "source.h" /* RSC_OK */

/* ------------------------------------------------------------ the copy */

/* Where the value of the body's 'image' begins in p, or 0 (no image, or
 * not a well-formed body: the decoder says why). */
static size_t image_at(const uint8_t *p, size_t len)
{
	size_t bad;
	uint64_t n;
	rsl__cbor c = { p, p + len };
	if (rsl__cbor_check(p, len, &bad) < 0 || rsl__cbor_map(&c, &n) < 0)
		return 0;
	for (uint64_t i = 0; i < n; i++) {
		const char *k;
		size_t kl;
		const uint8_t *b;
		size_t bl;
		if (rsl__cbor_text(&c, &k, &kl) == 0 && kl == sizeof RSL_K_IMAGE - 1 &&
		    memcmp(k, RSL_K_IMAGE, kl) == 0)
			return rsl__cbor_bytes(&c, &b, &bl) == 0 ? (size_t)(b - p) : 0;
		if (rsl__cbor_next(&c) < 0)
			return 0;
	}
	return 0;
}

int rsc_image_open(rsl_snapshot **out, const uint8_t *p, size_t len, rsl_error *err)
{
	size_t at = image_at(p, len), k = (16 - at % 16) % 16;
	unsigned char *buf = NULL;
	*out = NULL;
	if (posix_memalign((void **)&buf, 16, k + len + 1) != 0) {
		err->code = RSL_ENOMEM;
		snprintf(err->message, sizeof err->message, "out of memory (%zu bytes)", len);
		return RSL_ENOMEM;
	}
	if (len)
		memcpy(buf + k, p, len);
	int rc = rsl__decode_payload(out, buf + k, len, NULL, err);
	if (rc != RSL_OK || (const void *)(*out)->image == (*out)->block) {
		free(buf); /* format 1: the snapshot holds copies */
		return rc;
	}
	(*out)->region = buf;
	(*out)->region_size = k + len + 1;
	(*out)->region_mapped = 0;
	return RSL_OK;
}

/* ---------------------------------------------------------- the records */

typedef struct un {
	rsc_cw w;
	size_t max; /* 0: no limit */
} un;

/* Whether writing more bytes would pass the limit (then u fails), or u
 * failed already: the walk stops early. */
static int full(un *u, size_t more)
{
	if (u->w.rc != RSC_OK)
		return 1;
	if (u->max && (u->w.len > u->max || more > u->max - u->w.len)) {
		rsc_cw_fail(&u->w, RSC_EINVALID, "the records written out come to more "
			    "than %zu bytes", u->max);
		return 1;
	}
	return 0;
}

static void str(un *u, const rsl__str *s)
{
	if (!full(u, s->len))
		rsc_cw_text(&u->w, RSL__S(*s), s->len);
}

/* A value as encode.c writes it: its kind is what was read (a float flag's
 * variant is always a float, an object's is its JSON text). */
static void val(un *u, const rsl__val *v)
{
	switch (v->kind) {
	case RSL__V_BOOL:
		rsc_cw_bool(&u->w, v->b);
		break;
	case RSL__V_INT:
		rsc_cw_int(&u->w, v->i);
		break;
	case RSL__V_FLOAT:
		rsc_cw_float(&u->w, v->f);
		break;
	default:
		str(u, &v->s);
	}
}

static void cond(un *u, const rsl__cond *c)
{
	rsc_cw *w = &u->w;
	if (full(u, 0))
		return;
	rsc_cw_map_begin(w);
	rsc_cw_key(w, RSL_K_OP);
	rsc_cw_uint(w, c->op);
	if (c->op >= RSL_OP_EQ && c->op <= RSL_OP_EXISTS) {
		rsc_cw_key(w, RSL_K_ATTR);
		str(u, &c->attr);
	}
	if (c->ci) {
		rsc_cw_key(w, RSL_K_CI);
		rsc_cw_bool(w, 1);
	}
	switch (c->op) {
	case RSL_OP_IN:
	case RSL_OP_NOT_IN: {
		const rsl__val *l = RSL__AT(rsl__val, c->list);
		rsc_cw_key(w, RSL_K_VALUES);
		rsc_cw_array(w, c->nlist);
		for (uint32_t i = 0; i < c->nlist && !full(u, 0); i++)
			val(u, &l[i]);
		break;
	}
	case RSL_OP_ALL:
	case RSL_OP_ANY:
	case RSL_OP_NOT: {
		const rsl__cond *k = RSL__AT(rsl__cond, c->kids);
		rsc_cw_key(w, RSL_K_KIDS);
		rsc_cw_array(w, c->nkids);
		for (uint32_t i = 0; i < c->nkids; i++)
			cond(u, &k[i]);
		break;
	}
	case RSL_OP_SEGMENT:
		rsc_cw_key(w, RSL_K_SEGMENT);
		rsc_cw_uint(w, c->segment);
		break;
	default:
		rsc_cw_key(w, RSL_K_VALUE);
		val(u, &c->value);
	}
	rsc_cw_map_end(w);
}

/* [variant, weight] pairs: the weights are the steps of the upper bounds. */
static void split(un *u, const rsl__split *s)
{
	const uint32_t *var = RSL__AT(uint32_t, s->variant), *up = RSL__AT(uint32_t, s->upper);
	rsc_cw_array(&u->w, s->n);
	for (uint32_t i = 0; i < s->n; i++) {
		rsc_cw_array(&u->w, 2);
		rsc_cw_uint(&u->w, var[i]);
		rsc_cw_uint(&u->w, up[i] - (i ? up[i - 1] : 0));
	}
}

static void serve(un *u, const rsl__serve *s)
{
	rsc_cw *w = &u->w;
	rsc_cw_map_begin(w);
	rsc_cw_key(w, RSL_K_KIND);
	rsc_cw_uint(w, s->kind);
	if (s->kind == RSL_SERVE_VARIANT) {
		rsc_cw_key(w, RSL_K_VARIANT);
		rsc_cw_uint(w, s->variant);
	} else {
		/* rsc writes 'by' always; the loader's default is the same */
		rsc_cw_key(w, RSL_K_BY);
		str(u, &s->by);
	}
	if (s->kind == RSL_SERVE_SPLIT) {
		rsc_cw_key(w, RSL_K_SPLIT);
		split(u, &s->split);
	} else if (s->kind == RSL_SERVE_SCHEDULE) {
		const rsl__step *st = RSL__AT(rsl__step, s->steps);
		rsc_cw_key(w, RSL_K_STEPS);
		rsc_cw_array(w, s->nsteps);
		for (uint32_t i = 0; i < s->nsteps; i++) {
			rsc_cw_map_begin(w);
			rsc_cw_key(w, RSL_K_AT);
			rsc_cw_int(w, st[i].at);
			if (st[i].kind == RSL_SERVE_SPLIT) {
				rsc_cw_key(w, RSL_K_SPLIT);
				split(u, &st[i].split);
			} else {
				rsc_cw_key(w, RSL_K_VARIANT);
				rsc_cw_uint(w, st[i].variant);
			}
			rsc_cw_map_end(w);
		}
	}
	rsc_cw_map_end(w);
}

static void targeting(un *u, const rsl__flag *f)
{
	rsc_cw *w = &u->w;
	const rsl__req *rq = RSL__AT(rsl__req, f->requires);
	const rsl__rule *r = RSL__AT(rsl__rule, f->rules);
	rsc_cw_map_begin(w);
	rsc_cw_key(w, RSL_K_FILE);
	str(u, &f->tfile);
	rsc_cw_key(w, RSL_K_ENABLED);
	rsc_cw_bool(w, f->enabled);
	rsc_cw_key(w, RSL_K_REQUIRES);
	rsc_cw_array(w, f->nrequires);
	for (uint32_t i = 0; i < f->nrequires && !full(u, 0); i++) {
		rsc_cw_array(w, 2);
		rsc_cw_uint(w, rq[i].flag);
		rsc_cw_uint(w, rq[i].variant);
	}
	rsc_cw_key(w, RSL_K_RULES);
	rsc_cw_array(w, f->nrules);
	for (uint32_t i = 0; i < f->nrules && !full(u, 0); i++) {
		const rsl__cond *when = rsl__when(&r[i].when);
		rsc_cw_map_begin(w);
		rsc_cw_key(w, RSL_K_NAME);
		str(u, &r[i].name);
		rsc_cw_key(w, RSL_K_LINE);
		rsc_cw_uint(w, r[i].line);
		rsc_cw_key(w, RSL_K_SERVE);
		serve(u, &r[i].serve);
		if (when) {
			rsc_cw_key(w, RSL_K_WHEN);
			cond(u, when);
		}
		rsc_cw_map_end(w);
	}
	rsc_cw_key(w, RSL_K_DEFAULT);
	serve(u, &f->dflt);
	rsc_cw_key(w, RSL_K_DEFAULT_LINE);
	rsc_cw_uint(w, f->default_line);
	rsc_cw_map_end(w);
}

static void flag(un *u, const rsl__flag *f)
{
	rsc_cw *w = &u->w;
	const rsl__variant *v = RSL__AT(rsl__variant, f->variants);
	rsc_cw_map_begin(w);
	rsc_cw_key(w, RSL_K_KEY);
	str(u, &f->key);
	rsc_cw_key(w, RSL_K_TYPE);
	rsc_cw_uint(w, f->type);
	rsc_cw_key(w, RSL_K_VARIANTS);
	rsc_cw_array(w, f->nvariants);
	for (uint32_t i = 0; i < f->nvariants; i++) {
		rsc_cw_array(w, 2);
		str(u, &v[i].name);
		val(u, &v[i].value);
	}
	rsc_cw_key(w, RSL_K_OFF);
	rsc_cw_uint(w, f->off);
	rsc_cw_key(w, RSL_K_SALT);
	str(u, &f->salt);
	rsc_cw_key(w, RSL_K_FILE);
	str(u, &f->file);
	rsc_cw_key(w, RSL_K_LINE);
	rsc_cw_uint(w, f->line);
	if (f->configured) {
		rsc_cw_key(w, RSL_K_TARGETING);
		targeting(u, f);
	}
	rsc_cw_map_end(w);
}

/* The metadata as encode.c writes it: optional text only when not empty
 * (the loader reads an absent one as ""), expires_at only when not 0. */
static void metadata(un *u, const rsl_info *in)
{
	rsc_cw *w = &u->w;
	rsc_cw_key(w, RSL_K_FORMAT);
	rsc_cw_uint(w, 1);
	rsc_cw_key(w, RSL_K_ENV);
	rsc_cw_cstr(w, in->environment);
	rsc_cw_key(w, RSL_K_VERSION);
	rsc_cw_uint(w, in->version);
	rsc_cw_key(w, RSL_K_ISSUED_AT);
	rsc_cw_int(w, in->issued_at);
	if (in->expires_at) {
		rsc_cw_key(w, RSL_K_EXPIRES_AT);
		rsc_cw_int(w, in->expires_at);
	}
	rsc_cw_key(w, RSL_K_BUCKETING);
	rsc_cw_uint(w, RSL_BUCKETING_ALGORITHM);
	rsc_cw_key(w, RSL_K_PROVENANCE);
	rsc_cw_map_begin(w);
	rsc_cw_key(w, RSL_K_COMMIT);
	rsc_cw_cstr(w, in->commit);
	rsc_cw_key(w, RSL_K_COMMIT_TIME);
	rsc_cw_int(w, in->commit_time);
	const char *const opt[][2] = { { RSL_K_AUTHOR, in->author },
				       { RSL_K_SUBJECT, in->subject },
				       { RSL_K_REPO, in->repository } };
	for (size_t i = 0; i < sizeof opt / sizeof opt[0]; i++)
		if (*opt[i][1]) {
			rsc_cw_key(w, opt[i][0]);
			rsc_cw_cstr(w, opt[i][1]);
		}
	rsc_cw_key(w, RSL_K_PATH);
	rsc_cw_cstr(w, in->path);
	rsc_cw_key(w, RSL_K_RSC);
	rsc_cw_cstr(w, in->rsc_version);
	rsc_cw_map_end(w);
}

int rsc_image_body_v1(unsigned char **out, size_t *outlen, const rsl_snapshot *snap,
		      size_t max, char *err, size_t errlen)
{
	un u;
	rsc_cw *w = &u.w;
	rsc_cw_init(w);
	u.max = max;
	rsc_cw_map_begin(w);
	metadata(&u, &snap->info);
	rsc_cw_key(w, RSL_K_SEGMENTS);
	rsc_cw_array(w, snap->nsegments);
	for (uint32_t i = 0; i < snap->nsegments && !full(&u, 0); i++) {
		rsc_cw_map_begin(w);
		rsc_cw_key(w, RSL_K_KEY);
		str(&u, &snap->segments[i].key);
		rsc_cw_key(w, RSL_K_WHEN);
		cond(&u, rsl__when(&snap->segments[i].when));
		rsc_cw_map_end(w);
	}
	rsc_cw_key(w, RSL_K_FLAGS);
	rsc_cw_array(w, snap->nflags);
	for (uint32_t i = 0; i < snap->nflags && !full(&u, 0); i++)
		flag(&u, &snap->flags[i]);
	rsc_cw_map_end(w);
	full(&u, 0);
	char msg[sizeof w->err];
	memcpy(msg, w->err, sizeof msg);
	int rc = rsc_cw_finish(out, outlen, w);
	if (rc != RSC_OK && err && errlen)
		snprintf(err, errlen, "%s", msg);
	return rc;
}
