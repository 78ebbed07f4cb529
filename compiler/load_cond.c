/* load_cond.c - conditions (attribute tests, all/any/not, segments) and
 * what is served (a variant, a split, a schedule), from YAML to the model;
 * see load.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../loader/ops.h"
#include "load.h"
#include "scalar.h"

/* ------------------------------------------------------------------ */
/* Conditions */

/* The operators' names are the library's (loader/ops.h). */
#define op_names rsl__op_names
#define NOPS RSL__NOPS
#define cond_keys rsl__cond_keys

static const char *const cond_kinds[] = { "attribute", "all", "any", "not", "segment", NULL };

/*
 * Attribute names the context fills from fields of its own (rsl_context):
 * targeting_key and tenant_key are looked up there by the loader, so rules
 * may test them; the three below never reach a rule, and a test on one
 * would silently never match.  0, or -1 after saying why.
 */
static int usable_attribute(rsc_loader *L, const rsc_ynode *n, const char *name)
{
	static const struct {
		const char *name, *why;
	} context_only[] = {
		{ "environment",
		  "'environment' is the context's environment, which rules cannot use: it "
		  "only chooses the snapshot, so a test on it would be the same for every "
		  "request; put the rule in that environment's targeting file "
		  "(environments/<env>/) instead" },
		{ "session_id",
		  "'session_id' is the context's session id, which rules cannot use: it "
		  "changes per session and is passed for logs only; to target or bucket by "
		  "session, pass it also as an attribute of another name (such as "
		  "'session')" },
		{ "request_id",
		  "'request_id' is the context's request id, which rules cannot use: it "
		  "changes per request and is passed for logs only; to target by request, "
		  "pass it also as an attribute of another name (such as 'request')" },
	};
	for (size_t i = 0; i < sizeof context_only / sizeof context_only[0]; i++)
		if (strcmp(name, context_only[i].name) == 0) {
			rsc_yerror(L->d, n, "%s", context_only[i].why);
			return -1;
		}
	return 0;
}

/* The op code of an operator key (RSL_OP_EQ = 1 ... RSL_OP_EXISTS = 19), or 0. */
static int op_of(const rsc_ynode *k)
{
	return rsl__op_from_name(k->text, k->len);
}

static int string_op(int op)
{
	return op >= RSL_OP_EQ && op <= RSL_OP_ENDS_WITH;
}

static void load_operand(rsc_loader *L, rsc_cond *c, const rsc_ynode *v)
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
		if (!rsc_load_want(L, v, RSC_Y_SEQ, what))
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
		/* Every string has the empty prefix, suffix and substring: such a
		 * test only says "is a string", which is surely not what was meant.
		 * (An empty plain value is "missing value", from the reader.) */
		if (v->kind == RSC_Y_SCALAR && !v->plain && v->len == 0) {
			rsc_yerror(d, v,
				   "%s \"\" matches every string; remove the condition "
				   "(exists: true tests that the attribute is there) or give %s",
				   name, c->op == RSL_OP_CONTAINS ? "a substring"
				   : c->op == RSL_OP_STARTS_WITH ? "a prefix" : "a suffix");
			return;
		}
		if (rsc_scalar_text(&c->value.s, v, name, d) < 0)
			return;
		c->value.kind = RSC_V_STRING;
		c->value.slen = v->len;
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


static void load_children(rsc_loader *L, rsc_cond *c, const rsc_ynode *v,
			  const char *name, int depth)
{
	char what[16];
	snprintf(what, sizeof what, "'%s'", name);
	if (!rsc_load_want(L, v, RSC_Y_SEQ, what))
		return;
	if (v->n == 0 || v->n > RSL_MAX_CHILDREN) {
		rsc_yerror(L->d, v, "'%s' needs 1 to %d conditions, found %zu", name,
			   RSL_MAX_CHILDREN, v->n);
		return;
	}
	c->kids = rsc_arena_alloc(L->a, v->n * sizeof *c->kids);
	c->nkids = v->n;
	for (size_t i = 0; i < v->n; i++)
		c->kids[i] = rsc_load_cond(L, v->items[i], depth + 1);
}

/* The attribute as a message shows it; called only for an error, since each
 * call takes room in the run's arena. */
static const char *shown_attribute(rsc_diags *d, const rsc_ynode *kv)
{
	return kv->kind == RSC_Y_SCALAR ? rsc_show(d, kv->text, kv->len) : "?";
}

rsc_cond *rsc_load_cond(rsc_loader *L, const rsc_ynode *n, int depth)
{
	rsc_diags *d = L->d;
	rsc_cond *c = rsc_arena_alloc(L->a, sizeof *c);
	c->pos = rsc_load_pos(n);
	c->segment_index = -1;
	if (depth > RSL_MAX_COND_DEPTH) {
		rsc_yerror(d, n, "conditions are nested deeper than %d levels",
			   RSL_MAX_COND_DEPTH);
		return c;
	}
	if (!rsc_load_want(L, n, RSC_Y_MAP, "a condition"))
		return c;
	size_t unknown = rsc_load_unknown_keys(L, n, "condition", cond_keys);
	size_t kind_at = n->n, op_at = n->n, second_op = n->n, ci_at = n->n, nops = 0;
	int bad = 0;
	for (size_t i = 0; i < n->n; i++) {
		const rsc_ynode *k = n->keys[i];
		if (rsc_load_in_words(cond_kinds, k)) {
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
			c->kids[0] = rsc_load_cond(L, kv, depth + 1);
			c->nkids = 1;
		} else {
			c->op = RSL_OP_SEGMENT;
			rsc_scalar_text(&c->segment, kv, "segment", d);
		}
		return c;
	}
	c->attribute_pos = rsc_load_pos(kv);
	if (rsc_scalar_attribute(&c->attribute, kv, "attribute", d) == 0 &&
	    usable_attribute(L, kv, c->attribute) < 0)
		c->attribute = NULL;
	if (nops == 0) {
		if (!unknown)
			rsc_yerror(d, n, "condition on '%s' has no operator; expected one of %s",
				   shown_attribute(d, kv), rsc_load_join(L->a, op_names, NOPS));
		return c;
	}
	if (nops > 1) {
		rsc_yerror(d, n->keys[second_op],
			   "condition on '%s' has two operators, '%s' and '%s'; write one "
			   "test per condition and combine them with all",
			   shown_attribute(d, kv), n->keys[op_at]->text, n->keys[second_op]->text);
		return c;
	}
	c->op = (enum rsl_cond_op)op_of(n->keys[op_at]);
	load_operand(L, c, n->items[op_at]);
	if (ci_at < n->n) {
		if (!string_op((int)c->op))
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

static void load_split(rsc_loader *L, rsc_split *sp, const rsc_ynode *n)
{
	size_t e0 = L->d->errors;
	sp->pos = rsc_load_pos(n);
	sp->broken = 1;
	if (!rsc_load_want(L, n, RSC_Y_MAP, "'split'"))
		return;
	if (n->n == 0) {
		rsc_yerror(L->d, n, "'split' needs at least one variant");
		return;
	}
	sp->variants = rsc_arena_alloc(L->a, n->n * sizeof *sp->variants);
	sp->weights = rsc_arena_alloc(L->a, n->n * sizeof *sp->weights);
	sp->n = n->n;
	for (size_t i = 0; i < n->n; i++) {
		if (rsc_load_vref(L, &sp->variants[i], n->keys[i], "split") < 0)
			continue;
		rsc_scalar_percent(&sp->weights[i], n->items[i], n->keys[i]->text, L->d);
	}
	sp->broken = L->d->errors > e0;
}

static void load_step(rsc_loader *L, rsc_step *st, const rsc_ynode *n)
{
	rsc_diags *d = L->d;
	st->pos = rsc_load_pos(n);
	st->variant.index = -1;
	st->broken = 1;
	if (!rsc_load_want(L, n, RSC_Y_MAP, "'schedule' step"))
		return;
	rsc_load_unknown_keys(L, n, "schedule step", step_keys);
	const rsc_ynode *at = rsc_load_required(L, n, "at", "schedule step");
	st->broken = !at || rsc_scalar_time(&st->at, at, "at", d) < 0;
	const rsc_ynode *v = rsc_ymap_get(n, "variant"), *sp = rsc_ymap_get(n, "split");
	if (v && sp) {
		rsc_yerror(d, rsc_load_map_key(n, "split"),
			   "schedule step has both 'variant' and 'split'; write one of them");
	} else if (v) {
		st->kind = RSL_SERVE_VARIANT;
		rsc_load_vref(L, &st->variant, v, "variant");
	} else if (sp) {
		st->kind = RSL_SERVE_SPLIT;
		load_split(L, &st->split, sp);
	} else if (!rsc_load_guessed(L, n, "variant") && !rsc_load_guessed(L, n, "split")) {
		rsc_yerror(d, n, "schedule step needs 'variant' or 'split'");
	}
}

void rsc_load_serve(rsc_loader *L, rsc_serve *s, const rsc_ynode *n, const char *field)
{
	rsc_diags *d = L->d;
	s->pos = rsc_load_pos(n);
	s->by = "targeting_key";
	s->variant.index = -1;
	s->kind = RSL_SERVE_VARIANT;
	if (n->kind == RSC_Y_SCALAR) {
		rsc_load_vref(L, &s->variant, n, field);
		return;
	}
	if (n->kind != RSC_Y_MAP) {
		rsc_yerror(d, n, "expected a variant name or a mapping for '%s', found %s",
			   field, rsc_ynode_kind_name(n));
		return;
	}
	rsc_load_unknown_keys(L, n, "serve", serve_keys);
	const rsc_ynode *sp = rsc_ymap_get(n, "split"), *sch = rsc_ymap_get(n, "schedule");
	const rsc_ynode *by = rsc_ymap_get(n, "by");
	if (by && rsc_scalar_attribute(&s->by, by, "by", d) == 0 &&
	    usable_attribute(L, by, s->by) < 0)
		s->by = "targeting_key";
	if (sp && sch) {
		rsc_yerror(d, rsc_load_map_key(n, "schedule"),
			   "'%s' has both 'split' and 'schedule'; write one of them", field);
	} else if (sp) {
		s->kind = RSL_SERVE_SPLIT;
		load_split(L, &s->split, sp);
	} else if (sch) {
		s->kind = RSL_SERVE_SCHEDULE;
		if (!rsc_load_want(L, sch, RSC_Y_SEQ, "'schedule'"))
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
	} else if (!rsc_load_guessed(L, n, "split") && !rsc_load_guessed(L, n, "schedule")) {
		rsc_yerror(d, n, "'%s' needs 'split' or 'schedule' (or a variant name)", field);
	}
}

