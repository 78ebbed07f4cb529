/*
 * suggest.h - "did you mean": the known name closest to a misspelt one, for
 * the compiler's messages about unknown keys, segments, flags, variants
 * and environments.  One measure everywhere, so every command suggests the
 * same way.
 */
#ifndef RSC_SUGGEST_H
#define RSC_SUGGEST_H

#include <stddef.h>

/* Edit distance between x and y with adjacent transpositions (optimal
 * string alignment), or 3 when it is more than 2: names are short, and
 * farther ones are no longer suggestions. */
size_t rsc_edit_distance(const char *x, size_t xl, const char *y, size_t yl);

/* Whether a candidate of length cl is close enough to suggest at distance
 * d: one edit for names of up to four characters, two for longer ones. */
int rsc_close_enough(size_t d, size_t cl);

/* The closest of names[0..n) to word (NULL entries skipped), or NULL when
 * none is close enough; the first of equally close ones. */
const char *rsc_suggest(const char *word, const char *const *names, size_t n);

#endif
