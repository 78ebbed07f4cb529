/*
 * simulate.h - who moves between two revisions: a population of contexts
 * (JSON Lines, the shape --context takes) evaluated by librsl on both sides
 * (review.h), tallied per environment and flag as a from->to matrix of
 * variants.  The contexts are streamed line by line: memory is the tallies
 * and the longest line, whatever the file's length.
 */
#ifndef RSC_SIMULATE_H
#define RSC_SIMULATE_H

#include <stdint.h>
#include <stdio.h>

#include "review.h"

/* The variant a side served; also the name of the rows and columns below. */
#define RSC_SIM_ABSENT "(absent)" /* the flag or environment is not on that side */

typedef struct rsc_sim_flag {
	const char *key;
	/* Variant names of both sides (A's first, then B's new ones), then
	 * RSC_SIM_ABSENT: the rows (A) and columns (B) of m. */
	const char **names;
	size_t nnames;
	uint64_t *m;            /* m[from * nnames + to] contexts */
	uint64_t changed;       /* contexts whose variant differs */
	const rsc_flag *fa, *fb;/* the flag on each side, or NULL */
} rsc_sim_flag;

typedef struct rsc_sim_env {
	const char *name;
	int protected_;         /* on side B (or A when B lacks it) */
	const rsl_snapshot *sa, *sb; /* NULL where the side lacks it */
	rsc_sim_flag *flags;    /* the union of both sides' keys, sorted */
	size_t nflags;
	uint64_t contexts;      /* evaluated here (a context naming another
	                           environment is not) */
} rsc_sim_env;

typedef struct rsc_sim {
	const rsc_review *a, *b;
	rsc_sim_env *envs;      /* B's order, then A's environments B lacks */
	size_t nenvs;
	uint64_t contexts;      /* lines read */
	int64_t now;            /* evaluation time of every context */
} rsc_sim;

/*
 * Prepares the tallies for the environments both reviews compiled (envs
 * [0..n) when n > 0: each must be on a side, else RSC_EUSAGE with a message
 * in err).  now is the evaluation time of every context (seconds since the
 * epoch), the same on both sides.  RSC_OK, or RSC_EUSAGE.  Free with
 * rsc_sim_free.
 */
int rsc_sim_init(rsc_sim *s, const rsc_review *a, const rsc_review *b,
		 const char *const *envs, size_t n, int64_t now, char *err, size_t errlen);

/*
 * Reads JSON Lines from in (named path in messages) and tallies each
 * context.  Blank lines are skipped.  A line that is not a context stops the
 * run: RSC_EINVALID with "PATH:LINE:COL: message" in err; RSC_EIO for a read
 * error.  RSC_OK at the end of the file.
 */
int rsc_sim_run(rsc_sim *s, FILE *in, const char *path, char *err, size_t errlen);

void rsc_sim_free(rsc_sim *s);

#endif
