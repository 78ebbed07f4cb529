/*
 * check_expect.c - `rsc test` and `rsc explain --root` as a user runs them,
 * on real repositories made with git: expectations that hold and fail (with
 * file:line and the trace), at a commit and in the work tree, the github
 * and junit reports, expectation files with mistakes (each message and its
 * line:col), and explaining from source with no key and nothing written.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char *pins =
	"- name: staff get it\n"
	"  environment: prod\n"
	"  flag: new-checkout\n"
	"  context: { targeting_key: u1, email: ada@example.com }\n"
	"  expect: { variant: on, reason: TARGETING_MATCH }\n"
	"- name: others do not\n"
	"  environment: prod\n"
	"  flag: new-checkout\n"
	"  context: { targeting_key: u2, email: bob@elsewhere.org }\n"
	"  expect: { value: false }\n";

/* A repository whose flags/ ruleset and its expectations are committed. */
static char *make_repo(const char *name)
{
	char *dir = tu_checkout_repo(name);
	tu_write(dir, "flags/environments/dev/new-checkout.yaml", tu_targeting);
	tu_write(dir, "flags/tests/pin.yaml", pins);
	tu_git_commit(dir, "Add new-checkout", 1780000000L);
	return dir;
}

/* pins with the second expectation turned around: it fails. */
static void break_second(const char *dir)
{
	char *broken = strdup(pins), *at = strstr(broken, "value: false");
	memcpy(at, "value: true ", 12);
	tu_write(dir, "flags/tests/pin.yaml", broken);
	free(broken);
}

static const char *trace_of_second =
	"    flag new-checkout (boolean) in environment prod, snapshot version 0, commit "
	"worktree\n"
	"    defined at new-checkout.yaml:1; targeting in environments/prod/new-checkout.yaml\n"
	"    context: targeting_key \"u2\"; email = \"bob@elsewhere.org\"\n"
	"    rule 1 \"staff\" (environments/prod/new-checkout.yaml:3): no match: email = "
	"\"bob@elsewhere.org\" does not end with \"@example.com\"\n"
	"    default (environments/prod/new-checkout.yaml:8): serve off\n"
	"    result: value false, variant off, reason DEFAULT "
	"(environments/prod/new-checkout.yaml:8)\n";

START_TEST(bundled_expectations_pass)
{
	char *out, *err;
	/* The example ruleset's own expectations (flags/tests/) hold. */
	ck_assert_int_eq(tu_rsc(&out, &err, ".", "test --root flags --worktree"), 0);
	const char *last = strrchr(out, '\n');
	ck_assert_ptr_nonnull(last);
	ck_assert_ptr_nonnull(strstr(out, "flags (work tree): "));
	ck_assert_ptr_nonnull(strstr(out, " 0 failed\n"));
	ck_assert_ptr_null(strstr(out, "FAIL"));
	ck_assert_str_eq(err, "");
	free(out);
	free(err);
}
END_TEST

START_TEST(pass_at_head)
{
	char *dir = make_repo("expect-pass"), *out, *err;
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "test --root flags"), 0);
	ck_assert_str_eq(out, "ok   flags/tests/pin.yaml:1: staff get it\n"
			      "ok   flags/tests/pin.yaml:6: others do not\n"
			      "flags (HEAD): 2 expectations in 1 file: 2 passed, 0 failed\n");
	ck_assert_str_eq(err, "");
	free(out);
	free(err);
}
END_TEST

START_TEST(failure_shows_file_line_and_trace)
{
	char *dir = make_repo("expect-fail"), *out, *err;
	break_second(dir);
	/* HEAD still holds; the work tree (protected prod too) does not. */
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "test --root flags"), 0);
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "test --root flags --worktree"), 1);
	char *want = malloc(4096);
	snprintf(want, 4096,
		 "ok   flags/tests/pin.yaml:1: staff get it\n"
		 "FAIL flags/tests/pin.yaml:6: others do not: expected value true, got false "
		 "(variant off, reason DEFAULT)\n%s"
		 "flags (work tree): 2 expectations in 1 file: 1 passed, 1 failed\n",
		 trace_of_second);
	ck_assert_str_eq(out, want);
	ck_assert_str_eq(err, "");
	/* Committed, the failure is CI's: rsc test at HEAD now refuses it. */
	tu_git_commit(dir, "Break the pin", 1780000100L);
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "test --root flags"), 1);
	ck_assert_ptr_nonnull(strstr(out, "FAIL flags/tests/pin.yaml:6: others do not: "));
	free(want);
	free(out);
	free(err);
}
END_TEST

START_TEST(shallow_clone)
{
	/* CI checks a pull request out with fetch-depth 1: too shallow for a
	 * snapshot's version, which a review does not need. */
	char *dir = make_repo("expect-shallow-src"), *out, *err;
	tu_git_commit(dir, "Second", 1780000100L);
	char *clone = tu_tmpdir("expect-shallow");
	ck_assert_int_eq(tu_sh("rmdir '%s' && git clone -q --depth 1 'file://%s' '%s'", clone,
			       dir, clone), 0);
	ck_assert_int_eq(tu_rsc(&out, &err, clone, "test --root flags"), 0);
	ck_assert_str_eq(out, "ok   flags/tests/pin.yaml:1: staff get it\n"
			      "ok   flags/tests/pin.yaml:6: others do not\n"
			      "flags (HEAD): 2 expectations in 1 file: 2 passed, 0 failed\n");
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, clone, "explain --root flags --env prod --flag "
				"new-checkout email=ada@example.com"), 0);
	ck_assert_ptr_nonnull(strstr(out, "reason TARGETING_MATCH"));
	free(out);
	free(err);
}
END_TEST

START_TEST(github_annotation)
{
	char *dir = make_repo("expect-github"), *out, *err;
	break_second(dir);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "test --root flags --worktree --format github"), 1);
	/* One annotation on the expectation's line, the trace inside it; the
	 * path is the repository's, so it lands on the pull request's diff. */
	const char *want =
		"::error file=flags/tests/pin.yaml,line=6,col=3,title=rsc test%3A others do "
		"not::expected value true, got false (variant off, reason DEFAULT)%0Aflag "
		"new-checkout (boolean) in environment prod, snapshot version 0, commit worktree"
		"%0Adefined at ";
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "reason DEFAULT (environments/prod/new-checkout.yaml:8)\n"
					  "flags (work tree): 2 expectations"));
	/* Exactly one annotation line: the trace's newlines are escaped. */
	ck_assert_int_eq(strstr(out, "\n") - out,
			 strstr(out, "\nflags (work tree)") - out);
	free(out);
	free(err);
}
END_TEST

START_TEST(junit_report)
{
	char *dir = make_repo("expect-junit"), *out, *err;
	break_second(dir);
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "test --root flags --worktree --format junit > '%s/junit.xml'",
		 dir);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "%s", cmd), 1);
	ck_assert_str_eq(err, "flags (work tree): 2 expectations in 1 file: 1 passed, 1 failed\n");
	free(out);
	free(err);
	char path[4096];
	snprintf(path, sizeof path, "%s/junit.xml", dir);
	char *xml = tu_read(path, NULL);
	ck_assert_ptr_nonnull(xml);
	ck_assert_ptr_nonnull(strstr(xml, "<testsuites name=\"rsc test\" tests=\"2\" "
					  "failures=\"1\" errors=\"0\">\n"));
	ck_assert_ptr_nonnull(strstr(xml, "<testcase classname=\"tests/pin.yaml\" name=\"staff "
					  "get it\" file=\"flags/tests/pin.yaml\" line=\"1\"/>\n"));
	ck_assert_ptr_nonnull(strstr(xml, "<failure message=\"expected value true, got false "
					  "(variant off, reason DEFAULT)\" type=\"expectation\">"
					  "flag new-checkout"));
	ck_assert_ptr_nonnull(strstr(xml, "context: targeting_key &quot;u2&quot;;"));
	free(xml);
	/* Well-formed, by an XML parser that is not ours. */
	char check[8192];
	snprintf(check, sizeof check, "/usr/bin/python3 -c 'import sys, xml.dom.minidom as m; "
		 "d = m.parse(sys.argv[1]); print(len(d.getElementsByTagName(\"testcase\")))' "
		 "'%s'", path);
	ck_assert_int_eq(tu_run(check, &out, &err), 0);
	ck_assert_str_eq(out, "2\n");
	free(out);
	free(err);
}
END_TEST

/* Each expectation file with one mistake, and the one error it gets. */
static const struct {
	const char *yaml;
	const char *error;
} mistakes[] = {
	{ "- name: x\n  enviroment: prod\n  flag: new-checkout\n  expect: { variant: on }\n",
	  "flags/tests/bad.yaml:2:3: error: unknown key 'enviroment' in an expectation; did you "
	  "mean 'environment'?" },
	{ "- name: x\n  environment: prd\n  flag: new-checkout\n  expect: { variant: on }\n",
	  "flags/tests/bad.yaml:2:16: error: unknown environment 'prd'; the ruleset has dev, "
	  "prod; did you mean 'prod'?" },
	{ "- name: x\n  environment: prod\n  flag: new-chekout\n  expect: { variant: on }\n",
	  "flags/tests/bad.yaml:3:9: error: unknown flag 'new-chekout'; did you mean "
	  "'new-checkout'?" },
	{ "- name: x\n  environment: prod\n  flag: new-checkout\n  expect: { variant: onn }\n",
	  "flags/tests/bad.yaml:4:22: error: flag 'new-checkout' has no variant 'onn'; its "
	  "variants are on, off; did you mean 'on'?" },
	{ "- name: x\n  environment: prod\n  flag: new-checkout\n  expect: { variant: on, "
	  "reason: split }\n",
	  "flags/tests/bad.yaml:4:34: error: unknown reason 'split'; expected one of STATIC, "
	  "DEFAULT, TARGETING_MATCH, SPLIT, DISABLED, ERROR, PREREQUISITE_FAILED; did you mean "
	  "'SPLIT'?" },
	{ "- name: x\n  environment: prod\n  flag: new-checkout\n  expect: { value: yes }\n",
	  "flags/tests/bad.yaml:4:20: error: 'yes' is not a boolean: write true or false "
	  "(YAML 1.1 would read it as true)" },
	{ "- name: x\n  environment: prod\n  flag: new-checkout\n  context: { targeting_key: 7 "
	  "}\n  expect: { variant: on }\n",
	  "flags/tests/bad.yaml:4:29: error: context: \"targeting_key\" must be a string" },
	{ "- name: x\n  environment: prod\n  flag: new-checkout\n  context: { country: [1] }\n"
	  "  expect: { variant: on }\n",
	  "flags/tests/bad.yaml:4:24: error: context attribute 'country' is a list: it holds "
	  "only strings, found the integer 1; quote it" },
	{ "- name: x\n  environment: prod\n  flag: new-checkout\n  now: 2026-12-01\n"
	  "  expect: { variant: on }\n",
	  "flags/tests/bad.yaml:4:8: error: invalid time '2026-12-01' for 'now': expected an "
	  "RFC 3339 time with an offset, like 2026-12-01T09:00:00Z" },
	{ "- name: x\n  environment: prod\n  flag: new-checkout\n  expect: { reason: DEFAULT }\n",
	  "flags/tests/bad.yaml:4:11: error: 'expect' names no variant and no value: give "
	  "variant:, value: or both (and optionally reason:)" },
	{ "- name: x\n  environment: prod\n  flag: new-checkout\n  context: { environment: dev "
	  "}\n  expect: { variant: on }\n",
	  "flags/tests/bad.yaml:4:27: error: the context's environment 'dev' is not the "
	  "expectation's environment 'prod'; drop it from the context" },
	{ "- name: x\n  environment: prod\n  flag: new-checkout\n  expect: { variant: on }\n"
	  "- name: x\n  environment: dev\n  flag: new-checkout\n  expect: { variant: on }\n",
	  "flags/tests/bad.yaml:5:9: error: duplicate expectation name 'x' (first at 1:3)" },
	{ "name: x\nenvironment: prod\n",
	  "flags/tests/bad.yaml:1:1: error: expected a list for an expectation file (a list of "
	  "expectations), found a mapping" },
	{ "- name: x\n  environment: prod\n  flag: new-checkout\n  expect: { variant: on }\n"
	  "  expect: { variant: off }\n",
	  "flags/tests/bad.yaml:5:3: error: duplicate key 'expect' (first at 4:3)" },
};

START_TEST(mistakes_in_expectation_files)
{
	char *dir = make_repo("expect-mistakes"), *out, *err;
	tu_write(dir, "flags/tests/bad.yaml", mistakes[_i].yaml);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "test --root flags --worktree"), 1);
	ck_assert_str_eq(out, "");
	/* The first line of the report is the error; the source line and caret
	 * follow, then the count. */
	char *nl = strchr(err, '\n');
	ck_assert_ptr_nonnull(nl);
	*nl = 0;
	ck_assert_str_eq(err, mistakes[_i].error);
	ck_assert_ptr_nonnull(strstr(nl + 1, "flags (work tree): 1 error in expectation files; "
					     "no expectation run\n"));
	free(out);
	free(err);
}
END_TEST

START_TEST(no_expectations_and_invalid_ruleset)
{
	char *dir = make_repo("expect-none"), *out, *err;
	ck_assert_int_eq(tu_sh("rm -r '%s/flags/tests'", dir), 0);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "test --root flags --worktree"), 0);
	ck_assert_str_eq(out, "flags (work tree): no expectation files (tests/<name>.yaml); "
			      "nothing to test\n");
	free(out);
	free(err);
	/* An invalid ruleset: its diagnostics, and no expectation run. */
	tu_write(dir, "flags/environments/prod/new-checkout.yaml", "enabeld: true\ndefault: off\n");
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "test --root flags --worktree"), 1);
	ck_assert_ptr_nonnull(strstr(err, "flags/environments/prod/new-checkout.yaml:1:1: error: "
					  "unknown key 'enabeld'"));
	ck_assert_ptr_nonnull(strstr(err, "flags (work tree): the ruleset is invalid; no "
					  "expectation run\n"));
	free(out);
	free(err);
	/* Usage. */
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "test --root flags --format xml"), 2);
	ck_assert_ptr_nonnull(strstr(err, "unknown --format 'xml'; expected text, github or "
					  "junit"));
	free(out);
	free(err);
}
END_TEST

START_TEST(tests_directory_is_not_the_ruleset)
{
	char *dir = make_repo("expect-layout"), *out, *err;
	/* tests/<name>.yaml is rsc test's, not a flag; deeper YAML is a mistake. */
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags"), 0);
	ck_assert_str_eq(out, "flags (HEAD): 1 flag, 0 segments, 2 environments: valid\n");
	free(out);
	free(err);
	tu_write(dir, "flags/tests/more/x.yaml", "- name: y\n");
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "validate --root flags --worktree"), 1);
	ck_assert_ptr_nonnull(strstr(err, "flags/tests/more/x.yaml:1:1: error: unexpected file"));
	free(out);
	free(err);
}
END_TEST

START_TEST(explain_from_source)
{
	char *dir = make_repo("explain-source"), *out, *err;
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "explain --root flags --env prod --flag "
				"new-checkout targeting_key=u1 email=ada@example.com"), 0);
	ck_assert_ptr_nonnull(strstr(out, "flag new-checkout (boolean) in environment prod, "
					  "snapshot version "));
	ck_assert_ptr_nonnull(strstr(out, "result: value true, variant on, reason "
					  "TARGETING_MATCH, rule 1 \"staff\" "
					  "(environments/prod/new-checkout.yaml:3)\n"));
	free(out);
	free(err);
	/* The work tree, protected prod included: a reviewer's edit, no key. */
	tu_write(dir, "flags/environments/prod/new-checkout.yaml", "enabled: true\ndefault: on\n");
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "explain --root flags --worktree --env prod "
				"--flag new-checkout targeting_key=u2"), 0);
	ck_assert_ptr_nonnull(strstr(out, "commit worktree\n"));
	ck_assert_ptr_nonnull(strstr(out, "result: value true, variant on, reason STATIC"));
	free(out);
	free(err);
	/* Nothing was written: the only change is the edit. */
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "git -C '%s' status --porcelain --untracked-files=all", dir);
	ck_assert_int_eq(tu_run(cmd, &out, &err), 0);
	ck_assert_str_eq(out, " M flags/environments/prod/new-checkout.yaml\n");
	free(out);
	free(err);
	/* Refusals, each with what to do. */
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "explain --root flags --env prd --flag "
				"new-checkout"), 2);
	ck_assert_str_eq(err, "rsc explain: unknown environment 'prd'; the ruleset has dev, "
			      "prod; did you mean 'prod'?\nTry 'rsc explain --help'.\n");
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "explain --root flags --env prod --flag "
				"new-chekout"), 1);
	ck_assert_str_eq(err, "rsc explain: no flag 'new-chekout' in environment 'prod' of "
			      "flags (HEAD); did you mean 'new-checkout'?\n");
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "explain --snapshot x.rsnap --env prod --flag "
				"new-checkout"), 2);
	ck_assert_ptr_nonnull(strstr(err, "give one or the other"));
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "explain --root flags --flag new-checkout"), 2);
	ck_assert_ptr_nonnull(strstr(err, "which snapshot? give --snapshot FILE --pub KEY, or "
					  "--env ENV"));
	free(out);
	free(err);
}
END_TEST

Suite *expect_suite(void);
Suite *expect_suite(void)
{
	Suite *s = suite_create("expect");
	TCase *tc = tcase_create("rsc test");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, bundled_expectations_pass);
	tcase_add_test(tc, pass_at_head);
	tcase_add_test(tc, failure_shows_file_line_and_trace);
	tcase_add_test(tc, shallow_clone);
	tcase_add_test(tc, github_annotation);
	tcase_add_test(tc, junit_report);
	tcase_add_loop_test(tc, mistakes_in_expectation_files, 0,
			    (int)(sizeof mistakes / sizeof mistakes[0]));
	tcase_add_test(tc, no_expectations_and_invalid_ruleset);
	tcase_add_test(tc, tests_directory_is_not_the_ruleset);
	tcase_add_test(tc, explain_from_source);
	suite_add_tcase(s, tc);
	return s;
}
