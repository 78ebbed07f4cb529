/*
 * check_bucket.c - bucketing, algorithm 1: the vectors in
 * tests/vectors/bucketing.json against librsl and against an independent
 * computation (libxxhash's exported XXH3_64bits and XXH3_64bits_withSeed,
 * where librsl inlines its own copy, and a 128-bit product), the number
 * text, and independence between flags.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "bucket.h"
#include "testutil.h"

__extension__ typedef unsigned __int128 u128;

/* The reference: the library's XXH3, the seed from the salt, the 128-bit
 * product. */
static uint32_t reference_bucket(const char *salt, const char *value, size_t vl,
				 uint64_t *seed, uint64_t *hash)
{
	*seed = XXH3_64bits(salt, strlen(salt));
	*hash = XXH3_64bits_withSeed(value, vl, *seed);
	return (uint32_t)(((u128)*hash * 100000u) >> 64);
}

/* Reads the JSON string at *p (after its opening quote); \" and \\ only. */
static char *jstring(const char **p)
{
	const char *s = *p;
	char *out = malloc(strlen(s) + 1);
	size_t n = 0;
	ck_assert_ptr_nonnull(out);
	while (*s && *s != '"') {
		if (*s == '\\')
			s++;
		out[n++] = *s++;
	}
	ck_assert_int_eq(*s, '"');
	out[n] = 0;
	*p = s + 1;
	return out;
}

static const char *after(const char *s, const char *key)
{
	const char *k = strstr(s, key);
	ck_assert_msg(k != NULL, "no %s in vectors", key);
	return k + strlen(key);
}

START_TEST(vectors_match_library_and_reference)
{
	char *json = tu_read("tests/vectors/bucketing.json", NULL);
	ck_assert_ptr_nonnull(json);
	ck_assert_ptr_nonnull(strstr(json, "\"algorithm\": 1"));
	int count = 0, empty = 0, unicode = 0;
	/* XXH3's length classes: 0, 1-3, 4-8, 9-16, 17-128, 129-240, 241+. */
	int classes[7] = { 0 };
	const char *p = json;
	while ((p = strstr(p, "{\"salt\": \"")) != NULL) {
		p += strlen("{\"salt\": \"");
		char *salt = jstring(&p);
		p = after(p, "\"value\": \"");
		char *value = jstring(&p);
		p = after(p, "\"seed\": \"");
		unsigned long long seed = strtoull(p, NULL, 16);
		p = after(p, "\"hash\": \"");
		unsigned long long hash = strtoull(p, NULL, 16);
		p = after(p, "\"bucket\": ");
		unsigned long bucket = strtoul(p, NULL, 10);
		size_t sl = strlen(salt), vl = strlen(value);

		uint64_t ref_seed, ref_hash;
		uint32_t ref = reference_bucket(salt, value, vl, &ref_seed, &ref_hash);
		ck_assert_msg(ref == bucket, "vector %d (%s, %.20s): file says %lu, reference %u",
			      count, salt, value, bucket, ref);
		ck_assert_msg(ref_seed == seed, "vector %d: seed differs", count);
		ck_assert_msg(ref_hash == hash, "vector %d: hash differs", count);
		ck_assert_uint_eq(rsl__bucket_seed(salt, sl), seed);
		ck_assert_uint_eq(rsl__bucket_hash_seeded(seed, value, vl), hash);
		ck_assert_uint_eq(rsl__bucket_seeded(seed, value, vl), bucket);
		ck_assert_uint_eq(rsl__bucket_hash(salt, sl, value, vl), hash);
		ck_assert_uint_eq(rsl__bucket(salt, sl, value, vl), bucket);
		ck_assert_uint_lt(bucket, 100000);
		empty += vl == 0;
		classes[vl == 0 ? 0 : vl <= 3 ? 1 : vl <= 8 ? 2 : vl <= 16 ? 3 : vl <= 128 ? 4
			: vl <= 240 ? 5 : 6]++;
		for (const char *c = value; *c; c++)
			if ((unsigned char)*c >= 0x80) {
				unicode++;
				break;
			}
		free(salt);
		free(value);
		count++;
	}
	ck_assert_int_ge(count, 30);
	ck_assert_int_ge(empty, 1);
	ck_assert_int_ge(unicode, 1);
	for (int i = 0; i < 7; i++)
		ck_assert_msg(classes[i] > 0, "no vector of length class %d", i);
	free(json);
}
END_TEST

/* Every length up to 300 and far past it (each of XXH3's code paths, the
 * seeded one above 240 bytes included) agrees with the reference. */
START_TEST(long_inputs_match_reference)
{
	static char value[5000];
	for (size_t len = 0; len < sizeof value; len += len < 300 ? 1 : 97) {
		memset(value, 'a' + (int)(len % 26), len);
		value[len] = 0;
		uint64_t seed, h;
		uint32_t ref = reference_bucket("new-checkout", value, len, &seed, &h);
		ck_assert_uint_eq(rsl__bucket_hash("new-checkout", 12, value, len), h);
		ck_assert_uint_eq(rsl__bucket("new-checkout", 12, value, len), ref);
	}
}
END_TEST

/* The salt is hashed whole, NUL-free bytes of any length; a salt that is a
 * prefix of another does not share its buckets. */
START_TEST(salt_prefix_is_another_salt)
{
	int same = 0;
	char key[32];
	for (int i = 0; i < 10000; i++) {
		int len = snprintf(key, sizeof key, "user-%d", i);
		same += rsl__bucket("flag", 4, key, (size_t)len) ==
			rsl__bucket("flag-2", 6, key, (size_t)len);
	}
	ck_assert_int_lt(same, 5); /* 10,000 / 100,000 expected by chance: 0.1 */
}
END_TEST

static void num_is(double n, const char *want)
{
	char buf[RSL__NUMBUF];
	int len = rsl__format_number(buf, n);
	ck_assert_msg(len >= 0 && strcmp(buf, want) == 0, "%.17g: got '%s', want '%s'", n,
		      len >= 0 ? buf : "(error)", want);
	ck_assert_int_eq(len, (int)strlen(want));
}

START_TEST(number_text)
{
	num_is(42, "42");
	num_is(-7, "-7");
	num_is(0, "0");
	num_is(-0.0, "0");
	num_is(0.5, "0.5");
	num_is(0.1, "0.1");
	num_is(1.0 / 3, "0.3333333333333333");
	num_is(0.1 + 0.2, "0.30000000000000004");
	num_is(123456789012.0, "123456789012");
	num_is(1e300, "1e+300");
	num_is(1.5e-7, "1.5e-07");
	num_is(-2.25, "-2.25");
	num_is(9007199254740993.0, "9007199254740992");
	num_is(9223372036854775808.0, "9.223372036854776e+18");
	char buf[RSL__NUMBUF];
	ck_assert_int_eq(rsl__format_number(buf, strtod("nan", NULL)), -1);
	ck_assert_int_eq(rsl__format_number(buf, strtod("inf", NULL)), -1);
	ck_assert_int_eq(rsl__format_number(buf, -strtod("inf", NULL)), -1);
}
END_TEST

/* Two flags bucket independently: being in one flag's first 20% says
 * nothing about another's. */
START_TEST(flags_bucket_independently)
{
	int a = 0, b = 0, both = 0;
	const int n = 200000;
	char key[32];
	for (int i = 0; i < n; i++) {
		int len = snprintf(key, sizeof key, "user-%d", i);
		int ina = rsl__bucket("flag-a", 6, key, (size_t)len) < 20000;
		int inb = rsl__bucket("flag-b", 6, key, (size_t)len) < 20000;
		a += ina;
		b += inb;
		both += ina && inb;
	}
	/* Expected 4% in both; a shared hash would put 20% there. */
	ck_assert_msg(both > n * 0.038 && both < n * 0.042, "both: %d of %d", both, n);
	ck_assert(a > n * 0.195 && a < n * 0.205);
	ck_assert(b > n * 0.195 && b < n * 0.205);
}
END_TEST

Suite *bucket_suite(void); /* called by the runner */
Suite *bucket_suite(void)
{
	Suite *s = suite_create("bucket");
	TCase *tc = tcase_create("bucket");
	tcase_add_test(tc, vectors_match_library_and_reference);
	tcase_add_test(tc, long_inputs_match_reference);
	tcase_add_test(tc, salt_prefix_is_another_salt);
	tcase_add_test(tc, number_text);
	tcase_add_test(tc, flags_bucket_independently);
	suite_add_tcase(s, tc);
	return s;
}
