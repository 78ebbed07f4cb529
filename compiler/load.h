/*
 * load.h - what the parts of the loader share (internal to load*.c): the
 * loader's state, and the checks every YAML mapping goes through (allowed
 * keys with "did you mean", node kinds, required keys).
 *   load_keys.c  those checks
 *   load_cond.c  conditions and what is served
 *   load.c       files: where each belongs, and the flag, segment,
 *                targeting and rulestead.yaml fields; rsc_model_load
 */
#ifndef RSC_LOAD_H
#define RSC_LOAD_H

#include "model.h"
#include "ydoc.h"

/* A key that an unknown key was taken for ("enabeld" -> "enabled"): its
 * absence is not reported again. */
typedef struct rsc_load_guess {
	const rsc_ynode *map;
	const char *key;
	struct rsc_load_guess *next;
} rsc_load_guess;

/* The model, and the scalars' text it points into, live in a (the run's
 * arena); the tree of the file being loaded, and whatever refers to its nodes
 * (guesses, the rule names seen), in scratch, freed after each file: every
 * tree at once took 30 times the YAML's size. */
typedef struct rsc_loader {
	rsc_ruleset *rs;
	rsc_arena *a;
	rsc_diags *d;
	rsc_arena scratch;
	rsc_load_guess *guesses; /* in scratch */
	rsc_strset text;         /* the scalars' text, in a, each once */
} rsc_loader;

rsc_pos rsc_load_pos(const rsc_ynode *n);

/* "a, b, c" */
const char *rsc_load_join(rsc_arena *a, const char *const *words, size_t n);
/* Words in a NULL-terminated list; whether k is one of them. */
size_t rsc_load_count_words(const char *const *words);
int rsc_load_in_words(const char *const *words, const rsc_ynode *k);

/* The value of key in map, or NULL. */
const rsc_ynode *rsc_load_map_key(const rsc_ynode *map, const char *key);

/* Whether an unknown key of map was taken for key. */
int rsc_load_guessed(const rsc_loader *L, const rsc_ynode *map, const char *key);

/* Reports every key of map not in allowed; returns how many.  A key close to
 * an allowed one gets "did you mean", and the allowed key is then not also
 * reported missing. */
size_t rsc_load_unknown_keys(rsc_loader *L, const rsc_ynode *map, const char *ctx,
			     const char *const *allowed);

/* Whether n is an empty plain scalar (`key:` with nothing after it). */
int rsc_load_is_empty(const rsc_ynode *n);

/* Whether n is of kind; if not, an error "expected <what>, found ...". */
int rsc_load_want(rsc_loader *L, const rsc_ynode *n, rsc_ynode_kind kind, const char *what);

/* The value of key in map; an error when missing (unless guessed). */
const rsc_ynode *rsc_load_required(rsc_loader *L, const rsc_ynode *map, const char *key,
				   const char *ctx);

/* A variant named by the scalar n, for field. */
int rsc_load_vref(rsc_loader *L, rsc_vref *r, const rsc_ynode *n, const char *field);

/* A value of a flag of type type (a variant's, or one rsc test expects)
 * into *v: name is the field in messages, what the thing ("variant 'on'"). */
void rsc_load_value(rsc_loader *L, rsc_value *v, const rsc_ynode *n,
		    enum rsl_flag_type type, const char *name, const char *what);

/* A condition (load_cond.c), depth levels down; NULL after reporting. */
rsc_cond *rsc_load_cond(rsc_loader *L, const rsc_ynode *n, int depth);

/* What a rule or default serves (load_cond.c), the value of field. */
void rsc_load_serve(rsc_loader *L, rsc_serve *s, const rsc_ynode *n, const char *field);

#endif
