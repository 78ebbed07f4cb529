/* encode.c - model -> deterministic CBOR Body; see encode.h and
 * docs/snapshot-format.md. */
#include "encode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../loader/decode.h"
#include "../loader/repo_url.h"
#include "../loader/snap.h"
#include "cose.h"

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

char *rsc_repo_name(const char *url)
{
	if (!url)
		return NULL;
	char *out = malloc(strlen(url) + 1); /* never longer than the URL */
	if (out)
		rsl__url_repo_name(out, url);
	return out;
}

/* Everything encode_* needs, so that the functions stay small. */
typedef struct enc {
	rsc_cw w;
	const rsc_ruleset *rs;
} enc;

static void bad(enc *e, const rsc_pos *pos, const char *what)
{
	rsc_cw_fail(&e->w, RSC_EINVALID, "%s:%u: %s", pos && pos->file ? pos->file : "?",
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
	rsc_cw_key(w, RSL_K_OP);
	rsc_cw_uint(w, (uint64_t)c->op);
	if (c->op >= RSL_OP_EQ && c->op <= RSL_OP_EXISTS) {
		rsc_cw_key(w, RSL_K_ATTR);
		rsc_cw_cstr(w, c->attribute ? c->attribute : "");
	}
	switch (c->op) {
	case RSL_OP_IN:
	case RSL_OP_NOT_IN:
		rsc_cw_key(w, RSL_K_VALUES);
		rsc_cw_array(w, c->nlist);
		for (size_t i = 0; i < c->nlist; i++)
			operand(e, &c->list[i], &c->pos);
		break;
	case RSL_OP_BEFORE:
	case RSL_OP_AFTER:
		rsc_cw_key(w, RSL_K_VALUE);
		rsc_cw_int(w, c->time);
		break;
	case RSL_OP_ALL:
	case RSL_OP_ANY:
	case RSL_OP_NOT:
		if (c->nkids == 0 || (c->op == RSL_OP_NOT && c->nkids != 1)) {
			bad(e, &c->pos, "a combinator with a wrong number of conditions");
			break;
		}
		rsc_cw_key(w, RSL_K_KIDS);
		rsc_cw_array(w, c->nkids);
		for (size_t i = 0; i < c->nkids; i++)
			condition(e, c->kids[i], depth + 1);
		break;
	case RSL_OP_SEGMENT:
		if (c->segment_index < 0 ||
		    (size_t)c->segment_index >= e->rs->nsegments)
			bad(e, &c->pos, "an unresolved segment reference");
		rsc_cw_key(w, RSL_K_SEGMENT);
		rsc_cw_uint(w, (uint64_t)(c->segment_index < 0 ? 0 : c->segment_index));
		break;
	default:
		if (c->op < RSL_OP_EQ || c->op > RSL_OP_EXISTS) {
			bad(e, &c->pos, "an unknown condition operator");
			break;
		}
		rsc_cw_key(w, RSL_K_VALUE);
		operand(e, &c->value, &c->pos);
		break;
	}
	if (c->case_insensitive && c->op >= RSL_OP_EQ && c->op <= RSL_OP_ENDS_WITH) {
		rsc_cw_key(w, RSL_K_CI);
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
	rsc_cw_key(w, RSL_K_KIND);
	rsc_cw_uint(w, (uint64_t)s->kind);
	switch (s->kind) {
	case RSL_SERVE_VARIANT:
		rsc_cw_key(w, RSL_K_VARIANT);
		vref(e, &s->variant, nvariants);
		break;
	case RSL_SERVE_SPLIT:
		rsc_cw_key(w, RSL_K_BY);
		rsc_cw_cstr(w, by);
		rsc_cw_key(w, RSL_K_SPLIT);
		split(e, &s->split, nvariants);
		break;
	case RSL_SERVE_SCHEDULE:
		rsc_cw_key(w, RSL_K_BY);
		rsc_cw_cstr(w, by);
		rsc_cw_key(w, RSL_K_STEPS);
		rsc_cw_array(w, s->nsteps);
		for (size_t i = 0; i < s->nsteps; i++) {
			const rsc_step *st = &s->steps[i];
			rsc_cw_map_begin(w);
			rsc_cw_key(w, RSL_K_AT);
			rsc_cw_int(w, st->at);
			if (st->kind == RSL_SERVE_SPLIT) {
				rsc_cw_key(w, RSL_K_SPLIT);
				split(e, &st->split, nvariants);
			} else {
				rsc_cw_key(w, RSL_K_VARIANT);
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
	rsc_cw_key(w, RSL_K_FILE);
	rsc_cw_cstr(w, t->file ? t->file : "");
	rsc_cw_key(w, RSL_K_ENABLED);
	rsc_cw_bool(w, t->enabled);
	rsc_cw_key(w, RSL_K_REQUIRES);
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
	rsc_cw_key(w, RSL_K_RULES);
	rsc_cw_array(w, t->nrules);
	for (size_t i = 0; i < t->nrules; i++) {
		const rsc_rule *r = &t->rules[i];
		rsc_cw_map_begin(w);
		rsc_cw_key(w, RSL_K_NAME);
		rsc_cw_cstr(w, r->name ? r->name : "");
		rsc_cw_key(w, RSL_K_LINE);
		rsc_cw_uint(w, r->pos.line);
		rsc_cw_key(w, RSL_K_SERVE);
		serve(e, &r->serve, f->nvariants);
		if (r->when) {
			rsc_cw_key(w, RSL_K_WHEN);
			condition(e, r->when, 1);
		}
		rsc_cw_map_end(w);
	}
	rsc_cw_key(w, RSL_K_DEFAULT);
	serve(e, &t->dflt, f->nvariants);
	rsc_cw_key(w, RSL_K_DEFAULT_LINE);
	rsc_cw_uint(w, t->dflt_pos.line);
	rsc_cw_map_end(w);
}

static void flag(enc *e, const rsc_flag *f, size_t env)
{
	rsc_cw *w = &e->w;
	rsc_cw_map_begin(w);
	rsc_cw_key(w, RSL_K_KEY);
	rsc_cw_cstr(w, f->key);
	rsc_cw_key(w, RSL_K_TYPE);
	rsc_cw_uint(w, (uint64_t)f->type);
	rsc_cw_key(w, RSL_K_VARIANTS);
	rsc_cw_array(w, f->nvariants);
	for (size_t i = 0; i < f->nvariants; i++) {
		rsc_cw_array(w, 2);
		rsc_cw_cstr(w, f->variants[i].name);
		variant_value(e, f, &f->variants[i]);
	}
	rsc_cw_key(w, RSL_K_OFF);
	vref(e, &f->off_variant, f->nvariants);
	rsc_cw_key(w, RSL_K_SALT);
	rsc_cw_cstr(w, f->salt ? f->salt : f->key);
	rsc_cw_key(w, RSL_K_FILE);
	rsc_cw_cstr(w, f->file ? f->file : "");
	rsc_cw_key(w, RSL_K_LINE);
	rsc_cw_uint(w, f->pos.line);
	if (f->targeting && f->targeting[env]) {
		rsc_cw_key(w, RSL_K_TARGETING);
		targeting(e, f, f->targeting[env]);
	}
	rsc_cw_map_end(w);
}

static void provenance(enc *e, const rsc_provenance *p)
{
	rsc_cw *w = &e->w;
	rsc_cw_map_begin(w);
	rsc_cw_key(w, RSL_K_COMMIT);
	rsc_cw_cstr(w, p->commit ? p->commit : "");
	rsc_cw_key(w, RSL_K_COMMIT_TIME);
	rsc_cw_int(w, p->commit_time);
	if (p->author) {
		rsc_cw_key(w, RSL_K_AUTHOR);
		rsc_cw_cstr(w, p->author);
	}
	if (p->subject) {
		rsc_cw_key(w, RSL_K_SUBJECT);
		rsc_cw_cstr(w, p->subject);
	}
	rsc_cw_key(w, RSL_K_PATH);
	rsc_cw_cstr(w, p->path ? p->path : "");
	rsc_cw_key(w, RSL_K_RSC);
	rsc_cw_cstr(w, p->rsc ? p->rsc : RSC_VERSION);
	char *repo = rsc_repo_name(p->repo);
	if (p->repo && !repo)
		rsc_cw_fail(w, RSC_EIO, "out of memory");
	if (repo && *repo) {
		rsc_cw_key(w, RSL_K_REPO);
		rsc_cw_cstr(w, repo);
	}
	free(repo);
	rsc_cw_map_end(w);
}

/* The metadata every format carries (docs/snapshot-format.md, "Body"). */
static void metadata(enc *e, const rsc_ruleset *rs, size_t env, const rsc_provenance *prov,
		     unsigned format)
{
	rsc_cw *w = &e->w;
	rsc_cw_key(w, RSL_K_FORMAT);
	rsc_cw_uint(w, format);
	rsc_cw_key(w, RSL_K_ENV);
	rsc_cw_cstr(w, rs->envs[env].name);
	rsc_cw_key(w, RSL_K_VERSION);
	rsc_cw_uint(w, prov->version);
	rsc_cw_key(w, RSL_K_ISSUED_AT);
	int64_t issued = prov->issued_at ? prov->issued_at : prov->commit_time;
	rsc_cw_int(w, issued);
	if (rs->has_ttl && prov->commit_time != 0) {
		rsc_cw_key(w, RSL_K_EXPIRES_AT);
		rsc_cw_int(w, issued + rs->ttl_seconds);
	}
	rsc_cw_key(w, RSL_K_BUCKETING);
	rsc_cw_uint(w, RSL_BUCKETING_ALGORITHM);
	rsc_cw_key(w, RSL_K_PROVENANCE);
	provenance(e, prov);
}

/* The bytes of a CBOR head for argument v. */
static size_t head_len(uint64_t v)
{
	return v < 24 ? 1 : v <= 0xff ? 2 : v <= 0xffff ? 3 : v <= 0xffffffffu ? 5 : 9;
}

/* Writes a CBOR byte-string head for n at p; returns its length. */
static size_t put_bytes_head(unsigned char *p, uint64_t n)
{
	size_t h = head_len(n);
	p[0] = (unsigned char)(0x40 | (h == 1 ? n : h == 2 ? 24 : h == 3 ? 25 : h == 5 ? 26 : 27));
	for (size_t i = 1; i < h; i++)
		p[i] = (unsigned char)(n >> (8 * (h - 1 - i)));
	return h;
}

/* The metadata of a format 2 body with its digest, 'align' and 'image'
 * empty: *out malloc'd. */
static int image_meta(unsigned char **out, size_t *outlen, const rsc_ruleset *rs,
		      size_t env, const rsc_provenance *prov,
		      const unsigned char digest[32], char *err, size_t errlen)
{
	enc en;
	rsc_cw_init(&en.w);
	en.rs = rs;
	rsc_cw *w = &en.w;
	rsc_cw_map_begin(w);
	metadata(&en, rs, env, prov, 2);
	rsc_cw_key(w, RSL_K_DIGEST);
	rsc_cw_bytes(w, digest, 32);
	rsc_cw_key(w, RSL_K_ALIGN);
	rsc_cw_bytes(w, NULL, 0);
	rsc_cw_key(w, RSL_K_IMAGE);
	rsc_cw_bytes(w, NULL, 0);
	rsc_cw_map_end(w);
	char msg[sizeof w->err];
	memcpy(msg, w->err, sizeof msg);
	int rc = rsc_cw_finish(out, outlen, w);
	if (rc != RSC_OK)
		snprintf(err, errlen, "%s", msg);
	return rc;
}

/* The body being built around its image: its metadata's layout, then (set
 * by place_image once the decoder knows the image's size) the buffer. */
typedef struct frame {
	size_t mn;             /* the metadata's size, 'align' and 'image' empty */
	size_t at_align, at_image; /* where they are in it */
	size_t imagelen;
	size_t k;              /* the zero bytes in 'align' */
	size_t n;              /* the body's size */
	unsigned char *buf;    /* RSC_COSE_FRAME(n) bytes, the body at
				  RSC_COSE_BODY_AT(n) */
} frame;

/* rsl__image_place for the decoder: the image goes where the body carries
 * it, as many zero bytes in 'align' putting it at a multiple of 16 bytes
 * from the start of the file (and so of the buffer). */
static void *place_image(void *arg, size_t imagelen)
{
	frame *f = arg;
	size_t n = f->mn - 1 + head_len(imagelen) + imagelen, k = 0;
	for (; k < 16; k++)
		if ((RSC_COSE_PAYLOAD_AT(n + k) + f->at_image + k + head_len(imagelen)) % 16 == 0)
			break;
	n += k;
	void *buf;
	if (posix_memalign(&buf, 16, RSC_COSE_FRAME(n)) != 0)
		return NULL;
	f->buf = buf;
	f->n = n;
	f->k = k;
	f->imagelen = imagelen;
	unsigned char *image = f->buf + RSC_COSE_BODY_AT(n) + f->at_image + k +
			       head_len(imagelen);
	memset(image, 0, imagelen);
	return image;
}

/*
 * Format 2 from the format 1 body b1 (freed here, as soon as it is read):
 * the loader decodes b1 into the image (one implementation of the records,
 * decode.c), placed by place_image in the buffer of the whole body, framed
 * to be signed in place (cose.h); the metadata, its digest and 'align' are
 * then written around it.  The metadata is measured first with a digest of
 * zeros: a digest is 32 bytes whatever it is.  So the image, the largest
 * part of a large ruleset's snapshot, is written once and never copied.
 */
int rsc_encode_body_from_v1(unsigned char **out, size_t *outlen, unsigned char *b1,
			    size_t len1, const rsc_ruleset *rs, size_t env,
			    const rsc_provenance *prov, char *err, size_t errlen)
{
	static const unsigned char zero[32];
	frame f;
	unsigned char *m = NULL;
	size_t mn = 0;
	rsl_snapshot *snap = NULL;
	rsl_error e;
	*out = NULL;
	*outlen = 0;
	memset(&f, 0, sizeof f);
	int rc = image_meta(&m, &f.mn, rs, env, prov, zero, err, errlen);
	if (rc != RSC_OK) {
		free(b1);
		return rc;
	}
	/* Canonical order puts "env" and then "align" first (shorter keys
	 * first, then bytewise), "image" right after: m holds them empty. */
	size_t envlen = strlen(rs->envs[env].name);
	f.at_align = 1 + 4 + head_len(envlen) + envlen + 6;
	f.at_image = f.at_align + 1 + 6;
	int ok = f.mn > f.at_image && m[f.at_align] == 0x40 &&
		 memcmp(m + f.at_align + 1, "\x65" RSL_K_IMAGE, 6) == 0 && m[f.at_image] == 0x40;
	free(m);
	m = NULL;
	if (!ok) {
		free(b1);
		snprintf(err, errlen, "the body's keys are not where format 2 puts them "
			 "(a bug in rsc)");
		return RSC_EINVALID;
	}
	int drc = rsl__decode_payload_into(&snap, b1, len1, NULL, place_image, &f, &e);
	free(b1);
	if (drc == RSL_OK) {
		rc = image_meta(&m, &mn, rs, env, prov, snap->rules_digest, err, errlen);
		rsl_close(snap);
	} else if (f.buf == NULL && drc == RSL_ENOMEM) {
		snprintf(err, errlen, "out of memory");
		rc = RSC_EIO;
	} else {
		snprintf(err, errlen, "the loader refuses the body rsc wrote (a bug in rsc): %s",
			 e.message);
		rc = RSC_EINVALID;
	}
	if (rc == RSC_OK && mn != f.mn) {
		snprintf(err, errlen, "the body's metadata is %zu bytes, then %zu (a bug in rsc)",
			 f.mn, mn);
		rc = RSC_EINVALID;
	}
	if (rc != RSC_OK) {
		free(m);
		free(f.buf);
		return rc;
	}
	unsigned char *b = f.buf + RSC_COSE_BODY_AT(f.n);
	size_t o = f.at_align;
	memcpy(b, m, o);
	b[o++] = (unsigned char)(0x40 + f.k);
	memset(b + o, 0, f.k);
	o += f.k;
	memcpy(b + o, m + f.at_align + 1, 6);
	o += 6;
	o += put_bytes_head(b + o, f.imagelen);
	o += f.imagelen; /* the image, where the decoder put it */
	memcpy(b + o, m + f.at_image + 1, mn - f.at_image - 1);
	free(m);
	*out = f.buf;
	*outlen = f.n;
	return RSC_OK;
}

int rsc_encode_body_framed(unsigned char **out, size_t *outlen, const rsc_ruleset *rs,
			   size_t env, const rsc_provenance *prov, char *err,
			   size_t errlen)
{
	unsigned char *b1;
	size_t len1;
	*out = NULL;
	*outlen = 0;
	int rc = rsc_encode_body_v1(&b1, &len1, rs, env, prov, err, errlen);
	if (rc != RSC_OK)
		return rc;
	return rsc_encode_body_from_v1(out, outlen, b1, len1, rs, env, prov, err, errlen);
}

int rsc_encode_body(unsigned char **out, size_t *outlen, const rsc_ruleset *rs,
		    size_t env, const rsc_provenance *prov, char *err,
		    size_t errlen)
{
	int rc = rsc_encode_body_framed(out, outlen, rs, env, prov, err, errlen);
	if (rc == RSC_OK)
		memmove(*out, *out + RSC_COSE_BODY_AT(*outlen), *outlen);
	return rc;
}

int rsc_encode_body_v1(unsigned char **out, size_t *outlen, const rsc_ruleset *rs,
		       size_t env, const rsc_provenance *prov, char *err,
		       size_t errlen)
{
	enc e;
	rsc_cw_init(&e.w);
	e.rs = rs;
	rsc_cw *w = &e.w;
	if (env >= rs->nenvs || prov->commit_time < 0) {
		rsc_cw_fail(w, RSC_EINVALID, env >= rs->nenvs ? "no such environment"
				: "a commit time before 1970");
		goto out;
	}
	rsc_cw_map_begin(w);
	metadata(&e, rs, env, prov, 1);
	rsc_cw_key(w, RSL_K_SEGMENTS);
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
		rsc_cw_key(w, RSL_K_KEY);
		rsc_cw_cstr(w, s->key);
		rsc_cw_key(w, RSL_K_WHEN);
		condition(&e, s->when, 1);
		rsc_cw_map_end(w);
	}
	rsc_cw_key(w, RSL_K_FLAGS);
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
