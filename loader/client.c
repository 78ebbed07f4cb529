/*
 * client.c - rsl_client: serve the snapshot at one path while it is
 * replaced underneath, with rollback protection, last known good, a backup
 * copy, expiry, status and events.  See rsl.h and docs/operations.md.
 *
 * Readers and reloads.  Evaluations read `serving` (an atomic pointer) inside
 * a read section; a reload stores the new pointer, waits until every read
 * section that began before the store has ended (a grace period), and only
 * then closes the old snapshot.  Why this scheme:
 *
 *  - A shared reader counter (or two alternating by generation parity) costs
 *    every evaluation an atomic read-modify-write on one cache line that all
 *    cores fight over: 5-20 ns under contention, the whole budget.
 *  - So each thread owns one cache-line-padded slot of a process-wide array
 *    (claimed on first use, given back at thread exit) holding a sequence
 *    number: odd while the thread is inside a read section.  Only the owner
 *    writes it, so entering and leaving are plain stores, no lock prefix.
 *  - Entering must make the slot store visible before the pointer is read
 *    (store-load order), which normally needs a full fence (~20 cycles).  On
 *    Linux the fence moves to the writer: membarrier(PRIVATE_EXPEDITED)
 *    makes every running thread of the process execute a full barrier, so a
 *    reader needs only a compiler barrier (the asymmetric fence of userspace
 *    RCU's "memb" flavour).  Where membarrier is unavailable (or with
 *    RSL_MEMBARRIER=0) readers make the slot store seq_cst, a locked
 *    instruction that orders it before the (seq_cst) pointer load.
 *  - The writer snapshots each slot's sequence and waits only for odd values
 *    to change, so a reader that enters and leaves in a tight loop cannot
 *    starve it.  Threads beyond the slot count fall back to two shared
 *    counters with a generation check (correct, just slower).
 *  - Evaluation counters live in per-client, per-slot cache lines, written by
 *    their owner with relaxed load + store, and summed by the status call.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/membarrier.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#endif

#include <sodium.h>

#include "client.h"
#include "eval.h"
#include "rsl.h"
#include "snap.h"

/* ------------------------------------------------------------ read sections */

#define SLOTS 256
#define SLOT_NONE (-1)
#define SLOT_SHARED (-2)

typedef struct rd_slot {
	_Alignas(64) _Atomic unsigned long seq; /* odd: inside a read section */
	_Atomic int owner;                      /* 1: claimed by a live thread */
} rd_slot;

static rd_slot rd_slots[SLOTS];
static atomic_uint rd_used;          /* slots ever claimed: [0, rd_used) */
static atomic_uint rd_freed;         /* bumped when a slot is given back, so
					that threads on the shared path try
					to claim one again */
static atomic_ulong rd_shared_gen;   /* the fallback for threads without a slot */
static atomic_long rd_shared_count[2];
static pthread_mutex_t rd_shared_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t rd_once = PTHREAD_ONCE_INIT;
static pthread_key_t rd_key;
static _Atomic int rd_asym; /* membarrier registered: readers need no fence */

#define RD_TLS _Thread_local __attribute__((tls_model("initial-exec")))
static RD_TLS int rd_slot_of = SLOT_NONE;
static RD_TLS unsigned rd_depth;
static RD_TLS int rd_parity;
static RD_TLS unsigned rd_tried;    /* rd_freed when this thread last looked */
static RD_TLS int rd_in_miss;       /* inside a miss event's callback */

/* Every live client, for fork (rd_atfork_*); under rd_clients_lock. */
static rsl_client *rd_clients;
static pthread_mutex_t rd_clients_lock = PTHREAD_MUTEX_INITIALIZER;
static void rd_atfork_prepare(void);
static void rd_atfork_parent(void);
static void rd_atfork_child(void);

/* The key's value: slot + 1, or SLOTS + 1 for a thread on the shared
 * path (which must also end a hold it exits inside). */
static void rd_thread_exit(void *v)
{
	int i = (int)(uintptr_t)v - 1;
	if (i < 0 || i > SLOTS)
		return;
	if (i == SLOTS || rd_slot_of == SLOT_SHARED) {
		/* Exited inside a hold: end it, or reloads would wait forever. */
		if (rd_depth && rd_slot_of == SLOT_SHARED)
			atomic_fetch_sub_explicit(&rd_shared_count[rd_parity], 1,
						  memory_order_release);
		rd_depth = 0;
		rd_slot_of = SLOT_NONE;
		return;
	}
	if (rd_depth) { /* exited inside a hold: end it, or reloads would wait forever */
		unsigned long s = atomic_load_explicit(&rd_slots[i].seq, memory_order_relaxed);
		if (s & 1)
			atomic_store_explicit(&rd_slots[i].seq, s + 1, memory_order_release);
		rd_depth = 0;
	}
	rd_slot_of = SLOT_NONE;
	atomic_store_explicit(&rd_slots[i].owner, 0, memory_order_release);
	atomic_fetch_add_explicit(&rd_freed, 1, memory_order_release);
}

/* Registers this process for expedited membarrier; 1 when readers may then
 * skip their fence. */
static int rd_register(void)
{
#if defined(__linux__) && defined(SYS_membarrier)
	return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0 &&
	       syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0;
#else
	return 0;
#endif
}

static void rd_init(void)
{
	pthread_key_create(&rd_key, rd_thread_exit);
	pthread_atfork(rd_atfork_prepare, rd_atfork_parent, rd_atfork_child);
	const char *e = getenv("RSL_MEMBARRIER");
	if (e && strcmp(e, "0") == 0)
		return;
	/* Before any reader exists: the mode never changes under a reader. */
	if (rd_register())
		atomic_store(&rd_asym, 1);
}

int rsl__client_thread_slot(void)
{
	return rd_slot_of;
}

static int rd_claim(void)
{
	pthread_once(&rd_once, rd_init);
	rd_tried = atomic_load_explicit(&rd_freed, memory_order_acquire);
	for (int i = 0; i < SLOTS; i++) {
		int free_ = 0;
		if (atomic_load_explicit(&rd_slots[i].owner, memory_order_relaxed) != 0 ||
		    !atomic_compare_exchange_strong(&rd_slots[i].owner, &free_, 1))
			continue;
		unsigned used = atomic_load(&rd_used);
		while (used < (unsigned)i + 1 &&
		       !atomic_compare_exchange_weak(&rd_used, &used, (unsigned)i + 1))
			;
		rd_slot_of = i;
		pthread_setspecific(rd_key, (void *)(uintptr_t)(i + 1));
		return i;
	}
	/* No slot: the shared path, until a slot is given back.  The key makes
	 * the exit end a hold this thread dies inside. */
	if (rd_slot_of != SLOT_SHARED)
		pthread_setspecific(rd_key, (void *)(uintptr_t)(SLOTS + 1));
	rd_slot_of = SLOT_SHARED;
	return SLOT_SHARED;
}

static inline void rd_enter(void)
{
	if (rd_depth++ != 0)
		return;
	int s = rd_slot_of;
	if (__builtin_expect(s == SLOT_NONE, 0) ||
	    __builtin_expect(s == SLOT_SHARED &&
			     atomic_load_explicit(&rd_freed, memory_order_relaxed) != rd_tried, 0))
		s = rd_claim();
	if (__builtin_expect(s >= 0, 1)) {
		_Atomic unsigned long *seq = &rd_slots[s].seq;
		unsigned long v = atomic_load_explicit(seq, memory_order_relaxed);
		if (atomic_load_explicit(&rd_asym, memory_order_relaxed)) {
			atomic_store_explicit(seq, v + 1, memory_order_release);
			atomic_signal_fence(memory_order_seq_cst);
		} else {
			/* With the seq_cst loads of the pointer and the writer's
			 * seq_cst store and slot loads: Dekker's store-load order. */
			atomic_store_explicit(seq, v + 1, memory_order_seq_cst);
		}
		return;
	}
	for (;;) {
		unsigned long g = atomic_load(&rd_shared_gen);
		atomic_fetch_add(&rd_shared_count[g & 1], 1);
		if (atomic_load(&rd_shared_gen) == g) {
			rd_parity = (int)(g & 1);
			return;
		}
		atomic_fetch_sub_explicit(&rd_shared_count[g & 1], 1, memory_order_release);
	}
}

static inline void rd_exit(void)
{
	if (--rd_depth != 0)
		return;
	int s = rd_slot_of;
	if (__builtin_expect(s >= 0, 1)) {
		_Atomic unsigned long *seq = &rd_slots[s].seq;
		unsigned long v = atomic_load_explicit(seq, memory_order_relaxed);
		atomic_store_explicit(seq, v + 1, memory_order_release);
		return;
	}
	atomic_fetch_sub_explicit(&rd_shared_count[rd_parity], 1, memory_order_release);
}

static void rd_backoff(unsigned *spins)
{
	if (++*spins < 200) {
		sched_yield();
	} else {
		struct timespec ts = { 0, 50000 };
		nanosleep(&ts, NULL);
	}
}

/* Waits until every read section begun before the call has ended.  The
 * caller has already stored the new pointer (seq_cst).  Either a reader's
 * slot store is seen here, or its pointer load sees the new pointer: by the
 * membarrier, or by all four accesses being seq_cst. */
static void rd_synchronize(void)
{
#if defined(__linux__) && defined(SYS_membarrier)
	if (atomic_load(&rd_asym) &&
	    syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) {
		/* Not expected after a successful registration (the child of a
		 * fork registers again while it has one thread).  Should it
		 * happen: fenced readers from now on; for readers already inside
		 * unfenced, this grace period is best effort: a fence, and 10 ms
		 * (far longer than a store buffer takes to drain) before the
		 * slots are read.  The fence is a seq_cst read-modify-write:
		 * a full barrier on every target, and one ThreadSanitizer
		 * understands (it cannot model atomic_thread_fence). */
		(void)atomic_exchange(&rd_asym, 0);
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
#endif
	unsigned n = atomic_load(&rd_used);
	for (unsigned i = 0; i < n; i++) {
		unsigned long v = atomic_load(&rd_slots[i].seq);
		unsigned spins = 0;
		if (v & 1)
			while (atomic_load(&rd_slots[i].seq) == v)
				rd_backoff(&spins);
	}
	pthread_mutex_lock(&rd_shared_lock);
	unsigned long g = atomic_fetch_add(&rd_shared_gen, 1);
	unsigned spins = 0;
	while (atomic_load_explicit(&rd_shared_count[g & 1], memory_order_seq_cst) != 0)
		rd_backoff(&spins);
	pthread_mutex_unlock(&rd_shared_lock);
}

/* ------------------------------------------------------------- the client */

typedef struct ctr_slot {
	_Alignas(64) _Atomic uint64_t evals;
	_Atomic uint64_t misses;
	_Atomic uint64_t errors;
} ctr_slot;

typedef struct ovr_item {
	char *key;
	char *variant;     /* a variant of the served snapshot, or NULL */
	rsl_value value;   /* when variant is NULL; value.s owned */
} ovr_item;

typedef struct ovr_table {
	size_t n;
	ovr_item item[];
} ovr_table;

/* What stat() says about a file: a changed signature means a new file. */
typedef struct filesig {
	int missing;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
} filesig;

struct rsl_client {
	ctr_slot ctr[SLOTS]; /* first: cache-line aligned */
	ctr_slot shared_ctr;
	_Atomic(const rsl_snapshot *) serving; /* what readers evaluate */
	_Atomic(ovr_table *) overrides;
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
	rsl_client *next, *prev;      /* rd_clients */

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
	filesig sig;                /* of the primary file last examined */
	int has_refused_hash;
	unsigned char refused_hash[32];
	int stale, failing_closed, rollback_override, from_backup;
	int64_t loaded_at, last_refresh_at;
	const char *last_outcome;
	int last_code;
	char last_error[256];
	uint64_t reloads_accepted, reloads_refused;
	const char *watch;

	pthread_t thread;
	int has_thread;
	int wake[2];
	int ino_fd, wd;
};

/* What a writer does after releasing the lock: wait for readers, close
 * what they may still hold, deliver events.  (A reader holding the client
 * may call rsl_client_status_get, which takes the lock: nothing waits for
 * readers while holding it.) */
typedef struct evq_item {
	const char *name;
	int code;
	const char *path;
	uint64_t version;
	char commit[48];
	char message[400];
} evq_item;

typedef struct evq {
	int n;
	evq_item item[6];
	int sync;                /* a pointer readers use was replaced */
	rsl_snapshot *retired[2];/* close after the grace period (at start the
	                            backup and then the primary may replace) */
	ovr_table *retired_ovr;
} evq;

static void evq_add(evq *q, const char *name, int code, const char *path,
		    uint64_t version, const char *commit, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static void evq_add(evq *q, const char *name, int code, const char *path,
		    uint64_t version, const char *commit, const char *fmt, ...)
{
	if (q->n >= (int)(sizeof q->item / sizeof q->item[0]))
		return;
	evq_item *it = &q->item[q->n++];
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

static void ovr_free(ovr_table *t);

static void hex(char *out, const unsigned char *p, size_t n);

/* Copies the writers' state to c->status; under c->lock. */
static void status_publish(rsl_client *c)
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
	pthread_mutex_lock(&c->status_lock);
	c->status = st;
	pthread_mutex_unlock(&c->status_lock);
}

/* Unlocks the writers' lock after publishing the status. */
static void writer_unlock(rsl_client *c)
{
	status_publish(c);
	pthread_mutex_unlock(&c->lock);
}

/* fork(): the child has only the thread that called fork.  Every other
 * thread's read section, slot and lock is gone with it; the watching
 * threads too.  prepare takes the locks so that the child gets them in a
 * consistent state, and releases them in both processes. */
static void rd_atfork_prepare(void)
{
	pthread_mutex_lock(&rd_clients_lock);
	for (rsl_client *c = rd_clients; c; c = c->next) {
		pthread_mutex_lock(&c->lock);
		pthread_mutex_lock(&c->status_lock);
	}
}

static void rd_atfork_parent(void)
{
	for (rsl_client *c = rd_clients; c; c = c->next) {
		pthread_mutex_unlock(&c->status_lock);
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_unlock(&rd_clients_lock);
}

static void rd_atfork_child(void)
{
	int mine = rd_slot_of;
	for (int i = 0; i < SLOTS; i++) {
		if (i == mine)
			continue;
		unsigned long v = atomic_load_explicit(&rd_slots[i].seq, memory_order_relaxed);
		if (v & 1)
			atomic_store_explicit(&rd_slots[i].seq, v + 1, memory_order_relaxed);
		atomic_store_explicit(&rd_slots[i].owner, 0, memory_order_relaxed);
	}
	atomic_fetch_add(&rd_freed, 1);
	atomic_store(&rd_shared_count[0], 0);
	atomic_store(&rd_shared_count[1], 0);
	if (mine == SLOT_SHARED && rd_depth)
		atomic_store(&rd_shared_count[rd_parity], 1);
	pthread_mutex_init(&rd_shared_lock, NULL);
	/* Whether the registration survives fork is the kernel's business:
	 * register again, or fall back to fences while this is the only thread. */
	if (atomic_load(&rd_asym) && !rd_register())
		atomic_store(&rd_asym, 0);
	for (rsl_client *c = rd_clients; c; c = c->next) {
		c->has_thread = 0; /* not in this process: rsl_client_free must not join it */
		c->watch = "none";
		pthread_mutex_unlock(&c->status_lock);
		status_publish(c);
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_unlock(&rd_clients_lock);
}

static void evq_emit(rsl_client *c, const evq *q)
{
	if (q->sync)
		rd_synchronize();
	rsl_close(q->retired[0]);
	rsl_close(q->retired[1]);
	ovr_free(q->retired_ovr);
	if (!c->on_event)
		return;
	for (int i = 0; i < q->n; i++) {
		const evq_item *it = &q->item[i];
		rsl_client_event ev = { it->name, it->code, it->message, it->path,
					it->version, it->commit[0] ? it->commit : NULL,
					NULL, NULL };
		c->on_event(&ev, c->event_user);
	}
}

static int fail(rsl_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(rsl_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int64_t now_wall(void)
{
	return (int64_t)time(NULL);
}

static char *dupstr(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

static void sig_from(filesig *sig, const struct stat *st)
{
	memset(sig, 0, sizeof *sig);
	sig->dev = st->st_dev;
	sig->ino = st->st_ino;
	sig->size = st->st_size;
	sig->mtime = st->st_mtim;
	sig->ctime = st->st_ctim;
}

static int sig_eq(const filesig *a, const filesig *b)
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
static int sig_racy(const filesig *s)
{
	return !s->missing && now_wall() - (int64_t)s->ctime.tv_sec < 2;
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

/* Reads a whole snapshot file into private memory, with the checks rsl_open
 * makes on a file: regular, not writable by group or others, within max. */
static int read_file(unsigned char **out, size_t *outlen, filesig *sig,
		     const char *path, size_t max, rsl_error *err)
{
	*out = NULL;
	*outlen = 0;
	memset(sig, 0, sizeof *sig);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT)
			sig->missing = 1;
		return fail(err, RSL_EIO, "%s: cannot open: %s", path, strerror(e));
	}
	int rc = RSL_OK;
	unsigned char *buf = NULL;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		rc = fail(err, RSL_EIO, "%s: cannot stat: %s", path, strerror(errno));
		goto out;
	}
	sig_from(sig, &st);
	if (!S_ISREG(st.st_mode)) {
		rc = fail(err, RSL_EUNSAFE, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		rc = fail(err, RSL_EUNSAFE, "%s: writable by group or others (mode %04o); "
			  "publish snapshots with mode 0644 or stricter", path,
			  (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if ((uint64_t)st.st_size > (uint64_t)max) {
		rc = fail(err, RSL_EUNSAFE, "%s: %lld bytes, over the limit of %zu", path,
			  (long long)st.st_size, max);
		goto out;
	}
	size_t n = (size_t)st.st_size, got = 0;
	buf = malloc(n ? n : 1);
	if (!buf) {
		rc = fail(err, RSL_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = fail(err, RSL_EIO, "%s: %s", path,
				  r < 0 ? strerror(errno) : "changed size while being read");
			goto out;
		}
		got += (size_t)r;
	}
	*out = buf;
	*outlen = n;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
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
		return fail(err, RSL_EIO, "%s: path too long", path);
	int fd = mkstemp(tmp); /* O_CREAT | O_EXCL, mode 0600 */
	if (fd < 0)
		return fail(err, RSL_EIO, "%s: cannot create: %s", tmp, strerror(errno));
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
	return fail(err, RSL_EIO, "%s: cannot write: %s", path, strerror(e));
}

/* Publishes snap to readers; evq_emit waits for the grace period. */
static void publish(rsl_client *c, evq *q, const rsl_snapshot *snap)
{
	/* The status first: who sees the new snapshot served sees its status. */
	status_publish(c);
	atomic_store(&c->serving, snap);
	q->sync = 1;
}

static void check_expiry(rsl_client *c, evq *q)
{
	int stale = 0;
	rsl_info i;
	if (c->loaded) {
		rsl_snapshot_info(&i, c->loaded);
		stale = i.expires_at != 0 && now_wall() >= i.expires_at;
	}
	int closed = stale && (c->flags & RSL_CLIENT_FAIL_CLOSED);
	if (stale && !c->stale)
		evq_add(q, RSL_EVENT_STALE, RSL_OK, c->path, i.version, i.commit,
			"version %llu expired at %lld (%lld s ago); %s",
			(unsigned long long)i.version, (long long)i.expires_at,
			(long long)(now_wall() - i.expires_at),
			closed ? "failing closed: serving the callers' fallbacks"
			       : "still serving it, degraded (STALE)");
	c->stale = stale;
	if (closed != c->failing_closed) {
		c->failing_closed = closed;
		publish(c, q, closed ? NULL : c->loaded);
	}
}

/* Records a refusal (once per distinct file and reason) and returns code. */
static int refuse(rsl_client *c, evq *q, const char *from,
		  const unsigned char *hash, uint64_t version, const char *commit,
		  rsl_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 9, 10)));

static int refuse(rsl_client *c, evq *q, const char *from,
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
		evq_add(q, RSL_EVENT_REFUSED, code, from, version, commit, "%s", msg);
	}
	c->has_refused_hash = hash != NULL;
	if (hash)
		memcpy(c->refused_hash, hash, 32);
	c->last_outcome = "refused";
	c->last_code = code;
	memcpy(c->last_error, msg, sizeof msg);
	c->last_refresh_at = now_wall();
	return fail(err, code, "%s", msg);
}

/* Judges the bytes of a file read from `from` and swaps them in when they
 * pass.  Returns RSL_OK (accepted or already served) or the refusal. */
static int consider(rsl_client *c, evq *q, const char *from, int is_backup,
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
		c->last_refresh_at = now_wall();
		return RSL_OK;
	}
	if (c->has_refused_hash && memcmp(hash, c->refused_hash, 32) == 0 &&
	    c->last_outcome && strcmp(c->last_outcome, "refused") == 0)
		return fail(err, c->last_code, "%s", c->last_error);

	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	o.keys = c->keys;
	o.environment = c->environment;
	o.flags = RSL_OPEN_READ;
	o.max_size = c->max_size;
	rsl_snapshot *s = NULL;
	rsl_error e = { 0, "" };
	int rc = rsl_open_buffer(&s, buf, n, &o, &e);
	if (rc != RSL_OK)
		return refuse(c, q, from, hash, 0, NULL, err, rc, "%s: %s", from, e.message);
	rsl_info ni, cur;
	rsl_snapshot_info(&ni, s);
	int override = 0;
	if (c->loaded) {
		rsl_snapshot_info(&cur, c->loaded);
		int code = 0;
		if (ni.version < cur.version) {
			code = RSL_EROLLBACK;
			snprintf(e.message, sizeof e.message,
				 "%s: version %llu (commit %.12s) is older than the served %llu "
				 "(commit %.12s): a rollback is a new commit, e.g. git revert",
				 from, (unsigned long long)ni.version, ni.commit,
				 (unsigned long long)cur.version, cur.commit);
		} else if (ni.version == cur.version) {
			code = RSL_EREPLAY;
			snprintf(e.message, sizeof e.message,
				 "%s: version %llu is already served with different content "
				 "(commit %.12s, now %.12s)", from,
				 (unsigned long long)ni.version, cur.commit, ni.commit);
		}
		if (code && !(c->flags & RSL_CLIENT_ALLOW_ROLLBACK)) {
			rc = refuse(c, q, from, hash, ni.version, ni.commit, err, code,
				    "%s", e.message);
			rsl_close(s);
			return rc;
		}
		if (code) {
			override = 1;
			evq_add(q, RSL_EVENT_ROLLBACK_OVERRIDE, code, from, ni.version, ni.commit,
				"OPERATOR OVERRIDE (RSL_CLIENT_ALLOW_ROLLBACK): accepting %s",
				e.message);
		}
	}

	rsl_snapshot *old = c->loaded;
	c->loaded = s;
	memcpy(c->hash, hash, 32);
	c->rollback_override = override;
	c->from_backup = is_backup;
	c->loaded_at = now_wall();
	c->last_outcome = "accepted";
	c->last_code = RSL_OK;
	c->last_error[0] = '\0';
	c->last_refresh_at = c->loaded_at;
	c->has_refused_hash = 0;
	c->reloads_accepted++;
	c->stale = 0;
	int stale = ni.expires_at != 0 && c->loaded_at >= ni.expires_at;
	c->failing_closed = stale && (c->flags & RSL_CLIENT_FAIL_CLOSED);
	publish(c, q, c->failing_closed ? NULL : s);
	if (old)
		q->retired[q->retired[0] ? 1 : 0] = old;
	evq_add(q, RSL_EVENT_ACCEPTED, RSL_OK, from, ni.version, ni.commit,
		"%s: serving version %llu, commit %.12s, environment %s, %zu flags%s",
		from, (unsigned long long)ni.version, ni.commit, ni.environment,
		ni.flag_count, is_backup ? " (from the backup)" : "");
	check_expiry(c, q);
	if (!is_backup && c->backup) {
		rsl_error be;
		if (write_atomic(c->backup, buf, n, &be) != RSL_OK)
			evq_add(q, RSL_EVENT_BACKUP_FAILED, be.code, c->backup, ni.version,
				ni.commit, "%s", be.message);
	}
	return RSL_OK;
}

/* Examines the primary file; force reads it even when stat says unchanged. */
static int check_primary(rsl_client *c, evq *q, int force, rsl_error *err)
{
	struct stat st;
	filesig now;
	memset(&now, 0, sizeof now);
	if (stat(c->path, &st) != 0)
		now.missing = errno == ENOENT;
	else
		sig_from(&now, &st);
	if (!force && c->has_sig && sig_eq(&now, &c->sig) && !sig_racy(&now))
		return RSL_OK;
	unsigned char *buf;
	size_t n;
	rsl_error e = { 0, "" };
	int rc = read_file(&buf, &n, &c->sig, c->path, c->max_size, &e);
	c->has_sig = 1;
	if (rc != RSL_OK)
		return refuse(c, q, c->path, NULL, 0, NULL, err, rc, "%s", e.message);
	rc = consider(c, q, c->path, 0, buf, n, err);
	free(buf);
	return rc;
}

static void load_backup(rsl_client *c, evq *q)
{
	unsigned char *buf;
	size_t n;
	filesig sig;
	rsl_error e;
	int rc = read_file(&buf, &n, &sig, c->backup, c->max_size, &e);
	if (rc == RSL_OK) {
		consider(c, q, c->backup, 1, buf, n, NULL);
		free(buf);
	} else if (!sig.missing) {
		refuse(c, q, c->backup, NULL, 0, NULL, NULL, rc, "%s", e.message);
	}
}

/* ------------------------------------------------------ the watching thread */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void run_check(rsl_client *c, int force)
{
	evq q = { 0 };
	pthread_mutex_lock(&c->lock);
	check_primary(c, &q, force, NULL);
	check_expiry(c, &q);
	writer_unlock(c);
	evq_emit(c, &q);
}

#ifdef __linux__
static void watch_dir(rsl_client *c)
{
	if (c->ino_fd < 0 || c->wd >= 0)
		return;
	c->wd = inotify_add_watch(c->ino_fd, c->dir,
				  IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE |
				  IN_MOVED_FROM | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF);
}

/* Reads pending events; 1 when one may concern the file: its own name, or
 * a name starting with ".." (the `..data` swap of Kubernetes volumes). */
static int drain_inotify(rsl_client *c)
{
	_Alignas(struct inotify_event) char buf[8192];
	int relevant = 0;
	for (;;) {
		ssize_t r = read(c->ino_fd, buf, sizeof buf);
		if (r <= 0)
			break;
		for (char *p = buf; p < buf + r;) {
			const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
			if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_Q_OVERFLOW))
				relevant = 1;
			if (ev->mask & IN_IGNORED)
				c->wd = -1;
			if (ev->len && (strcmp(ev->name, c->base) == 0 ||
					strncmp(ev->name, "..", 2) == 0))
				relevant = 1;
			p += sizeof *ev + ev->len;
		}
	}
	return relevant;
}
#endif

static void *watch_main(void *arg)
{
	rsl_client *c = arg;
	int64_t next = now_ms() + c->poll_ms;
	for (;;) {
		int64_t wait = next - now_ms();
		struct pollfd p[2] = { { c->wake[0], POLLIN, 0 }, { c->ino_fd, POLLIN, 0 } };
		nfds_t np = c->ino_fd >= 0 ? 2 : 1;
		int r = poll(p, np, wait < 0 ? 0 : wait > INT_MAX ? INT_MAX : (int)wait);
		if (r > 0 && p[0].revents)
			break;
		int relevant = 0;
#ifdef __linux__
		if (r > 0 && np == 2 && (p[1].revents & POLLIN))
			relevant = drain_inotify(c);
#endif
		if (relevant)
			run_check(c, 1);
		if (now_ms() >= next) {
			run_check(c, 0);
#ifdef __linux__
			watch_dir(c);
#endif
			next = now_ms() + c->poll_ms;
		}
	}
	return NULL;
}

static int start_thread(rsl_client *c, rsl_error *err)
{
	if (pipe(c->wake) != 0)
		return fail(err, RSL_EIO, "cannot create a pipe: %s", strerror(errno));
	fcntl(c->wake[0], F_SETFD, FD_CLOEXEC);
	fcntl(c->wake[1], F_SETFD, FD_CLOEXEC);
	c->watch = "poll";
#ifdef __linux__
	if (!(c->flags & RSL_CLIENT_POLL_ONLY)) {
		c->ino_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		watch_dir(c);
		if (c->ino_fd >= 0)
			c->watch = "inotify";
	}
#endif
	int e = pthread_create(&c->thread, NULL, watch_main, c);
	if (e != 0)
		return fail(err, RSL_EIO, "cannot start the watching thread: %s", strerror(e));
	c->has_thread = 1;
	return RSL_OK;
}

/* ------------------------------------------------------------- public API */

static void ovr_free(ovr_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->item[i].key);
		free(t->item[i].variant);
		free((char *)(uintptr_t)t->item[i].value.s);
	}
	free(t);
}

void rsl_client_free(rsl_client *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&rd_clients_lock);
	if (c->prev)
		c->prev->next = c->next;
	else if (rd_clients == c)
		rd_clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&rd_clients_lock);
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
	rsl_close(c->loaded);
	ovr_free(atomic_load(&c->overrides));
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
		return fail(err, RSL_EINVAL, "rsl_client_new: out is NULL");
	*out = NULL;
	if (rd_depth)
		return fail(err, RSL_EINVAL, "rsl_client_new: the calling thread holds a "
			    "client (rsl_client_hold) and would wait for itself");
	if (!opts || opts->version != RSL_CLIENT_OPTIONS_VERSION)
		return fail(err, RSL_EINVAL, "rsl_client_new: options version %u, expected %u",
			    opts ? opts->version : 0u, RSL_CLIENT_OPTIONS_VERSION);
	int testing = (opts->flags & RSL_CLIENT_TESTING) != 0;
	const char *te = getenv("RSL_TESTING");
	if (testing && !(te && strcmp(te, "1") == 0))
		return fail(err, RSL_EINVAL, "RSL_CLIENT_TESTING needs RSL_TESTING=1 in the "
			    "environment: test helpers are never on in production");
	if (!path && !testing)
		return fail(err, RSL_EINVAL, "rsl_client_new: no snapshot path");
	if (path && !opts->keys)
		return fail(err, RSL_EINVAL, "rsl_client_new: no trusted keys");
	if (sodium_init() < 0)
		return fail(err, RSL_ENOMEM, "libsodium failed to initialize");
	pthread_once(&rd_once, rd_init);

	size_t size = (sizeof(rsl_client) + 63) / 64 * 64;
	rsl_client *c = aligned_alloc(64, size);
	if (!c)
		return fail(err, RSL_ENOMEM, "out of memory");
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
	c->max_size = opts->max_size ? opts->max_size : (size_t)64 << 20;
	c->last_outcome = "none";
	c->watch = "none";
	c->wake[0] = c->wake[1] = c->ino_fd = c->wd = -1;
	pthread_mutex_lock(&c->lock);
	writer_unlock(c);
	pthread_mutex_lock(&rd_clients_lock);
	c->next = rd_clients;
	if (rd_clients)
		rd_clients->prev = c;
	rd_clients = c;
	pthread_mutex_unlock(&rd_clients_lock);
	int rc = RSL_ENOMEM;
	if ((path && !(c->path = dupstr(path))) ||
	    (opts->backup_path && !(c->backup = dupstr(opts->backup_path))) ||
	    (opts->environment && !(c->environment = dupstr(opts->environment))))
		goto fail;
	if (path) {
		const char *slash = strrchr(path, '/');
		c->base = dupstr(slash ? slash + 1 : path);
		c->dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path))
			       : dupstr(".");
		if (!c->base || !c->dir)
			goto fail;
		evq q = { 0 };
		rsl_error first = { 0, "" };
		pthread_mutex_lock(&c->lock);
		if (c->backup)
			load_backup(c, &q);
		check_primary(c, &q, 1, &first);
		check_expiry(c, &q);
		if (!c->loaded && first.code == RSL_OK)
			fail(&first, c->last_code, "%s", c->last_error);
		writer_unlock(c);
		evq_emit(c, &q);
		if (err && !c->loaded)
			*err = first;
		if (!(c->flags & RSL_CLIENT_NO_THREAD) && (rc = start_thread(c, err)) != RSL_OK)
			goto fail;
		pthread_mutex_lock(&c->lock);
		writer_unlock(c); /* the status says how it watches */
	}
	*out = c;
	return RSL_OK;
fail:
	if (rc == RSL_ENOMEM)
		fail(err, rc, "out of memory");
	rsl_client_free(c);
	return rc;
}

int rsl_client_refresh(rsl_client *c, rsl_error *err)
{
	if (!c)
		return fail(err, RSL_EINVAL, "rsl_client_refresh: no client");
	if (rd_depth)
		return fail(err, RSL_EINVAL, "rsl_client_refresh: the calling thread holds "
			    "the client (rsl_client_hold) and would wait for itself");
	if (!c->path)
		return RSL_OK;
	evq q = { 0 };
	pthread_mutex_lock(&c->lock);
	int rc = check_primary(c, &q, 1, err);
	check_expiry(c, &q);
	writer_unlock(c);
	evq_emit(c, &q);
	if (rc == RSL_OK && err) {
		err->code = RSL_OK;
		err->message[0] = '\0';
	}
	return rc;
}

/* ------------------------------------------------------------- evaluation */

static inline void bump(_Atomic uint64_t *p)
{
	atomic_store_explicit(p, atomic_load_explicit(p, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static inline void count(rsl_client *c, rsl_error_code e)
{
	int s = rd_slot_of;
	if (__builtin_expect(s >= 0, 1)) {
		ctr_slot *k = &c->ctr[s];
		bump(&k->evals);
		if (e != RSL_ERR_NONE)
			bump(e == RSL_ERR_FLAG_NOT_FOUND ? &k->misses : &k->errors);
		return;
	}
	atomic_fetch_add_explicit(&c->shared_ctr.evals, 1, memory_order_relaxed);
	if (e != RSL_ERR_NONE)
		atomic_fetch_add_explicit(e == RSL_ERR_FLAG_NOT_FOUND ? &c->shared_ctr.misses
					  : &c->shared_ctr.errors, 1, memory_order_relaxed);
}


/* The test override of key, if any: 1 when it decided *out. */
static int override_eval(rsl_result *out, rsl_client *c, const rsl_snapshot *s,
			 const char *key, rsl_type expected, const rsl_value *fb)
{
	const ovr_table *t = atomic_load(&c->overrides);
	if (!t || !key)
		return 0;
	for (size_t i = 0; i < t->n; i++) {
		const ovr_item *it = &t->item[i];
		if (strcmp(it->key, key) != 0)
			continue;
		rsl_value v;
		const char *variant = "test override";
		memset(&v, 0, sizeof v);
		if (it->variant) {
			const rsl__flag *f = s ? rsl__find_flag(s, key, strlen(key)) : NULL;
			const rsl__variant *var = NULL;
			for (uint32_t j = 0; f && j < f->nvariants; j++)
				if (strcmp(f->variants[j].name.p, it->variant) == 0)
					var = &f->variants[j];
			if (!var)
				return 0;
			v.type = (rsl_type)f->type;
			rsl__set_value(&v, &var->value);
			variant = var->name.p;
		} else {
			v = it->value;
		}
		out->rule_index = -1;
		out->file = NULL;
		out->line = 0;
		out->bucket = UINT32_MAX;
		if (v.type != expected) {
			if (fb) {
				out->value = *fb;
			} else {
				memset(&out->value, 0, sizeof out->value);
				out->value.type = expected;
			}
			out->variant = NULL;
			out->rule_name = NULL;
			out->reason = RSL_REASON_ERROR;
			out->error = RSL_ERR_TYPE_MISMATCH;
			return 1;
		}
		out->value = v;
		out->variant = variant;
		out->rule_name = "test override";
		out->reason = RSL_REASON_STATIC;
		out->error = RSL_ERR_NONE;
		return 1;
	}
	return 0;
}

/* Evaluates inside the caller's read section. */
static inline int eval_in(rsl_result *out, rsl_client *c, const char *key,
			  rsl_type expected, const rsl_context *ctx,
			  const rsl_value *fb, uint64_t *version)
{
	const rsl_snapshot *s = atomic_load(&c->serving);
	int rc = 0;
	if (__builtin_expect(c->testing, 0) && override_eval(out, c, s, key, expected, fb))
		rc = out->error != RSL_ERR_NONE && ctx && ctx->strict ? -1 : 0;
	else
		rc = rsl__eval(out, NULL, s, key, (int)expected, ctx, fb, NULL);
	if (__builtin_expect(out->error == RSL_ERR_FLAG_NOT_FOUND, 0) && s)
		*version = s->info.version;
	return rc;
}

/* Miss events a client emits per second at most (all are counted). */
#define MISS_EVENTS_PER_SECOND 10u

/* Reports a flag not found: at most MISS_EVENTS_PER_SECOND a second, and
 * never from inside the callback of another (which may evaluate a missing
 * flag itself). */
static __attribute__((noinline, cold)) void
report_miss(rsl_client *c, const char *key, uint64_t version)
{
	if (rd_in_miss)
		return;
	struct timespec ts;
#ifdef CLOCK_MONOTONIC_COARSE
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
#else
	clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
	int64_t sec = (int64_t)ts.tv_sec, was = atomic_load(&c->miss_second);
	if (was != sec && atomic_compare_exchange_strong(&c->miss_second, &was, sec))
		atomic_store(&c->miss_events, 0);
	if (atomic_fetch_add(&c->miss_events, 1) >= MISS_EVENTS_PER_SECOND)
		return;
	rsl_client_event ev = { RSL_EVENT_EVALUATION, RSL_OK, "flag not found",
				c->path, version, NULL, key, "flag_not_found" };
	rd_in_miss = 1;
	c->on_event(&ev, c->event_user);
	rd_in_miss = 0;
}

/* After the read section: counts, and reports a flag not found. */
static inline void after(rsl_client *c, const char *key, rsl_error_code e,
			 uint64_t version)
{
	count(c, e);
	if (__builtin_expect(e == RSL_ERR_FLAG_NOT_FOUND, 0) && c->on_event)
		report_miss(c, key, version);
}

int rsl_client_evaluate(rsl_result *out, rsl_client *c, const char *key,
			rsl_type expected, const rsl_context *ctx,
			const rsl_value *fallback)
{
	uint64_t version = 0;
	if (__builtin_expect(c == NULL, 0)) /* PROVIDER_NOT_READY, the fallback */
		return rsl__eval(out, NULL, NULL, key, (int)expected, ctx, fallback, NULL);
	rd_enter();
	int rc = eval_in(out, c, key, expected, ctx, fallback, &version);
	rd_exit();
	after(c, key, out->error, version);
	return rc;
}

/* text[0..len) into out[0..cap), cut and NUL-terminated; returns len. */
static size_t put_text(char *out, size_t cap, const char *text, size_t len)
{
	if (cap > 0) {
		size_t k = len < cap ? len : cap - 1;
		if (k)
			memcpy(out, text, k);
		out[k] = '\0';
	}
	return len;
}

/* A typed call on a client with test helpers: overrides first (the
 * detailed path), out of line so that the common path stays small.  *v
 * holds the fallback (its type is the one expected) and receives the value;
 * a text value is copied to out[0..cap) inside the read section, and its
 * length returned. */
static __attribute__((noinline, cold)) size_t
typed_testing(rsl_value *v, char *out, size_t cap, rsl_client *c, const char *key,
	      const rsl_context *ctx)
{
	rsl_result r;
	rsl_value fb = *v;
	uint64_t version = 0;
	size_t len = 0;
	rd_enter();
	eval_in(&r, c, key, fb.type, ctx, &fb, &version);
	*v = r.value;
	if (v->type == RSL_STRING || v->type == RSL_OBJECT)
		len = put_text(out, cap, v->s, v->s ? v->len : 0);
	rd_exit();
	after(c, key, r.error, version);
	return len;
}

/* The typed calls' evaluation inside the caller's read section: the raw
 * typed calls' path (rsl__served, no rsl_result), the value served or NULL
 * for the fallback, valid until the read section ends. */
static inline const rsl__val *served_in(rsl_error_code *e, rsl_client *c,
					const char *key, rsl_type type,
					const rsl_context *ctx, uint64_t *version)
{
	const rsl_snapshot *s = atomic_load(&c->serving);
	const rsl__val *x = rsl__served(e, s, key, (int)type, ctx);
	if (__builtin_expect(*e == RSL_ERR_FLAG_NOT_FOUND, 0) && s)
		*version = s->info.version;
	return x;
}

int rsl_client_bool(rsl_client *c, const char *key, const rsl_context *ctx,
		    int fallback)
{
	if (__builtin_expect(c == NULL, 0))
		return fallback; /* PROVIDER_NOT_READY */
	if (__builtin_expect(c->testing, 0)) {
		rsl_value v = { RSL_BOOLEAN, fallback, 0, 0.0, NULL, 0 };
		typed_testing(&v, NULL, 0, c, key, ctx);
		return v.b;
	}
	rsl_error_code e;
	uint64_t version = 0;
	rd_enter();
	const rsl__val *x = served_in(&e, c, key, RSL_BOOLEAN, ctx, &version);
	int b = x ? x->b : fallback;
	rd_exit();
	after(c, key, e, version);
	return b;
}

int64_t rsl_client_int(rsl_client *c, const char *key, const rsl_context *ctx,
		       int64_t fallback)
{
	if (__builtin_expect(c == NULL, 0))
		return fallback; /* PROVIDER_NOT_READY */
	if (__builtin_expect(c->testing, 0)) {
		rsl_value v = { RSL_INTEGER, 0, fallback, (double)fallback, NULL, 0 };
		typed_testing(&v, NULL, 0, c, key, ctx);
		return v.i;
	}
	rsl_error_code e;
	uint64_t version = 0;
	rd_enter();
	const rsl__val *x = served_in(&e, c, key, RSL_INTEGER, ctx, &version);
	int64_t i = x ? x->i : fallback;
	rd_exit();
	after(c, key, e, version);
	return i;
}

double rsl_client_float(rsl_client *c, const char *key, const rsl_context *ctx,
			double fallback)
{
	if (__builtin_expect(c == NULL, 0))
		return fallback; /* PROVIDER_NOT_READY */
	if (__builtin_expect(c->testing, 0)) {
		rsl_value v = { RSL_FLOAT, 0, 0, fallback, NULL, 0 };
		typed_testing(&v, NULL, 0, c, key, ctx);
		return v.f;
	}
	rsl_error_code e;
	uint64_t version = 0;
	rd_enter();
	const rsl__val *x = served_in(&e, c, key, RSL_FLOAT, ctx, &version);
	double f = x ? x->f : fallback;
	rd_exit();
	after(c, key, e, version);
	return f;
}

static size_t text_flag(char *out, size_t cap, rsl_client *c, const char *key,
			const rsl_context *ctx, const char *fallback, rsl_type type)
{
	if (__builtin_expect(c == NULL, 0)) /* PROVIDER_NOT_READY: the fallback */
		return put_text(out, cap, fallback, fallback ? strlen(fallback) : 0);
	if (__builtin_expect(c->testing, 0)) {
		rsl_value v = { type, 0, 0, 0.0, fallback, fallback ? strlen(fallback) : 0 };
		return typed_testing(&v, out, cap, c, key, ctx);
	}
	rsl_error_code e;
	uint64_t version = 0;
	rd_enter();
	const rsl__val *x = served_in(&e, c, key, type, ctx, &version);
	/* Copied inside the read section: the text lives in the snapshot. */
	size_t len = x ? put_text(out, cap, x->s.p, x->s.len)
		       : put_text(out, cap, fallback, fallback ? strlen(fallback) : 0);
	rd_exit();
	after(c, key, e, version);
	return len;
}

size_t rsl_client_string(char *out, size_t cap, rsl_client *c, const char *key,
			 const rsl_context *ctx, const char *fallback)
{
	return text_flag(out, cap, c, key, ctx, fallback, RSL_STRING);
}

size_t rsl_client_object(char *out, size_t cap, rsl_client *c, const char *key,
			 const rsl_context *ctx, const char *fallback_json)
{
	return text_flag(out, cap, c, key, ctx, fallback_json, RSL_OBJECT);
}

size_t rsl_client_explain(char *buf, size_t cap, rsl_client *c, const char *key,
			  const rsl_context *ctx, int format)
{
	size_t n;
	if (c == NULL)
		return rsl_explain(buf, cap, NULL, key, ctx, format);
	rd_enter();
	const rsl_snapshot *s = atomic_load(&c->serving);
	if (s) {
		n = rsl_explain(buf, cap, s, key, ctx, format);
	} else {
		int w = snprintf(buf, cap, format == RSL_EXPLAIN_JSON
				 ? "{\"flag\":\"%s\",\"error\":\"PROVIDER_NOT_READY\","
				   "\"message\":\"no snapshot is being served\"}\n"
				 : "flag %s: no snapshot is being served: the fallback, "
				   "error PROVIDER_NOT_READY\n", key ? key : "");
		n = w < 0 ? 0 : (size_t)w;
	}
	rd_exit();
	return n;
}

const rsl_snapshot *rsl_client_hold(rsl_client *c)
{
	if (c == NULL)
		return NULL; /* nothing held: rsl_client_release(NULL) ends nothing */
	rd_enter();
	return atomic_load(&c->serving);
}

void rsl_client_release(rsl_client *c)
{
	if (c && rd_depth)
		rd_exit();
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
		out->age = now_wall() - out->issued_at;
	out->evaluations = out->misses = out->errors = 0;
	unsigned n = atomic_load(&rd_used);
	for (unsigned i = 0; i <= n && i <= SLOTS; i++) {
		const ctr_slot *k = i < n && i < SLOTS ? &c->ctr[i] : &c->shared_ctr;
		out->evaluations += atomic_load_explicit(&k->evals, memory_order_relaxed);
		out->misses += atomic_load_explicit(&k->misses, memory_order_relaxed);
		out->errors += atomic_load_explicit(&k->errors, memory_order_relaxed);
	}
}

/* ----------------------------------------------------------- test helpers */

static int set_override(rsl_client *c, const char *key, const char *variant,
			const rsl_value *value, rsl_error *err)
{
	if (!c || !c->testing)
		return fail(err, RSL_EINVAL, "test overrides need a client created with "
			    "RSL_CLIENT_TESTING");
	if (!key)
		return fail(err, RSL_EINVAL, "test override: no flag key");
	if (rd_depth)
		return fail(err, RSL_EINVAL, "test override: the calling thread holds the client");
	int rc = RSL_OK;
	evq q = { 0 };
	pthread_mutex_lock(&c->lock);
	if (variant) {
		const rsl__flag *f = c->loaded ? rsl__find_flag(c->loaded, key, strlen(key)) : NULL;
		int found = 0;
		for (uint32_t j = 0; f && j < f->nvariants; j++)
			found |= strcmp(f->variants[j].name.p, variant) == 0;
		if (!f || !found) {
			rc = fail(err, RSL_EINVAL, !f ? "test override: no flag '%s' in the served snapshot"
				  : "test override: flag '%s' has no variant '%s'", key, variant);
			goto out;
		}
	}
	ovr_table *old = atomic_load(&c->overrides);
	size_t n = old ? old->n : 0;
	ovr_table *t = calloc(1, sizeof *t + (n + 1) * sizeof t->item[0]);
	if (!t) {
		rc = fail(err, RSL_ENOMEM, "out of memory");
		goto out;
	}
	int nomem = 0;
	for (size_t i = 0; i < n; i++) {
		const ovr_item *o = &old->item[i];
		if (strcmp(o->key, key) == 0)
			continue;
		ovr_item *it = &t->item[t->n++];
		*it = *o;
		it->key = dupstr(o->key);
		it->variant = dupstr(o->variant);
		it->value.s = dupstr(o->value.s);
		nomem |= !it->key || (o->variant && !it->variant) ||
			 (o->value.s && !it->value.s);
	}
	if (variant || value) {
		ovr_item *it = &t->item[t->n++];
		it->key = dupstr(key);
		it->variant = dupstr(variant);
		nomem |= !it->key || (variant && !it->variant);
		if (!variant) {
			it->value = *value;
			it->value.s = NULL;
			if (value->s) {
				char *s = malloc(value->len + 1);
				if (s) {
					memcpy(s, value->s, value->len);
					s[value->len] = '\0';
				}
				it->value.s = s;
				nomem |= !s;
			}
		}
	}
	if (nomem) {
		ovr_free(t);
		rc = fail(err, RSL_ENOMEM, "test override: out of memory");
		goto out;
	}
	atomic_store(&c->overrides, t);
	q.sync = 1;
	q.retired_ovr = old;
	if (variant)
		evq_add(&q, RSL_EVENT_TEST_OVERRIDE, RSL_OK, NULL, 0, NULL,
			"test override: flag '%s' serves variant '%s'", key, variant);
	else
		evq_add(&q, RSL_EVENT_TEST_OVERRIDE, RSL_OK, NULL, 0, NULL,
			"test override: flag '%s' %s", key,
			value ? "serves a fixed value" : "override removed");
out:
	writer_unlock(c);
	evq_emit(c, &q);
	return rc;
}

int rsl_client_override(rsl_client *c, const char *key, const char *variant,
			rsl_error *err)
{
	return set_override(c, key, variant, NULL, err);
}

int rsl_client_override_value(rsl_client *c, const char *key,
			      const rsl_value *value, rsl_error *err)
{
	return set_override(c, key, NULL, value, err);
}
