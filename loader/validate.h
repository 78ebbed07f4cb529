/*
 * validate.h - a format 2 snapshot's image, checked where it lies
 * (validate.c).  Internal to librsl.
 */
#ifndef RSL_VALIDATE_H
#define RSL_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "decode_ctx.h"
#include "snap.h"

/*
 * Checks the image p[0..len) (16-byte aligned) and, when it is sound, points
 * s's flags, segments and index into it.  RSL_OK, or RSL_EFORMAT from
 * rsl__dec_fail ("payload: flag 3 'x': image: ...").  The graph checks
 * (graph.h) come after.
 */
int rsl__image_check(rsl__dec *d, rsl_snapshot *s, const uint8_t *p, size_t len);

#endif
