/* load_keys.c - the checks every YAML mapping of a ruleset goes through:
 * allowed keys (with "did you mean" for a misspelling), node kinds,
 * required keys; see load.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "scalar.h"
#include "suggest.h"

rsc_pos rsc_load_pos(const rsc_ynode *n)
{
	rsc_pos p = { n->file, n->line, n->col };
	return p;
}

/* "a, b, c" */
const char *rsc_load_join(rsc_arena *a, const char *const *words, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(words[i]) + 2;
	char *s = rsc_arena_alloc(a, len), *p = s;
	for (size_t i = 0; i < n; i++) {
		if (i) {
			memcpy(p, ", ", 2);
			p += 2;
		}
		size_t l = strlen(words[i]);
		memcpy(p, words[i], l);
		p += l;
	}
	*p = '\0';
	return s;
}

size_t rsc_load_count_words(const char *const *words)
{
	size_t n = 0;
	while (words[n])
		n++;
	return n;
}

int rsc_load_in_words(const char *const *words, const rsc_ynode *k)
{
	for (size_t i = 0; words[i]; i++)
		if (strlen(words[i]) == k->len && memcmp(words[i], k->text, k->len) == 0)
			return 1;
	return 0;
}

const rsc_ynode *rsc_load_map_key(const rsc_ynode *map, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i < map->n; i++)
		if (map->keys[i]->len == klen && memcmp(map->keys[i]->text, key, klen) == 0)
			return map->keys[i];
	return NULL;
}

/* The allowed key that k is most likely a misspelling of, one the mapping
 * does not already have; NULL if none is close (two edits, one for keys of
 * up to four characters). */
static const char *likely_key(const rsc_ynode *map, const rsc_ynode *k,
			      const char *const *allowed)
{
	const char *best = NULL;
	size_t best_d = 3;
	for (size_t i = 0; allowed[i]; i++) {
		size_t al = strlen(allowed[i]);
		size_t dd = rsc_edit_distance(k->text, k->len, allowed[i], al);
		if (rsc_close_enough(dd, al) && dd < best_d &&
		    !rsc_load_map_key(map, allowed[i])) {
			best = allowed[i];
			best_d = dd;
		}
	}
	return best;
}

/* Whether an unknown key of map was taken for key. */
int rsc_load_guessed(const rsc_loader *L, const rsc_ynode *map, const char *key)
{
	for (const rsc_load_guess *g = L->guesses; g; g = g->next)
		if (g->map == map && strcmp(g->key, key) == 0)
			return 1;
	return 0;
}

/* Reports every key of map not in allowed; returns how many.  A key close to
 * an allowed one gets "did you mean", and the allowed key is then not also
 * reported missing. */
size_t rsc_load_unknown_keys(rsc_loader *L, const rsc_ynode *map, const char *ctx,
			   const char *const *allowed)
{
	size_t bad = 0;
	for (size_t i = 0; i < map->n; i++) {
		const rsc_ynode *k = map->keys[i];
		if (rsc_load_in_words(allowed, k))
			continue;
		const char *like = likely_key(map, k, allowed);
		if (like && !rsc_load_guessed(L, map, like)) {
			rsc_yerror(L->d, k, "unknown key '%s' in %s; did you mean '%s'?",
				   rsc_show(L->d, k->text, k->len), ctx, like);
			rsc_load_guess *g = rsc_arena_alloc(&L->scratch, sizeof *g);
			g->map = map;
			g->key = like;
			g->next = L->guesses;
			L->guesses = g;
		} else {
			rsc_yerror(L->d, k, "unknown key '%s' in %s; expected one of %s",
				   rsc_show(L->d, k->text, k->len), ctx,
				   rsc_load_join(L->a, allowed, rsc_load_count_words(allowed)));
		}
		bad++;
	}
	return bad;
}

int rsc_load_is_empty(const rsc_ynode *n)
{
	return n->kind == RSC_Y_SCALAR && n->plain && n->len == 0;
}

int rsc_load_want(rsc_loader *L, const rsc_ynode *n, rsc_ynode_kind kind, const char *what)
{
	if (n->kind == kind)
		return 1;
	if (rsc_load_is_empty(n))
		rsc_yerror(L->d, n, "missing value for %s", what);
	else
		rsc_yerror(L->d, n, "expected %s for %s, found %s",
			   kind == RSC_Y_MAP ? "a mapping" : "a list", what,
			   rsc_ynode_kind_name(n));
	return 0;
}

const rsc_ynode *rsc_load_required(rsc_loader *L, const rsc_ynode *map, const char *key,
				 const char *ctx)
{
	const rsc_ynode *v = rsc_ymap_get(map, key);
	if (!v && !rsc_load_guessed(L, map, key))
		rsc_yerror(L->d, map, "missing required key '%s' in %s", key, ctx);
	return v;
}

int rsc_load_vref(rsc_loader *L, rsc_vref *r, const rsc_ynode *n, const char *field)
{
	r->index = -1;
	r->pos = rsc_load_pos(n);
	if (n->kind != RSC_Y_SCALAR) {
		rsc_yerror(L->d, n, "expected a variant name for '%s', found %s", field,
			   rsc_ynode_kind_name(n));
		return -1;
	}
	return rsc_scalar_text(&r->name, n, field, L->d);
}

