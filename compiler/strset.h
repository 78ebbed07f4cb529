/*
 * strset.h - each distinct short text stored once: the scalars of a large
 * ruleset repeat (every targeting file says "rules", "when", "serve", the
 * same variant, attribute and segment names), and the model keeps their
 * text for the whole run.  The text lives in an arena; the set only finds
 * it again.
 */
#ifndef RSC_STRSET_H
#define RSC_STRSET_H

#include <stddef.h>

#include "arena.h"

typedef struct rsc_strset {
	rsc_arena *a;       /* where the text is */
	const char **slot;  /* open addressing; NULL: empty */
	size_t cap, n;
} rsc_strset;

#define RSC_STRSET_INIT(arena) { (arena), NULL, 0, 0 }

/* A NUL-terminated copy of s[0..len) in s->a, the same pointer as an earlier
 * call's for the same text when it is short and holds no NUL (what is kept
 * must never be written to).  Never NULL. */
const char *rsc_strset_add(rsc_strset *set, const char *s, size_t len);

/* Frees the set's table, not the text (NULL is fine). */
void rsc_strset_free(rsc_strset *set);

#endif
