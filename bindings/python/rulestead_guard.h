/*
 * rulestead_guard.h - the Python binding's guard around one rsl_client,
 * compiled into the extension (rulestead._rsl).
 *
 * Why: cffi releases the GIL around every C call, so several Python threads
 * can be inside librsl at once, and rsl_client_free must not run while any
 * call on the client runs.  Each call through the guard enters (a counter)
 * and leaves; pyrsl_close refuses new entries, waits for the counter to
 * drain, then frees the client.  A call that comes after (or during) the
 * close passes a NULL client to librsl, which serves the fallback with
 * PROVIDER_NOT_READY.  The struct lives in Python-owned memory (ffi.new), so
 * a thread that read the pointer just before the close still reads valid
 * memory.  Cost: two atomic operations per call.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

#include "rsl.h"

/* RSL_VERSION_STRING, the header's, as a function cffi can declare. */
static const char *rsl_version_string(void)
{
	return RSL_VERSION_STRING;
}

typedef struct pyrsl {
	rsl_client *c;
	atomic_long inflight;
	atomic_int closing;
} pyrsl;

/* The client to call, or NULL once closing (then do not leave). */
static rsl_client *pyrsl_enter(pyrsl *w)
{
	atomic_fetch_add(&w->inflight, 1);
	if (atomic_load(&w->closing) || !w->c) {
		atomic_fetch_sub(&w->inflight, 1);
		return NULL;
	}
	return w->c;
}

static void pyrsl_leave(pyrsl *w, rsl_client *c)
{
	if (c)
		atomic_fetch_sub(&w->inflight, 1);
}

static int pyrsl_open(pyrsl *w, const char *path, const rsl_client_options *o,
		      rsl_error *err)
{
	return rsl_client_new(&w->c, path, o, err);
}

/* Stops new calls, waits for those in flight, frees the client (its thread
 * stopped: no event follows).  Idempotent; returns whether it closed. */
static int pyrsl_close(pyrsl *w)
{
	if (atomic_exchange(&w->closing, 1))
		return 0;
	while (atomic_load(&w->inflight) != 0)
		sched_yield();
	rsl_client_free(w->c);
	w->c = NULL;
	return 1;
}

/* _Bool: cffi returns it as a Python bool, with no conversion in Python. */
static _Bool pyrsl_bool(pyrsl *w, const char *key, const rsl_context *ctx, int fallback)
{
	rsl_client *c = pyrsl_enter(w);
	int v = rsl_client_bool(c, key, ctx, fallback);
	pyrsl_leave(w, c);
	return v != 0;
}

static int64_t pyrsl_int(pyrsl *w, const char *key, const rsl_context *ctx, int64_t fallback)
{
	rsl_client *c = pyrsl_enter(w);
	int64_t v = rsl_client_int(c, key, ctx, fallback);
	pyrsl_leave(w, c);
	return v;
}

static double pyrsl_float(pyrsl *w, const char *key, const rsl_context *ctx, double fallback)
{
	rsl_client *c = pyrsl_enter(w);
	double v = rsl_client_float(c, key, ctx, fallback);
	pyrsl_leave(w, c);
	return v;
}

/* object: 0 string, 1 object (JSON text). */
static size_t pyrsl_text(char *out, size_t cap, pyrsl *w, const char *key,
			 const rsl_context *ctx, const char *fallback, int object)
{
	rsl_client *c = pyrsl_enter(w);
	size_t n = object ? rsl_client_object(out, cap, c, key, ctx, fallback)
			  : rsl_client_string(out, cap, c, key, ctx, fallback);
	pyrsl_leave(w, c);
	return n;
}

static size_t pyrsl_explain(char *buf, size_t cap, pyrsl *w, const char *key,
			    const rsl_context *ctx, int format)
{
	rsl_client *c = pyrsl_enter(w);
	size_t n = rsl_client_explain(buf, cap, c, key, ctx, format);
	pyrsl_leave(w, c);
	return n;
}

static int pyrsl_detail(rsl_detail *out, pyrsl *w, const char *key, rsl_type expected,
			const rsl_context *ctx, const rsl_value *fallback)
{
	rsl_client *c = pyrsl_enter(w);
	int rc = rsl_client_detail(out, c, key, expected, ctx, fallback);
	pyrsl_leave(w, c);
	return rc;
}

static int pyrsl_flags(rsl_flag_list **out, pyrsl *w)
{
	rsl_client *c = pyrsl_enter(w);
	int rc = rsl_client_flags(out, c);
	pyrsl_leave(w, c);
	return rc;
}

/* RSL_EINVAL with a message when the client is closed. */
static int pyrsl_refresh(pyrsl *w, rsl_error *err)
{
	rsl_client *c = pyrsl_enter(w);
	if (!c) {
		err->code = RSL_EINVAL;
		snprintf(err->message, sizeof err->message, "the client is closed");
		return RSL_EINVAL;
	}
	int rc = rsl_client_refresh(c, err);
	pyrsl_leave(w, c);
	return rc;
}

static void pyrsl_status(rsl_client_status *out, pyrsl *w)
{
	rsl_client *c = pyrsl_enter(w);
	rsl_client_status_get(out, c);
	pyrsl_leave(w, c);
}
