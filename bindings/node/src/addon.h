/*
 * addon.h - the Node-API addon binding librsl (src/addon.c: the client and
 * the calls; src/context.c: a JavaScript object into an rsl_context).
 * Nothing here evaluates anything: librsl is the one evaluator.
 */
#ifndef RSL_NODE_ADDON_H
#define RSL_NODE_ADDON_H

#define NAPI_VERSION 8
#include <node_api.h>

#include "rsl.h"

/* An attribute type librsl does not know: it refuses the whole context as
 * INVALID_CONTEXT, which is how a value JavaScript cannot pass (an object,
 * a function, a list of numbers, a string holding NUL) is reported. */
#define NODE_ATTR_INVALID ((rsl_attr_type)99)

typedef struct ctx_chunk ctx_chunk;

/* A context converted from JavaScript, with the storage of its strings: a
 * fixed block first (enough for everyday contexts), then heap chunks. */
typedef struct node_ctx {
	rsl_context ctx;
	rsl_attr attrs[RSL_MAX_CONTEXT_ATTRS + 1]; /* one more: librsl refuses it */
	size_t used;
	ctx_chunk *chunks;
	char fixed[2048];
} node_ctx;

/* Fills *b from v: undefined or null (the empty context) or a plain
 * object.  Keys targeting_key (or OpenFeature's targetingKey), tenant_key,
 * environment, request_id and session_id fill the context's fields (strings);
 * every other key is an attribute: a string, a number (a bigint converted),
 * a boolean, a Date (seconds since the epoch) or an array of strings;
 * undefined and null are absent.  Anything else makes the context invalid
 * (librsl then serves the fallback with INVALID_CONTEXT).  Strings past
 * librsl's caps are cut just past them, which librsl refuses the same way.
 * Returns napi_ok, or the failing call's status (a pending exception).
 * Release with node_ctx_free. */
napi_status node_ctx_from_js(node_ctx *b, napi_env env, napi_value v);
void node_ctx_free(node_ctx *b);

/* A prepared context (lib/index.js's Context): a copy of a context and of
 * every string it points to, and librsl's rsl_context_prepare of that copy
 * (refused when the context is invalid: every evaluation with it then
 * serves the fallback with INVALID_CONTEXT, as the plain context would). */
typedef struct node_prepared {
	rsl_prepared prep; /* of ctx */
	rsl_context ctx;   /* its attributes and strings follow */
} node_prepared;

/* A node_prepared of src in one allocation, to free(); NULL when out of
 * memory. */
node_prepared *node_ctx_compact(const rsl_context *src);

#endif
