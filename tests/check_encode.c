/*
 * check_encode.c - the deterministic CBOR writer (exact bytes), the Body of a
 * hand-built model (exact bytes of a small one; a bigger one read back with
 * libcbor and checked canonical), Ed25519 keys in OpenSSL's PEM forms, the
 * COSE_Sign1 envelope verified with libsodium over a Sig_structure built by
 * hand, and atomic writes.
 */
#include <cbor.h>
#include <check.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "canon.h"
#include "cose.h"
#include "encode.h"
#include "keys.h"
#include "testutil.h"

static char *hex(const unsigned char *p, size_t n)
{
	char *s = malloc(2 * n + 1);
	for (size_t i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", p[i]);
	s[2 * n] = '\0';
	return s;
}

/* Finishes w and compares its bytes with the hex text want. */
static void assert_bytes(rsc_cw *w, const char *want)
{
	unsigned char *out;
	size_t n;
	ck_assert_int_eq(rsc_cw_finish(&out, &n, w), RSC_OK);
	char *h = hex(out, n);
	ck_assert_str_eq(h, want);
	ck_assert_ptr_null(canon_check(out, n, 1));
	free(h);
	free(out);
}

START_TEST(ints_take_the_shortest_head)
{
	static const struct { int64_t v; const char *hex; } t[] = {
		{ 0, "00" }, { 23, "17" }, { 24, "1818" }, { 255, "18ff" },
		{ 256, "190100" }, { 65535, "19ffff" }, { 65536, "1a00010000" },
		{ 4294967295LL, "1affffffff" }, { 4294967296LL, "1b0000000100000000" },
		{ INT64_MAX, "1b7fffffffffffffff" }, { -1, "20" }, { -24, "37" },
		{ -25, "3818" }, { -256, "38ff" }, { -257, "390100" },
		{ INT64_MIN, "3b7fffffffffffffff" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		rsc_cw w;
		rsc_cw_init(&w);
		rsc_cw_int(&w, t[i].v);
		assert_bytes(&w, t[i].hex);
	}
	rsc_cw w;
	rsc_cw_init(&w);
	rsc_cw_uint(&w, UINT64_MAX);
	assert_bytes(&w, "1bffffffffffffffff");
}
END_TEST

START_TEST(floats_take_the_shortest_exact_width)
{
	static const struct { double v; const char *hex; } t[] = {
		{ 0.0, "f90000" }, { -0.0, "f98000" }, { 1.0, "f93c00" },
		{ 1.5, "f93e00" }, { 2.0, "f94000" }, { 65504.0, "f97bff" },
		{ 5.960464477539063e-08, "f90001" }, /* smallest subnormal half */
		{ 6.103515625e-05, "f90400" },       /* smallest normal half */
		{ 65520.0, "fa477ff000" },           /* rounds to infinity as a half */
		{ 100000.0, "fa47c35000" }, { 3.4028234663852886e+38, "fa7f7fffff" },
		{ 1.0000001192092896, "fa3f800001" },
		{ 0.1, "fb3fb999999999999a" }, { 1e300, "fb7e37e43c8800759c" },
		{ -4.1, "fbc010666666666666" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		rsc_cw w;
		rsc_cw_init(&w);
		rsc_cw_float(&w, t[i].v);
		assert_bytes(&w, t[i].hex);
	}
}
END_TEST

START_TEST(non_finite_floats_are_refused)
{
	rsc_cw w;
	rsc_cw_init(&w);
	rsc_cw_float(&w, NAN);
	unsigned char *out;
	size_t n;
	ck_assert_int_eq(rsc_cw_finish(&out, &n, &w), RSC_EINVALID);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(map_keys_are_sorted_by_their_encoding)
{
	rsc_cw w;
	rsc_cw_init(&w);
	rsc_cw_map_begin(&w);
	rsc_cw_key(&w, "bb");
	rsc_cw_uint(&w, 1);
	rsc_cw_key(&w, "c");
	rsc_cw_map_begin(&w); /* nested, keys given in reverse */
	rsc_cw_key_int(&w, -1);
	rsc_cw_bool(&w, 1);
	rsc_cw_key_int(&w, 10);
	rsc_cw_bool(&w, 0);
	rsc_cw_map_end(&w);
	rsc_cw_key(&w, "a");
	rsc_cw_array(&w, 2);
	rsc_cw_cstr(&w, "x");
	rsc_cw_bytes(&w, "\x01\x02", 2);
	rsc_cw_map_end(&w);
	/* "a" < "c" < "bb" (shorter first); 10 (0x0a) < -1 (0x20) */
	assert_bytes(&w, "a3" "6161" "82617842" "0102"
			 "6163" "a2" "0af4" "20f5"
			 "626262" "01");
}
END_TEST

/* The largest entry is moved into place rather than copied with the rest
 * (rsc_cw_map_end): written first, sorted into the middle, behind a head
 * of two bytes, the bytes are still canonical. */
START_TEST(map_sorted_around_its_largest_entry)
{
	char big[300];
	memset(big, 'x', sizeof big);
	rsc_cw w;
	rsc_cw_init(&w);
	rsc_cw_map_begin(&w);
	for (int i = 24; i >= 0; i--) {
		char k[8]; /* "k" and two digits; room for what the compiler cannot rule out */
		snprintf(k, sizeof k, "k%02d", (i + 12) % 25);
		rsc_cw_key(&w, k);
		if ((i + 12) % 25 == 12)
			rsc_cw_text(&w, big, sizeof big);
		else
			rsc_cw_uint(&w, (uint64_t)((i + 12) % 25));
	}
	rsc_cw_map_end(&w);
	unsigned char want[2 + 25 * 5 + 3 + 300], *p = want;
	*p++ = 0xb8;
	*p++ = 25;
	for (int i = 0; i < 25; i++) {
		p += sprintf((char *)p, "%ck%02d", 0x63, i);
		if (i == 12) {
			memcpy(p, "\x79\x01\x2c", 3);
			memcpy(p + 3, big, sizeof big);
			p += 3 + sizeof big;
		} else {
			*p++ = (unsigned char)(i < 24 ? i : 0x18);
			if (i == 24)
				*p++ = 24;
		}
	}
	unsigned char *out;
	size_t n;
	ck_assert_int_eq(rsc_cw_finish(&out, &n, &w), RSC_OK);
	ck_assert_uint_eq(n, (size_t)(p - want));
	ck_assert_int_eq(memcmp(out, want, n), 0);
	free(out);
}
END_TEST

START_TEST(duplicate_map_keys_are_refused)
{
	rsc_cw w;
	rsc_cw_init(&w);
	rsc_cw_map_begin(&w);
	rsc_cw_key(&w, "a");
	rsc_cw_uint(&w, 1);
	rsc_cw_key(&w, "a");
	rsc_cw_uint(&w, 2);
	rsc_cw_map_end(&w);
	ck_assert_str_eq(w.err, "a duplicate map key");
	unsigned char *out;
	size_t n;
	ck_assert_int_eq(rsc_cw_finish(&out, &n, &w), RSC_EINVALID);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(empty_map_and_long_strings)
{
	char s[300];
	memset(s, 'x', sizeof s);
	rsc_cw w;
	rsc_cw_init(&w);
	rsc_cw_array(&w, 2);
	rsc_cw_map_begin(&w);
	rsc_cw_map_end(&w);
	rsc_cw_text(&w, s, sizeof s);
	unsigned char *out;
	size_t n;
	ck_assert_int_eq(rsc_cw_finish(&out, &n, &w), RSC_OK);
	ck_assert_uint_eq(n, 1 + 1 + 3 + 300);
	ck_assert_int_eq(memcmp(out, "\x82\xa0\x79\x01\x2c", 5), 0);
	free(out);
}
END_TEST

/* ------------------------------------------------------------- the Body */

START_TEST(smallest_body_exact_bytes)
{
	rsc_env env = { .name = "dev" };
	rsc_ruleset rs;
	memset(&rs, 0, sizeof rs);
	rs.envs = &env;
	rs.nenvs = 1;
	rsc_provenance p = { .commit = "c", .commit_time = 1000, .version = 1000, .path = "",
			     .rsc = "0.1.0" };
	unsigned char *out;
	size_t n;
	char err[128];
	ck_assert_int_eq(rsc_encode_body_v1(&out, &n, &rs, 0, &p, err, sizeof err), RSC_OK);
	char *h = hex(out, n);
	/* keys in canonical order: env flags format version segments bucketing
	 * issued_at provenance; provenance: rsc path commit commit_time */
	ck_assert_str_eq(h, "a8"
		"63656e76" "63646576"
		"65666c616773" "80"
		"66666f726d6174" "01"
		"6776657273696f6e" "1903e8"
		"687365676d656e7473" "80"
		"696275636b6574696e67" "01"
		"696973737565645f6174" "1903e8"
		"6a70726f76656e616e6365" "a4"
			"63727363" "65302e312e30"
			"6470617468" "60"
			"66636f6d6d6974" "6163"
			"6b636f6d6d69745f74696d65" "1903e8");
	free(h);
	free(out);
}
END_TEST

/* A model as check.c leaves it: references resolved. */
typedef struct fixture {
	rsc_ruleset rs;
	rsc_env envs[2];
	rsc_flag flags[2];
	rsc_variant v_alpha[2], v_beta[2];
	rsc_targeting t_alpha;
	rsc_targeting *tgt_alpha[2], *tgt_beta[2];
	rsc_rule rules[2];
	rsc_cond in, seg, ends, *kids[2], all;
	rsc_value list[2];
	rsc_segment segment;
	rsc_vref split_v[2];
	uint32_t split_w[2];
	rsc_req req;
} fixture;

static void make_fixture(fixture *f)
{
	memset(f, 0, sizeof *f);
	f->envs[0].name = "dev";
	f->envs[1].name = "prod";
	f->envs[1].protected_ = 1;

	f->ends.op = RSL_OP_ENDS_WITH;
	f->ends.attribute = "email";
	f->ends.case_insensitive = 1;
	f->ends.value = (rsc_value){ .kind = RSC_V_STRING, .s = "@example.com", .slen = 12 };
	f->segment = (rsc_segment){ .key = "staff", .file = "segments/staff.yaml",
				    .when = &f->ends };

	/* alpha: boolean, rules in dev */
	f->v_alpha[0] = (rsc_variant){ .name = "on", .value = { .kind = RSC_V_BOOL, .b = 1 } };
	f->v_alpha[1] = (rsc_variant){ .name = "off", .value = { .kind = RSC_V_BOOL, .b = 0 } };
	f->in.op = RSL_OP_IN;
	f->in.attribute = "country";
	f->list[0] = (rsc_value){ .kind = RSC_V_STRING, .s = "DE", .slen = 2 };
	f->list[1] = (rsc_value){ .kind = RSC_V_INT, .i = -7 };
	f->in.list = f->list;
	f->in.nlist = 2;
	f->seg.op = RSL_OP_SEGMENT;
	f->seg.segment = "staff";
	f->seg.segment_index = 0;
	f->kids[0] = &f->in;
	f->kids[1] = &f->seg;
	f->all.op = RSL_OP_ALL;
	f->all.kids = f->kids;
	f->all.nkids = 2;
	f->split_v[0] = (rsc_vref){ .name = "on", .index = 0 };
	f->split_v[1] = (rsc_vref){ .name = "off", .index = 1 };
	f->split_w[0] = 20000;
	f->split_w[1] = 80000;
	f->rules[0] = (rsc_rule){ .name = "rollout", .pos = { .line = 7 }, .when = &f->all,
		.serve = { .kind = RSL_SERVE_SPLIT, .by = "tenant_key",
			   .split = { .n = 2, .variants = f->split_v, .weights = f->split_w } } };
	f->rules[1] = (rsc_rule){ .name = "everyone", .pos = { .line = 12 },
		.serve = { .kind = RSL_SERVE_VARIANT, .variant = { .index = 0 } } };
	f->req = (rsc_req){ .flag = "beta", .flag_index = 1, .variant = { .index = 1 } };
	f->t_alpha = (rsc_targeting){ .file = "environments/dev/alpha.yaml", .enabled = 1,
		.requires = &f->req, .nrequires = 1, .rules = f->rules, .nrules = 2,
		.dflt = { .kind = RSL_SERVE_VARIANT, .variant = { .index = 1 } },
		.dflt_pos = { .line = 14 } };
	f->tgt_alpha[0] = &f->t_alpha;
	f->flags[0] = (rsc_flag){ .key = "alpha", .file = "alpha.yaml", .pos = { .line = 1 },
		.type = RSL_TYPE_BOOLEAN, .variants = f->v_alpha, .nvariants = 2,
		.off_variant = { .index = 1 }, .salt = "alpha", .targeting = f->tgt_alpha };

	/* beta: float, an integral value written plainly in YAML */
	f->v_beta[0] = (rsc_variant){ .name = "low", .value = { .kind = RSC_V_INT, .i = 2 } };
	f->v_beta[1] = (rsc_variant){ .name = "high", .value = { .kind = RSC_V_FLOAT, .f = 0.1 } };
	f->flags[1] = (rsc_flag){ .key = "beta", .file = "beta.yaml", .pos = { .line = 1 },
		.type = RSL_TYPE_FLOAT, .variants = f->v_beta, .nvariants = 2,
		.off_variant = { .index = 0 }, .salt = "beta-salt", .targeting = f->tgt_beta };

	f->rs.envs = f->envs;
	f->rs.nenvs = 2;
	f->rs.flags = f->flags;
	f->rs.nflags = 2;
	f->rs.segments = &f->segment;
	f->rs.nsegments = 1;
	f->rs.has_ttl = 1;
	f->rs.ttl_seconds = 3600;
}

static const rsc_provenance fixture_prov = {
	.commit = "0123456789abcdef0123456789abcdef01234567", .commit_time = 1767225600,
	.version = 1809639014400u, .author = "Ana <ana@example.com>", .subject = "Roll out alpha", .repo =
	"https://example.com/flags.git", .path = "flags", .rsc = "0.1.0"
};

static cbor_item_t *get(const cbor_item_t *map, const char *key)
{
	ck_assert(cbor_isa_map(map));
	for (size_t i = 0; i < cbor_map_size(map); i++) {
		struct cbor_pair p = cbor_map_handle(map)[i];
		if (cbor_string_length(p.key) == strlen(key) &&
		    memcmp(cbor_string_handle(p.key), key, strlen(key)) == 0)
			return p.value;
	}
	return NULL;
}

static void assert_text(const cbor_item_t *it, const char *want)
{
	ck_assert_msg(it && cbor_isa_string(it), "not text (want %s)", want);
	ck_assert_uint_eq(cbor_string_length(it), strlen(want));
	ck_assert_int_eq(memcmp(cbor_string_handle(it), want, strlen(want)), 0);
}

static cbor_item_t *at(const cbor_item_t *arr, size_t i)
{
	ck_assert(cbor_isa_array(arr));
	ck_assert_uint_lt(i, cbor_array_size(arr));
	return cbor_array_handle(arr)[i];
}

static int64_t num(const cbor_item_t *it)
{
	ck_assert_ptr_nonnull(it);
	if (cbor_isa_negint(it))
		return -1 - (int64_t)cbor_get_int(it);
	ck_assert(cbor_isa_uint(it));
	return (int64_t)cbor_get_int(it);
}

START_TEST(body_reads_back_with_libcbor)
{
	fixture f;
	make_fixture(&f);
	unsigned char *out;
	size_t n;
	char err[128];
	ck_assert_int_eq(rsc_encode_body_v1(&out, &n, &f.rs, 0, &fixture_prov, err,
					 sizeof err), RSC_OK);
	const char *why = canon_check(out, n, 0);
	ck_assert_msg(why == NULL, "not canonical: %s", why);

	struct cbor_load_result res;
	cbor_item_t *body = cbor_load(out, n, &res);
	ck_assert_int_eq(res.error.code, CBOR_ERR_NONE);
	ck_assert_uint_eq(res.read, n);
	ck_assert_uint_eq(cbor_map_size(body), 9);
	ck_assert_int_eq(num(get(body, "format")), 1);
	assert_text(get(body, "env"), "dev");
	ck_assert_int_eq(num(get(body, "version")), 1809639014400);
	ck_assert_int_eq(num(get(body, "issued_at")), 1767225600);
	ck_assert_int_eq(num(get(body, "expires_at")), 1767225600 + 3600);
	ck_assert_int_eq(num(get(body, "bucketing")), 1);
	cbor_item_t *p = get(body, "provenance");
	assert_text(get(p, "repo"), "example.com/flags");
	assert_text(get(p, "author"), "Ana <ana@example.com>");
	assert_text(get(p, "subject"), "Roll out alpha");
	assert_text(get(p, "path"), "flags");
	ck_assert_int_eq(num(get(p, "commit_time")), 1767225600);

	cbor_item_t *seg = at(get(body, "segments"), 0);
	assert_text(get(seg, "key"), "staff");
	cbor_item_t *ends = get(seg, "when");
	ck_assert_int_eq(num(get(ends, "op")), RSL_OP_ENDS_WITH);
	assert_text(get(ends, "value"), "@example.com");
	ck_assert(cbor_get_bool(get(ends, "ci")));

	cbor_item_t *flags = get(body, "flags");
	ck_assert_uint_eq(cbor_array_size(flags), 2);
	cbor_item_t *a = at(flags, 0);
	assert_text(get(a, "key"), "alpha");
	ck_assert_int_eq(num(get(a, "off")), 1);
	cbor_item_t *t = get(a, "targeting");
	assert_text(get(t, "file"), "environments/dev/alpha.yaml");
	ck_assert_int_eq(num(at(at(get(t, "requires"), 0), 0)), 1);
	ck_assert_int_eq(num(at(at(get(t, "requires"), 0), 1)), 1);
	cbor_item_t *r0 = at(get(t, "rules"), 0);
	ck_assert_int_eq(num(get(r0, "line")), 7);
	cbor_item_t *when = get(r0, "when");
	ck_assert_int_eq(num(get(when, "op")), RSL_OP_ALL);
	cbor_item_t *in = at(get(when, "kids"), 0);
	ck_assert_ptr_null(get(in, "ci")); /* only when true */
	assert_text(at(get(in, "values"), 0), "DE");
	ck_assert_int_eq(num(at(get(in, "values"), 1)), -7);
	ck_assert_int_eq(num(get(at(get(when, "kids"), 1), "segment")), 0);
	cbor_item_t *sv = get(r0, "serve");
	ck_assert_int_eq(num(get(sv, "kind")), RSL_SERVE_SPLIT);
	assert_text(get(sv, "by"), "tenant_key");
	ck_assert_int_eq(num(at(at(get(sv, "split"), 1), 1)), 80000);
	ck_assert_ptr_null(get(at(get(t, "rules"), 1), "when"));
	ck_assert_int_eq(num(get(t, "default_line")), 14);

	cbor_item_t *b = at(flags, 1);
	ck_assert_ptr_null(get(b, "targeting")); /* not configured in dev */
	cbor_item_t *low = at(at(get(b, "variants"), 0), 1);
	ck_assert(cbor_isa_float_ctrl(low)); /* a float flag's 2 is a float */
	ck_assert(cbor_float_get_float(low) == 2.0);
	ck_assert(cbor_float_get_float(at(at(get(b, "variants"), 1), 1)) == 0.1);

	cbor_decref(&body);
	free(out);
}
END_TEST

START_TEST(worktree_body_has_no_expiry)
{
	fixture f;
	make_fixture(&f);
	rsc_fileset fs;
	memset(&fs, 0, sizeof fs);
	fs.root_path = "";
	rsc_provenance p;
	rsc_provenance_from_fileset(&p, &fs);
	ck_assert_str_eq(p.commit, "worktree");
	unsigned char *out;
	size_t n;
	char err[128];
	ck_assert_int_eq(rsc_encode_body_v1(&out, &n, &f.rs, 1, &p, err, sizeof err), RSC_OK);
	struct cbor_load_result res;
	cbor_item_t *body = cbor_load(out, n, &res);
	ck_assert_ptr_null(get(body, "expires_at"));
	ck_assert_int_eq(num(get(body, "version")), 0);
	assert_text(get(body, "env"), "prod");
	cbor_item_t *prov = get(body, "provenance");
	assert_text(get(prov, "commit"), "worktree");
	ck_assert_ptr_null(get(prov, "author"));
	ck_assert_ptr_null(get(prov, "repo"));
	cbor_decref(&body);
	free(out);
}
END_TEST

START_TEST(unresolved_reference_is_an_error)
{
	fixture f;
	make_fixture(&f);
	f.seg.segment_index = -1;
	f.seg.pos = (rsc_pos){ "environments/dev/alpha.yaml", 9, 11 };
	unsigned char *out;
	size_t n;
	char err[128];
	ck_assert_int_eq(rsc_encode_body_v1(&out, &n, &f.rs, 0, &fixture_prov, err,
					 sizeof err), RSC_EINVALID);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(err, "environments/dev/alpha.yaml:9: an unresolved segment reference");
}
END_TEST

/* ---------------------------------------------------------------- keys */

static const char test_key_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\n"
	"-----END PRIVATE KEY-----\n";
/* written by `openssl pkey -in test.key -pubout` */
static const char test_pub_pem[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MCowBQYDK2VwAyEAebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=\n"
	"-----END PUBLIC KEY-----\n";

START_TEST(key_pem_round_trip_matches_openssl)
{
	unsigned char seed[32];
	for (int i = 0; i < 32; i++)
		seed[i] = (unsigned char)(i + 1);
	rsc_key k;
	ck_assert_int_eq(rsc_key_from_seed(&k, seed), 0);
	char pem[RSC_PEM_MAX];
	ck_assert_uint_eq(rsc_key_private_pem(pem, &k), strlen(test_key_pem));
	ck_assert_str_eq(pem, test_key_pem);
	ck_assert_uint_eq(rsc_key_public_pem(pem, k.pk), strlen(test_pub_pem));
	ck_assert_str_eq(pem, test_pub_pem);
	char kid[17];
	rsc_key_id_hex(kid, k.pk);
	ck_assert_str_eq(kid, "65b60673d6ed884b");

	rsc_key k2;
	char err[256];
	ck_assert_int_eq(rsc_key_from_pem(&k2, test_key_pem, strlen(test_key_pem), err,
					  sizeof err), 0);
	ck_assert_int_eq(memcmp(k.sk, k2.sk, 64), 0);
	ck_assert_int_eq(memcmp(k.kid, k2.kid, 8), 0);
	unsigned char pk[32];
	ck_assert_int_eq(rsc_pubkey_from_pem(pk, test_pub_pem, strlen(test_pub_pem), err,
					     sizeof err), 0);
	ck_assert_int_eq(memcmp(pk, k.pk, 32), 0);

	/* a key file must be private: git checks the fixture out 0644 */
	ck_assert_int_eq(tu_sh("mkdir -p tests/tmp/keys && cp tests/fixtures/compile/test.key "
			       "tests/tmp/keys/encode.key && chmod 600 tests/tmp/keys/encode.key"),
			 0);
	ck_assert_int_eq(rsc_key_read_file(&k2, "tests/tmp/keys/encode.key", err,
					   sizeof err), 0);
	ck_assert_int_eq(memcmp(k.sk, k2.sk, 64), 0);
	rsc_key_wipe(&k2);
	for (size_t i = 0; i < sizeof k2; i++)
		ck_assert_int_eq(((unsigned char *)&k2)[i], 0);
}
END_TEST

START_TEST(key_pem_v2_with_public_key_is_accepted)
{
	/* RFC 8410 §10.3's OneAsymmetricKey with the public key attached */
	unsigned char der[83];
	rsc_key k;
	unsigned char seed[32] = { 9 };
	rsc_key_from_seed(&k, seed);
	memcpy(der, "\x30\x51\x02\x01\x01\x30\x05\x06\x03\x2b\x65\x70\x04\x22\x04\x20", 16);
	memcpy(der + 16, seed, 32);
	memcpy(der + 48, "\x81\x21\x00", 3);
	memcpy(der + 51, k.pk, 32);
	char b64[200], pem[300];
	sodium_bin2base64(b64, sizeof b64, der, sizeof der, sodium_base64_VARIANT_ORIGINAL);
	snprintf(pem, sizeof pem, "-----BEGIN PRIVATE KEY-----\r\n%.64s\r\n%s\r\n"
		 "-----END PRIVATE KEY-----\r\n", b64, b64 + 64);
	rsc_key k2;
	char err[256];
	ck_assert_int_eq(rsc_key_from_pem(&k2, pem, strlen(pem), err, sizeof err), 0);
	ck_assert_int_eq(memcmp(k.pk, k2.pk, 32), 0);
	der[82] ^= 1; /* a public key that is not the seed's */
	sodium_bin2base64(b64, sizeof b64, der, sizeof der, sodium_base64_VARIANT_ORIGINAL);
	snprintf(pem, sizeof pem, "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n", b64);
	ck_assert_int_eq(rsc_key_from_pem(&k2, pem, strlen(pem), err, sizeof err), -1);
	ck_assert_str_eq(err, "the private key's attached public key does not belong to it");
}
END_TEST

START_TEST(bad_keys_say_why)
{
	rsc_key k;
	unsigned char pk[32];
	char err[256];
	ck_assert_int_eq(rsc_key_from_pem(&k, test_pub_pem, strlen(test_pub_pem), err,
					  sizeof err), -1);
	ck_assert_str_eq(err, "this is a public key; signing needs the private key "
			 "(the .key file of rsc keygen, not the .pub)");
	ck_assert_int_eq(rsc_pubkey_from_pem(pk, test_key_pem, strlen(test_key_pem), err,
					     sizeof err), -1);
	ck_assert_str_eq(err, "this is a private key; verifying needs the public key "
			 "(the .pub file of rsc keygen, not the .key)");
	const char *text = "hello\n";
	ck_assert_int_eq(rsc_key_from_pem(&k, text, strlen(text), err, sizeof err), -1);
	ck_assert_str_eq(err, "not a PEM key: expected a line '-----BEGIN PRIVATE KEY-----'");
	const char *enc = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIGb\n"
			  "-----END ENCRYPTED PRIVATE KEY-----\n";
	ck_assert_int_eq(rsc_key_from_pem(&k, enc, strlen(enc), err, sizeof err), -1);
	ck_assert_str_eq(err, "an encrypted private key; rsc needs it unencrypted "
			 "(openssl pkey -in KEY -out PLAIN)");
	const char *trunc = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAEC\n";
	ck_assert_int_eq(rsc_key_from_pem(&k, trunc, strlen(trunc), err, sizeof err), -1);
	ck_assert_str_eq(err, "a PEM key without its '-----END PRIVATE KEY-----' line");
	const char *damaged = "-----BEGIN PRIVATE KEY-----\nMC4C*QAw\n-----END PRIVATE KEY-----\n";
	ck_assert_int_eq(rsc_key_from_pem(&k, damaged, strlen(damaged), err, sizeof err), -1);
	ck_assert_str_eq(err, "a PEM key whose base64 text is damaged");
	/* valid PEM of the wrong algorithm: OID 1.3.101.113 (Ed448) */
	const char *rsa = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VxBCIEIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\n"
			  "-----END PRIVATE KEY-----\n";
	ck_assert_int_eq(rsc_key_from_pem(&k, rsa, strlen(rsa), err, sizeof err), -1);
	ck_assert_str_eq(err, "not an Ed25519 key: found an Ed448 key (algorithm OID "
			 "1.3.101.113); rsc signs with Ed25519 (rsc keygen, or openssl "
			 "genpkey -algorithm ed25519)");
	/* Ed25519's OID in a shape that is not PKCS#8's */
	const char *odd = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCEEIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\n"
			  "-----END PRIVATE KEY-----\n";
	ck_assert_int_eq(rsc_key_from_pem(&k, odd, strlen(odd), err, sizeof err), -1);
	ck_assert_str_eq(err, "not an Ed25519 private key (expected PKCS#8 as "
			 "`openssl genpkey -algorithm ed25519` writes)");
	ck_assert_int_eq(rsc_key_from_pem(&k, "", 0, err, sizeof err), -1);
	ck_assert_str_eq(err, "empty: expected a PEM key starting with a line "
			 "'-----BEGIN PRIVATE KEY-----'");
	const char *pkcs1 = "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n";
	ck_assert_int_eq(rsc_key_from_pem(&k, pkcs1, strlen(pkcs1), err, sizeof err), -1);
	ck_assert_str_eq(err, "not an Ed25519 key: found an RSA key (PKCS#1 PEM); rsc "
			 "signs with Ed25519 (rsc keygen, or openssl genpkey -algorithm ed25519)");
	ck_assert_int_eq(rsc_key_read_file(&k, "tests/fixtures/compile/missing.key", err,
					   sizeof err), -1);
	ck_assert_str_eq(err, "tests/fixtures/compile/missing.key: No such file or directory");
}
END_TEST

/* RSA and P-256 keys as openssl writes them are named, not called damaged. */
START_TEST(other_algorithms_are_named)
{
	if (tu_run("command -v openssl", NULL, NULL) != 0)
		return; /* no openssl here: the DER cases above still run */
	char *d = tu_tmpdir("encode-otherkeys");
	ck_assert_int_eq(tu_sh("cd '%s' && openssl genpkey -algorithm rsa -pkeyopt "
			       "rsa_keygen_bits:2048 -out rsa.key 2>/dev/null && "
			       "openssl pkey -in rsa.key -pubout -out rsa.pub && "
			       "openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 "
			       "-out ec.key && openssl pkey -in ec.key -pubout -out ec.pub", d), 0);
	rsc_key k;
	unsigned char pk[32];
	char path[512], err[1024], want[1024];
	static const char *const tail = "; rsc signs with Ed25519 (rsc keygen, or "
					"openssl genpkey -algorithm ed25519)";
	snprintf(path, sizeof path, "%s/rsa.key", d);
	ck_assert_int_eq(rsc_key_read_file(&k, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: not an Ed25519 key: found an RSA key (algorithm "
		 "OID 1.2.840.113549.1.1.1)%s", path, tail);
	ck_assert_str_eq(err, want);
	snprintf(path, sizeof path, "%s/rsa.pub", d);
	ck_assert_int_eq(rsc_pubkey_read_file(pk, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: not an Ed25519 key: found an RSA key (algorithm "
		 "OID 1.2.840.113549.1.1.1)%s", path, tail);
	ck_assert_str_eq(err, want);
	snprintf(path, sizeof path, "%s/ec.key", d);
	ck_assert_int_eq(rsc_key_read_file(&k, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: not an Ed25519 key: found an EC (ECDSA) key on "
		 "P-256 (algorithm OID 1.2.840.10045.2.1)%s", path, tail);
	ck_assert_str_eq(err, want);
	snprintf(path, sizeof path, "%s/ec.pub", d);
	ck_assert_int_eq(rsc_pubkey_read_file(pk, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: not an Ed25519 key: found an EC (ECDSA) key on "
		 "P-256 (algorithm OID 1.2.840.10045.2.1)%s", path, tail);
	ck_assert_str_eq(err, want);
	/* and the right file of the pair still reads */
	ck_assert_int_eq(rsc_pubkey_read_file(pk, "tests/fixtures/compile/test.pub", err,
					      sizeof err), 0);
}
END_TEST

/* ------------------------------------------------------ repository names */


/* ---------------------------------------------------------------- COSE */

START_TEST(cose_sign1_exact_layout_and_signature)
{
	rsc_key k;
	char err[256];
	ck_assert_int_eq(rsc_key_from_pem(&k, test_key_pem, strlen(test_key_pem), err,
					  sizeof err), 0);
	const unsigned char payload[] = { 0xa1, 0x61, 0x61, 0x01 }; /* {"a": 1} */
	unsigned char *msg;
	size_t n;
	ck_assert_int_eq(rsc_cose_sign1(&msg, &n, payload, sizeof payload, &k, err,
					sizeof err), RSC_OK);
	ck_assert_uint_eq(n, 3 + 13 + 1 + 5 + 2 + 64);
	char *h = hex(msg, 3 + 13 + 1 + 5 + 2);
	/* tag 18, [bstr{1:-8, 4:kid}, {}, bstr payload, bstr(64) sig] */
	ck_assert_str_eq(h, "d2844da201270448" "65b60673d6ed884b" "a0" "44a1616101" "5840");
	free(h);
	ck_assert_ptr_null(canon_check(msg, n, 1));

	/* Sig_structure by hand (RFC 9052 §4.4) */
	unsigned char tbs[128];
	size_t t = 0;
	memcpy(tbs + t, "\x84\x6aSignature1", 12);
	t += 12;
	memcpy(tbs + t, msg + 2, 14); /* 4d and the 13 protected bytes */
	t += 14;
	tbs[t++] = 0x40;
	memcpy(tbs + t, "\x44\xa1\x61\x61\x01", 5);
	t += 5;
	const unsigned char *sig = msg + n - 64;
	ck_assert_int_eq(crypto_sign_verify_detached(sig, tbs, t, k.pk), 0);
	/* Ed25519 is deterministic: signing again gives the same bytes */
	unsigned char *again;
	size_t n2;
	ck_assert_int_eq(rsc_cose_sign1(&again, &n2, payload, sizeof payload, &k, err,
					sizeof err), RSC_OK);
	ck_assert_uint_eq(n, n2);
	ck_assert_int_eq(memcmp(msg, again, n), 0);
	tbs[t - 1] ^= 1;
	ck_assert_int_ne(crypto_sign_verify_detached(sig, tbs, t, k.pk), 0);
	free(again);
	free(msg);
}
END_TEST

/* --------------------------------------------------------------- atomic */

START_TEST(atomic_write_replaces_whole_files_only)
{
	char *dir = tu_tmpdir("encode-atomic");
	char path[512], err[512];
	snprintf(path, sizeof path, "%s/a.rsnap", dir);
	ck_assert_int_eq(rsc_atomic_write(path, "one", 3, 0444, 0, err, sizeof err), 0);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0444);
	ck_assert_int_eq(rsc_atomic_write(path, "second", 6, 0444, 0, err, sizeof err), 0);
	size_t n;
	char *got = tu_read(path, &n);
	ck_assert_str_eq(got, "second");
	free(got);
	/* refusing to replace */
	ck_assert_int_eq(rsc_atomic_write(path, "third", 5, 0600, RSC_ATOMIC_NOREPLACE,
					  err, sizeof err), -1);
	ck_assert_int_eq(errno, EEXIST);
	char want[600];
	snprintf(want, sizeof want, "cannot create %s: File exists", path);
	ck_assert_str_eq(err, want);
	got = tu_read(path, &n);
	ck_assert_str_eq(got, "second");
	free(got);
	/* no temporary file is left behind */
	char cmd[600], *out = NULL;
	snprintf(cmd, sizeof cmd, "ls -A '%s'", dir);
	ck_assert_int_eq(tu_run(cmd, &out, NULL), 0);
	ck_assert_str_eq(out, "a.rsnap\n");
	free(out);
	/* a directory that does not exist */
	snprintf(path, sizeof path, "%s/no/such/a.rsnap", dir);
	ck_assert_int_eq(rsc_atomic_write(path, "x", 1, 0444, 0, err, sizeof err), -1);
	snprintf(want, sizeof want, "cannot create a temporary file in %s/no/such: "
		 "No such file or directory", dir);
	ck_assert_str_eq(err, want);
}
END_TEST

/* Two phases: nothing is replaced until every file is staged. */
START_TEST(atomic_set_replaces_all_or_nothing)
{
	char *dir = tu_tmpdir("encode-atomic-set");
	char a[512], b[512], err[512], want[700];
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	tu_write(dir, "a", "old a");
	ck_assert_int_eq(tu_sh("mkdir '%s'", b), 0);
	rsc_atomic_set s = RSC_ATOMIC_SET_INIT;
	ck_assert_int_eq(rsc_atomic_stage(&s, a, "new a", 5, 0444, err, sizeof err), 0);
	ck_assert_int_eq(rsc_atomic_stage(&s, b, "new b", 5, 0444, err, sizeof err), -1);
	ck_assert_int_eq(errno, EISDIR);
	snprintf(want, sizeof want, "cannot replace the directory %s: Is a directory", b);
	ck_assert_str_eq(err, want);
	rsc_atomic_set_free(&s);
	size_t n;
	char *got = tu_read(a, &n);
	ck_assert_str_eq(got, "old a");
	free(got);
	char cmd[600], *out = NULL;
	snprintf(cmd, sizeof cmd, "ls -A '%s' | tr '\\n' ' '", dir);
	ck_assert_int_eq(tu_run(cmd, &out, NULL), 0);
	ck_assert_str_eq(out, "a b ");
	free(out);

	/* all staged: both replaced, with their modes, no temporary left */
	ck_assert_int_eq(tu_sh("rmdir '%s'", b), 0);
	ck_assert_int_eq(rsc_atomic_stage(&s, a, "new a", 5, 0444, err, sizeof err), 0);
	ck_assert_int_eq(rsc_atomic_stage(&s, b, "new b", 5, 0640, err, sizeof err), 0);
	got = tu_read(a, &n);
	ck_assert_str_eq(got, "old a"); /* staged is not yet replaced */
	free(got);
	ck_assert_int_eq(rsc_atomic_commit(&s, err, sizeof err), 0);
	ck_assert_uint_eq(s.committed, 2);
	rsc_atomic_set_free(&s);
	got = tu_read(a, &n);
	ck_assert_str_eq(got, "new a");
	free(got);
	got = tu_read(b, &n);
	ck_assert_str_eq(got, "new b");
	free(got);
	struct stat st;
	ck_assert_int_eq(stat(b, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(tu_run(cmd, &out, NULL), 0);
	ck_assert_str_eq(out, "a b ");
	free(out);
	rsc_atomic_set_free(NULL);
}
END_TEST

START_TEST(mkdirs_makes_parents)
{
	char *dir = tu_tmpdir("encode-mkdirs");
	char path[512], err[512];
	snprintf(path, sizeof path, "%s/a/b/c", dir);
	ck_assert_int_eq(rsc_mkdirs(path, err, sizeof err), 0);
	ck_assert_int_eq(rsc_mkdirs(path, err, sizeof err), 0);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	tu_write(dir, "file", "x");
	snprintf(path, sizeof path, "%s/file", dir);
	ck_assert_int_eq(rsc_mkdirs(path, err, sizeof err), -1);
	char want[600];
	snprintf(want, sizeof want, "cannot use the directory %s: Not a directory", path);
	ck_assert_str_eq(err, want);
}
END_TEST

Suite *encode_suite(void);

Suite *encode_suite(void)
{
	Suite *s = suite_create("encode");
	TCase *tc = tcase_create("cbor");
	tcase_add_test(tc, ints_take_the_shortest_head);
	tcase_add_test(tc, floats_take_the_shortest_exact_width);
	tcase_add_test(tc, non_finite_floats_are_refused);
	tcase_add_test(tc, map_keys_are_sorted_by_their_encoding);
	tcase_add_test(tc, map_sorted_around_its_largest_entry);
	tcase_add_test(tc, duplicate_map_keys_are_refused);
	tcase_add_test(tc, empty_map_and_long_strings);
	suite_add_tcase(s, tc);
	tc = tcase_create("body");
	tcase_add_test(tc, smallest_body_exact_bytes);
	tcase_add_test(tc, body_reads_back_with_libcbor);
	tcase_add_test(tc, worktree_body_has_no_expiry);
	tcase_add_test(tc, unresolved_reference_is_an_error);
	suite_add_tcase(s, tc);
	tc = tcase_create("keys");
	tcase_add_test(tc, key_pem_round_trip_matches_openssl);
	tcase_add_test(tc, key_pem_v2_with_public_key_is_accepted);
	tcase_add_test(tc, bad_keys_say_why);
	tcase_add_test(tc, other_algorithms_are_named);
	tcase_add_test(tc, cose_sign1_exact_layout_and_signature);
	suite_add_tcase(s, tc);
	tc = tcase_create("atomic");
	tcase_add_test(tc, atomic_write_replaces_whole_files_only);
	tcase_add_test(tc, atomic_set_replaces_all_or_nothing);
	tcase_add_test(tc, mkdirs_makes_parents);
	suite_add_tcase(s, tc);
	return s;
}
