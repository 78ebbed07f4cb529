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
typedef struct rsc_arena_block rsc_arena_block;
typedef struct rsc_arena {
	rsc_arena_chunk *head;
	rsc_arena_block *blocks; /* rsc_arena_block_alloc's, in a list */
	struct rsc_arena *parent; /* NULL, or the arena this one is a part of */
} rsc_arena;

#define RSC_ARENA_INIT { NULL, NULL, NULL }

/* A part of arena parent: its chunks are blocks of parent, so freeing
 * parent frees them, and rsc_arena_free(part) frees them sooner (a part of
 * the model that is done with before the rest).  For rsc_arena_alloc and
 * the text functions; a part's rsc_arena_block_alloc's are parent's. */
#define RSC_ARENA_PART(parent) { NULL, NULL, (parent) }

/* Zeroed memory aligned for any type; never NULL. */
void *rsc_arena_alloc(rsc_arena *a, size_t size);
/* Copy of s[0..len) with a terminating NUL, packed without alignment (so is
 * rsc_arena_printf's text). */
char *rsc_arena_strndup(rsc_arena *a, const char *s, size_t len);
char *rsc_arena_strdup(rsc_arena *a, const char *s);
/* printf into the arena. */
char *rsc_arena_printf(rsc_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* size bytes (not zeroed) of their own, which the arena frees with the rest
 * unless rsc_arena_block_free frees them sooner: for what is big in total
 * and needed only for a while (the files' bytes while they are parsed). */
void *rsc_arena_block_alloc(rsc_arena *a, size_t size);
/* Frees a block of rsc_arena_block_alloc now (NULL is fine). */
void rsc_arena_block_free(rsc_arena *a, void *p);
/* Frees every chunk and block; the arena may be reused afterwards. */
void rsc_arena_free(rsc_arena *a);

/* Growable array helper: ensures room for one more element of size elem. */
void *rsc_grow(void *v, size_t *cap, size_t n, size_t elem);

#endif
