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

/*
 * Format 2 from the format 1 body b1: the loader decodes b1 into the image
 * (one implementation of the records, decode.c), and the body carries it
 * with the metadata, its digest, and as many zero bytes in 'align' as put
 * the image at a multiple of 16 bytes from the start of the file
 * (cose.c's envelope: RSC_COSE_PAYLOAD_AT).
 */
static int encode_image(unsigned char **out, size_t *outlen, const unsigned char *b1,
			size_t len1, const rsc_ruleset *rs, size_t env,
			const rsc_provenance *prov, char *err, size_t errlen)
{
	rsl_snapshot *snap = NULL;
	rsl_error e;
	if (rsl__decode_payload(&snap, b1, len1, NULL, &e) != RSL_OK) {
		snprintf(err, errlen, "the loader refuses the body rsc wrote (a bug in rsc): %s",
			 e.message);
		return RSC_EINVALID;
	}
	enc en;
	rsc_cw_init(&en.w);
	en.rs = rs;
	rsc_cw *w = &en.w;
	rsc_cw_map_begin(w);
	metadata(&en, rs, env, prov, 2);
	rsc_cw_key(w, RSL_K_DIGEST);
	rsc_cw_bytes(w, snap->rules_digest, sizeof snap->rules_digest);
	rsc_cw_key(w, RSL_K_ALIGN);
	rsc_cw_bytes(w, NULL, 0);
	rsc_cw_key(w, RSL_K_IMAGE);
	rsc_cw_bytes(w, snap->block, snap->block_size);
	rsc_cw_map_end(w);
	size_t imagelen = snap->block_size;
	rsl_close(snap);
	char msg[sizeof w->err];
	memcpy(msg, w->err, sizeof msg);
	unsigned char *b;
	size_t n;
	int rc = rsc_cw_finish(&b, &n, w);
	if (rc != RSC_OK) {
		snprintf(err, errlen, "%s", msg);
		return rc;
	}
	/* Canonical order puts "env" and then "align" first (shorter keys
	 * first, then bytewise), "image" right after. */
	size_t envlen = strlen(rs->envs[env].name);
	size_t at_align = 1 + 4 + head_len(envlen) + envlen + 6;
	size_t k = 0;
	for (; k < 16; k++) {
		size_t image_at = RSC_COSE_PAYLOAD_AT(n + k) + at_align + 1 + k + 6 +
				  head_len(imagelen);
		if (image_at % 16 == 0)
			break;
	}
	if (k) {
		unsigned char *nb = realloc(b, n + k);
		if (nb == NULL) {
			free(b);
			snprintf(err, errlen, "out of memory");
			return RSC_EIO;
		}
		b = nb;
		memmove(b + at_align + 1 + k, b + at_align + 1, n - at_align - 1);
		memset(b + at_align + 1, 0, k);
		b[at_align] = (unsigned char)(0x40 + k);
		n += k;
	}
	*out = b;
	*outlen = n;
	return RSC_OK;
}

int rsc_encode_body(unsigned char **out, size_t *outlen, const rsc_ruleset *rs,
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
	rc = encode_image(out, outlen, b1, len1, rs, env, prov, err, errlen);
	free(b1);
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
