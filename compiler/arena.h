/*
 * arena.h - bump allocation for everything that lives as long as one run of
 * the compiler (YAML trees, the model, diagnostics' strings).  One free at
 * the end instead of a free per node; allocation failure aborts the process
 * with a message, since rsc is a short-lived command-line tool.
 */
#ifndef RSC_ARENA_H
#define RSC_ARENA_H

#include <stddef.h>

typedef struct rsc_arena_chunk rsc_arena_chunk;
typedef struct rsc_arena {
	rsc_arena_chunk *head;
} rsc_arena;

#define RSC_ARENA_INIT { NULL }

/* Zeroed memory aligned for any type; never NULL. */
void *rsc_arena_alloc(rsc_arena *a, size_t size);
/* Copy of s[0..len) with a terminating NUL, packed without alignment (so is
 * rsc_arena_printf's text). */
char *rsc_arena_strndup(rsc_arena *a, const char *s, size_t len);
char *rsc_arena_strdup(rsc_arena *a, const char *s);
/* printf into the arena. */
char *rsc_arena_printf(rsc_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Frees every chunk; the arena may be reused afterwards. */
void rsc_arena_free(rsc_arena *a);

/* Growable array helper: ensures room for one more element of size elem. */
void *rsc_grow(void *v, size_t *cap, size_t n, size_t elem);

#endif
