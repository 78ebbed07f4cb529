/*
 * check_open.c - opening snapshots (loader/open.c): the checks on the
 * file, the COSE_Sign1 envelope, keys and signatures, and survival of
 * truncated and mutated input.  Snapshots are made by hand (snapfix.h);
 * integration tests with `rsc compile` run when build/rsc exists.  The
 * body's decoding is check_decode.c, the keyring check_keys.c.
 */
#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rsl.h"
#include "snapfix.h"
#include "testutil.h"

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
	ck_assert_str_eq(RSL__S(RSL__AT(rsl__variant, s->flags[4].variants)[1].value.s), "{\"bg\":\"#fff\"}");
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
	char *d = edit(BASE, "'format': 1", "'format': 3");
	uint8_t *p = enc(d, &pn);
	f = cose(p, pn, &k, &n);
	open_err(f, n, kr, "prod", RSL_EVERSION, "payload: snapshot format 3 is "
		 "not supported (this library reads formats 1 and 2)");
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
	o.max_size = 0;
	/* Flags: one way to get the bytes. */
	o.flags = RSL_OPEN_READ | RSL_OPEN_MMAP;
	ck_assert_int_eq(rsl_open_buffer(&s, f, n, &o, &err), RSL_EINVAL);
	ck_assert_str_eq(err.message, "RSL_OPEN_READ and RSL_OPEN_MMAP together: choose one");
	o.flags = 0x10;
	ck_assert_int_eq(rsl_open_buffer(&s, f, n, &o, &err), RSL_EINVAL);
	ck_assert_str_eq(err.message, "unknown open flags 0x10 (known: RSL_OPEN_READ, "
			 "RSL_OPEN_MMAP)");
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
	/* Mapped instead of read; RSL_OPEN_READ, the default, still accepted. */
	o.flags = RSL_OPEN_MMAP;
	ck_assert_int_eq(rsl_open(&s, path, &o, &err), RSL_OK);
	rsl_close(s);
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
	/* Truncated, read and mapped. */
	char cut[4096];
	snprintf(cut, sizeof cut, "%s/cut.rsnap", dir);
	write_file(cut, f, n - 10, 0444);
	ck_assert_int_eq(rsl_open(&s, cut, &o, &err), RSL_EFORMAT);
	ck_assert_str_eq(err.message, "not a COSE_Sign1 snapshot: signature: "
			 "truncated: an item runs past the end");
	o.flags = RSL_OPEN_MMAP;
	ck_assert_int_eq(rsl_open(&s, cut, &o, &err), RSL_EFORMAT);
	free(f);
	rsl_keyring_free(kr);
}
END_TEST

/* The default open reads the file: a file truncated in place while it is
 * being opened is refused, never a SIGBUS that kills the host (what a
 * mapped file does).  A child opens a large snapshot again and again while
 * this process truncates and rewrites it in place. */
START_TEST(truncated_in_place_never_kills)
{
	tkey k;
	make_key(&k, 5);
	rsl_keyring *kr = ring(&k);
	size_t plen = (size_t)16 << 20, n;
	uint8_t *payload = calloc(1, plen); /* signed, then refused by the decoder */
	ck_assert_ptr_nonnull(payload);
	uint8_t *f = cose(payload, plen, &k, &n);
	free(payload);
	const char *dir = tu_tmpdir("open-truncate");
	char path[4096];
	snprintf(path, sizeof path, "%s/prod.rsnap", dir);
	write_file(path, f, n, 0644);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
		o.keys = kr;
		o.max_size = n;
		int bad = 0;
		time_t until = time(NULL) + 3;
		while (time(NULL) < until) {
			rsl_snapshot *s = NULL;
			rsl_error e;
			int rc = rsl_open(&s, path, &o, &e);
			rsl_close(s);
			bad |= rc != RSL_EIO && rc != RSL_EFORMAT && rc != RSL_ESIGNATURE;
		}
		_exit(bad ? 2 : 0);
	}
	int fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	int status = 0;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		usleep(3000); /* whole: the child maps or reads all of it */
		ck_assert_int_eq(ftruncate(fd, (off_t)n / 2), 0);
		usleep(300);
		ck_assert_int_eq(pwrite(fd, f, n, 0), (ssize_t)n);
	}
	close(fd);
	ck_assert_msg(!WIFSIGNALED(status), "the opening process died of signal %d",
		      WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	free(f);
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
		rsl_evaluate(&r, s, RSL__S(s->flags[i].key), t, &ctx, &fb);
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
			ck_assert_ptr_eq(rsl__find_flag(s, RSL__S(s->flags[i].key),
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
	TCase *tc;
	tc = tcase_create("envelope");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, opens_a_signed_buffer);
	tcase_add_test(tc, refuses_wrong_key_and_bad_signatures);
	tcase_add_test(tc, refuses_other_env_and_format_when_signed);
	tcase_add_test(tc, refuses_malformed_envelopes);
	tcase_add_test(tc, refuses_bad_arguments);
	tcase_add_test(tc, opens_files_and_checks_them_first);
	tcase_add_test(tc, truncated_in_place_never_kills);
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
