/*
 * check_keys.c - the trusted keys (loader/keys.c, read by loader/pem.c):
 * PEM and raw keys into a keyring, the key id, keys from openssl, and the
 * same answer and message from `rsc verify --pub` as from the library.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsl.h"
#include "snapfix.h"
#include "testutil.h"

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

	/* CRLF line ends and blank lines around the block are fine; text
	 * around it is not (pem_texts_are_strict below). */
	char crlf[512];
	snprintf(crlf, sizeof crlf, "\r\n-----BEGIN PUBLIC KEY-----\r\n%.60s"
		 "\r\n-----END PUBLIC KEY-----\r\n\r\n \n", pem + 27);
	ck_assert_int_eq(rsl_keyring_add_pem(kr, crlf, strlen(crlf), &err), RSL_OK);
	free(pem);

	static const char priv[] = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2Vw"
				   "BCIEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
				   "-----END PRIVATE KEY-----\n";
	ck_assert_int_eq(rsl_keyring_add_pem(kr, priv, strlen(priv), &err), RSL_EKEY);
	ck_assert_str_eq(err.message, "this is a private key; verifying needs the public "
			 "key (the .pub file of rsc keygen, not the .key)");
	ck_assert_int_eq(rsl_keyring_add_pem(kr, "hello", 5, &err), RSL_EKEY);
	ck_assert_str_eq(err.message, "not a PEM key: expected a line '-----BEGIN "
			 "PUBLIC KEY-----'");
	static const char noend[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n";
	ck_assert_int_eq(rsl_keyring_add_pem(kr, noend, strlen(noend), &err),
			 RSL_EKEY);
	ck_assert_str_eq(err.message, "a PEM key without its '-----END PUBLIC "
			 "KEY-----' line");
	static const char bad64[] = "-----BEGIN PUBLIC KEY-----\nMCow*QYDK2VwAyEA\n"
				    "-----END PUBLIC KEY-----\n";
	ck_assert_int_eq(rsl_keyring_add_pem(kr, bad64, strlen(bad64), &err),
			 RSL_EKEY);
	ck_assert_str_eq(err.message, "a PEM key whose base64 text is damaged");
	/* An X25519 key (OID 1.3.101.110) is not a signing key. */
	static const char x25519[] = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VuAyEA"
				     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
				     "-----END PUBLIC KEY-----\n";
	ck_assert_int_eq(rsl_keyring_add_pem(kr, x25519, strlen(x25519), &err),
			 RSL_EKEY);
	ck_assert_str_eq(err.message, "not an Ed25519 key: found an X25519 key "
			 "(algorithm OID 1.3.101.110); rsc signs with Ed25519 (rsc keygen, or "
			 "openssl genpkey -algorithm ed25519)");
	static const char shortkey[] = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2Vw"
				       "AyEA\n-----END PUBLIC KEY-----\n";
	ck_assert_int_eq(rsl_keyring_add_pem(kr, shortkey, strlen(shortkey), &err),
			 RSL_EKEY);
	ck_assert_str_eq(err.message, "not an Ed25519 public key (expected "
			 "SubjectPublicKeyInfo as `openssl pkey -pubout` writes)");
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
	snprintf(msg, sizeof msg, "%s: No such file or directory", path);
	ck_assert_str_eq(err.message, msg);
	tu_write(dir, "bad.pub", "nothing here\n");
	snprintf(path, sizeof path, "%s/bad.pub", dir);
	ck_assert_int_eq(rsl_keyring_add_pem_file(kr, path, &err), RSL_EKEY);
	snprintf(msg, sizeof msg, "%s: not a PEM key: expected a line '-----BEGIN "
		 "PUBLIC KEY-----'", path);
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

/* ------------------------------------------- one reader, one answer */

/* Runs `rsc verify --pub path` on a snapshot that does not exist: the key is
 * read first, so stderr says what rsc thinks of the key file. */
static int rsc_verify_pub(const char *path, char **err)
{
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "%s verify --pub '%s' tests/tmp/keys/none.rsnap",
		 RSC_BIN, path);
	return tu_run(cmd, NULL, err);
}

/* rsc had its own PEM reader, which took an indented key that every node
 * refused; now both read with loader/pem.c and say the same thing. */
START_TEST(indented_pem_same_answer_from_rsc_and_library)
{
	if (access(RSC_BIN, X_OK) != 0)
		return; /* rsc not built in this build directory */
	tkey k;
	make_key(&k, 7);
	char *pem = pem_of(k.pk);
	char *dir = tu_tmpdir("keys/indented");
	static const struct {
		const char *name, *fmt, *why;
	} cases[] = {
		{ "begin.pub", "  %s", "line 1: '  -----BEGIN PUBLIC KEY-----' is indented: "
				       "a PEM line starts in its first column (RFC 7468)" },
		{ "body.pub", "%.27s\t%s", "line 2: an indented line inside the PEM block: a "
					   "PEM line starts in its first column (RFC 7468)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[512], path[4096], want[4400];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(text, sizeof text, cases[i].fmt, pem, pem + 27);
#pragma GCC diagnostic pop
		tu_write(dir, cases[i].name, text);
		snprintf(path, sizeof path, "%s/%s", dir, cases[i].name);
		snprintf(want, sizeof want, "%s: %s", path, cases[i].why);

		rsl_keyring *kr = ring(NULL);
		rsl_error err = { 0, "" };
		ck_assert_int_eq(rsl_keyring_add_pem_file(kr, path, &err), RSL_EKEY);
		ck_assert_str_eq(err.message, want);
		rsl_keyring_free(kr);

		char *errs = NULL, line[4600];
		ck_assert_int_eq(rsc_verify_pub(path, &errs), 3);
		snprintf(line, sizeof line, "rsc verify: --pub %s\n", want);
		ck_assert_str_eq(errs, line);
		free(errs);
	}
	free(pem);
}
END_TEST

START_TEST(junk_around_a_pem_block_is_refused)
{
	tkey k;
	make_key(&k, 7);
	char *pem = pem_of(k.pk);
	rsl_keyring *kr = ring(NULL);
	rsl_error err = { 0, "" };
	char text[1024];
	snprintf(text, sizeof text, "hello\n%s", pem);
	ck_assert_int_eq(rsl_keyring_add_pem(kr, text, strlen(text), &err), RSL_EKEY);
	ck_assert_str_eq(err.message, "line 1: 'hello' before the PEM block: expected the "
			 "text to begin with '-----BEGIN PUBLIC KEY-----'");
	snprintf(text, sizeof text, "%sjunk\n", pem);
	ck_assert_int_eq(rsl_keyring_add_pem(kr, text, strlen(text), &err), RSL_EKEY);
	ck_assert_str_eq(err.message, "line 4: 'junk' after the end of the PEM block: "
			 "expected nothing more, or another '-----BEGIN PUBLIC KEY-----' block");
	snprintf(text, sizeof text, "%.*s-----END PRIVATE KEY-----\n", (int)strlen(pem) - 25,
		 pem);
	ck_assert_int_eq(rsl_keyring_add_pem(kr, text, strlen(text), &err), RSL_EKEY);
	ck_assert_str_eq(err.message, "line 3: expected '-----END PUBLIC KEY-----', found "
			 "'-----END PRIVATE KEY-----'");
	/* whitespace at the very end is fine */
	snprintf(text, sizeof text, "%s\n \t\n\n", pem);
	ck_assert_int_eq(rsl_keyring_add_pem(kr, text, strlen(text), &err), RSL_OK);
	rsl_keyring_free(kr);
	free(pem);
}
END_TEST

/* A file of several public keys (a rotation: the old key and the new) adds
 * each, or none when one of them is bad; it used to add the first only. */
START_TEST(several_public_keys_in_one_file_add_each)
{
	tkey a, b;
	make_key(&a, 7);
	make_key(&b, 8);
	char *pa = pem_of(a.pk), *pb = pem_of(b.pk);
	char *dir = tu_tmpdir("keys/several");
	char text[1024], path[4096];
	snprintf(text, sizeof text, "%s\n%s", pa, pb);
	tu_write(dir, "both.pub", text);
	snprintf(path, sizeof path, "%s/both.pub", dir);
	rsl_keyring *kr = ring(NULL);
	rsl_error err = { 0, "" };
	ck_assert_int_eq(rsl_keyring_add_pem_file(kr, path, &err), RSL_OK);
	size_t n;
	uint8_t *fa = signed_base(&a, &n);
	open_err(fa, n, kr, NULL, RSL_OK, NULL);
	free(fa);
	uint8_t *fb = signed_base(&b, &n);
	open_err(fb, n, kr, NULL, RSL_OK, NULL);
	rsl_keyring_free(kr);

	/* all or none: the first key is not added when the second is bad */
	snprintf(text, sizeof text, "%s%.*s*%s", pa, 27, pb, pb + 28);
	kr = ring(NULL);
	ck_assert_int_eq(rsl_keyring_add_pem(kr, text, strlen(text), &err), RSL_EKEY);
	ck_assert_str_eq(err.message, "a PEM key whose base64 text is damaged");
	fa = signed_base(&a, &n);
	rsl_snapshot *s;
	ck_assert_int_eq(open_buf(&s, fa, n, kr, NULL, &err), RSL_EKEY);
	free(fa);
	free(fb);
	rsl_keyring_free(kr);

	/* rsc trusts each key of the file too, as applications do: a snapshot
	 * signed by the second key verifies. */
	if (access(RSC_BIN, X_OK) == 0) {
		char snap[4200], cmd[8800], *out = NULL;
		snprintf(snap, sizeof snap, "%s.b.rsnap", path);
		fb = signed_base(&b, &n);
		write_file(snap, fb, n, 0644);
		free(fb);
		snprintf(cmd, sizeof cmd, "%s verify --now 1 --pub '%s' '%s'", RSC_BIN, path, snap);
		ck_assert_int_eq(tu_run(cmd, &out, NULL), 0);
		ck_assert_ptr_nonnull(strstr(out, ": valid"));
		free(out);
	}
	free(pa);
	free(pb);
}
END_TEST

Suite *keys_suite(void); /* called by the runner */
Suite *keys_suite(void)
{
	Suite *s = suite_create("keys");
	TCase *tc;
	tc = tcase_create("keyring");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, keyring_reads_pem_and_raw_keys);
	tcase_add_test(tc, keyring_reads_openssl_keys);
	tcase_add_test(tc, indented_pem_same_answer_from_rsc_and_library);
	tcase_add_test(tc, junk_around_a_pem_block_is_refused);
	tcase_add_test(tc, several_public_keys_in_one_file_add_each);
	suite_add_tcase(s, tc);
	return s;
}
