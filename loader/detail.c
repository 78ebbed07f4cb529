/*
 * detail.c - what bindings need from the library: a detailed evaluation
 * whose strings the caller owns (rsl_detail), and the flags of a snapshot
 * (rsl_flag_desc, rsl_flag_list).  A language runtime keeps results and
 * lists for as long as it likes, so nothing here points into a snapshot
 * that a reload may free: the strings are copied while the snapshot is
 * held.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "eval.h"
#include "snap.h"

/* The strings a detail carries, in the order they are packed. */
enum { D_TEXT, D_VARIANT, D_RULE, D_FILE, D_ENV, D_COMMIT, D_N };

/* Empty text for a value whose strings could not be stored. */
static char no_text[1] = "";

/* Copies r (decided by snap, or NULL) into out. */
static int fill(rsl_detail *out, const rsl_result *r, const rsl_snapshot *snap)
{
	int text = r->value.type == RSL_STRING || r->value.type == RSL_OBJECT;
	const char *src[D_N] = {
		text ? (r->value.s ? r->value.s : "") : NULL, r->variant, r->rule_name,
		r->file, snap ? snap->info.environment : NULL,
		snap ? snap->info.commit : NULL
	};
	size_t len[D_N], total = 0;
	for (int k = 0; k < D_N; k++) {
		/* A caller's fallback may leave len 0: its text is then read
		 * up to its NUL. */
		len[k] = !src[k] ? 0 : k == D_TEXT && r->value.len ? r->value.len
								    : strlen(src[k]);
		total += src[k] ? len[k] + 1 : 0;
	}
	out->value = r->value;
	out->reason = r->reason;
	out->error = r->error;
	out->rule_index = r->rule_index;
	out->line = r->line;
	out->bucket = r->bucket;
	out->version = snap ? snap->info.version : 0;
	out->heap_ = NULL;
	char *p = out->storage_;
	if (total > sizeof out->storage_ && (p = out->heap_ = malloc(total)) == NULL) {
		memset(&out->value, 0, sizeof out->value);
		out->value.type = r->value.type;
		out->value.s = text ? no_text : NULL;
		out->variant = out->rule_name = out->file = NULL;
		out->environment = out->commit = NULL;
		out->reason = RSL_REASON_ERROR;
		out->error = RSL_ERR_GENERAL;
		out->rule_index = -1;
		out->line = 0;
		out->bucket = UINT32_MAX;
		out->version = 0;
		return RSL_ENOMEM;
	}
	const char *dst[D_N];
	for (int k = 0; k < D_N; k++) {
		dst[k] = NULL;
		if (!src[k])
			continue;
		memcpy(p, src[k], len[k]);
		p[len[k]] = '\0';
		dst[k] = p;
		p += len[k] + 1;
	}
	out->value.s = dst[D_TEXT];
	out->value.len = text ? len[D_TEXT] : 0;
	out->variant = dst[D_VARIANT];
	out->rule_name = dst[D_RULE];
	out->file = dst[D_FILE];
	out->environment = dst[D_ENV];
	out->commit = dst[D_COMMIT];
	return RSL_OK;
}

int rsl_evaluate_detail(rsl_detail *out, const rsl_snapshot *snap, const char *key,
			rsl_type expected, const rsl_context *ctx,
			const rsl_value *fallback)
{
	if (out == NULL)
		return RSL_EINVAL;
	rsl_result r;
	int rc = rsl__eval(&r, NULL, snap, key, (int)expected, ctx, fallback, NULL);
	int frc = fill(out, &r, snap);
	return frc < 0 ? frc : rc;
}

int rsl_client_detail(rsl_detail *out, rsl_client *c, const char *key,
		      rsl_type expected, const rsl_context *ctx,
		      const rsl_value *fallback)
{
	if (out == NULL)
		return RSL_EINVAL;
	if (c == NULL)
		return rsl_evaluate_detail(out, NULL, key, expected, ctx, fallback);
	rsl_result r;
	const rsl_snapshot *snap;
	uint64_t version = 0;
	rsl__rd_enter();
	int rc = rsl__client_eval_in(&r, &snap, c, key, expected, ctx, fallback, &version);
	/* Copied inside the read section: the strings live in the snapshot
	 * (or the client's test overrides). */
	int frc = fill(out, &r, snap);
	rsl__rd_exit();
	rsl__client_after(c, key, r.error, version);
	return frc < 0 ? frc : rc;
}

void rsl_detail_free(rsl_detail *d)
{
	if (d == NULL)
		return;
	free(d->heap_);
	d->heap_ = NULL;
	d->value.s = NULL;
	d->value.len = 0;
	d->variant = d->rule_name = d->file = d->environment = d->commit = NULL;
}

int rsl_snapshot_flag(rsl_flag_desc *out, const rsl_snapshot *snap, size_t i)
{
	if (out == NULL || snap == NULL || i >= snap->nflags)
		return RSL_EINVAL;
	const rsl__flag *f = &snap->flags[i];
	out->key = RSL__S(f->key);
	out->type = (rsl_type)f->type;
	out->variant_count = f->nvariants;
	out->off_variant = RSL__S(RSL__AT(rsl__variant, f->variants)[f->off].name);
	out->configured = f->configured;
	out->enabled = f->configured && f->enabled;
	out->rule_count = out->enabled ? f->nrules : 0;
	if (!out->enabled)
		out->default_variant = out->off_variant;
	else if (f->dflt.kind == RSL_SERVE_VARIANT)
		out->default_variant = RSL__S(RSL__AT(rsl__variant, f->variants)[f->dflt.variant].name);
	else
		out->default_variant = NULL;
	out->file = RSL__S(f->file);
	out->line = f->line;
	return RSL_OK;
}

/* Appends s to the strings of a list being built at *p; returns the copy. */
static const char *put(char **p, const char *s)
{
	if (s == NULL)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = *p;
	memcpy(d, s, n);
	*p += n;
	return d;
}

static size_t text_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

int rsl_client_flags(rsl_flag_list **out, rsl_client *c)
{
	if (out == NULL)
		return RSL_EINVAL;
	*out = NULL;
	const rsl_snapshot *snap = rsl_client_hold(c);
	size_t n = snap ? snap->nflags : 0;
	const char *env = snap ? snap->info.environment : "";
	size_t total = sizeof(rsl_flag_list) + n * sizeof(rsl_flag_desc) + text_size(env);
	rsl_flag_desc d;
	for (size_t i = 0; i < n; i++) {
		rsl_snapshot_flag(&d, snap, i);
		total += text_size(d.key) + text_size(d.off_variant) +
			 text_size(d.default_variant) + text_size(d.file);
	}
	rsl_flag_list *list = malloc(total);
	if (list == NULL) {
		rsl_client_release(c);
		return RSL_ENOMEM;
	}
	list->count = n;
	list->version = snap ? snap->info.version : 0;
	list->flags = (rsl_flag_desc *)(list + 1);
	char *p = (char *)(list->flags + n);
	list->environment = put(&p, env);
	for (size_t i = 0; i < n; i++) {
		rsl_flag_desc *o = &list->flags[i];
		rsl_snapshot_flag(o, snap, i);
		int same = o->default_variant == o->off_variant;
		o->key = put(&p, o->key);
		o->off_variant = put(&p, o->off_variant);
		o->default_variant = same ? o->off_variant : put(&p, o->default_variant);
		o->file = put(&p, o->file);
	}
	rsl_client_release(c);
	*out = list;
	return RSL_OK;
}

void rsl_flag_list_free(rsl_flag_list *list)
{
	free(list);
}
