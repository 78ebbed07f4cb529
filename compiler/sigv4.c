/* sigv4.c - AWS Signature Version 4 (see sigv4.h).  No crypto of ours:
 * libsodium's SHA-256 and HMAC-SHA-256 (any key length). */
#include "sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

void rsc_sha256_hex(char out[65], const void *data, size_t len)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, 65, h, sizeof h);
}

static void hmac(unsigned char out[32], const void *key, size_t klen, const char *msg)
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, klen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, strlen(msg));
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof st);
}

int rsc_sigv4_uri_encode(char *out, size_t cap, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
			   c == '~' || c == '/';
		if (n + (keep ? 1 : 3) >= cap)
			return -1;
		if (keep) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return 0;
}

int rsc_sigv4_authorization(char *out, size_t cap, char sig[65], const rsc_sigv4 *k,
			    const char *method, const char *uri, const char *query,
			    const char *const *headers, size_t nheaders,
			    const char *payload_hash)
{
	int rc = -1;
	size_t len = strlen(method) + strlen(uri) + strlen(query) + strlen(payload_hash) + 8;
	for (size_t i = 0; i < nheaders; i++)
		len += 2 * strlen(headers[i]) + 2;
	char *creq = malloc(len), *signed_names = malloc(len), *sts = NULL;
	if (!creq || !signed_names)
		goto out;
	/* The signed header names: each "name" before its ':', joined by ';'. */
	signed_names[0] = '\0';
	size_t sn = 0;
	for (size_t i = 0; i < nheaders; i++) {
		const char *colon = strchr(headers[i], ':');
		size_t nl = colon ? (size_t)(colon - headers[i]) : strlen(headers[i]);
		if (i)
			signed_names[sn++] = ';';
		memcpy(signed_names + sn, headers[i], nl);
		sn += nl;
		signed_names[sn] = '\0';
	}
	size_t o = (size_t)snprintf(creq, len, "%s\n%s\n%s\n", method, uri, query);
	for (size_t i = 0; i < nheaders; i++)
		o += (size_t)snprintf(creq + o, len - o, "%s\n", headers[i]);
	snprintf(creq + o, len - o, "\n%s\n%s", signed_names, payload_hash);

	char creq_hash[65], day[9];
	rsc_sha256_hex(creq_hash, creq, strlen(creq));
	snprintf(day, sizeof day, "%.8s", k->amz_date);
	size_t stslen = 128 + strlen(k->amz_date) + strlen(k->region) + strlen(k->service);
	if ((sts = malloc(stslen)) == NULL)
		goto out;
	snprintf(sts, stslen, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", k->amz_date,
		 day, k->region, k->service, creq_hash);

	/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service),
	 * "aws4_request"); the signature is HMAC(kSigning, string to sign). */
	size_t slen = strlen(k->secret);
	char *first = malloc(slen + 5);
	if (!first)
		goto out;
	memcpy(first, "AWS4", 4);
	memcpy(first + 4, k->secret, slen + 1);
	unsigned char key[32], mac[32];
	hmac(key, first, slen + 4, day);
	sodium_memzero(first, slen + 4);
	free(first);
	hmac(key, key, sizeof key, k->region);
	hmac(key, key, sizeof key, k->service);
	hmac(key, key, sizeof key, "aws4_request");
	hmac(mac, key, sizeof key, sts);
	sodium_memzero(key, sizeof key);
	char hex[65];
	sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
	if (sig)
		memcpy(sig, hex, sizeof hex);
	int w = snprintf(out, cap,
			 "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, "
			 "SignedHeaders=%s, Signature=%s",
			 k->access_key, day, k->region, k->service, signed_names, hex);
	if (w > 0 && (size_t)w < cap)
		rc = 0;
out:
	free(creq);
	free(signed_names);
	free(sts);
	return rc;
}
