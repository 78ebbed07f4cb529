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

/* Where the image of a payload goes when its caller wants it in its own
 * memory: size zeroed bytes at a multiple of 16, or NULL (RSL_ENOMEM). */
typedef void *(*rsl__image_place)(void *arg, size_t size);

/*
 * rsl__decode_payload with the block (for format 1, the whole image)
 * placed by place(arg, size) after the counting pass, in memory the caller
 * owns: rsc builds format 2's body around it, with no copy of the image.
 * The snapshot's block is then NULL, its image in that memory: close the
 * snapshot before freeing it.  place NULL: rsl__decode_payload.
 */
int rsl__decode_payload_into(rsl_snapshot **out, const uint8_t *p, size_t len,
			     const char *want_env, rsl__image_place place, void *arg,
			     rsl_error *err);

#endif
