/*
 * client_reload.c - judging a snapshot file for the live client and
 * swapping it in: the checks of rsl_open, then rollback and replay
 * protection, last known good (a refused file leaves the served one in
 * place), expiry, and the backup copy written like Redis's rdb.c.  Every
 * function here runs under c->lock; the caller emits the events queued.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "client.h"
#include "snap.h"
#include "freshness.h"
#include "file.h"
#include "keyring.h"
#include "succession.h"

static void sig_from(rsl__filesig *sig, const struct stat *st)
{
	memset(sig, 0, sizeof *sig);
	sig->dev = st->st_dev;
	sig->ino = st->st_ino;
	sig->size = st->st_size;
	sig->mtime = st->st_mtim;
	sig->ctime = st->st_ctim;
}

static int sig_eq(const rsl__filesig *a, const rsl__filesig *b)
{
	if (a->missing || b->missing)
		return a->missing == b->missing;
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* A file changed within the last 2 s may change again with the same
 * signature (coarse timestamps, a reused inode): read it again, like git's
 * "racily clean" entries. */
static int sig_racy(const rsl__filesig *s)
{
	return !s->missing && rsl__now_wall() - (int64_t)s->ctime.tv_sec < 2;
}

/* The signature of the file rsl__file_read looked at. */
static void sig_of(rsl__filesig *sig, const rsl__file *f)
{
	if (f->has_stat) {
		sig_from(sig, &f->st);
	} else {
		memset(sig, 0, sizeof *sig);
		sig->missing = f->missing;
	}
}

/* An empty file has no buffer: its bytes are "" (refused by the decoder). */
static const unsigned char *bytes_of(const rsl__file *f)
{
	return f->data ? f->data : (const unsigned char *)"";
}

/* Writes bytes to path like rdb.c: temp file, fsync, rename, fsync dir. */
static int write_atomic(const char *path, const unsigned char *buf, size_t n,
			rsl_error *err)
{
	char tmp[PATH_MAX];
	/* A unique name (two clients of one process may write the same backup),
	 * created new (O_EXCL: never through a planted link), then given the
	 * mode the reader expects whatever the umask. */
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= sizeof tmp)
		return rsl__fail(err, RSL_EIO, "%s: path too long", path);
	int fd = mkstemp(tmp); /* O_CREAT | O_EXCL, mode 0600 */
	if (fd < 0)
		return rsl__fail(err, RSL_EIO, "%s: cannot create: %s", tmp, strerror(errno));
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (fchmod(fd, 0644) != 0)
		goto io;
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto io;
		done += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto io;
	if (close(fd) != 0) {
		fd = -1;
		goto io;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto io;
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return RSL_OK;
io:;
	int e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rsl__fail(err, RSL_EIO, "%s: cannot write: %s", path, strerror(e));
}

/* Publishes snap to readers at once, whatever they are doing: what it
 * replaces is closed by rsl__evq_emit once their grace period is done. */
static void publish(rsl_client *c, const rsl_snapshot *snap)
{
	/* The status first: who sees the new snapshot served sees its status. */
	rsl__client_status_publish(c);
	atomic_store(&c->serving, snap);
}

void rsl__client_check_expiry(rsl_client *c, rsl__evq *q)
{
	int stale = 0;
	rsl_info i;
	char fresh[160] = "";
	if (c->loaded) {
		rsl_snapshot_info(&i, c->loaded);
		stale = rsl__freshness(fresh, sizeof fresh, i.expires_at, rsl__now_wall());
	}
	int closed = stale && (c->flags & RSL_CLIENT_FAIL_CLOSED);
	if (stale && !c->stale)
		rsl__evq_add(q, RSL_EVENT_STALE, RSL_OK, c->path, i.version, i.commit,
			"version %llu: %s; %s", (unsigned long long)i.version, fresh,
			closed ? "failing closed: serving the callers' fallbacks"
			       : "still serving it, degraded");
	c->stale = stale;
	if (closed != c->failing_closed) {
		c->failing_closed = closed;
		publish(c, closed ? NULL : c->loaded);
	}
}

/* Records a refusal (once per distinct file and reason) and returns code. */
static int refuse(rsl_client *c, rsl__evq *q, const char *from,
		  const unsigned char *hash, uint64_t version, const char *commit,
		  rsl_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 9, 10)));

static int refuse(rsl_client *c, rsl__evq *q, const char *from,
		  const unsigned char *hash, uint64_t version, const char *commit,
		  rsl_error *err, int code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int repeat = c->last_outcome && strcmp(c->last_outcome, "refused") == 0 &&
		     c->last_code == code && strcmp(c->last_error, msg) == 0 &&
		     (hash ? c->has_refused_hash && memcmp(hash, c->refused_hash, 32) == 0
			   : !c->has_refused_hash);
	if (!repeat) {
		c->reloads_refused++;
		rsl__evq_add(q, RSL_EVENT_REFUSED, code, from, version, commit, "%s", msg);
	}
	c->has_refused_hash = hash != NULL;
	if (hash)
		memcpy(c->refused_hash, hash, 32);
	c->last_outcome = "refused";
	c->last_code = code;
	memcpy(c->last_error, msg, sizeof msg);
	c->last_refresh_at = rsl__now_wall();
	return rsl__fail(err, code, "%s", msg);
}

/* Judges the bytes of a file read from `from` and swaps them in when they
 * pass.  Returns RSL_OK (accepted or already served) or the refusal. */
static int consider(rsl_client *c, rsl__evq *q, const char *from, int is_backup,
		    const unsigned char *buf, size_t n, rsl_error *err)
{
	unsigned char hash[32];
	crypto_generichash(hash, sizeof hash, buf, n, NULL, 0);
	if (c->loaded && memcmp(hash, c->hash, 32) == 0) {
		/* What is served, again: only the end of a refusal is news. */
		if (!is_backup)
			c->from_backup = 0;
		if (strcmp(c->last_outcome, "refused") == 0) {
			c->last_outcome = "unchanged";
			c->last_code = RSL_OK;
			c->last_error[0] = '\0';
			c->has_refused_hash = 0;
		}
		c->last_refresh_at = rsl__now_wall();
		return RSL_OK;
	}
	if (c->has_refused_hash && memcmp(hash, c->refused_hash, 32) == 0 &&
	    c->last_outcome && strcmp(c->last_outcome, "refused") == 0)
		return rsl__fail(err, c->last_code, "%s", c->last_error);

	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	o.keys = c->keys;
	o.environment = c->environment;
	o.flags = RSL_OPEN_READ;
	o.max_size = c->max_size;
	rsl_snapshot *s = NULL;
	rsl_error e = { 0, "" };
	int renewal = 0, override = 0;
	int rc = rsl__succession_judge(&s, &renewal, buf, n, &o, c->loaded, from, &e);
	if (rc != RSL_OK && !s)
		return refuse(c, q, from, hash, 0, NULL, err, rc, "%s", e.message);
	rsl_info ni;
	rsl_snapshot_info(&ni, s);
	if (rc != RSL_OK && !(c->flags & RSL_CLIENT_ALLOW_ROLLBACK)) {
		rc = refuse(c, q, from, hash, ni.version, ni.commit, err, rc, "%s", e.message);
		rsl_close(s);
		return rc;
	}
	if (rc != RSL_OK) {
		override = 1;
		rsl__evq_add(q, RSL_EVENT_ROLLBACK_OVERRIDE, rc, from, ni.version, ni.commit,
			"OPERATOR OVERRIDE (RSL_CLIENT_ALLOW_ROLLBACK): accepting %s",
			e.message);
	}

	rsl_snapshot *old = c->loaded;
	c->loaded = s;
	memcpy(c->hash, hash, 32);
	c->rollback_override = override;
	c->from_backup = is_backup;
	c->loaded_at = rsl__now_wall();
	c->last_outcome = "accepted";
	c->last_code = RSL_OK;
	c->last_error[0] = '\0';
	c->last_refresh_at = c->loaded_at;
	c->has_refused_hash = 0;
	c->reloads_accepted++;
	c->stale = 0;
	int stale = rsl__expired(ni.expires_at, c->loaded_at);
	c->failing_closed = stale && (c->flags & RSL_CLIENT_FAIL_CLOSED);
	publish(c, c->failing_closed ? NULL : s);
	if (old)
		q->retired[q->retired[0] ? 1 : 0] = old;
	rsl__evq_add(q, RSL_EVENT_ACCEPTED, RSL_OK, from, ni.version, ni.commit,
		"%s: serving version %llu, commit %.12s, environment %s, %zu flag%s%s%s",
		from, (unsigned long long)ni.version, ni.commit, ni.environment,
		ni.flag_count, ni.flag_count == 1 ? "" : "s",
		renewal ? " (a renewal: the same rules, issued later)" : "",
		is_backup ? " (from the backup)" : "");
	rsl__client_check_expiry(c, q);
	if (!is_backup && c->backup) {
		rsl_error be;
		if (write_atomic(c->backup, buf, n, &be) != RSL_OK)
			rsl__evq_add(q, RSL_EVENT_BACKUP_FAILED, be.code, c->backup, ni.version,
				ni.commit, "%s", be.message);
	}
	return RSL_OK;
}

int rsl__client_check_primary(rsl_client *c, rsl__evq *q, int force, rsl_error *err)
{
	struct stat st;
	rsl__filesig now;
	memset(&now, 0, sizeof now);
	if (stat(c->path, &st) != 0)
		now.missing = errno == ENOENT;
	else
		sig_from(&now, &st);
	if (!force && c->has_sig && sig_eq(&now, &c->sig) && !sig_racy(&now))
		return RSL_OK;
	rsl__file f;
	rsl_error e = { 0, "" };
	int rc = rsl__file_read(&f, c->path, c->max_size, 0, &e);
	sig_of(&c->sig, &f);
	c->has_sig = 1;
	if (rc == RSL_OK)
		rc = consider(c, q, c->path, 0, bytes_of(&f), f.len, err);
	else
		rc = refuse(c, q, c->path, NULL, 0, NULL, err, rc, "%s", e.message);
	rsl__file_release(&f);
	return rc;
}

void rsl__client_load_backup(rsl_client *c, rsl__evq *q)
{
	rsl__file f;
	rsl_error e;
	int rc = rsl__file_read(&f, c->backup, c->max_size, 0, &e);
	if (rc == RSL_OK)
		consider(c, q, c->backup, 1, bytes_of(&f), f.len, NULL);
	else if (!f.missing)
		refuse(c, q, c->backup, NULL, 0, NULL, NULL, rc, "%s", e.message);
	rsl__file_release(&f);
}
