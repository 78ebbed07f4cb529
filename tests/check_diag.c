/*
 * check_diag.c - diag.c, diagnostics as the user reads them: sorted by
 * file, line and column; text with the offending line and a caret (tabs
 * kept, long lines cut to a window, unprintable lines not shown); JSON;
 * GitHub annotations with their escapes; the JSON string escaper.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fileset.h"

static rsc_file files_v[] = {
	{ "a.yaml", "key: x\n\tbad: [1,\n", 17 },
	{ "b.yaml", "b: \x01\n", 5 },
};
static const rsc_fileset files = { .v = files_v, .n = 2 };

/* What print_at writes, as a string to free. */
static char *printed(const rsc_diags *d, rsc_format fmt, const char *repo,
		     const char *user_root)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	rsc_diags_print_at(f, d, fmt, &files, repo, user_root);
	fclose(f);
	return text;
}

START_TEST(text_shows_the_line_and_a_caret_in_order)
{
	rsc_arena a = RSC_ARENA_INIT;
	rsc_diags d;
	rsc_diags_init(&d, &a);
	rsc_warning(&d, "b.yaml", 1, 4, "odd byte");
	rsc_error(&d, "a.yaml", 2, 7, "expected a %s, found %s", "map", "a list");
	rsc_error(&d, "a.yaml", 1, 6, "unknown value");
	rsc_error(&d, NULL, 0, 0, "no rulestead.yaml");
	ck_assert_uint_eq(d.errors, 3);
	ck_assert_uint_eq(d.warnings, 1);
	rsc_diags_sort(&d);
	char *t = printed(&d, RSC_FORMAT_TEXT, NULL, "flags/");
	ck_assert_str_eq(t, "error: no rulestead.yaml\n"
			    "flags/a.yaml:1:6: error: unknown value\n"
			    "  key: x\n"
			    "       ^\n"
			    "flags/a.yaml:2:7: error: expected a map, found a list\n"
			    "  \tbad: [1,\n"
			    "  \t     ^\n"
			    "flags/b.yaml:1:4: warning: odd byte\n");
	free(t);
	rsc_diags_free(&d);
	rsc_arena_free(&a);
}
END_TEST

START_TEST(a_long_line_is_cut_around_the_caret)
{
	char line[301];
	memset(line, 'x', 300);
	line[300] = '\0';
	line[200] = 'Y';
	rsc_file lf = { "long.yaml", line, 300 };
	rsc_fileset fs = files;
	fs.v = &lf;
	fs.n = 1;
	rsc_arena a = RSC_ARENA_INIT;
	rsc_diags d;
	rsc_diags_init(&d, &a);
	rsc_error(&d, "long.yaml", 1, 201, "here");
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	rsc_diags_print(f, &d, RSC_FORMAT_TEXT, &fs, NULL);
	fclose(f);
	/* 120 characters from 140, the ellipsis on both sides */
	char want[600];
	snprintf(want, sizeof want, "long.yaml:1:201: error: here\n  \xe2\x80\xa6%.120s\xe2\x80\xa6\n"
		 "   %60s^\n", line + 140, "");
	ck_assert_str_eq(text, want);
	free(text);
	rsc_diags_free(&d);
	rsc_arena_free(&a);
}
END_TEST

START_TEST(json_and_github)
{
	rsc_arena a = RSC_ARENA_INIT;
	rsc_diags d;
	rsc_diags_init(&d, &a);
	rsc_error(&d, "a.yaml", 2, 7, "bad \"x\", 100%%\nnext");
	rsc_warning(&d, NULL, 0, 0, "whole ruleset: note");
	char *t = printed(&d, RSC_FORMAT_JSON, "repo/flags", "flags");
	ck_assert_str_eq(t, "{\"diagnostics\":[{\"severity\":\"error\",\"file\":\"flags/a.yaml\","
			    "\"line\":2,\"column\":7,\"message\":\"bad \\\"x\\\", 100%\\nnext\"},"
			    "{\"severity\":\"warning\",\"file\":\"\",\"line\":0,\"column\":0,"
			    "\"message\":\"whole ruleset: note\"}],\"errors\":1,\"warnings\":1}\n");
	free(t);
	t = printed(&d, RSC_FORMAT_GITHUB, "repo/fl:ags", "flags");
	ck_assert_str_eq(t, "::error file=repo/fl%3Aags/a.yaml,line=2,col=7::bad \"x\", "
			    "100%25%0Anext\n"
			    "::warning::whole ruleset: note\n");
	free(t);
	rsc_diags_free(&d);
	rsc_arena_free(&a);
}
END_TEST

START_TEST(unprintable_lines_are_not_shown)
{
	rsc_arena a = RSC_ARENA_INIT;
	rsc_diags d;
	rsc_diags_init(&d, &a);
	rsc_error(&d, "b.yaml", 1, 4, "control character");
	char *t = printed(&d, RSC_FORMAT_TEXT, NULL, NULL);
	ck_assert_str_eq(t, "b.yaml:1:4: error: control character\n");
	free(t);
	rsc_diags_free(&d);
	rsc_arena_free(&a);
}
END_TEST

START_TEST(json_strings_are_always_valid)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	rsc_json_string(f, "a\"\\\r\t\x01\x7f\xc3\xa9\xff" "b", 11);
	fclose(f);
	ck_assert_str_eq(text, "\"a\\\"\\\\\\r\\t\\u0001\\u007f\xc3\xa9\\ufffdb\"");
	free(text);
}
END_TEST

Suite *diag_suite(void);

Suite *diag_suite(void)
{
	Suite *s = suite_create("diag");
	TCase *tc = tcase_create("diag");
	tcase_add_test(tc, text_shows_the_line_and_a_caret_in_order);
	tcase_add_test(tc, a_long_line_is_cut_around_the_caret);
	tcase_add_test(tc, json_and_github);
	tcase_add_test(tc, unprintable_lines_are_not_shown);
	tcase_add_test(tc, json_strings_are_always_valid);
	suite_add_tcase(s, tc);
	return s;
}
