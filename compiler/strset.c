/* strset.c - text stored once; see strset.h. */
#include "strset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* Longer text (descriptions) rarely repeats: not worth a slot. */
#define SHARED_MAX 64

static size_t home(const rsc_strset *set, const char *s, size_t len)
{
	return (size_t)XXH3_64bits(s, len) & (set->cap - 1);
}

static void grow(rsc_strset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 1024;
	const char **old = set->slot;
	size_t oldcap = set->cap;
	set->slot = calloc(cap, sizeof *set->slot);
	if (!set->slot) {
		fputs("rsc: out of memory\n", stderr);
		abort();
	}
	set->cap = cap;
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i])
			continue;
		size_t j = home(set, old[i], strlen(old[i]));
		while (set->slot[j])
			j = (j + 1) & (cap - 1);
		set->slot[j] = old[i];
	}
	free(old);
}

const char *rsc_strset_add(rsc_strset *set, const char *s, size_t len)
{
	if (len > SHARED_MAX || memchr(s, '\0', len))
		return rsc_arena_strndup(set->a, s, len);
	if (2 * (set->n + 1) > set->cap)
		grow(set);
	size_t i = home(set, s, len);
	for (; set->slot[i]; i = (i + 1) & (set->cap - 1))
		if (memcmp(set->slot[i], s, len) == 0 && set->slot[i][len] == '\0')
			return set->slot[i];
	set->n++;
	return set->slot[i] = rsc_arena_strndup(set->a, s, len);
}

void rsc_strset_free(rsc_strset *set)
{
	if (!set)
		return;
	free(set->slot);
	set->slot = NULL;
	set->cap = set->n = 0;
}
