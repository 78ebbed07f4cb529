/*
 * fetch.h - getting an environment's snapshot from where CI published it,
 * for `rsc agent`: one call over every kind of source, conditional on what
 * the previous poll saw, so that an unchanged source costs no download.
 *
 *   file://DIR             DIR/<env>.rsnap (DIR taken literally, no
 *                          percent-decoding; file://localhost/DIR too)
 *   oci://REGISTRY/REPO    the artifact tagged <env> (rsc publish)
 *   s3://BUCKET/PREFIX     the object PREFIX/<env>.rsnap
 *
 * The transport is never trusted: what is fetched is only bytes, which the
 * caller verifies (the signature is the only root of trust).
 */
#ifndef RSC_FETCH_H
#define RSC_FETCH_H

#include <stddef.h>

enum { RSC_FETCH_NEW = 0, RSC_FETCH_UNCHANGED = 1, RSC_FETCH_ERROR = -1 };

typedef struct rsc_fetched {
	unsigned char *data;   /* RSC_FETCH_NEW: the snapshot's bytes (malloc'd), len bytes */
	size_t len;
	char tag[512];         /* validator for the next poll: HTTP ETag, OCI manifest digest,
	                          or a file identity; "" when the source gives none */
} rsc_fetched;

/* Fetches environment env's snapshot from url (file://DIR, oci://REGISTRY/REPO,
 * s3://BUCKET/PREFIX), conditionally on prev_tag (NULL or "" = unconditional), refusing more than
 * max bytes.  NEW fills *out; UNCHANGED when the source says prev_tag still holds (no body
 * downloaded); ERROR writes a one-line reason to err.  The transport is never trusted: the caller
 * verifies the bytes.  env must be an environment name (rsl__is_key). */
int rsc_fetch(const char *url, const char *env, const char *prev_tag, size_t max,
	      rsc_fetched *out, char *err, size_t errlen);

/* Frees out->data and empties *f (NULL is fine). */
void rsc_fetched_free(rsc_fetched *f);

#endif
