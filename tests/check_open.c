/*
 * check_open.c - opening snapshots (loader/open.c, keys.c, decode.c): the
 * checks on the file, the COSE_Sign1 envelope, keys and signatures, the
 * strict decoding of the body with its exact messages, the flag index, and
 * survival of truncated and mutated input.
 *
 * Snapshots are made here: payloads are written in a small CBOR diagnostic
 * notation ({'key': [1, 2.5, true, h'00']}) that the test encodes
 * canonically (map keys sorted, shortest forms), and signed with libsodium
 * as `rsc` signs them.  Integration tests with `rsc compile` run when
 * build/rsc exists.
 */
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
#include "testutil.h"

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
	ck_assert_str_eq(s->segments[1].key.p, "internal");
	const rsl__cond *sw = s->segments[1].when;
	ck_assert_uint_eq(sw->op, RSL_OP_ANY);
	ck_assert_uint_eq(sw->nkids, 2);
	ck_assert_uint_eq(sw->kids[0].op, RSL_OP_ENDS_WITH);
	ck_assert_str_eq(sw->kids[0].value.s.p, "@example.com");
	ck_assert_uint_eq(sw->kids[1].op, RSL_OP_SEGMENT);
	ck_assert_uint_eq(sw->kids[1].segment, 0);
	const rsl__cond *beta = s->segments[0].when;
	ck_assert_uint_eq(beta->ci, 1);
	ck_assert_uint_eq(beta->nlist, 2);
	ck_assert_str_eq(beta->list[1].s.p, "enterprise");
	ck_assert_uint_eq(beta->list[1].s.len, 10);

	ck_assert_uint_eq(s->nflags, 5);
	const rsl__flag *f = &s->flags[0];
	ck_assert_str_eq(f->key.p, "checkout");
	ck_assert_uint_eq(f->type, RSL_TYPE_BOOLEAN);
	ck_assert_uint_eq(f->nvariants, 2);
	ck_assert_str_eq(f->variants[1].name.p, "on");
	ck_assert_uint_eq(f->variants[1].value.kind, RSL__V_BOOL);
	ck_assert_int_eq(f->variants[1].value.b, 1);
	ck_assert(f->configured && f->enabled && !f->is_static);
	ck_assert_str_eq(f->file.p, "flags/checkout.yaml");
	ck_assert_str_eq(f->tfile.p, "environments/prod/checkout.yaml");
	ck_assert_uint_eq(f->nrequires, 1);
	ck_assert_uint_eq(f->requires[0].flag, 4);
	ck_assert_uint_eq(f->requires[0].variant, 1);
	ck_assert_uint_eq(f->nrules, 3);
	ck_assert_str_eq(f->rules[1].name.p, "new app");
	ck_assert_uint_eq(f->rules[1].line, 8);
	const rsl__cond *w = f->rules[1].when;
	ck_assert_uint_eq(w->nkids, 5);
	ck_assert_uint_eq(w->kids[0].op, RSL_OP_SEMVER_GTE);
	ck_assert(w->kids[0].semver.major == 2 && w->kids[0].semver.minor == 3 &&
		  w->kids[0].semver.patch == 0);
	ck_assert_uint_eq(w->kids[0].semver.pre.len, 4);
	ck_assert_int_eq(memcmp(w->kids[0].semver.pre.p, "rc.1", 4), 0);
	ck_assert(w->kids[1].time == 1767225600);
	ck_assert_uint_eq(w->kids[2].value.kind, RSL__V_FLOAT);
	ck_assert(w->kids[2].value.f == 2.5);
	ck_assert_uint_eq(w->kids[3].op, RSL_OP_EXISTS);
	ck_assert_int_eq(w->kids[3].value.b, 1);
	ck_assert_uint_eq(w->kids[3].attr_kind, RSL__ATTR_NAMED);
	ck_assert_uint_eq(w->kids[4].kids[0].value.kind, RSL__V_STRING);
	const rsl__serve *sv = &f->rules[1].serve;
	ck_assert_uint_eq(sv->kind, RSL_SERVE_SPLIT);
	ck_assert_uint_eq(sv->by_kind, RSL__ATTR_TENANT_KEY);
	ck_assert_uint_eq(sv->split.n, 2);
	ck_assert_uint_eq(sv->split.variant[0], 1);
	ck_assert_uint_eq(sv->split.upper[0], 20000);
	ck_assert_uint_eq(sv->split.upper[1], 100000);
	sv = &f->rules[2].serve;
	ck_assert_ptr_null(f->rules[2].when);
	ck_assert_uint_eq(sv->kind, RSL_SERVE_SCHEDULE);
	ck_assert_uint_eq(sv->by_kind, RSL__ATTR_TARGETING_KEY);
	ck_assert_uint_eq(sv->nsteps, 2);
	ck_assert_uint_eq(sv->steps[0].kind, RSL_SERVE_VARIANT);
	ck_assert_uint_eq(sv->steps[1].kind, RSL_SERVE_SPLIT);
	ck_assert_uint_eq(sv->steps[1].split.upper[0], 50000);
	ck_assert_uint_eq(f->default_line, 20);

	f = &s->flags[1]; /* color: one answer for everyone */
	ck_assert(f->is_static);
	ck_assert_str_eq(f->variants[1].value.s.p, "blue");
	ck_assert_uint_eq(f->dflt.variant, 1);
	f = &s->flags[2]; /* limit: not configured in prod */
	ck_assert(!f->configured && !f->is_static);
	ck_assert_uint_eq(f->tfile.len, 0);
	ck_assert_uint_eq(f->variants[1].value.kind, RSL__V_INT);
	ck_assert(f->variants[1].value.i == -1000);
	ck_assert(f->variants[1].value.f == -1000.0);
	f = &s->flags[3]; /* ratio: killed; an integral float written as 2 */
	ck_assert(f->configured && !f->enabled && !f->is_static);
	ck_assert_uint_eq(f->variants[1].value.kind, RSL__V_FLOAT);
	ck_assert(f->variants[1].value.f == 2.0);
	f = &s->flags[4];
	ck_assert_uint_eq(f->variants[0].value.kind, RSL__V_JSON);
	ck_assert_str_eq(f->variants[0].value.s.p, "{\"bg\":\"#000\"}");
	ck_assert_str_eq(f->salt.p, "theme-v2");
	const rsl__cond *lst = f->rules[0].when;
	ck_assert_uint_eq(lst->nlist, 3);
	ck_assert_uint_eq(lst->list[1].kind, RSL__V_INT);
	ck_assert_uint_eq(lst->list[2].kind, RSL__V_FLOAT);
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
	edit_err("'format': 1", "'format': 2", RSL_EVERSION,
		 "payload: snapshot format 2 is not supported (this library "
		 "reads format 1)");
	/* The format is read first, whatever else is wrong. */
	char *d = edit(BASE, "'format': 1", "'format': 2, 'zzz': 1");
	char *d2 = edit(d, "'env': 'prod'", "'env': 7");
	decode_err(d2, "prod", RSL_EVERSION, "payload: snapshot format 2 is not "
		   "supported (this library reads format 1)");
	free(d2);
	d2 = edit(BASE, "'format': 1", "'format': 2");
	char *d3 = edit(d2, "'env': 'prod'", "'env': 7");
	decode_err(d3, "prod", RSL_EVERSION, "payload: snapshot format 2 is not "
		   "supported (this library reads format 1)");
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

/* `in` with n operands: cost 1 + n. */
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
		   "costs 24970 (condition tests, in/not_in operands, rules and "
		   "prerequisites, through segments), over the budget of 20000");
	free(b), free(fl), free(segs);
}
END_TEST

/* The budget of rsl_format.h, to the unit: 19 rules with 1000-operand lists
 * (1002 each) and one with k operands (2 + k), plus 1 for the flag. */
START_TEST(bounds_flag_cost_budget)
{
	ck_assert_uint_eq(RSL_MAX_FLAG_COST, 20000);
	char *big = in_list(1000);
	for (int k = 959; k <= 960; k++) {
		char *last = in_list(k);
		size_t cap = 20 * (strlen(big) + 128), n = 0;
		char *rules = malloc(cap);
		for (int i = 0; i < 20; i++)
			n += (size_t)snprintf(rules + n, cap - n, "%s{'name': 'r%d', "
					      "'line': 1, 'when': %s, 'serve': {'kind': 0, "
					      "'variant': 0}}", i ? ", " : "", i,
					      i < 19 ? big : last);
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
		if (k == 959) {
			ck_assert_msg(rc == RSL_OK, "%s", err.message);
			rsl_close(s);
		} else {
			ck_assert_int_eq(rc, RSL_EFORMAT);
			ck_assert_ptr_null(s);
			ck_assert_str_eq(err.message, "payload: flag 0 'f': evaluating "
					 "flag 'f' costs 20001 (condition tests, in/not_in "
					 "operands, rules and prerequisites, through "
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
	/* p0..p3 cost 1 + 1 + 1001 = 1003 each; f requires all four: 4013. */
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
	/* 20 prerequisites of 1003: 20061, over; the message names f. */
	char req[512];
	size_t n = 0;
	for (int i = 1; i <= 20; i++)
		n += (size_t)snprintf(req + n, sizeof req - n, "%s[%d, 0]",
				      i > 1 ? ", " : "", i);
	fl = cost_flags("", req, 20, w);
	b = mini("", fl);
	decode_err(b, NULL, RSL_EFORMAT, "payload: flag 0 'f': evaluating flag 'f' "
		   "costs 20061 (condition tests, in/not_in operands, rules and "
		   "prerequisites, through segments), over the budget of 20000");
	free(b), free(fl), free(w);
}
END_TEST

START_TEST(bounds_prerequisite_chains)
{
	/* flag fNN requires fNN+1 (variant 0): a chain of `links` links. */
	for (int links = 16; links <= 17; links++) {
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
		if (links == 16)
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

/* -------------------------------------------------- envelope and keys */

START_TEST(opens_a_signed_buffer)
{
	tkey k;
	make_key(&k, 1);
	size_t n;
	uint8_t *f = signed_base(&k, &n);
	ck_assert_int_eq(memcmp(f, "\xd2\x84\x4d\xa2\x01\x27\x04\x48", 8), 0);
	rsl_keyring *kr = ring(&k);
	rsl_snapshot *s;
	rsl_error err = { 0, "" };
	ck_assert_int_eq(open_buf(&s, f, n, kr, "prod", &err), RSL_OK);
	/* The caller's buffer may go away at once. */
	memset(f, 0, n);
	free(f);
	rsl_info in;
	rsl_snapshot_info(&in, s);
	ck_assert_str_eq(in.key_id, k.kid_hex);
	ck_assert_uint_eq(in.size, n);
	ck_assert_str_eq(in.environment, "prod");
	ck_assert_uint_eq(in.flag_count, 5);
	ck_assert_str_eq(s->flags[4].variants[1].value.s.p, "{\"bg\":\"#fff\"}");
	rsl_close(s);

	/* alg -19 (Ed25519, RFC 9864) is accepted too. */
	size_t pn;
	uint8_t *p = enc(BASE, &pn);
	f = cose_alg(p, pn, &k, 0x32, &n);
	ck_assert_int_eq(open_buf(&s, f, n, kr, NULL, &err), RSL_OK);
	rsl_close(s);
	free(f);
	free(p);
	rsl_keyring_free(kr);
}
END_TEST

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

START_TEST(refuses_wrong_key_and_bad_signatures)
{
	tkey k, other;
	make_key(&k, 1);
	make_key(&other, 2);
	size_t n;
	uint8_t *f = signed_base(&k, &n);
	rsl_keyring *kr = ring(&other);
	char msg[128];
	snprintf(msg, sizeof msg, "no trusted key has key id %s", k.kid_hex);
	open_err(f, n, kr, NULL, RSL_EKEY, msg);
	rsl_keyring_free(kr);
	/* No key at all. */
	kr = ring(NULL);
	open_err(f, n, kr, NULL, RSL_EKEY, msg);
	rsl_keyring_free(kr);

	kr = ring(&k);
	snprintf(msg, sizeof msg, "the signature does not verify with key %s: "
		 "the snapshot was altered or signed by another key", k.kid_hex);
	/* A flipped bit in the signature. */
	f[n - 1] ^= 1;
	open_err(f, n, kr, NULL, RSL_ESIGNATURE, msg);
	f[n - 1] ^= 1;
	/* Tampered payload: 'prod' -> 'prud', same length, still well formed. */
	uint8_t *at = find(f, n, "prod");
	ck_assert_ptr_nonnull(at);
	at[2] = 'u';
	open_err(f, n, kr, NULL, RSL_ESIGNATURE, msg);
	at[2] = 'o';
	/* Signed by another key that claims the trusted key's id. */
	tkey forged = other;
	memcpy(forged.kid, k.kid, 8);
	size_t pn, fn;
	uint8_t *p = enc(BASE, &pn);
	uint8_t *g = cose(p, pn, &forged, &fn);
	open_err(g, fn, kr, NULL, RSL_ESIGNATURE, msg);
	free(g);
	/* And the original still opens. */
	open_err(f, n, kr, NULL, RSL_OK, NULL);
	free(p);
	free(f);
	rsl_keyring_free(kr);
}
END_TEST

START_TEST(refuses_other_env_and_format_when_signed)
{
	tkey k;
	make_key(&k, 3);
	rsl_keyring *kr = ring(&k);
	size_t n, pn;
	uint8_t *f = signed_base(&k, &n);
	open_err(f, n, kr, "staging", RSL_EENV,
		 "snapshot is for 'prod', expected 'staging'");
	free(f);
	char *d = edit(BASE, "'format': 1", "'format': 2");
	uint8_t *p = enc(d, &pn);
	f = cose(p, pn, &k, &n);
	open_err(f, n, kr, "prod", RSL_EVERSION, "payload: snapshot format 2 is "
		 "not supported (this library reads format 1)");
	free(f), free(p), free(d);
	rsl_keyring_free(kr);
}
END_TEST

START_TEST(refuses_malformed_envelopes)
{
	tkey k;
	make_key(&k, 4);
	rsl_keyring *kr = ring(&k);
	size_t n, pn;
	uint8_t *f = signed_base(&k, &n);
	uint8_t *p = enc(BASE, &pn);

	open_err(f, 0, kr, NULL, RSL_EFORMAT,
		 "not a COSE_Sign1 snapshot: the file is empty");
	uint8_t *g = malloc(n + 3);
	memcpy(g, "\xd9\xd9\xf7", 3);
	memcpy(g + 3, f, n);
	open_err(g, n + 3, kr, NULL, RSL_EFORMAT,
		 "not a COSE_Sign1 snapshot: it begins with 0xd9, not tag 18 (0xd2)");
	memcpy(g, f, n);
	g[n] = 0;
	open_err(g, n + 1, kr, NULL, RSL_EFORMAT,
		 "not a COSE_Sign1 snapshot: 1 bytes after the end of the message");
	memcpy(g, f, n);
	g[1] = 0x83;
	open_err(g, n, kr, NULL, RSL_EFORMAT, "not a COSE_Sign1 snapshot: tag 18 "
		 "is not followed by an array of 4 items");
	free(g);

	/* ES256 (-7) in the protected header. */
	g = cose_alg(p, pn, &k, 0x26, &n);
	open_err(g, n, kr, NULL, RSL_EFORMAT, "not a COSE_Sign1 snapshot: "
		 "algorithm -7 is not supported (only -8 EdDSA or -19 Ed25519)");
	free(g);
	/* A non-empty unprotected header. */
	free(f);
	f = signed_base(&k, &n);
	g = malloc(n + 2);
	ck_assert_uint_eq(f[16], 0xa0);
	memcpy(g, f, 16);
	memcpy(g + 16, "\xa1\x01\x27", 3); /* replaces the a0 at 16 */
	memcpy(g + 19, f + 17, n - 17);
	open_err(g, n + 2, kr, NULL, RSL_EFORMAT, "not a COSE_Sign1 snapshot: "
		 "the unprotected header must be an empty map");
	free(g);
	/* A short signature. */
	g = malloc(n);
	memcpy(g, f, n - 66);
	memcpy(g + n - 66, "\x58\x3f", 2);
	memcpy(g + n - 64, f + n - 64, 63);
	open_err(g, n - 1, kr, NULL, RSL_EFORMAT,
		 "not a COSE_Sign1 snapshot: the signature is 63 bytes, expected 64");
	free(g);
	/* A payload that is not a byte string. */
	g = malloc(n);
	memcpy(g, f, n);
	ck_assert_uint_eq(g[17], 0x59); /* bstr, two-byte length */
	g[17] = 0x79;
	open_err(g, n, kr, NULL, RSL_EFORMAT,
		 "not a COSE_Sign1 snapshot: payload: not a byte string");
	free(g);
	free(f), free(p);
	rsl_keyring_free(kr);
}
END_TEST

START_TEST(refuses_bad_arguments)
{
	tkey k;
	make_key(&k, 5);
	rsl_keyring *kr = ring(&k);
	size_t n;
	uint8_t *f = signed_base(&k, &n);
	rsl_snapshot *s = (rsl_snapshot *)(uintptr_t)1;
	rsl_error err;
	ck_assert_int_eq(rsl_open_buffer(&s, f, n, NULL, &err), RSL_EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err.message, "no options (opts is NULL)");
	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	ck_assert_int_eq(rsl_open_buffer(&s, f, n, &o, &err), RSL_EINVAL);
	ck_assert_str_eq(err.message, "no trusted keys (opts->keys is NULL)");
	o.keys = kr;
	o.version = 99;
	ck_assert_int_eq(rsl_open_buffer(&s, f, n, &o, &err), RSL_EINVAL);
	ck_assert_str_eq(err.message, "options version 99 is not 1");
	o.version = RSL_OPEN_OPTIONS_VERSION;
	ck_assert_int_eq(rsl_open_buffer(NULL, f, n, &o, &err), RSL_EINVAL);
	ck_assert_int_eq(rsl_open(&s, NULL, &o, &err), RSL_EINVAL);
	/* No err struct: the code alone. */
	ck_assert_int_eq(rsl_open_buffer(&s, f, 10, &o, NULL), RSL_EFORMAT);
	o.max_size = 100;
	ck_assert_int_eq(rsl_open_buffer(&s, f, n, &o, &err), RSL_EUNSAFE);
	char want[128];
	snprintf(want, sizeof want, "snapshot is %zu bytes, more than the limit "
		 "of 100", n);
	ck_assert_str_eq(err.message, want);
	ck_assert_str_eq(rsl_strerror(RSL_ESIGNATURE), "RSL_ESIGNATURE");
	ck_assert_str_eq(rsl_strerror(RSL_EUNSAFE), "RSL_EUNSAFE");
	ck_assert_str_eq(rsl_strerror(RSL_OK), "RSL_OK");
	ck_assert_str_eq(rsl_strerror(-99), "RSL_E?");
	free(f);
	rsl_keyring_free(kr);
}
END_TEST

/* --------------------------------------------------------------- files */

START_TEST(opens_files_and_checks_them_first)
{
	char *dir = tu_tmpdir("open/files");
	tkey k;
	make_key(&k, 6);
	rsl_keyring *kr = ring(&k);
	size_t n;
	uint8_t *f = signed_base(&k, &n);
	char path[4096], link[4096], msg[4600];
	snprintf(path, sizeof path, "%s/prod.rsnap", dir);
	write_file(path, f, n, 0444);
	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	o.keys = kr;
	o.environment = "prod";
	rsl_snapshot *s;
	rsl_error err = { 0, "" };
	ck_assert_int_eq(rsl_open(&s, path, &o, &err), RSL_OK);
	rsl_info in;
	rsl_snapshot_info(&in, s);
	ck_assert_uint_eq(in.size, n);
	rsl_close(s);
	/* Read into memory instead of mapping. */
	o.flags = RSL_OPEN_READ;
	ck_assert_int_eq(rsl_open(&s, path, &o, &err), RSL_OK);
	rsl_close(s);
	o.flags = 0;
	/* A symlink to a regular file (Kubernetes volumes) is fine. */
	snprintf(link, sizeof link, "%s/current.rsnap", dir);
	ck_assert_int_eq(symlink("prod.rsnap", link), 0);
	ck_assert_int_eq(rsl_open(&s, link, &o, &err), RSL_OK);
	rsl_close(s);

	/* Writable by group or others: refused, also through the link. */
	ck_assert_int_eq(chmod(path, 0664), 0);
	ck_assert_int_eq(rsl_open(&s, path, &o, &err), RSL_EUNSAFE);
	ck_assert_ptr_null(s);
	snprintf(msg, sizeof msg, "'%s': snapshot is writable by group or others "
		 "(mode 0664); a file changed in place would bypass the "
		 "signature", path);
	ck_assert_str_eq(err.message, msg);
	ck_assert_int_eq(rsl_open(&s, link, &o, &err), RSL_EUNSAFE);
	ck_assert_int_eq(chmod(path, 0602), 0);
	ck_assert_int_eq(rsl_open(&s, path, &o, &err), RSL_EUNSAFE);
	ck_assert_int_eq(chmod(path, 0644), 0); /* the owner may write */
	ck_assert_int_eq(rsl_open(&s, path, &o, &err), RSL_OK);
	rsl_close(s);

	/* A directory. */
	ck_assert_int_eq(rsl_open(&s, dir, &o, &err), RSL_EUNSAFE);
	snprintf(msg, sizeof msg, "'%s' is a directory, not a regular file", dir);
	ck_assert_str_eq(err.message, msg);
	/* A FIFO: refused at once, without waiting for a writer. */
	char fifo[4096];
	snprintf(fifo, sizeof fifo, "%s/fifo.rsnap", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(rsl_open(&s, fifo, &o, &err), RSL_EUNSAFE);
	snprintf(msg, sizeof msg, "'%s' is a FIFO, not a regular file", fifo);
	ck_assert_str_eq(err.message, msg);
	/* Too big for the cap. */
	o.max_size = 1000;
	ck_assert_int_eq(rsl_open(&s, path, &o, &err), RSL_EUNSAFE);
	snprintf(msg, sizeof msg, "'%s' is %zu bytes, more than the limit of 1000",
		 path, n);
	ck_assert_str_eq(err.message, msg);
	o.max_size = 0;
	/* Missing. */
	char missing[4096];
	snprintf(missing, sizeof missing, "%s/nope.rsnap", dir);
	ck_assert_int_eq(rsl_open(&s, missing, &o, &err), RSL_EIO);
	snprintf(msg, sizeof msg, "cannot open '%s': No such file or directory",
		 missing);
	ck_assert_str_eq(err.message, msg);
	/* Empty. */
	char empty[4096];
	snprintf(empty, sizeof empty, "%s/empty.rsnap", dir);
	write_file(empty, "", 0, 0444);
	ck_assert_int_eq(rsl_open(&s, empty, &o, &err), RSL_EFORMAT);
	snprintf(msg, sizeof msg, "not a COSE_Sign1 snapshot: '%s' is empty", empty);
	ck_assert_str_eq(err.message, msg);
	/* Truncated, mapped and read. */
	char cut[4096];
	snprintf(cut, sizeof cut, "%s/cut.rsnap", dir);
	write_file(cut, f, n - 10, 0444);
	ck_assert_int_eq(rsl_open(&s, cut, &o, &err), RSL_EFORMAT);
	ck_assert_str_eq(err.message, "not a COSE_Sign1 snapshot: signature: "
			 "truncated: an item runs past the end");
	o.flags = RSL_OPEN_READ;
	ck_assert_int_eq(rsl_open(&s, cut, &o, &err), RSL_EFORMAT);
	free(f);
	rsl_keyring_free(kr);
}
END_TEST

/* ----------------------------------------------------------------- keys */

static char *pem_of(const unsigned char pk[32])
{
	unsigned char der[44];
	memcpy(der, "\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00", 12);
	memcpy(der + 12, pk, 32);
	char b64[128];
	sodium_bin2base64(b64, sizeof b64, der, 44, sodium_base64_VARIANT_ORIGINAL);
	char *pem = malloc(256);
	snprintf(pem, 256, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n",
		 b64);
	return pem;
}

START_TEST(keyring_reads_pem_and_raw_keys)
{
	unsigned char zero[32] = { 0 };
	char hexid[17];
	rsl_key_id_hex(hexid, zero);
	ck_assert_str_eq(hexid, "66687aadf862bd77"); /* SHA-256 of 32 zero bytes */

	tkey k;
	make_key(&k, 7);
	rsl_keyring *kr = ring(NULL);
	rsl_error err = { 0, "" };
	char *pem = pem_of(k.pk);
	ck_assert_int_eq(rsl_keyring_add_pem(kr, pem, strlen(pem), &err), RSL_OK);
	size_t n;
	uint8_t *f = signed_base(&k, &n);
	open_err(f, n, kr, NULL, RSL_OK, NULL);
	free(f);

	/* CRLF line ends and text around the block are fine. */
	char crlf[512];
	snprintf(crlf, sizeof crlf, "a comment\r\n-----BEGIN PUBLIC KEY-----\r\n%.60s"
		 "\r\n-----END PUBLIC KEY-----\r\n", pem + 27);
	ck_assert_int_eq(rsl_keyring_add_pem(kr, crlf, strlen(crlf), &err), RSL_OK);
	free(pem);

	static const char priv[] = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2Vw"
				   "BCIEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
				   "-----END PRIVATE KEY-----\n";
	ck_assert_int_eq(rsl_keyring_add_pem(kr, priv, strlen(priv), &err), RSL_EKEY);
	ck_assert_str_eq(err.message, "this is a private key; a loader needs the "
			 "public key (\"-----BEGIN PUBLIC KEY-----\")");
	ck_assert_int_eq(rsl_keyring_add_pem(kr, "hello", 5, &err), RSL_EKEY);
	ck_assert_str_eq(err.message, "not a PEM public key: no \"-----BEGIN "
			 "PUBLIC KEY-----\" line");
	static const char noend[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n";
	ck_assert_int_eq(rsl_keyring_add_pem(kr, noend, strlen(noend), &err),
			 RSL_EKEY);
	ck_assert_str_eq(err.message, "PEM public key: no \"-----END PUBLIC "
			 "KEY-----\" line");
	static const char bad64[] = "-----BEGIN PUBLIC KEY-----\nMCow*QYDK2VwAyEA\n"
				    "-----END PUBLIC KEY-----\n";
	ck_assert_int_eq(rsl_keyring_add_pem(kr, bad64, strlen(bad64), &err),
			 RSL_EKEY);
	ck_assert_str_eq(err.message, "PEM public key: bad base64, or longer "
			 "than an Ed25519 key");
	/* An X25519 key (OID 1.3.101.110) is not a signing key. */
	static const char x25519[] = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VuAyEA"
				     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
				     "-----END PUBLIC KEY-----\n";
	ck_assert_int_eq(rsl_keyring_add_pem(kr, x25519, strlen(x25519), &err),
			 RSL_EKEY);
	ck_assert_str_eq(err.message, "PEM public key is not an Ed25519 key "
			 "(algorithm 1.3.101.112)");
	static const char shortkey[] = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2Vw"
				       "AyEA\n-----END PUBLIC KEY-----\n";
	ck_assert_int_eq(rsl_keyring_add_pem(kr, shortkey, strlen(shortkey), &err),
			 RSL_EKEY);
	ck_assert_str_eq(err.message, "PEM public key is 12 bytes of DER, not the "
			 "44 of an Ed25519 SubjectPublicKeyInfo");
	rsl_keyring_free(kr);

	/* At most 16 keys; adding one already there is not an error. */
	kr = ring(NULL);
	for (unsigned i = 0; i < 16; i++) {
		tkey t;
		make_key(&t, (unsigned char)(100 + i));
		ck_assert_int_eq(rsl_keyring_add_raw(kr, t.pk, &err), RSL_OK);
		ck_assert_int_eq(rsl_keyring_add_raw(kr, t.pk, &err), RSL_OK);
	}
	ck_assert_int_eq(rsl_keyring_add_raw(kr, k.pk, &err), RSL_EKEY);
	ck_assert_str_eq(err.message, "too many trusted keys (at most 16)");
	rsl_keyring_free(kr);
	rsl_keyring_free(NULL);

	/* Not a point on the curve (or of small order): refused at once. */
	kr = ring(NULL);
	ck_assert_int_eq(rsl_keyring_add_raw(kr, zero, &err), RSL_EKEY);
	ck_assert_str_eq(err.message, "0000000000000000000000000000000000000000"
			 "000000000000000000000000 is not a valid Ed25519 public key");
	rsl_keyring_free(kr);

	/* From a file; a missing file names itself. */
	char *dir = tu_tmpdir("open/keys");
	kr = ring(NULL);
	pem = pem_of(k.pk);
	tu_write(dir, "k.pub", pem);
	char path[4096], msg[4400];
	snprintf(path, sizeof path, "%s/k.pub", dir);
	ck_assert_int_eq(rsl_keyring_add_pem_file(kr, path, &err), RSL_OK);
	snprintf(path, sizeof path, "%s/none.pub", dir);
	ck_assert_int_eq(rsl_keyring_add_pem_file(kr, path, &err), RSL_EIO);
	snprintf(msg, sizeof msg, "cannot open '%s': No such file or directory",
		 path);
	ck_assert_str_eq(err.message, msg);
	tu_write(dir, "bad.pub", "nothing here\n");
	snprintf(path, sizeof path, "%s/bad.pub", dir);
	ck_assert_int_eq(rsl_keyring_add_pem_file(kr, path, &err), RSL_EKEY);
	snprintf(msg, sizeof msg, "'%s': not a PEM public key: no \"-----BEGIN "
		 "PUBLIC KEY-----\" line", path);
	ck_assert_str_eq(err.message, msg);
	free(pem);
	rsl_keyring_free(kr);
}
END_TEST

START_TEST(keyring_reads_openssl_keys)
{
	if (tu_run("command -v openssl", NULL, NULL) != 0)
		return; /* nothing to compare with */
	char *dir = tu_tmpdir("open/openssl");
	ck_assert_int_eq(tu_sh("cd '%s' && openssl genpkey -algorithm ed25519 "
			       "-out k.pem && openssl pkey -in k.pem -pubout "
			       "-out k.pub && openssl pkey -in k.pem -outform DER "
			       "-out k.der", dir), 0);
	char path[4096];
	snprintf(path, sizeof path, "%s/k.der", dir);
	size_t dn;
	char *der = tu_read(path, &dn);
	ck_assert_uint_eq(dn, 48); /* PKCS#8: 16 bytes of header, the seed */
	tkey k;
	crypto_sign_seed_keypair(k.pk, k.sk, (unsigned char *)der + 16);
	unsigned char h[32];
	crypto_hash_sha256(h, k.pk, 32);
	memcpy(k.kid, h, 8);
	sodium_bin2hex(k.kid_hex, sizeof k.kid_hex, k.kid, 8);
	free(der);

	rsl_keyring *kr = ring(NULL);
	rsl_error err = { 0, "" };
	snprintf(path, sizeof path, "%s/k.pub", dir);
	ck_assert_int_eq(rsl_keyring_add_pem_file(kr, path, &err), RSL_OK);
	size_t n;
	uint8_t *f = signed_base(&k, &n);
	rsl_snapshot *s;
	ck_assert_int_eq(open_buf(&s, f, n, kr, "prod", &err), RSL_OK);
	rsl_info in;
	rsl_snapshot_info(&in, s);
	char hexid[17];
	rsl_key_id_hex(hexid, k.pk);
	ck_assert_str_eq(in.key_id, hexid);
	rsl_close(s);
	free(f);
	/* The private key file is refused with a hint. */
	snprintf(path, sizeof path, "%s/k.pem", dir);
	ck_assert_int_eq(rsl_keyring_add_pem_file(kr, path, &err), RSL_EKEY);
	rsl_keyring_free(kr);
}
END_TEST

/* ---------------------------------------------------- hostile input */

/* Evaluates every flag of s (the evaluator must cope with anything the
 * decoder accepts). */
static void poke(const rsl_snapshot *s)
{
	static const char *const list[] = { "a", "b" };
	const rsl_attr attrs[] = { RSL_STR("plan", "pro"),
				   RSL_STR("email", "x@example.com"),
				   RSL_STR("app_version", "2.4.0"),
				   RSL_NUM("seats", 3), RSL_NUM("signup", 1.8e9),
				   RSL_LIST("country", list, 2) };
	rsl_context ctx = { "user-1", "acme", NULL, NULL, NULL, attrs, 6,
			    1767300000, 0 };
	for (uint32_t i = 0; i < s->nflags; i++) {
		rsl_result r;
		rsl_type t = (rsl_type)s->flags[i].type;
		rsl_value fb = { t, 0, 0, 0.0, t == RSL_OBJECT ? "{}" : "", 0 };
		rsl_evaluate(&r, s, s->flags[i].key.p, t, &ctx, &fb);
		ck_assert(r.reason <= RSL_REASON_PREREQUISITE_FAILED);
	}
}

START_TEST(survives_truncated_and_mutated_files)
{
	tkey k;
	make_key(&k, 8);
	rsl_keyring *kr = ring(&k);
	size_t n;
	uint8_t *f = signed_base(&k, &n);
	for (size_t len = 0; len < n; len++) {
		uint8_t *cp = malloc(len ? len : 1); /* exact size for ASan */
		memcpy(cp, f, len);
		open_err(cp, len, kr, NULL, RSL_EFORMAT, NULL);
		free(cp);
	}
	static const uint8_t flips[] = { 0x01, 0x80, 0xff, 0x20, 0x1f };
	uint8_t *m = malloc(n);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < sizeof flips; j++) {
			memcpy(m, f, n);
			m[i] ^= flips[j];
			rsl_snapshot *s;
			rsl_error err;
			int rc = open_buf(&s, m, n, kr, NULL, &err);
			ck_assert_msg(rc < 0, "byte %zu ^ 0x%02x opened", i, flips[j]);
			ck_assert_ptr_null(s);
		}
	}
	free(m);
	free(f);
	rsl_keyring_free(kr);
}
END_TEST

/* The decoder on its own, since mutations of a signed file mostly stop at
 * the signature: every prefix of the payload, and every byte of it set to
 * many values; what decodes must evaluate.  A sample is re-signed and
 * opened whole. */
START_TEST(survives_truncated_and_mutated_payloads)
{
	tkey k;
	make_key(&k, 9);
	rsl_keyring *kr = ring(&k);
	size_t n;
	uint8_t *p = enc(BASE, &n);
	for (size_t len = 0; len < n; len++) {
		uint8_t *cp = malloc(len ? len : 1);
		memcpy(cp, p, len);
		rsl_snapshot *s = (rsl_snapshot *)(uintptr_t)1;
		ck_assert_int_lt(rsl__decode_payload(&s, cp, len, NULL, NULL), 0);
		ck_assert_ptr_null(s);
		free(cp);
	}
	static const uint8_t vals[] = { 0x00, 0x01, 0x02, 0x04, 0x05, 0x07, 0x17,
					0x18, 0x19, 0x1b, 0x20, 0x23, 0x3b, 0x40,
					0x5b, 0x60, 0x61, 0x7b, 0x80, 0x81, 0x9b,
					0xa0, 0xa1, 0xbb, 0xf4, 0xf5, 0xf9, 0xfb,
					0xff };
	uint8_t *m = malloc(n);
	size_t opened = 0, accepted = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < sizeof vals + 2; j++) {
			memcpy(m, p, n);
			m[i] = j < sizeof vals ? vals[j] : (uint8_t)(m[i] + (j == sizeof vals ? 1 : -1));
			rsl_snapshot *s = NULL;
			rsl_error err;
			int rc = rsl__decode_payload(&s, m, n, NULL, &err);
			ck_assert(rc <= 0);
			ck_assert((rc == 0) == (s != NULL));
			if (rc == 0) {
				accepted++;
				poke(s);
				rsl_close(s);
			}
			if ((i * 31 + j) % 97 == 0) {
				size_t fn;
				uint8_t *f = cose(m, n, &k, &fn);
				rsl_snapshot *t;
				int orc = open_buf(&t, f, fn, kr, NULL, &err);
				ck_assert_int_eq(orc, rc);
				if (orc == 0)
					rsl_close(t);
				free(f);
				opened++;
			}
		}
	}
	ck_assert_uint_gt(accepted, 0); /* e.g. another line number */
	ck_assert_uint_gt(opened, 100);
	free(m);
	free(p);
	rsl_keyring_free(kr);
}
END_TEST

/* --------------------------------------------------------- with rsc */

START_TEST(opens_what_rsc_compiles)
{
	if (access(RSC_BIN, X_OK) != 0)
		return; /* rsc not built in this build directory */
	char *dir = tu_tmpdir("open/rsc");
	char *out = NULL, *errs = NULL;
	int rc = tu_run("cp -R tests/fixtures/check/valid tests/tmp/open/rsc/repo",
			NULL, NULL);
	ck_assert_int_eq(rc, 0);
	char repo[4096];
	snprintf(repo, sizeof repo, "%s/repo", dir);
	tu_git_init(repo);
	tu_git_commit(repo, "First flags", 1700000000);
	char cmd[16384];
	snprintf(cmd, sizeof cmd, "%s keygen --out %s/ci && %s compile --root %s "
		 "--key %s/ci.key --out %s/out", RSC_BIN, dir, RSC_BIN, repo, dir,
		 dir);
	rc = tu_run(cmd, &out, &errs);
	ck_assert_msg(rc == 0, "rsc failed (%d): %s%s", rc, out, errs);
	free(out), free(errs);

	rsl_keyring *kr = ring(NULL);
	rsl_error err = { 0, "" };
	char path[4200];
	snprintf(path, sizeof path, "%s/ci.pub", dir);
	ck_assert_int_eq(rsl_keyring_add_pem_file(kr, path, &err), RSL_OK);
	/* Every snapshot written opens, for its own environment only. */
	snprintf(cmd, sizeof cmd, "ls %s/out", dir);
	rc = tu_run(cmd, &out, NULL);
	ck_assert_int_eq(rc, 0);
	int count = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		size_t ln = strlen(line);
		if (ln < 7 || strcmp(line + ln - 6, ".rsnap") != 0)
			continue;
		char env[256];
		snprintf(env, sizeof env, "%.*s", (int)(ln - 6), line);
		snprintf(path, sizeof path, "%s/out/%s", dir, line);
		rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
		o.keys = kr;
		o.environment = env;
		rsl_snapshot *s;
		rc = rsl_open(&s, path, &o, &err);
		ck_assert_msg(rc == 0, "%s: %d %s", path, rc, err.message);
		rsl_info in;
		rsl_snapshot_info(&in, s);
		ck_assert_str_eq(in.environment, env);
		ck_assert(in.version == 1700000000u * 1024ull); /* a root commit */
		ck_assert(in.commit_time == 1700000000);
		ck_assert_uint_eq(strlen(in.commit), 40);
		ck_assert_str_eq(in.subject, "First flags");
		ck_assert_uint_gt(in.flag_count, 0);
		for (uint32_t i = 0; i < s->nflags; i++)
			ck_assert_ptr_eq(rsl__find_flag(s, s->flags[i].key.p,
							s->flags[i].key.len),
					 &s->flags[i]);
		poke(s);
		rsl_close(s);
		o.environment = "no-such-env";
		ck_assert_int_eq(rsl_open(&s, path, &o, &err), RSL_EENV);
		count++;
	}
	ck_assert_int_gt(count, 0);
	free(out);
	rsl_keyring_free(kr);
}
END_TEST

Suite *open_suite(void); /* called by the runner */
Suite *open_suite(void)
{
	Suite *s = suite_create("open");
	TCase *tc = tcase_create("decode");
	tcase_set_timeout(tc, 60); /* slow under sanitizers */
	tcase_add_test(tc, decodes_every_field);
	tcase_add_test(tc, missing_optional_provenance_is_empty);
	tcase_add_test(tc, refuses_other_format_env_and_bucketing);
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

	tc = tcase_create("envelope");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, opens_a_signed_buffer);
	tcase_add_test(tc, refuses_wrong_key_and_bad_signatures);
	tcase_add_test(tc, refuses_other_env_and_format_when_signed);
	tcase_add_test(tc, refuses_malformed_envelopes);
	tcase_add_test(tc, refuses_bad_arguments);
	tcase_add_test(tc, opens_files_and_checks_them_first);
	tcase_add_test(tc, keyring_reads_pem_and_raw_keys);
	tcase_add_test(tc, keyring_reads_openssl_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, survives_truncated_and_mutated_files);
	tcase_add_test(tc, survives_truncated_and_mutated_payloads);
	suite_add_tcase(s, tc);

	tc = tcase_create("rsc");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, opens_what_rsc_compiles);
	suite_add_tcase(s, tc);
	return s;
}
