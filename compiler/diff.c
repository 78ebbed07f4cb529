/* diff.c - what changed between two checked rulesets; see diff.h. */
#include "diff.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "scalar.h"
#include "rsl.h"

#define ARROW " \xe2\x86\x92 " /* " → " */

typedef struct dctx {
	rsc_diff *out;
	rsc_arena *a;
	const rsc_ruleset *ra, *rb;
	const char *only_env;
	/* The environment being compared (NULL for the whole ruleset), and
	 * the flag's two sides in it. */
	const char *env;
	int prot;
	const rsc_flag *fa, *fb;
} dctx;

static char *vfmt(rsc_arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	char *s = rsc_arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
	if (n > 0)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static rsc_change *addv(dctx *c, const char *kind, int prefix, const char *fmt, va_list ap)
{
	rsc_diff *d = c->out;
	d->v = rsc_grow(d->v, &d->cap, d->n, sizeof *d->v);
	rsc_change *x = &d->v[d->n++];
	memset(x, 0, sizeof *x);
	x->kind = kind;
	x->env = c->env;
	x->protected_ = c->env && c->prot;
	const rsc_flag *f = c->fb ? c->fb : c->fa;
	x->flag = f ? f->key : NULL;
	const char *text = vfmt(c->a, fmt, ap);
	x->text = f && prefix ? rsc_arena_printf(c->a, "%s: %s", f->key, text) : text;
	if (x->protected_)
		d->nprotected++;
	return x;
}

/* A change in the current environment (and of the current flag, whose key
 * then starts the text). */
static rsc_change *add(dctx *c, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static rsc_change *add(dctx *c, const char *kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rsc_change *x = addv(c, kind, 1, fmt, ap);
	va_end(ap);
	return x;
}

/* The same, the text naming the flag itself ("flag x added"). */
static rsc_change *add_unprefixed(dctx *c, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static rsc_change *add_unprefixed(dctx *c, const char *kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rsc_change *x = addv(c, kind, 0, fmt, ap);
	va_end(ap);
	return x;
}

/* ---- equality of what is compiled (positions and files aside) ---- */

static int str_eq(const char *x, const char *y)
{
	if (!x || !y)
		return x == y;
	return strcmp(x, y) == 0;
}

static int value_eq(const rsc_value *x, const rsc_value *y)
{
	if (x->kind != y->kind)
		return 0;
	switch (x->kind) {
	case RSC_V_BOOL:
		return !x->b == !y->b;
	case RSC_V_INT:
		return x->i == y->i;
	case RSC_V_FLOAT:
		return memcmp(&x->f, &y->f, sizeof x->f) == 0;
	default:
		return x->slen == y->slen && (x->slen == 0 || memcmp(x->s, y->s, x->slen) == 0);
	}
}

static int cond_eq(const rsc_cond *x, const rsc_cond *y)
{
	if (!x || !y)
		return x == y;
	if (x->op != y->op || !x->case_insensitive != !y->case_insensitive ||
	    !str_eq(x->attribute, y->attribute))
		return 0;
	/* The operands share their room (model.h): compare what op names. */
	switch (x->op) {
	case RSL_OP_ALL:
	case RSL_OP_ANY:
	case RSL_OP_NOT:
		if (x->nkids != y->nkids)
			return 0;
		for (size_t i = 0; i < x->nkids; i++)
			if (!cond_eq(x->kids[i], y->kids[i]))
				return 0;
		return 1;
	case RSL_OP_SEGMENT:
		return str_eq(x->segment, y->segment);
	case RSL_OP_IN:
	case RSL_OP_NOT_IN:
		if (x->nlist != y->nlist)
			return 0;
		for (size_t i = 0; i < x->nlist; i++)
			if (!value_eq(&x->list[i], &y->list[i]))
				return 0;
		return 1;
	case RSL_OP_BEFORE:
	case RSL_OP_AFTER:
		return x->time == y->time;
	default:
		return value_eq(&x->value, &y->value);
	}
}

static int split_eq(const rsc_split *x, const rsc_split *y)
{
	if (x->n != y->n)
		return 0;
	for (size_t i = 0; i < x->n; i++)
		if (!str_eq(x->variants[i].name, y->variants[i].name) ||
		    x->weights[i] != y->weights[i])
			return 0;
	return 1;
}

static const char *by_of(const rsc_serve *s)
{
	return s->by ? s->by : "targeting_key";
}

static int serve_eq(const rsc_serve *x, const rsc_serve *y)
{
	if (x->kind != y->kind)
		return 0;
	switch (x->kind) {
	case RSL_SERVE_VARIANT:
		return str_eq(x->variant.name, y->variant.name);
	case RSL_SERVE_SPLIT:
		return str_eq(by_of(x), by_of(y)) && split_eq(&x->split, &y->split);
	default:
		if (!str_eq(by_of(x), by_of(y)) || x->nsteps != y->nsteps)
			return 0;
		for (size_t i = 0; i < x->nsteps; i++) {
			const rsc_step *p = &x->steps[i], *q = &y->steps[i];
			if (p->at != q->at || p->kind != q->kind ||
			    (p->kind == RSL_SERVE_SPLIT ? !split_eq(&p->split, &q->split)
							: !str_eq(p->variant.name, q->variant.name)))
				return 0;
		}
		return 1;
	}
}

/* ---- traffic that moves ---- */

/* A plain serve or a split as ranges of buckets: names[i] serves the next
 * w[i] buckets.  0 for a schedule. */
static size_t ranges(const rsc_serve *s, const char **names, uint32_t *w)
{
	if (s->kind == RSL_SERVE_VARIANT) {
		names[0] = s->variant.name;
		w[0] = RSL_WEIGHT_TOTAL;
		return 1;
	}
	if (s->kind != RSL_SERVE_SPLIT || s->split.n > RSL_MAX_VARIANTS)
		return 0;
	for (size_t i = 0; i < s->split.n; i++) {
		names[i] = s->split.variants[i].name;
		w[i] = s->split.weights[i];
	}
	return s->split.n;
}

/* The shares that go from one variant to another between x and y, bucket
 * by bucket, in the order first met; how many pairs. */
static size_t moved(rsc_moved *out, rsc_arena *a, const rsc_serve *x, const rsc_serve *y)
{
	const char *xn[RSL_MAX_VARIANTS], *yn[RSL_MAX_VARIANTS];
	uint32_t xw[RSL_MAX_VARIANTS], yw[RSL_MAX_VARIANTS];
	size_t nx = ranges(x, xn, xw), ny = ranges(y, yn, yw), n = 0;
	size_t i = 0, j = 0;
	uint32_t xend = nx ? xw[0] : 0, yend = ny ? yw[0] : 0, at = 0;
	while (i < nx && j < ny && at < RSL_WEIGHT_TOTAL) {
		uint32_t end = xend < yend ? xend : yend;
		if (end > at && !str_eq(xn[i], yn[j])) {
			size_t k = 0;
			while (k < n && !(str_eq(out[k].from, xn[i]) && str_eq(out[k].to, yn[j])))
				k++;
			if (k == n) {
				out[n].from = rsc_arena_strdup(a, xn[i] ? xn[i] : "?");
				out[n].to = rsc_arena_strdup(a, yn[j] ? yn[j] : "?");
				out[n++].weight = 0;
			}
			out[k].weight += end - at;
		}
		at = end;
		if (xend == end && ++i < nx)
			xend += xw[i];
		if (yend == end && ++j < ny)
			yend += yw[j];
	}
	return n;
}

/* " (15% of traffic moves from off to on, 5% from blue to on)". */
static const char *moved_words(rsc_arena *a, const rsc_moved *m, size_t n)
{
	if (n == 0)
		return " (no one changes variant)";
	const char *s = "";
	for (size_t k = 0; k < n; k++)
		s = rsc_arena_printf(a, "%s%s%s%s from %s to %s", s, k ? ", " : " (",
				     rsc_render_percent(a, m[k].weight),
				     k ? "" : " of traffic moves", m[k].from, m[k].to);
	return rsc_arena_printf(a, "%s)", s);
}

/* The one variant a two-way split is named by in "split on 10% → 25%":
 * the one that is not the off variant (else the first); -1 when x and y
 * do not split between the same two variants. */
static int two_way(const rsc_split *x, const rsc_split *y, const rsc_flag *f)
{
	if (x->n != 2 || y->n != 2)
		return -1;
	int same = (str_eq(x->variants[0].name, y->variants[0].name) &&
		    str_eq(x->variants[1].name, y->variants[1].name)) ||
		   (str_eq(x->variants[0].name, y->variants[1].name) &&
		    str_eq(x->variants[1].name, y->variants[0].name));
	if (!same)
		return -1;
	return f && str_eq(y->variants[0].name, f->off_variant.name) ? 1 : 0;
}

static uint32_t weight_of(const rsc_split *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (str_eq(s->variants[i].name, name))
			return s->weights[i];
	return 0;
}

/* What where ("default", "rule 2 'eu-beta'") serves, x before and y after. */
static void serve_change(dctx *c, const char *where, const char *rule,
			 const rsc_serve *x, const rsc_serve *y)
{
	if (serve_eq(x, y))
		return;
	rsc_arena *a = c->a;
	const char *bx = rsc_render_serve(a, x), *by = rsc_render_serve(a, y);
	rsc_change *ch;
	if (x->kind == RSL_SERVE_SCHEDULE || y->kind == RSL_SERVE_SCHEDULE) {
		ch = add(c, "schedule_changed", "%s schedule changed: %s" ARROW "%s", where, bx, by);
	} else if (x->kind == RSL_SERVE_VARIANT && y->kind == RSL_SERVE_VARIANT) {
		ch = add(c, "serve_changed", "%s serve changed: %s" ARROW "%s", where, bx, by);
	} else {
		const char *tail;
		rsc_moved m[2 * RSL_MAX_VARIANTS];
		size_t nm = 0;
		int same_bucketing = str_eq(by_of(x), by_of(y)) || x->kind != RSL_SERVE_SPLIT ||
				     y->kind != RSL_SERVE_SPLIT;
		if (same_bucketing) {
			nm = moved(m, a, x, y);
			tail = moved_words(a, m, nm);
		} else {
			tail = rsc_arena_printf(a, " (bucketed by %s instead of %s: everyone is "
						"assigned anew)", by_of(y), by_of(x));
		}
		int k = x->kind == RSL_SERVE_SPLIT && y->kind == RSL_SERVE_SPLIT &&
				str_eq(by_of(x), by_of(y))
			? two_way(&x->split, &y->split, c->fb) : -1;
		if (k >= 0) {
			const char *v = y->split.variants[k].name;
			ch = add(c, "split_changed", "%s split %s %s" ARROW "%s%s", where, v,
				 rsc_render_percent(a, weight_of(&x->split, v)),
				 rsc_render_percent(a, weight_of(&y->split, v)), tail);
		} else {
			ch = add(c, x->kind == y->kind ? "split_changed" : "serve_changed",
				 "%s serve changed: %s" ARROW "%s%s", where, bx, by, tail);
		}
		if (nm) {
			ch->moved = rsc_arena_alloc(a, nm * sizeof *ch->moved);
			memcpy(ch->moved, m, nm * sizeof *m);
			ch->nmoved = nm;
		}
	}
	ch->rule = rule;
	ch->before = bx;
	ch->after = by;
}

/* ---- one flag in one environment ---- */

/* A rule's name is free text: shown on one line. */
static const char *rule_name(rsc_arena *a, const rsc_rule *r)
{
	return r->name ? rsc_escape(a, r->name, strlen(r->name), SIZE_MAX) : "";
}

static const char *rule_where(rsc_arena *a, size_t i, const rsc_rule *r)
{
	return rsc_arena_printf(a, "rule %zu '%s'", i + 1, rule_name(a, r));
}

/* "country in [DE] serves on"; "everyone serves on" without a condition. */
static const char *rule_words(rsc_arena *a, const rsc_rule *r)
{
	return rsc_arena_printf(a, "%s serves %s", rsc_render_cond(a, r->when),
				rsc_render_serve(a, &r->serve));
}

static int is_attribute_test(const rsc_cond *c)
{
	return c && c->op >= RSL_OP_EQ && c->op <= RSL_OP_EXISTS;
}

static void condition_change(dctx *c, const char *where, const char *rule,
			     const rsc_cond *x, const rsc_cond *y)
{
	if (cond_eq(x, y))
		return;
	rsc_arena *a = c->a;
	const char *bx = rsc_render_cond(a, x), *by = rsc_render_cond(a, y);
	rsc_change *ch;
	if (is_attribute_test(x) && is_attribute_test(y) && x->op == y->op &&
	    str_eq(x->attribute, y->attribute) && !x->case_insensitive == !y->case_insensitive)
		ch = add(c, "condition_changed", "%s condition changed: %s" ARROW "%s", where, bx,
			 rsc_render_operand(a, y));
	else
		ch = add(c, "condition_changed", "%s condition changed: %s" ARROW "%s", where, bx,
			 by);
	ch->rule = rule;
	ch->before = bx;
	ch->after = by;
}

static int rule_named(const rsc_targeting *t, const char *name)
{
	for (size_t i = 0; t && i < t->nrules; i++)
		if (str_eq(t->rules[i].name, name))
			return (int)i;
	return -1;
}

/* Rules are matched by name (unique in a targeting). */
static void rules_change(dctx *c, const rsc_targeting *x, const rsc_targeting *y)
{
	rsc_arena *a = c->a;
	size_t nx = x ? x->nrules : 0, ny = y ? y->nrules : 0;
	/* The position of a kept rule among the kept rules, on each side. */
	size_t rank_y = 0;
	for (size_t j = 0; j < ny; j++) {
		const rsc_rule *r = &y->rules[j];
		const char *where = rule_where(a, j, r);
		int i = rule_named(x, r->name);
		if (i < 0) {
			rsc_change *ch = add(c, "rule_added", "%s added: %s", where, rule_words(a, r));
			ch->rule = r->name;
			ch->after = rule_words(a, r);
			continue;
		}
		size_t rank_x = 0;
		for (int k = 0; k < i; k++)
			rank_x += rule_named(y, x->rules[k].name) >= 0;
		if (rank_x != rank_y) {
			rsc_change *ch = add(c, "rule_moved", "rule '%s' moved: %d" ARROW "%zu "
					     "(rules are tried in order)", rule_name(a, r), i + 1, j + 1);
			ch->rule = r->name;
		}
		rank_y++;
		condition_change(c, where, r->name, x->rules[i].when, r->when);
		serve_change(c, where, r->name, &x->rules[i].serve, &r->serve);
	}
	for (size_t i = 0; i < nx; i++) {
		const rsc_rule *r = &x->rules[i];
		if (rule_named(y, r->name) >= 0)
			continue;
		rsc_change *ch = add(c, "rule_removed", "%s removed (it was: %s)",
				     rule_where(a, i, r), rule_words(a, r));
		ch->rule = r->name;
		ch->before = rule_words(a, r);
	}
}

/* "payments-ready is on, kyc is done"; "none". */
static const char *requires_words(rsc_arena *a, const rsc_targeting *t)
{
	if (!t || t->nrequires == 0)
		return "none";
	const char *s = "";
	for (size_t i = 0; i < t->nrequires; i++)
		s = rsc_arena_printf(a, "%s%s%s is %s", s, i ? ", " : "", t->requires[i].flag,
				     t->requires[i].variant.name ? t->requires[i].variant.name : "?");
	return s;
}

static int requires_eq(const rsc_targeting *x, const rsc_targeting *y)
{
	if (x->nrequires != y->nrequires)
		return 0;
	for (size_t i = 0; i < x->nrequires; i++)
		if (!str_eq(x->requires[i].flag, y->requires[i].flag) ||
		    !str_eq(x->requires[i].variant.name, y->requires[i].variant.name))
			return 0;
	return 1;
}

static const char *off_name(const rsc_flag *f)
{
	return f && f->off_variant.name ? f->off_variant.name : "its off variant";
}

static void targeting_change(dctx *c, const rsc_targeting *x, const rsc_targeting *y)
{
	rsc_arena *a = c->a;
	if (!x && !y)
		return;
	if (!y) {
		add(c, "targeting_removed", "no longer configured: serves %s to everyone",
		    off_name(c->fb));
		return;
	}
	if (!x) {
		rsc_change *ch = add(c, "targeting_added", "configured: %s%s%s, %zu rule%s, "
				     "default %s", y->enabled ? "enabled" : "disabled (kill "
				     "switch engaged)", y->nrequires ? ", requires " : "",
				     y->nrequires ? requires_words(a, y) : "", y->nrules,
				     y->nrules == 1 ? "" : "s", rsc_render_serve(a, &y->dflt));
		ch->after = rsc_render_serve(a, &y->dflt);
		rules_change(c, NULL, y);
		return;
	}
	if (x->enabled && !y->enabled)
		add(c, "kill_switch_engaged", "kill switch engaged: everyone gets %s",
		    off_name(c->fb));
	else if (!x->enabled && y->enabled)
		add(c, "kill_switch_released", "kill switch released: the rules serve again");
	if (!requires_eq(x, y)) {
		rsc_change *ch = add(c, "prerequisites_changed", "prerequisites changed: %s" ARROW
				     "%s", requires_words(a, x), requires_words(a, y));
		ch->before = requires_words(a, x);
		ch->after = requires_words(a, y);
	}
	rules_change(c, x, y);
	serve_change(c, "default", NULL, &x->dflt, &y->dflt);
}

/* ---- the flag's definition ---- */

static const char *variant_list(rsc_arena *a, const rsc_flag *f)
{
	const char *s = "";
	for (size_t i = 0; i < f->nvariants; i++)
		s = rsc_arena_printf(a, "%s%s%s", s, i ? ", " : "", f->variants[i].name);
	return s;
}

static const rsc_variant *variant_named(const rsc_flag *f, const char *name)
{
	int i = rsc_model_variant_index(f, name);
	return i < 0 ? NULL : &f->variants[i];
}

static const char *configured_in(rsc_arena *a, const rsc_ruleset *rs, const rsc_flag *f)
{
	const char *s = "";
	for (size_t e = 0; e < rs->nenvs; e++)
		if (f->targeting && f->targeting[e])
			s = rsc_arena_printf(a, "%s%s%s", s, *s ? ", " : "", rs->envs[e].name);
	return *s ? s : "no environment";
}

static void definition_change(dctx *c, const rsc_flag *x, const rsc_flag *y)
{
	rsc_arena *a = c->a;
	if (!x) {
		add_unprefixed(c, "flag_added", "flag %s added (%s: %s)", y->key,
			       rsl_type_name((rsl_type)y->type), variant_list(a, y));
		return;
	}
	if (!y) {
		add_unprefixed(c, "flag_removed", "flag %s removed (it was configured in %s)",
			       x->key, configured_in(a, c->ra, x));
		return;
	}
	if (x->type != y->type)
		add(c, "flag_type_changed", "type changed: %s" ARROW "%s",
		    rsl_type_name((rsl_type)x->type), rsl_type_name((rsl_type)y->type));
	for (size_t i = 0; i < y->nvariants; i++) {
		const rsc_variant *v = &y->variants[i], *old = variant_named(x, v->name);
		const char *now = rsc_render_value(a, &v->value);
		if (!old) {
			add(c, "variant_added", "variant %s added: %s", v->name, now)->after = now;
		} else if (!value_eq(&old->value, &v->value)) {
			rsc_change *ch = add(c, "variant_changed", "variant %s changed: %s" ARROW "%s",
					     v->name, rsc_render_value(a, &old->value), now);
			ch->before = rsc_render_value(a, &old->value);
			ch->after = now;
		}
	}
	for (size_t i = 0; i < x->nvariants; i++)
		if (!variant_named(y, x->variants[i].name))
			add(c, "variant_removed", "variant %s removed", x->variants[i].name);
	if (!str_eq(x->off_variant.name, y->off_variant.name))
		add(c, "off_variant_changed", "off variant changed: %s" ARROW "%s", off_name(x),
		    off_name(y));
	if (!str_eq(x->salt ? x->salt : x->key, y->salt ? y->salt : y->key))
		add(c, "salt_changed", "salt changed: every split assigns everyone anew");
}

/* ---- segments ---- */

/* Whether cond uses segment key, directly or through other segments. */
static int uses(const rsc_ruleset *rs, const rsc_cond *cond, const char *key, int depth)
{
	if (!cond || depth > 4 * RSL_MAX_COND_DEPTH)
		return 0;
	if (cond->op == RSL_OP_SEGMENT) {
		if (str_eq(cond->segment, key))
			return 1;
		int s = rsc_model_segment_index(rs, cond->segment);
		return s >= 0 && uses(rs, rs->segments[s].when, key, depth + 1);
	}
	for (size_t i = 0; i < rsc_cond_nkids(cond); i++)
		if (uses(rs, cond->kids[i], key, depth + 1))
			return 1;
	return 0;
}

/* " (used by 3 flags in prod, 1 flag in staging)", " (used by no flag)". */
static const char *used_by(dctx *c, const rsc_ruleset *rs, const char *key)
{
	rsc_arena *a = c->a;
	const char *s = "";
	for (size_t e = 0; e < rs->nenvs; e++) {
		if (c->only_env && strcmp(c->only_env, rs->envs[e].name) != 0)
			continue;
		size_t n = 0;
		for (size_t f = 0; f < rs->nflags; f++) {
			const rsc_targeting *t = rs->flags[f].targeting ? rs->flags[f].targeting[e]
									: NULL;
			int hit = 0;
			for (size_t r = 0; t && r < t->nrules && !hit; r++)
				hit = uses(rs, t->rules[r].when, key, 0);
			if (hit)
				n++;
		}
		if (n)
			s = rsc_arena_printf(a, "%s%s%zu flag%s in %s", s, *s ? ", " : "", n,
					     n == 1 ? "" : "s", rs->envs[e].name);
	}
	if (!*s && c->only_env)
		s = rsc_arena_printf(a, "no flag in %s", c->only_env);
	return rsc_arena_printf(a, " (used by %s)", *s ? s : "no flag");
}

static void segments_change(dctx *c)
{
	const rsc_ruleset *x = c->ra, *y = c->rb;
	rsc_arena *a = c->a;
	size_t i = 0, j = 0;
	while (i < x->nsegments || j < y->nsegments) {
		const rsc_segment *p = i < x->nsegments ? &x->segments[i] : NULL;
		const rsc_segment *q = j < y->nsegments ? &y->segments[j] : NULL;
		int cmp = !p ? 1 : !q ? -1 : strcmp(p->key, q->key);
		rsc_change *ch = NULL;
		if (cmp < 0) {
			ch = add(c, "segment_removed", "segment %s removed", p->key);
			ch->segment = p->key;
			ch->before = rsc_render_cond(a, p->when);
		} else if (cmp > 0) {
			ch = add(c, "segment_added", "segment %s added: %s%s", q->key,
				 rsc_render_cond(a, q->when), used_by(c, y, q->key));
			ch->segment = q->key;
			ch->after = rsc_render_cond(a, q->when);
		} else if (!cond_eq(p->when, q->when)) {
			const char *bx = rsc_render_cond(a, p->when), *by = rsc_render_cond(a, q->when);
			const char *shown = by;
			if (is_attribute_test(p->when) && is_attribute_test(q->when) &&
			    p->when->op == q->when->op && str_eq(p->when->attribute, q->when->attribute))
				shown = rsc_render_operand(a, q->when);
			ch = add(c, "segment_changed", "segment %s changed: %s" ARROW "%s%s", q->key,
				 bx, shown, used_by(c, y, q->key));
			ch->segment = q->key;
			ch->before = bx;
			ch->after = by;
		}
		i += cmp <= 0;
		j += cmp >= 0;
	}
}

/* ---- environments ---- */

static const char *ttl_words(rsc_arena *a, const rsc_ruleset *rs)
{
	if (!rs->has_ttl)
		return "none";
	int64_t t = rs->ttl_seconds;
	if (t % 86400 == 0)
		return rsc_arena_printf(a, "%lldd", (long long)(t / 86400));
	if (t % 3600 == 0)
		return rsc_arena_printf(a, "%lldh", (long long)(t / 3600));
	if (t % 60 == 0)
		return rsc_arena_printf(a, "%lldm", (long long)(t / 60));
	return rsc_arena_printf(a, "%llds", (long long)t);
}

static int wanted(const dctx *c, const char *env)
{
	return !c->only_env || strcmp(c->only_env, env) == 0;
}

/* Every flag's changes in environment env (index ea in a, eb in b, -1
 * where it does not exist). */
static void env_change(dctx *c, const rsc_env *env, int ea, int eb)
{
	c->env = env->name;
	c->prot = env->protected_;
	if (ea < 0)
		add(c, "environment_added", "environment added");
	else if (eb < 0)
		add(c, "environment_removed", "environment removed: no snapshot is compiled for it");
	else if (!c->ra->envs[ea].protected_ != !c->rb->envs[eb].protected_)
		add(c, "protection_changed", "%s", env->protected_ ? "now protected" :
		    "no longer protected");
	if (eb < 0)
		return;
	for (size_t j = 0; j < c->rb->nflags; j++) {
		const rsc_flag *y = &c->rb->flags[j];
		int i = rsc_model_flag_index(c->ra, y->key);
		c->fa = i >= 0 ? &c->ra->flags[i] : NULL;
		c->fb = y;
		const rsc_targeting *tx = c->fa && ea >= 0 && c->fa->targeting ?
						  c->fa->targeting[ea] : NULL;
		const rsc_targeting *ty = y->targeting ? y->targeting[eb] : NULL;
		targeting_change(c, tx, ty);
	}
	c->fa = c->fb = NULL;
}

void rsc_diff_models(rsc_diff *out, rsc_arena *arena, const rsc_ruleset *a,
		     const rsc_ruleset *b, const char *env)
{
	memset(out, 0, sizeof *out);
	dctx c = { out, arena, a, b, env, NULL, 0, NULL, NULL };
	/* Protected environments first, then the others, then the gone. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t e = 0; e < b->nenvs; e++)
			if ((b->envs[e].protected_ == 0) == pass && wanted(&c, b->envs[e].name))
				env_change(&c, &b->envs[e], rsc_model_env_index(a, b->envs[e].name),
					   (int)e);
	for (size_t e = 0; e < a->nenvs; e++)
		if (rsc_model_env_index(b, a->envs[e].name) < 0 && wanted(&c, a->envs[e].name))
			env_change(&c, &a->envs[e], (int)e, -1);

	c.env = NULL;
	c.prot = 0;
	if (!a->has_ttl != !b->has_ttl || (a->has_ttl && a->ttl_seconds != b->ttl_seconds)) {
		rsc_change *ch = add(&c, "ttl_changed", "snapshot_ttl changed: %s" ARROW "%s",
				     ttl_words(arena, a), ttl_words(arena, b));
		ch->before = ttl_words(arena, a);
		ch->after = ttl_words(arena, b);
	}
	segments_change(&c);
	size_t i = 0, j = 0;
	while (i < a->nflags || j < b->nflags) {
		const rsc_flag *x = i < a->nflags ? &a->flags[i] : NULL;
		const rsc_flag *y = j < b->nflags ? &b->flags[j] : NULL;
		int cmp = !x ? 1 : !y ? -1 : strcmp(x->key, y->key);
		c.fa = cmp <= 0 ? x : NULL;
		c.fb = cmp >= 0 ? y : NULL;
		definition_change(&c, c.fa, c.fb);
		i += cmp <= 0;
		j += cmp >= 0;
	}
}

void rsc_diff_free(rsc_diff *d)
{
	if (!d)
		return;
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

/* Whether flag key uses segment seg in rs, in any environment. */
static int flag_uses(const rsc_ruleset *rs, const char *key, const char *seg)
{
	int f = rsc_model_flag_index(rs, key);
	if (f < 0 || !rs->flags[f].targeting)
		return 0;
	for (size_t e = 0; e < rs->nenvs; e++) {
		const rsc_targeting *t = rs->flags[f].targeting[e];
		for (size_t r = 0; t && r < t->nrules; r++)
			if (uses(rs, t->rules[r].when, seg, 0))
				return 1;
	}
	return 0;
}

void rsc_diff_keep_flag(rsc_diff *d, const rsc_ruleset *a, const rsc_ruleset *b,
			const char *flag)
{
	size_t n = 0, prot = 0;
	for (size_t i = 0; i < d->n; i++) {
		const rsc_change *c = &d->v[i];
		int keep = c->flag ? strcmp(c->flag, flag) == 0
			   : c->segment && (flag_uses(a, flag, c->segment) ||
					    flag_uses(b, flag, c->segment));
		if (!keep)
			continue;
		prot += c->protected_ != 0;
		d->v[n++] = *c;
	}
	d->n = n;
	d->nprotected = prot;
}
