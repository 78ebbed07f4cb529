/*
 * unimage.h - a snapshot's records written back as the format 1 Body
 * (docs/snapshot-format.md): the flags and segments of a format 2 file,
 * whose image the loader has checked, as the CBOR maps that rsc inspect
 * reads.  The inverse of encode.c's rsc_encode_body_from_v1: for what rsc
 * compiles, rsc_image_body_v1(decode(rsc_encode_body(...))) is
 * rsc_encode_body_v1(...)
 * byte for byte (tests/check_unimage.c).
 */
#ifndef RSC_UNIMAGE_H
#define RSC_UNIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "rsl.h"

/*
 * Decodes the Body p[0..len) of either format with the loader
 * (rsl__decode_payload: every check rsl_open makes but the signature's),
 * from a copy placed so that a format 2 image lies at a multiple of 16
 * bytes, as the loader wants it, wherever p lies.  The snapshot owns the
 * copy (rsl_close frees it).  Returns RSL_OK, or an RSL_E* code with err.
 */
int rsc_image_open(rsl_snapshot **out, const uint8_t *p, size_t len, rsl_error *err);

/*
 * Writes snap's metadata ('format' 1) and records as the format 1 Body,
 * canonical CBOR: *out is malloc'd, *outlen its size.  An image may point
 * many records at one string or list, so that its records written out are
 * far larger than it is: with max not 0, more than max bytes is refused.
 * Returns RSC_OK, RSC_EIO (out of memory) or RSC_EINVALID (over max, or a
 * value the format cannot carry); err (errlen bytes) then says what.
 */
int rsc_image_body_v1(unsigned char **out, size_t *outlen, const rsl_snapshot *snap,
		      size_t max, char *err, size_t errlen);

#endif
