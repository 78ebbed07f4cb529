/*
 * check_eval.c - librsl's evaluator: semantic versions and RFC 3339 times;
 * every operator and combinator on hand-built conditions; then, end to end,
 * rulesets compiled by rsc and opened with rsl_open: segments,
 * prerequisites, the kill switch, unconfigured flags, splits (distribution
 * and ramp), schedules, every reason and error code, strict mode, types,
 * explain and `rsc explain`.
 */
#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "bucket.h"
#include "match.h"
#include "rsl.h"
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

static rsl__str str(const char *s)
{
	rsl__str r = { s, (uint32_t)strlen(s) };
	return r;
}

static rsl__val S(const char *s)
{
	rsl__val v;
	memset(&v, 0, sizeof v);
	v.kind = RSL__V_STRING;
	v.s = str(s);
	return v;
}

static rsl__val I(int64_t i)
{
	rsl__val v;
	memset(&v, 0, sizeof v);
	v.kind = RSL__V_INT;
	v.i = i;
	v.f = (double)i;
	return v;
}

static rsl__val F(double f)
{
	rsl__val v;
	memset(&v, 0, sizeof v);
	v.kind = RSL__V_FLOAT;
	v.f = f;
	return v;
}

static rsl__val B(int b)
{
	rsl__val v;
	memset(&v, 0, sizeof v);
	v.kind = RSL__V_BOOL;
	v.b = b;
	return v;
}

static rsl__cond test(int op, const char *attr, rsl__val v)
{
	rsl__cond c;
	memset(&c, 0, sizeof c);
	c.op = (uint8_t)op;
	c.attr = str(attr);
	c.attr_kind = strcmp(attr, "targeting_key") == 0 ? RSL__ATTR_TARGETING_KEY
		      : strcmp(attr, "tenant_key") == 0  ? RSL__ATTR_TENANT_KEY
							 : RSL__ATTR_NAMED;
	c.value = v;
	if (op >= RSL_OP_SEMVER_EQ && op <= RSL_OP_SEMVER_GTE)
		ck_assert_int_eq(rsl__semver_parse(&c.semver, v.s.p, v.s.len), 0);
	if (op == RSL_OP_BEFORE || op == RSL_OP_AFTER)
		c.time = v.i;
	return c;
}

/* Lists get the filter rsl_open computes, so that these tests take the
 * path evaluation takes. */
static rsl__cond ci(rsl__cond c)
{
	c.ci = 1;
	if (c.list)
		c.filter = rsl__list_filter(c.list, c.nlist, 1);
	return c;
}

static rsl__cond list(int op, const char *attr, const rsl__val *vals, uint32_t n)
{
	rsl__cond c = test(op, attr, B(0));
	c.list = vals;
	c.nlist = n;
	c.filter = rsl__list_filter(vals, n, 0);
	return c;
}

static rsl__cond comb(int op, const rsl__cond *kids, uint32_t n)
{
	rsl__cond c;
	memset(&c, 0, sizeof c);
	c.op = (uint8_t)op;
	c.kids = kids;
	c.nkids = n;
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

static int m(rsl__cond c)
{
	return rsl__match(NULL, &c, &ctx);
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
	const rsl__val dach[] = { S("DE"), S("AT"), S("CH") };
	const rsl__val fr[] = { S("FR") };
	const rsl__val nums[] = { I(10), F(12.0) };
	const rsl__val grp[] = { S("ops"), S("ADMINS") };
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
	static char words[300][16];
	rsl__val vals[302];
	uint32_t n = 0;
	for (int i = 0; i < 300; i++) {
		snprintf(words[i], sizeof words[i], i % 3 ? "Item-%d" : "x%d", i * 7);
		vals[n++] = S(words[i]);
	}
	vals[n++] = S("");
	vals[n++] = I(7);
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
					rsl__cond c = list(op, attr ? "l" : "k", vals, n);
					if (fold)
						c = ci(c);
					int got = rsl__match(NULL, &c, &cx);
					c.filter = 0;
					int scan = rsl__match(NULL, &c, &cx);
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
	rsl__cond c = test(RSL_OP_EXISTS, "targeting_key", B(0));
	ck_assert(rsl__match(NULL, &c, &empty));
	ck_assert(rsl__match(NULL, &c, NULL));
	c = test(RSL_OP_NE, "country", S("x"));
	ck_assert(!rsl__match(NULL, &c, NULL));
}
END_TEST

START_TEST(combinators_and_segments)
{
	const rsl__cond yes = test(RSL_OP_EQ, "country", S("DE"));
	const rsl__cond no = test(RSL_OP_EQ, "country", S("FR"));
	const rsl__cond yy[] = { yes, yes }, yn[] = { yes, no }, nn[] = { no, no };
	ck_assert(m(comb(RSL_OP_ALL, yy, 2)));
	ck_assert(!m(comb(RSL_OP_ALL, yn, 2)));
	ck_assert(m(comb(RSL_OP_ANY, yn, 2)));
	ck_assert(!m(comb(RSL_OP_ANY, nn, 2)));
	ck_assert(!m(comb(RSL_OP_NOT, yy, 1)));
	ck_assert(m(comb(RSL_OP_NOT, nn, 1)));
	/* not over a missing attribute: the test fails, so not matches. */
	const rsl__cond miss = test(RSL_OP_EQ, "missing", S("x"));
	ck_assert(m(comb(RSL_OP_NOT, &miss, 1)));
	const rsl__cond inner[] = { comb(RSL_OP_ANY, nn, 2), comb(RSL_OP_NOT, nn, 1) };
	const rsl__cond nested = comb(RSL_OP_ANY, inner, 2);
	ck_assert(m(nested));

	/* Segment 1 uses segment 0. */
	rsl__segment segs[2];
	segs[0].key = str("germans");
	segs[0].when = &yes;
	rsl__cond ref0;
	memset(&ref0, 0, sizeof ref0);
	ref0.op = RSL_OP_SEGMENT;
	ref0.segment = 0;
	segs[1].key = str("outer");
	segs[1].when = &ref0;
	rsl_snapshot snap;
	memset(&snap, 0, sizeof snap);
	snap.segments = segs;
	snap.nsegments = 2;
	rsl__cond ref1 = ref0;
	ref1.segment = 1;
	ck_assert(rsl__match(&snap, &ref1, &ctx));
	segs[0].when = &no;
	ck_assert(!rsl__match(&snap, &ref1, &ctx));
}
END_TEST

/* rsl_open refuses prerequisite cycles and chains deeper than 16; should
 * one get through anyway, evaluation stops with GENERAL instead of
 * recursing.  A snapshot built by hand, with a flag that requires itself. */
START_TEST(prerequisite_depth_is_bounded)
{
	static const rsl__variant vars[2] = { { { "on", 2 }, { RSL__V_BOOL, 1, 0, 0, { "", 0 } } },
					      { { "off", 3 }, { RSL__V_BOOL, 0, 0, 0, { "", 0 } } } };
	static const rsl__req req = { 0, 0 };
	rsl__flag f;
	memset(&f, 0, sizeof f);
	f.key = str("loop");
	f.hash = XXH3_64bits("loop", 4);
	f.type = RSL_TYPE_BOOLEAN;
	f.configured = 1;
	f.enabled = 1;
	f.variants = vars;
	f.nvariants = 2;
	f.off = 1;
	f.salt = f.key;
	f.file = str("loop.yaml");
	f.tfile = str("environments/prod/loop.yaml");
	f.requires = &req;
	f.nrequires = 1;
	f.dflt.kind = RSL_SERVE_VARIANT;
	uint32_t slots[2] = { 0, 0 };
	slots[f.hash & 1] = 1;
	rsl_snapshot s;
	memset(&s, 0, sizeof s);
	s.info.environment = "prod";
	s.info.commit = "worktree";
	s.flags = &f;
	s.nflags = 1;
	s.slots = slots;
	s.mask = 1;
	rsl_result r;
	rsl_value fb = { RSL_BOOLEAN, 1, 0, 0.0, NULL, 0 };
	ck_assert_int_eq(rsl_evaluate(&r, &s, "loop", RSL_BOOLEAN, NULL, &fb), 0);
	ck_assert_int_eq(r.reason, RSL_REASON_ERROR);
	ck_assert_int_eq(r.error, RSL_ERR_GENERAL);
	ck_assert_int_eq(r.value.b, 1);
	ck_assert_ptr_null(r.variant);
	/* Without the requirement it serves its default. */
	f.nrequires = 0;
	ck_assert_int_eq(rsl_evaluate(&r, &s, "loop", RSL_BOOLEAN, NULL, &fb), 0);
	ck_assert_int_eq(r.reason, RSL_REASON_DEFAULT);
	ck_assert_str_eq(r.variant, "on");
}
END_TEST

/* ------------------------------------------------ end to end, with rsc */

#define DIR "tests/tmp/eval"
#define SNAP DIR "/out/prod.rsnap"
#define PUB DIR "/k.pub"

static void write_flag(const char *key, const char *type_and_variants)
{
	char rel[128], text[1024];
	snprintf(rel, sizeof rel, "%s.yaml", key);
	snprintf(text, sizeof text,
		 "key: %s\ndescription: test flag\nowner: team-test\n%s", key,
		 type_and_variants);
	tu_write(DIR "/rules", rel, text);
}

static void write_targeting(const char *key, const char *text)
{
	char rel[128];
	snprintf(rel, sizeof rel, "environments/prod/%s.yaml", key);
	tu_write(DIR "/rules", rel, text);
}

/* One boolean flag per operator and combinator: rule "r" (line 3) serves
 * on when the condition matches. */
static const struct optest {
	const char *flag;
	const char *when; /* YAML under "when:", indented 6 */
} optests[] = {
	{ "op-eq", "      attribute: country\n      eq: DE\n" },
	{ "op-eq-num", "      attribute: seats\n      eq: 12\n" },
	{ "op-eq-bool", "      attribute: beta\n      eq: true\n" },
	{ "op-ne", "      attribute: country\n      ne: DE\n" },
	{ "op-in", "      attribute: country\n      in: [DE, AT, CH]\n" },
	{ "op-not-in", "      attribute: country\n      not_in: [DE, AT, CH]\n" },
	{ "op-contains", "      attribute: email\n      contains: \"@example\"\n" },
	{ "op-starts", "      attribute: email\n      starts_with: ann\n" },
	{ "op-ends", "      attribute: email\n      ends_with: \"@EXAMPLE.COM\"\n"
		     "      case_insensitive: true\n" },
	{ "op-lt", "      attribute: seats\n      lt: 10\n" },
	{ "op-lte", "      attribute: seats\n      lte: 10\n" },
	{ "op-gt", "      attribute: seats\n      gt: 10\n" },
	{ "op-gte", "      attribute: seats\n      gte: 10.5\n" },
	{ "op-semver-eq", "      attribute: app\n      semver_eq: 2.3.0\n" },
	{ "op-semver-lt", "      attribute: app\n      semver_lt: 2.3.0\n" },
	{ "op-semver-lte", "      attribute: app\n      semver_lte: 2.3.0\n" },
	{ "op-semver-gt", "      attribute: app\n      semver_gt: 2.3.0\n" },
	{ "op-semver-gte", "      attribute: app\n      semver_gte: 2.3.0-rc.1\n" },
	{ "op-before", "      attribute: signup\n      before: 2026-01-01T00:00:00Z\n" },
	{ "op-after", "      attribute: signup\n      after: 2026-01-01T01:00:00+01:00\n" },
	{ "op-exists", "      attribute: email\n      exists: true\n" },
	{ "op-not-exists", "      attribute: email\n      exists: false\n" },
	{ "comb-all", "      all:\n        - attribute: country\n          eq: DE\n"
		      "        - attribute: seats\n          gte: 10\n" },
	{ "comb-any", "      any:\n        - attribute: country\n          eq: DE\n"
		      "        - attribute: country\n          eq: AT\n" },
	{ "comb-not", "      not:\n        attribute: country\n        eq: DE\n" },
	{ "seg", "      segment: outer\n" },
	{ "special-keys", "      all:\n        - attribute: targeting_key\n          in: [u1, u2]\n"
			  "        - attribute: tenant_key\n          eq: acme\n" },
};

/* Contexts in a compact spelling: "country=DE seats=12 beta=true
 * groups=[a,b] @tk=u1 @tenant=acme"; numbers and true/false are typed. */
static rsl_attr pool_attrs[64];
static char pool_text[4096];
static const char *pool_list[64];
static size_t n_attrs, n_text, n_list;

static char *pool_copy(const char *s, size_t n)
{
	ck_assert(n_text + n + 1 < sizeof pool_text);
	char *p = pool_text + n_text;
	memcpy(p, s, n);
	p[n] = 0;
	n_text += n + 1;
	return p;
}

static rsl_context cx(const char *spec)
{
	rsl_context c;
	memset(&c, 0, sizeof c);
	n_attrs = n_text = n_list = 0; /* one context at a time */
	c.attrs = pool_attrs;
	const char *s = spec;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		const char *eq = strchr(s, '='), *end = strchr(s, ' ');
		if (end == NULL)
			end = s + strlen(s);
		ck_assert(eq && eq < end);
		char *name = pool_copy(s, (size_t)(eq - s));
		char *val = pool_copy(eq + 1, (size_t)(end - eq - 1));
		if (strcmp(name, "@tk") == 0) {
			c.targeting_key = val;
		} else if (strcmp(name, "@tenant") == 0) {
			c.tenant_key = val;
		} else {
			rsl_attr *a = &pool_attrs[n_attrs++];
			memset(a, 0, sizeof *a);
			a->name = name;
			char *e;
			double d = strtod(val, &e);
			if (strcmp(val, "true") == 0 || strcmp(val, "false") == 0) {
				a->type = RSL_ATTR_BOOL;
				a->b = val[0] == 't';
			} else if (*val && *e == 0) {
				a->type = RSL_ATTR_NUMBER;
				a->n = d;
			} else if (val[0] == '[') {
				a->type = RSL_ATTR_LIST;
				a->list = pool_list + n_list;
				for (char *it = strtok(val + 1, ",]"); it; it = strtok(NULL, ",]")) {
					pool_list[n_list++] = it;
					a->len++;
				}
			} else {
				a->type = RSL_ATTR_STRING;
				a->s = val;
			}
			c.nattrs++;
		}
		s = end;
	}
	return c;
}

static void build_ruleset(void)
{
	tu_tmpdir("eval");
	tu_write(DIR "/rules", "rulestead.yaml", "environments:\n  - dev\n  - prod\n");
	tu_write(DIR "/rules", "segments/inner.yaml",
		 "key: inner\ndescription: d\nwhen:\n  attribute: beta\n  eq: true\n");
	tu_write(DIR "/rules", "segments/outer.yaml",
		 "key: outer\ndescription: d\nwhen:\n  any:\n    - segment: inner\n"
		 "    - attribute: email\n      ends_with: \"@example.com\"\n"
		 "      case_insensitive: true\n");
	char text[1024];
	for (size_t i = 0; i < sizeof optests / sizeof *optests; i++) {
		write_flag(optests[i].flag, "type: boolean\n");
		snprintf(text, sizeof text,
			 "enabled: true\nrules:\n  - name: r\n    when:\n%s    serve: on\ndefault: off\n",
			 optests[i].when);
		write_targeting(optests[i].flag, text);
	}
	write_flag("kill", "type: boolean\n");
	write_targeting("kill", "enabled: false\nrules:\n  - name: all\n    serve: on\ndefault: on\n");
	write_flag("unconfigured", "type: boolean\n");
	write_flag("static", "type: boolean\n");
	write_targeting("static", "enabled: true\ndefault: on\n");
	write_flag("base", "type: boolean\n");
	write_targeting("base", "enabled: true\nrules:\n  - name: de\n    when:\n"
				"      attribute: country\n      eq: DE\n    serve: on\ndefault: off\n");
	write_flag("child", "type: boolean\n");
	write_targeting("child", "enabled: true\nrequires:\n  - flag: base\n    variant: on\n"
				 "default: on\n");
	write_flag("needs-kill-on", "type: boolean\n");
	write_targeting("needs-kill-on", "enabled: true\nrequires:\n  - flag: kill\n"
					 "    variant: on\ndefault: on\n");
	write_flag("needs-kill-off", "type: boolean\n");
	write_targeting("needs-kill-off", "enabled: true\nrequires:\n  - flag: kill\n"
					  "    variant: off\n  - flag: unconfigured\n"
					  "    variant: off\ndefault: on\n");
	write_flag("split20", "type: boolean\n");
	write_targeting("split20", "enabled: true\ndefault:\n  split:\n    on: 20\n    off: 80\n");
	write_flag("ramp10", "type: boolean\nsalt: ramp\n");
	write_targeting("ramp10", "enabled: true\ndefault:\n  split:\n    on: 10\n    off: 90\n");
	write_flag("ramp20", "type: boolean\nsalt: ramp\n");
	write_targeting("ramp20", "enabled: true\ndefault:\n  split:\n    on: 20\n    off: 80\n");
	write_flag("color", "type: string\nvariants:\n  control: blue\n  green: green\n"
			    "  orange: orange\noff_variant: control\n");
	write_targeting("color", "enabled: true\ndefault:\n  split:\n    control: 33.333\n"
				 "    green: 33.333\n    orange: 33.334\n  by: tenant_key\n");
	write_flag("split-rule", "type: boolean\n");
	write_targeting("split-rule", "enabled: true\nrules:\n  - name: germans\n    when:\n"
				      "      attribute: country\n      eq: DE\n    serve:\n"
				      "      split:\n        on: 50\n        off: 50\ndefault: off\n");
	write_flag("by-seats", "type: boolean\n");
	write_targeting("by-seats", "enabled: true\ndefault:\n  split:\n    on: 50\n"
				    "    off: 50\n  by: seats\n");
	write_flag("sched", "type: string\nvariants:\n  a: A\n  b: B\n  c: C\noff_variant: a\n");
	write_targeting("sched", "enabled: true\ndefault:\n  schedule:\n"
				 "    - at: 2026-12-01T09:00:00Z\n      variant: b\n"
				 "    - at: 2026-12-03T09:00:00+01:00\n      variant: c\n"
				 "    - at: 2026-12-08T09:00:00Z\n      split: { b: 50, c: 50 }\n");
	write_flag("sched-rule", "type: boolean\n");
	write_targeting("sched-rule", "enabled: true\nrules:\n  - name: germans\n    when:\n"
				      "      attribute: country\n      eq: DE\n    serve:\n"
				      "      schedule:\n        - at: 2026-12-01T09:00:00Z\n"
				      "          variant: on\ndefault: off\n");
	write_flag("limit", "type: integer\nvariants:\n  small: 10\n  big: -9000000000\n"
			    "off_variant: small\n");
	write_targeting("limit", "enabled: true\nrules:\n  - name: big\n    when:\n"
				 "      attribute: plan\n      eq: pro\n    serve: big\ndefault: small\n");
	write_flag("ratio", "type: float\nvariants:\n  low: 0.25\n  high: 49.5\noff_variant: low\n");
	write_targeting("ratio", "enabled: true\ndefault: high\n");
	write_flag("tuning", "type: object\nvariants:\n  base:\n    boost: 2.5\n    tags: [a, b]\n"
			     "  none: {}\noff_variant: none\n");
	write_targeting("tuning", "enabled: true\ndefault: base\n");
	/* A chain of prerequisites as deep as a snapshot may hold. */
	for (int i = 0; i <= 15; i++) {
		char key[16], t[128];
		snprintf(key, sizeof key, "deep%02d", i);
		write_flag(key, "type: boolean\n");
		if (i < 15)
			snprintf(t, sizeof t, "enabled: true\nrequires:\n  - flag: deep%02d\n"
					      "    variant: on\ndefault: on\n", i + 1);
		else
			snprintf(t, sizeof t, "enabled: true\ndefault: on\n");
		write_targeting(key, t);
	}
	/* The example of the issue: rule 2 "beta" fails on country. */
	write_flag("x", "type: boolean\n");
	write_targeting("x", "enabled: true\nrules:\n  - name: staff\n    when:\n"
			     "      attribute: email\n      ends_with: \"@example.com\"\n"
			     "    serve: on\n  - name: beta\n    when:\n"
			     "      attribute: country\n      in: [DE, AT, CH]\n    serve: on\n"
			     "  - name: rest\n    serve:\n      split:\n        on: 20\n"
			     "        off: 80\ndefault: off\n");

	char *out = NULL, *err = NULL;
	int rc = tu_run(RSC_BIN " keygen --out " DIR "/k", &out, &err);
	ck_assert_msg(rc == 0, "keygen: %s", err);
	free(out);
	free(err);
	rc = tu_run(RSC_BIN " compile --worktree --root " DIR "/rules --key " DIR
			    "/k.key --out " DIR "/out",
		    &out, &err);
	ck_assert_msg(rc == 0, "compile failed (%d): %s%s", rc, out, err);
	free(out);
	free(err);
}

static rsl_snapshot *snap;

static void open_snapshot(void)
{
	rsl_keyring *kr;
	rsl_error e;
	ck_assert_int_eq(rsl_keyring_new(&kr), RSL_OK);
	ck_assert_msg(rsl_keyring_add_pem_file(kr, PUB, &e) == RSL_OK, "%s", e.message);
	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	o.keys = kr;
	o.environment = "prod";
	ck_assert_msg(rsl_open(&snap, SNAP, &o, &e) == RSL_OK, "%s", e.message);
	rsl_keyring_free(kr);
}

static void close_snapshot(void)
{
	rsl_close(snap);
	snap = NULL;
}

static rsl_result eval(const char *key, rsl_type type, const char *spec)
{
	rsl_context c = cx(spec);
	rsl_result r;
	ck_assert_int_eq(rsl_evaluate(&r, snap, key, type, &c, NULL), 0);
	return r;
}

static int on(const char *key, const char *spec)
{
	rsl_result r = eval(key, RSL_BOOLEAN, spec);
	ck_assert_msg(r.error == RSL_ERR_NONE, "%s: error %s", key, rsl_error_code_name(r.error));
	ck_assert_msg(r.value.b ? r.reason == RSL_REASON_TARGETING_MATCH && r.rule_index == 0
				: r.reason == RSL_REASON_DEFAULT && r.rule_index == -1,
		      "%s for '%s': value %d reason %s", key, spec, r.value.b,
		      rsl_reason_name(r.reason));
	return r.value.b;
}

START_TEST(e2e_operators)
{
	const char *c = "country=DE seats=12 beta=false email=Ann@Example.com app=2.3.0 "
			"signup=2026-06-01T00:00:00Z";
	ck_assert(on("op-eq", c));
	ck_assert(!on("op-eq", "country=de"));
	ck_assert(!on("op-eq", ""));
	ck_assert(on("op-eq-num", c));
	ck_assert(!on("op-eq-num", "seats=12.5"));
	ck_assert(!on("op-eq-num", "seats=x12"));
	ck_assert(on("op-eq-bool", "beta=true"));
	ck_assert(!on("op-eq-bool", c));
	ck_assert(on("op-ne", "country=FR"));
	ck_assert(!on("op-ne", c));
	ck_assert(!on("op-ne", ""));
	ck_assert(on("op-in", "country=CH"));
	ck_assert(!on("op-in", "country=FR"));
	ck_assert(on("op-in", "country=[FR,AT]"));
	ck_assert(on("op-not-in", "country=FR"));
	ck_assert(!on("op-not-in", "country=AT"));
	ck_assert(!on("op-not-in", ""));
	ck_assert(!on("op-not-in", "country=[FR,AT]"));
	ck_assert(on("op-contains", "email=ann@example.org"));
	ck_assert(!on("op-contains", c));
	ck_assert(on("op-starts", "email=ann@x"));
	ck_assert(!on("op-starts", c));
	ck_assert(on("op-ends", c));
	ck_assert(!on("op-ends", "email=ann@example.co"));
	ck_assert(on("op-lt", "seats=9.5"));
	ck_assert(!on("op-lt", "seats=10"));
	ck_assert(on("op-lte", "seats=10"));
	ck_assert(!on("op-lte", c));
	ck_assert(on("op-gt", c));
	ck_assert(!on("op-gt", "seats=10"));
	ck_assert(on("op-gte", "seats=10.5"));
	ck_assert(!on("op-gte", "seats=10.4"));
	ck_assert(on("op-semver-eq", "app=v2.3.0+b7"));
	ck_assert(!on("op-semver-eq", "app=2.3.1"));
	ck_assert(on("op-semver-lt", "app=2.3.0-rc.1"));
	ck_assert(!on("op-semver-lt", c));
	ck_assert(on("op-semver-lte", c));
	ck_assert(!on("op-semver-lte", "app=2.10.0"));
	ck_assert(on("op-semver-gt", "app=2.10.0"));
	ck_assert(!on("op-semver-gt", c));
	ck_assert(on("op-semver-gte", "app=2.3.0-rc.1"));
	ck_assert(!on("op-semver-gte", "app=2.3.0-beta"));
	ck_assert(!on("op-semver-gte", "app=latest"));
	ck_assert(on("op-before", "signup=2025-12-31T23:59:59Z"));
	ck_assert(!on("op-before", "signup=2026-01-01T00:00:00Z"));
	ck_assert(on("op-before", "signup=1767225599"));
	ck_assert(on("op-after", "signup=2026-01-01T00:00:00.001Z"));
	ck_assert(!on("op-after", "signup=2026-01-01T00:00:00Z"));
	ck_assert(!on("op-after", "signup=yesterday"));
	ck_assert(on("op-exists", c));
	ck_assert(!on("op-exists", "seats=1"));
	ck_assert(on("op-not-exists", "seats=1"));
	ck_assert(!on("op-not-exists", c));
	ck_assert(on("comb-all", c));
	ck_assert(!on("comb-all", "country=DE seats=9"));
	ck_assert(on("comb-any", "country=AT"));
	ck_assert(!on("comb-any", "country=CH"));
	ck_assert(on("comb-not", "country=CH"));
	ck_assert(on("comb-not", ""));
	ck_assert(!on("comb-not", c));
	ck_assert(on("special-keys", "@tk=u2 @tenant=acme"));
	ck_assert(!on("special-keys", "@tk=u3 @tenant=acme"));
	ck_assert(!on("special-keys", "targeting_key=u1 tenant_key=acme"));
}
END_TEST

START_TEST(e2e_segments)
{
	ck_assert(on("seg", "beta=true"));                  /* through inner */
	ck_assert(on("seg", "email=bob@EXAMPLE.com"));      /* outer's own test */
	ck_assert(!on("seg", "beta=false email=bob@example.org"));
	ck_assert(!on("seg", ""));
}
END_TEST

START_TEST(e2e_kill_static_unconfigured)
{
	rsl_result r = eval("kill", RSL_BOOLEAN, "");
	ck_assert_int_eq(r.value.b, 0);
	ck_assert_str_eq(r.variant, "off");
	ck_assert_int_eq(r.reason, RSL_REASON_DISABLED);
	ck_assert_int_eq(r.error, RSL_ERR_NONE);
	ck_assert_str_eq(r.file, "environments/prod/kill.yaml");

	r = eval("unconfigured", RSL_BOOLEAN, "@tk=u1");
	ck_assert_int_eq(r.value.b, 0);
	ck_assert_str_eq(r.variant, "off");
	ck_assert_int_eq(r.reason, RSL_REASON_DEFAULT);
	ck_assert_int_eq(r.error, RSL_ERR_NONE);
	ck_assert_str_eq(r.file, "unconfigured.yaml");
	ck_assert_uint_eq(r.line, 1);

	r = eval("static", RSL_BOOLEAN, "");
	ck_assert_int_eq(r.value.b, 1);
	ck_assert_str_eq(r.variant, "on");
	ck_assert_int_eq(r.reason, RSL_REASON_STATIC);
	ck_assert_str_eq(r.file, "environments/prod/static.yaml");
	ck_assert_uint_eq(r.line, 2);
	ck_assert_int_eq(r.rule_index, -1);
	ck_assert_ptr_null(r.rule_name);
	ck_assert_uint_eq(r.bucket, UINT32_MAX);
}
END_TEST

START_TEST(e2e_prerequisites)
{
	rsl_result r = eval("child", RSL_BOOLEAN, "country=DE");
	ck_assert_int_eq(r.value.b, 1);
	ck_assert_int_eq(r.reason, RSL_REASON_DEFAULT);
	r = eval("child", RSL_BOOLEAN, "country=FR");
	ck_assert_int_eq(r.value.b, 0);
	ck_assert_str_eq(r.variant, "off");
	ck_assert_int_eq(r.reason, RSL_REASON_PREREQUISITE_FAILED);
	ck_assert_int_eq(r.error, RSL_ERR_NONE);
	/* A disabled prerequisite resolves to its off variant... */
	r = eval("needs-kill-on", RSL_BOOLEAN, "");
	ck_assert_int_eq(r.reason, RSL_REASON_PREREQUISITE_FAILED);
	ck_assert_int_eq(r.value.b, 0);
	/* ...which satisfies a requirement of that variant; so does an
	 * unconfigured one's. */
	r = eval("needs-kill-off", RSL_BOOLEAN, "");
	ck_assert_int_eq(r.reason, RSL_REASON_DEFAULT);
	ck_assert_int_eq(r.value.b, 1);
	/* The deepest chain a snapshot may hold is followed to its end. */
	r = eval("deep00", RSL_BOOLEAN, "");
	ck_assert_int_eq(r.reason, RSL_REASON_DEFAULT);
	ck_assert_int_eq(r.value.b, 1);
}
END_TEST

START_TEST(e2e_split_distribution)
{
	/* 1,000,000 keys: within 0.2 percentage points of the weights. */
	char key[32];
	long on20 = 0, colors[3] = { 0, 0, 0 };
	const long n = 1000000;
	rsl_context c;
	memset(&c, 0, sizeof c);
	for (long i = 0; i < n; i++) {
		snprintf(key, sizeof key, "user-%ld", i);
		c.targeting_key = key;
		c.tenant_key = key;
		rsl_result r;
		rsl_evaluate(&r, snap, "split20", RSL_BOOLEAN, &c, NULL);
		ck_assert_int_eq(r.reason, RSL_REASON_SPLIT);
		on20 += r.value.b;
		rsl_evaluate(&r, snap, "color", RSL_STRING, &c, NULL);
		colors[r.value.s[0] == 'b' ? 0 : r.value.s[0] == 'g' ? 1 : 2]++;
	}
	ck_assert_msg(fabs(100.0 * (double)on20 / (double)n - 20.0) < 0.2, "on: %ld", on20);
	const double w[3] = { 33.333, 33.333, 33.334 };
	for (int k = 0; k < 3; k++)
		ck_assert_msg(fabs(100.0 * (double)colors[k] / (double)n - w[k]) < 0.2,
			      "variant %d: %ld", k, colors[k]);
}
END_TEST

START_TEST(e2e_split_ramp_is_monotonic)
{
	char key[32];
	long in10 = 0, in20 = 0;
	rsl_context c;
	memset(&c, 0, sizeof c);
	for (long i = 0; i < 100000; i++) {
		snprintf(key, sizeof key, "key-%ld", i);
		c.targeting_key = key;
		int a = rsl_bool(snap, "ramp10", &c, -1);
		int b = rsl_bool(snap, "ramp20", &c, -1);
		ck_assert_msg(!a || b, "%s is in at 10%% but not at 20%%", key);
		in10 += a;
		in20 += b;
	}
	ck_assert(in10 > 9500 && in10 < 10500);
	ck_assert(in20 > 19500 && in20 < 20500);
}
END_TEST

START_TEST(e2e_split_buckets)
{
	/* The bucket reported is the documented one, by the flag's salt. */
	rsl_result r = eval("ramp10", RSL_BOOLEAN, "@tk=user-1");
	ck_assert_uint_eq(r.bucket, rsl__bucket("ramp", 4, "user-1", 6));
	ck_assert_int_eq(r.value.b, r.bucket < 10000);
	ck_assert_str_eq(r.variant, r.bucket < 10000 ? "on" : "off");
	r = eval("split20", RSL_BOOLEAN, "@tk=user-1");
	ck_assert_uint_eq(r.bucket, rsl__bucket("split20", 7, "user-1", 6));
	/* By a number attribute: its shortest decimal text. */
	r = eval("by-seats", RSL_BOOLEAN, "seats=12");
	ck_assert_int_eq(r.reason, RSL_REASON_SPLIT);
	ck_assert_uint_eq(r.bucket, rsl__bucket("by-seats", 8, "12", 2));
	r = eval("by-seats", RSL_BOOLEAN, "seats=0.5");
	ck_assert_uint_eq(r.bucket, rsl__bucket("by-seats", 8, "0.5", 3));
	r = eval("by-seats", RSL_BOOLEAN, "seats=[1,2]"); /* a list: no value */
	ck_assert_int_eq(r.error, RSL_ERR_TARGETING_KEY_MISSING);
	/* By tenant_key. */
	r = eval("color", RSL_STRING, "@tk=a @tenant=acme");
	ck_assert_uint_eq(r.bucket, rsl__bucket("color", 5, "acme", 4));
	/* A split rule without the bucketing attribute does not match. */
	r = eval("split-rule", RSL_BOOLEAN, "country=DE");
	ck_assert_int_eq(r.reason, RSL_REASON_DEFAULT);
	ck_assert_int_eq(r.error, RSL_ERR_NONE);
	ck_assert_int_eq(r.rule_index, -1);
	r = eval("split-rule", RSL_BOOLEAN, "country=DE @tk=user-7");
	ck_assert_int_eq(r.reason, RSL_REASON_SPLIT);
	ck_assert_int_eq(r.rule_index, 0);
	ck_assert_str_eq(r.rule_name, "germans");
	ck_assert_uint_eq(r.line, 3);
	/* A default split without it serves off, TARGETING_KEY_MISSING. */
	r = eval("split20", RSL_BOOLEAN, "");
	ck_assert_int_eq(r.reason, RSL_REASON_DEFAULT);
	ck_assert_int_eq(r.error, RSL_ERR_TARGETING_KEY_MISSING);
	ck_assert_str_eq(r.variant, "off");
	ck_assert_int_eq(r.value.b, 0);
	ck_assert_uint_eq(r.bucket, UINT32_MAX);
	/* An empty key is a key. */
	r = eval("split20", RSL_BOOLEAN, "@tk=");
	ck_assert_int_eq(r.reason, RSL_REASON_SPLIT);
	ck_assert_uint_eq(r.bucket, rsl__bucket("split20", 7, "", 0));
}
END_TEST

static rsl_result at(const char *key, rsl_type type, int64_t now, const char *tk)
{
	rsl_context c;
	memset(&c, 0, sizeof c);
	c.now = now;
	c.targeting_key = tk;
	rsl_result r;
	rsl_evaluate(&r, snap, key, type, &c, NULL);
	return r;
}

START_TEST(e2e_schedules)
{
	const int64_t t1 = 1796115600, t2 = 1796284800, t3 = 1796720400;
	rsl_result r = at("sched", RSL_STRING, t1 - 1, NULL);
	ck_assert_str_eq(r.value.s, "A"); /* before the first step: off */
	ck_assert_int_eq(r.reason, RSL_REASON_DEFAULT);
	ck_assert_int_eq(r.error, RSL_ERR_NONE);
	r = at("sched", RSL_STRING, t1, NULL);
	ck_assert_str_eq(r.value.s, "B");
	r = at("sched", RSL_STRING, t2 - 1, NULL);
	ck_assert_str_eq(r.value.s, "B");
	r = at("sched", RSL_STRING, t2, NULL);
	ck_assert_str_eq(r.value.s, "C");
	ck_assert_int_eq(r.reason, RSL_REASON_DEFAULT);
	r = at("sched", RSL_STRING, t3 + 86400 * 365, "user-1");
	ck_assert_int_eq(r.reason, RSL_REASON_SPLIT);
	ck_assert_uint_eq(r.bucket, rsl__bucket("sched", 5, "user-1", 6));
	ck_assert_str_eq(r.value.s, r.bucket < 50000 ? "B" : "C");
	r = at("sched", RSL_STRING, t3, NULL);
	ck_assert_int_eq(r.error, RSL_ERR_TARGETING_KEY_MISSING);
	ck_assert_str_eq(r.value.s, "A");
	/* now = 0: the clock, which is past 2026-01-01 and before t1 until
	 * December 2026. */
	r = at("sched", RSL_STRING, 0, "user-1");
	ck_assert_int_eq(r.error, RSL_ERR_NONE);

	/* In a rule: the rule matched, so TARGETING_MATCH, even with off. */
	rsl_context c;
	memset(&c, 0, sizeof c);
	rsl_attr de = RSL_STR("country", "DE");
	c.attrs = &de;
	c.nattrs = 1;
	c.now = t1 - 1;
	rsl_result rr;
	rsl_evaluate(&rr, snap, "sched-rule", RSL_BOOLEAN, &c, NULL);
	ck_assert_int_eq(rr.reason, RSL_REASON_TARGETING_MATCH);
	ck_assert_int_eq(rr.value.b, 0);
	c.now = t1;
	rsl_evaluate(&rr, snap, "sched-rule", RSL_BOOLEAN, &c, NULL);
	ck_assert_int_eq(rr.reason, RSL_REASON_TARGETING_MATCH);
	ck_assert_int_eq(rr.value.b, 1);
}
END_TEST

START_TEST(e2e_types)
{
	rsl_context c = cx("plan=pro");
	ck_assert_int_eq(rsl_int(snap, "limit", &c, 7), -9000000000LL);
	ck_assert_int_eq(rsl_int(snap, "limit", NULL, 7), 10);
	ck_assert(rsl_float(snap, "ratio", NULL, 1.0) == 49.5);
	ck_assert_str_eq(rsl_object(snap, "tuning", NULL, "{}"),
			 "{\"boost\":2.5,\"tags\":[\"a\",\"b\"]}");
	ck_assert_str_eq(rsl_string(snap, "color", NULL, "fb"), "blue"); /* missing key */
	/* No conversions: a float flag is not an integer flag. */
	ck_assert_int_eq(rsl_int(snap, "ratio", NULL, 7), 7);
	ck_assert(rsl_float(snap, "limit", NULL, 1.5) == 1.5);
	ck_assert_str_eq(rsl_string(snap, "op-eq", NULL, "fb"), "fb");
	ck_assert_int_eq(rsl_bool(snap, "color", NULL, 1), 1);
	ck_assert_str_eq(rsl_object(snap, "color", NULL, "{\"x\":1}"), "{\"x\":1}");
	ck_assert_ptr_null(rsl_string(snap, "ratio", NULL, NULL));
	rsl_result r;
	rsl_value fb = { RSL_INTEGER, 0, 99, 0.0, NULL, 0 };
	ck_assert_int_eq(rsl_evaluate(&r, snap, "ratio", RSL_INTEGER, NULL, &fb), 0);
	ck_assert_int_eq(r.reason, RSL_REASON_ERROR);
	ck_assert_int_eq(r.error, RSL_ERR_TYPE_MISMATCH);
	ck_assert_int_eq(r.value.i, 99);
	ck_assert_ptr_null(r.variant);
	ck_assert_ptr_null(r.file);
	ck_assert_int_eq(r.rule_index, -1);
	ck_assert_int_eq(rsl_evaluate(&r, snap, "tuning", RSL_OBJECT, NULL, NULL), 0);
	ck_assert_uint_eq(r.value.len, strlen(r.value.s));
	ck_assert_str_eq(r.variant, "base");
}
END_TEST

START_TEST(e2e_errors_and_strict)
{
	rsl_result r;
	rsl_value fb = { RSL_BOOLEAN, 1, 0, 0.0, NULL, 0 };
	rsl_context c;
	memset(&c, 0, sizeof c);

	ck_assert_int_eq(rsl_evaluate(&r, snap, "nope", RSL_BOOLEAN, &c, &fb), 0);
	ck_assert_int_eq(r.reason, RSL_REASON_ERROR);
	ck_assert_int_eq(r.error, RSL_ERR_FLAG_NOT_FOUND);
	ck_assert_int_eq(r.value.b, 1);
	ck_assert_int_eq(rsl_bool(snap, "nope", NULL, 1), 1);
	ck_assert_int_eq(rsl_bool(snap, NULL, NULL, 1), 1);

	ck_assert_int_eq(rsl_evaluate(&r, NULL, "op-eq", RSL_BOOLEAN, &c, &fb), 0);
	ck_assert_int_eq(r.error, RSL_ERR_PROVIDER_NOT_READY);
	ck_assert_int_eq(r.value.b, 1);
	ck_assert_int_eq(rsl_bool(NULL, "op-eq", NULL, 1), 1);

	c.environment = "dev";
	rsl_evaluate(&r, snap, "static", RSL_BOOLEAN, &c, &fb);
	ck_assert_int_eq(r.reason, RSL_REASON_ERROR);
	ck_assert_int_eq(r.error, RSL_ERR_INVALID_CONTEXT);
	c.environment = "prod";
	rsl_evaluate(&r, snap, "static", RSL_BOOLEAN, &c, &fb);
	ck_assert_int_eq(r.error, RSL_ERR_NONE);
	rsl_attr bad = RSL_STR(NULL, "x");
	c.attrs = &bad;
	c.nattrs = 1;
	rsl_evaluate(&r, snap, "static", RSL_BOOLEAN, &c, &fb);
	ck_assert_int_eq(r.error, RSL_ERR_INVALID_CONTEXT);
	rsl_attr nulls = RSL_STR("country", NULL);
	c.attrs = &nulls;
	rsl_evaluate(&r, snap, "static", RSL_BOOLEAN, &c, &fb);
	ck_assert_int_eq(r.error, RSL_ERR_INVALID_CONTEXT);
	c.attrs = NULL;
	c.nattrs = 0;

	/* Strict: the same errors, and RSL_ESTRICT to the caller. */
	c.strict = 1;
	ck_assert_int_eq(rsl_evaluate(&r, snap, "nope", RSL_BOOLEAN, &c, &fb), RSL_ESTRICT);
	ck_assert_int_ne(RSL_ESTRICT, RSL_EINVAL);
	ck_assert_str_eq(rsl_strerror(RSL_ESTRICT), "RSL_ESTRICT");
	ck_assert_int_eq(r.error, RSL_ERR_FLAG_NOT_FOUND);
	ck_assert_int_eq(r.value.b, 1);
	ck_assert_int_eq(rsl_evaluate(&r, snap, "color", RSL_BOOLEAN, &c, &fb), RSL_ESTRICT);
	ck_assert_int_eq(r.error, RSL_ERR_TYPE_MISMATCH);
	ck_assert_int_eq(rsl_evaluate(&r, NULL, "color", RSL_BOOLEAN, &c, &fb), RSL_ESTRICT);
	ck_assert_int_eq(rsl_evaluate(&r, snap, "split20", RSL_BOOLEAN, &c, &fb), RSL_ESTRICT);
	ck_assert_int_eq(r.error, RSL_ERR_TARGETING_KEY_MISSING);
	ck_assert_int_eq(r.value.b, 0); /* the off variant, not the fallback */
	ck_assert_int_eq(rsl_evaluate(&r, snap, "static", RSL_BOOLEAN, &c, &fb), 0);
	ck_assert_int_eq(r.reason, RSL_REASON_STATIC);
	/* Typed calls still just serve the fallback. */
	ck_assert_int_eq(rsl_bool(snap, "nope", &c, 1), 1);

	/* Names of every reason, error and type. */
	ck_assert_str_eq(rsl_reason_name(RSL_REASON_STATIC), "STATIC");
	ck_assert_str_eq(rsl_reason_name(RSL_REASON_DEFAULT), "DEFAULT");
	ck_assert_str_eq(rsl_reason_name(RSL_REASON_TARGETING_MATCH), "TARGETING_MATCH");
	ck_assert_str_eq(rsl_reason_name(RSL_REASON_SPLIT), "SPLIT");
	ck_assert_str_eq(rsl_reason_name(RSL_REASON_DISABLED), "DISABLED");
	ck_assert_str_eq(rsl_reason_name(RSL_REASON_ERROR), "ERROR");
	ck_assert_str_eq(rsl_reason_name(RSL_REASON_PREREQUISITE_FAILED), "PREREQUISITE_FAILED");
	ck_assert_str_eq(rsl_error_code_name(RSL_ERR_NONE), "NONE");
	ck_assert_str_eq(rsl_error_code_name(RSL_ERR_FLAG_NOT_FOUND), "FLAG_NOT_FOUND");
	ck_assert_str_eq(rsl_error_code_name(RSL_ERR_TYPE_MISMATCH), "TYPE_MISMATCH");
	ck_assert_str_eq(rsl_error_code_name(RSL_ERR_TARGETING_KEY_MISSING), "TARGETING_KEY_MISSING");
	ck_assert_str_eq(rsl_error_code_name(RSL_ERR_INVALID_CONTEXT), "INVALID_CONTEXT");
	ck_assert_str_eq(rsl_error_code_name(RSL_ERR_PARSE_ERROR), "PARSE_ERROR");
	ck_assert_str_eq(rsl_error_code_name(RSL_ERR_PROVIDER_NOT_READY), "PROVIDER_NOT_READY");
	ck_assert_str_eq(rsl_error_code_name(RSL_ERR_GENERAL), "GENERAL");
	ck_assert_str_eq(rsl_type_name(RSL_BOOLEAN), "boolean");
	ck_assert_str_eq(rsl_type_name(RSL_STRING), "string");
	ck_assert_str_eq(rsl_type_name(RSL_INTEGER), "integer");
	ck_assert_str_eq(rsl_type_name(RSL_FLOAT), "float");
	ck_assert_str_eq(rsl_type_name(RSL_OBJECT), "object");
}
END_TEST

START_TEST(e2e_rule_source_lines)
{
	rsl_result r = eval("x", RSL_BOOLEAN, "country=AT");
	ck_assert_int_eq(r.reason, RSL_REASON_TARGETING_MATCH);
	ck_assert_int_eq(r.rule_index, 1);
	ck_assert_str_eq(r.rule_name, "beta");
	ck_assert_str_eq(r.file, "environments/prod/x.yaml");
	ck_assert_uint_eq(r.line, 8);
	/* Rule 3 splits everyone, but without a key it does not match. */
	r = eval("x", RSL_BOOLEAN, "country=US");
	ck_assert_int_eq(r.reason, RSL_REASON_DEFAULT);
	ck_assert_int_eq(r.error, RSL_ERR_NONE);
	ck_assert_ptr_null(r.rule_name);
	ck_assert_str_eq(r.file, "environments/prod/x.yaml");
	ck_assert_uint_eq(r.line, 18);
}
END_TEST

START_TEST(e2e_explain_text)
{
	char buf[4096];
	rsl_context c = cx("country=US @tk=user-1");
	size_t n = rsl_explain(buf, sizeof buf, snap, "x", &c, RSL_EXPLAIN_TEXT);
	ck_assert_uint_lt(n, sizeof buf);
	ck_assert_uint_eq(n, strlen(buf));
	ck_assert_msg(strstr(buf, "flag x (boolean) in environment prod, snapshot version 0, "
				  "commit worktree\n") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "rule 1 \"staff\" (environments/prod/x.yaml:3): no match: "
				  "email is missing\n") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "rule 2 \"beta\" (environments/prod/x.yaml:8): no match: "
				  "country = \"US\" not in [DE, AT, CH]\n") != NULL, "%s", buf);
	uint32_t b = rsl__bucket("x", 1, "user-1", 6);
	char want[256];
	snprintf(want, sizeof want,
		 "rule 3 \"rest\" (environments/prod/x.yaml:13): match: no condition: everyone; "
		 "split by targeting_key = \"user-1\": bucket %u of 100000; on [0, 20000), "
		 "off [20000, 100000); serve %s\n", b, b < 20000 ? "on" : "off");
	ck_assert_msg(strstr(buf, want) != NULL, "%s\nwant: %s", buf, want);
	ck_assert_msg(strstr(buf, "default (environments/prod/x.yaml:18): not evaluated\n"), "%s", buf);
	snprintf(want, sizeof want, "result: value %s, variant %s, reason SPLIT, rule 3 \"rest\" "
		 "(environments/prod/x.yaml:13)\n", b < 20000 ? "true" : "false",
		 b < 20000 ? "on" : "off");
	ck_assert_msg(strstr(buf, want) != NULL, "%s", buf);

	/* Truncation is snprintf's: the length needed, always terminated. */
	char small[16];
	size_t m = rsl_explain(small, sizeof small, snap, "x", &c, RSL_EXPLAIN_TEXT);
	ck_assert_uint_eq(m, n);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	ck_assert_int_eq(memcmp(small, buf, sizeof small - 1), 0);
	ck_assert_uint_eq(rsl_explain(NULL, 0, snap, "x", &c, RSL_EXPLAIN_TEXT), n);

	c = cx("country=DE seats=9");
	rsl_explain(buf, sizeof buf, snap, "comb-all", &c, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "no match: seats = 9 is not >= 10\n"), "%s", buf);
	rsl_explain(buf, sizeof buf, snap, "comb-not", &c, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "no match: excluded by not (country = \"DE\" == \"DE\")\n"), "%s", buf);
	rsl_explain(buf, sizeof buf, snap, "seg", &c, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "no match: segment outer: no match: none of (segment inner: "
				  "no match: beta is missing; email is missing)\n"), "%s", buf);
	rsl_explain(buf, sizeof buf, snap, "kill", &c, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "disabled (enabled: false, the kill switch): the off variant off\n"
				  "rule 1 \"all\" (environments/prod/kill.yaml:3): not evaluated\n"),
		      "%s", buf);
	ck_assert_msg(strstr(buf, "result: value false, variant off, reason DISABLED"), "%s", buf);
	rsl_explain(buf, sizeof buf, snap, "child", &c, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "requires base = on: got on (TARGETING_MATCH): ok\n"), "%s", buf);
	rsl_explain(buf, sizeof buf, snap, "nope", &c, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "no such flag in this snapshot\n"), "%s", buf);
	ck_assert_msg(strstr(buf, "result: the caller's fallback, reason ERROR, error FLAG_NOT_FOUND\n"),
		      "%s", buf);
	c.now = 1796115600 - 1;
	rsl_explain(buf, sizeof buf, snap, "sched", &c, RSL_EXPLAIN_TEXT);
	/* rsc records the line where default's value starts (model.h). */
	ck_assert_msg(strstr(buf, "default (environments/prod/sched.yaml:3): schedule at "
				  "2026-12-01T08:59:59Z: before the first step (2026-12-01T09:00:00Z), "
				  "the off variant; serve a\n"), "%s", buf);
}
END_TEST

/* Bucketing by a number must not depend on the locale: a German locale
 * writes 0,5 for 0.5 (made with localedef when the system has none). */
START_TEST(number_text_ignores_locale)
{
	int rc = tu_run("mkdir -p tests/tmp/locale && "
			"(test -d tests/tmp/locale/de_DE.UTF-8 || localedef -i de_DE "
			"-f UTF-8 tests/tmp/locale/de_DE.UTF-8)", NULL, NULL);
	setenv("LOCPATH", "tests/tmp/locale", 1);
	if (rc != 0 || setlocale(LC_ALL, "de_DE.UTF-8") == NULL) {
		fprintf(stderr, "number_text_ignores_locale: skipped: no de_DE.UTF-8 "
			"locale (localedef failed)\n");
		return;
	}
	char probe[16], out[RSL__NUMBUF];
	snprintf(probe, sizeof probe, "%g", 0.5);
	ck_assert_str_eq(probe, "0,5"); /* the locale is in force */
	ck_assert_int_eq(rsl__format_number(out, 0.5), 3);
	ck_assert_str_eq(out, "0.5");
	rsl__format_number(out, -2.5e-7);
	ck_assert_str_eq(out, "-2.5e-07");
	rsl__format_number(out, 1234.0625);
	ck_assert_str_eq(out, "1234.0625");
	rsl__format_number(out, 0.1);
	ck_assert_str_eq(out, "0.1");
	rsl__format_number(out, 1e300);
	ck_assert_str_eq(out, "1e+300");
	rsl_result r = eval("by-seats", RSL_BOOLEAN, "seats=0.5");
	ck_assert_int_eq(r.reason, RSL_REASON_SPLIT);
	ck_assert_uint_eq(r.bucket, rsl__bucket("by-seats", 8, "0.5", 3));
	setlocale(LC_ALL, "C");
}
END_TEST

/* The text trace shows the context before checking it: a list with a NULL
 * element is shown as invalid, not read. */
START_TEST(explain_invalid_list_element)
{
	char buf[4096];
	const char *items[] = { "a", NULL };
	rsl_attr a = { "tags", RSL_ATTR_LIST, NULL, 0.0, 0, items, 2 };
	rsl_context c;
	memset(&c, 0, sizeof c);
	c.attrs = &a;
	c.nattrs = 1;
	rsl_explain(buf, sizeof buf, snap, "x", &c, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "context: targeting_key (none); tags = (invalid)\n"),
		      "%s", buf);
	ck_assert_msg(strstr(buf, "error INVALID_CONTEXT"), "%s", buf);
	rsl_explain(buf, sizeof buf, snap, "x", &c, RSL_EXPLAIN_JSON);
	ck_assert_msg(strstr(buf, "\"error\": \"INVALID_CONTEXT\""), "%s", buf);
}
END_TEST

START_TEST(e2e_explain_json)
{
	static char buf[16384];
	rsl_context c = cx("country=US email=\"q\" @tk=user-1");
	size_t n = rsl_explain(buf, sizeof buf, snap, "x", &c, RSL_EXPLAIN_JSON);
	ck_assert_uint_lt(n, sizeof buf);
	ck_assert_msg(strstr(buf, "{\"step\": \"rule\", \"index\": 1, \"name\": \"beta\", "
				  "\"file\": \"environments/prod/x.yaml\", \"line\": 8, "
				  "\"evaluated\": true, \"matched\": false, \"why\": "
				  "\"country = \\\"US\\\" not in [DE, AT, CH]\"}"), "%s", buf);
	ck_assert_msg(strstr(buf, "\"why\": \"email = \\\"\\\\\\\"q\\\\\\\"\\\" does not end with \\\"@example.com\\\"\"}"), "%s", buf);
	ck_assert_msg(strstr(buf, "\"reason\": \"SPLIT\", \"error\": \"NONE\", \"rule_index\": 2, "
				  "\"rule\": \"rest\""), "%s", buf);
	/* Every trace is one JSON document. */
	const char *keys[] = { "x", "kill", "unconfigured", "static", "child", "needs-kill-on",
			       "sched", "tuning", "color", "split20", "nope", "seg", "deep00" };
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		n = rsl_explain(buf, sizeof buf, snap, keys[i], &c, RSL_EXPLAIN_JSON);
		ck_assert_uint_lt(n, sizeof buf);
		tu_write(DIR, "trace.json", buf);
		char *err = NULL;
		int rc = tu_run("python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "
				DIR "/trace.json", NULL, &err);
		ck_assert_msg(rc == 0, "%s: %s\n%s", keys[i], err, buf);
		free(err);
	}
}
END_TEST

START_TEST(e2e_rsc_explain)
{
	char *out = NULL, *err = NULL;
	int rc = tu_run(RSC_BIN " explain --snapshot " SNAP " --pub " PUB
			" --flag x country=US targeting_key=user-1", &out, &err);
	ck_assert_msg(rc == 0, "%d: %s", rc, err);
	ck_assert_msg(strstr(out, "rule 2 \"beta\" (environments/prod/x.yaml:8): no match: "
				  "country = \"US\" not in [DE, AT, CH]\n"), "%s", out);
	ck_assert_msg(strstr(out, "context: targeting_key \"user-1\"; country = \"US\"\n"), "%s", out);
	free(out);
	free(err);
	rc = tu_run(RSC_BIN " explain --snapshot " SNAP " --pub " PUB " --flag op-gte"
		    " --context '{\"seats\": 10.5, \"targeting_key\": \"u\"}' --format json",
		    &out, &err);
	ck_assert_msg(rc == 0, "%d: %s", rc, err);
	ck_assert_msg(strstr(out, "\"why\": \"seats = 10.5 >= 10.5\""), "%s", out);
	ck_assert_msg(strstr(out, "\"reason\": \"TARGETING_MATCH\""), "%s", out);
	free(out);
	free(err);
	rc = tu_run(RSC_BIN " explain --snapshot " SNAP " --pub " PUB " --flag sched"
		    " --now 2026-12-03T09:00:00+01:00", &out, &err);
	ck_assert_msg(rc == 0, "%d: %s", rc, err);
	ck_assert_msg(strstr(out, "result: value \"C\", variant c, reason DEFAULT"), "%s", out);
	free(out);
	free(err);
	rc = tu_run(RSC_BIN " explain --snapshot " SNAP " --pub " PUB " --flag nope", &out, &err);
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(strstr(out, "error FLAG_NOT_FOUND"), "%s", out);
	free(out);
	free(err);
	rc = tu_run(RSC_BIN " explain --snapshot " SNAP " --pub " PUB " --flag x --context '{\"a\": }'",
		    &out, &err);
	ck_assert_int_eq(rc, 2);
	ck_assert_msg(strstr(err, "rsc explain: --context: at offset 6: expected a string, number, "
				  "true, false, null or a list of strings"), "%s", err);
	free(out);
	free(err);
	/* No --pub is a usage error: nothing could be verified. */
	rc = tu_run(RSC_BIN " explain --snapshot " SNAP " --flag x", &out, &err);
	ck_assert_int_eq(rc, 2);
	free(out);
	free(err);
}
END_TEST

Suite *eval_suite(void); /* called by the runner */
Suite *eval_suite(void)
{
	Suite *s = suite_create("eval");
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
	tcase_add_test(tc, prerequisite_depth_is_bounded);
	suite_add_tcase(s, tc);

	tc = tcase_create("e2e");
	tcase_add_unchecked_fixture(tc, build_ruleset, NULL);
	tcase_add_checked_fixture(tc, open_snapshot, close_snapshot);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, e2e_operators);
	tcase_add_test(tc, e2e_segments);
	tcase_add_test(tc, e2e_kill_static_unconfigured);
	tcase_add_test(tc, e2e_prerequisites);
	tcase_add_test(tc, e2e_split_distribution);
	tcase_add_test(tc, e2e_split_ramp_is_monotonic);
	tcase_add_test(tc, e2e_split_buckets);
	tcase_add_test(tc, number_text_ignores_locale);
	tcase_add_test(tc, explain_invalid_list_element);
	tcase_add_test(tc, e2e_schedules);
	tcase_add_test(tc, e2e_types);
	tcase_add_test(tc, e2e_errors_and_strict);
	tcase_add_test(tc, e2e_rule_source_lines);
	tcase_add_test(tc, e2e_explain_text);
	tcase_add_test(tc, e2e_explain_json);
	tcase_add_test(tc, e2e_rsc_explain);
	suite_add_tcase(s, tc);
	return s;
}
