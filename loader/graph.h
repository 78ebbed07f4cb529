/*
 * graph.h - the checks that span a whole snapshot, and its flag index
 * (internal to librsl; used by decode.c).
 */
#ifndef RSL_GRAPH_H
#define RSL_GRAPH_H

#include <stdint.h>

#include "decode_ctx.h"
#include "snap.h"

/* Refuses (RSL_EFORMAT, a message through d naming the flag or segment) a
 * cycle of segment references or prerequisites, conditions nested deeper
 * than RSL_MAX_COND_DEPTH counting through segments, a prerequisite chain
 * longer than RSL_MAX_PREREQ_DEPTH, a flag required twice by one flag, a
 * required variant out of range, and a flag whose evaluation costs more
 * than RSL_MAX_FLAG_COST.  RSL_OK, or RSL_ENOMEM. */
int rsl__check_graph(rsl__dec *d, rsl_snapshot *s);

/* Fills the open-addressed flag index slots (s->mask + 1 of them, zeroed):
 * 1 + the flag's index at its hash's slot or the next free one. */
void rsl__build_index(rsl_snapshot *s, uint32_t *slots);

#endif
