/*
 * revs.h - which two sides a review compares (rsc diff, rsc simulate): the
 * one reader of "REV_A [REV_B] [--worktree]", so that every command picks
 * the same commits by default and says so in the same words.
 *
 * Defaults (docs/review.md):
 *   A  the merge base of HEAD with its upstream branch (the branch's
 *      branch.<name>.remote and branch.<name>.merge in the git
 *      configuration), what a pull request is compared against; when HEAD
 *      has no upstream (a detached HEAD, as CI checks a pull request out,
 *      or a branch never pushed): HEAD~1.  When HEAD has nothing beyond its
 *      upstream (on main after a merge) the merge base is HEAD itself, and
 *      A is HEAD~1 instead, the last change.  With --worktree and no
 *      upstream, A is HEAD: the diff is what is being edited.
 *   B  HEAD; with --worktree the files on disk under the root.
 */
#ifndef RSC_REVS_H
#define RSC_REVS_H

#include "arena.h"
#include "diag.h"
#include "source.h" /* RSC_OK, RSC_EUSAGE, RSC_EIO */

typedef struct rsc_rev_side {
	int worktree;      /* the files on disk under the root */
	char commit[41];   /* the commit's hex id; "" for the work tree */
	/* For people: "main@1a2b3c4 (merge base with origin/main)",
	 * "HEAD~1@1a2b3c4", "feature@5d6e7f8", "work tree"; in the arena. */
	const char *label;
} rsc_rev_side;

typedef struct rsc_revs {
	rsc_rev_side a, b;
} rsc_revs;

/*
 * Resolves the two sides for the ruleset under root: rev_a and rev_b as
 * given (either may be NULL for its default; rev_b with worktree is a usage
 * error), worktree making B the work tree.  Labels are allocated in a.
 * Returns RSC_OK; RSC_EUSAGE or RSC_EIO with one diagnostic (no file) in d:
 * "cannot resolve revision 'X': ...", "HEAD (1a2b3c4) is the first commit:
 * there is no HEAD~1 to compare with; name REV_A", a clone too shallow to
 * hold HEAD~1 or the merge base, root not in a repository, no commit yet.
 */
int rsc_revs_resolve(rsc_revs *out, rsc_arena *a, const char *root,
		     const char *rev_a, const char *rev_b, int worktree,
		     rsc_diags *d);

/* What rsc_source_read reads for side s: its commit id, or NULL for the
 * work tree. */
const char *rsc_revs_source_rev(const rsc_rev_side *s);

#endif
