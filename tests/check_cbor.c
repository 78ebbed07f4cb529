/*
 * check_cbor.c - the strict CBOR reader of librsl (loader/cbor_reader.c):
 * what it accepts, what it refuses and where, byte for byte, from hex.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbor_reader.h"

/* Hex (spaces allowed) to bytes in a static buffer. */
static const uint8_t *hex(const char *s, size_t *len)
{
	static uint8_t buf[4096];
	size_t n = 0;
	for (; *s; s++) {
		if (*s == ' ')
			continue;
		unsigned v;
		ck_assert_int_eq(sscanf(s, "%2x", &v), 1);
		buf[n++] = (uint8_t)v;
		s++;
	}
	*len = n;
	return buf;
}

static int check_hex(const char *s, size_t *bad)
{
	size_t n;
	const uint8_t *p = hex(s, &n);
	return rsl__cbor_check(p, n, bad);
}

START_TEST(accepts_canonical_items)
{
	static const char *const ok[] = {
		"00", "17", "1818", "18ff", "190100", "19ffff", "1a00010000",
		"1affffffff", "1b0000000100000000", "1bffffffffffffffff",
		"20", "37", "3818", "3bffffffffffffffff",
		"40", "4401020304", "60", "6161", "62c3a9", "64f0908d88",
		"80", "83010203", "a0", "a2616101616202",
		"a2616102626161 03", /* "a" < "aa": shorter key first */
		"a2 01 00 20 00",    /* 1 (0x01) before -1 (0x20) */
		"f4", "f5",
		"f93c00",             /* 1.0 */
		"f93e00",             /* 1.5 */
		"f90001",             /* 2^-24, the smallest half */
		"f97bff",             /* 65504, the largest half */
		"f97c00", "f9fc00",   /* +-infinity */
		"f97e00",             /* NaN, its one canonical form */
		"f98000",             /* -0.0 */
		"fa47c35000",         /* 100000.0 needs single */
		"fa477fe100",         /* 65505.0 */
		"fb3ff199999999999a", /* 1.1 needs double */
		"fb7e37e43c8800759c", /* 1e300 */
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		size_t bad = 99;
		ck_assert_msg(check_hex(ok[i], &bad) == RSL__CBOR_OK,
			      "%s refused: %s", ok[i],
			      rsl__cbor_strerror(check_hex(ok[i], &bad)));
	}
}
END_TEST

static void refuse(const char *h, int want, size_t want_at)
{
	size_t bad = 9999;
	int rc = check_hex(h, &bad);
	ck_assert_msg(rc == want, "%s: got %d (%s), want %d (%s)", h, rc,
		      rsl__cbor_strerror(rc), want, rsl__cbor_strerror(want));
	ck_assert_msg(bad == want_at, "%s: error at byte %zu, want %zu", h, bad,
		      want_at);
}

START_TEST(refuses_long_heads)
{
	refuse("1817", RSL__CBOR_ELONG, 0);
	refuse("1900ff", RSL__CBOR_ELONG, 0);
	refuse("1a0000ffff", RSL__CBOR_ELONG, 0);
	refuse("1b00000000ffffffff", RSL__CBOR_ELONG, 0);
	refuse("3817", RSL__CBOR_ELONG, 0);
	refuse("5801 00", RSL__CBOR_ELONG, 0);
	refuse("820078 01 61", RSL__CBOR_ELONG, 2);
	refuse("9801 00", RSL__CBOR_ELONG, 0);
	refuse("b801 0000", RSL__CBOR_ELONG, 0);
}
END_TEST

START_TEST(refuses_indefinite_reserved_tags_simple)
{
	refuse("5f4100ff", RSL__CBOR_EINDEF, 0);
	refuse("9fff", RSL__CBOR_EINDEF, 0);
	refuse("bfff", RSL__CBOR_EINDEF, 0);
	refuse("82 01 1f", RSL__CBOR_EINDEF, 2);
	refuse("1c", RSL__CBOR_ERESERVED, 0);
	refuse("1e", RSL__CBOR_ERESERVED, 0);
	refuse("c074323031332d30332d32315432303a30343a30305a", RSL__CBOR_ETAG, 0);
	refuse("82 01 d2 80", RSL__CBOR_ETAG, 2);
	refuse("f6", RSL__CBOR_ESIMPLE, 0);   /* null */
	refuse("f7", RSL__CBOR_ESIMPLE, 0);   /* undefined */
	refuse("f0", RSL__CBOR_ESIMPLE, 0);
	refuse("f820", RSL__CBOR_ESIMPLE, 0);
}
END_TEST

START_TEST(refuses_floats_not_in_shortest_form)
{
	refuse("fa3f800000", RSL__CBOR_EFLOAT, 0);         /* 1.0 as single */
	refuse("fb3ff0000000000000", RSL__CBOR_EFLOAT, 0); /* 1.0 as double */
	refuse("fb40f86a0000000000", RSL__CBOR_EFLOAT, 0); /* 100000.0 */
	refuse("fa33800000", RSL__CBOR_EFLOAT, 0);  /* 2^-24 fits a half */
	refuse("fa477fe000", RSL__CBOR_EFLOAT, 0);  /* 65504 fits a half */
	refuse("fa7f800000", RSL__CBOR_EFLOAT, 0);  /* infinity as single */
	refuse("fa7fc00000", RSL__CBOR_EFLOAT, 0);  /* NaN as single */
	refuse("fb7ff8000000000000", RSL__CBOR_EFLOAT, 0); /* NaN as double */
	refuse("f97e01", RSL__CBOR_EFLOAT, 0);      /* NaN with a payload */
	refuse("f9fe00", RSL__CBOR_EFLOAT, 0);      /* negative NaN */
}
END_TEST

START_TEST(refuses_unsorted_or_duplicate_keys)
{
	refuse("a2616201616102", RSL__CBOR_EORDER, 4);
	refuse("a2616101616102", RSL__CBOR_EORDER, 4);
	refuse("a2626161016162 02", RSL__CBOR_EORDER, 5); /* "aa" before "b" */
	refuse("a2 20 00 01 00", RSL__CBOR_EORDER, 3);    /* -1 before 1 */
	/* Nested maps are checked too. */
	refuse("81 a2616201616102", RSL__CBOR_EORDER, 5);
}
END_TEST

START_TEST(refuses_bad_utf8)
{
	refuse("62c328", RSL__CBOR_EUTF8, 0);   /* bad continuation */
	refuse("62c0af", RSL__CBOR_EUTF8, 0);   /* overlong '/' */
	refuse("63eda080", RSL__CBOR_EUTF8, 0); /* a surrogate */
	refuse("64f4908080", RSL__CBOR_EUTF8, 0); /* past U+10FFFF */
	refuse("61ff", RSL__CBOR_EUTF8, 0);
	refuse("62e282", RSL__CBOR_EUTF8, 0);   /* cut short */
	/* Byte strings are not text: anything goes. */
	refuse("42c328 00", RSL__CBOR_ETRAILING, 3);
}
END_TEST

START_TEST(refuses_truncation_and_trailing_bytes)
{
	refuse("", RSL__CBOR_ETRUNC, 0);
	refuse("19 01", RSL__CBOR_ETRUNC, 0);
	refuse("8201", RSL__CBOR_ETRUNC, 0);
	refuse("82 01 19", RSL__CBOR_ETRUNC, 2);
	refuse("a10102 a1", RSL__CBOR_ETRAILING, 3);
	refuse("6461", RSL__CBOR_ETRUNC, 0);
	refuse("5affffffff00", RSL__CBOR_ETRUNC, 0);
	/* A count far beyond the buffer is refused before any loop. */
	refuse("9b0000000100000000", RSL__CBOR_ETRUNC, 0);
	refuse("bb0000000100000000", RSL__CBOR_ETRUNC, 0);
	refuse("a2 0102 03", RSL__CBOR_ETRUNC, 0); /* 2 pairs in 3 bytes */
	refuse("0000", RSL__CBOR_ETRAILING, 1);
}
END_TEST

START_TEST(depth_is_bounded_at_64)
{
	char buf[300];
	size_t n = 0;
	for (int i = 0; i < 64; i++)
		n += (size_t)sprintf(buf + n, "81");
	sprintf(buf + n, "00");
	ck_assert_int_eq(check_hex(buf, NULL), RSL__CBOR_OK);
	n = 0;
	for (int i = 0; i < 65; i++)
		n += (size_t)sprintf(buf + n, "81");
	sprintf(buf + n, "00");
	refuse(buf, RSL__CBOR_EDEPTH, 64);
	/* Maps count the same. */
	n = 0;
	for (int i = 0; i < 65; i++)
		n += (size_t)sprintf(buf + n, "a100");
	sprintf(buf + n, "00");
	refuse(buf, RSL__CBOR_EDEPTH, 128);
}
END_TEST

START_TEST(typed_readers)
{
	size_t n;
	const uint8_t *p = hex("1b7fffffffffffffff", &n);
	rsl__cbor c = { p, p + n };
	int64_t i;
	ck_assert_int_eq(rsl__cbor_int(&c, &i), RSL__CBOR_OK);
	ck_assert(i == INT64_MAX);
	ck_assert_ptr_eq(c.p, c.end);

	p = hex("3b7fffffffffffffff", &n);
	c = (rsl__cbor){ p, p + n };
	ck_assert_int_eq(rsl__cbor_int(&c, &i), RSL__CBOR_OK);
	ck_assert(i == INT64_MIN);

	p = hex("1b8000000000000000", &n);
	c = (rsl__cbor){ p, p + n };
	ck_assert_int_eq(rsl__cbor_int(&c, &i), RSL__CBOR_ERANGE);
	ck_assert_ptr_eq(c.p, p); /* nothing consumed */
	p = hex("3b8000000000000000", &n);
	c = (rsl__cbor){ p, p + n };
	ck_assert_int_eq(rsl__cbor_int(&c, &i), RSL__CBOR_ERANGE);

	uint64_t u;
	p = hex("20", &n);
	c = (rsl__cbor){ p, p + n };
	ck_assert_int_eq(rsl__cbor_uint(&c, &u), RSL__CBOR_ETYPE);
	ck_assert_ptr_eq(c.p, p);
	ck_assert_int_eq(rsl__cbor_int(&c, &i), RSL__CBOR_OK);
	ck_assert(i == -1);

	double d;
	static const struct { const char *h; double v; } fl[] = {
		{ "f93e00", 1.5 },           { "f9c400", -4.0 },
		{ "f90001", 0x1p-24 }, { "f97bff", 65504.0 },
		{ "fa47c35000", 100000.0 },  { "fb3ff199999999999a", 1.1 },
	};
	for (size_t k = 0; k < sizeof fl / sizeof fl[0]; k++) {
		p = hex(fl[k].h, &n);
		c = (rsl__cbor){ p, p + n };
		ck_assert_int_eq(rsl__cbor_float(&c, &d), RSL__CBOR_OK);
		ck_assert_msg(d == fl[k].v, "%s: %.17g", fl[k].h, d);
	}
	p = hex("f97c00", &n);
	c = (rsl__cbor){ p, p + n };
	ck_assert_int_eq(rsl__cbor_float(&c, &d), RSL__CBOR_OK);
	ck_assert(isinf(d) && d > 0);

	int b;
	p = hex("f5", &n);
	c = (rsl__cbor){ p, p + n };
	ck_assert_int_eq(rsl__cbor_float(&c, &d), RSL__CBOR_ETYPE);
	ck_assert_int_eq(rsl__cbor_bool(&c, &b), RSL__CBOR_OK);
	ck_assert_int_eq(b, 1);

	const char *s;
	size_t len;
	p = hex("63616263 01", &n);
	c = (rsl__cbor){ p, p + n };
	ck_assert_int_eq(rsl__cbor_text(&c, &s, &len), RSL__CBOR_OK);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(memcmp(s, "abc", 3), 0);
	ck_assert_int_eq(rsl__cbor_peek(&c), RSL__CBOR_UINT);

	/* A string head claiming more than remains. */
	p = hex("6461", &n);
	c = (rsl__cbor){ p, p + n };
	ck_assert_int_eq(rsl__cbor_text(&c, &s, &len), RSL__CBOR_ETRUNC);
	/* An array count beyond the remaining bytes. */
	p = hex("8300 00", &n);
	c = (rsl__cbor){ p, p + n };
	ck_assert_int_eq(rsl__cbor_array(&c, &u), RSL__CBOR_ETRUNC);
	p = hex("a2 0000 00", &n);
	c = (rsl__cbor){ p, p + n };
	ck_assert_int_eq(rsl__cbor_map(&c, &u), RSL__CBOR_ETRUNC);

	/* Skip walks a whole item, and refuses a bad one. */
	p = hex("a2616182010261628000", &n);
	c = (rsl__cbor){ p, p + n };
	ck_assert_int_eq(rsl__cbor_skip(&c), RSL__CBOR_OK);
	ck_assert_int_eq(c.end - c.p, 1);
	p = hex("82 01 9f", &n);
	c = (rsl__cbor){ p, p + n };
	ck_assert_int_eq(rsl__cbor_skip(&c), RSL__CBOR_EINDEF);
	ck_assert_ptr_eq(c.p, p);

	/* Reading on at the end says so. */
	c = (rsl__cbor){ p, p };
	ck_assert_int_eq(rsl__cbor_peek(&c), -1);
	ck_assert_int_eq(rsl__cbor_uint(&c, &u), RSL__CBOR_ETRUNC);
	ck_assert_int_eq(rsl__cbor_bool(&c, &b), RSL__CBOR_ETRUNC);
}
END_TEST

/* Every prefix and many one-byte changes of a well-formed item: the reader
 * answers (under ASan) without reading past the end. */
START_TEST(survives_prefixes_and_mutations)
{
	size_t n;
	const uint8_t *p = hex("a5 6161 83 01 3863 fb3ff199999999999a"
			       " 6162 a1 6178 f93e00"
			       " 6163 43 010203"
			       " 6164 82 f4 f5"
			       " 6165 6a 5369676e617475726531", &n);
	ck_assert_int_eq(rsl__cbor_check(p, n, NULL), RSL__CBOR_OK);
	for (size_t k = 0; k < n; k++) {
		uint8_t *cp = malloc(k ? k : 1);
		memcpy(cp, p, k);
		ck_assert_int_lt(rsl__cbor_check(cp, k, NULL), 0);
		free(cp);
	}
	uint8_t *m = malloc(n);
	for (size_t k = 0; k < n; k++) {
		for (unsigned v = 0; v < 256; v++) {
			memcpy(m, p, n);
			m[k] = (uint8_t)v;
			size_t bad = 0;
			int rc = rsl__cbor_check(m, n, &bad);
			ck_assert(rc <= 0);
			ck_assert(bad <= n);
		}
	}
	free(m);
}
END_TEST

Suite *cbor_suite(void); /* called by the runner */
Suite *cbor_suite(void)
{
	Suite *s = suite_create("cbor");
	TCase *tc = tcase_create("reader");
	tcase_add_test(tc, accepts_canonical_items);
	tcase_add_test(tc, refuses_long_heads);
	tcase_add_test(tc, refuses_indefinite_reserved_tags_simple);
	tcase_add_test(tc, refuses_floats_not_in_shortest_form);
	tcase_add_test(tc, refuses_unsorted_or_duplicate_keys);
	tcase_add_test(tc, refuses_bad_utf8);
	tcase_add_test(tc, refuses_truncation_and_trailing_bytes);
	tcase_add_test(tc, depth_is_bounded_at_64);
	tcase_add_test(tc, typed_readers);
	tcase_add_test(tc, survives_prefixes_and_mutations);
	suite_add_tcase(s, tc);
	return s;
}
