/*
 * sigv4.h - AWS Signature Version 4 (the "Authorization: AWS4-HMAC-SHA256"
 * header) over libsodium's SHA-256 and HMAC-SHA-256: the canonical request,
 * the string to sign, the derived signing key and the signature, as the AWS
 * SigV4 reference describes them.  s3.c signs every request with it.
 */
#ifndef RSC_SIGV4_H
#define RSC_SIGV4_H

#include <stddef.h>

typedef struct rsc_sigv4 {
	const char *access_key;
	const char *secret;
	const char *region;      /* "us-east-1" */
	const char *service;     /* "s3" */
	const char *amz_date;    /* the request's x-amz-date: "20150830T123600Z" */
} rsc_sigv4;

/* Lowercase hex SHA-256 of data[0..len): the payload hash SigV4 signs and
 * the digest OCI names blobs by. */
void rsc_sha256_hex(char out[65], const void *data, size_t len);

/*
 * The Authorization header's value for a request: method, uri (the
 * canonical URI, already percent-encoded), query (the canonical query
 * string, "" for none), the signed headers as "name:value" with the name
 * lowercase and the value trimmed, sorted by name, and the payload's
 * hex SHA-256.  Writes "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=..." to out; with sig not NULL also the 64 hex digits of the
 * signature alone.  0, or -1 when out is too small or memory runs out.
 */
int rsc_sigv4_authorization(char *out, size_t cap, char sig[65], const rsc_sigv4 *k,
			    const char *method, const char *uri, const char *query,
			    const char *const *headers, size_t nheaders,
			    const char *payload_hash);

/* Appends s percent-encoded as SigV4's canonical URI wants it (unreserved
 * characters and '/' as they are, every other byte %XX, uppercase) to out
 * (size cap, NUL-terminated).  0, or -1 when it does not fit. */
int rsc_sigv4_uri_encode(char *out, size_t cap, const char *s);

#endif
