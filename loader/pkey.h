/*
 * pkey.h - the DER inside an Ed25519 key's PEM block (RFC 8410): the private
 * key as PKCS#8 ("PRIVATE KEY", `openssl genpkey -algorithm ed25519`), the
 * public key as SubjectPublicKeyInfo ("PUBLIC KEY", `openssl pkey
 * -pubout`).  These keys have exactly one encoding, so comparing a fixed
 * prefix is a full parse; a well-formed key of another algorithm is named
 * ("found an RSA key (algorithm OID 1.2.840.113549.1.1.1)").  Internal to
 * librsl; rsc's key writer uses the same prefixes (compiler/keys.c).
 */
#ifndef RSL_PKEY_H
#define RSL_PKEY_H

#include <stddef.h>

/* SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING (33) { 0, then the 32
 * key bytes. */
#define RSL__SPKI_PREFIX_LEN 12
extern const unsigned char rsl__spki_prefix[RSL__SPKI_PREFIX_LEN];
/* PKCS#8 v1 (OneAsymmetricKey version 0): then the 32-byte seed. */
#define RSL__PKCS8_PREFIX_LEN 16
extern const unsigned char rsl__pkcs8_prefix[RSL__PKCS8_PREFIX_LEN];

/* Room for the DER of any key one might mistake for ours (RSA 8192), so
 * that a wrong one is named rather than called damaged. */
#define RSL__DER_MAX 8192

/* The 32 bytes of an Ed25519 SubjectPublicKeyInfo der[0..n), a valid
 * point.  0, or -1 with the reason in msg. */
int rsl__der_public_key(unsigned char pk[32], const unsigned char *der, size_t n,
			char *msg, size_t cap);

/* The seed of an Ed25519 PKCS#8 der[0..n): the 48-byte form OpenSSL
 * writes, or the 83-byte v2 with the public key attached, which must be the
 * seed's (pk receives the seed's public key either way).  0, or -1 with the
 * reason in msg. */
int rsl__der_private_key(unsigned char seed[32], unsigned char pk[32],
			 const unsigned char *der, size_t n, char *msg, size_t cap);

#endif
