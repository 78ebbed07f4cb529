/*
 * eval.c - flag evaluation (docs/ruleset.md, "Evaluation order"): the
 * typed calls of rsl.h over one core.  The core never allocates, locks,
 * does I/O or formats a message; errors only select the fallback.
 */
/* Before any header: the flag lookup's hash, inlined (snap.h). */
#define XXH_INLINE_ALL
#include "eval.h"

#include <stddef.h>
#include <string.h>
#include <time.h>

#include "bucket.h"
#include "keyring.h" /* rsl__fail */
#include "match.h"

/* What the core decided: a variant of the flag, or an error. */
typedef struct decision {
	uint32_t variant;
	rsl_reason reason;
	rsl_error_code error;
	int rule_index;
	const rsl__rule *rule;
	const char *file;
	uint32_t line;
	uint32_t bucket;
} decision;

/* The evaluation time, read from the clock at most once per call. */
typedef struct clockv {
	const rsl_context *ctx;
	int64_t now;
	int have;
} clockv;

static int64_t now_of(clockv *c)
{
	if (!c->have) {
		if (c->ctx && c->ctx->now != 0) {
			c->now = c->ctx->now;
		} else {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			c->now = (int64_t)ts.tv_sec;
		}
		c->have = 1;
	}
	return c->now;
}

/* The bucketing text of the attribute a split reads: 1, or 0 when the
 * context has no usable value (absent, a list, NaN or infinite). */
static inline __attribute__((always_inline)) int
by_text(const char **s, size_t *len, char num[RSL__NUMBUF], const rsl__serve *sv,
	rsl__names *nm)
{
	const rsl_context *ctx = nm->ctx;
	if (ctx == NULL)
		return 0;
	if (sv->by_kind != RSL__ATTR_NAMED) {
		const char *k = sv->by_kind == RSL__ATTR_TARGETING_KEY ? ctx->targeting_key
								       : ctx->tenant_key;
		if (k == NULL)
			return 0;
		*s = k;
		*len = rsl__names_key_len(nm, sv->by_kind);
		if (*len == SIZE_MAX)
			*len = strlen(k);
		return 1;
	}
	const rsl_attr *a = rsl__names_find(len, nm, &sv->by, sv->by_hash, RSL__NO_ID);
	if (a == NULL)
		return 0;
	switch (a->type) {
	case RSL_ATTR_STRING:
		*s = a->s;
		if (*len == SIZE_MAX)
			*len = strlen(a->s);
		return 1;
	case RSL_ATTR_NUMBER: {
		int n = rsl__format_number(num, a->n);
		if (n < 0)
			return 0;
		*s = num;
		*len = (size_t)n;
		return 1;
	}
	case RSL_ATTR_BOOL:
		*s = a->b ? "true" : "false";
		*len = strlen(*s);
		return 1;
	default:
		return 0;
	}
}

/* Resolves a serve to a variant into ev (variant, step, split, bucket).
 * Returns 1, or 0 when it needed a split and the context has no
 * bucketing value. */
static inline __attribute__((always_inline)) int
resolve(rsl__event *ev, char num[RSL__NUMBUF], const rsl__flag *f, const rsl__serve *sv,
	rsl__names *nm, clockv *clk)
{
	const rsl__split *split = NULL;
	ev->serve = sv;
	ev->step = -1;
	ev->split = NULL;
	ev->bucket = UINT32_MAX;
	switch (sv->kind) {
	case RSL_SERVE_VARIANT:
		ev->variant = sv->variant;
		return 1;
	case RSL_SERVE_SPLIT:
		split = &sv->split;
		break;
	default: {
		int64_t now = now_of(clk);
		int step = -1;
		ev->now = now;
		for (uint32_t i = 0; i < sv->nsteps && RSL__AT(rsl__step, sv->steps)[i].at <= now; i++)
			step = (int)i;
		ev->step = step;
		if (step < 0) {
			ev->variant = f->off;
			return 1;
		}
		if (RSL__AT(rsl__step, sv->steps)[step].kind == RSL_SERVE_VARIANT) {
			ev->variant = RSL__AT(rsl__step, sv->steps)[step].variant;
			return 1;
		}
		split = &RSL__AT(rsl__step, sv->steps)[step].split;
		break;
	}
	}
	const char *s;
	size_t len;
	ev->split = split;
	if (!by_text(&s, &len, num, sv, nm)) {
		ev->by_value = NULL;
		ev->by_len = 0;
		return 0;
	}
	ev->by_value = s;
	ev->by_len = len;
	ev->bucket = rsl__bucket_seeded(f->seed, s, len);
	ev->variant = rsl__split_pick(split, ev->bucket);
	return 1;
}

static void notify(rsl__trace *tr, const rsl__event *ev)
{
	if (tr)
		tr->event(tr, ev);
}

static void decide_quiet(decision *d, const rsl_snapshot *snap,
			 const rsl__flag *f, rsl__names *nm, clockv *clk, int depth);

/* The one decision procedure.  Inlined three times: with no trace, where
 * the compiler drops every notification, into decide_quiet (prerequisites)
 * and into the typed calls' own path (decide); and into decide_traced, for
 * explain. */
static inline __attribute__((always_inline)) void
decide_with(decision *d, const rsl_snapshot *snap, const rsl__flag *f,
	    rsl__names *nm, clockv *clk, int depth, rsl__trace *tr)
{
	rsl__event ev;
	/* The text of a number a split buckets by: not in ev, so that without
	 * a trace ev stays in registers. */
	char num[RSL__NUMBUF];
	ev.kind = 0;
	ev.index = 0;
	ev.status = 0;
	ev.reason = RSL_REASON_DEFAULT;
	ev.serve = NULL;
	ev.step = -1;
	ev.now = 0;
	ev.split = NULL;
	ev.by_value = NULL;
	ev.by_len = 0;
	ev.bucket = UINT32_MAX;
	d->rule_index = -1;
	d->rule = NULL;
	d->bucket = UINT32_MAX;
	d->error = RSL_ERR_NONE;
	d->file = RSL__S(f->tfile);
	d->line = 0;
	d->variant = f->off;
	if (!f->configured) {
		d->reason = RSL_REASON_DEFAULT;
		d->file = RSL__S(f->file);
		d->line = f->line;
		ev.kind = RSL__EV_NOT_CONFIGURED;
		ev.variant = f->off;
		notify(tr, &ev);
		return;
	}
	if (!f->enabled) {
		d->reason = RSL_REASON_DISABLED;
		ev.kind = RSL__EV_DISABLED;
		ev.variant = f->off;
		notify(tr, &ev);
		return;
	}
	if (f->is_static && f->dflt.kind == RSL_SERVE_VARIANT) {
		d->reason = RSL_REASON_STATIC;
		d->variant = f->dflt.variant;
		d->line = f->default_line;
		ev.kind = RSL__EV_STATIC;
		ev.variant = d->variant;
		notify(tr, &ev);
		return;
	}
	for (uint32_t i = 0; i < f->nrequires; i++) {
		const rsl__req *rq = &RSL__AT(rsl__req, f->requires)[i];
		decision pd;
		/* The prerequisite would be flag depth + 2 of the chain (open
		 * refuses longer chains; this only guards the recursion). */
		if (depth + 2 > RSL__MAX_PREREQ_DEPTH) {
			d->reason = RSL_REASON_ERROR;
			d->error = RSL_ERR_GENERAL;
			return;
		}
		decide_quiet(&pd, snap, &snap->flags[rq->flag], nm, clk, depth + 1);
		if (pd.reason == RSL_REASON_ERROR) {
			d->reason = RSL_REASON_ERROR;
			d->error = pd.error;
			return;
		}
		ev.kind = RSL__EV_PREREQ;
		ev.index = i;
		ev.status = pd.variant == rq->variant;
		ev.variant = pd.variant;
		ev.reason = pd.reason;
		notify(tr, &ev);
		if (!ev.status) {
			d->reason = RSL_REASON_PREREQUISITE_FAILED;
			return;
		}
	}
	/* By pointer: the image's reference followed once, not per rule. */
	const rsl__rule *rules = RSL__AT(rsl__rule, f->rules), *end = rules + f->nrules;
	for (const rsl__rule *r = rules; r < end; r++) {
		ev.kind = RSL__EV_RULE;
		ev.index = (uint32_t)(r - rules);
		if (rsl__when(&r->when) && !rsl__match_in(snap, rsl__when(&r->when), nm)) {
			ev.status = RSL__RULE_NO_MATCH;
			notify(tr, &ev);
			continue;
		}
		if (!resolve(&ev, num, f, &r->serve, nm, clk)) {
			/* No bucketing value: a split rule does not match. */
			ev.status = RSL__RULE_NO_BUCKET;
			notify(tr, &ev);
			continue;
		}
		ev.status = RSL__RULE_MATCH;
		notify(tr, &ev);
		d->variant = ev.variant;
		d->reason = ev.split ? RSL_REASON_SPLIT : RSL_REASON_TARGETING_MATCH;
		d->bucket = ev.bucket;
		d->rule_index = (int)(r - rules);
		d->rule = r;
		d->line = r->line;
		return;
	}
	ev.kind = RSL__EV_DEFAULT;
	ev.index = 0;
	d->line = f->default_line;
	if (!resolve(&ev, num, f, &f->dflt, nm, clk)) {
		ev.status = RSL__RULE_NO_BUCKET;
		ev.variant = f->off;
		notify(tr, &ev);
		d->reason = RSL_REASON_DEFAULT;
		d->error = RSL_ERR_TARGETING_KEY_MISSING;
		return;
	}
	ev.status = RSL__RULE_MATCH;
	notify(tr, &ev);
	d->variant = ev.variant;
	d->reason = ev.split ? RSL_REASON_SPLIT : RSL_REASON_DEFAULT;
	d->bucket = ev.bucket;
}

static void decide_quiet(decision *d, const rsl_snapshot *snap,
			 const rsl__flag *f, rsl__names *nm, clockv *clk, int depth)
{
	decide_with(d, snap, f, nm, clk, depth, NULL);
}

/* For explain: out of line, so that its copy stays off the typed path. */
static __attribute__((noinline)) void
decide_traced(decision *d, const rsl_snapshot *snap, const rsl__flag *f,
	      rsl__names *nm, clockv *clk, rsl__trace *tr)
{
	decide_with(d, snap, f, nm, clk, 0, tr);
}

/* The top of an evaluation: decide_with inlined a third time, without a
 * trace, so the typed calls' path makes no call to decide. */
static inline __attribute__((always_inline)) void
decide(decision *d, const rsl_snapshot *snap, const rsl__flag *f, rsl__names *nm,
       clockv *clk, rsl__trace *tr)
{
	if (tr)
		decide_traced(d, snap, f, nm, clk, tr);
	else
		decide_with(d, snap, f, nm, clk, 0, NULL);
}

/* The length of s when it holds at most *budget bytes (taken from
 * *budget), else SIZE_MAX.  Reads at most *budget + 1 bytes of s. */
static inline size_t take(size_t *budget, const char *s)
{
	size_t n = strnlen(s, *budget + 1);
	if (n > *budget)
		return SIZE_MAX;
	*budget -= n;
	return n;
}

/* rsl_prepared.state of a context prepared (anything else: refused). */
#define PREPARED 0x50534c52u

/* A refusal of scan_context: a message when err is wanted. */
#define REFUSE(...) return err ? rsl__fail(err, RSL_EINVAL, __VA_ARGS__) : RSL_EINVAL

/*
 * The one check of a context's contents (not its environment, which is the
 * snapshot's): RSL_EINVAL, with a message in *err when err is not NULL, when
 * an attribute is not well formed or the context carries more than rsl.h's
 * RSL_MAX_CONTEXT_* allow; else RSL_OK.  Reads at most
 * RSL_MAX_CONTEXT_STRING + 1 bytes of each attribute: after it, every test
 * reads strings of known bounded length.  When p is not NULL, records in it
 * each name's hash and length and each string's length (rsl_context_
 * prepare).  Inlined: with p and err NULL (every unprepared call) it only
 * checks.
 */
static inline __attribute__((always_inline)) int
scan_context(rsl_prepared *p, const rsl_context *ctx, rsl_error *err)
{
	size_t budget, n;
	if (ctx->nattrs && ctx->attrs == NULL)
		REFUSE("the context has %zu attributes and attrs NULL", ctx->nattrs);
	if (ctx->nattrs > RSL_MAX_CONTEXT_ATTRS)
		REFUSE("the context has %zu attributes, over RSL_MAX_CONTEXT_ATTRS (%d)",
		       ctx->nattrs, RSL_MAX_CONTEXT_ATTRS);
	budget = RSL_MAX_CONTEXT_STRING;
	if (ctx->targeting_key && (n = take(&budget, ctx->targeting_key)) == SIZE_MAX)
		REFUSE("targeting_key is over RSL_MAX_CONTEXT_STRING (%d bytes)",
		       RSL_MAX_CONTEXT_STRING);
	if (p)
		p->key_len = ctx->targeting_key ? (uint16_t)n : 0;
	budget = RSL_MAX_CONTEXT_STRING;
	if (ctx->tenant_key && (n = take(&budget, ctx->tenant_key)) == SIZE_MAX)
		REFUSE("tenant_key is over RSL_MAX_CONTEXT_STRING (%d bytes)",
		       RSL_MAX_CONTEXT_STRING);
	if (p)
		p->tenant_len = ctx->tenant_key ? (uint16_t)n : 0;
	for (size_t i = 0; i < ctx->nattrs; i++) {
		const rsl_attr *a = &ctx->attrs[i];
		if (a->name == NULL || a->name[0] == 0)
			REFUSE("attribute %zu has %s name", i, a->name ? "an empty" : "a NULL");
		budget = RSL_MAX_CONTEXT_STRING;
		n = 0;
		switch (a->type) {
		case RSL_ATTR_STRING:
			if (a->s == NULL)
				REFUSE("attribute %zu is a string, and its s is NULL", i);
			if ((n = take(&budget, a->s)) == SIZE_MAX)
				REFUSE("attribute %zu's string is over RSL_MAX_CONTEXT_STRING "
				       "(%d bytes)", i, RSL_MAX_CONTEXT_STRING);
			break;
		case RSL_ATTR_NUMBER:
		case RSL_ATTR_BOOL:
			break;
		case RSL_ATTR_LIST:
			if (a->len && a->list == NULL)
				REFUSE("attribute %zu is a list of %zu, and its list is NULL", i,
				       a->len);
			if (a->len > RSL_MAX_CONTEXT_LIST)
				REFUSE("attribute %zu is a list of %zu, over RSL_MAX_CONTEXT_LIST "
				       "(%d)", i, a->len, RSL_MAX_CONTEXT_LIST);
			for (size_t k = 0; k < a->len; k++) {
				if (a->list[k] == NULL)
					REFUSE("attribute %zu's item %zu is NULL", i, k);
				if (take(&budget, a->list[k]) == SIZE_MAX)
					REFUSE("attribute %zu's items are over "
					       "RSL_MAX_CONTEXT_STRING (%d bytes) together",
					       i, RSL_MAX_CONTEXT_STRING);
			}
			break;
		default:
			REFUSE("attribute %zu has type %d, not an rsl_attr_type", i, (int)a->type);
		}
		if (p) {
			/* A name longer than any in a snapshot: not hashed (a
			 * look-up of such a name scans, match.h). */
			size_t nl = strnlen(a->name, RSL_KEY_MAX + 1);
			p->attr[i].name_len = (uint16_t)nl;
			p->attr[i].hash = nl <= RSL_KEY_MAX ? rsl__name_hash(a->name, nl) : 0;
			p->attr[i].len = (uint16_t)n;
			p->attr[i].id = RSL__NO_ID;
		}
	}
	return RSL_OK;
}

int rsl_context_prepare(rsl_prepared *out, const rsl_context *ctx, rsl_error *err)
{
	int rc;
	if (out == NULL)
		return rsl__fail(err, RSL_EINVAL, "rsl_context_prepare: out is NULL");
	memset(out, 0, offsetof(rsl_prepared, attr));
	out->ctx = ctx;
	if (ctx && (rc = scan_context(out, ctx, err)) < 0)
		return rc; /* state 0: every evaluation refuses it */
	out->nattrs = ctx ? (uint32_t)ctx->nattrs : 0;
	out->state = PREPARED;
	return RSL_OK;
}

/* The number of the attribute name s[0..n) among snap's (sorted, decode.c),
 * or RSL__NO_ID. */
static uint32_t attr_number(const rsl_snapshot *snap, const char *s, size_t n)
{
	uint32_t lo = 0, hi = snap->nattrs;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const rsl__str *m = &snap->attrs[mid].s;
		int r = rsl__key_cmp(RSL__S(*m), m->len, s, n);
		if (r == 0)
			return mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return RSL__NO_ID;
}

void rsl_context_bind(rsl_prepared *p, const rsl_snapshot *snap)
{
	if (p == NULL || p->state != PREPARED)
		return;
	p->serial = 0;
	if (snap == NULL)
		return;
	for (uint32_t i = 0; i < p->nattrs; i++) {
		size_t n = p->attr[i].name_len;
		p->attr[i].id = n <= RSL_KEY_MAX ? attr_number(snap, p->ctx->attrs[i].name, n)
						 : RSL__NO_ID;
	}
	p->serial = snap->serial;
}

/* INVALID_CONTEXT when ctx names another environment or scan_context
 * refuses it; else NONE.  Inlined into the unprepared calls' path: one call
 * and its register saves less. */
static inline __attribute__((always_inline)) rsl_error_code
check_context(const rsl_snapshot *snap, const rsl_context *ctx)
{
	if (ctx->environment && strcmp(ctx->environment, snap->info.environment) != 0)
		return RSL_ERR_INVALID_CONTEXT;
	return scan_context(NULL, ctx, NULL) < 0 ? RSL_ERR_INVALID_CONTEXT : RSL_ERR_NONE;
}

/* The evaluation without a result to fill: finds the flag (into *flag,
 * NULL when none), checks the context and the type, and decides into *d.
 * Returns the error code; d->reason is ERROR when the fallback is due.
 * Inlined into each caller: one call less on the typed calls' path. */
static inline __attribute__((always_inline)) rsl_error_code
core(decision *d, const rsl__flag **flag, const rsl_snapshot *snap, const char *key,
     const rsl_flag_ref *ref, int expected, const rsl_context *ctx,
     const rsl_prepared *prep, rsl__trace *tr)
{
	const rsl__flag *f;
	rsl_error_code err;
	*flag = NULL;
	d->reason = RSL_REASON_ERROR;
	if (snap == NULL)
		return RSL_ERR_PROVIDER_NOT_READY;
	if (prep) {
		/* Checked at prepare: only the environment is the snapshot's. */
		if (prep->state != PREPARED)
			return RSL_ERR_INVALID_CONTEXT;
		ctx = prep->ctx;
		if (ctx == NULL)
			prep = NULL;
		else if (ctx->environment &&
			 strcmp(ctx->environment, snap->info.environment) != 0)
			return RSL_ERR_INVALID_CONTEXT;
	} else if (ctx && (err = check_context(snap, ctx)) != RSL_ERR_NONE) {
		return err;
	}
	if (ref && ref->serial == snap->serial && ref->index < snap->nflags)
		f = &snap->flags[ref->index];
	else if (ref)
		f = ref->key ? rsl__find_flag(snap, ref->key, strlen(ref->key)) : NULL;
	else
		f = key ? rsl__find_flag(snap, key, strlen(key)) : NULL;
	if (f == NULL)
		return RSL_ERR_FLAG_NOT_FOUND;
	*flag = f;
	if (expected >= 0 && (int)f->type != expected)
		return RSL_ERR_TYPE_MISMATCH;
	clockv clk = { ctx, 0, 0 };
	/* One names table for the whole call, prerequisites included. */
	rsl__names nm;
	if (prep)
		rsl__names_init_prepared(&nm, prep, snap);
	else
		rsl__names_init(&nm, ctx);
	decide(d, snap, f, &nm, &clk, tr);
	return d->error;
}

/* rsl__eval, from a context or a prepared one. */
static int eval_into(rsl_result *out, const rsl__flag **flag, const rsl_snapshot *snap,
		     const char *key, const rsl_flag_ref *ref, int expected,
		     const rsl_context *ctx, const rsl_prepared *prep,
		     const rsl_value *fallback, rsl__trace *tr)
{
	const rsl__flag *f;
	decision d;
	rsl_error_code err = core(&d, &f, snap, key, ref, expected, ctx, prep, tr);
	if (prep)
		ctx = prep->ctx; /* for strict */
	if (flag)
		*flag = f;
	out->error = err;
	if (fallback) {
		out->value = *fallback;
	} else {
		memset(&out->value, 0, sizeof out->value);
		out->value.type = expected < 0 ? RSL_BOOLEAN : (rsl_type)expected;
	}
	if (d.reason != RSL_REASON_ERROR) {
		const rsl__variant *v = &RSL__AT(rsl__variant, f->variants)[d.variant];
		out->value.type = (rsl_type)f->type;
		rsl__set_value(&out->value, &v->value);
		out->variant = RSL__S(v->name);
		out->reason = d.reason;
		out->rule_index = d.rule_index;
		out->rule_name = d.rule ? RSL__S(d.rule->name) : NULL;
		out->file = d.file;
		out->line = d.line;
		out->bucket = d.bucket;
	} else {
		out->variant = NULL;
		out->reason = RSL_REASON_ERROR;
		out->rule_index = -1;
		out->rule_name = NULL;
		out->file = NULL;
		out->line = 0;
		out->bucket = UINT32_MAX;
	}
	return err != RSL_ERR_NONE && ctx && ctx->strict ? RSL_ESTRICT : RSL_OK;
}

int rsl__eval(rsl_result *out, const rsl__flag **flag, const rsl_snapshot *snap,
	      const char *key, int expected, const rsl_context *ctx,
	      const rsl_value *fallback, rsl__trace *tr)
{
	return eval_into(out, flag, snap, key, NULL, expected, ctx, NULL, fallback, tr);
}

int rsl_evaluate(rsl_result *out, const rsl_snapshot *snap, const char *key,
		 rsl_type expected, const rsl_context *ctx,
		 const rsl_value *fallback)
{
	return rsl__eval(out, NULL, snap, key, (int)expected, ctx, fallback, NULL);
}

int rsl_prepared_evaluate(rsl_result *out, const rsl_snapshot *snap, const char *key,
			  rsl_type expected, const rsl_prepared *ctx,
			  const rsl_value *fallback)
{
	return eval_into(out, NULL, snap, key, NULL, (int)expected, NULL, ctx, fallback, NULL);
}

/* By reference: ref NULL is a flag not found (a reference to no key). */
#define REF(ref) ((ref) ? (ref) : &no_ref)
static const rsl_flag_ref no_ref = { NULL, 0, 0, 0 };

rsl_flag_ref rsl_flag_find(const rsl_snapshot *snap, const char *key)
{
	rsl_flag_ref ref = { key, 0, 0, 0 };
	const rsl__flag *f = rsl__find_flag(snap, key, key ? strlen(key) : 0);
	if (f) {
		ref.serial = snap->serial;
		ref.index = (uint32_t)(f - snap->flags);
	}
	return ref;
}

int rsl_flag_evaluate(rsl_result *out, const rsl_snapshot *snap, const rsl_flag_ref *ref,
		      rsl_type expected, const rsl_prepared *ctx, const rsl_value *fallback)
{
	return eval_into(out, NULL, snap, NULL, REF(ref), (int)expected, NULL, ctx, fallback,
			 NULL);
}

/* rsl__served, inlined into the typed calls here. */
static inline __attribute__((always_inline)) const rsl__val *
served_err(rsl_error_code *err, const rsl_snapshot *snap, const char *key,
	   const rsl_flag_ref *ref, int expected, const rsl_context *ctx,
	   const rsl_prepared *prep)
{
	const rsl__flag *f;
	decision d;
	*err = core(&d, &f, snap, key, ref, expected, ctx, prep, NULL);
	return d.reason == RSL_REASON_ERROR ? NULL : &RSL__AT(rsl__variant, f->variants)[d.variant].value;
}

const rsl__val *rsl__served(rsl_error_code *err, const rsl_snapshot *snap,
			   const char *key, int expected, const rsl_context *ctx,
			   const rsl_prepared *prep)
{
	return served_err(err, snap, key, NULL, expected, ctx, prep);
}

/* The typed calls: the value served, or the fallback fb (whose type is
 * the one expected), from a context or a prepared one. */
static inline __attribute__((always_inline)) rsl_value
typed(const rsl_snapshot *snap, const char *key, const rsl_flag_ref *ref,
      const rsl_context *ctx, const rsl_prepared *prep, rsl_value fb)
{
	rsl_error_code err;
	const rsl__val *v = served_err(&err, snap, key, ref, (int)fb.type, ctx, prep);
	if (v)
		rsl__set_value(&fb, v);
	return fb;
}

#define FB_BOOL(x) ((rsl_value){ RSL_BOOLEAN, (x), 0, 0.0, NULL, 0 })
#define FB_STRING(x) ((rsl_value){ RSL_STRING, 0, 0, 0.0, (x), 0 })
#define FB_INT(x) ((rsl_value){ RSL_INTEGER, 0, (x), (double)(x), NULL, 0 })
#define FB_FLOAT(x) ((rsl_value){ RSL_FLOAT, 0, 0, (x), NULL, 0 })
#define FB_OBJECT(x) ((rsl_value){ RSL_OBJECT, 0, 0, 0.0, (x), 0 })

int rsl_bool(const rsl_snapshot *snap, const char *key, const rsl_context *ctx,
	     int fallback)
{
	return typed(snap, key, NULL, ctx, NULL, FB_BOOL(fallback)).b;
}

const char *rsl_string(const rsl_snapshot *snap, const char *key,
		       const rsl_context *ctx, const char *fallback)
{
	return typed(snap, key, NULL, ctx, NULL, FB_STRING(fallback)).s;
}

int64_t rsl_int(const rsl_snapshot *snap, const char *key,
		const rsl_context *ctx, int64_t fallback)
{
	return typed(snap, key, NULL, ctx, NULL, FB_INT(fallback)).i;
}

double rsl_float(const rsl_snapshot *snap, const char *key,
		 const rsl_context *ctx, double fallback)
{
	return typed(snap, key, NULL, ctx, NULL, FB_FLOAT(fallback)).f;
}

const char *rsl_object(const rsl_snapshot *snap, const char *key,
		       const rsl_context *ctx, const char *fallback_json)
{
	return typed(snap, key, NULL, ctx, NULL, FB_OBJECT(fallback_json)).s;
}

int rsl_prepared_bool(const rsl_snapshot *snap, const char *key,
		      const rsl_prepared *ctx, int fallback)
{
	return typed(snap, key, NULL, NULL, ctx, FB_BOOL(fallback)).b;
}

const char *rsl_prepared_string(const rsl_snapshot *snap, const char *key,
				const rsl_prepared *ctx, const char *fallback)
{
	return typed(snap, key, NULL, NULL, ctx, FB_STRING(fallback)).s;
}

int64_t rsl_prepared_int(const rsl_snapshot *snap, const char *key,
			 const rsl_prepared *ctx, int64_t fallback)
{
	return typed(snap, key, NULL, NULL, ctx, FB_INT(fallback)).i;
}

double rsl_prepared_float(const rsl_snapshot *snap, const char *key,
			  const rsl_prepared *ctx, double fallback)
{
	return typed(snap, key, NULL, NULL, ctx, FB_FLOAT(fallback)).f;
}

const char *rsl_prepared_object(const rsl_snapshot *snap, const char *key,
				const rsl_prepared *ctx, const char *fallback_json)
{
	return typed(snap, key, NULL, NULL, ctx, FB_OBJECT(fallback_json)).s;
}

int rsl_flag_bool(const rsl_snapshot *snap, const rsl_flag_ref *ref,
		  const rsl_prepared *ctx, int fallback)
{
	return typed(snap, NULL, REF(ref), NULL, ctx, FB_BOOL(fallback)).b;
}

const char *rsl_flag_string(const rsl_snapshot *snap, const rsl_flag_ref *ref,
			    const rsl_prepared *ctx, const char *fallback)
{
	return typed(snap, NULL, REF(ref), NULL, ctx, FB_STRING(fallback)).s;
}

int64_t rsl_flag_int(const rsl_snapshot *snap, const rsl_flag_ref *ref,
		     const rsl_prepared *ctx, int64_t fallback)
{
	return typed(snap, NULL, REF(ref), NULL, ctx, FB_INT(fallback)).i;
}

double rsl_flag_float(const rsl_snapshot *snap, const rsl_flag_ref *ref,
		      const rsl_prepared *ctx, double fallback)
{
	return typed(snap, NULL, REF(ref), NULL, ctx, FB_FLOAT(fallback)).f;
}

const char *rsl_flag_object(const rsl_snapshot *snap, const rsl_flag_ref *ref,
			    const rsl_prepared *ctx, const char *fallback_json)
{
	return typed(snap, NULL, REF(ref), NULL, ctx, FB_OBJECT(fallback_json)).s;
}

const char *rsl_reason_name(rsl_reason r)
{
	switch (r) {
	case RSL_REASON_STATIC: return "STATIC";
	case RSL_REASON_DEFAULT: return "DEFAULT";
	case RSL_REASON_TARGETING_MATCH: return "TARGETING_MATCH";
	case RSL_REASON_SPLIT: return "SPLIT";
	case RSL_REASON_DISABLED: return "DISABLED";
	case RSL_REASON_ERROR: return "ERROR";
	case RSL_REASON_PREREQUISITE_FAILED: return "PREREQUISITE_FAILED";
	}
	return "UNKNOWN";
}

const char *rsl_error_code_name(rsl_error_code e)
{
	switch (e) {
	case RSL_ERR_NONE: return "NONE";
	case RSL_ERR_FLAG_NOT_FOUND: return "FLAG_NOT_FOUND";
	case RSL_ERR_TYPE_MISMATCH: return "TYPE_MISMATCH";
	case RSL_ERR_TARGETING_KEY_MISSING: return "TARGETING_KEY_MISSING";
	case RSL_ERR_INVALID_CONTEXT: return "INVALID_CONTEXT";
	case RSL_ERR_PARSE_ERROR: return "PARSE_ERROR";
	case RSL_ERR_PROVIDER_NOT_READY: return "PROVIDER_NOT_READY";
	case RSL_ERR_GENERAL: return "GENERAL";
	}
	return "UNKNOWN";
}

const char *rsl_type_name(rsl_type t)
{
	switch (t) {
	case RSL_BOOLEAN: return "boolean";
	case RSL_STRING: return "string";
	case RSL_INTEGER: return "integer";
	case RSL_FLOAT: return "float";
	case RSL_OBJECT: return "object";
	}
	return "unknown";
}
