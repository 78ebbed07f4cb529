/*
 * imgfix.h - snapshot records built by hand for the tests that drive the
 * matcher and the evaluator without rsl_open (check_match.c,
 * check_eval.c).
 *
 * The records (loader/snap.h) hold self-relative 32-bit references, not
 * pointers: a reference from a stack variable to a string literal could
 * overflow, and a record copied by value points elsewhere.  So every record
 * and every string a record references lives in one static arena, and
 * copies go through the fx_copy_* helpers, which set each reference for the
 * copy's own place.
 *
 * Header-only, like snapfix.h, so that each suite builds alone.
 */
#ifndef IMGFIX_H
#define IMGFIX_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "snap.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"

/* Far below RSL__IMAGE_MAX: any two places in it are in a reference's
 * reach. */
#define FX_ARENA_SIZE ((size_t)4 << 20)

static _Alignas(16) unsigned char fx_arena[FX_ARENA_SIZE];
static size_t fx_used;

/* n zeroed bytes of the arena, 8-aligned.  Never freed: a test's few
 * hundred records fit, and in fork mode each test starts from the
 * parent's empty arena. */
static void *fx_new(size_t n)
{
	size_t at = (fx_used + 7) & ~(size_t)7;
	ck_assert_msg(n <= FX_ARENA_SIZE - at, "imgfix: arena full (%zu + %zu bytes)", at, n);
	fx_used = at + n;
	return memset(fx_arena + at, 0, n);
}

/* Points out at a copy of s[0..len) and its NUL, in the arena. */
static void fx_strn(rsl__str *out, const char *s, size_t len)
{
	char *p = fx_new(len + 1);
	memcpy(p, s, len);
	rsl__ref_set(&out->p, p);
	out->len = (uint32_t)len;
}

static void fx_str(rsl__str *out, const char *s)
{
	fx_strn(out, s, strlen(s));
}

/* A new string record holding s. */
static rsl__str *fx_newstr(const char *s)
{
	rsl__str *r = fx_new(sizeof *r);
	fx_str(r, s);
	return r;
}

/* dst refers to what src refers to (none stays none). */
static void fx_copy_ref(rsl__ref *dst, const rsl__ref *src)
{
	rsl__ref_set(dst, src->off ? rsl__at(src) : NULL);
}

static void fx_copy_str(rsl__str *dst, const rsl__str *src)
{
	fx_copy_ref(&dst->p, &src->p);
	dst->len = src->len;
}

static void fx_copy_val(rsl__val *dst, const rsl__val *src)
{
	memcpy(dst, src, sizeof *dst);
	fx_copy_str(&dst->s, &src->s);
}

/* The copy shares its operands, list and kids with src. */
static void fx_copy_cond(rsl__cond *dst, const rsl__cond *src)
{
	memcpy(dst, src, sizeof *dst);
	fx_copy_str(&dst->attr, &src->attr);
	fx_copy_val(&dst->value, &src->value);
	fx_copy_str(&dst->semver.pre, &src->semver.pre);
	fx_copy_ref(&dst->list, &src->list);
	fx_copy_ref(&dst->kids, &src->kids);
}

/* Contiguous arrays of copies, as `in` lists and combinators need:
 * FX_VALS(S("DE"), I(3)), FX_CONDS(yes, no). */
static rsl__val *fx_vals(const rsl__val *const *v, size_t n)
{
	rsl__val *a = fx_new(n * sizeof *a);
	for (size_t i = 0; i < n; i++)
		fx_copy_val(&a[i], v[i]);
	return a;
}

static rsl__cond *fx_conds(const rsl__cond *const *c, size_t n)
{
	rsl__cond *a = fx_new(n * sizeof *a);
	for (size_t i = 0; i < n; i++)
		fx_copy_cond(&a[i], c[i]);
	return a;
}

/* *f, a configured and enabled boolean flag named key whose variants are
 * on (0) and off (1, its off variant), serving on by default; its files
 * <file>.yaml and environments/prod/<file>.yaml.  Rules, requirements and
 * the index are the caller's. */
static void fx_bool_flag(rsl__flag *f, const char *key, const char *file)
{
	rsl__variant *vars = fx_new(2 * sizeof *vars);
	char path[128];
	fx_str(&vars[0].name, "on");
	vars[0].value.kind = RSL__V_BOOL;
	vars[0].value.b = 1;
	fx_str(&vars[1].name, "off");
	vars[1].value.kind = RSL__V_BOOL;
	fx_str(&f->key, key);
	f->hash = rsl__key_hash(key, strlen(key));
	f->type = RSL_TYPE_BOOLEAN;
	f->configured = 1;
	f->enabled = 1;
	rsl__ref_set(&f->variants, vars);
	f->nvariants = 2;
	f->off = 1;
	fx_copy_str(&f->salt, &f->key);
	snprintf(path, sizeof path, "%s.yaml", file);
	fx_str(&f->file, path);
	snprintf(path, sizeof path, "environments/prod/%s.yaml", file);
	fx_str(&f->tfile, path);
	f->dflt.kind = RSL_SERVE_VARIANT;
}

#define FX_COUNT(type, ...) (sizeof((type[]){ __VA_ARGS__ }) / sizeof(type))
#define FX_VALS(...)                                                           \
	fx_vals((const rsl__val *const[]){ __VA_ARGS__ },                      \
		FX_COUNT(const rsl__val *, __VA_ARGS__))
#define FX_CONDS(...)                                                          \
	fx_conds((const rsl__cond *const[]){ __VA_ARGS__ },                    \
		 FX_COUNT(const rsl__cond *, __VA_ARGS__))

#pragma GCC diagnostic pop

#endif
