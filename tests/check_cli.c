/*
 * check_cli.c - `rsc validate` and `rsc lint` as a user runs them: exit
 * codes, the three output formats, reading a commit versus the work tree.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"


/* A repository whose flags/ ruleset is committed and valid. */
static char *make_repo(const char *name)
{
	char *dir = tu_checkout_repo(name);
	tu_git_commit(dir, "Add new-checkout", 1780000000L);
	return dir;
}

START_TEST(valid_at_head)
{
	char *dir = make_repo("cli-valid"), *out, *err;
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags"), 0);
	ck_assert_str_eq(out, "flags (HEAD): 1 flag, 0 segments, 2 environments: valid\n");
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
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags"), 1);
	/* One error, not also "missing required key 'enabled'"; the path opens
	 * from where rsc ran. */
	ck_assert_str_eq(err,
		"flags/environments/prod/new-checkout.yaml:1:1: error: unknown key 'enabeld' in "
		"targeting; did you mean 'enabled'?\n"
		"  enabeld: true\n"
		"  ^\n"
		"flags (HEAD): 1 error\n");
	free(out);
	free(err);
	/* From inside the ruleset, and with a trailing slash. */
	char sub[4200];
	snprintf(sub, sizeof sub, "%s/flags", dir);
	ck_assert_int_eq(tu_rsc(&out, &err, sub, "validate"), 1);
	ck_assert_int_eq(strncmp(err, "environments/prod/new-checkout.yaml:1:1: error: ", 48), 0);
	ck_assert_ptr_nonnull(strstr(err, ". (HEAD): 1 error\n"));
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags//"), 1);
	ck_assert_int_eq(strncmp(err, "flags/environments/prod/new-checkout.yaml:1:1: ", 47), 0);
	ck_assert_ptr_nonnull(strstr(err, "\nflags (HEAD): 1 error\n"));
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
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags"), 0);
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags --worktree"), 1);
	ck_assert_ptr_nonnull(strstr(err, "flags/environments/prod/new-checkout.yaml:1:10: error: "));
	free(out);
	free(err);
	/* And an older revision is read as it was. */
	tu_git_commit(dir, "Break it", 1780000200L);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags --rev HEAD~1"), 0);
	free(out);
	free(err);
}
END_TEST

START_TEST(github_annotations)
{
	char *dir = make_repo("cli-github"), *out, *err;
	tu_write(dir, "flags/environments/prod/new-checkout.yaml",
		 "enabled: true\ndefault: onn\n");
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags --worktree --format github"), 1);
	ck_assert_str_eq(out,
		"::error file=flags/environments/prod/new-checkout.yaml,line=2,col=10::"
		"unknown variant 'onn' for flag 'new-checkout'; expected one of on, off; "
		"did you mean 'on'?\n");
	free(out);
	free(err);
}
END_TEST

START_TEST(json_output)
{
	char *dir = make_repo("cli-json"), *out, *err;
	tu_write(dir, "flags/environments/prod/new-checkout.yaml",
		 "enabled: true\ndefault: onn\n");
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags --worktree --format json"), 1);
	ck_assert_str_eq(out,
		"{\"diagnostics\":[{\"severity\":\"error\",\"file\":"
		"\"flags/environments/prod/new-checkout.yaml\",\"line\":2,\"column\":10,"
		"\"message\":\"unknown variant 'onn' for flag 'new-checkout'; expected "
		"one of on, off; did you mean 'on'?\"}],\"errors\":1,\"warnings\":0}\n");
	free(out);
	free(err);
}
END_TEST

START_TEST(exit_codes)
{
	char *dir = make_repo("cli-exit"), *out, *err;
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags --frobnicate"), 2);
	ck_assert_str_eq(err, "rsc validate: unknown option '--frobnicate'\n"
			      "Try 'rsc validate --help'.\n");
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --rev HEAD --worktree"), 2);
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags --format yaml"), 2);
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags --rev no-such-branch"), 3);
	ck_assert_ptr_nonnull(strstr(err, "cannot resolve revision 'no-such-branch'"));
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, "/", "validate --root /proc/self --rev HEAD"), 3);
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --help"), 0);
	ck_assert_ptr_nonnull(strstr(out, "Exit status: 0 valid, 1 invalid, 2 usage error"));
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "frobnicate"), 2);
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
	ck_assert_int_eq(tu_rsc(&out, &err, dir,
				"lint --root flags --worktree --today 2026-06-01"), 0);
	ck_assert_ptr_nonnull(strstr(err, "new-checkout.yaml:4:10: warning: flag 'new-checkout' "
					  "expired on 2026-01-31; remove it or extend 'expires'\n"
					  "  expires: 2026-01-31\n           ^\n"));
	ck_assert_ptr_nonnull(strstr(err, "warning: rule 'staff' can never match: rule 'all' "
					  "before it matches everyone"));
	ck_assert_str_eq(out, "flags (work tree): 1 flag, 0 segments, 2 environments: "
			      "valid, 2 warnings\n");
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "lint --root flags --today 1st-of-june"), 2);
	free(out);
	free(err);
	/* A real calendar date. */
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "lint --root flags --today 2026-02-30"), 2);
	ck_assert_str_eq(err, "rsc lint: --today expects YYYY-MM-DD, found '2026-02-30'\n"
			      "Try 'rsc lint --help'.\n");
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "lint --root flags --worktree --today 2028-02-29"), 0);
	free(out);
	free(err);
}
END_TEST

/* An ordinary repository whose top is the ruleset: CI configuration, docs,
 * tooling and a link beside it. */
START_TEST(ruleset_at_repository_top)
{
	char *dir = tu_tmpdir("cli-top"), *out, *err;
	tu_git_init(dir);
	tu_write(dir, "rulestead.yaml", tu_rulestead);
	tu_write(dir, "new-checkout.yaml", tu_flag);
	tu_write(dir, "environments/prod/new-checkout.yaml", tu_targeting);
	tu_write(dir, ".github/workflows/ci.yml", "on: push\n");
	tu_write(dir, ".github/workflows/x.yaml", "on: push\n");
	tu_write(dir, ".pre-commit-config.yaml", "repos: []\n");
	tu_write(dir, "README.md", "# flags\n");
	tu_write(dir, ".gitignore", "node_modules/\n");
	ck_assert_int_eq(tu_sh("cd '%s' && ln -s README.md README", dir), 0);
	tu_git_commit(dir, "flags", 1780000000L);
	tu_write(dir, "node_modules/x/c.yaml", "c: 1\n");
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate"), 0);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(out, ". (HEAD): 1 flag, 0 segments, 2 environments: valid\n");
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --worktree"), 0);
	ck_assert_str_eq(err, "");
	free(out);
	free(err);

	/* A misplaced YAML file is still a mistake, and says where to put it. */
	tu_write(dir, "docs/example.yaml", "x: 1\n");
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --worktree"), 1);
	ck_assert_str_eq(err,
		"docs/example.yaml:1:1: error: unexpected file: a ruleset root holds only "
		"rulestead.yaml, <flag>.yaml, segments/<segment>.yaml, "
		"environments/<env>/<flag>.yaml and tests/<name>.yaml (rsc test's "
		"expectations); keep other YAML in a dot-directory (such as "
		".github/) or outside the ruleset root (rsc validate --root <dir>)\n"
		". (work tree): 1 error\n");
	free(out);
	free(err);
}
END_TEST

START_TEST(uncommitted_changes_noted)
{
	char *dir = make_repo("cli-dirty"), *out, *err;
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags"), 0);
	ck_assert_str_eq(err, "");
	free(out);
	free(err);
	tu_write(dir, "flags/environments/prod/new-checkout.yaml", "enabled: yes\n");
	tu_write(dir, "flags/segments/beta.yaml", "key: beta\n");
	tu_write(dir, "README.md", "outside the root\n");
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags"), 0);
	ck_assert_str_eq(err, "note: 2 uncommitted changes under flags/ are not checked; use "
			      "--worktree to check the files on disk\n");
	ck_assert_str_eq(out, "flags (HEAD): 1 flag, 0 segments, 2 environments: valid\n");
	free(out);
	free(err);
	/* Only for HEAD, only in text. */
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags --rev main"), 0);
	ck_assert_str_eq(err, "");
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags --format json"), 0);
	ck_assert_str_eq(err, "");
	free(out);
	free(err);
	ck_assert_int_eq(tu_sh("cd '%s' && rm flags/segments/beta.yaml", dir), 0);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags"), 0);
	ck_assert_str_eq(err, "note: 1 uncommitted change under flags/ is not checked; use "
			      "--worktree to check the files on disk\n");
	free(out);
	free(err);
}
END_TEST

START_TEST(wrong_root)
{
	char *dir = make_repo("cli-root"), *out, *err;
	/* The segments directory, or any other, instead of the root. */
	tu_write(dir, "flags/segments/beta.yaml", "key: beta\nwhen: {attribute: a, eq: b}\n");
	tu_git_commit(dir, "beta", 1780000100L);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags/segments"), 1);
	ck_assert_str_eq(err,
		"flags/segments/rulestead.yaml:1:1: error: missing rulestead.yaml: is "
		"'flags/segments' the ruleset root? (--root names the directory holding "
		"rulestead.yaml)\n"
		"flags/segments (HEAD): 1 error\n");
	free(out);
	free(err);
	/* On disk but not committed. */
	tu_write(dir, "newroot/rulestead.yaml", tu_rulestead);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root newroot"), 3);
	ck_assert_int_eq(strncmp(err, "error: 'newroot' does not exist in commit ", 42), 0);
	ck_assert_ptr_nonnull(strstr(err, " (use --worktree to read files on disk)\n"));
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root /nonexistent-rsc-root"), 3);
	ck_assert_str_eq(err, "error: '/nonexistent-rsc-root' does not exist\n");
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
	tcase_add_test(tc, ruleset_at_repository_top);
	tcase_add_test(tc, uncommitted_changes_noted);
	tcase_add_test(tc, wrong_root);
	suite_add_tcase(s, tc);
	return s;
}
