/* keys.c - Ed25519 keys as PKCS#8 / SubjectPublicKeyInfo PEM; see keys.h. */
#include "keys.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fixed DER around the key bytes (RFC 8410): these keys have exactly one
 * encoding, so a prefix comparison is a full parse. */
static const unsigned char pkcs8_v1[16] = {
	0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
	0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20
};
/* OneAsymmetricKey v2 with the public key attached as [1]. */
static const unsigned char pkcs8_v2[16] = {
	0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06,
	0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20
};
static const unsigned char pkcs8_v2_pub[3] = { 0x81, 0x21, 0x00 };
static const unsigned char spki[12] = {
	0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
};

#define PRIV_LABEL "PRIVATE KEY"
#define PUB_LABEL "PUBLIC KEY"

static void seterr(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

static const char *find(const char *h, size_t hlen, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; n <= hlen && i <= hlen - n; i++)
		if (memcmp(h + i, needle, n) == 0)
			return h + i;
	return NULL;
}

/* Decodes the base64 between "-----BEGIN label-----" and "-----END
 * label-----" into der (cap bytes).  Returns the DER length or -1. */
static long pem_decode(unsigned char *der, size_t cap, const char *pem,
		       size_t len, const char *label, char *err, size_t errlen)
{
	char begin[64], end[64];
	snprintf(begin, sizeof begin, "-----BEGIN %s-----", label);
	snprintf(end, sizeof end, "-----END %s-----", label);
	const char *b = find(pem, len, begin);
	if (!b) {
		if (find(pem, len, "-----BEGIN ENCRYPTED PRIVATE KEY-----"))
			seterr(err, errlen, "an encrypted private key; rsc needs it "
			       "unencrypted (openssl pkey -in KEY -out PLAIN)");
		else {
			char msg[128];
			snprintf(msg, sizeof msg, "not a PEM key: expected a line '%s'",
				 begin);
			seterr(err, errlen, msg);
		}
		return -1;
	}
	b += strlen(begin);
	const char *e = find(b, len - (size_t)(b - pem), end);
	if (!e) {
		char msg[128];
		snprintf(msg, sizeof msg, "a PEM key without its '%s' line", end);
		seterr(err, errlen, msg);
		return -1;
	}
	size_t binlen = 0;
	const char *stop = NULL;
	if (sodium_base642bin(der, cap, b, (size_t)(e - b), " \t\r\n", &binlen,
			      &stop, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    stop != e) {
		seterr(err, errlen, "a PEM key whose base64 text is damaged");
		return -1;
	}
	return (long)binlen;
}

void rsc_key_id(unsigned char out[RSC_KID_LEN], const unsigned char pk[32])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, pk, 32);
	memcpy(out, h, RSC_KID_LEN);
}

void rsc_key_id_hex(char out[2 * RSC_KID_LEN + 1], const unsigned char pk[32])
{
	unsigned char kid[RSC_KID_LEN];
	rsc_key_id(kid, pk);
	sodium_bin2hex(out, 2 * RSC_KID_LEN + 1, kid, RSC_KID_LEN);
}

int rsc_key_from_seed(rsc_key *out, const unsigned char seed[32])
{
	if (sodium_init() < 0)
		return -1;
	crypto_sign_seed_keypair(out->pk, out->sk, seed);
	rsc_key_id(out->kid, out->pk);
	return 0;
}

int rsc_key_generate(rsc_key *out)
{
	if (sodium_init() < 0)
		return -1;
	crypto_sign_keypair(out->pk, out->sk);
	rsc_key_id(out->kid, out->pk);
	return 0;
}

int rsc_key_from_pem(rsc_key *out, const char *pem, size_t len, char *err,
		     size_t errlen)
{
	unsigned char der[128];
	int rc = -1;
	if (sodium_init() < 0) {
		seterr(err, errlen, "libsodium cannot start");
		return -1;
	}
	long n = pem_decode(der, sizeof der, pem, len, PRIV_LABEL, err, errlen);
	if (n < 0)
		goto out;
	if (n == 48 && memcmp(der, pkcs8_v1, sizeof pkcs8_v1) == 0) {
		rc = rsc_key_from_seed(out, der + 16);
	} else if (n == 83 && memcmp(der, pkcs8_v2, sizeof pkcs8_v2) == 0 &&
		   memcmp(der + 48, pkcs8_v2_pub, sizeof pkcs8_v2_pub) == 0) {
		rc = rsc_key_from_seed(out, der + 16);
		if (rc == 0 && memcmp(out->pk, der + 51, 32) != 0) {
			rsc_key_wipe(out);
			seterr(err, errlen, "the private key's attached public key "
			       "does not belong to it");
			rc = -1;
		}
	} else {
		seterr(err, errlen, "not an Ed25519 private key (expected PKCS#8 "
		       "as `openssl genpkey -algorithm ed25519` writes)");
	}
out:
	sodium_memzero(der, sizeof der);
	return rc;
}

int rsc_key_read_file(rsc_key *out, const char *path, char *err, size_t errlen)
{
	char buf[4096];
	FILE *f = fopen(path, "rb");
	if (!f) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s: %s", path, strerror(errno));
		seterr(err, errlen, msg);
		return -1;
	}
	size_t n = fread(buf, 1, sizeof buf, f);
	int bad = ferror(f) || !feof(f);
	fclose(f);
	int rc = -1;
	char why[256] = "";
	if (bad)
		snprintf(why, sizeof why, "cannot read it, or it is over %zu bytes",
			 sizeof buf - 1);
	else
		rc = rsc_key_from_pem(out, buf, n, why, sizeof why);
	if (rc < 0) {
		char msg[768];
		snprintf(msg, sizeof msg, "%s: %s", path, why);
		seterr(err, errlen, msg);
	}
	sodium_memzero(buf, sizeof buf);
	return rc;
}

int rsc_pubkey_from_pem(unsigned char pk[32], const char *pem, size_t len,
			char *err, size_t errlen)
{
	unsigned char der[128];
	long n = pem_decode(der, sizeof der, pem, len, PUB_LABEL, err, errlen);
	if (n < 0)
		return -1;
	if (n != 44 || memcmp(der, spki, sizeof spki) != 0) {
		seterr(err, errlen, "not an Ed25519 public key (expected "
		       "SubjectPublicKeyInfo as `openssl pkey -pubout` writes)");
		return -1;
	}
	memcpy(pk, der + 12, 32);
	return 0;
}

/* "-----BEGIN label-----\n", base64 in lines of 64, "-----END label-----\n". */
static size_t pem_encode(char out[RSC_PEM_MAX], const char *label,
			 const unsigned char *der, size_t n)
{
	char b64[128];
	sodium_bin2base64(b64, sizeof b64, der, n, sodium_base64_VARIANT_ORIGINAL);
	size_t len = (size_t)snprintf(out, RSC_PEM_MAX, "-----BEGIN %s-----\n", label);
	size_t blen = strlen(b64);
	for (size_t i = 0; i < blen; i += 64) {
		size_t k = blen - i < 64 ? blen - i : 64;
		memcpy(out + len, b64 + i, k);
		len += k;
		out[len++] = '\n';
	}
	len += (size_t)snprintf(out + len, RSC_PEM_MAX - len, "-----END %s-----\n",
				label);
	sodium_memzero(b64, sizeof b64);
	return len;
}

size_t rsc_key_private_pem(char out[RSC_PEM_MAX], const rsc_key *k)
{
	unsigned char der[48];
	memcpy(der, pkcs8_v1, sizeof pkcs8_v1);
	memcpy(der + 16, k->sk, 32); /* libsodium's sk starts with the seed */
	size_t n = pem_encode(out, PRIV_LABEL, der, sizeof der);
	sodium_memzero(der, sizeof der);
	return n;
}

size_t rsc_key_public_pem(char out[RSC_PEM_MAX], const unsigned char pk[32])
{
	unsigned char der[44];
	memcpy(der, spki, sizeof spki);
	memcpy(der + 12, pk, 32);
	return pem_encode(out, PUB_LABEL, der, sizeof der);
}

void rsc_key_wipe(rsc_key *k)
{
	if (k)
		sodium_memzero(k, sizeof *k);
}
