/*
 * check_diff.c - `rsc diff` on real git repositories: the exact sentences a
 * reviewer reads (splits with the traffic that moves, the kill switch, rules,
 * conditions, segments and who uses them, flags added and removed),
 * protected environments first, comments and layout as no change, the
 * markdown comment with its marker, the JSON fields, and the exit codes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char rulestead[] =
	"environments: [dev, staging, prod]\n"
	"protected: [prod]\n";

static const char checkout[] =
	"key: new-checkout\n"
	"description: The redesigned checkout flow.\n"
	"owner: team-payments\n"
	"type: boolean\n";

static const char banner[] =
	"key: banner\n"
	"description: A banner for beta testers.\n"
	"owner: team-web\n"
	"type: boolean\n";

static const char segment[] =
	"key: beta-testers\n"
	"description: Early adopters.\n"
	"when:\n"
	"  attribute: country\n"
	"  in: [DE, FR]\n";

static const char prod_checkout[] =
	"enabled: true\n"
	"rules:\n"
	"  - name: staff\n"
	"    when:\n"
	"      attribute: email\n"
	"      ends_with: \"@example.com\"\n"
	"    serve: on\n"
	"  - name: beta\n"
	"    when:\n"
	"      segment: beta-testers\n"
	"    serve: on\n"
	"default:\n"
	"  split: { on: 10, off: 90 }\n";

static const char staging_checkout[] =
	"enabled: true\n"
	"rules:\n"
	"  - name: eu-beta\n"
	"    when:\n"
	"      attribute: country\n"
	"      in: [DE, FR]\n"
	"    serve: on\n"
	"default: off\n";

static const char prod_banner[] =
	"enabled: true\n"
	"rules:\n"
	"  - name: beta\n"
	"    when:\n"
	"      segment: beta-testers\n"
	"    serve: on\n"
	"default: off\n";

/* A repository whose main has the ruleset under flags/ in one commit. */
static char *base_repo(const char *name)
{
	char *dir = tu_tmpdir(name);
	tu_git_init(dir);
	tu_write(dir, "flags/rulestead.yaml", rulestead);
	tu_write(dir, "flags/new-checkout.yaml", checkout);
	tu_write(dir, "flags/banner.yaml", banner);
	tu_write(dir, "flags/segments/beta-testers.yaml", segment);
	tu_write(dir, "flags/environments/prod/new-checkout.yaml", prod_checkout);
	tu_write(dir, "flags/environments/staging/new-checkout.yaml", staging_checkout);
	tu_write(dir, "flags/environments/dev/new-checkout.yaml", "enabled: true\ndefault: on\n");
	tu_write(dir, "flags/environments/prod/banner.yaml", prod_banner);
	tu_git_commit(dir, "Add the ruleset", 1780000000L);
	return dir;
}

/* Replaces old with new (once) in dir/rel. */
static void edit(const char *dir, const char *rel, const char *old, const char *new)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	char *text = tu_read(path, NULL);
	ck_assert_ptr_nonnull(text);
	char *at = strstr(text, old);
	ck_assert_msg(at != NULL, "'%s' not in %s", old, rel);
	size_t n = strlen(text) - strlen(old) + strlen(new) + 1;
	char *out = malloc(n);
	snprintf(out, n, "%.*s%s%s", (int)(at - text), text, new, at + strlen(old));
	tu_write(dir, rel, out);
	free(out);
	free(text);
}

/* rsc diff ARGS in dir: its exit status; stdout into *out (malloc'd). */
static int diff(char **out, char **err, const char *dir, const char *args)
{
	return tu_rsc(out, err, dir, "diff --root flags %s", args);
}

static char *short_id(const char *dir, const char *rev)
{
	char *id = tu_line("git -C '%s' rev-parse --short=7 '%s'", dir, rev);
	return id;
}

/* "Comparing HEAD~1@<id> → main@<id>\n" for the last commit of dir. */
static char *header(const char *dir)
{
	char *a = short_id(dir, "HEAD~1"), *b = short_id(dir, "HEAD");
	char *s = malloc(256);
	snprintf(s, 256, "Comparing HEAD~1@%s \xe2\x86\x92 main@%s\n", a, b);
	free(a);
	free(b);
	return s;
}

/* Asserts rsc diff (last commit against its parent) prints header, then
 * body exactly, and exits 1. */
static void assert_diff(const char *dir, const char *body)
{
	char *out, *err, *h = header(dir);
	ck_assert_int_eq(diff(&out, &err, dir, ""), 1);
	ck_assert_str_eq(err, "");
	ck_assert_uint_ge(strlen(out), strlen(h));
	ck_assert_msg(strncmp(out, h, strlen(h)) == 0, "header: %s", out);
	ck_assert_str_eq(out + strlen(h), body);
	free(out);
	free(err);
	free(h);
}

START_TEST(ramp_says_how_much_traffic_moves)
{
	char *dir = base_repo("diff-ramp");
	edit(dir, "flags/environments/prod/new-checkout.yaml", "on: 10, off: 90", "on: 25, off: 75");
	tu_git_commit(dir, "prod: checkout split 10% to 25%", 1780000100L);
	assert_diff(dir,
		    "prod (protected): new-checkout: default split on 10% \xe2\x86\x92 25% "
		    "(15% of traffic moves from off to on)\n"
		    "1 change, 1 in a protected environment\n");

	/* Swapping the order of the split's variants moves everyone's
	 * bucket range: the diff says so, although the shares are equal. */
	edit(dir, "flags/environments/prod/new-checkout.yaml", "on: 25, off: 75", "off: 75, on: 25");
	tu_git_commit(dir, "reorder", 1780000200L);
	assert_diff(dir,
		    "prod (protected): new-checkout: default split on 25% \xe2\x86\x92 25% "
		    "(25% of traffic moves from on to off, 25% from off to on)\n"
		    "1 change, 1 in a protected environment\n");

	/* The JSON gives the same change with its parts. */
	char *out;
	ck_assert_int_eq(diff(&out, NULL, dir, "HEAD~2 HEAD~1 --format json"), 1);
	ck_assert_ptr_nonnull(strstr(out, "\"changed\":true,\"protected_changes\":1,\"changes\":"
				     "[{\"kind\":\"split_changed\",\"environment\":\"prod\","
				     "\"protected\":true,\"flag\":\"new-checkout\",\"segment\":null,"
				     "\"rule\":null,\"text\":\"new-checkout: default split on 10% "
				     "\xe2\x86\x92 25% (15% of traffic moves from off to on)\","
				     "\"before\":\"split on 10%, off 90%\",\"after\":\"split on 25%, "
				     "off 75%\",\"moved\":[{\"from\":\"off\",\"to\":\"on\","
				     "\"percent\":15}]}]}\n"));
	char *a = tu_line("git -C '%s' rev-parse HEAD~2", dir);
	char want[256];
	snprintf(want, sizeof want, "{\"a\":{\"label\":\"HEAD~2@%.7s\",\"commit\":\"%s\","
		 "\"worktree\":false},", a, a);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s", out);
	free(a);
	free(out);
}
END_TEST

START_TEST(comments_and_layout_are_no_change)
{
	char *dir = base_repo("diff-nochange");
	/* A comment, another indentation, a flow list written as a block,
	 * quotes, a description and an owner: nothing that is compiled. */
	tu_write(dir, "flags/environments/staging/new-checkout.yaml",
		 "# Staging: EU beta first.\n"
		 "enabled: true   # the kill switch\n"
		 "rules:\n"
		 "- name: \"eu-beta\"\n"
		 "  when:\n"
		 "    attribute: country\n"
		 "    in:\n"
		 "      - DE\n"
		 "      - FR\n"
		 "  serve: on\n"
		 "\n"
		 "default: 'off'\n");
	edit(dir, "flags/new-checkout.yaml", "team-payments", "team-checkout");
	edit(dir, "flags/banner.yaml", "A banner", "The banner");
	tu_write(dir, "README.md", "Our flags.\n");
	tu_git_commit(dir, "Tidy up", 1780000100L);
	char *out, *err, *h = header(dir);
	ck_assert_int_eq(diff(&out, &err, dir, ""), 0);
	char want[512];
	snprintf(want, sizeof want, "%sno change to what is compiled (comments and formatting "
		 "do not count)\n", h);
	ck_assert_str_eq(out, want);
	ck_assert_str_eq(err, "");
	free(out);
	free(err);
	free(h);
}
END_TEST

START_TEST(kill_switch_rules_and_default)
{
	char *dir = base_repo("diff-rules");
	edit(dir, "flags/environments/prod/new-checkout.yaml", "enabled: true", "enabled: false");
	edit(dir, "flags/environments/staging/new-checkout.yaml", "in: [DE, FR]", "in: [DE, FR, NL]");
	edit(dir, "flags/environments/staging/new-checkout.yaml", "default: off", "default: on");
	/* dev: a rule added in front of everyone */
	tu_write(dir, "flags/environments/dev/new-checkout.yaml",
		 "enabled: true\n"
		 "rules:\n"
		 "  - name: testers\n"
		 "    when:\n"
		 "      attribute: plan\n"
		 "      eq: \"pro plan\"\n"
		 "    serve: off\n"
		 "default: on\n");
	tu_git_commit(dir, "Many things", 1780000100L);
	assert_diff(dir,
		    "prod (protected): new-checkout: kill switch engaged: everyone gets off\n"
		    "dev: new-checkout: rule 1 'testers' added: plan eq \"pro plan\" serves off\n"
		    "staging: new-checkout: rule 1 'eu-beta' condition changed: country in [DE, FR] "
		    "\xe2\x86\x92 [DE, FR, NL]\n"
		    "staging: new-checkout: default serve changed: off \xe2\x86\x92 on\n"
		    "4 changes, 1 in a protected environment\n");

	/* Rules removed and reordered, the kill switch released. */
	tu_write(dir, "flags/environments/prod/new-checkout.yaml",
		 "enabled: true\n"
		 "rules:\n"
		 "  - name: beta\n"
		 "    when:\n"
		 "      segment: beta-testers\n"
		 "    serve: on\n"
		 "  - name: staff\n"
		 "    when:\n"
		 "      attribute: email\n"
		 "      ends_with: \"@example.com\"\n"
		 "    serve: on\n"
		 "default:\n"
		 "  split: { on: 10, off: 90 }\n");
	tu_write(dir, "flags/environments/dev/new-checkout.yaml", "enabled: true\ndefault: on\n");
	tu_git_commit(dir, "Undo", 1780000200L);
	assert_diff(dir,
		    "prod (protected): new-checkout: kill switch released: the rules serve again\n"
		    "prod (protected): new-checkout: rule 'beta' moved: 2 \xe2\x86\x92 1 (rules are "
		    "tried in order)\n"
		    "prod (protected): new-checkout: rule 'staff' moved: 1 \xe2\x86\x92 2 (rules are "
		    "tried in order)\n"
		    "dev: new-checkout: rule 1 'testers' removed (it was: plan eq \"pro plan\" serves "
		    "off)\n"
		    "4 changes, 3 in protected environments\n");
}
END_TEST

START_TEST(segments_flags_and_environments)
{
	char *dir = base_repo("diff-segments");
	edit(dir, "flags/segments/beta-testers.yaml", "in: [DE, FR]", "in: [DE, FR, NL]");
	/* A flag added (configured in staging), one removed. */
	tu_write(dir, "flags/dark-mode.yaml",
		 "key: dark-mode\ndescription: Dark.\nowner: team-web\ntype: string\n"
		 "variants:\n  dark: \"#000\"\n  light: \"#fff\"\noff_variant: light\n");
	tu_write(dir, "flags/environments/staging/dark-mode.yaml",
		 "enabled: true\n"
		 "requires:\n"
		 "  - flag: new-checkout\n"
		 "    variant: on\n"
		 "default: dark\n");
	tu_sh("rm '%s/flags/banner.yaml' '%s/flags/environments/prod/banner.yaml'", dir, dir);
	tu_git_commit(dir, "Segments and flags", 1780000100L);
	assert_diff(dir,
		    "staging: dark-mode: configured: enabled, requires new-checkout is on, 0 rules, "
		    "default dark\n"
		    "segment beta-testers changed: country in [DE, FR] \xe2\x86\x92 [DE, FR, NL] "
		    "(used by 1 flag in prod)\n"
		    "flag banner removed (it was configured in prod)\n"
		    "flag dark-mode added (string: dark, light)\n"
		    "4 changes\n");

	/* The segment used by two flags in prod, one in staging; an
	 * environment made protected. */
	tu_write(dir, "flags/environments/prod/banner.yaml", prod_banner);
	tu_write(dir, "flags/banner.yaml", banner);
	tu_git_commit(dir, "banner back", 1780000200L);
	edit(dir, "flags/environments/staging/new-checkout.yaml",
	     "attribute: country\n      in: [DE, FR]", "segment: beta-testers");
	edit(dir, "flags/segments/beta-testers.yaml", "country", "region");
	edit(dir, "flags/rulestead.yaml", "[prod]", "[staging, prod]");
	tu_git_commit(dir, "more", 1780000300L);
	assert_diff(dir,
		    "staging (protected): now protected\n"
		    "staging (protected): new-checkout: rule 1 'eu-beta' condition changed: "
		    "country in [DE, FR] \xe2\x86\x92 segment beta-testers\n"
		    "segment beta-testers changed: country in [DE, FR, NL] \xe2\x86\x92 region in "
		    "[DE, FR, NL] (used by 1 flag in staging, 2 flags in prod)\n"
		    "3 changes, 2 in protected environments\n");

	/* --env: one environment and the whole ruleset. */
	char *out;
	ck_assert_int_eq(diff(&out, NULL, dir, "--env prod"), 1);
	ck_assert_ptr_nonnull(strstr(out, "\nsegment beta-testers changed: country in [DE, FR, NL] "
				     "\xe2\x86\x92 region in [DE, FR, NL] (used by 2 flags in "
				     "prod)\n1 change\n"));
	free(out);
}
END_TEST

START_TEST(schedules_and_prerequisites)
{
	char *dir = base_repo("diff-schedule");
	edit(dir, "flags/environments/staging/new-checkout.yaml", "default: off",
	     "default:\n"
	     "  schedule:\n"
	     "    - at: 2026-12-01T09:00:00Z\n"
	     "      split: { on: 5, off: 95 }\n"
	     "    - at: 2026-12-08T10:00:00+01:00\n"
	     "      variant: on\n");
	edit(dir, "flags/environments/prod/banner.yaml", "enabled: true\n",
	     "enabled: true\nrequires:\n  - flag: new-checkout\n    variant: on\n");
	tu_git_commit(dir, "Schedule and prerequisite", 1780000100L);
	assert_diff(dir,
		    "prod (protected): banner: prerequisites changed: none \xe2\x86\x92 "
		    "new-checkout is on\n"
		    "staging: new-checkout: default schedule changed: off \xe2\x86\x92 schedule: "
		    "on 5%, off 95% from 2026-12-01T09:00:00Z, on from 2026-12-08T09:00:00Z\n"
		    "2 changes, 1 in a protected environment\n");
	/* The same schedule written with other offsets is no change. */
	edit(dir, "flags/environments/staging/new-checkout.yaml", "2026-12-01T09:00:00Z",
	     "2026-12-01T10:00:00+01:00");
	tu_git_commit(dir, "Same instant", 1780000200L);
	char *out;
	ck_assert_int_eq(diff(&out, NULL, dir, ""), 0);
	free(out);
}
END_TEST

START_TEST(protected_first_and_worktree)
{
	char *dir = base_repo("diff-order");
	/* dev comes first in rulestead.yaml; prod is protected: prod first. */
	edit(dir, "flags/environments/dev/new-checkout.yaml", "default: on", "default: off");
	edit(dir, "flags/environments/prod/banner.yaml", "default: off", "default: on");
	char *out, *err;
	ck_assert_int_eq(diff(&out, &err, dir, "--worktree"), 1);
	char *head = short_id(dir, "HEAD");
	char want[1024];
	/* No upstream: the work tree is compared with HEAD. */
	snprintf(want, sizeof want,
		 "Comparing HEAD@%s \xe2\x86\x92 work tree\n"
		 "prod (protected): banner: default serve changed: off \xe2\x86\x92 on\n"
		 "dev: new-checkout: default serve changed: on \xe2\x86\x92 off\n"
		 "2 changes, 1 in a protected environment\n", head);
	ck_assert_str_eq(out, want);
	free(out);
	free(err);
	free(head);
}
END_TEST

START_TEST(free_text_stays_on_its_line)
{
	char *dir = base_repo("diff-hostile");
	/* A rule's name is free text: a newline or an escape sequence in it
	 * must not start a line of its own nor reach the terminal. */
	edit(dir, "flags/environments/staging/new-checkout.yaml", "name: eu-beta",
	     "name: \"eu\\nprod (protected): all clear\\e[2J\"");
	tu_git_commit(dir, "hostile name", 1780000100L);
	assert_diff(dir,
		    "staging: new-checkout: rule 1 'eu\\nprod (protected): all clear\\x1b[2J' "
		    "added: country in [DE, FR] serves on\n"
		    "staging: new-checkout: rule 1 'eu-beta' removed (it was: country in [DE, FR] "
		    "serves on)\n"
		    "2 changes\n");
}
END_TEST

START_TEST(markdown_comment)
{
	char *dir = base_repo("diff-markdown");
	/* A value that would be markup, or hide the marker, stays text. */
	edit(dir, "flags/environments/prod/new-checkout.yaml", "\"@example.com\"",
	     "\"<!-- rulestead-diff --> *x*\"");
	tu_git_commit(dir, "hostile", 1780000100L);
	char *out, *a = short_id(dir, "HEAD~1"), *b = short_id(dir, "HEAD");
	ck_assert_int_eq(diff(&out, NULL, dir, "--format markdown"), 1);
	char want[1024];
	snprintf(want, sizeof want,
		 "<!-- rulestead-diff -->\n"
		 "### Rulestead: 1 change, 1 in a protected environment\n"
		 "\n"
		 "Comparing HEAD\\~1@%s \xe2\x86\x92 main@%s\n"
		 "\n"
		 "#### prod (protected)\n"
		 "\n"
		 "- new-checkout: rule 1 'staff' condition changed: email ends\\_with "
		 "\"@example.com\" \xe2\x86\x92 \"\\<!-- rulestead-diff --\\> \\*x\\*\"\n", a, b);
	ck_assert_str_eq(out, want);
	free(out);
	/* No change: still one body with the marker, for the bot to update. */
	ck_assert_int_eq(diff(&out, NULL, dir, "HEAD HEAD --format markdown"), 0);
	snprintf(want, sizeof want,
		 "<!-- rulestead-diff -->\n"
		 "### Rulestead: no change\n"
		 "\n"
		 "Comparing HEAD@%s \xe2\x86\x92 HEAD@%s\n"
		 "\n"
		 "Nothing that is compiled changed (comments and formatting do not count).\n",
		 b, b);
	ck_assert_str_eq(out, want);
	free(out);
	free(a);
	free(b);
}
END_TEST

START_TEST(exit_codes_and_refusals)
{
	char *dir = base_repo("diff-exits");
	char *out, *err;
	/* The first commit has no parent. */
	ck_assert_int_eq(diff(&out, &err, dir, ""), 3);
	char *id = short_id(dir, "HEAD");
	char want[512];
	snprintf(want, sizeof want, "rsc diff: HEAD (%s) is the first commit: there is no "
		 "HEAD~1 to compare with; name REV_A, or use --worktree\n", id);
	ck_assert_str_eq(err, want);
	ck_assert_str_eq(out, "");
	free(out);
	free(err);
	/* A revision that does not resolve. */
	ck_assert_int_eq(diff(&out, &err, dir, "nope"), 3);
	ck_assert_msg(strncmp(err, "rsc diff: cannot resolve revision 'nope': ", 42) == 0, "%s", err);
	free(out);
	free(err);
	/* Usage. */
	ck_assert_int_eq(diff(&out, &err, dir, "a b c"), 2);
	ck_assert_str_eq(err, "rsc diff: unexpected argument 'c': give at most two revisions\n"
			 "Try 'rsc diff --help'.\n");
	free(out);
	free(err);
	ck_assert_int_eq(diff(&out, &err, dir, "--format github"), 2);
	ck_assert_str_eq(err, "rsc diff: unknown --format 'github'; expected text, json or "
			 "markdown\nTry 'rsc diff --help'.\n");
	free(out);
	free(err);
	ck_assert_int_eq(diff(&out, &err, dir, "HEAD HEAD --worktree"), 2);
	free(out);
	free(err);
	ck_assert_int_eq(diff(&out, &err, dir, "HEAD --env qa"), 2);
	ck_assert_str_eq(err, "rsc diff: no environment 'qa' on either side; the environments "
			 "are dev, staging, prod\nTry 'rsc diff --help'.\n");
	free(out);
	free(err);
	/* An invalid side: its problems, at file:line:col, and exit 4. */
	edit(dir, "flags/environments/prod/banner.yaml", "enabled: true", "enabeld: true");
	ck_assert_int_eq(diff(&out, &err, dir, "--worktree"), 4);
	ck_assert_str_eq(out, "");
	ck_assert_msg(strncmp(err, "rsc diff: side B (work tree) is not a valid ruleset:\n"
			      "flags/environments/prod/banner.yaml:1:1: error: unknown key "
			      "'enabeld' in targeting; did you mean 'enabled'?\n", 150) == 0,
		      "%s", err);
	free(out);
	free(err);
	/* --help */
	ck_assert_int_eq(tu_rsc(&out, NULL, dir, "diff --help"), 0);
	ck_assert_msg(strncmp(out, "usage: rsc diff [REV_A [REV_B]]", 31) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "4 a side is not a valid ruleset"));
	free(out);
	free(id);
}
END_TEST

Suite *diff_suite(void); /* called by the runner */
Suite *diff_suite(void)
{
	Suite *s = suite_create("diff");
	TCase *tc = tcase_create("diff");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ramp_says_how_much_traffic_moves);
	tcase_add_test(tc, comments_and_layout_are_no_change);
	tcase_add_test(tc, kill_switch_rules_and_default);
	tcase_add_test(tc, segments_flags_and_environments);
	tcase_add_test(tc, schedules_and_prerequisites);
	tcase_add_test(tc, protected_first_and_worktree);
	tcase_add_test(tc, free_text_stays_on_its_line);
	tcase_add_test(tc, markdown_comment);
	tcase_add_test(tc, exit_codes_and_refusals);
	suite_add_tcase(s, tc);
	return s;
}
