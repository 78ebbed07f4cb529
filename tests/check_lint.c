/*
 * check_lint.c - warnings on legal but suspicious rulesets (compiler/lint.c):
 * every warning compared, sorted, with its file:line:col, against what a
 * user is meant to see.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "testutil.h"

typedef struct run {
	rsc_arena arena;
	rsc_diags d;
	rsc_fileset fs;
	rsc_ruleset rs;
} run;

/* Every diagnostic as "file:line:col: severity: message\n", in order. */
static char *render(const rsc_diags *d)
{
	size_t cap = 256, n = 0;
	for (size_t i = 0; i < d->n; i++)
		cap += strlen(d->v[i].file) + strlen(d->v[i].message) + 64;
	char *buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	buf[0] = '\0';
	for (size_t i = 0; i < d->n; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s:%u:%u: %s: %s\n",
				      d->v[i].file, d->v[i].line, d->v[i].col,
				      d->v[i].severity == RSC_ERROR ? "error"
								    : "warning",
				      d->v[i].message);
	return buf;
}

/* Reads, loads and checks dir (all must succeed), then lints as of today. */
static void run_lint(run *r, const char *dir, const char *today)
{
	memset(r, 0, sizeof *r);
	rsc_diags_init(&r->d, &r->arena);
	ck_assert_int_eq(rsc_source_read(&r->fs, &r->arena, dir, NULL, &r->d),
			 RSC_OK);
	int load = rsc_model_load(&r->rs, &r->arena, &r->fs, &r->d);
	int check = load == RSC_OK ? rsc_model_check(&r->rs, &r->d) : load;
	if (check != RSC_OK) {
		char *s = render(&r->d);
		ck_abort_msg("ruleset %s is invalid:\n%s", dir, s);
	}
	rsc_model_lint(&r->rs, today, &r->d);
	rsc_diags_sort(&r->d);
}

static void run_free(run *r)
{
	rsc_diags_free(&r->d);
	rsc_arena_free(&r->arena);
}

static void expect_output(const rsc_diags *d, const char *want)
{
	char *got = render(d);
	ck_assert_msg(strcmp(got, want) == 0, "got:\n%s\nexpected:\n%s", got,
		      want);
	free(got);
}

START_TEST(valid_ruleset_has_no_warnings)
{
	run r;
	run_lint(&r, "tests/fixtures/check/valid", "2026-06-01");
	expect_output(&r.d, "");
	ck_assert_uint_eq(r.d.warnings, 0);
	run_free(&r);
}
END_TEST

START_TEST(every_warning)
{
	run r;
	run_lint(&r, "tests/fixtures/lint/warnings", "2026-06-01");
	expect_output(
		&r.d,
		"color.yaml:8:3: warning: variant 'blue' can never be served: "
		"it is not the off_variant and no rule, split, schedule or "
		"default in any environment serves it\n"
		"color.yaml:9:3: warning: variant 'teal' can never be served: "
		"it is not the off_variant and no rule, split, schedule or "
		"default in any environment serves it\n"
		"environments/dev/color.yaml:5:5: warning: rule 'late' can "
		"never match: rule 'everyone' before it matches everyone\n"
		"environments/dev/color.yaml:10:9: warning: variant 'blue' has "
		"0% in this split\n"
		"environments/dev/color.yaml:12:5: warning: rule 'later' can "
		"never match: rule 'everyone' before it matches everyone\n"
		"environments/prod/fresh.yaml:5:16: warning: variant 'on' has "
		"0% in this split\n"
		"old-banner.yaml:4:10: warning: flag 'old-banner' expired on "
		"2026-01-31; remove it or extend 'expires'\n"
		"orphan.yaml:1:1: warning: flag 'orphan' is not configured in "
		"any environment; add environments/<env>/orphan.yaml or remove "
		"it\n"
		"segments/chained.yaml:1:1: warning: segment 'chained' is not "
		"used by any rule\n"
		"segments/unused.yaml:1:1: warning: segment 'unused' is not "
		"used by any rule\n");
	ck_assert_uint_eq(r.d.errors, 0);
	ck_assert_uint_eq(r.d.warnings, 10);
	run_free(&r);
}
END_TEST

static size_t expiry_warnings(const char *today)
{
	char *dir = tu_tmpdir("lint-expiry");
	tu_write(dir, "rulestead.yaml", "environments: [dev]\n");
	tu_write(dir, "x.yaml",
		 "key: x\ndescription: X.\nowner: me\nexpires: 2026-03-01\n");
	tu_write(dir, "environments/dev/x.yaml",
		 "enabled: true\ndefault: on\n");
	run r;
	run_lint(&r, dir, today);
	size_t n = 0;
	for (size_t i = 0; i < r.d.n; i++) {
		ck_assert_str_eq(r.d.v[i].message,
				 "flag 'x' expired on 2026-03-01; remove it or "
				 "extend 'expires'");
		ck_assert_int_eq(r.d.v[i].severity, RSC_WARNING);
		n++;
	}
	run_free(&r);
	return n;
}

START_TEST(expiry_is_compared_by_day)
{
	ck_assert_uint_eq(expiry_warnings("2026-02-28"), 0);
	ck_assert_uint_eq(expiry_warnings("2026-03-01"), 0);
	ck_assert_uint_eq(expiry_warnings("2026-03-02"), 1);
	ck_assert_uint_eq(expiry_warnings("2027-01-01"), 1);
	/* A malformed today date checks nothing rather than everything. */
	ck_assert_uint_eq(expiry_warnings("March 2nd"), 0);
}
END_TEST

START_TEST(variant_served_only_by_a_schedule_or_in_another_env)
{
	char *dir = tu_tmpdir("lint-served");
	tu_write(dir, "rulestead.yaml", "environments: [dev, prod]\n");
	tu_write(dir, "c.yaml",
		 "key: c\ndescription: C.\nowner: me\ntype: integer\n"
		 "variants:\n  zero: 0\n  one: 1\n  two: 2\n  three: 3\n"
		 "off_variant: zero\n");
	tu_write(dir, "environments/dev/c.yaml",
		 "enabled: false\n"
		 "default:\n"
		 "  schedule:\n"
		 "    - at: 2026-12-01T09:00:00Z\n"
		 "      variant: one\n"
		 "    - at: 2026-12-02T09:00:00Z\n"
		 "      split: { two: 0.001, one: 99.999 }\n");
	tu_write(dir, "environments/prod/c.yaml",
		 "enabled: true\n"
		 "rules:\n"
		 "  - name: big\n"
		 "    when: { attribute: n, gt: 3 }\n"
		 "    serve: three\n"
		 "default: zero\n");
	run r;
	run_lint(&r, dir, "2026-06-01");
	expect_output(&r.d, "");
	run_free(&r);
}
END_TEST

Suite *lint_suite(void); /* called by the runner */
Suite *lint_suite(void)
{
	Suite *s = suite_create("lint");
	TCase *tc = tcase_create("lint");
	tcase_add_test(tc, valid_ruleset_has_no_warnings);
	tcase_add_test(tc, every_warning);
	tcase_add_test(tc, expiry_is_compared_by_day);
	tcase_add_test(tc, variant_served_only_by_a_schedule_or_in_another_env);
	suite_add_tcase(s, tc);
	return s;
}
