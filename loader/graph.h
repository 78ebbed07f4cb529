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

/* The same in three steps, so that validate.c checks each flag while its
 * records are still in the cache from its own checks: begin (the
 * segments; s->segments and s->flags set, their counts too), then
 * rsl__graph_flag for each flag in turn (its conditions' depth and cost,
 * its requires), then end (prerequisite chains and costs; frees g).  After
 * a failure, rsl__graph_free.  Each returns RSL_OK or a code as above. */
typedef struct rsl__graph rsl__graph;
int rsl__graph_begin(rsl__graph **g, rsl__dec *d, const rsl_snapshot *s);
int rsl__graph_flag(rsl__graph *g, uint32_t i);
int rsl__graph_end(rsl__graph *g);
void rsl__graph_free(rsl__graph *g);

/* Fills the open-addressed flag index slots (s->mask + 1 of them, zeroed):
 * 1 + the flag's index at its hash's slot or the next free one. */
void rsl__build_index(rsl_snapshot *s, uint32_t *slots);

#endif
