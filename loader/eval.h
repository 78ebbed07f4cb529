/*
 * eval.h - the evaluator's core, shared by eval.c (the typed calls) and
 * explain.c (the trace): one evaluator, with an optional observer that
 * explain uses to see each step.  Internal to librsl.
 */
#ifndef RSL_EVAL_H
#define RSL_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "snap.h"

/* Prerequisites nest at most this deep (the compiler refuses cycles). */
#define RSL__MAX_PREREQ_DEPTH RSL_MAX_PREREQ_DEPTH

/* What one step of an evaluation saw, reported to an observer. */
enum {
	RSL__EV_NOT_CONFIGURED, /* serves off */
	RSL__EV_DISABLED,       /* kill switch: serves off */
	RSL__EV_STATIC,         /* serves the default variant */
	RSL__EV_PREREQ,         /* index: the prerequisite; status 1 ok, 0 failed */
	RSL__EV_RULE,           /* index: the rule; status RSL__RULE_* */
	RSL__EV_DEFAULT         /* status RSL__RULE_MATCH or RSL__RULE_NO_BUCKET */
};
enum { RSL__RULE_NO_MATCH, RSL__RULE_NO_BUCKET, RSL__RULE_MATCH };

typedef struct rsl__event {
	int kind;
	uint32_t index;
	int status;
	uint32_t variant;         /* what was served (or the prerequisite's) */
	rsl_reason reason;        /* PREREQ: the prerequisite's reason */
	const rsl__serve *serve;  /* RULE (when matched), DEFAULT */
	int step;                 /* schedule step in force, -1 before the first */
	int64_t now;              /* the time a schedule was read at */
	const rsl__split *split;  /* the split that bucketed, or NULL */
	const char *by_value;     /* its bucketing text (not NUL-terminated;
				     valid during the call only) */
	size_t by_len;
	uint32_t bucket;
} rsl__event;

typedef struct rsl__trace rsl__trace;
struct rsl__trace {
	void (*event)(rsl__trace *t, const rsl__event *ev);
};

/*
 * Evaluates key for ctx into *out, like rsl_evaluate, but with expected -1
 * meaning "the flag's own type", reporting each step of the flag itself
 * (not of its prerequisites) to tr when tr is not NULL, and returning the
 * flag found in *flag (NULL when none).
 */
int rsl__eval(rsl_result *out, const rsl__flag **flag, const rsl_snapshot *snap,
	      const char *key, int expected, const rsl_context *ctx,
	      const rsl_value *fallback, rsl__trace *tr);

/*
 * The typed calls' path (rsl_bool and the others, and the live client's):
 * the value key serves for ctx, or NULL when the fallback is due, with the
 * error code in *err (not NONE also when a value is served: a split default
 * without a bucketing value serves off with TARGETING_KEY_MISSING).  Fills no
 * rsl_result.  The value is valid as long as snap.  For ctx or, when prep
 * is not NULL, the prepared context prep (the live client's
 * rsl_client_prepared_* calls).
 */
const rsl__val *rsl__served(rsl_error_code *err, const rsl_snapshot *snap,
			   const char *key, int expected, const rsl_context *ctx,
			   const rsl_prepared *prep);

/* Copies a variant's value into the caller's rsl_value (type untouched):
 * strings point into the snapshot. */
static inline void rsl__set_value(rsl_value *out, const rsl__val *v)
{
	switch (v->kind) {
	case RSL__V_BOOL:
		out->b = v->b;
		break;
	case RSL__V_INT:
		out->i = v->i;
		out->f = (double)v->i;
		break;
	case RSL__V_FLOAT:
		out->f = v->f;
		break;
	default:
		out->s = RSL__S(v->s);
		out->len = v->s.len;
		break;
	}
}

#endif
