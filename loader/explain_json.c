/*
 * explain_json.c - rsl_explain's step records as JSON, for programs: one
 * object with the flag, its definition, the snapshot, an array of steps
 * and the result.  The "why" of a rule is the text renderer's sentence.
 */
#include <string.h>

#include "bucket.h"
#include "explain.h"

static void variant_name(rsl__wbuf *w, const rsl__flag *f, uint32_t v)
{
	rsl__w_jstr(w, RSL__S(RSL__AT(rsl__variant, f->variants)[v].name), RSL__AT(rsl__variant, f->variants)[v].name.len);
}

static void step_open(const rsl__xdoc *d, const char *kind)
{
	if (d->nsteps)
		rsl__w_raw(d->w, ",", 1);
	rsl__w_putf(d->w, "\n    {\"step\": \"%s\"", kind);
}

static void where(const rsl__xdoc *d, uint32_t line)
{
	rsl__w_puts(d->w, ", \"file\": ");
	rsl__w_jstr(d->w, RSL__S(d->f->tfile), d->f->tfile.len);
	rsl__w_putf(d->w, ", \"line\": %u", line);
}

/* How a serve resolved: schedule step, split with bucket and ranges. */
static void served(const rsl__xdoc *d, const rsl__event *ev, int bucketed)
{
	rsl__wbuf *w = d->w;
	const rsl__serve *sv = ev->serve;
	const rsl__flag *f = d->f;
	rsl__w_puts(w, ", \"serve\": {");
	if (sv->kind == RSL_SERVE_SCHEDULE) {
		rsl__w_putf(w, "\"schedule\": {\"now\": %lld, \"now_text\": \"", (long long)ev->now);
		rsl__w_time(w, ev->now);
		rsl__w_putf(w, "\", \"step\": %d, \"steps\": %u", ev->step, sv->nsteps);
		if (ev->step >= 0) {
			rsl__w_puts(w, ", \"at\": \"");
			rsl__w_time(w, RSL__AT(rsl__step, sv->steps)[ev->step].at);
			rsl__w_raw(w, "\"", 1);
		} else {
			rsl__w_puts(w, ", \"first_at\": \"");
			rsl__w_time(w, RSL__AT(rsl__step, sv->steps)[0].at);
			rsl__w_raw(w, "\"", 1);
		}
		rsl__w_puts(w, "}, ");
	}
	if (ev->split) {
		const rsl__split *s = ev->split;
		rsl__w_puts(w, "\"split\": {\"by\": ");
		rsl__w_jstr(w, RSL__S(sv->by), sv->by.len);
		rsl__w_puts(w, ", \"value\": ");
		if (bucketed)
			rsl__w_echo(w, ev->by_value, ev->by_len, 1);
		else
			rsl__w_raw(w, "null", 4);
		rsl__w_puts(w, ", \"bucket\": ");
		if (bucketed)
			rsl__w_putf(w, "%u", ev->bucket);
		else
			rsl__w_puts(w, "null");
		rsl__w_putf(w, ", \"buckets\": %u, \"ranges\": [", RSL_BUCKETS);
		for (uint32_t i = 0; i < s->n; i++) {
			uint32_t lo = i ? RSL__AT(uint32_t, s->upper)[i - 1] : 0;
			rsl__w_puts(w, i ? ", {\"variant\": " : "{\"variant\": ");
			variant_name(w, f, RSL__AT(uint32_t, s->variant)[i]);
			rsl__w_putf(w, ", \"from\": %u, \"to\": %u}", lo, RSL__AT(uint32_t, s->upper)[i]);
		}
		rsl__w_puts(w, "]}, ");
	}
	rsl__w_puts(w, "\"variant\": ");
	if (bucketed)
		variant_name(w, f, ev->variant);
	else
		rsl__w_puts(w, "null");
	rsl__w_raw(w, "}", 1);
}

static void rule(const rsl__xdoc *d, const rsl__xstep *s)
{
	rsl__wbuf *w = d->w;
	const rsl__event *ev = s->ev;
	const rsl__rule *r = &RSL__AT(rsl__rule, d->f->rules)[s->index];
	step_open(d, "rule");
	rsl__w_putf(w, ", \"index\": %u, \"name\": ", s->index);
	rsl__w_jstr(w, RSL__S(r->name), r->name.len);
	where(d, r->line);
	if (!ev) {
		rsl__w_puts(w, ", \"evaluated\": false}");
		return;
	}
	if (ev->status == RSL__RULE_NO_MATCH) {
		rsl__w_puts(w, ", \"evaluated\": true, \"matched\": false, \"why\": \"");
		w->escape = 1;
		rsl__w_why(w, d->snap, rsl__when(&r->when), d->names, 0);
		w->escape = 0;
		rsl__w_puts(w, "\"}");
		return;
	}
	rsl__w_putf(w, ", \"evaluated\": true, \"matched\": %s, \"why\": \"",
		    ev->status == RSL__RULE_MATCH ? "true" : "false");
	w->escape = 1;
	if (rsl__when(&r->when))
		rsl__w_why(w, d->snap, rsl__when(&r->when), d->names, 1);
	else
		rsl__w_puts(w, "no condition: everyone");
	if (ev->status == RSL__RULE_NO_BUCKET) {
		rsl__w_puts(w, "; but the context has no ");
		rsl__w_put(w, RSL__S(r->serve.by), r->serve.by.len);
		rsl__w_puts(w, " to bucket by");
	}
	w->escape = 0;
	rsl__w_raw(w, "\"", 1);
	served(d, ev, ev->status == RSL__RULE_MATCH);
	rsl__w_raw(w, "}", 1);
}

static void step(const rsl__xdoc *d, const rsl__xstep *s)
{
	rsl__wbuf *w = d->w;
	const rsl__flag *f = d->f;
	const rsl__event *ev = s->ev;
	switch (s->kind) {
	case RSL__XS_NOT_CONFIGURED:
	case RSL__XS_DISABLED:
		step_open(d, s->kind == RSL__XS_DISABLED ? "disabled" : "not_configured");
		rsl__w_puts(w, ", \"variant\": ");
		variant_name(w, f, ev->variant);
		rsl__w_raw(w, "}", 1);
		break;
	case RSL__XS_STATIC:
		step_open(d, "static");
		rsl__w_puts(w, ", \"variant\": ");
		variant_name(w, f, ev->variant);
		where(d, f->default_line);
		rsl__w_raw(w, "}", 1);
		break;
	case RSL__XS_PREREQ: {
		const rsl__req *rq = &RSL__AT(rsl__req, f->requires)[ev->index];
		const rsl__flag *p = &d->snap->flags[rq->flag];
		step_open(d, "prerequisite");
		rsl__w_puts(w, ", \"flag\": ");
		rsl__w_jstr(w, RSL__S(p->key), p->key.len);
		rsl__w_puts(w, ", \"required\": ");
		variant_name(w, p, rq->variant);
		rsl__w_puts(w, ", \"got\": ");
		variant_name(w, p, ev->variant);
		rsl__w_putf(w, ", \"reason\": \"%s\", \"ok\": %s}", rsl_reason_name(ev->reason),
			    ev->status ? "true" : "false");
		break;
	}
	case RSL__XS_RULE:
		rule(d, s);
		break;
	case RSL__XS_DEFAULT:
		step_open(d, "default");
		where(d, f->default_line);
		if (!ev) {
			rsl__w_puts(w, ", \"evaluated\": false}");
			break;
		}
		rsl__w_puts(w, ", \"evaluated\": true");
		served(d, ev, ev->status == RSL__RULE_MATCH);
		if (ev->status == RSL__RULE_NO_BUCKET) {
			rsl__w_puts(w, ", \"off_variant\": ");
			variant_name(w, f, f->off);
		}
		rsl__w_raw(w, "}", 1);
		break;
	}
}

static void head(const rsl__xdoc *d)
{
	rsl__wbuf *w = d->w;
	const rsl__flag *f = d->f;
	const rsl_snapshot *snap = d->snap;
	rsl__w_puts(w, "{\n  \"flag\": ");
	rsl__w_jstrz(w, d->key);
	rsl__w_puts(w, ",\n  \"found\": ");
	rsl__w_puts(w, f ? "true" : "false");
	if (f) {
		rsl__w_putf(w, ", \"type\": \"%s\"", rsl_type_name((rsl_type)f->type));
		rsl__w_puts(w, ",\n  \"definition\": {\"file\": ");
		rsl__w_jstr(w, RSL__S(f->file), f->file.len);
		rsl__w_putf(w, ", \"line\": %u}, \"targeting_file\": ", f->line);
		if (f->configured)
			rsl__w_jstr(w, RSL__S(f->tfile), f->tfile.len);
		else
			rsl__w_puts(w, "null");
	}
	rsl__w_puts(w, ",\n  \"snapshot\": ");
	if (snap) {
		rsl__w_puts(w, "{\"environment\": ");
		rsl__w_jstrz(w, snap->info.environment);
		rsl__w_putf(w, ", \"version\": %llu, \"commit\": ",
			    (unsigned long long)snap->info.version);
		rsl__w_jstrz(w, snap->info.commit);
		rsl__w_raw(w, "}", 1);
	} else {
		rsl__w_puts(w, "null");
	}
	rsl__w_puts(w, ",\n  \"steps\": [");
}

static void tail(const rsl__xdoc *d, const rsl_result *r)
{
	rsl__wbuf *w = d->w;
	rsl__w_puts(w, d->nsteps ? "\n  ],\n" : "],\n");
	rsl__w_puts(w, "  \"result\": {\"value\": ");
	/* On an error explain has no fallback of the caller's to show. */
	if (r->reason != RSL_REASON_ERROR) {
		rsl__w_result(w, r, 1);
	} else {
		rsl__w_puts(w, "null");
	}
	rsl__w_puts(w, ", \"variant\": ");
	rsl__w_jstrz(w, r->variant);
	rsl__w_putf(w, ", \"reason\": \"%s\", \"error\": \"%s\", \"rule_index\": %d, \"rule\": ",
		    rsl_reason_name(r->reason), rsl_error_code_name(r->error), r->rule_index);
	rsl__w_jstrz(w, r->rule_name);
	rsl__w_puts(w, ", \"file\": ");
	rsl__w_jstrz(w, r->file);
	rsl__w_putf(w, ", \"line\": %u, \"bucket\": ", r->line);
	if (r->bucket == UINT32_MAX)
		rsl__w_puts(w, "null");
	else
		rsl__w_putf(w, "%u", r->bucket);
	rsl__w_puts(w, "}\n}\n");
}

const rsl__xrender rsl__explain_json = { head, step, tail };
