/* arena.c - bump allocator; see arena.h. */
#include "arena.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rsc_arena_chunk {
	rsc_arena_chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct rsc_arena_block {
	rsc_arena_block *prev, *next;
	max_align_t data[];
};

#define CHUNK_MIN (64u * 1024u)

static void oom(void)
{
	fputs("rsc: out of memory\n", stderr);
	abort();
}

/* size bytes at the next multiple of align in the current chunk, or in a
 * new one; not zeroed. */
static void *bump(rsc_arena *a, size_t size, size_t align)
{
	rsc_arena_chunk *c = a->head;
	size_t at = c ? (c->used + align - 1) / align * align : 0;
	if (!c || at > c->size || c->size - at < size) {
		size_t want = size > CHUNK_MIN ? size : CHUNK_MIN;
		if (want > SIZE_MAX - sizeof(*c))
			oom();
		c = a->parent ? rsc_arena_block_alloc(a->parent, sizeof(*c) + want)
			      : malloc(sizeof(*c) + want);
		if (!c)
			oom();
		c->size = want;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		at = 0;
	}
	void *p = (char *)c->data + at;
	c->used = at + size;
	return p;
}

void *rsc_arena_alloc(rsc_arena *a, size_t size)
{
	const size_t align = sizeof(max_align_t);
	size = (size + align - 1) / align * align;
	if (size == 0)
		size = align;
	void *p = bump(a, size, align);
	memset(p, 0, size);
	return p;
}

/* Text needs no alignment: a scalar of three bytes takes four, not sixteen. */
char *rsc_arena_strndup(rsc_arena *a, const char *s, size_t len)
{
	if (len > SIZE_MAX - 1)
		oom();
	char *p = bump(a, len + 1, 1);
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *rsc_arena_strdup(rsc_arena *a, const char *s)
{
	return rsc_arena_strndup(a, s, strlen(s));
}

char *rsc_arena_printf(rsc_arena *a, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	if ((size_t)n < sizeof small)
		return rsc_arena_strndup(a, small, (size_t)n);
	char *p = bump(a, (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void *rsc_arena_block_alloc(rsc_arena *a, size_t size)
{
	if (a->parent)
		return rsc_arena_block_alloc(a->parent, size);
	if (size > SIZE_MAX - sizeof(rsc_arena_block))
		oom();
	rsc_arena_block *b = malloc(sizeof *b + size);
	if (!b)
		oom();
	b->prev = NULL;
	b->next = a->blocks;
	if (b->next)
		b->next->prev = b;
	a->blocks = b;
	return b->data;
}

void rsc_arena_block_free(rsc_arena *a, void *p)
{
	if (!p)
		return;
	if (a->parent) {
		rsc_arena_block_free(a->parent, p);
		return;
	}
	rsc_arena_block *b = (rsc_arena_block *)((char *)p - offsetof(rsc_arena_block, data));
	if (b->prev)
		b->prev->next = b->next;
	else
		a->blocks = b->next;
	if (b->next)
		b->next->prev = b->prev;
	free(b);
}

void rsc_arena_free(rsc_arena *a)
{
	while (a->blocks)
		rsc_arena_block_free(a, a->blocks->data);
	rsc_arena_chunk *c = a->head;
	while (c) {
		rsc_arena_chunk *next = c->next;
		if (a->parent)
			rsc_arena_block_free(a->parent, c);
		else
			free(c);
		c = next;
	}
	a->head = NULL;
}

void *rsc_grow(void *v, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return v;
	size_t ncap = *cap ? *cap * 2 : 8;
	if (ncap > SIZE_MAX / elem)
		oom();
	void *p = realloc(v, ncap * elem);
	if (!p)
		oom();
	*cap = ncap;
	return p;
}
