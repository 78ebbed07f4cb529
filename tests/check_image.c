/*
 * check_image.c - format 2 opened where it lies (docs/snapshot-format.md,
 * "The image"): the golden snapshot decides exactly as the same content in
 * format 1, read or mapped, and keeps deciding from its mapping when the
 * file is replaced; and images that lie about their records, signed by a
 * trusted key all the same, are refused at open with a message naming what
 * is wrong (loader/validate.c), never evaluated.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cose.h"
#include "keys.h"
#include "rsl.h"
#include "snap.h"
#include "testutil.h"
#include "unimage.h"

#define GOLDEN "tests/golden/prod.rsnap"
#define KEY "tests/fixtures/compile/test.key"
#define PUB "tests/fixtures/compile/test.pub"

static rsl_keyring *ring(void)
{
	rsl_keyring *kr;
	rsl_error e;
	ck_assert_int_eq(rsl_keyring_new(&kr), RSL_OK);
	ck_assert_int_eq(rsl_keyring_add_pem_file(kr, PUB, &e), RSL_OK);
	return kr;
}

/* The payload of a file rsc signed: after the tag, array, 14-byte protected
 * header, empty map and the byte string's head. */
static const uint8_t *payload_of(const uint8_t *f, size_t n, size_t *len)
{
	ck_assert_uint_gt(n, 24);
	const uint8_t *p = f + 17;
	unsigned ai = p[0] & 31;
	size_t hl = ai < 24 ? 0 : ai == 24 ? 1 : ai == 25 ? 2 : 4, v = ai < 24 ? ai : 0;
	for (size_t i = 0; i < hl; i++)
		v = v << 8 | p[1 + i];
	*len = v;
	return p + 1 + hl;
}

/* payload signed with the test key as rsc signs: malloc'd, *n its size. */
static uint8_t *sign(const uint8_t *payload, size_t len, size_t *n)
{
	rsc_key k;
	char err[256];
	unsigned char *out;
	size_t pn;
	char *pem = tu_read(KEY, &pn); /* the file is 0644 in git: read it as text */
	ck_assert_msg(rsc_key_from_pem(&k, pem, pn, err, sizeof err) == 0, "%s", err);
	free(pem);
	ck_assert_int_eq(rsc_cose_sign1(&out, n, payload, len, &k, err, sizeof err), 0);
	rsc_key_wipe(&k);
	return out;
}

static int open_bytes(rsl_snapshot **s, const uint8_t *f, size_t n, rsl_error *e)
{
	rsl_keyring *kr = ring();
	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	o.keys = kr;
	int rc = rsl_open_buffer(s, f, n, &o, e);
	rsl_keyring_free(kr);
	return rc;
}

static int open_path(rsl_snapshot **s, const char *path, unsigned flags)
{
	rsl_keyring *kr = ring();
	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	rsl_error e;
	o.keys = kr;
	o.flags = flags;
	int rc = rsl_open(s, path, &o, &e);
	ck_assert_msg(rc == RSL_OK, "%s: %s", path, e.message);
	rsl_keyring_free(kr);
	return rc;
}

/* Contexts that reach every rule of the golden ruleset (tests/fixtures/
 * compile/ruleset): countries, versions, plans, seats and tenants. */
static void context(rsl_context *c, rsl_attr *a, char *key, size_t i)
{
	static const char *const country[] = { "DE", "AT", "CH", "FR", "NO", "" };
	static const char *const version[] = { "2.2.9", "2.3.0", "3.0.0-rc.1", "x" };
	static const char *const plan[] = { "pro", "enterprise", "free" };
	static const char *const email[] = { "ann@example.com", "bob@other.org" };
	snprintf(key, 32, "user-%zu", i);
	size_t n = 0;
	a[n++] = (rsl_attr)RSL_STR("country", country[i % 6]);
	a[n++] = (rsl_attr)RSL_STR("app_version", version[i / 6 % 4]);
	a[n++] = (rsl_attr)RSL_STR("plan", plan[i / 24 % 3]);
	a[n++] = (rsl_attr)RSL_STR("email", email[i / 72 % 2]);
	a[n++] = (rsl_attr)RSL_NUM("seats", (double)(i % 150));
	a[n++] = (rsl_attr)RSL_NUM("score", (double)(i % 10) / 10.0);
	a[n++] = (rsl_attr)RSL_BOOL("beta_opt_in", i % 7 == 0);
	a[n++] = (rsl_attr)RSL_STR("signup_time", i % 2 ? "2026-02-01T00:00:00Z"
						      : "2025-06-01T00:00:00Z");
	memset(c, 0, sizeof *c);
	c->targeting_key = key;
	c->tenant_key = i % 3 ? "acme" : "globex";
	c->attrs = a;
	c->nattrs = n;
}

/* Every flag of a, for 2,000 contexts, decides as in b. */
static void same_decisions(const rsl_snapshot *a, const rsl_snapshot *b)
{
	ck_assert_uint_eq(a->nflags, b->nflags);
	ck_assert_uint_gt(a->nflags, 0);
	for (size_t i = 0; i < 2000; i++) {
		rsl_context c;
		rsl_attr at[8];
		char key[32];
		context(&c, at, key, i);
		for (uint32_t f = 0; f < a->nflags; f++) {
			const char *k = RSL__S(a->flags[f].key);
			rsl_result ra, rb;
			ck_assert_int_eq(rsl_evaluate(&ra, a, k, RSL_ANY, &c, NULL),
					 rsl_evaluate(&rb, b, k, RSL_ANY, &c, NULL));
			ck_assert_msg(ra.reason == rb.reason && ra.error == rb.error &&
				      ra.rule_index == rb.rule_index && ra.bucket == rb.bucket &&
				      strcmp(ra.variant ? ra.variant : "", rb.variant ? rb.variant : "") == 0,
				      "flag %s, context %zu: %s/%s vs %s/%s", k, i,
				      ra.variant ? ra.variant : "-", rsl_reason_name(ra.reason),
				      rb.variant ? rb.variant : "-", rsl_reason_name(rb.reason));
		}
	}
}

START_TEST(both_formats_decide_alike_read_or_mapped)
{
	size_t n, plen, v1len, f1n;
	uint8_t *f2 = (uint8_t *)tu_read(GOLDEN, &n);
	const uint8_t *pl = payload_of(f2, n, &plen);
	rsl_snapshot *dec;
	rsl_error e;
	ck_assert_int_eq(rsc_image_open(&dec, pl, plen, &e), RSL_OK);
	ck_assert_uint_eq(dec->info.format, 2);
	unsigned char *v1;
	char err[256];
	ck_assert_int_eq(rsc_image_body_v1(&v1, &v1len, dec, 0, err, sizeof err), 0);
	rsl_close(dec);
	uint8_t *f1 = sign(v1, v1len, &f1n);
	rsl_snapshot *s1, *s2, *sm;
	ck_assert_int_eq(open_bytes(&s1, f1, f1n, &e), RSL_OK);
	ck_assert_uint_eq(s1->info.format, 1);
	ck_assert_int_eq(open_bytes(&s2, f2, n, &e), RSL_OK);
	ck_assert_uint_eq(s2->info.format, 2);
	open_path(&sm, GOLDEN, RSL_OPEN_MMAP);
	/* Both formats' digests agree: a renewal is one across formats too. */
	ck_assert_int_eq(memcmp(s1->rules_digest, s2->rules_digest, 32), 0);
	same_decisions(s1, s2);
	same_decisions(s1, sm);
	rsl_close(s1);
	rsl_close(s2);
	rsl_close(sm);
	free(f1);
	free(v1);
	free(f2);
}
END_TEST

/* The mapping is the snapshot's: replacing the file by rename (as rsc and
 * the agent do) changes nothing for a snapshot already open. */
START_TEST(mapped_snapshot_outlives_a_replaced_file)
{
	char *d = tu_tmpdir("image-mapped");
	char path[1024], next[1024];
	snprintf(path, sizeof path, "%s/prod.rsnap", d);
	snprintf(next, sizeof next, "%s/next.rsnap", d);
	ck_assert_int_eq(tu_sh("cp " GOLDEN " '%s' && chmod 0644 '%s' && "
			       "cp tests/golden/dev.rsnap '%s' && chmod 0644 '%s'",
			       path, path, next, next), 0);
	rsl_snapshot *s, *fresh;
	open_path(&s, path, RSL_OPEN_MMAP);
	open_path(&fresh, GOLDEN, RSL_OPEN_READ);
	ck_assert_int_eq(rename(next, path), 0);
	ck_assert_str_eq(s->info.environment, "prod");
	same_decisions(fresh, s);
	rsl_close(s);
	rsl_close(fresh);
}
END_TEST

/* ------------------------------------------------- lying images, refused */

typedef struct lie {
	uint8_t *file;       /* the golden file, copied */
	size_t n;
	uint8_t *image;      /* in the copy's payload, 16-byte aligned in
				memory as in the file */
	size_t imagelen;
	uint8_t *mem;
} lie;

/* A copy of the golden file placed 16-byte aligned, and its image. */
static void lie_begin(lie *l)
{
	size_t n, plen;
	char *raw = tu_read(GOLDEN, &n);
	l->mem = aligned_alloc(64, (n + 63) / 64 * 64);
	ck_assert_ptr_nonnull(l->mem);
	memcpy(l->mem, raw, n);
	free(raw);
	l->file = l->mem;
	l->n = n;
	const uint8_t *pl = payload_of(l->file, n, &plen);
	for (size_t i = 0; i + 8 <= plen; i++)
		if (memcmp(pl + i, RSL__IMAGE_MAGIC, 8) == 0 && (size_t)(pl + i - l->file) % 16 == 0) {
			l->image = (uint8_t *)pl + i;
			break;
		}
	ck_assert_ptr_nonnull(l->image);
	l->imagelen = ((const rsl__image *)l->image)->size;
}

static rsl__image *hdr(lie *l)
{
	return (rsl__image *)l->image;
}

static rsl__flag *flag(lie *l, uint32_t i)
{
	return (rsl__flag *)RSL__AT(rsl__flag, hdr(l)->flags) + i;
}

/* The first condition of the first rule that has one, and its flag. */
static rsl__cond *first_when(lie *l, rsl__flag **of)
{
	for (uint32_t i = 0; i < hdr(l)->nflags; i++) {
		rsl__flag *f = flag(l, i);
		for (uint32_t r = 0; r < f->nrules; r++) {
			const rsl__cond *c = rsl__when(&RSL__AT(rsl__rule, f->rules)[r].when);
			if (c) {
				*of = f;
				return (rsl__cond *)c;
			}
		}
	}
	ck_abort_msg("no rule with a condition");
	return NULL;
}

/* The first attribute test in c. */
static rsl__cond *first_test(rsl__cond *c)
{
	if (c->op >= RSL_OP_EQ && c->op <= RSL_OP_EXISTS)
		return c;
	for (uint32_t i = 0; i < c->nkids; i++) {
		rsl__cond *t = first_test((rsl__cond *)RSL__AT(rsl__cond, c->kids) + i);
		if (t)
			return t;
	}
	return NULL;
}

/* Re-signs the lying payload with the trusted key and expects rsl_open to
 * refuse it with RSL_EFORMAT and a message containing want. */
static void lie_refused(lie *l, const char *want)
{
	size_t plen, fn;
	const uint8_t *pl = payload_of(l->file, l->n, &plen);
	uint8_t *f = sign(pl, plen, &fn);
	ck_assert_uint_eq(fn, l->n); /* the same layout: the image stays aligned */
	rsl_snapshot *s = (rsl_snapshot *)1;
	rsl_error e;
	int rc = open_bytes(&s, f, fn, &e);
	ck_assert_msg(rc == RSL_EFORMAT && strstr(e.message, want) != NULL,
		      "got %s: %s; want RSL_EFORMAT with \"%s\"", rsl_strerror(rc), e.message,
		      want);
	ck_assert_ptr_null(s);
	free(f);
	free(l->mem);
}

START_TEST(unchanged_image_opens)
{
	lie l;
	lie_begin(&l);
	size_t plen, fn;
	const uint8_t *pl = payload_of(l.file, l.n, &plen);
	uint8_t *f = sign(pl, plen, &fn);
	rsl_snapshot *s;
	rsl_error e;
	ck_assert_int_eq(open_bytes(&s, f, fn, &e), RSL_OK);
	rsl_close(s);
	free(f);
	free(l.mem);
}
END_TEST

START_TEST(reference_outside_the_image)
{
	lie l;
	lie_begin(&l);
	hdr(&l)->flags.off += (int32_t)l.imagelen;
	lie_refused(&l, "image: flags, segments or index outside the image");

	lie_begin(&l);
	flag(&l, 0)->key.p.off = -(int32_t)(1 << 20);
	lie_refused(&l, "flag 0: image: key: a string outside the image");

	lie_begin(&l);
	rsl__flag *f;
	rsl__cond *c = first_when(&l, &f);
	c->op = RSL_OP_ALL;
	c->nkids = 2;
	c->kids.off = (int32_t)(l.image + l.imagelen - 8 - (uint8_t *)&c->kids);
	lie_refused(&l, "image: condition children outside the image");

	/* Children on an attribute test, which evaluation never reads but a
	 * walk over every condition would. */
	lie_begin(&l);
	c = first_when(&l, &f);
	while (c->op >= RSL_OP_ALL && c->op <= RSL_OP_NOT)
		c = (rsl__cond *)RSL__AT(rsl__cond, c->kids);
	c->nkids = 3;
	c->kids.off = 1 << 20;
	lie_refused(&l, "with children or a list it does not take");
}
END_TEST

START_TEST(string_without_its_nul_or_with_one_inside)
{
	lie l;
	lie_begin(&l);
	flag(&l, 1)->key.len -= 1; /* its last byte is then where the NUL must be */
	lie_refused(&l, "a string outside the image, with a NUL inside, or without its NUL");

	lie_begin(&l);
	rsl__flag *f = flag(&l, 0);
	char *k = (char *)RSL__AT(char, f->key.p);
	k[2] = '\0';
	lie_refused(&l, "with a NUL inside");
}
END_TEST

/* A condition whose children are itself: the walk stops at the depth bound
 * instead of recursing forever. */
START_TEST(condition_that_contains_itself)
{
	lie l;
	lie_begin(&l);
	rsl__flag *f;
	rsl__cond *c = first_when(&l, &f);
	c->op = RSL_OP_ANY;
	c->nkids = 1;
	c->kids.off = (int32_t)((uint8_t *)c - (uint8_t *)&c->kids);
	lie_refused(&l, "image: conditions nested deeper than 16 levels");
}
END_TEST

START_TEST(derived_fields_that_are_not_derived)
{
	lie l;
	lie_begin(&l);
	flag(&l, 2)->hash ^= 1;
	lie_refused(&l, "image: the key's hash is not its own");

	lie_begin(&l);
	flag(&l, 0)->seed += 1;
	lie_refused(&l, "image: the bucketing seed is not the salt's");

	lie_begin(&l);
	rsl__cond *c = NULL;
	for (uint32_t i = 0; i < hdr(&l)->nflags && !c; i++)
		for (uint32_t r = 0; r < flag(&l, i)->nrules && !c; r++) {
			const rsl__cond *w = rsl__when(&RSL__AT(rsl__rule, flag(&l, i)->rules)[r].when);
			c = w ? first_test((rsl__cond *)w) : NULL;
		}
	ck_assert_ptr_nonnull(c);
	c->attr_hash ^= 0x100;
	lie_refused(&l, "not attribute name 6 of the image, or the wrong hash");

	lie_begin(&l);
	flag(&l, 0)->is_static ^= 1;
	lie_refused(&l, "image: 'static' is not what the flag is");
}
END_TEST

/* The attribute names (rsl__image.attrs) that tests are numbered by: a test
 * numbered by another name, or past the last; names out of order, or
 * hashed wrong; a number on a combinator. */
START_TEST(attribute_numbers_that_lie)
{
	lie l;
	rsl__flag *f;
	lie_begin(&l);
	ck_assert_uint_ge(hdr(&l)->nattrs, 2);
	rsl__cond *c = first_test(first_when(&l, &f));
	ck_assert_ptr_nonnull(c);
	c->attr_id = (c->attr_id + 1) % hdr(&l)->nattrs;
	lie_refused(&l, "or the wrong hash");

	lie_begin(&l);
	c = first_test(first_when(&l, &f));
	c->attr_id = hdr(&l)->nattrs;
	lie_refused(&l, "or the wrong hash");

	lie_begin(&l);
	rsl__name *a = (rsl__name *)RSL__AT(rsl__name, hdr(&l)->attrs);
	rsl__name t = a[0];
	rsl__ref_set(&a[0].s.p, RSL__S(a[1].s)); /* a copy's references point elsewhere */
	a[0].s.len = a[1].s.len;
	a[0].hash = a[1].hash;
	rsl__ref_set(&a[1].s.p, (const char *)&a[0] + t.s.p.off);
	a[1].s.len = t.s.len;
	a[1].hash = t.hash;
	lie_refused(&l, "attribute names are not sorted, or not unique");

	lie_begin(&l);
	a = (rsl__name *)RSL__AT(rsl__name, hdr(&l)->attrs);
	a[1].hash ^= 1;
	lie_refused(&l, "': wrong kind or hash");

	lie_begin(&l);
	hdr(&l)->nattrs = 1u << 30;
	lie_refused(&l, "attribute names outside the image");

	lie_begin(&l);
	c = first_when(&l, &f);
	ck_assert_msg(c->op > RSL_OP_EXISTS, "the golden file's first 'when' is not a combinator");
	c->attr_id = 1;
	lie_refused(&l, "with an attribute number");
}
END_TEST

START_TEST(indexes_out_of_range)
{
	lie l;
	lie_begin(&l);
	flag(&l, 0)->off = 64;
	lie_refused(&l, "image: 'off' is variant 64 of");

	lie_begin(&l);
	uint32_t *slots = (uint32_t *)RSL__AT(uint32_t, hdr(&l)->slots);
	for (uint32_t j = 0; j < hdr(&l)->nslots; j++)
		if (slots[j] == 0) {
			slots[j] = hdr(&l)->nflags + 1;
			break;
		}
	lie_refused(&l, "image: index slot");

	lie_begin(&l);
	slots = (uint32_t *)RSL__AT(uint32_t, hdr(&l)->slots);
	for (uint32_t j = 0; j < hdr(&l)->nslots; j++)
		slots[j] = slots[j] ? 0 : 1; /* every empty slot names flag 0 */
	lie_refused(&l, "image: the index holds");
}
END_TEST

START_TEST(header_that_lies)
{
	lie l;
	lie_begin(&l);
	hdr(&l)->size += 16;
	lie_refused(&l, "image: no image header, or a header that does not say this size");

	lie_begin(&l);
	hdr(&l)->nslots = 3;
	lie_refused(&l, "index slots");

	lie_begin(&l);
	memcpy(hdr(&l)->names, "tenant_key\0\0\0\0\0", 16);
	lie_refused(&l, "the header's names are not \"targeting_key\"");
}
END_TEST

/* The image must lie where the file says: a body with one more 'align'
 * byte puts it off the 16-byte boundary. */
START_TEST(misaligned_image_is_refused)
{
	size_t n, plen, fn;
	char *raw = tu_read(GOLDEN, &n);
	const uint8_t *pl = payload_of((const uint8_t *)raw, n, &plen);
	/* "align" (65 'a' 'l' 'i' 'g' 'n') then its byte string head 0x40 + k */
	const uint8_t *a = NULL;
	for (size_t i = 0; i + 7 <= plen && !a; i++)
		if (memcmp(pl + i, "\x65" "align", 6) == 0)
			a = pl + i + 6;
	ck_assert_ptr_nonnull(a);
	unsigned k = a[0] - 0x40;
	ck_assert_uint_le(k, 15);
	uint8_t *q = malloc(plen + 1);
	size_t at = (size_t)(a - pl);
	memcpy(q, pl, at);
	q[at] = (uint8_t)(k < 15 ? 0x40 + k + 1 : 0x40 + k - 1);
	if (k < 15) {
		q[at + 1] = 0;
		memcpy(q + at + 2, a + 1, plen - at - 1);
	} else {
		memcpy(q + at + 1, a + 2, plen - at - 2);
	}
	size_t qlen = k < 15 ? plen + 1 : plen - 1;
	uint8_t *f = sign(q, qlen, &fn);
	rsl_snapshot *s;
	rsl_error e;
	ck_assert_int_eq(open_bytes(&s, f, fn, &e), RSL_EFORMAT);
	ck_assert_str_eq(e.message, "payload: image: not at a multiple of 16 bytes from the "
			 "file's start");
	free(f);
	free(q);
	free(raw);
}
END_TEST

Suite *image_suite(void);
Suite *image_suite(void)
{
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("image");
	tcase_add_test(tc, both_formats_decide_alike_read_or_mapped);
	tcase_add_test(tc, mapped_snapshot_outlives_a_replaced_file);
	tcase_add_test(tc, unchanged_image_opens);
	tcase_add_test(tc, reference_outside_the_image);
	tcase_add_test(tc, string_without_its_nul_or_with_one_inside);
	tcase_add_test(tc, condition_that_contains_itself);
	tcase_add_test(tc, derived_fields_that_are_not_derived);
	tcase_add_test(tc, attribute_numbers_that_lie);
	tcase_add_test(tc, indexes_out_of_range);
	tcase_add_test(tc, header_that_lies);
	tcase_add_test(tc, misaligned_image_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
