/*
 * explain.h - rsl_explain's parts (internal to librsl):
 *
 *   explain.c       the trace: runs the evaluator (eval.c) with an observer
 *                   and turns what it reports into step records, in order,
 *                   with every rule listed, evaluated or not
 *   explain_text.c  renders the records as text, for people
 *   explain_json.c  renders the same records as JSON, for programs
 *   explain_out.c   the output buffer and the writers both renderers use,
 *                   including why a condition matched or did not
 */
#ifndef RSL_EXPLAIN_H
#define RSL_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "eval.h"
#include "match.h"

/* ------------------------------------------------------------- the output */

/* Output into buf[0..cap), counting what does not fit (like snprintf), up
 * to RSL_EXPLAIN_MAX bytes. */
typedef struct rsl__wbuf {
	char *buf;
	size_t cap;
	size_t len;
	int escape; /* write inside a JSON string */
	int cut;    /* the trace reached RSL_EXPLAIN_MAX: nothing more is written */
} rsl__wbuf;

/* Bytes of a context string that the trace shows (docs/ruleset.md,
 * "Context limits"). */
#define RSL__ECHO_MAX 64
/* Items of a context list that the trace shows. */
#define RSL__ECHO_LIST 20

/* n bytes as they are, escaping or not. */
void rsl__w_raw(rsl__wbuf *w, const char *s, size_t n);
/* n bytes, JSON-escaped when w->escape. */
void rsl__w_put(rsl__wbuf *w, const char *s, size_t n);
void rsl__w_puts(rsl__wbuf *w, const char *s);
/* At most 159 bytes of formatted text. */
void rsl__w_putf(rsl__wbuf *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A JSON string, or null for NULL. */
void rsl__w_jstr(rsl__wbuf *w, const char *s, size_t n);
void rsl__w_jstrz(rsl__wbuf *w, const char *s);
/* A quoted string for text, escaped like JSON so that it stays one line;
 * inside a JSON string (w->escape) the quoted text is escaped once more. */
void rsl__w_qstr(rsl__wbuf *w, const char *s, size_t n);
/* A context string s[0..n): its first RSL__ECHO_MAX bytes, then, when cut,
 * a marker with the length ("…(4096 bytes)"; "…(over 4096 bytes)" past
 * RSL_MAX_CONTEXT_STRING); quoted as rsl__w_qstr does, or as a JSON string
 * when json. */
void rsl__w_echo(rsl__wbuf *w, const char *s, size_t n, int json);
/* rsl__w_echo of a NUL-terminated string, as text, reading at most
 * RSL_MAX_CONTEXT_STRING + 1 bytes of it. */
void rsl__w_echoz(rsl__wbuf *w, const char *s);
/* A number as the format writes it, or NaN / Infinity / -Infinity. */
void rsl__w_number(rsl__wbuf *w, double n);
/* A time in UTC: "2026-12-01T09:00:00Z". */
void rsl__w_time(rsl__wbuf *w, int64_t t);
/* A variant value: JSON when json, else as a person reads it. */
void rsl__w_value(rsl__wbuf *w, const rsl__val *v, int json);
/* The value of a result, as rsl__w_value writes a variant's. */
void rsl__w_result(rsl__wbuf *w, const rsl_result *r, int json);
/* A context attribute's value, as a person reads it. */
void rsl__w_attr_value(rsl__wbuf *w, const rsl__aval *v);
/* Says why c evaluated to want (which it did) for nm's context: one line
 * of text. */
void rsl__w_why(rsl__wbuf *w, const rsl_snapshot *snap, const rsl__cond *c,
		rsl__names *nm, int want);

/* -------------------------------------------------------- the step records */

typedef enum rsl__xkind {
	RSL__XS_NOT_CONFIGURED, /* the flag has no targeting here: off */
	RSL__XS_DISABLED,       /* enabled: false: off */
	RSL__XS_STATIC,         /* no rules or prerequisites: the default */
	RSL__XS_PREREQ,         /* one prerequisite, ok or failed */
	RSL__XS_RULE,           /* one rule, evaluated or not */
	RSL__XS_DEFAULT         /* the default, evaluated or not */
} rsl__xkind;

/* One step of the trace. */
typedef struct rsl__xstep {
	rsl__xkind kind;
	uint32_t index;        /* RULE: the rule's index */
	const rsl__event *ev;  /* what the evaluator reported (its fields by
	                          kind: eval.h); NULL for a rule or default that
	                          was not evaluated */
} rsl__xstep;

/* What a renderer reads besides the step. */
typedef struct rsl__xdoc {
	rsl__wbuf *w;
	const rsl_snapshot *snap; /* may be NULL */
	const char *key;          /* may be NULL */
	const rsl__flag *f;       /* NULL when not found; steps only when found */
	const rsl_context *ctx;   /* may be NULL */
	rsl__names *names;        /* ctx's names, for rsl__w_why */
	int nsteps;               /* steps rendered before this one */
} rsl__xdoc;

/* A renderer: the head (flag, snapshot, context), each step in order, and
 * the tail (the end of the steps and the result). */
typedef struct rsl__xrender {
	void (*head)(const rsl__xdoc *d);
	void (*step)(const rsl__xdoc *d, const rsl__xstep *s);
	void (*tail)(const rsl__xdoc *d, const rsl_result *r);
} rsl__xrender;

extern const rsl__xrender rsl__explain_text;
extern const rsl__xrender rsl__explain_json;

#endif
