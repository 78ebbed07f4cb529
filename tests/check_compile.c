/*
 * check_compile.c - `rsc compile`, `keygen`, `verify` and `inspect` run as a
 * user runs them (the built rsc, RSC_BIN) on real git repositories: golden
 * snapshot bytes, the same under other time zones and locales, the payload
 * read back with libcbor and checked canonical, keys from rsc keygen and
 * from openssl, a revert, credentials in the remote URL, RSC_SIGNING_KEY,
 * tampering, and that a failed compile never leaves a partial or stray file;
 * the version along rebases, merges, reverts, a rewound main (with a live
 * client), a skewed clock, shallow clones and a crowded second.
 *
 * RSC_UPDATE_GOLDEN=1 rewrites the files under tests/golden/ from this build.
 */
#include <cbor.h>
#include <limits.h>
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canon.h"
#include "rsl.h"
#include "testutil.h"

#define T0 1767225600L /* 2026-01-01T00:00:00Z */
/* tests/fixtures/compile/test.key, private (mode 0600) as rsc requires of a
 * key file: git checks files out 0644.  Made by private_key_copy. */
#define KEY "tests/tmp/keys/test.key"
#define PUB "tests/fixtures/compile/test.pub"

static char *out_, *err_;

/* Runs `env ENVS rsc ARGS` (ARGS a shell fragment); keeps stdout and stderr
 * in out_ / err_ for the asserts. */
static int vrsc(const char *envs, const char *fmt, va_list ap)
{
	char args[8192], cmd[8400];
	vsnprintf(args, sizeof args, fmt, ap);
	ck_assert_msg(access(RSC_BIN, X_OK) == 0, "%s is not built: make %s", RSC_BIN, RSC_BIN);
	snprintf(cmd, sizeof cmd, "env %s %s %s", envs, RSC_BIN, args);
	free(out_);
	free(err_);
	out_ = err_ = NULL;
	return tu_run(cmd, &out_, &err_);
}

__attribute__((format(printf, 1, 2)))
static int rsc(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vrsc("", fmt, ap);
	va_end(ap);
	return rc;
}

__attribute__((format(printf, 2, 3)))
static int rsc_env(const char *envs, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vrsc(envs, fmt, ap);
	va_end(ap);
	return rc;
}

static int contains(const unsigned char *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return 1;
	return 0;
}

/* A fresh repository holding the fixture ruleset, committed at T0, with an
 * origin URL that carries credentials. */
static char *fixture_repo(const char *name)
{
	char *dir = tu_tmpdir(name);
	ck_assert_int_eq(tu_sh("mkdir -p '%s/repo' && cp -R tests/fixtures/compile/ruleset/. "
			       "'%s/repo/'", dir, dir), 0);
	char repo[1024];
	snprintf(repo, sizeof repo, "%s/repo", dir);
	tu_git_init(repo);
	tu_git_commit(repo, "Add the flags", T0);
	ck_assert_int_eq(tu_sh("git -C '%s' remote add origin "
			       "https://user:secret@example.com/r.git", repo), 0);
	return dir;
}

static unsigned char *slurp(const char *dir, const char *rel, size_t *n)
{
	char path[2048];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	unsigned char *p = (unsigned char *)tu_read(path, n);
	ck_assert_msg(p != NULL, "cannot read %s", path);
	return p;
}

static void assert_same_file(const char *a, const char *b)
{
	size_t na, nb;
	unsigned char *pa = (unsigned char *)tu_read(a, &na);
	unsigned char *pb = (unsigned char *)tu_read(b, &nb);
	ck_assert_msg(pa && pb, "cannot read %s or %s", a, b);
	ck_assert_msg(na == nb && memcmp(pa, pb, na) == 0, "%s and %s differ", a, b);
	free(pa);
	free(pb);
}

/* The payload's bytes inside a snapshot (a pointer into s). */
static const unsigned char *payload_of(const unsigned char *s, size_t n, size_t *len)
{
	/* d2 84 4d <13 protected bytes> a0, then the payload's bstr head */
	ck_assert_uint_gt(n, 24);
	ck_assert_int_eq(memcmp(s, "\xd2\x84\x4d\xa2\x01\x27\x04\x48", 8), 0);
	ck_assert_int_eq(s[16], 0xa0);
	const unsigned char *p = s + 17;
	unsigned major = p[0] >> 5, ai = p[0] & 31;
	ck_assert_uint_eq(major, 2);
	size_t hl = ai < 24 ? 1 : ai == 24 ? 2 : ai == 25 ? 3 : 5;
	size_t v = ai < 24 ? ai : 0;
	for (size_t i = 1; i < hl; i++)
		v = v << 8 | p[i];
	*len = v;
	ck_assert_uint_le(17 + hl + v + 2 + 64, n);
	return p + hl;
}

/* The whole file, decoded by libcbor.  The tag head is skipped by hand:
 * libcbor before 0.11 refuses tag 18 (its issue #307). */
static cbor_item_t *load_body(const unsigned char *s, size_t n)
{
	struct cbor_load_result res;
	ck_assert_int_eq(s[0], 0xd2);
	cbor_item_t *msg = cbor_load(s + 1, n - 1, &res);
	ck_assert_int_eq(res.error.code, CBOR_ERR_NONE);
	ck_assert_uint_eq(res.read, n - 1);
	ck_assert(cbor_isa_array(msg) && cbor_array_size(msg) == 4);
	cbor_item_t *pl = cbor_array_handle(msg)[2];
	ck_assert(cbor_isa_bytestring(pl));
	cbor_item_t *body = cbor_load(cbor_bytestring_handle(pl), cbor_bytestring_length(pl), &res);
	ck_assert_int_eq(res.error.code, CBOR_ERR_NONE);
	ck_assert_uint_eq(res.read, cbor_bytestring_length(pl));
	cbor_decref(&msg);
	return body;
}

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

static uint64_t uint_of(const cbor_item_t *it)
{
	ck_assert(it && cbor_isa_uint(it));
	return cbor_get_int(it);
}

/* The body's "image" (the flags and segments) re-serialised by libcbor:
 * equal content, equal bytes. */
static unsigned char *flags_bytes(const char *dir, const char *rel, size_t *n,
				  uint64_t *version)
{
	size_t len;
	unsigned char *s = slurp(dir, rel, &len);
	cbor_item_t *body = load_body(s, len);
	*version = uint_of(get(body, "version"));
	unsigned char *buf = NULL;
	size_t cap = 0;
	ck_assert_ptr_nonnull(get(body, "image"));
	*n = cbor_serialize_alloc(get(body, "image"), &buf, &cap);
	ck_assert_uint_gt(*n, 0);
	cbor_decref(&body);
	free(s);
	return buf;
}

static char *git_head(const char *repo)
{
	char cmd[1200], *out = NULL;
	snprintf(cmd, sizeof cmd, "git -C '%s' rev-parse HEAD", repo);
	ck_assert_int_eq(tu_run(cmd, &out, NULL), 0);
	out[strcspn(out, "\n")] = '\0';
	return out;
}

/* ----------------------------------------------------------------- tests */

START_TEST(golden_bytes)
{
	char *d = fixture_repo("compile-golden");
	ck_assert_int_eq(rsc("compile --root '%s/repo' --key " KEY " --out '%s/out'", d, d), 0);
	char want[4096];
	snprintf(want, sizeof want,
		 "%s/out/dev.rsnap: dev, version 1809639014400, commit e8ae6e37a10c, 6 flags, "
		 "3168 bytes, key 65b60673d6ed884b\n"
		 "%s/out/prod.rsnap: prod, version 1809639014400, commit e8ae6e37a10c, 6 flags, "
		 "4985 bytes, key 65b60673d6ed884b\n", d, d);
	ck_assert_str_eq(out_, want);
	const char *envs[] = { "dev", "prod" };
	for (int i = 0; i < 2; i++) {
		char got[1024], golden[256];
		snprintf(got, sizeof got, "%s/out/%s.rsnap", d, envs[i]);
		snprintf(golden, sizeof golden, "tests/golden/%s.rsnap", envs[i]);
		if (getenv("RSC_UPDATE_GOLDEN"))
			ck_assert_int_eq(tu_sh("cp '%s' '%s' && chmod 0644 '%s'", got,
					       golden, golden), 0);
		assert_same_file(got, golden);
		struct stat st;
		ck_assert_int_eq(stat(got, &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, 0444);
	}
}
END_TEST

START_TEST(same_bytes_in_any_time_zone_and_locale)
{
	char *d = fixture_repo("compile-tz");
	/* A locale the system lacks is made with localedef (tu_locale); one
	 * that cannot be made is reported skipped, not silently "passed". */
	static const struct { const char *env, *locale; } envs[] = {
		{ "TZ=Asia/Tokyo LC_ALL=C.UTF-8", NULL },
		{ "TZ=America/Los_Angeles LC_ALL=de_DE.UTF-8 LANG=de_DE.UTF-8", "de_DE.UTF-8" },
		{ "TZ=Pacific/Kiritimati LC_ALL=tr_TR.UTF-8", "tr_TR.UTF-8" },
	};
	for (int i = 0; i < 3; i++) {
		char why[512];
		if (envs[i].locale && tu_locale(envs[i].locale, why, sizeof why) != 0) {
			fprintf(stderr, "skipped: compile: same bytes under %s: %s\n",
				envs[i].env, why);
			continue;
		}
		ck_assert_int_eq(rsc_env(envs[i].env, "compile --root '%s/repo' --key " KEY
					 " --out '%s/out%d'", d, d, i), 0);
		char a[1024];
		snprintf(a, sizeof a, "%s/out%d/prod.rsnap", d, i);
		assert_same_file(a, "tests/golden/prod.rsnap");
		snprintf(a, sizeof a, "%s/out%d/dev.rsnap", d, i);
		assert_same_file(a, "tests/golden/dev.rsnap");
	}
	/* and verify prints the commit time in UTC whatever TZ says */
	ck_assert_int_eq(rsc_env("TZ=Asia/Tokyo", "verify --now 2026-01-01T12:00:00Z --pub " PUB " '%s/out0/prod.rsnap'",
				 d), 0);
	ck_assert_ptr_nonnull(strstr(out_, "  committed    2026-01-01T00:00:00Z\n"));
}
END_TEST

START_TEST(payload_is_canonical_and_reads_back)
{
	char *d = fixture_repo("compile-payload");
	ck_assert_int_eq(rsc("compile --root '%s/repo' --key " KEY " --out '%s/out'", d, d), 0);
	size_t n, plen;
	unsigned char *s = slurp(d, "out/prod.rsnap", &n);
	const char *why = canon_check(s, n, 1);
	ck_assert_msg(why == NULL, "file not canonical: %s", why);
	const unsigned char *pl = payload_of(s, n, &plen);
	why = canon_check(pl, plen, 0);
	ck_assert_msg(why == NULL, "payload not canonical: %s", why);

	cbor_item_t *body = load_body(s, n);
	assert_text(get(body, "env"), "prod");
	ck_assert_uint_eq(uint_of(get(body, "format")), 2);
	ck_assert_uint_eq(uint_of(get(body, "version")), T0 * 1024);
	ck_assert_uint_eq(uint_of(get(body, "issued_at")), T0);
	ck_assert_uint_eq(uint_of(get(body, "expires_at")), T0 + 7 * 86400);
	cbor_item_t *p = get(body, "provenance");
	char repo[1024];
	snprintf(repo, sizeof repo, "%s/repo", d);
	char *head = git_head(repo);
	assert_text(get(p, "commit"), head);
	free(head);
	assert_text(get(p, "author"), "Test Author <author@example.com>");
	assert_text(get(p, "subject"), "Add the flags");
	assert_text(get(p, "path"), "");
	assert_text(get(p, "rsc"), RSC_VERSION);
	/* credentials stripped from the remote URL, and nowhere in the file */
	assert_text(get(p, "repo"), "example.com/r");
	ck_assert(!contains(s, n, "secret"));
	ck_assert(!contains(s, n, "user:"));

	/* Format 2: the flags are records in the image, which starts 16-byte
	 * aligned in the file, after 'align' zero bytes (snapshot-format.md). */
	ck_assert_ptr_null(get(body, "flags"));
	ck_assert_ptr_null(get(body, "segments"));
	ck_assert_uint_eq(cbor_bytestring_length(get(body, "digest")), 32);
	cbor_item_t *al = get(body, "align");
	ck_assert_uint_le(cbor_bytestring_length(al), 15);
	for (size_t i = 0; i < cbor_bytestring_length(al); i++)
		ck_assert_uint_eq(cbor_bytestring_handle(al)[i], 0);
	cbor_item_t *img = get(body, "image");
	size_t ilen = cbor_bytestring_length(img);
	ck_assert_uint_ge(ilen, 56);
	const unsigned char *in_file = NULL;
	for (size_t i = 0; i + ilen <= n && !in_file; i++)
		if (memcmp(s + i, cbor_bytestring_handle(img), ilen) == 0)
			in_file = s + i;
	ck_assert_ptr_nonnull(in_file);
	ck_assert_uint_eq((size_t)(in_file - s) % 16, 0);
	ck_assert_int_eq(memcmp(in_file, "RSLIMG01", 8), 0);
	ck_assert_uint_eq(in_file[12] | in_file[13] << 8, 6); /* nflags, little-endian */
	cbor_decref(&body);
	free(s);
}
END_TEST

START_TEST(revert_gets_a_higher_version_and_the_old_content)
{
	char *d = fixture_repo("compile-revert");
	char repo[1024];
	snprintf(repo, sizeof repo, "%s/repo", d);
	ck_assert_int_eq(rsc("compile --root '%s' --env prod --key " KEY " --out '%s/a'", repo, d), 0);
	tu_write(repo, "environments/prod/search-tuning.yaml",
		 "enabled: true\ndefault: aggressive\n");
	tu_git_commit(repo, "Everyone gets aggressive search", T0 + 60);
	ck_assert_int_eq(rsc("compile --root '%s' --env prod --key " KEY " --out '%s/b'", repo, d), 0);
	ck_assert_int_eq(tu_sh("cd '%s' && GIT_AUTHOR_DATE='@%ld +0000' GIT_COMMITTER_DATE="
			       "'@%ld +0000' git revert --no-edit HEAD >/dev/null", repo, T0 + 120,
			       T0 + 120), 0);
	ck_assert_int_eq(rsc("compile --root '%s' --env prod --key " KEY " --out '%s/c'", repo, d), 0);

	size_t na, nb, nc;
	uint64_t va, vb, vc;
	unsigned char *fa = flags_bytes(d, "a/prod.rsnap", &na, &va);
	unsigned char *fb = flags_bytes(d, "b/prod.rsnap", &nb, &vb);
	unsigned char *fc = flags_bytes(d, "c/prod.rsnap", &nc, &vc);
	ck_assert_uint_eq(va, T0 * 1024);
	ck_assert_uint_eq(vb, (T0 + 60) * 1024);
	ck_assert_uint_eq(vc, (T0 + 120) * 1024);
	ck_assert(na != nb || memcmp(fa, fb, na) != 0); /* the change is visible */
	ck_assert_uint_eq(na, nc);
	ck_assert_int_eq(memcmp(fa, fc, na), 0);        /* and undone */
	free(fa);
	free(fb);
	free(fc);
}
END_TEST

START_TEST(signing_key_from_the_environment)
{
	char *d = fixture_repo("compile-envkey");
	ck_assert_int_eq(rsc_env("RSC_SIGNING_KEY=\"$(cat " KEY ")\"", "compile --root "
				 "'%s/repo' --env prod --out '%s/out'", d, d), 0);
	char p[1024];
	snprintf(p, sizeof p, "%s/out/prod.rsnap", d);
	assert_same_file(p, "tests/golden/prod.rsnap");

	ck_assert_int_eq(rsc_env("RSC_SIGNING_KEY='not a key'", "compile --root '%s/repo' "
				 "--out '%s/out2'", d, d), 3);
	ck_assert_str_eq(err_, "rsc compile: RSC_SIGNING_KEY: not a PEM key: expected a "
			 "line '-----BEGIN PRIVATE KEY-----'\n");
	ck_assert_int_eq(rsc_env("RSC_SIGNING_KEY=", "compile --root '%s/repo' "
				 "--out '%s/out2'", d, d), 3);
	ck_assert_str_eq(err_, "rsc compile: RSC_SIGNING_KEY is set but empty (is the CI "
			 "secret passed to this job? secrets are not given to pull requests "
			 "from forks)\n");
	ck_assert_int_eq(rsc_env("RSC_SIGNING_KEY=\"$(cat " PUB ")\"", "compile --root "
				 "'%s/repo' --out '%s/out2'", d, d), 3);
	ck_assert_str_eq(err_, "rsc compile: RSC_SIGNING_KEY: this is a public key; signing "
			 "needs the private key (the .key file of rsc keygen, not the .pub)\n");
	ck_assert_int_eq(rsc("compile --root '%s/repo' --key " PUB " --out '%s/out2'", d, d), 3);
	ck_assert_str_eq(err_, "rsc compile: --key " PUB ": this is a public key; signing "
			 "needs the private key (the .key file of rsc keygen, not the .pub)\n");
	ck_assert_int_eq(rsc_env("-u RSC_SIGNING_KEY", "compile --root '%s/repo' "
				 "--out '%s/out2'", d, d), 2);
	ck_assert_str_eq(err_, "rsc compile: no signing key: give --key FILE or set "
			 "RSC_SIGNING_KEY to the PEM text\nTry 'rsc compile --help'.\n");
	snprintf(p, sizeof p, "%s/out2", d);
	ck_assert_int_ne(access(p, F_OK), 0);
}
END_TEST

/* A signing key must be one key, and a key file private (the variable has
 * no mode to check); nothing is written otherwise. */
START_TEST(signing_key_is_one_private_key)
{
	char *d = fixture_repo("compile-keymode");
	ck_assert_int_eq(rsc_env("RSC_SIGNING_KEY=\"$(cat " KEY " " KEY ")\"", "compile --root "
				 "'%s/repo' --out '%s/out'", d, d), 3);
	ck_assert_str_eq(err_, "rsc compile: RSC_SIGNING_KEY: two private keys in one text: "
			 "expected one '-----BEGIN PRIVATE KEY-----' block, the key to sign "
			 "with\n");
	ck_assert_int_eq(tu_sh("cp " KEY " '%s/open.key' && chmod 644 '%s/open.key'", d, d), 0);
	ck_assert_int_eq(rsc("compile --root '%s/repo' --key '%s/open.key' --out '%s/out'", d,
			     d, d), 3);
	char want[4096];
	snprintf(want, sizeof want, "rsc compile: --key %s/open.key: readable by group or "
		 "others (mode 0644); a signing key must be private: chmod 600 %s/open.key\n",
		 d, d);
	ck_assert_str_eq(err_, want);
	char p[1024];
	snprintf(p, sizeof p, "%s/out", d);
	ck_assert_int_ne(access(p, F_OK), 0);
	/* the same text in the variable is fine: it has no mode */
	char env[2048];
	snprintf(env, sizeof env, "RSC_SIGNING_KEY=\"$(cat '%s/open.key')\"", d);
	ck_assert_int_eq(rsc_env(env, "compile --root '%s/repo' --env prod --out '%s/out'", d,
				 d), 0);
}
END_TEST

/* --issued-at renews a commit's freshness: the same version and rules,
 * a later issued_at and expires_at; never before the commit, never for the
 * work tree. */
START_TEST(issued_at_renews_freshness)
{
	char *d = fixture_repo("compile-renew");
	ck_assert_int_eq(rsc("compile --root '%s/repo' --key " KEY " --env prod "
			     "--issued-at 2026-03-01T00:00:00Z --out '%s/out'", d, d), 0);
	ck_assert_int_eq(rsc("verify --now 2026-03-02T00:00:00Z --pub " PUB
			     " '%s/out/prod.rsnap'", d), 0);
	ck_assert_msg(strstr(out_, "  version      1809639014400\n"), "%s", out_);
	ck_assert_msg(strstr(out_, "  committed    2026-01-01T00:00:00Z\n"), "%s", out_);
	ck_assert_msg(strstr(out_, "  freshness    expires 2026-03-08T00:00:00Z (in 6d 0h)\n"),
		      "%s", out_);
	ck_assert_int_eq(rsc("compile --root '%s/repo' --key " KEY " --env prod "
			     "--issued-at 2025-12-31T00:00:00Z --out '%s/out2'", d, d), 2);
	ck_assert_msg(strstr(err_, "--issued-at 2025-12-31T00:00:00Z is before commit "),
		      "%s", err_);
	ck_assert_msg(strstr(err_, "'s time 2026-01-01T00:00:00Z: a renewal is issued at or "
			     "after its commit"), "%s", err_);
	ck_assert_int_eq(rsc("compile --root '%s/repo' --worktree --key " KEY " --env dev "
			     "--issued-at now --out '%s/out3'", d, d), 2);
	ck_assert_msg(strstr(err_, "a renewal renews a commit: --issued-at needs --rev, not "
			     "--worktree"), "%s", err_);
	ck_assert_int_eq(rsc("compile --root '%s/repo' --key " KEY " --issued-at soon "
			     "--out '%s/out4'", d, d), 2);
	ck_assert_msg(strstr(err_, "--issued-at 'soon': expected an RFC 3339 time, seconds "
			     "since the epoch, or now"), "%s", err_);
}
END_TEST

START_TEST(verify_accepts_good_and_refuses_tampered)
{
	char *d = fixture_repo("compile-verify");
	ck_assert_int_eq(rsc("compile --root '%s/repo' --key " KEY " --out '%s/out'", d, d), 0);
	ck_assert_int_eq(rsc("verify --now 2026-01-01T12:00:00Z --pub " PUB " '%s/out/prod.rsnap'", d), 0);
	char want[2048];
	char repo[1024];
	snprintf(repo, sizeof repo, "%s/repo", d);
	char *head = git_head(repo);
	snprintf(want, sizeof want,
		 "%s/out/prod.rsnap: valid\n"
		 "  environment  prod\n"
		 "  version      1809639014400\n"
		 "  commit       %s\n"
		 "  author       Test Author <author@example.com>\n"
		 "  subject      Add the flags\n"
		 "  committed    2026-01-01T00:00:00Z\n"
		 "  freshness    expires 2026-01-08T00:00:00Z (in 6d 12h)\n"
		 "  key id       65b60673d6ed884b\n"
		 "  flags        6\n", d, head);
	ck_assert_str_eq(out_, want);
	/* The same file a day after its expiry: the signature still holds,
	 * and verify says STALE as status, inspect and the client do. */
	ck_assert_int_eq(rsc("verify --now 2026-01-09T00:00:00Z --pub " PUB
			     " '%s/out/prod.rsnap'", d), 1);
	snprintf(want, sizeof want,
		 "%s/out/prod.rsnap: valid signature, but STALE\n"
		 "  environment  prod\n"
		 "  version      1809639014400\n"
		 "  commit       %s\n"
		 "  author       Test Author <author@example.com>\n"
		 "  subject      Add the flags\n"
		 "  committed    2026-01-01T00:00:00Z\n"
		 "  freshness    STALE: expired 2026-01-08T00:00:00Z (1d 0h ago)\n"
		 "  key id       65b60673d6ed884b\n"
		 "  flags        6\n", d, head);
	ck_assert_str_eq(out_, want);
	free(head);

	/* the wrong environment */
	ck_assert_int_eq(rsc("verify --now 2026-01-01T12:00:00Z --pub " PUB " --env dev '%s/out/prod.rsnap'", d), 1);
	ck_assert_ptr_nonnull(strstr(err_, "(RSL_EENV)"));

	/* one byte of the payload flipped */
	size_t n;
	unsigned char *s = slurp(d, "out/prod.rsnap", &n);
	s[200] ^= 0x01;
	char path[1024];
	snprintf(path, sizeof path, "%s/tampered.rsnap", d);
	FILE *f = fopen(path, "wb");
	ck_assert_uint_eq(fwrite(s, 1, n, f), n);
	fclose(f);
	chmod(path, 0644);
	free(s);
	ck_assert_int_eq(rsc("verify --now 2026-01-01T12:00:00Z --pub " PUB " '%s'", path), 1);
	ck_assert_ptr_nonnull(strstr(err_, "(RSL_ESIGNATURE)"));
	ck_assert_str_eq(out_, "");

	/* several snapshots: each reported, the worst exit status */
	ck_assert_int_eq(rsc("verify --now 2026-01-01T12:00:00Z --pub " PUB " '%s/out/dev.rsnap' '%s/out/prod.rsnap'",
			     d, d), 0);
	char line[1200];
	snprintf(line, sizeof line, "%s/out/dev.rsnap: valid\n", d);
	ck_assert_int_eq(strncmp(out_, line, strlen(line)), 0);
	snprintf(line, sizeof line, "\n%s/out/prod.rsnap: valid\n", d);
	ck_assert_ptr_nonnull(strstr(out_, line));
	ck_assert_int_eq(rsc("verify --now 2026-01-01T12:00:00Z --pub " PUB " '%s/out/dev.rsnap' '%s' '%s/out/prod.rsnap'",
			     d, path, d), 1);
	ck_assert_ptr_nonnull(strstr(out_, "/out/dev.rsnap: valid\n"));
	ck_assert_ptr_nonnull(strstr(out_, "/out/prod.rsnap: valid\n"));
	ck_assert_ptr_nonnull(strstr(err_, "tampered.rsnap: invalid: "));
	ck_assert_int_eq(rsc("verify --now 2026-01-01T12:00:00Z --pub " PUB " '%s/none.rsnap' '%s'", d, path), 3);

	/* the wrong key file says so, naming the path once */
	ck_assert_int_eq(rsc("verify --now 2026-01-01T12:00:00Z --pub " KEY " '%s/out/prod.rsnap'", d), 3);
	ck_assert_str_eq(err_, "rsc verify: --pub " KEY ": this is a private key; verifying "
			 "needs the public key (the .pub file of rsc keygen, not the .key)\n");
	ck_assert_int_eq(rsc("verify --now 2026-01-01T12:00:00Z --pub tests/fixtures/compile/none.pub '%s/out/prod.rsnap'",
			     d), 3);
	ck_assert_str_eq(err_, "rsc verify: --pub tests/fixtures/compile/none.pub: No such "
			 "file or directory\n");

	/* a missing file is an I/O error */
	ck_assert_int_eq(rsc("verify --now 2026-01-01T12:00:00Z --pub " PUB " '%s/none.rsnap'", d), 3);
	/* no key given */
	ck_assert_int_eq(rsc("verify '%s/out/prod.rsnap'", d), 2);
	ck_assert_str_eq(err_, "rsc verify: no trusted key: give --pub FILE\n"
			 "Try 'rsc verify --help'.\n");
}
END_TEST

START_TEST(keygen_keys_compile_and_verify)
{
	char *d = fixture_repo("compile-keygen");
	ck_assert_int_eq(rsc("keygen --out '%s/k'", d), 0);
	char want[2048];
	snprintf(want, sizeof want, "%s/k.key: private key (keep it secret)\n"
		 "%s/k.pub: public key\nkey id ", d, d);
	ck_assert_int_eq(strncmp(out_, want, strlen(want)), 0);
	ck_assert_uint_eq(strlen(out_), strlen(want) + 17);
	char kid[17];
	memcpy(kid, out_ + strlen(want), 16);
	kid[16] = '\0';
	char p[1024];
	struct stat st;
	snprintf(p, sizeof p, "%s/k.key", d);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	size_t n;
	char *key1 = (char *)slurp(d, "k.key", &n);
	ck_assert_int_eq(strncmp(key1, "-----BEGIN PRIVATE KEY-----\n", 28), 0);
	snprintf(p, sizeof p, "%s/k.pub", d);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);

	ck_assert_int_eq(rsc("compile --root '%s/repo' --env dev --key '%s/k.key' --out '%s/out'",
			     d, d, d), 0);
	ck_assert_ptr_nonnull(strstr(out_, kid));
	ck_assert_int_eq(rsc("verify --now 2026-01-01T12:00:00Z --pub '%s/k.pub' '%s/out/dev.rsnap'", d, d), 0);
	/* another key does not verify it; during a rotation both are trusted */
	ck_assert_int_eq(rsc("verify --now 2026-01-01T12:00:00Z --pub " PUB " '%s/out/dev.rsnap'", d), 1);
	ck_assert_ptr_nonnull(strstr(err_, "(RSL_EKEY)"));
	ck_assert_int_eq(rsc("verify --now 2026-01-01T12:00:00Z --pub " PUB " --pub '%s/k.pub' '%s/out/dev.rsnap'", d, d), 0);

	/* never overwritten by accident */
	ck_assert_int_eq(rsc("keygen --out '%s/k'", d), 3);
	snprintf(want, sizeof want, "rsc keygen: %s/k.key exists; use --force to replace it\n", d);
	ck_assert_str_eq(err_, want);
	char *again = (char *)slurp(d, "k.key", &n);
	ck_assert_str_eq(again, key1);
	free(again);
	ck_assert_int_eq(rsc("keygen --force --out '%s/k'", d), 0);
	again = (char *)slurp(d, "k.key", &n);
	ck_assert_str_ne(again, key1);
	free(again);
	free(key1);
	ck_assert_int_eq(tu_sh("ls -A '%s' | grep -v -x -e repo -e out -e k.key -e k.pub "
			       "&& exit 1 || exit 0", d), 0);
}
END_TEST

START_TEST(openssl_keys_work_both_ways)
{
	if (tu_run("command -v openssl", NULL, NULL) != 0)
		return; /* no openssl here: the rsc side is covered elsewhere */
	char *d = fixture_repo("compile-openssl");
	ck_assert_int_eq(tu_sh("cd '%s' && openssl genpkey -algorithm ed25519 -out o.key && "
			       "openssl pkey -in o.key -pubout -out o.pub", d), 0);
	ck_assert_int_eq(rsc("compile --root '%s/repo' --env prod --key '%s/o.key' --out '%s/out'",
			     d, d, d), 0);
	ck_assert_int_eq(rsc("verify --now 2026-01-01T12:00:00Z --pub '%s/o.pub' '%s/out/prod.rsnap'", d, d), 0);
	/* openssl reads rsc's private key and derives the very public key file */
	ck_assert_int_eq(rsc("keygen --out '%s/r'", d), 0);
	ck_assert_int_eq(tu_sh("cd '%s' && openssl pkey -in r.key -pubout -out r2.pub && "
			       "cmp r.pub r2.pub", d), 0);
	ck_assert_int_eq(tu_sh("cd '%s' && openssl pkey -pubin -in r.pub -noout", d), 0);
	/* and the fixture key's public half was written by openssl */
	ck_assert_int_eq(tu_sh("openssl pkey -in " KEY " -pubout | cmp - " PUB), 0);
}
END_TEST

START_TEST(invalid_ruleset_writes_nothing)
{
	char *d = fixture_repo("compile-invalid");
	char repo[1024];
	snprintf(repo, sizeof repo, "%s/repo", d);
	tu_write(repo, "environments/dev/new-checkout.yaml", "enabeld: true\ndefault: on\n");
	tu_git_commit(repo, "typo", T0 + 60);
	tu_write(d, "out/dev.rsnap", "old");
	ck_assert_int_eq(rsc("compile --root '%s' --key " KEY " --out '%s/out'", repo, d), 1);
	ck_assert_str_eq(out_, "");
	char want[4096];
	snprintf(want, sizeof want,
		 "%s/environments/dev/new-checkout.yaml:1:1: error: unknown key 'enabeld' in "
		 "targeting; did you mean 'enabled'?\n"
		 "  enabeld: true\n  ^\n"
		 "%s (HEAD): 1 error; nothing written\n", repo, repo);
	ck_assert_str_eq(err_, want);
	size_t n;
	char *old = (char *)slurp(d, "out/dev.rsnap", &n);
	ck_assert_str_eq(old, "old");
	free(old);
	ck_assert_int_eq(tu_sh("test \"$(ls -A '%s/out')\" = dev.rsnap", d), 0);
}
END_TEST

/* What validate accepts, every node opens: the compiler reads SemVer and
 * RFC 3339 with the loader's grammar, so a version over 2^64 or a fraction
 * of a second is an error at file:line:col, not a signed snapshot that
 * nodes refuse or a time silently cut. */
START_TEST(validate_refuses_what_the_loader_would)
{
	char *d = fixture_repo("compile-grammar");
	char repo[1024];
	snprintf(repo, sizeof repo, "%s/repo", d);
	tu_write(repo, "environments/dev/new-checkout.yaml",
		 "enabled: true\nrules:\n  - name: r\n    when:\n      attribute: v\n"
		 "      semver_gte: \"18446744073709551616.0.0\"\n    serve: on\n"
		 "  - name: t\n    when:\n      attribute: t\n"
		 "      after: 2026-01-01T00:00:00.500Z\n    serve: on\ndefault: off\n");
	ck_assert_int_eq(rsc("validate --root '%s' --worktree", repo), 1);
	char want[4096];
	snprintf(want, sizeof want,
		 "%s/environments/dev/new-checkout.yaml:6:19: error: semantic version "
		 "'18446744073709551616.0.0' for 'semver_gte' is out of range: MAJOR, MINOR "
		 "and PATCH are each at most 18446744073709551615\n"
		 "        semver_gte: \"18446744073709551616.0.0\"\n"
		 "                    ^\n"
		 "%s/environments/dev/new-checkout.yaml:11:14: error: time "
		 "'2026-01-01T00:00:00.500Z' for 'after' has fractional seconds '.500'; the "
		 "ruleset's times are whole seconds: write 2026-01-01T00:00:00Z or "
		 "2026-01-01T00:00:01Z\n"
		 "        after: 2026-01-01T00:00:00.500Z\n"
		 "               ^\n", repo, repo);
	ck_assert_msg(strncmp(err_, want, strlen(want)) == 0, "got:\n%s\nwant:\n%s", err_,
		      want);
}
END_TEST

/* The last rsc compile refused d/out/<env>.rsnap, a directory, and wrote
 * nothing. */
static void assert_directory_refused(const char *d, const char *env)
{
	char want[2048];
	snprintf(want, sizeof want, "rsc compile: cannot replace the directory "
		 "%s/out/%s.rsnap: Is a directory; nothing written\n", d, env);
	ck_assert_str_eq(err_, want);
	ck_assert_str_eq(out_, "");
}

START_TEST(failed_write_leaves_no_partial_file)
{
	char *d = fixture_repo("compile-failwrite");
	/* prod.rsnap is a directory: refused while staging, before dev.rsnap
	 * (written first) is replaced, so the set stays consistent */
	ck_assert_int_eq(tu_sh("mkdir -p '%s/out/prod.rsnap'", d), 0);
	tu_write(d, "out/dev.rsnap", "old");
	ck_assert_int_eq(rsc("compile --root '%s/repo' --key " KEY " --out '%s/out'", d, d), 3);
	assert_directory_refused(d, "prod");
	ck_assert_int_eq(tu_sh("test \"$(ls -A '%s/out' | tr '\\n' ' ')\" = 'dev.rsnap prod.rsnap ' "
			       "&& test -d '%s/out/prod.rsnap' && "
			       "test -z \"$(ls -A '%s/out/prod.rsnap')\"", d, d, d), 0);
	size_t n;
	char *old = (char *)slurp(d, "out/dev.rsnap", &n);
	ck_assert_str_eq(old, "old");
	free(old);

	if (geteuid() != 0) { /* root writes into read-only directories */
		ck_assert_int_eq(tu_sh("mkdir -p '%s/ro' && chmod 0555 '%s/ro'", d, d), 0);
		ck_assert_int_eq(rsc("compile --root '%s/repo' --key " KEY " --out '%s/ro'", d, d), 3);
		ck_assert_int_eq(tu_sh("test -z \"$(ls -A '%s/ro')\" && chmod 0755 '%s/ro'", d, d), 0);
	}
}
END_TEST

/* Snapshots are staged one at a time as they are built (one in memory at
 * a time): when the second of three environments fails, the first one's
 * staged file is removed, the third is never written, and the older
 * snapshots in place stay as they were. */
START_TEST(failure_in_second_environment_leaves_older_snapshots)
{
	char *d = fixture_repo("compile-second-fails");
	char repo[1024];
	snprintf(repo, sizeof repo, "%s/repo", d);
	tu_write(repo, "rulestead.yaml", "environments:\n  - dev\n  - staging\n  - prod\n"
		 "settings:\n  snapshot_ttl: 7d\n");
	tu_git_commit(repo, "Add a staging environment", T0 + 60);
	ck_assert_int_eq(rsc("compile --root '%s' --key " KEY " --out '%s/old'", repo, d), 0);
	ck_assert_int_eq(tu_sh("mkdir '%s/out' && cp '%s/old/dev.rsnap' '%s/old/prod.rsnap' "
			       "'%s/out/' && mkdir '%s/out/staging.rsnap'", d, d, d, d, d), 0);

	ck_assert_int_eq(tu_sh("sed -i 's/^enabled: true/enabled: false/' "
			       "'%s/environments/prod/new-checkout.yaml'", repo), 0);
	tu_git_commit(repo, "Turn new-checkout off in prod", T0 + 120);
	ck_assert_int_eq(rsc("compile --root '%s' --key " KEY " --out '%s/out'", repo, d), 3);
	assert_directory_refused(d, "staging");
	/* No temporary file left, nothing replaced. */
	ck_assert_int_eq(tu_sh("test \"$(ls -A '%s/out' | tr '\\n' ' ')\" = "
			       "'dev.rsnap prod.rsnap staging.rsnap '", d), 0);
	for (int i = 0; i < 2; i++) {
		const char *env = i ? "prod" : "dev";
		char a[2048], b[2048];
		snprintf(a, sizeof a, "%s/old/%s.rsnap", d, env);
		snprintf(b, sizeof b, "%s/out/%s.rsnap", d, env);
		assert_same_file(a, b);
	}

	/* The same compile writes all three once the way is clear. */
	ck_assert_int_eq(tu_sh("rmdir '%s/out/staging.rsnap'", d), 0);
	ck_assert_int_eq(rsc("compile --root '%s' --key " KEY " --out '%s/out'", repo, d), 0);
	ck_assert_int_eq(tu_sh("test \"$(ls -A '%s/out' | tr '\\n' ' ')\" = "
			       "'dev.rsnap prod.rsnap staging.rsnap '", d), 0);
	size_t na, nb;
	unsigned char *pa = slurp(d, "old/prod.rsnap", &na), *pb = slurp(d, "out/prod.rsnap", &nb);
	ck_assert_msg(na != nb || memcmp(pa, pb, na) != 0, "prod.rsnap was not replaced");
	free(pa);
	free(pb);
	free(d);
}
END_TEST

/* The remote URL is reduced to the repository's name: two clones of one
 * repository, however they were cloned, give the same bytes. */
START_TEST(same_bytes_from_any_clone)
{
	char *d = fixture_repo("compile-clones");
	char top[1024];
	ck_assert_ptr_nonnull(realpath(d, top));
	ck_assert_int_eq(tu_sh("cd '%s' && git clone -q 'file://%s/repo' c1 && "
			       "git clone -q '%s/repo/' c2 && git clone -q '%s/repo' c3 && "
			       "git clone -q '%s/repo' c4 && "
			       "git -C c3 remote set-url origin git@GitHub.com:o/r.git && "
			       "git -C c4 remote set-url origin https://ci:tok@github.com/o/r",
			       d, top, top, top, top), 0);
	for (int i = 1; i <= 4; i++)
		ck_assert_int_eq(rsc("compile --root '%s/c%d' --env prod --key " KEY
				     " --out '%s/out%d'", d, i, d, i), 0);
	char a[1200], b[1200];
	snprintf(a, sizeof a, "%s/out1/prod.rsnap", d);
	snprintf(b, sizeof b, "%s/out2/prod.rsnap", d);
	assert_same_file(a, b);
	snprintf(a, sizeof a, "%s/out3/prod.rsnap", d);
	snprintf(b, sizeof b, "%s/out4/prod.rsnap", d);
	assert_same_file(a, b);
	size_t n;
	unsigned char *s = slurp(d, "out1/prod.rsnap", &n);
	cbor_item_t *body = load_body(s, n);
	char want[1200];
	snprintf(want, sizeof want, "%s/repo", top);
	assert_text(get(get(body, "provenance"), "repo"), want);
	cbor_decref(&body);
	free(s);
	s = slurp(d, "out3/prod.rsnap", &n);
	body = load_body(s, n);
	assert_text(get(get(body, "provenance"), "repo"), "github.com/o/r");
	cbor_decref(&body);
	free(s);
}
END_TEST

/* ------------------------------------------------------------ versions */

#define V(t, n) ((uint64_t)(t) * 1024u + (n)) /* docs/snapshot-format.md */

/* Compiles rev of repo (prod only) into dir/tag without any override and
 * returns its version; the compile must succeed silently. */
static uint64_t version_at(const char *repo, const char *rev, const char *dir,
			   const char *tag)
{
	ck_assert_msg(rsc("compile --root '%s' --rev '%s' --env prod --key " KEY
			  " --out '%s/%s'", repo, rev, dir, tag) == 0, "%s: %s", rev, err_);
	ck_assert_str_eq(err_, "");
	char rel[256];
	snprintf(rel, sizeof rel, "%s/prod.rsnap", tag);
	size_t n;
	unsigned char *s = slurp(dir, rel, &n);
	cbor_item_t *body = load_body(s, n);
	uint64_t v = uint_of(get(body, "version"));
	cbor_decref(&body);
	free(s);
	return v;
}

/* Runs a git command in repo with both dates at second t. */
#define GIT_AT(repo, t, cmd)                                                       \
	ck_assert_int_eq(tu_sh("cd '%s' && GIT_AUTHOR_DATE='@%ld +0000' "          \
			       "GIT_COMMITTER_DATE='@%ld +0000' " cmd " >/dev/null", \
			       (repo), (long)(t), (long)(t)), 0)

static void edit(const char *repo, const char *flag, const char *variant)
{
	char rel[256], text[256];
	snprintf(rel, sizeof rel, "environments/prod/%s.yaml", flag);
	snprintf(text, sizeof text, "enabled: true\ndefault: %s\n", variant);
	tu_write(repo, rel, text);
}

/* A three-commit branch rebased onto main within one second and merged
 * fast-forward (a rebase merge): every commit compiles, no override, each
 * version above the one before. */
START_TEST(rebased_branch_in_one_second)
{
	char *d = fixture_repo("version-rebase");
	char repo[1024];
	snprintf(repo, sizeof repo, "%s/repo", d);
	ck_assert_int_eq(tu_sh("git -C '%s' checkout -q -b topic", repo), 0);
	edit(repo, "search-tuning", "aggressive");
	tu_git_commit(repo, "topic 1", T0 + 10);
	edit(repo, "max-items", "small");
	tu_git_commit(repo, "topic 2", T0 + 20);
	edit(repo, "new-checkout", "on");
	tu_git_commit(repo, "topic 3", T0 + 30);
	ck_assert_int_eq(tu_sh("git -C '%s' checkout -q main", repo), 0);
	edit(repo, "payments-api-v2", "off");
	tu_git_commit(repo, "main moves on", T0 + 40);
	GIT_AT(repo, T0 + 100, "git rebase -q main topic && git checkout -q main && "
	       "git merge -q --ff-only topic");
	ck_assert_int_eq(tu_sh("test \"$(git -C '%s' log --format=%%ct main~3..main | "
			       "sort -u)\" = %ld", repo, T0 + 100), 0);

	ck_assert_uint_eq(version_at(repo, "main~3", d, "m3"), V(T0 + 40, 0));
	ck_assert_uint_eq(version_at(repo, "main~2", d, "m2"), V(T0 + 100, 0));
	ck_assert_uint_eq(version_at(repo, "main~1", d, "m1"), V(T0 + 100, 1));
	ck_assert_uint_eq(version_at(repo, "main", d, "m0"), V(T0 + 100, 2));
	ck_assert_ptr_nonnull(strstr(out_, "prod.rsnap: prod, version 1809639116802, "));
}
END_TEST

/* A merge commit (--no-ff) and a revert, both in the second of main's
 * previous commit, then a merge in a later second: versions increase. */
START_TEST(merge_and_revert_in_one_second)
{
	char *d = fixture_repo("version-merge");
	char repo[1024];
	snprintf(repo, sizeof repo, "%s/repo", d);
	ck_assert_int_eq(tu_sh("git -C '%s' checkout -q -b feature", repo), 0);
	edit(repo, "search-tuning", "aggressive");
	tu_git_commit(repo, "feature", T0 + 5);
	ck_assert_int_eq(tu_sh("git -C '%s' checkout -q main", repo), 0);
	edit(repo, "max-items", "small");
	tu_git_commit(repo, "main", T0 + 10);
	GIT_AT(repo, T0 + 10, "git merge -q --no-ff -m 'Merge feature' feature");
	GIT_AT(repo, T0 + 10, "git revert --no-edit HEAD~1");
	/* the revert undid main's change to max-items, not the feature's */
	ck_assert_int_eq(tu_sh("cd '%s' && git diff --quiet HEAD~3 HEAD -- "
			       "environments/prod/max-items.yaml && ! git diff --quiet "
			       "HEAD~3 HEAD -- environments/prod/search-tuning.yaml", repo), 0);

	ck_assert_uint_eq(version_at(repo, "HEAD~3", d, "a"), V(T0, 0));
	ck_assert_uint_eq(version_at(repo, "HEAD~2", d, "b"), V(T0 + 10, 0));
	ck_assert_uint_eq(version_at(repo, "HEAD~1^2", d, "f"), V(T0 + 5, 0));
	ck_assert_uint_eq(version_at(repo, "HEAD~1", d, "m"), V(T0 + 10, 1)); /* merge */
	ck_assert_uint_eq(version_at(repo, "HEAD", d, "r"), V(T0 + 10, 2));   /* revert */
	/* a merge in a later second, of a branch older than everything */
	GIT_AT(repo, T0 + 1, "git checkout -q -b later HEAD~3 && git commit -q "
	       "--allow-empty -m later && git checkout -q main");
	GIT_AT(repo, T0 + 20, "git merge -q --no-ff -m 'Merge later' later");
	ck_assert_uint_eq(version_at(repo, "HEAD", d, "l"), V(T0 + 20, 0));
}
END_TEST

/* A force-push that rewinds main: the older commit compiles to its old,
 * smaller version, and a node that served the newer one refuses it as a
 * rollback and keeps serving the newer.  A rewrite to new commits gets
 * higher versions: a new history the node accepts. */
START_TEST(rewound_main_is_refused_by_a_node)
{
	char *d = fixture_repo("version-rewind");
	char repo[1024], node[1200], path[1300];
	snprintf(repo, sizeof repo, "%s/repo", d);
	snprintf(node, sizeof node, "%s/node", d);
	snprintf(path, sizeof path, "%s/prod.rsnap", node);
	edit(repo, "search-tuning", "aggressive");
	tu_git_commit(repo, "aggressive", T0 + 60);
	ck_assert_uint_eq(version_at(repo, "HEAD", d, "new"), V(T0 + 60, 0));
	ck_assert_int_eq(tu_sh("mkdir '%s' && cp '%s/new/prod.rsnap' '%s'", node, d, path), 0);

	rsl_keyring *kr = NULL;
	rsl_error e;
	ck_assert_int_eq(rsl_keyring_new(&kr), RSL_OK);
	ck_assert_int_eq(rsl_keyring_add_pem_file(kr, PUB, &e), RSL_OK);
	rsl_client_options o = RSL_CLIENT_OPTIONS_INIT;
	o.keys = kr;
	o.environment = "prod";
	o.flags = RSL_CLIENT_NO_THREAD;
	rsl_client *c = NULL;
	ck_assert_int_eq(rsl_client_new(&c, path, &o, &e), RSL_OK);
	rsl_client_status st;
	rsl_client_status_get(&st, c);
	ck_assert_uint_eq(st.version, V(T0 + 60, 0));

	ck_assert_int_eq(tu_sh("git -C '%s' reset -q --hard HEAD~1", repo), 0);
	ck_assert_uint_eq(version_at(repo, "HEAD", d, "old"), V(T0, 0));
	ck_assert_int_eq(tu_sh("cp '%s/old/prod.rsnap' '%s.t' && mv -f '%s.t' '%s'", d, path,
			       path, path), 0);
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_EROLLBACK);
	rsl_client_status_get(&st, c);
	ck_assert_uint_eq(st.version, V(T0 + 60, 0));
	ck_assert_int_eq(st.last_code, RSL_EROLLBACK);
	char want[256];
	snprintf(want, sizeof want, "version %llu (commit ",
		 (unsigned long long)V(T0, 0));
	ck_assert_msg(strstr(st.last_error, want), "%s", st.last_error);

	/* the rewritten history's next commit is newer than anything served */
	edit(repo, "search-tuning", "baseline");
	tu_git_commit(repo, "rewritten", T0 + 120);
	ck_assert_uint_eq(version_at(repo, "HEAD", d, "rewrite"), V(T0 + 120, 0));
	ck_assert_int_eq(tu_sh("cp '%s/rewrite/prod.rsnap' '%s.t' && mv -f '%s.t' '%s'", d,
			       path, path, path), 0);
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_OK);
	rsl_client_status_get(&st, c);
	ck_assert_uint_eq(st.version, V(T0 + 120, 0));
	rsl_client_free(c);
	rsl_keyring_free(kr);
}
END_TEST

/* A committer clock that went backwards gives a version not above the
 * parent's: refused, saying so; --allow-nonincreasing-version compiles it
 * with a warning naming both versions. */
START_TEST(clock_going_backwards_is_refused)
{
	char *d = fixture_repo("version-clock");
	char repo[1024];
	snprintf(repo, sizeof repo, "%s/repo", d);
	edit(repo, "search-tuning", "aggressive");
	tu_git_commit(repo, "Committed with a slow clock", T0 - 3600);
	char *head = git_head(repo);
	char *parent = NULL, cmd[1200];
	snprintf(cmd, sizeof cmd, "git -C '%s' rev-parse HEAD~1", repo);
	ck_assert_int_eq(tu_run(cmd, &parent, NULL), 0);
	ck_assert_int_eq(rsc("compile --root '%s' --key " KEY " --out '%s/out'", repo, d), 1);
	char want[2048];
	snprintf(want, sizeof want,
		 "error: commit %.7s's committer time 2025-12-31T23:00:00Z is before its "
		 "parent %.7s's (2026-01-01T00:00:00Z): its version 1809635328001 would not "
		 "be above the parent's 1809639014400; fix the committer clock and "
		 "re-commit (git commit --amend --no-edit --date=now, or an empty commit)\n"
		 "%s (HEAD): 1 error; nothing written\n", head, parent, repo);
	ck_assert_str_eq(err_, want);
	ck_assert_str_eq(out_, "");
	snprintf(cmd, sizeof cmd, "%s/out", d);
	ck_assert_int_ne(access(cmd, F_OK), 0);
	/* JSON says so too, on stdout */
	ck_assert_int_eq(rsc("compile --root '%s' --key " KEY " --out '%s/out' --format json",
			     repo, d), 1);
	ck_assert_ptr_nonnull(strstr(out_, "{\"diagnostics\":[{\"severity\":\"error\","
				     "\"file\":\"\",\"line\":0,\"column\":0,\"message\":\"commit "));
	/* the override compiles it, loudly */
	ck_assert_int_eq(rsc("compile --root '%s' --env prod --key " KEY " --out '%s/out' "
			     "--allow-nonincreasing-version", repo, d), 0);
	snprintf(want, sizeof want,
		 "warning: --allow-nonincreasing-version: commit %.7s's version "
		 "1809635328001 is not above its parent %.7s's 1809639014400: nodes that "
		 "served the parent's snapshot will refuse this one as a rollback unless "
		 "they are reset\n", head, parent);
	ck_assert_str_eq(err_, want);
	ck_assert_ptr_nonnull(strstr(out_, "prod.rsnap: prod, version 1809635328001, "));
	/* the next commit, in the same second: above both, no override */
	tu_git_commit(repo, "Same second", T0 - 3600);
	ck_assert_uint_eq(version_at(repo, "HEAD", d, "next"), V(T0 - 3600, 2));
	free(parent);
	free(head);
}
END_TEST

/* A clone that lacks the history the version needs is refused, never
 * guessed: depth 1 always (the parent's time is needed), depth 2 when HEAD
 * and its parent share a second.  The override does not skip it. */
START_TEST(too_shallow_a_clone_is_refused)
{
	char *d = fixture_repo("version-shallow");
	char repo[1024], top[1024];
	snprintf(repo, sizeof repo, "%s/repo", d);
	ck_assert_ptr_nonnull(realpath(d, top));
	edit(repo, "search-tuning", "aggressive");
	tu_git_commit(repo, "one", T0 + 60);
	edit(repo, "max-items", "small");
	tu_git_commit(repo, "two, same second", T0 + 60);
	char *head = git_head(repo);
	static const char *const depth_[] = { "1", "2" };
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(tu_sh("cd '%s' && git clone -q --depth %s 'file://%s/repo' "
				       "d%s", top, depth_[i], top, depth_[i]), 0);
		char want[2048];
		snprintf(want, sizeof want,
			 "error: the clone is too shallow to compute the version of commit "
			 "%.7s: fetch more history (git fetch --deepen=N, or fetch-depth: 0 "
			 "in CI)\n%s/d%s (HEAD): 1 error; nothing written\n", head, top,
			 depth_[i]);
		ck_assert_int_eq(rsc("compile --root '%s/d%s' --key " KEY " --out '%s/o' "
				     "--allow-nonincreasing-version", top, depth_[i], d), 1);
		ck_assert_str_eq(err_, want);
	}
	/* one commit more is enough, and gives the version of the full clone */
	ck_assert_int_eq(tu_sh("git -C '%s/d2' fetch -q --deepen=1", top), 0);
	char deep[1200];
	snprintf(deep, sizeof deep, "%s/d2", top);
	ck_assert_uint_eq(version_at(deep, "HEAD", d, "deep"), V(T0 + 60, 1));
	ck_assert_uint_eq(version_at(repo, "HEAD", d, "full"), V(T0 + 60, 1));
	/* depth 2 is enough for a commit in a later second than its parent */
	tu_git_commit(repo, "three, later", T0 + 61);
	ck_assert_int_eq(tu_sh("cd '%s' && git clone -q --depth 2 'file://%s/repo' d3",
			       top, top), 0);
	snprintf(deep, sizeof deep, "%s/d3", top);
	ck_assert_uint_eq(version_at(deep, "HEAD", d, "d3"), V(T0 + 61, 0));
	free(head);
}
END_TEST

/* 1024 first-parent commits in one second fill the second; one more is
 * refused (a later second is needed). */
START_TEST(a_second_holds_1024_versions)
{
	char *d = fixture_repo("version-crowd");
	char repo[1024];
	snprintf(repo, sizeof repo, "%s/repo", d);
	/* 1025 empty commits at T0 + 1 on top of the one at T0, on branch crowd */
	ck_assert_int_eq(tu_sh("cd '%s' && base=$(git rev-parse HEAD) && i=0 && "
			       "while [ $i -lt 1025 ]; do "
			       "printf 'commit refs/heads/crowd\\ncommitter C <c@example.com> "
			       "%ld +0000\\ndata 0\\n'; "
			       "[ $i = 0 ] && printf 'from %%s\\n' \"$base\"; printf '\\n'; "
			       "i=$((i + 1)); done | git fast-import --quiet", repo, T0 + 1), 0);
	ck_assert_uint_eq(version_at(repo, "crowd~1", d, "last"), V(T0 + 1, 1023));
	char *id = NULL, cmd[1200], want[2048];
	snprintf(cmd, sizeof cmd, "git -C '%s' rev-parse crowd", repo);
	ck_assert_int_eq(tu_run(cmd, &id, NULL), 0);
	ck_assert_int_eq(rsc("compile --root '%s' --rev crowd --key " KEY " --out '%s/o'",
			     repo, d), 1);
	snprintf(want, sizeof want,
		 "error: commit %.7s follows 1024 first-parent commits made in the same "
		 "second (or later): a version has room for 1024 commits a second; "
		 "re-commit it a second later (git commit --amend --no-edit --date=now)\n"
		 "%s (crowd): 1 error; nothing written\n", id, repo);
	ck_assert_str_eq(err_, want);
	free(id);
}
END_TEST

/* json and github output keep stdout machine-readable. */
START_TEST(json_output_keeps_stdout_clean)
{
	char *d = fixture_repo("compile-json");
	ck_assert_int_eq(rsc("compile --root '%s/repo' --key " KEY " --out '%s/out/' "
			     "--format json", d, d), 0);
	ck_assert_str_eq(out_, "{\"diagnostics\":[],\"errors\":0,\"warnings\":0}\n");
	char want[4096];
	snprintf(want, sizeof want,
		 "%s/out/dev.rsnap: dev, version 1809639014400, commit e8ae6e37a10c, 6 flags, "
		 "%s bytes, key 65b60673d6ed884b\n", d, "3168");
	ck_assert_msg(strncmp(err_, want, strlen(want)) == 0, "%s", err_);
	ck_assert_int_eq(rsc("compile --root '%s/repo' --key " KEY " --out '%s/out' "
			     "--format github", d, d), 0);
	ck_assert_str_eq(out_, "");
	ck_assert_ptr_nonnull(strstr(err_, "/out/prod.rsnap: prod, version 1809639014400"));
	/* --out given twice is a mistake, not "the last one wins" */
	ck_assert_int_eq(rsc("compile --root '%s/repo' --key " KEY " --out '%s/a' --out '%s/b'",
			     d, d, d), 2);
	snprintf(want, sizeof want, "rsc compile: --out given twice ('%s/a', '%s/b')\n"
		 "Try 'rsc compile --help'.\n", d, d);
	ck_assert_str_eq(err_, want);
}
END_TEST

START_TEST(worktree_and_environment_choice)
{
	char *d = fixture_repo("compile-worktree");
	ck_assert_int_eq(rsc("compile --root '%s/repo' --worktree --key " KEY " --out '%s/out'",
			     d, d), 2);
	ck_assert_str_eq(err_, "rsc compile: environment 'prod' is protected: compile it "
			 "from a commit (--rev), not --worktree; or name others with --env\n"
			 "Try 'rsc compile --help'.\n");
	ck_assert_int_eq(rsc("compile --root '%s/repo' --env staging --key " KEY
			     " --out '%s/out'", d, d), 2);
	ck_assert_str_eq(err_, "rsc compile: unknown environment 'staging'; the ruleset "
			 "has dev, prod\nTry 'rsc compile --help'.\n");
	char p[1024];
	snprintf(p, sizeof p, "%s/out", d);
	ck_assert_int_ne(access(p, F_OK), 0);

	ck_assert_int_eq(rsc("compile --root '%s/repo' --worktree --env dev --key " KEY
			     " --out '%s/out'", d, d), 0);
	size_t n;
	unsigned char *s = slurp(d, "out/dev.rsnap", &n);
	cbor_item_t *body = load_body(s, n);
	ck_assert_uint_eq(uint_of(get(body, "version")), 0);
	ck_assert_ptr_null(get(body, "expires_at"));
	assert_text(get(get(body, "provenance"), "commit"), "worktree");
	cbor_decref(&body);
	free(s);
	snprintf(p, sizeof p, "%s/out/prod.rsnap", d);
	ck_assert_int_ne(access(p, F_OK), 0);
}
END_TEST

START_TEST(inspect_shows_everything_readably)
{
	ck_assert_int_eq(rsc("inspect tests/golden/prod.rsnap"), 0);
	static const char *const lines[] = {
		"tests/golden/prod.rsnap: 4985 bytes; signature not checked (use rsc verify)\n",
		"  alg          -8 (EdDSA)\n  kid          65b60673d6ed884b\n",
		"  env          prod\n  version      1809639014400\n",
		"  expires_at   1767830400  (2026-01-08T00:00:00Z)\n",
		"  repo         example.com/r\n",
		"  path         (repository top)\n",
		"  staff: email ends_with \"@example.com\" (case-insensitive)\n",
		"  beta-testers: any(beta_opt_in eq true, segment staff)\n",
		"      when all(country in [DE, AT, CH], not(app_version semver_lt \"2.3.0\"), "
		"signup_time after 2026-01-01T00:00:00Z)\n"
		"      serve split by targeting_key: on 20%, off 80%\n",
		"    requires payments-api-v2 = on\n",
		"    default (line 24): off\n",
		"      when any(seats >= 100, score < 0.75, plan exists true)\n",
		"      from 2026-12-08T08:00:00Z: large\n",
		"    [1] aggressive = {\"boost_title\":3.5,\"stopwords\":[\"a\",\"an\",\"the\"]}\n",
		"    [1] large = -1000000\n",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		ck_assert_msg(strstr(out_, lines[i]) != NULL, "missing: %s\nin:\n%s", lines[i], out_);
	ck_assert_int_eq(rsc("inspect tests/golden/dev.rsnap"), 0);
	ck_assert_ptr_nonnull(strstr(out_, "    [1] some = 0.1\n"));
	ck_assert_ptr_nonnull(strstr(out_, "    DISABLED (kill switch): serves the off variant\n"));
	ck_assert_ptr_nonnull(strstr(out_, "split by tenant_key: control 33.334%, green 66.666%\n"));

	ck_assert_int_eq(rsc("inspect --format json tests/golden/prod.rsnap"), 0);
	const char *head = "{\"file\":\"tests/golden/prod.rsnap\",\"size\":4985,"
			   "\"signature_checked\":false,\"protected\":{\"alg\":-8,"
			   "\"kid\":\"65b60673d6ed884b\"},\"signature\":\"";
	ck_assert_int_eq(strncmp(out_, head, strlen(head)), 0);
	ck_assert_ptr_nonnull(strstr(out_, ",\"body\":{\"env\":\"prod\",\"flags\":[{\"key\":"
				     "\"button-color\","));
	ck_assert_ptr_nonnull(strstr(out_, "\"variants\":[[\"none\",0.0],[\"some\",0.1],"
				     "[\"half\",0.5]]"));

	/* codes by name */
	ck_assert_ptr_nonnull(strstr(out_, "\"op\":\"semver_lt\""));
	ck_assert_ptr_nonnull(strstr(out_, "\"op\":\"all\""));
	ck_assert_ptr_nonnull(strstr(out_, "\"type\":\"string\""));
	ck_assert_ptr_nonnull(strstr(out_, "\"kind\":\"variant\""));
	ck_assert_ptr_nonnull(strstr(out_, "\"kind\":\"split\""));
	ck_assert_ptr_null(strstr(out_, "\"op\":1"));
	ck_assert_ptr_null(strstr(out_, "\"type\":1"));
	ck_assert_ptr_null(strstr(out_, "\"kind\":0"));

	ck_assert_int_eq(rsc("inspect " KEY), 1);
	ck_assert_str_eq(err_, "rsc inspect: " KEY ": not a COSE_Sign1 message (it must "
			 "start with 0xd2, CBOR tag 18)\n");
	ck_assert_int_eq(rsc("inspect tests/golden/none.rsnap"), 3);
	ck_assert_int_eq(rsc("inspect --format yaml tests/golden/prod.rsnap"), 2);
}
END_TEST

/* rsc explain's command line: a trusted key is required, a context that
 * does not fit is explained, attribute names follow the spec. */
START_TEST(explain_says_what_is_wrong)
{
	const char *snap = "tests/golden/prod.rsnap";
	ck_assert_int_eq(rsc("explain --snapshot %s --flag button-color", snap), 2);
	ck_assert_str_eq(err_, "rsc explain: no trusted key: give --pub FILE\n"
			 "Try 'rsc explain --help'.\n");
	ck_assert_int_eq(rsc("explain --snapshot %s --pub " PUB " --flag button-color "
			     "environment=dev", snap), 1);
	ck_assert_str_eq(err_, "rsc explain: context environment 'dev' does not match the "
			 "snapshot's 'prod'\n");
	ck_assert_str_eq(out_, "");
	ck_assert_int_eq(rsc("explain --snapshot %s --pub " PUB " --flag button-color "
			     "environment=prod targeting_key=u", snap), 0);
	ck_assert_int_eq(rsc("explain --snapshot %s --pub " PUB " --flag button-color "
			     "'a b=1'", snap), 2);
	ck_assert_str_eq(err_, "rsc explain: 'a b' in 'a b=1' is not an attribute name: an "
			 "attribute name is 1 to 64 letters, digits, '_', '-' and '.', starting "
			 "with a letter or '_'\nTry 'rsc explain --help'.\n");
	ck_assert_int_eq(rsc("explain --snapshot %s --pub " PUB " --flag button-color "
			     "--context '{\"1st\": true}'", snap), 2);
	ck_assert_str_eq(err_, "rsc explain: --context: at offset 1: key \"1st\" is not an "
			 "attribute name: an attribute name is 1 to 64 letters, digits, '_', "
			 "'-' and '.', starting with a letter or '_'\nTry 'rsc explain --help'.\n");
	ck_assert_int_eq(rsc("explain --snapshot %s --pub " PUB " --flag button-color "
			     "user.plan-tier_2=pro _x=1", snap), 0);
	ck_assert_int_eq(rsc("explain --snapshot %s --pub " KEY " --flag button-color", snap), 3);
	ck_assert_str_eq(err_, "rsc explain: --pub " KEY ": this is a private key; verifying "
			 "needs the public key (the .pub file of rsc keygen, not the .key)\n");
}
END_TEST

START_TEST(every_command_has_help)
{
	static const char *const cmds[] = { "compile", "keygen", "verify", "inspect" };
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(rsc("%s --help", cmds[i]), 0);
		char want[64];
		snprintf(want, sizeof want, "usage: rsc %s ", cmds[i]);
		ck_assert_int_eq(strncmp(out_, want, strlen(want)), 0);
		ck_assert_ptr_nonnull(strstr(out_, "Exit status: 0 "));
		ck_assert_ptr_nonnull(strstr(out_, "Example:  "));
	}
}
END_TEST

static void private_key_copy(void)
{
	ck_assert_int_eq(tu_sh("mkdir -p tests/tmp/keys && cp tests/fixtures/compile/test.key "
			       KEY " && chmod 600 " KEY), 0);
}

Suite *compile_suite(void);

Suite *compile_suite(void)
{
	Suite *s = suite_create("compile");
	TCase *tc = tcase_create("compile");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, private_key_copy, NULL);
	tcase_add_test(tc, golden_bytes);
	tcase_add_test(tc, same_bytes_in_any_time_zone_and_locale);
	tcase_add_test(tc, payload_is_canonical_and_reads_back);
	tcase_add_test(tc, revert_gets_a_higher_version_and_the_old_content);
	tcase_add_test(tc, signing_key_from_the_environment);
	tcase_add_test(tc, signing_key_is_one_private_key);
	tcase_add_test(tc, invalid_ruleset_writes_nothing);
	tcase_add_test(tc, validate_refuses_what_the_loader_would);
	tcase_add_test(tc, failed_write_leaves_no_partial_file);
	tcase_add_test(tc, failure_in_second_environment_leaves_older_snapshots);
	tcase_add_test(tc, same_bytes_from_any_clone);
	tcase_add_test(tc, rebased_branch_in_one_second);
	tcase_add_test(tc, merge_and_revert_in_one_second);
	tcase_add_test(tc, rewound_main_is_refused_by_a_node);
	tcase_add_test(tc, clock_going_backwards_is_refused);
	tcase_add_test(tc, too_shallow_a_clone_is_refused);
	tcase_add_test(tc, a_second_holds_1024_versions);
	tcase_add_test(tc, json_output_keeps_stdout_clean);
	tcase_add_test(tc, worktree_and_environment_choice);
	suite_add_tcase(s, tc);
	tc = tcase_create("keys");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, private_key_copy, NULL);
	tcase_add_test(tc, verify_accepts_good_and_refuses_tampered);
	tcase_add_test(tc, issued_at_renews_freshness);
	tcase_add_test(tc, keygen_keys_compile_and_verify);
	tcase_add_test(tc, openssl_keys_work_both_ways);
	suite_add_tcase(s, tc);
	tc = tcase_create("inspect");
	tcase_add_unchecked_fixture(tc, private_key_copy, NULL);
	tcase_add_test(tc, inspect_shows_everything_readably);
	tcase_add_test(tc, explain_says_what_is_wrong);
	tcase_add_test(tc, every_command_has_help);
	suite_add_tcase(s, tc);
	return s;
}
