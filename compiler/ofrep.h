/*
 * ofrep.h - the OpenFeature Remote Evaluation Protocol (OFREP) over a live
 * client, on libmicrohttpd: what `rsc agent --serve ADDR` answers, so that
 * any language with an OpenFeature OFREP provider evaluates Rulestead's
 * flags without a binding.
 *
 *   POST /ofrep/v1/evaluate/flags/{key}  one flag: 200 {key, value, reason,
 *        variant, metadata}; 404 {key, errorCode: FLAG_NOT_FOUND,
 *        errorDetails}; 400 {key, errorCode: PARSE_ERROR | INVALID_CONTEXT |
 *        TARGETING_KEY_MISSING, errorDetails}; 500 {errorCode, errorDetails}
 *        (nothing served yet: PROVIDER_NOT_READY; GENERAL)
 *   POST /ofrep/v1/evaluate/flags        every flag: 200 {flags: [...]} with
 *        an ETag (the snapshot's version and content digest, and the
 *        request's context), 304 when If-None-Match names it; 400
 *        {errorCode, errorDetails} for a body that is not a context
 *   GET  /metrics                        the client's status in the
 *        Prometheus text format (metrics.h), with the agent's counters and
 *        the server's own
 *
 * Requests are {"context": {...}} (ctxjson.h, rsc_ctx_add_ofrep), at most
 * max_body bytes.  With a token, every request must carry it (Authorization:
 * Bearer TOKEN, or X-API-Key: TOKEN): 401 without, 403 with another.
 * Metadata carries OpenTelemetry's feature-flag attribute names
 * (feature_flag.set.id: the environment; feature_flag.version: the
 * snapshot's version; feature_flag.provider.name: "rulestead").
 */
#ifndef RSC_OFREP_H
#define RSC_OFREP_H

#include <stddef.h>
#include <stdio.h>

#include "../loader/rsl.h"

#define RSC_OFREP_DEFAULT_ADDR "127.0.0.1:8016"
#define RSC_OFREP_MAX_BODY 65536

typedef struct rsc_ofrep rsc_ofrep;
struct rsc_agent;

typedef struct rsc_ofrep_options {
	const char *addr;    /* "HOST:PORT" ("[::1]:8016" for IPv6; port 0: any
	                        free one, see rsc_ofrep_port); NULL: the default,
	                        loopback only */
	rsl_client *client;  /* required; must outlive the server */
	struct rsc_agent *agent; /* its counters on /metrics (agent.h); NULL: none;
	                        must outlive the server */
	const char *token;   /* NULL: no authentication (loopback) */
	size_t max_body;     /* bytes of a request body; 0: RSC_OFREP_MAX_BODY */
	FILE *log;           /* one line per evaluation that ended in an error,
	                        with OpenTelemetry's attribute names; NULL: none */
	int log_json;        /* those lines as JSON objects */
} rsc_ofrep_options;

#define RSC_OFREP_OPTIONS_INIT { NULL, NULL, NULL, NULL, 0, NULL, 0 }

/*
 * Listens on o->addr and answers from threads of its own until
 * rsc_ofrep_stop.  Returns 0 with *out set, or -1 with a one-line reason in
 * err ("cannot listen on 127.0.0.1:8016: Address already in use").
 */
int rsc_ofrep_start(rsc_ofrep **out, const rsc_ofrep_options *o, char *err, size_t errlen);

/* The port it listens on (the one chosen when addr said port 0). */
unsigned rsc_ofrep_port(const rsc_ofrep *s);

/* Stops listening, waits for the requests being answered, frees s.  NULL:
 * nothing.  The client is the caller's, still open. */
void rsc_ofrep_stop(rsc_ofrep *s);

#endif
