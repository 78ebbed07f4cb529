/*
 * explain.c - rsl_explain: a trace of one evaluation, as text or JSON,
 * written snprintf-style into the caller's buffer.  It runs the evaluator
 * of eval.c with an observer, and asks match.c why each condition did or
 * did not match; it never allocates.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bucket.h"
#include "eval.h"
#include "match.h"

/* Output into buf[0..cap), counting what does not fit. */
typedef struct wbuf {
	char *buf;
	size_t cap;
	size_t len;
	int escape; /* write inside a JSON string */
} wbuf;

static void raw(wbuf *w, const char *s, size_t n)
{
	if (w->len < w->cap) {
		size_t room = w->cap - w->len;
		memcpy(w->buf + w->len, s, n < room ? n : room);
	}
	w->len += n;
}

static void put(wbuf *w, const char *s, size_t n)
{
	if (!w->escape) {
		raw(w, s, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[8];
		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			raw(w, e, 2);
		} else if (c == '\n') {
			raw(w, "\\n", 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(e, sizeof e, "\\u%04x", c);
			raw(w, e, 6);
		} else {
			raw(w, s + i, 1);
		}
	}
}

static void puts_(wbuf *w, const char *s)
{
	put(w, s, strlen(s));
}

static void putf(wbuf *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(wbuf *w, const char *fmt, ...)
{
	char tmp[160];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		put(w, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A JSON string, or null for NULL. */
static void jstr(wbuf *w, const char *s, size_t n)
{
	if (s == NULL) {
		raw(w, "null", 4);
		return;
	}
	raw(w, "\"", 1);
	w->escape = 1;
	put(w, s, n);
	w->escape = 0;
	raw(w, "\"", 1);
}

static void jstrz(wbuf *w, const char *s)
{
	jstr(w, s, s ? strlen(s) : 0);
}

/* A quoted string for text, escaped like JSON so that it stays one line;
 * inside a JSON string (w->escape) the quoted text is escaped once more. */
static void qstr(wbuf *w, const char *s, size_t n)
{
	put(w, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			put(w, "\\", 1);
			put(w, s + i, 1);
		} else if (c < 0x20 || c == 0x7f) {
			char e[8];
			snprintf(e, sizeof e, "\\u%04x", c);
			put(w, e, 6);
		} else {
			put(w, s + i, 1);
		}
	}
	put(w, "\"", 1);
}

static void number(wbuf *w, double n)
{
	char num[RSL__NUMBUF];
	int len = rsl__format_number(num, n);
	if (len < 0)
		puts_(w, n != n ? "NaN" : n > 0 ? "Infinity" : "-Infinity");
	else
		put(w, num, (size_t)len);
}

/* "2026-12-01T09:00:00Z" */
static void time_text(wbuf *w, int64_t t)
{
	int64_t days = t / 86400, secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	/* civil_from_days (proleptic Gregorian) */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);
	putf(w, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y, (long long)m,
	     (long long)d, (long long)(secs / 3600), (long long)(secs / 60 % 60),
	     (long long)(secs % 60));
}

/* A variant value: JSON when json, else as a person reads it. */
static void value_of(wbuf *w, const rsl__val *v, int json)
{
	switch (v->kind) {
	case RSL__V_BOOL:
		puts_(w, v->b ? "true" : "false");
		break;
	case RSL__V_INT:
		putf(w, "%lld", (long long)v->i);
		break;
	case RSL__V_FLOAT:
		number(w, v->f);
		break;
	case RSL__V_STRING:
		if (json)
			jstr(w, v->s.p, v->s.len);
		else
			qstr(w, v->s.p, v->s.len);
		break;
	case RSL__V_JSON:
		put(w, v->s.p, v->s.len);
		break;
	}
}

/* ------------------------------------------------- why a condition matched */

static void explain_cond(wbuf *w, const rsl_snapshot *snap, const rsl__cond *c,
			 const rsl_context *ctx, int want);

static void attr_name(wbuf *w, const rsl__cond *c)
{
	put(w, c->attr.p, c->attr.len);
}

static void operand(wbuf *w, const rsl__cond *c)
{
	switch (c->op) {
	case RSL_OP_IN:
	case RSL_OP_NOT_IN:
		raw(w, "[", 1);
		for (uint32_t i = 0; i < c->nlist; i++) {
			if (i)
				puts_(w, ", ");
			if (i == 20) {
				putf(w, "... %u more", c->nlist - 20);
				break;
			}
			if (c->list[i].kind == RSL__V_STRING)
				put(w, c->list[i].s.p, c->list[i].s.len);
			else
				value_of(w, &c->list[i], 0);
		}
		raw(w, "]", 1);
		break;
	case RSL_OP_SEMVER_EQ:
	case RSL_OP_SEMVER_LT:
	case RSL_OP_SEMVER_LTE:
	case RSL_OP_SEMVER_GT:
	case RSL_OP_SEMVER_GTE:
		putf(w, "%llu.%llu.%llu", (unsigned long long)c->semver.major,
		     (unsigned long long)c->semver.minor,
		     (unsigned long long)c->semver.patch);
		if (c->semver.pre.len) {
			raw(w, "-", 1);
			put(w, c->semver.pre.p, c->semver.pre.len);
		}
		break;
	case RSL_OP_BEFORE:
	case RSL_OP_AFTER:
		time_text(w, c->time);
		break;
	default:
		value_of(w, &c->value, 0);
		break;
	}
}

/* The operator as words: what holds when it matched, or when it did not. */
static const char *op_words(int op, int matched)
{
	static const char *const words[][2] = {
		[RSL_OP_EQ] = { "!=", "==" },
		[RSL_OP_NE] = { "==", "!=" },
		[RSL_OP_IN] = { "not in", "in" },
		[RSL_OP_NOT_IN] = { "in", "not in" },
		[RSL_OP_CONTAINS] = { "does not contain", "contains" },
		[RSL_OP_STARTS_WITH] = { "does not start with", "starts with" },
		[RSL_OP_ENDS_WITH] = { "does not end with", "ends with" },
		[RSL_OP_LT] = { "is not <", "<" },
		[RSL_OP_LTE] = { "is not <=", "<=" },
		[RSL_OP_GT] = { "is not >", ">" },
		[RSL_OP_GTE] = { "is not >=", ">=" },
		[RSL_OP_SEMVER_EQ] = { "is not semver_eq", "semver_eq" },
		[RSL_OP_SEMVER_LT] = { "is not semver_lt", "semver_lt" },
		[RSL_OP_SEMVER_LTE] = { "is not semver_lte", "semver_lte" },
		[RSL_OP_SEMVER_GT] = { "is not semver_gt", "semver_gt" },
		[RSL_OP_SEMVER_GTE] = { "is not semver_gte", "semver_gte" },
		[RSL_OP_BEFORE] = { "is not before", "before" },
		[RSL_OP_AFTER] = { "is not after", "after" },
	};
	if (op < RSL_OP_EQ || op > RSL_OP_AFTER)
		return "?";
	return words[op][matched ? 1 : 0];
}

static void attr_value(wbuf *w, const rsl__aval *v)
{
	switch (v->type) {
	case RSL_ATTR_STRING:
		qstr(w, v->s, strlen(v->s));
		break;
	case RSL_ATTR_NUMBER:
		number(w, v->n);
		break;
	case RSL_ATTR_BOOL:
		puts_(w, v->b ? "true" : "false");
		break;
	case RSL_ATTR_LIST:
		raw(w, "[", 1);
		for (size_t i = 0; i < v->len; i++) {
			if (i)
				puts_(w, ", ");
			if (i == 20) {
				putf(w, "... %zu more", v->len - 20);
				break;
			}
			qstr(w, v->list[i], strlen(v->list[i]));
		}
		raw(w, "]", 1);
		break;
	}
}

static void explain_leaf(wbuf *w, const rsl__cond *c, const rsl_context *ctx,
			 int matched)
{
	rsl__aval v;
	int present = rsl__lookup(&v, ctx, c->attr_kind, &c->attr);
	attr_name(w, c);
	if (!present) {
		puts_(w, " is missing");
		return;
	}
	puts_(w, " = ");
	attr_value(w, &v);
	if (c->op == RSL_OP_EXISTS)
		return;
	raw(w, " ", 1);
	puts_(w, op_words(c->op, matched));
	raw(w, " ", 1);
	operand(w, c);
	if (c->ci)
		puts_(w, " (case-insensitive)");
}

/* Says why c evaluated to want (which it did). */
static void explain_cond(wbuf *w, const rsl_snapshot *snap, const rsl__cond *c,
			 const rsl_context *ctx, int want)
{
	switch (c->op) {
	case RSL_OP_ALL:
	case RSL_OP_ANY: {
		/* all false / any true: the first kid that decided; otherwise
		 * every kid. */
		int decisive = c->op == RSL_OP_ALL ? 0 : 1;
		if (want == decisive) {
			for (uint32_t i = 0; i < c->nkids; i++)
				if (rsl__match(snap, &c->kids[i], ctx) == decisive) {
					explain_cond(w, snap, &c->kids[i], ctx, want);
					return;
				}
		}
		puts_(w, want ? "all of (" : "none of (");
		for (uint32_t i = 0; i < c->nkids; i++) {
			if (i)
				puts_(w, "; ");
			explain_cond(w, snap, &c->kids[i], ctx, want);
		}
		raw(w, ")", 1);
		return;
	}
	case RSL_OP_NOT:
		puts_(w, want ? "not (" : "excluded by not (");
		explain_cond(w, snap, &c->kids[0], ctx, !want);
		raw(w, ")", 1);
		return;
	case RSL_OP_SEGMENT: {
		const rsl__segment *s = &snap->segments[c->segment];
		puts_(w, "segment ");
		put(w, s->key.p, s->key.len);
		puts_(w, want ? ": " : ": no match: ");
		explain_cond(w, snap, s->when, ctx, want);
		return;
	}
	default:
		explain_leaf(w, c, ctx, want);
		return;
	}
}

/* ---------------------------------------------------------------- the trace */

typedef struct tracer {
	rsl__trace base;
	wbuf *w;
	int json;
	const rsl_snapshot *snap;
	const rsl__flag *f;
	const rsl_context *ctx;
	uint32_t next_rule;
	int default_seen;
	int nsteps; /* JSON steps written, for commas */
} tracer;

static void variant_name(wbuf *w, const rsl__flag *f, uint32_t v, int json)
{
	if (json)
		jstr(w, f->variants[v].name.p, f->variants[v].name.len);
	else
		put(w, f->variants[v].name.p, f->variants[v].name.len);
}

static void step_open(tracer *t, const char *kind)
{
	if (t->nsteps++)
		raw(t->w, ",", 1);
	putf(t->w, "\n    {\"step\": \"%s\"", kind);
}

static void where(tracer *t, uint32_t line)
{
	wbuf *w = t->w;
	if (t->json) {
		puts_(w, ", \"file\": ");
		jstr(w, t->f->tfile.p, t->f->tfile.len);
		putf(w, ", \"line\": %u", line);
	} else {
		raw(w, "(", 1);
		put(w, t->f->tfile.p, t->f->tfile.len);
		putf(w, ":%u)", line);
	}
}

static void rule_head(tracer *t, uint32_t i)
{
	const rsl__rule *r = &t->f->rules[i];
	wbuf *w = t->w;
	if (t->json) {
		step_open(t, "rule");
		putf(w, ", \"index\": %u, \"name\": ", i);
		jstr(w, r->name.p, r->name.len);
		where(t, r->line);
	} else {
		putf(w, "rule %u ", i + 1);
		qstr(w, r->name.p, r->name.len);
		raw(w, " ", 1);
		where(t, r->line);
		puts_(w, ": ");
	}
}

static void not_evaluated_until(tracer *t, uint32_t end)
{
	for (; t->next_rule < end; t->next_rule++) {
		rule_head(t, t->next_rule);
		puts_(t->w, t->json ? ", \"evaluated\": false}" : "not evaluated\n");
	}
}

/* How a serve resolved: schedule step, split with bucket and ranges. */
static void served(tracer *t, const rsl__event *ev, int bucketed)
{
	wbuf *w = t->w;
	const rsl__serve *sv = ev->serve;
	const rsl__flag *f = t->f;
	if (t->json)
		puts_(w, ", \"serve\": {");
	if (sv->kind == RSL_SERVE_SCHEDULE) {
		if (t->json) {
			putf(w, "\"schedule\": {\"now\": %lld, \"now_text\": \"", (long long)ev->now);
			time_text(w, ev->now);
			putf(w, "\", \"step\": %d, \"steps\": %u", ev->step, sv->nsteps);
			if (ev->step >= 0) {
				puts_(w, ", \"at\": \"");
				time_text(w, sv->steps[ev->step].at);
				raw(w, "\"", 1);
			} else {
				puts_(w, ", \"first_at\": \"");
				time_text(w, sv->steps[0].at);
				raw(w, "\"", 1);
			}
			puts_(w, "}, ");
		} else {
			puts_(w, "schedule at ");
			time_text(w, ev->now);
			if (ev->step < 0) {
				puts_(w, ": before the first step (");
				time_text(w, sv->steps[0].at);
				puts_(w, "), the off variant; ");
			} else {
				putf(w, ": step %d of %u (from ", ev->step + 1, sv->nsteps);
				time_text(w, sv->steps[ev->step].at);
				puts_(w, "); ");
			}
		}
	}
	if (ev->split) {
		const rsl__split *s = ev->split;
		if (t->json) {
			puts_(w, "\"split\": {\"by\": ");
			jstr(w, sv->by.p, sv->by.len);
			puts_(w, ", \"value\": ");
			jstr(w, bucketed ? ev->by_value : NULL, ev->by_len);
			puts_(w, ", \"bucket\": ");
			if (bucketed)
				putf(w, "%u", ev->bucket);
			else
				puts_(w, "null");
			putf(w, ", \"buckets\": %u, \"ranges\": [", RSL_BUCKETS);
		} else {
			puts_(w, "split by ");
			put(w, sv->by.p, sv->by.len);
			if (bucketed) {
				puts_(w, " = ");
				qstr(w, ev->by_value, ev->by_len);
				putf(w, ": bucket %u of %u; ", ev->bucket, RSL_BUCKETS);
			} else {
				puts_(w, ": the context has no ");
				put(w, sv->by.p, sv->by.len);
				puts_(w, " to bucket by; ");
			}
		}
		for (uint32_t i = 0; i < s->n; i++) {
			uint32_t lo = i ? s->upper[i - 1] : 0;
			if (t->json) {
				puts_(w, i ? ", {\"variant\": " : "{\"variant\": ");
				variant_name(w, f, s->variant[i], 1);
				putf(w, ", \"from\": %u, \"to\": %u}", lo, s->upper[i]);
			} else {
				if (i)
					puts_(w, ", ");
				variant_name(w, f, s->variant[i], 0);
				putf(w, " [%u, %u)", lo, s->upper[i]);
			}
		}
		puts_(w, t->json ? "]}, " : "; ");
	}
	if (t->json) {
		puts_(w, "\"variant\": ");
		if (bucketed)
			variant_name(w, f, ev->variant, 1);
		else
			puts_(w, "null");
		raw(w, "}", 1);
	} else if (bucketed) {
		puts_(w, "serve ");
		variant_name(w, f, ev->variant, 0);
	}
}

static void on_event(rsl__trace *base, const rsl__event *ev)
{
	tracer *t = (tracer *)base;
	wbuf *w = t->w;
	const rsl__flag *f = t->f;
	switch (ev->kind) {
	case RSL__EV_NOT_CONFIGURED:
		if (t->json) {
			step_open(t, "not_configured");
			puts_(w, ", \"variant\": ");
			variant_name(w, f, ev->variant, 1);
			raw(w, "}", 1);
		} else {
			puts_(w, "not configured in this environment: the off variant ");
			variant_name(w, f, ev->variant, 0);
			raw(w, "\n", 1);
		}
		break;
	case RSL__EV_DISABLED:
		if (t->json) {
			step_open(t, "disabled");
			puts_(w, ", \"variant\": ");
			variant_name(w, f, ev->variant, 1);
			raw(w, "}", 1);
		} else {
			puts_(w, "disabled (enabled: false, the kill switch): the off variant ");
			variant_name(w, f, ev->variant, 0);
			raw(w, "\n", 1);
		}
		break;
	case RSL__EV_STATIC:
		t->default_seen = 1; /* the static step is the default */
		if (t->json) {
			step_open(t, "static");
			puts_(w, ", \"variant\": ");
			variant_name(w, f, ev->variant, 1);
			where(t, f->default_line);
			raw(w, "}", 1);
		} else {
			puts_(w, "static: no rules or prerequisites; default ");
			where(t, f->default_line);
			puts_(w, " serves ");
			variant_name(w, f, ev->variant, 0);
			raw(w, "\n", 1);
		}
		break;
	case RSL__EV_PREREQ: {
		const rsl__req *rq = &f->requires[ev->index];
		const rsl__flag *p = &t->snap->flags[rq->flag];
		if (t->json) {
			step_open(t, "prerequisite");
			puts_(w, ", \"flag\": ");
			jstr(w, p->key.p, p->key.len);
			puts_(w, ", \"required\": ");
			variant_name(w, p, rq->variant, 1);
			puts_(w, ", \"got\": ");
			variant_name(w, p, ev->variant, 1);
			putf(w, ", \"reason\": \"%s\", \"ok\": %s}", rsl_reason_name(ev->reason),
			     ev->status ? "true" : "false");
		} else {
			puts_(w, "requires ");
			put(w, p->key.p, p->key.len);
			puts_(w, " = ");
			variant_name(w, p, rq->variant, 0);
			puts_(w, ": got ");
			variant_name(w, p, ev->variant, 0);
			putf(w, " (%s): %s\n", rsl_reason_name(ev->reason),
			     ev->status ? "ok" : "failed");
		}
		break;
	}
	case RSL__EV_RULE: {
		const rsl__rule *r = &f->rules[ev->index];
		not_evaluated_until(t, ev->index);
		rule_head(t, ev->index);
		t->next_rule = ev->index + 1;
		if (ev->status == RSL__RULE_NO_MATCH) {
			if (t->json) {
				puts_(w, ", \"evaluated\": true, \"matched\": false, \"why\": \"");
				w->escape = 1;
				explain_cond(w, t->snap, r->when, t->ctx, 0);
				w->escape = 0;
				puts_(w, "\"}");
			} else {
				puts_(w, "no match: ");
				explain_cond(w, t->snap, r->when, t->ctx, 0);
				raw(w, "\n", 1);
			}
			break;
		}
		if (t->json) {
			putf(w, ", \"evaluated\": true, \"matched\": %s, \"why\": \"",
			     ev->status == RSL__RULE_MATCH ? "true" : "false");
			w->escape = 1;
			if (r->when)
				explain_cond(w, t->snap, r->when, t->ctx, 1);
			else
				puts_(w, "no condition: everyone");
			if (ev->status == RSL__RULE_NO_BUCKET) {
				puts_(w, "; but the context has no ");
				put(w, r->serve.by.p, r->serve.by.len);
				puts_(w, " to bucket by");
			}
			w->escape = 0;
			raw(w, "\"", 1);
			served(t, ev, ev->status == RSL__RULE_MATCH);
			raw(w, "}", 1);
		} else {
			puts_(w, ev->status == RSL__RULE_MATCH ? "match: " : "no match: ");
			if (r->when)
				explain_cond(w, t->snap, r->when, t->ctx, 1);
			else
				puts_(w, "no condition: everyone");
			puts_(w, "; ");
			served(t, ev, ev->status == RSL__RULE_MATCH);
			if (ev->status == RSL__RULE_NO_BUCKET)
				puts_(w, "a split rule does not match without it");
			raw(w, "\n", 1);
		}
		break;
	}
	case RSL__EV_DEFAULT:
		not_evaluated_until(t, f->nrules);
		t->default_seen = 1;
		if (t->json) {
			step_open(t, "default");
			where(t, f->default_line);
			puts_(w, ", \"evaluated\": true");
			served(t, ev, ev->status == RSL__RULE_MATCH);
			if (ev->status == RSL__RULE_NO_BUCKET) {
				puts_(w, ", \"off_variant\": ");
				variant_name(w, f, f->off, 1);
			}
			raw(w, "}", 1);
		} else {
			puts_(w, "default ");
			where(t, f->default_line);
			puts_(w, ": ");
			served(t, ev, ev->status == RSL__RULE_MATCH);
			if (ev->status == RSL__RULE_NO_BUCKET) {
				puts_(w, "serve the off variant ");
				variant_name(w, f, f->off, 0);
				puts_(w, " (TARGETING_KEY_MISSING)");
			}
			raw(w, "\n", 1);
		}
		break;
	}
}

static void context_text(wbuf *w, const rsl_context *ctx)
{
	puts_(w, "context: targeting_key ");
	if (ctx && ctx->targeting_key)
		qstr(w, ctx->targeting_key, strlen(ctx->targeting_key));
	else
		puts_(w, "(none)");
	if (ctx && ctx->tenant_key) {
		puts_(w, ", tenant_key ");
		qstr(w, ctx->tenant_key, strlen(ctx->tenant_key));
	}
	if (ctx && ctx->now) {
		puts_(w, ", now ");
		time_text(w, ctx->now);
	}
	for (size_t i = 0; ctx && ctx->attrs && i < ctx->nattrs; i++) {
		const rsl_attr *a = &ctx->attrs[i];
		rsl__aval v = { a->type, a->s, a->n, a->b, a->list, a->len };
		puts_(w, i ? ", " : "; ");
		puts_(w, a->name ? a->name : "(null)");
		puts_(w, " = ");
		int bad = (a->type == RSL_ATTR_STRING && a->s == NULL) ||
			  (a->type == RSL_ATTR_LIST && a->len && a->list == NULL) ||
			  a->type > RSL_ATTR_LIST;
		/* The context is shown before it is checked (INVALID_CONTEXT):
		 * every element of a list, too. */
		for (size_t k = 0; !bad && a->type == RSL_ATTR_LIST && k < a->len; k++)
			bad = a->list[k] == NULL;
		if (bad)
			puts_(w, "(invalid)");
		else
			attr_value(w, &v);
	}
	raw(w, "\n", 1);
}

static void result_out(wbuf *w, const rsl_result *r, int json)
{
	rsl__val v;
	v.kind = RSL__V_BOOL;
	switch (r->value.type) {
	case RSL_BOOLEAN: v.kind = RSL__V_BOOL; break;
	case RSL_STRING: v.kind = RSL__V_STRING; break;
	case RSL_INTEGER: v.kind = RSL__V_INT; break;
	case RSL_FLOAT: v.kind = RSL__V_FLOAT; break;
	case RSL_OBJECT: v.kind = RSL__V_JSON; break;
	}
	v.b = r->value.b;
	v.i = r->value.i;
	v.f = r->value.f;
	v.s.p = r->value.s;
	v.s.len = (uint32_t)r->value.len;
	/* On an error explain has no fallback of the caller's to show. */
	int has_value = r->reason != RSL_REASON_ERROR;
	if (json) {
		puts_(w, "  \"result\": {\"value\": ");
		if (has_value)
			value_of(w, &v, 1);
		else
			puts_(w, "null");
		puts_(w, ", \"variant\": ");
		jstrz(w, r->variant);
		putf(w, ", \"reason\": \"%s\", \"error\": \"%s\", \"rule_index\": %d, \"rule\": ",
		     rsl_reason_name(r->reason), rsl_error_code_name(r->error), r->rule_index);
		jstrz(w, r->rule_name);
		puts_(w, ", \"file\": ");
		jstrz(w, r->file);
		putf(w, ", \"line\": %u, \"bucket\": ", r->line);
		if (r->bucket == UINT32_MAX)
			puts_(w, "null");
		else
			putf(w, "%u", r->bucket);
		puts_(w, "}\n}\n");
		return;
	}
	puts_(w, "result: ");
	if (has_value) {
		puts_(w, "value ");
		value_of(w, &v, 0);
	} else {
		puts_(w, "the caller's fallback");
	}
	if (r->variant)
		putf(w, ", variant %s", r->variant);
	putf(w, ", reason %s", rsl_reason_name(r->reason));
	if (r->error != RSL_ERR_NONE)
		putf(w, ", error %s", rsl_error_code_name(r->error));
	if (r->rule_index >= 0) {
		putf(w, ", rule %d ", r->rule_index + 1);
		qstr(w, r->rule_name, strlen(r->rule_name));
	}
	if (r->file) {
		puts_(w, " (");
		puts_(w, r->file);
		if (r->line)
			putf(w, ":%u", r->line);
		raw(w, ")", 1);
	}
	raw(w, "\n", 1);
}

size_t rsl_explain(char *buf, size_t cap, const rsl_snapshot *snap,
		   const char *key, const rsl_context *ctx, int format)
{
	wbuf w = { buf, cap, 0, 0 };
	int json = format == RSL_EXPLAIN_JSON;
	const rsl__flag *f = NULL;
	if (snap && key)
		f = rsl__find_flag(snap, key, strlen(key));
	if (json) {
		puts_(&w, "{\n  \"flag\": ");
		jstrz(&w, key);
		puts_(&w, ",\n  \"found\": ");
		puts_(&w, f ? "true" : "false");
		if (f) {
			putf(&w, ", \"type\": \"%s\"", rsl_type_name((rsl_type)f->type));
			puts_(&w, ",\n  \"definition\": {\"file\": ");
			jstr(&w, f->file.p, f->file.len);
			putf(&w, ", \"line\": %u}, \"targeting_file\": ", f->line);
			if (f->configured)
				jstr(&w, f->tfile.p, f->tfile.len);
			else
				puts_(&w, "null");
		}
		puts_(&w, ",\n  \"snapshot\": ");
		if (snap) {
			puts_(&w, "{\"environment\": ");
			jstrz(&w, snap->info.environment);
			putf(&w, ", \"version\": %llu, \"commit\": ",
			     (unsigned long long)snap->info.version);
			jstrz(&w, snap->info.commit);
			raw(&w, "}", 1);
		} else {
			puts_(&w, "null");
		}
		puts_(&w, ",\n  \"steps\": [");
	} else {
		puts_(&w, "flag ");
		puts_(&w, key ? key : "(null)");
		if (f)
			putf(&w, " (%s)", rsl_type_name((rsl_type)f->type));
		if (snap) {
			puts_(&w, " in environment ");
			puts_(&w, snap->info.environment);
			putf(&w, ", snapshot version %llu, commit %s\n",
			     (unsigned long long)snap->info.version, snap->info.commit);
		} else {
			puts_(&w, ": no snapshot\n");
		}
		if (f) {
			puts_(&w, "defined at ");
			put(&w, f->file.p, f->file.len);
			putf(&w, ":%u", f->line);
			if (f->configured) {
				puts_(&w, "; targeting in ");
				put(&w, f->tfile.p, f->tfile.len);
			}
			raw(&w, "\n", 1);
		} else if (snap) {
			puts_(&w, "no such flag in this snapshot\n");
		}
		context_text(&w, ctx);
	}
	tracer t = { { on_event }, &w, json, snap, f, ctx, 0, 0, 0 };
	rsl_result r;
	rsl__eval(&r, NULL, snap, key, -1, ctx, NULL, f ? &t.base : NULL);
	if (f && f->configured) {
		/* Every rule is listed, with its file:line, decided or not. */
		not_evaluated_until(&t, f->nrules);
		if (!t.default_seen) {
			if (json) {
				step_open(&t, "default");
				where(&t, f->default_line);
				puts_(&w, ", \"evaluated\": false}");
			} else {
				puts_(&w, "default ");
				where(&t, f->default_line);
				puts_(&w, ": not evaluated\n");
			}
		}
	}
	if (json)
		puts_(&w, t.nsteps ? "\n  ],\n" : "],\n");
	result_out(&w, &r, json);
	if (cap)
		buf[w.len < cap ? w.len : cap - 1] = 0;
	return w.len;
}
