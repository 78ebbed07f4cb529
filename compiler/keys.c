/* keys.c - Ed25519 keys as PKCS#8 / SubjectPublicKeyInfo PEM; see keys.h.
 * Reading is the library's (loader/pem.c), so that rsc and every node
 * accept the same key files and say the same things about them. */
#include "keys.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../loader/keyring.h"
#include "../loader/pem.h"
#include "../loader/pkey.h"

static void seterr(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

void rsc_key_id(unsigned char out[RSC_KID_LEN], const unsigned char pk[32])
{
	rsl__key_id(out, pk);
}

void rsc_key_id_hex(char out[2 * RSC_KID_LEN + 1], const unsigned char pk[32])
{
	rsl_key_id_hex(out, pk);
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

/* The key pair of a seed the library read; wipes the seed. */
static int from_seed(rsc_key *out, unsigned char seed[32], char *err,
		     size_t errlen)
{
	int rc = rsc_key_from_seed(out, seed);
	sodium_memzero(seed, 32);
	if (rc < 0)
		seterr(err, errlen, "libsodium cannot start");
	return rc;
}

int rsc_key_from_pem(rsc_key *out, const char *pem, size_t len, char *err,
		     size_t errlen)
{
	unsigned char seed[32], pk[32];
	char msg[512];
	if (rsl__pem_private_key(seed, pk, pem, len, msg, sizeof msg) < 0) {
		seterr(err, errlen, msg);
		return -1;
	}
	return from_seed(out, seed, err, errlen);
}

int rsc_key_read_file(rsc_key *out, const char *path, char *err, size_t errlen)
{
	unsigned char seed[32], pk[32];
	char msg[1024];
	if (rsl__pem_private_key_file(seed, pk, path, msg, sizeof msg) < 0) {
		seterr(err, errlen, msg);
		return -1;
	}
	return from_seed(out, seed, err, errlen);
}

/* The one key of n read from a text or a file (named in the message when
 * not NULL). */
static int one_public_key(unsigned char pk[32], unsigned char (*pks)[32],
			  size_t n, const char *path, char *err, size_t errlen)
{
	if (n != 1) {
		char msg[1024];
		snprintf(msg, sizeof msg, "%s%s%zu public keys: expected one here",
			 path ? path : "", path ? ": " : "", n);
		seterr(err, errlen, msg);
		return -1;
	}
	memcpy(pk, pks[0], 32);
	return 0;
}

int rsc_pubkey_from_pem(unsigned char pk[32], const char *pem, size_t len,
			char *err, size_t errlen)
{
	unsigned char pks[RSL__PEM_KEYS_MAX][32];
	size_t n;
	char msg[512];
	if (rsl__pem_public_keys(pks, &n, pem, len, msg, sizeof msg) < 0) {
		seterr(err, errlen, msg);
		return -1;
	}
	return one_public_key(pk, pks, n, NULL, err, errlen);
}

int rsc_pubkey_read_file(unsigned char pk[32], const char *path, char *err,
			 size_t errlen)
{
	unsigned char pks[RSL__PEM_KEYS_MAX][32];
	size_t n;
	char msg[1024];
	if (rsl__pem_public_keys_file(pks, &n, path, msg, sizeof msg) < 0) {
		seterr(err, errlen, msg);
		return -1;
	}
	return one_public_key(pk, pks, n, path, err, errlen);
}

/* "-----BEGIN label-----\n", base64 in lines of 64, "-----END label-----\n":
 * RFC 7468's strict form, which the reader above takes back. */
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
	unsigned char der[RSL__PKCS8_PREFIX_LEN + 32];
	memcpy(der, rsl__pkcs8_prefix, RSL__PKCS8_PREFIX_LEN);
	/* libsodium's sk starts with the seed */
	memcpy(der + RSL__PKCS8_PREFIX_LEN, k->sk, 32);
	size_t n = pem_encode(out, RSL__PEM_PRIVATE, der, sizeof der);
	sodium_memzero(der, sizeof der);
	return n;
}

size_t rsc_key_public_pem(char out[RSC_PEM_MAX], const unsigned char pk[32])
{
	unsigned char der[RSL__SPKI_PREFIX_LEN + 32];
	memcpy(der, rsl__spki_prefix, RSL__SPKI_PREFIX_LEN);
	memcpy(der + RSL__SPKI_PREFIX_LEN, pk, 32);
	return pem_encode(out, RSL__PEM_PUBLIC, der, sizeof der);
}

void rsc_key_wipe(rsc_key *k)
{
	if (k)
		sodium_memzero(k, sizeof *k);
}
