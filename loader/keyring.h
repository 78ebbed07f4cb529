/*
 * keyring.h - the trusted keys, as open.c looks them up (internal to librsl).
 */
#ifndef RSL_KEYRING_H
#define RSL_KEYRING_H

#include "rsl.h"

#define RSL__MAX_KEYS 16

typedef struct rsl__key {
	unsigned char pk[32];
	unsigned char kid[8]; /* first 8 bytes of SHA-256(pk) */
} rsl__key;

struct rsl_keyring {
	unsigned n;
	rsl__key keys[RSL__MAX_KEYS];
};

/* The key id of pk: the first 8 bytes of SHA-256(pk) (docs/snapshot-
 * format.md); rsl_key_id_hex is its text, rsc's keys.c uses both. */
void rsl__key_id(unsigned char out[8], const unsigned char pk[32]);

/* The trusted key with this key id, or NULL. */
const rsl__key *rsl__keyring_find(const rsl_keyring *kr,
				  const unsigned char kid[8]);

/* Fills *err (when not NULL) with code and a printf-formatted message;
 * returns code. */
int rsl__fail(rsl_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
