/*
 * check_messages.c - what a new user sees when something is wrong (issue 9,
 * items 4 and 5): every problem of every file in one run, and messages that
 * say what to do, each asserted word for word on a real git repository.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compile.h"
#include "testutil.h"

static int rsc(char **out, char **err, const char *dir, const char *args)
{
	char cmd[8192], top[2048];
	ck_assert_ptr_nonnull(getcwd(top, sizeof top));
	snprintf(cmd, sizeof cmd, "cd '%s' && '%s/%s' %s", dir, top, RSC_BIN, args);
	return tu_run(cmd, out, err);
}

/* ------------------------------------------------------------------ */
/* Every problem at once */

/*
 * Five mistakes in four files: a key that does not match its file name, `yes`
 * for a boolean (both found while reading), an unknown variant, a split
 * summing to 90 and an unknown segment (found by the checks that follow).
 */
static char *five_mistakes(const char *name)
{
	char *dir = tu_tmpdir(name);
	tu_git_init(dir);
	tu_write(dir, "rulestead.yaml", "environments: [dev, prod]\n");
	tu_write(dir, "checkout.yaml",
		 "key: chekout\ndescription: The new checkout.\nowner: team-checkout\n");
	tu_write(dir, "banner.yaml", "key: banner\ndescription: A banner.\nowner: team-web\n");
	tu_write(dir, "segments/beta-users.yaml",
		 "key: beta-users\ndescription: Beta users.\nwhen: {attribute: plan, eq: beta}\n");
	tu_write(dir, "environments/prod/checkout.yaml", "enabled: yes\ndefault: onn\n");
	tu_write(dir, "environments/prod/banner.yaml",
		 "enabled: true\nrules:\n  - name: half\n    serve:\n"
		 "      split: {on: 50, off: 40}\ndefault: off\n");
	tu_write(dir, "environments/dev/banner.yaml",
		 "enabled: true\nrules:\n  - name: beta\n    when: {segment: beta-user}\n"
		 "    serve: on\ndefault: off\n");
	tu_git_commit(dir, "Five mistakes", 1780000000L);
	return dir;
}

#define MISTAKE_KEY "key 'chekout' does not match the file name 'checkout.yaml'"
#define MISTAKE_SEGMENT \
	"unknown segment 'beta-user'; no file segments/beta-user.yaml; did you mean 'beta-users'?"
#define MISTAKE_SPLIT "split percentages sum to 90, expected 100"
#define MISTAKE_YES "'yes' is not a boolean: write true or false (YAML 1.1 would read it as true)"
#define MISTAKE_VARIANT \
	"unknown variant 'onn' for flag 'checkout'; expected one of on, off; did you mean 'on'?"

START_TEST(five_mistakes_one_validate_run)
{
	char *dir = five_mistakes("msg-five-cli"), *out, *err;
	ck_assert_int_eq(rsc(&out, &err, dir, "validate"), 1);
	ck_assert_str_eq(out, "");
	ck_assert_str_eq(err,
		"checkout.yaml:1:6: error: " MISTAKE_KEY "\n"
		"  key: chekout\n"
		"       ^\n"
		"environments/dev/banner.yaml:4:11: error: " MISTAKE_SEGMENT "\n"
		"      when: {segment: beta-user}\n"
		"            ^\n"
		"environments/prod/banner.yaml:5:14: error: " MISTAKE_SPLIT "\n"
		"        split: {on: 50, off: 40}\n"
		"               ^\n"
		"environments/prod/checkout.yaml:1:10: error: " MISTAKE_YES "\n"
		"  enabled: yes\n"
		"           ^\n"
		"environments/prod/checkout.yaml:2:10: error: " MISTAKE_VARIANT "\n"
		"  default: onn\n"
		"           ^\n"
		". (HEAD): 5 errors\n");
	ck_assert_ptr_null(strchr(err, '\x1b')); /* no colour to a pipe */
	free(out);
	free(err);

	ck_assert_int_eq(rsc(&out, &err, dir, "validate --format github"), 1);
	ck_assert_str_eq(out,
		"::error file=checkout.yaml,line=1,col=6::" MISTAKE_KEY "\n"
		"::error file=environments/dev/banner.yaml,line=4,col=11::" MISTAKE_SEGMENT "\n"
		"::error file=environments/prod/banner.yaml,line=5,col=14::" MISTAKE_SPLIT "\n"
		"::error file=environments/prod/checkout.yaml,line=1,col=10::" MISTAKE_YES "\n"
		"::error file=environments/prod/checkout.yaml,line=2,col=10::" MISTAKE_VARIANT
		"\n");
	free(out);
	free(err);
}
END_TEST

START_TEST(five_mistakes_one_compile_call)
{
	char *dir = five_mistakes("msg-five-lib");
	rsc_compile_options o = RSC_COMPILE_OPTIONS_INIT;
	rsc_compiled r;
	o.root = dir;
	o.rev = "HEAD";
	ck_assert_int_eq(rsc_compile(&r, &o), RSC_EINVALID);
	rsc_diags_sort(&r.diags);
	static const struct {
		const char *file;
		unsigned line, col;
		const char *msg;
	} want[] = {
		{ "checkout.yaml", 1, 6, MISTAKE_KEY },
		{ "environments/dev/banner.yaml", 4, 11, MISTAKE_SEGMENT },
		{ "environments/prod/banner.yaml", 5, 14, MISTAKE_SPLIT },
		{ "environments/prod/checkout.yaml", 1, 10, MISTAKE_YES },
		{ "environments/prod/checkout.yaml", 2, 10, MISTAKE_VARIANT },
	};
	ck_assert_uint_eq(r.diags.n, 5);
	ck_assert_uint_eq(r.diags.errors, 5);
	for (size_t i = 0; i < 5; i++) {
		const rsc_diag *g = &r.diags.v[i];
		ck_assert_str_eq(g->file, want[i].file);
		ck_assert_uint_eq(g->line, want[i].line);
		ck_assert_uint_eq(g->col, want[i].col);
		ck_assert_str_eq(g->message, want[i].msg);
	}
	ck_assert_uint_eq(r.nsnaps, 0);
	rsc_compiled_free(&r);
}
END_TEST

/* A flag or segment whose file does not even parse is still known: the
 * references to it are not reported again as unknown, while the other
 * files' mistakes still are. */
START_TEST(broken_file_no_cascade)
{
	char *dir = tu_tmpdir("msg-cascade"), *out, *err;
	tu_git_init(dir);
	tu_write(dir, "rulestead.yaml", "environments: [prod]\n");
	tu_write(dir, "pay.yaml", "key: pay\ndescription: [unclosed\n");
	tu_write(dir, "segments/staff.yaml", "- not a mapping\n");
	tu_write(dir, "checkout.yaml", "key: checkout\ndescription: C.\nowner: me\n");
	tu_write(dir, "environments/prod/pay.yaml", "enabled: true\ndefault: onn\n");
	tu_write(dir, "environments/prod/checkout.yaml",
		 "enabled: true\nrequires:\n  - flag: pay\n    variant: whatever\n"
		 "rules:\n  - name: staff\n    when: {segment: staff}\n    serve: onn\n"
		 "default: off\n");
	tu_git_commit(dir, "Broken files", 1780000000L);
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --format github"), 1);
	ck_assert_str_eq(out,
		"::error file=environments/prod/checkout.yaml,line=8,col=12::unknown variant "
		"'onn' for flag 'checkout'; expected one of on, off; did you mean 'on'?\n"
		"::error file=pay.yaml,line=3,col=1::YAML syntax error: did not find "
		"expected ',' or ']' (while parsing a flow sequence at 2:14)\n"
		"::error file=segments/staff.yaml,line=1,col=1::expected a mapping for the "
		"segment, found a list\n");
	free(out);
	free(err);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Messages a new user can act on */

START_TEST(no_commit_yet)
{
	char *dir = tu_tmpdir("msg-unborn"), *out, *err;
	tu_git_init(dir);
	tu_write(dir, "rulestead.yaml", "environments: [dev]\n");
	static const char *const cmds[] = { "validate", "lint",
					    "compile --key k.key --out out" };
	ck_assert_int_eq(rsc(&out, &err, dir, "keygen --out k"), 0);
	free(out);
	free(err);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(rsc(&out, &err, dir, cmds[i]), 3);
		ck_assert_str_eq(err, "error: no commit yet: commit the ruleset, or use --worktree\n");
		free(out);
		free(err);
	}
	/* --worktree reads the files on disk, commit or not. */
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --worktree"), 0);
	free(out);
	free(err);
	/* Another revision that does not resolve keeps git's reason. */
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --rev main"), 3);
	ck_assert_str_eq(err, "error: cannot resolve revision 'main': revspec 'main' not found\n");
	free(out);
	free(err);
}
END_TEST

/* Counts in words agree with their number, and nothing printed to a pipe
 * carries a terminal escape sequence. */
START_TEST(plurals_and_no_colour)
{
	char *dir = tu_tmpdir("msg-plural"), *out, *err;
	tu_git_init(dir);
	tu_write(dir, "rulestead.yaml", "environments: [prod]\n");
	tu_write(dir, "a.yaml", "key: a\ndescription: A.\nowner: me\nexpires: 2026-01-31\n");
	tu_write(dir, "segments/s.yaml", "key: s\ndescription: S.\nwhen: {attribute: a, eq: b}\n");
	tu_write(dir, "environments/prod/a.yaml",
		 "enabled: true\nrules:\n  - name: s\n    when: {segment: s}\n    serve: on\n"
		 "default: off\n");
	tu_git_commit(dir, "One of each", 1780000000L);
	ck_assert_int_eq(rsc(&out, &err, dir, "validate"), 0);
	ck_assert_str_eq(out, ". (HEAD): 1 flag, 1 segment, 1 environment: valid\n");
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, dir, "lint --today 2026-06-01"), 0);
	ck_assert_str_eq(out, ". (HEAD): 1 flag, 1 segment, 1 environment: valid, 1 warning\n");
	ck_assert_ptr_null(strchr(err, '\x1b'));
	free(out);
	free(err);
	tu_write(dir, "b.yaml", "key: b\ndescription: B.\nowner: me\n");
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --worktree"), 0);
	ck_assert_str_eq(out, ". (work tree): 2 flags, 1 segment, 1 environment: valid\n");
	free(out);
	free(err);
	tu_write(dir, "b.yaml", "key: c\ndescription: B.\nowner: me\n");
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --worktree"), 1);
	ck_assert_str_eq(err,
		"b.yaml:1:6: error: key 'c' does not match the file name 'b.yaml'\n"
		"  key: c\n"
		"       ^\n"
		". (work tree): 1 error\n");
	free(out);
	free(err);
}
END_TEST

/* A compiled two-rule flag: the second rule decides for country=DE. */
static char *two_rules(const char *name)
{
	char *dir = tu_tmpdir(name), *out, *err;
	tu_git_init(dir);
	tu_write(dir, "rulestead.yaml", "environments: [prod]\n");
	tu_write(dir, "new-checkout.yaml", "key: new-checkout\ndescription: A.\nowner: me\n");
	tu_write(dir, "environments/prod/new-checkout.yaml",
		 "enabled: true\nrules:\n"
		 "  - name: staff\n    when: {attribute: email, ends_with: \"@example.com\"}\n"
		 "    serve: on\n"
		 "  - name: germany\n    when: {attribute: country, eq: DE}\n    serve: on\n"
		 "default: off\n");
	tu_git_commit(dir, "Two rules", 1780000000L);
	ck_assert_int_eq(rsc(&out, &err, dir, "keygen --out k"), 0);
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, dir, "compile --key k.key --out out"), 0);
	free(out);
	free(err);
	return dir;
}

/* explain, inspect and watch number rules the same way, from 1. */
START_TEST(rule_numbers_agree)
{
	char *dir = two_rules("msg-rulenum"), *out, *err;
	ck_assert_int_eq(rsc(&out, &err, dir, "explain --snapshot out/prod.rsnap --pub k.pub "
				  "--flag new-checkout country=DE"), 0);
	ck_assert_ptr_nonnull(strstr(out, "\nresult: value true, variant on, reason "
				     "TARGETING_MATCH, rule 2 \"germany\" "
				     "(environments/prod/new-checkout.yaml:6)\n"));
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, dir, "inspect --pub k.pub out/prod.rsnap"), 0);
	ck_assert_ptr_nonnull(strstr(out, "\n    rule 2 germany (line 6)"));
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, dir, "watch --pub k.pub --max-events 1 "
				  "--flag new-checkout out/prod.rsnap country=DE"), 0);
	ck_assert_ptr_nonnull(strstr(out, "Z   new-checkout = true (variant on, TARGETING_MATCH, "
				     "rule 2 'germany', environments/prod/new-checkout.yaml:6)\n"));
	free(out);
	free(err);
}
END_TEST

START_TEST(explain_missing_flag_suggests)
{
	char *dir = two_rules("msg-explain"), *out, *err;
	ck_assert_int_eq(rsc(&out, &err, dir, "explain --snapshot out/prod.rsnap --pub k.pub "
				  "--flag new-chekout"), 1);
	ck_assert_str_eq(err, "rsc explain: no flag 'new-chekout' in out/prod.rsnap; did you "
			      "mean 'new-checkout'?\n");
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, dir, "explain --snapshot out/prod.rsnap --pub k.pub "
				  "--flag payments"), 1);
	ck_assert_str_eq(err, "rsc explain: no flag 'payments' in out/prod.rsnap; 'rsc inspect "
			      "out/prod.rsnap' lists its 1 flag\n");
	free(out);
	free(err);
}
END_TEST

/* The context's own fields: targeting_key and tenant_key work in rules;
 * environment, session_id and request_id never reach one, so they are
 * refused saying why rather than left to never match. */
START_TEST(context_field_attributes)
{
	char *dir = tu_tmpdir("msg-ctxattr"), *out, *err;
	tu_git_init(dir);
	tu_write(dir, "rulestead.yaml", "environments: [prod]\n");
	tu_write(dir, "a.yaml", "key: a\ndescription: A.\nowner: me\n");
	tu_write(dir, "environments/prod/a.yaml",
		 "enabled: true\nrules:\n"
		 "  - name: user\n    when: {attribute: targeting_key, eq: user-1}\n"
		 "    serve: on\n"
		 "  - name: tenant\n    when: {attribute: tenant_key, eq: acme}\n"
		 "    serve: on\n"
		 "default: off\n");
	tu_git_commit(dir, "Rules on the context keys", 1780000000L);
	ck_assert_int_eq(rsc(&out, &err, dir, "keygen --out k"), 0);
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, dir, "compile --key k.key --out out"), 0);
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, dir, "explain --snapshot out/prod.rsnap --pub k.pub "
				  "--flag a targeting_key=user-1"), 0);
	ck_assert_ptr_nonnull(strstr(out, "\nresult: value true, variant on, reason "
				     "TARGETING_MATCH, rule 1 \"user\""));
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, dir, "explain --snapshot out/prod.rsnap --pub k.pub "
				  "--flag a targeting_key=user-2 tenant_key=acme"), 0);
	ck_assert_ptr_nonnull(strstr(out, "\nresult: value true, variant on, reason "
				     "TARGETING_MATCH, rule 2 \"tenant\""));
	free(out);
	free(err);

	tu_write(dir, "environments/prod/a.yaml",
		 "enabled: true\nrules:\n"
		 "  - name: env\n    when: {attribute: environment, eq: prod}\n    serve: on\n"
		 "  - name: session\n    when: {attribute: session_id, eq: s}\n    serve: on\n"
		 "  - name: request\n    when: {attribute: request_id, eq: r}\n    serve: on\n"
		 "  - name: split\n    serve: {split: {on: 50, off: 50}, by: session_id}\n"
		 "default: off\n");
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --worktree --format github"), 1);
	ck_assert_str_eq(out,
		"::error file=environments/prod/a.yaml,line=4,col=23::'environment' is the "
		"context's environment, which rules cannot use: it only chooses the snapshot, "
		"so a test on it would be the same for every request; put the rule in that "
		"environment's targeting file (environments/<env>/) instead\n"
		"::error file=environments/prod/a.yaml,line=7,col=23::'session_id' is the "
		"context's session id, which rules cannot use: it changes per session and is "
		"passed for logs only; to target or bucket by session, pass it also as an "
		"attribute of another name (such as 'session')\n"
		"::error file=environments/prod/a.yaml,line=10,col=23::'request_id' is the "
		"context's request id, which rules cannot use: it changes per request and is "
		"passed for logs only; to target by request, pass it also as an attribute of "
		"another name (such as 'request')\n"
		"::error file=environments/prod/a.yaml,line=13,col=43::'session_id' is the "
		"context's session id, which rules cannot use: it changes per session and is "
		"passed for logs only; to target or bucket by session, pass it also as an "
		"attribute of another name (such as 'session')\n");
	free(out);
	free(err);
}
END_TEST

/* An empty prefix, suffix or substring matches every string: refused with
 * the reason; an empty eq / ne operand is a real test and allowed. */
START_TEST(empty_operands)
{
	char *dir = tu_tmpdir("msg-empty"), *out, *err;
	tu_git_init(dir);
	tu_write(dir, "rulestead.yaml", "environments: [prod]\n");
	tu_write(dir, "a.yaml", "key: a\ndescription: A.\nowner: me\n");
	tu_write(dir, "environments/prod/a.yaml",
		 "enabled: true\nrules:\n  - name: r\n    when:\n      any:\n"
		 "        - {attribute: email, starts_with: \"\"}\n"
		 "        - {attribute: email, ends_with: ''}\n"
		 "        - {attribute: email, contains: \"\"}\n"
		 "        - {attribute: email, eq: \"\"}\n"
		 "        - {attribute: email, ne: \"\"}\n"
		 "        - {attribute: email, in: [\"\", x]}\n"
		 "    serve: on\n"
		 "default: off\n");
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --worktree --format github"), 1);
	ck_assert_str_eq(out,
		"::error file=environments/prod/a.yaml,line=6,col=43::starts_with \"\" matches "
		"every string; remove the condition (exists: true tests that the attribute is "
		"there) or give a prefix\n"
		"::error file=environments/prod/a.yaml,line=7,col=41::ends_with \"\" matches "
		"every string; remove the condition (exists: true tests that the attribute is "
		"there) or give a suffix\n"
		"::error file=environments/prod/a.yaml,line=8,col=40::contains \"\" matches "
		"every string; remove the condition (exists: true tests that the attribute is "
		"there) or give a substring\n");
	free(out);
	free(err);
}
END_TEST

/* Whole-file refusals are placed at file:1:1 in every format. */
START_TEST(whole_file_refusals_placed)
{
	char *dir = tu_tmpdir("msg-wholefile"), *out, *err;
	tu_git_init(dir);
	tu_write(dir, "flags/rulestead.yaml", "environments: [prod]\n");
	tu_write(dir, "flags/a.yaml", "key: a\ndescription: A.\nowner: me\n");
	tu_write(dir, "flags/b.yml", "key: b\n");
	tu_write(dir, "flags/environments/prodd/a.yaml", "enabled: true\ndefault: on\n");
	tu_git_commit(dir, "Misplaced files", 1780000000L);
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --root flags --format github"), 1);
	ck_assert_str_eq(out,
		"::error file=flags/b.yml,line=1,col=1::use the .yaml extension ('b.yml' "
		"\xe2\x86\x92 'b.yaml')\n"
		"::error file=flags/environments/prodd/a.yaml,line=1,col=1::environment "
		"directory 'prodd' is not declared in rulestead.yaml (environments: prod); did "
		"you mean 'prod'?\n");
	free(out);
	free(err);
	/* Text: the position, and no source line under a refusal of a whole file. */
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --root flags"), 1);
	ck_assert_str_eq(err,
		"flags/b.yml:1:1: error: use the .yaml extension ('b.yml' \xe2\x86\x92 "
		"'b.yaml')\n"
		"flags/environments/prodd/a.yaml:1:1: error: environment directory 'prodd' is "
		"not declared in rulestead.yaml (environments: prod); did you mean 'prod'?\n"
		"flags (HEAD): 2 errors\n");
	free(out);
	free(err);
	ck_assert_int_eq(rsc(&out, &err, dir, "validate --root flags/environments --format github"),
			 1);
	ck_assert_str_eq(out,
		"::error file=flags/environments/rulestead.yaml,line=1,col=1::missing "
		"rulestead.yaml: is 'flags/environments' the ruleset root? (--root names the "
		"directory holding rulestead.yaml)\n");
	free(out);
	free(err);
}
END_TEST

Suite *messages_suite(void);
Suite *messages_suite(void)
{
	Suite *s = suite_create("messages");
	TCase *tc = tcase_create("messages");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, five_mistakes_one_validate_run);
	tcase_add_test(tc, five_mistakes_one_compile_call);
	tcase_add_test(tc, broken_file_no_cascade);
	tcase_add_test(tc, no_commit_yet);
	tcase_add_test(tc, plurals_and_no_colour);
	tcase_add_test(tc, rule_numbers_agree);
	tcase_add_test(tc, explain_missing_flag_suggests);
	tcase_add_test(tc, context_field_attributes);
	tcase_add_test(tc, empty_operands);
	tcase_add_test(tc, whole_file_refusals_placed);
	suite_add_tcase(s, tc);
	return s;
}
