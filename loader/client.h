/*
 * client.h - the live client's internals, shared by its files (internal to
 * librsl; tests look at rsl__client_thread_slot):
 *
 *   client.c          lifecycle and status: rsl_client_new/free/refresh,
 *                     rsl_client_status_get, events, fork
 *   client_eval.c     evaluation: rsl_client_evaluate, the typed calls,
 *                     explain, hold/release
 *   client_reload.c   judging a file and swapping it in: rollback, replay,
 *                     expiry, last known good, the backup copy
 *   client_watch.c    the watching thread (inotify, polling)
 *   client_testing.c  test overrides (rsl_testing.h)
 *   client_rcu.c      read sections and grace periods (client_rcu.h)
 *   file.c            the checked read of a snapshot file, as rsl_open's
 */
#ifndef RSL_CLIENT_INTERNAL_H
#define RSL_CLIENT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "client_rcu.h"
#include "rsl.h"
#include "rsl_testing.h"

typedef struct rsl__ctr_slot {
	_Alignas(64) _Atomic uint64_t evals;
	_Atomic uint64_t misses;
	_Atomic uint64_t errors;
} rsl__ctr_slot;

typedef struct rsl__ovr_item {
	char *key;
	char *variant;     /* a variant of the served snapshot, or NULL */
	rsl_value value;   /* when variant is NULL; value.s owned */
} rsl__ovr_item;

typedef struct rsl__ovr_table {
	size_t n;
	rsl__ovr_item item[];
} rsl__ovr_table;

/* What stat() says about a file: a changed signature means a new file. */
typedef struct rsl__filesig {
	int missing;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
} rsl__filesig;

/* What a reload replaced, closed once the readers that may still use it
 * are gone (its grace period is done).  At most RSL__RETIRE_MAX wait per
 * client: a reload that would add one more first waits for the readers
 * (each waiting entry holds a whole snapshot in memory). */
#define RSL__RETIRE_MAX 8

typedef struct rsl__retiree {
	struct rsl__retiree *next;
	rsl_snapshot *snap[2];
	rsl__ovr_table *ovr;
	rsl__rd_gp gp;
} rsl__retiree;

struct rsl_client {
	rsl__ctr_slot ctr[RSL__SLOTS]; /* first: cache-line aligned */
	rsl__ctr_slot shared_ctr;
	_Atomic(const rsl_snapshot *) serving; /* what readers evaluate */
	_Atomic(rsl__ovr_table *) overrides;
	int testing;
	rsl_client_event_fn on_event;
	void *event_user;
	_Atomic int64_t miss_second;  /* miss events: the second counted, */
	atomic_uint miss_events;      /* and how many were emitted in it */

	/* What rsl_client_status_get reports, but the counters and age: copied
	 * by the writers under status_lock, which nothing holds for long, so
	 * that the status never waits behind a reload. */
	pthread_mutex_t status_lock;
	rsl_client_status status;
	rsl_client *next, *prev;      /* every live client, for fork */

	/* Everything below is the writers' (the thread, refresh), under lock. */
	pthread_mutex_t lock;
	char *path, *dir, *base, *backup, *environment;
	const rsl_keyring *keys;
	unsigned flags;
	unsigned poll_ms;
	size_t max_size;
	rsl_snapshot *loaded;       /* served, or kept while failing closed */
	unsigned char hash[32];     /* of loaded's file */
	int has_sig;
	rsl__filesig sig;                /* of the primary file last examined */
	int has_refused_hash;
	unsigned char refused_hash[32];
	int stale, failing_closed, rollback_override, from_backup;
	int64_t loaded_at, last_refresh_at;
	const char *last_outcome;
	int last_code;
	char last_error[256];
	uint64_t reloads_accepted, reloads_refused;
	const char *watch;
	rsl__retiree *retiring;     /* oldest first */
	size_t n_retiring;

	pthread_t thread;
	int has_thread;
	int wake[2];
	int ino_fd, wd;
};

/* What a writer does after releasing the lock: retire what readers may
 * still hold, close what they no longer hold, deliver events.  (A reader
 * holding the client may call rsl_client_status_get, which takes the lock:
 * nothing waits for readers while holding it.) */
typedef struct rsl__evq_item {
	const char *name;
	int code;
	const char *path;
	uint64_t version;
	char commit[48];
	char message[400];
} rsl__evq_item;

typedef struct rsl__evq {
	int n;
	rsl__evq_item item[6];
	rsl_snapshot *retired[2];/* close after the grace period (at start the
	                            backup and then the primary may replace) */
	rsl__ovr_table *retired_ovr;
} rsl__evq;

/* client.c */
void rsl__evq_add(rsl__evq *q, const char *name, int code, const char *path,
		  uint64_t version, const char *commit, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* After a writer released the lock: puts what was replaced on the retire
 * list (its grace period started now), closes every retired thing whose
 * grace period is done, without waiting for a reader unless the list is
 * full, and delivers the events. */
void rsl__evq_emit(rsl_client *c, const rsl__evq *q);
/* Copies the writers' state to c->status; under c->lock. */
void rsl__client_status_publish(rsl_client *c);
/* Unlocks the writers' lock after publishing the status. */
void rsl__client_unlock(rsl_client *c);
/* A malloc'ed copy of s, or NULL (s NULL or out of memory). */
char *rsl__dupstr(const char *s);

static inline int64_t rsl__now_wall(void)
{
	return (int64_t)time(NULL);
}

/* client_reload.c, under c->lock */
/* Examines the primary file; force reads it even when stat says unchanged. */
int rsl__client_check_primary(rsl_client *c, rsl__evq *q, int force, rsl_error *err);
/* Loads the backup copy, at start. */
void rsl__client_load_backup(rsl_client *c, rsl__evq *q);
/* Marks the served snapshot stale once past its expires_at (and stops
 * serving it with RSL_CLIENT_FAIL_CLOSED). */
void rsl__client_check_expiry(rsl_client *c, rsl__evq *q);

/* client_eval.c: a detailed evaluation in two halves for detail.c.  Inside
 * the caller's read section (rsl__rd_enter), the decision, with the
 * snapshot it read in *snap (NULL when none; it stays valid until the read
 * section ends); after rsl__rd_exit, the counting and the miss event, with
 * *version as the first half left it. */
int rsl__client_eval_in(rsl_result *out, const rsl_snapshot **snap, rsl_client *c,
			const char *key, rsl_type expected, const rsl_context *ctx,
			const rsl_value *fb, uint64_t *version);
void rsl__client_after(rsl_client *c, const char *key, rsl_error_code e,
		       uint64_t version);

/* client_watch.c */
/* Starts the thread that watches c->path (inotify, else polling). */
int rsl__client_start_watch(rsl_client *c, rsl_error *err);

/* client_testing.c */
void rsl__ovr_free(rsl__ovr_table *t);
/* The test override of key, if any: 1 when it decided *out. */
int rsl__client_override_eval(rsl_result *out, rsl_client *c, const rsl_snapshot *s,
			      const char *key, rsl_type expected, const rsl_value *fb);

#endif
