/*
 * explain.c - rsl_explain: a trace of one evaluation, as text or JSON,
 * written snprintf-style into the caller's buffer.  It runs the evaluator
 * of eval.c with an observer (so explain never decides anything itself),
 * turns each event into a step record, lists the rules the evaluator did
 * not reach, and hands every record to one renderer (explain_text.c or
 * explain_json.c).  It never allocates.
 */
#include <string.h>

#include "explain.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define CUT_AT STR(RSL_EXPLAIN_MAX)

typedef struct tracer {
	rsl__trace base;
	rsl__xdoc doc;
	const rsl__xrender *render;
	uint32_t next_rule;
	int default_seen;
} tracer;

static void emit(tracer *t, rsl__xkind kind, uint32_t index, const rsl__event *ev)
{
	rsl__xstep s = { kind, index, ev };
	t->render->step(&t->doc, &s);
	t->doc.nsteps++;
}

/* The rules before end that the evaluator did not reach. */
static void not_evaluated_until(tracer *t, uint32_t end)
{
	for (; t->next_rule < end; t->next_rule++)
		emit(t, RSL__XS_RULE, t->next_rule, NULL);
}

static void on_event(rsl__trace *base, const rsl__event *ev)
{
	tracer *t = (tracer *)base;
	switch (ev->kind) {
	case RSL__EV_NOT_CONFIGURED:
		emit(t, RSL__XS_NOT_CONFIGURED, 0, ev);
		break;
	case RSL__EV_DISABLED:
		emit(t, RSL__XS_DISABLED, 0, ev);
		break;
	case RSL__EV_STATIC:
		t->default_seen = 1; /* the static step is the default */
		emit(t, RSL__XS_STATIC, 0, ev);
		break;
	case RSL__EV_PREREQ:
		emit(t, RSL__XS_PREREQ, ev->index, ev);
		break;
	case RSL__EV_RULE:
		not_evaluated_until(t, ev->index);
		t->next_rule = ev->index + 1;
		emit(t, RSL__XS_RULE, ev->index, ev);
		break;
	case RSL__EV_DEFAULT:
		not_evaluated_until(t, t->doc.f->nrules);
		t->default_seen = 1;
		emit(t, RSL__XS_DEFAULT, 0, ev);
		break;
	}
}

/* A trace that reached RSL_EXPLAIN_MAX ends with a line that says so, in
 * place of its last bytes, cut at the start of a UTF-8 sequence. */
static void mark_cut(rsl__wbuf *w)
{
	static const char marker[] = "\n\xe2\x80\xa6(trace cut at " CUT_AT " bytes)\n";
	size_t n = sizeof marker - 1, at = RSL_EXPLAIN_MAX - n;
	while (at > 0 && at < w->cap && ((unsigned char)w->buf[at] & 0xc0) == 0x80)
		at--;
	w->len = at;
	w->cut = 0;
	rsl__w_raw(w, marker, n);
}

size_t rsl_explain(char *buf, size_t cap, const rsl_snapshot *snap,
		   const char *key, const rsl_context *ctx, int format)
{
	rsl__wbuf w = { buf, cap, 0, 0, 0 };
	const rsl__flag *f = NULL;
	if (snap && key)
		f = rsl__find_flag(snap, key, strlen(key));
	rsl__names nm;
	rsl__names_init(&nm, ctx);
	tracer t = { { on_event }, { &w, snap, key, f, ctx, &nm, 0 },
		     format == RSL_EXPLAIN_JSON ? &rsl__explain_json : &rsl__explain_text,
		     0, 0 };
	t.render->head(&t.doc);
	rsl_result r;
	rsl__eval(&r, NULL, snap, key, -1, ctx, NULL, f ? &t.base : NULL);
	if (f && f->configured) {
		/* Every rule is listed, with its file:line, decided or not. */
		not_evaluated_until(&t, f->nrules);
		if (!t.default_seen)
			emit(&t, RSL__XS_DEFAULT, 0, NULL);
	}
	t.render->tail(&t.doc, &r);
	if (w.cut)
		mark_cut(&w);
	if (cap)
		buf[w.len < cap ? w.len : cap - 1] = 0;
	return w.len;
}
