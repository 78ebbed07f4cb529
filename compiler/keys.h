/*
 * keys.h - Ed25519 signing keys in the files OpenSSL writes: the private key
 * as PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----", `openssl genpkey -algorithm
 * ed25519`), the public key as SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC
 * KEY-----", `openssl pkey -pubout`).  The key id is the first 8 bytes of
 * SHA-256 over the raw 32-byte public key (docs/snapshot-format.md).
 *
 * Reading goes through the library's one PEM reader (loader/pem.h: strict
 * RFC 7468, no indentation, no text around the blocks), so a key rsc takes
 * is a key every node takes, with the same messages.
 */
#ifndef RSC_KEYS_H
#define RSC_KEYS_H

#include <stddef.h>

#define RSC_KID_LEN 8
/* Enough for either PEM file, with its NUL. */
#define RSC_PEM_MAX 160

/* A key pair.  sk is libsodium's form (seed || pk); wipe with rsc_key_wipe. */
typedef struct rsc_key {
	unsigned char sk[64];
	unsigned char pk[32];
	unsigned char kid[RSC_KID_LEN];
} rsc_key;

/* A fresh random key pair.  0, or -1 if libsodium cannot start. */
int rsc_key_generate(rsc_key *out);

/* The key pair of a 32-byte seed (RFC 8032's private key).  0 or -1. */
int rsc_key_from_seed(rsc_key *out, const unsigned char seed[32]);

/*
 * Reads a PKCS#8 PEM private key (text of len bytes, not necessarily
 * NUL-terminated): the 48-byte form OpenSSL writes, or the 83-byte one with
 * the public key attached (RFC 8410 v2), which must match.  A text with two
 * private keys is refused.  Returns 0, or -1 with a one-line reason in err.
 * Secrets decoded on the way are wiped.
 */
int rsc_key_from_pem(rsc_key *out, const char *pem, size_t len, char *err,
		     size_t errlen);

/* The same from a file; err is "path: reason".  -1 on a read error too, and
 * for a file readable by group or others ("chmod 600 it"). */
int rsc_key_read_file(rsc_key *out, const char *path, char *err, size_t errlen);

/* Reads a SubjectPublicKeyInfo PEM Ed25519 public key.  0 or -1 with err;
 * a text of several keys is refused here (rsl_keyring_add_pem adds each). */
int rsc_pubkey_from_pem(unsigned char pk[32], const char *pem, size_t len,
			char *err, size_t errlen);

/* The same from a file; err is "path: reason". */
int rsc_pubkey_read_file(unsigned char pk[32], const char *path, char *err,
			 size_t errlen);

/* Errors name what was found instead: the other half of the pair ("this is
 * a public key; signing needs the private key ..."), a key of another
 * algorithm ("not an Ed25519 key: found an RSA key (algorithm OID ...)"),
 * an encrypted or OpenSSH key, empty text. */

/* The PEM texts, byte for byte what OpenSSL writes; NUL-terminated.  Return
 * the length.  Wipe the private one after use (sodium_memzero). */
size_t rsc_key_private_pem(char out[RSC_PEM_MAX], const rsc_key *k);
size_t rsc_key_public_pem(char out[RSC_PEM_MAX], const unsigned char pk[32]);

/* The key id of pk, and its 16 lowercase hex digits. */
void rsc_key_id(unsigned char out[RSC_KID_LEN], const unsigned char pk[32]);
void rsc_key_id_hex(char out[2 * RSC_KID_LEN + 1], const unsigned char pk[32]);

/* Zeroes the secret key. */
void rsc_key_wipe(rsc_key *k);

#endif
