/*
 * explain_text.c - rsl_explain's step records as text: one line per step,
 * the way a person reads a decision ("rule 2 "beta" (file:7): no match:
 * country = "US" not in [DE, AT]").
 */
#include <string.h>

#include "bucket.h"
#include "explain.h"

static void variant_name(rsl__wbuf *w, const rsl__flag *f, uint32_t v)
{
	rsl__w_put(w, RSL__S(RSL__AT(rsl__variant, f->variants)[v].name), RSL__AT(rsl__variant, f->variants)[v].name.len);
}

static void where(const rsl__xdoc *d, uint32_t line)
{
	rsl__w_raw(d->w, "(", 1);
	rsl__w_put(d->w, RSL__S(d->f->tfile), d->f->tfile.len);
	rsl__w_putf(d->w, ":%u)", line);
}

static void rule_head(const rsl__xdoc *d, uint32_t i)
{
	const rsl__rule *r = &RSL__AT(rsl__rule, d->f->rules)[i];
	rsl__w_putf(d->w, "rule %u ", i + 1);
	rsl__w_qstr(d->w, RSL__S(r->name), r->name.len);
	rsl__w_raw(d->w, " ", 1);
	where(d, r->line);
	rsl__w_puts(d->w, ": ");
}

/* How a serve resolved: schedule step, split with bucket and ranges. */
static void served(const rsl__xdoc *d, const rsl__event *ev, int bucketed)
{
	rsl__wbuf *w = d->w;
	const rsl__serve *sv = ev->serve;
	const rsl__flag *f = d->f;
	if (sv->kind == RSL_SERVE_SCHEDULE) {
		rsl__w_puts(w, "schedule at ");
		rsl__w_time(w, ev->now);
		if (ev->step < 0) {
			rsl__w_puts(w, ": before the first step (");
			rsl__w_time(w, RSL__AT(rsl__step, sv->steps)[0].at);
			rsl__w_puts(w, "), the off variant; ");
		} else {
			rsl__w_putf(w, ": step %d of %u (from ", ev->step + 1, sv->nsteps);
			rsl__w_time(w, RSL__AT(rsl__step, sv->steps)[ev->step].at);
			rsl__w_puts(w, "); ");
		}
	}
	if (ev->split) {
		const rsl__split *s = ev->split;
		rsl__w_puts(w, "split by ");
		rsl__w_put(w, RSL__S(sv->by), sv->by.len);
		if (bucketed) {
			rsl__w_puts(w, " = ");
			rsl__w_echo(w, ev->by_value, ev->by_len, 0);
			rsl__w_putf(w, ": bucket %u of %u; ", ev->bucket, RSL_BUCKETS);
		} else {
			rsl__w_puts(w, ": the context has no ");
			rsl__w_put(w, RSL__S(sv->by), sv->by.len);
			rsl__w_puts(w, " to bucket by; ");
		}
		for (uint32_t i = 0; i < s->n; i++) {
			uint32_t lo = i ? RSL__AT(uint32_t, s->upper)[i - 1] : 0;
			if (i)
				rsl__w_puts(w, ", ");
			variant_name(w, f, RSL__AT(uint32_t, s->variant)[i]);
			rsl__w_putf(w, " [%u, %u)", lo, RSL__AT(uint32_t, s->upper)[i]);
		}
		rsl__w_puts(w, "; ");
	}
	if (bucketed) {
		rsl__w_puts(w, "serve ");
		variant_name(w, f, ev->variant);
	}
}

static void rule(const rsl__xdoc *d, const rsl__xstep *s)
{
	rsl__wbuf *w = d->w;
	const rsl__event *ev = s->ev;
	const rsl__rule *r = &RSL__AT(rsl__rule, d->f->rules)[s->index];
	rule_head(d, s->index);
	if (!ev) {
		rsl__w_puts(w, "not evaluated\n");
		return;
	}
	if (ev->status == RSL__RULE_NO_MATCH) {
		rsl__w_puts(w, "no match: ");
		rsl__w_why(w, d->snap, rsl__when(&r->when), d->names, 0);
		rsl__w_raw(w, "\n", 1);
		return;
	}
	rsl__w_puts(w, ev->status == RSL__RULE_MATCH ? "match: " : "no match: ");
	if (rsl__when(&r->when))
		rsl__w_why(w, d->snap, rsl__when(&r->when), d->names, 1);
	else
		rsl__w_puts(w, "no condition: everyone");
	rsl__w_puts(w, "; ");
	served(d, ev, ev->status == RSL__RULE_MATCH);
	if (ev->status == RSL__RULE_NO_BUCKET)
		rsl__w_puts(w, "a split rule does not match without it");
	rsl__w_raw(w, "\n", 1);
}

static void step(const rsl__xdoc *d, const rsl__xstep *s)
{
	rsl__wbuf *w = d->w;
	const rsl__flag *f = d->f;
	const rsl__event *ev = s->ev;
	switch (s->kind) {
	case RSL__XS_NOT_CONFIGURED:
		rsl__w_puts(w, "not configured in this environment: the off variant ");
		variant_name(w, f, ev->variant);
		rsl__w_raw(w, "\n", 1);
		break;
	case RSL__XS_DISABLED:
		rsl__w_puts(w, "disabled (enabled: false, the kill switch): the off variant ");
		variant_name(w, f, ev->variant);
		rsl__w_raw(w, "\n", 1);
		break;
	case RSL__XS_STATIC:
		rsl__w_puts(w, "static: no rules or prerequisites; default ");
		where(d, f->default_line);
		rsl__w_puts(w, " serves ");
		variant_name(w, f, ev->variant);
		rsl__w_raw(w, "\n", 1);
		break;
	case RSL__XS_PREREQ: {
		const rsl__req *rq = &RSL__AT(rsl__req, f->requires)[ev->index];
		const rsl__flag *p = &d->snap->flags[rq->flag];
		rsl__w_puts(w, "requires ");
		rsl__w_put(w, RSL__S(p->key), p->key.len);
		rsl__w_puts(w, " = ");
		variant_name(w, p, rq->variant);
		rsl__w_puts(w, ": got ");
		variant_name(w, p, ev->variant);
		rsl__w_putf(w, " (%s): %s\n", rsl_reason_name(ev->reason),
			    ev->status ? "ok" : "failed");
		break;
	}
	case RSL__XS_RULE:
		rule(d, s);
		break;
	case RSL__XS_DEFAULT:
		rsl__w_puts(w, "default ");
		where(d, f->default_line);
		if (!ev) {
			rsl__w_puts(w, ": not evaluated\n");
			break;
		}
		rsl__w_puts(w, ": ");
		served(d, ev, ev->status == RSL__RULE_MATCH);
		if (ev->status == RSL__RULE_NO_BUCKET) {
			rsl__w_puts(w, "serve the off variant ");
			variant_name(w, f, f->off);
			rsl__w_puts(w, " (TARGETING_KEY_MISSING)");
		}
		rsl__w_raw(w, "\n", 1);
		break;
	}
}

static void context(rsl__wbuf *w, const rsl_context *ctx)
{
	rsl__w_puts(w, "context: targeting_key ");
	if (ctx && ctx->targeting_key)
		rsl__w_echoz(w, ctx->targeting_key);
	else
		rsl__w_puts(w, "(none)");
	if (ctx && ctx->tenant_key) {
		rsl__w_puts(w, ", tenant_key ");
		rsl__w_echoz(w, ctx->tenant_key);
	}
	if (ctx && ctx->now) {
		rsl__w_puts(w, ", now ");
		rsl__w_time(w, ctx->now);
	}
	for (size_t i = 0; ctx && ctx->attrs && i < ctx->nattrs; i++) {
		const rsl_attr *a = &ctx->attrs[i];
		rsl__aval v = { a->type, a->s, a->n, a->b, a->list, a->len };
		rsl__w_puts(w, i ? ", " : "; ");
		if (i == RSL_MAX_CONTEXT_ATTRS) {
			rsl__w_putf(w, "... %zu more", ctx->nattrs - i);
			break;
		}
		if (a->name) {
			size_t n = strnlen(a->name, RSL__ECHO_MAX + 1);
			rsl__w_put(w, a->name, n > RSL__ECHO_MAX ? RSL__ECHO_MAX : n);
			if (n > RSL__ECHO_MAX)
				rsl__w_puts(w, "\xe2\x80\xa6");
		} else {
			rsl__w_puts(w, "(null)");
		}
		rsl__w_puts(w, " = ");
		int bad = (a->type == RSL_ATTR_STRING && a->s == NULL) ||
			  (a->type == RSL_ATTR_LIST && a->len && a->list == NULL) ||
			  a->type > RSL_ATTR_LIST;
		/* The context is shown before it is checked (INVALID_CONTEXT):
		 * every element of a list that is shown, too. */
		for (size_t k = 0; !bad && a->type == RSL_ATTR_LIST && k < a->len &&
				   k < RSL__ECHO_LIST; k++)
			bad = a->list[k] == NULL;
		if (bad)
			rsl__w_puts(w, "(invalid)");
		else
			rsl__w_attr_value(w, &v);
	}
	rsl__w_raw(w, "\n", 1);
}

static void head(const rsl__xdoc *d)
{
	rsl__wbuf *w = d->w;
	const rsl__flag *f = d->f;
	const rsl_snapshot *snap = d->snap;
	rsl__w_puts(w, "flag ");
	rsl__w_puts(w, d->key ? d->key : "(null)");
	if (f)
		rsl__w_putf(w, " (%s)", rsl_type_name((rsl_type)f->type));
	if (snap) {
		rsl__w_puts(w, " in environment ");
		rsl__w_puts(w, snap->info.environment);
		rsl__w_putf(w, ", snapshot version %llu, commit %s\n",
			    (unsigned long long)snap->info.version, snap->info.commit);
	} else {
		rsl__w_puts(w, ": no snapshot\n");
	}
	if (f) {
		rsl__w_puts(w, "defined at ");
		rsl__w_put(w, RSL__S(f->file), f->file.len);
		rsl__w_putf(w, ":%u", f->line);
		if (f->configured) {
			rsl__w_puts(w, "; targeting in ");
			rsl__w_put(w, RSL__S(f->tfile), f->tfile.len);
		}
		rsl__w_raw(w, "\n", 1);
	} else if (snap) {
		rsl__w_puts(w, "no such flag in this snapshot\n");
	}
	context(w, d->ctx);
}

static void tail(const rsl__xdoc *d, const rsl_result *r)
{
	rsl__wbuf *w = d->w;
	rsl__w_puts(w, "result: ");
	/* On an error explain has no fallback of the caller's to show. */
	if (r->reason != RSL_REASON_ERROR) {
		rsl__w_puts(w, "value ");
		rsl__w_result(w, r, 0);
	} else {
		rsl__w_puts(w, "the caller's fallback");
	}
	if (r->variant)
		rsl__w_putf(w, ", variant %s", r->variant);
	rsl__w_putf(w, ", reason %s", rsl_reason_name(r->reason));
	if (r->error != RSL_ERR_NONE)
		rsl__w_putf(w, ", error %s", rsl_error_code_name(r->error));
	if (r->rule_index >= 0) {
		rsl__w_putf(w, ", rule %d ", r->rule_index + 1);
		rsl__w_qstr(w, r->rule_name, strlen(r->rule_name));
	}
	if (r->file) {
		rsl__w_puts(w, " (");
		rsl__w_puts(w, r->file);
		if (r->line)
			rsl__w_putf(w, ":%u", r->line);
		rsl__w_raw(w, ")", 1);
	}
	rsl__w_raw(w, "\n", 1);
}

const rsl__xrender rsl__explain_text = { head, step, tail };
