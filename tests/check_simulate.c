/*
 * check_simulate.c - `rsc simulate` on real repositories made with git: a
 * ramp from 10% to 25% (who moves, and that nobody leaves "on", counted
 * independently with librsl's typed API), the sides' defaults and the work
 * tree, a context naming its environment, a flag added, the JSON and
 * Markdown reports, and a bad context line reported as FILE:LINE:COL.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "review.h"
#include "testutil.h"

#define NCTX 2000

static void write_split(const char *dir, const char *on, const char *off)
{
	char text[512];
	snprintf(text, sizeof text,
		 "enabled: true\n"
		 "rules:\n"
		 "  - name: staff\n"
		 "    when:\n"
		 "      attribute: email\n"
		 "      ends_with: \"@example.com\"\n"
		 "    serve: on\n"
		 "default:\n"
		 "  split:\n"
		 "    on: %s\n"
		 "    off: %s\n", on, off);
	tu_write(dir, "flags/environments/prod/new-checkout.yaml", text);
}

/* A repository with two commits, prod's split at 10% then 25%, and a
 * contexts file of NCTX users (none of them staff) beside it. */
static char *make_ramp(const char *name)
{
	char *dir = tu_tmpdir(name);
	tu_git_init(dir);
	tu_write(dir, "flags/rulestead.yaml", tu_rulestead);
	tu_write(dir, "flags/new-checkout.yaml", tu_flag);
	tu_write(dir, "flags/environments/dev/new-checkout.yaml", "enabled: true\ndefault: on\n");
	write_split(dir, "10", "90");
	tu_git_commit(dir, "new-checkout: 10% in prod", 1780000000L);
	write_split(dir, "25", "75");
	tu_git_commit(dir, "new-checkout: 25% in prod", 1780000100L);
	size_t cap = NCTX * 64, n = 0;
	char *lines = malloc(cap);
	for (int i = 0; i < NCTX; i++)
		n += (size_t)snprintf(lines + n, cap - n,
				      "{\"targeting_key\":\"user-%d\",\"email\":\"u%d@shop.test\"}\n",
				      i, i);
	tu_write(dir, "ctx.jsonl", lines);
	free(lines);
	return dir;
}

/* How many of the contexts get "on" in prod at rev, by rsl_bool. */
static int count_on(const char *dir, const char *rev, unsigned char *on)
{
	char root[4096];
	snprintf(root, sizeof root, "%s/flags", dir);
	rsc_review r;
	ck_assert_int_eq(rsc_review_open(&r, root, rev, NULL, 0), RSC_OK);
	const rsl_snapshot *prod = rsc_review_snapshot(&r, "prod");
	ck_assert_ptr_nonnull(prod);
	int total = 0;
	for (int i = 0; i < NCTX; i++) {
		char key[32], email[64];
		snprintf(key, sizeof key, "user-%d", i);
		snprintf(email, sizeof email, "u%d@shop.test", i);
		rsl_attr attrs[] = { RSL_STR("email", email) };
		rsl_context ctx = { key, NULL, NULL, NULL, NULL, attrs, 1, 0, 0 };
		on[i] = (unsigned char)rsl_bool(prod, "new-checkout", &ctx, -1);
		ck_assert_int_ne(on[i], -1);
		total += on[i];
	}
	rsc_review_free(&r);
	return total;
}

static char *short_id(const char *dir, const char *rev)
{
	char *id = tu_line("git -C '%s' rev-parse --short=7 '%s'", dir, rev);
	return id;
}

START_TEST(ramp_nobody_leaves_on)
{
	char *dir = make_ramp("simulate-ramp"), *out, *err;
	unsigned char *a = malloc(NCTX), *b = malloc(NCTX);
	int on_a = count_on(dir, "HEAD~1", a), on_b = count_on(dir, "HEAD", b);
	int left = 0;
	for (int i = 0; i < NCTX; i++)
		left += a[i] && !b[i];
	/* The bucketing promise the report relies on, checked on its own. */
	ck_assert_int_eq(left, 0);
	ck_assert_int_gt(on_a, NCTX / 20);
	ck_assert_int_gt(on_b - on_a, NCTX / 20);

	ck_assert_int_eq(tu_rsc(&out, &err, dir, "simulate --root flags --contexts ctx.jsonl "
				"--now 2026-12-01T00:00:00Z"), 0);
	char *ida = short_id(dir, "HEAD~1"), *idb = short_id(dir, "HEAD");
	char want[4096];
	int moved = on_b - on_a;
	snprintf(want, sizeof want,
		 "%d contexts from ctx.jsonl, at 2026-12-01T00:00:00Z\n"
		 "A: HEAD~1@%s\n"
		 "B: main@%s\n"
		 "\n"
		 "dev: %d contexts, no variant changes in 1 flag\n"
		 "prod (protected): %d contexts, 1 of 1 flag change\n"
		 "  new-checkout: %d of %d contexts (%.1f%%) change variant\n"
		 "    off -> on: %d (%.1f%%)\n"
		 "    nobody leaves on: all %d who had it keep it\n"
		 "    before: on %d (%.1f%%), off %d (%.1f%%)\n"
		 "    after:  on %d (%.1f%%), off %d (%.1f%%)\n",
		 NCTX, ida, idb, NCTX, NCTX, moved, NCTX, 100.0 * moved / NCTX, moved,
		 100.0 * moved / NCTX, on_a, on_a, 100.0 * on_a / NCTX, NCTX - on_a,
		 100.0 * (NCTX - on_a) / NCTX, on_b, 100.0 * on_b / NCTX, NCTX - on_b,
		 100.0 * (NCTX - on_b) / NCTX);
	ck_assert_str_eq(out, want);
	ck_assert_str_eq(err, "");
	free(out);
	free(err);

	/* The same sides named, one environment, as JSON a bot reads. */
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "simulate --root flags --contexts ctx.jsonl "
				"--env prod --now 2026-12-01T00:00:00Z --format json HEAD~1 HEAD"),
			 0);
	snprintf(want, sizeof want,
		 "\"environments\":[{\"name\":\"prod\",\"protected\":true,\"contexts\":%d,"
		 "\"flags\":[{\"key\":\"new-checkout\",\"changed\":%d,\"moves\":[{\"from\":"
		 "\"off\",\"to\":\"on\",\"count\":%d}],\"before\":{\"on\":%d,\"off\":%d},"
		 "\"after\":{\"on\":%d,\"off\":%d},\"nobody_leaves\":[\"on\"]}]}]}\n",
		 NCTX, moved, moved, on_a, NCTX - on_a, on_b, NCTX - on_b);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\"now\":\"2026-12-01T00:00:00Z\""));
	free(out);
	free(err);

	/* The pull-request comment. */
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "simulate --root flags --contexts ctx.jsonl "
				"--env prod --format markdown HEAD~1"), 0);
	snprintf(want, sizeof want,
		 "| flag | contexts that change | moves | before | after |\n"
		 "|---|---:|---|---|---|\n"
		 "| `new-checkout` | %d (%.1f%%) | `off` \xe2\x86\x92 `on`: %d |", moved,
		 100.0 * moved / NCTX, moved);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	snprintf(want, sizeof want, "\nNobody leaves `on` in `new-checkout`: all %d who had it "
		 "keep it.\n", on_a);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "#### prod (protected)\n"));
	free(out);
	free(err);
	free(ida);
	free(idb);
	free(a);
	free(b);
}
END_TEST

START_TEST(worktree_added_flag_and_environment_in_context)
{
	char *dir = make_ramp("simulate-worktree"), *out, *err;
	/* A flag added in the work tree: everyone moves from nowhere. */
	tu_write(dir, "flags/dark-mode.yaml", "key: dark-mode\ndescription: Dark.\nowner: ui\n");
	tu_write(dir, "flags/environments/dev/dark-mode.yaml", "enabled: true\ndefault: off\n");
	tu_write(dir, "ctx2.jsonl",
		 "{\"targeting_key\":\"a\",\"environment\":\"dev\"}\n"
		 "\n"
		 "{\"targeting_key\":\"b\",\"environment\":\"dev\"}\n"
		 "{\"targeting_key\":\"c\",\"environment\":\"prod\"}\n");
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "simulate --root flags --contexts ctx2.jsonl "
				"--worktree --env dev"), 0);
	ck_assert_msg(strstr(out, "A: HEAD@") != NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\nB: work tree\n"));
	/* The prod context does not count in dev; the blank line is skipped. */
	ck_assert_msg(strstr(out, "3 contexts from ctx2.jsonl") != NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out,
		"dev: 2 contexts, 1 of 2 flags change\n"
		"  dark-mode: 2 of 2 contexts (100.0%) change variant\n"
		"    (absent) -> off: 2 (100.0%)\n"
		"    before: (absent) 2 (100.0%)\n"
		"    after:  off 2 (100.0%)\n"));
	ck_assert_ptr_null(strstr(out, "prod"));
	free(out);
	free(err);
}
END_TEST

START_TEST(bad_line_and_usage)
{
	char *dir = make_ramp("simulate-bad"), *out, *err;
	tu_write(dir, "bad.jsonl", "{\"targeting_key\":\"a\"}\n\n{\"targeting_key\": 5}\n");
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "simulate --root flags --contexts bad.jsonl"), 1);
	ck_assert_str_eq(out, "");
	ck_assert_str_eq(err, "bad.jsonl:3:19: error: \"targeting_key\" must be a string\n"
			      "rsc simulate: nothing reported: every line must be a context\n");
	free(out);
	free(err);
	tu_write(dir, "bad2.jsonl", "{\"targeting_key\":\"a\"} x\n");
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "simulate --root flags --contexts - "
				"< bad2.jsonl"), 1);
	ck_assert_ptr_nonnull(strstr(err, "<stdin>:1:23: error: text after the object\n"));
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "simulate --root flags --contexts ctx.jsonl "
				"--env prd"), 2);
	ck_assert_str_eq(err, "rsc simulate: unknown environment 'prd' (on neither side); did "
			      "you mean 'prod'?\nTry 'rsc simulate --help'.\n");
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "simulate --root flags"), 2);
	ck_assert_ptr_nonnull(strstr(err, "--contexts FILE is required"));
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "simulate --root flags --contexts nope.jsonl"),
			 3);
	ck_assert_str_eq(err, "rsc simulate: --contexts nope.jsonl: No such file or directory\n");
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "simulate --root flags --contexts ctx.jsonl "
				"HEAD~1 HEAD --worktree"), 2);
	free(out);
	free(err);
	/* An invalid side says which and simulates nothing. */
	tu_write(dir, "flags/environments/prod/new-checkout.yaml", "enabeld: true\n");
	ck_assert_int_eq(tu_rsc(&out, &err, dir, "simulate --root flags --contexts ctx.jsonl "
				"--worktree"), 1);
	ck_assert_ptr_nonnull(strstr(err, "rsc simulate: work tree: the ruleset is invalid; "
					  "nothing simulated\n"));
	ck_assert_str_eq(out, "");
	free(out);
	free(err);
}
END_TEST

Suite *simulate_suite(void);
Suite *simulate_suite(void)
{
	Suite *s = suite_create("simulate");
	TCase *tc = tcase_create("rsc simulate");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ramp_nobody_leaves_on);
	tcase_add_test(tc, worktree_added_flag_and_environment_in_context);
	tcase_add_test(tc, bad_line_and_usage);
	suite_add_tcase(s, tc);
	return s;
}
