/*
 * check_detail.c - what bindings use: rsl_detail (a detailed evaluation whose
 * strings the caller owns) and the flag listings (rsl_snapshot_flag,
 * rsl_client_flags), on snapshots compiled by rsc from a real git
 * repository; a reload by rename() between evaluations never invalidates
 * a detail or a list already taken.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "rsl.h"
#include "testutil.h"

static char *T;
static char repo[512], node[512], primary[600], keyf[512], pubf[512];
static rsl_keyring *keys;
static long base_time;

/* A value longer than the detail's own storage: it needs the block. */
static char long_value[3000];

/* Generation k of the ruleset: greeting = "hello-k" for the "staff" rule,
 * "hi" by default; blob = long_value (object-free string); size = k;
 * tuning an object; rollout a 50/50 split default; dark not configured. */
static void write_ruleset(int k)
{
	char buf[4096];
	tu_write(repo, "rulestead.yaml", "environments: [prod]\n");
	snprintf(buf, sizeof buf, "key: greeting\ndescription: d\nowner: o\ntype: string\n"
		 "variants:\n  staff: \"hello-%d\"\n  plain: \"hi\"\noff_variant: plain\n", k);
	tu_write(repo, "greeting.yaml", buf);
	tu_write(repo, "environments/prod/greeting.yaml",
		 "enabled: true\nrules:\n  - name: staff only\n    when:\n"
		 "      attribute: email\n      ends_with: \"@example.com\"\n"
		 "    serve: staff\ndefault: plain\n");
	snprintf(buf, sizeof buf, "key: blob\ndescription: d\nowner: o\ntype: string\n"
		 "variants:\n  big: \"%s\"\n  small: \"s\"\noff_variant: small\n", long_value);
	tu_write(repo, "blob.yaml", buf);
	tu_write(repo, "environments/prod/blob.yaml", "enabled: true\ndefault: big\n");
	snprintf(buf, sizeof buf, "key: size\ndescription: d\nowner: o\ntype: integer\n"
		 "variants:\n  cur: %d\n  zero: 0\noff_variant: zero\n", k);
	tu_write(repo, "size.yaml", buf);
	tu_write(repo, "environments/prod/size.yaml", "enabled: true\ndefault: cur\n");
	tu_write(repo, "tuning.yaml", "key: tuning\ndescription: d\nowner: o\ntype: object\n"
		 "variants:\n  base:\n    boost: 2\n    tags: [a, b]\noff_variant: base\n");
	tu_write(repo, "environments/prod/tuning.yaml", "enabled: true\ndefault: base\n");
	tu_write(repo, "rollout.yaml", "key: rollout\ndescription: d\nowner: o\n");
	tu_write(repo, "environments/prod/rollout.yaml",
		 "enabled: true\ndefault:\n  split:\n    on: 50\n    off: 50\n");
	tu_write(repo, "dark.yaml", "key: dark\ndescription: d\nowner: o\n");
}

/* Commits generation k at base_time + k and compiles it to T/s<k>.rsnap. */
static void compile_gen(int k)
{
	write_ruleset(k);
	tu_git_commit(repo, "gen", base_time + k);
	ck_assert_int_eq(tu_sh("%s compile --root '%s' --rev HEAD --key '%s' --env prod "
			       "--out '%s/out%d' >/dev/null && mv '%s/out%d/prod.rsnap' '%s/s%d.rsnap'",
			       RSC_BIN, repo, keyf, T, k, T, k, T, k), 0);
}

/* Publishes generation k as a sync tool should: copy, then rename(). */
static void publish(int k)
{
	ck_assert_int_eq(tu_sh("cp '%s/s%d.rsnap' '%s.tmp' && chmod 644 '%s.tmp' && "
			       "mv '%s.tmp' '%s'", T, k, primary, primary, primary, primary), 0);
}

static void setup(const char *name)
{
	T = tu_tmpdir(name);
	snprintf(repo, sizeof repo, "%s/repo", T);
	snprintf(node, sizeof node, "%s/node", T);
	snprintf(primary, sizeof primary, "%s/prod.rsnap", node);
	snprintf(keyf, sizeof keyf, "%s/k.key", T);
	snprintf(pubf, sizeof pubf, "%s/k.pub", T);
	memset(long_value, 'x', sizeof long_value - 1);
	long_value[0] = '<';
	long_value[sizeof long_value - 2] = '>';
	ck_assert_int_eq(tu_sh("mkdir -p '%s' '%s' && %s keygen --out '%s/k' >/dev/null",
			       repo, node, RSC_BIN, T), 0);
	tu_git_init(repo);
	rsl_keyring_free(keys);
	ck_assert_int_eq(rsl_keyring_new(&keys), RSL_OK);
	rsl_error e;
	ck_assert_int_eq(rsl_keyring_add_pem_file(keys, pubf, &e), RSL_OK);
	base_time = (long)time(NULL) - 1000;
}

static rsl_snapshot *open_gen(int k)
{
	char path[700];
	snprintf(path, sizeof path, "%s/s%d.rsnap", T, k);
	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	o.keys = keys;
	rsl_snapshot *s = NULL;
	rsl_error e;
	ck_assert_msg(rsl_open(&s, path, &o, &e) == RSL_OK, "%s", e.message);
	return s;
}

static rsl_client *new_client(void)
{
	rsl_client_options o = RSL_CLIENT_OPTIONS_INIT;
	o.keys = keys;
	o.flags = RSL_CLIENT_NO_THREAD;
	rsl_client *c = NULL;
	rsl_error e;
	ck_assert_int_eq(rsl_client_new(&c, primary, &o, &e), RSL_OK);
	return c;
}

static const rsl_attr staff_attrs[] = { RSL_STR("email", "ann@example.com") };
static const rsl_context staff = { "ann", NULL, NULL, NULL, NULL, staff_attrs, 1, 0, 0 };

/* ------------------------------------------------------------- details */

START_TEST(snapshot_detail_copies_everything)
{
	setup("detail-snap");
	compile_gen(1);
	rsl_snapshot *s = open_gen(1);
	rsl_info info;
	rsl_snapshot_info(&info, s);
	rsl_detail d;
	ck_assert_int_eq(rsl_evaluate_detail(&d, s, "greeting", RSL_STRING, &staff, NULL),
			 RSL_OK);
	rsl_close(s); /* nothing in d points into it */
	ck_assert_int_eq(d.value.type, RSL_STRING);
	ck_assert_str_eq(d.value.s, "hello-1");
	ck_assert_uint_eq(d.value.len, 7);
	ck_assert_str_eq(d.variant, "staff");
	ck_assert_int_eq(d.reason, RSL_REASON_TARGETING_MATCH);
	ck_assert_int_eq(d.error, RSL_ERR_NONE);
	ck_assert_int_eq(d.rule_index, 0);
	ck_assert_str_eq(d.rule_name, "staff only");
	ck_assert_str_eq(d.file, "environments/prod/greeting.yaml");
	ck_assert_uint_eq(d.line, 3);
	ck_assert_str_eq(d.environment, "prod");
	ck_assert_uint_eq(d.version, info.version);
	ck_assert_uint_eq(strlen(d.commit), 40);
	ck_assert_ptr_null(d.heap_);
	rsl_detail_free(&d);
	ck_assert_ptr_null(d.variant);
}
END_TEST

START_TEST(long_values_and_any_type)
{
	setup("detail-long");
	compile_gen(1);
	rsl_snapshot *s = open_gen(1);
	rsl_detail d;
	ck_assert_int_eq(rsl_evaluate_detail(&d, s, "blob", RSL_ANY, NULL, NULL), RSL_OK);
	ck_assert_int_eq(d.value.type, RSL_STRING);
	ck_assert_ptr_nonnull(d.heap_);
	ck_assert_uint_eq(d.value.len, strlen(long_value));
	ck_assert_str_eq(d.value.s, long_value);
	ck_assert_str_eq(d.variant, "big");
	ck_assert_int_eq(d.reason, RSL_REASON_STATIC);
	rsl_detail_free(&d);
	ck_assert_ptr_null(d.heap_);

	ck_assert_int_eq(rsl_evaluate_detail(&d, s, "tuning", RSL_ANY, NULL, NULL), RSL_OK);
	ck_assert_int_eq(d.value.type, RSL_OBJECT);
	ck_assert_str_eq(d.value.s, "{\"boost\":2,\"tags\":[\"a\",\"b\"]}");
	rsl_detail_free(&d);

	ck_assert_int_eq(rsl_evaluate_detail(&d, s, "size", RSL_ANY, NULL, NULL), RSL_OK);
	ck_assert_int_eq(d.value.type, RSL_INTEGER);
	ck_assert_int_eq(d.value.i, 1);
	ck_assert_ptr_null(d.value.s);
	rsl_detail_free(&d);
	rsl_close(s);
}
END_TEST

START_TEST(fallbacks_and_errors_are_copied)
{
	setup("detail-errors");
	compile_gen(1);
	rsl_snapshot *s = open_gen(1);
	char fb_text[16] = "mine";
	rsl_value fb = { RSL_STRING, 0, 0, 0.0, fb_text, 0 }; /* len 0: read to NUL */
	rsl_detail d;
	ck_assert_int_eq(rsl_evaluate_detail(&d, s, "nope", RSL_STRING, NULL, &fb), RSL_OK);
	strcpy(fb_text, "changed"); /* the detail has its own copy */
	ck_assert_str_eq(d.value.s, "mine");
	ck_assert_int_eq(d.reason, RSL_REASON_ERROR);
	ck_assert_int_eq(d.error, RSL_ERR_FLAG_NOT_FOUND);
	ck_assert_ptr_null(d.variant);
	ck_assert_ptr_null(d.rule_name);
	ck_assert_str_eq(d.environment, "prod");
	rsl_detail_free(&d);

	rsl_context strict = { 0 };
	strict.strict = 1;
	ck_assert_int_eq(rsl_evaluate_detail(&d, s, "size", RSL_BOOLEAN, &strict, NULL),
			 RSL_ESTRICT);
	ck_assert_int_eq(d.error, RSL_ERR_TYPE_MISMATCH);
	ck_assert_int_eq(d.value.type, RSL_BOOLEAN);
	ck_assert_int_eq(d.value.b, 0);
	rsl_detail_free(&d);

	ck_assert_int_eq(rsl_client_detail(&d, NULL, "size", RSL_INTEGER, NULL, NULL), RSL_OK);
	ck_assert_int_eq(d.error, RSL_ERR_PROVIDER_NOT_READY);
	ck_assert_ptr_null(d.environment);
	ck_assert_uint_eq(d.version, 0);
	rsl_detail_free(&d);
	ck_assert_int_eq(rsl_evaluate_detail(NULL, s, "size", RSL_ANY, NULL, NULL), RSL_EINVAL);
	rsl_detail_free(NULL);
	rsl_close(s);
}
END_TEST

START_TEST(reload_never_invalidates_a_detail)
{
	setup("detail-reload");
	compile_gen(1);
	compile_gen(2);
	publish(1);
	rsl_client *c = new_client();
	rsl_detail d1, long1;
	ck_assert_int_eq(rsl_client_detail(&d1, c, "greeting", RSL_STRING, &staff, NULL), RSL_OK);
	ck_assert_int_eq(rsl_client_detail(&long1, c, "blob", RSL_STRING, NULL, NULL), RSL_OK);
	rsl_flag_list *l1 = NULL;
	ck_assert_int_eq(rsl_client_flags(&l1, c), RSL_OK);

	publish(2);
	rsl_error e;
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_OK);
	/* The next refresh closes generation 1: no reader holds it. */
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_OK);
	rsl_client_status st;
	rsl_client_status_get(&st, c);
	ck_assert_uint_eq(st.snapshots_retiring, 0);

	rsl_detail d2;
	ck_assert_int_eq(rsl_client_detail(&d2, c, "greeting", RSL_STRING, &staff, NULL), RSL_OK);
	ck_assert_str_eq(d2.value.s, "hello-2");
	ck_assert_uint_gt(d2.version, d1.version);
	/* Generation 1's strings, read after its snapshot was freed. */
	ck_assert_str_eq(d1.value.s, "hello-1");
	ck_assert_str_eq(d1.variant, "staff");
	ck_assert_str_eq(d1.rule_name, "staff only");
	ck_assert_str_eq(d1.file, "environments/prod/greeting.yaml");
	ck_assert_str_eq(d1.environment, "prod");
	ck_assert_str_eq(long1.value.s, long_value);
	ck_assert_uint_eq(l1->count, 6);
	ck_assert_str_eq(l1->flags[0].key, "blob");
	ck_assert_str_eq(l1->environment, "prod");
	ck_assert_uint_eq(l1->version, d1.version);

	rsl_client_status_get(&st, c);
	ck_assert_uint_eq(st.evaluations, 3);
	rsl_client_free(c);
	ck_assert_str_eq(d2.commit, d2.commit); /* still readable after the free */
	ck_assert_str_eq(d2.value.s, "hello-2");
	rsl_detail_free(&d1);
	rsl_detail_free(&long1);
	rsl_detail_free(&d2);
	rsl_flag_list_free(l1);
}
END_TEST

/* ------------------------------------------------------------- listings */

START_TEST(snapshot_flags_in_key_order)
{
	setup("detail-flags");
	compile_gen(1);
	rsl_snapshot *s = open_gen(1);
	rsl_info info;
	rsl_snapshot_info(&info, s);
	ck_assert_uint_eq(info.flag_count, 6);
	static const char *keys_in_order[] = { "blob", "dark", "greeting", "rollout",
					       "size", "tuning" };
	rsl_flag_desc f;
	for (size_t i = 0; i < info.flag_count; i++) {
		ck_assert_int_eq(rsl_snapshot_flag(&f, s, i), RSL_OK);
		ck_assert_str_eq(f.key, keys_in_order[i]);
	}
	ck_assert_int_eq(rsl_snapshot_flag(&f, s, 6), RSL_EINVAL);
	ck_assert_int_eq(rsl_snapshot_flag(&f, NULL, 0), RSL_EINVAL);

	ck_assert_int_eq(rsl_snapshot_flag(&f, s, 2), RSL_OK); /* greeting */
	ck_assert_int_eq(f.type, RSL_STRING);
	ck_assert_uint_eq(f.variant_count, 2);
	ck_assert_str_eq(f.off_variant, "plain");
	ck_assert_str_eq(f.default_variant, "plain");
	ck_assert_int_eq(f.configured, 1);
	ck_assert_int_eq(f.enabled, 1);
	ck_assert_uint_eq(f.rule_count, 1);
	ck_assert_str_eq(f.file, "greeting.yaml");
	ck_assert_uint_eq(f.line, 1);

	ck_assert_int_eq(rsl_snapshot_flag(&f, s, 1), RSL_OK); /* dark: not configured */
	ck_assert_int_eq(f.type, RSL_BOOLEAN);
	ck_assert_int_eq(f.configured, 0);
	ck_assert_int_eq(f.enabled, 0);
	ck_assert_str_eq(f.default_variant, "off");
	ck_assert_int_eq(rsl_snapshot_flag(&f, s, 3), RSL_OK); /* rollout: a split */
	ck_assert_ptr_null(f.default_variant);
	ck_assert_int_eq(rsl_snapshot_flag(&f, s, 5), RSL_OK);
	ck_assert_int_eq(f.type, RSL_OBJECT);
	rsl_close(s);
}
END_TEST

START_TEST(client_flags_when_nothing_served)
{
	setup("detail-flags-none");
	rsl_client *c = new_client(); /* no file at primary */
	rsl_flag_list *l = NULL;
	ck_assert_int_eq(rsl_client_flags(&l, c), RSL_OK);
	ck_assert_uint_eq(l->count, 0);
	ck_assert_uint_eq(l->version, 0);
	ck_assert_str_eq(l->environment, "");
	rsl_flag_list_free(l);
	ck_assert_int_eq(rsl_client_flags(&l, NULL), RSL_OK);
	ck_assert_uint_eq(l->count, 0);
	rsl_flag_list_free(l);
	ck_assert_int_eq(rsl_client_flags(NULL, c), RSL_EINVAL);
	rsl_flag_list_free(NULL);

	compile_gen(3);
	publish(3);
	rsl_error e;
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_OK);
	ck_assert_int_eq(rsl_client_flags(&l, c), RSL_OK);
	ck_assert_uint_eq(l->count, 6);
	ck_assert_str_eq(l->flags[1].key, "dark");
	ck_assert_str_eq(l->flags[1].default_variant, "off");
	ck_assert_str_eq(l->flags[2].default_variant, "plain");
	ck_assert_str_eq(l->flags[4].file, "size.yaml");
	rsl_flag_list_free(l);
	rsl_client_free(c);
}
END_TEST

Suite *detail_suite(void);

Suite *detail_suite(void)
{
	Suite *s = suite_create("detail");
	TCase *tc = tcase_create("detail");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, snapshot_detail_copies_everything);
	tcase_add_test(tc, long_values_and_any_type);
	tcase_add_test(tc, fallbacks_and_errors_are_copied);
	tcase_add_test(tc, reload_never_invalidates_a_detail);
	tcase_add_test(tc, snapshot_flags_in_key_order);
	tcase_add_test(tc, client_flags_when_nothing_served);
	suite_add_tcase(s, tc);
	return s;
}
