/*
 * client_eval.c - evaluating through the live client: each call is one read
 * section (client_rcu.h) around the snapshot served at that moment, then
 * the per-thread counters and, for a flag not found, a rate-limited event.
 * The typed calls take the raw path (rsl__served: no rsl_result) unless the
 * client has test overrides.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "eval.h"

static RSL__RD_TLS int rd_in_miss; /* inside a miss event's callback */

static inline void bump(_Atomic uint64_t *p)
{
	atomic_store_explicit(p, atomic_load_explicit(p, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static inline void count(rsl_client *c, rsl_error_code e)
{
	int s = rsl__rd_slot_of;
	if (__builtin_expect(s >= 0, 1)) {
		rsl__ctr_slot *k = &c->ctr[s];
		bump(&k->evals);
		if (e != RSL_ERR_NONE)
			bump(e == RSL_ERR_FLAG_NOT_FOUND ? &k->misses : &k->errors);
		return;
	}
	atomic_fetch_add_explicit(&c->shared_ctr.evals, 1, memory_order_relaxed);
	if (e != RSL_ERR_NONE)
		atomic_fetch_add_explicit(e == RSL_ERR_FLAG_NOT_FOUND ? &c->shared_ctr.misses
					  : &c->shared_ctr.errors, 1, memory_order_relaxed);
}

/* Evaluates inside the caller's read section the snapshot s served, for
 * ctx or, when prep is not NULL, for the prepared context prep (both NULL:
 * the empty context, as either call means it). */
static inline int eval_in(rsl_result *out, rsl_client *c, const rsl_snapshot *s,
			  const char *key, rsl_type expected, const rsl_context *ctx,
			  const rsl_prepared *prep, const rsl_value *fb, uint64_t *version)
{
	int rc = 0;
	if (__builtin_expect(c->testing, 0) &&
	    rsl__client_override_eval(out, c, s, key, expected, fb)) {
		if (prep)
			ctx = prep->ctx;
		rc = out->error != RSL_ERR_NONE && ctx && ctx->strict ? RSL_ESTRICT : RSL_OK;
	} else if (prep) {
		rc = rsl_prepared_evaluate(out, s, key, expected, prep, fb);
	} else {
		rc = rsl__eval(out, NULL, s, key, (int)expected, ctx, fb, NULL);
	}
	if (__builtin_expect(out->error == RSL_ERR_FLAG_NOT_FOUND, 0) && s)
		*version = s->info.version;
	return rc;
}

/* eval_in for detail.c, which copies the result inside the same read
 * section: *snap receives the snapshot read (NULL when none). */
int rsl__client_eval_in(rsl_result *out, const rsl_snapshot **snap, rsl_client *c,
			const char *key, rsl_type expected, const rsl_context *ctx,
			const rsl_value *fb, uint64_t *version)
{
	*snap = atomic_load(&c->serving);
	return eval_in(out, c, *snap, key, expected, ctx, NULL, fb, version);
}

/* Miss events a client emits per second at most (all are counted). */
#define MISS_EVENTS_PER_SECOND 10u

/* Reports a flag not found: at most MISS_EVENTS_PER_SECOND a second, and
 * never from inside the callback of another (which may evaluate a missing
 * flag itself). */
static __attribute__((noinline, cold)) void
report_miss(rsl_client *c, const char *key, uint64_t version)
{
	if (rd_in_miss)
		return;
	struct timespec ts;
#ifdef CLOCK_MONOTONIC_COARSE
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
#else
	clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
	int64_t sec = (int64_t)ts.tv_sec, was = atomic_load(&c->miss_second);
	if (was != sec && atomic_compare_exchange_strong(&c->miss_second, &was, sec))
		atomic_store(&c->miss_events, 0);
	if (atomic_fetch_add(&c->miss_events, 1) >= MISS_EVENTS_PER_SECOND)
		return;
	rsl_client_event ev = { RSL_EVENT_EVALUATION, RSL_OK, "flag not found",
				c->path, version, NULL, key, "flag_not_found" };
	rd_in_miss = 1;
	c->on_event(&ev, c->event_user);
	rd_in_miss = 0;
}

/* After the read section: counts, and reports a flag not found. */
static inline void after(rsl_client *c, const char *key, rsl_error_code e,
			 uint64_t version)
{
	count(c, e);
	if (__builtin_expect(e == RSL_ERR_FLAG_NOT_FOUND, 0) && c->on_event)
		report_miss(c, key, version);
}

void rsl__client_after(rsl_client *c, const char *key, rsl_error_code e,
		       uint64_t version)
{
	after(c, key, e, version);
}

int rsl_client_evaluate(rsl_result *out, rsl_client *c, const char *key,
			rsl_type expected, const rsl_context *ctx,
			const rsl_value *fallback)
{
	uint64_t version = 0;
	if (__builtin_expect(c == NULL, 0)) /* PROVIDER_NOT_READY, the fallback */
		return rsl__eval(out, NULL, NULL, key, (int)expected, ctx, fallback, NULL);
	rsl__rd_enter();
	int rc = eval_in(out, c, atomic_load(&c->serving), key, expected, ctx, NULL, fallback,
			 &version);
	rsl__rd_exit();
	after(c, key, out->error, version);
	return rc;
}

/* text[0..len) into out[0..cap), cut and NUL-terminated; returns len. */
static size_t put_text(char *out, size_t cap, const char *text, size_t len)
{
	if (cap > 0) {
		size_t k = len < cap ? len : cap - 1;
		if (k)
			memcpy(out, text, k);
		out[k] = '\0';
	}
	return len;
}

/* A typed call on a client with test helpers: overrides first (the
 * detailed path), out of line so that the common path stays small.  *v
 * holds the fallback (its type is the one expected) and receives the value;
 * a text value is copied to out[0..cap) inside the read section, and its
 * length returned. */
static __attribute__((noinline, cold)) size_t
typed_testing(rsl_value *v, char *out, size_t cap, rsl_client *c, const char *key,
	      const rsl_context *ctx, const rsl_prepared *prep)
{
	rsl_result r;
	rsl_value fb = *v;
	uint64_t version = 0;
	size_t len = 0;
	rsl__rd_enter();
	eval_in(&r, c, atomic_load(&c->serving), key, fb.type, ctx, prep, &fb, &version);
	*v = r.value;
	if (v->type == RSL_STRING || v->type == RSL_OBJECT)
		len = put_text(out, cap, v->s, v->s ? v->len : 0);
	rsl__rd_exit();
	after(c, key, r.error, version);
	return len;
}

/* The typed calls' evaluation inside the caller's read section: the raw
 * typed calls' path (rsl__served, no rsl_result), for ctx or the prepared
 * prep (as eval_in), the value served or NULL for the fallback, valid until
 * the read section ends. */
static inline __attribute__((always_inline)) const rsl__val *
served_in(rsl_error_code *e, rsl_client *c, const char *key, rsl_type type,
	  const rsl_context *ctx, const rsl_prepared *prep, uint64_t *version)
{
	const rsl_snapshot *s = atomic_load(&c->serving);
	const rsl__val *x = rsl__served(e, s, key, (int)type, ctx, prep);
	if (__builtin_expect(*e == RSL_ERR_FLAG_NOT_FOUND, 0) && s)
		*version = s->info.version;
	return x;
}

/* A typed call's read section, for ctx or the prepared prep (eval_in):
 * enter returns the value served or NULL (valid until leave), leave ends
 * the section and counts.  Each type reads its field of the value
 * straight: no rsl_value on this path, which costs the live client's
 * readers nanoseconds (bench_client). */
static inline __attribute__((always_inline)) const rsl__val *
enter(rsl_error_code *e, uint64_t *version, rsl_client *c, const char *key, rsl_type type,
      const rsl_context *ctx, const rsl_prepared *prep)
{
	*version = 0;
	rsl__rd_enter();
	return served_in(e, c, key, type, ctx, prep, version);
}

static inline __attribute__((always_inline)) void
leave(rsl_client *c, const char *key, rsl_error_code e, uint64_t version)
{
	rsl__rd_exit();
	after(c, key, e, version);
}

static inline __attribute__((always_inline)) int
bool_flag(rsl_client *c, const char *key, const rsl_context *ctx, const rsl_prepared *prep,
	  int fallback)
{
	if (__builtin_expect(c == NULL, 0))
		return fallback; /* PROVIDER_NOT_READY */
	if (__builtin_expect(c->testing, 0)) {
		rsl_value v = { RSL_BOOLEAN, fallback, 0, 0.0, NULL, 0 };
		typed_testing(&v, NULL, 0, c, key, ctx, prep);
		return v.b;
	}
	rsl_error_code e;
	uint64_t version;
	const rsl__val *x = enter(&e, &version, c, key, RSL_BOOLEAN, ctx, prep);
	int b = x ? x->b : fallback;
	leave(c, key, e, version);
	return b;
}

static inline __attribute__((always_inline)) int64_t
int_flag(rsl_client *c, const char *key, const rsl_context *ctx, const rsl_prepared *prep,
	 int64_t fallback)
{
	if (__builtin_expect(c == NULL, 0))
		return fallback; /* PROVIDER_NOT_READY */
	if (__builtin_expect(c->testing, 0)) {
		rsl_value v = { RSL_INTEGER, 0, fallback, (double)fallback, NULL, 0 };
		typed_testing(&v, NULL, 0, c, key, ctx, prep);
		return v.i;
	}
	rsl_error_code e;
	uint64_t version;
	const rsl__val *x = enter(&e, &version, c, key, RSL_INTEGER, ctx, prep);
	int64_t i = x ? x->i : fallback;
	leave(c, key, e, version);
	return i;
}

static inline __attribute__((always_inline)) double
float_flag(rsl_client *c, const char *key, const rsl_context *ctx, const rsl_prepared *prep,
	   double fallback)
{
	if (__builtin_expect(c == NULL, 0))
		return fallback; /* PROVIDER_NOT_READY */
	if (__builtin_expect(c->testing, 0)) {
		rsl_value v = { RSL_FLOAT, 0, 0, fallback, NULL, 0 };
		typed_testing(&v, NULL, 0, c, key, ctx, prep);
		return v.f;
	}
	rsl_error_code e;
	uint64_t version;
	const rsl__val *x = enter(&e, &version, c, key, RSL_FLOAT, ctx, prep);
	double f = x ? x->f : fallback;
	leave(c, key, e, version);
	return f;
}

static size_t text_flag(char *out, size_t cap, rsl_client *c, const char *key,
			const rsl_context *ctx, const rsl_prepared *prep,
			const char *fallback, rsl_type type)
{
	if (__builtin_expect(c == NULL, 0)) /* PROVIDER_NOT_READY: the fallback */
		return put_text(out, cap, fallback, fallback ? strlen(fallback) : 0);
	if (__builtin_expect(c->testing, 0)) {
		rsl_value v = { type, 0, 0, 0.0, fallback, fallback ? strlen(fallback) : 0 };
		return typed_testing(&v, out, cap, c, key, ctx, prep);
	}
	rsl_error_code e;
	uint64_t version;
	const rsl__val *x = enter(&e, &version, c, key, type, ctx, prep);
	/* Copied inside the read section: the text lives in the snapshot. */
	size_t len = x ? put_text(out, cap, RSL__S(x->s), x->s.len)
		       : put_text(out, cap, fallback, fallback ? strlen(fallback) : 0);
	leave(c, key, e, version);
	return len;
}

int rsl_client_bool(rsl_client *c, const char *key, const rsl_context *ctx,
		    int fallback)
{
	return bool_flag(c, key, ctx, NULL, fallback);
}

int64_t rsl_client_int(rsl_client *c, const char *key, const rsl_context *ctx,
		       int64_t fallback)
{
	return int_flag(c, key, ctx, NULL, fallback);
}

double rsl_client_float(rsl_client *c, const char *key, const rsl_context *ctx,
			double fallback)
{
	return float_flag(c, key, ctx, NULL, fallback);
}

size_t rsl_client_string(char *out, size_t cap, rsl_client *c, const char *key,
			 const rsl_context *ctx, const char *fallback)
{
	return text_flag(out, cap, c, key, ctx, NULL, fallback, RSL_STRING);
}

size_t rsl_client_object(char *out, size_t cap, rsl_client *c, const char *key,
			 const rsl_context *ctx, const char *fallback_json)
{
	return text_flag(out, cap, c, key, ctx, NULL, fallback_json, RSL_OBJECT);
}

/* The same with a prepared context: prep NULL is the empty context, as ctx
 * NULL is above, so a NULL prep takes the plain path with no context. */
int rsl_client_prepared_bool(rsl_client *c, const char *key, const rsl_prepared *ctx,
			     int fallback)
{
	return bool_flag(c, key, NULL, ctx, fallback);
}

int64_t rsl_client_prepared_int(rsl_client *c, const char *key, const rsl_prepared *ctx,
				int64_t fallback)
{
	return int_flag(c, key, NULL, ctx, fallback);
}

double rsl_client_prepared_float(rsl_client *c, const char *key, const rsl_prepared *ctx,
				 double fallback)
{
	return float_flag(c, key, NULL, ctx, fallback);
}

size_t rsl_client_prepared_string(char *out, size_t cap, rsl_client *c, const char *key,
				  const rsl_prepared *ctx, const char *fallback)
{
	return text_flag(out, cap, c, key, NULL, ctx, fallback, RSL_STRING);
}

size_t rsl_client_prepared_object(char *out, size_t cap, rsl_client *c, const char *key,
				  const rsl_prepared *ctx, const char *fallback_json)
{
	return text_flag(out, cap, c, key, NULL, ctx, fallback_json, RSL_OBJECT);
}

size_t rsl_client_explain(char *buf, size_t cap, rsl_client *c, const char *key,
			  const rsl_context *ctx, int format)
{
	size_t n;
	if (c == NULL)
		return rsl_explain(buf, cap, NULL, key, ctx, format);
	rsl__rd_enter();
	const rsl_snapshot *s = atomic_load(&c->serving);
	if (s) {
		n = rsl_explain(buf, cap, s, key, ctx, format);
	} else {
		int w = snprintf(buf, cap, format == RSL_EXPLAIN_JSON
				 ? "{\"flag\":\"%s\",\"error\":\"PROVIDER_NOT_READY\","
				   "\"message\":\"no snapshot is being served\"}\n"
				 : "flag %s: no snapshot is being served: the fallback, "
				   "error PROVIDER_NOT_READY\n", key ? key : "");
		n = w < 0 ? 0 : (size_t)w;
	}
	rsl__rd_exit();
	return n;
}

const rsl_snapshot *rsl_client_hold(rsl_client *c)
{
	if (c == NULL)
		return NULL; /* nothing held: rsl_client_release(NULL) ends nothing */
	rsl__rd_enter();
	return atomic_load(&c->serving);
}

void rsl_client_release(rsl_client *c)
{
	if (c && rsl__rd_depth)
		rsl__rd_exit();
}

