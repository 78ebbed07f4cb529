/*
 * check_rfc3339.c - the one RFC 3339 grammar (loader/rfc3339.c) that rsc
 * and the loader share: the fraction it reports (rsc refuses it, the
 * matcher compares with it) and the separators it takes.
 */
#include <check.h>
#include <string.h>

#include "rfc3339.h"

static int parse(rsl__time *t, const char *s)
{
	return rsl__rfc3339_parse(t, s, strlen(s));
}

START_TEST(fraction_is_reported_not_dropped)
{
	rsl__time t;
	ck_assert_int_eq(parse(&t, "2026-01-01T00:00:00.500Z"), 0);
	ck_assert_int_eq(t.sec, 1767225600);
	ck_assert_uint_eq(t.nsec, 500000000);
	ck_assert_int_eq(t.frac_nonzero, 1);
	ck_assert_uint_eq(t.frac_at, 19);
	ck_assert_uint_eq(t.frac_len, 4);
	ck_assert_int_eq(parse(&t, "2026-01-01T00:00:00.0000000001+01:00"), 0);
	ck_assert_int_eq(t.sec, 1767222000);
	ck_assert_uint_eq(t.nsec, 0);
	ck_assert_int_eq(t.frac_nonzero, 1); /* below a nanosecond, still after */
	ck_assert_uint_eq(t.frac_len, 11);
	ck_assert_int_eq(parse(&t, "2026-01-01T00:00:00Z"), 0);
	ck_assert_uint_eq(t.frac_len, 0);
	ck_assert_int_eq(t.frac_nonzero, 0);
	/* before the epoch the fraction still counts up from sec */
	ck_assert_int_eq(parse(&t, "1969-12-31T23:59:59.75Z"), 0);
	ck_assert_int_eq(t.sec, -1);
	ck_assert_uint_eq(t.nsec, 750000000);
}
END_TEST

START_TEST(one_grammar_for_separators_and_offsets)
{
	rsl__time t;
	static const char *const same[] = { "2026-12-01T09:00:00Z", "2026-12-01t09:00:00z",
					    "2026-12-01 09:00:00Z", "2026-12-01T10:00:00+01:00",
					    "2026-12-01T04:30:00-04:30" };
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		ck_assert_msg(parse(&t, same[i]) == 0, "refused %s", same[i]);
		ck_assert_int_eq(t.sec, 1796115600);
	}
	static const char *const bad[] = { "2026-12-01  09:00:00Z", "2026-12-01_09:00:00Z",
					   "2026-12-01T09:00:00", "2026-12-01T09:00Z",
					   "2026-12-01T09:00:00.Z", "2026-12-01T09:00:00+0100",
					   "2026-02-29T09:00:00Z", "2026-12-01T09:00:61Z",
					   " 2026-12-01T09:00:00Z", "2026-12-01T09:00:00Z " };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(parse(&t, bad[i]) == -1, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(leap_second_and_leap_day)
{
	rsl__time t;
	ck_assert_int_eq(parse(&t, "2016-12-31T23:59:60Z"), 0);
	ck_assert_int_eq(t.sec, 1483228800);
	ck_assert_int_eq(parse(&t, "2000-02-29T00:00:00Z"), 0);
	ck_assert_int_eq(parse(&t, "1900-02-29T00:00:00Z"), -1);
	ck_assert_int_eq(rsl__is_date(2024, 2, 29), 1);
	ck_assert_int_eq(rsl__is_date(2026, 4, 31), 0);
}
END_TEST

Suite *rfc3339_suite(void); /* called by the runner */
Suite *rfc3339_suite(void)
{
	Suite *s = suite_create("rfc3339");
	TCase *tc = tcase_create("rfc3339");
	tcase_add_test(tc, fraction_is_reported_not_dropped);
	tcase_add_test(tc, one_grammar_for_separators_and_offsets);
	tcase_add_test(tc, leap_second_and_leap_day);
	suite_add_tcase(s, tc);
	return s;
}
