/*
 * check.c - the semantic checks that need more than one file: every variant,
 * segment and prerequisite reference resolved to an index, splits summing to
 * 100 %, schedules moving forward in time, and no cycles among segments or
 * among prerequisites in any environment (docs/ruleset.md, "Semantic
 * checks").  What one file can decide on its own is load.c's.  Every problem
 * is reported at the reference that causes it, and checking goes on after
 * it, so one run shows all of them.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../loader/rfc3339.h"
#include "model.h"
#include "suggest.h"

typedef struct check_ctx {
	rsc_ruleset *rs;
	rsc_diags *d;
} check_ctx;

/* "on, off": the variants a reference may name, in written order. */
static const char *variant_names(rsc_arena *a, const rsc_flag *f)
{
	size_t len = 1;
	for (size_t i = 0; i < f->nvariants; i++)
		len += strlen(f->variants[i].name) + 2;
	char *s = rsc_arena_alloc(a, len), *p = s;
	for (size_t i = 0; i < f->nvariants; i++) {
		size_t n = strlen(f->variants[i].name);
		if (i > 0) {
			memcpy(p, ", ", 2);
			p += 2;
		}
		memcpy(p, f->variants[i].name, n);
		p += n;
	}
	*p = '\0';
	return s;
}

/* "; did you mean 'x'?" when one of names[0..n) is close to word, else "". */
static const char *did_you_mean(rsc_arena *a, const char *word,
				const char *const *names, size_t n)
{
	const char *best = rsc_suggest(word, names, n);
	if (best == NULL)
		return "";
	size_t len = strlen(best) + sizeof "; did you mean ''?";
	char *s = rsc_arena_alloc(a, len);
	snprintf(s, len, "; did you mean '%s'?", best);
	return s;
}

/* The keys of n items of size size whose first member is the key (flags,
 * segments and variants all start with their name). */
_Static_assert(offsetof(rsc_flag, key) == 0, "rsc_flag starts with its key");
_Static_assert(offsetof(rsc_segment, key) == 0, "rsc_segment starts with its key");
_Static_assert(offsetof(rsc_variant, name) == 0, "rsc_variant starts with its name");
static const char **names_of(rsc_arena *a, const void *items, size_t n, size_t size)
{
	const char **names = rsc_arena_alloc(a, (n ? n : 1) * sizeof *names);
	for (size_t i = 0; i < n; i++)
		names[i] = *(const char *const *)((const char *)items + i * size);
	return names;
}

/* Resolves r against f's variants; a NULL name is a reference load.c left
 * out on purpose (nothing to resolve), and a broken flag's variants are not
 * known (its error is already reported). */
static void resolve_variant(check_ctx *c, const rsc_flag *f, rsc_vref *r)
{
	if (r->name == NULL || f->broken)
		return;
	r->index = rsc_model_variant_index(f, r->name);
	if (r->index < 0)
		rsc_error(c->d, r->pos.file, r->pos.line, r->pos.col,
			  "unknown variant '%s' for flag '%s'; expected one of %s%s",
			  r->name, f->key, variant_names(c->rs->arena, f),
			  did_you_mean(c->rs->arena, r->name,
				       names_of(c->rs->arena, f->variants, f->nvariants,
						sizeof *f->variants),
				       f->nvariants));
}

/* A weight in 1/1000 % as the user wrote it: 95500 -> "95.5". */
static void format_weight(char *buf, size_t size, uint64_t w)
{
	uint64_t whole = w / 1000, frac = w % 1000;
	if (frac == 0) {
		snprintf(buf, size, "%" PRIu64, whole);
		return;
	}
	int digits = 3;
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, size, "%" PRIu64 ".%0*" PRIu64, whole, digits, frac);
}

static void check_split(check_ctx *c, const rsc_flag *f, rsc_split *s)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < s->n; i++) {
		rsc_vref *r = &s->variants[i];
		resolve_variant(c, f, r);
		sum += s->weights[i];
		for (size_t j = 0; j < i; j++) {
			if (r->name && s->variants[j].name &&
			    strcmp(s->variants[j].name, r->name) == 0) {
				rsc_error(c->d, r->pos.file, r->pos.line,
					  r->pos.col,
					  "variant '%s' appears more than once in "
					  "this split",
					  r->name);
				break;
			}
		}
	}
	if (sum != RSL_WEIGHT_TOTAL && !s->broken) {
		char got[32], want[32];
		format_weight(got, sizeof got, sum);
		format_weight(want, sizeof want, RSL_WEIGHT_TOTAL);
		rsc_error(c->d, s->pos.file, s->pos.line, s->pos.col,
			  "split percentages sum to %s, expected %s", got, want);
	}
}

static void check_serve(check_ctx *c, const rsc_flag *f, rsc_serve *s)
{
	switch (s->kind) {
	case RSL_SERVE_VARIANT:
		resolve_variant(c, f, &s->variant);
		break;
	case RSL_SERVE_SPLIT:
		check_split(c, f, &s->split);
		break;
	case RSL_SERVE_SCHEDULE:
		for (size_t i = 0; i < s->nsteps; i++) {
			rsc_step *st = &s->steps[i];
			if (st->kind == RSL_SERVE_SPLIT)
				check_split(c, f, &st->split);
			else
				resolve_variant(c, f, &st->variant);
			if (i > 0 && !st->broken && !s->steps[i - 1].broken &&
			    st->at <= s->steps[i - 1].at) {
				char at[RSL__TIME_MAX], prev[RSL__TIME_MAX];
				rsl__rfc3339_format(at, st->at);
				rsl__rfc3339_format(prev, s->steps[i - 1].at);
				rsc_error(c->d, st->pos.file, st->pos.line,
					  st->pos.col,
					  "schedule step at %s is not after the "
					  "previous step (%s)",
					  at, prev);
			}
		}
		break;
	}
}

/* Resolves segment references in a condition tree. */
static void check_cond(check_ctx *c, rsc_cond *k)
{
	if (k == NULL)
		return;
	switch (k->op) {
	case RSL_OP_SEGMENT:
		if (k->segment == NULL)
			break;
		k->segment_index = rsc_model_segment_index(c->rs, k->segment);
		if (k->segment_index < 0)
			rsc_error(c->d, k->pos.file, k->pos.line, k->pos.col,
				  "unknown segment '%s'; no file segments/%s.yaml%s",
				  k->segment, k->segment,
				  did_you_mean(c->rs->arena, k->segment,
					       names_of(c->rs->arena, c->rs->segments,
							c->rs->nsegments,
							sizeof *c->rs->segments),
					       c->rs->nsegments));
		break;
	case RSL_OP_ALL:
	case RSL_OP_ANY:
	case RSL_OP_NOT:
		for (size_t i = 0; i < k->nkids; i++)
			check_cond(c, k->kids[i]);
		break;
	default:
		break;
	}
}

static void check_requires(check_ctx *c, int self, rsc_req *r)
{
	rsc_flag *f = &c->rs->flags[self];
	if (r->flag == NULL)
		return;
	r->flag_index = rsc_model_flag_index(c->rs, r->flag);
	if (r->flag_index < 0) {
		rsc_error(c->d, r->pos.file, r->pos.line, r->pos.col,
			  "unknown flag '%s'; no file %s.yaml%s", r->flag, r->flag,
			  did_you_mean(c->rs->arena, r->flag,
				       names_of(c->rs->arena, c->rs->flags, c->rs->nflags,
						sizeof *c->rs->flags),
				       c->rs->nflags));
		return;
	}
	if (r->flag_index == self)
		rsc_error(c->d, r->pos.file, r->pos.line, r->pos.col,
			  "flag '%s' requires itself", f->key);
	resolve_variant(c, &c->rs->flags[r->flag_index], &r->variant);
}

/*
 * Cycle finding, shared by segments (a segment's condition uses another)
 * and prerequisites (in one environment, a flag requires another).  An
 * iterative depth-first search, since rulesets may hold many thousands of
 * nodes; each edge that leads back into the current path closes a cycle,
 * reported once, starting from its smallest node so the message does not
 * depend on where the search happened to enter it.
 */
typedef struct cyc_edge {
	int to;
	rsc_pos pos;
} cyc_edge;

typedef struct cyc_graph {
	size_t n;
	const char **names;
	cyc_edge **adj;
	size_t *nadj, *capadj;
} cyc_graph;

static void graph_init(cyc_graph *g, rsc_arena *a, size_t n)
{
	g->n = n;
	g->names = rsc_arena_alloc(a, (n ? n : 1) * sizeof *g->names);
	g->adj = rsc_arena_alloc(a, (n ? n : 1) * sizeof *g->adj);
	g->nadj = rsc_arena_alloc(a, (n ? n : 1) * sizeof *g->nadj);
	g->capadj = rsc_arena_alloc(a, (n ? n : 1) * sizeof *g->capadj);
}

static void graph_free(cyc_graph *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->adj[i]);
}

/* One edge per (from, to): a second reference adds no new cycle. */
static void graph_edge(cyc_graph *g, int from, int to, rsc_pos pos)
{
	size_t u = (size_t)from;
	for (size_t i = 0; i < g->nadj[u]; i++)
		if (g->adj[u][i].to == to)
			return;
	g->adj[u] = rsc_grow(g->adj[u], &g->capadj[u], g->nadj[u],
			     sizeof **g->adj);
	g->adj[u][g->nadj[u]++] = (cyc_edge){ to, pos };
}

enum { WHITE, GRAY, BLACK };

static void report_cycle(check_ctx *c, const cyc_graph *g, const int *stack,
			 const size_t *next, size_t from, size_t top,
			 const char *what)
{
	/* The cycle is stack[from..top], closed by top's current edge; the
	 * edge out of stack[k] is adj[stack[k]][next[k] - 1]. */
	size_t len = top - from + 1, start = from;
	for (size_t k = from; k <= top; k++)
		if (stack[k] < stack[start])
			start = k;
	size_t size = 1 + strlen(what);
	for (size_t k = from; k <= top; k++)
		size += strlen(g->names[stack[k]]) + 4;
	size += strlen(g->names[stack[start]]);
	char *msg = rsc_arena_alloc(c->rs->arena, size), *p = msg;
	p += sprintf(p, "%s", what);
	for (size_t i = 0; i < len; i++) {
		size_t k = from + (start - from + i) % len;
		p += sprintf(p, "%s -> ", g->names[stack[k]]);
	}
	sprintf(p, "%s", g->names[stack[start]]);
	int u = stack[start];
	const rsc_pos *pos = &g->adj[u][next[start] - 1].pos;
	rsc_error(c->d, pos->file, pos->line, pos->col, "%s", msg);
}

static void find_cycles(check_ctx *c, const cyc_graph *g, const char *what)
{
	if (g->n == 0)
		return;
	unsigned char *color = calloc(g->n, 1);
	int *stack = malloc(g->n * sizeof *stack);
	size_t *next = malloc(g->n * sizeof *next);
	size_t *depth = malloc(g->n * sizeof *depth);
	if (!color || !stack || !next || !depth) {
		fprintf(stderr, "rsc: out of memory\n");
		abort();
	}
	for (size_t root = 0; root < g->n; root++) {
		if (color[root] != WHITE)
			continue;
		size_t top = 0;
		stack[0] = (int)root;
		next[0] = 0;
		depth[root] = 0;
		color[root] = GRAY;
		for (;;) {
			int u = stack[top];
			if (next[top] == g->nadj[u]) {
				color[u] = BLACK;
				if (top == 0)
					break;
				top--;
				continue;
			}
			int v = g->adj[u][next[top]++].to;
			if (color[v] == GRAY) {
				report_cycle(c, g, stack, next, depth[v], top,
					     what);
			} else if (color[v] == WHITE) {
				color[v] = GRAY;
				stack[++top] = v;
				next[top] = 0;
				depth[v] = top;
			}
		}
	}
	free(color);
	free(stack);
	free(next);
	free(depth);
}

static void segment_edges(cyc_graph *g, int from, const rsc_cond *k)
{
	if (k == NULL)
		return;
	if (k->op == RSL_OP_SEGMENT && k->segment_index >= 0)
		graph_edge(g, from, k->segment_index, k->pos);
	if (k->op == RSL_OP_ALL || k->op == RSL_OP_ANY || k->op == RSL_OP_NOT)
		for (size_t i = 0; i < k->nkids; i++)
			segment_edges(g, from, k->kids[i]);
}

static void check_segment_cycles(check_ctx *c)
{
	rsc_ruleset *rs = c->rs;
	cyc_graph g;
	graph_init(&g, rs->arena, rs->nsegments);
	for (size_t i = 0; i < rs->nsegments; i++) {
		g.names[i] = rs->segments[i].key;
		segment_edges(&g, (int)i, rs->segments[i].when);
	}
	find_cycles(c, &g, "segment cycle: ");
	graph_free(&g);
}

static void check_prerequisite_cycles(check_ctx *c)
{
	rsc_ruleset *rs = c->rs;
	for (size_t e = 0; e < rs->nenvs; e++) {
		cyc_graph g;
		graph_init(&g, rs->arena, rs->nflags);
		for (size_t i = 0; i < rs->nflags; i++) {
			g.names[i] = rs->flags[i].key;
			const rsc_targeting *t = rs->flags[i].targeting
					? rs->flags[i].targeting[e] : NULL;
			if (t == NULL)
				continue;
			for (size_t j = 0; j < t->nrequires; j++) {
				const rsc_req *r = &t->requires[j];
				/* Self-requirement has its own message. */
				if (r->flag_index >= 0 && r->flag_index != (int)i)
					graph_edge(&g, (int)i, r->flag_index,
						   r->pos);
			}
		}
		char *what = rsc_arena_printf(rs->arena,
					      "prerequisite cycle in %s: ",
					      rs->envs[e].name);
		find_cycles(c, &g, what);
		graph_free(&g);
	}
}

static void check_targeting(check_ctx *c, int fi, rsc_targeting *t)
{
	rsc_flag *f = &c->rs->flags[fi];
	for (size_t i = 0; i < t->nrequires; i++) {
		rsc_req *r = &t->requires[i];
		check_requires(c, fi, r);
		/* The loader refuses a flag required twice (decode.c). */
		for (size_t j = 0; r->flag && j < i; j++)
			if (t->requires[j].flag && strcmp(t->requires[j].flag, r->flag) == 0) {
				rsc_error(c->d, r->pos.file, r->pos.line, r->pos.col,
					  "flag '%s' is required twice (first at %u:%u)",
					  r->flag, t->requires[j].pos.line,
					  t->requires[j].pos.col);
				break;
			}
	}
	for (size_t i = 0; i < t->nrules; i++) {
		check_cond(c, t->rules[i].when);
		check_serve(c, f, &t->rules[i].serve);
	}
	check_serve(c, f, &t->dflt);
}

/* ------------------------------------------------- bounds of evaluation */

/*
 * The loader refuses snapshots whose evaluation could nest or expand past the
 * limits of rsl_format.h, counting through segments and prerequisites; check
 * them here so that what rsc accepts always loads.  Cycles were refused
 * before this runs; long chains are walked bottom-up in passes rather than
 * by recursion, so a hostile ruleset cannot exhaust the stack.
 */
typedef struct bounds {
	const rsc_ruleset *rs;
	uint32_t *seg_depth;  /* levels of segment j's condition; 0: unknown */
	uint64_t *seg_cost;   /* cost of its condition (rsl_format.h) */
} bounds;

/* Costs saturate far past the budget, as the loader's do (decode.c). */
#define COST_CAP ((uint64_t)1 << 40)

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b > COST_CAP ? COST_CAP : a + b;
}

/* 1 when every segment k references has known bounds. */
static int cond_ready(const bounds *b, const rsc_cond *k)
{
	if (k->op == RSL_OP_SEGMENT)
		return k->segment_index < 0 || b->seg_depth[k->segment_index] != 0;
	for (size_t i = 0; i < rsc_cond_nkids(k); i++)
		if (!cond_ready(b, k->kids[i]))
			return 0;
	return 1;
}

static void cond_bounds(const bounds *b, const rsc_cond *k, uint32_t *depth,
			uint64_t *cost)
{
	*cost = sat_add(*cost, 1);
	if (k->op >= RSL_OP_EQ && k->op < RSL_OP_EXISTS) {
		int list = k->op == RSL_OP_IN || k->op == RSL_OP_NOT_IN;
		size_t nlist = list ? k->nlist : 0;
		uint64_t bytes = !list && k->op <= RSL_OP_ENDS_WITH &&
				 k->value.kind == RSC_V_STRING ? k->value.slen : 0;
		for (size_t i = 0; i < nlist; i++)
			if (k->list[i].kind == RSC_V_STRING)
				bytes += k->list[i].slen;
		*cost = sat_add(*cost, rsl_test_cost((int)k->op, k->case_insensitive, nlist,
						       bytes));
	}
	if (k->op == RSL_OP_SEGMENT) {
		int j = k->segment_index;
		*depth = 1 + (j >= 0 ? b->seg_depth[j] : 0);
		*cost = sat_add(*cost, j >= 0 ? b->seg_cost[j] : 0);
		return;
	}
	*depth = 1;
	for (size_t i = 0; i < rsc_cond_nkids(k); i++) {
		uint32_t kd;
		cond_bounds(b, k->kids[i], &kd, cost);
		if (kd + 1 > *depth)
			*depth = kd + 1;
	}
}

static void report_bounds(check_ctx *c, const rsc_cond *k, uint32_t depth)
{
	if (depth > RSL_MAX_COND_DEPTH)
		rsc_error(c->d, k->pos.file, k->pos.line, k->pos.col,
			  "condition nests %u levels deep counting through segments; "
			  "at most %d are allowed", depth, RSL_MAX_COND_DEPTH);
}

static void check_condition_bounds(check_ctx *c, uint64_t *own_cost)
{
	const rsc_ruleset *rs = c->rs;
	size_t n = rs->nsegments ? rs->nsegments : 1;
	bounds b = { rs, calloc(n, sizeof(uint32_t)), calloc(n, sizeof(uint64_t)) };
	if (!b.seg_depth || !b.seg_cost) {
		fputs("rsc: out of memory\n", stderr);
		abort();
	}
	for (int progress = 1; progress;) {
		progress = 0;
		for (size_t j = 0; j < rs->nsegments; j++) {
			const rsc_cond *w = rs->segments[j].when;
			if (b.seg_depth[j] || !w || !cond_ready(&b, w))
				continue;
			uint64_t cost = 0;
			cond_bounds(&b, w, &b.seg_depth[j], &cost);
			/* Saturate: past the limits the exact figure is moot. */
			if (b.seg_depth[j] > RSL_MAX_COND_DEPTH + 1)
				b.seg_depth[j] = RSL_MAX_COND_DEPTH + 1;
			b.seg_cost[j] = cost;
			report_bounds(c, w, b.seg_depth[j]);
			progress = 1;
		}
	}
	for (size_t i = 0; i < rs->nflags; i++) {
		const rsc_flag *f = &rs->flags[i];
		for (size_t e = 0; f->targeting && e < rs->nenvs; e++) {
			const rsc_targeting *t = f->targeting[e];
			uint64_t own = 1; /* the flag and its default */
			for (size_t r = 0; t && r < t->nrules; r++) {
				const rsc_cond *w = t->rules[r].when;
				uint32_t depth;
				own = sat_add(own, 1);
				if (!w || !cond_ready(&b, w))
					continue;
				cond_bounds(&b, w, &depth, &own);
				report_bounds(c, w, depth);
			}
			own_cost[i * rs->nenvs + e] = own;
		}
	}
	free(b.seg_depth);
	free(b.seg_cost);
}

/* Prerequisite chains, per environment: at most RSL_MAX_PREREQ_DEPTH flags
 * long; and each flag's cost, its own (own_cost[flag * nenvs + env], from
 * check_condition_bounds) plus its prerequisites' whole costs, at most
 * RSL_MAX_FLAG_COST (rsl_format.h), as the loader counts it (decode.c). */
static void check_prerequisite_bounds(check_ctx *c, const uint64_t *own_cost)
{
	const rsc_ruleset *rs = c->rs;
	size_t n = rs->nflags ? rs->nflags : 1;
	uint32_t *depth = calloc(n, sizeof(uint32_t)); /* flags in the chain; 0: unknown */
	uint64_t *cost = calloc(n, sizeof(uint64_t));
	if (!depth || !cost) {
		fputs("rsc: out of memory\n", stderr);
		abort();
	}
	for (size_t e = 0; e < rs->nenvs; e++) {
		memset(depth, 0, n * sizeof(uint32_t));
		for (int progress = 1; progress;) {
			progress = 0;
			for (size_t i = 0; i < rs->nflags; i++) {
				const rsc_flag *f = &rs->flags[i];
				const rsc_targeting *t = f->targeting ? f->targeting[e] : NULL;
				if (depth[i])
					continue;
				uint32_t d = 1;
				uint64_t k = t ? own_cost[i * rs->nenvs + e] : 1;
				int ready = 1;
				for (size_t r = 0; t && r < t->nrequires; r++) {
					int to = t->requires[r].flag_index;
					if (to < 0)
						continue;
					if (!depth[to]) {
						ready = 0;
						break;
					}
					if (depth[to] + 1 > d)
						d = depth[to] + 1;
					k = sat_add(k, cost[to]);
				}
				if (!ready)
					continue;
				if (d > RSL_MAX_PREREQ_DEPTH && t)
					rsc_error(c->d, t->requires[0].pos.file,
						  t->requires[0].pos.line, t->requires[0].pos.col,
						  "prerequisites of '%s' in %s chain %u flags; at most "
						  "%d are allowed", f->key, rs->envs[e].name, d,
						  RSL_MAX_PREREQ_DEPTH);
				else if (k > RSL_MAX_FLAG_COST && t)
					rsc_error(c->d, t->pos.file, t->pos.line, t->pos.col,
						  "evaluating '%s' in %s costs %s%" PRIu64 " (condition "
						  "tests and what they read, rules and prerequisites, "
						  "through segments); at most %u are allowed", f->key,
						  rs->envs[e].name, k >= COST_CAP ? "more than " : "",
						  k,
						  RSL_MAX_FLAG_COST);
				depth[i] = d > RSL_MAX_PREREQ_DEPTH ? RSL_MAX_PREREQ_DEPTH + 1 : d;
				cost[i] = k;
				progress = 1;
			}
		}
	}
	free(depth);
	free(cost);
}

int rsc_model_check(rsc_ruleset *rs, rsc_diags *d)
{
	check_ctx c = { rs, d };
	size_t errors = d->errors;

	for (size_t i = 0; i < rs->nsegments; i++)
		check_cond(&c, rs->segments[i].when);
	for (size_t i = 0; i < rs->nflags; i++) {
		rsc_flag *f = &rs->flags[i];
		resolve_variant(&c, f, &f->off_variant);
		if (f->targeting == NULL)
			continue;
		for (size_t e = 0; e < rs->nenvs; e++)
			if (f->targeting[e] != NULL)
				check_targeting(&c, (int)i, f->targeting[e]);
	}
	check_segment_cycles(&c);
	check_prerequisite_cycles(&c);
	/* Bounds assume resolved references and no cycles. */
	if (d->errors == errors && !rs->load_failed) {
		size_t n = rs->nflags * rs->nenvs;
		uint64_t *own_cost = calloc(n ? n : 1, sizeof(uint64_t));
		if (!own_cost) {
			fputs("rsc: out of memory\n", stderr);
			abort();
		}
		check_condition_bounds(&c, own_cost);
		check_prerequisite_bounds(&c, own_cost);
		free(own_cost);
	}
	return d->errors > errors ? RSC_EINVALID : RSC_OK;
}
