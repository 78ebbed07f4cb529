/*
 * check_decode.c - the strict decoding of a snapshot's body (loader/
 * decode.c and its graph checks): every field, each refusal with its exact
 * code and message, the bounds on depth, cycles and cost, and the flag
 * index.  Bodies are written in diagnostic notation (snapfix.h).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsl.h"
#include "snapfix.h"
#include "testutil.h"

/* ----------------------------------------------------------- decoding */

START_TEST(decodes_every_field)
{
	rsl_snapshot *s = decode_ok(BASE, "prod");
	rsl_info in;
	rsl_snapshot_info(&in, s);
	ck_assert_uint_eq(in.format, 1);
	ck_assert_str_eq(in.environment, "prod");
	ck_assert(in.version == 1700000100u);
	ck_assert(in.issued_at == 1700000100);
	ck_assert(in.expires_at == 1700086500);
	ck_assert_str_eq(in.commit, "0123456789abcdef0123456789abcdef01234567");
	ck_assert(in.commit_time == 1700000100);
	ck_assert_str_eq(in.author, "Ann Example <ann@example.com>");
	ck_assert_str_eq(in.subject, "Ramp checkout to 20%");
	ck_assert_str_eq(in.repository, "https://example.com/flags.git");
	ck_assert_str_eq(in.path, "flags");
	ck_assert_str_eq(in.rsc_version, "0.1.0");
	ck_assert_uint_eq(in.flag_count, 5);

	ck_assert_uint_eq(s->nsegments, 2);
	ck_assert_str_eq(RSL__S(s->segments[1].key), "internal");
	const rsl__cond *sw = rsl__when(&s->segments[1].when);
	ck_assert_uint_eq(sw->op, RSL_OP_ANY);
	ck_assert_uint_eq(sw->nkids, 2);
	ck_assert_uint_eq(RSL__AT(rsl__cond, sw->kids)[0].op, RSL_OP_ENDS_WITH);
	ck_assert_str_eq(RSL__S(RSL__AT(rsl__cond, sw->kids)[0].value.s), "@example.com");
	ck_assert_uint_eq(RSL__AT(rsl__cond, sw->kids)[1].op, RSL_OP_SEGMENT);
	ck_assert_uint_eq(RSL__AT(rsl__cond, sw->kids)[1].segment, 0);
	const rsl__cond *beta = rsl__when(&s->segments[0].when);
	ck_assert_uint_eq(beta->ci, 1);
	ck_assert_uint_eq(beta->nlist, 2);
	ck_assert_str_eq(RSL__S(RSL__AT(rsl__val, beta->list)[1].s), "enterprise");
	ck_assert_uint_eq(RSL__AT(rsl__val, beta->list)[1].s.len, 10);

	ck_assert_uint_eq(s->nflags, 5);
	const rsl__flag *f = &s->flags[0];
	ck_assert_str_eq(RSL__S(f->key), "checkout");
	ck_assert_uint_eq(f->type, RSL_TYPE_BOOLEAN);
	ck_assert_uint_eq(f->nvariants, 2);
	ck_assert_str_eq(RSL__S(RSL__AT(rsl__variant, f->variants)[1].name), "on");
	ck_assert_uint_eq(RSL__AT(rsl__variant, f->variants)[1].value.kind, RSL__V_BOOL);
	ck_assert_int_eq(RSL__AT(rsl__variant, f->variants)[1].value.b, 1);
	ck_assert(f->configured && f->enabled && !f->is_static);
	ck_assert_str_eq(RSL__S(f->file), "flags/checkout.yaml");
	ck_assert_str_eq(RSL__S(f->tfile), "environments/prod/checkout.yaml");
	ck_assert_uint_eq(f->nrequires, 1);
	ck_assert_uint_eq(RSL__AT(rsl__req, f->requires)[0].flag, 4);
	ck_assert_uint_eq(RSL__AT(rsl__req, f->requires)[0].variant, 1);
	ck_assert_uint_eq(f->nrules, 3);
	ck_assert_str_eq(RSL__S(RSL__AT(rsl__rule, f->rules)[1].name), "new app");
	ck_assert_uint_eq(RSL__AT(rsl__rule, f->rules)[1].line, 8);
	const rsl__cond *w = rsl__when(&RSL__AT(rsl__rule, f->rules)[1].when);
	ck_assert_uint_eq(w->nkids, 5);
	ck_assert_uint_eq(RSL__AT(rsl__cond, w->kids)[0].op, RSL_OP_SEMVER_GTE);
	ck_assert(RSL__AT(rsl__cond, w->kids)[0].semver.major == 2 && RSL__AT(rsl__cond, w->kids)[0].semver.minor == 3 &&
		  RSL__AT(rsl__cond, w->kids)[0].semver.patch == 0);
	ck_assert_uint_eq(RSL__AT(rsl__cond, w->kids)[0].semver.pre.len, 4);
	ck_assert_int_eq(memcmp(RSL__S(RSL__AT(rsl__cond, w->kids)[0].semver.pre), "rc.1", 4), 0);
	ck_assert(RSL__AT(rsl__cond, w->kids)[1].value.i == 1767225600);
	ck_assert_uint_eq(RSL__AT(rsl__cond, w->kids)[2].value.kind, RSL__V_FLOAT);
	ck_assert(RSL__AT(rsl__cond, w->kids)[2].value.f == 2.5);
	ck_assert_uint_eq(RSL__AT(rsl__cond, w->kids)[3].op, RSL_OP_EXISTS);
	ck_assert_int_eq(RSL__AT(rsl__cond, w->kids)[3].value.b, 1);
	ck_assert_uint_eq(RSL__AT(rsl__cond, w->kids)[3].attr_kind, RSL__ATTR_NAMED);
	/* The hash a test's attribute is looked up by (match.h), set here. */
	ck_assert_uint_eq(RSL__AT(rsl__cond, w->kids)[3].attr_hash,
			  rsl__name_hash(RSL__S(RSL__AT(rsl__cond, w->kids)[3].attr), RSL__AT(rsl__cond, w->kids)[3].attr.len));
	ck_assert_uint_eq(RSL__AT(rsl__cond, RSL__AT(rsl__cond, w->kids)[4].kids)[0].value.kind, RSL__V_STRING);
	const rsl__serve *sv = &RSL__AT(rsl__rule, f->rules)[1].serve;
	ck_assert_uint_eq(sv->kind, RSL_SERVE_SPLIT);
	ck_assert_uint_eq(sv->by_kind, RSL__ATTR_TENANT_KEY);
	ck_assert_uint_eq(sv->by_hash, rsl__name_hash("tenant_key", 10));
	ck_assert_uint_eq(sv->split.n, 2);
	ck_assert_uint_eq(RSL__AT(uint32_t, sv->split.variant)[0], 1);
	ck_assert_uint_eq(RSL__AT(uint32_t, sv->split.upper)[0], 20000);
	ck_assert_uint_eq(RSL__AT(uint32_t, sv->split.upper)[1], 100000);
	sv = &RSL__AT(rsl__rule, f->rules)[2].serve;
	ck_assert_ptr_null(rsl__when(&RSL__AT(rsl__rule, f->rules)[2].when));
	ck_assert_uint_eq(sv->kind, RSL_SERVE_SCHEDULE);
	ck_assert_uint_eq(sv->by_kind, RSL__ATTR_TARGETING_KEY);
	ck_assert_uint_eq(sv->nsteps, 2);
	ck_assert_uint_eq(RSL__AT(rsl__step, sv->steps)[0].kind, RSL_SERVE_VARIANT);
	ck_assert_uint_eq(RSL__AT(rsl__step, sv->steps)[1].kind, RSL_SERVE_SPLIT);
	ck_assert_uint_eq(RSL__AT(uint32_t, RSL__AT(rsl__step, sv->steps)[1].split.upper)[0], 50000);
	ck_assert_uint_eq(f->default_line, 20);

	f = &s->flags[1]; /* color: one answer for everyone */
	ck_assert(f->is_static);
	ck_assert_str_eq(RSL__S(RSL__AT(rsl__variant, f->variants)[1].value.s), "blue");
	ck_assert_uint_eq(f->dflt.variant, 1);
	f = &s->flags[2]; /* limit: not configured in prod */
	ck_assert(!f->configured && !f->is_static);
	ck_assert_uint_eq(f->tfile.len, 0);
	ck_assert_uint_eq(RSL__AT(rsl__variant, f->variants)[1].value.kind, RSL__V_INT);
	ck_assert(RSL__AT(rsl__variant, f->variants)[1].value.i == -1000);
	ck_assert(RSL__AT(rsl__variant, f->variants)[1].value.f == -1000.0);
	f = &s->flags[3]; /* ratio: killed; an integral float written as 2 */
	ck_assert(f->configured && !f->enabled && !f->is_static);
	ck_assert_uint_eq(RSL__AT(rsl__variant, f->variants)[1].value.kind, RSL__V_FLOAT);
	ck_assert(RSL__AT(rsl__variant, f->variants)[1].value.f == 2.0);
	f = &s->flags[4];
	ck_assert_uint_eq(RSL__AT(rsl__variant, f->variants)[0].value.kind, RSL__V_JSON);
	ck_assert_str_eq(RSL__S(RSL__AT(rsl__variant, f->variants)[0].value.s), "{\"bg\":\"#000\"}");
	ck_assert_str_eq(RSL__S(f->salt), "theme-v2");
	const rsl__cond *lst = rsl__when(&RSL__AT(rsl__rule, f->rules)[0].when);
	ck_assert_uint_eq(lst->nlist, 3);
	ck_assert_uint_eq(RSL__AT(rsl__val, lst->list)[1].kind, RSL__V_INT);
	ck_assert_uint_eq(RSL__AT(rsl__val, lst->list)[2].kind, RSL__V_FLOAT);
	rsl_close(s);
}
END_TEST

START_TEST(missing_optional_provenance_is_empty)
{
	char *a = edit(BASE, "'author': 'Ann Example <ann@example.com>',", "");
	char *b = edit(a, "'subject': 'Ramp checkout to 20%',", "");
	char *c = edit(b, "'repo': 'https://example.com/flags.git'", "");
	char *d = edit(c, "'expires_at': 1700086500,", "");
	rsl_snapshot *s = decode_ok(d, NULL);
	rsl_info in;
	rsl_snapshot_info(&in, s);
	ck_assert_str_eq(in.author, "");
	ck_assert_str_eq(in.subject, "");
	ck_assert_str_eq(in.repository, "");
	ck_assert(in.expires_at == 0);
	rsl_close(s);
	free(a), free(b), free(c), free(d);
	/* NULL is fine for info and close. */
	rsl_snapshot_info(&in, NULL);
	ck_assert_str_eq(in.environment, "");
	rsl_close(NULL);
}
END_TEST

START_TEST(refuses_other_format_env_and_bucketing)
{
	edit_err("'format': 1", "'format': 3", RSL_EVERSION,
		 "payload: snapshot format 3 is not supported (this library "
		 "reads formats 1 and 2)");
	/* The format is read first, whatever else is wrong. */
	char *d = edit(BASE, "'format': 1", "'format': 3, 'zzz': 1");
	char *d2 = edit(d, "'env': 'prod'", "'env': 7");
	decode_err(d2, "prod", RSL_EVERSION, "payload: snapshot format 3 is not "
		   "supported (this library reads formats 1 and 2)");
	free(d2);
	d2 = edit(BASE, "'format': 1", "'format': 3");
	char *d3 = edit(d2, "'env': 'prod'", "'env': 7");
	decode_err(d3, "prod", RSL_EVERSION, "payload: snapshot format 3 is not "
		   "supported (this library reads formats 1 and 2)");
	free(d), free(d2), free(d3);
	decode_err(BASE, "staging", RSL_EENV,
		   "snapshot is for 'prod', expected 'staging'");
	edit_err("'bucketing': 1", "'bucketing': 2", RSL_EVERSION,
		 "payload: bucketing algorithm 2 is not supported (this library "
		 "knows 1)");
	edit_err("'format': 1,", "", RSL_EFORMAT,
		 "payload: the body: missing 'format'");
}
END_TEST

/* Defence in depth: bodies that are signed but that rsc never writes
 * (a buggy or compromised signer) are refused, each naming the field.
 * Names follow the language's grammar (loader/names.h, the compiler's
 * too); strings the compiler accepts with any character stay accepted. */
#define KEY_RULE "expected 1 to 64 lowercase letters, digits, '-' or '_', starting with a letter"
#define ATTR_RULE "expected 1 to 64 letters, digits, '_', '-' or '.', starting with a letter or '_'"

START_TEST(refuses_names_rsc_never_writes)
{
	edit_err("'env': 'prod'", "'env': 'PROD'", RSL_EFORMAT,
		 "payload: env 'PROD' is not an environment name: " KEY_RULE);
	/* Checked before the environment is compared: a format error. */
	char *d = edit(BASE, "'env': 'prod'", "'env': 'PROD'");
	decode_err(d, "prod", RSL_EFORMAT,
		   "payload: env 'PROD' is not an environment name: " KEY_RULE);
	free(d);
	/* 100,000 characters: refused, not cut short in the status. */
	size_t big = 100000;
	char *env = malloc(big + 32);
	memcpy(env, "'env': '", 8);
	memset(env + 8, 'e', big);
	memcpy(env + 8 + big, "'", 2);
	d = edit(BASE, "'env': 'prod'", env);
	decode_err(d, NULL, RSL_EFORMAT,
		   "payload: env 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee...' is not an "
		   "environment name: " KEY_RULE);
	free(d), free(env);

	edit_err("'commit': '0123456789abcdef0123456789abcdef01234567'", "'commit': 'zz'",
		 RSL_EFORMAT, "payload: provenance: commit 'zz' is not a commit id: expected 40 "
		 "lowercase hexadecimal digits, or 'worktree' (rsc compile --worktree)");
	edit_err("'commit': '0123456789abcdef0123456789abcdef01234567'",
		 "'commit': '0123456789ABCDEF0123456789abcdef01234567'", RSL_EFORMAT,
		 "payload: provenance: commit '0123456789ABCDEF0123456789abcdef01234567' is "
		 "not a commit id: expected 40 lowercase hexadecimal digits, or 'worktree' "
		 "(rsc compile --worktree)");
	edit_err("'commit': '0123456789abcdef0123456789abcdef01234567'",
		 "'commit': '0123456789abcdef0123456789abcdef012345'", RSL_EFORMAT,
		 "payload: provenance: commit '0123456789abcdef0123456789abcdef012345' is "
		 "not a commit id: expected 40 lowercase hexadecimal digits, or 'worktree' "
		 "(rsc compile --worktree)");

	edit_err("{'key': 'ratio',", "{'key': 'App-home',", RSL_EFORMAT,
		 "payload: flag 3 'App-home': key 'App-home' is not a flag key: " KEY_RULE);
	edit_err("{'key': 'limit',", "{'key': '9lives',", RSL_EFORMAT,
		 "payload: flag 2 '9lives': key '9lives' is not a flag key: " KEY_RULE);
	edit_err("{'key': 'beta',", "{'key': 'be ta',", RSL_EFORMAT,
		 "payload: segment 0 'be ta': key 'be ta' is not a segment key: " KEY_RULE);
	edit_err("['red', 'red']", "['Red', 'red']", RSL_EFORMAT,
		 "payload: flag 1 'color': variant 0: name 'Red' is not a variant name: "
		 KEY_RULE);

	edit_err("'attr': 'seats'", "'attr': 'seat count'", RSL_EFORMAT,
		 "payload: flag 0 'checkout': rule 1: attr 'seat count' is not an attribute "
		 "name: " ATTR_RULE);
	edit_err("'attr': 'plan'", "'attr': 'pl\\x01an'", RSL_EFORMAT,
		 "payload: segment 0 'beta': attr 'pl\\x01an' is not an attribute name: "
		 ATTR_RULE);
	char a65[160], a64[72];
	memset(a64, 'a', 64);
	a64[64] = '\0';
	snprintf(a65, sizeof a65, "'attr': '%sa'", a64);
	edit_err("'attr': 'seats'", a65, RSL_EFORMAT,
		 "payload: flag 0 'checkout': rule 1: attr "
		 "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is not an attribute name: "
		 ATTR_RULE);
	snprintf(a65, sizeof a65, "'attr': '%s'", a64); /* 64: the longest */
	d = edit(BASE, "'attr': 'seats'", a65);
	rsl_close(decode_ok(d, NULL));
	free(d);
	edit_err("'by': 'tenant_key'", "'by': 'tenant key'", RSL_EFORMAT,
		 "payload: flag 0 'checkout': rule 1: by 'tenant key' is not an attribute "
		 "name: " ATTR_RULE);

	edit_err("[[1, 20000], [0, 80000]]", "[[1, 20000], [1, 80000]]", RSL_EFORMAT,
		 "payload: flag 0 'checkout': rule 1: split entry 1: variant 1 is already "
		 "split entry 0's: a split names each variant once");
}
END_TEST

/* What the compiler accepts, the loader accepts: names at the edges of the
 * grammar, and control characters in the strings the language does not
 * restrict (YAML escapes put them in rule names, values and the salt). */
START_TEST(accepts_what_rsc_may_write)
{
	char *a = edit(BASE, "{'key': 'ratio',", "{'key': 'r_9-x',");
	char *b = edit(a, "'attr': 'seats'", "'attr': '_Seats.v2-x'");
	char *c = edit(b, "'name': 'staff',", "'name': 'staff\\tonly\\x01',");
	char *d = edit(c, "['red', 'red']", "['red', 'line one\\nline two\\x1b']");
	char *e = edit(d, "'salt': 'color'", "'salt': 'c\\x7f'");
	char *f = edit(e, "'commit': '0123456789abcdef0123456789abcdef01234567'",
		       "'commit': 'worktree'");
	rsl_snapshot *s = decode_ok(f, NULL);
	rsl_info in;
	rsl_snapshot_info(&in, s);
	ck_assert_str_eq(in.commit, "worktree");
	ck_assert_str_eq(rsl_string(s, "color", NULL, "x"), "blue");
	rsl_close(s);
	free(a), free(b), free(c), free(d), free(e), free(f);
}
END_TEST

START_TEST(refuses_out_of_range_indexes)
{
	edit_err("'serve': {'kind': 0, 'variant': 1}}", "'serve': {'kind': 0, "
		 "'variant': 7}}", RSL_EFORMAT,
		 "payload: flag 0 'checkout': rule 0: variant index 7 out of "
		 "range (2 variants)");
	edit_err("'off': 0, 'salt': 'color'", "'off': 2, 'salt': 'color'",
		 RSL_EFORMAT, "payload: flag 1 'color': variant index 2 out of "
		 "range (2 variants)");
	edit_err("[[1, 20000], [0, 80000]]", "[[1, 20000], [3, 80000]]",
		 RSL_EFORMAT, "payload: flag 0 'checkout': rule 1: split entry 1: "
		 "variant index 3 out of range (2 variants)");
	edit_err("'requires': [[4, 1]]", "'requires': [[9, 1]]", RSL_EFORMAT,
		 "payload: flag 0 'checkout': requires 0: flag index 9 out of "
		 "range (5 flags)");
	edit_err("'requires': [[4, 1]]", "'requires': [[4, 5]]", RSL_EFORMAT,
		 "payload: flag 0 'checkout': flag 'checkout' requires variant "
		 "index 5 of 'theme', out of range (2 variants)");
	edit_err("'requires': [[4, 1]]", "'requires': [[0, 1]]", RSL_EFORMAT,
		 "payload: flag 0 'checkout': requires 0: the flag requires itself");
	edit_err("{'op': 35, 'segment': 0}", "{'op': 35, 'segment': 2}",
		 RSL_EFORMAT, "payload: segment 1 'internal': segment index 2 out "
		 "of range (2 segments)");
	edit_err("{'op': 35, 'segment': 1}", "{'op': 35, 'segment': 2}",
		 RSL_EFORMAT, "payload: flag 0 'checkout': rule 0: segment index "
		 "2 out of range (2 segments)");
}
END_TEST

START_TEST(refuses_bad_splits_and_schedules)
{
	edit_err("[[1, 20000], [0, 80000]]", "[[1, 20000], [0, 70000]]",
		 RSL_EFORMAT, "payload: flag 0 'checkout': rule 1: split weights "
		 "add up to 90000, not 100000");
	edit_err("[[1, 20000], [0, 80000]]", "[[1, 20001], [0, 80000]]",
		 RSL_EFORMAT, "payload: flag 0 'checkout': rule 1: split weights "
		 "add up to more than 100000");
	edit_err("[[1, 20000], [0, 80000]]", "[]", RSL_EFORMAT,
		 "payload: flag 0 'checkout': rule 1: 'split' must be an array of "
		 "1 to 64 [variant, weight] entries");
	edit_err("[[1, 20000], [0, 80000]]", "[[1, 20000, 5], [0, 80000]]",
		 RSL_EFORMAT, "payload: flag 0 'checkout': rule 1: split entry 0 "
		 "must be [variant index, weight]");
	edit_err("{'at': 1767312000,", "{'at': 1767225600,", RSL_EFORMAT,
		 "payload: flag 0 'checkout': rule 2: step 1: 'at' 1767225600 is "
		 "not after the previous step's 1767225600");
	edit_err("{'at': 1767225600, 'variant': 0}",
		 "{'at': 1767225600, 'variant': 0, 'split': [[0, 100000]]}",
		 RSL_EFORMAT, "payload: flag 0 'checkout': rule 2: step 0 must "
		 "have exactly one of 'variant' and 'split'");
	edit_err("'serve': {'kind': 0, 'variant': 1}}", "'serve': {'kind': 1, "
		 "'variant': 1}}", RSL_EFORMAT, "payload: flag 0 'checkout': rule "
		 "0: serve: 'variant' is not allowed with kind 1");
	edit_err("'serve': {'kind': 0, 'variant': 1}}", "'serve': {'kind': 1}}",
		 RSL_EFORMAT, "payload: flag 0 'checkout': rule 0: serve: missing "
		 "'by' (kind 1)");
	edit_err("'default': {'kind': 0, 'variant': 0}, 'default_line': 20",
		 "'default': {'kind': 3}, 'default_line': 20", RSL_EFORMAT,
		 "payload: flag 0 'checkout': default: serve: unknown kind 3");
}
END_TEST

START_TEST(refuses_bad_flags_and_variants)
{
	edit_err("{'key': 'color',", "{'key': 'alpha',", RSL_EFORMAT,
		 "payload: flag 1 'alpha': flags are not sorted by key, or not "
		 "unique: 'alpha' after 'checkout'");
	edit_err("{'key': 'color',", "{'key': 'checkout',", RSL_EFORMAT,
		 "payload: flag 1 'checkout': flags are not sorted by key, or not "
		 "unique: 'checkout' after 'checkout'");
	edit_err("{'key': 'internal',", "{'key': 'beta',", RSL_EFORMAT,
		 "payload: segment 1 'beta': segments are not sorted by key, or not "
		 "unique: 'beta' after 'beta'");
	edit_err("['high', -1000]", "['high', 'x']", RSL_EFORMAT,
		 "payload: flag 2 'limit': variant 1: 'value' must be an integer");
	edit_err("['half', 0.5]", "['half', true]", RSL_EFORMAT,
		 "payload: flag 3 'ratio': variant 0: 'value' must be a number");
	edit_err("['two', 2]", "['two', Infinity]", RSL_EFORMAT,
		 "payload: flag 3 'ratio': variant 1: 'value' is not a finite "
		 "number");
	edit_err("['red', 'red']", "['red', 1]", RSL_EFORMAT,
		 "payload: flag 1 'color': variant 0: 'value' must be a text string");
	edit_err("['blue', 'blue']", "['red', 'blue']", RSL_EFORMAT,
		 "payload: flag 1 'color': variant 1: duplicate variant name 'red'");
	edit_err("'variants': [['low', 10], ['high', -1000]]", "'variants': []",
		 RSL_EFORMAT, "payload: flag 2 'limit': 'variants' must be an array "
		 "of 1 to 64 [name, value] pairs");
	edit_err("'type': 2,", "'type': 5,", RSL_EFORMAT,
		 "payload: flag 2 'limit': 'type' is 5, more than 4");
	edit_err("'salt': 'color', ", "", RSL_EFORMAT,
		 "payload: flag 1 'color': flag: missing 'salt'");
	edit_err("'name': 'staff',", "'name': 'staff', 'extra': 1,", RSL_EFORMAT,
		 "payload: flag 0 'checkout': rule 0: rule: unknown key 'extra'");
	edit_err("{'key': 'limit',", "{'key': 'li\\x00mit',", RSL_EFORMAT,
		 "payload: flag 2: 'key' contains a NUL byte");
	edit_err("{'key': 'limit',", "{'key': '',", RSL_EFORMAT,
		 "payload: flag 2: 'key' is empty");
	edit_err("'enabled': false,", "'enabled': 0,", RSL_EFORMAT,
		 "payload: flag 3 'ratio': 'enabled' must be a boolean");
	edit_err("'line': 2}", "'line': 4294967296}", RSL_EFORMAT,
		 "payload: flag 2 'limit': 'line' is 4294967296, more than "
		 "4294967295");
}
END_TEST

START_TEST(refuses_bad_conditions)
{
	edit_err("{'op': 11, 'attr': 'seats', 'value': 2.5}",
		 "{'op': 11, 'attr': 'seats', 'value': '2.5'}", RSL_EFORMAT,
		 "payload: flag 0 'checkout': rule 1: 'value' must be a number");
	edit_err("{'op': 11, 'attr': 'seats', 'value': 2.5}",
		 "{'op': 11, 'attr': 'seats', 'value': 2.5, 'ci': true}",
		 RSL_EFORMAT, "payload: flag 0 'checkout': rule 1: condition: 'ci' "
		 "is not allowed with op 11");
	edit_err("'values': ['pro', 'enterprise'], 'ci': true",
		 "'values': ['pro', 'enterprise'], 'ci': false", RSL_EFORMAT,
		 "payload: segment 0 'beta': 'ci' is written only when true");
	edit_err("'values': ['pro', 'enterprise']", "'values': []", RSL_EFORMAT,
		 "payload: segment 0 'beta': op 3: 'values' must be an array of 1 "
		 "to 1000 values");
	edit_err("'values': ['pro', 'enterprise']", "'values': ['pro', true]",
		 RSL_EFORMAT, "payload: segment 0 'beta': 'values' must be a text "
		 "string or a number");
	edit_err("'value': 'v2.3.0-rc.1+b7'", "'value': '2.3'", RSL_EFORMAT,
		 "payload: flag 0 'checkout': rule 1: '2.3' is not a semantic "
		 "version");
	edit_err("{'op': 18, 'attr': 'signup', 'value': 1767225600}",
		 "{'op': 18, 'attr': 'signup', 'value': 1.5}", RSL_EFORMAT,
		 "payload: flag 0 'checkout': rule 1: 'value' must be an integer");
	edit_err("{'op': 19, 'attr': 'email', 'value': true}",
		 "{'op': 19, 'attr': 'email'}", RSL_EFORMAT,
		 "payload: flag 0 'checkout': rule 1: condition: missing 'value' "
		 "(op 19)");
	edit_err("{'op': 19, 'attr': 'email', 'value': true}",
		 "{'op': 20, 'attr': 'email', 'value': true}", RSL_EFORMAT,
		 "payload: flag 0 'checkout': rule 1: unknown condition op 20");
	edit_err("{'op': 34, 'kids': [{'op': 1, 'attr': 'country', 'value': 'NO'}]}",
		 "{'op': 34, 'kids': [{'op': 1, 'attr': 'country', 'value': 'NO'},"
		 " {'op': 1, 'attr': 'x', 'value': 1}]}", RSL_EFORMAT,
		 "payload: flag 0 'checkout': rule 1: op 34: 'kids' must be an "
		 "array of 1 to 1 conditions");
	edit_err("{'op': 35, 'segment': 1}", "{'op': 35, 'segment': 1, "
		 "'attr': 'x'}", RSL_EFORMAT, "payload: flag 0 'checkout': rule 0: "
		 "condition: 'attr' is not allowed with op 35");
	edit_err("{'op': 1, 'attr': 'country', 'value': 'NO'}",
		 "{'op': 1, 'attr': '', 'value': 'NO'}", RSL_EFORMAT,
		 "payload: flag 0 'checkout': rule 1: 'attr' is empty");
}
END_TEST

/* A condition of `depth` levels: not(not(...(attr test))). */
static char *nested(int depth)
{
	size_t cap = (size_t)depth * 32 + 64;
	char *s = malloc(cap);
	size_t n = 0;
	for (int i = 1; i < depth; i++)
		n += (size_t)snprintf(s + n, cap - n, "{'op': 34, 'kids': [");
	n += (size_t)snprintf(s + n, cap - n, "{'op': 19, 'attr': 'a', 'value': true}");
	for (int i = 1; i < depth; i++)
		n += (size_t)snprintf(s + n, cap - n, "]}");
	return s;
}

START_TEST(bounds_condition_depth_through_segments)
{
	const char *rule_when = "'when': {'op': 35, 'segment': 1}";
	char *c16 = nested(16), *c17 = nested(17), *c15 = nested(15);
	char w[4096];
	/* 16 levels in a rule: fine; 17: refused. */
	snprintf(w, sizeof w, "'when': %s", c16);
	char *d = edit(BASE, rule_when, w);
	rsl_close(decode_ok(d, NULL));
	free(d);
	snprintf(w, sizeof w, "'when': %s", c17);
	edit_err(rule_when, w, RSL_EFORMAT, "payload: flag 0 'checkout': rule 0: "
		 "conditions nested deeper than 16 levels");
	/* Through a segment: the reference is a level of its own. */
	const char *beta = "'when': {'op': 3, 'attr': 'plan',"
			   "      'values': ['pro', 'enterprise'], 'ci': true}";
	/* rule: ref (1) -> internal: any (2) -> ref (3) -> beta (4..) */
	char *c14 = nested(14);
	snprintf(w, sizeof w, "'when': %s", c14);
	char *d1 = edit(BASE, beta, w);
	decode_err(d1, NULL, RSL_EFORMAT, "payload: flag 0 'checkout': rule 0: "
		   "conditions nested deeper than 16 levels (counting through "
		   "segments)");
	free(d1);
	/* Segments alone: internal: any (1) -> ref (2) -> beta (3..17). */
	snprintf(w, sizeof w, "'when': %s", c15);
	d1 = edit(BASE, beta, w);
	decode_err(d1, NULL, RSL_EFORMAT, "payload: segment 1 'internal': "
		   "conditions nested deeper than 16 levels (counting through "
		   "segments)");
	free(c14);
	char *c13 = nested(13);
	snprintf(w, sizeof w, "'when': %s", c13);
	char *d2 = edit(BASE, beta, w);  /* 1 + 1 + 1 + 13 = 16 */
	rsl_close(decode_ok(d2, NULL));
	free(c16), free(c17), free(c15), free(c13), free(d1), free(d2);
}
END_TEST

START_TEST(refuses_cycles)
{
	edit_err("{'key': 'beta', 'when': {'op': 3, 'attr': 'plan',"
		 "      'values': ['pro', 'enterprise'], 'ci': true}}",
		 "{'key': 'beta', 'when': {'op': 35, 'segment': 1}}", RSL_EFORMAT,
		 "payload: segment 0 'beta': segments refer to each other in a "
		 "cycle through 'beta'");
	edit_err("'when': {'op': 33, 'kids': [", "'when': {'op': 33, 'kids': "
		 "[{'op': 35, 'segment': 1},", RSL_EFORMAT,
		 "payload: segment 1 'internal': segments refer to each other in a "
		 "cycle through 'internal'");
	char *d = edit(BASE, "'enabled': true,     'requires': [], 'rules': "
		       "[{'name': 'eu'", "'enabled': true,     'requires': [[0, 1]], "
		       "'rules': [{'name': 'eu'");
	decode_err(d, NULL, RSL_EFORMAT, "payload: flag 0 'checkout': "
		   "prerequisites form a cycle through flag 'checkout'");
	free(d);
}
END_TEST

/* A flag 'f' with the given rules (the text inside the brackets) and
 * requires, and flags 'p00'.. with one rule `when` each. */
static char *cost_flags(const char *rules, const char *requires, int np,
			const char *pwhen)
{
	size_t cap = strlen(rules) + strlen(requires) + 512 +
		     (size_t)np * (strlen(pwhen) + 400);
	char *fl = malloc(cap);
	size_t n = (size_t)snprintf(fl, cap, "{'key': 'f', 'type': 0, 'variants': "
				    "[['a', true]], 'off': 0, 'salt': '', 'file': 'x', "
				    "'line': 1, 'targeting': {'file': 't', 'enabled': "
				    "true, 'requires': [%s], 'rules': [%s], 'default': "
				    "{'kind': 0, 'variant': 0}, 'default_line': 1}}",
				    requires, rules);
	for (int i = 0; i < np; i++)
		n += (size_t)snprintf(fl + n, cap - n, ", {'key': 'p%02d', 'type': 0, "
				      "'variants': [['a', true]], 'off': 0, 'salt': '', "
				      "'file': 'x', 'line': 1, 'targeting': {'file': 't', "
				      "'enabled': true, 'rules': [{'name': 'r', 'line': 1, "
				      "'when': %s, 'serve': {'kind': 0, 'variant': 0}}], "
				      "'default': {'kind': 0, 'variant': 0}, "
				      "'default_line': 1}}", i, pwhen);
	return fl;
}

/* `in` with n operands of 6 bytes: cost 1 + n + RSL_COST_MEASURE (4) +
 * 6n / RSL_COST_OPERAND_BYTES (8). */
static char *in_list(int n)
{
	size_t cap = (size_t)n * 12 + 64, k = 0;
	char *s = malloc(cap);
	k += (size_t)snprintf(s, cap, "{'op': 3, 'attr': 'x', 'values': [");
	for (int i = 0; i < n; i++)
		k += (size_t)snprintf(s + k, cap - k, "%s'v%05d'", i ? ", " : "", i);
	snprintf(s + k, cap - k, "]}");
	return s;
}

/* Segments that expand exponentially (each uses the next 64 times) cost
 * their expansion: a signed file must not make one evaluation run for ages. */
START_TEST(bounds_expansion_through_segments)
{
	/* s0 costs 1 + 64 * (1 + 129) = 8321; a rule using it 1 + 1 + 8321. */
	const char *rule = "{'name': 'r', 'line': 1, 'when': {'op': 35, "
			   "'segment': 0}, 'serve': {'kind': 0, 'variant': 0}}";
	char rules[1024];
	snprintf(rules, sizeof rules, "%s, %s", rule, rule);
	size_t cap = 64 * 1024, n = 0;
	char *segs = malloc(cap);
	for (int i = 0; i < 2; i++) {
		n += (size_t)snprintf(segs + n, cap - n, "{'key': 's%d', 'when': "
				      "{'op': 33, 'kids': [", i);
		for (int k = 0; k < 64; k++)
			n += (size_t)snprintf(segs + n, cap - n,
					      "{'op': 35, 'segment': %d},", i + 1);
		n += (size_t)snprintf(segs + n, cap - n, "]}},");
	}
	snprintf(segs + n, cap - n, "{'key': 's2', 'when': {'op': 19, "
		 "'attr': 'a', 'value': true}}");
	char *fl = cost_flags(rules, "", 0, ""); /* 1 + 2 * 8323 = 16647 */
	char *b = mini(segs, fl);
	rsl_close(decode_ok(b, NULL));
	free(b), free(fl);
	snprintf(rules, sizeof rules, "%s, %s, %s", rule, rule, rule);
	fl = cost_flags(rules, "", 0, ""); /* 24970 */
	b = mini(segs, fl);
	decode_err(b, NULL, RSL_EFORMAT, "payload: flag 0 'f': evaluating flag 'f' "
		   "costs 24970 (condition tests and what they read, rules and "
		   "prerequisites, through segments), over the budget of 20000");
	free(b), free(fl), free(segs);
}
END_TEST

/* The budget of rsl_format.h, to the unit: 11 rules with 1000-operand lists
 * (1 + 1755 each) and one with k operands (2 + k + 4 + 6k / 8), plus 1 for
 * the flag: 20000 for k = 387, 20002 for k = 388. */
START_TEST(bounds_flag_cost_budget)
{
	ck_assert_uint_eq(RSL_MAX_FLAG_COST, 20000);
	char *big = in_list(1000);
	for (int k = 387; k <= 388; k++) {
		char *last = in_list(k);
		size_t cap = 20 * (strlen(big) + 128), n = 0;
		char *rules = malloc(cap);
		for (int i = 0; i < 12; i++)
			n += (size_t)snprintf(rules + n, cap - n, "%s{'name': 'r%d', "
					      "'line': 1, 'when': %s, 'serve': {'kind': 0, "
					      "'variant': 0}}", i ? ", " : "", i,
					      i < 11 ? big : last);
		char *fl = cost_flags(rules, "", 0, "");
		char *body = mini("", fl);
		/* Through rsl_open_buffer, signed, like a real file. */
		size_t plen, flen;
		tkey key;
		make_key(&key, 7);
		uint8_t *p = enc(body, &plen);
		uint8_t *f = cose(p, plen, &key, &flen);
		rsl_keyring *kr = ring(&key);
		rsl_snapshot *s;
		rsl_error err = { 0, "" };
		int rc = open_buf(&s, f, flen, kr, NULL, &err);
		if (k == 387) {
			ck_assert_msg(rc == RSL_OK, "%s", err.message);
			rsl_close(s);
		} else {
			ck_assert_int_eq(rc, RSL_EFORMAT);
			ck_assert_ptr_null(s);
			ck_assert_str_eq(err.message, "payload: flag 0 'f': evaluating "
					 "flag 'f' costs 20002 (condition tests and what they "
					 "read, rules and prerequisites, through "
					 "segments), over the budget of 20000");
		}
		rsl_keyring_free(kr);
		free(p), free(f), free(body), free(fl), free(rules), free(last);
	}
	free(big);
}
END_TEST

/* A prerequisite is evaluated in full by each flag requiring it: its cost
 * counts for each; and the same flag may not be required twice. */
START_TEST(bounds_prerequisite_costs)
{
	/* p0..p3 cost 1 + 1 + 1755 = 1757 each; f requires all four: 7029. */
	char *w = in_list(1000);
	char *fl = cost_flags("", "[1, 0], [2, 0], [3, 0], [4, 0]", 4, w);
	char *b = mini("", fl);
	rsl_close(decode_ok(b, NULL));
	free(b), free(fl);
	fl = cost_flags("", "[1, 0], [2, 0], [1, 0]", 2, w);
	b = mini("", fl);
	decode_err(b, NULL, RSL_EFORMAT, "payload: flag 0 'f': requires 2: flag "
		   "'p00' is required twice");
	free(b), free(fl);
	/* 20 prerequisites of 1757: 35141, over; the message names f. */
	char req[512];
	size_t n = 0;
	for (int i = 1; i <= 20; i++)
		n += (size_t)snprintf(req + n, sizeof req - n, "%s[%d, 0]",
				      i > 1 ? ", " : "", i);
	fl = cost_flags("", req, 20, w);
	b = mini("", fl);
	decode_err(b, NULL, RSL_EFORMAT, "payload: flag 0 'f': evaluating flag 'f' "
		   "costs 35141 (condition tests and what they read, rules and "
		   "prerequisites, through segments), over the budget of 20000");
	free(b), free(fl), free(w);
}
END_TEST

START_TEST(bounds_prerequisite_chains)
{
	/* flag fNN requires fNN+1 (variant 0): a chain of `links` links, so
	 * links + 1 flags; at most 16 flags, as rsc counts them. */
	for (int links = 15; links <= 16; links++) {
		size_t cap = 64 * 1024, n = 0;
		char *fl = malloc(cap);
		for (int i = 0; i <= links; i++) {
			n += (size_t)snprintf(fl + n, cap - n,
					      "{'key': 'f%02d', 'type': 0, 'variants': "
					      "[['a', true]], 'off': 0, 'salt': '', "
					      "'file': 'x', 'line': 1, 'targeting': "
					      "{'file': 't', 'enabled': true, "
					      "'requires': [", i);
			if (i < links)
				n += (size_t)snprintf(fl + n, cap - n, "[%d, 0]", i + 1);
			n += (size_t)snprintf(fl + n, cap - n, "], 'default': {'kind': "
					      "0, 'variant': 0}, 'default_line': 1}},");
		}
		char *s = mini("", fl);
		if (links == 15)
			rsl_close(decode_ok(s, "e"));
		else
			decode_err(s, "e", RSL_EFORMAT, "payload: flag 0 'f00': "
				   "prerequisites nest deeper than 16 flags");
		free(s);
		free(fl);
	}
}
END_TEST

START_TEST(refuses_non_canonical_payloads)
{
	size_t n;
	uint8_t *p = enc(BASE, &n);
	uint8_t *q = malloc(n + 1);
	memcpy(q, p, n);
	q[n] = 0;
	rsl_snapshot *s = NULL;
	rsl_error err;
	ck_assert_int_eq(rsl__decode_payload(&s, q, n + 1, NULL, &err), RSL_EFORMAT);
	char want[128];
	snprintf(want, sizeof want, "payload: byte %zu: bytes after the end of "
		 "the item", n);
	ck_assert_str_eq(err.message, want);
	/* 'env' (the first key) written with a one-byte length: not shortest. */
	ck_assert_int_eq(memcmp(p + 1, "\x63" "env", 4), 0);
	uint8_t *r = malloc(n + 1);
	r[0] = p[0];
	r[1] = 0x78, r[2] = 3;
	memcpy(r + 3, p + 2, n - 2);
	ck_assert_int_eq(rsl__decode_payload(&s, r, n + 1, NULL, &err), RSL_EFORMAT);
	ck_assert_str_eq(err.message, "payload: byte 1: a head not in its "
			 "shortest form");
	ck_assert_ptr_null(s);
	/* Not a map at all. */
	ck_assert_int_eq(rsl__decode_payload(&s, (const uint8_t *)"\x80", 1, NULL,
					     &err), RSL_EFORMAT);
	ck_assert_str_eq(err.message, "payload: the body must be a map");
	free(p), free(q), free(r);
}
END_TEST

/* ------------------------------------------------------------- the index */

START_TEST(index_finds_every_flag)
{
	rsl_snapshot *s = decode_ok(BASE, NULL);
	static const char *const keys[] = { "checkout", "color", "limit", "ratio",
					    "theme" };
	for (size_t i = 0; i < 5; i++)
		ck_assert_ptr_eq(rsl__find_flag(s, keys[i], strlen(keys[i])),
				 &s->flags[i]);
	static const char *const absent[] = { "", "chec", "checkoutx", "zzz",
					      "COLOR", "segment" };
	for (size_t i = 0; i < 6; i++)
		ck_assert_ptr_null(rsl__find_flag(s, absent[i], strlen(absent[i])));
	/* A key compared with its length, not up to a NUL. */
	ck_assert_ptr_eq(rsl__find_flag(s, "colorful", 5), &s->flags[1]);
	ck_assert_ptr_null(rsl__find_flag(NULL, "color", 5));
	rsl_close(s);

	/* Many flags: every one found, twice as many misses. */
	size_t cap = 5000 * 200, n = 0;
	char *fl = malloc(cap);
	for (int i = 0; i < 5000; i++)
		n += (size_t)snprintf(fl + n, cap - n, "{'key': 'flag-%05d', "
				      "'type': 1, 'variants': [['v', 'x']], "
				      "'off': 0, 'salt': 's', 'file': 'f', "
				      "'line': 1},", i);
	char *big = mini("", fl);
	free(fl);
	s = decode_ok(big, "e");
	ck_assert_uint_eq(s->nflags, 5000);
	ck_assert(s->mask + 1 >= 10000 && ((s->mask + 1) & s->mask) == 0);
	char k[32];
	for (int i = 0; i < 5000; i++) {
		int kn = snprintf(k, sizeof k, "flag-%05d", i);
		const rsl__flag *f = rsl__find_flag(s, k, (size_t)kn);
		ck_assert_ptr_eq(f, &s->flags[i]);
		kn = snprintf(k, sizeof k, "flag-%05d", i + 5000);
		ck_assert_ptr_null(rsl__find_flag(s, k, (size_t)kn));
		kn = snprintf(k, sizeof k, "flag-%05dx", i);
		ck_assert_ptr_null(rsl__find_flag(s, k, (size_t)kn));
	}
	rsl_close(s);
	free(big);
}
END_TEST

Suite *decode_suite(void); /* called by the runner */
Suite *decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc;
	tc = tcase_create("decode");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, decodes_every_field);
	tcase_add_test(tc, missing_optional_provenance_is_empty);
	tcase_add_test(tc, refuses_other_format_env_and_bucketing);
	tcase_add_test(tc, refuses_names_rsc_never_writes);
	tcase_add_test(tc, accepts_what_rsc_may_write);
	tcase_add_test(tc, refuses_out_of_range_indexes);
	tcase_add_test(tc, refuses_bad_splits_and_schedules);
	tcase_add_test(tc, refuses_bad_flags_and_variants);
	tcase_add_test(tc, refuses_bad_conditions);
	tcase_add_test(tc, bounds_condition_depth_through_segments);
	tcase_add_test(tc, refuses_cycles);
	tcase_add_test(tc, bounds_expansion_through_segments);
	tcase_add_test(tc, bounds_flag_cost_budget);
	tcase_add_test(tc, bounds_prerequisite_costs);
	tcase_add_test(tc, bounds_prerequisite_chains);
	tcase_add_test(tc, refuses_non_canonical_payloads);
	tcase_add_test(tc, index_finds_every_flag);
	suite_add_tcase(s, tc);
	return s;
}
