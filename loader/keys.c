/*
 * keys.c - the trusted Ed25519 public keys (rsl_keyring_*) and the key id.
 *
 * A public key comes raw (32 bytes) or as SubjectPublicKeyInfo PEM, the
 * form `rsc keygen` and `openssl pkey -pubout` write, read by pem.c (the
 * reader rsc uses too).
 */
#include "keyring.h"
#include "pem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

int rsl__fail(rsl_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		err->code = code;
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
	}
	return code;
}

void rsl__key_id(unsigned char out[8], const unsigned char pk[32])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, pk, 32);
	memcpy(out, h, 8);
}

void rsl_key_id_hex(char out[17], const unsigned char pk[32])
{
	unsigned char kid[8];
	rsl__key_id(kid, pk);
	sodium_bin2hex(out, 17, kid, 8);
}

int rsl_keyring_new(rsl_keyring **out)
{
	if (out == NULL)
		return RSL_EINVAL;
	*out = NULL;
	if (sodium_init() < 0)
		return RSL_ENOMEM;
	rsl_keyring *kr = calloc(1, sizeof *kr);
	if (kr == NULL)
		return RSL_ENOMEM;
	*out = kr;
	return RSL_OK;
}

void rsl_keyring_free(rsl_keyring *kr)
{
	free(kr);
}

int rsl_keyring_add_raw(rsl_keyring *kr, const unsigned char pk[32],
			rsl_error *err)
{
	if (kr == NULL || pk == NULL)
		return rsl__fail(err, RSL_EINVAL, "no keyring or no key");
	if (sodium_init() < 0)
		return rsl__fail(err, RSL_ENOMEM, "libsodium cannot initialise");
	if (!crypto_core_ed25519_is_valid_point(pk)) {
		char hex[65];
		sodium_bin2hex(hex, sizeof hex, pk, 32);
		return rsl__fail(err, RSL_EKEY, "%s is not a valid Ed25519 public "
				 "key", hex);
	}
	for (unsigned i = 0; i < kr->n; i++)
		if (memcmp(kr->keys[i].pk, pk, 32) == 0)
			return RSL_OK; /* already trusted */
	if (kr->n == RSL__MAX_KEYS)
		return rsl__fail(err, RSL_EKEY, "too many trusted keys (at most %d)",
				 RSL__MAX_KEYS);
	memcpy(kr->keys[kr->n].pk, pk, 32);
	rsl__key_id(kr->keys[kr->n].kid, pk);
	kr->n++;
	return RSL_OK;
}

/* Adds n keys, all or none. */
static int add_all(rsl_keyring *kr, unsigned char (*pks)[32], size_t n,
		   rsl_error *err)
{
	rsl_keyring next = *kr;
	for (size_t i = 0; i < n; i++) {
		int rc = rsl_keyring_add_raw(&next, pks[i], err);
		if (rc < 0)
			return rc;
	}
	*kr = next;
	return RSL_OK;
}

int rsl_keyring_add_pem(rsl_keyring *kr, const char *pem, size_t len,
			rsl_error *err)
{
	unsigned char pks[RSL__PEM_KEYS_MAX][32];
	size_t n;
	char msg[sizeof err->message];
	if (kr == NULL || pem == NULL)
		return rsl__fail(err, RSL_EINVAL, "no keyring or no PEM text");
	int rc = rsl__pem_public_keys(pks, &n, pem, len, msg, sizeof msg);
	if (rc < 0)
		return rsl__fail(err, rc, "%s", msg);
	return add_all(kr, pks, n, err);
}

int rsl_keyring_add_pem_file(rsl_keyring *kr, const char *path, rsl_error *err)
{
	unsigned char pks[RSL__PEM_KEYS_MAX][32];
	size_t n;
	char msg[sizeof err->message];
	if (kr == NULL || path == NULL)
		return rsl__fail(err, RSL_EINVAL, "no keyring or no path");
	int rc = rsl__pem_public_keys_file(pks, &n, path, msg, sizeof msg);
	if (rc < 0)
		return rsl__fail(err, rc, "%s", msg);
	return add_all(kr, pks, n, err);
}

const rsl__key *rsl__keyring_find(const rsl_keyring *kr,
				  const unsigned char kid[8])
{
	for (unsigned i = 0; i < kr->n; i++)
		if (memcmp(kr->keys[i].kid, kid, 8) == 0)
			return &kr->keys[i];
	return NULL;
}
