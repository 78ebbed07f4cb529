/*
 * load.c - the ruleset's YAML trees to the model (model.h), file by file and
 * field by field: where each file belongs, which keys it may have, what type
 * each value is.  Everything here is local to one file; references between
 * files are resolved by check.c.  It reports every problem it can find and
 * goes on, so that one run shows them all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../loader/ops.h"
#include "model.h"
#include "scalar.h"
#include "ydoc.h"

/* A key that an unknown key was taken for ("enabeld" -> "enabled"): its
 * absence is not reported again. */
typedef struct guess {
	const rsc_ynode *map;
	const char *key;
	struct guess *next;
} guess;

typedef struct loader {
	rsc_ruleset *rs;
	rsc_arena *a;
	rsc_diags *d;
	guess *guesses; /* arena-allocated */
} loader;

static rsc_pos pos_of(const rsc_ynode *n)
{
	rsc_pos p = { n->file, n->line, n->col };
	return p;
}

/* "a, b, c" */
static const char *join(rsc_arena *a, const char *const *words, size_t n)
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

static size_t count_words(const char *const *words)
{
	size_t n = 0;
	while (words[n])
		n++;
	return n;
}

static int in_words(const char *const *words, const rsc_ynode *k)
{
	for (size_t i = 0; words[i]; i++)
		if (strlen(words[i]) == k->len && memcmp(words[i], k->text, k->len) == 0)
			return 1;
	return 0;
}

static const rsc_ynode *map_key(const rsc_ynode *map, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i < map->n; i++)
		if (map->keys[i]->len == klen && memcmp(map->keys[i]->text, key, klen) == 0)
			return map->keys[i];
	return NULL;
}

/* Edit distance with adjacent transpositions (optimal string alignment),
 * or 3 when it is more than 2; keys are short. */
static size_t edit_distance(const char *x, size_t xl, const char *y, size_t yl)
{
	enum { MAXL = 32 };
	if (xl >= MAXL || yl >= MAXL || (xl > yl ? xl - yl : yl - xl) > 2)
		return 3;
	size_t dist[MAXL][MAXL];
	for (size_t i = 0; i <= xl; i++)
		dist[i][0] = i;
	for (size_t j = 0; j <= yl; j++)
		dist[0][j] = j;
	for (size_t i = 1; i <= xl; i++)
		for (size_t j = 1; j <= yl; j++) {
			size_t cost = x[i - 1] != y[j - 1];
			size_t best = dist[i - 1][j - 1] + cost;
			if (dist[i - 1][j] + 1 < best)
				best = dist[i - 1][j] + 1;
			if (dist[i][j - 1] + 1 < best)
				best = dist[i][j - 1] + 1;
			if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] &&
			    dist[i - 2][j - 2] + 1 < best)
				best = dist[i - 2][j - 2] + 1;
			dist[i][j] = best;
		}
	return dist[xl][yl] > 2 ? 3 : dist[xl][yl];
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
		size_t limit = al <= 4 ? 1 : 2;
		size_t dd = edit_distance(k->text, k->len, allowed[i], al);
		if (dd <= limit && dd < best_d && !map_key(map, allowed[i])) {
			best = allowed[i];
			best_d = dd;
		}
	}
	return best;
}

/* Whether an unknown key of map was taken for key. */
static int guessed(const loader *L, const rsc_ynode *map, const char *key)
{
	for (const guess *g = L->guesses; g; g = g->next)
		if (g->map == map && strcmp(g->key, key) == 0)
			return 1;
	return 0;
}

/* Reports every key of map not in allowed; returns how many.  A key close to
 * an allowed one gets "did you mean", and the allowed key is then not also
 * reported missing. */
static size_t unknown_keys(loader *L, const rsc_ynode *map, const char *ctx,
			   const char *const *allowed)
{
	size_t bad = 0;
	for (size_t i = 0; i < map->n; i++) {
		const rsc_ynode *k = map->keys[i];
		if (in_words(allowed, k))
			continue;
		const char *like = likely_key(map, k, allowed);
		if (like && !guessed(L, map, like)) {
			rsc_yerror(L->d, k, "unknown key '%s' in %s; did you mean '%s'?",
				   rsc_show(L->d, k->text, k->len), ctx, like);
			guess *g = rsc_arena_alloc(L->a, sizeof *g);
			g->map = map;
			g->key = like;
			g->next = L->guesses;
			L->guesses = g;
		} else {
			rsc_yerror(L->d, k, "unknown key '%s' in %s; expected one of %s",
				   rsc_show(L->d, k->text, k->len), ctx,
				   join(L->a, allowed, count_words(allowed)));
		}
		bad++;
	}
	return bad;
}

static int is_empty(const rsc_ynode *n)
{
	return n->kind == RSC_Y_SCALAR && n->plain && n->len == 0;
}

static int want(loader *L, const rsc_ynode *n, rsc_ynode_kind kind, const char *what)
{
	if (n->kind == kind)
		return 1;
	if (is_empty(n))
		rsc_yerror(L->d, n, "missing value for %s", what);
	else
		rsc_yerror(L->d, n, "expected %s for %s, found %s",
			   kind == RSC_Y_MAP ? "a mapping" : "a list", what,
			   rsc_ynode_kind_name(n));
	return 0;
}

static const rsc_ynode *required(loader *L, const rsc_ynode *map, const char *key,
				 const char *ctx)
{
	const rsc_ynode *v = rsc_ymap_get(map, key);
	if (!v && !guessed(L, map, key))
		rsc_yerror(L->d, map, "missing required key '%s' in %s", key, ctx);
	return v;
}

static int load_vref(loader *L, rsc_vref *r, const rsc_ynode *n, const char *field)
{
	r->index = -1;
	r->pos = pos_of(n);
	if (n->kind != RSC_Y_SCALAR) {
		rsc_yerror(L->d, n, "expected a variant name for '%s', found %s", field,
			   rsc_ynode_kind_name(n));
		return -1;
	}
	return rsc_scalar_text(&r->name, n, field, L->d);
}

/* ------------------------------------------------------------------ */
/* Conditions */

/* The operators' names are the library's (loader/ops.h). */
#define op_names rsl__op_names
#define NOPS RSL__NOPS
#define cond_keys rsl__cond_keys

static const char *const cond_kinds[] = { "attribute", "all", "any", "not", "segment", NULL };

/* The op code of an operator key (RSL_OP_EQ = 1 ... RSL_OP_EXISTS = 19), or 0. */
static int op_of(const rsc_ynode *k)
{
	return rsl__op_from_name(k->text, k->len);
}

static int string_op(int op)
{
	return op >= RSL_OP_EQ && op <= RSL_OP_ENDS_WITH;
}

static void load_operand(loader *L, rsc_cond *c, const rsc_ynode *v)
{
	rsc_diags *d = L->d;
	const char *name = op_names[c->op - 1];
	switch (c->op) {
	case RSL_OP_EQ:
	case RSL_OP_NE:
		rsc_scalar_value(&c->value, v, name, d);
		return;
	case RSL_OP_IN:
	case RSL_OP_NOT_IN: {
		char what[32];
		snprintf(what, sizeof what, "'%s'", name);
		if (!want(L, v, RSC_Y_SEQ, what))
			return;
		if (v->n == 0 || v->n > RSL_MAX_LIST) {
			rsc_yerror(d, v, "'%s' needs 1 to %d values, found %zu", name,
				   RSL_MAX_LIST, v->n);
			return;
		}
		c->list = rsc_arena_alloc(L->a, v->n * sizeof *c->list);
		c->nlist = v->n;
		for (size_t i = 0; i < v->n; i++) {
			if (rsc_scalar_value(&c->list[i], v->items[i], name, d) < 0)
				continue;
			if (c->list[i].kind == RSC_V_BOOL)
				rsc_yerror(d, v->items[i],
					   "'%s' holds strings or numbers, found %s", name,
					   rsc_describe_value(d, &c->list[i]));
		}
		return;
	}
	case RSL_OP_CONTAINS:
	case RSL_OP_STARTS_WITH:
	case RSL_OP_ENDS_WITH:
		if (rsc_scalar_text(&c->value.s, v, name, d) == 0) {
			c->value.kind = RSC_V_STRING;
			c->value.slen = v->len;
		}
		return;
	case RSL_OP_LT:
	case RSL_OP_LTE:
	case RSL_OP_GT:
	case RSL_OP_GTE:
		rsc_scalar_number(&c->value, v, name, d);
		return;
	case RSL_OP_SEMVER_EQ:
	case RSL_OP_SEMVER_LT:
	case RSL_OP_SEMVER_LTE:
	case RSL_OP_SEMVER_GT:
	case RSL_OP_SEMVER_GTE:
		rsc_scalar_semver(&c->value, v, name, d);
		return;
	case RSL_OP_BEFORE:
	case RSL_OP_AFTER:
		rsc_scalar_time(&c->time, v, name, d);
		return;
	case RSL_OP_EXISTS:
		if (rsc_scalar_bool(&c->value.b, v, name, d) == 0)
			c->value.kind = RSC_V_BOOL;
		return;
	default:
		return;
	}
}

static rsc_cond *load_cond(loader *L, const rsc_ynode *n, int depth);

static void load_children(loader *L, rsc_cond *c, const rsc_ynode *v,
			  const char *name, int depth)
{
	char what[16];
	snprintf(what, sizeof what, "'%s'", name);
	if (!want(L, v, RSC_Y_SEQ, what))
		return;
	if (v->n == 0 || v->n > RSL_MAX_CHILDREN) {
		rsc_yerror(L->d, v, "'%s' needs 1 to %d conditions, found %zu", name,
			   RSL_MAX_CHILDREN, v->n);
		return;
	}
	c->kids = rsc_arena_alloc(L->a, v->n * sizeof *c->kids);
	c->nkids = v->n;
	for (size_t i = 0; i < v->n; i++)
		c->kids[i] = load_cond(L, v->items[i], depth + 1);
}

static rsc_cond *load_cond(loader *L, const rsc_ynode *n, int depth)
{
	rsc_diags *d = L->d;
	rsc_cond *c = rsc_arena_alloc(L->a, sizeof *c);
	c->pos = pos_of(n);
	c->segment_index = -1;
	if (depth > RSL_MAX_COND_DEPTH) {
		rsc_yerror(d, n, "conditions are nested deeper than %d levels",
			   RSL_MAX_COND_DEPTH);
		return c;
	}
	if (!want(L, n, RSC_Y_MAP, "a condition"))
		return c;
	size_t unknown = unknown_keys(L, n, "condition", cond_keys);
	size_t kind_at = n->n, op_at = n->n, second_op = n->n, ci_at = n->n, nops = 0;
	int bad = 0;
	for (size_t i = 0; i < n->n; i++) {
		const rsc_ynode *k = n->keys[i];
		if (in_words(cond_kinds, k)) {
			if (kind_at < n->n) {
				rsc_yerror(d, k,
					   "a condition has exactly one of attribute, all, any, "
					   "not or segment; found '%s' and '%s'",
					   n->keys[kind_at]->text, k->text);
				bad = 1;
			} else {
				kind_at = i;
			}
		} else if (op_of(k)) {
			/* two operators are reported below, once the attribute is known */
			if (nops++ == 0)
				op_at = i;
			else if (nops == 2)
				second_op = i;
		} else if (strcmp(k->text, "case_insensitive") == 0) {
			ci_at = i;
		}
	}
	if (bad)
		return c;
	if (kind_at == n->n) {
		if (op_at < n->n)
			rsc_yerror(d, n->keys[op_at], "operator '%s' needs an 'attribute' to test",
				   n->keys[op_at]->text);
		else if (ci_at < n->n)
			rsc_yerror(d, n->keys[ci_at],
				   "'case_insensitive' needs an 'attribute' and a string operator");
		else if (!unknown)
			rsc_yerror(d, n,
				   "a condition needs one of attribute, all, any, not or segment");
		return c;
	}
	const rsc_ynode *kk = n->keys[kind_at], *kv = n->items[kind_at];
	const char *kind = kk->text;
	if (strcmp(kind, "attribute") != 0) {
		/* all, any, not, segment: no operator, no case_insensitive */
		if (op_at < n->n)
			rsc_yerror(d, n->keys[op_at],
				   "operator '%s' needs an 'attribute' to test; it cannot be "
				   "combined with '%s'",
				   n->keys[op_at]->text, kind);
		if (ci_at < n->n)
			rsc_yerror(d, n->keys[ci_at],
				   "'case_insensitive' belongs to an attribute test, not to '%s'",
				   kind);
		if (strcmp(kind, "all") == 0) {
			c->op = RSL_OP_ALL;
			load_children(L, c, kv, "all", depth);
		} else if (strcmp(kind, "any") == 0) {
			c->op = RSL_OP_ANY;
			load_children(L, c, kv, "any", depth);
		} else if (strcmp(kind, "not") == 0) {
			c->op = RSL_OP_NOT;
			c->kids = rsc_arena_alloc(L->a, sizeof *c->kids);
			c->kids[0] = load_cond(L, kv, depth + 1);
			c->nkids = 1;
		} else {
			c->op = RSL_OP_SEGMENT;
			rsc_scalar_text(&c->segment, kv, "segment", d);
		}
		return c;
	}
	c->attribute_pos = pos_of(kv);
	rsc_scalar_attribute(&c->attribute, kv, "attribute", d);
	const char *attr = kv->kind == RSC_Y_SCALAR ? rsc_show(d, kv->text, kv->len) : "?";
	if (nops == 0) {
		if (!unknown)
			rsc_yerror(d, n, "condition on '%s' has no operator; expected one of %s",
				   attr, join(L->a, op_names, NOPS));
		return c;
	}
	if (nops > 1) {
		rsc_yerror(d, n->keys[second_op],
			   "condition on '%s' has two operators, '%s' and '%s'; write one "
			   "test per condition and combine them with all",
			   attr, n->keys[op_at]->text, n->keys[second_op]->text);
		return c;
	}
	c->op = (enum rsl_cond_op)op_of(n->keys[op_at]);
	load_operand(L, c, n->items[op_at]);
	if (ci_at < n->n) {
		if (!string_op(c->op))
			rsc_yerror(d, n->keys[ci_at],
				   "case_insensitive applies to eq, ne, in, not_in, contains, "
				   "starts_with and ends_with, not to '%s'",
				   op_names[c->op - 1]);
		else
			rsc_scalar_bool(&c->case_insensitive, n->items[ci_at],
					"case_insensitive", d);
	}
	return c;
}

/* ------------------------------------------------------------------ */
/* What is served */

static const char *const serve_keys[] = { "split", "schedule", "by", NULL };
static const char *const step_keys[] = { "at", "variant", "split", NULL };

static void load_split(loader *L, rsc_split *sp, const rsc_ynode *n)
{
	sp->pos = pos_of(n);
	if (!want(L, n, RSC_Y_MAP, "'split'"))
		return;
	if (n->n == 0) {
		rsc_yerror(L->d, n, "'split' needs at least one variant");
		return;
	}
	sp->variants = rsc_arena_alloc(L->a, n->n * sizeof *sp->variants);
	sp->weights = rsc_arena_alloc(L->a, n->n * sizeof *sp->weights);
	sp->n = n->n;
	for (size_t i = 0; i < n->n; i++) {
		if (load_vref(L, &sp->variants[i], n->keys[i], "split") < 0)
			continue;
		rsc_scalar_percent(&sp->weights[i], n->items[i], n->keys[i]->text, L->d);
	}
}

static void load_step(loader *L, rsc_step *st, const rsc_ynode *n)
{
	rsc_diags *d = L->d;
	st->pos = pos_of(n);
	st->variant.index = -1;
	if (!want(L, n, RSC_Y_MAP, "'schedule' step"))
		return;
	unknown_keys(L, n, "schedule step", step_keys);
	const rsc_ynode *at = required(L, n, "at", "schedule step");
	if (at)
		rsc_scalar_time(&st->at, at, "at", d);
	const rsc_ynode *v = rsc_ymap_get(n, "variant"), *sp = rsc_ymap_get(n, "split");
	if (v && sp) {
		rsc_yerror(d, map_key(n, "split"),
			   "schedule step has both 'variant' and 'split'; write one of them");
	} else if (v) {
		st->kind = RSL_SERVE_VARIANT;
		load_vref(L, &st->variant, v, "variant");
	} else if (sp) {
		st->kind = RSL_SERVE_SPLIT;
		load_split(L, &st->split, sp);
	} else if (!guessed(L, n, "variant") && !guessed(L, n, "split")) {
		rsc_yerror(d, n, "schedule step needs 'variant' or 'split'");
	}
}

static void load_serve(loader *L, rsc_serve *s, const rsc_ynode *n, const char *field)
{
	rsc_diags *d = L->d;
	s->pos = pos_of(n);
	s->by = "targeting_key";
	s->variant.index = -1;
	s->kind = RSL_SERVE_VARIANT;
	if (n->kind == RSC_Y_SCALAR) {
		load_vref(L, &s->variant, n, field);
		return;
	}
	if (n->kind != RSC_Y_MAP) {
		rsc_yerror(d, n, "expected a variant name or a mapping for '%s', found %s",
			   field, rsc_ynode_kind_name(n));
		return;
	}
	unknown_keys(L, n, "serve", serve_keys);
	const rsc_ynode *sp = rsc_ymap_get(n, "split"), *sch = rsc_ymap_get(n, "schedule");
	const rsc_ynode *by = rsc_ymap_get(n, "by");
	if (by)
		rsc_scalar_attribute(&s->by, by, "by", d);
	if (sp && sch) {
		rsc_yerror(d, map_key(n, "schedule"),
			   "'%s' has both 'split' and 'schedule'; write one of them", field);
	} else if (sp) {
		s->kind = RSL_SERVE_SPLIT;
		load_split(L, &s->split, sp);
	} else if (sch) {
		s->kind = RSL_SERVE_SCHEDULE;
		if (!want(L, sch, RSC_Y_SEQ, "'schedule'"))
			return;
		if (sch->n == 0 || sch->n > RSL_MAX_STEPS) {
			rsc_yerror(d, sch, "'schedule' needs 1 to %d steps, found %zu",
				   RSL_MAX_STEPS, sch->n);
			return;
		}
		s->steps = rsc_arena_alloc(L->a, sch->n * sizeof *s->steps);
		s->nsteps = sch->n;
		for (size_t i = 0; i < sch->n; i++)
			load_step(L, &s->steps[i], sch->items[i]);
	} else if (!guessed(L, n, "split") && !guessed(L, n, "schedule")) {
		rsc_yerror(d, n, "'%s' needs 'split' or 'schedule' (or a variant name)", field);
	}
}

/* ------------------------------------------------------------------ */
/* Files */

static const char *const config_keys[] = { "environments", "protected", "settings", NULL };
static const char *const settings_keys[] = { "snapshot_ttl", NULL };
static const char *const flag_keys[] = {
	"key", "description", "owner", "type", "variants", "off_variant",
	"expires", "tags", "salt", NULL
};
static const char *const segment_keys[] = { "key", "description", "when", NULL };
static const char *const targeting_keys[] = { "enabled", "requires", "rules", "default", NULL };
static const char *const req_keys[] = { "flag", "variant", NULL };
static const char *const rule_keys[] = { "name", "when", "serve", NULL };
static const char *const type_names[] = { "boolean", "string", "integer", "float", "object", NULL };

#define TTL_MIN 60
#define TTL_MAX (365 * 86400)

static const char *env_list(loader *L)
{
	const char **names = rsc_arena_alloc(L->a, (L->rs->nenvs + 1) * sizeof *names);
	for (size_t i = 0; i < L->rs->nenvs; i++)
		names[i] = L->rs->envs[i].name;
	return join(L->a, names, L->rs->nenvs);
}

/* 0 when the environments were read without a problem. */
static int load_config(loader *L, const rsc_ynode *root)
{
	rsc_ruleset *rs = L->rs;
	rsc_diags *d = L->d;
	size_t e0 = d->errors;
	if (!want(L, root, RSC_Y_MAP, "rulestead.yaml"))
		return -1;
	unknown_keys(L, root, "rulestead.yaml", config_keys);
	const rsc_ynode *envs = required(L, root, "environments", "rulestead.yaml");
	if (envs && want(L, envs, RSC_Y_SEQ, "'environments'")) {
		if (envs->n == 0)
			rsc_yerror(d, envs, "'environments' must list at least one environment");
		rs->envs = rsc_arena_alloc(L->a, envs->n * sizeof *rs->envs);
		for (size_t i = 0; i < envs->n; i++) {
			const rsc_ynode *e = envs->items[i];
			const char *name;
			if (rsc_scalar_identifier(&name, e, "environment name", d) < 0)
				continue;
			int dup = rsc_model_env_index(rs, name);
			if (dup >= 0) {
				rsc_yerror(d, e, "duplicate environment '%s' (first at %u:%u)", name,
					   (unsigned)rs->envs[dup].pos.line,
					   (unsigned)rs->envs[dup].pos.col);
				continue;
			}
			rs->envs[rs->nenvs].name = name;
			rs->envs[rs->nenvs].pos = pos_of(e);
			rs->nenvs++;
		}
	}
	int envs_ok = d->errors == e0 && envs;
	const rsc_ynode *prot = rsc_ymap_get(root, "protected");
	if (prot && want(L, prot, RSC_Y_SEQ, "'protected'")) {
		for (size_t i = 0; i < prot->n; i++) {
			const char *name;
			if (rsc_scalar_text(&name, prot->items[i], "protected", d) < 0)
				continue;
			int e = rsc_model_env_index(rs, name);
			if (e >= 0)
				rs->envs[e].protected_ = 1;
			else if (envs_ok)
				rsc_yerror(d, prot->items[i],
					   "protected environment '%s' is not in environments (%s)",
					   rsc_show(d, name, strlen(name)), env_list(L));
		}
	}
	const rsc_ynode *set = rsc_ymap_get(root, "settings");
	if (set && want(L, set, RSC_Y_MAP, "'settings'")) {
		unknown_keys(L, set, "settings", settings_keys);
		const rsc_ynode *ttl = rsc_ymap_get(set, "snapshot_ttl");
		if (ttl && rsc_scalar_duration(&rs->ttl_seconds, ttl, "snapshot_ttl", TTL_MIN,
					       TTL_MAX, d) == 0)
			rs->has_ttl = 1;
	}
	return envs_ok ? 0 : -1;
}

/* key: must be an identifier equal to the file's name. */
static void load_key(loader *L, const rsc_ynode *map, const char *ctx,
		     const char *what, const char *stem)
{
	const rsc_ynode *k = required(L, map, "key", ctx);
	const char *key;
	if (k && rsc_scalar_identifier(&key, k, what, L->d) == 0 && strcmp(key, stem) != 0)
		rsc_yerror(L->d, k, "key '%s' does not match the file name '%s.yaml'", key,
			   rsc_show(L->d, stem, strlen(stem)));
}

static void load_text(loader *L, const char **out, const rsc_ynode *map,
		      const char *key, const char *ctx)
{
	const rsc_ynode *v = required(L, map, key, ctx);
	if (v)
		rsc_scalar_text(out, v, key, L->d);
}

static const char *const type_articles[] = { "a boolean", "a string", "an integer",
					     "a float", "an object" };

static void load_variant_value(loader *L, rsc_variant *var, const rsc_ynode *n,
			       enum rsl_flag_type type)
{
	rsc_diags *d = L->d;
	const char *name = var->name;
	const char *flag = type_articles[type];
	rsc_value *v = &var->value;
	switch (type) {
	case RSL_TYPE_BOOLEAN:
		if (rsc_scalar_bool(&v->b, n, name, d) == 0)
			v->kind = RSC_V_BOOL;
		return;
	case RSL_TYPE_OBJECT:
		if (n->kind == RSC_Y_SCALAR)
			rsc_yerror(d, n,
				   "variant '%s' of an object flag must be a mapping or a "
				   "list, found '%s'",
				   name, rsc_show(d, n->text, n->len));
		else
			rsc_scalar_json(v, L->a, n, name, d);
		return;
	default:
		break;
	}
	const char *expect = type == RSL_TYPE_STRING ? "a string"
			   : type == RSL_TYPE_INTEGER ? "an integer"
						      : "a number";
	if (n->kind != RSC_Y_SCALAR) {
		rsc_yerror(d, n, "variant '%s' of %s flag must be %s, found %s", name, flag,
			   expect, rsc_ynode_kind_name(n));
		return;
	}
	if (rsc_scalar_value(v, n, name, d) < 0)
		return;
	if (type == RSL_TYPE_FLOAT && v->kind == RSC_V_INT) {
		v->kind = RSC_V_FLOAT;
		v->f = (double)v->i;
		v->i = 0;
	}
	int ok = type == RSL_TYPE_STRING ? v->kind == RSC_V_STRING
	       : type == RSL_TYPE_INTEGER ? v->kind == RSC_V_INT
					  : v->kind == RSC_V_FLOAT;
	if (ok)
		return;
	if (type == RSL_TYPE_STRING)
		rsc_yerror(d, n,
			   "variant '%s' of a string flag must be a string, found %s; "
			   "quote it (\"%s\") for a string",
			   name, rsc_describe_value(d, v), rsc_show(d, n->text, n->len));
	else
		rsc_yerror(d, n, "variant '%s' of %s flag must be %s, found %s", name, flag,
			   expect, rsc_describe_value(d, v));
	memset(v, 0, sizeof *v);
}

static int load_flag(loader *L, rsc_flag *f, const char *stem, const char *path,
		     const rsc_ynode *root)
{
	rsc_diags *d = L->d;
	memset(f, 0, sizeof *f);
	f->key = stem;
	f->file = path;
	f->pos = pos_of(root);
	f->salt = stem;
	f->off_variant.index = -1;
	if (!want(L, root, RSC_Y_MAP, "the flag definition"))
		return -1;
	unknown_keys(L, root, "flag", flag_keys);
	load_key(L, root, "flag", "flag key", stem);
	load_text(L, &f->description, root, "description", "flag");
	load_text(L, &f->owner, root, "owner", "flag");

	int type_ok = 1;
	const rsc_ynode *tn = rsc_ymap_get(root, "type");
	if (tn) {
		type_ok = 0;
		const char *t;
		if (rsc_scalar_text(&t, tn, "type", d) == 0) {
			for (size_t i = 0; type_names[i]; i++)
				if (strcmp(t, type_names[i]) == 0) {
					f->type = (enum rsl_flag_type)i;
					type_ok = 1;
				}
			if (!type_ok)
				rsc_yerror(d, tn, "unknown flag type '%s'; expected one of %s",
					   rsc_show(d, tn->text, tn->len),
					   join(L->a, type_names, count_words(type_names)));
		}
	}

	const rsc_ynode *keyn = rsc_ymap_get(root, "key");
	rsc_pos synth = pos_of(keyn ? keyn : root);
	const rsc_ynode *vn = rsc_ymap_get(root, "variants");
	int defaulted = 0;
	if (!vn) {
		if (f->type == RSL_TYPE_BOOLEAN && type_ok) {
			defaulted = 1;
			f->variants = rsc_arena_alloc(L->a, 2 * sizeof *f->variants);
			f->nvariants = 2;
			f->variants[0].name = "on";
			f->variants[0].pos = synth;
			f->variants[0].value.kind = RSC_V_BOOL;
			f->variants[0].value.b = 1;
			f->variants[1].name = "off";
			f->variants[1].pos = synth;
			f->variants[1].value.kind = RSC_V_BOOL;
		} else if (type_ok && !guessed(L, root, "variants")) {
			rsc_yerror(d, root,
				   "missing required key 'variants' in flag: only a boolean "
				   "flag has default variants");
		}
	} else if (want(L, vn, RSC_Y_MAP, "'variants'")) {
		if (vn->n == 0 || vn->n > RSL_MAX_VARIANTS)
			rsc_yerror(d, vn, "'variants' needs 1 to %d variants, found %zu",
				   RSL_MAX_VARIANTS, vn->n);
		f->variants = rsc_arena_alloc(L->a, vn->n * sizeof *f->variants);
		for (size_t i = 0; i < vn->n; i++) {
			rsc_variant *var = &f->variants[f->nvariants];
			if (rsc_scalar_identifier(&var->name, vn->keys[i], "variant name", d) < 0)
				continue;
			var->pos = pos_of(vn->keys[i]);
			if (type_ok)
				load_variant_value(L, var, vn->items[i], f->type);
			f->nvariants++;
		}
	}

	const rsc_ynode *off = rsc_ymap_get(root, "off_variant");
	if (off) {
		load_vref(L, &f->off_variant, off, "off_variant");
	} else if (defaulted) {
		f->off_variant.name = "off";
		f->off_variant.pos = synth;
	} else if (type_ok && !guessed(L, root, "off_variant")) {
		rsc_yerror(d, root, "missing required key 'off_variant' in flag");
	}

	const rsc_ynode *ex = rsc_ymap_get(root, "expires");
	if (ex && rsc_scalar_date(&f->expires_y, &f->expires_m, &f->expires_d, ex,
				  "expires", d) == 0) {
		f->has_expires = 1;
		f->expires_pos = pos_of(ex);
	}

	const rsc_ynode *tags = rsc_ymap_get(root, "tags");
	if (tags && want(L, tags, RSC_Y_SEQ, "'tags'")) {
		f->tags = rsc_arena_alloc(L->a, tags->n * sizeof *f->tags);
		for (size_t i = 0; i < tags->n; i++)
			if (rsc_scalar_identifier(&f->tags[f->ntags], tags->items[i], "tag", d) == 0)
				f->ntags++;
	}

	const rsc_ynode *salt = rsc_ymap_get(root, "salt");
	if (salt)
		rsc_scalar_text(&f->salt, salt, "salt", d);
	return 0;
}

static int load_segment(loader *L, rsc_segment *s, const char *stem, const char *path,
			const rsc_ynode *root)
{
	memset(s, 0, sizeof *s);
	s->key = stem;
	s->file = path;
	s->pos = pos_of(root);
	if (!want(L, root, RSC_Y_MAP, "the segment"))
		return -1;
	unknown_keys(L, root, "segment", segment_keys);
	load_key(L, root, "segment", "segment key", stem);
	load_text(L, &s->description, root, "description", "segment");
	const rsc_ynode *w = required(L, root, "when", "segment");
	if (w)
		s->when = load_cond(L, w, 1);
	return 0;
}

/* Characters of UTF-8 text (the reader has checked the encoding). */
static size_t utf8_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

#define RULE_NAME_MAX 200

static void load_rule(loader *L, rsc_rule *r, const rsc_ynode *n,
		      const rsc_ynode **names, size_t i)
{
	rsc_diags *d = L->d;
	r->pos = pos_of(n);
	names[i] = NULL;
	if (!want(L, n, RSC_Y_MAP, "'rules' item"))
		return;
	unknown_keys(L, n, "rule", rule_keys);
	const rsc_ynode *name = required(L, n, "name", "rule");
	if (name && rsc_scalar_text(&r->name, name, "name", d) == 0) {
		size_t chars = utf8_chars(name->text, name->len);
		if (chars > RULE_NAME_MAX) {
			rsc_yerror(d, name, "rule name is %zu characters long; the limit is %d",
				   chars, RULE_NAME_MAX);
		} else {
			for (size_t j = 0; j < i; j++)
				if (names[j] && names[j]->len == name->len &&
				    memcmp(names[j]->text, name->text, name->len) == 0) {
					rsc_yerror(d, name, "duplicate rule name '%s' (first at %u:%u)",
						   rsc_show(d, name->text, name->len),
						   (unsigned)names[j]->line, (unsigned)names[j]->col);
					break;
				}
			names[i] = name;
		}
	}
	const rsc_ynode *w = rsc_ymap_get(n, "when");
	if (w)
		r->when = load_cond(L, w, 1);
	const rsc_ynode *s = required(L, n, "serve", "rule");
	if (s)
		load_serve(L, &r->serve, s, "serve");
}

static void load_targeting(loader *L, rsc_targeting *t, const char *path,
			   const rsc_ynode *root)
{
	rsc_diags *d = L->d;
	t->file = path;
	t->pos = pos_of(root);
	if (!want(L, root, RSC_Y_MAP, "the targeting"))
		return;
	unknown_keys(L, root, "targeting", targeting_keys);
	const rsc_ynode *en = required(L, root, "enabled", "targeting");
	if (en)
		rsc_scalar_bool(&t->enabled, en, "enabled", d);

	const rsc_ynode *req = rsc_ymap_get(root, "requires");
	if (req && want(L, req, RSC_Y_SEQ, "'requires'")) {
		t->requires = rsc_arena_alloc(L->a, req->n * sizeof *t->requires);
		t->nrequires = req->n;
		for (size_t i = 0; i < req->n; i++) {
			const rsc_ynode *e = req->items[i];
			rsc_req *r = &t->requires[i];
			r->pos = pos_of(e);
			r->flag_index = -1;
			r->variant.index = -1;
			if (!want(L, e, RSC_Y_MAP, "'requires' item"))
				continue;
			unknown_keys(L, e, "requires entry", req_keys);
			const rsc_ynode *fl = required(L, e, "flag", "requires entry");
			if (fl)
				rsc_scalar_text(&r->flag, fl, "flag", d);
			const rsc_ynode *v = required(L, e, "variant", "requires entry");
			if (v)
				load_vref(L, &r->variant, v, "variant");
		}
	}

	const rsc_ynode *rules = rsc_ymap_get(root, "rules");
	if (rules && want(L, rules, RSC_Y_SEQ, "'rules'")) {
		if (rules->n > RSL_MAX_RULES) {
			rsc_yerror(d, rules, "too many rules: %zu; the limit is %d", rules->n,
				   RSL_MAX_RULES);
		} else {
			const rsc_ynode **names =
				rsc_arena_alloc(L->a, (rules->n + 1) * sizeof *names);
			t->rules = rsc_arena_alloc(L->a, rules->n * sizeof *t->rules);
			t->nrules = rules->n;
			for (size_t i = 0; i < rules->n; i++)
				load_rule(L, &t->rules[i], rules->items[i], names, i);
		}
	}

	const rsc_ynode *dflt = required(L, root, "default", "targeting");
	if (dflt) {
		t->dflt_pos = pos_of(dflt);
		load_serve(L, &t->dflt, dflt, "default");
	} else {
		t->dflt.variant.index = -1;
		t->dflt.by = "targeting_key";
	}
}

/* ------------------------------------------------------------------ */
/* The ruleset */

enum { F_IGNORE, F_BAD, F_CONFIG, F_FLAG, F_SEGMENT, F_TARGETING };

static int ends_with(const char *s, size_t len, const char *suffix)
{
	size_t l = strlen(suffix);
	return len >= l && memcmp(s + len - l, suffix, l) == 0;
}

/* Whether path has a component starting with '.': another tool's file
 * (.github/workflows/ci.yml), never part of the ruleset.  rsc_source_read
 * already skips them; this covers filesets built otherwise. */
static int hidden_path(const char *p)
{
	for (const char *s = p; *s; s++)
		if (*s == '.' && (s == p || s[-1] == '/'))
			return 1;
	return 0;
}

#define LAYOUT_HINT                                                              \
	"a ruleset root holds only rulestead.yaml, <flag>.yaml, "                 \
	"segments/<segment>.yaml and environments/<env>/<flag>.yaml; keep other " \
	"YAML in a dot-directory (such as .github/) or outside the ruleset root " \
	"(rsc validate --root <dir>)"

/* Where a file belongs, from its path; stem is its name without .yaml and
 * env its environment directory. */
static int classify(loader *L, const rsc_file *f, const char **stem, const char **env)
{
	const char *p = f->path;
	size_t len = strlen(p);
	const char *base = strrchr(p, '/');
	base = base ? base + 1 : p;
	int yml = ends_with(p, len, ".yml");
	if ((!yml && !ends_with(p, len, ".yaml")) || hidden_path(p))
		return F_IGNORE;
	size_t slashes = 0;
	for (const char *s = p; *s; s++)
		slashes += *s == '/';
	int kind = F_BAD;
	if (slashes == 0)
		kind = strncmp(p, "rulestead.", 10) == 0 && len == (yml ? 13u : 14u)
			       ? F_CONFIG : F_FLAG;
	else if (slashes == 1 && strncmp(p, "segments/", 9) == 0)
		kind = F_SEGMENT;
	else if (slashes == 2 && strncmp(p, "environments/", 13) == 0 && p[13] != '/')
		kind = F_TARGETING;
	if (kind == F_BAD) {
		rsc_error(L->d, p, 0, 0, "unexpected file: " LAYOUT_HINT);
		return F_BAD;
	}
	if (yml) {
		size_t bl = strlen(base);
		rsc_error(L->d, p, 0, 0, "use the .yaml extension ('%s' \xe2\x86\x92 '%.*s.yaml')",
			  base, (int)(bl - 4), base);
		return F_BAD;
	}
	if (kind == F_CONFIG)
		return F_CONFIG;
	*stem = rsc_arena_strndup(L->a, base, strlen(base) - 5);
	if (kind == F_TARGETING)
		*env = rsc_arena_strndup(L->a, p + 13, (size_t)(base - 1 - (p + 13)));
	return kind;
}

static int by_flag_key(const void *x, const void *y)
{
	return strcmp(((const rsc_flag *)x)->key, ((const rsc_flag *)y)->key);
}

static int by_segment_key(const void *x, const void *y)
{
	return strcmp(((const rsc_segment *)x)->key, ((const rsc_segment *)y)->key);
}

static const rsc_ynode *parse(loader *L, const rsc_file *f)
{
	rsc_ynode *root = NULL;
	if (rsc_ydoc_parse(&root, L->a, f->path, f->data, f->len, L->d) != RSC_OK)
		return NULL;
	return root;
}

/* Is there a file path (any content)?  fs is sorted by path. */
static int has_file(const rsc_fileset *fs, const char *path)
{
	size_t lo = 0, hi = fs->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(fs->v[mid].path, path);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int rsc_model_load(rsc_ruleset *rs, rsc_arena *a, const rsc_fileset *fs,
		   rsc_diags *d)
{
	size_t e0 = d->errors;
	memset(rs, 0, sizeof *rs);
	rs->arena = a;
	rs->files = fs;
	loader L = { rs, a, d, NULL };

	/* Without it nothing else can be checked, and a mistyped --root would
	 * bury that under one "unexpected file" per file. */
	if (!has_file(fs, "rulestead.yaml") && !has_file(fs, "rulestead.yml")) {
		if (fs->root)
			rsc_error(d, "rulestead.yaml", 0, 0,
				  "missing rulestead.yaml: is '%s' the ruleset root? (--root "
				  "names the directory holding rulestead.yaml)",
				  rsc_show(d, fs->root, strlen(fs->root)));
		else
			rsc_error(d, "rulestead.yaml", 0, 0,
				  "missing rulestead.yaml: every ruleset root needs one "
				  "(environments: [...])");
		return RSC_EINVALID;
	}

	int *kind = rsc_arena_alloc(a, (fs->n + 1) * sizeof *kind);
	const char **stem = rsc_arena_alloc(a, (fs->n + 1) * sizeof *stem);
	const char **env = rsc_arena_alloc(a, (fs->n + 1) * sizeof *env);
	size_t nflags = 0, nsegments = 0;
	const rsc_file *config = NULL;
	for (size_t i = 0; i < fs->n; i++) {
		kind[i] = classify(&L, &fs->v[i], &stem[i], &env[i]);
		nflags += kind[i] == F_FLAG;
		nsegments += kind[i] == F_SEGMENT;
		if (kind[i] == F_CONFIG)
			config = &fs->v[i];
	}

	int envs_ok = 0;
	if (config) {
		const rsc_ynode *root = parse(&L, config);
		if (root)
			envs_ok = load_config(&L, root) == 0;
	}

	rs->flags = rsc_arena_alloc(a, (nflags + 1) * sizeof *rs->flags);
	rs->segments = rsc_arena_alloc(a, (nsegments + 1) * sizeof *rs->segments);
	for (size_t i = 0; i < fs->n; i++) {
		const rsc_ynode *root;
		if (kind[i] == F_FLAG && (root = parse(&L, &fs->v[i])) &&
		    load_flag(&L, &rs->flags[rs->nflags], stem[i], fs->v[i].path, root) == 0)
			rs->nflags++;
		if (kind[i] == F_SEGMENT && (root = parse(&L, &fs->v[i])) &&
		    load_segment(&L, &rs->segments[rs->nsegments], stem[i], fs->v[i].path,
				 root) == 0)
			rs->nsegments++;
	}
	qsort(rs->flags, rs->nflags, sizeof *rs->flags, by_flag_key);
	qsort(rs->segments, rs->nsegments, sizeof *rs->segments, by_segment_key);
	for (size_t i = 0; i < rs->nflags; i++)
		rs->flags[i].targeting =
			rsc_arena_alloc(a, (rs->nenvs + 1) * sizeof *rs->flags[i].targeting);

	for (size_t i = 0; i < fs->n; i++) {
		if (kind[i] != F_TARGETING)
			continue;
		const rsc_file *f = &fs->v[i];
		int e = rsc_model_env_index(rs, env[i]);
		if (e < 0 && envs_ok)
			rsc_error(d, f->path, 0, 0,
				  "environment directory '%s' is not declared in rulestead.yaml "
				  "(environments: %s)",
				  rsc_show(d, env[i], strlen(env[i])), env_list(&L));
		int fi = rsc_model_flag_index(rs, stem[i]);
		if (fi < 0 && !has_file(fs, rsc_arena_printf(a, "%s.yaml", stem[i])))
			rsc_error(d, f->path, 0, 0,
				  "no flag definition '%s.yaml' for this targeting file",
				  rsc_show(d, stem[i], strlen(stem[i])));
		const rsc_ynode *root = parse(&L, f);
		if (!root)
			continue;
		rsc_targeting *t = rsc_arena_alloc(a, sizeof *t);
		load_targeting(&L, t, f->path, root);
		if (e >= 0 && fi >= 0)
			rs->flags[fi].targeting[e] = t;
	}
	return d->errors > e0 ? RSC_EINVALID : RSC_OK;
}

/* ------------------------------------------------------------------ */
/* Lookups */

int rsc_model_flag_index(const rsc_ruleset *rs, const char *key)
{
	size_t lo = 0, hi = rs->nflags;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(rs->flags[mid].key, key);
		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int rsc_model_segment_index(const rsc_ruleset *rs, const char *key)
{
	size_t lo = 0, hi = rs->nsegments;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(rs->segments[mid].key, key);
		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int rsc_model_env_index(const rsc_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->nenvs; i++)
		if (strcmp(rs->envs[i].name, name) == 0)
			return (int)i;
	return -1;
}

int rsc_model_variant_index(const rsc_flag *f, const char *name)
{
	for (size_t i = 0; i < f->nvariants; i++)
		if (strcmp(f->variants[i].name, name) == 0)
			return (int)i;
	return -1;
}
