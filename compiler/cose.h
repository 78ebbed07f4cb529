/*
 * cose.h - the snapshot's envelope: a COSE_Sign1 message (RFC 9052 §4.2,
 * CBOR tag 18) signed with Ed25519 through libsodium.  Protected header
 * {1: -8 (EdDSA), 4: kid}, no unprotected header, the payload attached.
 */
#ifndef RSC_COSE_H
#define RSC_COSE_H

#include <stddef.h>

#include "keys.h"

#define RSC_COSE_ALG_EDDSA (-8)
#define RSC_COSE_TAG_SIGN1 18

/* Where a payload of n bytes begins in the file rsc_cose_sign1 writes: tag,
 * array head, the 14-byte protected header, the empty unprotected map, and
 * the payload's byte-string head. */
#define RSC_COSE_PAYLOAD_AT(n) \
	((size_t)18 + ((n) < 24 ? 0 : (n) <= 0xff ? 1 : (n) <= 0xffff ? 2 \
					: (n) <= 0xffffffffu ? 4 : 8))

/*
 * Signs payload[0..len) with key: *out is the malloc'd COSE_Sign1 message
 * (the whole file).  The signature covers RFC 9052 §4.4's Sig_structure
 * ["Signature1", protected, h'', payload].  Returns RSC_OK, or RSC_EIO with
 * err when memory or libsodium fails.
 */
int rsc_cose_sign1(unsigned char **out, size_t *outlen,
		   const unsigned char *payload, size_t len, const rsc_key *key,
		   char *err, size_t errlen);

/* The Sig_structure to sign for a protected header and a payload (malloc'd
 * into *out).  RSC_OK or RSC_EIO. */
int rsc_cose_sig_structure(unsigned char **out, size_t *outlen,
			   const unsigned char *prot, size_t protlen,
			   const unsigned char *payload, size_t len);

#endif
