/*
 * graph.c - the checks over a whole decoded snapshot (decode.c calls them
 * after its filling pass): segment references and prerequisites without
 * cycles, condition depth through segments, prerequisite chains, and each
 * flag's evaluation cost within its budget (rsl_format.h); and the flag
 * index.  See graph.h.
 */
#include "graph.h"

#include <stdlib.h>

#include "keyring.h" /* rsl__fail */

typedef struct graph {
	rsl__dec *d;
	const rsl_snapshot *s;
	uint8_t *state;   /* per segment, then per flag: 0 new, 1 open, 2 done */
	uint8_t *depth;   /* segment: levels of its condition; flag: chain */
	uint64_t *cost;   /* segment: cost of its condition; flag: cost(flag)
			     (rsl_format.h), both saturated at CAP */
	uint64_t *own;    /* per flag: its cost without its prerequisites */
	uint32_t *seen;   /* per flag: 1 + the flag whose requires named it last */
} graph;

/* Costs saturate here, far past the budget (messages give the figure), so
 * that sums cannot overflow. */
#define CAP ((uint64_t)1 << 40)

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b > CAP ? CAP : a + b;
}

static int seg_walk(graph *g, uint32_t j, unsigned level);

/* Depth (levels from c down) and cost (rsl_format.h) of condition c, found
 * at nesting level `level` (1 for a rule's `when`); cost is added to. */
static int cond_walk(graph *g, const rsl__cond *c, unsigned level,
		     unsigned *depth, uint64_t *cost)
{
	int rc;
	if (level > RSL_MAX_COND_DEPTH)
		return rsl__dec_fail(g->d, RSL_EFORMAT, "conditions nested deeper than %d "
				     "levels (counting through segments)",
				     RSL_MAX_COND_DEPTH);
	*cost = sat_add(*cost, 1);
	if (c->op >= RSL_OP_EQ && c->op < RSL_OP_EXISTS) {
		uint64_t bytes = c->op <= RSL_OP_ENDS_WITH && c->value.kind == RSL__V_STRING
				 ? c->value.s.len : 0;
		for (uint32_t i = 0; i < c->nlist; i++)
			if (RSL__AT(rsl__val, c->list)[i].kind == RSL__V_STRING)
				bytes += RSL__AT(rsl__val, c->list)[i].s.len;
		*cost = sat_add(*cost, rsl_test_cost(c->op, c->ci, c->nlist, bytes));
	}
	*depth = 1;
	if (c->op == RSL_OP_SEGMENT) {
		if ((rc = seg_walk(g, c->segment, level + 1)) < 0)
			return rc;
		*depth = 1u + g->depth[c->segment];
		if (level - 1 + *depth > RSL_MAX_COND_DEPTH)
			return rsl__dec_fail(g->d, RSL_EFORMAT, "conditions nested deeper "
					     "than %d levels (counting through segments)",
					     RSL_MAX_COND_DEPTH);
		*cost = sat_add(*cost, g->cost[c->segment]);
		return RSL_OK;
	}
	for (uint32_t i = 0; i < c->nkids; i++) {
		unsigned kd;
		if ((rc = cond_walk(g, &RSL__AT(rsl__cond, c->kids)[i], level + 1, &kd, cost)) < 0)
			return rc;
		if (kd + 1 > *depth)
			*depth = kd + 1;
	}
	return RSL_OK;
}

static int seg_walk(graph *g, uint32_t j, unsigned level)
{
	if (g->state[j] == 2)
		return RSL_OK;
	if (g->state[j] == 1)
		return rsl__dec_fail(g->d, RSL_EFORMAT, "segments refer to each other in a "
				     "cycle through '%s'", RSL__S(g->s->segments[j].key));
	g->state[j] = 1;
	unsigned depth;
	uint64_t cost = 0;
	int rc = cond_walk(g, rsl__when(&g->s->segments[j].when), level, &depth, &cost);
	if (rc < 0)
		return rc;
	g->state[j] = 2;
	g->depth[j] = (uint8_t)depth;
	g->cost[j] = cost;
	return RSL_OK;
}

/* The longest prerequisite chain below flag i, and cost(flag i): its own
 * cost plus, for each prerequisite, that flag's whole cost, as often as the
 * evaluator evaluates it (once per requiring flag; a flag reached through
 * two paths is evaluated, and counted, twice). */
static int req_walk(graph *g, uint32_t i, unsigned level)
{
	size_t k = g->s->nsegments + (size_t)i;
	const rsl__flag *f = &g->s->flags[i];
	if (g->state[k] == 2)
		return RSL_OK;
	if (g->state[k] == 1)
		return rsl__dec_fail(g->d, RSL_EFORMAT, "prerequisites form a cycle through "
				     "flag '%s'", RSL__S(f->key));
	if (level + 1 > RSL_MAX_PREREQ_DEPTH) /* flags in the chain so far */
		return rsl__dec_fail(g->d, RSL_EFORMAT, "prerequisites nest deeper than %d "
				     "flags", RSL_MAX_PREREQ_DEPTH);
	g->state[k] = 1;
	unsigned depth = 0;
	uint64_t cost = g->own[i];
	for (uint32_t r = 0; r < f->nrequires; r++) {
		const rsl__req *rq = &RSL__AT(rsl__req, f->requires)[r];
		const rsl__flag *t = &g->s->flags[rq->flag];
		if (rq->variant >= t->nvariants)
			return rsl__dec_fail(g->d, RSL_EFORMAT, "flag '%s' requires variant "
					     "index %u of '%s', out of range (%u variants)",
					     RSL__S(f->key), (unsigned)rq->variant, RSL__S(t->key),
					     (unsigned)t->nvariants);
		int rc = req_walk(g, rq->flag, level + 1);
		if (rc < 0)
			return rc;
		size_t tk = g->s->nsegments + (size_t)rq->flag;
		if (g->depth[tk] + 1u > depth)
			depth = g->depth[tk] + 1u;
		cost = sat_add(cost, g->cost[tk]);
	}
	if (level + depth + 1 > RSL_MAX_PREREQ_DEPTH) /* flags in the longest chain */
		return rsl__dec_fail(g->d, RSL_EFORMAT, "prerequisites nest deeper than %d "
				     "flags", RSL_MAX_PREREQ_DEPTH);
	if (cost > RSL_MAX_FLAG_COST)
		return rsl__dec_fail(g->d, RSL_EFORMAT, "evaluating flag '%s' costs %s%llu "
				     "(condition tests and what they read, rules and "
				     "prerequisites, through segments), over the budget of %u",
				     RSL__S(f->key), cost >= CAP ? "more than " : "",
				     (unsigned long long)cost,
				     RSL_MAX_FLAG_COST);
	g->state[k] = 2;
	g->depth[k] = (uint8_t)depth;
	g->cost[k] = cost;
	return RSL_OK;
}

struct rsl__graph {
	graph g;
};

static void graph_free(graph *g)
{
	free(g->state);
	free(g->depth);
	free(g->cost);
	free(g->own);
	free(g->seen);
}

int rsl__graph_begin(rsl__graph **out, rsl__dec *d, const rsl_snapshot *s)
{
	size_t n = (size_t)s->nsegments + s->nflags;
	size_t nf = s->nflags ? s->nflags : 1;
	rsl__graph *gr = calloc(1, sizeof *gr);
	*out = NULL;
	if (gr == NULL)
		return rsl__fail(d->err, RSL_ENOMEM, "out of memory");
	graph *g = &gr->g;
	*g = (graph){ d, s, calloc(n ? n : 1, 1), calloc(n ? n : 1, 1),
		      calloc(n ? n : 1, sizeof(uint64_t)), calloc(nf, sizeof(uint64_t)),
		      calloc(nf, sizeof(uint32_t)) };
	int rc = RSL_OK;
	d->sub = SUB_NONE;
	if (!g->state || !g->depth || !g->cost || !g->own || !g->seen) {
		rc = rsl__fail(d->err, RSL_ENOMEM, "out of memory");
		goto out;
	}
	d->what = "segment";
	for (uint32_t j = 0; j < s->nsegments; j++) {
		d->index = j;
		d->key = RSL__S(s->segments[j].key);
		d->keylen = s->segments[j].key.len;
		if ((rc = seg_walk(g, j, 1)) < 0)
			goto out;
	}
	*out = gr;
	return RSL_OK;
out:
	graph_free(g);
	free(gr);
	return rc;
}

int rsl__graph_flag(rsl__graph *gr, uint32_t i)
{
	graph *g = &gr->g;
	rsl__dec *d = g->d;
	const rsl_snapshot *s = g->s;
	const rsl__flag *f = &s->flags[i];
	uint64_t own = 1;
	int rc;
	d->what = "flag";
	d->index = i;
	d->key = RSL__S(f->key);
	d->keylen = f->key.len;
	for (uint32_t r = 0; r < f->nrules; r++) {
		unsigned depth;
		const rsl__cond *c = rsl__when(&RSL__AT(rsl__rule, f->rules)[r].when);
		d->sub = SUB_RULE, d->subi = r;
		own = sat_add(own, 1);
		if (c && (rc = cond_walk(g, c, 1, &depth, &own)) < 0)
			return rc;
	}
	d->sub = SUB_NONE;
	g->own[i] = own;
	return RSL_OK;
}

int rsl__graph_end(rsl__graph *gr)
{
	int rc = RSL_OK;
	if (gr == NULL)
		return RSL_OK;
	graph *g = &gr->g;
	rsl__dec *d = g->d;
	const rsl_snapshot *s = g->s;
	d->what = "flag";
	d->sub = SUB_NONE;
	/* Here, not per flag: the key of a flag required twice is named, and
	 * every flag's records have been checked by now. */
	for (uint32_t i = 0; i < s->nflags && rc == RSL_OK; i++) {
		const rsl__flag *f = &s->flags[i];
		d->index = i;
		d->key = RSL__S(f->key);
		d->keylen = f->key.len;
		for (uint32_t r = 0; r < f->nrequires && rc == RSL_OK; r++) {
			uint32_t to = RSL__AT(rsl__req, f->requires)[r].flag;
			if (g->seen[to] == i + 1)
				rc = rsl__dec_fail(d, RSL_EFORMAT, "requires %u: flag '%s' is "
						   "required twice", (unsigned)r,
						   RSL__S(s->flags[to].key));
			g->seen[to] = i + 1;
		}
	}
	for (uint32_t i = 0; i < s->nflags && rc == RSL_OK; i++) {
		const rsl__flag *f = &s->flags[i];
		d->index = i;
		d->key = RSL__S(f->key);
		d->keylen = f->key.len;
		rc = req_walk(g, i, 0);
	}
	graph_free(g);
	free(gr);
	return rc;
}

void rsl__graph_free(rsl__graph *gr)
{
	if (gr) {
		graph_free(&gr->g);
		free(gr);
	}
}

int rsl__check_graph(rsl__dec *d, rsl_snapshot *s)
{
	rsl__graph *g;
	int rc = rsl__graph_begin(&g, d, s);
	for (uint32_t i = 0; rc == RSL_OK && i < s->nflags; i++)
		rc = rsl__graph_flag(g, i);
	if (rc < 0) {
		rsl__graph_free(g);
		return rc;
	}
	return rsl__graph_end(g);
}

void rsl__build_index(rsl_snapshot *s, uint32_t *slots)
{
	for (uint32_t i = 0; i < s->nflags; i++) {
		uint64_t j = s->flags[i].hash & s->mask;
		while (slots[j])
			j = (j + 1) & s->mask;
		slots[j] = i + 1;
	}
}
