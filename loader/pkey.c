/* pkey.c - Ed25519 keys in DER, and naming the keys that are not; see
 * pkey.h. */
#include "pkey.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

const unsigned char rsl__spki_prefix[RSL__SPKI_PREFIX_LEN] = {
	0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
};
const unsigned char rsl__pkcs8_prefix[RSL__PKCS8_PREFIX_LEN] = {
	0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
	0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20
};
/* OneAsymmetricKey v2 with the public key attached as [1]. */
static const unsigned char pkcs8_v2[16] = {
	0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06,
	0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20
};
static const unsigned char pkcs8_v2_pub[3] = { 0x81, 0x21, 0x00 };

#define USE_ED25519 "rsc signs with Ed25519 (rsc keygen, or openssl genpkey " \
	"-algorithm ed25519)"

/* Reads a DER tag and length at *p (before e), advancing *p past them.
 * Returns the tag, or -1 when malformed or the contents overrun e. */
static int der_head(const unsigned char **p, const unsigned char *e, size_t *len)
{
	if (e - *p < 2)
		return -1;
	int tag = (*p)[0];
	size_t l = (*p)[1];
	*p += 2;
	if (l & 0x80) {
		size_t k = l & 0x7f;
		if (k == 0 || k > 3 || (size_t)(e - *p) < k)
			return -1;
		l = 0;
		for (size_t i = 0; i < k; i++)
			l = l << 8 | *(*p)++;
	}
	if (l > (size_t)(e - *p))
		return -1;
	*len = l;
	return tag;
}

typedef struct span {
	const unsigned char *p;
	size_t n;
} span;

/* The algorithm OID of a PKCS#8 (private) or SubjectPublicKeyInfo DER, and
 * its parameter when that is an OID too (an EC curve).  0 or -1. */
static int der_algorithm(span *oid, span *param, const unsigned char *der,
			 size_t n, int private_)
{
	const unsigned char *p = der, *e = der + n;
	size_t l;
	if (der_head(&p, e, &l) != 0x30)
		return -1;
	e = p + l;
	if (private_) {
		if (der_head(&p, e, &l) != 0x02)
			return -1;
		p += l;
	}
	if (der_head(&p, e, &l) != 0x30)
		return -1;
	const unsigned char *ae = p + l;
	if (der_head(&p, ae, &l) != 0x06)
		return -1;
	oid->p = p;
	oid->n = l;
	p += l;
	param->p = NULL;
	param->n = 0;
	if (p < ae && der_head(&p, ae, &l) == 0x06) {
		param->p = p;
		param->n = l;
	}
	return 0;
}

/* The dotted form of a DER OID ("1.2.840.113549.1.1.1"). */
static void oid_text(char *out, size_t cap, span oid)
{
	size_t o = 0;
	unsigned long arc = 0;
	int first = 1;
	out[0] = '\0';
	for (size_t i = 0; i < oid.n && o < cap; i++) {
		arc = arc << 7 | (oid.p[i] & 0x7f);
		if (oid.p[i] & 0x80)
			continue;
		if (first) {
			unsigned long a = arc < 80 ? arc / 40 : 2;
			o += (size_t)snprintf(out + o, cap - o, "%lu.%lu", a, arc - 40 * a);
			first = 0;
		} else {
			o += (size_t)snprintf(out + o, cap - o, ".%lu", arc);
		}
		arc = 0;
	}
}

static int span_eq(span s, const char *bytes, size_t n)
{
	return s.n == n && memcmp(s.p, bytes, n) == 0;
}
#define SPAN_EQ(s, lit) span_eq((s), (lit), sizeof(lit) - 1)

/* When der is a well-formed key of another algorithm, says which in msg and
 * returns 1; 0 when it is not (damaged, or Ed25519 in an odd shape). */
static int other_algorithm(char *msg, size_t cap, const unsigned char *der,
			   size_t n, int private_)
{
	span oid, param;
	if (der_algorithm(&oid, &param, der, n, private_) != 0 ||
	    SPAN_EQ(oid, "\x2b\x65\x70"))
		return 0;
	const char *name = "a key of another algorithm";
	if (SPAN_EQ(oid, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01") ||
	    SPAN_EQ(oid, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a"))
		name = "an RSA key";
	else if (SPAN_EQ(oid, "\x2a\x86\x48\xce\x3d\x02\x01"))
		name = param.p && SPAN_EQ(param, "\x2a\x86\x48\xce\x3d\x03\x01\x07")
			       ? "an EC (ECDSA) key on P-256"
		       : param.p && SPAN_EQ(param, "\x2b\x81\x04\x00\x22")
			       ? "an EC (ECDSA) key on P-384"
		       : param.p && SPAN_EQ(param, "\x2b\x81\x04\x00\x23")
			       ? "an EC (ECDSA) key on P-521"
			       : "an EC (ECDSA) key";
	else if (SPAN_EQ(oid, "\x2a\x86\x48\xce\x38\x04\x01"))
		name = "a DSA key";
	else if (SPAN_EQ(oid, "\x2b\x65\x71"))
		name = "an Ed448 key";
	else if (SPAN_EQ(oid, "\x2b\x65\x6e"))
		name = "an X25519 key";
	else if (SPAN_EQ(oid, "\x2b\x65\x6f"))
		name = "an X448 key";
	char dotted[96];
	oid_text(dotted, sizeof dotted, oid);
	snprintf(msg, cap, "not an Ed25519 key: found %s (algorithm OID %s); "
		 USE_ED25519, name, dotted);
	return 1;
}

int rsl__der_public_key(unsigned char pk[32], const unsigned char *der, size_t n,
			char *msg, size_t cap)
{
	if (n != RSL__SPKI_PREFIX_LEN + 32 ||
	    memcmp(der, rsl__spki_prefix, RSL__SPKI_PREFIX_LEN) != 0) {
		if (!other_algorithm(msg, cap, der, n, 0))
			snprintf(msg, cap, "not an Ed25519 public key (expected "
				 "SubjectPublicKeyInfo as `openssl pkey -pubout` writes)");
		return -1;
	}
	const unsigned char *key = der + RSL__SPKI_PREFIX_LEN;
	if (sodium_init() < 0) {
		snprintf(msg, cap, "libsodium cannot start");
		return -1;
	}
	if (!crypto_core_ed25519_is_valid_point(key)) {
		char hex[65];
		sodium_bin2hex(hex, sizeof hex, key, 32);
		snprintf(msg, cap, "%s is not a valid Ed25519 public key", hex);
		return -1;
	}
	memcpy(pk, key, 32);
	return 0;
}

int rsl__der_private_key(unsigned char seed[32], unsigned char pk[32],
			 const unsigned char *der, size_t n, char *msg, size_t cap)
{
	unsigned char sk[64];
	int v1 = n == 48 && memcmp(der, rsl__pkcs8_prefix, RSL__PKCS8_PREFIX_LEN) == 0;
	int v2 = n == 83 && memcmp(der, pkcs8_v2, sizeof pkcs8_v2) == 0 &&
		 memcmp(der + 48, pkcs8_v2_pub, sizeof pkcs8_v2_pub) == 0;
	if (!v1 && !v2) {
		if (!other_algorithm(msg, cap, der, n, 1))
			snprintf(msg, cap, "not an Ed25519 private key (expected PKCS#8 "
				 "as `openssl genpkey -algorithm ed25519` writes)");
		return -1;
	}
	if (sodium_init() < 0) {
		snprintf(msg, cap, "libsodium cannot start");
		return -1;
	}
	crypto_sign_seed_keypair(pk, sk, der + 16);
	sodium_memzero(sk, sizeof sk);
	if (v2 && memcmp(pk, der + 51, 32) != 0) {
		snprintf(msg, cap, "the private key's attached public key does not "
			 "belong to it");
		return -1;
	}
	memcpy(seed, der + 16, 32);
	return 0;
}
