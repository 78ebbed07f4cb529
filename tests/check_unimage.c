/*
 * check_unimage.c - unimage.c and rsc inspect on format 2: the records of
 * what rsc compiles, decoded from the image and written back, are the
 * format 1 body rsc would have written, byte for byte (the bundled
 * flags/, the ruleset of tests/ruleset_fixture.h, and the compile fixture
 * from a commit, with every provenance field); inspect shows a format 2
 * file as it shows the same ruleset in format 1; it refuses a damaged image
 * with the loader's reason, and an image whose shared records would write
 * out far larger than the file.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbor_writer.h"
#include "compile.h"
#include "cose.h"
#include "decode.h"
#include "encode.h"
#include "inspect.h"
#include "keys.h"
#include "ruleset_fixture.h"
#include "snap.h"
#include "testutil.h"
#include "unimage.h"

#define T0 1767225600L /* 2026-01-01T00:00:00Z */

/* The compile fixture committed in a fresh repository with a remote: a
 * snapshot with author, subject, repo and expires_at. */
static char *fixture_repo(void)
{
	char *dir = tu_tmpdir("unimage-repo");
	ck_assert_int_eq(tu_sh("cp -R tests/fixtures/compile/ruleset/. '%s/'", dir), 0);
	tu_git_init(dir);
	tu_git_commit(dir, "Add the flags", T0);
	ck_assert_int_eq(tu_sh("git -C '%s' remote add origin https://example.com/r.git", dir), 0);
	return dir;
}

/* Compiles root (the work tree when rev is NULL) in memory, unsigned. */
static void compile(rsc_compiled *c, const char *root, const char *rev)
{
	rsc_compile_options o = RSC_COMPILE_OPTIONS_INIT;
	o.root = root;
	o.rev = rev;
	o.review = rev == NULL; /* protected environments from the work tree */
	int rc = rsc_compile(c, &o);
	ck_assert_msg(rc == RSC_OK, "%s: %d %s", root, rc, c->message);
	ck_assert_uint_gt(c->nsnaps, 0);
}

/* The payload of a snapshot file, through inspect's envelope reader. */
static void payload_of(const unsigned char *file, size_t len, const uint8_t **p, size_t *n)
{
	rsc_inspected s;
	char why[512];
	ck_assert_msg(rsc_inspect_decode(&s, file, len, why, sizeof why) == 0, "%s", why);
	*p = s.body.p;
	*n = (size_t)(s.body.end - s.body.p);
	rsc_inspect_free(&s);
}

static void assert_round_trip(const char *root, const char *rev)
{
	rsc_compiled c;
	compile(&c, root, rev);
	for (size_t i = 0; i < c.nsnaps; i++) {
		const uint8_t *p;
		size_t n;
		payload_of(c.snaps[i].bytes, c.snaps[i].len, &p, &n);

		rsl_snapshot *snap;
		rsl_error e;
		ck_assert_msg(rsc_image_open(&snap, p, n, &e) == RSL_OK, "%s", e.message);
		ck_assert_uint_eq(snap->info.format, 2);
		ck_assert_ptr_ne(snap->image, snap->block); /* read in place */
		unsigned char *got, *want;
		size_t gotlen, wantlen;
		char err[256] = "";
		ck_assert_msg(rsc_image_body_v1(&got, &gotlen, snap, 0, err, sizeof err) == RSC_OK,
			      "%s", err);
		ck_assert_int_eq(rsc_encode_body_v1(&want, &wantlen, &c.ruleset, c.snaps[i].env,
						    &c.prov, err, sizeof err), RSC_OK);
		ck_assert_msg(gotlen == wantlen && memcmp(got, want, gotlen) == 0,
			      "%s, %s: the records written back (%zu bytes) are not the format 1 "
			      "body (%zu bytes)", root, c.snaps[i].env_name, gotlen, wantlen);
		/* and the loader reads them as it reads the image */
		rsl_snapshot *v1;
		ck_assert_int_eq(rsl__decode_payload(&v1, got, gotlen, NULL, &e), RSL_OK);
		ck_assert_uint_eq(v1->nflags, snap->nflags);
		ck_assert_uint_eq(v1->nsegments, snap->nsegments);
		rsl_close(v1);
		free(got);
		free(want);
		rsl_close(snap);
	}
	rsc_compiled_free(&c);
}

START_TEST(records_write_back_as_the_format_1_body)
{
	assert_round_trip("flags", NULL);
	assert_round_trip(RF_DIR "/rules", NULL);
	char *dir = fixture_repo();
	assert_round_trip(dir, "HEAD");
	free(dir);
}
END_TEST

/* The loader reads an image only at a multiple of 16 bytes; rsc_image_open
 * reads a payload from wherever it lies. */
START_TEST(a_payload_opens_at_any_address)
{
	rsc_compiled c;
	compile(&c, RF_DIR "/rules", NULL);
	const uint8_t *p;
	size_t n;
	payload_of(c.snaps[0].bytes, c.snaps[0].len, &p, &n);
	unsigned char *buf = malloc(n + 16);
	for (size_t k = 0; k < 16; k++) {
		memcpy(buf + k, p, n);
		rsl_snapshot *snap;
		rsl_error e;
		ck_assert_msg(rsc_image_open(&snap, buf + k, n, &e) == RSL_OK, "at +%zu: %s", k,
			      e.message);
		ck_assert_uint_eq(snap->nflags, c.ruleset.nflags);
		rsl_close(snap);
		if (((uintptr_t)(buf + k) & 15) == ((uintptr_t)p & 15))
			continue;
		ck_assert_int_eq(rsl__decode_payload(&snap, buf + k, n, NULL, &e), RSL_EFORMAT);
		ck_assert_ptr_nonnull(strstr(e.message, "image: not at a multiple of 16 bytes"));
	}
	free(buf);
	rsc_compiled_free(&c);
}
END_TEST

/* A file signed with k around payload[0..n). */
static unsigned char *signed_file(const rsc_key *k, unsigned char *payload, size_t n,
				  size_t *len)
{
	unsigned char *out;
	char err[128];
	ck_assert_int_eq(rsc_cose_sign1(&out, len, payload, n, k, err, sizeof err), RSC_OK);
	free(payload);
	return out;
}

/* What inspect prints of file in text (json 0) or JSON. */
static char *inspect(const unsigned char *file, size_t len, int json)
{
	rsc_inspected s;
	char why[512], *text = NULL;
	size_t textlen = 0;
	ck_assert_msg(rsc_inspect_decode(&s, file, len, why, sizeof why) == 0, "%s", why);
	FILE *f = open_memstream(&text, &textlen);
	if (json)
		rsc_inspect_json(f, &s, "x.rsnap", 1000);
	else
		ck_assert_int_eq(rsc_inspect_text(f, &s, "x.rsnap", 1000), 0);
	fclose(f);
	rsc_inspect_free(&s);
	return text;
}

/* got is want; else says where they part (check cannot carry a message as
 * long as a whole inspect output). */
static void assert_same_text(const char *got, const char *want)
{
	size_t i = 0;
	while (got[i] && got[i] == want[i])
		i++;
	size_t from = i > 60 ? i - 60 : 0;
	ck_assert_msg(got[i] == want[i], "they part at byte %zu:\n got: %.120s\nwant: %.120s", i,
		      got + from, want + from);
}

/* Replaces the first from in s by to (no longer than from). */
static void replace(char *s, const char *from, const char *to)
{
	char *at = strstr(s, from);
	ck_assert_msg(at != NULL, "no %s in %s", from, s);
	memcpy(at, to, strlen(to));
	memmove(at + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
}

START_TEST(inspect_shows_format_2_as_format_1)
{
	char *dir = fixture_repo();
	rsc_compiled c;
	compile(&c, dir, "HEAD");
	rsc_key k;
	ck_assert_int_eq(rsc_key_generate(&k), 0);
	for (size_t i = 0; i < c.nsnaps; i++) {
		unsigned char *b1, *b2;
		size_t n1, n2, len1, len2;
		char err[128];
		ck_assert_int_eq(rsc_encode_body_v1(&b1, &n1, &c.ruleset, c.snaps[i].env, &c.prov,
						    err, sizeof err), RSC_OK);
		ck_assert_int_eq(rsc_encode_body(&b2, &n2, &c.ruleset, c.snaps[i].env, &c.prov,
						 err, sizeof err), RSC_OK);
		unsigned char *f1 = signed_file(&k, b1, n1, &len1);
		unsigned char *f2 = signed_file(&k, b2, n2, &len2);

		char *t1 = inspect(f1, len1, 0), *t2 = inspect(f2, len2, 0);
		ck_assert_ptr_nonnull(strstr(t2, "flags (6)\n"));
		replace(t2, "  format       2\n", "  format       1\n");
		assert_same_text(t2, t1);

		/* JSON: the same body, with the image's digest and without the
		 * image (nor its padding) */
		char *j1 = inspect(f1, len1, 1), *j2 = inspect(f2, len2, 1);
		ck_assert_ptr_null(strstr(j2, "\"image\""));
		ck_assert_ptr_null(strstr(j2, "\"align\""));
		ck_assert_ptr_nonnull(strstr(j2, ",\"body\":{\"env\":\""));
		char *d = strstr(j2, "\"digest\":\"");
		ck_assert_ptr_nonnull(d);
		ck_assert_int_eq(d[10 + 64], '"');
		memmove(d, d + 10 + 64 + 2, strlen(d + 10 + 64 + 2) + 1);
		replace(j2, "\"format\":2,", "\"format\":1,");
		assert_same_text(strstr(j2, ",\"body\":"), strstr(j1, ",\"body\":"));
		free(t1);
		free(t2);
		free(j1);
		free(j2);
		free(f1);
		free(f2);
	}
	rsc_compiled_free(&c);
	free(dir);
}
END_TEST

/* The built rsc on a format 2 file it compiled: what the bug printed as
 * "segments (0)" and "flags (0)". */
START_TEST(rsc_inspect_prints_a_compiled_snapshot)
{
	char *out = NULL, *err = NULL;
	ck_assert_int_eq(tu_run(RSC_BIN " inspect " RF_SNAP, &out, &err), 0);
	ck_assert_str_eq(err, "");
	char want[64];
	snprintf(want, sizeof want, "flags (%u)\n", (unsigned)rf_snap->nflags);
	ck_assert_ptr_nonnull(strstr(out, "  format       2\n"));
	ck_assert_ptr_nonnull(strstr(out, "segments (2)\n  inner: beta eq true\n"));
	ck_assert_ptr_nonnull(strstr(out, want));
	ck_assert_ptr_nonnull(strstr(out, "\nsched (string)  "));
	ck_assert_ptr_nonnull(strstr(out, "      from 2026-12-08T09:00:00Z: split b 50%, c 50%\n"));
	free(out);
	free(err);
	ck_assert_int_eq(tu_run(RSC_BIN " inspect --format json --pub " RF_PUB " " RF_SNAP,
				&out, &err), 0);
	ck_assert_str_eq(err, "");
	ck_assert_ptr_nonnull(strstr(out, "\"signature_checked\":true,"));
	ck_assert_ptr_nonnull(strstr(out, "\"flags\":[{\"key\":\"base\","));
	free(out);
	free(err);
}
END_TEST

/* A file around a payload with an empty protected header and signature:
 * inspect does not check them. */
static unsigned char *unsigned_file(const uint8_t *payload, size_t n, size_t *len)
{
	rsc_cw w;
	unsigned char *out;
	rsc_cw_init(&w);
	rsc_cw_tag(&w, RSC_COSE_TAG_SIGN1);
	rsc_cw_array(&w, 4);
	rsc_cw_bytes(&w, "\xa0", 1);
	rsc_cw_map_begin(&w);
	rsc_cw_map_end(&w);
	rsc_cw_bytes(&w, payload, n);
	rsc_cw_bytes(&w, NULL, 0);
	ck_assert_int_eq(rsc_cw_finish(&out, len, &w), RSC_OK);
	return out;
}

static void assert_refused(const unsigned char *file, size_t len, const char *why_want)
{
	rsc_inspected s;
	char why[512] = "";
	ck_assert_int_eq(rsc_inspect_decode(&s, file, len, why, sizeof why), -1);
	rsc_inspect_free(&s);
	ck_assert_str_eq(why, why_want);
}

START_TEST(inspect_refuses_an_image_the_loader_refuses)
{
	const uint8_t *p;
	size_t n, len;
	rsl_snapshot *snap = NULL;
	rsl_error e;
	ck_assert_int_eq(rsc_image_open(&snap, NULL, 0, &e), RSL_EFORMAT);
	ck_assert_ptr_null(snap);

	size_t flen;
	unsigned char *good = (unsigned char *)tu_read(RF_SNAP, &flen);
	ck_assert_ptr_nonnull(good);
	payload_of(good, flen, &p, &n);
	uint8_t *bad = malloc(n);
	memcpy(bad, p, n);
	size_t at = 0;
	while (at + 8 <= n && memcmp(bad + at, RSL__IMAGE_MAGIC, 8) != 0)
		at++;
	ck_assert_uint_lt(at + 8, n);
	bad[at] = 'X';
	unsigned char *file = unsigned_file(bad, n, &len);
	assert_refused(file, len, "the payload is not one librsl reads (RSL_EFORMAT): payload: "
		       "image: no image header, or a header that does not say this size");
	free(file);

	/* format 2 without its image */
	static const uint8_t body[] = { 0xa1, 0x66, 'f', 'o', 'r', 'm', 'a', 't', 0x02 };
	file = unsigned_file(body, sizeof body, &len);
	assert_refused(file, len, "the payload is not one librsl reads (RSL_EFORMAT): payload: "
		       "the body: missing 'env'");
	free(file);
	free(bad);
	free(good);
}
END_TEST

/* An image may point every flag's file names at one long string: sound
 * for the loader, but its records written out would be far larger than the
 * file.  Inspect refuses it rather than take memory and time out of
 * proportion. */
START_TEST(shared_records_are_bounded)
{
	char *dir = tu_tmpdir("unimage-shared");
	tu_write(dir, "rulestead.yaml", "environments:\n  - dev\n");
	char *big = malloc(20200), name[32], text[128];
	int at = snprintf(big, 100, "key: big\ndescription: d\nowner: o\ntype: object\n"
			  "variants:\n  big:\n    pad: ");
	memset(big + at, 'x', 20000);
	snprintf(big + at + 20000, 100, "\n  none: {}\noff_variant: none\n");
	tu_write(dir, "big.yaml", big);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof name, "f%02d.yaml", i);
		snprintf(text, sizeof text, "key: f%02d\ndescription: d\nowner: o\ntype: boolean\n",
			 i);
		tu_write(dir, name, text);
		snprintf(text, sizeof text, "environments/dev/f%02d.yaml", i);
		tu_write(dir, text, "enabled: true\ndefault: on\n");
	}
	rsc_compiled c;
	compile(&c, dir, NULL);
	const uint8_t *p;
	size_t n;
	payload_of(c.snaps[0].bytes, c.snaps[0].len, &p, &n);
	rsl_snapshot *snap;
	rsl_error e;
	ck_assert_int_eq(rsc_image_open(&snap, p, n, &e), RSL_OK);
	/* every flag's files at big's JSON text, in the snapshot's own copy */
	const rsl__flag *fb = rsl__find_flag(snap, "big", 3);
	ck_assert_ptr_nonnull(fb);
	const rsl__str *json = &RSL__AT(rsl__variant, fb->variants)[0].value.s;
	ck_assert_uint_gt(json->len, 20000);
	for (uint32_t i = 0; i < snap->nflags; i++) {
		rsl__flag *f = (rsl__flag *)&snap->flags[i];
		rsl__ref_set(&f->file.p, RSL__S(*json));
		rsl__ref_set(&f->tfile.p, RSL__S(*json));
		f->file.len = f->tfile.len = json->len;
	}
	uint8_t *shared = malloc(n);
	memcpy(shared, (uint8_t *)snap->region + (snap->region_size - n - 1), n);
	rsl_close(snap);
	size_t len;
	unsigned char *file = unsigned_file(shared, n, &len);
	/* still sound, and as large as it was */
	ck_assert_msg(rsc_image_open(&snap, shared, n, &e) == RSL_OK, "%s", e.message);
	unsigned char *out;
	size_t outlen;
	char err[160];
	ck_assert_int_eq(rsc_image_body_v1(&out, &outlen, snap, 0, err, sizeof err), RSC_OK);
	ck_assert_uint_gt(outlen, 40 * n);
	free(out);
	ck_assert_int_eq(rsc_image_body_v1(&out, &outlen, snap, 2 * n, err, sizeof err),
			 RSC_EINVALID);
	ck_assert_ptr_null(out);
	char want[200];
	snprintf(want, sizeof want, "the records written out come to more than %zu bytes",
		 2 * n);
	ck_assert_str_eq(err, want);
	rsl_close(snap);
	snprintf(want, sizeof want, "the payload's image: the records written out come to "
		 "more than %zu bytes", 2 * n + 4096);
	assert_refused(file, len, want);
	free(file);
	free(shared);
	free(big);
	rsc_compiled_free(&c);
	free(dir);
}
END_TEST

Suite *unimage_suite(void);
Suite *unimage_suite(void)
{
	Suite *s = suite_create("unimage");
	TCase *tc = tcase_create("records");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, rf_build, NULL);
	tcase_add_checked_fixture(tc, rf_open, rf_close);
	tcase_add_test(tc, records_write_back_as_the_format_1_body);
	tcase_add_test(tc, a_payload_opens_at_any_address);
	tcase_add_test(tc, inspect_shows_format_2_as_format_1);
	tcase_add_test(tc, rsc_inspect_prints_a_compiled_snapshot);
	tcase_add_test(tc, inspect_refuses_an_image_the_loader_refuses);
	tcase_add_test(tc, shared_records_are_bounded);
	suite_add_tcase(s, tc);
	return s;
}
