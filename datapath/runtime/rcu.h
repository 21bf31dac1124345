/*
 * OvS.p4 runtime: quiescent-state-based reclamation (QSBR).
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Packet threads ("readers") read shared structures without locks.  A
 * control thread ("writer") that unpublishes an object may free it only
 * once every reader has stopped looking at it, that is once every
 * registered reader has passed a quiescent point -- a moment at which it
 * holds no reference into shared structures (the end of a packet batch).
 *
 * One `struct ovsp4_rcu` (a domain) per pipeline instance: there is no
 * global state.  The domain keeps an epoch counter.  A reader announces a
 * quiescent point by copying the epoch into its own cache line
 * (ovsp4_rcu_quiesce(), a load and at most one store).  A writer that wants
 * to free an object after unpublishing it tags it with "epoch + 1"; once
 * the epoch has been advanced past the unpublish and every online reader
 * has announced at least the tag, no reader can still see the object.
 *
 * Writers never wait for readers.  ovsp4_rcu_defer() queues a callback and
 * returns; queued callbacks run from ovsp4_rcu_poll(), which control
 * operations call, once their grace period has elapsed.  This matters
 * because a host may run control operations on its only packet thread (the
 * simulator does): a writer blocking for a grace period there would wait
 * for itself forever.  ovsp4_rcu_synchronize() and ovsp4_rcu_barrier()
 * block, and so must never be called by an online reader.
 *
 * Tickets serve writers that recycle indices rather than memory (next-hop
 * slots, trie node groups): ovsp4_rcu_ticket() after unpublishing,
 * ovsp4_rcu_ticket_done() before reusing.
 *
 * Memory ordering.  quiesce: acquire load of the epoch, release store of
 * the reader's counter; the writer advances the epoch with a seq_cst RMW and
 * reads counters with acquire loads.  A reader coming online (register,
 * online) publishes its counter and then issues a seq_cst fence, pairing
 * with the fence the writer issues before it reads the counters, so either
 * the writer sees the reader online or the reader sees the unpublished
 * state.
 */

#ifndef OVSP4_RT_RCU_H
#define OVSP4_RT_RCU_H 1

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct ovsp4_rcu;

/* Per-reader state, on its own cache line so that quiescing does not
 * disturb other threads. */
struct ovsp4_rcu_thread {
    _Alignas(64) _Atomic uint64_t seen; /* epoch at the last quiescent
                                         * point; 0 while offline */
    const _Atomic uint64_t *epoch;      /* the domain's epoch */
    struct ovsp4_rcu *rcu;
    struct ovsp4_rcu_thread *next;      /* domain's list, under its mutex */
};

struct ovsp4_rcu *ovsp4_rcu_create(void);
/* Runs every pending callback.  No reader may be registered or running. */
void ovsp4_rcu_destroy(struct ovsp4_rcu *);

/* Readers.  register/unregister may be called from any thread; the others
 * only by the thread that owns the ovsp4_rcu_thread.  A registered reader
 * starts online. */
struct ovsp4_rcu_thread *ovsp4_rcu_register(struct ovsp4_rcu *);
void ovsp4_rcu_unregister(struct ovsp4_rcu_thread *);

/* An extended quiescent state: an offline reader holds no references and
 * does not delay reclamation (a packet thread going to sleep). */
void ovsp4_rcu_offline(struct ovsp4_rcu_thread *);
void ovsp4_rcu_online(struct ovsp4_rcu_thread *);

/* A quiescent point: the calling reader (online) holds no reference to any
 * RCU-protected object.  Cheap: meant to be called once per packet batch. */
static inline void
ovsp4_rcu_quiesce(struct ovsp4_rcu_thread *t)
{
    uint64_t e = atomic_load_explicit(t->epoch, memory_order_acquire);

    if (atomic_load_explicit(&t->seen, memory_order_relaxed) != e) {
        atomic_store_explicit(&t->seen, e, memory_order_release);
    }
}

/* Writers (any thread that is not an online reader). */

/* Calls fn(arg) after a grace period, from a later ovsp4_rcu_poll(),
 * ovsp4_rcu_barrier() or ovsp4_rcu_destroy().  Never blocks on readers.
 * `fn` must not take locks the caller of ovsp4_rcu_poll() may hold: in
 * practice it only frees memory. */
void ovsp4_rcu_defer(struct ovsp4_rcu *, void (*fn)(void *), void *arg);

/* Runs the callbacks whose grace period has elapsed.  Non-blocking. */
void ovsp4_rcu_poll(struct ovsp4_rcu *);

/* Waits for a grace period / additionally runs every callback deferred
 * before the call.  Must not be called by an online reader. */
void ovsp4_rcu_synchronize(struct ovsp4_rcu *);
void ovsp4_rcu_barrier(struct ovsp4_rcu *);

/* Tickets: take one after unpublishing; ovsp4_rcu_ticket_done() is true
 * once no reader can still see what was unpublished.  Non-blocking. */
uint64_t ovsp4_rcu_ticket(struct ovsp4_rcu *);
bool ovsp4_rcu_ticket_done(struct ovsp4_rcu *, uint64_t ticket);

/* Number of callbacks waiting for their grace period (tests, statistics). */
uint64_t ovsp4_rcu_pending(const struct ovsp4_rcu *);

#endif /* OVSP4_RT_RCU_H */
