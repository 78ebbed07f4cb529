/*
 * digest.h - what a snapshot decides, apart from when it was issued: the
 * identity that tells a renewal (the same commit compiled again later, with
 * a new issued_at and expires_at) from a different ruleset at the same
 * version (docs/snapshot-format.md, "Renewal").  Internal to librsl.
 */
#ifndef RSL_DIGEST_H
#define RSL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

/* BLAKE2b-256 over the Body's top-level map with its issued_at and
 * expires_at entries left out: every other key and value, byte for byte
 * (the encoding is canonical, so equal content is equal bytes).  p[0..len)
 * must already have passed rsl__cbor_check.  0, or -1 when the payload is
 * not a map. */
int rsl__rules_digest(unsigned char out[32], const uint8_t *p, size_t len);

#endif
