/* watch.c - following a snapshot path with the live client and printing
 * each refresh outcome, and a flag's decision after each accepted
 * snapshot; see watch.h.  A client of rsl.h only. */
#include "watch.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

typedef struct watch {
	pthread_mutex_t lock;  /* recursive: events come from rsl_client_new too */
	rsl_client *client;    /* NULL until rsl_client_new returns */
	int pending;           /* an accepted snapshot whose decision is unprinted */
	uint64_t version;      /* that snapshot's version */
	const char *flag;
	const rsl_context *ctx;
	atomic_int events;
} watch;

static void stamp(char out[RSC_TIME_MAX])
{
	rsc_cli_utc_time(out, (int64_t)time(NULL));
}

/* The flag's decision in the snapshot accepted as `version`, whatever its
 * type.  The first one is accepted inside rsl_client_new, and its decision
 * printed once that returns: by then the client's thread may already serve a
 * newer one, whose own outcome and decision follow; a decision is never
 * printed under an older version's line.  Nothing served (failing closed):
 * the fallback's error. */
static void print_decision(watch *w, uint64_t version)
{
	char ts[RSC_TIME_MAX];
	stamp(ts);
	const rsl_snapshot *s = rsl_client_hold(w->client);
	rsl_info in;
	if (s)
		rsl_snapshot_info(&in, s);
	if (s && in.version != version) {
		printf("%s   %s: not evaluated: version %llu was replaced by %llu first\n", ts,
		       w->flag, (unsigned long long)version, (unsigned long long)in.version);
		rsl_client_release(w->client);
		return;
	}
	rsl_result r;
	static const rsl_type types[] = { RSL_BOOLEAN, RSL_STRING, RSL_INTEGER, RSL_FLOAT,
					  RSL_OBJECT };
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		rsl_evaluate(&r, s, w->flag, types[i], w->ctx, NULL);
		if (r.error != RSL_ERR_TYPE_MISMATCH)
			break;
	}
	printf("%s   %s = ", ts, w->flag);
	if (r.reason == RSL_REASON_ERROR) {
		printf("(fallback) error %s\n", rsl_error_code_name(r.error));
		rsl_client_release(w->client);
		return;
	}
	switch (r.value.type) {
	case RSL_BOOLEAN:
		printf("%s", r.value.b ? "true" : "false");
		break;
	case RSL_INTEGER:
		printf("%lld", (long long)r.value.i);
		break;
	case RSL_FLOAT:
		printf("%.17g", r.value.f);
		break;
	default:
		printf("%s%.*s%s", r.value.type == RSL_STRING ? "\"" : "", (int)r.value.len,
		       r.value.s ? r.value.s : "", r.value.type == RSL_STRING ? "\"" : "");
		break;
	}
	printf(" (variant %s, %s", r.variant ? r.variant : "-", rsl_reason_name(r.reason));
	if (r.rule_name)
		printf(", rule %d '%s'", r.rule_index + 1, r.rule_name);
	if (r.file)
		printf(", %s:%u", r.file, r.line);
	printf(")\n");
	rsl_client_release(w->client);
}

static void on_event(const rsl_client_event *ev, void *user)
{
	watch *w = user;
	const char *kind;
	if (strcmp(ev->name, RSL_EVENT_ACCEPTED) == 0)
		kind = "accepted";
	else if (strcmp(ev->name, RSL_EVENT_REFUSED) == 0)
		kind = "refused";
	else if (strcmp(ev->name, RSL_EVENT_STALE) == 0)
		kind = "stale";
	else if (strcmp(ev->name, RSL_EVENT_ROLLBACK_OVERRIDE) == 0)
		kind = "rollback-override";
	else if (strcmp(ev->name, RSL_EVENT_BACKUP_FAILED) == 0)
		kind = "backup-failed";
	else
		return; /* evaluation events: not refresh outcomes */
	pthread_mutex_lock(&w->lock);
	char ts[RSC_TIME_MAX];
	stamp(ts);
	if (ev->code != RSL_OK)
		printf("%s %s %s: %s\n", ts, kind, rsl_strerror(ev->code), ev->message);
	else
		printf("%s %s %s\n", ts, kind, ev->message);
	if (w->flag && strcmp(kind, "accepted") == 0) {
		if (w->client) {
			print_decision(w, ev->version);
		} else {
			w->pending = 1;
			w->version = ev->version;
		}
	}
	fflush(stdout);
	atomic_fetch_add(&w->events, 1);
	pthread_mutex_unlock(&w->lock);
}

int rsc_watch_run(const rsc_watch_options *o)
{
	rsl_client_options co = o->client;
	pthread_mutexattr_t ma;
	rsl_error e;
	watch w;
	memset(&w, 0, sizeof w);
	atomic_init(&w.events, 0);
	w.flag = o->flag;
	w.ctx = o->ctx;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&w.lock, &ma);
	pthread_mutexattr_destroy(&ma);
	int rc = RSC_EXIT_OK;
	long max_events = o->max_events, timeout = o->timeout;
	const char *path = o->path, *cmd = "watch";

	/* Signals are taken synchronously by this thread: block them before the
	 * client's thread starts, so that it inherits the mask. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	co.on_event = on_event;
	co.event_user = &w;
	rsl_client *client = NULL;
	pthread_mutex_lock(&w.lock);
	int r = rsl_client_new(&client, path, &co, &e);
	w.client = client;
	if (r == RSL_OK && w.pending)
		print_decision(&w, w.version);
	fflush(stdout);
	pthread_mutex_unlock(&w.lock);
	if (r != RSL_OK) {
		rsc_errorf(cmd, "%s", e.message);
		rc = RSC_EXIT_IO;
		goto out;
	}

	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct timespec tick = { 0, 50 * 1000 * 1000 };
		int sig = sigtimedwait(&sigs, NULL, &tick);
		if (sig == SIGINT || sig == SIGTERM)
			break;
		if (max_events && atomic_load(&w.events) >= max_events)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout && now.tv_sec - start.tv_sec >= timeout)
			break;
	}
	rsl_client_free(client);
out:
	pthread_mutex_destroy(&w.lock);
	return rc;
}
