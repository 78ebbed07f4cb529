/*
 * log.h - the audit trail from git (rsc log): the first-parent history of
 * a revision, newest first, each commit whose compiled ruleset differs from
 * its first parent's, with the change in words (diff.h).  A commit whose
 * tree under the ruleset root is its parent's (same tree id) is skipped
 * without reading a file; the others are read, checked and compared like
 * rsc diff's sides.  A merge is compared with its first parent: what it
 * brought to the branch.
 */
#ifndef RSC_LOG_H
#define RSC_LOG_H

#include <stdint.h>

#include "diff.h"

/* One commit that changed what is compiled (or could not be compared). */
typedef struct rsc_log_entry {
	char commit[41];
	const char *author;          /* "Name <email>" */
	int64_t time;                /* committer time: when it landed */
	const char *subject;
	const char *reverts;         /* "This reverts commit X": X (hex), or NULL */
	const char *reverts_subject; /* X's subject when the clone has X, or NULL */
	/* Why the commit could not be compared ("the ruleset at this commit
	 * is not valid: 2 errors"), or NULL; diff is then empty. */
	const char *problem;
	const rsc_diff *diff;        /* its changes (filtered by flag and env) */
} rsc_log_entry;

typedef struct rsc_log_options {
	const char *root;       /* the ruleset root, as for rsc_source_read */
	const char *rev;        /* where the walk starts; NULL for HEAD */
	const char *flag;       /* only this flag's changes; NULL for all */
	const char *env;        /* only this environment's; NULL for all */
	int has_since;
	int64_t since;          /* stop at the first commit that landed before */
	/* Called for each entry, newest first; the entry and what it points
	 * to are valid during the call.  A non-zero return stops the walk. */
	int (*entry)(void *arg, const rsc_log_entry *e);
	void *arg;
} rsc_log_options;

/* How the walk ended, beyond the entries. */
typedef struct rsc_log_end {
	/* The clone is shallow and history stops at this commit (hex): its
	 * parent is not in the repository, so its own change is unknown. */
	char shallow_at[41];
	int64_t shallow_time;
} rsc_log_end;

/* Walks history as options say.  RSC_OK, or RSC_EIO with diagnostics (no
 * repository, a revision that does not resolve, a read that fails). */
int rsc_log_walk(const rsc_log_options *o, rsc_log_end *end, rsc_diags *d);

#endif
