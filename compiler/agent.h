/*
 * agent.h - `rsc agent`, the node side of publishing: polls a source
 * (fetch.h) for one environment's snapshot, judges each download by the
 * live client's rules (loader/succession.h: signature, environment, not
 * older than what PATH holds, the same version only as a renewal), and only
 * then renames it into place at PATH (atomic.h), so that the file the
 * node's clients follow only ever holds a whole snapshot they accept.
 * Keeps what PATH holds when the source is down or serves something
 * refused; backs off exponentially on errors; logs one line per poll.
 *
 * Threads: one thread runs rsc_agent_poll / rsc_agent_run; any thread may
 * call rsc_agent_stats_get and rsc_agent_client; rsc_agent_stop is
 * async-signal-safe.
 */
#ifndef RSC_AGENT_H
#define RSC_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rsl.h"

/* What one poll did (the log's outcome, rsc agent --once's exit status). */
typedef enum rsc_agent_outcome {
	RSC_AGENT_UPDATED = 0,   /* a new snapshot was accepted and written to PATH */
	RSC_AGENT_UNCHANGED = 1, /* the source serves what PATH already holds */
	RSC_AGENT_REFUSED = 2,   /* the source serves a snapshot the rules refuse */
	RSC_AGENT_ERROR = 3      /* the source failed, or PATH could not be written */
} rsc_agent_outcome;

/* "updated", "unchanged", "refused", "error". */
const char *rsc_agent_outcome_name(rsc_agent_outcome o);

/* The kinds of errors counted apart. */
enum {
	RSC_AGENT_ERR_SOURCE = 0, /* the source: unreachable, missing, over the size limit */
	RSC_AGENT_ERR_WRITE = 1,  /* PATH could not be written */
	RSC_AGENT_ERR_KINDS = 2
};

/* "source", "write". */
const char *rsc_agent_error_kind_name(int kind);

/* The agent's counters and its last outcome, for metrics (a copy, see
 * rsc_agent_stats_get).  Times are seconds since the epoch, 0 for never. */
struct rsc_agent_stats {
	uint64_t polls;        /* every poll */
	uint64_t downloads;    /* polls that fetched a body (the source had changed) */
	uint64_t updates;      /* snapshots written to PATH */
	uint64_t unchanged;    /* polls that left PATH as it was, the source fine */
	uint64_t refusals;     /* polls that ended refusing what the source serves */
	uint64_t errors[RSC_AGENT_ERR_KINDS]; /* polls that failed, by kind */
	int has_outcome;       /* 0 before the first poll */
	rsc_agent_outcome last_outcome;
	int last_error_kind;   /* with RSC_AGENT_ERROR */
	char last_reason[512]; /* the last log line's reason */
	int64_t last_poll_at;
	int64_t last_success_at;  /* the last poll that ended updated or unchanged */
	unsigned consecutive_errors;
	int64_t next_delay_ms;    /* until the next poll (backoff and jitter applied) */
	/* What PATH holds (version 0: nothing verified there yet). */
	char env[72];
	uint64_t version;
	char commit[48];
	int64_t issued_at, expires_at;
};

struct rsc_agent;

typedef struct rsc_agent_options {
	const char *from;          /* the source URL (fetch.h) */
	const char *to;            /* PATH, the node's snapshot file */
	const char *env;           /* NULL: the environment of the snapshot at PATH */
	const rsl_keyring *keys;   /* trusted keys; the caller's, kept until rsc_agent_free */
	int64_t interval_ms;       /* between polls; 0: 10 s */
	int64_t jitter_ms;         /* each wait moves by up to +-jitter_ms; -1: by
	                              up to jitter_pct percent of the wait */
	int jitter_pct;            /* 0 to 50 (10 by default) */
	int64_t max_backoff_ms;    /* the cap of the backoff on errors; 0: 5 min
	                              (at least the interval) */
	size_t max_size;           /* bytes; 0: RSL_DEFAULT_MAX_SIZE */
	int json;                  /* log lines as JSON objects */
	FILE *log;                 /* NULL: stderr */
	int live_client;           /* keep a live rsl_client on PATH (rsc_agent_client) */
	int once;                  /* one poll only: the log names no next poll */
	/* Called by the polling thread after each poll's log line (the stats
	 * then hold its outcome): rsc agent --metrics FILE.  NULL: none. */
	void (*after_poll)(struct rsc_agent *a, void *user);
	void *after_poll_user;
} rsc_agent_options;

#define RSC_AGENT_OPTIONS_INIT { NULL, NULL, NULL, NULL, 0, -1, 10, 0, 0, 0, NULL, 0, 0, \
				 NULL, NULL }

typedef struct rsc_agent rsc_agent;

/* Checks the options and starts an agent into *out (polling nothing yet):
 * the environment is o->env, else that of the snapshot at o->to (which must
 * then verify).  Returns an rsc exit code: RSC_EXIT_OK, RSC_EXIT_USAGE (a
 * bad option, no environment to be had) or RSC_EXIT_IO (no memory, the live
 * client cannot start), with a one-line reason in err. */
int rsc_agent_new(rsc_agent **out, const rsc_agent_options *o, char *err, size_t errlen);

/* Polls once: fetches (conditionally on the previous poll's tag), judges,
 * writes PATH when accepted; logs one line; counts; computes the delay
 * before the next poll. */
rsc_agent_outcome rsc_agent_poll(rsc_agent *a);

/* Polls until rsc_agent_stop, waiting next_delay_ms between polls.  Returns
 * RSC_EXIT_OK once stopped. */
int rsc_agent_run(rsc_agent *a);

/* Makes rsc_agent_run return soon (within the poll under way).
 * Async-signal-safe: call it from a SIGTERM handler. */
void rsc_agent_stop(rsc_agent *a);

/* A consistent copy of the agent's counters and state into *out. */
void rsc_agent_stats_get(rsc_agent *a, struct rsc_agent_stats *out);

/* The live client on PATH (with o->live_client), or NULL: what the node's
 * applications would serve, for OFREP and metrics.  Valid until
 * rsc_agent_free. */
rsl_client *rsc_agent_client(rsc_agent *a);

/* Stops the live client and frees everything (NULL is fine). */
void rsc_agent_free(rsc_agent *a);

#endif
