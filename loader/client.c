/*
 * client.c - rsl_client: serve the snapshot at one path while it is
 * replaced underneath, with rollback protection, last known good, a backup
 * copy, expiry, status and events.  See rsl.h and docs/operations.md.
 *
 * This file is the client's lifecycle and status; client.h lists the
 * others (evaluation, reloads, watching, test overrides, read sections).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "client.h"
#include "keyring.h"

/* Every live client, for fork (atfork_*); under clients_lock. */
static rsl_client *clients;
static pthread_mutex_t clients_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t clients_once = PTHREAD_ONCE_INIT;

void rsl__evq_add(rsl__evq *q, const char *name, int code, const char *path,
		  uint64_t version, const char *commit, const char *fmt, ...)
{
	if (q->n >= (int)(sizeof q->item / sizeof q->item[0]))
		return;
	rsl__evq_item *it = &q->item[q->n++];
	it->name = name;
	it->code = code;
	it->path = path;
	it->version = version;
	snprintf(it->commit, sizeof it->commit, "%s", commit ? commit : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(it->message, sizeof it->message, fmt, ap);
	va_end(ap);
}

static void hex(char *out, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void rsl__client_status_publish(rsl_client *c)
{
	rsl_client_status st;
	memset(&st, 0, sizeof st);
	st.ready = atomic_load(&c->serving) != NULL;
	st.stale = c->stale;
	st.failing_closed = c->failing_closed;
	st.rollback_override = c->rollback_override;
	st.from_backup = c->from_backup;
	st.testing = c->testing;
	st.watch = c->watch;
	if (c->loaded) {
		rsl_info i;
		rsl_snapshot_info(&i, c->loaded);
		st.version = i.version;
		snprintf(st.environment, sizeof st.environment, "%s", i.environment);
		snprintf(st.commit, sizeof st.commit, "%s", i.commit);
		memcpy(st.key_id, i.key_id, sizeof st.key_id);
		st.key_id[16] = '\0';
		st.flag_count = i.flag_count;
		st.issued_at = i.issued_at;
		st.expires_at = i.expires_at;
		st.loaded_at = c->loaded_at;
		hex(st.content_hash, c->hash, 32);
	}
	st.last_outcome = c->last_outcome;
	st.last_code = c->last_code;
	memcpy(st.last_error, c->last_error, sizeof st.last_error);
	st.last_refresh_at = c->last_refresh_at;
	st.reloads_accepted = c->reloads_accepted;
	st.reloads_refused = c->reloads_refused;
	st.snapshots_retiring = c->n_retiring;
	pthread_mutex_lock(&c->status_lock);
	c->status = st;
	pthread_mutex_unlock(&c->status_lock);
}

void rsl__client_unlock(rsl_client *c)
{
	rsl__client_status_publish(c);
	pthread_mutex_unlock(&c->lock);
}

/* fork(): the child has only the thread that called fork.  Every other
 * thread's read section, slot and lock is gone with it; the watching
 * threads too.  prepare takes the locks so that the child gets them in a
 * consistent state, and releases them in both processes. */
static void atfork_prepare(void)
{
	pthread_mutex_lock(&clients_lock);
	for (rsl_client *c = clients; c; c = c->next) {
		pthread_mutex_lock(&c->lock);
		pthread_mutex_lock(&c->status_lock);
	}
}

static void atfork_parent(void)
{
	for (rsl_client *c = clients; c; c = c->next) {
		pthread_mutex_unlock(&c->status_lock);
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_unlock(&clients_lock);
}

static void atfork_child(void)
{
	rsl__rd_after_fork();
	for (rsl_client *c = clients; c; c = c->next) {
		c->has_thread = 0; /* not in this process: rsl_client_free must not join it */
		c->watch = "none";
		pthread_mutex_unlock(&c->status_lock);
		rsl__client_status_publish(c);
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_unlock(&clients_lock);
}

static void clients_init(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static void retiree_close(rsl__retiree *r)
{
	rsl_close(r->snap[0]);
	rsl_close(r->snap[1]);
	rsl__ovr_free(r->ovr);
	free(r);
}

/* Closes every retiree whose grace period is done; under c->lock. */
static void reap_done(rsl_client *c)
{
	for (rsl__retiree **p = &c->retiring; *p;) {
		rsl__retiree *r = *p;
		if (!rsl__rd_gp_done(&r->gp)) {
			p = &r->next;
			continue;
		}
		*p = r->next;
		c->n_retiring--;
		retiree_close(r);
	}
}

/* Waits for the readers of everything retired so far and closes it; not
 * under c->lock (a reader holding the client may want its status). */
static void reap_wait(rsl_client *c)
{
	pthread_mutex_lock(&c->lock);
	rsl__retiree *all = c->retiring;
	c->retiring = NULL;
	c->n_retiring = 0;
	rsl__client_unlock(c);
	if (!all)
		return;
	/* Every one was put on the list after its grace period started. */
	rsl__rd_synchronize();
	while (all) {
		rsl__retiree *next = all->next;
		retiree_close(all);
		all = next;
	}
}

void rsl__evq_emit(rsl_client *c, const rsl__evq *q)
{
	int full = 0;
	if (q->retired[0] || q->retired[1] || q->retired_ovr) {
		rsl__retiree *r = malloc(sizeof *r);
		if (r) {
			r->snap[0] = q->retired[0];
			r->snap[1] = q->retired[1];
			r->ovr = q->retired_ovr;
			r->next = NULL;
			rsl__rd_gp_start(&r->gp); /* after the store that replaced them */
		}
		pthread_mutex_lock(&c->lock);
		reap_done(c);
		if (r) {
			rsl__retiree **p = &c->retiring;
			while (*p)
				p = &(*p)->next;
			*p = r;
			c->n_retiring++;
		}
		full = !r || c->n_retiring > RSL__RETIRE_MAX;
		rsl__client_unlock(c);
		if (!r) { /* out of memory: wait for the readers here */
			rsl__rd_synchronize();
			rsl_close(q->retired[0]);
			rsl_close(q->retired[1]);
			rsl__ovr_free(q->retired_ovr);
		}
	} else {
		pthread_mutex_lock(&c->lock);
		reap_done(c);
		rsl__client_unlock(c);
	}
	if (full)
		reap_wait(c);
	if (!c->on_event)
		return;
	for (int i = 0; i < q->n; i++) {
		const rsl__evq_item *it = &q->item[i];
		rsl_client_event ev = { it->name, it->code, it->message, it->path,
					it->version, it->commit[0] ? it->commit : NULL,
					NULL, NULL };
		c->on_event(&ev, c->event_user);
	}
}

char *rsl__dupstr(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

/* ------------------------------------------------------------- public API */

void rsl_client_free(rsl_client *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&clients_lock);
	if (c->prev)
		c->prev->next = c->next;
	else if (clients == c)
		clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&clients_lock);
	if (c->has_thread) {
		char b = 1;
		while (write(c->wake[1], &b, 1) < 0 && errno == EINTR)
			;
		pthread_join(c->thread, NULL);
	}
	if (c->wake[0] >= 0)
		close(c->wake[0]);
	if (c->wake[1] >= 0)
		close(c->wake[1]);
	if (c->ino_fd >= 0)
		close(c->ino_fd);
	reap_wait(c);
	rsl_close(c->loaded);
	rsl__ovr_free(atomic_load(&c->overrides));
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->status_lock);
	free(c->path);
	free(c->dir);
	free(c->base);
	free(c->backup);
	free(c->environment);
	free(c);
}

int rsl_client_new(rsl_client **out, const char *path,
		   const rsl_client_options *opts, rsl_error *err)
{
	if (err) {
		err->code = RSL_OK;
		err->message[0] = '\0';
	}
	if (!out)
		return rsl__fail(err, RSL_EINVAL, "rsl_client_new: out is NULL");
	*out = NULL;
	if (rsl__rd_depth)
		return rsl__fail(err, RSL_EINVAL, "rsl_client_new: the calling thread holds a "
			    "client (rsl_client_hold) and would wait for itself");
	if (!opts || opts->version != RSL_CLIENT_OPTIONS_VERSION)
		return rsl__fail(err, RSL_EINVAL, "rsl_client_new: options version %u, expected %u",
			    opts ? opts->version : 0u, RSL_CLIENT_OPTIONS_VERSION);
	int testing = (opts->flags & RSL_CLIENT_TESTING) != 0;
	const char *te = getenv("RSL_TESTING");
	if (testing && !(te && strcmp(te, "1") == 0))
		return rsl__fail(err, RSL_EINVAL, "RSL_CLIENT_TESTING needs RSL_TESTING=1 in the "
			    "environment: test helpers are never on in production");
	if (!path && !testing)
		return rsl__fail(err, RSL_EINVAL, "rsl_client_new: no snapshot path");
	if (path && !opts->keys)
		return rsl__fail(err, RSL_EINVAL, "rsl_client_new: no trusted keys");
	/* A client that could never accept a snapshot must not report success. */
	if (path && opts->keys->n == 0)
		return rsl__fail(err, RSL_EINVAL, "rsl_client_new: the keyring is empty: add the "
			    "public key that signs the snapshots (rsl_keyring_add_pem_file)");
	if (sodium_init() < 0)
		return rsl__fail(err, RSL_ENOMEM, "libsodium failed to initialize");
	rsl__rd_init();
	pthread_once(&clients_once, clients_init);

	size_t size = (sizeof(rsl_client) + 63) / 64 * 64;
	rsl_client *c = aligned_alloc(64, size);
	if (!c)
		return rsl__fail(err, RSL_ENOMEM, "out of memory");
	memset(c, 0, size);
	atomic_init(&c->serving, NULL);
	atomic_init(&c->overrides, NULL);
	c->testing = testing;
	c->on_event = opts->on_event;
	c->event_user = opts->event_user;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->status_lock, NULL);
	c->keys = opts->keys;
	c->flags = opts->flags;
	c->poll_ms = opts->poll_interval_ms ? opts->poll_interval_ms : 1000;
	c->max_size = opts->max_size ? opts->max_size : RSL_DEFAULT_MAX_SIZE;
	c->last_outcome = "none";
	c->watch = "none";
	c->wake[0] = c->wake[1] = c->ino_fd = c->wd = -1;
	pthread_mutex_lock(&c->lock);
	rsl__client_unlock(c);
	pthread_mutex_lock(&clients_lock);
	c->next = clients;
	if (clients)
		clients->prev = c;
	clients = c;
	pthread_mutex_unlock(&clients_lock);
	int rc = RSL_ENOMEM;
	if ((path && !(c->path = rsl__dupstr(path))) ||
	    (opts->backup_path && !(c->backup = rsl__dupstr(opts->backup_path))) ||
	    (opts->environment && !(c->environment = rsl__dupstr(opts->environment))))
		goto fail;
	if (path) {
		const char *slash = strrchr(path, '/');
		c->base = rsl__dupstr(slash ? slash + 1 : path);
		c->dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path))
			       : rsl__dupstr(".");
		if (!c->base || !c->dir)
			goto fail;
		rsl__evq q = { 0 };
		rsl_error first = { 0, "" };
		pthread_mutex_lock(&c->lock);
		if (c->backup)
			rsl__client_load_backup(c, &q);
		rsl__client_check_primary(c, &q, 1, &first);
		rsl__client_check_expiry(c, &q);
		if (!c->loaded && first.code == RSL_OK)
			rsl__fail(&first, c->last_code, "%s", c->last_error);
		rsl__client_unlock(c);
		rsl__evq_emit(c, &q);
		if (err && !c->loaded)
			*err = first;
		if (!(c->flags & RSL_CLIENT_NO_THREAD) && (rc = rsl__client_start_watch(c, err)) != RSL_OK)
			goto fail;
		pthread_mutex_lock(&c->lock);
		rsl__client_unlock(c); /* the status says how it watches */
	}
	*out = c;
	return RSL_OK;
fail:
	if (rc == RSL_ENOMEM)
		rsl__fail(err, rc, "out of memory");
	rsl_client_free(c);
	return rc;
}

int rsl_client_refresh(rsl_client *c, rsl_error *err)
{
	if (!c)
		return rsl__fail(err, RSL_EINVAL, "rsl_client_refresh: no client");
	if (rsl__rd_depth)
		return rsl__fail(err, RSL_EINVAL, "rsl_client_refresh: the calling thread holds "
			    "the client (rsl_client_hold) and would wait for itself");
	if (!c->path)
		return RSL_OK;
	rsl__evq q = { 0 };
	pthread_mutex_lock(&c->lock);
	int rc = rsl__client_check_primary(c, &q, 1, err);
	rsl__client_check_expiry(c, &q);
	rsl__client_unlock(c);
	rsl__evq_emit(c, &q);
	if (rc == RSL_OK && err) {
		err->code = RSL_OK;
		err->message[0] = '\0';
	}
	return rc;
}

void rsl_client_status_get(rsl_client_status *out, rsl_client *c)
{
	memset(out, 0, sizeof *out);
	out->watch = "none";
	out->last_outcome = "none";
	if (!c)
		return;
	pthread_mutex_lock(&c->status_lock);
	*out = c->status;
	pthread_mutex_unlock(&c->status_lock);
	out->ready = atomic_load(&c->serving) != NULL;
	if (out->content_hash[0]) /* a snapshot is loaded */
		out->age = rsl__now_wall() - out->issued_at;
	out->evaluations = out->misses = out->errors = 0;
	unsigned n = atomic_load(&rsl__rd_used);
	for (unsigned i = 0; i <= n && i <= RSL__SLOTS; i++) {
		const rsl__ctr_slot *k = i < n && i < RSL__SLOTS ? &c->ctr[i] : &c->shared_ctr;
		out->evaluations += atomic_load_explicit(&k->evals, memory_order_relaxed);
		out->misses += atomic_load_explicit(&k->misses, memory_order_relaxed);
		out->errors += atomic_load_explicit(&k->errors, memory_order_relaxed);
	}
}
