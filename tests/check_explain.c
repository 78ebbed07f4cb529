/*
 * check_explain.c - rsl_explain and `rsc explain` (loader/explain*.c): the
 * text and JSON traces, byte for byte, of a ruleset compiled by rsc
 * (ruleset_fixture.h), and what the command prints and exits with.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bucket.h"
#include "rsl.h"
#include "ruleset_fixture.h"
#include "testutil.h"

START_TEST(e2e_explain_text)
{
	char buf[4096];
	rsl_context c = rf_cx("country=US @tk=user-1");
	size_t n = rsl_explain(buf, sizeof buf, rf_snap, "x", &c, RSL_EXPLAIN_TEXT);
	ck_assert_uint_lt(n, sizeof buf);
	ck_assert_uint_eq(n, strlen(buf));
	ck_assert_msg(strstr(buf, "flag x (boolean) in environment prod, snapshot version 0, "
				  "commit worktree\n") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "rule 1 \"staff\" (environments/prod/x.yaml:3): no match: "
				  "email is missing\n") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "rule 2 \"beta\" (environments/prod/x.yaml:8): no match: "
				  "country = \"US\" not in [DE, AT, CH]\n") != NULL, "%s", buf);
	uint32_t b = rsl__bucket("x", 1, "user-1", 6);
	char want[256];
	snprintf(want, sizeof want,
		 "rule 3 \"rest\" (environments/prod/x.yaml:13): match: no condition: everyone; "
		 "split by targeting_key = \"user-1\": bucket %u of 100000; on [0, 20000), "
		 "off [20000, 100000); serve %s\n", b, b < 20000 ? "on" : "off");
	ck_assert_msg(strstr(buf, want) != NULL, "%s\nwant: %s", buf, want);
	ck_assert_msg(strstr(buf, "default (environments/prod/x.yaml:18): not evaluated\n"), "%s", buf);
	snprintf(want, sizeof want, "result: value %s, variant %s, reason SPLIT, rule 3 \"rest\" "
		 "(environments/prod/x.yaml:13)\n", b < 20000 ? "true" : "false",
		 b < 20000 ? "on" : "off");
	ck_assert_msg(strstr(buf, want) != NULL, "%s", buf);

	/* Truncation is snprintf's: the length needed, always terminated. */
	char small[16];
	size_t m = rsl_explain(small, sizeof small, rf_snap, "x", &c, RSL_EXPLAIN_TEXT);
	ck_assert_uint_eq(m, n);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	ck_assert_int_eq(memcmp(small, buf, sizeof small - 1), 0);
	ck_assert_uint_eq(rsl_explain(NULL, 0, rf_snap, "x", &c, RSL_EXPLAIN_TEXT), n);

	c = rf_cx("country=DE seats=9");
	rsl_explain(buf, sizeof buf, rf_snap, "comb-all", &c, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "no match: seats = 9 is not >= 10\n"), "%s", buf);
	rsl_explain(buf, sizeof buf, rf_snap, "comb-not", &c, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "no match: excluded by not (country = \"DE\" == \"DE\")\n"), "%s", buf);
	rsl_explain(buf, sizeof buf, rf_snap, "seg", &c, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "no match: segment outer: no match: none of (segment inner: "
				  "no match: beta is missing; email is missing)\n"), "%s", buf);
	rsl_explain(buf, sizeof buf, rf_snap, "kill", &c, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "disabled (enabled: false, the kill switch): the off variant off\n"
				  "rule 1 \"all\" (environments/prod/kill.yaml:3): not evaluated\n"),
		      "%s", buf);
	ck_assert_msg(strstr(buf, "result: value false, variant off, reason DISABLED"), "%s", buf);
	rsl_explain(buf, sizeof buf, rf_snap, "child", &c, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "requires base = on: got on (TARGETING_MATCH): ok\n"), "%s", buf);
	rsl_explain(buf, sizeof buf, rf_snap, "nope", &c, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "no such flag in this snapshot\n"), "%s", buf);
	ck_assert_msg(strstr(buf, "result: the caller's fallback, reason ERROR, error FLAG_NOT_FOUND\n"),
		      "%s", buf);
	c.now = 1796115600 - 1;
	rsl_explain(buf, sizeof buf, rf_snap, "sched", &c, RSL_EXPLAIN_TEXT);
	/* rsc records the line where default's value starts (model.h). */
	ck_assert_msg(strstr(buf, "default (environments/prod/sched.yaml:3): schedule at "
				  "2026-12-01T08:59:59Z: before the first step (2026-12-01T09:00:00Z), "
				  "the off variant; serve a\n"), "%s", buf);
}
END_TEST

/* The text trace shows the context before checking it: a list with a NULL
 * element is shown as invalid, not read. */
START_TEST(explain_invalid_list_element)
{
	char buf[4096];
	const char *items[] = { "a", NULL };
	rsl_attr a = { "tags", RSL_ATTR_LIST, NULL, 0.0, 0, items, 2 };
	rsl_context c;
	memset(&c, 0, sizeof c);
	c.attrs = &a;
	c.nattrs = 1;
	rsl_explain(buf, sizeof buf, rf_snap, "x", &c, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "context: targeting_key (none); tags = (invalid)\n"),
		      "%s", buf);
	ck_assert_msg(strstr(buf, "error INVALID_CONTEXT"), "%s", buf);
	rsl_explain(buf, sizeof buf, rf_snap, "x", &c, RSL_EXPLAIN_JSON);
	ck_assert_msg(strstr(buf, "\"error\": \"INVALID_CONTEXT\""), "%s", buf);
}
END_TEST

START_TEST(e2e_explain_json)
{
	static char buf[16384];
	rsl_context c = rf_cx("country=US email=\"q\" @tk=user-1");
	size_t n = rsl_explain(buf, sizeof buf, rf_snap, "x", &c, RSL_EXPLAIN_JSON);
	ck_assert_uint_lt(n, sizeof buf);
	ck_assert_msg(strstr(buf, "{\"step\": \"rule\", \"index\": 1, \"name\": \"beta\", "
				  "\"file\": \"environments/prod/x.yaml\", \"line\": 8, "
				  "\"evaluated\": true, \"matched\": false, \"why\": "
				  "\"country = \\\"US\\\" not in [DE, AT, CH]\"}"), "%s", buf);
	ck_assert_msg(strstr(buf, "\"why\": \"email = \\\"\\\\\\\"q\\\\\\\"\\\" does not end with \\\"@example.com\\\"\"}"), "%s", buf);
	ck_assert_msg(strstr(buf, "\"reason\": \"SPLIT\", \"error\": \"NONE\", \"rule_index\": 2, "
				  "\"rule\": \"rest\""), "%s", buf);
	/* Every trace is one JSON document. */
	const char *keys[] = { "x", "kill", "unconfigured", "static", "child", "needs-kill-on",
			       "sched", "tuning", "color", "split20", "nope", "seg", "deep00" };
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		n = rsl_explain(buf, sizeof buf, rf_snap, keys[i], &c, RSL_EXPLAIN_JSON);
		ck_assert_uint_lt(n, sizeof buf);
		tu_write(RF_DIR, "trace.json", buf);
		char *err = NULL;
		int rc = tu_run("python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "
				RF_DIR "/trace.json", NULL, &err);
		ck_assert_msg(rc == 0, "%s: %s\n%s", keys[i], err, buf);
		free(err);
	}
}
END_TEST

START_TEST(e2e_rsc_explain)
{
	char *out = NULL, *err = NULL;
	int rc = tu_run(RSC_BIN " explain --snapshot " RF_SNAP " --pub " RF_PUB
			" --flag x country=US targeting_key=user-1", &out, &err);
	ck_assert_msg(rc == 0, "%d: %s", rc, err);
	ck_assert_msg(strstr(out, "rule 2 \"beta\" (environments/prod/x.yaml:8): no match: "
				  "country = \"US\" not in [DE, AT, CH]\n"), "%s", out);
	ck_assert_msg(strstr(out, "context: targeting_key \"user-1\"; country = \"US\"\n"), "%s", out);
	free(out);
	free(err);
	rc = tu_run(RSC_BIN " explain --snapshot " RF_SNAP " --pub " RF_PUB " --flag op-gte"
		    " --context '{\"seats\": 10.5, \"targeting_key\": \"u\"}' --format json",
		    &out, &err);
	ck_assert_msg(rc == 0, "%d: %s", rc, err);
	ck_assert_msg(strstr(out, "\"why\": \"seats = 10.5 >= 10.5\""), "%s", out);
	ck_assert_msg(strstr(out, "\"reason\": \"TARGETING_MATCH\""), "%s", out);
	free(out);
	free(err);
	rc = tu_run(RSC_BIN " explain --snapshot " RF_SNAP " --pub " RF_PUB " --flag sched"
		    " --now 2026-12-03T09:00:00+01:00", &out, &err);
	ck_assert_msg(rc == 0, "%d: %s", rc, err);
	ck_assert_msg(strstr(out, "result: value \"C\", variant c, reason DEFAULT"), "%s", out);
	free(out);
	free(err);
	rc = tu_run(RSC_BIN " explain --snapshot " RF_SNAP " --pub " RF_PUB " --flag nope", &out, &err);
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(strstr(out, "error FLAG_NOT_FOUND"), "%s", out);
	free(out);
	free(err);
	rc = tu_run(RSC_BIN " explain --snapshot " RF_SNAP " --pub " RF_PUB " --flag x --context '{\"a\": }'",
		    &out, &err);
	ck_assert_int_eq(rc, 2);
	ck_assert_msg(strstr(err, "rsc explain: --context: at offset 6: expected a string, number, "
				  "true, false, null or a list of strings"), "%s", err);
	free(out);
	free(err);
	/* No --pub is a usage error: nothing could be verified. */
	rc = tu_run(RSC_BIN " explain --snapshot " RF_SNAP " --flag x", &out, &err);
	ck_assert_int_eq(rc, 2);
	free(out);
	free(err);
}
END_TEST

/* ------------------------------------------------------------ bounded */

#define BIG_DIR RF_DIR "/explain-big"

/* Issue 11's ruleset: 290 rules, each through a segment of 64 tests of
 * op on `ua`.  Returns rsc compile's exit status; *err its stderr. */
static int compile_wide(const char *op, char **err)
{
	static char seg[64 * 80 + 128];
	size_t n = (size_t)snprintf(seg, sizeof seg, "key: s\ndescription: d\nwhen:\n  any:\n");
	for (int i = 0; i < 64; i++)
		n += (size_t)snprintf(seg + n, sizeof seg - n,
				      "    - attribute: ua\n      %s: \"M/%d\"\n", op, i);
	static char rules[290 * 64 + 64];
	n = (size_t)snprintf(rules, sizeof rules, "enabled: true\nrules:\n");
	for (int i = 0; i < 290; i++)
		n += (size_t)snprintf(rules + n, sizeof rules - n,
				      "  - name: r%d\n    when:\n      segment: s\n    serve: on\n", i);
	snprintf(rules + n, sizeof rules - n, "default: off\n");
	ck_assert_int_eq(tu_sh("rm -rf %s && mkdir -p %s/rules/segments "
			       "%s/rules/environments/prod", BIG_DIR, BIG_DIR, BIG_DIR), 0);
	tu_write(BIG_DIR "/rules", "rulestead.yaml", "environments: [prod]\n");
	tu_write(BIG_DIR "/rules", "wide.yaml", "key: wide\ndescription: d\nowner: o\n");
	tu_write(BIG_DIR "/rules", "segments/s.yaml", seg);
	tu_write(BIG_DIR "/rules", "environments/prod/wide.yaml", rules);
	char *out = NULL;
	int rc = tu_run(RSC_BIN " compile --worktree --root " BIG_DIR "/rules --key " RF_DIR
			"/k.key --out " BIG_DIR "/out", &out, err);
	free(out);
	return rc;
}

/* Issue 11: with 290 x 64 failing ends_with tests and a 120 KB `ua`,
 * `rsc explain` wrote 2.2 GB and rsl_explain reported a needed length of
 * 19 GB.  Now rsc refuses that flag (each ends_with reads the attribute to
 * its end: cost 1 + 128), the same shape with eq compiles (cost 19431),
 * and its trace for the largest `ua` accepted is cut at RSL_EXPLAIN_MAX:
 * the length returned, the bytes written and the work all stay bounded. */
START_TEST(explain_is_bounded)
{
	char *err = NULL;
	ck_assert_int_ne(compile_wide("ends_with", &err), 0);
	ck_assert_msg(strstr(err, "environments/prod/wide.yaml:1:1: error: evaluating 'wide' in "
				  "prod costs 2395111 (condition tests and what they read"),
		      "%s", err);
	free(err);
	err = NULL;
	ck_assert_msg(compile_wide("eq", &err) == 0, "%s", err);
	free(err);

	rsl_keyring *kr;
	rsl_error e;
	ck_assert_int_eq(rsl_keyring_new(&kr), RSL_OK);
	ck_assert_int_eq(rsl_keyring_add_pem_file(kr, RF_PUB, &e), RSL_OK);
	rsl_open_options oo = RSL_OPEN_OPTIONS_INIT;
	oo.keys = kr;
	rsl_snapshot *snap;
	ck_assert_msg(rsl_open(&snap, BIG_DIR "/out/prod.rsnap", &oo, &e) == RSL_OK, "%s",
		      e.message);

	static char ua[RSL_MAX_CONTEXT_STRING + 1];
	memset(ua, 'M', RSL_MAX_CONTEXT_STRING);
	rsl_attr a = RSL_STR("ua", ua);
	rsl_context c;
	memset(&c, 0, sizeof c);
	c.attrs = &a;
	c.nattrs = 1;
	static char buf[RSL_EXPLAIN_MAX + 1];
	alarm(20);
	for (int format = RSL_EXPLAIN_TEXT; format <= RSL_EXPLAIN_JSON; format++) {
		size_t need = rsl_explain(NULL, 0, snap, "wide", &c, format);
		ck_assert_uint_eq(need, RSL_EXPLAIN_MAX);
		memset(buf, 0x55, sizeof buf);
		ck_assert_uint_eq(rsl_explain(buf, sizeof buf, snap, "wide", &c, format), need);
		ck_assert_uint_eq(strlen(buf), need);
		const char *tail = "\n\xe2\x80\xa6(trace cut at 65536 bytes)\n";
		ck_assert_str_eq(buf + need - strlen(tail), tail);
		/* 64 bytes of the value, then its length. */
		char want[128], m65[66];
		memset(m65, 'M', 65);
		m65[65] = 0;
		snprintf(want, sizeof want, "ua = %s\"%.64s%s\"\xe2\x80\xa6(4096 bytes)",
			 format ? "\\" : "", m65, format ? "\\" : "");
		ck_assert_msg(strstr(buf, want), "%.600s", buf);
		ck_assert_ptr_null(strstr(buf, m65));
		/* Two calls: the second fills what the first asked for. */
		char small[100];
		ck_assert_uint_eq(rsl_explain(small, sizeof small, snap, "wide", &c, format), need);
		ck_assert_uint_eq(strlen(small), sizeof small - 1);
	}

	/* Past the cap: refused, and the trace says so in a few lines. */
	static char huge[1 << 20];
	memset(huge, 'M', sizeof huge - 1);
	a = (rsl_attr)RSL_STR("ua", huge);
	size_t n = rsl_explain(buf, sizeof buf, snap, "wide", &c, RSL_EXPLAIN_TEXT);
	ck_assert_uint_lt(n, 40000);
	ck_assert_msg(strstr(buf, "; ua = \"MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM"
				  "MMMMMMM\"\xe2\x80\xa6(over 4096 bytes)\n"), "%.400s", buf);
	ck_assert_msg(strstr(buf, "error INVALID_CONTEXT"), "%s", buf + n - 200);
	alarm(0);
	rsl_close(snap);
	rsl_keyring_free(kr);
}
END_TEST

/* Issue 11 item 5: bytes >= 0x80 went into the JSON unescaped.  Every
 * context byte now gives valid UTF-8 and valid JSON: a byte that begins no
 * well-formed sequence is U+FFFD; controls are \u00XX. */
START_TEST(explain_json_is_utf8_for_any_context)
{
	static const char *const values[] = {
		"\xff\xfe", "ab\xc3", "\xed\xa0\x80 surrogate", "\xc0\xaf overlong",
		"\xf4\x90\x80\x80 past U+10FFFF", "ctl \x01\x1f\x7f", "caf\xc3\xa9 ok",
		"\xe2\x82", "q\"\\",
	};
	static char buf[16384];
	for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
		rsl_attr a[] = { RSL_STR("email", values[i]), RSL_STR("country", values[i]) };
		const char *items[] = { values[i] };
		rsl_attr l = RSL_LIST("email", items, 1);
		rsl_context c;
		memset(&c, 0, sizeof c);
		c.targeting_key = values[i];
		c.attrs = a;
		c.nattrs = 2;
		/* A string, then a list, read by the same kind of test. */
		const char *keys[] = { "x", "op-contains" };
		for (size_t k = 0; k < 2; k++) {
			if (k == 1) {
				c.attrs = &l;
				c.nattrs = 1;
			}
			size_t n = rsl_explain(buf, sizeof buf, rf_snap, keys[k], &c,
					       RSL_EXPLAIN_JSON);
			ck_assert_uint_lt(n, sizeof buf);
			tu_write(RF_DIR, "trace.json", buf);
			char *err = NULL;
			int rc = tu_run("python3 -c 'import json,sys; "
					"json.load(open(sys.argv[1], encoding=\"utf-8\", "
					"errors=\"strict\"))' " RF_DIR "/trace.json", NULL, &err);
			ck_assert_msg(rc == 0, "value %zu: %s\n%s", i, err, buf);
			free(err);
		}
	}
	rsl_attr a = RSL_STR("email", "\xff" "a\x01");
	rsl_context c;
	memset(&c, 0, sizeof c);
	c.attrs = &a;
	c.nattrs = 1;
	rsl_explain(buf, sizeof buf, rf_snap, "x", &c, RSL_EXPLAIN_JSON);
	ck_assert_msg(strstr(buf, "\"why\": \"email = \\\"\xef\xbf\xbd" "a\\\\u0001\\\" does not "
				  "end with"), "%s", buf);
	rsl_explain(buf, sizeof buf, rf_snap, "x", &c, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "email = \"\xef\xbf\xbd" "a\\u0001\" does not end with"), "%s", buf);
}
END_TEST

Suite *explain_suite(void); /* called by the runner */
Suite *explain_suite(void)
{
	Suite *s = suite_create("explain");
	TCase *tc = tcase_create("e2e");
	tcase_add_unchecked_fixture(tc, rf_build, NULL);
	tcase_add_checked_fixture(tc, rf_open, rf_close);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, e2e_explain_text);
	tcase_add_test(tc, explain_invalid_list_element);
	tcase_add_test(tc, e2e_explain_json);
	tcase_add_test(tc, e2e_rsc_explain);
	tcase_add_test(tc, explain_is_bounded);
	tcase_add_test(tc, explain_json_is_utf8_for_any_context);
	suite_add_tcase(s, tc);
	return s;
}
