/*
 * metrics.h - a live client's status (and a node agent's counters) in the
 * Prometheus text exposition format, version 0.0.4: what `rsc status
 * --format prometheus`, `rsc agent --metrics FILE` and the agent's
 * /metrics page print, for Prometheus or node_exporter's textfile collector.
 * Every name begins with rulestead_; counters end in _total.
 */
#ifndef RSC_METRICS_H
#define RSC_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "../loader/rsl.h"

/* The Content-Type of the format, for an HTTP answer. */
#define RSC_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct rsc_agent_stats;

/* What an OFREP server counts of its own (ofrep.h fills it); answers
 * by HTTP status class. */
typedef struct rsc_ofrep_counts {
	uint64_t single;      /* single-flag evaluation requests answered */
	uint64_t bulk;        /* bulk evaluation requests answered (304 included) */
	uint64_t not_modified;/* of the bulk ones, 304 */
	uint64_t refused;     /* requests answered 4xx */
	uint64_t failed;      /* requests answered 5xx */
} rsc_ofrep_counts;

/*
 * Renders the metrics of status st (rsl_client_status_get, whose age is the
 * snapshot's age), with the node agent's counters when agent is not NULL
 * (agent.h) and the OFREP server's when ofrep is not NULL, into a
 * new NUL-terminated text *out of *len bytes (free it).  Returns 0, or -1
 * when out of memory (*out NULL).  Thread-safe (it reads only its
 * arguments).
 */
int rsc_metrics_render(char **out, size_t *len, const rsl_client_status *st,
		       const struct rsc_agent_stats *agent, const rsc_ofrep_counts *ofrep);

#endif
