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
#define USE_ED25519 "rsc signs with Ed25519 (rsc keygen, or openssl genpkey " \
	"-algorithm ed25519)"
/* Room for the DER of any key one might mistake for ours (RSA 8192), so that
 * a wrong one is named rather than called damaged. */
#define DER_MAX 8192

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

/* Explains a PEM text without the "-----BEGIN label-----" line that was
 * wanted: the other half of the pair, a key of another algorithm or format,
 * or not PEM at all. */
static void other_label(const char *pem, size_t len, const char *label,
			const char *begin, char *err, size_t errlen)
{
	char msg[256];
	int want_private = strcmp(label, PRIV_LABEL) == 0;
	if (len == 0)
		snprintf(msg, sizeof msg, "empty: expected a PEM key starting with "
			 "a line '%s'", begin);
	else if (find(pem, len, "-----BEGIN ENCRYPTED PRIVATE KEY-----"))
		snprintf(msg, sizeof msg, "an encrypted private key; rsc needs it "
			 "unencrypted (openssl pkey -in KEY -out PLAIN)");
	else if (want_private && find(pem, len, "-----BEGIN " PUB_LABEL "-----"))
		snprintf(msg, sizeof msg, "this is a public key; signing needs the "
			 "private key (the .key file of rsc keygen, not the .pub)");
	else if (!want_private && find(pem, len, "-----BEGIN " PRIV_LABEL "-----"))
		snprintf(msg, sizeof msg, "this is a private key; verifying needs "
			 "the public key (the .pub file of rsc keygen, not the .key)");
	else if (find(pem, len, "-----BEGIN RSA "))
		snprintf(msg, sizeof msg, "not an Ed25519 key: found an RSA key "
			 "(PKCS#1 PEM); " USE_ED25519);
	else if (find(pem, len, "-----BEGIN EC "))
		snprintf(msg, sizeof msg, "not an Ed25519 key: found an EC (ECDSA) "
			 "key; " USE_ED25519);
	else if (find(pem, len, "-----BEGIN DSA "))
		snprintf(msg, sizeof msg, "not an Ed25519 key: found a DSA key; "
			 USE_ED25519);
	else if (find(pem, len, "-----BEGIN OPENSSH PRIVATE KEY-----"))
		snprintf(msg, sizeof msg, "an OpenSSH private key; rsc reads PKCS#8 "
			 "PEM: " USE_ED25519);
	else
		snprintf(msg, sizeof msg, "not a PEM key: expected a line '%s'", begin);
	seterr(err, errlen, msg);
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
		other_label(pem, len, label, begin, err, errlen);
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

/* ------------------------------------------- naming another algorithm */

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
	unsigned char der[DER_MAX];
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
	} else if (!other_algorithm(err, errlen, der, (size_t)n, 1)) {
		seterr(err, errlen, "not an Ed25519 private key (expected PKCS#8 "
		       "as `openssl genpkey -algorithm ed25519` writes)");
	}
out:
	sodium_memzero(der, sizeof der);
	return rc;
}

/* Reads a key file of either kind: the private key into *k, or the public
 * key into pk; "path: reason" in err on failure. */
static int read_key_file(rsc_key *k, unsigned char pk[32], const char *path,
			 char *err, size_t errlen)
{
	char buf[16384];
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
	char why[512] = "";
	if (bad)
		snprintf(why, sizeof why, "cannot read it, or it is over %zu bytes",
			 sizeof buf - 1);
	else if (k)
		rc = rsc_key_from_pem(k, buf, n, why, sizeof why);
	else
		rc = rsc_pubkey_from_pem(pk, buf, n, why, sizeof why);
	if (rc < 0) {
		char msg[1024];
		snprintf(msg, sizeof msg, "%s: %s", path, why);
		seterr(err, errlen, msg);
	}
	sodium_memzero(buf, sizeof buf);
	return rc;
}

int rsc_key_read_file(rsc_key *out, const char *path, char *err, size_t errlen)
{
	return read_key_file(out, NULL, path, err, errlen);
}

int rsc_pubkey_read_file(unsigned char pk[32], const char *path, char *err,
			 size_t errlen)
{
	return read_key_file(NULL, pk, path, err, errlen);
}

int rsc_pubkey_from_pem(unsigned char pk[32], const char *pem, size_t len,
			char *err, size_t errlen)
{
	unsigned char der[DER_MAX];
	long n = pem_decode(der, sizeof der, pem, len, PUB_LABEL, err, errlen);
	if (n < 0)
		return -1;
	if (n != 44 || memcmp(der, spki, sizeof spki) != 0) {
		if (!other_algorithm(err, errlen, der, (size_t)n, 0))
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
