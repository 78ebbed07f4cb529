/*
 * snapfix.h - snapshots made by hand for the loader's tests (check_open.c,
 * check_decode.c, check_keys.c): payloads written in a small CBOR
 * diagnostic notation ({'key': [1, 2.5, true, h'00']}) that enc() encodes
 * canonically (map keys sorted, shortest forms), signed with libsodium as
 * `rsc` signs them, and BASE, a body that uses every field.
 *
 * Header-only, so that each of those suites builds alone (make
 * TEST_MODULES=decode check); each uses a part of it.
 */
#ifndef SNAPFIX_H
#define SNAPFIX_H

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "decode.h"
#include "rsl.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"

/* ------------------------------------------------ a canonical encoder */

typedef struct buf {
	uint8_t *p;
	size_t n, cap;
} buf;

static void put(buf *b, const void *s, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	if (n)
		memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void put_byte(buf *b, unsigned v)
{
	uint8_t c = (uint8_t)v;
	put(b, &c, 1);
}

static void put_head(buf *b, unsigned major, uint64_t v)
{
	unsigned ib = major << 5, n;
	if (v < 24) {
		put_byte(b, ib | (unsigned)v);
		return;
	}
	if (v <= 0xff)
		n = 1, put_byte(b, ib | 24);
	else if (v <= 0xffff)
		n = 2, put_byte(b, ib | 25);
	else if (v <= 0xffffffffu)
		n = 4, put_byte(b, ib | 26);
	else
		n = 8, put_byte(b, ib | 27);
	for (unsigned i = 0; i < n; i++)
		put_byte(b, (unsigned)(v >> (8 * (n - 1 - i))) & 0xff);
}

static double half_value(unsigned h)
{
	unsigned e = (h >> 10) & 31, m = h & 1023;
	double v = e == 0 ? ldexp(m, -24)
		 : e == 31 ? (m ? NAN : INFINITY)
			   : ldexp(m + 1024, (int)e - 25);
	return (h & 0x8000) ? -v : v;
}

static void put_float(buf *b, double d)
{
	if (isnan(d)) {
		put(b, "\xf9\x7e\x00", 3);
		return;
	}
	for (unsigned h = 0; h < 65536; h++) {
		double v = half_value(h);
		if (v == d && !!signbit(v) == !!signbit(d)) {
			put_byte(b, 0xf9);
			put_byte(b, h >> 8);
			put_byte(b, h & 0xff);
			return;
		}
	}
	float f = (float)d;
	if ((double)f == d) {
		uint32_t u;
		memcpy(&u, &f, 4);
		put_byte(b, 0xfa);
		for (int i = 3; i >= 0; i--)
			put_byte(b, (u >> (8 * i)) & 0xff);
		return;
	}
	uint64_t u;
	memcpy(&u, &d, 8);
	put_byte(b, 0xfb);
	for (int i = 7; i >= 0; i--)
		put_byte(b, (unsigned)(u >> (8 * i)) & 0xff);
}

static void ws(const char **s)
{
	while (**s == ' ' || **s == '\n' || **s == '\t' || **s == ',')
		(*s)++;
}

static void value(const char **s, buf *out);

typedef struct entry {
	buf k, v;
} entry;

static int entry_cmp(const void *a, const void *b)
{
	const entry *x = a, *y = b;
	size_t n = x->k.n < y->k.n ? x->k.n : y->k.n;
	int r = memcmp(x->k.p, y->k.p, n);
	return r ? r : (x->k.n > y->k.n) - (x->k.n < y->k.n);
}

/* One value of the notation at *s; commas are whitespace. */
static void value(const char **s, buf *out)
{
	ws(s);
	char c = **s;
	if (c == '{' || c == '[') {
		char close = c == '{' ? '}' : ']';
		entry *e = NULL;
		size_t n = 0, cap = 0;
		(*s)++;
		for (;;) {
			ws(s);
			if (**s == close)
				break;
			ck_assert_msg(**s, "unterminated %c", c);
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				e = realloc(e, cap * sizeof *e);
				ck_assert_ptr_nonnull(e);
			}
			memset(&e[n], 0, sizeof e[n]);
			value(s, &e[n].k);
			if (c == '{') {
				ws(s);
				ck_assert_msg(**s == ':', "expected ':' at %.20s", *s);
				(*s)++;
				value(s, &e[n].v);
			}
			n++;
		}
		(*s)++;
		if (c == '{')
			qsort(e, n, sizeof *e, entry_cmp);
		put_head(out, c == '{' ? 5 : 4, n);
		for (size_t i = 0; i < n; i++) {
			put(out, e[i].k.p, e[i].k.n);
			put(out, e[i].v.p, e[i].v.n);
			free(e[i].k.p);
			free(e[i].v.p);
		}
		free(e);
	} else if (c == '\'' || (c == 'h' && (*s)[1] == '\'')) {
		int bytes = c == 'h';
		buf t = { 0 };
		*s += bytes ? 2 : 1;
		while (**s != '\'') {
			ck_assert_msg(**s, "unterminated string");
			if (bytes) {
				unsigned v;
				ck_assert_int_eq(sscanf(*s, "%2x", &v), 1);
				put_byte(&t, v);
				*s += 2;
			} else if (**s == '\\' && (*s)[1] == 'x') {
				unsigned v;
				ck_assert_int_eq(sscanf(*s + 2, "%2x", &v), 1);
				put_byte(&t, v);
				*s += 4;
			} else if (**s == '\\') {
				put_byte(&t, (unsigned char)(*s)[1]);
				*s += 2;
			} else {
				put_byte(&t, (unsigned char)**s);
				(*s)++;
			}
		}
		(*s)++;
		put_head(out, bytes ? 2 : 3, t.n);
		put(out, t.p, t.n);
		free(t.p);
	} else if (strncmp(*s, "true", 4) == 0) {
		put_byte(out, 0xf5), *s += 4;
	} else if (strncmp(*s, "false", 5) == 0) {
		put_byte(out, 0xf4), *s += 5;
	} else if (strncmp(*s, "Infinity", 8) == 0) {
		put_float(out, INFINITY), *s += 8;
	} else if (strncmp(*s, "NaN", 3) == 0) {
		put_float(out, NAN), *s += 3;
	} else {
		const char *e = *s + (**s == '-');
		while ((*e >= '0' && *e <= '9'))
			e++;
		ck_assert_msg(e > *s, "cannot read a value at %.20s", *s);
		if (*e == '.' || *e == 'e') {
			char *end;
			put_float(out, strtod(*s, &end));
			*s = end;
		} else if (**s == '-') {
			char *end;
			long long v = strtoll(*s, &end, 10);
			put_head(out, 1, (uint64_t)(-1 - v));
			*s = end;
		} else {
			char *end;
			put_head(out, 0, strtoull(*s, &end, 10));
			*s = end;
		}
	}
}

static uint8_t *enc(const char *diag, size_t *len)
{
	buf b = { 0 };
	value(&diag, &b);
	ws(&diag);
	ck_assert_msg(*diag == '\0', "trailing text: %.20s", diag);
	*len = b.n;
	return b.p;
}

/* ------------------------------------------------------- keys, signing */

typedef struct tkey {
	unsigned char pk[32], sk[64], kid[8];
	char kid_hex[17];
} tkey;

static void make_key(tkey *k, unsigned char seed_byte)
{
	unsigned char seed[32], h[32];
	ck_assert_int_ge(sodium_init(), 0);
	memset(seed, seed_byte, sizeof seed);
	crypto_sign_seed_keypair(k->pk, k->sk, seed);
	crypto_hash_sha256(h, k->pk, 32);
	memcpy(k->kid, h, 8);
	sodium_bin2hex(k->kid_hex, sizeof k->kid_hex, k->kid, 8);
}

/* COSE_Sign1 over payload, as rsc writes it; alg is the CBOR byte of the
 * algorithm (0x27 = -8, 0x32 = -19). */
static uint8_t *cose_alg(const uint8_t *payload, size_t plen, const tkey *k,
			 unsigned alg, size_t *len)
{
	buf prot = { 0 }, tbs = { 0 }, out = { 0 };
	put(&prot, "\xa2\x01", 2);
	put_byte(&prot, alg);
	put(&prot, "\x04\x48", 2);
	put(&prot, k->kid, 8);
	put(&tbs, "\x84\x6aSignature1", 12);
	put_head(&tbs, 2, prot.n);
	put(&tbs, prot.p, prot.n);
	put_byte(&tbs, 0x40);
	put_head(&tbs, 2, plen);
	put(&tbs, payload, plen);
	unsigned char sig[64];
	crypto_sign_detached(sig, NULL, tbs.p, tbs.n, k->sk);
	put(&out, "\xd2\x84", 2);
	put_head(&out, 2, prot.n);
	put(&out, prot.p, prot.n);
	put_byte(&out, 0xa0);
	put_head(&out, 2, plen);
	put(&out, payload, plen);
	put(&out, "\x58\x40", 2);
	put(&out, sig, 64);
	free(prot.p);
	free(tbs.p);
	*len = out.n;
	return out.p;
}

static uint8_t *cose(const uint8_t *payload, size_t plen, const tkey *k,
		     size_t *len)
{
	return cose_alg(payload, plen, k, 0x27, len);
}

/* ------------------------------------------------------------ fixtures */

static const char *const BASE =
	"{'format': 1, 'env': 'prod', 'version': 1700000100,"
	" 'issued_at': 1700000100, 'expires_at': 1700086500, 'bucketing': 1,"
	" 'provenance': {'commit': '0123456789abcdef0123456789abcdef01234567',"
	"   'commit_time': 1700000100, 'author': 'Ann Example <ann@example.com>',"
	"   'subject': 'Ramp checkout to 20%', 'path': 'flags', 'rsc': '0.1.0',"
	"   'repo': 'https://example.com/flags.git'},"
	" 'segments': ["
	"   {'key': 'beta', 'when': {'op': 3, 'attr': 'plan',"
	"      'values': ['pro', 'enterprise'], 'ci': true}},"
	"   {'key': 'internal', 'when': {'op': 33, 'kids': ["
	"      {'op': 7, 'attr': 'email', 'value': '@example.com'},"
	"      {'op': 35, 'segment': 0}]}}],"
	" 'flags': ["
	"  {'key': 'checkout', 'type': 0, 'variants': [['off', false], ['on', true]],"
	"   'off': 0, 'salt': 'checkout', 'file': 'flags/checkout.yaml', 'line': 1,"
	"   'targeting': {'file': 'environments/prod/checkout.yaml', 'enabled': true,"
	"     'requires': [[4, 1]],"
	"     'rules': ["
	"       {'name': 'staff', 'line': 4, 'when': {'op': 35, 'segment': 1},"
	"        'serve': {'kind': 0, 'variant': 1}},"
	"       {'name': 'new app', 'line': 8, 'when': {'op': 32, 'kids': ["
	"          {'op': 16, 'attr': 'app_version', 'value': 'v2.3.0-rc.1+b7'},"
	"          {'op': 18, 'attr': 'signup', 'value': 1767225600},"
	"          {'op': 11, 'attr': 'seats', 'value': 2.5},"
	"          {'op': 19, 'attr': 'email', 'value': true},"
	"          {'op': 34, 'kids': [{'op': 1, 'attr': 'country', 'value': 'NO'}]}]},"
	"        'serve': {'kind': 1, 'by': 'tenant_key',"
	"                  'split': [[1, 20000], [0, 80000]]}},"
	"       {'name': 'launch', 'line': 14, 'serve': {'kind': 2,"
	"          'by': 'targeting_key', 'steps': ["
	"            {'at': 1767225600, 'variant': 0},"
	"            {'at': 1767312000, 'split': [[0, 50000], [1, 50000]]}]}}],"
	"     'default': {'kind': 0, 'variant': 0}, 'default_line': 20}},"
	"  {'key': 'color', 'type': 1, 'variants': [['red', 'red'], ['blue', 'blue']],"
	"   'off': 0, 'salt': 'color', 'file': 'flags/color.yaml', 'line': 1,"
	"   'targeting': {'file': 'environments/prod/color.yaml', 'enabled': true,"
	"     'rules': [], 'default': {'kind': 0, 'variant': 1}, 'default_line': 3}},"
	"  {'key': 'limit', 'type': 2, 'variants': [['low', 10], ['high', -1000]],"
	"   'off': 0, 'salt': 'limit', 'file': 'flags/limit.yaml', 'line': 2},"
	"  {'key': 'ratio', 'type': 3, 'variants': [['half', 0.5], ['two', 2]],"
	"   'off': 1, 'salt': 'ratio', 'file': 'flags/ratio.yaml', 'line': 1,"
	"   'targeting': {'file': 'environments/prod/ratio.yaml', 'enabled': false,"
	"     'requires': [], 'rules': [], 'default': {'kind': 0, 'variant': 0},"
	"     'default_line': 5}},"
	"  {'key': 'theme', 'type': 4, 'variants': [['dark', '{\"bg\":\"#000\"}'],"
	"     ['light', '{\"bg\":\"#fff\"}']],"
	"   'off': 0, 'salt': 'theme-v2', 'file': 'flags/theme.yaml', 'line': 1,"
	"   'targeting': {'file': 'environments/prod/theme.yaml', 'enabled': true,"
	"     'requires': [], 'rules': [{'name': 'eu', 'line': 6,"
	"        'when': {'op': 4, 'attr': 'country', 'values': ['DE', 1, 2.5]},"
	"        'serve': {'kind': 0, 'variant': 1}}],"
	"     'default': {'kind': 0, 'variant': 0}, 'default_line': 9}}"
	" ]}";

/* base with the first occurrence of from replaced by to (malloc'd). */
static char *edit(const char *base, const char *from, const char *to)
{
	const char *at = strstr(base, from);
	ck_assert_msg(at != NULL, "'%s' not in the text", from);
	size_t n = strlen(base) - strlen(from) + strlen(to) + 1;
	char *s = malloc(n);
	snprintf(s, n, "%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
	return s;
}

static rsl_snapshot *decode_ok(const char *diag, const char *env)
{
	size_t n;
	uint8_t *p = enc(diag, &n);
	rsl_snapshot *s = (rsl_snapshot *)p; /* anything but NULL */
	rsl_error err = { 0, "" };
	int rc = rsl__decode_payload(&s, p, n, env, &err);
	ck_assert_msg(rc == 0, "decode failed: %d %s", rc, err.message);
	free(p);
	ck_assert_ptr_nonnull(s);
	return s;
}

static void decode_err(const char *diag, const char *env, int code,
		       const char *msg)
{
	size_t n;
	uint8_t *p = enc(diag, &n);
	rsl_snapshot *s = (rsl_snapshot *)p;
	rsl_error err = { 0, "" };
	int rc = rsl__decode_payload(&s, p, n, env, &err);
	free(p);
	ck_assert_ptr_null(s);
	ck_assert_msg(rc == code, "got %d (%s), want %d; message: %s", rc,
		      rsl_strerror(rc), code, err.message);
	ck_assert_int_eq(err.code, code);
	ck_assert_str_eq(err.message, msg);
}

/* decode_err on BASE with one edit. */
static void edit_err(const char *from, const char *to, int code, const char *msg)
{
	char *d = edit(BASE, from, to);
	decode_err(d, NULL, code, msg);
	free(d);
}

static rsl_keyring *ring(const tkey *k)
{
	rsl_keyring *kr = NULL;
	ck_assert_int_eq(rsl_keyring_new(&kr), RSL_OK);
	if (k)
		ck_assert_int_eq(rsl_keyring_add_raw(kr, k->pk, NULL), RSL_OK);
	return kr;
}

static int open_buf(rsl_snapshot **out, const uint8_t *p, size_t n,
		    const rsl_keyring *kr, const char *env, rsl_error *err)
{
	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	o.keys = kr;
	o.environment = env;
	*out = (rsl_snapshot *)(uintptr_t)1; /* must be reset to NULL on error */
	return rsl_open_buffer(out, p, n, &o, err);
}

static uint8_t *signed_base(const tkey *k, size_t *len)
{
	size_t n;
	uint8_t *p = enc(BASE, &n);
	uint8_t *f = cose(p, n, k, len);
	free(p);
	return f;
}

static uint8_t *find(uint8_t *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return hay + i;
	return NULL;
}

/* A small body around the given segments and flags (the text inside the
 * brackets). */
static char *mini(const char *segments, const char *flags)
{
	size_t n = strlen(segments) + strlen(flags) + 512;
	char *s = malloc(n);
	snprintf(s, n, "{'format': 1, 'env': 'e', 'version': 1, 'issued_at': 1,"
		 " 'bucketing': 1, 'provenance': {'commit': 'worktree',"
		 " 'commit_time': 0, 'path': '', 'rsc': 'x'},"
		 " 'segments': [%s], 'flags': [%s]}", segments, flags);
	return s;
}

static void write_file(const char *path, const void *p, size_t n, mode_t mode)
{
	unlink(path);
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* Opens f[0..n) with kr for env, expecting code (and msg when not NULL). */
static void open_err(const uint8_t *f, size_t n, const rsl_keyring *kr,
		     const char *env, int code, const char *msg)
{
	rsl_snapshot *s;
	rsl_error err = { 0, "" };
	int rc = open_buf(&s, f, n, kr, env, &err);
	ck_assert_msg(rc == code, "got %d (%s), want %d; message: %s", rc,
		      rsl_strerror(rc), code, err.message);
	if (code == RSL_OK) {
		ck_assert_ptr_nonnull(s);
		rsl_close(s);
		return;
	}
	ck_assert_ptr_null(s);
	ck_assert_int_eq(err.code, code);
	if (msg)
		ck_assert_str_eq(err.message, msg);
}

#pragma GCC diagnostic pop

#endif
