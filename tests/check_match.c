/*
 * check_match.c - matching conditions (loader/match.c): the operand
 * grammars (semantic versions, RFC 3339 times), every operator and
 * combinator on hand-built conditions, then end to end on a ruleset
 * compiled by rsc (ruleset_fixture.h).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "match.h"
#include "rsl.h"
#include "imgfix.h"
#include "ruleset_fixture.h"
#include "search.h"
#include "semver.h"
#include "testutil.h"

/* ------------------------------------------------------------- semver */

static int sv_ok(const char *s)
{
	rsl__semver v;
	return rsl__semver_parse(&v, s, strlen(s)) == 0;
}

static int sv_cmp(const char *a, const char *b)
{
	rsl__semver x, y;
	ck_assert_msg(rsl__semver_parse(&x, a, strlen(a)) == 0, "%s", a);
	ck_assert_msg(rsl__semver_parse(&y, b, strlen(b)) == 0, "%s", b);
	return rsl__semver_cmp(&x, &y);
}


START_TEST(semver_parse)
{
	const char *good[] = { "0.0.0", "1.2.3", "v1.2.3", "10.20.30", "1.0.0-alpha",
			       "1.0.0-alpha.1", "1.0.0-0.3.7", "1.0.0-x.7.z.92",
			       "1.0.0-x-y-z.--", "1.0.0+20130313144700",
			       "1.0.0-beta+exp.sha.5114f85", "18446744073709551615.0.0" };
	const char *bad[] = { "", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03",
			      "V1.2.3", "vv1.2.3", " 1.2.3", "1.2.3 ", "1.2.3-", "1.2.3+",
			      "1.2.3-01", "1.2.3-a..b", "1.2.3-a_b", "1.2.3+a..b", "a.b.c",
			      "-1.2.3", "18446744073709551616.0.0", "1.2.3-rc.1+b+c" };
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		ck_assert_msg(sv_ok(good[i]), "refused %s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(!sv_ok(bad[i]), "accepted '%s'", bad[i]);
	rsl__semver v;
	ck_assert_int_eq(rsl__semver_parse(&v, "v2.10.3-rc.1+build.7", 20), 0);
	ck_assert_uint_eq(v.major, 2);
	ck_assert_uint_eq(v.minor, 10);
	ck_assert_uint_eq(v.patch, 3);
	ck_assert_uint_eq(v.pre.len, 4);
	ck_assert_int_eq(memcmp(v.pre.p, "rc.1", 4), 0);
}
END_TEST

START_TEST(semver_precedence)
{
	/* The order SemVer 2.0.0 item 11 gives, plus numeric core parts. */
	const char *order[] = { "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
				"1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
				"1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.10.0", "2.0.0",
				"10.0.0" };
	size_t n = sizeof order / sizeof *order;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int c = sv_cmp(order[i], order[j]);
			int want = (i > j) - (i < j);
			ck_assert_msg((c > 0) - (c < 0) == want, "%s vs %s: %d", order[i],
				      order[j], c);
		}
	ck_assert_int_eq(sv_cmp("1.0.0+a", "1.0.0+b"), 0);
	ck_assert_int_eq(sv_cmp("v1.0.0", "1.0.0"), 0);
	ck_assert_int_lt(sv_cmp("1.0.0-2", "1.0.0-10"), 0);
	ck_assert_int_lt(sv_cmp("1.0.0-999", "1.0.0-a"), 0);
	ck_assert_int_lt(sv_cmp("1.0.0-Z", "1.0.0-a"), 0); /* ASCII order */
}
END_TEST

START_TEST(rfc3339_times)
{
	int64_t t;
	int frac;
	const struct { const char *s; int64_t t; int frac; } good[] = {
		{ "2026-01-01T00:00:00Z", 1767225600, 0 },
		{ "2026-12-01T09:00:00Z", 1796115600, 0 },
		{ "2026-12-03T09:00:00+01:00", 1796284800, 0 },
		{ "2026-12-03T03:30:00-04:30", 1796284800, 0 },
		{ "2024-02-29T12:34:56.250Z", 1709210096, 1 },
		{ "2024-02-29t12:34:56.000z", 1709210096, 0 },
		{ "2024-02-29 12:34:56Z", 1709210096, 0 },
		{ "1969-12-31T23:59:59Z", -1, 0 },
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		ck_assert_msg(rsl__parse_rfc3339(&t, &frac, good[i].s, strlen(good[i].s)) == 0,
			      "refused %s", good[i].s);
		ck_assert_int_eq(t, good[i].t);
		ck_assert_int_eq(frac, good[i].frac);
	}
	const char *bad[] = { "2026-01-01", "2026-01-01T00:00:00", "2026-02-29T00:00:00Z",
			      "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
			      "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z",
			      "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00+0100",
			      "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00Zjunk",
			      "26-01-01T00:00:00Z", "2026/01/01T00:00:00Z", "" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(rsl__parse_rfc3339(&t, &frac, bad[i], strlen(bad[i])) < 0,
			      "accepted %s", bad[i]);
}
END_TEST

/* ------------------------------------------- conditions, built by hand */

/* Every record in imgfix.h's arena: the builders return pointers into it. */

static const rsl__val *S(const char *s)
{
	rsl__val *v = fx_new(sizeof *v);
	v->kind = RSL__V_STRING;
	fx_str(&v->s, s);
	return v;
}

static const rsl__val *I(int64_t i)
{
	rsl__val *v = fx_new(sizeof *v);
	v->kind = RSL__V_INT;
	v->i = i;
	v->f = (double)i;
	return v;
}

static const rsl__val *F(double f)
{
	rsl__val *v = fx_new(sizeof *v);
	v->kind = RSL__V_FLOAT;
	v->f = f;
	return v;
}

static const rsl__val *B(int b)
{
	rsl__val *v = fx_new(sizeof *v);
	v->kind = RSL__V_BOOL;
	v->b = (uint8_t)b;
	return v;
}

static rsl__cond *test(int op, const char *attr, const rsl__val *v)
{
	rsl__cond *c = fx_new(sizeof *c);
	c->op = (uint8_t)op;
	fx_str(&c->attr, attr);
	c->attr_hash = rsl__name_hash(attr, strlen(attr)); /* as rsl_open sets it */
	c->attr_kind = strcmp(attr, "targeting_key") == 0 ? RSL__ATTR_TARGETING_KEY
		       : strcmp(attr, "tenant_key") == 0  ? RSL__ATTR_TENANT_KEY
							  : RSL__ATTR_NAMED;
	fx_copy_val(&c->value, v);
	if (op >= RSL_OP_SEMVER_EQ && op <= RSL_OP_SEMVER_GTE) {
		/* As decode.c does: pre points into the operand's own copy. */
		rsl__semver sv;
		ck_assert_int_eq(rsl__semver_parse(&sv, RSL__S(c->value.s), c->value.s.len), 0);
		c->semver.major = sv.major;
		c->semver.minor = sv.minor;
		c->semver.patch = sv.patch;
		c->semver.pre.len = sv.pre.len;
		rsl__ref_set(&c->semver.pre.p, sv.pre.p);
	}
	return c;
}

/* Lists get the filter rsl_open computes, so that these tests take the
 * path evaluation takes. */
static rsl__cond *ci(rsl__cond *c)
{
	c->ci = 1;
	if (c->list.off)
		c->filter = rsl__list_filter(RSL__AT(rsl__val, c->list), c->nlist, 1);
	return c;
}

/* vals: rsl__val[n] in the arena. */
static rsl__cond *list(int op, const char *attr, const rsl__val *vals, uint32_t n)
{
	rsl__cond *c = test(op, attr, B(0));
	rsl__ref_set(&c->list, vals);
	c->nlist = n;
	c->filter = rsl__list_filter(vals, n, 0);
	return c;
}

/* kids: rsl__cond[n] in the arena. */
static rsl__cond *comb(int op, const rsl__cond *kids, uint32_t n)
{
	rsl__cond *c = fx_new(sizeof *c);
	c->op = (uint8_t)op;
	rsl__ref_set(&c->kids, kids);
	c->nkids = n;
	return c;
}

static const char *const groups[] = { "admins", "dev" };
static const char *const versions[] = { "1.0.0", "v3.1.0" };
static const rsl_attr attrs[] = {
	RSL_STR("country", "DE"),
	RSL_STR("email", "Ann@Example.com"),
	RSL_NUM("seats", 12),
	RSL_BOOL("beta", 1),
	RSL_STR("app_version", "2.3.1"),
	RSL_STR("build", "not-a-version"),
	RSL_STR("signup", "2026-02-01T00:00:00Z"),
	RSL_STR("signup_frac", "2026-01-01T00:00:00.5Z"),
	RSL_NUM("signup_epoch", 1769904000),
	RSL_LIST("groups", groups, 2),
	RSL_LIST("none", NULL, 0),
	RSL_LIST("versions", versions, 2),
	RSL_STR("ten", "10"),
	RSL_STR("country", "shadowed: the first of a name wins"),
};
static const rsl_context ctx = { "user-1", "acme", NULL, NULL, NULL, attrs,
				 sizeof attrs / sizeof *attrs, 0, 0 };

static int m(const rsl__cond *c)
{
	return rsl__match(NULL, c, &ctx);
}


START_TEST(operators_eq_ne)
{
	ck_assert(m(test(RSL_OP_EQ, "country", S("DE"))));
	ck_assert(!m(test(RSL_OP_EQ, "country", S("de"))));
	ck_assert(m(ci(test(RSL_OP_EQ, "country", S("de")))));
	ck_assert(!m(test(RSL_OP_EQ, "country", S("DEU"))));
	ck_assert(!m(test(RSL_OP_EQ, "country", S("D"))));
	ck_assert(m(test(RSL_OP_EQ, "seats", I(12))));
	ck_assert(m(test(RSL_OP_EQ, "seats", F(12.0))));
	ck_assert(!m(test(RSL_OP_EQ, "seats", I(13))));
	ck_assert(!m(test(RSL_OP_EQ, "seats", S("12")))); /* types never mix */
	ck_assert(!m(test(RSL_OP_EQ, "ten", I(10))));
	ck_assert(m(test(RSL_OP_EQ, "beta", B(1))));
	ck_assert(!m(test(RSL_OP_EQ, "beta", B(0))));
	ck_assert(!m(test(RSL_OP_EQ, "beta", S("true"))));
	ck_assert(m(test(RSL_OP_EQ, "groups", S("dev")))); /* any element */
	ck_assert(!m(test(RSL_OP_EQ, "groups", S("ops"))));
	ck_assert(!m(test(RSL_OP_EQ, "none", S("ops"))));
	ck_assert(!m(test(RSL_OP_EQ, "missing", S("DE"))));
	ck_assert(m(test(RSL_OP_EQ, "targeting_key", S("user-1"))));
	ck_assert(m(test(RSL_OP_EQ, "tenant_key", S("acme"))));
	ck_assert(!m(test(RSL_OP_EQ, "tenant_key", S("other"))));

	ck_assert(m(test(RSL_OP_NE, "country", S("FR"))));
	ck_assert(!m(test(RSL_OP_NE, "country", S("DE"))));
	ck_assert(!m(ci(test(RSL_OP_NE, "country", S("de")))));
	ck_assert(m(test(RSL_OP_NE, "seats", S("12"))));
	ck_assert(!m(test(RSL_OP_NE, "seats", I(12))));
	ck_assert(!m(test(RSL_OP_NE, "missing", S("DE")))); /* missing: never */
	ck_assert(!m(test(RSL_OP_NE, "groups", S("dev")))); /* no element may */
	ck_assert(m(test(RSL_OP_NE, "groups", S("ops"))));
	ck_assert(m(test(RSL_OP_NE, "none", S("ops"))));   /* empty list is present */
	ck_assert(m(test(RSL_OP_NE, "beta", B(0))));
}
END_TEST

START_TEST(operators_in_not_in)
{
	const rsl__val *dach = FX_VALS(S("DE"), S("AT"), S("CH"));
	const rsl__val *fr = FX_VALS(S("FR"));
	const rsl__val *nums = FX_VALS(I(10), F(12.0));
	const rsl__val *grp = FX_VALS(S("ops"), S("ADMINS"));
	ck_assert(m(list(RSL_OP_IN, "country", dach, 3)));
	ck_assert(!m(list(RSL_OP_IN, "country", fr, 1)));
	ck_assert(m(list(RSL_OP_IN, "seats", nums, 2)));
	ck_assert(!m(list(RSL_OP_IN, "seats", dach, 3)));
	ck_assert(!m(list(RSL_OP_IN, "groups", grp, 2)));
	ck_assert(m(ci(list(RSL_OP_IN, "groups", grp, 2))));
	ck_assert(!m(list(RSL_OP_IN, "missing", dach, 3)));

	ck_assert(m(list(RSL_OP_NOT_IN, "country", fr, 1)));
	ck_assert(!m(list(RSL_OP_NOT_IN, "country", dach, 3)));
	ck_assert(!m(list(RSL_OP_NOT_IN, "missing", fr, 1)));
	ck_assert(m(list(RSL_OP_NOT_IN, "groups", grp, 2)));
	ck_assert(!m(ci(list(RSL_OP_NOT_IN, "groups", grp, 2))));
	ck_assert(m(list(RSL_OP_NOT_IN, "none", grp, 2)));
	ck_assert(!m(list(RSL_OP_NOT_IN, "seats", nums, 2)));
}
END_TEST

/* The filter of an `in` list only ever skips a scan that would have found
 * nothing: for every probe, in and not_in, case-sensitive or not, on a
 * string and on a list attribute, the answer with the filter is the answer
 * of the plain scan (filter 0), and the expected one. */
START_TEST(in_list_filter_changes_no_answer)
{
	char word[16];
	rsl__val *vals = fx_new(302 * sizeof *vals);
	uint32_t n = 0;
	for (int i = 0; i < 300; i++) {
		snprintf(word, sizeof word, i % 3 ? "Item-%d" : "x%d", i * 7);
		fx_copy_val(&vals[n++], S(word));
	}
	fx_copy_val(&vals[n++], S(""));
	fx_copy_val(&vals[n++], I(7));
	static const char *const probes[] = {
		"Item-7", "item-7", "ITEM-14", "Item-8", "x0", "X0", "x21", "x22", "",
		"7", "Item-2093", "Item-2100", "Item-70", "Item-7 ", " Item-7", "I", "x",
	};
	static const int want_cs[] = { 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0 };
	static const int want_ci[] = { 1, 1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0 };
	ck_assert_uint_ne(rsl__list_filter(vals, n, 0), 0);
	ck_assert_uint_eq(rsl__list_filter(vals + 300, 0, 0), 0);
	ck_assert_uint_eq(rsl__list_filter(&vals[301], 1, 0), 0); /* numbers only */
	for (size_t p = 0; p < sizeof probes / sizeof *probes; p++) {
		const char *one[] = { probes[p] };
		const rsl_attr a[] = { RSL_STR("k", probes[p]), RSL_LIST("l", one, 1) };
		const rsl_context cx = { NULL, NULL, NULL, NULL, NULL, a, 2, 0, 0 };
		for (int op = RSL_OP_IN; op <= RSL_OP_NOT_IN; op++)
			for (int fold = 0; fold < 2; fold++)
				for (int attr = 0; attr < 2; attr++) {
					rsl__cond *c = list(op, attr ? "l" : "k", vals, n);
					if (fold)
						ci(c);
					int got = rsl__match(NULL, c, &cx);
					c->filter = 0;
					int scan = rsl__match(NULL, c, &cx);
					int want = (fold ? want_ci : want_cs)[p] ^ (op == RSL_OP_NOT_IN);
					ck_assert_msg(got == scan && got == want,
						      "'%s' op %d ci %d attr %d: filter %d, scan %d, want %d",
						      probes[p], op, fold, attr, got, scan, want);
				}
	}
}
END_TEST

START_TEST(operators_strings)
{
	ck_assert(m(test(RSL_OP_CONTAINS, "email", S("@Example"))));
	ck_assert(!m(test(RSL_OP_CONTAINS, "email", S("@example"))));
	ck_assert(m(ci(test(RSL_OP_CONTAINS, "email", S("@EXAMPLE")))));
	ck_assert(m(test(RSL_OP_CONTAINS, "email", S(""))));
	ck_assert(!m(test(RSL_OP_CONTAINS, "email", S("Ann@Example.com.au"))));
	ck_assert(!m(test(RSL_OP_CONTAINS, "seats", S("1"))));
	ck_assert(m(test(RSL_OP_CONTAINS, "groups", S("dmi"))));
	ck_assert(!m(test(RSL_OP_CONTAINS, "missing", S(""))));

	ck_assert(m(test(RSL_OP_STARTS_WITH, "email", S("Ann@"))));
	ck_assert(!m(test(RSL_OP_STARTS_WITH, "email", S("ann@"))));
	ck_assert(m(ci(test(RSL_OP_STARTS_WITH, "email", S("ann@")))));
	ck_assert(!m(test(RSL_OP_STARTS_WITH, "email", S("Ann@Example.com!"))));
	ck_assert(m(test(RSL_OP_STARTS_WITH, "groups", S("de"))));

	ck_assert(m(test(RSL_OP_ENDS_WITH, "email", S(".com"))));
	ck_assert(!m(test(RSL_OP_ENDS_WITH, "email", S("@example.com"))));
	ck_assert(m(ci(test(RSL_OP_ENDS_WITH, "email", S("@example.COM")))));
	ck_assert(!m(test(RSL_OP_ENDS_WITH, "email", S("xAnn@Example.com"))));
	ck_assert(!m(test(RSL_OP_ENDS_WITH, "beta", S("e"))));
}
END_TEST

START_TEST(operators_numbers)
{
	ck_assert(m(test(RSL_OP_LT, "seats", I(13))));
	ck_assert(!m(test(RSL_OP_LT, "seats", I(12))));
	ck_assert(m(test(RSL_OP_LTE, "seats", I(12))));
	ck_assert(!m(test(RSL_OP_LTE, "seats", F(11.5))));
	ck_assert(m(test(RSL_OP_GT, "seats", F(11.5))));
	ck_assert(!m(test(RSL_OP_GT, "seats", I(12))));
	ck_assert(m(test(RSL_OP_GTE, "seats", I(12))));
	ck_assert(!m(test(RSL_OP_GTE, "seats", F(12.5))));
	ck_assert(!m(test(RSL_OP_LT, "ten", I(100)))); /* a string is no number */
	ck_assert(!m(test(RSL_OP_GT, "beta", I(0))));
	ck_assert(!m(test(RSL_OP_LT, "missing", I(100))));
}
END_TEST

START_TEST(operators_semver)
{
	ck_assert(m(test(RSL_OP_SEMVER_EQ, "app_version", S("2.3.1"))));
	ck_assert(!m(test(RSL_OP_SEMVER_EQ, "app_version", S("2.3.0"))));
	ck_assert(m(test(RSL_OP_SEMVER_GTE, "app_version", S("2.3.0"))));
	ck_assert(!m(test(RSL_OP_SEMVER_GTE, "app_version", S("2.4.0"))));
	ck_assert(m(test(RSL_OP_SEMVER_GT, "app_version", S("2.3.1-rc.1"))));
	ck_assert(!m(test(RSL_OP_SEMVER_GT, "app_version", S("2.3.1"))));
	ck_assert(m(test(RSL_OP_SEMVER_LT, "app_version", S("2.10.0"))));
	ck_assert(!m(test(RSL_OP_SEMVER_LT, "app_version", S("2.3.1"))));
	ck_assert(m(test(RSL_OP_SEMVER_LTE, "app_version", S("v2.3.1+meta"))));
	ck_assert(!m(test(RSL_OP_SEMVER_LTE, "app_version", S("2.3.0"))));
	ck_assert(!m(test(RSL_OP_SEMVER_LT, "build", S("9.9.9")))); /* unparsable */
	ck_assert(!m(test(RSL_OP_SEMVER_GTE, "build", S("0.0.0"))));
	ck_assert(!m(test(RSL_OP_SEMVER_GTE, "seats", S("0.0.0"))));
	ck_assert(m(test(RSL_OP_SEMVER_GTE, "versions", S("3.0.0")))); /* "v3.1.0" */
	ck_assert(!m(test(RSL_OP_SEMVER_GTE, "versions", S("4.0.0"))));
	ck_assert(!m(test(RSL_OP_SEMVER_EQ, "missing", S("1.0.0"))));
}
END_TEST

START_TEST(operators_time_exists)
{
	/* Operand: 2026-01-01T00:00:00Z. */
	ck_assert(m(test(RSL_OP_AFTER, "signup", I(1767225600))));
	ck_assert(!m(test(RSL_OP_BEFORE, "signup", I(1767225600))));
	ck_assert(m(test(RSL_OP_BEFORE, "signup", I(1769904001))));
	ck_assert(!m(test(RSL_OP_BEFORE, "signup", I(1769904000)))); /* strictly */
	ck_assert(!m(test(RSL_OP_AFTER, "signup", I(1769904000))));
	ck_assert(m(test(RSL_OP_AFTER, "signup_frac", I(1767225600))));  /* .5 s later */
	ck_assert(!m(test(RSL_OP_BEFORE, "signup_frac", I(1767225600))));
	ck_assert(m(test(RSL_OP_AFTER, "signup_epoch", I(1767225600))));
	ck_assert(!m(test(RSL_OP_BEFORE, "signup_epoch", I(1767225600))));
	ck_assert(!m(test(RSL_OP_AFTER, "build", I(0)))); /* not a time */
	ck_assert(!m(test(RSL_OP_AFTER, "missing", I(0))));

	ck_assert(m(test(RSL_OP_EXISTS, "email", B(1))));
	ck_assert(!m(test(RSL_OP_EXISTS, "email", B(0))));
	ck_assert(m(test(RSL_OP_EXISTS, "missing", B(0))));
	ck_assert(!m(test(RSL_OP_EXISTS, "missing", B(1))));
	ck_assert(m(test(RSL_OP_EXISTS, "none", B(1))));
	ck_assert(m(test(RSL_OP_EXISTS, "tenant_key", B(1))));
	rsl_context empty = { 0 };
	const rsl__cond *c = test(RSL_OP_EXISTS, "targeting_key", B(0));
	ck_assert(rsl__match(NULL, c, &empty));
	ck_assert(rsl__match(NULL, c, NULL));
	c = test(RSL_OP_NE, "country", S("x"));
	ck_assert(!rsl__match(NULL, c, NULL));
}
END_TEST

START_TEST(combinators_and_segments)
{
	const rsl__cond *yes = test(RSL_OP_EQ, "country", S("DE"));
	const rsl__cond *no = test(RSL_OP_EQ, "country", S("FR"));
	const rsl__cond *yy = FX_CONDS(yes, yes), *yn = FX_CONDS(yes, no),
			*nn = FX_CONDS(no, no);
	ck_assert(m(comb(RSL_OP_ALL, yy, 2)));
	ck_assert(!m(comb(RSL_OP_ALL, yn, 2)));
	ck_assert(m(comb(RSL_OP_ANY, yn, 2)));
	ck_assert(!m(comb(RSL_OP_ANY, nn, 2)));
	ck_assert(!m(comb(RSL_OP_NOT, yy, 1)));
	ck_assert(m(comb(RSL_OP_NOT, nn, 1)));
	/* not over a missing attribute: the test fails, so not matches. */
	const rsl__cond *miss = test(RSL_OP_EQ, "missing", S("x"));
	ck_assert(m(comb(RSL_OP_NOT, miss, 1)));
	const rsl__cond *inner = FX_CONDS(comb(RSL_OP_ANY, nn, 2), comb(RSL_OP_NOT, nn, 1));
	const rsl__cond *nested = comb(RSL_OP_ANY, inner, 2);
	ck_assert(m(nested));

	/* Segment 1 uses segment 0. */
	rsl__segment *segs = fx_new(2 * sizeof *segs);
	fx_str(&segs[0].key, "germans");
	rsl__ref_set(&segs[0].when, yes);
	rsl__cond *ref0 = fx_new(sizeof *ref0);
	ref0->op = RSL_OP_SEGMENT;
	ref0->segment = 0;
	fx_str(&segs[1].key, "outer");
	rsl__ref_set(&segs[1].when, ref0);
	rsl_snapshot snap;
	memset(&snap, 0, sizeof snap);
	snap.segments = segs;
	snap.nsegments = 2;
	rsl__cond *ref1 = fx_new(sizeof *ref1);
	fx_copy_cond(ref1, ref0);
	ref1->segment = 1;
	ck_assert(rsl__match(&snap, ref1, &ctx));
	rsl__ref_set(&segs[0].when, no);
	ck_assert(!rsl__match(&snap, ref1, &ctx));
}
END_TEST

/* rsl__same_bytes (snap.h), the compare of keys, names and values: equal
 * at every length, unequal for a difference at any position, reading no
 * byte outside [0, n) (each side its own allocation of exactly n bytes:
 * AddressSanitizer sees a read past it). */
START_TEST(same_bytes_every_length_and_position)
{
	for (size_t n = 0; n <= 40; n++) {
		char *a = malloc(n ? n : 1), *b = malloc(n ? n : 1);
		ck_assert(a && b);
		for (size_t i = 0; i < n; i++)
			a[i] = b[i] = (char)('a' + (i * 7 + n) % 26);
		ck_assert_msg(rsl__same_bytes(a, b, n), "length %zu: unequal", n);
		for (size_t i = 0; i < n; i++) {
			b[i] ^= 0x20;
			ck_assert_msg(!rsl__same_bytes(a, b, n), "length %zu: equal despite byte %zu",
				      n, i);
			b[i] ^= 0x20;
		}
		free(a);
		free(b);
	}
}
END_TEST

/* The names table (match.h) answers what a scan answers: the first
 * attribute of a name, none for a name absent or only a prefix of one,
 * whether built or not; and a long call builds it by itself. */
START_TEST(names_table_agrees_with_scan)
{
	static char names[RSL_MAX_CONTEXT_ATTRS][80];
	rsl_attr a[RSL_MAX_CONTEXT_ATTRS];
	for (int i = 0; i < RSL_MAX_CONTEXT_ATTRS; i++) {
		/* Long shared prefixes, two of each name (the second shadowed),
		 * one name over 64 bytes, one that is a prefix of others. */
		if (i == 5)
			snprintf(names[i], sizeof names[i], "%070d", 7);
		else if (i == 6)
			snprintf(names[i], sizeof names[i], "attr");
		else
			snprintf(names[i], sizeof names[i], "attr-%058d", i / 2);
		/* Odd ones shadowed strings: a prepared context's length of each. */
		if (i % 2)
			a[i] = (rsl_attr)RSL_STR(names[i], names[i] + i % 7);
		else
			a[i] = (rsl_attr)RSL_NUM(names[i], i);
	}
	const rsl_context cx = { NULL, NULL, NULL, NULL, NULL, a, RSL_MAX_CONTEXT_ATTRS, 0, 0 };
	static char probes[40][80];
	int np = 0;
	for (int i = 0; i < 34; i++)
		snprintf(probes[np++], sizeof probes[0], "attr-%058d", i);
	snprintf(probes[np++], sizeof probes[0], "attr");
	snprintf(probes[np++], sizeof probes[0], "att");
	snprintf(probes[np++], sizeof probes[0], "attr-%057d", 1);
	snprintf(probes[np++], sizeof probes[0], "%070d", 7);
	snprintf(probes[np++], sizeof probes[0], "%063d", 7);
	/* Unprepared and prepared (names by hash), scanning and from the table:
	 * the same attribute every time. */
	rsl_prepared prep;
	ck_assert_int_eq(rsl_context_prepare(&prep, &cx, NULL), RSL_OK);
	for (int mode = 0; mode < 4; mode++) {
		int built = mode & 1, prepared = mode >> 1;
		rsl__names nm;
		if (prepared)
			rsl__names_init_prepared(&nm, &prep, NULL); /* unbound */
		else
			rsl__names_init(&nm, &cx);
		if (built)
			rsl__names_build(&nm);
		for (int p = 0; p < np; p++) {
			const rsl__str *name = fx_newstr(probes[p]);
			size_t len;
			if (!built && prepared)
				rsl__names_init_prepared(&nm, &prep, NULL); /* unbound */ /* scans until then */
			else if (!built)
				rsl__names_init(&nm, &cx);
			const rsl_attr *want = rsl__find_attr(&cx, name);
			const rsl_attr *got = rsl__names_find(&len, &nm, name,
							      rsl__name_hash(RSL__S(*name), name->len),
							      RSL__NO_ID);
			ck_assert_msg(got == want, "%s, built %d, prepared %d: attribute %d, want %d",
				      probes[p], built, prepared, got ? (int)(got - a) : -1,
				      want ? (int)(want - a) : -1);
			if (got && prepared)
				ck_assert_uint_eq(len, got->type == RSL_ATTR_STRING ? strlen(got->s) : 0);
			else
				ck_assert_uint_eq(len, SIZE_MAX);
		}
		ck_assert_int_eq(nm.built, built);
	}
	/* attr-...0001 is attributes 2 and 3: the first, 2, wins. */
	rsl__cond *kids = fx_new(100 * sizeof *kids);
	for (int i = 0; i < 100; i++)
		fx_copy_cond(&kids[i], test(RSL_OP_EQ, probes[1], I(3)));
	rsl__names nm;
	rsl__names_init(&nm, &cx);
	ck_assert(!rsl__match_in(NULL, comb(RSL_OP_ANY, kids, 100), &nm));
	ck_assert_msg(nm.built, "100 look-ups among 64 names did not build the table");
	for (int i = 0; i < 100; i++)
		kids[i].value.f = 2;
	ck_assert(rsl__match_in(NULL, comb(RSL_OP_ALL, kids, 100), &nm));
}
END_TEST

/* ------------------------------------------------ end to end, with rsc */

START_TEST(e2e_operators)
{
	const char *c = "country=DE seats=12 beta=false email=Ann@Example.com app=2.3.0 "
			"signup=2026-06-01T00:00:00Z";
	ck_assert(rf_on("op-eq", c));
	ck_assert(!rf_on("op-eq", "country=de"));
	ck_assert(!rf_on("op-eq", ""));
	ck_assert(rf_on("op-eq-num", c));
	ck_assert(!rf_on("op-eq-num", "seats=12.5"));
	ck_assert(!rf_on("op-eq-num", "seats=x12"));
	ck_assert(rf_on("op-eq-bool", "beta=true"));
	ck_assert(!rf_on("op-eq-bool", c));
	ck_assert(rf_on("op-ne", "country=FR"));
	ck_assert(!rf_on("op-ne", c));
	ck_assert(!rf_on("op-ne", ""));
	ck_assert(rf_on("op-in", "country=CH"));
	ck_assert(!rf_on("op-in", "country=FR"));
	ck_assert(rf_on("op-in", "country=[FR,AT]"));
	ck_assert(rf_on("op-not-in", "country=FR"));
	ck_assert(!rf_on("op-not-in", "country=AT"));
	ck_assert(!rf_on("op-not-in", ""));
	ck_assert(!rf_on("op-not-in", "country=[FR,AT]"));
	ck_assert(rf_on("op-contains", "email=ann@example.org"));
	ck_assert(!rf_on("op-contains", c));
	ck_assert(rf_on("op-starts", "email=ann@x"));
	ck_assert(!rf_on("op-starts", c));
	ck_assert(rf_on("op-ends", c));
	ck_assert(!rf_on("op-ends", "email=ann@example.co"));
	ck_assert(rf_on("op-lt", "seats=9.5"));
	ck_assert(!rf_on("op-lt", "seats=10"));
	ck_assert(rf_on("op-lte", "seats=10"));
	ck_assert(!rf_on("op-lte", c));
	ck_assert(rf_on("op-gt", c));
	ck_assert(!rf_on("op-gt", "seats=10"));
	ck_assert(rf_on("op-gte", "seats=10.5"));
	ck_assert(!rf_on("op-gte", "seats=10.4"));
	ck_assert(rf_on("op-semver-eq", "app=v2.3.0+b7"));
	ck_assert(!rf_on("op-semver-eq", "app=2.3.1"));
	ck_assert(rf_on("op-semver-lt", "app=2.3.0-rc.1"));
	ck_assert(!rf_on("op-semver-lt", c));
	ck_assert(rf_on("op-semver-lte", c));
	ck_assert(!rf_on("op-semver-lte", "app=2.10.0"));
	ck_assert(rf_on("op-semver-gt", "app=2.10.0"));
	ck_assert(!rf_on("op-semver-gt", c));
	ck_assert(rf_on("op-semver-gte", "app=2.3.0-rc.1"));
	ck_assert(!rf_on("op-semver-gte", "app=2.3.0-beta"));
	ck_assert(!rf_on("op-semver-gte", "app=latest"));
	ck_assert(rf_on("op-before", "signup=2025-12-31T23:59:59Z"));
	ck_assert(!rf_on("op-before", "signup=2026-01-01T00:00:00Z"));
	ck_assert(rf_on("op-before", "signup=1767225599"));
	ck_assert(rf_on("op-after", "signup=2026-01-01T00:00:00.001Z"));
	ck_assert(!rf_on("op-after", "signup=2026-01-01T00:00:00Z"));
	ck_assert(!rf_on("op-after", "signup=yesterday"));
	ck_assert(rf_on("op-exists", c));
	ck_assert(!rf_on("op-exists", "seats=1"));
	ck_assert(rf_on("op-not-exists", "seats=1"));
	ck_assert(!rf_on("op-not-exists", c));
	ck_assert(rf_on("comb-all", c));
	ck_assert(!rf_on("comb-all", "country=DE seats=9"));
	ck_assert(rf_on("comb-any", "country=AT"));
	ck_assert(!rf_on("comb-any", "country=CH"));
	ck_assert(rf_on("comb-not", "country=CH"));
	ck_assert(rf_on("comb-not", ""));
	ck_assert(!rf_on("comb-not", c));
	ck_assert(rf_on("special-keys", "@tk=u2 @tenant=acme"));
	ck_assert(!rf_on("special-keys", "@tk=u3 @tenant=acme"));
	ck_assert(!rf_on("special-keys", "targeting_key=u1 tenant_key=acme"));
}
END_TEST

START_TEST(e2e_segments)
{
	ck_assert(rf_on("seg", "beta=true"));                  /* through inner */
	ck_assert(rf_on("seg", "email=bob@EXAMPLE.com"));      /* outer's own test */
	ck_assert(!rf_on("seg", "beta=false email=bob@example.org"));
	ck_assert(!rf_on("seg", ""));
}
END_TEST

/* ---------------------------------------------------- contains, linear */

/* The obvious search, to check Two-Way against. */
static int naive(const char *h, size_t hl, const char *n, size_t nl, int ci)
{
	for (size_t i = 0; i + nl <= hl; i++) {
		size_t k = 0;
		while (k < nl) {
			unsigned char a = (unsigned char)h[i + k], b = (unsigned char)n[k];
			if (ci) {
				a = a >= 'A' && a <= 'Z' ? (unsigned char)(a + 32) : a;
				b = b >= 'A' && b <= 'Z' ? (unsigned char)(b + 32) : b;
			}
			if (a != b)
				break;
			k++;
		}
		if (k == nl)
			return 1;
	}
	return 0;
}

/* Every needle of up to 7 bytes over {a, b, A} against haystacks of up
 * to 12 bytes drawn from the same letters (periodic and aperiodic needles,
 * both factorisations), case-sensitive and not, and bytes >= 0x80. */
START_TEST(contains_agrees_with_naive_search)
{
	static const char alpha[] = { 'a', 'b', 'A', (char)0xc3 };
	char h[16], n[8];
	unsigned seed = 12345;
	for (int round = 0; round < 200000; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t hl = (seed >> 8) % 13, nl = (seed >> 16) % 8;
		for (size_t i = 0; i < hl; i++) {
			seed = seed * 1103515245u + 12345u;
			h[i] = alpha[(seed >> 16) % (round % 3 ? 2 : 4)];
		}
		for (size_t i = 0; i < nl; i++) {
			seed = seed * 1103515245u + 12345u;
			n[i] = alpha[(seed >> 16) % (round % 3 ? 2 : 4)];
		}
		/* Half the time, a needle cut from the haystack. */
		if (round % 2 && nl <= hl && hl) {
			size_t at = (seed >> 4) % (hl - nl + 1);
			memcpy(n, h + at, nl);
		}
		for (int ci = 0; ci <= 1; ci++)
			ck_assert_msg(rsl__search(h, hl, n, nl, ci) == naive(h, hl, n, nl, ci),
				      "round %d: '%.*s' in '%.*s' (ci %d)", round, (int)nl, n,
				      (int)hl, h, ci);
	}
}
END_TEST

/* Issue 11: one case-insensitive contains of a 60,000-byte operand took
 * seconds; a naive search of 'a'x2000 'b' in the largest attribute
 * (4,096 x 'A') makes about 4 million comparisons per call, these 5,000
 * calls 20 billion.  Two-Way makes about 2 x 6,000 per call.  The alarm is
 * the hang guard. */
START_TEST(contains_is_linear_on_hostile_operands)
{
	static char attr[RSL_MAX_CONTEXT_STRING + 1], op[60001];
	memset(attr, 'A', RSL_MAX_CONTEXT_STRING);
	memset(op, 'a', 60000);
	rsl_attr a = RSL_STR("ua", attr);
	rsl_context c;
	memset(&c, 0, sizeof c);
	c.attrs = &a;
	c.nattrs = 1;
	alarm(20);
	const rsl__cond *t = ci(test(RSL_OP_CONTAINS, "ua", S(op)));
	ck_assert(!rsl__match(NULL, t, &c)); /* longer than the attribute */
	op[2000] = 'b';
	op[2001] = 0;
	t = ci(test(RSL_OP_CONTAINS, "ua", S(op)));
	for (int i = 0; i < 5000; i++)
		ck_assert(!rsl__match(NULL, t, &c));
	op[2000] = 'a';
	t = ci(test(RSL_OP_CONTAINS, "ua", S(op)));
	ck_assert(rsl__match(NULL, t, &c));
	alarm(0);
}
END_TEST

Suite *match_suite(void); /* called by the runner */
Suite *match_suite(void)
{
	Suite *s = suite_create("match");
	TCase *tc = tcase_create("units");
	tcase_add_test(tc, semver_parse);
	tcase_add_test(tc, semver_precedence);
	tcase_add_test(tc, rfc3339_times);
	tcase_add_test(tc, operators_eq_ne);
	tcase_add_test(tc, operators_in_not_in);
	tcase_add_test(tc, in_list_filter_changes_no_answer);
	tcase_add_test(tc, operators_strings);
	tcase_add_test(tc, operators_numbers);
	tcase_add_test(tc, operators_semver);
	tcase_add_test(tc, operators_time_exists);
	tcase_add_test(tc, combinators_and_segments);
	tcase_add_test(tc, names_table_agrees_with_scan);
	tcase_add_test(tc, same_bytes_every_length_and_position);
	tcase_add_test(tc, contains_agrees_with_naive_search);
	tcase_add_test(tc, contains_is_linear_on_hostile_operands);
	suite_add_tcase(s, tc);

	tc = tcase_create("e2e");
	tcase_add_unchecked_fixture(tc, rf_build, NULL);
	tcase_add_checked_fixture(tc, rf_open, rf_close);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, e2e_operators);
	tcase_add_test(tc, e2e_segments);
	suite_add_tcase(s, tc);
	return s;
}
