/*
 * check_log.c - `rsc log` on a real history made with git: newest first,
 * author, date and subject with the change in words; commits that do not
 * change what is compiled left out; a merge read first-parent; a revert
 * naming what it reverts; a shallow clone saying where history stops;
 * FLAG, --env, --since and the JSON.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define ARROW "\xe2\x86\x92"

static const char flag_def[] =
	"key: new-checkout\n"
	"description: The redesigned checkout flow.\n"
	"owner: team-payments\n"
	"type: boolean\n";

static const char other_def[] =
	"key: banner\n"
	"description: A banner.\n"
	"owner: team-web\n"
	"type: boolean\n";

static void targeting(const char *dir, const char *env, const char *flag, int on)
{
	char rel[256], text[256];
	snprintf(rel, sizeof rel, "flags/environments/%s/%s.yaml", env, flag);
	snprintf(text, sizeof text, "enabled: true\ndefault:\n  split: { on: %d, off: %d }\n",
		 on, 100 - on);
	tu_write(dir, rel, text);
}

/* Who commits next (author and committer). */
static void as(const char *dir, const char *name, const char *email)
{
	ck_assert_int_eq(tu_sh("git -C '%s' config user.name '%s' && "
			       "git -C '%s' config user.email '%s'", dir, name, dir, email), 0);
}

/*
 * main's history, oldest first:
 *   2026-05-28 Ann   Add the ruleset         (new-checkout 10% in prod and staging)
 *   2026-05-29 Ann   Add a README            (no ruleset file)
 *   2026-05-30 Bob   Ramp prod to 25%        (merge of branch ramp, --no-ff)
 *   2026-05-31 Ann   Comment the prod file   (a comment only)
 *   2026-06-01 Cleo  Add banner in staging
 *   2026-06-02 Cleo  Revert "Ramp prod to 25%"  (git revert -m 1 of the merge)
 */
static char *history(const char *name)
{
	char *dir = tu_tmpdir(name);
	tu_git_init(dir);
	as(dir, "Ann Author", "ann@example.com");
	tu_write(dir, "flags/rulestead.yaml", "environments: [staging, prod]\nprotected: [prod]\n");
	tu_write(dir, "flags/new-checkout.yaml", flag_def);
	targeting(dir, "prod", "new-checkout", 10);
	targeting(dir, "staging", "new-checkout", 10);
	tu_git_commit(dir, "Add the ruleset", 1780000000L);
	tu_write(dir, "README.md", "Flags.\n");
	tu_git_commit(dir, "Add a README", 1780086400L);
	ck_assert_int_eq(tu_sh("git -C '%s' checkout -q -b ramp", dir), 0);
	as(dir, "Bob Builder", "bob@example.com");
	targeting(dir, "prod", "new-checkout", 20);
	tu_git_commit(dir, "Ramp prod to 20%", 1780100000L);
	targeting(dir, "prod", "new-checkout", 25);
	tu_git_commit(dir, "Ramp prod to 25% after all", 1780110000L);
	ck_assert_int_eq(tu_sh("cd '%s' && git checkout -q main && "
			       "GIT_AUTHOR_DATE='@1780172800 +0000' "
			       "GIT_COMMITTER_DATE='@1780172800 +0000' "
			       "git merge -q --no-ff -m 'Ramp prod to 25%%' ramp", dir), 0);
	as(dir, "Ann Author", "ann@example.com");
	tu_write(dir, "flags/environments/prod/new-checkout.yaml",
		 "# ramped on purpose\nenabled: true\ndefault:\n  split: { on: 25, off: 75 }\n");
	tu_git_commit(dir, "Comment the prod file", 1780259200L);
	as(dir, "Cleo Cleaner", "cleo@example.com");
	tu_write(dir, "flags/banner.yaml", other_def);
	tu_write(dir, "flags/environments/staging/banner.yaml", "enabled: true\ndefault: on\n");
	tu_git_commit(dir, "Add banner in staging", 1780345600L);
	ck_assert_int_eq(tu_sh("cd '%s' && GIT_AUTHOR_DATE='@1780432000 +0000' "
			       "GIT_COMMITTER_DATE='@1780432000 +0000' "
			       "git revert -m 1 --no-edit HEAD~2 >/dev/null", dir), 0);
	return dir;
}

static char *id(const char *dir, const char *rev)
{
	return tu_line("git -C '%s' rev-parse --short=7 '%s'", dir, rev);
}

START_TEST(newest_first_with_authors_and_changes)
{
	char *dir = history("log-history");
	char *revert = id(dir, "HEAD"), *banner = id(dir, "HEAD~1"), *merge = id(dir, "HEAD~3");
	char *first = id(dir, "HEAD~5");
	char *out, *err;
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "log --root flags"), 0);
	char want[4096];
	snprintf(want, sizeof want,
		 "%s 2026-06-02T20:26:40Z Cleo Cleaner <cleo@example.com>\n"
		 "    Revert \"Ramp prod to 25%%\"\n"
		 "    reverts %s (Ramp prod to 25%%)\n"
		 "    prod (protected): new-checkout: default split on 25%% " ARROW " 10%% (15%% of "
		 "traffic moves from on to off)\n"
		 "\n"
		 "%s 2026-06-01T20:26:40Z Cleo Cleaner <cleo@example.com>\n"
		 "    Add banner in staging\n"
		 "    staging: banner: configured: enabled, 0 rules, default on\n"
		 "    flag banner added (boolean: on, off)\n"
		 "\n"
		 "%s 2026-05-30T20:26:40Z Bob Builder <bob@example.com>\n"
		 "    Ramp prod to 25%%\n"
		 "    prod (protected): new-checkout: default split on 10%% " ARROW " 25%% (15%% of "
		 "traffic moves from off to on)\n"
		 "\n"
		 "%s 2026-05-28T20:26:40Z Ann Author <ann@example.com>\n"
		 "    Add the ruleset\n"
		 "    prod (protected): environment added\n"
		 "    prod (protected): new-checkout: configured: enabled, 0 rules, default split "
		 "on 10%%, off 90%%\n"
		 "    staging: environment added\n"
		 "    staging: new-checkout: configured: enabled, 0 rules, default split on 10%%, "
		 "off 90%%\n"
		 "    flag new-checkout added (boolean: on, off)\n",
		 revert, merge, banner, merge, first);
	ck_assert_str_eq(out, want);
	ck_assert_str_eq(err, "");
	free(out);
	free(err);
	free(revert);
	free(banner);
	free(merge);
	free(first);
}
END_TEST

START_TEST(flag_env_since_and_json)
{
	char *dir = history("log-filters");
	char *out;
	/* banner alone: one commit. */
	ck_assert_int_eq(tu_rsc(&out, NULL, dir, "log banner --root flags"), 0);
	char *banner = id(dir, "HEAD~1");
	char want[1024];
	snprintf(want, sizeof want,
		 "%s 2026-06-01T20:26:40Z Cleo Cleaner <cleo@example.com>\n"
		 "    Add banner in staging\n"
		 "    staging: banner: configured: enabled, 0 rules, default on\n"
		 "    flag banner added (boolean: on, off)\n", banner);
	ck_assert_str_eq(out, want);
	free(out);
	/* prod only, since the merge: the revert and the merge. */
	ck_assert_int_eq(tu_rsc(&out, NULL, dir, "log new-checkout --root flags --env prod "
				"--since 2026-05-29"), 0);
	ck_assert_ptr_nonnull(strstr(out, "    Revert \"Ramp prod to 25%\"\n"));
	ck_assert_ptr_nonnull(strstr(out, "    Ramp prod to 25%\n"));
	ck_assert_ptr_null(strstr(out, "Add the ruleset"));
	ck_assert_ptr_null(strstr(out, "banner"));
	free(out);
	/* Nothing in staging since the banner came. */
	ck_assert_int_eq(tu_rsc(&out, NULL, dir, "log new-checkout --root flags --env staging "
				"--since 2026-05-29T00:00:00Z"), 0);
	ck_assert_str_eq(out, "no commit changed flag new-checkout in staging\n");
	free(out);
	/* JSON: the revert's fields. */
	ck_assert_int_eq(tu_rsc(&out, NULL, dir, "log --root flags --format json --since "
				"1780400000"), 0);
	char *full = tu_line("git -C '%s' rev-parse HEAD", dir);
	char *merge = tu_line("git -C '%s' rev-parse HEAD~3", dir);
	snprintf(want, sizeof want,
		 "{\"commits\":[{\"commit\":\"%s\",\"author\":\"Cleo Cleaner <cleo@example.com>\","
		 "\"date\":\"2026-06-02T20:26:40Z\",\"subject\":\"Revert \\\"Ramp prod to 25%%\\\"\","
		 "\"reverts\":\"%s\",\"reverts_subject\":\"Ramp prod to 25%%\",\"problem\":null,"
		 "\"changes\":[{\"kind\":\"split_changed\",\"environment\":\"prod\","
		 "\"protected\":true,\"flag\":\"new-checkout\",\"segment\":null,\"rule\":null,"
		 "\"text\":\"new-checkout: default split on 25%% " ARROW " 10%% (15%% of traffic "
		 "moves from on to off)\",\"before\":\"split on 25%%, off 75%%\",\"after\":"
		 "\"split on 10%%, off 90%%\",\"moved\":[{\"from\":\"on\",\"to\":\"off\","
		 "\"percent\":15}]}]}],\"shallow\":null,\"complete\":true}\n", full, merge);
	ck_assert_str_eq(out, want);
	free(out);
	free(full);
	free(merge);
	free(banner);
	/* Usage. */
	char *err;
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "log --root flags --since yesterday"), 2);
	ck_assert_str_eq(err, "rsc log: --since expects a date (2026-12-01), an RFC 3339 time "
			 "or seconds since 1970, found 'yesterday'\nTry 'rsc log --help'.\n");
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "log --root flags --rev nope"), 3);
	ck_assert_msg(strncmp(err, "rsc log: cannot resolve revision 'nope': ", 41) == 0, "%s", err);
	free(out);
	free(err);
}
END_TEST

START_TEST(shallow_clone_says_where_history_stops)
{
	char *origin = history("log-shallow-origin");
	char *dir = tu_tmpdir("log-shallow");
	ck_assert_int_eq(tu_sh("git clone -q --depth 2 'file://%s' '%s'", origin, dir), 0);
	char *out;
	ck_assert_int_eq(tu_rsc(&out, NULL, dir, "log --root flags"), 0);
	char *revert = id(dir, "HEAD"), *banner = id(dir, "HEAD~1");
	char want[2048];
	/* The merge's commit is not in the clone: the revert names it only. */
	char *merge = id(origin, "HEAD~3");
	snprintf(want, sizeof want,
		 "%s 2026-06-02T20:26:40Z Cleo Cleaner <cleo@example.com>\n"
		 "    Revert \"Ramp prod to 25%%\"\n"
		 "    reverts %s (not in this clone)\n"
		 "    prod (protected): new-checkout: default split on 25%% " ARROW " 10%% (15%% of "
		 "traffic moves from on to off)\n"
		 "\n"
		 "history stops at %s (2026-06-01T20:26:40Z): this clone is shallow, so older "
		 "changes, and this commit's own, are not shown; fetch the rest with git fetch "
		 "--unshallow\n", revert, merge, banner);
	ck_assert_str_eq(out, want);
	free(out);
	free(revert);
	free(banner);
	free(merge);
}
END_TEST

START_TEST(commit_words_stay_on_their_line)
{
	char *dir = tu_tmpdir("log-hostile");
	tu_git_init(dir);
	tu_write(dir, "flags/rulestead.yaml", "environments: [prod]\n");
	tu_write(dir, "flags/new-checkout.yaml", flag_def);
	targeting(dir, "prod", "new-checkout", 10);
	tu_git_commit(dir, "Add the ruleset", 1780000000L);
	targeting(dir, "prod", "new-checkout", 30);
	/* A terminal escape in the author's name and the subject. */
	ck_assert_int_eq(tu_sh("cd '%s' && git add -A && GIT_COMMITTER_DATE='@1780000100 +0000' "
			       "git -c user.name=\"$(printf 'Mal\\033[2J')\" commit -q "
			       "-m \"$(printf 'Ramp\\033]0;owned\\007 to 30%%%%')\"", dir), 0);
	char *out;
	ck_assert_int_eq(tu_rsc(&out, NULL, dir, "log --root flags --since 1780000050"), 0);
	char *head = id(dir, "HEAD");
	char want[1024];
	snprintf(want, sizeof want,
		 "%s 2026-05-28T20:28:20Z Mal\\x1b[2J <author@example.com>\n"
		 "    Ramp\\x1b]0;owned\\x07 to 30%%\n"
		 "    prod: new-checkout: default split on 10%% " ARROW " 30%% (20%% of traffic moves "
		 "from off to on)\n", head);
	ck_assert_str_eq(out, want);
	free(out);
	free(head);
}
END_TEST

Suite *log_suite(void); /* called by the runner */
Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, newest_first_with_authors_and_changes);
	tcase_add_test(tc, flag_env_since_and_json);
	tcase_add_test(tc, shallow_clone_says_where_history_stops);
	tcase_add_test(tc, commit_words_stay_on_their_line);
	suite_add_tcase(s, tc);
	return s;
}
