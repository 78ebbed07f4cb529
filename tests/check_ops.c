/*
 * check_ops.c - the one table of condition operator names (loader/ops.c):
 * every code of rsl_format.h has its ruleset spelling, and back.
 */
#include <check.h>
#include <string.h>

#include "ops.h"

START_TEST(names_and_codes_agree)
{
	static const struct {
		int op;
		const char *name;
	} all[] = {
		{ RSL_OP_EQ, "eq" }, { RSL_OP_NE, "ne" }, { RSL_OP_IN, "in" },
		{ RSL_OP_NOT_IN, "not_in" }, { RSL_OP_CONTAINS, "contains" },
		{ RSL_OP_STARTS_WITH, "starts_with" }, { RSL_OP_ENDS_WITH, "ends_with" },
		{ RSL_OP_LT, "lt" }, { RSL_OP_LTE, "lte" }, { RSL_OP_GT, "gt" },
		{ RSL_OP_GTE, "gte" }, { RSL_OP_SEMVER_EQ, "semver_eq" },
		{ RSL_OP_SEMVER_LT, "semver_lt" }, { RSL_OP_SEMVER_LTE, "semver_lte" },
		{ RSL_OP_SEMVER_GT, "semver_gt" }, { RSL_OP_SEMVER_GTE, "semver_gte" },
		{ RSL_OP_BEFORE, "before" }, { RSL_OP_AFTER, "after" },
		{ RSL_OP_EXISTS, "exists" },
	};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		ck_assert_str_eq(rsl__op_name(all[i].op), all[i].name);
		ck_assert_str_eq(rsl__op_names[all[i].op - 1], all[i].name);
		ck_assert_int_eq(rsl__op_from_name(all[i].name, strlen(all[i].name)), all[i].op);
	}
	ck_assert_ptr_null(rsl__op_names[RSL__NOPS]);
	ck_assert_str_eq(rsl__op_name(RSL_OP_ALL), "all");
	ck_assert_str_eq(rsl__op_name(RSL_OP_ANY), "any");
	ck_assert_str_eq(rsl__op_name(RSL_OP_NOT), "not");
	ck_assert_str_eq(rsl__op_name(RSL_OP_SEGMENT), "segment");
	ck_assert_ptr_null(rsl__op_name(0));
	ck_assert_ptr_null(rsl__op_name(20));
	ck_assert_ptr_null(rsl__op_name(36));
	/* combinators and prefixes are not attribute operators */
	ck_assert_int_eq(rsl__op_from_name("all", 3), 0);
	ck_assert_int_eq(rsl__op_from_name("semver", 6), 0);
	ck_assert_int_eq(rsl__op_from_name("eqx", 2), RSL_OP_EQ);
	ck_assert_int_eq(rsl__op_from_name("EQ", 2), 0);
}
END_TEST

Suite *ops_suite(void); /* called by the runner */
Suite *ops_suite(void)
{
	Suite *s = suite_create("ops");
	TCase *tc = tcase_create("ops");
	tcase_add_test(tc, names_and_codes_agree);
	suite_add_tcase(s, tc);
	return s;
}
