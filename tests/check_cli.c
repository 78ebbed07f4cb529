/*
 * check_cli.c - `rsc validate` and `rsc lint` as a user runs them: exit
 * codes, the three output formats, reading a commit versus the work tree.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static const char *rulestead = "environments: [dev, prod]\nprotected: [prod]\n";
static const char *flag =
	"key: new-checkout\n"
	"description: The new checkout.\n"
	"owner: team-checkout\n";
static const char *targeting =
	"enabled: true\n"
	"rules:\n"
	"  - name: staff\n"
	"    when:\n"
	"      attribute: email\n"
	"      ends_with: \"@example.com\"\n"
	"    serve: on\n"
	"default: off\n";

/* A repository whose flags/ ruleset is committed and valid. */
static char *make_repo(const char *name)
{
	char *dir = tu_tmpdir(name);
	tu_git_init(dir);
	tu_write(dir, "flags/rulestead.yaml", rulestead);
	tu_write(dir, "flags/new-checkout.yaml", flag);
	tu_write(dir, "flags/environments/prod/new-checkout.yaml", targeting);
	tu_git_commit(dir, "Add new-checkout", 1780000000L);
	return dir;
}

static int rsc(char **out, char **err, const char *dir, const char *args)
{
	char cmd[8192], top[2048];
	ck_assert_ptr_nonnull(getcwd(top, sizeof top));
	snprintf(cmd, sizeof cmd, "cd '%s' && '%s/%s' %s", dir, top, RSC_BIN, args);
	return tu_run(cmd, out, err);
}

START_TEST(valid_at_head)
{
	char *dir = make_repo("cli-valid"), *out, *err;
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --root flags"), 0);
	ck_assert_str_eq(out, "flags (HEAD): 1 flags, 0 segments, 2 environments: valid\n");
	ck_assert_str_eq(err, "");
	free(out);
	free(err);
}
END_TEST

START_TEST(typo_reported_with_caret)
{
	char *dir = make_repo("cli-typo"), *out, *err;
	tu_write(dir, "flags/environments/prod/new-checkout.yaml",
		 "enabeld: true\ndefault: off\n");
	tu_git_commit(dir, "Typo", 1780000100L);
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --root flags"), 1);
	ck_assert_ptr_nonnull(strstr(err,
		"environments/prod/new-checkout.yaml:1:1: error: unknown key 'enabeld' in "
		"targeting; expected one of enabled, requires, rules, default\n"
		"  enabeld: true\n"
		"  ^\n"));
	ck_assert_ptr_nonnull(strstr(err, "flags (HEAD): 2 errors\n"));
	free(out);
	free(err);
}
END_TEST

START_TEST(rev_versus_worktree)
{
	char *dir = make_repo("cli-rev"), *out, *err;
	/* An uncommitted mistake: HEAD is still valid, the work tree is not. */
	tu_write(dir, "flags/environments/prod/new-checkout.yaml",
		 "enabled: yes\ndefault: off\n");
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --root flags"), 0);
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --root flags --worktree"), 1);
	ck_assert_ptr_nonnull(strstr(err, "environments/prod/new-checkout.yaml:1:10: error: "));
	free(out);
	free(err);
	/* And an older revision is read as it was. */
	tu_git_commit(dir, "Break it", 1780000200L);
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --root flags --rev HEAD~1"), 0);
	free(out);
	free(err);
}
END_TEST

START_TEST(github_annotations)
{
	char *dir = make_repo("cli-github"), *out, *err;
	tu_write(dir, "flags/environments/prod/new-checkout.yaml",
		 "enabled: true\ndefault: onn\n");
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --root flags --worktree --format github"), 1);
	ck_assert_str_eq(out,
		"::error file=flags/environments/prod/new-checkout.yaml,line=2,col=10::"
		"unknown variant 'onn' for flag 'new-checkout'; expected one of on, off\n");
	free(out);
	free(err);
}
END_TEST

START_TEST(json_output)
{
	char *dir = make_repo("cli-json"), *out, *err;
	tu_write(dir, "flags/environments/prod/new-checkout.yaml",
		 "enabled: true\ndefault: onn\n");
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --root flags --worktree --format json"), 1);
	ck_assert_str_eq(out,
		"{\"diagnostics\":[{\"severity\":\"error\",\"file\":"
		"\"environments/prod/new-checkout.yaml\",\"line\":2,\"column\":10,"
		"\"message\":\"unknown variant 'onn' for flag 'new-checkout'; expected "
		"one of on, off\"}],\"errors\":1,\"warnings\":0}\n");
	free(out);
	free(err);
}
END_TEST

START_TEST(exit_codes)
{
	char *dir = make_repo("cli-exit"), *out, *err;
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --root flags --frobnicate"), 2);
	ck_assert_str_eq(err, "rsc validate: unknown option '--frobnicate'\n"
			      "Try 'rsc validate --help'.\n");
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --rev HEAD --worktree"), 2);
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --root flags --format yaml"), 2);
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --root flags --rev no-such-branch"), 3);
	ck_assert_ptr_nonnull(strstr(err, "cannot resolve revision 'no-such-branch'"));
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, "/", "validate --root /proc/self --rev HEAD"), 3);
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --help"), 0);
	ck_assert_ptr_nonnull(strstr(out, "Exit status: 0 valid, 1 invalid, 2 usage error"));
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, dir, "frobnicate"), 2);
	free(out);
	free(err);
}
END_TEST

START_TEST(lint_warns_without_failing)
{
	char *dir = make_repo("cli-lint"), *out, *err;
	tu_write(dir, "flags/new-checkout.yaml",
		 "key: new-checkout\ndescription: d\nowner: o\nexpires: 2026-01-31\n");
	tu_write(dir, "flags/environments/prod/new-checkout.yaml",
		 "enabled: true\nrules:\n  - name: all\n    serve: on\n"
		 "  - name: staff\n    serve: off\ndefault: off\n");
	ck_assert_int_eq(rsc(&out, &err, dir,
			     "lint --root flags --worktree --today 2026-06-01"), 0);
	ck_assert_ptr_nonnull(strstr(err, "new-checkout.yaml:4:10: warning: flag 'new-checkout' "
					  "expired on 2026-01-31; remove it or extend 'expires'"));
	ck_assert_ptr_nonnull(strstr(err, "warning: rule 'staff' can never match: rule 'all' "
					  "before it matches everyone"));
	ck_assert_str_eq(out, "flags (work tree): 1 flags, 0 segments, 2 environments: "
			      "valid, 2 warnings\n");
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, dir, "lint --root flags --today 1st-of-june"), 2);
	free(out);
	free(err);
}
END_TEST

Suite *cli_suite(void);
Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("validate");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, valid_at_head);
	tcase_add_test(tc, typo_reported_with_caret);
	tcase_add_test(tc, rev_versus_worktree);
	tcase_add_test(tc, github_annotations);
	tcase_add_test(tc, json_output);
	tcase_add_test(tc, exit_codes);
	tcase_add_test(tc, lint_warns_without_failing);
	suite_add_tcase(s, tc);
	return s;
}
