/*
 * lint.c - what is legal but suspicious (docs/ruleset.md, "Lint"): flags
 * past their expiry date, rules that can never match, segments no rule
 * uses, variants nothing serves, flags configured nowhere, 0 % shares of a
 * split.  Only warnings: a lint never blocks a merge.  Runs on a checked
 * ruleset, so references are resolved; an index still -1 is skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static void lint_split(const rsc_split *s, unsigned char *served,
		       rsc_diags *d)
{
	for (size_t i = 0; i < s->n; i++) {
		const rsc_vref *r = &s->variants[i];
		if (s->weights[i] == 0)
			rsc_warning(d, r->pos.file, r->pos.line, r->pos.col,
				    "variant '%s' has 0%% in this split",
				    r->name);
		else if (r->index >= 0)
			served[r->index] = 1;
	}
}

static void mark_variant(const rsc_vref *r, unsigned char *served)
{
	if (r->index >= 0)
		served[r->index] = 1;
}

static void lint_serve(const rsc_serve *s, unsigned char *served,
		       rsc_diags *d)
{
	switch (s->kind) {
	case RSL_SERVE_VARIANT:
		mark_variant(&s->variant, served);
		break;
	case RSL_SERVE_SPLIT:
		lint_split(&s->split, served, d);
		break;
	case RSL_SERVE_SCHEDULE:
		for (size_t i = 0; i < s->nsteps; i++) {
			if (s->steps[i].kind == RSL_SERVE_SPLIT)
				lint_split(&s->steps[i].split, served, d);
			else
				mark_variant(&s->steps[i].variant, served);
		}
		break;
	}
}

/* Segments in use; each is queued once, when first marked, so that the
 * segments it uses get marked too. */
typedef struct seg_use {
	unsigned char *used;
	size_t *queue;
	size_t nqueue;
} seg_use;

static void mark_segments(const rsc_cond *k, seg_use *u)
{
	if (k == NULL)
		return;
	if (k->op == RSL_OP_SEGMENT && k->segment_index >= 0 &&
	    !u->used[k->segment_index]) {
		u->used[k->segment_index] = 1;
		u->queue[u->nqueue++] = (size_t)k->segment_index;
	}
	if (k->op == RSL_OP_ALL || k->op == RSL_OP_ANY || k->op == RSL_OP_NOT)
		for (size_t i = 0; i < k->nkids; i++)
			mark_segments(k->kids[i], u);
}

static void lint_targeting(const rsc_targeting *t, unsigned char *served,
			   seg_use *used, rsc_diags *d)
{
	const rsc_rule *everyone = NULL;
	for (size_t i = 0; i < t->nrules; i++) {
		const rsc_rule *r = &t->rules[i];
		if (everyone != NULL)
			rsc_warning(d, r->pos.file, r->pos.line, r->pos.col,
				    "rule '%s' can never match: rule '%s' "
				    "before it matches everyone",
				    r->name, everyone->name);
		else if (r->when == NULL)
			everyone = r;
		mark_segments(r->when, used);
		lint_serve(&r->serve, served, d);
	}
	lint_serve(&t->dflt, served, d);
}

static void lint_flag(const rsc_ruleset *rs, const rsc_flag *f, long today,
		      seg_use *used, rsc_diags *d)
{
	if (f->has_expires && today > 0) {
		long exp = (long)f->expires_y * 10000 + f->expires_m * 100 +
			   f->expires_d;
		if (exp < today)
			rsc_warning(d, f->expires_pos.file, f->expires_pos.line,
				    f->expires_pos.col,
				    "flag '%s' expired on %04d-%02d-%02d; remove "
				    "it or extend 'expires'",
				    f->key, f->expires_y, f->expires_m,
				    f->expires_d);
	}

	unsigned char *served = calloc(f->nvariants ? f->nvariants : 1, 1);
	if (served == NULL) {
		fprintf(stderr, "rsc: out of memory\n");
		abort();
	}
	mark_variant(&f->off_variant, served);
	size_t configured = 0;
	for (size_t e = 0; e < rs->nenvs; e++) {
		const rsc_targeting *t = f->targeting ? f->targeting[e] : NULL;
		if (t == NULL)
			continue;
		configured++;
		lint_targeting(t, served, used, d);
	}
	if (configured == 0) {
		/* Its variants are unserved too; one warning says it. */
		rsc_warning(d, f->pos.file, f->pos.line, f->pos.col,
			    "flag '%s' is not configured in any environment; "
			    "add environments/<env>/%s.yaml or remove it",
			    f->key, f->key);
	} else {
		for (size_t i = 0; i < f->nvariants; i++) {
			const rsc_variant *v = &f->variants[i];
			if (!served[i])
				rsc_warning(d, v->pos.file, v->pos.line,
					    v->pos.col,
					    "variant '%s' can never be served: "
					    "it is not the off_variant and no "
					    "rule, split, schedule or default in "
					    "any environment serves it",
					    v->name);
		}
	}
	free(served);
}

/* "YYYY-MM-DD" as YYYYMMDD, or 0 if it is not a date. */
static long parse_day(const char *s)
{
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	long v = 0;
	for (size_t i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

void rsc_model_lint(const rsc_ruleset *rs, const char *today, rsc_diags *d)
{
	long day = parse_day(today);
	size_t nseg = rs->nsegments ? rs->nsegments : 1;
	seg_use u = { calloc(nseg, 1), malloc(nseg * sizeof *u.queue), 0 };
	if (u.used == NULL || u.queue == NULL) {
		fprintf(stderr, "rsc: out of memory\n");
		abort();
	}

	for (size_t i = 0; i < rs->nflags; i++)
		lint_flag(rs, &rs->flags[i], day, &u, d);
	/* A segment that a used segment uses is used. */
	while (u.nqueue > 0)
		mark_segments(rs->segments[u.queue[--u.nqueue]].when, &u);
	for (size_t i = 0; i < rs->nsegments; i++) {
		const rsc_segment *s = &rs->segments[i];
		if (!u.used[i])
			rsc_warning(d, s->pos.file, s->pos.line, s->pos.col,
				    "segment '%s' is not used by any rule",
				    s->key);
	}
	free(u.used);
	free(u.queue);
}
