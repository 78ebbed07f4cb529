/* cose.c - COSE_Sign1 with Ed25519; see cose.h. */
#include "cose.h"

#include <cbor.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"

/* The protected header {1: -8, 4: kid} as its byte string: 0x4d and 13
 * bytes (RSC_COSE_PAYLOAD_AT counts 14). */
#define PROT_SIZE 14

static void protected_header(unsigned char out[PROT_SIZE], const rsc_key *key)
{
	unsigned char *p = out + 1;
	p += cbor_encode_map_start(2, p, 1);
	p += cbor_encode_uint(1, p, 1);
	p += cbor_encode_negint((uint64_t)(-1 - RSC_COSE_ALG_EDDSA), p, 1);
	p += cbor_encode_uint(4, p, 1);
	p += cbor_encode_bytestring_start(RSC_KID_LEN, p, 1);
	memcpy(p, key->kid, RSC_KID_LEN);
	cbor_encode_bytestring_start(PROT_SIZE - 1, out, 1);
}

int rsc_cose_sign1_framed(size_t *outlen, unsigned char *buf, size_t len,
			  const rsc_key *key, char *err, size_t errlen)
{
	_Static_assert(6 + RSC_KID_LEN == PROT_SIZE, "the protected header's size");
	unsigned char prot[PROT_SIZE], sig[crypto_sign_BYTES];
	unsigned char *payload = buf + RSC_COSE_BODY_AT(len);
	*outlen = 0;
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium cannot start");
		return RSC_EIO;
	}
	protected_header(prot, key);

	/* Sig_structure ["Signature1", protected, h'', payload]: its head
	 * ends where the payload begins. */
	unsigned char head[48]; /* 27 bytes and the payload's head, at most 9 */
	size_t n = 0;
	n += cbor_encode_array_start(4, head + n, sizeof head - n);
	n += cbor_encode_string_start(10, head + n, sizeof head - n);
	memcpy(head + n, "Signature1", 10);
	n += 10;
	memcpy(head + n, prot, PROT_SIZE);
	n += PROT_SIZE;
	n += cbor_encode_bytestring_start(0, head + n, sizeof head - n); /* external_aad */
	n += cbor_encode_bytestring_start(len, head + n, sizeof head - n);
	if (n > RSC_COSE_BODY_AT(len)) {
		snprintf(err, errlen, "no room for the Sig_structure (a bug in rsc)");
		return RSC_EIO;
	}
	memcpy(payload - n, head, n);
	if (crypto_sign_detached(sig, NULL, payload - n, n + len, key->sk) != 0) {
		snprintf(err, errlen, "Ed25519 signing failed");
		return RSC_EIO;
	}

	/* The message: tag, [protected, {}, payload, signature]. */
	unsigned char *m = payload - (RSC_COSE_PAYLOAD_AT(len));
	size_t k = 0;
	k += cbor_encode_tag(RSC_COSE_TAG_SIGN1, m + k, 9);
	k += cbor_encode_array_start(4, m + k, 9);
	memcpy(m + k, prot, PROT_SIZE);
	k += PROT_SIZE;
	k += cbor_encode_map_start(0, m + k, 9); /* unprotected: empty */
	k += cbor_encode_bytestring_start(len, m + k, 9);
	if (m + k != payload) {
		snprintf(err, errlen, "the envelope's head is %zu bytes, not %zu "
			 "(a bug in rsc)", k, (size_t)RSC_COSE_PAYLOAD_AT(len));
		return RSC_EIO;
	}
	unsigned char *s = payload + len;
	s += cbor_encode_bytestring_start(sizeof sig, s, 9);
	memcpy(s, sig, sizeof sig);
	s += sizeof sig;
	*outlen = (size_t)(s - m);
	memmove(buf, m, *outlen);
	return RSC_OK;
}

int rsc_cose_sign1(unsigned char **out, size_t *outlen,
		   const unsigned char *payload, size_t len, const rsc_key *key,
		   char *err, size_t errlen)
{
	*out = NULL;
	*outlen = 0;
	unsigned char *buf = malloc(RSC_COSE_FRAME(len));
	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		return RSC_EIO;
	}
	if (len)
		memcpy(buf + RSC_COSE_BODY_AT(len), payload, len);
	int rc = rsc_cose_sign1_framed(outlen, buf, len, key, err, errlen);
	if (rc != RSC_OK) {
		free(buf);
		return rc;
	}
	*out = buf;
	return RSC_OK;
}
