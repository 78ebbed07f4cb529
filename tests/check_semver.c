/*
 * check_semver.c - the one SemVer grammar (loader/semver.c), as rsc and the
 * loader both read it: its refusals, and the range code rsc turns into
 * "out of range" at file:line:col.  Precedence is tested with the matcher.
 */
#include <check.h>
#include <string.h>

#include "semver.h"

static int parse(const char *s)
{
	rsl__semver v;
	return rsl__semver_parse(&v, s, strlen(s));
}

START_TEST(numbers_beyond_64_bits_are_out_of_range)
{
	ck_assert_int_eq(parse("18446744073709551615.18446744073709551615.0"), 0);
	ck_assert_int_eq(parse("18446744073709551616.0.0"), RSL__SEMVER_RANGE);
	ck_assert_int_eq(parse("0.18446744073709551616.0"), RSL__SEMVER_RANGE);
	ck_assert_int_eq(parse("v0.0.99999999999999999999999-rc.1"), RSL__SEMVER_RANGE);
	/* malformed wins over out of range: it is not a version at all */
	ck_assert_int_eq(parse("18446744073709551616.0"), -1);
	ck_assert_int_eq(parse("18446744073709551616.0.0-01"), -1);
}
END_TEST

START_TEST(only_a_lowercase_v)
{
	rsl__semver v;
	ck_assert_int_eq(rsl__semver_parse(&v, "v1.2.3", 6), 0);
	ck_assert_uint_eq(v.major, 1);
	ck_assert_uint_eq(v.patch, 3);
	ck_assert_int_eq(parse("V1.2.3"), -1);
	ck_assert_int_eq(parse("v"), -1);
	ck_assert_int_eq(parse("vv1.2.3"), -1);
}
END_TEST

START_TEST(prerelease_and_build)
{
	rsl__semver v;
	const char *s = "1.0.0-beta.11+exp.sha.5114f85";
	ck_assert_int_eq(rsl__semver_parse(&v, s, strlen(s)), 0);
	ck_assert_uint_eq(v.pre.len, 7);
	ck_assert_int_eq(memcmp(v.pre.p, "beta.11", 7), 0);
	static const char *const bad[] = { "1.0.0-", "1.0.0-01", "1.0.0+", "1.0.0-a..b",
					   "1.0.0 ", "1.0", "01.0.0", "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(parse(bad[i]) == -1, "accepted '%s'", bad[i]);
}
END_TEST

Suite *semver_suite(void); /* called by the runner */
Suite *semver_suite(void)
{
	Suite *s = suite_create("semver");
	TCase *tc = tcase_create("semver");
	tcase_add_test(tc, numbers_beyond_64_bits_are_out_of_range);
	tcase_add_test(tc, only_a_lowercase_v);
	tcase_add_test(tc, prerelease_and_build);
	suite_add_tcase(s, tc);
	return s;
}
