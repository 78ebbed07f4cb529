/*
 * check_ctxjson.c - ctxjson.c, the evaluation context of rsc explain and
 * rsc watch: the --context JSON object and NAME=VALUE arguments, what each
 * becomes, and each refusal with its exact message and offset.
 */
#include <check.h>
#include <string.h>

#include "ctxjson.h"

static const rsl_attr *attr(const rsc_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->ctx.nattrs; i++)
		if (strcmp(c->ctx.attrs[i].name, name) == 0)
			return &c->ctx.attrs[i];
	return NULL;
}

START_TEST(json_members_become_attributes_and_fields)
{
	rsc_ctx c = RSC_CTX_INIT;
	char err[256] = "";
	ck_assert_int_eq(rsc_ctx_add_json(&c, " { \"targeting_key\": \"user-42\", "
					  "\"tenant_key\":\"acme\", \"environment\":\"prod\", "
					  "\"country\": \"D\\u00e9\", \"seats\": 1.5e2, "
					  "\"beta\": true, \"gone\": null, "
					  "\"tags\": [\"a\", \"b\\n\"], \"empty\": [] } ",
					  err, sizeof err), 0);
	rsc_ctx_finish(&c);
	ck_assert_str_eq(c.ctx.targeting_key, "user-42");
	ck_assert_str_eq(c.ctx.tenant_key, "acme");
	ck_assert_str_eq(c.ctx.environment, "prod");
	ck_assert_uint_eq(c.ctx.nattrs, 5); /* null is skipped */
	const rsl_attr *a = attr(&c, "country");
	ck_assert_int_eq(a->type, RSL_ATTR_STRING);
	ck_assert_str_eq(a->s, "D\xc3\xa9");
	ck_assert_int_eq(attr(&c, "seats")->type, RSL_ATTR_NUMBER);
	ck_assert(attr(&c, "seats")->n == 150.0);
	ck_assert_int_eq(attr(&c, "beta")->type, RSL_ATTR_BOOL);
	ck_assert_int_eq(attr(&c, "beta")->b, 1);
	a = attr(&c, "tags");
	ck_assert_int_eq(a->type, RSL_ATTR_LIST);
	ck_assert_uint_eq(a->len, 2);
	ck_assert_str_eq(a->list[1], "b\n");
	ck_assert_uint_eq(attr(&c, "empty")->len, 0);
	ck_assert_ptr_null(attr(&c, "gone"));
	rsc_ctx_free(&c);
}
END_TEST

START_TEST(pairs_are_typed_by_their_value)
{
	rsc_ctx c = RSC_CTX_INIT;
	char err[256] = "";
	ck_assert_int_eq(rsc_ctx_add_pair(&c, "targeting_key=u=1", err, sizeof err), 0);
	ck_assert_int_eq(rsc_ctx_add_pair(&c, "plan=pro", err, sizeof err), 0);
	ck_assert_int_eq(rsc_ctx_add_pair(&c, "seats=-12.5", err, sizeof err), 0);
	ck_assert_int_eq(rsc_ctx_add_pair(&c, "beta=false", err, sizeof err), 0);
	ck_assert_int_eq(rsc_ctx_add_pair(&c, "version=1.2.3", err, sizeof err), 0);
	ck_assert_int_eq(rsc_ctx_add_pair(&c, "note=", err, sizeof err), 0);
	rsc_ctx_finish(&c);
	ck_assert_str_eq(c.ctx.targeting_key, "u=1");
	ck_assert_uint_eq(c.ctx.nattrs, 5);
	ck_assert_int_eq(attr(&c, "plan")->type, RSL_ATTR_STRING);
	ck_assert_int_eq(attr(&c, "seats")->type, RSL_ATTR_NUMBER);
	ck_assert(attr(&c, "seats")->n == -12.5);
	ck_assert_int_eq(attr(&c, "beta")->type, RSL_ATTR_BOOL);
	ck_assert_int_eq(attr(&c, "beta")->b, 0);
	/* not a JSON number: a string, as SemVer operands need */
	ck_assert_int_eq(attr(&c, "version")->type, RSL_ATTR_STRING);
	ck_assert_str_eq(attr(&c, "note")->s, "");
	rsc_ctx_free(&c);
}
END_TEST

static const struct {
	const char *json;
	const char *message;
} json_refusals[] = {
	{ "[]", "at offset 0: expected a JSON object" },
	{ "{\"a\" 1}", "at offset 5: expected ':' after a key" },
	{ "{1: 2}", "at offset 1: expected a key" },
	{ "{\"\": 2}", "at offset 3: empty key" },
	{ "{\"9lives\": 2}", "at offset 1: key \"9lives\" is not an attribute name: an "
	  "attribute name is 1 to 64 letters, digits, '_', '-' and '.', starting with a "
	  "letter or '_'" },
	{ "{\"a\": 1 \"b\": 2}", "at offset 8: expected ',' or '}'" },
	{ "{\"a\": 1} x", "at offset 9: text after the object" },
	{ "{\"a\": \"x", "at offset 6: unterminated string" },
	{ "{\"a\": \"x\ty\"}", "at offset 8: control character in a string" },
	{ "{\"a\": \"\\q\"}", "at offset 7: bad escape" },
	{ "{\"a\": \"\\u12\"}", "at offset 7: bad \\u escape" },
	{ "{\"a\": \"\\ud800\"}", "at offset 7: unpaired surrogate in \\u escape" },
	{ "{\"a\": \"\\u0000\"}", "at offset 7: \\u0000 in a string" },
	{ "{\"a\": [\"x\", 1]}", "at offset 12: a list holds only strings" },
	{ "{\"a\": [\"x\" \"y\"]}", "at offset 11: expected ',' or ']'" },
	{ "{\"a\": {}}", "at offset 6: expected a string, number, true, false, null or a "
	  "list of strings" },
	{ "{\"targeting_key\": 42}", "at offset 18: \"targeting_key\" must be a string" },
};

START_TEST(json_refusals_say_where_and_what)
{
	rsc_ctx c = RSC_CTX_INIT;
	char err[512] = "";
	ck_assert_int_eq(rsc_ctx_add_json(&c, json_refusals[_i].json, err, sizeof err), -1);
	ck_assert_str_eq(err, json_refusals[_i].message);
	rsc_ctx_free(&c);
}
END_TEST

START_TEST(pair_refusals)
{
	rsc_ctx c = RSC_CTX_INIT;
	char err[512] = "";
	ck_assert_int_eq(rsc_ctx_add_pair(&c, "country", err, sizeof err), -1);
	ck_assert_str_eq(err, "'country' is not NAME=VALUE");
	ck_assert_int_eq(rsc_ctx_add_pair(&c, "=DE", err, sizeof err), -1);
	ck_assert_str_eq(err, "'=DE' is not NAME=VALUE");
	ck_assert_int_eq(rsc_ctx_add_pair(&c, "a b=1", err, sizeof err), -1);
	ck_assert_str_eq(err, "'a b' in 'a b=1' is not an attribute name: an attribute name "
			 "is 1 to 64 letters, digits, '_', '-' and '.', starting with a "
			 "letter or '_'");
	rsc_ctx_free(&c);
}
END_TEST

START_TEST(ofrep_envelope_is_the_context)
{
	rsc_ctx c = RSC_CTX_INIT;
	char err[256] = "";
	ck_assert_int_eq(rsc_ctx_add_ofrep(&c, "{\"context\": {\"targetingKey\": \"u-1\", "
					   "\"plan\": \"pro\", \"tags\": [\"a\"]}}", err, sizeof err), 0);
	rsc_ctx_finish(&c);
	ck_assert_str_eq(c.ctx.targeting_key, "u-1");
	ck_assert_uint_eq(c.ctx.nattrs, 2);
	ck_assert_str_eq(attr(&c, "plan")->s, "pro");
	rsc_ctx_free(&c);
	const char *empty[] = { "", " {} ", "{\"context\": null}", "{\"context\":{}}" };
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		rsc_ctx e = RSC_CTX_INIT;
		ck_assert_int_eq(rsc_ctx_add_ofrep(&e, empty[i], err, sizeof err), 0);
		ck_assert_uint_eq(e.nattrs, 0);
		ck_assert_ptr_null(e.ctx.targeting_key);
		rsc_ctx_free(&e);
	}
}
END_TEST

/* OFREP tells a body that is not JSON (PARSE_ERROR) from JSON that is
 * not a context (INVALID_CONTEXT). */
static const struct {
	const char *body;
	int rc;
	const char *msg;
} ofrep_bad[] = {
	{ "{\"context\": {\"a\": ", RSC_CTX_EPARSE, "at offset 18: expected a string, number, "
	  "true, false, null or a list of strings" },
	{ "[1]", RSC_CTX_EPARSE, "at offset 0: expected a JSON object" },
	{ "{\"context\": {}} x", RSC_CTX_EPARSE, "at offset 16: text after the object" },
	{ "{\"context\": {\"a\": {\"b\": 1}}}", RSC_CTX_EINVALID, "at offset 18: expected a "
	  "string, number, true, false, null or a list of strings" },
	{ "{\"context\": {\"a\": [1]}}", RSC_CTX_EINVALID,
	  "at offset 19: a list holds only strings" },
	{ "{\"context\": {\"targetingKey\": 7}}", RSC_CTX_EINVALID,
	  "at offset 29: \"targeting_key\" must be a string" },
	{ "{\"context\": {\"a b\": 1}}", RSC_CTX_EINVALID, "at offset 13: key \"a b\" is not "
	  "an attribute name: an attribute name is 1 to 64 letters, digits, '_', '-' and '.', "
	  "starting with a letter or '_'" },
	{ "{\"flags\": []}", RSC_CTX_EINVALID,
	  "at offset 1: unknown member \"flags\": a request holds only \"context\"" },
	{ "{\"context\": 3}", RSC_CTX_EINVALID, "at offset 12: \"context\" must be an object" },
};

START_TEST(ofrep_refusals_say_which_kind)
{
	rsc_ctx c = RSC_CTX_INIT;
	char err[256] = "";
	ck_assert_int_eq(rsc_ctx_add_ofrep(&c, ofrep_bad[_i].body, err, sizeof err),
			 ofrep_bad[_i].rc);
	ck_assert_str_eq(err, ofrep_bad[_i].msg);
	rsc_ctx_free(&c);
}
END_TEST

Suite *ctxjson_suite(void);

Suite *ctxjson_suite(void)
{
	Suite *s = suite_create("ctxjson");
	TCase *tc = tcase_create("ctxjson");
	tcase_add_test(tc, json_members_become_attributes_and_fields);
	tcase_add_test(tc, pairs_are_typed_by_their_value);
	tcase_add_loop_test(tc, json_refusals_say_where_and_what, 0,
			    (int)(sizeof json_refusals / sizeof json_refusals[0]));
	tcase_add_test(tc, pair_refusals);
	tcase_add_test(tc, ofrep_envelope_is_the_context);
	tcase_add_loop_test(tc, ofrep_refusals_say_which_kind, 0,
			    (int)(sizeof ofrep_bad / sizeof ofrep_bad[0]));
	suite_add_tcase(s, tc);
	return s;
}
