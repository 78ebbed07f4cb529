/*
 * review.h - a ruleset at a revision (or the work tree) compiled in memory
 * and opened with librsl, one snapshot per environment: what `rsc explain
 * --root`, `rsc test` and `rsc simulate` evaluate.  Every decision then comes
 * from the loader's one evaluator, and a reviewer needs no key: the
 * snapshots are signed with rsc_compile's ephemeral key (wiped before it
 * returns; its public half is the only key in the keyring here) and never
 * written, so protected environments open from the work tree too.
 *
 *   rsc_review r;
 *   if (rsc_review_open(&r, "flags", "HEAD", NULL, 0) == RSC_OK) {
 *           const rsl_snapshot *prod = rsc_review_snapshot(&r, "prod");
 *           rsc_review_evaluate(&res, prod, rsc_review_flag(&r, "new-checkout"),
 *                               "new-checkout", &ctx);
 *   }
 *   rsc_review_free(&r);
 */
#ifndef RSC_REVIEW_H
#define RSC_REVIEW_H

#include <stddef.h>

#include "compile.h"
#include "../loader/rsl.h"

typedef struct rsc_review {
	rsc_compiled c;        /* the compile: ruleset, files, diagnostics */
	rsl_snapshot **snaps;  /* [c.nsnaps], opened from c.snaps */
} rsc_review;

/*
 * Compiles root at rev (NULL: the work tree) for the environments envs[0..n)
 * (n 0: all) and opens each snapshot.  *out is always initialised; free it
 * with rsc_review_free.  Returns rsc_compile's codes (compile.h): RSC_OK,
 * RSC_EINVALID (out->c.diags), RSC_EUSAGE (an unknown environment:
 * out->c.message) or RSC_EIO (out->c.diags or out->c.message).  Not
 * thread-safe (rsc_compile is not); the snapshots it opened are.
 */
int rsc_review_open(rsc_review *out, const char *root, const char *rev,
		    const char *const *envs, size_t n);

/* The opened snapshot of environment env, or NULL when it was not compiled
 * (not in the ruleset, or not asked for).  Valid until rsc_review_free. */
const rsl_snapshot *rsc_review_snapshot(const rsc_review *r, const char *env);

/* The flag of that key in the ruleset, or NULL. */
const rsc_flag *rsc_review_flag(const rsc_review *r, const char *key);

/*
 * Evaluates flag f (rsc_review_flag's, or NULL) in snap (one of r's) for ctx
 * with the flag's own type, so that the result carries its variant; with f
 * NULL, key is evaluated and gives reason ERROR, error FLAG_NOT_FOUND.
 * Never allocates; thread-safe.
 */
void rsc_review_evaluate(rsl_result *out, const rsl_snapshot *snap, const rsc_flag *f,
			 const char *key, const rsl_context *ctx);

/* The closest flag key to key (did you mean), or NULL. */
const char *rsc_review_suggest_flag(const rsc_review *r, const char *key);

/* The closest environment name to env, or NULL. */
const char *rsc_review_suggest_env(const rsc_review *r, const char *env);

/* Frees what r holds; r may be reused.  Accepts a zeroed r. */
void rsc_review_free(rsc_review *r);

#endif
