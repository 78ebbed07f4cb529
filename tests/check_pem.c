/*
 * check_pem.c - the one PEM reader (loader/pem.c, loader/pkey.c) on the
 * private side, as `rsc compile --key` and RSC_SIGNING_KEY use it: one key
 * per text, a key file private to its owner, and the same strictness about
 * text around the block as for public keys (check_keys.c).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "pem.h"
#include "rsl.h"
#include "testutil.h"

/* The seed 1, 2, ..., 32 as `openssl genpkey` writes it. */
static const char KEY1[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\n"
	"-----END PRIVATE KEY-----\n";
static const char PUB1[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MCowBQYDK2VwAyEAebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=\n"
	"-----END PUBLIC KEY-----\n";

static int read_private(const char *text, char *msg, size_t cap)
{
	unsigned char seed[32], pk[32];
	return rsl__pem_private_key(seed, pk, text, strlen(text), msg, cap);
}

START_TEST(private_key_reads_its_seed)
{
	unsigned char seed[32], pk[32], pub[32];
	size_t n;
	char msg[512];
	ck_assert_int_eq(rsl__pem_private_key(seed, pk, KEY1, strlen(KEY1), msg, sizeof msg),
			 RSL_OK);
	for (int i = 0; i < 32; i++)
		ck_assert_uint_eq(seed[i], (unsigned)(i + 1));
	ck_assert_int_eq(rsl__pem_public_keys(&pub, &n, PUB1, strlen(PUB1), msg, sizeof msg),
			 RSL_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(memcmp(pk, pub, 32), 0);
}
END_TEST

/* RSC_SIGNING_KEY or --key with two keys: which one would sign? */
START_TEST(two_private_keys_are_refused)
{
	char text[1024], msg[512];
	snprintf(text, sizeof text, "%s%s", KEY1, KEY1);
	ck_assert_int_eq(read_private(text, msg, sizeof msg), RSL_EKEY);
	ck_assert_str_eq(msg, "two private keys in one text: expected one '-----BEGIN "
			 "PRIVATE KEY-----' block, the key to sign with");
	snprintf(text, sizeof text, "%s%s", KEY1, PUB1);
	ck_assert_int_eq(read_private(text, msg, sizeof msg), RSL_EKEY);
	ck_assert_str_eq(msg, "this is a public key; signing needs the private key (the "
			 ".key file of rsc keygen, not the .pub)");
}
END_TEST

START_TEST(private_text_is_strict_too)
{
	char text[1024], msg[512];
	snprintf(text, sizeof text, "key:\n%s", KEY1);
	ck_assert_int_eq(read_private(text, msg, sizeof msg), RSL_EKEY);
	ck_assert_str_eq(msg, "line 1: 'key:' before the PEM block: expected the text to "
			 "begin with '-----BEGIN PRIVATE KEY-----'");
	snprintf(text, sizeof text, "%s# the CI key\n", KEY1);
	ck_assert_int_eq(read_private(text, msg, sizeof msg), RSL_EKEY);
	ck_assert_str_eq(msg, "line 4: '# the CI key' after the end of the PEM block: "
			 "expected nothing more, or another '-----BEGIN PRIVATE KEY-----' block");
	snprintf(text, sizeof text, "%.28s\n%s", KEY1, KEY1 + 28);
	ck_assert_int_eq(read_private(text, msg, sizeof msg), RSL_EKEY);
	ck_assert_str_eq(msg, "line 2: a blank line inside the PEM block: a PEM line "
			 "starts in its first column (RFC 7468)");
	/* an environment variable's text often ends without a newline */
	snprintf(text, sizeof text, "%.*s", (int)strlen(KEY1) - 1, KEY1);
	ck_assert_int_eq(read_private(text, msg, sizeof msg), RSL_OK);
	ck_assert_int_eq(read_private(" \n", msg, sizeof msg), RSL_EKEY);
	ck_assert_str_eq(msg, "not a PEM key: expected a line '-----BEGIN PRIVATE KEY-----'");
}
END_TEST

/* Like OpenSSH: a signing key others can read is refused, by file mode; a
 * public key given by mistake is named as such first. */
START_TEST(group_readable_key_file_is_refused)
{
	char *dir = tu_tmpdir("pem/mode");
	char path[4096], want[9000], msg[9000];
	unsigned char seed[32], pk[32];
	tu_write(dir, "k.key", KEY1);
	snprintf(path, sizeof path, "%s/k.key", dir);
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(rsl__pem_private_key_file(seed, pk, path, msg, sizeof msg), RSL_EKEY);
	snprintf(want, sizeof want, "%s: readable by group or others (mode 0640); a signing "
		 "key must be private: chmod 600 %s", path, path);
	ck_assert_str_eq(msg, want);
	ck_assert_int_eq(chmod(path, 0604), 0);
	ck_assert_int_eq(rsl__pem_private_key_file(seed, pk, path, msg, sizeof msg), RSL_EKEY);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(rsl__pem_private_key_file(seed, pk, path, msg, sizeof msg), RSL_OK);
	ck_assert_uint_eq(seed[31], 32);
	ck_assert_int_eq(chmod(path, 0620), 0); /* writable, not readable: no leak */
	ck_assert_int_eq(rsl__pem_private_key_file(seed, pk, path, msg, sizeof msg), RSL_OK);

	tu_write(dir, "k.pub", PUB1);
	snprintf(path, sizeof path, "%s/k.pub", dir);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(rsl__pem_private_key_file(seed, pk, path, msg, sizeof msg), RSL_EKEY);
	snprintf(want, sizeof want, "%s: this is a public key; signing needs the private key "
		 "(the .key file of rsc keygen, not the .pub)", path);
	ck_assert_str_eq(msg, want);
	/* public keys are public: any mode */
	unsigned char pks[RSL__PEM_KEYS_MAX][32];
	size_t n;
	ck_assert_int_eq(rsl__pem_public_keys_file(pks, &n, path, msg, sizeof msg), RSL_OK);
	ck_assert_uint_eq(n, 1);
}
END_TEST

Suite *pem_suite(void); /* called by the runner */
Suite *pem_suite(void)
{
	Suite *s = suite_create("pem");
	TCase *tc = tcase_create("pem");
	tcase_add_test(tc, private_key_reads_its_seed);
	tcase_add_test(tc, two_private_keys_are_refused);
	tcase_add_test(tc, private_text_is_strict_too);
	tcase_add_test(tc, group_readable_key_file_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
