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
 * builds the hash index.  Single fields are read by decode_field.c, the
 * conditions and serves by decode_cond.c.  See
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
#include "validate.h"

#define MAX_FLAGS RSL_MAX_FLAGS
#define MAX_SEGMENTS RSL_MAX_SEGMENTS

typedef rsl__dec dec;

/* In the counting pass arr is NULL: write into tmp instead. */
#define SLOT(arr, i, tmp) ((arr) ? &(arr)[i] : &(tmp))

/* The attribute names of the image (snap.h, rsl__name): the counting
 * pass's list of every named test's name, sorted and made unique, and then
 * written last in the image, each with a copy of its bytes. */
static int cstr_cmp(const void *a, const void *b)
{
	const rsl__cstr *x = a, *y = b;
	return rsl__key_cmp(x->p, x->len, y->p, y->len);
}

static void sort_names(dec *d)
{
	uint32_t n = 0;
	if (d->nnames > 1) /* names is NULL when there are none */
		qsort(d->names, d->nnames, sizeof *d->names, cstr_cmp);
	for (uint32_t i = 0; i < d->nnames; i++)
		if (n == 0 || cstr_cmp(&d->names[n - 1], &d->names[i]) != 0)
			d->names[n++] = d->names[i];
	d->nnames = n;
	d->names_sorted = 1;
}

uint32_t rsl__dec_name_id(const rsl__dec *d, const char *s, size_t n)
{
	rsl__cstr k = { s, (uint32_t)n };
	const rsl__cstr *hit = d->names_sorted && d->nnames
				       ? bsearch(&k, d->names, d->nnames, sizeof *d->names, cstr_cmp)
				       : NULL;
	return hit ? (uint32_t)(hit - d->names) : RSL__NO_ID;
}

static void write_names(dec *d, rsl_snapshot *s)
{
	if (!d->fill)
		sort_names(d);
	rsl__name *names = rsl__dec_alloc(d, d->nnames, sizeof *names);
	for (uint32_t i = 0; i < d->nnames; i++) {
		char *b = rsl__dec_alloc(d, (size_t)d->names[i].len + 1, 1);
		if (names == NULL || b == NULL)
			continue; /* counting */
		memcpy(b, d->names[i].p, d->names[i].len);
		b[d->names[i].len] = 0;
		rsl__ref_set(&names[i].s.p, b);
		names[i].s.len = d->names[i].len;
		names[i].hash = rsl__name_hash(b, d->names[i].len);
	}
	if (d->fill && !d->overflow) {
		d->img->nattrs = d->nnames;
		rsl__ref_set(&d->img->attrs, d->nnames ? names : NULL);
		s->attrs = names;
		s->nattrs = d->nnames;
	}
}

/* ------------------------------------------------------- flags, segments */

static int check_order(dec *d, const char *what, const char *k, size_t n)
{
	if (d->prev && rsl__key_cmp(d->prev, d->prevlen, k, n) >= 0)
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
	if ((rc = rsl__dec_cond(d, pos[1], 1, SLOT(when, 0, tmp))) < 0)
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
		    (rc = rsl__dec_serve(d, pos[2], &r->serve)) < 0)
			return rc;
		if (pos[3]) {
			rsl__cond ctmp, *when = rsl__dec_alloc(d, 1, sizeof *when);
			if ((rc = rsl__dec_cond(d, pos[3], 1, SLOT(when, 0, ctmp))) < 0)
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
	if ((rc = rsl__dec_serve(d, pos[4], &f->dflt)) < 0)
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
	    (rc = rsl__dec_variant(d, pos[3], RSL_K_OFF, &f->off)) < 0 ||
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
	write_names(d, s);
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

/* The last snapshot's serial number (rsl_flag_ref): 64 bits never wrap. */
static uint64_t serials;

int rsl__decode_payload(rsl_snapshot **out, const uint8_t *p, size_t len,
			const char *want_env, rsl_error *err)
{
	return rsl__decode_payload_into(out, p, len, want_env, NULL, NULL, err);
}

int rsl__decode_payload_into(rsl_snapshot **out, const uint8_t *p, size_t len,
			     const char *want_env, rsl__image_place place, void *arg,
			     rsl_error *err)
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
	if ((rc = decode_body(&d, p, want_env, &tmp)) < 0) {
		free(d.names);
		return rc;
	}
	if (d.overflow || d.used > RSL__IMAGE_MAX) {
		free(d.names);
		return rsl__fail(err, RSL_ENOMEM, "payload: too big to hold");
	}
	size_t need_bytes = d.used, need_meta = d.mused;
	rsl__cstr *names = d.names;
	uint32_t nnames = d.nnames;
	int sorted = d.names_sorted;
	memset(&d, 0, sizeof d);
	d.names = names; /* sorted and unique: the filling pass's numbers */
	d.nnames = nnames;
	d.names_sorted = sorted;
	d.end = p + len;
	d.err = err;
	d.fill = 1;
	d.cap = need_bytes;
	d.mcap = need_meta;
	/* Zeroed: the image's padding is part of a format 2 file. */
	d.blk = place ? place(arg, need_bytes) : calloc(1, need_bytes);
	d.mblk = malloc(need_meta ? need_meta : 1);
	s = calloc(1, sizeof *s);
	if (d.blk == NULL || d.mblk == NULL || s == NULL) {
		if (!place)
			free(d.blk);
		free(d.mblk);
		free(s);
		free(d.names);
		return rsl__fail(err, RSL_ENOMEM, "out of memory (%zu bytes for "
				 "the snapshot)", need_bytes);
	}
	rc = decode_body(&d, p, want_env, s);
	free(d.names);
	d.names = NULL;
	if (rc < 0)
		goto fail;
	s->meta = d.mblk;
	if (d.overflow || d.used != need_bytes || d.mused != need_meta ||
	    (void *)d.img != (void *)d.blk) {
		rc = rsl__fail(err, RSL_ENOMEM, "payload: decoding passes disagree");
		goto fail;
	}
	d.img->size = (uint32_t)need_bytes;
	s->serial = __atomic_add_fetch(&serials, 1, __ATOMIC_RELAXED);
	s->block = place ? NULL : d.blk;
	s->block_size = need_bytes;
	/* Format 2's graph was checked with its image (validate.c). */
	if (s->info.format == 1 && (rc = rsl__check_graph(&d, s)) < 0)
		goto fail;
	if (s->info.format == 1 && rsl__rules_digest(s->rules_digest, p, len) < 0) {
		rc = rsl__fail(err, RSL_EFORMAT, "payload: not a map");
		goto fail;
	}
	*out = s;
	return RSL_OK;
fail:
	if (!place)
		free(d.blk);
	free(d.mblk);
	free(s);
	return rc;
}
