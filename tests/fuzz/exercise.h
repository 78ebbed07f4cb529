/*
 * exercise.h - what the fuzz targets do with a snapshot that decoded:
 * evaluate every flag, with every expected type, for a few contexts (one
 * empty, and some built from the snapshot's own condition operands so that
 * rules can match), and explain each evaluation as text and JSON, into a
 * large buffer and a tiny one.  Checks the promises of rsl.h that a fuzzer
 * can check: the reason and error agree, a served variant belongs to the
 * flag, explain's return value matches what it wrote.
 *
 * Header-only, included by fuzz_ruleset.c and fuzz_snapshot.c.
 */
#ifndef FUZZ_EXERCISE_H
#define FUZZ_EXERCISE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rsl.h"
#include "snap.h"

#define FX_MAX_ATTRS 24

typedef struct fx_ctx {
	rsl_attr same[FX_MAX_ATTRS];  /* the operand's own type and value */
	rsl_attr other[FX_MAX_ATTRS]; /* the same names, another type */
	size_t n;
	const char *list[4];
} fx_ctx;

static void fx_add(fx_ctx *c, const rsl__cond *k)
{
	if (c->n >= FX_MAX_ATTRS || k->attr_kind != RSL__ATTR_NAMED || !k->attr.len)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->same[i].name, RSL__S(k->attr)) == 0)
			return;
	rsl_attr *s = &c->same[c->n], *o = &c->other[c->n];
	memset(s, 0, sizeof *s);
	memset(o, 0, sizeof *o);
	s->name = o->name = RSL__S(k->attr);
	const rsl__val *v = k->nlist ? &RSL__AT(rsl__val, k->list)[k->nlist - 1] : &k->value;
	switch (k->op) {
	case RSL_OP_BEFORE:
	case RSL_OP_AFTER:
		s->type = RSL_ATTR_NUMBER;
		s->n = (double)k->value.i;
		o->type = RSL_ATTR_STRING;
		o->s = "2026-01-01T00:00:00Z";
		break;
	case RSL_OP_SEMVER_EQ: case RSL_OP_SEMVER_LT: case RSL_OP_SEMVER_LTE:
	case RSL_OP_SEMVER_GT: case RSL_OP_SEMVER_GTE:
		s->type = RSL_ATTR_STRING;
		s->s = v->kind == RSL__V_STRING ? RSL__S(v->s) : "1.2.3-rc.1+b";
		o->type = RSL_ATTR_STRING;
		o->s = "01.2";
		break;
	default:
		switch (v->kind) {
		case RSL__V_BOOL:
			s->type = RSL_ATTR_BOOL;
			s->b = v->b;
			o->type = RSL_ATTR_STRING;
			o->s = "true";
			break;
		case RSL__V_INT:
		case RSL__V_FLOAT:
			s->type = RSL_ATTR_NUMBER;
			s->n = v->f;
			o->type = RSL_ATTR_STRING;
			o->s = "1e3";
			break;
		default:
			s->type = RSL_ATTR_STRING;
			s->s = RSL__S(v->s);
			o->type = RSL_ATTR_LIST;
			o->list = c->list;
			o->len = 4;
			break;
		}
	}
	c->n++;
}

static void fx_walk(fx_ctx *c, const rsl__cond *k, unsigned depth)
{
	if (!k || depth > 64)
		return;
	fx_add(c, k);
	for (uint32_t i = 0; i < k->nkids; i++)
		fx_walk(c, &RSL__AT(rsl__cond, k->kids)[i], depth + 1);
}

static void fx_collect(fx_ctx *c, const rsl_snapshot *s)
{
	memset(c, 0, sizeof *c);
	c->list[0] = "";
	c->list[1] = "DE";
	c->list[2] = "x@EXAMPLE.com";
	c->list[3] = "\xc3\xa9t\xc3\xa9";
	for (uint32_t i = 0; i < s->nsegments; i++)
		fx_walk(c, rsl__when(&s->segments[i].when), 0);
	for (uint32_t f = 0; f < s->nflags; f++)
		for (uint32_t r = 0; r < s->flags[f].nrules; r++)
			fx_walk(c, rsl__when(&RSL__AT(rsl__rule, s->flags[f].rules)[r].when), 0);
}

static void fx_check_result(int rc, const rsl_context *ctx, const rsl_result *r,
			    const rsl__flag *f)
{
	/* An error code comes with reason ERROR, but for a default split
	 * without a key (docs/ruleset.md): DEFAULT, TARGETING_KEY_MISSING. */
	if ((r->reason == RSL_REASON_ERROR) != (r->error != RSL_ERR_NONE) &&
	    !(r->reason == RSL_REASON_DEFAULT && r->error == RSL_ERR_TARGETING_KEY_MISSING))
		abort();
	if (rc != ((ctx->strict && r->error != RSL_ERR_NONE) ? RSL_ESTRICT : RSL_OK))
		abort();
	if (r->variant) {
		int found = 0;
		for (uint32_t i = 0; i < f->nvariants; i++)
			found |= strcmp(RSL__S(RSL__AT(rsl__variant, f->variants)[i].name), r->variant) == 0;
		if (!found)
			abort();
	}
	if (r->bucket != UINT32_MAX && r->bucket >= 100000)
		abort();
}

static void fx_explain(const rsl_snapshot *s, const char *key, const rsl_context *ctx)
{
	static char big[1 << 16];
	char tiny[16];
	for (int fmt = RSL_EXPLAIN_TEXT; fmt <= RSL_EXPLAIN_JSON; fmt++) {
		size_t n = rsl_explain(big, sizeof big, s, key, ctx, fmt);
		if (n < sizeof big && strlen(big) != n)
			abort();
		size_t m = rsl_explain(tiny, sizeof tiny, s, key, ctx, fmt);
		if (m != n || strlen(tiny) != (m < sizeof tiny ? m : sizeof tiny - 1))
			abort();
	}
}

static inline void fx_exercise(const rsl_snapshot *s)
{
	fx_ctx c;
	fx_collect(&c, s);
	rsl_info info;
	rsl_snapshot_info(&info, s);

	rsl_context ctx[4];
	memset(ctx, 0, sizeof ctx);
	ctx[0].now = 1767225600;                 /* empty but for the time */
	for (int i = 1; i < 4; i++) {
		ctx[i].targeting_key = i == 3 ? "" : "user-42";
		ctx[i].tenant_key = "acme";
		ctx[i].environment = i == 3 ? "elsewhere" : info.environment;
		ctx[i].attrs = i == 2 ? c.other : c.same;
		ctx[i].nattrs = c.n;
		ctx[i].now = i == 1 ? 1767225600 : 4102444800; /* 2026, 2100 */
		ctx[i].strict = i & 1;
	}

	for (uint32_t f = 0; f < s->nflags; f++) {
		const rsl__flag *fl = &s->flags[f];
		const char *key = RSL__S(fl->key);
		for (int i = 0; i < 4; i++) {
			for (int t = RSL_BOOLEAN; t <= RSL_OBJECT; t++) {
				rsl_result r;
				int rc = rsl_evaluate(&r, s, key, (rsl_type)t, &ctx[i], NULL);
				fx_check_result(rc, &ctx[i], &r, fl);
			}
			fx_explain(s, key, &ctx[i]);
		}
		(void)rsl_bool(s, key, &ctx[1], 0);
		(void)rsl_string(s, key, &ctx[1], "fallback");
		(void)rsl_int(s, key, &ctx[1], -1);
		(void)rsl_float(s, key, &ctx[1], 0.5);
		(void)rsl_object(s, key, NULL, "{}");
	}
	fx_explain(s, "no-such-flag", &ctx[1]);
}

#endif
