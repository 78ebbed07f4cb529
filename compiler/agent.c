/*
 * agent.c - rsc agent's engine (see agent.h): poll, judge, rename into
 * place, log, back off.  The judging is the library's
 * (rsl__succession_judge), the same function the live client calls, so
 * that what the agent writes is what the node's clients accept.
 */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "atomic.h"
#include "cli.h"
#include "diag.h"
#include "fetch.h"
#include "../loader/file.h"
#include "../loader/names.h"
#include "../loader/succession.h"

#define DEFAULT_INTERVAL_MS 10000
#define DEFAULT_MAX_BACKOFF_MS (5 * 60 * 1000)

struct rsc_agent {
	rsc_agent_options o;
	char env[72];
	char tag[512];          /* the source's tag at the last download judged */
	struct stat path_st;    /* PATH as that download left it (st_ino 0: none) */
	int tag_refused;        /* ... and what it served was refused: */
	char refusal[400];      /* why */
	rsl_snapshot *held;     /* what PATH holds, as last verified or written */
	unsigned char held_hash[32]; /* of its bytes */
	rsl_client *client;
	int wake[2];            /* rsc_agent_stop writes, rsc_agent_run waits */
	volatile sig_atomic_t stopping;
	pthread_mutex_t lock;   /* stats, for other threads */
	struct rsc_agent_stats st;
};

const char *rsc_agent_outcome_name(rsc_agent_outcome o)
{
	static const char *const names[] = { "updated", "unchanged", "refused", "error" };
	return (unsigned)o < 4 ? names[o] : "?";
}

const char *rsc_agent_error_kind_name(int kind)
{
	return kind == RSC_AGENT_ERR_WRITE ? "write" : "source";
}

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* The snapshot at PATH, verified for env (NULL: any) with the agent's keys,
 * into *out; its bytes into *f (released by the caller) when f is not NULL.
 * RSL_OK or the refusal, with e filled. */
static int open_path(rsl_snapshot **out, rsl__file *f, const rsc_agent *a, const char *env,
		     rsl_error *e)
{
	rsl__file mine;
	rsl__file *use = f ? f : &mine;
	*out = NULL;
	int rc = rsl__file_read(use, a->o.to, a->o.max_size, 0, e);
	if (rc == RSL_OK) {
		rsl_open_options oo = RSL_OPEN_OPTIONS_INIT;
		oo.keys = a->o.keys;
		oo.environment = env;
		oo.max_size = a->o.max_size;
		rc = rsl_open_buffer(out, use->data ? use->data : (const unsigned char *)"",
				     use->len, &oo, e);
	}
	if (!f)
		rsl__file_release(use);
	return rc;
}

/* Makes s, from bytes p[0..n), what PATH holds (taking s), in held and
 * the stats. */
static void hold(rsc_agent *a, rsl_snapshot *s, const unsigned char *p, size_t n)
{
	rsl_close(a->held);
	a->held = s;
	crypto_generichash(a->held_hash, sizeof a->held_hash, p, n, NULL, 0);
	rsl_info i;
	rsl_snapshot_info(&i, s);
	pthread_mutex_lock(&a->lock);
	a->st.version = i.version;
	snprintf(a->st.commit, sizeof a->st.commit, "%s", i.commit);
	a->st.issued_at = i.issued_at;
	a->st.expires_at = i.expires_at;
	pthread_mutex_unlock(&a->lock);
}

int rsc_agent_new(rsc_agent **out, const rsc_agent_options *o, char *err, size_t errlen)
{
	*out = NULL;
	if (!o->from || !o->to)
		return fail(err, errlen, RSC_EXIT_USAGE, "--from URL and --to PATH are required");
	if (!o->keys)
		return fail(err, errlen, RSC_EXIT_USAGE, "no trusted key: give --pub FILE");
	if (o->env && !rsl__is_key(o->env, strlen(o->env)))
		return fail(err, errlen, RSC_EXIT_USAGE, "--env '%s': expected %s", o->env,
			    RSL__KEY_RULE);
	if (o->interval_ms < 0 || o->max_backoff_ms < 0 || o->jitter_pct < 0 || o->jitter_pct > 50)
		return fail(err, errlen, RSC_EXIT_USAGE, "a negative interval or backoff, or "
			    "a jitter over 50%%");
	if (sodium_init() < 0)
		return fail(err, errlen, RSC_EXIT_IO, "libsodium cannot start");
	rsc_agent *a = calloc(1, sizeof *a);
	if (!a)
		return fail(err, errlen, RSC_EXIT_IO, "out of memory");
	a->o = *o;
	a->wake[0] = a->wake[1] = -1;
	pthread_mutex_init(&a->lock, NULL);
	if (!a->o.interval_ms)
		a->o.interval_ms = DEFAULT_INTERVAL_MS;
	if (!a->o.max_backoff_ms)
		a->o.max_backoff_ms = DEFAULT_MAX_BACKOFF_MS;
	if (a->o.max_backoff_ms < a->o.interval_ms)
		a->o.max_backoff_ms = a->o.interval_ms;
	if (!a->o.max_size)
		a->o.max_size = RSL_DEFAULT_MAX_SIZE;
	if (!a->o.log)
		a->o.log = stderr;
	int rc = RSC_EXIT_IO;

	rsl_snapshot *cur = NULL;
	rsl_error e = { 0, "" };
	rsl__file pf;
	int orc = open_path(&cur, &pf, a, o->env, &e);
	if (!o->env && orc != RSL_OK) {
		rsl__file_release(&pf);
		rc = fail(err, errlen, RSC_EXIT_USAGE,
			  "which environment? give --env ENV (%s: %s)", o->to, e.message);
		goto out;
	}
	if (o->env) {
		snprintf(a->env, sizeof a->env, "%s", o->env);
	} else {
		rsl_info i;
		rsl_snapshot_info(&i, cur);
		snprintf(a->env, sizeof a->env, "%s", i.environment);
	}
	snprintf(a->st.env, sizeof a->st.env, "%s", a->env);
	if (cur)
		hold(a, cur, pf.data, pf.len);
	rsl__file_release(&pf);

	if (pipe(a->wake) != 0) {
		rc = fail(err, errlen, RSC_EXIT_IO, "pipe: %s", strerror(errno));
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(a->wake[i], F_SETFD, FD_CLOEXEC);
		fcntl(a->wake[i], F_SETFL, O_NONBLOCK);
	}
	if (o->live_client) {
		rsl_client_options co = RSL_CLIENT_OPTIONS_INIT;
		co.keys = o->keys;
		co.environment = a->env;
		co.max_size = a->o.max_size;
		if (rsl_client_new(&a->client, o->to, &co, &e) != RSL_OK) {
			rc = fail(err, errlen, RSC_EXIT_IO, "the live client on %s cannot start: %s",
				  o->to, e.message);
			goto out;
		}
	}
	*out = a;
	return RSC_EXIT_OK;
out:
	rsc_agent_free(a);
	return rc;
}

/* For waits: a clock that setting the time does not move. */
static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The wait before the next poll: the interval, doubled per consecutive
 * error up to the cap, moved by a uniform jitter so that a fleet started
 * together does not poll together. */
static int64_t next_delay(const rsc_agent *a, unsigned errors)
{
	int64_t d = a->o.interval_ms;
	for (unsigned i = 0; i < errors && d < a->o.max_backoff_ms; i++)
		d *= 2;
	if (d > a->o.max_backoff_ms)
		d = a->o.max_backoff_ms;
	int64_t j = a->o.jitter_ms < 0 ? d * a->o.jitter_pct / 100 : a->o.jitter_ms;
	if (j > d / 2)
		j = d / 2; /* never a burst of polls */
	if (j > INT32_MAX / 2)
		j = INT32_MAX / 2;
	if (j > 0)
		d += (int64_t)randombytes_uniform((uint32_t)(2 * j + 1)) - j;
	return d;
}

static void log_line(const rsc_agent *a, const struct rsc_agent_stats *s,
		     rsc_agent_outcome oc)
{
	FILE *f = a->o.log;
	char ts[RSC_TIME_MAX];
	rsc_cli_utc_time(ts, s->last_poll_at);
	const char *name = rsc_agent_outcome_name(oc);
	if (a->o.json) {
		fprintf(f, "{\"time\":\"%s\",\"outcome\":\"%s\",\"env\":", ts, name);
		rsc_json_string(f, s->env, strlen(s->env));
		if (s->version) {
			fprintf(f, ",\"version\":%llu,\"commit\":", (unsigned long long)s->version);
			rsc_json_string(f, s->commit, strlen(s->commit));
		} else
			fputs(",\"version\":null,\"commit\":null", f);
		fputs(",\"reason\":", f);
		rsc_json_string(f, s->last_reason, strlen(s->last_reason));
		fputs("}\n", f);
	} else {
		fprintf(f, "%s %s env=%s", ts, name, s->env);
		if (s->version)
			fprintf(f, " version=%llu commit=%.12s", (unsigned long long)s->version,
				s->commit);
		fputs(": ", f);
		/* One line, whatever a path or a message holds. */
		for (const char *p = s->last_reason; *p; p++)
			fputc((unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p, f);
		fputc('\n', f);
	}
	fflush(f);
}

/* Records the poll's outcome, logs it and schedules the next poll. */
static rsc_agent_outcome finish(rsc_agent *a, rsc_agent_outcome oc, int kind,
				const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static rsc_agent_outcome finish(rsc_agent *a, rsc_agent_outcome oc, int kind,
				const char *fmt, ...)
{
	pthread_mutex_lock(&a->lock);
	struct rsc_agent_stats *s = &a->st;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->last_reason, sizeof s->last_reason, fmt, ap);
	va_end(ap);
	s->has_outcome = 1;
	s->last_outcome = oc;
	s->last_error_kind = kind;
	switch (oc) {
	case RSC_AGENT_UPDATED: s->updates++; break;
	case RSC_AGENT_UNCHANGED: s->unchanged++; break;
	case RSC_AGENT_REFUSED: s->refusals++; break;
	case RSC_AGENT_ERROR: s->errors[kind]++; break;
	}
	if (oc == RSC_AGENT_UPDATED || oc == RSC_AGENT_UNCHANGED)
		s->last_success_at = s->last_poll_at;
	s->consecutive_errors = oc == RSC_AGENT_ERROR ? s->consecutive_errors + 1 : 0;
	s->next_delay_ms = next_delay(a, s->consecutive_errors);
	if (oc == RSC_AGENT_ERROR) {
		size_t n = strlen(s->last_reason);
		if (a->o.once)
			snprintf(s->last_reason + n, sizeof s->last_reason - n,
				 "; keeping what %s holds", a->o.to);
		else
			snprintf(s->last_reason + n, sizeof s->last_reason - n,
				 "; keeping what %s holds, next poll in %.1fs", a->o.to,
				 (double)s->next_delay_ms / 1000.0);
	}
	struct rsc_agent_stats copy = *s;
	pthread_mutex_unlock(&a->lock);
	log_line(a, &copy, oc); /* a slow stderr never holds up the stats' readers */
	if (a->o.after_poll)
		a->o.after_poll(a, a->o.after_poll_user);
	return oc;
}

static int same_file(const struct stat *x, const struct stat *y)
{
	return x->st_dev == y->st_dev && x->st_ino == y->st_ino && x->st_size == y->st_size &&
	       x->st_mtim.tv_sec == y->st_mtim.tv_sec && x->st_mtim.tv_nsec == y->st_mtim.tv_nsec;
}

/* Remembers PATH as this poll leaves it. */
static void note_path(rsc_agent *a)
{
	if (stat(a->o.to, &a->path_st) != 0)
		memset(&a->path_st, 0, sizeof a->path_st);
}

rsc_agent_outcome rsc_agent_poll(rsc_agent *a)
{
	pthread_mutex_lock(&a->lock);
	a->st.polls++;
	a->st.last_poll_at = (int64_t)time(NULL);
	pthread_mutex_unlock(&a->lock);

	/* PATH changed by someone else since (deleted, replaced): the source's
	 * tag says nothing about it any more, so judge the source again. */
	struct stat now;
	if (stat(a->o.to, &now) != 0 || !same_file(&now, &a->path_st))
		a->tag[0] = '\0';

	char err[512];
	rsc_fetched f;
	int fr = rsc_fetch(a->o.from, a->env, a->tag, a->o.max_size, &f, err, sizeof err);
	if (fr == RSC_FETCH_ERROR)
		return finish(a, RSC_AGENT_ERROR, RSC_AGENT_ERR_SOURCE, "%s", err);
	if (fr == RSC_FETCH_UNCHANGED && a->tag_refused)
		return finish(a, RSC_AGENT_REFUSED, 0, "still refused (the source has not "
			      "changed): %s", a->refusal);
	if (fr == RSC_FETCH_UNCHANGED)
		return finish(a, RSC_AGENT_UNCHANGED, 0, "the source has not changed");

	pthread_mutex_lock(&a->lock);
	a->st.downloads++;
	pthread_mutex_unlock(&a->lock);
	rsc_agent_outcome oc;

	/* What PATH holds now (another writer may have been at it), else what
	 * this agent last saw there: the floor the download must pass. */
	rsl__file pf;
	rsl_snapshot *cur = NULL;
	rsl_error e = { 0, "" };
	int same = 0;
	if (open_path(&cur, &pf, a, a->env, &e) == RSL_OK) {
		hold(a, cur, pf.data, pf.len);
		same = pf.len == f.len && pf.data && memcmp(pf.data, f.data, f.len) == 0;
	}
	rsl__file_release(&pf);
	snprintf(a->tag, sizeof a->tag, "%s", f.tag);
	a->tag_refused = 0;
	if (same) {
		oc = finish(a, RSC_AGENT_UNCHANGED, 0, "the source serves what %s holds",
			    a->o.to);
		goto out;
	}

	rsl_open_options oo = RSL_OPEN_OPTIONS_INIT;
	oo.keys = a->o.keys;
	oo.environment = a->env;
	oo.max_size = a->o.max_size;
	rsl_snapshot *s = NULL;
	int renewal = 0;
	/* What this agent last saw at PATH, which is gone or was replaced:
	 * put back, judged again but not against itself. */
	unsigned char h[32];
	crypto_generichash(h, sizeof h, f.data, f.len, NULL, 0);
	int restore = a->held && memcmp(h, a->held_hash, 32) == 0;
	int rc = rsl__succession_judge(&s, &renewal, f.data, f.len, &oo,
				       restore ? NULL : a->held, a->o.from, &e);
	if (rc != RSL_OK) {
		rsl_close(s);
		a->tag_refused = 1;
		snprintf(a->refusal, sizeof a->refusal, "%s: %s", rsl_strerror(rc), e.message);
		oc = finish(a, RSC_AGENT_REFUSED, 0, "%s", a->refusal);
		goto out;
	}
	if (rsc_atomic_write(a->o.to, f.data, f.len, 0644, 0, err, sizeof err) != 0) {
		rsl_close(s);
		a->tag[0] = '\0'; /* download again next time */
		oc = finish(a, RSC_AGENT_ERROR, RSC_AGENT_ERR_WRITE, "%s", err);
		goto out;
	}
	hold(a, s, f.data, f.len);
	if (a->client)
		rsl_client_refresh(a->client, NULL); /* serve it now, not at the next event */
	rsl_info i;
	rsl_snapshot_info(&i, s);
	oc = finish(a, RSC_AGENT_UPDATED, 0, "version %llu (commit %.12s) from %s written to %s%s",
		    (unsigned long long)i.version, i.commit, a->o.from, a->o.to,
		    renewal ? " (a renewal: the same rules, issued later)"
		    : restore ? " (put back: it was no longer there)" : "");
out:
	note_path(a);
	rsc_fetched_free(&f);
	return oc;
}

int rsc_agent_run(rsc_agent *a)
{
	while (!a->stopping) {
		rsc_agent_poll(a);
		struct rsc_agent_stats s;
		rsc_agent_stats_get(a, &s);
		int64_t until = mono_ms() + s.next_delay_ms;
		for (;;) {
			if (a->stopping)
				break;
			int64_t left = until - mono_ms();
			if (left <= 0)
				break;
			struct pollfd p = { a->wake[0], POLLIN, 0 };
			int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
			if (r > 0) {
				char buf[16];
				while (read(a->wake[0], buf, sizeof buf) > 0)
					;
			}
		}
	}
	return RSC_EXIT_OK;
}

void rsc_agent_stop(rsc_agent *a)
{
	a->stopping = 1;
	int saved = errno;
	if (a->wake[1] >= 0 && write(a->wake[1], "x", 1) < 0) {
		/* full: a wake-up is pending already */
	}
	errno = saved;
}

void rsc_agent_stats_get(rsc_agent *a, struct rsc_agent_stats *out)
{
	pthread_mutex_lock(&a->lock);
	*out = a->st;
	pthread_mutex_unlock(&a->lock);
}

rsl_client *rsc_agent_client(rsc_agent *a)
{
	return a->client;
}

void rsc_agent_free(rsc_agent *a)
{
	if (!a)
		return;
	rsl_client_free(a->client);
	rsl_close(a->held);
	for (int i = 0; i < 2; i++)
		if (a->wake[i] >= 0)
			close(a->wake[i]);
	pthread_mutex_destroy(&a->lock);
	free(a);
}
