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

/* Signing in place: bytes in front of the message for the Sig_structure's
 * head, which is 10 bytes longer than the message's (16 keep what follows
 * as aligned as the buffer). */
#define RSC_COSE_ROOM 16u

/* The signature's byte string, after the payload. */
#define RSC_COSE_SIG_SIZE 66u

/* A buffer to sign a payload of n bytes in place (rsc_cose_sign1_framed):
 * the payload at RSC_COSE_BODY_AT(n), RSC_COSE_FRAME(n) bytes in all. */
#define RSC_COSE_BODY_AT(n) (RSC_COSE_ROOM + RSC_COSE_PAYLOAD_AT(n))
#define RSC_COSE_FRAME(n) (RSC_COSE_BODY_AT(n) + (n) + RSC_COSE_SIG_SIZE)

/*
 * Signs payload[0..len) with key: *out is the malloc'd COSE_Sign1 message
 * (the whole file).  The signature covers RFC 9052 §4.4's Sig_structure
 * ["Signature1", protected, h'', payload].  Returns RSC_OK, or RSC_EIO with
 * err when memory or libsodium fails.
 */
int rsc_cose_sign1(unsigned char **out, size_t *outlen,
		   const unsigned char *payload, size_t len, const rsc_key *key,
		   char *err, size_t errlen);

/*
 * rsc_cose_sign1 without a copy of the payload: buf holds RSC_COSE_FRAME(len)
 * bytes with the payload at RSC_COSE_BODY_AT(len).  The Sig_structure's
 * head is written into the room in front of the payload, and then the
 * message around it, moved to the start of buf: buf[0..*outlen) is the
 * message (what follows is spare).  Returns as rsc_cose_sign1.
 */
int rsc_cose_sign1_framed(size_t *outlen, unsigned char *buf, size_t len,
			  const rsc_key *key, char *err, size_t errlen);

#endif
