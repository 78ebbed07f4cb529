/*
 * client_rcu.c - the live client's read sections: see client_rcu.h.
 *
 * Readers and reloads.  Evaluations read `serving` (an atomic pointer) inside
 * a read section; a reload stores the new pointer and starts a grace period
 * (rsl__rd_gp_start: which read sections were in progress), and the old
 * snapshot is closed once every one of them has ended (rsl__rd_gp_done,
 * which never waits: a reader in a slow evaluation never delays a reload).
 * rsl__rd_synchronize is the grace period that waits, for rsl_client_free.
 * Why this scheme:
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
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/membarrier.h>
#include <sys/syscall.h>
#endif

#include "client_rcu.h"

rsl__rd_slot rsl__rd_slots[RSL__SLOTS];
atomic_uint rsl__rd_used;
atomic_uint rsl__rd_freed;
atomic_ulong rsl__rd_shared_gen;
atomic_long rsl__rd_shared_count[2];
_Atomic int rsl__rd_asym;
RSL__RD_TLS int rsl__rd_slot_of = RSL__SLOT_NONE;
RSL__RD_TLS unsigned rsl__rd_depth;
RSL__RD_TLS int rsl__rd_parity;
RSL__RD_TLS unsigned rsl__rd_tried;

static pthread_mutex_t rd_shared_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t rd_once = PTHREAD_ONCE_INIT;
static pthread_key_t rd_key;

/* The key's value: slot + 1, or RSL__SLOTS + 1 for a thread on the shared
 * path (which must also end a hold it exits inside). */
static void rd_thread_exit(void *v)
{
	int i = (int)(uintptr_t)v - 1;
	if (i < 0 || i > RSL__SLOTS)
		return;
	if (i == RSL__SLOTS || rsl__rd_slot_of == RSL__SLOT_SHARED) {
		/* Exited inside a hold: end it, or reloads would wait forever. */
		if (rsl__rd_depth && rsl__rd_slot_of == RSL__SLOT_SHARED)
			atomic_fetch_sub_explicit(&rsl__rd_shared_count[rsl__rd_parity], 1,
						  memory_order_release);
		rsl__rd_depth = 0;
		rsl__rd_slot_of = RSL__SLOT_NONE;
		return;
	}
	if (rsl__rd_depth) { /* exited inside a hold: end it, or reloads would wait forever */
		unsigned long s = atomic_load_explicit(&rsl__rd_slots[i].seq, memory_order_relaxed);
		if (s & 1)
			atomic_store_explicit(&rsl__rd_slots[i].seq, s + 1, memory_order_release);
		rsl__rd_depth = 0;
	}
	rsl__rd_slot_of = RSL__SLOT_NONE;
	atomic_store_explicit(&rsl__rd_slots[i].owner, 0, memory_order_release);
	atomic_fetch_add_explicit(&rsl__rd_freed, 1, memory_order_release);
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

static void rd_init_once(void)
{
	pthread_key_create(&rd_key, rd_thread_exit);
	const char *e = getenv("RSL_MEMBARRIER");
	if (e && strcmp(e, "0") == 0)
		return;
	/* Before any reader exists: the mode never changes under a reader. */
	if (rd_register())
		atomic_store(&rsl__rd_asym, 1);
}

void rsl__rd_init(void)
{
	pthread_once(&rd_once, rd_init_once);
}

int rsl__client_thread_slot(void)
{
	return rsl__rd_slot_of;
}

int rsl__rd_claim(void)
{
	rsl__rd_init();
	rsl__rd_tried = atomic_load_explicit(&rsl__rd_freed, memory_order_acquire);
	for (int i = 0; i < RSL__SLOTS; i++) {
		int free_ = 0;
		if (atomic_load_explicit(&rsl__rd_slots[i].owner, memory_order_relaxed) != 0 ||
		    !atomic_compare_exchange_strong(&rsl__rd_slots[i].owner, &free_, 1))
			continue;
		unsigned used = atomic_load(&rsl__rd_used);
		while (used < (unsigned)i + 1 &&
		       !atomic_compare_exchange_weak(&rsl__rd_used, &used, (unsigned)i + 1))
			;
		rsl__rd_slot_of = i;
		pthread_setspecific(rd_key, (void *)(uintptr_t)(i + 1));
		return i;
	}
	/* No slot: the shared path, until a slot is given back.  The key makes
	 * the exit end a hold this thread dies inside. */
	if (rsl__rd_slot_of != RSL__SLOT_SHARED)
		pthread_setspecific(rd_key, (void *)(uintptr_t)(RSL__SLOTS + 1));
	rsl__rd_slot_of = RSL__SLOT_SHARED;
	return RSL__SLOT_SHARED;
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
/* Orders the caller's (seq_cst) store of the new pointer before the loads
 * of the slots that follow: the writer's half of the asymmetric fence. */
static void rd_barrier(void)
{
#if defined(__linux__) && defined(SYS_membarrier)
	if (atomic_load(&rsl__rd_asym) &&
	    syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) {
		/* Not expected after a successful registration (the child of a
		 * fork registers again while it has one thread).  Should it
		 * happen: fenced readers from now on; for readers already inside
		 * unfenced, this grace period is best effort: a fence, and 10 ms
		 * (far longer than a store buffer takes to drain) before the
		 * slots are read.  The fence is a seq_cst read-modify-write:
		 * a full barrier on every target, and one ThreadSanitizer
		 * understands (it cannot model atomic_thread_fence). */
		(void)atomic_exchange(&rsl__rd_asym, 0);
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
#endif
}

void rsl__rd_synchronize(void)
{
	rd_barrier();
	unsigned n = atomic_load(&rsl__rd_used);
	for (unsigned i = 0; i < n; i++) {
		unsigned long v = atomic_load(&rsl__rd_slots[i].seq);
		unsigned spins = 0;
		if (v & 1)
			while (atomic_load(&rsl__rd_slots[i].seq) == v)
				rd_backoff(&spins);
	}
	/* Two generations: a reader that entered before the call counts in
	 * one of the two counters (rsl__rd_gp_start moves the generation
	 * without draining the old counter), and each phase drains one while
	 * new readers go to the other. */
	pthread_mutex_lock(&rd_shared_lock);
	for (int phase = 0; phase < 2; phase++) {
		unsigned long g = atomic_fetch_add(&rsl__rd_shared_gen, 1);
		unsigned spins = 0;
		while (atomic_load_explicit(&rsl__rd_shared_count[g & 1], memory_order_seq_cst) != 0)
			rd_backoff(&spins);
	}
	pthread_mutex_unlock(&rd_shared_lock);
}

void rsl__rd_gp_start(rsl__rd_gp *gp)
{
	rd_barrier();
	unsigned n = atomic_load(&rsl__rd_used);
	gp->n = n;
	for (unsigned i = 0; i < n; i++)
		gp->seq[i] = atomic_load(&rsl__rd_slots[i].seq);
	/* A reader on the shared path that entered before now counts in one
	 * of the two counters: each must be seen at zero (so a reader that
	 * came later may delay it too: the retire list's bound caps that).
	 * The new generation sends new readers to the other counter, so the
	 * old one drains
	 * (unless a rsl__rd_synchronize holds the lock: it moves them itself,
	 * and this must not wait for it). */
	if (pthread_mutex_trylock(&rd_shared_lock) == 0) {
		atomic_fetch_add(&rsl__rd_shared_gen, 1);
		pthread_mutex_unlock(&rd_shared_lock);
	}
	gp->shared_first = !(int)(atomic_load(&rsl__rd_shared_gen) & 1);
	gp->shared_drained = 0;
}

int rsl__rd_gp_done(rsl__rd_gp *gp)
{
	for (unsigned i = 0; i < gp->n; i++) {
		if (!(gp->seq[i] & 1))
			continue;
		if (atomic_load(&rsl__rd_slots[i].seq) == gp->seq[i])
			return 0;
		gp->seq[i] = 0; /* that section ended: never look again */
	}
	for (int k = 0; k < 2; k++) {
		int x = k == 0 ? gp->shared_first : !gp->shared_first;
		if (gp->shared_drained & (1 << x))
			continue;
		if (atomic_load(&rsl__rd_shared_count[x]) != 0) {
			/* The second counter: send new readers away from it too,
			 * unless a rsl__rd_synchronize runs (it moves them). */
			if (k == 1 && (atomic_load(&rsl__rd_shared_gen) & 1) == (unsigned long)x &&
			    pthread_mutex_trylock(&rd_shared_lock) == 0) {
				if ((atomic_load(&rsl__rd_shared_gen) & 1) == (unsigned long)x)
					atomic_fetch_add(&rsl__rd_shared_gen, 1);
				pthread_mutex_unlock(&rd_shared_lock);
			}
			return 0;
		}
		gp->shared_drained |= 1 << x;
	}
	return 1;
}

void rsl__rd_after_fork(void)
{
	int mine = rsl__rd_slot_of;
	for (int i = 0; i < RSL__SLOTS; i++) {
		if (i == mine)
			continue;
		unsigned long v = atomic_load_explicit(&rsl__rd_slots[i].seq, memory_order_relaxed);
		if (v & 1)
			atomic_store_explicit(&rsl__rd_slots[i].seq, v + 1, memory_order_relaxed);
		atomic_store_explicit(&rsl__rd_slots[i].owner, 0, memory_order_relaxed);
	}
	atomic_fetch_add(&rsl__rd_freed, 1);
	atomic_store(&rsl__rd_shared_count[0], 0);
	atomic_store(&rsl__rd_shared_count[1], 0);
	if (mine == RSL__SLOT_SHARED && rsl__rd_depth)
		atomic_store(&rsl__rd_shared_count[rsl__rd_parity], 1);
	pthread_mutex_init(&rd_shared_lock, NULL);
	/* Whether the registration survives fork is the kernel's business:
	 * register again, or fall back to fences while this is the only thread. */
	if (atomic_load(&rsl__rd_asym) && !rd_register())
		atomic_store(&rsl__rd_asym, 0);
}
