/*
 * decode.h - from a verified payload to an rsl_snapshot (internal to
 * librsl; exposed so that tests and fuzzers can reach the decoder without
 * signing).
 */
#ifndef RSL_DECODE_H
#define RSL_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "snap.h"

/*
 * Decodes the Body of a snapshot (docs/snapshot-format.md) from p[0..len):
 * checks it is canonical CBOR, then the format version (RSL_EVERSION), the
 * environment against want_env when not NULL (RSL_EENV), and every field,
 * index, count and limit (RSL_EFORMAT).  On success *out is one allocation
 * (free with rsl_close) holding copies of everything, with info filled but
 * for key_id and size; p is not referenced afterwards.  On failure *out is
 * NULL and err says what and where ("payload: flag 3 'x': ...").
 */
int rsl__decode_payload(rsl_snapshot **out, const uint8_t *p, size_t len,
			const char *want_env, rsl_error *err);

#endif
