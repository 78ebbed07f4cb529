/*
 * search.h - substring search in linear time, without allocating: the
 * `contains` operator (docs/ruleset.md).  Internal to librsl.
 */
#ifndef RSL_SEARCH_H
#define RSL_SEARCH_H

#include <stddef.h>

/* Whether n[0..nlen) occurs in h[0..hlen) (1) or not (0), folding ASCII
 * letters when ci.  Two-Way (Crochemore and Perrin, 1991): at most about
 * 2·hlen + 2·nlen byte comparisons whatever the bytes, a few KiB of stack,
 * no heap. */
int rsl__search(const char *h, size_t hlen, const char *n, size_t nlen, int ci);

#endif
