/*
 * client_rcu.h - the live client's read sections (internal to librsl): a
 * process-wide array of per-thread reader slots, the shared fallback, and
 * the grace periods a reload starts and checks.  client_rcu.c says why it is built
 * this way.  rsl__rd_enter and rsl__rd_exit are on every evaluation's path,
 * so they are inline here and their state is visible to the client's files.
 */
#ifndef RSL_CLIENT_RCU_H
#define RSL_CLIENT_RCU_H

#include <stdatomic.h>

#define RSL__SLOTS 256
#define RSL__SLOT_NONE (-1)
#define RSL__SLOT_SHARED (-2)

#define RSL__HIDDEN __attribute__((visibility("hidden")))
#define RSL__RD_TLS _Thread_local __attribute__((tls_model("initial-exec")))

typedef struct rsl__rd_slot {
	_Alignas(64) _Atomic unsigned long seq; /* odd: inside a read section */
	_Atomic int owner;                      /* 1: claimed by a live thread */
} rsl__rd_slot;

extern RSL__HIDDEN rsl__rd_slot rsl__rd_slots[RSL__SLOTS];
extern RSL__HIDDEN atomic_uint rsl__rd_used;   /* slots ever claimed: [0, rsl__rd_used) */
extern RSL__HIDDEN atomic_uint rsl__rd_freed;  /* bumped when a slot is given back */
extern RSL__HIDDEN atomic_ulong rsl__rd_shared_gen; /* the fallback for threads without a slot */
extern RSL__HIDDEN atomic_long rsl__rd_shared_count[2];
extern RSL__HIDDEN _Atomic int rsl__rd_asym;   /* membarrier registered: readers need no fence */

extern RSL__HIDDEN RSL__RD_TLS int rsl__rd_slot_of;    /* this thread's slot, or RSL__SLOT_* */
extern RSL__HIDDEN RSL__RD_TLS unsigned rsl__rd_depth; /* nested read sections */
extern RSL__HIDDEN RSL__RD_TLS int rsl__rd_parity;     /* on the shared path: the counter */
extern RSL__HIDDEN RSL__RD_TLS unsigned rsl__rd_tried; /* rsl__rd_freed when last looked */

/* Once per process, before the first reader: the thread-exit key and the
 * membarrier registration (unless RSL_MEMBARRIER=0).  Idempotent. */
void rsl__rd_init(void);

/* Claims a slot for the calling thread: its index, or RSL__SLOT_SHARED
 * when every slot is taken. */
int rsl__rd_claim(void);

/* Waits until every read section begun before the call has ended. */
void rsl__rd_synchronize(void);

/* A grace period watched without waiting: what was inside a read section
 * when it started.  Started after the pointer readers use was replaced; once
 * done, nothing read through the old pointer is still in use. */
typedef struct rsl__rd_gp {
	unsigned n;                     /* slots in use at the start */
	int shared_first;               /* the shared counter to see at zero first */
	int shared_drained;             /* bit x: counter x was seen at zero */
	unsigned long seq[RSL__SLOTS];  /* odd: that slot's section to see end */
} rsl__rd_gp;

/* Starts *gp: the barrier of rsl__rd_synchronize, then a look at the slots.
 * Never waits for a reader (but for another thread's rsl__rd_synchronize,
 * whose lock it takes for an instant, on the shared path). */
void rsl__rd_gp_start(rsl__rd_gp *gp);

/* 1 when every read section *gp saw has ended; never waits. */
int rsl__rd_gp_done(rsl__rd_gp *gp);

/* In the child of fork(), which has only the forking thread: ends every
 * other thread's read section and frees its slot; registers membarrier
 * again or falls back to fences. */
void rsl__rd_after_fork(void);

/* The calling thread's reader slot: 0..255, -1 before its first
 * evaluation, -2 on the shared path (every slot was taken). */
int rsl__client_thread_slot(void);

static inline void rsl__rd_enter(void)
{
	if (rsl__rd_depth++ != 0)
		return;
	int s = rsl__rd_slot_of;
	if (__builtin_expect(s == RSL__SLOT_NONE, 0) ||
	    __builtin_expect(s == RSL__SLOT_SHARED &&
			     atomic_load_explicit(&rsl__rd_freed, memory_order_relaxed) != rsl__rd_tried, 0))
		s = rsl__rd_claim();
	if (__builtin_expect(s >= 0, 1)) {
		_Atomic unsigned long *seq = &rsl__rd_slots[s].seq;
		unsigned long v = atomic_load_explicit(seq, memory_order_relaxed);
		if (atomic_load_explicit(&rsl__rd_asym, memory_order_relaxed)) {
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
		unsigned long g = atomic_load(&rsl__rd_shared_gen);
		atomic_fetch_add(&rsl__rd_shared_count[g & 1], 1);
		if (atomic_load(&rsl__rd_shared_gen) == g) {
			rsl__rd_parity = (int)(g & 1);
			return;
		}
		atomic_fetch_sub_explicit(&rsl__rd_shared_count[g & 1], 1, memory_order_release);
	}
}

static inline void rsl__rd_exit(void)
{
	if (--rsl__rd_depth != 0)
		return;
	int s = rsl__rd_slot_of;
	if (__builtin_expect(s >= 0, 1)) {
		_Atomic unsigned long *seq = &rsl__rd_slots[s].seq;
		unsigned long v = atomic_load_explicit(seq, memory_order_relaxed);
		atomic_store_explicit(seq, v + 1, memory_order_release);
		return;
	}
	atomic_fetch_sub_explicit(&rsl__rd_shared_count[rsl__rd_parity], 1, memory_order_release);
}

#endif
