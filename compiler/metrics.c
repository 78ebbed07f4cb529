/* metrics.c - the Prometheus text exposition format; see metrics.h. */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

/* One metric family's HELP and TYPE lines. */
static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped, as the
 * format requires (environment names and commits never hold them, but a
 * label must never be able to end the line). */
static void label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f), fputc(*s, f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void gauge(FILE *f, const char *name, const char *help, long long v)
{
	family(f, name, "gauge", help);
	fprintf(f, "%s %lld\n", name, v);
}

static void counter(FILE *f, const char *name, const char *help, unsigned long long v)
{
	family(f, name, "counter", help);
	fprintf(f, "%s %llu\n", name, v);
}

/* An enumeration as one series per state, 1 for the current one: the
 * shape Prometheus's own state metrics take, so an alert can match on
 * the label and no series disappears when the state changes. */
static void states(FILE *f, const char *name, const char *help, const char *lbl,
		   const char *const *all, const char *now)
{
	family(f, name, "gauge", help);
	for (size_t i = 0; all[i]; i++)
		fprintf(f, "%s{%s=\"%s\"} %d\n", name, lbl, all[i], strcmp(all[i], now) == 0);
}

static void client(FILE *f, const rsl_client_status *st)
{
	static const char *const outcomes[] = { "accepted", "refused", "unchanged", "none", NULL };

	gauge(f, "rulestead_ready", "Whether a snapshot is being served (1) or the callers' "
	      "fallbacks (0).", st->ready);
	if (st->ready) {
		family(f, "rulestead_snapshot_info", "gauge",
		       "The snapshot being served: its environment, version and commit.");
		fputs("rulestead_snapshot_info{env=", f);
		label(f, st->environment);
		fprintf(f, ",version=\"%llu\",commit=", (unsigned long long)st->version);
		label(f, st->commit);
		fputs("} 1\n", f);
		gauge(f, "rulestead_snapshot_version", "The version of the snapshot being served.",
		      (long long)st->version);
		gauge(f, "rulestead_snapshot_age_seconds",
		      "Seconds since the snapshot being served was issued (compiled).",
		      (long long)st->age);
		gauge(f, "rulestead_snapshot_issued_timestamp_seconds",
		      "When the snapshot being served was issued, in seconds since the epoch.",
		      (long long)st->issued_at);
		if (st->expires_at)
			gauge(f, "rulestead_snapshot_expiry_timestamp_seconds",
			      "When the snapshot being served expires, in seconds since the epoch.",
			      (long long)st->expires_at);
		gauge(f, "rulestead_snapshot_loaded_timestamp_seconds",
		      "When the snapshot being served was accepted, in seconds since the epoch.",
		      (long long)st->loaded_at);
		gauge(f, "rulestead_snapshot_flags", "Flags in the snapshot being served.",
		      (long long)st->flag_count);
	}
	gauge(f, "rulestead_snapshot_stale", "Whether the snapshot being served is past its "
	      "expiry.", st->stale);
	gauge(f, "rulestead_failing_closed", "Whether a stale snapshot makes the client serve "
	      "the callers' fallbacks.", st->failing_closed);
	gauge(f, "rulestead_rollback_override", "Whether the snapshot served was accepted "
	      "through the rollback override.", st->rollback_override);
	states(f, "rulestead_last_refresh_outcome", "The outcome of the last new file the "
	       "client examined (1 for the current one).", "outcome", outcomes,
	       st->last_outcome);
	if (strcmp(st->last_outcome, "refused") == 0) {
		family(f, "rulestead_last_refresh_error_info", "gauge",
		       "Why the last new file was refused: the library's error code.");
		fprintf(f, "rulestead_last_refresh_error_info{code=\"%s\"} 1\n",
			rsl_strerror(st->last_code));
	}
	if (st->last_refresh_at)
		gauge(f, "rulestead_last_refresh_timestamp_seconds", "When the client last "
		      "examined a new file, in seconds since the epoch.",
		      (long long)st->last_refresh_at);
	family(f, "rulestead_reloads_total", "counter",
	       "New snapshot files examined, by outcome.");
	fprintf(f, "rulestead_reloads_total{outcome=\"accepted\"} %llu\n",
		(unsigned long long)st->reloads_accepted);
	fprintf(f, "rulestead_reloads_total{outcome=\"refused\"} %llu\n",
		(unsigned long long)st->reloads_refused);
	counter(f, "rulestead_evaluations_total", "Flag evaluations through the client.",
		(unsigned long long)st->evaluations);
	counter(f, "rulestead_evaluation_misses_total",
		"Evaluations of a flag the snapshot does not have.",
		(unsigned long long)st->misses);
	counter(f, "rulestead_evaluation_errors_total", "Evaluations ending in any other "
		"error (not ready, type mismatch, invalid context, targeting key missing).",
		(unsigned long long)st->errors);
	gauge(f, "rulestead_snapshots_retiring", "Replaced snapshots still in memory for "
	      "their readers.", (long long)st->snapshots_retiring);
}

static void agent(FILE *f, const struct rsc_agent_stats *a)
{
	static const char *const outcomes[] = { "updated", "unchanged", "refused", "error",
						"none", NULL };
	counter(f, "rulestead_agent_polls_total", "Polls of the source by rsc agent.",
		(unsigned long long)a->polls);
	counter(f, "rulestead_agent_downloads_total", "Polls that downloaded a snapshot (the "
		"source had changed).", (unsigned long long)a->downloads);
	counter(f, "rulestead_agent_updates_total", "Snapshots the agent accepted and renamed "
		"into place.", (unsigned long long)a->updates);
	counter(f, "rulestead_agent_unchanged_total", "Polls that left the file as it was, the "
		"source fine.", (unsigned long long)a->unchanged);
	counter(f, "rulestead_agent_refusals_total", "Polls that refused what the source serves "
		"(the file kept).", (unsigned long long)a->refusals);
	family(f, "rulestead_agent_errors_total", "counter",
	       "Polls that failed (the file kept), by kind.");
	for (int k = 0; k < RSC_AGENT_ERR_KINDS; k++)
		fprintf(f, "rulestead_agent_errors_total{kind=\"%s\"} %llu\n",
			rsc_agent_error_kind_name(k), (unsigned long long)a->errors[k]);
	states(f, "rulestead_agent_last_poll_outcome", "The outcome of the agent's last poll "
	       "(1 for the current one).", "outcome", outcomes,
	       a->has_outcome ? rsc_agent_outcome_name(a->last_outcome) : "none");
	if (a->last_poll_at)
		gauge(f, "rulestead_agent_last_poll_timestamp_seconds",
		      "When the agent last polled, in seconds since the epoch.",
		      (long long)a->last_poll_at);
	if (a->last_success_at)
		gauge(f, "rulestead_agent_last_success_timestamp_seconds", "When a poll last "
		      "ended updated or unchanged, in seconds since the epoch.",
		      (long long)a->last_success_at);
	gauge(f, "rulestead_agent_consecutive_errors", "Polls in a row that failed (0 after a "
	      "success).", (long long)a->consecutive_errors);
	family(f, "rulestead_agent_next_poll_seconds", "gauge",
	       "Seconds until the next poll, backoff and jitter applied.");
	fprintf(f, "rulestead_agent_next_poll_seconds %.3f\n", (double)a->next_delay_ms / 1000.0);
}

static void ofrep(FILE *f, const rsc_ofrep_counts *o)
{
	family(f, "rulestead_ofrep_requests_total", "counter",
	       "OFREP evaluation requests answered, by endpoint.");
	fprintf(f, "rulestead_ofrep_requests_total{endpoint=\"single\"} %llu\n",
		(unsigned long long)o->single);
	fprintf(f, "rulestead_ofrep_requests_total{endpoint=\"bulk\"} %llu\n",
		(unsigned long long)o->bulk);
	counter(f, "rulestead_ofrep_not_modified_total",
		"Bulk evaluations answered 304 Not Modified (the caller's ETag held).",
		(unsigned long long)o->not_modified);
	family(f, "rulestead_ofrep_errors_total", "counter",
	       "HTTP requests answered with an error, by status class.");
	fprintf(f, "rulestead_ofrep_errors_total{class=\"4xx\"} %llu\n",
		(unsigned long long)o->refused);
	fprintf(f, "rulestead_ofrep_errors_total{class=\"5xx\"} %llu\n",
		(unsigned long long)o->failed);
}

int rsc_metrics_render(char **out, size_t *len, const rsl_client_status *st,
		       const struct rsc_agent_stats *a, const rsc_ofrep_counts *o)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);
	*out = NULL;
	*len = 0;
	if (f == NULL)
		return -1;
	client(f, st);
	if (a)
		agent(f, a);
	if (o)
		ofrep(f, o);
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(p);
		return -1;
	}
	*out = p;
	*len = n;
	return 0;
}
